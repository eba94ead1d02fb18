//! `stsenv sso populate` (issue 18): every account and role of a sign-in as profiles, against
//! the local portal stub (ListAccounts, ListAccountRoles: paginated, throttled), written
//! losslessly into a config with comments and hand-written profiles; read back by botocore.

mod common;

use common::sso::*;
use common::*;
use std::time::{Duration, Instant};

const CONFIG: &str = "\
# my AWS config: comments, order and spacing are mine
[default]
region = eu-west-1
output = json

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

; a profile I wrote by hand, whose name populate would also generate
[profile Team-001-eu.ReadOnly]
sso_session = corp
sso_account_id = 100000000001
sso_role_name = ReadOnly
region = ap-northeast-1

[profile settings]
output = table
cli_pager =
duration_seconds = 1800
region = sa-east-1
";

fn home(sso: &Sso) -> Home {
    let mut home = Home::with(sso.url(), CONFIG, "");
    home.env.push(("AWS_ENDPOINT_URL_SSO".into(), sso.url().into()));
    home.env.push(("AWS_ENDPOINT_URL_SSO_OIDC".into(), sso.url().into()));
    write_token(&home, "corp", "valid-corp", 8 * 3600, None);
    home
}

fn populate(home: &Home, args: &[&str]) -> (String, String) {
    let out = home.stsenv(&[&["sso", "populate"], args].concat());
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    (text(&out.stdout), text(&out.stderr))
}

