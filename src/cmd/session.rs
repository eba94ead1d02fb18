//! `stsenv session [PROFILE]`: GetSessionToken with MFA for an IAM user's long-term keys.

use crate::cli::SessionArgs;
use crate::error::Result;
use crate::plan::{self, Request};
use crate::profile::{self, Profiles};

pub fn run(args: &SessionArgs) -> Result<()> {
    if super::print_remembered(&args.common, &args.output)? {
        return Ok(());
    }
    let name = args.profile.clone().unwrap_or_else(profile::default_profile);
    let profiles = Profiles::load(&name)?;
    let common = &args.common;
    let request = Request {
        verb: "session",
        target: name,
        serial_number: common.serial_number.clone(),
        duration: common.duration,
        region: common.region.clone(),
        ..Request::default()
    };
    let plan = plan::session(&profiles, &request)?;
    super::deliver(&plan, common, &args.output, &profiles)
}
