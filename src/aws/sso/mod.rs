//! IAM Identity Center: the token, its cache (the AWS CLI's own), the logins, the portal.
//!
//! - `token.rs`: `~/.aws/sso/cache`, with the AWS CLI's file names and fields;
//! - `session.rs`: a usable token for a session, refreshed or logged in under the session's lock,
//!   so that many processes make one refresh or one login;
//! - `login.rs`: the device-code and authorization-code (PKCE) flows;
//! - `client.rs`: the OIDC and portal calls (async, run by `aws::service::Aws`);
//! - `error.rs`: `SsoError`, the area's error.
//!
//! The calls go through [`SsoCalls`], so that the walk and the flows are synchronous and can be
//! driven by a fake.

pub mod client;
mod error;
pub mod login;
pub mod session;
pub mod token;

pub use error::{SsoError, SsoFailure, SsoFailureKind};

use crate::aws::chain::SsoSession;
use crate::aws::sts::Issued;
use crate::secret::Secret;
use std::time::SystemTime;

/// A client registration (`RegisterClient`), as the AWS CLI caches it.
#[derive(Debug, Clone)]
pub struct Registration {
    pub client_id: String,
    pub client_secret: Secret<String>,
    pub expires_at: SystemTime,
    pub scopes: Option<Vec<String>>,
    /// Set for a registration made for the authorization-code flow.
    pub grant_types: Option<Vec<String>>,
}

/// What `RegisterClient` is asked for.
#[derive(Debug, Clone)]
pub struct RegisterRequest {
    pub client_name: String,
    pub scopes: Vec<String>,
    /// For PKCE: `authorization_code` and `refresh_token`, the redirect URI and the issuer URL.
    pub grant_types: Vec<String>,
    pub redirect_uris: Vec<String>,
    pub issuer_url: Option<String>,
}

/// `StartDeviceAuthorization`'s answer.
#[derive(Debug)]
pub struct DeviceAuthorization {
    pub device_code: Secret<String>,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    pub interval: u64,
}

/// How `CreateToken` is asked for a token.
#[derive(Debug)]
pub enum Grant<'a> {
    DeviceCode(&'a Secret<String>),
    RefreshToken(&'a Secret<String>),
    AuthorizationCode {
        code: &'a Secret<String>,
        verifier: &'a Secret<String>,
        redirect_uri: &'a str,
    },
}

impl Grant<'_> {
    pub fn grant_type(&self) -> &'static str {
        match self {
            Grant::DeviceCode(_) => "urn:ietf:params:oauth:grant-type:device_code",
            Grant::RefreshToken(_) => "refresh_token",
            Grant::AuthorizationCode { .. } => "authorization_code",
        }
    }
}

/// `CreateToken`'s answer.
#[derive(Debug)]
pub struct NewToken {
    pub access_token: Secret<String>,
    pub expires_in: u64,
    pub refresh_token: Option<Secret<String>>,
}

/// One account the token can reach (`ListAccounts`).
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub name: String,
}

/// One page of a listing, and the token of the next one.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// The OIDC and portal calls: [`crate::aws::service::Aws`] makes them for real.
pub trait SsoCalls {
    fn register_client(
        &self,
        session: &SsoSession,
        req: &RegisterRequest,
    ) -> Result<Registration, SsoFailure>;

    fn start_device_authorization(
        &self,
        session: &SsoSession,
        reg: &Registration,
    ) -> Result<DeviceAuthorization, SsoFailure>;

    fn create_token(
        &self,
        session: &SsoSession,
        reg: &Registration,
        grant: Grant<'_>,
    ) -> Result<NewToken, SsoFailure>;

    fn get_role_credentials(
        &self,
        session: &SsoSession,
        token: &Secret<String>,
        account_id: &str,
        role_name: &str,
    ) -> Result<Issued, SsoFailure>;

    fn logout(&self, session: &SsoSession, token: &Secret<String>) -> Result<(), SsoFailure>;

    fn list_accounts(
        &self,
        session: &SsoSession,
        token: &Secret<String>,
        next: Option<&str>,
    ) -> Result<Page<Account>, SsoFailure>;

    fn list_account_roles(
        &self,
        session: &SsoSession,
        token: &Secret<String>,
        account_id: &str,
        next: Option<&str>,
    ) -> Result<Page<String>, SsoFailure>;
}

/// The OIDC service's base URL: the configured endpoint, else the regional one (the authorize
/// URL of the PKCE flow is built on it).
pub fn oidc_base_url(session: &SsoSession) -> String {
    match &session.oidc_endpoint {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("https://oidc.{}.amazonaws.com", session.region),
    }
}
