//! IAM Identity Center end to end against the fake on 127.0.0.1: the token cache shared with the
//! AWS CLI, refresh, one refresh for many callers, a dead token, hops on an SSO base.

use crate::fake_aws::{FakeAws, FakeSso, SsoFault};
use crate::support::{Sandbox, ok_json, output_within, run_concurrently};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, SystemTime};

pub const START_URL: &str = "https://d-abc123.awsapps.com/start";

pub fn config() -> String {
    format!(
        "[sso-session corp]\nsso_start_url = {START_URL}\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\
         [profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-2\n\
         [profile ro]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\n\
         [profile legacy]\nsso_start_url = {START_URL}\nsso_region = eu-west-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n\
         [profile up]\nrole_arn = arn:aws:iam::210987654321:role/up\nsource_profile = dev\n"
    )
}

/// `sha1("corp")`, the AWS CLI's name for the session's token file.
pub const CORP_TOKEN: &str = "ee0bfd2552fbd840c02cc48b6e823320543c450f.json";

pub fn sso_cache(sb: &Sandbox) -> PathBuf {
    sb.home().join(".aws").join("sso").join("cache")
}

pub fn iso(t: SystemTime) -> String {
    crate::fake_aws::iso8601(t)
}

/// Write a token file as `aws sso login` leaves it (0600 in a 0755 directory).
pub fn write_token(sb: &Sandbox, name: &str, body: serde_json::Value) {
    use std::os::unix::fs::PermissionsExt;
    let dir = sso_cache(sb);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, body.to_string()).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

pub fn read_token(sb: &Sandbox, name: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(sso_cache(sb).join(name)).unwrap()).unwrap()
}

/// A session token file with `left` seconds of life (negative: expired), refreshable or not.
pub fn session_token(fake: &FakeSso, left: i64, refreshable: bool) -> serde_json::Value {
    let (access, refresh) = fake.mint_token(refreshable);
    let (client_id, secret) = fake.mint_client();
    let now = SystemTime::now();
    let at = |secs: i64| {
        if secs >= 0 {
            now + Duration::from_secs(secs as u64)
        } else {
            now - Duration::from_secs(secs.unsigned_abs())
        }
    };
    let mut t = serde_json::json!({
        "startUrl": START_URL,
        "region": "eu-west-1",
        "accessToken": access,
        "expiresAt": iso(at(left)),
    });
    if refreshable {
        t["clientId"] = client_id.into();
        t["clientSecret"] = secret.into();
        // botocore's `%Z` writes `UTC`: read leniently.
        t["registrationExpiresAt"] =
            (iso(at(30 * 86400)).trim_end_matches('Z').to_owned() + "UTC").into();
        t["refreshToken"] = refresh.unwrap().into();
    }
    t
}

/// A fake, and a sandbox with the config and a session token with `left` seconds of life.
pub fn signed_in(left: i64, refreshable: bool) -> (FakeSso, Sandbox) {
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    sb.config(&config());
    write_token(&sb, CORP_TOKEN, session_token(&fake, left, refreshable));
    (fake, sb)
}

/// The concurrency numbers the issue asks for, as one line.
pub fn counts(callers: usize, ok: usize, fake: &FakeSso) -> String {
    format!(
        "callers {callers}, succeeded {ok}, RegisterClient {}, StartDeviceAuthorization {}, CreateToken {}, GetRoleCredentials {}",
        fake.count("RegisterClient"),
        fake.count("StartDeviceAuthorization"),
        fake.count("CreateToken"),
        fake.count("GetRoleCredentials")
    )
}

