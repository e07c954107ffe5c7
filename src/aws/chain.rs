//! Profile → [`Plan`]: pure resolution of a profile into the steps that produce its credentials.
//!
//! No network, no files, no clock: a `Plan` is data, tested from a table of cases. A plan is a
//! list of steps: a base (where the first credentials come from), then an MFA session and role
//! hops, outermost last. Endpoints and regions are decided here, from the profiles and the
//! environment (`EnvInputs`). `obtain` walks the plan; the cache keys each step on its own.

use crate::aws::config::{Profile, Profiles};
use crate::aws::env::EnvInputs;
use crate::aws::metadata::{ContainerStep, InstanceMetadataStep};
/// Chain resolution fails only with a [`ProfileError`].
type Result<T, E = ProfileError> = std::result::Result<T, E>;
use crate::secret::Secret;

/// What `resolve` makes of a profile: the steps that produce its credentials, base first.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The profile asked for.
    pub profile: String,
    /// `steps[0]` is the base (it needs no credentials to run); each later step signs with the
    /// credentials of the one before it, and the last one yields the answer.
    pub steps: Vec<Step>,
    /// The region handed out with the credentials, and the one STS is called in and keyed by:
    /// the chain's (the profile asked for first), else the environment's.
    pub region: Option<String>,
    /// `aws_account_id` of a static-keys profile, when the credentials carry no ARN.
    pub account_id: Option<String>,
}

#[cfg(test)]
impl Plan {
    pub fn base(&self) -> &Step {
        &self.steps[0]
    }

    /// The role hops, in the order they are assumed.
    pub fn hops(&self) -> impl Iterator<Item = &RoleHop> {
        self.steps.iter().filter_map(|s| match s {
            Step::AssumeRole(h) => Some(h),
            _ => None,
        })
    }

    pub fn session(&self) -> Option<&SessionStep> {
        self.steps.iter().find_map(|s| match s {
            Step::MfaSession(m) => Some(m),
            _ => None,
        })
    }
}

/// Where a step's credentials may be kept between calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachePolicy {
    /// An entry of its own on disk (temporary credentials from STS).
    Disk,
    /// In this process only (local, cheap sources: the container endpoint, instance metadata).
    Memory,
    /// Never: long-term keys, or a source that is its own cache.
    Never,
}

/// One step of a plan. Each kind says, in the methods below and nowhere else, what it adds to
/// the cache key, where it may be cached, whether it signs with the step before, and how it is
/// described (never a secret). A new source is a new variant plus a detector in [`resolve`]; the
/// compiler points at the rest.
#[derive(Debug, Clone)]
pub enum Step {
    /// `aws_access_key_id` / `aws_secret_access_key` / `aws_session_token` in a profile.
    StaticKeys { profile: String, keys: StaticKeys },
    /// `credential_source = Environment`: the environment's keys, as read when the plan was made
    /// (`None` when they are not set: an error only if the step must run).
    Environment {
        profile: String,
        keys: Option<StaticKeys>,
    },
    /// `credential_process` in a source profile: an external command printing protocol JSON.
    Process { profile: String, command: String },
    /// `AssumeRoleWithWebIdentity` with an OIDC token read from a file (EKS, GitHub Actions):
    /// a base, unsigned, cached on disk like a role.
    WebIdentity(WebIdentityStep),
    /// The container credentials endpoint (ECS, EKS Pod Identity): a local base, in memory only.
    Container(ContainerStep),
    /// The instance metadata service (IMDSv2): a local base, in memory only.
    InstanceMetadata(InstanceMetadataStep),
    /// `GetSessionToken` with an MFA code, between long-term keys and the first role.
    MfaSession(SessionStep),
    /// `AssumeRole` for one profile with `role_arn`.
    AssumeRole(RoleHop),
    /// IAM Identity Center: `GetRoleCredentials` with the session's token (`sso_session`, or a
    /// legacy profile's own `sso_start_url`): a base, unsigned, cached on disk like a role.
    Sso(SsoStep),
}

impl Step {
    /// The profile this step comes from.
    pub fn profile(&self) -> &str {
        match self {
            Step::StaticKeys { profile, .. }
            | Step::Environment { profile, .. }
            | Step::Process { profile, .. } => profile,
            Step::WebIdentity(w) => &w.profile,
            Step::Container(c) => &c.profile,
            Step::InstanceMetadata(i) => &i.profile,
            Step::MfaSession(s) => &s.profile,
            Step::AssumeRole(h) => &h.profile,
            Step::Sso(s) => &s.profile,
        }
    }

    /// Whether it calls AWS as the credentials of the step before it (false: a base).
    pub fn signs_with_previous(&self) -> bool {
        match self {
            Step::StaticKeys { .. }
            | Step::Environment { .. }
            | Step::Process { .. }
            | Step::WebIdentity(_)
            | Step::Container(_)
            | Step::InstanceMetadata(_)
            | Step::Sso(_) => false,
            Step::MfaSession(_) | Step::AssumeRole(_) => true,
        }
    }

    pub fn cache_policy(&self) -> CachePolicy {
        match self {
            Step::StaticKeys { .. } | Step::Environment { .. } | Step::Process { .. } => {
                CachePolicy::Never
            }
            Step::WebIdentity(_) | Step::MfaSession(_) | Step::AssumeRole(_) | Step::Sso(_) => {
                CachePolicy::Disk
            }
            Step::Container(_) | Step::InstanceMetadata(_) => CachePolicy::Memory,
        }
    }

