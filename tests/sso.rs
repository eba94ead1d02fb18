//! IAM Identity Center (SSO) as a source (issue 7): both config forms, roles chained on an
//! SSO role at moto, the token cache shared with botocore both ways, the device sign-in in a
//! pseudo-terminal, refresh, and every error the services can return.

mod common;

use common::http::Server;
use common::sso::*;
use common::*;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

const SSO_CONFIG: &str = "\
[default]
region = ap-northeast-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Developer
region = eu-west-1

[profile legacy]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Legacy

[profile ssochain]
role_arn = arn:aws:iam::123456789012:role/s3FullforAssumeRole
source_profile = dev
role_session_name = alice

[profile ssochain2]
role_arn = arn:aws:iam::123456789012:role/ReadOnly
source_profile = ssochain
role_session_name = alice

[profile denied]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Denied
";

/// A HOME with the SSO config, STS at `sts` (moto or a proxy) and SSO at the stub.
fn home(sso: &Sso, sts: &str, config: &str) -> Home {
    let mut home = Home::with(sts, config, "");
    home.env.push(("AWS_ENDPOINT_URL_SSO".into(), sso.url().into()));
    home.env.push(("AWS_ENDPOINT_URL_SSO_OIDC".into(), sso.url().into()));
    home
}

fn eval_line(shell: &str, target: &str) -> String {
    match shell {
        "fish" => format!("stsenv assume {target} | source; or exit 1; echo KEY=$AWS_ACCESS_KEY_ID"),
        _ => format!("eval \"$(stsenv assume {target})\" || exit 1; echo KEY=$AWS_ACCESS_KEY_ID"),
    }
}

#[test]
fn sso_profiles_eval_in_every_shell_and_roles_chain_on_them_at_moto() {
    let sso = Sso::start();
    let proxy = Server::counting(&moto().url);
    let home = home(&sso, &proxy.url, SSO_CONFIG);
    write_token(&home, "corp", "valid-corp", 8 * 3600, None);
    write_token(&home, START_URL, "valid-legacy", 8 * 3600, None);
    for shell in ["bash", "zsh", "fish"] {
        for profile in ["dev", "legacy"] {
            let out = home.shell(shell, &eval_line(shell, profile));
            let stdout = text(&out.stdout);
            assert!(stdout.contains("KEY=ASIASSO"), "{shell} {profile}: {stdout}{}", text(&out.stderr));
        }
    }
    // Each profile fetched once; every later assume was a cache hit.
    assert_eq!(sso.count("/federation/credentials"), 2);

    for shell in ["bash", "zsh", "fish"] {
        let script = format!("{}\n{}", eval_line(shell, "ssochain2"), check_line(&format!("sso-chain-{shell}")));
        let out = home.shell(shell, &script);
        let stdout = text(&out.stdout);
        assert!(stdout.contains("assumed-role/ReadOnly/"), "{shell}: {stdout}{}", text(&out.stderr));
    }
    let calls = proxy.all();
    let first = calls.iter().find(|r| r.action() == "AssumeRole").expect("AssumeRole at moto");
    assert!(first.signer().starts_with("ASIASSO"), "signed with {}", first.signer());
    assert!(first.has_session_token());
    let seen: Vec<String> =
        calls.iter().map(|r| format!("{} {:?} {}", r.action(), r.param("RoleArn"), r.signer())).collect();
    assert_eq!(
        proxy.count("AssumeRole"),
        2,
        "SSO role → AssumeRole → AssumeRole, then cache hits: {seen:#?}\n{}",
        text(&home.stsenv(&["cache", "list"]).stdout)
    );

    let dry = home.stsenv(&["assume", "ssochain", "--dry-run"]);
    let plan = text(&dry.stderr);
    assert!(plan.contains("source: SSO role 'Developer' in account 123456789012 (SSO session 'corp'"), "{plan}");
    assert!(plan.contains("sign-in: SSO session 'corp': token valid ") && plan.contains("not refreshable"), "{plan}");
    assert!(!plan.contains("valid-corp"), "the token in the plan: {plan}");
    let list = text(&home.stsenv(&["cache", "list"]).stdout);
    assert!(list.contains("SSO role 'Developer' in account 123456789012"), "{list}");
    assert!(list.contains("SSO session 'corp': token valid") && list.contains("not refreshable"), "{list}");
    assert!(!list.contains("valid-corp"), "the token in the list: {list}");
    let long = text(&home.stsenv(&["profiles", "--long"]).stdout);
    assert!(
        long.contains("dev        SSO role 'Developer' in account 123456789012") && long.contains("token valid"),
        "{long}"
    );
    assert!(long.contains("ssochain2  role s3FullforAssumeRole -> ReadOnly from SSO role 'Developer'"), "{long}");
    let status = home.shell("bash", "eval \"$(stsenv assume dev)\" && stsenv status");
    let status = text(&status.stdout);
    assert!(status.contains("profile:  dev\n") && status.contains("sign-in:  SSO session 'corp'"), "{status}");
}

