//! A local IAM Identity Center: the SSO OIDC service (RegisterClient, StartDeviceAuthorization,
//! CreateToken for the device code and refresh grants) and the portal (GetRoleCredentials,
//! ListAccounts and ListAccountRoles, paginated and throttled as AWS does), with AWS's
//! restJson1 bodies and error shapes. moto implements neither.

use super::http::{Reply, Request, Server};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const START_URL: &str = "https://corp.awsapps.com/start";
pub const USER_CODE: &str = "WDJB-MJHT";

/// How the user answers the device sign-in in the browser.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Browser {
    /// Confirms after this many polls (each answered `authorization_pending`).
    Approve(u32),
    /// Asks the client to slow down once, then confirms.
    SlowDown,
    Deny,
    /// Never confirms: the code expires.
    Expire,
}

/// What the portal does with GetRoleCredentials.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Portal {
    Ok,
    Error500,
    Slow,
}

pub struct State {
    pub browser: Browser,
    pub portal: Portal,
    pub polls: u32,
    pub issued: Vec<String>,
    pub refresh_tokens: Vec<String>,
    pub counter: u32,
    /// The organization: (account id, account name), and each account's roles.
    pub accounts: Vec<(String, String)>,
    pub roles: std::collections::HashMap<String, Vec<String>>,
    /// Every Nth portal listing is answered 429 TooManyRequestsException (0: never).
    pub throttle_every: u32,
    pub listings: u32,
    /// Authorization codes handed to the browser: (code, S256 challenge, redirect URI).
    pub codes: Vec<(String, String, String)>,
}

pub struct Sso {
    pub server: Server,
    pub state: Arc<Mutex<State>>,
}

fn error(status: u16, code: &str, oauth: &str, message: &str) -> Reply {
    Reply::Json {
        status,
        body: format!("{{\"error\":\"{oauth}\",\"error_description\":\"{message}\",\"message\":\"{message}\"}}"),
        error_type: Some(format!("{code}:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/")),
    }
}

fn ok(body: String) -> Reply {
    Reply::Json { status: 200, body, error_type: None }
}

fn field(body: &str, name: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value.get(name)?.as_str().map(str::to_owned)
}

impl Sso {
    pub fn start() -> Sso {
        let state = Arc::new(Mutex::new(State {
            browser: Browser::Approve(1),
            portal: Portal::Ok,
            polls: 0,
            issued: Vec::new(),
            refresh_tokens: Vec::new(),
            counter: 0,
            accounts: Vec::new(),
            roles: std::collections::HashMap::new(),
            throttle_every: 0,
            listings: 0,
            codes: Vec::new(),
        }));
        let shared = state.clone();
        let server = Server::start(move |req| answer(&mut shared.lock().unwrap(), req));
        Sso { server, state }
    }

    pub fn url(&self) -> &str {
        &self.server.url
    }

    pub fn set(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.state.lock().unwrap());
    }

    /// Requests to a path, e.g. `/token` or `/federation/credentials`.
    pub fn count(&self, path: &str) -> usize {
        self.server.all().iter().filter(|r| r.target().split('?').next() == Some(path)).count()
    }

    /// `n` accounts named as people name them (spaces, brackets), each with `roles`.
    pub fn organization(&self, n: usize, roles: &[&str]) {
        self.set(|s| {
            s.accounts =
                (0..n).map(|i| (format!("{}", 100_000_000_000u64 + i as u64), format!("Team {i:03} [eu]"))).collect();
            s.roles =
                s.accounts.iter().map(|(id, _)| (id.clone(), roles.iter().map(|r| r.to_string()).collect())).collect();
        });
    }

    /// CreateToken calls with the refresh grant.
    pub fn refreshes(&self) -> usize {
        self.server
            .all()
            .iter()
            .filter(|r| r.target() == "/token" && field(&r.body, "grantType").as_deref() == Some("refresh_token"))
            .count()
    }
}

