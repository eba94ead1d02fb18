//! Which environment variables a session sets and clears. The renderer turns these into
//! shell code; nothing here knows shell syntax.

use crate::creds::{Credentials, rfc3339};
use std::path::PathBuf;

/// Every variable `assume` or `session` may set, in output order. `STSENV_VARS` lists the
/// ones a given session set, so that `unset` and the expiry hook remove exactly those.
pub const MANAGED: [&str; 9] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "STSENV_PROFILE",
    "STSENV_EXPIRES_AT",
    "STSENV_VARS",
];

/// Variables that would make an SDK prefer something other than the exported keys.
const SHADOWING: [&str; 3] = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"];

#[derive(Debug, Default)]
pub struct Changes {
    pub unset: Vec<&'static str>,
    pub set: Vec<(&'static str, String)>,
    /// A file whose change should reload direnv (the cache entry these credentials came from).
    pub watch: Option<PathBuf>,
}

/// The variables for a session: what the previous session set goes first, so nothing stale
/// (a region the new profile lacks) survives.
pub fn session(label: &str, creds: &Credentials, region: Option<&str>) -> Changes {
    let mut set: Vec<(&'static str, String)> = vec![
        ("AWS_ACCESS_KEY_ID", creds.access_key_id.clone()),
        ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.clone()),
    ];
    if let Some(token) = &creds.session_token {
        set.push(("AWS_SESSION_TOKEN", token.clone()));
    }
    if let Some(at) = creds.expires_at {
        set.push(("AWS_CREDENTIAL_EXPIRATION", rfc3339(at)));
    }
    if let Some(region) = region {
        set.push(("AWS_REGION", region.to_owned()));
        set.push(("AWS_DEFAULT_REGION", region.to_owned()));
    }
    set.push(("STSENV_PROFILE", label.to_owned()));
    if let Some(at) = creds.expires_at {
        set.push(("STSENV_EXPIRES_AT", at.to_string()));
    }
    let mut names: Vec<&str> = set.iter().map(|(name, _)| *name).collect();
    names.push("STSENV_VARS");
    set.push(("STSENV_VARS", names.join(" ")));

    let mut unset: Vec<&'static str> = previous().into_iter().filter(|p| !names.contains(p)).collect();
    unset.extend(SHADOWING);
    Changes { unset, set, watch: None }
}

/// Clears what the current session set (from `STSENV_VARS`), or every managed credential
/// variable when that list is missing.
pub fn clear() -> Changes {
    let mut unset = previous();
    if unset.is_empty() {
        unset = MANAGED.iter().copied().filter(|v| !v.contains("REGION")).collect();
    }
    Changes { unset, ..Changes::default() }
}

/// The names in the environment's `STSENV_VARS`, kept only if stsenv manages them: the value
/// comes from the environment and must never smuggle a name into shell code.
fn previous() -> Vec<&'static str> {
    let list = std::env::var("STSENV_VARS").unwrap_or_default();
    let mut names: Vec<&'static str> =
        MANAGED.iter().copied().filter(|m| list.split_whitespace().any(|n| n == *m)).collect();
    if !names.is_empty() && !names.contains(&"STSENV_VARS") {
        names.push("STSENV_VARS");
    }
    names
}
