//! Keys out of plaintext on every machine (issue 24): the encrypted file store with a cached
//! unlock in the kernel keyring, with no D-Bus session at all, driven in a real pty; `pass`
//! with a real gpg key; migration between the file, pass and the Secret Service.

mod common;

use common::shell::*;
use common::*;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

const PASSPHRASE: &str = "correct horse battery";

/// An IAM user in moto with a fresh key (a secret no other test has), as `[default]`.
fn home_with_fresh_keys(user: &str) -> (Home, String, String) {
    let home = Home::with(&moto().url, CONFIG, "");
    let script = format!(
        "import boto3\niam = boto3.client('iam')\niam.create_user(UserName='{user}')\n\
         k = iam.create_access_key(UserName='{user}')['AccessKey']\nprint(k['AccessKeyId'], k['SecretAccessKey'])"
    );
    let out = home
        .command(venv("python"))
        .args(["-c", &script])
        .envs([
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let line = text(&out.stdout);
    let (id, secret) = line.trim().split_once(' ').unwrap();
    std::fs::write(
        home.aws_file("credentials"),
        format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
    )
    .unwrap();
    (home, id.to_owned(), secret.to_owned())
}

/// Files under `dir` (changed since `since`, smaller than 5 MB) that hold `needle`.
fn files_holding(dir: &std::path::Path, needle: &str, since: SystemTime) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return found };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            found.extend(files_holding(&path, needle, since));
        } else if meta.is_file()
            && meta.len() < 5_000_000
            && meta.modified().is_ok_and(|m| m >= since)
            && std::fs::read(&path).is_ok_and(|b| String::from_utf8_lossy(&b).contains(needle))
        {
            found.push(path.display().to_string());
        }
    }
    found
}

/// stsenv with no terminal at all (and no D-Bus): its stdout, stderr and status.
fn detached(home: &Home, env: &[(&str, &str)], script: &str) -> (String, String, Option<i32>) {
    let mut cmd = home.command(require("setsid"));
    cmd.args(["-w", "bash", "-c", script]).envs(env.iter().copied());
    let out = output_within(&mut cmd, Duration::from_secs(60));
    (text(&out.stdout), text(&out.stderr), out.status.code())
}

