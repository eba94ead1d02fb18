//! The MFA code: `--token-code`, else the profile's `mfa_process`, else a prompt on the terminal.

use crate::error::{Error, Result, q};
use crate::plan::Mfa;
use std::fs::{File, OpenOptions};
use std::process::{Command, Stdio};

pub fn code(mfa: &Mfa, given: Option<&str>, may_prompt: bool) -> Result<String> {
    if let Some(code) = given {
        return Ok(code.to_owned()); // checked when the command line was parsed
    }
    if let Some(command) = &mfa.process {
        return run_process(mfa, command);
    }
    if !may_prompt {
        return Err(Error::new(format!("an MFA code for {} is needed and prompting is off", q(&mfa.serial)))
            .profile(&mfa.profile)
            .hint("run it interactively once (the MFA session is then cached), or pass --token-code"));
    }
    prompt(mfa)
}

pub fn checked(code: &str) -> Result<String> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code.to_owned())
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
    let words = shell_words::split(command).map_err(|e| fail(format!("cannot be parsed: {e}")))?;
    let Some((program, args)) = words.split_first() else {
        return Err(fail("is empty".to_owned()));
    };
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| fail(format!("could not start: {e}")))?;
    if !output.status.success() {
        return Err(fail(format!("failed ({})", output.status)));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    checked(text.trim()).map_err(|_| fail("did not print a 6-digit code".to_owned()))
}

/// Asks on the controlling terminal, never stdout (which the shell evals) or stdin.
fn prompt(mfa: &Mfa) -> Result<String> {
    let no_tty = |e: std::io::Error| {
        Error::new(format!("no terminal to ask for the MFA code for {} ({e})", q(&mfa.serial)))
            .profile(&mfa.profile)
            .hint("pass --token-code, or set mfa_process in the profile")
    };
    let read = File::open("/dev/tty").map_err(no_tty)?;
    let write = OpenOptions::new().write(true).open("/dev/tty").map_err(no_tty)?;
    let term = console::Term::read_write_pair(read, write);
    let answer = dialoguer::Input::<String>::new()
        .with_prompt(format!("Enter MFA code for {}", mfa.serial))
        .validate_with(|input: &String| checked(input.trim()).map(|_| ()).map_err(|e| e.to_string()))
        .interact_text_on(&term)
        .map_err(|e| Error::new(format!("MFA prompt ended: {e}")).profile(&mfa.profile))?;
    Ok(answer.trim().to_owned())
}
