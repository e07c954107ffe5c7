//! rolecall's integration tests: one binary, run against the built `rolecall` with a sandboxed
//! HOME, a fake STS on 127.0.0.1, real shells, a pseudo-terminal and real AWS clients.

// The tests read the real environment (`PATH`, `CI`, the venv) and clock to drive the binary
// and the fake STS; the bans in clippy.toml are for rolecall itself.
#![allow(clippy::disallowed_methods)]

mod bench;
mod cache;
mod cli;
mod completions;
mod config_hardening;
mod console;
mod container;
mod exec;
mod fake_aws;
mod hardening;
mod imds;
mod init;
mod mfa_tty;
mod outage;
mod packaging;
mod process;
mod real_clients;
mod server;
mod shells;
mod sso;
mod sso_clients;
mod sso_login;
mod sso_profiles;
mod sts;
mod support;
mod web_identity;
