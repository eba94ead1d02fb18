//! Calls to STS: one client, built only when a call is needed (never on a cache hit), with
//! explicit credentials for each call so nothing in the environment is picked up by accident.

use crate::client::{Endpoint, causes};
use crate::creds::Credentials;
use crate::error::{Error, Result, q};
use crate::plan::AssumeRole;
use aws_sdk_sts::config::{BehaviorVersion, IdentityCache, Region, retry::RetryConfig};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

pub struct Sts {
    runtime: tokio::runtime::Runtime,
    client: aws_sdk_sts::Client,
    /// Where requests go, for messages.
    endpoint: String,
}

pub struct Identity {
    pub account: String,
    pub arn: String,
}

/// An MFA device and the code it showed.
pub struct MfaCode<'a> {
    pub serial: &'a str,
    pub code: &'a str,
}

impl Sts {
    pub fn new(region: Option<&str>, endpoint: &Endpoint) -> Result<Self> {
        let runtime = crate::client::runtime()?;
        let region = region.unwrap_or("us-east-1").to_owned();
        let mut config = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.clone()))
            // Each call brings its own credentials (the source keys, then the MFA session…);
            // a shared identity cache would sign later calls with the first call's keys.
            .identity_cache(IdentityCache::no_cache())
            .http_client(crate::client::http_client())
            .timeout_config(crate::client::timeouts())
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .use_fips(endpoint.fips)
            .use_dual_stack(endpoint.dual_stack);
        config.set_endpoint_url(endpoint.url.clone());
        let endpoint = match &endpoint.url {
            Some(url) => url.clone(),
            None => host(&region, endpoint, &runtime),
        };
        Ok(Sts { runtime, client: aws_sdk_sts::Client::from_conf(config.build()), endpoint })
    }

    pub fn session_token(&self, creds: &Credentials, duration: u32, mfa: Option<MfaCode>) -> Result<Credentials> {
        let call = self
            .client
            .get_session_token()
            .duration_seconds(duration as i32)
            .set_serial_number(mfa.as_ref().map(|m| m.serial.to_owned()))
            .set_token_code(mfa.as_ref().map(|m| m.code.to_owned()))
            .customize()
            .config_override(overrides(creds, mfa.is_some()));
        let out = self.runtime.block_on(call.send()).map_err(|e| self.error("GetSessionToken", e))?;
        self.convert(out.credentials())
    }

    /// AssumeRole of `role_arn` as `step` asks (session name, external id, duration, narrowing).
    pub fn assume_role(
        &self,
        creds: &Credentials,
        role_arn: &str,
        step: &AssumeRole,
        mfa: Option<MfaCode>,
    ) -> Result<Credentials> {
        let (session_name, external_id, duration, narrowing) =
            (&step.session_name, step.external_id.as_deref(), step.duration, &step.narrowing);
        use aws_sdk_sts::types::{PolicyDescriptorType, Tag};
        // Empty lists stay unset: an empty list would send a bare `PolicyArns=`.
        fn some<T>(v: Vec<T>) -> Option<Vec<T>> {
            (!v.is_empty()).then_some(v)
        }
        let arns = narrowing.policy_arns.iter().map(|a| PolicyDescriptorType::builder().arn(a).build()).collect();
        let tags = narrowing
            .tags
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::new(format!("a session tag: {e}")))?;
        let call = self
            .client
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(session_name)
            .set_external_id(external_id.map(str::to_owned))
            .set_duration_seconds(duration.map(|d| d as i32))
            .set_serial_number(mfa.as_ref().map(|m| m.serial.to_owned()))
            .set_token_code(mfa.as_ref().map(|m| m.code.to_owned()))
            .set_policy(narrowing.policy.clone())
            .set_policy_arns(some(arns))
            .set_tags(some(tags))
            .set_transitive_tag_keys(some(narrowing.transitive.clone()))
            .set_source_identity(narrowing.source_identity.clone())
            .customize()
            .config_override(overrides(creds, mfa.is_some()));
        let out =
            self.runtime.block_on(call.send()).map_err(|e| self.error(&format!("AssumeRole of {}", q(role_arn)), e))?;
        self.convert(out.credentials())
    }

    /// AssumeRoleWithWebIdentity: unsigned, the token is the proof.
    pub fn assume_role_with_web_identity(
        &self,
        role_arn: &str,
        session_name: &str,
        token: &str,
    ) -> Result<Credentials> {
        let call = self
            .client
            .assume_role_with_web_identity()
            .role_arn(role_arn)
            .role_session_name(session_name)
            .web_identity_token(token)
            .send();
        let out = self
            .runtime
            .block_on(call)
            .map_err(|e| self.error(&format!("AssumeRoleWithWebIdentity of {}", q(role_arn)), e))?;
        self.convert(out.credentials())
    }

    pub fn caller_identity(&self, creds: &Credentials) -> Result<Identity> {
        let call = self.client.get_caller_identity().customize().config_override(overrides(creds, false));
        let out = self.runtime.block_on(call.send()).map_err(|e| self.error("GetCallerIdentity", e))?;
        let account = out.account().unwrap_or_default().to_owned();
        // It names roles to assume and is shown: 12 digits, or STS is not what it seems.
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::new(format!(
                "STS at {} answered account {}, not 12 digits",
                self.endpoint,
                q(&account)
            )));
        }
        Ok(Identity { account, arn: crate::error::printable(out.arn().unwrap_or_default()) })
    }

    fn convert(&self, creds: Option<&aws_sdk_sts::types::Credentials>) -> Result<Credentials> {
        let c = creds.ok_or_else(|| Error::new(format!("STS at {} returned no credentials", self.endpoint)))?;
        Ok(Credentials {
            access_key_id: c.access_key_id().to_owned(),
            secret_access_key: c.secret_access_key().to_owned(),
            session_token: Some(c.session_token().to_owned()),
            expires_at: Some(c.expiration().secs()),
        })
    }

    fn error<E, R>(&self, operation: &str, err: SdkError<E, R>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let at = q(&self.endpoint);
        match &err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                let code = e.code().unwrap_or("Unknown");
                let message = e.message().unwrap_or("");
                let error = Error::new(format!("{operation} failed: {code}: {message}"));
                match code {
                    _ if message.contains("MultiFactorAuthentication") => error
                        .hint("the MFA code was not accepted: wait for the next code and try again, and check the device's clock"),
                    "ExpiredToken" | "RequestExpired" => error
                        .hint("the source credentials have expired: renew them (e.g. `stsenv session PROFILE --write-profile NAME`)"),
                    "InvalidClientTokenId" | "SignatureDoesNotMatch" => error
                        .hint("the source profile's aws_access_key_id / aws_secret_access_key are not valid"),
                    "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => error
                        .hint("STS is throttling requests: wait a moment and try again"),
                    "AccessDenied" => error.hint("check the role's trust policy and that the source user may call sts:AssumeRole on it"),
                    _ => error,
                }
            }
            SdkError::TimeoutError(_) => Error::new(format!("{operation}: STS at {at} did not answer in time"))
                .hint("check the network, HTTPS_PROXY, or STSENV_TIMEOUT"),
            SdkError::DispatchFailure(_) => {
                Error::new(format!("{operation}: cannot reach STS at {at}: {}", causes(&err)))
                    .hint("check the network, HTTPS_PROXY, and AWS_ENDPOINT_URL / endpoint_url")
            }
            _ => Error::new(format!("{operation}: bad answer from STS at {at}: {}", causes(&err))),
        }
    }
}

/// The host the SDK's endpoint rules pick, for messages ("cannot reach STS at …").
fn host(region: &str, endpoint: &Endpoint, runtime: &tokio::runtime::Runtime) -> String {
    use aws_sdk_sts::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
    let params = Params::builder().region(region).use_fips(endpoint.fips).use_dual_stack(endpoint.dual_stack).build();
    let resolved = params.ok().and_then(|p| runtime.block_on(DefaultResolver::new().resolve_endpoint(&p)).ok());
    let url = resolved.map_or_else(|| format!("https://sts.{region}.amazonaws.com"), |e| e.url().to_owned());
    url.trim_start_matches("https://").to_owned()
}

/// Per-call settings: the caller's credentials, and no retry when the call carries a
/// one-time MFA code (a retried code can be rejected as used).
fn overrides(creds: &Credentials, one_time_code: bool) -> aws_sdk_sts::config::Builder {
    let builder = aws_sdk_sts::config::Builder::default().credentials_provider(creds.for_sdk());
    if one_time_code { builder.retry_config(RetryConfig::disabled()) } else { builder }
}
