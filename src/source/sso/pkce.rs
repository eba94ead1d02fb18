//! Signing in with the OAuth authorization-code flow and PKCE, as the AWS CLI (>= 2.22) does
//! by default: RegisterClient for the auth-code grant, the browser sent to the OIDC
//! `/authorize` page, its redirect caught on a loopback port, then CreateToken with the code
//! and the verifier. Nothing secret goes to stdout; the URL goes to the terminal.

use super::SsoSession;
use super::login::{sdk_error, tell};
use super::token::{Token, format_time};
use crate::creds::now;
use crate::error::{Error, Result};
use crate::loopback::random_text;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

const CALLBACK: &str = "/oauth/callback";

/// How long the browser sign-in may take (`STSENV_SIGNIN_TIMEOUT` seconds, default 600).
fn timeout() -> Duration {
    let secs = std::env::var("STSENV_SIGNIN_TIMEOUT").ok().and_then(|s| s.parse().ok()).unwrap_or(600.0);
    Duration::from_secs_f64(secs)
}

pub fn sign_in(session: &SsoSession, client: &aws_sdk_ssooidc::Client, no_browser: bool) -> Result<Token> {
    let runtime = crate::client::runtime()?;
    let name = session.name.as_deref().unwrap_or("stsenv");
    let scopes = if session.scopes.is_empty() { vec!["sso:account:access".to_owned()] } else { session.scopes.clone() };
    let call = client
        .register_client()
        .client_name(format!("stsenv-{name}"))
        .client_type("public")
        .set_scopes(Some(scopes.clone()))
        .grant_types("authorization_code")
        .grant_types("refresh_token")
        .redirect_uris(format!("http://127.0.0.1{CALLBACK}"))
        .issuer_url(&session.start_url)
        .send();
    let reg = runtime.block_on(call).map_err(|e| *sdk_error("RegisterClient", "SSO OIDC", e).error)?;
    let (client_id, client_secret) =
        (reg.client_id().unwrap_or_default().to_owned(), reg.client_secret().unwrap_or_default().to_owned());

    let server = crate::loopback::Server::bind().map_err(|e| e.hint("sign in with --use-device-code instead"))?;
    let redirect = server.url(CALLBACK);
    let verifier = random_text(64)?;
    let state = random_text(32)?;
    let challenge = base64url(&Sha256::digest(verifier.as_bytes()));
    let url = format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&state={state}&code_challenge_method=S256&scopes={}&code_challenge={challenge}",
        oidc_base(session),
        encode(&client_id),
        encode(&redirect),
        encode(&scopes.join(" "))
    );
    // The browser gets a one-time loopback link, never `state` or the challenge in its
    // command line; the link sends it on to the sign-in page.
    let launch = crate::loopback::random_path()?;
    let link = server.url(&launch);
    // The terminal (the user's alone) shows the page itself, to open by hand if need be.
    tell(&format!("stsenv: sign in to {} ({}) in the browser:\n  {url}\n", session.label(), session.start_url));
    if no_browser || !crate::browser::open(&link) {
        tell("stsenv: open that URL in a browser on this machine, or sign in with --use-device-code\n");
    }

    let code = wait_for_code(&server, &launch, &url, &state)?;
    let call = client
        .create_token()
        .grant_type("authorization_code")
        .client_id(&client_id)
        .client_secret(&client_secret)
        .code(code)
        .redirect_uri(&redirect)
        .code_verifier(&verifier)
        .send();
    let out = runtime.block_on(call).map_err(|e| *sdk_error("CreateToken", "SSO OIDC", e).error)?;
    tell("stsenv: signed in\n");
    Ok(Token {
        access_token: out.access_token().unwrap_or_default().to_owned(),
        expires_at: format_time(now() + i64::from(out.expires_in())),
        refresh_token: out.refresh_token().map(str::to_owned),
        client_id: Some(client_id),
        client_secret: Some(client_secret),
        registration_expires_at: Some(format_time(reg.client_secret_expires_at())),
        region: Some(session.region.clone()),
        start_url: Some(session.start_url.clone()),
        other: Default::default(),
    })
}

