//! Running a command from the user's config (`mfa_process`, `credential_process`) the way the
//! AWS CLI (botocore) does: split into words like a shell would, no shell, stdin closed so it
//! cannot take ours, stderr on the terminal so its own prompts show; stdout is the answer.

use std::process::{Command, Stdio};

/// The command's stdout, or why it gave none: a sentence that follows the command's name.
pub fn run(command: &str, env: &[(&str, &str)]) -> Result<Vec<u8>, String> {
    let words = shell_words::split(command).map_err(|e| format!("cannot be parsed: {e}"))?;
    let Some((program, args)) = words.split_first() else { return Err("is empty".to_owned()) };
    let output = crate::secrets::for_child(&mut Command::new(program))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start: {e}"))?;
    if !output.status.success() {
        return Err(format!("failed ({})", output.status));
    }
    Ok(output.stdout)
}
