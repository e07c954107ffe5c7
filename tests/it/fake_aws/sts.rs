//! The STS side of the fake: the actions, the injected faults and what has
//! been recorded and issued.

use super::http::{Request, Response, Stop};
use aws_smithy_types::date_time::{DateTime, Format};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// XML namespace of every STS response.
pub const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// Account of callers the fake does not know (static keys such as the AWS
/// documentation's `AKIAIOSFODNN7EXAMPLE`).
pub const DEFAULT_ACCOUNT: &str = "123456789012";
/// Identity (Arn) of callers the fake does not know.
pub const DEFAULT_ARN: &str = "arn:aws:iam::123456789012:user/example";
/// UserId of callers the fake does not know.
pub const DEFAULT_USER_ID: &str = "AIDAIOSFODNN7EXAMPLE";
/// Message STS sends (trailing space included) for a wrong MFA code.
pub const WRONG_MFA_MESSAGE: &str =
    "MultiFactorAuthentication failed with invalid MFA one time pass code. ";

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The `Action` parameter (empty if missing).
    pub action: String,
    /// All query parameters, url-decoded (body and query string merged).
    pub params: BTreeMap<String, String>,
    /// Access key id from `Authorization: AWS4-HMAC-SHA256 Credential=AKID/...`
    /// (empty if the request was not signed).
    pub access_key_id: String,
}

/// A failure to inject. See [`FakeAws::fail_next`] and [`FakeAws::fail_always`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 403 `AccessDenied` "User: ... is not authorized to perform: sts:<Action> ...".
    AccessDenied,
    /// 403 `AccessDenied` with STS's message for an invalid MFA code.
    WrongMfa,
    /// 400 `ExpiredToken` "The security token included in the request is expired".
    ExpiredToken,
    /// 400 `Throttling` "Rate exceeded".
    Throttling,
    /// 500 `InternalFailure`.
    Internal500,
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Wait this long, then fail with the inner fault.
    DelayThen(Duration, Box<Fault>),
    /// Answer with this status and body, whatever the request.
    Raw { status: u16, body: String },
}

/// Credentials the fake handed out (through AssumeRole or GetSessionToken).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub action: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// ISO 8601 UTC, as sent, e.g. `2026-11-22T12:00:00Z`.
    pub expiration: String,
    /// What GetCallerIdentity answers for these credentials.
    pub arn: String,
    pub user_id: String,
    pub account: String,
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) calls: Vec<Call>,
    pub(super) issued: Vec<(Issued, SystemTime)>,
    next_key: u64,
    next_request: u64,
    pub(super) queued: HashMap<String, VecDeque<Fault>>,
    pub(super) always: HashMap<String, Fault>,
    pub(super) mfa_code: Option<String>,
    pub(super) clock_offset_secs: i64,
    /// Shifts only the `Date` header (a proxy's or a broken clock), not the Expirations.
    pub(super) date_offset_secs: i64,
    pub(super) expires_in_secs: Option<i64>,
    /// The web identity tokens AssumeRoleWithWebIdentity accepts (`None`: any).
    pub(super) web_identity_tokens: Option<Vec<String>>,
}

/// The state behind one fake, shared by its connections and its handle.
#[derive(Debug, Default)]
pub(super) struct Sts {
    state: Mutex<State>,
}

