//! A fake IAM Identity Center on 127.0.0.1: the OIDC service (`sso_oidc.rs`) and the portal
//! (`sso_portal.rs`) behind one port, sharing what was registered and issued, so that a token
//! the OIDC side issued is the one the portal accepts. Point rolecall at it with
//! `AWS_ENDPOINT_URL_SSO_OIDC` and `AWS_ENDPOINT_URL_SSO` (or `AWS_ENDPOINT_URL`), and the AWS
//! CLI with `--endpoint-url` / an `AWS_DATA_PATH` endpoint rule set ([`FakeSso::data_path`]).
//!
//! Every request is counted by operation ([`FakeSso::count`]); faults are queued per operation
//! ([`FakeSso::fail_next`]); device codes answer `authorization_pending` until approved (by the
//! test, or after a number of polls) and `slow_down` where told; the authorize endpoint checks
//! the PKCE parameters and redirects with a code (or an error, or a wrong state); `CreateToken`
//! checks the verifier against the challenge.

use super::http::{Request, Response, Server, Stop};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// An account the portal lists, with its roles.
#[derive(Debug, Clone)]
pub struct FakeAccount {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
}

/// What an injected fault answers.
#[derive(Debug, Clone)]
pub struct SsoFault {
    pub status: u16,
    pub error_type: String,
}

impl SsoFault {
    pub fn throttled() -> SsoFault {
        SsoFault {
            status: 429,
            error_type: "TooManyRequestsException".into(),
        }
    }
    pub fn unauthorized() -> SsoFault {
        SsoFault {
            status: 401,
            error_type: "UnauthorizedException".into(),
        }
    }
}

#[derive(Debug)]
pub(super) struct Client {
    pub(super) secret: String,
    pub(super) grant_types: Vec<String>,
    pub(super) redirect_uris: Vec<String>,
}

#[derive(Debug)]
pub(super) struct Device {
    pub(super) client_id: String,
    pub(super) user_code: String,
    pub(super) polls: u32,
    pub(super) approved: bool,
    pub(super) issued: bool,
    pub(super) expires: Instant,
}

#[derive(Debug)]
pub(super) struct AuthCode {
    pub(super) client_id: String,
    pub(super) challenge: String,
    pub(super) redirect_uri: String,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) expires: SystemTime,
    pub(super) revoked: bool,
}

/// The fake's state: what it was asked, what it issued, how it is told to behave.
#[derive(Debug)]
pub(super) struct State {
    /// Operation names, in order (`RegisterClient`, `CreateToken:refresh_token`, ...).
    pub(super) calls: Vec<String>,
    /// When each device-code `CreateToken` poll arrived.
    pub(super) polls: Vec<Instant>,
    pub(super) clients: HashMap<String, Client>,
    pub(super) devices: HashMap<String, Device>,
    pub(super) codes: HashMap<String, AuthCode>,
    pub(super) tokens: HashMap<String, Token>,
    pub(super) refresh_tokens: HashMap<String, String>,
    pub(super) next: u64,
    pub(super) faults: HashMap<String, VecDeque<SsoFault>>,
    /// Device codes are approved after this many polls (`None`: only by the test).
    pub(super) approve_after_polls: Option<u32>,
    /// Answer `slow_down` to these poll numbers (1-based).
    pub(super) slow_down_polls: Vec<u32>,
    pub(super) device_interval: u64,
    pub(super) device_expires_in: u64,
    pub(super) token_expires_in: u64,
    pub(super) issue_refresh_tokens: bool,
    /// Whether a refresh returns a new refresh token.
    pub(super) rotate_refresh_tokens: bool,
    /// The authorize endpoint redirects with `error=` this instead of a code.
    pub(super) authorize_error: Option<String>,
    /// The authorize endpoint redirects with another state.
    pub(super) authorize_wrong_state: bool,
    pub(super) role_expires_in: u64,
    pub(super) accounts: Vec<FakeAccount>,
    pub(super) page_size: usize,
    /// Handling time of each listing request (the rate test measures the client's pace).
    pub(super) list_times: Vec<Instant>,
}

