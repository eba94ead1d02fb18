//! `stsenv init`: the shell function and expiry hook in real interactive bash, zsh and fish
//! (in a pseudo-terminal), the scripts' lint, completions, and real direnv.

mod common;

use common::shell::*;
use common::*;
use std::process::Stdio;
use std::time::Duration;

fn user_hook(kind: &str) -> &'static str {
    match kind {
        "fish" => "function user_hook --on-event fish_prompt; echo USER-HOOK-(math 2 + 3); end",
        "zsh" => "precmd() { echo USER-HOOK-$((2 + 3)) }",
        _ => "PROMPT_COMMAND='echo USER-HOOK-$((2 + 3))'",
    }
}

fn hook_count_line(kind: &str) -> &'static str {
    match kind {
        "fish" => "echo HOOKS=(functions --handlers-type generic | string match -e __stsenv_hook | count)",
        "zsh" => "echo HOOKS=${#${(M)precmd_functions:#__stsenv_hook}}",
        _ => "h=\"${PROMPT_COMMAND[*]}\"; y=${h//__stsenv_hook/}; echo HOOKS=$(( (${#h} - ${#y}) / 13 ))",
    }
}

#[test]
fn the_function_assumes_with_a_typed_code_and_the_hook_warns_then_expires() {
    let moto = moto();
    for kind in ["bash", "zsh", "fish"] {
        let home = Home::seeds(&moto.url);
        let mut sh = Shell::start(&home, kind, &[]);
        sh.run(user_hook(kind));
        sh.init();
        sh.init(); // twice: still one hook
        let out = sh.run(hook_count_line(kind));
        assert!(out.contains("HOOKS=1"), "{kind}: {out}");

        sh.pty.send_line("stsenv assume s3FullforAssumeRole").unwrap();
        sh.pty.exp_string("Enter MFA code for arn:aws:iam::123456789012:mfa/alice").unwrap();
        sh.pty.send_line("123456").unwrap();
        let out = sh.run(&check_line(&format!("hook-bucket-{kind}")));
        assert!(out.contains("assumed-role/s3FullforAssumeRole/alice"), "{kind}: {out}");
        assert!(out.contains("USER-HOOK-5"), "{kind}: the user's own hook stopped running: {out}");
        let out = sh.run("echo \"[$STSENV_PROMPT]\"");
        assert!(
            out.contains("[s3FullforAssumeRole 59m]") || out.contains("[s3FullforAssumeRole 1h00m]"),
            "{kind}: {out}"
        );

        // Inside the warning window: one warning (at the next prompt), once.
        let out = sh.run(&seconds_from_now(kind, 150));
        // 2m30s left: whole minutes, as `status` and the prompt count them.
        assert!(out.contains("stsenv: s3FullforAssumeRole expires in 2 min; renew: stsenv renew"), "{kind}: {out}");
        let out = sh.run("true");
        assert!(!out.contains("expires in"), "{kind}: warned twice: {out}");

        // Past the end: the variables go, with one line that says how to renew.
        let out = sh.run(&seconds_from_now(kind, -1));
        assert!(
            out.contains("stsenv: credentials for s3FullforAssumeRole expired and were removed; renew: stsenv renew"),
            "{kind}: {out}"
        );
        let out = sh.run(
            "env | grep -c -E '^(AWS_(ACCESS|SECRET|SESSION|REGION|CREDENTIAL)|STSENV_(PROFILE|VARS|EXPIRES|PROMPT))' | sed 's/^/LEFT=/'",
        );
        assert!(out.contains("LEFT=0"), "{kind}: variables left: {out}");

        // `stsenv unset` through the function.
        sh.run("stsenv assume s3FullforAssumeRole");
        let out = sh.run("stsenv unset; echo \"[$AWS_SESSION_TOKEN]\"");
        assert!(out.contains("[]"), "{kind}: {out}");
    }
}

