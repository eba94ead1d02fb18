//! `aws_access_key_id` / `aws_secret_access_key` (and `aws_session_token`) in a profile, or
//! the note that they are in a store (`crate::store`).

use super::Source;
use crate::creds::Credentials;
use crate::error::{Error, Result};
use crate::profile::{self, Profiles, value};

/// The profile holds an IAM user's keys, in the file or in the keyring.
pub fn present(p: &aws_config::profile::Profile) -> bool {
    value(p, "aws_access_key_id").is_some() || crate::store::marked(p).is_some()
}

pub fn resolve(profiles: &Profiles, name: &str) -> Result<Source> {
    let p = profiles.get(name).ok_or_else(|| profile::unknown(profiles, name))?;
    if let Some((store, key_id)) = crate::store::marked(p) {
        return Ok(Source::Stored { profile: name.to_owned(), key_id, store });
    }
    let (Some(id), Some(secret)) = (value(p, "aws_access_key_id"), value(p, "aws_secret_access_key")) else {
        return Err(Error::new("it has aws_access_key_id but no aws_secret_access_key")
            .profile(name)
            .at(profiles.locate(name, Some("aws_access_key_id"))));
    };
    let expires_at = ["x_security_token_expires", "expiration"]
        .iter()
        .find_map(|k| value(p, k))
        .and_then(|t| aws_smithy_types::DateTime::from_str(t, aws_smithy_types::date_time::Format::DateTime).ok())
        .map(|t| t.secs());
    Ok(Source::Keys {
        profile: name.to_owned(),
        creds: Credentials {
            access_key_id: id.to_owned(),
            secret_access_key: secret.to_owned(),
            session_token: value(p, "aws_session_token").map(str::to_owned),
            expires_at,
        },
    })
}
