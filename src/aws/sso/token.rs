//! The AWS CLI's token cache, `~/.aws/sso/cache`: rolecall reads and writes the same files as
//! `aws sso login`, botocore and the SDKs, so one login serves them all.
//!
//! - A token is `<sha1 of the session name>.json` (of the start URL as configured, for a legacy
//!   profile), with the AWS CLI's fields; it is looked up by that name only, never by scanning.
//! - A client registration is `<sha1 of the AWS CLI's registration key>.json`.
//! - Times are written as `2026-11-22T12:00:00Z` and read leniently: `Z`, `UTC` (what botocore's
//!   `%Z` writes), fractions and offsets.
//! - Files are read through the cache's private-file code (no links, ours, 0600) and written
//!   through its atomic write (0600, in a directory created 0700). A file another tool is still
//!   writing (botocore does not write atomically) is read again, then taken as absent.

use super::Registration;
use crate::aws::chain::SsoSession;
use crate::cache::{CacheError, DirRole, atomic, prepare_dir, read_private};
use crate::context::Context;
use crate::credentials::{format_rfc3339, parse_rfc3339};
use crate::error::{Error, Result};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};
use zeroize::Zeroizing;

/// A token file, field for field as the AWS CLI writes it. Fields rolecall does not know
/// (`receivedAt`, ...) are kept as they are on a rewrite.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenFile {
    pub start_url: String,
    pub region: String,
    pub access_token: Secret<String>,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret<String>>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl TokenFile {
    /// When the access token expires; `None` when the field cannot be read (then it is expired).
    pub fn expiry(&self) -> Option<SystemTime> {
        parse_time(&self.expires_at)
    }

    /// How long the access token has left at `now` (zero when expired or unreadable).
    pub fn left(&self, now: SystemTime) -> Duration {
        self.expiry()
            .and_then(|e| e.duration_since(now).ok())
            .unwrap_or(Duration::ZERO)
    }

    /// The registration this token can be refreshed with, if it can be: a session's token (never
    /// a legacy one), with a refresh token and a client registration that is still valid.
    pub fn refresh_with(&self, session: &SsoSession, now: SystemTime) -> Option<Registration> {
        session.name.as_ref()?;
        self.refresh_token.as_ref()?;
        let expires_at = parse_time(self.registration_expires_at.as_deref()?)?;
        if expires_at <= now {
            return None;
        }
        Some(Registration {
            client_id: self.client_id.clone()?,
            client_secret: self.client_secret.clone()?,
            expires_at,
            scopes: None,
            grant_types: None,
        })
    }
}

/// The registration file, as the AWS CLI writes it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegistrationFile {
    client_id: String,
    client_secret: Secret<String>,
    expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grant_types: Option<Vec<String>>,
}

/// `Z`, `UTC` (botocore's `%Z`), fractions, offsets.
pub fn parse_time(raw: &str) -> Option<SystemTime> {
    let t = raw.trim();
    match t.strip_suffix("UTC") {
        Some(rest) => parse_rfc3339(&format!("{}Z", rest.trim_end())),
        None => parse_rfc3339(t),
    }
}

/// The token file's name for `session`: the sha1 of the session name, or of the start URL as
/// configured for a legacy profile.
pub fn token_file_name(session: &SsoSession) -> String {
    let input = session.name.as_deref().unwrap_or(&session.start_url);
    format!("{}.json", sha1_hex(input.as_bytes()))
}

/// The registration file's name: the AWS CLI's `_registration_cache_key`, the sha1 of
/// `json.dumps({...}, sort_keys=True)` over the tool, start URL, region, scopes and session name
/// (Python's default separators, `", "` and `": "`, and its ASCII escapes).
pub fn registration_file_name(session: &SsoSession) -> String {
    let scopes = match &session.scopes {
        None => "null".to_owned(),
        Some(s) => format!(
            "[{}]",
            s.iter().map(|x| py_json(x)).collect::<Vec<_>>().join(", ")
        ),
    };
    let name = session
        .name
        .as_deref()
        .map_or_else(|| "null".to_owned(), py_json);
    let args = format!(
        "{{\"region\": {}, \"scopes\": {scopes}, \"session_name\": {name}, \"startUrl\": {}, \"tool\": \"botocore\"}}",
        py_json(&session.region),
        py_json(&session.start_url),
    );
    format!("{}.json", sha1_hex(args.as_bytes()))
}

