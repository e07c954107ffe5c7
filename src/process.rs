//! The one place rolecall starts a profile's command (`credential_process`, `mfa_process`).
//!
//! Every command started here:
//! - carries the recursion guard: [`guarded_command`] is the only way to build one, and it
//!   cannot be called without the profile being resolved;
//! - is bounded: its stdout is capped, the whole run has a timeout (`ROLECALL_PROCESS_TIMEOUT`),
//!   and once it exits, a background process it left holding its pipes is waited for only
//!   briefly; on a timeout or an overflow the command is killed;
//! - has its stdout read into zeroizing memory that never reallocates in place, and never quoted
//!   in an error.
//!
//! Its stderr passes through to ours, except for `credential-process`, whose stderr an SDK folds
//! into one message: there it is captured, and a failure's error ends with its last line
//! (`--verbose` shows all of it).
//!
//! The command stays in rolecall's process group, so one that prompts on `/dev/tty` is still in
//! the terminal's foreground group. The price: a kill reaches the command, not what it started in
//! the background.

use crate::cache::parse_duration;
use crate::context::{ACTIVE_PROFILES_VAR, Context};
use crate::credentials::Credentials;
use crate::error::{Error, MfaError, Result};
use crate::prompt::is_mfa_code;
use crate::protocol;
use crate::secret::Secret;
use std::io::{IsTerminal, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};
use zeroize::{Zeroize, Zeroizing};

/// The setting that bounds a whole run.
pub const TIMEOUT_VAR: &str = "ROLECALL_PROCESS_TIMEOUT";
/// A source may prompt on the terminal (a passphrase, a security key touch), so the default
/// leaves a person time; it only exists so that a hung source cannot hang its SDK for ever.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// After the command exits, how long a background process it started may keep its pipes open
/// before rolecall goes on with what it read.
pub const GRACE: Duration = Duration::from_secs(2);
/// A credential_process document is a few KiB at most (a session token is under 2 KiB).
pub const CREDENTIAL_PROCESS_MAX: usize = 1024 * 1024;
/// A code is 6 digits; room for a tool that adds a label or a newline.
pub const MFA_PROCESS_MAX: usize = 4 * 1024;
/// How much of a captured stderr is kept (its end: the last line is what explains a failure).
const STDERR_KEEP: usize = 16 * 1024;
/// How much of a stderr line goes into an error message.
const SUMMARY_CHARS: usize = 240;
/// How often a running command is checked for having exited while its pipes stay quiet.
const POLL: Duration = Duration::from_millis(20);
/// Room for a typical document; bigger output grows by copying (see [`SecretBuf`]).
const CREDENTIAL_PROCESS_START: usize = 16 * 1024;

/// Which of a profile's commands is run; decides its limits and how errors read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    CredentialProcess,
    MfaProcess,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::CredentialProcess => "credential_process",
            Kind::MfaProcess => "mfa_process",
        }
    }

    fn max_stdout(self) -> usize {
        match self {
            Kind::CredentialProcess => CREDENTIAL_PROCESS_MAX,
            Kind::MfaProcess => MFA_PROCESS_MAX,
        }
    }

    fn initial_capacity(self) -> usize {
        match self {
            Kind::CredentialProcess => CREDENTIAL_PROCESS_START,
            Kind::MfaProcess => MFA_PROCESS_MAX,
        }
    }

    /// What it should print, for the over-cap error.
    fn prints(self) -> &'static str {
        match self {
            Kind::CredentialProcess => "a `credential_process` prints one small JSON document",
            Kind::MfaProcess => "an `mfa_process` prints a 6-digit code",
        }
    }

    /// A source may ask for a passphrase on stdin, as it could under the AWS CLI; an MFA code
    /// tool never needs to, and must not eat input meant for `exec`'s command.
    fn stdin(self) -> Stdio {
        match self {
            Kind::CredentialProcess => Stdio::inherit(),
            Kind::MfaProcess => Stdio::null(),
        }
    }

    fn error(self, profile: &str, message: String) -> Error {
        let profile = profile.to_owned();
        match self {
            Kind::CredentialProcess => SourceError { profile, message }.into(),
            Kind::MfaProcess => MfaError::Process { profile, message }.into(),
        }
    }
}

