//! Keeping secrets in memory out of core files: stsenv holds long-term keys, sessions and
//! sign-in tokens while it waits (an MFA prompt, a browser, a running command's server), and a
//! core dump (or another process of the user's attaching to it) would copy them to disk.

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::OnceLock;

/// The soft core limit the user had, for the commands stsenv starts.
static USER_CORE_LIMIT: OnceLock<libc::rlim_t> = OnceLock::new();

/// Soft `RLIMIT_CORE` 0 and `PR_SET_DUMPABLE` 0 for this process (no core file, no ptrace
/// attach by the same user, `/proc/PID/mem` and `environ` closed to others).
pub fn no_core_dumps() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: plain system calls on this process with a valid, owned struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_CORE, &mut limit) == 0 {
            USER_CORE_LIMIT.get_or_init(|| limit.rlim_cur);
            limit.rlim_cur = 0;
            libc::setrlimit(libc::RLIMIT_CORE, &limit);
        }
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

/// A command stsenv starts gets the user's own core limit back (dumpability is reset by
/// execve itself).
pub fn for_child(command: &mut Command) -> &mut Command {
    if let Some(&user) = USER_CORE_LIMIT.get() {
        // SAFETY: only async-signal-safe calls (getrlimit, setrlimit) between fork and exec.
        unsafe {
            command.pre_exec(move || {
                let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
                if libc::getrlimit(libc::RLIMIT_CORE, &mut limit) == 0 {
                    limit.rlim_cur = user.min(limit.rlim_max);
                    libc::setrlimit(libc::RLIMIT_CORE, &limit);
                }
                Ok(())
            });
        }
    }
    command
}
