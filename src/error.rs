//! The top-level error: one variant per area, each area's error defined in its own module with
//! its wording and its `help:` beside its variants (`aws::config::ConfigError`,
//! `aws::chain::ProfileError`, `mfa::MfaError`, `aws::sts::StsError`, `process::SourceError`,
//! `cache::CacheError`, `cmd::exec::ExecError`, `cmd::init::InitError`), plus the few that
//! belong to no area. Behaviours a caller must tell apart are methods here, not strings: the
//! exit code, whether waiting processes share the failure, whether logging in would fix it.
//! Secrets never enter an error.

use std::fmt;

pub use crate::aws::chain::ProfileError;
pub use crate::aws::config::ConfigError;
pub use crate::aws::metadata::MetadataError;
pub use crate::aws::sso::{SsoError, SsoFailureKind};
pub use crate::aws::sts::{StsError, StsFailure};
pub use crate::cache::{CacheError, DirRole};
pub use crate::cmd::console::ConsoleError;
pub use crate::cmd::exec::ExecError;
pub use crate::cmd::init::InitError;
pub use crate::mfa::MfaError;
pub use crate::process::SourceError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What an area's error says besides its message.
pub trait Explain: std::error::Error {
    /// The `help:` line, when there is something the user can do.
    fn help(&self) -> Option<String>;
}

#[derive(Debug)]
pub enum Error {
    Config(ConfigError),
    Profile(ProfileError),
    Mfa(MfaError),
    Sts(StsError),
    Source(SourceError),
    Cache(CacheError),
    Exec(ExecError),
    Metadata(MetadataError),
    Console(ConsoleError),
    Init(InitError),
    Sso(SsoError),
    /// rolecall reached itself again for a profile it is resolving.
    Recursion {
        active: Vec<String>,
        profile: String,
    },
    /// A rolecall environment setting has a bad value.
    Setting {
        name: &'static str,
        message: String,
    },
    /// No absolute home directory to find `~/.aws` (or the cache) in.
    NoHome {
        why: String,
    },
    Io {
        what: String,
        source: std::io::Error,
    },
}

macro_rules! from_area {
    ($($area:ident => $variant:ident),* $(,)?) => {
        $(impl From<$area> for Error {
            fn from(e: $area) -> Self {
                Error::$variant(e)
            }
        })*
    };
}

from_area!(
    ConfigError => Config,
    ProfileError => Profile,
    MfaError => Mfa,
    StsError => Sts,
    SourceError => Source,
    CacheError => Cache,
    ExecError => Exec,
    MetadataError => Metadata,
    ConsoleError => Console,
    InitError => Init,
    SsoError => Sso,
);

impl Error {
    fn area(&self) -> Option<&dyn Explain> {
        Some(match self {
            Error::Config(e) => e,
            Error::Profile(e) => e,
            Error::Mfa(e) => e,
            Error::Sts(e) => e,
            Error::Source(e) => e,
            Error::Cache(e) => e,
            Error::Exec(e) => e,
            Error::Metadata(e) => e,
            Error::Console(e) => e,
            Error::Init(e) => e,
            Error::Sso(e) => e,
            Error::Recursion { .. }
            | Error::Setting { .. }
            | Error::NoHome { .. }
            | Error::Io { .. } => {
                return None;
            }
        })
    }

    /// The `help:` line, when there is something the user can do.
    pub fn help(&self) -> Option<String> {
        if let Some(area) = self.area() {
            return area.help();
        }
        Some(match self {
            Error::Recursion { .. } => {
                "a `credential_process` or `mfa_process` that runs rolecall must name a profile other than the one being resolved, and a profile with `credential_process = rolecall ...` must not also hold `role_arn`".into()
            }
            Error::Setting { name, .. } => format!("fix or unset `{name}`"),
            Error::NoHome { .. } => {
                "set `HOME` to your home directory (an absolute path), or name the files with `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE` and `ROLECALL_CACHE_DIR`".into()
            }
            _ => return None,
        })
    }

