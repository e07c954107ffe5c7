//! One module per subcommand. Each returns the bytes for stdout (or, for `exec`, never returns);
//! `lib.rs` writes them in one place.

pub mod cache;
pub mod credential_process;
pub mod env;
pub mod exec;
pub mod profiles;

use crate::aws::chain;
use crate::aws::config::{self, Profiles};
use crate::cache::{Cache, Hint, Lookup, hint_id};
use crate::cli::FetchArgs;
use crate::context::{Context, MAX_DEPTH};
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::obtain::{self, Options};
use crate::secret::Secret;
use zeroize::Zeroizing;

/// The profile named on the command line, else `AWS_PROFILE`, else `default`.
pub fn profile_name(ctx: &Context, named: Option<&str>) -> String {
    named
        .or_else(|| ctx.var("AWS_PROFILE"))
        .or_else(|| ctx.var("AWS_DEFAULT_PROFILE"))
        .unwrap_or("default")
        .to_owned()
}

/// What `env` and `exec` print besides the credentials.
#[derive(Debug, Clone)]
pub struct Session {
    pub profile: String,
    /// The region from the profiles, if any (the environment's is the fallback).
    pub region: Option<String>,
}

/// Everything between a profile name and credentials: the recursion guard, the fast path
/// through a hint, else the config files, the plan, and walking it.
pub fn fetch(ctx: &Context, profile: &str, args: FetchArgs) -> Result<(Session, Credentials)> {
    let active = ctx.active_profiles();
    if active.iter().any(|p| p == profile) || active.len() >= MAX_DEPTH {
        return Err(Error::Recursion {
            active,
            profile: profile.to_owned(),
        });
    }
    let cache = Cache::from_context(ctx, args.no_cache)?;
    // The fast path: config files unchanged since the hint was written, so the final step's
    // entry is known without reading them.
    let hint_id = hint_id(ctx, profile, &config::file_paths(ctx)?);
    let hint = hint_id.as_deref().and_then(|id| cache.read_hint(id));
    if let Some(h) = hint.as_ref().filter(|h| h.profile == profile)
        && let Lookup::Fresh(creds) = cache.read_hash(&h.entry, ctx.now())
    {
        ctx.debug(format_args!(
            "cache hit for profile `{profile}` (config unchanged)"
        ));
        let session = Session {
            profile: h.profile.clone(),
            region: h.region.clone(),
        };
        return Ok((session, creds));
    }
    let profiles = Profiles::load(ctx)?;
    if profile == "default" && profiles.get("default").is_none() && profiles.is_empty() {
        return Err(Error::NoProfileNamed);
    }
    let plan = chain::resolve(&profiles, profile)?;
    ctx.debug(format_args!(
        "profile `{profile}`: base from `{}`, {} role hop(s)",
        plan.base.profile(),
        plan.hops.len()
    ));
    let opts = Options {
        mfa_code: args.mfa_code.map(Secret::from),
    };
    let obtained = obtain::obtain(ctx, &plan, &opts, &cache)?;
    let session = Session {
        profile: plan.profile.clone(),
        region: plan.region.clone(),
    };
    if let (Some(id), Some(entry)) = (&hint_id, obtained.entry) {
        let fresh = Hint {
            id: id.clone(),
            entry,
            profile: session.profile.clone(),
            region: session.region.clone(),
        };
        if hint.as_ref() != Some(&fresh) {
            cache.write_hint(&fresh);
        }
    }
    Ok((session, obtained.credentials))
}

/// The variables a session sets (`Some`) or clears (`None`), in output order.
pub fn session_vars(
    ctx: &Context,
    session: &Session,
    creds: &Credentials,
) -> Vec<(&'static str, Option<Zeroizing<String>>)> {
    let z = |s: String| Some(Zeroizing::new(s));
    let region = session.region.clone().or_else(|| obtain::env_region(ctx));
    let mut vars = vec![
        ("AWS_ACCESS_KEY_ID", z(creds.access_key_id.clone())),
        (
            "AWS_SECRET_ACCESS_KEY",
            z(creds.secret_access_key.expose().clone()),
        ),
        (
            "AWS_SESSION_TOKEN",
            creds
                .session_token
                .as_ref()
                .and_then(|t| z(t.expose().clone())),
        ),
        (
            "AWS_CREDENTIAL_EXPIRATION",
            creds.expiration_rfc3339().and_then(z),
        ),
    ];
    if let Some(region) = region {
        vars.push(("AWS_REGION", z(region.clone())));
        vars.push(("AWS_DEFAULT_REGION", z(region)));
    }
    vars.push(("ROLECALL_PROFILE", z(session.profile.clone())));
    for stale in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"] {
        vars.push((stale, None));
    }
    vars
}

/// What `env --unset` clears, and what `exec` scrubs before setting its own.
pub const SESSION_VARS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "ROLECALL_PROFILE",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
];
