//! Riding out an STS outage: a refresh that fails because AWS is unreachable, throttling or
//! failing hands out the still-valid cached entry with a warning, and does not ask AWS again for
//! a minute; an expired entry is never handed out, and an answer about the caller (denied) is
//! never papered over.

use crate::cache::{cmd, sandbox};
use crate::fake_aws::{FakeAws, Fault};
use crate::support::{Sandbox, ok_json as ok};
use std::path::PathBuf;

/// The cache directory's files named `prefix*.json`.
fn files(sb: &Sandbox, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(sb.cache_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with(prefix) && n.ends_with(".json")
        })
        .collect();
    v.sort();
    v
}

/// `hop1` fetched once with 12 minutes of life: valid, but within the 15-minute serve margin.
fn fading_entry() -> (FakeAws, Sandbox, String) {
    let fake = FakeAws::start();
    fake.set_expires_in(Some(12 * 60));
    let sb = sandbox("");
    let first = ok(&cmd(&sb, &fake)
        .args(["credential-process", "hop1"])
        .output()
        .unwrap());
    assert_eq!(fake.count("AssumeRole"), 1);
    (fake, sb, first["AccessKeyId"].as_str().unwrap().to_owned())
}

fn fail_every_call(fake: &FakeAws, fault: Fault) {
    fake.fail_always("AssumeRole", fault);
}

#[test]
fn a_fading_entry_rides_out_an_sts_outage_with_one_attempt_a_minute() {
    let (fake, sb, key_id) = fading_entry();
    fail_every_call(&fake, Fault::Internal500);
    let mut after_first = 0;
    for i in 0..20 {
        let out = cmd(&sb, &fake)
            .args(["credential-process", "hop1"])
            .output()
            .unwrap();
        let got = ok(&out);
        assert_eq!(got["AccessKeyId"], key_id.as_str(), "call {i}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.matches("warning:").count(), 1, "call {i}: {err}");
        assert!(
            err.contains("could not refresh `hop1`") && err.contains("expire in 1"),
            "call {i}: {err}"
        );
        if i == 0 {
            after_first = fake.count("AssumeRole");
        }
    }
    // One refresh attempt (the SDK's 3 tries of it), then none for the other 19 calls.
    assert_eq!(after_first, 1 + 3);
    assert_eq!(fake.count("AssumeRole"), after_first);

    // A minute later AWS is asked again.
    let marker = files(&sb, "fail-").pop().expect("an outage marker");
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&marker).unwrap()).unwrap();
    v["at_ms"] = serde_json::json!(v["at_ms"].as_u64().unwrap() - 61_000);
    std::fs::write(&marker, v.to_string()).unwrap();
    ok(&cmd(&sb, &fake)
        .args(["credential-process", "hop1"])
        .output()
        .unwrap());
    assert_eq!(fake.count("AssumeRole"), after_first + 3);
}

#[test]
fn throttling_is_ridden_out_too_and_recovery_refreshes() {
    let (fake, sb, key_id) = fading_entry();
    fail_every_call(&fake, Fault::Throttling);
    let got = ok(&cmd(&sb, &fake)
        .args(["credential-process", "hop1"])
        .output()
        .unwrap());
    assert_eq!(got["AccessKeyId"], key_id.as_str());
    // STS is back and the pause is over: the next call refreshes.
    let marker = files(&sb, "fail-").pop().unwrap();
    std::fs::remove_file(marker).unwrap();
    fake.clear_faults();
    fake.set_expires_in(None);
    let fresh = ok(&cmd(&sb, &fake)
        .args(["credential-process", "hop1"])
        .output()
        .unwrap());
    assert_ne!(fresh["AccessKeyId"], key_id.as_str());
}

#[test]
fn an_expired_entry_is_never_handed_out() {
    let (fake, sb, _) = fading_entry();
    fail_every_call(&fake, Fault::Internal500);
    // An outage is noted while the entry is valid...
    ok(&cmd(&sb, &fake)
        .args(["credential-process", "hop1"])
        .output()
        .unwrap());
    // ...then the entry expires.
    let entry = files(&sb, "")
        .into_iter()
        .find(|p| p.file_name().unwrap().len() == 37)
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
    v["expiration"] = serde_json::json!("2020-01-01T00:00:00Z");
    std::fs::write(&entry, v.to_string()).unwrap();
    let out = cmd(&sb, &fake)
        .args(["credential-process", "hop1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("server error"), "{err}");
}

#[test]
fn an_answer_about_the_caller_is_never_papered_over() {
    let (fake, sb, _) = fading_entry();
    fail_every_call(&fake, Fault::AccessDenied);
    let out = cmd(&sb, &fake)
        .args(["credential-process", "hop1"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("access denied"));
}