    /// What this step adds to the cache key of itself and every step after it: everything that
    /// changes its answer. For a base, its identity (never a secret); `sts_region` is the
    /// plan's.
    pub fn key_part(&self, sts_region: &str) -> String {
        let mut part = self.key_part_v1(sts_region);
        let variant = match self {
            Step::WebIdentity(w) => w.variant,
            Step::MfaSession(s) => s.variant,
            Step::AssumeRole(h) => h.variant,
            Step::StaticKeys { .. }
            | Step::Environment { .. }
            | Step::Process { .. }
            | Step::Container(_)
            | Step::InstanceMetadata(_)
            | Step::Sso(_) => StsVariant::default(),
        };
        // Only when set, so that the keys of every entry written before the flags existed hold.
        if variant != StsVariant::default() {
            part.push_str(&format!(
                " fips={} dualstack={}",
                variant.fips, variant.dual_stack
            ));
        }
        part
    }

    fn key_part_v1(&self, sts_region: &str) -> String {
        match self {
            Step::StaticKeys { keys, .. } => format!("static {}", keys.access_key_id),
            Step::Environment { keys, .. } => format!(
                "environment {}",
                keys.as_ref().map_or("", |k| k.access_key_id.as_str())
            ),
            Step::Process { profile, command } => format!("process {profile} {command}"),
            Step::Container(c) => format!("container {}", c.url),
            Step::InstanceMetadata(i) => format!("imds {}", i.endpoint),
            // The token rotates and is a secret: its file is the identity.
            Step::WebIdentity(w) => serde_json::json!([
                "AssumeRoleWithWebIdentity",
                w.role_arn,
                w.token_file,
                w.session_name,
                w.duration_seconds,
                w.endpoint_url,
                sts_region
            ])
            .to_string(),
            Step::MfaSession(s) => serde_json::json!([
                "GetSessionToken",
                s.mfa_serial,
                s.duration_seconds,
                s.endpoint_url,
                sts_region
            ])
            .to_string(),
            // The token is a secret and rotates: the session is the identity. Not the plan's region
            // either: the portal is called in `sso_region`.
            Step::Sso(s) => serde_json::json!([
                "GetRoleCredentials",
                s.session.name,
                s.session.start_url,
                s.session.region,
                s.account_id,
                s.role_name,
                s.portal_endpoint
            ])
            .to_string(),
            Step::AssumeRole(h) => serde_json::json!([
                "AssumeRole",
                h.role_arn,
                h.session_name,
                h.external_id,
                h.duration_seconds,
                h.source_identity,
                h.mfa_serial,
                h.endpoint_url,
                sts_region
            ])
            .to_string(),
        }
    }

    /// For `--verbose`, `cache list` and "waiting for" messages: names and ARNs, never a secret.
    pub fn describe(&self) -> String {
        match self {
            Step::StaticKeys { profile, .. } => format!("static keys of profile `{profile}`"),
            Step::Environment { profile, .. } => {
                format!("keys from the environment for profile `{profile}`")
            }
            Step::Process { profile, .. } => {
                format!("the `credential_process` of profile `{profile}`")
            }
            Step::WebIdentity(w) => format!("AssumeRoleWithWebIdentity {}", w.role_arn),
            Step::Container(c) => format!("container credentials from {}", c.url),
            Step::InstanceMetadata(i) => {
                format!("instance metadata credentials from {}", i.endpoint)
            }
            Step::MfaSession(s) => format!("GetSessionToken {}", s.mfa_serial),
            Step::AssumeRole(h) => format!("AssumeRole {}", h.role_arn),
            Step::Sso(s) => format!(
                "IAM Identity Center role `{}` in account {} ({})",
                s.role_name,
                s.account_id,
                s.session.describe()
            ),
        }
    }

    pub fn role_arn(&self) -> Option<&str> {
        match self {
            Step::AssumeRole(h) => Some(&h.role_arn),
            Step::WebIdentity(w) => Some(&w.role_arn),
            _ => None,
        }
    }

    /// Long-term keys, on which `GetSessionToken` can open an MFA session.
    fn is_long_term(&self) -> bool {
        match self {
            Step::StaticKeys { keys, .. } => keys.session_token.is_none(),
            Step::Environment { keys, .. } => {
                keys.as_ref().is_none_or(|k| k.session_token.is_none())
            }
            Step::Process { .. }
            | Step::WebIdentity(_)
            | Step::Container(_)
            | Step::InstanceMetadata(_)
            | Step::MfaSession(_)
            | Step::AssumeRole(_)
            | Step::Sso(_) => false,
        }
    }
}

/// Which flavour of the regional STS endpoint a step calls when no endpoint URL is configured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StsVariant {
    /// `use_fips_endpoint` / `AWS_USE_FIPS_ENDPOINT`.
    pub fips: bool,
    /// `use_dualstack_endpoint` / `AWS_USE_DUALSTACK_ENDPOINT`.
    pub dual_stack: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebIdentityStep {
    pub profile: String,
    pub role_arn: String,
    /// Read afresh for every call (it rotates); the token itself is never cached or logged.
    pub token_file: String,
    /// `None`: rolecall picks one when it calls STS.
    pub session_name: Option<String>,
    pub duration_seconds: Option<i32>,
    pub endpoint_url: Option<String>,
    pub variant: StsVariant,
}

