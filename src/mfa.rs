//! MFA codes: where they come from (`--mfa-code`, `ROLECALL_MFA_CODE`, the profile's
//! `mfa_process`, the prompt), how many tries a person gets, and the TOTP guard that never sends
//! a code twice (AWS rejects reuse).

use crate::aws::sts;
use crate::cache::{Cache, mfa_code_hash};
use crate::context::Context;
use crate::error::{Error, Result, StsFailure};
use crate::obtain::Options;
use crate::process;
use crate::prompt::{Prompt, is_mfa_code};
use crate::secret::Secret;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How many codes a person may type before rolecall gives up.
const MFA_TRIES: u32 = 3;
/// A TOTP code's lifetime.
const TOTP_WINDOW: u64 = 30;

/// The TOTP reuse guard: a hash of the last code used per MFA device and its 30-second window,
/// kept in the cache directory (never the code itself).
#[derive(Debug, Clone, Copy)]
pub struct TotpGuard<'a> {
    cache: &'a Cache,
}

impl TotpGuard<'_> {
    fn window(now: SystemTime) -> u64 {
        now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) / TOTP_WINDOW
    }

    /// Whether `code` is the one last used for `serial`, in this window or the one before.
    pub fn reused(&self, serial: &str, code: &str, now: SystemTime) -> bool {
        if !self.cache.enabled {
            return false;
        }
        match self.cache.last_mfa_use(serial) {
            Some(m) => {
                m.code == mfa_code_hash(serial, code)
                    && Self::window(now).saturating_sub(m.window) <= 1
            }
            None => false,
        }
    }

    pub fn record(&self, serial: &str, code: &str, now: SystemTime) {
        if self.cache.enabled {
            self.cache
                .record_mfa_use(serial, Self::window(now), &mfa_code_hash(serial, code));
        }
    }
}

/// Where MFA codes come from, in order: `--mfa-code`, `ROLECALL_MFA_CODE`, the profile's
/// `mfa_process`, the terminal. Guards against sending a code twice (AWS rejects reuse).
#[derive(Debug)]
pub struct MfaCodes<'a> {
    ctx: &'a Context,
    opts: &'a Options,
    /// The profile asked for, which every command started carries in its recursion guard.
    resolving: &'a str,
    /// The person, if there is one: codes are asked for there.
    pub prompt: &'a mut dyn Prompt,
    guard: TotpGuard<'a>,
}

