//! `rolecall login`, `rolecall logout` and `rolecall status`: IAM Identity Center's session
//! commands. Prompts go to the terminal; stdout gets only what `logout` and `status` report.

use crate::aws::chain::{self, Plan, SsoSession, Step};
use crate::aws::config::Profiles;
use crate::aws::env::EnvInputs;
use crate::aws::service::Aws;
use crate::aws::sso::login::LoginOptions;
use crate::aws::sso::session::LOGIN_WAIT;
use crate::aws::sso::session::{REFRESH_WINDOW, Tokens, lock_key};
use crate::aws::sso::token::TokenStore;
use crate::aws::sso::{SsoCalls, SsoFailureKind};
use crate::cache::Cache;
use crate::cli::{LoginArgs, LogoutArgs, StatusArgs};
use crate::context::Context;
use crate::credentials::format_rfc3339;
use crate::error::{ProfileError, Result};
use crate::obtain;
use crate::prompt::Tty;
use std::fmt::Write;
use std::time::SystemTime;
use zeroize::Zeroizing;

/// The session `--sso-session NAME` names, else the one of the profile's SSO base.
fn session_of(
    ctx: &Context,
    profiles: &Profiles,
    sso_session: Option<&str>,
    profile: Option<&str>,
) -> Result<SsoSession> {
    let env = EnvInputs::from_context(ctx);
    if let Some(name) = sso_session {
        return Ok(chain::named_sso_session(profiles, name, &env)?);
    }
    let name = super::profile_name(ctx, profile);
    let plan = chain::resolve(profiles, &name, &env)?;
    match &plan.steps[0] {
        Step::Sso(s) => Ok(s.session.clone()),
        _ => Err(ProfileError::Invalid {
            profile: name,
            message: "does not use IAM Identity Center (no `sso_session` or `sso_start_url` in its chain)".into(),
            help: "name a profile with `sso_session`, or the session itself with `--sso-session NAME`".into(),
        }
        .into()),
    }
}

pub fn login(ctx: &Context, args: LoginArgs) -> Result<Zeroizing<Vec<u8>>> {
    let profiles = Profiles::load(ctx)?;
    let session = session_of(
        ctx,
        &profiles,
        args.sso_session.as_deref(),
        args.profile.as_deref(),
    )?;
    let cache = Cache::from_context(ctx, false)?;
    let tokens = Tokens {
        ctx,
        store: TokenStore::new(ctx)?,
        cache: &cache,
        login: LoginOptions {
            device_code: args.device_code,
            no_browser: args.no_browser,
        },
    };
    tokens.login(&session, &Aws::default(), &mut Tty::default())?;
    Ok(Zeroizing::new(Vec::new()))
}

pub fn logout(ctx: &Context, args: LogoutArgs) -> Result<Zeroizing<Vec<u8>>> {
    let profiles = Profiles::load(ctx)?;
    let sessions = if args.all {
        chain::all_sso_sessions(&profiles, &EnvInputs::from_context(ctx))
    } else {
        vec![session_of(
            ctx,
            &profiles,
            args.sso_session.as_deref(),
            args.profile.as_deref(),
        )?]
    };
    let cache = Cache::from_context(ctx, false)?;
    let store = TokenStore::new(ctx)?;
    let aws = Aws::default();
    let mut out = String::new();
    for session in &sessions {
        let _ = writeln!(out, "{}", sign_out(ctx, session, &store, &cache, &aws)?);
    }
    if sessions.is_empty() {
        out.push_str("no IAM Identity Center session in the config\n");
    }
    Ok(Zeroizing::new(out.into_bytes()))
}

