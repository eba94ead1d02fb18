//! What every AWS client stsenv builds shares: a current-thread runtime, HTTPS through the
//! user's proxy, and bounded timeouts. Built only on a cache miss (loading the OS trust
//! store costs milliseconds), never on a cache hit.

use aws_smithy_http_client::{Connector, proxy::ProxyConfig, tls};
use aws_smithy_runtime_api::client::http::{SharedHttpClient, SharedHttpConnector, http_client_fn};
use aws_smithy_types::timeout::TimeoutConfig;
use std::time::Duration;

pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()
}

/// rustls with ring; corporate proxies from HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as the AWS
/// CLI honours them (a hand-built SDK client would ignore them).
pub fn http_client() -> SharedHttpClient {
    http_client_fn(|settings, components| {
        let mut builder = Connector::builder().proxy_config(ProxyConfig::from_env());
        builder.set_connector_settings(Some(settings.clone()));
        builder.set_sleep_impl(components.sleep_impl());
        let provider = tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring);
        SharedHttpConnector::new(builder.tls_provider(provider).build())
    })
}

/// Where a service's requests go, by the SDKs' rules: an override URL (`AWS_ENDPOINT_URL…`,
/// `endpoint_url`, `[services]`), else the SDK's own endpoint resolver, which picks the FIPS
/// and dual-stack hosts (`use_fips_endpoint`, `use_dualstack_endpoint`) for the region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoint {
    pub url: Option<String>,
    pub fips: bool,
    pub dual_stack: bool,
}

impl Endpoint {
    /// What distinguishes it, for cache keys: the override, else "aws" and its variants.
    pub fn key(&self) -> String {
        let mut key = self.url.clone().unwrap_or_else(|| "aws".to_owned());
        if self.fips {
            key += "+fips";
        }
        if self.dual_stack {
            key += "+dualstack";
        }
        key
    }
}

/// `STSENV_TIMEOUT` seconds (default 10) for a call; connecting gets at most 5 s of it.
pub fn timeouts() -> TimeoutConfig {
    let timeout = std::env::var("STSENV_TIMEOUT").ok().and_then(|s| s.parse::<f64>().ok()).unwrap_or(10.0);
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs_f64(timeout.min(5.0)))
        .operation_attempt_timeout(Duration::from_secs_f64(timeout))
        .operation_timeout(Duration::from_secs_f64(timeout))
        .build()
}

/// The error's chain of causes, for "cannot reach …" messages.
pub fn causes(err: &dyn std::error::Error) -> String {
    let mut text = Vec::new();
    let mut next = err.source();
    while let Some(e) = next {
        text.push(e.to_string());
        next = e.source();
    }
    if text.is_empty() { err.to_string() } else { text.join(": ") }
}
