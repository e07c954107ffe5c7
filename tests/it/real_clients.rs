//! Real AWS clients using rolecall as their `credential_process`, against a
//! local moto server (STS on 127.0.0.1; no AWS account, no network).
//!
//! The clients come from `scripts/test-deps`: AWS CLI v1 and boto3 in the
//! Python venv `$ROLECALL_TEST_VENV` (default `<repo>/target/test-venv`),
//! Debian's AWS CLI v2 at `/usr/bin/aws`, the AWS SDK for JavaScript v3 in
//! `<repo>/target/test-node`, and the Rust SDK (aws-config, a test
//! dependency): five clients. A missing client skips its test, except under
//! `CI=true`, where it fails.
//!
//! Endpoint: `AWS_ENDPOINT_URL` reaches rolecall (through the client's
//! environment), AWS CLI v1 and boto3. Debian's AWS CLI v2 (2.9) predates
//! `AWS_ENDPOINT_URL` support (2.13), so it also gets `--endpoint-url`.

use crate::support::{self, Sandbox};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EXPECTED_ARN: &str = "arn:aws:sts::123456789012:assumed-role/second/rolecall-test";
const CLIENT_TIME_LIMIT: Duration = Duration::from_secs(120);

fn venv_bin(name: &str) -> String {
    support::venv_bin(name).to_string_lossy().into_owned()
}

/// A moto server on a free loopback port, killed on drop.
struct Moto {
    child: Child,
    port: u16,
    log: tempfile::NamedTempFile,
}

