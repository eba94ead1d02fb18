//! Runs a plan: reuse what the cache holds, get MFA codes, call STS for the rest, cache it.

use crate::cache::{Cache, Mode, Put};
use crate::creds::Credentials;
use crate::error::{Error, Result, q};
use crate::mfa;
use crate::plan::{NotAProfile, Plan, Role, Step};
use crate::source::Fetch;
use crate::sts::{MfaCode, Sts};
use std::io::IsTerminal;
use std::path::PathBuf;

/// GetSessionToken's own default, for long-term keys a credential_process printed.
const SESSION_FOR_LONG_TERM: u32 = 43_200;

pub struct Options<'a> {
    pub token_code: Option<&'a str>,
    pub may_prompt: bool,
    pub cache: Mode,
}

pub struct Obtained {
    pub creds: Credentials,
    /// The cache entry of the final step (direnv watches its `.renewed` stamp).
    pub cache_file: Option<PathBuf>,
    /// Its key, for the memo (`memo`).
    pub cache_key: Option<String>,
}

pub fn obtain(plan: &Plan, opts: &Options, cache: &Cache) -> Result<Obtained> {
    let keys = keys(plan);
    let fetch = Fetch {
        cache,
        mode: opts.cache,
        may_prompt: opts.may_prompt,
        region: plan.region.as_deref(),
        endpoint: &plan.endpoint,
    };
    let Some(last) = keys.len().checked_sub(1) else {
        // No STS step: the source's own credentials (temporary keys in a profile, SSO).
        let creds = plan.source.credentials(&fetch).map_err(|e| plan.blame(e))?;
        let cache_key = plan.source.cache_key().filter(|_| opts.cache != Mode::Off);
        let cache_file = cache_key.as_ref().map(|k| cache.path(k));
        if creds.session_token.is_none() {
            // Long-term keys from a credential_process: export a session, never the keys.
            let sts = Sts::new(plan.region.as_deref(), &plan.endpoint)?;
            let session = sts.session_token(&creds, SESSION_FOR_LONG_TERM, None).map_err(|e| plan.blame(e))?;
            return Ok(Obtained { creds: session, cache_file: None, cache_key: None });
        }
        return Ok(Obtained { creds, cache_file, cache_key });
    };
    let cache_key = (opts.cache != Mode::Off).then(|| keys[last].clone());
    let cache_file = cache_key.as_ref().map(|k| cache.path(k));
    let reusable = |i: usize| match opts.cache {
        Mode::Use => cache.fresh(&keys[i]),
        Mode::Refresh if i < last => cache.fresh(&keys[i]),
        _ => None,
    };

    // The newest step the cache can answer; on a hit for the final step nothing else runs.
    let (mut start, mut found) = (0, None);
    for i in (0..=last).rev() {
        if let Some(creds) = reusable(i) {
            (start, found) = (i + 1, Some(creds));
            break;
        }
    }
    if start <= last {
        for note in &plan.notes {
            eprintln!("stsenv: {note}");
        }
    }
    let mut creds = match found {
        Some(creds) => creds,
        // Nothing cached: the source's credentials (its own cache entry, for SSO), unless
        // the final step is a hit anyway.
        None => {
            let keep = Fetch { mode: if opts.cache == Mode::Refresh { Mode::Use } else { opts.cache }, ..fetch };
            plan.source.credentials(&keep).map_err(|e| plan.blame(e))?
        }
    };

    let mut sts: Option<Sts> = None;
    for (i, step) in plan.steps.iter().enumerate().skip(start) {
        // One lock at a time, in step order: no deadlock, and a process that waited finds
        // the other's result on the re-check below.
        let _lock = match opts.cache {
            Mode::Off => None,
            _ => Some(cache.lock(&keys[i])?),
        };
        if let Some(found) = reusable(i) {
            creds = found;
            continue;
        }
        let (next, owner, what) = run_step(plan, i == last, step, &creds, opts, &mut sts).map_err(|e| plan.blame(e))?;
        creds = next;
        let duration = match step {
            Step::SessionToken { duration, .. } => Some(*duration),
            Step::AssumeRole(a) => a.duration.or(Some(3600)), // STS's default
        };
        if opts.cache != Mode::Off
            && let Err(e) = cache.put(
                &keys[i],
                Put { profile: &owner, what: &what, duration, source: &plan.source.identity() },
                &creds,
            )
        {
            eprintln!("stsenv: warning: {e}");
        }
    }
    Ok(Obtained { creds, cache_file, cache_key })
}

