//! The files generated from the clap definitions and committed: `completions/` (clap_complete,
//! plus the profile-name hook each shell gets) and `man/` (clap_mangen, plus the README's
//! environment and exit-status tables). This test fails when a committed file differs from what
//! the code generates now; `scripts/generate` (`ROLECALL_REGENERATE=1`) rewrites them.
//!
//! Profile names come from a hidden helper, `rolecall __complete -- WORDS` (`cmd/complete.rs`),
//! rather than from clap's dynamic completion (`unstable-dynamic`): the scripts stay clap's
//! static, stable ones that packagers install as files, everything but profile names completes
//! without starting rolecall, and the helper reads the config files and nothing else.

// This test reads ROLECALL_REGENERATE and writes the committed files; rolecall itself does neither.
#![allow(clippy::disallowed_methods)]

use crate::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Each generated file: its path from the repository root and its text.
fn generate() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for (shell, name) in [
        (Shell::Bash, "rolecall.bash"),
        (Shell::Zsh, "_rolecall"),
        (Shell::Fish, "rolecall.fish"),
        (Shell::Elvish, "rolecall.elv"),
        (Shell::PowerShell, "_rolecall.ps1"),
    ] {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "rolecall", &mut out);
        let text = String::from_utf8(out).expect("completions are UTF-8");
        files.push((format!("completions/{name}"), with_profiles(shell, text)));
    }
    files.extend(man_pages());
    files
}

/// Replaces `from` (which must occur `times` times) with `to`: an edit to clap's output that
/// stops matching fails here rather than silently doing nothing.
fn edit(text: &str, from: &str, to: &str, times: usize) -> String {
    assert_eq!(
        text.matches(from).count(),
        times,
        "clap's output changed: `{from}`"
    );
    text.replace(from, to)
}

/// clap's script with profile names from `rolecall __complete` where a profile is expected.
fn with_profiles(shell: Shell, text: String) -> String {
    const WHY: &str = "profile names from your config, from `rolecall __complete` (it reads the config files and nothing else)";
    match shell {
        Shell::Bash => {
            let text = edit(
                &text,
                "complete -F _rolecall ",
                "complete -F _rolecall_profiles ",
                2,
            );
            let (body, register) =
                text.split_at(text.rfind("\nif [[ \"${BASH_VERSINFO[0]}\"").unwrap());
            format!(
                r#"{body}

# rolecall: {WHY}; everything else as above.
_rolecall_profiles() {{
    local names
    names="$(command rolecall __complete -- "${{COMP_WORDS[@]:1:COMP_CWORD}}" 2>/dev/null)"
    if [[ -n ${{names}} ]]; then
        COMPREPLY=()
        while IFS= read -r name; do COMPREPLY+=("${{name}}"); done <<< "${{names}}"
        return 0
    fi
    _rolecall "$@"
}}
{register}"#
            )
        }
        Shell::Zsh => {
            // clap's function becomes `_rolecall_static` and `_rolecall` is the wrapper: an
            // autoloaded `_rolecall` is redefined by its file, so the name zsh calls on every
            // later TAB must be the wrapper's.
            let text = edit(&text, "\n_rolecall() {\n", "\n_rolecall_static() {\n", 1);
            let (body, register) = text.split_at(text.rfind("\nif [ \"$funcstack[1]\"").unwrap());
            format!(
                r#"{body}

# rolecall: {WHY}; everything else as above.
_rolecall() {{
    local -a names
    names=(${{(f)"$(command rolecall __complete -- "${{(@)words[2,CURRENT]}}" 2>/dev/null)"}})
    if (( ${{#names}} )); then
        compadd -a names
        return
    fi
    _rolecall_static "$@"
}}
{register}"#
            )
        }
        Shell::Fish => format!(
            r#"{text}
# rolecall: {WHY}.
function __fish_rolecall_profiles
    command rolecall __complete -- (commandline -opc)[2..-1] "$(commandline -ct)" 2>/dev/null
end
complete -c rolecall -f -n 'test -n "$(__fish_rolecall_profiles)"' -a '(__fish_rolecall_profiles)'
"#
        ),
        Shell::Elvish => format!(
            r#"{text}
# rolecall: {WHY}; everything else as above.
var rolecall-static = $edit:completion:arg-completer[rolecall]
set edit:completion:arg-completer[rolecall] = {{|@words|
    var names = []
    try {{ set names = [(e:rolecall __complete -- (all $words[1..]) 2>/dev/null)] }} catch {{ }}
    if (> (count $names) 0) {{ all $names }} else {{ $rolecall-static $@words }}
}}
"#
        ),
        Shell::PowerShell => edit(
            &text,
            "    param($wordToComplete, $commandAst, $cursorPosition)\n",
            &format!(
                r#"    param($wordToComplete, $commandAst, $cursorPosition)

    # rolecall: {WHY}; everything else below.
    $words = @($commandAst.CommandElements | Select-Object -Skip 1 |
        Where-Object {{ $_.Extent.EndOffset -le $cursorPosition }} | ForEach-Object {{ $_.ToString() }})
    if ($wordToComplete -eq '') {{ $words += '' }}
    $names = @(& rolecall __complete -- @words 2>$null)
    if ($names.Count -gt 0) {{
        return $names | ForEach-Object {{ [CompletionResult]::new($_, $_, [CompletionResultType]::ParameterValue, $_) }}
    }}
"#
            ),
            1,
        ),
        _ => unreachable!("no completions for {shell}"),
    }
}

/// `man/rolecall.1` and one page per visible subcommand (`rolecall-env.1`, …).
fn man_pages() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("read README.md");
    let cmd = Cli::command();
    let mut pages = vec![("man/rolecall.1".to_owned(), main_page(&cmd, &readme))];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("rolecall-{}", sub.get_name());
        let page = clap_mangen::Man::new(
            sub.clone()
                .name(&*name.clone().leak())
                .version(env!("CARGO_PKG_VERSION")),
        );
        let mut out = Vec::new();
        page.render(&mut out).expect("render man page");
        pages.push((format!("man/{name}.1"), String::from_utf8(out).unwrap()));
    }
    pages
}

fn main_page(cmd: &clap::Command, readme: &str) -> String {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out).unwrap();
    man.render_name_section(&mut out).unwrap();
    man.render_synopsis_section(&mut out).unwrap();
    man.render_description_section(&mut out).unwrap();
    man.render_options_section(&mut out).unwrap();
    man.render_subcommands_section(&mut out).unwrap();
    let mut text = String::from_utf8(out).unwrap();
    text.push_str(".SH ENVIRONMENT\n");
    text.push_str(&table_roff(readme, "## Environment", "Read:"));
    text.push_str(".PP\n");
    text.push_str(&roff_inline(&paragraph_after(
        readme,
        "Set by `env` and `exec`",
    )));
    text.push_str("\n.SH \"EXIT STATUS\"\n");
    text.push_str(&table_roff(readme, "### Exit status", "| status"));
    text.push_str(".SH \"SEE ALSO\"\n");
    let subs: Vec<String> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| format!("\\fBrolecall\\-{}\\fR(1)", roff_escape(s.get_name())))
        .collect();
    text.push_str(&subs.join(", "));
    text.push_str("\n.PP\nThe README, /usr/share/doc/rolecall/README.md, has the configuration and the cache in full.\n");
    let mut out = Vec::new();
    man.render_version_section(&mut out).unwrap();
    text.push_str(&String::from_utf8(out).unwrap());
    text
}

