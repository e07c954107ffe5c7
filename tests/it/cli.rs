//! The command line without AWS: static keys, output discipline, usage errors, config errors.

use crate::support::Sandbox;

pub const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

pub fn static_profile(name: &str) -> String {
    format!("[profile {name}]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
}

fn json(stdout: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(stdout)))
}

#[test]
fn static_keys_are_handed_out_as_they_are() {
    let sb = Sandbox::new();
    sb.config(&static_profile("plain"));
    let out = sb
        .cmd()
        .args(["credential-process", "plain"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "{{\"Version\":1,\"AccessKeyId\":\"{KEY_ID}\",\"SecretAccessKey\":\"{SECRET}\"}}\n"
        )
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn credentials_file_wins_and_session_token_and_account_pass_through() {
    let sb = Sandbox::new();
    sb.config("[profile p]\nregion = eu-west-1\naws_account_id = 123456789012\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n");
    sb.credentials(&format!("[p]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\naws_session_token = tok\n"));
    let out = sb.cmd().args(["credential-process", "p"]).output().unwrap();
    let v = json(&out.stdout);
    assert_eq!(v["AccessKeyId"], KEY_ID);
    assert_eq!(v["SecretAccessKey"], SECRET);
    assert_eq!(v["SessionToken"], "tok");
    assert_eq!(v["AccountId"], "123456789012");
}

#[test]
fn aws_profile_picks_the_profile_when_none_is_named() {
    let sb = Sandbox::new();
    sb.config(&format!(
        "{}[default]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = x\n",
        static_profile("chosen")
    ));
    let out = sb
        .cmd()
        .args(["env", "--format", "json"])
        .env("AWS_PROFILE", "chosen")
        .output()
        .unwrap();
    let v = json(&out.stdout);
    assert_eq!(v["AWS_ACCESS_KEY_ID"], KEY_ID);
    assert_eq!(v["ROLECALL_PROFILE"], "chosen");
    let out = sb.cmd().args(["env", "--format", "json"]).output().unwrap();
    assert_eq!(json(&out.stdout)["ROLECALL_PROFILE"], "default");
}

#[test]
fn env_sets_and_clears_the_documented_variables() {
    let sb = Sandbox::new();
    sb.config(&format!("{}region = ap-south-1\n", static_profile("p")));
    let out = sb
        .cmd()
        .args(["env", "p", "--format", "json"])
        .output()
        .unwrap();
    let v = json(&out.stdout);
    assert_eq!(v["AWS_ACCESS_KEY_ID"], KEY_ID);
    assert_eq!(v["AWS_SECRET_ACCESS_KEY"], SECRET);
    assert_eq!(v["AWS_REGION"], "ap-south-1");
    assert_eq!(v["AWS_DEFAULT_REGION"], "ap-south-1");
    assert_eq!(v["ROLECALL_PROFILE"], "p");
    for cleared in [
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SECURITY_TOKEN",
    ] {
        assert!(v[cleared].is_null(), "{cleared} should be cleared: {v}");
    }
}

#[test]
fn env_format_defaults_from_shell() {
    let sb = Sandbox::new();
    sb.config(&static_profile("p"));
    let fish = sb
        .cmd()
        .args(["env", "p"])
        .env("SHELL", "/usr/bin/fish")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&fish.stdout).contains("set -gx AWS_ACCESS_KEY_ID"),
        "{}",
        String::from_utf8_lossy(&fish.stdout)
    );
    let bash = sb
        .cmd()
        .args(["env", "p"])
        .env("SHELL", "/bin/bash")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bash.stdout).contains("export AWS_ACCESS_KEY_ID="));
}

#[test]
fn env_unset_prints_only_clearing_lines() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["env", "--unset", "--format", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().all(|l| l.starts_with("unset ")), "{text}");
    for v in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "ROLECALL_PROFILE",
    ] {
        assert!(text.contains(v), "{v} missing from {text}");
    }
}

#[test]
fn failure_leaves_stdout_empty_and_says_one_line() {
    let sb = Sandbox::new();
    sb.config(&static_profile("p"));
    for args in [
        &["credential-process", "missing"][..],
        &["env", "missing"],
        &["exec", "missing", "--", "true"],
    ] {
        let out = sb.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            out.stdout.is_empty(),
            "{args:?}: stdout {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.starts_with("error: profile `missing` not found"),
            "{err}"
        );
        assert!(err.contains("help: "), "{err}");
    }
    let out = sb
        .cmd()
        .args(["credential-process", "missing"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stderr).unwrap().lines().count(),
        1,
        "credential-process errors are one line"
    );
}

