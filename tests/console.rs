//! `stsenv console` (issue 10) against a local federation endpoint that checks what AWS's
//! checks: the Session JSON, and SessionDuration only where AWS accepts it.

mod common;

use common::http::{Reply, Server};
use common::*;

fn federation() -> Server {
    Server::start(|req| {
        let ok = req.query("Action").as_deref() == Some("getSigninToken")
            && req.query("Session").and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok()).is_some_and(|s| {
                ["sessionId", "sessionKey", "sessionToken"].iter().all(|k| s[k].as_str().is_some_and(|v| !v.is_empty()))
            });
        if !ok {
            return Reply::Json { status: 400, body: "{\"message\":\"bad session\"}".into(), error_type: None };
        }
        Reply::Json { status: 200, body: "{\"SigninToken\":\"tok-123\"}".into(), error_type: None }
    })
}

#[test]
fn console_signs_in_with_a_role_and_says_what_it_cannot_do() {
    let stub = federation();
    let config = format!(
        "{CONFIG}\n[profile plain]\nrole_arn = arn:aws:iam::123456789012:role/Plain\nsource_profile = test_iam_user\nregion = eu-west-1\n"
    );
    let mut home = Home::with(&moto().url, &config, CREDENTIALS);
    home.env.push(("STSENV_SIGNIN_URL".into(), stub.url.clone()));

    // A role assumed with long-term keys: the console session may be longer.
    let out = home.stsenv(&["console", "plain", "--duration", "2h", "--service", "s3", "--print"]);
    let url = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(url.starts_with(&format!("{}/federation?Action=login&Issuer=stsenv&Destination=", stub.url)), "{url}");
    assert!(
        url.contains("https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Deu-west-1")
            && url.contains("SigninToken=tok-123"),
        "{url}"
    );
    let asked = stub.all().pop().unwrap();
    assert_eq!(asked.query("SessionDuration").as_deref(), Some("7200"));
    let session: serde_json::Value = serde_json::from_str(&asked.query("Session").unwrap()).unwrap();
    assert!(session["sessionId"].as_str().unwrap().starts_with("ASIA"));

    // A chained role: no SessionDuration (AWS rejects it), said plainly.
    let out =
        home.stsenv(&["console", "chained", "--token-code", "123456", "--duration", "1h", "--print", "--issuer", "me"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("lasts at most 1h"), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Issuer=me"));
    assert_eq!(stub.all().pop().unwrap().query("SessionDuration"), None);

    // GetSessionToken credentials cannot sign in: said before any call.
    let calls = stub.all().len();
    let out = home.stsenv(&["console", "default", "--print"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("GetSessionToken credentials")
            && text(&out.stderr).contains("stsenv console ROLE_PROFILE"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(stub.all().len(), calls);

    // No TARGET: the credentials this shell holds; the URL goes to the browser, not stdout —
    // and not into its command line (every user reads /proc/PID/cmdline): the browser gets a
    // one-time loopback link that redirects to the sign-in.
    let opened = home.path().join("opened");
    let browser = home.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!(
            "echo \"$1\" > {}\n{} -c 'import sys, urllib.request\ntry: urllib.request.urlopen(sys.argv[1], timeout=10)\nexcept Exception: pass' \"$1\"\n",
            opened.display(),
            venv("python").display()
        ),
    )
    .unwrap();
    let script = format!("eval \"$(stsenv assume plain)\" && BROWSER='sh {}' stsenv console", browser.display());
    let out = home.shell("bash", &script);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "the login URL reached stdout");
    let argv = std::fs::read_to_string(&opened).unwrap();
    assert!(argv.starts_with("http://127.0.0.1:") && !argv.contains("tok-123"), "{argv}");
    let login = stub.all().into_iter().find(|r| r.query("Action").as_deref() == Some("login")).expect("no login");
    assert_eq!(login.query("SigninToken").as_deref(), Some("tok-123"));
    assert!(!text(&out.stderr).contains("tok-123"), "the token reached stderr");
    // The link works once.
    let again = std::process::Command::new(venv("python"))
        .args(["-c", "import sys, urllib.request\ntry: urllib.request.urlopen(sys.argv[1], timeout=3)\nexcept urllib.error.HTTPError as e: print(e.code)\nexcept Exception as e: print('closed')"])
        .arg(argv.trim())
        .output()
        .unwrap();
    assert_ne!(text(&again.stdout).trim(), "", "the link answered a second time");

    // A browser that fails is a failure, not "opened".
    let out = home.command(bin()).args(["console", "plain"]).env("BROWSER", "false").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("'false' failed") && text(&out.stderr).contains("--print"),
        "{}",
        text(&out.stderr)
    );
}
