//! dotenv files: `NAME='value'`, `NAME=value` or `NAME="value"`.
//!
//! There is no dotenv standard. This targets python-dotenv, whose parser is
//! the strictest about escapes, and stays exact for node's `dotenv` where it
//! can. (docker's `--env-file` does no unquoting at all, so it is no target.)
//! The first form that fits wins:
//!
//! 1. `'value'` when there is no `'`, `\`, CR or LF: verbatim in both
//!    parsers (python-dotenv unescapes `\\` and `\'` even inside single
//!    quotes, hence the backslash exclusion).
//! 2. Bare `value` when nothing in it is special unquoted: no CR, LF or `#`,
//!    no leading or trailing whitespace, no leading quote character. Every
//!    parser then takes it verbatim.
//! 3. `"value"` with `\\`, `\"`, `\n`, `\r` escapes. python-dotenv reads
//!    these exactly; node's dotenv unescapes only `\n` and `\r`, so a `\`
//!    or `"` comes out altered there. Nothing satisfies both.
//!
//! Limits of python-dotenv that no output can work around:
//! - Its quoted-value regexes take `\"` (or `\'`) as an escaped quote even
//!   after an escaped backslash, so a value that ends in `\` and needs form 3
//!   is misread, along with the lines after it up to the next quote. Forms 1
//!   and 2 cover every trailing-backslash value that lacks a line break,
//!   `#`, leading whitespace or a leading quote.
//! - It expands `${NAME}` in every value, quoted or not, unless called with
//!   `interpolate=False`, and has no escape for `$`.
//!
//! Unsets are omitted: a dotenv file can only assign.

use super::{Group, Holds, Sink, Syntax};

#[derive(Debug)]
pub(super) struct Dotenv;

impl Syntax for Dotenv {
    const GROUPS: &'static [Group] = &[Group {
        holds: Holds::Sets,
        ..Group::LINES
    }];

    fn set(out: &mut impl Sink, name: &str, value: &str) {
        out.push_str(name);
        out.push('=');
        Dotenv::quote(out, value);
    }

    /// Never called: `GROUPS` holds no unset, as a dotenv file can only assign.
    fn unset(_: &mut impl Sink, _: &str) {}

    /// A single-line dotenv value.
    fn quote(out: &mut impl Sink, value: &str) {
        if !value.contains(['\'', '\\', '\n', '\r']) {
            out.push('\'');
            out.push_str(value);
            out.push('\'');
        } else if bare_is_verbatim(value) {
            out.push_str(value);
        } else {
            out.push('"');
            for c in value.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '"' => out.push_str("\\\""),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
    }
}

/// Whether every parser reads `value` unquoted exactly as it is: nothing
/// that would start a quoted value or a comment, end the line, or be trimmed.
fn bare_is_verbatim(value: &str) -> bool {
    let (Some(first), Some(last)) = (value.chars().next(), value.chars().next_back()) else {
        return false;
    };
    !value.contains(['\n', '\r', '#'])
        && !matches!(first, '\'' | '"' | '`')
        && !is_trimmed(first)
        && !is_trimmed(last)
}

/// Whitespace that python (`str.isspace`, which adds U+001C..U+001F to
/// Unicode White_Space) or JavaScript (`trim`, which adds U+FEFF) strips.
fn is_trimmed(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Case, assert_quotes, missing, require, run_ok, venv_python};
    use super::super::{Dialect, Var, render};
    use std::collections::HashMap;

    #[test]
    fn quote_rules() {
        assert_quotes(
            Dialect::Dotenv,
            &[
                ("", "''"),
                ("abc", "'abc'"),
                ("say \"hi\" # $x", "'say \"hi\" # $x'"),
                ("tab\t", "'tab\t'"),
                // Bare where that is exact everywhere.
                ("it's", "it's"),
                ("a\\b", "a\\b"),
                ("trailing\\", "trailing\\"),
                ("\\\"", "\\\""),
                ("sq'dq\"bs\\", "sq'dq\"bs\\"),
                // Double quotes otherwise.
                ("'a\\b", "\"'a\\\\b\""),
                (" it's", "\" it's\""),
                ("it's ", "\"it's \""),
                ("it's\u{2003}", "\"it's\u{2003}\""),
                ("it's\u{1f}", "\"it's\u{1f}\""),
                ("\u{feff}it's", "\"\u{feff}it's\""),
                ("it's #1", "\"it's #1\""),
                ("`it's", "\"`it's\""),
                ("a\nb\r", "\"a\\nb\\r\""),
                ("\\\n", "\"\\\\\\n\""),
            ],
        );
    }

    #[test]
    fn lines() {
        let out = render(
            Dialect::Dotenv,
            &[Var::Set("A", "x'y"), Var::Unset("B"), Var::Set("C", "z")],
        );
        assert_eq!(out.as_str(), "A=x'y\nC='z'\n");
    }

    const PARSE: &str = r#"
import json, sys
from dotenv import dotenv_values
path = sys.argv[1]
json.dump({"raw": dotenv_values(path, interpolate=False), "interpolated": dotenv_values(path)}, sys.stdout)
"#;

    #[test]
    fn python_dotenv_round_trip() {
        let python = venv_python();
        if !require(&python) {
            return;
        }
        let case = Case::new(Dialect::Dotenv, "env");
        let probe = case
            .command("python3")
            .args(["-c", "import dotenv"])
            .output()
            .expect("spawn python3");
        if !probe.status.success() && !missing("python-dotenv (pip install python-dotenv)") {
            return;
        }
        let out = run_ok(
            "python-dotenv",
            case.command(&python)
                .args(["-c", PARSE])
                .arg(&case.rendered),
        );
        type Parsed = HashMap<String, HashMap<String, Option<String>>>;
        let parsed: Parsed = serde_json::from_slice(&out.stdout).expect("python output is JSON");
        for mode in ["raw", "interpolated"] {
            let got = &parsed[mode];
            for (k, want) in case.sets() {
                // Documented above: nothing survives interpolation of `${`.
                if mode == "interpolated" && want.contains("${") {
                    continue;
                }
                assert_eq!(
                    got.get(k),
                    Some(&Some(want.clone())),
                    "{mode} {k}\nrendered:\n{}",
                    case.text()
                );
            }
            assert_eq!(got.len(), case.sets().len(), "{mode}: unexpected keys");
        }
        case.assert_no_canary("python-dotenv");
    }
}
