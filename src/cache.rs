//! The credential cache under `$XDG_CACHE_HOME/stsenv`: one JSON file per STS step result,
//! named by a hash of everything that changes the result, written atomically (0600 in a
//! 0700 directory), with a lock file per entry so terminals share one STS call.

use crate::creds::Credentials;
use crate::error::{Error, Result, q};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Bumped when the entry format or key recipe changes; old entries are then simply missed.
const VERSION: u32 = 1;

pub struct Cache {
    dir: PathBuf,
    /// Entries with less than this many seconds left are not reused.
    margin: i64,
}

/// What a cache entry says of the step it holds.
pub struct Put<'a> {
    pub profile: &'a str,
    pub what: &'a str,
    pub duration: Option<u32>,
    /// Who the chain began with (an access key id, an SSO role…): `Source::identity`.
    pub source: &'a str,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    pub version: u32,
    /// The profile (or target) whose step this is, for `cache list` and `cache clear`.
    pub profile: String,
    /// What the step was, e.g. `GetSessionToken` or the role ARN.
    pub what: String,
    /// The duration asked of STS, when the step chose one (older entries have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u32>,
    /// Who the chain began with (older entries have none): tells apart the entries of an old
    /// and a new access key, and lets a key rotation drop the old one's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub creds: Credentials,
}

/// How a command uses the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Use,
    /// Call STS again for the final step; earlier steps (the MFA session) are still reused.
    Refresh,
    Off,
}

