//! The MFA prompt on a pseudo-terminal, with stdout and stderr captured the way an SDK captures a
//! credential process's: the prompt must reach the terminal, the JSON must reach stdout alone.

use crate::fake_aws::FakeAws;
use crate::support::{Sandbox, rolecall};
use expectrl::{Eof, Session};
use std::time::Duration;

const CONFIG: &str = "\
[profile base]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
[profile mfa]
role_arn = arn:aws:iam::123456789012:role/mfa
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/alice
";

fn spawn(sb: &Sandbox, fake: &FakeAws) -> Session {
    // sh redirects rolecall's stdout and stderr to files, as an SDK's pipes would; the pty stays
    // its controlling terminal.
    let script = format!(
        "'{}' credential-process mfa >'{}' 2>'{}'; echo \"rc=$?\"",
        rolecall().display(),
        sb.home().join("stdout").display(),
        sb.home().join("stderr").display()
    );
    let base = sb.cmd();
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(script).env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.env("AWS_ENDPOINT_URL_STS", fake.url());
    let mut session = Session::spawn(cmd).expect("spawn on a pty");
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    session
}

#[test]
fn prompt_on_the_terminal_json_on_stdout() {
    let fake = FakeAws::start();
    fake.expect_mfa_code("123456");
    let sb = Sandbox::new();
    sb.config(CONFIG);
    let mut s = spawn(&sb, &fake);
    s.expect("MFA code for `arn:aws:iam::123456789012:mfa/alice` (profile `mfa`): ")
        .unwrap();
    s.send_line("123456").unwrap();
    s.expect("rc=0").unwrap();
    s.expect(Eof).unwrap();
    let stdout = std::fs::read(sb.home().join("stdout")).unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&stdout).expect("stdout is exactly one JSON document");
    assert_eq!(v["Version"], 1);
    assert!(
        std::fs::read(sb.home().join("stderr")).unwrap().is_empty(),
        "nothing on stderr"
    );
    // Long-term keys with MFA: an MFA session first, then the role from it without a code.
    assert_eq!(fake.count("GetSessionToken"), 1);
    assert_eq!(fake.count("AssumeRole"), 1);
    let calls = fake.calls();
    assert_eq!(calls[0].params["TokenCode"], "123456");
    assert!(!calls[1].params.contains_key("TokenCode"));
}

#[test]
fn wrong_code_asks_again() {
    let fake = FakeAws::start();
    fake.expect_mfa_code("123456");
    let sb = Sandbox::new();
    sb.config(CONFIG);
    let mut s = spawn(&sb, &fake);
    s.expect("MFA code for").unwrap();
    s.send_line("12").unwrap();
    s.expect("an MFA code is 6 digits").unwrap();
    s.expect("MFA code for").unwrap();
    s.send_line("999999").unwrap();
    s.expect("STS rejected that code").unwrap();
    s.expect("MFA code for").unwrap();
    s.send_line("123456").unwrap();
    s.expect("rc=0").unwrap();
    assert_eq!(
        fake.count("GetSessionToken"),
        2,
        "the malformed code never reached STS"
    );
    assert_eq!(fake.count("AssumeRole"), 1);
}

#[test]
fn three_wrong_codes_give_up() {
    let fake = FakeAws::start();
    fake.expect_mfa_code("123456");
    let sb = Sandbox::new();
    sb.config(CONFIG);
    let mut s = spawn(&sb, &fake);
    for _ in 0..3 {
        s.expect("MFA code for").unwrap();
        s.send_line("999999").unwrap();
    }
    s.expect("rc=1").unwrap();
    let err = std::fs::read_to_string(sb.home().join("stderr")).unwrap();
    assert!(
        err.contains("wrong MFA code") || err.contains("rejected 3 times"),
        "{err}"
    );
    assert!(std::fs::read(sb.home().join("stdout")).unwrap().is_empty());
    assert_eq!(fake.count("GetSessionToken"), 3);
    assert_eq!(fake.count("AssumeRole"), 0);
}
