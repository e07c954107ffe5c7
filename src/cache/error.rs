//! The cache's own errors: a directory or lock file that cannot be trusted, a lock wait that
//! gave up, a failure shared by the process waited for.

use std::path::PathBuf;

/// Which of rolecall's directories an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirRole {
    Cache,
    Locks,
    /// The AWS CLI's `~/.aws/sso/cache`.
    SsoCache,
}

impl std::fmt::Display for DirRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DirRole::Cache => "cache directory",
            DirRole::Locks => "lock directory",
            DirRole::SsoCache => "AWS SSO token cache",
        })
    }
}

/// The cache could not be used as it must be.
#[derive(Debug)]
pub enum CacheError {
    /// The cache or lock directory (or a lock file in it) cannot be trusted with secrets.
    UnsafeDir {
        what: DirRole,
        dir: PathBuf,
        reason: String,
    },
    /// `holder` says who holds the lock and for what step ("process 42 (AssumeRole ...)").
    LockTimeout { holder: String, seconds: u64 },
    /// The process this one waited for failed at the same step; its words.
    Shared {
        pid: u32,
        message: String,
        help: Option<String>,
        /// It was an outage (`Error::is_outage`).
        outage: bool,
    },
}

impl std::fmt::Display for CacheError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CacheError::UnsafeDir { what, dir, reason } => {
                write!(f, "refusing the {what} {}: {reason}", dir.display())
            }
            CacheError::LockTimeout { holder, seconds } => {
                write!(f, "gave up after {seconds} s waiting for {holder}")
            }
            CacheError::Shared { pid, message, .. } => write!(
                f,
                "{message} (process {pid}, which this one waited for, failed just now)"
            ),
        }
    }
}

impl std::error::Error for CacheError {}

impl crate::error::Explain for CacheError {
    fn help(&self) -> Option<String> {
        match self {
            CacheError::UnsafeDir { what: DirRole::Locks, .. } => Some("make it a directory of yours that only you can write to, or unset `XDG_RUNTIME_DIR` to keep locks in the cache directory".into()),
            CacheError::UnsafeDir { what: DirRole::Cache, .. } => Some("point `ROLECALL_CACHE_DIR` at a directory of your own that only you can write to (rolecall creates a missing one 0700)".into()),
            CacheError::UnsafeDir { what: DirRole::SsoCache, .. } => Some("make ~/.aws/sso/cache a directory of yours that only you can write to (rolecall creates a missing one 0700)".into()),
            CacheError::LockTimeout { .. } => Some("that process may be waiting for an MFA code or for AWS: let it finish or stop it, or raise `ROLECALL_LOCK_TIMEOUT`".into()),
            CacheError::Shared { help, .. } => help.clone(),
        }
    }
}
