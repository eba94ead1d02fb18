//! The command line.

use crate::cache::Mode;
use crate::render::{Format, Shell};
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "stsenv",
    version,
    about = "AWS temporary credentials (AssumeRole / GetSessionToken with MFA) for your shell",
    after_help = "Quick start:  eval \"$(stsenv assume PROFILE)\"   (fish: stsenv assume PROFILE | source)\n\
                  Shell setup:  eval \"$(stsenv init bash)\"  in ~/.bashrc (zsh, fish, direnv likewise)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Assume a role and print shell code that exports its credentials
    Assume(AssumeCmd),
    /// Get an MFA session (GetSessionToken) for an IAM user's keys and print shell code for it
    Session(SessionArgs),
    /// Print shell code that removes every variable stsenv set
    Unset(ShellArg),
    /// Get fresh credentials for what this shell assumed, the same way (STSENV_REQUEST)
    Renew(RenewArgs),
    /// Sign in to IAM Identity Center (SSO) and cache the token, shared with the AWS CLI
    Login(LoginArgs),
    /// Run a command with TARGET's credentials in its environment (no COMMAND: $SHELL)
    Exec(ExecArgs),
    /// Print TARGET's credentials as credential_process JSON (for `credential_process =` in ~/.aws/config)
    CredentialProcess(CredentialProcessArgs),
    /// Sign in to the AWS console with TARGET's credentials (no TARGET: this shell's)
    Console(ConsoleArgs),
    /// Print the shell integration: a `stsenv` function and an expiry hook
    Init(InitArgs),
    /// Print shell completions
    Completions {
        #[arg(value_enum)]
        shell: Option<CompletionShell>,
    },
    /// Show who the current credentials belong to and how long they last
    Status(StatusArgs),
    /// List or clear cached credentials
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// List the profile names in the AWS config files
    Profiles(ProfilesArgs),
    /// Long-term IAM user keys in the OS keyring, an encrypted file or pass instead of plaintext ~/.aws/credentials
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// IAM Identity Center: profiles for every account and role a sign-in reaches
    Sso {
        #[command(subcommand)]
        action: SsoAction,
    },
    /// Print the man page, or write one page per subcommand into a directory on MANPATH
    Man(ManArgs),
}

