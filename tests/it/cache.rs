//! The credential cache: single flight across processes, crash safety, hostile entries, modes,
//! the serve margin and clock skew.

use crate::cli::static_profile;
use crate::fake_aws::FakeAws;
use crate::support::Sandbox;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const CHAIN: &str = "\
[profile hop1]
role_arn = arn:aws:iam::111111111111:role/first
source_profile = base

[profile hop2]
role_arn = arn:aws:iam::222222222222:role/second
source_profile = hop1
";

/// A sandbox with `base` (static keys) and the two-hop chain `hop1` -> `hop2`, plus `extra`.
pub fn sandbox(extra: &str) -> Sandbox {
    let sb = Sandbox::new();
    sb.config(&format!("{}{CHAIN}{extra}", static_profile("base")));
    sb
}

/// `rolecall` in `sb`, with STS at `fake`.
pub fn cmd(sb: &Sandbox, fake: &FakeAws) -> Command {
    let mut c = sb.cmd();
    c.env("AWS_ENDPOINT_URL_STS", fake.url());
    c
}

use crate::support::ok_json as json;

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|x| x == "json") && {
                        let n = p.file_name().unwrap().to_string_lossy();
                        !n.starts_with("mfa-") && !n.starts_with("hint-")
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn fifty_concurrent_cold_calls_make_one_call_per_step_and_one_mfa_prompt() {
    let fake = FakeAws::start();
    let sb = Sandbox::new();
    let spy = sb.home().join("mfa-spy");
    sb.config(&format!(
        "{}[profile mfa]\nrole_arn = arn:aws:iam::111111111111:role/first\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nmfa_process = echo run >> '{}'; sleep 0.2; echo 123456\n[profile top]\nrole_arn = arn:aws:iam::222222222222:role/second\nsource_profile = mfa\n",
        static_profile("base"),
        spy.display()
    ));
    fake.expect_mfa_code("123456");
    let outputs = crate::support::run_concurrently(50, || {
        let mut c = cmd(&sb, &fake);
        c.args(["credential-process", "top"]);
        c
    });
    let keys: Vec<String> = outputs
        .iter()
        .map(|o| json(o)["AccessKeyId"].as_str().unwrap().to_owned())
        .collect();
    let odd: Vec<String> = outputs
        .iter()
        .zip(&keys)
        .filter(|(_, k)| *k != &keys[0])
        .map(|(o, k)| format!("{k}: {}", String::from_utf8_lossy(&o.stderr)))
        .collect();
    assert!(
        odd.is_empty(),
        "every caller got the same credentials; these did not ({} calls):\n{}",
        fake.calls().len(),
        odd.join("\n")
    );
    assert_eq!(fake.count("GetSessionToken"), 1, "{:?}", fake.calls());
    assert_eq!(fake.count("AssumeRole"), 2, "one per hop");
    assert_eq!(
        std::fs::read_to_string(&spy).unwrap(),
        "run\n",
        "mfa_process ran once"
    );
}

#[test]
fn a_hit_needs_no_aws_and_takes_no_lock() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    let first = json(
        &cmd(&sb, &fake)
            .args(["credential-process", "hop2"])
            .output()
            .unwrap(),
    );
    // Hold every step lock: a hit must not wait for them.
    let locks: Vec<PathBuf> = std::fs::read_dir(sb.cache_dir().join("locks"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(locks.len(), 2);
    let mut holders: Vec<_> = locks
        .iter()
        .map(|l| {
            Command::new("flock")
                .arg(l)
                .args(["sleep", "30"])
                .spawn()
                .unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let out = cmd(&sb, &fake)
        .args(["credential-process", "hop2"])
        .env("ROLECALL_LOCK_TIMEOUT", "1")
        .output()
        .unwrap();
    for h in &mut holders {
        let _ = h.kill();
        let _ = h.wait();
    }
    assert_eq!(json(&out)["AccessKeyId"], first["AccessKeyId"]);
    assert_eq!(fake.count("AssumeRole"), 2);
}

/// Learn the lock of `hop1`'s step from a first run, empty the cache, and hold that lock from
/// another process (`flock`) that claims to be pid 4242.
fn hold_hop1_lock(sb: &Sandbox, fake: &FakeAws) -> std::process::Child {
    json(
        &cmd(sb, fake)
            .args(["credential-process", "hop1"])
            .output()
            .unwrap(),
    );
    assert!(
        cmd(sb, fake)
            .args(["cache", "clear", "--all"])
            .status()
            .unwrap()
            .success()
    );
    let lock = std::fs::read_dir(sb.cache_dir().join("locks"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    std::fs::write(
        &lock,
        "pid 4242 AssumeRole arn:aws:iam::111111111111:role/first for profile `hop1`",
    )
    .unwrap();
    let holder = Command::new("flock")
        .arg(&lock)
        .args(["sleep", "30"])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    holder
}

#[test]
fn a_waiter_gives_up_with_a_clear_error() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    let mut holder = hold_hop1_lock(&sb, &fake);
    let out = cmd(&sb, &fake)
        .args(["credential-process", "hop1"])
        .env("ROLECALL_LOCK_TIMEOUT", "1")
        .output()
        .unwrap();
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gave up after 1 s waiting for process 4242"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn the_mfa_session_is_shared_by_every_role_on_it() {
    let fake = FakeAws::start();
    let sb = Sandbox::new();
    sb.config(&format!(
        "{}[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n[profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
        static_profile("base")
    ));
    json(
        &cmd(&sb, &fake)
            .args(["credential-process", "a", "--mfa-code", "123456"])
            .output()
            .unwrap(),
    );
    // No code needed now: the MFA session is cached.
    json(
        &cmd(&sb, &fake)
            .args(["credential-process", "b"])
            .output()
            .unwrap(),
    );
    json(
        &cmd(&sb, &fake)
            .args(["credential-process", "a"])
            .output()
            .unwrap(),
    );
    assert_eq!(fake.count("GetSessionToken"), 1);
    assert_eq!(fake.count("AssumeRole"), 2);
}

#[test]
fn the_same_totp_code_is_never_sent_twice() {
    let fake = FakeAws::start();
    let sb = sandbox(
        "[profile mfa]\nrole_arn = arn:aws:iam::111111111111:role/m\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
    );
    json(
        &cmd(&sb, &fake)
            .args(["credential-process", "mfa", "--mfa-code", "123456"])
            .output()
            .unwrap(),
    );
    assert!(
        cmd(&sb, &fake)
            .args(["cache", "clear", "mfa"])
            .status()
            .unwrap()
            .success()
    );
    let out = cmd(&sb, &fake)
        .args(["credential-process", "mfa", "--mfa-code", "123456"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("was already used"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        fake.count("GetSessionToken"),
        1,
        "the reused code never reached STS"
    );
    json(
        &cmd(&sb, &fake)
            .args(["credential-process", "mfa", "--mfa-code", "654321"])
            .output()
            .unwrap(),
    );
}

/// `expires_in` minutes of life at fetch; the second call is served from the cache or refreshed.
fn second_call_refreshes(expires_in_min: i64, margin: Option<&str>) -> bool {
    let fake = FakeAws::start();
    fake.set_expires_in(Some(expires_in_min * 60));
    let sb = sandbox("");
    let run = || {
        let mut c = cmd(&sb, &fake);
        if let Some(m) = margin {
            c.env("ROLECALL_SERVE_MARGIN", m);
        }
        json(&c.args(["credential-process", "hop1"]).output().unwrap())
    };
    run();
    run();
    fake.count("AssumeRole") == 2
}

#[test]
fn expiry_table() {
    for (minutes, margin, refresh) in [
        (10, None, true),
        (14, None, true),
        (16, None, false),
        (60, None, false),
        (14, Some("12m"), false),
        (16, Some("20m"), true),
    ] {
        assert_eq!(
            second_call_refreshes(minutes, margin),
            refresh,
            "{minutes} min left, margin {margin:?}"
        );
    }
}

#[test]
fn serve_margin_has_a_floor() {
    let sb = sandbox("");
    let out = sb
        .cmd()
        .args(["credential-process", "hop1"])
        .env("ROLECALL_SERVE_MARGIN", "5m")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("10-minute floor"));
}

#[test]
fn expired_credentials_are_never_handed_out() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    json(
        &cmd(&sb, &fake)
            .args(["credential-process", "hop1"])
            .output()
            .unwrap(),
    );
    // Rewrite the entry as expired an hour ago (keeping it well-formed and private).
    let entry = entries(&sb.cache_dir()).pop().unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
    v["expiration"] = serde_json::json!("2020-01-01T00:00:00Z");
    std::fs::write(&entry, v.to_string()).unwrap();
    let out = json(
        &cmd(&sb, &fake)
            .args(["credential-process", "hop1"])
            .output()
            .unwrap(),
    );
    assert_eq!(fake.count("AssumeRole"), 2);
    assert!(out["Expiration"].as_str().unwrap() > "2026");
}

#[test]
fn hostile_entries_are_never_trusted() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    json(
        &cmd(&sb, &fake)
            .args(["credential-process", "hop1"])
            .output()
            .unwrap(),
    );
    let entry = entries(&sb.cache_dir()).pop().unwrap();
    let good = std::fs::read(&entry).unwrap();
    let decoy = sb.home().join("decoy.json");
    type MakeHostile<'a> = Box<dyn Fn() + 'a>;
    let cases: Vec<(&str, MakeHostile)> = vec![
        (
            "garbage",
            Box::new(|| std::fs::write(&entry, b"\x00\xffnot json at all").unwrap()),
        ),
        (
            "truncated",
            Box::new(|| std::fs::write(&entry, &good[..good.len() / 2]).unwrap()),
        ),
        ("empty", Box::new(|| std::fs::write(&entry, b"").unwrap())),
        (
            "old format",
            Box::new(|| {
                std::fs::write(
                    &entry,
                    String::from_utf8_lossy(&good).replace("\"format\":1", "\"format\":0"),
                )
                .unwrap()
            }),
        ),
        (
            "mode 0644",
            Box::new(|| {
                std::fs::write(&entry, &good).unwrap();
                std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o644)).unwrap();
            }),
        ),
        (
            "symlink",
            Box::new(|| {
                std::fs::write(&decoy, &good).unwrap();
                std::fs::set_permissions(&decoy, std::fs::Permissions::from_mode(0o600)).unwrap();
                std::os::unix::fs::symlink(&decoy, &entry).unwrap();
            }),
        ),
        (
            "directory",
            Box::new(|| std::fs::create_dir(&entry).unwrap()),
        ),
    ];
    for (i, (name, make)) in cases.iter().enumerate() {
        let _ = std::fs::remove_file(&entry);
        let _ = std::fs::remove_dir_all(&entry);
        make();
        let out = cmd(&sb, &fake)
            .args(["credential-process", "hop1"])
            .output()
            .unwrap();
        json(&out);
        assert_eq!(
            fake.count("AssumeRole"),
            i + 2,
            "{name}: the entry must not be trusted"
        );
        let meta = std::fs::symlink_metadata(&entry).unwrap();
        assert!(
            meta.is_file() && meta.mode() & 0o777 == 0o600,
            "{name}: replaced by a private regular file"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("ignoring the cache entry"),
            "{name}: warns: {err}"
        );
        // Warned once: the next call is a quiet hit.
        let again = cmd(&sb, &fake)
            .args(["credential-process", "hop1"])
            .output()
            .unwrap();
        assert!(
            again.stderr.is_empty(),
            "{name}: {}",
            String::from_utf8_lossy(&again.stderr)
        );
        assert_eq!(fake.count("AssumeRole"), i + 2);
    }
    assert_eq!(
        std::fs::read(&decoy).unwrap(),
        good,
        "the symlink's target is untouched"
    );
}

#[test]
fn modes_are_private_whatever_the_umask() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    let base = cmd(&sb, &fake);
    let mut c = Command::new("sh");
    c.arg("-c").arg(format!(
        "umask 000; exec '{}' credential-process hop2",
        crate::support::rolecall().display()
    ));
    c.env_clear()
        .envs(base.get_envs().filter_map(|(k, v)| Some((k, v?))));
    json(&c.output().unwrap());
    let dir = sb.cache_dir();
    assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
    assert_eq!(
        std::fs::metadata(dir.join("locks")).unwrap().mode() & 0o777,
        0o700
    );
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .chain(
            std::fs::read_dir(dir.join("locks"))
                .unwrap()
                .flatten()
                .map(|e| e.path()),
        )
        .filter(|p| p.is_file())
        .collect();
    assert!(files.len() >= 4, "{files:?}");
    for f in files {
        assert_eq!(
            std::fs::metadata(&f).unwrap().mode() & 0o777,
            0o600,
            "{}",
            f.display()
        );
    }
}

#[test]
fn kill_9_during_refreshes_never_leaves_an_unreadable_entry() {
    let fake = FakeAws::start();
    // Every entry is below the margin at once, so every call refreshes and writes.
    fake.set_expires_in(Some(20 * 60));
    let sb = sandbox("");
    let run = || {
        let mut c = cmd(&sb, &fake);
        c.args(["credential-process", "hop2"])
            .env("ROLECALL_SERVE_MARGIN", "30m");
        c
    };
    json(&run().output().unwrap());
    let iterations = 300;
    let mut seed: u64 = 0x2545F4914F6CDD1D;
    for i in 0..iterations {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = run()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(seed % 40_000));
        let _ = child.kill();
        let _ = child.wait();
        for e in entries(&sb.cache_dir()) {
            let bytes = std::fs::read(&e).unwrap();
            assert!(
                serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(),
                "iteration {i}: {} unreadable",
                e.display()
            );
        }
        if i % 25 == 0 {
            json(&run().output().unwrap());
        }
    }
    json(&run().output().unwrap());
    let temps = std::fs::read_dir(sb.cache_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert!(
        temps <= 2,
        "{temps} temp files left after a successful refresh of both steps"
    );
    eprintln!(
        "kill -9: {iterations} iterations, {} AssumeRole calls, every entry readable",
        fake.count("AssumeRole")
    );
}

#[test]
fn cache_list_and_clear() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    json(
        &cmd(&sb, &fake)
            .args(["credential-process", "hop2"])
            .output()
            .unwrap(),
    );
    let list = cmd(&sb, &fake).args(["cache", "list"]).output().unwrap();
    let text = String::from_utf8(list.stdout).unwrap();
    assert!(
        text.contains("hop1") && text.contains("AssumeRole arn:aws:iam::111111111111:role/first"),
        "{text}"
    );
    assert!(
        text.contains("hop2") && text.contains("AssumeRole arn:aws:iam::222222222222:role/second"),
        "{text}"
    );
    for issued in fake.issued() {
        assert!(
            !text.contains(&issued.access_key_id),
            "cache list shows no key ids"
        );
    }
    let out = cmd(&sb, &fake)
        .args(["cache", "clear", "hop1"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "removed 1 cache entry\n"
    );
    let out = cmd(&sb, &fake)
        .args(["cache", "clear", "--all"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "removed 1 cache entry, 1 hint\n"
    );
    assert!(entries(&sb.cache_dir()).is_empty());
}

#[test]
fn no_cache_neither_reads_nor_writes() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    json(
        &cmd(&sb, &fake)
            .args(["credential-process", "hop1", "--no-cache"])
            .output()
            .unwrap(),
    );
    json(
        &cmd(&sb, &fake)
            .args(["credential-process", "hop1"])
            .env("ROLECALL_NO_CACHE", "1")
            .output()
            .unwrap(),
    );
    assert!(entries(&sb.cache_dir()).is_empty());
    assert_eq!(fake.count("AssumeRole"), 2);
}

#[test]
fn relative_cache_dir_is_refused() {
    let sb = sandbox("");
    let out = sb
        .cmd()
        .args(["credential-process", "hop1"])
        .env("ROLECALL_CACHE_DIR", "relative/dir")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an absolute path"));
}

#[test]
fn a_hit_skips_the_config_until_it_changes() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    let run = |extra: &[(&str, &str)]| {
        let mut c = cmd(&sb, &fake);
        c.args(["-v", "credential-process", "hop1"])
            .envs(extra.iter().copied());
        c.output().unwrap()
    };
    json(&run(&[]));
    let hit = run(&[]);
    json(&hit);
    assert!(
        String::from_utf8_lossy(&hit.stderr).contains("(config unchanged)"),
        "{}",
        String::from_utf8_lossy(&hit.stderr)
    );
    assert_eq!(fake.count("AssumeRole"), 1);
    // Another role in the same file: the hint must not answer for the old plan.
    sb.config(&format!(
        "{}{}",
        static_profile("base"),
        CHAIN.replace("role/first", "role/changed")
    ));
    json(&run(&[]));
    assert_eq!(fake.count("AssumeRole"), 2);
    assert_eq!(
        fake.calls()[1].params["RoleArn"],
        "arn:aws:iam::111111111111:role/changed"
    );
    // A variable that changes the plan's keys (here the region) is part of the hint too.
    let other_region = run(&[("AWS_REGION", "ap-south-1")]);
    json(&other_region);
    assert!(!String::from_utf8_lossy(&other_region.stderr).contains("(config unchanged)"));
}

