//! Narrowing a role on the way in: session policies (`--policy`, `--policy-arn`,
//! `--read-only`), session tags (`--tag`, `--transitive-tag`) and a source identity — from
//! the command line, and from the profile with aws-vault's keys (`session_tags = k=v,k2=v2`,
//! `transitive_session_tags = k,k2`, `source_identity = NAME`), so existing configs work.
//! Checked against AWS's limits before any call; part of the step's cache key, so narrowed
//! credentials are never handed out for the unnarrowed request or the other way round.

use crate::error::{Error, Result, q};
use crate::profile::{Profiles, value};

/// AWS's limits (STS AssumeRole).
const POLICY_CHARS: usize = 2048;
const POLICY_ARNS: usize = 10;
const TAGS: usize = 50;
const TAG_KEY: usize = 128;
const TAG_VALUE: usize = 256;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrowing {
    /// An inline session policy, minified.
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub tags: Vec<(String, String)>,
    pub transitive: Vec<String>,
    pub source_identity: Option<String>,
}

/// What the command line asks for, before the role's partition is known (`--read-only`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asked {
    pub narrowing: Narrowing,
    pub read_only: bool,
}

impl Narrowing {
    pub fn is_empty(&self) -> bool {
        *self == Narrowing::default()
    }

    /// From a role profile's aws-vault keys; errors name the file and line.
    pub fn of_profile(profiles: &Profiles, name: &str, p: &aws_config::profile::Profile) -> Result<Narrowing> {
        let at = |key: &str| profiles.locate(name, Some(key));
        let mut tags = Vec::new();
        if let Some(list) = value(p, "session_tags") {
            for pair in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let (k, v) = pair.split_once('=').ok_or_else(|| {
                    Error::new(format!("session_tags entry {} has no `=`", q(pair)))
                        .profile(name)
                        .at(at("session_tags"))
                        .hint("write session_tags = key=value,key2=value2")
                })?;
                set_tag(&mut tags, k.trim(), v.trim());
            }
        }
        let transitive = value(p, "transitive_session_tags")
            .map(|l| l.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        let narrowing = Narrowing {
            policy: None,
            policy_arns: Vec::new(),
            tags,
            transitive,
            source_identity: value(p, "source_identity").map(str::to_owned),
        };
        narrowing.check().map_err(|e| e.profile(name).at(at("session_tags").or(at("source_identity"))))?;
        Ok(narrowing)
    }

    /// The command line's over the profile's: its tags replace those of the same key, its
    /// policies and source identity are added or replace.
    pub fn with(mut self, asked: &Asked, role_arn: Option<&str>) -> Result<Narrowing> {
        let n = &asked.narrowing;
        if n.policy.is_some() {
            self.policy.clone_from(&n.policy);
        }
        self.policy_arns.extend(n.policy_arns.iter().cloned());
        if asked.read_only {
            // The AWS managed read-only policy of the role's partition.
            let partition = role_arn.and_then(|a| a.split(':').nth(1)).unwrap_or("aws");
            self.policy_arns.push(format!("arn:{partition}:iam::aws:policy/ReadOnlyAccess"));
        }
        self.policy_arns.dedup();
        for (k, v) in &n.tags {
            set_tag(&mut self.tags, k, v);
        }
        for k in &n.transitive {
            if !self.transitive.contains(k) {
                self.transitive.push(k.clone());
            }
        }
        if n.source_identity.is_some() {
            self.source_identity.clone_from(&n.source_identity);
        }
        self.check()?;
        Ok(self)
    }

