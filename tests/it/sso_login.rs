//! `rolecall login` on a pseudo-terminal: the device flow (the code shown, `interval` and
//! `slow_down` honoured), PKCE with the test playing the browser (state mismatch and `error=`
//! refused), and 50 callers that need a login making one.

use crate::fake_aws::FakeSso;
use crate::sso::{CORP_TOKEN, config, read_token, session_token, sso_cache, write_token};
use crate::support::{Sandbox, rolecall};
use expectrl::{Eof, Regex, Session};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// `script` run by sh on a pty (its controlling terminal), with the sandbox's environment and
/// the fake's endpoints.
pub fn spawn(sb: &Sandbox, fake: &FakeSso, script: &str, extra: &[(&str, &str)]) -> Session {
    let base = crate::sso::cmd(sb, fake);
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(script).env_clear().current_dir(sb.home());
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.env("ROLECALL", rolecall());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let mut session = Session::spawn(cmd).expect("spawn on a pty");
    session.set_expect_timeout(Some(Duration::from_secs(60)));
    session
}

fn captured(s: &mut Session, re: &str) -> String {
    let found = s.expect(Regex(re)).unwrap();
    String::from_utf8_lossy(found.matches().nth(1).expect("a group")).into_owned()
}

#[test]
fn device_flow_shows_the_code_and_honours_interval_and_slow_down() {
    let fake = FakeSso::start();
    fake.set_device_interval(1);
    // Poll 1 (before the prompt) pending, poll 2 slow_down, poll 3 pending, then approved.
    fake.slow_down_on_polls(&[2]);
    fake.approve_after_polls(Some(3));
    let sb = Sandbox::new();
    sb.config(&config());
    let mut s = spawn(&sb, &fake, DEVICE, &[]);
    s.expect("open this URL on any device:").unwrap();
    let url = captured(&mut s, r"\r?\n  (http://\S+)\r?\n");
    let code = captured(&mut s, r"this code:\r?\n  (\S+)\r?\n");
    assert!(url.contains(&format!("user_code={code}")), "{url}");
    assert_eq!(fake.user_codes(), [code]);
    s.expect("signed in to sso session `corp`").unwrap();
    s.expect("rc=0").unwrap();
    s.expect(Eof).unwrap();
    let times = fake.poll_times();
    assert_eq!(times.len(), 4, "{:?}", fake.calls());
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[0] >= Duration::from_secs(1), "interval: {gaps:?}");
    assert!(
        gaps[1] >= Duration::from_secs(6),
        "slow_down adds 5 s: {gaps:?}"
    );
    assert!(gaps[2] >= Duration::from_secs(6), "for good: {gaps:?}");
    assert!(
        std::fs::read(sb.home().join("out")).unwrap().is_empty(),
        "nothing on stdout"
    );
    let t = read_token(&sb, CORP_TOKEN);
    assert!(
        t["refreshToken"].is_string() && t["clientId"].is_string(),
        "{t}"
    );
    assert_eq!(fake.count("RegisterClient"), 1);
}

/// A plain HTTP/1.1 GET: (status, `Location`, body).
fn get(url: &str) -> (u16, Option<String>, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text[9..12].parse().unwrap();
    let location = text
        .lines()
        .find_map(|l| l.strip_prefix("Location: ").map(str::to_owned));
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, location, body)
}

/// The browser's part: open the authorize URL rolecall printed, follow the redirect to rolecall's
/// listener, and return what the listener answered.
fn play_browser(s: &mut Session, sb: &Sandbox) -> (u16, String) {
    if let Err(e) = s.expect("open this URL in a browser on this machine:") {
        let err = std::fs::read_to_string(sb.home().join("err")).unwrap_or_default();
        panic!("{e}: {err}");
    }
    let url = captured(s, r"\r?\n  (http://\S+/authorize\?\S+)\r?\n");
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    let (status, location, body) = get(&url);
    assert_eq!(status, 302, "{body}");
    let location = location.unwrap();
    assert!(location.starts_with("http://127.0.0.1:"), "{location}");
    let (status, _, body) = get(&location);
    (status, body)
}

const DEVICE: &str =
    "\"$ROLECALL\" login --sso-session corp --device-code --no-browser >out 2>err; echo \"rc=$?\"";
const PKCE: &str = "\"$ROLECALL\" login dev --no-browser >out 2>err; echo \"rc=$?\"";

#[test]
fn pkce_end_to_end_with_the_test_as_the_browser() {
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    sb.config(&config());
    let mut s = spawn(&sb, &fake, PKCE, &[("DISPLAY", ":99")]);
    let (status, body) = play_browser(&mut s, &sb);
    assert_eq!(status, 200, "{body}");
    s.expect("signed in to sso session `corp`").unwrap();
    s.expect("rc=0").unwrap();
    assert_eq!(fake.count("CreateToken:authorization_code"), 1);
    assert_eq!(fake.count("StartDeviceAuthorization"), 0);
    let t = read_token(&sb, CORP_TOKEN);
    assert!(t["refreshToken"].is_string(), "{t}");
    // The registration is cached under the AWS CLI's key, for authorization_code.
    let regs: Vec<_> = std::fs::read_dir(sso_cache(&sb))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_str() != Some(CORP_TOKEN))
        .collect();
    assert_eq!(regs.len(), 1);
    let reg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(regs[0].path()).unwrap()).unwrap();
    assert!(
        reg["grantTypes"].to_string().contains("authorization_code"),
        "{reg}"
    );
    // The directory rolecall created is 0700, the files 0600.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&sso_cache(&sb)), 0o700);
    assert_eq!(mode(&regs[0].path()), 0o600);
    assert_eq!(mode(&sso_cache(&sb).join(CORP_TOKEN)), 0o600);
    // A second login reuses the registration.
    let mut s = spawn(&sb, &fake, PKCE, &[("DISPLAY", ":99")]);
    play_browser(&mut s, &sb);
    s.expect("rc=0").unwrap();
    assert_eq!(fake.count("RegisterClient"), 1);
}

