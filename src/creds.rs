//! Credentials as STS returns them and the cache stores them, and the clock they expire by.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
    /// Epoch seconds; `None` for long-term keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

// Never print a secret, even in a debug dump.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// An IAM user's long-term keys.
    pub fn long_term(access_key_id: String, secret_access_key: String) -> Credentials {
        Credentials { access_key_id, secret_access_key, session_token: None, expires_at: None }
    }

    /// What an aws-config provider gave.
    pub fn from_sdk(creds: &aws_credential_types::Credentials) -> Credentials {
        Credentials {
            access_key_id: creds.access_key_id().to_owned(),
            secret_access_key: creds.secret_access_key().to_owned(),
            session_token: creds.session_token().map(str::to_owned),
            expires_at: creds
                .expiry()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs() as i64),
        }
    }

    /// As the SDK's clients take them, for one call's config override.
    pub fn for_sdk(&self) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            self.session_token.clone(),
            None,
            "stsenv",
        )
    }

    pub fn seconds_left(&self) -> Option<i64> {
        self.expires_at.map(|at| at - now())
    }
}

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// RFC 3339 in UTC ending in `Z`, as `AWS_CREDENTIAL_EXPIRATION` and the AWS CLI use.
pub fn rfc3339(epoch: i64) -> String {
    aws_smithy_types::DateTime::from_secs(epoch).fmt(aws_smithy_types::date_time::Format::DateTime).unwrap_or_default()
}
