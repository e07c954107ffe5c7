//! `rolecall sso profiles --sso-session NAME`: a profile for every account and role the
//! session's login can reach (`ListAccounts`, `ListAccountRoles`, every page), printed, or
//! written into ~/.aws/config with `--write`.
//!
//! At most 20 requests a second; a 429 is retried after an exponential backoff with jitter.
//! Every section written carries a marker key (`rolecall_generated = SESSION`): `--write`
//! replaces only sections with the marker, `--prune` removes only those of this session that no
//! longer exist, and every other byte of the file (comments, blank lines, hand-written sections)
//! stays as it was. Progress goes to stderr.

use crate::aws::chain::{self, SsoSession};
use crate::aws::config::{self, Profiles};
use crate::aws::env::EnvInputs;
use crate::aws::service::Aws;
use crate::aws::sso::session::Tokens;
use crate::aws::sso::token::TokenStore;
use crate::aws::sso::{Page, SsoCalls, SsoError, SsoFailure, SsoFailureKind};
use crate::cache::{Cache, atomic};
use crate::cli::SsoProfilesArgs;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::prompt::Tty;
use crate::secret::Secret;
use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The key that marks a section this command wrote; its value is the session.
pub const MARKER: &str = "rolecall_generated";
/// 20 requests a second at most, with room for the network's jitter (requests that leave 50 ms
/// apart may arrive closer).
const MIN_GAP: Duration = Duration::from_millis(52);
const MAX_RETRIES: u32 = 8;

pub fn run(ctx: &Context, args: SsoProfilesArgs) -> Result<Zeroizing<Vec<u8>>> {
    let profiles = Profiles::load(ctx)?;
    let session =
        chain::named_sso_session(&profiles, &args.sso_session, &EnvInputs::from_context(ctx))?;
    let cache = Cache::from_context(ctx, false)?;
    let aws = Aws::default();
    let tokens = Tokens {
        ctx,
        store: TokenStore::new(ctx)?,
        cache: &cache,
        login: Default::default(),
    };
    let token = tokens.token(&session, "", &aws, &mut Tty::default(), None)?;
    let mut lister = Lister {
        calls: &aws,
        session: &session,
        token: &token.access_token,
        last: None,
        requests: 0,
        throttled: 0,
    };
    let started = Instant::now();
    let found = lister.everything()?;
    let _ = writeln!(
        std::io::stderr(),
        "rolecall: {} accounts, {} roles: {} requests ({} throttled) in {:.1} s",
        found.accounts,
        found.roles.len(),
        lister.requests,
        lister.throttled,
        started.elapsed().as_secs_f64()
    );
    let sections = render(&found.roles, &args, &session);
    if !args.write {
        let text: String = sections
            .values()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n");
        return Ok(Zeroizing::new(text.into_bytes()));
    }
    let path = config::file_paths(ctx)?[0].clone();
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    let old = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(Error::Io {
                what: format!("cannot read {}", path.display()),
                source,
            });
        }
    };
    let (new, report) = merge(
        &old,
        &sections,
        session.name.as_deref().unwrap_or(""),
        args.prune,
    );
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("config");
    atomic::write(dir, name, new.as_bytes()).map_err(|source| Error::Io {
        what: format!("cannot write {}", path.display()),
        source,
    })?;
    Ok(Zeroizing::new(
        format!(
            "{}: {} added, {} updated, {} removed, {} left alone (written by hand)\n",
            path.display(),
            report.added,
            report.updated,
            report.removed,
            report.kept
        )
        .into_bytes(),
    ))
}

/// One role of one account.
#[derive(Debug, Clone)]
struct Role {
    account_id: String,
    account_name: String,
    role_name: String,
}

struct Found {
    accounts: usize,
    roles: Vec<Role>,
}

struct Lister<'a> {
    calls: &'a dyn SsoCalls,
    session: &'a SsoSession,
    token: &'a Secret<String>,
    last: Option<Instant>,
    requests: usize,
    throttled: usize,
}

