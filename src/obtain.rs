//! Walk a [`Plan`]: base credentials, then each step that yields temporary credentials (an MFA
//! session, then role hops), each cached on its own.
//!
//! The fast path looks for the newest fresh step from the end, without locks; a hit on the last
//! step prints with no async runtime, no TLS and no SDK set-up. On a miss, each remaining step is
//! taken under its own lock: look again (another process may have just fetched it), otherwise
//! prompt, call STS, write. N processes that miss at once make one call per step.

use crate::aws::chain::{CachePolicy, Plan, Step, WebIdentityStep};
use crate::aws::sts::{self, Issued, StsCalls, Target};
use crate::cache::{Cache, Key, Lookup, SharedFailure};
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
    let region = plan.sts_region.as_deref().unwrap_or_default();
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
    calls: &dyn StsCalls,
    prompt: &mut dyn Prompt,
) -> Result<Obtained> {
    let keys = cache_keys(plan);
    let entry = keys.last().cloned().flatten().map(|k| k.hash);

    // Fast path: the newest fresh step, no lock.
    let mut start = 0;
    let mut creds: Option<Credentials> = None;
    for (i, key) in keys.iter().enumerate().rev() {
        if let Some(key) = key
            && let Lookup::Fresh(c) = cache.read(key, ctx.now())
        {
            ctx.debug(format_args!(
                "cache hit for `{}`: {}",
                plan.steps[i].describe(),
                c.masked_key_id()
            ));
            start = i + 1;
            creds = Some(c);
            break;
        }
    }

    let mut mfa = MfaCodes::new(ctx, opts, cache, &plan.profile, prompt);
    for (step, key) in plan.steps.iter().zip(&keys).skip(start) {
        // A base is handed nothing: only a step that signs sees the credentials before it.
        let source = creds.as_ref().filter(|_| step.signs_with_previous());
        creds = Some(match key {
            Some(key) => run_cached(ctx, plan, step, key, source, cache, calls, &mut mfa)?,
            None => run_step(ctx, plan, step, source, cache, calls, &mut mfa)?.0,
        });
    }
    Ok(Obtained {
        credentials: creds.expect("a plan has a base step"),
        entry,
    })
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
    calls: &dyn StsCalls,
    mfa: &mut MfaCodes<'_>,
) -> Result<Credentials> {
    let doing = format!("{} for profile `{}`", step.describe(), plan.profile);
    let asked_at = ctx.now();
    let lock = cache.lock(key, &doing, &mut *mfa.prompt)?;
    match cache.read(key, ctx.now()) {
        Lookup::Fresh(c) => {
            ctx.debug(format_args!(
                "`{}` was fetched by another process meanwhile",
                step.describe()
            ));
            return Ok(c);
        }
        Lookup::Bad(reason) => cache.set_aside(key, &reason, ctx),
        Lookup::Stale | Lookup::Missing => {}
    }
    if lock.as_ref().is_some_and(|l| l.waited)
        && let Some(f) = cache.failure_since(key, asked_at)
    {
        return Err(CacheError::Shared {
            pid: f.pid,
            message: f.message,
            help: f.help,
        }
        .into());
    }
    let (credentials, skew) = match run_step(ctx, plan, step, source, cache, calls, mfa) {
        Ok(v) => v,
        Err(e) => {
            if lock.is_some() && e.is_shared_with_waiters() {
                cache.record_failure(
                    key,
                    &SharedFailure {
                        at_ms: millis(ctx.now()),
                        pid: std::process::id(),
                        message: e.to_string(),
                        help: e.help(),
                    },
                );
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
    calls: &dyn StsCalls,
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
        Step::MfaSession(_) | Step::AssumeRole(_) => {
            let source = source.expect("a signing step follows the base");
            fetch_step(ctx, plan, calls, source, step, mfa)?
        }
    };
    accept(ctx, cache, step, issued)
}

/// The STS region of `plan`, `us-east-1` when nothing names one (as the SDKs' global default).
fn sts_target(
    plan: &Plan,
    endpoint_url: Option<String>,
    variant: crate::aws::chain::StsVariant,
) -> Target {
    Target {
        region: plan
            .sts_region
            .clone()
            .unwrap_or_else(|| "us-east-1".to_owned()),
        endpoint_url,
        variant,
    }
}

/// `AssumeRoleWithWebIdentity` with the token as it is in its file now (it rotates).
fn web_identity(
    ctx: &Context,
    plan: &Plan,
    calls: &dyn StsCalls,
    w: &WebIdentityStep,
) -> Result<Issued> {
    let token = read_token(&w.token_file).map_err(|reason| ProfileError::TokenFile {
        profile: w.profile.clone(),
        path: w.token_file.clone(),
        reason,
    })?;
    let target = sts_target(plan, w.endpoint_url.clone(), w.variant);
    ctx.debug(format_args!(
        "AssumeRoleWithWebIdentity {} for profile `{}` with the token in {} via {}",
        w.role_arn,
        w.profile,
        w.token_file,
        target.describe()
    ));
    let session_name = w
        .session_name
        .clone()
        .unwrap_or_else(|| default_session_name(ctx));
    calls
        .assume_role_with_web_identity(
            &target,
            &w.role_arn,
            &session_name,
            &token,
            w.duration_seconds,
        )
        .map_err(|f| sts_error(&w.profile, Some(&w.role_arn), &target, f))
}

/// An OIDC token is a few KiB; far more is not one.
const MAX_TOKEN: u64 = 1 << 20;

/// The token in `path`, trimmed; why not, in words for "the web identity token file X ...".
fn read_token(path: &str) -> std::result::Result<Secret<String>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "does not exist".to_owned(),
        std::io::ErrorKind::PermissionDenied => "cannot be read: permission denied".to_owned(),
        _ => format!("cannot be opened ({e})"),
    })?;
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(8 * 1024));
    file.take(MAX_TOKEN + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot be read ({e})"))?;
    if buf.len() as u64 > MAX_TOKEN {
        return Err("is larger than 1 MiB, far more than a token".into());
    }
    let text = std::str::from_utf8(&buf).map_err(|_| "does not hold text".to_owned())?;
    let token = text.trim();
    if token.is_empty() {
        return Err("is empty".into());
    }
    if token.as_bytes().contains(&0) {
        return Err("holds a NUL byte".into());
    }
    Ok(Secret::from(token))
}

