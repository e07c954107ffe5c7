# rolecall's shell plugin for POSIX sh (dash, ksh, busybox sh). Load it from ~/.profile, or the
# file $ENV names, with:
#
#     eval "$(rolecall init sh)"
#
# `rolecall use PROFILE` sets the profile's credentials in this shell, `rolecall unuse` clears
# them, and everything else goes to the binary. Command words are quoted (`\command`, `\eval`) so
# that no alias changes them. POSIX sh has neither a prompt hook nor a clock without a process, so
# there is no auto-refresh: run `rolecall use PROFILE` again when the credentials run low.

__rolecall_bin={{bin}}

# An alias of these names would be expanded in the definitions below.
\unalias rolecall __rolecall_use __rolecall_unuse >/dev/null 2>&1
#{{if cmd}}
\unalias {{cmd}} >/dev/null 2>&1
#{{end}}

# Capture first, evaluate only on success: a failure leaves the shell as it was.
__rolecall_use() {
    __rolecall_out="$(\command "${__rolecall_bin}" env --plugin --format sh "$@")" || \return
    \eval "${__rolecall_out}"
    \unset __rolecall_out
}

# The variables `use` sets or clears (rolecall's one list of them).
__rolecall_unuse() {
    \unset {{names}}
}

rolecall() {
    case "${1-}" in
        use) \shift && \__rolecall_use "$@" ;;
        unuse) \__rolecall_unuse ;;
        *) \command "${__rolecall_bin}" "$@" ;;
    esac
}
#{{if cmd}}

{{cmd}}() {
    \rolecall "$@"
}
#{{end}}
