//! Beyond the shell (issue 9): `stsenv exec`, the self-renewing credential server under boto3
//! and the AWS CLI v2, and `stsenv credential-process` used by the CLI and boto3.

mod common;

use common::http::Server;
use common::*;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::time::Duration;

/// The AWS CLI v2 (Debian's awscli); the venv's pip `aws` is v1. Version 2.9 ignores
/// AWS_ENDPOINT_URL, so every call names `--endpoint-url`.
fn aws_v2() -> PathBuf {
    let path = PathBuf::from("/usr/bin/aws");
    let out = std::process::Command::new(&path).arg("--version").output();
    assert!(
        out.is_ok_and(|o| text(&o.stdout).starts_with("aws-cli/2")),
        "the AWS CLI v2 is not installed at /usr/bin/aws: run `scripts/test.sh`, which installs it (apt-get install awscli)"
    );
    path
}

#[test]
fn exec_runs_the_command_with_the_role_and_keeps_its_status() {
    let home = Home::seeds(&moto().url);
    let stsenv = bin().display().to_string();
    let out = home
        .command(bin())
        .args(["exec", "s3FullforAssumeRole", "--token-code", "123456", "--"])
        .args(["sh", "-c", &format!("{} exec-bucket; env | grep -c '^AWS_PROFILE=' ; exit 7", check_line(""))])
        .env("AWS_PROFILE", "work")
        .env("AWS_ACCESS_KEY_ID", "AKIAOLD")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(7), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("assumed-role/s3FullforAssumeRole/alice") && stdout.contains("BUCKET exec-bucket"),
        "{stdout}"
    );
    assert!(stdout.lines().any(|l| l == "0"), "AWS_PROFILE reached the child: {stdout}");

    // Signals are the command's own (execve: no stsenv in between).
    let out =
        home.command(bin()).args(["exec", "s3FullforAssumeRole", "--", "sh", "-c", "kill -TERM $$"]).output().unwrap();
    assert_eq!(out.status.signal(), Some(15), "{}", text(&out.stderr));

    // Nesting: the inner exec takes its source from the files, not from the outer keys.
    let inner = format!("{stsenv} exec readonly -- {}", check_line(""));
    let out = home.command(bin()).args(["exec", "s3FullforAssumeRole", "--", "sh", "-c", &inner]).output().unwrap();
    assert!(text(&out.stdout).contains("assumed-role/ReadOnly/alice"), "{}{}", text(&out.stdout), text(&out.stderr));

    // A missing command: 127 and a message, like a shell. Errors before the exec: the
    // command never runs.
    let out = home.command(bin()).args(["exec", "s3FullforAssumeRole", "--", "no-such-command"]).output().unwrap();
    assert_eq!(out.status.code(), Some(127));
    assert!(text(&out.stderr).contains("cannot run 'no-such-command': command not found"), "{}", text(&out.stderr));
    let marker = home.path().join("ran");
    let out = home.command(bin()).args(["exec", "s3FullforAsumeRole", "--", "touch"]).arg(&marker).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr).lines().count(), 1, "{}", text(&out.stderr));
    assert!(!marker.exists(), "the command ran after a failed assume");
    assert!(out.stdout.is_empty(), "exec printed on stdout");
}

#[test]
fn the_server_renews_under_a_long_job_for_boto3_and_the_cli_without_prompting() {
    let aws = aws_v2();
    let proxy = Server::counting(&moto().url);
    let home = Home::seeds(&proxy.url);
    // CLI 2.9 predates AWS_ENDPOINT_URL: it is given the endpoint on its command line.
    let script = format!(
        "{} {} 3 1.2 && {} --endpoint-url {} sts get-caller-identity --query Arn --output text",
        venv("python").display(),
        repo().join("tests/support/server_client.py").display(),
        aws.display(),
        proxy.url
    );
    let out = home
        .command(bin())
        .args(["exec", "--server", "s3FullforAssumeRole", "--token-code", "123456", "--duration", "15m"])
        .args(["--", "sh", "-c", &script])
        // Anything with less than 14m59s left is renewed: every request after a second.
        .env("STSENV_CACHE_MARGIN", "899")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let arns = stdout.lines().filter(|l| l.contains("assumed-role/s3FullforAssumeRole/alice")).count();
    assert_eq!(arns, 4, "boto3 three times, then the CLI, all as the role (never [default]'s keys): {stdout}");
    assert!(stdout.contains("WRONG-TOKEN 403"), "{stdout}");
    assert_eq!(proxy.count("GetSessionToken"), 1, "the MFA session is reused, no prompt");
    assert!(proxy.count("AssumeRole") >= 3, "renewals under the job: {}", proxy.count("AssumeRole"));
    assert!(!text(&out.stderr).contains("Enter MFA code"));

    // No listener is left behind.
    let url = stdout.lines().find_map(|l| l.strip_prefix("ENDPOINT http://")).unwrap().trim_end_matches('/');
    assert!(std::net::TcpStream::connect(url).is_err(), "{url} still listens");
}