/// What STS answered, judged by this machine's clock: the expiry corrected for skew (never
/// lengthened), refused when it is already past (as an expired `credential_process` answer is),
/// and a warning when the serve margin is longer than the credentials live.
fn accept(
    ctx: &Context,
    cache: &Cache,
    step: &Step,
    issued: Issued,
) -> Result<(Credentials, sts::Skew)> {
    let now = ctx.now();
    let (credentials, skew) = issued.judged(now);
    let fail = |failure, message: String| -> Error {
        StsError {
            profile: step.profile().to_owned(),
            role_arn: step.role_arn().map(str::to_owned),
            failure,
            message,
        }
        .into()
    };
    credentials.check_text().map_err(|field| {
        fail(
            StsFailure::Service,
            format!("the response holds a NUL byte in `{field}`"),
        )
    })?;
    match skew {
        sts::Skew::Unknown => ctx.debug(format_args!("STS sent no `Date`: expiry taken as stated")),
        sts::Skew::Applied(s) => ctx.debug(format_args!(
            "this machine's clock is {s} s behind STS's: expiry moved {s} s earlier"
        )),
        sts::Skew::Ahead(s) => ctx.debug(format_args!(
            "this machine's clock is {s} s ahead of STS's: expiry left as STS stated it"
        )),
        sts::Skew::Ignored(s) => ctx.debug(format_args!(
            "STS's `Date` is {s:+} s from this machine's clock, more than the credentials' life: not believed, expiry left as stated"
        )),
    }
    ctx.debug(format_args!(
        "got {} for `{}`",
        credentials.masked_key_id(),
        step.describe()
    ));
    if let Some(exp) = credentials.expiration {
        match exp.duration_since(now) {
            Err(_) | Ok(Duration::ZERO) => {
                let behind = match skew {
                    sts::Skew::Ahead(s) => format!(" (this machine's clock is {s} s ahead of STS's)"),
                    sts::Skew::Ignored(s) if s < 0 => format!(
                        " (this machine's clock is {} s ahead of STS's `Date`)",
                        s.unsigned_abs()
                    ),
                    _ => String::new(),
                };
                return Err(fail(
                    StsFailure::AlreadyExpired,
                    format!(
                        "they expire at {}, already past by this machine's clock{behind}",
                        crate::credentials::format_rfc3339(exp)
                    ),
                ));
            }
            Ok(left) if left <= cache.margin => ctx.warn(format_args!(
                "the credentials for `{}` last {} min, not more than the {}-minute serve margin (`ROLECALL_SERVE_MARGIN`): every call will fetch new ones",
                step.describe(),
                left.as_secs() / 60,
                cache.margin.as_secs() / 60
            )),
            Ok(_) => {}
        }
    }
    Ok((credentials, skew))
}

