//! No keys in the environment, and roles narrowed on the way in (issue 26): `--profile-env`
//! with real clients on the other side (AWS CLI v2, boto3, the AWS SDK for JavaScript v3),
//! counted at a proxy in front of moto; session policies, tags and source identity as they
//! reach STS.

mod common;

use common::http::{Request, Server};
use common::shell::*;
use common::*;

/// The JS SDK's node_modules, installed by scripts/test.sh beside the venv.
fn node_path() -> std::path::PathBuf {
    let path = venv("python").parent().unwrap().parent().unwrap().join("js/node_modules");
    assert!(path.join("@aws-sdk/client-sts").is_dir(), "{} is missing: run scripts/test.sh", path.display());
    path
}

fn assume_roles(proxy: &Server) -> Vec<Request> {
    proxy.all().into_iter().filter(|r| r.action() == "AssumeRole").collect()
}

#[test]
fn profile_env_exports_no_keys_and_every_sdk_gets_the_role_from_one_assume() {
    let node = require("node");
    let proxy = Server::counting(&moto().url);
    let home = Home::seeds(&proxy.url);
    let script = format!(
        "export AWS_PROFILE=test_iam_user\n\
         eval \"$(stsenv assume s3FullforAssumeRole --profile-env --token-code 123456)\" || exit 1\n\
         echo \"PROFILE=$AWS_PROFILE REGION=$AWS_REGION\"\n\
         env | grep -E '^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|SECURITY_TOKEN)=' | sed 's/^/LEAK /'\n\
         NODE_PATH={np} {node} {js} 10\n\
         for i in 1 2 3 4 5; do python -c 'import boto3; print(\"ARN\", boto3.session.Session().client(\"sts\").get_caller_identity()[\"Arn\"])'; done\n\
         for i in 1 2 3 4 5; do AWS_PAGER= /usr/bin/aws --endpoint-url \"$AWS_ENDPOINT_URL\" sts get-caller-identity --query Arn --output text | sed 's/^/ARN /'; done\n\
         stsenv status | sed 's/^/STATUS /'\n\
         eval \"$(stsenv unset)\"; echo \"AFTER=$AWS_PROFILE\"",
        np = node_path().display(),
        node = node.display(),
        js = repo().join("tests/support/js_check.cjs").display()
    );
    let out = home.shell("bash", &script);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("PROFILE=s3FullforAssumeRole.stsenv REGION=ap-northeast-1"), "{stdout}");
    assert!(!stdout.contains("LEAK"), "keys in the environment: {stdout}");
    let arns: Vec<&str> = stdout.lines().filter_map(|l| l.strip_prefix("ARN ")).collect();
    assert_eq!(arns.len(), 11, "JS once (10 calls), boto3 5, CLI 5: {stdout}{stderr}");
    assert!(arns.iter().all(|a| a.contains(":assumed-role/s3FullforAssumeRole/")), "{arns:?}");
    assert!(!stderr.contains("Multiple credential sources"), "the JS SDK saw keys and a profile: {stderr}");
    // Twenty tool calls, one AssumeRole (made by the assume itself).
    assert_eq!(assume_roles(&proxy).len(), 1, "{stderr}");
    assert!(stdout.contains("STATUS mode:     AWS_PROFILE=s3FullforAssumeRole.stsenv"), "{stdout}");
    assert!(stdout.contains("STATUS profile:  s3FullforAssumeRole"), "{stdout}");
    assert!(stdout.contains("AFTER=test_iam_user"), "unset puts the user's AWS_PROFILE back: {stdout}");

    // The user's profile is as it was; stsenv's own section sits beside it, and botocore reads it.
    let config = std::fs::read_to_string(home.aws_file("config")).unwrap();
    assert!(config.starts_with(CONFIG), "{config}");
    assert!(config.contains("[profile s3FullforAssumeRole.stsenv]\ncredential_process = "), "{config}");
    // It is stsenv's, not one to pick or to suggest.
    let out = home.stsenv(&["assume", "s3FullforAsumeRole"]);
    assert!(!text(&out.stderr).contains(".stsenv"), "{}", text(&out.stderr));
    let listed = text(&home.stsenv(&["profiles"]).stdout);
    assert!(listed.contains("s3FullforAssumeRole") && !listed.contains(".stsenv"), "{listed}");
    let out = home.command(bin()).args(["--", "stsenv", "assume", "s3"]).env("COMPLETE", "bash").env("_CLAP_COMPLETE_INDEX", "2").output().unwrap();
    assert!(text(&out.stdout).contains("s3FullforAssumeRole") && !text(&out.stdout).contains(".stsenv"), "{}", text(&out.stdout));
    let out = home.stsenv(&["assume", "s3FullforAssumeRole.stsenv", "--profile-env", "--shell", "bash"]);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("run `stsenv assume s3FullforAssumeRole --profile-env`"), "{}", text(&out.stderr));
    assert!(!std::fs::read_to_string(home.aws_file("config")).unwrap().contains(".stsenv.stsenv"));

    // The role's credentials leave the cache: the next tool call gets new ones, no prompt.
    assert!(home.stsenv(&["cache", "clear", "s3FullforAssumeRole"]).status.success());
    let again = "eval \"$(stsenv assume s3FullforAssumeRole --profile-env)\" || exit 1\n\
                 python -c 'import boto3; print(\"ARN\", boto3.session.Session().client(\"sts\").get_caller_identity()[\"Arn\"])'";
    let mut cmd = home.command(require("setsid"));
    cmd.args(["-w", "bash", "-c", again]);
    let out = output_within(&mut cmd, std::time::Duration::from_secs(60));
    assert!(
        text(&out.stdout).contains(":assumed-role/s3FullforAssumeRole/"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(!text(&out.stderr).contains("Enter MFA code"));
    assert_eq!(assume_roles(&proxy).len(), 2);
}

#[test]
fn profile_env_in_exec_renew_and_the_prompt() {
    let home = Home::seeds(&moto().url);
    // exec: the command gets AWS_PROFILE and no keys.
    let out = home
        .command(bin())
        .args(["exec", "s3FullforAssumeRole", "--profile-env", "--token-code", "123456", "--", "sh", "-c"])
        .arg(format!("env | grep -c '^AWS_ACCESS_KEY_ID=' ; echo P=$AWS_PROFILE; {}", check_line("profile-env-exec")))
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("0\nP=s3FullforAssumeRole.stsenv"), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains(":assumed-role/s3FullforAssumeRole/") && stdout.contains("BUCKET"), "{stdout}");

    // The prompt shows the profile and the MFA session's time; renew stays in this mode; the
    // hook starts no process (the existing fork-count test covers the hook itself).
    let mut sh = Shell::start(&home, "bash", &[("STSENV_MODE", "profile")]);
    sh.init();
    sh.run("stsenv assume readonly");
    let out = sh.run("echo \"[$STSENV_PROMPT] P=$AWS_PROFILE K=${AWS_ACCESS_KEY_ID-none}\"");
    assert!(
        (out.contains("[readonly 11h5") || out.contains("[readonly 12h00m]"))
            && out.contains("P=readonly.stsenv K=none"),
        "{out}"
    );
    let out = sh.run("stsenv renew; echo \"P=$AWS_PROFILE K=${AWS_ACCESS_KEY_ID-none} R=$STSENV_REQUEST\"");
    assert!(out.contains("P=readonly.stsenv K=none") && out.contains("--profile-env"), "{out}");
}

