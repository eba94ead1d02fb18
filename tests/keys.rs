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
        if args[0] == "assume" {
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(stderr.contains("no OS keyring is reachable") && stderr.contains("unlock the keyring"), "{stderr}");
            assert_eq!(text(&out.stdout), "false\n");
        } else {
            // keys add: the encrypted file instead (said), which needs a passphrase: no terminal here.
            assert!(stderr.contains("no OS keyring answers here") && stderr.contains("no terminal to ask"), "{stderr}");
        }
    }
    // Nothing moved: the keys that could not be stored stay where they were, and none came back.
    assert_eq!(std::fs::read_to_string(home.aws_file("credentials")).unwrap(), before);
    assert!(!before.contains("wJalrXUtnFEMI"), "{before}");
}

/// A user with `n` access keys in moto's IAM: (user, [(id, secret)]).
fn iam_user(home: &Home, user: &str, n: usize) -> Vec<(String, String)> {
    let script = format!(
        "import boto3\niam = boto3.client('iam')\niam.create_user(UserName='{user}')\n\
         for _ in range({n}):\n    k = iam.create_access_key(UserName='{user}')['AccessKey']\n    print(k['AccessKeyId'], k['SecretAccessKey'])"
    );
    let out = home.command(venv("python")).args(["-c", &script]).envs(DUMMY).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).lines().map(|l| l.split_once(' ').map(|(a, b)| (a.to_owned(), b.to_owned())).unwrap()).collect()
}

/// The user's access key ids in moto's IAM.
fn iam_keys(home: &Home, user: &str) -> Vec<String> {
    let script = format!(
        "import boto3\nfor k in boto3.client('iam').list_access_keys(UserName='{user}')['AccessKeyMetadata']: print(k['AccessKeyId'])"
    );
    let out = home.command(venv("python")).args(["-c", &script]).envs(DUMMY).output().unwrap();
    text(&out.stdout).lines().map(str::to_owned).collect()
}

const DUMMY: [(&str, &str); 3] =
    [("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"), ("AWS_DEFAULT_REGION", "us-east-1")];

