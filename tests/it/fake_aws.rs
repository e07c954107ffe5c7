//! A fake AWS STS endpoint for integration tests (std only).
//!
//! `FakeAws::start()` listens on `127.0.0.1:<random port>` and speaks the STS
//! query protocol over HTTP/1.1 (keep-alive, `Connection: close`,
//! `Content-Length` and chunked request bodies, `Expect: 100-continue`).
//! Point rolecall at it with `AWS_ENDPOINT_URL_STS=<fake.url()>` (or
//! `AWS_ENDPOINT_URL`).
//!
//! Supported actions: `AssumeRole`, `GetSessionToken`, `GetCallerIdentity`;
//! responses use the real STS XML shapes. Every request is recorded (also the
//! ones answered with an injected fault) and can be inspected with
//! [`FakeAws::calls`] and [`FakeAws::count`].
//!
//! Beyond what tests inject, the fake enforces a few real STS rules, so that
//! client bugs show up as they would against AWS:
//! - a request without an `Authorization` header (or presigned
//!   `X-Amz-Credential`) gets 403 `MissingAuthenticationToken`;
//! - a request signed with an access key this fake issued must carry that
//!   key's session token (`X-Amz-Security-Token`), else 403
//!   `InvalidClientTokenId`; once the key's Expiration (by the fake's clock)
//!   has passed it gets 400 `ExpiredToken`;
//! - `GetSessionToken` signed with session credentials gets 403 `AccessDenied`;
//! - `DurationSeconds` must be 900..=43200 (AssumeRole) or 900..=129600
//!   (GetSessionToken), and at most 3600 when AssumeRole is called with
//!   credentials from an earlier AssumeRole (role chaining), else 400
//!   `ValidationError`; so are a malformed `RoleArn`, `RoleSessionName` or
//!   `TokenCode` (6 digits).
//!
//! The server stops, and all its threads are joined, when the `FakeAws` is
//! dropped.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// XML namespace of every STS response.
pub const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// Account of callers the fake does not know (static keys such as the AWS
/// documentation's `AKIAIOSFODNN7EXAMPLE`).
pub const DEFAULT_ACCOUNT: &str = "123456789012";
/// Identity (Arn) of callers the fake does not know.
pub const DEFAULT_ARN: &str = "arn:aws:iam::123456789012:user/example";
/// UserId of callers the fake does not know.
pub const DEFAULT_USER_ID: &str = "AIDAIOSFODNN7EXAMPLE";
/// Message STS sends (trailing space included) for a wrong MFA code.
pub const WRONG_MFA_MESSAGE: &str =
    "MultiFactorAuthentication failed with invalid MFA one time pass code. ";

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The `Action` parameter (empty if missing).
    pub action: String,
    /// All query parameters, url-decoded (body and query string merged).
    pub params: BTreeMap<String, String>,
    /// Access key id from `Authorization: AWS4-HMAC-SHA256 Credential=AKID/...`
    /// (empty if the request was not signed).
    pub access_key_id: String,
}

/// A failure to inject. See [`FakeAws::fail_next`] and [`FakeAws::fail_always`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 403 `AccessDenied` "User: ... is not authorized to perform: sts:<Action> ...".
    AccessDenied,
    /// 403 `AccessDenied` with STS's message for an invalid MFA code.
    WrongMfa,
    /// 400 `ExpiredToken` "The security token included in the request is expired".
    ExpiredToken,
    /// 400 `Throttling` "Rate exceeded".
    Throttling,
    /// 500 `InternalFailure`.
    Internal500,
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Wait this long, then fail with the inner fault.
    DelayThen(Duration, Box<Fault>),
    /// Answer with this status and body, whatever the request.
    Raw { status: u16, body: String },
}

/// Credentials the fake handed out (through AssumeRole or GetSessionToken).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub action: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// ISO 8601 UTC, as sent, e.g. `2026-11-22T12:00:00Z`.
    pub expiration: String,
    /// What GetCallerIdentity answers for these credentials.
    pub arn: String,
    pub user_id: String,
    pub account: String,
}