#[derive(Subcommand, Debug)]
pub enum KeysAction {
    /// Move PROFILE's keys from ~/.aws/credentials into a store (none there: asks)
    Add {
        #[arg(add = profile_completer())]
        profile: String,
        /// Read the access key id and the secret, a line each, from stdin
        #[arg(long)]
        from_stdin: bool,
        /// Where [default: the OS keyring where one answers, else the encrypted file]
        #[arg(long, value_enum)]
        store: Option<crate::store::Store>,
    },
    /// The profiles whose keys stsenv keeps, with their key ids and stores
    List,
    /// Delete PROFILE's keys from their store
    Remove {
        #[arg(add = profile_completer())]
        profile: String,
    },
    /// Put PROFILE's keys back into ~/.aws/credentials (plaintext) and out of their store
    Export {
        #[arg(add = profile_completer())]
        profile: String,
    },
    /// Move PROFILE's keys to another store (read back before the old entry goes)
    Migrate {
        #[arg(add = profile_completer())]
        profile: String,
        #[arg(long, value_enum)]
        to: crate::store::Store,
    },
    /// Ask the encrypted file's passphrase and keep it unlocked (STSENV_UNLOCK_TTL, default 15m)
    Unlock,
    /// Forget the encrypted file's unlock now
    Lock,
    /// Replace PROFILE's access key with a new one: create, store, prove, then delete the old
    Rotate {
        #[arg(add = profile_completer())]
        profile: String,
        /// The 6-digit MFA code, when the profile names a device (else asked on the terminal)
        #[arg(long, value_name = "CODE", value_parser = parse_token_code)]
        token_code: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum SsoAction {
    /// Write a profile for every account and role into ~/.aws/config (a block stsenv owns)
    Populate(PopulateArgs),
}

#[derive(Args, Debug)]
pub struct PopulateArgs {
    /// The [sso-session NAME] to list [default: the only one in the config]
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    /// Use the SSO session of this profile
    #[arg(value_name = "PROFILE", add = profile_completer(), conflicts_with = "sso_session")]
    pub profile: Option<String>,
    /// Profile names from {account_name}, {account_id}, {role_name} and {sso_session}
    #[arg(long, value_name = "TEMPLATE", default_value = crate::populate::DEFAULT_TEMPLATE)]
    pub template: String,
    /// `region =` in every profile [default: --copy-from's region, else the sso_region]
    #[arg(long)]
    pub region: Option<String>,
    /// Copy this profile's settings (output, duration_seconds, …) into every profile
    #[arg(long, value_name = "PROFILE", add = profile_completer())]
    pub copy_from: Option<String>,
    /// Remove the profiles of roles the sign-in no longer reaches (else they are kept)
    #[arg(long)]
    pub prune: bool,
    /// Print the change to the config file as a diff; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Fail instead of signing in when the sign-in has expired
    #[arg(long)]
    pub no_prompt: bool,
}

impl Command {
    /// Subcommands whose stdout is meant for `eval`: on failure they print `false`.
    pub fn name_evals(name: &str) -> bool {
        matches!(name, "assume" | "session" | "unset" | "init" | "renew")
    }
}

#[derive(Args, Debug)]
pub struct AssumeCmd {
    #[command(flatten)]
    pub assume: AssumeArgs,
    #[command(flatten)]
    pub output: Output,
}

impl Command {
    /// `--profile P` (the AWS CLI's habit) is TARGET. In `exec` a positional it displaces is
    /// the command's first word (`exec --profile P aws s3 ls`); elsewhere it is one too many.
    pub fn normalize(&mut self) -> crate::error::Result<()> {
        let (assume, command) = match self {
            Command::Assume(a) => (&mut a.assume, None),
            Command::Exec(e) => (&mut e.assume, Some(&mut e.command)),
            Command::CredentialProcess(c) => (&mut c.assume, None),
            Command::Console(c) => (&mut c.assume, None),
            _ => return Ok(()),
        };
        let Some(flag) = assume.profile_flag.take() else { return Ok(()) };
        match (assume.target.replace(flag), command) {
            (None, _) => Ok(()),
            (Some(first), Some(command)) => {
                command.insert(0, first);
                Ok(())
            }
            (Some(other), None) => Err(crate::error::Error::new(format!(
                "--profile and {} both name what to assume",
                crate::error::q(&other)
            ))
            .hint("give one: stsenv assume PROFILE")),
        }
    }
}

/// What to assume and how: shared by `assume`, `exec`, `credential-process` and `console`.
#[derive(Args, Debug)]
pub struct AssumeArgs {
    /// A profile name, a role ARN, or the name of a role in the source account
    #[arg(value_name = "PROFILE|ROLE_ARN|ROLE_NAME", add = profile_completer())]
    pub target: Option<String>,
    /// TARGET as the AWS CLI spells it (`--profile P`); see `Command::normalize`
    #[arg(long = "profile", value_name = "PROFILE", hide = true, add = profile_completer())]
    pub profile_flag: Option<String>,
    /// Take TARGET as a role name (in the source account) even if it looks like a profile
    #[arg(long)]
    pub role: bool,
    /// Source of credentials for a role ARN or name [default: AWS_PROFILE, else AWS_DEFAULT_PROFILE, else default]
    #[arg(long, value_name = "PROFILE", add = profile_completer())]
    pub source_profile: Option<String>,
    /// Role session name [default: your IAM user name from the MFA device, else $USER]
    #[arg(long, value_name = "NAME")]
    pub session_name: Option<String>,
    /// External ID the role's trust policy requires
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// TARGET is ACCOUNT/ROLE (account name or id) of this [sso-session NAME]: no profile needed
    #[arg(long, value_name = "NAME", conflicts_with_all = ["role", "source_profile", "external_id"])]
    pub sso_session: Option<String>,
    #[command(flatten)]
    pub narrow: NarrowArgs,
    /// Export only AWS_PROFILE, naming `[profile TARGET.stsenv]` whose credential_process is
    /// stsenv: no keys in the environment, every tool fetches (and renews) on demand
    /// [default with STSENV_MODE=profile]
    #[arg(long)]
    pub profile_env: bool,
    #[command(flatten)]
    pub common: Common,
}

/// Narrowing the role on the way in (AssumeRole's session policies, tags, source identity).
#[derive(Args, Debug, Default)]
pub struct NarrowArgs {
    /// A session policy (a JSON file, or the JSON itself): the role gets only what both allow
    #[arg(long, value_name = "FILE|JSON")]
    pub policy: Option<String>,
    /// A managed policy as a session policy (repeatable, at most 10)
    #[arg(long, value_name = "ARN")]
    pub policy_arn: Vec<String>,
    /// Take the role read-only: the AWS managed ReadOnlyAccess as a session policy
    #[arg(long)]
    pub read_only: bool,
    /// A session tag (repeatable, at most 50) [also: the profile's session_tags]
    #[arg(long, value_name = "KEY=VALUE", value_parser = crate::plan::parse_tag)]
    pub tag: Vec<(String, String)>,
    /// A session tag that passes on to roles chained after this one (repeatable)
    #[arg(long, value_name = "KEY")]
    pub transitive_tag: Vec<String>,
    /// The source identity, kept through every role chained after this one
    #[arg(long, value_name = "NAME")]
    pub source_identity: Option<String>,
}

#[derive(Args, Debug)]
pub struct RenewArgs {
    /// Fail instead of asking for an MFA code or a sign-in (for hooks)
    #[arg(long)]
    pub no_prompt: bool,
    #[command(flatten)]
    pub shell: ShellArg,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write stsenv.1 and stsenv-SUBCOMMAND.1 here (e.g. ~/.local/share/man/man1)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct ProfilesArgs {
    /// With where each profile's credentials come from (keys, role, SSO sign-in, …)
    #[arg(long, short)]
    pub long: bool,
}

#[derive(Args, Debug)]
pub struct ExecArgs {
    #[command(flatten)]
    pub assume: AssumeArgs,
    /// Serve renewing credentials to COMMAND from a local endpoint instead of exporting keys
    #[arg(long)]
    pub server: bool,
    /// The command and its arguments (after `--` when they start with a dash)
    #[arg(
        value_name = "COMMAND",
        trailing_var_arg = true,
        allow_hyphen_values = true,
        add = clap_complete::engine::ArgValueCompleter::new(CommandCompleter)
    )]
    pub command: Vec<String>,
}

#[derive(Args, Debug)]
pub struct CredentialProcessArgs {
    #[command(flatten)]
    pub assume: AssumeArgs,
    /// Instead: add `[profile NAME]` with `credential_process = stsenv credential-process TARGET …`
    /// to the config file (only that section changes)
    #[arg(long, value_name = "NAME")]
    pub write_config: Option<String>,
}

#[derive(Args, Debug)]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub assume: AssumeArgs,
    /// Print the login URL on stdout instead of opening a browser (it holds a sign-in token)
    #[arg(long)]
    pub print: bool,
    /// The console page to land on (a full URL)
    #[arg(long, value_name = "URL", conflicts_with = "service")]
    pub destination: Option<String>,
    /// The console of one service, e.g. s3, ec2, cloudwatch
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// The Issuer shown when the console session ends [default: stsenv]
    #[arg(long, value_name = "NAME")]
    pub issuer: Option<String>,
    /// chromium, chrome, brave, edge, vivaldi, firefox, firefox-developer, librewolf, safari,
    /// default, or a command line (the URL appended) [default: STSENV_BROWSER, else BROWSER]
    #[arg(long, value_name = "NAME|COMMAND")]
    pub browser: Option<String>,
    /// The browser profile: Chromium's profile directory (`Default`, `Profile 1`, or a new
    /// one), Firefox's profile name (created if missing)
    #[arg(long, value_name = "NAME")]
    pub browser_profile: Option<String>,
    /// Firefox: open in a container, named after TARGET unless NAME is given (needs the
    /// "Open URL in Container" extension)
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
    pub container: Option<String>,
    /// For an SSO profile: `portal` (the IAM Identity Center shortcut link: AWS's
    /// multi-session console keeps other accounts open) or `federation` (a sign-in token)
    /// [default: portal for SSO profiles]
    #[arg(long, value_enum)]
    pub via: Option<ConsoleVia>,
    /// Copy the URL to the clipboard through the terminal (OSC 52; over SSH and in tmux too)
    #[arg(long, conflicts_with = "print")]
    pub copy: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConsoleVia {
    Portal,
    Federation,
}

#[derive(Args, Debug)]
pub struct LoginArgs {
    /// An SSO profile [default: AWS_PROFILE, else default]
    #[arg(value_name = "PROFILE", add = profile_completer(), conflicts_with = "sso_session")]
    pub profile: Option<String>,
    /// Sign in to this [sso-session NAME] instead of a profile's
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    /// Only print the URL (and code); do not open a browser
    #[arg(long)]
    pub no_browser: bool,
    /// Sign in with a code shown here and confirmed in any browser (chosen by itself over SSH
    /// or with no display), instead of the browser redirect to this machine
    #[arg(long)]
    pub use_device_code: bool,
}

#[derive(Args, Debug)]
pub struct SessionArgs {
    /// Profile with the IAM user's long-term keys [default: AWS_PROFILE, else default]
    #[arg(value_name = "PROFILE", add = profile_completer())]
    pub profile: Option<String>,
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub output: Output,
}

/// How credentials are got: shared by every subcommand that gets them.
#[derive(Args, Debug)]
pub struct Common {
    /// How long the credentials last: seconds or 15m, 1h, 12h [AssumeRole: 15m-12h, default 1h; session: 15m-36h, default 12h]
    #[arg(long, short = 'd', value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<u32>,
    /// The 6-digit MFA code, instead of asking on the terminal
    #[arg(long, value_name = "CODE", value_parser = parse_token_code)]
    pub token_code: Option<String>,
    /// MFA device ARN [default: the profile's mfa_serial]
    #[arg(long, value_name = "ARN")]
    pub serial_number: Option<String>,
    /// Region to export and to call STS in [default: the profile's region]
    #[arg(long)]
    pub region: Option<String>,
    /// Print the plan (source, STS calls, region) on stderr and call nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Call STS again even if the cache holds valid credentials (the MFA session is kept)
    #[arg(long, conflicts_with = "no_cache")]
    pub refresh: bool,
    /// Neither read nor write the credential cache
    #[arg(long)]
    pub no_cache: bool,
    /// Fail instead of asking for an MFA code (for hooks and scripts)
    #[arg(long)]
    pub no_prompt: bool,
}

/// Where `assume` and `session` put the credentials: shell code, data, or a profile section.
#[derive(Args, Debug)]
pub struct Output {
    #[command(flatten)]
    pub shell: ShellArg,
    /// Write the credentials into this section of the credentials file instead of printing them
    #[arg(long, value_name = "NAME")]
    pub write_profile: Option<String>,
    /// With --write-profile: overwrite a section that holds long-term keys
    #[arg(long, requires = "write_profile")]
    pub force: bool,
}

impl Common {
    pub fn cache_mode(&self) -> Mode {
        match (self.no_cache, self.refresh) {
            (true, _) => Mode::Off,
            (_, true) => Mode::Refresh,
            _ => Mode::Use,
        }
    }
}

#[derive(Args, Debug)]
pub struct ShellArg {
    /// Shell to print code for [default: STSENV_SHELL (set by `stsenv init`'s function), else the parent process, else $SHELL]
    #[arg(long, value_enum)]
    pub shell: Option<Shell>,
    /// Data instead of shell code: dotenv (docker --env-file, python-dotenv) or json (credential_process)
    #[arg(long, value_enum, conflicts_with = "shell")]
    pub format: Option<Format>,
}

impl ShellArg {
    /// `--format`: data asked for by name, which may be shown on a terminal.
    pub fn is_data(&self) -> bool {
        self.format.is_some()
    }

