//! Walk a [`Plan`]: base credentials, then each step that yields temporary credentials (an MFA
//! session, then role hops), each cached on its own.
//!
//! The fast path looks for the newest fresh step from the end, without locks; a hit on the last
//! step prints with no async runtime, no TLS and no SDK set-up. On a miss, each remaining step is
//! taken under its own lock: look again (another process may have just fetched it), otherwise
//! prompt, call STS, write. N processes that miss at once make one call per step.

use crate::aws::chain::{CachePolicy, Plan, Step, WebIdentityStep};
use crate::aws::service::AwsCalls;
use crate::aws::sts::{self, Issued, Target};
use crate::cache::{Cache, Key, Lookup};
use crate::context::Context;
use crate::credentials::Credentials;
use crate::error::{CacheError, Error, MetadataError, ProfileError, Result, StsError, StsFailure};
use crate::mfa::MfaCodes;
use crate::process;
use crate::prompt::Prompt;
use crate::secret::Secret;
use std::time::{Duration, UNIX_EPOCH};

/// How a fetch may get what it needs from the user.
#[derive(Debug, Default)]
pub struct Options {
    /// `--mfa-code`.
    pub mfa_code: Option<Secret<String>>,
}

/// The cache key of every step (`None` where the step is not cached on disk): everything that
/// changes its answer, from the base's identity on. A key is a chain prefix, so a hit on the last
/// step needs no other credentials, and an MFA session's key is shared by every role on it.
pub fn cache_keys(plan: &Plan) -> Vec<Option<Key>> {
    let region = plan.region.as_deref().unwrap_or_default();
    let mut descriptor = String::from("rolecall-cache-v1");
    plan.steps
        .iter()
        .map(|step| {
            descriptor.push('\n');
            descriptor.push_str(&step.key_part(region));
            (step.cache_policy() == CachePolicy::Disk).then(|| Key::new(descriptor.clone()))
        })
        .collect()
}

/// Credentials, and the hash of the cache entry that holds them (none when the last step is not
/// cached on disk).
#[derive(Debug)]
pub struct Obtained {
    pub credentials: Credentials,
    pub entry: Option<String>,
}

/// Walk `plan`: from the newest step with a fresh cache entry (no lock, no runtime), or from the
/// base, run each later step; a step cached on disk runs under its lock, looking again first.
pub fn obtain(
    ctx: &Context,
    plan: &Plan,
    opts: &Options,
    cache: &Cache,
    calls: &dyn AwsCalls,
    prompt: &mut dyn Prompt,
) -> Result<Obtained> {
    let keys = cache_keys(plan);
    let last = keys.last().cloned().flatten();
    let entry = last.as_ref().map(|k| k.hash.clone());

    // Fast path: the newest fresh step, no lock. The last step's entry, when it is fading (valid
    // but within the serve margin), is kept to ride out an outage with.
    let mut start = 0;
    let mut creds: Option<Credentials> = None;
    let mut fading: Option<Credentials> = None;
    for (i, key) in keys.iter().enumerate().rev() {
        let Some(key) = key else { continue };
        match cache.read(key, ctx.now()) {
            Lookup::Fresh(c) => {
                ctx.debug(format_args!(
                    "cache hit for `{}`: {}",
                    plan.steps[i].describe(),
                    c.masked_key_id()
                ));
                start = i + 1;
                creds = Some(c);
                break;
            }
            Lookup::Fading(c) if i + 1 == keys.len() => {
                if let Some(outage) = cache.outage_within(key, ctx.now(), OUTAGE_PAUSE) {
                    // AWS failed for this step less than a minute ago: do not ask it again yet.
                    warn_riding(ctx, prompt, plan, &c, &outage.message);
                    return Ok(Obtained {
                        credentials: c,
                        entry,
                    });
                }
                fading = Some(c);
            }
            _ => {}
        }
    }

    let mut mfa = MfaCodes::new(ctx, opts, cache, &plan.profile, prompt);
    let walked: Result<Credentials> = (|| {
        for (step, key) in plan.steps.iter().zip(&keys).skip(start) {
            // A base is handed nothing: only a step that signs sees the credentials before it.
            let source = creds.as_ref().filter(|_| step.signs_with_previous());
            creds = Some(match key {
                Some(key) => run_cached(ctx, plan, step, key, source, cache, calls, &mut mfa)?,
                None => run_step(ctx, plan, step, source, cache, calls, &mut mfa)?.0,
            });
        }
        Ok(creds.take().expect("a plan has a base step"))
    })();
    let credentials = match (walked, fading, &last) {
        (Ok(c), _, _) => c,
        // An outage, and the last entry still valid: hand it out rather than fail, and note the
        // outage so that the next minute of callers do not ask AWS again (an SDK that calls back
        // on every request would otherwise hammer STS and slow every call).
        (Err(e), Some(c), Some(key))
            if e.is_outage() && c.expiration.is_some_and(|x| x > ctx.now()) =>
        {
            cache.record_failure(key, ctx.now(), &e);
            warn_riding(ctx, prompt, plan, &c, &e.to_string());
            c
        }
        (Err(e), _, _) => return Err(e),
    };
    Ok(Obtained { credentials, entry })
}

