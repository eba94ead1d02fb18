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
use std::net::{SocketAddr, TcpListener, TcpStream};
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
/// it belongs to this process's user. The kernel is asked about each socket by its address
/// pair (sock_diag, as `ss` does): one exact lookup, whatever the size of the machine's socket
/// table, so another user's thousands of sockets slow nobody down (reading `/proc/net/tcp`
/// instead cost 30 ms a request with 18,000 sockets open). See [`taken`] for who passes.
#[cfg(target_os = "linux")]
pub fn same_user_all(local: SocketAddr, peers: &[SocketAddr]) -> Vec<bool> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let Some(diag) = sock_diag::Socket::open() else { return vec![false; peers.len()] };
    let wsl = crate::browser::wsl();
    peers.iter().map(|peer| peer.ip().is_loopback() && taken(diag.owner(*peer, local), me, wsl)).collect()
}

/// Whether a client socket found as `found` may talk to a server of user `me`: ours, or
/// root's (root can read our memory anyway; WSL's localhost relay from the Windows browser
/// connects as root). Under WSL a client with no socket in this Linux at all is the Windows
/// side's (mirrored networking). Anything unknown is refused.
#[cfg(target_os = "linux")]
fn taken(found: sock_diag::Found, me: u32, wsl: bool) -> bool {
    match found {
        sock_diag::Found::Owner(uid) => uid == me || uid == 0,
        sock_diag::Found::Absent => wsl,
        sock_diag::Found::Unknown => false,
    }
}

/// Elsewhere (macOS, BSD) no unprivileged call names a socket's owner: loopback clients are
/// taken, as the AWS CLI takes them; the server's token and the one-time links still hold.
#[cfg(not(target_os = "linux"))]
pub fn same_user_all(_local: SocketAddr, peers: &[SocketAddr]) -> Vec<bool> {
    peers.iter().map(|peer| peer.ip().is_loopback()).collect()
}

/// The few structures of `linux/inet_diag.h` that an exact lookup needs (libc has none).
#[cfg(target_os = "linux")]
mod sock_diag {
    use std::mem::size_of;
    use std::net::{IpAddr, SocketAddr};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    const NETLINK_SOCK_DIAG: i32 = 4;
    const SOCK_DIAG_BY_FAMILY: u16 = 20;
    const NLM_F_REQUEST: u16 = 1;
    const NLMSG_ERROR: u16 = 2;
    const INET_DIAG_NOCOOKIE: u32 = !0;

    #[repr(C)]
    #[derive(Clone, Copy)]
    struct SockId {
        sport: [u8; 2],
        dport: [u8; 2],
        src: [u8; 16],
        dst: [u8; 16],
        interface: u32,
        cookie: [u32; 2],
    }

    #[repr(C)]
    struct Request {
        header: libc::nlmsghdr,
        family: u8,
        protocol: u8,
        ext: u8,
        pad: u8,
        states: u32,
        id: SockId,
    }

    #[repr(C)]
    struct Answer {
        header: libc::nlmsghdr,
        family: u8,
        state: u8,
        timer: u8,
        retrans: u8,
        id: SockId,
        expires: u32,
        rqueue: u32,
        wqueue: u32,
        uid: u32,
        inode: u32,
    }

    pub struct Socket(OwnedFd);

