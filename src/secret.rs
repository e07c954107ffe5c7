//! `Secret<T>`: the only way a secret travels through rolecall.
//!
//! No `Display`, a redacted `Debug`, zeroized on drop, and [`Secret::expose`] at the boundary where
//! the bytes must leave (an HTTP request, a rendered export line, a child's environment).

use std::fmt;
use zeroize::Zeroize;

/// A value that must not be printed, logged or left behind in memory.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself, for the one place that must hand it on.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl From<String> for Secret<String> {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl<'de> serde::Deserialize<'de> for Secret<String> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// For the cache file only, which is written into a zeroizing buffer.
impl serde::Serialize for Secret<String> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

/// Show enough of an access key id to tell keys apart, not enough to use it: `ASIA…MPLE`.
pub fn mask_key_id(key_id: &str) -> String {
    let chars: Vec<char> = key_id.chars().collect();
    if chars.len() < 12 {
        return "****".to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// A token (OIDC, a container agent's) is a few KiB; far more is not one.
const MAX_TOKEN: u64 = 1 << 20;

/// The token in the file at `path`, trimmed, read afresh (platforms rotate them); why not, in
/// words that follow "the ... token file X": "does not exist", "is empty", ...
pub fn read_token_file(path: &str) -> Result<Secret<String>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "does not exist".to_owned(),
        std::io::ErrorKind::PermissionDenied => "cannot be read: permission denied".to_owned(),
        _ => format!("cannot be opened ({e})"),
    })?;
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(8 * 1024));
    file.take(MAX_TOKEN + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot be read ({e})"))?;
    if buf.len() as u64 > MAX_TOKEN {
        return Err("is larger than 1 MiB, far more than a token".into());
    }
    let text = std::str::from_utf8(&buf).map_err(|_| "does not hold text".to_owned())?;
    let token = text.trim();
    if token.is_empty() {
        return Err("is empty".into());
    }
    if token.as_bytes().contains(&0) {
        return Err("holds a NUL byte".into());
    }
    Ok(Secret::from(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert!(!format!("{:?}", Some(&s)).contains("EXAMPLEKEY"));
    }

    #[test]
    fn mask_key_id_keeps_four_each_side() {
        assert_eq!(mask_key_id("AKIAIOSFODNN7EXAMPLE"), "AKIA…MPLE");
        assert_eq!(mask_key_id("short"), "****");
    }
}
