//! Profile resolution: from what the user asked for to a plan — where the source credentials
//! come from, then each STS call in order. Nothing here touches the network.

use crate::client::Endpoint;
use crate::duration::{self, ASSUME_ROLE, CHAINED_MAX, SESSION_TOKEN};
use crate::error::{Error, Result, q};
use crate::profile::{self, Profiles, value};
use crate::source::web_identity::WebIdentity;
use crate::source::{self, Source};
use std::fmt;

mod chain;
mod narrow;
mod validate;

pub use narrow::{Asked, Narrowing, policy as read_policy, tag as parse_tag};

use chain::{chain, role_on_source};
pub use validate::check_role_arn;
use validate::{checked_external_id, checked_region, checked_session_name, valid_region, valid_role_name};

/// How long the shared MFA session (GetSessionToken) lives.
pub const MFA_SESSION_SECONDS: u32 = 43_200;

/// What the user asked for, from the command line.
#[derive(Default, Debug, Clone)]
pub struct Request {
    /// `assume` or `session`.
    pub verb: &'static str,
    pub target: String,
    /// TARGET is a role name even if a profile has that name (`--role`).
    pub as_role: bool,
    pub source_profile: Option<String>,
    pub serial_number: Option<String>,
    pub duration: Option<u32>,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    pub region: Option<String>,
    /// TARGET is ACCOUNT/ROLE of this `[sso-session]` (`--sso-session`).
    pub sso_session: Option<String>,
    /// TARGET was chosen in the picker: the command line does not name it, so what it
    /// resolved to is never remembered under that command line.
    pub picked: bool,
    /// Session policies, tags and source identity for the role TARGET names.
    pub narrow: Asked,
    /// Export AWS_PROFILE (a profile whose credential_process is stsenv) instead of keys.
    pub profile_env: bool,
}

impl Request {
    /// The words that ask for this again (no MFA code: that is one-time), for `stsenv renew`.
    pub fn words(&self) -> Vec<String> {
        let mut words = vec![self.verb.to_owned(), "--".to_owned(), self.target.clone()];
        let options = [
            ("--source-profile", &self.source_profile),
            ("--serial-number", &self.serial_number),
            ("--session-name", &self.session_name),
            ("--external-id", &self.external_id),
            ("--region", &self.region),
            ("--sso-session", &self.sso_session),
        ];
        let mut flags = Vec::new();
        if self.as_role {
            flags.push("--role".to_owned());
        }
        for (flag, value) in options {
            if let Some(value) = value {
                flags.extend([flag.to_owned(), value.clone()]);
            }
        }
        if let Some(d) = self.duration {
            flags.extend(["--duration".to_owned(), d.to_string()]);
        }
        flags.extend(Narrowing::words(&self.narrow));
        if self.profile_env {
            flags.push("--profile-env".to_owned());
        }
        words.splice(1..1, flags);
        words
    }
}

#[derive(Debug)]
pub struct Plan {
    /// What was assumed, as the user named it (`STSENV_PROFILE`).
    pub label: String,
    pub source: Source,
    pub steps: Vec<Step>,
    pub region: Option<String>,
    pub endpoint: Endpoint,
    /// Things worth telling the user before running the plan.
    pub notes: Vec<String>,
    /// What was asked, to renew it the same way.
    pub request: Request,
    /// TARGET was not a profile and was taken as a role name: what to say if STS denies it.
    pub not_a_profile: Option<NotAProfile>,
}

