//! Opening a URL in the user's browser: `$BROWSER`, else `wslview` on WSL (the Windows
//! browser), else xdg-open / open when there is a display to open it on.

use crate::error::q;
use std::process::{Command, Stdio};

/// A browser on this machine can be opened, so it can reach a loopback redirect: not over
/// SSH, and with a display (or `$BROWSER`, or WSL's `wslview`).
pub fn local() -> bool {
    let ssh = ["SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"].iter().any(|v| std::env::var_os(v).is_some());
    !ssh && program().is_some()
}

/// What opens a URL here, if anything.
fn program() -> Option<String> {
    let from_env = std::env::var("BROWSER").ok().filter(|b| !b.is_empty());
    let graphical = std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let wsl = std::env::var_os("WSL_DISTRO_NAME").is_some()
        || std::path::Path::new("/proc/sys/fs/binfmt_misc/WSLInterop").exists();
    let on_path = |name: &str| {
        std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
    };
    from_env.or_else(|| {
        if wsl && on_path("wslview") {
            return Some("wslview".to_owned());
        }
        let candidate = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
        (graphical || cfg!(target_os = "macos")).then(|| candidate.to_owned())
    })
}

/// Whether a browser was started. Failing to start one is for the caller to report.
pub fn open(url: &str) -> bool {
    let Some(program) = program() else { return false };
    let Ok(words) = shell_words::split(&program) else { return false };
    let Some((cmd, args)) = words.split_first() else { return false };
    let started =
        Command::new(cmd).args(args).arg(url).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
    let Ok(mut child) = started else {
        eprintln!("stsenv: could not start {}", q(cmd));
        return false;
    };
    // xdg-open and open return at once; a browser itself keeps running. Either way, a quick
    // failure is a failure.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(1500);
    while std::time::Instant::now() < deadline {
        match child.try_wait() {
            Ok(Some(status)) if !status.success() => {
                eprintln!("stsenv: {} failed ({status})", q(cmd));
                return false;
            }
            Ok(Some(_)) => return true,
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(50)),
            Err(_) => return false,
        }
    }
    true
}
