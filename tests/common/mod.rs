//! Test harness: real moto_server, real shells, a throw-away HOME with the seeds' AWS files,
//! and small local HTTP servers (an STS stub in STS's XML, a request-counting proxy).
//! A missing component fails the test with the command that installs it.
#![allow(dead_code)]

pub mod http;
pub mod shell;
pub mod sso;

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const ACCOUNT: &str = "123456789012";
pub const MFA: &str = "arn:aws:iam::123456789012:mfa/alice";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_stsenv"))
}

const INSTALL: &str = "run `scripts/test.sh`, which installs it";

/// A program from the test venv (moto_server, python).
pub fn venv(name: &str) -> PathBuf {
    let dir = std::env::var_os("STSENV_TEST_VENV").map_or_else(|| repo().join(".venv"), PathBuf::from);
    let path = dir.join("bin").join(name);
    assert!(path.exists(), "{} is missing: {INSTALL}", path.display());
    path
}

/// A program that must be on PATH (bash, zsh, fish, direnv, strace …).
pub fn require(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not installed: {INSTALL}"))
}

/// The shell a test runs: the system's, or the old releases `scripts/test-old-shells.sh` names
/// (STSENV_TEST_PEERS: bash 3.2 and fish 3.3 as in ../shared/peers; STSENV_TEST_NU: a nu binary).
pub fn shell_program(kind: &str) -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let old = match (kind, var("STSENV_TEST_PEERS"), var("STSENV_TEST_NU")) {
        ("bash", Some(peers), _) => Some(peers.join("bash-3.2/bin/bash")),
        ("fish", Some(peers), _) => Some(peers.join("fish-3.3/bin/fish")),
        ("nu", _, Some(nu)) => Some(nu),
        _ => None,
    };
    match old {
        Some(path) => {
            assert!(path.is_file(), "{} is missing: see ../shared/peers/README.md", path.display());
            path
        }
        None => require(kind),
    }
}

pub struct Moto {
    pub url: String,
    // Closing this (when the test binary exits) stops the server: see `start_moto`.
    _stdin: ChildStdin,
    _child: Child,
}

/// One moto_server per test binary, on a free loopback port.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(start_moto)
}

fn start_moto() -> Moto {
    let server = venv("moto_server");
    let port = free_port();
    // The shell waits on our stdin and kills moto when it closes, so no server outlives
    // the test binary, however it ends.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#""$0" -H 127.0.0.1 -p "$1" >/dev/null 2>&1 & pid=$!; read _; kill $pid"#)
        .arg(&server)
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .spawn()
        .expect("start moto_server");
    let stdin = child.stdin.take().unwrap();
    wait_for_port(port, Duration::from_secs(30));
    let url = format!("http://127.0.0.1:{port}");
    let setup = Command::new(venv("python"))
        .arg(repo().join("tests/support/moto_setup.py"))
        .env("AWS_ENDPOINT_URL", &url)
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "setup")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .unwrap();
    assert!(setup.status.success(), "moto setup: {}", String::from_utf8_lossy(&setup.stderr));
    Moto { url, _stdin: stdin, _child: child }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for_port(port: u16, limit: Duration) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < limit, "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[test_iam_user]
aws_access_key_id = AKIAI44QH8DHBEXAMPLE
aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY
";

pub const CONFIG: &str = "\
[default]
region = ap-northeast-1
output = json
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile s3FullforAssumeRole]
role_arn = arn:aws:iam::123456789012:role/s3FullforAssumeRole
source_profile = default
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile readonly]
role_arn = arn:aws:iam::123456789012:role/ReadOnly
source_profile = default
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile test]
role_arn = arn:aws:iam::123456789012:role/CREATED_ROLE
source_profile = test_iam_user
mfa_serial = arn:aws:iam::123456789012:mfa/CREATED_MFA
region = us-east-1

[profile chained]
role_arn = arn:aws:iam::123456789012:role/DeployRole
source_profile = s3FullforAssumeRole
role_session_name = deployer
";

/// A throw-away HOME with `~/.aws` files shaped like the seeds', and its own cache.
pub struct Home {
    pub dir: tempfile::TempDir,
    /// Where stsenv sends STS calls (moto, a stub, or a counting proxy).
    pub endpoint: String,
    /// More variables for every command (e.g. the SSO endpoints).
    pub env: Vec<(String, String)>,
}

