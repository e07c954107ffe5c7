//! A fake instance metadata service (IMDSv2) on 127.0.0.1: a session token by PUT with a TTL
//! header, then the role's name and its credentials with that token; v1 (no token) only when
//! allowed; a hanging mode for timeouts.

use super::http::{self, Request, Response, Stop};
use super::sts::iso8601;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

const TOKEN: &str = "AQAEAFakeImdsSessionTokenEXAMPLE==";
const ROLE: &str = "instance-role";

#[derive(Debug, Default)]
struct State {
    /// Answer the token call with 404 (an IMDSv1-only service, or one behind an old proxy).
    v1_only: AtomicBool,
    /// Sleep this many ms before answering anything.
    hang_ms: AtomicU64,
    calls: AtomicU64,
    untokened: AtomicU64,
}

pub struct FakeImds {
    server: http::Server,
    state: Arc<State>,
}

impl FakeImds {
    pub fn start() -> FakeImds {
        let state = Arc::new(State::default());
        let server = {
            let state = Arc::clone(&state);
            http::Server::start("fake-imds", move |req, stop| handle(&state, req, stop))
        };
        FakeImds { server, state }
    }

    /// `http://127.0.0.1:PORT`, for `AWS_EC2_METADATA_SERVICE_ENDPOINT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    pub fn v1_only(&self) {
        self.state.v1_only.store(true, Ordering::SeqCst);
    }

    pub fn hang(&self, d: Duration) {
        self.state
            .hang_ms
            .store(d.as_millis() as u64, Ordering::SeqCst);
    }

    pub fn calls(&self) -> u64 {
        self.state.calls.load(Ordering::SeqCst)
    }

    /// Metadata requests that came without a session token.
    pub fn untokened(&self) -> u64 {
        self.state.untokened.load(Ordering::SeqCst)
    }
}

fn handle(state: &State, req: &Request, stop: &Stop) -> Response {
    state.calls.fetch_add(1, Ordering::SeqCst);
    let hang = state.hang_ms.load(Ordering::SeqCst);
    if hang > 0 {
        stop.sleep(Duration::from_millis(hang));
    }
    let respond = |status: u16, body: String| Response {
        status,
        body,
        request_id: String::new(),
        date: SystemTime::now(),
        headers: Vec::new(),
    };
    let v1_only = state.v1_only.load(Ordering::SeqCst);
    if req.target == "/latest/api/token" {
        if req.method != "PUT" {
            return respond(405, String::new());
        }
        if v1_only {
            return respond(404, String::new());
        }
        return match req.header("x-aws-ec2-metadata-token-ttl-seconds") {
            Some(ttl) if ttl.parse::<u32>().is_ok_and(|t| (1..=21600).contains(&t)) => {
                respond(200, TOKEN.into())
            }
            _ => respond(400, String::new()),
        };
    }
    match req.header("x-aws-ec2-metadata-token") {
        Some(TOKEN) => {}
        Some(_) => return respond(401, String::new()),
        None if v1_only => {
            state.untokened.fetch_add(1, Ordering::SeqCst);
        }
        None => return respond(401, String::new()),
    }
    match req.target.as_str() {
        "/latest/meta-data/iam/security-credentials/" => respond(200, format!("{ROLE}\n")),
        t if t == format!("/latest/meta-data/iam/security-credentials/{ROLE}") => {
            let n = state.calls.load(Ordering::SeqCst);
            let expires = iso8601(SystemTime::now() + Duration::from_secs(6 * 3600));
            respond(
                200,
                format!(
                    "{{\"Code\":\"Success\",\"LastUpdated\":\"2026-12-01T00:00:00Z\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS{n}EXAMPLE\",\"SecretAccessKey\":\"fakeImdsSecretEXAMPLE\",\"Token\":\"fakeImdsToken{n}\",\"Expiration\":\"{expires}\"}}"
                ),
            )
        }
        _ => respond(404, String::new()),
    }
}
