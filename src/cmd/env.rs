//! `rolecall env [PROFILE] [--format F] [--unset]`: export lines for a shell to eval.

use crate::cli::EnvArgs;
use crate::context::Context;
use crate::error::Result;
use crate::shell::{self, Dialect, Var};
use zeroize::Zeroizing;

pub fn run(ctx: &Context, args: EnvArgs) -> Result<Zeroizing<Vec<u8>>> {
    let dialect = args
        .format
        .or_else(|| ctx.var("SHELL").and_then(Dialect::from_shell_path))
        .unwrap_or(Dialect::Sh);
    if args.unset {
        let vars: Vec<Var<'_>> = super::exported_names().map(Var::Unset).collect();
        return Ok(into_bytes(shell::render(dialect, &vars)));
    }
    let profile = super::profile_name(ctx, args.profile.as_deref());
    let (session, creds) = super::fetch(ctx, &profile, args.fetch)?;
    let values = super::session_vars(&session, &creds);
    let vars: Vec<Var<'_>> = values
        .iter()
        .map(|(name, value)| match value {
            Some(v) => Var::Set(name, v),
            None => Var::Unset(name),
        })
        .collect();
    Ok(into_bytes(shell::render(dialect, &vars)))
}

fn into_bytes(s: Zeroizing<String>) -> Zeroizing<Vec<u8>> {
    let mut s = s;
    Zeroizing::new(std::mem::take(&mut *s).into_bytes())
}
