//! The packages: `scripts/check-packaging` (version and license as in Cargo.toml), and the
//! Debian package built by `packaging/deb/build --dev`, listed with `dpkg -c`, unpacked with
//! `dpkg-deb -x` and its binary run.

use crate::support::{Sandbox, find_program, require, run_ok};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &mut Command) -> String {
    String::from_utf8(run_ok(cmd).stdout).unwrap()
}

#[test]
fn packages_agree_with_cargo_toml() {
    run(&mut Command::new(root().join("scripts/check-packaging")));
}

#[test]
fn deb_builds_lists_and_runs() {
    let cargo_deb = root().join("target/tools/bin/cargo-deb");
    let have_cargo_deb = cargo_deb.exists() || find_program("cargo-deb").is_some();
    if !have_cargo_deb && !require(cargo_deb.to_str().unwrap()) {
        return;
    }
    if !require("dpkg-deb") || !require("dpkg") {
        return;
    }
    let built = run(Command::new(root().join("packaging/deb/build")).arg("--dev"));
    let deb = PathBuf::from(
        built
            .lines()
            .last()
            .expect("the script prints the .deb")
            .trim(),
    );
    let listing = run(Command::new("dpkg").arg("-c").arg(&deb));
    eprintln!("dpkg -c {}:\n{listing}", deb.display());
    let files: Vec<&str> = listing
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .collect();
    for want in [
        "./usr/bin/rolecall",
        "./usr/share/bash-completion/completions/rolecall",
        "./usr/share/zsh/vendor-completions/_rolecall",
        "./usr/share/fish/vendor_completions.d/rolecall.fish",
        "./usr/share/man/man1/rolecall.1.gz",
        "./usr/share/man/man1/rolecall-init.1.gz",
        "./usr/share/doc/rolecall/copyright",
        "./usr/share/doc/rolecall/README.md",
    ] {
        assert!(
            files.contains(&want),
            "{want} missing from the .deb:\n{listing}"
        );
    }
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        deb.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(&format!("rolecall_{version}")),
        "{}",
        deb.display()
    );
    let unpacked = tempfile::tempdir().unwrap();
    run(Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(unpacked.path()));
    let bin = unpacked.path().join("usr/bin/rolecall");
    assert!(run(Command::new(&bin).arg("--version")).contains(version));
    let sb = Sandbox::new();
    sb.config(&crate::cli::static_profile("demo"));
    assert_eq!(run(sb.command(&bin).arg("profiles")), "demo\n");
    let man = run(Command::new("gzip")
        .arg("-dc")
        .arg(unpacked.path().join("usr/share/man/man1/rolecall.1.gz")));
    assert!(man.contains(".SH ENVIRONMENT") && man.contains(".SH \"EXIT STATUS\""));
}
