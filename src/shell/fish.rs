//! fish: `set -gx NAME 'value'` / `if set -q NAME; set -e NAME; end`.
//!
//! Unlike POSIX, fish single quotes honour two escapes, `\\` and `\'`, so
//! both characters are escaped and everything else (newlines, `$`, `(`) is
//! literal. `-g` keeps the variable alive after `source` or `eval` returns
//! even when they run inside a function.

use super::{Sink, Syntax};

#[derive(Debug)]
pub(super) struct Fish;

impl Syntax for Fish {
    fn set(out: &mut impl Sink, name: &str, value: &str) {
        out.push_str("set -gx ");
        out.push_str(name);
        out.push(' ');
        Fish::quote(out, value);
    }

    fn unset(out: &mut impl Sink, name: &str) {
        // A bare `set -e` of an absent variable exits 4, which would become
        // the status of `eval`/`source` when it is the last line; `if`
        // without a taken branch exits 0.
        out.push_str("if set -q ");
        out.push_str(name);
        out.push_str("; set -e ");
        out.push_str(name);
        out.push_str("; end");
    }

    /// One fish single-quoted word.
    fn quote(out: &mut impl Sink, value: &str) {
        out.push('\'');
        let mut rest = value;
        while let Some(i) = rest.find(['\\', '\'']) {
            out.push_str(&rest[..i]);
            out.push('\\');
            // Both special characters are one byte, so `i + 1` is a boundary.
            out.push_str(&rest[i..i + 1]);
            rest = &rest[i + 1..];
        }
        out.push_str(rest);
        out.push('\'');
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Case, assert_quotes, require, run_ok};
    use super::super::{Dialect, Var, render};

    #[test]
    fn quote_rules() {
        assert_quotes(
            Dialect::Fish,
            &[
                ("", "''"),
                ("abc", "'abc'"),
                ("it's", "'it\\'s'"),
                ("\\", "'\\\\'"),
                ("trailing\\", "'trailing\\\\'"),
                ("\\'", "'\\\\\\''"),
                ("\\n", "'\\\\n'"),
                ("$x (y) $(z) \"q\"", "'$x (y) $(z) \"q\"'"),
                ("a\nb", "'a\nb'"),
                ("é\u{2019}😀", "'é\u{2019}😀'"),
            ],
        );
    }

    #[test]
    fn lines() {
        let out = render(Dialect::Fish, &[Var::Set("A", "x'y"), Var::Unset("B")]);
        assert_eq!(
            out.as_str(),
            "set -gx A 'x\\'y'\nif set -q B; set -e B; end\n"
        );
    }

    #[test]
    fn fish_round_trip() {
        if !require("fish") {
            return;
        }
        let case = Case::new(Dialect::Fish, "fish");
        run_ok(
            "fish --no-execute",
            case.command("fish").arg("--no-execute").arg(&case.rendered),
        );
        // Each load must itself succeed; fish has no `set -e` to enforce it.
        let loads = [
            "eval (cat $RENDERED | string collect); or exit 3",
            "cat $RENDERED | source; or exit 3",
            // Inside a function, to show that -g escapes the function scope.
            "function load; cat $RENDERED | source; or exit 3; end; load",
        ];
        for load in loads {
            let script = format!("{load}\nenv -0 > $ENVDUMP\n");
            case.check(
                &format!("fish: {load}"),
                case.command("fish")
                    .arg("--no-config")
                    .arg("-c")
                    .arg(script),
            );
        }
    }
}
