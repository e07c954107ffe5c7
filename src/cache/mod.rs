//! The credential cache: one small file per step that yields temporary credentials.
//!
//! - **Keys.** A step's key hashes everything that changes its answer: the base identity (a
//!   long-term key id, or the command of a `credential_process` source) and the parameters of
//!   every step up to and including it. The MFA session step's key therefore depends only on the
//!   long-term key, `mfa_serial` and duration, and every role on top of it shares it.
//! - **Reads** take no lock. An entry is trusted only if it is a regular file (not a link), owned
//!   by us, mode 0600, in a 0700 directory, parses, and names the full key it was stored under.
//! - **Writes** happen under the step's lock (see `lock.rs`) and are atomic (see `atomic.rs`).
//! - **Garbage** is a miss: the entry is set aside as `*.bad` with one warning and fetched again.

pub mod atomic;
mod dir;
mod error;
pub mod lock;
mod names;
mod private;

// The AWS CLI's SSO token cache is written through the same directory and private-file code.
pub(crate) use dir::prepare_dir;
use dir::{check_dir, default_cache_dir};
pub use error::{CacheError, DirRole};
pub use names::{Cleared, FileKind};
pub(crate) use private::read_private;
use private::{make_private, remove_any};

use crate::context::{Context, warn};
use crate::credentials::{Credentials, format_rfc3339, parse_rfc3339};
use crate::error::{Error, Result};
use crate::prompt::Prompt;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

/// Entries are handed out only with more life than this left: botocore refreshes below 15
/// minutes and blocks below 10.
pub const DEFAULT_SERVE_MARGIN: Duration = Duration::from_secs(15 * 60);
/// Below this an SDK would call back on every request.
pub const MIN_SERVE_MARGIN: Duration = Duration::from_secs(10 * 60);
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(120);
/// Bumped when the entry layout changes; older entries are misses.
const FORMAT: u32 = 1;
/// An entry is a few hundred bytes; anything far larger is not ours.
const MAX_ENTRY: u64 = 64 * 1024;

#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    lock_dir: PathBuf,
    pub margin: Duration,
    pub lock_timeout: Duration,
    pub enabled: bool,
    verbose: bool,
    /// What this process found out about the two directories, so that each is checked (and an
    /// unusable one reported) once, not once per step.
    checked: Arc<Checked>,
}

#[derive(Debug, Default)]
struct Checked {
    /// Whether files in the cache directory may be believed.
    readable: OnceLock<bool>,
    writable: OnceLock<bool>,
    lockable: OnceLock<bool>,
}

/// A step's cache key: the hash names the file, the descriptor is stored inside and compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub hash: String,
    pub descriptor: String,
}

impl Key {
    pub fn new(descriptor: String) -> Key {
        Key {
            hash: format!("{:032x}", fnv1a_128(descriptor.as_bytes())),
            descriptor,
        }
    }

    fn file_name(&self) -> String {
        format!("{}.json", self.hash)
    }
}

/// 128-bit FNV-1a: stable across releases and platforms (std's hasher is neither), and enough to
/// name files; the full descriptor inside each entry guards against collisions.
pub fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u128::from(*b)).wrapping_mul(PRIME))
}

/// What a lookup found.
#[derive(Debug)]
pub enum Lookup {
    Fresh(Credentials),
    /// Still valid, but within the serve margin: refresh it, and hand it out only if the
    /// refresh fails for an outage (`Error::is_outage`).
    Fading(Credentials),
    /// Present and ours, but expired.
    Stale,
    Missing,
    /// Present but not trustworthy; the reason says why.
    Bad(String),
}

#[derive(Serialize, Deserialize)]
struct EntryFile {
    format: u32,
    key: String,
    profile: String,
    step: String,
    fetched_at: String,
    /// When the credentials expire by this machine's clock (STS's expiry corrected for skew).
    expiration: String,
    /// STS clock minus this machine's, in seconds, at fetch time.
    skew_seconds: i64,
    credentials: EntryCredentials,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EntryCredentials {
    access_key_id: String,
    secret_access_key: Secret<String>,
    session_token: Option<Secret<String>>,
    account_id: Option<String>,
}

/// What a cache hit needs to know about a profile without reading the config: the final step's
/// entry, and what `env` and `exec` print besides the credentials. Valid while the config files
/// and the environment that shaped the plan are unchanged (both are in the hint's id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hint {
    /// The id the hint is stored under, so that a hint moved over another is refused.
    pub id: String,
    pub entry: String,
    pub profile: String,
    pub region: Option<String>,
}

