//! `rolecall console`: the federation sign-in URL, against a fake federation endpoint.

use crate::cache::{cmd, sandbox};
use crate::fake_aws::{FakeAws, FakeFederation, query, signin_token};
use std::process::Output;

fn console(args: &[&str], extra: &[(&str, &str)]) -> (Output, FakeAws, FakeFederation) {
    let fake = FakeAws::start();
    let fed = FakeFederation::start();
    let sb = sandbox("");
    let mut c = cmd(&sb, &fake);
    c.env("ROLECALL_FEDERATION_ENDPOINT", fed.url())
        .env("AWS_REGION", "eu-west-1")
        .arg("console")
        .args(args);
    for (k, v) in extra {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    // The sandbox goes with this function; the outputs are what the tests look at.
    drop(sb);
    (out, fake, fed)
}

#[test]
fn the_printed_url_signs_in_with_a_token_and_never_holds_the_credentials() {
    let (out, fake, fed) = console(&["hop1", "--print"], &[]);
    assert!(out.status.success(), "{out:?}");
    let url = String::from_utf8(out.stdout).unwrap();
    let url = url.trim_end();
    assert!(url.starts_with(&format!("{}?", fed.url())), "{url}");
    let q = query(url);
    assert_eq!(q["Action"], "login");
    assert_eq!(q["Issuer"], "rolecall");
    assert_eq!(
        q["Destination"],
        "https://console.aws.amazon.com/console/home?region=eu-west-1"
    );
    assert_eq!(q["SigninToken"], signin_token(1));
    assert_eq!(q.len(), 4, "{q:?}");

    // The federation endpoint got the role's session credentials, and the URL holds none of them.
    let issued = fake.issued();
    let role = issued.last().unwrap();
    let sessions = fed.sessions();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].session_id, role.access_key_id);
    assert_eq!(sessions[0].session_key, role.secret_access_key);
    assert_eq!(sessions[0].session_token, role.session_token);
    for secret in [
        &role.access_key_id,
        &role.secret_access_key,
        &role.session_token,
    ] {
        assert!(!url.contains(secret.as_str()), "{url}");
    }
}

#[test]
fn a_destination_is_a_console_path_or_a_full_url() {
    let (out, _, _) = console(&["hop1", "--print", "--destination", "s3/home"], &[]);
    assert!(out.status.success(), "{out:?}");
    let q = query(String::from_utf8(out.stdout).unwrap().trim_end());
    assert_eq!(
        q["Destination"],
        "https://console.aws.amazon.com/s3/home?region=eu-west-1"
    );
}

#[test]
fn long_term_keys_are_refused_with_the_reason() {
    let (out, _, fed) = console(&["base", "--print"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("long-term keys") && err.contains("role_arn"),
        "{err}"
    );
    assert!(fed.sessions().is_empty());
}

#[test]
fn without_print_the_url_goes_to_the_browser_never_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let seen = dir.path().join("seen");
    let browser = dir.path().join("browser");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", seen.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (out, _, _) = console(&["hop1"], &[("BROWSER", browser.to_str().unwrap())]);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty());
    let url = std::fs::read_to_string(&seen).unwrap();
    assert_eq!(query(&url)["SigninToken"], signin_token(1));
}

/// The federation endpoint receives the session credentials in its query: plain `http` is
/// refused except to this machine.
#[test]
fn a_plain_http_federation_endpoint_elsewhere_is_refused() {
    let (out, _, _) = console(
        &["hop1", "--print"],
        &[(
            "ROLECALL_FEDERATION_ENDPOINT",
            "http://signin.example.com/federation",
        )],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ROLECALL_FEDERATION_ENDPOINT") && err.contains("https"),
        "{err}"
    );
}

/// Over SSH (or in a container, or without a display) and with no `$BROWSER`, the URL is printed
/// with a note rather than handed to a text browser in this terminal.
#[test]
fn headless_without_a_browser_prints_the_url() {
    let fake = FakeAws::start();
    let fed = FakeFederation::start();
    let sb = sandbox("");
    let out = cmd(&sb, &fake)
        .env("ROLECALL_FEDERATION_ENDPOINT", fed.url())
        .env("SSH_CONNECTION", "192.0.2.1 50000 192.0.2.2 22")
        .env_remove("BROWSER")
        .args(["console", "hop1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let url = String::from_utf8(out.stdout).unwrap();
    assert_eq!(query(url.trim_end())["SigninToken"], signin_token(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no browser here"));
}
