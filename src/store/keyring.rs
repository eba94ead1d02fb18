//! The OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows,
//! through the `keyring` crate) as a store of long-term keys.
//!
//! Every keyring call is bounded: with no keyring reachable stsenv says so within 2 s, and
//! never falls back to plaintext.

use crate::creds::Credentials;
use crate::error::{Error, Result, q};
use std::time::Duration;

const SERVICE: &str = "stsenv";
const LIMIT: Duration = Duration::from_secs(2);

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

pub fn load(profile: &str) -> Result<Credentials> {
    let name = profile.to_owned();
    let text = bounded(profile, move || keyring::Entry::new(SERVICE, &name)?.get_password())?;
    let stored: super::Stored = serde_json::from_str(&text).map_err(|_| {
        Error::new(format!("the keyring entry of {} is not stsenv's", q(profile)))
            .hint(format!("run `stsenv keys add {profile}` again"))
    })?;
    Ok(Credentials::long_term(stored.aws_access_key_id, stored.aws_secret_access_key))
}

pub fn store(profile: &str, creds: &Credentials) -> Result<()> {
    let stored = super::Stored::of(creds);
    let json = serde_json::to_string(&stored).map_err(|e| Error::new(e.to_string()))?;
    let name = profile.to_owned();
    bounded(profile, move || keyring::Entry::new(SERVICE, &name)?.set_password(&json)).map_err(|e| {
        e.hint("unlock the keyring (a desktop session, `gnome-keyring-daemon --unlock` in a D-Bus session, or `security unlock-keychain` over SSH); nothing was moved: the keys are where they were")
    })?;
    Ok(())
}

/// Whether a keyring answers here (an entry that is not there is an answer).
pub fn available() -> bool {
    match bounded("", || keyring::Entry::new(SERVICE, "stsenv-probe")?.get_password()) {
        Ok(_) => true,
        Err(e) => e.to_string().contains("no keyring entry"),
    }
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
