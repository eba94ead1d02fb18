//! `login_session` profiles (issue 17): the console sign-in `aws login` caches in
//! `~/.aws/login/cache`, used and refreshed through aws-config's provider against a local
//! AWS Sign-In token endpoint that checks the DPoP proof as the service does; roles chain on
//! it at moto.

mod common;

use common::http::{Reply, Server};
use common::*;
use p256::ecdsa::signature::Verifier;
use std::sync::{Arc, Mutex};

const SESSION: &str = "arn:aws:iam::123456789012:user/alice";

/// A P-256 key as `aws login` keeps it (SEC1 PEM), from openssl.
fn dpop_key() -> String {
    let out = std::process::Command::new("openssl")
        .args(["ecparam", "-name", "prime256v1", "-genkey", "-noout"])
        .output()
        .unwrap();
    assert!(out.status.success(), "openssl: {}", text(&out.stderr));
    text(&out.stdout)
}

fn b64url(text: &str) -> Vec<u8> {
    let standard = text.replace('-', "+").replace('_', "/");
    let padded = format!("{standard}{}", "=".repeat((4 - standard.len() % 4) % 4));
    aws_smithy_types::base64::decode(padded).unwrap()
}

/// AWS Sign-In's CreateOAuth2Token for the refresh grant: answers only a DPoP proof signed by
/// the cached key, for this request, recent; counts the refreshes.
fn signin(pem: &str) -> (Server, Arc<Mutex<Vec<String>>>) {
    let public = p256::SecretKey::from_sec1_pem(pem).unwrap().public_key();
    let point = p256::EncodedPoint::from(public);
    let (x, y) = (point.x().unwrap().to_vec(), point.y().unwrap().to_vec());
    let refreshes = Arc::new(Mutex::new(Vec::new()));
    let seen = refreshes.clone();
    let server = Server::start(move |req| {
        let fail = |why: &str| Reply::Json {
            status: 400,
            body: format!("{{\"error\":\"INVALID_REQUEST\",\"message\":\"{why}\"}}"),
            error_type: Some("ValidationException".into()),
        };
        let Some(proof) = req.header("dpop") else { return fail("no DPoP proof") };
        let parts: Vec<&str> = proof.split('.').collect();
        let header: serde_json::Value = serde_json::from_slice(&b64url(parts[0])).unwrap();
        let claims: serde_json::Value = serde_json::from_slice(&b64url(parts[1])).unwrap();
        let jwk = &header["jwk"];
        let key_ok = header["typ"] == "dpop+jwt"
            && header["alg"] == "ES256"
            && b64url(jwk["x"].as_str().unwrap_or("")) == x
            && b64url(jwk["y"].as_str().unwrap_or("")) == y;
        let signature = p256::ecdsa::Signature::from_slice(&b64url(parts[2]));
        let verifying = p256::ecdsa::VerifyingKey::from(public);
        let signed =
            signature.is_ok_and(|s| verifying.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &s).is_ok());
        let fresh = (claims["iat"].as_i64().unwrap_or(0) - now()).abs() < 60;
        let bound = claims["htm"] == "POST" && claims["htu"].as_str().is_some_and(|u| u.ends_with("/v1/token"));
        if !(key_ok && signed && fresh && bound && !claims["jti"].as_str().unwrap_or("").is_empty()) {
            return fail("bad DPoP proof");
        }
        let body: serde_json::Value = serde_json::from_str(&req.body).unwrap();
        if body["grantType"] != "refresh_token" || body["refreshToken"] != "refresh-1" {
            return Reply::Json {
                status: 400,
                body: "{\"error\":\"TOKEN_EXPIRED\",\"message\":\"the refresh token expired\"}".into(),
                error_type: Some("AccessDeniedException".into()),
            };
        }
        let mut seen = seen.lock().unwrap();
        seen.push(proof.clone());
        Reply::Json {
            status: 200,
            body: format!(
                "{{\"accessToken\":{{\"accessKeyId\":\"ASIALOGIN{:07}\",\"secretAccessKey\":\"login-secret\",\"sessionToken\":\"login-token\"}},\"tokenType\":\"aws_sigv4\",\"expiresIn\":900,\"refreshToken\":\"refresh-1\"}}",
                seen.len()
            ),
            error_type: None,
        }
    });
    (server, refreshes)
}

/// The CLI's cache file for SESSION, its credentials `left` seconds from expiry.
fn cache_file(home: &Home, pem: &str, left: i64, refresh: &str) -> std::path::PathBuf {
    use sha2::Digest;
    let name: String = sha2::Sha256::digest(SESSION.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let dir = home.path().join(".aws/login/cache");
    std::fs::create_dir_all(&dir).unwrap();
    let expires = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{}", now() + left), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    let json = serde_json::json!({
        "accessToken": {
            "accessKeyId": "ASIACACHED0000000001", "secretAccessKey": "cached-secret", "sessionToken": "cached-token",
            "accountId": "123456789012", "expiresAt": text(&expires.stdout).trim(),
        },
        "tokenType": "aws_sigv4", "refreshToken": refresh, "idToken": "id-token",
        "clientId": "arn:aws:signin:::devtools/same-device", "dpopKey": pem,
    });
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, json.to_string()).unwrap();
    path
}

#[test]
fn a_console_sign_in_is_a_source_refreshed_once_and_roles_chain_on_it() {
    let pem = dpop_key();
    let (stub, refreshes) = signin(&pem);
    let config = format!(
        "[profile console]\nlogin_session = {SESSION}\nregion = us-east-1\n\n\
         [profile consolerole]\nrole_arn = arn:aws:iam::123456789012:role/ReadOnly\nsource_profile = console\nrole_session_name = alice\n"
    );
    let mut home = Home::with(&moto().url, &config, "");
    home.env.push(("AWS_ENDPOINT_URL_SIGNIN".into(), stub.url.clone()));

    // Valid for an hour: used as it is, no refresh.
    cache_file(&home, &pem, 3600, "refresh-1");
    let out = home.stsenv(&["assume", "console", "--shell", "bash"]);
    assert!(text(&out.stdout).contains("AWS_ACCESS_KEY_ID='ASIACACHED0000000001'"), "{}", text(&out.stderr));
    assert_eq!(refreshes.lock().unwrap().len(), 0);

    // Due (under 5 minutes left): five terminals at once make one refresh, written back to
    // the CLI's file; a role chained on it assumes at moto with no prompt.
    let path = cache_file(&home, &pem, 120, "refresh-1");
    home.stsenv(&["cache", "clear"]);
    let children: Vec<_> = (0..5).map(|_| home.spawn(&["assume", "console", "--shell", "bash"])).collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(text(&out.stdout).contains("AWS_ACCESS_KEY_ID='ASIALOGIN0000001'"), "{}", text(&out.stderr));
    }
    assert_eq!(refreshes.lock().unwrap().len(), 1, "one refresh for five terminals");
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(written["accessToken"]["accessKeyId"], "ASIALOGIN0000001", "the CLI's cache was not updated");
    let out =
        home.shell("bash", &format!("eval \"$(stsenv assume consolerole --no-prompt)\" || exit 1\n{}", check_line("")));
    assert!(text(&out.stdout).contains("assumed-role/ReadOnly/alice"), "{}{}", text(&out.stdout), text(&out.stderr));

    // A sign-in that can no longer be refreshed: what to run.
    cache_file(&home, &pem, -60, "refresh-old");
    home.stsenv(&["cache", "clear"]);
    let out = home.stsenv(&["assume", "console", "--shell", "bash"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("run `aws login --profile console`"), "{}", text(&out.stderr));
}
