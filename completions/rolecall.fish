# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rolecall_global_optspecs
    string join \n v/verbose h/help V/version
end

function __fish_rolecall_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rolecall_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rolecall_using_subcommand
    set -l cmd (__fish_rolecall_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rolecall -n "__fish_rolecall_needs_command" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rolecall -n "__fish_rolecall_needs_command" -s V -l version -d 'Print version'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "credential-process" -d 'Print credentials as one credential_process JSON document (for ~/.aws/config)'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "env" -d 'Print shell lines that export the credentials: eval "$(rolecall env prod)"'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "exec" -d 'Run a command with the credentials in its environment'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "console" -d 'Open the AWS console signed in as the profile (or print the sign-in URL)'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "serve" -d 'Serve the profile\'s credentials on 127.0.0.1 for SDKs (container-credentials protocol)'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "profiles" -d 'List the profile names in the config files'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "login" -d 'Sign in to IAM Identity Center: a browser on this machine (PKCE), or a device code'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "logout" -d 'Sign out of IAM Identity Center: end the session, forget its token and credentials'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "status" -d 'A profile\'s IAM Identity Center token and each cached step, with their expiries'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "sso" -d 'IAM Identity Center: profiles from the portal'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "cache" -d 'Inspect or clear the credential cache'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "init" -d 'Print the shell plugin: eval "$(rolecall init bash)" adds `rolecall use` and `unuse`'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "use" -d 'Set the credentials in this shell (a function of the plugin from `rolecall init`)'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "unuse" -d 'Clear what `rolecall use` set (a function of the plugin from `rolecall init`)'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "__complete" -d 'The completion scripts\' helper: the profile names the word being completed may be'
complete -c rolecall -n "__fish_rolecall_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rolecall -n "__fish_rolecall_using_subcommand credential-process" -l mfa-code -d 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)' -r
complete -c rolecall -n "__fish_rolecall_using_subcommand credential-process" -l no-cache -d 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)'
complete -c rolecall -n "__fish_rolecall_using_subcommand credential-process" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand credential-process" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand env" -s f -l format -d 'Output dialect, any case (default: from `$SHELL`, else sh)' -r -f -a "bash\t''
zsh\t''
sh\t'also `dash`, `ksh`'
fish\t''
powershell\t'also `pwsh`'
nushell\t'also `nu`'
elvish\t''
dotenv\t'a dotenv file (no unsets)'
json\t'one JSON object, `null` for an unset'"
complete -c rolecall -n "__fish_rolecall_using_subcommand env" -l mfa-code -d 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)' -r
complete -c rolecall -n "__fish_rolecall_using_subcommand env" -l unset -d 'Print only the lines that clear the variables rolecall sets'
complete -c rolecall -n "__fish_rolecall_using_subcommand env" -l plugin -d 'Set by the shell plugin, which evaluates what `env` prints: help then goes to stderr with a non-zero status, so that `rolecall use --help` is never evaluated as shell code'
complete -c rolecall -n "__fish_rolecall_using_subcommand env" -l no-cache -d 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)'
complete -c rolecall -n "__fish_rolecall_using_subcommand env" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand env" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rolecall -n "__fish_rolecall_using_subcommand exec" -l mfa-code -d 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)' -r
complete -c rolecall -n "__fish_rolecall_using_subcommand exec" -l nested -d 'Run even inside another rolecall session (`ROLECALL_PROFILE` set)'
complete -c rolecall -n "__fish_rolecall_using_subcommand exec" -l server -d 'Give the command a local credential server instead of keys, so that SDKs refresh them for as long as it runs (rolecall stays as its parent)'
complete -c rolecall -n "__fish_rolecall_using_subcommand exec" -l no-cache -d 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)'
complete -c rolecall -n "__fish_rolecall_using_subcommand exec" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand exec" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand console" -s d -l destination -d 'Where to land: a console path such as `s3/home`, or a full https:// URL (default: the console home, in the profile\'s region)' -r
complete -c rolecall -n "__fish_rolecall_using_subcommand console" -l mfa-code -d 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)' -r
complete -c rolecall -n "__fish_rolecall_using_subcommand console" -l print -d 'Print the sign-in URL instead of opening a browser (it signs in whoever has it, for 15 minutes)'
complete -c rolecall -n "__fish_rolecall_using_subcommand console" -l no-cache -d 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)'
complete -c rolecall -n "__fish_rolecall_using_subcommand console" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand console" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand serve" -s f -l format -d 'How to print the two variables, any case (default: from `$SHELL`, else sh)' -r -f -a "bash\t''
zsh\t''
sh\t'also `dash`, `ksh`'
fish\t''
powershell\t'also `pwsh`'
nushell\t'also `nu`'
elvish\t''
dotenv\t'a dotenv file (no unsets)'
json\t'one JSON object, `null` for an unset'"
complete -c rolecall -n "__fish_rolecall_using_subcommand serve" -l mfa-code -d 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)' -r
complete -c rolecall -n "__fish_rolecall_using_subcommand serve" -l no-cache -d 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)'
complete -c rolecall -n "__fish_rolecall_using_subcommand serve" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rolecall -n "__fish_rolecall_using_subcommand profiles" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand profiles" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand login" -l sso-session -d 'The `[sso-session NAME]` to sign in to' -r
complete -c rolecall -n "__fish_rolecall_using_subcommand login" -l device-code -d 'Sign in with a device code (a browser on any device) instead of a browser on this one'
complete -c rolecall -n "__fish_rolecall_using_subcommand login" -l no-browser -d 'Print the URL to open instead of opening a browser'
complete -c rolecall -n "__fish_rolecall_using_subcommand login" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand login" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand logout" -l sso-session -d 'The `[sso-session NAME]` to sign out of' -r
complete -c rolecall -n "__fish_rolecall_using_subcommand logout" -l all -d 'Every session in the config (and every legacy profile\'s start URL)'
complete -c rolecall -n "__fish_rolecall_using_subcommand logout" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand logout" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand status" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand status" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand sso; and not __fish_seen_subcommand_from profiles help" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand sso; and not __fish_seen_subcommand_from profiles help" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand sso; and not __fish_seen_subcommand_from profiles help" -f -a "profiles" -d 'Print (or write) a profile for every account and role the session\'s login can reach'
complete -c rolecall -n "__fish_rolecall_using_subcommand sso; and not __fish_seen_subcommand_from profiles help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rolecall -n "__fish_rolecall_using_subcommand sso; and __fish_seen_subcommand_from profiles" -l sso-session -d 'The `[sso-session NAME]` to list accounts and roles with' -r
complete -c rolecall -n "__fish_rolecall_using_subcommand sso; and __fish_seen_subcommand_from profiles" -l name -d 'The name of each profile: `{account_name}`, `{account_id}` and `{role_name}` are replaced' -r
complete -c rolecall -n "__fish_rolecall_using_subcommand sso; and __fish_seen_subcommand_from profiles" -l region -d 'A `region` for every profile written' -r
complete -c rolecall -n "__fish_rolecall_using_subcommand sso; and __fish_seen_subcommand_from profiles" -l write -d 'Edit ~/.aws/config in place (atomically, keeping everything else) instead of printing'
complete -c rolecall -n "__fish_rolecall_using_subcommand sso; and __fish_seen_subcommand_from profiles" -l prune -d 'With --write: remove the sections this command wrote for the session that no longer exist'
complete -c rolecall -n "__fish_rolecall_using_subcommand sso; and __fish_seen_subcommand_from profiles" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand sso; and __fish_seen_subcommand_from profiles" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand sso; and __fish_seen_subcommand_from help" -f -a "profiles" -d 'Print (or write) a profile for every account and role the session\'s login can reach'
complete -c rolecall -n "__fish_rolecall_using_subcommand sso; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rolecall -n "__fish_rolecall_using_subcommand cache; and not __fish_seen_subcommand_from list clear help" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand cache; and not __fish_seen_subcommand_from list clear help" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand cache; and not __fish_seen_subcommand_from list clear help" -f -a "list" -d 'Each cached step: profile, step, expiry and time left (never a secret)'
complete -c rolecall -n "__fish_rolecall_using_subcommand cache; and not __fish_seen_subcommand_from list clear help" -f -a "clear" -d 'Remove the cached steps of PROFILE, or everything with --all'
complete -c rolecall -n "__fish_rolecall_using_subcommand cache; and not __fish_seen_subcommand_from list clear help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rolecall -n "__fish_rolecall_using_subcommand cache; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand cache; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand cache; and __fish_seen_subcommand_from clear" -l all -d 'Remove every entry'
complete -c rolecall -n "__fish_rolecall_using_subcommand cache; and __fish_seen_subcommand_from clear" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand cache; and __fish_seen_subcommand_from clear" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "list" -d 'Each cached step: profile, step, expiry and time left (never a secret)'
complete -c rolecall -n "__fish_rolecall_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "clear" -d 'Remove the cached steps of PROFILE, or everything with --all'
complete -c rolecall -n "__fish_rolecall_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rolecall -n "__fish_rolecall_using_subcommand init" -l cmd -d 'Also define this name for the `rolecall` function (e.g. `--cmd rc`)' -r
complete -c rolecall -n "__fish_rolecall_using_subcommand init" -l no-refresh -d 'Do not refresh the active profile\'s credentials at the prompt before they expire'
complete -c rolecall -n "__fish_rolecall_using_subcommand init" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rolecall -n "__fish_rolecall_using_subcommand use" -l mfa-code -d 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)' -r
complete -c rolecall -n "__fish_rolecall_using_subcommand use" -l no-cache -d 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)'
complete -c rolecall -n "__fish_rolecall_using_subcommand use" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand use" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand unuse" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand unuse" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand __complete" -s v -l verbose -d 'Explain each step on stderr (key ids masked, never secrets)'
complete -c rolecall -n "__fish_rolecall_using_subcommand __complete" -s h -l help -d 'Print help'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "credential-process" -d 'Print credentials as one credential_process JSON document (for ~/.aws/config)'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "env" -d 'Print shell lines that export the credentials: eval "$(rolecall env prod)"'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "exec" -d 'Run a command with the credentials in its environment'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "console" -d 'Open the AWS console signed in as the profile (or print the sign-in URL)'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "serve" -d 'Serve the profile\'s credentials on 127.0.0.1 for SDKs (container-credentials protocol)'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "profiles" -d 'List the profile names in the config files'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "login" -d 'Sign in to IAM Identity Center: a browser on this machine (PKCE), or a device code'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "logout" -d 'Sign out of IAM Identity Center: end the session, forget its token and credentials'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "status" -d 'A profile\'s IAM Identity Center token and each cached step, with their expiries'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "sso" -d 'IAM Identity Center: profiles from the portal'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "cache" -d 'Inspect or clear the credential cache'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "init" -d 'Print the shell plugin: eval "$(rolecall init bash)" adds `rolecall use` and `unuse`'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "use" -d 'Set the credentials in this shell (a function of the plugin from `rolecall init`)'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "unuse" -d 'Clear what `rolecall use` set (a function of the plugin from `rolecall init`)'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "__complete" -d 'The completion scripts\' helper: the profile names the word being completed may be'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and not __fish_seen_subcommand_from credential-process env exec console serve profiles login logout status sso cache init use unuse __complete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and __fish_seen_subcommand_from sso" -f -a "profiles" -d 'Print (or write) a profile for every account and role the session\'s login can reach'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "list" -d 'Each cached step: profile, step, expiry and time left (never a secret)'
complete -c rolecall -n "__fish_rolecall_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "clear" -d 'Remove the cached steps of PROFILE, or everything with --all'

# rolecall: profile names from your config, from `rolecall __complete` (it reads the config files and nothing else).
function __fish_rolecall_profiles
    command rolecall __complete -- (commandline -opc)[2..-1] "$(commandline -ct)" 2>/dev/null
end
complete -c rolecall -f -n 'test -n "$(__fish_rolecall_profiles)"' -a '(__fish_rolecall_profiles)'
