//! One file per subcommand.

mod assume;
mod cache;
mod completions;
mod console;
mod credential_process;
mod exec;
mod init;
mod keys;
mod login;
mod man;
mod profiles;
mod renew;
mod server;
mod session;
mod sso;
mod status;
mod unset;

use crate::cli::{Cli, Command, Common, Output};
use crate::error::Result;
use crate::memo;
use crate::obtain::{self, Options};
use crate::plan::Plan;
use crate::profile::Profiles;
use crate::render::{self, Shell};
use crate::vars;
use std::io::{IsTerminal, Write};

pub fn run(mut cli: Cli) -> Result<()> {
    crate::secrets::no_core_dumps();
    cli.command.normalize()?;
    match cli.command {
        Command::Assume(args) => assume::run(&args),
        Command::Session(args) => session::run(&args),
        Command::Unset(args) => unset::run(&args),
        Command::Init(args) => init::run(args.shell),
        Command::Login(args) => login::run(&args),
        Command::Exec(args) if args.server => server::run(&args),
        Command::Exec(args) => exec::run(&args),
        Command::CredentialProcess(args) => credential_process::run(&args),
        Command::Console(args) => console::run(&args),
        Command::Completions { shell } => completions::run(shell),
        Command::Status(args) => status::run(&args),
        Command::Cache { action } => cache::run(&action),
        Command::Profiles(args) => profiles::run(&args),
        Command::Renew(args) => renew::run(&args),
        Command::Man(args) => man::run(&args),
        Command::Sso { action } => sso::run(&action),
        Command::Keys { action } => keys::run(&action),
    }
}

/// What `assume` and `session` share once they have a plan: run it, then print shell code
/// (or write the credentials file with --write-profile).
fn deliver(plan: &Plan, common: &Common, output: &Output, profiles: &Profiles) -> Result<()> {
    if common.dry_run {
        return dry_run(plan);
    }
    if output.write_profile.is_none() && !output.shell.is_data() && std::io::stdout().is_terminal() {
        // Nothing would eval it: do not show secrets on the screen for nothing.
        let words = format!("{} {}", plan.request.verb, render::posix_quote(&plan.label));
        return Err(match output.shell.shell {
            // Another shell's code asked for by name: where that shell runs it.
            Some(shell) => not_evaluated_in(shell, &words),
            None => not_evaluated(&words),
        });
    }
    let cache = crate::cache::Cache::open()?;
    let got = obtain_for(plan, common, &cache)?;
    remember(&cache, plan, profiles, &got, common);
    if let Some(section) = &output.write_profile {
        crate::credentials_file::write(&profiles.credentials_file, section, &got.creds, output.force, &cache)?;
        let until =
            got.creds.expires_at.map_or(String::new(), |at| format!(", valid until {}", crate::creds::rfc3339(at)));
        eprintln!("stsenv: wrote [{section}] to {}{until}", profiles.credentials_file.display());
        return Ok(());
    }
    print(&output.shell, &changes(plan, &got, profiles)?)?;
    crate::picker::record(&cache, &plan.label);
    Ok(())
}

/// `--dry-run`: the plan on stderr, each cached step marked with its time left.
fn dry_run(plan: &Plan) -> Result<()> {
    let cache = crate::cache::Cache::open()?;
    let mut text = String::new();
    let _ = plan.describe(&mut text, &obtain::cached(plan, &cache));
    eprintln!("{text}");
    Ok(())
}

/// A cache hit with no resolution: what the memo says this command line resolves to, when
/// its cache entry is fresh. `None` sends the command down the whole path.
fn remembered(cache: &crate::cache::Cache, common: &Common) -> Option<(memo::Resolved, obtain::Obtained)> {
    if common.dry_run || common.cache_mode() != crate::cache::Mode::Use || profile_mode() {
        return None;
    }
    let resolved: memo::Resolved = memo::lookup(cache, "resolve", &command_line())?;
    let creds = cache.fresh(&resolved.key)?;
    let got =
        obtain::Obtained { creds, cache_file: Some(cache.path(&resolved.key)), cache_key: Some(resolved.key.clone()) };
    Some((resolved, got))
}

/// Remembers what this command line resolved to, when the answer is a cache entry and did
/// not depend on keys in the environment (which the memo does not see).
fn remember(cache: &crate::cache::Cache, plan: &Plan, profiles: &Profiles, got: &obtain::Obtained, common: &Common) {
    let from_env = matches!(plan.source, crate::source::Source::Environment { .. })
        || matches!(&plan.source, crate::source::Source::WebIdentity(w) if w.profile.is_none());
    // `--profile-env` writes its profile on the way: always the whole path.
    let skip = common.dry_run || plan.request.picked || plan.request.profile_env;
    let (Some(key), false, false) = (&got.cache_key, from_env, skip) else {
        return;
    };
    memo::store(cache, "resolve", &command_line(), resolved(plan, profiles, key.clone()));
}

