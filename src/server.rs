//! A local credential server: the container-credentials endpoint every SDK and the AWS CLI
//! already know (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`), on
//! 127.0.0.1, answering from one [`Resolver`] for the life of the process. A child that outlives
//! one set of credentials then refreshes them itself, from the cache and through the same
//! single-flight walk as every other command.
//!
//! The rules: loopback only (bound to 127.0.0.1, and the peer is checked again), one path, `GET`
//! only, a random 256-bit token compared in constant time (missing: 401, wrong: 403, and nothing
//! else is said), small bounded requests with a deadline for the whole head, one thread per connection, at most 64 at once.

use crate::context::Context;
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::resolve::{Request, Resolver};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use zeroize::Zeroizing;

/// The one path served.
const PATH: &str = "/rolecall/credentials";
/// A request's line and headers; an SDK's is about 200 bytes.
const MAX_REQUEST: usize = 8 * 1024;
/// For a request's whole line and headers (an SDK sends them at once).
const READ_DEADLINE: Duration = Duration::from_secs(2);
/// Connections answered at once; more are told 503 at once (an SDK retries), so that nothing
/// that can reach loopback can pile up threads.
const MAX_CONNECTIONS: usize = 64;
const BUSY_READ_DEADLINE: Duration = Duration::from_millis(100);

/// A bound, not yet serving, credential endpoint.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    token: Zeroizing<String>,
}

impl Server {
    /// Bind 127.0.0.1 on a port the system picks, with a fresh token.
    pub fn bind() -> Result<Server> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| Error::Io {
            what: "cannot listen on 127.0.0.1 for the credential server".into(),
            source: e,
        })?;
        Ok(Server {
            listener,
            token: random_token()?,
        })
    }

    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub fn url(&self) -> String {
        let port = self.listener.local_addr().map(|a| a.port()).unwrap_or(0);
        format!("http://127.0.0.1:{port}{PATH}")
    }

    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Serve `profile` for the rest of the process's life, on a thread of its own.
    pub fn spawn(self, ctx: &'static Context, profile: String) {
        std::thread::spawn(move || self.serve(ctx, &profile));
    }

    /// Serve `profile` until the process ends.
    pub fn serve(self, ctx: &'static Context, profile: &str) {
        let shared: &'static Shared = Box::leak(Box::new(Shared {
            ctx,
            resolver: Mutex::new(Resolver::new(ctx)),
            profile: profile.to_owned(),
            token: self.token,
            open: AtomicUsize::new(0),
        }));
        for stream in self.listener.incoming() {
            match stream {
                Ok(mut stream) => {
                    if shared.open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                        shared.open.fetch_sub(1, Ordering::SeqCst);
                        // Read what came (briefly) so that closing sends the answer, not a reset.
                        let _ = read_head(&mut stream, BUSY_READ_DEADLINE);
                        let _ = stream.write_all(&response(
                            503,
                            "Service Unavailable",
                            br#"{"message":"busy"}"#,
                        ));
                        let _ = stream.shutdown(Shutdown::Write);
                        continue;
                    }
                    std::thread::spawn(move || {
                        shared.answer(stream);
                        shared.open.fetch_sub(1, Ordering::SeqCst);
                    });
                }
                Err(e) => {
                    ctx.warn(format_args!("credential server: {e}"));
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
    }
}

#[derive(Debug)]
struct Shared {
    ctx: &'static Context,
    /// One resolve at a time: concurrent requests during a refresh wait here and are answered
    /// from the entry the first one wrote (one STS call per step, as across processes).
    resolver: Mutex<Resolver<'static>>,
    profile: String,
    token: Zeroizing<String>,
    /// Connections being answered.
    open: AtomicUsize,
}