/// The profile names botocore finds in the config.
fn botocore_profiles(home: &Home) -> Vec<String> {
    let script = "import boto3\nfor p in boto3.session.Session().available_profiles: print(p)";
    let out = home.command(venv("python")).args(["-c", script]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn five_hundred_accounts_in_seconds_losslessly_and_a_rerun_changes_no_byte() {
    let sso = Sso::start();
    sso.organization(500, &["AdministratorAccess", "ReadOnly", "Billing"]);
    sso.set(|s| s.throttle_every = 25);
    let home = home(&sso);
    let config = home.aws_file("config");

    let started = Instant::now();
    let (_, stderr) = populate(&home, &["--sso-session", "corp"]);
    let took = started.elapsed();
    println!("populate: {took:?}: {stderr}");
    assert!(took < Duration::from_secs(30), "500 accounts took {took:?}");
    assert!(stderr.contains("reaches 1500 roles in 500 accounts"), "{stderr}");
    // 25 pages of accounts, 2 pages of roles per account, and the throttled ones again.
    let listings = sso.count("/assignment/accounts") + sso.count("/assignment/roles");
    assert!(listings >= 25 + 1000, "{listings} listings");
    assert!(sso.state.lock().unwrap().listings as usize >= listings);

    let after = std::fs::read_to_string(&config).unwrap();
    assert!(after.starts_with(CONFIG), "bytes outside the block changed");
    assert!(after.contains("[profile Team-000-eu.AdministratorAccess]\nsso_session = corp\nsso_account_id = 100000000000\nsso_role_name = AdministratorAccess\nregion = us-east-1\n"), "{}", &after[CONFIG.len()..CONFIG.len() + 600]);
    // The hand-written profile of the same name is not overwritten, and said so.
    assert!(
        stderr.contains("not written, a profile of that name is yours") && stderr.contains("Team-001-eu.ReadOnly"),
        "{stderr}"
    );
    assert_eq!(after.matches("[profile Team-001-eu.ReadOnly]").count(), 1);
    assert!(after.contains("sso_role_name = ReadOnly\nregion = ap-northeast-1\n"), "the hand-written profile changed");
    let names = botocore_profiles(&home);
    assert_eq!(names.len(), 1499 + 3, "{:?}", &names[..5]);
    assert!(
        !after
            .lines()
            .any(|l| l.starts_with("[profile") && (l.contains(' ') && l.matches(' ').count() > 1 || l.contains("[eu")))
    );

    // A second run writes the same bytes: not even the file's time changes.
    let modified = std::fs::metadata(&config).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    populate(&home, &["--sso-session", "corp"]);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), after);
    assert_eq!(std::fs::metadata(&config).unwrap().modified().unwrap(), modified);

    // A populated profile works at once: the portal's credentials for that role.
    let out = home.shell(
        "bash",
        "eval \"$(stsenv assume Team-042-eu.Billing --shell bash)\" && echo \"KEY=$AWS_ACCESS_KEY_ID TOKEN=$AWS_SESSION_TOKEN\"",
    );
    assert!(
        text(&out.stdout).contains("KEY=ASIASSO") && text(&out.stdout).contains("TOKEN=sso-token-Billing-"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn prune_dry_run_templates_collisions_and_copied_settings() {
    let sso = Sso::start();
    sso.organization(3, &["Admin", "Dev"]);
    // Two accounts of one name: their profiles get the account id.
    sso.set(|s| s.accounts[2].1 = s.accounts[1].1.clone());
    let home = home(&sso);
    let config = home.aws_file("config");

    // --dry-run: the diff on stdout, nothing written.
    let (diff, _) = populate(&home, &["--dry-run"]);
    assert!(
        diff.contains("+[profile Team-000-eu.Admin]") && diff.contains("+# BEGIN stsenv sso populate corp"),
        "{diff}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), CONFIG);

    let (_, stderr) = populate(&home, &["--copy-from", "settings"]);
    let after = std::fs::read_to_string(&config).unwrap();
    assert!(
        after.contains("[profile Team-001-eu.Dev-100000000001]")
            && after.contains("[profile Team-001-eu.Dev-100000000002]"),
        "{after}"
    );
    // Settings copied in file order, the region from the template profile; no credential keys.
    assert!(
        after.contains(
            "sso_role_name = Admin\nregion = sa-east-1\noutput = table\ncli_pager =\nduration_seconds = 1800\n\n"
        ),
        "{after}"
    );
    assert!(stderr.contains("6 new profiles were added"), "{stderr}");

    // A role the sign-in no longer reaches: kept, and said so; --prune removes it.
    sso.set(|s| s.roles.get_mut("100000000000").unwrap().retain(|r| r != "Dev"));
    let (_, stderr) = populate(&home, &["--copy-from", "settings"]);
    assert!(
        stderr.contains("kept 1 profiles whose roles the sign-in no longer reaches")
            && stderr.contains("Team-000-eu.Dev"),
        "{stderr}"
    );
    assert!(std::fs::read_to_string(&config).unwrap().contains("[profile Team-000-eu.Dev]"));
    let (_, stderr) = populate(&home, &["--copy-from", "settings", "--prune"]);
    assert!(stderr.contains("1 profiles were removed: Team-000-eu.Dev"), "{stderr}");
    let pruned = std::fs::read_to_string(&config).unwrap();
    assert!(!pruned.contains("[profile Team-000-eu.Dev]"), "{pruned}");
    assert!(pruned.starts_with(CONFIG), "bytes outside the block changed");

    // A template by id; the old block is replaced in place, whatever follows it stays.
    std::fs::write(&config, format!("{pruned}\n[profile after]\nregion = eu-north-1\n")).unwrap();
    populate(&home, &["--template", "{sso_session}-{account_id}-{role_name}"]);
    let by_id = std::fs::read_to_string(&config).unwrap();
    assert!(by_id.contains("[profile corp-100000000000-Admin]") && !by_id.contains("Team-000"), "{by_id}");
    assert!(by_id.ends_with("# END stsenv sso populate corp\n\n[profile after]\nregion = eu-north-1\n"), "{by_id}");
    assert_eq!(by_id.matches("# BEGIN stsenv sso populate corp").count(), 1);

    // An unknown placeholder is an error before any call.
    let out = home.stsenv(&["sso", "populate", "--template", "{account}.{role_name}"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("unknown placeholder {account}"), "{}", text(&out.stderr));
}

#[test]
fn account_and_role_with_no_profile_at_all() {
    let sso = Sso::start();
    sso.organization(30, &["Admin", "Billing"]);
    let home = home(&sso);
    let eval = |target: &str| {
        let script = format!(
            "eval \"$(stsenv assume '{target}' --sso-session corp --shell bash)\" && echo \"KEY=$AWS_ACCESS_KEY_ID TOKEN=$AWS_SESSION_TOKEN P=$STSENV_PROFILE\"\n\
             echo \"REQ=$STSENV_REQUEST\""
        );
        let out = home.shell("bash", &script);
        (text(&out.stdout), text(&out.stderr))
    };
    // By account name (as the portal shows it, any case) and by id.
    let (stdout, stderr) = eval("team 007 [EU]/Billing");
    assert!(stdout.contains("KEY=ASIASSO") && stdout.contains("TOKEN=sso-token-Billing-"), "{stdout}{stderr}");
    assert!(stdout.contains("P=team 007 [EU]/Billing") && stdout.contains("--sso-session corp"), "{stdout}");
    let (stdout, stderr) = eval("100000000012/Admin");
    assert!(stdout.contains("TOKEN=sso-token-Admin-"), "{stdout}{stderr}");
    // What is not there says so.
    let (_, stderr) = eval("Nope/Admin");
    assert!(stderr.contains("reaches no account named 'Nope'"), "{stderr}");
    let (_, stderr) = eval("JustAName");
    assert!(stderr.contains("with --sso-session, TARGET is ACCOUNT/ROLE"), "{stderr}");
}
