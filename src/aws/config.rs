//! The shared config and credentials files, read the way the AWS SDKs read them.
//!
//! A cache hit must read the config and answer in about the time it takes to start a process,
//! flat from 10 to 5,000 profiles. aws-config's loader builds every profile of every file into
//! hash maps (about 40 ms and 11 MB for 5,000 profiles), so rolecall has its own reader with the
//! same rules (tested against aws-config's as an oracle, see the tests): one pass checks the
//! syntax of every line and notes where each section starts, without allocating per line; a
//! profile's keys are parsed only when asked for.
//!
//! The rules, as the SDKs apply them:
//! - lines are `[section]`, `key = value`, a continuation (starts with a space or tab), blank,
//!   or a comment (starts with `#` or `;`); a property line loses everything from the first `#`
//!   or `;` that follows whitespace;
//! - in the config file a profile is `[profile NAME]` or `[default]` (`[profile default]` wins
//!   over `[default]`); in the credentials file it is `[NAME]`; keys are made of
//!   `A-Za-z0-9_-/.%@:+` (others are ignored) and are case-insensitive;
//! - section headers and profile names follow botocore (the AWS CLI), which is more lenient than
//!   aws-config: the header runs from `[` to the last `]` on the line (the rest is ignored), so
//!   `[profile a;b]` is the profile `a;b` rather than an error that takes the whole file down,
//!   and a name may hold any character but whitespace (`prød`, `a=b`); where botocore and
//!   aws-config read a header differently and following botocore is impractical (quotes and
//!   backslashes, which botocore unquotes as a shell would; spaces in or around a name), the
//!   section is skipped with a warning naming it (the differences are listed with the tests);
//! - the credentials file wins for keys in both; later sections and keys win within a file;
//! - `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` name other files (`~` is `$HOME`); a
//!   missing file is empty; a file that starts with a UTF-8 byte-order mark is an error (as in
//!   botocore and aws-config, with a message that names the mark).
//!
//! Where rolecall is stricter than the SDKs, which take a file they cannot read for an empty one:
//! only a missing file (or `/dev/null`) is empty; a directory, a FIFO, a device, an unreadable
//! file, a symbolic link loop, a link to nothing or a file over 64 MiB is an error naming the
//! file, so that the user is not told a profile does not exist when its file could not be read.

use crate::context::Context;
use crate::error::Result;
use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::{ErrorKind, Read};
use std::ops::Range;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Config,
    Credentials,
}

#[derive(Debug)]
struct File {
    text: String,
    /// Where long-term secrets sit in `text`, wiped on drop (wiping all of a large config
    /// would cost a cache hit more than everything else it does).
    secrets: Vec<Range<usize>>,
    /// Profile sections in file order: the profile's name, and the byte range of its body.
    sections: Vec<(Range<usize>, Range<usize>)>,
    /// `[services NAME]` sections (config file only), the same way.
    services: Vec<(Range<usize>, Range<usize>)>,
    /// `[sso-session NAME]` sections (config file only), the same way.
    sso_sessions: Vec<(Range<usize>, Range<usize>)>,
}

/// The config and credentials files, as the SDKs find them: `AWS_CONFIG_FILE` and
/// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and `~/.aws/credentials`, where `~` is
/// [`Context::home`] (asked for only when a path starts with `~`).
pub fn file_paths(ctx: &Context) -> Result<[PathBuf; 2]> {
    let path = |var: &str, default: &str| -> Result<PathBuf> {
        let raw = ctx.var(var).unwrap_or(default);
        let rest = raw
            .strip_prefix("~/")
            .or_else(|| (raw == "~").then_some(""));
        Ok(match rest {
            Some(rest) => ctx.home()?.join(rest),
            None => PathBuf::from(raw),
        })
    };
    Ok([
        path("AWS_CONFIG_FILE", "~/.aws/config")?,
        path("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")?,
    ])
}

