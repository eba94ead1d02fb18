//! Where an IAM user's long-term keys are kept instead of plaintext `~/.aws/credentials`:
//! the OS keyring (`keyring.rs`), an encrypted file with a cached unlock (`file.rs`, the
//! unlock in the kernel keyring: `unlock.rs`) for machines with no Secret Service (WSL, SSH,
//! containers, CI), or `pass` (`pass.rs`). The profile says which with
//! `stsenv_keys = STORE KEY_ID` (the key id is not secret: it names the key in cache keys and
//! `keys list`); its `credential_process = stsenv credential-process …` serves other tools.
//! No store ever falls back to plaintext.

pub mod file;
pub mod keyring;
pub mod pass;
pub mod unlock;

use crate::creds::Credentials;
use crate::error::{Error, Result, q};
use crate::profile::value;

/// The profile key that names the store.
pub const MARKER: &str = "stsenv_keys";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Store {
    /// The OS keyring (Secret Service, Keychain, Credential Manager)
    Keyring,
    /// A passphrase-encrypted file (age), unlocked for STSENV_UNLOCK_TTL
    File,
    /// pass, the standard Unix password manager (gpg)
    Pass,
}

/// The keys as every store keeps them (JSON).
#[derive(serde::Serialize, serde::Deserialize, Clone)]
pub struct Stored {
    pub aws_access_key_id: String,
    pub aws_secret_access_key: String,
}

impl Stored {
    pub fn of(creds: &Credentials) -> Stored {
        Stored {
            aws_access_key_id: creds.access_key_id.clone(),
            aws_secret_access_key: creds.secret_access_key.clone(),
        }
    }

    pub fn creds(self) -> Credentials {
        Credentials::long_term(self.aws_access_key_id, self.aws_secret_access_key)
    }
}

impl Store {
    pub fn name(self) -> &'static str {
        match self {
            Store::Keyring => "keyring",
            Store::File => "file",
            Store::Pass => "pass",
        }
    }

    fn parse(word: &str) -> Option<Store> {
        [Store::Keyring, Store::File, Store::Pass].into_iter().find(|s| s.name() == word)
    }

    /// Where the keys are, for messages.
    pub fn describe(self) -> String {
        match self {
            Store::Keyring => keyring::backend().to_owned(),
            Store::File => {
                format!("the encrypted file {}", file::path().map_or("(no HOME)".into(), |p| p.display().to_string()))
            }
            Store::Pass => "pass (stsenv/PROFILE)".to_owned(),
        }
    }

    /// The store `keys add` uses when none is named: the OS keyring where one answers, else
    /// the encrypted file (never plaintext).
    pub fn default_here() -> Store {
        if keyring::available() { Store::Keyring } else { Store::File }
    }

    pub fn load(self, profile: &str) -> Result<Credentials> {
        match self {
            Store::Keyring => keyring::load(profile),
            Store::File => file::load(profile),
            Store::Pass => pass::load(profile),
        }
    }

    /// Stores the keys and reads them back: only a stored key may leave the plaintext file.
    /// (The file store reads back with the identity it has, so a new file asks nothing more.)
    pub fn save(self, profile: &str, creds: &Credentials) -> Result<()> {
        match self {
            Store::Keyring => keyring::store(profile, creds)?,
            Store::File => return file::store(profile, creds),
            Store::Pass => pass::store(profile, creds)?,
        }
        let back = self.load(profile)?;
        if back.access_key_id != creds.access_key_id || back.secret_access_key != creds.secret_access_key {
            return Err(Error::new(format!("{} did not keep the keys of {}", self.describe(), q(profile))));
        }
        Ok(())
    }

    pub fn delete(self, profile: &str) -> Result<()> {
        match self {
            Store::Keyring => keyring::delete(profile),
            Store::File => file::delete(profile),
            Store::Pass => pass::delete(profile),
        }
    }
}

/// The store and key id of a profile whose keys are kept by stsenv.
pub fn marked(p: &aws_config::profile::Profile) -> Option<(Store, String)> {
    let text = value(p, MARKER)?;
    let mut words = text.split_whitespace();
    let store = Store::parse(words.next()?)?;
    Some((store, words.next().unwrap_or_default().to_owned()))
}

/// The marker's value for keys in `store`.
pub fn marker(store: Store, key_id: &str) -> (&'static str, String) {
    (MARKER, format!("{} {key_id}", store.name()))
}
