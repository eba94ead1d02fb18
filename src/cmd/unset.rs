//! `stsenv unset`: shell code that removes what `assume` set.

use crate::error::Result;
use crate::render::Shell;
use crate::vars;

pub fn run(shell: Shell) -> Result<()> {
    super::print(shell, &vars::clear())
}
