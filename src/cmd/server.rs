//! `stsenv exec --server TARGET -- COMMAND`: credentials that never expire under a long job.
//! A container-credentials endpoint on 127.0.0.1 (random port, random bearer token checked on
//! every request) serves TARGET's credentials from stsenv's cache and renews them from the
//! cached MFA session or SSO token; COMMAND runs as a child whose SDKs fetch from it.
//!
//! SDKs look at environment keys, AWS_PROFILE and the files' `[default]` before the container
//! endpoint, so the child gets none of those: no keys or profile variables, an empty
//! credentials file, and a copy of the config whose `[default]` keeps only its settings
//! (region, output, …), never a credential source.

use crate::cli::ExecArgs;
use crate::credential_server::Server;
use crate::error::{Error, Result};
use crate::obtain::{self, Options};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::sync::atomic::{AtomicI32, Ordering};

static CHILD: AtomicI32 = AtomicI32::new(0);

pub fn run(args: &ExecArgs) -> Result<()> {
    let common = &args.assume.common;
    let (program, rest) = super::exec::command(&args.command);
    let (mut plan, profiles) = super::assume::plan(&args.assume, "exec")?;
    // The child asks the server, never a profile.
    plan.request.profile_env = false;
    if common.dry_run {
        return super::dry_run(&plan);
    }
    let cache = crate::cache::Cache::open()?;
    // The first credentials (and any prompt) before the child starts: no half-set child.
    let first = super::obtain_for(&plan, common, &cache)?;
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| Error::new(format!("cannot listen on 127.0.0.1: {e}")))?;
    let url = format!("http://{}/", listener.local_addr()?);
    let token = random_token()?;
    let dir = tempfile::Builder::new()
        .prefix("stsenv-server-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()?;
    let config = dir.path().join("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(&config, child_config(&std::fs::read_to_string(&profiles.config_file).unwrap_or_default()))?;
    std::fs::write(&credentials, "")?;

    let mut child = Command::new(&program);
    child.args(rest);
    super::exec::apply(&super::changes(&plan, &first, &profiles)?, &mut child);
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "STSENV_EXPIRES_AT",
        "STSENV_VARS",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ] {
        child.env_remove(name);
    }
    child
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url)
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &token)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_EC2_METADATA_DISABLED", "true");

    // Renewal goes through the cache (the MFA session, the SSO token), as `assume` would.
    let margin = cache.margin();
    let renew = move |may_prompt: bool| {
        let options = Options { token_code: None, may_prompt, cache: crate::cache::Mode::Use };
        obtain::obtain(&plan, &options, &cache).map(|got| got.creds)
    };
    let server = Server::new(token, margin, first.creds, Box::new(renew));
    std::thread::spawn(move || server.serve(listener));

    let mut running =
        crate::secrets::for_child(&mut child).spawn().map_err(|e| super::exec::exec_failed(&program, e))?;
    CHILD.store(running.id() as i32, Ordering::SeqCst);
    forward_signals();
    let status = running.wait()?;
    // The server thread never returns: leave by exiting, which closes the listener — and
    // skips destructors, so the child's files go first.
    let _ = std::fs::remove_dir_all(dir.path());
    let _ = std::io::stderr().flush();
    match (status.code(), status.signal()) {
        (Some(code), _) => std::process::exit(code),
        (None, Some(signal)) => unsafe {
            // Die of the same signal, so our parent sees what the command did.
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
            std::process::exit(128 + signal)
        },
        _ => std::process::exit(1),
    }
}

/// The user's config with `[default]`'s credential settings left out.
pub fn child_config(text: &str) -> String {
    let mut in_default = false;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.split(']').next()) {
            in_default = header.trim() == "default" || header.split_whitespace().eq(["profile", "default"]);
        } else if in_default
            && let Some((key, _)) = trimmed.split_once('=')
            && crate::profile::CREDENTIAL_KEYS.contains(&key.trim().to_ascii_lowercase().as_str())
        {
            continue;
        }
        out += line;
    }
    out
}

fn random_token() -> Result<String> {
    let mut bytes = [0u8; 24];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Ctrl-C and Ctrl-\ reach the command from the terminal itself; stsenv ignores them and
/// passes on what is sent to it alone (SIGTERM, SIGHUP, SIGUSR1/2).
fn forward_signals() {
    extern "C" fn forward(signal: libc::c_int) {
        let child = CHILD.load(Ordering::SeqCst);
        if child > 0 {
            unsafe {
                libc::kill(child, signal);
            }
        }
    }
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGQUIT, libc::SIG_IGN);
        for signal in [libc::SIGTERM, libc::SIGHUP, libc::SIGUSR1, libc::SIGUSR2] {
            libc::signal(signal, forward as *const () as libc::sighandler_t);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn child_config_keeps_settings_and_drops_credential_sources() {
        let text = "[default]\nregion = eu-west-1\nmfa_serial = arn\nrole_arn = x\n\n[profile other]\nrole_arn = y\n";
        assert_eq!(super::child_config(text), "[default]\nregion = eu-west-1\n\n[profile other]\nrole_arn = y\n");
    }
}
