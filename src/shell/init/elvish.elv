# rolecall's shell plugin for elvish. Load it from ~/.config/elvish/rc.elv with:
#
#     eval (rolecall init elvish | slurp)
#
# `rolecall use PROFILE` sets the profile's credentials in this shell, `rolecall unuse` clears
# them, and everything else goes to the binary (by its absolute path, so no function of yours is
# called instead). Elvish has no clock without a process, so there is no auto-refresh: run
# `rolecall use PROFILE` again when the credentials run low.

var __rolecall_bin = {{bin}}

# Capture first, evaluate only on success: a failing binary raises before anything is evaluated.
fn __rolecall_use {|@args|
    var out = ((external $__rolecall_bin) env --plugin --format elvish $@args | slurp)
    eval $out
}

# The variables `use` sets or clears (rolecall's one list of them).
fn __rolecall_unuse {
    for name [{{names}}] { unset-env $name }
}

fn rolecall {|@args|
    if (and (> (count $args) 0) (eq $args[0] use)) {
        __rolecall_use (all $args[1..])
    } elif (and (> (count $args) 0) (eq $args[0] unuse)) {
        __rolecall_unuse
    } else {
        (external $__rolecall_bin) $@args
    }
}

# The REPL keeps these names; `eval` alone would drop them with its namespace. Outside the REPL
# (a script, `elvish -c`) there is no editor, and the caller takes them from eval's `&on-end`.
try {
    edit:add-var rolecall~ $rolecall~
#{{if cmd}}
    edit:add-var {{cmd}}~ $rolecall~
#{{end}}
} catch { }