impl Home {
    pub fn seeds(endpoint: &str) -> Home {
        Home::with(endpoint, CONFIG, CREDENTIALS)
    }

    pub fn with(endpoint: &str, config: &str, credentials: &str) -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/config"), config).unwrap();
        std::fs::write(dir.path().join(".aws/credentials"), credentials).unwrap();
        Home { dir, endpoint: endpoint.to_owned(), env: Vec::new() }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn aws_file(&self, name: &str) -> PathBuf {
        self.path().join(".aws").join(name)
    }

    /// A clean environment: nothing from the developer's own AWS set-up leaks in.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        let venv_bin = venv("python").parent().unwrap().to_owned();
        let path = std::env::join_paths([
            bin().parent().unwrap(),
            &venv_bin,
            Path::new("/usr/local/bin"),
            Path::new("/usr/bin"),
            Path::new("/bin"),
        ])
        .unwrap();
        cmd.env_clear()
            .env("HOME", self.path())
            .env("PATH", path)
            .env("USER", "tester")
            .env("LANG", "C.UTF-8")
            .env("TERM", "xterm")
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("STSENV_TIMEOUT", "3")
            .env("STSENV_NO_COMPLETIONS", "1")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.path());
        cmd
    }

    /// `stsenv init direnv` in direnv's lib, and a directory `name` whose `.envrc` is
    /// `envrc`, allowed. Returns the directory.
    pub fn direnv_project(&self, name: &str, envrc: &str) -> PathBuf {
        let lib = self.path().join(".config/direnv/lib");
        std::fs::create_dir_all(&lib).unwrap();
        std::fs::write(lib.join("stsenv.sh"), self.stsenv(&["init", "direnv"]).stdout).unwrap();
        let project = self.path().join(name);
        std::fs::create_dir_all(&project).unwrap();
        std::fs::write(project.join(".envrc"), envrc).unwrap();
        let allowed = self.command(require("direnv")).arg("allow").arg(&project).output().unwrap();
        assert!(allowed.status.success(), "{}", text(&allowed.stderr));
        project
    }

    pub fn stsenv(&self, args: &[&str]) -> Output {
        self.command(bin()).args(args).stdin(Stdio::null()).output().unwrap()
    }

    /// Starts stsenv in the background (for concurrency tests); see `wait_output`.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(bin())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Runs `script` in a real shell (`bash -c`, `zsh -c`, `fish -c`).
    pub fn shell(&self, shell: &str, script: &str) -> Output {
        let program = shell_program(shell);
        let mut cmd = self.command(program);
        match shell {
            "zsh" => cmd.arg("-f"),
            "fish" => cmd.arg("--no-config"),
            _ => cmd.arg("--norc"),
        };
        cmd.arg("-c").arg(script).stdin(Stdio::null()).output().unwrap()
    }

    /// Runs stsenv with no controlling terminal at all, and fails if it does not end in time.
    pub fn stsenv_detached(&self, args: &[&str]) -> Output {
        let mut cmd = self.command(require("setsid"));
        cmd.arg("-w").arg(bin()).args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let child = cmd.spawn().unwrap();
        wait_output(child, Duration::from_secs(20))
    }
}

/// Runs `cmd` with no stdin and its output captured, failing if it does not end in time.
pub fn output_within(cmd: &mut Command, limit: Duration) -> Output {
    let child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    wait_output(child, limit)
}

pub fn wait_output(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stdout = Vec::new();
            let mut stderr = Vec::new();
            child.stdout.take().map(|mut s| s.read_to_end(&mut stdout));
            child.stderr.take().map(|mut s| s.read_to_end(&mut stderr));
            return Output { status, stdout, stderr };
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("process did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The shell line that checks credentials against moto like the seeds do: who am I
/// (GetCallerIdentity), then make a bucket. Prints `ARN …` and `BUCKET …`.
pub fn check_line(bucket: &str) -> String {
    format!("python {} {bucket}", repo().join("tests/support/aws_check.py").display())
}

/// Asserts every line of `stdout` is shell code stsenv writes, never a message.
pub fn assert_only_shell_code(stdout: &str) {
    assert!(!stdout.is_empty(), "no shell code on stdout");
    for line in stdout.lines() {
        assert!(
            line.starts_with("export ") || line.starts_with("unset ") || line.starts_with("set ") || line == "true",
            "not shell code on stdout: {line:?}"
        );
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}