/// An IAM Identity Center session: where its token comes from and where the AWS CLI caches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSession {
    /// `[sso-session NAME]`; `None` for a legacy profile with `sso_start_url` of its own (its
    /// token cannot be refreshed, as in the AWS CLI).
    pub name: Option<String>,
    pub start_url: String,
    /// `sso_region`: where the OIDC service and the portal are called.
    pub region: String,
    /// `sso_registration_scopes`, split as the AWS CLI splits them; `None` when not set (the
    /// AWS CLI's registration key tells the two apart).
    pub scopes: Option<Vec<String>>,
    /// `AWS_ENDPOINT_URL_SSO_OIDC`, else `AWS_ENDPOINT_URL` (`None`: the regional endpoint).
    pub oidc_endpoint: Option<String>,
    /// `AWS_ENDPOINT_URL_SSO`, else `AWS_ENDPOINT_URL`: the portal (`GetRoleCredentials`,
    /// `Logout`, the listings).
    pub portal_endpoint: Option<String>,
}

/// When `sso_registration_scopes` is not set: what the AWS CLI registers for `sso-session`.
pub const DEFAULT_SSO_SCOPE: &str = "sso:account:access";

impl SsoSession {
    /// "sso session `corp`", or "the start URL ... of profile `p`" for a legacy profile.
    pub fn describe(&self) -> String {
        match &self.name {
            Some(n) => format!("sso session `{n}`"),
            None => format!("start URL {}", self.start_url),
        }
    }

    /// The scopes to register: the configured ones, else the AWS CLI's default for a session
    /// (none for a legacy profile, as the AWS CLI has it).
    pub fn registration_scopes(&self) -> Vec<String> {
        match (&self.scopes, &self.name) {
            (Some(s), _) => s.clone(),
            (None, Some(_)) => vec![DEFAULT_SSO_SCOPE.to_owned()],
            (None, None) => Vec::new(),
        }
    }
}

/// `GetRoleCredentials` for one account and role, with a session's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoStep {
    pub profile: String,
    pub session: SsoSession,
    pub account_id: String,
    pub role_name: String,
    /// The portal endpoint (the session's, repeated here because it is part of the key).
    pub portal_endpoint: Option<String>,
}

