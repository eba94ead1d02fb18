//! The chain walk, as the AWS CLI does it: from a profile down its `source_profile` links
//! to a base source (`source::of_profile`), with one AssumeRole step per role hop. No I/O.

use super::validate::{check_role_arn, checked_external_id, checked_session_name, default_session_name};
use super::{AssumeRole, Mfa, Request, Role, Step};
use crate::duration::{self, ASSUME_ROLE};
use crate::error::{Error, Result, q};
use crate::profile::{self, Profiles, value};
use crate::source::web_identity::WebIdentity;
use crate::source::{self, Source};

/// A role ARN or name assumed with `--source-profile` (default: AWS_PROFILE, else `default`).
/// The profile used is written into `req`: renew asks on the same one, though AWS_PROFILE may
/// be another by then (what the first assume replaced, put back at expiry).
pub(super) fn role_on_source(profiles: &Profiles, req: &mut Request, role: Role) -> Result<(Source, Vec<Step>)> {
    let source_name = req.source_profile.clone().unwrap_or_else(profile::default_profile);
    if profiles.get(&source_name).is_none()
        && req.source_profile.is_none()
        && let Some(web) = WebIdentity::from_env()
    {
        // In EKS or CI with no profile files: the environment's web identity is the source.
        let session_name = req.session_name.clone().unwrap_or_else(|| default_session_name(None));
        let step = AssumeRole {
            profile: None,
            role,
            session_name,
            external_id: None,
            duration: None,
            mfa: None,
            narrowing: Default::default(),
        };
        return Ok((Source::WebIdentity(web), vec![Step::AssumeRole(step)]));
    }
    if profiles.get(&source_name).is_none() {
        let what = match &role {
            Role::Name(name) => format!("{} is not a profile, so it was taken as a role name, but", q(name)),
            Role::Arn(_) => "the role's".to_owned(),
        };
        return Err(Error::new(format!("{what} source profile {} does not exist", q(&source_name)))
            .hint("name one with --source-profile, or set AWS_PROFILE"));
    }
    let (source, mut steps) = chain(profiles, &source_name, &mut Vec::new())?;
    // The source's mfa_serial guards its keys; when the source is itself a role, its own
    // step used the device already and the role on top is assumed with that role's session.
    let serial = req.serial_number.clone().or_else(|| {
        let device = profiles.get(&source_name).and_then(|p| value(p, "mfa_serial")).map(str::to_owned);
        device.filter(|_| steps.is_empty())
    });
    let mfa = serial.map(|serial| Mfa::new(profiles, &source_name, &serial));
    steps.push(Step::AssumeRole(AssumeRole {
        profile: None,
        session_name: default_session_name(mfa.as_ref()),
        role,
        external_id: None,
        duration: None,
        mfa,
        narrowing: Default::default(),
    }));
    req.source_profile = Some(source_name);
    Ok((source, steps))
}

/// Walks `source_profile` links down to the keys, like the AWS CLI. `seen` catches cycles.
pub(super) fn chain(profiles: &Profiles, name: &str, seen: &mut Vec<String>) -> Result<(Source, Vec<Step>)> {
    if seen.iter().any(|s| s == name) {
        seen.push(name.to_owned());
        return Err(Error::new(format!("source_profile cycle: {}", seen.join(" -> ")))
            .profile(&seen[0])
            .at(profiles.locate(name, Some("source_profile")))
            .hint("make the chain end in a profile with aws_access_key_id"));
    }
    seen.push(name.to_owned());
    let Some(p) = profiles.get(name) else {
        return Err(profile::unknown(profiles, name));
    };
    // The SDKs' rule: in a profile reached as another's source_profile, static keys win
    // over its own role_arn (the chain stops there).
    let is_source = seen.len() > 1;
    let Some(role_arn) = value(p, "role_arn").filter(|_| !(is_source && source::keys::present(p))) else {
        return Ok((source::of_profile(profiles, name, p, is_source)?, Vec::new()));
    };
    check_role_arn(role_arn).map_err(|e| e.profile(name).at(profiles.locate(name, Some("role_arn"))))?;
    if let Some(token_file) = value(p, "web_identity_token_file") {
        let session_name = match value(p, "role_session_name") {
            Some(n) => checked_session_name(n)
                .map_err(|e| e.profile(name).at(profiles.locate(name, Some("role_session_name"))))?,
            None => default_session_name(None),
        };
        let web = WebIdentity {
            profile: Some(name.to_owned()),
            role_arn: role_arn.to_owned(),
            token_file: token_file.to_owned(),
            session_name,
        };
        return Ok((Source::WebIdentity(web), Vec::new()));
    }

    let (source, mut steps) = match (value(p, "source_profile"), value(p, "credential_source")) {
        (Some(_), Some(_)) => {
            return Err(Error::new("it has both source_profile and credential_source; the AWS SDKs reject that")
                .profile(name)
                .at(profiles.locate(name, Some("credential_source")))
                .hint("keep one of them"));
        }
        // A profile may hold its own keys and name itself as source, as the AWS CLI allows;
        // without keys that is a loop like any other.
        (Some(src), _) if src == name && source::keys::present(p) => {
            (source::keys::resolve(profiles, name)?, Vec::new())
        }
        (Some(src), _) if src == name => {
            return Err(Error::new(format!(
                "source_profile cycle: {name} -> {name} (it names itself and has no keys)"
            ))
            .profile(&seen[0])
            .at(profiles.locate(name, Some("source_profile")))
            .hint("make the chain end in a profile with aws_access_key_id"));
        }
        (Some(src), _) => {
            if profiles.get(src).is_none() {
                return Err(Error::new(format!("its source_profile {} does not exist", q(src)))
                    .profile(name)
                    .at(profiles.locate(name, Some("source_profile")))
                    .hint(format!("add [{src}] with aws_access_key_id to {}", profiles.credentials_file.display())));
            }
            chain(profiles, src, seen).map_err(|e| e.profile(name))?
        }
        (None, Some(cs)) => (source::of_credential_source(profiles, name, cs)?, Vec::new()),
        (None, None) => {
            return Err(Error::new("it has role_arn but no source_profile or credential_source")
                .profile(name)
                .at(profiles.locate(name, None))
                .hint("add source_profile = <profile with your IAM user's keys>"));
        }
    };

    let duration = match value(p, "duration_seconds") {
        Some(text) => Some(
            text.parse::<u32>()
                .map_err(|_| Error::new(format!("duration_seconds {} is not a number of seconds", q(text))))
                .and_then(|d| duration::check(d, ASSUME_ROLE, "AssumeRole"))
                .map_err(|e| e.profile(name).at(profiles.locate(name, Some("duration_seconds"))))?,
        ),
        None => None,
    };
    let mfa = value(p, "mfa_serial").map(|serial| Mfa::new(profiles, name, serial));
    let session_name = match value(p, "role_session_name") {
        Some(n) => {
            checked_session_name(n).map_err(|e| e.profile(name).at(profiles.locate(name, Some("role_session_name"))))?
        }
        None => default_session_name(mfa.as_ref()),
    };
    steps.push(Step::AssumeRole(AssumeRole {
        profile: Some(name.to_owned()),
        role: Role::Arn(role_arn.to_owned()),
        session_name,
        external_id: value(p, "external_id")
            .map(|id| checked_external_id(id).map_err(|e| e.profile(name).at(profiles.locate(name, Some("external_id")))))
            .transpose()?,
        duration,
        mfa,
        narrowing: Box::new(super::Narrowing::of_profile(profiles, name, p)?),
    }));
    Ok((source, steps))
}
