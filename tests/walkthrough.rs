//! What the third newcomer walk-through hit (issue 27), each as it failed: bare `stsenv
//! login`, lists in messages, the picker's history, messages that named the wrong thing or
//! the wrong fix, `--dry-run` of SSO profiles, populate over a user's override, `use stsenv`
//! with no profile, nushell's error block, the cache after a key rotation.

mod common;

use common::sso::*;
use common::*;
use std::time::Duration;

const SSO_CONFIG: &str = "\
[default]
region = eu-west-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
";

fn sso_home(sso: &Sso, config: &str, credentials: &str) -> Home {
    signin_home(sso, config, credentials)
}

#[test]
fn bare_login_signs_in_to_the_only_sso_session_and_lists_stay_short() {
    let sso = Sso::start();
    // An IAM user's [default], as in the README's first example, and one [sso-session].
    let home = sso_home(&sso, SSO_CONFIG, CREDENTIALS);
    let mut cmd = home.command(bin());
    cmd.arg("login");
    let out = output_within(&mut cmd, Duration::from_secs(40));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("token for SSO session 'corp'"), "{}", text(&out.stderr));

    // 1,500 populated profiles and a second session: the message names a few, not all.
    sso.organization(500, &["Admin", "ReadOnly", "Billing"]);
    assert!(home.stsenv(&["sso", "populate", "--sso-session", "corp"]).status.success());
    let config = std::fs::read_to_string(home.aws_file("config")).unwrap();
    std::fs::write(
        home.aws_file("config"),
        format!(
            "{config}\n[sso-session other]\nsso_start_url = https://other.awsapps.com/start\nsso_region = us-east-1\n"
        ),
    )
    .unwrap();
    let out = home.stsenv(&["login"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.len() < 1000 && stderr.contains("more)"), "{} bytes: {stderr}", stderr.len());
    assert!(stderr.contains("stsenv login"), "{stderr}");
    // With no terminal, `assume` with no TARGET lists a few names too.
    let out = home.stsenv_detached(&["assume"]);
    assert!(text(&out.stderr).len() < 1000, "{}", text(&out.stderr));

    // No [default] at all, no session: no "add [default]".
    let home = Home::with(sso.url(), "[profile x]\nregion = eu-west-1\n", "");
    let out = home.stsenv(&["login"]);
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("add [default]") && stderr.contains("aws configure sso"), "{stderr}");

    // A typo in the session's name: did you mean.
    let home = sso_home(&sso, SSO_CONFIG, "");
    let out = home.stsenv(&["login", "--sso-session", "corpp"]);
    assert!(text(&out.stderr).contains("did you mean corp?"), "{}", text(&out.stderr));
}

#[test]
fn sso_messages_name_the_sso_role_the_sign_in_and_the_portal() {
    let sso = Sso::start();
    sso.organization(3, &["Admin"]);
    let config = format!("{SSO_CONFIG}\n[profile Team-000-eu.Admin]\nregion = eu-west-3\n");
    let home = sso_home(&sso, &config, "");
    write_token(&home, "corp", "valid-corp", 8 * 3600, None);

    // A user's one-setting override of a generated profile: told exactly what makes it one.
    let out = home.stsenv(&["sso", "populate"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("your [profile Team-000-eu.Admin]")
            && stderr.contains("`sso_session = corp`, `sso_account_id = 100000000000` and `sso_role_name = Admin`"),
        "{stderr}"
    );
    let out = home.stsenv(&["assume", "Team-000-eu.Admin"]);
    assert!(text(&out.stderr).contains("sso_session, sso_account_id and sso_role_name"), "{}", text(&out.stderr));

    // --dry-run of an SSO profile: the portal, and what would run.
    let out = home.stsenv(&["assume", "Team-001-eu.Admin", "--dry-run"]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("portal endpoint: '{}'", sso.url())), "{stderr}");
    assert!(
        stderr.contains("would run: GetRoleCredentials at the portal") && !stderr.contains("  endpoint:"),
        "{stderr}"
    );

    // ACCOUNT/ROLE errors call it an SSO role, not a profile.
    sso.set(|s| s.portal = Portal::Error500);
    let out = home.stsenv(&["assume", "100000000001/Admin", "--sso-session", "corp"]);
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("stsenv: SSO role '100000000001/Admin':"), "{stderr}");

    // A revoked sign-in during populate names the command that signs in again.
    write_token(&home, "corp", "revoked-corp", 8 * 3600, None);
    let out = home.stsenv(&["sso", "populate", "--no-prompt"]);
    assert!(text(&out.stderr).contains("run `stsenv login --sso-session corp`"), "{}", text(&out.stderr));
}

