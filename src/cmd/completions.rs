//! `stsenv completions SHELL`: clap_complete's dynamic completion, so profile names come
//! from the user's config files at completion time. `init` includes the same registration.

use crate::cli::CompletionShell;
use crate::error::{Error, Result};
use clap_complete::env::Shells;

pub fn run(shell: CompletionShell) -> Result<()> {
    super::write_stdout(&registration(shell)?)
}

/// The shell code that registers stsenv's completer.
pub fn registration(shell: CompletionShell) -> Result<String> {
    let name = match shell {
        CompletionShell::Bash => "bash",
        CompletionShell::Zsh => "zsh",
        CompletionShell::Fish => "fish",
        CompletionShell::Pwsh => "powershell",
    };
    let shells = Shells::builtins();
    let completer = shells.completer(name).ok_or_else(|| Error::new(format!("no completer for {name}")))?;
    let mut script = Vec::new();
    completer.write_registration("COMPLETE", "stsenv", "stsenv", "stsenv", &mut script)?;
    Ok(String::from_utf8_lossy(&script).into_owned())
}
