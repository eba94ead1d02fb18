//! `stsenv login [PROFILE] | --sso-session NAME`: sign in to IAM Identity Center (the OIDC
//! device flow) and write the token where the AWS CLI keeps it, so both can use it.

use crate::cli::LoginArgs;
use crate::error::{Error, Result};
use crate::profile::{self, Profiles, value};
use crate::source::sso::{self, token};

pub fn run(args: &LoginArgs) -> Result<()> {
    let name = args.profile.clone().unwrap_or_else(profile::default_profile);
    let profiles = Profiles::load(&name)?;
    if let Some(err) = profiles.no_files() {
        return Err(err);
    }
    let session = match (&args.sso_session, &args.profile) {
        (Some(session), _) => sso::named_session(&profiles, session)?,
        (None, Some(_)) if profiles.get(&name).is_some_and(|p| !is_sso(p)) => return Err(not_sso(&profiles, &name)),
        (None, Some(_)) => sso::session_of(&profiles, &name)?,
        // Bare `stsenv login`: the default profile if it signs in, else the only [sso-session].
        (None, None) if profiles.get(&name).is_some_and(is_sso) => sso::session_of(&profiles, &name)?,
        (None, None) => match profiles.sso_session_names().as_slice() {
            [only] => sso::named_session(&profiles, only)?,
            _ => return Err(not_sso(&profiles, &name)),
        },
    };
    let path = token::path(&session);
    let cache = crate::cache::Cache::open()?;
    let _lock = cache.lock(&crate::cache::Cache::key("sso-token", &path.to_string_lossy()))?;
    let new = sso::sign_in(&session, token::read(&path).as_ref(), args.use_device_code, args.no_browser)?;
    token::write(&path, &new)?;
    let refresh = if new.refresh_token.is_some() { ", refreshable" } else { "" };
    eprintln!("stsenv: token for {} valid until {}{refresh} ({})", session.label(), new.expires_at, path.display());
    Ok(())
}

/// A profile that names a sign-in (the SSO keys `stsenv login` needs).
fn is_sso(p: &aws_config::profile::Profile) -> bool {
    ["sso_session", "sso_start_url"].iter().any(|k| value(p, k).is_some())
}

/// `stsenv login PROFILE` for a profile with keys or a role: say so, and what can sign in.
fn not_sso(profiles: &Profiles, name: &str) -> Error {
    let mut choices: Vec<String> =
        profiles.names().into_iter().filter(|n| profiles.get(n).is_some_and(is_sso)).map(str::to_owned).collect();
    choices.extend(profiles.sso_session_names().into_iter().map(|s| format!("--sso-session {s}")));
    let hint = match choices.is_empty() {
        true => {
            "no profile or [sso-session] signs in to IAM Identity Center here: `aws configure sso` adds one".to_owned()
        }
        false => format!("sign in with `stsenv login {}`", crate::error::few(&choices, "` or `stsenv login ")),
    };
    if profiles.get(name).is_none() {
        return Error::new("which sign-in? there is no profile to sign in with by default").hint(hint);
    }
    Error::new("it is not an SSO profile (no sso_session or sso_start_url), so there is nothing to sign in to")
        .profile(name)
        .at(profiles.locate(name, None))
        .hint(hint)
}
