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
//!
//! [`http`] is the HTTP/1.1 server and knows nothing of STS; [`sts`] is the
//! actions, the injected faults and the recorded state; this file joins them
//! into the handle the tests hold.
#![allow(dead_code)]

mod container;
mod federation;
mod http;
mod imds;
mod sso;
mod sso_oidc;
mod sso_portal;
mod sts;

// The fake's whole vocabulary is public, though not every test uses all of it.
#[allow(unused_imports)]
pub use container::FakeContainer;
pub use federation::{FakeFederation, query, signin_token};
#[allow(unused_imports)]
pub use http::http_date;
#[allow(unused_imports)]
pub use imds::FakeImds;
#[allow(unused_imports)]
pub use sso::{FakeAccount, FakeSso, SsoFault};
#[allow(unused_imports)]
pub use sts::{
    Call, DEFAULT_ACCOUNT, DEFAULT_ARN, DEFAULT_USER_ID, Fault, Issued, STS_NAMESPACE,
    WRONG_MFA_MESSAGE, iso8601, url_decode,
};

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

/// The fake STS server. Dropping it stops the server.
pub struct FakeAws {
    server: http::Server,
    sts: Arc<sts::Sts>,
}

impl fmt::Debug for FakeAws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeAws")
            .field("addr", &self.server.addr())
            .finish_non_exhaustive()
    }
}

impl FakeAws {
    /// Binds `127.0.0.1:0` and serves on background threads.
    pub fn start() -> FakeAws {
        let sts = Arc::new(sts::Sts::default());
        let server = {
            let sts = Arc::clone(&sts);
            http::Server::start("fake-sts", move |req, stop| sts.handle(req, stop))
        };
        FakeAws { server, sts }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Every request received so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.sts.state().calls.clone()
    }

    /// How many requests had this `Action` (faulted ones included).
    pub fn count(&self, action: &str) -> usize {
        self.sts
            .state()
            .calls
            .iter()
            .filter(|c| c.action == action)
            .count()
    }

    /// Credentials handed out so far, in order.
    pub fn issued(&self) -> Vec<Issued> {
        self.sts
            .state()
            .issued
            .iter()
            .map(|(i, _)| i.clone())
            .collect()
    }

    /// Forget the recorded calls (issued credentials stay valid).
    pub fn clear_calls(&self) {
        self.sts.state().calls.clear();
    }

    /// Queue a fault for the next request with this `Action`. Faults queued
    /// for one action are used one per request, in order; then normal
    /// behaviour resumes.
    pub fn fail_next(&self, action: &str, fault: Fault) {
        self.sts
            .state()
            .queued
            .entry(action.to_string())
            .or_default()
            .push_back(fault);
    }

    /// Answer every request with this `Action` with `fault` (after any queued
    /// ones) until [`FakeAws::clear_faults`] or [`FakeAws::clear_fail_always`].
    pub fn fail_always(&self, action: &str, fault: Fault) {
        self.sts.state().always.insert(action.to_string(), fault);
    }

    pub fn clear_fail_always(&self, action: &str) {
        self.sts.state().always.remove(action);
    }

    /// Drop every queued and permanent fault.
    pub fn clear_faults(&self) {
        let mut st = self.sts.state();
        st.queued.clear();
        st.always.clear();
    }

    /// From now on a request carrying a `TokenCode` other than `code` gets
    /// [`Fault::WrongMfa`].
    pub fn expect_mfa_code(&self, code: &str) {
        self.sts.state().mfa_code = Some(code.to_string());
    }

    /// Shift the fake's clock (the `Date` header and the base of every
    /// Expiration) by `secs` seconds; negative is the past.
    pub fn set_clock_offset(&self, secs: i64) {
        self.sts.state().clock_offset_secs = secs;
    }

    /// Shift only the `Date` header by `secs` seconds, as a proxy with a broken clock would;
    /// Expirations stay right.
    pub fn set_date_offset(&self, secs: i64) {
        self.sts.state().date_offset_secs = secs;
    }

    /// Make newly issued credentials expire `secs` seconds after the fake's
    /// "now" (negative: already expired), whatever `DurationSeconds` asked.
    /// `None` restores the normal rule.
    pub fn set_expires_in(&self, secs: Option<i64>) {
        self.sts.state().expires_in_secs = secs;
    }

    /// From now on AssumeRoleWithWebIdentity accepts only these tokens
    /// (`InvalidIdentityToken` otherwise).
    pub fn accept_web_identity_tokens(&self, tokens: &[&str]) {
        self.sts.state().web_identity_tokens = Some(tokens.iter().map(|t| t.to_string()).collect());
    }
}
