//! Quoting is proven, not sampled (issue 8): thousands of generated values — quotes of every
//! kind, `$`, backticks, backslashes, newlines, control characters, non-ASCII, very long —
//! through the real renderer and `eval`/`source` in real bash, zsh and fish; each comes back
//! byte for byte (read from the exported environment with `env -0`) and nothing runs.

mod common;

use common::*;
use stsenv::render::{Shell, render};
use stsenv::vars::{Changes, Op};

/// xorshift64*: the same values on every run, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pieces values are built from: everything a shell might treat specially.
const PIECES: &[&str] = &[
    "'",
    "\"",
    "`",
    "$",
    "\\",
    "\n",
    "\r",
    "\t",
    " ",
    "$(touch pwned)",
    "`touch pwned`",
    "${HOME}",
    "$HOME",
    "\\'",
    "'\\''",
    "{a,b}",
    "*",
    "?",
    "[a]",
    "~",
    "!",
    "!!",
    "^",
    "#",
    ";",
    "&",
    "|",
    "<",
    ">",
    "(",
    ")",
    "%",
    "=",
    "\u{1}",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{1f}",
    "é",
    "日本語",
    "🙂",
    "\u{2018}",
    "\u{2019}",
    "\u{201a}",
    "\u{201b}",
    "\u{a0}",
    "\u{202e}",
    "AKIA",
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCY==",
    "-",
    "--",
    "-e",
    "end",
    "set",
    "\\n",
    "\\x41",
];

fn values(count: usize) -> Vec<String> {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    (0..count)
        .map(|i| {
            let pieces = match i % 50 {
                0 => 0,     // the empty string
                1 => 2_000, // very long
                _ => rng.below(12) + 1,
            };
            (0..pieces).map(|_| PIECES[rng.below(PIECES.len())]).collect()
        })
        .collect()
}

#[test]
fn generated_values_eval_to_themselves_in_bash_zsh_and_fish() {
    let values = values(2_000);
    let home = Home::seeds("http://127.0.0.1:9");
    for (kind, shell) in [("bash", Shell::Bash), ("zsh", Shell::Zsh), ("fish", Shell::Fish)] {
        let changes = Changes {
            ops: values.iter().enumerate().map(|(i, v)| Op::Set(format!("STSENV_Q_{i}"), v.clone())).collect(),
            watch: None,
        };
        let script = home.path().join(format!("quoted.{kind}"));
        std::fs::write(&script, render(shell, &changes) + "env -0\n").unwrap();
        let mut cmd = home.command(shell_program(kind));
        match kind {
            "zsh" => cmd.arg("-f"),
            "fish" => cmd.arg("--no-config"),
            _ => cmd.arg("--norc"),
        };
        let out = cmd.arg(&script).output().unwrap();
        assert!(out.status.success(), "{kind}: {}", text(&out.stderr));
        let mut seen = vec![None; values.len()];
        for entry in out.stdout.split(|b| *b == 0) {
            let entry = String::from_utf8_lossy(entry);
            if let Some((name, value)) = entry.split_once('=')
                && let Some(i) = name.strip_prefix("STSENV_Q_").and_then(|n| n.parse::<usize>().ok())
            {
                seen[i] = Some(value.to_owned());
            }
        }
        for (i, value) in values.iter().enumerate() {
            assert_eq!(seen[i].as_deref(), Some(value.as_str()), "{kind}: value {i} came back changed");
        }
        assert!(!home.path().join("pwned").exists(), "{kind}: a value ran as code");
    }
}
