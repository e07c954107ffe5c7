//! Local credential endpoints as sources: the container endpoint (ECS, EKS Pod Identity,
//! anything that sets `AWS_CONTAINER_CREDENTIALS_*`) and the instance metadata service (IMDSv2,
//! with botocore's fallback to v1). Cheap and local, so their credentials are kept in memory
//! only, never on disk; a role hop on top is cached on disk as usual.

use crate::aws::http::{self, Url};
use crate::aws::service::Aws;
use crate::aws::web;
use crate::credentials::Credentials;
use crate::secret::Secret;
use serde::Deserialize;
use std::time::{Duration, SystemTime};

/// The container endpoint for `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
const ECS_HOST: &str = "169.254.170.2";
/// Hosts a full URI may name over plain `http`, besides loopback: the ECS and EKS Pod Identity
/// agents, as the SDKs allow.
const CONTAINER_HOSTS: &[&str] = &["169.254.170.2", "169.254.170.23", "fd00:ec2::23"];
/// botocore's container fetcher: 2 s a try, 3 tries.
const TIMEOUT: Duration = Duration::from_secs(2);
const ATTEMPTS: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerStep {
    pub profile: String,
    /// The endpoint, checked against the host rule when the plan was made.
    pub url: String,
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, read for every call (EKS rotates it).
    pub token_file: Option<String>,
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`, when no file is named.
    pub token: Option<Secret<String>>,
}

/// The endpoint the environment names, checked: `Ok(None)` when it names none, `Err` with the
/// rule when a full URI may not be used.
pub fn container_url(relative: Option<&str>, full: Option<&str>) -> Result<Option<String>, String> {
    if let Some(path) = relative {
        return Ok(Some(format!("http://{ECS_HOST}{path}")));
    }
    let Some(full) = full else {
        return Ok(None);
    };
    // Over TLS any host will do, as in the SDKs: the certificate says who answers.
    if let Some(rest) = full.strip_prefix("https://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() || host.contains('@') {
            return Err(format!(
                "`AWS_CONTAINER_CREDENTIALS_FULL_URI` is `{full}`: not a URL with a host"
            ));
        }
        return Ok(Some(full.to_owned()));
    }
    let url = Url::parse(full).map_err(|e| format!("`AWS_CONTAINER_CREDENTIALS_FULL_URI`: {e}"))?;
    let host = url.host.as_str();
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback || CONTAINER_HOSTS.contains(&host) {
        Ok(Some(full.to_owned()))
    } else {
        Err(format!(
            "`AWS_CONTAINER_CREDENTIALS_FULL_URI` is `{full}`: over plain `http` only loopback and the container hosts ({}) are allowed, as in the AWS SDKs",
            CONTAINER_HOSTS.join(", ")
        ))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Document {
    access_key_id: String,
    secret_access_key: Secret<String>,
    token: Option<Secret<String>>,
    expiration: Option<String>,
    account_id: Option<String>,
}

/// Credentials from the container endpoint, or why not (never quoting the answer).
pub fn container_credentials(step: &ContainerStep, now: SystemTime) -> Result<Credentials, String> {
    let tls = step.url.starts_with("https://");
    let url = if tls {
        None
    } else {
        Some(Url::parse(&step.url)?)
    };
    let token = match (&step.token_file, &step.token) {
        (Some(file), _) => Some(
            crate::secret::read_token_file(file)
                .map_err(|why| format!("the authorization token file `{file}` {why}"))?,
        ),
        (None, Some(t)) => Some(t.clone()),
        (None, None) => None,
    };
    if token
        .as_ref()
        .is_some_and(|t| t.expose().contains(['\r', '\n']))
    {
        return Err("the authorization token holds a line break".into());
    }
    let headers: Vec<(&str, &str)> = token
        .as_ref()
        .map(|t| ("Authorization", t.expose().as_str()))
        .into_iter()
        .collect();
    // `https` only: the SDK's TLS stack, on a runtime built here once for every try.
    let aws = Aws::default();
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(200));
        }
        let answer = match &url {
            Some(url) => http::request("GET", url, &headers, TIMEOUT).map(|r| (r.status, r.body)),
            None => {
                web::get_with(&aws, &step.url, &step.url, &headers, TIMEOUT).map_err(|e| e.message)
            }
        };
        match answer {
            Ok((200, body)) => return parse(&body, now),
            // A refusal will not change on a retry.
            Ok((status, _)) if (400..500).contains(&status) => {
                return Err(format!("it answered HTTP {status}"));
            }
            Ok((status, _)) => last = format!("it answered HTTP {status}"),
            Err(e) => last = e,
        }
    }
    Err(format!("{last} (after {ATTEMPTS} tries)"))
}

fn parse(body: &[u8], now: SystemTime) -> Result<Credentials, String> {
    let doc: Document = serde_json::from_slice(body)
        .map_err(|_| "its answer is not a credentials document".to_owned())?;
    Credentials::from_source(
        doc.access_key_id,
        doc.secret_access_key,
        doc.token,
        doc.expiration.as_deref(),
        doc.account_id,
        now,
    )
}

/// The IMDS endpoints by `ec2_metadata_service_endpoint_mode`.
const IMDS_IPV4: &str = "http://169.254.169.254";
const IMDS_IPV6: &str = "http://[fd00:ec2::254]";
/// The token's life, in seconds (botocore's default).
const IMDS_TOKEN_TTL: &str = "21600";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceMetadataStep {
    pub profile: String,
    /// `http://host[:port]` without a trailing slash.
    pub endpoint: String,
    /// Per request (`AWS_METADATA_SERVICE_TIMEOUT`, default 1 s).
    pub timeout: Duration,
    /// `AWS_METADATA_SERVICE_NUM_ATTEMPTS`, default 1.
    pub attempts: u32,
    /// `ec2_metadata_v1_disabled`: no fallback to IMDSv1 when the token call is refused.
    pub v1_disabled: bool,
}

