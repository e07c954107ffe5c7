//! Walk a [`Plan`]: base credentials first, then each role hop in order.
//!
//! The async runtime and SDK clients are created only when a hop must call STS; a profile with
//! static keys alone never builds them.

use crate::aws::chain::{Base, Plan, RoleHop};
use crate::aws::sts::{self, Target};
use crate::context::{ACTIVE_PROFILES_VAR, Context};
use crate::credentials::Credentials;
use crate::error::{Error, Result, StsFailure};
use crate::prompt::{Terminal, is_mfa_code};
use crate::protocol;
use crate::secret::Secret;
use std::process::{Command, Stdio};
use std::time::UNIX_EPOCH;
use zeroize::Zeroizing;

/// How a fetch may get what it needs from the user.
#[derive(Debug, Default)]
pub struct Options {
    /// `--mfa-code`.
    pub mfa_code: Option<Secret<String>>,
}

/// How many codes a person may type before rolecall gives up.
const MFA_TRIES: u32 = 3;

pub fn obtain(ctx: &Context, plan: &Plan, opts: &Options) -> Result<Credentials> {
    let mut creds = base_credentials(ctx, plan)?;
    if plan.hops.is_empty() {
        return Ok(creds);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            what: "cannot start the async runtime".into(),
            source,
        })?;
    let region = region(ctx, plan).unwrap_or_else(|| "us-east-1".to_owned());
    for hop in &plan.hops {
        let target = Target {
            region: region.clone(),
            endpoint_url: endpoint_url(ctx, hop),
        };
        ctx.debug(format_args!(
            "assuming `{}` for profile `{}` with {} via {}",
            hop.role_arn,
            hop.profile,
            creds.masked_key_id(),
            target
                .endpoint_url
                .as_deref()
                .unwrap_or(&format!("the STS endpoint of {}", target.region))
        ));
        creds = assume(ctx, plan, &runtime, &creds, &target, hop, opts)?;
        ctx.debug(format_args!(
            "got {} for `{}`",
            creds.masked_key_id(),
            hop.role_arn
        ));
    }
    Ok(creds)
}

/// The region handed out and used for STS: the profile's, else the environment's.
pub fn region(ctx: &Context, plan: &Plan) -> Option<String> {
    plan.region.clone().or_else(|| {
        ctx.var("AWS_REGION")
            .or_else(|| ctx.var("AWS_DEFAULT_REGION"))
            .map(str::to_owned)
    })
}

/// `AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`, then the profile's `endpoint_url`, unless
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true; `None` means the regional endpoint.
pub fn endpoint_url(ctx: &Context, hop: &RoleHop) -> Option<String> {
    if ctx
        .var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    ctx.var("AWS_ENDPOINT_URL_STS")
        .or_else(|| ctx.var("AWS_ENDPOINT_URL"))
        .map(str::to_owned)
        .or_else(|| hop.endpoint_url.clone())
}

fn base_credentials(ctx: &Context, plan: &Plan) -> Result<Credentials> {
    match &plan.base {
        Base::StaticKeys { profile, keys } => {
            ctx.debug(format_args!("static keys of profile `{profile}`"));
            Ok(Credentials {
                access_key_id: keys.access_key_id.clone(),
                secret_access_key: keys.secret_access_key.clone(),
                session_token: keys.session_token.clone(),
                expiration: None,
                account_id: plan.account_id.clone(),
            })
        }
        Base::Environment { profile } => {
            let (Some(id), Some(secret)) = (
                ctx.var("AWS_ACCESS_KEY_ID"),
                ctx.var("AWS_SECRET_ACCESS_KEY"),
            ) else {
                return Err(Error::EnvironmentKeysMissing {
                    profile: profile.clone(),
                });
            };
            ctx.debug(format_args!(
                "keys from the environment for profile `{profile}`"
            ));
            Ok(Credentials {
                access_key_id: id.to_owned(),
                secret_access_key: Secret::from(secret),
                session_token: ctx.var("AWS_SESSION_TOKEN").map(Secret::from),
                expiration: None,
                account_id: None,
            })
        }
        Base::Process { profile, command } => {
            ctx.debug(format_args!(
                "running the `credential_process` of profile `{profile}`"
            ));
            let stdout = run_command(ctx, plan, command, Stdio::inherit()).map_err(|message| {
                Error::CredentialProcess {
                    profile: profile.clone(),
                    message,
                }
            })?;
            protocol::parse(&stdout, ctx.now()).map_err(|message| Error::CredentialProcess {
                profile: profile.clone(),
                message,
            })
        }
    }
}

/// Run a profile's command through the shell, as the AWS CLI does, and return its stdout. The
/// child learns which profiles are being resolved, so a rolecall inside it can refuse to loop.
fn run_command(
    ctx: &Context,
    plan: &Plan,
    command: &str,
    stdin: Stdio,
) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut active = ctx.active_profiles();
    active.push(plan.profile.clone());
    let mut cmd = shell_command(command);
    cmd.env_clear()
        .envs(ctx.os_env().iter().map(|(k, v)| (k, v)))
        .env(ACTIVE_PROFILES_VAR, active.join(","))
        .stdin(stdin)
        .stderr(Stdio::inherit());
    let out = cmd.output().map_err(|e| format!("cannot start it: {e}"))?;
    let stdout = Zeroizing::new(out.stdout);
    if !out.status.success() {
        return Err(match out.status.code() {
            Some(code) => format!("it exited with status {code}"),
            None => "it was killed by a signal".to_owned(),
        });
    }
    Ok(stdout)
}

