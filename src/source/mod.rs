//! Where a plan's first credentials come from, one file per kind, resolved from the profile
//! files as the AWS SDKs resolve them. `plan` picks the kind; `obtain` asks it for credentials.

pub mod environment;
pub mod keys;
pub mod login;
pub mod metadata;
pub mod process;
pub mod sso;
pub mod web_identity;

use crate::cache::{Cache, Mode, Put};
use crate::client::Endpoint;
use crate::creds::Credentials;
use crate::error::{Error, Result, q};
use crate::profile::{Profiles, value};
use std::fmt;

#[derive(Debug)]
pub enum Source {
    /// `aws_access_key_id` in a profile: an IAM user's long-term keys, or temporary ones
    /// with `aws_session_token`.
    Keys { profile: String, creds: Credentials },
    /// An IAM user's long-term keys in a store (`stsenv keys add`): the OS keyring, the
    /// encrypted file, pass.
    Stored { profile: String, key_id: String, store: crate::store::Store },
    /// `credential_source = Environment`: the keys exported in the shell.
    Environment { creds: Credentials },
    /// `login_session`: the console sign-in of `aws login`.
    Login(login::Login),
    /// IAM Identity Center: a role's credentials from the portal, with the SSO token.
    Sso(sso::SsoRole),
    /// `credential_process`: a command that prints them.
    Process(process::Process),
    /// AssumeRoleWithWebIdentity with a token file.
    WebIdentity(web_identity::WebIdentity),
    /// `credential_source = Ec2InstanceMetadata | EcsContainer`.
    Metadata { profile: String, kind: metadata::Metadata },
}

/// How `obtain` may get source credentials.
pub struct Fetch<'a> {
    pub cache: &'a Cache,
    pub mode: Mode,
    /// A sign-in on the terminal is allowed.
    pub may_prompt: bool,
    /// Where STS is, for sources that call it (web identity).
    pub region: Option<&'a str>,
    pub endpoint: &'a Endpoint,
}

impl Source {
    /// The profile that holds the source, for messages and the region.
    pub fn profile(&self) -> Option<&str> {
        match self {
            Source::Keys { profile, .. } | Source::Stored { profile, .. } => Some(profile),
            Source::Environment { .. } => None,
            Source::Sso(role) => role.profile.as_deref(),
            Source::Login(l) => Some(&l.profile),
            Source::Process(p) => Some(&p.profile),
            Source::WebIdentity(w) => w.profile.as_deref(),
            Source::Metadata { profile, .. } => Some(profile),
        }
    }

    /// Long-term keys: stsenv never exports them, and MFA sessions start from them.
    pub fn long_term(&self) -> bool {
        match self {
            Source::Keys { creds, .. } | Source::Environment { creds } => creds.session_token.is_none(),
            Source::Stored { .. } => true,
            // A process may print long-term keys; `obtain` turns those into a session.
            _ => false,
        }
    }

    /// Who the source is, for the cache keys of every step after it.
    pub fn identity(&self) -> String {
        match self {
            Source::Keys { creds, .. } | Source::Environment { creds } => creds.access_key_id.clone(),
            // The key id, as for keys in the file: the MFA session outlives the move.
            Source::Stored { key_id, .. } => key_id.clone(),
            Source::Sso(role) => role.identity(),
            Source::Login(l) => l.identity(),
            Source::Process(p) => p.identity(),
            Source::WebIdentity(w) => w.identity(),
            Source::Metadata { kind, .. } => kind.identity(),
        }
    }

    /// Where a source that is itself fetched caches its credentials.
    pub fn cache_key(&self) -> Option<String> {
        match self {
            // Long-term keys are never cached.
            Source::Keys { .. } | Source::Environment { .. } | Source::Stored { .. } => None,
            _ => Some(Cache::key("source", &self.identity())),
        }
    }

    /// The credentials: at hand for keys, fetched (and cached) for the others.
    pub fn credentials(&self, fetch: &Fetch) -> Result<Credentials> {
        match self {
            Source::Keys { creds, .. } | Source::Environment { creds } => Ok(creds.clone()),
            Source::Stored { profile, store, .. } => store.load(profile),
            Source::Sso(role) => cached(self, fetch, |f| role.credentials(f)),
            Source::Login(l) => cached(self, fetch, |_| l.credentials()),
            Source::Process(p) => cached(self, fetch, |_| p.credentials()),
            Source::WebIdentity(w) => cached(self, fetch, |f| w.credentials(f)),
            Source::Metadata { kind, .. } => cached(self, fetch, |_| kind.credentials()),
        }
    }
}

