//! The AWS console's federation endpoint (not an AWS API: no SDK): exchange temporary
//! credentials for a sign-in token (`getSigninToken`), then the login URL that opens the
//! console. Per partition: aws, aws-cn, aws-us-gov; `STSENV_SIGNIN_URL` overrides the base.

use crate::creds::Credentials;
use crate::error::{Error, Result, q};
use aws_smithy_http_client::{Connector, proxy::ProxyConfig, tls};
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use std::time::Duration;

/// The sign-in and console hosts of `region`'s partition.
pub fn hosts(region: &str) -> (String, String) {
    let signin = std::env::var("STSENV_SIGNIN_URL").ok().filter(|u| !u.is_empty());
    let (default_signin, console) = if region.starts_with("cn-") {
        ("https://signin.amazonaws.cn".to_owned(), "https://console.amazonaws.cn".to_owned())
    } else if region.starts_with("us-gov-") {
        ("https://signin.amazonaws-us-gov.com".to_owned(), "https://console.amazonaws-us-gov.com".to_owned())
    } else {
        ("https://signin.aws.amazon.com".to_owned(), format!("https://{region}.console.aws.amazon.com"))
    };
    (signin.unwrap_or(default_signin).trim_end_matches('/').to_owned(), console)
}

/// `getSigninToken`; `duration` (seconds) only where AWS accepts it.
pub fn token(base: &str, creds: &Credentials, duration: Option<u32>) -> Result<String> {
    let session = serde_json::json!({
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key,
        "sessionToken": creds.session_token.clone().unwrap_or_default(),
    });
    let mut url = format!("{base}/federation?Action=getSigninToken");
    if let Some(d) = duration {
        url += &format!("&SessionDuration={d}");
    }
    url += &format!("&Session={}", encode(&session.to_string()));
    let (status, body) = get(&url).map_err(|e| {
        Error::new(format!("cannot reach the console sign-in at {}: {e}", q(base)))
            .hint("check the network and HTTPS_PROXY")
    })?;
    // AWS answers a refused session with 400 or 403; anything else is the wrong endpoint.
    if status == 400 || status == 403 {
        return Err(Error::new(format!(
            "the console sign-in at {} refused these credentials (HTTP {status})",
            q(base)
        ))
        .hint("the federation endpoint takes AssumeRole (or SSO role) credentials that have not expired"));
    }
    if status != 200 {
        let hint = if std::env::var_os("STSENV_SIGNIN_URL").is_some() {
            "is STSENV_SIGNIN_URL right? It names the federation endpoint's base, e.g. https://signin.aws.amazon.com"
        } else {
            "the console sign-in endpoint may be down: try again, or use --print to see the URL"
        };
        return Err(Error::new(format!(
            "{}/federation answered HTTP {status}: not a console sign-in endpoint",
            q(base)
        ))
        .hint(hint));
    }
    let parsed: serde_json::Value = serde_json::from_slice(&body).map_err(|_| {
        Error::new(format!("{} answered something that is not JSON: not a console sign-in endpoint", q(base)))
            .hint("is STSENV_SIGNIN_URL right?")
    })?;
    parsed["SigninToken"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::new("the console sign-in answered without a SigninToken"))
}

/// The URL that signs in and lands on `destination`. It holds the token: browser or stdout only.
pub fn login_url(base: &str, issuer: &str, destination: &str, token: &str) -> String {
    format!(
        "{base}/federation?Action=login&Issuer={}&Destination={}&SigninToken={}",
        encode(issuer),
        encode(destination),
        encode(token)
    )
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn get(url: &str) -> std::result::Result<(u16, Vec<u8>), String> {
    let runtime = crate::client::runtime().map_err(|e| e.to_string())?;
    let settings = HttpConnectorSettings::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(10))
        .build();
    let connector = Connector::builder()
        .proxy_config(ProxyConfig::from_env())
        .connector_settings(settings)
        .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build();
    let request = aws_smithy_runtime_api::http::Request::get(url).map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let response = connector.call(request).await.map_err(|e| crate::client::causes(&e))?;
        let status = response.status().as_u16();
        let body = aws_smithy_types::byte_stream::ByteStream::new(response.into_body())
            .collect()
            .await
            .map_err(|e| e.to_string())?;
        Ok((status, body.into_bytes().to_vec()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_have_their_own_hosts() {
        // SAFETY: unit tests of this module are the only readers of this variable.
        unsafe { std::env::remove_var("STSENV_SIGNIN_URL") };
        assert_eq!(
            hosts("eu-west-1"),
            ("https://signin.aws.amazon.com".into(), "https://eu-west-1.console.aws.amazon.com".into())
        );
        assert_eq!(hosts("cn-north-1"), ("https://signin.amazonaws.cn".into(), "https://console.amazonaws.cn".into()));
        assert_eq!(
            hosts("us-gov-west-1"),
            ("https://signin.amazonaws-us-gov.com".into(), "https://console.amazonaws-us-gov.com".into())
        );
        assert_eq!(encode("a b/é"), "a%20b%2F%C3%A9");
    }
}
