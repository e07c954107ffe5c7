//! Percent-encoding for URL query values (RFC 3986: only the unreserved characters are kept),
//! and its inverse for the few query strings rolecall reads (the SSO login's callback).

use std::fmt::Write as _;

/// Appends `s`, percent-encoded, to `out` (which may hold a secret: nothing is copied elsewhere).
pub fn encode_into(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// `s`, percent-encoded.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    encode_into(&mut out, s);
    out
}

/// A query value, decoded (`+` is a space; a malformed escape is kept as it is).
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or(""), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_keeps_only_unreserved() {
        let mut s = String::new();
        encode_into(&mut s, "a b/+=&?~é");
        assert_eq!(s, "a%20b%2F%2B%3D%26%3F~%C3%A9");
    }

    #[test]
    fn query_values_round_trip() {
        for s in [
            "http://127.0.0.1:8080/oauth/callback",
            "sso:account:access a",
            "é&=",
        ] {
            assert_eq!(decode(&encode(s)), s);
        }
        assert_eq!(decode("a+b%2"), "a b%2");
    }
}
