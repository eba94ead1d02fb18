//! What a resolution came to, remembered so that a cache hit costs the same with 5,000
//! profiles as with 5: a command line and environment that resolved before, against profile
//! files that have not changed since, lead to the same cache entry — so the hit reads two
//! `stat`s, this small file and the entry, and never parses the config.
//!
//! A memo holds only what resolution decided (the cache entry's key, the label, region, …),
//! never credentials. It is keyed by everything that can change the answer: the arguments,
//! every environment variable that resolution reads, and both files' identity (device, inode,
//! size, mtime and ctime in nanoseconds, so a rename or any write is seen). A file changed in
//! the last two seconds gets no memo at all: two edits within one timestamp tick cannot
//! then look like one. Memos live in the cache directory under its rules (0600, atomic,
//! ignored when anyone else could have written them).

use crate::cache::Cache;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

const VERSION: u32 = 1;

/// Seconds a file must be older than for its state to be trusted in a memo.
const SETTLE: i64 = 2;

/// Environment variables that never change a resolution: what a session sets for the shell.
fn output_only(name: &str) -> bool {
    crate::vars::MANAGED.contains(&name) || name == "STSENV_PROMPT" || name.starts_with("STSENV_SAVED")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resolved {
    /// The cache entry that answers this command.
    pub key: String,
    pub label: String,
    pub region: Option<String>,
    pub config_profile: Option<String>,
    pub request: String,
}

#[derive(Serialize, Deserialize)]
struct File<T> {
    version: u32,
    state: String,
    value: T,
}

/// The files resolution reads.
fn profile_files() -> [PathBuf; 2] {
    use crate::profile::file_path;
    [file_path("AWS_CONFIG_FILE", "config"), file_path("AWS_SHARED_CREDENTIALS_FILE", "credentials")]
}

/// The files' identity now; `None` while one is too fresh to be trusted.
fn state(files: &[PathBuf]) -> Option<String> {
    let now = crate::creds::now();
    let mut state = String::new();
    for file in files {
        match std::fs::metadata(file) {
            Ok(m) => {
                if m.mtime().max(m.ctime()) > now - SETTLE {
                    return None;
                }
                state += &format!(
                    "{}:{}:{}:{}.{}:{}.{};",
                    m.dev(),
                    m.ino(),
                    m.size(),
                    m.mtime(),
                    m.mtime_nsec(),
                    m.ctime(),
                    m.ctime_nsec()
                );
            }
            Err(_) => state += "absent;",
        }
    }
    Some(state)
}

/// The memo's file name: a hash of what was asked and the environment it was asked in.
fn path(cache: &Cache, kind: &str, args: &[String]) -> PathBuf {
    let mut hash = Sha256::new();
    hash.update(format!("v{VERSION}\n{}\n{kind}\n", env!("CARGO_PKG_VERSION")));
    for arg in args {
        hash.update(arg.as_bytes());
        hash.update([0]);
    }
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| {
            (k.starts_with("AWS_") || k.starts_with("STSENV_") || ["HOME", "USER", "XDG_CACHE_HOME"].contains(&k.as_str()))
                && !output_only(k)
                && k != "STSENV_SHELL"
                // Set by this very process's loop guard between lookup and store; a loop
                // never succeeds, so never has a memo.
                && k != crate::source::process::CHAIN_VAR
        })
        .collect();
    env.sort();
    for (k, v) in env {
        hash.update(format!("{k}={v}\0").as_bytes());
    }
    // The region variables are stsenv's output, but the user's own value is an input to
    // resolution (`plan`): the one set before the first session counts.
    for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        let user = crate::vars::user_value(&crate::vars::real_env, name).unwrap_or_default();
        hash.update(format!("user {name}={user}\0").as_bytes());
    }
    let name: String = hash.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
    cache.dir().join(format!("memo-{kind}-{name}.json"))
}

pub fn lookup<T: for<'de> Deserialize<'de>>(cache: &Cache, kind: &str, args: &[String]) -> Option<T> {
    let state = state(&profile_files())?;
    let file: File<T> = serde_json::from_slice(&crate::cache::read_private(&path(cache, kind, args))?).ok()?;
    (file.version == VERSION && file.state == state).then_some(file.value)
}

pub fn store<T: Serialize>(cache: &Cache, kind: &str, args: &[String], value: T) {
    let Some(state) = state(&profile_files()) else { return };
    let file = File { version: VERSION, state, value };
    if let Ok(json) = serde_json::to_vec(&file) {
        // A memo that cannot be written only costs the next call a parse.
        let _ = crate::cache::write_atomic(&path(cache, kind, args), &json, None);
    }
}

/// The profile names, from the memo while neither file has changed (completion runs this on
/// every Tab), else from the SDK's parser.
pub fn profile_names() -> crate::error::Result<Vec<String>> {
    let cache = crate::cache::Cache::open().ok();
    if let Some(names) = cache.as_ref().and_then(|c| lookup::<Vec<String>>(c, "names", &[])) {
        return Ok(names);
    }
    let profiles = crate::profile::Profiles::load(&crate::profile::default_profile())?;
    let names: Vec<String> = profiles.own_names().into_iter().map(str::to_owned).collect();
    if let Some(cache) = &cache
        && cache.dir().is_dir()
    {
        store(cache, "names", &[], &names);
    }
    Ok(names)
}
