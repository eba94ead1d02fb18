//! `stsenv profiles`: the profile names, one a line (for scripts and completions).

use crate::error::Result;
use crate::profile::{self, Profiles};

pub fn run() -> Result<()> {
    let profiles = Profiles::load(&profile::default_profile())?;
    let text: String = profiles.names().iter().map(|n| format!("{n}\n")).collect();
    super::write_stdout(&text)
}