impl Shared {
    fn answer(&self, mut stream: TcpStream) {
        let reply = match stream.peer_addr() {
            Ok(SocketAddr::V4(a)) if a.ip().is_loopback() => self.reply(&mut stream),
            // Bound to 127.0.0.1, so nothing else arrives; if it did, it gets nothing.
            _ => {
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
        };
        let _ = stream.write_all(&reply);
        let _ = stream.flush();
        let _ = stream.shutdown(Shutdown::Write);
    }

    fn reply(&self, stream: &mut TcpStream) -> Zeroizing<Vec<u8>> {
        let Some(head) = read_head(stream, READ_DEADLINE) else {
            return response(400, "Bad Request", br#"{"message":"malformed request"}"#);
        };
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap_or_default().split(' ');
        let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
        let path = target.split('?').next().unwrap_or("");
        if path != PATH {
            return response(404, "Not Found", br#"{"message":"not found"}"#);
        }
        if method != "GET" {
            return response(
                405,
                "Method Not Allowed",
                br#"{"message":"only GET is served"}"#,
            );
        }
        let auth = lines.find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("authorization")
                .then(|| value.trim())
        });
        match auth {
            None => return response(401, "Unauthorized", b"{}"),
            Some(given) if !same(given.as_bytes(), self.token.as_bytes()) => {
                return response(403, "Forbidden", b"{}");
            }
            Some(_) => {}
        }
        let resolved = {
            let resolver = self.resolver.lock().unwrap_or_else(|e| e.into_inner());
            resolver.credentials(&Request {
                profile: self.profile.clone(),
                ..Request::default()
            })
        };
        match resolved {
            Ok((_, creds)) => response(200, "OK", &container_json(&creds)),
            Err(e) => {
                // The child's SDK shows the body in its error; the person sees it here.
                self.ctx.warn(format_args!(
                    "credential server: cannot refresh profile `{}`: {e}",
                    self.profile
                ));
                let body = serde_json::json!({
                    "code": "RolecallError",
                    "message": format!("rolecall cannot refresh profile `{}`: {e}", self.profile),
                });
                response(500, "Internal Server Error", body.to_string().as_bytes())
            }
        }
    }
}

/// The request line and headers (the body, if any, is ignored), within the size cap and the
/// read deadline.
fn read_head(stream: &mut TcpStream, deadline: Duration) -> Option<String> {
    // The deadline is for the whole head: a per-read timeout would let a client that sends a
    // byte now and then hold its slot for ever.
    let until = std::time::Instant::now() + deadline;
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            // The head only: whatever follows (a body) is never read as headers.
            buf.truncate(end);
            return String::from_utf8(buf).ok();
        }
        let left = until.checked_duration_since(std::time::Instant::now())?;
        if left.is_zero() {
            return None;
        }
        stream.set_read_timeout(Some(left)).ok()?;
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 || buf.len() + n > MAX_REQUEST {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn response(status: u16, reason: &str, body: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(body.len() + 128));
    out.extend_from_slice(
        format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}

/// The container-credentials document the SDKs read, written into a buffer sized so that it
/// never reallocates (a reallocation would leave a copy of the secrets in freed memory).
fn container_json(c: &Credentials) -> Zeroizing<Vec<u8>> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Document<'a> {
        access_key_id: &'a str,
        secret_access_key: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        token: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        expiration: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        account_id: Option<&'a str>,
    }
    let doc = Document {
        access_key_id: &c.access_key_id,
        secret_access_key: c.secret_access_key.expose(),
        token: c.session_token.as_ref().map(|t| t.expose().as_str()),
        expiration: c.expiration_rfc3339(),
        account_id: c.account_id.as_deref(),
    };
    let secrets = doc.secret_access_key.len() + doc.token.map_or(0, str::len);
    let mut out = Zeroizing::new(Vec::with_capacity(secrets * 6 + 256));
    let _ = serde_json::to_writer(&mut *out, &doc);
    out
}

/// Equal, in time that depends only on the lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 32 bytes from the kernel, as 64 hex digits.
fn random_token() -> Result<Zeroizing<String>> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::getrandom(&mut bytes[..]).map_err(|e| Error::Io {
        what: "cannot get random bytes for the credential server's token".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let mut token = Zeroizing::new(String::with_capacity(64));
    for b in bytes.iter() {
        token.push_str(&format!("{b:02x}"));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
        assert!(!same(b"", b"a"));
    }

    #[test]
    fn tokens_are_fresh_and_long() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(*a, *b);
    }
}
