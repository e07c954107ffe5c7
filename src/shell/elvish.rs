//! elvish: `set-env NAME 'value'` / `unset-env NAME`.
//!
//! Elvish single-quoted strings are fully literal, newlines included; the
//! only special sequence is `''`, which stands for one `'`.

use super::{Sink, Var};

pub(super) fn write(out: &mut impl Sink, vars: &[Var<'_>]) {
    for var in vars {
        match *var {
            Var::Set(name, value) => {
                out.push_str("set-env ");
                out.push_str(name);
                out.push(' ');
                quote(out, value);
            }
            Var::Unset(name) => {
                // `unset-env` of an absent variable is not an error.
                out.push_str("unset-env ");
                out.push_str(name);
            }
        }
        out.push('\n');
    }
}

/// Writes `value` as one elvish single-quoted string.
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

#[cfg(test)]
mod tests {
    use super::super::testkit::{Case, require};
    use super::super::{Dialect, render};
    use super::*;

    fn quoted(value: &str) -> String {
        let mut s = String::new();
        quote(&mut s, value);
        s
    }

    #[test]
    fn quote_rules() {
        assert_eq!(quoted(""), "''");
        assert_eq!(quoted("abc"), "'abc'");
        assert_eq!(quoted("it's"), "'it''s'");
        assert_eq!(quoted("'"), "''''");
        assert_eq!(quoted("''"), "''''''");
        assert_eq!(quoted("\\"), "'\\'");
        assert_eq!(quoted("\\'"), "'\\'''");
        assert_eq!(quoted("$E:HOME (x) \"q\""), "'$E:HOME (x) \"q\"'");
        assert_eq!(quoted("a\nb"), "'a\nb'");
        assert_eq!(quoted("é\u{2019}😀"), "'é\u{2019}😀'");
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
