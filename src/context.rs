//! The outside world as rolecall sees it: the environment, the clock and the diagnostic stream.
//!
//! Every environment read goes through [`Context`], so tests build one from a map instead of
//! mutating the process environment.

use crate::error::Error;
use std::collections::HashMap;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Environment variable carrying the profiles that enclosing rolecall processes are resolving.
/// Set for every command rolecall starts (`credential_process`, `mfa_process`), read on entry.
pub const ACTIVE_PROFILES_VAR: &str = "ROLECALL_ACTIVE_PROFILES";
/// How deep rolecall may call itself through `credential_process` before it stops.
pub const MAX_DEPTH: usize = 8;

#[derive(Debug, Clone)]
pub struct Context {
    /// The whole environment, byte-exact, in order: `exec` hands it on.
    os_env: Vec<(OsString, OsString)>,
    /// The UTF-8 part of it, for lookups.
    env: HashMap<String, String>,
    pub verbose: bool,
    /// Set for `credential-process`: an SDK captures our stderr and folds it into one exception
    /// message, so errors take one line and a child's stderr is captured, not passed through.
    pub one_line_errors: bool,
    clock: fn() -> SystemTime,
    /// The home directory the password database gives this user, for when `HOME` is unset.
    passwd_home: fn() -> Option<PathBuf>,
}

impl Context {
    // The one read of the process environment: everything else asks the context.
    #[allow(clippy::disallowed_methods)]
    pub fn from_process() -> Self {
        Self::from_os_env(std::env::vars_os().collect())
    }

    // The one use of the real clock: everything else asks the context, which tests replace.
    #[allow(clippy::disallowed_methods)]
    pub fn from_os_env(os_env: Vec<(OsString, OsString)>) -> Self {
        let env = os_env
            .iter()
            .filter_map(|(k, v)| Some((k.to_str()?.to_owned(), v.to_str()?.to_owned())))
            .collect();
        Self {
            os_env,
            env,
            verbose: false,
            one_line_errors: false,
            clock: SystemTime::now,
            passwd_home,
        }
    }

    /// The same context with another clock (tests drive the clock through this).
    #[cfg(test)]
    pub fn with_clock(mut self, clock: fn() -> SystemTime) -> Self {
        self.clock = clock;
        self
    }

    /// The same context with another password-database lookup (tests).
    #[cfg(test)]
    pub fn with_passwd_home(mut self, lookup: fn() -> Option<PathBuf>) -> Self {
        self.passwd_home = lookup;
        self
    }

    /// The user's home directory, decided here for everything that lives under it (the config
    /// and credentials files, the cache, the SSO token cache) and decided as botocore does:
    /// `HOME`, else the password database's entry for this user, else an error. Never a relative
    /// path: a relative `HOME` would make rolecall read a config (and run its
    /// `credential_process`) from wherever it was started.
    pub fn home(&self) -> Result<PathBuf, Error> {
        if let Some(home) = self.var("HOME") {
            return if Path::new(home).is_absolute() {
                Ok(PathBuf::from(home))
            } else {
                Err(Error::NoHome {
                    why: format!("`HOME` is `{home}`, which is not an absolute path"),
                })
            };
        }
        match (self.passwd_home)() {
            Some(home) if home.is_absolute() => Ok(home),
            Some(home) => Err(Error::NoHome {
                why: format!(
                    "`HOME` is not set and the password database gives `{}`, which is not an absolute path",
                    home.display()
                ),
            }),
            None => Err(Error::NoHome {
                why: format!(
                    "`HOME` is not set and the password database has no home directory for uid {}",
                    rustix::process::geteuid().as_raw()
                ),
            }),
        }
    }

    /// A set, non-empty variable. Empty counts as unset, as in the AWS CLI.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn os_env(&self) -> &[(OsString, OsString)] {
        &self.os_env
    }

    pub fn now(&self) -> SystemTime {
        (self.clock)()
    }

    /// Profiles being resolved by rolecall processes above this one.
    pub fn active_profiles(&self) -> Vec<String> {
        self.var(ACTIVE_PROFILES_VAR)
            .map(|v| {
                v.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A `--verbose` line on stderr. Callers pass names, ARNs and masked key ids, never secrets.
    pub fn debug(&self, args: std::fmt::Arguments<'_>) {
        if self.verbose {
            let _ = writeln!(
                std::io::stderr().lock(),
                "rolecall: {}",
                inert(&args.to_string())
            );
        }
    }

    /// A warning on stderr, shown whatever the verbosity.
    pub fn warn(&self, args: std::fmt::Arguments<'_>) {
        warn(args);
    }
}

/// The password database's home directory for this user. std looks it up (`getpwuid_r`) only
/// when the process's own `HOME` is unset or empty, which is exactly when rolecall asks, since
/// the context is the process's environment.
// The process's own `HOME`, not the context's: it decides whether std asks the database.
#[allow(clippy::disallowed_methods)]
fn passwd_home() -> Option<PathBuf> {
    match std::env::var_os("HOME") {
        Some(h) if !h.is_empty() => None,
        _ => std::env::home_dir(),
    }
}

/// A warning on stderr, for the parts that hold no context (the cache reports its directories).
pub fn warn(args: std::fmt::Arguments<'_>) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "warning: {}",
        inert(&args.to_string())
    );
}

/// `text` with every control character but a line break shown as `?`. Everything rolecall
/// writes to stderr goes through it (`report`, `warn`, `debug`): a diagnostic may quote what a
/// service, a browser or a command said, and nothing from outside may drive the terminal.
pub fn inert(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(home: Option<&str>) -> Context {
        let env = home
            .map(|h| vec![(OsString::from("HOME"), OsString::from(h))])
            .unwrap_or_default();
        Context::from_os_env(env)
    }

    /// `HOME` unset or empty read `./~/.aws/config`; now: the password database, else an error.
    #[test]
    fn home_is_home_else_the_password_database_else_an_error() {
        assert_eq!(
            ctx(Some("/home/a")).home().unwrap(),
            PathBuf::from("/home/a")
        );
        for unset in [None, Some("")] {
            let c = ctx(unset).with_passwd_home(|| Some(PathBuf::from("/home/pw")));
            assert_eq!(c.home().unwrap(), PathBuf::from("/home/pw"));
            let c = ctx(unset).with_passwd_home(|| None);
            assert!(
                c.home()
                    .unwrap_err()
                    .to_string()
                    .contains("password database")
            );
            let c = ctx(unset).with_passwd_home(|| Some(PathBuf::from("rel")));
            assert!(c.home().is_err());
        }
        let e = ctx(Some("relative")).home().unwrap_err().to_string();
        assert!(e.contains("not an absolute path"), "{e}");
    }
}
