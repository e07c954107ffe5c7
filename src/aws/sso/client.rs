//! The OIDC and portal calls, async, with clients built from the session alone (region and
//! endpoint): every call here is unsigned (the token or the client secret is the proof), so no
//! credentials provider is ever configured, and the SDK's default chain is never consulted.

use super::{
    Account, DeviceAuthorization, Grant, NewToken, Page, RegisterRequest, Registration, SsoFailure,
    SsoFailureKind,
};
use crate::aws::chain::SsoSession;
use crate::aws::sts::{Issued, ServerDate, body_summary, root_cause};
use crate::credentials::Credentials;
use crate::secret::Secret;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const MAX_ATTEMPTS: u32 = 3;

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(20))
        .operation_timeout(Duration::from_secs(60))
        .build()
}

fn oidc(session: &SsoSession) -> aws_sdk_ssooidc::Client {
    let mut b = aws_sdk_ssooidc::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(session.region.clone()))
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .timeout_config(timeouts());
    if let Some(url) = &session.oidc_endpoint {
        b = b.endpoint_url(url.clone());
    }
    aws_sdk_ssooidc::Client::from_conf(b.build())
}

/// The portal client; `attempts` is 1 for the listings, which pace and back off on their own.
fn portal(session: &SsoSession, attempts: u32, date: Option<&ServerDate>) -> aws_sdk_sso::Client {
    let mut b = aws_sdk_sso::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(session.region.clone()))
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .timeout_config(timeouts());
    if let Some(date) = date {
        b = b.interceptor(date.clone());
    }
    if let Some(url) = &session.portal_endpoint {
        b = b.endpoint_url(url.clone());
    }
    aws_sdk_sso::Client::from_conf(b.build())
}

fn missing(what: &str) -> SsoFailure {
    SsoFailure {
        kind: SsoFailureKind::Service,
        message: format!("the response has no `{what}`"),
    }
}

/// A field that is absent or empty is none.
fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|t| !t.is_empty()).map(str::to_owned)
}

/// A service's epoch seconds; a value past year 9999 is taken as the end of 9999.
fn at_secs(secs: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap_or(0).min(253_402_300_799))
}

pub async fn register_client(
    session: &SsoSession,
    req: &RegisterRequest,
) -> Result<Registration, SsoFailure> {
    let mut call = oidc(session)
        .register_client()
        .client_name(&req.client_name)
        .client_type("public")
        .set_scopes((!req.scopes.is_empty()).then(|| req.scopes.clone()))
        .set_grant_types((!req.grant_types.is_empty()).then(|| req.grant_types.clone()))
        .set_redirect_uris((!req.redirect_uris.is_empty()).then(|| req.redirect_uris.clone()));
    if let Some(issuer) = &req.issuer_url {
        call = call.issuer_url(issuer);
    }
    let out = call.send().await.map_err(classify)?;
    Ok(Registration {
        client_id: out
            .client_id()
            .ok_or_else(|| missing("clientId"))?
            .to_owned(),
        client_secret: Secret::from(out.client_secret().ok_or_else(|| missing("clientSecret"))?),
        expires_at: at_secs(out.client_secret_expires_at()),
        scopes: (!req.scopes.is_empty()).then(|| req.scopes.clone()),
        grant_types: (!req.grant_types.is_empty()).then(|| req.grant_types.clone()),
    })
}

pub async fn start_device_authorization(
    session: &SsoSession,
    reg: &Registration,
) -> Result<DeviceAuthorization, SsoFailure> {
    let out = oidc(session)
        .start_device_authorization()
        .client_id(&reg.client_id)
        .client_secret(reg.client_secret.expose())
        .start_url(&session.start_url)
        .send()
        .await
        .map_err(classify)?;
    Ok(DeviceAuthorization {
        device_code: Secret::from(out.device_code().ok_or_else(|| missing("deviceCode"))?),
        user_code: out
            .user_code()
            .ok_or_else(|| missing("userCode"))?
            .to_owned(),
        verification_uri: out
            .verification_uri()
            .ok_or_else(|| missing("verificationUri"))?
            .to_owned(),
        verification_uri_complete: out.verification_uri_complete().map(str::to_owned),
        expires_in: u64::try_from(out.expires_in()).unwrap_or(0),
        interval: u64::try_from(out.interval()).unwrap_or(0),
    })
}

pub async fn create_token(
    session: &SsoSession,
    reg: &Registration,
    grant: Grant<'_>,
) -> Result<NewToken, SsoFailure> {
    let mut call = oidc(session)
        .create_token()
        .client_id(&reg.client_id)
        .client_secret(reg.client_secret.expose())
        .grant_type(grant.grant_type());
    call = match grant {
        Grant::DeviceCode(code) => call.device_code(code.expose()),
        Grant::RefreshToken(token) => call.refresh_token(token.expose()),
        Grant::AuthorizationCode {
            code,
            verifier,
            redirect_uri,
        } => call
            .code(code.expose())
            .code_verifier(verifier.expose())
            .redirect_uri(redirect_uri),
    };
    let out = call.send().await.map_err(classify)?;
    Ok(NewToken {
        access_token: Secret::from(out.access_token().ok_or_else(|| missing("accessToken"))?),
        expires_in: u64::try_from(out.expires_in()).unwrap_or(0),
        refresh_token: non_empty(out.refresh_token()).map(Secret::new),
    })
}

