//! The AWS service: the one owner of the async runtime. A cache hit builds none; the first step
//! that must call AWS builds it, and every later call in this process reuses it.

use crate::aws::chain::RoleHop;
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

fn runtime_failure(e: Error) -> Failure {
    Failure {
        kind: StsFailure::Service,
        message: e.to_string(),
    }
}
