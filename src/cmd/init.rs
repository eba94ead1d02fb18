//! `stsenv init SHELL`: the shell integration from `shell/`, embedded at build time.

use crate::cli::InitShell;
use crate::error::Result;

pub fn run(shell: InitShell) -> Result<()> {
    let script = match shell {
        InitShell::Bash => include_str!("../../shell/stsenv.bash"),
        InitShell::Zsh => include_str!("../../shell/stsenv.zsh"),
        InitShell::Fish => include_str!("../../shell/stsenv.fish"),
        InitShell::Direnv => include_str!("../../shell/stsenv.direnv"),
    };
    super::write_stdout(script)
}
