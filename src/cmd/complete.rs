//! `rolecall __complete -- WORDS...`: the profile names the last word may become, for the
//! completion scripts in `completions/` (hidden; its output is for them alone).
//!
//! The scripts clap generates complete subcommands and flags on their own; they call this only
//! to learn whether the word is a profile and which profiles match. Whether it is a profile is
//! read off the clap definitions (a positional argument named `profile`), so a new subcommand
//! that takes one completes profiles with no change here. It reads the config files and nothing
//! else: no cache, no network, no prompt, and it prints nothing (exit 0) when it has nothing,
//! including when the config cannot be read.

use crate::aws::config::Profiles;
use crate::cli::{Cli, CompleteArgs};
use crate::context::Context;
use crate::error::Result;
use clap::CommandFactory;
use zeroize::Zeroizing;

pub fn run(ctx: &Context, args: CompleteArgs) -> Result<Zeroizing<Vec<u8>>> {
    let mut out = Vec::new();
    let (current, done) = match args.words.split_last() {
        Some((current, done)) => (current.as_str(), done),
        None => ("", &[][..]),
    };
    if wants_profile(&Cli::command(), done, current)
        && let Ok(profiles) = Profiles::load(ctx)
    {
        for name in profiles
            .names()
            .into_iter()
            .filter(|n| n.starts_with(current))
        {
            out.extend_from_slice(name.as_bytes());
            out.push(b'\n');
        }
    }
    Ok(Zeroizing::new(out))
}

/// Whether the word after `done` (the words after `rolecall`) is a profile name.
fn wants_profile(root: &clap::Command, done: &[String], current: &str) -> bool {
    if current.starts_with('-') {
        return false;
    }
    let mut cmd = root;
    let mut positionals = 0;
    let mut value_next = false;
    // The flags given, by id: one that conflicts with the profile (`cache clear --all`,
    // `env --unset`) means there is no profile to complete.
    let mut given: Vec<String> = Vec::new();
    for word in done {
        if std::mem::take(&mut value_next) {
            continue;
        }
        if word == "--" {
            return false;
        }
        if let Some(long) = word.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or(long);
            let arg = cmd.get_arguments().find(|a| a.get_long() == Some(name));
            given.extend(arg.map(|a| a.get_id().to_string()));
            value_next = !long.contains('=') && arg.is_some_and(takes_value);
        } else if let Some(shorts) = word.strip_prefix('-').filter(|s| !s.is_empty()) {
            // `-vf FORMAT` or `-fFORMAT`: the first short that takes a value takes the rest.
            for (i, c) in shorts.char_indices() {
                let arg = cmd.get_arguments().find(|a| a.get_short() == Some(c));
                given.extend(arg.map(|a| a.get_id().to_string()));
                if arg.is_some_and(takes_value) {
                    value_next = i + c.len_utf8() == shorts.len();
                    break;
                }
            }
        } else if let Some(sub) = (positionals == 0)
            .then(|| cmd.find_subcommand(word))
            .flatten()
        {
            cmd = sub;
            given.clear();
        } else {
            positionals += 1;
        }
    }
    let Some(profile) = cmd
        .get_positionals()
        .nth(positionals)
        .filter(|a| a.get_id() == "profile")
    else {
        return false;
    };
    let conflicts = |a: &clap::Arg, b: &clap::Arg| {
        cmd.get_arg_conflicts_with(a)
            .iter()
            .any(|c| c.get_id() == b.get_id())
    };
    !value_next
        && !cmd
            .get_arguments()
            .filter(|a| given.iter().any(|g| g == a.get_id().as_str()))
            .any(|a| conflicts(a, profile) || conflicts(profile, a))
}

fn takes_value(arg: &clap::Arg) -> bool {
    arg.get_action().takes_values()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wants(line: &str) -> bool {
        let mut words: Vec<String> = line.split(' ').map(str::to_owned).collect();
        let current = words.pop().unwrap();
        wants_profile(&Cli::command(), &words, &current)
    }

    #[test]
    fn profile_positions() {
        for yes in [
            "env ",
            "env pr",
            "env --format json ",
            "env -f json ",
            "env --format=json ",
            "env -fjson pr",
            "-v env ",
            "exec ",
            "exec --nested --mfa-code 123456 ",
            "credential-process ",
            "cache clear ",
            "use ",
            "use --no-cache ",
        ] {
            assert!(wants(yes), "{yes:?} should complete a profile");
        }
        for no in [
            "",
            "en",
            "env prod ",
            "env --format ",
            "env -f ",
            "env -",
            "exec prod ",
            "exec -- ",
            "exec prod -- ",
            "cache ",
            "cache list ",
            "profiles ",
            "unuse ",
            "init ",
            "credential-process --mfa-code ",
            "cache clear --all ",
            "env --unset ",
        ] {
            assert!(!wants(no), "{no:?} should not complete a profile");
        }
    }
}
