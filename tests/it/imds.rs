//! Instance metadata (IMDSv2) as a source: token first, botocore's fallback to v1, a bounded
//! timeout, memory-only caching, and a role hop on top.

use crate::fake_aws::{FakeAws, FakeImds};
use crate::support::{Sandbox, ok_json, output_within};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn run(c: &mut Command) -> Output {
    output_within(c, Duration::from_secs(60))
}

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.config(
        "[profile ec2]\nrole_arn = arn:aws:iam::111111111111:role/from-instance\ncredential_source = Ec2InstanceMetadata\n",
    );
    sb
}

fn cmd(sb: &Sandbox, imds: &FakeImds, fake: &FakeAws) -> Command {
    let mut c = sb.cmd();
    // The sandbox turns metadata off for every other test.
    c.env_remove("AWS_EC2_METADATA_DISABLED")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url())
        .env("AWS_ENDPOINT_URL_STS", fake.url());
    c
}

/// IMDSv2: token, role name, credentials; the hop on top is signed by them and cached on disk,
/// the instance credentials are not.
#[test]
fn instance_credentials_under_a_role() {
    let imds = FakeImds::start();
    let fake = FakeAws::start();
    let sb = sandbox();
    ok_json(&run(
        cmd(&sb, &imds, &fake).args(["credential-process", "ec2"])
    ));
    assert_eq!(imds.calls(), 3, "token, role name, credentials");
    assert_eq!(imds.untokened(), 0);
    assert!(fake.calls()[0].access_key_id.starts_with("ASIAIMDS"));
    ok_json(&run(
        cmd(&sb, &imds, &fake).args(["credential-process", "ec2"])
    ));
    assert_eq!(
        (imds.calls(), fake.calls().len()),
        (3, 1),
        "the hop is cached"
    );
}

/// A service that refuses the token call (404) is read without one, as botocore does, unless
/// v1 is disabled.
#[test]
fn imds_falls_back_to_v1_unless_disabled() {
    let imds = FakeImds::start();
    imds.v1_only();
    let fake = FakeAws::start();
    let sb = sandbox();
    ok_json(&run(cmd(&sb, &imds, &fake).args([
        "credential-process",
        "ec2",
        "--no-cache",
    ])));
    assert_eq!(imds.untokened(), 2);
    let out = run(cmd(&sb, &imds, &fake)
        .env("AWS_EC2_METADATA_V1_DISABLED", "true")
        .args(["credential-process", "ec2", "--no-cache"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 404"));
}

/// Unreachable metadata fails within the configured timeout, naming the endpoint; it never
/// hangs.
#[test]
fn a_hanging_imds_fails_within_the_timeout() {
    let imds = FakeImds::start();
    imds.hang(Duration::from_secs(20));
    let fake = FakeAws::start();
    let sb = sandbox();
    let started = Instant::now();
    let out = run(cmd(&sb, &imds, &fake)
        .env("AWS_METADATA_SERVICE_TIMEOUT", "1")
        .args(["credential-process", "ec2"]));
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&imds.url()) && err.contains("1000 ms"),
        "{err}"
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

/// With `AWS_EC2_METADATA_DISABLED=true` the source says so instead of trying.
#[test]
fn disabled_instance_metadata_is_named() {
    let sb = sandbox();
    let out = run(sb.cmd().args(["credential-process", "ec2"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("AWS_EC2_METADATA_DISABLED"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