/// Which endpoint, by botocore's precedence: the environment's endpoint, the profile's, then the
/// mode's (`IPv4` by default).
pub fn imds_endpoint(
    env_endpoint: Option<&str>,
    profile_endpoint: Option<&str>,
    mode: Option<&str>,
) -> Result<String, String> {
    if let Some(e) = env_endpoint.or(profile_endpoint) {
        Url::parse(e).map_err(|why| format!("the instance metadata endpoint: {why}"))?;
        return Ok(e.trim_end_matches('/').to_owned());
    }
    match mode.map(str::to_ascii_lowercase).as_deref() {
        None | Some("ipv4") => Ok(IMDS_IPV4.to_owned()),
        Some("ipv6") => Ok(IMDS_IPV6.to_owned()),
        Some(other) => Err(format!(
            "the instance metadata endpoint mode `{other}` is not `IPv4` or `IPv6`"
        )),
    }
}

/// Credentials from instance metadata: a session token (PUT), the role's name, its credentials;
/// without a token only when the service refuses the token call and v1 is not disabled.
pub fn instance_credentials(
    step: &InstanceMetadataStep,
    now: SystemTime,
) -> Result<Credentials, String> {
    let mut last = String::new();
    for _ in 0..step.attempts.max(1) {
        match instance_once(step, now) {
            Ok(c) => return Ok(c),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn instance_once(step: &InstanceMetadataStep, now: SystemTime) -> Result<Credentials, String> {
    let url = |path: &str| Url::parse(&format!("{}{path}", step.endpoint));
    let token = http::request(
        "PUT",
        &url("/latest/api/token")?,
        &[("x-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL)],
        step.timeout,
    )?;
    let token = match token.status {
        200 => Some(Secret::from(
            std::str::from_utf8(&token.body)
                .map_err(|_| "its session token is not text".to_owned())?
                .trim(),
        )),
        403..=405 if !step.v1_disabled => None,
        s => return Err(format!("it refused a session token (HTTP {s})")),
    };
    let headers: Vec<(&str, &str)> = token
        .as_ref()
        .map(|t| ("x-aws-ec2-metadata-token", t.expose().as_str()))
        .into_iter()
        .collect();
    let roles = http::request(
        "GET",
        &url("/latest/meta-data/iam/security-credentials/")?,
        &headers,
        step.timeout,
    )?;
    if roles.status == 404 {
        return Err("this instance has no IAM role (instance profile)".into());
    }
    if roles.status != 200 {
        return Err(format!(
            "it answered HTTP {} for the role name",
            roles.status
        ));
    }
    let role = std::str::from_utf8(&roles.body)
        .ok()
        .and_then(|t| t.lines().next())
        .map(str::trim)
        .filter(|r| !r.is_empty() && !r.contains(['/', '?', '#']))
        .ok_or("its role name is not one")?
        .to_owned();
    let creds = http::request(
        "GET",
        &url(&format!(
            "/latest/meta-data/iam/security-credentials/{role}"
        ))?,
        &headers,
        step.timeout,
    )?;
    if creds.status != 200 {
        return Err(format!(
            "it answered HTTP {} for the credentials of role `{role}`",
            creds.status
        ));
    }
    parse(&creds.body, now)
}

/// A local credentials endpoint failed.
#[derive(Debug)]
pub struct MetadataError {
    /// "container credentials" or "instance metadata credentials".
    pub what: &'static str,
    pub profile: String,
    pub endpoint: String,
    pub message: String,
}

impl std::fmt::Display for MetadataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot get {} for profile `{}` from {}: {}",
            self.what, self.profile, self.endpoint, self.message
        )
    }
}

impl std::error::Error for MetadataError {}

impl crate::error::Explain for MetadataError {
    fn help(&self) -> Option<String> {
        Some(if self.what.starts_with("container") {
            "check that this runs in a container with a credentials endpoint, and `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `AWS_CONTAINER_CREDENTIALS_FULL_URI`".into()
        } else {
            "check that this runs on an EC2 instance with an instance profile; `AWS_EC2_METADATA_SERVICE_ENDPOINT` and `AWS_METADATA_SERVICE_TIMEOUT` tune the endpoint".into()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The host rule for a full URI, as the SDKs have it.
    #[test]
    fn container_host_rule() {
        for (full, ok) in [
            ("http://127.0.0.1:8080/creds", true),
            ("http://127.1.2.3/creds", true),
            ("http://localhost/creds", true),
            ("http://[::1]:9/creds", true),
            ("http://169.254.170.2/v2/x", true),
            ("http://169.254.170.23/v1/credentials", true),
            ("http://[fd00:ec2::23]/v1/credentials", true),
            ("http://169.254.169.254/latest", false),
            ("http://example.com/creds", false),
            ("http://10.0.0.1/creds", false),
            ("https://example.com/creds", true),
            ("https://10.0.0.1:8443/creds", true),
            ("https:///creds", false),
            ("https://user@example.com/creds", false),
            ("ftp://127.0.0.1/", false),
        ] {
            assert_eq!(container_url(None, Some(full)).is_ok(), ok, "{full}");
        }
        assert_eq!(
            container_url(Some("/v2/credentials/id"), Some("http://example.com")).unwrap(),
            Some("http://169.254.170.2/v2/credentials/id".into()),
            "the relative URI wins"
        );
        let e = container_url(None, Some("http://example.com/x")).unwrap_err();
        assert!(
            e.contains("loopback") && e.contains("169.254.170.23"),
            "{e}"
        );
        assert_eq!(container_url(None, None).unwrap(), None);
    }
}