#[test]
fn bash_array_prompt_command_is_kept() {
    let home = Home::seeds(&moto().url);
    let mut sh = Shell::start(&home, "bash", &[]);
    sh.run("PROMPT_COMMAND=('echo FIRST-$((1 + 1))' 'echo SECOND-$((1 + 2))')");
    sh.init();
    sh.init();
    let out = sh.run("declare -p PROMPT_COMMAND; echo \"V=${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}\"");
    if out.contains("V=5.") && !out.contains("V=5.0") {
        // bash >= 5.1 runs every element: the hook is one more.
        assert!(out.contains("declare -a PROMPT_COMMAND=([0]=\"__stsenv_hook\" [1]=\"echo FIRST-\\$((1 + 1))\" [2]=\"echo SECOND-\\$((1 + 2))\")"), "{out}");
        assert!(out.contains("FIRST-2") && out.contains("SECOND-3"), "{out}");
    } else {
        // Older bash runs only the first element, as ever: the hook goes before it.
        assert!(
            out.contains("[0]=\"__stsenv_hook;echo FIRST-\\$((1 + 1))\" [1]=\"echo SECOND-\\$((1 + 2))\""),
            "{out}"
        );
        assert!(out.contains("FIRST-2") && !out.contains("SECOND-3"), "{out}");
    }
}

#[test]
fn the_hook_does_no_arithmetic_or_unset_on_hostile_variables() {
    let home = Home::seeds(&moto().url);
    for kind in ["bash", "zsh", "fish"] {
        let hostile = [
            ("STSENV_EXPIRES_AT", "x[$(touch pwned1)]"),
            ("STSENV_WARN_MINUTES", "a[$(touch pwned2)]"),
            ("STSENV_VARS", "PATH HOME AWS_X;touch${IFS}pwned3"),
        ];
        let mut sh = Shell::start(&home, kind, &hostile);
        sh.init();
        sh.run("true");
        // A numeric expiry in the past, with the hostile warn and vars values still there.
        sh.run(&seconds_from_now(kind, -1));
        let out = sh.run("echo \"PATH-KEPT=[$HOME]\"");
        assert!(out.contains(&format!("PATH-KEPT=[{}]", home.path().display())), "{kind}: {out}");
        for f in ["pwned1", "pwned2", "pwned3"] {
            assert!(!home.path().join(f).exists(), "{kind}: {f} ran");
        }
    }
}

#[test]
fn failed_assume_through_the_function_returns_non_zero() {
    let home = Home::seeds(&moto().url);
    for kind in ["bash", "zsh", "fish"] {
        let mut sh = Shell::start(&home, kind, &[]);
        sh.init();
        let status = if kind == "fish" { "$status" } else { "$?" };
        let out = sh.run(&format!("stsenv assume s3FullforAsumeRole; echo RC={status}"));
        assert!(out.contains("RC=1"), "{kind}: {out}");
        let out = sh.run("echo \"KEY=[$AWS_ACCESS_KEY_ID]\"");
        assert!(out.contains("KEY=[]"), "{kind}: {out}");
    }
}

