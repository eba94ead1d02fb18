//! `stsenv login [PROFILE] | --sso-session NAME`: sign in to IAM Identity Center (the OIDC
//! device flow) and write the token where the AWS CLI keeps it, so both can use it.

use crate::cli::LoginArgs;
use crate::error::Result;
use crate::profile::{self, Profiles};
use crate::source::sso::{self, login, token};

pub fn run(args: &LoginArgs) -> Result<()> {
    let name = args.profile.clone().unwrap_or_else(profile::default_profile);
    let profiles = Profiles::load(&name)?;
    if let Some(err) = profiles.no_files() {
        return Err(err);
    }
    let session = match &args.sso_session {
        Some(session) => sso::named_session(&profiles, session)?,
        None => sso::session_of(&profiles, &name)?,
    };
    let path = token::path(&session);
    let cache = crate::cache::Cache::open()?;
    let _lock = cache.lock(&crate::cache::Cache::key("sso-token", &path.to_string_lossy()))?;
    let new = login::device_flow(&session, token::read(&path).as_ref(), args.no_browser)?;
    token::write(&path, &new)?;
    let refresh = if new.refresh_token.is_some() { ", refreshable" } else { "" };
    eprintln!("stsenv: token for {} valid until {}{refresh} ({})", session.label(), new.expires_at, path.display());
    Ok(())
}
