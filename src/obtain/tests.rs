//! The walk's unit tests: the clock seam, and the walk against a scripted STS and prompt.
#![allow(clippy::disallowed_methods)] // test fixtures may read the real clock

use super::*;
use std::ffi::OsString;
use std::time::SystemTime;

/// STS's clock in these tests; ours is set against it by each context's clock.
const STS_NOW: u64 = 1_800_000_000;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn ctx(clock: fn() -> SystemTime) -> Context {
    let env = [
        ("ROLECALL_NO_CACHE", "1"),
        ("ROLECALL_CACHE_DIR", "/nonexistent"),
    ]
    .map(|(k, v)| (OsString::from(k), OsString::from(v)))
    .to_vec();
    Context::from_os_env(env).with_clock(clock)
}

fn step() -> Step {
    Step::AssumeRole(crate::aws::chain::RoleHop {
        profile: "p".into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        mfa_serial: None,
        mfa_process: None,
        duration_seconds: None,
        external_id: None,
        session_name: None,
        source_identity: None,
        endpoint_url: None,
        variant: crate::aws::chain::StsVariant::default(),
    })
}

/// An hour from STS, stated by STS's clock.
fn issued() -> Issued {
    Issued {
        credentials: Credentials {
            access_key_id: "ASIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: Secret::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            session_token: Some(Secret::from("token")),
            expiration: Some(at(STS_NOW + 3600)),
            account_id: None,
        },
        server_date: Some(at(STS_NOW)),
    }
}

fn judge(clock: fn() -> SystemTime) -> Result<Credentials> {
    let ctx = ctx(clock);
    let cache = Cache::from_context(&ctx, true).unwrap();
    accept(&ctx, &cache, &step(), issued()).map(|(c, _)| c)
}

/// The skew correction gave credentials more life than STS did, or an expiry in the past;
/// here the context's clock is driven, not the fake's.
#[test]
fn the_expiry_is_judged_by_the_contexts_clock_and_never_lengthened() {
    // Our clock 30 min behind STS's: an hour by our clock, 30 min earlier than stated.
    let behind = judge(|| at(STS_NOW - 1800)).unwrap();
    assert_eq!(behind.expiration, Some(at(STS_NOW + 1800)));
    // 30 min ahead: as stated, so 30 min by our clock, never 60.
    let ahead = judge(|| at(STS_NOW + 1800)).unwrap();
    assert_eq!(ahead.expiration, Some(at(STS_NOW + 3600)));
    // 2 h ahead: already past by our clock, refused, naming the clock.
    let e = judge(|| at(STS_NOW + 7200)).unwrap_err();
    assert!(matches!(
        e,
        Error::Sts(StsError {
            failure: StsFailure::AlreadyExpired,
            ..
        })
    ));
    assert!(e.to_string().contains("ahead"), "{e}");
    // 2 h behind: the `Date` is further off than the life and not believed.
    let far = judge(|| at(STS_NOW - 7200)).unwrap();
    assert_eq!(far.expiration, Some(at(STS_NOW + 3600)));
}

// --- the walk, against a scripted STS and a temp cache directory; no process is spawned ----

use crate::aws::chain;
use crate::aws::config::Profiles;
use crate::aws::env::EnvInputs;
use crate::aws::sso::{
    Account, DeviceAuthorization, Grant, NewToken, Page, RegisterRequest, Registration, SsoCalls,
    SsoFailure,
};
use crate::aws::sts::{Failure, StsCalls};
use crate::error::MfaError;
use crate::prompt::Scripted;
use std::cell::RefCell;
use std::collections::VecDeque;

const CONFIG: &str = "\
[profile base]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
[profile hop1]
role_arn = arn:aws:iam::111111111111:role/first
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/me
[profile hop2]
role_arn = arn:aws:iam::222222222222:role/second
source_profile = hop1
";

/// Answers STS calls from a script: what was called, signed by which key; a queue of failures.
#[derive(Debug, Default)]
struct FakeSts {
    calls: RefCell<Vec<(String, String)>>,
    failures: RefCell<VecDeque<Failure>>,
    issued: RefCell<u32>,
}

