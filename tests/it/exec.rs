//! `rolecall exec`: the child's status and signals come back untouched, the environment is clean.

use crate::cli::{KEY_ID, SECRET, static_profile};
use crate::support::Sandbox;
use std::os::unix::process::ExitStatusExt;

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.config(&format!("{}region = eu-central-1\n", static_profile("p")));
    sb
}

#[test]
fn exit_code_comes_back() {
    let sb = sandbox();
    let status = sb
        .cmd()
        .args(["exec", "p", "--", "sh", "-c", "exit 7"])
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(7));
}

#[test]
fn a_signal_comes_back_as_a_signal() {
    let sb = sandbox();
    let status = sb
        .cmd()
        .args(["exec", "p", "--", "sh", "-c", "kill -TERM $$"])
        .status()
        .unwrap();
    assert_eq!(status.signal(), Some(libc_sigterm()), "{status:?}");
    assert_eq!(status.code(), None);
}

fn libc_sigterm() -> i32 {
    15
}

#[test]
fn same_process_no_wrapper() {
    let sb = sandbox();
    let child = sb
        .cmd()
        .args(["exec", "p", "--", "sh", "-c", "echo $$"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        pid.to_string(),
        "execve keeps the PID"
    );
}

#[test]
fn the_child_sees_the_credentials_and_no_stale_variables() {
    let sb = sandbox();
    let out = sb
        .cmd()
        .args(["exec", "p", "--", "env"])
        .env("AWS_PROFILE", "stale")
        .env("AWS_DEFAULT_PROFILE", "stale")
        .env("AWS_SESSION_TOKEN", "stale-token")
        .env("AWS_SECURITY_TOKEN", "stale-token")
        .env("ROLECALL_MFA_CODE", "123456")
        .env("KEEP_ME", "yes")
        .output()
        .unwrap();
    assert!(out.status.success());
    let env = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = env.lines().collect();
    assert!(lines.contains(&format!("AWS_ACCESS_KEY_ID={KEY_ID}").as_str()));
    assert!(lines.contains(&format!("AWS_SECRET_ACCESS_KEY={SECRET}").as_str()));
    assert!(lines.contains(&"AWS_REGION=eu-central-1"));
    assert!(lines.contains(&"AWS_DEFAULT_REGION=eu-central-1"));
    assert!(lines.contains(&"ROLECALL_PROFILE=p"));
    assert!(lines.contains(&"KEEP_ME=yes"));
    for gone in [
        "AWS_PROFILE=",
        "AWS_DEFAULT_PROFILE=",
        "AWS_SESSION_TOKEN=",
        "AWS_SECURITY_TOKEN=",
        "ROLECALL_MFA_CODE=",
    ] {
        assert!(
            !lines.iter().any(|l| l.starts_with(gone)),
            "{gone} should be scrubbed:\n{env}"
        );
    }
}

#[test]
fn no_secret_in_the_childs_argv() {
    let sb = sandbox();
    let out = sb
        .cmd()
        .args([
            "exec",
            "p",
            "--",
            "sh",
            "-c",
            "cat /proc/$$/cmdline | tr '\\0' ' '",
        ])
        .output()
        .unwrap();
    let argv = String::from_utf8(out.stdout).unwrap();
    assert!(!argv.contains(SECRET), "{argv}");
}

#[test]
fn nesting_is_refused_unless_asked_for() {
    let sb = sandbox();
    let out = sb
        .cmd()
        .args(["exec", "p", "--", "true"])
        .env("ROLECALL_PROFILE", "outer")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("already inside a rolecall session for profile `outer`"),
        "{err}"
    );
    let out = sb
        .cmd()
        .args(["exec", "--nested", "p", "--", "true"])
        .env("ROLECALL_PROFILE", "outer")
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn no_command_runs_the_shell() {
    let sb = sandbox();
    let out = sb
        .cmd()
        .args(["exec", "p"])
        .env("SHELL", "/bin/echo")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "\n");
}

