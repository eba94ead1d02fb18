//! A tiny HTTP/1.1 server on loopback for STS error paths moto cannot produce, and a proxy
//! in front of moto that records every request (to count STS calls and see who signed them).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Request {
    pub head: String,
    pub body: String,
    raw: Vec<u8>,
}

impl Request {
    /// A form field of the query-protocol body, e.g. `Action` or `TokenCode`.
    pub fn param(&self, name: &str) -> Option<String> {
        self.body.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| percent_decode(v))
        })
    }

    /// The request line's path and query, e.g. `/federation/credentials?role_name=…`.
    pub fn target(&self) -> String {
        self.head.split_whitespace().nth(1).unwrap_or("").to_owned()
    }

    /// A header's value (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }

    /// A query parameter of the request line.
    pub fn query(&self, name: &str) -> Option<String> {
        let target = self.target();
        let query = target.split_once('?')?.1.to_owned();
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| percent_decode(v))
        })
    }

    pub fn action(&self) -> String {
        self.param("Action").unwrap_or_default()
    }

    /// Whether the request carries a session token (signed with temporary credentials).
    pub fn has_session_token(&self) -> bool {
        self.head.to_ascii_lowercase().contains("\nx-amz-security-token:")
    }

    /// The region in the SigV4 scope (`Credential=AKID/DATE/REGION/…`).
    pub fn signing_region(&self) -> String {
        let auth = self.head.lines().find(|l| l.to_ascii_lowercase().starts_with("authorization:")).unwrap_or("");
        auth.split("Credential=").nth(1).and_then(|c| c.split('/').nth(2)).unwrap_or("").to_owned()
    }

    /// The access key id that signed the request (SigV4 `Credential=AKID/…`).
    pub fn signer(&self) -> String {
        let auth = self.head.lines().find(|l| l.to_ascii_lowercase().starts_with("authorization:")).unwrap_or("");
        auth.split("Credential=").nth(1).and_then(|c| c.split('/').next()).unwrap_or("").to_owned()
    }
}

pub enum Reply {
    Xml {
        status: u16,
        body: String,
    },
    /// Answer after a pause (for timeouts).
    Slow {
        delay: Duration,
    },
    /// Bytes to send as they are (a forwarded response).
    Raw(Vec<u8>),
    /// A restJson1 answer; errors carry their code in `x-amzn-ErrorType`, as AWS sends it.
    Json {
        status: u16,
        body: String,
        error_type: Option<String>,
    },
}

pub struct Server {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (handler, seen) = (handler.clone(), seen.clone());
                std::thread::spawn(move || serve(stream, &*handler, &seen));
            }
        });
        Server { url, requests }
    }

    /// A proxy in front of `upstream` (moto) that records each request.
    pub fn counting(upstream: &str) -> Server {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        Server::start(move |req| Reply::Raw(forward(&upstream, req)))
    }

    /// A `counting` proxy that holds each `action` request for `delay` before passing it on.
    pub fn delaying(upstream: &str, action: &'static str, delay: Duration) -> Server {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        Server::start(move |req| {
            if req.action() == action {
                std::thread::sleep(delay);
            }
            Reply::Raw(forward(&upstream, req))
        })
    }

    /// An HTTPS proxy (`HTTPS_PROXY`) that records each CONNECT and refuses it: which host
    /// a client's endpoint rules chose, without reaching it.
    pub fn refusing_proxy() -> Server {
        Server::start(|_| Reply::Raw(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n".to_vec()))
    }

    /// The hosts clients asked a `refusing_proxy` to CONNECT to.
    pub fn connect_hosts(&self) -> Vec<String> {
        let requests = self.requests.lock().unwrap();
        requests.iter().filter_map(|r| r.head.strip_prefix("CONNECT ")?.split(' ').next().map(str::to_owned)).collect()
    }

    pub fn count(&self, action: &str) -> usize {
        self.requests.lock().unwrap().iter().filter(|r| r.action() == action).count()
    }

    pub fn all(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, handler: &(dyn Fn(&Request) -> Reply + Send + Sync), seen: &Mutex<Vec<Request>>) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    while let Some(req) = read_message(&mut reader) {
        seen.lock().unwrap().push(req.clone());
        let bytes = match handler(&req) {
            Reply::Xml { status, body } => {
                format!("HTTP/1.1 {status} X\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\r\n{body}", body.len())
                    .into_bytes()
            }
            Reply::Slow { delay } => {
                std::thread::sleep(delay);
                return;
            }
            Reply::Raw(bytes) => bytes,
            Reply::Json { status, body, error_type } => {
                let error = error_type.map_or(String::new(), |t| format!("x-amzn-ErrorType: {t}\r\n"));
                format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{error}x-amzn-RequestId: 5f5b2e0c-1\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                )
                .into_bytes()
            }
        };
        if writer.write_all(&bytes).is_err() {
            return;
        }
    }
}

/// Reads one HTTP message (head + content-length body); `None` at end of stream.
fn read_message(reader: &mut impl BufRead) -> Option<Request> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let length = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let mut raw = head.clone().into_bytes();
    raw.extend_from_slice(&body);
    Some(Request { head, body: String::from_utf8_lossy(&body).into_owned(), raw })
}

fn forward(upstream: &str, req: &Request) -> Vec<u8> {
    let mut conn = TcpStream::connect(upstream).unwrap();
    // One request per upstream connection keeps the relay simple.
    let raw = String::from_utf8_lossy(&req.raw).replacen("\r\n\r\n", "\r\nconnection: close\r\n\r\n", 1);
    conn.write_all(raw.as_bytes()).unwrap();
    let mut reader = BufReader::new(conn);
    let reply = read_message(&mut reader).expect("upstream answered");
    reply.raw
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// An STS error as AWS sends it.
pub fn sts_error(status: u16, code: &str, message: &str) -> Reply {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    Reply::Xml {
        status,
        body: format!(
            "<ErrorResponse xmlns=\"{NS}\"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>",
            xml_escape(message)
        ),
    }
}

/// A successful AssumeRole / GetSessionToken answer carrying the given credential values.
pub fn sts_credentials(action: &str, id: &str, secret: &str, token: &str, expiration: &str) -> Reply {
    let extra = if action == "AssumeRole" {
        "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/R/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>"
    } else {
        ""
    };
    Reply::Xml {
        status: 200,
        body: format!(
            "<{action}Response xmlns=\"{NS}\"><{action}Result><Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey><SessionToken>{}</SessionToken><Expiration>{expiration}</Expiration></Credentials>{extra}</{action}Result><ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></{action}Response>",
            xml_escape(id),
            xml_escape(secret),
            xml_escape(token)
        ),
    }
}

pub fn sts_identity(arn: &str) -> Reply {
    Reply::Xml {
        status: 200,
        body: format!(
            "<GetCallerIdentityResponse xmlns=\"{NS}\"><GetCallerIdentityResult><Arn>{arn}</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
        ),
    }
}

fn xml_escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            '\n' => "&#10;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}