#[test]
fn botocore_and_stsenv_share_the_token_cache_both_ways() {
    let sso = Sso::start();
    let home = home(&sso, &moto().url, SSO_CONFIG);
    let python = venv("python");
    let helper = repo().join("tests/support/sso_token.py");
    // botocore writes, stsenv reads.
    let out = home.command(&python).arg(&helper).args(["save", "corp", "valid-from-botocore"]).output().unwrap();
    assert!(text(&out.stdout).contains("SAVED"), "{}", text(&out.stderr));
    let out = home.stsenv(&["assume", "dev", "--shell", "bash"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let portal = sso.server.all().into_iter().find(|r| r.target().starts_with("/federation")).unwrap();
    assert_eq!(portal.header("x-amz-sso_bearer_token").as_deref(), Some("valid-from-botocore"));

    // stsenv signs in, botocore reads (and the AWS CLI uses it for real).
    std::fs::remove_dir_all(home.path().join(".aws/sso")).unwrap();
    let mut cmd = home.command(bin());
    cmd.args(["login", "dev", "--no-browser"]);
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    pty.exp_string(USER_CODE).unwrap();
    pty.exp_eof().unwrap();
    let out = home.command(&python).arg(&helper).args(["load", "dev"]).output().unwrap();
    let issued = sso.state.lock().unwrap().issued.last().cloned().unwrap();
    assert_eq!(text(&out.stdout).trim(), format!("TOKEN {issued}"), "{}", text(&out.stderr));
    let out = home
        .command(venv("aws"))
        .args(["sts", "get-caller-identity", "--profile", "dev"])
        .env("AWS_ENDPOINT_URL_STS", &moto().url)
        .output()
        .unwrap();
    assert!(out.status.success(), "the AWS CLI could not use stsenv's token: {}", text(&out.stderr));
}

#[test]
fn login_in_a_terminal_shows_the_code_and_writes_the_cli_token_file() {
    let sso = Sso::start();
    let home = home(&sso, &moto().url, SSO_CONFIG);
    sso.set(|s| s.browser = Browser::SlowDown);
    let opened = home.path().join("opened-url");
    let out_file = home.path().join("out.sh");
    // A browser that records what it was asked to open.
    let mut cmd = home.command(require("bash"));
    cmd.arg("-c").arg(format!("stsenv login dev --use-device-code > {}; echo RC=$?", out_file.display()));
    cmd.env("BROWSER", format!("sh -c 'echo \"$0\" > {}'", opened.display()));
    let mut pty = rexpect::session::spawn_command(cmd, Some(30_000)).unwrap();
    pty.exp_string(&format!("?user_code={USER_CODE}")).unwrap();
    pty.exp_string("RC=0").unwrap();
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "", "stdout is for shell code only");
    assert!(std::fs::read_to_string(&opened).unwrap().contains(USER_CODE));

    let path = token_file(&home, "corp");
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let token: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for field in [
        "accessToken",
        "expiresAt",
        "refreshToken",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "region",
        "startUrl",
    ] {
        assert!(token.get(field).is_some(), "{field} missing: {token}");
    }
    assert!(token["expiresAt"].as_str().unwrap().ends_with('Z'));

    // assume with no token, on a terminal: the sign-in runs inline and the command finishes
    // (over SSH, so with the device code: the browser here could not reach the loopback).
    std::fs::remove_file(&path).unwrap();
    let mut cmd = home.command(require("bash"));
    cmd.arg("-c").arg(format!("stsenv assume dev --shell bash > {}; echo RC=$?", out_file.display()));
    cmd.env("SSH_TTY", "/dev/pts/9");
    sso.set(|s| s.browser = Browser::Approve(1));
    let mut pty = rexpect::session::spawn_command(cmd, Some(30_000)).unwrap();
    pty.exp_string(USER_CODE).unwrap();
    pty.exp_string("RC=0").unwrap();
    let stdout = std::fs::read_to_string(&out_file).unwrap();
    assert_only_shell_code(&stdout);
    assert!(stdout.contains("export AWS_ACCESS_KEY_ID='ASIASSO"), "{stdout}");

    // Denied and expired sign-ins: one line, non-zero, nothing written.
    for (browser, cause) in [(Browser::Deny, "denied"), (Browser::Expire, "expired before it was confirmed")] {
        std::fs::remove_file(&path).unwrap();
        sso.set(|s| s.browser = browser);
        let mut cmd = home.command(require("bash"));
        cmd.arg("-c").arg("stsenv login dev --no-browser; echo RC=$?");
        let mut pty = rexpect::session::spawn_command(cmd, Some(30_000)).unwrap();
        let (screen, _) = pty.exp_regex("RC=[0-9]+").unwrap();
        assert!(screen.contains(cause), "{browser:?}: {screen}");
        assert!(!path.exists(), "{browser:?}: a token was written");
        write_token(&home, "corp", "valid-again", 3600, None);
    }
}

#[test]
fn expired_tokens_are_refreshed_once_for_many_processes_or_fail_at_once() {
    let sso = Sso::start();
    let home = home(&sso, &moto().url, SSO_CONFIG);
    write_token(&home, "corp", "stale", -60, Some("valid-refresh"));
    let children: Vec<_> = (0..10).map(|_| home.spawn(&["assume", "dev", "--shell", "bash", "--no-prompt"])).collect();
    let outputs: Vec<_> = children.into_iter().map(|c| wait_output(c, Duration::from_secs(30))).collect();
    for out in &outputs {
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), text(&outputs[0].stdout), "different credentials");
    }
    assert_eq!(sso.refreshes(), 1, "one refresh for ten processes");
    assert_eq!(sso.count("/federation/credentials"), 1, "one GetRoleCredentials for ten processes");
    let token: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(token_file(&home, "corp")).unwrap()).unwrap();
    assert!(token["accessToken"].as_str().unwrap().starts_with("access-"), "not written back: {token}");
    assert_eq!(token["futureField"]["kept"], true, "a field the CLI wrote was lost");

    // Expired and not refreshable, no terminal: at once, naming the fix.
    write_token(&home, START_URL, "stale", -60, None);
    let started = std::time::Instant::now();
    let out = home.stsenv_detached(&["assume", "legacy", "--shell", "bash"]);
    assert!(started.elapsed() < Duration::from_secs(5), "it hung");
    assert_eq!((out.status.code(), text(&out.stdout)), (Some(1), "false\n".to_owned()));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("profile 'legacy'")
            && stderr.contains("run `stsenv login legacy` (or `aws sso login --profile legacy`)"),
        "{stderr}"
    );
}

