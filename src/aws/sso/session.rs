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
use super::{Grant, SsoCalls, SsoError, SsoFailureKind};
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
        self.cache.token_locks(LOGIN_WAIT).lock(
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
            let mut refresh_failed = None;
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
                    Err(f) => {
                        ctx.debug(format_args!(
                            "cannot refresh the token of {}: {}",
                            session.describe(),
                            f.message
                        ));
                        refresh_failed = Some(f);
                    }
                }
            }
            if !is_dead(t) && t.left(now) > MIN_USABLE {
                return Ok(t.clone());
            }
            // The refresh token is fine and the service could not be reached: that is an outage
            // (cached role credentials may ride it out), not a reason to sign in again.
            if let Some(f) = refresh_failed.filter(|f| {
                matches!(
                    f.kind,
                    SsoFailureKind::Unreachable
                        | SsoFailureKind::Timeout
                        | SsoFailureKind::Throttled
                )
            }) {
                return Err(SsoError::Call {
                    what: "CreateToken (refresh)".into(),
                    session: session.describe(),
                    failure: f.kind,
                    message: f.message,
                }
                .into());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::sso::{
        Account, DeviceAuthorization, NewToken, Page, RegisterRequest, Registration, SsoFailure,
    };
    use crate::aws::sts::Issued;
    use crate::credentials::format_rfc3339;
    use crate::prompt::Prompt;
    use std::cell::RefCell;
    use std::ffi::OsString;
    use zeroize::Zeroizing;

    /// Records the grants asked for; answers refreshes from `refresh`.
    #[derive(Default)]
    struct Calls {
        grants: RefCell<Vec<&'static str>>,
        refresh: RefCell<Option<Result<NewToken, SsoFailure>>>,
    }

    impl SsoCalls for Calls {
        fn register_client(
            &self,
            _: &SsoSession,
            _: &RegisterRequest,
        ) -> Result<Registration, SsoFailure> {
            unreachable!("no login in these tests")
        }
        fn start_device_authorization(
            &self,
            _: &SsoSession,
            _: &Registration,
        ) -> Result<DeviceAuthorization, SsoFailure> {
            unreachable!("no login in these tests")
        }
        fn create_token(
            &self,
            _: &SsoSession,
            _: &Registration,
            grant: Grant<'_>,
        ) -> Result<NewToken, SsoFailure> {
            self.grants.borrow_mut().push(grant.grant_type());
            self.refresh
                .borrow_mut()
                .take()
                .expect("one refresh scripted")
        }
        fn get_role_credentials(
            &self,
            _: &SsoSession,
            _: &Secret<String>,
            _: &str,
            _: &str,
        ) -> Result<Issued, SsoFailure> {
            unreachable!()
        }
        fn logout(&self, _: &SsoSession, _: &Secret<String>) -> Result<(), SsoFailure> {
            unreachable!()
        }
        fn list_accounts(
            &self,
            _: &SsoSession,
            _: &Secret<String>,
            _: Option<&str>,
        ) -> Result<Page<Account>, SsoFailure> {
            unreachable!()
        }
        fn list_account_roles(
            &self,
            _: &SsoSession,
            _: &Secret<String>,
            _: &str,
            _: Option<&str>,
        ) -> Result<Page<String>, SsoFailure> {
            unreachable!()
        }
    }

    /// No terminal: nobody to log in.
    #[derive(Debug)]
    struct NoTerminal;

    impl Prompt for NoTerminal {
        fn available(&mut self) -> bool {
            false
        }
        fn say(&mut self, _: &str) {}
        fn ask_secret(&mut self, _: &str) -> Option<Zeroizing<String>> {
            None
        }
    }

    struct Setup {
        _home: tempfile::TempDir,
        ctx: Context,
        cache: Cache,
        session: SsoSession,
    }

    fn setup(name: Option<&str>) -> Setup {
        let home = tempfile::tempdir().unwrap();
        let env: Vec<(OsString, OsString)> = vec![
            ("HOME".into(), home.path().into()),
            (
                "ROLECALL_CACHE_DIR".into(),
                home.path().join("cache").into(),
            ),
        ];
        let ctx = Context::from_os_env(env);
        let cache = Cache::from_context(&ctx, false).unwrap();
        let session = SsoSession {
            name: name.map(str::to_owned),
            start_url: "https://d-abc123.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            scopes: None,
            oidc_endpoint: None,
            portal_endpoint: None,
        };
        Setup {
            _home: home,
            ctx,
            cache,
            session,
        }
    }

    fn token_file(s: &Setup, left: Duration, refreshable: bool) -> TokenFile {
        let now = s.ctx.now();
        TokenFile {
            start_url: s.session.start_url.clone(),
            region: s.session.region.clone(),
            access_token: Secret::from("fake-old-token"),
            expires_at: format_rfc3339(now + left),
            client_id: refreshable.then(|| "fake-client".to_owned()),
            client_secret: refreshable.then(|| Secret::from("fake-client-secret")),
            registration_expires_at: refreshable
                .then(|| format_rfc3339(now + Duration::from_secs(86400))),
            refresh_token: refreshable.then(|| Secret::from("fake-refresh-token")),
            other: Default::default(),
        }
    }

    fn tokens(s: &Setup) -> Tokens<'_> {
        Tokens {
            ctx: &s.ctx,
            store: TokenStore::new(&s.ctx).unwrap(),
            cache: &s.cache,
            login: Default::default(),
        }
    }

    #[test]
    fn a_fresh_token_is_used_without_a_call_or_a_lock() {
        let s = setup(Some("corp"));
        let t = tokens(&s);
        t.store
            .write_token(&s.session, &token_file(&s, Duration::from_secs(3600), true))
            .unwrap();
        let calls = Calls::default();
        let got = t
            .token(&s.session, "p", &calls, &mut NoTerminal, None)
            .unwrap();
        assert_eq!(got.access_token.expose(), "fake-old-token");
        assert!(calls.grants.borrow().is_empty());
        assert!(
            !s._home.path().join("cache").join("locks").exists(),
            "no lock taken"
        );
    }

    #[test]
    fn an_expiring_session_token_is_refreshed_keeping_its_refresh_token() {
        let s = setup(Some("corp"));
        let t = tokens(&s);
        t.store
            .write_token(&s.session, &token_file(&s, Duration::from_secs(600), true))
            .unwrap();
        let calls = Calls::default();
        *calls.refresh.borrow_mut() = Some(Ok(NewToken {
            access_token: Secret::from("fake-new-token"),
            expires_in: 3600,
            refresh_token: None,
        }));
        let got = t
            .token(&s.session, "p", &calls, &mut NoTerminal, None)
            .unwrap();
        assert_eq!(*calls.grants.borrow(), ["refresh_token"]);
        assert_eq!(got.access_token.expose(), "fake-new-token");
        let stored = t.store.read_token(&s.ctx, &s.session).unwrap();
        assert_eq!(stored.access_token.expose(), "fake-new-token");
        assert_eq!(stored.refresh_token.unwrap().expose(), "fake-refresh-token");
        assert!(stored.expires_at.ends_with('Z'));
    }

    #[test]
    fn a_legacy_token_is_not_refreshed_and_an_expired_one_needs_a_login() {
        let s = setup(None);
        let t = tokens(&s);
        // Even with what a refresh needs in the file.
        t.store
            .write_token(&s.session, &token_file(&s, Duration::from_secs(600), true))
            .unwrap();
        let calls = Calls::default();
        t.token(&s.session, "legacy", &calls, &mut NoTerminal, None)
            .unwrap();
        assert!(calls.grants.borrow().is_empty());
        t.store
            .write_token(&s.session, &token_file(&s, Duration::ZERO, false))
            .unwrap();
        let err = t
            .token(&s.session, "legacy", &calls, &mut NoTerminal, None)
            .unwrap_err();
        assert!(err.needs_login());
        assert_eq!(
            err.help().as_deref(),
            Some("run `rolecall login legacy` in a terminal")
        );
    }

    #[test]
    fn a_dead_token_is_not_used_again() {
        let s = setup(Some("corp"));
        let t = tokens(&s);
        let file = token_file(&s, Duration::from_secs(3600), false);
        t.store.write_token(&s.session, &file).unwrap();
        let err = t
            .token(
                &s.session,
                "p",
                &Calls::default(),
                &mut NoTerminal,
                Some(&file.access_token),
            )
            .unwrap_err();
        assert!(
            err.to_string().contains("no longer accepts its token"),
            "{err}"
        );
        assert!(matches!(
            err,
            crate::error::Error::Sso(SsoError::NeedsLogin { .. })
        ));
    }
}
