//! An interactive shell in a pseudo-terminal, for the shell integration tests.

use super::*;
use rexpect::session::PtySession;

/// An interactive shell in a pseudo-terminal.
pub struct Shell {
    pub pty: PtySession,
    pub kind: &'static str,
    marks: u32,
}

impl Shell {
    pub fn start(home: &Home, kind: &'static str, env: &[(&str, &str)]) -> Shell {
        let mut cmd = home.command(shell_program(kind));
        match kind {
            "bash" => cmd.args(["--norc", "--noprofile", "-i"]),
            "zsh" => cmd.args(["-f", "-i"]),
            _ => cmd.args(["--no-config", "-i"]),
        };
        cmd.env("PS1", "PROMPT> ");
        if kind == "fish" {
            cmd.env("TERM", "dumb"); // fewer escape sequences to read through
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let pty = rexpect::session::spawn_command(cmd, Some(30_000)).unwrap();
        let mut shell = Shell { pty, kind, marks: 0 };
        match kind {
            // Builtins only, so that the fork count below is the hook's alone.
            "fish" => shell
                .run("function fish_prompt; echo -n 'PROMPT> '; end; function fish_title; end; set -g fish_greeting"),
            "zsh" => shell.run("PROMPT='PROMPT> '; unset RPROMPT"),
            _ => String::new(),
        };
        shell
    }

    /// Types `line`, then a marker whose printed form differs from its typed form, and
    /// returns everything up to the marker.
    pub fn run(&mut self, line: &str) -> String {
        self.pty.send_line(line).unwrap();
        self.sync()
    }

    pub fn sync(&mut self) -> String {
        self.marks += 1;
        let n = self.marks;
        let typed = match self.kind {
            "fish" => format!("echo @@MARK-(math {n} + 1000)@@"),
            _ => format!("echo @@MARK-$(({n} + 1000))@@"),
        };
        self.pty.send_line(&typed).unwrap();
        let (before, _) = self.pty.exp_regex(&format!("@@MARK-{}@@", n + 1000)).unwrap();
        before
    }

    pub fn init(&mut self) -> String {
        match self.kind {
            "fish" => self.run("stsenv init fish | source"),
            k => self.run(&format!("eval \"$(stsenv init {k})\"")),
        }
    }

    pub fn pid(&mut self) -> u32 {
        let out = self.run(if self.kind == "fish" { "echo PID=$fish_pid" } else { "echo PID=$$" });
        let start = out.rfind("PID=").unwrap_or_else(|| panic!("no PID in {out:?}")) + 4;
        out[start..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
    }
}

/// The last `KEY=<value>` printed in `text` (terminal escapes around it are skipped).
pub fn key(text: &str) -> String {
    let Some(start) = text.rfind("KEY=") else { return String::new() };
    text[start + 4..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '[' || *c == ']').collect()
}

// Interactive shells ignore SIGTERM, which is how rexpect stops them: exit instead.
impl Drop for Shell {
    fn drop(&mut self) {
        let _ = self.pty.send_line("exit");
        let _ = self.pty.exp_eof();
    }
}

/// A line that sets STSENV_EXPIRES_AT to `delta` seconds from now (the time taken here, so
/// shells with no clock builtin need none).
pub fn seconds_from_now(kind: &str, delta: i64) -> String {
    let at = now() + delta;
    match kind {
        "fish" => format!("set -gx STSENV_EXPIRES_AT {at}"),
        _ => format!("export STSENV_EXPIRES_AT={at}"),
    }
}