#[test]
fn rotate_leaves_exactly_one_new_key_that_works_in_the_keyring_or_the_file() {
    require("gnome-keyring-daemon");
    let config = "[default]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/rotator\n\n[profile plain]\nregion = us-east-1\n";
    let home = Home::with(&moto().url, config, "");
    let (old, secret) = iam_user(&home, "rotator", 1).remove(0);
    let (file_old, file_secret) = iam_user(&home, "filerot", 1).remove(0);
    let credentials = format!(
        "[default]\naws_access_key_id = {old}\naws_secret_access_key = {secret}\n\n# kept\n[plain]\naws_access_key_id = {file_old}\naws_secret_access_key = {file_secret}\n"
    );
    std::fs::write(home.aws_file("credentials"), &credentials).unwrap();

    // In the keyring, with the MFA session: one key, a new one, that signs as the user (its
    // first MFA session asked for once, as for any new key).
    let script = "stsenv keys add default && stsenv keys rotate default --token-code 123456 || exit 1\n\
                  stsenv keys list\n\
                  stsenv session default --token-code 123456 --shell bash > /dev/null\n\
                  env -u AWS_ACCESS_KEY_ID /usr/bin/aws --endpoint-url \"$AWS_ENDPOINT_URL\" sts get-caller-identity --profile default --query Arn --output text\n\
                  stsenv keys export default";
    let (stdout, stderr, code) = with_keyring(&home, script);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let keys = iam_keys(&home, "rotator");
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_ne!(keys[0], old);
    assert!(stdout.contains(&format!("default  {}", keys[0])), "{stdout}");
    assert!(stdout.contains("arn:aws:sts::123456789012:"), "the CLI works through stsenv: {stdout}{stderr}");
    // The stored key (exported back to read it) signs as the user.
    let exported = std::fs::read_to_string(home.aws_file("credentials")).unwrap();
    assert!(exported.contains(&format!("aws_access_key_id = {}", keys[0])), "{exported}");
    let check =
        "import boto3\nprint(boto3.session.Session(profile_name='default').client('sts').get_caller_identity()['Arn'])";
    let out = home.command(venv("python")).args(["-c", check]).output().unwrap();
    assert_eq!(text(&out.stdout).trim(), "arn:aws:iam::123456789012:user/rotator", "{}", text(&out.stderr));
    assert!(stderr.contains(&format!("the old key {old} is deleted")), "{stderr}");

    // In the file: the new key in place of the old, every other byte kept.
    let out = home.stsenv(&["keys", "rotate", "plain"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let keys = iam_keys(&home, "filerot");
    assert_eq!(keys.len(), 1);
    let after = std::fs::read_to_string(home.aws_file("credentials")).unwrap();
    assert!(
        after.contains(&format!("# kept\n[plain]\naws_access_key_id = {}\naws_secret_access_key = ", keys[0])),
        "{after}"
    );
    assert!(!after.contains(&file_secret));

    // IAM's limit of two keys: said so, nothing created or changed.
    let two = iam_user(&home, "twokeys", 2);
    let text_before =
        format!("{after}\n[two]\naws_access_key_id = {}\naws_secret_access_key = {}\n", two[0].0, two[0].1);
    std::fs::write(home.aws_file("credentials"), &text_before).unwrap();
    std::fs::write(home.aws_file("config"), format!("{config}\n[profile two]\nregion = us-east-1\n")).unwrap();
    let out = home.stsenv(&["keys", "rotate", "two"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("has two access keys already") && stderr.contains(&two[1].0), "{stderr}");
    assert_eq!(iam_keys(&home, "twokeys").len(), 2);
    assert_eq!(std::fs::read_to_string(home.aws_file("credentials")).unwrap(), text_before);
}

#[test]
fn a_key_that_stands_in_several_sections_is_never_half_moved_and_rotation_updates_them_all() {
    let config = "[profile plain]\nregion = us-east-1\n\n[profile backup]\nregion = us-east-1\n";
    let home = Home::with(&moto().url, config, "");
    let (old, secret) = iam_user(&home, "copied", 1).remove(0);
    let credentials = format!(
        "[plain]\naws_access_key_id = {old}\naws_secret_access_key = {secret}\n\n[backup]\naws_access_key_id = {old}\naws_secret_access_key = {secret}\n"
    );
    std::fs::write(home.aws_file("credentials"), &credentials).unwrap();

    // keys add refuses, naming the other section: it never claims the secret is gone.
    let out = home.stsenv(&["keys", "add", "plain"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("also stands in [backup]") && stderr.contains("source_profile = plain"), "{stderr}");
    assert_eq!(std::fs::read_to_string(home.aws_file("credentials")).unwrap(), credentials);
    assert_eq!(std::fs::read_to_string(home.aws_file("config")).unwrap(), config);

    // keys rotate gives every section the new key before the old one is deleted.
    assert!(home.stsenv(&["session", "plain", "--shell", "bash"]).status.success());
    let out = home.stsenv(&["keys", "rotate", "plain"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("profiles backup used the same key"), "{stderr}");
    let keys = iam_keys(&home, "copied");
    assert_eq!(keys.len(), 1, "{keys:?}");
    let after = std::fs::read_to_string(home.aws_file("credentials")).unwrap();
    assert_eq!(after.matches(&format!("aws_access_key_id = {}", keys[0])).count(), 2, "{after}");
    assert!(!after.contains(&old) && !after.contains(&secret), "{after}");
    let check =
        "import boto3\nprint(boto3.session.Session(profile_name='backup').client('sts').get_caller_identity()['Arn'])";
    let out = home.command(venv("python")).args(["-c", check]).output().unwrap();
    assert_eq!(text(&out.stdout).trim(), "arn:aws:iam::123456789012:user/copied", "{}", text(&out.stderr));

    // The old key's MFA session left the cache with it: one row for the new key's.
    assert!(home.stsenv(&["session", "plain", "--shell", "bash"]).status.success());
    let list = text(&home.stsenv(&["cache", "list"]).stdout);
    assert_eq!(list.lines().filter(|l| l.starts_with("plain ")).count(), 1, "{list}");
}
