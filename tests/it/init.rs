//! The shell plugin (`rolecall init SHELL`) in real shells: `use` sets, `unuse` clears, a failing
//! `use` changes nothing and fails, hostile values stay inert, loading twice is harmless, aliases
//! named like the commands the plugin uses change nothing, `--cmd` adds a name, everything else
//! reaches the binary; and the auto-refresh hook starts a process only when a refresh is due.

use crate::cli::{KEY_ID, SECRET, static_profile};
use crate::shells::{VARS, expected, hostile};
use crate::support::{Sandbox, require, rolecall, run_ok};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The sandbox every plugin test uses: `plain` (long-term keys), the hostile profile of
/// `shells.rs`, `dead` (a role whose STS is a closed port), `short` and `flaky` (a
/// `credential_process` whose first answer is within the serve margin; `flaky` fails after it).
struct Fixture {
    sb: Sandbox,
    hostile: String,
    canary: PathBuf,
    truth: serde_json::Value,
}

impl Fixture {
    fn new() -> Fixture {
        let sb = Sandbox::new();
        let (hostile, canary) = hostile(&sb);
        let truth = expected(&sb, &hostile);
        let mut config = std::fs::read_to_string(sb.config_path()).unwrap();
        config.push_str(&static_profile("plain"));
        config.push_str(
            "region = eu-west-1\n\
             [profile dead]\n\
             role_arn = arn:aws:iam::111111111111:role/dead\n\
             source_profile = plain\n\
             endpoint_url = http://127.0.0.1:9\n",
        );
        for (name, fails) in [("short", false), ("flaky", true)] {
            let script = answers(&sb, name, fails);
            config.push_str(&format!(
                "[profile {name}]\ncredential_process = sh {}\n",
                script.display()
            ));
        }
        sb.config(&config);
        Fixture {
            sb,
            hostile,
            canary,
            truth,
        }
    }

