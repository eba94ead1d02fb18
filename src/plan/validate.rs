//! Validation of what the profile files and the command line name, in one place: role ARNs,
//! role and session names, regions. Each check says what is wrong; callers add where.

use super::Mfa;
use crate::error::{Error, Result, q};
use crate::profile::Profiles;

pub(super) fn valid_region(region: &str) -> bool {
    !region.is_empty() && region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// STS needs a region that is a valid host label; say so before the SDK does, with the file.
pub(super) fn checked_region(profiles: &Profiles, profile: &str, region: Option<String>) -> Result<Option<String>> {
    match region {
        Some(r) if !valid_region(&r) => Err(Error::new(format!("invalid region {}", q(&r)))
            .profile(profile)
            .at(profiles.locate(profile, Some("region")))
            .hint("use a region name like ap-northeast-1")),
        region => Ok(region),
    }
}

pub fn check_role_arn(arn: &str) -> Result<()> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5].strip_prefix("role/").is_some_and(|path| {
            let name = path.rsplit('/').next().unwrap_or("");
            valid_role_name(name) && path.bytes().all(|b| b == b'/' || name_byte(b))
        });
    if ok { Ok(()) } else { Err(Error::new(format!("malformed role_arn {}", q(arn)))) }
}

pub(super) fn name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b)
}

pub(super) fn valid_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(name_byte)
}

pub(super) fn checked_session_name(name: &str) -> Result<String> {
    if (2..=64).contains(&name.len()) && name.bytes().all(name_byte) {
        return Ok(name.to_owned());
    }
    Err(Error::new(format!("invalid role session name {}", q(name)))
        .hint("use 2-64 characters from A-Z a-z 0-9 and +=,.@_-"))
}

/// An external ID as STS takes it: 2-1224 characters from `[\w+=,.@:/-]`.
pub(super) fn checked_external_id(id: &str) -> Result<String> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"_+=,.@:/-".contains(&b);
    if (2..=1224).contains(&id.len()) && id.bytes().all(allowed) {
        return Ok(id.to_owned());
    }
    Err(Error::new(format!("invalid external ID {}", q(id))).hint("use 2-1224 characters from A-Z a-z 0-9 and +=,.@:/_-"))
}

/// A session name that tells CloudTrail readers who it was: the IAM user named by the MFA
/// device, else the local user.
pub(super) fn default_session_name(mfa: Option<&Mfa>) -> String {
    let from_serial = mfa.and_then(|m| m.serial.rsplit_once(":mfa/")).map(|(_, user)| user.to_owned());
    let user = from_serial.or_else(|| std::env::var("USER").ok()).unwrap_or_default();
    let mut name: String = user.chars().map(|c| if c.is_ascii() && name_byte(c as u8) { c } else { '-' }).collect();
    name.truncate(64);
    if name.len() < 2 { "stsenv".to_owned() } else { name }
}