#[cfg(unix)]
fn shell_command(command: &str) -> Command {
    let mut c = Command::new("/bin/sh");
    c.arg("-c").arg(command);
    c
}

#[cfg(windows)]
fn shell_command(command: &str) -> Command {
    let mut c = Command::new("cmd.exe");
    c.arg("/C").arg(command);
    c
}

/// Where this hop's MFA code comes from, in order of precedence.
enum CodeSource<'a> {
    Given(&'a Secret<String>, &'static str),
    Process(&'a str),
    Terminal(Terminal),
    Nowhere,
}

fn code_source<'a>(
    ctx: &'a Context,
    hop: &'a RoleHop,
    opts: &'a Options,
    env_code: &'a Option<Secret<String>>,
) -> CodeSource<'a> {
    if let Some(code) = &opts.mfa_code {
        return CodeSource::Given(code, "`--mfa-code`");
    }
    if let Some(code) = env_code {
        return CodeSource::Given(code, "`ROLECALL_MFA_CODE`");
    }
    if let Some(process) = &hop.mfa_process {
        return CodeSource::Process(process);
    }
    let _ = ctx;
    match Terminal::open() {
        Some(t) => CodeSource::Terminal(t),
        None => CodeSource::Nowhere,
    }
}

fn assume(
    ctx: &Context,
    plan: &Plan,
    runtime: &tokio::runtime::Runtime,
    source: &Credentials,
    target: &Target,
    hop: &RoleHop,
    opts: &Options,
) -> Result<Credentials> {
    let session_name = hop
        .session_name
        .clone()
        .unwrap_or_else(|| default_session_name(ctx));
    let sts_error = |f: sts::Failure| {
        let message = match (f.kind, &target.endpoint_url) {
            (StsFailure::Unreachable | StsFailure::Timeout, Some(url)) => {
                format!("{url}: {}", f.message)
            }
            (StsFailure::Unreachable | StsFailure::Timeout, None) => {
                format!("the STS endpoint of {}: {}", target.region, f.message)
            }
            _ => f.message,
        };
        Error::Sts {
            profile: hop.profile.clone(),
            role_arn: Some(hop.role_arn.clone()),
            failure: f.kind,
            message,
        }
    };
    let Some(serial) = &hop.mfa_serial else {
        return runtime
            .block_on(sts::assume_role(source, target, hop, &session_name, None))
            .map_err(sts_error);
    };
    let env_code = ctx.var("ROLECALL_MFA_CODE").map(Secret::from);
    let bad_code = |origin| Error::MfaBadCode {
        profile: hop.profile.clone(),
        origin,
    };
    match code_source(ctx, hop, opts, &env_code) {
        CodeSource::Given(code, origin) => {
            if !is_mfa_code(code.expose()) {
                return Err(bad_code(origin));
            }
            runtime
                .block_on(sts::assume_role(
                    source,
                    target,
                    hop,
                    &session_name,
                    Some(code),
                ))
                .map_err(sts_error)
        }
        CodeSource::Process(command) => {
            ctx.debug(format_args!(
                "running the `mfa_process` of profile `{}`",
                hop.profile
            ));
            let out = run_command(ctx, plan, command, Stdio::null()).map_err(|message| {
                Error::MfaProcess {
                    profile: hop.profile.clone(),
                    message,
                }
            })?;
            let text = Zeroizing::new(String::from_utf8_lossy(&out).trim().to_owned());
            if !is_mfa_code(&text) {
                return Err(bad_code("`mfa_process`"));
            }
            let code = Secret::from(text.as_str());
            runtime
                .block_on(sts::assume_role(
                    source,
                    target,
                    hop,
                    &session_name,
                    Some(&code),
                ))
                .map_err(sts_error)
        }
        CodeSource::Nowhere => Err(Error::MfaNoTerminal {
            profile: hop.profile.clone(),
            serial: serial.clone(),
        }),
        CodeSource::Terminal(mut tty) => {
            for attempt in 1..=MFA_TRIES {
                let prompt = format!("MFA code for `{serial}` (profile `{}`): ", hop.profile);
                let Some(line) = tty.ask(&prompt) else {
                    return Err(Error::MfaNoTerminal {
                        profile: hop.profile.clone(),
                        serial: serial.clone(),
                    });
                };
                if !is_mfa_code(&line) {
                    tty.say("rolecall: an MFA code is 6 digits");
                    continue;
                }
                let code = Secret::from(line.as_str());
                match runtime.block_on(sts::assume_role(
                    source,
                    target,
                    hop,
                    &session_name,
                    Some(&code),
                )) {
                    Ok(c) => return Ok(c),
                    Err(f) if f.kind == StsFailure::WrongMfaCode => {
                        if attempt < MFA_TRIES {
                            tty.say("rolecall: STS rejected that code; enter the next one");
                        }
                    }
                    Err(f) => return Err(sts_error(f)),
                }
            }
            Err(Error::MfaTriesExhausted {
                profile: hop.profile.clone(),
                tries: MFA_TRIES,
            })
        }
    }
}

/// `rolecall-<unix seconds>`, like the AWS CLI's `botocore-session-<unix seconds>`: distinct per
/// session in CloudTrail, and attributable to rolecall.
fn default_session_name(ctx: &Context) -> String {
    let secs = ctx
        .now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("rolecall-{secs}")
}
