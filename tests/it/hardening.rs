//! Regressions from the adversarial pass (issue 6): the cache directory, the home directory, clock
//! skew, NUL bytes, chains, STS failures and waiting. Each test is named after the bug it pins.

use crate::fake_aws::{FakeAws, Fault};
use crate::support::{Sandbox, ok_json as ok, output_within};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::cache::cmd;

fn sandbox() -> Sandbox {
    crate::cache::sandbox("")
}

fn run(c: &mut Command) -> Output {
    output_within(c, Duration::from_secs(60))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Credential entries (`<32 hex>.json`) in `dir`.
fn entries(dir: &Path) -> Vec<PathBuf> {
    names(dir)
        .into_iter()
        .filter(|n| n.len() == 37 && n.ends_with(".json"))
        .map(|n| dir.join(n))
        .collect()
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().mode() & 0o7777
}

// --- 1. cache clear --all -------------------------------------------------------------------

/// `cache clear --all` removed every `*.json`, `*.tmp`, `*.bad` and even directories, and
/// reported "0 cache entries": pointing `ROLECALL_CACHE_DIR` at a project lost its files.
#[test]
fn cache_clear_all_deletes_only_files_rolecall_wrote() {
    let fake = FakeAws::start();
    let sb = sandbox();
    let dir = sb.home().join("project");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let theirs = [
        "package.json",
        "tsconfig.json",
        "notes.tmp",
        "thesis.bad",
        "hint-notmine.json",
        ".x.json.1.2.tmp",
    ];
    for f in theirs {
        std::fs::write(dir.join(f), "mine").unwrap();
    }
    std::fs::create_dir(dir.join("data.json")).unwrap();
    std::fs::write(dir.join("data.json").join("inner"), "mine").unwrap();
    // An SSO token of the AWS CLI's: sha1-named, 40 hex digits.
    let sso = "e8be5486177c5b5392bd9aa76563515b29358e6e.json";
    std::fs::write(dir.join(sso), "{}").unwrap();
    ok(&run(cmd(&sb, &fake)
        .env("ROLECALL_CACHE_DIR", &dir)
        .args(["credential-process", "hop2"])));
    let out = run(cmd(&sb, &fake)
        .env("ROLECALL_CACHE_DIR", &dir)
        .args(["cache", "clear", "--all"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "removed 2 cache entries, 1 hint\n"
    );
    for f in theirs.iter().chain([&sso]) {
        assert!(
            !std::fs::read_to_string(dir.join(f)).unwrap().is_empty(),
            "{f}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("data.json").join("inner")).unwrap(),
        "mine"
    );
    assert!(entries(&dir).is_empty());
}

// --- 6. the mode of an existing directory ----------------------------------------------------

/// An existing `ROLECALL_CACHE_DIR` was chmodded to 0700: a shared 1777 directory lost its
/// sticky bit, and `ROLECALL_CACHE_DIR=$HOME` made the home 0700.
#[test]
fn an_existing_cache_dir_keeps_its_mode() {
    let fake = FakeAws::start();
    let sb = sandbox();
    // A home-like 0755 directory of ours: used, and left 0755.
    let home_like = sb.home().join("homelike");
    std::fs::create_dir(&home_like).unwrap();
    std::fs::set_permissions(&home_like, std::fs::Permissions::from_mode(0o755)).unwrap();
    ok(&run(cmd(&sb, &fake)
        .env("ROLECALL_CACHE_DIR", &home_like)
        .args(["credential-process", "hop1"])));
    assert_eq!(mode(&home_like), 0o755);
    assert_eq!(entries(&home_like).len(), 1);

    // A shared 1777 directory: refused with the reason, credentials still handed out, mode kept.
    let shared = sb.home().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let out = run(cmd(&sb, &fake)
        .env("ROLECALL_CACHE_DIR", &shared)
        .args(["credential-process", "hop1"]));
    ok(&out);
    assert_eq!(mode(&shared), 0o1777);
    let err = stderr(&out);
    assert!(
        err.contains("group or others can write to it (mode 1777)"),
        "{err}"
    );
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    assert!(entries(&shared).is_empty());

    // A missing directory is created 0700.
    let fresh = sb.home().join("fresh").join("cache");
    ok(&run(cmd(&sb, &fake)
        .env("ROLECALL_CACHE_DIR", &fresh)
        .args(["credential-process", "hop1"])));
    assert_eq!(mode(&fresh), 0o700);
}

// --- 5. reads trust the directory ----------------------------------------------------------

/// Another user who could write a 0777 cache directory swapped two hints, and
/// `credential-process hop1` returned hop2's credentials without a warning.
#[test]
fn swapped_hints_are_refused() {
    let fake = FakeAws::start();
    let sb = sandbox();
    let a = ok(&run(cmd(&sb, &fake).args(["credential-process", "hop1"])));
    let b = ok(&run(cmd(&sb, &fake).args(["credential-process", "hop2"])));
    let hints: Vec<String> = names(&sb.cache_dir())
        .into_iter()
        .filter(|n| n.starts_with("hint-"))
        .collect();
    assert_eq!(hints.len(), 2, "{hints:?}");
    let (h0, h1) = (
        sb.cache_dir().join(&hints[0]),
        sb.cache_dir().join(&hints[1]),
    );
    let tmp = sb.cache_dir().join("swap");
    std::fs::rename(&h0, &tmp).unwrap();
    std::fs::rename(&h1, &h0).unwrap();
    std::fs::rename(&tmp, &h1).unwrap();
    let a2 = ok(&run(cmd(&sb, &fake).args(["credential-process", "hop1"])));
    let b2 = ok(&run(cmd(&sb, &fake).args(["credential-process", "hop2"])));
    assert_eq!(a2["AccessKeyId"], a["AccessKeyId"]);
    assert_eq!(b2["AccessKeyId"], b["AccessKeyId"]);
    let env = run(cmd(&sb, &fake).args(["env", "hop1", "--format", "json"]));
    let env: serde_json::Value = serde_json::from_slice(&env.stdout).unwrap();
    assert_eq!(env["ROLECALL_PROFILE"], "hop1");
}

/// No read path checked the directory: entries in a directory others can write were believed.
#[test]
fn reads_refuse_a_cache_dir_others_can_write() {
    let fake = FakeAws::start();
    let sb = sandbox();
    ok(&run(cmd(&sb, &fake).args(["credential-process", "hop1"])));
    std::fs::set_permissions(sb.cache_dir(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = run(cmd(&sb, &fake).args(["credential-process", "hop1"]));
    ok(&out);
    assert_eq!(fake.count("AssumeRole"), 2, "the entry was not believed");
    let err = stderr(&out);
    assert!(
        err.contains("ignoring the cache directory") && err.contains("mode 777"),
        "{err}"
    );
    assert_eq!(mode(&sb.cache_dir()), 0o777, "and its mode is not changed");
}

// --- low: set-aside entries, lock files, lock directory ----------------------------------------

/// A group- or world-readable entry set aside as `*.bad` kept its mode and its live secret.
#[test]
fn a_set_aside_entry_is_made_private() {
    let fake = FakeAws::start();
    let sb = sandbox();
    ok(&run(cmd(&sb, &fake).args(["credential-process", "hop1"])));
    let entry = entries(&sb.cache_dir()).pop().unwrap();
    std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run(cmd(&sb, &fake).args(["credential-process", "hop1"]));
    ok(&out);
    let bad = PathBuf::from(format!("{}.bad", entry.display()));
    assert_eq!(mode(&bad), 0o600, "{}", stderr(&out));
}

/// The lock path of `hop1`'s step (its entry's hash), learnt from a first run.
fn hop1_lock(sb: &Sandbox, fake: &FakeAws) -> PathBuf {
    ok(&run(cmd(sb, fake).args(["credential-process", "hop1"])));
    let entry = entries(&sb.cache_dir()).pop().unwrap();
    let hash = entry.file_stem().unwrap().to_string_lossy().into_owned();
    std::fs::remove_file(&entry).unwrap();
    sb.cache_dir().join("locks").join(format!("{hash}.lock"))
}

/// A lock path that was a hard link to another of the user's files truncated that file.
#[test]
fn a_lock_file_hard_linked_to_another_file_is_refused() {
    let fake = FakeAws::start();
    let sb = sandbox();
    let lock = hop1_lock(&sb, &fake);
    std::fs::remove_file(&lock).unwrap();
    let victim = sb.home().join("thesis.txt");
    std::fs::write(&victim, "four years of work").unwrap();
    std::fs::hard_link(&victim, &lock).unwrap();
    let out = run(cmd(&sb, &fake).args(["credential-process", "hop1"]));
    ok(&out);
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "four years of work"
    );
    let err = stderr(&out);
    assert!(err.contains("hard links"), "{err}");
}

/// An unusable lock directory warned once per step and called itself "the cache directory".
#[test]
fn an_unusable_lock_directory_warns_once_and_says_so() {
    let fake = FakeAws::start();
    let sb = sandbox();
    let run_dir = sb.home().join("run");
    std::fs::create_dir(&run_dir).unwrap();
    std::fs::write(run_dir.join("rolecall"), "not a directory").unwrap();
    let out = run(cmd(&sb, &fake)
        .env("XDG_RUNTIME_DIR", &run_dir)
        .args(["credential-process", "hop2"]));
    ok(&out);
    let err = stderr(&out);
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    assert!(err.contains("lock directory"), "{err}");
    assert!(!err.contains("cache directory"), "{err}");
}

/// The lock timeout named the step twice, and its help assumed a prompt in another terminal.
#[test]
fn the_lock_timeout_names_the_step_once() {
    let fake = FakeAws::start();
    let sb = sandbox();
    let lock = hop1_lock(&sb, &fake);
    std::fs::write(
        &lock,
        "pid 4242 AssumeRole arn:aws:iam::111111111111:role/first for profile `hop1`",
    )
    .unwrap();
    let mut holder = Command::new("flock")
        .arg(&lock)
        .args(["sleep", "30"])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let out = run(cmd(&sb, &fake)
        .env("ROLECALL_LOCK_TIMEOUT", "1")
        .args(["credential-process", "hop1"]));
    let _ = holder.kill();
    let _ = holder.wait();
    let err = stderr(&out);
    assert_eq!(err.matches("role/first").count(), 1, "{err}");
    assert!(!err.contains("other terminal"), "{err}");
}

/// Behind a failing endpoint each waiter took the lock and tried again itself (3 callers: 60,
/// 120, 120 s): a failure seen under the lock is now shared with those who waited for it.
#[test]
fn waiters_share_the_failure_they_waited_for() {
    let fake = FakeAws::start();
    fake.fail_always(
        "AssumeRole",
        Fault::DelayThen(Duration::from_secs(4), Box::new(Fault::AccessDenied)),
    );
    let sb = sandbox();
    let spawn = || {
        cmd(&sb, &fake)
            .args(["credential-process", "hop1"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // The first caller holds the step's lock through its (slow, failing) call; only then do the
    // others start, so that they wait for it whatever the machine's load.
    let first = spawn();
    let started = std::time::Instant::now();
    while fake.count("AssumeRole") == 0 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let others = [spawn(), spawn()];
    let outs: Vec<Output> = std::iter::once(first)
        .chain(others)
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outs {
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(out).contains("access denied"), "{}", stderr(out));
    }
    assert_eq!(fake.count("AssumeRole"), 1, "one try for three callers");
    assert_eq!(
        outs.iter()
            .filter(|o| stderr(o).contains("which this one waited for"))
            .count(),
        2
    );
}

// --- 2. the home directory -----------------------------------------------------------------

/// With `HOME` unset or empty, the config was read from `./~/.aws/config` and its
/// `credential_process` ran.
#[test]
fn an_unset_home_never_reads_a_config_relative_to_the_current_directory() {
    let sb = Sandbox::new();
    let cwd = sb.home().join("cwd");
    std::fs::create_dir_all(cwd.join("~").join(".aws")).unwrap();
    let canary = sb.home().join("canary");
    std::fs::write(
        cwd.join("~/.aws/config"),
        format!(
            "[profile planted]\ncredential_process = touch {}\n[default]\ncredential_process = touch {}\n",
            canary.display(),
            canary.display()
        ),
    )
    .unwrap();
    for home in [None, Some(""), Some("relative/home")] {
        let mut c = Command::new(crate::support::rolecall());
        c.env_clear()
            .current_dir(&cwd)
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("ROLECALL_CACHE_DIR", sb.cache_dir())
            .args(["credential-process", "planted"]);
        if let Some(h) = home {
            c.env("HOME", h);
        }
        let out = run(&mut c);
        assert!(!canary.exists(), "HOME={home:?}: the planted config ran");
        assert_eq!(out.status.code(), Some(1), "HOME={home:?}");
        if home == Some("relative/home") {
            assert!(
                stderr(&out).contains("not an absolute path"),
                "{}",
                stderr(&out)
            );
        }
    }
}

// --- 3. clock skew -------------------------------------------------------------------------

fn expiry_of_cached(sb: &Sandbox) -> String {
    let entry = entries(&sb.cache_dir()).pop().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(entry).unwrap()).unwrap();
    v["expiration"].as_str().unwrap().to_owned()
}

fn date_in(minutes: i64) -> String {
    let out = Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("{minutes} minutes"),
            "+%Y-%m-%dT%H:%M:%SZ",
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A skew correction lengthened credentials' life: a clock 2 h fast kept them 2 h past STS's
/// expiry; a `Date` of 1970 cached 1-hour credentials until 2083; a `Date` far in the future
/// printed `Expiration 1970-01-01`.
#[test]
fn a_skew_correction_never_gives_more_life_than_sts_did() {
    // (fake clock offset, Date-only offset, expected Expiration window in minutes from now)
    let cases: [(i64, i64, i64, i64); 5] = [
        // Our clock 30 min behind STS's: moved earlier to an hour by our clock.
        (30, 0, 58, 62),
        // Our clock 30 min ahead: left as STS stated it (30 min by our clock), not lengthened.
        (-30, 0, 28, 32),
        // A `Date` of 1970 (a proxy's): not believed, the stated hour stands.
        (0, -1_800_000_000, 58, 62),
        // A `Date` centuries ahead: not believed either, never an Expiration in the past.
        (0, 9_000_000_000, 58, 62),
        // A `Date` 2 h off, more than the credentials' life: not believed.
        (0, 7200, 58, 62),
    ];
    for (clock, date, lo, hi) in cases {
        let fake = FakeAws::start();
        fake.set_clock_offset(clock * 60);
        fake.set_date_offset(date);
        let sb = sandbox();
        let out = run(cmd(&sb, &fake).args(["-v", "credential-process", "hop1"]));
        let v = ok(&out);
        let exp = v["Expiration"].as_str().unwrap().to_owned();
        assert!(
            exp > date_in(lo) && exp < date_in(hi),
            "clock {clock} min, Date {date:+} s: Expiration {exp}: {}",
            stderr(&out)
        );
        let err = stderr(&out);
        let said = ["moved", "left as STS stated", "not believed"];
        assert!(
            said.iter().any(|s| err.contains(s)),
            "--verbose says what was done: {err}"
        );
        if clock > 0 {
            assert_eq!(expiry_of_cached(&sb), exp);
        }
    }
}

/// Credentials already expired by our clock (STS said so, or our clock is hours fast) were
/// handed out with status 0 and fetched again on every call.
#[test]
fn credentials_sts_returns_already_expired_are_refused() {
    for (clock_min, expires_in) in [(0, Some(-60)), (-120, None)] {
        let fake = FakeAws::start();
        fake.set_clock_offset(clock_min * 60);
        fake.set_expires_in(expires_in);
        let sb = sandbox();
        let out = run(cmd(&sb, &fake).args(["credential-process", "hop1"]));
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains("already expired"), "{err}");
        assert!(err.contains("clock"), "{err}");
        assert!(out.stdout.is_empty());
    }
}

/// A serve margin longer than the credentials' life silently sent every call to STS.
#[test]
fn a_serve_margin_longer_than_the_credentials_life_warns() {
    let fake = FakeAws::start();
    let sb = sandbox();
    let out = run(cmd(&sb, &fake)
        .env("ROLECALL_SERVE_MARGIN", "2h")
        .args(["credential-process", "hop1"]));
    ok(&out);
    assert!(
        stderr(&out).contains("ROLECALL_SERVE_MARGIN"),
        "{}",
        stderr(&out)
    );
}

// --- 10. NUL bytes -------------------------------------------------------------------------

fn sts_body(secret: &str, expiration: &str) -> String {
    format!(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
         <Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>\
         <SessionToken>token</SessionToken><Expiration>{expiration}</Expiration></Credentials>\
         <AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/first/s</Arn><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser>\
         </AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>"
    )
}

/// A NUL byte in a credential value went out unchecked (bash dropped it, zsh cut the value, fish
/// failed); refused where it enters: from STS, from the cache, from the config.
#[test]
fn a_nul_byte_in_a_credential_is_refused_where_it_enters() {
    // From STS.
    let fake = FakeAws::start();
    fake.fail_always(
        "AssumeRole",
        Fault::Raw {
            status: 200,
            body: sts_body("wJalrXUtnFEMI\0K7MDENG", &date_in(60)),
        },
    );
    let sb = sandbox();
    let out = run(cmd(&sb, &fake).args(["env", "hop1"]));
    assert_eq!(out.status.code(), Some(1));
    // The SDK's XML reader refuses it first, and says so; rolecall checks again behind it.
    let err = stderr(&out);
    assert!(err.contains("NUL") || err.contains("'\\0'"), "{err}");
    assert!(out.stdout.is_empty());

    // From the cache: a NUL written into a valid entry is not believed.
    let fake = FakeAws::start();
    let sb = sandbox();
    ok(&run(cmd(&sb, &fake).args(["credential-process", "hop1"])));
    let entry = entries(&sb.cache_dir()).pop().unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
    v["credentials"]["SessionToken"] = serde_json::json!("tok\u{0}en");
    std::fs::write(&entry, v.to_string()).unwrap();
    let out = run(cmd(&sb, &fake).args(["credential-process", "hop1"]));
    let doc = ok(&out);
    assert!(!doc["SessionToken"].as_str().unwrap().contains('\0'));
    assert!(stderr(&out).contains("NUL"), "{}", stderr(&out));

    // From the config.
    let sb = Sandbox::new();
    sb.config("[profile k]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalr\0XUtnFEMI\n");
    let out = run(sb.cmd().args(["env", "k"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("NUL"), "{}", stderr(&out));
}

// --- 11. keys on a source profile with role_arn ----------------------------------------------

/// A source profile with both static keys and `role_arn` was resolved unlike the SDKs: rolecall
/// assumed its role with the next profile's keys; botocore and the Rust SDK use its own keys.
#[test]
fn a_source_profiles_own_keys_win_over_its_role() {
    let fake = FakeAws::start();
    let sb = Sandbox::new();
    sb.config(
        "[profile c]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
         [profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = c\n\
         aws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n\
         [profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = b\n",
    );
    ok(&run(cmd(&sb, &fake).args(["credential-process", "a"])));
    let calls = fake.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        calls[0].params["RoleArn"],
        "arn:aws:iam::111111111111:role/a"
    );
    assert_eq!(calls[0].access_key_id, "AKIAI44QH8DHBEXAMPLE");
}

// --- low: STS failures that said nothing ------------------------------------------------------

/// Some failures printed only "STS error" and `--verbose` added nothing: a 200 that is not XML,
/// an unreadable `<Expiration>`, an endpoint URL with a path.
#[test]
fn every_sts_failure_names_what_was_wrong() {
    let cases = [
        ("not xml", 200, "this is not XML".to_owned()),
        ("bad expiration", 200, sts_body("s", "next tuesday")),
        // What a wrong path in the endpoint URL meets: someone else's page.
        (
            "a wrong path",
            404,
            "<html><body>Not Found</body></html>".to_owned(),
        ),
    ];
    for (name, status, body) in cases {
        let fake = FakeAws::start();
        fake.fail_always("AssumeRole", Fault::Raw { status, body });
        let sb = sandbox();
        let out = run(cmd(&sb, &fake).args(["credential-process", "hop1"]));
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = stderr(&out);
        // Before: "...: STS error (help: ...)", with nothing after "STS error".
        let said = err
            .split_once("STS error: ")
            .map(|(_, rest)| rest.split(" (help:").next().unwrap_or(""))
            .unwrap_or("");
        assert!(said.contains("HTTP") && said.len() > 40, "{name}: {err}");
    }
}

/// A 300 MB STS response body was read whole before the error.
#[test]
fn a_huge_sts_response_is_not_read_whole() {
    let fake = FakeAws::start();
    fake.fail_always(
        "AssumeRole",
        Fault::Raw {
            status: 500,
            body: "x".repeat(8 << 20),
        },
    );
    let sb = sandbox();
    let out = run(cmd(&sb, &fake).args(["credential-process", "hop1"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("MiB"), "{}", stderr(&out));
}

// --- low: one line on stderr for `credential-process` ------------------------------------------

/// clap's usage block and a 3,000-profile loop (one 32 KB line) broke the one-line promise.
#[test]
fn credential_process_fails_in_one_short_line() {
    let sb = Sandbox::new();
    let mut config = String::new();
    for i in 0..3000 {
        config.push_str(&format!(
            "[profile p{i}]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = p{}\n",
            (i + 1) % 3000
        ));
    }
    sb.config(&config);
    let runs = [
        vec!["credential-process", "p0"],
        vec!["credential-process"],
        vec!["credential-process", "p0", "--bogus"],
    ];
    for args in runs {
        let out = run(sb.cmd().args(&args));
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.len() < 400, "{args:?}: {} bytes", err.len());
        assert!(out.stdout.is_empty());
    }
}

/// rolecall starts without std's runtime (`no_main`, for start-up time), so it must open
/// `/dev/null` on closed standard descriptors itself, as std does: otherwise the first file it
/// opens (a lock, a cache entry) becomes fd 2 and `--verbose` lines are written into it.
#[test]
fn a_closed_stderr_never_makes_a_lock_or_entry_the_diagnostic_stream() {
    let fake = FakeAws::start();
    let sb = sandbox();
    let base = cmd(&sb, &fake);
    let mut c = Command::new("sh");
    c.env_clear()
        .envs(base.get_envs().filter_map(|(k, v)| Some((k, v?))))
        // Only stderr closed: the first file opened (the config, then a lock) becomes fd 2.
        .args(["-c", "exec \"$0\" \"$@\" 2>&-"])
        .arg(base.get_program())
        // --verbose: diagnostics go to fd 2 while entries and locks are open.
        .args(["--verbose", "credential-process", "hop2"]);
    let out = run(&mut c);
    let printed = ok(&out);
    assert!(printed["AccessKeyId"].is_string());
    assert_eq!(fake.count("AssumeRole"), 2);
    for entry in std::fs::read_dir(sb.cache_dir()).unwrap().flatten() {
        let path = entry.path();
        if path.is_file() {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                "{} holds more than its own JSON: {text}",
                path.display()
            );
        }
    }
    for lock in std::fs::read_dir(sb.cache_dir().join("locks"))
        .unwrap()
        .flatten()
    {
        // A lock holds its holder's note (`pid N what`), and nothing else.
        let text = std::fs::read_to_string(lock.path()).unwrap();
        assert!(
            text.starts_with("pid ") && !text.contains("rolecall:"),
            "{text}"
        );
    }
    // And the entries serve the next caller.
    let hit = ok(&run(cmd(&sb, &fake).args(["credential-process", "hop2"])));
    assert!(hit["AccessKeyId"].is_string());
    assert_eq!(fake.count("AssumeRole"), 2);
}

/// Errors quote what others said (a source's stderr, a service's message, a browser's
/// `error_description`): a terminal escape or a carriage return in it is shown as `?`, never
/// sent to the terminal.
#[test]
fn control_characters_in_an_error_never_reach_the_terminal() {
    let sb = Sandbox::new();
    sb.config(
        "[profile p]\ncredential_process = sh -c 'printf \"\\033[2J\\033]0;PWNED\\007boom\\r\" >&2; exit 1'\n",
    );
    let out = run(sb.cmd().args(["credential-process", "p"]));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("boom"), "{err}");
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{7}') && !err.contains('\r'),
        "{err:?}"
    );
}
