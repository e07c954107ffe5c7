//! Turning credentials into text that a shell (or a dotenv/JSON reader) loads.
//!
//! This module owns every byte of `rolecall env` output: choosing the dialect,
//! quoting each value so that no value can break out of its string, and
//! building the output in one pre-sized, zeroized buffer so that secrets are
//! never left behind in reallocated memory.
//!
//! Dialects, their quoting rule, and how a user loads them:
//!
//! - `bash`, `zsh`, `sh` (aliases `dash`, `ksh`): `export NAME='value'`,
//!   with `'` written as `'\''` (POSIX single quotes are fully literal).
//!   Load with `eval "$(rolecall env prod)"`.
//! - `fish`: `set -gx NAME 'value'`, with `\` and `'` backslash-escaped (the
//!   only two escapes fish honours inside single quotes).
//!   Load with `rolecall env prod --format fish | source`.
//! - `powershell`: `$Env:NAME = 'value'`, with every single-quote character
//!   (`'` and the typographic U+2018..U+201B) doubled; CR and LF are joined in
//!   as `"`r"`/`"`n"` so that each statement stays on one line.
//!   Load with `rolecall env prod --format powershell | Invoke-Expression`.
//! - `nushell`: one `load-env { "NAME": "value" }` record in double quotes with
//!   nushell's JSON-like escapes; unsets as `hide-env -i NAME`.
//!   Load with `rolecall env prod --format nushell | save -f /tmp/x.nu; source /tmp/x.nu`,
//!   or better `rolecall env prod --format json | from json | load-env`.
//! - `elvish`: `set-env NAME 'value'`, with `'` doubled as `''`.
//!   Load with `eval (rolecall env prod --format elvish | slurp)`.
//! - `dotenv`: `NAME='value'` when the value has no `'`, `\`, CR or LF; else
//!   bare `NAME=value` when that is verbatim (no `#`, line break, edge
//!   whitespace or leading quote); else `NAME="value"` with `\\`, `\"`, `\n`,
//!   `\r` escapes (python-dotenv syntax). Unsets are omitted.
//!   Load with python-dotenv's `load_dotenv()`, node's `dotenv`, or the like.
//! - `json`: one compact object, `"NAME": "value"` or `"NAME": null` for an
//!   unset, with JSON string escapes.

mod dotenv;
mod elvish;
mod fish;
pub mod init;
mod json;
mod nushell;
mod posix;
mod powershell;

use zeroize::Zeroizing;

/// Output dialects of `rolecall env --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Bash,
    Zsh,
    Sh,
    Fish,
    PowerShell,
    Nushell,
    Elvish,
    Dotenv,
    Json,
}

impl Dialect {
    pub const ALL: [Dialect; 9] = [
        Dialect::Bash,
        Dialect::Zsh,
        Dialect::Sh,
        Dialect::Fish,
        Dialect::PowerShell,
        Dialect::Nushell,
        Dialect::Elvish,
        Dialect::Dotenv,
        Dialect::Json,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Bash => "bash",
            Dialect::Zsh => "zsh",
            Dialect::Sh => "sh",
            Dialect::Fish => "fish",
            Dialect::PowerShell => "powershell",
            Dialect::Nushell => "nushell",
            Dialect::Elvish => "elvish",
            Dialect::Dotenv => "dotenv",
            Dialect::Json => "json",
        }
    }

    /// Guesses the dialect from `$SHELL`. Only real shells count: a `$SHELL`
    /// that happens to end in `json` must not select JSON output.
    pub fn from_shell_path(shell: &str) -> Option<Dialect> {
        // `$SHELL` may be a Windows path, and a login shell's argv[0] is
        // prefixed with `-`; both are cheap to tolerate.
        let base = shell.rsplit(['/', '\\']).next().unwrap_or(shell);
        let base = base.strip_prefix('-').unwrap_or(base);
        let base = base
            .strip_suffix(".exe")
            .or_else(|| base.strip_suffix(".EXE"))
            .unwrap_or(base);
        match base {
            "bash" => Some(Dialect::Bash),
            "zsh" => Some(Dialect::Zsh),
            "sh" | "dash" | "ash" | "ksh" | "mksh" => Some(Dialect::Sh),
            "fish" => Some(Dialect::Fish),
            "pwsh" | "powershell" => Some(Dialect::PowerShell),
            "nu" | "nushell" => Some(Dialect::Nushell),
            "elvish" => Some(Dialect::Elvish),
            _ => None,
        }
    }
}