#[derive(Debug, Clone)]
pub struct NotAProfile {
    pub files: String,
    pub similar: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Step {
    SessionToken { duration: u32, mfa: Option<Mfa> },
    AssumeRole(AssumeRole),
}

#[derive(Debug, Clone)]
pub struct AssumeRole {
    pub profile: Option<String>,
    pub role: Role,
    pub session_name: String,
    pub external_id: Option<String>,
    pub duration: Option<u32>,
    pub mfa: Option<Mfa>,
    /// Session policies, tags, source identity (its profile's, and the command line's for
    /// the last step).
    pub narrowing: Box<Narrowing>,
}

#[derive(Debug, Clone)]
pub enum Role {
    Arn(String),
    /// A bare role name, taken in the account of the credentials it is assumed with.
    Name(String),
}

#[derive(Debug, Clone)]
pub struct Mfa {
    pub serial: String,
    /// The profile that names the device, for messages and its `mfa_process`.
    pub profile: String,
    pub process: Option<String>,
}

impl Mfa {
    /// The device `serial`, named for `profile`, with that profile's `mfa_process`.
    fn new(profiles: &Profiles, profile: &str, serial: &str) -> Mfa {
        Mfa {
            serial: serial.to_owned(),
            profile: profile.to_owned(),
            process: profiles.get(profile).and_then(|p| value(p, "mfa_process")).map(str::to_owned),
        }
    }
}

impl Step {
    pub fn mfa(&self) -> Option<&Mfa> {
        match self {
            Step::SessionToken { mfa, .. } => mfa.as_ref(),
            Step::AssumeRole(assume) => assume.mfa.as_ref(),
        }
    }

