//! Helpers for the integration tests: the rolecall binary, optional external
//! programs, and a sandboxed HOME with its own `~/.aws`.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The rolecall binary cargo built for these tests.
pub fn rolecall() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rolecall"))
}

/// The Python venv of `scripts/test-deps` (boto3, AWS CLI v1, moto,
/// python-dotenv): `$ROLECALL_TEST_VENV`, else `<repo>/target/test-venv`.
pub fn venv() -> PathBuf {
    match std::env::var_os("ROLECALL_TEST_VENV") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target")
            .join("test-venv"),
    }
}

/// A program in the venv's `bin/` (may not exist: check with [`require`]).
pub fn venv_bin(name: &str) -> PathBuf {
    venv().join("bin").join(name)
}

/// The venv's Python.
pub fn venv_python() -> PathBuf {
    venv_bin("python")
}

/// True under CI (`CI=true`), where a missing test dependency is a failure.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Where `program` is: itself if it contains a `/` and is an executable
/// file, else the first executable match on `PATH`.
pub fn find_program(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return is_executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether a test that needs `program` can run. If it is missing: panics
/// under `CI=true`, otherwise says "skipped: ..." on stderr and returns
/// false, so the test can `return` early.
pub fn require(program: &str) -> bool {
    if find_program(program).is_some() {
        return true;
    }
    if is_ci() {
        panic!("{program} is not installed, and CI=true requires it (run scripts/test-deps)");
    }
    eprintln!("skipped: {program} not installed");
    false
}

/// A throwaway HOME with `.aws/`, removed on drop.
#[derive(Debug)]
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("rolecall-test-")
            .tempdir()
            .expect("create sandbox dir");
        std::fs::create_dir_all(dir.path().join(".aws")).expect("create sandbox .aws");
        Sandbox { dir }
    }

    /// Writes `$HOME/.aws/config`.
    pub fn config(&self, text: &str) -> &Self {
        std::fs::write(self.config_path(), text).expect("write sandbox config");
        self
    }

    /// Writes `$HOME/.aws/credentials`.
    pub fn credentials(&self, text: &str) -> &Self {
        std::fs::write(self.credentials_path(), text).expect("write sandbox credentials");
        self
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.home().join(".aws").join("config")
    }

    pub fn credentials_path(&self) -> PathBuf {
        self.home().join(".aws").join("credentials")
    }

    /// `ROLECALL_CACHE_DIR` for commands from this sandbox (not created here).
    pub fn cache_dir(&self) -> PathBuf {
        self.home().join("cache")
    }

    /// `XDG_CACHE_HOME` for commands from this sandbox (not created here).
    pub fn xdg_cache_dir(&self) -> PathBuf {
        self.home().join("xdg-cache")
    }

    /// `rolecall` with the sandbox environment (see [`Sandbox::command`]).
    pub fn cmd(&self) -> Command {
        self.command(rolecall())
    }

    /// Any program with a cleared environment plus: `PATH` (inherited),
    /// `HOME`, `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE` (inside the
    /// sandbox), `AWS_EC2_METADATA_DISABLED=true`, `AWS_REGION=us-east-1`,
    /// `ROLECALL_CACHE_DIR`, `XDG_CACHE_HOME` (inside the sandbox),
    /// `LANG=C.UTF-8`; stdin is null.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd.env("HOME", self.home())
            .env("AWS_CONFIG_FILE", self.config_path())
            .env("AWS_SHARED_CREDENTIALS_FILE", self.credentials_path())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_REGION", "us-east-1")
            .env("ROLECALL_CACHE_DIR", self.cache_dir())
            .env("XDG_CACHE_HOME", self.xdg_cache_dir())
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null());
        cmd
    }
}

/// Runs `cmd` to completion, capturing stdout and stderr; kills it and
/// panics if it takes longer than `limit`.
pub fn output_within(cmd: &mut Command, limit: Duration) -> Output {
    let mut child: Child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status: ExitStatus = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            // Not joining the readers: a grandchild may still hold the pipes.
            panic!("{cmd:?} did not finish within {limit:?} and was killed");
        }
        thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// The one JSON document a successful run printed; panics with its stderr otherwise.
pub fn ok_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

/// Starts `n` commands from `make` at once, stdout and stderr captured, and waits for all.
pub fn run_concurrently(n: usize, make: impl Fn() -> Command) -> Vec<Output> {
    let children: Vec<Child> = (0..n)
        .map(|_| {
            make()
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect()
}

/// Runs `cmd` to completion and returns its output; panics with its status and stderr unless it
/// succeeded.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
