//! nushell: `load-env { "NAME": "value", ... }` / `hide-env -i NAME`.
//!
//! Nushell has no `eval`, so this is a script to `source` or to splice into
//! `nu -c`. Values are double-quoted: nushell's escapes there are JSON-like
//! (`\"`, `\\`, `\n`, `\r`, `\t`, `\u{..}`), there is no interpolation
//! without a `$` prefix, and an unknown escape is a parse error rather than
//! a silent change, so escaping exactly `"`, `\` and control characters is
//! provably enough. Keys are quoted the same way so that no name can ever be
//! read as a keyword. One `load-env` sets everything at once; `hide-env -i`
//! (`--ignore-errors`, checked against nushell 0.108) tolerates variables
//! that are not set.

use super::{Group, Holds, Sink, Syntax};

#[derive(Debug)]
pub(super) struct Nushell;

impl Syntax for Nushell {
    // All sets, then all unsets: a name given both ways (which callers do
    // not do) ends up unset here whatever the order.
    const GROUPS: &'static [Group] = &[
        Group {
            holds: Holds::Sets,
            open: "load-env { ",
            separator: ", ",
            close: " }\n",
            even_empty: false,
        },
        Group {
            holds: Holds::Unsets,
            ..Group::LINES
        },
    ];

    /// One entry of the `load-env` record.
    fn set(out: &mut impl Sink, name: &str, value: &str) {
        Nushell::quote(out, name);
        out.push_str(": ");
        Nushell::quote(out, value);
    }

    fn unset(out: &mut impl Sink, name: &str) {
        out.push_str("hide-env -i ");
        out.push_str(name);
    }

    /// A nushell double-quoted string on a single line.
    fn quote(out: &mut impl Sink, value: &str) {
        out.push('"');
        for c in value.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => hex_escape(out, c),
                c => out.push(c),
            }
        }
        out.push('"');
    }
}

/// `\u{XX}`: nushell's only escape that covers every character.
fn hex_escape(out: &mut impl Sink, c: char) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\u{");
    let n = u32::from(c);
    let digits = (32 - n.leading_zeros()).div_ceil(4).max(1);
    for shift in (0..digits).rev() {
        out.push(char::from(HEX[((n >> (shift * 4)) & 0xf) as usize]));
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Case, assert_quotes, quoted, require};
    use super::super::{Dialect, Var, render};

    #[test]
    fn quote_rules() {
        assert_quotes(
            Dialect::Nushell,
            &[
                ("", r#""""#),
                ("abc", r#""abc""#),
                ("it's", r#""it's""#),
                ("\"\\", r#""\"\\""#),
                ("trailing\\", r#""trailing\\""#),
                ("a\nb\r\tc", r#""a\nb\r\tc""#),
                ("\u{1}\u{1b}\u{7f}\u{85}", r#""\u{1}\u{1b}\u{7f}\u{85}""#),
                ("\u{0}", r#""\u{0}""#),
                ("$(x) (y) {z} #", r#""$(x) (y) {z} #""#),
                ("é\u{2019}😀\u{2028}", "\"é\u{2019}😀\u{2028}\""),
            ],
        );
    }

    #[test]
    fn lines() {
        let out = render(
            Dialect::Nushell,
            &[
                Var::Unset("Z"),
                Var::Set("A", "x\"y"),
                Var::Unset("B"),
                Var::Set("C", ""),
            ],
        );
        assert_eq!(
            out.as_str(),
            "load-env { \"A\": \"x\\\"y\", \"C\": \"\" }\nhide-env -i Z\nhide-env -i B\n"
        );
        assert_eq!(
            render(Dialect::Nushell, &[Var::Unset("B")]).as_str(),
            "hide-env -i B\n"
        );
    }

    fn path_str(path: &std::path::Path) -> &str {
        path.to_str().expect("temp path is UTF-8")
    }

    #[test]
    fn nu_round_trip() {
        if !require("nu") {
            return;
        }
        let dump = "^env -0 | save --raw --force $env.ENVDUMP";
        let case = Case::new(Dialect::Nushell, "nu");
        // The documented ways in: spliced into `nu -c`, and `source`.
        let spliced = format!("{}{dump}\n", case.text());
        case.check(
            "nu -c <output>",
            case.command("nu").args(["-n", "-c"]).arg(spliced),
        );
        // `source` needs a path known when the script is parsed.
        let sourced = format!(
            "source {}\n{dump}\n",
            quoted(Dialect::Nushell, path_str(&case.rendered))
        );
        case.check(
            "nu source",
            case.command("nu").args(["-n", "-c"]).arg(sourced),
        );
        // The JSON route that the module docs recommend: null hides the
        // variable from child processes.
        let json = Case::new(Dialect::Json, "json");
        let script = format!(
            "open --raw {} | from json | load-env\n{dump}\n",
            quoted(Dialect::Nushell, path_str(&json.rendered))
        );
        json.check(
            "nu from json | load-env",
            json.command("nu").args(["-n", "-c"]).arg(script),
        );
    }
}
