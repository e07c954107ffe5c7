
use builtin;
use str;

set edit:completion:arg-completer[rolecall] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'rolecall'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'rolecall'= {
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand credential-process 'Print credentials as one credential_process JSON document (for ~/.aws/config)'
            cand env 'Print shell lines that export the credentials: eval "$(rolecall env prod)"'
            cand exec 'Run a command with the credentials in its environment'
            cand console 'Open the AWS console signed in as the profile (or print the sign-in URL)'
            cand serve 'Serve the profile''s credentials on 127.0.0.1 for SDKs (container-credentials protocol)'
            cand profiles 'List the profile names in the config files'
            cand login 'Sign in to IAM Identity Center: a browser on this machine (PKCE), or a device code'
            cand logout 'Sign out of IAM Identity Center: end the session, forget its token and credentials'
            cand status 'A profile''s IAM Identity Center token and each cached step, with their expiries'
            cand sso 'IAM Identity Center: profiles from the portal'
            cand cache 'Inspect or clear the credential cache'
            cand init 'Print the shell plugin: eval "$(rolecall init bash)" adds `rolecall use` and `unuse`'
            cand use 'Set the credentials in this shell (a function of the plugin from `rolecall init`)'
            cand unuse 'Clear what `rolecall use` set (a function of the plugin from `rolecall init`)'
            cand __complete 'The completion scripts'' helper: the profile names the word being completed may be'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rolecall;credential-process'= {
            cand --mfa-code 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)'
            cand --no-cache 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)'
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rolecall;env'= {
            cand -f 'Output dialect, any case (default: from `$SHELL`, else sh)'
            cand --format 'Output dialect, any case (default: from `$SHELL`, else sh)'
            cand --mfa-code 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)'
            cand --unset 'Print only the lines that clear the variables rolecall sets'
            cand --plugin 'Set by the shell plugin, which evaluates what `env` prints: help then goes to stderr with a non-zero status, so that `rolecall use --help` is never evaluated as shell code'
            cand --no-cache 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)'
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'rolecall;exec'= {
            cand --mfa-code 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)'
            cand --nested 'Run even inside another rolecall session (`ROLECALL_PROFILE` set)'
            cand --server 'Give the command a local credential server instead of keys, so that SDKs refresh them for as long as it runs (rolecall stays as its parent)'
            cand --no-cache 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)'
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rolecall;console'= {
            cand -d 'Where to land: a console path such as `s3/home`, or a full https:// URL (default: the console home, in the profile''s region)'
            cand --destination 'Where to land: a console path such as `s3/home`, or a full https:// URL (default: the console home, in the profile''s region)'
            cand --mfa-code 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)'
            cand --print 'Print the sign-in URL instead of opening a browser (it signs in whoever has it, for 15 minutes)'
            cand --no-cache 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)'
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rolecall;serve'= {
            cand -f 'How to print the two variables, any case (default: from `$SHELL`, else sh)'
            cand --format 'How to print the two variables, any case (default: from `$SHELL`, else sh)'
            cand --mfa-code 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)'
            cand --no-cache 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)'
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'rolecall;profiles'= {
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rolecall;login'= {
            cand --sso-session 'The `[sso-session NAME]` to sign in to'
            cand --device-code 'Sign in with a device code (a browser on any device) instead of a browser on this one'
            cand --no-browser 'Print the URL to open instead of opening a browser'
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rolecall;logout'= {
            cand --sso-session 'The `[sso-session NAME]` to sign out of'
            cand --all 'Every session in the config (and every legacy profile''s start URL)'
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rolecall;status'= {
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rolecall;sso'= {
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand profiles 'Print (or write) a profile for every account and role the session''s login can reach'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rolecall;sso;profiles'= {
            cand --sso-session 'The `[sso-session NAME]` to list accounts and roles with'
            cand --name 'The name of each profile: `{account_name}`, `{account_id}` and `{role_name}` are replaced'
            cand --region 'A `region` for every profile written'
            cand --write 'Edit ~/.aws/config in place (atomically, keeping everything else) instead of printing'
            cand --prune 'With --write: remove the sections this command wrote for the session that no longer exist'
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rolecall;sso;help'= {
            cand profiles 'Print (or write) a profile for every account and role the session''s login can reach'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rolecall;sso;help;profiles'= {
        }
        &'rolecall;sso;help;help'= {
        }
        &'rolecall;cache'= {
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'Each cached step: profile, step, expiry and time left (never a secret)'
            cand clear 'Remove the cached steps of PROFILE, or everything with --all'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rolecall;cache;list'= {
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rolecall;cache;clear'= {
            cand --all 'Remove every entry'
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rolecall;cache;help'= {
            cand list 'Each cached step: profile, step, expiry and time left (never a secret)'
            cand clear 'Remove the cached steps of PROFILE, or everything with --all'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rolecall;cache;help;list'= {
        }
        &'rolecall;cache;help;clear'= {
        }
        &'rolecall;cache;help;help'= {
        }
        &'rolecall;init'= {
            cand --cmd 'Also define this name for the `rolecall` function (e.g. `--cmd rc`)'
            cand --no-refresh 'Do not refresh the active profile''s credentials at the prompt before they expire'
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'rolecall;use'= {
            cand --mfa-code 'The current MFA code, instead of a prompt (also `ROLECALL_MFA_CODE`)'
            cand --no-cache 'Neither read nor write the credential cache (also `ROLECALL_NO_CACHE=1`)'
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rolecall;unuse'= {
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rolecall;__complete'= {
            cand -v 'Explain each step on stderr (key ids masked, never secrets)'
            cand --verbose 'Explain each step on stderr (key ids masked, never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rolecall;help'= {
            cand credential-process 'Print credentials as one credential_process JSON document (for ~/.aws/config)'
            cand env 'Print shell lines that export the credentials: eval "$(rolecall env prod)"'
            cand exec 'Run a command with the credentials in its environment'
            cand console 'Open the AWS console signed in as the profile (or print the sign-in URL)'
            cand serve 'Serve the profile''s credentials on 127.0.0.1 for SDKs (container-credentials protocol)'
            cand profiles 'List the profile names in the config files'
            cand login 'Sign in to IAM Identity Center: a browser on this machine (PKCE), or a device code'
            cand logout 'Sign out of IAM Identity Center: end the session, forget its token and credentials'
            cand status 'A profile''s IAM Identity Center token and each cached step, with their expiries'
            cand sso 'IAM Identity Center: profiles from the portal'
            cand cache 'Inspect or clear the credential cache'
            cand init 'Print the shell plugin: eval "$(rolecall init bash)" adds `rolecall use` and `unuse`'
            cand use 'Set the credentials in this shell (a function of the plugin from `rolecall init`)'
            cand unuse 'Clear what `rolecall use` set (a function of the plugin from `rolecall init`)'
            cand __complete 'The completion scripts'' helper: the profile names the word being completed may be'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rolecall;help;credential-process'= {
        }
        &'rolecall;help;env'= {
        }
        &'rolecall;help;exec'= {
        }
        &'rolecall;help;console'= {
        }
        &'rolecall;help;serve'= {
        }
        &'rolecall;help;profiles'= {
        }
        &'rolecall;help;login'= {
        }
        &'rolecall;help;logout'= {
        }
        &'rolecall;help;status'= {
        }
        &'rolecall;help;sso'= {
            cand profiles 'Print (or write) a profile for every account and role the session''s login can reach'
        }
        &'rolecall;help;sso;profiles'= {
        }
        &'rolecall;help;cache'= {
            cand list 'Each cached step: profile, step, expiry and time left (never a secret)'
            cand clear 'Remove the cached steps of PROFILE, or everything with --all'
        }
        &'rolecall;help;cache;list'= {
        }
        &'rolecall;help;cache;clear'= {
        }
        &'rolecall;help;init'= {
        }
        &'rolecall;help;use'= {
        }
        &'rolecall;help;unuse'= {
        }
        &'rolecall;help;__complete'= {
        }
        &'rolecall;help;help'= {
        }
    ]
    $completions[$command]
}

# rolecall: profile names from your config, from `rolecall __complete` (it reads the config files and nothing else); everything else as above.
var rolecall-static = $edit:completion:arg-completer[rolecall]
set edit:completion:arg-completer[rolecall] = {|@words|
    var names = []
    try { set names = [(e:rolecall __complete -- (all $words[1..]) 2>/dev/null)] } catch { }
    if (> (count $names) 0) { all $names } else { $rolecall-static $@words }
}
