//! Opening a URL in a browser: the default one (`$BROWSER`, else `wslview` on WSL, else
//! xdg-open / open when there is a display), or one named with `--browser`/`STSENV_BROWSER`
//! — found the way it installs on Linux, macOS and WSL — with a browser profile
//! (Chromium family `--profile-directory`, Firefox `-P`) or a Firefox container.

use crate::error::{Error, Result, q};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A browser as stsenv starts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Browser {
    /// The command words; the URL goes last.
    pub command: Vec<String>,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Chromium,
    Firefox,
    Safari,
    /// `$BROWSER`, xdg-open, open, wslview, or a command line of the user's.
    Other,
}

/// A browser by name: its kind, Linux commands, macOS app, WSL (Windows) paths.
type Known = (&'static str, Kind, &'static [&'static str], &'static str, &'static [&'static str]);

/// The browsers stsenv knows by name.
const KNOWN: [Known; 9] = [
    (
        "chromium",
        Kind::Chromium,
        &["chromium", "chromium-browser"],
        "Chromium.app/Contents/MacOS/Chromium",
        &["Program Files/Chromium/Application/chrome.exe"],
    ),
    (
        "chrome",
        Kind::Chromium,
        &["google-chrome-stable", "google-chrome"],
        "Google Chrome.app/Contents/MacOS/Google Chrome",
        &[
            "Program Files/Google/Chrome/Application/chrome.exe",
            "Program Files (x86)/Google/Chrome/Application/chrome.exe",
        ],
    ),
    (
        "brave",
        Kind::Chromium,
        &["brave-browser", "brave-browser-stable", "brave"],
        "Brave Browser.app/Contents/MacOS/Brave Browser",
        &["Program Files/BraveSoftware/Brave-Browser/Application/brave.exe"],
    ),
    (
        "edge",
        Kind::Chromium,
        &["microsoft-edge", "microsoft-edge-stable"],
        "Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
        &["Program Files (x86)/Microsoft/Edge/Application/msedge.exe"],
    ),
    (
        "vivaldi",
        Kind::Chromium,
        &["vivaldi", "vivaldi-stable"],
        "Vivaldi.app/Contents/MacOS/Vivaldi",
        &["Program Files/Vivaldi/Application/vivaldi.exe"],
    ),
    (
        "firefox",
        Kind::Firefox,
        &["firefox", "firefox-esr"],
        "Firefox.app/Contents/MacOS/firefox",
        &["Program Files/Mozilla Firefox/firefox.exe"],
    ),
    (
        "firefox-developer",
        Kind::Firefox,
        &["firefox-developer-edition", "firefox-developer"],
        "Firefox Developer Edition.app/Contents/MacOS/firefox",
        &["Program Files/Firefox Developer Edition/firefox.exe"],
    ),
    (
        "librewolf",
        Kind::Firefox,
        &["librewolf"],
        "LibreWolf.app/Contents/MacOS/librewolf",
        &["Program Files/LibreWolf/librewolf.exe"],
    ),
    ("safari", Kind::Safari, &[], "", &[]),
];

/// `--browser NAME|COMMAND` (else `STSENV_BROWSER`): a known name, `default`, or a command line.
pub fn chosen(arg: Option<&str>) -> Result<Option<Browser>> {
    let from_env = std::env::var("STSENV_BROWSER").ok().filter(|b| !b.is_empty());
    let Some(choice) = arg.map(str::to_owned).or(from_env) else { return Ok(None) };
    if choice == "default" {
        return Ok(None);
    }
    if let Some((name, kind, linux, mac, windows)) = KNOWN.iter().find(|k| k.0 == choice) {
        return find(name, *kind, linux, mac, windows).map(Some);
    }
    // Not a name: a command line of the user's (the URL appended), if its program exists.
    let words = shell_words::split(&choice).map_err(|e| Error::new(format!("--browser {}: {e}", q(&choice))))?;
    let names: Vec<&str> = KNOWN.iter().map(|k| k.0).collect();
    match words.first() {
        Some(program) if program.contains('/') || on_path(program).is_some() => {
            Ok(Some(Browser { command: words, kind: Kind::Other }))
        }
        _ => Err(Error::new(format!("unknown browser {}", q(&choice)))
            .hint(format!("use {}, default, or a command line (the URL is appended)", names.join(", ")))),
    }
}

