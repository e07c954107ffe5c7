//! The reader against aws-config's own loader, as an oracle, on a corpus of awkward files; and
//! the rules one by one.

use super::*;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::os_shim_internal::{Env, Fs};
use std::collections::BTreeSet;
use std::future::Future;
use std::pin::pin;
use std::task::{Poll, Waker};

fn oracle(config: &str, credentials: &str) -> Option<aws_config::profile::ProfileSet> {
    let files = EnvConfigFiles::builder()
        .with_contents(EnvConfigFileKind::Config, config)
        .with_contents(EnvConfigFileKind::Credentials, credentials)
        .build();
    let (fs, env) = (Fs::from_slice(&[]), Env::from_slice(&[]));
    let mut fut = pin!(aws_config::profile::load(&fs, &env, &files, None));
    match fut
        .as_mut()
        .poll(&mut std::task::Context::from_waker(Waker::noop()))
    {
        Poll::Ready(r) => r.ok(),
        Poll::Pending => panic!("aws-config's loader did I/O asynchronously"),
    }
}

const CORPUS: &[(&str, &str, &str)] = &[
    (
        "plain",
        "[default]\nregion = us-east-1\n[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = default\n",
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
    ),
    (
        "comments",
        "# top\n; top\n[profile a] # trailing\nk1 = v1 # comment\nk2 = v2#not-comment\nk3 = v3 ;comment\nk4 = v4;not\n[profile b];x\nk = 1\n",
        "",
    ),
    (
        "unicode space before hash",
        "[profile a]\nk = a\u{a0}# c\nj = é # c\n",
        "",
    ),
    (
        "continuations and sub-properties",
        "[profile a]\ns3 =\n  max_concurrent_requests = 10\n  addressing_style = path\nk = first\n  second\n\tthird\nafter = x\n",
        "",
    ),
    (
        "indented comment is a continuation",
        "[profile a]\nk = v\n  # not a comment\n",
        "",
    ),
    (
        "case of keys",
        "[profile a]\nAWS_Access_Key_ID = X\nRegion = eu-west-1\n",
        "",
    ),
    (
        "both defaults",
        "[default]\nregion = from-bare\nonly_bare = 1\n[profile default]\nregion = from-prefixed\n",
        "",
    ),
    (
        "bare default only",
        "[default]\nregion = r\n",
        "[default]\nregion = creds\n",
    ),
    (
        "credentials prefixes ignored",
        "",
        "[profile x]\nk = 1\n[y]\nk = 2\n[default]\nk = 3\n",
    ),
    (
        "config sections without prefix ignored",
        "[x]\nk = 1\n[profile y]\nk = 2\n",
        "",
    ),
    (
        "invalid names and keys ignored",
        "[profile a b]\nk = 1\n[profile ok]\nbad key = 1\ngood-key = 2\nk!=3\n",
        "[has space]\nk = 1\n",
    ),
    (
        "duplicate sections merge, later wins",
        "[profile a]\nk = 1\nj = 1\n[profile b]\nk = b\n[profile a]\nk = 2\n",
        "[a]\nj = creds\n",
    ),
    (
        "whitespace in headers",
        "[profile   spaced ]\nk = 1\n[profile\ttabbed]\nk = 2\n",
        "[padded]  \nk = 3\n",
    ),
    (
        "crlf",
        "[profile a]\r\nk = v\r\nj = w \r\n",
        "[a]\r\nz = 1\r\n",
    ),
    (
        "other sections",
        "[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\n[services dev]\ns3 =\n  endpoint_url = http://localhost\n[profile a]\nsso_session = corp\n",
        "",
    ),
    (
        "values",
        "[profile a]\nempty =\neq = a=b=c\nspaces =   x   y   \nquote = 'q' \"d\"\n",
        "",
    ),
    (
        "comment-only value opens sub-properties",
        "[profile a]\ns3 = # note\n  k = v\nt =#x\n",
        "",
    ),
    ("comment in the key part", "[profile a]\nk #x = v\n", ""),
    (
        "comment in the key part, no space",
        "[profile a]\nk#x = v\n",
        "",
    ),
    (
        "nbsp before comment in value",
        "[profile a]\nk =\u{a0}# x\n",
        "",
    ),
    (
        "nbsp before comment in key",
        "[profile a]\nk\u{a0}#x = v\n",
        "",
    ),
    (
        "vertical tab before comment in key",
        "[profile a]\nk\u{b}#x = v\n",
        "",
    ),
    (
        "no trailing newline",
        "[profile a]\nk = v",
        "[a]\r\nj = w\r",
    ),
    (
        "odd but valid names",
        "[profile we%ird@x:y+z/w.v-u_]\nk = 1\n",
        "",
    ),
    ("error: property before section", "k = v\n[profile a]\n", ""),
    ("error: continuation first", "[profile a]\n  k = v\n", ""),
    ("error: unclosed section", "[profile a\nk = v\n", ""),
    ("error: no equals", "[profile a]\njust words\n", ""),
    ("error: no name", "[profile a]\n= v\n", ""),
    (
        "error: bad sub-property",
        "[profile a]\ns3 =\n  nonsense\n",
        "",
    ),
    ("error in credentials", "[profile a]\nk = v\n", "[a\n"),
    ("error: byte-order mark", "\u{feff}[profile a]\nk = v\n", ""),
];

