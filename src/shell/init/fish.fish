# rolecall's shell plugin for fish. Load it from ~/.config/fish/config.fish with:
#
#     rolecall init fish | source
#
# `rolecall use PROFILE` sets the profile's credentials in this shell, `rolecall unuse` clears
# them, and everything else goes to the binary. Builtins are called as `builtin ...` and the binary
# as `command ...`, so no function of yours changes what the plugin does.

builtin set -g __rolecall_bin {{bin}}

# Capture first, evaluate only on success: a failure leaves the shell as it was.
function __rolecall_use
    builtin set -l out (command $__rolecall_bin env --plugin --format fish $argv | builtin string collect)
    builtin set -l st $pipestatus[1]
    if builtin test $st -ne 0
        builtin return $st
    end
    builtin printf '%s' $out | builtin source
end

# The variables `use` sets or clears (rolecall's one list of them).
function __rolecall_unuse
    builtin set -e {{names}} 2>/dev/null
    builtin return 0
end

function rolecall --description 'rolecall, with `use` and `unuse` for this shell'
    switch "$argv[1]"
        case use
            __rolecall_use $argv[2..-1]
        case unuse
            __rolecall_unuse
        case '*'
            command $__rolecall_bin $argv
    end
end
#{{if cmd}}

function {{cmd}} --wraps rolecall --description 'rolecall, with `use` and `unuse` for this shell'
    rolecall $argv
end
#{{end}}
#{{if refresh}}

# Auto-refresh. At each prompt the shell itself compares `AWS_CREDENTIAL_EXPIRATION` with the
# clock; only when the credentials are within the serve margin ({{margin}} s) of expiry does it
# start rolecall, which answers from the cache when another process has refreshed already. After
# a try it waits a minute before the next, and a failure is reported once per expiry. fish has no
# clock builtin: the time is the binary's modification time plus its age (`path mtime`).
builtin set -g __rolecall_margin {{margin}}

# `YYYY-MM-DDTHH:MM:SSZ` to seconds since the epoch (civil-to-days from Howard Hinnant's date
# algorithms); prints nothing for anything else.
function __rolecall_parse
    builtin string match -rq -- '^(?<y>\d{4})-(?<mo>\d\d)-(?<d>\d\d)T(?<h>\d\d):(?<mi>\d\d):(?<s>\d\d)Z$' $argv[1]
    or builtin return 1
    if builtin test $mo -le 2
        builtin set y (builtin math $y - 1)
    end
    builtin math "(floor($y / 400) * 146097 + ($y % 400) * 365 + floor(($y % 400) / 4) \
        - floor(($y % 400) / 100) + floor((153 * (($mo + 9) % 12) + 2) / 5) + $d - 1 - 719468) \
        * 86400 + $h * 3600 + $mi * 60 + $s"
end

function __rolecall_hook --on-event fish_prompt
    builtin set -q ROLECALL_PROFILE[1] AWS_CREDENTIAL_EXPIRATION[1]; or builtin return
    if builtin test "$AWS_CREDENTIAL_EXPIRATION" != "$__rolecall_seen"
        builtin set -g __rolecall_seen $AWS_CREDENTIAL_EXPIRATION
        builtin set -g __rolecall_next 0
        builtin set -g __rolecall_warned
        builtin set -g __rolecall_due (__rolecall_parse $AWS_CREDENTIAL_EXPIRATION)
        and builtin set -g __rolecall_due (builtin math $__rolecall_due - $__rolecall_margin)
    end
    builtin test -n "$__rolecall_due"; or builtin return
    builtin set -l now (builtin math (builtin path mtime -- $__rolecall_bin) + (builtin path mtime --relative -- $__rolecall_bin))
    if builtin test $now -ge $__rolecall_due -a $now -ge $__rolecall_next
        builtin set -g __rolecall_next (builtin math $now + 60)
        if builtin test -n "$__rolecall_warned"
            __rolecall_use $ROLECALL_PROFILE 2>/dev/null
        else if not __rolecall_use $ROLECALL_PROFILE
            builtin set -g __rolecall_warned 1
            builtin printf 'rolecall: could not refresh `%s` (expires %s); it will try again quietly, or run `rolecall use %s`\n' \
                $ROLECALL_PROFILE $AWS_CREDENTIAL_EXPIRATION $ROLECALL_PROFILE >&2
        end
    end
end
#{{end}}
