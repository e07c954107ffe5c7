//! Where the cache lives, and whether a directory may hold secrets.

use super::{CacheError, DirRole};
use crate::context::Context;
use crate::error::{Error, Result};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// `$XDG_CACHE_HOME/rolecall` (Linux, when absolute), else the platform's cache directory under
/// the home that [`Context::home`] decides.
pub(super) fn default_cache_dir(ctx: &Context) -> Result<PathBuf> {
    #[cfg(target_os = "linux")]
    if let Some(x) = ctx
        .var("XDG_CACHE_HOME")
        .filter(|d| Path::new(d).is_absolute())
    {
        return Ok(Path::new(x).join("rolecall"));
    }
    let home = ctx.home()?;
    Ok(if cfg!(target_os = "macos") {
        home.join("Library").join("Caches").join("rolecall")
    } else {
        home.join(".cache").join("rolecall")
    })
}

/// Make `dir` ready to hold secrets. A missing directory is created 0700 (parents too), the only
/// case in which rolecall sets a directory's mode; an existing one must pass [`check_dir`] and
/// keeps its mode (a shared 1777 directory keeps its sticky bit, a home directory its 0755).
pub(crate) fn prepare_dir(dir: &Path, what: DirRole) -> Result<()> {
    let io = |source| Error::Io {
        what: format!("cannot create the {what} {}", dir.display()),
        source,
    };
    if let Some(parent) = dir.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(io)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        // Ours, just made: exactly 0700 whatever the umask.
        Ok(()) => std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            check_dir(dir).map(|_| ()).map_err(|reason| {
                CacheError::UnsafeDir {
                    what,
                    dir: dir.to_owned(),
                    reason,
                }
                .into()
            })
        }
        Err(e) => Err(io(e)),
    }
}

pub(super) fn check_dir(dir: &Path) -> Result<Presence, String> {
    // One `stat` decides both whether it is there and whether it is fit: two calls would race
    // with another process creating it in between (one caller then took a fresh directory for
    // a bad one and fetched on its own, breaking single flight).
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Presence::Missing),
        Err(e) => return Err(format!("it cannot be examined ({e})")),
    };
    if meta.file_type().is_symlink() {
        return Err("it is a symbolic link".into());
    }
    if !meta.is_dir() {
        return Err("it is not a directory".into());
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return Err(format!("it is owned by another user (uid {})", meta.uid()));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!(
            "group or others can write to it (mode {:o})",
            meta.mode() & 0o7777
        ));
    }
    Ok(Presence::Here)
}

/// Whether a directory that passed [`check_dir`] exists yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Presence {
    Here,
    /// Not yet: every read is a miss until a write creates it.
    Missing,
}