pub fn cmd(sb: &Sandbox, fake: &FakeSso) -> Command {
    let mut c = sb.cmd();
    c.env("AWS_ENDPOINT_URL_SSO", fake.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", fake.url());
    c
}

/// What a command that must succeed printed.
fn stdout_of(c: &mut Command) -> String {
    let out = output_within(c, Duration::from_secs(30));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn credential_process(sb: &Sandbox, fake: &FakeSso, profile: &str) -> std::process::Output {
    output_within(
        cmd(sb, fake).args(["credential-process", profile]),
        Duration::from_secs(30),
    )
}

#[test]
fn a_valid_token_from_the_aws_cli_is_used_silently_and_the_role_cached_by_rolecall() {
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    sb.config(&config());
    let token = session_token(&fake, 3600 * 4, true);
    write_token(&sb, CORP_TOKEN, token.clone());
    let out = credential_process(&sb, &fake, "dev");
    let v = ok_json(&out);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        v["AccessKeyId"]
            .as_str()
            .unwrap()
            .starts_with("ASIASSOFAKE")
    );
    assert_eq!(v["AccountId"], "123456789012");
    assert_eq!(fake.count("GetRoleCredentials"), 1);
    assert_eq!(fake.count("CreateToken"), 0);
    // A second call is a hit in rolecall's own cache, and the AWS CLI's role cache is untouched.
    let again = ok_json(&credential_process(&sb, &fake, "dev"));
    assert_eq!(again["AccessKeyId"], v["AccessKeyId"]);
    assert_eq!(fake.count("GetRoleCredentials"), 1);
    assert!(!sb.home().join(".aws/cli/cache").exists());
    assert_eq!(
        read_token(&sb, CORP_TOKEN),
        token,
        "the token file is left as it was"
    );
    // Another role of the same session uses the same token.
    ok_json(&credential_process(&sb, &fake, "ro"));
    assert_eq!(fake.count("GetRoleCredentials"), 2);
}

#[test]
fn a_legacy_profile_uses_the_token_under_the_start_urls_key() {
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    sb.config(&config());
    let (access, _) = fake.mint_token(false);
    // sha1 of the start URL, as the AWS CLI names a legacy profile's token.
    let name = "40a89917e3175433e361b710a9d43528d7f1890a.json";
    assert_eq!(sha1_name(START_URL), name);
    write_token(
        &sb,
        name,
        serde_json::json!({"startUrl": START_URL, "region": "eu-west-1", "accessToken": access,
                           "expiresAt": iso(SystemTime::now() + Duration::from_secs(3600))}),
    );
    ok_json(&credential_process(&sb, &fake, "legacy"));
    assert_eq!(fake.count("GetRoleCredentials"), 1);
}

/// The name the AWS CLI gives a token file: sha1 of the key, hex.
pub fn sha1_name(key: &str) -> String {
    use sha1::Digest;
    let d = sha1::Sha1::digest(key.as_bytes());
    format!(
        "{}.json",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

#[test]
fn an_expiring_token_is_refreshed_silently_keeping_the_refresh_token() {
    let fake = FakeSso::start();
    fake.rotate_refresh_tokens(false);
    let sb = Sandbox::new();
    sb.config(&config());
    let old = session_token(&fake, 10 * 60, true);
    write_token(&sb, CORP_TOKEN, old.clone());
    let out = credential_process(&sb, &fake, "dev");
    ok_json(&out);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        fake.calls(),
        ["CreateToken:refresh_token", "GetRoleCredentials"]
    );
    let new = read_token(&sb, CORP_TOKEN);
    assert_ne!(new["accessToken"], old["accessToken"]);
    assert_eq!(
        new["refreshToken"], old["refreshToken"],
        "none came back: the old one stays"
    );
    assert_eq!(new["clientId"], old["clientId"]);
    let exp = new["expiresAt"].as_str().unwrap();
    assert!(exp.ends_with('Z'), "{exp}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(sso_cache(&sb).join(CORP_TOKEN))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn no_usable_token_and_no_terminal_fails_at_once_in_one_line() {
    let (fake, sb) = signed_in(-60, false);
    let out = credential_process(&sb, &fake, "dev");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("sso session `corp`"), "{err}");
    assert!(
        err.contains("help: run `rolecall login --sso-session corp`"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    assert_eq!(
        fake.calls(),
        Vec::<String>::new(),
        "no call without a token"
    );
}

#[test]
fn a_token_the_portal_refuses_means_a_login_not_a_failure() {
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    sb.config(&config());
    let token = session_token(&fake, 4 * 3600, false);
    fake.revoke(token["accessToken"].as_str().unwrap());
    write_token(&sb, CORP_TOKEN, token);
    let out = credential_process(&sb, &fake, "dev");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("needs a login") && err.contains("rolecall login --sso-session corp"),
        "{err}"
    );
    assert_eq!(fake.count("GetRoleCredentials"), 1);
}

#[test]
fn a_role_hop_on_an_sso_base() {
    let fake = FakeSso::start();
    let sts = FakeAws::start();
    let sb = Sandbox::new();
    sb.config(&config());
    write_token(&sb, CORP_TOKEN, session_token(&fake, 4 * 3600, true));
    let out = output_within(
        cmd(&sb, &fake)
            .env("AWS_ENDPOINT_URL_STS", sts.url())
            .args(["credential-process", "up"]),
        Duration::from_secs(30),
    );
    let v = ok_json(&out);
    assert_eq!(fake.count("GetRoleCredentials"), 1);
    assert_eq!(sts.count("AssumeRole"), 1);
    assert!(sts.calls()[0].access_key_id.starts_with("ASIASSOFAKE"));
    assert_eq!(v["AccessKeyId"], sts.issued()[0].access_key_id);
}

#[test]
fn a_half_written_token_file_is_taken_as_absent() {
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    sb.config(&config());
    let full = session_token(&fake, 4 * 3600, true).to_string();
    std::fs::create_dir_all(sso_cache(&sb)).unwrap();
    std::fs::write(sso_cache(&sb).join(CORP_TOKEN), &full[..full.len() / 2]).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        sso_cache(&sb).join(CORP_TOKEN),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let out = credential_process(&sb, &fake, "dev");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("there is no cached token"),
        "{err}"
    );
}

#[test]
fn fifty_callers_with_an_expired_refreshable_token_make_one_refresh() {
    let (fake, sb) = signed_in(-60, true);
    let outs = run_concurrently(50, || {
        let mut c = cmd(&sb, &fake);
        c.args(["credential-process", "dev"]);
        c
    });
    let ok = outs.iter().filter(|o| o.status.success()).count();
    for o in outs.iter().filter(|o| !o.status.success()) {
        eprintln!("{}", String::from_utf8_lossy(&o.stderr));
    }
    eprintln!("{}", counts(50, ok, &fake));
    assert_eq!(ok, 50);
    assert_eq!(fake.count("CreateToken"), 1);
    assert_eq!(fake.count("RegisterClient"), 0);
    assert_eq!(fake.count("GetRoleCredentials"), 1);
}

#[test]
fn an_injected_throttle_on_the_portal_is_retried() {
    let (fake, sb) = signed_in(4 * 3600, true);
    fake.fail_next("GetRoleCredentials", SsoFault::throttled());
    ok_json(&credential_process(&sb, &fake, "dev"));
    assert_eq!(fake.count("GetRoleCredentials"), 2);
}

#[test]
fn status_shows_the_token_and_each_step_apart() {
    let (fake, sb) = signed_in(4 * 3600, true);
    ok_json(&credential_process(&sb, &fake, "dev"));
    // The AWS CLI's trap: the token dies while the role's credentials are still cached.
    write_token(&sb, CORP_TOKEN, session_token(&fake, -60, false));
    let text = stdout_of(cmd(&sb, &fake).args(["status", "dev"]));
    let token = text
        .lines()
        .find(|l| l.contains("token of sso session `corp`"))
        .unwrap();
    assert!(
        token.contains("(expired)") && token.contains("not refreshable"),
        "{text}"
    );
    let role = text.lines().find(|l| l.contains("role `Admin`")).unwrap();
    assert!(role.contains("left)"), "{text}");
}

#[test]
fn logout_ends_the_session_and_forgets_its_token_and_credentials() {
    let fake = FakeSso::start();
    let sts = FakeAws::start();
    let sb = Sandbox::new();
    sb.config(&config());
    let token = session_token(&fake, 4 * 3600, true);
    write_token(&sb, CORP_TOKEN, token.clone());
    for p in ["dev", "up"] {
        ok_json(&output_within(
            cmd(&sb, &fake)
                .env("AWS_ENDPOINT_URL_STS", sts.url())
                .args(["credential-process", p]),
            Duration::from_secs(30),
        ));
    }
    let text = stdout_of(cmd(&sb, &fake).args(["logout", "--sso-session", "corp"]));
    assert!(
        text.contains("ended the session") && text.contains("removed 2 cached credentials"),
        "{text}"
    );
    assert_eq!(fake.count("Logout"), 1);
    assert!(!sso_cache(&sb).join(CORP_TOKEN).exists());
    // The portal no longer takes the token; nothing cached serves the profile.
    let out = credential_process(&sb, &fake, "dev");
    assert!(!out.status.success());
    let again = output_within(
        cmd(&sb, &fake).args(["logout", "--all"]),
        Duration::from_secs(30),
    );
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(text.contains("sso session `corp`: not signed in"), "{text}");
}

/// The AWS CLI never refreshes a legacy profile's token; neither does rolecall, even when the
/// file carries what a refresh would need.
#[test]
fn a_legacy_token_is_never_refreshed() {
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    sb.config(&config());
    let mut t = session_token(&fake, 5 * 60, true);
    t["startUrl"] = START_URL.into();
    write_token(&sb, &sha1_name(START_URL), t);
    ok_json(&credential_process(&sb, &fake, "legacy"));
    assert_eq!(fake.count("CreateToken"), 0);
    assert_eq!(
        fake.count("GetRoleCredentials"),
        1,
        "the token still had 5 minutes"
    );
}

/// The AWS CLI makes `~/.aws/sso/cache` with the umask's mode: 0775 under user-private groups
/// must not lock rolecall out of the CLI's token; a world-writable one is refused.
#[test]
fn a_group_writable_sso_cache_from_the_aws_cli_is_used() {
    use std::os::unix::fs::PermissionsExt;
    let (fake, sb) = signed_in(4 * 3600, true);
    let dir = sso_cache(&sb);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o775)).unwrap();
    ok_json(&credential_process(&sb, &fake, "dev"));
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = credential_process(&sb, &fake, "ro");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("anyone can write to it"),
        "{err}"
    );
}