#[derive(Debug, Default)]
struct State {
    calls: Vec<Call>,
    issued: Vec<(Issued, SystemTime)>,
    next_key: u64,
    next_request: u64,
    queued: HashMap<String, VecDeque<Fault>>,
    always: HashMap<String, Fault>,
    mfa_code: Option<String>,
    clock_offset_secs: i64,
    /// Shifts only the `Date` header (a proxy's or a broken clock), not the Expirations.
    date_offset_secs: i64,
    expires_in_secs: Option<i64>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    shutdown: AtomicBool,
    next_conn: AtomicU64,
    conns: Mutex<HashMap<u64, TcpStream>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not hide the recorded calls.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The fake STS server. Dropping it stops the server.
pub struct FakeAws {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl fmt::Debug for FakeAws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeAws")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl FakeAws {
    /// Binds `127.0.0.1:0` and serves on background threads.
    pub fn start() -> FakeAws {
        let listener = TcpListener::bind("127.0.0.1:0").expect("fake STS: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake STS: local_addr");
        let shared = Arc::new(Shared::default());
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("fake-sts-accept".into())
                .spawn(move || accept_loop(listener, shared))
                .expect("fake STS: spawn")
        };
        FakeAws {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.state().calls.clone()
    }

    /// How many requests had this `Action` (faulted ones included).
    pub fn count(&self, action: &str) -> usize {
        self.shared
            .state()
            .calls
            .iter()
            .filter(|c| c.action == action)
            .count()
    }

    /// Credentials handed out so far, in order.
    pub fn issued(&self) -> Vec<Issued> {
        self.shared
            .state()
            .issued
            .iter()
            .map(|(i, _)| i.clone())
            .collect()
    }

    /// Forget the recorded calls (issued credentials stay valid).
    pub fn clear_calls(&self) {
        self.shared.state().calls.clear();
    }

    /// Queue a fault for the next request with this `Action`. Faults queued
    /// for one action are used one per request, in order; then normal
    /// behaviour resumes.
    pub fn fail_next(&self, action: &str, fault: Fault) {
        self.shared
            .state()
            .queued
            .entry(action.to_string())
            .or_default()
            .push_back(fault);
    }

    /// Answer every request with this `Action` with `fault` (after any queued
    /// ones) until [`FakeAws::clear_faults`] or [`FakeAws::clear_fail_always`].
    pub fn fail_always(&self, action: &str, fault: Fault) {
        self.shared.state().always.insert(action.to_string(), fault);
    }

    pub fn clear_fail_always(&self, action: &str) {
        self.shared.state().always.remove(action);
    }

    /// Drop every queued and permanent fault.
    pub fn clear_faults(&self) {
        let mut st = self.shared.state();
        st.queued.clear();
        st.always.clear();
    }

    /// From now on a request carrying a `TokenCode` other than `code` gets
    /// [`Fault::WrongMfa`].
    pub fn expect_mfa_code(&self, code: &str) {
        self.shared.state().mfa_code = Some(code.to_string());
    }

    /// Shift the fake's clock (the `Date` header and the base of every
    /// Expiration) by `secs` seconds; negative is the past.
    pub fn set_clock_offset(&self, secs: i64) {
        self.shared.state().clock_offset_secs = secs;
    }

    /// Shift only the `Date` header by `secs` seconds, as a proxy with a broken clock would;
    /// Expirations stay right.
    pub fn set_date_offset(&self, secs: i64) {
        self.shared.state().date_offset_secs = secs;
    }