impl Moto {
    fn start(moto_server: &str) -> Moto {
        let mut last_log = String::new();
        for _attempt in 0..3 {
            let port = free_port();
            let log = tempfile::NamedTempFile::new().expect("moto log file");
            let child = Command::new(moto_server)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .stdin(Stdio::null())
                .stdout(log.reopen().expect("moto log"))
                .stderr(log.reopen().expect("moto log"))
                .spawn()
                .unwrap_or_else(|e| panic!("spawn {moto_server}: {e}"));
            let mut moto = Moto { child, port, log };
            if moto.wait_ready(Duration::from_secs(60)) {
                return moto;
            }
            last_log = moto.log_text();
            // Dropping kills it; try another port (it may have been taken).
        }
        panic!("moto_server did not start; its output:\n{last_log}");
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// True once the server answers an HTTP request.
    fn wait_ready(&mut self, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false; // exited (port taken?)
            }
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                let request = format!(
                    "GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                    self.port
                );
                let mut head = [0u8; 12];
                if s.write_all(request.as_bytes()).is_ok()
                    && s.read_exact(&mut head).is_ok()
                    && head.starts_with(b"HTTP/1.")
                {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Quotes a path for the `credential_process` line (split shell-like by the
/// SDKs) when it needs it.
fn process_arg(path: &str) -> String {
    if path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+,:@".contains(&b))
    {
        path.to_string()
    } else {
        format!("\"{}\"", path.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn chain_config() -> String {
    let rolecall = support::rolecall();
    format!(
        "[profile base]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
region = us-east-1

[profile hop1]
role_arn = arn:aws:iam::123456789012:role/first
source_profile = base

[profile hop2]
role_arn = arn:aws:iam::123456789012:role/second
source_profile = hop1
role_session_name = rolecall-test

[profile viaprocess]
credential_process = {} credential-process hop2
region = us-east-1
",
        process_arg(&rolecall.to_string_lossy())
    )
}

struct Setup {
    sandbox: Sandbox,
    moto: Moto,
}

/// None (test skipped) when a program is missing outside CI.
fn setup(programs: &[&str]) -> Option<Setup> {
    let moto_server = venv_bin("moto_server");
    for program in std::iter::once(moto_server.as_str()).chain(programs.iter().copied()) {
        if !support::require(program) {
            return None;
        }
    }
    let moto = Moto::start(&moto_server);
    let sandbox = Sandbox::new();
    sandbox.config(&chain_config()).credentials("");
    Some(Setup { sandbox, moto })
}

impl Setup {
    fn command(&self, program: &str) -> Command {
        let mut cmd = self.sandbox.command(program);
        cmd.env("AWS_ENDPOINT_URL", self.moto.url())
            .env("AWS_EC2_METADATA_DISABLED", "true");
        cmd
    }

    /// Runs a client and returns its stdout; panics with everything useful
    /// if it fails.
    fn run(&self, mut cmd: Command) -> String {
        let shown = format!("{cmd:?}");
        let out = support::output_within(&mut cmd, CLIENT_TIME_LIMIT);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "{shown} failed ({}).\nstdout:\n{stdout}\nstderr:\n{stderr}\nmoto log (tail):\n{}",
            out.status,
            tail(&self.moto.log_text(), 40),
        );
        stdout
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The `"Arn"` of `aws sts get-caller-identity --output json`.
fn arn_from_json(stdout: &str) -> String {
    let key = "\"Arn\"";
    let start = stdout
        .find(key)
        .unwrap_or_else(|| panic!("no Arn in {stdout}"))
        + key.len();
    let rest = stdout[start..]
        .trim_start()
        .strip_prefix(':')
        .expect("colon")
        .trim_start();
    let rest = rest.strip_prefix('"').expect("quote");
    rest[..rest.find('"').expect("closing quote")].to_string()
}

#[test]
fn aws_cli_v1_uses_rolecall_credential_process() {
    let aws = venv_bin("aws");
    let Some(s) = setup(&[&aws]) else { return };
    let mut cmd = s.command(&aws);
    cmd.args([
        "sts",
        "get-caller-identity",
        "--profile",
        "viaprocess",
        "--output",
        "json",
    ]);
    let stdout = s.run(cmd);
    assert_eq!(arn_from_json(&stdout), EXPECTED_ARN, "{stdout}");
}

#[test]
fn aws_cli_v2_uses_rolecall_credential_process() {
    let aws = "/usr/bin/aws";
    let Some(s) = setup(&[aws]) else { return };
    let mut cmd = s.command(aws);
    // CLI v2 2.9 ignores AWS_ENDPOINT_URL; rolecall still gets it from the env.
    cmd.args(["--endpoint-url", &s.moto.url()]);
    cmd.args([
        "sts",
        "get-caller-identity",
        "--profile",
        "viaprocess",
        "--output",
        "json",
    ]);
    let stdout = s.run(cmd);
    assert_eq!(arn_from_json(&stdout), EXPECTED_ARN, "{stdout}");
}

#[test]
fn boto3_uses_rolecall_credential_process() {
    let python = venv_bin("python");
    let Some(s) = setup(&[&python]) else { return };
    let mut cmd = s.command(&python);
    cmd.args([
        "-c",
        "import boto3; print(boto3.Session(profile_name=\"viaprocess\").client(\"sts\").get_caller_identity()[\"Arn\"])",
    ]);
    let stdout = s.run(cmd);
    assert_eq!(stdout.trim(), EXPECTED_ARN);
}

/// boto3 configured with `web_identity_token_file` itself, and boto3 through rolecall's
/// `credential-process` for the same profile, see the same assumed-role ARN from moto.
#[test]
fn boto3_and_rolecall_agree_on_web_identity() {
    let python = venv_bin("python");
    let Some(s) = setup(&[&python]) else { return };
    let token = s.sandbox.home().join("oidc-token");
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl").unwrap();
    s.sandbox.config(&format!(
        "[profile wi]\nrole_arn = arn:aws:iam::123456789012:role/ci\nweb_identity_token_file = {}\n\
         role_session_name = same-session\nregion = us-east-1\n\
         [profile wi-via-rolecall]\ncredential_process = {} credential-process wi\nregion = us-east-1\n",
        token.display(),
        process_arg(&support::rolecall().to_string_lossy())
    ));
    let arn_of = |profile: &str| {
        let mut cmd = s.command(&python);
        cmd.args([
            "-c",
            &format!(
                "import boto3; print(boto3.Session(profile_name=\"{profile}\").client(\"sts\").get_caller_identity()[\"Arn\"])"
            ),
        ]);
        s.run(cmd).trim().to_owned()
    };
    let direct = arn_of("wi");
    assert_eq!(
        direct,
        "arn:aws:sts::123456789012:assumed-role/ci/same-session"
    );
    assert_eq!(arn_of("wi-via-rolecall"), direct);
}

/// The AWS SDK for JavaScript v3: `fromProcess` on the profile that runs rolecall.
#[test]
fn js_sdk_v3_uses_rolecall_credential_process() {
    let node_modules = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("test-node")
        .join("node_modules");
    let Some(s) = setup(&["node"]) else { return };
    if !node_modules.join("@aws-sdk/credential-providers").is_dir() {
        assert!(
            !support::is_ci(),
            "the JS SDK is not installed, and CI=true requires it (run scripts/test-deps)"
        );
        eprintln!("skipped: the JS SDK is not installed (run scripts/test-deps)");
        return;
    }
    let script = format!(
        "const {{ STSClient, GetCallerIdentityCommand }} = require('@aws-sdk/client-sts');\n\
         const {{ fromProcess }} = require('@aws-sdk/credential-providers');\n\
         const client = new STSClient({{ region: 'us-east-1', endpoint: '{}', credentials: fromProcess({{ profile: 'viaprocess' }}) }});\n\
         client.send(new GetCallerIdentityCommand({{}})).then(r => console.log(r.Arn), e => {{ console.error(e); process.exit(1); }});\n",
        s.moto.url()
    );
    let mut cmd = s.command("node");
    cmd.env("NODE_PATH", &node_modules).args(["-e", &script]);
    let stdout = s.run(cmd);
    assert_eq!(stdout.trim(), EXPECTED_ARN);
}

/// The Rust SDK (aws-config, a test dependency) loading the profile that runs rolecall.
#[test]
fn rust_sdk_aws_config_uses_rolecall_credential_process() {
    use aws_config::BehaviorVersion;
    use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
    let Some(s) = setup(&[]) else { return };
    // aws-config runs the command with this test's own environment: give rolecall the sandbox's.
    let sb = &s.sandbox;
    let command = format!(
        "env HOME={} AWS_CONFIG_FILE={} AWS_SHARED_CREDENTIALS_FILE={} ROLECALL_CACHE_DIR={} AWS_ENDPOINT_URL={} AWS_REGION=us-east-1 {} credential-process hop2",
        process_arg(&sb.home().to_string_lossy()),
        process_arg(&sb.config_path().to_string_lossy()),
        process_arg(&sb.credentials_path().to_string_lossy()),
        process_arg(&sb.cache_dir().to_string_lossy()),
        s.moto.url(),
        process_arg(&support::rolecall().to_string_lossy()),
    );
    let config = std::fs::read_to_string(sb.config_path()).unwrap();
    sb.config(&format!(
        "{config}\n[profile viarust]\ncredential_process = {command}\nregion = us-east-1\n"
    ));
    let files = EnvConfigFiles::builder()
        .with_file(EnvConfigFileKind::Config, sb.config_path())
        .with_file(EnvConfigFileKind::Credentials, sb.credentials_path())
        .build();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let arn = runtime.block_on(async {
        let conf = aws_config::defaults(BehaviorVersion::latest())
            .profile_files(files)
            .profile_name("viarust")
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(s.moto.url())
            .load()
            .await;
        aws_sdk_sts::Client::new(&conf)
            .get_caller_identity()
            .send()
            .await
            .map(|r| r.arn().unwrap_or_default().to_owned())
    });
    assert_eq!(arn.expect("get_caller_identity"), EXPECTED_ARN);
}
