//! What a new user hits in the first hour (issue 11): both ways of using stsenv at once,
//! unset that restores, arguments passed as typed, fish universal variables, the prompt,
//! Ctrl-C / Ctrl-D at the MFA prompt, and the messages of the small commands.

mod common;

use common::shell::*;
use common::*;

const ASSUME: &str = "s3FullforAssumeRole --token-code 123456";

#[test]
fn the_readme_eval_line_works_with_the_function_loaded() {
    let home = Home::seeds(&moto().url);
    for kind in ["bash", "zsh", "fish"] {
        let mut sh = Shell::start(&home, kind, &[]);
        sh.init();
        let (assume, unset) = match kind {
            "fish" => (format!("stsenv assume {ASSUME} | source"), "stsenv unset | source".to_owned()),
            _ => (format!("eval \"$(stsenv assume {ASSUME})\""), "eval \"$(stsenv unset)\"".to_owned()),
        };
        let out = sh.run(&format!("{assume}; echo KEY=$AWS_ACCESS_KEY_ID"));
        assert!(key(&out).starts_with("ASIA"), "{kind}: the eval line did nothing: {out}");
        let out = sh.run(&check_line(&format!("readme-eval-{kind}")));
        assert!(out.contains("assumed-role/s3FullforAssumeRole/alice"), "{kind}: {out}");
        let out = sh.run(&format!("{unset}; echo \"KEY=[$AWS_ACCESS_KEY_ID]\""));
        assert!(out.contains("KEY=[]"), "{kind}: unset did nothing: {out}");

        // Data formats and another shell's code typed at the prompt are shown, never eval'd
        // (eval'd, the shell's "command not found" would print the secret).
        let other = if kind == "bash" { "zsh" } else { "bash" };
        for extra in ["--format json", "--format dotenv", &format!("--shell {other}")] {
            let out = sh.run(&format!("stsenv assume {ASSUME} {extra}; echo \"KEY=[$AWS_ACCESS_KEY_ID]\""));
            assert!(out.contains("KEY=[]"), "{kind} {extra}: {out}");
            assert!(!out.contains("not found") && !out.contains("Unknown command"), "{kind} {extra}: {out}");
        }
        let out = sh.run(&format!("stsenv assume {ASSUME} --format json"));
        assert!(out.contains("\"Version\":1"), "{kind}: {out}");

        // The function never appends to what the user typed.
        for args in ["-- s3FullforAssumeRole --token-code 123456", &format!("{ASSUME} --shell {kind}")] {
            let args = if args.starts_with("--") {
                "--token-code 123456 -- s3FullforAssumeRole".to_owned()
            } else {
                args.to_owned()
            };
            let out = sh.run(&format!("stsenv assume {args}; echo KEY=$AWS_ACCESS_KEY_ID"));
            assert!(key(&out).starts_with("ASIA"), "{kind}: `stsenv assume {args}`: {out}");
            assert!(!out.contains("stsenv:"), "{kind}: `stsenv assume {args}`: {out}");
            sh.run("stsenv unset");
        }
    }
}

/// A shell script that prints the user's own AWS variables, sorted, between markers.
fn snapshot(kind: &str) -> &'static str {
    match kind {
        "fish" => "echo BEGIN; env | string match -r '^AWS_(?!ENDPOINT).*' | sort; echo END",
        _ => "echo BEGIN; env | grep -E '^AWS_' | grep -v '^AWS_ENDPOINT' | sort; echo END",
    }
}

fn between(out: &str) -> String {
    let start = out.rfind("BEGIN").expect("BEGIN");
    let end = out.rfind("END").expect("END");
    out[start + 5..end].trim().to_owned()
}

