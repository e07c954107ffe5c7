//! The `rolecall` binary: everything lives in the library; this maps its result to an exit code.
//!
//! It is `no_main`: std's start-up (`lang_start`) spends about an eighth of a cache hit's
//! instructions finding the main thread's stack for its overflow guard (glibc reads and scans
//! `/proc/self/maps` for that), and a hit is mostly start-up. This `main` does the two things of
//! std's start-up that matter here and skips the guard, so a stack overflow is a plain SIGSEGV
//! instead of a message (rolecall does not recurse deeply: chains stop at 8 profiles). std still
//! collects the arguments and environment itself (glibc hands them to it through `.init_array`;
//! macOS through `_NSGetArgv`).

// Not under `cargo test`: the test harness brings its own `main`.
#![cfg_attr(not(test), no_main)]

#[cfg(not(test))]
mod entry {
    use std::ffi::{c_char, c_int};
    use std::io::Write;
    use std::os::fd::IntoRawFd;

    // SAFETY: the one `main` symbol of the program; std defines none under `no_main`.
    #[allow(unsafe_code)]
    #[unsafe(no_mangle)]
    extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
        standard_fds_open();
        // SAFETY: setting a signal's disposition to SIG_IGN, single-threaded, before any other code.
        // As std does: a write to a closed pipe is then an `EPIPE` error, which `emit` handles (a
        // closed pipe is not an error), not a silent death; `exec` and std's `Command` give the
        // child the default back.
        #[allow(unsafe_code)]
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        }
        let code = rolecall::main();
        // std's exit path flushes stdout; ours must too (clap's help goes through it).
        #[allow(clippy::disallowed_methods)]
        let _ = std::io::stdout().flush();
        c_int::from(code)
    }

    /// Opens `/dev/null` on whichever of fds 0, 1 and 2 is closed, as std's start-up does: otherwise
    /// the first file rolecall opens (a cache entry, a lock) would become its stdout or stderr, and
    /// the output would be written into it.
    fn standard_fds_open() {
        for fd in 0..=2 {
            // SAFETY: F_GETFD only asks about a descriptor number; it touches no memory.
            #[allow(unsafe_code)]
            let closed = unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF);
            if closed {
                // The lowest free descriptor is `fd` itself: the ones below it are open.
                match std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open("/dev/null")
                {
                    Ok(null) => {
                        let _ = null.into_raw_fd();
                    }
                    Err(_) => std::process::abort(),
                }
            }
        }
    }
}