/// The table of base sources: the credentials of a profile without role_arn (or a source
/// whose keys win), by the keys it has. A new kind of source is a file here and a row here.
///
/// Static keys come first in a profile reached as another's `source_profile` (all SDKs), but
/// last in the target itself: there SSO, `login_session` and `credential_process` win, as the
/// Rust SDK resolves a base profile (botocore agrees for keys in `~/.aws/config`; for keys in
/// `~/.aws/credentials` it takes the keys: see the README's deliberate differences).
pub fn of_profile(
    profiles: &Profiles,
    name: &str,
    p: &aws_config::profile::Profile,
    as_source: bool,
) -> Result<Source> {
    // In a store, the profile's credential_process is stsenv itself: the keys, always.
    if crate::store::marked(p).is_some() || (as_source && keys::present(p)) {
        return keys::resolve(profiles, name);
    }
    if let Some(role) = sso::resolve(profiles, name)? {
        return Ok(Source::Sso(role));
    }
    if let Some(session) = value(p, "login_session") {
        let region = value(p, "region").unwrap_or("us-east-1").to_owned();
        let login = login::Login { profile: name.to_owned(), session: session.to_owned(), region };
        return Ok(Source::Login(login));
    }
    if let Some(command) = value(p, "credential_process") {
        return process::Process::new(name, command).map(Source::Process);
    }
    if keys::present(p) {
        return keys::resolve(profiles, name);
    }
    if value(p, "web_identity_token_file").is_some() {
        return Err(Error::new("it has web_identity_token_file but no role_arn")
            .profile(name)
            .at(profiles.locate(name, Some("web_identity_token_file")))
            .hint("add the role_arn the token may assume"));
    }
    Err(no_credentials(profiles, name, p))
}

/// `credential_source`: the other row of the table.
pub fn of_credential_source(profiles: &Profiles, name: &str, cs: &str) -> Result<Source> {
    // Any case, as the Rust SDK reads the three values.
    let kind = match cs.to_ascii_lowercase().as_str() {
        // The exported keys only, as botocore and the Rust SDK read it (never a web identity).
        "environment" => return environment::resolve(name),
        "ec2instancemetadata" => metadata::Metadata::Ec2Instance,
        "ecscontainer" => metadata::Metadata::Container,
        _ => {
            return Err(Error::new(format!("credential_source = {cs} is not one the AWS SDKs know"))
                .profile(name)
                .at(profiles.locate(name, Some("credential_source")))
                .hint("use Environment, Ec2InstanceMetadata or EcsContainer (in any case), or source_profile"));
        }
    };
    Ok(Source::Metadata { profile: name.to_owned(), kind })
}

pub fn no_credentials(profiles: &Profiles, name: &str, p: &aws_config::profile::Profile) -> Error {
    let cause = if value(p, "aws_access_key_id").is_some() {
        "it has aws_access_key_id but no aws_secret_access_key"
    } else {
        "it has no aws_access_key_id and no role_arn"
    };
    let hint = if !profiles.sso_session_names().is_empty() && value(p, "aws_access_key_id").is_none() {
        // Most likely a user's section over a populated profile of the same name.
        format!(
            "for an SSO role, give it sso_session, sso_account_id and sso_role_name (`stsenv sso populate` never writes over a profile of yours); for an IAM user, put the keys in [{name}] of {}",
            profiles.credentials_file.display()
        )
    } else {
        format!(
            "put the IAM user's keys in [{name}] of {} (`aws configure --profile {name}`)",
            profiles.credentials_file.display()
        )
    };
    Error::new(cause).profile(name).at(profiles.locate(name, None)).hint(hint)
}

/// Reuses the cache entry of a fetched source, or fetches under its lock (one fetch for N
/// processes) and stores the result.
fn cached(source: &Source, fetch: &Fetch, get: impl Fn(&Fetch) -> Result<Credentials>) -> Result<Credentials> {
    let Some(key) = source.cache_key() else { return get(fetch) };
    if fetch.mode == Mode::Off {
        return get(fetch);
    }
    let reuse = || (fetch.mode == Mode::Use).then(|| fetch.cache.fresh(&key)).flatten();
    if let Some(found) = reuse() {
        return Ok(found);
    }
    let _lock = fetch.cache.lock(&key)?;
    if let Some(found) = reuse() {
        return Ok(found);
    }
    let creds = get(fetch)?;
    let owner = source.profile().unwrap_or("environment");
    // Long-term keys (a credential_process may print them) never go into the cache.
    if creds.expires_at.is_some()
        && let Err(e) = fetch.cache.put(
            &key,
            Put { profile: owner, what: &source.to_string(), duration: None, source: &source.identity() },
            &creds,
        )
    {
        eprintln!("stsenv: warning: {e}");
    }
    Ok(creds)
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Keys { profile, creds } => write!(f, "keys {} of profile {}", creds.access_key_id, q(profile)),
            Source::Stored { profile, key_id, store } => {
                write!(f, "keys {key_id} of profile {} in {}", q(profile), store.describe())
            }
            Source::Environment { creds } => write!(f, "keys {} from the environment", creds.access_key_id),
            Source::Sso(role) => write!(f, "{role}"),
            Source::Login(l) => {
                write!(f, "the console sign-in {} of profile {} (aws login)", q(&l.session), q(&l.profile))
            }
            Source::Process(p) => write!(f, "credential_process {} of profile {}", q(&p.command), q(&p.profile)),
            Source::WebIdentity(w) => {
                let whose = w.profile.as_deref().map_or("the environment".to_owned(), |p| format!("profile {}", q(p)));
                write!(
                    f,
                    "AssumeRoleWithWebIdentity {} with the token in {} ({whose})",
                    q(&w.role_arn),
                    q(&w.token_file)
                )
            }
            Source::Metadata { kind, profile } => {
                write!(f, "credential_source = {} of profile {}", kind.name(), q(profile))
            }
        }
    }
}