impl Cache {
    pub fn open() -> Result<Cache> {
        let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => {
                let home = std::env::var_os("HOME")
                    .ok_or_else(|| Error::new("HOME is not set").hint("set HOME or XDG_CACHE_HOME"))?;
                PathBuf::from(home).join(".cache")
            }
        };
        let margin = match std::env::var("STSENV_CACHE_MARGIN") {
            Ok(text) => crate::duration::parse(&text).map_err(|e| e.hint("STSENV_CACHE_MARGIN takes e.g. 5m"))?,
            Err(_) => 300,
        };
        let cache = Cache { dir: base.join("stsenv"), margin: i64::from(margin) };
        cache.check_private()?;
        Ok(cache)
    }

    /// Credentials are only as safe as the directory: one that another user owns, or that
    /// others may read or write, is refused rather than used (or quietly "fixed").
    fn check_private(&self) -> Result<()> {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = fs::symlink_metadata(&self.dir) else { return Ok(()) }; // made 0700 on first write
        let dir = q(&self.dir.display().to_string());
        if !meta.is_dir() {
            return Err(
                Error::new(format!("the cache {dir} is not a directory")).hint("remove it, or set XDG_CACHE_HOME")
            );
        }
        if meta.uid() != effective_uid() {
            return Err(Error::new(format!("the cache {dir} belongs to uid {}, not to you; not using it", meta.uid()))
                .hint("remove it, or point XDG_CACHE_HOME elsewhere"));
        }
        if meta.mode() & 0o077 != 0 {
            return Err(Error::new(format!(
                "the cache {dir} can be read or written by others (mode {:o}); not using it",
                meta.mode() & 0o777
            ))
            .hint(format!("check what is in it, then `chmod 700 {}`", self.dir.display())));
        }
        Ok(())
    }

    /// Reuse only entries with at least `secs` left (credential_process callers refresh early).
    pub fn at_least(mut self, secs: u32) -> Cache {
        self.margin = self.margin.max(i64::from(secs));
        self
    }

    /// The key of a step: a hash over its parent's key and its own fingerprint, so a chain's
    /// keys depend on the source identity and every step before them.
    pub fn key(parent: &str, fingerprint: &str) -> String {
        let digest = Sha256::digest(format!("v{VERSION}\n{parent}\n{fingerprint}"));
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }

    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// A file touched whenever `key` gets new credentials and kept by `clear`: what direnv
    /// watches, so a renewal in another terminal reloads it and a cleared cache does not.
    pub fn stamp(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.renewed"))
    }

    /// The credentials under `key` if they have more than the margin left. A missing,
    /// corrupt or foreign entry is a miss, never an error.
    pub fn fresh(&self, key: &str) -> Option<Credentials> {
        let entry = read_entry(&self.path(key))?;
        let left = entry.creds.seconds_left()?;
        (left > self.margin).then_some(entry.creds)
    }

    pub fn put(&self, key: &str, step: Put, creds: &Credentials) -> Result<()> {
        self.ensure_dir()?;
        let entry = Entry {
            version: VERSION,
            profile: step.profile.to_owned(),
            what: step.what.to_owned(),
            duration: step.duration,
            source: Some(step.source.to_owned()),
            creds: creds.clone(),
        };
        let json = serde_json::to_vec(&entry).map_err(|e| Error::new(e.to_string()))?;
        write_atomic(&self.path(key), &json, None)?;
        write_atomic(&self.stamp(key), b"", None)
    }

    /// Waits (bounded) for the lock of `key`; dropping the guard releases it.
    pub fn lock(&self, key: &str) -> Result<File> {
        self.ensure_dir()?;
        lock_file(&self.dir.join(format!("{key}.lock")))
    }

    pub fn entries(&self) -> Vec<(PathBuf, Entry)> {
        let Ok(dir) = fs::read_dir(&self.dir) else { return Vec::new() };
        let mut entries: Vec<(PathBuf, Entry)> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| read_entry(&p).map(|e| (p, e)))
            .collect();
        entries.sort_by(|a, b| a.1.profile.cmp(&b.1.profile));
        entries
    }

    /// Removes the entries of `profile` (with their lock files), or everything when `None`.
    /// Lock files whose entry is gone are removed too, unless someone holds them.
    pub fn clear(&self, profile: Option<&str>) -> Result<usize> {
        let Ok(dir) = fs::read_dir(&self.dir) else { return Ok(0) };
        let mut removed = 0;
        let paths: Vec<PathBuf> = dir.filter_map(|e| e.ok().map(|e| e.path())).collect();
        for path in &paths {
            let is_json = path.extension().is_some_and(|x| x == "json");
            if path.extension().is_some_and(|x| x == "renewed") {
                // Kept, so direnv sees no change; gone once older than any credentials.
                let old = fs::metadata(path)
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > Duration::from_secs(2 * 129_600)));
                if old {
                    let _ = fs::remove_file(path);
                }
                continue;
            }
            // The picker's history of what was assumed is no credential: kept.
            if path.file_name().is_some_and(|n| n == "history") {
                continue;
            }
            let entry = if is_json { read_entry(path) } else { None };
            let matches = match profile {
                None => true,
                Some(p) => entry.as_ref().is_some_and(|e| e.profile == p),
            };
            if matches && entry.is_some() {
                fs::remove_file(path)?;
                removed += 1;
            } else if matches && path.extension().is_none_or(|x| x != "lock") {
                fs::remove_file(path)?; // strays (a temp file left by a killed process)
            }
        }
        for lock in paths.iter().filter(|p| p.extension().is_some_and(|x| x == "lock")) {
            let entry = lock.with_extension("json");
            if !entry.exists()
                && let Ok(file) = File::open(lock)
                && file.try_lock().is_ok()
            {
                let _ = fs::remove_file(lock);
            }
        }
        Ok(removed)
    }

    /// Removes every entry whose chain began with `source` (an access key that is gone).
    pub fn forget_source(&self, source: &str) -> usize {
        let gone: Vec<PathBuf> =
            self.entries().into_iter().filter(|(_, e)| e.source.as_deref() == Some(source)).map(|(p, _)| p).collect();
        gone.iter().filter(|p| fs::remove_file(p).is_ok()).count()
    }

    /// Seconds of life below which entries are not reused.
    pub fn margin(&self) -> i64 {
        self.margin
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn ensure_dir(&self) -> Result<()> {
        let fail = |e: std::io::Error| Error::new(format!("cannot use cache {}: {e}", self.dir.display()));
        fs::DirBuilder::new().recursive(true).mode(0o700).create(&self.dir).map_err(fail)?;
        // The umask may have narrowed nothing but widened nothing either; be exact.
        let mode = fs::metadata(&self.dir).map_err(fail)?.permissions().mode();
        if mode & 0o077 != 0 {
            fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700)).map_err(fail)?;
        }
        self.check_private()
    }
}

fn read_entry(path: &Path) -> Option<Entry> {
    let entry: Entry = serde_json::from_slice(&read_private(path)?).ok()?;
    (entry.version == VERSION).then_some(entry)
}

