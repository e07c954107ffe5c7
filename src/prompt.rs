//! The terminal: where MFA codes are asked for.
//!
//! Prompts go to the controlling terminal (`/dev/tty`), never to stdout or stderr: an SDK running
//! `credential-process` captures both. No terminal means no prompt, at once.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use zeroize::Zeroizing;

/// Where rolecall talks to the person: MFA codes, "waiting for" lines, later device codes. The
/// terminal in use, a script in tests.
pub trait Prompt: std::fmt::Debug {
    /// Whether there is someone to ask.
    fn available(&mut self) -> bool;
    fn say(&mut self, line: &str);
    /// Ask and read one line, not echoed back into any log; `None` when there is no answer.
    fn ask_secret(&mut self, prompt: &str) -> Option<Zeroizing<String>>;
}

/// The controlling terminal, opened the first time it is needed (a cache hit never opens it).
#[derive(Debug, Default)]
pub struct Tty {
    opened: Option<Option<Terminal>>,
}

impl Tty {
    fn terminal(&mut self) -> Option<&mut Terminal> {
        self.opened.get_or_insert_with(Terminal::open).as_mut()
    }
}

impl Prompt for Tty {
    fn available(&mut self) -> bool {
        self.terminal().is_some()
    }

    fn say(&mut self, line: &str) {
        if let Some(t) = self.terminal() {
            t.say(line);
        }
    }

    fn ask_secret(&mut self, prompt: &str) -> Option<Zeroizing<String>> {
        self.terminal()?.ask(prompt)
    }
}

/// A prompt that answers from a script and records what it was told (unit tests).
#[cfg(test)]
#[derive(Debug, Default)]
pub struct Scripted {
    pub answers: std::collections::VecDeque<String>,
    pub said: Vec<String>,
    pub asked: Vec<String>,
}

#[cfg(test)]
impl Prompt for Scripted {
    fn available(&mut self) -> bool {
        true
    }

    fn say(&mut self, line: &str) {
        self.said.push(line.to_owned());
    }

    fn ask_secret(&mut self, prompt: &str) -> Option<Zeroizing<String>> {
        self.asked.push(prompt.to_owned());
        self.answers.pop_front().map(Zeroizing::new)
    }
}

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
