//! `stsenv profiles`: the profile names, one a line (for scripts and completions).

use crate::error::Result;
use crate::profile;

pub fn run() -> Result<()> {
    let text: String = profile::names_remembered()?.iter().map(|n| format!("{n}\n")).collect();
    super::write_stdout(&text)
}
