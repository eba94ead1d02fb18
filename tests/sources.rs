//! Every other source the AWS CLI accepts (issue 8): credential_process, web identity,
//! EC2 instance metadata (IMDSv2) and the container endpoint — each as a profile of its own
//! and under a role_arn chain at moto — and the SDKs' profile-chain rules.

mod common;

use common::http::{Reply, Request, Server};
use common::*;
use std::time::{Duration, Instant};

fn expiration(secs: i64) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{}", now() + secs), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    text(&out.stdout).trim().to_owned()
}

fn raw(status: u16, content_type: &str, body: &str) -> Reply {
    Reply::Raw(
        format!("HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n{body}", body.len())
            .into_bytes(),
    )
}

/// IMDSv2 as EC2 answers it: a session token first, then the role name and its credentials,
/// each only with the token header.
fn imds() -> Server {
    let exp = expiration(6 * 3600);
    Server::start(move |req: &Request| {
        let target = req.target();
        let token_ok = req.header("x-aws-ec2-metadata-token").as_deref() == Some("imds-token");
        if req.head.starts_with("PUT ") && target == "/latest/api/token" {
            if req.header("x-aws-ec2-metadata-token-ttl-seconds").is_none() {
                return raw(400, "text/plain", "");
            }
            let body = "imds-token";
            return Reply::Raw(
                format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nx-aws-ec2-metadata-token-ttl-seconds: 21600\r\ncontent-length: {}\r\n\r\n{body}", body.len())
                    .into_bytes(),
            );
        }
        if !token_ok {
            return raw(401, "text/plain", "");
        }
        match target.as_str() {
            "/latest/meta-data/iam/security-credentials/" => raw(200, "text/plain", "bastion-role"),
            "/latest/meta-data/iam/security-credentials/bastion-role" => raw(
                200,
                "text/plain",
                &format!(
                    "{{\"Code\":\"Success\",\"LastUpdated\":\"2026-11-22T00:00:00Z\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS00000001\",\"SecretAccessKey\":\"imds-secret\",\"Token\":\"imds-session\",\"Expiration\":\"{exp}\"}}"
                ),
            ),
            _ => raw(404, "text/plain", ""),
        }
    })
}

/// The container credentials endpoint, checking the Authorization header.
fn container() -> Server {
    let exp = expiration(6 * 3600);
    Server::start(move |req: &Request| {
        if req.header("authorization").as_deref() != Some("container-secret") {
            return raw(403, "application/json", "{\"message\":\"bad token\"}");
        }
        raw(
            200,
            "application/json",
            &format!(
                "{{\"AccessKeyId\":\"ASIACONTAINER0001\",\"SecretAccessKey\":\"c-secret\",\"Token\":\"c-token\",\"Expiration\":\"{exp}\"}}"
            ),
        )
    })
}

fn config(extra: &str) -> String {
    format!("{CONFIG}\n{extra}")
}

/// Assumes `target` through bash eval and returns (stdout, stderr, exit status).
fn assume(home: &Home, target: &str, env: &[(&str, &str)]) -> (String, String, Option<i32>) {
    let mut cmd = home.command(require("bash"));
    cmd.arg("-c").arg(format!("out=$(stsenv assume {target} --shell bash --no-prompt) || {{ echo \"$out\"; exit 1; }}; eval \"$out\"; echo KEY=$AWS_ACCESS_KEY_ID; {}", check_line("")));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (text(&out.stdout), text(&out.stderr), out.status.code())
}

