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
pub mod lock;

use crate::context::Context;
use crate::credentials::{Credentials, format_rfc3339, parse_rfc3339};
use crate::error::{Error, Result};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
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
    /// Present and ours, but too close to expiry to hand out.
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
    pub entry: String,
    pub profile: String,
    pub region: Option<String>,
}

/// The id of the hint for `profile`: the config files' identity (device, inode, size, mtime,
/// ctime) and every variable that changes the plan or its keys. `None` when a file cannot be
/// examined.
pub fn hint_id(ctx: &Context, profile: &str, files: &[PathBuf]) -> Option<String> {
    let mut d = format!("rolecall-hint-v1\n{profile}\n");
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
    for var in HINT_VARS {
        d.push_str(ctx.var(var).unwrap_or(""));
        d.push('\n');
    }
    d.push_str(if ctx.var("AWS_SESSION_TOKEN").is_some() {
        "token"
    } else {
        ""
    });
    Some(format!("{:032x}", fnv1a_128(d.as_bytes())))
}

/// Variables that change a plan or its cache keys (besides the files).
const HINT_VARS: &[&str] = &[
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "HOME",
];

/// A row of `rolecall cache list`: never a secret.
#[derive(Debug)]
pub struct Listed {
    pub profile: String,
    pub step: String,
    pub expiration: Option<SystemTime>,
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
        let margin = match ctx.var("ROLECALL_SERVE_MARGIN") {
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
        };
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
        if !self.enabled {
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
                Some(exp) if exp.duration_since(now).is_ok_and(|left| left > self.margin) => {
                    let c = entry.credentials;
                    Lookup::Fresh(Credentials {
                        access_key_id: c.access_key_id,
                        secret_access_key: c.secret_access_key,
                        session_token: c.session_token,
                        expiration: Some(exp),
                        account_id: c.account_id,
                    })
                }
                Some(_) => Lookup::Stale,
            },
        }
    }

    /// The hint for `id`: which entry answers a profile while the config files are unchanged.
    pub fn read_hint(&self, id: &str) -> Option<Hint> {
        if !self.enabled {
            return None;
        }
        let buf = read_private(&self.dir.join(format!("hint-{id}.json"))).ok()??;
        serde_json::from_slice(&buf).ok()
    }

    pub fn write_hint(&self, id: &str, hint: &Hint) {
        if !self.enabled || ensure_private_dir(&self.dir).is_err() {
            return;
        }
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
        ensure_private_dir(&self.dir)?;
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
    pub fn set_aside(&self, key: &Key, reason: &str, ctx: &Context) {
        let path = self.dir.join(key.file_name());
        let aside = self.dir.join(format!("{}.bad", key.file_name()));
        let _ = remove_any(&aside);
        match std::fs::rename(&path, &aside) {
            Ok(()) => ctx.warn(format_args!(
                "ignoring the cache entry {} because {reason}; fetching new credentials",
                path.display()
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => {
                let _ = remove_any(&path);
            }
        }
    }

    /// Take the step lock for `key`.
    pub fn lock(&self, key: &Key, doing: &str) -> Result<Option<lock::StepLock>> {
        if !self.enabled {
            return Ok(None);
        }
        ensure_private_dir(&self.lock_dir)?;
        let path = self.lock_dir.join(format!("{}.lock", key.hash));
        lock::acquire(&path, doing, self.lock_timeout, self.verbose).map(Some)
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
            if !is_entry_name(&e.file_name().to_string_lossy()) {
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

    /// Remove every entry, set-aside entry, temp file, hint and MFA marker. Returns how many
    /// credential entries went.
    pub fn clear_all(&self) -> usize {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut n = 0;
        for e in dir.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if (name.ends_with(".json") || name.ends_with(".bad") || name.ends_with(".tmp"))
                && remove_any(&e.path()).is_ok()
                && is_entry_name(&name)
            {
                n += 1;
            }
        }
        n
    }

    /// The last MFA code used for `serial`: (30-second window, hash of serial and code).
    pub fn last_mfa_use(&self, serial: &str) -> Option<(u64, String)> {
        let name = format!("mfa-{:032x}.json", fnv1a_128(serial.as_bytes()));
        let buf = read_private(&self.dir.join(name)).ok()??;
        let v: serde_json::Value = serde_json::from_slice(&buf).ok()?;
        Some((v["window"].as_u64()?, v["code"].as_str()?.to_owned()))
    }

    pub fn record_mfa_use(&self, serial: &str, window: u64, code_hash: &str) {
        if ensure_private_dir(&self.dir).is_err() {
            return;
        }
        let name = format!("mfa-{:032x}.json", fnv1a_128(serial.as_bytes()));
        let body = serde_json::json!({ "window": window, "code": code_hash }).to_string();
        let _ = atomic::write(&self.dir, &name, body.as_bytes());
    }
}

/// `<32 hex digits>.json`: a credential entry (not a hint, MFA marker or temp file).
fn is_entry_name(name: &str) -> bool {
    name.len() == 37 && name.ends_with(".json") && name[..32].bytes().all(|b| b.is_ascii_hexdigit())
}

/// A hash of an MFA code, so that the code itself is never stored.
pub fn mfa_code_hash(serial: &str, code: &str) -> String {
    format!("{:032x}", fnv1a_128(format!("{serial}\n{code}").as_bytes()))
}

fn default_cache_dir(ctx: &Context) -> Result<PathBuf> {
    // Read through the context first so tests and callers control it; `directories` knows the
    // platform conventions for the rest.
    #[cfg(target_os = "linux")]
    {
        if let Some(x) = ctx
            .var("XDG_CACHE_HOME")
            .filter(|d| Path::new(d).is_absolute())
        {
            return Ok(Path::new(x).join("rolecall"));
        }
        if let Some(home) = ctx.var("HOME") {
            return Ok(Path::new(home).join(".cache").join("rolecall"));
        }
    }
    let _ = ctx;
    directories::BaseDirs::new()
        .map(|b| b.cache_dir().join("rolecall"))
        .ok_or(Error::Setting {
            name: "ROLECALL_CACHE_DIR",
            message: "no home directory to put the cache in".into(),
        })
}

/// Create `dir` (and parents) and make sure it is a private directory of ours: 0700 whatever the
/// umask, not a link, not someone else's.
fn ensure_private_dir(dir: &Path) -> Result<()> {
    let io = |source| Error::Io {
        what: format!("cannot prepare the cache directory {}", dir.display()),
        source,
    };
    match std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
    {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(e)),
    }
    let meta = std::fs::symlink_metadata(dir).map_err(io)?;
    if !meta.is_dir() || meta.uid() != rustix::process::geteuid().as_raw() {
        return Err(Error::UnsafeCacheDir {
            dir: dir.to_owned(),
            reason: "it is not a directory owned by you".into(),
        });
    }
    if meta.mode() & 0o777 != 0o700 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
    }
    Ok(())
}

fn check_private_file(meta: &std::fs::Metadata) -> Result<(), String> {
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return Err("it is owned by another user".into());
    }
    if meta.mode() & 0o077 != 0 {
        return Err(format!(
            "its mode {:o} lets others read it",
            meta.mode() & 0o777
        ));
    }
    Ok(())
}