    /// Everything that changes the credentials this step returns, for the cache key.
    pub fn fingerprint(&self) -> String {
        let serial = self.mfa().map_or("", |m| &m.serial);
        match self {
            Step::SessionToken { duration, .. } => format!("session|{duration}|{serial}"),
            Step::AssumeRole(a) => {
                let role = match &a.role {
                    Role::Arn(arn) => format!("arn={arn}"),
                    Role::Name(name) => format!("name={name}"),
                };
                let external_id = a.external_id.as_deref().unwrap_or("");
                let duration = a.duration.map_or(String::new(), |d| d.to_string());
                let narrowed = a.narrowing.fingerprint();
                format!("assume|{role}|{}|{external_id}|{duration}|{serial}{narrowed}", a.session_name)
            }
        }
    }
}

/// Plans `stsenv assume TARGET`: a profile, a role ARN, or a bare role name.
pub fn assume(profiles: &Profiles, req: &Request) -> Result<Plan> {
    let web_identity_role = req.target.starts_with("arn:") && WebIdentity::from_env().is_some();
    if let Some(err) = profiles.no_files().filter(|_| !web_identity_role) {
        return Err(err);
    }
    let target = req.target.as_str();
    let mut not_a_profile = None;
    let mut request = req.clone();
    let (source, mut steps) = if target.starts_with("arn:") {
        check_role_arn(target).map_err(|e| e.hint("expected arn:aws:iam::123456789012:role/NAME"))?;
        role_on_source(profiles, &mut request, Role::Arn(target.to_owned()))?
    } else if profiles.get(target).is_some() && !req.as_role {
        chain(profiles, target, &mut Vec::new())?
    } else if !req.as_role && (!profiles.similar(target).is_empty() || !valid_role_name(target)) {
        // Most likely a mistyped profile; a role of that name can be asked for with --role.
        return Err(profile::unknown(profiles, target));
    } else if !valid_role_name(target) {
        return Err(Error::new(format!("{} is not a valid role name", q(target))).hint("use A-Z a-z 0-9 and +=,.@_-"));
    } else {
        if !req.as_role {
            let files = format!("{} or {}", profiles.config_file.display(), profiles.credentials_file.display());
            let similar = profiles
                .names()
                .into_iter()
                .filter(|n| strsim::jaro_winkler(n, target) > 0.7)
                .map(str::to_owned)
                .collect();
            not_a_profile = Some(NotAProfile { files, similar });
        }
        role_on_source(profiles, &mut request, Role::Name(target.to_owned()))?
    };

    let mut notes = Vec::new();
    match steps.last_mut() {
        Some(Step::AssumeRole(last)) => {
            if let Some(d) = req.duration {
                last.duration = Some(d);
            }
            if let Some(d) = last.duration {
                duration::check(d, ASSUME_ROLE, "AssumeRole").map_err(|e| e.profile(target))?;
            }
            if let Some(name) = &req.session_name {
                last.session_name = checked_session_name(name).map_err(|e| e.profile(target))?;
            }
            if let Some(id) = &req.external_id {
                last.external_id = Some(checked_external_id(id).map_err(|e| e.profile(target))?);
            }
            if let Some(serial) = &req.serial_number {
                let profile = last.profile.clone().unwrap_or_else(|| target.to_owned());
                last.mfa = Some(Mfa::new(profiles, &profile, serial));
            }
            let arn = match &last.role {
                Role::Arn(arn) => Some(arn.as_str()),
                Role::Name(_) => None,
            };
            let narrowing =
                std::mem::take(&mut *last.narrowing).with(&req.narrow, arn).map_err(|e| e.profile(target))?;
            *last.narrowing = narrowing;
        }
        _ if req.narrow != Asked::default() => {
            return Err(Error::new("session policies and tags narrow a role, and this assumes none")
                .profile(target)
                .hint("name a role profile, a role ARN or a role name"));
        }
        // A profile with plain keys: hand out a session, never the long-term keys themselves.
        _ if source.long_term() => return session(profiles, req),
        _ => {}
    }
    use_mfa_session(&source, &mut steps, &mut notes);

    Ok(Plan {
        label: target.to_owned(),
        region: checked_region(
            profiles,
            target,
            chosen_region(req)?.or_else(|| chain_value(profiles, &steps, &source, "region")),
        )?,
        endpoint: profiles.sts_endpoint()?,
        source,
        steps,
        notes,
        request,
        not_a_profile,
    })
}

/// Plans an SSO role with no profile: ACCOUNT/ROLE of an `[sso-session]`, the account
/// already resolved to its id.
pub fn sso_role(profiles: &Profiles, req: &Request, role: source::sso::SsoRole) -> Result<Plan> {
    let region = chosen_region(req)?.or_else(|| Some(role.session.region.clone()));
    Ok(Plan {
        label: req.target.clone(),
        region: checked_region(profiles, &req.target, region)?,
        endpoint: profiles.sts_endpoint()?,
        source: Source::Sso(role),
        steps: Vec::new(),
        notes: Vec::new(),
        request: req.clone(),
        not_a_profile: None,
    })
}

/// Plans `stsenv session [PROFILE]`: GetSessionToken with the profile's long-term keys.
pub fn session(profiles: &Profiles, req: &Request) -> Result<Plan> {
    if let Some(err) = profiles.no_files() {
        return Err(err);
    }
    let name = req.target.as_str();
    let Some(p) = profiles.get(name) else {
        return Err(profile::unknown(profiles, name));
    };
    if value(p, "role_arn").is_some() || !source::keys::present(p) {
        if value(p, "role_arn").is_none() {
            return Err(source::no_credentials(profiles, name, p)
                .hint("GetSessionToken needs an IAM user's long-term keys (aws_access_key_id)"));
        }
        return Err(Error::new("it assumes a role; GetSessionToken needs an IAM user's long-term keys")
            .profile(name)
            .at(profiles.locate(name, Some("role_arn")))
            .hint(format!("run `stsenv assume {name}`, or name its source_profile")));
    }
    let source = source::keys::resolve(profiles, name)?;
    if !source.long_term() {
        return Err(Error::new("its keys are already temporary (aws_session_token is set)")
            .profile(name)
            .at(profiles.locate(name, Some("aws_session_token")))
            .hint("GetSessionToken needs an IAM user's long-term keys"));
    }
    let duration = req.duration.unwrap_or(MFA_SESSION_SECONDS);
    duration::check(duration, SESSION_TOKEN, "GetSessionToken").map_err(|e| e.profile(name))?;
    let serial = req.serial_number.clone().or_else(|| value(p, "mfa_serial").map(str::to_owned));
    let mfa = serial.map(|serial| Mfa::new(profiles, name, &serial));
    Ok(Plan {
        label: name.to_owned(),
        region: checked_region(profiles, name, chosen_region(req)?.or_else(|| value(p, "region").map(str::to_owned)))?,
        endpoint: profiles.sts_endpoint()?,
        source,
        steps: vec![Step::SessionToken { duration, mfa }],
        notes: Vec::new(),
        request: Request { verb: "session", ..req.clone() },
        not_a_profile: None,
    })
}

/// With long-term keys and an MFA device, get one MFA session (GetSessionToken, cached) and
/// assume roles with it, so switching roles does not prompt again. AWS caps AssumeRole made
/// with session credentials at 1 hour, so longer durations keep the direct MFA call.
fn use_mfa_session(source: &Source, steps: &mut Vec<Step>, notes: &mut Vec<String>) {
    let Some(Step::AssumeRole(first)) = steps.first_mut() else { return };
    if first.mfa.is_none() {
        return;
    }
    if !source.long_term() {
        if matches!(source, Source::Keys { .. } | Source::Environment { .. }) {
            notes.push(
                "the source keys are temporary (they carry a session token), and STS gives no MFA session for those: the MFA code goes with AssumeRole"
                    .to_owned(),
            );
        }
        return;
    }
    let wanted = first.duration.unwrap_or(CHAINED_MAX);
    if wanted > CHAINED_MAX {
        notes.push(format!(
            "{} is longer than the 1h AWS allows with an MFA session, so AssumeRole is called with the MFA code directly and the session is not shared",
            duration::human(wanted)
        ));
        return;
    }
    let mfa = first.mfa.take();
    steps.insert(0, Step::SessionToken { duration: MFA_SESSION_SECONDS, mfa });
}

impl Plan {
    /// Names the plan's target in an error: a profile, or an SSO session's ACCOUNT/ROLE.
    pub fn blame(&self, error: Error) -> Error {
        match (&self.source, self.steps.is_empty()) {
            (Source::Sso(role), true) if role.profile.is_none() => error.about("SSO role", &self.label),
            _ => error.profile(&self.label),
        }
    }