#[test]
fn the_file_store_asks_once_unlocks_across_terminals_locks_and_rotates() {
    let started = SystemTime::now();
    let (home, id, secret) = home_with_fresh_keys("filestore");
    let mut sh = Shell::start(&home, "bash", &[]);
    // Typed twice at the terminal; never echoed.
    sh.pty.send_line("stsenv keys add default --store file").unwrap();
    sh.pty.exp_string("New passphrase for").unwrap();
    sh.pty.send_line(PASSPHRASE).unwrap();
    sh.pty.exp_string("Repeat it").unwrap();
    sh.pty.send_line(PASSPHRASE).unwrap();
    // (What is typed before the prompt has given the terminal back is flushed: wait for it.)
    let (out, _) = sh.pty.exp_regex("are in the encrypted file[^\n]*\n").unwrap();
    let out = out + &sh.sync();
    assert!(out.contains(&format!("keys {id} of profile 'default'")), "{out}");
    assert!(!out.contains(PASSPHRASE), "the passphrase was echoed: {out}");

    // The secret is in no file: not under HOME, /tmp, /dev/shm or XDG_RUNTIME_DIR.
    let mut places = vec![home.path().to_owned(), std::env::temp_dir(), "/dev/shm".into()];
    if let Some(run) = std::env::var_os("XDG_RUNTIME_DIR") {
        places.push(run.into());
    }
    for place in places {
        let found = files_holding(&place, &secret, started);
        assert!(found.is_empty(), "the secret is in {found:?}");
        assert!(
            files_holding(&place, &id, started).iter().all(|f| f.ends_with("/.aws/config")),
            "the key id in a file"
        );
    }

    // The first assume asks the passphrase once…
    sh.pty.send_line("eval \"$(stsenv assume s3FullforAssumeRole --token-code 123456)\"; echo RC=$?").unwrap();
    sh.pty.exp_string("Passphrase for").unwrap();
    sh.pty.send_line(PASSPHRASE).unwrap();
    let (out, _) = sh.pty.exp_regex("RC=[0-9]+").unwrap();
    let out = out + &sh.sync();
    assert!(!out.contains(PASSPHRASE), "{out}");
    // …and another role right after, with no terminal at all, asks nothing.
    let check = format!(
        "eval \"$(stsenv assume readonly --no-cache --token-code 123456 --shell bash)\" || exit 1\n{}",
        check_line("file-store")
    );
    let (stdout, stderr, code) = detached(&home, &[], &check);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains(":assumed-role/ReadOnly/"), "{stdout}{stderr}");

    // keys lock: the same run fails cleanly, naming the command that unlocks.
    let out = home.stsenv(&["keys", "lock"]);
    assert!(out.status.success() && text(&out.stderr).contains("is locked"), "{}", text(&out.stderr));
    let (stdout, stderr, code) =
        detached(&home, &[], "stsenv assume readonly --no-cache --token-code 123456 --shell bash");
    assert_eq!((code, stdout.as_str()), (Some(1), "false\n"), "{stderr}");
    assert!(stderr.contains("stsenv keys unlock") && stderr.lines().count() == 1, "{stderr}");

    // A wrong passphrase changes nothing on disk.
    let file = home.path().join(".local/share/stsenv/keys.json");
    let before = std::fs::read(&file).unwrap();
    let out = home.command(bin()).args(["keys", "unlock"]).env("STSENV_FILE_PASSPHRASE", "wrong").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("wrong passphrase"), "{}", text(&out.stderr));
    let out = home
        .command(bin())
        .args(["keys", "add", "other", "--from-stdin", "--store", "file"])
        .env("STSENV_FILE_PASSPHRASE", "wrong")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&file).unwrap(), before, "a wrong passphrase changed the file");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(file.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);

    // STSENV_UNLOCK_TTL: the kernel forgets the unlock by itself.
    let unlock = [("STSENV_FILE_PASSPHRASE", PASSPHRASE), ("STSENV_UNLOCK_TTL", "2")];
    let out = home.command(bin()).args(["keys", "unlock"]).envs(unlock).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = text(&home.stsenv(&["keys", "list"]).stdout);
    assert!(list.contains("unlocked for"), "{list}");
    std::thread::sleep(Duration::from_secs(3));
    let (stdout, stderr, code) =
        detached(&home, &[], "stsenv assume readonly --no-cache --token-code 123456 --shell bash");
    assert_eq!((code, stdout.as_str()), (Some(1), "false\n"), "{stderr}");

    // keys rotate on the file store: exactly one key in IAM, new, in the store, working.
    let started = Instant::now();
    let out = home
        .command(bin())
        .args(["keys", "rotate", "default", "--token-code", "123456"])
        .env("STSENV_FILE_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    println!("rotate on the file store: {:?}", started.elapsed());
    let keys = home
        .command(venv("python"))
        .args(["-c", "import boto3\nfor k in boto3.client('iam').list_access_keys(UserName='filestore')['AccessKeyMetadata']: print(k['AccessKeyId'])"])
        .envs([("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"), ("AWS_DEFAULT_REGION", "us-east-1")])
        .output()
        .unwrap();
    let keys: Vec<String> = text(&keys.stdout).lines().map(str::to_owned).collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_ne!(keys[0], id);
    let list = text(&home.command(bin()).args(["keys", "list"]).output().unwrap().stdout);
    assert!(list.contains(&format!("default  {}", keys[0])) && list.contains("encrypted file"), "{list}");
    let (stdout, stderr, code) = detached(
        &home,
        &[("STSENV_FILE_PASSPHRASE", PASSPHRASE)],
        &format!(
            "eval \"$(stsenv session default --no-cache --token-code 123456 --shell bash)\" || exit 1\n{}",
            check_line("")
        ),
    );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("ARN arn:aws:"), "{stdout}");
}

