//! The one error type. Each variant names what went wrong in the user's terms and knows what the
//! user should do about it (`help`). Secrets never enter an error: variants carry names, ARNs,
//! masked key ids and the service's own message, nothing else.

use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of STS failure happened; decides the hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StsFailure {
    AccessDenied,
    WrongMfaCode,
    ExpiredToken,
    InvalidSourceKeys,
    Throttled,
    Unreachable,
    Timeout,
    Service,
    /// The credentials STS returned are already expired by this machine's clock.
    AlreadyExpired,
}

/// Which of rolecall's directories an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirRole {
    Cache,
    Locks,
}

impl fmt::Display for DirRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DirRole::Cache => "cache directory",
            DirRole::Locks => "lock directory",
        })
    }
}

#[derive(Debug)]
pub enum Error {
    /// The config files could not be read or parsed.
    Config {
        message: String,
    },
    /// No profile was named, `AWS_PROFILE` is unset and there is no `default` profile.
    NoProfileNamed,
    ProfileNotFound {
        profile: String,
        referenced_by: Option<String>,
    },
    /// `source_profile` references form a cycle; the names in order, first repeated at the end.
    ChainLoop {
        cycle: Vec<String>,
    },
    /// A profile's keys contradict each other or hold a bad value.
    InvalidProfile {
        profile: String,
        message: String,
        help: String,
    },
    NoCredentials {
        profile: String,
    },
    /// A documented AWS feature rolecall does not implement yet.
    Unsupported {
        profile: String,
        what: String,
    },
    EnvironmentKeysMissing {
        profile: String,
    },
    MfaNoTerminal {
        profile: String,
        serial: String,
    },
    MfaBadCode {
        profile: String,
        origin: &'static str,
    },
    MfaTriesExhausted {
        profile: String,
        tries: u32,
    },
    MfaProcess {
        profile: String,
        message: String,
    },
    Sts {
        profile: String,
        role_arn: Option<String>,
        failure: StsFailure,
        message: String,
    },
    CredentialProcess {
        profile: String,
        message: String,
    },
    Recursion {
        active: Vec<String>,
        profile: String,
    },
    Nested {
        active: String,
    },
    /// `exec` could not start the command; `message` says why in the user's terms.
    Exec {
        program: String,
        message: String,
        help: String,
        /// A shell's 127 (not found) rather than 126 (found but cannot run).
        not_found: bool,
    },
    Io {
        what: String,
        source: std::io::Error,
    },
    /// A rolecall environment setting has a bad value.
    Setting {
        name: &'static str,
        message: String,
    },
    /// `holder` says who holds the lock and for what step ("process 42 (AssumeRole ...)").
    LockTimeout {
        holder: String,
        seconds: u64,
    },
    /// The cache or lock directory cannot be trusted with secrets.
    UnsafeDir {
        what: DirRole,
        dir: std::path::PathBuf,
        reason: String,
    },
    /// No absolute home directory to find `~/.aws` (or the cache) in.
    NoHome {
        why: String,
    },
    /// The process this one waited for failed at the same step; its words.
    Shared {
        pid: u32,
        message: String,
        help: Option<String>,
    },
    /// The code offered is the one just used; AWS rejects a TOTP code used twice.
    MfaCodeReused {
        profile: String,
    },
}

