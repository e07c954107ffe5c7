//! The credential server (`exec --server`, `serve`): the token rule, one path, loopback only,
//! single-flight refreshes, the child's status and signals, and real clients refreshing through
//! it across expiries.

use crate::cache::{cmd, sandbox};
use crate::fake_aws::{FakeAws, Fault};
use crate::support::{self, Sandbox};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `rolecall serve PROFILE --format json`, its URL and token.
struct Serving {
    child: Child,
    url: String,
    token: String,
}

impl Serving {
    /// `127.0.0.1:PORT`
    fn host(&self) -> &str {
        let rest = self.url.strip_prefix("http://").unwrap();
        rest.split('/').next().unwrap()
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(mut c: Command, profile: &str) -> Serving {
    let mut child = c
        .args(["serve", profile, "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut text = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let doc = loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "serve printed: {text}"
        );
        text.push_str(&line);
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
            break v;
        }
    };
    Serving {
        child,
        url: doc["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
            .as_str()
            .unwrap()
            .to_owned(),
        token: doc["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
            .as_str()
            .unwrap()
            .to_owned(),
    }
}

/// One request; the status and the body.
fn request(url: &str, method: &str, path: Option<&str>, token: Option<&str>) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, own_path) = rest.split_once('/').unwrap();
    let path = path.map_or(format!("/{own_path}"), str::to_owned);
    let mut s = TcpStream::connect(host).unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: {t}\r\n"));
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap();
    (status, body)
}

#[test]
fn the_server_answers_only_the_right_token_on_its_one_path() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    let s = serve(cmd(&sb, &fake), "hop1");
    assert!(s.url.starts_with("http://127.0.0.1:"), "{}", s.url);
    assert_eq!(s.token.len(), 64);

    let (status, body) = request(&s.url, "GET", None, Some(&s.token));
    assert_eq!(status, 200, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    for field in [
        "AccessKeyId",
        "SecretAccessKey",
        "Token",
        "Expiration",
        "AccountId",
    ] {
        assert!(doc[field].is_string(), "{field} in {body}");
    }
    assert_eq!(doc["AccountId"], "111111111111");

    assert_eq!(request(&s.url, "GET", None, None), (401, "{}".into()));
    let last = if s.token.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &s.token[..63]);
    assert_eq!(
        request(&s.url, "GET", None, Some(&wrong)),
        (403, "{}".into())
    );
    assert_eq!(request(&s.url, "GET", None, Some("")).0, 403);
    assert_eq!(request(&s.url, "GET", Some("/"), Some(&s.token)).0, 404);
    assert_eq!(
        request(&s.url, "GET", Some("/latest/meta-data/"), Some(&s.token)).0,
        404
    );
    assert_eq!(request(&s.url, "POST", None, Some(&s.token)).0, 405);

    // Bound to loopback only: the port is closed on every other address of the machine.
    let port = s.url.rsplit_once(':').unwrap().1.split('/').next().unwrap();
    let out = Command::new("hostname").arg("-I").output().unwrap();
    let others = String::from_utf8_lossy(&out.stdout).into_owned();
    let other = others
        .split_whitespace()
        .find(|a| !a.starts_with("127.") && !a.contains(':'))
        .expect("a non-loopback IPv4 address on this machine");
    assert!(TcpStream::connect(format!("{other}:{port}")).is_err());
}

#[test]
fn fifty_concurrent_requests_during_a_refresh_make_one_sts_call() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    let s = serve(cmd(&sb, &fake), "hop1");
    assert_eq!(fake.count("AssumeRole"), 1);
    // The entry goes (and its hint with it): the next request must refresh, slowly.
    for e in std::fs::read_dir(sb.cache_dir()).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    fake.fail_next("AssumeRole", Fault::Delay(Duration::from_millis(500)));
    let answers: Vec<(u16, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..50)
            .map(|_| scope.spawn(|| request(&s.url, "GET", None, Some(&s.token))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let keys: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 200, "{body}");
            let doc: serde_json::Value = serde_json::from_str(body).unwrap();
            doc["AccessKeyId"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(fake.count("AssumeRole"), 2);
}

#[test]
fn a_server_that_cannot_refresh_answers_an_error_the_sdk_shows() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    let s = serve(cmd(&sb, &fake), "hop1");
    for e in std::fs::read_dir(sb.cache_dir()).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    fake.fail_always("AssumeRole", Fault::AccessDenied);
    let (status, body) = request(&s.url, "GET", None, Some(&s.token));
    assert_eq!(status, 500);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let message = doc["message"].as_str().unwrap();
    assert!(
        message.contains("hop1") && message.contains("access denied"),
        "{message}"
    );
}

