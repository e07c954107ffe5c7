//! `rolecall exec PROFILE -- CMD ARGS...`: replace this process with the command, credentials in
//! its environment and stale AWS variables scrubbed. On Unix this is `execve`: same PID, and the
//! command's exit status and signals reach the caller untouched.

use crate::cli::ExecArgs;
use crate::context::{ACTIVE_PROFILES_VAR, Context};
use crate::error::{Error, Result};
use crate::server::Server;
use std::convert::Infallible;
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use zeroize::Zeroizing;

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

/// `exec` could not run the command.
#[derive(Debug)]
pub enum ExecError {
    /// Already inside a rolecall session (`ROLECALL_PROFILE` set), without `--nested`.
    Nested { active: String },
    /// The command could not start; `message` says why in the user's terms.
    Run {
        program: String,
        message: String,
        help: String,
        /// A shell's 127 (not found) rather than 126 (found but cannot run).
        not_found: bool,
    },
}

impl ExecError {
    pub fn exit_code(&self) -> u8 {
        match self {
            ExecError::Run {
                not_found: true, ..
            } => 127,
            ExecError::Run { .. } => 126,
            ExecError::Nested { .. } => 1,
        }
    }
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExecError::Nested { active } => write!(
                f,
                "already inside a rolecall session for profile `{active}` (`ROLECALL_PROFILE` is set)"
            ),
            ExecError::Run {
                program, message, ..
            } => write!(f, "cannot run `{program}`: {message}"),
        }
    }
}

impl std::error::Error for ExecError {}

impl crate::error::Explain for ExecError {
    fn help(&self) -> Option<String> {
        Some(match self {
            ExecError::Nested { .. } => {
                "`exit` the rolecall shell first, or pass `--nested` to run inside it anyway".into()
            }
            ExecError::Run { help, .. } => help.clone(),
        })
    }
}

/// On success the process has become the command: only a failure comes back.
pub fn run(ctx: &Context, args: ExecArgs) -> Result<Infallible> {
    refuse_nested(ctx, &args)?;
    let profile = super::profile_name(ctx, args.profile.as_deref());
    let (session, creds) = super::fetch(ctx, &profile, args.fetch)?;
    let mut set = Vec::new();
    for (name, value) in super::session_vars(&session, &creds) {
        if let Some(value) = value {
            set.push((name, value));
        }
    }
    let (cmd, program) = command(ctx, args.command, &set)?;
    ctx.debug(format_args!(
        "running `{}` as profile `{profile}`",
        program.to_string_lossy()
    ));
    replace_process(ctx, cmd, &program)
}