impl Sts {
    pub(super) fn state(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not hide the recorded calls.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Answers one request.
    pub(super) fn handle(&self, req: &Request, stop: &Stop) -> Response {
        // A bug in the fake must show up as an answer, not as a hung client.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| answer(self, req, stop)))
            .unwrap_or_else(|_| Response {
                status: 500,
                body: error(
                    500,
                    "Receiver",
                    "InternalFailure",
                    "fake STS panicked",
                    "fake-sts-panic",
                )
                .body,
                request_id: "fake-sts-panic".to_string(),
                date: SystemTime::now(),
                headers: Vec::new(),
            })
    }
}

struct Outcome {
    status: u16,
    body: String,
}

fn answer(fake: &Sts, req: &Request, stop: &Stop) -> Response {
    let mut params = BTreeMap::new();
    if let Some((_, query)) = req.target.split_once('?') {
        parse_form(query, &mut params);
    }
    let is_form = req.header("content-type").is_none_or(|ct| {
        ct.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if is_form {
        parse_form(&String::from_utf8_lossy(&req.body), &mut params);
    }
    let action = params.get("Action").cloned().unwrap_or_default();
    let access_key_id = req
        .header("authorization")
        .and_then(credential_from_authorization)
        .or_else(|| {
            params
                .get("X-Amz-Credential")
                .map(|c| c.split('/').next().unwrap_or("").to_string())
        })
        .unwrap_or_default();
    let session_token = req
        .header("x-amz-security-token")
        .map(str::to_string)
        .or_else(|| params.get("X-Amz-Security-Token").cloned());

    let (request_id, fault) = {
        let mut st = fake.state();
        st.calls.push(Call {
            action: action.clone(),
            params: params.clone(),
            access_key_id: access_key_id.clone(),
        });
        st.next_request += 1;
        let request_id = request_id(st.next_request);
        let mut fault = st.queued.get_mut(&action).and_then(VecDeque::pop_front);
        if fault.is_none() {
            fault = st.always.get(&action).cloned();
        }
        (request_id, fault)
    };

    let fault = match fault {
        Some(Fault::Delay(d)) => {
            stop.sleep(d);
            None
        }
        Some(Fault::DelayThen(d, inner)) => {
            stop.sleep(d);
            Some(*inner)
        }
        other => other,
    };

    let outcome = {
        let mut st = fake.state();
        let now = now(&st);
        let caller = Caller::lookup(&st, &access_key_id);
        let outcome = if let Some(fault) = fault {
            fault_outcome(&fault, &action, &params, &caller, &request_id)
        } else {
            sts(
                &mut st,
                req,
                &action,
                &params,
                &access_key_id,
                session_token.as_deref(),
                &caller,
                now,
                &request_id,
            )
        };
        (outcome, shift(now, st.date_offset_secs))
    };
    let (outcome, date) = outcome;
    Response {
        status: outcome.status,
        body: outcome.body,
        request_id,
        date,
        headers: Vec::new(),
    }
}

/// Who signed a request, as far as the fake knows.
struct Caller {
    arn: String,
    user_id: String,
    account: String,
    /// The matching issued credentials, if the key is one of ours.
    issued: Option<(Issued, SystemTime)>,
}

impl Caller {
    fn lookup(st: &State, access_key_id: &str) -> Caller {
        if let Some((i, exp)) = st
            .issued
            .iter()
            .find(|(i, _)| i.access_key_id == access_key_id)
        {
            return Caller {
                arn: i.arn.clone(),
                user_id: i.user_id.clone(),
                account: i.account.clone(),
                issued: Some((i.clone(), *exp)),
            };
        }
        Caller {
            arn: DEFAULT_ARN.to_string(),
            user_id: DEFAULT_USER_ID.to_string(),
            account: DEFAULT_ACCOUNT.to_string(),
            issued: None,
        }
    }

    fn is_assumed_role(&self) -> bool {
        self.issued
            .as_ref()
            .is_some_and(|(i, _)| i.action == "AssumeRole")
    }
}

fn fault_outcome(
    fault: &Fault,
    action: &str,
    params: &BTreeMap<String, String>,
    caller: &Caller,
    request_id: &str,
) -> Outcome {
    match fault {
        Fault::AccessDenied => {
            let resource = params
                .get("RoleArn")
                .cloned()
                .unwrap_or_else(|| caller.arn.clone());
            let message = format!(
                "User: {} is not authorized to perform: sts:{} on resource: {}",
                caller.arn, action, resource
            );
            error(403, "Sender", "AccessDenied", &message, request_id)
        }
        Fault::WrongMfa => error(403, "Sender", "AccessDenied", WRONG_MFA_MESSAGE, request_id),
        Fault::ExpiredToken => error(
            400,
            "Sender",
            "ExpiredToken",
            "The security token included in the request is expired",
            request_id,
        ),
        Fault::Throttling => error(400, "Sender", "Throttling", "Rate exceeded", request_id),
        Fault::Internal500 => error(
            500,
            "Receiver",
            "InternalFailure",
            "The request processing has failed because of an unknown error, exception or failure.",
            request_id,
        ),
        Fault::Raw { status, body } => Outcome {
            status: *status,
            body: body.clone(),
        },
        Fault::Delay(_) | Fault::DelayThen(..) => unreachable!("delays are handled before"),
    }
}

#[allow(clippy::too_many_arguments)]
fn sts(
    st: &mut State,
    req: &Request,
    action: &str,
    params: &BTreeMap<String, String>,
    access_key_id: &str,
    session_token: Option<&str>,
    caller: &Caller,
    now: SystemTime,
    request_id: &str,
) -> Outcome {
    if req.method != "POST" && req.method != "GET" {
        return error(
            405,
            "Sender",
            "InvalidAction",
            "Only POST and GET are supported",
            request_id,
        );
    }
    if action.is_empty() {
        return error(400, "Sender", "MissingAction", "Missing Action", request_id);
    }
    if !matches!(
        action,
        "AssumeRole" | "GetSessionToken" | "GetCallerIdentity" | "AssumeRoleWithWebIdentity"
    ) {
        let message = format!("Could not find operation {action} for version 2011-06-15");
        return error(400, "Sender", "InvalidAction", &message, request_id);
    }
    if params.get("Version").is_some_and(|v| v != "2011-06-15") {
        let message = format!(
            "Could not find operation {action} for version {}",
            params["Version"]
        );
        return error(400, "Sender", "InvalidAction", &message, request_id);
    }
    // AssumeRoleWithWebIdentity is the one unsigned action: the token is the proof.
    if action == "AssumeRoleWithWebIdentity" {
        return web_identity(st, params, access_key_id, now, request_id);
    }
    if access_key_id.is_empty() {
        return error(
            403,
            "Sender",
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
            request_id,
        );
    }
    if let Some((issued, expires)) = &caller.issued {
        if session_token != Some(issued.session_token.as_str()) {
            return error(
                403,
                "Sender",
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
                request_id,
            );
        }
        if now >= *expires {
            return error(
                400,
                "Sender",
                "ExpiredToken",
                "The security token included in the request is expired",
                request_id,
            );
        }
    }
    if let Some(code) = params.get("TokenCode") {
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            let message = format!(
                "1 validation error detected: Value '{code}' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*"
            );
            return error(400, "Sender", "ValidationError", &message, request_id);
        }
        if st.mfa_code.as_ref().is_some_and(|want| want != code) {
            return error(403, "Sender", "AccessDenied", WRONG_MFA_MESSAGE, request_id);
        }
    }

    match action {
        "GetCallerIdentity" => {
            let body = format!(
                "<GetCallerIdentityResponse xmlns=\"{STS_NAMESPACE}\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  </GetCallerIdentityResult>\n{}</GetCallerIdentityResponse>\n",
                xml(&caller.arn),
                xml(&caller.user_id),
                xml(&caller.account),
                metadata(request_id),
            );
            Outcome { status: 200, body }
        }
        "GetSessionToken" => {
            if caller.issued.is_some() {
                return error(
                    403,
                    "Sender",
                    "AccessDenied",
                    "Cannot call GetSessionToken with session credentials",
                    request_id,
                );
            }
            let duration = match duration_param(params, 43200, 900, 129_600, request_id) {
                Ok(d) => d,
                Err(e) => return e,
            };
            let issued = issue(
                st,
                "GetSessionToken",
                now,
                duration,
                caller.arn.clone(),
                caller.user_id.clone(),
                caller.account.clone(),
            );
            let body = format!(
                "<GetSessionTokenResponse xmlns=\"{STS_NAMESPACE}\">\n  <GetSessionTokenResult>\n{}  </GetSessionTokenResult>\n{}</GetSessionTokenResponse>\n",
                credentials_xml(&issued),
                metadata(request_id),
            );
            Outcome { status: 200, body }
        }
        "AssumeRole" => {
            let Some(role_arn) = params.get("RoleArn") else {
                return validation("roleArn", "null", "Member must not be null", request_id);
            };
            let Some(session_name) = params.get("RoleSessionName") else {
                return validation(
                    "roleSessionName",
                    "null",
                    "Member must not be null",
                    request_id,
                );
            };
            let Some(role) = parse_role_arn(role_arn) else {
                let message = format!("{role_arn} is invalid");
                return error(400, "Sender", "ValidationError", &message, request_id);
            };
            let valid_name = (2..=64).contains(&session_name.len())
                && session_name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
            if !valid_name {
                return validation(
                    "roleSessionName",
                    session_name,
                    "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
                    request_id,
                );
            }
            let duration = match duration_param(params, 3600, 900, 43200, request_id) {
                Ok(d) => d,
                Err(e) => return e,
            };
            if caller.is_assumed_role() && duration > 3600 {
                return error(
                    400,
                    "Sender",
                    "ValidationError",
                    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
                    request_id,
                );
            }
            let role_id = role_id(role_arn);
            let arn = format!(
                "arn:{}:sts::{}:assumed-role/{}/{}",
                role.partition, role.account, role.name, session_name
            );
            let user_id = format!("{role_id}:{session_name}");
            let issued = issue(
                st,
                "AssumeRole",
                now,
                duration,
                arn,
                user_id,
                role.account.clone(),
            );
            let mut extra = String::new();
            if let Some(source_identity) = params.get("SourceIdentity") {
                extra = format!(
                    "    <SourceIdentity>{}</SourceIdentity>\n",
                    xml(source_identity)
                );
            }
            let body = format!(
                "<AssumeRoleResponse xmlns=\"{STS_NAMESPACE}\">\n  <AssumeRoleResult>\n{extra}    <AssumedRoleUser>\n      <AssumedRoleId>{}</AssumedRoleId>\n      <Arn>{}</Arn>\n    </AssumedRoleUser>\n{}  </AssumeRoleResult>\n{}</AssumeRoleResponse>\n",
                xml(&issued.user_id),
                xml(&issued.arn),
                credentials_xml(&issued),
                metadata(request_id),
            );
            Outcome { status: 200, body }
        }
        _ => unreachable!(),
    }
}

fn duration_param(
    params: &BTreeMap<String, String>,
    default: u64,
    min: u64,
    max: u64,
    request_id: &str,
) -> Result<u64, Outcome> {
    let Some(text) = params.get("DurationSeconds") else {
        return Ok(default);
    };
    match text.parse::<u64>() {
        Ok(d) if d < min => Err(validation(
            "durationSeconds",
            text,
            &format!("Member must have value greater than or equal to {min}"),
            request_id,
        )),
        Ok(d) if d > max => Err(validation(
            "durationSeconds",
            text,
            &format!("Member must have value less than or equal to {max}"),
            request_id,
        )),
        Ok(d) => Ok(d),
        Err(_) => Err(error(
            400,
            "Sender",
            "MalformedInput",
            &format!("Invalid value for DurationSeconds: {text}"),
            request_id,
        )),
    }
}

/// `AssumeRoleWithWebIdentity`: refused when signed (a client that signs it has credentials it
/// should not need), when the token is missing or is not one the test accepts.
fn web_identity(
    st: &mut State,
    params: &BTreeMap<String, String>,
    access_key_id: &str,
    now: SystemTime,
    request_id: &str,
) -> Outcome {
    if !access_key_id.is_empty() {
        return error(
            400,
            "Sender",
            "InvalidAction",
            "AssumeRoleWithWebIdentity must not be signed",
            request_id,
        );
    }
    let (Some(role_arn), Some(session_name), Some(token)) = (
        params.get("RoleArn"),
        params.get("RoleSessionName"),
        params.get("WebIdentityToken"),
    ) else {
        return validation(
            "roleArn, roleSessionName or webIdentityToken",
            "null",
            "Member must not be null",
            request_id,
        );
    };
    if st
        .web_identity_tokens
        .as_ref()
        .is_some_and(|ok| !ok.contains(token))
    {
        return error(
            400,
            "Sender",
            "InvalidIdentityToken",
            "The web identity token that was passed could not be validated by AWS.",
            request_id,
        );
    }
    let Some(role) = parse_role_arn(role_arn) else {
        let message = format!("{role_arn} is invalid");
        return error(400, "Sender", "ValidationError", &message, request_id);
    };
    let duration = match duration_param(params, 3600, 900, 43200, request_id) {
        Ok(d) => d,
        Err(e) => return e,
    };
    let arn = format!(
        "arn:{}:sts::{}:assumed-role/{}/{}",
        role.partition, role.account, role.name, session_name
    );
    let user_id = format!("{}:{session_name}", role_id(role_arn));
    let issued = issue(
        st,
        "AssumeRoleWithWebIdentity",
        now,
        duration,
        arn,
        user_id,
        role.account.clone(),
    );
    let body = format!(
        "<AssumeRoleWithWebIdentityResponse xmlns=\"{STS_NAMESPACE}\">\n  <AssumeRoleWithWebIdentityResult>\n    <SubjectFromWebIdentityToken>system:serviceaccount:default:test</SubjectFromWebIdentityToken>\n    <AssumedRoleUser>\n      <AssumedRoleId>{}</AssumedRoleId>\n      <Arn>{}</Arn>\n    </AssumedRoleUser>\n{}    <Provider>oidc.example.com</Provider>\n  </AssumeRoleWithWebIdentityResult>\n{}</AssumeRoleWithWebIdentityResponse>\n",
        xml(&issued.user_id),
        xml(&issued.arn),
        credentials_xml(&issued),
        metadata(request_id),
    );
    Outcome { status: 200, body }
}

fn issue(
    st: &mut State,
    action: &str,
    now: SystemTime,
    duration: u64,
    arn: String,
    user_id: String,
    account: String,
) -> Issued {
    st.next_key += 1;
    let n = st.next_key;
    let expires = match st.expires_in_secs {
        Some(secs) => shift(now, secs),
        None => now + Duration::from_secs(duration),
    };
    let issued = Issued {
        action: action.to_string(),
        access_key_id: format!("ASIA{n:016}"),
        secret_access_key: format!("fakeSecretAccessKey{n:021}"),
        session_token: format!(
            "fakeSessionToken{n:08}+NotARealToken/{}==",
            "FAKE".repeat(24)
        ),
        expiration: iso8601(expires),
        arn,
        user_id,
        account,
    };
    st.issued.push((issued.clone(), expires));
    issued
}

fn credentials_xml(i: &Issued) -> String {
    format!(
        "    <Credentials>\n      <AccessKeyId>{}</AccessKeyId>\n      <SecretAccessKey>{}</SecretAccessKey>\n      <SessionToken>{}</SessionToken>\n      <Expiration>{}</Expiration>\n    </Credentials>\n",
        xml(&i.access_key_id),
        xml(&i.secret_access_key),
        xml(&i.session_token),
        xml(&i.expiration),
    )
}

fn metadata(request_id: &str) -> String {
    format!(
        "  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n"
    )
}

fn error(status: u16, kind: &str, code: &str, message: &str, request_id: &str) -> Outcome {
    let body = format!(
        "<ErrorResponse xmlns=\"{STS_NAMESPACE}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{code}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
        xml(message),
    );
    Outcome { status, body }
}

fn validation(field: &str, value: &str, constraint: &str, request_id: &str) -> Outcome {
    let message = format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
    );
    error(400, "Sender", "ValidationError", &message, request_id)
}

struct RoleArn {
    partition: String,
    account: String,
    name: String,
}

/// `arn:PARTITION:iam::ACCOUNT:role[/path]/NAME`
fn parse_role_arn(arn: &str) -> Option<RoleArn> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let rest = resource.strip_prefix("role/")?;
    let name = rest.rsplit('/').next()?;
    if partition.is_empty()
        || account.len() != 12
        || !account.bytes().all(|b| b.is_ascii_digit())
        || name.is_empty()
    {
        return None;
    }
    Some(RoleArn {
        partition: partition.to_string(),
        account: account.to_string(),
        name: name.to_string(),
    })
}

