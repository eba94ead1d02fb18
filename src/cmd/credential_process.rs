//! `stsenv credential-process TARGET [assume options]`: the credential_process JSON (Version 1)
//! on stdout, for `credential_process = stsenv credential-process TARGET` in ~/.aws/config.

use crate::cli::CredentialProcessArgs;
use crate::error::Result;

/// The SDKs refresh within 15 minutes of expiry (botocore's advisory window): credentials
/// handed out with less would be asked for again at once.
const MIN_LEFT: u32 = 15 * 60;

pub fn run(args: &CredentialProcessArgs) -> Result<()> {
    if let Some(name) = &args.write_config {
        return write_config(args, name);
    }
    let args = &args.assume;
    let cache = crate::cache::Cache::open()?.at_least(MIN_LEFT);
    if let Some((_, got)) = super::remembered(&cache, &args.common) {
        return super::write_stdout(&crate::render::credential_process_json(&got.creds));
    }
    let (plan, profiles) = super::assume::plan(args, "credential-process")?;
    let common = &args.common;
    if common.dry_run {
        return super::dry_run(&plan);
    }
    let got = super::obtain_for(&plan, common, &cache)?;
    super::remember(&cache, &plan, &profiles, &got, common);
    super::write_stdout(&crate::render::credential_process_json(&got.creds))
}

/// `credential_process = …`: this stsenv by its full path, then `ARGS` (the target last).
pub fn command_line(args: impl IntoIterator<Item = String>) -> Result<String> {
    let exe = std::env::current_exe()?;
    let words = [exe.to_string_lossy().into_owned(), "credential-process".to_owned()].into_iter().chain(args);
    Ok(shell_words::join(words))
}

/// `--write-config NAME`: the one-line profile that runs stsenv for TARGET, by its full path
/// (IDEs started from a desktop often lack ~/.cargo/bin in PATH).
fn write_config(args: &CredentialProcessArgs, name: &str) -> Result<()> {
    let (plan, profiles) = super::assume::plan(&args.assume, "credential-process")?;
    let command = command_line(plan.request.words().into_iter().skip(1))?;
    // The target's region and output go along, or the AWS CLI asks for a region.
    let region = args.assume.common.region.clone().or_else(|| plan.chain_value(&profiles, "region"));
    let output = plan.chain_value(&profiles, "output");
    let settings: Vec<(&str, String)> =
        [("region", region), ("output", output)].into_iter().filter_map(|(k, v)| Some((k, v?))).collect();
    let cache = crate::cache::Cache::open()?;
    crate::credentials_file::write_credential_process(&profiles.config_file, name, &command, &settings, &cache)?;
    let extra: String = settings.iter().map(|(k, v)| format!(", {k} = {v}")).collect();
    eprintln!(
        "stsenv: wrote [profile {name}] to {}: credential_process = {command}{extra}",
        profiles.config_file.display()
    );
    Ok(())
}