impl Default for State {
    fn default() -> Self {
        State {
            calls: Vec::new(),
            polls: Vec::new(),
            clients: HashMap::new(),
            devices: HashMap::new(),
            codes: HashMap::new(),
            tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            next: 0,
            faults: HashMap::new(),
            approve_after_polls: Some(1),
            slow_down_polls: Vec::new(),
            device_interval: 1,
            device_expires_in: 600,
            token_expires_in: 8 * 3600,
            issue_refresh_tokens: true,
            rotate_refresh_tokens: true,
            authorize_error: None,
            authorize_wrong_state: false,
            role_expires_in: 3600,
            accounts: vec![FakeAccount {
                id: "123456789012".into(),
                name: "Example".into(),
                roles: vec!["Admin".into(), "ReadOnly".into()],
            }],
            page_size: 100,
            list_times: Vec::new(),
        }
    }
}

impl State {
    pub(super) fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}-{:06}-not-a-real-one", self.next)
    }

    /// A client registration: (id, secret).
    pub(super) fn new_client(
        &mut self,
        grant_types: Vec<String>,
        redirect_uris: Vec<String>,
    ) -> (String, String) {
        let id = self.id("fake-sso-client");
        let secret = self.id("fake-sso-client-secret");
        self.clients.insert(
            id.clone(),
            Client {
                secret: secret.clone(),
                grant_types,
                redirect_uris,
            },
        );
        (id, secret)
    }

    pub(super) fn fault(&mut self, op: &str) -> Option<SsoFault> {
        self.faults.get_mut(op).and_then(VecDeque::pop_front)
    }

    pub(super) fn issue_token(
        &mut self,
        now: SystemTime,
        with_refresh: bool,
    ) -> (String, Option<String>) {
        let access = self.id("fake-sso-access-token");
        self.tokens.insert(
            access.clone(),
            Token {
                expires: now + Duration::from_secs(self.token_expires_in),
                revoked: false,
            },
        );
        let refresh = (with_refresh && self.issue_refresh_tokens).then(|| {
            let r = self.id("fake-sso-refresh-token");
            self.refresh_tokens.insert(r.clone(), access.clone());
            r
        });
        (access, refresh)
    }
}

/// The fake IAM Identity Center. Dropping it stops the server.
pub struct FakeSso {
    server: Server,
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for FakeSso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeSso")
            .field("addr", &self.server.addr())
            .finish()
    }
}