#[test]
fn credential_process_as_a_source_and_under_a_role() {
    let proxy = Server::counting(&moto().url);
    let script =
        |name: &str, body: &str| format!("[profile {name}]\ncredential_process = sh {{dir}}/{name}.sh\n{body}");
    let extra = [
        script("proc", ""),
        script("longterm", ""),
        script("badjson", ""),
        script("fails", ""),
        script("nofields", ""),
        "[profile onproc]\nrole_arn = arn:aws:iam::123456789012:role/s3FullforAssumeRole\nsource_profile = proc\nrole_session_name = alice\n".to_owned(),
    ]
    .join("\n");
    let home = Home::with(&proxy.url, &config(&extra), CREDENTIALS);
    let dir = home.path().display().to_string();
    std::fs::write(home.aws_file("config"), config(&extra.replace("{dir}", &dir))).unwrap();
    let exp = expiration(3600);
    let scripts = [
        (
            "proc",
            format!(
                "echo 'stderr of the process' >&2; printf '{{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC0001\", \"SecretAccessKey\": \"p-secret\", \"SessionToken\": \"p-token\", \"Expiration\": \"{exp}\"}}'"
            ),
        ),
        (
            "longterm",
            "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIALONGTERM0001\", \"SecretAccessKey\": \"lt-secret\"}'"
                .to_owned(),
        ),
        ("badjson", "echo 'not json'".to_owned()),
        ("fails", "exit 3".to_owned()),
        ("nofields", "printf '{\"Version\": 1}'".to_owned()),
    ];
    for (name, body) in &scripts {
        std::fs::write(home.path().join(format!("{name}.sh")), body).unwrap();
    }
    let (stdout, stderr, _) = assume(&home, "proc", &[]);
    assert!(stdout.contains("KEY=ASIAPROC0001"), "{stdout}{stderr}");
    assert!(stderr.contains("stderr of the process"), "the process's stderr is not on the terminal: {stderr}");

    let (stdout, stderr, _) = assume(&home, "onproc", &[]);
    assert!(stdout.contains("assumed-role/s3FullforAssumeRole/alice"), "{stdout}{stderr}");
    let signed = proxy.all().into_iter().find(|r| r.action() == "AssumeRole").unwrap();
    assert_eq!(signed.signer(), "ASIAPROC0001");

    // Long-term keys from a process are never exported: a session instead (moto's
    // GetSessionToken answers with its fixed sample key).
    let (stdout, stderr, _) = assume(&home, "longterm", &[]);
    assert!(stdout.contains("KEY=") && !stdout.contains("AKIALONGTERM"), "{stdout}{stderr}");
    assert_eq!(proxy.all().iter().rfind(|r| r.action() == "GetSessionToken").unwrap().signer(), "AKIALONGTERM0001");

    for (name, cause) in [
        ("badjson", "did not print JSON"),
        ("fails", "failed (exit status: 3)"),
        ("nofields", "printed JSON without AccessKeyId"),
    ] {
        let (stdout, stderr, code) = assume(&home, name, &[]);
        assert_eq!(code, Some(1), "{name}: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("profile '{name}': credential_process 'sh {dir}/{name}.sh' {cause}")),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn web_identity_from_a_profile_and_from_the_environment() {
    let home = Home::with(
        &moto().url,
        &config(
            "[profile web]\nrole_arn = arn:aws:iam::123456789012:role/WebRole\nweb_identity_token_file = {dir}/token\nrole_session_name = ci\n\
             [profile envweb]\nrole_arn = arn:aws:iam::123456789012:role/ReadOnly\ncredential_source = Environment\nrole_session_name = ci\n",
        ),
        CREDENTIALS,
    );
    let dir = home.path().display().to_string();
    let text_config = std::fs::read_to_string(home.aws_file("config")).unwrap().replace("{dir}", &dir);
    std::fs::write(home.aws_file("config"), text_config).unwrap();
    std::fs::write(home.path().join("token"), "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2ln\n").unwrap();
    let (stdout, stderr, _) = assume(&home, "web", &[]);
    assert!(stdout.contains("assumed-role/WebRole/ci"), "{stdout}{stderr}");

    let token = home.path().join("token").display().to_string();
    let env =
        [("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/WebRole"), ("AWS_WEB_IDENTITY_TOKEN_FILE", token.as_str())];
    // With no profile to start from (EKS, CI), the environment's web identity assumes a role ARN.
    let no_profile = [env.as_slice(), &[("AWS_PROFILE", "none-here")]].concat();
    let (stdout, stderr, _) = assume(&home, "arn:aws:iam::123456789012:role/ReadOnly", &no_profile);
    assert!(stdout.contains("assumed-role/ReadOnly/"), "{stdout}{stderr}");
    // credential_source = Environment means exported keys only, as in botocore and the Rust SDK.
    let (stdout, stderr, code) = assume(&home, "envweb", &env);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("not AWS_WEB_IDENTITY_TOKEN_FILE"), "{stderr}");
    let keys =
        [env.as_slice(), &[("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENTKEY"), ("AWS_SECRET_ACCESS_KEY", "s")]].concat();
    let (stdout, stderr, _) = assume(&home, "envweb", &keys);
    assert!(stdout.contains("assumed-role/ReadOnly/ci"), "{stdout}{stderr}");
}

#[test]
fn instance_metadata_and_container_credentials_as_sources() {
    let proxy = Server::counting(&moto().url);
    let imds = imds();
    let container = container();
    let home = Home::with(
        &proxy.url,
        &config(
            "[profile bastion]\nrole_arn = arn:aws:iam::123456789012:role/s3FullforAssumeRole\ncredential_source = Ec2InstanceMetadata\nrole_session_name = alice\n\
             [profile devbox]\nrole_arn = arn:aws:iam::123456789012:role/ReadOnly\ncredential_source = EcsContainer\nrole_session_name = alice\n",
        ),
        CREDENTIALS,
    );
    let (stdout, stderr, _) = assume(&home, "bastion", &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url)]);
    assert!(stdout.contains("assumed-role/s3FullforAssumeRole/alice"), "{stdout}{stderr}");
    assert_eq!(proxy.all().iter().find(|r| r.action() == "AssumeRole").unwrap().signer(), "ASIAIMDS00000001");

    let token_file = home.path().join("ctoken");
    std::fs::write(&token_file, "container-secret").unwrap();
    let full_uri = format!("{}/v2/credentials", container.url);
    for auth in [
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-secret".to_owned()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file.display().to_string()),
    ] {
        home.stsenv(&["cache", "clear"]);
        let (stdout, stderr, _) =
            assume(&home, "devbox", &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &full_uri), (auth.0, &auth.1)]);
        assert!(stdout.contains("assumed-role/ReadOnly/alice"), "{}: {stdout}{stderr}", auth.0);
    }
    assert!(proxy.all().iter().any(|r| r.action() == "AssumeRole" && r.signer() == "ASIACONTAINER0001"));

    // A laptop: metadata disabled, refused, or never answering — a clear line within 2 s.
    let silent = Server::start(|_| Reply::Slow { delay: Duration::from_secs(30) });
    home.stsenv(&["cache", "clear"]);
    for env in [
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9".to_owned()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", silent.url.clone()),
    ] {
        let started = Instant::now();
        let (stdout, stderr, code) = assume(&home, "bastion", &[(env.0, &env.1)]);
        assert!(started.elapsed() < Duration::from_millis(2500), "{env:?}: took {:?}", started.elapsed());
        assert_eq!(code, Some(1), "{env:?}: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{env:?}: {stderr}");
        assert!(stderr.contains("credential_source = Ec2InstanceMetadata"), "{env:?}: {stderr}");
    }
}

