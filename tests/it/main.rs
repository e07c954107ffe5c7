//! rolecall's integration tests: one binary, run against the built `rolecall` with a sandboxed
//! HOME, a fake STS on 127.0.0.1, real shells, a pseudo-terminal and real AWS clients.

mod bench;
mod cache;
mod cli;
mod config_hardening;
mod exec;
mod fake_aws;
mod hardening;
mod mfa_tty;
mod process;
mod real_clients;
mod shells;
mod sts;
mod support;