    /// The plugin for `shell` with `--cmd rc`, its binary replaced by a wrapper that counts
    /// its starts in `bin-starts`.
    fn plugin(&self, shell: &str) -> PathBuf {
        let out = run_ok(self.sb.cmd().args(["init", shell, "--cmd", "rc"]));
        let text = String::from_utf8(out.stdout).unwrap();
        let real = rolecall();
        let real = real.to_str().unwrap();
        assert!(
            text.contains(real),
            "{shell}: the binary's absolute path is embedded"
        );
        let wrapper = self.sb.home().join("counting-rolecall");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\necho x >> '{}'\nexec '{real}' \"$@\"\n",
                self.sb.home().join("bin-starts").display()
            ),
        )
        .unwrap();
        make_executable(&wrapper);
        let path = self.sb.home().join(format!("init.{shell}"));
        std::fs::write(&path, text.replace(real, wrapper.to_str().unwrap())).unwrap();
        path
    }

    fn dump_dir(&self) -> PathBuf {
        let dir = self.sb.home().join("dump");
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Runs `program ARGS script` in the sandbox and returns its `key=value` report lines.
    fn run(&self, program: &str, args: &[&str], script: &str) -> (HashMap<String, String>, Output) {
        let path = self.sb.home().join("test-script");
        std::fs::write(&path, script).unwrap();
        let out = self
            .sb
            .command(program)
            .args(args)
            .arg(&path)
            .env("TERM", "dumb")
            .current_dir(self.sb.home())
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        (report, out)
    }

    /// The checks every shell's report must pass.
    fn check(&self, shell: &str, report: &HashMap<String, String>, out: &Output) {
        let get = |k: &str| report.get(k).map(String::as_str);
        let context = format!(
            "{shell}: report {report:?}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(get("done"), Some("1"), "{context}");
        assert_eq!(get("use"), Some("0"), "use succeeds: {context}");
        assert_eq!(get("key"), Some(KEY_ID), "use sets the key: {context}");
        assert_eq!(get("secret"), Some(SECRET), "{context}");
        assert_eq!(get("profile"), Some("plain"), "{context}");
        assert_eq!(get("region"), Some("eu-west-1"), "{context}");
        assert_eq!(
            get("stale_profile"),
            Some(""),
            "use clears AWS_PROFILE: {context}"
        );
        assert_eq!(get("after_unuse"), Some(""), "unuse clears: {context}");
        for failing in ["nosuch", "dead"] {
            let status = get(failing).unwrap_or_else(|| panic!("{failing}: {context}"));
            assert_ne!(status, "0", "`use {failing}` fails: {context}");
        }
        assert_eq!(
            get("unchanged"),
            Some("0"),
            "failing use changes nothing: {context}"
        );
        assert_eq!(get("rc"), Some("plain"), "--cmd rc works: {context}");
        assert_eq!(
            get("passthrough"),
            Some("plain"),
            "exec passes through: {context}"
        );
        assert_eq!(get("hostile"), Some("0"), "{context}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("HIJACKED")
                && !String::from_utf8_lossy(&out.stdout).contains("HIJACKED"),
            "an alias changed the plugin: {context}"
        );
        assert!(
            stderr.contains("nosuch"),
            "the binary's error is shown: {context}"
        );
        let dir = self.dump_dir();
        for var in VARS {
            let got = std::fs::read(dir.join(var))
                .unwrap_or_else(|e| panic!("{shell}: {var} not dumped: {e}"));
            assert_eq!(
                String::from_utf8_lossy(&got),
                self.truth[var].as_str().unwrap(),
                "{shell}: hostile {var} differs"
            );
        }
        assert!(!self.canary.exists(), "{shell}: a value was executed");
    }

    fn bin_starts(&self) -> usize {
        count_lines(&self.sb.home().join("bin-starts"))
    }

    fn process_runs(&self, profile: &str) -> usize {
        count_lines(&self.sb.home().join(format!("{profile}-runs")))
    }
}

/// A `credential_process` script for `name`: its first answer expires in 14 minutes (inside the
/// 15-minute serve margin, so a refresh is due at once), later ones in an hour; with `fails`,
/// every answer after the first is an error. Each run appends a line to `NAME-runs`.
fn answers(sb: &Sandbox, name: &str, fails: bool) -> PathBuf {
    let runs = sb.home().join(format!("{name}-runs"));
    let path = sb.home().join(format!("{name}.sh"));
    let fail = if fails {
        "[ \"$n\" -gt 1 ] && { echo 'the source is down' >&2; exit 1; }\n"
    } else {
        ""
    };
    std::fs::write(
        &path,
        format!(
            "echo x >> '{runs}'\n\
             n=$(wc -l < '{runs}')\n\
             {fail}\
             life=3600; [ \"$n\" -eq 1 ] && life=840\n\
             exp=$(date -u -d \"@$(( $(date +%s) + life ))\" +%Y-%m-%dT%H:%M:%SZ)\n\
             printf '{{\"Version\": 1, \"AccessKeyId\": \"{KEY_ID}\", \"SecretAccessKey\": \"{SECRET}\", \"SessionToken\": \"{name}-%s\", \"Expiration\": \"%s\"}}\\n' \"$n\" \"$exp\"\n",
            runs = runs.display()
        ),
    )
    .unwrap();
    path
}

fn count_lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |s| s.lines().count())
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The words a plugin takes from an alias or function of the user's if it does not guard them.
const INTERNAL: &[&str] = &[
    "eval",
    "unset",
    "local",
    "return",
    "printf",
    "command",
    "builtin",
    "shift",
    "export",
    "rolecall",
    "rc",
    "__rolecall_use",
    "__rolecall_unuse",
    "__rolecall_hook",
    "__rolecall_parse",
];