impl FakeSts {
    fn answer(&self, action: &str, source: &Credentials) -> Result<Issued, Failure> {
        self.calls
            .borrow_mut()
            .push((action.to_owned(), source.access_key_id.clone()));
        if let Some(f) = self.failures.borrow_mut().pop_front() {
            return Err(f);
        }
        let n = {
            let mut n = self.issued.borrow_mut();
            *n += 1;
            *n
        };
        Ok(Issued {
            credentials: Credentials {
                access_key_id: format!("ASIA{n}FAKEEXAMPLE"),
                secret_access_key: Secret::from("fakeSecretAccessKeyEXAMPLE"),
                session_token: Some(Secret::from("fakeToken")),
                expiration: Some(SystemTime::now() + Duration::from_secs(3600)),
                account_id: None,
            },
            server_date: None,
        })
    }

    fn actions(&self) -> Vec<(String, String)> {
        self.calls.borrow().clone()
    }
}

/// The walk's tests have no SSO profile: every SSO call is a bug.
impl SsoCalls for FakeSts {
    fn register_client(
        &self,
        _: &chain::SsoSession,
        _: &RegisterRequest,
    ) -> Result<Registration, SsoFailure> {
        unreachable!("no SSO profile in these tests")
    }
    fn start_device_authorization(
        &self,
        _: &chain::SsoSession,
        _: &Registration,
    ) -> Result<DeviceAuthorization, SsoFailure> {
        unreachable!("no SSO profile in these tests")
    }
    fn create_token(
        &self,
        _: &chain::SsoSession,
        _: &Registration,
        _: Grant<'_>,
    ) -> Result<NewToken, SsoFailure> {
        unreachable!("no SSO profile in these tests")
    }
    fn get_role_credentials(
        &self,
        _: &chain::SsoSession,
        _: &Secret<String>,
        _: &str,
        _: &str,
    ) -> Result<Issued, SsoFailure> {
        unreachable!("no SSO profile in these tests")
    }
    fn logout(&self, _: &chain::SsoSession, _: &Secret<String>) -> Result<(), SsoFailure> {
        unreachable!("no SSO profile in these tests")
    }
    fn list_accounts(
        &self,
        _: &chain::SsoSession,
        _: &Secret<String>,
        _: Option<&str>,
    ) -> Result<Page<Account>, SsoFailure> {
        unreachable!("no SSO profile in these tests")
    }
    fn list_account_roles(
        &self,
        _: &chain::SsoSession,
        _: &Secret<String>,
        _: &str,
        _: Option<&str>,
    ) -> Result<Page<String>, SsoFailure> {
        unreachable!("no SSO profile in these tests")
    }
}

impl StsCalls for FakeSts {
    fn assume_role(
        &self,
        source: &Credentials,
        _: &Target,
        hop: &chain::RoleHop,
        _: &str,
        _: Option<&Secret<String>>,
    ) -> Result<Issued, Failure> {
        self.answer(&format!("AssumeRole {}", hop.role_arn), source)
    }

    fn get_session_token(
        &self,
        source: &Credentials,
        _: &Target,
        _: &str,
        _: &Secret<String>,
        _: i32,
    ) -> Result<Issued, Failure> {
        self.answer("GetSessionToken", source)
    }

    fn assume_role_with_web_identity(
        &self,
        _: &Target,
        role_arn: &str,
        _: &str,
        token: &Secret<String>,
        _: Option<i32>,
    ) -> Result<Issued, Failure> {
        let unsigned = Credentials {
            access_key_id: format!("token:{}", token.expose()),
            secret_access_key: Secret::from(""),
            session_token: None,
            expiration: None,
            account_id: None,
        };
        self.answer(&format!("AssumeRoleWithWebIdentity {role_arn}"), &unsigned)
    }
}

struct World {
    dir: tempfile::TempDir,
    ctx: Context,
    sts: FakeSts,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![(
        OsString::from("ROLECALL_CACHE_DIR"),
        dir.path().join("cache").into_os_string(),
    )];
    World {
        ctx: Context::from_os_env(env),
        dir,
        sts: FakeSts::default(),
    }
}

impl World {
    fn walk(&self, profile: &str, code: Option<&str>, prompt: &mut Scripted) -> Result<Obtained> {
        let profiles = Profiles::parse(CONFIG, "").unwrap();
        let plan = chain::resolve(&profiles, profile, &EnvInputs::default()).unwrap();
        let cache = Cache::from_context(&self.ctx, false).unwrap();
        let opts = Options {
            mfa_code: code.map(Secret::from),
        };
        obtain(&self.ctx, &plan, &opts, &cache, &self.sts, prompt)
    }

