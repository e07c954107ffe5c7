//! A fake AWS federation endpoint (`signin.aws.amazon.com/federation`) on 127.0.0.1: it answers
//! `getSigninToken` with a sign-in token for the session it was given, and records each session.

use super::http::{self, Request, Response, Stop};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// The session document a `getSigninToken` carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigninSession {
    pub session_id: String,
    pub session_key: String,
    pub session_token: String,
}

#[derive(Debug, Default)]
struct State {
    sessions: Vec<SigninSession>,
}

/// The fake federation endpoint. Dropping it stops the server.
pub struct FakeFederation {
    server: http::Server,
    state: Arc<Mutex<State>>,
}

/// The sign-in token handed out for the `n`th session (from 1).
pub fn signin_token(n: usize) -> String {
    format!("fake-signin-token-{n}-NotARealToken")
}

impl FakeFederation {
    pub fn start() -> FakeFederation {
        let state = Arc::new(Mutex::new(State::default()));
        let server = {
            let state = Arc::clone(&state);
            http::Server::start("fake-federation", move |req, _stop: &Stop| {
                handle(&state, req)
            })
        };
        FakeFederation { server, state }
    }

    /// `http://127.0.0.1:PORT/federation`
    pub fn url(&self) -> String {
        format!("http://{}/federation", self.server.addr())
    }

    /// The sessions of the `getSigninToken` calls so far.
    pub fn sessions(&self) -> Vec<SigninSession> {
        self.state.lock().unwrap().sessions.clone()
    }
}

/// `a=b&c=d`, percent-decoded.
pub fn query(target: &str) -> BTreeMap<String, String> {
    let q = target.split_once('?').map_or("", |(_, q)| q);
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn handle(state: &Mutex<State>, req: &Request) -> Response {
    let respond = |status: u16, body: String| Response {
        status,
        body,
        headers: Vec::new(),
        request_id: String::new(),
        date: SystemTime::now(),
    };
    let path = req.target.split('?').next().unwrap_or("");
    let q = query(&req.target);
    if req.method != "GET" || path != "/federation" {
        return respond(404, "not found".into());
    }
    if q.get("Action").map(String::as_str) != Some("getSigninToken") {
        return respond(400, "unknown action".into());
    }
    let Some(doc) = q
        .get("Session")
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
    else {
        return respond(400, "no session".into());
    };
    let field = |k: &str| doc[k].as_str().unwrap_or_default().to_owned();
    let session = SigninSession {
        session_id: field("sessionId"),
        session_key: field("sessionKey"),
        session_token: field("sessionToken"),
    };
    let mut st = state.lock().unwrap();
    st.sessions.push(session);
    let n = st.sessions.len();
    respond(200, format!("{{\"SigninToken\":\"{}\"}}", signin_token(n)))
}
