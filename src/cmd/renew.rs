//! `stsenv renew`: fresh credentials for what this shell assumed, asked for the same way —
//! a role ARN with `--source-profile`, `--duration`, `--session-name`… — from the words the
//! session keeps in STSENV_REQUEST. They are parsed as arguments, never evaluated.

use crate::cli::{Cli, Command, RenewArgs};
use crate::error::{Error, Result};
use clap::Parser;

pub fn run(args: &RenewArgs) -> Result<()> {
    let request = std::env::var("STSENV_REQUEST").ok().filter(|r| !r.is_empty()).ok_or_else(|| {
        Error::new("no stsenv session to renew here (STSENV_REQUEST is not set)").hint("run `stsenv assume PROFILE`")
    })?;
    let words = shell_words::split(&request).map_err(|e| Error::new(format!("STSENV_REQUEST cannot be read: {e}")))?;
    if !matches!(words.first().map(String::as_str), Some("assume" | "session")) {
        return Err(Error::new("STSENV_REQUEST does not hold an assume or a session"));
    }
    let mut argv = vec!["stsenv".to_owned()];
    argv.extend(words);
    // Options go before the `--` that precedes the target.
    let at = argv.iter().position(|w| w == "--").unwrap_or(argv.len());
    let mut extra = vec!["--refresh".to_owned()];
    if args.no_prompt {
        extra.push("--no-prompt".to_owned());
    }
    if let Some(shell) = args.shell.shell {
        extra.extend(["--shell".to_owned(), clap::ValueEnum::to_possible_value(&shell).unwrap().get_name().to_owned()]);
    }
    argv.splice(at..at, extra);
    let cli = Cli::try_parse_from(&argv).map_err(|e| Error::new(format!("STSENV_REQUEST: {}", e.kind())))?;
    match cli.command {
        Command::Assume(_) | Command::Session(_) => super::run(cli),
        _ => Err(Error::new("STSENV_REQUEST does not hold an assume or a session")),
    }
}
