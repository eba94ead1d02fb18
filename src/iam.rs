//! Calls to IAM for `stsenv keys rotate`: an IAM user's access keys. Like `sts`, one client
//! built only when needed, with explicit credentials on every call.

use crate::client::{Endpoint, causes};
use crate::creds::Credentials;
use crate::error::{Error, Result};
use aws_sdk_iam::config::{BehaviorVersion, IdentityCache, Region};
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

pub struct Iam {
    runtime: tokio::runtime::Runtime,
    client: aws_sdk_iam::Client,
}

impl Iam {
    /// IAM is global: its endpoint is us-east-1's (or the override).
    pub fn new(endpoint: &Endpoint) -> Result<Iam> {
        let mut config = aws_sdk_iam::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .identity_cache(IdentityCache::no_cache())
            .http_client(crate::client::http_client())
            .timeout_config(crate::client::timeouts())
            .use_fips(endpoint.fips);
        config.set_endpoint_url(endpoint.url.clone());
        Ok(Iam { runtime: crate::client::runtime()?, client: aws_sdk_iam::Client::from_conf(config.build()) })
    }

    /// The user's access key ids.
    pub fn keys(&self, creds: &Credentials, user: &str) -> Result<Vec<String>> {
        let call = self.client.list_access_keys().user_name(user).customize().config_override(signed_by(creds));
        let out = self.runtime.block_on(call.send()).map_err(|e| error("ListAccessKeys", e))?;
        Ok(out.access_key_metadata().iter().filter_map(|k| k.access_key_id().map(str::to_owned)).collect())
    }

    pub fn create(&self, creds: &Credentials, user: &str) -> Result<Credentials> {
        let call = self.client.create_access_key().user_name(user).customize().config_override(signed_by(creds));
        let out = self.runtime.block_on(call.send()).map_err(|e| error("CreateAccessKey", e))?;
        let key = out.access_key().ok_or_else(|| Error::new("CreateAccessKey returned no key"))?;
        Ok(Credentials::long_term(key.access_key_id().to_owned(), key.secret_access_key().to_owned()))
    }

    pub fn delete(&self, creds: &Credentials, user: &str, key_id: &str) -> Result<()> {
        let call = self.client.delete_access_key().user_name(user).access_key_id(key_id);
        let call = call.customize().config_override(signed_by(creds));
        self.runtime.block_on(call.send()).map_err(|e| error("DeleteAccessKey", e))?;
        Ok(())
    }
}

fn signed_by(creds: &Credentials) -> aws_sdk_iam::config::Builder {
    aws_sdk_iam::config::Builder::default().credentials_provider(creds.for_sdk())
}

fn error<E, R>(operation: &str, err: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::ServiceError(e) => {
            let (code, message) = (e.err().code().unwrap_or("Unknown"), e.err().message().unwrap_or(""));
            let error = Error::new(format!("{operation} failed: {code}: {message}"));
            match code {
                "AccessDenied" => error.hint("the user's policy must allow iam:ListAccessKeys, iam:CreateAccessKey and iam:DeleteAccessKey on itself (with MFA, if it demands it)"),
                "LimitExceeded" => error.hint("IAM allows two access keys per user: delete the one not in use first"),
                _ => error,
            }
        }
        _ => Error::new(format!("{operation}: cannot reach IAM: {}", causes(&err)))
            .hint("check the network, HTTPS_PROXY, and AWS_ENDPOINT_URL"),
    }
}