/// A string as Python's `json.dumps` writes it (`ensure_ascii=True`).
fn py_json(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn sha1_hex(bytes: &[u8]) -> String {
    Sha1::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `~/.aws/sso/cache`.
#[derive(Debug, Clone)]
pub struct TokenStore {
    dir: PathBuf,
}

/// Whether the AWS CLI's cache directory is there (`Ok(false)`: not yet) and may be used: a real
/// directory of ours that others cannot write to. Unlike rolecall's own cache, a group-writable
/// one is accepted: the AWS CLI creates it with the umask's mode (0775 under the user-private
/// groups of many distributions), and every file in it must be ours and 0600 anyway, so no one
/// else can plant a token there.
fn check_sso_dir(dir: &std::path::Path) -> Result<bool, String> {
    use std::os::unix::fs::MetadataExt;
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(format!("it cannot be examined ({e})")),
    };
    if !meta.is_dir() {
        return Err("it is not a directory (or is a symbolic link)".into());
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return Err(format!("it is owned by another user (uid {})", meta.uid()));
    }
    if meta.mode() & 0o002 != 0 {
        return Err(format!(
            "anyone can write to it (mode {:o})",
            meta.mode() & 0o7777
        ));
    }
    Ok(true)
}

/// How often a file that does not parse is read again before it is taken as absent.
const READ_ATTEMPTS: u32 = 3;

impl TokenStore {
    pub fn new(ctx: &Context) -> Result<TokenStore> {
        Ok(TokenStore {
            dir: ctx.home()?.join(".aws").join("sso").join("cache"),
        })
    }

    pub fn token_path(&self, session: &SsoSession) -> PathBuf {
        self.dir.join(token_file_name(session))
    }

    /// The session's token, if its file is there, ours and readable.
    pub fn read_token(&self, ctx: &Context, session: &SsoSession) -> Option<TokenFile> {
        let token: TokenFile = self.read_json(ctx, &token_file_name(session))?;
        Some(token)
    }

    pub fn write_token(&self, session: &SsoSession, token: &TokenFile) -> Result<()> {
        let mut buf = Zeroizing::new(Vec::with_capacity(4096));
        serde_json::to_writer(&mut *buf, token).expect("serializing to memory cannot fail");
        self.write(&token_file_name(session), &buf)
    }

    pub fn remove_token(&self, session: &SsoSession) -> bool {
        std::fs::remove_file(self.token_path(session)).is_ok()
    }

    /// The cached registration, if it is still valid for `min` more and fits `grant` (a
    /// registration made for `authorization_code` only serves PKCE, and PKCE needs one).
    pub fn read_registration(
        &self,
        ctx: &Context,
        session: &SsoSession,
        pkce: bool,
        min: Duration,
    ) -> Option<Registration> {
        let r: RegistrationFile = self.read_json(ctx, &registration_file_name(session))?;
        let expires_at = parse_time(&r.expires_at)?;
        if expires_at.duration_since(ctx.now()).unwrap_or_default() <= min {
            return None;
        }
        let has = |g: &str| {
            r.grant_types
                .as_ref()
                .is_some_and(|v| v.iter().any(|x| x == g))
        };
        let fits = if pkce {
            has("authorization_code")
        } else {
            r.grant_types.is_none() || has("urn:ietf:params:oauth:grant-type:device_code")
        };
        fits.then(|| Registration {
            client_id: r.client_id,
            client_secret: r.client_secret,
            expires_at,
            scopes: r.scopes,
            grant_types: r.grant_types,
        })
    }

    pub fn write_registration(&self, session: &SsoSession, reg: &Registration) -> Result<()> {
        let file = RegistrationFile {
            client_id: reg.client_id.clone(),
            client_secret: reg.client_secret.clone(),
            expires_at: format_rfc3339(reg.expires_at),
            scopes: reg.scopes.clone(),
            grant_types: reg.grant_types.clone(),
        };
        let mut buf = Zeroizing::new(Vec::with_capacity(1024));
        serde_json::to_writer(&mut *buf, &file).expect("serializing to memory cannot fail");
        self.write(&registration_file_name(session), &buf)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        match check_sso_dir(&self.dir) {
            Ok(true) => {}
            Ok(false) => prepare_dir(&self.dir, DirRole::SsoCache)?,
            Err(reason) => {
                return Err(CacheError::UnsafeDir {
                    what: DirRole::SsoCache,
                    dir: self.dir.clone(),
                    reason,
                }
                .into());
            }
        }
        atomic::write(&self.dir, name, bytes).map_err(|source| Error::Io {
            what: format!("cannot write {}", self.dir.join(name).display()),
            source,
        })
    }

    fn read_json<T: serde::de::DeserializeOwned>(&self, ctx: &Context, name: &str) -> Option<T> {
        let path = self.dir.join(name);
        if let Err(reason) = check_sso_dir(&self.dir) {
            ctx.warn(format_args!(
                "ignoring the AWS SSO cache {} because {reason}",
                self.dir.display()
            ));
            return None;
        }
        for attempt in 1..=READ_ATTEMPTS {
            match read_private(&path) {
                Ok(None) => return None,
                Err(reason) => {
                    ctx.warn(format_args!("ignoring {} because {reason}", path.display()));
                    return None;
                }
                Ok(Some(buf)) => match serde_json::from_slice::<T>(&buf) {
                    Ok(v) => return Some(v),
                    // Another tool may be writing it in place: give it a moment.
                    Err(_) if attempt < READ_ATTEMPTS => {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    Err(e) => ctx.debug(format_args!(
                        "{} does not parse ({e}): taken as absent",
                        path.display()
                    )),
                },
            }
        }
        None
    }
}

/// A token file for a token just issued at `now`: `Z` timestamps, the registration beside the
/// token for a session (so that it can be refreshed), none of it for a legacy profile.
pub fn new_token_file(
    session: &SsoSession,
    token: super::NewToken,
    reg: &Registration,
    now: SystemTime,
    previous: Option<&TokenFile>,
) -> TokenFile {
    let refreshable = session.name.is_some();
    // A refresh that returns no new refresh token leaves the old one in force.
    let refresh_token = token
        .refresh_token
        .or_else(|| previous.and_then(|p| p.refresh_token.clone()));
    TokenFile {
        start_url: session.start_url.clone(),
        region: session.region.clone(),
        access_token: token.access_token,
        expires_at: format_rfc3339(now + Duration::from_secs(token.expires_in)),
        client_id: refreshable.then(|| reg.client_id.clone()),
        client_secret: refreshable.then(|| reg.client_secret.clone()),
        registration_expires_at: refreshable.then(|| format_rfc3339(reg.expires_at)),
        refresh_token: refresh_token.filter(|_| refreshable),
        other: previous.map(|p| p.other.clone()).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(name: Option<&str>, scopes: Option<Vec<&str>>) -> SsoSession {
        SsoSession {
            name: name.map(str::to_owned),
            start_url: "https://d-abc123.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: scopes.map(|s| s.into_iter().map(str::to_owned).collect()),
            oidc_endpoint: None,
            portal_endpoint: None,
        }
    }

    /// The AWS CLI's own key vectors (its tests): sha1 of the session name, of the start URL.
    #[test]
    fn token_file_names_are_the_aws_clis() {
        assert_eq!(
            token_file_name(&session(Some("admin"), None)),
            "d033e22ae348aeb5660fc2140aec35850c4da997.json"
        );
        let mut legacy = session(None, None);
        legacy.start_url = "https://d-abc123.awsapps.com/start".into();
        assert_eq!(
            token_file_name(&legacy),
            format!("{}.json", sha1_hex(b"https://d-abc123.awsapps.com/start"))
        );
    }

    /// Python's `json.dumps(args, sort_keys=True)`, byte for byte.
    #[test]
    fn the_registration_key_is_pythons_json() {
        let s = session(Some("dev"), Some(vec!["sso:account:access"]));
        let expected = "{\"region\": \"us-east-1\", \"scopes\": [\"sso:account:access\"], \"session_name\": \"dev\", \"startUrl\": \"https://d-abc123.awsapps.com/start\", \"tool\": \"botocore\"}";
        assert_eq!(
            registration_file_name(&s),
            format!("{}.json", sha1_hex(expected.as_bytes()))
        );
        let legacy = session(None, None);
        let expected = "{\"region\": \"us-east-1\", \"scopes\": null, \"session_name\": null, \"startUrl\": \"https://d-abc123.awsapps.com/start\", \"tool\": \"botocore\"}";
        assert_eq!(
            registration_file_name(&legacy),
            format!("{}.json", sha1_hex(expected.as_bytes()))
        );
        assert_eq!(py_json("é\"\n"), "\"\\u00e9\\\"\\n\"");
    }

    /// botocore writes the file in place: a reader that comes in the middle must read it again
    /// rather than take it for garbage (or for absent) at once.
    #[test]
    fn a_file_being_written_is_read_again() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let ctx = Context::from_os_env(vec![("HOME".into(), home.path().into())]);
        let store = TokenStore::new(&ctx).unwrap();
        let s = session(Some("corp"), None);
        std::fs::create_dir_all(home.path().join(".aws/sso/cache")).unwrap();
        let path = store.token_path(&s);
        let full = "{\"startUrl\":\"u\",\"region\":\"r\",\"accessToken\":\"fake-token\",\"expiresAt\":\"2030-01-01T00:00:00UTC\"}";
        std::fs::write(&path, &full[..20]).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let writer = {
            let path = path.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                std::fs::write(&path, full).unwrap();
            })
        };
        let t = store
            .read_token(&ctx, &s)
            .expect("read again once complete");
        writer.join().unwrap();
        assert_eq!(t.access_token.expose(), "fake-token");
        assert!(t.expiry().is_some());
        // Still half-written after the retries: absent, not an error.
        std::fs::write(&path, &full[..20]).unwrap();
        assert!(store.read_token(&ctx, &s).is_none());
    }

    #[test]
    fn times_are_read_leniently() {
        let z = parse_time("2026-11-22T12:00:00Z").unwrap();
        for raw in [
            "2026-11-22T12:00:00UTC",
            "2026-11-22T12:00:00 UTC",
            "2026-11-22T12:00:00.123456Z",
            "2026-11-22T13:00:00+01:00",
            " 2026-11-22T12:00:00Z ",
        ] {
            assert_eq!(parse_time(raw), Some(z), "{raw}");
        }
        assert_eq!(parse_time("soon"), None);
    }
}
