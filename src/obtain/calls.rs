//! The steps that call AWS: the STS target, web identity's token, the MFA steps and role hops,
//! and how an answer is judged (skew, already expired, NUL bytes, the serve margin).

use super::*;

/// The STS region of `plan`, `us-east-1` when nothing names one (as the SDKs' global default).
pub(super) fn sts_target(
    plan: &Plan,
    endpoint_url: Option<String>,
    variant: crate::aws::chain::StsVariant,
) -> Target {
    Target {
        region: plan
            .region
            .clone()
            .unwrap_or_else(|| "us-east-1".to_owned()),
        endpoint_url,
        variant,
    }
}

/// `AssumeRoleWithWebIdentity` with the token as it is in its file now (it rotates).
pub(super) fn web_identity(
    ctx: &Context,
    plan: &Plan,
    calls: &dyn AwsCalls,
    w: &WebIdentityStep,
) -> Result<Issued> {
    let token = crate::secret::read_token_file(&w.token_file).map_err(|reason| {
        ProfileError::TokenFile {
            profile: w.profile.clone(),
            path: w.token_file.clone(),
            reason,
        }
    })?;
    let target = sts_target(plan, w.endpoint_url.clone(), w.variant);
    ctx.debug(format_args!(
        "AssumeRoleWithWebIdentity {} for profile `{}` with the token in {} via {}",
        w.role_arn,
        w.profile,
        w.token_file,
        target.describe()
    ));
    let session_name = w
        .session_name
        .clone()
        .unwrap_or_else(|| default_session_name(ctx));
    calls
        .assume_role_with_web_identity(
            &target,
            &w.role_arn,
            &session_name,
            &token,
            w.duration_seconds,
        )
        .map_err(|f| sts_error(&w.profile, Some(&w.role_arn), &target, f))
}

/// What STS answered, judged by this machine's clock: the expiry corrected for skew (never
/// lengthened), refused when it is already past (as an expired `credential_process` answer is),
/// and a warning when the serve margin is longer than the credentials live.
pub(super) fn accept(
    ctx: &Context,
    cache: &Cache,
    step: &Step,
    issued: Issued,
) -> Result<(Credentials, sts::Skew)> {
    let now = ctx.now();
    let (credentials, skew) = issued.judged(now);
    let fail = |failure, message: String| -> Error {
        if let Step::Sso(s) = step {
            return crate::aws::sso::SsoError::Call {
                what: s.call(),
                session: s.session.describe(),
                failure: crate::aws::sso::SsoFailureKind::Service,
                message,
            }
            .into();
        }
        StsError {
            profile: step.profile().to_owned(),
            role_arn: step.role_arn().map(str::to_owned),
            failure,
            message,
        }
        .into()
    };
    credentials.check_text().map_err(|field| {
        fail(
            StsFailure::Service,
            format!("the response holds a NUL byte in `{field}`"),
        )
    })?;
    match skew {
        sts::Skew::Unknown => ctx.debug(format_args!("STS sent no `Date`: expiry taken as stated")),
        sts::Skew::Applied(s) => ctx.debug(format_args!(
            "this machine's clock is {s} s behind STS's: expiry moved {s} s earlier"
        )),
        sts::Skew::Ahead(s) => ctx.debug(format_args!(
            "this machine's clock is {s} s ahead of STS's: expiry left as STS stated it"
        )),
        sts::Skew::Ignored(s) => ctx.debug(format_args!(
            "STS's `Date` is {s:+} s from this machine's clock, more than the credentials' life: not believed, expiry left as stated"
        )),
    }
    ctx.debug(format_args!(
        "got {} for `{}`",
        credentials.masked_key_id(),
        step.describe()
    ));
    if let Some(exp) = credentials.expiration {
        match exp.duration_since(now) {
            Err(_) | Ok(Duration::ZERO) => {
                let behind = match skew {
                    sts::Skew::Ahead(s) => format!(" (this machine's clock is {s} s ahead of STS's)"),
                    sts::Skew::Ignored(s) if s < 0 => format!(
                        " (this machine's clock is {} s ahead of STS's `Date`)",
                        s.unsigned_abs()
                    ),
                    _ => String::new(),
                };
                return Err(fail(
                    StsFailure::AlreadyExpired,
                    format!(
                        "they expire at {}, already past by this machine's clock{behind}",
                        crate::credentials::format_rfc3339(exp)
                    ),
                ));
            }
            Ok(left) if left <= cache.margin => ctx.warn(format_args!(
                "the credentials for `{}` last {} min, not more than the {}-minute serve margin (`ROLECALL_SERVE_MARGIN`): every call will fetch new ones",
                step.describe(),
                left.as_secs() / 60,
                cache.margin.as_secs() / 60
            )),
            Ok(_) => {}
        }
    }
    Ok((credentials, skew))
}

