//! The AWS profile files (`~/.aws/config`, `~/.aws/credentials`), read with the SDK's own parser.

use crate::client::Endpoint;
use crate::error::{Error, Result, q};
use aws_config::profile::{Profile, ProfileSet};
use aws_runtime::env_config::EnvConfigValue;
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};
use std::borrow::Cow;
use std::path::PathBuf;

/// Keys that give a profile credentials of its own (or name where they are): what the child
/// config of `exec --server` drops from `[default]`, and what `sso populate --copy-from` never copies.
pub const CREDENTIAL_KEYS: [&str; 17] = [
    "stsenv_keys",
    "login_session",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "role_arn",
    "source_profile",
    "credential_source",
    "credential_process",
    "web_identity_token_file",
    "sso_session",
    "sso_start_url",
    "sso_region",
    "sso_account_id",
    "sso_role_name",
    "mfa_serial",
];

/// One setting of a profile as the file has it; `nested` holds the indented `key = value`
/// lines under a key with no value of its own (`s3 =`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub nested: Vec<(String, String)>,
}

/// A value without an inline comment (` #…` or ` ;…`, after white space).
fn strip_comment(value: &str) -> &str {
    let cut = value.char_indices().find(|&(i, c)| matches!(c, '#' | ';') && value[..i].ends_with(char::is_whitespace));
    cut.map_or(value, |(i, _)| &value[..i])
}

pub struct Profiles {
    set: ProfileSet,
    pub config_file: PathBuf,
    pub credentials_file: PathBuf,
}

/// The profile used when none is named: AWS CLI v2 order, `AWS_PROFILE` > `AWS_DEFAULT_PROFILE`.
pub fn default_profile() -> String {
    ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "default".to_owned())
}

impl Profiles {
    /// Loads both files; `selected` is the profile whose `endpoint_url` and `[services]` apply.
    pub fn load(selected: &str) -> Result<Self> {
        let (fs, env, files) = (Fs::real(), Env::real(), EnvConfigFiles::default());
        let load = aws_config::profile::load(&fs, &env, &files, Some(Cow::Owned(selected.to_owned())));
        let set = block_on_ready(load)?.map_err(|err| {
            // The cause alone ("error parsing FILE on line N: …"): the wrapper only repeats it.
            let text = std::error::Error::source(&err).map_or_else(|| err.to_string(), |s| s.to_string());
            Error::new(crate::error::printable(&text.replace("\n ", " ").replace('\n', " "))).hint("fix the file's syntax")
        })?;
        Ok(Profiles {
            set,
            config_file: file_path("AWS_CONFIG_FILE", "config"),
            credentials_file: file_path("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        })
    }

    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.set.get_profile(name)
    }

    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.set.profiles().collect();
        names.sort_unstable();
        names
    }

    /// The profiles a person picks from: without the ones `--profile-env` keeps for itself.
    pub fn own_names(&self) -> Vec<&str> {
        let own = |n: &&str| self.get(n).and_then(|p| value(p, "stsenv_profile_env")).is_none();
        self.names().into_iter().filter(own).collect()
    }

    /// Where STS calls go.
    pub fn sts_endpoint(&self) -> Result<Endpoint> {
        self.endpoint("STS")
    }

    pub fn sso_session_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.set.sso_sessions().collect();
        names.sort_unstable();
        names
    }

    pub fn sso_session(&self, name: &str) -> Option<&aws_runtime::env_config::section::SsoSession> {
        self.set.sso_session(name)
    }

    /// A service's endpoint, by the SDK's rules: the override `AWS_ENDPOINT_URL_<SERVICE>` >
    /// `AWS_ENDPOINT_URL` > the selected profile's `[services]` > its `endpoint_url`; and the
    /// FIPS / dual-stack variants, `AWS_USE_FIPS_ENDPOINT` > `use_fips_endpoint` (the same
    /// for dual-stack). `service_id` as the SDK names it: "STS", "SSO", "SSO OIDC".
    pub fn endpoint(&self, service_id: &str) -> Result<Endpoint> {
        let ignore = std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
            || self.set.get("ignore_configured_endpoint_urls").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let env = Env::real();
        let url = EnvConfigValue::new()
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .service_id(service_id)
            .load(&env, Some(&self.set))
            .map(|(value, _)| value.into_owned())
            .filter(|_| !ignore);
        Ok(Endpoint {
            url,
            fips: self.flag("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")?,
            dual_stack: self.flag("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")?,
        })
    }

    /// A true/false setting from the environment, else the selected profile.
    fn flag(&self, var: &str, key: &str) -> Result<bool> {
        let env = Env::real();
        let Some((text, origin)) = EnvConfigValue::new().env(var).profile(key).load(&env, Some(&self.set)) else {
            return Ok(false);
        };
        match text.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => {
                use aws_types::origin::Origin;
                let origin: Origin = (&origin).into();
                let from_env =
                    [Origin::shared_environment_variable(), Origin::service_environment_variable()].contains(&origin);
                let error =
                    Error::new(format!("{} = {} is not true or false", if from_env { var } else { key }, q(&text)));
                Err(if from_env {
                    error.hint(format!("set {var} to true or false"))
                } else {
                    let profile = self.set.selected_profile();
                    error
                        .profile(profile)
                        .at(self.locate(profile, Some(key)))
                        .hint(format!("set {key} to true or false"))
                })
            }
        }
    }

    /// Neither file exists: a new machine, before `aws configure`.
    pub fn no_files(&self) -> Option<Error> {
        if self.config_file.exists() || self.credentials_file.exists() {
            return None;
        }
        Some(
            Error::new(format!(
                "no AWS profile files: neither {} nor {} exists",
                self.config_file.display(),
                self.credentials_file.display()
            ))
            .hint(
                "run `aws configure` (IAM user keys) or `aws configure sso`, or point AWS_CONFIG_FILE at your config",
            ),
        )
    }

    /// Close profile names, for "did you mean".
    pub fn similar(&self, name: &str) -> Vec<&str> {
        close_names(name, self.own_names())
    }

    /// The file and line of a profile's section, or of one of its keys, for error messages.
    /// The SDK's parser keeps no positions, so this scans the text.
    pub fn locate(&self, profile: &str, key: Option<&str>) -> Option<(PathBuf, usize)> {
        let config_headers = [format!("profile {profile}"), profile.to_owned()];
        let in_config = locate_in(&self.config_file, &config_headers, key);
        in_config.or_else(|| locate_in(&self.credentials_file, &[profile.to_owned()], key))
    }
}