/// `exec --server`: the command runs as a child with a credential server's two variables and no
/// keys; rolecall serves it until it ends, forwards the signals a terminal would not have sent
/// it already, and comes back with its status (its exit code, or its signal re-raised).
pub fn run_server(ctx: &'static Context, args: ExecArgs) -> Result<u8> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    use signal_hook::iterator::SignalsInfo;
    use signal_hook::iterator::exfiltrator::WithOrigin;
    use signal_hook::low_level::siginfo::Cause;
    use std::os::unix::process::ExitStatusExt;

    refuse_nested(ctx, &args)?;
    let profile = super::profile_name(ctx, args.profile.as_deref());
    // Once up front: a bad profile or an MFA prompt comes before the command starts.
    let (session, _) = super::fetch(ctx, &profile, args.fetch)?;
    let server = Server::bind()?;
    let url = Zeroizing::new(server.url());
    let token = Zeroizing::new(server.token().to_owned());
    let mut set = super::session_vars_without_keys(&session);
    set.push(("AWS_CONTAINER_CREDENTIALS_FULL_URI", url));
    set.push(("AWS_CONTAINER_AUTHORIZATION_TOKEN", token));
    let (mut cmd, program) = command(ctx, args.command, &set)?;
    // Before the child exists, so that no signal meant for it is lost.
    let forwarded = [SIGINT, SIGTERM, SIGHUP, SIGQUIT];
    let mut signals = SignalsInfo::<WithOrigin>::new(forwarded).map_err(|e| Error::Io {
        what: "cannot install signal handlers".into(),
        source: e,
    })?;
    ctx.debug(format_args!(
        "running `{}` as profile `{profile}` with a credential server on {}",
        program.to_string_lossy(),
        server.url()
    ));
    let mut child = cmd.spawn().map_err(|e| exec_error(ctx, &program, &e))?;
    server.spawn(ctx, profile);
    let pid = rustix::process::Pid::from_child(&child);
    std::thread::spawn(move || {
        for signal in signals.forever() {
            // A terminal's ^C or ^\ reached the child's process group already: sent again,
            // the child would see it twice.
            if signal.cause == Cause::Kernel {
                continue;
            }
            if let Some(s) = rustix::process::Signal::from_named_raw(signal.signal) {
                let _ = rustix::process::kill_process(pid, s);
            }
        }
    });
    let status = child.wait().map_err(|e| Error::Io {
        what: format!("cannot wait for `{}`", program.to_string_lossy()),
        source: e,
    })?;
    if let Some(code) = status.code() {
        return Ok(u8::try_from(code & 0xff).unwrap_or(1));
    }
    let signal = status.signal().unwrap_or(signal_hook::consts::SIGKILL);
    // Die the way the child died, so that a shell sees the same thing.
    let _ = signal_hook::low_level::emulate_default_handler(signal);
    Ok(u8::try_from(128 + signal).unwrap_or(255))
}

fn refuse_nested(ctx: &Context, args: &ExecArgs) -> Result<()> {
    match ctx.var("ROLECALL_PROFILE").filter(|_| !args.nested) {
        Some(active) => Err(ExecError::Nested {
            active: active.to_owned(),
        }
        .into()),
        None => Ok(()),
    }
}

/// The command (default `$SHELL`, else `/bin/sh`) with the environment scrubbed of stale AWS
/// variables and `set` added, and its program name.
fn command(
    ctx: &Context,
    command: Vec<OsString>,
    set: &[(&str, Zeroizing<String>)],
) -> Result<(Command, OsString)> {
    let mut argv = command.into_iter();
    let program: OsString = argv.next().unwrap_or_else(|| {
        ctx.var("SHELL")
            .map(OsString::from)
            .unwrap_or_else(|| OsString::from("/bin/sh"))
    });
    let rest: Vec<OsString> = argv.collect();
    // execve takes C strings: std would refuse a NUL with a message that names neither the
    // argument nor the variable.
    if has_nul(&program) {
        return Err(refused(
            &program,
            "its name holds a NUL byte".into(),
            NUL_HELP,
        ));
    }
    if let Some(i) = rest.iter().position(|a| has_nul(a)) {
        return Err(refused(
            &program,
            format!("argument {} holds a NUL byte", i + 1),
            NUL_HELP,
        ));
    }
    let mut cmd = Command::new(&program);
    cmd.args(&rest).env_clear();
    for (k, v) in ctx.os_env() {
        let name = k.to_string_lossy();
        if super::exported_names().any(|n| n == name) || SCRUB.contains(&name.as_ref()) {
            continue;
        }
        cmd.env(k, v);
    }
    for (name, value) in set {
        if value.contains('\0') {
            return Err(refused(
                &program,
                format!("the value rolecall would set for `{name}` holds a NUL byte"),
                "it came from the profile's credentials or config: fix the `credential_process` output or the config value",
            ));
        }
        cmd.env(name, value.as_str());
    }
    Ok((cmd, program))
}

const NUL_HELP: &str = "a program's arguments cannot hold NUL bytes";

fn has_nul(s: &OsStr) -> bool {
    s.as_encoded_bytes().contains(&0)
}

/// A command that cannot run, though it may exist (126, as in a shell).
fn refused(program: &OsStr, message: String, help: &str) -> Error {
    ExecError::Run {
        program: program.to_string_lossy().into_owned(),
        message,
        help: help.to_owned(),
        not_found: false,
    }
    .into()
}

