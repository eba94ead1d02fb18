//! An IAM user's long-term keys in the OS keyring (Secret Service on Linux, Keychain on
//! macOS, Credential Manager on Windows, through the `keyring` crate) instead of
//! `~/.aws/credentials`. The profile says so with `stsenv_keys = keyring KEY_ID` (the key id
//! is not secret, and names the key in cache keys and `keys list`); its
//! `credential_process = stsenv credential-process …` serves every other tool.
//!
//! Every keyring call is bounded: with no keyring reachable stsenv says so within 2 s, and
//! never falls back to plaintext.

use super::Source;
use crate::creds::Credentials;
use crate::error::{Error, Result, q};
use crate::profile::value;
use std::time::Duration;

/// The profile key that marks a keyring source.
pub const MARKER: &str = "stsenv_keys";
const SERVICE: &str = "stsenv";
const LIMIT: Duration = Duration::from_secs(2);

/// The key id of a profile whose keys are in the keyring.
pub fn marked(p: &aws_config::profile::Profile) -> Option<String> {
    let text = value(p, MARKER)?;
    let mut words = text.split_whitespace();
    (words.next() == Some("keyring")).then(|| words.next().unwrap_or_default().to_owned())
}

pub fn source(profile: &str, key_id: String) -> Source {
    Source::Keyring { profile: profile.to_owned(), key_id }
}

/// Where the keys are kept, for messages.
pub fn backend() -> &'static str {
    if cfg!(target_os = "macos") {
        "the macOS Keychain"
    } else if cfg!(windows) {
        "the Windows Credential Manager"
    } else {
        "the Secret Service keyring"
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    aws_access_key_id: String,
    aws_secret_access_key: String,
}

pub fn load(profile: &str) -> Result<Credentials> {
    let name = profile.to_owned();
    let text = bounded(profile, move || keyring::Entry::new(SERVICE, &name)?.get_password())?;
    let stored: Stored = serde_json::from_str(&text).map_err(|_| {
        Error::new(format!("the keyring entry of {} is not stsenv's", q(profile)))
            .hint(format!("run `stsenv keys add {profile}` again"))
    })?;
    Ok(Credentials::long_term(stored.aws_access_key_id, stored.aws_secret_access_key))
}

/// Stores the keys and reads them back: only a stored key may leave the plaintext file.
pub fn store(profile: &str, creds: &Credentials) -> Result<()> {
    let stored = Stored {
        aws_access_key_id: creds.access_key_id.clone(),
        aws_secret_access_key: creds.secret_access_key.clone(),
    };
    let json = serde_json::to_string(&stored).map_err(|e| Error::new(e.to_string()))?;
    let name = profile.to_owned();
    bounded(profile, move || keyring::Entry::new(SERVICE, &name)?.set_password(&json)).map_err(|e| {
        e.hint("unlock the keyring (a desktop session, `gnome-keyring-daemon --unlock` in a D-Bus session, or `security unlock-keychain` over SSH); nothing was moved: the keys are where they were")
    })?;
    let back = load(profile)?;
    if back.access_key_id != creds.access_key_id || back.secret_access_key != creds.secret_access_key {
        return Err(Error::new(format!("{} did not keep the keys of {}", backend(), q(profile))));
    }
    Ok(())
}

pub fn delete(profile: &str) -> Result<()> {
    let name = profile.to_owned();
    match bounded(profile, move || keyring::Entry::new(SERVICE, &name)?.delete_credential()) {
        Err(e) if e.to_string().contains("no keyring entry") => Ok(()),
        other => other,
    }
}

/// Runs a keyring call on a thread of its own, for at most `LIMIT`: a locked keychain or a
/// session bus that never answers must not hang a shell.
fn bounded<T: Send + 'static>(profile: &str, call: impl FnOnce() -> keyring::Result<T> + Send + 'static) -> Result<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(call());
    });
    let fix = "unlock the keyring (a desktop session, `gnome-keyring-daemon --unlock` in a D-Bus session, or the keychain over SSH with `security unlock-keychain`), or put the keys back with `stsenv keys export` where there is none";
    match rx.recv_timeout(LIMIT) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(keyring::Error::NoEntry)) => Err(Error::new(format!("no keyring entry for {}", q(profile)))
            .profile(profile)
            .hint(format!("store the keys with `stsenv keys add {profile}`"))),
        Ok(Err(e)) => {
            Err(Error::new(format!("no OS keyring is reachable ({}: {e})", backend())).profile(profile).hint(fix))
        }
        Err(_) => {
            Err(Error::new(format!("{} did not answer in {}s", backend(), LIMIT.as_secs())).profile(profile).hint(fix))
        }
    }
}
