//! The OIDC side of the fake IAM Identity Center: `RegisterClient`, `StartDeviceAuthorization`,
//! `CreateToken` (device code, refresh token, authorization code with the PKCE verifier checked
//! against the challenge) and the browser's `/authorize`.

use super::http::{Request, Response};
use super::sso::{AuthCode, Device, State, epoch, error, json, query};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant, SystemTime};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

pub(super) fn answer(st: &mut State, req: &Request, path: &str) -> Response {
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    let s = |k: &str| {
        body.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let list = |k: &str| -> Vec<String> {
        body.get(k)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let now = SystemTime::now();
    let op = match path {
        "/client/register" => "RegisterClient".to_owned(),
        "/device_authorization" => "StartDeviceAuthorization".to_owned(),
        "/authorize" => "Authorize".to_owned(),
        _ => format!(
            "CreateToken:{}",
            match s("grantType").as_str() {
                DEVICE_GRANT => "device_code".to_owned(),
                other => other.to_owned(),
            }
        ),
    };
    st.calls.push(op.clone());
    if let Some(f) = st.fault(op.split(':').next().unwrap_or_default()) {
        return error(f.status, &f.error_type, "injected fault");
    }
    let client_ok =
        |st: &State, id: &str, secret: &str| st.clients.get(id).is_some_and(|c| c.secret == secret);
    match path {
        "/client/register" => {
            if s("clientName").is_empty() || s("clientType") != "public" {
                return error(
                    400,
                    "InvalidRequestException",
                    "clientName and clientType=public are required",
                );
            }
            let grant_types = list("grantTypes");
            if grant_types.iter().any(|g| g == "authorization_code")
                && (list("redirectUris").is_empty() || s("issuerUrl").is_empty())
            {
                return error(
                    400,
                    "InvalidRequestException",
                    "authorization_code needs redirectUris and issuerUrl",
                );
            }
            let (id, secret) = st.new_client(grant_types, list("redirectUris"));
            json(
                200,
                serde_json::json!({
                    "clientId": id,
                    "clientSecret": secret,
                    "clientIdIssuedAt": epoch(now),
                    "clientSecretExpiresAt": epoch(now + Duration::from_secs(90 * 86400)),
                }),
            )
        }
        "/device_authorization" => {
            if !client_ok(st, &s("clientId"), &s("clientSecret")) {
                return error(401, "InvalidClientException", "unknown client");
            }
            if s("startUrl").is_empty() {
                return error(400, "InvalidRequestException", "startUrl is required");
            }
            let device_code = st.id("fake-sso-device-code");
            st.next += 1;
            let user_code = format!("TEST-{:04}", st.next % 10000);
            let expires_in = st.device_expires_in;
            st.devices.insert(
                device_code.clone(),
                Device {
                    client_id: s("clientId"),
                    user_code: user_code.clone(),
                    polls: 0,
                    approved: false,
                    issued: false,
                    expires: Instant::now() + Duration::from_secs(expires_in),
                },
            );
            let base = format!("http://{}", req.header("host").unwrap_or("127.0.0.1"));
            json(
                200,
                serde_json::json!({
                    "deviceCode": device_code,
                    "userCode": user_code,
                    "verificationUri": format!("{base}/device"),
                    "verificationUriComplete": format!("{base}/device?user_code={user_code}"),
                    "expiresIn": expires_in,
                    "interval": st.device_interval,
                }),
            )
        }
        "/authorize" => authorize(st, &req.target),
        _ => {
            if !client_ok(st, &s("clientId"), &s("clientSecret")) {
                return error(
                    401,
                    "InvalidClientException",
                    "unknown client or wrong secret",
                );
            }
            let granted = |st: &mut State, refresh: bool| {
                let (access, refresh) = st.issue_token(now, refresh);
                let mut out = serde_json::json!({
                    "accessToken": access,
                    "tokenType": "Bearer",
                    "expiresIn": st.token_expires_in,
                });
                if let Some(r) = refresh {
                    out["refreshToken"] = r.into();
                }
                json(200, out)
            };
            match s("grantType").as_str() {
                DEVICE_GRANT => {
                    st.polls.push(Instant::now());
                    let approve_after = st.approve_after_polls;
                    let slow = st.slow_down_polls.clone();
                    let Some(d) = st.devices.get_mut(&s("deviceCode")) else {
                        return error(400, "InvalidGrantException", "unknown device code");
                    };
                    if d.client_id != s("clientId") || d.issued {
                        return error(
                            400,
                            "InvalidGrantException",
                            "device code not for this client, or used",
                        );
                    }
                    if Instant::now() >= d.expires {
                        return error(400, "ExpiredTokenException", "the device code expired");
                    }
                    d.polls += 1;
                    if slow.contains(&d.polls) {
                        return error(400, "SlowDownException", "slow down");
                    }
                    if approve_after.is_some_and(|n| d.polls > n) {
                        d.approved = true;
                    }
                    if !d.approved {
                        return error(400, "AuthorizationPendingException", "pending");
                    }
                    d.issued = true;
                    granted(st, true)
                }
                "refresh_token" => {
                    let old = s("refreshToken");
                    if st.refresh_tokens.remove(&old).is_none() {
                        return error(400, "InvalidGrantException", "unknown refresh token");
                    }
                    let rotate = st.rotate_refresh_tokens;
                    let response = granted(st, rotate);
                    if !rotate {
                        // The old refresh token stays good when none replaces it.
                        st.refresh_tokens.insert(old, String::new());
                    }
                    response
                }
                "authorization_code" => {
                    let Some(c) = st.codes.remove(&s("code")) else {
                        return error(400, "InvalidGrantException", "unknown or used code");
                    };
                    let verifier = s("codeVerifier");
                    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .encode(Sha256::digest(verifier.as_bytes()));
                    if c.client_id != s("clientId") || c.redirect_uri != s("redirectUri") {
                        return error(
                            400,
                            "InvalidGrantException",
                            "client or redirect URI differs from the authorization's",
                        );
                    }
                    if verifier.len() < 43 || challenge != c.challenge {
                        return error(
                            400,
                            "InvalidGrantException",
                            "the code verifier does not match the challenge",
                        );
                    }
                    granted(st, true)
                }
                other => error(
                    400,
                    "UnsupportedGrantTypeException",
                    &format!("grant {other}"),
                ),
            }
        }
    }
}

/// The browser's side: check the request, then redirect to the listener with a code (or with
/// `error=`, or with another state when told).
fn authorize(st: &mut State, target: &str) -> Response {
    let q = query(target);
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let redirect = get("redirect_uri");
    let Some(client) = st.clients.get(&get("client_id")) else {
        return error(400, "InvalidClientException", "unknown client");
    };
    // Registered without a port, used with one (loopback redirects, RFC 8252).
    let portless = match redirect.strip_prefix("http://127.0.0.1:") {
        Some(rest) => format!(
            "http://127.0.0.1{}",
            &rest[rest.find('/').unwrap_or(rest.len())..]
        ),
        None => redirect.clone(),
    };
    if get("response_type") != "code"
        || get("code_challenge_method") != "S256"
        || get("code_challenge").len() != 43
        || get("state").is_empty()
        || !client.grant_types.iter().any(|g| g == "authorization_code")
        || !client.redirect_uris.contains(&portless)
        || portless == redirect
    {
        return error(400, "InvalidRequestException", "bad authorize request");
    }
    let state = if st.authorize_wrong_state {
        "not-the-state-you-sent".to_owned()
    } else {
        get("state")
    };
    let location = match st.authorize_error.clone() {
        Some(e) => {
            format!("{redirect}?error={e}&error_description=denied+by+the+fake&state={state}")
        }
        None => {
            let code = st.id("fake-sso-auth-code");
            st.codes.insert(
                code.clone(),
                AuthCode {
                    client_id: get("client_id"),
                    challenge: get("code_challenge"),
                    redirect_uri: redirect.clone(),
                },
            );
            format!("{redirect}?code={code}&state={state}")
        }
    };
    let mut r = json(302, serde_json::json!({}));
    r.headers.push(("Location".into(), location));
    r
}
