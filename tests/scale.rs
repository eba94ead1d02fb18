//! Scale (issue 12): with 5,000 profiles a cache hit does not read the config, and every kind
//! of change — config or credentials edited, a file replaced by rename, an edit of the same
//! size in the same second, an environment variable — is seen by the next call.

mod common;

use common::http::Server;
use common::*;
use std::time::Duration;

/// The seeds' config with 5,000 SSO-style profiles after it; `region` is s3FullforAssumeRole's
/// (always 14 characters, so an edit keeps the file's size).
fn big_config(region: &str) -> String {
    let mut text = CONFIG
        .replace("[profile s3FullforAssumeRole]\n", &format!("[profile s3FullforAssumeRole]\nregion = {region}\n"));
    text += "\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n";
    for i in 0..5_000 {
        text += &format!(
            "\n[profile acct{i:04}-AdministratorAccess]\nsso_session = corp\nsso_account_id = {}\nsso_role_name = AdministratorAccess\nregion = us-east-1\n",
            100_000_000_000u64 + i
        );
    }
    text
}

/// The region `assume` exports, and whether the config's text was read for it.
fn assume(home: &Home, env: &[(&str, &str)]) -> (String, bool) {
    let mut cmd = home.command(require("strace"));
    cmd.args(["-f", "-e", "trace=openat", "-o"]).arg(home.path().join("trace")).arg(bin());
    cmd.args(["assume", "s3FullforAssumeRole", "--token-code", "123456", "--shell", "bash"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let region = stdout
        .lines()
        .find_map(|l| l.strip_prefix("export AWS_REGION='"))
        .unwrap_or("")
        .trim_end_matches('\'')
        .to_owned();
    let trace = std::fs::read_to_string(home.path().join("trace")).unwrap();
    let read = trace.lines().any(|l| l.contains(".aws/config\"") || l.contains("other-config\""));
    (region, read)
}

fn settle() {
    std::thread::sleep(Duration::from_millis(2_100));
}

#[test]
fn every_change_is_seen_and_a_hit_reads_no_profile_file() {
    let proxy = Server::counting(&moto().url);
    let home = Home::with(&proxy.url, &big_config("ap-northeast-1"), CREDENTIALS);
    let config = home.aws_file("config");
    settle();
    assert_eq!(assume(&home, &[]), ("ap-northeast-1".to_owned(), true), "first: resolved");
    let calls = proxy.all().len();
    assert_eq!(assume(&home, &[]), ("ap-northeast-1".to_owned(), false), "a hit reads no profile file");
    assert_eq!(proxy.all().len(), calls, "a hit makes no STS call");

    // The same size, the old mtime put back: the inode's ctime still moved.
    let mtime = std::fs::metadata(&config).unwrap().modified().unwrap();
    std::fs::write(&config, big_config("ap-southeast-1")).unwrap();
    std::fs::File::options().write(true).open(&config).unwrap().set_modified(mtime).unwrap();
    assert_eq!(assume(&home, &[]).0, "ap-southeast-1", "same size, same mtime");

    // Two edits in the same second: the second is seen.
    std::fs::write(&config, big_config("ap-northeast-2")).unwrap();
    assert_eq!(assume(&home, &[]).0, "ap-northeast-2");
    std::fs::write(&config, big_config("ap-northeast-3")).unwrap();
    assert_eq!(assume(&home, &[]).0, "ap-northeast-3", "the second edit of the same second");

    // Replaced by rename (as editors and dotfile managers do).
    settle();
    assert_eq!(assume(&home, &[]), ("ap-northeast-3".to_owned(), true));
    assert!(!assume(&home, &[]).1, "remembered again");
    let new = home.path().join("config.new");
    std::fs::write(&new, big_config("ap-southeast-2")).unwrap();
    std::fs::rename(&new, &config).unwrap();
    assert_eq!(assume(&home, &[]).0, "ap-southeast-2", "renamed over");

    // The credentials file: other keys are another source.
    settle();
    assume(&home, &[]);
    let calls = proxy.count("AssumeRole");
    std::fs::write(home.aws_file("credentials"), CREDENTIALS.replace("AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7OTHERS"))
        .unwrap();
    assume(&home, &[]);
    assert_eq!(proxy.count("AssumeRole"), calls + 1, "the edited credentials file was not seen");

    // Environment variables: another config file, another endpoint.
    let other = home.path().join("other-config");
    std::fs::write(&other, big_config("eu-central-99")).unwrap();
    settle();
    let other = other.display().to_string();
    assert_eq!(assume(&home, &[("AWS_CONFIG_FILE", &other)]).0, "eu-central-99");
    assert_eq!(assume(&home, &[("AWS_CONFIG_FILE", &other)]), ("eu-central-99".to_owned(), false));
    assert_eq!(assume(&home, &[]).0, "ap-southeast-2", "back to the default file");
    assert!(assume(&home, &[("AWS_ENDPOINT_URL", &moto().url)]).1, "another endpoint is resolved afresh");
}
