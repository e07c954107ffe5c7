//! `rolecall sso profiles`: every account and role from the portal, paginated, at most 20
//! requests a second, 429s retried; names sanitized; `--write` keeps every other byte and
//! comment; `--prune` removes only the sections it wrote for the session.

use crate::fake_aws::{FakeAccount, FakeSso, SsoFault};
use crate::sso::{CORP_TOKEN, cmd, config, session_token, write_token};
use crate::support::{Sandbox, output_within};
use std::time::{Duration, Instant};

fn accounts(n: usize) -> Vec<FakeAccount> {
    (0..n)
        .map(|i| FakeAccount {
            id: format!("{:012}", 100_000_000_000u64 + i as u64),
            // Names that would break a header or a shell.
            name: if i % 50 == 0 {
                format!("Team [{i}] $(x) `y`")
            } else {
                format!("acct{i}")
            },
            roles: if i % 10 == 0 {
                vec!["Admin".into(), "ReadOnly".into()]
            } else {
                vec!["Admin".into()]
            },
        })
        .collect()
}

/// `rolecall sso profiles --sso-session corp ARGS`, which must succeed.
fn generate(sb: &Sandbox, fake: &FakeSso, args: &[&str]) -> std::process::Output {
    let out = output_within(
        cmd(sb, fake)
            .args(["sso", "profiles", "--sso-session", "corp"])
            .args(args),
        Duration::from_secs(120),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

const HAND: &str = "# my own notes, kept\n[profile mine]\n# hand-written\nregion = eu-west-1\n\n";

#[test]
fn three_hundred_accounts_with_throttling_are_written_and_pruned() {
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    let cfg = format!("{HAND}{}", config());
    sb.config(&cfg);
    write_token(&sb, CORP_TOKEN, session_token(&fake, 8 * 3600, true));
    fake.set_accounts(accounts(300));
    fake.set_page_size(100);
    for _ in 0..3 {
        fake.fail_next("ListAccountRoles", SsoFault::throttled());
    }
    fake.fail_next("ListAccounts", SsoFault::throttled());
    let started = Instant::now();
    let out = generate(&sb, &fake, &["--write", "--region", "eu-central-1"]);
    let wall = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let times = fake.list_times();
    let max_in_a_second = times
        .iter()
        .map(|t| {
            times
                .iter()
                .filter(|u| **u >= *t && **u < *t + Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap();
    eprintln!(
        "generation: 300 accounts, {} requests ({} ListAccounts, {} ListAccountRoles), 4 429s injected, at most {max_in_a_second} in a second, {:.1} s wall; {}",
        times.len(),
        fake.count("ListAccounts"),
        fake.count("ListAccountRoles"),
        wall.as_secs_f64(),
        stderr.lines().last().unwrap_or_default()
    );
    assert!(
        max_in_a_second <= 20,
        "{max_in_a_second} requests in one second"
    );
    assert_eq!(fake.count("ListAccounts"), 3 + 1);
    assert_eq!(
        fake.count("ListAccountRoles"),
        300 + 30 + 3,
        "every page, and the retries"
    );
    let text = std::fs::read_to_string(sb.config_path()).unwrap();
    assert!(text.starts_with(&cfg), "every byte before is kept");
    let generated = text.matches("rolecall_generated = corp").count();
    assert_eq!(generated, 330);
    assert!(text.contains("[profile Team-0-x-y-Admin]"), "sanitized");
    assert!(text.contains("[profile acct1-Admin]\nsso_session = corp\nsso_account_id = 100000000001\nsso_role_name = Admin\nregion = eu-central-1\n"));
    // The profiles work as written.
    let p = output_within(
        cmd(&sb, &fake).args(["credential-process", "acct7-Admin"]),
        Duration::from_secs(30),
    );
    assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stderr));

    // Fewer accounts now: --prune removes the generated sections that are gone, nothing else.
    fake.set_accounts(accounts(3));
    let out = generate(&sb, &fake, &["--write", "--prune"]);
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("0 added, 4 updated, 326 removed"),
        "{summary}"
    );
    let text = std::fs::read_to_string(sb.config_path()).unwrap();
    assert!(
        text.starts_with(&cfg),
        "hand-written sections and comments stay"
    );
    assert_eq!(text.matches("rolecall_generated = corp").count(), 4);
}

#[test]
fn prints_to_stdout_by_default_and_leaves_the_config_alone() {
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    sb.config(&config());
    write_token(&sb, CORP_TOKEN, session_token(&fake, 8 * 3600, true));
    let out = generate(&sb, &fake, &["--name", "{account_id}.{role_name}"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("[profile 123456789012.Admin]")
            && text.contains("[profile 123456789012.ReadOnly]"),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(sb.config_path()).unwrap(), config());
    assert!(String::from_utf8_lossy(&out.stderr).contains("listed the roles of 1 of 1 accounts"));
}