/// The credentials a profile's `credential_process` prints. `resolving` is the profile this
/// rolecall was asked for: a rolecall started inside the command refuses to resolve it again.
pub fn credentials(
    ctx: &Context,
    resolving: &str,
    profile: &str,
    command: &str,
) -> Result<Credentials> {
    let kind = Kind::CredentialProcess;
    let run = run(ctx, kind, resolving, profile, command)?;
    match protocol::parse(&run.stdout, ctx.now()) {
        Ok(creds) => Ok(creds),
        Err(_) if run.stdout_held && run.stdout.is_empty() => Err(run.error(
            kind,
            profile,
            "it exited without printing anything, and a background process it started kept its output open".into(),
        )),
        Err(message) if run.stdout_held => Err(run.error(
            kind,
            profile,
            format!(
                "{message}; it exited, but a background process it started kept its output open"
            ),
        )),
        Err(message) => Err(run.error(kind, profile, message)),
    }
}

/// The code a profile's `mfa_process` prints (surrounding whitespace ignored).
pub fn mfa_code(
    ctx: &Context,
    resolving: &str,
    profile: &str,
    command: &str,
) -> Result<Secret<String>> {
    let kind = Kind::MfaProcess;
    let run = run(ctx, kind, resolving, profile, command)?;
    // No lossy conversion: it would copy the bytes outside zeroizing memory.
    let text = std::str::from_utf8(&run.stdout)
        .map(str::trim)
        .unwrap_or("");
    if is_mfa_code(text) {
        return Ok(Secret::from(text));
    }
    if run.stdout_held {
        return Err(run.error(
            kind,
            profile,
            "it exited without printing a 6-digit code, and a background process it started kept its output open".into(),
        ));
    }
    Err(MfaError::BadCode {
        profile: profile.to_owned(),
        origin: "`mfa_process`",
    }
    .into())
}

/// What a command left behind once it exited successfully.
struct Finished {
    stdout: Zeroizing<Vec<u8>>,
    /// It exited, but something kept its stdout open past [`GRACE`]: `stdout` may be cut short.
    stdout_held: bool,
    /// The captured stderr's last line, if it was captured and said anything.
    stderr_line: Option<String>,
}

impl Finished {
    fn error(&self, kind: Kind, profile: &str, message: String) -> Error {
        kind.error(profile, with_stderr(message, self.stderr_line.as_deref()))
    }
}

fn with_stderr(message: String, line: Option<&str>) -> String {
    match line {
        Some(line) => format!("{message}; its stderr ended with \"{line}\""),
        None => message,
    }
}

/// The shell command for `command`, with our environment and the recursion guard: the
/// profiles enclosing rolecall processes are resolving, plus `resolving`.
fn guarded_command(ctx: &Context, resolving: &str, profile: &str, command: &str) -> Command {
    let mut active = ctx.active_profiles();
    // Both: a rolecall inside asked for the step's own profile would wait on the lock this
    // process holds for that step.
    active.push(resolving.to_owned());
    if profile != resolving {
        active.push(profile.to_owned());
    }
    let mut cmd = shell_command(command);
    cmd.env_clear()
        .envs(ctx.os_env().iter().map(|(k, v)| (k, v)))
        .env(ACTIVE_PROFILES_VAR, active.join(","));
    cmd
}

fn shell_command(command: &str) -> Command {
    let mut c = Command::new("/bin/sh");
    c.arg("-c").arg(command);
    c
}

/// `ROLECALL_PROCESS_TIMEOUT`, else [`DEFAULT_TIMEOUT`].
pub fn timeout(ctx: &Context) -> Result<Duration> {
    let Some(raw) = ctx.var(TIMEOUT_VAR) else {
        return Ok(DEFAULT_TIMEOUT);
    };
    match parse_duration(raw) {
        Some(d) if !d.is_zero() => Ok(d),
        _ => Err(Error::Setting {
            name: TIMEOUT_VAR,
            message: format!(
                "`{raw}` is not a duration of at least a second, such as `5m` or `300`"
            ),
        }),
    }
}

