//! STS calls. Clients are built with explicit credentials, region and endpoint: the SDK's default
//! credential chain is never consulted for our own source credentials (that is how a credential
//! process ends up calling itself), and nothing here reaches for instance metadata.

use crate::aws::chain::RoleHop;
use crate::credentials::{Credentials, account_from_arn};
use crate::secret::Secret;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_sts::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::date_time::{DateTime, Format};
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const MAX_ATTEMPTS: u32 = 3;
const OPERATION_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_STS_LIFE: Duration = Duration::from_secs(36 * 3600);
/// An STS answer is a few KiB; a body far larger is not one, and is not read.
const MAX_BODY: u64 = 1 << 20;

/// The STS calls a walk makes: [`crate::aws::service::Aws`] makes them for real, unit tests
/// answer them from a script.
pub trait StsCalls {
    fn assume_role(
        &self,
        source: &Credentials,
        target: &Target,
        hop: &RoleHop,
        session_name: &str,
        code: Option<&Secret<String>>,
    ) -> Result<Issued, Failure>;

    fn get_session_token(
        &self,
        source: &Credentials,
        target: &Target,
        serial: &str,
        code: &Secret<String>,
        duration_seconds: i32,
    ) -> Result<Issued, Failure>;

    fn assume_role_with_web_identity(
        &self,
        target: &Target,
        role_arn: &str,
        session_name: &str,
        token: &Secret<String>,
        duration_seconds: Option<i32>,
    ) -> Result<Issued, Failure>;
}

/// Where and as whom to call STS.
#[derive(Debug, Clone)]
pub struct Target {
    pub region: String,
    /// `None`: the SDK's regional endpoint for `region`.
    pub endpoint_url: Option<String>,
    pub variant: crate::aws::chain::StsVariant,
}

impl Target {
    /// The endpoint this target calls, for `--verbose` and errors: the configured URL, else the
    /// one the SDK's own endpoint rules choose for the region, FIPS and dual-stack.
    pub fn describe(&self) -> String {
        if let Some(url) = &self.endpoint_url {
            return url.clone();
        }
        match regional_endpoint(self) {
            Some(url) => format!("{url} (the STS endpoint of {})", self.region),
            None => format!("the STS endpoint of {}", self.region),
        }
    }
}

/// The SDK's endpoint rules, run directly: they are pure, and their future is ready at once.
fn regional_endpoint(target: &Target) -> Option<String> {
    use aws_sdk_sts::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
    use std::future::Future;
    let params = Params::builder()
        .region(target.region.clone())
        .use_fips(target.variant.fips)
        .use_dual_stack(target.variant.dual_stack)
        .build()
        .ok()?;
    let resolver = DefaultResolver::new();
    let mut future = std::pin::pin!(resolver.resolve_endpoint(&params));
    match future
        .as_mut()
        .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    {
        std::task::Poll::Ready(Ok(endpoint)) => Some(endpoint.url().to_owned()),
        _ => None,
    }
}

/// A failed call: what kind, and the service's (or transport's) own words.
#[derive(Debug)]
pub struct Failure {
    pub kind: StsFailure,
    pub message: String,
}

/// Captures STS's `Date` header, to measure how far this machine's clock is from AWS's.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServerDate(Arc<Mutex<Option<SystemTime>>>);

impl Intercept for ServerDate {
    fn name(&self) -> &'static str {
        "rolecall::ServerDate"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let length = context
            .response()
            .headers()
            .get("content-length")
            .and_then(|l| l.trim().parse::<u64>().ok());
        if let Some(n) = length.filter(|n| *n > MAX_BODY) {
            return Err(format!(
                "the response body is {:.1} MiB, far more than an STS answer ({} MiB at most)",
                n as f64 / f64::from(1 << 20),
                MAX_BODY >> 20
            )
            .into());
        }
        let server = context
            .response()
            .headers()
            .get("date")
            .and_then(|d| DateTime::from_str(d, Format::HttpDate).ok())
            .and_then(|d| SystemTime::try_from(d).ok());
        if let Some(server) = server {
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(server);
        }
        Ok(())
    }
}

