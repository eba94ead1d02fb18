//! HTTP on 127.0.0.1 for the browser: the sign-in's redirect, and one-shot URLs that send
//! the browser on to a URL holding a secret (a console sign-in token, a PKCE `state`), so
//! that no secret stands in a browser's command line, which every local user can read in
//! `/proc/PID/cmdline`.
//!
//! Every local user can connect to a loopback port, so: a connection whose client socket
//! belongs to another uid is closed unread ([`same_user_all`], also used by the credential
//! server); each connection has `HEAD_DEADLINE` in all to send its request head, read on a
//! thread of its own, so one stalled client holds up neither the others nor the deadline.

use crate::error::{Error, Result};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A request head must be complete this long after its connection was accepted.
pub const HEAD_DEADLINE: Duration = Duration::from_secs(3);
const MAX_HEAD: usize = 8192;
/// Connections being read at once; more are closed at once.
const MAX_OPEN: usize = 32;

/// For each client end of a loopback connection (`peers`, connected to our `local`), whether
/// it belongs to this process's user, from the kernel's socket table (`/proc/net/tcp*`, whose
/// `uid` column is the owner of each socket). Unknown (not Linux, no such line) is `false`.
/// One read of the table for all of them: a flood of connections costs a few reads.
pub fn same_user_all(local: SocketAddr, peers: &[SocketAddr]) -> Vec<bool> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() }.to_string();
    let file = if local.is_ipv4() { "/proc/net/tcp" } else { "/proc/net/tcp6" };
    let table = std::fs::read_to_string(file).unwrap_or_default();
    let remote = address(local);
    // The client sockets of ours that are connected to `local`, as `LOCAL` columns.
    let mine: std::collections::HashSet<&str> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut columns = line.split_whitespace();
            let (client, server) = (columns.nth(1)?, columns.next()?);
            // then st, tx_queue:rx_queue, tr:tm->when, retrnsmt, uid
            (server == remote && columns.nth(4)? == me).then_some(client)
        })
        .collect();
    peers.iter().map(|peer| peer.ip().is_loopback() && mine.contains(address(*peer).as_str())).collect()
}

fn address(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) => hex(&ip.octets(), addr.port()),
        IpAddr::V6(ip) => hex(&ip.octets(), addr.port()),
    }
}

/// An address as `/proc/net/tcp` writes it: each 32-bit word of the address in host byte
/// order, in hex, then `:PORT` in hex.
fn hex(octets: &[u8], port: u16) -> String {
    let words: String =
        octets.chunks(4).map(|w| format!("{:08X}", u32::from_ne_bytes([w[0], w[1], w[2], w[3]]))).collect();
    format!("{words}:{port:04X}")
}

