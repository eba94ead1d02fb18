//! Shell code for stdout. All shell syntax in the binary lives here; every value is quoted
//! by the target shell's own rules so that no value can run code when eval'd.

use crate::vars::{Changes, Op};
use clap::ValueEnum;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    /// bash for a direnv `.envrc`, plus `watch_file` so renewals reload direnv.
    Direnv,
}

impl Shell {
    /// The shell that will eval our output: the parent process (the `$(…)` subshell or the
    /// fish running `| source`), else `$SHELL`, else POSIX sh rules as bash.
    pub fn detect() -> Shell {
        // The shell functions of `stsenv init` say which shell they are, out of the user's argv.
        if let Some(shell) = std::env::var("STSENV_SHELL").ok().and_then(|s| Shell::from_str(&s, true).ok()) {
            return shell;
        }
        let parent = std::fs::read_to_string(format!("/proc/{}/comm", std::os::unix::process::parent_id()));
        let from_name = |name: &str| match name.trim().trim_start_matches('-').rsplit('/').next() {
            Some("zsh") => Some(Shell::Zsh),
            Some("fish") => Some(Shell::Fish),
            Some("bash" | "sh" | "dash") => Some(Shell::Bash),
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
        Shell::Fish => {
            for op in &changes.ops {
                out += &match op {
                    Op::Set(name, value) => format!("set -gx {name} {}\n", fish_quote(value)),
                    Op::Remove(name) => format!("set -e -g {name}\n"),
                    // A universal variable stays exported under any global: shadow it instead.
                    Op::Hide(name, Some(fallback)) => {
                        format!("set -e -g {name}; set -q {name}; and set -gx {name} {}\n", fish_quote(fallback))
                    }
                    Op::Hide(name, None) => format!("set -e -g {name}\n"),
                    Op::Restore(name, value) => {
                        format!("set -e -g {name}; set -q -U {name}; or set -gx {name} {}\n", fish_quote(value))
                    }
                };
            }
            // `set -e` of a missing variable leaves status 4 behind; end on success.
            out += "true\n";
        }
    }
    out
}

/// The credential_process contract (Version 1), also `--format json`.
pub fn credential_process_json(creds: &crate::creds::Credentials) -> String {
    let mut json = serde_json::json!({
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
    });
    if let Some(token) = &creds.session_token {
        json["SessionToken"] = token.clone().into();
    }
    if let Some(at) = creds.expires_at {
        json["Expiration"] = crate::creds::rfc3339(at).into();
    }
    format!("{json}\n")
}

/// POSIX single quotes, always: `'` becomes `'\''`. (shell-words' `quote` leaves `{a,b}`
/// and zsh's `^`/`=` globbing characters bare, which is not safe for eval.)
pub fn posix_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// fish single quotes: only `\\` and `\'` are escapes inside them.
pub fn fish_quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
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
