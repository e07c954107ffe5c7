//! The commands rolecall runs from a profile (`credential_process`, `mfa_process`): the
//! recursion guard, bounds on time and output, what becomes of their stderr.

use crate::cli::{KEY_ID, SECRET, static_profile};
use crate::fake_aws::FakeAws;
use crate::support::{Sandbox, output_within, rolecall};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn json_doc() -> String {
    format!(r#"{{"Version": 1, "AccessKeyId": "{KEY_ID}", "SecretAccessKey": "{SECRET}"}}"#)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A sandbox whose profile `src` has `credential_process = COMMAND`.
fn source(command: &str) -> Sandbox {
    let sb = Sandbox::new();
    sb.config(&format!("[profile src]\ncredential_process = {command}\n"));
    sb
}

/// A script in the sandbox, run with `sh` (no reliance on the exec bit of a temp dir).
fn script(sb: &Sandbox, name: &str, body: &str) -> PathBuf {
    let path = sb.home().join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    path
}

/// `cmd`, run by `sh` under `ulimit` bounds: address space always (RLIMIT_AS binds root too),
/// and processes when not root (root is exempt from RLIMIT_NPROC, so there the counter file and
/// the time limit are what the tests assert).
fn bounded(cmd: &Command, sb: &Sandbox) -> Command {
    let mut script = String::from("ulimit -v 1000000 2>/dev/null; ");
    if !is_root() {
        let nproc = own_processes() + 300;
        script.push_str(&format!("ulimit -u {nproc} 2>/dev/null; "));
    }
    script.push_str("exec \"$@\"");
    let mut c = sb.command("/bin/sh");
    c.arg("-c").arg(script).arg("sh").arg(cmd.get_program());
    c.args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c
}

fn is_root() -> bool {
    uid_of(Path::new("/proc/self")) == Some(0)
}

fn uid_of(proc_dir: &Path) -> Option<u32> {
    let status = std::fs::read_to_string(proc_dir.join("status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// RLIMIT_NPROC counts every process of the user, not only ours.
fn own_processes() -> u64 {
    let me = uid_of(Path::new("/proc/self"));
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .bytes()
                        .all(|b| b.is_ascii_digit())
                })
                .filter(|e| uid_of(&e.path()) == me)
                .count() as u64
        })
        .unwrap_or(0)
}

// Bug 1: an `mfa_process` that reaches rolecall for the profile being resolved.

/// A profile `mfa` whose `mfa_process` runs `rolecall credential-process mfa`, counting its runs
/// in `counter`; it stops itself after three runs so that the bug cannot fork without end.
fn mfa_loop(fake: &FakeAws) -> (Sandbox, PathBuf, Command) {
    let sb = Sandbox::new();
    let counter = sb.home().join("mfa-runs");
    let code = script(
        &sb,
        "mfa-code.sh",
        &format!(
            "echo run >> '{counter}'\n\
             if [ \"$(wc -l < '{counter}')\" -gt 3 ]; then echo 'runaway: stopped by the test' >&2; exit 1; fi\n\
             exec '{bin}' credential-process mfa\n",
            counter = counter.display(),
            bin = rolecall().display()
        ),
    );
    sb.config(&format!(
        "{}[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/mfa\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nmfa_process = sh '{}'\n",
        static_profile("base"),
        code.display()
    ));
    let mut cmd = sb.cmd();
    cmd.env("AWS_ENDPOINT_URL_STS", fake.url())
        .args(["credential-process", "mfa"]);
    (sb, counter, cmd)
}

fn assert_loop_refused_at_once(out: &Output, took: Duration, counter: &Path) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("`mfa_process` of profile `mfa` failed")
            && err.contains("rolecall is calling itself in a loop: `mfa` -> `mfa`"),
        "{err}"
    );
    assert_eq!(
        err.lines().count(),
        1,
        "credential-process errors take one line: {err}"
    );
    assert_eq!(
        std::fs::read_to_string(counter).unwrap(),
        "run\n",
        "the mfa_process ran once"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn recursion_guard_covers_mfa_process_without_cache() {
    // The guard was set for credential_process only: this looped rolecall -> sh -> rolecall.
    let fake = FakeAws::start();
    let (sb, counter, mut cmd) = mfa_loop(&fake);
    cmd.env("ROLECALL_NO_CACHE", "1");
    let started = Instant::now();
    let out = output_within(&mut bounded(&cmd, &sb), Duration::from_secs(30));
    assert_loop_refused_at_once(&out, started.elapsed(), &counter);
    assert!(fake.calls().is_empty());
}

#[test]
fn recursion_guard_covers_mfa_process_with_cache() {
    // With the cache on, the looping child waited for its parent's lock until the lock timeout.
    let fake = FakeAws::start();
    let (sb, counter, mut cmd) = mfa_loop(&fake);
    cmd.env("ROLECALL_LOCK_TIMEOUT", "20");
    let started = Instant::now();
    let out = output_within(&mut bounded(&cmd, &sb), Duration::from_secs(60));
    assert_loop_refused_at_once(&out, started.elapsed(), &counter);
    assert!(fake.calls().is_empty());
}

// Bug 2: a `credential_process` source without bounds.

#[test]
fn credential_process_output_is_capped() {
    // `yes` as a source grew rolecall's memory without end.
    let sb = source("yes");
    let started = Instant::now();
    let mut cmd = sb.cmd();
    cmd.args(["credential-process", "src"]);
    let out = output_within(&mut bounded(&cmd, &sb), Duration::from_secs(30));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("`credential_process` of profile `src` failed: it printed more than 1 MiB on stdout and was killed"),
        "{err}"
    );
    assert!(!err.contains("y\ny"), "stdout is never quoted: {err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn credential_process_hang_is_bounded_by_the_timeout() {
    // A source that never exits hung rolecall, and the SDK waiting on it, for ever.
    let sb = source("sleep 30");
    let started = Instant::now();
    let out = output_within(
        sb.cmd()
            .args(["credential-process", "src"])
            .env("ROLECALL_PROCESS_TIMEOUT", "1"),
        Duration::from_secs(20),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("`credential_process` of profile `src` failed: it was still running after 1 s and was killed; `ROLECALL_PROCESS_TIMEOUT` allows longer"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(6));
}

#[test]
fn mfa_process_hang_is_bounded_by_the_timeout() {
    // mfa_process goes through the same runner, and hung the same way.
    let sb = Sandbox::new();
    sb.config(&format!(
        "{}[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/mfa\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nmfa_process = sleep 30\n",
        static_profile("base")
    ));
    let fake = FakeAws::start();
    let started = Instant::now();
    let out = output_within(
        sb.cmd()
            .args(["credential-process", "mfa", "--no-cache"])
            .env("AWS_ENDPOINT_URL_STS", fake.url())
            .env("ROLECALL_PROCESS_TIMEOUT", "1s"),
        Duration::from_secs(20),
    );
    let err = stderr(&out);
    assert!(
        err.contains("`mfa_process` of profile `mfa` failed: it was still running after 1 s"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(6));
}

#[test]
fn a_bad_process_timeout_is_named() {
    // A new setting: a typo must not silently mean "no timeout".
    let sb = source("true");
    let out = sb
        .cmd()
        .args(["credential-process", "src"])
        .env("ROLECALL_PROCESS_TIMEOUT", "soon")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("`ROLECALL_PROCESS_TIMEOUT`: `soon` is not a duration"),
        "{err}"
    );
}

#[test]
fn credential_process_background_child_holding_stdout_does_not_hang() {
    // A source that exits but leaves a background child holding stdout hung until the child ended.
    let sb = Sandbox::new();
    let s = script(
        &sb,
        "creds.sh",
        &format!("printf '%s\\n' '{}'\nsleep 30 &\n", json_doc()),
    );
    sb.config(&format!(
        "[profile src]\ncredential_process = sh '{}'\n",
        s.display()
    ));
    let started = Instant::now();
    let out = output_within(
        sb.cmd().args(["credential-process", "src"]),
        Duration::from_secs(20),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["AccessKeyId"], KEY_ID);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn credential_process_background_child_holding_stdout_after_printing_nothing() {
    // Same hang; with nothing read, the error must say why instead of "not JSON".
    let sb = source("sh -c 'sleep 30 &'");
    let started = Instant::now();
    let out = output_within(
        sb.cmd().args(["credential-process", "src"]),
        Duration::from_secs(20),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("`credential_process` of profile `src` failed: it exited without printing anything, and a background process it started kept its output open"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(8));
}

// Bug 3: a source's own stderr on `credential-process`'s stderr.

#[test]
fn credential_process_failure_is_one_line_with_the_source_stderr() {
    // An SDK folds our stderr into one message; the source's own lines broke that promise.
    let sb = source("sh -c 'echo step 1 >&2; echo \"token has expired\" >&2; exit 3'");
    let out = sb
        .cmd()
        .args(["credential-process", "src"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: `credential_process` of profile `src` failed: it exited with status 3; its stderr ended with \"token has expired\" (help: "),
        "{err}"
    );
}

#[test]
fn credential_process_success_keeps_the_source_stderr_out() {
    // A chatty source on success put its lines on the stderr an SDK reads.
    let sb = source(&format!(
        "sh -c 'echo warming up >&2; printf \"%s\" \"$0\"' '{}'",
        json_doc()
    ));
    let out = sb
        .cmd()
        .args(["credential-process", "src"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    // --verbose shows it all.
    let out = sb
        .cmd()
        .args(["-v", "credential-process", "src"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("rolecall: `credential_process` of profile `src` on stderr: warming up"),
        "{err}"
    );
    assert!(!err.contains(SECRET), "{err}");
}

#[test]
fn env_passes_a_source_stderr_through() {
    // Policy, not a regression: a person at a terminal sees a source's stderr as it comes.
    let sb = source("sh -c 'echo step 1 >&2; echo \"token has expired\" >&2; exit 3'");
    let out = sb.cmd().args(["env", "src"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("step 1\ntoken has expired\nerror: `credential_process` of profile `src` failed: it exited with status 3\nhelp: "),
        "{err}"
    );
}

#[test]
fn credential_process_version_1_0_is_accepted() {
    // botocore accepts `"Version": 1.0` (it compares `!= 1`); rolecall refused it.
    let doc = json_doc().replace("\"Version\": 1,", "\"Version\": 1.0,");
    let sb = source(&format!("printf '%s' '{doc}'"));
    let out = sb
        .cmd()
        .args(["credential-process", "src"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn credential_process_at_a_terminal_shows_the_source_stderr() {
    // Policy: captured stderr is for an SDK's pipe; a person at a terminal sees a source's prompts.
    use expectrl::{Eof, Session};
    let sb = source(&format!(
        "sh -c 'echo touch your security key >&2; printf \"%s\" \"$0\"' '{}'",
        json_doc()
    ));
    let script = format!(
        "'{}' credential-process src >'{}'; echo \"rc=$?\"",
        rolecall().display(),
        sb.home().join("stdout").display()
    );
    let base = sb.cmd();
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(script).env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let mut s = Session::spawn(cmd).expect("spawn on a pty");
    s.set_expect_timeout(Some(Duration::from_secs(30)));
    s.expect("touch your security key").unwrap();
    s.expect("rc=0").unwrap();
    s.expect(Eof).unwrap();
    let stdout = std::fs::read(sb.home().join("stdout")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(v["AccessKeyId"], KEY_ID);
}