#[test]
fn session_policies_tags_and_source_identity_reach_sts_as_given() {
    let proxy = Server::counting(&moto().url);
    let config = format!(
        "{CONFIG}\n[profile tagged]\nrole_arn = arn:aws:iam::123456789012:role/ReadOnly\nsource_profile = default\n\
         mfa_serial = arn:aws:iam::123456789012:mfa/alice\nsession_tags = project=apollo, env=prod\n\
         transitive_session_tags = project\nsource_identity = bob\n"
    );
    let home = Home::with(&proxy.url, &config, CREDENTIALS);
    let policy =
        r#"{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "s3:Get*", "Resource": "*" } ] }"#;
    let out = home.stsenv(&[
        "assume",
        "s3FullforAssumeRole",
        "--token-code",
        "123456",
        "--shell",
        "bash",
        "--policy",
        policy,
        "--policy-arn",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "--policy-arn",
        "arn:aws:iam::123456789012:policy/Mine",
        "--tag",
        "team=infra",
        "--tag",
        "cost center=4 2",
        "--transitive-tag",
        "team",
        "--source-identity",
        "alice@example.com",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let call = assume_roles(&proxy).pop().unwrap();
    let packed: serde_json::Value = serde_json::from_str(policy).unwrap();
    assert_eq!(call.param("Policy"), Some(packed.to_string()));
    assert_eq!(
        call.param("PolicyArns.member.1.arn").as_deref(),
        Some("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    );
    assert_eq!(call.param("PolicyArns.member.2.arn").as_deref(), Some("arn:aws:iam::123456789012:policy/Mine"));
    assert_eq!(
        (call.param("Tags.member.1.Key"), call.param("Tags.member.1.Value")),
        (Some("team".into()), Some("infra".into()))
    );
    assert_eq!(
        (call.param("Tags.member.2.Key"), call.param("Tags.member.2.Value")),
        (Some("cost center".into()), Some("4 2".into()))
    );
    assert_eq!(call.param("TransitiveTagKeys.member.1").as_deref(), Some("team"));
    assert_eq!(call.param("SourceIdentity").as_deref(), Some("alice@example.com"));

    // aws-vault's profile keys, as existing configs have them.
    let out = home.stsenv(&["assume", "tagged", "--shell", "bash"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let call = assume_roles(&proxy).pop().unwrap();
    assert_eq!(call.param("Tags.member.1.Key").as_deref(), Some("project"));
    assert_eq!(call.param("Tags.member.2.Value").as_deref(), Some("prod"));
    assert_eq!(call.param("TransitiveTagKeys.member.1").as_deref(), Some("project"));
    assert_eq!(call.param("SourceIdentity").as_deref(), Some("bob"));
    let out = home.stsenv(&["assume", "tagged", "--dry-run"]);
    assert!(text(&out.stderr).contains("narrowed by tags project=apollo,env=prod"), "{}", text(&out.stderr));

    // --read-only, then without: two calls, two sets of keys — never one for the other.
    let key = |out: &std::process::Output| {
        text(&out.stdout).lines().find_map(|l| l.strip_prefix("export AWS_ACCESS_KEY_ID=")).unwrap().to_owned()
    };
    let before = assume_roles(&proxy).len();
    let read_only = home.stsenv(&["assume", "readonly", "--read-only", "--shell", "bash"]);
    let full = home.stsenv(&["assume", "readonly", "--shell", "bash"]);
    assert!(read_only.status.success() && full.status.success(), "{}", text(&full.stderr));
    let calls = assume_roles(&proxy);
    assert_eq!(calls.len(), before + 2);
    assert_eq!(
        calls[before].param("PolicyArns.member.1.arn").as_deref(),
        Some("arn:aws:iam::aws:policy/ReadOnlyAccess")
    );
    assert_eq!(calls[before + 1].param("PolicyArns.member.1.arn"), None);
    assert_ne!(key(&read_only), key(&full));
    // And each is a cache hit for its own request.
    let again = home.stsenv(&["assume", "readonly", "--read-only", "--shell", "bash"]);
    assert_eq!(key(&again), key(&read_only));
    assert_eq!(assume_roles(&proxy).len(), before + 2);

    // A 51st tag fails before any call; so do the other limits.
    let calls = proxy.all().len();
    let mut args: Vec<String> = ["assume", "readonly", "--shell", "bash"].map(String::from).to_vec();
    for i in 0..51 {
        args.extend(["--tag".to_owned(), format!("k{i}=v")]);
    }
    let out = home.stsenv(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("51 session tags; AWS takes at most 50"), "{}", text(&out.stderr));
    for bad in [
        vec!["--transitive-tag", "nope"],
        vec!["--source-identity", "a"],
        vec!["--policy-arn", "arn:aws:s3:::bucket"],
        vec!["--tag", "bad\u{7}key=v"],
        vec!["--policy", "{not json"],
    ] {
        let out = home.stsenv(&[&["assume", "readonly", "--shell", "bash"], bad.as_slice()].concat());
        assert_eq!(out.status.code(), Some(1), "{bad:?}");
        assert_eq!(text(&out.stderr).lines().count(), 1, "{bad:?}: {}", text(&out.stderr));
    }
    assert_eq!(proxy.all().len(), calls, "a call was made for a request that breaks AWS's limits");
}
