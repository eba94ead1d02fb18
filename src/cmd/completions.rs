//! `stsenv completions SHELL`: clap_complete's dynamic completion, so profile names come
//! from the user's config files at completion time.

use crate::cli::CompletionShell;
use crate::error::{Error, Result};
use clap_complete::env::Shells;

pub fn run(shell: CompletionShell) -> Result<()> {
    let name = match shell {
        CompletionShell::Bash => "bash",
        CompletionShell::Zsh => "zsh",
        CompletionShell::Fish => "fish",
    };
    let shells = Shells::builtins();
    let completer = shells.completer(name).ok_or_else(|| Error::new(format!("no completer for {name}")))?;
    let mut script = Vec::new();
    completer.write_registration("COMPLETE", "stsenv", "stsenv", "stsenv", &mut script)?;
    super::write_stdout(&String::from_utf8_lossy(&script))
}
