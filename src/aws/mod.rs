//! Everything that knows about AWS: the config files, chain resolution, and STS calls.

pub mod chain;
pub mod config;
pub mod env;
pub mod http;
pub mod metadata;
pub mod service;
pub mod sso;
pub mod sts;
pub mod web;