/// The POSIX-family script (bash, zsh, dash): aliases first, the plugin loaded twice, then the
/// checks, one `key=value` line each.
fn posix_script(f: &Fixture, plugin: &Path, hooks: &str) -> String {
    let dir = f.dump_dir();
    let mut s = String::from("[ -n \"${BASH_VERSION-}\" ] && shopt -s expand_aliases\n");
    for name in INTERNAL {
        s.push_str(&format!("alias {name}='echo HIJACKED'\n"));
    }
    let plugin = plugin.display();
    s.push_str(&format!(". '{plugin}'\n. '{plugin}'\n"));
    for name in INTERNAL.iter().filter(|n| !["rolecall", "rc"].contains(n)) {
        s.push_str(&format!("unalias {name}\n"));
    }
    s.push_str(&format!(
        r#"R() {{ printf '%s=%s\n' "$1" "$2"; }}
export AWS_PROFILE=stale
rolecall use plain; R use $?
R key "${{AWS_ACCESS_KEY_ID-}}"; R secret "${{AWS_SECRET_ACCESS_KEY-}}"
R profile "${{ROLECALL_PROFILE-}}"; R region "${{AWS_REGION-}}"; R stale_profile "${{AWS_PROFILE-}}"
R passthrough "$(rolecall exec --nested plain -- sh -c 'printf %s "$ROLECALL_PROFILE"')"
rolecall unuse
R after_unuse "${{AWS_ACCESS_KEY_ID-}}${{AWS_SECRET_ACCESS_KEY-}}${{ROLECALL_PROFILE-}}${{AWS_REGION-}}"
export AWS_ACCESS_KEY_ID=before AWS_PROFILE=before
env > before.env
rolecall use nosuch; R nosuch $?
rolecall use dead; R dead $?
env > after.env
cmp -s before.env after.env; R unchanged $?
unset AWS_ACCESS_KEY_ID AWS_PROFILE
rc use plain; R rc "${{ROLECALL_PROFILE-}}"
rolecall use '{hostile}'; R hostile $?
"#,
        hostile = f.hostile
    ));
    for v in VARS {
        s.push_str(&format!("printf '%s' \"${v}\" > '{}/{v}'\n", dir.display()));
    }
    s.push_str(hooks);
    s.push_str("R done 1\n");
    s
}

#[test]
fn bash_plugin() {
    if !require("bash") {
        return;
    }
    // As bash starts, then with `set -u` and glob options people set.
    for options in ["", "set -u\nshopt -s nullglob extglob\n"] {
        let f = Fixture::new();
        let plugin = f.plugin("bash");
        let script = posix_script(&f, &plugin, "R hooks \"$PROMPT_COMMAND\"\n");
        let (report, out) = f.run(
            "bash",
            &["--norc", "--noprofile"],
            &format!("{options}{script}"),
        );
        f.check(&format!("bash {options}"), &report, &out);
        assert_eq!(report["hooks"], "__rolecall_hook", "the hook is added once");
    }
}

#[test]
fn zsh_plugin() {
    if !require("zsh") {
        return;
    }
    // As zsh starts, then with options people set that change how code parses and runs.
    for options in ["", "setopt nounset ksh_arrays rc_quotes sh_word_split\n"] {
        let f = Fixture::new();
        let plugin = f.plugin("zsh");
        let script = posix_script(&f, &plugin, "R hooks \"${precmd_functions[*]}\"\n");
        let (report, out) = f.run("zsh", &["-f"], &format!("{options}{script}"));
        f.check(&format!("zsh {options}"), &report, &out);
        assert_eq!(report["hooks"], "__rolecall_hook", "the hook is added once");
    }
}

#[test]
fn dash_plugin() {
    if !require("dash") {
        return;
    }
    let f = Fixture::new();
    let plugin = f.plugin("sh");
    let (report, out) = f.run("dash", &[], &posix_script(&f, &plugin, ""));
    f.check("dash", &report, &out);
}

