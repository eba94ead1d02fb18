//! `stsenv assume`: profile files → MFA → STS (moto) → shell code that works in bash, zsh, fish.

mod common;

use common::http::{Reply, Server, sts_credentials, sts_error, sts_identity};
use common::*;
use std::time::Duration;

const SHELLS: [&str; 3] = ["bash", "zsh", "fish"];

/// How each shell evals stsenv's output (no --shell: detection from the parent process).
fn eval_assume(shell: &str, args: &str) -> String {
    match shell {
        "fish" => format!("stsenv assume {args} | source; or exit 1"),
        _ => format!("eval \"$(stsenv assume {args})\" || exit 1"),
    }
}

#[test]
fn assume_works_in_bash_zsh_and_fish_against_moto() {
    let moto = moto();
    for shell in SHELLS {
        let home = Home::seeds(&moto.url);
        let bucket = format!("seed-bucket-{shell}");
        let script =
            format!("{}\n{}", eval_assume(shell, "s3FullforAssumeRole --token-code 123456"), check_line(&bucket));
        let out = home.shell(shell, &script);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{shell}: {}{stdout}", text(&out.stderr));
        assert!(
            stdout.contains("ARN arn:aws:sts::123456789012:assumed-role/s3FullforAssumeRole/alice"),
            "{shell}: {stdout}"
        );
        assert!(stdout.contains(&format!("BUCKET {bucket}")), "{shell}: {stdout}");
    }
}

