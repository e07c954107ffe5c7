# rolecall's shell plugin for {{shell}}. Load it from ~/.{{shell}}rc with:
#
#     eval "$(rolecall init {{shell}})"
#
# `rolecall use PROFILE` sets the profile's credentials in this shell, `rolecall unuse` clears
# them, and everything else goes to the binary. Each word below that could be an alias is quoted
# (`\builtin`, `\command`), so no alias or function of yours changes what the plugin does.

__rolecall_bin={{bin}}

# An alias of these names would be expanded in the definitions below.
\builtin unalias rolecall __rolecall_use __rolecall_unuse __rolecall_parse __rolecall_hook >/dev/null 2>&1
#{{if cmd}}
\builtin unalias {{cmd}} __rolecall_cmd_complete >/dev/null 2>&1
#{{end}}

# Capture first, evaluate only on success: a failure leaves the shell as it was.
__rolecall_use() {
#{{if zsh}}
    \builtin emulate -L zsh
#{{end}}
    \builtin local __rolecall_out __rolecall_status
    __rolecall_out="$(\command "${__rolecall_bin}" env --plugin --format {{shell}} "$@")"
    __rolecall_status=$?
    if [[ ${__rolecall_status} -ne 0 ]]; then
        \builtin return "${__rolecall_status}"
    fi
    \builtin eval "${__rolecall_out}"
}

# The variables `use` sets or clears (rolecall's one list of them).
__rolecall_unuse() {
    \builtin unset {{names}}
}

rolecall() {
    case "${1-}" in
        use) \builtin shift && \__rolecall_use "$@" ;;
        unuse) \__rolecall_unuse ;;
        *) \command "${__rolecall_bin}" "$@" ;;
    esac
}
#{{if cmd}}

{{cmd}}() {
    \rolecall "$@"
}
#{{if bash}}

# {{cmd}} completes as rolecall does, once bash-completion has loaded rolecall's completion.
__rolecall_cmd_complete() {
    if ! \builtin declare -F _rolecall_profiles >/dev/null \
            && \builtin declare -F _completion_loader >/dev/null; then
        \_completion_loader rolecall
    fi
    if \builtin declare -F _rolecall_profiles >/dev/null; then
        \_rolecall_profiles "$@"
    fi
}
\builtin complete -F __rolecall_cmd_complete -o bashdefault -o default {{cmd}}
#{{end}}
#{{if zsh}}

# {{cmd}} completes as rolecall does (once compinit has run).
if (( ${+functions[compdef]} )); then
    compdef {{cmd}}=rolecall
fi
#{{end}}
#{{end}}
#{{if refresh}}

# Auto-refresh. At each prompt the shell itself compares `AWS_CREDENTIAL_EXPIRATION` with the
# clock; only when the credentials are within the serve margin ({{margin}} s) of expiry does it
# start rolecall, which answers from the cache when another process has refreshed already. After
# a try it waits a minute before the next, and a failure is reported once per expiry.
__rolecall_margin={{margin}}

# `YYYY-MM-DDTHH:MM:SSZ` to seconds since the epoch, in __rolecall_epoch (civil-to-days from
# Howard Hinnant's date algorithms); anything else returns 1.
__rolecall_parse() {
#{{if zsh}}
    \builtin emulate -L zsh
#{{end}}
    \builtin local t=$1 y m d
    [[ $t == [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z ]] \
        || \builtin return 1
    (( y = 10#${t:0:4}, m = 10#${t:5:2}, d = 10#${t:8:2}, y -= m <= 2,
       __rolecall_epoch = ((y / 400) * 146097 + (y % 400) * 365 + (y % 400) / 4
           - (y % 400) / 100 + (153 * ((m + 9) % 12) + 2) / 5 + d - 1 - 719468) * 86400
           + 10#${t:11:2} * 3600 + 10#${t:14:2} * 60 + 10#${t:17:2} ))
}

__rolecall_hook() {
    \builtin local __rolecall_rc=$?
#{{if zsh}}
    \builtin emulate -L zsh
#{{end}}
    if [[ -n ${ROLECALL_PROFILE-} && -n ${AWS_CREDENTIAL_EXPIRATION-} ]]; then
        if [[ ${AWS_CREDENTIAL_EXPIRATION} != "${__rolecall_seen-}" ]]; then
            __rolecall_seen=${AWS_CREDENTIAL_EXPIRATION}
            __rolecall_next=0
            __rolecall_warned=
            if \__rolecall_parse "${AWS_CREDENTIAL_EXPIRATION}"; then
                (( __rolecall_due = __rolecall_epoch - __rolecall_margin ))
            else
                __rolecall_due=
            fi
        fi
        if [[ -n ${__rolecall_due} ]] && (( EPOCHSECONDS >= __rolecall_due
                && EPOCHSECONDS >= __rolecall_next )); then
            (( __rolecall_next = EPOCHSECONDS + 60 ))
            if [[ -n ${__rolecall_warned} ]]; then
                \__rolecall_use "${ROLECALL_PROFILE}" 2>/dev/null
            elif ! \__rolecall_use "${ROLECALL_PROFILE}"; then
                __rolecall_warned=1
                \builtin printf 'rolecall: could not refresh `%s` (expires %s); it will try again quietly, or run `rolecall use %s`\n' \
                    "${ROLECALL_PROFILE}" "${AWS_CREDENTIAL_EXPIRATION}" "${ROLECALL_PROFILE}" >&2
            fi
        fi
    fi
    \builtin return "${__rolecall_rc}"
}

#{{if bash}}
# EPOCHSECONDS is bash 5's clock without a process; an older bash gets no hook.
if [[ -n ${EPOCHSECONDS-} && ${PROMPT_COMMAND[*]-} != *__rolecall_hook* ]]; then
    PROMPT_COMMAND="__rolecall_hook${PROMPT_COMMAND:+;${PROMPT_COMMAND}}"
fi
#{{end}}
#{{if zsh}}
# zsh/datetime gives EPOCHSECONDS, a clock without a process; add-zsh-hook adds the hook once
# however often this is loaded.
if \builtin zmodload zsh/datetime 2>/dev/null \
        && \builtin autoload -Uz add-zsh-hook 2>/dev/null; then
    \add-zsh-hook precmd __rolecall_hook
fi
#{{end}}
#{{end}}