    pub fn get(&self) -> Shell {
        self.format.map(Format::target).or(self.shell).unwrap_or_else(Shell::detect)
    }

    /// `--shell` names another shell than the one running stsenv: code to carry elsewhere
    /// (`--shell fish > env.fish`), not to apply here.
    pub fn for_another_shell(&self) -> bool {
        self.shell.is_some_and(|shell| shell != Shell::detect())
    }
}

#[derive(Args, Debug)]
pub struct InitArgs {
    #[arg(value_enum)]
    pub shell: Option<InitShell>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InitShell {
    Bash,
    Zsh,
    Fish,
    Direnv,
    Pwsh,
    Nu,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Pwsh,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// One short line from the environment alone (profile and minutes left), no AWS call: for prompts
    #[arg(long)]
    pub short: bool,
}

#[derive(Subcommand, Debug)]
pub enum CacheAction {
    /// List cached credentials and how long each lasts
    List,
    /// Remove cached credentials: one profile's, or all
    Clear {
        #[arg(add = profile_completer())]
        profile: Option<String>,
    },
}

fn parse_token_code(text: &str) -> Result<String, String> {
    crate::mfa::checked(text.trim()).map_err(|e| e.to_string())
}

fn parse_duration(text: &str) -> Result<u32, String> {
    crate::duration::parse(text).map_err(|e| e.to_string())
}

/// Profile names for dynamic completion, read from the user's AWS config files.
fn profile_completer() -> clap_complete::engine::ArgValueCompleter {
    clap_complete::engine::ArgValueCompleter::new(|current: &std::ffi::OsStr| {
        let current = current.to_string_lossy();
        crate::memo::profile_names()
            .map(|names| {
                names
                    .into_iter()
                    .filter(|n| n.starts_with(current.as_ref()))
                    .map(clap_complete::CompletionCandidate::new)
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// `exec`'s COMMAND: a program on PATH first (or a path, once it has a `/`), then files.
struct CommandCompleter;

impl clap_complete::engine::ValueCompleter for CommandCompleter {
    fn complete(&self, current: &std::ffi::OsStr) -> Vec<clap_complete::CompletionCandidate> {
        self.complete_at(0, current)
    }

    fn complete_at(&self, arg_index: usize, current: &std::ffi::OsStr) -> Vec<clap_complete::CompletionCandidate> {
        use clap_complete::engine::PathCompleter;
        let prefix = current.to_string_lossy();
        if arg_index > 0 || prefix.contains('/') {
            return PathCompleter::any().complete(current);
        }
        let mut names: Vec<String> = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .filter_map(|dir| std::fs::read_dir(dir).ok())
            .flat_map(|entries| entries.flatten())
            .filter(|e| {
                use std::os::unix::fs::PermissionsExt;
                e.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            })
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| name.starts_with(prefix.as_ref()))
            .collect();
        names.sort_unstable();
        names.dedup();
        names.into_iter().map(clap_complete::CompletionCandidate::new).collect()
    }
}
