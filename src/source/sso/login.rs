//! Signing in to IAM Identity Center — the browser flow (`pkce`) or the OIDC device
//! authorization flow (RegisterClient, StartDeviceAuthorization, then CreateToken polled as
//! the server asks) — and refreshing the token. All unsigned. The code and URL go to the
//! terminal (or stderr), never to stdout.

use super::SsoSession;
use super::token::{Token, format_time};
use crate::creds::now;
use crate::error::{Error, Result, q};
use aws_sdk_ssooidc::error::{ProvideErrorMetadata, SdkError};
use std::io::Write;
use std::time::{Duration, Instant};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// An error with the service's error code, so callers can tell "sign in again" apart.
pub struct CodedError {
    pub error: Box<Error>,
    pub code: Option<String>,
}

pub fn sdk_error<E, R>(what: &str, service: &str, err: SdkError<E, R>) -> CodedError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::ServiceError(e) => {
            let code = e.err().code().unwrap_or("Unknown").to_owned();
            let message = e.err().message().unwrap_or("");
            let error = Error::new(format!("{what} failed: {code}: {message}"));
            let error = match code.as_str() {
                "TooManyRequestsException" | "SlowDownException" => error.hint("wait a moment and try again"),
                _ => error,
            };
            CodedError { error: Box::new(error), code: Some(code) }
        }
        SdkError::TimeoutError(_) => CodedError {
            error: Box::new(
                Error::new(format!("{what}: {service} did not answer in time"))
                    .hint("check the network, HTTPS_PROXY, or STSENV_TIMEOUT"),
            ),
            code: None,
        },
        SdkError::DispatchFailure(_) => CodedError {
            error: Box::new(
                Error::new(format!("{what}: cannot reach {service}: {}", crate::client::causes(&err)))
                    .hint("check the network, HTTPS_PROXY, and AWS_ENDPOINT_URL / endpoint_url"),
            ),
            code: None,
        },
        _ => CodedError {
            error: Box::new(Error::new(format!("{what}: bad answer from {service}: {}", crate::client::causes(&err)))),
            code: None,
        },
    }
}

pub(super) fn client(session: &SsoSession) -> aws_sdk_ssooidc::Client {
    let mut config = aws_sdk_ssooidc::Config::builder()
        .behavior_version(aws_sdk_ssooidc::config::BehaviorVersion::latest())
        .region(aws_sdk_ssooidc::config::Region::new(session.region.clone()))
        .http_client(crate::client::http_client())
        .timeout_config(crate::client::timeouts())
        .use_fips(session.oidc_endpoint.fips)
        .use_dual_stack(session.oidc_endpoint.dual_stack);
    config.set_endpoint_url(session.oidc_endpoint.url.clone());
    aws_sdk_ssooidc::Client::from_conf(config.build())
}

pub fn terminal_available() -> bool {
    std::fs::OpenOptions::new().write(true).open("/dev/tty").is_ok()
}

/// CreateToken with the refresh token; the new token keeps the registration.
pub fn refresh(session: &SsoSession, old: &Token) -> Result<Token, CodedError> {
    let runtime = crate::client::runtime().map_err(|e| CodedError { error: Box::new(e.into()), code: None })?;
    let call = client(session)
        .create_token()
        .grant_type("refresh_token")
        .client_id(old.client_id.clone().unwrap_or_default())
        .client_secret(old.client_secret.clone().unwrap_or_default())
        .refresh_token(old.refresh_token.clone().unwrap_or_default())
        .send();
    let out = runtime
        .block_on(call)
        .map_err(|e| sdk_error(&format!("refreshing the {} token", session.label()), "SSO OIDC", e))?;
    let mut token = old.clone();
    token.access_token = out.access_token().unwrap_or_default().to_owned();
    token.expires_at = format_time(now() + i64::from(out.expires_in()));
    if let Some(r) = out.refresh_token() {
        token.refresh_token = Some(r.to_owned());
    }
    Ok(token)
}