impl Lister<'_> {
    /// One request, paced to 20 a second, with a jittered exponential backoff on 429.
    fn call<T>(
        &mut self,
        what: &str,
        mut f: impl FnMut() -> Result<Page<T>, SsoFailure>,
    ) -> Result<Page<T>> {
        let mut attempt = 0;
        loop {
            if let Some(last) = self.last {
                let gap = last.elapsed();
                if gap < MIN_GAP {
                    std::thread::sleep(MIN_GAP - gap);
                }
            }
            self.last = Some(Instant::now());
            self.requests += 1;
            match f() {
                Ok(page) => return Ok(page),
                Err(e) if e.kind == SsoFailureKind::Throttled && attempt < MAX_RETRIES => {
                    self.throttled += 1;
                    let base = 100u64 << attempt.min(6);
                    std::thread::sleep(Duration::from_millis(base / 2 + jitter(base)));
                    attempt += 1;
                }
                Err(e) => {
                    return Err(SsoError::Call {
                        what: what.to_owned(),
                        session: self.session.describe(),
                        failure: e.kind,
                        message: e.message,
                    }
                    .into());
                }
            }
        }
    }

    fn everything(&mut self) -> Result<Found> {
        let (calls, session, token) = (self.calls, self.session, self.token);
        let mut accounts = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = self.call("ListAccounts", || {
                calls.list_accounts(session, token, next.as_deref())
            })?;
            accounts.extend(page.items);
            match page.next {
                Some(n) => next = Some(n),
                None => break,
            }
        }
        let mut roles = Vec::new();
        for (i, a) in accounts.iter().enumerate() {
            let mut next: Option<String> = None;
            loop {
                let what = format!("ListAccountRoles for account {}", a.id);
                let page = self.call(&what, || {
                    calls.list_account_roles(session, token, &a.id, next.as_deref())
                })?;
                roles.extend(page.items.into_iter().map(|role_name| Role {
                    account_id: a.id.clone(),
                    account_name: a.name.clone(),
                    role_name,
                }));
                match page.next {
                    Some(n) => next = Some(n),
                    None => break,
                }
            }
            if (i + 1) % 25 == 0 || i + 1 == accounts.len() {
                let _ = writeln!(
                    std::io::stderr(),
                    "rolecall: listed the roles of {} of {} accounts",
                    i + 1,
                    accounts.len()
                );
            }
        }
        Ok(Found {
            accounts: accounts.len(),
            roles,
        })
    }
}

/// Up to `max` ms, from the system's random source (0 when it cannot be read).
fn jitter(max: u64) -> u64 {
    let mut b = [0u8; 8];
    if getrandom::getrandom(&mut b).is_err() || max == 0 {
        return 0;
    }
    u64::from_le_bytes(b) % max
}

/// A profile name from the template, with what would break a section header, a shell or a
/// file name replaced by `-`.
fn profile_name(template: &str, role: &Role) -> String {
    let raw = template
        .replace("{account_name}", &role.account_name)
        .replace("{account_id}", &role.account_id)
        .replace("{role_name}", &role.role_name);
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let keep = c.is_ascii_alphanumeric() || "._-+@".contains(c);
        let c = if keep { c } else { '-' };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out.trim_matches('-').to_owned()
}

/// Each profile's section text, by name. Every role whose name another role shares after
/// sanitizing gets the account id appended, all of them alike: a name never depends on the
/// order the portal lists accounts in, so a re-run never points a profile at another account.
fn render(
    roles: &[Role],
    args: &SsoProfilesArgs,
    session: &SsoSession,
) -> BTreeMap<String, String> {
    let session_name = session.name.as_deref().unwrap_or("");
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for r in roles {
        *uses.entry(profile_name(&args.name, r)).or_default() += 1;
    }
    let mut out = BTreeMap::new();
    for r in roles {
        let mut name = profile_name(&args.name, r);
        if name.is_empty() || uses.get(&name).is_some_and(|n| *n > 1) {
            name = profile_name(&format!("{}-{{account_id}}", args.name), r);
        }
        let mut text = format!(
            "[profile {name}]\nsso_session = {session_name}\nsso_account_id = {}\nsso_role_name = {}\n",
            r.account_id, r.role_name
        );
        if let Some(region) = &args.region {
            text.push_str(&format!("region = {region}\n"));
        }
        text.push_str(&format!("{MARKER} = {session_name}\n"));
        out.insert(name, text);
    }
    out
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct MergeReport {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    /// Hand-written sections with a generated profile's name: left as they are.
    pub kept: usize,
}

/// One section of a config file as text: its header line (empty for the lines before the first
/// section), its body, and the comments and blank lines that end it (they belong to what
/// follows, so they survive a replacement).
struct Section<'a> {
    header: &'a str,
    body: Vec<&'a str>,
    tail: Vec<&'a str>,
}