impl SsoStep {
    /// The call this step makes, for errors.
    pub fn call(&self) -> String {
        format!(
            "GetRoleCredentials for `{}` in account {} (profile `{}`)",
            self.role_name, self.account_id, self.profile
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionStep {
    /// The profile whose `mfa_serial` this session satisfies.
    pub profile: String,
    pub mfa_serial: String,
    pub mfa_process: Option<String>,
    pub duration_seconds: i32,
    /// The first hop's STS endpoint (`None`: the regional one).
    pub endpoint_url: Option<String>,
    pub variant: StsVariant,
}

/// STS's own default for `GetSessionToken`: a working day on one MFA prompt.
pub const DEFAULT_MFA_SESSION_SECONDS: i32 = 43_200;
/// `GetSessionToken` accepts 15 minutes to 36 hours for IAM users.
const MFA_SESSION_RANGE: std::ops::RangeInclusive<u64> = 900..=129_600;

#[derive(Debug, Clone)]
pub struct StaticKeys {
    pub access_key_id: String,
    pub secret_access_key: Secret<String>,
    pub session_token: Option<Secret<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleHop {
    /// The profile holding `role_arn`.
    pub profile: String,
    pub role_arn: String,
    pub mfa_serial: Option<String>,
    /// A command whose stdout is the current MFA code.
    pub mfa_process: Option<String>,
    pub duration_seconds: Option<i32>,
    pub external_id: Option<String>,
    /// `None` means rolecall picks a session name when it calls STS.
    pub session_name: Option<String>,
    pub source_identity: Option<String>,
    pub endpoint_url: Option<String>,
    pub variant: StsVariant,
}

/// STS accepts 900 s to 12 h; the role's own maximum is checked by STS.
const DURATION_RANGE: std::ops::RangeInclusive<i32> = 900..=43_200;

/// Resolve `name` into a plan, with the environment as `env` describes it.
pub fn resolve(profiles: &Profiles, name: &str, env: &EnvInputs) -> Result<Plan> {
    let top = profiles.get(name).ok_or_else(|| ProfileError::NotFound {
        profile: name.to_owned(),
        referenced_by: None,
    })?;
    let mut visited: Vec<String> = Vec::new();
    let mut hops: Vec<RoleHop> = Vec::new();
    let mut current_owned: Option<Profile> = None;
    // The region of the profile asked for wins; otherwise the nearest source profile's.
    let mut region: Option<String> = None;
    let (base, base_account_id) = loop {
        let current = current_owned.as_ref().unwrap_or(&top);
        visited.push(current.name().to_owned());
        if region.is_none() {
            region = current.get("region").map(str::to_owned);
        }
        match examine(profiles, current, &top, &visited, &mut hops, env)? {
            Next::Done(base) => break (base, current.get("aws_account_id").map(str::to_owned)),
            Next::Source(src) => {
                let next = profiles.get(&src).ok_or_else(|| ProfileError::NotFound {
                    profile: src.clone(),
                    referenced_by: Some(current.name().to_owned()),
                })?;
                current_owned = Some(next);
            }
        }
    };
    hops.reverse();
    for hop in &mut hops {
        (hop.endpoint_url, hop.variant) = sts_settings(profiles, &hop.profile, env)?;
    }
    let mut base = base;
    if let Step::WebIdentity(w) = &mut base {
        (w.endpoint_url, w.variant) = sts_settings(profiles, &w.profile, env)?;
    }

    // Only long-term keys handed out as they are lack an ARN to take the account from.
    let account_id = match &base {
        Step::StaticKeys { .. } if hops.is_empty() => base_account_id,
        _ => None,
    };
    let session = match hops.first_mut() {
        Some(first) if base.is_long_term() => mfa_session(profiles, first)?,
        _ => None,
    };
    let mut steps = Vec::with_capacity(hops.len() + 2);
    steps.push(base);
    steps.extend(session.map(Step::MfaSession));
    steps.extend(hops.into_iter().map(Step::AssumeRole));
    Ok(Plan {
        profile: top.name().to_owned(),
        steps,
        region: region.or_else(|| env.region.clone()),
        account_id,
    })
}

/// Where one profile of the chain leads: to a base, or on to its source profile. Short-lived
/// (one per profile of a chain), so the size of a step is not worth a box.
#[allow(clippy::large_enum_variant)]
enum Next {
    /// A base step.
    Done(Step),
    Source(String),
}

/// Read one profile of the chain; a role hop is pushed onto `hops`.
fn examine(
    profiles: &Profiles,
    current: &Profile,
    top: &Profile,
    visited: &[String],
    hops: &mut Vec<RoleHop>,
    env: &EnvInputs,
) -> Result<Next> {
    // A source profile with static keys ends the chain there, even if it also has `role_arn`:
    // botocore and the Rust SDK both use its keys and do not assume its role. (For the profile
    // asked for, `role_arn` with `source_profile` wins over its own keys.)
    if visited.len() > 1
        && let Some(keys) = static_keys(current)?
    {
        return Ok(Next::Done(Step::StaticKeys {
            profile: current.name().to_owned(),
            keys,
        }));
    }
    if let Some(role_arn) = current.get("role_arn") {
        hops.push(role_hop(current, top, role_arn)?);
        let source = current.get("source_profile");
        let credential_source = current.get("credential_source");
        match (source, credential_source) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    current,
                    "has both `source_profile` and `credential_source`",
                    "keep one of them",
                ));
            }
            (Some(src), None) if src == current.name() => {
                // botocore: a profile that sources itself takes its own static keys.
                let keys = static_keys(current)?.ok_or_else(|| {
                    invalid(
                        current,
                        "names itself as `source_profile` but has no `aws_access_key_id`",
                        "add the long-term keys to this profile, or name another `source_profile`",
                    )
                })?;
                return Ok(Next::Done(Step::StaticKeys {
                    profile: current.name().to_owned(),
                    keys,
                }));
            }
            (Some(src), None) => {
                if let Some(pos) = visited.iter().position(|v| v == src) {
                    let mut cycle = visited[pos..].to_vec();
                    cycle.push(src.to_owned());
                    return Err(ProfileError::Loop { cycle });
                }
                return Ok(Next::Source(src.to_owned()));
            }
            (None, Some(cs)) => return Ok(Next::Done(credential_source_base(current, cs, env)?)),
            (None, None) => {
                if let Some(file) = current.get("web_identity_token_file") {
                    // The role is the base's own: it is assumed with the token, not a hop.
                    let hop = hops.pop().expect("pushed just above");
                    return Ok(Next::Done(web_identity(hop, file, top_level(visited), env)));
                }
                let help = if current.get("credential_process").is_some() {
                    "a profile holding `credential_process` must not also hold `role_arn`: move `role_arn` to its own profile with `source_profile` pointing here"
                } else {
                    "add `source_profile = <a profile with keys>` or `credential_source = Environment`"
                };
                return Err(invalid(
                    current,
                    "has `role_arn` but no `source_profile` or `credential_source`",
                    help,
                ));
            }
        }
    }
    if let Some(keys) = static_keys(current)? {
        return Ok(Next::Done(Step::StaticKeys {
            profile: current.name().to_owned(),
            keys,
        }));
    }
    if SSO_KEYS.iter().any(|k| current.get(k).is_some()) {
        return Ok(Next::Done(Step::Sso(sso_step(profiles, current, env)?)));
    }
    if let Some(command) = current.get("credential_process") {
        return Ok(Next::Done(Step::Process {
            profile: current.name().to_owned(),
            command: command.to_owned(),
        }));
    }
    // The environment's web identity (EKS, GitHub Actions) serves the profile asked for when it
    // has no credentials of its own, as in the SDKs' default chain; never a source profile.
    if top_level(visited)
        && let (Some(file), Some(role_arn)) = (&env.web_identity_token_file, &env.role_arn)
    {
        return Ok(Next::Done(Step::WebIdentity(WebIdentityStep {
            profile: current.name().to_owned(),
            role_arn: role_arn.clone(),
            token_file: file.clone(),
            session_name: env.role_session_name.clone(),
            duration_seconds: None,
            endpoint_url: None,
            variant: StsVariant::default(),
        })));
    }
    // So does the container endpoint the environment names (ECS, EKS Pod Identity).
    if top_level(visited)
        && let Some(step) = container(current.name(), env)?
    {
        return Ok(Next::Done(step));
    }
    Err(ProfileError::NoCredentials {
        profile: current.name().to_owned(),
    })
}