#[test]
fn usage_errors_exit_2() {
    let sb = Sandbox::new();
    for args in [
        &["credential-process"][..],
        &["bogus"],
        &["env", "p", "--format", "cmd.exe"],
    ] {
        let out = sb.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn broken_config_names_the_problem() {
    let sb = Sandbox::new();
    sb.config("[profile broken\naws_access_key_id = x\n");
    let out = sb
        .cmd()
        .args(["credential-process", "broken"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: cannot read the AWS config"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn source_profile_loop_names_the_cycle() {
    let sb = Sandbox::new();
    sb.config("[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n");
    let out = sb.cmd().args(["credential-process", "a"]).output().unwrap();
    assert_eq!(
        String::from_utf8(out.stderr)
            .unwrap()
            .split(" (help")
            .next()
            .unwrap(),
        "error: `source_profile` loop: `a` -> `b` -> `a`"
    );
}

#[test]
fn credential_process_calling_itself_fails_fast() {
    let sb = Sandbox::new();
    let bin = crate::support::rolecall();
    sb.config(&format!(
        "[profile self]\ncredential_process = {} credential-process self\n",
        bin.display()
    ));
    let started = std::time::Instant::now();
    let out = sb
        .cmd()
        .args(["credential-process", "self"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("rolecall is calling itself in a loop: `self` -> `self`"),
        "{err}"
    );
    // One nested call, not a fork bomb: well under the depth cap's worth of processes.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

#[test]
fn recursion_depth_is_capped() {
    let sb = Sandbox::new();
    sb.config(&static_profile("p"));
    let out = sb
        .cmd()
        .args(["credential-process", "p"])
        .env("ROLECALL_ACTIVE_PROFILES", "a,b,c,d,e,f,g,h")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("calling itself in a loop"));
}

#[test]
fn profiles_lists_names() {
    let sb = Sandbox::new();
    sb.config(&format!("{}{}", static_profile("b"), static_profile("a")));
    sb.credentials("[c]\naws_access_key_id = x\naws_secret_access_key = y\n");
    let out = sb.cmd().arg("profiles").output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "a\nb\nc\n");
}

#[test]
fn help_and_version_exit_0() {
    let sb = Sandbox::new();
    assert_eq!(
        sb.cmd().arg("--help").output().unwrap().status.code(),
        Some(0)
    );
    let v = sb.cmd().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("rolecall "));
}

#[test]
fn env_format_aliases_and_case_were_rejected_by_clap() {
    // Regression: clap's fixed list of lower-case names refused what `--format` documented.
    let sb = Sandbox::new();
    sb.config(&static_profile("p"));
    let cases = [
        ("pwsh", "$Env:AWS_ACCESS_KEY_ID = "),
        ("nu", "load-env { "),
        ("dash", "export AWS_ACCESS_KEY_ID="),
        ("ksh", "export AWS_ACCESS_KEY_ID="),
        ("BASH", "export AWS_ACCESS_KEY_ID="),
        ("Fish", "set -gx AWS_ACCESS_KEY_ID "),
        ("PowerShell", "$Env:AWS_ACCESS_KEY_ID = "),
        ("JSON", "{\"AWS_ACCESS_KEY_ID\":"),
    ];
    for (format, start) in cases {
        let out = sb
            .cmd()
            .args(["env", "p", "--format", format])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.starts_with(start),
            "{format}: {}\nstdout: {stdout}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn env_format_unknown_exits_2_with_the_list() {
    let sb = Sandbox::new();
    sb.config(&static_profile("p"));
    let out = sb
        .cmd()
        .args(["env", "p", "--format", "csh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("invalid value 'csh' for '--format <FORMAT>'"),
        "{err}"
    );
    assert!(
        err.contains(
            "[possible values: bash, zsh, sh, fish, powershell, nushell, elvish, dotenv, json]"
        ),
        "{err}"
    );
}

#[test]
fn env_help_lists_formats_and_aliases() {
    let sb = Sandbox::new();
    let out = sb.cmd().args(["env", "--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    let names = [
        "bash",
        "zsh",
        "sh",
        "fish",
        "powershell",
        "nushell",
        "elvish",
        "dotenv",
        "json",
    ];
    for name in names {
        assert!(
            help.contains(&format!("- {name}")),
            "{name} missing:\n{help}"
        );
    }
    for alias in ["`dash`", "`ksh`", "`pwsh`", "`nu`"] {
        assert!(help.contains(alias), "{alias} missing:\n{help}");
    }
}

/// A reader that went away (`rolecall env prod | head -0`) is not an error and no signal: rolecall
/// ignores SIGPIPE as std's start-up would (it starts without it, `no_main`), so the write fails
/// with EPIPE, which `emit` takes as done.
#[test]
fn a_closed_pipe_on_stdout_is_a_quiet_success() {
    use std::os::unix::process::ExitStatusExt;
    let sb = Sandbox::new();
    sb.config(&static_profile("plain"));
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = sb
        .cmd()
        .args(["env", "--format", "bash", "plain"])
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(out.status.signal(), None, "{out:?}");
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