/// The id of the hint for `profile`: the config files' identity (device, inode, size, mtime,
/// ctime) and the fingerprint of every environment input that changes the plan or its keys
/// (`EnvInputs::fingerprint`). `None` when a file cannot be examined.
pub fn hint_id(profile: &str, files: &[PathBuf], env_fingerprint: &str) -> Option<String> {
    let mut d = format!("rolecall-hint-v2\n{profile}\n");
    for f in files {
        match std::fs::metadata(f) {
            Ok(m) => d.push_str(&format!(
                "{} {} {} {} {} {} {} {}\n",
                f.display(),
                m.dev(),
                m.ino(),
                m.len(),
                m.mtime(),
                m.mtime_nsec(),
                m.ctime(),
                m.ctime_nsec()
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                d.push_str(&format!("{} none\n", f.display()))
            }
            Err(_) => return None,
        }
    }
    d.push_str(env_fingerprint);
    Some(format!("{:032x}", fnv1a_128(d.as_bytes())))
}

/// The TOTP guard's record for one MFA device: the 30-second window of the last code used, and
/// a hash of that code with the serial (never the code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaMarker {
    pub window: u64,
    pub code: String,
}

/// A fetch that failed under a step's lock, as the processes waiting for that lock see it. Holds
/// the error's words, never a secret (errors hold none).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SharedFailure {
    pub at_ms: u64,
    pub pid: u32,
    pub message: String,
    pub help: Option<String>,
    /// An outage (`Error::is_outage`): for a minute, the step's fading entry is handed out
    /// without trying AWS again.
    #[serde(default)]
    pub outage: bool,
}

/// A row of `rolecall cache list`: never a secret.
#[derive(Debug)]
pub struct Listed {
    pub profile: String,
    pub step: String,
    pub expiration: Option<SystemTime>,
}

/// `ROLECALL_SERVE_MARGIN`, else the default: cached credentials are served only with more life
/// left than this (the shell plugin's refresh hook uses it too).
pub fn serve_margin(ctx: &Context) -> Result<Duration> {
    Ok(match ctx.var("ROLECALL_SERVE_MARGIN") {
        None => DEFAULT_SERVE_MARGIN,
        Some(raw) => {
            let m = parse_duration(raw).ok_or_else(|| Error::Setting {
                name: "ROLECALL_SERVE_MARGIN",
                message: format!("`{raw}` is not a duration such as `20m` or `1200`"),
            })?;
            if m < MIN_SERVE_MARGIN {
                return Err(Error::Setting {
                    name: "ROLECALL_SERVE_MARGIN",
                    message: format!(
                        "`{raw}` is below the 10-minute floor, under which SDKs refresh on every call"
                    ),
                });
            }
            m
        }
    })
}

impl Cache {
    /// Where the cache lives and how it behaves, from the environment; touches no file.
    pub fn from_context(ctx: &Context, no_cache: bool) -> Result<Cache> {
        let dir = match ctx.var("ROLECALL_CACHE_DIR") {
            Some(d) if Path::new(d).is_absolute() => PathBuf::from(d),
            Some(d) => {
                return Err(Error::Setting {
                    name: "ROLECALL_CACHE_DIR",
                    message: format!("`{d}` is not an absolute path"),
                });
            }
            None => default_cache_dir(ctx)?,
        };
        let lock_dir = match ctx
            .var("XDG_RUNTIME_DIR")
            .filter(|d| Path::new(d).is_absolute())
        {
            Some(run) => Path::new(run).join("rolecall"),
            None => dir.join("locks"),
        };
        let margin = serve_margin(ctx)?;
        let lock_timeout = match ctx.var("ROLECALL_LOCK_TIMEOUT") {
            None => DEFAULT_LOCK_TIMEOUT,
            Some(raw) => parse_duration(raw).ok_or_else(|| Error::Setting {
                name: "ROLECALL_LOCK_TIMEOUT",
                message: format!("`{raw}` is not a duration such as `2m` or `120`"),
            })?,
        };
        let disabled_by_env = ctx
            .var("ROLECALL_NO_CACHE")
            .is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"));
        Ok(Cache {
            dir,
            lock_dir,
            margin,
            lock_timeout,
            enabled: !(no_cache || disabled_by_env),
            verbose: ctx.verbose,
            checked: Arc::default(),
        })
    }