#[test]
fn fish_plugin() {
    if !require("fish") {
        return;
    }
    let f = Fixture::new();
    let plugin = f.plugin("fish");
    let dir = f.dump_dir();
    // fish has no aliases: `alias` defines a function, and builtins cannot be shadowed.
    let mut s = String::new();
    for name in [
        "rolecall",
        "rc",
        "__rolecall_use",
        "__rolecall_unuse",
        "env",
        "cat",
    ] {
        s.push_str(&format!("function {name}; echo HIJACKED; end\n"));
    }
    let plugin = plugin.display();
    s.push_str(&format!(
        r#"source '{plugin}'
source '{plugin}'
functions -e env cat
function R; printf '%s=%s\n' $argv[1] "$argv[2]"; end
set -gx AWS_PROFILE stale
rolecall use plain; R use $status
R key "$AWS_ACCESS_KEY_ID"; R secret "$AWS_SECRET_ACCESS_KEY"
R profile "$ROLECALL_PROFILE"; R region "$AWS_REGION"; R stale_profile "$AWS_PROFILE"
R passthrough (rolecall exec --nested plain -- sh -c 'printf %s "$ROLECALL_PROFILE"')
rolecall unuse
R after_unuse "$AWS_ACCESS_KEY_ID$AWS_SECRET_ACCESS_KEY$ROLECALL_PROFILE$AWS_REGION"
set -gx AWS_ACCESS_KEY_ID before; set -gx AWS_PROFILE before
env > before.env
rolecall use nosuch; R nosuch $status
rolecall use dead; R dead $status
env > after.env
cmp -s before.env after.env; R unchanged $status
set -e AWS_ACCESS_KEY_ID AWS_PROFILE
rc use plain; R rc "$ROLECALL_PROFILE"
rolecall use '{hostile}'; R hostile $status
"#,
        hostile = f.hostile
    ));
    for v in VARS {
        s.push_str(&format!("printf '%s' \"${v}\" > '{}/{v}'\n", dir.display()));
    }
    s.push_str("R handlers (count (functions --handlers-type generic | string match '*__rolecall_hook*'))\nR done 1\n");
    let (report, out) = f.run("fish", &["--no-config"], &s);
    f.check("fish", &report, &out);
    assert_eq!(report["handlers"], "1", "the hook is added once");
}

#[test]
fn elvish_plugin() {
    if !require("elvish") {
        return;
    }
    let f = Fixture::new();
    let plugin = f.plugin("elvish");
    let dir = f.dump_dir();
    // Outside the REPL the plugin's names come from eval's namespace; loaded twice, the second
    // namespace is the one used.
    let plugin = plugin.display();
    let mut s = format!(
        r#"var ns = $nil
eval &on-end={{|n| set ns = $n }} (slurp < '{plugin}')
eval &on-end={{|n| set ns = $n }} (slurp < '{plugin}')
var rolecall~ = $ns[rolecall~]
fn R {{|k v| echo $k'='$v }}
fn status {{|f| try {{ $f; put 0 }} catch {{ put 1 }} }}
set-env AWS_PROFILE stale
R use (status {{ rolecall use plain }})
R key $E:AWS_ACCESS_KEY_ID; R secret $E:AWS_SECRET_ACCESS_KEY
R profile $E:ROLECALL_PROFILE; R region $E:AWS_REGION; R stale_profile $E:AWS_PROFILE
R passthrough (rolecall exec --nested plain -- sh -c 'printf %s "$ROLECALL_PROFILE"')
rolecall unuse
R after_unuse $E:AWS_ACCESS_KEY_ID$E:AWS_SECRET_ACCESS_KEY$E:ROLECALL_PROFILE$E:AWS_REGION
set-env AWS_ACCESS_KEY_ID before; set-env AWS_PROFILE before
env > before.env
R nosuch (status {{ rolecall use nosuch }})
R dead (status {{ rolecall use dead }})
env > after.env
R unchanged (status {{ cmp -s before.env after.env }})
unset-env AWS_ACCESS_KEY_ID; unset-env AWS_PROFILE
R hostile (status {{ rolecall use '{hostile}' }})
"#,
        hostile = f.hostile.replace('\'', "''")
    );
    for v in VARS {
        s.push_str(&format!("print $E:{v} > '{}/{v}'\n", dir.display()));
    }
    s.push_str("R done 1\n");
    let (mut report, out) = f.run("elvish", &["-norc"], &s);
    // `--cmd` in elvish is one more name given to the REPL, absent outside it: check the text.
    let text = std::fs::read_to_string(plugin.to_string()).unwrap();
    assert!(
        text.contains("edit:add-var rc~ $rolecall~"),
        "--cmd rc is added"
    );
    report.insert("rc".into(), "plain".into());
    f.check("elvish", &report, &out);
}

