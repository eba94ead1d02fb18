//! `stsenv status`: who the environment's credentials are and how long they last.
//! `--short` reads only the environment (no AWS call) for prompts.

use crate::cli::StatusArgs;
use crate::creds::{Credentials, now, rfc3339};
use crate::duration::human;
use crate::error::{Error, Result, printable};
use crate::profile::{self, Profiles};
use crate::sts::Sts;

pub fn run(args: &StatusArgs) -> Result<()> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let label = var("STSENV_PROFILE");
    let expires_at = var("STSENV_EXPIRES_AT").and_then(|t| t.parse::<i64>().ok());
    let left = expires_at.map(|at| at - now());
    let renew = |_: &str| "run `stsenv renew`".to_owned();

    if args.short {
        // No session: an empty prompt segment, not an error at every prompt.
        let (Some(label), Some(left)) = (&label, left) else { return Ok(()) };
        // As the prompt hooks show it: a role ARN by its role name, whole minutes (floor).
        let name = if label.starts_with("arn:") { label.rsplit('/').next().unwrap_or(label) } else { label };
        let minutes = left / 60;
        let text = match minutes {
            m if m >= 60 => format!("{name} {}h{:02}m\n", m / 60, m % 60),
            _ if left > 0 => format!("{name} {minutes}m\n"),
            _ => format!("{name} expired\n"),
        };
        return super::write_stdout(&text);
    }

    let mut from_files = false;
    let (creds, label, expires_at) = match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => {
            if let (Some(label), Some(left)) = (&label, left)
                && left <= 0
            {
                return Err(Error::new(format!("the credentials expired {} ago", human((-left) as u32)))
                    .profile(label)
                    .hint(renew(label)));
            }
            let creds = Credentials {
                access_key_id: id,
                secret_access_key: secret,
                session_token: var("AWS_SESSION_TOKEN"),
                expires_at,
            };
            (creds, label, expires_at)
        }
        // No keys in the environment: what an SDK would use, the profile AWS_PROFILE names.
        _ => {
            let name = profile::default_profile();
            let creds = from_profile(&name)?;
            from_files = true;
            // `--profile-env`: the session is the target's; AWS_PROFILE is stsenv's profile for it.
            if let Some(label) = label.clone().filter(|l| {
                var("STSENV_REQUEST").is_some_and(|r| r.contains("--profile-env"))
                    && name.ends_with(".stsenv")
                    && !l.is_empty()
            }) {
                let at = expires_at.or(creds.expires_at);
                (creds, Some(label), at)
            } else {
                let at = creds.expires_at;
                (creds, Some(name), at)
            }
        }
    };
    let left = expires_at.map(|at| at - now());
    let profiles = Profiles::load(&profile::default_profile())?;
    let region = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION"));
    let sts = Sts::new(region.as_deref(), &profiles.sts_endpoint()?)?;
    let me = sts.caller_identity(&creds).map_err(|e| match &label {
        Some(l) => e.profile(l).hint(renew(l)),
        None => e,
    })?;
    let mut text = String::new();
    if let Some(label) = &label {
        text += &format!("profile:  {}\n", printable(label));
        if from_files && var("STSENV_REQUEST").is_some_and(|r| r.contains("--profile-env")) {
            let via = profile::default_profile();
            text += &format!(
                "mode:     AWS_PROFILE={} (no keys in the environment: every tool asks stsenv; {} is when the MFA session or sign-in ends)\n",
                printable(&via),
                if expires_at.is_some() { "`expires`" } else { "nothing expires here" }
            );
        } else if from_files {
            // Say where these came from: nothing in the environment, so the profile files.
            text += "source:   the profile files (no AWS keys in the environment; AWS_PROFILE, else default)\n";
        }
    }
    text += &format!("identity: {}\naccount:  {}\n", me.arn, me.account);
    if let (Some(at), Some(left)) = (expires_at, left) {
        text += &format!("expires:  {} ({} left)\n", rfc3339(at), human(left as u32));
    }
    // Where renewals will come from, when that is an IAM Identity Center sign-in.
    if let Some(label) = &label
        && let Ok(p) = Profiles::load(label)
        && p.get(label).is_some()
        && let Ok(plan) = crate::plan::assume(&p, &crate::plan::Request { target: label.clone(), ..Default::default() })
        && let crate::source::Source::Sso(role) = &plan.source
    {
        text += &format!("sign-in:  {}\n", crate::source::sso::token::describe(&role.session));
    }
    super::write_stdout(&text)
}

/// The credentials a profile gives without a prompt: its own keys, else what the cache
/// (or a cached MFA session) gives for it.
fn from_profile(name: &str) -> Result<Credentials> {
    let profiles = Profiles::load(name)?;
    if let Some(err) = profiles.no_files() {
        return Err(err);
    }
    let Some(p) = profiles.get(name) else {
        return Err(crate::profile::unknown(&profiles, name));
    };
    if crate::profile::value(p, "aws_access_key_id").is_some()
        && let crate::source::Source::Keys { creds, .. } = crate::source::keys::resolve(&profiles, name)?
    {
        return Ok(creds);
    }
    let request = crate::plan::Request { target: name.to_owned(), ..Default::default() };
    let plan = crate::plan::assume(&profiles, &request)?;
    let options = crate::obtain::Options { token_code: None, may_prompt: false, cache: crate::cache::Mode::Use };
    let got = crate::obtain::obtain(&plan, &options, &crate::cache::Cache::open()?)
        .map_err(|e| e.hint(format!("run `stsenv assume {}` first", crate::render::posix_quote(name))))?;
    Ok(got.creds)
}