fn fetch_step(
    ctx: &Context,
    plan: &Plan,
    calls: &dyn StsCalls,
    source: &Credentials,
    step: &Step,
    mfa: &mut MfaCodes<'_>,
) -> Result<Issued> {
    match step {
        Step::MfaSession(s) => {
            let target = sts_target(plan, s.endpoint_url.clone(), s.variant);
            log_call(ctx, step, source, &target);
            let to_error = |f: sts::Failure| sts_error(&s.profile, None, &target, f);
            mfa.with_code(
                &s.profile,
                &s.mfa_serial,
                s.mfa_process.as_deref(),
                &to_error,
                |code| {
                    calls.get_session_token(
                        source,
                        &target,
                        &s.mfa_serial,
                        code,
                        s.duration_seconds,
                    )
                },
            )
        }
        Step::AssumeRole(hop) => {
            let target = sts_target(plan, hop.endpoint_url.clone(), hop.variant);
            log_call(ctx, step, source, &target);
            let session_name = hop
                .session_name
                .clone()
                .unwrap_or_else(|| default_session_name(ctx));
            let to_error =
                |f: sts::Failure| sts_error(&hop.profile, Some(&hop.role_arn), &target, f);
            match &hop.mfa_serial {
                None => calls
                    .assume_role(source, &target, hop, &session_name, None)
                    .map_err(to_error),
                Some(serial) => mfa.with_code(
                    &hop.profile,
                    serial,
                    hop.mfa_process.as_deref(),
                    &to_error,
                    |code| calls.assume_role(source, &target, hop, &session_name, Some(code)),
                ),
            }
        }
        Step::StaticKeys { .. }
        | Step::Environment { .. }
        | Step::Process { .. }
        | Step::WebIdentity(_)
        | Step::Container(_)
        | Step::InstanceMetadata(_) => unreachable!("a base step signs with nothing"),
    }
}

fn log_call(ctx: &Context, step: &Step, source: &Credentials, target: &Target) {
    ctx.debug(format_args!(
        "{} for profile `{}` with {} via {}",
        step.describe(),
        step.profile(),
        source.masked_key_id(),
        target.describe()
    ));
}

fn sts_error(profile: &str, role_arn: Option<&str>, target: &Target, f: sts::Failure) -> Error {
    let message = match (f.kind, &target.endpoint_url) {
        (StsFailure::Unreachable | StsFailure::Timeout, Some(url)) => {
            format!("{url}: {}", f.message)
        }
        (StsFailure::Unreachable | StsFailure::Timeout, None) => {
            format!("{}: {}", target.describe(), f.message)
        }
        _ => f.message,
    };
    StsError {
        profile: profile.to_owned(),
        role_arn: role_arn.map(str::to_owned),
        failure: f.kind,
        message,
    }
    .into()
}

fn base_credentials(ctx: &Context, plan: &Plan, step: &Step) -> Result<Credentials> {
    ctx.debug(format_args!("{}", step.describe()));
    match step {
        Step::StaticKeys { profile, keys } => {
            let creds = Credentials {
                access_key_id: keys.access_key_id.clone(),
                secret_access_key: keys.secret_access_key.clone(),
                session_token: keys.session_token.clone(),
                expiration: None,
                account_id: plan.account_id.clone(),
            };
            creds.check_text().map_err(|field| ProfileError::Invalid {
                profile: profile.clone(),
                message: format!("its keys hold a NUL byte (in `{field}`)"),
                help: "remove the NUL byte from the config or credentials file".into(),
            })?;
            Ok(creds)
        }
        Step::Environment { profile, keys } => {
            let Some(keys) = keys else {
                return Err(ProfileError::EnvironmentKeysMissing {
                    profile: profile.clone(),
                }
                .into());
            };
            Ok(Credentials {
                access_key_id: keys.access_key_id.clone(),
                secret_access_key: keys.secret_access_key.clone(),
                session_token: keys.session_token.clone(),
                expiration: None,
                account_id: None,
            })
        }
        Step::Process { profile, command } => {
            process::credentials(ctx, &plan.profile, profile, command)
        }
        Step::Container(c) => {
            crate::aws::metadata::container_credentials(c, ctx.now()).map_err(|message| {
                MetadataError {
                    what: "container credentials",
                    profile: c.profile.clone(),
                    endpoint: c.url.clone(),
                    message,
                }
                .into()
            })
        }
        Step::InstanceMetadata(i) => crate::aws::metadata::instance_credentials(i, ctx.now())
            .map_err(|message| {
                MetadataError {
                    what: "instance metadata credentials",
                    profile: i.profile.clone(),
                    endpoint: i.endpoint.clone(),
                    message,
                }
                .into()
            }),
        Step::WebIdentity(_) | Step::MfaSession(_) | Step::AssumeRole(_) => {
            unreachable!("only a local base makes credentials without calling AWS")
        }
    }
}

fn millis(t: std::time::SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `rolecall-<unix seconds>`, like the AWS CLI's `botocore-session-<unix seconds>`: distinct per
/// session in CloudTrail, and attributable to rolecall.
fn default_session_name(ctx: &Context) -> String {
    let secs = ctx
        .now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("rolecall-{secs}")
}

#[cfg(test)]
mod tests;
