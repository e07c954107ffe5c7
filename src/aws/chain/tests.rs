//! Table-driven chain resolution: config text in, plan (or error) out. No network, no files.

use super::*;

const KEYS: &str = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

/// What a case expects, in a compact form: `base` is "static:<profile>", "env:<profile>" or
/// "process:<profile>"; `hops` the role ARNs' names in order.
struct Case {
    name: &'static str,
    config: String,
    credentials: &'static str,
    profile: &'static str,
    expect: Result<(&'static str, &'static [&'static str]), &'static str>,
}

fn case(
    name: &'static str,
    config: &str,
    profile: &'static str,
    expect: Result<(&'static str, &'static [&'static str]), &'static str>,
) -> Case {
    Case {
        name,
        config: config.replace("{KEYS}", KEYS),
        credentials: "",
        profile,
        expect,
    }
}

fn describe_base(b: &Step) -> String {
    match b {
        Step::StaticKeys { profile, .. } => format!("static:{profile}"),
        Step::Environment { profile, .. } => format!("env:{profile}"),
        Step::Process { profile, .. } => format!("process:{profile}"),
        Step::WebIdentity(w) => format!("web:{}", w.profile),
        Step::Container(c) => format!("container:{}", c.profile),
        Step::InstanceMetadata(i) => format!("imds:{}", i.profile),
        Step::Sso(s) => format!("sso:{}", s.profile),
        other => panic!("not a base: {other:?}"),
    }
}

fn hops(plan: &Plan) -> Vec<RoleHop> {
    plan.hops().cloned().collect()
}

/// No environment: what every table case resolves against.
fn no_env() -> EnvInputs {
    EnvInputs::default()
}

fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap()
}

#[test]
fn chain_resolution_table() {
    let cases = vec![
        case(
            "static keys alone",
            "[profile a]\n{KEYS}",
            "a",
            Ok(("static:a", &[])),
        ),
        case(
            "default profile",
            "[default]\n{KEYS}",
            "default",
            Ok(("static:default", &[])),
        ),
        case(
            "one hop",
            "[profile base]\n{KEYS}[profile r]\nrole_arn = arn:aws:iam::123456789012:role/one\nsource_profile = base\n",
            "r",
            Ok(("static:base", &["one"])),
        ),
        case(
            "three hops",
            "[profile base]\n{KEYS}\
             [profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = base\n\
             [profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = a\n\
             [profile c]\nrole_arn = arn:aws:iam::333333333333:role/c\nsource_profile = b\n",
            "c",
            Ok(("static:base", &["a", "b", "c"])),
        ),
        // Regression (issue 6, item 11): rolecall assumed RoleB with C's keys, then RoleA, where
        // botocore and the Rust SDK use B's keys and assume only RoleA.
        case(
            "a source profile's own keys win over its role_arn",
            "[profile c]\n{KEYS}\
             [profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = c\n\
             aws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n\
             [profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = b\n",
            "a",
            Ok(("static:b", &["a"])),
        ),
        case(
            "the profile asked for: source_profile wins over its own keys",
            "[profile c]\n{KEYS}\
             [profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = c\n\
             aws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n",
            "b",
            Ok(("static:c", &["b"])),
        ),
        case(
            "self-sourcing profile uses its own keys",
            "[profile me]\n{KEYS}role_arn = arn:aws:iam::123456789012:role/self\nsource_profile = me\n",
            "me",
            Ok(("static:me", &["self"])),
        ),
        case(
            "self-sourcing in the middle of a chain",
            "[profile me]\n{KEYS}role_arn = arn:aws:iam::123456789012:role/self\nsource_profile = me\n[profile top]\nrole_arn = arn:aws:iam::123456789012:role/top\nsource_profile = me\n",
            "top",
            // botocore's `_resolve_credentials_from_profile`: a source profile's static keys win.
            Ok(("static:me", &["top"])),
        ),
        case(
            "source profile with role_arn and keys ends the chain with its keys",
            "[profile base]\n{KEYS}[profile mid]\n{KEYS}role_arn = arn:aws:iam::123456789012:role/mid\nsource_profile = base\n[profile top]\nrole_arn = arn:aws:iam::123456789012:role/top\nsource_profile = mid\n",
            "top",
            Ok(("static:mid", &["top"])),
        ),
        case(
            "credential_source Environment",
            "[profile e]\nrole_arn = arn:aws:iam::123456789012:role/e\ncredential_source = Environment\n",
            "e",
            Ok(("env:e", &["e"])),
        ),
        case(
            "credential_process as source",
            "[profile p]\ncredential_process = /bin/echo hi\n[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = p\n",
            "r",
            Ok(("process:p", &["r"])),
        ),
        case(
            "credential_process alone",
            "[profile p]\ncredential_process = /bin/echo hi\n",
            "p",
            Ok(("process:p", &[])),
        ),
        case(
            "static keys win over credential_process",
            "[profile p]\n{KEYS}credential_process = /bin/echo hi\n",
            "p",
            Ok(("static:p", &[])),
        ),
        case(
            "loop of two",
            "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n",
            "a",
            Err("`source_profile` loop: `a` -> `b` -> `a`"),
        ),
        case(
            "loop not through the start",
            "[profile x]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = a\n[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = c\n[profile c]\nrole_arn = arn:aws:iam::123456789012:role/c\nsource_profile = a\n",
            "x",
            Err("`source_profile` loop: `a` -> `b` -> `c` -> `a`"),
        ),
        case(
            "self-sourcing without keys",
            "[profile me]\nrole_arn = arn:aws:iam::123456789012:role/self\nsource_profile = me\n",
            "me",
            Err("profile `me`: names itself as `source_profile` but has no `aws_access_key_id`"),
        ),
        case(
            "missing profile",
            "[profile a]\n{KEYS}",
            "nope",
            Err("profile `nope` not found"),
        ),
        case(
            "missing source profile",
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = gone\n",
            "r",
            Err("profile `gone` not found (named by `source_profile` in profile `r`)"),
        ),
        case(
            "both sources",
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = a\ncredential_source = Environment\n",
            "r",
            Err("profile `r`: has both `source_profile` and `credential_source`"),
        ),
        case(
            "role_arn without a source",
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\n",
            "r",
            Err("profile `r`: has `role_arn` but no `source_profile` or `credential_source`"),
        ),
        case(
            "role_arn beside credential_process",
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_process = rolecall credential-process r\n",
            "r",
            Err("profile `r`: has `role_arn` but no `source_profile` or `credential_source`"),
        ),
        case(
            "unknown credential_source",
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Magic\n",
            "r",
            Err("profile `r`: `credential_source = Magic` is not a known source"),
        ),
        case(
            "instance metadata under a role",
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Ec2InstanceMetadata\n",
            "r",
            Ok(("imds:r", &["r"])),
        ),
        case(
            "container source without its variables",
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = EcsContainer\n",
            "r",
            Err(
                "profile `r`: has `credential_source = EcsContainer` but neither `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` nor `AWS_CONTAINER_CREDENTIALS_FULL_URI` is set",
            ),
        ),
        case(
            "no credentials",
            "[profile empty]\nregion = us-east-1\n",
            "empty",
            Err("profile `empty` has no credentials and no way to get them"),
        ),
        case(
            "half static keys",
            "[profile h]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
            "h",
            Err("profile `h`: has `aws_access_key_id` but no `aws_secret_access_key`"),
        ),
        case(
            "bad duration",
            "[profile base]\n{KEYS}[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\nduration_seconds = 60\n",
            "r",
            Err("profile `r`: `duration_seconds = 60` is not a whole number from 900 to 43200"),
        ),
        case(
            "bad duration text",
            "[profile base]\n{KEYS}[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\nduration_seconds = 1h\n",
            "r",
            Err("profile `r`: `duration_seconds = 1h` is not a whole number from 900 to 43200"),
        ),
        case(
            "bad role arn",
            "[profile base]\n{KEYS}[profile r]\nrole_arn = my-role\nsource_profile = base\n",
            "r",
            Err("profile `r`: `role_arn = my-role` is not a role ARN"),
        ),
        case(
            "bad session name",
            "[profile base]\n{KEYS}[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\nrole_session_name = has space\n",
            "r",
            Err("profile `r`: `role_session_name = has space` is not a valid session name"),
        ),
        case(
            "sso session",
            "[sso-session corp]\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_region = eu-west-1\n[profile s]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
            "s",
            Ok(("sso:s", &[])),
        ),
        case(
            "sso session repeated with equal values (botocore accepts it)",
            "[sso-session corp]\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_region = eu-west-1\n[profile s]\nsso_session = corp\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
            "s",
            Ok(("sso:s", &[])),
        ),
        case(
            "sso session repeated with another start URL",
            "[sso-session corp]\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_region = eu-west-1\n[profile s]\nsso_session = corp\nsso_start_url = https://d-other.awsapps.com/start\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
            "s",
            Err(
                "profile `s`: `sso_start_url = https://d-other.awsapps.com/start` differs from `sso_start_url = https://d-abc123.awsapps.com/start` in `[sso-session corp]`",
            ),
        ),
        case(
            "sso session repeated with another region",
            "[sso-session corp]\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_region = eu-west-1\n[profile s]\nsso_session = corp\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
            "s",
            Err(
                "profile `s`: `sso_region = us-east-1` differs from `sso_region = eu-west-1` in `[sso-session corp]`",
            ),
        ),
        case(
            "sso session missing",
            "[profile s]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
            "s",
            Err("profile `s`: `sso_session = corp` names no `[sso-session corp]` section"),
        ),
        case(
            "sso session without a region",
            "[sso-session corp]\nsso_start_url = https://d-abc123.awsapps.com/start\n[profile s]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
            "s",
            Err("profile `s`: `[sso-session corp]` has no `sso_region`"),
        ),
        case(
            "sso without a role",
            "[sso-session corp]\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_region = eu-west-1\n[profile s]\nsso_session = corp\nsso_account_id = 123456789012\n",
            "s",
            Err("profile `s`: is an IAM Identity Center profile without `sso_role_name`"),
        ),
        case(
            "legacy sso",
            "[profile s]\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
            "s",
            Ok(("sso:s", &[])),
        ),
        case(
            "legacy sso without a region",
            "[profile s]\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
            "s",
            Err("profile `s`: has no `sso_region`"),
        ),
        case(
            "a role on an sso base",
            "[sso-session corp]\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_region = eu-west-1\n[profile s]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n[profile up]\nrole_arn = arn:aws:iam::210987654321:role/up\nsource_profile = s\n",
            "up",
            Ok(("sso:s", &["up"])),
        ),
        case(
            "web identity: the role is the base's own",
            "[profile w]\nrole_arn = arn:aws:iam::123456789012:role/w\nweb_identity_token_file = /tmp/token\n",
            "w",
            Ok(("web:w", &[])),
        ),
        case(
            "web identity under a hop",
            "[profile w]\nrole_arn = arn:aws:iam::123456789012:role/w\nweb_identity_token_file = /tmp/token\n\
             [profile up]\nrole_arn = arn:aws:iam::123456789012:role/up\nsource_profile = w\n",
            "up",
            Ok(("web:w", &["up"])),
        ),
    ];
    let mut failures = Vec::new();
    for c in &cases {
        let profiles = Profiles::parse(&c.config, c.credentials).unwrap();
        let got = resolve(&profiles, c.profile, &no_env());
        let ok = match (&got, &c.expect) {
            (Ok(plan), Ok((base, hops))) => {
                let got_hops: Vec<&str> = plan.hops().map(|h| role_name(&h.role_arn)).collect();
                describe_base(plan.base()) == *base && got_hops == *hops
            }
            (Err(e), Err(msg)) => e.to_string() == *msg,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{}: got {:?}, want {:?}",
                c.name,
                got.as_ref()
                    .map(|p| (describe_base(p.base()), p.hops().collect::<Vec<_>>()))
                    .map_err(|e| e.to_string()),
                c.expect
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_role_key_reaches_the_hop() {
    let config = format!(
        "[profile base]\n{KEYS}region = eu-west-1\n\
         [profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n\
         mfa_serial = arn:aws:iam::123456789012:mfa/me\nmfa_process = ykman oath accounts code -s aws\n\
         duration_seconds = 7200\nexternal_id = ext-123\nrole_session_name = alice@example.com\n\
         source_identity = alice\nendpoint_url = http://127.0.0.1:1\n"
    );
    let plan = resolve(&Profiles::parse(&config, "").unwrap(), "r", &no_env()).unwrap();
    assert_eq!(
        plan.session().cloned(),
        Some(SessionStep {
            profile: "r".into(),
            mfa_serial: "arn:aws:iam::123456789012:mfa/me".into(),
            mfa_process: Some("ykman oath accounts code -s aws".into()),
            duration_seconds: DEFAULT_MFA_SESSION_SECONDS,
            endpoint_url: Some("http://127.0.0.1:1".into()),
            variant: StsVariant::default(),
        })
    );
    assert_eq!(
        hops(&plan),
        vec![RoleHop {
            profile: "r".into(),
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            mfa_serial: None,
            mfa_process: None,
            duration_seconds: Some(7200),
            external_id: Some("ext-123".into()),
            session_name: Some("alice@example.com".into()),
            source_identity: Some("alice".into()),
            endpoint_url: Some("http://127.0.0.1:1".into()),
            variant: StsVariant::default(),
        }]
    );
    // No region on the profile asked for: the nearest source's region.
    assert_eq!(plan.region.as_deref(), Some("eu-west-1"));
}

#[test]
fn region_of_the_profile_asked_for_wins() {
    let config = format!(
        "[profile base]\n{KEYS}region = eu-west-1\n[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\nregion = ap-south-1\n"
    );
    let plan = resolve(&Profiles::parse(&config, "").unwrap(), "r", &no_env()).unwrap();
    assert_eq!(plan.region.as_deref(), Some("ap-south-1"));
}

#[test]
fn mfa_process_falls_back_to_the_profile_asked_for() {
    let config = format!(
        "[profile base]\n{KEYS}[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/m\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n\
         [profile top]\nrole_arn = arn:aws:iam::123456789012:role/t\nsource_profile = mfa\nmfa_process = echo 123456\n"
    );
    let plan = resolve(&Profiles::parse(&config, "").unwrap(), "top", &no_env()).unwrap();
    assert_eq!(
        plan.session()
            .cloned()
            .as_ref()
            .unwrap()
            .mfa_process
            .as_deref(),
        Some("echo 123456")
    );
    assert_eq!(
        hops(&plan)[1].mfa_process,
        None,
        "no mfa_serial, no mfa_process"
    );
}

#[test]
fn static_keys_from_credentials_file_with_session_token_and_account() {
    let profiles = Profiles::parse(
        "[profile a]\nregion = us-west-2\naws_account_id = 123456789012\n",
        "[a]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\naws_session_token = token\n",
    )
    .unwrap();
    let plan = resolve(&profiles, "a", &no_env()).unwrap();
    let Step::StaticKeys { keys, .. } = plan.base() else {
        panic!("{plan:?}")
    };
    assert_eq!(keys.access_key_id, "ASIAIOSFODNN7EXAMPLE");
    assert_eq!(
        keys.session_token.as_ref().map(|t| t.expose().as_str()),
        Some("token")
    );
    assert_eq!(plan.account_id.as_deref(), Some("123456789012"));
}

#[test]
fn plan_debug_has_no_secret() {
    let plan = resolve(
        &Profiles::parse(&format!("[profile a]\n{KEYS}"), "").unwrap(),
        "a",
        &no_env(),
    )
    .unwrap();
    assert!(!format!("{plan:?}").contains("EXAMPLEKEY"));
}

#[test]
fn mfa_session_only_on_long_term_keys_and_when_not_disabled() {
    let mfa = "mfa_serial = arn:aws:iam::123456789012:mfa/me\n";
    let role = "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n";
    let plan_for = |config: String, name: &str| {
        resolve(&Profiles::parse(&config, "").unwrap(), name, &no_env())
    };
    for (name, extra, want) in [
        ("long-term keys", "", true),
        ("opted out", "mfa_session = false\n", false),
        ("explicit on", "mfa_session = true\n", true),
    ] {
        let plan = plan_for(format!("[profile base]\n{KEYS}{role}{mfa}{extra}"), "r").unwrap();
        assert_eq!(plan.session().cloned().is_some(), want, "{name}");
        assert_eq!(hops(&plan)[0].mfa_serial.is_some(), !want, "{name}");
    }
    // Keys that already carry a session token cannot call GetSessionToken.
    let plan = plan_for(
        format!("[profile base]\n{KEYS}aws_session_token = t\n{role}{mfa}"),
        "r",
    )
    .unwrap();
    assert!(plan.session().cloned().is_none() && hops(&plan)[0].mfa_serial.is_some());
    // A second hop's MFA goes with its own AssumeRole: its source is temporary credentials.
    let plan = plan_for(
        format!("[profile base]\n{KEYS}[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = base\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n{mfa}"),
        "b",
    )
    .unwrap();
    assert!(plan.session().cloned().is_none() && hops(&plan)[1].mfa_serial.is_some());
    let plan = plan_for(
        format!("[profile base]\n{KEYS}{role}{mfa}mfa_session_duration = 8h\n"),
        "r",
    )
    .unwrap();
    assert_eq!(plan.session().cloned().unwrap().duration_seconds, 28_800);
    assert!(
        plan_for(
            format!("[profile base]\n{KEYS}{role}{mfa}mfa_session_duration = 48h\n"),
            "r"
        )
        .is_err()
    );
}

/// The environment form (`AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`) serves the profile asked
/// for when it has no credentials, and wins over its own settings; never for a source profile.
#[test]
fn web_identity_from_the_environment() {
    let env = EnvInputs {
        web_identity_token_file: Some("/var/run/token".into()),
        role_arn: Some("arn:aws:iam::123456789012:role/env".into()),
        role_session_name: Some("pod".into()),
        ..EnvInputs::default()
    };
    let config = "[profile bare]\nregion = eu-west-1\n\
                  [profile w]\nrole_arn = arn:aws:iam::123456789012:role/w\nweb_identity_token_file = /tmp/token\n\
                  [profile up]\nrole_arn = arn:aws:iam::123456789012:role/up\nsource_profile = w\n";
    let profiles = Profiles::parse(config, "").unwrap();
    let web = |plan: &Plan| match plan.base() {
        Step::WebIdentity(w) => (
            w.role_arn.clone(),
            w.token_file.clone(),
            w.session_name.clone(),
        ),
        other => panic!("{other:?}"),
    };
    let bare = resolve(&profiles, "bare", &env).unwrap();
    assert_eq!(
        web(&bare),
        (
            "arn:aws:iam::123456789012:role/env".into(),
            "/var/run/token".into(),
            Some("pod".into())
        )
    );
    assert_eq!(
        web(&resolve(&profiles, "w", &env).unwrap()).0,
        "arn:aws:iam::123456789012:role/env"
    );
    // A source profile keeps its own.
    assert_eq!(
        web(&resolve(&profiles, "up", &env).unwrap()).0,
        "arn:aws:iam::123456789012:role/w"
    );
    // Without the environment, a bare profile has no credentials.
    assert!(resolve(&profiles, "bare", &no_env()).is_err());
}

/// A profile's `services` section was ignored (measured: rolecall went to the public STS where
/// boto3 went to the VPC endpoint); botocore's order is env service, env global, services
/// section, profile.
#[test]
fn the_sts_endpoint_follows_botocore_order_with_services_sections() {
    let config = format!(
        "[profile base]\n{KEYS}\
         [profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n\
         services = corp\nendpoint_url = http://profile\n\
         [services corp]\nsts =\n  endpoint_url = http://vpce-sts\ns3 =\n  endpoint_url = http://s3\n\
         [profile plain]\nrole_arn = arn:aws:iam::123456789012:role/p\nsource_profile = base\nendpoint_url = http://profile\n\
         [profile off]\nrole_arn = arn:aws:iam::123456789012:role/o\nsource_profile = base\n\
         endpoint_url = http://profile\nignore_configured_endpoint_urls = true\n\
         [profile missing]\nrole_arn = arn:aws:iam::123456789012:role/m\nsource_profile = base\nservices = nope\n"
    );
    let profiles = Profiles::parse(&config, "").unwrap();
    let endpoint = |name: &str, env: &EnvInputs| {
        hops(&resolve(&profiles, name, env).unwrap())[0]
            .endpoint_url
            .clone()
    };
    assert_eq!(endpoint("r", &no_env()).as_deref(), Some("http://vpce-sts"));
    assert_eq!(
        endpoint("plain", &no_env()).as_deref(),
        Some("http://profile")
    );
    assert_eq!(endpoint("off", &no_env()), None);
    let global = EnvInputs {
        endpoint_url: Some("http://env-global".into()),
        ..EnvInputs::default()
    };
    assert_eq!(endpoint("r", &global).as_deref(), Some("http://env-global"));
    let sts = EnvInputs {
        endpoint_url_sts: Some("http://env-sts".into()),
        ..global
    };
    assert_eq!(endpoint("r", &sts).as_deref(), Some("http://env-sts"));
    let e = resolve(&profiles, "missing", &no_env())
        .unwrap_err()
        .to_string();
    assert!(e.contains("[services nope]"), "{e}");
}

/// `use_fips_endpoint` / `use_dualstack_endpoint` were ignored: each hop takes its own profile's,
/// the environment's winning; a bad value is an error naming the profile.
#[test]
fn fips_and_dual_stack_per_hop() {
    let config = format!(
        "[profile base]\n{KEYS}\
         [profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = base\nuse_fips_endpoint = true\n\
         [profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\nuse_dualstack_endpoint = TRUE\n\
         [profile bad]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = base\nuse_fips_endpoint = yes\n"
    );
    let profiles = Profiles::parse(&config, "").unwrap();
    let plan = resolve(&profiles, "b", &no_env()).unwrap();
    let v: Vec<StsVariant> = plan.hops().map(|h| h.variant).collect();
    assert_eq!(
        v,
        [
            StsVariant {
                fips: true,
                dual_stack: false
            },
            StsVariant {
                fips: false,
                dual_stack: true
            }
        ]
    );
    let env = EnvInputs {
        use_fips_endpoint: Some("false".into()),
        ..EnvInputs::default()
    };
    assert!(
        !resolve(&profiles, "b", &env)
            .unwrap()
            .hops()
            .any(|h| h.variant.fips)
    );
    let e = resolve(&profiles, "bad", &no_env())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("profile `bad`") && e.contains("use_fips_endpoint = yes"),
        "{e}"
    );
    // The key of a plain hop is unchanged; a FIPS hop's differs.
    let plain = Step::AssumeRole(hops(&resolve(&profiles, "a", &no_env()).unwrap())[0].clone());
    let mut h = hops(&resolve(&profiles, "a", &no_env()).unwrap())[0].clone();
    h.variant = StsVariant::default();
    assert_ne!(
        plain.key_part("r"),
        Step::AssumeRole(h.clone()).key_part("r")
    );
    assert!(!Step::AssumeRole(h).key_part("r").contains("fips"));
}
