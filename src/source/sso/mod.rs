//! IAM Identity Center (SSO) as a source: the profile's account and role, the sign-in
//! session they belong to (an `[sso-session NAME]` section, or the legacy keys in the
//! profile itself), and the role's credentials from the portal (GetRoleCredentials).

pub mod login;
mod pkce;
pub mod portal;
pub mod token;

use super::Fetch;
use crate::client::Endpoint;
use crate::creds::Credentials;
use crate::error::{Error, Result, q};
use crate::profile::{Profiles, value};
use std::fmt;

/// What one sign-in covers: the token in `~/.aws/sso/cache` is per session.
#[derive(Debug, Clone)]
pub struct SsoSession {
    /// The `[sso-session NAME]`; `None` for the legacy profile-only form.
    pub name: Option<String>,
    pub start_url: String,
    pub region: String,
    /// `sso_registration_scopes`: with them the token can be refreshed.
    pub scopes: Vec<String>,
    /// OIDC endpoint override (tests, private endpoints), by the SDK's rules.
    pub oidc_endpoint: Endpoint,
    /// The profile `stsenv login` should be told to use, for messages.
    pub login_hint: String,
}

#[derive(Debug)]
pub struct SsoRole {
    /// The profile that names it; `None` for ACCOUNT/ROLE assumed with `--sso-session`.
    pub profile: Option<String>,
    pub session: SsoSession,
    pub account_id: String,
    pub role_name: String,
    pub portal_endpoint: Endpoint,
}

/// The SSO role of profile `name`, or `None` when it has no SSO settings. Validated as the
/// SDKs do, with the file and line of what is wrong.
pub fn resolve(profiles: &Profiles, name: &str) -> Result<Option<SsoRole>> {
    let p = profiles.get(name).expect("resolve is called for an existing profile");
    let (account, role) = (value(p, "sso_account_id"), value(p, "sso_role_name"));
    let has_sso = ["sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name"]
        .iter()
        .any(|k| value(p, k).is_some());
    if !has_sso {
        return Ok(None);
    }
    let at = |key: &str| profiles.locate(name, Some(key));
    let (account_id, role_name) = match (account, role) {
        (Some(a), Some(r)) => (a.to_owned(), r.to_owned()),
        (None, None) => {
            return Err(Error::new("it names an SSO sign-in but no sso_account_id and sso_role_name")
                .profile(name)
                .at(profiles.locate(name, None))
                .hint("add both, or use it only with `stsenv login`"));
        }
        (a, _) => {
            let missing = if a.is_none() { "sso_account_id" } else { "sso_role_name" };
            let present = if a.is_none() { "sso_role_name" } else { "sso_account_id" };
            return Err(Error::new(format!("it has {present} but no {missing}; the two go together"))
                .profile(name)
                .at(at(present))
                .hint(format!("add {missing}")));
        }
    };
    if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::new(format!("sso_account_id {} is not a 12-digit account id", q(&account_id)))
            .profile(name)
            .at(at("sso_account_id")));
    }
    let session = session_of(profiles, name)?;
    Ok(Some(SsoRole {
        profile: Some(name.to_owned()),
        session,
        account_id,
        role_name,
        portal_endpoint: profiles.endpoint("SSO")?,
    }))
}