/// The rows of the first markdown table after `heading`, then `start`, as `.TP` entries.
fn table_roff(readme: &str, heading: &str, start: &str) -> String {
    let after = &readme[readme
        .find(heading)
        .unwrap_or_else(|| panic!("README has no `{heading}`"))..];
    let after = &after[after
        .find(start)
        .unwrap_or_else(|| panic!("README has no `{start}`"))..];
    let mut out = String::new();
    for row in after
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
    {
        let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
        assert_eq!(cells.len(), 2, "a two-column row: {row}");
        out.push_str(&format!(
            ".TP\n{}\n{}\n",
            roff_inline(cells[0]),
            roff_inline(cells[1])
        ));
    }
    assert!(!out.is_empty(), "the table after `{heading}` is empty");
    out
}

/// The paragraph that starts with `start`, joined into one line.
fn paragraph_after(readme: &str, start: &str) -> String {
    let at = readme
        .find(start)
        .unwrap_or_else(|| panic!("README has no `{start}`"));
    readme[at..]
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Markdown's `code` as bold, links as their text, the rest escaped for roff.
fn roff_inline(md: &str) -> String {
    let md = md.replace("\\|", "|");
    let mut out = String::new();
    for (i, part) in md.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&format!("\\fB{}\\fR", roff_escape(part)));
        } else {
            out.push_str(&roff_escape(&unlink(part)));
        }
    }
    if out.starts_with(['.', '\'']) {
        out.insert_str(0, "\\&");
    }
    out
}

/// `[text](target)` as `text`.
fn unlink(md: &str) -> String {
    let mut out = String::new();
    let mut rest = md;
    while let Some(open) = rest.find('[') {
        let Some(mid) = rest[open..].find("](").map(|m| open + m) else {
            break;
        };
        let Some(close) = rest[mid..].find(')').map(|c| mid + c) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..mid]);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn roff_escape(s: &str) -> String {
    s.replace('\\', "\\e").replace('-', "\\-")
}

fn check_or_write(files: &[(String, String)], regenerate: bool) -> Vec<String> {
    let mut stale = Vec::new();
    for (path, text) in files {
        let full = root().join(path);
        if std::fs::read_to_string(&full).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if regenerate {
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, text).unwrap();
        }
        stale.push(path.clone());
    }
    // A file left from a subcommand that went is stale too.
    for dir in ["completions", "man"] {
        for entry in std::fs::read_dir(root().join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if !files.iter().any(|(p, _)| *p == path) && !path.ends_with("README.md") {
                if regenerate {
                    std::fs::remove_file(entry.path()).unwrap();
                }
                stale.push(path);
            }
        }
    }
    stale
}

#[test]
fn committed_files_are_current() {
    let regenerate = std::env::var_os("ROLECALL_REGENERATE").is_some_and(|v| v == "1");
    let stale = check_or_write(&generate(), regenerate);
    if regenerate {
        eprintln!("regenerated: {stale:?}");
    } else {
        assert!(
            stale.is_empty(),
            "stale generated files (run scripts/generate and commit them): {stale:?}"
        );
    }
}

#[test]
fn man_page_has_the_readme_tables() {
    let page = main_page(
        &Cli::command(),
        &std::fs::read_to_string(root().join("README.md")).unwrap(),
    );
    for want in [
        ".SH ENVIRONMENT",
        "\\fBROLECALL_SERVE_MARGIN\\fR",
        "\\fBAWS_CONFIG_FILE\\fR, \\fBAWS_SHARED_CREDENTIALS_FILE\\fR",
        ".SH \"EXIT STATUS\"",
        ".TP\n126 / 127\n",
        "\\fBrolecall\\-init\\fR(1)",
    ] {
        assert!(page.contains(want), "{want:?} missing from the man page");
    }
    assert!(!Path::new(&root().join("man/rolecall-__complete.1")).exists());
}
