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
                  IAM Identity Center, and four ways out (credential_process JSON, shell exports, \
                  exec, a local credential server).\n\n\
                  Exit status: 0 on success, 1 on error, 2 on a usage error; `exec` (and `exec \
                  --server`) returns the command's own status (127 when it is not found, 126 when \
                  it cannot run)."
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
    /// Open the AWS console signed in as the profile (or print the sign-in URL)
    Console(ConsoleArgs),
    /// Serve the profile's credentials on 127.0.0.1 for SDKs (container-credentials protocol)
    Serve(ServeArgs),
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
    // The shell plugin and its helpers (src/cmd/init.rs, src/cmd/complete.rs).
    /// Print the shell plugin: eval "$(rolecall init bash)" adds `rolecall use` and `unuse`
    #[command(after_long_help = INIT_LOADING)]
    Init(InitArgs),
    /// Set the credentials in this shell (a function of the plugin from `rolecall init`)
    Use(UseArgs),
    /// Clear what `rolecall use` set (a function of the plugin from `rolecall init`)
    Unuse,
    /// The completion scripts' helper: the profile names the word being completed may be
    #[command(name = "__complete", hide = true)]
    Complete(CompleteArgs),
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
    /// Set by the shell plugin, which evaluates what `env` prints: help then goes to stderr with
    /// a non-zero status, so that `rolecall use --help` is never evaluated as shell code.
    #[arg(long, hide = true)]
    pub plugin: bool,
    #[command(flatten)]
    pub fetch: FetchArgs,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Run even inside another rolecall session (`ROLECALL_PROFILE` set)
    #[arg(long)]
    pub nested: bool,
    /// Give the command a local credential server instead of keys, so that SDKs refresh them
    /// for as long as it runs (rolecall stays as its parent)
    #[arg(long)]
    pub server: bool,
    #[command(flatten)]
    pub fetch: FetchArgs,
    /// The profile (default: `AWS_PROFILE`, then `default`)
    pub profile: Option<String>,
    /// The command and its arguments, after `--` (default: `$SHELL`)
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// The profile (default: `AWS_PROFILE`, then `default`)
    pub profile: Option<String>,
    /// Where to land: a console path such as `s3/home`, or a full https:// URL (default: the
    /// console home, in the profile's region)
    #[arg(long, short, value_name = "PATH_OR_URL")]
    pub destination: Option<String>,
    /// Print the sign-in URL instead of opening a browser (it signs in whoever has it, for 15
    /// minutes)
    #[arg(long)]
    pub print: bool,
    #[command(flatten)]
    pub fetch: FetchArgs,
}

/// How each shell loads the plugin (`init --help`, `man rolecall-init`).
const INIT_LOADING: &str = "Load it from the shell's startup file:
  bash        ~/.bashrc          eval \"$(rolecall init bash)\"
  zsh         ~/.zshrc           eval \"$(rolecall init zsh)\"
  sh, dash    ~/.profile         eval \"$(rolecall init sh)\"
  fish        config.fish        rolecall init fish | source
  elvish      rc.elv             eval (rolecall init elvish | slurp)
  nushell     config.nu          source ~/.rolecall.nu
              (after: rolecall init nushell | save -f ~/.rolecall.nu)
  PowerShell  $PROFILE           Invoke-Expression (& rolecall init powershell | Out-String)

Then `rolecall use PROFILE` sets the profile's credentials in that shell, `rolecall unuse` clears \
them, and everything else goes to the binary. While a profile is in use, the prompt refreshes \
its credentials when they are within the serve margin of expiry (`ROLECALL_SERVE_MARGIN` as \
it was at `init`), starting a process only then; `--no-refresh` turns that off.";

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The shell to print the plugin for
    #[arg(value_name = "SHELL", ignore_case = true)]
    pub shell: InitShell,
    /// Also define this name for the `rolecall` function (e.g. `--cmd rc`)
    #[arg(long, value_name = "NAME")]
    pub cmd: Option<String>,
    /// Do not refresh the active profile's credentials at the prompt before they expire
    #[arg(long)]
    pub no_refresh: bool,
}

/// The shells `init` writes a plugin for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitShell {
    Bash,
    Zsh,
    /// POSIX sh (also `dash`, `ksh`): no prompt hook, so no auto-refresh
    #[value(aliases = ["dash", "ksh"])]
    Sh,
    Fish,
    /// Elvish has no clock without a process, so no auto-refresh
    Elvish,
    /// Also `nu`
    #[value(alias = "nu")]
    Nushell,
    /// Also `pwsh`
    #[value(alias = "pwsh")]
    Powershell,
}