    /// A setting (`region`, `output`) as the chain gives it: target first, then its sources.
    pub fn chain_value(&self, profiles: &Profiles, key: &str) -> Option<String> {
        chain_value(profiles, &self.steps, &self.source, key)
    }
}

/// The first profile in the chain, target first, that names `key`.
fn chain_value(profiles: &Profiles, steps: &[Step], source: &Source, key: &str) -> Option<String> {
    let step_profiles = steps.iter().rev().filter_map(|s| match s {
        Step::AssumeRole(a) => a.profile.as_deref(),
        Step::SessionToken { .. } => None,
    });
    step_profiles
        .chain(source.profile())
        .find_map(|name| profiles.get(name).and_then(|p| value(p, key)))
        .map(str::to_owned)
}

/// `--region`, else as the SDKs do: `AWS_REGION`, then `AWS_DEFAULT_REGION`, beat the
/// profile's region. One that a session exported is not the user's: there the value it
/// replaced counts.
fn chosen_region(req: &Request) -> Result<Option<String>> {
    if req.region.is_some() {
        return Ok(req.region.clone());
    }
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(region) = crate::vars::user_value(&crate::vars::real_env, var) {
            if !valid_region(&region) {
                return Err(Error::new(format!("invalid region {} in {var}", q(&region)))
                    .hint(format!("set {var} to a region name like ap-northeast-1, or unset it")));
            }
            return Ok(Some(region));
        }
    }
    Ok(None)
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f, &crate::obtain::Cached::default())
    }
}