/// A stable `AROA...` id (21 characters) for a role ARN.
fn role_id(role_arn: &str) -> String {
    // FNV-1a, expanded to 17 base-32 characters.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in role_arn.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut id = String::from("AROA");
    for i in 0..17 {
        let mixed = h.rotate_left(i * 7) ^ u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        id.push(ALPHABET[(mixed % 32) as usize] as char);
    }
    id
}

fn request_id(n: u64) -> String {
    format!("fa4e0000-0000-4000-8000-{n:012x}")
}

fn credential_from_authorization(auth: &str) -> Option<String> {
    // AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/sts/aws4_request, SignedHeaders=..., Signature=...
    let start = auth.find("Credential=")? + "Credential=".len();
    let akid = auth[start..].split(['/', ',', ' ']).next()?;
    (!akid.is_empty()).then(|| akid.to_string())
}

fn parse_form(text: &str, into: &mut BTreeMap<String, String>) {
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        into.insert(url_decode(k), url_decode(v));
    }
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte.
pub fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn now(st: &State) -> SystemTime {
    shift(SystemTime::now(), st.clock_offset_secs)
}

fn shift(t: SystemTime, secs: i64) -> SystemTime {
    if secs >= 0 {
        t + Duration::from_secs(secs.unsigned_abs())
    } else {
        t - Duration::from_secs(secs.unsigned_abs())
    }
}

/// `2026-11-22T12:00:00Z`: whole seconds, as STS sends them.
pub fn iso8601(t: SystemTime) -> String {
    DateTime::from_secs(DateTime::from(t).secs())
        .fmt(Format::DateTime)
        .expect("fake STS: a date within years 1..=9999")
}