/// The STS endpoint for a step of `profile`, in botocore's order: `AWS_ENDPOINT_URL_STS`,
/// `AWS_ENDPOINT_URL`, the `sts` `endpoint_url` of the `[services NAME]` section the profile
/// names with `services = NAME`, the profile's own `endpoint_url`. None at all (the regional
/// endpoint) when `ignore_configured_endpoint_urls` is true in the environment or the profile.
///
/// With it, FIPS and dual-stack: the environment's setting, else the profile's.
fn sts_settings(
    profiles: &Profiles,
    profile: &str,
    env: &EnvInputs,
) -> Result<(Option<String>, StsVariant)> {
    let Some(p) = profiles.get(profile) else {
        return Ok((env.sts_endpoint(None), StsVariant::default()));
    };
    Ok((sts_endpoint(profiles, &p, env)?, sts_variant(&p, env)?))
}

fn sts_endpoint(profiles: &Profiles, p: &Profile, env: &EnvInputs) -> Result<Option<String>> {
    if p.get("ignore_configured_endpoint_urls")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Ok(None);
    }
    let from_services = match p.get("services") {
        None => None,
        Some(name) => profiles
            .services(name)
            .ok_or_else(|| {
                invalid(
                    p,
                    &format!("`services = {name}` names no `[services {name}]` section"),
                    "add the section to the config file, or remove `services`",
                )
            })?
            .sts_endpoint_url(),
    };
    let configured = from_services.or_else(|| p.get("endpoint_url").map(str::to_owned));
    Ok(env.sts_endpoint(configured.as_deref()))
}

fn sts_variant(p: &Profile, env: &EnvInputs) -> Result<StsVariant> {
    let flag = |env_value: &Option<String>, key: &str| -> Result<bool> {
        let raw = match (env_value, p.get(key)) {
            (Some(v), _) => v.as_str(),
            (None, Some(v)) => v,
            (None, None) => return Ok(false),
        };
        match raw.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(ProfileError::Invalid {
                profile: p.name().to_owned(),
                message: format!("`{key} = {raw}` is not `true` or `false`"),
                help: format!("write `{key} = true` or `false` (or fix its environment variable)"),
            }),
        }
    };
    Ok(StsVariant {
        fips: flag(&env.use_fips_endpoint, "use_fips_endpoint")?,
        dual_stack: flag(&env.use_dualstack_endpoint, "use_dualstack_endpoint")?,
    })
}

/// The instance metadata base of `p`, with botocore's settings: the environment's first.
fn instance_metadata(p: &Profile, env: &EnvInputs) -> Result<Step> {
    let setting = |env_value: &Option<String>, key: &str| {
        env_value.clone().or_else(|| p.get(key).map(str::to_owned))
    };
    let is_true = |v: Option<String>| v.is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if is_true(env.ec2_metadata_disabled.clone()) {
        return Err(invalid(
            p,
            "has `credential_source = Ec2InstanceMetadata` but instance metadata is disabled (`AWS_EC2_METADATA_DISABLED=true`)",
            "unset `AWS_EC2_METADATA_DISABLED` on the instance, or use another `credential_source`",
        ));
    }
    let endpoint = crate::aws::metadata::imds_endpoint(
        env.ec2_metadata_endpoint.as_deref(),
        p.get("ec2_metadata_service_endpoint"),
        setting(
            &env.ec2_metadata_endpoint_mode,
            "ec2_metadata_service_endpoint_mode",
        )
        .as_deref(),
    )
    .map_err(|m| {
        invalid(
            p,
            &m,
            "fix `ec2_metadata_service_endpoint` or its mode, or the variables that set them",
        )
    })?;
    let timeout = match setting(&env.metadata_timeout, "metadata_service_timeout") {
        None => std::time::Duration::from_secs(1),
        Some(raw) => raw
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0 && *s <= 300.0)
            .map(std::time::Duration::from_secs_f64)
            .ok_or_else(|| {
                invalid(
                    p,
                    &format!("`metadata_service_timeout = {raw}` is not a number of seconds"),
                    "write seconds, such as `1` or `2.5`",
                )
            })?,
    };
    let attempts = match setting(&env.metadata_attempts, "metadata_service_num_attempts") {
        None => 1,
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=10).contains(n))
            .ok_or_else(|| {
                invalid(
                    p,
                    &format!(
                        "`metadata_service_num_attempts = {raw}` is not a whole number from 1 to 10"
                    ),
                    "write a small whole number, such as `2`",
                )
            })?,
    };
    Ok(Step::InstanceMetadata(InstanceMetadataStep {
        profile: p.name().to_owned(),
        endpoint,
        timeout,
        attempts,
        v1_disabled: is_true(setting(
            &env.ec2_metadata_v1_disabled,
            "ec2_metadata_v1_disabled",
        )),
    }))
}

