//! The config reader against hostile or broken files: special files in the config's place, odd
//! section headers, a byte-order mark.

use crate::cli::{KEY_ID, SECRET, static_profile};
use crate::support::{Sandbox, output_within};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// Long enough for a debug build on a busy machine, far shorter than a hang.
const QUICK: Duration = Duration::from_secs(10);

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `rolecall profiles` in `sb` with the config at `config`: it must fail quickly, and its error
/// must name the file and say what is wrong with it.
fn assert_refused(sb: &Sandbox, config: &Path, what: &str) {
    let out = output_within(
        sb.cmd().arg("profiles").env("AWS_CONFIG_FILE", config),
        QUICK,
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(out.stdout.is_empty(), "{err}");
    let expected = format!(
        "error: cannot read the AWS config: {} {what}",
        config.display()
    );
    assert!(
        err.starts_with(&expected),
        "expected {expected:?}, got {err:?}"
    );
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn fifo_config_fails_fast_naming_the_file() {
    // Reading a FIFO waits for a writer that never comes: rolecall hung forever.
    let sb = Sandbox::new();
    mkfifo(&sb.config_path());
    assert_refused(&sb, &sb.config_path(), "is a FIFO, not a regular file");
}

#[test]
fn fifo_credentials_file_fails_fast_naming_the_file() {
    // The credentials file goes through the same reader and hung the same way.
    let sb = Sandbox::new();
    sb.config(&static_profile("ok"));
    mkfifo(&sb.credentials_path());
    let out = output_within(sb.cmd().args(["credential-process", "ok"]), QUICK);
    let expected = format!(
        "error: cannot read the AWS config: {} is a FIFO, not a regular file",
        sb.credentials_path().display()
    );
    assert!(stderr(&out).starts_with(&expected), "{}", stderr(&out));
}

#[test]
fn dev_zero_config_is_refused() {
    // /dev/zero was read until allocation failed, and then taken for an empty file.
    let sb = Sandbox::new();
    let mut cmd = sb.command("sh");
    // The 250 MB cap makes a regression fail here instead of exhausting a shared machine.
    cmd.args(["-c", "ulimit -v 250000 && exec \"$0\" profiles"])
        .arg(crate::support::rolecall())
        .env("AWS_CONFIG_FILE", "/dev/zero");
    let out = output_within(&mut cmd, QUICK);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with(
            "error: cannot read the AWS config: /dev/zero is a character device, not a regular file"
        ),
        "{err}"
    );
}

#[test]
fn directory_config_is_refused() {
    // A directory read as an empty config, and the user was told the profile does not exist.
    let sb = Sandbox::new();
    std::fs::create_dir(sb.config_path()).unwrap();
    assert_refused(&sb, &sb.config_path(), "is a directory");
    let out = output_within(sb.cmd().args(["credential-process", "ok"]), QUICK);
    assert!(!stderr(&out).contains("not found"), "{}", stderr(&out));
}

#[test]
fn symlink_loop_config_is_refused() {
    // A symlink loop read as an empty config.
    let sb = Sandbox::new();
    std::os::unix::fs::symlink("config", sb.config_path()).unwrap();
    assert_refused(&sb, &sb.config_path(), "is a symbolic link loop");
}

#[test]
fn dangling_symlink_config_is_refused() {
    // A link to nothing (an unmounted volume, a dotfiles checkout not made yet) read as empty.
    let sb = Sandbox::new();
    let target = sb.home().join("elsewhere").join("config");
    std::os::unix::fs::symlink(&target, sb.config_path()).unwrap();
    assert_refused(
        &sb,
        &sb.config_path(),
        &format!(
            "is a symbolic link to `{}`, which does not exist",
            target.display()
        ),
    );
}

#[test]
fn unreadable_config_is_refused() {
    // A config without read permission read as an empty config.
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    sb.config(&static_profile("ok"));
    std::fs::set_permissions(sb.config_path(), std::fs::Permissions::from_mode(0o000)).unwrap();
    let expected = format!(
        "error: cannot read the AWS config: {} cannot be read: permission denied",
        sb.config_path().display()
    );
    if !rustix::process::geteuid().is_root() {
        let out = output_within(sb.cmd().arg("profiles"), QUICK);
        assert!(stderr(&out).starts_with(&expected), "{}", stderr(&out));
        return;
    }
    // Root reads mode 000 files: run rolecall as `nobody` instead, through setpriv.
    // setpriv is util-linux's, which scripts/test-deps installs; under CI its absence fails.
    if !crate::support::require("setpriv") {
        return;
    }
    for dir in [sb.home(), &sb.home().join(".aws")] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut cmd = sb.command("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(crate::support::rolecall())
        .arg("profiles");
    let out = output_within(&mut cmd, QUICK);
    assert!(stderr(&out).starts_with(&expected), "{}", stderr(&out));
}

#[test]
fn dev_null_config_is_empty() {
    // `AWS_CONFIG_FILE=/dev/null` is the usual way to say "no config": it must keep working.
    let sb = Sandbox::new();
    sb.credentials(&format!(
        "[ok]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    ));
    let out = output_within(
        sb.cmd()
            .args(["credential-process", "ok"])
            .env("AWS_CONFIG_FILE", "/dev/null"),
        QUICK,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(KEY_ID));
}

#[test]
fn missing_config_is_empty() {
    // Only a file that is not there at all is read as empty, as in the SDKs.
    let sb = Sandbox::new();
    let out = output_within(sb.cmd().arg("profiles"), QUICK);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn one_odd_section_header_does_not_take_down_the_config() {
    // `[profile a;b]` refused the whole file, which the AWS CLI reads; `prød` was invisible.
    let sb = Sandbox::new();
    sb.config(&format!(
        "[profile a;b]\nregion = eu-west-1\n[profile prød]\nregion = eu-west-2\n[profile x y]\nregion = eu-west-3\n{}",
        static_profile("ok")
    ));
    let out = output_within(sb.cmd().args(["credential-process", "ok"]), QUICK);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(KEY_ID));
    assert_eq!(
        stderr(&out),
        format!(
            "warning: {} line 5: section `[profile x y]` skipped: a profile name cannot contain spaces\n",
            sb.config_path().display()
        )
    );
    let out = output_within(sb.cmd().arg("profiles"), QUICK);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "a;b\nok\nprød\n");
}

/// Section headers of the config file that botocore and aws-config read differently, or that
/// look odd.
const CONFIG_HEADERS: &[&str] = &[
    "[profile a;b]",
    "[profile a#b]",
    "[profile a] ; comment",
    "[profile a] x",
    "[profile prød]",
    "[profile a=b]",
    "[profile a]]",
    "[profile #a]",
    "[profile \"a b\"]",
    "[profile 'a']",
    "[profile a\\b]",
    "[profile a b]",
    "[profile a] # see [x]",
    "[profile a\u{a0}]",
    "[profile]",
    "[profilex a]",
    "[ profile a ]",
    "[ default ]",
    "[default] x",
];

/// The same for the credentials file, where every section is a profile to botocore.
const CREDENTIALS_HEADERS: &[&str] = &[
    "[a;b]",
    "[prød]",
    "[\"a\"]",
    "[a] x",
    "[a b]",
    "[ a ]",
    "[profile a]",
];

/// botocore's profile names for each (config, credentials) pair, gathered as the AWS CLI
/// gathers them (`Session.full_config`), or `None` where botocore cannot read the files.
fn botocore_profiles(python: &Path, pairs: &[(PathBuf, PathBuf)]) -> Vec<Option<Vec<String>>> {
    const SCRIPT: &str = r#"
import json, sys
import botocore.configloader as cl
args = sys.argv[1:]
for config, credentials in zip(args[::2], args[1::2]):
    try:
        names = set(cl.build_profile_map(cl.raw_config_parse(config))["profiles"])
        names |= set(cl.raw_config_parse(credentials))
        print(json.dumps(sorted(names)))
    except Exception:
        print("null")
"#;
    let mut cmd = Command::new(python);
    cmd.args(["-c", SCRIPT]);
    for (config, credentials) in pairs {
        cmd.arg(config).arg(credentials);
    }
    let out = output_within(&mut cmd, Duration::from_secs(120));
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn section_headers_are_read_as_botocore_reads_them_or_skipped_with_a_warning() {
    // The rule for headers is botocore's: rolecall may drop a profile only with a warning.
    let python = crate::support::venv_python();
    if !crate::support::require(python.to_str().unwrap()) {
        return;
    }
    let sb = Sandbox::new();
    let config_cases = CONFIG_HEADERS.iter().map(|h| {
        (
            *h,
            format!("[profile ok]\nk = 1\n{h}\nk = 2\n"),
            String::new(),
        )
    });
    let credentials_cases = CREDENTIALS_HEADERS.iter().map(|h| {
        (
            *h,
            "[profile ok]\nk = 1\n".to_owned(),
            format!("{h}\nk = 2\n"),
        )
    });
    let mut cases = Vec::new();
    for (i, (header, config, credentials)) in config_cases.chain(credentials_cases).enumerate() {
        let dir = sb.home().join(format!("case-{i}"));
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("config"), config).unwrap();
        std::fs::write(dir.join("credentials"), credentials).unwrap();
        cases.push((header, (dir.join("config"), dir.join("credentials"))));
    }
    let pairs: Vec<_> = cases.iter().map(|(_, pair)| pair.clone()).collect();
    let theirs = botocore_profiles(&python, &pairs);
    assert_eq!(theirs.len(), cases.len());
    for ((header, (config, credentials)), theirs) in cases.iter().zip(theirs) {
        let out = output_within(
            sb.cmd()
                .arg("profiles")
                .env("AWS_CONFIG_FILE", config)
                .env("AWS_SHARED_CREDENTIALS_FILE", credentials),
            QUICK,
        );
        let err = stderr(&out);
        assert!(out.status.success(), "{header}: {err}");
        let ours: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        let theirs = theirs.unwrap_or_else(|| panic!("{header}: botocore cannot read it"));
        assert!(
            ours.iter().all(|n| theirs.contains(n)),
            "{header}: ours {ours:?}, botocore {theirs:?}"
        );
        if ours != theirs {
            let shown = &header[..=header.rfind(']').unwrap()];
            assert!(
                err.contains(&format!("section `{shown}` skipped: ")),
                "{header}: ours {ours:?}, botocore {theirs:?}, and no warning: {err}"
            );
        }
    }
}

#[test]
fn byte_order_mark_is_named_in_the_error() {
    // A config saved with a BOM failed "line 1: expected a section", which hides the cause.
    let sb = Sandbox::new();
    sb.config(&format!("\u{feff}{}", static_profile("ok")));
    let out = output_within(sb.cmd().args(["credential-process", "ok"]), QUICK);
    let expected = format!(
        "error: cannot read the AWS config: {} starts with a UTF-8 byte-order mark, which the AWS \
         CLI and SDKs cannot read: save it without one",
        sb.config_path().display()
    );
    assert!(stderr(&out).starts_with(&expected), "{}", stderr(&out));
    // Refusing it is what the SDKs do: botocore cannot read the file either.
    let python = crate::support::venv_python();
    if !crate::support::require(python.to_str().unwrap()) {
        return;
    }
    let pair = (sb.config_path(), sb.home().join("no-credentials"));
    std::fs::write(&pair.1, "").unwrap();
    assert_eq!(botocore_profiles(&python, &[pair]), vec![None]);
}
