//! One module per subcommand. Each returns the bytes for stdout (or, for `exec`, never returns);
//! `lib.rs` writes them in one place.

pub mod cache;
pub mod credential_process;
pub mod env;
pub mod exec;
pub mod profiles;

use crate::cli::FetchArgs;
use crate::context::Context;
use crate::credentials::Credentials;
use crate::error::Result;
pub use crate::resolve::Session;
use crate::resolve::{Request, Resolver};
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

/// Resolve the profile for a fetching command (`credential-process`, `env`, `exec`).
pub fn fetch(ctx: &Context, profile: &str, args: FetchArgs) -> Result<(Session, Credentials)> {
    let request = Request {
        profile: profile.to_owned(),
        mfa_code: args.mfa_code.map(Secret::from),
        no_cache: args.no_cache,
    };
    Resolver::new(ctx).credentials(&request)
}

/// The variables a session sets (`Some`) or clears (`None`), in output order.
pub fn session_vars(
    ctx: &Context,
    session: &Session,
    creds: &Credentials,
) -> Vec<(&'static str, Option<Zeroizing<String>>)> {
    let z = |s: String| Some(Zeroizing::new(s));
    let region = session.region.clone().or_else(|| {
        ctx.var("AWS_REGION")
            .or_else(|| ctx.var("AWS_DEFAULT_REGION"))
            .map(str::to_owned)
    });
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