/// The container base the environment names for `profile`, if it names one.
fn container(profile: &str, env: &EnvInputs) -> Result<Option<Step>> {
    let url = crate::aws::metadata::container_url(
        env.container_relative_uri.as_deref(),
        env.container_full_uri.as_deref(),
    )
    .map_err(|message| ProfileError::Invalid {
        profile: profile.to_owned(),
        message,
        help: "point `AWS_CONTAINER_CREDENTIALS_FULL_URI` at the container agent, or unset it"
            .into(),
    })?;
    Ok(url.map(|url| {
        Step::Container(ContainerStep {
            profile: profile.to_owned(),
            url,
            token_file: env.container_authorization_token_file.clone(),
            token: env.container_authorization_token.clone(),
        })
    }))
}

/// Any of these makes a profile an IAM Identity Center one, as in botocore.
const SSO_KEYS: &[&str] = &[
    "sso_session",
    "sso_start_url",
    "sso_region",
    "sso_account_id",
    "sso_role_name",
];

/// The IAM Identity Center base of `p`, read as botocore reads it: with `sso_session`, the
/// session's `sso_start_url` and `sso_region`, which the profile may repeat only with the same
/// value (the Rust SDK refuses any repetition; see `config/tests.rs`); without, the profile's own
/// (a legacy profile). `sso_account_id` and `sso_role_name` always come from the profile.
pub fn sso_step(profiles: &Profiles, p: &Profile, env: &EnvInputs) -> Result<SsoStep> {
    let session = match p.get("sso_session") {
        Some(name) => {
            let s = profiles.sso_session(name).ok_or_else(|| {
                invalid(
                    p,
                    &format!("`sso_session = {name}` names no `[sso-session {name}]` section"),
                    &format!("add `[sso-session {name}]` with `sso_start_url` and `sso_region` to the config file"),
                )
            })?;
            for key in ["sso_start_url", "sso_region"] {
                if let (Some(mine), Some(theirs)) = (p.get(key), s.get(key))
                    && mine != theirs
                {
                    return Err(invalid(
                        p,
                        &format!(
                            "`{key} = {mine}` differs from `{key} = {theirs}` in `[sso-session {name}]`"
                        ),
                        &format!(
                            "remove `{key}` from the profile (the session's is used), or make them equal"
                        ),
                    ));
                }
            }
            sso_session(Some(name), &s, env).map_err(|(key, help)| {
                invalid(p, &format!("`[sso-session {name}]` has no `{key}`"), &help)
            })?
        }
        None => sso_session(None, p, env)
            .map_err(|(key, help)| invalid(p, &format!("has no `{key}`"), &help))?,
    };
    let need = |key: &str| {
        p.get(key).map(str::to_owned).ok_or_else(|| {
            invalid(
                p,
                &format!("is an IAM Identity Center profile without `{key}`"),
                "give it `sso_account_id` and `sso_role_name` (the account and the permission set's role), or generate profiles with `rolecall sso profiles`",
            )
        })
    };
    let account_id = need("sso_account_id")?;
    let role_name = need("sso_role_name")?;
    Ok(SsoStep {
        profile: p.name().to_owned(),
        portal_endpoint: session.portal_endpoint.clone(),
        session,
        account_id,
        role_name,
    })
}

/// The session of `[sso-session name]` (`rolecall login --sso-session`, `logout`, `sso profiles`).
pub fn named_sso_session(profiles: &Profiles, name: &str, env: &EnvInputs) -> Result<SsoSession> {
    let s = profiles.sso_session(name).ok_or_else(|| ProfileError::Invalid {
        profile: name.to_owned(),
        message: format!("there is no `[sso-session {name}]` in the config file"),
        help: format!("add `[sso-session {name}]` with `sso_start_url` and `sso_region`, or check the spelling"),
    })?;
    sso_session(Some(name), &s, env).map_err(|(key, help)| ProfileError::Invalid {
        profile: name.to_owned(),
        message: format!("`[sso-session {name}]` has no `{key}`"),
        help,
    })
}

/// Every session the config names: its `[sso-session]` sections, then the start URLs of legacy
/// profiles (`logout --all`); a section that cannot be read is left out.
pub fn all_sso_sessions(profiles: &Profiles, env: &EnvInputs) -> Vec<SsoSession> {
    let mut out: Vec<SsoSession> = profiles
        .sso_session_names()
        .into_iter()
        .filter_map(|n| named_sso_session(profiles, n, env).ok())
        .collect();
    for name in profiles.names() {
        if let Some(p) = profiles.get(name)
            && p.get("sso_session").is_none()
            && let Ok(s) = sso_session(None, &p, env)
            && !out.contains(&s)
        {
            out.push(s);
        }
    }
    out
}

/// The session `name` (or a legacy profile's own keys, `name` being `None`) from `section`; the
/// missing key and what to do about it otherwise.
fn sso_session(
    name: Option<&str>,
    section: &Profile,
    env: &EnvInputs,
) -> std::result::Result<SsoSession, (&'static str, String)> {
    let need = |key: &'static str| {
        section.get(key).map(str::to_owned).ok_or((
            key,
            match name {
                Some(n) => format!("add `{key}` to `[sso-session {n}]`"),
                None => format!("add `{key}`, or move the IAM Identity Center settings into an `[sso-session NAME]` section named with `sso_session`"),
            },
        ))
    };
    let start_url = need("sso_start_url")?;
    let region = need("sso_region")?;
    // The AWS CLI's `parse_sso_registration_scopes`: split at commas, trimmed, empties dropped.
    let scopes = name.and(section.get("sso_registration_scopes")).map(|raw| {
        raw.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    });
    Ok(SsoSession {
        name: name.map(str::to_owned),
        start_url,
        region,
        scopes,
        oidc_endpoint: env.service_endpoint(env.endpoint_url_sso_oidc.as_deref()),
        portal_endpoint: env.service_endpoint(env.endpoint_url_sso.as_deref()),
    })
}

