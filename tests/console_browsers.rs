//! The console in real browsers (issue 25): Debian's chromium and firefox-esr under Xvfb,
//! started the way stsenv starts them, against a local federation endpoint that records the
//! browser's own requests; browser profiles, Firefox containers, the SSO portal's shortcut
//! link, and OSC 52 in a pty. No sign-in token in any browser's command line.

mod common;

use common::http::{Reply, Server};
use common::shell::*;
use common::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The federation endpoint: a token for getSigninToken, a page for the browser's login.
fn federation() -> Server {
    Server::start(|req| match req.query("Action").as_deref() {
        Some("getSigninToken") => {
            Reply::Json { status: 200, body: "{\"SigninToken\":\"tok-SECRET-123\"}".into(), error_type: None }
        }
        _ => Reply::Raw(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 14\r\n\r\n<p>console</p>".to_vec(),
        ),
    })
}

const CONFIG_PLAIN: &str = "\n[profile plain]\nrole_arn = arn:aws:iam::123456789012:role/Plain\nsource_profile = test_iam_user\nregion = eu-west-1\n";

fn home(stub: &Server) -> Home {
    let mut home = Home::with(&moto().url, &format!("{CONFIG}{CONFIG_PLAIN}"), CREDENTIALS);
    home.env.push(("STSENV_SIGNIN_URL".into(), stub.url.clone()));
    home.env.push(("STSENV_BROWSER_WAIT".into(), "30".into()));
    home
}

/// A bin directory with `chromium` that adds what root and a closed network need and logs
/// its arguments, as the issue allows; `firefox` the same for firefox-esr.
fn browsers(home: &Home) -> PathBuf {
    let bin_dir = home.path().join("browsers");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let udd = home.path().join("chromium-data");
    let chromium = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" >> {log}\nexec {real} --no-sandbox --disable-background-networking --disable-component-update \
         --disable-sync --no-first-run --no-default-browser-check --disable-breakpad --disable-gpu --user-data-dir={udd} \"$@\"\n",
        log = home.path().join("chromium-argv").display(),
        real = require("chromium").display(),
        udd = udd.display()
    );
    let firefox = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" >> {log}\nexec {real} \"$@\"\n",
        log = home.path().join("firefox-argv").display(),
        real = require("firefox-esr").display()
    );
    for (name, script) in [("chromium", chromium), ("firefox", firefox)] {
        let path = bin_dir.join(name);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    bin_dir
}

