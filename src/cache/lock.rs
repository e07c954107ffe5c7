//! The only place that takes file locks (clippy's `disallowed-methods` bans the lock calls
//! elsewhere).
//!
//! One lock file per cache key, held from "look again" through "prompt, call AWS, write". The
//! holder writes its pid and what it is doing into the lock file so a waiter can say whom it is
//! waiting for. An advisory lock dies with its holder, so a killed process never wedges the cache.
#![allow(clippy::disallowed_methods)]

use crate::error::{CacheError, DirRole, Error, Result};
use crate::prompt::Prompt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

/// A held step lock; released on drop.
#[derive(Debug)]
pub struct StepLock {
    file: File,
    /// Whether another process held the lock first: then what it found (credentials, or a
    /// failure) concerns this one too.
    pub waited: bool,
}

impl Drop for StepLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Take the lock at `path`, waiting up to `timeout`. `doing` describes the step for waiters;
/// `verbose` also reports waits on stderr.
pub fn acquire(
    path: &Path,
    doing: &str,
    timeout: Duration,
    verbose: bool,
    prompt: &mut dyn Prompt,
) -> Result<StepLock> {
    let io = |source| Error::Io {
        what: format!("cannot open the lock file {}", path.display()),
        source,
    };
    // NOFOLLOW and NONBLOCK: a link or a FIFO planted at the lock's path is neither followed nor
    // waited on; the checks below refuse anything but a plain file of ours.
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(flags.bits() as i32)
        .open(path)
        .map_err(io)?;
    // The holder rewrites the lock file: a hard link to another file would truncate that file.
    let meta = file.metadata().map_err(io)?;
    let refuse = |reason: &str| -> Error {
        CacheError::UnsafeDir {
            what: DirRole::Locks,
            dir: path.to_owned(),
            reason: reason.to_owned(),
        }
        .into()
    };
    if !meta.is_file() {
        return Err(refuse("the lock file is not a regular file"));
    }
    if meta.nlink() != 1 {
        return Err(refuse("the lock file has other hard links"));
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return Err(refuse("the lock file is owned by another user"));
    }
    let started = Instant::now();
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(source)) => return Err(io(source)),
        }
        if !told {
            told = true;
            let holder = read_holder(&mut file, doing);
            let line = format!("rolecall: waiting for {holder}");
            if prompt.available() {
                prompt.say(&line);
            }
            if verbose {
                eprintln!("{line}");
            }
        }
        if started.elapsed() >= timeout {
            return Err(CacheError::LockTimeout {
                holder: read_holder(&mut file, doing),
                seconds: timeout.as_secs(),
            }
            .into());
        }
        std::thread::sleep(Duration::from_millis(15));
    }
    let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = write!(file, "pid {} {doing}", std::process::id());
    Ok(StepLock { file, waited: told })
}

fn read_holder(file: &mut File, doing: &str) -> String {
    let mut s = String::new();
    let _ = file.rewind();
    let _ = file.take(512).read_to_string(&mut s);
    match s.strip_prefix("pid ").and_then(|r| r.split_once(' ')) {
        Some((pid, doing)) => format!("process {pid} ({doing})"),
        None => format!("another rolecall process ({doing})"),
    }
}
