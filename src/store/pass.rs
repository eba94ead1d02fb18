//! `pass`, the standard Unix password manager, as a store: entries `stsenv/PROFILE` holding
//! the keys as JSON, written with `pass insert -m` from stdin (never an argument) and read
//! with `pass show`; gpg-agent's own cache decides how often gpg asks.

use super::Stored;
use crate::creds::Credentials;
use crate::error::{Error, Result, q};
use std::io::Write;
use std::process::{Command, Stdio};

fn entry(profile: &str) -> String {
    format!("stsenv/{profile}")
}

pub fn load(profile: &str) -> Result<Credentials> {
    let out = pass(&["show", &entry(profile)], None)?;
    let stored: Stored = serde_json::from_slice(&out).map_err(|_| {
        Error::new(format!("pass entry {} is not stsenv's", q(&entry(profile))))
            .profile(profile)
            .hint(format!("run `stsenv keys add {profile} --store pass` again"))
    })?;
    Ok(stored.creds())
}

pub fn store(profile: &str, creds: &Credentials) -> Result<()> {
    let json = serde_json::to_string(&Stored::of(creds)).map_err(|e| Error::new(e.to_string()))?;
    pass(&["insert", "-m", "-f", &entry(profile)], Some(json.as_bytes())).map(|_| ())
}

pub fn delete(profile: &str) -> Result<()> {
    pass(&["rm", "-f", &entry(profile)], None).map(|_| ())
}

/// Runs pass; its stdout, or one line with what pass (or gpg) said and the fix.
fn pass(args: &[&str], input: Option<&[u8]>) -> Result<Vec<u8>> {
    let mut command = Command::new("pass");
    command.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
    // pinentry asks for a gpg key's passphrase on the terminal.
    if std::env::var_os("GPG_TTY").is_none()
        && let Ok(tty) = std::fs::read_link("/proc/self/fd/2").or_else(|_| std::fs::read_link("/dev/tty"))
        && tty.starts_with("/dev/pts")
    {
        command.env("GPG_TTY", tty);
    }
    let mut child = crate::secrets::for_child(&mut command).spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::new("pass is not installed")
            .hint("install it (apt-get install pass, brew install pass) and run `pass init YOUR_GPG_KEY_ID`"),
        _ => Error::new(format!("cannot run pass: {e}")),
    })?;
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(bytes)?;
    }
    let out = child.wait_with_output()?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    let said = String::from_utf8_lossy(&out.stderr);
    let first = said.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("no message").to_owned();
    let hint = if said.contains("pass init") {
        "no password store yet: run `pass init YOUR_GPG_KEY_ID`"
    } else if said.contains("is not in the password store") {
        "store the keys with `stsenv keys add PROFILE --store pass`"
    } else if said.contains("No secret key") || said.contains("No public key") {
        "gpg has no key for the store (`gpg -K`), or gpg-agent could not ask for its passphrase (GPG_TTY)"
    } else {
        "see what `pass` says when run by hand"
    };
    Err(Error::new(format!("pass {} failed: {first}", args[0])).hint(hint))
}
