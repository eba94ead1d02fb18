//! Signing in with the OAuth authorization-code flow and PKCE, as the AWS CLI (>= 2.22) does
//! by default: RegisterClient for the auth-code grant, the browser sent to the OIDC
//! `/authorize` page, its redirect caught on a loopback port, then CreateToken with the code
//! and the verifier. Nothing secret goes to stdout; the URL goes to the terminal.

use super::SsoSession;
use super::login::{sdk_error, tell};
use super::token::{Token, format_time};
use crate::creds::now;
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
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

    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| {
        Error::new(format!("cannot listen on 127.0.0.1 for the sign-in's redirect: {e}"))
            .hint("sign in with --use-device-code instead")
    })?;
    let redirect = format!("http://127.0.0.1:{}{CALLBACK}", listener.local_addr()?.port());
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
    tell(&format!("stsenv: sign in to {} ({}) in the browser:\n  {url}\n", session.label(), session.start_url));
    if no_browser || !crate::browser::open(&url) {
        tell("stsenv: open that URL in a browser on this machine, or sign in with --use-device-code\n");
    }

    let code = wait_for_code(&listener, &state)?;
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

/// Serves the loopback redirect until it brings the code (or an error) for our `state`.
/// Other requests (a favicon) get 404 and the wait goes on.
fn wait_for_code(listener: &TcpListener, state: &str) -> Result<String> {
    listener.set_nonblocking(true)?;
    let deadline = Instant::now() + timeout();
    while Instant::now() < deadline {
        let mut stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            Err(e) => return Err(Error::new(format!("the sign-in's redirect failed: {e}"))),
        };
        let Some(target) = request_target(&mut stream) else { continue };
        let Some(query) = target.strip_prefix(CALLBACK).and_then(|rest| rest.strip_prefix('?')) else {
            answer(&mut stream, "404 Not Found", "Not found.");
            continue;
        };
        let param =
            |name: &str| form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        if let Some(error) = param("error") {
            answer(&mut stream, "200 OK", "The sign-in failed; see the terminal.");
            let detail = param("error_description").map_or(String::new(), |d| format!(": {d}"));
            return Err(Error::new(format!("the sign-in was refused in the browser ({error}{detail})"))
                .hint("run `stsenv login` again to retry"));
        }
        if param("state").as_deref() != Some(state) {
            answer(&mut stream, "400 Bad Request", "This sign-in is not the one stsenv started.");
            continue;
        }
        let Some(code) = param("code") else {
            answer(&mut stream, "400 Bad Request", "No authorization code.");
            continue;
        };
        answer(&mut stream, "200 OK", "Signed in: stsenv has the credentials. You can close this tab.");
        return Ok(code);
    }
    Err(Error::new(format!("the browser sign-in was not completed in {}s", timeout().as_secs()))
        .hint("run `stsenv login` again, or sign in with --use-device-code"))
}

/// The request line's target of one HTTP request (bounded, with a short timeout).
fn request_target(stream: &mut TcpStream) -> Option<String> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while head.len() < 8192 && !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            break;
        }
        head.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&head).lines().next()?.to_owned();
    let mut words = line.split(' ');
    (words.next()? == "GET").then(|| words.next().map(str::to_owned))?
}

fn answer(stream: &mut TcpStream, status: &str, text: &str) {
    let body = format!("<!doctype html><title>stsenv</title><p>{text}</p>\n");
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// `len` characters of the PKCE verifier alphabet (RFC 7636: A-Z a-z 0-9 - . _ ~).
fn random_text(len: usize) -> Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let mut bytes = vec![0u8; len];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    // 256 is 3 × 66 + 58: the small bias is irrelevant for a one-time secret of 64 characters.
    Ok(bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect())
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
