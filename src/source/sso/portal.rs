//! The IAM Identity Center portal (aws-sdk-sso): a role's credentials (GetRoleCredentials),
//! and every account and role a sign-in reaches (ListAccounts, ListAccountRoles), paginated,
//! the roles of many accounts asked in parallel (bounded) with throttling retried.

use super::login;
use crate::client::Endpoint;
use crate::error::{Error, Result, q};
use aws_sdk_sso::config::retry::RetryConfig;
use std::sync::Arc;

/// Accounts whose roles are asked for at once.
const PARALLEL: usize = 8;

pub struct Portal {
    runtime: tokio::runtime::Runtime,
    client: aws_sdk_sso::Client,
    /// For the listings: more attempts (throttling is expected), and a bound on each
    /// attempt rather than on all of them.
    lister: aws_sdk_sso::Client,
    /// What `stsenv login` needs to sign in again (`--sso-session corp`), for a refused token.
    login: Arc<str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
}

/// One account/role pair the sign-in may use.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct AccountRole {
    pub account_id: String,
    pub account_name: String,
    pub role_name: String,
}

impl Portal {
    pub fn new(region: &str, endpoint: &Endpoint, login: &str) -> Result<Portal> {
        let mut config = aws_sdk_sso::Config::builder()
            .behavior_version(aws_sdk_sso::config::BehaviorVersion::latest())
            .region(aws_sdk_sso::config::Region::new(region.to_owned()))
            .http_client(crate::client::http_client())
            .timeout_config(crate::client::timeouts())
            .use_fips(endpoint.fips)
            .use_dual_stack(endpoint.dual_stack);
        config.set_endpoint_url(endpoint.url.clone());
        let client = aws_sdk_sso::Client::from_conf(config.clone().build());
        // Throttling (TooManyRequestsException) is retried with backoff.
        let timeouts = crate::client::timeouts();
        let mut per_attempt = aws_smithy_types::timeout::TimeoutConfig::builder();
        per_attempt
            .set_connect_timeout(timeouts.connect_timeout())
            .set_operation_attempt_timeout(timeouts.operation_attempt_timeout());
        let per_attempt = per_attempt.build();
        let lister = config.retry_config(RetryConfig::standard().with_max_attempts(8)).timeout_config(per_attempt);
        Ok(Portal {
            runtime: crate::client::runtime()?,
            client,
            lister: aws_sdk_sso::Client::from_conf(lister.build()),
            login: Arc::from(login),
        })
    }

    pub fn role_credentials(
        &self,
        token: &str,
        account_id: &str,
        role_name: &str,
    ) -> std::result::Result<aws_sdk_sso::types::RoleCredentials, login::CodedError> {
        let call = self.client.get_role_credentials().role_name(role_name).account_id(account_id).access_token(token);
        let out = self.runtime.block_on(call.send()).map_err(|e| {
            let what = format!("GetRoleCredentials for role {} in account {account_id}", q(role_name));
            login::sdk_error(&what, "the SSO portal", e)
        })?;
        out.role_credentials.ok_or_else(|| login::CodedError {
            error: Box::new(Error::new("GetRoleCredentials returned no credentials")),
            code: None,
        })
    }

    /// Every account the token reaches, sorted by name.
    pub fn accounts(&self, token: &str) -> Result<Vec<Account>> {
        let (client, token, login) = (self.lister.clone(), token.to_owned(), self.login.clone());
        let mut accounts = self.runtime.block_on(async move { list_accounts(&client, &token, &login).await })?;
        accounts.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        Ok(accounts)
    }

    /// Every role of every account, `PARALLEL` accounts at a time.
    pub fn roles(&self, token: &str, accounts: &[Account]) -> Result<Vec<AccountRole>> {
        let (client, token, login) = (self.lister.clone(), Arc::<str>::from(token), self.login.clone());
        let accounts = accounts.to_vec();
        let mut roles = self.runtime.block_on(async move {
            let slots = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
            let mut tasks = tokio::task::JoinSet::new();
            for account in accounts {
                let (client, token, slots, login) = (client.clone(), token.clone(), slots.clone(), login.clone());
                tasks.spawn(async move {
                    let _slot = slots.acquire_owned().await.expect("never closed");
                    list_roles(&client, &token, &account, &login).await
                });
            }
            let mut roles = Vec::new();
            while let Some(done) = tasks.join_next().await {
                roles.extend(done.map_err(|e| Error::new(format!("listing roles failed: {e}")))??);
            }
            Ok::<_, Error>(roles)
        })?;
        roles.sort();
        Ok(roles)
    }
}

async fn list_accounts(client: &aws_sdk_sso::Client, token: &str, login: &str) -> Result<Vec<Account>> {
    let mut pages = client.list_accounts().access_token(token).into_paginator().send();
    let mut accounts = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| listing_error("ListAccounts", e, login))?;
        for a in page.account_list() {
            let id = a.account_id().unwrap_or_default().to_owned();
            let name = a.account_name().filter(|n| !n.is_empty()).unwrap_or(&id).to_owned();
            accounts.push(Account { id, name });
        }
    }
    Ok(accounts)
}

async fn list_roles(
    client: &aws_sdk_sso::Client,
    token: &str,
    account: &Account,
    login: &str,
) -> Result<Vec<AccountRole>> {
    let call = client.list_account_roles().access_token(token).account_id(&account.id);
    let mut pages = call.into_paginator().send();
    let mut roles = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| listing_error(&format!("ListAccountRoles of account {}", account.id), e, login))?;
        for r in page.role_list() {
            roles.push(AccountRole {
                account_id: account.id.clone(),
                account_name: account.name.clone(),
                role_name: r.role_name().unwrap_or_default().to_owned(),
            });
        }
    }
    Ok(roles)
}

fn listing_error<E, R>(what: &str, err: aws_sdk_sso::error::SdkError<E, R>, login: &str) -> Error
where
    E: aws_sdk_sso::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let coded = login::sdk_error(what, "the SSO portal", err);
    match coded.code.as_deref() {
        Some("UnauthorizedException") => (*coded.error)
            .hint(format!("the sign-in was not accepted (expired or revoked): run `stsenv login {login}`")),
        _ => *coded.error,
    }
}
