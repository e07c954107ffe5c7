//! Real shells evaluate `rolecall env` output: every value comes back byte for byte and nothing
//! hidden in a value runs. Values come from a static-keys profile, so no AWS is involved.

use crate::support::{Sandbox, require};
use std::path::Path;
use std::process::Command;

pub(crate) const VARS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "ROLECALL_PROFILE",
];

/// A profile whose every value is hostile; the canary file must never appear.
pub(crate) fn hostile(sb: &Sandbox) -> (String, std::path::PathBuf) {
    let canary = sb.home().join("canary");
    let c = canary.display();
    // The profile parser allows only `[A-Za-z0-9_-/.%@:+]` in names: use the odd ones.
    let profile = "we%ird@x:y+z/w.v-u_%s".to_owned();
    let config = format!(
        "[profile {profile}]\n\
         aws_access_key_id = AKIA'\"$(touch {c})`touch {c}`\n\
         aws_secret_access_key = s'q\"d\\ \\' $HOME ${{HOME}};touch {c};echo `touch {c}` %s {{}} é 🦀 שלום ’‘ -n \\\n\
         aws_session_token = --tok'en\\\\'\\ $(touch {c}) |&>< !! ~ *\n\
         region = re'gi\"on$(touch {c})\n"
    );
    sb.config(&config);
    (profile, canary)
}

