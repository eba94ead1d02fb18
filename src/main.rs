use clap::{CommandFactory, Parser};
use std::io::Write;
use std::process::ExitCode;
use stsenv::cli::Cli;
use stsenv::render::FAILURE;

fn main() -> ExitCode {
    // Answers shell completion requests (COMPLETE=bash stsenv …) and exits; a no-op otherwise.
    clap_complete::CompleteEnv::with_factory(Cli::command).complete();

    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => err.exit(), // --help, --version
        Err(err) if err.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print(); // bare `stsenv`: the whole help, on stderr
            fail_eval();
            return ExitCode::from(2);
        }
        Err(err) => {
            eprintln!("stsenv: {}", one_line(&err.render().to_string()));
            fail_eval();
            return ExitCode::from(2);
        }
    };
    let evals = cli.command.evals();
    let result = std::panic::catch_unwind(|| stsenv::cmd::run(cli));
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(err)) => {
            eprintln!("stsenv: {err}");
            if evals {
                fail_eval();
            }
            ExitCode::FAILURE
        }
        // The panic hook has printed the message; keep the eval contract all the same.
        Err(_) => {
            fail_eval();
            ExitCode::from(101)
        }
    }
}

/// clap's usage error as one line, like every other error: its text up to the usage block.
fn one_line(rendered: &str) -> String {
    rendered
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .trim_start_matches("error: ")
        .to_owned()
}

/// stdout is eval'd: make the eval fail too.
fn fail_eval() {
    let _ = std::io::stdout().write_all(FAILURE.as_bytes());
}
