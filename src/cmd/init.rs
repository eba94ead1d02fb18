//! `stsenv init SHELL`: the shell integration from `shell/`, embedded at build time.

use crate::cli::InitShell;
use crate::error::{Error, Result};
use clap::ValueEnum;

pub fn run(shell: Option<InitShell>) -> Result<()> {
    let Some(shell) = shell else {
        let names: Vec<String> = InitShell::value_variants()
            .iter()
            .filter_map(|s| s.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect();
        return Err(Error::new(format!("which shell? stsenv init {}", names.join("|")))
            .hint("e.g. add `eval \"$(stsenv init bash)\"` to ~/.bashrc")
            .exit(2));
    };
    let script = match shell {
        InitShell::Bash => include_str!("../../shell/stsenv.bash"),
        InitShell::Zsh => include_str!("../../shell/stsenv.zsh"),
        InitShell::Fish => include_str!("../../shell/stsenv.fish"),
        InitShell::Direnv => include_str!("../../shell/stsenv.direnv"),
    };
    super::write_stdout(script)
}