/// Replaces `path` with `bytes` by a temp file in the same directory and a rename, so
/// readers see the old or the new file, never half of one. New files are 0600; `mode` keeps
/// an existing file's mode. The temp file has no name while it is written (`O_TMPFILE`,
/// named by `linkat` just before the rename), so a process killed mid-write leaves no copy of
/// what it wrote; where the file system has no `O_TMPFILE`, it is named `.stsenv-PID-…`, and
/// the next write removes those of processes that are gone.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| Error::new(format!("cannot write {}: {e}", path.display()));
    let mode = mode.unwrap_or(0o600);
    let name = |suffix: &str| dir.join(format!("{STRAY_PREFIX}{}-{suffix}", std::process::id()));
    remove_strays(dir);
    if let Ok(mut file) = OpenOptions::new().read(true).write(true).custom_flags(libc::O_TMPFILE).mode(0o600).open(dir)
    {
        file.write_all(bytes).map_err(fail)?;
        file.set_permissions(fs::Permissions::from_mode(mode)).map_err(fail)?;
        file.sync_all().map_err(fail)?;
        let temp = name(&crate::loopback::random_text(8)?.replace(['.', '~'], "_"));
        // No /proc to link through: the named temp file below instead.
        if link_unnamed(&file, &temp).is_ok() {
            return fs::rename(&temp, path).map_err(|e| {
                let _ = fs::remove_file(&temp);
                fail(e)
            });
        }
    }
    let prefix = format!("{STRAY_PREFIX}{}-", std::process::id());
    let mut tmp = tempfile::Builder::new().prefix(&prefix).tempfile_in(dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().set_permissions(fs::Permissions::from_mode(mode)).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// What stsenv's temp files are named (with the writer's process id after it).
const STRAY_PREFIX: &str = ".stsenv-";

/// Gives an `O_TMPFILE` file a name (`linkat` through `/proc/self/fd`, which needs no
/// privilege, unlike `AT_EMPTY_PATH`).
fn link_unnamed(file: &File, to: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    let from = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
    let to = CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: both paths are NUL-terminated strings that outlive the call.
    let done =
        unsafe { libc::linkat(libc::AT_FDCWD, from.as_ptr(), libc::AT_FDCWD, to.as_ptr(), libc::AT_SYMLINK_FOLLOW) };
    if done == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

/// Removes stsenv's temp files in `dir` whose writer is gone (a kill -9 mid-write); older
/// releases named them without a process id: those once an hour old.
pub fn remove_strays(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(STRAY_PREFIX)) else { continue };
        let gone = match rest.split_once('-').and_then(|(pid, _)| pid.parse::<i32>().ok()) {
            // SAFETY: kill with signal 0 only checks that the process exists.
            Some(pid) => unsafe { libc::kill(pid, 0) != 0 && *libc::__errno_location() == libc::ESRCH },
            None => {
                entry.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|a| a.as_secs() > 3600))
            }
        };
        if gone && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Takes an exclusive lock on `path` (created 0600), waiting at most `STSENV_LOCK_TIMEOUT`
/// seconds (default 120: another terminal may be waiting for its MFA code).
/// std's `File::lock` family is flock(2) underneath: released when the process dies.
pub fn lock_file(path: &Path) -> Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::new(format!("cannot open lock {}: {e}", path.display())))?;
    let limit = std::env::var("STSENV_LOCK_TIMEOUT").ok().and_then(|s| s.parse().ok()).unwrap_or(120.0);
    let deadline = Instant::now() + Duration::from_secs_f64(limit);
    // One line per process, however many locks it waits for in turn.
    static TOLD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                if !TOLD.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    eprintln!(
                        "stsenv: waiting for another stsenv using the same credentials (it may be asking for an MFA code or a sign-in in another terminal)"
                    );
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Error::new(format!(
                    "another stsenv held {} for over {limit}s",
                    q(&path.display().to_string())
                ))
                .hint("finish or stop the other stsenv, or raise STSENV_LOCK_TIMEOUT"));
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(Error::new(format!("cannot lock {}: {e}", path.display())));
            }
        }
    }
}

/// The file's bytes, if it is ours and nobody else could have written it: a file in the
/// cache someone else wrote or could have written is not trusted.
pub fn read_private(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    let mut file = File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if meta.uid() != effective_uid() || meta.mode() & 0o077 != 0 {
        return None;
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}