/// Temporary credentials as STS stated them, and STS's clock when it answered.
#[derive(Debug)]
pub struct Issued {
    /// Expiry as STS states it, by STS's clock.
    pub credentials: Credentials,
    pub server_date: Option<SystemTime>,
}

impl Issued {
    pub(crate) fn new(credentials: Credentials, date: &ServerDate) -> Issued {
        let server_date = *date.0.lock().unwrap_or_else(|e| e.into_inner());
        Issued {
            credentials,
            server_date,
        }
    }

    /// The credentials with their expiry judged by this machine's clock (`now`, read when the
    /// answer came), and what was done about the skew.
    pub fn judged(mut self, now: SystemTime) -> (Credentials, Skew) {
        let skew = match (self.credentials.expiration, self.server_date) {
            (Some(stated), Some(date)) => {
                let (expiration, skew) = correct_expiry(stated, date, now);
                self.credentials.expiration = Some(expiration);
                skew
            }
            _ => Skew::Unknown,
        };
        (self.credentials, skew)
    }
}

/// What was done about the difference between STS's clock and ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skew {
    /// No `Date` header, or no expiry.
    Unknown,
    /// Our clock is behind STS's by this many seconds: the expiry was moved earlier by as much,
    /// or the credentials would be handed out past their real end.
    Applied(u64),
    /// Our clock is ahead by this many seconds: the expiry is left as STS stated it (correcting
    /// it would give the credentials more life than STS did, if STS's clock is the wrong one).
    Ahead(u64),
    /// STS's `Date` is this far off ours (seconds, positive when STS is ahead), more than the
    /// credentials' whole life: a proxy's or a broken clock's, so it is not believed.
    Ignored(i64),
}

impl Skew {
    /// STS's clock minus ours, in seconds, as far as it was believed (for the cache entry).
    pub fn seconds(self) -> i64 {
        match self {
            Skew::Unknown | Skew::Ignored(_) => 0,
            Skew::Applied(s) => s as i64,
            Skew::Ahead(s) => -(s as i64),
        }
    }
}

/// Judge an expiry STS `stated` by its own clock (`server_date` when it answered) against ours
/// (`now`). A correction never gives credentials more life than STS did: it only ever moves the
/// expiry earlier, and a `Date` further off than the credentials' whole life is not believed.
pub fn correct_expiry(
    stated: SystemTime,
    server_date: SystemTime,
    now: SystemTime,
) -> (SystemTime, Skew) {
    // The life STS gave, by its own clock; a bogus `Date` makes it bogus too, hence the bound
    // by the longest life STS grants (36 h, GetSessionToken's maximum).
    let life = stated
        .duration_since(server_date)
        .unwrap_or(Duration::ZERO)
        .min(MAX_STS_LIFE);
    match server_date.duration_since(now) {
        Ok(ahead) if ahead > life => (stated, Skew::Ignored(ahead.as_secs() as i64)),
        Ok(ahead) => (stated - ahead, Skew::Applied(ahead.as_secs())),
        Err(e) if e.duration() > life => (stated, Skew::Ignored(-(e.duration().as_secs() as i64))),
        Err(e) => (stated, Skew::Ahead(e.duration().as_secs())),
    }
}

/// A client that signs as `source`, or sends unsigned when `source` is `None` (only
/// `AssumeRoleWithWebIdentity`, whose proof is the token).
fn client(source: Option<&Credentials>, target: &Target, date: &ServerDate) -> aws_sdk_sts::Client {
    let mut builder = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(target.region.clone()))
        .interceptor(date.clone())
        .use_fips(target.variant.fips)
        .use_dual_stack(target.variant.dual_stack)
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(20))
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        );
    if let Some(source) = source {
        let creds = aws_credential_types::Credentials::new(
            source.access_key_id.clone(),
            source.secret_access_key.expose().clone(),
            source.session_token.as_ref().map(|t| t.expose().clone()),
            source.expiration,
            "rolecall",
        );
        builder = builder.credentials_provider(SharedCredentialsProvider::new(creds));
    }
    if let Some(url) = &target.endpoint_url {
        builder = builder.endpoint_url(url.clone());
    }
    aws_sdk_sts::Client::from_conf(builder.build())
}

