//! Shell code (and the data formats) for stdout. All shell syntax in the binary lives here;
//! every value is quoted by the target's own rules so that no value can run code when eval'd
//! and every value reads back byte for byte.

use crate::vars::{Changes, Op};
use clap::ValueEnum;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    /// bash for a direnv `.envrc`, plus `watch_file` so renewals reload direnv.
    Direnv,
    /// PowerShell, for `Invoke-Expression`.
    Pwsh,
    /// nushell, which has no eval: JSON that `stsenv init nu`'s wrapper applies.
    Nu,
    /// `NAME=value` lines for `docker run --env-file` and python-dotenv (`--format dotenv`).
    #[value(skip)]
    Dotenv,
    /// The credential_process JSON (`--format json`).
    #[value(skip)]
    Json,
}

impl Shell {
    /// The shell that will eval our output: the parent process (the `$(…)` subshell or the
    /// fish running `| source`), else `$SHELL`, else POSIX sh rules as bash.
    pub fn detect() -> Shell {
        // Once a process: main asks for the failure text, the command for its output.
        static DETECTED: std::sync::OnceLock<Shell> = std::sync::OnceLock::new();
        *DETECTED.get_or_init(Shell::detect_now)
    }

    fn detect_now() -> Shell {
        // The shell functions of `stsenv init` say which shell they are, out of the user's argv.
        if let Some(shell) = std::env::var("STSENV_SHELL").ok().and_then(|s| Shell::from_str(&s, true).ok()) {
            return shell;
        }
        let parent = std::fs::read_to_string(format!("/proc/{}/comm", std::os::unix::process::parent_id()));
        let from_name = |name: &str| match name.trim().trim_start_matches('-').rsplit('/').next() {
            Some("zsh") => Some(Shell::Zsh),
            Some("fish") => Some(Shell::Fish),
            Some("bash" | "sh" | "dash") => Some(Shell::Bash),
            Some("pwsh" | "powershell") => Some(Shell::Pwsh),
            Some("nu") => Some(Shell::Nu),
            _ => None,
        };
        parent
            .ok()
            .and_then(|name| from_name(&name))
            .or_else(|| std::env::var("SHELL").ok().and_then(|s| from_name(&s)))
            .unwrap_or(Shell::Bash)
    }
}

/// What a failed command prints, so that `eval "$(stsenv …)"` fails as well.
pub const FAILURE: &str = "false\n";

impl Shell {
    /// What a failed command prints for this target: code that fails when run, or nothing
    /// for the data formats (their readers see the exit status).
    pub fn failure(self) -> &'static str {
        match self {
            Shell::Bash | Shell::Zsh | Shell::Fish | Shell::Direnv => FAILURE,
            Shell::Pwsh => "throw 'stsenv failed'\n",
            Shell::Nu | Shell::Dotenv | Shell::Json => "",
        }
    }

    /// The target named on the command line (`--shell X`, `--format X`), else the detected
    /// one: for the failure text, before (or without) a successful parse.
    pub fn from_args(args: &[String]) -> Shell {
        let mut words = args.iter();
        while let Some(word) = words.next() {
            let (flag, value) = match word.split_once('=') {
                Some((flag, value)) => (flag, Some(value.to_owned())),
                None => (word.as_str(), None),
            };
            let value = || value.clone().or_else(|| words.clone().next().cloned()).unwrap_or_default();
            match flag {
                "--shell" => return Shell::from_str(&value(), true).unwrap_or_else(|_| Shell::detect()),
                "--format" => return Format::from_str(&value(), true).map_or_else(|_| Shell::detect(), Format::target),
                "--" => break,
                _ => {}
            }
        }
        Shell::detect()
    }
}

/// `--format`: data instead of shell code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Dotenv,
    Json,
}

impl Format {
    pub fn target(self) -> Shell {
        match self {
            Format::Dotenv => Shell::Dotenv,
            Format::Json => Shell::Json,
        }
    }
}