/// What a resolution decided, as the memo keeps it and the renderer needs it.
fn resolved(plan: &Plan, profiles: &Profiles, key: String) -> memo::Resolved {
    // The profile a fish universal AWS_PROFILE is shadowed with: one that exists.
    let config_profile =
        if profiles.get(&plan.label).is_some() { Some(plan.label.as_str()) } else { plan.source.profile() };
    memo::Resolved {
        key,
        label: plan.label.clone(),
        region: plan.region.clone(),
        config_profile: config_profile.map(str::to_owned),
        request: shell_words::join(plan.request.words()),
    }
}

/// The arguments, less what never changes a resolution (a one-time MFA code).
fn command_line() -> Vec<String> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--token-code") {
        args.drain(i..(i + 2).min(args.len()));
    }
    args.retain(|a| !a.starts_with("--token-code="));
    args
}

/// Prints a remembered hit (`assume`, `session`): true when done.
fn print_remembered(common: &Common, output: &Output) -> Result<bool> {
    if output.write_profile.is_some() || (std::io::stdout().is_terminal() && !output.shell.is_data()) {
        return Ok(false);
    }
    let cache = crate::cache::Cache::open()?;
    let Some((resolved, got)) = remembered(&cache, common) else { return Ok(false) };
    print(&output.shell, &remembered_changes(&resolved, &got))?;
    crate::picker::record(&cache, &resolved.label);
    Ok(true)
}

fn remembered_changes(resolved: &memo::Resolved, got: &obtain::Obtained) -> vars::Changes {
    let session = vars::Session {
        label: &resolved.label,
        creds: &got.creds,
        region: resolved.region.as_deref(),
        config_profile: resolved.config_profile.as_deref(),
        request: Some(resolved.request.clone()),
        profile_env: None,
    };
    let mut changes = vars::session(&session, &vars::real_env);
    changes.watch = got.cache_file.as_ref().map(|f| f.with_extension("renewed"));
    changes
}

/// Runs the plan with the command line's cache and prompt options.
fn obtain_for(plan: &Plan, common: &Common, cache: &crate::cache::Cache) -> Result<obtain::Obtained> {
    let options =
        Options { token_code: common.token_code.as_deref(), may_prompt: !common.no_prompt, cache: common.cache_mode() };
    obtain::obtain(plan, &options, cache)
}

/// The variables for the credentials a plan obtained: the keys, or with `--profile-env` the
/// profile stsenv keeps for the target.
fn changes(plan: &Plan, got: &obtain::Obtained, profiles: &Profiles) -> Result<vars::Changes> {
    if plan.request.profile_env {
        return profile_env_changes(plan, got, profiles);
    }
    Ok(remembered_changes(&resolved(plan, profiles, got.cache_key.clone().unwrap_or_default()), got))
}

/// `--profile-env`: `[profile TARGET.stsenv]` (a section stsenv owns, written once, never the
/// user's TARGET) runs `stsenv credential-process` for TARGET, so every SDK gets TARGET's
/// credentials from stsenv's cache on demand; the shell holds only AWS_PROFILE, the region and
/// how long renewals need no prompt (the MFA session, the SSO sign-in).
fn profile_env_changes(plan: &Plan, got: &obtain::Obtained, profiles: &Profiles) -> Result<vars::Changes> {
    if let Some(kept_for) = profiles.get(&plan.label).and_then(|p| crate::profile::value(p, "stsenv_profile_env")) {
        return Err(crate::error::Error::new("this is the profile --profile-env keeps for another")
            .profile(&plan.label)
            .hint(format!("run `stsenv assume {} --profile-env`", shell_words::quote(kept_for))));
    }
    let cache = crate::cache::Cache::open()?;
    let name = env_profile_name(&plan.label);
    let asked = crate::plan::Request { profile_env: false, ..plan.request.clone() }.words();
    let command = credential_process::command_line(asked.into_iter().skip(1))?;
    let mut settings = vec![("stsenv_profile_env", plan.label.clone())];
    if let Some(region) = &plan.region {
        settings.push(("region", region.clone()));
    }
    crate::credentials_file::write_credential_process(&profiles.config_file, &name, &command, &settings, &cache)
        .map_err(|e| e.hint(format!("--profile-env keeps [profile {name}] for itself: rename yours")))?;
    let request = shell_words::join(plan.request.words());
    let session = vars::Session {
        label: &plan.label,
        creds: &got.creds,
        region: plan.region.as_deref(),
        config_profile: Some(&name),
        request: Some(request),
        profile_env: Some(vars::ProfileEnv { profile: &name, expires_at: obtain::renewable_until(plan, &cache) }),
    };
    let mut changes = vars::session(&session, &vars::real_env);
    changes.watch = got.cache_file.as_ref().map(|f| f.with_extension("renewed"));
    Ok(changes)
}