pub(crate) fn expected(sb: &Sandbox, profile: &str) -> serde_json::Value {
    let out = sb
        .cmd()
        .args(["env", profile, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn render(sb: &Sandbox, profile: &str, format: &str) -> std::path::PathBuf {
    let out = sb
        .cmd()
        .args(["env", profile, "--format", format])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{format}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = sb.home().join(format!("env.{format}"));
    std::fs::write(&path, out.stdout).unwrap();
    path
}

/// Run `program` with `script`, then compare each variable's dump in `dir` with the JSON truth.
fn check(
    program: &str,
    args: &[&str],
    script: &str,
    dir: &Path,
    truth: &serde_json::Value,
    canary: &Path,
) {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .arg(script)
        .env("AWS_PROFILE", "stale")
        .env("AWS_SECURITY_TOKEN", "stale");
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{program} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        script
    );
    for var in VARS {
        let got = std::fs::read(dir.join(var))
            .unwrap_or_else(|e| panic!("{program}: {var} not dumped: {e}"));
        assert_eq!(
            String::from_utf8_lossy(&got),
            truth[var].as_str().unwrap(),
            "{program}: {var} differs"
        );
    }
    assert!(!canary.exists(), "{program}: a value was executed");
}

fn dump_dir(sb: &Sandbox, shell: &str) -> std::path::PathBuf {
    let d = sb.home().join(format!("dump-{shell}"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn posix_shells_round_trip() {
    let sb = Sandbox::new();
    let (profile, canary) = hostile(&sb);
    let truth = expected(&sb, &profile);
    for (shell, format) in [("bash", "bash"), ("dash", "sh"), ("zsh", "zsh")] {
        if !require(shell) {
            continue;
        }
        let file = render(&sb, &profile, format);
        let dir = dump_dir(&sb, shell);
        let mut script = format!("set -eu\neval \"$(cat '{}')\"\n", file.display());
        for v in VARS {
            script.push_str(&format!("printf '%s' \"${v}\" > '{}/{v}'\n", dir.display()));
        }
        script.push_str("if [ -n \"${AWS_PROFILE+x}\" ] || [ -n \"${AWS_SECURITY_TOKEN+x}\" ]; then echo stale vars remain >&2; exit 3; fi\n");
        check(shell, &["-c"], &script, &dir, &truth, &canary);
    }
}

#[test]
fn fish_round_trips() {
    if !require("fish") {
        return;
    }
    let sb = Sandbox::new();
    let (profile, canary) = hostile(&sb);
    let truth = expected(&sb, &profile);
    let file = render(&sb, &profile, "fish");
    let dir = dump_dir(&sb, "fish");
    let mut script = format!("source '{}'\n", file.display());
    for v in VARS {
        script.push_str(&format!("printf '%s' \"${v}\" > '{}/{v}'\n", dir.display()));
    }
    script.push_str("if set -q AWS_PROFILE; or set -q AWS_SECURITY_TOKEN; echo stale vars remain >&2; exit 3; end\n");
    check(
        "fish",
        &["--no-config", "-c"],
        &script,
        &dir,
        &truth,
        &canary,
    );
    // The documented form: eval of the captured output.
    let script2 = format!(
        "eval (cat '{}' | string collect); printf '%s' \"$AWS_SECRET_ACCESS_KEY\" > '{}/AWS_SECRET_ACCESS_KEY'",
        file.display(),
        dir.display()
    );
    check(
        "fish",
        &["--no-config", "-c"],
        &script2,
        &dir,
        &truth,
        &canary,
    );
}

#[test]
fn elvish_round_trips() {
    if !require("elvish") {
        return;
    }
    let sb = Sandbox::new();
    let (profile, canary) = hostile(&sb);
    let truth = expected(&sb, &profile);
    let file = render(&sb, &profile, "elvish");
    let dir = dump_dir(&sb, "elvish");
    let mut script = format!("eval (slurp < '{}')\n", file.display());
    for v in VARS {
        script.push_str(&format!("print $E:{v} > '{}/{v}'\n", dir.display()));
    }
    script.push_str(
        "if (or (has-env AWS_PROFILE) (has-env AWS_SECURITY_TOKEN)) { fail 'stale vars remain' }\n",
    );
    check("elvish", &["-norc", "-c"], &script, &dir, &truth, &canary);
}

#[test]
fn nushell_round_trips() {
    if !require("nu") {
        return;
    }
    let sb = Sandbox::new();
    let (profile, canary) = hostile(&sb);
    let truth = expected(&sb, &profile);
    let file = render(&sb, &profile, "nushell");
    let dir = dump_dir(&sb, "nu");
    let mut script = std::fs::read_to_string(&file).unwrap();
    for v in VARS {
        script.push_str(&format!("$env.{v} | save -f '{}/{v}'\n", dir.display()));
    }
    script.push_str("if ('AWS_PROFILE' in $env) or ('AWS_SECURITY_TOKEN' in $env) { error make {msg: 'stale vars remain'} }\n");
    let path = sb.home().join("check.nu");
    std::fs::write(&path, script).unwrap();
    let mut cmd = Command::new("nu");
    cmd.arg("--no-config-file")
        .arg(&path)
        .env("AWS_PROFILE", "stale")
        .env("AWS_SECURITY_TOKEN", "stale");
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "nu failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for var in VARS {
        let got = std::fs::read(dir.join(var)).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&got),
            truth[var].as_str().unwrap(),
            "nu: {var}"
        );
    }
    assert!(!canary.exists());
}

#[test]
fn dotenv_and_json_are_parseable() {
    let sb = Sandbox::new();
    let (profile, _) = hostile(&sb);
    let truth = expected(&sb, &profile);
    assert_eq!(truth["ROLECALL_PROFILE"].as_str().unwrap(), profile);
    // The config parser kept the hostile parts (it cuts values at ` ;` and ` #`).
    let secret = truth["AWS_SECRET_ACCESS_KEY"].as_str().unwrap();
    for part in ["$(touch", "`touch", "${HOME}", "🦀", "שלום", "’‘", "\\'"] {
        assert!(
            secret.contains(part) || truth["AWS_SESSION_TOKEN"].as_str().unwrap().contains(part),
            "{part} lost: {secret}"
        );
    }
    let venv_python = crate::support::venv_python();
    if !require(venv_python.to_str().unwrap()) {
        return;
    }
    let file = render(&sb, &profile, "dotenv");
    let out = Command::new(&venv_python)
        .args([
            "-c",
            "import json,sys,dotenv; print(json.dumps(dict(dotenv.dotenv_values(sys.argv[1], interpolate=False))))",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python-dotenv: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for var in VARS {
        assert_eq!(parsed[var], truth[var], "dotenv: {var}");
    }
}
