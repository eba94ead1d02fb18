//! `stsenv console [TARGET] [assume options]`: sign in to the AWS console with TARGET's
//! credentials (or, with no TARGET, those stsenv set in this shell, else the picker's
//! choice) and open it in the browser, or print the login URL with `--print`.

use crate::cli::ConsoleArgs;
use crate::creds::Credentials;
use crate::error::{Error, Result};
use crate::plan::Step;
use crate::signin;

/// How long a started browser may take to ask for the console link.
const BROWSER_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

pub fn run(args: &ConsoleArgs) -> Result<()> {
    let common = &args.assume.common;
    // No TARGET: this shell's session, else (at a terminal) the picker.
    let in_shell = std::env::var("AWS_ACCESS_KEY_ID").is_ok_and(|v| !v.is_empty());
    let (creds, region, chained, label) = match &args.assume.target {
        None if in_shell => from_environment()?,
        _ => {
            let (plan, _) = super::assume::plan(&args.assume, "console")?;
            if matches!(plan.steps.last(), Some(Step::SessionToken { .. })) {
                return Err(session_token_error(&plan.label));
            }
            if common.dry_run {
                return super::dry_run(&plan);
            }
            let cache = crate::cache::Cache::open()?;
            let got = super::obtain_for(&plan, common, &cache)?;
            // AWS calls a role assumed with temporary credentials (an MFA session, an SSO
            // role, another role) a chained role: its console session cannot be lengthened.
            let chained = plan.steps.len() > 1 || (plan.steps.len() == 1 && !plan.source.long_term());
            (got.creds, plan.region.clone(), chained, plan.label.clone())
        }
    };
    let region = region.unwrap_or_else(|| "us-east-1".to_owned());
    // It becomes the console's host name.
    if region.is_empty() || !region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(
            Error::new(format!("invalid region {}", crate::error::q(&region))).hint("use a region name like eu-west-1")
        );
    }
    let duration = match common.duration {
        Some(_) if chained => {
            eprintln!(
                "stsenv: the console session of {label} lasts at most 1h: AWS takes no SessionDuration for chained role credentials"
            );
            None
        }
        duration => duration,
    };
    let (base, console) = signin::hosts(&region);
    let token = signin::token(&base, &creds, duration).map_err(|e| e.profile(&label))?;
    let destination = match (&args.destination, &args.service) {
        (Some(url), _) => url.clone(),
        (None, Some(service)) => format!("{console}/{service}/home?region={region}"),
        (None, None) => format!("{console}/console/home?region={region}"),
    };
    let url = signin::login_url(&base, args.issuer.as_deref().unwrap_or("stsenv"), &destination, &token);
    if args.print {
        return super::write_stdout(&format!("{url}\n"));
    }
    // The sign-in token never stands in the browser's command line: a one-time loopback
    // link hands it over.
    if !crate::loopback::open_once(&url, BROWSER_WAIT)? {
        return Err(Error::new("no browser opened the console").hint("set BROWSER, or use --print to get the URL"));
    }
    eprintln!("stsenv: opened the console for {} ({region})", crate::error::printable(&label));
    Ok(())
}

fn session_token_error(label: &str) -> Error {
    Error::new("these would be GetSessionToken credentials (an MFA session), which the console sign-in does not accept")
        .profile(label)
        .hint("sign in with a role: `stsenv console ROLE_PROFILE` (a profile with role_arn), or an SSO profile")
}

/// The credentials stsenv exported in this shell.
fn from_environment() -> Result<(Credentials, Option<String>, bool, String)> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (Some(id), Some(secret), Some(token)) =
        (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"), var("AWS_SESSION_TOKEN"))
    else {
        return Err(Error::new("no temporary credentials in the environment")
            .hint("name a TARGET, or `stsenv assume` one first"));
    };
    let label = var("STSENV_PROFILE").unwrap_or_else(|| "the environment".to_owned());
    if var("STSENV_REQUEST").is_some_and(|r| r.starts_with("session")) {
        return Err(session_token_error(&label));
    }
    let creds =
        Credentials { access_key_id: id, secret_access_key: secret, session_token: Some(token), expires_at: None };
    // What produced them is not known here: never ask for a longer session.
    Ok((creds, var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")), true, label))
}
