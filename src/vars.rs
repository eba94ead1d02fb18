//! Which environment variables a session sets, hides and restores. The renderer turns these
//! into shell code; nothing here knows shell syntax.
//!
//! Like direnv, the first `assume` of a chain of sessions saves what it is about to change
//! (`STSENV_SAVED` lists the names that had a value, `STSENV_SAVED_<NAME>` holds each value),
//! and `unset` — or the expiry hook — brings exactly that back.

use crate::creds::{Credentials, rfc3339};
use std::path::PathBuf;

/// Every variable `assume` or `session` may set, in output order. `STSENV_VARS` lists the
/// ones a given session set, so that `unset` and the expiry hook remove exactly those.
pub const MANAGED: [&str; 11] = [
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "STSENV_PROFILE",
    "STSENV_EXPIRES_AT",
    "STSENV_REQUEST",
    "STSENV_VARS",
];

/// Variables that would make an SDK prefer something other than the exported keys.
pub const SHADOWING: [&str; 3] = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"];

/// What the user may have had before the first `assume`, and gets back on `unset`: the
/// AWS variables a session sets, and those it hides. The shell hooks carry the same list.
pub fn saved_names() -> impl Iterator<Item = &'static str> {
    let shadowing = SHADOWING.iter().copied().filter(|n| !MANAGED.contains(n));
    MANAGED.iter().copied().filter(|n| n.starts_with("AWS_")).chain(shadowing)
}

/// One change to the environment, in the order the shell should apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Export NAME=VALUE.
    Set(String, String),
    /// Remove NAME from this shell (in fish a universal variable of that name shows again).
    Remove(String),
    /// Make sure NAME does not reach child processes. fish cannot un-export a universal
    /// variable in one session, so there it is shadowed by the fallback value instead.
    Hide(String, Option<String>),
    /// Put back a value saved by the first `assume` (in fish a universal variable wins).
    Restore(String, String),
}

#[derive(Debug, Default)]
pub struct Changes {
    pub ops: Vec<Op>,
    /// A file whose change should reload direnv (the cache entry these credentials came from).
    pub watch: Option<PathBuf>,
}

impl Changes {
    /// The names this changes, for tests and messages.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// Reads the environment; a function so tests can hand in their own.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn real_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// What the session looks like to the shell: its label, and for fish the profile that a
/// universal `AWS_PROFILE` is shadowed with (one that exists, so SDKs load its settings and
/// still take the exported keys).
pub struct Session<'a> {
    pub label: &'a str,
    pub creds: &'a Credentials,
    pub region: Option<&'a str>,
    pub config_profile: Option<&'a str>,
    /// What was asked (`assume ARN --source-profile P --duration 2h`), for `stsenv renew`.
    pub request: Option<String>,
    /// AWS_PROFILE mode: this profile (whose credential_process is stsenv) instead of keys,
    /// valid with no prompt until `expires_at`.
    pub profile_env: Option<ProfileEnv<'a>>,
}

pub struct ProfileEnv<'a> {
    pub profile: &'a str,
    pub expires_at: Option<i64>,
}