#[test]
fn nushell_plugin() {
    if !require("nu") {
        return;
    }
    let f = Fixture::new();
    let plugin = f.plugin("nushell");
    let dir = f.dump_dir();
    let plugin = plugin.display();
    let mut s = format!(
        r#"source '{plugin}'
source '{plugin}'
def R [k: string, v: any] {{ print $"($k)=($v)" }}
def --env status [f: closure] {{ try {{ do --env $f; 0 }} catch {{ 1 }} }}
$env.AWS_PROFILE = "stale"
R use (status {{ rolecall use plain }})
R key ($env.AWS_ACCESS_KEY_ID? | default ""); R secret ($env.AWS_SECRET_ACCESS_KEY? | default "")
R profile ($env.ROLECALL_PROFILE? | default ""); R region ($env.AWS_REGION? | default "")
R stale_profile ($env.AWS_PROFILE? | default "")
R passthrough (rolecall exec --nested plain -- sh -c 'printf %s "$ROLECALL_PROFILE"')
rolecall unuse
R after_unuse ([AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY ROLECALL_PROFILE AWS_REGION] | each {{|n| $env | get -o $n | default "" }} | str join)
R child_after_unuse (^sh -c 'printf %s "${{AWS_ACCESS_KEY_ID-}}${{AWS_REGION-}}${{ROLECALL_PROFILE-}}"')
$env.AWS_ACCESS_KEY_ID = "before"; $env.AWS_PROFILE = "before"
def own-env [] {{ ^env | lines | where {{|l| not ($l starts-with LAST_EXIT_CODE=) }} | str join "\n" }}
own-env | save -f before.env
R nosuch (status {{ rolecall use nosuch }})
R dead (status {{ rolecall use dead }})
own-env | save -f after.env
R unchanged (status {{ ^cmp -s before.env after.env }})
hide-env AWS_ACCESS_KEY_ID AWS_PROFILE
rc use plain; R rc ($env.ROLECALL_PROFILE? | default "")
R hostile (status {{ rolecall use '{hostile}' }})
"#,
        hostile = f.hostile
    );
    for v in VARS {
        s.push_str(&format!("$env.{v} | save -f '{}/{v}'\n", dir.display()));
    }
    s.push_str("R hooks ($env.config.hooks.pre_prompt | where {|h| $h == \"__rolecall_hook\" } | length)\nR done 1\n");
    let (report, out) = f.run("nu", &["--no-config-file"], &s);
    f.check("nu", &report, &out);
    // The sandbox's AWS_REGION was inherited, then set by `use`: gone for children after `unuse`.
    assert_eq!(
        report["child_after_unuse"], "",
        "unuse clears what children see"
    );
    assert_eq!(report["hooks"], "1", "the hook is added once");
}

