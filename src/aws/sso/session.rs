//! A usable token for a session, for everyone at once.
//!
//! A token with more than the refresh window left is used as it is, with no lock (the common
//! case). Otherwise the session's lock is taken, the file read again (another process may have
//! just refreshed it or logged in), and then, in order: the `refresh_token` grant when the token
//! allows it, the old token while it still has a little life, a login on the terminal when there
//! is one. N processes that find an expired token make one refresh or one login; the others wait,
//! saying so on the terminal, and read the new token.

use super::login::{self, LoginOptions};
use super::token::{TokenFile, TokenStore, new_token_file, token_file_name};
use super::{Grant, SsoCalls, SsoError};
use crate::aws::chain::SsoSession;
use crate::cache::{Cache, Key};
use crate::context::Context;
use crate::error::Result;
use crate::prompt::Prompt;
use crate::secret::Secret;
use std::time::Duration;

/// Refresh when this little is left: before botocore's (15 min, advisory) and the Rust SDK's
/// (5 min) own windows, so that they never race rolecall for the refresh.
pub const REFRESH_WINDOW: Duration = Duration::from_secs(15 * 60);
/// A token with less than this left is not used for a call.
const MIN_USABLE: Duration = Duration::from_secs(60);
/// How long a process waits for another's login (a PKCE login may take its whole 10 minutes).
pub const LOGIN_WAIT: Duration = Duration::from_secs(11 * 60);

/// The services a session's token needs.
#[derive(Debug)]
pub struct Tokens<'a> {
    pub ctx: &'a Context,
    pub store: TokenStore,
    pub cache: &'a Cache,
    pub login: LoginOptions,
}

/// The key of a session's lock: one per token file.
pub fn lock_key(session: &SsoSession) -> Key {
    Key::new(format!(
        "rolecall-sso-token-v1\n{}",
        token_file_name(session)
    ))
}

/// The command that logs a session in, for messages.
pub fn login_command(session: &SsoSession, profile: &str) -> String {
    match &session.name {
        Some(name) => format!("rolecall login --sso-session {name}"),
        None => format!("rolecall login {profile}"),
    }
}

impl Tokens<'_> {
    /// The session's lock, waited for as long as a login may take.
    fn lock(
        &self,
        session: &SsoSession,
        prompt: &mut dyn Prompt,
    ) -> Result<Option<crate::cache::lock::StepLock>> {
        self.cache.waiting_at_least(LOGIN_WAIT).lock(
            &lock_key(session),
            &format!("signing in to {}", session.describe()),
            prompt,
        )
    }

    /// A token for `session` with some life left: as cached, refreshed, or from a new login on
    /// the terminal. `dead` is a token the portal refused: it is not used again.
    pub fn token(
        &self,
        session: &SsoSession,
        profile: &str,
        calls: &dyn SsoCalls,
        prompt: &mut dyn Prompt,
        dead: Option<&Secret<String>>,
    ) -> Result<TokenFile> {
        let ctx = self.ctx;
        let is_dead = |t: &TokenFile| dead.is_some_and(|d| d.expose() == t.access_token.expose());
        if let Some(t) = self.store.read_token(ctx, session)
            && !is_dead(&t)
            && t.left(ctx.now()) > REFRESH_WINDOW
        {
            return Ok(t);
        }
        let _lock = self.lock(session, prompt)?;
        let current = self.store.read_token(ctx, session);
        if let Some(t) = &current {
            let now = ctx.now();
            if !is_dead(t) && t.left(now) > REFRESH_WINDOW {
                ctx.debug(format_args!(
                    "the token of {} was renewed by another process meanwhile",
                    session.describe()
                ));
                return Ok(t.clone());
            }
            if let Some(reg) = t.refresh_with(session, now) {
                let refresh = t.refresh_token.as_ref().expect("refresh_with checked it");
                match calls.create_token(session, &reg, Grant::RefreshToken(refresh)) {
                    Ok(new) => {
                        ctx.debug(format_args!(
                            "refreshed the token of {}",
                            session.describe()
                        ));
                        let file = new_token_file(session, new, &reg, ctx.now(), Some(t));
                        if let Err(e) = self.store.write_token(session, &file) {
                            ctx.warn(format_args!("{e}; the refreshed token is not cached"));
                        }
                        return Ok(file);
                    }
                    Err(f) => ctx.debug(format_args!(
                        "cannot refresh the token of {}: {}",
                        session.describe(),
                        f.message
                    )),
                }
            }
            if !is_dead(t) && t.left(now) > MIN_USABLE {
                return Ok(t.clone());
            }
        }
        let reason = match (&current, dead) {
            (_, Some(_)) => "the portal no longer accepts its token",
            (None, None) => "there is no cached token",
            (Some(_), None) => "its token has expired",
        };
        if !prompt.available() {
            return Err(SsoError::NeedsLogin {
                session: session.describe(),
                login: login_command(session, profile),
                reason: format!("{reason}, and there is no terminal to sign in on"),
            }
            .into());
        }
        prompt.say(&format!(
            "rolecall: {} needs a login ({reason})",
            session.describe()
        ));
        login::login(ctx, session, &self.store, calls, prompt, &self.login)
    }

    /// Log in (`rolecall login`), under the session's lock; a process that waited for another's
    /// login uses its token instead of starting a second one.
    pub fn login(
        &self,
        session: &SsoSession,
        calls: &dyn SsoCalls,
        prompt: &mut dyn Prompt,
    ) -> Result<TokenFile> {
        let lock = self.lock(session, prompt)?;
        if lock.as_ref().is_some_and(|l| l.waited)
            && let Some(t) = self.store.read_token(self.ctx, session)
            && t.left(self.ctx.now()) > REFRESH_WINDOW
        {
            return Ok(t);
        }
        login::login(self.ctx, session, &self.store, calls, prompt, &self.login)
    }
}