#[test]
fn unset_restores_what_the_first_assume_replaced() {
    let home = Home::seeds(&moto().url);
    for kind in ["bash", "zsh", "fish"] {
        let eval = |args: &str| match kind {
            "fish" => format!("stsenv {args} | source"),
            _ => format!("eval \"$(stsenv {args})\""),
        };
        let exports = match kind {
            "fish" => {
                "set -gx AWS_PROFILE work; set -gx AWS_REGION eu-west-1; set -gx AWS_ACCESS_KEY_ID AKIAUSER; \
                       set -gx AWS_SECRET_ACCESS_KEY \"it's \\$(touch pwned) `x`\""
            }
            _ => {
                "export AWS_PROFILE=work AWS_REGION=eu-west-1 AWS_ACCESS_KEY_ID=AKIAUSER \
                  AWS_SECRET_ACCESS_KEY=\"it's \\$(touch pwned) \\`x\\`\""
            }
        };
        let script = format!(
            "{exports}\n{snap}\n{a}\n{b}\n{c}\necho \"MID=$AWS_PROFILE\"\n{unset}\n{snap}\n{unset}\n{snap}",
            snap = snapshot(kind),
            a = eval(&format!("assume {ASSUME}")),
            b = eval("assume test --token-code 123456"),
            c = eval("assume chained --token-code 123456"),
            unset = eval("unset"),
        );
        let out = home.shell(kind, &script);
        let stdout = text(&out.stdout);
        let parts: Vec<&str> = stdout.split("BEGIN").skip(1).collect();
        assert_eq!(parts.len(), 3, "{kind}: {stdout}{}", text(&out.stderr));
        let before = between(&format!("BEGIN{}", parts[0]));
        assert!(before.contains("AWS_PROFILE=work") && before.contains("it's $(touch pwned) `x`"), "{kind}: {before}");
        assert!(stdout.contains("MID=\n"), "{kind}: AWS_PROFILE stayed during the session: {stdout}");
        assert_eq!(between(&format!("BEGIN{}", parts[1])), before, "{kind}: unset did not restore");
        // A second unset, with no session: the user's own keys stay.
        assert_eq!(between(&format!("BEGIN{}", parts[2])), before, "{kind}: unset without a session removed keys");
        assert!(text(&out.stderr).contains("no stsenv session"), "{kind}: {}", text(&out.stderr));
        assert!(!home.path().join("pwned").exists(), "{kind}: a saved value ran");
    }
}

#[test]
fn expiry_restores_too_and_the_prompt_shows_hours_and_role_names() {
    let home = Home::seeds(&moto().url);
    for kind in ["bash", "zsh", "fish"] {
        let mut sh = Shell::start(&home, kind, &[]);
        let set_region = match kind {
            "fish" => "set -gx AWS_REGION eu-west-1; set -gx AWS_PROFILE work",
            _ => "export AWS_REGION=eu-west-1 AWS_PROFILE=work",
        };
        sh.run(set_region);
        sh.init();
        sh.run("stsenv session default --token-code 123456");
        let out = sh.run("echo \"[$STSENV_PROMPT]\"");
        assert!(out.contains("[default 11h59m]") || out.contains("[default 12h00m]"), "{kind}: {out}");
        sh.run("stsenv assume arn:aws:iam::123456789012:role/ReadOnly");
        let out = sh.run("echo \"[$STSENV_PROMPT]\"");
        assert!(out.contains("[ReadOnly 59m]") || out.contains("[ReadOnly 1h00m]"), "{kind}: {out}");
        let out = sh.run(&seconds_from_now(kind, -1));
        assert!(out.contains("expired and were removed"), "{kind}: {out}");
        let out = sh.run("echo \"R=[$AWS_REGION] P=[$AWS_PROFILE] K=[$AWS_ACCESS_KEY_ID] S=[$STSENV_SAVED]\"");
        assert!(out.contains("R=[eu-west-1] P=[work] K=[] S=[]"), "{kind}: expiry did not restore: {out}");
        // renew brings the expired session back; after an explicit unset there is none to renew.
        let out = sh.run("stsenv renew; echo \"K=[$AWS_ACCESS_KEY_ID]\"");
        assert!(out.contains("K=[ASIA"), "{kind}: renew after expiry: {out}");
        let out = sh.run("stsenv unset; stsenv renew; echo \"K=[$AWS_ACCESS_KEY_ID]\"");
        assert!(out.contains("K=[]") && out.contains("no stsenv session to renew"), "{kind}: renew after unset: {out}");
    }
}