fn sections(text: &str) -> Vec<Section<'_>> {
    let mut out = vec![Section {
        header: "",
        body: Vec::new(),
        tail: Vec::new(),
    }];
    for line in text.split_inclusive('\n') {
        if line.starts_with('[') {
            out.push(Section {
                header: line,
                body: Vec::new(),
                tail: Vec::new(),
            });
            continue;
        }
        let s = out.last_mut().expect("one section at least");
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            s.tail.push(line);
        } else {
            s.body.append(&mut s.tail);
            s.body.push(line);
        }
    }
    out
}

fn profile_of(header: &str) -> Option<&str> {
    let inner = header.trim().strip_prefix('[')?.split(']').next()?;
    let mut words = inner.split_whitespace();
    (words.next()? == "profile").then(|| words.next()).flatten()
}

/// The key of a property line (`key = value`, not indented); `None` for anything else.
fn key_of(line: &str) -> Option<&str> {
    if line.starts_with([' ', '\t']) {
        return None;
    }
    let (k, _) = line.split_once('=')?;
    Some(k.trim())
}

/// Our section `s` brought up to date with `text` (the generated section): its header line as
/// it was (a comment on it stays), the generated keys, then every line of the old body that is
/// not one of those keys (a key, comment or nested block added by hand stays).
fn replace(out: &mut String, s: &Section<'_>, text: &str) {
    let mut generated = text.split_inclusive('\n');
    let _new_header = generated.next();
    let generated: Vec<&str> = generated.collect();
    let owned: Vec<&str> = generated.iter().filter_map(|l| key_of(l)).collect();
    out.push_str(s.header);
    generated.iter().for_each(|l| out.push_str(l));
    for l in &s.body {
        if !key_of(l).is_some_and(|k| owned.contains(&k)) {
            out.push_str(l);
        }
    }
}

fn marker_of<'a>(body: &[&'a str]) -> Option<&'a str> {
    body.iter().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == MARKER).then(|| v.trim())
    })
}