/// The sign-in session a profile uses: its `sso_session`, or its legacy `sso_start_url`.
pub fn session_of(profiles: &Profiles, name: &str) -> Result<SsoSession> {
    let p = profiles.get(name).ok_or_else(|| crate::profile::unknown(profiles, name))?;
    let at = |key: &str| profiles.locate(name, Some(key));
    let (url, region) = (value(p, "sso_start_url"), value(p, "sso_region"));
    let Some(session_name) = value(p, "sso_session") else {
        let (Some(url), Some(region)) = (url, region) else {
            let missing = if url.is_none() { "sso_start_url" } else { "sso_region" };
            return Err(Error::new(format!("it is an SSO profile without sso_session or {missing}"))
                .profile(name)
                .at(profiles.locate(name, None))
                .hint("add sso_session = NAME and an [sso-session NAME] section (`aws configure sso`)"));
        };
        return Ok(SsoSession {
            name: None,
            start_url: url.to_owned(),
            region: region.to_owned(),
            scopes: Vec::new(),
            oidc_endpoint: profiles.endpoint("SSO OIDC")?,
            login_hint: name.to_owned(),
        });
    };
    let mut session = named_session(profiles, session_name).map_err(|e| e.profile(name).at(at("sso_session")))?;
    for (key, theirs, ours) in [("sso_start_url", &session.start_url, url), ("sso_region", &session.region, region)] {
        if let Some(ours) = ours
            && ours != theirs
        {
            return Err(Error::new(format!(
                "its {key} {} differs from {} in [sso-session {session_name}]; the AWS SDKs reject that",
                q(ours),
                q(theirs)
            ))
            .profile(name)
            .at(at(key))
            .hint(format!("remove {key} from the profile")));
        }
    }
    session.login_hint = name.to_owned();
    Ok(session)
}

/// An `[sso-session NAME]` section.
pub fn named_session(profiles: &Profiles, name: &str) -> Result<SsoSession> {
    let Some(section) = profiles.sso_session(name) else {
        let close = crate::profile::close_names(name, profiles.sso_session_names());
        let hint = match close.as_slice() {
            [] => format!(
                "add [sso-session {name}] with sso_start_url and sso_region to {}",
                profiles.config_file.display()
            ),
            close => format!("did you mean {}?", crate::error::few(close, " or ")),
        };
        return Err(Error::new(format!("there is no [sso-session {name}] section")).hint(hint));
    };
    let get = |key: &str| section.get(key).map(str::trim).filter(|v| !v.is_empty());
    let (Some(url), Some(region)) = (get("sso_start_url"), get("sso_region")) else {
        let missing = if get("sso_start_url").is_none() { "sso_start_url" } else { "sso_region" };
        return Err(Error::new(format!("[sso-session {name}] has no {missing}"))
            .at(profiles.locate_section(&format!("sso-session {name}")))
            .hint(format!("add {missing} to it")));
    };
    let scopes = get("sso_registration_scopes")
        .map(|s| s.split(',').map(|x| x.trim().to_owned()).filter(|x| !x.is_empty()).collect())
        .unwrap_or_default();
    Ok(SsoSession {
        name: Some(name.to_owned()),
        start_url: url.to_owned(),
        region: region.to_owned(),
        scopes,
        oidc_endpoint: profiles.endpoint("SSO OIDC")?,
        login_hint: format!("--sso-session {name}"),
    })
}

impl SsoSession {
    /// What the AWS CLI hashes to name the token file.
    pub fn cache_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.start_url)
    }

    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("SSO session {}", q(name)),
            None => format!("SSO start URL {}", q(&self.start_url)),
        }
    }
}

impl SsoRole {
    pub fn identity(&self) -> String {
        let session = self.session.name.as_deref().unwrap_or("");
        let portal = self.portal_endpoint.key();
        format!("sso\n{}\n{session}\n{portal}\n{}\n{}", self.session.start_url, self.account_id, self.role_name)
    }