    /// Look an entry up without locking. Never fails: anything odd is `Bad` or `Missing`.
    pub fn read(&self, key: &Key, now: SystemTime) -> Lookup {
        self.lookup(&key.hash, now, |stored| stored == key.descriptor)
    }

    /// Look an entry up by its hash alone (from a hint): the descriptor stored in the entry must
    /// hash to it.
    pub fn read_hash(&self, hash: &str, now: SystemTime) -> Lookup {
        self.lookup(hash, now, |stored| {
            format!("{:032x}", fnv1a_128(stored.as_bytes())) == hash
        })
    }

    fn lookup(&self, hash: &str, now: SystemTime, belongs: impl Fn(&str) -> bool) -> Lookup {
        if !self.readable() {
            return Lookup::Missing;
        }
        match self.read_entry(&self.dir.join(format!("{hash}.json"))) {
            Ok(None) => Lookup::Missing,
            Err(reason) => Lookup::Bad(reason),
            Ok(Some(entry)) if !belongs(&entry.key) => {
                Lookup::Bad("it belongs to another key".into())
            }
            Ok(Some(entry)) => match parse_rfc3339(&entry.expiration) {
                None => Lookup::Bad("its expiration is unreadable".into()),
                Some(exp) if exp > now => {
                    let c = entry.credentials;
                    let creds = Credentials {
                        access_key_id: c.access_key_id,
                        secret_access_key: c.secret_access_key,
                        session_token: c.session_token,
                        expiration: Some(exp),
                        account_id: c.account_id,
                    };
                    match creds.check_text() {
                        Err(field) => Lookup::Bad(format!("its `{field}` holds a NUL byte")),
                        Ok(()) if exp.duration_since(now).is_ok_and(|left| left > self.margin) => {
                            Lookup::Fresh(creds)
                        }
                        Ok(()) => Lookup::Fading(creds),
                    }
                }
                Some(_) => Lookup::Stale,
            },
        }
    }

    /// The hint for `id`: which entry answers a profile while the config files are unchanged.
    /// The hint is believed only if it says it is the one for `id`: hints are named by hashes
    /// that nothing else checks, so a hint copied or renamed over another is refused.
    pub fn read_hint(&self, id: &str) -> Option<Hint> {
        if !self.readable() {
            return None;
        }
        let buf = read_private(&self.dir.join(format!("hint-{id}.json"))).ok()??;
        serde_json::from_slice::<Hint>(&buf)
            .ok()
            .filter(|h| h.id == id)
    }

    pub fn write_hint(&self, hint: &Hint) {
        if !self.writable() {
            return;
        }
        let id = &hint.id;
        if let Ok(body) = serde_json::to_vec(hint) {
            let _ = atomic::write(&self.dir, &format!("hint-{id}.json"), &body);
        }
    }

    fn read_entry(&self, path: &Path) -> Result<Option<EntryFile>, String> {
        let Some(buf) = read_private(path)? else {
            return Ok(None);
        };
        let entry: EntryFile =
            serde_json::from_slice(&buf).map_err(|_| "it is not a valid entry".to_owned())?;
        if entry.format != FORMAT {
            return Err(format!("it has format {}, not {FORMAT}", entry.format));
        }
        Ok(Some(entry))
    }

