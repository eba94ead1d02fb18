//! `stsenv assume TARGET`: a profile, a role ARN, or a role name in the source account.

use crate::cli::{AssumeArgs, AssumeCmd};
use crate::error::{Error, Result};
use crate::plan::{self, Plan, Request};
use crate::profile::{self, Profiles};

pub fn run(args: &AssumeCmd) -> Result<()> {
    if super::print_remembered(&args.assume.common, &args.output)? {
        return Ok(());
    }
    let (plan, profiles) = plan(&args.assume, "assume")?;
    super::deliver(&plan, &args.assume.common, &args.output, &profiles)
}

/// The plan for TARGET, shared by every command that takes assume's arguments.
pub fn plan(args: &AssumeArgs, verb: &str) -> Result<(Plan, Profiles)> {
    let Some(target) = args.target.clone() else {
        let profiles = Profiles::load(&profile::default_profile())?;
        let names = profiles.names();
        let list = if names.is_empty() { "(none yet: run `aws configure`)".to_owned() } else { names.join(" ") };
        return Err(
            Error::new(format!("which profile? stsenv {verb} PROFILE|ROLE_ARN|ROLE_NAME; profiles: {list}")).exit(2)
        );
    };
    guard_loop(&target)?;
    let source = args.source_profile.clone().unwrap_or_else(profile::default_profile);
    // The profile whose endpoint settings apply: the target's own, or for a role the source's.
    let is_role = args.role || target.starts_with("arn:");
    let mut profiles = Profiles::load(if is_role { &source } else { &target })?;
    if !is_role && profiles.get(&target).is_none() {
        profiles = Profiles::load(&source)?;
    }
    let common = &args.common;
    let request = Request {
        verb: "assume",
        target: target.clone(),
        as_role: args.role,
        source_profile: args.source_profile.clone(),
        serial_number: common.serial_number.clone(),
        duration: common.duration,
        session_name: args.session_name.clone(),
        external_id: args.external_id.clone(),
        region: common.region.clone(),
    };
    let plan = plan::assume(&profiles, &request)?;
    Ok((plan, profiles))
}

/// A credential_process that runs stsenv for a profile this chain is already resolving would
/// loop forever: the profiles being resolved travel to child processes in STSENV_RESOLVING.
fn guard_loop(target: &str) -> Result<()> {
    use crate::source::process::{CHAIN_VAR, in_chain};
    if in_chain(target) {
        let chain = std::env::var(CHAIN_VAR).unwrap_or_default();
        return Err(Error::new(format!(
            "its credential_process runs stsenv for it again (resolving: {chain} -> {target}); that would loop forever"
        ))
        .profile(target)
        .hint("make the credential_process of that chain end in a profile with its own credentials"));
    }
    let chain = match std::env::var(CHAIN_VAR) {
        Ok(chain) if !chain.is_empty() => format!("{chain} {target}"),
        _ => target.to_owned(),
    };
    // SAFETY: the process is single-threaded here (no runtime, no server thread yet).
    unsafe { std::env::set_var(CHAIN_VAR, chain) };
    Ok(())
}
