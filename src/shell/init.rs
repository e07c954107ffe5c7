//! The shell plugin `rolecall init SHELL` prints: one template per shell in `init/`, filled in
//! here. A template is the shell's own code with `{{name}}` placeholders and `#{{if flag}}` …
//! `#{{end}}` blocks (lines of their own, nestable); every value put in is quoted by that shell's
//! dialect in this module, so a path with quotes or `$(…)` in it stays a path.

use super::{Dialect, quoted};

/// What goes into a plugin.
#[derive(Debug)]
pub struct Plugin<'a> {
    pub shell: PluginShell,
    /// The binary's absolute path, which the plugin calls instead of looking it up.
    pub bin: &'a str,
    /// A second name for the `rolecall` function (`--cmd`), already checked by [`is_plain_name`].
    pub cmd: Option<&'a str>,
    /// Whether to add the auto-refresh prompt hook (where the shell can have one).
    pub refresh: bool,
    /// The serve margin, in seconds: the hook refreshes when less life than this is left.
    pub margin_secs: u64,
    /// The variables `use` sets or clears, which `unuse` clears.
    pub names: &'a [&'a str],
}

/// The shells with a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginShell {
    Bash,
    Zsh,
    Sh,
    Fish,
    Elvish,
    Nushell,
    PowerShell,
}

impl PluginShell {
    fn template(self) -> &'static str {
        match self {
            PluginShell::Bash | PluginShell::Zsh => include_str!("init/bash_zsh.sh"),
            PluginShell::Sh => include_str!("init/posix.sh"),
            PluginShell::Fish => include_str!("init/fish.fish"),
            PluginShell::Elvish => include_str!("init/elvish.elv"),
            PluginShell::Nushell => include_str!("init/nushell.nu"),
            PluginShell::PowerShell => include_str!("init/powershell.ps1"),
        }
    }

    /// The dialect whose quoting the filled-in values use.
    fn dialect(self) -> Dialect {
        match self {
            PluginShell::Bash => Dialect::Bash,
            PluginShell::Zsh => Dialect::Zsh,
            PluginShell::Sh => Dialect::Sh,
            PluginShell::Fish => Dialect::Fish,
            PluginShell::Elvish => Dialect::Elvish,
            PluginShell::Nushell => Dialect::Nushell,
            PluginShell::PowerShell => Dialect::PowerShell,
        }
    }
}

