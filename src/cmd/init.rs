//! `stsenv init SHELL`: the shell integration from `shell/`, embedded at build time, with the
//! completion registration appended — one process at shell start-up, not two.

use super::completions::registration;
use crate::cli::{CompletionShell, InitShell};
use crate::error::Result;
use clap::ValueEnum;

pub fn run(shell: Option<InitShell>) -> Result<()> {
    let Some(shell) = shell else {
        let names: Vec<String> = InitShell::value_variants()
            .iter()
            .filter_map(|s| s.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect();
        // A question, not a failure: the choices on stderr, nothing to eval on stdout.
        eprintln!("stsenv: which shell? stsenv init {}", names.join("|"));
        eprintln!("stsenv: e.g. add `eval \"$(stsenv init bash)\"` to ~/.bashrc");
        return Ok(());
    };
    let (script, completions) = match shell {
        InitShell::Bash => (include_str!("../../shell/stsenv.bash"), Some(CompletionShell::Bash)),
        InitShell::Zsh => (include_str!("../../shell/stsenv.zsh"), Some(CompletionShell::Zsh)),
        InitShell::Fish => (include_str!("../../shell/stsenv.fish"), Some(CompletionShell::Fish)),
        InitShell::Pwsh => (include_str!("../../shell/stsenv.ps1"), Some(CompletionShell::Pwsh)),
        InitShell::Direnv => (include_str!("../../shell/stsenv.direnv"), None),
        InitShell::Nu => (include_str!("../../shell/stsenv.nu"), None),
    };
    let mut text = script.to_owned();
    // bash < 5 and fish < 3.5 have no clock builtin: their hooks count from this time
    // ($SECONDS, /proc/uptime), fork-free.
    match shell {
        InitShell::Bash => {
            text = text.replacen("__stsenv_init_time=0", &format!("__stsenv_init_time={}", crate::creds::now()), 1);
        }
        InitShell::Fish => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            let line = format!("set -g __stsenv_init_time {}.{:03}", now.as_secs(), now.subsec_millis());
            text = text.replacen("set -g __stsenv_init_time 0", &line, 1);
        }
        _ => {}
    }
    let wanted = std::env::var_os("STSENV_NO_COMPLETIONS").is_none_or(|v| v.is_empty());
    if let (Some(completion), true) = (completions, wanted) {
        let code = registration(completion)?;
        text += "\n# Completions, profile names included (clap_complete; the binary answers at completion time).\n";
        text += &match completion {
            // compdef exists once compinit has run; without it there is nothing to register with.
            CompletionShell::Zsh => format!("if (( $+functions[compdef] )); then\n{code}\nfi\n"),
            _ => code,
        };
    }
    super::write_stdout(&text)
}