/// The variables for a session. Names the previous session set and this one does not get
/// their saved value back (or are removed), so nothing stale survives.
pub fn session(s: &Session, env: Env) -> Changes {
    let creds = s.creds;
    let mut set: Vec<(&'static str, String)> = Vec::new();
    let expires_at = match &s.profile_env {
        // No key, secret or token: every SDK asks the profile, which asks stsenv.
        Some(mode) => {
            set.push(("AWS_PROFILE", mode.profile.to_owned()));
            mode.expires_at
        }
        None => {
            set.push(("AWS_ACCESS_KEY_ID", creds.access_key_id.clone()));
            set.push(("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.clone()));
            if let Some(token) = &creds.session_token {
                set.push(("AWS_SESSION_TOKEN", token.clone()));
            }
            if let Some(at) = creds.expires_at {
                set.push(("AWS_CREDENTIAL_EXPIRATION", rfc3339(at)));
            }
            creds.expires_at
        }
    };
    if let Some(region) = s.region {
        set.push(("AWS_REGION", region.to_owned()));
        set.push(("AWS_DEFAULT_REGION", region.to_owned()));
    }
    set.push(("STSENV_PROFILE", s.label.to_owned()));
    if let Some(at) = expires_at {
        set.push(("STSENV_EXPIRES_AT", at.to_string()));
    }
    if let Some(request) = &s.request {
        set.push(("STSENV_REQUEST", request.clone()));
    }
    let mut names: Vec<&str> = set.iter().map(|(name, _)| *name).collect();
    names.push("STSENV_VARS");
    set.push(("STSENV_VARS", names.join(" ")));

    let mut ops = Vec::new();
    let previous = previous(env);
    if previous.is_empty() {
        // The first session of a chain: remember what was there.
        let had: Vec<&str> = saved_names().filter(|n| env(n).is_some()).collect();
        ops.push(Op::Set("STSENV_SAVED".to_owned(), had.join(" ")));
        for name in had {
            ops.push(Op::Set(format!("STSENV_SAVED_{name}"), env(name).unwrap_or_default()));
        }
    } else {
        let saved = saved(env);
        for name in previous.into_iter().filter(|p| !names.contains(p)) {
            ops.push(match saved.iter().find(|(n, _)| *n == name) {
                Some((_, value)) => Op::Restore(name.to_owned(), value.clone()),
                None => Op::Remove(name.to_owned()),
            });
        }
    }
    // What would make an SDK prefer something else: the profile variables in keys mode,
    // keys (the user's own, saved above) in profile mode.
    let hidden: Vec<&str> = match &s.profile_env {
        None => SHADOWING.to_vec(),
        Some(_) => vec![
            "AWS_DEFAULT_PROFILE",
            "AWS_SECURITY_TOKEN",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_CREDENTIAL_EXPIRATION",
        ],
    };
    for name in hidden {
        let fallback = match name {
            "AWS_SECURITY_TOKEN" => creds.session_token.clone().filter(|_| s.profile_env.is_none()),
            "AWS_PROFILE" | "AWS_DEFAULT_PROFILE" => s.config_profile.map(str::to_owned),
            _ => None,
        };
        ops.push(Op::Hide(name.to_owned(), fallback));
    }
    ops.extend(set.into_iter().map(|(name, value)| Op::Set(name.to_owned(), value)));
    Changes { ops, watch: None }
}

/// Ends the current session: removes what it set and restores what the first `assume`
/// saved. With no stsenv session nothing changes — the user's own variables stay.
pub fn clear(env: Env) -> Changes {
    let previous = previous(env);
    if previous.is_empty() {
        return Changes::default();
    }
    let saved = saved(env);
    let mut ops: Vec<Op> = previous.iter().map(|n| Op::Remove((*n).to_owned())).collect();
    for name in saved_names() {
        match saved.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => ops.push(Op::Restore(name.to_owned(), value.clone())),
            None if SHADOWING.contains(&name) => ops.push(Op::Remove(name.to_owned())),
            None => {}
        }
    }
    for name in saved_names() {
        if env(&format!("STSENV_SAVED_{name}")).is_some() {
            ops.push(Op::Remove(format!("STSENV_SAVED_{name}")));
        }
    }
    if env("STSENV_SAVED").is_some() {
        ops.push(Op::Remove("STSENV_SAVED".to_owned()));
    }
    Changes { ops, watch: None }
}

/// The names in the environment's `STSENV_VARS`, kept only if stsenv manages them: the value
/// comes from the environment and must never smuggle a name into shell code.
fn previous(env: Env) -> Vec<&'static str> {
    let list = env("STSENV_VARS").unwrap_or_default();
    let mut names: Vec<&'static str> =
        MANAGED.iter().copied().filter(|m| list.split_whitespace().any(|n| n == *m)).collect();
    if !names.is_empty() && !names.contains(&"STSENV_VARS") {
        names.push("STSENV_VARS");
    }
    names
}

/// The user's own value of `name`: the environment's, or where a session set it
/// (`STSENV_VARS`), what the first `assume` saved in its place.
pub fn user_value(env: Env, name: &str) -> Option<String> {
    let value = match previous(env).contains(&name) {
        true => saved(env).into_iter().find(|(n, _)| *n == name).map(|(_, v)| v),
        false => env(name),
    };
    value.filter(|v| !v.is_empty())
}

/// The values the first `assume` saved, for the names `STSENV_SAVED` lists.
fn saved(env: Env) -> Vec<(&'static str, String)> {
    let list = env("STSENV_SAVED").unwrap_or_default();
    saved_names()
        .filter(|n| list.split_whitespace().any(|l| l == *n))
        .filter_map(|n| env(&format!("STSENV_SAVED_{n}")).map(|v| (n, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn creds() -> Credentials {
        Credentials {
            access_key_id: "ASIA1".into(),
            secret_access_key: "s".into(),
            session_token: Some("t".into()),
            expires_at: Some(2_000_000_000),
        }
    }

    fn apply(env: &mut HashMap<String, String>, changes: &Changes) {
        for op in &changes.ops {
            match op {
                Op::Set(n, v) | Op::Restore(n, v) => {
                    env.insert(n.clone(), v.clone());
                }
                Op::Remove(n) | Op::Hide(n, _) => {
                    env.remove(n);
                }
            }
        }
    }

    #[test]
    fn unset_restores_what_the_first_assume_found() {
        let mut env: HashMap<String, String> = [("AWS_PROFILE", "work"), ("AWS_REGION", "eu-west-1"), ("HOME", "/h")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let before = env.clone();
        for region in [Some("us-east-1"), None, Some("ap-northeast-1")] {
            let snapshot = env.clone();
            let get = |n: &str| snapshot.get(n).cloned();
            let s = Session {
                label: "p",
                creds: &creds(),
                region,
                config_profile: Some("p"),
                request: None,
                profile_env: None,
            };
            let changes = session(&s, &get);
            apply(&mut env, &changes);
            assert_eq!(env.get("AWS_PROFILE"), None);
            assert_eq!(env.get("AWS_REGION").map(String::as_str), Some(region.unwrap_or("eu-west-1")));
        }
        let snapshot = env.clone();
        apply(&mut env, &clear(&|n: &str| snapshot.get(n).cloned()));
        assert_eq!(env, before);
    }

    #[test]
    fn unset_without_a_session_changes_nothing() {
        let env = |n: &str| (n == "AWS_ACCESS_KEY_ID").then(|| "AKIAUSER".to_owned());
        assert!(clear(&env).is_empty());
    }
}