/// The auto-refresh check: each shell's `key=value` lines for one run of "use a credential
/// that is due at once, five prompts, use one whose refresh fails, five prompts, unuse, three
/// prompts", counting the binary's starts and the source's runs after each stage.
fn check_refresh(shell: &str, f: &Fixture, report: &HashMap<String, String>, out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let context = format!("{shell}: report {report:?}\nstderr: {stderr}");
    let get = |k: &str| {
        report
            .get(k)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{k}: {context}"))
    };
    assert_eq!(get("done"), "1", "{context}");
    eprintln!(
        "{shell} auto-refresh: binary starts after `use` {}, after 5 prompts {}, after `use flaky` and 5 prompts {}, after `unuse` and 3 prompts {}; source runs short {} flaky {}; refresh failures reported {}",
        get("starts_use"),
        get("starts_hooks"),
        get("starts_flaky"),
        get("starts_unuse"),
        f.process_runs("short"),
        f.process_runs("flaky"),
        stderr.matches("rolecall: could not refresh").count()
    );
    assert_eq!(get("tok_use"), "short-1", "{context}");
    assert_eq!(get("starts_use"), "1", "{context}");
    // The first prompt refreshes (one start, one run of the source); the next four start nothing.
    assert_eq!(
        get("starts_hooks"),
        "2",
        "one refresh in five prompts: {context}"
    );
    assert_eq!(get("tok_hooks"), "short-2", "the refresh took: {context}");
    assert_eq!(f.process_runs("short"), 2, "{context}");
    assert_eq!(get("flaky_use"), "0", "{context}");
    assert_eq!(
        get("starts_flaky"),
        "4",
        "one failed try in five prompts: {context}"
    );
    assert_eq!(
        get("tok_flaky"),
        "flaky-1",
        "a failed refresh changes nothing: {context}"
    );
    assert_eq!(f.process_runs("flaky"), 2, "{context}");
    assert_eq!(
        stderr
            .matches("rolecall: could not refresh `flaky`")
            .count(),
        1,
        "a failed refresh is reported once: {context}"
    );
    assert_eq!(get("starts_unuse"), "4", "no profile, no start: {context}");
    assert_eq!(f.bin_starts(), 4, "{context}");
}

/// The refresh run for bash and zsh (`hook` is how a prompt runs the hook).
fn posix_refresh_script(plugin: &Path) -> String {
    let mut s = format!(
        "R() {{ printf '%s=%s\\n' \"$1\" \"$2\"; }}\n\
         S() {{ R \"$1\" \"$(wc -l < bin-starts | tr -d ' ')\"; }}\n\
         P() {{ __rolecall_hook; __rolecall_hook; __rolecall_hook; __rolecall_hook; __rolecall_hook; }}\n\
         . '{}'\n",
        plugin.display()
    );
    s.push_str(
        "rolecall use short; R tok_use \"$AWS_SESSION_TOKEN\"; S starts_use\n\
         P; R tok_hooks \"$AWS_SESSION_TOKEN\"; S starts_hooks\n\
         rolecall use flaky; R flaky_use $?\n\
         P; R tok_flaky \"$AWS_SESSION_TOKEN\"; S starts_flaky\n\
         false; __rolecall_hook; R hook_keeps_status $?\n\
         rolecall unuse; __rolecall_hook; __rolecall_hook; __rolecall_hook; S starts_unuse\n\
         R done 1\n",
    );
    s
}

/// bash and zsh run the same script; each starts as a plain shell would.
fn posix_refreshes_once_when_due(shell: &str, args: &[&str]) {
    if !require(shell) {
        return;
    }
    let f = Fixture::new();
    let plugin = f.plugin(shell);
    let (report, out) = f.run(shell, args, &posix_refresh_script(&plugin));
    check_refresh(shell, &f, &report, &out);
    assert_eq!(
        report["hook_keeps_status"], "1",
        "the prompt sees the last status"
    );
}

#[test]
fn bash_refreshes_once_when_due() {
    posix_refreshes_once_when_due("bash", &["--norc", "--noprofile"]);
}

#[test]
fn zsh_refreshes_once_when_due() {
    posix_refreshes_once_when_due("zsh", &["-f"]);
}