/// A deploy script that loads the init line, assumes with its output thrown away, and is
/// itself run as `./deploy 2>&1 | tee log`: the credentials are set, the log holds no code
/// and no secret, and the README's eval line in the same script works too.
#[test]
fn the_function_applies_whatever_its_stdout_is_and_prints_no_secret() {
    let home = Home::seeds(&moto().url);
    for kind in ["bash", "zsh", "fish"] {
        let (init, eval_line) = match kind {
            "fish" => ("stsenv init fish | source".to_owned(), "stsenv assume s3FullforAssumeRole | source".to_owned()),
            k => (format!("eval \"$(stsenv init {k})\""), "eval \"$(stsenv assume s3FullforAssumeRole)\"".to_owned()),
        };
        let script = format!(
            "{init}\nstsenv assume s3FullforAssumeRole --token-code 123456 > /dev/null\necho KEY1=$AWS_ACCESS_KEY_ID\n{}\n\
             stsenv unset > unset.out\necho \"GONE=[$AWS_ACCESS_KEY_ID]\"\n\
             stsenv assume s3FullforAssumeRole\necho KEY2=$AWS_ACCESS_KEY_ID\nstsenv unset\n\
             {eval_line}\necho KEY3=$AWS_ACCESS_KEY_ID\n",
            check_line(&format!("tee-{kind}"))
        );
        let file = home.path().join(format!("deploy.{kind}"));
        std::fs::write(&file, script).unwrap();
        let flag = match kind {
            "zsh" => "-f",
            "fish" => "--no-config",
            _ => "--norc",
        };
        let mut cmd = home.command(require("bash"));
        let program = shell_program(kind);
        cmd.arg("-c").arg(format!("{} {flag} {} 2>&1 | tee log", program.display(), file.display()));
        let out = cmd.output().unwrap();
        let log = std::fs::read_to_string(home.path().join("log")).unwrap();
        assert!(out.status.success(), "{kind}: {log}");
        for n in 1..=3 {
            assert!(log.contains(&format!("KEY{n}=ASIA")), "{kind}: assume {n} set nothing: {log}");
        }
        assert!(log.contains("GONE=[]"), "{kind}: {log}");
        assert!(log.contains("assumed-role/s3FullforAssumeRole/alice"), "{kind}: {log}");
        let secret = {
            let out = home.stsenv(&["assume", "s3FullforAssumeRole", "--format", "json"]);
            let json = text(&out.stdout);
            let at = json.find("\"SecretAccessKey\":\"").expect("a secret") + 19;
            json[at..].split('"').next().unwrap().to_owned()
        };
        for leak in [secret.as_str(), "AWS_SECRET_ACCESS_KEY", "export ", "set -gx", "false"] {
            assert!(!log.contains(leak), "{kind}: the log shows {leak:?}: {log}");
        }
        assert_eq!(std::fs::read_to_string(home.path().join("unset.out")).unwrap(), "", "{kind}");
    }
}

#[test]
fn auto_renew_uses_the_cached_mfa_session_and_never_prompts() {
    let home = Home::seeds(&moto().url);
    for kind in ["bash", "zsh", "fish"] {
        let mut sh = Shell::start(&home, kind, &[("STSENV_AUTO_RENEW", "1")]);
        sh.init();
        sh.run("stsenv assume s3FullforAssumeRole --token-code 123456");
        let before = sh.run("echo KEY=$AWS_ACCESS_KEY_ID");
        let out = sh.run(&seconds_from_now(kind, -1));
        assert!(out.contains("stsenv: renewed s3FullforAssumeRole"), "{kind}: {out}");
        let out = sh.run("echo KEY=$AWS_ACCESS_KEY_ID");
        assert!(key(&out).starts_with("ASIA") && key(&out) != key(&before), "{kind}: {before} / {out}");

        // No MFA session to reuse: no prompt from a hook; the variables are removed instead.
        sh.run("stsenv cache clear");
        let out = sh.run(&seconds_from_now(kind, -1)) + &sh.run("echo \"KEY=[$AWS_ACCESS_KEY_ID]\"");
        assert!(out.contains("expired and were removed") && out.contains("KEY=[]"), "{kind}: {out}");
        assert!(!out.contains("Enter MFA code"), "{kind}: the hook prompted");
        sh.run("stsenv cache clear");
    }
}

#[test]
fn the_hook_starts_no_process_while_a_session_is_live() {
    let strace = require("strace");
    let home = Home::seeds(&moto().url);
    for kind in ["bash", "zsh", "fish"] {
        let mut sh = Shell::start(&home, kind, &[]);
        sh.init();
        sh.run("stsenv assume s3FullforAssumeRole --token-code 123456");
        sh.run(&seconds_from_now(kind, 3000));
        let log = home.path().join(format!("strace-{kind}.log"));
        let mut tracer = std::process::Command::new(&strace)
            .args(["-f", "-e", "trace=fork,vfork,clone,clone3,execve", "-o"])
            .arg(&log)
            .args(["-p", &sh.pid().to_string()])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(500));
        for _ in 0..5 {
            sh.pty.send_line("").unwrap();
        }
        // A builtin-only command marks the end of the prompts; echo is a builtin everywhere.
        let out = sh.run("echo \"[$STSENV_PROMPT]\"");
        assert!(out.contains("[s3FullforAssumeRole"), "{kind}: session not live: {out}");
        let _ = std::process::Command::new("kill").args(["-INT", &tracer.id().to_string()]).status();
        let _ = tracer.wait();
        let trace = std::fs::read_to_string(&log).unwrap();
        // fish runs helper threads (CLONE_THREAD); those are not processes.
        let forks: Vec<&str> = trace
            .lines()
            .filter(|l| {
                ["fork(", "clone(", "clone3(", "execve("].iter().any(|s| l.contains(s)) && !l.contains("CLONE_THREAD")
            })
            .collect();
        assert!(forks.is_empty(), "{kind}: processes started during 6 prompts:\n{trace}");
    }
}