#[test]
fn every_service_error_is_one_line_and_changes_nothing() {
    let sso = Sso::start();
    let home = home(&sso, &moto().url, SSO_CONFIG);
    let check = |target: &str, cause: &str| {
        let script = format!(
            "before=$(env | sort)\nout=$(stsenv assume {target} --shell bash --no-prompt); code=$?\neval \"$out\"; evalcode=$?\n\
             [ \"$before\" = \"$(env | sort)\" ] && same=yes || same=no\necho \"code=$code eval=$evalcode same=$same\""
        );
        let out = home.shell("bash", &script);
        let stderr = text(&out.stderr);
        assert_eq!(text(&out.stdout).trim(), "code=1 eval=1 same=yes", "{target}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{target}: {stderr}");
        assert!(stderr.contains(cause), "{target}: expected {cause:?} in {stderr}");
    };
    write_token(&home, "corp", "valid-corp", 3600, None);
    check("denied", "ForbiddenException: No access");
    write_token(&home, "corp", "revoked", 3600, None);
    check("dev", "run `stsenv login dev`");
    write_token(&home, "corp", "stale", -60, Some("revoked-refresh"));
    check("dev", "run `stsenv login dev`");
    write_token(&home, "corp", "valid-corp", 3600, None);
    sso.set(|s| s.portal = Portal::Error500);
    check("dev", "InternalServerException");
    sso.set(|s| s.portal = Portal::Slow);
    check("dev", "did not answer in time");

    // Configuration errors name the file and line, as the SDKs reject them.
    let bad = format!(
        "{SSO_CONFIG}\n[profile halfrole]\nsso_session = corp\nsso_account_id = 123456789012\n\
         [profile nosession]\nsso_session = missing\nsso_account_id = 123456789012\nsso_role_name = X\n\
         [profile mismatch]\nsso_session = corp\nsso_start_url = https://other.awsapps.com/start\nsso_account_id = 123456789012\nsso_role_name = X\n"
    );
    std::fs::write(home.aws_file("config"), &bad).unwrap();
    let line = |needle: &str| bad.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    let config = home.aws_file("config").display().to_string();
    let halfrole = bad.lines().position(|l| l == "[profile halfrole]").unwrap() + 3;
    check("halfrole", &format!("no sso_role_name; the two go together ({config}:{halfrole})"));
    check("nosession", "there is no [sso-session missing] section");
    check(
        "mismatch",
        &format!(
            "differs from 'https://corp.awsapps.com/start' in [sso-session corp]; the AWS SDKs reject that ({config}:{})",
            line("sso_start_url = https://other")
        ),
    );
}

#[test]
fn the_portal_host_follows_the_fips_and_dual_stack_settings() {
    let config = "[sso-session east2]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-2\n\n\
                  [profile fipsdev]\nsso_session = east2\nsso_account_id = 123456789012\nsso_role_name = Developer\n\
                  use_fips_endpoint = true\nuse_dualstack_endpoint = true\n";
    let home = Home::with("unused", config, "");
    write_token(&home, "east2", "valid-east2", 3600, None);
    let proxy = Server::refusing_proxy();
    let mut cmd = home.command(bin());
    cmd.env_remove("AWS_ENDPOINT_URL").env("HTTPS_PROXY", &proxy.url);
    let out = cmd.args(["assume", "fipsdev", "--shell", "bash", "--no-prompt"]).output().unwrap();
    assert_eq!(text(&out.stdout), "false\n", "{}", text(&out.stderr));
    assert_eq!(proxy.connect_hosts()[..1], ["portal.sso-fips.us-east-2.api.aws:443"], "{}", text(&out.stderr));
}
