//! The MFA code: `--token-code`, else the profile's `mfa_process`, else a prompt on the terminal.

use crate::error::{Error, Result, q};
use crate::plan::Mfa;
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};

/// `keys`: the profile holding the long-term keys, whose `stsenv session` a terminal can run.
pub fn code(mfa: &Mfa, keys: Option<&str>, given: Option<&str>, may_prompt: bool) -> Result<String> {
    if let Some(code) = given {
        return Ok(code.to_owned()); // checked when the command line was parsed
    }
    if let Some(command) = &mfa.process {
        return run_process(mfa, command);
    }
    if !may_prompt {
        return Err(Error::new(format!("an MFA code for {} is needed and prompting is off", q(&mfa.serial)))
            .profile(&mfa.profile)
            .hint(first_in_a_terminal(keys)));
    }
    prompt(mfa, keys)
}

/// What an IDE or a hook can do with no terminal to ask on.
fn first_in_a_terminal(keys: Option<&str>) -> String {
    let session = keys.map(|p| format!(" (or `stsenv session {}`)", crate::error::printable(p))).unwrap_or_default();
    format!(
        "run the same `stsenv assume …`{session} in a terminal first: the MFA session it caches serves here for 12h; else pass --token-code, or set mfa_process in the profile"
    )
}

/// Six digits; spaces are dropped, since authenticator apps show `123 456`.
pub fn checked(code: &str) -> Result<String> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(Error::new("an MFA code is 6 digits"))
    }
}

/// Runs `mfa_process` without a shell (its words split like a shell would), stdin closed so
/// it cannot steal ours, stderr passed through for touch prompts, the code read from stdout.
fn run_process(mfa: &Mfa, command: &str) -> Result<String> {
    let fail = |why: String| {
        Error::new(format!("mfa_process {} {why}", q(command)))
            .profile(&mfa.profile)
            .hint("fix mfa_process in the profile, or pass --token-code")
    };
    let stdout = crate::command::run(command, &[]).map_err(fail)?;
    let text = String::from_utf8_lossy(&stdout);
    checked(text.trim()).map_err(|_| fail("did not print a 6-digit code".to_owned()))
}

/// Asks on the controlling terminal, never stdout (which the shell evals) or stdin. The
/// terminal stays in its cooked mode: the kernel does the line editing, a long prompt wraps
/// without redraw trouble, Ctrl-D ends the input and Ctrl-C is a signal (see main).
fn prompt(mfa: &Mfa, keys: Option<&str>) -> Result<String> {
    let no_tty = |_: std::io::Error| {
        Error::new(format!("no terminal to ask for the MFA code for {}", q(&mfa.serial)))
            .profile(&mfa.profile)
            .hint(first_in_a_terminal(keys))
    };
    let mut tty = OpenOptions::new().read(true).write(true).open("/dev/tty").map_err(no_tty)?;
    let mut input = BufReader::new(tty.try_clone().map_err(no_tty)?);
    // Ctrl-C here ends the line the prompt is on (see main's signal handler).
    use std::os::fd::AsRawFd;
    crate::picker::OPEN_TTY.store(tty.as_raw_fd(), std::sync::atomic::Ordering::SeqCst);
    let asked = ask(&mut tty, &mut input, mfa, &no_tty);
    crate::picker::OPEN_TTY.store(-1, std::sync::atomic::Ordering::SeqCst);
    asked
}

fn ask(
    tty: &mut std::fs::File,
    input: &mut BufReader<std::fs::File>,
    mfa: &Mfa,
    no_tty: &dyn Fn(std::io::Error) -> Error,
) -> Result<String> {
    loop {
        write!(tty, "Enter MFA code for {}: ", mfa.serial).map_err(no_tty)?;
        let mut line = String::new();
        if input.read_line(&mut line).map_err(no_tty)? == 0 {
            let _ = writeln!(tty);
            return Err(Error::new("the MFA prompt ended without a code (Ctrl-D)")
                .profile(&mfa.profile)
                .hint("run the command again"));
        }
        match checked(&line) {
            Ok(code) => return Ok(code),
            Err(e) => writeln!(tty, "stsenv: {e}").map_err(no_tty)?,
        }
    }
}
