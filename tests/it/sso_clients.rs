//! The token cache is the AWS CLI's, both ways: Debian's AWS CLI v2 (`/usr/bin/aws`, 2.9) logs
//! in against the fake and rolecall uses its token without a login; rolecall logs in and the
//! AWS CLI's own SSO provider uses rolecall's token. botocore's `SSOTokenLoader` (the test venv's
//! boto3) and aws-config's SSO token provider load a token file rolecall wrote.

use crate::fake_aws::{FakeAws, FakeSso};
use crate::sso::{CORP_TOKEN, START_URL, cmd, config, read_token};
use crate::sso_login::spawn;
use crate::support::{Sandbox, ok_json, output_within, require, venv_python};
use std::process::Command;
use std::time::Duration;

const AWS_V2: &str = "/usr/bin/aws";

/// The AWS CLI v2 in the sandbox, its `sso-oidc` and `sso` clients pointed at the fake.
fn aws(sb: &Sandbox, fake: &FakeSso) -> Command {
    let mut c = sb.command(AWS_V2);
    c.env("AWS_DATA_PATH", fake.data_path(sb.home()))
        .env("AWS_PAGER", "")
        .env("AWS_CLI_AUTO_PROMPT", "off");
    c
}

/// `rolecall login --device-code` on a pseudo-terminal (the fake approves at the second poll).
fn rolecall_login(sb: &Sandbox, fake: &FakeSso) {
    let mut s = spawn(
        sb,
        fake,
        "\"$ROLECALL\" login --sso-session corp --device-code --no-browser; echo \"rc=$?\"",
        &[],
    );
    s.expect("rc=0").unwrap();
}

#[test]
fn aws_cli_logs_in_and_rolecall_uses_its_token() {
    if !require(AWS_V2) {
        return;
    }
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    sb.config(&config());
    let out = output_within(
        aws(&sb, &fake).args(["sso", "login", "--no-browser", "--profile", "dev"]),
        Duration::from_secs(90),
    );
    assert!(
        out.status.success(),
        "aws sso login: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let calls_after_cli = fake.calls();
    eprintln!("aws sso login made: {calls_after_cli:?}");
    assert_eq!(fake.count("StartDeviceAuthorization"), 1);
    let t = read_token(&sb, CORP_TOKEN);
    assert!(t["accessToken"].is_string(), "{t}");
    let out = output_within(
        cmd(&sb, &fake).args(["credential-process", "dev"]),
        Duration::from_secs(30),
    );
    ok_json(&out);
    assert_eq!(
        fake.count("CreateToken"),
        calls_after_cli
            .iter()
            .filter(|c| c.starts_with("CreateToken"))
            .count(),
        "no login or refresh by rolecall"
    );
    assert_eq!(fake.count("StartDeviceAuthorization"), 1);
    assert_eq!(fake.count("GetRoleCredentials"), 1);
    // rolecall finds the CLI's client registration under the CLI's key and reuses it.
    rolecall_login(&sb, &fake);
    assert_eq!(fake.count("StartDeviceAuthorization"), 2);
    assert_eq!(
        fake.count("RegisterClient"),
        1,
        "the AWS CLI's registration was reused"
    );
}

#[test]
fn rolecall_logs_in_and_the_aws_cli_uses_its_token() {
    if !require(AWS_V2) {
        return;
    }
    let fake = FakeSso::start();
    let sts = FakeAws::start();
    let sb = Sandbox::new();
    sb.config(&config());
    rolecall_login(&sb, &fake);
    let logins = fake.count("CreateToken");
    let out = output_within(
        aws(&sb, &fake).args([
            "sts",
            "get-caller-identity",
            "--profile",
            "dev",
            "--endpoint-url",
            &sts.url(),
        ]),
        Duration::from_secs(60),
    );
    assert!(
        out.status.success(),
        "aws sts get-caller-identity: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["Arn"].is_string(), "{v}");
    assert_eq!(
        fake.count("GetRoleCredentials"),
        1,
        "the CLI's own SSO provider"
    );
    assert_eq!(
        fake.count("CreateToken"),
        logins,
        "the CLI neither logged in nor refreshed"
    );
    assert!(sts.calls()[0].access_key_id.starts_with("ASIASSOFAKE"));
}

#[test]
fn botocore_loads_a_token_rolecall_wrote() {
    let python = venv_python();
    if !require(python.to_str().unwrap()) {
        return;
    }
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    sb.config(&config());
    rolecall_login(&sb, &fake);
    let written = read_token(&sb, CORP_TOKEN);
    let script = format!(
        "import json, os\n\
         from botocore.utils import SSOTokenLoader, JSONFileCache\n\
         import botocore.session\n\
         from botocore.tokens import SSOTokenProvider\n\
         cache = JSONFileCache(os.path.expanduser('~/.aws/sso/cache'))\n\
         t = SSOTokenLoader(cache=cache)('{START_URL}', session_name='corp')\n\
         s = botocore.session.Session(profile='dev')\n\
         p = SSOTokenProvider(s, cache=cache, profile_name='dev')\n\
         f = p.load_token().get_frozen_token()\n\
         print(json.dumps({{'loader': t['accessToken'], 'provider': f.token, 'expiration': str(f.expiration)}}))\n"
    );
    let out = output_within(
        sb.command(&python).args(["-c", &script]),
        Duration::from_secs(60),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["loader"], written["accessToken"]);
    assert_eq!(v["provider"], written["accessToken"]);
    assert_eq!(
        fake.count("CreateToken:refresh_token"),
        0,
        "botocore did not need to refresh"
    );
}

/// aws-config reads `HOME` from the process environment: the check runs in a child of this
/// test binary with the sandbox's `HOME` (the test below, which runs only there).
#[test]
fn aws_config_loads_a_token_rolecall_wrote() {
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    sb.config(&config());
    rolecall_login(&sb, &fake);
    let written = read_token(&sb, CORP_TOKEN);
    let out = output_within(
        sb.command(std::env::current_exe().unwrap())
            .env("ROLECALL_TEST_SSO_TOKEN_CHILD", "1")
            .args([
                "--exact",
                "sso_clients::aws_config_token_provider_child",
                "--ignored",
                "--nocapture",
            ]),
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = written["accessToken"].as_str().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("token={token}")),
        "{stdout}{stderr}"
    );
}

#[test]
#[ignore = "run by aws_config_loads_a_token_rolecall_wrote in a child with the sandbox's HOME"]
fn aws_config_token_provider_child() {
    use aws_credential_types::provider::token::ProvideToken;
    if std::env::var("ROLECALL_TEST_SSO_TOKEN_CHILD").is_err() {
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // The child's environment is the sandbox's (no keys, metadata disabled).
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region("eu-west-1")
            .load()
            .await;
        let provider = aws_config::sso::SsoTokenProvider::builder()
            .configure(&sdk)
            .region(aws_types::region::Region::new("eu-west-1"))
            .session_name("corp")
            .start_url(START_URL)
            .build()
            .await;
        let token = provider.provide_token().await.expect("aws-config loads it");
        // The parent reads the child's stderr too.
        eprintln!("token={}", token.token());
    });
}
