//! `credential_process` as a source, run like botocore (the AWS CLI) runs it (see `command`),
//! the JSON v1 contract on its stdout. No Expiration means long-term keys: they are never exported.

use crate::creds::Credentials;
use crate::error::{Error, Result, q};
use serde::Deserialize;

/// The profiles being resolved by stsenv processes up the chain: a credential_process that
/// calls stsenv for one of them again would loop forever.
pub const CHAIN_VAR: &str = "STSENV_RESOLVING";

pub fn in_chain(profile: &str) -> bool {
    std::env::var(CHAIN_VAR).is_ok_and(|chain| chain.split(' ').any(|p| p == profile))
}

#[derive(Debug)]
pub struct Process {
    pub profile: String,
    pub command: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Output {
    version: Option<serde_json::Value>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
    expiration: Option<String>,
}

impl Process {
    pub fn new(profile: &str, command: &str) -> Result<Process> {
        let words = shell_words::split(command).map_err(|e| {
            Error::new(format!("its credential_process {} cannot be parsed: {e}", q(command))).profile(profile)
        })?;
        let runs_stsenv = words.first().is_some_and(|w| w.rsplit('/').next() == Some("stsenv"));
        if runs_stsenv && words.iter().any(|w| w == "credential-process") && words.iter().any(|w| w == profile) {
            return Err(Error::new(format!(
                "its credential_process {} runs stsenv for this same profile; that would loop forever",
                q(command)
            ))
            .profile(profile)
            .hint("give stsenv another profile to resolve (e.g. one with source_profile)"));
        }
        Ok(Process { profile: profile.to_owned(), command: command.to_owned() })
    }

    pub fn identity(&self) -> String {
        format!("process\n{}\n{}", self.profile, self.command)
    }

    pub fn credentials(&self) -> Result<Credentials> {
        let fail = |why: String| {
            Error::new(format!("credential_process {} {why}", q(&self.command)))
                .profile(&self.profile)
                .hint("run the command by hand to see what it prints; it must print the JSON of Version 1")
        };
        let chain = match std::env::var(CHAIN_VAR) {
            Ok(chain) if !chain.is_empty() => format!("{chain} {}", self.profile),
            _ => self.profile.clone(),
        };
        let stdout = crate::command::run(&self.command, &[(CHAIN_VAR, &chain)]).map_err(fail)?;
        let parsed: Output = serde_json::from_slice(&stdout).map_err(|e| fail(format!("did not print JSON ({e})")))?;
        if parsed.version.as_ref().and_then(serde_json::Value::as_i64) != Some(1) {
            return Err(fail("printed JSON without \"Version\": 1".to_owned()));
        }
        let (Some(id), Some(secret)) = (parsed.access_key_id, parsed.secret_access_key) else {
            return Err(fail("printed JSON without AccessKeyId and SecretAccessKey".to_owned()));
        };
        let expires_at = match parsed.expiration {
            Some(text) => Some(
                super::sso::token::parse_time(&text)
                    .ok_or_else(|| fail(format!("printed an Expiration that is not RFC 3339: {}", q(&text))))?,
            ),
            None => None,
        };
        Ok(Credentials {
            access_key_id: id,
            secret_access_key: secret,
            session_token: parsed.session_token,
            expires_at,
        })
    }
}
