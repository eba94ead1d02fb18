//! The encrypted file store, for machines with no Secret Service: one file
//! (`$XDG_DATA_HOME/stsenv/keys.json`, 0600 in a 0700 directory, replaced atomically).
//!
//! A random age identity (X25519) is encrypted with the passphrase (age's scrypt recipient);
//! the profiles' keys — ids included — are encrypted to that identity. Unlocking runs scrypt
//! once and keeps the identity in the kernel keyring for `STSENV_UNLOCK_TTL` (`unlock.rs`):
//! while unlocked, reading or changing the keys costs microseconds and asks nothing. A wrong
//! passphrase fails before anything is written.

use super::{Stored, unlock};
use crate::creds::Credentials;
use crate::error::{Error, Result, q};
use age::secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// scrypt's work factor: about half a second and 256 MiB (age's own calibration picks up to
/// 1 GiB, too much for a small container). `STSENV_SCRYPT_LOG_N` lowers it for tests.
const LOG_N: u8 = 18;
/// The most a file may ask of a machine when it is opened.
const MAX_LOG_N: u8 = 22;
/// Passphrase attempts at a terminal.
const ATTEMPTS: u32 = 3;

#[derive(serde::Serialize, serde::Deserialize)]
struct File {
    version: u32,
    /// The identity's public half (`age1…`): new keys are encrypted to it with no passphrase.
    recipient: String,
    /// The identity, encrypted with the passphrase (base64 of an age file).
    identity: String,
    /// The keys of every profile (JSON), encrypted to the identity (base64 of an age file).
    keys: String,
}

pub fn path() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".local/share"),
    };
    Some(base.join("stsenv/keys.json"))
}

fn file_path() -> Result<PathBuf> {
    path().ok_or_else(|| Error::new("HOME is not set").hint("set HOME or XDG_DATA_HOME"))
}

pub fn load(profile: &str) -> Result<Credentials> {
    let (file, _) = read()?.ok_or_else(|| missing(profile))?;
    let identity = identity(&file, false)?;
    let keys = open_keys(&file, &identity)?;
    keys.get(profile).cloned().map(Stored::creds).ok_or_else(|| missing(profile))
}

pub fn store(profile: &str, creds: &Credentials) -> Result<()> {
    change(|keys| {
        keys.insert(profile.to_owned(), Stored::of(creds));
    })
}

pub fn delete(profile: &str) -> Result<()> {
    change(|keys| {
        keys.remove(profile);
    })
}

/// `stsenv keys unlock`: asks the passphrase (or takes STSENV_FILE_PASSPHRASE) and keeps the
/// store unlocked; the time it lasts, or `None` where nothing can be kept.
pub fn unlock_now() -> Result<Option<i64>> {
    let (file, path) = read()?.ok_or_else(|| {
        Error::new(format!("there is no key file at {}", q(&path_text())))
            .hint("`stsenv keys add PROFILE --store file` creates it")
    })?;
    let _ = unlock::forget(&path);
    identity(&file, true)?;
    Ok(unlock::cached(&path).map(|(_, until)| until))
}

/// `stsenv keys lock`: forgets the unlock now. Whether there was one.
pub fn lock_now() -> Result<bool> {
    unlock::forget(&file_path()?)
}

/// For `keys list`: whether the file exists, and until when it is unlocked.
pub fn state() -> Option<Option<i64>> {
    let path = path()?;
    path.exists().then(|| unlock::cached(&path).map(|(_, until)| until))
}

type Keys = BTreeMap<String, Stored>;

/// Reads the keys (unlocking), changes them, and writes the file anew; a new file gets a new
/// identity under a passphrase asked twice.
fn change(edit: impl FnOnce(&mut Keys)) -> Result<()> {
    let path = file_path()?;
    let (recipient, identity_blob, identity, mut keys) = match read()? {
        Some((file, _)) => {
            let identity = identity(&file, false)?;
            let keys = open_keys(&file, &identity)?;
            (file.recipient, file.identity, identity, keys)
        }
        None => {
            let passphrase = passphrase(&format!("New passphrase for {}", path.display()), true)?;
            let identity = age::x25519::Identity::generate();
            let recipient = identity.to_public().to_string();
            let mut wrap = age::scrypt::Recipient::new(passphrase);
            wrap.set_work_factor(work_factor());
            let blob = age::encrypt(&wrap, identity.to_string().expose_secret().as_bytes())
                .map_err(|e| Error::new(format!("cannot encrypt the key file: {e}")))?;
            (recipient, aws_smithy_types::base64::encode(blob), identity, Keys::new())
        }
    };
    edit(&mut keys);
    let to: age::x25519::Recipient =
        recipient.parse().map_err(|e| Error::new(format!("the key file's recipient is damaged: {e}")))?;
    let json = serde_json::to_vec(&keys).map_err(|e| Error::new(e.to_string()))?;
    let sealed = age::encrypt(&to, &json).map_err(|e| Error::new(format!("cannot encrypt the keys: {e}")))?;
    let file = File { version: 1, recipient, identity: identity_blob, keys: aws_smithy_types::base64::encode(sealed) };
    let text = serde_json::to_vec_pretty(&file).map_err(|e| Error::new(e.to_string()))?;
    if let Some(dir) = path.parent() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    crate::cache::write_atomic(&path, &text, Some(0o600))?;
    // Read back from disk with the identity in hand (a new file asks nothing more).
    let (written, _) = read()?.ok_or_else(|| Error::new("the key file vanished as it was written"))?;
    if open_keys(&written, &identity)?.len() != keys.len() {
        return Err(Error::new(format!("the key file {} did not keep the keys", q(&path_text()))));
    }
    Ok(())
}