#[test]
fn fish_universal_aws_profile_does_not_beat_the_assumed_credentials() {
    let home = Home::seeds(&moto().url);
    let fish = || {
        let mut cmd = home.command(shell_program("fish"));
        cmd.env("XDG_CONFIG_HOME", home.path().join(".config"));
        cmd
    };
    let out = fish().args(["-c", "set -Ux AWS_PROFILE work"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    for init in ["", "stsenv init fish | source"] {
        let script = format!(
            "{init}\nstsenv assume {ASSUME} | source\n{check}\nstsenv unset | source\necho AFTER=$AWS_PROFILE",
            check = check_line("fish-universal")
        );
        let out = fish().args(["-c", &script]).output().unwrap();
        let stdout = text(&out.stdout);
        assert!(stdout.contains("assumed-role/s3FullforAssumeRole/alice"), "{init:?}: {stdout}{}", text(&out.stderr));
        assert!(stdout.contains("AFTER=work"), "{init:?}: {stdout}");
    }
    let out = fish().args(["-c", "echo U=$AWS_PROFILE"]).output().unwrap();
    assert_eq!(text(&out.stdout).trim(), "U=work", "the universal variable was changed for every fish");
}

#[test]
fn ctrl_c_at_the_prompt_in_zsh_fails_the_eval_and_ctrl_d_ends_cleanly() {
    let home = Home::seeds(&moto().url);
    let mut sh = Shell::start(&home, "zsh", &[]);
    sh.pty.send_line("eval \"$(stsenv assume s3FullforAssumeRole)\" && echo DEPLOY-$((40 + 2))").unwrap();
    sh.pty.exp_string("Enter MFA code").unwrap();
    sh.pty.send_control('c').unwrap();
    let mut out = sh.pty.exp_string("PROMPT> ").unwrap();
    out += &sh.run("echo \"KEY=[$AWS_ACCESS_KEY_ID]\"");
    assert!(out.contains("KEY=[]"), "{out}");
    assert!(!out.contains("DEPLOY-42"), "the command after eval ran: {out}");

    // The binary's own contract: Ctrl-C → `false`, 130; Ctrl-D → `false`, 1; `123 456` (as
    // authenticator apps show codes) is accepted.
    let file = home.path().join("out.sh");
    let cases = [("\x03", 130, "false\n"), ("\x04", 1, "false\n"), ("123 456\r", 0, "export AWS_ACCESS_KEY_ID='ASIA")];
    for (input, code, expect) in cases {
        let mut cmd = home.command(shell_program("bash"));
        cmd.arg("-c").arg(format!("stsenv assume s3FullforAssumeRole --shell bash > {}; echo RC=$?", file.display()));
        let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
        pty.exp_string("Enter MFA code").unwrap();
        pty.send(input).unwrap();
        pty.flush().unwrap();
        let before = pty.exp_string(&format!("RC={code}")).unwrap();
        // The prompt's line is ended: what follows starts on a line of its own.
        assert!(code != 130 || before.ends_with('\n'), "{input:?}: {before:?}");
        let stdout = std::fs::read_to_string(&file).unwrap();
        assert!(stdout.starts_with(expect) || stdout.contains(expect), "{input:?}: {stdout}");
    }
}

#[test]
fn assume_at_a_terminal_explains_instead_of_showing_secrets() {
    let home = Home::seeds(&moto().url);
    let mut cmd = home.command(bin());
    cmd.args(["assume", "s3FullforAssumeRole", "--token-code", "123456"]);
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    let (screen, _) = pty.exp_regex("stsenv init bash[^\n]*\n").unwrap();
    let screen = screen + &pty.exp_eof().unwrap_or_default();
    assert!(screen.contains("eval \"$(stsenv assume"), "{screen}");
    assert!(!screen.contains("ASIA") && !screen.contains("AWS_SECRET"), "secrets on the screen: {screen}");
    assert!(!screen.contains("false"), "a `false` that nothing evals: {screen}");
    // `unset` likewise: nothing would run its code.
    let mut cmd = home.command(bin());
    cmd.arg("unset");
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    let screen = pty.exp_eof().unwrap();
    assert!(screen.contains("eval \"$(stsenv unset)\"") && !screen.contains("unset AWS"), "{screen}");
    // From zsh and fish, the advice is that shell's own.
    for (shell, wanted) in [
        ("zsh", "add `eval \"$(stsenv init zsh)\"` to ~/.zshrc"),
        ("fish", "run `stsenv unset | source`, or add `stsenv init fish | source` to ~/.config/fish/config.fish"),
    ] {
        let mut cmd = home.command(shell_program(shell));
        cmd.args([if shell == "zsh" { "-f" } else { "--no-config" }, "-c", "command stsenv unset; true"]);
        let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
        let screen = pty.exp_eof().unwrap().replace("\r\n", " ").replace('\n', " ");
        assert!(screen.contains(wanted), "{shell}: {screen}");
    }
}

#[test]
fn small_commands_say_what_to_do() {
    let home = Home::seeds(&moto().url);
    // Only eval'd subcommands print `false`; clap's tip stays on a line of its own.
    let out = home.stsenv(&["status", "--shrt"]);
    assert_eq!((out.status.code(), text(&out.stdout)), (Some(2), String::new()));
    assert!(text(&out.stderr).lines().any(|l| l.starts_with("stsenv: tip:")), "{}", text(&out.stderr));
    let out = home.stsenv(&["assume"]);
    assert_eq!((out.status.code(), text(&out.stdout)), (Some(2), "false\n".to_owned()));
    assert!(
        text(&out.stderr).contains("profiles: chained default readonly s3FullforAssumeRole test"),
        "{}",
        text(&out.stderr)
    );
    let out = home.stsenv(&["init"]);
    assert!(text(&out.stderr).contains("stsenv init bash|zsh|fish|direnv"), "{}", text(&out.stderr));

    // No AWS files at all.
    std::fs::remove_dir_all(home.path().join(".aws")).unwrap();
    let out = home.stsenv(&["assume", "foo"]);
    assert!(
        text(&out.stderr).contains("no AWS profile files") && text(&out.stderr).contains("aws configure"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn cache_list_and_clear_say_what_they_did() {
    let home = Home::seeds(&moto().url);
    let out = home.stsenv(&["cache", "list"]);
    assert!(out.status.success() && out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("no cached credentials"), "{}", text(&out.stderr));
    assert!(
        home.stsenv(&["assume", "s3FullforAssumeRole", "--token-code", "123456", "--shell", "bash"]).status.success()
    );
    let list = text(&home.stsenv(&["cache", "list"]).stdout);
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines[0].starts_with("PROFILE") && lines[0].contains("LEFT"), "{list}");
    assert!(
        list.contains("MFA session (GetSessionToken)")
            && list.contains("AssumeRole arn:aws:iam::123456789012:role/s3FullforAssumeRole"),
        "{list}"
    );
    assert!(list.contains("T") && list.contains("Z"), "{list}");
    let out = home.stsenv(&["cache", "clear", "nosuch"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no cached credentials for 'nosuch'"), "{}", text(&out.stderr));
    let out = home.stsenv(&["cache", "clear", "s3FullforAsumeRole"]);
    assert!(text(&out.stderr).contains("did you mean 's3FullforAssumeRole'?"), "{}", text(&out.stderr));
    let out = home.stsenv(&["cache", "clear"]);
    assert!(
        text(&out.stderr).contains("removed 2 cached credential(s)"),
        "only credentials are counted: {}",
        text(&out.stderr)
    );
    // Entries and locks go; the `.renewed` stamps direnv watches stay (see Cache::stamp).
    let left: Vec<_> = std::fs::read_dir(home.path().join(".cache/stsenv"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".renewed") && n != "history")
        .collect();
    assert!(left.is_empty(), "lock files pile up: {left:?}");
}

#[test]
fn status_follows_aws_profile_and_write_profile_names_the_real_line() {
    let home = Home::seeds(&moto().url);
    let out = home.stsenv(&["session", "--token-code", "123456", "--write-profile", "mfa"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = home.command(bin()).args(["status"]).env("AWS_PROFILE", "mfa").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("profile:  mfa\nsource:   the profile files")
            && text(&out.stdout).contains("expires:"),
        "{}",
        text(&out.stdout)
    );

    let out = home.stsenv(&["session", "--token-code", "123456", "--write-profile", "default"]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("({}:1)", home.aws_file("credentials").display())), "{stderr}");
}

#[test]
fn a_name_that_is_not_a_profile_and_is_denied_as_a_role_says_both() {
    use common::http::{Server, sts_credentials, sts_error, sts_identity};
    let stub = Server::start(|req| match req.action().as_str() {
        "GetSessionToken" => sts_credentials("GetSessionToken", "ASIAS", "s", "t", "2099-01-01T00:00:00Z"),
        "GetCallerIdentity" => sts_identity("arn:aws:iam::123456789012:user/alice"),
        _ => sts_error(403, "AccessDenied", "User is not authorized to perform: sts:AssumeRole"),
    });
    let home = Home::seeds(&stub.url);
    let out = home.stsenv(&["assume", "deployer", "--token-code", "123456", "--shell", "bash"]);
    let stderr = text(&out.stderr);
    assert_eq!((out.status.code(), stderr.lines().count()), (Some(1), 1), "{stderr}");
    assert!(
        stderr.contains("'deployer' is not a profile in ")
            && stderr.contains("so it was tried as role 'deployer' in account 123456789012")
            && stderr.contains("AccessDenied"),
        "{stderr}"
    );
}

#[test]
fn renewal_replays_what_was_asked() {
    use common::http::Server;
    let proxy = Server::counting(&moto().url);
    let home = Home::seeds(&proxy.url);
    for kind in ["bash", "zsh", "fish"] {
        let mut sh = Shell::start(&home, kind, &[("STSENV_AUTO_RENEW", "1")]);
        sh.init();
        let out = sh.run(
            "stsenv assume arn:aws:iam::123456789012:role/ReadOnly --source-profile test --duration 20m \
             --session-name replay --token-code 123456",
        );
        assert!(!out.contains("stsenv:"), "{kind}: {out}");
        let out = sh.run(&seconds_from_now(kind, -1));
        assert!(out.contains("stsenv: renewed"), "{kind}: {out}");
        let out = sh.run("echo \"[$STSENV_PROFILE]\"");
        assert!(out.contains("[arn:aws:iam::123456789012:role/ReadOnly]"), "{kind}: {out}");
    }
    let replays: Vec<_> = proxy
        .all()
        .into_iter()
        .filter(|r| r.param("RoleArn").as_deref() == Some("arn:aws:iam::123456789012:role/ReadOnly"))
        .collect();
    // One assume (the other shells hit the cache), then one renewal in each shell.
    assert_eq!(replays.len(), 4);
    for r in &replays {
        assert_eq!(
            (r.param("RoleSessionName").as_deref(), r.param("DurationSeconds").as_deref()),
            (Some("replay"), Some("1200"))
        );
    }
    // The renewals came through the `test` source profile's chain, as first asked.
    assert!(proxy.all().iter().any(|r| r.param("RoleArn").is_some_and(|a| a.ends_with("role/CREATED_ROLE"))));
}

/// The second walk-through (issue 19): each finding, as the user met it.
#[test]
fn second_walkthrough_findings() {
    let home = Home::seeds(&moto().url);
    let stsenv = |args: &[&str]| {
        let out = home.stsenv(args);
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };

    // `login` of a profile that is no SSO profile says so, and what could sign in.
    let (code, _, stderr) = stsenv(&["login", "readonly"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("profile 'readonly': it is not an SSO profile") && stderr.contains("aws configure sso"),
        "{stderr}"
    );
    let sso = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n\
               [profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Developer\n";
    std::fs::write(home.aws_file("config"), format!("{CONFIG}\n{sso}")).unwrap();
    // (Bare `stsenv login` signs in to the only [sso-session]: see tests/walkthrough.rs.)
    let (_, _, stderr) = stsenv(&["login", "default"]);
    assert!(stderr.contains("profile 'default': it is not an SSO profile"), "{stderr}");
    assert!(stderr.contains("`stsenv login dev` or `stsenv login --sso-session corp`"), "{stderr}");

    // `status --short` in a prompt with no session: an empty segment, no error at every prompt.
    assert_eq!(stsenv(&["status", "--short"]), (Some(0), String::new(), String::new()));

    // An IDE's credential_process with no terminal and no MFA session: what it can do.
    let out = home.stsenv_detached(&["credential-process", "s3FullforAssumeRole"]);
    assert!(text(&out.stderr).contains("in a terminal first"), "{}", text(&out.stderr));
    // The session it names is the one of the profile with the keys, which `session` takes.
    assert!(text(&out.stderr).contains("(or `stsenv session default`)"), "{}", text(&out.stderr));

    // Each subcommand offers only the options it uses.
    for sub in ["exec", "credential-process", "console"] {
        let (_, help, _) = stsenv(&[sub, "--help"]);
        for flag in ["--shell", "--format", "--write-profile", "--force"] {
            assert!(!help.contains(flag), "{sub} --help offers {flag}: {help}");
        }
        if sub != "exec" {
            // (exec takes what follows TARGET as the command.)
            assert_eq!(stsenv(&[sub, "readonly", "--format", "json"]).0, Some(2), "{sub}");
        }
    }

    // --dry-run tells whether a step is cached (will I be prompted?).
    let (_, _, stderr) = stsenv(&["assume", "readonly", "--dry-run"]);
    assert!(stderr.contains("would run: steps 1-2, asking for the MFA code of"), "{stderr}");
    assert_eq!(stsenv(&["assume", "s3FullforAssumeRole", "--token-code", "123456", "--shell", "bash"]).0, Some(0));
    let (_, _, stderr) = stsenv(&["assume", "s3FullforAssumeRole", "--dry-run"]);
    // Whole minutes, floored as everywhere: 12h, or 11h59m a second later.
    assert!(
        stderr.contains("for 12h with MFA")
            && (stderr.contains("[cached, 12h left]") || stderr.contains("[cached, 11h59m left]")),
        "{stderr}"
    );
    assert!(stderr.contains("[cached, 1h left]") || stderr.contains("[cached, 59m left]"), "{stderr}");
    assert!(stderr.contains("would run: nothing (cache hit, no prompt)"), "{stderr}");
    let (_, _, stderr) = stsenv(&["assume", "readonly", "--dry-run"]);
    assert!(stderr.contains("would run: step 2, no prompt"), "{stderr}");

    // `cache list` names the duration where one profile has two entries for one role.
    let args = ["assume", "s3FullforAssumeRole", "--duration", "15m", "--shell", "bash"];
    assert_eq!(stsenv(&args).0, Some(0));
    let (_, list, _) = stsenv(&["cache", "list"]);
    assert!(list.contains("s3FullforAssumeRole for 15m") && list.contains("s3FullforAssumeRole for 1h"), "{list}");

    // `profiles --long` in columns.
    let (_, long, _) = stsenv(&["profiles", "--long"]);
    let columns: Vec<usize> =
        long.lines().map(|l| l.find("  ").unwrap() + l[l.find("  ").unwrap()..].find(|c| c != ' ').unwrap()).collect();
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{long}");

    // `init` with no shell: a question on stderr, nothing to eval, success.
    let (code, stdout, stderr) = stsenv(&["init"]);
    assert_eq!((code, stdout.as_str()), (Some(0), ""), "{stderr}");
    assert!(stderr.contains("which shell? stsenv init bash|zsh|fish|direnv|pwsh|nu"), "{stderr}");

    // A name that is no profile, typed at a terminal: said to be taken as a role name.
    let mut cmd = home.command(shell_program("bash"));
    cmd.arg("-c").arg("stsenv assume deployer --token-code 123456 --shell bash > out.sh");
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    let screen = pty.exp_eof().unwrap();
    assert!(
        screen.contains("'deployer' is not a profile: taking it as role 'deployer' in account 123456789012"),
        "{screen}"
    );
}

/// `cargo install` users get man pages from the same clap definition as `--help`.
#[test]
fn man_pages_come_from_the_command_line_definition() {
    let home = Home::seeds(&moto().url);
    let page = text(&home.stsenv(&["man"]).stdout);
    assert!(page.contains(".TH stsenv 1") && page.contains("stsenv\\-assume(1)"), "{page}");
    let dir = home.path().join("man/man1");
    let out = home.stsenv(&["man", "--dir", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let assume = std::fs::read_to_string(dir.join("stsenv-assume.1")).unwrap();
    assert!(assume.contains(".TH stsenv-assume 1") && assume.contains("\\-\\-token\\-code"), "{assume}");
    for sub in ["session", "exec", "credential-process", "console", "init", "cache-list", "man"] {
        assert!(dir.join(format!("stsenv-{sub}.1")).is_file(), "no page for {sub}");
    }
}