/// Runs one STS step with `creds`; returns the new credentials, the profile they belong to
/// and what the step was (for the cache entry).
fn run_step(
    plan: &Plan,
    is_last: bool,
    step: &Step,
    creds: &Credentials,
    opts: &Options,
    sts: &mut Option<Sts>,
) -> Result<(Credentials, String, String)> {
    // A session for the profile with the keys is what a terminal can get ahead of time.
    let keys = match plan.source {
        crate::source::Source::Keys { .. } | crate::source::Source::Stored { .. } => plan.source.profile(),
        _ => None,
    };
    let code = step.mfa().map(|m| mfa::code(m, keys, opts.token_code, opts.may_prompt)).transpose()?;
    let client = match sts {
        Some(client) => client,
        None => sts.insert(Sts::new(plan.region.as_deref(), &plan.endpoint)?),
    };
    let mfa = step.mfa().zip(code.as_deref()).map(|(m, code)| MfaCode { serial: &m.serial, code });
    match step {
        Step::SessionToken { duration, .. } => {
            let owner = plan.source.profile().unwrap_or("environment").to_owned();
            Ok((client.session_token(creds, *duration, mfa)?, owner, "GetSessionToken".to_owned()))
        }
        Step::AssumeRole(a) => {
            let owner = if is_last { plan.label.clone() } else { a.profile.clone().unwrap_or_default() };
            let (arn, account) = match &a.role {
                Role::Arn(arn) => (arn.clone(), None),
                Role::Name(name) => {
                    let me = client.caller_identity(creds)?;
                    let partition = me.arn.split(':').nth(1).unwrap_or("aws");
                    if plan.not_a_profile.is_some() && std::io::stderr().is_terminal() {
                        // Said only where a person reads it; scripts asked for exactly this.
                        eprintln!(
                            "stsenv: {} is not a profile: taking it as role {} in account {} (`stsenv profiles` lists the profiles)",
                            q(name),
                            q(name),
                            me.account
                        );
                    }
                    (format!("arn:{partition}:iam::{}:role/{name}", me.account), Some(me.account))
                }
            };
            let got =
                client.assume_role(creds, &arn, a, mfa).map_err(|e| match (&a.role, &plan.not_a_profile, account) {
                    (Role::Name(name), Some(guess), Some(account)) => denied_as_role(e, name, &account, guess),
                    _ => e,
                })?;
            Ok((got, owner, arn))
        }
    }
}

/// A name that was not a profile, tried as a role and denied: most likely a mistyped profile
/// name, so say both rather than only "AccessDenied".
fn denied_as_role(err: Error, name: &str, account: &str, guess: &NotAProfile) -> Error {
    let close = guess.similar.iter().map(|s| q(s)).collect::<Vec<_>>().join(" or ");
    let hint = if close.is_empty() {
        "`stsenv profiles` lists the profiles".to_owned()
    } else {
        format!("did you mean {close}?")
    };
    Error::new(format!(
        "{} is not a profile in {}, so it was tried as role {} in account {account}, and STS said: {err}",
        q(name),
        guess.files,
        q(name)
    ))
    .hint(hint)
}

/// Per step, the seconds its cached credentials have left (for `--dry-run`).
pub fn cached(plan: &Plan, cache: &Cache) -> Cached {
    let left = |key: &str| cache.fresh(key).and_then(|c| c.seconds_left());
    Cached {
        source: plan.source.cache_key().map(|key| left(&key)),
        steps: keys(plan).iter().map(|k| left(k)).collect(),
    }
}

/// Until when the plan's credentials renew with no prompt: the MFA session's end (its cache
/// entry), an SSO sign-in's, else `None` (keys, a process: renewals never ask).
pub fn renewable_until(plan: &Plan, cache: &Cache) -> Option<i64> {
    if let (Some(Step::SessionToken { .. }), Some(key)) = (plan.steps.first(), keys(plan).first()) {
        return cache.fresh(key).and_then(|c| c.expires_at);
    }
    if let crate::source::Source::Sso(role) = &plan.source {
        let token = crate::source::sso::token::read(&crate::source::sso::token::path(&role.session))?;
        return Some(crate::creds::now() + token.seconds_left());
    }
    None
}

/// What `--dry-run` shows as cached: seconds left, or `None` where a call would be made.
#[derive(Default)]
pub struct Cached {
    /// A source that is fetched (SSO, a process…): `Some` with its entry's state.
    pub source: Option<Option<i64>>,
    pub steps: Vec<Option<i64>>,
}

/// One cache key per step, each over the source identity, the STS endpoint and every step
/// before it.
pub fn keys(plan: &Plan) -> Vec<String> {
    let endpoint = plan.endpoint.key();
    let mut parent = format!("{endpoint}\n{}", plan.source.identity());
    plan.steps
        .iter()
        .map(|step| {
            parent = Cache::key(&parent, &step.fingerprint());
            parent.clone()
        })
        .collect()
}