#[test]
fn init_scripts_pass_their_linters_and_load_under_strict_mode() {
    let home = Home::seeds(&moto().url);
    let shell_dir = repo().join("shell");
    let lint = |program: &str, args: &[&str]| {
        let out = std::process::Command::new(require(program)).args(args).current_dir(&shell_dir).output().unwrap();
        assert!(out.status.success(), "{program} {args:?}: {}{}", text(&out.stdout), text(&out.stderr));
    };
    lint("shellcheck", &["-s", "bash", "stsenv.bash", "complete.bash", "stsenv.direnv"]);
    lint("zsh", &["-n", "stsenv.zsh"]);
    lint("fish", &["--no-execute", "stsenv.fish"]);
    lint("fish_indent", &["--check", "stsenv.fish"]);

    // Embedded copies are the files in shell/; bash's carries the time of `init` for its clock.
    for kind in ["bash", "zsh", "fish", "direnv"] {
        let printed = text(&home.stsenv(&["init", kind]).stdout);
        let file = std::fs::read_to_string(shell_dir.join(format!("stsenv.{kind}"))).unwrap();
        let file = match kind {
            "bash" => file.replace("__stsenv_init_time=0", &format!("__stsenv_init_time={}", init_time(&printed))),
            "fish" => {
                let line = printed.lines().find(|l| l.starts_with("set -g __stsenv_init_time ")).expect("fish's clock");
                file.replace("set -g __stsenv_init_time 0", line)
            }
            _ => file,
        };
        assert_eq!(printed, file, "{kind}");
    }
    let at = init_time(&text(&home.stsenv(&["init", "bash"]).stdout));
    assert!((at - now()).abs() <= 2, "init time {at}");

    // The whole init output, completions included, lints clean.
    let mut cmd = home.command(require("shellcheck"));
    cmd.args(["-s", "bash", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut lint = cmd.spawn().unwrap();
    let mut init = home.command(bin());
    let full = init.args(["init", "bash"]).env_remove("STSENV_NO_COMPLETIONS").output().unwrap().stdout;
    assert!(text(&full).contains("complete -o nospace"), "{}", text(&full));
    std::io::Write::write_all(lint.stdin.as_mut().unwrap(), &full).unwrap();
    let out = lint.wait_with_output().unwrap();
    assert!(out.status.success() && out.stdout.is_empty(), "{}", text(&out.stdout));
    // People run shells with `set -euo pipefail`: loading prints nothing and fails nothing.
    for kind in ["bash", "zsh"] {
        let script =
            format!("set -euo pipefail\neval \"$(stsenv init {kind})\"\neval \"$(stsenv init {kind})\"\necho LOADED");
        let mut cmd = home.command(shell_program(kind));
        cmd.env_remove("STSENV_NO_COMPLETIONS");
        if kind == "zsh" {
            cmd.arg("-f");
        }
        let out = cmd.arg("-c").arg(&script).output().unwrap();
        assert_eq!((text(&out.stdout), text(&out.stderr)), ("LOADED\n".to_owned(), String::new()), "{kind}");
    }
}

fn init_time(printed: &str) -> i64 {
    let line = printed.lines().find(|l| l.starts_with("__stsenv_init_time=")).expect("no clock line");
    line["__stsenv_init_time=".len()..].parse().unwrap()
}

#[test]
fn completions_offer_profile_names_for_assume() {
    let home = Home::seeds(&moto().url);
    for kind in ["bash", "zsh", "fish"] {
        let out = home.stsenv(&["completions", kind]);
        assert!(out.status.success() && text(&out.stdout).contains("COMPLETE"), "{kind}");
    }
    // What the shells' registrations call: COMPLETE=fish stsenv -- stsenv assume s3
    let out = home.command(bin()).env("COMPLETE", "fish").args(["--", "stsenv", "assume", "s3"]).output().unwrap();
    assert_eq!(text(&out.stdout).lines().next(), Some("s3FullforAssumeRole"), "{}", text(&out.stderr));
    // And in bash, through the real completion function.
    let script = "eval \"$(stsenv completions bash)\"\nCOMP_WORDS=(stsenv assume rea); COMP_CWORD=2; COMP_TYPE=9\n__stsenv_complete stsenv rea assume\necho \"${COMPREPLY[@]}\"";
    let out = home.shell("bash", script);
    assert!(text(&out.stdout).contains("readonly"), "{}{}", text(&out.stdout), text(&out.stderr));
    // exec's COMMAND: programs on PATH first, then paths.
    let dir = home.path().display().to_string();
    for (words, wanted) in [
        (vec!["exec", "readonly", "--", "bas"], "bash"),
        (vec!["exec", "readonly", "bas"], "bash"),
        (vec!["exec", "readonly", "--", "ls", &dir], &*format!("{dir}/")),
    ] {
        let mut args = vec!["--", "stsenv"];
        args.extend(&words);
        let index = (words.len()).to_string();
        let out = home.command(bin()).env("COMPLETE", "bash").env("_CLAP_COMPLETE_INDEX", &index).args(&args).output().unwrap();
        assert!(text(&out.stdout).lines().any(|l| l == wanted), "{words:?}: {}", text(&out.stdout));
    }
}

#[test]
fn direnv_loads_unloads_expires_and_renews() {
    require("direnv");
    let home = Home::seeds(&moto().url);
    home.direnv_project("proj", "use stsenv s3FullforAssumeRole\n");

    let mut sh = Shell::start(&home, "bash", &[]);
    sh.run("eval \"$(direnv hook bash)\"");
    sh.init();
    // cd in: the MFA prompt appears on the terminal during direnv's load.
    sh.pty.send_line("cd proj").unwrap();
    sh.pty.exp_string("Enter MFA code").unwrap();
    sh.pty.send_line("123456").unwrap();
    let out = sh.run(&check_line("direnv-bucket"));
    assert!(out.contains("assumed-role/s3FullforAssumeRole/alice") && out.contains("BUCKET"), "{out}");
    let first = sh.run("echo KEY=$AWS_ACCESS_KEY_ID");

    // cd out: gone.
    sh.run("cd ..");
    let out = sh.run("echo \"KEY=[${AWS_ACCESS_KEY_ID-}]\"");
    assert!(out.contains("KEY=[]"), "{out}");
    // cd in again: the cache answers, no prompt.
    let out = sh.run("cd proj") + &sh.run("echo \"KEY=$AWS_ACCESS_KEY_ID\"");
    assert!(!out.contains("Enter MFA code") && key(&out) == key(&first), "{out}");

    // A renewal in another terminal reloads this directory at its next prompt.
    std::thread::sleep(Duration::from_millis(1100));
    let other = home.stsenv(&["assume", "s3FullforAssumeRole", "--refresh", "--shell", "bash"]);
    assert!(other.status.success(), "{}", text(&other.stderr));
    let out = sh.run("true") + &sh.run("echo KEY=$AWS_ACCESS_KEY_ID");
    assert!(out.contains("direnv: loading"), "{out}");
    let stdout = text(&other.stdout);
    let renewed_elsewhere = stdout.lines().find_map(|l| l.strip_prefix("export AWS_ACCESS_KEY_ID='")).unwrap();
    assert_eq!(key(&out), renewed_elsewhere.trim_end_matches('\''), "{out}");
    let first = out;

    // Expiry in a direnv directory: renewed from the cached MFA session, no prompt, and
    // direnv reloads from the rewritten cache entry. (direnv compares mtimes in whole
    // seconds; a real renewal comes minutes after the entry was written.)
    std::thread::sleep(Duration::from_millis(1100));
    let out = sh.run(&seconds_from_now("bash", -1)) + &sh.run("echo KEY=$AWS_ACCESS_KEY_ID");
    assert!(out.contains("stsenv: renewed s3FullforAssumeRole"), "{out}");
    assert!(out.contains("direnv: loading"), "direnv did not reload after the renewal: {out}");
    assert!(key(&out).starts_with("ASIA") && key(&out) != key(&first), "{first} / {out}");

    // Clearing the cache is not a renewal: direnv does not reload (and so does not prompt).
    std::thread::sleep(Duration::from_millis(1100));
    let out = sh.run("stsenv cache clear") + &sh.run("true");
    assert!(!out.contains("direnv: loading") && !out.contains("Enter MFA code"), "{out}");

    // Expiry with no MFA session left to renew from: the credentials do not survive, and
    // nothing prompts.
    let out = sh.run(&seconds_from_now("bash", -1)) + &sh.run("echo \"KEY=[${AWS_ACCESS_KEY_ID-}]\"");
    assert!(out.contains("expired and were removed") && out.contains("KEY=[]"), "{out}");
    assert!(!out.contains("Enter MFA code"), "{out}");
}

#[test]
fn plain_eval_in_envrc_works_too() {
    let direnv = require("direnv");
    let home = Home::seeds(&moto().url);
    let project = home.path().join("plain");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join(".envrc"), "eval \"$(stsenv assume test --token-code 123456)\"\n").unwrap();
    home.command(&direnv).arg("allow").arg(&project).output().unwrap();
    let out = home
        .command(&direnv)
        .args([
            "exec",
            project.to_str().unwrap(),
            "python",
            repo().join("tests/support/aws_check.py").to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(text(&out.stdout).contains("assumed-role/CREATED_ROLE"), "{}{}", text(&out.stdout), text(&out.stderr));
}

#[test]
fn zsh_tab_after_assume_offers_profiles_before_options() {
    let home = Home::seeds(&moto().url);
    let mut sh = Shell::start(&home, "zsh", &[("STSENV_NO_COMPLETIONS", "")]);
    sh.run("autoload -Uz compinit && compinit -u -d ~/.zcompdump-test");
    sh.init();
    sh.pty.send("stsenv assume \t").unwrap();
    sh.pty.flush().unwrap();
    // The listing under the prompt, then the cursor back on the command line.
    let (screen, _) = sh.pty.exp_regex("test_iam_user").unwrap();
    assert!(
        screen.contains("readonly") && screen.contains("chained") && screen.contains("s3FullforAssumeRole"),
        "{screen}"
    );
    assert!(!screen.contains("--role") && !screen.contains("--source-profile"), "options before profiles: {screen}");
    sh.pty.send_control('c').unwrap();
    sh.pty.exp_string("PROMPT> ").unwrap();
    sh.sync();
}

#[test]
fn the_prompt_sees_direnvs_change_in_the_same_prompt_whichever_hook_loads_first() {
    require("direnv");
    let home = Home::seeds(&moto().url);
    home.direnv_project("proj", "use stsenv s3FullforAssumeRole\n");
    // A warm cache: the cd below loads without a prompt.
    assert!(
        home.stsenv(&["assume", "s3FullforAssumeRole", "--token-code", "123456", "--shell", "bash"]).status.success()
    );
    for kind in ["bash", "zsh", "fish"] {
        for direnv_first in [true, false] {
            let mut sh = Shell::start(&home, kind, &[]);
            let hook = match kind {
                "fish" => "direnv hook fish | source".to_owned(),
                _ => format!("eval \"$(direnv hook {kind})\""),
            };
            if direnv_first {
                sh.run(&hook);
                sh.init();
            } else {
                sh.init();
                sh.run(&hook);
            }
            // Each prompt shows what the hook left in STSENV_PROMPT: read one prompt a command.
            sh.run(match kind {
                "bash" => "bind 'set enable-bracketed-paste off' 2>/dev/null; PS1='{${STSENV_PROMPT-}} PROMPT> '",
                "zsh" => "setopt prompt_subst; PS1='{${STSENV_PROMPT-}} PROMPT> '",
                _ => "function fish_prompt; printf '{%s} PROMPT> ' \"$STSENV_PROMPT\"; end",
            });
            sh.pty.exp_regex(r"\{[^}]*\} PROMPT> ").unwrap(); // the one after the marker
            // The output's marker (typed as __M'N'x, printed as __MNx), then the prompt after it:
            // never a repaint of an earlier prompt.
            let mut n = 0;
            let mut prompt_after = |line: &str| {
                n += 1;
                sh.pty.send_line(&format!("{line}; echo __M'{n}'x")).unwrap();
                sh.pty.exp_string(&format!("__M{n}x")).unwrap();
                let (_, shown) = sh.pty.exp_regex(r"\{[^}]*\} PROMPT> ").unwrap();
                shown
            };
            let what = format!("{kind}, direnv first: {direnv_first}");
            let entered = prompt_after("cd proj");
            assert!(entered.starts_with("{s3FullforAssumeRole "), "{what}: {entered}");
            let left = prompt_after("cd ..");
            assert_eq!(left, "{} PROMPT> ", "{what}: the prompt after leaving");
            let entered = prompt_after("cd proj");
            assert!(entered.starts_with("{s3FullforAssumeRole "), "{what}: {entered}");
        }
    }
}

#[test]
fn fish_eval_of_a_command_substitution_works_with_and_without_init() {
    let home = Home::seeds(&moto().url);
    for (n, init) in ["", "stsenv init fish | source; "].into_iter().enumerate() {
        let script = format!(
            "{init}eval (stsenv assume s3FullforAssumeRole --token-code 123456); or exit 3\n\
             echo \"P=$STSENV_PROFILE\"; {}",
            check_line(&format!("fish-eval-{n}"))
        );
        let out = home.shell("fish", &script);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{init}: {stdout}{}", text(&out.stderr));
        assert!(
            stdout.contains("P=s3FullforAssumeRole") && stdout.contains("assumed-role/s3FullforAssumeRole"),
            "{init}: {stdout}"
        );
    }
}

#[test]
fn a_pipe_no_shell_reads_is_said_once_and_eval_is_quiet() {
    let home = Home::seeds(&moto().url);
    assert!(home.stsenv(&["session", "--token-code", "123456", "--shell", "bash"]).status.success());
    let mut sh = Shell::start(&home, "bash", &[]);
    sh.init();
    let out = sh.run("stsenv assume s3FullforAssumeRole | tee log > /dev/null; echo \"KEY=[${AWS_ACCESS_KEY_ID-}]\"");
    assert!(out.contains("KEY=[]"), "{out}");
    assert_eq!(out.matches("a pipe that no shell of yours reads").count(), 1, "{out}");
    let out = sh.run("eval \"$(stsenv assume s3FullforAssumeRole)\"; echo \"KEY=[${AWS_ACCESS_KEY_ID-}]\"");
    assert!(out.contains("KEY=[ASIA") && !out.contains("no shell of yours"), "{out}");
    // The function with its output thrown away applies it, and says nothing.
    let out = sh.run("stsenv assume readonly > /dev/null; echo \"P=$STSENV_PROFILE\"");
    assert!(out.contains("P=readonly") && !out.contains("no shell of yours"), "{out}");
    // Code named for another shell is meant to go elsewhere: no word about this shell.
    let out = sh.run("stsenv assume readonly --shell fish | head -c 12; echo; command stsenv unset --shell zsh | cat >/dev/null");
    assert!(out.contains("set -") && !out.contains("no shell of yours"), "{out}");
}
