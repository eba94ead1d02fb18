//! The credential endpoint of `stsenv exec --server`: the container-credentials protocol the
//! AWS SDKs speak (`GET` with `Authorization: TOKEN`, a JSON body), served by hyper on a
//! current-thread tokio runtime.
//!
//! Every local user can reach 127.0.0.1, so no client may stall or exhaust it: a connection
//! from another user is closed before anything is read (`loopback::same_user_all`), so no flood
//! of theirs takes the owner's places; connections are served concurrently, a request head must arrive within `HEADER_TIMEOUT` and fit in
//! `MAX_HEADER_BYTES`, and at most `MAX_CONNECTIONS` are open. The token is checked first, in
//! constant time; a wrong one costs nothing else. Renewal is single-flight: the first request
//! that finds the credentials due renews them while the others wait on the same lock.

use crate::creds::Credentials;
use crate::error::{Error, Result};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Semaphore};

/// A request head must be complete this long after the connection (or its previous answer):
/// an idle or slow client is cut off, never waited for.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(3);
/// The whole request head (hyper's smallest read buffer): a longer one gets 431.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// Open connections at once; more wait in the kernel's backlog.
pub const MAX_CONNECTIONS: usize = 128;
/// Connections accepted (and checked) together when several are waiting.
const ACCEPT_BATCH: usize = 256;
/// How long a request waits for a renewal in progress (someone typing an MFA code).
pub const RENEWAL_WAIT: Duration = Duration::from_secs(120);
/// After a renewal failed, its error is the answer for this long, without trying again.
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// Gets fresh credentials; `true` allows asking on the terminal.
pub type Renew = dyn Fn(bool) -> Result<Credentials> + Send + Sync;

pub struct Server {
    token: String,
    /// Credentials with fewer seconds left than this are renewed before they are handed out.
    margin: i64,
    renew: Box<Renew>,
    state: Mutex<State>,
}

struct State {
    creds: Credentials,
    /// Renewal asked on the terminal once already: never again, never in a loop.
    prompted: bool,
    /// The last renewal's failure, answered again until `RETRY_AFTER` has passed.
    failed: Option<(Instant, String)>,
}

impl Server {
    pub fn new(token: String, margin: i64, creds: Credentials, renew: Box<Renew>) -> Arc<Server> {
        Arc::new(Server { token, margin, renew, state: Mutex::new(State { creds, prompted: false, failed: None }) })
    }

    /// Serves `listener` until the process exits.
    pub fn serve(self: Arc<Self>, listener: std::net::TcpListener) -> std::io::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async move {
            listener.set_nonblocking(true)?;
            let listener = tokio::net::TcpListener::from_std(listener)?;
            let local = listener.local_addr()?;
            let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
            loop {
                let Ok(first) = listener.accept().await else {
                    // Out of file descriptors and the like: pause rather than spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                // Everything else already waiting, checked with one read of the socket table.
                let mut batch = vec![first];
                while batch.len() < ACCEPT_BATCH {
                    let next = std::future::poll_fn(|cx| {
                        Poll::Ready(match listener.poll_accept(cx) {
                            Poll::Ready(Ok(accepted)) => Some(accepted),
                            _ => None,
                        })
                    });
                    match next.await {
                        Some(accepted) => batch.push(accepted),
                        None => break,
                    }
                }
                let peers: Vec<_> = batch.iter().map(|(_, peer)| *peer).collect();
                let owners = crate::loopback::same_user_all(local, &peers);
                // Another user's connections are closed unread; they take no place.
                for ((stream, _), _) in batch.into_iter().zip(owners).filter(|(_, mine)| *mine) {
                    let slot = slots.clone().acquire_owned().await.expect("the semaphore is never closed");
                    self.clone().spawn_connection(stream, slot);
                }
            }
        })
    }

    /// Serves one connection of the owner's on its own task; `slot` is its place.
    fn spawn_connection(self: Arc<Self>, stream: tokio::net::TcpStream, slot: tokio::sync::OwnedSemaphorePermit) {
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let server = self.clone();
                async move { Ok::<_, Infallible>(server.answer(request).await) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_HEADER_BYTES)
                .max_header_size(MAX_HEADER_BYTES)
                .serve_connection(TokioIo::new(stream), service);
            // A client that goes away mid-answer ends only its own connection.
            let _ = connection.await;
            drop(slot);
        });
    }

    async fn answer(self: Arc<Self>, request: Request<Incoming>) -> Response<Full<Bytes>> {
        // The token before anything else; the body is never read.
        let token = request.headers().get(AUTHORIZATION).map(|v| v.as_bytes());
        if !token.is_some_and(|t| constant_time_eq(t, self.token.as_bytes())) {
            return json(StatusCode::FORBIDDEN, error_body("AccessDenied", "missing or wrong Authorization token"));
        }
        if request.method() != Method::GET {
            return json(StatusCode::METHOD_NOT_ALLOWED, error_body("MethodNotAllowed", "only GET is served"));
        }
        match self.current().await {
            Ok(creds) => json(StatusCode::OK, body_of(&creds)),
            Err(e) => json(StatusCode::INTERNAL_SERVER_ERROR, error_body("CredentialsUnavailable", &e.to_string())),
        }
    }

    /// The credentials held while they have more than the margin left; else one renewal
    /// (no prompt, then — once — with a prompt) for every request that finds them due.
    async fn current(self: &Arc<Self>) -> Result<Credentials> {
        let mut state = tokio::time::timeout(RENEWAL_WAIT, self.state.lock())
            .await
            .map_err(|_| Error::new("a renewal (perhaps waiting for an MFA code) took too long"))?;
        if state.creds.seconds_left().is_none_or(|left| left > self.margin) {
            return Ok(state.creds.clone());
        }
        if let Some((at, message)) = &state.failed
            && at.elapsed() < RETRY_AFTER
        {
            return Err(Error::new(message.clone()));
        }
        let (server, may_prompt) = (self.clone(), !state.prompted);
        let renewal = tokio::task::spawn_blocking(move || match (server.renew)(false) {
            Ok(creds) => (Ok(creds), false),
            Err(quiet) if !may_prompt => (Err(quiet), false),
            Err(_) => {
                eprintln!("stsenv: renewing the credentials of the running command needs you:");
                ((server.renew)(true), true)
            }
        });
        let (renewed, prompted) = renewal.await.map_err(|e| Error::new(format!("the renewal failed: {e}")))?;
        state.prompted |= prompted;
        match renewed {
            Ok(creds) => {
                state.creds = creds;
                state.failed = None;
                Ok(state.creds.clone())
            }
            Err(error) => {
                eprintln!("stsenv: cannot renew the credentials of the running command: {error}");
                state.failed = Some((Instant::now(), error.to_string()));
                Err(error)
            }
        }
    }
}

fn json(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    response
}

fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ "code": code, "message": message }).to_string()
}

/// The container-credentials body the SDKs read.
fn body_of(creds: &Credentials) -> String {
    serde_json::json!({
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "Token": creds.session_token,
        "Expiration": creds.expires_at.map(crate::creds::rfc3339),
    })
    .to_string()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
