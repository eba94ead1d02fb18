//! Sessions and the cache: one MFA prompt for many roles and terminals, cache safety, `session`.

mod common;

use common::http::Server;
use common::*;
use std::os::unix::fs::PermissionsExt;

fn assume(home: &Home, args: &[&str]) -> String {
    let mut all = vec!["assume"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--shell", "bash"]);
    let out = home.stsenv(&all);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

fn cache_dir(home: &Home) -> std::path::PathBuf {
    home.path().join(".cache/stsenv")
}

#[test]
fn a_second_assume_uses_the_cache_with_no_terminal_and_no_code() {
    let proxy = Server::counting(&moto().url);
    let home = Home::seeds(&proxy.url);
    let first = assume(&home, &["s3FullforAssumeRole", "--token-code", "123456"]);
    assert_eq!((proxy.count("GetSessionToken"), proxy.count("AssumeRole")), (1, 1));
    let second = home.stsenv_detached(&["assume", "s3FullforAssumeRole", "--shell", "bash"]);
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert_eq!(text(&second.stdout), first);
    assert_eq!(proxy.all().len(), 2, "the cache hit made an STS call");

    // --refresh calls AssumeRole again but keeps the MFA session: still no prompt.
    let refreshed = home.stsenv_detached(&["assume", "s3FullforAssumeRole", "--refresh", "--shell", "bash"]);
    assert!(refreshed.status.success(), "{}", text(&refreshed.stderr));
    assert_ne!(text(&refreshed.stdout), first);
    assert_eq!((proxy.count("GetSessionToken"), proxy.count("AssumeRole")), (1, 2));

    // --no-cache neither reads nor writes.
    let before = std::fs::read_dir(cache_dir(&home)).unwrap().count();
    assume(&home, &["test", "--token-code", "123456", "--no-cache"]);
    assert_eq!(std::fs::read_dir(cache_dir(&home)).unwrap().count(), before);
}

#[test]
fn two_roles_with_one_mfa_device_prompt_once() {
    let proxy = Server::counting(&moto().url);
    let home = Home::seeds(&proxy.url);
    let mut cmd = home.command(require("bash"));
    cmd.arg("-c").arg("stsenv assume s3FullforAssumeRole >/dev/null && echo FIRST-DONE");
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    pty.exp_string("Enter MFA code").unwrap();
    pty.send_line("111111").unwrap();
    pty.exp_string("FIRST-DONE").unwrap();
    pty.exp_eof().unwrap();

    // The second role: no terminal at all, so a prompt would fail.
    let out = home.stsenv_detached(&["assume", "readonly", "--shell", "bash"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(proxy.count("GetSessionToken"), 1);
    assert_eq!(proxy.count("AssumeRole"), 2);
    let sessions: Vec<_> = proxy.all().into_iter().filter(|r| r.action() == "AssumeRole").collect();
    assert!(sessions.iter().all(|r| r.param("TokenCode").is_none()), "AssumeRole went with the MFA session");
    assert!(sessions.iter().all(|r| r.has_session_token()), "AssumeRole was signed by the MFA session");
}

#[test]
fn longer_than_an_hour_calls_assume_role_with_the_code_and_says_so() {
    let proxy = Server::counting(&moto().url);
    let home = Home::seeds(&proxy.url);
    let out = home.stsenv(&[
        "assume",
        "s3FullforAssumeRole",
        "--duration",
        "2h",
        "--token-code",
        "222222",
        "--shell",
        "bash",
    ]);
    assert!(out.status.success());
    assert!(text(&out.stderr).contains("longer than the 1h AWS allows with an MFA session"), "{}", text(&out.stderr));
    let calls = proxy.all();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].param("TokenCode").as_deref(), Some("222222"));
    assert_eq!(calls[0].param("DurationSeconds").as_deref(), Some("7200"));
}

#[test]
fn ten_concurrent_assumes_make_one_sts_call_each_step() {
    let proxy = Server::counting(&moto().url);
    let home = Home::seeds(&proxy.url);
    let children: Vec<_> = (0..10)
        .map(|_| home.spawn(&["assume", "s3FullforAssumeRole", "--token-code", "123456", "--shell", "bash"]))
        .collect();
    let outputs: Vec<_> = children.into_iter().map(|c| wait_output(c, std::time::Duration::from_secs(60))).collect();
    for out in &outputs {
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(out.stdout, outputs[0].stdout, "all ten print the same credentials");
    }
    assert_eq!((proxy.count("GetSessionToken"), proxy.count("AssumeRole")), (1, 1));
}

#[test]
fn a_process_waiting_on_two_locks_says_so_once() {
    // The first holds the MFA session's lock at its prompt, then the role's lock through a slow
    // AssumeRole: the second waits for both, one after the other.
    let proxy = Server::delaying(&moto().url, "AssumeRole", std::time::Duration::from_millis(1500));
    let home = Home::seeds(&proxy.url);
    let mut cmd = home.command(require("bash"));
    cmd.arg("-c").arg("stsenv assume s3FullforAssumeRole >/dev/null && echo FIRST-DONE");
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    pty.exp_string("Enter MFA code").unwrap();
    let second = home.spawn(&["assume", "s3FullforAssumeRole", "--shell", "bash"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    pty.send_line("111111").unwrap();
    pty.exp_string("FIRST-DONE").unwrap();
    let out = wait_output(second, std::time::Duration::from_secs(30));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.matches("waiting for another stsenv").count(), 1, "{stderr}");
    assert_eq!((proxy.count("GetSessionToken"), proxy.count("AssumeRole")), (1, 1), "the second waited, it did not call");
}

#[test]
fn corrupt_or_expired_entries_are_replaced_and_modes_are_private() {
    let proxy = Server::counting(&moto().url);
    let home = Home::seeds(&proxy.url);
    assume(&home, &["readonly", "--token-code", "123456"]);
    let dir = cache_dir(&home);
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    for entry in &entries {
        assert_eq!(std::fs::metadata(entry).unwrap().permissions().mode() & 0o777, 0o600, "{}", entry.display());
    }
    let role_entry = entries
        .iter()
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("role/ReadOnly")))
        .expect("an entry for the role")
        .clone();

    std::fs::write(&role_entry, "{ not json").unwrap();
    assume(&home, &["readonly"]);
    assert_eq!(proxy.count("AssumeRole"), 2, "a corrupt entry is a miss");
    assert!(std::fs::read_to_string(&role_entry).unwrap().contains("role/ReadOnly"), "and is replaced");

    // Expiring within the margin (5 minutes) counts as expired.
    let text = std::fs::read_to_string(&role_entry).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let at = text.split("\"expires_at\":").nth(1).unwrap().split(['}', ',']).next().unwrap();
    std::fs::write(
        &role_entry,
        text.replace(&format!("\"expires_at\":{at}"), &format!("\"expires_at\":{}", now + 200)),
    )
    .unwrap();
    assume(&home, &["readonly"]);
    assert_eq!(proxy.count("AssumeRole"), 3, "an entry inside the margin is renewed");
    assert_eq!(proxy.count("GetSessionToken"), 1);
}

#[test]
fn session_works_against_moto_and_lists_in_the_cache() {
    let moto = moto();
    for shell in ["bash", "zsh", "fish"] {
        let home = Home::seeds(&moto.url);
        let run = if shell == "fish" {
            "stsenv session --token-code 123456 | source; or exit 1"
        } else {
            "eval \"$(stsenv session --token-code 123456)\" || exit 1"
        };
        let out =
            home.shell(shell, &format!("{run}\n{}\nstsenv cache list", check_line(&format!("session-bucket-{shell}"))));
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        assert!(stdout.contains("ARN arn:aws:") && stdout.contains("BUCKET session-bucket"), "{shell}: {stdout}");
        assert!(
            stdout.lines().any(|l| l.starts_with("default ")
                && l.contains("MFA session (GetSessionToken)")
                && (l.contains(" 11h59m") || l.contains(" 12h "))),
            "{shell}: {stdout}"
        );
    }
    let home = Home::seeds(&moto.url);
    let out = home.stsenv(&["session", "--token-code", "123456", "--duration", "37h"]);
    assert!(text(&out.stderr).contains("out of range for GetSessionToken"), "{}", text(&out.stderr));
    let out = home.stsenv(&["session", "s3FullforAssumeRole"]);
    assert!(text(&out.stderr).contains("it assumes a role"), "{}", text(&out.stderr));
}

#[test]
fn cache_clear_removes_one_profile_or_all() {
    let home = Home::seeds(&moto().url);
    assume(&home, &["s3FullforAssumeRole", "--token-code", "123456"]);
    assume(&home, &["test", "--token-code", "123456"]);
    let list = text(&home.stsenv(&["cache", "list"]).stdout);
    assert_eq!(list.lines().count(), 5, "a header and four entries: {list}");
    home.stsenv(&["cache", "clear", "test"]);
    let list = text(&home.stsenv(&["cache", "list"]).stdout);
    assert!(!list.contains("CREATED_ROLE") && list.contains("s3FullforAssumeRole"), "{list}");
    home.stsenv(&["cache", "clear"]);
    assert_eq!(text(&home.stsenv(&["cache", "list"]).stdout), "");
}

#[test]
fn mfa_process_supplies_the_code() {
    let proxy = Server::counting(&moto().url);
    let config = format!(
        "{CONFIG}\n[profile ykman]\nrole_arn = arn:aws:iam::123456789012:role/ReadOnly\nsource_profile = test_iam_user\nmfa_serial = {MFA}\nmfa_process = printf '%s\\n' 424242\n"
    );
    let home = Home::with(&proxy.url, &config, CREDENTIALS);
    let out = home.stsenv_detached(&["assume", "ykman", "--shell", "bash"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(proxy.all()[0].param("TokenCode").as_deref(), Some("424242"));
}

#[test]
fn status_reports_the_identity_and_time_left() {
    let home = Home::seeds(&moto().url);
    let script =
        "eval \"$(stsenv assume s3FullforAssumeRole --token-code 123456)\"\nstsenv status\nstsenv status --short";
    let out = home.shell("bash", script);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("identity: arn:aws:sts::123456789012:assumed-role/s3FullforAssumeRole/alice"),
        "{stdout}{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("s3FullforAssumeRole 59m") || stdout.contains("s3FullforAssumeRole 1h00m"), "{stdout}");
    let out = home.shell(
        "bash",
        "STSENV_PROFILE=x STSENV_EXPIRES_AT=1 AWS_ACCESS_KEY_ID=a AWS_SECRET_ACCESS_KEY=b stsenv status",
    );
    assert!(text(&out.stderr).contains("expired") && !out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_cache_hit_starts_no_runtime_no_http_client_and_no_tls() {
    let home = Home::seeds(&moto().url);
    let first = assume(&home, &["s3FullforAssumeRole", "--token-code", "123456"]);
    let log = home.path().join("hit.strace");
    let out = home
        .command(require("strace"))
        .args(["-f", "-e", "trace=openat,socket,connect,clone,clone3", "-o"])
        .arg(&log)
        .arg(bin())
        .args(["assume", "s3FullforAssumeRole", "--shell", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), first);
    let trace = std::fs::read_to_string(&log).unwrap();
    // Threads would mean a runtime; sockets an HTTP client; certificate files TLS roots.
    for sign in ["clone(", "clone3(", "socket(", "connect(", "/etc/ssl", "certs"] {
        assert!(!trace.contains(sign), "a cache hit did {sign}:\n{trace}");
    }
}