fn work_factor() -> u8 {
    std::env::var("STSENV_SCRYPT_LOG_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=LOG_N).contains(n))
        .unwrap_or(LOG_N)
}

fn read() -> Result<Option<(File, PathBuf)>> {
    let path = file_path()?;
    if !path.exists() {
        return Ok(None);
    }
    // Like the cache: a file others could have written is not trusted.
    let bytes = crate::cache::read_private(&path).ok_or_else(|| {
        Error::new(format!("the key file {} is not yours alone (or unreadable); not using it", q(&path_text())))
            .hint(format!("check it, then `chmod 600 {}`", path.display()))
    })?;
    let file: File = serde_json::from_slice(&bytes)
        .map_err(|_| Error::new(format!("the key file {} is damaged", q(&path_text()))))?;
    Ok(Some((file, path)))
}

fn path_text() -> String {
    path().map(|p| p.display().to_string()).unwrap_or_default()
}

fn missing(profile: &str) -> Error {
    Error::new(format!("the encrypted key file has no keys for {}", q(profile)))
        .profile(profile)
        .hint(format!("store them with `stsenv keys add {profile} --store file`"))
}

/// The identity: from the unlock cache, else from the passphrase (at most `ATTEMPTS` at a
/// terminal), which then unlocks the store for the TTL. `always_ask`: `keys unlock`.
fn identity(file: &File, always_ask: bool) -> Result<age::x25519::Identity> {
    let path = file_path()?;
    if !always_ask && let Some((cached, _)) = unlock::cached(&path) {
        return cached.parse().map_err(|e: &str| Error::new(format!("the cached unlock is damaged: {e}")));
    }
    let blob = aws_smithy_types::base64::decode(&file.identity)
        .map_err(|_| Error::new(format!("the key file {} is damaged", q(&path_text()))))?;
    let from_env = std::env::var("STSENV_FILE_PASSPHRASE").is_ok();
    for attempt in 1..=ATTEMPTS {
        let passphrase = passphrase(&format!("Passphrase for {}", path.display()), false)?;
        let mut id = age::scrypt::Identity::new(passphrase);
        id.set_max_work_factor(MAX_LOG_N);
        match age::decrypt(&id, &blob) {
            Ok(text) => {
                let text = String::from_utf8(text).map_err(|_| Error::new("the key file's identity is damaged"))?;
                let identity: age::x25519::Identity =
                    text.parse().map_err(|e: &str| Error::new(format!("the key file's identity is damaged: {e}")))?;
                if !unlock::remember(&path, &text, unlock::ttl()?) && unlock::ttl()? > 0 {
                    eprintln!("stsenv: {}", unlock::unavailable_note());
                }
                return Ok(identity);
            }
            Err(age::DecryptError::DecryptionFailed) if !from_env && attempt < ATTEMPTS => {
                eprintln!("stsenv: wrong passphrase; try again");
            }
            Err(age::DecryptError::DecryptionFailed) => {
                return Err(Error::new(format!("wrong passphrase for the key file {}", q(&path_text()))).hint(
                    if from_env { "check STSENV_FILE_PASSPHRASE" } else { "nothing was changed; run it again" },
                ));
            }
            Err(e) => return Err(Error::new(format!("cannot open the key file {}: {e}", q(&path_text())))),
        }
    }
    unreachable!("the last attempt returns")
}

fn open_keys(file: &File, identity: &age::x25519::Identity) -> Result<Keys> {
    let damaged = || Error::new(format!("the key file {} is damaged", q(&path_text())));
    let blob = aws_smithy_types::base64::decode(&file.keys).map_err(|_| damaged())?;
    let json = age::decrypt(identity, &blob).map_err(|_| damaged())?;
    serde_json::from_slice(&json).map_err(|_| damaged())
}

/// The passphrase: STSENV_FILE_PASSPHRASE (as AWS_VAULT_FILE_PASSPHRASE), else asked on the
/// terminal (twice for a new file), never echoed; with neither, one line naming the fix.
fn passphrase(prompt: &str, confirm: bool) -> Result<SecretString> {
    if let Ok(text) = std::env::var("STSENV_FILE_PASSPHRASE") {
        return Ok(SecretString::from(text));
    }
    let open = |write| std::fs::OpenOptions::new().read(true).write(write).open("/dev/tty");
    let (Ok(input), Ok(output)) = (open(false), open(true)) else {
        return Err(if confirm {
            Error::new("a new encrypted key file needs a passphrase, and there is no terminal to ask it on")
                .hint("run this in a terminal, or set STSENV_FILE_PASSPHRASE; nothing was moved")
        } else {
            Error::new("the encrypted key file is locked, and there is no terminal to ask its passphrase on")
                .hint("run `stsenv keys unlock` in a terminal (it stays unlocked for STSENV_UNLOCK_TTL, 15m by default), or set STSENV_FILE_PASSPHRASE")
        });
    };
    let term = dialoguer::console::Term::read_write_pair(input, output);
    let mut ask = dialoguer::Password::new().with_prompt(prompt).report(false);
    if confirm {
        ask = ask.with_confirmation("Repeat it", "The two entries differ; try again");
    }
    let text = ask.interact_on(&term).map_err(|e| Error::new(format!("no passphrase: {e}")).exit(130))?;
    Ok(SecretString::from(text))
}
