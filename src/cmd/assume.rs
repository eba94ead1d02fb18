//! `stsenv assume TARGET`: a profile, a role ARN, or a role name in the source account.

use crate::cli::AssumeArgs;
use crate::error::{Error, Result};
use crate::plan::{self, Request};
use crate::profile::{self, Profiles};

pub fn run(args: &AssumeArgs) -> Result<()> {
    let Some(target) = args.target.clone() else {
        let profiles = Profiles::load(&profile::default_profile())?;
        let names = profiles.names();
        let list = if names.is_empty() { "(none yet: run `aws configure`)".to_owned() } else { names.join(" ") };
        return Err(Error::new(format!("which profile? stsenv assume PROFILE|ROLE_ARN|ROLE_NAME; profiles: {list}")).exit(2));
    };
    let source = args.source_profile.clone().unwrap_or_else(profile::default_profile);
    // The profile whose endpoint settings apply: the target's own, or for a role the source's.
    let is_role = args.role || target.starts_with("arn:");
    let mut profiles = Profiles::load(if is_role { &source } else { &target })?;
    if !is_role && profiles.get(&target).is_none() {
        profiles = Profiles::load(&source)?;
    }
    let common = &args.common;
    let request = Request {
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
    super::deliver(&plan, common, &profiles)
}