/// Whether `name` can be a function name in every shell the plugin supports, with nothing to quote.
pub fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The plugin's text.
pub fn render(plugin: &Plugin<'_>) -> String {
    let dialect = plugin.shell.dialect();
    let separator = if plugin.shell == PluginShell::PowerShell {
        ", "
    } else {
        " "
    };
    let names: Vec<String> = plugin.names.iter().map(|n| quoted(dialect, n)).collect();
    let values = [
        ("{{bin}}", quoted(dialect, plugin.bin)),
        ("{{names}}", names.join(separator)),
        ("{{margin}}", plugin.margin_secs.to_string()),
        ("{{shell}}", dialect.name().to_owned()),
        ("{{cmd}}", plugin.cmd.unwrap_or_default().to_owned()),
    ];
    let flag = |name: &str| match name {
        "bash" => plugin.shell == PluginShell::Bash,
        "zsh" => plugin.shell == PluginShell::Zsh,
        "cmd" => plugin.cmd.is_some(),
        "refresh" => plugin.refresh,
        other => panic!("unknown template flag `{other}`"),
    };
    let mut out = String::new();
    // One entry per open block: whether its lines are kept.
    let mut open: Vec<bool> = Vec::new();
    for line in plugin.shell.template().lines() {
        if let Some(name) = line
            .strip_prefix("#{{if ")
            .and_then(|l| l.strip_suffix("}}"))
        {
            open.push(flag(name));
            continue;
        }
        if line == "#{{end}}" {
            open.pop().expect("`#{{end}}` without `#{{if}}`");
            continue;
        }
        if open.iter().all(|&kept| kept) {
            let mut line = line.to_owned();
            for (placeholder, value) in &values {
                if line.contains(placeholder) {
                    line = line.replace(placeholder, value);
                }
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    assert!(open.is_empty(), "`#{{if}}` without `#{{end}}`");
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{TempDir, require, run_ok};
    use super::*;
    use std::process::Command;

    const ALL: [PluginShell; 7] = [
        PluginShell::Bash,
        PluginShell::Zsh,
        PluginShell::Sh,
        PluginShell::Fish,
        PluginShell::Elvish,
        PluginShell::Nushell,
        PluginShell::PowerShell,
    ];
    const NAMES: &[&str] = &["AWS_ACCESS_KEY_ID", "ROLECALL_PROFILE"];
    /// A path with every character the dialects quote.
    const HOSTILE_BIN: &str = "/opt/it's \"$(touch x)\" `y` \u{2019}\\/rolecall";

    fn plugin(shell: PluginShell, cmd: Option<&'static str>, refresh: bool) -> String {
        render(&Plugin {
            shell,
            bin: HOSTILE_BIN,
            cmd,
            refresh,
            margin_secs: 900,
            names: NAMES,
        })
    }

    #[test]
    fn every_placeholder_is_filled() {
        for shell in ALL {
            for (cmd, refresh) in [(None, false), (Some("zz9"), true)] {
                let text = plugin(shell, cmd, refresh);
                assert!(!text.contains("{{"), "{shell:?}: {text}");
                assert!(
                    text.contains(&quoted(shell.dialect(), HOSTILE_BIN)),
                    "{shell:?}: the path is quoted by its dialect"
                );
                assert_eq!(text.contains("zz9"), cmd.is_some(), "{shell:?}: --cmd");
            }
        }
    }

    #[test]
    fn no_refresh_drops_the_hook() {
        for shell in [
            PluginShell::Bash,
            PluginShell::Zsh,
            PluginShell::Fish,
            PluginShell::Nushell,
            PluginShell::PowerShell,
        ] {
            assert!(
                plugin(shell, None, true).contains("# Auto-refresh."),
                "{shell:?}"
            );
            assert!(
                !plugin(shell, None, false).contains("# Auto-refresh."),
                "{shell:?}"
            );
        }
        // Neither has a clock without a process: no hook, whatever the flag.
        for shell in [PluginShell::Sh, PluginShell::Elvish] {
            assert!(
                !plugin(shell, None, true).contains("# Auto-refresh."),
                "{shell:?}"
            );
        }
    }

    /// PowerShell is not installed here, so its plugin is checked as text: the path and names
    /// quoted as PowerShell quotes, cmdlets by module-qualified name, capture-then-evaluate, the
    /// prompt wrapped once, `--cmd` an alias.
    #[test]
    fn powershell_plugin() {
        let text = plugin(PluginShell::PowerShell, Some("rc"), true);
        assert!(text.contains("$global:__rolecall_bin = '/opt/it''s \"$(touch x)\" `y` \u{2019}\u{2019}\\/rolecall'"), "{text}");
        assert!(text.contains("foreach ($name in @('AWS_ACCESS_KEY_ID', 'ROLECALL_PROFILE'))"));
        assert!(text.contains("$out = & $global:__rolecall_bin env --plugin --format powershell @args\n    if ($LASTEXITCODE -ne 0) { return }\n    Microsoft.PowerShell.Utility\\Invoke-Expression ($out -join \"`n\")"), "{text}");
        assert!(text.contains("if (-not $global:__rolecall_prompt) {"));
        assert!(text.contains("Set-Alias -Name rc -Value rolecall"));
        assert!(text.contains("ToUnixTimeSeconds() - 900"));
        for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            for cmdlet in [
                "Invoke-Expression",
                "Remove-Item",
                "Select-Object",
                "Set-Alias",
            ] {
                if let Some(i) = line.find(cmdlet) {
                    assert!(line[..i].ends_with('\\'), "{cmdlet} unqualified: {line}");
                }
            }
        }
        let braces = |c| text.chars().filter(|&x| x == c).count();
        assert_eq!(braces('{'), braces('}'), "balanced braces");
        assert_eq!(braces('('), braces(')'), "balanced parentheses");
    }

    #[test]
    fn shellcheck_is_clean() {
        if !require("shellcheck") {
            return;
        }
        let dir = TempDir::new();
        for (shell, check_as) in [(PluginShell::Bash, "bash"), (PluginShell::Sh, "dash")] {
            let file = dir.path().join(format!("plugin.{check_as}"));
            std::fs::write(&file, plugin(shell, Some("rc"), true)).unwrap();
            let mut cmd = Command::new("shellcheck");
            // SC2016: the message's backquotes are meant literally; SC1112: the path's `’` is too.
            cmd.args([
                "--shell",
                check_as,
                "--severity",
                "style",
                "--exclude",
                "SC2016,SC1112",
            ])
            .arg(&file);
            run_ok(&format!("shellcheck --shell {check_as}"), &mut cmd);
        }
    }

    #[test]
    fn fish_parses_it() {
        if !require("fish") {
            return;
        }
        let dir = TempDir::new();
        let file = dir.path().join("plugin.fish");
        std::fs::write(&file, plugin(PluginShell::Fish, Some("rc"), true)).unwrap();
        run_ok(
            "fish --no-execute",
            Command::new("fish").arg("--no-execute").arg(&file),
        );
    }
}
