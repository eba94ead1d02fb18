//! The cached unlock of the encrypted key file: its identity, held in the Linux kernel's user
//! keyring (`@u`, shared by every process of this user, so every terminal of the login) with
//! the key's own timeout, so the kernel itself forgets it. Never in a file, a variable or an
//! argument. Where there is no kernel keyring (macOS, WSL1, a container whose seccomp blocks
//! `add_key`), nothing is cached and the passphrase is asked each time.

use crate::error::{Error, Result};
use std::path::Path;

/// How long an unlock lasts: `STSENV_UNLOCK_TTL` (seconds or `15m`), default 15 minutes.
pub fn ttl() -> Result<u32> {
    match std::env::var("STSENV_UNLOCK_TTL") {
        Ok(text) => crate::duration::parse(&text).map_err(|e| e.hint("STSENV_UNLOCK_TTL takes seconds or e.g. 15m")),
        Err(_) => Ok(900),
    }
}

/// The key's description: one per key file.
fn description(file: &Path) -> std::ffi::CString {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(file.to_string_lossy().as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    std::ffi::CString::new(format!("stsenv:unlock:{hex}")).expect("no NUL in hex")
}

/// The cached identity of `file` and when it is forgotten, if it is unlocked.
pub fn cached(file: &Path) -> Option<(String, i64)> {
    let bytes = sys::read(&description(file))?;
    let text = String::from_utf8(bytes).ok()?;
    let (until, identity) = text.split_once('\n')?;
    let until: i64 = until.parse().ok()?;
    (until > crate::creds::now()).then(|| (identity.to_owned(), until))
}

/// Caches `identity` for `ttl` seconds; `false` where there is no kernel keyring.
pub fn remember(file: &Path, identity: &str, ttl: u32) -> bool {
    if ttl == 0 {
        return false;
    }
    let until = crate::creds::now() + i64::from(ttl);
    sys::add(&description(file), format!("{until}\n{identity}").as_bytes(), ttl)
}

/// Forgets the unlock now (`stsenv keys lock`): the identity is overwritten first, since an
/// invalidated key can still be found for a moment before the kernel collects it.
pub fn forget(file: &Path) -> Result<bool> {
    let description = description(file);
    if sys::read(&description).is_none() {
        return Ok(false);
    }
    sys::add(&description, b"0\n", 1);
    Ok(sys::invalidate(&description))
}

/// Says once, where no kernel keyring exists, that the passphrase will be asked each time.
pub fn unavailable_note() -> Error {
    Error::new("no kernel keyring here (macOS, WSL1, or a container that blocks it): the passphrase is asked each time")
}

#[cfg(target_os = "linux")]
mod sys {
    use std::ffi::CStr;

    const KEY_SPEC_USER_KEYRING: libc::c_long = -4;
    const KEYCTL_SETPERM: libc::c_long = 5;
    const KEYCTL_SEARCH: libc::c_long = 10;
    const KEYCTL_READ: libc::c_long = 11;
    const KEYCTL_SET_TIMEOUT: libc::c_long = 15;
    const KEYCTL_INVALIDATE: libc::c_long = 21;
    /// Possessor: all; the user: view, read, search — so a process whose session keyring
    /// does not link @u (a container's, `keyctl session -`) still reads it.
    const PERMISSIONS: libc::c_long = 0x3f0b_0000;

    fn search(description: &CStr) -> Option<libc::c_long> {
        // SAFETY: NUL-terminated strings that outlive the call; the kernel checks the rest.
        let id = unsafe {
            libc::syscall(
                libc::SYS_keyctl,
                KEYCTL_SEARCH,
                KEY_SPEC_USER_KEYRING,
                c"user".as_ptr(),
                description.as_ptr(),
                0,
            )
        };
        (id > 0).then_some(id)
    }

    pub fn read(description: &CStr) -> Option<Vec<u8>> {
        let id = search(description)?;
        let mut buffer = vec![0u8; 4096];
        // SAFETY: the buffer is valid for its length; an expired key answers an error.
        let n = unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_READ, id, buffer.as_mut_ptr(), buffer.len()) };
        if n < 0 || n as usize > buffer.len() {
            return None;
        }
        buffer.truncate(n as usize);
        Some(buffer)
    }

    pub fn add(description: &CStr, payload: &[u8], ttl: u32) -> bool {
        // SAFETY: valid pointers and lengths; a re-add updates the key in place.
        let id = unsafe {
            libc::syscall(
                libc::SYS_add_key,
                c"user".as_ptr(),
                description.as_ptr(),
                payload.as_ptr(),
                payload.len(),
                KEY_SPEC_USER_KEYRING,
            )
        };
        if id <= 0 {
            return false;
        }
        // A re-add makes the key permanent again: the timeout after every add.
        // SAFETY: plain integer arguments.
        unsafe {
            libc::syscall(libc::SYS_keyctl, KEYCTL_SETPERM, id, PERMISSIONS);
            libc::syscall(libc::SYS_keyctl, KEYCTL_SET_TIMEOUT, id, libc::c_long::from(ttl)) == 0
        }
    }

    pub fn invalidate(description: &CStr) -> bool {
        let Some(id) = search(description) else { return false };
        // SAFETY: a plain integer argument.
        unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_INVALIDATE, id) == 0 }
    }
}

#[cfg(not(target_os = "linux"))]
mod sys {
    use std::ffi::CStr;

    pub fn read(_: &CStr) -> Option<Vec<u8>> {
        None
    }

    pub fn add(_: &CStr, _: &[u8], _: u32) -> bool {
        false
    }

    pub fn invalidate(_: &CStr) -> bool {
        false
    }
}