#[test]
fn the_sdks_profile_chain_rules() {
    let proxy = Server::counting(&moto().url);
    let home = Home::with(
        &proxy.url,
        &config(
            "[profile hop]\nrole_arn = arn:aws:iam::123456789012:role/ReadOnly\nsource_profile = keyed\nrole_session_name = alice\n\
             [profile keyed]\nrole_arn = arn:aws:iam::123456789012:role/NeverAssumed\nsource_profile = default\n\
             [profile both]\nrole_arn = arn:aws:iam::123456789012:role/X\nsource_profile = default\ncredential_source = Environment\n",
        ),
        &format!("{CREDENTIALS}\n[keyed]\naws_access_key_id = AKIAKEYED0000001\naws_secret_access_key = k\n"),
    );
    // Static keys of a source profile win over its own role_arn: one AssumeRole, signed by them.
    let (stdout, stderr, _) = assume(&home, "hop", &[]);
    assert!(stdout.contains("assumed-role/ReadOnly/alice"), "{stdout}{stderr}");
    let roles: Vec<String> = proxy.all().iter().filter(|r| r.action() == "AssumeRole").map(|r| r.signer()).collect();
    assert_eq!(roles, ["AKIAKEYED0000001"]);

    let (_, stderr, code) = assume(&home, "both", &[]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("both source_profile and credential_source"), "{stderr}");
}
