use clap::{CommandFactory, Parser};
use std::io::Write;
use std::process::ExitCode;
use std::sync::OnceLock;
use stsenv::cli::{Cli, Command};
use stsenv::render::Shell;

/// What stdout gets on failure, chosen once from the command line (see `Shell::failure`).
static FAILURE_TEXT: OnceLock<&'static str> = OnceLock::new();

fn main() -> ExitCode {
    // Answers shell completion requests (COMPLETE=bash stsenv …) and exits; a no-op otherwise.
    clap_complete::CompleteEnv::with_factory(Cli::command).complete();

    // Only the subcommands whose stdout is eval'd print `false` when they fail.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let evals = args.iter().find(|a| !a.starts_with('-')).is_some_and(|a| Command::name_evals(a));
    // A terminal evals nothing: `false` there is only noise.
    let failure = if evals && !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        Shell::from_args(&args).failure()
    } else {
        ""
    };
    FAILURE_TEXT.set(failure).ok();
    if evals {
        fail_eval_on_signals();
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => err.exit(), // --help, --version
        Err(err) if err.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print(); // bare `stsenv`: the whole help, on stderr
            return ExitCode::from(2);
        }
        Err(err) => {
            let (line, tips) = one_line(&err.render().to_string());
            eprintln!("stsenv: {line}");
            for tip in tips {
                eprintln!("stsenv: {tip}");
            }
            fail_eval();
            return ExitCode::from(2);
        }
    };
    let result = std::panic::catch_unwind(|| stsenv::cmd::run(cli));
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(err)) => {
            eprintln!("stsenv: {err}");
            fail_eval();
            ExitCode::from(err.exit_code().unwrap_or(1))
        }
        // The panic hook has printed the message; keep the eval contract all the same.
        Err(_) => {
            fail_eval();
            ExitCode::from(101)
        }
    }
}

/// clap's usage error as one line, like every other error (its text up to the usage
/// block), and its tips, each on a line of its own.
fn one_line(rendered: &str) -> (String, Vec<String>) {
    let lines: Vec<&str> = rendered
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let (tips, text): (Vec<&str>, Vec<&str>) = lines.into_iter().partition(|l| l.starts_with("tip:"));
    let line = text.join(" ").trim_start_matches("error: ").to_owned();
    (line, tips.into_iter().map(str::to_owned).collect())
}

/// Ctrl-C (at the MFA prompt, during a sign-in) or a termination signal: the eval'd text
/// must still fail, or `eval "$(stsenv assume X)" && deploy` goes on with the old keys.
fn fail_eval_on_signals() {
    extern "C" fn handler(signal: libc::c_int) {
        // Only async-signal-safe calls here.
        let text = FAILURE_TEXT.get().copied().unwrap_or("");
        // The picker hid the cursor on the terminal: show it again.
        let tty = stsenv::picker::OPEN_TTY.load(std::sync::atomic::Ordering::SeqCst);
        if tty >= 0 {
            let show = b"\x1b[?25h\r\n";
            unsafe { libc::write(tty, show.as_ptr().cast(), show.len()) };
        }
        unsafe {
            libc::write(1, text.as_ptr().cast(), text.len());
            libc::_exit(128 + signal);
        }
    }
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        unsafe {
            libc::signal(signal, handler as *const () as libc::sighandler_t);
        }
    }
}

/// stdout is eval'd: make the eval fail too (the text is empty for commands nobody evals).
fn fail_eval() {
    let _ = std::io::stdout().write_all(FAILURE_TEXT.get().copied().unwrap_or("").as_bytes());
}