    /// What the kernel says of one socket.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Found {
        Owner(u32),
        /// No such socket in this network namespace.
        Absent,
        Unknown,
    }

    impl Socket {
        pub fn open() -> Option<Socket> {
            // SAFETY: plain socket(2); the descriptor is owned at once.
            let fd = unsafe {
                libc::socket(libc::AF_NETLINK, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, NETLINK_SOCK_DIAG)
            };
            if fd < 0 {
                return None;
            }
            // SAFETY: fd is a fresh descriptor nobody else owns.
            let socket = Socket(unsafe { OwnedFd::from_raw_fd(fd) });
            // The kernel answers at once; never wait long on it.
            let limit = libc::timeval { tv_sec: 1, tv_usec: 0 };
            // SAFETY: the option value is a timeval of the size given.
            unsafe {
                libc::setsockopt(
                    fd,
                    libc::SOL_SOCKET,
                    libc::SO_RCVTIMEO,
                    (&raw const limit).cast(),
                    size_of::<libc::timeval>() as u32,
                )
            };
            Some(socket)
        }

        /// The uid owning the TCP socket bound to `local_end` and connected to `remote_end`.
        pub fn owner(&self, local_end: SocketAddr, remote_end: SocketAddr) -> Found {
            let family = match (local_end.ip(), remote_end.ip()) {
                (IpAddr::V4(_), IpAddr::V4(_)) => libc::AF_INET,
                (IpAddr::V6(_), IpAddr::V6(_)) => libc::AF_INET6,
                _ => return Found::Unknown,
            };
            let request = Request {
                header: libc::nlmsghdr {
                    nlmsg_len: size_of::<Request>() as u32,
                    nlmsg_type: SOCK_DIAG_BY_FAMILY,
                    nlmsg_flags: NLM_F_REQUEST,
                    nlmsg_seq: 1,
                    nlmsg_pid: 0,
                },
                family: family as u8,
                protocol: libc::IPPROTO_TCP as u8,
                ext: 0,
                pad: 0,
                states: !0,
                id: SockId {
                    sport: local_end.port().to_be_bytes(),
                    dport: remote_end.port().to_be_bytes(),
                    src: octets(local_end.ip()),
                    dst: octets(remote_end.ip()),
                    interface: 0,
                    cookie: [INET_DIAG_NOCOOKIE; 2],
                },
            };
            let fd = self.0.as_raw_fd();
            // SAFETY: the request is a plain repr(C) value of the length sent.
            let sent = unsafe { libc::send(fd, (&raw const request).cast(), size_of::<Request>(), 0) };
            if sent != size_of::<Request>() as isize {
                return Found::Unknown;
            }
            // An answer, or an error message (ENOENT: no such socket); 8-byte aligned.
            let mut buffer = [0u64; 128];
            // SAFETY: the buffer is writable for its whole size.
            let got = unsafe { libc::recv(fd, buffer.as_mut_ptr().cast(), size_of::<[u64; 128]>(), 0) };
            if got >= (size_of::<libc::nlmsghdr>() + 4) as isize {
                // SAFETY: a header and the error number were received into an aligned buffer.
                let header = unsafe { &*buffer.as_ptr().cast::<libc::nlmsghdr>() };
                let error = unsafe { *buffer.as_ptr().cast::<u8>().add(size_of::<libc::nlmsghdr>()).cast::<i32>() };
                if header.nlmsg_type == NLMSG_ERROR {
                    return if error == -libc::ENOENT { Found::Absent } else { Found::Unknown };
                }
            }
            if got < size_of::<Answer>() as isize {
                return Found::Unknown;
            }
            // SAFETY: at least an Answer's bytes were received into an aligned buffer, and
            // every bit pattern is a valid Answer.
            let answer = unsafe { &*buffer.as_ptr().cast::<Answer>() };
            let same = answer.id.sport == request.id.sport && answer.id.dport == request.id.dport;
            if answer.header.nlmsg_type == SOCK_DIAG_BY_FAMILY && same { Found::Owner(answer.uid) } else { Found::Unknown }
        }
    }

    fn octets(ip: IpAddr) -> [u8; 16] {
        let mut out = [0; 16];
        match ip {
            IpAddr::V4(ip) => out[..4].copy_from_slice(&ip.octets()),
            IpAddr::V6(ip) => out = ip.octets(),
        }
        out
    }
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
    #[cfg(target_os = "linux")]
    #[test]
    fn the_kernel_names_the_owner_of_a_client_socket() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let server = listener.local_addr().unwrap();
        let client = std::net::TcpStream::connect(server).unwrap();
        let (_accepted, peer) = listener.accept().unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(super::same_user_all(server, &[peer]), [true]);
        // No such socket (a port nobody holds) is not ours.
        let gone = std::net::SocketAddr::from(([127, 0, 0, 1], 1));
        assert_eq!(super::same_user_all(server, &[gone, peer]), [false, true]);
        let diag = super::sock_diag::Socket::open().unwrap();
        assert_eq!(diag.owner(gone, server), super::sock_diag::Found::Absent);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn ours_and_roots_pass_others_and_unknowns_do_not_and_absent_only_under_wsl() {
        use super::sock_diag::Found::*;
        for (found, wsl, expected) in [
            (Owner(1000), false, true),
            (Owner(0), false, true),
            (Owner(1001), false, false),
            (Owner(1001), true, false),
            (Absent, false, false),
            (Absent, true, true),
            (Unknown, true, false),
        ] {
            assert_eq!(super::taken(found, 1000, wsl), expected, "{found:?} wsl={wsl}");
        }
    }
}
