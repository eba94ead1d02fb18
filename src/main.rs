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
        Err(err) => {
            let _ = err.print();
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

/// stdout is eval'd: make the eval fail too.
fn fail_eval() {
    let _ = std::io::stdout().write_all(FAILURE.as_bytes());
}