fn candidate_keys() -> BTreeSet<String> {
    let mut keys: BTreeSet<String> = [
        "region",
        "k",
        "j",
        "z",
        "k1",
        "k2",
        "k3",
        "k4",
        "s3",
        "after",
        "aws_access_key_id",
        "only_bare",
        "good-key",
        "bad key",
        "empty",
        "eq",
        "spaces",
        "quote",
        "sso_session",
        "role_arn",
        "source_profile",
        "aws_secret_access_key",
        "k!",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (_, c, r) in CORPUS {
        for line in c.lines().chain(r.lines()) {
            if let Some((k, _)) = line.split_once('=') {
                keys.insert(k.trim().to_ascii_lowercase());
            }
        }
    }
    keys
}

#[test]
fn agrees_with_aws_config_on_the_corpus() {
    let keys = candidate_keys();
    let mut failures = Vec::new();
    let (mut parsed, mut errors) = (0, 0);
    for (name, config, credentials) in CORPUS {
        let theirs = oracle(config, credentials);
        let ours = Profiles::parse(config, credentials);
        match (&theirs, &ours) {
            (None, Err(_)) => errors += 1,
            (Some(_), Err(e)) => failures.push(format!("{name}: we fail ({e}), aws-config parses")),
            (None, Ok(_)) => failures.push(format!("{name}: aws-config fails, we parse")),
            (Some(theirs), Ok(ours)) => {
                parsed += 1;
                let their_names: BTreeSet<&str> = theirs.profiles().collect();
                let our_names: BTreeSet<&str> = ours.names().into_iter().collect();
                if their_names != our_names {
                    failures.push(format!(
                        "{name}: profiles {their_names:?} vs ours {our_names:?}"
                    ));
                    continue;
                }
                for p in their_names {
                    let (t, o) = (theirs.get_profile(p).unwrap(), ours.get(p).unwrap());
                    for k in &keys {
                        if t.get(k) != o.raw(k) {
                            failures.push(format!(
                                "{name}: [{p}] {k}: {:?} vs ours {:?}",
                                t.get(k),
                                o.raw(k)
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!((parsed, errors), (21, 11), "every case was compared");
}

/// Where rolecall deliberately reads a file differently from aws-config: (case, config,
/// credentials, our profile names), the reason above each. Each header here is one botocore (the
/// AWS CLI, boto3) and aws-config disagree on; rolecall follows botocore where it can, and
/// otherwise skips the section with a warning (`SECTION_HEADERS` has botocore's reading).
const KNOWN_DIFFERENCES: &[(&str, &str, &str, &[&str])] = &[
    // botocore has no comments on a section line, so `;` and `#` are part of the name;
    // aws-config cuts the line there, finds no `]` and refuses the whole file.
    ("`;` in a name", "[profile a;b]\nk = 1\n", "", &["a;b"]),
    ("`#` in a name", "[profile a#b]\nk = 1\n", "", &["a#b"]),
    (
        "a name starting with `#`",
        "[profile #a]\nk = 1\n",
        "",
        &["#a"],
    ),
    ("`;` in a credentials name", "", "[a;b]\nk = 1\n", &["a;b"]),
    // botocore ignores what follows the last `]`; aws-config refuses the file.
    ("text after the `]`", "[profile a] x\nk = 1\n", "", &["a"]),
    // botocore takes any name without whitespace; aws-config ignores names outside
    // `A-Za-z0-9_-/.%@:+`, silently as far as the user can see.
    (
        "non-ASCII names",
        "[profile prød]\nk = 1\n",
        "[bær]\nk = 1\n",
        &["bær", "prød"],
    ),
    ("`=` in a name", "[profile a=b]\nk = 1\n", "", &["a=b"]),
    ("`$` in a name", "[profile c$]\nk = 1\n", "", &["c$"]),
    // botocore's header runs to the last `]`.
    ("`]` in a name", "[profile a]]\nk = 1\n", "", &["a]"]),
    // ... so a `]` in a trailing comment makes the name several words: botocore has no such
    // profile, aws-config has `a`; rolecall skips it with a warning.
    (
        "`]` in a trailing comment",
        "[profile a] # see [x]\nk = 1\n",
        "",
        &[],
    ),
    // botocore does not trim the header: `[ profile a ]` is no profile to it, `[  padded ]` in
    // the credentials file is the profile `  padded `; aws-config trims them to `a` and `padded`.
    // rolecall skips both with a warning.
    (
        "spaces inside the brackets",
        "[ profile a ]\nk = 1\n[ default ]\nk = 2\n",
        "[  padded ]\nk = 3\n",
        &[],
    ),
    // Whitespace beyond space and tab: botocore keeps it in the name, aws-config trims it.
    (
        "no-break space after a name",
        "[profile a\u{a0}]\nk = 1\n",
        "",
        &[],
    ),
];

#[test]
fn known_differences_from_aws_config_are_still_differences() {
    for (case, config, credentials, expected) in KNOWN_DIFFERENCES {
        let ours = Profiles::parse(config, credentials)
            .unwrap_or_else(|e| panic!("{case}: we fail ({e})"));
        assert_eq!(ours.names(), *expected, "{case}");
        for p in *expected {
            assert_eq!(ours.get(p).unwrap().raw("k"), Some("1"), "{case} [{p}]");
        }
        // When aws-config comes to agree, the entry (and any warning for it) can go.
        if let Some(theirs) = oracle(config, credentials) {
            let theirs: BTreeSet<&str> = theirs.profiles().collect();
            let ours: BTreeSet<&str> = ours.names().into_iter().collect();
            assert_ne!(theirs, ours, "{case}: aws-config now agrees");
        }
    }
}

/// `[sso-session NAME]` sections are read as aws-config reads them: the same names, the same keys.
#[test]
fn sso_sessions_agree_with_aws_config() {
    let config = "[sso-session corp]\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_region = eu-west-1 # c\nsso_registration_scopes = sso:account:access, codewhisperer:completions\n\
                  [profile a]\nsso_session = corp\n[sso-session  spaced ]\nk = 1\n[sso-session two words]\nk = 2\n\
                  [sso-session corp]\nsso_region = us-east-2\n";
    let ours = Profiles::parse(config, "").unwrap();
    let theirs = oracle(config, "").expect("aws-config reads it");
    for name in ["corp", "spaced", "two", "missing"] {
        let (o, t) = (ours.sso_session(name), theirs.sso_session(name));
        assert_eq!(o.is_some(), t.is_some(), "[sso-session {name}]");
        if let (Some(o), Some(t)) = (o, t) {
            for key in [
                "sso_start_url",
                "sso_region",
                "sso_registration_scopes",
                "k",
            ] {
                assert_eq!(o.get(key), t.get(key), "[sso-session {name}] {key}");
            }
        }
    }
    assert_eq!(ours.sso_session_names(), ["corp", "spaced"]);
}

/// A deliberate difference in what is made of the keys, not of the file: a profile that names
/// an `sso_session` and repeats its `sso_start_url` or `sso_region` with the same value.
/// botocore (so the AWS CLI and boto3) accepts it, and rolecall follows botocore; aws-config
/// refuses any repetition ("`sso_start_url` can only be specified in the [sso-session] config
/// when a session name is given"). Different values are an error naming both in rolecall (and
/// in botocore). This test fails when aws-config comes to accept the equal repetition.
#[test]
fn an_sso_profile_repeating_its_sessions_values_is_botocores_not_aws_configs() {
    use aws_config::profile::ProfileFileCredentialsProvider;
    use aws_credential_types::provider::ProvideCredentials;
    let config = "[sso-session corp]\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_region = eu-west-1\n\
                  [profile s]\nsso_session = corp\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_account_id = 123456789012\nsso_role_name = Admin\n";
    let ours = Profiles::parse(config, "").unwrap();
    let plan = crate::aws::chain::resolve(&ours, "s", &Default::default());
    assert!(plan.is_ok(), "rolecall accepts it: {:?}", plan.err());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, config).unwrap();
    let files = EnvConfigFiles::builder()
        .with_file(EnvConfigFileKind::Config, &path)
        .build();
    let provider = ProfileFileCredentialsProvider::builder()
        .profile_files(files)
        .profile_name("s")
        .build();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt
        .block_on(provider.provide_credentials())
        .expect_err("aws-config refuses the repetition");
    let text = format!(
        "{}",
        aws_smithy_types::error::display::DisplayErrorContext(&err)
    );
    assert!(text.contains("can only be specified"), "{text}");
}

/// Section headers, and what botocore 1.44.8 makes of each (`raw_config_parse`, then
/// `build_profile_map` for the config file; observed, and compared again by
/// tests/it/config_hardening.rs when the test venv is there): (in the credentials file, header,
/// botocore's profile, rolecall's profile, rolecall's reason for skipping it).
type HeaderCase = (
    bool,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);
const SECTION_HEADERS: &[HeaderCase] = &[
    (false, "[profile a;b]", Some("a;b"), Some("a;b"), None),
    (false, "[profile a#b]", Some("a#b"), Some("a#b"), None),
    (false, "[profile a] ; comment", Some("a"), Some("a"), None),
    (false, "[profile a] # comment", Some("a"), Some("a"), None),
    (false, "[profile a];x", Some("a"), Some("a"), None),
    (false, "[profile a] x", Some("a"), Some("a"), None),
    (false, "[profile prød]", Some("prød"), Some("prød"), None),
    (false, "[profile a=b]", Some("a=b"), Some("a=b"), None),
    (false, "[profile a]]", Some("a]"), Some("a]"), None),
    (false, "[profile #a]", Some("#a"), Some("#a"), None),
    (false, "[profile\ta]", Some("a"), Some("a"), None),
    (false, "[profile  a ]", Some("a"), Some("a"), None),
    (false, "[default] x", Some("default"), Some("default"), None),
    (false, "[sso-session corp]", None, None, None),
    (false, "[profile-x]", None, None, None),
    (false, "[profile\u{a0}a]", None, None, None),
    // botocore unquotes as a shell would (`"a b"` is `a b`, `a\b` is `ab`); aws-config ignores.
    (false, "[profile \"a b\"]", Some("a b"), None, Some(QUOTES)),
    (false, "[profile 'a']", Some("a"), None, Some(QUOTES)),
    (false, "[profile a\\b]", Some("ab"), None, Some(QUOTES)),
    (false, "[profile a\"b]", None, None, Some(QUOTES)),
    (false, "[profile a b]", None, None, Some(SPACES)),
    (false, "[profile a] x]", None, None, Some(LAST_BRACKET)),
    (
        false,
        "[profile a] # see [x]",
        None,
        None,
        Some(LAST_BRACKET),
    ),
    (
        false,
        "[profile a\u{a0}]",
        Some("a\u{a0}"),
        None,
        Some(SPACES),
    ),
    (
        false,
        "[profile a\u{a0}b]",
        Some("a\u{a0}b"),
        None,
        Some(SPACES),
    ),
    (false, "[profile]", None, None, Some(NO_NAME)),
    (false, "[profile ]", None, None, Some(NO_NAME)),
    // botocore only checks that the header starts with `profile`.
    (false, "[profilex a]", Some("a"), None, Some(NOT_PREFIX)),
    (false, "[ profile a ]", None, None, Some(PADDED)),
    (false, "[ default ]", None, None, Some(PADDED)),
    (false, "[default ]", None, None, Some(PADDED)),
    (true, "[a;b]", Some("a;b"), Some("a;b"), None),
    (true, "[a#b]", Some("a#b"), Some("a#b"), None),
    (true, "[prød]", Some("prød"), Some("prød"), None),
    (true, "[\"a\"]", Some("\"a\""), Some("\"a\""), None),
    (true, "[a] x", Some("a"), Some("a"), None),
    (true, "[a b]", Some("a b"), None, Some(SPACES)),
    (true, "[ a ]", Some(" a "), None, Some(SPACES)),
    (true, "[a\u{a0}]", Some("a\u{a0}"), None, Some(SPACES)),
    (
        true,
        "[profile a]",
        Some("profile a"),
        None,
        Some(PREFIX_IN_CREDENTIALS),
    ),
];

#[test]
fn one_odd_section_header_skips_one_section_not_the_file() {
    // `[profile a;b]` refused the whole config and `prød` was invisible; the AWS CLI reads both.
    for &(in_credentials, header, _, name, why) in SECTION_HEADERS {
        let config = format!("[profile before]\nk = 0\n{header}\nk = 1\n[profile after]\nk = 2\n");
        let credentials = format!("[before]\nk = 0\n{header}\nk = 1\n[after]\nk = 2\n");
        let p = if in_credentials {
            Profiles::parse("", &credentials)
        } else {
            Profiles::parse(&config, "")
        }
        .unwrap_or_else(|e| panic!("{header}: {e}"));
        let mut expected: Vec<&str> = ["after", "before"].into_iter().chain(name).collect();
        expected.sort_unstable();
        assert_eq!(p.names(), expected, "{header}");
        let keys = [("before", "0"), ("after", "2")];
        for (n, k) in keys.into_iter().chain(name.map(|n| (n, "1"))) {
            assert_eq!(p.get(n).unwrap().raw("k"), Some(k), "{header} [{n}]");
        }
        let file = if in_credentials {
            "credentials"
        } else {
            "config"
        };
        let shown = &header[..=header.rfind(']').unwrap()];
        let warnings: Vec<String> = why
            .map(|why| format!("{file} line 3: section `{shown}` skipped: {why}"))
            .into_iter()
            .collect();
        assert_eq!(p.warnings(), warnings, "{header}");
    }
}

#[test]
fn credentials_file_wins_for_keys_in_both() {
    let p = Profiles::parse(
        "[profile a]\nregion = eu-west-1\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\n",
        "[a]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
    )
    .unwrap();
    let a = p.get("a").unwrap();
    assert_eq!(a.get("aws_access_key_id"), Some("AKIAIOSFODNN7EXAMPLE"));
    assert_eq!(a.get("region"), Some("eu-west-1"));
}

#[test]
fn default_section_forms() {
    let p = Profiles::parse(
        "[default]\nregion = us-west-2\n[profile x]\nregion = a\n",
        "",
    )
    .unwrap();
    assert_eq!(p.get("default").unwrap().get("region"), Some("us-west-2"));
    assert_eq!(p.names(), vec!["default", "x"]);
}

#[test]
fn bad_syntax_names_the_line() {
    let e = Profiles::parse("[profile x]\nregion = a\n[profile y\n", "").unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot read the AWS config: config line 3: a section line must end with `]`"
    );
}

#[test]
fn a_byte_order_mark_is_named_in_the_error() {
    // A BOM failed line 1 with "expected a section", which hides the cause (the SDKs refuse too).
    let bom = "\u{feff}[profile a]\nregion = eu-west-1\n";
    for (config, credentials, file) in [(bom, "", "config"), ("", bom, "credentials")] {
        let e = Profiles::parse(config, credentials).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "cannot read the AWS config: {file} starts with a UTF-8 byte-order mark, which \
                 the AWS CLI and SDKs cannot read: save it without one"
            )
        );
    }
}

#[test]
fn keys_are_case_insensitive_and_empty_is_absent() {
    let p = Profiles::parse("[profile a]\nRegion = x\nempty =\n", "").unwrap();
    let a = p.get("a").unwrap();
    assert_eq!(a.get("region"), Some("x"));
    assert_eq!(a.get("REGION"), Some("x"));
    assert_eq!(a.get("empty"), None);
}

/// Random files built from awkward fragments: both readers must agree on every one (and ours
/// must never panic), but for the known differences, which aws-config is given rewritten.
#[test]
fn agrees_with_aws_config_on_random_files() {
    const FRAGMENTS: &[&str] = &[
        "",
        " ",
        "\t",
        "\r",
        "[profile a]",
        "[profile b]",
        "[default]",
        "[profile default]",
        "[a]",
        "[ profile a ]",
        "[profile a",
        "[profile a] ;c",
        "[sso-session s]",
        "k = v",
        "K = V",
        "k=v",
        "k =",
        "k = # c",
        "k = v # c",
        "k = v#c",
        "  sub = 1",
        "  cont",
        "\tcont",
        "  # indented",
        "# comment",
        "; comment",
        "= v",
        "novalue",
        "aws_secret_access_key = s3cr3t",
        "k\u{a0}#x = v",
        "é = v",
        "k = é",
        "region = us-east-1",
        "[profile a;b]",
        "[profile c d]",
        "[profile prød]",
        "[prød]",
    ];
    // The known differences among the fragments (see `KNOWN_DIFFERENCES`): the header aws-config
    // is given instead, which it reads as rolecall reads ours, and the names it then gives.
    const REWRITES: &[(&str, &str)] = &[
        ("[ profile a ]", "[skipped a]"),
        ("[profile a;b]", "[profile a_b]"),
        ("[profile prød]", "[profile prod-x]"),
        ("[prød]", "[prod-x]"),
    ];
    const RENAMES: &[(&str, &str)] = &[("a;b", "a_b"), ("prød", "prod-x")];
    let rewrite = |fragment: &'static str| {
        REWRITES
            .iter()
            .find(|(ours, _)| *ours == fragment)
            .map_or(fragment, |(_, theirs)| theirs)
    };
    let their_name = |ours: &str| -> String {
        RENAMES
            .iter()
            .find(|(o, _)| *o == ours)
            .map_or(ours, |(_, theirs)| theirs)
            .to_owned()
    };
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let keys = ["k", "sub", "region", "aws_secret_access_key", "é"];
    let mut agreed = 0;
    for _ in 0..2000 {
        let mut files = [String::new(), String::new()];
        let mut rewritten = [String::new(), String::new()];
        for (f, r) in files.iter_mut().zip(&mut rewritten) {
            for _ in 0..next(8) {
                let fragment = FRAGMENTS[next(FRAGMENTS.len())];
                let end = ["\n", "\r\n", "\n\n"][next(3)];
                f.push_str(fragment);
                f.push_str(end);
                r.push_str(rewrite(fragment));
                r.push_str(end);
            }
        }
        let theirs = oracle(&rewritten[0], &rewritten[1]);
        let ours = Profiles::parse(&files[0], &files[1]);
        match (&theirs, &ours) {
            (None, Err(_)) => {}
            (Some(t), Ok(o)) => {
                let tn: BTreeSet<String> = t.profiles().map(str::to_owned).collect();
                let on: BTreeSet<String> = o.names().into_iter().map(their_name).collect();
                assert_eq!(tn, on, "{files:?}");
                for p in o.names() {
                    for k in keys {
                        assert_eq!(
                            t.get_profile(&their_name(p)).unwrap().get(k),
                            o.get(p).unwrap().raw(k),
                            "{files:?} [{p}] {k}"
                        );
                    }
                }
            }
            _ => panic!(
                "disagree on {files:?}: aws-config {}, ours {:?}",
                theirs.is_some(),
                ours.as_ref().err()
            ),
        }
        agreed += 1;
    }
    assert_eq!(agreed, 2000);
}

/// `Profiles::load` with the config at `config` and no credentials file, in a thread: a read
/// that blocks fails the test instead of hanging it.
fn load_config_at(config: &std::path::Path) -> Result<Profiles> {
    let env = vec![
        ("AWS_CONFIG_FILE".into(), config.into()),
        (
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            config.with_file_name("no-such-credentials").into(),
        ),
    ];
    let ctx = Context::from_os_env(env);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(Profiles::load(&ctx)));
    rx.recv_timeout(std::time::Duration::from_secs(10))
        .expect("loading the config blocked")
}

fn load_error(config: &std::path::Path) -> String {
    match load_config_at(config) {
        Ok(p) => panic!("{} read as {:?}", config.display(), p.names()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_config_that_is_not_a_readable_file_is_an_error_naming_it() {
    // Each of these hung or read as empty, and the user was told the profile does not exist.
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let says = |p: &std::path::Path, what: &str| {
        assert_eq!(
            load_error(p),
            format!("cannot read the AWS config: {} {what}", p.display())
        );
    };
    std::fs::create_dir(path("dir")).unwrap();
    says(&path("dir"), "is a directory");
    let status = std::process::Command::new("mkfifo")
        .arg(path("fifo"))
        .status()
        .unwrap();
    assert!(status.success());
    says(&path("fifo"), "is a FIFO, not a regular file");
    says(
        std::path::Path::new("/dev/zero"),
        "is a character device, not a regular file",
    );
    std::os::unix::fs::symlink("loop", path("loop")).unwrap();
    says(&path("loop"), "is a symbolic link loop");
    std::os::unix::fs::symlink(path("absent"), path("dangling")).unwrap();
    says(
        &path("dangling"),
        &format!(
            "is a symbolic link to `{}`, which does not exist",
            path("absent").display()
        ),
    );
    // Sparse: the size is checked before anything is read.
    let big = std::fs::File::create(path("big")).unwrap();
    big.set_len((MAX_FILE_MIB << 20) + 1).unwrap();
    says(&path("big"), "is larger than 64 MiB");
    std::fs::write(path("latin1"), b"[profile caf\xe9]\n").unwrap();
    says(&path("latin1"), "is not UTF-8 text");
    if rustix::process::geteuid().is_root() {
        // Root reads mode 000 files; tests/it/config_hardening.rs covers this as `nobody`.
        eprintln!("skipped: the mode 000 case, running as root");
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(path("secret"), "[default]\n").unwrap();
        std::fs::set_permissions(path("secret"), std::fs::Permissions::from_mode(0o000)).unwrap();
        says(&path("secret"), "cannot be read: permission denied");
    }
}

#[test]
fn only_a_missing_file_or_dev_null_is_empty() {
    // `AWS_CONFIG_FILE=/dev/null` is how people say "no config", and it must stay that way.
    let dir = tempfile::tempdir().unwrap();
    for p in [dir.path().join("missing"), "/dev/null".into()] {
        let profiles = load_config_at(&p).unwrap();
        assert!(profiles.is_empty(), "{}", p.display());
    }
    let file = dir.path().join("config");
    std::fs::write(&file, "[profile a]\nregion = eu-west-1\n").unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&file, &link).unwrap();
    assert_eq!(load_config_at(&link).unwrap().names(), vec!["a"]);
}
