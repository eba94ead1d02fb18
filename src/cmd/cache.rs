//! `stsenv cache list|clear`.

use crate::cache::Cache;
use crate::cli::CacheAction;
use crate::duration::human;
use crate::error::Result;

pub fn run(action: &CacheAction) -> Result<()> {
    let cache = Cache::open()?;
    match action {
        CacheAction::List => {
            let mut text = String::new();
            for (path, entry) in cache.entries() {
                let left = entry.creds.seconds_left().unwrap_or(0);
                let state = if left > 0 { format!("{} left", human(left as u32)) } else { "expired".to_owned() };
                let name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
                text += &format!("{}\t{}\t{state}\t{name}\n", entry.profile.escape_debug(), entry.what.escape_debug());
            }
            super::write_stdout(&text)
        }
        CacheAction::Clear { profile } => {
            let removed = cache.clear(profile.as_deref())?;
            eprintln!("stsenv: removed {removed} cached credential(s) from {}", cache.dir().display());
            Ok(())
        }
    }
}