fn replace_process(ctx: &Context, mut cmd: Command, program: &OsStr) -> Result<Infallible> {
    use std::os::unix::process::CommandExt;
    let e = cmd.exec();
    Err(exec_error(ctx, program, &e))
}

/// What the failed exec means. "No such file" also comes back for a program that exists but
/// whose `#!` interpreter or ELF loader does not, so the file is looked for before saying so.
fn exec_error(ctx: &Context, program: &OsStr, e: &std::io::Error) -> Error {
    let name = program.to_string_lossy().into_owned();
    let error = |message: String, help: &str, not_found: bool| -> Error {
        ExecError::Run {
            program: name.clone(),
            message,
            help: help.to_owned(),
            not_found,
        }
        .into()
    };
    use rustix::io::Errno;
    match Errno::from_io_error(e) {
        Some(Errno::TOOBIG) => {
            return error(
                "the argument list and environment are too large".into(),
                "pass fewer or shorter arguments, or unset large environment variables",
                false,
            );
        }
        Some(Errno::ACCESS) => {
            return error(
                "permission denied".into(),
                "check that it is a file you may execute (`chmod +x`), not a directory",
                false,
            );
        }
        Some(Errno::NOEXEC) => {
            return error(
                "it is not a program this system can run (exec format error)".into(),
                "check that it is built for this system, or start a script with a `#!` line",
                false,
            );
        }
        _ => {}
    }
    if e.kind() != std::io::ErrorKind::NotFound {
        return error(
            e.to_string(),
            "check the command name and your `PATH`",
            false,
        );
    }
    // A shell says 127 for a missing interpreter too; so does rolecall.
    let Some(path) = locate(ctx, program) else {
        let message = if program.as_encoded_bytes().contains(&b'/') {
            "no such file".to_owned()
        } else {
            "not found in `PATH`".to_owned()
        };
        return error(message, "check the command name and your `PATH`", true);
    };
    let shown = path.display();
    match first_bytes(&path) {
        Some(head) if head.starts_with(b"#!") => {
            let line = head[2..].split(|&b| b == b'\n').next().unwrap_or_default();
            let cr = line.ends_with(b"\r");
            let text: String = String::from_utf8_lossy(line)
                .trim()
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .take(120)
                .collect();
            if cr {
                error(
                    format!(
                        "`{shown}` exists but its `#!{text}` line ends with a carriage return, so its interpreter was not found"
                    ),
                    "convert the script to Unix line ends (`dos2unix`)",
                    true,
                )
            } else {
                error(
                    format!("`{shown}` exists but its interpreter (`#!{text}`) was not found"),
                    "install that interpreter, or fix the script's `#!` line",
                    true,
                )
            }
        }
        Some(head) if head.starts_with(b"\x7fELF") => error(
            format!("`{shown}` exists but the loader it names (its ELF interpreter) was not found"),
            "it may be built for another system or C library: use a build for this one",
            true,
        ),
        _ => error(
            format!("`{shown}` exists but something it needs to start was not found"),
            "check the command name and your `PATH`",
            true,
        ),
    }
}

/// The file exec would have run: `program` itself if it holds a `/`, else the first match in
/// the child's `PATH` (execvp's default when unset).
fn locate(ctx: &Context, program: &OsStr) -> Option<PathBuf> {
    if program.as_encoded_bytes().contains(&b'/') {
        let p = PathBuf::from(program);
        return p.is_file().then_some(p);
    }
    let path = ctx.var("PATH").unwrap_or("/bin:/usr/bin");
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Enough of a file to recognise a `#!` line or an ELF header.
fn first_bytes(path: &Path) -> Option<Vec<u8>> {
    let mut head = Vec::with_capacity(256);
    std::fs::File::open(path)
        .ok()?
        .take(256)
        .read_to_end(&mut head)
        .ok()?;
    Some(head)
}