/// End one session as `aws sso logout` does (the portal's `Logout`, the token file gone), and
/// remove rolecall's cached credentials that came from it; one line of what was done.
fn sign_out(
    ctx: &Context,
    session: &SsoSession,
    store: &TokenStore,
    cache: &Cache,
    calls: &dyn SsoCalls,
) -> Result<String> {
    // Under the session's lock, waiting as long as a login may take: a login still running
    // elsewhere would otherwise write a new token after this one was removed. No lock, no
    // sign-out (a half sign-out would be reported as done).
    let _lock = cache.token_locks(LOGIN_WAIT).lock(
        &lock_key(session),
        &format!("signing out of {}", session.describe()),
        &mut Tty::default(),
    )?;
    let mut done = Vec::new();
    if let Some(token) = store.read_token(ctx, session) {
        match calls.logout(session, &token.access_token) {
            Ok(()) => done.push("ended the session".to_owned()),
            // A token the portal no longer knows has no session left to end.
            Err(f) if f.kind == SsoFailureKind::Unauthorized => {}
            Err(f) => ctx.warn(format_args!(
                "the portal's Logout for {} failed ({}); removing the token anyway",
                session.describe(),
                f.message
            )),
        }
    }
    if store.remove_token(session) {
        done.push(format!("removed {}", store.token_path(session).display()));
    }
    let base =
        serde_json::json!(["GetRoleCredentials", session.name, session.start_url]).to_string();
    let prefix = base.trim_end_matches(']');
    let removed = cache.remove_matching(|descriptor| {
        descriptor
            .lines()
            .nth(1)
            .is_some_and(|line| line.starts_with(prefix) && line[prefix.len()..].starts_with(','))
    });
    if removed > 0 {
        done.push(format!(
            "removed {removed} cached credential{}",
            if removed == 1 { "" } else { "s" }
        ));
    }
    if done.is_empty() {
        Ok(format!("{}: not signed in", session.describe()))
    } else {
        Ok(format!("{}: {}", session.describe(), done.join(", ")))
    }
}

pub fn status(ctx: &Context, args: StatusArgs) -> Result<Zeroizing<Vec<u8>>> {
    let profiles = Profiles::load(ctx)?;
    let name = super::profile_name(ctx, args.profile.as_deref());
    let plan: Plan = chain::resolve(&profiles, &name, &EnvInputs::from_context(ctx))?;
    let cache = Cache::from_context(ctx, false)?;
    let now = ctx.now();
    let mut out = format!("profile `{}`\n", plan.profile);
    if let Step::Sso(s) = &plan.steps[0] {
        let store = TokenStore::new(ctx)?;
        let path = store.token_path(&s.session);
        let line = match store.read_token(ctx, &s.session) {
            None => format!("no token ({} is missing)", path.display()),
            Some(t) => {
                let refresh = if t.refresh_with(&s.session, now).is_some() {
                    "refreshable"
                } else {
                    "not refreshable"
                };
                let state = match t.expiry() {
                    None => "expiry unreadable".to_owned(),
                    Some(e) => format!("expires {}  {}", format_rfc3339(e), left(e, now)),
                };
                let renewable = t.refresh_with(&s.session, now).is_some();
                let renew = match (t.left(now) <= REFRESH_WINDOW, renewable) {
                    (false, _) => String::new(),
                    (true, true) => ", renewed on next use".to_owned(),
                    (true, false) => match &s.session.name {
                        Some(n) => format!(", needs `rolecall login --sso-session {n}`"),
                        None => format!(", needs `rolecall login {}`", plan.profile),
                    },
                };
                format!("{state}, {refresh}{renew}  {}", path.display())
            }
        };
        let _ = writeln!(out, "  token of {}: {line}", s.session.describe());
    }
    for (step, key) in plan.steps.iter().zip(obtain::cache_keys(&plan)) {
        let state = match key.as_ref().map(|k| cache.expiry(k)) {
            None => "not cached".to_owned(),
            Some(None) => "no cached credentials".to_owned(),
            Some(Some(e)) => format!("expires {}  {}", format_rfc3339(e), left(e, now)),
        };
        let _ = writeln!(out, "  {}: {state}", step.describe());
    }
    Ok(Zeroizing::new(out.into_bytes()))
}

fn left(at: SystemTime, now: SystemTime) -> String {
    match at.duration_since(now) {
        Ok(d) => {
            let s = d.as_secs();
            if s >= 3600 {
                format!("({}h{:02}m left)", s / 3600, s % 3600 / 60)
            } else {
                format!("({}m{:02}s left)", s / 60, s % 60)
            }
        }
        Err(_) => "(expired)".to_owned(),
    }
}