#[test]
fn small_commands_keep_history_say_the_right_fix_and_agree() {
    let home = Home::seeds(&moto().url);
    // cache clear keeps the picker's history (it is no credential).
    assert!(home.stsenv(&["assume", "readonly", "--token-code", "123456", "--shell", "bash"]).status.success());
    let history = home.path().join(".cache/stsenv/history");
    assert!(history.exists());
    assert!(home.stsenv(&["cache", "clear"]).status.success());
    assert!(history.exists(), "cache clear removed the picker's history");

    // profiles with no AWS files says so; completions with no shell asks like init does.
    let empty = Home::with(&moto().url, "", "");
    std::fs::remove_dir_all(empty.path().join(".aws")).unwrap();
    let out = empty.stsenv(&["profiles"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("aws configure"), "{}", text(&out.stderr));
    let (init, completions) = (home.stsenv(&["init"]), home.stsenv(&["completions"]));
    assert_eq!((init.status.code(), completions.status.code()), (Some(0), Some(0)));

    // A wrong STSENV_SIGNIN_URL is not blamed on the credentials.
    let wrong =
        common::http::Server::start(|_| common::http::Reply::Json { status: 404, body: "{}".into(), error_type: None });
    let config = format!(
        "{CONFIG}\n[profile plain]\nrole_arn = arn:aws:iam::123456789012:role/Plain\nsource_profile = test_iam_user\n"
    );
    let home = Home::with(&moto().url, &config, CREDENTIALS);
    let out = home
        .command(bin())
        .args(["console", "plain", "--print"])
        .env("STSENV_SIGNIN_URL", &wrong.url)
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("is STSENV_SIGNIN_URL right?") && !stderr.contains("refused these credentials"),
        "{stderr}"
    );

    // keys add with no keyring: nothing moved, so no `keys export` advice.
    let out =
        home.command(bin()).args(["keys", "add", "default"]).env_remove("DBUS_SESSION_BUS_ADDRESS").output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("nothing was moved") && !stderr.contains("keys export"), "{stderr}");
    assert_eq!(std::fs::read_to_string(home.aws_file("credentials")).unwrap(), CREDENTIALS);
}

#[test]
fn use_stsenv_without_a_profile_fails_in_one_line_and_opens_no_picker() {
    let direnv = require("direnv");
    let home = Home::seeds(&moto().url);
    let project = home.direnv_project("noprofile", "use stsenv\n");
    for envrc in ["use stsenv\n", "use stsenv --region eu-west-1\n"] {
        std::fs::write(project.join(".envrc"), envrc).unwrap();
        assert!(home.command(&direnv).arg("allow").arg(&project).output().unwrap().status.success());
        let mut cmd = home.command(&direnv);
        cmd.args(["exec", project.to_str().unwrap(), "true"]);
        let out = output_within(&mut cmd, Duration::from_secs(20));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("needs a profile") || stderr.contains("name the profile"), "{envrc}: {stderr}");
        assert!(!stderr.contains("type to filter"), "{envrc}: a picker opened: {stderr}");
    }
}

#[test]
fn nushell_shows_one_error_block() {
    let home = Home::seeds(&moto().url);
    let init = home.path().join("stsenv.nu");
    std::fs::write(&init, home.stsenv(&["init", "nu"]).stdout).unwrap();
    let out = home
        .command(shell_program("nu"))
        .args(["--no-config-file", "-c", &format!("source {}\nstsenv assume nosuchprofile", init.display())])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(stderr.matches("Error:").count(), 1, "{stderr}");
    assert_eq!(stderr.matches("stsenv: ").count(), 1, "stsenv's line once, inside the one block: {stderr}");
    assert!(!stderr.contains("stsenv assume failed"), "{stderr}");
}
