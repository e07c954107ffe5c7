//! `rolecall serve [PROFILE]`: the credential server of `exec --server` without a child, in the
//! foreground. It prints the two variables (for another terminal, or a container's `--env`), then
//! serves until it is stopped.

use crate::cli::ServeArgs;
use crate::context::Context;
use crate::error::Result;
use crate::server::Server;
use crate::shell::{self, Dialect, Var};

pub fn run(ctx: &'static Context, args: ServeArgs) -> Result<u8> {
    let dialect = args
        .format
        .or_else(|| ctx.var("SHELL").and_then(Dialect::from_shell_path))
        .unwrap_or(Dialect::Sh);
    let profile = super::profile_name(ctx, args.profile.as_deref());
    // Once up front: a bad profile or an MFA prompt comes now, not at the first request.
    super::fetch(ctx, &profile, args.fetch)?;
    let server = Server::bind()?;
    let url = server.url();
    let vars = [
        Var::Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url),
        Var::Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", server.token()),
    ];
    let printed = shell::render(dialect, &vars);
    let code = crate::emit(printed.as_bytes());
    if code != 0 {
        return Ok(code);
    }
    ctx.warn(format_args!(
        "serving profile `{profile}` on {url} until stopped (^C)"
    ));
    server.serve(ctx, &profile);
    Ok(0)
}
