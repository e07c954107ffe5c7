//! The names rolecall gives the files it writes, and the one check that tells them apart.

/// The kinds of file rolecall writes in a cache directory, told apart by name alone. Every
/// listing, clearing and sweeping goes through [`FileKind::of`]: a name rolecall does not write
/// is never read, counted or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `<hash>.json`: credentials of one step.
    Entry,
    /// `<hash>.json.bad`: an entry that was not trusted, set aside.
    SetAside,
    /// `hint-<hash>.json`.
    Hint,
    /// `mfa-<hash>.json`: the TOTP reuse guard.
    MfaMarker,
    /// `fail-<hash>.json`: a failure shared with the processes that waited for it.
    FailMarker,
    /// `.<one of the above>.<pid>.<n>.tmp`: an atomic write in progress, or left by a killed one.
    Temp,
}

impl FileKind {
    pub fn of(name: &str) -> Option<FileKind> {
        if let Some(rest) = name.strip_suffix(".tmp") {
            let mut parts = rest.strip_prefix('.')?.rsplitn(3, '.');
            let (n, pid, target) = (parts.next()?, parts.next()?, parts.next()?);
            let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            return (numeric(n)
                && numeric(pid)
                && FileKind::of(target)
                    .is_some_and(|k| !matches!(k, FileKind::Temp | FileKind::SetAside)))
            .then_some(FileKind::Temp);
        }
        if let Some(stem) = name.strip_suffix(".json.bad") {
            return is_hash(stem).then_some(FileKind::SetAside);
        }
        let stem = name.strip_suffix(".json")?;
        let (kind, hash) = if let Some(h) = stem.strip_prefix("hint-") {
            (FileKind::Hint, h)
        } else if let Some(h) = stem.strip_prefix("mfa-") {
            (FileKind::MfaMarker, h)
        } else if let Some(h) = stem.strip_prefix("fail-") {
            (FileKind::FailMarker, h)
        } else {
            (FileKind::Entry, stem)
        };
        is_hash(hash).then_some(kind)
    }
}

/// 32 lower-case hex digits: how rolecall names what it stores.
fn is_hash(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What `cache clear --all` removed, by kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cleared {
    pub entries: usize,
    pub set_aside: usize,
    pub hints: usize,
    pub markers: usize,
    pub temps: usize,
}

impl Cleared {
    pub(super) fn count(&mut self, kind: FileKind) {
        match kind {
            FileKind::Entry => self.entries += 1,
            FileKind::SetAside => self.set_aside += 1,
            FileKind::Hint => self.hints += 1,
            FileKind::MfaMarker | FileKind::FailMarker => self.markers += 1,
            FileKind::Temp => self.temps += 1,
        }
    }
}