impl Error {
    /// The `help:` line, when there is something the user can do.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            Error::Config { .. } => {
                "fix the file at the place named; `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` choose other files".into()
            }
            Error::NoProfileNamed => {
                "name a profile (`rolecall env prod`) or set `AWS_PROFILE`".into()
            }
            Error::ProfileNotFound { .. } => {
                "add `[profile NAME]` to ~/.aws/config (or `[NAME]` to ~/.aws/credentials), or check the spelling".into()
            }
            Error::ChainLoop { .. } => {
                "make one profile in the cycle end the chain with static keys, `credential_source` or `credential_process`".into()
            }
            Error::InvalidProfile { help, .. } => help.clone(),
            Error::NoCredentials { .. } => {
                "give the profile `aws_access_key_id` and `aws_secret_access_key`, or `role_arn` with `source_profile`, or `credential_process`".into()
            }
            Error::Unsupported { .. } => {
                "use the AWS CLI for this profile for now, or chain from a profile rolecall supports".into()
            }
            Error::EnvironmentKeysMissing { .. } => {
                "export `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` before running rolecall".into()
            }
            Error::MfaNoTerminal { .. } => {
                "run it once in a terminal, or pass `--mfa-code`, set `ROLECALL_MFA_CODE`, or set `mfa_process` in the profile".into()
            }
            Error::MfaBadCode { .. } => "an MFA code is the 6 digits your device shows now".into(),
            Error::MfaTriesExhausted { .. } => {
                "check that the device is the one named by `mfa_serial` and that this machine's clock is right".into()
            }
            Error::MfaProcess { .. } => "run the profile's `mfa_process` by hand to see why".into(),
            Error::Sts { failure, .. } => match failure {
                StsFailure::AccessDenied => {
                    "check the role's trust policy, `external_id`, and that the source identity may call sts:AssumeRole".into()
                }
                StsFailure::WrongMfaCode => "wait for the next code and try again".into(),
                StsFailure::ExpiredToken => {
                    "the source credentials have expired: refresh them (or the profile they come from) and try again".into()
                }
                StsFailure::InvalidSourceKeys => {
                    "the source access key was rejected: check it or rotate it in IAM".into()
                }
                StsFailure::Throttled => "STS is throttling this account: wait a little and try again".into(),
                StsFailure::Unreachable => {
                    "check the network and `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL` or the profile's `endpoint_url`".into()
                }
                StsFailure::Timeout => "STS did not answer in time: check the network and try again".into(),
                StsFailure::Service => "try again; if it persists, run with `--verbose`".into(),
                StsFailure::AlreadyExpired => {
                    "check this machine's clock (`date -u`) against the real time".into()
                }
            },
            Error::CredentialProcess { .. } => {
                "run the profile's `credential_process` command by hand to see its output".into()
            }
            Error::Recursion { .. } => {
                "a `credential_process` or `mfa_process` that runs rolecall must name a profile other than the one being resolved, and a profile with `credential_process = rolecall ...` must not also hold `role_arn`".into()
            }
            Error::Nested { .. } => {
                "`exit` the rolecall shell first, or pass `--nested` to run inside it anyway".into()
            }
            Error::Exec { help, .. } => help.clone(),
            Error::Io { .. } => return None,
            Error::NoHome { .. } => {
                "set `HOME` to your home directory (an absolute path), or name the files with `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE` and `ROLECALL_CACHE_DIR`".into()
            }
            Error::Shared { help, .. } => return help.clone(),
            Error::Setting { name, .. } => format!("fix or unset `{name}`"),
            Error::LockTimeout { .. } => {
                "that process may be waiting for an MFA code or for AWS: let it finish or stop it, or raise `ROLECALL_LOCK_TIMEOUT`".into()
            }
            Error::UnsafeDir { what, .. } => match what {
                DirRole::Locks => "make it a directory of yours that only you can write to, or unset `XDG_RUNTIME_DIR` to keep locks in the cache directory".into(),
                DirRole::Cache => "point `ROLECALL_CACHE_DIR` at a directory of your own that only you can write to (rolecall creates a missing one 0700)".into(),
            },
            Error::MfaCodeReused { .. } => "wait for your device to show the next code (at most 30 seconds)".into(),
        })
    }

    /// Whether the processes waiting for the same step should fail with this error too, rather
    /// than each try again: true of what the next try would almost surely meet as well.
    pub fn is_shared_with_waiters(&self) -> bool {
        match self {
            Error::Sts { failure, .. } => *failure != StsFailure::WrongMfaCode,
            Error::Shared { .. } => true,
            _ => false,
        }
    }

    /// Exit status for this error; `exec` mirrors a shell for a command that cannot start.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Exec {
                not_found: true, ..
            } => 127,
            Error::Exec { .. } => 126,
            _ => 1,
        }
    }
}