/// A refresh the service refuses leaves a token that still has a few minutes in use.
#[test]
fn a_refused_refresh_falls_back_to_the_token_while_it_lasts() {
    let (fake, sb) = signed_in(10 * 60, true);
    fake.fail_next(
        "CreateToken",
        SsoFault {
            status: 400,
            error_type: "InvalidGrantException".into(),
        },
    );
    ok_json(&credential_process(&sb, &fake, "dev"));
    assert_eq!(
        fake.calls(),
        ["CreateToken:refresh_token", "GetRoleCredentials"]
    );
}

/// The registration a token would be refreshed with has expired: no refresh is tried.
#[test]
fn an_expired_registration_is_not_used_to_refresh() {
    let fake = FakeSso::start();
    let sb = Sandbox::new();
    sb.config(&config());
    let mut t = session_token(&fake, -60, true);
    t["registrationExpiresAt"] = iso(SystemTime::now() - Duration::from_secs(60)).into();
    write_token(&sb, CORP_TOKEN, t);
    let out = credential_process(&sb, &fake, "dev");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a login"));
    assert_eq!(fake.calls(), Vec::<String>::new());
}

/// Logging out with a token the portal already refuses removes it without a warning.
#[test]
fn logout_with_a_dead_token_is_quiet() {
    let (fake, sb) = signed_in(4 * 3600, false);
    fake.fail_next("Logout", SsoFault::unauthorized());
    let out = output_within(
        cmd(&sb, &fake).args(["logout", "dev"]),
        Duration::from_secs(30),
    );
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!sso_cache(&sb).join(CORP_TOKEN).exists());
}

