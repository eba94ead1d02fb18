//! `stsenv unset`: shell code that removes what `assume` set.

use crate::error::Result;
use crate::render::Shell;
use crate::vars;
use std::io::IsTerminal;

pub fn run(shell: Shell) -> Result<()> {
    if std::io::stdout().is_terminal() {
        return Err(super::not_evaluated("unset"));
    }
    let changes = vars::clear(&vars::real_env);
    if changes.is_empty() {
        eprintln!("stsenv: no stsenv session in this shell; nothing to unset");
    }
    super::print(shell, &changes)
}