    /// Exit status for this error; `exec` mirrors a shell for a command that cannot start.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Exec(e) => e.exit_code(),
            _ => 1,
        }
    }

    /// Whether the processes waiting for the same step should fail with this error too, rather
    /// than each try again: true of what the next try would almost surely meet as well.
    pub fn is_shared_with_waiters(&self) -> bool {
        match self {
            Error::Sts(e) => e.failure != StsFailure::WrongMfaCode,
            Error::Cache(CacheError::Shared { .. }) => true,
            Error::Sso(e) => e.is_shared_with_waiters(),
            _ => false,
        }
    }

    /// Whether AWS could not be reached or could not answer (unreachable, timed out, throttled
    /// past the retries, a 5xx): the kind of failure a still-valid cached entry may ride out.
    /// Never an answer about the caller (denied, a wrong MFA code, expired or invalid keys).
    pub fn is_outage(&self) -> bool {
        match self {
            Error::Sts(e) => matches!(
                e.failure,
                StsFailure::Unreachable
                    | StsFailure::Timeout
                    | StsFailure::Throttled
                    | StsFailure::Unavailable
            ),
            Error::Sso(SsoError::Call { failure, .. }) => matches!(
                failure,
                SsoFailureKind::Unreachable | SsoFailureKind::Timeout | SsoFailureKind::Throttled
            ),
            Error::Cache(CacheError::Shared { outage, .. }) => *outage,
            _ => false,
        }
    }

    /// Whether logging in (IAM Identity Center) would fix it: no usable token, or one the
    /// portal or the OIDC service refused. The SSO step logs in again on it.
    pub fn needs_login(&self) -> bool {
        match self {
            Error::Sso(e) => e.needs_login(),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(area) = self.area() {
            return fmt::Display::fmt(area, f);
        }
        match self {
            Error::Recursion { active, profile } => {
                write!(
                    f,
                    "rolecall is calling itself in a loop: {}",
                    arrows(active.iter().chain([profile]))
                )
            }
            Error::Setting { name, message } => write!(f, "`{name}`: {message}"),
            Error::NoHome { why } => write!(f, "cannot find your home directory: {why}"),
            Error::Io { what, source } => write!(f, "{what}: {source}"),
            _ => unreachable!("area errors are shown by their area"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Config(e) => e.source(),
            Error::Profile(e) => e.source(),
            Error::Mfa(e) => e.source(),
            Error::Sts(e) => e.source(),
            Error::Source(e) => e.source(),
            Error::Cache(e) => e.source(),
            Error::Exec(e) => e.source(),
            Error::Metadata(e) => e.source(),
            Error::Console(e) => e.source(),
            Error::Init(e) => e.source(),
            Error::Sso(e) => e.source(),
            Error::Io { source, .. } => Some(source),
            Error::Recursion { .. } | Error::Setting { .. } | Error::NoHome { .. } => None,
        }
    }
}

/// "`a` -> `b` -> `c`", with the middle of a long chain elided: the error must stay one line an
/// SDK can show (a 3,000-profile loop made a 32 KB line).
pub(crate) fn arrows<'a>(names: impl Iterator<Item = &'a String>) -> String {
    const ENDS: usize = 4;
    let names: Vec<&String> = names.collect();
    let n = names.len();
    let mut out = Vec::with_capacity(2 * ENDS + 1);
    for (i, name) in names.into_iter().enumerate() {
        if n <= 2 * ENDS + 1 || i < ENDS || i >= n - ENDS {
            out.push(format!("`{name}`"));
        } else if i == ENDS {
            out.push(format!("… {} more …", n - 2 * ENDS));
        }
    }
    out.join(" -> ")
}

pub(crate) fn profile_ref(referenced_by: &Option<String>) -> String {
    match referenced_by {
        Some(by) => format!(" (named by `source_profile` in profile `{by}`)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3,000-profile `source_profile` loop printed one 32 KB line.
    #[test]
    fn a_long_loop_is_elided_in_the_middle() {
        let cycle: Vec<String> = (0..3000)
            .map(|i| format!("p{i}"))
            .chain(["p0".into()])
            .collect();
        let text = Error::from(ProfileError::Loop { cycle }).to_string();
        assert!(text.len() < 200, "{text}");
        assert!(
            text.contains("`p0` -> `p1`") && text.contains("… 2993 more …"),
            "{text}"
        );
        assert!(text.ends_with("`p2999` -> `p0`"), "{text}");
        let short: Vec<String> = ["a", "b", "a"].map(String::from).to_vec();
        assert_eq!(
            Error::from(ProfileError::Loop { cycle: short }).to_string(),
            "`source_profile` loop: `a` -> `b` -> `a`"
        );
    }
}
