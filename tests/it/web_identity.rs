//! Web identity (EKS IRSA, GitHub Actions OIDC) as a base: unsigned, the token read afresh on
//! every fetch and never cached or shown, the result cached like a role, hops on top.

use crate::fake_aws::FakeAws;
use crate::support::{Sandbox, ok_json, output_within};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

const ROLE: &str = "arn:aws:iam::111111111111:role/ci";

fn setup(token: &str) -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    let file = sb.home().join("token");
    std::fs::write(&file, token).unwrap();
    sb.config(&format!(
        "[profile ci]\nrole_arn = {ROLE}\nweb_identity_token_file = {}\nrole_session_name = gha\n\
         [profile deploy]\nrole_arn = arn:aws:iam::222222222222:role/deploy\nsource_profile = ci\n",
        file.display()
    ));
    (sb, file)
}

fn cmd(sb: &Sandbox, fake: &FakeAws) -> Command {
    let mut c = sb.cmd();
    c.env("AWS_ENDPOINT_URL_STS", fake.url());
    c
}

fn run(c: &mut Command) -> Output {
    output_within(c, Duration::from_secs(60))
}

/// The web identity call is unsigned, sends the token, and its result is cached: a second call
/// makes none.
#[test]
fn web_identity_is_unsigned_and_cached() {
    let fake = FakeAws::start();
    fake.accept_web_identity_tokens(&["eyJ.first.token"]);
    let (sb, _) = setup("eyJ.first.token\n");
    let v = ok_json(&run(cmd(&sb, &fake).args(["credential-process", "ci"])));
    assert_eq!(v["AccountId"], "111111111111");
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].action, "AssumeRoleWithWebIdentity");
    assert_eq!(calls[0].access_key_id, "", "unsigned");
    assert_eq!(calls[0].params["WebIdentityToken"], "eyJ.first.token");
    assert_eq!(calls[0].params["RoleSessionName"], "gha");
    let again = ok_json(&run(cmd(&sb, &fake).args(["credential-process", "ci"])));
    assert_eq!(again["AccessKeyId"], v["AccessKeyId"]);
    assert_eq!(fake.calls().len(), 1, "served from the cache");
}

/// The token rotates (EKS rewrites it hourly): each fetch reads the file afresh.
#[test]
fn web_identity_reads_the_token_afresh_on_every_fetch() {
    let fake = FakeAws::start();
    let (sb, file) = setup("first");
    ok_json(&run(cmd(&sb, &fake).args(["credential-process", "ci"])));
    std::fs::write(&file, "second").unwrap();
    let cleared = run(cmd(&sb, &fake).args(["cache", "clear", "ci"]));
    assert!(cleared.status.success());
    ok_json(&run(cmd(&sb, &fake).args(["credential-process", "ci"])));
    let tokens: Vec<String> = fake
        .calls()
        .iter()
        .map(|c| c.params["WebIdentityToken"].clone())
        .collect();
    assert_eq!(tokens, ["first", "second"]);
}

/// A hop on top is signed by what web identity returned.
#[test]
fn a_role_hop_on_web_identity_signs_with_its_credentials() {
    let fake = FakeAws::start();
    let (sb, _) = setup("tok");
    ok_json(&run(cmd(&sb, &fake).args(["credential-process", "deploy"])));
    let calls = fake.calls();
    let issued = fake.issued();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].action, "AssumeRole");
    assert_eq!(calls[1].access_key_id, issued[0].access_key_id);
}

/// The environment form, as on EKS and in GitHub Actions: a profile with no credentials.
#[test]
fn web_identity_from_the_environment() {
    let fake = FakeAws::start();
    let sb = Sandbox::new();
    sb.config("[profile pod]\nregion = eu-west-1\n");
    let file = sb.home().join("env-token");
    std::fs::write(&file, "env-token").unwrap();
    let v = ok_json(&run(cmd(&sb, &fake)
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", &file)
        .env("AWS_ROLE_ARN", ROLE)
        .args(["credential-process", "pod"])));
    assert!(v["SessionToken"].is_string());
    assert_eq!(fake.calls()[0].params["RoleArn"], ROLE);
    assert!(
        fake.calls()[0].params["RoleSessionName"].starts_with("rolecall-"),
        "a default session name"
    );
}

/// A missing, empty or unreadable token file: a clear error naming the file, never the token.
#[test]
fn a_bad_token_file_is_named() {
    let fake = FakeAws::start();
    let (sb, file) = setup("secret-token-value");
    for (content, want) in [(None, "does not exist"), (Some(" \n"), "is empty")] {
        match content {
            None => {
                let _ = std::fs::remove_file(&file);
            }
            Some(c) => std::fs::write(&file, c).unwrap(),
        }
        let out = run(cmd(&sb, &fake).args(["credential-process", "ci"]));
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&file.display().to_string()) && err.contains(want),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
    assert!(fake.calls().is_empty());
}

/// The token never appears in `--verbose` output, errors, or the cache.
#[test]
fn the_token_is_never_shown_or_stored() {
    let fake = FakeAws::start();
    let (sb, _) = setup("eyJhbGciOiJSUzI1NiJ9.never-shown");
    let out = run(cmd(&sb, &fake).args(["-v", "credential-process", "deploy"]));
    ok_json(&out);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("never-shown"));
    for e in std::fs::read_dir(sb.cache_dir()).unwrap().flatten() {
        if e.path().is_file() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            assert!(!text.contains("never-shown"), "{}", e.path().display());
        }
    }
}