/// Run `command` through the shell, as the AWS CLI does, and collect its stdout.
fn run(
    ctx: &Context,
    kind: Kind,
    resolving: &str,
    profile: &str,
    command: &str,
) -> Result<Finished> {
    let limit = timeout(ctx)?;
    ctx.debug(format_args!(
        "running the `{}` of profile `{profile}`",
        kind.key()
    ));
    // The one-line promise is for a program that captures our stderr; a person at a terminal
    // (rolecall run by hand, or by an SDK that passes its stderr through) sees a source's prompts.
    let capture_stderr = ctx.one_line_errors && !std::io::stderr().is_terminal();
    let mut cmd = guarded_command(ctx, resolving, profile, command);
    cmd.stdin(kind.stdin())
        .stdout(Stdio::piped())
        .stderr(if capture_stderr {
            Stdio::piped()
        } else {
            Stdio::inherit()
        });
    let mut child = cmd
        .spawn()
        .map_err(|e| kind.error(profile, format!("cannot start it: {e}")))?;
    let started = Instant::now();

    let (events, rx) = mpsc::channel();
    let stdout = Arc::new(Mutex::new(SecretBuf::new(
        kind.initial_capacity(),
        kind.max_stdout(),
    )));
    let stderr = Arc::new(Mutex::new(Tail::default()));
    let spawned = spawn_readers(&mut child, &stdout, &stderr, &events);
    drop(events);
    let (stdout_open, stderr_open) = match spawned {
        Ok(open) => open,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(kind.error(profile, format!("cannot read its output: {e}")));
        }
    };

    let mut watch = Watch {
        child: &mut child,
        rx: &rx,
        stdout_open,
        stderr_open,
    };
    let outcome = watch.wait(started + limit);
    let stdout_held = watch.stdout_open;
    // Whatever happens next, the readers must not add to what is taken now.
    let taken = lock(&stdout).take();
    let stderr_text = lock(&stderr).take();
    let stderr_line = summary(&stderr_text);
    if ctx.verbose {
        let text = String::from_utf8_lossy(&stderr_text);
        for line in text.lines().map(clean).filter(|l| !l.is_empty()) {
            ctx.debug(format_args!(
                "`{}` of profile `{profile}` on stderr: {line}",
                kind.key()
            ));
        }
    }
    let fail = |message: String| kind.error(profile, with_stderr(message, stderr_line.as_deref()));
    let status = match outcome {
        Outcome::Exited(status) => status,
        Outcome::TimedOut => {
            return Err(fail(format!(
                "it was still running after {} s and was killed; `{TIMEOUT_VAR}` allows longer",
                limit.as_secs()
            )));
        }
        Outcome::TooMuch => {
            return Err(fail(format!(
                "it printed more than {} on stdout and was killed; {}",
                size(kind.max_stdout()),
                kind.prints()
            )));
        }
        Outcome::Failed(message) => return Err(fail(message)),
    };
    if !status.success() {
        return Err(fail(exit_message(status)));
    }
    if stdout_held {
        ctx.debug(format_args!(
            "`{}` of profile `{profile}` exited, but a background process it started kept its output open; going on with what it printed",
            kind.key()
        ));
    }
    Ok(Finished {
        stdout: taken,
        stdout_held,
        stderr_line,
    })
}

enum Outcome {
    Exited(ExitStatus),
    TimedOut,
    TooMuch,
    Failed(String),
}

/// What a reader thread reports when it stops.
enum Event {
    /// stdout: end of file, or an error (the message).
    Stdout(Result<(), String>),
    /// stdout went over its cap.
    StdoutFull,
    /// stderr: end of file (or an error: a lost stderr is no reason to fail).
    Stderr,
}

/// The wait for a running command: its exit, and its pipes closing.
struct Watch<'a> {
    child: &'a mut Child,
    rx: &'a Receiver<Event>,
    stdout_open: bool,
    stderr_open: bool,
}

