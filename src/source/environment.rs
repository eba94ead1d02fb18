//! `credential_source = Environment`: the keys exported in the shell. The only source that
//! reads them — otherwise a previous session's variables would be taken for the user's.

use super::Source;
use crate::creds::Credentials;
use crate::error::{Error, Result};

pub fn resolve(name: &str) -> Result<Source> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (Some(id), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) else {
        let error =
            Error::new("credential_source = Environment, but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set")
                .profile(name);
        // botocore and the Rust SDK read only the keys there; say so to an EKS or CI user.
        return Err(match var("AWS_WEB_IDENTITY_TOKEN_FILE") {
            Some(_) => error.hint(
                "Environment means exported keys only (as in the AWS SDKs), not AWS_WEB_IDENTITY_TOKEN_FILE: \
                 put role_arn and web_identity_token_file in the profile, or assume the role ARN directly",
            ),
            None => error.hint("export them, or use source_profile"),
        });
    };
    Ok(Source::Environment {
        creds: Credentials {
            access_key_id: id,
            secret_access_key: secret,
            // Older tools and CI systems still export the token as AWS_SECURITY_TOKEN, and
            // botocore reads it there when AWS_SESSION_TOKEN is unset.
            session_token: var("AWS_SESSION_TOKEN").or_else(|| var("AWS_SECURITY_TOKEN")),
            expires_at: None,
        },
    })
}