/// Whether the profile being examined is the one asked for (the first visited).
fn top_level(visited: &[String]) -> bool {
    visited.len() == 1
}

/// The web identity base of a profile with `role_arn` and `web_identity_token_file`. For the
/// profile asked for, the environment's `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN` and
/// `AWS_ROLE_SESSION_NAME` win over the profile's, as botocore has it.
fn web_identity(hop: RoleHop, file: &str, top: bool, env: &EnvInputs) -> Step {
    let from_env = |v: &Option<String>| v.clone().filter(|_| top);
    Step::WebIdentity(WebIdentityStep {
        token_file: from_env(&env.web_identity_token_file).unwrap_or_else(|| file.to_owned()),
        role_arn: from_env(&env.role_arn).unwrap_or(hop.role_arn),
        session_name: from_env(&env.role_session_name).or(hop.session_name),
        duration_seconds: hop.duration_seconds,
        endpoint_url: hop.endpoint_url,
        variant: hop.variant,
        profile: hop.profile,
    })
}

/// Move the first hop's MFA into a session step, unless its profile says `mfa_session = false`.
fn mfa_session(profiles: &Profiles, first: &mut RoleHop) -> Result<Option<SessionStep>> {
    let Some(serial) = first.mfa_serial.clone() else {
        return Ok(None);
    };
    let Some(p) = profiles.get(&first.profile) else {
        return Ok(None);
    };
    match p.get("mfa_session").map(str::to_ascii_lowercase).as_deref() {
        None | Some("true") => {}
        Some("false") => return Ok(None),
        Some(other) => {
            return Err(invalid(
                &p,
                &format!("`mfa_session = {other}` is not `true` or `false`"),
                "write `mfa_session = false` to send the code with each AssumeRole",
            ));
        }
    }
    let duration_seconds = match p.get("mfa_session_duration") {
        None => DEFAULT_MFA_SESSION_SECONDS,
        Some(raw) => match crate::cache::parse_duration(raw).map(|d| d.as_secs()) {
            Some(d) if MFA_SESSION_RANGE.contains(&d) => d as i32,
            _ => {
                return Err(invalid(
                    &p,
                    &format!("`mfa_session_duration = {raw}` is not from 15m to 36h"),
                    "write seconds or a duration such as `8h`",
                ));
            }
        },
    };
    first.mfa_serial = None;
    Ok(Some(SessionStep {
        profile: first.profile.clone(),
        mfa_serial: serial,
        mfa_process: first.mfa_process.take(),
        duration_seconds,
        endpoint_url: first.endpoint_url.clone(),
        variant: first.variant,
    }))
}

fn invalid(p: &Profile, message: &str, help: &str) -> ProfileError {
    ProfileError::Invalid {
        profile: p.name().to_owned(),
        message: message.to_owned(),
        help: help.to_owned(),
    }
}