#[test]
fn output_sets_the_documented_variables() {
    let home = Home::seeds(&moto().url);
    let out = home.stsenv(&["assume", "s3FullforAssumeRole", "--token-code", "123456", "--shell", "bash"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_only_shell_code(&stdout);
    assert!(
        stdout.contains("\nunset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN\nexport AWS_ACCESS_KEY_ID="),
        "{stdout}"
    );
    assert!(stdout.starts_with("export STSENV_SAVED=''\n"), "nothing to save in a clean environment: {stdout}");
    for var in [
        "AWS_ACCESS_KEY_ID='ASIA",
        "AWS_SESSION_TOKEN=",
        "AWS_REGION='ap-northeast-1'",
        "AWS_DEFAULT_REGION='ap-northeast-1'",
        "STSENV_PROFILE='s3FullforAssumeRole'",
    ] {
        assert!(stdout.contains(&format!("export {var}")), "{var} missing: {stdout}");
    }
    let expiration = stdout.lines().find_map(|l| l.strip_prefix("export AWS_CREDENTIAL_EXPIRATION='")).unwrap();
    assert!(expiration.len() == 21 && expiration.ends_with("Z'"), "{expiration}");
    let expires_at: i64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("export STSENV_EXPIRES_AT='"))
        .unwrap()
        .trim_end_matches('\'')
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((now + 3000..now + 3700).contains(&expires_at), "default duration is 1h: {expires_at} vs {now}");
    assert!(stdout.contains("export STSENV_VARS='AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_REGION AWS_DEFAULT_REGION STSENV_PROFILE STSENV_EXPIRES_AT STSENV_REQUEST STSENV_VARS'"));
    assert!(stdout.contains("export STSENV_REQUEST='assume -- s3FullforAssumeRole'"), "{stdout}");
}

#[test]
fn seed_002_profile_role_arn_target_bare_role_name_and_chain() {
    let moto = moto();
    let home = Home::seeds(&moto.url);
    let cases = [
        ("test --token-code 123456", "assumed-role/CREATED_ROLE/CREATED_MFA"),
        (
            "arn:aws:iam::123456789012:role/s3FullforAssumeRole --token-code 123456",
            "assumed-role/s3FullforAssumeRole/alice",
        ),
        ("chained --token-code 123456", "assumed-role/DeployRole/deployer"),
    ];
    for (args, arn) in cases {
        let out = home.shell("bash", &format!("{}\n{}", eval_assume("bash", args), check_line("")));
        assert!(text(&out.stdout).contains(arn), "{args}: {}{}", text(&out.stdout), text(&out.stderr));
    }
    // A role name that is not a profile: taken in the source account, found by GetCallerIdentity.
    let plain = Home::with(
        &moto.url,
        "[default]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
        CREDENTIALS,
    );
    let out = plain.shell(
        "bash",
        &format!(
            "{}\n{}",
            eval_assume("bash", "s3FullforAssumeRole --token-code 123456"),
            check_line("bare-role-bucket")
        ),
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("assumed-role/s3FullforAssumeRole/alice") && stdout.contains("BUCKET"),
        "{stdout}{}",
        text(&out.stderr)
    );
}

#[test]
fn mfa_prompt_on_the_terminal_reaches_sts_and_stdout_holds_only_code() {
    let proxy = Server::counting(&moto().url);
    let home = Home::seeds(&proxy.url);
    let out_file = home.path().join("out.sh");
    let mut cmd = home.command(require("bash"));
    cmd.arg("-c").arg(format!("stsenv assume s3FullforAssumeRole > {}", out_file.display()));
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    pty.exp_string("Enter MFA code for arn:aws:iam::123456789012:mfa/alice").unwrap();
    pty.send_line("12345x").unwrap(); // a typo is refused and asked again
    pty.exp_string("6 digits").unwrap();
    pty.send_line("654321").unwrap();
    pty.exp_eof().unwrap();
    let stdout = std::fs::read_to_string(&out_file).unwrap();
    assert_only_shell_code(&stdout);
    assert!(!stdout.contains("MFA"), "{stdout}");
    let calls = proxy.all();
    let session = calls.iter().find(|r| r.action() == "GetSessionToken").expect("GetSessionToken call");
    assert_eq!(session.param("TokenCode").as_deref(), Some("654321"));
    assert_eq!(session.param("SerialNumber").as_deref(), Some(MFA));
}

#[test]
fn no_terminal_and_no_code_fails_at_once() {
    let home = Home::seeds(&moto().url);
    let out = home.stsenv_detached(&["assume", "s3FullforAssumeRole", "--shell", "bash"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("no terminal to ask for the MFA code"), "{stderr}");
    assert!(stderr.contains("--token-code"), "{stderr}");
    assert_eq!(text(&out.stdout), "false\n");
}

#[test]
fn source_comes_from_the_profile_files_not_from_temporary_variables_in_the_shell() {
    let proxy = Server::counting(&moto().url);
    let home = Home::seeds(&proxy.url);
    let script = format!(
        "export AWS_ACCESS_KEY_ID=ASIAFROMOLDSESSION AWS_SECRET_ACCESS_KEY=x AWS_SESSION_TOKEN=y AWS_PROFILE=test\n{}\n{}",
        eval_assume("bash", "s3FullforAssumeRole --token-code 123456"),
        check_line("")
    );
    let out = home.shell("bash", &script);
    assert!(text(&out.stdout).contains("assumed-role/s3FullforAssumeRole"), "{}", text(&out.stderr));
    let signers: Vec<String> =
        proxy.all().iter().filter(|r| r.action() == "GetSessionToken").map(|r| r.signer()).collect();
    assert_eq!(signers, ["AKIAIOSFODNN7EXAMPLE"]);
    assert!(!proxy.all()[0].has_session_token(), "the old session's token was sent");
}

#[test]
fn credential_source_environment_uses_the_environment_keys() {
    let proxy = Server::counting(&moto().url);
    let config = "[profile envrole]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/ReadOnly\ncredential_source = Environment\n";
    let home = Home::with(&proxy.url, config, "");
    let script = format!(
        "export AWS_ACCESS_KEY_ID=AKIAENVIRONMENTKEY AWS_SECRET_ACCESS_KEY=s\n{}\n{}",
        eval_assume("bash", "envrole"),
        check_line("")
    );
    let out = home.shell("bash", &script);
    assert!(text(&out.stdout).contains("assumed-role/ReadOnly/tester"), "{}", text(&out.stderr));
    assert_eq!(proxy.all().iter().find(|r| r.action() == "AssumeRole").unwrap().signer(), "AKIAENVIRONMENTKEY");
}

#[test]
fn unset_removes_everything_assume_set() {
    let home = Home::seeds(&moto().url);
    for shell in SHELLS {
        let unset = if shell == "fish" { "stsenv unset | source" } else { "eval \"$(stsenv unset)\"" };
        let script = format!(
            "{}\n{unset}\nenv | grep -E '^(AWS|STSENV)_' | grep -vE '^(AWS_ENDPOINT_URL|STSENV_TIMEOUT|STSENV_NO_COMPLETIONS)='; true",
            eval_assume(shell, "s3FullforAssumeRole --token-code 123456")
        );
        let out = home.shell(shell, &script);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "", "{shell} left variables behind");
    }
}

#[test]
fn sts_calls_go_through_the_proxy_from_the_environment() {
    let proxy = Server::counting(&moto().url);
    let home = Home::seeds(&moto().url);
    let mut cmd = home.command(bin());
    cmd.args(["assume", "test", "--token-code", "123456", "--shell", "bash"]).env("HTTP_PROXY", &proxy.url);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(proxy.count("GetSessionToken"), 1, "the call did not go through HTTP_PROXY");
    let through_proxy = proxy.all().len();
    let out = home
        .command(bin())
        .args(["assume", "test", "--token-code", "123456", "--no-cache"])
        .env("HTTP_PROXY", &proxy.url)
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(proxy.all().len(), through_proxy, "NO_PROXY was not honoured");
}

#[test]
fn profile_keys_and_options_reach_sts() {
    let proxy = Server::counting(&moto().url);
    let config = format!(
        "{CONFIG}\n[profile vendor]\nrole_arn = arn:aws:iam::123456789012:role/ReadOnly\nsource_profile = test_iam_user\n\
         duration_seconds = 1800\nexternal_id = vendor-42\nrole_session_name = audit\n"
    );
    let home = Home::with(&proxy.url, &config, CREDENTIALS);
    let assume_role = |args: &[&str]| {
        let out = home.stsenv(&[&["assume"], args, &["--no-cache", "--shell", "bash"]].concat());
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let calls = proxy.all();
        let call = calls.iter().rev().find(|r| r.action() == "AssumeRole").unwrap().clone();
        let p = |k: &str| call.param(k).unwrap_or_default();
        (p("DurationSeconds"), p("ExternalId"), p("RoleSessionName"), p("SerialNumber"), p("TokenCode"), call.signer())
    };
    assert_eq!(
        assume_role(&["vendor"]),
        (
            "1800".into(),
            "vendor-42".into(),
            "audit".into(),
            String::new(),
            String::new(),
            "AKIAI44QH8DHBEXAMPLE".into()
        )
    );
    let overridden = assume_role(&[
        "vendor",
        "--duration",
        "45m",
        "--external-id",
        "x-1",
        "--session-name",
        "me@corp",
        "--serial-number",
        MFA,
        "--token-code",
        "123456",
    ]);
    assert_eq!(
        overridden,
        ("2700".into(), "x-1".into(), "me@corp".into(), String::new(), String::new(), "AKIAIOSFODNN7EXAMPLE".into()),
        "the MFA session (moto's key id) signs"
    );
    assert_eq!(
        proxy.all().iter().rev().find(|r| r.action() == "GetSessionToken").unwrap().param("SerialNumber").as_deref(),
        Some(MFA)
    );

    // A role name's source: AWS_PROFILE, then AWS_DEFAULT_PROFILE, then default (AWS CLI v2 order).
    let signer = |vars: &[(&str, &str)]| {
        let mut cmd = home.command(bin());
        cmd.args(["assume", "ReadOnly", "--role", "--token-code", "123456", "--no-cache", "--shell", "bash"]);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{vars:?}: {}", text(&out.stderr));
        proxy.all().last().unwrap().signer()
    };
    assert_eq!(signer(&[("AWS_DEFAULT_PROFILE", "test_iam_user")]), "AKIAI44QH8DHBEXAMPLE");
    assert_eq!(signer(&[("AWS_DEFAULT_PROFILE", "test_iam_user"), ("AWS_PROFILE", "default")]), "AKIAIOSFODNN7EXAMPLE");
}

#[test]
fn dry_run_prints_the_plan_and_calls_nothing() {
    let home = Home::seeds("http://127.0.0.1:9"); // nothing listens there
    let out = home.stsenv(&["assume", "chained", "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plan = text(&out.stderr);
    for part in [
        "source: keys AKIAIOSFODNN7EXAMPLE of profile 'default'",
        "1. GetSessionToken for 12h with MFA",
        "2. AssumeRole 'arn:aws:iam::123456789012:role/s3FullforAssumeRole'",
        "3. AssumeRole 'arn:aws:iam::123456789012:role/DeployRole' as session 'deployer'",
        "region: 'ap-northeast-1'",
    ] {
        assert!(plan.contains(part), "{part} missing from\n{plan}");
    }
    assert_eq!(text(&out.stdout), "");
}

/// Runs a failing assume through eval in bash and checks the contract: one line on stderr
/// naming the profile, non-zero exit, and an eval that fails and changes nothing.
fn assert_fails(home: &Home, args: &str, profile: &str, cause: &str) {
    assert_fails_as(home, args, 1, &format!("stsenv: profile '{profile}': "), cause);
}

fn assert_fails_as(home: &Home, args: &str, code: i32, prefix: &str, cause: &str) {
    let script = format!(
        "before=$(env | sort)\nout=$(stsenv assume {args} --shell bash); code=$?\neval \"$out\"; evalcode=$?\n\
         [ \"$before\" = \"$(env | sort)\" ] && same=yes || same=no\necho \"code=$code eval=$evalcode same=$same\""
    );
    let out = home.shell("bash", &script);
    let stderr = text(&out.stderr);
    assert_eq!(text(&out.stdout).trim(), format!("code={code} eval=1 same=yes"), "{args}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args}: one line expected: {stderr}");
    assert!(stderr.starts_with(prefix), "{args}: {stderr}");
    assert!(stderr.contains(cause), "{args}: expected {cause:?} in {stderr}");
}

#[test]
fn profile_errors_name_the_profile_the_file_and_the_fix() {
    let config = format!(
        "{CONFIG}\n[profile nosource]\nrole_arn = arn:aws:iam::123456789012:role/X\nsource_profile = missing\n\
         [profile loop1]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = loop2\n\
         [profile loop2]\nrole_arn = arn:aws:iam::123456789012:role/B\nsource_profile = loop1\n\
         [profile badarn]\nrole_arn = arn:aws:iam::12345:role/X\nsource_profile = default\n\
         [profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n\
         [profile badexternal]\nrole_arn = arn:aws:iam::123456789012:role/X\nsource_profile = default\nexternal_id = a b\n"
    );
    let home = Home::with("http://127.0.0.1:9", &config, CREDENTIALS);
    // External IDs within STS's limits (2-1224 of [\w+=,.@:/-]), from the command line or a profile.
    assert_fails(&home, "s3FullforAssumeRole --external-id ''", "s3FullforAssumeRole", "invalid external ID ''");
    assert_fails(&home, "s3FullforAssumeRole --external-id a", "s3FullforAssumeRole", "invalid external ID 'a'");
    assert_fails(&home, "s3FullforAssumeRole --external-id \"$(printf 'x\\033[2J')\"", "s3FullforAssumeRole", "2-1224 characters");
    assert_fails(&home, "badexternal", "badexternal", "invalid external ID 'a b'");
    assert_fails(&home, "badexternal", "badexternal", "/.aws/config:");
    assert_fails(
        &home,
        "s3FullforAsumeRole",
        "s3FullforAsumeRole",
        "no such profile; did you mean 's3FullforAssumeRole'? (for a role named 's3FullforAsumeRole' in the source account, add --role)",
    );
    assert_fails(&home, "nosource", "nosource", "its source_profile 'missing' does not exist");
    assert_fails(&home, "nosource", "nosource", "/.aws/config:");
    assert_fails(&home, "loop1", "loop1", "source_profile cycle: loop1 -> loop2 -> loop1");
    assert_fails(&home, "badarn", "badarn", "malformed role_arn 'arn:aws:iam::12345:role/X'");
    assert_fails(
        &home,
        "s3FullforAssumeRole --duration 13h",
        "s3FullforAssumeRole",
        "duration 13h is out of range for AssumeRole; STS accepts 15m to 12h",
    );
    assert_fails(&home, "s3FullforAssumeRole --duration 10m", "s3FullforAssumeRole", "out of range");
    assert_fails(&home, "sso", "sso", "there is no [sso-session corp] section");
    assert_fails(&home, "\"it's \\$(touch pwned)\\nx\"", "it\\'s $(touch pwned)\\\\nx", "profile names use only");
    assert_fails(
        &home,
        "s3FullforAssumeRole --region \"eu-west-1';x\"",
        "s3FullforAssumeRole",
        "invalid region 'eu-west-1\\';x'",
    );
    // Usage errors, from clap, keep the contract too.
    assert_fails_as(
        &home,
        "test --token-code 12",
        2,
        "stsenv: invalid value '12' for '--token-code <CODE>'",
        "6 digits",
    );
    assert_fails_as(
        &home,
        "",
        2,
        "stsenv: which profile? stsenv assume PROFILE|ROLE_ARN|ROLE_NAME",
        "profiles: badarn badexternal chained default",
    );
    assert_fails(
        &home,
        "s3FullforAssumeRole --token-code 123456",
        "s3FullforAssumeRole",
        "cannot reach STS at 'http://127.0.0.1:9'",
    );
    // A name only its first letters share gets no "did you mean" (it is taken as a role name).
    let out = home.stsenv(&["assume", "nosuchprofilexyz"]);
    assert!(!text(&out.stderr).contains("did you mean"), "{}", text(&out.stderr));
    // A file the SDK cannot parse: where, once, and what to do.
    let broken = Home::with("http://127.0.0.1:9", "[default]\nregion = us-east-1\n[profile broken\nx = 1\n", CREDENTIALS);
    assert_fails_as(
        &broken,
        "default",
        1,
        "stsenv: error parsing ",
        "/.aws/config on line 3: Profile definition must end with ']'; fix the file's syntax",
    );
}

#[test]
fn sts_errors_are_one_line_with_the_cause() {
    let stub = Server::start(|req| match req.action().as_str() {
        "GetSessionToken" => {
            sts_error(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")
        }
        _ => sts_error(400, "ValidationError", "unexpected"),
    });
    let home = Home::seeds(&stub.url);
    assert_fails(
        &home,
        "s3FullforAssumeRole --token-code 123456",
        "s3FullforAssumeRole",
        "invalid MFA one time pass code",
    );
    // The one-time code is never retried.
    assert_eq!(stub.requests.lock().unwrap().len(), 1);

    let stub = Server::start(|req| match req.action().as_str() {
        "AssumeRole" => sts_error(403, "ExpiredToken", "The security token included in the request is expired"),
        _ => sts_error(400, "ValidationError", "unexpected"),
    });
    let home = Home::with(
        &stub.url,
        CONFIG,
        &format!(
            "{CREDENTIALS}\n[mfa]\naws_access_key_id = ASIAOLD\naws_secret_access_key = s\naws_session_token = t\n"
        ),
    );
    std::fs::write(
        home.aws_file("config"),
        format!("{CONFIG}\n[profile viamfa]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = mfa\n"),
    )
    .unwrap();
    assert_fails(&home, "viamfa", "viamfa", "ExpiredToken");

    let stub = Server::start(|_| sts_error(400, "Throttling", "Rate exceeded"));
    let home = Home::with(
        &stub.url,
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = default\n",
        CREDENTIALS,
    );
    assert_fails(&home, "r", "r", "Throttling: Rate exceeded");
    assert_eq!(stub.requests.lock().unwrap().len(), 3, "throttling without an MFA code is retried");

    let stub = Server::start(|_| sts_error(503, "ServiceUnavailable", "Service is unavailable"));
    let home = Home::with(
        &stub.url,
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = default\n",
        CREDENTIALS,
    );
    assert_fails(&home, "r", "r", "ServiceUnavailable");

    let stub = Server::start(|_| Reply::Slow { delay: Duration::from_secs(8) });
    let home = Home::with(
        &stub.url,
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = default\n",
        CREDENTIALS,
    );
    assert_fails(&home, "r", "r", "did not answer in time");
}

/// Values that try to break out of quoting, in every place a value can come from.
const HOSTILE: &str =
    "it's $(touch pwned) `touch pwned` \"; touch pwned; echo \\ \\' \\\\ ü 日本 $HOME\n; touch pwned #";

#[test]
fn hostile_values_eval_to_themselves_in_every_shell() {
    // Credentials as an STS endpoint returns them. (Profile names are limited by the SDK's
    // parser to A-Z a-z 0-9 _-/.%@:+ and regions to host labels; both are checked above.)
    let secret = HOSTILE.to_owned();
    let stub = Server::start(move |req| match req.action().as_str() {
        "GetCallerIdentity" => sts_identity("arn:aws:iam::123456789012:user/alice"),
        action => {
            sts_credentials(action, "ASIA'$(touch pwned)", &secret, &format!("tok{HOSTILE}"), "2099-01-01T00:00:00Z")
        }
    });
    let profile = "evil%user@corp:dev+1/x.y_z-";
    let region = "eu-west-1";
    let config = format!(
        "[profile {profile}]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = default\nregion = {region}\n"
    );
    let home = Home::with(&stub.url, &config, CREDENTIALS);
    let expected = [
        ("AWS_ACCESS_KEY_ID", "ASIA'$(touch pwned)".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", HOSTILE.to_owned()),
        ("AWS_SESSION_TOKEN", format!("tok{HOSTILE}")),
        ("AWS_REGION", region.to_owned()),
        ("STSENV_PROFILE", profile.to_owned()),
    ];
    for shell in SHELLS {
        // The profile name goes through a file so no test quoting is involved.
        std::fs::write(home.path().join("target"), profile).unwrap();
        let read = if shell == "fish" { "set t (cat target)" } else { "t=$(cat target)" };
        let run = if shell == "fish" {
            "stsenv assume $t --no-cache | source; or exit 1"
        } else {
            "eval \"$(stsenv assume \"$t\" --no-cache)\" || exit 1"
        };
        let dump = "python -c 'import os,sys; [sys.stdout.write(os.environ.get(k,\"<unset>\")+\"\\0\") for k in sys.argv[1:]]' AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION STSENV_PROFILE";
        let out = home.shell(shell, &format!("{read}\n{run}\n{dump}"));
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let values: Vec<String> = text(&out.stdout).split('\0').map(str::to_owned).collect();
        for (i, (name, want)) in expected.iter().enumerate() {
            assert_eq!(&values[i], want, "{shell}: {name}");
        }
        assert!(!home.path().join("pwned").exists(), "{shell}: a value ran code");
    }
}

#[test]
fn the_aws_clis_profile_flag_names_the_target() {
    let home = Home::seeds(&moto().url);
    let out = home.stsenv(&["assume", "--profile", "s3FullforAssumeRole", "--token-code", "123456", "--shell", "bash"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("export STSENV_PROFILE='s3FullforAssumeRole'"), "{}", text(&out.stdout));
    // In exec the command follows, with or without `--`.
    for args in [&["exec", "--profile", "s3FullforAssumeRole", "printenv", "STSENV_PROFILE"][..], &[
        "exec",
        "--profile",
        "s3FullforAssumeRole",
        "--",
        "printenv",
        "STSENV_PROFILE",
    ]] {
        let out = home.stsenv(args);
        assert_eq!(text(&out.stdout).trim(), "s3FullforAssumeRole", "{args:?}: {}", text(&out.stderr));
    }
    assert_fails_as(&home, "--profile readonly s3FullforAssumeRole", 1, "stsenv: --profile and 's3FullforAssumeRole'", "give one");
}
