//! The fault matrix (issue 8; the README's table, row by row): each failure in bounded time,
//! one line on stderr, a non-zero exit, `false` on stdout, no partial file, nothing lost.

mod common;

use common::http::{Reply, Server, sts_error};
use common::*;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

/// Runs `stsenv ARGS` under bash (with `prefix` shell code first) and checks the contract.
fn fails(home: &Home, prefix: &str, args: &str, cause: &str) {
    let before = std::fs::read(home.aws_file("credentials")).unwrap();
    let started = Instant::now();
    let out = home.shell("bash", &format!("{prefix}\nexec stsenv {args}"));
    let took = started.elapsed();
    let stderr = text(&out.stderr);
    assert!(took < Duration::from_secs(15), "{args}: took {took:?}");
    assert_ne!(out.status.code(), Some(0), "{args}: succeeded: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args}: {stderr}");
    assert!(stderr.starts_with("stsenv: ") && stderr.contains(cause), "{args}: expected {cause:?} in {stderr}");
    if args.starts_with("assume") || args.starts_with("session") {
        assert_eq!(text(&out.stdout), "false\n", "{args}");
    }
    assert_eq!(std::fs::read(home.aws_file("credentials")).unwrap(), before, "{args}: the credentials file changed");
    for dir in [home.path().join(".cache/stsenv"), home.path().join(".aws")] {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(!name.starts_with(".stsenv-"), "{args}: a partial file was left: {name}");
        }
    }
}

#[test]
fn every_sts_failure_keeps_the_contract() {
    let assume = "assume s3FullforAssumeRole --token-code 123456 --shell bash";
    type Handler = Box<dyn Fn(&common::http::Request) -> Reply + Send + Sync>;
    let cases: Vec<(&str, Handler, &str)> = vec![
        ("timeout", Box::new(|_| Reply::Slow { delay: Duration::from_secs(20) }), "did not answer in time"),
        ("5xx", Box::new(|_| sts_error(503, "ServiceUnavailable", "Service is unavailable")), "ServiceUnavailable"),
        ("throttling", Box::new(|_| sts_error(400, "Throttling", "Rate exceeded")), "Throttling"),
        ("access denied", Box::new(|_| sts_error(403, "AccessDenied", "not authorized")), "AccessDenied"),
        (
            "bad MFA code",
            Box::new(|_| {
                sts_error(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")
            }),
            "the MFA code was not accepted",
        ),
        (
            "expired source keys",
            Box::new(|_| sts_error(403, "ExpiredToken", "The security token included in the request is expired")),
            "ExpiredToken",
        ),
    ];
    for (name, handler, cause) in cases {
        let stub = Server::start(handler);
        let home = Home::seeds(&stub.url);
        fails(&home, &format!("# {name}"), assume, cause);
    }
    // Connection refused.
    let home = Home::seeds("http://127.0.0.1:9");
    fails(&home, "# refused", assume, "cannot reach STS");
}

#[test]
fn full_disk_unsafe_cache_and_corrupt_cache() {
    let home = Home::seeds(&moto().url);
    // A full disk (no file may grow) for the credentials file: nothing written, nothing lost.
    let full = "trap '' XFSZ; ulimit -f 0";
    fails(&home, full, "session --token-code 123456 --no-cache --write-profile mfa", "cannot write");
    // For the cache, the credentials still come, with one warning.
    let out =
        home.shell("bash", &format!("{full}\nstsenv assume s3FullforAssumeRole --token-code 123456 --shell bash"));
    assert!(out.status.success() && text(&out.stdout).contains("export AWS_ACCESS_KEY_ID="), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("warning: cannot write"), "{}", text(&out.stderr));

    // A corrupt entry is a miss, replaced by a good one.
    assert!(
        home.stsenv(&["assume", "s3FullforAssumeRole", "--token-code", "123456", "--shell", "bash"]).status.success()
    );
    let dir = home.path().join(".cache/stsenv");
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        if entry.path().extension().is_some_and(|x| x == "json") {
            std::fs::write(entry.path(), "{not json").unwrap();
        }
    }
    assert!(
        home.stsenv(&["assume", "s3FullforAssumeRole", "--token-code", "123456", "--shell", "bash"]).status.success()
    );

    // A cache others may write, or that another user owns, is refused, not used.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    fails(
        &home,
        "",
        "assume s3FullforAssumeRole --shell bash",
        "can be read or written by others (mode 777); not using it",
    );
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let chown = std::process::Command::new("chown").args(["65534", &dir.display().to_string()]).status().unwrap();
    assert!(chown.success(), "the tests run as root (CI does) to hand the cache to another user");
    fails(&home, "", "assume s3FullforAssumeRole --shell bash", "belongs to uid 65534, not to you");
}