#[derive(Debug, Args)]
pub struct UseArgs {
    /// The profile (default: `AWS_PROFILE`, then `default`)
    pub profile: Option<String>,
    #[command(flatten)]
    pub fetch: FetchArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The profile (default: `AWS_PROFILE`, then `default`)
    pub profile: Option<String>,
    /// How to print the two variables, any case (default: from `$SHELL`, else sh)
    #[arg(long, short, value_name = "FORMAT", ignore_case = true)]
    pub format: Option<Dialect>,
    #[command(flatten)]
    pub fetch: FetchArgs,
}

/// The command line: the hit path's few shapes by hand, everything else by clap.
///
/// A cache hit spends about a quarter of its instructions in clap building the whole command
/// tree (callgrind: 210k of 876k) to read two words. `credential-process NAME` (what every SDK
/// runs) and `env [--format F] NAME` (what the shell plugin runs) are recognised here when they
/// are plainly that; any flag, odd byte or other shape goes to clap, so help, errors and every
/// other form behave as clap makes them. `fast_path_agrees_with_clap` holds the two to the same
/// answer.
pub fn parse() -> Result<Cli, clap::Error> {
    let args: Vec<OsString> = std::env::args_os().collect();
    match parse_fast(&args) {
        Some(cli) => Ok(cli),
        None => Cli::try_parse_from(args),
    }
}

fn parse_fast(args: &[OsString]) -> Option<Cli> {
    let words: Vec<&str> = args
        .iter()
        .skip(1)
        .map(|a| a.to_str())
        .collect::<Option<_>>()?;
    let plain = |w: &str| !w.is_empty() && !w.starts_with('-');
    let fetch = FetchArgs {
        mfa_code: None,
        no_cache: false,
    };
    let command = match words.as_slice() {
        ["credential-process", profile] if plain(profile) => {
            Command::CredentialProcess(CredentialProcessArgs {
                profile: (*profile).to_owned(),
                fetch,
            })
        }
        ["env", rest @ ..] => {
            let (mut profile, mut format, mut plugin) = (None, None, false);
            let mut rest = rest.iter();
            while let Some(w) = rest.next() {
                let value = match *w {
                    "--plugin" => {
                        plugin = true;
                        continue;
                    }
                    "--format" | "-f" => rest.next()?,
                    w if w.starts_with("--format=") => &w["--format=".len()..],
                    w if plain(w) && profile.is_none() => {
                        profile = Some((*w).to_owned());
                        continue;
                    }
                    _ => return None,
                };
                if format.is_some() || !plain(value) {
                    return None;
                }
                format = Some(Dialect::from_str(value, true).ok()?);
            }
            Command::Env(EnvArgs {
                profile: Some(profile?),
                format,
                unset: false,
                plugin,
                fetch,
            })
        }
        _ => return None,
    };
    Some(Cli {
        verbose: false,
        command,
    })
}

#[derive(Debug, Args)]
pub struct CompleteArgs {
    /// The words after `rolecall`, the last one being the word completed
    #[arg(last = true)]
    pub words: Vec<String>,
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
    fn fast_path_agrees_with_clap() {
        let taken = [
            "credential-process prod",
            "credential-process help",
            "credential-process a.b@c",
            "env prod",
            "env --format fish prod",
            "env prod --format FISH",
            "env -f pwsh prod",
            "env --format=nu prod",
            "env --plugin --format zsh prod",
        ];
        let left_to_clap = [
            "",
            "--version",
            "credential-process",
            "credential-process -v prod",
            "credential-process prod --no-cache",
            "credential-process --mfa-code 123456 prod",
            "credential-process -- prod",
            "credential-process a b",
            "env",
            "env --unset",
            "env --format prod",
            "env --format csh prod",
            "env --format fish --format sh prod",
            "env a b",
            "env prod --verbose",
            "exec prod",
            "profiles",
        ];
        let argv = |line: &str| -> Vec<OsString> {
            std::iter::once("rolecall")
                .chain(line.split_whitespace())
                .map(OsString::from)
                .collect()
        };
        for line in taken {
            let fast = parse_fast(&argv(line)).unwrap_or_else(|| panic!("not taken: {line}"));
            let slow = Cli::try_parse_from(argv(line)).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{line}");
        }
        for line in left_to_clap {
            assert!(parse_fast(&argv(line)).is_none(), "taken: {line}");
        }
        // Not UTF-8: clap's error, not ours.
        use std::os::unix::ffi::OsStringExt;
        let odd = vec![
            OsString::from("rolecall"),
            OsString::from("credential-process"),
            OsString::from_vec(vec![0xff]),
        ];
        assert!(parse_fast(&odd).is_none());
    }

    #[test]
    fn command_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
