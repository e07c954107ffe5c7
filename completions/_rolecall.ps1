
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'rolecall' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    # rolecall: profile names from your config, from `rolecall __complete` (it reads the config files and nothing else); everything else below.
    $words = @($commandAst.CommandElements | Select-Object -Skip 1 |
        Where-Object { $_.Extent.EndOffset -le $cursorPosition } | ForEach-Object { $_.ToString() })
    if ($wordToComplete -eq '') { $words += '' }
    $names = @(& rolecall __complete -- @words 2>$null)
    if ($names.Count -gt 0) {
        return $names | ForEach-Object { [CompletionResult]::new($_, $_, [CompletionResultType]::ParameterValue, $_) }
    }

    $commandElements = $commandAst.CommandElements
    $command = @(
        'rolecall'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'rolecall' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('credential-process', 'credential-process', [CompletionResultType]::ParameterValue, 'Print credentials as one credential_process JSON document (for ~/.aws/config)')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print shell lines that export the credentials: eval "$(rolecall env prod)"')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with the credentials in its environment')
            [CompletionResult]::new('console', 'console', [CompletionResultType]::ParameterValue, 'Open the AWS console signed in as the profile (or print the sign-in URL)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the profile''s credentials on 127.0.0.1 for SDKs (container-credentials protocol)')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List the profile names in the config files')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in to IAM Identity Center: a browser on this machine (PKCE), or a device code')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Sign out of IAM Identity Center: end the session, forget its token and credentials')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'A profile''s IAM Identity Center token and each cached step, with their expiries')
            [CompletionResult]::new('sso', 'sso', [CompletionResultType]::ParameterValue, 'IAM Identity Center: profiles from the portal')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'Inspect or clear the credential cache')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Print the shell plugin: eval "$(rolecall init bash)" adds `rolecall use` and `unuse`')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Set the credentials in this shell (a function of the plugin from `rolecall init`)')
            [CompletionResult]::new('unuse', 'unuse', [CompletionResultType]::ParameterValue, 'Clear what `rolecall use` set (a function of the plugin from `rolecall init`)')
            [CompletionResult]::new('__complete', '__complete', [CompletionResultType]::ParameterValue, 'The completion scripts'' helper: the profile names the word being completed may be')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rolecall;credential-process' {
            [CompletionResult]::new('--mfa-code', '--mfa-code', [CompletionResultType]::ParameterName, 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rolecall;env' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output dialect, any case (default: from `$SHELL`, else sh)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output dialect, any case (default: from `$SHELL`, else sh)')
            [CompletionResult]::new('--mfa-code', '--mfa-code', [CompletionResultType]::ParameterName, 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)')
            [CompletionResult]::new('--unset', '--unset', [CompletionResultType]::ParameterName, 'Print only the lines that clear the variables rolecall sets')
            [CompletionResult]::new('--plugin', '--plugin', [CompletionResultType]::ParameterName, 'Set by the shell plugin, which evaluates what `env` prints: help then goes to stderr with a non-zero status, so that `rolecall use --help` is never evaluated as shell code')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'rolecall;exec' {
            [CompletionResult]::new('--mfa-code', '--mfa-code', [CompletionResultType]::ParameterName, 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)')
            [CompletionResult]::new('--nested', '--nested', [CompletionResultType]::ParameterName, 'Run even inside another rolecall session (`ROLECALL_PROFILE` set)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Give the command a local credential server instead of keys, so that SDKs refresh them for as long as it runs (rolecall stays as its parent)')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rolecall;console' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Where to land: a console path such as `s3/home`, or a full https:// URL (default: the console home, in the profile''s region)')
            [CompletionResult]::new('--destination', '--destination', [CompletionResultType]::ParameterName, 'Where to land: a console path such as `s3/home`, or a full https:// URL (default: the console home, in the profile''s region)')
            [CompletionResult]::new('--mfa-code', '--mfa-code', [CompletionResultType]::ParameterName, 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Print the sign-in URL instead of opening a browser (it signs in whoever has it, for 15 minutes)')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rolecall;serve' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'How to print the two variables, any case (default: from `$SHELL`, else sh)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the two variables, any case (default: from `$SHELL`, else sh)')
            [CompletionResult]::new('--mfa-code', '--mfa-code', [CompletionResultType]::ParameterName, 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'rolecall;profiles' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rolecall;login' {
            [CompletionResult]::new('--sso-session', '--sso-session', [CompletionResultType]::ParameterName, 'The `[sso-session NAME]` to sign in to')
            [CompletionResult]::new('--device-code', '--device-code', [CompletionResultType]::ParameterName, 'Sign in with a device code (a browser on any device) instead of a browser on this one')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print the URL to open instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rolecall;logout' {
            [CompletionResult]::new('--sso-session', '--sso-session', [CompletionResultType]::ParameterName, 'The `[sso-session NAME]` to sign out of')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every session in the config (and every legacy profile''s start URL)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rolecall;status' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rolecall;sso' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'Print (or write) a profile for every account and role the session''s login can reach')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rolecall;sso;profiles' {
            [CompletionResult]::new('--sso-session', '--sso-session', [CompletionResultType]::ParameterName, 'The `[sso-session NAME]` to list accounts and roles with')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The name of each profile: `{account_name}`, `{account_id}` and `{role_name}` are replaced')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'A `region` for every profile written')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Edit ~/.aws/config in place (atomically, keeping everything else) instead of printing')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'With --write: remove the sections this command wrote for the session that no longer exist')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rolecall;sso;help' {
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'Print (or write) a profile for every account and role the session''s login can reach')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rolecall;sso;help;profiles' {
            break
        }
        'rolecall;sso;help;help' {
            break
        }
        'rolecall;cache' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Each cached step: profile, step, expiry and time left (never a secret)')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove the cached steps of PROFILE, or everything with --all')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rolecall;cache;list' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rolecall;cache;clear' {
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Remove every entry')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rolecall;cache;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Each cached step: profile, step, expiry and time left (never a secret)')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove the cached steps of PROFILE, or everything with --all')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rolecall;cache;help;list' {
            break
        }
        'rolecall;cache;help;clear' {
            break
        }
        'rolecall;cache;help;help' {
            break
        }
        'rolecall;init' {
            [CompletionResult]::new('--cmd', '--cmd', [CompletionResultType]::ParameterName, 'Also define this name for the `rolecall` function (e.g. `--cmd rc`)')
            [CompletionResult]::new('--no-refresh', '--no-refresh', [CompletionResultType]::ParameterName, 'Do not refresh the active profile''s credentials at the prompt before they expire')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'rolecall;use' {
            [CompletionResult]::new('--mfa-code', '--mfa-code', [CompletionResultType]::ParameterName, 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rolecall;unuse' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rolecall;__complete' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (key ids masked, never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rolecall;help' {
            [CompletionResult]::new('credential-process', 'credential-process', [CompletionResultType]::ParameterValue, 'Print credentials as one credential_process JSON document (for ~/.aws/config)')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print shell lines that export the credentials: eval "$(rolecall env prod)"')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with the credentials in its environment')
            [CompletionResult]::new('console', 'console', [CompletionResultType]::ParameterValue, 'Open the AWS console signed in as the profile (or print the sign-in URL)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the profile''s credentials on 127.0.0.1 for SDKs (container-credentials protocol)')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List the profile names in the config files')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in to IAM Identity Center: a browser on this machine (PKCE), or a device code')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Sign out of IAM Identity Center: end the session, forget its token and credentials')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'A profile''s IAM Identity Center token and each cached step, with their expiries')
            [CompletionResult]::new('sso', 'sso', [CompletionResultType]::ParameterValue, 'IAM Identity Center: profiles from the portal')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'Inspect or clear the credential cache')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Print the shell plugin: eval "$(rolecall init bash)" adds `rolecall use` and `unuse`')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Set the credentials in this shell (a function of the plugin from `rolecall init`)')
            [CompletionResult]::new('unuse', 'unuse', [CompletionResultType]::ParameterValue, 'Clear what `rolecall use` set (a function of the plugin from `rolecall init`)')
            [CompletionResult]::new('__complete', '__complete', [CompletionResultType]::ParameterValue, 'The completion scripts'' helper: the profile names the word being completed may be')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rolecall;help;credential-process' {
            break
        }
        'rolecall;help;env' {
            break
        }
        'rolecall;help;exec' {
            break
        }
        'rolecall;help;console' {
            break
        }
        'rolecall;help;serve' {
            break
        }
        'rolecall;help;profiles' {
            break
        }
        'rolecall;help;login' {
            break
        }
        'rolecall;help;logout' {
            break
        }
        'rolecall;help;status' {
            break
        }
        'rolecall;help;sso' {
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'Print (or write) a profile for every account and role the session''s login can reach')
            break
        }
        'rolecall;help;sso;profiles' {
            break
        }
        'rolecall;help;cache' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Each cached step: profile, step, expiry and time left (never a secret)')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove the cached steps of PROFILE, or everything with --all')
            break
        }
        'rolecall;help;cache;list' {
            break
        }
        'rolecall;help;cache;clear' {
            break
        }
        'rolecall;help;init' {
            break
        }
        'rolecall;help;use' {
            break
        }
        'rolecall;help;unuse' {
            break
        }
        'rolecall;help;__complete' {
            break
        }
        'rolecall;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