fn find(name: &str, kind: Kind, linux: &[&str], mac: &str, windows: &[&str]) -> Result<Browser> {
    let not_found = || Error::new(format!("{name} is not installed here (or not where it installs)"));
    if kind == Kind::Safari {
        return if cfg!(target_os = "macos") {
            Ok(Browser { command: vec!["open".into(), "-a".into(), "Safari".into()], kind })
        } else {
            Err(Error::new("safari is macOS's").hint("choose another --browser"))
        };
    }
    if cfg!(target_os = "macos") {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        for dir in [PathBuf::from("/Applications"), home.join("Applications")] {
            let app = dir.join(mac);
            if app.is_file() {
                return Ok(Browser { command: vec![app.to_string_lossy().into_owned()], kind });
            }
        }
        return Err(not_found());
    }
    if let Some(path) = linux.iter().find_map(|c| on_path(c)) {
        return Ok(Browser { command: vec![path.to_string_lossy().into_owned()], kind });
    }
    if wsl() {
        for path in windows.iter().map(|w| Path::new("/mnt/c").join(w)) {
            if path.is_file() {
                return Ok(Browser { command: vec![path.to_string_lossy().into_owned()], kind });
            }
        }
    }
    Err(not_found().hint(format!("install it, or name its command: --browser '/path/to/{name}'")))
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// Windows Subsystem for Linux: the browser is a Windows program.
pub fn wsl() -> bool {
    std::env::var_os("WSL_DISTRO_NAME").is_some() || Path::new("/proc/sys/fs/binfmt_misc/WSLInterop").exists()
}

/// A browser on this machine can be opened, so it can reach a loopback redirect: not over
/// SSH, and with a display (or `$BROWSER`, or WSL's `wslview`).
pub fn local() -> bool {
    let ssh = ["SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"].iter().any(|v| std::env::var_os(v).is_some());
    !ssh && default_program().is_some()
}

/// What opens a URL here by default, if anything.
fn default_program() -> Option<String> {
    let from_env = std::env::var("BROWSER").ok().filter(|b| !b.is_empty());
    let graphical = std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    from_env.or_else(|| {
        if wsl() && on_path("wslview").is_some() {
            return Some("wslview".to_owned());
        }
        let candidate = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
        (graphical || cfg!(target_os = "macos")).then(|| candidate.to_owned())
    })
}

/// Opens `url` in the default browser. Whether a browser was started.
pub fn open(url: &str) -> bool {
    let Some(program) = default_program() else { return false };
    let Ok(words) = shell_words::split(&program) else { return false };
    start(&words, &[url.to_owned()])
}

impl Browser {
    /// The words after the command for `url`: a browser profile, a Firefox container.
    pub fn arguments(&self, url: &str, profile: Option<&str>, container: Option<&str>) -> Result<Vec<String>> {
        let mut args = Vec::new();
        match (self.kind, profile) {
            (_, None) => {}
            (Kind::Chromium, Some(p)) => args.push(format!("--profile-directory={p}")),
            (Kind::Firefox, Some(p)) => {
                self.ensure_firefox_profile(p)?;
                args.extend(["-P".to_owned(), p.to_owned()]);
            }
            (_, Some(_)) => {
                return Err(Error::new("--browser-profile needs a Chromium-family browser or Firefox")
                    .hint("name one: --browser chrome|chromium|brave|edge|vivaldi|firefox|librewolf"));
            }
        }
        match (self.kind, container) {
            (Kind::Firefox, Some(name)) => {
                args.extend(["--new-tab".to_owned(), container_url(name, url)]);
            }
            (_, Some(_)) => {
                return Err(Error::new("containers are Firefox's")
                    .hint("add --browser firefox (or firefox-developer, librewolf)"));
            }
            (Kind::Firefox, None) => args.extend(["--new-tab".to_owned(), url.to_owned()]),
            (_, None) => args.push(url.to_owned()),
        }
        Ok(args)
    }

    /// Opens `url`; whether the browser started.
    pub fn open(&self, url: &str, profile: Option<&str>, container: Option<&str>) -> Result<bool> {
        let args = self.arguments(url, profile, container)?;
        Ok(start(&self.command, &args))
    }

    /// `-P NAME` of a profile that does not exist would stop at Firefox's profile manager:
    /// create it first (`-CreateProfile`, headless), and say so.
    fn ensure_firefox_profile(&self, name: &str) -> Result<()> {
        if firefox_profiles().iter().any(|p| p == name) {
            return Ok(());
        }
        let status = Command::new(&self.command[0])
            .args(["--headless", "-CreateProfile", name])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !status.is_ok_and(|s| s.success()) || !firefox_profiles().iter().any(|p| p == name) {
            return Err(Error::new(format!("cannot create Firefox profile {}", q(name)))
                .hint("create it in about:profiles, or leave out --browser-profile"));
        }
        eprintln!("stsenv: created Firefox profile {} (it opens with -P {name})", q(name));
        Ok(())
    }
}

/// The profile names in Firefox's profiles.ini (`~/.mozilla/firefox` when it exists, else
/// `$XDG_CONFIG_HOME/mozilla/firefox`, where Firefox 140+ keeps new ones; macOS's own).
fn firefox_profiles() -> Vec<String> {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let config = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from).unwrap_or_else(|| home.join(".config"));
    let roots = [
        home.join(".mozilla/firefox"),
        config.join("mozilla/firefox"),
        home.join("Library/Application Support/Firefox"),
    ];
    roots
        .iter()
        .filter_map(|root| std::fs::read_to_string(root.join("profiles.ini")).ok())
        .flat_map(|ini| ini.lines().filter_map(|l| l.strip_prefix("Name=").map(str::to_owned)).collect::<Vec<_>>())
        .collect()
}

