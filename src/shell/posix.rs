//! bash, zsh and sh (dash, ksh): `export NAME='value'` / `unset NAME`.
//!
//! One rendering serves all three because POSIX single quotes are the one
//! quoting form whose contents every Bourne-style shell takes literally: no
//! expansion, no escapes, newlines included. A `'` cannot appear inside, so
//! it is written as `'\''` (close, escaped quote, reopen).

use super::{Sink, Syntax};

#[derive(Debug)]
pub(super) struct Posix;

impl Syntax for Posix {
    fn set(out: &mut impl Sink, name: &str, value: &str) {
        out.push_str("export ");
        out.push_str(name);
        out.push('=');
        Posix::quote(out, value);
    }

    fn unset(out: &mut impl Sink, name: &str) {
        // `unset` of an absent variable succeeds silently in bash, zsh and
        // dash, even under `set -eu`.
        out.push_str("unset ");
        out.push_str(name);
    }

    /// One POSIX single-quoted word.
    ///
    /// A closing quote is always followed by `\` or the end of the word,
    /// never by another `'`, so zsh's RC_QUOTES option (where `''` inside
    /// quotes means a literal quote) reads it the same way.
    fn quote(out: &mut impl Sink, value: &str) {
        out.push('\'');
        let mut rest = value;
        while let Some(i) = rest.find('\'') {
            out.push_str(&rest[..i]);
            out.push_str("'\\''");
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
            Dialect::Sh,
            &[
                ("", "''"),
                ("abc", "'abc'"),
                ("it's", "'it'\\''s'"),
                ("'", "''\\'''"),
                ("''", "''\\'''\\'''"),
                ("\\", "'\\'"),
                ("a\\'b", "'a\\'\\''b'"),
                ("$(x) `y` ${HOME} \"q\"", "'$(x) `y` ${HOME} \"q\"'"),
                ("a\nb", "'a\nb'"),
                ("\u{2019}é😀", "'\u{2019}é😀'"),
            ],
        );
    }

    #[test]
    fn lines() {
        let out = render(
            Dialect::Bash,
            &[Var::Set("A", "x'y"), Var::Unset("B"), Var::Set("C", "")],
        );
        assert_eq!(out.as_str(), "export A='x'\\''y'\nunset B\nexport C=''\n");
        for d in [Dialect::Zsh, Dialect::Sh] {
            assert_eq!(
                render(d, &[Var::Set("A", "x'y")]).as_str(),
                "export A='x'\\''y'\n"
            );
        }
    }

    /// `eval "$(rolecall env prod)"` and `. file`, in strict mode.
    fn round_trip(shell: &str, args: &[&str], prelude: &str, dialect: Dialect) {
        if !require(shell) {
            return;
        }
        let case = Case::new(dialect, "sh");
        for load in [r#"eval "$(cat "$RENDERED")""#, r#". "$RENDERED""#] {
            let script = format!("set -eu\n{prelude}\n{load}\nenv -0 > \"$ENVDUMP\"\n");
            let label = format!("{shell} {args:?} {prelude:?} {load}");
            case.check(&label, case.command(shell).args(args).arg("-c").arg(script));
        }
    }

    #[test]
    fn bash_round_trip() {
        round_trip("bash", &["--norc", "--noprofile"], "", Dialect::Bash);
        round_trip(
            "bash",
            &["--norc", "--noprofile", "--posix"],
            "",
            Dialect::Sh,
        );
    }

    #[test]
    fn zsh_round_trip() {
        round_trip("zsh", &["-f"], "", Dialect::Zsh);
        round_trip("zsh", &["-f"], "setopt rc_quotes", Dialect::Zsh);
        round_trip("zsh", &["-f"], "emulate sh", Dialect::Sh);
    }

    #[test]
    fn dash_round_trip() {
        round_trip("dash", &[], "", Dialect::Sh);
    }

    #[test]
    fn shellcheck_is_clean() {
        if !require("shellcheck") {
            return;
        }
        let case = Case::new(Dialect::Sh, "sh");
        for shell in ["sh", "dash", "bash"] {
            // Some checks guess that quoted text was meant as code: info
            // level (SC2016 `$` in single quotes, SC1003 `\'`) and the
            // warnings SC2088 (`~` in quotes) and SC1112 (typographic
            // quote). The values are data, so those guesses are exactly
            // what must not happen; anything else would be broken quoting.
            let mut cmd = case.command("shellcheck");
            cmd.args(["--shell", shell, "--severity", "warning"])
                .args(["--exclude", "SC2088,SC1112"])
                .arg(&case.rendered);
            run_ok(&format!("shellcheck --shell {shell}"), &mut cmd);
        }
    }
}
