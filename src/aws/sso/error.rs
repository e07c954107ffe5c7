//! IAM Identity Center's errors: a call that failed, a login that did not complete, a token only
//! a login can replace (the one kind [`crate::error::Error::needs_login`] answers true for).

/// What kind of OIDC or portal failure happened; decides the wording, the help and whether a
/// login would fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoFailureKind {
    /// `AuthorizationPendingException`: the user has not approved the device code yet.
    Pending,
    /// `SlowDownException`: poll less often.
    SlowDown,
    /// `ExpiredTokenException`: the device code (or the token) expired.
    Expired,
    /// `AccessDeniedException`: the user denied the request.
    Denied,
    /// `InvalidGrantException`: the refresh token or the code is not (or no longer) valid.
    InvalidGrant,
    /// `InvalidClientException` / `UnauthorizedClientException`: the registration is not valid.
    InvalidClient,
    /// The portal's 401 `UnauthorizedException`: the token is dead.
    Unauthorized,
    /// 429 `TooManyRequestsException` after retries.
    Throttled,
    /// `ResourceNotFoundException`, `ForbiddenException`: no such account or role for this user.
    NoSuchRole,
    Unreachable,
    Timeout,
    Service,
}

/// A failed OIDC or portal call: what kind, and the service's (or transport's) own words.
#[derive(Debug)]
pub struct SsoFailure {
    pub kind: SsoFailureKind,
    pub message: String,
}

/// What went wrong with IAM Identity Center.
#[derive(Debug)]
pub enum SsoError {
    /// No usable token, and no one to log in (no terminal), or a token only a login can replace.
    NeedsLogin {
        /// "sso session `corp`".
        session: String,
        /// The command that logs in: `rolecall login --sso-session corp`.
        login: String,
        reason: String,
    },
    /// A call failed: `what` is the call ("GetRoleCredentials for `Admin` in 123456789012").
    Call {
        what: String,
        session: String,
        failure: SsoFailureKind,
        message: String,
    },
    /// The login did not complete.
    Login { session: String, message: String },
}

impl SsoError {
    pub fn needs_login(&self) -> bool {
        match self {
            SsoError::NeedsLogin { .. } => true,
            SsoError::Call { failure, .. } => matches!(
                failure,
                SsoFailureKind::Unauthorized | SsoFailureKind::InvalidGrant
            ),
            SsoError::Login { .. } => false,
        }
    }

    /// Whether the processes waiting for the same step would meet it too.
    pub fn is_shared_with_waiters(&self) -> bool {
        match self {
            SsoError::NeedsLogin { .. } => true,
            SsoError::Call { failure, .. } => matches!(
                failure,
                SsoFailureKind::NoSuchRole
                    | SsoFailureKind::Throttled
                    | SsoFailureKind::Unreachable
                    | SsoFailureKind::Timeout
            ),
            SsoError::Login { .. } => false,
        }
    }
}

impl std::fmt::Display for SsoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SsoError::NeedsLogin {
                session, reason, ..
            } => write!(f, "{session} needs a login: {reason}"),
            SsoError::Call {
                what,
                session,
                failure,
                message,
            } => {
                let why = match failure {
                    SsoFailureKind::Pending => "the authorization is still pending",
                    SsoFailureKind::SlowDown => "asked to slow down",
                    SsoFailureKind::Expired => "expired",
                    SsoFailureKind::Denied => "access denied",
                    SsoFailureKind::InvalidGrant => "the grant is no longer valid",
                    SsoFailureKind::InvalidClient => "the client registration is not valid",
                    SsoFailureKind::Unauthorized => "the token is no longer valid",
                    SsoFailureKind::Throttled => "throttled after retries",
                    SsoFailureKind::NoSuchRole => "no such account or role for this user",
                    SsoFailureKind::Unreachable => "endpoint unreachable",
                    SsoFailureKind::Timeout => "timed out",
                    SsoFailureKind::Service => "service error",
                };
                write!(f, "{what} ({session}): {why}")?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            SsoError::Login { session, message } => {
                write!(f, "the login to {session} did not complete: {message}")
            }
        }
    }
}

impl std::error::Error for SsoError {}

impl crate::error::Explain for SsoError {
    fn help(&self) -> Option<String> {
        Some(match self {
            SsoError::NeedsLogin { login, .. } => format!("run `{login}` in a terminal"),
            SsoError::Call { failure, .. } => match failure {
                SsoFailureKind::Unauthorized | SsoFailureKind::InvalidGrant => {
                    "log in again with `rolecall login`".into()
                }
                SsoFailureKind::NoSuchRole => {
                    "check `sso_account_id` and `sso_role_name`: `rolecall sso profiles` lists what this login can reach".into()
                }
                SsoFailureKind::Unreachable | SsoFailureKind::Timeout => {
                    "check the network, `sso_region`, and `AWS_ENDPOINT_URL_SSO` / `AWS_ENDPOINT_URL_SSO_OIDC`".into()
                }
                SsoFailureKind::Throttled => "wait a little and try again".into(),
                _ => "try again; if it persists, run with `--verbose`".into(),
            },
            SsoError::Login { .. } => "run `rolecall login` again; `--device-code` signs in from another device".into(),
        })
    }
}
