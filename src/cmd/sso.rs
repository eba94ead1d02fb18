//! `stsenv sso populate`: list what a sign-in reaches (the portal) and write a profile per
//! account and role (`populate`).

use crate::cli::{PopulateArgs, SsoAction};
use crate::error::{Error, Result, q};
use crate::populate::{self, Options};
use crate::profile::{self, Profiles, Setting};
use crate::source::Fetch;
use crate::source::sso::{self, SsoSession, portal::Portal};
use std::cell::RefCell;

pub fn run(action: &SsoAction) -> Result<()> {
    match action {
        SsoAction::Populate(args) => populate(args),
    }
}

fn populate(args: &PopulateArgs) -> Result<()> {
    populate::check_template(&args.template)?;
    let profiles = Profiles::load(&profile::default_profile())?;
    let session = session(&profiles, args)?;
    let name = session.name.clone().expect("session() returns named sessions");
    let (region, extra) = settings(&profiles, args, &session)?;

    let cache = crate::cache::Cache::open()?;
    let endpoint = profiles.endpoint("SSO")?;
    let fetch = Fetch {
        cache: &cache,
        mode: crate::cache::Mode::Use,
        may_prompt: !args.no_prompt,
        region: None,
        endpoint: &endpoint,
    };
    let token = sso::valid(&session, &fetch)?;
    let started = std::time::Instant::now();
    let portal = Portal::new(&session.region, &endpoint, &session.login_hint)?;
    let accounts = portal.accounts(&token)?;
    let roles = portal.roles(&token, &accounts)?;
    eprintln!(
        "stsenv: {} reaches {} roles in {} accounts ({:.1} s)",
        session.label(),
        roles.len(),
        accounts.len(),
        started.elapsed().as_secs_f64()
    );

    let credentials = std::fs::read_to_string(&profiles.credentials_file).unwrap_or_default();
    let credentials = crate::credentials_file::profile_names(&credentials, false);
    let options = Options {
        session: &name,
        template: &args.template,
        region: region.as_deref(),
        extra: &extra,
        prune: args.prune,
        credentials: &credentials,
    };
    let file = &profiles.config_file;
    if args.dry_run {
        let old = std::fs::read_to_string(file).unwrap_or_default();
        let outcome = populate::apply(&old, &roles, &options)?;
        let path = file.display().to_string();
        let diff = similar::TextDiff::from_lines(&old, &outcome.text).unified_diff().header(&path, &path).to_string();
        report(&outcome, &name, "would be", &profiles);
        return super::write_stdout(&diff);
    }
    let outcome = RefCell::new(None);
    crate::credentials_file::write_with(file, &cache, |text| {
        let done = populate::apply(text, &roles, &options)?;
        let text = done.text.clone();
        outcome.replace(Some(done));
        Ok(text)
    })?;
    let outcome = outcome.into_inner().expect("write_with ran the change");
    report(&outcome, &name, "were", &profiles);
    eprintln!("stsenv: {} profiles of SSO session {} in {}", outcome.written, q(&name), file.display());
    Ok(())
}

fn report(outcome: &populate::Outcome, session: &str, verb: &str, profiles: &Profiles) {
    let list = |names: &[String]| crate::error::few(names, " ");
    for line in &outcome.rejected {
        eprintln!("stsenv: {line}");
    }
    if !outcome.added.is_empty() {
        eprintln!("stsenv: {} new profiles {verb} added: {}", outcome.added.len(), list(&outcome.added));
    }
    if !outcome.kept.is_empty() {
        eprintln!(
            "stsenv: kept {} profiles whose roles the sign-in no longer reaches (--prune removes them): {}",
            outcome.kept.len(),
            list(&outcome.kept)
        );
    }
    if !outcome.pruned.is_empty() {
        eprintln!("stsenv: {} profiles {verb} removed: {}", outcome.pruned.len(), list(&outcome.pruned));
    }
    if !outcome.skipped.is_empty() {
        eprintln!(
            "stsenv: not written, a profile of that name is yours (outside the {session} block): {}",
            list(&outcome.skipped)
        );
        // A section of the user's that only changes a setting (`region`) is no SSO profile:
        // say exactly what makes it one. Two sections of one name would break botocore.
        let stubs: Vec<&String> = outcome
            .skipped
            .iter()
            .filter(|n| profiles.get(n).is_some_and(|p| profile::value(p, "sso_account_id").is_none()))
            .collect();
        for name in stubs.iter().take(3) {
            let (account, role) = &outcome.skipped_pairs[*name];
            let at = profiles.locate(name, None).map_or(String::new(), |(f, l)| format!(" ({}:{l})", f.display()));
            eprintln!(
                "stsenv: your [profile {name}]{at} has no sso_account_id, so it gets no credentials: add `sso_session = {session}`, `sso_account_id = {account}` and `sso_role_name = {role}` to it (your other settings stay), or remove it"
            );
        }
        if stubs.len() > 3 {
            eprintln!("stsenv: … and {} more such profiles", stubs.len() - 3);
        }
    }
    if !outcome.in_credentials.is_empty() {
        eprintln!(
            "stsenv: not written, ~/.aws/credentials has a profile of that name (an IAM user's): {}",
            list(&outcome.in_credentials)
        );
    }
}

/// The `[sso-session]` to list: named, a profile's, or the only one there is.
fn session(profiles: &Profiles, args: &PopulateArgs) -> Result<SsoSession> {
    let session = match (&args.sso_session, &args.profile) {
        (Some(name), _) => sso::named_session(profiles, name)?,
        (None, Some(profile)) => sso::session_of(profiles, profile)?,
        (None, None) => match profiles.sso_session_names().as_slice() {
            [only] => sso::named_session(profiles, only)?,
            [] => {
                return Err(Error::new(format!("there is no [sso-session] section in {}", profiles.config_file.display()))
                    .hint("add one: `aws configure sso-session`, or [sso-session NAME] with sso_start_url, sso_region and sso_registration_scopes = sso:account:access"));
            }
            many => {
                return Err(Error::new("which SSO session?")
                    .hint(format!("name one: --sso-session {}", crate::error::few(many, " | --sso-session "))));
            }
        },
    };
    if session.name.is_none() {
        return Err(Error::new("the profiles populate writes use an [sso-session] section; this profile has only sso_start_url")
            .hint("add [sso-session NAME] with its sso_start_url and sso_region (`aws configure sso-session`), then use --sso-session NAME"));
    }
    Ok(session)
}

/// The region and the settings copied into every profile (from `--copy-from`, in file order,
/// nested blocks kept; never a credential key, at any depth).
fn settings(profiles: &Profiles, args: &PopulateArgs, session: &SsoSession) -> Result<(Option<String>, Vec<Setting>)> {
    let mut extra = Vec::new();
    let mut copied_region = None;
    if let Some(name) = &args.copy_from {
        profiles.get(name).ok_or_else(|| profile::unknown(profiles, name))?;
        let credential = |k: &str| profile::CREDENTIAL_KEYS.contains(&k);
        for mut setting in profiles.settings_in_config(name) {
            match setting.key.as_str() {
                "region" => copied_region = Some(setting.value),
                k if credential(k) => {}
                _ => {
                    setting.nested.retain(|(k, _)| !credential(k));
                    extra.push(setting);
                }
            }
        }
    }
    let region = args.region.clone().or(copied_region).or_else(|| Some(session.region.clone()));
    if let Some(r) = &region
        && !r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(Error::new(format!("invalid region {}", q(r))).hint("use a region name like eu-west-1"));
    }
    Ok((region, extra))
}
