//! The use-case: a profile name in, credentials out. The recursion guard, the hint fast path,
//! the config, the plan, the walk, the hint write. `cmd/*` only parse and render around it; one
//! process may call it many times (a credential server, a `login` command).

use crate::aws::chain;
use crate::aws::config::{self, Profiles};
use crate::aws::env::EnvInputs;
use crate::aws::service::Aws;
use crate::cache::{Cache, Hint, Lookup, hint_id};
use crate::context::{Context, MAX_DEPTH};
use crate::credentials::Credentials;
use crate::error::{Error, ProfileError, Result};
use crate::obtain::{self, Options};
use crate::prompt::Tty;
use crate::secret::Secret;

/// What a caller asks for.
#[derive(Debug, Default)]
pub struct Request {
    pub profile: String,
    /// `--mfa-code`.
    pub mfa_code: Option<Secret<String>>,
    /// `--no-cache`.
    pub no_cache: bool,
}

/// What `env` and `exec` print besides the credentials.
#[derive(Debug, Clone)]
pub struct Session {
    pub profile: String,
    /// The plan's region: the profiles', else the environment's.
    pub region: Option<String>,
}

/// Resolves profiles to credentials against the services it holds.
#[derive(Debug)]
pub struct Resolver<'a> {
    ctx: &'a Context,
    aws: Aws,
}

impl<'a> Resolver<'a> {
    pub fn new(ctx: &'a Context) -> Self {
        Resolver {
            ctx,
            aws: Aws::default(),
        }
    }

    pub fn credentials(&self, req: &Request) -> Result<(Session, Credentials)> {
        let ctx = self.ctx;
        let profile = req.profile.as_str();
        let active = ctx.active_profiles();
        if active.iter().any(|p| p == profile) || active.len() >= MAX_DEPTH {
            return Err(Error::Recursion {
                active,
                profile: profile.to_owned(),
            });
        }
        let cache = Cache::from_context(ctx, req.no_cache)?;
        let env = EnvInputs::from_context(ctx);
        // The fast path: config files and environment unchanged since the hint was written, so
        // the final step's entry is known without reading the files.
        let hint_id = hint_id(profile, &config::file_paths(ctx)?, &env.fingerprint());
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
            return Err(ProfileError::NoProfileNamed.into());
        }
        let plan = chain::resolve(&profiles, profile, &env)?;
        ctx.debug(format_args!(
            "profile `{profile}`: {} step(s): {}",
            plan.steps.len(),
            plan.steps
                .iter()
                .map(|s| s.describe())
                .collect::<Vec<_>>()
                .join(", then ")
        ));
        let opts = Options {
            mfa_code: req.mfa_code.clone(),
        };
        let mut prompt = Tty::default();
        let obtained = obtain::obtain(ctx, &plan, &opts, &cache, &self.aws, &mut prompt)?;
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
}
