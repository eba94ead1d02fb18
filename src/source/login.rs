//! `login_session = arn:aws:iam::…:user/NAME`: the console sign-in that `aws login` (AWS CLI
//! 2.32 and later) keeps in `~/.aws/login/cache`, through aws-config's own provider — which
//! refreshes it when due (a DPoP-signed CreateOAuth2Token) and writes it back for the CLI.
//! stsenv's cache entry and lock in front of it make one refresh for N terminals.

use crate::creds::Credentials;
use crate::error::{Error, Result, q};
use aws_config::login::LoginCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::provider::ProvideCredentials;

#[derive(Debug)]
pub struct Login {
    pub profile: String,
    /// The IAM identity signed in (the cache file is named by its SHA-256).
    pub session: String,
    /// Where AWS Sign-In is asked for a refresh.
    pub region: String,
}

impl Login {
    pub fn identity(&self) -> String {
        format!("login\n{}", self.session)
    }

    pub fn credentials(&self) -> Result<Credentials> {
        let runtime = crate::client::runtime()?;
        let config = ProviderConfig::without_region()
            .with_region(Some(aws_types::region::Region::new(self.region.clone())))
            .with_http_client(crate::client::http_client())
            .with_sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new());
        let provider = LoginCredentialsProvider::builder(&self.session).configure(&config).build();
        let creds = runtime.block_on(provider.provide_credentials()).map_err(|e| {
            let detail = crate::client::causes(&e);
            Error::new(format!("the console sign-in {} cannot be used: {detail}", q(&self.session)))
                .profile(&self.profile)
                .hint(format!("run `aws login --profile {}` (AWS CLI >= 2.32) to sign in again", self.profile))
        })?;
        Ok(Credentials::from_sdk(&creds))
    }
}
