//! Signing in to IAM Identity Center as the AWS CLI >= 2.22 does (issue 18): the browser
//! flow with PKCE and a loopback redirect by default, the device code when asked for or when
//! no local browser can reach the loopback (SSH), and one sign-in for twenty shells whose
//! sign-in expired at once. The "browser" is a real HTTP client that follows the stub's
//! redirect to stsenv's loopback, as a browser would.

mod common;

use common::sso::*;
use common::*;
use std::time::Duration;

const CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Developer
";

fn home(sso: &Sso) -> Home {
    signin_home(sso, CONFIG, "")
}

fn login(home: &Home, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = home.command(bin());
    cmd.args([&["login", "--sso-session", "corp"], args].concat()).envs(env.iter().copied());
    let out = output_within(&mut cmd, Duration::from_secs(40));
    assert!(out.stdout.is_empty(), "login printed on stdout");
    (out.status.code(), text(&out.stderr))
}

#[test]
fn the_browser_flow_with_pkce_is_the_default_and_the_device_code_the_fallback() {
    let sso = Sso::start();
    let home = home(&sso);
    let (code, stderr) = login(&home, &[], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("in the browser:") && stderr.contains("/authorize?response_type=code"), "{stderr}");
    assert_eq!((sso.count("/authorize"), sso.count("/device_authorization")), (1, 0));
    // The registration asked for the auth-code grant, for this start URL.
    let register = sso.server.all().into_iter().find(|r| r.target() == "/client/register").unwrap();
    assert!(register.body.contains("authorization_code") && register.body.contains("http://127.0.0.1/oauth/callback"));
    assert!(register.body.contains("\"issuerUrl\":\"https://corp.awsapps.com/start\""), "{}", register.body);
    // The token is the CLI's, with its refresh token.
    let token: serde_json::Value = serde_json::from_slice(&std::fs::read(token_file(&home, "corp")).unwrap()).unwrap();
    assert!(token["accessToken"].as_str().unwrap().starts_with("access-") && token["refreshToken"].is_string());
    let out = home.stsenv(&["assume", "dev", "--shell", "bash"]);
    assert!(text(&out.stdout).contains("AWS_ACCESS_KEY_ID='ASIASSO"), "{}", text(&out.stderr));

    // Refused in the browser: said so, nothing written.
    std::fs::remove_file(token_file(&home, "corp")).unwrap();
    sso.set(|s| s.browser = Browser::Deny);
    let (code, stderr) = login(&home, &[], &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("the sign-in was refused in the browser (access_denied"), "{stderr}");
    assert!(!token_file(&home, "corp").exists());

    // --use-device-code, and over SSH the device code by itself.
    sso.set(|s| s.browser = Browser::Approve(1));
    for (args, env) in
        [(&["--use-device-code"][..], &[][..]), (&[][..], &[("SSH_CONNECTION", "10.0.0.1 5 10.0.0.2 22")][..])]
    {
        let before = sso.count("/device_authorization");
        let (code, stderr) = login(&home, args, env);
        assert_eq!(code, Some(0), "{args:?} {env:?}: {stderr}");
        assert!(stderr.contains("code   WDJB-MJHT"), "{stderr}");
        assert_eq!(sso.count("/device_authorization"), before + 1);
    }
    assert_eq!(sso.count("/authorize"), 2, "the device code never opens the redirect flow");
}

#[test]
fn twenty_shells_whose_sign_in_expired_open_one_browser_sign_in() {
    let sso = Sso::start();
    let home = home(&sso);
    write_token(&home, "corp", "stale", -60, None);
    let script = "for i in $(seq 20); do stsenv assume dev --shell bash > out.$i 2> err.$i & done; wait; echo ALL-DONE";
    let mut cmd = home.command(shell_program("bash"));
    cmd.args(["-c", script]);
    let mut pty = rexpect::session::spawn_command(cmd, Some(60_000)).unwrap();
    pty.exp_string("ALL-DONE").unwrap();
    assert_eq!(sso.count("/authorize"), 1, "one browser sign-in, not twenty");
    assert_eq!(sso.count("/client/register"), 1);
    for i in 1..=20 {
        let out = std::fs::read_to_string(home.path().join(format!("out.{i}"))).unwrap();
        let err = std::fs::read_to_string(home.path().join(format!("err.{i}"))).unwrap();
        assert!(out.contains("AWS_ACCESS_KEY_ID='ASIASSO"), "shell {i}: {out}{err}");
    }
}

/// The README's two commands, from a config that holds only the `[sso-session]`.
#[test]
fn login_then_populate_from_only_an_sso_session_section() {
    let sso = Sso::start();
    sso.organization(500, &["AdministratorAccess", "ReadOnly", "Billing"]);
    let home = home(&sso);
    let only = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n";
    std::fs::write(home.aws_file("config"), only).unwrap();
    let out = home.shell("bash", "stsenv login --sso-session corp && stsenv sso populate --sso-session corp");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let config = std::fs::read_to_string(home.aws_file("config")).unwrap();
    assert!(config.starts_with(only), "the section I wrote changed");
    assert_eq!(config.matches("[profile ").count(), 1500);
    // A second run changes no byte; a populated profile's keys come from the portal.
    let out =
        home.shell("bash", "stsenv sso populate --sso-session corp && stsenv assume Team-123-eu.ReadOnly --shell bash");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(home.aws_file("config")).unwrap(), config);
    assert!(text(&out.stdout).contains("AWS_SESSION_TOKEN='sso-token-ReadOnly-"), "{}", text(&out.stdout));
}
