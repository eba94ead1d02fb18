//! `stsenv credential-process TARGET [assume options]`: the credential_process JSON (Version 1)
//! on stdout, for `credential_process = stsenv credential-process TARGET` in ~/.aws/config.

use crate::cli::AssumeArgs;
use crate::error::Result;

/// The SDKs refresh within 15 minutes of expiry (botocore's advisory window): credentials
/// handed out with less would be asked for again at once.
const MIN_LEFT: u32 = 15 * 60;

pub fn run(args: &AssumeArgs) -> Result<()> {
    let cache = crate::cache::Cache::open()?.at_least(MIN_LEFT);
    if let Some((_, got)) = super::remembered(&cache, &args.common) {
        return super::write_stdout(&crate::render::credential_process_json(&got.creds));
    }
    let (plan, profiles) = super::assume::plan(args, "credential-process")?;
    let common = &args.common;
    if common.dry_run {
        eprintln!("{plan}");
        return Ok(());
    }
    let got = super::obtain_for(&plan, common, &cache)?;
    super::remember(&cache, &plan, &profiles, &got, common);
    super::write_stdout(&crate::render::credential_process_json(&got.creds))
}