#[test]
fn fish_refreshes_once_when_due() {
    if !require("fish") {
        return;
    }
    let f = Fixture::new();
    let plugin = f.plugin("fish");
    let s = format!(
        "function R; printf '%s=%s\\n' $argv[1] \"$argv[2]\"; end\n\
         function S; R $argv[1] (wc -l < bin-starts | string trim); end\n\
         function P; for i in 1 2 3 4 5; __rolecall_hook; end; end\n\
         source '{}'\n\
         rolecall use short; R tok_use \"$AWS_SESSION_TOKEN\"; S starts_use\n\
         P; R tok_hooks \"$AWS_SESSION_TOKEN\"; S starts_hooks\n\
         rolecall use flaky; R flaky_use $status\n\
         P; R tok_flaky \"$AWS_SESSION_TOKEN\"; S starts_flaky\n\
         rolecall unuse; P; S starts_unuse\n\
         R done 1\n",
        plugin.display()
    );
    let (report, out) = f.run("fish", &["--no-config"], &s);
    check_refresh("fish", &f, &report, &out);
}

#[test]
fn nushell_refreshes_once_when_due() {
    if !require("nu") {
        return;
    }
    let f = Fixture::new();
    let plugin = f.plugin("nushell");
    let s = format!(
        "source '{}'\n\
         def R [k: string, v: any] {{ print $\"($k)=($v)\" }}\n\
         def S [k: string] {{ R $k (open bin-starts | lines | length) }}\n\
         def --env P [] {{ __rolecall_hook; __rolecall_hook; __rolecall_hook; __rolecall_hook; __rolecall_hook }}\n\
         rolecall use short; R tok_use $env.AWS_SESSION_TOKEN; S starts_use\n\
         P; R tok_hooks $env.AWS_SESSION_TOKEN; S starts_hooks\n\
         R flaky_use (try {{ rolecall use flaky; 0 }} catch {{ 1 }})\n\
         P; R tok_flaky $env.AWS_SESSION_TOKEN; S starts_flaky\n\
         rolecall unuse; P; S starts_unuse\n\
         R done 1\n",
        plugin.display()
    );
    let (report, out) = f.run("nu", &["--no-config-file"], &s);
    check_refresh("nu", &f, &report, &out);
}

/// `rolecall use --help` once printed clap's help on stdout with status 0, and the plugin
/// evaluated it: its `eval "$(rolecall env prod)"` line fetched `prod`, and its backticks ran as
/// commands. The plugin now asks with `env --plugin`, which sends help to stderr and fails.
#[test]
fn use_help_is_shown_never_evaluated() {
    let sb = Sandbox::new();
    let ran = sb.home().join("prod-ran");
    sb.config(&format!(
        "[profile prod]\ncredential_process = sh -c 'echo ran >> {}; exit 1'\n",
        ran.display()
    ));
    for (shell, init, run) in [
        ("bash", "bash", "-c"),
        ("zsh", "zsh", "-c"),
        ("dash", "sh", "-c"),
        ("fish", "fish", "-c"),
    ] {
        if !require(shell) {
            continue;
        }
        let plugin = String::from_utf8(run_ok(sb.cmd().args(["init", init])).stdout).unwrap();
        let path = sb.home().join(format!("plugin.{shell}"));
        std::fs::write(&path, plugin).unwrap();
        let (load, status) = if shell == "fish" {
            (format!("source {}", path.display()), "$status")
        } else {
            (format!(". {}", path.display()), "$?")
        };
        for flag in ["-h", "--help"] {
            let out = sb
                .command(shell)
                .args([
                    run,
                    &format!("{load}; rolecall use {flag}; echo status={status}"),
                ])
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!ran.exists(), "{shell} {flag}: prod was fetched\n{stderr}");
            assert!(stderr.contains("Usage:"), "{shell} {flag}: {stderr}");
            assert!(!stdout.contains("status=0"), "{shell} {flag}: {stdout}");
        }
    }
}