impl Plan {
    /// The plan as `--dry-run` shows it; `cached` holds, per step, the seconds its cached
    /// credentials have left (none: the step will call STS).
    pub fn describe(&self, f: &mut impl fmt::Write, cache: &crate::obtain::Cached) -> fmt::Result {
        let cached = &cache.steps;
        writeln!(f, "plan for {}:", q(&self.label))?;
        writeln!(f, "  source: {}", self.source)?;
        if let Source::Sso(role) = &self.source {
            writeln!(f, "  sign-in: {}", source::sso::token::describe(&role.session))?;
        }
        for (i, step) in self.steps.iter().enumerate() {
            write!(f, "  {}. ", i + 1)?;
            match step {
                Step::SessionToken { duration, .. } => write!(f, "GetSessionToken for {}", duration::human(*duration))?,
                Step::AssumeRole(a) => {
                    match &a.role {
                        Role::Arn(arn) => write!(f, "AssumeRole {}", q(arn))?,
                        Role::Name(n) => write!(f, "AssumeRole {} in the caller's account", q(n))?,
                    }
                    write!(f, " as session {}", q(&a.session_name))?;
                    let d = a.duration.map_or("1h (default)".to_owned(), duration::human);
                    write!(f, " for {d}")?;
                    if let Some(id) = &a.external_id {
                        write!(f, " with external id {}", q(id))?;
                    }
                    if !a.narrowing.is_empty() {
                        write!(f, " narrowed by {}", a.narrowing.describe())?;
                    }
                }
            }
            if let Some(mfa) = step.mfa() {
                write!(f, " with MFA {}", q(&mfa.serial))?;
            }
            if let Some(Some(left)) = cached.get(i) {
                // Whole minutes (floor), as the prompt shows them.
                write!(f, " [cached, {} left]", duration::human(((*left).max(0) as u32) / 60 * 60))?;
            }
            writeln!(f)?;
        }
        writeln!(f, "  region: {}", self.region.as_deref().map_or("(none)".to_owned(), q))?;
        let endpoint = |e: &crate::client::Endpoint| {
            let variants = [(e.fips, " (FIPS)"), (e.dual_stack, " (dual-stack)")];
            let variants: String = variants.iter().filter(|(on, _)| *on).map(|(_, name)| *name).collect();
            format!("{}{variants}", e.url.as_deref().map_or("(AWS default)".to_owned(), q))
        };
        let mut lines = Vec::new();
        if let Source::Sso(role) = &self.source {
            lines.push(format!("  portal endpoint: {}", endpoint(&role.portal_endpoint)));
        }
        if !self.steps.is_empty() || !matches!(self.source, Source::Sso(_)) {
            lines.push(format!("  endpoint: {}", endpoint(&self.endpoint)));
        }
        write!(f, "{}", lines.join("\n"))?;
        if self.steps.is_empty() {
            // Only the source: a fetch (the portal, a process…) or its cache entry.
            match (&cache.source, &self.source) {
                (Some(Some(_)), _) => write!(f, "\n  would run: nothing (cache hit, no prompt)")?,
                (Some(None), Source::Sso(role)) => {
                    let signed_in = source::sso::token::read(&source::sso::token::path(&role.session))
                        .is_some_and(|t| t.seconds_left() > 60);
                    let sign_in = if signed_in { "" } else { ", after a sign-in (or a refresh) of the SSO session" };
                    write!(f, "\n  would run: GetRoleCredentials at the portal{sign_in}")?;
                }
                (Some(None), source) => write!(f, "\n  would run: {source}")?,
                (None, _) => {}
            }
        } else if !cached.is_empty() {
            // From the newest cached step on, what a real run would do.
            let start = cached.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
            let asks = self.steps[start.min(self.steps.len())..].iter().find_map(Step::mfa);
            let steps = match self.steps.len() - start.min(self.steps.len()) {
                1 => format!("step {}", start + 1),
                _ => format!("steps {}-{}", start + 1, self.steps.len()),
            };
            match (start >= self.steps.len(), asks) {
                (true, _) => write!(f, "\n  would run: nothing (cache hit, no prompt)")?,
                (false, Some(mfa)) if mfa.process.is_none() => write!(
                    f,
                    "\n  would run: {steps}, asking for the MFA code of {}",
                    q(&mfa.serial)
                )?,
                (false, _) => write!(f, "\n  would run: {steps}, no prompt")?,
            }
        }
        for note in &self.notes {
            write!(f, "\n  note: {note}")?;
        }
        Ok(())
    }
}
