//! The container credentials endpoint as a source (ECS, EKS Pod Identity): the token header, the
//! host rule, memory-only caching, and a role hop on top cached on disk.

use crate::fake_aws::{FakeAws, FakeContainer};
use crate::support::{Sandbox, ok_json, output_within};
use std::process::{Command, Output};
use std::time::Duration;

fn run(c: &mut Command) -> Output {
    output_within(c, Duration::from_secs(60))
}

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.config(
        "[profile task]\nregion = us-east-1\n\
         [profile ecs]\nrole_arn = arn:aws:iam::111111111111:role/from-task\ncredential_source = EcsContainer\n",
    );
    sb
}

/// The container's credentials for a profile with none, with the token file re-read each time;
/// never written to disk.
#[test]
fn container_credentials_with_a_rotating_token_are_never_cached_on_disk() {
    let agent = FakeContainer::start(Some("token-one"));
    let sb = sandbox();
    let token = sb.home().join("pod-token");
    std::fs::write(&token, "token-one\n").unwrap();
    let cmd = || {
        let mut c = sb.cmd();
        c.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", agent.url())
            .env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", &token)
            .args(["credential-process", "task"]);
        c
    };
    let v = ok_json(&run(&mut cmd()));
    assert!(
        v["AccessKeyId"]
            .as_str()
            .unwrap()
            .starts_with("ASIACONTAINER")
    );
    assert!(v["Expiration"].is_string());
    ok_json(&run(&mut cmd()));
    assert_eq!(agent.calls(), 2, "memory only: each process asks the agent");
    let on_disk = std::fs::read_dir(sb.cache_dir()).map_or(0, |d| d.count());
    assert_eq!(on_disk, 0, "nothing written to the cache directory");
    // The token rotates: the next call sends the new one (refused by the agent here).
    std::fs::write(&token, "token-two").unwrap();
    let out = run(&mut cmd());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 401"));
    assert_eq!(
        agent.tokens_seen().last().cloned().flatten().as_deref(),
        Some("token-two")
    );
}

/// `credential_source = EcsContainer` under a role: the hop is signed by the container's keys
/// and cached on disk; the second call asks neither the agent nor STS.
#[test]
fn a_role_on_container_credentials_is_cached_on_disk() {
    let agent = FakeContainer::start(Some("t"));
    let fake = FakeAws::start();
    let sb = sandbox();
    let cmd = || {
        let mut c = sb.cmd();
        c.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", agent.url())
            .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "t")
            .env("AWS_ENDPOINT_URL_STS", fake.url())
            .args(["credential-process", "ecs"]);
        c
    };
    ok_json(&run(&mut cmd()));
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert!(
        calls[0].access_key_id.starts_with("ASIACONTAINER"),
        "{calls:?}"
    );
    ok_json(&run(&mut cmd()));
    assert_eq!((agent.calls(), fake.calls().len()), (1, 1));
}

/// A full URI over plain http to anything but loopback and the container hosts is refused with
/// the rule; `credential_source = EcsContainer` without the variables says so.
#[test]
fn the_container_host_rule_and_missing_variables() {
    let sb = sandbox();
    for (uri, want) in [
        (
            "http://example.com/creds",
            "only loopback and the container hosts",
        ),
        (
            "http://169.254.169.254/latest/meta-data",
            "only loopback and the container hosts",
        ),
        // Over TLS any host will do (the SDKs' rule), but it must be a host.
        ("https:///creds", "not a URL with a host"),
    ] {
        let out = run(sb
            .cmd()
            .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri)
            .args(["credential-process", "ecs"]));
        assert_eq!(out.status.code(), Some(1), "{uri}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{uri}: {err}");
    }
    let out = run(sb.cmd().args(["credential-process", "ecs"]));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A dead agent fails within the bounded tries, naming the endpoint.
#[test]
fn a_dead_container_endpoint_fails_quickly_naming_it() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sb = sandbox();
    let url = format!("http://127.0.0.1:{port}/v2/credentials/x");
    let started = std::time::Instant::now();
    let out = run(sb
        .cmd()
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url)
        .args(["credential-process", "task"]));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&url) && err.contains("3 tries"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// A container endpoint over `https` (any host, as in the SDKs): `openssl s_server -WWW` with a
/// certificate made for the test, trusted through `SSL_CERT_FILE` and refused without it.
#[test]
fn an_https_container_endpoint_is_reached_through_tls() {
    if !crate::support::require("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl {args:?}: {out:?}");
    };
    // A CA, and a server certificate for localhost that it signs (webpki refuses a CA
    // certificate as the server's own).
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-days",
                "1",
                "-subj",
                "/CN=rolecall test CA",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"][..],
            &ec,
            &[
                "-subj",
                "/CN=localhost",
                "-keyout",
                "key.pem",
                "-out",
                "server.csr",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        path("ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "ext",
        "-out",
        "cert.pem",
    ]);
    let (ca, cert, key) = (path("ca.pem"), path("cert.pem"), path("key.pem"));
    let expires = "2099-01-01T00:00:00Z";
    std::fs::write(
        dir.path().join("creds"),
        format!(
            "{{\"AccessKeyId\":\"ASIATLSCONTAINEREXAMPLE\",\"SecretAccessKey\":\"fakeTlsSecretEXAMPLE\",\"Token\":\"fakeTlsToken\",\"Expiration\":\"{expires}\"}}"
        ),
    )
    .unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut server = Command::new("openssl")
        .current_dir(dir.path())
        .args(["s_server", "-quiet", "-WWW", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "s_server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let sb = sandbox();
    let url = format!("https://localhost:{port}/creds");
    let trusted = run(sb
        .cmd()
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url)
        .env("SSL_CERT_FILE", &ca)
        .args(["credential-process", "task"]));
    let untrusted = run(sb
        .cmd()
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url)
        .env("SSL_CERT_FILE", dir.path().join("creds"))
        .args(["credential-process", "task"]));
    let _ = server.kill();
    let _ = server.wait();
    let v = ok_json(&trusted);
    assert_eq!(v["AccessKeyId"], "ASIATLSCONTAINEREXAMPLE");
    assert_eq!(v["Expiration"], expires);
    assert!(!untrusted.status.success());
    let err = String::from_utf8_lossy(&untrusted.stderr);
    assert!(err.contains(&url) && err.contains("certificate"), "{err}");
}