/// All profiles from the config and credentials files.
#[derive(Debug)]
pub struct Profiles {
    files: Vec<File>,
    /// Sections skipped, each with its file, line and reason (`load` prints them).
    #[cfg_attr(not(test), allow(dead_code))]
    warnings: Vec<String>,
}

impl Drop for File {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.text).into_bytes();
        for r in &self.secrets {
            zeroize::Zeroize::zeroize(&mut bytes[r.clone()]);
        }
    }
}

/// Trim spaces and tabs (the SDKs' whitespace for trimming), byte-wise: `trim_matches` with a
/// char slice costs a cache hit on a large config more than everything else.
fn trim_ws(s: &str) -> &str {
    trim_end_ws(trim_start_ws(s))
}

fn trim_start_ws(s: &str) -> &str {
    let n = s.bytes().take_while(|b| matches!(b, b' ' | b'\t')).count();
    &s[n..]
}

fn trim_end_ws(s: &str) -> &str {
    let n = s
        .bytes()
        .rev()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    &s[..s.len() - n]
}

/// Keys whose values are secrets.
const SECRET_KEYS: &[&str] = &["aws_secret_access_key", "aws_session_token"];

/// A `[services NAME]` section.
#[derive(Debug)]
pub struct Services {
    keys: HashMap<String, String>,
}

impl Services {
    /// `endpoint_url` under `sts =`, as the SDKs read a services section.
    pub fn sts_endpoint_url(&self) -> Option<String> {
        let block = self.keys.get("sts")?;
        // Its sub-properties are kept as the value's lines, read as any property is.
        block.lines().find_map(|line| {
            let (k, v) = parse_property(line).ok()?;
            (k.eq_ignore_ascii_case("endpoint_url") && !v.is_empty()).then(|| v.to_owned())
        })
    }
}

/// One profile's merged keys, parsed on demand.
#[derive(Debug)]
pub struct Profile {
    name: String,
    keys: HashMap<String, String>,
}

impl Drop for Profile {
    fn drop(&mut self) {
        for v in self.keys.values_mut() {
            zeroize::Zeroize::zeroize(v);
        }
    }
}

impl Profile {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A key's value (keys are case-insensitive); empty values count as absent, as in the AWS CLI.
    pub fn get(&self, key: &str) -> Option<&str> {
        let v = match self.keys.get(key) {
            Some(v) => v,
            None => self.keys.get(&key.to_ascii_lowercase())?,
        };
        Some(v.trim()).filter(|v| !v.is_empty())
    }

    /// A key's value exactly as parsed (tests compare it with aws-config's).
    #[cfg(test)]
    fn raw(&self, key: &str) -> Option<&str> {
        self.keys.get(key).map(String::as_str)
    }
}

const WHITESPACE: &[char] = &[' ', '\t'];
const COMMENT: &[char] = &['#', ';'];

impl Profiles {
    /// Read the files named by the environment (or the defaults under `$HOME/.aws`).
    pub fn load(ctx: &Context) -> Result<Self> {
        let mut files = Vec::with_capacity(2);
        let mut warnings = Vec::new();
        for (kind, p) in [Kind::Config, Kind::Credentials]
            .into_iter()
            .zip(file_paths(ctx)?)
        {
            let text = read_file(&p)?;
            files.push(File::scan(
                kind,
                text,
                &p.display().to_string(),
                &mut warnings,
            )?);
        }
        for w in &warnings {
            ctx.warn(format_args!("{w}"));
        }
        Ok(Self { files, warnings })
    }

    #[cfg(test)]
    /// Parse config and credentials text directly (tests and table-driven cases); warnings are
    /// kept, not printed.
    pub fn parse(config: &str, credentials: &str) -> Result<Self> {
        let mut warnings = Vec::new();
        let files = vec![
            File::scan(Kind::Config, config.to_owned(), "config", &mut warnings)?,
            File::scan(
                Kind::Credentials,
                credentials.to_owned(),
                "credentials",
                &mut warnings,
            )?,
        ];
        Ok(Self { files, warnings })
    }