/// The OIDC service's address, as the SDK's endpoint rules give it (or the override).
fn oidc_base(session: &SsoSession) -> String {
    use aws_sdk_ssooidc::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
    let e = &session.oidc_endpoint;
    let params = Params::builder()
        .region(&session.region)
        .use_fips(e.fips)
        .use_dual_stack(e.dual_stack)
        .set_endpoint(e.url.clone())
        .build();
    let resolved = params.ok().and_then(|p| {
        let resolver = DefaultResolver::new();
        crate::client::runtime().ok()?.block_on(resolver.resolve_endpoint(&p)).ok()
    });
    let url = resolved.map_or_else(|| format!("https://oidc.{}.amazonaws.com", session.region), |r| r.url().to_owned());
    url.trim_end_matches('/').to_owned()
}

/// Serves the one-time link (to the sign-in page) and the redirect until the redirect brings
/// the code (or an error) for our `state`. Anything else (a favicon, another `state`) is
/// answered and the wait goes on; a hostile `error` without our `state` is not believed.
fn wait_for_code(server: &crate::loopback::Server, launch: &str, url: &str, state: &str) -> Result<String> {
    use crate::loopback::Reply;
    let deadline = Instant::now() + timeout();
    let mut used = false;
    let outcome = server.serve(deadline, |target| {
        if target == launch {
            let (reply, _) = crate::loopback::one_shot(target, launch, url, &mut used);
            return (reply, None);
        }
        let Some(query) = target.strip_prefix(CALLBACK).and_then(|rest| rest.strip_prefix('?')) else {
            return (Reply::Page("404 Not Found", "Not found.".into()), None);
        };
        let param =
            |name: &str| form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        if param("state").as_deref() != Some(state) {
            return (Reply::Page("400 Bad Request", "This sign-in is not the one stsenv started.".into()), None);
        }
        if let Some(error) = param("error") {
            let detail = param("error_description").map_or(String::new(), |d| format!(": {d}"));
            // Error's display escapes what the page sent (no terminal sequences get through).
            let refused = Error::new(format!("the sign-in was refused in the browser ({error}{detail})"))
                .hint("run `stsenv login` again to retry");
            return (Reply::Page("200 OK", "The sign-in failed; see the terminal.".into()), Some(Err(refused)));
        }
        match param("code") {
            Some(code) => (
                Reply::Page("200 OK", "Signed in: stsenv has the credentials. You can close this tab.".into()),
                Some(Ok(code)),
            ),
            None => (Reply::Page("400 Bad Request", "No authorization code.".into()), None),
        }
    });
    outcome.unwrap_or_else(|| {
        Err(Error::new(format!("the browser sign-in was not completed in {}s", timeout().as_secs()))
            .hint("run `stsenv login` again, or sign in with --use-device-code"))
    })
}

fn base64url(bytes: &[u8]) -> String {
    aws_smithy_types::base64::encode(bytes).trim_end_matches('=').replace('+', "-").replace('/', "_")
}

/// Percent-encoding of a query value: all but A-Z a-z 0-9 - . _ ~ (as the AWS CLI does).
fn encode(text: &str) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    const UNRESERVED: &percent_encoding::AsciiSet =
        &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    utf8_percent_encode(text, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_challenge_is_unpadded_url_safe_base64_of_sha256() {
        // As Python's base64.urlsafe_b64encode(sha256(verifier)).rstrip("=") gives it.
        let verifier = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = super::base64url(&<sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes()));
        assert_eq!(challenge, "ngF5GsXcbwljx6u133FFr3Xht9xooA_DuaX_3QwODtc");
        assert_eq!(super::encode("http://127.0.0.1:5/x y"), "http%3A%2F%2F127.0.0.1%3A5%2Fx%20y");
    }
}
