//! rolecall turns the profiles in `~/.aws/config` into temporary AWS credentials and hands them
//! to whoever asked, in the form that caller understands.
//!
//! ```text
//! argv ─► cli ─► cmd::* ─► aws::config (parse files) ─► aws::chain::resolve ─► Plan
//!                                                                              │
//!            render ◄── Credentials ◄── obtain (base, then each role hop via STS)┘
//!   (protocol JSON │ shell dialect │ exec environment)
//! ```
//!
//! The output contract:
//! - **stdout** carries only machine output (a protocol document, export lines), written in one
//!   place, [`emit`], and nothing at all on failure;
//! - **stderr** carries diagnostics: the error, its `help:` line, and `--verbose` steps;
//! - **the terminal** (`/dev/tty`) carries prompts, because SDKs capture stdout and stderr of a
//!   credential process.

#![forbid(unsafe_code)]

// Elsewhere the build would fail anyway, deep in `std::os::unix` and rustix: say why up front.
#[cfg(not(unix))]
compile_error!(
    "rolecall supports Linux and macOS only (it needs Unix: exec, `/dev/tty`, `/bin/sh`)"
);

mod aws;
mod cache;
mod cli;
mod cmd;
mod context;
mod credentials;
mod error;
#[cfg(test)]
mod generated;
mod mfa;
mod obtain;
mod process;
mod prompt;
mod protocol;
mod resolve;
mod secret;
mod server;
mod shell;
mod url;

use cli::Command;
use context::Context;
use error::Error;
use std::io::Write;
use zeroize::Zeroizing;

/// The whole program: parse, run, write, map to an exit code.
pub fn main() -> u8 {
    let cli = match cli::parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() && is_credential_process(std::env::args_os()) => {
            // An SDK folds our stderr into one message: clap's usage block would be noise.
            let text = e.render().to_string();
            let first: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let first = first.join(" ");
            let first = first.trim_start_matches("error: ");
            let _ = writeln!(
                std::io::stderr(),
                "error: {first} (help: `rolecall credential-process --help`)"
            );
            return 2;
        }
        // The shell plugin evaluates what `env` prints: help must not be among it.
        Err(e) if !e.use_stderr() && is_plugin(std::env::args_os()) => {
            let _ = write!(std::io::stderr(), "{}", e.render());
            return 2;
        }
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let mut ctx = Context::from_process();
    ctx.verbose = cli.verbose;
    ctx.one_line_errors = matches!(cli.command, Command::CredentialProcess(_));
    // For the life of the process: a credential server's threads hold it.
    let ctx: &'static Context = Box::leak(Box::new(ctx));
    match run(ctx, cli.command) {
        Ok(out) => emit(&out),
        Err(e) => {
            report(&e, ctx.one_line_errors);
            e.exit_code()
        }
    }
}

fn run(ctx: &'static Context, command: Command) -> Result<Zeroizing<Vec<u8>>, Error> {
    match command {
        Command::CredentialProcess(args) => cmd::credential_process::run(ctx, args),
        Command::Env(args) => cmd::env::run(ctx, args),
        Command::Profiles => cmd::profiles::run(ctx),
        Command::Console(args) => cmd::console::run(ctx, args),
        Command::Login(args) => cmd::sso::login(ctx, args),
        Command::Logout(args) => cmd::sso::logout(ctx, args),
        Command::Status(args) => cmd::sso::status(ctx, args),
        Command::Sso(cli::SsoCommand::Profiles(args)) => cmd::sso_profiles::run(ctx, args),
        Command::Cache(c) => cmd::cache::run(ctx, c),
        Command::Exec(args) if args.server => exit(cmd::exec::run_server(ctx, args)?),
        // On success exec has replaced this process: only its failure comes back.
        Command::Exec(args) => match cmd::exec::run(ctx, args)? {},
        Command::Serve(args) => exit(cmd::serve::run(ctx, args)?),
        Command::Init(args) => cmd::init::run(ctx, args),
        Command::Use(_) => cmd::init::needs_plugin("use"),
        Command::Unuse => cmd::init::needs_plugin("unuse"),
        Command::Complete(args) => cmd::complete::run(ctx, args),
    }
}

/// Ends the process with `code` (a command that wrote its own output and ran to the end).
fn exit(code: u8) -> ! {
    #[allow(clippy::disallowed_methods)]
    let _ = std::io::stdout().flush();
    std::process::exit(i32::from(code))
}

/// Whether the shell plugin ran this (`env --plugin`, before any `--`).
fn is_plugin(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    args.skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--plugin")
}

/// Whether the command line names the `credential-process` subcommand (before clap has parsed it).
fn is_credential_process(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    args.skip(1)
        .find(|a| !a.to_string_lossy().starts_with('-'))
        .is_some_and(|a| a == "credential-process")
}

/// The one place that writes stdout. A closed pipe (`| head`) is not an error.
// Machine output goes out here and nowhere else, so nothing can slip text in among it.
#[allow(clippy::disallowed_methods)]
pub fn emit(bytes: &[u8]) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: cannot write to stdout: {e}");
            1
        }
    }
}

/// The error on stderr: `error: ...` and a `help:` line, or both on one line for
/// `credential-process`, whose stderr an SDK folds into a single exception message.
/// Control characters in it are shown as `?` (`context::inert`).
fn report(e: &Error, one_line: bool) {
    let text = match (e.help(), one_line) {
        (Some(help), true) => format!("error: {e} (help: {help})"),
        (Some(help), false) => format!("error: {e}\nhelp: {help}"),
        (None, _) => format!("error: {e}"),
    };
    let _ = writeln!(std::io::stderr().lock(), "{}", context::inert(&text));
}
