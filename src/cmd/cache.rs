//! `rolecall cache list` and `rolecall cache clear [PROFILE | --all]`.

use crate::aws::chain;
use crate::aws::config::Profiles;
use crate::aws::env::EnvInputs;
use crate::cache::Cache;
use crate::cli::CacheCommand;
use crate::context::Context;
use crate::credentials::format_rfc3339;
use crate::error::Result;
use crate::obtain;
use std::fmt::Write;
use zeroize::Zeroizing;

pub fn run(ctx: &Context, command: CacheCommand) -> Result<Zeroizing<Vec<u8>>> {
    let cache = Cache::from_context(ctx, false)?;
    let mut out = String::new();
    match command {
        CacheCommand::List => {
            let rows = cache.list();
            let now = ctx.now();
            let width = rows
                .iter()
                .map(|r| r.profile.len())
                .max()
                .unwrap_or(0)
                .max(7);
            let _ = writeln!(
                out,
                "{:width$}  {:20}  {:>8}  STEP",
                "PROFILE", "EXPIRES", "LEFT"
            );
            for r in rows {
                let (expires, left) = match r.expiration {
                    Some(e) => (
                        format_rfc3339(e),
                        match e.duration_since(now) {
                            Ok(d) => format_left(d.as_secs()),
                            Err(_) => "expired".to_owned(),
                        },
                    ),
                    None => ("?".to_owned(), "?".to_owned()),
                };
                let _ = writeln!(
                    out,
                    "{:width$}  {expires:20}  {left:>8}  {}",
                    r.profile, r.step
                );
            }
        }
        CacheCommand::Clear(args) => {
            let removed = if args.all {
                let c = cache.clear_all();
                let _ = write!(
                    out,
                    "removed {}",
                    plural(c.entries, "cache entry", "cache entries")
                );
                for (n, one, many) in [
                    (c.hints, "hint", "hints"),
                    (c.markers, "MFA or failure marker", "MFA or failure markers"),
                    (c.set_aside, "set-aside entry", "set-aside entries"),
                    (c.temps, "temp file", "temp files"),
                ] {
                    if n > 0 {
                        let _ = write!(out, ", {}", plural(n, one, many));
                    }
                }
                out.push('\n');
                return Ok(Zeroizing::new(out.into_bytes()));
            } else {
                let name = args.profile.expect("clap requires a profile without --all");
                let profiles = Profiles::load(ctx)?;
                let plan = chain::resolve(&profiles, &name, &EnvInputs::from_context(ctx))?;
                obtain::cache_keys(&plan)
                    .iter()
                    .flatten()
                    .filter(|k| cache.remove(k))
                    .count()
            };
            let _ = writeln!(
                out,
                "removed {removed} cache entr{}",
                if removed == 1 { "y" } else { "ies" }
            );
        }
    }
    Ok(Zeroizing::new(out.into_bytes()))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn format_left(secs: u64) -> String {
    match secs {
        s if s >= 3600 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        s => format!("{}m{:02}s", s / 60, s % 60),
    }
}