fn answer(state: &mut State, req: &Request) -> Reply {
    let path = req.target();
    let path = path.split('?').next().unwrap_or("");
    match path {
        "/client/register" => {
            let scoped = req.body.contains("\"scopes\"");
            let now = super::now();
            ok(format!(
                "{{\"clientId\":\"client-{}\",\"clientSecret\":\"secret-{scoped}\",\"clientIdIssuedAt\":{now},\"clientSecretExpiresAt\":{}}}",
                now,
                now + 90 * 86400
            ))
        }
        // The browser's side of the authorization-code flow: checks what the client asks for
        // and redirects to its loopback with a code (or the refusal).
        "/authorize" => {
            let q = |name: &str| req.query(name).unwrap_or_default();
            let redirect = q("redirect_uri");
            let valid = q("response_type") == "code"
                && q("client_id").starts_with("client-")
                && q("code_challenge_method") == "S256"
                && q("code_challenge").len() == 43
                && q("scopes").contains("sso:account:access")
                && redirect.starts_with("http://127.0.0.1:")
                && redirect.ends_with("/oauth/callback");
            if !valid {
                return error(400, "InvalidRequestException", "invalid_request", "bad authorize request");
            }
            let location = if state.browser == Browser::Deny {
                format!("{redirect}?error=access_denied&error_description=denied&state={}", q("state"))
            } else {
                state.counter += 1;
                let code = format!("code-{}", state.counter);
                state.codes.push((code.clone(), q("code_challenge"), redirect.clone()));
                format!("{redirect}?code={code}&state={}", q("state"))
            };
            Reply::Raw(format!("HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\n\r\n").into_bytes())
        }
        "/device_authorization" => {
            if field(&req.body, "startUrl").as_deref() != Some(START_URL) {
                return error(400, "InvalidRequestException", "invalid_request", "unknown start URL");
            }
            state.polls = 0;
            ok(format!(
                "{{\"deviceCode\":\"device-1\",\"userCode\":\"{USER_CODE}\",\"verificationUri\":\"https://device.sso.us-east-1.amazonaws.com/\",\"verificationUriComplete\":\"https://device.sso.us-east-1.amazonaws.com/?user_code={USER_CODE}\",\"expiresIn\":{},\"interval\":1}}",
                if state.browser == Browser::Expire { 3 } else { 600 }
            ))
        }
        "/token" => {
            let scoped = field(&req.body, "clientSecret").as_deref() == Some("secret-true");
            match field(&req.body, "grantType").as_deref() {
                Some("refresh_token") => {
                    let given = field(&req.body, "refreshToken").unwrap_or_default();
                    if !state.refresh_tokens.contains(&given) && !given.starts_with("valid-") {
                        return error(400, "InvalidGrantException", "invalid_grant", "Invalid refresh token provided");
                    }
                    issue(state, true)
                }
                Some("authorization_code") => {
                    let (code, verifier) = (
                        field(&req.body, "code").unwrap_or_default(),
                        field(&req.body, "codeVerifier").unwrap_or_default(),
                    );
                    let redirect = field(&req.body, "redirectUri").unwrap_or_default();
                    let challenge = {
                        use sha2::Digest;
                        let digest = sha2::Sha256::digest(verifier.as_bytes());
                        aws_smithy_types::base64::encode(digest)
                            .trim_end_matches('=')
                            .replace('+', "-")
                            .replace('/', "_")
                    };
                    let known =
                        state.codes.iter().position(|(c, ch, r)| *c == code && *ch == challenge && *r == redirect);
                    match known {
                        Some(i) => {
                            state.codes.remove(i); // one use
                            issue(state, true)
                        }
                        None => error(400, "InvalidGrantException", "invalid_grant", "Invalid authorization code"),
                    }
                }
                Some("urn:ietf:params:oauth:grant-type:device_code") => {
                    state.polls += 1;
                    match state.browser {
                        Browser::Approve(n) if state.polls > n => issue(state, scoped),
                        Browser::SlowDown if state.polls == 1 => {
                            error(400, "SlowDownException", "slow_down", "slow down")
                        }
                        Browser::SlowDown if state.polls > 1 => issue(state, scoped),
                        Browser::Deny => error(400, "AccessDeniedException", "access_denied", "denied"),
                        Browser::Expire if state.polls > 2 => {
                            error(400, "ExpiredTokenException", "expired_token", "expired")
                        }
                        _ => error(400, "AuthorizationPendingException", "authorization_pending", "pending"),
                    }
                }
                _ => error(400, "UnsupportedGrantTypeException", "unsupported_grant_type", "grant"),
            }
        }
        "/assignment/accounts" | "/assignment/roles" => {
            let token = req.header("x-amz-sso_bearer_token").unwrap_or_default();
            if !state.issued.contains(&token) && !token.starts_with("valid-") {
                return error(401, "UnauthorizedException", "unauthorized", "Session token not found or invalid");
            }
            state.listings += 1;
            if state.throttle_every > 0 && state.listings.is_multiple_of(state.throttle_every) {
                return error(429, "TooManyRequestsException", "throttled", "Rate exceeded");
            }
            let start: usize = req.query("next_token").and_then(|t| t.parse().ok()).unwrap_or(0);
            let (items, key): (Vec<String>, &str) = if path == "/assignment/accounts" {
                // JSON-escaped, so that hostile names arrive exactly as given.
                let items = state.accounts.iter().map(|(id, name)| {
                    serde_json::json!({"accountId": id, "accountName": name, "emailAddress": format!("aws+{id}@example.com")})
                        .to_string()
                });
                (items.collect(), "accountList")
            } else {
                let account = req.query("account_id").unwrap_or_default();
                let roles = state.roles.get(&account).cloned().unwrap_or_default();
                let items = roles.iter().map(|r| serde_json::json!({"roleName": r, "accountId": account}).to_string());
                (items.collect(), "roleList")
            };
            // Small pages, so every listing is paginated.
            let page = if key == "accountList" { 20 } else { 2 };
            let end = (start + page).min(items.len());
            let next = if end < items.len() { format!(",\"nextToken\":\"{end}\"") } else { String::new() };
            ok(format!("{{\"{key}\":[{}]{next}}}", items[start.min(end)..end].join(",")))
        }
        "/federation/credentials" => {
            let token = req.header("x-amz-sso_bearer_token").unwrap_or_default();
            if !state.issued.contains(&token) && !token.starts_with("valid-") {
                return error(401, "UnauthorizedException", "unauthorized", "Session token not found or invalid");
            }
            match state.portal {
                Portal::Error500 => return error(500, "InternalServerException", "internal", "internal error"),
                Portal::Slow => return Reply::Slow { delay: Duration::from_secs(10) },
                Portal::Ok => {}
            }
            let role = req.query("role_name").unwrap_or_default();
            if role == "Denied" {
                return error(403, "ForbiddenException", "forbidden", "No access");
            }
            state.counter += 1;
            let n = state.counter;
            let expiration = (super::now() + 3600) * 1000;
            ok(format!(
                "{{\"roleCredentials\":{{\"accessKeyId\":\"ASIASSO{n:09}\",\"secretAccessKey\":\"sso-secret-{n}\",\"sessionToken\":\"sso-token-{role}-{n}\",\"expiration\":{expiration}}}}}"
            ))
        }
        _ => error(404, "ResourceNotFoundException", "not_found", "no such path"),
    }
}

