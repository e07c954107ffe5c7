//! The AWS service: the one owner of the async runtime. A cache hit builds none; the first step
//! that must call AWS builds it, and every later call in this process reuses it.

use crate::aws::chain::{RoleHop, SsoSession};
use crate::aws::sso::{
    self, Account, DeviceAuthorization, Grant, NewToken, Page, RegisterRequest, Registration,
    SsoCalls, SsoFailure, SsoFailureKind,
};
use crate::aws::sts::{self, Failure, Issued, StsCalls, Target};
use crate::credentials::Credentials;
use crate::error::{Error, Result, StsFailure};
use crate::secret::Secret;
use std::cell::OnceCell;
use std::future::Future;

#[derive(Debug, Default)]
pub struct Aws {
    runtime: OnceCell<tokio::runtime::Runtime>,
}

impl Aws {
    /// Build the runtime if it is not yet built; call before [`Aws::block_on`].
    pub fn ready(&self) -> Result<()> {
        if self.runtime.get().is_none() {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|source| Error::Io {
                    what: "cannot start the async runtime".into(),
                    source,
                })?;
            let _ = self.runtime.set(rt);
        }
        Ok(())
    }

    /// Run one AWS call to completion: the only `block_on` in the crate, so callers stay
    /// synchronous. (A caller that is itself async, such as a credential server, will need an
    /// async entry beside this one.)
    pub fn block_on<F: Future>(&self, call: F) -> F::Output {
        self.runtime
            .get()
            .expect("`Aws::ready` is called before any AWS call")
            .block_on(call)
    }
}

impl StsCalls for Aws {
    fn assume_role(
        &self,
        source: &Credentials,
        target: &Target,
        hop: &RoleHop,
        session_name: &str,
        code: Option<&Secret<String>>,
    ) -> Result<Issued, Failure> {
        self.ready().map_err(runtime_failure)?;
        self.block_on(sts::assume_role(source, target, hop, session_name, code))
    }

    fn get_session_token(
        &self,
        source: &Credentials,
        target: &Target,
        serial: &str,
        code: &Secret<String>,
        duration_seconds: i32,
    ) -> Result<Issued, Failure> {
        self.ready().map_err(runtime_failure)?;
        self.block_on(sts::get_session_token(
            source,
            target,
            serial,
            code,
            duration_seconds,
        ))
    }

    fn assume_role_with_web_identity(
        &self,
        target: &Target,
        role_arn: &str,
        session_name: &str,
        token: &Secret<String>,
        duration_seconds: Option<i32>,
    ) -> Result<Issued, Failure> {
        self.ready().map_err(runtime_failure)?;
        self.block_on(sts::assume_role_with_web_identity(
            target,
            role_arn,
            session_name,
            token,
            duration_seconds,
        ))
    }
}

/// The STS and IAM Identity Center calls a walk makes (unit tests answer them from a script).
pub trait AwsCalls: StsCalls + SsoCalls {}
impl<T: StsCalls + SsoCalls> AwsCalls for T {}

impl Aws {
    /// Run one SSO call on the runtime, built on first use.
    fn sso<F: Future<Output = Result<T, SsoFailure>>, T>(&self, call: F) -> Result<T, SsoFailure> {
        self.ready().map_err(|e| SsoFailure {
            kind: SsoFailureKind::Service,
            message: e.to_string(),
        })?;
        self.block_on(call)
    }
}

impl SsoCalls for Aws {
    fn register_client(
        &self,
        session: &SsoSession,
        req: &RegisterRequest,
    ) -> Result<Registration, SsoFailure> {
        self.sso(sso::client::register_client(session, req))
    }

    fn start_device_authorization(
        &self,
        session: &SsoSession,
        reg: &Registration,
    ) -> Result<DeviceAuthorization, SsoFailure> {
        self.sso(sso::client::start_device_authorization(session, reg))
    }

    fn create_token(
        &self,
        session: &SsoSession,
        reg: &Registration,
        grant: Grant<'_>,
    ) -> Result<NewToken, SsoFailure> {
        self.sso(sso::client::create_token(session, reg, grant))
    }

    fn get_role_credentials(
        &self,
        session: &SsoSession,
        token: &Secret<String>,
        account_id: &str,
        role_name: &str,
    ) -> Result<Issued, SsoFailure> {
        self.sso(sso::client::get_role_credentials(
            session, token, account_id, role_name,
        ))
    }

    fn logout(&self, session: &SsoSession, token: &Secret<String>) -> Result<(), SsoFailure> {
        self.sso(sso::client::logout(session, token))
    }

    fn list_accounts(
        &self,
        session: &SsoSession,
        token: &Secret<String>,
        next: Option<&str>,
    ) -> Result<Page<Account>, SsoFailure> {
        self.sso(sso::client::list_accounts(session, token, next))
    }

    fn list_account_roles(
        &self,
        session: &SsoSession,
        token: &Secret<String>,
        account_id: &str,
        next: Option<&str>,
    ) -> Result<Page<String>, SsoFailure> {
        self.sso(sso::client::list_account_roles(
            session, token, account_id, next,
        ))
    }
}

fn runtime_failure(e: Error) -> Failure {
    Failure {
        kind: StsFailure::Service,
        message: e.to_string(),
    }
}
