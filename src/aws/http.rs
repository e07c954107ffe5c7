//! A small blocking HTTP/1.1 client for the local credential endpoints (the container endpoint
//! and instance metadata): plain `http` to link-local or loopback hosts, one request per
//! connection, every step under a deadline, the body capped. The SDK's client (TLS, pooling,
//! retries) stays for STS; a metadata call must fail within about a second when there is no
//! metadata, and must never hang.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// A credentials document is a few KiB.
const MAX_BODY: usize = 64 * 1024;

/// An `http://host[:port]/path` URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Url {
    /// Parse an `http://` URL; `https` and anything else is `Err` with the reason.
    pub fn parse(url: &str) -> Result<Url, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("`{url}` is not an `http://` URL"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| format!("`{url}` has an unclosed `[`"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| format!("`{url}` has a bad port"))?,
                None if after.is_empty() => 80,
                None => return Err(format!("`{url}` is not a URL")),
            };
            (h.to_owned(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (
                    h.to_owned(),
                    p.parse().map_err(|_| format!("`{url}` has a bad port"))?,
                ),
                None => (authority.to_owned(), 80),
            }
        };
        if host.is_empty() {
            return Err(format!("`{url}` has no host"));
        }
        Ok(Url {
            host,
            port,
            path: path.to_owned(),
        })
    }

    /// `host:port` as it goes into a `Host` header.
    fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// A response: its status and body (held in zeroizing memory: it may be credentials).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Zeroizing<Vec<u8>>,
}

/// One request, all of it (connect, write, read) within `timeout`. `headers` are sent as given;
/// the caller makes sure no value holds a line break.
pub fn request(
    method: &str,
    url: &Url,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> Result<Response, String> {
    let deadline = Instant::now() + timeout;
    let addrs: Vec<SocketAddr> = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve `{}`: {e}", url.host))?
        .collect();
    let addr = addrs
        .first()
        .ok_or_else(|| format!("`{}` resolves to no address", url.host))?;
    let left = |what: &str| {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| format!("no answer within {} ms ({what})", timeout.as_millis()))
    };
    let mut stream = TcpStream::connect_timeout(addr, left("connecting")?)
        .map_err(|e| format!("cannot connect to {}: {e}", url.authority()))?;
    let mut head = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAccept: */*\r\n",
        url.path,
        url.authority()
    );
    for (name, value) in headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    if method == "PUT" {
        head.push_str("Content-Length: 0\r\n");
    }
    head.push_str("\r\n");
    let head = Zeroizing::new(head);
    stream
        .set_write_timeout(Some(left("sending")?))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(head.as_bytes())
        .map_err(|e| format!("cannot send to {}: {e}", url.authority()))?;
    let mut raw = Zeroizing::new(Vec::with_capacity(8 * 1024));
    let mut chunk = Zeroizing::new([0u8; 4096]);
    loop {
        stream
            .set_read_timeout(Some(left("reading")?))
            .map_err(|e| e.to_string())?;
        match stream.read(&mut chunk[..]) {
            Ok(0) => break,
            Ok(n) => {
                if raw.len() + n > MAX_BODY + 8 * 1024 {
                    return Err(format!(
                        "the answer from {} is larger than {} KiB",
                        url.authority(),
                        MAX_BODY / 1024
                    ));
                }
                raw.extend_from_slice(&chunk[..n]);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(format!(
                    "no answer from {} within {} ms",
                    url.authority(),
                    timeout.as_millis()
                ));
            }
            Err(e) => return Err(format!("cannot read from {}: {e}", url.authority())),
        }
    }
    parse_response(&raw).map_err(|why| format!("the answer from {} {why}", url.authority()))
}

fn parse_response(raw: &[u8]) -> Result<Response, &'static str> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("is not an HTTP response")?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| "is not an HTTP response")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .filter(|_| status_line.starts_with("HTTP/1."))
        .ok_or("is not an HTTP response")?;
    let chunked = lines.any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.eq_ignore_ascii_case("transfer-encoding") && v.trim().eq_ignore_ascii_case("chunked")
        })
    });
    let body = &raw[end + 4..];
    let body = if chunked {
        dechunk(body).ok_or("has a broken chunked body")?
    } else {
        Zeroizing::new(body.to_vec())
    };
    Ok(Response { status, body })
}

fn dechunk(mut body: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::with_capacity(body.len()));
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("http://169.254.170.2/v2/credentials/abc").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("169.254.170.2", 80, "/v2/credentials/abc")
        );
        let u = Url::parse("http://[fd00:ec2::23]:8080/x").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("fd00:ec2::23", 8080));
        assert_eq!(u.authority(), "[fd00:ec2::23]:8080");
        assert_eq!(Url::parse("http://127.0.0.1:9").unwrap().path, "/");
        for bad in ["https://x/", "ftp://x", "http://", "http://h:port/"] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn responses_plain_and_chunked() {
        let r = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi").unwrap();
        assert_eq!((r.status, &r.body[..]), (200, &b"hi"[..]));
        let r = parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(&r.body[..], b"hello");
        assert!(parse_response(b"garbage").is_err());
    }
}
