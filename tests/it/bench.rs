//! Benchmarks of the release binary, run by hand (`scripts/bench`), never as timed assertions.
//! They print numbers; they assert only that the calls succeeded.

use crate::cli::static_profile;
use crate::fake_aws::FakeAws;
use crate::support::Sandbox;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 20;

fn release_binary() -> PathBuf {
    PathBuf::from(
        std::env::var("ROLECALL_BENCH_BIN")
            .expect("set ROLECALL_BENCH_BIN to the release binary (scripts/bench does)"),
    )
}

/// Median wall time of `RUNS` runs (after one warm-up run).
fn median(mut make: impl FnMut() -> Command) -> Duration {
    let mut times: Vec<Duration> = (0..=RUNS)
        .map(|_| {
            let mut c = make();
            c.stdout(Stdio::null()).stderr(Stdio::null());
            let t = Instant::now();
            let status = c.status().unwrap();
            let e = t.elapsed();
            assert!(status.success());
            e
        })
        .skip(1)
        .collect();
    times.sort();
    times[RUNS / 2]
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
    let true_time = median(|| Command::new("/bin/true"));
    eprintln!(
        "/bin/true                                  median {:7.3} ms",
        ms(true_time)
    );
    for n in [10, 5000] {
        let sb = Sandbox::new();
        sb.config(&config_with(n));
        let cmd = || {
            let mut c = sb.cmd();
            c.env("AWS_ENDPOINT_URL_STS", fake.url())
                .arg("credential-process")
                .arg("hop");
            let mut r = Command::new(&bin);
            r.args(c.get_args())
                .env_clear()
                .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))));
            r
        };
        assert!(
            cmd().stdout(Stdio::null()).status().unwrap().success(),
            "prime the cache"
        );
        let hit = median(cmd);
        eprintln!(
            "cache hit, {n:>5} profiles                 median {:7.3} ms  ({:.2}x /bin/true)",
            ms(hit),
            ms(hit) / ms(true_time)
        );
        eprintln!(
            "cache hit, {n:>5} profiles                 peak RSS {} KiB",
            peak_rss_kib(&cmd())
        );
        if n == 10 {
            let miss = median(|| {
                let mut c = cmd();
                c.arg("--no-cache");
                c
            });
            eprintln!(
                "one-hop AssumeRole via fake STS (no cache)  median {:7.3} ms  ({:.2}x /bin/true)",
                ms(miss),
                ms(miss) / ms(true_time)
            );
            let mut c = cmd();
            c.arg("--no-cache");
            eprintln!(
                "one-hop AssumeRole via fake STS (no cache)  peak RSS {} KiB",
                peak_rss_kib(&c)
            );
        }
    }
    let size = std::fs::metadata(&bin).unwrap().len();
    eprintln!(
        "binary size                                {:.2} MiB ({size} bytes)",
        size as f64 / 1048576.0
    );
}
