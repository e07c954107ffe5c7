//! The IAM Identity Center base: a usable token for its session (see `aws::sso::session`), then
//! `GetRoleCredentials`. A token the portal refuses (401) is dead: log in again, once, instead
//! of failing.

use super::*;
use crate::aws::chain::SsoStep;
use crate::aws::sso::session::Tokens;
use crate::aws::sso::token::TokenStore;
use crate::aws::sso::{SsoError, SsoFailure};

pub(super) fn role_credentials(
    ctx: &Context,
    step: &SsoStep,
    cache: &Cache,
    calls: &dyn AwsCalls,
    prompt: &mut dyn Prompt,
) -> Result<Issued> {
    let tokens = Tokens {
        ctx,
        store: TokenStore::new(ctx)?,
        cache,
        login: Default::default(),
    };
    let session = &step.session;
    let to_error = |f: SsoFailure| -> Error {
        SsoError::Call {
            what: step.call(),
            session: session.describe(),
            failure: f.kind,
            message: f.message,
        }
        .into()
    };
    let token = tokens.token(session, &step.profile, calls, prompt, None)?;
    ctx.debug(format_args!(
        "GetRoleCredentials `{}` in {} with the token of {}",
        step.role_name,
        step.account_id,
        session.describe()
    ));
    let call = |t: &Secret<String>| {
        calls.get_role_credentials(session, t, &step.account_id, &step.role_name)
    };
    match call(&token.access_token).map_err(to_error) {
        Ok(issued) => Ok(issued),
        Err(e) if e.needs_login() => {
            ctx.debug(format_args!(
                "the portal refused the token of {}: signing in again",
                session.describe()
            ));
            let token = tokens.token(
                session,
                &step.profile,
                calls,
                prompt,
                Some(&token.access_token),
            )?;
            call(&token.access_token).map_err(to_error)
        }
        Err(e) => Err(e),
    }
}
