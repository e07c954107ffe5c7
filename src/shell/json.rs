//! JSON: `{"NAME":"value","GONE":null}` on one line.
//!
//! Escaping follows RFC 8259 and matches serde_json's output byte for byte
//! (the tests compare against it): `"` and `\` are backslash-escaped,
//! control characters below U+0020 use the short forms `\b \f \n \r \t`
//! where they exist and `\u00XX` otherwise. It is done by hand rather than
//! through serde_json's `io::Write` API so that it writes into the same
//! pre-sized, zeroized `String` as every other dialect.

use super::{Group, Holds, Sink, Syntax};

#[derive(Debug)]
pub(super) struct Json;

impl Syntax for Json {
    const GROUPS: &'static [Group] = &[Group {
        holds: Holds::All,
        open: "{",
        separator: ",",
        close: "}\n",
        even_empty: true,
    }];

    fn set(out: &mut impl Sink, name: &str, value: &str) {
        Json::quote(out, name);
        out.push(':');
        Json::quote(out, value);
    }

    fn unset(out: &mut impl Sink, name: &str) {
        Json::quote(out, name);
        out.push_str(":null");
    }

    /// A JSON string.
    fn quote(out: &mut impl Sink, value: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.push('"');
        for c in value.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if c < '\u{20}' => {
                    let b = c as u8;
                    out.push_str("\\u00");
                    out.push(char::from(HEX[usize::from(b >> 4)]));
                    out.push(char::from(HEX[usize::from(b & 0xf)]));
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{TempDir, assert_quotes, quoted, tricky_values};
    use super::super::{Dialect, Var, render};

    #[test]
    fn quote_rules() {
        assert_quotes(
            Dialect::Json,
            &[
                ("", r#""""#),
                ("a\"b\\c", r#""a\"b\\c""#),
                ("\n\r\t\u{8}\u{c}", r#""\n\r\t\b\f""#),
                ("\u{0}\u{1}\u{1f}\u{7f}", "\"\\u0000\\u0001\\u001f\u{7f}\""),
                ("é\u{2028}😀/", "\"é\u{2028}😀/\""),
            ],
        );
    }

    #[test]
    fn escaping_matches_serde_json() {
        let dir = TempDir::new();
        let mut values = tricky_values(&dir.path().join("CANARY"));
        values.push((0u8..0x80).map(char::from).collect());
        for v in &values {
            assert_eq!(
                quoted(Dialect::Json, v),
                serde_json::to_string(v).unwrap(),
                "{v:?}"
            );
        }
    }

    #[test]
    fn object_in_order_with_nulls() {
        let out = render(
            Dialect::Json,
            &[Var::Set("Z", "1"), Var::Unset("A"), Var::Set("M", "x\"\n")],
        );
        assert_eq!(
            out.as_str(),
            "{\"Z\":\"1\",\"A\":null,\"M\":\"x\\\"\\n\"}\n"
        );
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed["M"], "x\"\n");
        assert!(parsed["A"].is_null());
    }
}
