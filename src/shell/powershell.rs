//! PowerShell: `$Env:NAME = 'value'` / `Remove-Item -Path Env:NAME -ErrorAction SilentlyContinue`.
//!
//! PowerShell single-quoted strings have no escapes except a doubled quote,
//! but its tokenizer accepts five quote characters: `'` and the typographic
//! U+2018, U+2019, U+201A, U+201B. Any of them would end the string, so
//! each is doubled (a doubled one stands for itself).
//!
//! Carriage returns and line feeds are kept out of the quotes and joined in
//! as `"`r"` / `"`n"`: piping native output into `Invoke-Expression` feeds
//! it one line at a time, so a statement must never span lines.
//!
//! Assigning `''` deletes the variable in PowerShell; an empty value is
//! therefore indistinguishable from an unset one there.

use super::{Sink, Syntax};

#[derive(Debug)]
pub(super) struct PowerShell;

impl Syntax for PowerShell {
    fn set(out: &mut impl Sink, name: &str, value: &str) {
        out.push_str("$Env:");
        out.push_str(name);
        out.push_str(" = ");
        PowerShell::quote(out, value);
    }

    fn unset(out: &mut impl Sink, name: &str) {
        out.push_str("Remove-Item -Path Env:");
        out.push_str(name);
        out.push_str(" -ErrorAction SilentlyContinue");
    }

    /// A PowerShell expression on a single line: one single-quoted string,
    /// or several joined with `+` around CR/LF.
    fn quote(out: &mut impl Sink, value: &str) {
        out.push('\'');
        for c in value.chars() {
            match c {
                '\n' => out.push_str("' + \"`n\" + '"),
                '\r' => out.push_str("' + \"`r\" + '"),
                c if is_single_quote(c) => {
                    out.push(c);
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        out.push('\'');
    }
}

/// The characters PowerShell's tokenizer treats as a single quote.
fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{assert_quotes, quoted};
    use super::super::{Dialect, Var, render};

    #[test]
    fn quote_rules() {
        assert_quotes(
            Dialect::PowerShell,
            &[
                ("", "''"),
                ("abc", "'abc'"),
                ("it's", "'it''s'"),
                ("'", "''''"),
                (
                    "\u{2018}\u{2019}\u{201A}\u{201B}",
                    "'\u{2018}\u{2018}\u{2019}\u{2019}\u{201A}\u{201A}\u{201B}\u{201B}'",
                ),
                // Typographic double quotes and backticks are inert in single quotes.
                ("\u{201C}`$x\"\\", "'\u{201C}`$x\"\\'"),
                ("a\nb", "'a' + \"`n\" + 'b'"),
                ("\r\n", "'' + \"`r\" + '' + \"`n\" + ''"),
            ],
        );
        assert!(!quoted(Dialect::PowerShell, "x\ny\rz").contains(['\n', '\r']));
    }

    #[test]
    fn lines() {
        let out = render(
            Dialect::PowerShell,
            &[Var::Set("A", "x'y"), Var::Unset("B")],
        );
        assert_eq!(
            out.as_str(),
            "$Env:A = 'x''y'\nRemove-Item -Path Env:B -ErrorAction SilentlyContinue\n"
        );
    }
    // No round trip through a real pwsh: PowerShell is in neither Debian nor a registry this
    // project can install from (its npm wrapper downloads from GitHub), so the quoting is
    // pinned by the unit tests above.
}