/// Runs `script` in bash under Xvfb (and a D-Bus session: Firefox hands URLs over D-Bus),
/// in a session of its own that is killed afterwards — browsers and the services D-Bus
/// started for them included. Output goes to files: those services keep pipes open.
fn in_display(home: &Home, bin_dir: &Path, script: &str) -> (String, String, Option<i32>) {
    let path = format!("{}:{}:/usr/local/bin:/usr/bin:/bin", bin_dir.display(), bin().parent().unwrap().display());
    let (out_file, err_file) = (home.path().join("display.out"), home.path().join("display.err"));
    let mut cmd = home.command(require("setsid"));
    cmd.args(["-w", "dbus-run-session", "--", "xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "bash", "-c", script])
        .env("PATH", path)
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(std::fs::File::create(&err_file).unwrap());
    let mut child = cmd.spawn().unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(120) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // Everything left in that session (setsid: the session id is the child's pid).
    let _ = std::process::Command::new("pkill").args(["-KILL", "-s", &child.id().to_string()]).status();
    let _ = child.kill();
    let read = |f: &Path| std::fs::read_to_string(f).unwrap_or_default();
    assert!(status.is_some(), "the browsers did not finish in 120 s: {}{}", read(&out_file), read(&err_file));
    (read(&out_file), read(&err_file), status.and_then(|s| s.code()))
}

/// The command lines of every process whose arguments contain `needle`.
const CMDLINES: &str = "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f 2>/dev/null; echo; done # CMDLINES";

#[test]
fn chromium_gets_a_one_time_link_a_profile_and_the_destination() {
    let stub = federation();
    let home = home(&stub);
    let bin_dir = browsers(&home);
    let script = format!(
        "stsenv console plain --browser chromium --browser-profile Work --service s3 --region eu-west-1 || exit 1\n\
         sleep 1\n{CMDLINES} | grep -a chromium | grep -v CMDLINES | sed 's/^/CMDLINE /'; true"
    );
    let (stdout, stderr, code) = in_display(&home, &bin_dir, &script);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    // The browser's own login request, its User-Agent Chromium's, at the service and region.
    let login =
        stub.all().into_iter().find(|r| r.query("Action").as_deref() == Some("login")).expect("no login request");
    assert!(login.header("user-agent").is_some_and(|ua| ua.contains("Chrome/")), "{:?}", login.header("user-agent"));
    assert_eq!(login.query("SigninToken").as_deref(), Some("tok-SECRET-123"));
    assert_eq!(
        login.query("Destination").as_deref(),
        Some("https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1")
    );
    // No token in any command line; the profile reached the browser.
    assert!(stdout.contains("CMDLINE"), "no chromium process seen: {stdout}");
    assert!(!stdout.contains("tok-SECRET-123"), "the sign-in token in a command line: {stdout}");
    assert!(stdout.contains("--profile-directory=Work"), "{stdout}");
    let argv = std::fs::read_to_string(home.path().join("chromium-argv")).unwrap();
    assert!(argv.lines().any(|l| l.starts_with("http://127.0.0.1:")) && !argv.contains("tok-"), "{argv}");
    assert!(stderr.contains("opened the console for plain (eu-west-1)"), "{stderr}");
}

#[test]
fn firefox_gets_a_created_profile_and_a_container() {
    let stub = federation();
    let home = home(&stub);
    let bin_dir = browsers(&home);
    let script = "stsenv console plain --browser firefox --browser-profile Work || exit 1\n\
                  sleep 1; pkill -x firefox-esr; sleep 1\n\
                  STSENV_BROWSER_WAIT=8 stsenv console plain --browser firefox --container prod; echo RC=$?";
    let (stdout, stderr, code) = in_display(&home, &bin_dir, script);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    // The profile was made first (else Firefox would stop at its profile manager), and used.
    assert!(stderr.contains("created Firefox profile 'Work'"), "{stderr}");
    let login =
        stub.all().into_iter().find(|r| r.query("Action").as_deref() == Some("login")).expect("no login request");
    assert!(login.header("user-agent").is_some_and(|ua| ua.contains("Firefox/")), "{:?}", login.header("user-agent"));
    let argv = std::fs::read_to_string(home.path().join("firefox-argv")).unwrap();
    assert!(argv.contains("-P\nWork\n--new-tab\nhttp://127.0.0.1:"), "{argv}");
    // The container: the extension's link around the one-time link (never the token); with
    // no extension installed nothing asks for it, and stsenv says what to install.
    let container = argv.lines().find(|l| l.starts_with("ext+container:")).expect("no container link");
    assert!(container.starts_with("ext+container:name=prod&url=http%3A%2F%2F127.0.0.1%3A"), "{container}");
    assert!(
        container.contains("&color=") && container.contains("&icon=") && !container.contains("tok-"),
        "{container}"
    );
    assert!(stdout.contains("RC=1"), "{stdout}");
    assert!(stderr.contains("Open URL in Container"), "{stderr}");
}

#[test]
fn an_sso_profile_opens_the_portals_shortcut_link_and_unknown_browsers_are_named() {
    let stub = federation();
    let mut home = home(&stub);
    let config = format!(
        "{CONFIG}{CONFIG_PLAIN}\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start/\nsso_region = us-east-1\n\n\
         [profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Developer\nregion = eu-central-1\n"
    );
    std::fs::write(home.aws_file("config"), config).unwrap();
    let log = home.path().join("opened");
    home.env.push(("BROWSER".into(), format!("sh -c 'echo \"$0\" > {}'", log.display())));
    let out = home.stsenv(&["console", "dev", "--service", "lambda"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&log).unwrap().trim(),
        "https://corp.awsapps.com/start/#/console?account_id=123456789012&role_name=Developer&destination=https%3A%2F%2Feu-central-1.console.aws.amazon.com%2Flambda%2Fhome%3Fregion%3Deu-central-1"
    );
    assert!(stub.all().is_empty(), "the portal link needs no sign-in token");

    let out = home.stsenv(&["console", "plain", "--browser", "netscape"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("unknown browser 'netscape'")
            && text(&out.stderr).contains("chromium, chrome, brave"),
        "{}",
        text(&out.stderr)
    );
    let out = home.stsenv(&["console", "plain", "--via", "portal"]);
    assert!(text(&out.stderr).contains("--via portal opens an IAM Identity Center role"), "{}", text(&out.stderr));
}

#[test]
fn copy_writes_one_osc_52_sequence_to_the_terminal() {
    let stub = federation();
    let home = home(&stub);
    let mut sh = Shell::start(&home, "bash", &[]);
    let out = sh.run("stsenv console plain --copy > stdout.txt; echo RC=$?");
    assert!(out.contains("RC=0"), "{out}");
    let start = out.find("\x1b]52;c;").expect("no OSC 52 sequence");
    let rest = &out[start + 7..];
    let end = rest.find('\x07').expect("no BEL");
    let url = String::from_utf8(aws_smithy_types::base64::decode(&rest[..end]).unwrap()).unwrap();
    assert!(url.contains("Action=login") && url.contains("SigninToken=tok-SECRET-123"), "{url}");
    assert_eq!(out.matches("\x1b]52;").count(), 1);
    assert_eq!(std::fs::read_to_string(home.path().join("stdout.txt")).unwrap(), "", "the URL reached stdout");
}
