//! The portal side of the fake IAM Identity Center: `GetRoleCredentials` (expiry in epoch
//! milliseconds), `ListAccounts` and `ListAccountRoles` (paginated), `Logout`; a dead, unknown
//! or revoked token gets 401.

use super::http::{Request, Response};
use super::sso::{State, error, json, query};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub(super) fn answer(st: &mut State, req: &Request, path: &str) -> Response {
    let op = match path {
        "/federation/credentials" => "GetRoleCredentials",
        "/assignment/accounts" => "ListAccounts",
        "/assignment/roles" => "ListAccountRoles",
        "/logout" => "Logout",
        _ => {
            st.calls.push(format!("unknown {} {path}", req.method));
            return error(404, "ResourceNotFoundException", "no such path");
        }
    };
    st.calls.push(op.to_owned());
    if op.starts_with("List") {
        st.list_times.push(Instant::now());
    }
    if let Some(f) = st.fault(op) {
        return error(f.status, &f.error_type, "injected fault");
    }
    let now = SystemTime::now();
    let token = req.header("x-amz-sso_bearer_token").unwrap_or_default();
    let valid = st
        .tokens
        .get(token)
        .is_some_and(|t| !t.revoked && t.expires > now);
    if !valid {
        return error(
            401,
            "UnauthorizedException",
            "Session token not found or invalid",
        );
    }
    let q = query(&req.target);
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let page = |next: &str| {
        next.strip_prefix("page-")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
    };
    match op {
        "GetRoleCredentials" => {
            let (account, role) = (get("account_id"), get("role_name"));
            if !st
                .accounts
                .iter()
                .any(|a| a.id == account && a.roles.contains(&role))
            {
                return error(403, "ForbiddenException", "No access");
            }
            st.next += 1;
            let n = st.next;
            let expires = now + Duration::from_secs(st.role_expires_in);
            let ms = expires.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
            json(
                200,
                serde_json::json!({"roleCredentials": {
                    "accessKeyId": format!("ASIASSOFAKE{n:09}"),
                    "secretAccessKey": format!("fakeSsoSecretAccessKey{n:018}"),
                    "sessionToken": format!("fakeSsoSessionToken{n:08}+NotARealToken"),
                    "expiration": ms,
                }}),
            )
        }
        "ListAccounts" => {
            let start = page(&get("next_token")) * st.page_size;
            let items: Vec<_> = st
                .accounts
                .iter()
                .skip(start)
                .take(st.page_size)
                .map(|a| serde_json::json!({"accountId": a.id, "accountName": a.name, "emailAddress": format!("{}@example.com", a.id)}))
                .collect();
            let mut out = serde_json::json!({"accountList": items});
            if start + st.page_size < st.accounts.len() {
                out["nextToken"] = format!("page-{}", page(&get("next_token")) + 1).into();
            }
            json(200, out)
        }
        "ListAccountRoles" => {
            let Some(a) = st.accounts.iter().find(|a| a.id == get("account_id")) else {
                return error(403, "ForbiddenException", "No access");
            };
            // One role a page: every account with two roles paginates.
            let size = 1;
            let start = page(&get("next_token")) * size;
            let items: Vec<_> = a
                .roles
                .iter()
                .skip(start)
                .take(size)
                .map(|r| serde_json::json!({"roleName": r, "accountId": a.id}))
                .collect();
            let mut out = serde_json::json!({"roleList": items});
            if start + size < a.roles.len() {
                out["nextToken"] = format!("page-{}", page(&get("next_token")) + 1).into();
            }
            json(200, out)
        }
        _ => {
            if let Some(t) = st.tokens.get_mut(token) {
                t.revoked = true;
            }
            json(200, serde_json::json!({}))
        }
    }
}