#[test]
fn missing_command_exits_127() {
    let sb = sandbox();
    let out = sb
        .cmd()
        .args(["exec", "p", "--", "rolecall-no-such-command"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot run `rolecall-no-such-command`"));
}

#[test]
fn exec_names_a_missing_interpreter() {
    // ENOENT from a script whose `#!` interpreter is missing was blamed on the name and `PATH`.
    let sb = sandbox();
    let script = sb.home().join("tool");
    std::fs::write(&script, "#!/nonexistent/interp\necho hi\n").unwrap();
    make_executable(&script);
    let out = sb
        .cmd()
        .args(["exec", "p", "--"])
        .arg(&script)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(127), "as in a shell: {err}");
    assert!(
        err.contains(&format!(
            "error: cannot run `{0}`: `{0}` exists but its interpreter (`#!/nonexistent/interp`) was not found\nhelp: install that interpreter, or fix the script's `#!` line",
            script.display()
        )),
        "{err}"
    );
}

#[test]
fn exec_names_a_script_with_windows_line_ends() {
    // `#!/bin/sh\r` is ENOENT too, and the carriage return is invisible in any message.
    let sb = sandbox();
    let dir = sb.home().join("bin");
    std::fs::create_dir(&dir).unwrap();
    let script = dir.join("tool");
    std::fs::write(&script, "#!/bin/sh\r\necho hi\r\n").unwrap();
    make_executable(&script);
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = sb
        .cmd()
        .args(["exec", "p", "--", "tool"])
        .env("PATH", path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(127), "{err}");
    assert!(
        err.contains(&format!(
            "`{}` exists but its `#!/bin/sh` line ends with a carriage return",
            script.display()
        )),
        "{err}"
    );
}

#[test]
fn exec_names_an_oversized_environment() {
    // E2BIG was reported as "check the command name and your PATH".
    let sb = Sandbox::new();
    // One variable over Linux's 128 KiB limit on a single argument or variable.
    let token = "x".repeat(200 * 1024);
    sb.config(&format!(
        "{}aws_session_token = {token}\n",
        static_profile("p")
    ));
    let out = sb.cmd().args(["exec", "p", "--", "true"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(126), "{err}");
    assert!(
        err.contains(
            "error: cannot run `true`: the argument list and environment are too large\nhelp: "
        ),
        "{err}"
    );
    assert!(!err.contains("xxxx"), "{err}");
}

#[test]
fn exec_names_a_nul_byte_in_a_value() {
    // A NUL (here from a credential_process source) was blamed on the command name and `PATH`.
    let sb = Sandbox::new();
    sb.config(&format!(
        "[profile p]\ncredential_process = printf '%s' '{{\"Version\": 1, \"AccessKeyId\": \"{KEY_ID}\", \"SecretAccessKey\": \"{SECRET}\", \"SessionToken\": \"tok\\u0000en\"}}'\n"
    ));
    let out = sb.cmd().args(["exec", "p", "--", "true"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // Refused where it enters, naming the source, before exec is reached.
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "`credential_process` of profile `p` failed: its `SessionToken` holds a NUL byte"
        ),
        "{err}"
    );
    assert!(!err.contains("PATH"), "{err}");
}

fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// rolecall ignores SIGPIPE for itself; the command must start with SIGPIPE at its default (a
/// `yes | head` pipeline inside relies on it), as after any exec from a shell.
#[test]
fn the_command_starts_with_sigpipe_at_its_default() {
    let sb = sandbox();
    let out = sb
        .cmd()
        .args(["exec", "p", "--", "grep", "^SigIgn:", "/proc/self/status"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let mask = u64::from_str_radix(text.trim().trim_start_matches("SigIgn:").trim(), 16).unwrap();
    const SIGPIPE: u32 = 13;
    assert_eq!(mask & (1 << (SIGPIPE - 1)), 0, "{text}");
}