pub(super) fn fetch_step(
    ctx: &Context,
    plan: &Plan,
    calls: &dyn AwsCalls,
    source: &Credentials,
    step: &Step,
    mfa: &mut MfaCodes<'_>,
) -> Result<Issued> {
    match step {
        Step::MfaSession(s) => {
            let target = sts_target(plan, s.endpoint_url.clone(), s.variant);
            log_call(ctx, step, source, &target);
            let to_error = |f: sts::Failure| sts_error(&s.profile, None, &target, f);
            mfa.with_code(
                &s.profile,
                &s.mfa_serial,
                s.mfa_process.as_deref(),
                &to_error,
                |code| {
                    calls.get_session_token(
                        source,
                        &target,
                        &s.mfa_serial,
                        code,
                        s.duration_seconds,
                    )
                },
            )
        }
        Step::AssumeRole(hop) => {
            let target = sts_target(plan, hop.endpoint_url.clone(), hop.variant);
            log_call(ctx, step, source, &target);
            let session_name = hop
                .session_name
                .clone()
                .unwrap_or_else(|| default_session_name(ctx));
            let to_error =
                |f: sts::Failure| sts_error(&hop.profile, Some(&hop.role_arn), &target, f);
            match &hop.mfa_serial {
                None => calls
                    .assume_role(source, &target, hop, &session_name, None)
                    .map_err(to_error),
                Some(serial) => mfa.with_code(
                    &hop.profile,
                    serial,
                    hop.mfa_process.as_deref(),
                    &to_error,
                    |code| calls.assume_role(source, &target, hop, &session_name, Some(code)),
                ),
            }
        }
        Step::StaticKeys { .. }
        | Step::Environment { .. }
        | Step::Process { .. }
        | Step::WebIdentity(_)
        | Step::Container(_)
        | Step::InstanceMetadata(_)
        | Step::Sso(_) => unreachable!("a base step signs with nothing"),
    }
}

pub(super) fn log_call(ctx: &Context, step: &Step, source: &Credentials, target: &Target) {
    ctx.debug(format_args!(
        "{} for profile `{}` with {} via {}",
        step.describe(),
        step.profile(),
        source.masked_key_id(),
        target.describe()
    ));
}

pub(super) fn sts_error(
    profile: &str,
    role_arn: Option<&str>,
    target: &Target,
    f: sts::Failure,
) -> Error {
    let message = match (f.kind, &target.endpoint_url) {
        (StsFailure::Unreachable | StsFailure::Timeout, Some(url)) => {
            format!("{url}: {}", f.message)
        }
        (StsFailure::Unreachable | StsFailure::Timeout, None) => {
            format!("{}: {}", target.describe(), f.message)
        }
        _ => f.message,
    };
    StsError {
        profile: profile.to_owned(),
        role_arn: role_arn.map(str::to_owned),
        failure: f.kind,
        message,
    }
    .into()
}

/// `rolecall-<unix seconds>`, like the AWS CLI's `botocore-session-<unix seconds>`: distinct per
/// session in CloudTrail, and attributable to rolecall.
pub(super) fn default_session_name(ctx: &Context) -> String {
    let secs = ctx
        .now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("rolecall-{secs}")
}