impl Watch<'_> {
    /// Wait until the command has exited and its pipes are closed, or it exited [`GRACE`] ago;
    /// kill it if it overflows stdout or is still running at `deadline`.
    fn wait(&mut self, deadline: Instant) -> Outcome {
        let mut exited: Option<(ExitStatus, Instant)> = None;
        let mut nap = Duration::from_millis(1);
        loop {
            if exited.is_none() {
                match self.child.try_wait() {
                    Ok(Some(status)) => exited = Some((status, Instant::now())),
                    Ok(None) => {}
                    Err(e) => {
                        self.kill();
                        return Outcome::Failed(format!("cannot wait for it: {e}"));
                    }
                }
            }
            let now = Instant::now();
            let until = match exited {
                Some((status, _)) if !self.stdout_open && !self.stderr_open => {
                    return Outcome::Exited(status);
                }
                Some((status, at)) if now >= at + GRACE => return Outcome::Exited(status),
                Some((_, at)) => at + GRACE,
                None if now >= deadline => {
                    self.kill();
                    return Outcome::TimedOut;
                }
                None => deadline,
            };
            let slice = until.saturating_duration_since(now).min(POLL);
            if !self.stdout_open && !self.stderr_open {
                // Only the exit is awaited, and it follows the pipes' closing within a few
                // milliseconds for all but a command that closes them early.
                thread::sleep(nap.min(slice));
                nap = (nap * 2).min(POLL);
                continue;
            }
            match self.rx.recv_timeout(slice) {
                Ok(Event::Stdout(Ok(()))) => self.stdout_open = false,
                Ok(Event::Stdout(Err(message))) => {
                    self.kill();
                    return Outcome::Failed(message);
                }
                Ok(Event::StdoutFull) => {
                    self.kill();
                    return Outcome::TooMuch;
                }
                Ok(Event::Stderr) => self.stderr_open = false,
                Err(RecvTimeoutError::Timeout) => {}
                // Both readers are gone without a word (a panic): nothing more will arrive.
                Err(RecvTimeoutError::Disconnected) => {
                    self.stdout_open = false;
                    self.stderr_open = false;
                }
            }
        }
    }

    fn kill(&mut self) {
        // It may have exited meanwhile; either way it is reaped here.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A thread per pipe, each reporting once on `events` when it stops; whether stdout and stderr
/// are being read. Under a process limit a thread may not start: an error, not a panic.
fn spawn_readers(
    child: &mut Child,
    stdout: &Arc<Mutex<SecretBuf>>,
    stderr: &Arc<Mutex<Tail>>,
    events: &Sender<Event>,
) -> std::io::Result<(bool, bool)> {
    let mut open = (false, false);
    if let Some(pipe) = child.stdout.take() {
        let (buf, events) = (Arc::clone(stdout), events.clone());
        thread::Builder::new()
            .name("child stdout".into())
            .spawn(move || read_stdout(pipe, &buf, &events))?;
        open.0 = true;
    }
    if let Some(pipe) = child.stderr.take() {
        let (buf, events) = (Arc::clone(stderr), events.clone());
        thread::Builder::new()
            .name("child stderr".into())
            .spawn(move || read_stderr(pipe, &buf, &events))?;
        open.1 = true;
    }
    Ok(open)
}

fn read_stdout(mut pipe: impl Read, buf: &Mutex<SecretBuf>, events: &Sender<Event>) {
    let mut chunk = Zeroizing::new([0u8; 8192]);
    let event = loop {
        match pipe.read(&mut chunk[..]) {
            Ok(0) => break Event::Stdout(Ok(())),
            Ok(n) => {
                let kept = lock(buf).push(&chunk[..n]);
                chunk[..n].zeroize();
                match kept {
                    Push::Kept => {}
                    Push::Full => break Event::StdoutFull,
                    // rolecall has gone on without this command: nobody is listening.
                    Push::Closed => return,
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => break Event::Stdout(Err(format!("cannot read its output: {e}"))),
        }
    };
    let _ = events.send(event);
}

fn read_stderr(mut pipe: impl Read, buf: &Mutex<Tail>, events: &Sender<Event>) {
    let mut chunk = [0u8; 4096];
    loop {
        match pipe.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                if !lock(buf).push(&chunk[..n]) {
                    return;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let _ = events.send(Event::Stderr);
}

/// A poisoned lock only means a reader panicked; the bytes are still ours to take or wipe.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

enum Push {
    Kept,
    Full,
    Closed,
}

/// Bytes that may hold a secret, up to a cap. A `Vec` that reallocates leaves its old
/// allocation unwiped, so this one never does: growing copies into a fresh zeroizing buffer and
/// wipes the old one. The only copies outside it are the reader's chunk, wiped after each read,
/// and the kernel's pipe buffer.
struct SecretBuf {
    bytes: Zeroizing<Vec<u8>>,
    max: usize,
    closed: bool,
}

impl SecretBuf {
    fn new(capacity: usize, max: usize) -> Self {
        SecretBuf {
            bytes: Zeroizing::new(Vec::with_capacity(capacity.min(max))),
            max,
            closed: false,
        }
    }

    fn push(&mut self, more: &[u8]) -> Push {
        if self.closed {
            return Push::Closed;
        }
        let needed = self.bytes.len() + more.len();
        if needed > self.max {
            return Push::Full;
        }
        if needed > self.bytes.capacity() {
            let capacity = needed.max(self.bytes.capacity() * 2).min(self.max);
            let mut grown = Zeroizing::new(Vec::with_capacity(capacity));
            grown.extend_from_slice(&self.bytes);
            // The old buffer is wiped as it drops.
            self.bytes = grown;
        }
        self.bytes.extend_from_slice(more);
        Push::Kept
    }

    /// Everything read so far; later pushes are refused.
    fn take(&mut self) -> Zeroizing<Vec<u8>> {
        self.closed = true;
        std::mem::take(&mut self.bytes)
    }
}

/// The end of a captured stderr. Not secret (it would reach a terminal under `env`), but only
/// its end is of use, and a chatty command must not grow it without bound.
#[derive(Default)]
struct Tail {
    bytes: Vec<u8>,
    closed: bool,
}

impl Tail {
    /// `false` once taken: the reader may stop.
    fn push(&mut self, more: &[u8]) -> bool {
        if self.closed {
            return false;
        }
        self.bytes.extend_from_slice(more);
        if self.bytes.len() > 2 * STDERR_KEEP {
            let cut = self.bytes.len() - STDERR_KEEP;
            self.bytes.drain(..cut);
        }
        true
    }

    fn take(&mut self) -> Vec<u8> {
        self.closed = true;
        let mut bytes = std::mem::take(&mut self.bytes);
        if bytes.len() > STDERR_KEEP {
            bytes.drain(..bytes.len() - STDERR_KEEP);
        }
        bytes
    }
}

/// The last non-empty line of `stderr`, made fit for a one-line error message.
fn summary(stderr: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    let line = text.lines().map(clean).rfind(|l| !l.is_empty())?;
    if line.chars().count() <= SUMMARY_CHARS {
        return Some(line);
    }
    let mut short: String = line.chars().take(SUMMARY_CHARS).collect();
    short.push('…');
    Some(short)
}

/// `line` without terminal escapes and control characters, trimmed.
fn clean(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // A CSI sequence (colours, cursor moves): `ESC [`, parameters, one final byte.
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&c) {
                        break;
                    }
                }
            }
        } else if c.is_control() {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out.trim().to_owned()
}

fn exit_message(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("it exited with status {code}");
    }
    use std::os::unix::process::ExitStatusExt;
    if let Some(signal) = status.signal() {
        return format!("it was killed by signal {signal}");
    }
    "it was killed by a signal".to_owned()
}

fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// A profile's `credential_process` failed or printed something unusable.
#[derive(Debug)]
pub struct SourceError {
    pub profile: String,
    pub message: String,
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`credential_process` of profile `{}` failed: {}",
            self.profile, self.message
        )
    }
}

