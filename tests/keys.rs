//! Long-term keys in the OS keyring (issue 17): a real Secret Service — gnome-keyring-daemon
//! in its own `dbus-run-session`, unlocked as a desktop login would — with stsenv, the AWS
//! CLI v2 and moto on the other side; and the same commands with no keyring reachable.

mod common;

use common::*;
use std::time::{Duration, Instant};

/// The README's quick-start files: one IAM user's keys, a role with MFA.
const CREDENTIALS: &str = "\
# my keys
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
region = ap-northeast-1
";

/// Runs `script` in bash inside a D-Bus session whose Secret Service is an unlocked
/// gnome-keyring; stdout, stderr, status.
fn with_keyring(home: &Home, script: &str) -> (String, String, Option<i32>) {
    let unlock = "echo -n login-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null";
    let mut cmd = home.command(require("dbus-run-session"));
    cmd.args(["--", "bash", "-c", &format!("{unlock}\n{script}")]);
    let out = output_within(&mut cmd, Duration::from_secs(60));
    (text(&out.stdout), text(&out.stderr), out.status.code())
}

#[test]
fn keys_move_into_the_keyring_and_every_tool_still_works() {
    require("gnome-keyring-daemon");
    let home = Home::with(&moto().url, CONFIG, CREDENTIALS);
    let aws = "/usr/bin/aws";
    let script = format!(
        "stsenv keys add default || exit 1\n\
         echo SECRETS=$(grep -c aws_secret_access_key ~/.aws/credentials)\n\
         eval \"$(stsenv assume s3FullforAssumeRole --token-code 123456)\" || exit 1\n\
         {}\n\
         env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN {aws} --endpoint-url \"$AWS_ENDPOINT_URL\" \\\n\
           sts get-caller-identity --profile default --query Account --output text | sed 's/^/CLI=/'\n\
         stsenv keys list",
        check_line("keyring-bucket")
    );
    let (stdout, stderr, code) = with_keyring(&home, &script);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("SECRETS=0"), "{stdout}");
    assert!(stdout.contains("assumed-role/s3FullforAssumeRole/alice"), "{stdout}{stderr}");
    assert!(stdout.contains("CLI=123456789012"), "the AWS CLI through credential_process: {stdout}{stderr}");
    assert!(stdout.contains("default  AKIAIOSFODNN7EXAMPLE  the Secret Service keyring"), "{stdout}");
    assert!(!stdout.contains("wJalrXUtnFEMI") && !stderr.contains("wJalrXUtnFEMI"), "the secret was shown");

    // Every other byte of the credentials file is kept; the config says where the keys are.
    let credentials = std::fs::read_to_string(home.aws_file("credentials")).unwrap();
    assert_eq!(credentials, "# my keys\n[default]\nregion = ap-northeast-1\n");
    let config = std::fs::read_to_string(home.aws_file("config")).unwrap();
    let line = format!("credential_process = {} credential-process -- default\n", bin().display());
    assert!(
        config.starts_with(&format!("[default]\n{line}stsenv_keys = keyring AKIAIOSFODNN7EXAMPLE\nregion")),
        "{config}"
    );
    assert_eq!(config.replace(&line, "").replace("stsenv_keys = keyring AKIAIOSFODNN7EXAMPLE\n", ""), CONFIG);

    // Export puts them back, byte for byte where they were, and takes them out of the keyring.
    let (stdout, stderr, code) = with_keyring(&home, "stsenv keys export default && stsenv keys list; echo LISTED=$?");
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stderr.contains("no profile keeps its keys in"), "{stderr}");
    assert_eq!(std::fs::read_to_string(home.aws_file("config")).unwrap(), CONFIG);
    let back = std::fs::read_to_string(home.aws_file("credentials")).unwrap();
    assert!(back.contains("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"), "{back}");
}

#[test]
fn keys_from_stdin_and_remove() {
    require("gnome-keyring-daemon");
    let home = Home::with(&moto().url, CONFIG, "");
    let (stdout, stderr, code) = with_keyring(
        &home,
        "printf 'AKIAI44QH8DHBEXAMPLE\\nje7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\\n' | stsenv keys add default --from-stdin || exit 1\n\
         stsenv assume default --token-code 123456 --shell bash | grep -c \"^export AWS_SESSION_TOKEN=\"\n\
         stsenv keys remove default && stsenv assume default --token-code 123456 --shell bash --no-cache; echo RC=$?",
    );
    assert!(stdout.starts_with("1\n"), "a session from the stored keys: {stdout}{stderr}");
    assert!(stdout.contains("RC=1") && stderr.contains("it has no aws_access_key_id"), "{stdout}{stderr}");
    assert_eq!(code, Some(0));
    assert_eq!(std::fs::read_to_string(home.aws_file("config")).unwrap(), CONFIG, "remove left the config as it was");
}

#[test]
fn with_no_keyring_reachable_stsenv_says_so_fast_and_never_falls_back_to_plaintext() {
    require("gnome-keyring-daemon");
    let other = "\n[other]\naws_access_key_id = AKIAOTHER0000000000X\naws_secret_access_key = other-secret\n";
    let home = Home::with(&moto().url, CONFIG, &format!("{CREDENTIALS}{other}"));
    let (_, stderr, code) = with_keyring(&home, "stsenv keys add default");
    assert_eq!(code, Some(0), "{stderr}");
    let before = std::fs::read_to_string(home.aws_file("credentials")).unwrap();
    // No D-Bus session at all (a server, SSH without a desktop).
    for args in
        [&["assume", "s3FullforAssumeRole", "--token-code", "123456", "--shell", "bash"][..], &["keys", "add", "other"]]
    {
        let started = Instant::now();
        let out = home.command(bin()).args(args).env_remove("DBUS_SESSION_BUS_ADDRESS").output().unwrap();
        let stderr = text(&out.stderr);
        assert!(started.elapsed() < Duration::from_secs(3), "{args:?} took {:?}", started.elapsed());
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("no OS keyring is reachable") && stderr.contains("unlock the keyring"), "{stderr}");
        if args[0] == "assume" {
            assert_eq!(text(&out.stdout), "false\n");
        }
    }
    // Nothing moved: the keys that could not be stored stay where they were, and none came back.
    assert_eq!(std::fs::read_to_string(home.aws_file("credentials")).unwrap(), before);
    assert!(!before.contains("wJalrXUtnFEMI"), "{before}");
}
