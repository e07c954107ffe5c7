//! Role chains against the fake STS: what is sent, who signs it, and how failures read.

use crate::cli::{KEY_ID, SECRET, static_profile};
use crate::fake_aws::{FakeAws, Fault};
use crate::support::{Sandbox, ok_json};
use std::process::{Command, Output};

const CHAIN: &str = "\
[profile hop1]
role_arn = arn:aws:iam::111111111111:role/first
source_profile = base
region = eu-west-1

[profile hop2]
role_arn = arn:aws:iam::222222222222:role/second
source_profile = hop1
role_session_name = second-session
external_id = ext-42
duration_seconds = 1800
source_identity = alice

[profile mfa]
role_arn = arn:aws:iam::333333333333:role/mfa
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/alice
";

fn sandbox(fake: &FakeAws) -> Sandbox {
    let sb = Sandbox::new();
    sb.config(&format!("{}{CHAIN}", static_profile("base")));
    let _ = fake;
    sb
}

fn cmd(sb: &Sandbox, fake: &FakeAws) -> Command {
    let mut c = sb.cmd();
    c.env("AWS_ENDPOINT_URL_STS", fake.url());
    c
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn two_hop_chain_signs_each_hop_with_the_previous_one() {
    let fake = FakeAws::start();
    let sb = sandbox(&fake);
    let out = cmd(&sb, &fake)
        .args(["credential-process", "hop2"])
        .output()
        .unwrap();
    let v = ok_json(&out);
    let calls = fake.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls.iter().all(|c| c.action == "AssumeRole"));
    assert_eq!(
        calls[0].params["RoleArn"],
        "arn:aws:iam::111111111111:role/first"
    );
    assert_eq!(
        calls[0].access_key_id, KEY_ID,
        "the first hop is signed by the static keys"
    );
    assert!(
        calls[0].params["RoleSessionName"].starts_with("rolecall-"),
        "default session name"
    );
    assert!(!calls[0].params.contains_key("ExternalId"));
    assert_eq!(
        calls[1].params["RoleArn"],
        "arn:aws:iam::222222222222:role/second"
    );
    assert_ne!(
        calls[1].access_key_id, KEY_ID,
        "the second hop is signed by the first hop's credentials"
    );
    assert!(calls[1].access_key_id.starts_with("ASIA"));
    assert_eq!(calls[1].params["RoleSessionName"], "second-session");
    assert_eq!(calls[1].params["ExternalId"], "ext-42");
    assert_eq!(calls[1].params["DurationSeconds"], "1800");
    assert_eq!(calls[1].params["SourceIdentity"], "alice");
    assert!(!calls[1].params.contains_key("SerialNumber"));
    assert_eq!(v["Version"], 1);
    assert_eq!(v["AccountId"], "222222222222");
    let exp = v["Expiration"].as_str().unwrap();
    assert!(exp.ends_with('Z') && exp.len() == 20, "{exp}");
    assert!(v["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert_ne!(v["AccessKeyId"], calls[1].access_key_id.as_str());
}

#[test]
fn env_output_carries_expiration_and_region_of_the_chain() {
    let fake = FakeAws::start();
    let sb = sandbox(&fake);
    let out = cmd(&sb, &fake)
        .args(["env", "hop1", "--format", "json"])
        .output()
        .unwrap();
    let v = ok_json(&out);
    assert!(v["AWS_SESSION_TOKEN"].is_string());
    assert!(
        v["AWS_CREDENTIAL_EXPIRATION"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert_eq!(v["AWS_REGION"], "eu-west-1");
}

#[test]
fn mfa_code_from_flag_env_and_mfa_process() {
    let fake = FakeAws::start();
    fake.expect_mfa_code("123456");
    let sb = sandbox(&fake);
    let run = |extra: &[&str], env: Option<(&str, &str)>| {
        let mut c = cmd(&sb, &fake);
        c.args(["credential-process", "mfa", "--no-cache"])
            .args(extra);
        if let Some((k, v)) = env {
            c.env(k, v);
        }
        ok_json(&c.output().unwrap())
    };
    run(&["--mfa-code", "123456"], None);
    run(&[], Some(("ROLECALL_MFA_CODE", "123456")));
    let spy = sb.home().join("mfa-spy");
    sb.config(&format!(
        "{}{CHAIN}mfa_process = echo run >> '{}'; echo 123456\n",
        static_profile("base"),
        spy.display()
    ));
    run(&[], None);
    assert_eq!(
        std::fs::read_to_string(&spy).unwrap(),
        "run\n",
        "mfa_process ran once"
    );
    // Each run: GetSessionToken with the code, then AssumeRole signed by the MFA session.
    let calls = fake.calls();
    assert_eq!(calls.len(), 6, "{calls:?}");
    for pair in calls.chunks(2) {
        assert_eq!(pair[0].action, "GetSessionToken");
        assert_eq!(
            pair[0].params["SerialNumber"],
            "arn:aws:iam::123456789012:mfa/alice"
        );
        assert_eq!(pair[0].params["TokenCode"], "123456");
        assert_eq!(pair[0].access_key_id, KEY_ID);
        assert_eq!(pair[1].action, "AssumeRole");
        assert!(!pair[1].params.contains_key("TokenCode"));
        assert_ne!(
            pair[1].access_key_id, KEY_ID,
            "the role is assumed from the MFA session"
        );
    }
}

#[test]
fn per_role_mfa_when_the_session_is_turned_off() {
    let fake = FakeAws::start();
    let sb = Sandbox::new();
    sb.config(&format!(
        "{}{CHAIN}mfa_session = false\n",
        static_profile("base")
    ));
    ok_json(
        &cmd(&sb, &fake)
            .args(["credential-process", "mfa", "--mfa-code", "123456"])
            .output()
            .unwrap(),
    );
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].action, "AssumeRole");
    assert_eq!(
        calls[0].params["SerialNumber"],
        "arn:aws:iam::123456789012:mfa/alice"
    );
    assert_eq!(calls[0].params["TokenCode"], "123456");
}

#[test]
fn malformed_mfa_code_is_refused_before_calling_sts() {
    let fake = FakeAws::start();
    let sb = sandbox(&fake);
    for code in ["12345", "1234567", "abcdef", "12 456"] {
        let out = cmd(&sb, &fake)
            .args(["credential-process", "mfa", "--mfa-code", code])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("is not 6 digits"), "{}", stderr(&out));
    }
    assert_eq!(fake.count("AssumeRole"), 0);
}

#[test]
fn wrong_mfa_code_without_terminal_fails_with_the_reason() {
    let fake = FakeAws::start();
    fake.expect_mfa_code("654321");
    let sb = sandbox(&fake);
    let out = cmd(&sb, &fake)
        .args(["credential-process", "mfa", "--mfa-code", "123456"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("wrong MFA code"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn no_terminal_and_no_code_source_fails_at_once() {
    let fake = FakeAws::start();
    let sb = sandbox(&fake);
    let mut c = Command::new("setsid");
    c.arg("--wait")
        .arg(crate::support::rolecall())
        .args(["credential-process", "mfa"]);
    let base = cmd(&sb, &fake);
    c.env_clear()
        .envs(base.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdin(std::process::Stdio::null());
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("needs an MFA code for `arn:aws:iam::123456789012:mfa/alice` but no terminal is available"), "{err}");
    assert!(err.contains("--mfa-code"), "{err}");
    assert_eq!(fake.count("AssumeRole"), 0);
}

#[test]
fn sts_errors_name_the_role_and_profile() {
    let cases = [
        (
            Fault::AccessDenied,
            "cannot assume `arn:aws:iam::111111111111:role/first` for profile `hop1`: access denied",
        ),
        (Fault::ExpiredToken, "the source credentials have expired"),
    ];
    for (fault, want) in cases {
        let fake = FakeAws::start();
        fake.fail_next("AssumeRole", fault);
        let sb = sandbox(&fake);
        let out = cmd(&sb, &fake)
            .args(["credential-process", "hop1"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains(want), "{err}");
        assert!(err.contains("help: "), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn throttling_is_retried_then_reported() {
    let fake = FakeAws::start();
    fake.fail_always("AssumeRole", Fault::Throttling);
    let sb = sandbox(&fake);
    let out = cmd(&sb, &fake)
        .args(["credential-process", "hop1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("throttled after retries"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fake.count("AssumeRole"),
        3,
        "the SDK's standard retry makes 3 attempts"
    );
}

#[test]
fn a_server_error_is_retried_and_succeeds() {
    let fake = FakeAws::start();
    fake.fail_next("AssumeRole", Fault::Internal500);
    let sb = sandbox(&fake);
    ok_json(
        &cmd(&sb, &fake)
            .args(["credential-process", "hop1"])
            .output()
            .unwrap(),
    );
    assert_eq!(fake.count("AssumeRole"), 2);
}

#[test]
fn a_slow_sts_is_waited_for() {
    let fake = FakeAws::start();
    fake.fail_next(
        "AssumeRole",
        Fault::Delay(std::time::Duration::from_secs(2)),
    );
    let sb = sandbox(&fake);
    ok_json(
        &cmd(&sb, &fake)
            .args(["credential-process", "hop1"])
            .output()
            .unwrap(),
    );
}

#[test]
fn dead_endpoint_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let sb = Sandbox::new();
    sb.config(&format!("{}{CHAIN}", static_profile("base")));
    let out = sb
        .cmd()
        .env("AWS_ENDPOINT_URL_STS", format!("http://127.0.0.1:{port}"))
        .args(["credential-process", "hop1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("STS endpoint unreachable"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn endpoint_precedence() {
    let fake = FakeAws::start();
    let dead = "http://127.0.0.1:9";
    let sb = sandbox(&fake);
    // AWS_ENDPOINT_URL_STS beats AWS_ENDPOINT_URL.
    ok_json(
        &sb.cmd()
            .env("AWS_ENDPOINT_URL_STS", fake.url())
            .env("AWS_ENDPOINT_URL", dead)
            .args(["credential-process", "hop1", "--no-cache"])
            .output()
            .unwrap(),
    );
    // AWS_ENDPOINT_URL alone.
    ok_json(
        &sb.cmd()
            .env("AWS_ENDPOINT_URL", fake.url())
            .args(["credential-process", "hop1", "--no-cache"])
            .output()
            .unwrap(),
    );
    // The profile's endpoint_url when the environment names none.
    sb.config(&format!("{}{CHAIN}[profile viaconfig]\nrole_arn = arn:aws:iam::123456789012:role/c\nsource_profile = base\nendpoint_url = {}\n", static_profile("base"), fake.url()));
    ok_json(
        &sb.cmd()
            .args(["credential-process", "viaconfig", "--no-cache"])
            .output()
            .unwrap(),
    );
    // The environment beats the profile.
    let out = sb
        .cmd()
        .env("AWS_ENDPOINT_URL_STS", dead)
        .args(["credential-process", "viaconfig", "--no-cache"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(fake.count("AssumeRole"), 3);
}

#[test]
fn credential_source_environment_signs_with_the_environment_keys() {
    let fake = FakeAws::start();
    let sb = Sandbox::new();
    sb.config("[profile e]\nrole_arn = arn:aws:iam::123456789012:role/e\ncredential_source = Environment\n");
    let out = cmd(&sb, &fake)
        .env("AWS_ACCESS_KEY_ID", "AKIAI44QH8DHBEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .args(["credential-process", "e"])
        .output()
        .unwrap();
    ok_json(&out);
    assert_eq!(fake.calls()[0].access_key_id, "AKIAI44QH8DHBEXAMPLE");
    let out = cmd(&sb, &fake)
        .args(["credential-process", "e"])
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("`credential_source = Environment` but `AWS_ACCESS_KEY_ID`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn credential_process_as_a_source() {
    let fake = FakeAws::start();
    let sb = Sandbox::new();
    let script = sb.home().join("creds.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho '{{\"Version\": 1, \"AccessKeyId\": \"AKIAI44QH8DHBEXAMPLE\", \"SecretAccessKey\": \"{SECRET}\"}}'\n"),
    )
    .unwrap();
    sb.config(&format!(
        "[profile src]\ncredential_process = sh {}\n[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = src\n[profile broken]\ncredential_process = sh -c 'echo not-json'\n[profile rb]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = broken\n",
        script.display()
    ));
    ok_json(
        &cmd(&sb, &fake)
            .args(["credential-process", "r"])
            .output()
            .unwrap(),
    );
    assert_eq!(fake.calls()[0].access_key_id, "AKIAI44QH8DHBEXAMPLE");
    let out = cmd(&sb, &fake)
        .args(["credential-process", "rb"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.contains("`credential_process` of profile `broken` failed: its output is not credential_process JSON"), "{err}");
}

#[test]
fn verbose_output_never_shows_a_secret() {
    let fake = FakeAws::start();
    let sb = sandbox(&fake);
    let out = cmd(&sb, &fake)
        .args(["-v", "env", "hop2", "--format", "json"])
        .output()
        .unwrap();
    let v = ok_json(&out);
    let err = stderr(&out);
    assert!(
        err.contains("AKIA…MPLE"),
        "masked key id expected in: {err}"
    );
    for secret in [
        SECRET,
        KEY_ID,
        v["AWS_SECRET_ACCESS_KEY"].as_str().unwrap(),
        v["AWS_SESSION_TOKEN"].as_str().unwrap(),
        v["AWS_ACCESS_KEY_ID"].as_str().unwrap(),
    ] {
        assert!(!err.contains(secret), "stderr leaks a secret: {err}");
    }
}

#[test]
fn errors_never_show_a_secret() {
    let fake = FakeAws::start();
    fake.fail_next("AssumeRole", Fault::AccessDenied);
    let sb = sandbox(&fake);
    let out = cmd(&sb, &fake)
        .args(["-v", "credential-process", "hop1"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(!err.contains(SECRET) && !err.contains(KEY_ID), "{err}");
}

/// A profile's `services = NAME` section (`sts =` / `  endpoint_url = ...`), which boto3 honours,
/// was ignored: rolecall went to the public STS.
#[test]
fn a_services_section_names_the_sts_endpoint() {
    let fake = FakeAws::start();
    let sb = Sandbox::new();
    sb.config(&format!(
        "{}[profile hop1]\nrole_arn = arn:aws:iam::111111111111:role/first\nsource_profile = base\n\
         services = corp\n[services corp]\nsts =\n  endpoint_url = {}\n",
        static_profile("base"),
        fake.url()
    ));
    let out = sb
        .cmd()
        .args(["-v", "credential-process", "hop1"])
        .output()
        .unwrap();
    ok_json(&out);
    assert_eq!(fake.count("AssumeRole"), 1);
    assert!(
        stderr(&out).contains(&fake.url()),
        "--verbose names the endpoint: {}",
        stderr(&out)
    );
}
