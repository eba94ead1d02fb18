//! `stsenv unset`: shell code that removes what `assume` set.

use crate::error::Result;
use crate::render::Shell;
use crate::vars;

pub fn run(shell: Shell) -> Result<()> {
    let changes = vars::clear(&vars::real_env);
    if changes.is_empty() {
        eprintln!("stsenv: no stsenv session in this shell; nothing to unset");
    }
    super::print(shell, &changes)
}
