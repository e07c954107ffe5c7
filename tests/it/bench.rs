//! Benchmarks of the release binary, run by hand (`scripts/bench`), never as timed assertions.
//! They print numbers; they assert only that the calls succeeded.

use crate::cli::static_profile;
use crate::fake_aws::FakeAws;
use crate::support::Sandbox;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn release_binary() -> PathBuf {
    PathBuf::from(
        std::env::var("ROLECALL_BENCH_BIN")
            .expect("set ROLECALL_BENCH_BIN to the release binary (scripts/bench does)"),
    )
}

fn time_once(c: &mut Command) -> Duration {
    c.stdout(Stdio::null()).stderr(Stdio::null());
    let t = Instant::now();
    let status = c.status().unwrap();
    let e = t.elapsed();
    assert!(status.success(), "{c:?}");
    e
}

/// Medians of `rounds` interleaved runs of each command (after one warm-up round), so that
/// machine noise hits every command alike.
fn interleaved_medians(rounds: usize, makers: &[&dyn Fn() -> Command]) -> Vec<Duration> {
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); makers.len()];
    for round in 0..=rounds {
        for (i, make) in makers.iter().enumerate() {
            let t = time_once(&mut make());
            if round > 0 {
                times[i].push(t);
            }
        }
    }
    times
        .into_iter()
        .map(|mut t| {
            t.sort();
            t[t.len() / 2]
        })
        .collect()
}

/// Peak RSS in KiB, from GNU time.
fn peak_rss_kib(c: &Command) -> u64 {
    let mut t = Command::new("/usr/bin/time");
    t.arg("-f")
        .arg("%M")
        .arg(c.get_program())
        .args(c.get_args());
    t.env_clear()
        .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdout(Stdio::null());
    let out = t.output().unwrap();
    String::from_utf8_lossy(&out.stderr)
        .trim()
        .lines()
        .last()
        .unwrap()
        .parse()
        .unwrap()
}

/// A config of `n` profiles: the measured one-hop profile `hop`, and fillers shaped like real
/// role profiles (about 160 bytes each).
fn config_with(n: usize) -> String {
    let mut c = static_profile("base");
    c.push_str("[profile hop]\nrole_arn = arn:aws:iam::111111111111:role/first\nsource_profile = base\nregion = eu-west-1\n");
    for i in 0..n.saturating_sub(2) {
        c.push_str(&format!(
            "[profile filler-{i}]\nrole_arn = arn:aws:iam::123456789012:role/r{i}\nsource_profile = base\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/u{i}\n"
        ));
    }
    c
}

#[test]
#[ignore = "benchmark: run with scripts/bench"]
fn bench_release_binary() {
    let bin = release_binary();
    let fake = FakeAws::start();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let small = Sandbox::new();
    small.config(&config_with(10));
    let large = Sandbox::new();
    large.config(&config_with(5000));
    let hit = |sb: &Sandbox| {
        let c = sb.cmd();
        let mut r = Command::new(&bin);
        r.env_clear()
            .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .env("AWS_ENDPOINT_URL_STS", fake.url())
            .args(["credential-process", "hop"]);
        r
    };
    let no_cache = || {
        let mut c = hit(&small);
        c.arg("--no-cache");
        c
    };
    for sb in [&small, &large] {
        time_once(&mut hit(sb)); // prime the cache
    }
    eprintln!(
        "config sizes: 10 profiles {} bytes, 5000 profiles {} bytes",
        std::fs::metadata(small.config_path()).unwrap().len(),
        std::fs::metadata(large.config_path()).unwrap().len()
    );

    let t = interleaved_medians(
        200,
        &[&|| Command::new("/bin/true"), &|| hit(&small), &|| {
            hit(&large)
        }],
    );
    eprintln!(
        "/bin/true                         median of 200 {:7.3} ms",
        ms(t[0])
    );
    for (n, d) in [(10, t[1]), (5000, t[2])] {
        eprintln!(
            "cache hit, {n:>5} profiles         median of 200 {:7.3} ms  ({:.2}x /bin/true)",
            ms(d),
            ms(d) / ms(t[0])
        );
    }
    let t = interleaved_medians(20, &[&|| Command::new("/bin/true"), &no_cache]);
    eprintln!(
        "/bin/true                         median of 20  {:7.3} ms",
        ms(t[0])
    );
    eprintln!(
        "one-hop AssumeRole, fake STS      median of 20  {:7.3} ms  ({:.2}x /bin/true)",
        ms(t[1]),
        ms(t[1]) / ms(t[0])
    );
    eprintln!(
        "peak RSS: hit/10 {} KiB, hit/5000 {} KiB, one-hop AssumeRole {} KiB, /bin/true {} KiB",
        peak_rss_kib(&hit(&small)),
        peak_rss_kib(&hit(&large)),
        peak_rss_kib(&no_cache()),
        peak_rss_kib(&Command::new("/bin/true"))
    );
    // Profile-name completion (`rolecall env <TAB>`): every name, and the names under a prefix.
    let complete = |prefix: &str| {
        let c = large.cmd();
        let mut r = Command::new(&bin);
        r.env_clear()
            .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .args(["__complete", "--", "env", prefix]);
        r
    };
    let t = interleaved_medians(
        50,
        &[&|| Command::new("/bin/true"), &|| complete(""), &|| {
            complete("filler-1")
        }],
    );
    eprintln!(
        "/bin/true                         median of 50  {:7.3} ms",
        ms(t[0])
    );
    for (what, d) in [("all 5000 names", t[1]), ("prefix `filler-1`", t[2])] {
        eprintln!(
            "completion, 5000 profiles, {what} median of 50 {:7.3} ms",
            ms(d)
        );
    }
    let size = std::fs::metadata(&bin).unwrap().len();
    eprintln!(
        "binary size {:.2} MiB ({size} bytes, stripped)",
        size as f64 / 1048576.0
    );
    hyperfine(&bin, &small, &large, &fake.url());
}

