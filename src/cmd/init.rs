//! `rolecall init SHELL [--cmd NAME] [--no-refresh]`: the shell plugin (templates and their
//! filling-in are `shell::init`), and the error `use` and `unuse` give without it.

use crate::cli::{InitArgs, InitShell};
use crate::context::Context;
use crate::error::{Explain, Result};
use crate::shell::init::{Plugin, PluginShell, is_plain_name, render};
use std::fmt;
use zeroize::Zeroizing;

#[derive(Debug)]
pub enum InitError {
    /// `use` and `unuse` reached the binary: the plugin is not loaded in this shell.
    NeedsPlugin { command: &'static str },
    /// `--cmd` is not a name every shell takes as it is.
    BadName { name: String },
    /// The binary's own path, which the plugin embeds, is unknown or not UTF-8.
    BinaryPath { why: String },
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::NeedsPlugin { command } => write!(
                f,
                "`rolecall {command}` changes the shell it runs in, which only the shell plugin can do"
            ),
            InitError::BadName { name } => write!(
                f,
                "`--cmd {name}` is not a plain name (a letter or `_`, then letters, digits, `_`, `-`)"
            ),
            InitError::BinaryPath { why } => {
                write!(f, "cannot tell where this rolecall binary is: {why}")
            }
        }
    }
}

impl std::error::Error for InitError {}

impl Explain for InitError {
    fn help(&self) -> Option<String> {
        Some(match self {
            InitError::NeedsPlugin { .. } => {
                "load it first: `eval \"$(rolecall init bash)\"` (or zsh, sh, fish, elvish, nushell, powershell; see `rolecall init --help`), or use `eval \"$(rolecall env PROFILE)\"`".into()
            }
            InitError::BadName { .. } => "pick a name such as `rc`".into(),
            InitError::BinaryPath { .. } => {
                "run rolecall by a path it can be found at again, such as ~/.cargo/bin/rolecall".into()
            }
        })
    }
}

pub fn run(ctx: &Context, args: InitArgs) -> Result<Zeroizing<Vec<u8>>> {
    if let Some(name) = &args.cmd
        && !is_plain_name(name)
    {
        return Err(InitError::BadName { name: name.clone() }.into());
    }
    let exe = std::env::current_exe().map_err(|e| InitError::BinaryPath { why: e.to_string() })?;
    let bin = exe.to_str().ok_or_else(|| InitError::BinaryPath {
        why: format!("{} is not UTF-8", exe.display()),
    })?;
    let names: Vec<&str> = super::exported_names().collect();
    let plugin = Plugin {
        shell: match args.shell {
            InitShell::Bash => PluginShell::Bash,
            InitShell::Zsh => PluginShell::Zsh,
            InitShell::Sh => PluginShell::Sh,
            InitShell::Fish => PluginShell::Fish,
            InitShell::Elvish => PluginShell::Elvish,
            InitShell::Nushell => PluginShell::Nushell,
            InitShell::Powershell => PluginShell::PowerShell,
        },
        bin,
        cmd: args.cmd.as_deref().filter(|c| *c != "rolecall"),
        refresh: !args.no_refresh,
        margin_secs: crate::cache::serve_margin(ctx)?.as_secs(),
        names: &names,
    };
    Ok(Zeroizing::new(render(&plugin).into_bytes()))
}

/// `rolecall use` / `rolecall unuse` without the plugin.
pub fn needs_plugin(command: &'static str) -> Result<Zeroizing<Vec<u8>>> {
    Err(InitError::NeedsPlugin { command }.into())
}