/// "`a` -> `b` -> `c`", with the middle of a long chain elided: the error must stay one line an
/// SDK can show (a 3,000-profile loop made a 32 KB line).
fn arrows<'a>(names: impl Iterator<Item = &'a String>) -> String {
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

fn profile_ref(referenced_by: &Option<String>) -> String {
    match referenced_by {
        Some(by) => format!(" (named by `source_profile` in profile `{by}`)"),
        None => String::new(),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config { message } => write!(f, "cannot read the AWS config: {message}"),
            Error::NoProfileNamed => write!(f, "no profile named and no `default` profile"),
            Error::ProfileNotFound {
                profile,
                referenced_by,
            } => {
                write!(
                    f,
                    "profile `{profile}` not found{}",
                    profile_ref(referenced_by)
                )
            }
            Error::ChainLoop { cycle } => {
                write!(f, "`source_profile` loop: {}", arrows(cycle.iter()))
            }
            Error::InvalidProfile {
                profile, message, ..
            } => {
                write!(f, "profile `{profile}`: {message}")
            }
            Error::NoCredentials { profile } => {
                write!(
                    f,
                    "profile `{profile}` has no credentials and no way to get them"
                )
            }
            Error::Unsupported { profile, what } => {
                write!(
                    f,
                    "profile `{profile}` uses {what}, which rolecall does not support yet"
                )
            }
            Error::EnvironmentKeysMissing { profile } => write!(
                f,
                "profile `{profile}` has `credential_source = Environment` but `AWS_ACCESS_KEY_ID` or `AWS_SECRET_ACCESS_KEY` is not set"
            ),
            Error::MfaNoTerminal { profile, serial } => write!(
                f,
                "profile `{profile}` needs an MFA code for `{serial}` but no terminal is available"
            ),
            Error::MfaBadCode { profile, origin } => {
                write!(
                    f,
                    "the MFA code from {origin} for profile `{profile}` is not 6 digits"
                )
            }
            Error::MfaTriesExhausted { profile, tries } => {
                write!(f, "profile `{profile}`: MFA code rejected {tries} times")
            }
            Error::MfaProcess { profile, message } => {
                write!(f, "`mfa_process` of profile `{profile}` failed: {message}")
            }
            Error::Sts {
                profile,
                role_arn,
                failure,
                message,
            } => {
                let what = match role_arn {
                    Some(arn) => format!("cannot assume `{arn}` for profile `{profile}`"),
                    None => format!(
                        "cannot start an MFA session (GetSessionToken) for profile `{profile}`"
                    ),
                };
                let why = match failure {
                    StsFailure::AccessDenied => "access denied",
                    StsFailure::WrongMfaCode => "wrong MFA code",
                    StsFailure::ExpiredToken => "the source credentials have expired",
                    StsFailure::InvalidSourceKeys => "the source credentials are not valid",
                    StsFailure::Throttled => "throttled after retries",
                    StsFailure::Unreachable => "STS endpoint unreachable",
                    StsFailure::Timeout => "timed out",
                    StsFailure::Service => "STS error",
                    StsFailure::AlreadyExpired => {
                        "the credentials it returned have already expired"
                    }
                };
                if message.is_empty() {
                    write!(f, "{what}: {why}")
                } else {
                    write!(f, "{what}: {why}: {message}")
                }
            }
            Error::CredentialProcess { profile, message } => {
                write!(
                    f,
                    "`credential_process` of profile `{profile}` failed: {message}"
                )
            }
            Error::Recursion { active, profile } => {
                write!(
                    f,
                    "rolecall is calling itself in a loop: {}",
                    arrows(active.iter().chain([profile]))
                )
            }
            Error::Nested { active } => write!(
                f,
                "already inside a rolecall session for profile `{active}` (`ROLECALL_PROFILE` is set)"
            ),
            Error::Exec {
                program, message, ..
            } => write!(f, "cannot run `{program}`: {message}"),
            Error::Io { what, source } => write!(f, "{what}: {source}"),
            Error::NoHome { why } => write!(f, "cannot find your home directory: {why}"),
            Error::Shared { pid, message, .. } => write!(
                f,
                "{message} (process {pid}, which this one waited for, failed just now)"
            ),
            Error::Setting { name, message } => write!(f, "`{name}`: {message}"),
            Error::LockTimeout { holder, seconds } => {
                write!(f, "gave up after {seconds} s waiting for {holder}")
            }
            Error::UnsafeDir { what, dir, reason } => {
                write!(f, "refusing the {what} {}: {reason}", dir.display())
            }
            Error::MfaCodeReused { profile } => write!(
                f,
                "the MFA code for profile `{profile}` was already used; AWS rejects a code used twice"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// `Display` of an error and its sources, on one line.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = inner.source();
    }
    s
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
        let text = Error::ChainLoop { cycle }.to_string();
        assert!(text.len() < 200, "{text}");
        assert!(
            text.contains("`p0` -> `p1`") && text.contains("… 2993 more …"),
            "{text}"
        );
        assert!(text.ends_with("`p2999` -> `p0`"), "{text}");
        let short: Vec<String> = ["a", "b", "a"].map(String::from).to_vec();
        assert_eq!(
            Error::ChainLoop { cycle: short }.to_string(),
            "`source_profile` loop: `a` -> `b` -> `a`"
        );
    }
}