#[test]
fn the_server_child_gets_its_exit_status_and_sigterm_reaches_it() {
    let home = Home::seeds(&moto().url);
    assert!(
        home.stsenv(&["assume", "s3FullforAssumeRole", "--token-code", "123456", "--shell", "bash"]).status.success()
    );
    let script = "stat -c %a \"$(dirname \"$AWS_CONFIG_FILE\")\"; echo \"$AWS_CONFIG_FILE\"; exit 9";
    let out = home
        .command(bin())
        .args(["exec", "--server", "s3FullforAssumeRole", "--", "sh", "-c", script])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(9), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("700"), "the child's files are private");
    let config = std::path::PathBuf::from(lines.next().unwrap());
    assert!(!config.parent().unwrap().exists(), "the child's files were left behind");
    let child = home
        .command(bin())
        .args([
            "exec",
            "--server",
            "s3FullforAssumeRole",
            "--",
            "sh",
            "-c",
            "echo \"$AWS_CONFIG_FILE\"; echo \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\"; trap 'echo GOT-TERM; exit 3' TERM; sleep 30 >/dev/null & wait",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    unsafe_kill(child.id(), "TERM");
    let out = wait_output(child, Duration::from_secs(10));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("GOT-TERM"), "SIGTERM was not forwarded");
    assert_eq!(out.status.code(), Some(3));
    // Nothing is left behind: the child's files, the listener.
    let mut lines = stdout.lines();
    let config = std::path::PathBuf::from(lines.next().unwrap());
    assert!(!config.parent().unwrap().exists(), "the child's files were left behind after SIGTERM");
    let url = lines.next().unwrap().trim_start_matches("http://").trim_end_matches('/').to_owned();
    assert!(std::net::TcpStream::connect(&url).is_err(), "{url} still listens after SIGTERM");
}

fn unsafe_kill(pid: u32, signal: &str) {
    std::process::Command::new("kill").args([&format!("-{signal}"), &pid.to_string()]).status().unwrap();
}

#[test]
fn credential_process_serves_the_cli_and_boto3_with_one_sts_call_for_many() {
    let aws = aws_v2();
    let proxy = Server::counting(&moto().url);
    let stsenv = bin().display().to_string();
    let config = format!(
        "{CONFIG}\n[profile viaproc]\nregion = us-east-1\ncredential_process = {stsenv} credential-process s3FullforAssumeRole --token-code 123456\n\
         [profile loop]\ncredential_process = {stsenv} credential-process loop\n\
         [profile loopa]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = loopb\n\
         [profile loopb]\ncredential_process = {stsenv} credential-process loopa\n"
    );
    let home = Home::with(&proxy.url, &config, CREDENTIALS);
    let out = home.stsenv(&["credential-process", "s3FullforAssumeRole", "--token-code", "123456"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["Version"], 1);
    assert!(
        json["AccessKeyId"].as_str().unwrap().starts_with("ASIA")
            && json["Expiration"].as_str().unwrap().ends_with('Z')
    );
    let calls = proxy.all().len();

    let out = home
        .command(&aws)
        .args(["--endpoint-url", &moto().url, "sts", "get-caller-identity", "--profile", "viaproc"])
        .args(["--query", "Arn", "--output", "text"])
        .output()
        .unwrap();
    assert!(text(&out.stdout).contains("assumed-role/s3FullforAssumeRole/alice"), "{}", text(&out.stderr));
    assert_eq!(proxy.all().len(), calls, "the second call made an STS request");

    // Ten SDK processes at once with nothing cached: one GetSessionToken, one AssumeRole.
    home.stsenv(&["cache", "clear"]);
    let script = format!(
        "import boto3; print('ARN', boto3.session.Session(profile_name='viaproc').client('sts', endpoint_url='{}').get_caller_identity()['Arn'])",
        moto().url
    );
    let children: Vec<_> = (0..10)
        .map(|_| {
            home.command(venv("python"))
                .args(["-c", &script])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = wait_output(child, Duration::from_secs(60));
        assert!(text(&out.stdout).contains("assumed-role/s3FullforAssumeRole"), "{}", text(&out.stderr));
    }
    assert_eq!(
        (proxy.count("GetSessionToken"), proxy.count("AssumeRole")),
        (2, 2),
        "one STS call per step for ten callers"
    );

    // A profile whose credential_process is stsenv for itself, directly or through a chain.
    for target in ["loop", "loopa"] {
        let started = std::time::Instant::now();
        let out = home.command(bin()).args(["credential-process", target]).output().unwrap();
        assert!(started.elapsed() < Duration::from_secs(10), "{target} looped");
        assert_eq!(out.status.code(), Some(1), "{target}");
        assert!(text(&out.stderr).contains("loop forever"), "{target}: {}", text(&out.stderr));
    }
}

#[test]
fn write_config_adds_one_profile_and_keeps_every_other_byte() {
    let aws = aws_v2();
    let home = Home::seeds(&moto().url);
    let config = home.aws_file("config");
    let before = format!("# my settings\r\n{}", CONFIG.replace('\n', "\r\n"));
    std::fs::write(&config, &before).unwrap();
    assert!(
        home.stsenv(&["assume", "s3FullforAssumeRole", "--token-code", "123456", "--shell", "bash"]).status.success()
    );
    let out = home.stsenv(&["credential-process", "s3FullforAssumeRole", "--write-config", "ide"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let after = std::fs::read_to_string(&config).unwrap();
    assert!(after.starts_with(&before), "bytes before the new section changed");
    let line = format!("credential_process = {} credential-process -- s3FullforAssumeRole", bin().display());
    // The target's region and output come along: the AWS CLI needs no --region.
    let section = format!("[profile ide]\r\n{line}\r\nregion = ap-northeast-1\r\noutput = json\r\n");
    assert!(after.ends_with(&section), "{after:?}");
    let out = home
        .command(&aws)
        .args(["--endpoint-url", &moto().url, "sts", "get-caller-identity", "--profile", "ide"])
        .args(["--query", "Arn", "--output", "text"])
        .output()
        .unwrap();
    assert!(text(&out.stdout).contains("assumed-role/s3FullforAssumeRole/alice"), "{}", text(&out.stderr));

    // A profile that already gets credentials another way is left alone.
    let out = home.stsenv(&["credential-process", "readonly", "--write-config", "s3FullforAssumeRole"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("already gets credentials from role_arn"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), after);
}
