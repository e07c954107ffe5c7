//! A fake container credentials endpoint (the ECS agent, EKS Pod Identity agent) on 127.0.0.1:
//! it checks the `Authorization` header, counts calls, and can be told to fail.

use super::http::{self, Request, Response, Stop};
use super::sts::iso8601;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

#[derive(Debug, Default)]
struct State {
    token: Mutex<Option<String>>,
    calls: AtomicU64,
    fail_with: AtomicU32,
    tokens_seen: Mutex<Vec<Option<String>>>,
}

/// The fake container endpoint. Dropping it stops the server.
pub struct FakeContainer {
    server: http::Server,
    state: Arc<State>,
}

impl FakeContainer {
    /// Serves `/v2/credentials/ID`; when `token` is given, only requests carrying it as
    /// `Authorization` get credentials (others get 401).
    pub fn start(token: Option<&str>) -> FakeContainer {
        let state = Arc::new(State::default());
        *state.token.lock().unwrap() = token.map(str::to_owned);
        let server = {
            let state = Arc::clone(&state);
            http::Server::start("fake-container", move |req, _stop: &Stop| {
                handle(&state, req)
            })
        };
        FakeContainer { server, state }
    }

    /// `http://127.0.0.1:PORT/v2/credentials/ID`
    pub fn url(&self) -> String {
        format!("http://{}/v2/credentials/test-id", self.server.addr())
    }

    pub fn calls(&self) -> u64 {
        self.state.calls.load(Ordering::SeqCst)
    }

    /// The `Authorization` header of each request, in order.
    pub fn tokens_seen(&self) -> Vec<Option<String>> {
        self.state.tokens_seen.lock().unwrap().clone()
    }

    /// Answer every request with this status from now on (0: answer normally).
    pub fn fail_with(&self, status: u32) {
        self.state.fail_with.store(status, Ordering::SeqCst);
    }
}

fn handle(state: &State, req: &Request) -> Response {
    state.calls.fetch_add(1, Ordering::SeqCst);
    let auth = req.header("authorization").map(str::to_owned);
    state.tokens_seen.lock().unwrap().push(auth.clone());
    let respond = |status: u16, body: String| Response {
        status,
        body,
        request_id: String::new(),
        date: SystemTime::now(),
        headers: Vec::new(),
    };
    let fail = state.fail_with.load(Ordering::SeqCst);
    if fail != 0 {
        return respond(fail as u16, "{\"code\":\"Failure\"}".into());
    }
    if req.method != "GET" || !req.target.starts_with("/v2/credentials/") {
        return respond(404, "{\"code\":\"NotFound\"}".into());
    }
    let want = state.token.lock().unwrap().clone();
    if want.is_some() && auth != want {
        return respond(401, "{\"code\":\"Unauthorized\"}".into());
    }
    let n = state.calls.load(Ordering::SeqCst);
    let expires = iso8601(SystemTime::now() + Duration::from_secs(6 * 3600));
    respond(
        200,
        format!(
            "{{\"RoleArn\":\"arn:aws:iam::123456789012:role/task\",\"AccessKeyId\":\"ASIACONTAINER{n}EXAMPLE\",\"SecretAccessKey\":\"fakeContainerSecretEXAMPLE\",\"Token\":\"fakeContainerToken{n}\",\"Expiration\":\"{expires}\"}}"
        ),
    )
}
