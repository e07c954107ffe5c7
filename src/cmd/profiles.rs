//! `rolecall profiles`: the profile names, one a line (for completions and pickers).

use crate::aws::config::Profiles;
use crate::context::Context;
use crate::error::Result;
use zeroize::Zeroizing;

pub fn run(ctx: &Context) -> Result<Zeroizing<Vec<u8>>> {
    let profiles = Profiles::load(ctx)?;
    let mut out = Vec::new();
    for name in profiles.names() {
        out.extend_from_slice(name.as_bytes());
        out.push(b'\n');
    }
    Ok(Zeroizing::new(out))
}
