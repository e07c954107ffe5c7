//! Credentials as rolecall hands them out.

use crate::secret::{Secret, mask_key_id};
use aws_smithy_types::date_time::{DateTime, Format};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret<String>,
    pub session_token: Option<Secret<String>>,
    /// `None` for long-term keys, which do not expire.
    pub expiration: Option<SystemTime>,
    pub account_id: Option<String>,
}

impl Credentials {
    pub fn masked_key_id(&self) -> String {
        mask_key_id(&self.access_key_id)
    }

    /// The name of the first field holding a NUL byte, if any. No output can carry one: shells
    /// drop or cut it, and an environment cannot hold it. Checked where credentials enter
    /// (a `credential_process`, STS, the cache, the config), so every output is covered once.
    pub fn check_text(&self) -> Result<(), &'static str> {
        let fields = [
            ("AccessKeyId", Some(self.access_key_id.as_str())),
            (
                "SecretAccessKey",
                Some(self.secret_access_key.expose().as_str()),
            ),
            (
                "SessionToken",
                self.session_token.as_ref().map(|t| t.expose().as_str()),
            ),
            ("AccountId", self.account_id.as_deref()),
        ];
        match fields
            .iter()
            .find(|(_, v)| v.is_some_and(|v| v.as_bytes().contains(&0)))
        {
            Some((name, _)) => Err(name),
            None => Ok(()),
        }
    }

    /// `2026-11-22T12:00:00Z`: UTC, whole seconds, as the credential_process protocol and
    /// `AWS_CREDENTIAL_EXPIRATION` want it.
    pub fn expiration_rfc3339(&self) -> Option<String> {
        self.expiration.map(format_rfc3339)
    }
}

/// The last second RFC 3339 can write (9999-12-31T23:59:59Z): later times are written as it.
const LAST_RFC3339_SECOND: u64 = 253_402_300_799;

/// `2026-11-22T12:00:00Z`: RFC 3339, UTC, whole seconds (aws-smithy-types does the calendar).
/// A time past year 9999 (a service's "never expires" as a huge number) is written as the last
/// second of 9999, never a panic.
pub fn format_rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
        .min(LAST_RFC3339_SECOND);
    DateTime::from_secs(secs as i64)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| "9999-12-31T23:59:59Z".to_owned())
}

/// RFC 3339 as AWS and credential processes write it: `Z` or an offset, optional fraction
/// (dropped: expiries are kept in whole seconds, rounded down).
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let t = DateTime::from_str(s.trim(), Format::DateTimeWithOffset).ok()?;
    u64::try_from(t.secs())
        .ok()
        .map(|secs| UNIX_EPOCH + Duration::from_secs(secs))
}

impl Credentials {
    /// Credentials a source handed over as text (a `credential_process`, a container or metadata
    /// endpoint), checked alike: the stated `Expiration` must read and lie ahead of `now`, an
    /// empty session token counts as none, and no field may hold a NUL byte. The reasons quote
    /// no secret.
    pub fn from_source(
        access_key_id: String,
        secret_access_key: Secret<String>,
        session_token: Option<Secret<String>>,
        expiration: Option<&str>,
        account_id: Option<String>,
        now: SystemTime,
    ) -> Result<Credentials, String> {
        let expiration = match expiration {
            None => None,
            Some(text) => {
                let t = parse_rfc3339(text)
                    .ok_or_else(|| format!("`Expiration` `{text}` is not an RFC 3339 time"))?;
                if t <= now {
                    return Err(format!("it returned credentials that expired at {text}"));
                }
                Some(t)
            }
        };
        let creds = Credentials {
            access_key_id,
            secret_access_key,
            session_token: session_token.filter(|t| !t.expose().is_empty()),
            expiration,
            account_id,
        };
        creds.check_text().map_err(|field| {
            format!("its `{field}` holds a NUL byte, which no shell or environment can carry")
        })?;
        Ok(creds)
    }
}

/// The account id in an ARN such as `arn:aws:sts::123456789012:assumed-role/x/y`.
pub fn account_from_arn(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A registration's `clientSecretExpiresAt` of 253402300800 (year 10000) aborted `login`.
    #[test]
    fn times_past_year_9999_are_written_as_its_end() {
        for secs in [253_402_300_800u64, u64::from(u32::MAX) * 100] {
            let t = UNIX_EPOCH + Duration::from_secs(secs);
            assert_eq!(format_rfc3339(t), "9999-12-31T23:59:59Z");
        }
        assert_eq!(
            format_rfc3339(UNIX_EPOCH + Duration::from_secs(1_796_175_761)),
            "2026-12-02T01:42:41Z"
        );
    }

    #[test]
    fn rfc3339_round_trips() {
        for s in [
            "1970-01-01T00:00:00Z",
            "2026-11-22T12:34:56Z",
            "2000-02-29T23:59:59Z",
            "2100-03-01T00:00:00Z",
        ] {
            assert_eq!(format_rfc3339(parse_rfc3339(s).unwrap()), s);
        }
    }

    #[test]
    fn rfc3339_accepts_fractions_and_offsets() {
        let z = parse_rfc3339("2026-11-22T12:00:00Z").unwrap();
        assert_eq!(parse_rfc3339("2026-11-22T12:00:00.123Z"), Some(z));
        assert_eq!(parse_rfc3339("2026-11-22T13:00:00+01:00"), Some(z));
        assert_eq!(parse_rfc3339("2026-11-22T12:00:00+00:00"), Some(z));
        for bad in [
            "",
            "2026-11-22",
            "2026-13-01T00:00:00Z",
            "2026-11-22T12:00:00",
            "garbage garbage garbage",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn account_from_arn_reads_the_fifth_field() {
        assert_eq!(
            account_from_arn("arn:aws:sts::123456789012:assumed-role/r/s").as_deref(),
            Some("123456789012")
        );
        assert_eq!(account_from_arn("arn:aws:iam::aws:policy/x"), None);
    }
}
