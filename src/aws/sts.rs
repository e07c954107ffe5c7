//! STS calls. Clients are built with explicit credentials, region and endpoint: the SDK's default
//! credential chain is never consulted for our own source credentials (that is how a credential
//! process ends up calling itself), and nothing here reaches for instance metadata.

use crate::aws::chain::RoleHop;
use crate::aws::config::error_chain;
use crate::credentials::{Credentials, account_from_arn};
use crate::error::StsFailure;
use crate::secret::Secret;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use std::time::{Duration, SystemTime};

/// Where and as whom to call STS.
#[derive(Debug, Clone)]
pub struct Target {
    pub region: String,
    /// `None`: the SDK's regional endpoint for `region`.
    pub endpoint_url: Option<String>,
}

/// A failed call: what kind, and the service's (or transport's) own words.
#[derive(Debug)]
pub struct Failure {
    pub kind: StsFailure,
    pub message: String,
}

fn client(source: &Credentials, target: &Target) -> aws_sdk_sts::Client {
    let creds = aws_credential_types::Credentials::new(
        source.access_key_id.clone(),
        source.secret_access_key.expose().clone(),
        source.session_token.as_ref().map(|t| t.expose().clone()),
        source.expiration,
        "rolecall",
    );
    let mut builder = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(target.region.clone()))
        .credentials_provider(SharedCredentialsProvider::new(creds))
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(20))
                .operation_timeout(Duration::from_secs(60))
                .build(),
        );
    if let Some(url) = &target.endpoint_url {
        builder = builder.endpoint_url(url.clone());
    }
    aws_sdk_sts::Client::from_conf(builder.build())
}

/// `sts:AssumeRole` for one hop.
pub async fn assume_role(
    source: &Credentials,
    target: &Target,
    hop: &RoleHop,
    session_name: &str,
    mfa_code: Option<&Secret<String>>,
) -> Result<Credentials, Failure> {
    let mut req = client(source, target)
        .assume_role()
        .role_arn(&hop.role_arn)
        .role_session_name(session_name);
    if let Some(d) = hop.duration_seconds {
        req = req.duration_seconds(d);
    }
    if let Some(id) = &hop.external_id {
        req = req.external_id(id);
    }
    if let Some(si) = &hop.source_identity {
        req = req.source_identity(si);
    }
    if let (Some(serial), Some(code)) = (&hop.mfa_serial, mfa_code) {
        req = req.serial_number(serial).token_code(code.expose().as_str());
    }
    let out = req.send().await.map_err(classify)?;
    let account_id = out
        .assumed_role_user()
        .map(|u| u.arn())
        .and_then(account_from_arn);
    let c = out.credentials.ok_or_else(|| Failure {
        kind: StsFailure::Service,
        message: "the response holds no credentials".into(),
    })?;
    Ok(Credentials {
        access_key_id: c.access_key_id,
        secret_access_key: Secret::new(c.secret_access_key),
        session_token: Some(Secret::new(c.session_token)),
        expiration: SystemTime::try_from(c.expiration).ok(),
        account_id,
    })
}

fn classify<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug + 'static>(
    err: SdkError<E, R>,
) -> Failure {
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().unwrap_or_default();
            let message = e.message().unwrap_or_default().trim().to_owned();
            let kind = match code {
                "AccessDenied" | "AccessDeniedException"
                    if message.contains("MultiFactorAuthentication") || message.contains("MFA") =>
                {
                    StsFailure::WrongMfaCode
                }
                "AccessDenied" | "AccessDeniedException" => StsFailure::AccessDenied,
                "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
                    StsFailure::ExpiredToken
                }
                "InvalidClientTokenId"
                | "SignatureDoesNotMatch"
                | "UnrecognizedClientException" => StsFailure::InvalidSourceKeys,
                "Throttling"
                | "ThrottlingException"
                | "TooManyRequestsException"
                | "RequestLimitExceeded" => StsFailure::Throttled,
                _ => StsFailure::Service,
            };
            let message = if message.is_empty() {
                code.to_owned()
            } else {
                message
            };
            Failure { kind, message }
        }
        SdkError::TimeoutError(_) => Failure {
            kind: StsFailure::Timeout,
            message: String::new(),
        },
        SdkError::DispatchFailure(d) => {
            let kind = if d.is_timeout() {
                StsFailure::Timeout
            } else {
                StsFailure::Unreachable
            };
            Failure {
                kind,
                message: root_cause(&err),
            }
        }
        _ => Failure {
            kind: StsFailure::Service,
            message: error_chain(&err),
        },
    }
}

/// The innermost cause ("Connection refused (os error 111)"), without the layers of transport
/// wrappers above it.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}