/// `STSENV_MODE=profile`: `--profile-env` is the default for `assume` and `exec`.
fn profile_mode() -> bool {
    std::env::var("STSENV_MODE").is_ok_and(|m| m == "profile")
}

/// The profile `--profile-env` keeps for TARGET: `TARGET.stsenv`, any character a profile
/// name cannot hold (an ARN's `:` and `/`) as `-`.
fn env_profile_name(label: &str) -> String {
    let clean: String =
        label.chars().map(|c| if c.is_ascii_alphanumeric() || "_-.@+".contains(c) { c } else { '-' }).collect();
    format!("{clean}.stsenv")
}

fn print(output: &crate::cli::ShellArg, changes: &vars::Changes) -> Result<()> {
    let shell = output.get();
    render::check(shell, changes)?;
    write_stdout(&render::render(shell, changes))?;
    if shell.failure() == render::FAILURE
        && !output.for_another_shell()
        && std::io::stderr().is_terminal()
        && piped_past_the_shell()
    {
        eprintln!(
            "stsenv: the shell code went into a pipe that no shell of yours reads (`… | tee` runs in a subshell), so nothing changed here; run `stsenv …` with the init line (any output: `> /dev/null` too), or `eval \"$(stsenv …)\"`"
        );
    }
    Ok(())
}

/// stdout is a pipe that no ancestor reads: `stsenv assume X | tee log` in bash, where the
/// code goes to tee. `eval "$(…)"`, `| source` and direnv all have the reading shell among
/// the ancestors (`/proc/PID/fd` names the pipe, `/proc/PID/fdinfo` its read end).
fn piped_past_the_shell() -> bool {
    let Ok(pipe) = std::fs::read_link("/proc/self/fd/1") else { return false };
    if !pipe.to_string_lossy().starts_with("pipe:") {
        return false;
    }
    let reads = |pid: u32| -> bool {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
        fds.flatten().any(|fd| {
            std::fs::read_link(fd.path()).is_ok_and(|target| target == pipe)
                && std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{}", fd.file_name().to_string_lossy()))
                    .ok()
                    .and_then(|info| info.lines().find_map(|l| l.strip_prefix("flags:").map(|f| f.trim().to_owned())))
                    .and_then(|flags| i32::from_str_radix(&flags, 8).ok())
                    .is_some_and(|flags| flags & libc::O_ACCMODE == libc::O_RDONLY)
        })
    };
    let parent = |pid: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()
    };
    let mut pid = std::os::unix::process::parent_id();
    for _ in 0..4 {
        if pid <= 1 {
            break;
        }
        if reads(pid) {
            return false;
        }
        let Some(next) = parent(pid) else { break };
        pid = next;
    }
    true
}

fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// `--shell SHELL` at a terminal: how that shell runs the code.
fn not_evaluated_in(shell: Shell, words: &str) -> crate::error::Error {
    let (name, how) = match shell {
        Shell::Fish => ("fish", format!("stsenv {words} --shell fish | source")),
        Shell::Pwsh => ("PowerShell", format!("Invoke-Expression (stsenv {words} --shell pwsh | Out-String)")),
        Shell::Nu => ("nushell", "the `stsenv` command of `stsenv init nu`".to_owned()),
        Shell::Direnv => ("direnv", "`use stsenv` in .envrc (`stsenv init direnv`)".to_owned()),
        Shell::Zsh => ("zsh", format!("eval \"$(stsenv {words} --shell zsh)\"")),
        _ => ("bash", format!("eval \"$(stsenv {words} --shell bash)\"")),
    };
    crate::error::Error::new(format!("this prints {name} code, and stdout is a terminal"))
        .hint(format!("run it in {name}: {how}"))
}

/// `stsenv WORDS` (`assume X`, `unset`, …) typed at a terminal: the code would only be shown.
fn not_evaluated(words: &str) -> crate::error::Error {
    let (run, init) = match Shell::detect() {
        Shell::Fish => (format!("stsenv {words} | source"), "`stsenv init fish | source` to ~/.config/fish/config.fish"),
        Shell::Zsh => (format!("eval \"$(stsenv {words})\""), "`eval \"$(stsenv init zsh)\"` to ~/.zshrc"),
        _ => (format!("eval \"$(stsenv {words})\""), "`eval \"$(stsenv init bash)\"` to ~/.bashrc"),
    };
    crate::error::Error::new("this prints shell code for your shell to run, and stdout is a terminal")
        .hint(format!("run `{run}`, or add {init} and run `stsenv {words}`"))
}