/// The same hits under `hyperfine -N` (no shell, spawned from a small process): the harness
/// above spawns from this large test process, which adds the same fork cost to both sides and
/// flatters the ratio. One run per sandbox, its environment given to hyperfine itself.
fn hyperfine(bin: &std::path::Path, small: &Sandbox, large: &Sandbox, sts: &str) {
    if !crate::support::require("hyperfine") {
        return;
    }
    for (name, sb) in [("10 profiles", small), ("5000 profiles", large)] {
        let c = sb.cmd();
        let out = Command::new("hyperfine")
            .env_clear()
            .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .env("AWS_ENDPOINT_URL_STS", sts)
            .args(["-N", "--warmup", "20", "--runs", "300", "--style", "basic"])
            .arg("/bin/true")
            .arg(format!("{} credential-process hop", bin.display()))
            .output()
            .expect("run hyperfine");
        eprintln!(
            "hyperfine -N, cache hit, {name}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A cache hit on an IAM Identity Center profile: the token is not even read (the hint names
/// the role's entry), so it costs what any other hit costs.
#[test]
#[ignore = "benchmark: run with scripts/bench"]
fn bench_sso_hit() {
    use crate::fake_aws::FakeSso;
    use crate::sso::{CORP_TOKEN, config, session_token, write_token};
    let bin = release_binary();
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    sb.config(&config());
    write_token(&sb, CORP_TOKEN, session_token(&fake, 8 * 3600, true));
    let hit = || {
        let c = crate::sso::cmd(&sb, &fake);
        let mut r = Command::new(&bin);
        r.env_clear()
            .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .args(["credential-process", "dev"]);
        r
    };
    time_once(&mut hit()); // prime the cache
    assert_eq!(fake.count("GetRoleCredentials"), 1);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let t = interleaved_medians(200, &[&|| Command::new("/bin/true"), &hit]);
    eprintln!(
        "/bin/true                         median of 200 {:7.3} ms",
        ms(t[0])
    );
    eprintln!(
        "SSO cache hit                     median of 200 {:7.3} ms  ({:.2}x /bin/true)",
        ms(t[1]),
        ms(t[1]) / ms(t[0])
    );
    assert_eq!(fake.count("GetRoleCredentials"), 1, "every run was a hit");
    if crate::support::require("hyperfine") {
        let c = hit();
        let out = Command::new("hyperfine")
            .env_clear()
            .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .args(["-N", "--warmup", "20", "--runs", "300", "--style", "basic"])
            .arg("/bin/true")
            .arg(format!("{} credential-process dev", bin.display()))
            .output()
            .expect("run hyperfine");
        eprintln!(
            "hyperfine -N, SSO cache hit:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