    /// The sections skipped, each with its file, line and reason.
    #[cfg(test)]
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Parse the sections of profile `name` from both files, credentials last (it wins).
    pub fn get(&self, name: &str) -> Option<Profile> {
        let mut profile = Profile {
            name: name.to_owned(),
            keys: HashMap::new(),
        };
        let mut found = false;
        for file in &self.files {
            for (section, body) in &file.sections {
                if &file.text[section.clone()] == name {
                    found = true;
                    parse_body(&file.text[body.clone()], &mut profile.keys);
                }
            }
        }
        found.then_some(profile)
    }

    /// The `[services name]` section, if the config has one: `sts =` and its indented
    /// sub-properties (`endpoint_url = ...`) as keys, read with [`Services::sts_endpoint_url`].
    pub fn services(&self, name: &str) -> Option<Services> {
        let mut keys = HashMap::new();
        let mut found = false;
        for file in &self.files {
            for (section, body) in &file.services {
                if &file.text[section.clone()] == name {
                    found = true;
                    parse_body(&file.text[body.clone()], &mut keys);
                }
            }
        }
        found.then_some(Services { keys })
    }

    /// The `[sso-session name]` section, if the config has one, its keys read as a profile's.
    pub fn sso_session(&self, name: &str) -> Option<Profile> {
        let mut session = Profile {
            name: name.to_owned(),
            keys: HashMap::new(),
        };
        let mut found = false;
        for file in &self.files {
            for (section, body) in &file.sso_sessions {
                if &file.text[section.clone()] == name {
                    found = true;
                    parse_body(&file.text[body.clone()], &mut session.keys);
                }
            }
        }
        found.then_some(session)
    }

    /// The names of every `[sso-session NAME]` section (`logout --all`).
    pub fn sso_session_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .files
            .iter()
            .flat_map(|f| f.sso_sessions.iter().map(|(s, _)| &f.text[s.clone()]))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .files
            .iter()
            .flat_map(|f| f.sections.iter().map(|(s, _)| &f.text[s.clone()]))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    pub fn is_empty(&self) -> bool {
        self.files.iter().all(|f| f.sections.is_empty())
    }
}

/// The largest config or credentials file rolecall reads. A config of 5,000 profiles is about
/// 1 MiB, so this leaves room for any real file while a runaway one (a log written to the wrong
/// path) ends in a message instead of an allocation failure.
const MAX_FILE_MIB: u64 = 64;

/// The text of a config or credentials file: empty when there is no file (or it is `/dev/null`),
/// an error naming the file when there is one that cannot be read as text.
fn read_file(path: &Path) -> Result<String, ConfigError> {
    let fail = |what: &str| ConfigError {
        message: format!("{} {what}", path.display()),
    };
    // NONBLOCK: opening a FIFO for reading would wait for a writer, possibly forever.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            // A link to nothing is not "no file": it says the file lives elsewhere, and elsewhere
            // is missing (an unmounted volume, a dotfiles checkout not made yet).
            return match std::fs::read_link(path) {
                Ok(target) => Err(fail(&format!(
                    "is a symbolic link to `{}`, which does not exist",
                    target.display()
                ))),
                Err(_) => Ok(String::new()),
            };
        }
        Err(e) => return Err(fail(&open_error(path, &e))),
    };
    let meta = file
        .metadata()
        .map_err(|e| fail(&format!("cannot be examined ({e})")))?;
    let kind = meta.file_type();
    if !kind.is_file() {
        if kind.is_char_device() && is_dev_null(&meta) {
            return Ok(String::new());
        }
        return Err(fail(if kind.is_dir() {
            "is a directory"
        } else if kind.is_fifo() {
            "is a FIFO, not a regular file"
        } else if kind.is_char_device() {
            "is a character device, not a regular file"
        } else if kind.is_block_device() {
            "is a block device, not a regular file"
        } else if kind.is_socket() {
            "is a socket, not a regular file"
        } else {
            "is not a regular file"
        }));
    }
    let too_large = || fail(&format!("is larger than {MAX_FILE_MIB} MiB"));
    let max = MAX_FILE_MIB << 20;
    if meta.len() > max {
        return Err(too_large());
    }
    // Sized up front so that the buffer holding the secrets is never reallocated (and the old
    // copy left behind); `take` stops a file that grows while it is read.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    let read = (&mut file).take(max + 1).read_to_end(&mut bytes);
    let wipe = |mut bytes: Vec<u8>| zeroize::Zeroize::zeroize(&mut bytes);
    if let Err(e) = read {
        wipe(bytes);
        return Err(fail(&format!("cannot be read ({e})")));
    }
    if bytes.len() as u64 > max {
        wipe(bytes);
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        wipe(e.into_bytes());
        fail("is not UTF-8 text")
    })
}