/// `old` with the generated sections put in: ours replaced in place, new ones appended, ours of
/// this session that are gone removed when `prune`; every other line as it was.
pub fn merge(
    old: &str,
    generated: &BTreeMap<String, String>,
    session: &str,
    prune: bool,
) -> (String, MergeReport) {
    let mut report = MergeReport::default();
    let mut placed = std::collections::BTreeSet::new();
    let mut out = String::with_capacity(old.len() + generated.len() * 128);
    for s in sections(old) {
        let name = profile_of(s.header);
        let ours = marker_of(&s.body) == Some(session);
        match (name, ours) {
            (Some(name), true) => {
                if let Some(text) = generated.get(name) {
                    replace(&mut out, &s, text);
                    report.updated += 1;
                    placed.insert(name.to_owned());
                } else if prune {
                    report.removed += 1;
                } else {
                    out.push_str(s.header);
                    s.body.iter().for_each(|l| out.push_str(l));
                }
            }
            _ => {
                if let Some(name) = name.filter(|n| generated.contains_key(*n)) {
                    report.kept += 1;
                    placed.insert(name.to_owned());
                }
                out.push_str(s.header);
                s.body.iter().for_each(|l| out.push_str(l));
            }
        }
        s.tail.iter().for_each(|l| out.push_str(l));
    }
    for (name, text) in generated {
        if !placed.contains(name) {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(text);
            report.added += 1;
        }
    }
    (out, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(account: &str, role: &str) -> Role {
        Role {
            account_id: "123456789012".into(),
            account_name: account.into(),
            role_name: role.into(),
        }
    }

    #[test]
    fn names_are_sanitized() {
        let t = "{account_name}-{role_name}";
        assert_eq!(
            profile_name(t, &role("Prod [EU]", "Admin")),
            "Prod-EU-Admin"
        );
        assert_eq!(
            profile_name(t, &role("a$(rm -rf)`x`", "R;w")),
            "a-rm-rf-x-R-w"
        );
        assert_eq!(
            profile_name("{account_id}", &role("x", "y")),
            "123456789012"
        );
    }

    #[test]
    fn merge_keeps_every_other_byte() {
        let old = "# top comment\n[default]\nregion = eu-west-1 # keep\n\n\
                   [profile a]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\nrolecall_generated = corp\n\n\
                   # about gone\n[profile gone]\nsso_session = corp\nrolecall_generated = corp\n\
                   [profile b]\n# hand-written\nregion = x\n\
                   [profile other]\nrolecall_generated = another\n";
        let mut generated = BTreeMap::new();
        let gen_a = "[profile a]\nsso_session = corp\nsso_account_id = 9\nsso_role_name = R\nrolecall_generated = corp\n";
        generated.insert("a".to_owned(), gen_a.to_owned());
        generated.insert("b".to_owned(), "[profile b]\nnew = 2\n".to_owned());
        generated.insert("c".to_owned(), "[profile c]\nnew = 3\n".to_owned());
        let (kept, r) = merge(old, &generated, "corp", false);
        assert_eq!(
            r,
            MergeReport {
                added: 1,
                updated: 1,
                removed: 0,
                kept: 1
            }
        );
        assert!(kept.contains("[profile gone]"));
        let (new, r) = merge(old, &generated, "corp", true);
        assert_eq!(
            r,
            MergeReport {
                added: 1,
                updated: 1,
                removed: 1,
                kept: 1
            }
        );
        assert_eq!(
            new,
            "# top comment\n[default]\nregion = eu-west-1 # keep\n\n\
             [profile a]\nsso_session = corp\nsso_account_id = 9\nsso_role_name = R\nrolecall_generated = corp\n\n\
             # about gone\n\
             [profile b]\n# hand-written\nregion = x\n\
             [profile other]\nrolecall_generated = another\n\
             [profile c]\nnew = 3\n"
        );
    }

    /// `--write` once replaced a generated section whole: a comment, a key or a nested block
    /// added by hand went, and so did a comment on its header line.
    #[test]
    fn an_update_keeps_what_was_added_by_hand() {
        let old = "[profile a] ; prod, careful\nsso_session = corp\n# my note\nsso_account_id = 1\n\
                   region = eu-west-1\ns3 =\n  max_concurrent_requests = 20\nsso_role_name = R\n\
                   rolecall_generated = corp\n";
        let mut generated = BTreeMap::new();
        generated.insert(
            "a".to_owned(),
            "[profile a]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Admin\nrolecall_generated = corp\n"
                .to_owned(),
        );
        let (new, r) = merge(old, &generated, "corp", true);
        assert_eq!(r.updated, 1);
        assert_eq!(
            new,
            "[profile a] ; prod, careful\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Admin\n\
             rolecall_generated = corp\n# my note\nregion = eu-west-1\ns3 =\n  max_concurrent_requests = 20\n"
        );
    }

    /// Two accounts that sanitize to one name both get the account id, in any listing order.
    #[test]
    fn colliding_names_do_not_depend_on_the_listing_order() {
        let one = Role {
            account_id: "111111111111".into(),
            account_name: "Prod EU".into(),
            role_name: "Admin".into(),
        };
        let two = Role {
            account_id: "222222222222".into(),
            account_name: "Prod-EU".into(),
            role_name: "Admin".into(),
        };
        let args = SsoProfilesArgs {
            sso_session: "corp".into(),
            name: "{account_name}-{role_name}".into(),
            region: None,
            write: false,
            prune: false,
        };
        let session = SsoSession {
            name: Some("corp".into()),
            start_url: "https://d-example.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            scopes: None,
            oidc_endpoint: None,
            portal_endpoint: None,
        };
        let names = |roles: &[Role]| -> Vec<String> {
            render(roles, &args, &session).into_keys().collect()
        };
        let a = names(&[one.clone(), two.clone()]);
        assert_eq!(a, names(&[two, one]));
        assert_eq!(
            a,
            ["Prod-EU-Admin-111111111111", "Prod-EU-Admin-222222222222"]
        );
    }
}
