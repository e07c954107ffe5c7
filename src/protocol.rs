//! The `credential_process` protocol (Version 1), both ways: what rolecall prints for an SDK, and
//! what it reads from a `credential_process` it runs as a source.

use crate::credentials::{Credentials, format_rfc3339};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::time::SystemTime;
use zeroize::Zeroizing;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Out<'a> {
    version: u8,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<&'a str>,
}

/// One compact JSON document and a newline, in a buffer sized up front so it never reallocates
/// (a reallocation would leave an unzeroized copy of the secret behind).
pub fn render(creds: &Credentials) -> Zeroizing<Vec<u8>> {
    let out = Out {
        version: 1,
        access_key_id: &creds.access_key_id,
        secret_access_key: creds.secret_access_key.expose(),
        session_token: creds.session_token.as_ref().map(|t| t.expose().as_str()),
        expiration: creds.expiration.map(format_rfc3339),
        account_id: creds.account_id.as_deref(),
    };
    let secrets_len = creds.access_key_id.len()
        + creds.secret_access_key.expose().len()
        + creds.session_token.as_ref().map_or(0, |t| t.expose().len());
    // JSON escapes grow a byte to at most six (`\u00XX`).
    let mut buf = Zeroizing::new(Vec::with_capacity(secrets_len * 6 + 256));
    serde_json::to_writer(&mut *buf, &out).expect("serializing to memory cannot fail");
    buf.push(b'\n');
    buf
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct In {
    /// Any JSON value: botocore compares it with `!= 1` in Python, so `1.0` passes and `"1"`
    /// does not, and a refusal should name what was there.
    version: Option<serde_json::Value>,
    access_key_id: String,
    secret_access_key: Secret<String>,
    session_token: Option<Secret<String>>,
    expiration: Option<String>,
    account_id: Option<String>,
}

/// Parse what a `credential_process` printed. Errors never quote the input: it holds secrets.
pub fn parse(stdout: &[u8], now: SystemTime) -> Result<Credentials, String> {
    let doc: In = serde_json::from_slice(stdout).map_err(|e| {
        format!(
            "its output is not credential_process JSON ({})",
            json_error_kind(&e)
        )
    })?;
    check_version(doc.version.as_ref())?;
    Credentials::from_source(
        doc.access_key_id,
        doc.secret_access_key,
        doc.session_token,
        doc.expiration.as_deref(),
        doc.account_id,
        now,
    )
}

/// `Version` must be a JSON number equal to 1 (`1`, `1.0`, `1e0`). A refusal shows a number
/// (never a secret) and only the type of anything else.
fn check_version(version: Option<&serde_json::Value>) -> Result<(), String> {
    use serde_json::Value;
    let shown = match version {
        Some(Value::Number(n)) if n.as_f64() == Some(1.0) => return Ok(()),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(_)) => "as a string".into(),
        Some(Value::Bool(_)) => "as a boolean".into(),
        Some(Value::Array(_)) => "as an array".into(),
        Some(Value::Object(_)) => "as an object".into(),
        Some(Value::Null) | None => return Err("it printed no `Version`, only 1 is known".into()),
    };
    Err(format!("it printed `Version` {shown}, only 1 is known"))
}

/// What kind of JSON error, in words that quote nothing of the input.
fn json_error_kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "a field is missing or has the wrong type",
        serde_json::error::Category::Eof => "truncated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn creds() -> Credentials {
        Credentials {
            access_key_id: "ASIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: Secret::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            session_token: Some(Secret::from("token+/=")),
            expiration: Some(UNIX_EPOCH + Duration::from_secs(1_795_000_000)),
            account_id: Some("123456789012".into()),
        }
    }

    #[test]
    fn render_is_compact_with_utc_z() {
        let out = render(&creds());
        let text = std::str::from_utf8(&out).unwrap();
        assert_eq!(
            text,
            "{\"Version\":1,\"AccessKeyId\":\"ASIAIOSFODNN7EXAMPLE\",\"SecretAccessKey\":\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\",\"SessionToken\":\"token+/=\",\"Expiration\":\"2026-11-18T11:06:40Z\",\"AccountId\":\"123456789012\"}\n"
        );
    }

    #[test]
    fn render_long_term_keys_omits_token_and_expiry() {
        let mut c = creds();
        c.session_token = None;
        c.expiration = None;
        c.account_id = None;
        let text = String::from_utf8(render(&c).to_vec()).unwrap();
        assert!(
            !text.contains("SessionToken")
                && !text.contains("Expiration")
                && !text.contains("AccountId")
        );
    }

    #[test]
    fn parse_round_trips_render() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let c = parse(&render(&creds()), now).unwrap();
        assert_eq!(c.access_key_id, "ASIAIOSFODNN7EXAMPLE");
        assert_eq!(c.expiration, creds().expiration);
    }

    #[test]
    fn parse_errors_never_echo_the_secret() {
        let now = UNIX_EPOCH;
        for bad in [
            &b"{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"SUPERSECRET\"}"[..],
            b"{\"Version\":1,\"SecretAccessKey\":\"SUPERSECRET\"}",
            b"SUPERSECRET",
            b"{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"SUPERSECRET\",\"Expiration\":\"soon\"}",
        ] {
            let e = parse(bad, now).unwrap_err();
            assert!(!e.contains("SUPERSECRET"), "{e}");
        }
    }

    fn doc(version: &str) -> Vec<u8> {
        format!(
            "{{\"Version\": {version}, \"AccessKeyId\": \"AKIAIOSFODNN7EXAMPLE\", \"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}}"
        )
        .into_bytes()
    }

    #[test]
    fn version_1_0_is_accepted() {
        // botocore compares `Version` with `!= 1` in Python, so 1.0 is a valid Version 1.
        for ok in ["1", "1.0", "1e0", "1.00"] {
            let c = parse(&doc(ok), UNIX_EPOCH).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(c.access_key_id, "AKIAIOSFODNN7EXAMPLE");
        }
        for (bad, says) in [
            ("2", "it printed `Version` 2, only 1 is known"),
            ("1.5", "it printed `Version` 1.5, only 1 is known"),
            ("0", "it printed `Version` 0, only 1 is known"),
            ("-1", "it printed `Version` -1, only 1 is known"),
            ("\"1\"", "it printed `Version` as a string, only 1 is known"),
            ("true", "it printed `Version` as a boolean, only 1 is known"),
            ("null", "it printed no `Version`, only 1 is known"),
        ] {
            assert_eq!(parse(&doc(bad), UNIX_EPOCH).unwrap_err(), says, "{bad}");
        }
        let missing = br#"{"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "x"}"#;
        assert_eq!(
            parse(missing, UNIX_EPOCH).unwrap_err(),
            "it printed no `Version`, only 1 is known"
        );
    }

    /// A NUL byte from a `credential_process` went out unchecked (bash dropped it, zsh cut it).
    #[test]
    fn parse_refuses_a_nul_byte() {
        let doc = "{\"Version\":1,\"AccessKeyId\":\"ASIAIOSFODNN7EXAMPLE\",\"SecretAccessKey\":\"wJalr\\u0000XUtn\"}";
        let e = parse(doc.as_bytes(), UNIX_EPOCH).unwrap_err();
        assert!(e.contains("NUL") && e.contains("SecretAccessKey"), "{e}");
    }

    #[test]
    fn parse_refuses_expired() {
        let now = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
        assert!(
            parse(&render(&creds()), now)
                .unwrap_err()
                .contains("expired")
        );
    }
}