fn static_keys(p: &Profile) -> Result<Option<StaticKeys>> {
    match (p.get("aws_access_key_id"), p.get("aws_secret_access_key")) {
        (Some(id), Some(secret)) => Ok(Some(StaticKeys {
            access_key_id: id.to_owned(),
            secret_access_key: Secret::from(secret),
            session_token: p.get("aws_session_token").map(Secret::from),
        })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(invalid(
            p,
            "has `aws_access_key_id` but no `aws_secret_access_key`",
            "add the secret key, or remove the key id",
        )),
        (None, Some(_)) => Err(invalid(
            p,
            "has `aws_secret_access_key` but no `aws_access_key_id`",
            "add the key id, or remove the secret key",
        )),
    }
}

fn credential_source_base(p: &Profile, source: &str, env: &EnvInputs) -> Result<Step> {
    match source {
        "Environment" => Ok(Step::Environment {
            profile: p.name().to_owned(),
            keys: match (&env.access_key_id, &env.secret_access_key) {
                (Some(id), Some(secret)) => Some(StaticKeys {
                    access_key_id: id.clone(),
                    secret_access_key: secret.clone(),
                    session_token: env.session_token.clone(),
                }),
                _ => None,
            },
        }),
        "EcsContainer" => match container(p.name(), env)? {
            Some(step) => Ok(step),
            None => Err(invalid(
                p,
                "has `credential_source = EcsContainer` but neither `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` nor `AWS_CONTAINER_CREDENTIALS_FULL_URI` is set",
                "run it where the container agent sets them (ECS, EKS Pod Identity), or use another `credential_source`",
            )),
        },
        "Ec2InstanceMetadata" => instance_metadata(p, env),
        other => Err(invalid(
            p,
            &format!("`credential_source = {other}` is not a known source"),
            "use `Environment`, `Ec2InstanceMetadata` or `EcsContainer`",
        )),
    }
}

fn role_hop(p: &Profile, top: &Profile, role_arn: &str) -> Result<RoleHop> {
    if !role_arn.starts_with("arn:") || role_arn.split(':').count() < 6 {
        return Err(invalid(
            p,
            &format!("`role_arn = {role_arn}` is not a role ARN"),
            "write it as `arn:aws:iam::123456789012:role/NAME`",
        ));
    }
    let duration_seconds = match p.get("duration_seconds") {
        None => None,
        Some(raw) => match raw.parse::<i32>() {
            Ok(d) if DURATION_RANGE.contains(&d) => Some(d),
            _ => {
                return Err(invalid(
                    p,
                    &format!("`duration_seconds = {raw}` is not a whole number from 900 to 43200"),
                    "STS accepts 900 seconds to 12 hours, within the role's maximum session duration",
                ));
            }
        },
    };
    let session_name = p.get("role_session_name").map(str::to_owned);
    if let Some(name) = session_name.as_deref().filter(|n| !valid_session_name(n)) {
        return Err(invalid(
            p,
            &format!("`role_session_name = {name}` is not a valid session name"),
            "use 2 to 64 characters from letters, digits and `+=,.@-_`",
        ));
    }
    let mfa_serial = p.get("mfa_serial").map(str::to_owned);
    // `mfa_process` may sit on the hop's profile or on the profile asked for.
    let mfa_process = mfa_serial
        .as_ref()
        .and_then(|_| p.get("mfa_process").or_else(|| top.get("mfa_process")))
        .map(str::to_owned);
    Ok(RoleHop {
        profile: p.name().to_owned(),
        role_arn: role_arn.to_owned(),
        mfa_serial,
        mfa_process,
        duration_seconds,
        external_id: p.get("external_id").map(str::to_owned),
        session_name,
        source_identity: p.get("source_identity").map(str::to_owned),
        endpoint_url: p.get("endpoint_url").map(str::to_owned),
        variant: StsVariant::default(),
    })
}

fn valid_session_name(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@-_".contains(&b))
}

/// What is wrong with the profiles asked for or their chain.
#[derive(Debug)]
pub enum ProfileError {
    /// No profile was named, `AWS_PROFILE` is unset and there is no `default` profile.
    NoProfileNamed,
    NotFound {
        profile: String,
        referenced_by: Option<String>,
    },
    /// `source_profile` references form a cycle; the names in order, first repeated at the end.
    Loop {
        cycle: Vec<String>,
    },
    /// A profile's keys contradict each other or hold a bad value.
    Invalid {
        profile: String,
        message: String,
        help: String,
    },
    NoCredentials {
        profile: String,
    },
    EnvironmentKeysMissing {
        profile: String,
    },
    /// The web identity token file cannot be used.
    TokenFile {
        profile: String,
        path: String,
        reason: String,
    },
}

impl std::fmt::Display for ProfileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProfileError::NoProfileNamed => write!(f, "no profile named and no `default` profile"),
            ProfileError::NotFound {
                profile,
                referenced_by,
            } => write!(
                f,
                "profile `{profile}` not found{}",
                crate::error::profile_ref(referenced_by)
            ),
            ProfileError::Loop { cycle } => write!(
                f,
                "`source_profile` loop: {}",
                crate::error::arrows(cycle.iter())
            ),
            ProfileError::Invalid {
                profile, message, ..
            } => write!(f, "profile `{profile}`: {message}"),
            ProfileError::NoCredentials { profile } => write!(
                f,
                "profile `{profile}` has no credentials and no way to get them"
            ),
            ProfileError::TokenFile {
                profile,
                path,
                reason,
            } => write!(
                f,
                "the web identity token file `{path}` of profile `{profile}` {reason}"
            ),
            ProfileError::EnvironmentKeysMissing { profile } => write!(
                f,
                "profile `{profile}` has `credential_source = Environment` but `AWS_ACCESS_KEY_ID` or `AWS_SECRET_ACCESS_KEY` is not set"
            ),
        }
    }
}

impl std::error::Error for ProfileError {}

impl crate::error::Explain for ProfileError {
    fn help(&self) -> Option<String> {
        Some(match self {
            ProfileError::NoProfileNamed => {
                "name a profile (`rolecall env prod`) or set `AWS_PROFILE`".into()
            }
            ProfileError::NotFound { .. } => {
                "add `[profile NAME]` to ~/.aws/config (or `[NAME]` to ~/.aws/credentials), or check the spelling".into()
            }
            ProfileError::Loop { .. } => {
                "make one profile in the cycle end the chain with static keys, `credential_source` or `credential_process`".into()
            }
            ProfileError::Invalid { help, .. } => help.clone(),
            ProfileError::NoCredentials { .. } => {
                "give the profile `aws_access_key_id` and `aws_secret_access_key`, or `role_arn` with `source_profile`, or `credential_process`".into()
            }
            ProfileError::EnvironmentKeysMissing { .. } => {
                "export `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` before running rolecall".into()
            }
            ProfileError::TokenFile { .. } => {
                "check `web_identity_token_file` (or `AWS_WEB_IDENTITY_TOKEN_FILE`): it must name the file your platform writes the OIDC token to".into()
            }
        })
    }
}
#[cfg(test)]
mod tests;
