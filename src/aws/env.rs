//! The environment variables that shape a plan, read once from the context into one typed value.
//!
//! `chain::resolve` takes it, and the hint (the cache-hit fast path that skips the config) is
//! keyed by its [`EnvInputs::fingerprint`], which destructures every field: a variable added here
//! cannot be forgotten by the hint.

use crate::context::Context;
use crate::secret::Secret;

#[derive(Debug, Clone, Default)]
pub struct EnvInputs {
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`.
    pub region: Option<String>,
    /// `AWS_ENDPOINT_URL_STS`.
    pub endpoint_url_sts: Option<String>,
    /// `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
    /// `AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL_SSO`: IAM Identity Center's OIDC service and
    /// portal.
    pub endpoint_url_sso_oidc: Option<String>,
    pub endpoint_url_sso: Option<String>,
    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`: no configured endpoint at all.
    pub ignore_configured_endpoints: bool,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`: the keys of
    /// `credential_source = Environment`.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret<String>>,
    pub session_token: Option<Secret<String>>,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME`.
    pub web_identity_token_file: Option<String>,
    pub role_arn: Option<String>,
    pub role_session_name: Option<String>,
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, `AWS_CONTAINER_CREDENTIALS_FULL_URI`,
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (the token itself is read when it is used).
    pub container_relative_uri: Option<String>,
    pub container_full_uri: Option<String>,
    pub container_authorization_token_file: Option<String>,
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`, used when no token file is named.
    pub container_authorization_token: Option<Secret<String>>,
    /// `AWS_EC2_METADATA_DISABLED`, `AWS_EC2_METADATA_SERVICE_ENDPOINT`,
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`, `AWS_METADATA_SERVICE_TIMEOUT`,
    /// `AWS_METADATA_SERVICE_NUM_ATTEMPTS`.
    pub ec2_metadata_disabled: Option<String>,
    pub ec2_metadata_endpoint: Option<String>,
    pub ec2_metadata_endpoint_mode: Option<String>,
    pub metadata_timeout: Option<String>,
    pub metadata_attempts: Option<String>,
    /// `AWS_EC2_METADATA_V1_DISABLED`.
    pub ec2_metadata_v1_disabled: Option<String>,
    /// `AWS_USE_FIPS_ENDPOINT`, `AWS_USE_DUALSTACK_ENDPOINT` (before the profile's
    /// `use_fips_endpoint` / `use_dualstack_endpoint`).
    pub use_fips_endpoint: Option<String>,
    pub use_dualstack_endpoint: Option<String>,
}

impl EnvInputs {
    pub fn from_context(ctx: &Context) -> EnvInputs {
        let var = |name: &str| ctx.var(name).map(str::to_owned);
        EnvInputs {
            region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")),
            endpoint_url_sts: var("AWS_ENDPOINT_URL_STS"),
            endpoint_url: var("AWS_ENDPOINT_URL"),
            endpoint_url_sso_oidc: var("AWS_ENDPOINT_URL_SSO_OIDC"),
            endpoint_url_sso: var("AWS_ENDPOINT_URL_SSO"),
            ignore_configured_endpoints: ctx
                .var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            access_key_id: var("AWS_ACCESS_KEY_ID"),
            secret_access_key: ctx.var("AWS_SECRET_ACCESS_KEY").map(Secret::from),
            session_token: ctx.var("AWS_SESSION_TOKEN").map(Secret::from),
            web_identity_token_file: var("AWS_WEB_IDENTITY_TOKEN_FILE"),
            role_arn: var("AWS_ROLE_ARN"),
            role_session_name: var("AWS_ROLE_SESSION_NAME"),
            container_relative_uri: var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
            container_full_uri: var("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
            container_authorization_token_file: var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
            container_authorization_token: ctx
                .var("AWS_CONTAINER_AUTHORIZATION_TOKEN")
                .map(Secret::from),
            ec2_metadata_disabled: var("AWS_EC2_METADATA_DISABLED"),
            ec2_metadata_endpoint: var("AWS_EC2_METADATA_SERVICE_ENDPOINT"),
            ec2_metadata_endpoint_mode: var("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"),
            metadata_timeout: var("AWS_METADATA_SERVICE_TIMEOUT"),
            metadata_attempts: var("AWS_METADATA_SERVICE_NUM_ATTEMPTS"),
            ec2_metadata_v1_disabled: var("AWS_EC2_METADATA_V1_DISABLED"),
            use_fips_endpoint: var("AWS_USE_FIPS_ENDPOINT"),
            use_dualstack_endpoint: var("AWS_USE_DUALSTACK_ENDPOINT"),
        }
    }

    /// Everything here that can change a plan or its cache keys, as text, secrets left out (only
    /// whether a session token is set matters). The destructuring has no `..`: a new field does
    /// not compile until it is hashed here.
    pub fn fingerprint(&self) -> String {
        let EnvInputs {
            region,
            endpoint_url_sts,
            endpoint_url,
            endpoint_url_sso_oidc,
            endpoint_url_sso,
            ignore_configured_endpoints,
            access_key_id,
            secret_access_key: _,
            session_token,
            web_identity_token_file,
            role_arn,
            role_session_name,
            container_relative_uri,
            container_full_uri,
            container_authorization_token_file,
            container_authorization_token: _,
            ec2_metadata_disabled,
            ec2_metadata_endpoint,
            ec2_metadata_endpoint_mode,
            metadata_timeout,
            metadata_attempts,
            ec2_metadata_v1_disabled,
            use_fips_endpoint,
            use_dualstack_endpoint,
        } = self;
        let fields = [
            region.as_deref(),
            endpoint_url_sts.as_deref(),
            endpoint_url.as_deref(),
            endpoint_url_sso_oidc.as_deref(),
            endpoint_url_sso.as_deref(),
            ignore_configured_endpoints.then_some("ignore"),
            access_key_id.as_deref(),
            session_token.as_ref().map(|_| "token"),
            web_identity_token_file.as_deref(),
            role_arn.as_deref(),
            role_session_name.as_deref(),
            container_relative_uri.as_deref(),
            container_full_uri.as_deref(),
            container_authorization_token_file.as_deref(),
            ec2_metadata_disabled.as_deref(),
            ec2_metadata_endpoint.as_deref(),
            ec2_metadata_endpoint_mode.as_deref(),
            metadata_timeout.as_deref(),
            metadata_attempts.as_deref(),
            ec2_metadata_v1_disabled.as_deref(),
            use_fips_endpoint.as_deref(),
            use_dualstack_endpoint.as_deref(),
        ];
        // JSON keeps a value holding a newline from passing for two fields.
        serde_json::to_string(&fields).expect("strings always serialize")
    }

    /// The endpoint of a service other than STS: its own variable (`service_var`), else
    /// `AWS_ENDPOINT_URL`, unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true.
    pub fn service_endpoint(&self, service_var: Option<&str>) -> Option<String> {
        if self.ignore_configured_endpoints {
            return None;
        }
        service_var
            .or(self.endpoint_url.as_deref())
            .map(str::to_owned)
    }

    /// The STS endpoint for a hop whose profile says `endpoint_url = profile_url`:
    /// `AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`, then the profile's, unless
    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true; `None` means the regional endpoint.
    pub fn sts_endpoint(&self, profile_url: Option<&str>) -> Option<String> {
        if self.ignore_configured_endpoints {
            return None;
        }
        self.endpoint_url_sts
            .clone()
            .or_else(|| self.endpoint_url.clone())
            .or_else(|| profile_url.map(str::to_owned))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn env(pairs: &[(&str, &str)]) -> EnvInputs {
        let os = pairs
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect();
        EnvInputs::from_context(&Context::from_os_env(os))
    }

    #[test]
    fn every_variable_that_shapes_a_plan_changes_the_fingerprint() {
        let base = env(&[]).fingerprint();
        for var in [
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL_STS",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_SSO_OIDC",
            "AWS_ENDPOINT_URL_SSO",
            "AWS_ACCESS_KEY_ID",
            "AWS_SESSION_TOKEN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_ROLE_ARN",
            "AWS_ROLE_SESSION_NAME",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            "AWS_EC2_METADATA_DISABLED",
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
            "AWS_METADATA_SERVICE_TIMEOUT",
            "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
            "AWS_USE_FIPS_ENDPOINT",
            "AWS_USE_DUALSTACK_ENDPOINT",
            "AWS_EC2_METADATA_V1_DISABLED",
        ] {
            assert_ne!(env(&[(var, "x")]).fingerprint(), base, "{var}");
        }
        assert_ne!(
            env(&[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")]).fingerprint(),
            base
        );
        // Secrets never enter it; a session token counts only as present.
        let with = env(&[
            ("AWS_SECRET_ACCESS_KEY", "s3cr3t"),
            ("AWS_SESSION_TOKEN", "t0k3n"),
        ]);
        let fp = with.fingerprint();
        assert!(!fp.contains("s3cr3t") && !fp.contains("t0k3n"), "{fp}");
    }

    #[test]
    fn sts_endpoint_precedence() {
        let e = env(&[
            ("AWS_ENDPOINT_URL", "http://all"),
            ("AWS_ENDPOINT_URL_STS", "http://sts"),
        ]);
        assert_eq!(
            e.sts_endpoint(Some("http://p")).as_deref(),
            Some("http://sts")
        );
        let e = env(&[("AWS_ENDPOINT_URL", "http://all")]);
        assert_eq!(
            e.sts_endpoint(Some("http://p")).as_deref(),
            Some("http://all")
        );
        assert_eq!(
            env(&[]).sts_endpoint(Some("http://p")).as_deref(),
            Some("http://p")
        );
        let e = env(&[
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"),
            ("AWS_ENDPOINT_URL", "x"),
        ]);
        assert_eq!(e.sts_endpoint(Some("http://p")), None);
    }
}
