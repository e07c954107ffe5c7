//! The fake's HTTP/1.1 server: the listener, a thread per connection,
//! request parsing and responses. What a request means is the handler's
//! business ([`super::sts`]).

use aws_smithy_types::date_time::{DateTime, Format};
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime};

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 1024 * 1024;

pub(super) struct Request {
    pub(super) method: String,
    pub(super) target: String,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
    keep_alive: bool,
}

impl Request {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub(super) struct Response {
    pub(super) status: u16,
    pub(super) body: String,
    pub(super) request_id: String,
    pub(super) date: SystemTime,
    /// Headers besides the usual ones; a `Content-Type` here replaces `text/xml`.
    pub(super) headers: Vec<(String, String)>,
}

/// Set when the server stops, so that a handler that waits does not hold up
/// the shutdown.
#[derive(Debug, Default)]
pub(super) struct Stop(AtomicBool);

impl Stop {
    fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Sleeps for `d`, or until the server stops.
    pub(super) fn sleep(&self, d: Duration) {
        let step = Duration::from_millis(20);
        let mut left = d;
        while !left.is_zero() && !self.is_set() {
            let s = left.min(step);
            thread::sleep(s);
            left -= s;
        }
    }
}

type Handler = dyn Fn(&Request, &Stop) -> Response + Send + Sync;

struct Shared {
    name: String,
    handler: Box<Handler>,
    stop: Stop,
    next_conn: AtomicU64,
    conns: Mutex<HashMap<u64, TcpStream>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

/// A server on `127.0.0.1:<random port>`. Dropping it stops the server and
/// joins all its threads.
pub(super) struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `127.0.0.1:0`; `name` prefixes the threads' names.
    pub(super) fn start(
        name: &str,
        handler: impl Fn(&Request, &Stop) -> Response + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("fake STS: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake STS: local_addr");
        let shared = Arc::new(Shared {
            name: name.to_string(),
            handler: Box::new(handler),
            stop: Stop::default(),
            next_conn: AtomicU64::new(0),
            conns: Mutex::default(),
            workers: Mutex::default(),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("{name}-accept"))
                .spawn(move || accept_loop(listener, shared))
                .expect("fake STS: spawn")
        };
        Server {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.0.store(true, Ordering::SeqCst);
        // Wake the blocking accept(); the acceptor sees the flag and returns.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        // Unblock connection threads waiting on keep-alive reads.
        for stream in self
            .shared
            .conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let workers = std::mem::take(
            &mut *self
                .shared
                .workers
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for worker in workers {
            let _ = worker.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.is_set() {
            break;
        }
        let Ok(stream) = stream else { continue };
        let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            shared
                .conns
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id, clone);
        }
        let worker = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("{}-conn-{id}", shared.name))
                .spawn(move || {
                    let _ = serve_connection(stream, &shared);
                    shared
                        .conns
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&id);
                })
        };
        let mut workers = shared.workers.lock().unwrap_or_else(|e| e.into_inner());
        workers.retain(|w| !w.is_finished());
        if let Ok(worker) = worker {
            workers.push(worker);
        }
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    // Idle keep-alive connections are also closed by Drop (shutdown).
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        if shared.stop.is_set() {
            return Ok(());
        }
        let request = match read_request(&mut reader, &mut writer)? {
            Some(Ok(r)) => r,
            Some(Err(status)) => {
                let text = if status == 413 {
                    "Payload Too Large"
                } else {
                    "Bad Request"
                };
                let msg = format!(
                    "HTTP/1.1 {status} {text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                writer.write_all(msg.as_bytes())?;
                return Ok(());
            }
            None => return Ok(()), // clean EOF between requests
        };
        let keep_alive = request.keep_alive;
        let head_only = request.method == "HEAD";
        let response = (shared.handler)(&request, &shared.stop);
        if shared.stop.is_set() {
            return Ok(());
        }
        write_response(&mut writer, &response, keep_alive, head_only)?;
        if !keep_alive {
            let _ = writer.shutdown(Shutdown::Write);
            return Ok(());
        }
    }
}