/// A small private file of ours (not a link, owned by us, mode 0600); `None` when absent, the
/// reason when it is there but not to be trusted.
fn read_private(path: &Path) -> Result<Option<Zeroizing<Vec<u8>>>, String> {
    // NONBLOCK: a FIFO planted in an entry's place must not hang the read.
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            return Err("it is a symbolic link".into());
        }
        Err(e) => return Err(format!("it cannot be opened ({e})")),
    };
    let meta = file
        .metadata()
        .map_err(|e| format!("it cannot be examined ({e})"))?;
    check_private_file(&meta)?;
    if meta.len() > MAX_ENTRY {
        return Err("it is far too large".into());
    }
    read_zeroizing(file, meta.len())
        .map(Some)
        .map_err(|e| format!("it cannot be read ({e})"))
}

/// Read a whole small file into a zeroizing buffer sized up front (so it never reallocates).
fn read_zeroizing(mut file: File, len: u64) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(vec![0u8; len as usize]);
    file.read_exact(&mut buf)?;
    Ok(buf)
}

fn remove_any(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) => Err(e),
    }
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

    #[test]
    fn durations() {
        assert_eq!(parse_duration("900"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("12h"), Some(Duration::from_secs(43200)));
        assert_eq!(parse_duration("1d"), None);
        assert_eq!(parse_duration("m"), None);
    }
}