fn exec_server(sb: &Sandbox, fake: &FakeAws, script: &str) -> Command {
    let mut c = cmd(sb, fake);
    c.args(["exec", "--server", "hop1", "--", "sh", "-c", script]);
    c
}

#[test]
fn the_child_gets_the_server_and_no_keys() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    let mut c = exec_server(
        &sb,
        &fake,
        "env | grep -E '^(AWS|ROLECALL)_' | sed 's/=.*//' | sort",
    );
    c.env("AWS_ACCESS_KEY_ID", "AKIAI44QH8DHBEXAMPLE");
    let out = c.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let names = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = names.lines().collect();
    assert!(names.contains(&"AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    assert!(names.contains(&"AWS_CONTAINER_AUTHORIZATION_TOKEN"));
    assert!(names.contains(&"ROLECALL_PROFILE"));
    for key in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        assert!(!names.contains(&key), "{key} in {names:?}");
    }
}

#[test]
fn exit_codes_and_deaths_come_back_exactly() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    for code in [0, 1, 7, 255] {
        let status = exec_server(&sb, &fake, &format!("exit {code}"))
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(code), "{status:?}");
    }
    for (signal, name) in [(15, "TERM"), (2, "INT")] {
        let status = exec_server(&sb, &fake, &format!("trap - {name}; kill -{name} $$"))
            .status()
            .unwrap();
        assert_eq!(status.signal(), Some(signal), "{name}: {status:?}");
    }
}

#[test]
fn a_signal_sent_to_rolecall_reaches_the_child_once() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    let got = sb.home().join("got");
    let ready = sb.home().join("ready");
    let script = format!(
        "trap 'echo INT >> {got}' INT; echo > {ready}; while :; do sleep 0.05; done",
        got = got.display(),
        ready = ready.display()
    );
    let mut rolecall = exec_server(&sb, &fake, &script).spawn().unwrap();
    let started = Instant::now();
    while !ready.exists() {
        assert!(started.elapsed() < Duration::from_secs(20), "never ready");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = rolecall.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let started = Instant::now();
    while !got.exists() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(std::fs::read_to_string(&got).unwrap(), "INT\n");
    // rolecall itself survived the SIGINT; a SIGTERM ends the child, and rolecall dies of it too.
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = rolecall.wait().unwrap();
    assert_eq!(status.signal(), Some(15), "{status:?}");
}

/// Run `client` as the child of `exec --server`, with credentials of `life` seconds and a
/// 600-second serve margin (610 s: stale every 10 s); how many different access keys signed its
/// GetCallerIdentity calls, as the fake saw them.
fn keys_seen_across_refreshes(fake: &FakeAws, sb: &Sandbox, life: i64, client: &[&str]) -> usize {
    fake.set_expires_in(Some(life));
    let mut c = cmd(sb, fake);
    c.env("ROLECALL_SERVE_MARGIN", "600")
        .env("STS_URL", fake.url())
        .args(["exec", "--server", "hop1", "--"])
        .args(client);
    let out = support::output_within(&mut c, Duration::from_secs(240));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{out:?}\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    signing_keys(fake)
}

fn signing_keys(fake: &FakeAws) -> usize {
    let calls = fake.calls();
    let keys: std::collections::BTreeSet<&str> = calls
        .iter()
        .filter(|c| c.action == "GetCallerIdentity")
        .map(|c| c.access_key_id.as_str())
        .collect();
    assert!(!keys.contains(""), "an unsigned call");
    keys.len()
}

#[test]
fn boto3_keeps_working_across_two_expiries() {
    let python = support::venv_python();
    if !support::require(&python.to_string_lossy()) {
        return;
    }
    let fake = FakeAws::start();
    let sb = sandbox("");
    let script = "import boto3, os, time\n\
        sts = boto3.Session(region_name='eu-west-1').client('sts', endpoint_url=os.environ['STS_URL'])\n\
        end = time.time() + 25\n\
        while time.time() < end:\n\
        \x20   sts.get_caller_identity()\n\
        \x20   time.sleep(0.5)\n";
    let seen =
        keys_seen_across_refreshes(&fake, &sb, 610, &[&python.to_string_lossy(), "-c", script]);
    eprintln!(
        "boto3: {seen} sets of credentials, {} AssumeRole",
        fake.count("AssumeRole")
    );
    assert!(seen >= 3, "boto3 saw {seen} sets of credentials");
    assert!(fake.count("AssumeRole") >= 3);
}

