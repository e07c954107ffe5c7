# rolecall's shell plugin for nushell. Save it, then source it from config.nu:
#
#     rolecall init nushell | save -f ~/.rolecall.nu      # once, and after upgrades
#     source ~/.rolecall.nu                               # in config.nu
#
# `rolecall use PROFILE` sets the profile's credentials in this shell, `rolecall unuse` clears
# them, and everything else goes to the binary, called as `^path` so no command of yours is
# called instead.

const __rolecall_bin = {{bin}}

# Capture first, load only on success: a failing binary raises before anything is loaded. The
# JSON form is loaded as data, never evaluated; its `null` clears a variable (as `unuse` does).
def --env --wrapped __rolecall_use [--quiet, ...args: string] {
    let json = if $quiet {
        ^$__rolecall_bin env --plugin --format json ...$args e> /dev/null
    } else {
        ^$__rolecall_bin env --plugin --format json ...$args
    }
    let vars = ($json | from json | transpose name value
        | where {|it| $it.value != null or $it.name in $env })
    load-env ($vars | reduce --fold {} {|it, acc| $acc | insert $it.name $it.value })
}

# The variables `use` sets or clears (rolecall's one list of them). They are set to null rather
# than hidden: a command cannot hide a variable nushell inherited and that was set since
# (nushell#13195), while a null one reaches no child process and reads as absent with `?`.
def --env __rolecall_unuse [] {
    let present = ([{{names}}] | where {|name| $name in $env })
    load-env ($present | reduce --fold {} {|name, acc| $acc | insert $name null })
}

def --env --wrapped rolecall [...args: string] {
    match ($args | get -o 0) {
        "use" => { __rolecall_use ...($args | skip 1) }
        "unuse" => { __rolecall_unuse }
        _ => { ^$__rolecall_bin ...$args }
    }
}
#{{if cmd}}

def --env --wrapped {{cmd}} [...args: string] {
    rolecall ...$args
}
#{{end}}
#{{if refresh}}

# Auto-refresh. Before each prompt nushell compares `AWS_CREDENTIAL_EXPIRATION` with the clock;
# only when the credentials are within the serve margin ({{margin}} s) of expiry does it start
# rolecall, which answers from the cache when another process has refreshed already. After a try
# it waits a minute before the next, and a failure is reported once per expiry. Its state lives
# in `$env.__ROLECALL_*`, nushell's only place for it.
def --env __rolecall_hook [] {
    let profile = ($env.ROLECALL_PROFILE? | default "")
    let expiry = ($env.AWS_CREDENTIAL_EXPIRATION? | default "")
    if $profile == "" or $expiry == "" { return }
    if $expiry != ($env.__ROLECALL_SEEN? | default "") {
        $env.__ROLECALL_SEEN = $expiry
        $env.__ROLECALL_NEXT = 0
        $env.__ROLECALL_WARNED = false
        $env.__ROLECALL_DUE = (try {
            ($expiry | into datetime | into int) // 1_000_000_000 - {{margin}}
        } catch { null })
    }
    let now = (date now | into int) // 1_000_000_000
    if $env.__ROLECALL_DUE == null or $now < $env.__ROLECALL_DUE or $now < $env.__ROLECALL_NEXT {
        return
    }
    $env.__ROLECALL_NEXT = $now + 60
    try {
        if $env.__ROLECALL_WARNED { __rolecall_use --quiet $profile } else { __rolecall_use $profile }
    } catch {
        if not $env.__ROLECALL_WARNED {
            $env.__ROLECALL_WARNED = true
            print -e $"rolecall: could not refresh `($profile)` \(expires ($expiry)\); it will try again quietly, or run `rolecall use ($profile)`"
        }
    }
}

# Added once, however often this file is sourced.
if not ($env.config.hooks.pre_prompt? | default [] | any {|h| ($h | describe) == "string" and $h == "__rolecall_hook" }) {
    $env.config.hooks.pre_prompt = ($env.config.hooks.pre_prompt? | default [] | append "__rolecall_hook")
}
#{{end}}