#[test]
fn pkce_refuses_another_state() {
    let fake = FakeSso::start();
    fake.authorize_with_wrong_state(true);
    let sb = Sandbox::new();
    sb.config(&config());
    let mut s = spawn(&sb, &fake, PKCE, &[("DISPLAY", ":99")]);
    let (status, _) = play_browser(&mut s, &sb);
    assert_eq!(status, 400);
    s.expect("rc=1").unwrap();
    let err = std::fs::read_to_string(sb.home().join("err")).unwrap();
    assert!(err.contains("another `state`"), "{err}");
    assert_eq!(fake.count("CreateToken"), 0);
    assert!(!sso_cache(&sb).join(CORP_TOKEN).exists());
}

#[test]
fn pkce_reports_an_error_callback() {
    let fake = FakeSso::start();
    fake.authorize_with_error(Some("access_denied"));
    let sb = Sandbox::new();
    sb.config(&config());
    let mut s = spawn(&sb, &fake, PKCE, &[("DISPLAY", ":99")]);
    let (status, _) = play_browser(&mut s, &sb);
    assert_eq!(status, 200);
    s.expect("rc=1").unwrap();
    let err = std::fs::read_to_string(sb.home().join("err")).unwrap();
    assert!(err.contains("answered `access_denied`"), "{err}");
    assert_eq!(fake.count("CreateToken"), 0);
}

#[test]
fn fifty_callers_that_need_a_login_make_one() {
    let fake = FakeSso::start();
    // Approved by the time of the first poll: the count of CreateToken is the count of logins.
    fake.approve_after_polls(Some(0));
    fake.issue_refresh_tokens(false);
    let sb = Sandbox::new();
    sb.config(&config());
    write_token(&sb, CORP_TOKEN, session_token(&fake, -60, false));
    let script = "i=0; while [ $i -lt 50 ]; do i=$((i+1)); p=dev; [ $((i % 2)) = 0 ] && p=ro; \
                  \"$ROLECALL\" credential-process $p >out.$i 2>err.$i & done; wait; \
                  ok=0; for f in out.*; do [ -s $f ] && ok=$((ok+1)); done; echo \"ok=$ok done\"";
    // Approved at once, the first try finds the token: no code is shown.
    let mut s = spawn(&sb, &fake, script, &[]);
    // The others say on the terminal whom they wait for.
    s.expect(Regex(r"rolecall: waiting for process \d+"))
        .unwrap();
    let found = s.expect(Regex(r"ok=(\d+) done")).unwrap();
    let ok: usize = String::from_utf8_lossy(found.matches().nth(1).unwrap())
        .parse()
        .unwrap();
    eprintln!("{}", crate::sso::counts(50, ok, &fake));
    assert_eq!(ok, 50);
    assert_eq!(fake.count("RegisterClient"), 1);
    assert_eq!(fake.count("StartDeviceAuthorization"), 1);
    assert_eq!(fake.count("CreateToken"), 1);
    assert_eq!(fake.count("GetRoleCredentials"), 2, "one per role");
}

#[test]
fn device_flow_stops_at_expires_in() {
    let fake = FakeSso::start();
    fake.set_device_interval(1);
    fake.set_device_expires_in(3);
    fake.approve_after_polls(None);
    let sb = Sandbox::new();
    sb.config(&config());
    let mut s = spawn(&sb, &fake, DEVICE, &[]);
    s.expect("this code:").unwrap();
    s.expect("rc=1").unwrap();
    let err = std::fs::read_to_string(sb.home().join("err")).unwrap();
    assert!(err.contains("the device code expired after 3 s"), "{err}");
    assert!(fake.poll_times().len() <= 3, "{:?}", fake.calls());
}

/// A legacy profile signs in with the device code (PKCE needs a session), and its token is the
/// AWS CLI's legacy one: under the start URL's key, with nothing to refresh it with.
#[test]
fn a_legacy_profile_signs_in_with_the_device_code() {
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    sb.config(&config());
    let mut s = spawn(
        &sb,
        &fake,
        "\"$ROLECALL\" login legacy --no-browser >out 2>err; echo \"rc=$?\"",
        &[("DISPLAY", ":99")],
    );
    s.expect("open this URL on any device:").unwrap();
    s.expect("rc=0").unwrap();
    let t = read_token(&sb, &crate::sso::sha1_name(crate::sso::START_URL));
    let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["accessToken", "expiresAt", "region", "startUrl"],
        "{t}"
    );
    assert_eq!(fake.count("CreateToken:authorization_code"), 0);
}
