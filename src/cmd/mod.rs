//! One module per subcommand. Each returns the bytes for stdout (or, for `exec`, never returns);
//! `lib.rs` writes them in one place.

pub mod cache;
pub mod credential_process;
pub mod env;
pub mod exec;
pub mod profiles;

use crate::aws::chain::{self, Plan};
use crate::aws::config::Profiles;
use crate::cache::Cache;
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

/// Everything between a profile name and credentials: the recursion guard, the config files,
/// the plan, and walking it.
pub fn fetch(ctx: &Context, profile: &str, args: FetchArgs) -> Result<(Plan, Credentials)> {
    let active = ctx.active_profiles();
    if active.iter().any(|p| p == profile) || active.len() >= MAX_DEPTH {
        return Err(Error::Recursion {
            active,
            profile: profile.to_owned(),
        });
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
    let cache = Cache::from_context(ctx, args.no_cache)?;
    let opts = Options {
        mfa_code: args.mfa_code.map(Secret::from),
    };
    let creds = obtain::obtain(ctx, &plan, &opts, &cache)?;
    Ok((plan, creds))
}

/// The variables a session sets (`Some`) or clears (`None`), in output order.
pub fn session_vars(
    ctx: &Context,
    plan: &Plan,
    creds: &Credentials,
) -> Vec<(&'static str, Option<Zeroizing<String>>)> {
    let z = |s: String| Some(Zeroizing::new(s));
    let region = obtain::region(ctx, plan);
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
    vars.push(("ROLECALL_PROFILE", z(plan.profile.clone())));
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
