//! `rolecall credential-process PROFILE`: one protocol JSON document for an SDK.

use crate::cli::CredentialProcessArgs;
use crate::context::Context;
use crate::error::Result;
use crate::protocol;
use zeroize::Zeroizing;

pub fn run(ctx: &Context, args: CredentialProcessArgs) -> Result<Zeroizing<Vec<u8>>> {
    let (_plan, creds) = super::fetch(ctx, &args.profile, args.fetch)?;
    Ok(protocol::render(&creds))
}
