//! One module per subcommand. Each returns the bytes for stdout (or, for `exec`, never returns);
//! `lib.rs` writes them in one place.

pub mod cache;
pub mod complete;
pub mod console;
pub mod credential_process;
pub mod env;
pub mod exec;
pub mod init;
pub mod profiles;
pub mod serve;
pub mod sso;
pub mod sso_profiles;

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

/// Where an exported variable's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    AccessKeyId,
    SecretAccessKey,
    /// Cleared for long-term keys.
    SessionToken,
    /// Cleared for long-term keys.
    Expiration,
    /// The plan's region (the chain's, else the environment's); not set when neither has one.
    Region,
    Profile,
    /// Always cleared: it would make an SDK pick other credentials.
    Cleared,
}

/// The one list of the variables a session sets or clears, in output order: `env` prints them,
/// `env --unset` clears them all, `exec` scrubs them all before setting its own.
const EXPORTED: &[(&str, Value)] = &[
    ("AWS_ACCESS_KEY_ID", Value::AccessKeyId),
    ("AWS_SECRET_ACCESS_KEY", Value::SecretAccessKey),
    ("AWS_SESSION_TOKEN", Value::SessionToken),
    ("AWS_CREDENTIAL_EXPIRATION", Value::Expiration),
    ("AWS_REGION", Value::Region),
    ("AWS_DEFAULT_REGION", Value::Region),
    ("ROLECALL_PROFILE", Value::Profile),
    ("AWS_PROFILE", Value::Cleared),
    ("AWS_DEFAULT_PROFILE", Value::Cleared),
    ("AWS_SECURITY_TOKEN", Value::Cleared),
];

/// The names of every variable a session sets or clears.
pub fn exported_names() -> impl Iterator<Item = &'static str> {
    EXPORTED.iter().map(|(name, _)| *name)
}

/// What a credential server's child is given besides the server's two variables: the region
/// and the profile name, never keys (the exported key variables are scrubbed from it).
pub fn session_vars_without_keys(session: &Session) -> Vec<(&'static str, Zeroizing<String>)> {
    EXPORTED
        .iter()
        .filter_map(|(name, v)| {
            let value = match v {
                Value::Region => session.region.clone()?,
                Value::Profile => session.profile.clone(),
                _ => return None,
            };
            Some((*name, Zeroizing::new(value)))
        })
        .collect()
}

/// The variables a session sets (`Some`) or clears (`None`), in output order. A region that
/// neither the chain nor the environment has is left out rather than cleared.
pub fn session_vars(
    session: &Session,
    creds: &Credentials,
) -> Vec<(&'static str, Option<Zeroizing<String>>)> {
    let region = &session.region;
    EXPORTED
        .iter()
        .filter(|(_, v)| *v != Value::Region || region.is_some())
        .map(|(name, v)| {
            let value = match v {
                Value::AccessKeyId => Some(creds.access_key_id.clone()),
                Value::SecretAccessKey => Some(creds.secret_access_key.expose().clone()),
                Value::SessionToken => creds.session_token.as_ref().map(|t| t.expose().clone()),
                Value::Expiration => creds.expiration_rfc3339(),
                Value::Region => region.clone(),
                Value::Profile => Some(session.profile.clone()),
                Value::Cleared => None,
            };
            (*name, value.map(Zeroizing::new))
        })
        .collect()
}