#[test]
fn aws_cli_v2_keeps_working_across_two_expiries() {
    let aws = "/usr/bin/aws";
    if !support::require(aws) {
        return;
    }
    let fake = FakeAws::start();
    let sb = sandbox("");
    // Each run is a new process that asks the server; a failure stops the loop with its status.
    let script = "end=$(( $(date +%s) + 25 )); while [ $(date +%s) -lt $end ]; do \
        aws --endpoint-url \"$STS_URL\" --region eu-west-1 sts get-caller-identity --query Arn --output text >/dev/null || exit 1; \
        sleep 1; done";
    let seen = keys_seen_across_refreshes(&fake, &sb, 610, &["sh", "-c", script]);
    eprintln!(
        "AWS CLI v2: {seen} sets of credentials, {} AssumeRole",
        fake.count("AssumeRole")
    );
    assert!(seen >= 3, "the AWS CLI v2 saw {seen} sets of credentials");
}

#[test]
fn js_sdk_v3_keeps_working_across_an_expiry() {
    let node_modules = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("test-node")
        .join("node_modules");
    if !support::require("node") {
        return;
    }
    assert!(
        node_modules.join("@aws-sdk/client-sts").is_dir() || !support::is_ci(),
        "the JS SDK is not installed, and CI=true requires it (run scripts/test-deps)"
    );
    if !node_modules.join("@aws-sdk/client-sts").is_dir() {
        return;
    }
    let fake = FakeAws::start();
    let sb = sandbox("");
    // The JS SDK refreshes 5 minutes before expiry: 305 s of life makes that 5 s.
    let script = "const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');\n\
        const client = new STSClient({ region: 'eu-west-1', endpoint: process.env.STS_URL });\n\
        (async () => {\n\
          const end = Date.now() + 12000;\n\
          while (Date.now() < end) {\n\
            await client.send(new GetCallerIdentityCommand({}));\n\
            await new Promise(r => setTimeout(r, 1000));\n\
          }\n\
        })().catch(e => { console.error(e); process.exit(1); });\n";
    let mut c = cmd(&sb, &fake);
    c.env("NODE_PATH", &node_modules);
    let seen = {
        fake.set_expires_in(Some(305));
        c.env("ROLECALL_SERVE_MARGIN", "600")
            .env("STS_URL", fake.url())
            .args(["exec", "--server", "hop1", "--", "node", "-e", script]);
        let out = support::output_within(&mut c, Duration::from_secs(120));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{out:?}\nstdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        signing_keys(&fake)
    };
    eprintln!(
        "JS SDK v3: {seen} sets of credentials, {} AssumeRole",
        fake.count("AssumeRole")
    );
    assert!(seen >= 2, "the JS SDK saw {seen} sets of credentials");
}

#[test]
fn connections_past_the_cap_are_told_busy_at_once() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    let s = serve(cmd(&sb, &fake), "hop1");
    let host = s.host();
    // 64 connections that say nothing hold every slot (each for up to 5 s).
    let idle: Vec<TcpStream> = (0..64).map(|_| TcpStream::connect(host).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let (status, _) = request(&s.url, "GET", None, Some(&s.token));
    assert_eq!(status, 503);
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(idle);
    // The slots come back as the idle connections go.
    let started = Instant::now();
    loop {
        let (status, body) = request(&s.url, "GET", None, Some(&s.token));
        if status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{status} {body}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Headers are read from the head only: a token after the blank line (a body) was once taken.
#[test]
fn a_token_in_the_body_is_not_a_header() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    let s = serve(cmd(&sb, &fake), "hop1");
    let mut c = TcpStream::connect(s.host()).unwrap();
    write!(
        c,
        "GET /rolecall/credentials HTTP/1.1\r\nHost: x\r\n\r\nAuthorization: {}\r\n",
        s.token
    )
    .unwrap();
    let mut answer = String::new();
    c.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}

/// A client that sends a byte now and then is cut off when its head's deadline passes, not
/// kept for as long as it keeps sending.
#[test]
fn a_dripping_client_is_cut_off_at_the_head_deadline() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    let s = serve(cmd(&sb, &fake), "hop1");
    let mut c = TcpStream::connect(s.host()).unwrap();
    let started = Instant::now();
    let mut cut = false;
    for b in b"GET /rolecall/credentials HTTP/1.1\r\nHost: x\r\n".iter() {
        if c.write_all(&[*b]).is_err() {
            cut = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
        if started.elapsed() > Duration::from_secs(8) {
            break;
        }
    }
    let mut rest = Vec::new();
    let _ = c.read_to_end(&mut rest);
    assert!(
        cut || started.elapsed() < Duration::from_secs(8),
        "still connected after {:?}",
        started.elapsed()
    );
    assert!(
        String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 400"),
        "{rest:?}"
    );
}