pub async fn get_role_credentials(
    session: &SsoSession,
    token: &Secret<String>,
    account_id: &str,
    role_name: &str,
) -> Result<Issued, SsoFailure> {
    let date = ServerDate::default();
    let out = portal(session, MAX_ATTEMPTS, Some(&date))
        .get_role_credentials()
        .access_token(token.expose())
        .account_id(account_id)
        .role_name(role_name)
        .send()
        .await
        .map_err(classify)?;
    let c = out
        .role_credentials()
        .ok_or_else(|| missing("roleCredentials"))?;
    // The portal states the expiry in epoch milliseconds.
    let expiration = UNIX_EPOCH + Duration::from_millis(u64::try_from(c.expiration()).unwrap_or(0));
    let credentials = Credentials {
        access_key_id: c
            .access_key_id()
            .ok_or_else(|| missing("accessKeyId"))?
            .to_owned(),
        secret_access_key: Secret::from(
            c.secret_access_key()
                .ok_or_else(|| missing("secretAccessKey"))?,
        ),
        session_token: c.session_token().map(Secret::from),
        expiration: Some(expiration),
        account_id: Some(account_id.to_owned()),
    };
    Ok(Issued::new(credentials, &date))
}

pub async fn logout(session: &SsoSession, token: &Secret<String>) -> Result<(), SsoFailure> {
    portal(session, MAX_ATTEMPTS, None)
        .logout()
        .access_token(token.expose())
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}

pub async fn list_accounts(
    session: &SsoSession,
    token: &Secret<String>,
    next: Option<&str>,
) -> Result<Page<Account>, SsoFailure> {
    let out = portal(session, 1, None)
        .list_accounts()
        .access_token(token.expose())
        .set_next_token(next.map(str::to_owned))
        .send()
        .await
        .map_err(classify)?;
    Ok(Page {
        items: out
            .account_list()
            .iter()
            .filter_map(|a| {
                Some(Account {
                    id: a.account_id()?.to_owned(),
                    name: a.account_name().unwrap_or_default().to_owned(),
                })
            })
            .collect(),
        next: non_empty(out.next_token()),
    })
}

pub async fn list_account_roles(
    session: &SsoSession,
    token: &Secret<String>,
    account_id: &str,
    next: Option<&str>,
) -> Result<Page<String>, SsoFailure> {
    let out = portal(session, 1, None)
        .list_account_roles()
        .access_token(token.expose())
        .account_id(account_id)
        .set_next_token(next.map(str::to_owned))
        .send()
        .await
        .map_err(classify)?;
    Ok(Page {
        items: out
            .role_list()
            .iter()
            .filter_map(|r| r.role_name().map(str::to_owned))
            .collect(),
        next: non_empty(out.next_token()),
    })
}

fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(
    err: SdkError<E, HttpResponse>,
) -> SsoFailure {
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().unwrap_or_default();
            let status = service.raw().status().as_u16();
            let kind = match code {
                "AuthorizationPendingException" => SsoFailureKind::Pending,
                "SlowDownException" => SsoFailureKind::SlowDown,
                "ExpiredTokenException" => SsoFailureKind::Expired,
                "AccessDeniedException" => SsoFailureKind::Denied,
                "InvalidGrantException" => SsoFailureKind::InvalidGrant,
                "InvalidClientException" | "UnauthorizedClientException" => {
                    SsoFailureKind::InvalidClient
                }
                "UnauthorizedException" => SsoFailureKind::Unauthorized,
                "TooManyRequestsException" => SsoFailureKind::Throttled,
                "ResourceNotFoundException" | "ForbiddenException" => SsoFailureKind::NoSuchRole,
                _ if status == 401 => SsoFailureKind::Unauthorized,
                _ if status == 429 => SsoFailureKind::Throttled,
                _ => SsoFailureKind::Service,
            };
            let message = e.message().unwrap_or_default().trim().to_owned();
            let message = match (code.is_empty(), message.is_empty()) {
                (_, false) => message,
                (false, true) => code.to_owned(),
                (true, true) => format!(
                    "HTTP {status} with a body that is not an answer ({})",
                    body_summary(service.raw())
                ),
            };
            SsoFailure { kind, message }
        }
        SdkError::TimeoutError(_) => SsoFailure {
            kind: SsoFailureKind::Timeout,
            message: format!("no answer within 60 s over {MAX_ATTEMPTS} attempts"),
        },
        SdkError::DispatchFailure(d) => SsoFailure {
            kind: if d.is_timeout() {
                SsoFailureKind::Timeout
            } else {
                SsoFailureKind::Unreachable
            },
            message: root_cause(&err),
        },
        _ => SsoFailure {
            kind: SsoFailureKind::Service,
            message: DisplayErrorContext(&err).to_string(),
        },
    }
}
