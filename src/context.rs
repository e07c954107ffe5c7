//! The outside world as rolecall sees it: the environment, the clock and the diagnostic stream.
//!
//! Every environment read goes through [`Context`], so tests build one from a map instead of
//! mutating the process environment.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::Write;
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
}

impl Context {
    pub fn from_process() -> Self {
        Self::from_os_env(std::env::vars_os().collect())
    }

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
            let _ = writeln!(std::io::stderr().lock(), "rolecall: {args}");
        }
    }

    /// A warning on stderr, shown whatever the verbosity.
    pub fn warn(&self, args: std::fmt::Arguments<'_>) {
        let _ = writeln!(std::io::stderr().lock(), "warning: {args}");
    }
}
