//! Where STS is called, by the AWS SDKs' rules: the FIPS and dual-stack endpoint variants
//! (profile keys and environment), and a region the user exported.

mod common;

use common::http::Server;
use common::*;

const CONFIG: &str = "\
[default]
region = ap-northeast-1

[profile fips]
role_arn = arn:aws:iam::123456789012:role/ReadOnly
source_profile = default
region = us-east-1
use_fips_endpoint = true
use_dualstack_endpoint = true

[profile plain]
role_arn = arn:aws:iam::123456789012:role/ReadOnly
source_profile = default
region = us-east-1

[profile typo]
role_arn = arn:aws:iam::123456789012:role/ReadOnly
source_profile = default
use_fips_endpoint = yes
";

/// `stsenv assume TARGET` with no endpoint override, through a proxy that refuses every
/// CONNECT: the hosts asked for, stdout, stderr.
fn hosts_for(target: &str, env: &[(&str, &str)]) -> (Vec<String>, String, String) {
    let home = Home::with("unused", CONFIG, CREDENTIALS);
    let proxy = Server::refusing_proxy();
    let mut cmd = home.command(bin());
    cmd.env_remove("AWS_ENDPOINT_URL").env("HTTPS_PROXY", &proxy.url).env("STSENV_TIMEOUT", "2");
    cmd.args(["assume", target, "--shell", "bash", "--no-prompt"]).envs(env.iter().copied());
    let out = cmd.output().unwrap();
    assert_eq!(text(&out.stdout), "false\n", "{target}: {}", text(&out.stderr));
    let mut hosts = proxy.connect_hosts();
    hosts.dedup();
    (hosts, text(&out.stdout), text(&out.stderr))
}

#[test]
fn fips_and_dual_stack_pick_the_hosts_the_sdk_rules_name() {
    // Both keys in the profile: FIPS over dual-stack, the SDKs' `api.aws` name.
    let (hosts, _, stderr) = hosts_for("fips", &[]);
    assert_eq!(hosts, ["sts-fips.us-east-1.api.aws:443"], "{stderr}");
    assert!(stderr.contains("sts-fips.us-east-1.api.aws"), "the message names the host: {stderr}");
    // The environment variables, one at a time, for a profile that says nothing.
    let (hosts, _, _) = hosts_for("plain", &[("AWS_USE_FIPS_ENDPOINT", "true")]);
    assert_eq!(hosts, ["sts-fips.us-east-1.amazonaws.com:443"]);
    let (hosts, _, _) = hosts_for("plain", &[("AWS_USE_DUALSTACK_ENDPOINT", "true")]);
    assert_eq!(hosts, ["sts.us-east-1.api.aws:443"]);
    // The environment beats the profile, as in the SDKs.
    let (hosts, _, _) =
        hosts_for("fips", &[("AWS_USE_FIPS_ENDPOINT", "false"), ("AWS_USE_DUALSTACK_ENDPOINT", "false")]);
    assert_eq!(hosts, ["sts.us-east-1.amazonaws.com:443"]);
    // Neither: the regional endpoint.
    let (hosts, _, _) = hosts_for("plain", &[]);
    assert_eq!(hosts, ["sts.us-east-1.amazonaws.com:443"]);
}

#[test]
fn a_setting_that_is_not_true_or_false_is_named_with_its_line() {
    let home = Home::with("unused", CONFIG, CREDENTIALS);
    let out = home.stsenv(&["assume", "typo", "--shell", "bash"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("use_fips_endpoint = 'yes' is not true or false"), "{stderr}");
    assert!(stderr.contains("profile 'typo'") && stderr.contains("config:19"), "{stderr}");
    let out = home.command(bin()).args(["assume", "plain"]).env("AWS_USE_DUALSTACK_ENDPOINT", "1").output().unwrap();
    assert!(text(&out.stderr).contains("set AWS_USE_DUALSTACK_ENDPOINT to true or false"), "{}", text(&out.stderr));
}

#[test]
fn the_users_aws_region_beats_the_profiles_but_a_region_stsenv_exported_does_not() {
    let proxy = Server::counting(&moto().url);
    let config = format!(
        "{CONFIG}\n[profile other]\nrole_arn = arn:aws:iam::123456789012:role/ReadOnly\nsource_profile = default\nregion = sa-east-1\n"
    );
    let home = Home::with(&proxy.url, &config, CREDENTIALS);
    let run = |script: &str| {
        let out = home.shell("bash", script);
        let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
        let calls = proxy.all();
        let regions: Vec<String> =
            calls.iter().filter(|r| r.action() == "AssumeRole").map(|r| r.signing_region()).collect();
        proxy.requests.lock().unwrap().clear();
        (lines, regions, text(&out.stderr))
    };
    let assume =
        |profile: &str| format!("eval \"$(stsenv assume {profile} --no-cache)\" && echo \"REGION=$AWS_REGION\"\n");

    // The user's AWS_REGION: the STS call and the output use it, and unset leaves it as it was.
    let (lines, regions, stderr) = run(&format!(
        "export AWS_REGION=eu-west-1\n{}{}eval \"$(stsenv unset)\"; echo \"BACK=$AWS_REGION\"\n",
        assume("plain"),
        assume("other")
    ));
    assert_eq!(lines, ["REGION=eu-west-1", "REGION=eu-west-1", "BACK=eu-west-1"], "{stderr}");
    assert_eq!(regions, ["eu-west-1", "eu-west-1"]);

    // A region stsenv exported for one profile is not the user's: the next profile gets its own.
    let (lines, regions, stderr) = run(&format!("{}{}", assume("plain"), assume("other")));
    assert_eq!(lines, ["REGION=us-east-1", "REGION=sa-east-1"], "{stderr}");
    assert_eq!(regions, ["us-east-1", "sa-east-1"]);

    // AWS_DEFAULT_REGION counts too, after AWS_REGION, as in the Rust SDK; --region beats both.
    let (lines, regions, stderr) = run(&format!(
        "export AWS_DEFAULT_REGION=ca-central-1\n{}{}",
        assume("other"),
        assume("other --region eu-north-1")
    ));
    assert_eq!(lines, ["REGION=ca-central-1", "REGION=eu-north-1"], "{stderr}");
    assert_eq!(regions, ["ca-central-1", "eu-north-1"]);
}

#[test]
fn the_users_region_is_honoured_on_cache_hits_too() {
    let home = Home::with(&moto().url, CONFIG, CREDENTIALS);
    // Files older than the memo's 2 s (ctime too), so a hit skips resolution (src/memo.rs).
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    // The same command line, the region changed between runs: each run exports its own.
    for (region, expected) in [(Some("eu-west-1"), "eu-west-1"), (None, "us-east-1"), (Some("us-east-2"), "us-east-2")]
    {
        let mut cmd = home.command(bin());
        cmd.args(["assume", "plain", "--shell", "bash"]);
        if let Some(r) = region {
            cmd.env("AWS_REGION", r);
        }
        let out = cmd.output().unwrap();
        assert!(
            text(&out.stdout).contains(&format!("export AWS_REGION='{expected}'")),
            "{region:?}: {}",
            text(&out.stdout)
        );
    }
}