    fn entries(&self) -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(self.dir.path().join("cache"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        v.retain(|p: &std::path::PathBuf| {
            crate::cache::FileKind::of(&p.file_name().unwrap().to_string_lossy())
                == Some(crate::cache::FileKind::Entry)
        });
        v.sort();
        v
    }
}

/// A cold walk runs every step, each signed by the one before, and caches each on disk.
#[test]
fn a_cold_walk_runs_every_step_signed_by_the_one_before() {
    let w = world();
    let got = w
        .walk("hop2", Some("123456"), &mut Scripted::default())
        .unwrap();
    assert_eq!(
        w.sts.actions(),
        [
            ("GetSessionToken".into(), "AKIAIOSFODNN7EXAMPLE".into()),
            (
                "AssumeRole arn:aws:iam::111111111111:role/first".into(),
                "ASIA1FAKEEXAMPLE".into()
            ),
            (
                "AssumeRole arn:aws:iam::222222222222:role/second".into(),
                "ASIA2FAKEEXAMPLE".into()
            ),
        ]
    );
    assert_eq!(got.credentials.access_key_id, "ASIA3FAKEEXAMPLE");
    assert_eq!(w.entries().len(), 3);
    assert!(got.entry.is_some());
}

/// The walk starts after the newest fresh step: with the last entry gone, only the last hop runs,
/// signed by the cached credentials before it; with all fresh, nothing runs.
#[test]
fn a_warm_walk_starts_after_the_newest_fresh_step() {
    let w = world();
    let first = w
        .walk("hop2", Some("123456"), &mut Scripted::default())
        .unwrap();
    let again = w.walk("hop2", None, &mut Scripted::default()).unwrap();
    assert_eq!(
        again.credentials.access_key_id,
        first.credentials.access_key_id
    );
    assert_eq!(w.sts.actions().len(), 3, "a full hit calls nothing");
    let last = w
        .entries()
        .into_iter()
        .find(|p| p.file_stem().unwrap().to_string_lossy() == *first.entry.as_ref().unwrap())
        .unwrap();
    std::fs::remove_file(last).unwrap();
    w.walk("hop2", None, &mut Scripted::default()).unwrap();
    let actions = w.sts.actions();
    assert_eq!(actions.len(), 4);
    assert_eq!(
        actions[3],
        (
            "AssumeRole arn:aws:iam::222222222222:role/second".into(),
            "ASIA2FAKEEXAMPLE".into()
        )
    );
}

/// A garbled entry is set aside (0600) and its step fetched again.
#[test]
fn a_garbled_entry_is_set_aside_and_fetched_again() {
    let w = world();
    w.walk("hop2", Some("123456"), &mut Scripted::default())
        .unwrap();
    for e in w.entries() {
        std::fs::write(&e, "{ not an entry").unwrap();
    }
    // The session step is garbled too, so the MFA code is needed again: a new one.
    w.walk("hop2", Some("654321"), &mut Scripted::default())
        .unwrap();
    assert_eq!(w.sts.actions().len(), 6);
    let bad = std::fs::read_dir(w.dir.path().join("cache"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".bad"))
        .count();
    assert_eq!(bad, 3);
}

fn wrong_code() -> Failure {
    Failure {
        kind: StsFailure::WrongMfaCode,
        message: "MultiFactorAuthentication failed with invalid MFA one time pass code.".into(),
    }
}

/// The prompt's state machine: a malformed code is asked again without calling STS, a wrong one
/// after STS refuses it, and the third failure gives up.
#[test]
fn the_prompt_asks_again_then_gives_up_after_three_failures() {
    let w = world();
    w.sts
        .failures
        .borrow_mut()
        .extend([wrong_code(), wrong_code()]);
    let mut prompt = Scripted {
        answers: ["12", "111111", "222222", "333333"]
            .map(String::from)
            .into(),
        ..Scripted::default()
    };
    let e = w.walk("hop1", None, &mut prompt).unwrap_err();
    assert!(
        matches!(e, Error::Mfa(MfaError::TriesExhausted { tries: 3, .. })),
        "{e}"
    );
    assert_eq!(prompt.asked.len(), 3);
    assert_eq!(
        w.sts.actions().len(),
        2,
        "the malformed code never reached STS"
    );
    assert!(
        prompt.said.iter().any(|l| l.contains("6 digits")),
        "{:?}",
        prompt.said
    );

    // And a right code on the second try is used once.
    let w = world();
    w.sts.failures.borrow_mut().push_back(wrong_code());
    let mut prompt = Scripted {
        answers: ["111111", "222222"].map(String::from).into(),
        ..Scripted::default()
    };
    w.walk("hop1", None, &mut prompt).unwrap();
    assert_eq!(w.sts.actions().len(), 3);
}

/// The TOTP guard: a code just used is refused before STS sees it; at the prompt, the next one
/// is asked for.
#[test]
fn the_totp_guard_never_sends_a_code_twice() {
    let w = world();
    w.walk("hop1", Some("123456"), &mut Scripted::default())
        .unwrap();
    for e in w.entries() {
        std::fs::remove_file(e).unwrap();
    }
    let e = w
        .walk("hop1", Some("123456"), &mut Scripted::default())
        .unwrap_err();
    assert!(matches!(e, Error::Mfa(MfaError::CodeReused { .. })), "{e}");
    assert_eq!(w.sts.actions().len(), 2);
    let mut prompt = Scripted {
        answers: ["123456", "654321"].map(String::from).into(),
        ..Scripted::default()
    };
    w.walk("hop1", None, &mut prompt).unwrap();
    assert_eq!(prompt.asked.len(), 2);
    assert!(
        prompt.said.iter().any(|l| l.contains("just used")),
        "{:?}",
        prompt.said
    );
}

/// A failure under the lock is recorded for the processes that waited; one that did not wait
/// tries again itself.
#[test]
fn a_failure_is_shared_only_with_those_who_waited() {
    let w = world();
    w.sts.failures.borrow_mut().push_back(Failure {
        kind: StsFailure::Unreachable,
        message: "Connection refused".into(),
    });
    let e = w
        .walk("hop1", Some("123456"), &mut Scripted::default())
        .unwrap_err();
    assert!(e.is_shared_with_waiters(), "{e}");
    assert!(
        std::fs::read_dir(w.dir.path().join("cache"))
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("fail-"))
    );
    w.walk("hop1", Some("654321"), &mut Scripted::default())
        .unwrap();
}

