//! The shared config and credentials files, read exactly as the AWS SDKs read them.
//!
//! Parsing is aws-config's own profile loader (`aws_config::profile::load`), so every quirk of the
//! format (`[profile x]` vs `[x]`, the credentials file winning for keys in both, comments,
//! continuation lines, `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, `~` expansion) matches
//! the SDKs. Its I/O is synchronous (`std::fs::read` inside an `async fn`), so it is polled once
//! here with a no-op waker: no async runtime on the fast path.

use crate::context::Context;
use crate::error::{Error, Result};
use aws_config::profile::ProfileSet;
use aws_runtime::env_config::file::{
    EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles,
};
use aws_types::os_shim_internal::{Env, Fs};
use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Poll, Waker};

/// All profiles from the config and credentials files.
#[derive(Debug)]
pub struct Profiles {
    set: ProfileSet,
}

/// One profile's merged keys.
#[derive(Debug, Clone, Copy)]
pub struct Profile<'a> {
    name: &'a str,
    inner: &'a aws_config::profile::Profile,
}

impl<'a> Profile<'a> {
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// A key's value; empty values count as absent, as in the AWS CLI.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.inner.get(key).map(str::trim).filter(|v| !v.is_empty())
    }
}

impl Profiles {
    /// Read the files named by the environment (or the defaults under `$HOME/.aws`).
    pub fn load(ctx: &Context) -> Result<Self> {
        let env: HashMap<String, String> = ctx.env_map().clone();
        let files = ProfileFiles::default();
        Self::load_with(Env::from(env), Fs::real(), &files)
    }

    /// Parse config and credentials text directly (tests and table-driven cases).
    pub fn parse(config: &str, credentials: &str) -> Result<Self> {
        let files = ProfileFiles::builder()
            .with_contents(ProfileFileKind::Config, config)
            .with_contents(ProfileFileKind::Credentials, credentials)
            .build();
        Self::load_with(Env::from(HashMap::new()), Fs::from_slice(&[]), &files)
    }

    fn load_with(env: Env, fs: Fs, files: &ProfileFiles) -> Result<Self> {
        let fut = pin!(aws_config::profile::load(&fs, &env, files, None));
        let mut fut = fut;
        let mut cx = std::task::Context::from_waker(Waker::noop());
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(set)) => Ok(Self { set }),
            Poll::Ready(Err(e)) => Err(Error::Config {
                message: error_chain(&e),
            }),
            // Only reachable if aws-config's loader starts doing real async I/O.
            Poll::Pending => Err(Error::Config {
                message: "the profile loader did not complete synchronously".into(),
            }),
        }
    }

    pub fn get(&self, name: &str) -> Option<Profile<'_>> {
        let inner = self.set.get_profile(name)?;
        Some(Profile {
            name: inner.name(),
            inner,
        })
    }

    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.set.profiles().collect();
        names.sort_unstable();
        names
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

/// `Display` of an error and its sources, on one line.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_file_wins_for_keys_in_both() {
        let p = Profiles::parse(
            "[profile a]\nregion = eu-west-1\naws_access_key_id = AKIAFROMCONFIG000000\n",
            "[a]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
        )
        .unwrap();
        let a = p.get("a").unwrap();
        assert_eq!(a.get("aws_access_key_id"), Some("AKIAIOSFODNN7EXAMPLE"));
        assert_eq!(a.get("region"), Some("eu-west-1"));
    }

    #[test]
    fn default_section_forms() {
        let p = Profiles::parse(
            "[default]\nregion = us-west-2\n[profile x]\nregion = a\n",
            "",
        )
        .unwrap();
        assert_eq!(p.get("default").unwrap().get("region"), Some("us-west-2"));
        assert_eq!(p.names(), vec!["default", "x"]);
    }

    #[test]
    fn bad_syntax_is_a_config_error() {
        let e = Profiles::parse("[profile x\nregion = a\n", "").unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "{e}");
    }
}
