//! The terminal: where MFA codes are asked for.
//!
//! Prompts go to the controlling terminal (`/dev/tty`), never to stdout or stderr: an SDK running
//! `credential-process` captures both. No terminal means no prompt, at once.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use zeroize::Zeroizing;

#[derive(Debug)]
pub struct Terminal {
    input: BufReader<File>,
    output: File,
}

impl Terminal {
    /// The controlling terminal, or `None` when there is none (CI, a daemon, an IDE).
    pub fn open() -> Option<Terminal> {
        let (input, output) = open_tty()?;
        Some(Terminal {
            input: BufReader::new(input),
            output,
        })
    }

    pub fn say(&mut self, line: &str) {
        let _ = writeln!(self.output, "{line}");
    }

    /// Ask and read one line; `None` at end of input.
    pub fn ask(&mut self, prompt: &str) -> Option<Zeroizing<String>> {
        let _ = write!(self.output, "{prompt}");
        let _ = self.output.flush();
        let mut line = Zeroizing::new(String::with_capacity(64));
        match self.input.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                let trimmed = Zeroizing::new(line.trim().to_owned());
                Some(trimmed)
            }
        }
    }
}

fn open_tty() -> Option<(File, File)> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let out = tty.try_clone().ok()?;
    Some((tty, out))
}

/// A TOTP code as STS takes it.
pub fn is_mfa_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}
