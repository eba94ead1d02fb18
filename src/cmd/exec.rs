//! `stsenv exec TARGET [assume options] [--] COMMAND [ARGS…]`: obtain exactly as `assume`, then
//! replace stsenv with COMMAND (execve), so its exit status and signals are its own.
//! `--server` (`server.rs`) instead runs COMMAND as a child and serves it renewing credentials.

use crate::cli::ExecArgs;
use crate::error::{Error, Result, q};
use crate::vars::{Changes, Op};
use std::os::unix::process::CommandExt;
use std::process::Command;

/// Variables that would make an SDK in the child prefer something else, beyond those every
/// session hides (aws-vault's list).
pub const CLEARED: [&str; 2] = ["AWS_CREDENTIAL_FILE", "AWS_SDK_LOAD_CONFIG"];

pub fn run(args: &ExecArgs) -> Result<()> {
    let common = &args.assume.common;
    let (program, rest) = command(&args.command);
    let cache = crate::cache::Cache::open()?;
    if let Some((resolved, got)) = super::remembered(&cache, common) {
        return Err(exec(&program, rest, &super::remembered_changes(&resolved, &got)));
    }
    let (plan, profiles) = super::assume::plan(&args.assume, "exec")?;
    if common.dry_run {
        return super::dry_run(&plan);
    }
    let got = super::obtain_for(&plan, common, &cache)?;
    super::remember(&cache, &plan, &profiles, &got, common);
    Err(exec(&program, rest, &super::changes(&plan, &got, &profiles)?))
}

/// Replaces stsenv with the command; returns only when that failed.
fn exec(program: &str, args: &[String], changes: &Changes) -> Error {
    let mut child = Command::new(program);
    child.args(args);
    apply(changes, &mut child);
    exec_failed(program, crate::secrets::for_child(&mut child).exec())
}

/// COMMAND, or the user's shell.
pub fn command(words: &[String]) -> (String, &[String]) {
    match words.split_first() {
        Some((program, rest)) => (program.clone(), rest),
        None => (std::env::var("SHELL").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "/bin/sh".to_owned()), &[]),
    }
}

/// The session's variables on the child's environment; nothing saved for `unset` goes along.
pub fn apply(changes: &Changes, child: &mut Command) {
    for op in &changes.ops {
        match op {
            // A child's environment ends with it: there is nothing to restore later.
            Op::Set(name, _) if name.starts_with("STSENV_SAVED") => {}
            Op::Set(name, value) | Op::Restore(name, value) => {
                child.env(name, value);
            }
            Op::Remove(name) | Op::Hide(name, _) => {
                child.env_remove(name);
            }
        }
    }
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("STSENV_SAVED") {
            child.env_remove(name);
        }
    }
    // Only a credential_process of stsenv's passes the chain on; a nested exec starts afresh.
    child.env_remove(crate::source::process::CHAIN_VAR);
    for name in CLEARED {
        child.env_remove(name);
    }
}

/// What a shell says and returns when a command cannot run: 127 not found, 126 otherwise.
pub fn exec_failed(program: &str, err: std::io::Error) -> Error {
    let code = if err.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 };
    let why = if code == 127 { "command not found".to_owned() } else { err.to_string() };
    Error::new(format!("cannot run {}: {why}", q(program))).exit(code)
}