/// What is wrong with a file that exists but cannot be opened.
fn open_error(path: &Path, e: &std::io::Error) -> String {
    match e.raw_os_error().map(rustix::io::Errno::from_raw_os_error) {
        Some(rustix::io::Errno::LOOP) => "is a symbolic link loop".into(),
        Some(rustix::io::Errno::ACCESS | rustix::io::Errno::PERM) => {
            "cannot be read: permission denied".into()
        }
        // Opening a socket fails with ENXIO.
        _ if std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket()) => {
            "is a socket, not a regular file".into()
        }
        _ => format!("cannot be opened ({e})"),
    }
}

/// `/dev/null` by what it is (the null device), not by name: `AWS_CONFIG_FILE=/dev/null` is the
/// usual way to say "no config", and a container may have the device under another path.
fn is_dev_null(meta: &std::fs::Metadata) -> bool {
    std::fs::metadata("/dev/null")
        .is_ok_and(|null| null.file_type().is_char_device() && null.rdev() == meta.rdev())
}

impl File {
    /// Check every line's syntax and note the profile sections, without allocating per line.
    fn scan(
        kind: Kind,
        text: String,
        path: &str,
        warnings: &mut Vec<String>,
    ) -> Result<File, ConfigError> {
        // botocore and aws-config both refuse such a file (its first line is neither a section
        // nor a comment to them), so rolecall refuses it too, but says why.
        if text.starts_with('\u{feff}') {
            return Err(ConfigError {
                message: format!(
                    "{path} starts with a UTF-8 byte-order mark, which the AWS CLI and SDKs \
                     cannot read: save it without one"
                ),
            });
        }
        let mut sections = Vec::new();
        // (name range, body start) of the section being read.
        let mut open: Option<(Option<Range<usize>>, usize)> = None;
        // Which list the section being read goes to.
        let mut open_kind = Listed::Profile;
        let mut services = Vec::new();
        let mut sso_sessions = Vec::new();
        let mut in_section = false;
        let mut property: Option<bool> = None; // Some(is_subproperty) after a property line
        let mut has_prefixed_default = false;
        let mut secrets = Vec::new();
        let mut offset = 0;
        let error = |n: usize, message: &str| ConfigError {
            message: format!("{path} line {n}: {message}"),
        };
        // Bytes, not chars: this loop sees every byte of a config that may be megabytes.
        let bytes = text.as_bytes();
        let mut n = 0;
        while offset < bytes.len() {
            n += 1;
            let line_start = offset;
            let end = memchr::memchr(b'\n', &bytes[offset..]).map_or(bytes.len(), |i| offset + i);
            offset = (end + 1).min(bytes.len());
            let line_end = if end > line_start && bytes[end - 1] == b'\r' {
                end - 1
            } else {
                end
            };
            // `\n` and `\r` are ASCII, so these are char boundaries.
            let line = &text[line_start..line_end];
            let first = line.bytes().position(|b| b != b' ' && b != b'\t');
            let (Some(_), Some(&b0)) = (first, line.as_bytes().first()) else {
                continue;
            };
            if b0 == b'#' || b0 == b';' {
                continue;
            }
            if b0 == b'[' {
                // botocore's header runs to the last `]` (configparser's `\[(?P<header>.+)\]`),
                // whatever follows it; there is no comment to cut.
                let Some(close) = memchr::memrchr(b']', line.as_bytes()) else {
                    return Err(error(n, "a section line must end with `]`"));
                };
                if let Some((Some(name), body_start)) = open.take() {
                    let list = match open_kind {
                        Listed::Profile => &mut sections,
                        Listed::Services => &mut services,
                        Listed::SsoSession => &mut sso_sessions,
                    };
                    list.push((name, body_start..line_start));
                }
                open_kind = Listed::Profile;
                let header = &line[1..close];
                let name = match section_header(kind, header) {
                    Header::Profile(rel, prefixed_default) => {
                        has_prefixed_default |= prefixed_default;
                        let start =
                            line_start + 1 + (rel.as_ptr() as usize - header.as_ptr() as usize);
                        Some(start..start + rel.len())
                    }
                    Header::Services(rel) | Header::SsoSession(rel) => {
                        open_kind = if header.starts_with("services") {
                            Listed::Services
                        } else {
                            Listed::SsoSession
                        };
                        let start =
                            line_start + 1 + (rel.as_ptr() as usize - header.as_ptr() as usize);
                        Some(start..start + rel.len())
                    }
                    Header::Other => None,
                    Header::Skipped(why) => {
                        warnings.push(format!(
                            "{path} line {n}: section `{}` skipped: {why}",
                            &line[..=close]
                        ));
                        None
                    }
                };
                open = Some((name, offset));
                in_section = true;
                property = None;
            } else if b0 == b' ' || b0 == b'\t' {
                match property {
                    _ if !in_section => {
                        return Err(error(
                            n,
                            "expected a section such as `[profile NAME]` first",
                        ));
                    }
                    None => {
                        return Err(error(
                            n,
                            "an indented line continues a property, but there is none",
                        ));
                    }
                    Some(true) => {
                        let t = trim_ws(line);
                        if !t.is_empty() {
                            parse_property(t)
                                .map_err(|m| error(n, &format!("sub-property: {m}")))?;
                        }
                    }
                    Some(false) => {}
                }
            } else {
                if !in_section {
                    return Err(error(
                        n,
                        "expected a section such as `[profile NAME]` first",
                    ));
                }
                let (key, value) = check_property(line).map_err(|m| error(n, m))?;
                property = Some(trim_start_ws(value).is_empty() || value_is_comment(value));
                if SECRET_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k)) {
                    let start = line_start + (value.as_ptr() as usize - line.as_ptr() as usize);
                    secrets.push(start..start + value.len());
                }
            }
        }
        if let Some((Some(name), body_start)) = open {
            let list = match open_kind {
                Listed::Profile => &mut sections,
                Listed::Services => &mut services,
                Listed::SsoSession => &mut sso_sessions,
            };
            list.push((name, body_start..text.len()));
        }
        if has_prefixed_default {
            // `[profile default]` takes priority over `[default]` in the same file.
            sections.retain(|(name, _)| {
                let header_is_bare_default = {
                    let before = &text[..name.start];
                    trim_end_ws(before).ends_with('[')
                };
                !(&text[name.clone()] == "default" && header_is_bare_default)
            });
        }
        Ok(File {
            text,
            sections,
            services,
            sso_sessions,
            secrets,
        })
    }
}

