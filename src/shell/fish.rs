//! fish: `set -gx NAME 'value'` / `if set -q NAME; set -e NAME; end`.
//!
//! Unlike POSIX, fish single quotes honour two escapes, `\\` and `\'`, so
//! both characters are escaped and everything else (newlines, `$`, `(`) is
//! literal. `-g` keeps the variable alive after `source` or `eval` returns
//! even when they run inside a function.

use super::{Sink, Var};

pub(super) fn write(out: &mut impl Sink, vars: &[Var<'_>]) {
    for var in vars {
        match *var {
            Var::Set(name, value) => {
                out.push_str("set -gx ");
                out.push_str(name);
                out.push(' ');
                quote(out, value);
            }
            Var::Unset(name) => {
                // A bare `set -e` of an absent variable exits 4, which would
                // become the status of `eval`/`source` when it is the last
                // line; `if` without a taken branch exits 0.
                out.push_str("if set -q ");
                out.push_str(name);
                out.push_str("; set -e ");
                out.push_str(name);
                out.push_str("; end");
            }
        }
        out.push('\n');
    }
}

/// Writes `value` as one fish single-quoted word.
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

#[cfg(test)]
mod tests {
    use super::super::testkit::{Case, require, run_ok};
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
        assert_eq!(quoted("it's"), "'it\\'s'");
        assert_eq!(quoted("\\"), "'\\\\'");
        assert_eq!(quoted("trailing\\"), "'trailing\\\\'");
        assert_eq!(quoted("\\'"), "'\\\\\\''");
        assert_eq!(quoted("\\n"), "'\\\\n'");
        assert_eq!(quoted("$x (y) $(z) \"q\""), "'$x (y) $(z) \"q\"'");
        assert_eq!(quoted("a\nb"), "'a\nb'");
        assert_eq!(quoted("é\u{2019}😀"), "'é\u{2019}😀'");
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