    /// Store `creds` for `key`. Call with the key's lock held.
    pub fn write(
        &self,
        key: &Key,
        profile: &str,
        step: &str,
        creds: &Credentials,
        skew_seconds: i64,
        now: SystemTime,
    ) -> Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let Some(expiration) = creds.expiration else {
            return Ok(());
        };
        if !self.writable() {
            return Ok(());
        }
        let entry = EntryFile {
            format: FORMAT,
            key: key.descriptor.clone(),
            profile: profile.to_owned(),
            step: step.to_owned(),
            fetched_at: format_rfc3339(now),
            expiration: format_rfc3339(expiration),
            skew_seconds,
            credentials: EntryCredentials {
                access_key_id: creds.access_key_id.clone(),
                secret_access_key: creds.secret_access_key.clone(),
                session_token: creds.session_token.clone(),
                account_id: creds.account_id.clone(),
            },
        };
        let secret_len = creds.secret_access_key.expose().len()
            + creds.session_token.as_ref().map_or(0, |t| t.expose().len());
        let mut buf = Zeroizing::new(Vec::with_capacity(
            secret_len * 6 + key.descriptor.len() * 6 + 1024,
        ));
        serde_json::to_writer(&mut *buf, &entry).expect("serializing to memory cannot fail");
        let name = key.file_name();
        atomic::remove_stale_temps(&self.dir, &name);
        atomic::write(&self.dir, &name, &buf).map_err(|source| Error::Io {
            what: format!("cannot write the cache entry in {}", self.dir.display()),
            source,
        })
    }

    /// Move an untrustworthy entry out of the way (`*.bad`), so it is neither used nor in the way.
    /// What is set aside may hold a live secret under a loose mode, so it is made 0600.
    pub fn set_aside(&self, key: &Key, reason: &str, ctx: &Context) {
        let path = self.dir.join(key.file_name());
        let aside = self.dir.join(format!("{}.bad", key.file_name()));
        let _ = remove_any(&aside);
        match std::fs::rename(&path, &aside) {
            Ok(()) => {
                if !make_private(&aside) {
                    let _ = std::fs::remove_file(&aside);
                }
                ctx.warn(format_args!(
                    "ignoring the cache entry {} because {reason}; fetching new credentials",
                    path.display()
                ))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => {
                let _ = remove_any(&path);
            }
        }
    }

    /// The same cache, waiting at least `wait` for a lock (a login may take minutes).
    pub fn waiting_at_least(&self, wait: Duration) -> Cache {
        let mut c = self.clone();
        c.lock_timeout = c.lock_timeout.max(wait);
        c
    }

    /// For an IAM Identity Center session's lock only: waiting at least `wait`, and taken even
    /// when the cache is off (`--no-cache`), since it guards the token file shared with the AWS
    /// CLI, not rolecall's entries (two refreshes with one refresh token race).
    pub fn token_locks(&self, wait: Duration) -> Cache {
        let mut c = self.waiting_at_least(wait);
        c.enabled = true;
        c
    }

    /// Take the step lock for `key`. `None` when there is no lock to take: the cache is off, or
    /// the lock directory is unusable (reported once; that costs single flight, not the
    /// credentials). Only a timeout is an error.
    pub fn lock(
        &self,
        key: &Key,
        doing: &str,
        prompt: &mut dyn Prompt,
    ) -> Result<Option<lock::StepLock>> {
        if !self.enabled {
            return Ok(None);
        }
        let lockable = *self.checked.lockable.get_or_init(|| {
            prepare_dir(&self.lock_dir, DirRole::Locks)
                .map_err(|e| {
                    warn(format_args!(
                        "{e}; going on without locks, so concurrent callers may each call AWS"
                    ))
                })
                .is_ok()
        });
        if !lockable {
            return Ok(None);
        }
        let path = self.lock_dir.join(format!("{}.lock", key.hash));
        match lock::acquire(&path, doing, self.lock_timeout, self.verbose, prompt) {
            Ok(l) => Ok(Some(l)),
            Err(e @ Error::Cache(CacheError::LockTimeout { .. })) => Err(e),
            Err(e) => {
                warn(format_args!("{e}; going on without the lock"));
                Ok(None)
            }
        }
    }

    /// Reads believe the directory only if no one else could have written to it (one `stat`,
    /// once per process). A missing directory is fine: every read is then a miss.
    fn readable(&self) -> bool {
        self.enabled
            && *self.checked.readable.get_or_init(|| match check_dir(&self.dir) {
                Ok(_) => true,
                Err(reason) => {
                    warn(format_args!(
                        "ignoring the cache directory {} because {reason}; going on without the cache",
                        self.dir.display()
                    ));
                    false
                }
            })
    }

    /// Prepares the directory for writing once; an unusable one is reported once.
    fn writable(&self) -> bool {
        // A directory refused for reads is not written to either (and was reported already).
        self.enabled
            && self.checked.readable.get() != Some(&false)
            && *self.checked.writable.get_or_init(|| {
                prepare_dir(&self.dir, DirRole::Cache)
                    .map_err(|e| warn(format_args!("{e}; the credentials are not cached")))
                    .is_ok()
            })
    }

    /// Tell the processes waiting for `key`'s lock that this fetch failed, so that they fail
    /// with it instead of each trying again (behind a dead endpoint that costs a timeout each).
    pub fn record_failure(&self, key: &Key, at: SystemTime, error: &Error) {
        if !self.writable() {
            return;
        }
        let failure = SharedFailure {
            at_ms: millis(at),
            pid: std::process::id(),
            message: error.to_string(),
            help: error.help(),
            outage: error.is_outage(),
        };
        if let Ok(body) = serde_json::to_vec(&failure) {
            let _ = atomic::write(&self.dir, &format!("fail-{}.json", key.hash), &body);
        }
    }

    /// A failure recorded for `key` at or after `since` (when this process began to wait).
    pub fn failure_since(&self, key: &Key, since: SystemTime) -> Option<SharedFailure> {
        if !self.readable() {
            return None;
        }
        let buf = read_private(&self.dir.join(format!("fail-{}.json", key.hash))).ok()??;
        let f: SharedFailure = serde_json::from_slice(&buf).ok()?;
        (f.at_ms >= millis(since)).then_some(f)
    }

    /// The outage recorded for `key` less than `pause` before `now`, if any: while it lasts the
    /// step's fading entry is handed out without asking AWS again.
    pub fn outage_within(
        &self,
        key: &Key,
        now: SystemTime,
        pause: Duration,
    ) -> Option<SharedFailure> {
        let since = now.checked_sub(pause).unwrap_or(UNIX_EPOCH);
        self.failure_since(key, since)
            .filter(|f| f.outage && f.at_ms <= millis(now))
    }

    /// When the entry for `key` expires, whatever its state (`status`); `None` when there is none.
    pub fn expiry(&self, key: &Key) -> Option<SystemTime> {
        if !self.readable() {
            return None;
        }
        let entry = self
            .read_entry(&self.dir.join(key.file_name()))
            .ok()
            .flatten()?;
        (entry.key == key.descriptor)
            .then(|| parse_rfc3339(&entry.expiration))
            .flatten()
    }

    /// Remove every entry whose key `matches` (the entries of one SSO session, for `logout`);
    /// how many went.
    pub fn remove_matching(&self, matches: impl Fn(&str) -> bool) -> usize {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut removed = 0;
        for e in dir.flatten() {
            if e.file_name().to_str().and_then(FileKind::of) != Some(FileKind::Entry) {
                continue;
            }
            if let Ok(Some(entry)) = self.read_entry(&e.path())
                && matches(&entry.key)
                && std::fs::remove_file(e.path()).is_ok()
            {
                removed += 1;
            }
        }
        removed
    }

    pub fn remove(&self, key: &Key) -> bool {
        std::fs::remove_file(self.dir.join(key.file_name())).is_ok()
    }

    /// Every entry, expired or not, for `cache list`. Unreadable entries are listed as such.
    pub fn list(&self) -> Vec<Listed> {
        let mut rows = Vec::new();
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return rows;
        };
        for e in dir.flatten() {
            let path = e.path();
            if e.file_name().to_str().and_then(FileKind::of) != Some(FileKind::Entry) {
                continue;
            }
            match self.read_entry(&path) {
                Ok(Some(entry)) => rows.push(Listed {
                    profile: entry.profile,
                    step: entry.step,
                    expiration: parse_rfc3339(&entry.expiration),
                }),
                _ => rows.push(Listed {
                    profile: "?".into(),
                    step: "(unreadable entry)".into(),
                    expiration: None,
                }),
            }
        }
        rows.sort_by(|a, b| (&a.profile, &a.step).cmp(&(&b.profile, &b.step)));
        rows
    }

    /// Remove every file rolecall wrote here (entries, set-aside entries, hints, MFA markers,
    /// failure markers, temp files), and nothing else: the directory may be shared with other
    /// files (a user may point `ROLECALL_CACHE_DIR` anywhere). Never a directory.
    pub fn clear_all(&self) -> Cleared {
        let mut cleared = Cleared::default();
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return cleared;
        };
        for e in dir.flatten() {
            let Some(kind) = e.file_name().to_str().and_then(FileKind::of) else {
                continue;
            };
            // `file_type` does not follow links: a link named like an entry goes, its target stays.
            if e.file_type().is_ok_and(|t| !t.is_dir()) && std::fs::remove_file(e.path()).is_ok() {
                cleared.count(kind);
            }
        }
        cleared
    }

    /// The last MFA code used for `serial`, as the TOTP guard recorded it.
    pub fn last_mfa_use(&self, serial: &str) -> Option<MfaMarker> {
        if !self.readable() {
            return None;
        }
        let name = format!("mfa-{:032x}.json", fnv1a_128(serial.as_bytes()));
        let buf = read_private(&self.dir.join(name)).ok()??;
        serde_json::from_slice(&buf).ok()
    }

    pub fn record_mfa_use(&self, serial: &str, window: u64, code_hash: &str) {
        if !self.writable() {
            return;
        }
        let name = format!("mfa-{:032x}.json", fnv1a_128(serial.as_bytes()));
        let marker = MfaMarker {
            window,
            code: code_hash.to_owned(),
        };
        if let Ok(body) = serde_json::to_vec(&marker) {
            let _ = atomic::write(&self.dir, &name, &body);
        }
    }
}