enum Source<'s> {
    Given(Secret<String>, &'static str),
    Process(&'s str),
    Prompt,
}

impl<'a> MfaCodes<'a> {
    pub fn new(
        ctx: &'a Context,
        opts: &'a Options,
        cache: &'a Cache,
        resolving: &'a str,
        prompt: &'a mut dyn Prompt,
    ) -> Self {
        MfaCodes {
            ctx,
            opts,
            resolving,
            prompt,
            guard: TotpGuard { cache },
        }
    }

    /// Say something to the person: at the prompt if there is one, else on stderr.
    fn tell(&mut self, line: &str) {
        if self.prompt.available() {
            self.prompt.say(line);
        } else {
            self.ctx.warn(format_args!("{line}"));
        }
    }

    fn reused(&self, serial: &str, code: &str) -> bool {
        self.guard.reused(serial, code, self.ctx.now())
    }

    /// Run `call` with a code for `serial`, asking again (terminal only) when STS says it was wrong.
    pub fn with_code<T>(
        &mut self,
        profile: &str,
        serial: &str,
        mfa_process: Option<&str>,
        to_error: &dyn Fn(sts::Failure) -> Error,
        mut call: impl FnMut(&Secret<String>) -> Result<T, sts::Failure>,
    ) -> Result<T> {
        let source = if let Some(code) = &self.opts.mfa_code {
            Source::Given(code.clone(), "`--mfa-code`")
        } else if let Some(code) = self.ctx.var("ROLECALL_MFA_CODE") {
            Source::Given(Secret::from(code), "`ROLECALL_MFA_CODE`")
        } else if let Some(process) = mfa_process {
            Source::Process(process)
        } else if self.prompt.available() {
            Source::Prompt
        } else {
            return Err(MfaError::NoTerminal {
                profile: profile.to_owned(),
                serial: serial.to_owned(),
            }
            .into());
        };
        let bad_code = |origin| MfaError::BadCode {
            profile: profile.to_owned(),
            origin,
        };
        let mut failures = 0;
        // A malformed code and one STS refuses count alike; the third ends the prompting.
        let one_more_failure = |failures: &mut u32| -> Result<()> {
            *failures += 1;
            if *failures >= MFA_TRIES {
                return Err(MfaError::TriesExhausted {
                    profile: profile.to_owned(),
                    tries: MFA_TRIES,
                }
                .into());
            }
            Ok(())
        };
        loop {
            let code = match &source {
                Source::Given(code, origin) => {
                    if !is_mfa_code(code.expose()) {
                        return Err(bad_code(origin).into());
                    }
                    if self.reused(serial, code.expose()) {
                        return Err(MfaError::CodeReused {
                            profile: profile.to_owned(),
                        }
                        .into());
                    }
                    code.clone()
                }
                Source::Process(command) => self.code_from_process(profile, serial, command)?,
                Source::Prompt => {
                    let prompt = format!("MFA code for `{serial}` (profile `{profile}`): ");
                    let Some(line) = self.prompt.ask_secret(&prompt) else {
                        return Err(MfaError::NoTerminal {
                            profile: profile.to_owned(),
                            serial: serial.to_owned(),
                        }
                        .into());
                    };
                    if !is_mfa_code(&line) {
                        one_more_failure(&mut failures)?;
                        self.tell("rolecall: an MFA code is 6 digits");
                        continue;
                    }
                    if self.reused(serial, &line) {
                        self.tell("rolecall: that code was just used, and AWS rejects a code used twice; enter the next one");
                        continue;
                    }
                    Secret::from(line.as_str())
                }
            };
            match call(&code) {
                Ok(v) => {
                    self.guard.record(serial, code.expose(), self.ctx.now());
                    return Ok(v);
                }
                Err(f)
                    if f.kind == StsFailure::WrongMfaCode && matches!(source, Source::Prompt) =>
                {
                    one_more_failure(&mut failures)?;
                    self.tell("rolecall: STS rejected that code; enter the next one");
                }
                Err(f) => return Err(to_error(f)),
            }
        }
    }

    /// Run `mfa_process`; if it hands back the code just used, wait for the next window and run
    /// it again (twice at most).
    fn code_from_process(
        &mut self,
        profile: &str,
        serial: &str,
        command: &str,
    ) -> Result<Secret<String>> {
        for round in 0..3 {
            let code = process::mfa_code(self.ctx, self.resolving, profile, command)?;
            if !self.reused(serial, code.expose()) {
                return Ok(code);
            }
            if round == 2 {
                break;
            }
            let now = self
                .ctx
                .now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let wait = TOTP_WINDOW - now % TOTP_WINDOW + 1;
            self.tell(&format!(
                "rolecall: the MFA code was just used; waiting {wait} s for the next one"
            ));
            std::thread::sleep(Duration::from_secs(wait));
        }
        Err(MfaError::CodeReused {
            profile: profile.to_owned(),
        }
        .into())
    }
}

/// Getting an MFA code failed.
#[derive(Debug)]
pub enum MfaError {
    NoTerminal {
        profile: String,
        serial: String,
    },
    BadCode {
        profile: String,
        origin: &'static str,
    },
    TriesExhausted {
        profile: String,
        tries: u32,
    },
    Process {
        profile: String,
        message: String,
    },
    /// The code offered is the one just used; AWS rejects a TOTP code used twice.
    CodeReused {
        profile: String,
    },
}

impl std::fmt::Display for MfaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MfaError::NoTerminal { profile, serial } => write!(
                f,
                "profile `{profile}` needs an MFA code for `{serial}` but no terminal is available"
            ),
            MfaError::BadCode { profile, origin } => write!(
                f,
                "the MFA code from {origin} for profile `{profile}` is not 6 digits"
            ),
            MfaError::TriesExhausted { profile, tries } => {
                write!(f, "profile `{profile}`: MFA code rejected {tries} times")
            }
            MfaError::Process { profile, message } => {
                write!(f, "`mfa_process` of profile `{profile}` failed: {message}")
            }
            MfaError::CodeReused { profile } => write!(
                f,
                "the MFA code for profile `{profile}` was already used; AWS rejects a code used twice"
            ),
        }
    }
}

impl std::error::Error for MfaError {}

impl crate::error::Explain for MfaError {
    fn help(&self) -> Option<String> {
        Some(match self {
            MfaError::NoTerminal { .. } => {
                "run it once in a terminal, or pass `--mfa-code`, set `ROLECALL_MFA_CODE`, or set `mfa_process` in the profile".into()
            }
            MfaError::BadCode { .. } => "an MFA code is the 6 digits your device shows now".into(),
            MfaError::TriesExhausted { .. } => {
                "check that the device is the one named by `mfa_serial` and that this machine's clock is right".into()
            }
            MfaError::Process { .. } => "run the profile's `mfa_process` by hand to see why".into(),
            MfaError::CodeReused { .. } => {
                "wait for your device to show the next code (at most 30 seconds)".into()
            }
        })
    }
}
