//! Reading and setting aside small private files: never through a link, never a FIFO, only
//! ours and only 0600, into zeroizing buffers.

use super::MAX_ENTRY;
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use zeroize::Zeroizing;

pub(super) fn check_private_file(meta: &std::fs::Metadata) -> Result<(), String> {
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
pub(crate) fn read_private(path: &Path) -> Result<Option<Zeroizing<Vec<u8>>>, String> {
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
pub(super) fn read_zeroizing(mut file: File, len: u64) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(vec![0u8; len as usize]);
    file.read_exact(&mut buf)?;
    Ok(buf)
}

/// Make a set-aside file 0600 without following a link (a link holds no secret and is left
/// as it is). False when it is a regular file whose mode could not be fixed.
pub(super) fn make_private(path: &Path) -> bool {
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    match OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
    {
        Ok(f) => match f.metadata() {
            Ok(m) if m.is_file() => f
                .set_permissions(std::fs::Permissions::from_mode(0o600))
                .is_ok(),
            _ => true,
        },
        Err(_) => true,
    }
}

pub(super) fn remove_any(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) => Err(e),
    }
}