impl std::error::Error for SourceError {}

impl crate::error::Explain for SourceError {
    fn help(&self) -> Option<String> {
        Some("run the profile's `credential_process` command by hand to see its output".into())
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_buf_grows_without_reallocating_in_place_and_stops_at_its_cap() {
        let mut b = SecretBuf::new(4, 10);
        assert!(matches!(b.push(b"abc"), Push::Kept));
        assert!(matches!(b.push(b"defg"), Push::Kept));
        assert_eq!(b.bytes.capacity(), 8);
        assert!(matches!(b.push(b"hij"), Push::Kept));
        assert!(matches!(b.push(b"k"), Push::Full));
        assert_eq!(&b.take()[..], b"abcdefghij");
        assert!(matches!(b.push(b"x"), Push::Closed));
    }

    #[test]
    fn tail_keeps_the_end() {
        let mut t = Tail::default();
        for _ in 0..5 {
            assert!(t.push(&[b'a'; STDERR_KEEP]));
        }
        assert!(t.push(b"\nthe end\n"));
        let kept = t.take();
        assert_eq!(kept.len(), STDERR_KEEP);
        assert!(kept.ends_with(b"\nthe end\n"));
        assert!(!t.push(b"more"));
    }

    #[test]
    fn summary_is_the_last_non_empty_line_cleaned_and_capped() {
        assert_eq!(summary(b""), None);
        assert_eq!(summary(b"\n \n"), None);
        assert_eq!(
            summary(b"progress\r\n\x1b[31merror:\x1b[0m token\texpired  \n\n").as_deref(),
            Some("error: token expired")
        );
        let long = "x".repeat(SUMMARY_CHARS + 10);
        let s = summary(long.as_bytes()).unwrap();
        assert_eq!(s.chars().count(), SUMMARY_CHARS + 1);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn timeout_setting() {
        let ctx = |v: &str| Context::from_os_env(vec![(TIMEOUT_VAR.into(), v.into())]);
        assert_eq!(timeout(&ctx("")).unwrap(), DEFAULT_TIMEOUT);
        assert_eq!(timeout(&ctx("300")).unwrap(), Duration::from_secs(300));
        assert_eq!(timeout(&ctx("5m")).unwrap(), Duration::from_secs(300));
        for bad in ["0", "soon", "-1", "5d"] {
            let e = timeout(&ctx(bad)).unwrap_err();
            assert!(e.to_string().contains(TIMEOUT_VAR), "{e}");
        }
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(CREDENTIAL_PROCESS_MAX), "1 MiB");
        assert_eq!(size(MFA_PROCESS_MAX), "4 KiB");
        assert_eq!(size(1000), "1000 bytes");
    }
}
