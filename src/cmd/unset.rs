//! `stsenv unset`: shell code that removes what `assume` set.

use crate::error::Result;
use crate::cli::ShellArg;
use crate::vars;
use std::io::IsTerminal;

pub fn run(output: &ShellArg) -> Result<()> {
    if std::io::stdout().is_terminal() {
        return Err(super::not_evaluated("unset"));
    }
    let changes = vars::clear(&vars::real_env);
    if changes.is_empty() {
        eprintln!("stsenv: no stsenv session in this shell; nothing to unset");
    }
    super::print(output, &changes)
}
