//! `stsenv assume TARGET`: a profile, a role ARN, or a role name in the source account.

use crate::cache::Mode;
use crate::cli::{AssumeArgs, AssumeCmd};
use crate::error::{Error, Result, few, q};
use crate::picker::Choice;
use crate::plan::{self, Plan, Request};
use crate::profile::{self, Profiles};
use crate::source::Fetch;
use crate::source::sso::{self, SsoRole};

pub fn run(args: &AssumeCmd) -> Result<()> {
    if super::print_remembered(&args.assume.common, &args.output)? {
        return Ok(());
    }
    if args.assume.target.is_none()
        && !args.output.shell.is_data()
        && args.output.write_profile.is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
    {
        // Before the picker: what is chosen could not take effect here.
        return Err(super::not_evaluated("assume"));
    }
    let (plan, profiles) = plan(&args.assume, "assume")?;
    super::deliver(&plan, &args.assume.common, &args.output, &profiles)
}

/// The plan for TARGET, shared by every command that takes assume's arguments.
pub fn plan(args: &AssumeArgs, verb: &str) -> Result<(Plan, Profiles)> {
    let mut sso_session = args.sso_session.clone();
    let picked = args.target.is_none();
    let target = match args.target.clone() {
        Some(target) => target,
        // In an .envrc a picker would open on every `cd`: the file names what it uses.
        None if crate::render::Shell::detect() == crate::render::Shell::Direnv => {
            return Err(
                Error::new("use stsenv needs a profile: `use stsenv PROFILE [assume options]` in .envrc").exit(2)
            );
        }
        // At a terminal: the picker; else which profiles there are.
        None => {
            let profiles = Profiles::load(&profile::default_profile())?;
            let cache = crate::cache::Cache::open()?;
            match crate::picker::pick(&profiles, &cache, verb)? {
                Some(Choice::Profile(name)) => name,
                Some(Choice::SsoRole { session, target }) => {
                    sso_session = Some(session);
                    target
                }
                None => {
                    let names = profiles.own_names();
                    let list =
                        if names.is_empty() { "(none yet: run `aws configure`)".to_owned() } else { few(&names, " ") };
                    return Err(Error::new(format!(
                        "which profile? stsenv {verb} PROFILE|ROLE_ARN|ROLE_NAME; profiles: {list}"
                    ))
                    .exit(2));
                }
            }
        }
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
        sso_session: sso_session.clone(),
        picked,
        narrow: narrowing(&args.narrow)?,
        profile_env: args.profile_env || (matches!(verb, "assume" | "exec") && super::profile_mode()),
    };
    if let Some(session) = &sso_session {
        let role = sso_role(&profiles, session, &target, !common.no_prompt)?;
        return Ok((plan::sso_role(&profiles, &request, role)?, profiles));
    }
    let plan = plan::assume(&profiles, &request)?;
    Ok((plan, profiles))
}

/// What the command line narrows the role by, read and checked (`--policy` may be a file).
fn narrowing(args: &crate::cli::NarrowArgs) -> Result<plan::Asked> {
    let narrowing = plan::Narrowing {
        policy: args.policy.as_deref().map(plan::read_policy).transpose()?,
        policy_arns: args.policy_arn.clone(),
        tags: args.tag.clone(),
        transitive: args.transitive_tag.clone(),
        source_identity: args.source_identity.clone(),
    };
    Ok(plan::Asked { narrowing, read_only: args.read_only })
}

/// `ACCOUNT/ROLE --sso-session NAME`: the role, its account named or by id. A name is looked
/// up in the portal (ListAccounts) with the session's sign-in.
fn sso_role(profiles: &Profiles, session: &str, target: &str, may_prompt: bool) -> Result<SsoRole> {
    let session = sso::named_session(profiles, session)?;
    let Some((account, role)) = target.rsplit_once('/').filter(|(a, r)| !a.is_empty() && !r.is_empty()) else {
        return Err(Error::new(format!("with --sso-session, TARGET is ACCOUNT/ROLE, not {}", q(target)))
            .hint("e.g. `stsenv assume Prod/AdministratorAccess --sso-session corp` (an account name or id)"));
    };
    let portal_endpoint = profiles.endpoint("SSO")?;
    let account_id = if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        account.to_owned()
    } else {
        let cache = crate::cache::Cache::open()?;
        let fetch = Fetch { cache: &cache, mode: Mode::Use, may_prompt, region: None, endpoint: &portal_endpoint };
        let token = sso::valid(&session, &fetch)?;
        let accounts =
            sso::portal::Portal::new(&session.region, &portal_endpoint, &session.login_hint)?.accounts(&token)?;
        let named = |a: &&sso::portal::Account| a.name.eq_ignore_ascii_case(account);
        match accounts.iter().filter(named).collect::<Vec<_>>().as_slice() {
            [one] => one.id.clone(),
            [] => {
                return Err(Error::new(format!("{} reaches no account named {}", session.label(), q(account)))
                    .hint("`stsenv sso populate --dry-run` lists the accounts; an account id works too"));
            }
            many => {
                let ids: Vec<&str> = many.iter().map(|a| a.id.as_str()).collect();
                return Err(Error::new(format!(
                    "{} accounts are named {}: {}",
                    many.len(),
                    q(account),
                    few(&ids, " ")
                ))
                .hint("use the account id"));
            }
        }
    };
    Ok(SsoRole { profile: None, session, account_id, role_name: role.to_owned(), portal_endpoint })
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