fn issue(state: &mut State, with_refresh: bool) -> Reply {
    state.counter += 1;
    let access = format!("access-{}", state.counter);
    state.issued.push(access.clone());
    let refresh = with_refresh.then(|| format!("refresh-{}", state.counter));
    if let Some(r) = &refresh {
        state.refresh_tokens.push(r.clone());
    }
    let refresh = refresh.map_or(String::new(), |r| format!(",\"refreshToken\":\"{r}\""));
    ok(format!("{{\"accessToken\":\"{access}\",\"tokenType\":\"Bearer\",\"expiresIn\":28800{refresh}}}"))
}

pub fn sha1_name(text: &str) -> String {
    let out = std::process::Command::new("sha1sum").arg("-").stdin_bytes(text).unwrap();
    out.split_whitespace().next().unwrap().to_owned()
}

pub trait StdinBytes {
    fn stdin_bytes(&mut self, input: &str) -> Option<String>;
}

impl StdinBytes for std::process::Command {
    fn stdin_bytes(&mut self, input: &str) -> Option<String> {
        use std::io::Write;
        let mut child = self.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn().ok()?;
        child.stdin.take()?.write_all(input.as_bytes()).ok()?;
        Some(super::text(&child.wait_with_output().ok()?.stdout))
    }
}

/// A HOME whose SSO goes to the stub and whose $BROWSER fetches the URL it is given,
/// following redirects (to stsenv's loopback).
pub fn signin_home(sso: &Sso, config: &str, credentials: &str) -> super::Home {
    let mut home = super::Home::with(sso.url(), config, credentials);
    home.env.push(("AWS_ENDPOINT_URL_SSO".into(), sso.url().into()));
    home.env.push(("AWS_ENDPOINT_URL_SSO_OIDC".into(), sso.url().into()));
    let browser = format!(
        "{} -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=30).read()'",
        super::venv("python").display()
    );
    home.env.push(("BROWSER".into(), browser));
    home.env.push(("STSENV_SIGNIN_TIMEOUT".into(), "20".into()));
    home
}

pub fn token_file(home: &super::Home, name: &str) -> std::path::PathBuf {
    home.path().join(".aws/sso/cache").join(format!("{}.json", sha1_name(name)))
}

/// Writes a token as the AWS CLI would, `left` seconds from expiry.
pub fn write_token(home: &super::Home, name: &str, access: &str, left: i64, refresh: Option<&str>) {
    let path = token_file(home, name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let at = |t: i64| {
        let out = std::process::Command::new("date")
            .args(["-u", "-d", &format!("@{t}"), "+%Y-%m-%dT%H:%M:%SZ"])
            .output()
            .unwrap();
        super::text(&out.stdout).trim().to_owned()
    };
    let mut json = format!(
        "{{\"startUrl\": \"{START_URL}\", \"region\": \"us-east-1\", \"accessToken\": \"{access}\", \"expiresAt\": \"{}\"",
        at(super::now() + left)
    );
    if let Some(r) = refresh {
        json += &format!(
            ", \"refreshToken\": \"{r}\", \"clientId\": \"client-1\", \"clientSecret\": \"secret-true\", \"registrationExpiresAt\": \"{}\"",
            at(super::now() + 86400 * 30)
        );
    }
    json += ", \"futureField\": {\"kept\": true}}";
    std::fs::write(path, json).unwrap();
}