/// The "Open URL in Container" extension's link (granted's extension takes it too), with a
/// colour and icon that stay the same for a name.
pub fn container_url(name: &str, url: &str) -> String {
    const COLOURS: [&str; 8] = ["blue", "turquoise", "green", "yellow", "orange", "red", "pink", "purple"];
    const ICONS: [&str; 12] = [
        "fingerprint",
        "briefcase",
        "dollar",
        "cart",
        "circle",
        "gift",
        "vacation",
        "food",
        "fruit",
        "pet",
        "tree",
        "chill",
    ];
    // FNV-1a: stable across releases (std's hasher is not).
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let colour = COLOURS[(hash % 8) as usize];
    let icon = ICONS[((hash >> 8) % 12) as usize];
    format!(
        "ext+container:name={}&url={}&color={colour}&icon={icon}",
        crate::signin::encode(name),
        crate::signin::encode(url)
    )
}

/// Starts `command` with `args` (stdin and output closed). A quick failure is a failure.
fn start(command: &[String], args: &[String]) -> bool {
    let Some((program, first)) = command.split_first() else { return false };
    let started = Command::new(program)
        .args(first)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = started else {
        eprintln!("stsenv: could not start {}", q(program));
        return false;
    };
    // xdg-open, open and a browser handing the URL to a running one return at once; a browser
    // itself keeps running. Either way, a quick failure is a failure.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(1500);
    while std::time::Instant::now() < deadline {
        match child.try_wait() {
            Ok(Some(status)) if !status.success() => {
                eprintln!("stsenv: {} failed ({status})", q(program));
                return false;
            }
            Ok(Some(_)) => return true,
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(50)),
            Err(_) => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn containers_get_a_stable_colour_and_icon_and_encoded_values() {
        let a = super::container_url("prod", "http://127.0.0.1:5/x?y=1&z=+");
        assert_eq!(a, super::container_url("prod", "http://127.0.0.1:5/x?y=1&z=+"));
        assert!(
            a.starts_with("ext+container:name=prod&url=http%3A%2F%2F127.0.0.1%3A5%2Fx%3Fy%3D1%26z%3D%2B&color="),
            "{a}"
        );
    }
}
