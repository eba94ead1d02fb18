//! `stsenv completions SHELL`: clap_complete's dynamic completion, so profile names come
//! from the user's config files at completion time. `init` includes the same registration.

use crate::cli::CompletionShell;
use crate::error::{Error, Result};
use clap_complete::env::Shells;

pub fn run(shell: Option<CompletionShell>) -> Result<()> {
    let Some(shell) = shell else {
        use clap::ValueEnum;
        let names: Vec<String> = CompletionShell::value_variants()
            .iter()
            .filter_map(|s| Some(s.to_possible_value()?.get_name().to_owned()))
            .collect();
        // A question, as for `stsenv init`: the choices on stderr, nothing to source.
        eprintln!("stsenv: which shell? stsenv completions {}", names.join("|"));
        eprintln!("stsenv: `stsenv init SHELL` includes them already");
        return Ok(());
    };
    super::write_stdout(&registration(shell)?)
}

/// The shell code that registers stsenv's completer.
pub fn registration(shell: CompletionShell) -> Result<String> {
    let name = match shell {
        // clap_complete's bash script globs candidates and needs bash 4: ours speaks the same
        // protocol in bash 3.2 and lints clean.
        CompletionShell::Bash => return Ok(include_str!("../../shell/complete.bash").to_owned()),
        CompletionShell::Zsh => "zsh",
        CompletionShell::Fish => "fish",
        CompletionShell::Pwsh => "powershell",
    };
    let shells = Shells::builtins();
    let completer = shells.completer(name).ok_or_else(|| Error::new(format!("no completer for {name}")))?;
    let mut script = Vec::new();
    completer.write_registration("COMPLETE", "stsenv", "stsenv", "stsenv", &mut script)?;
    let script = String::from_utf8_lossy(&script).into_owned();
    Ok(match shell {
        CompletionShell::Zsh => profiles_first(script),
        _ => script,
    })
}

/// zsh lists clap's options (they have descriptions) above the profile names; offer options
/// only once a `-` is typed (or when nothing else fits), as bash's order does in effect.
fn profiles_first(script: String) -> String {
    const CLAP: &str = "[[ -n $other ]] && _describe -V 'values' other";
    const OURS: &str = "local -a opts=(${(M)other:#-*}) vals=(${other:#-*})\n        \
        [[ -n $vals ]] && _describe -V 'values' vals\n        \
        [[ -n $opts && ( -z $vals || $PREFIX == -* ) ]] && _describe -V 'options' opts";
    script.replace(CLAP, OURS)
}