/// `value` as one token that `dialect` reads back byte for byte.
pub fn quoted(dialect: Dialect, value: &str) -> String {
    let mut s = String::new();
    match dialect {
        Dialect::Bash | Dialect::Zsh | Dialect::Sh => posix::Posix::quote(&mut s, value),
        Dialect::Fish => fish::Fish::quote(&mut s, value),
        Dialect::PowerShell => powershell::PowerShell::quote(&mut s, value),
        Dialect::Nushell => nushell::Nushell::quote(&mut s, value),
        Dialect::Elvish => elvish::Elvish::quote(&mut s, value),
        Dialect::Dotenv => dotenv::Dotenv::quote(&mut s, value),
        Dialect::Json => json::Json::quote(&mut s, value),
    }
    s
}

/// One line of output: set a variable or clear it.
#[derive(Debug, Clone, Copy)]
pub enum Var<'a> {
    Set(&'a str, &'a str),
    Unset(&'a str),
}

/// Render the lines for `dialect`. The result holds secrets, hence Zeroizing.
/// Variable names are always [A-Z_][A-Z0-9_]* (caller guarantees); values are arbitrary UTF-8 without NUL.
pub fn render(dialect: Dialect, vars: &[Var<'_>]) -> Zeroizing<String> {
    // Render twice: once only counting, then into a buffer of exactly that
    // size. Growing the buffer instead would free a copy of the secrets
    // without zeroizing it.
    let mut counter = Counter(0);
    write(dialect, &mut counter, vars);
    let mut out = Zeroizing::new(String::with_capacity(counter.0));
    let capacity = out.capacity();
    write(dialect, &mut *out, vars);
    debug_assert_eq!(out.len(), counter.0);
    debug_assert_eq!(out.capacity(), capacity, "render reallocated");
    out
}

fn write(dialect: Dialect, out: &mut impl Sink, vars: &[Var<'_>]) {
    match dialect {
        Dialect::Bash | Dialect::Zsh | Dialect::Sh => write_as::<posix::Posix>(out, vars),
        Dialect::Fish => write_as::<fish::Fish>(out, vars),
        Dialect::PowerShell => write_as::<powershell::PowerShell>(out, vars),
        Dialect::Nushell => write_as::<nushell::Nushell>(out, vars),
        Dialect::Elvish => write_as::<elvish::Elvish>(out, vars),
        Dialect::Dotenv => write_as::<dotenv::Dotenv>(out, vars),
        Dialect::Json => write_as::<json::Json>(out, vars),
    }
}

/// The one writer loop: each group in turn, with its statements in the caller's order.
fn write_as<S: Syntax>(out: &mut impl Sink, vars: &[Var<'_>]) {
    for group in S::GROUPS {
        let mut held = vars
            .iter()
            .filter(|var| group.holds.includes(var))
            .peekable();
        if held.peek().is_none() && !group.even_empty {
            continue;
        }
        out.push_str(group.open);
        for (i, var) in held.enumerate() {
            if i > 0 {
                out.push_str(group.separator);
            }
            match *var {
                Var::Set(name, value) => S::set(out, name, value),
                Var::Unset(name) => S::unset(out, name),
            }
        }
        out.push_str(group.close);
    }
}

/// A dialect's grammar, as far as the writer loop needs it. Each dialect has
/// its own file with its own escaping (one file per shell, after direnv's
/// `shell_*.go`); what they share, the loop and the layout, is here.
trait Syntax {
    /// The runs of statements, in output order.
    const GROUPS: &'static [Group] = &[Group::LINES];
    /// Writes one assignment: a line without its line end, or a record entry.
    fn set(out: &mut impl Sink, name: &str, value: &str);
    /// Writes one removal, the way [`Syntax::set`] writes an assignment.
    fn unset(out: &mut impl Sink, name: &str);
    /// Writes `value` as one token that the dialect reads back byte for byte.
    fn quote(out: &mut impl Sink, value: &str);
}

/// A run of statements: `open`, the statements `holds` selects with
/// `separator` between them, then `close`. One line per variable is a group
/// with nothing to open and a line end after each statement; JSON's object
/// and nushell's `load-env` record are groups too.
#[derive(Debug)]
struct Group {
    holds: Holds,
    open: &'static str,
    separator: &'static str,
    close: &'static str,
    /// Whether `open` and `close` are written even with nothing between (`{}`).
    even_empty: bool,
}

impl Group {
    const LINES: Group = Group {
        holds: Holds::All,
        open: "",
        separator: "\n",
        close: "\n",
        even_empty: false,
    };
}

/// Which variables a [`Group`] holds.
#[derive(Debug, Clone, Copy)]
enum Holds {
    All,
    Sets,
    Unsets,
}

impl Holds {
    fn includes(self, var: &Var<'_>) -> bool {
        matches!(
            (self, var),
            (Holds::All, _) | (Holds::Sets, Var::Set(..)) | (Holds::Unsets, Var::Unset(_))
        )
    }
}

/// Where the dialect writers put text. Every writer is generic over this so
/// that the sizing pass and the real pass run the very same code and cannot
/// disagree about the length.
trait Sink {
    fn push_str(&mut self, s: &str);
    fn push(&mut self, c: char);
}

impl Sink for String {
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }
    fn push(&mut self, c: char) {
        String::push(self, c);
    }
}

/// Sizing pass: counts bytes without storing any.
#[derive(Debug)]
struct Counter(usize);

impl Sink for Counter {
    fn push_str(&mut self, s: &str) {
        self.0 += s.len();
    }
    fn push(&mut self, c: char) {
        self.0 += c.len_utf8();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_paths() {
        let cases = [
            ("/bin/bash", Some(Dialect::Bash)),
            ("/usr/bin/zsh", Some(Dialect::Zsh)),
            ("/bin/dash", Some(Dialect::Sh)),
            ("/bin/ksh", Some(Dialect::Sh)),
            ("/bin/sh", Some(Dialect::Sh)),
            ("/usr/local/bin/fish", Some(Dialect::Fish)),
            (
                "/opt/microsoft/powershell/7/pwsh",
                Some(Dialect::PowerShell),
            ),
            (
                "C:\\Program Files\\PowerShell\\7\\pwsh.exe",
                Some(Dialect::PowerShell),
            ),
            ("/usr/bin/nu", Some(Dialect::Nushell)),
            ("/usr/bin/elvish", Some(Dialect::Elvish)),
            ("-zsh", Some(Dialect::Zsh)),
            ("zsh", Some(Dialect::Zsh)),
            ("/usr/bin/tcsh", None),
            ("/usr/bin/json", None),
            ("/usr/bin/dotenv", None),
            ("", None),
            ("/", None),
        ];
        for (path, want) in cases {
            assert_eq!(Dialect::from_shell_path(path), want, "{path:?}");
        }
    }

    #[test]
    fn buffer_is_sized_exactly() {
        let long = "'\\\"\n\u{2019}$é😀\u{1}".repeat(500);
        let vars = [
            Var::Set("A", &long),
            Var::Unset("B"),
            Var::Set("C", ""),
            Var::Set("D", "plain"),
        ];
        for d in Dialect::ALL {
            let out = render(d, &vars);
            // Vec::with_capacity guarantees exactly the requested capacity,
            // so equality proves the sizing pass matched the real one.
            assert_eq!(out.len(), out.capacity(), "{}", d.name());
            assert!(out.ends_with('\n'), "{}", d.name());
        }
    }

    #[test]
    fn empty_input_renders_nothing_but_json() {
        for d in Dialect::ALL {
            let out = render(d, &[]);
            if d == Dialect::Json {
                assert_eq!(out.as_str(), "{}\n");
            } else {
                assert_eq!(out.as_str(), "", "{}", d.name());
            }
        }
    }
}

/// Shared machinery for the tests in each dialect file: quoting tables and
/// real-shell round trips.
#[cfg(test)]
// Tests look for the real shells on the real `PATH` and read `CI` and `ROLECALL_TEST_VENV`.
#[allow(clippy::disallowed_methods)]
mod testkit {
    use super::{Dialect, Var, render};
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output, Stdio};
    use std::sync::atomic::{AtomicUsize, Ordering};

    pub(crate) use super::quoted;

    /// Checks a table of `(value, quoted)` pairs, naming the row that differs.
    pub(crate) fn assert_quotes(dialect: Dialect, table: &[(&str, &str)]) {
        for &(value, want) in table {
            assert_eq!(quoted(dialect, value), want, "{} {value:?}", dialect.name());
        }
    }

    /// Whether `program` can be run. A missing interpreter skips the test on a
    /// developer machine but fails it under CI, so that CI never reports a
    /// green run that exercised no shell.
    pub(crate) fn require(program: &str) -> bool {
        let found = if program.contains('/') {
            is_executable(Path::new(program))
        } else {
            std::env::var_os("PATH").is_some_and(|path| {
                std::env::split_paths(&path).any(|dir| is_executable(&dir.join(program)))
            })
        };
        found || missing(program)
    }

    /// The Python of the test venv that `scripts/test-deps` makes (it has python-dotenv).
    pub(crate) fn venv_python() -> String {
        let venv = std::env::var("ROLECALL_TEST_VENV").unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/target/test-venv").to_owned()
        });
        format!("{venv}/bin/python")
    }

    /// The one place that decides what a missing prerequisite means.
    pub(crate) fn missing(what: &str) -> bool {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{what} not installed, and CI=true forbids skipping");
        }
        eprintln!("skipped: {what} not installed");
        false
    }

    fn is_executable(path: &Path) -> bool {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }

    /// A directory that is removed even when the test panics.
    #[derive(Debug)]
    pub(crate) struct TempDir(PathBuf);

    impl TempDir {
        pub(crate) fn new() -> TempDir {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir()
                .join(format!("rolecall-shell-test-{}-{n}", std::process::id()));
            // A leftover from a crashed run with the same pid is stale.
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir(&path).expect("create temp dir");
            TempDir(path)
        }

        pub(crate) fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Values that have broken some shell's quoting somewhere. `canary` is a
    /// path that only an injected command would create.
    pub(crate) fn tricky_values(canary: &Path) -> Vec<String> {
        let c = canary.display();
        let mut v: Vec<String> = [
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+/=",
            "",
            " ",
            "  padded  ",
            "it's",
            "'",
            "''",
            "'''",
            "\"",
            "\"\"",
            "say \"hi\" and 'bye'",
            "'\\''",
            "\\",
            "\\\\",
            "trailing\\",
            "\\'",
            "\\\\'",
            "\\\"",
            "end\\'",
            "back\\slash \\n \\t \\x41 \\u{41} \\e \\0 \\$ \\` \\(",
            "a;b;c & d | e > f < g && h || i",
            "100% %PATH% %s %n %% %d",
            "{} {a} {a,b} ${HOME} $HOME $$ $? $! $0 $1 $@ $* $env.HOME $E:HOME $Env:HOME",
            "${HOME",
            "# not a comment",
            "#",
            "a #b",
            "line1\nline2\n",
            "\n",
            "\n\n",
            "\r\n crlf \r",
            "tab\there\t",
            "-n",
            "-e",
            "--help",
            "-",
            "--",
            "=a=b==",
            "~/path ~root *.txt ? [a] !! !$ ^x",
            "é ü ß 中文 😀 👩\u{200d}👩\u{200d}👧",
            "שלום عربي \u{202E}override\u{202C} \u{200F}",
            "it\u{2019}s \u{2018}q\u{2019} \u{201A}low\u{201B}",
            "\u{2019}",
            "\u{2019}'\u{2018}",
            "\u{201C}typo\u{201D} \u{201E}",
            "\u{1}\u{1b}[31mred\u{1b}[0m\u{7f}\u{8}\u{b}\u{c}",
            "\u{85}\u{2028}\u{2029}",
            "\u{f600}\u{f6ff}\u{fdd0}\u{fdd7}\u{fffe}\u{feff}",
            "sq'dq\"bs\\",
            " it's",
            "x\\\t",
            "it's\u{3000}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend([
            format!("$(touch {c})"),
            format!("`touch {c}`"),
            format!("(touch {c})"),
            format!("'; touch {c}; '"),
            format!("\"; touch {c}; \""),
            format!("\\'; touch {c} #"),
            format!("'$(touch {c})'"),
            format!("'\ntouch {c}\n'"),
            format!("\"\ntouch {c}\n\""),
            format!("'' + (touch {c}) + ''"),
            format!("\u{2019}; touch {c}; \u{2019}"),
            format!("\"}}; touch {c}; {{\""),
            format!("\"; ^touch {c}; \""),
            format!("'); touch {c}; ('"),
            // Starts with a backslash and ends with a quote: long runs of the
            // two characters every escaper treats specially. (The reverse,
            // ending in `\`, is unrepresentable in dotenv; see dotenv.rs.)
            "\\'".repeat(1500),
        ]);
        v
    }

    pub(crate) const PRESET_UNSET: &str = "ROLECALL_T_PRESET";
    pub(crate) const ABSENT_UNSET: &str = "ROLECALL_T_ABSENT";
    pub(crate) const OVERRIDDEN: &str = "ROLECALL_T_OVERRIDE";

    /// One round trip: the rendered text, the values it should produce, and
    /// the files the shell reads and writes.
    #[derive(Debug)]
    pub(crate) struct Case {
        pub(crate) dir: TempDir,
        pub(crate) rendered: PathBuf,
        pub(crate) env_dump: PathBuf,
        canary: PathBuf,
        sets: Vec<(String, String)>,
        text: String,
    }

    impl Case {
        /// `ext` names the rendered file because `source` in some shells
        /// insists on it.
        pub(crate) fn new(dialect: Dialect, ext: &str) -> Case {
            let dir = TempDir::new();
            let canary = dir.path().join("CANARY");
            let mut sets: Vec<(String, String)> = tricky_values(&canary)
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("ROLECALL_T_{i:02}"), v))
                .collect();
            sets.push((OVERRIDDEN.to_string(), "new value".to_string()));
            let mut vars: Vec<Var<'_>> = Vec::new();
            // Unsets first, last, and in between, since some dialects treat
            // the first or last line specially.
            vars.push(Var::Unset(ABSENT_UNSET));
            for (i, (k, v)) in sets.iter().enumerate() {
                vars.push(Var::Set(k, v));
                if i == 3 {
                    vars.push(Var::Unset(PRESET_UNSET));
                }
            }
            vars.push(Var::Unset(ABSENT_UNSET));
            let text = render(dialect, &vars).to_string();
            let rendered = dir.path().join(format!("rendered.{ext}"));
            std::fs::write(&rendered, &text).expect("write rendered");
            let env_dump = dir.path().join("env.dump");
            Case {
                dir,
                rendered,
                env_dump,
                canary,
                sets,
                text,
            }
        }

        pub(crate) fn text(&self) -> &str {
            &self.text
        }

        pub(crate) fn sets(&self) -> &[(String, String)] {
            &self.sets
        }

        /// A command for `program` with the environment the round trip
        /// needs: one variable to unset, one to overwrite, one surely absent,
        /// and `RENDERED`/`ENVDUMP` pointing at the case's files.
        pub(crate) fn command(&self, program: &str) -> Command {
            let mut cmd = Command::new(program);
            cmd.current_dir(self.dir.path())
                .stdin(Stdio::null())
                .env(PRESET_UNSET, "set before")
                .env(OVERRIDDEN, "old value")
                .env_remove(ABSENT_UNSET)
                .env("RENDERED", &self.rendered)
                .env("ENVDUMP", &self.env_dump);
            for (k, _) in &self.sets {
                cmd.env_remove(k);
            }
            cmd
        }

        /// Runs `cmd`, which must load the rendered text and then write
        /// `env -0` to `ENVDUMP`, and checks every variable byte for byte.
        pub(crate) fn check(&self, label: &str, cmd: &mut Command) {
            self.check_with(label, cmd, false);
        }

        /// `empty_may_unset` is for PowerShell, where assigning `''` to an
        /// environment variable deletes it.
        pub(crate) fn check_with(&self, label: &str, cmd: &mut Command, empty_may_unset: bool) {
            let _ = std::fs::remove_file(&self.env_dump);
            run_ok(label, cmd);
            let env = read_env_dump(&self.env_dump, label);
            for (k, want) in &self.sets {
                match env.get(k) {
                    Some(got) => assert!(
                        got == want,
                        "{label}: {k} mismatch\n want {want:?}\n  got {got:?}\nrendered:\n{}",
                        self.text
                    ),
                    None if empty_may_unset && want.is_empty() => {}
                    None => panic!("{label}: {k} missing, want {want:?}"),
                }
            }
            for k in [PRESET_UNSET, ABSENT_UNSET] {
                assert!(!env.contains_key(k), "{label}: {k} still set");
            }
            self.assert_no_canary(label);
        }

        pub(crate) fn assert_no_canary(&self, label: &str) {
            assert!(
                !self.canary.exists(),
                "{label}: injected command ran (canary exists)"
            );
        }
    }

    /// Runs to completion and demands exit 0 and a silent stderr: a shell
    /// that complains about a line has misparsed it even if it carried on.
    pub(crate) fn run_ok(label: &str, cmd: &mut Command) -> Output {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("{label}: spawn: {e}"));
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{label}: {}\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn read_env_dump(path: &Path, label: &str) -> HashMap<String, String> {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{label}: no env dump: {e}"));
        // Only our own variables must be UTF-8; the inherited environment
        // may hold anything.
        bytes
            .split(|&b| b == 0)
            .filter_map(|entry| {
                let eq = entry.iter().position(|&b| b == b'=')?;
                let key = std::str::from_utf8(&entry[..eq]).ok()?;
                key.starts_with("ROLECALL_T_").then(|| {
                    let value = String::from_utf8(entry[eq + 1..].to_vec())
                        .unwrap_or_else(|e| panic!("{label}: {key} is not UTF-8: {e}"));
                    (key.to_string(), value)
                })
            })
            .collect()
    }
}