/// What a request is answered with.
pub enum Reply {
    /// 302 to a URL (the one-shot's only answer).
    Redirect(String),
    /// 410: a one-shot URL that was used already.
    Gone,
    /// A small page.
    Page(&'static str, String),
}

/// A request, and the connection to answer it on.
struct Received {
    target: String,
    stream: TcpStream,
}

pub struct Server {
    listener: TcpListener,
    local: SocketAddr,
    open: Arc<AtomicUsize>,
}

impl Server {
    pub fn bind() -> Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| Error::new(format!("cannot listen on 127.0.0.1 for the browser: {e}")))?;
        listener.set_nonblocking(true)?;
        let local = listener.local_addr()?;
        Ok(Server { listener, local, open: Arc::new(AtomicUsize::new(0)) })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.local)
    }

    /// Answers requests with `handle` (given the request target) until it returns a value
    /// or `deadline` passes (`None`). Only GET from this user is served.
    pub fn serve<T>(&self, deadline: Instant, mut handle: impl FnMut(&str) -> (Reply, Option<T>)) -> Option<T> {
        let (sender, received) = mpsc::channel::<Received>();
        while Instant::now() < deadline {
            // Everything waiting, checked with one read of the socket table: a flood from
            // another user is closed as fast as it comes.
            let mut batch = Vec::new();
            while batch.len() < 256 {
                match self.listener.accept() {
                    Ok(accepted) => batch.push(accepted),
                    Err(_) => break,
                }
            }
            let peers: Vec<SocketAddr> = batch.iter().map(|(_, peer)| *peer).collect();
            let mine = same_user_all(self.local, &peers);
            for ((stream, _), mine) in batch.into_iter().zip(mine) {
                if mine {
                    self.read_on_thread(stream, sender.clone());
                }
            }
            match received.recv_timeout(Duration::from_millis(20)) {
                Ok(Received { target, mut stream }) => {
                    let (reply, done) = handle(&target);
                    answer(&mut stream, reply);
                    if done.is_some() {
                        return done;
                    }
                }
                Err(_) => continue,
            }
        }
        None
    }

    fn read_on_thread(&self, stream: TcpStream, sender: mpsc::Sender<Received>) {
        if self.open.load(Ordering::SeqCst) >= MAX_OPEN {
            return; // closed unread
        }
        self.open.fetch_add(1, Ordering::SeqCst);
        let open = self.open.clone();
        std::thread::spawn(move || {
            let mut stream = stream;
            if let Some(target) = request_target(&mut stream) {
                let _ = sender.send(Received { target, stream });
            }
            open.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// The target of a GET request, if its head arrives whole within `HEAD_DEADLINE`.
fn request_target(stream: &mut TcpStream) -> Option<String> {
    let deadline = Instant::now() + HEAD_DEADLINE;
    stream.set_nonblocking(false).ok()?;
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let left = deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())?;
        stream.set_read_timeout(Some(left)).ok()?;
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return None;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&head).lines().next()?.to_owned();
    let mut words = line.split(' ');
    (words.next()? == "GET").then(|| words.next().map(str::to_owned))?
}

fn answer(stream: &mut TcpStream, reply: Reply) {
    let (status, location, text) = match reply {
        // A URL with a line break would add headers: never sent.
        Reply::Redirect(url) if !url.contains(['\r', '\n']) => ("302 Found", Some(url), "Redirecting…".to_owned()),
        Reply::Redirect(_) => ("500 Internal Server Error", None, "Bad redirect.".to_owned()),
        Reply::Gone => ("410 Gone", None, "This link was used already: it works once.".to_owned()),
        Reply::Page(status, text) => (status, None, text),
    };
    let body = format!("<!doctype html><title>stsenv</title><p>{text}</p>\n");
    let location = location.map_or(String::new(), |l| format!("location: {l}\r\n"));
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\n{location}cache-control: no-store\r\nreferrer-policy: no-referrer\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// A random path for a one-shot URL.
pub fn random_path() -> Result<String> {
    Ok(format!("/{}", random_text(32)?))
}

/// `len` characters of the PKCE verifier alphabet (RFC 7636: A-Z a-z 0-9 - . _ ~).
pub fn random_text(len: usize) -> Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let mut bytes = vec![0u8; len];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    // 256 is 3 × 66 + 58: the small bias is irrelevant for a one-time secret of 32+ characters.
    Ok(bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect())
}

/// Opens `secret_url` in the browser through a one-shot loopback URL: the browser's command
/// line holds only `http://127.0.0.1:PORT/<random>`, which redirects once to `secret_url` and
/// answers 410 afterwards. Waits until the browser took it (`Ok(true)`), or the browser
/// could not be started or never asked within `wait` (`Ok(false)`). A second request for the
/// URL means some other client raced the browser to it: said on the terminal.
pub fn open_once(secret_url: &str, wait: Duration, launch: impl FnOnce(&str) -> Result<bool>) -> Result<bool> {
    let server = Server::bind()?;
    let path = random_path()?;
    if !launch(&server.url(&path))? {
        return Ok(false);
    }
    let mut used = false;
    let taken = server.serve(Instant::now() + wait, |target| one_shot(target, &path, secret_url, &mut used));
    if taken.is_none() {
        return Ok(false);
    }
    // A late second client (the real browser, if another was first) gets 410: say so.
    let raced = server.serve(Instant::now() + Duration::from_millis(1500), |target| {
        if target == path { (Reply::Gone, Some(())) } else { (Reply::Page("404 Not Found", "Not found.".into()), None) }
    });
    if raced.is_some() {
        eprintln!(
            "stsenv: the browser's one-time link was asked for twice: another program of yours took it first; if the browser shows 'used already', run the command again"
        );
    }
    Ok(true)
}

/// The answer to a request for the one-shot `path`: the redirect the first time, 410 after.
pub fn one_shot(target: &str, path: &str, secret_url: &str, used: &mut bool) -> (Reply, Option<()>) {
    if target != path {
        return (Reply::Page("404 Not Found", "Not found.".into()), None);
    }
    if std::mem::replace(used, true) {
        eprintln!("stsenv: the browser's one-time link was asked for twice: another program of yours took it first");
        return (Reply::Gone, None);
    }
    (Reply::Redirect(secret_url.to_owned()), Some(()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_as_the_kernel_writes_them() {
        if cfg!(target_endian = "little") {
            assert_eq!(super::hex(&[127, 0, 0, 1], 8080), "0100007F:1F90");
        }
    }
}