#[test]
fn an_unusable_cache_directory_costs_the_cache_not_the_credentials() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    let file = sb.home().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let out = cmd(&sb, &fake)
        .args(["credential-process", "hop1"])
        .env("ROLECALL_CACHE_DIR", &file)
        .output()
        .unwrap();
    json(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("going on without the cache"), "{err}");
}

#[test]
fn a_waiter_says_on_the_terminal_whom_it_waits_for() {
    let fake = FakeAws::start();
    let sb = sandbox("");
    let mut holder = hold_hop1_lock(&sb, &fake);
    // Run the way an SDK does (stdout and stderr captured), with the pty as the terminal.
    let base = cmd(&sb, &fake);
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(format!(
            "'{}' credential-process hop1 >/dev/null 2>&1; echo \"rc=$?\"",
            crate::support::rolecall().display()
        ))
        .env_clear()
        .envs(base.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env("ROLECALL_LOCK_TIMEOUT", "2");
    let mut s = expectrl::Session::spawn(c).unwrap();
    s.set_expect_timeout(Some(Duration::from_secs(20)));
    s.expect("rolecall: waiting for process 4242 (AssumeRole arn:aws:iam::111111111111:role/first for profile `hop1`)").unwrap();
    s.expect("rc=1").unwrap();
    let _ = holder.kill();
    let _ = holder.wait();
}

#[test]
fn env_output_is_the_same_from_a_hint() {
    let fake = FakeAws::start();
    let sb = sandbox(
        "[profile regional]\nrole_arn = arn:aws:iam::111111111111:role/r\nsource_profile = base\nregion = ap-south-1\n",
    );
    let run = || {
        json(
            &cmd(&sb, &fake)
                .args(["-v", "env", "regional", "--format", "json"])
                .output()
                .unwrap(),
        )
    };
    let first = run();
    let second = run();
    assert_eq!(first, second);
    assert_eq!(second["AWS_REGION"], "ap-south-1");
    assert_eq!(second["ROLECALL_PROFILE"], "regional");
    assert_eq!(fake.count("AssumeRole"), 1);
}