/// The device flow: show the code, open the browser, poll until the user confirms.
/// `previous` lends its client registration when that still lives.
pub fn device_flow(session: &SsoSession, previous: Option<&Token>, no_browser: bool) -> Result<Token> {
    let runtime = crate::client::runtime()?;
    let client = client(session);

    let (client_id, client_secret, registration_expires) = match previous.filter(|t| t.registration_left() > 3600) {
        Some(t) => (
            t.client_id.clone().unwrap_or_default(),
            t.client_secret.clone().unwrap_or_default(),
            t.registration_expires_at.clone().unwrap_or_default(),
        ),
        None => {
            let call = client
                .register_client()
                .client_name(format!("stsenv-{}", now()))
                .client_type("public")
                .set_scopes((!session.scopes.is_empty()).then(|| session.scopes.clone()))
                .send();
            let reg = runtime.block_on(call).map_err(|e| *sdk_error("RegisterClient", "SSO OIDC", e).error)?;
            (
                reg.client_id().unwrap_or_default().to_owned(),
                reg.client_secret().unwrap_or_default().to_owned(),
                format_time(reg.client_secret_expires_at()),
            )
        }
    };

    let call = client
        .start_device_authorization()
        .client_id(&client_id)
        .client_secret(&client_secret)
        .start_url(&session.start_url)
        .send();
    let auth = runtime.block_on(call).map_err(|e| *sdk_error("StartDeviceAuthorization", "SSO OIDC", e).error)?;
    // From the OIDC service: shown on the terminal only through the printable filter, and a
    // URL with anything but its own characters is never handed to a browser.
    let code = crate::error::printable(auth.user_code().unwrap_or_default());
    let url = auth.verification_uri_complete().or(auth.verification_uri()).unwrap_or_default();
    let url_ok = url.starts_with("https://") && url.bytes().all(|b| b.is_ascii_graphic());
    let url = crate::error::printable(url);
    tell(&format!(
        "stsenv: sign in to {} ({}):\n  open   {url}\n  code   {code}\n",
        session.label(),
        session.start_url
    ));
    if !no_browser && url_ok {
        crate::browser::open(&url);
    }

    let deadline = Instant::now() + Duration::from_secs(auth.expires_in().max(1) as u64);
    let mut interval = Duration::from_secs(auth.interval().max(1) as u64);
    loop {
        std::thread::sleep(interval);
        let call = client
            .create_token()
            .grant_type(DEVICE_GRANT)
            .device_code(auth.device_code().unwrap_or_default())
            .client_id(&client_id)
            .client_secret(&client_secret)
            .send();
        match runtime.block_on(call) {
            Ok(out) => {
                tell("stsenv: signed in\n");
                return Ok(Token {
                    access_token: out.access_token().unwrap_or_default().to_owned(),
                    expires_at: format_time(now() + i64::from(out.expires_in())),
                    refresh_token: out.refresh_token().map(str::to_owned),
                    client_id: Some(client_id),
                    client_secret: Some(client_secret),
                    registration_expires_at: Some(registration_expires),
                    region: Some(session.region.clone()),
                    start_url: Some(session.start_url.clone()),
                    other: Default::default(),
                });
            }
            Err(e) => {
                let err = sdk_error("CreateToken", "SSO OIDC", e);
                match err.code.as_deref() {
                    Some("AuthorizationPendingException") if Instant::now() < deadline => {}
                    Some("SlowDownException") => interval += Duration::from_secs(5),
                    Some("AuthorizationPendingException" | "ExpiredTokenException") => {
                        return Err(Error::new(format!(
                            "the sign-in code {} expired before it was confirmed",
                            q(&code)
                        ))
                        .hint(format!(
                            "run `stsenv login {}` again and confirm it in the browser",
                            session.login_hint
                        )));
                    }
                    Some("AccessDeniedException") => {
                        return Err(Error::new("the sign-in was denied in the browser")
                            .hint(format!("run `stsenv login {}` again to retry", session.login_hint)));
                    }
                    _ => return Err(*err.error),
                }
            }
        }
    }
}

/// The terminal if there is one, else stderr: never stdout, which the shell evals.
pub(super) fn tell(text: &str) {
    match std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        Ok(mut tty) => {
            let _ = tty.write_all(text.as_bytes());
        }
        Err(_) => eprint!("{text}"),
    }
}