/// `sts:AssumeRoleWithWebIdentity`: unsigned, the OIDC token is the proof.
pub async fn assume_role_with_web_identity(
    target: &Target,
    role_arn: &str,
    session_name: &str,
    token: &Secret<String>,
    duration_seconds: Option<i32>,
) -> Result<Issued, Failure> {
    let date = ServerDate::default();
    let mut req = client(None, target, &date)
        .assume_role_with_web_identity()
        .role_arn(role_arn)
        .role_session_name(session_name)
        .web_identity_token(token.expose().as_str());
    if let Some(d) = duration_seconds {
        req = req.duration_seconds(d);
    }
    let out = req.send().await.map_err(classify)?;
    let account_id = out
        .assumed_role_user()
        .map(|u| u.arn())
        .and_then(account_from_arn);
    answered(out.credentials, account_id, &date)
}

/// `sts:AssumeRole` for one hop.
pub async fn assume_role(
    source: &Credentials,
    target: &Target,
    hop: &RoleHop,
    session_name: &str,
    mfa_code: Option<&Secret<String>>,
) -> Result<Issued, Failure> {
    let date = ServerDate::default();
    let mut req = client(Some(source), target, &date)
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
    answered(out.credentials, account_id, &date)
}

/// `sts:GetSessionToken` with an MFA code: the MFA session roles are assumed from.
pub async fn get_session_token(
    source: &Credentials,
    target: &Target,
    serial: &str,
    code: &Secret<String>,
    duration_seconds: i32,
) -> Result<Issued, Failure> {
    let date = ServerDate::default();
    let out = client(Some(source), target, &date)
        .get_session_token()
        .serial_number(serial)
        .token_code(code.expose().as_str())
        .duration_seconds(duration_seconds)
        .send()
        .await
        .map_err(classify)?;
    answered(out.credentials, source.account_id.clone(), &date)
}

/// The credentials of an answer (its account taken from the assumed role's ARN, when any).
fn answered(
    credentials: Option<aws_sdk_sts::types::Credentials>,
    account_id: Option<String>,
    date: &ServerDate,
) -> Result<Issued, Failure> {
    let c = credentials.ok_or_else(|| Failure {
        kind: StsFailure::Service,
        message: "the response holds no credentials".into(),
    })?;
    Ok(Issued::new(sts_credentials(c, account_id), date))
}

fn sts_credentials(c: aws_sdk_sts::types::Credentials, account_id: Option<String>) -> Credentials {
    Credentials {
        access_key_id: c.access_key_id,
        secret_access_key: Secret::new(c.secret_access_key),
        session_token: Some(Secret::new(c.session_token)),
        expiration: SystemTime::try_from(c.expiration).ok(),
        account_id,
    }
}

fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(
    err: SdkError<E, HttpResponse>,
) -> Failure {
    let context = || DisplayErrorContext(&err).to_string();
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
                _ if service.raw().status().is_server_error() => StsFailure::Unavailable,
                _ => StsFailure::Service,
            };
            let status = service.raw().status().as_u16();
            let message = match (code.is_empty(), message.is_empty()) {
                (_, false) => message,
                (false, true) => code.to_owned(),
                // Not an STS error document: a proxy's page, a wrong path in the endpoint URL.
                (true, true) => format!(
                    "HTTP {status} with a body that is not an STS answer ({}): {}",
                    body_summary(service.raw()),
                    root_cause(&err)
                ),
            };
            Failure { kind, message }
        }
        SdkError::ResponseError(r) => Failure {
            kind: StsFailure::Service,
            message: format!(
                "the HTTP {} response cannot be read as an STS answer ({}): {}",
                r.raw().status().as_u16(),
                body_summary(r.raw()),
                root_cause(&err)
            ),
        },
        SdkError::TimeoutError(_) => Failure {
            kind: StsFailure::Timeout,
            message: format!(
                "no answer within {} s over {MAX_ATTEMPTS} attempts",
                OPERATION_TIMEOUT.as_secs()
            ),
        },
        SdkError::DispatchFailure(d) => {
            let kind = if d.is_timeout() {
                StsFailure::Timeout
            } else {
                StsFailure::Unreachable
            };
            let cause = root_cause(&err);
            let message = if cause.trim().is_empty() {
                context()
            } else {
                cause
            };
            Failure { kind, message }
        }
        _ => Failure {
            kind: StsFailure::Service,
            message: context(),
        },
    }
}

/// What a response body looked like, without quoting it (an answer may hold credentials).
pub(crate) fn body_summary(r: &HttpResponse) -> String {
    let len = r.body().bytes().map(<[u8]>::len);
    let kind = r
        .headers()
        .get("content-type")
        .map(|t| format!("`{t}`"))
        .unwrap_or_else(|| "no content type".to_owned());
    match len {
        Some(n) => format!("{n} bytes of {kind}"),
        None => kind,
    }
}

/// The innermost cause ("Connection refused (os error 111)"), without the layers of transport
/// wrappers above it.
pub(crate) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

/// What kind of STS failure happened; decides the wording and the hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StsFailure {
    AccessDenied,
    WrongMfaCode,
    ExpiredToken,
    InvalidSourceKeys,
    Throttled,
    Unreachable,
    Timeout,
    /// A 5xx without a code we know: STS (or what stands in front of it) is failing.
    Unavailable,
    Service,
    /// The credentials STS returned are already expired by this machine's clock.
    AlreadyExpired,
}

/// An STS call for one step failed.
#[derive(Debug)]
pub struct StsError {
    pub profile: String,
    /// `None`: the MFA session (`GetSessionToken`).
    pub role_arn: Option<String>,
    pub failure: StsFailure,
    /// The service's (or transport's) own words, never a secret.
    pub message: String,
}

impl std::fmt::Display for StsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let profile = &self.profile;
        let what = match &self.role_arn {
            Some(arn) => format!("cannot assume `{arn}` for profile `{profile}`"),
            None => {
                format!("cannot start an MFA session (GetSessionToken) for profile `{profile}`")
            }
        };
        let why = match self.failure {
            StsFailure::AccessDenied => "access denied",
            StsFailure::WrongMfaCode => "wrong MFA code",
            StsFailure::ExpiredToken => "the source credentials have expired",
            StsFailure::InvalidSourceKeys => "the source credentials are not valid",
            StsFailure::Throttled => "throttled after retries",
            StsFailure::Unreachable => "STS endpoint unreachable",
            StsFailure::Timeout => "timed out",
            StsFailure::Unavailable => "STS error (a server error)",
            StsFailure::Service => "STS error",
            StsFailure::AlreadyExpired => "the credentials it returned have already expired",
        };
        if self.message.is_empty() {
            write!(f, "{what}: {why}")
        } else {
            write!(f, "{what}: {why}: {}", self.message)
        }
    }
}

impl std::error::Error for StsError {}