/// Web identity through the same walk: the base is cached on disk, the token is read afresh
/// for each call, and a hop on top signs with what it returned.
#[test]
fn web_identity_is_a_cached_base_read_afresh() {
    let w = world();
    let token = w.dir.path().join("token");
    std::fs::write(&token, "first-token\n").unwrap();
    let config = format!(
        "[profile wi]\nrole_arn = arn:aws:iam::111111111111:role/wi\nweb_identity_token_file = {}\n\
         [profile up]\nrole_arn = arn:aws:iam::222222222222:role/up\nsource_profile = wi\n",
        token.display()
    );
    let walk = |profile: &str| {
        let profiles = Profiles::parse(&config, "").unwrap();
        let plan = chain::resolve(&profiles, profile, &EnvInputs::default()).unwrap();
        let cache = Cache::from_context(&w.ctx, false).unwrap();
        obtain(
            &w.ctx,
            &plan,
            &Options::default(),
            &cache,
            &w.sts,
            &mut Scripted::default(),
        )
    };
    walk("up").unwrap();
    assert_eq!(
        w.sts.actions(),
        [
            (
                "AssumeRoleWithWebIdentity arn:aws:iam::111111111111:role/wi".into(),
                "token:first-token".into()
            ),
            (
                "AssumeRole arn:aws:iam::222222222222:role/up".into(),
                "ASIA1FAKEEXAMPLE".into()
            ),
        ]
    );
    walk("up").unwrap();
    assert_eq!(w.sts.actions().len(), 2, "both steps cached");
    for e in w.entries() {
        std::fs::remove_file(e).unwrap();
    }
    std::fs::write(&token, "rotated-token").unwrap();
    walk("wi").unwrap();
    assert_eq!(w.sts.actions()[2].1, "token:rotated-token");
    std::fs::write(&token, "  \n").unwrap();
    for e in w.entries() {
        std::fs::remove_file(e).unwrap();
    }
    let e = walk("wi").unwrap_err().to_string();
    assert!(e.contains("is empty") && e.contains("token"), "{e}");
    assert!(!e.contains("rotated"), "{e}");
}