/// How long after an outage a fading entry is handed out without asking AWS again.
const OUTAGE_PAUSE: Duration = Duration::from_secs(60);

/// One line, on the terminal when there is one (an SDK hides a credential process's stderr when
/// it succeeds), else on stderr.
fn warn_riding(ctx: &Context, prompt: &mut dyn Prompt, plan: &Plan, c: &Credentials, why: &str) {
    let left = c
        .expiration
        .and_then(|x| x.duration_since(ctx.now()).ok())
        .map_or(0, |d| d.as_secs() / 60);
    let line = format!(
        "could not refresh `{}` ({why}); using its cached credentials, which expire in {left} min; AWS is asked again after {} s",
        plan.profile,
        OUTAGE_PAUSE.as_secs()
    );
    if prompt.available() {
        prompt.say(&format!("rolecall: warning: {line}"));
    } else {
        ctx.warn(format_args!("{line}"));
    }
}

/// One step cached on disk: under its lock, look again (another process may just have fetched
/// it, or just failed at it), else run it and write the entry.
#[allow(clippy::too_many_arguments)]
fn run_cached(
    ctx: &Context,
    plan: &Plan,
    step: &Step,
    key: &Key,
    source: Option<&Credentials>,
    cache: &Cache,
    calls: &dyn AwsCalls,
    mfa: &mut MfaCodes<'_>,
) -> Result<Credentials> {
    let doing = format!("{} for profile `{}`", step.describe(), plan.profile);
    let asked_at = ctx.now();
    // The holder of an SSO step may be waiting for a person to sign in.
    let lock = match step {
        Step::Sso(_) => cache.waiting_at_least(crate::aws::sso::session::LOGIN_WAIT),
        _ => cache.clone(),
    }
    .lock(key, &doing, &mut *mfa.prompt)?;
    match cache.read(key, ctx.now()) {
        Lookup::Fresh(c) => {
            ctx.debug(format_args!(
                "`{}` was fetched by another process meanwhile",
                step.describe()
            ));
            return Ok(c);
        }
        Lookup::Bad(reason) => cache.set_aside(key, &reason, ctx),
        Lookup::Fading(_) | Lookup::Stale | Lookup::Missing => {}
    }
    if lock.as_ref().is_some_and(|l| l.waited)
        && let Some(f) = cache.failure_since(key, asked_at)
    {
        return Err(CacheError::Shared {
            pid: f.pid,
            message: f.message,
            help: f.help,
            outage: f.outage,
        }
        .into());
    }
    let (credentials, skew) = match run_step(ctx, plan, step, source, cache, calls, mfa) {
        Ok(v) => v,
        Err(e) => {
            if lock.is_some() && e.is_shared_with_waiters() {
                cache.record_failure(key, ctx.now(), &e);
            }
            return Err(e);
        }
    };
    if let Err(e) = cache.write(
        key,
        step.profile(),
        &step.describe(),
        &credentials,
        skew.seconds(),
        ctx.now(),
    ) {
        ctx.warn(format_args!("{e}; the credentials are not cached"));
    }
    Ok(credentials)
}

/// Run one step: a base makes its credentials, a later step calls AWS as `source`.
fn run_step(
    ctx: &Context,
    plan: &Plan,
    step: &Step,
    source: Option<&Credentials>,
    cache: &Cache,
    calls: &dyn AwsCalls,
    mfa: &mut MfaCodes<'_>,
) -> Result<(Credentials, sts::Skew)> {
    let issued = match step {
        Step::StaticKeys { .. }
        | Step::Environment { .. }
        | Step::Process { .. }
        | Step::Container(_)
        | Step::InstanceMetadata(_) => {
            return base_credentials(ctx, plan, step).map(|c| (c, sts::Skew::Unknown));
        }
        Step::WebIdentity(w) => web_identity(ctx, plan, calls, w)?,
        Step::Sso(s) => sso::role_credentials(ctx, s, cache, calls, &mut *mfa.prompt)?,
        Step::MfaSession(_) | Step::AssumeRole(_) => {
            let source = source.expect("a signing step follows the base");
            fetch_step(ctx, plan, calls, source, step, mfa)?
        }
    };
    accept(ctx, cache, step, issued)
}

mod calls;
mod local;
mod sso;

use calls::{accept, fetch_step, web_identity};
use local::base_credentials;

#[cfg(test)]
mod tests;