impl crate::error::Explain for StsError {
    fn help(&self) -> Option<String> {
        Some(match self.failure {
            StsFailure::AccessDenied => {
                "check the role's trust policy, `external_id`, and that the source identity may call sts:AssumeRole".into()
            }
            StsFailure::WrongMfaCode => "wait for the next code and try again".into(),
            StsFailure::ExpiredToken => {
                "the source credentials have expired: refresh them (or the profile they come from) and try again".into()
            }
            StsFailure::InvalidSourceKeys => {
                "the source access key was rejected: check it or rotate it in IAM".into()
            }
            StsFailure::Throttled => "STS is throttling this account: wait a little and try again".into(),
            StsFailure::Unreachable => {
                "check the network and `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL` or the profile's `endpoint_url`".into()
            }
            StsFailure::Timeout => "STS did not answer in time: check the network and try again".into(),
            StsFailure::Unavailable => "STS is failing for now: try again in a minute".into(),
            StsFailure::Service => "try again; if it persists, run with `--verbose`".into(),
            StsFailure::AlreadyExpired => {
                "check this machine's clock (`date -u`) against the real time".into()
            }
        })
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    const HOUR: Duration = Duration::from_secs(3600);

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    /// The correction never lengthens a life: (our clock minus STS's, expected life by our clock).
    #[test]
    fn skew_only_ever_shortens_the_life() {
        let sts_now = at(1_800_000_000);
        let stated = sts_now + HOUR;
        for (ours_minus_sts, life, skew) in [
            (0i64, 3600u64, Skew::Applied(0)),
            (-1800, 3600, Skew::Applied(1800)), // we are behind: an hour by our clock
            (1800, 1800, Skew::Ahead(1800)),    // we are ahead: left as stated, 30 min by ours
            (-7200, 3600 + 7200, Skew::Ignored(7200)), // further off than the life: not believed
            (7200, 0, Skew::Ignored(-7200)),
        ] {
            let now = if ours_minus_sts >= 0 {
                sts_now + Duration::from_secs(ours_minus_sts as u64)
            } else {
                sts_now - Duration::from_secs(ours_minus_sts.unsigned_abs())
            };
            let (exp, got) = correct_expiry(stated, sts_now, now);
            assert_eq!(got, skew, "{ours_minus_sts}");
            assert!(exp <= stated, "never later than STS stated");
            assert_eq!(
                exp.duration_since(now).unwrap_or(Duration::ZERO).as_secs(),
                life,
                "{ours_minus_sts}"
            );
        }
    }

    /// A `Date` of 1970 or of the far future cached credentials until 2083 or printed 1970.
    #[test]
    fn an_absurd_date_is_not_believed() {
        let now = at(1_800_000_000);
        let stated = now + HOUR;
        for date in [UNIX_EPOCH, at(9_000_000_000)] {
            let (exp, skew) = correct_expiry(stated, date, now);
            assert_eq!(exp, stated);
            assert!(matches!(skew, Skew::Ignored(_)));
        }
    }

    /// FIPS and dual-stack were ignored; `--verbose` now names the endpoint the SDK's rules pick.
    #[test]
    fn the_regional_endpoint_follows_fips_and_dual_stack() {
        use crate::aws::chain::StsVariant;
        let url = |fips, dual_stack| {
            Target {
                region: "us-east-1".into(),
                endpoint_url: None,
                variant: StsVariant { fips, dual_stack },
            }
            .describe()
        };
        assert!(
            url(false, false).starts_with("https://sts.us-east-1.amazonaws.com"),
            "{}",
            url(false, false)
        );
        assert!(
            url(true, false).starts_with("https://sts-fips.us-east-1.amazonaws.com"),
            "{}",
            url(true, false)
        );
        assert!(
            url(false, true).starts_with("https://sts.us-east-1.api.aws"),
            "{}",
            url(false, true)
        );
        assert!(
            url(true, true).starts_with("https://sts-fips.us-east-1.api.aws"),
            "{}",
            url(true, true)
        );
    }

    /// A timeout ended in an empty cause ("timed out: URL: ").
    #[test]
    fn a_timeout_says_how_long_was_waited() {
        let err: SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError, HttpResponse> =
            SdkError::timeout_error("deadline");
        let f = classify(err);
        assert_eq!(f.kind, StsFailure::Timeout);
        assert!(f.message.contains("60 s"), "{}", f.message);
    }
}
