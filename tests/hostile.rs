//! Text and clients from outside are hostile until checked (issue 23): a portal that sends
//! profile-injecting names, a redirect with terminal escapes, a client that trickles, a flood
//! from another uid, a kill -9 mid-rewrite, umask 000, core dumps, browser command lines, dotenv.
//! botocore and the AWS CLI read every file stsenv wrote.

mod common;

use common::sso::*;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

const CONFIG: &str = "\
[default]
region = eu-west-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

# hand-written, with a second space in the header: botocore reads it as profile Dev.Admin
[profile  Dev.Admin]
region = ap-south-1
output = text

[ profile Ops-0-owned-profile-x.Admin ]
region = ap-south-2

[profile settings]
region = sa-east-1
s3 =
    max_concurrent_requests = 20
    max_queue_size = 10000
    aws_secret_access_key = nested-secret
cli_pager =
";

/// The profiles botocore finds: name → (sso_account_id, sso_role_name, credential_process).
fn botocore(home: &Home) -> serde_json::Value {
    let script = "import json, botocore.session\n\
                  p = botocore.session.Session().full_config['profiles']\n\
                  print(json.dumps(p))";
    let out = home.command(venv("python")).args(["-c", script]).output().unwrap();
    assert!(out.status.success(), "botocore cannot read the config: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn sso_home(sso: &Sso, credentials: &str) -> Home {
    let mut home = Home::with(sso.url(), CONFIG, credentials);
    home.env.push(("AWS_ENDPOINT_URL_SSO".into(), sso.url().into()));
    home.env.push(("AWS_ENDPOINT_URL_SSO_OIDC".into(), sso.url().into()));
    write_token(&home, "corp", "valid-corp", 8 * 3600, None);
    home
}

#[test]
fn populate_writes_only_what_it_checked_and_botocore_reads_the_users_profiles_unchanged() {
    let sso = Sso::start();
    let pwned = "/tmp/stsenv-populate-pwned";
    let _ = std::fs::remove_file(pwned);
    let inject = format!("Admin\n[profile evil]\ncredential_process = touch {pwned}");
    let accounts = [
        ("111111111111", "Dev"),
        ("222222222222", "Dev"),
        ("333333333333", "Dev"),
        ("444444444444", "Ops\x1b]0;owned\x07\n[profile x]"),
        ("555555555555", "Sec\x1b[2J"),
        ("12345", "Short"),
        ("5555555555555", "Long"),
        ("66666666666a", "Letters"),
    ];
    let roles: Vec<(&str, Vec<String>)> = vec![
        ("111111111111", vec!["Admin".into(), inject.clone()]),
        ("222222222222", vec!["Admin".into(), "x\r[profile s3FullforAssumeRole]\rcredential_process = id".into()]),
        // Literally the name the first account's Admin would get with its id.
        ("333333333333", vec!["Admin-111111111111".into(), "# END stsenv sso populate corp".into()]),
        ("444444444444", vec!["Admin".into(), "ReadOnly".into(), "a".repeat(65)]),
        ("555555555555", vec!["ReadOnly".into()]),
        ("12345", vec!["Admin".into()]),
        ("5555555555555", vec!["Admin".into()]),
        ("66666666666a", vec!["Admin".into()]),
    ];
    sso.set(|s| {
        s.accounts = accounts.iter().map(|(id, name)| (id.to_string(), name.to_string())).collect();
        s.roles = roles.iter().map(|(id, r)| (id.to_string(), r.clone())).collect();
    });
    // The credentials file has an IAM user's profile of a name populate would generate.
    let credentials =
        "[Ops-0-owned-profile-x.ReadOnly]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n";
    let home = sso_home(&sso, credentials);
    let out = home.stsenv(&["sso", "populate", "--sso-session", "corp", "--copy-from", "settings"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains('\x1b') && !stderr.contains('\r'), "raw control characters on the terminal: {stderr:?}");

    // One line per rejected pair, naming the account and why; the rest is written.
    let rejected: Vec<&str> = stderr.lines().filter(|l| l.contains("stsenv: skipped account")).collect();
    assert_eq!(rejected.len(), 7, "{stderr}"); // 3 role names, 1 too long, 3 account ids
    assert!(rejected.iter().any(|l| l.contains("'12345'") && l.contains("not 12 digits")), "{stderr}");
    assert!(rejected.iter().any(|l| l.contains("'111111111111'") && l.contains("not an IAM role name")), "{stderr}");

    let config = std::fs::read_to_string(home.aws_file("config")).unwrap();
    assert!(config.starts_with(CONFIG), "bytes outside the block changed");
    assert!(!config.contains("[profile evil]") && !config.contains("credential_process"), "{config}");
    assert!(!config.contains('\r') && !config.contains('\x1b'), "{config:?}");
    assert_eq!(config.matches("# END stsenv sso populate corp").count(), 1, "{config}");

    let profiles = botocore(&home);
    // The hand-written profiles are as they were, as botocore reads them.
    assert_eq!(profiles["Dev.Admin"], serde_json::json!({"region": "ap-south-1", "output": "text"}));
    assert!(profiles.get("evil").is_none() && profiles.get("s3FullforAssumeRole").is_none(), "{profiles}");
    for (name, p) in profiles.as_object().unwrap() {
        assert!(p.get("credential_process").is_none(), "{name} runs a command: {p}");
    }
    assert!(stderr.contains("a profile of that name is yours") && stderr.contains("Dev.Admin"), "{stderr}");
    // `[ profile X ]` is the Rust SDK's X (botocore skips it): the user's all the same.
    assert!(stderr.contains("Ops-0-owned-profile-x.Admin"), "{stderr}");
    assert!(
        stderr.contains("~/.aws/credentials has a profile of that name")
            && stderr.contains("Ops-0-owned-profile-x.ReadOnly"),
        "{stderr}"
    );
    let iam_user = &profiles["Ops-0-owned-profile-x.ReadOnly"];
    assert!(iam_user.get("sso_account_id").is_none(), "{iam_user}");

    // Every (account, role) got a profile of its own, pointing at its own account.
    let mut pairs: Vec<(String, String)> = profiles
        .as_object()
        .unwrap()
        .values()
        .filter_map(|p| Some((p["sso_account_id"].as_str()?.to_owned(), p["sso_role_name"].as_str()?.to_owned())))
        .collect();
    pairs.sort();
    let want = [
        ("111111111111", "Admin"),
        ("222222222222", "Admin"),
        ("333333333333", "Admin-111111111111"),
        ("555555555555", "ReadOnly"),
    ];
    assert_eq!(pairs, want.map(|(a, r)| (a.to_owned(), r.to_owned())), "{profiles}");
    assert!(stderr.contains("4 profiles of SSO session 'corp'"), "{stderr}");
    // The account name reached the file only through the sanitiser.
    assert!(profiles.get("Sec-2J.ReadOnly").is_some(), "{profiles}");

    // --copy-from keeps a nested block nested; a credential key in it is not copied.
    let generated = &profiles["Sec-2J.ReadOnly"];
    assert_eq!(
        generated["s3"],
        serde_json::json!({"max_concurrent_requests": "20", "max_queue_size": "10000"}),
        "{generated}"
    );
    assert!(!config[CONFIG.len()..].contains("nested-secret"), "{config}");
    assert_eq!(generated["cli_pager"], "");

    // The AWS CLI reads the file, and no command of the portal's ever runs.
    let out = home
        .command("/usr/bin/aws")
        .args(["configure", "get", "s3.max_concurrent_requests", "--profile", "Sec-2J.ReadOnly"])
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout).trim(), "20", "{}", text(&out.stderr));
    for profile in ["evil", "s3FullforAssumeRole", "Dev.Admin"] {
        let _ = home.command("/usr/bin/aws").args(["sts", "get-caller-identity", "--profile", profile]).output();
    }
    assert!(!std::path::Path::new(pwned).exists(), "a command from the portal ran");

    // A later clean run with --prune leaves nothing injected outside the block.
    sso.set(|s| {
        s.accounts.truncate(1);
        s.roles.insert("111111111111".into(), vec!["Admin".into()]);
    });
    let out = home.stsenv(&["sso", "populate", "--sso-session", "corp", "--prune"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let config = std::fs::read_to_string(home.aws_file("config")).unwrap();
    assert!(config.starts_with(CONFIG), "{config}");
    // The one pair left is named as a hand-written profile: nothing of the portal's remains.
    assert!(config.ends_with("# BEGIN stsenv sso populate corp: `stsenv sso populate --sso-session corp` rewrites this block\n# END stsenv sso populate corp\n"), "{config}");
    let names: Vec<String> = botocore(&home).as_object().unwrap().keys().cloned().collect();
    assert_eq!(names, ["Dev.Admin", "Ops-0-owned-profile-x.ReadOnly", "default", "settings"].map(String::from));
}

#[test]
fn writers_find_the_users_section_however_its_header_is_spaced_or_quoted() {
    let config = "[default]\nregion = eu-west-1\n\n[profile  ide]\nrole_arn = arn:aws:iam::123456789012:role/Mine\nsource_profile = default\n";
    let home = Home::with(&moto().url, config, CREDENTIALS);
    // `[profile  ide]` is the user's ide: --write-config must not add a second one after it.
    let out = home.stsenv(&["credential-process", "default", "--write-config", "ide"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("already gets credentials from role_arn"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(home.aws_file("config")).unwrap(), config);

    // A quoted credentials-file header is the same section for --write-profile.
    let credentials = format!(
        "{CREDENTIALS}\n[ mfa ]\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\naws_session_token = old\n"
    );
    std::fs::write(home.aws_file("credentials"), &credentials).unwrap();
    let out = home.stsenv(&["session", "--token-code", "123456", "--write-profile", "mfa"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let after = std::fs::read_to_string(home.aws_file("credentials")).unwrap();
    assert_eq!(after.matches("mfa").count(), 1, "{after}");
    assert!(!after.contains("ASIAOLD"), "{after}");

    // Values a file cannot hold as one line are refused, whoever sends them.
    let out = home.stsenv(&["credential-process", "default", "--write-config", "new", "--region", "eu-west-1\n[x]"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(!std::fs::read_to_string(home.aws_file("config")).unwrap().contains("[x]"));
}

/// Reads stderr lines until one holds `needle`; returns them all.
fn read_until(reader: &mut impl BufRead, needle: &str, limit: Duration) -> String {
    let start = Instant::now();
    let mut seen = String::new();
    while start.elapsed() < limit {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        seen += &line;
        if line.contains(needle) {
            return seen;
        }
    }
    panic!("never saw {needle:?}: {seen}");
}

/// The loopback port in the authorize URL's redirect_uri.
fn port_of(url: &str) -> u16 {
    let redirect = url.split("redirect_uri=").nth(1).unwrap();
    let decoded = redirect.replace("%3A", ":").replace("%2F", "/");
    let at = decoded.find("http://127.0.0.1:").unwrap() + "http://127.0.0.1:".len();
    decoded[at..].split('/').next().unwrap().parse().unwrap()
}

fn get(port: u16, target: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    write!(stream, "GET {target} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n").unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

#[test]
fn the_sign_in_redirect_checks_state_first_escapes_what_it_shows_and_cannot_be_held_open() {
    let sso = Sso::start();
    let home = sso_home(&sso, "");
    std::fs::remove_file(token_file(&home, "corp")).unwrap();
    let log = home.path().join("browser-argv");
    // A browser that only writes down its command line.
    let mut cmd = home.command(bin());
    cmd.args(["login", "--sso-session", "corp"])
        .env("BROWSER", format!("sh -c 'echo \"$0\" >> {}'", log.display()))
        .env("STSENV_SIGNIN_TIMEOUT", "8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let seen = read_until(&mut stderr, "/authorize?", Duration::from_secs(20));
    let url = seen.lines().find(|l| l.contains("/authorize?")).unwrap().trim().to_owned();
    let port = port_of(&url);
    let state = url.split("state=").nth(1).unwrap().split('&').next().unwrap().to_owned();

    // No secret of the sign-in in the browser's command line: a one-time loopback link.
    std::thread::sleep(Duration::from_millis(500));
    let argv = std::fs::read_to_string(&log).unwrap();
    assert!(!argv.contains(&state) && !argv.contains("code_challenge"), "{argv}");
    let link = argv.trim();
    let path = &link[link.find("127.0.0.1:").unwrap()..];
    let path = &path[path.find('/').unwrap()..];
    let first = get(port, path);
    assert!(first.starts_with("HTTP/1.1 302") && first.contains("/authorize?"), "{first}");
    assert!(get(port, path).starts_with("HTTP/1.1 410"), "the link works once");

    // A client that trickles one byte every 2 s holds up nothing.
    let mut trickle = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let trickler = std::thread::spawn(move || {
        for b in b"GET /oauth/callback?state=x HTTP/1.1\r\n" {
            if trickle.write_all(&[*b]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_secs(2));
        }
    });
    // An error without our state is not believed; the wait goes on.
    let t = Instant::now();
    let wrong = get(port, "/oauth/callback?state=nope&error=access_denied&error_description=forged");
    assert!(wrong.starts_with("HTTP/1.1 400"), "{wrong}");
    assert!(t.elapsed() < Duration::from_secs(1), "served while another client stalls: {:?}", t.elapsed());
    // Our state with an error: refused, and its text reaches the terminal escaped.
    let evil = "%1B%5D0%3Bowned%07%1B%5B2J%0D%0Astsenv%3A%20signed%20in%C2%9B";
    get(port, &format!("/oauth/callback?state={state}&error=access_denied&error_description={evil}"));
    let status = wait_output(child, Duration::from_secs(15));
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(status.status.code(), Some(1), "{rest}");
    assert!(rest.contains("the sign-in was refused in the browser (access_denied"), "{rest}");
    assert!(!rest.contains('\x1b') && !rest.contains('\u{9b}') && !rest.contains('\r'), "{rest:?}");
    assert!(!rest.contains("\nstsenv: signed in"), "{rest}");
    drop(trickler);

    // The deadline holds whatever a client does: login with nobody answering ends in time.
    let mut cmd = home.command(bin());
    cmd.args(["login", "--sso-session", "corp"])
        .env("BROWSER", "true")
        .env("STSENV_SIGNIN_TIMEOUT", "4")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let seen = read_until(&mut stderr, "/authorize?", Duration::from_secs(20));
    let port = port_of(seen.lines().find(|l| l.contains("/authorize?")).unwrap());
    let t = Instant::now();
    let mut slow = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let slowpoke = std::thread::spawn(move || {
        for _ in 0..10 {
            if slow.write_all(b"G").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_secs(2));
        }
    });
    let out = wait_output(child, Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(1));
    assert!(t.elapsed() < Duration::from_secs(7), "a trickling client held the sign-in {:?}", t.elapsed());
    drop(slowpoke);
    let _ = started;
}

#[test]
fn another_users_flood_does_not_starve_the_credential_server() {
    let setpriv = require("setpriv");
    let home = Home::seeds(&moto().url);
    let flood = home.path().join("flood.py");
    // 400 silent connections from uid 65534, held open, and 16,000 more sockets of theirs in the
    // machine's table (7,000 connected pairs): then the owner's SDK asks 100 times.
    std::fs::write(
        &flood,
        "import resource, socket, sys, time\nport = int(sys.argv[1])\nsocks = []\n\
         hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]\n\
         resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))\n\
         for _ in range(400):\n    s = socket.socket(); s.connect(('127.0.0.1', port)); socks.append(s)\n\
         l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(4096)\n\
         for _ in range(min(8000, (hard - 600) // 2)):\n    socks.append(socket.create_connection(l.getsockname())); socks.append(l.accept()[0])\n\
         print('flooding', len(socks), flush=True)\ntime.sleep(60)\n",
    )
    .unwrap();
    std::fs::set_permissions(home.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&flood, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let script = format!(
        "port=${{AWS_CONTAINER_CREDENTIALS_FULL_URI##*:}}; port=${{port%/}}\n\
         {} --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 {} $port > flood.out 2>&1 &\n\
         for i in $(seq 300); do grep -q flooding flood.out 2>/dev/null && break; sleep 0.1; done\n\
         cat flood.out\n\
         python -c '\nimport boto3, os, time, urllib.request\nworst = 0\nstart = time.time()\nfor _ in range(100):\n    t = time.time()\n    r = urllib.request.Request(os.environ[\"AWS_CONTAINER_CREDENTIALS_FULL_URI\"], headers={{\"Authorization\": os.environ[\"AWS_CONTAINER_AUTHORIZATION_TOKEN\"]}})\n    urllib.request.urlopen(r, timeout=10).read()\n    worst = max(worst, time.time() - t)\nprint(\"WORST\", worst)\nprint(\"ALL\", time.time() - start)\nprint(\"ARN\", boto3.session.Session().client(\"sts\").get_caller_identity()[\"Arn\"])'\n\
         kill %1",
        setpriv.display(),
        flood.display()
    );
    let mut cmd = home.command(bin());
    cmd.args(["exec", "--server", "s3FullforAssumeRole", "--token-code", "123456", "--", "bash", "-c", &script]);
    let out = output_within(&mut cmd, Duration::from_secs(120));
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("flooding"), "the flood did not start: {stdout}");
    let worst: f64 = stdout.split("WORST ").nth(1).unwrap().lines().next().unwrap().parse().unwrap();
    let all: f64 = stdout.split("ALL ").nth(1).unwrap().lines().next().unwrap().parse().unwrap();
    println!("owner requests under the flood: worst {worst:.3} s, 100 in {all:.3} s");
    assert!(worst < 1.0, "{worst} s");
    // Each check is one lookup of the client's socket, not a read of the whole table (which
    // took 30 ms a request with this many sockets).
    assert!(all < 1.5, "100 requests took {all} s");
    assert!(stdout.contains("ARN arn:aws:sts::123456789012:assumed-role/s3FullforAssumeRole/"), "{stdout}");
}

#[test]
fn no_copy_of_the_keys_outlives_a_kill_and_created_directories_are_private() {
    let home = Home::seeds(&moto().url);
    // A large credentials file (long comment lines around the keys).
    let line = format!("# {}\n", "x".repeat(1000));
    let big = format!("{}{CREDENTIALS}", line.repeat(200_000));
    std::fs::write(home.aws_file("credentials"), &big).unwrap();
    drop(big);
    let strays = || -> Vec<String> {
        std::fs::read_dir(home.path().join(".aws"))
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with(".stsenv"))
            .collect()
    };
    // Warm the MFA session, so each run goes straight to the rewrite.
    let out = home.stsenv(&["session", "--token-code", "123456", "--shell", "bash"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for delay in [50, 200, 400, 700, 1000, 1500] {
        let mut child = home.spawn(&["session", "--write-profile", "mfa"]);
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert_eq!(strays(), Vec::<String>::new(), "a copy survived a kill -9 after {delay} ms");
    }
    let out = home.stsenv(&["session", "--write-profile", "mfa"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(strays().is_empty());

    // An older stsenv's leftover (dead writer) is removed by the next write.
    std::fs::write(home.path().join(".aws/.stsenv-999999-AbCdEf"), "secret copy").unwrap();
    let out = home.stsenv(&["session", "--write-profile", "mfa"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(strays().is_empty(), "{:?}", strays());

    // umask 000: what stsenv creates is private all the same.
    let script = "umask 000; AWS_CONFIG_FILE=$HOME/new/dir/config XDG_CACHE_HOME=$HOME/newcache \
                  stsenv credential-process default --write-config ide";
    let mut cmd = home.command("bash");
    cmd.args(["-c", script]);
    let out = output_within(&mut cmd, Duration::from_secs(60));
    assert!(out.status.success(), "{}", text(&out.stderr));
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &str| std::fs::metadata(home.path().join(p)).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
    assert_eq!(mode("new/dir"), 0o700);
    assert_eq!(mode("new"), 0o700);
    assert_eq!(mode("new/dir/config"), 0o600);
    assert_eq!(mode("newcache"), 0o700);
    assert_eq!(mode("newcache/stsenv"), 0o700);
}

#[test]
fn processes_holding_secrets_dump_no_core_and_their_commands_get_the_users_limit_back() {
    let home = Home::seeds(&moto().url);
    // The server holds a session for as long as the command runs.
    let probe = home.path().join("probe.sh");
    std::fs::write(
        &probe,
        "grep 'Max core file size' /proc/$PPID/limits | awk '{print \"CORE\", $5}'\nulimit -c | sed 's/^/CHILD /'\n",
    )
    .unwrap();
    let mut cmd = home.command("bash");
    cmd.args([
        "-c",
        &format!(
            "ulimit -c unlimited; stsenv exec --server s3FullforAssumeRole --token-code 123456 -- bash {}",
            probe.display()
        ),
    ]);
    let out = output_within(&mut cmd, Duration::from_secs(60));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("CORE 0"), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("CHILD unlimited"), "the command's own limit: {stdout}");

    // Not dumpable: as another user, stsenv's /proc files belong to root (no ptrace, no core).
    let setpriv = require("setpriv");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".aws")).unwrap();
    std::fs::write(dir.path().join(".aws/config"), CONFIG_WITH_PROCESS).unwrap();
    let chown = std::process::Command::new("chown").args(["-R", "65534:65534"]).arg(dir.path()).status().unwrap();
    assert!(chown.success());
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut cmd = std::process::Command::new(setpriv);
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(bin())
        .args(["exec", "slow", "--", "true"])
        .env_clear()
        .env("HOME", dir.path())
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    // credential_process of `slow` sleeps: stsenv is waiting, keys in hand soon.
    std::thread::sleep(Duration::from_millis(500));
    use std::os::unix::fs::MetadataExt;
    let owner = std::fs::metadata(format!("/proc/{}/environ", child.id())).unwrap().uid();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(owner, 0, "stsenv's /proc files belong to the user: it is dumpable");
}

const CONFIG_WITH_PROCESS: &str = "[profile slow]\ncredential_process = sleep 5\n";

#[test]
fn dotenv_reads_back_exactly_with_interpolation_or_names_what_it_cannot_hold() {
    let config =
        "[profile dollar]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = default\nregion = eu-west-1\n";
    let stub = common::http::Server::start(|req| match req.action().as_str() {
        "GetCallerIdentity" => common::http::sts_identity("arn:aws:iam::123456789012:user/alice"),
        action => common::http::sts_credentials(
            action,
            "ASIAEXAMPLE",
            "se${HOME}cret$USER\\${x}'",
            "tok",
            "2099-01-01T00:00:00Z",
        ),
    });
    let home = Home::with(&stub.url, config, CREDENTIALS);
    let out = home.stsenv(&["assume", "dollar", "--format", "dotenv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("AWS_SECRET_ACCESS_KEY holds a ${…}"), "{}", text(&out.stderr));

    // `$` alone is fine: python-dotenv's default mode (interpolate=True) reads it back.
    let stub = common::http::Server::start(|req| match req.action().as_str() {
        "GetCallerIdentity" => common::http::sts_identity("arn:aws:iam::123456789012:user/alice"),
        action => {
            common::http::sts_credentials(action, "ASIAEXAMPLE", "a$USER b'\\c{d}", "tok", "2099-01-01T00:00:00Z")
        }
    });
    let home = Home::with(&stub.url, config, CREDENTIALS);
    let out = home.stsenv(&["assume", "dollar", "--format", "dotenv"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let file = home.path().join("creds.env");
    std::fs::write(&file, &out.stdout).unwrap();
    let read = "import json, sys; from dotenv import dotenv_values; print(json.dumps(dotenv_values(sys.argv[1])))";
    let out = home.command(venv("python")).args(["-c", read]).arg(&file).output().unwrap();
    let values: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(values["AWS_SECRET_ACCESS_KEY"], "a$USER b'\\c{d}");
}

#[test]
fn names_case_and_default_cannot_take_over_a_profile_as_botocore_reads_it() {
    // `[profile default]` is the default profile: --write-config default must not add a [default].
    let config = "[profile default]\nrole_arn = arn:aws:iam::123456789012:role/Mine\nsource_profile = test_iam_user\n\n\
                  [profile Upper]\nRole_Arn = arn:aws:iam::123456789012:role/Up\nSource_Profile = test_iam_user\n";
    let home = Home::with(&moto().url, config, CREDENTIALS);
    let out = home.stsenv(&["credential-process", "test_iam_user", "--write-config", "default"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // Keys are read in any case, as both SDKs read them.
    let out = home.stsenv(&["credential-process", "test_iam_user", "--write-config", "Upper"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // Quoted names (botocore shlex-splits them) and configparser's DEFAULT are refused.
    for name in ["\"default\"", "'x y'", "DEFAULT"] {
        let out = home.stsenv(&["credential-process", "test_iam_user", "--write-config", name]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out.stderr));
        let out = home.stsenv(&["session", "test_iam_user", "--token-code", "123456", "--write-profile", name]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("cannot be a profile name"), "{name}: {}", text(&out.stderr));
    }
    assert_eq!(std::fs::read_to_string(home.aws_file("config")).unwrap(), config);
    assert_eq!(std::fs::read_to_string(home.aws_file("credentials")).unwrap(), CREDENTIALS);

    // Long-term keys written in capitals are long-term keys: not overwritten without --force.
    let upper = "[out]\nAWS_ACCESS_KEY_ID = AKIAI44QH8DHBEXAMPLE\nAWS_SECRET_ACCESS_KEY = x\n";
    std::fs::write(home.aws_file("credentials"), format!("{CREDENTIALS}\n{upper}")).unwrap();
    let out = home.stsenv(&["session", "test_iam_user", "--token-code", "123456", "--write-profile", "out"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("holds long-term keys"), "{}", text(&out.stderr));

    // man --dir makes private directories whatever the umask.
    let mut cmd = home.command("bash");
    cmd.args(["-c", "umask 000; stsenv man --dir ~/.local/share/man/man1"]);
    let out = output_within(&mut cmd, Duration::from_secs(30));
    assert!(out.status.success(), "{}", text(&out.stderr));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(home.path().join(".local")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}
