//! The SSO token cache, shared with the AWS CLI both ways: `~/.aws/sso/cache/<sha1>.json`,
//! named by the SHA-1 of the sso-session name (or of the start URL, for the legacy form),
//! with the CLI's fields. Written atomically, 0600, under a lock so that N processes make
//! one refresh; fields stsenv does not know are kept.

use super::SsoSession;
use crate::cache::write_atomic;
use crate::creds::{now, rfc3339};
use crate::error::{Error, Result, q};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use std::fmt;
use std::path::{Path, PathBuf};

/// A token with less than this left is refreshed (aws-config's window).
pub const REFRESH_WINDOW: i64 = 300;

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    pub access_token: String,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_url: Option<String>,
    /// Whatever else the CLI wrote, written back as it was.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

// Never print a token, even in a debug dump.
impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token").field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

impl Token {
    pub fn expires(&self) -> Option<i64> {
        parse_time(&self.expires_at)
    }

    pub fn seconds_left(&self) -> i64 {
        self.expires().map_or(-1, |at| at - now())
    }

    /// A refresh token with a registration that still lives.
    pub fn refreshable(&self) -> bool {
        self.refresh_token.is_some() && self.registration_left() > 0
    }

    /// Seconds the client registration has left (0 without one).
    pub fn registration_left(&self) -> i64 {
        let valid = self.client_id.is_some() && self.client_secret.is_some();
        let at = self.registration_expires_at.as_deref().and_then(parse_time);
        match (valid, at) {
            (true, Some(at)) => at - now(),
            _ => 0,
        }
    }
}

/// `2026-11-22T20:00:00Z`, with or without fractions; older CLIs wrote `…UTC`.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let text = text.strip_suffix("UTC").map_or_else(|| text.to_owned(), |t| format!("{t}Z"));
    aws_smithy_types::DateTime::from_str(&text, aws_smithy_types::date_time::Format::DateTime).ok().map(|t| t.secs())
}

pub fn format_time(epoch: i64) -> String {
    rfc3339(epoch)
}

pub fn dir() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    home.join(".aws").join("sso").join("cache")
}

pub fn path(session: &SsoSession) -> PathBuf {
    let digest = Sha1::digest(session.cache_name().as_bytes());
    let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    dir().join(format!("{name}.json"))
}

pub fn read(path: &Path) -> Option<Token> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub fn write(path: &Path, token: &Token) -> Result<()> {
    if let Some(dir) = path.parent() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::new(format!("cannot create {}: {e}", dir.display())))?;
    }
    let json = serde_json::to_vec_pretty(token).map_err(|e| Error::new(e.to_string()))?;
    write_atomic(path, &json, Some(0o600))
}

/// One line about a session's token for `status`, `cache list` and `--dry-run`; never the token.
pub fn describe(session: &SsoSession) -> String {
    match read(&path(session)) {
        None => format!("{}: not signed in", session.label()),
        Some(t) => {
            let left = t.seconds_left();
            let state = if left > 0 {
                format!("token valid {} more", crate::duration::human(left as u32))
            } else {
                "token expired".to_owned()
            };
            let refresh = if t.refreshable() { ", refreshable" } else { ", not refreshable" };
            format!("{}: {state}{refresh} ({})", session.label(), q(&path(session).display().to_string()))
        }
    }
}