    /// Make newly issued credentials expire `secs` seconds after the fake's
    /// "now" (negative: already expired), whatever `DurationSeconds` asked.
    /// `None` restores the normal rule.
    pub fn set_expires_in(&self, secs: Option<i64>) {
        self.shared.state().expires_in_secs = secs;
    }
}

impl Drop for FakeAws {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
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
        if shared.shutdown.load(Ordering::SeqCst) {
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
                .name(format!("fake-sts-conn-{id}"))
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

// ---------------------------------------------------------------------------
// HTTP/1.1

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 1024 * 1024;

struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    keep_alive: bool,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Response {
    status: u16,
    body: String,
    request_id: String,
    date: SystemTime,
}

fn serve_connection(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    // Idle keep-alive connections are also closed by Drop (shutdown).
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        if shared.shutdown.load(Ordering::SeqCst) {
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
        // A bug in the fake must show up as an answer, not as a hung client.
        let response =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(shared, &request)))
                .unwrap_or_else(|_| Response {
                    status: 500,
                    body: error(
                        500,
                        "Receiver",
                        "InternalFailure",
                        "fake STS panicked",
                        "fake-sts-panic",
                    )
                    .body,
                    request_id: "fake-sts-panic".to_string(),
                    date: SystemTime::now(),
                });
        if shared.shutdown.load(Ordering::SeqCst) {
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
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        _ => "Unknown",
    };
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nx-amzn-RequestId: {}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nDate: {}\r\n",
        r.status,
        reason,
        r.request_id,
        r.body.len(),
        http_date(r.date),
    );
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

// ---------------------------------------------------------------------------
// STS

struct Outcome {
    status: u16,
    body: String,
}

fn handle(shared: &Shared, req: &Request) -> Response {
    let mut params = BTreeMap::new();
    if let Some((_, query)) = req.target.split_once('?') {
        parse_form(query, &mut params);
    }
    let is_form = req.header("content-type").is_none_or(|ct| {
        ct.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if is_form {
        parse_form(&String::from_utf8_lossy(&req.body), &mut params);
    }
    let action = params.get("Action").cloned().unwrap_or_default();
    let access_key_id = req
        .header("authorization")
        .and_then(credential_from_authorization)
        .or_else(|| {
            params
                .get("X-Amz-Credential")
                .map(|c| c.split('/').next().unwrap_or("").to_string())
        })
        .unwrap_or_default();
    let session_token = req
        .header("x-amz-security-token")
        .map(str::to_string)
        .or_else(|| params.get("X-Amz-Security-Token").cloned());

    let (request_id, fault) = {
        let mut st = shared.state();
        st.calls.push(Call {
            action: action.clone(),
            params: params.clone(),
            access_key_id: access_key_id.clone(),
        });
        st.next_request += 1;
        let request_id = request_id(st.next_request);
        let mut fault = st.queued.get_mut(&action).and_then(VecDeque::pop_front);
        if fault.is_none() {
            fault = st.always.get(&action).cloned();
        }
        (request_id, fault)
    };

    let fault = match fault {
        Some(Fault::Delay(d)) => {
            sleep_unless_shutdown(shared, d);
            None
        }
        Some(Fault::DelayThen(d, inner)) => {
            sleep_unless_shutdown(shared, d);
            Some(*inner)
        }
        other => other,
    };

    let outcome = {
        let mut st = shared.state();
        let now = now(&st);
        let caller = Caller::lookup(&st, &access_key_id);
        let outcome = if let Some(fault) = fault {
            fault_outcome(&fault, &action, &params, &caller, &request_id)
        } else {
            sts(
                &mut st,
                req,
                &action,
                &params,
                &access_key_id,
                session_token.as_deref(),
                &caller,
                now,
                &request_id,
            )
        };
        (outcome, shift(now, st.date_offset_secs))
    };
    let (outcome, date) = outcome;
    Response {
        status: outcome.status,
        body: outcome.body,
        request_id,
        date,
    }
}

fn sleep_unless_shutdown(shared: &Shared, d: Duration) {
    let step = Duration::from_millis(20);
    let mut left = d;
    while !left.is_zero() && !shared.shutdown.load(Ordering::SeqCst) {
        let s = left.min(step);
        thread::sleep(s);
        left -= s;
    }
}

/// Who signed a request, as far as the fake knows.
struct Caller {
    arn: String,
    user_id: String,
    account: String,
    /// The matching issued credentials, if the key is one of ours.
    issued: Option<(Issued, SystemTime)>,
}

impl Caller {
    fn lookup(st: &State, access_key_id: &str) -> Caller {
        if let Some((i, exp)) = st
            .issued
            .iter()
            .find(|(i, _)| i.access_key_id == access_key_id)
        {
            return Caller {
                arn: i.arn.clone(),
                user_id: i.user_id.clone(),
                account: i.account.clone(),
                issued: Some((i.clone(), *exp)),
            };
        }
        Caller {
            arn: DEFAULT_ARN.to_string(),
            user_id: DEFAULT_USER_ID.to_string(),
            account: DEFAULT_ACCOUNT.to_string(),
            issued: None,
        }
    }

    fn is_assumed_role(&self) -> bool {
        self.issued
            .as_ref()
            .is_some_and(|(i, _)| i.action == "AssumeRole")
    }
}

fn fault_outcome(
    fault: &Fault,
    action: &str,
    params: &BTreeMap<String, String>,
    caller: &Caller,
    request_id: &str,
) -> Outcome {
    match fault {
        Fault::AccessDenied => {
            let resource = params
                .get("RoleArn")
                .cloned()
                .unwrap_or_else(|| caller.arn.clone());
            let message = format!(
                "User: {} is not authorized to perform: sts:{} on resource: {}",
                caller.arn, action, resource
            );
            error(403, "Sender", "AccessDenied", &message, request_id)
        }
        Fault::WrongMfa => error(403, "Sender", "AccessDenied", WRONG_MFA_MESSAGE, request_id),
        Fault::ExpiredToken => error(
            400,
            "Sender",
            "ExpiredToken",
            "The security token included in the request is expired",
            request_id,
        ),
        Fault::Throttling => error(400, "Sender", "Throttling", "Rate exceeded", request_id),
        Fault::Internal500 => error(
            500,
            "Receiver",
            "InternalFailure",
            "The request processing has failed because of an unknown error, exception or failure.",
            request_id,
        ),
        Fault::Raw { status, body } => Outcome {
            status: *status,
            body: body.clone(),
        },
        Fault::Delay(_) | Fault::DelayThen(..) => unreachable!("delays are handled before"),
    }
}

#[allow(clippy::too_many_arguments)]
fn sts(
    st: &mut State,
    req: &Request,
    action: &str,
    params: &BTreeMap<String, String>,
    access_key_id: &str,
    session_token: Option<&str>,
    caller: &Caller,
    now: SystemTime,
    request_id: &str,
) -> Outcome {
    if req.method != "POST" && req.method != "GET" {
        return error(
            405,
            "Sender",
            "InvalidAction",
            "Only POST and GET are supported",
            request_id,
        );
    }
    if action.is_empty() {
        return error(400, "Sender", "MissingAction", "Missing Action", request_id);
    }
    if !matches!(
        action,
        "AssumeRole" | "GetSessionToken" | "GetCallerIdentity"
    ) {
        let message = format!("Could not find operation {action} for version 2011-06-15");
        return error(400, "Sender", "InvalidAction", &message, request_id);
    }
    if params.get("Version").is_some_and(|v| v != "2011-06-15") {
        let message = format!(
            "Could not find operation {action} for version {}",
            params["Version"]
        );
        return error(400, "Sender", "InvalidAction", &message, request_id);
    }
    if access_key_id.is_empty() {
        return error(
            403,
            "Sender",
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
            request_id,
        );
    }
    if let Some((issued, expires)) = &caller.issued {
        if session_token != Some(issued.session_token.as_str()) {
            return error(
                403,
                "Sender",
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
                request_id,
            );
        }
        if now >= *expires {
            return error(
                400,
                "Sender",
                "ExpiredToken",
                "The security token included in the request is expired",
                request_id,
            );
        }
    }
    if let Some(code) = params.get("TokenCode") {
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            let message = format!(
                "1 validation error detected: Value '{code}' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*"
            );
            return error(400, "Sender", "ValidationError", &message, request_id);
        }
        if st.mfa_code.as_ref().is_some_and(|want| want != code) {
            return error(403, "Sender", "AccessDenied", WRONG_MFA_MESSAGE, request_id);
        }
    }

    match action {
        "GetCallerIdentity" => {
            let body = format!(
                "<GetCallerIdentityResponse xmlns=\"{STS_NAMESPACE}\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  </GetCallerIdentityResult>\n{}</GetCallerIdentityResponse>\n",
                xml(&caller.arn),
                xml(&caller.user_id),
                xml(&caller.account),
                metadata(request_id),
            );
            Outcome { status: 200, body }
        }
        "GetSessionToken" => {
            if caller.issued.is_some() {
                return error(
                    403,
                    "Sender",
                    "AccessDenied",
                    "Cannot call GetSessionToken with session credentials",
                    request_id,
                );
            }
            let duration = match duration_param(params, 43200, 900, 129_600, request_id) {
                Ok(d) => d,
                Err(e) => return e,
            };
            let issued = issue(
                st,
                "GetSessionToken",
                now,
                duration,
                caller.arn.clone(),
                caller.user_id.clone(),
                caller.account.clone(),
            );
            let body = format!(
                "<GetSessionTokenResponse xmlns=\"{STS_NAMESPACE}\">\n  <GetSessionTokenResult>\n{}  </GetSessionTokenResult>\n{}</GetSessionTokenResponse>\n",
                credentials_xml(&issued),
                metadata(request_id),
            );
            Outcome { status: 200, body }
        }
        "AssumeRole" => {
            let Some(role_arn) = params.get("RoleArn") else {
                return validation("roleArn", "null", "Member must not be null", request_id);
            };
            let Some(session_name) = params.get("RoleSessionName") else {
                return validation(
                    "roleSessionName",
                    "null",
                    "Member must not be null",
                    request_id,
                );
            };
            let Some(role) = parse_role_arn(role_arn) else {
                let message = format!("{role_arn} is invalid");
                return error(400, "Sender", "ValidationError", &message, request_id);
            };
            let valid_name = (2..=64).contains(&session_name.len())
                && session_name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
            if !valid_name {
                return validation(
                    "roleSessionName",
                    session_name,
                    "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
                    request_id,
                );
            }
            let duration = match duration_param(params, 3600, 900, 43200, request_id) {
                Ok(d) => d,
                Err(e) => return e,
            };
            if caller.is_assumed_role() && duration > 3600 {
                return error(
                    400,
                    "Sender",
                    "ValidationError",
                    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
                    request_id,
                );
            }
            let role_id = role_id(role_arn);
            let arn = format!(
                "arn:{}:sts::{}:assumed-role/{}/{}",
                role.partition, role.account, role.name, session_name
            );
            let user_id = format!("{role_id}:{session_name}");
            let issued = issue(
                st,
                "AssumeRole",
                now,
                duration,
                arn,
                user_id,
                role.account.clone(),
            );
            let mut extra = String::new();
            if let Some(source_identity) = params.get("SourceIdentity") {
                extra = format!(
                    "    <SourceIdentity>{}</SourceIdentity>\n",
                    xml(source_identity)
                );
            }
            let body = format!(
                "<AssumeRoleResponse xmlns=\"{STS_NAMESPACE}\">\n  <AssumeRoleResult>\n{extra}    <AssumedRoleUser>\n      <AssumedRoleId>{}</AssumedRoleId>\n      <Arn>{}</Arn>\n    </AssumedRoleUser>\n{}  </AssumeRoleResult>\n{}</AssumeRoleResponse>\n",
                xml(&issued.user_id),
                xml(&issued.arn),
                credentials_xml(&issued),
                metadata(request_id),
            );
            Outcome { status: 200, body }
        }
        _ => unreachable!(),
    }
}

fn duration_param(
    params: &BTreeMap<String, String>,
    default: u64,
    min: u64,
    max: u64,
    request_id: &str,
) -> Result<u64, Outcome> {
    let Some(text) = params.get("DurationSeconds") else {
        return Ok(default);
    };
    match text.parse::<u64>() {
        Ok(d) if d < min => Err(validation(
            "durationSeconds",
            text,
            &format!("Member must have value greater than or equal to {min}"),
            request_id,
        )),
        Ok(d) if d > max => Err(validation(
            "durationSeconds",
            text,
            &format!("Member must have value less than or equal to {max}"),
            request_id,
        )),
        Ok(d) => Ok(d),
        Err(_) => Err(error(
            400,
            "Sender",
            "MalformedInput",
            &format!("Invalid value for DurationSeconds: {text}"),
            request_id,
        )),
    }
}

fn issue(
    st: &mut State,
    action: &str,
    now: SystemTime,
    duration: u64,
    arn: String,
    user_id: String,
    account: String,
) -> Issued {
    st.next_key += 1;
    let n = st.next_key;
    let expires = match st.expires_in_secs {
        Some(secs) => shift(now, secs),
        None => now + Duration::from_secs(duration),
    };
    let issued = Issued {
        action: action.to_string(),
        access_key_id: format!("ASIA{n:016}"),
        secret_access_key: format!("fakeSecretAccessKey{n:021}"),
        session_token: format!(
            "fakeSessionToken{n:08}+NotARealToken/{}==",
            "FAKE".repeat(24)
        ),
        expiration: iso8601(expires),
        arn,
        user_id,
        account,
    };
    st.issued.push((issued.clone(), expires));
    issued
}

fn credentials_xml(i: &Issued) -> String {
    format!(
        "    <Credentials>\n      <AccessKeyId>{}</AccessKeyId>\n      <SecretAccessKey>{}</SecretAccessKey>\n      <SessionToken>{}</SessionToken>\n      <Expiration>{}</Expiration>\n    </Credentials>\n",
        xml(&i.access_key_id),
        xml(&i.secret_access_key),
        xml(&i.session_token),
        xml(&i.expiration),
    )
}

fn metadata(request_id: &str) -> String {
    format!(
        "  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n"
    )
}

fn error(status: u16, kind: &str, code: &str, message: &str, request_id: &str) -> Outcome {
    let body = format!(
        "<ErrorResponse xmlns=\"{STS_NAMESPACE}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{code}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
        xml(message),
    );
    Outcome { status, body }
}

fn validation(field: &str, value: &str, constraint: &str, request_id: &str) -> Outcome {
    let message = format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
    );
    error(400, "Sender", "ValidationError", &message, request_id)
}

struct RoleArn {
    partition: String,
    account: String,
    name: String,
}

/// `arn:PARTITION:iam::ACCOUNT:role[/path]/NAME`
fn parse_role_arn(arn: &str) -> Option<RoleArn> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let rest = resource.strip_prefix("role/")?;
    let name = rest.rsplit('/').next()?;
    if partition.is_empty()
        || account.len() != 12
        || !account.bytes().all(|b| b.is_ascii_digit())
        || name.is_empty()
    {
        return None;
    }
    Some(RoleArn {
        partition: partition.to_string(),
        account: account.to_string(),
        name: name.to_string(),
    })
}

/// A stable `AROA...` id (21 characters) for a role ARN.
fn role_id(role_arn: &str) -> String {
    // FNV-1a, expanded to 17 base-32 characters.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in role_arn.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut id = String::from("AROA");
    for i in 0..17 {
        let mixed = h.rotate_left(i * 7) ^ u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        id.push(ALPHABET[(mixed % 32) as usize] as char);
    }
    id
}

fn request_id(n: u64) -> String {
    format!("fa4e0000-0000-4000-8000-{n:012x}")
}

fn credential_from_authorization(auth: &str) -> Option<String> {
    // AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/sts/aws4_request, SignedHeaders=..., Signature=...
    let start = auth.find("Credential=")? + "Credential=".len();
    let akid = auth[start..].split(['/', ',', ' ']).next()?;
    (!akid.is_empty()).then(|| akid.to_string())
}

fn parse_form(text: &str, into: &mut BTreeMap<String, String>) {
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        into.insert(url_decode(k), url_decode(v));
    }
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte.
pub fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Time (UTC, no external crates)

fn now(st: &State) -> SystemTime {
    shift(SystemTime::now(), st.clock_offset_secs)
}

fn shift(t: SystemTime, secs: i64) -> SystemTime {
    if secs >= 0 {
        t + Duration::from_secs(secs.unsigned_abs())
    } else {
        t - Duration::from_secs(secs.unsigned_abs())
    }
}

/// (year, month 1-12, day 1-31, hour, minute, second, weekday 0=Sunday)
fn civil(t: SystemTime) -> (i64, u32, u32, u32, u32, u32, usize) {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let weekday = (days + 4).rem_euclid(7) as usize; // 1970-01-01 was a Thursday
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
        weekday,
    )
}

/// `2026-11-22T12:00:00Z`
pub fn iso8601(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s, _) = civil(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `Sun, 22 Nov 2026 12:00:00 GMT` (RFC 1123 / IMF-fixdate)
pub fn http_date(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s, wd) = civil(t);
    format!(
        "{}, {d:02} {} {y:04} {h:02}:{mi:02}:{s:02} GMT",
        DAYS[wd],
        MONTHS[mo as usize - 1]
    )
}