    /// AWS's limits, one clear line each, before any call.
    pub fn check(&self) -> Result<()> {
        if let Some(policy) = &self.policy
            && policy.chars().count() > POLICY_CHARS
        {
            return Err(Error::new(format!(
                "the session policy has {} characters packed; AWS takes at most {POLICY_CHARS}",
                policy.chars().count()
            ))
            .hint("shorten it, or use --policy-arn with a managed policy"));
        }
        if self.policy_arns.len() > POLICY_ARNS {
            return Err(Error::new(format!(
                "{} session policy ARNs; AWS takes at most {POLICY_ARNS}",
                self.policy_arns.len()
            )));
        }
        for arn in &self.policy_arns {
            let parts: Vec<&str> = arn.splitn(6, ':').collect();
            let ok = parts.len() == 6
                && parts[0] == "arn"
                && parts[1].starts_with("aws")
                && parts[2] == "iam"
                && (parts[4] == "aws" || (parts[4].len() == 12 && parts[4].bytes().all(|b| b.is_ascii_digit())))
                && parts[5].starts_with("policy/");
            if !ok {
                return Err(Error::new(format!("{} is not an IAM policy ARN", q(arn)))
                    .hint("e.g. arn:aws:iam::aws:policy/ReadOnlyAccess"));
            }
        }
        if self.tags.len() > TAGS {
            return Err(Error::new(format!("{} session tags; AWS takes at most {TAGS}", self.tags.len())));
        }
        for (k, v) in &self.tags {
            if k.is_empty() || k.chars().count() > TAG_KEY || !k.chars().all(tag_char) {
                return Err(Error::new(format!("session tag key {} is not one AWS takes", q(k)))
                    .hint(format!("1-{TAG_KEY} letters, digits, spaces and _.:/=+-@")));
            }
            if v.chars().count() > TAG_VALUE || !v.chars().all(tag_char) {
                return Err(Error::new(format!("the value of session tag {} is not one AWS takes", q(k)))
                    .hint(format!("0-{TAG_VALUE} letters, digits, spaces and _.:/=+-@")));
            }
        }
        for k in &self.transitive {
            if !self.tags.iter().any(|(t, _)| t == k) {
                return Err(Error::new(format!("transitive tag {} is not one of the session tags", q(k)))
                    .hint(format!("add --tag {k}=VALUE (or list it in session_tags)")));
            }
        }
        if let Some(id) = &self.source_identity {
            let ok = (2..=64).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
            if !ok {
                return Err(Error::new(format!("source identity {} is not one AWS takes", q(id)))
                    .hint("2-64 characters from A-Z a-z 0-9 and _+=,.@-"));
            }
        }
        Ok(())
    }

    /// Everything in it, for the step's cache key (empty when nothing narrows).
    pub fn fingerprint(&self) -> String {
        if self.is_empty() {
            return String::new();
        }
        serde_json::json!([self.policy, self.policy_arns, self.tags, self.transitive, self.source_identity]).to_string()
    }

    /// For `--dry-run`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.policy {
            parts.push(format!("session policy ({} characters)", p.chars().count()));
        }
        if !self.policy_arns.is_empty() {
            parts.push(format!("policy ARNs {}", self.policy_arns.join(" ")));
        }
        if !self.tags.is_empty() {
            let tags: Vec<String> = self.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            parts.push(format!("tags {}", tags.join(",")));
        }
        if !self.transitive.is_empty() {
            parts.push(format!("transitive {}", self.transitive.join(",")));
        }
        if let Some(id) = &self.source_identity {
            parts.push(format!("source identity {id}"));
        }
        parts.join(", ")
    }

    /// The command-line words that ask for it again (`stsenv renew`, credential_process).
    pub fn words(asked: &Asked) -> Vec<String> {
        let n = &asked.narrowing;
        let mut words = Vec::new();
        if let Some(p) = &n.policy {
            words.extend(["--policy".to_owned(), p.clone()]);
        }
        for arn in &n.policy_arns {
            words.extend(["--policy-arn".to_owned(), arn.clone()]);
        }
        if asked.read_only {
            words.push("--read-only".to_owned());
        }
        for (k, v) in &n.tags {
            words.extend(["--tag".to_owned(), format!("{k}={v}")]);
        }
        for k in &n.transitive {
            words.extend(["--transitive-tag".to_owned(), k.clone()]);
        }
        if let Some(id) = &n.source_identity {
            words.extend(["--source-identity".to_owned(), id.clone()]);
        }
        words
    }
}

/// `--policy FILE|JSON`: JSON as given, or the file's; minified (what AWS counts).
pub fn policy(arg: &str) -> Result<String> {
    let text = if arg.trim_start().starts_with('{') {
        arg.to_owned()
    } else {
        std::fs::read_to_string(arg).map_err(|e| {
            Error::new(format!("cannot read the session policy {}: {e}", q(arg))).hint("give a file or the JSON itself")
        })?
    };
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::new(format!("the session policy is not JSON: {e}")).hint("an IAM policy document, {\"Version\": …}")
    })?;
    Ok(json.to_string())
}

/// `--tag KEY=VALUE`.
pub fn tag(arg: &str) -> std::result::Result<(String, String), String> {
    arg.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).ok_or_else(|| "a tag is KEY=VALUE".to_owned())
}

fn set_tag(tags: &mut Vec<(String, String)>, key: &str, value: &str) {
    tags.retain(|(k, _)| k != key);
    tags.push((key.to_owned(), value.to_owned()));
}

/// AWS's tag characters: letters, digits, white space and `_.:/=+-@`.
fn tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}