#[test]
fn pass_with_a_real_gpg_key_and_migration_between_every_store() {
    require("pass");
    require("gpg");
    require("gnome-keyring-daemon");
    let (home, id, secret) = home_with_fresh_keys("passstore");
    let gnupg = home.path().join("gnupg");
    std::fs::create_dir(&gnupg).unwrap();
    std::fs::set_permissions(&gnupg, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let env = [
        ("GNUPGHOME", gnupg.to_str().unwrap().to_owned()),
        ("PASSWORD_STORE_DIR", home.path().join("password-store").to_str().unwrap().to_owned()),
        ("STSENV_FILE_PASSPHRASE", PASSPHRASE.to_owned()),
    ];
    let setup = "gpg --batch --passphrase '' --quick-gen-key 'stsenv test <stsenv@test.invalid>' default default never 2>/dev/null\n\
                 pass init \"$(gpg --list-secret-keys --with-colons | awk -F: '/^fpr/{print $10; exit}')\" >/dev/null";
    let run = |script: &str| {
        let unlock = "echo -n login-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null";
        let mut cmd = home.command(require("dbus-run-session"));
        cmd.args(["--", "bash", "-c", &format!("{unlock}\n{script}")]).envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        let out = output_within(&mut cmd, Duration::from_secs(90));
        (text(&out.stdout), text(&out.stderr), out.status.code())
    };
    let script = format!(
        "{setup}\n\
         stsenv keys add default --store pass || exit 1\n\
         grep -c aws_secret_access_key ~/.aws/credentials | sed 's/^/SECRETS=/'\n\
         eval \"$(stsenv assume s3FullforAssumeRole --token-code 123456)\" || exit 1\n{}\n\
         stsenv keys migrate default --to file || exit 1\n\
         pass show stsenv/default >/dev/null 2>&1 && echo STILL-IN-PASS\n\
         eval \"$(stsenv session default --no-cache --token-code 123456)\" || exit 1\n{}\n\
         stsenv keys migrate default --to keyring || exit 1\n\
         stsenv keys list\n\
         eval \"$(stsenv session default --no-cache --token-code 123456)\" || exit 1\n{}",
        check_line("pass-store"),
        check_line(""),
        check_line("")
    );
    let (stdout, stderr, code) = run(&script);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("SECRETS=0"), "{stdout}");
    assert!(stdout.contains(":assumed-role/s3FullforAssumeRole/"), "{stdout}{stderr}");
    assert!(!stdout.contains("STILL-IN-PASS"), "{stdout}");
    assert_eq!(stdout.matches("ARN arn:aws:").count(), 3, "{stdout}{stderr}");
    assert!(stdout.contains(&format!("default  {id}  the Secret Service keyring")), "{stdout}");
    assert!(stderr.contains("moved from pass (stsenv/PROFILE) to the encrypted file"), "{stderr}");
    assert!(!stdout.contains(&secret) && !stderr.contains(&secret));
    // The file store no longer holds the profile's keys.
    let out = home
        .command(bin())
        .args(["keys", "export", "default"])
        .env("STSENV_FILE_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));

    // pass missing: one line with the fix, and nothing moved.
    let credentials = home.aws_file("credentials");
    let mut text_before = std::fs::read_to_string(&credentials).unwrap();
    text_before += "\n[other]\naws_access_key_id = AKIAOTHER00000000000\naws_secret_access_key = other\n";
    std::fs::write(&credentials, &text_before).unwrap();
    let out = home
        .command(bin())
        .args(["keys", "add", "other", "--store", "pass"])
        .env("PATH", bin().parent().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("pass is not installed") && text(&out.stderr).contains("pass init"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&credentials).unwrap(), text_before);
}