impl FakeSso {
    pub fn start() -> FakeSso {
        let state: Arc<Mutex<State>> = Arc::default();
        let server = {
            let state = Arc::clone(&state);
            Server::start("fake-sso", move |req, stop| handle(&state, req, stop))
        };
        FakeSso { server, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    pub(super) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many requests had this operation (`CreateToken` counts every grant;
    /// `CreateToken:refresh_token` one grant type).
    pub fn count(&self, op: &str) -> usize {
        self.state()
            .calls
            .iter()
            .filter(|c| *c == op || c.split(':').next() == Some(op))
            .count()
    }

    pub fn calls(&self) -> Vec<String> {
        self.state().calls.clone()
    }

    /// When each device-code poll arrived.
    pub fn poll_times(&self) -> Vec<Instant> {
        self.state().polls.clone()
    }

    pub fn list_times(&self) -> Vec<Instant> {
        self.state().list_times.clone()
    }

    pub fn fail_next(&self, op: &str, fault: SsoFault) {
        self.state()
            .faults
            .entry(op.to_owned())
            .or_default()
            .push_back(fault);
    }

    /// Approve device codes after `polls` polls; `None`: only by [`FakeSso::approve_all`].
    pub fn approve_after_polls(&self, polls: Option<u32>) {
        self.state().approve_after_polls = polls;
    }

    pub fn approve_all(&self) {
        for d in self.state().devices.values_mut() {
            d.approved = true;
        }
    }

    /// The user codes handed out, in no order.
    pub fn user_codes(&self) -> Vec<String> {
        self.state()
            .devices
            .values()
            .map(|d| d.user_code.clone())
            .collect()
    }

    pub fn slow_down_on_polls(&self, polls: &[u32]) {
        self.state().slow_down_polls = polls.to_vec();
    }

    pub fn set_device_interval(&self, secs: u64) {
        self.state().device_interval = secs;
    }

    pub fn set_device_expires_in(&self, secs: u64) {
        self.state().device_expires_in = secs;
    }

    pub fn set_token_expires_in(&self, secs: u64) {
        self.state().token_expires_in = secs;
    }

    pub fn issue_refresh_tokens(&self, yes: bool) {
        self.state().issue_refresh_tokens = yes;
    }

    pub fn rotate_refresh_tokens(&self, yes: bool) {
        self.state().rotate_refresh_tokens = yes;
    }

    pub fn authorize_with_error(&self, error: Option<&str>) {
        self.state().authorize_error = error.map(str::to_owned);
    }

    pub fn authorize_with_wrong_state(&self, yes: bool) {
        self.state().authorize_wrong_state = yes;
    }

    pub fn set_accounts(&self, accounts: Vec<FakeAccount>) {
        self.state().accounts = accounts;
    }

    pub fn set_page_size(&self, n: usize) {
        self.state().page_size = n;
    }

    /// A token as a login would have issued it (for token files a test writes itself).
    pub fn mint_token(&self, with_refresh: bool) -> (String, Option<String>) {
        self.state().issue_token(SystemTime::now(), with_refresh)
    }

    /// A client registration as `RegisterClient` would have made it: (id, secret).
    pub fn mint_client(&self) -> (String, String) {
        self.state().new_client(Vec::new(), Vec::new())
    }

    /// Make the portal refuse this access token from now on (401).
    pub fn revoke(&self, access_token: &str) {
        if let Some(t) = self.state().tokens.get_mut(access_token) {
            t.revoked = true;
        }
    }

    /// A directory for `AWS_DATA_PATH` that points the AWS CLI v2's `sso-oidc` and `sso`
    /// clients at this fake (their endpoint rule sets, replaced by one that always answers this
    /// URL).
    pub fn data_path(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let root = dir.join("aws-data");
        let rules = serde_json::json!({
            "version": "1.0",
            "parameters": {
                "Region": {"builtIn": "AWS::Region", "required": false, "type": "String"},
                "UseDualStack": {"builtIn": "AWS::UseDualStack", "required": true, "default": false, "type": "Boolean"},
                "UseFIPS": {"builtIn": "AWS::UseFIPS", "required": true, "default": false, "type": "Boolean"},
                "Endpoint": {"builtIn": "SDK::Endpoint", "required": false, "type": "String"}
            },
            "rules": [{"conditions": [], "type": "endpoint", "endpoint": {"url": self.url(), "properties": {}, "headers": {}}}]
        });
        for (service, version) in [("sso-oidc", "2019-06-10"), ("sso", "2019-06-10")] {
            let d = root.join(service).join(version);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("endpoint-rule-set-1.json"), rules.to_string()).unwrap();
        }
        root
    }
}

pub(super) fn json(status: u16, body: serde_json::Value) -> Response {
    Response {
        status,
        body: body.to_string(),
        request_id: "fake-sso-request".into(),
        date: SystemTime::now(),
        headers: vec![("Content-Type".into(), "application/json".into())],
    }
}

/// An error as the AWS JSON services send it: the type in the header and the body.
pub(super) fn error(status: u16, error_type: &str, message: &str) -> Response {
    let mut r = json(
        status,
        serde_json::json!({"__type": error_type, "error": error_type, "message": message}),
    );
    r.headers
        .push(("x-amzn-ErrorType".into(), error_type.into()));
    r
}

pub(super) fn epoch(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Query parameters, url-decoded.
pub(super) fn query(target: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some((_, q)) = target.split_once('?') {
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            out.insert(super::url_decode(k), super::url_decode(v));
        }
    }
    out
}

fn handle(state: &Mutex<State>, req: &Request, stop: &Stop) -> Response {
    let _ = stop;
    let path = req.target.split('?').next().unwrap_or_default().to_owned();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
        match path.as_str() {
            "/client/register" | "/device_authorization" | "/token" | "/authorize" => {
                super::sso_oidc::answer(&mut st, req, &path)
            }
            _ => super::sso_portal::answer(&mut st, req, &path),
        }
    }))
    .unwrap_or_else(|_| error(500, "InternalServerException", "fake SSO panicked"))
}