impl Profiles {
    /// The settings of a profile's section in the config file, in file order, with the
    /// nested blocks AWS's docs use (`s3 =` then indented `max_concurrent_requests = 20`) as
    /// such: the SDK's parser keeps no order and shows no key list. Inline ` #`/` ;` comments
    /// are left out, as the Rust SDK reads them.
    pub fn settings_in_config(&self, profile: &str) -> Vec<Setting> {
        let section = if profile == "default" { "default".to_owned() } else { format!("profile {profile}") };
        let text = std::fs::read_to_string(&self.config_file).unwrap_or_default();
        let mut inside = false;
        let mut settings: Vec<Setting> = Vec::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with('[') {
                inside = crate::credentials_file::readings(line).contains(&section);
                continue;
            }
            if !inside || trimmed.starts_with(['#', ';']) {
                continue;
            }
            let Some((key, value)) = trimmed.split_once('=') else { continue };
            let (key, value) = (key.trim().to_ascii_lowercase(), strip_comment(value).trim().to_owned());
            if line.starts_with([' ', '\t']) {
                // Nested under the last top-level key, if that one opened a block.
                if let Some(last) = settings.last_mut().filter(|s| s.value.is_empty()) {
                    last.nested.push((key, value));
                }
            } else if let Some(same) = settings.iter_mut().find(|s| s.key == key) {
                (same.value, same.nested) = (value, Vec::new()); // last wins, as both SDKs read it
            } else {
                settings.push(Setting { key, value, nested: Vec::new() });
            }
        }
        settings
    }

    /// The file and line of any section header of the config file, e.g. `sso-session corp`.
    pub fn locate_section(&self, header: &str) -> Option<(PathBuf, usize)> {
        locate_in(&self.config_file, &[header.to_owned()], None)
    }
}

fn locate_in(path: &PathBuf, headers: &[String], key: Option<&str>) -> Option<(PathBuf, usize)> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut in_section = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.split(']').next()) {
            let header = header.split_whitespace().collect::<Vec<_>>().join(" ");
            in_section = headers.contains(&header);
            if in_section && key.is_none() {
                return Some((path.clone(), index + 1));
            }
        } else if let (true, Some(key)) = (in_section, key)
            && trimmed.split('=').next().is_some_and(|k| k.trim() == key)
        {
            return Some((path.clone(), index + 1));
        }
    }
    None
}

/// A profile file's path: `var` (with `~` expanded, as the SDKs do), else `~/.aws/NAME`.
pub fn file_path(var: &str, name: &str) -> PathBuf {
    let home = || std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    match std::env::var(var) {
        Ok(path) if path == "~" => home(),
        Ok(path) => match path.strip_prefix("~/") {
            Some(rest) => home().join(rest),
            None => PathBuf::from(path),
        },
        Err(_) => home().join(".aws").join(name),
    }
}

/// Runs a future that never waits. The SDK's profile loader is `async` in signature only
/// (it reads with `std::fs`), so no runtime is started on the cache-hit path.
fn block_on_ready<F: std::future::Future>(future: F) -> Result<F::Output> {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => Ok(value),
        Poll::Pending => Err(Error::new("internal: profile loading did not complete synchronously")),
    }
}

/// The `candidates` close to `name`, best first, at most three: what "did you mean" offers.
/// Close in both senses, case aside: a shared prefix alone (Jaro-Winkler) would offer
/// `nosource` for `nosuchprofilexyz`, so the edit distance must be small too.
pub fn close_names<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let name = name.to_lowercase();
    let most = (name.chars().count() / 3).max(2);
    let mut close: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|n| (n.to_lowercase(), n))
        .filter(|(lower, _)| strsim::levenshtein(lower, &name) <= most)
        .map(|(lower, n)| (strsim::jaro_winkler(&lower, &name), n))
        .filter(|(score, _)| *score > 0.85)
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0));
    close.into_iter().take(3).map(|(_, n)| n).collect()
}

/// Reads a key of a profile, treating empty values as absent.
pub fn value<'a>(profile: &'a Profile, key: &str) -> Option<&'a str> {
    profile.get(key).map(str::trim).filter(|v| !v.is_empty())
}

pub fn unknown(profiles: &Profiles, name: &str) -> Error {
    let similar = profiles.similar(name);
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c));
    let hint = if !valid {
        "profile names use only A-Z a-z 0-9 and _-/.%@:+".to_owned()
    } else if similar.is_empty() {
        let header = if name == "default" { "[default]".to_owned() } else { format!("[profile {name}]") };
        format!(
            "add {header} to {} or [{name}] to {}",
            profiles.config_file.display(),
            profiles.credentials_file.display()
        )
    } else {
        format!(
            "did you mean {}? (for a role named {} in the source account, add --role)",
            similar.iter().map(|s| q(s)).collect::<Vec<_>>().join(" or "),
            q(name)
        )
    };
    Error::new("no such profile").profile(name).hint(hint)
}
