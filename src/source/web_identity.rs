//! Web identity: `role_arn` + `web_identity_token_file` (+ `role_session_name`) in a profile,
//! or `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE` in the environment (EKS, GitHub Actions),
//! exchanged with AssumeRoleWithWebIdentity (unsigned).

use super::Fetch;
use crate::creds::Credentials;
use crate::error::{Error, Result, q};

#[derive(Debug)]
pub struct WebIdentity {
    /// The profile, or `None` for the environment's.
    pub profile: Option<String>,
    pub role_arn: String,
    pub token_file: String,
    pub session_name: String,
}

impl WebIdentity {
    /// The environment's web identity, as every SDK's default chain reads it.
    pub fn from_env() -> Option<WebIdentity> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Some(WebIdentity {
            profile: None,
            role_arn: var("AWS_ROLE_ARN")?,
            token_file: var("AWS_WEB_IDENTITY_TOKEN_FILE")?,
            session_name: var("AWS_ROLE_SESSION_NAME").unwrap_or_else(|| format!("stsenv-{}", crate::creds::now())),
        })
    }

    pub fn identity(&self) -> String {
        format!("web-identity\n{}\n{}\n{}", self.role_arn, self.token_file, self.session_name)
    }

    pub fn credentials(&self, fetch: &Fetch) -> Result<Credentials> {
        let token = std::fs::read_to_string(&self.token_file).map_err(|e| {
            Error::new(format!("cannot read web_identity_token_file {}: {e}", q(&self.token_file)))
                .hint("check the path; on EKS and in CI the token is mounted or written for you")
        })?;
        let sts = crate::sts::Sts::new(fetch.region, fetch.endpoint)?;
        sts.assume_role_with_web_identity(&self.role_arn, &self.session_name, token.trim())
    }
}