pub fn render(shell: Shell, changes: &Changes) -> String {
    let mut out = String::new();
    match shell {
        Shell::Bash | Shell::Zsh | Shell::Direnv => {
            // Consecutive removals on one `unset` line.
            let mut removing = Vec::new();
            for op in &changes.ops {
                match op {
                    Op::Remove(name) | Op::Hide(name, _) => removing.push(name.as_str()),
                    Op::Set(name, value) | Op::Restore(name, value) => {
                        if !removing.is_empty() {
                            out += &format!("unset {}\n", removing.join(" "));
                            removing.clear();
                        }
                        out += &format!("export {name}={}\n", posix_quote(value));
                    }
                }
            }
            if !removing.is_empty() {
                out += &format!("unset {}\n", removing.join(" "));
            }
            if let (Shell::Direnv, Some(path)) = (shell, &changes.watch) {
                out += &format!("watch_file {}\n", posix_quote(&path.to_string_lossy()));
            }
        }
        Shell::Pwsh => {
            for op in &changes.ops {
                out += &match op {
                    Op::Set(name, value) | Op::Restore(name, value) => format!("$env:{name} = {}\n", pwsh_quote(value)),
                    Op::Remove(name) | Op::Hide(name, _) => {
                        format!("Remove-Item -ErrorAction SilentlyContinue Env:{name}\n")
                    }
                };
            }
        }
        Shell::Nu => {
            let mut set = serde_json::Map::new();
            let mut unset = Vec::new();
            for op in &changes.ops {
                match op {
                    Op::Set(name, value) | Op::Restore(name, value) => {
                        set.insert(name.clone(), value.clone().into());
                    }
                    Op::Remove(name) | Op::Hide(name, _) => unset.push(name.clone()),
                }
            }
            out += &serde_json::json!({ "unset": unset, "set": set }).to_string();
            out.push('\n');
        }
        // Only the AWS variables: a file for another program carries no session bookkeeping.
        Shell::Dotenv => {
            for op in &changes.ops {
                if let Op::Set(name, value) = op
                    && name.starts_with("AWS_")
                {
                    out += &format!("{name}={}\n", dotenv_quote(value));
                }
            }
        }
        Shell::Json => {
            let get = |want: &str| {
                changes.ops.iter().find_map(|op| match op {
                    Op::Set(name, value) if name == want => Some(value.clone()),
                    _ => None,
                })
            };
            out += &process_json(
                &get("AWS_ACCESS_KEY_ID").unwrap_or_default(),
                &get("AWS_SECRET_ACCESS_KEY").unwrap_or_default(),
                get("AWS_SESSION_TOKEN"),
                get("AWS_CREDENTIAL_EXPIRATION"),
            );
        }
        // One line, so that fish's `eval (stsenv assume X)` (which joins the lines of a command
        // substitution with spaces) runs it as well as `| source` does.
        Shell::Fish => {
            let mut commands: Vec<String> = changes
                .ops
                .iter()
                .map(|op| match op {
                    Op::Set(name, value) => format!("set -gx {name} {}", fish_quote(value)),
                    Op::Remove(name) => format!("set -e -g {name}"),
                    // A universal variable stays exported under any global: shadow it instead.
                    Op::Hide(name, Some(fallback)) => {
                        format!("set -e -g {name}; set -q {name}; and set -gx {name} {}", fish_quote(fallback))
                    }
                    Op::Hide(name, None) => format!("set -e -g {name}"),
                    Op::Restore(name, value) => {
                        format!("set -e -g {name}; set -q -U {name}; or set -gx {name} {}", fish_quote(value))
                    }
                })
                .collect();
            // `set -e` of a missing variable leaves status 4 behind; end on success.
            commands.push("true".to_owned());
            out += &commands.join("; ");
            out.push('\n');
        }
    }
    out
}

/// Values a format cannot hold so that every reader gets them back: checked before anything
/// is printed. Shell code holds any value; a dotenv file no line break (docker's
/// `--env-file` reads line by line) and no `${…}` (python-dotenv expands it even in single
/// quotes, and has no escape for it).
pub fn check(shell: Shell, changes: &Changes) -> crate::error::Result<()> {
    if shell != Shell::Dotenv {
        return Ok(());
    }
    for op in &changes.ops {
        if let Op::Set(name, value) = op
            && name.starts_with("AWS_")
        {
            let expands = value.split("${").skip(1).any(|rest| rest.contains('}'));
            if value.contains(['\n', '\r', '\0']) || expands {
                let what = if expands { "a ${…} that dotenv readers expand" } else { "a line break" };
                return Err(crate::error::Error::new(format!(
                    "{name} holds {what}: no dotenv file can give it back as it is"
                ))
                .hint("use --shell (any shell's code holds every value) or --format json"));
            }
        }
    }
    Ok(())
}

/// The credential_process contract (Version 1), also `--format json`.
pub fn credential_process_json(creds: &crate::creds::Credentials) -> String {
    let expiration = creds.expires_at.map(crate::creds::rfc3339);
    process_json(&creds.access_key_id, &creds.secret_access_key, creds.session_token.clone(), expiration)
}

fn process_json(id: &str, secret: &str, token: Option<String>, expiration: Option<String>) -> String {
    let mut json = serde_json::json!({ "Version": 1, "AccessKeyId": id, "SecretAccessKey": secret });
    if let Some(token) = token {
        json["SessionToken"] = token.into();
    }
    if let Some(at) = expiration {
        json["Expiration"] = at.into();
    }
    format!("{json}\n")
}

/// POSIX single quotes, always: `'` becomes `'\''`. (shell-words' `quote` leaves `{a,b}`
/// and zsh's `^`/`=` globbing characters bare, which is not safe for eval.)
pub fn posix_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// PowerShell single quotes: verbatim, with a quote written twice. The tokenizer takes
/// U+2018–U+201B as single quotes too, so each of those is doubled as well.
pub fn pwsh_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// dotenv: plain when the value needs nothing (so docker's `--env-file`, which takes values
/// literally, reads it too), else single quotes, inside which python-dotenv unescapes only
/// `\\` and `\'` and never interpolates.
pub fn dotenv_quote(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/+=_-.:,@".contains(c);
    if !value.is_empty() && value.chars().all(plain) {
        return value.to_owned();
    }
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
}

/// fish single quotes: only `\\` and `\'` are escapes inside them. A line break is written
/// as `\n` between quoted pieces, so the code stays on one line.
pub fn fish_quote(value: &str) -> String {
    let quoted: Vec<String> =
        value.split('\n').map(|piece| format!("'{}'", piece.replace('\\', r"\\").replace('\'', r"\'"))).collect();
    quoted.join("\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes() {
        assert_eq!(posix_quote("a'b"), r"'a'\''b'");
        assert_eq!(posix_quote(""), "''");
        assert_eq!(fish_quote(r"a\'b"), r"'a\\\'b'");
    }
}
