//! `rolecall exec PROFILE -- CMD ARGS...`: replace this process with the command, credentials in
//! its environment and stale AWS variables scrubbed. On Unix this is `execve`: same PID, and the
//! command's exit status and signals reach the caller untouched.

use crate::cli::ExecArgs;
use crate::context::{ACTIVE_PROFILES_VAR, Context};
use crate::error::{Error, Result};
use std::ffi::OsString;
use std::process::Command;

/// Removed from the child's environment before rolecall's own are added: anything that would
/// make an SDK in the child pick other credentials, and rolecall's internal variables.
const SCRUB: &[&str] = &[
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "ROLECALL_MFA_CODE",
    ACTIVE_PROFILES_VAR,
];

pub fn run(ctx: &Context, args: ExecArgs) -> Result<u8> {
    if let Some(active) = ctx.var("ROLECALL_PROFILE").filter(|_| !args.nested) {
        return Err(Error::Nested {
            active: active.to_owned(),
        });
    }
    let profile = super::profile_name(ctx, args.profile.as_deref());
    let (session, creds) = super::fetch(ctx, &profile, args.fetch)?;
    let mut argv = args.command.into_iter();
    let program: OsString = argv.next().unwrap_or_else(|| {
        ctx.var("SHELL")
            .map(OsString::from)
            .unwrap_or_else(|| OsString::from("/bin/sh"))
    });
    let mut cmd = Command::new(&program);
    cmd.args(argv).env_clear();
    for (k, v) in ctx.os_env() {
        let name = k.to_string_lossy();
        if super::SESSION_VARS.contains(&name.as_ref()) || SCRUB.contains(&name.as_ref()) {
            continue;
        }
        cmd.env(k, v);
    }
    for (name, value) in super::session_vars(ctx, &session, &creds) {
        if let Some(value) = value {
            cmd.env(name, value.as_str());
        }
    }
    ctx.debug(format_args!(
        "running `{}` as profile `{profile}`",
        program.to_string_lossy()
    ));
    replace_process(cmd, &program)
}

#[cfg(unix)]
fn replace_process(mut cmd: Command, program: &OsString) -> Result<u8> {
    use std::os::unix::process::CommandExt;
    let source = cmd.exec();
    Err(Error::Exec {
        program: program.to_string_lossy().into_owned(),
        source,
    })
}

#[cfg(not(unix))]
fn replace_process(mut cmd: Command, program: &OsString) -> Result<u8> {
    let status = cmd.status().map_err(|source| Error::Exec {
        program: program.to_string_lossy().into_owned(),
        source,
    })?;
    Ok(status.code().unwrap_or(1) as u8)
}
