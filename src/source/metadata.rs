//! `credential_source = Ec2InstanceMetadata` (IMDSv2) and `credential_source = EcsContainer`
//! (the container credentials endpoint), through aws-config's own providers so that every
//! variable the SDKs honour is honoured here: AWS_EC2_METADATA_SERVICE_ENDPOINT,
//! AWS_EC2_METADATA_DISABLED, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI,
//! AWS_CONTAINER_AUTHORIZATION_TOKEN / _TOKEN_FILE. Timeouts are short and there is one
//! attempt, so a laptop without metadata hears so within 2 s.

use crate::creds::Credentials;
use crate::error::{Error, Result};
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::provider::ProvideCredentials;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metadata {
    Ec2Instance,
    Container,
}

impl Metadata {
    pub fn name(self) -> &'static str {
        match self {
            Metadata::Ec2Instance => "Ec2InstanceMetadata",
            Metadata::Container => "EcsContainer",
        }
    }

    /// Which endpoint answers, for the cache key: another container is another identity.
    pub fn identity(self) -> String {
        let var = |k: &str| std::env::var(k).unwrap_or_default();
        match self {
            Metadata::Ec2Instance => format!("imds\n{}", var("AWS_EC2_METADATA_SERVICE_ENDPOINT")),
            Metadata::Container => format!(
                "container\n{}\n{}",
                var("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
                var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
            ),
        }
    }

    pub fn credentials(self) -> Result<Credentials> {
        let runtime = crate::client::runtime()?;
        let config = ProviderConfig::without_region()
            .with_http_client(crate::client::http_client())
            .with_sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new());
        let got = runtime.block_on(async {
            match self {
                Metadata::Ec2Instance => {
                    let client = aws_config::imds::Client::builder()
                        .configure(&config)
                        .max_attempts(1)
                        .connect_timeout(Duration::from_millis(800))
                        .read_timeout(Duration::from_millis(800))
                        .build();
                    let provider = aws_config::imds::credentials::ImdsCredentialsProvider::builder()
                        .configure(&config)
                        .imds_client(client)
                        .build();
                    provider.provide_credentials().await
                }
                Metadata::Container => {
                    let provider = aws_config::ecs::EcsCredentialsProvider::builder()
                        .configure(&config)
                        .connect_timeout(Duration::from_millis(800))
                        .read_timeout(Duration::from_secs(1))
                        .build();
                    provider.provide_credentials().await
                }
            }
        });
        let creds = got.map_err(|e| {
            let hint = match self {
                Metadata::Ec2Instance => {
                    "this works on an EC2 instance with a role (or set AWS_EC2_METADATA_SERVICE_ENDPOINT)"
                }
                Metadata::Container => {
                    "this works in a container with AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI set"
                }
            };
            let detail = match crate::client::causes(&e) {
                causes if causes == e.to_string() => causes,
                causes => format!("{e}: {causes}"),
            };
            Error::new(format!("credential_source = {}: {}", self.name(), detail)).hint(hint)
        })?;
        Ok(Credentials::from_sdk(&creds))
    }
}