/// `Ok(None)`: the peer closed the connection before a new request.
/// `Ok(Some(Err(status)))`: malformed request, answer `status` and close.
fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
) -> io::Result<Option<Result<Request, u16>>> {
    let mut head_len = 0usize;
    let mut line = String::new();
    // Request line (RFC 9112 says to ignore empty lines before it).
    loop {
        line.clear();
        let n = reader.read_line(&mut line)?;
        if n == 0 {
            return Ok(None);
        }
        head_len += n;
        if head_len > MAX_HEAD {
            return Ok(Some(Err(400)));
        }
        if !line.trim_end_matches(['\r', '\n']).is_empty() {
            break;
        }
    }
    let request_line = line.trim_end_matches(['\r', '\n']).to_string();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Ok(Some(Err(400)));
    };
    let (method, target, version) = (method.to_string(), target.to_string(), version.to_string());
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Ok(Some(Err(400)));
    }

    let mut headers = Vec::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head_len += n;
        if head_len > MAX_HEAD {
            return Ok(Some(Err(400)));
        }
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            break;
        }
        let Some((name, value)) = l.split_once(':') else {
            return Ok(Some(Err(400)));
        };
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }

    let mut request = Request {
        method,
        target,
        headers,
        body: Vec::new(),
        keep_alive: version == "HTTP/1.1",
    };
    if let Some(conn) = request.header("connection").map(str::to_string) {
        for token in conn.split(',').map(str::trim) {
            if token.eq_ignore_ascii_case("close") {
                request.keep_alive = false;
            } else if token.eq_ignore_ascii_case("keep-alive") {
                request.keep_alive = true;
            }
        }
    }

    let chunked = request.header("transfer-encoding").is_some_and(|te| {
        te.to_ascii_lowercase()
            .split(',')
            .any(|t| t.trim() == "chunked")
    });
    let content_length = match request.header("content-length") {
        None => None,
        Some(v) => match v.parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => return Ok(Some(Err(400))),
        },
    };
    let has_body = chunked || content_length.is_some_and(|n| n > 0);
    if has_body
        && request
            .header("expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    if chunked {
        match read_chunked(reader)? {
            Ok(body) => request.body = body,
            Err(status) => return Ok(Some(Err(status))),
        }
    } else if let Some(n) = content_length {
        if n > MAX_BODY {
            return Ok(Some(Err(413)));
        }
        request.body = vec![0; n];
        reader.read_exact(&mut request.body)?;
    }
    Ok(Some(Ok(request)))
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> io::Result<Result<Vec<u8>, u16>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let size_text = line.trim_end_matches(['\r', '\n']);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return Ok(Err(400));
        };
        if body.len() + size > MAX_BODY {
            return Ok(Err(413));
        }
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0
                    || line.trim_end_matches(['\r', '\n']).is_empty()
                {
                    return Ok(Ok(body));
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Ok(Err(400));
        }
    }
}

fn write_response(
    w: &mut TcpStream,
    r: &Response,
    keep_alive: bool,
    head_only: bool,
) -> io::Result<()> {
    let reason = match r.status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        _ => "Unknown",
    };
    let content_type = r
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map_or("text/xml", |(_, v)| v.as_str());
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nx-amzn-RequestId: {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nDate: {}\r\n",
        r.status,
        reason,
        r.request_id,
        r.body.len(),
        http_date(r.date),
    );
    for (k, v) in r
        .headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("content-type"))
    {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(if keep_alive {
        "Connection: keep-alive\r\n"
    } else {
        "Connection: close\r\n"
    });
    out.push_str("\r\n");
    if !head_only {
        out.push_str(&r.body);
    }
    w.write_all(out.as_bytes())?;
    w.flush()
}

/// `Sun, 22 Nov 2026 12:00:00 GMT` (RFC 1123 / IMF-fixdate)
pub fn http_date(t: SystemTime) -> String {
    DateTime::from(t)
        .fmt(Format::HttpDate)
        .expect("fake STS: a date within years 1..=9999")
}