/// An expired token with a good refresh token while the OIDC service is unreachable is an
/// outage (which cached role credentials may ride out), not "needs a login": the refresh token
/// is fine, the network is not.
#[test]
fn an_unreachable_oidc_service_is_an_outage_not_a_login() {
    let (fake, sb) = signed_in(-60, true);
    let out = output_within(
        cmd(&sb, &fake)
            .env("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:9")
            .args(["credential-process", "dev"]),
        Duration::from_secs(60),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("needs a login"), "{err}");
    assert!(err.contains("CreateToken (refresh)"), "{err}");
}

/// `--no-cache` turns off rolecall's credential cache, not the session's lock: the token file
/// is shared with the AWS CLI, and callers that refreshed it at once with one refresh token
/// raced (each made its own CreateToken).
#[test]
fn without_the_cache_fifty_callers_still_make_one_refresh() {
    let (fake, sb) = signed_in(-60, true);
    let outs = run_concurrently(50, || {
        let mut c = cmd(&sb, &fake);
        c.args(["credential-process", "dev", "--no-cache"]);
        c
    });
    let ok = outs.iter().filter(|o| o.status.success()).count();
    assert_eq!(ok, 50, "{}", counts(50, ok, &fake));
    assert_eq!(fake.count("CreateToken"), 1, "{}", counts(50, ok, &fake));
}
