//! Command-line definitions (clap) and nothing else.

use crate::shell::Dialect;
use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;

#[derive(Debug, Parser)]
#[command(
    name = "rolecall",
    version,
    about = "Short-lived AWS credentials from the profiles in ~/.aws/config",
    long_about = "Short-lived AWS credentials from the profiles in ~/.aws/config: role chains, MFA, \
                  and three ways out (credential_process JSON, shell exports, exec).\n\n\
                  Exit status: 0 on success, 1 on error, 2 on a usage error; `exec` returns the \
                  command's own status (127 when it is not found, 126 when it cannot run)."
)]
pub struct Cli {
    /// Explain each step on stderr (key ids masked, never secrets)
    #[arg(short, long, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print credentials as one credential_process JSON document (for ~/.aws/config)
    #[command(name = "credential-process")]
    CredentialProcess(CredentialProcessArgs),
    /// Print shell lines that export the credentials: eval "$(rolecall env prod)"
    Env(EnvArgs),
    /// Run a command with the credentials in its environment
    Exec(ExecArgs),
    /// List the profile names in the config files
    #[command(name = "profiles")]
    Profiles,
    /// Sign in to IAM Identity Center: a browser on this machine (PKCE), or a device code
    Login(LoginArgs),
    /// Sign out of IAM Identity Center: end the session, forget its token and credentials
    Logout(LogoutArgs),
    /// A profile's IAM Identity Center token and each cached step, with their expiries
    Status(StatusArgs),
    /// IAM Identity Center: profiles from the portal
    #[command(subcommand)]
    Sso(SsoCommand),
    /// Inspect or clear the credential cache
    #[command(subcommand)]
    Cache(CacheCommand),
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Each cached step: profile, step, expiry and time left (never a secret)
    List,
    /// Remove the cached steps of PROFILE, or everything with --all
    Clear(CacheClearArgs),
}

#[derive(Debug, Args)]
pub struct CacheClearArgs {
    /// The profile whose steps to remove
    #[arg(required_unless_present = "all")]
    pub profile: Option<String>,
    /// Remove every entry
    #[arg(long, conflicts_with = "profile")]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// A profile whose session to sign in to (default: `AWS_PROFILE`, then `default`)
    #[arg(conflicts_with = "sso_session")]
    pub profile: Option<String>,
    /// The `[sso-session NAME]` to sign in to
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    /// Sign in with a device code (a browser on any device) instead of a browser on this one
    #[arg(long)]
    pub device_code: bool,
    /// Print the URL to open instead of opening a browser
    #[arg(long)]
    pub no_browser: bool,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// A profile whose session to sign out of
    #[arg(conflicts_with_all = ["sso_session", "all"], required_unless_present_any = ["sso_session", "all"])]
    pub profile: Option<String>,
    /// The `[sso-session NAME]` to sign out of
    #[arg(long, value_name = "NAME", conflicts_with = "all")]
    pub sso_session: Option<String>,
    /// Every session in the config (and every legacy profile's start URL)
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The profile (default: `AWS_PROFILE`, then `default`)
    pub profile: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SsoCommand {
    /// Print (or write) a profile for every account and role the session's login can reach
    Profiles(SsoProfilesArgs),
}

#[derive(Debug, Args)]
pub struct SsoProfilesArgs {
    /// The `[sso-session NAME]` to list accounts and roles with
    #[arg(long, value_name = "NAME")]
    pub sso_session: String,
    /// The name of each profile: `{account_name}`, `{account_id}` and `{role_name}` are replaced
    #[arg(
        long,
        value_name = "TEMPLATE",
        default_value = "{account_name}-{role_name}"
    )]
    pub name: String,
    /// A `region` for every profile written
    #[arg(long)]
    pub region: Option<String>,
    /// Edit ~/.aws/config in place (atomically, keeping everything else) instead of printing
    #[arg(long)]
    pub write: bool,
    /// With --write: remove the sections this command wrote for the session that no longer exist
    #[arg(long, requires = "write")]
    pub prune: bool,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)
    #[arg(long, value_name = "CODE")]
    pub mfa_code: Option<String>,
    /// Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Args)]
pub struct CredentialProcessArgs {
    /// The profile to get credentials for (required: `AWS_PROFILE` names the caller's profile)
    pub profile: String,
    #[command(flatten)]
    pub fetch: FetchArgs,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// The profile (default: `AWS_PROFILE`, then `default`)
    pub profile: Option<String>,
    /// Output dialect, any case (default: from `$SHELL`, else sh)
    #[arg(long, short, value_name = "FORMAT", ignore_case = true)]
    pub format: Option<Dialect>,
    /// Print only the lines that clear the variables rolecall sets
    #[arg(long, conflicts_with = "profile")]
    pub unset: bool,
    #[command(flatten)]
    pub fetch: FetchArgs,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Run even inside another rolecall session (`ROLECALL_PROFILE` set)
    #[arg(long)]
    pub nested: bool,
    #[command(flatten)]
    pub fetch: FetchArgs,
    /// The profile (default: `AWS_PROFILE`, then `default`)
    pub profile: Option<String>,
    /// The command and its arguments, after `--` (default: `$SHELL`)
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// The `--format` values. The canonical names are `Dialect::name`; the
/// aliases are the names people type out of habit, and the help mentions
/// them because clap hides aliases from the list of possible values.
impl ValueEnum for Dialect {
    fn value_variants<'a>() -> &'a [Self] {
        &Dialect::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let value = PossibleValue::new(self.name());
        Some(match self {
            Dialect::Sh => value.aliases(["dash", "ksh"]).help("also `dash`, `ksh`"),
            Dialect::PowerShell => value.alias("pwsh").help("also `pwsh`"),
            Dialect::Nushell => value.alias("nu").help("also `nu`"),
            Dialect::Dotenv => value.help("a dotenv file (no unsets)"),
            Dialect::Json => value.help("one JSON object, `null` for an unset"),
            _ => value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Option<Dialect> {
        Dialect::from_str(s, true).ok()
    }

    #[test]
    fn format_names_round_trip() {
        for d in Dialect::ALL {
            assert_eq!(parse(d.name()), Some(d));
        }
        assert_eq!(parse("pwsh"), Some(Dialect::PowerShell));
        assert_eq!(parse("PowerShell"), Some(Dialect::PowerShell));
        assert_eq!(parse("nu"), Some(Dialect::Nushell));
        assert_eq!(parse("dash"), Some(Dialect::Sh));
        assert_eq!(parse("ksh"), Some(Dialect::Sh));
        assert_eq!(parse("csh"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn command_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