/// Which of a file's lists a section is noted in.
#[derive(Debug, Clone, Copy)]
enum Listed {
    Profile,
    Services,
    SsoSession,
}

/// What a section header is.
#[derive(Debug)]
enum Header<'a> {
    /// A profile: its name (a slice of the header), and whether it was `[profile default]`.
    Profile(&'a str, bool),
    /// `[services NAME]`: per-service settings a profile names with `services = NAME`.
    Services(&'a str),
    /// `[sso-session NAME]`: an IAM Identity Center session a profile names with `sso_session`.
    SsoSession(&'a str),
    /// Another kind of section, or one no SDK reads as a profile.
    Other,
    /// A profile to some SDK but not to rolecall, which says why.
    Skipped(&'static str),
}

// Why a section is skipped.
const SPACES: &str = "a profile name cannot contain spaces";
const QUOTES: &str = "the AWS SDKs read quotes and backslashes in profile names differently";
const LAST_BRACKET: &str =
    "the AWS CLI reads the header up to the last `]` on the line, which leaves no profile name";
const NOT_PREFIX: &str =
    "the AWS CLI reads it as a profile and the other SDKs do not: write `[profile NAME]`";
const PADDED: &str =
    "the AWS CLI does not read it as a profile: remove the spaces inside the brackets";
const PREFIX_IN_CREDENTIALS: &str =
    "the credentials file names a profile `[NAME]`, without `profile`";
const NO_NAME: &str = "it names no profile";

/// What `header` (the text between `[` and the last `]`) is, by botocore's rules where they can
/// be followed: in the config file, a header that starts with `profile` is split into words as a
/// shell would (`shlex.split`) and is a profile when it has exactly two; `default` is a profile;
/// in the credentials file every section is a profile, named by its header as it is.
fn section_header(kind: Kind, header: &str) -> Header<'_> {
    if kind == Kind::Credentials {
        if !has_whitespace(header) {
            return Header::Profile(header, false);
        }
        return Header::Skipped(if first_word(header) == "profile" {
            PREFIX_IN_CREDENTIALS
        } else {
            SPACES
        });
    }
    if header == "default" {
        return Header::Profile(header, false);
    }
    // botocore: a key starting with `services` that splits into exactly two words.
    if let Some(rest) = header.strip_prefix("services")
        && rest.starts_with([' ', '\t'])
    {
        let mut words = rest.split([' ', '\t']).filter(|w| !w.is_empty());
        if let (Some(name), None) = (words.next(), words.next()) {
            return Header::Services(name);
        }
        return Header::Other;
    }
    // botocore: the same rule as for `services`.
    if let Some(rest) = header.strip_prefix("sso-session")
        && rest.starts_with([' ', '\t'])
    {
        let mut words = rest.split([' ', '\t']).filter(|w| !w.is_empty());
        if let (Some(name), None) = (words.next(), words.next()) {
            return Header::SsoSession(name);
        }
        return Header::Other;
    }
    if !header.starts_with("profile") {
        // aws-config trims the header and botocore does not: `[ profile a ]` is a profile to one
        // and not to the other.
        let t = trim_ws(header);
        if t.len() < header.len() && (t == "default" || first_word(t) == "profile") {
            return Header::Skipped(PADDED);
        }
        return Header::Other;
    }
    // Following shlex here would mean names that can only be typed quoted, and aws-config ignores
    // these sections.
    if header.bytes().any(|b| matches!(b, b'"' | b'\'' | b'\\')) {
        return Header::Skipped(QUOTES);
    }
    let mut words = header.split([' ', '\t', '\r']).filter(|w| !w.is_empty());
    let first = words.next().unwrap_or_default();
    let name = words.next();
    let more = words.next().is_some();
    if first != "profile" {
        // `[profilex a]`: botocore only checks that the header starts with `profile`.
        return match name {
            Some(_) if !more => Header::Skipped(NOT_PREFIX),
            _ => Header::Other,
        };
    }
    match name {
        None => Header::Skipped(NO_NAME),
        Some(_) if more && header.contains(']') => Header::Skipped(LAST_BRACKET),
        Some(_) if more => Header::Skipped(SPACES),
        // Whitespace other than a space or tab: botocore keeps it in the name, aws-config trims it.
        Some(name) if has_whitespace(name) => Header::Skipped(SPACES),
        Some(name) => Header::Profile(name, name == "default"),
    }
}

fn first_word(s: &str) -> &str {
    trim_ws(s).split([' ', '\t']).next().unwrap_or_default()
}

fn has_whitespace(s: &str) -> bool {
    if s.is_ascii() {
        s.bytes().any(|b| b.is_ascii_whitespace() || b == 0x0b)
    } else {
        s.chars().any(char::is_whitespace)
    }
}

fn valid_identifier(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_-/.%@:+".contains(&b))
}

/// Trim, and cut a trailing comment at the first `#`/`;` that follows whitespace.
fn prepare_line(line: &str) -> &str {
    let line = trim_ws(line);
    if line.is_ascii() {
        let mut prev_whitespace = false;
        for (i, &c) in line.as_bytes().iter().enumerate() {
            if (c == b'#' || c == b';') && prev_whitespace {
                return trim_ws(&line[..i]);
            }
            prev_whitespace = c.is_ascii_whitespace() || c == 0x0b;
        }
        return line;
    }
    let mut prev_whitespace = false;
    for (i, c) in line.char_indices() {
        if COMMENT.contains(&c) && prev_whitespace {
            return trim_ws(&line[..i]);
        }
        prev_whitespace = c.is_whitespace();
    }
    line
}

/// The syntax check of a property line, without scanning its value: split at the first `=`,
/// unless a comment starts before it (then there is no `=`, as far as the SDKs are concerned).
fn check_property(line: &str) -> Result<(&str, &str), &'static str> {
    let mut prev_whitespace = false;
    for (i, &c) in line.as_bytes().iter().enumerate() {
        match c {
            b'=' => {
                let key = trim_ws(&line[..i]);
                return if key.is_empty() {
                    Err("a property has no name")
                } else {
                    Ok((key, &line[i + 1..]))
                };
            }
            b'#' | b';' if prev_whitespace => return Err("expected `key = value`"),
            // Unicode whitespace also starts a comment: leave such keys to the char-wise check.
            0x80.. => return check_property_chars(line),
            _ => prev_whitespace = c.is_ascii_whitespace() || c == 0x0b,
        }
    }
    Err("expected `key = value`")
}

fn check_property_chars(line: &str) -> Result<(&str, &str), &'static str> {
    let eq = line.find('=').ok_or("expected `key = value`")?;
    let key_part = &line[..eq];
    let mut prev_whitespace = false;
    for c in key_part.chars() {
        if COMMENT.contains(&c) && prev_whitespace {
            return Err("expected `key = value`");
        }
        prev_whitespace = c.is_whitespace();
    }
    let key = trim_ws(key_part);
    if key.is_empty() {
        return Err("a property has no name");
    }
    Ok((key, &line[eq + 1..]))
}