/// A hash of an MFA code, so that the code itself is never stored.
pub fn mfa_code_hash(serial: &str, code: &str) -> String {
    format!("{:032x}", fnv1a_128(format!("{serial}\n{code}").as_bytes()))
}

fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `900`, `900s`, `15m`, `1h`, `12h`.
pub fn parse_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    let (num, unit) = match raw.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&raw[..i], &raw[i..]),
        None => (raw, "s"),
    };
    let n: u64 = num.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_is_stable() {
        // Pinned: changing the hash would orphan every user's cache.
        assert_eq!(
            format!("{:032x}", fnv1a_128(b"")),
            "6c62272e07bb014262b821756295c58d"
        );
        assert_eq!(
            format!("{:032x}", fnv1a_128(b"a")),
            "d228cb696f1a8caf78912b704e4a8964"
        );
    }

    /// `cache clear --all` removed anything named `*.json`, `*.tmp` or `*.bad`.
    #[test]
    fn only_names_rolecall_writes_are_its_own() {
        let h = "0123456789abcdef0123456789abcdef";
        for (name, kind) in [
            (format!("{h}.json"), Some(FileKind::Entry)),
            (format!("{h}.json.bad"), Some(FileKind::SetAside)),
            (format!("hint-{h}.json"), Some(FileKind::Hint)),
            (format!("mfa-{h}.json"), Some(FileKind::MfaMarker)),
            (format!("fail-{h}.json"), Some(FileKind::FailMarker)),
            (format!(".{h}.json.123.0.tmp"), Some(FileKind::Temp)),
            (format!(".hint-{h}.json.9.41.tmp"), Some(FileKind::Temp)),
            ("package.json".into(), None),
            ("notes.tmp".into(), None),
            ("thesis.bad".into(), None),
            (format!("{}.json", h.to_uppercase()), None),
            (format!("{h}0.json"), None),
            ("e8be5486177c5b5392bd9aa76563515b29358e6e.json".into(), None),
            (format!(".{h}.json.x.0.tmp"), None),
            (format!(".{h}.json.bad.1.0.tmp"), None),
            (".notes.1.0.tmp".into(), None),
        ] {
            assert_eq!(FileKind::of(&name), kind, "{name}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("900"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("12h"), Some(Duration::from_secs(43200)));
        assert_eq!(parse_duration("1d"), None);
        assert_eq!(parse_duration("m"), None);
    }
}