    /// GetRoleCredentials with a valid token (refreshed, or signed in on the terminal).
    pub fn credentials(&self, fetch: &Fetch) -> Result<Credentials> {
        let token = valid(&self.session, fetch)?;
        let portal = portal::Portal::new(&self.session.region, &self.portal_endpoint, &self.session.login_hint)?;
        let c = portal.role_credentials(&token, &self.account_id, &self.role_name).map_err(|err| {
            let error = *err.error;
            match err.code.as_deref() {
                Some("UnauthorizedException") => error.hint(format!(
                    "the {} token was not accepted: run `stsenv login {}`",
                    self.session.label(),
                    self.session.login_hint
                )),
                Some("ForbiddenException" | "AccessDeniedException" | "ResourceNotFoundException") => {
                    error.hint("check sso_account_id and sso_role_name: your IAM Identity Center user has no such role")
                }
                _ => error,
            }
        })?;
        let field = |v: Option<&str>, name: &str| {
            v.map(str::to_owned).ok_or_else(|| Error::new(format!("GetRoleCredentials returned no {name}")))
        };
        Ok(Credentials {
            access_key_id: field(c.access_key_id(), "accessKeyId")?,
            secret_access_key: field(c.secret_access_key(), "secretAccessKey")?,
            session_token: Some(field(c.session_token(), "sessionToken")?),
            // The portal gives epoch milliseconds.
            expires_at: Some(c.expiration() / 1000),
        })
    }
}

impl fmt::Display for SsoRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SSO role {} in account {} ({}, {})",
            q(&self.role_name),
            self.account_id,
            self.session.label(),
            self.session.start_url
        )
    }
}

/// A token good for a call: the cached one, else a refreshed one, else (on a terminal, when
/// allowed) a new sign-in; otherwise an error that names `stsenv login`.
pub fn valid(session: &SsoSession, fetch: &Fetch) -> Result<String> {
    let path = token::path(session);
    let usable = |t: &Option<token::Token>| {
        t.as_ref().filter(|t| t.seconds_left() > token::REFRESH_WINDOW).map(|t| t.access_token.clone())
    };
    if let Some(token) = usable(&token::read(&path)) {
        return Ok(token);
    }
    // One refresh or sign-in at a time; the others find its result.
    let _lock = fetch.cache.lock(&crate::cache::Cache::key("sso-token", &path.to_string_lossy()))?;
    let current = token::read(&path);
    if let Some(token) = usable(&current) {
        return Ok(token);
    }
    if let Some(old) = current.as_ref().filter(|t| t.refreshable()) {
        match login::refresh(session, old) {
            Ok(new) => {
                token::write(&path, &new)?;
                return Ok(new.access_token);
            }
            // The refresh token is no longer accepted: a new sign-in is the only way.
            Err(e) if e.code.as_deref() == Some("InvalidGrantException") => {}
            Err(e) => return Err(*e.error),
        }
    }
    let why = match &current {
        Some(t) if t.expires().is_some() => format!("its token expired at {}", t.expires_at),
        Some(_) => "its cached token cannot be read".to_owned(),
        None => "you have not signed in".to_owned(),
    };
    if fetch.may_prompt && login::terminal_available() {
        eprintln!("stsenv: {}: {why}; signing in", session.label());
        let token = sign_in(session, current.as_ref(), false, false)?;
        token::write(&path, &token)?;
        return Ok(token.access_token);
    }
    Err(Error::new(format!("{}: {why}", session.label())).hint(format!(
        "run `stsenv login {}` (or `aws sso login {}`)",
        session.login_hint,
        aws_login_args(session)
    )))
}

/// The same sign-in with the AWS CLI.
fn aws_login_args(session: &SsoSession) -> String {
    match &session.name {
        Some(name) if session.login_hint.starts_with("--") => format!("--sso-session {name}"),
        _ => format!("--profile {}", session.login_hint),
    }
}

/// Signs in as the AWS CLI does: in the browser with PKCE and a loopback redirect, or with
/// the device code — asked for, for a legacy profile (no `[sso-session]`), or where no
/// browser on this machine could reach the loopback (SSH, no display).
pub fn sign_in(
    session: &SsoSession,
    previous: Option<&token::Token>,
    device_code: bool,
    no_browser: bool,
) -> Result<token::Token> {
    if device_code || session.name.is_none() || !crate::browser::local() {
        return login::device_flow(session, previous, no_browser);
    }
    pkce::sign_in(session, &login::client(session), no_browser)
}
