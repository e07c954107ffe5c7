//! elvish: `set-env NAME 'value'` / `unset-env NAME`.
//!
//! Elvish single-quoted strings are fully literal, newlines included; the
//! only special sequence is `''`, which stands for one `'`.

use super::{Sink, Syntax};

#[derive(Debug)]
pub(super) struct Elvish;

impl Syntax for Elvish {
    fn set(out: &mut impl Sink, name: &str, value: &str) {
        out.push_str("set-env ");
        out.push_str(name);
        out.push(' ');
        Elvish::quote(out, value);
    }

    fn unset(out: &mut impl Sink, name: &str) {
        // `unset-env` of an absent variable is not an error.
        out.push_str("unset-env ");
        out.push_str(name);
    }

    /// One elvish single-quoted string.
    fn quote(out: &mut impl Sink, value: &str) {
        out.push('\'');
        let mut rest = value;
        while let Some(i) = rest.find('\'') {
            out.push_str(&rest[..=i]);
            out.push('\'');
            rest = &rest[i + 1..];
        }
        out.push_str(rest);
        out.push('\'');
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Case, assert_quotes, require};
    use super::super::{Dialect, Var, render};

    #[test]
    fn quote_rules() {
        assert_quotes(
            Dialect::Elvish,
            &[
                ("", "''"),
                ("abc", "'abc'"),
                ("it's", "'it''s'"),
                ("'", "''''"),
                ("''", "''''''"),
                ("\\", "'\\'"),
                ("\\'", "'\\'''"),
                ("$E:HOME (x) \"q\"", "'$E:HOME (x) \"q\"'"),
                ("a\nb", "'a\nb'"),
                ("é\u{2019}😀", "'é\u{2019}😀'"),
            ],
        );
    }

    #[test]
    fn lines() {
        let out = render(Dialect::Elvish, &[Var::Set("A", "x'y"), Var::Unset("B")]);
        assert_eq!(out.as_str(), "set-env A 'x''y'\nunset-env B\n");
    }

    #[test]
    fn elvish_round_trip() {
        if !require("elvish") {
            return;
        }
        let case = Case::new(Dialect::Elvish, "elv");
        let script = "eval (cat $E:RENDERED | slurp)\nenv -0 > $E:ENVDUMP\n";
        case.check(
            "elvish eval (... | slurp)",
            case.command("elvish").args(["-norc", "-c", script]),
        );
    }
}