/// A value that is only a comment (`key = # note`) is empty to the SDKs.
fn value_is_comment(value: &str) -> bool {
    let t = trim_start_ws(value);
    t.len() < value.len() && t.starts_with(COMMENT)
}

fn parse_property(line: &str) -> Result<(&str, &str), String> {
    let line = prepare_line(line);
    let (k, v) = line.split_once('=').ok_or("expected `key = value`")?;
    let k = trim_ws(k);
    if k.is_empty() {
        return Err("a property has no name".into());
    }
    Ok((k, trim_ws(v)))
}

/// Parse a section body (already checked by `scan`) into `keys`; later keys win.
fn parse_body(body: &str, keys: &mut HashMap<String, String>) {
    let mut current: Option<String> = None;
    for line in body.lines() {
        if trim_ws(line).is_empty() || line.starts_with(COMMENT) {
            continue;
        }
        if line.starts_with(WHITESPACE) {
            if let Some(v) = current.as_ref().and_then(|k| keys.get_mut(k)) {
                v.push('\n');
                v.push_str(trim_ws(line));
            }
            continue;
        }
        let Ok((k, v)) = parse_property(line) else {
            continue;
        };
        let k = k.to_ascii_lowercase();
        if valid_identifier(&k) {
            keys.insert(k.clone(), v.to_owned());
            current = Some(k);
        } else {
            current = None;
        }
    }
}

/// The config or credentials file cannot be read or parsed; the message names the file and
/// the line.
#[derive(Debug)]
pub struct ConfigError {
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read the AWS config: {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

impl crate::error::Explain for ConfigError {
    fn help(&self) -> Option<String> {
        Some("fix the file at the place named; `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` choose other files".into())
    }
}
#[cfg(test)]
mod tests;
