//! `stsenv console [TARGET] [assume options]`: sign in to the AWS console with TARGET's
//! credentials (or, with no TARGET, those stsenv set in this shell, else the picker's
//! choice) and open it in a browser — any browser, a browser profile, a Firefox container —
//! or print the login URL (`--print`), or copy it (`--copy`). An SSO profile opens through
//! the portal's shortcut link by default, so AWS's multi-session console keeps every account.

use crate::cli::{ConsoleArgs, ConsoleVia};
use crate::creds::Credentials;
use crate::error::{Error, Result, printable};
use crate::plan::Step;
use crate::signin;

/// How long a started browser may take to ask for the console link (`STSENV_BROWSER_WAIT`).
fn browser_wait() -> std::time::Duration {
    let secs = std::env::var("STSENV_BROWSER_WAIT").ok().and_then(|s| s.parse().ok()).unwrap_or(60.0);
    std::time::Duration::from_secs_f64(secs)
}

/// `--service NAME`: the console path of a few services whose path is not `NAME/home`.
fn service_path(service: &str) -> String {
    let path = match service {
        "route53" => "route53/v2/home",
        "ssm" | "systems-manager" => "systems-manager/home",
        "logs" => "cloudwatch/home#logsV2:",
        "billing" => "billing/home",
        "cost-explorer" => "cost-management/home",
        "secrets" | "secretsmanager" => "secretsmanager/home",
        "cloudwatch" | "cloudformation" | "s3" | "ec2" | "iam" | "lambda" | "dynamodb" | "rds" | "ecs" | "eks"
        | "sqs" | "sns" | "vpc" | "kms" | "ecr" | "apigateway" | "cloudtrail" => return format!("{service}/home"),
        other => return format!("{other}/home"),
    };
    path.to_owned()
}

pub fn run(args: &ConsoleArgs) -> Result<()> {
    let common = &args.assume.common;
    let browser = crate::browser::chosen(args.browser.as_deref())?;
    // No TARGET: this shell's session, else (at a terminal) the picker.
    let in_shell = std::env::var("AWS_ACCESS_KEY_ID").is_ok_and(|v| !v.is_empty());
    let (creds, region, chained, label) = match &args.assume.target {
        None if in_shell && args.via != Some(ConsoleVia::Portal) => from_environment()?,
        _ => {
            let (plan, _) = super::assume::plan(&args.assume, "console")?;
            if matches!(plan.steps.last(), Some(Step::SessionToken { .. })) {
                return Err(session_token_error(&plan.label));
            }
            if common.dry_run {
                return super::dry_run(&plan);
            }
            // An SSO role itself (no role chained on it): the portal's shortcut link, unless
            // a federation sign-in is asked for.
            match (&plan.source, plan.steps.is_empty(), args.via) {
                (crate::source::Source::Sso(role), true, None | Some(ConsoleVia::Portal)) => {
                    return portal(args, role, plan.region.as_deref(), &plan.label, browser.as_ref());
                }
                (_, _, Some(ConsoleVia::Portal)) => {
                    return Err(Error::new("--via portal opens an IAM Identity Center role, and this is none")
                        .profile(&plan.label)
                        .hint("leave out --via, or name an SSO profile"));
                }
                _ => {}
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
    let url = signin::login_url(
        &base,
        args.issuer.as_deref().unwrap_or("stsenv"),
        &destination(args, &console, &region),
        &token,
    );
    if args.print {
        return super::write_stdout(&format!("{url}\n"));
    }
    if args.copy {
        return copy(&url, &label);
    }
    open(args, browser.as_ref(), &url, &label, true)?;
    eprintln!("stsenv: opened the console for {} ({region})", printable(&label));
    Ok(())
}

/// The console page: `--destination`, `--service` in the region, or the console's home.
fn destination(args: &ConsoleArgs, console: &str, region: &str) -> String {
    match (&args.destination, &args.service) {
        (Some(url), _) => url.clone(),
        (None, Some(service)) => {
            let path = service_path(service);
            let (path, fragment) =
                path.split_once('#').map_or((path.as_str(), String::new()), |(p, f)| (p, format!("#{f}")));
            format!("{console}/{path}?region={region}{fragment}")
        }
        (None, None) => format!("{console}/console/home?region={region}"),
    }
}

/// The IAM Identity Center shortcut link: the browser's own portal session signs in, and the
/// console keeps the other accounts open (multi-session). It holds no secret.
fn portal(
    args: &ConsoleArgs,
    role: &crate::source::sso::SsoRole,
    region: Option<&str>,
    label: &str,
    browser: Option<&crate::browser::Browser>,
) -> Result<()> {
    let region = region.unwrap_or(&role.session.region);
    let (_, console) = signin::hosts(region);
    let url = format!(
        "{}/#/console?account_id={}&role_name={}&destination={}",
        role.session.start_url.trim_end_matches('/'),
        signin::encode(&role.account_id),
        signin::encode(&role.role_name),
        signin::encode(&destination(args, &console, region))
    );
    if args.print {
        return super::write_stdout(&format!("{url}\n"));
    }
    if args.copy {
        return copy(&url, label);
    }
    open(args, browser, &url, label, false)?;
    eprintln!(
        "stsenv: opened {}'s console through the portal of {} ({region})",
        printable(label),
        role.session.label()
    );
    Ok(())
}

/// Opens `url` in the chosen browser (profile, container); `secret`: through a one-time
/// loopback link, so that no token stands in the browser's command line.
fn open(
    args: &ConsoleArgs,
    browser: Option<&crate::browser::Browser>,
    url: &str,
    label: &str,
    secret: bool,
) -> Result<()> {
    let container = args.container.as_deref().map(|c| if c.is_empty() { label } else { c });
    if container.is_some() {
        container_note();
    }
    let launch = |link: &str| match browser {
        Some(b) => b.open(link, args.browser_profile.as_deref(), container),
        None if args.browser_profile.is_some() || container.is_some() => {
            Err(Error::new("--browser-profile and --container need a named browser")
                .hint("add --browser chrome|firefox|…"))
        }
        None => Ok(crate::browser::open(link)),
    };
    let opened = if secret { crate::loopback::open_once(url, browser_wait(), launch)? } else { launch(url)? };
    if !opened {
        let hint = match container {
            Some(_) => "is the \"Open URL in Container\" extension installed in that Firefox? Else use --print",
            None => "set BROWSER or --browser, or use --print to get the URL",
        };
        return Err(Error::new("no browser opened the console").hint(hint));
    }
    Ok(())
}

/// Once: which extension a container needs.
fn container_note() {
    let Ok(cache) = crate::cache::Cache::open() else { return };
    let marker = cache.dir().join("container-note");
    if marker.exists() || cache.ensure_dir().is_err() {
        return;
    }
    eprintln!(
        "stsenv: containers open through the Firefox extension \"Open URL in Container\" (granted's extension takes the same links): install it once"
    );
    let _ = crate::cache::write_atomic(&marker, b"", None);
}

/// `--copy`: the URL to the clipboard through the terminal (OSC 52), never printed.
fn copy(url: &str, label: &str) -> Result<()> {
    use std::io::Write;
    let mut tty = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .map_err(|_| Error::new("--copy needs a terminal (it sets the clipboard through it)").hint("use --print"))?;
    let encoded = aws_smithy_types::base64::encode(url.as_bytes());
    write!(tty, "\x1b]52;c;{encoded}\x07")?;
    eprintln!(
        "stsenv: the console URL of {} is on the clipboard (OSC 52: in tmux, `set -g set-clipboard on`)",
        printable(label)
    );
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
