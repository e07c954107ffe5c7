//! The two ways to sign in: the authorization code with PKCE (a browser on this machine, a
//! listener on 127.0.0.1) and the device code (a browser anywhere, a code to check). Everything
//! shown goes to the terminal through [`Prompt`], never to stdout.

use super::token::{TokenFile, TokenStore, new_token_file};
use super::{
    DeviceAuthorization, Grant, NewToken, RegisterRequest, Registration, SsoCalls, SsoError,
    SsoFailure, SsoFailureKind, oidc_base_url,
};
use crate::aws::chain::SsoSession;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::prompt::Prompt;
use crate::secret::Secret;
use crate::url::{decode, encode};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// `rolecall login`'s choices.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoginOptions {
    /// `--device-code`.
    pub device_code: bool,
    /// `--no-browser`: print the URL instead of opening it.
    pub no_browser: bool,
}

/// How long the PKCE flow waits for the browser.
const PKCE_DEADLINE: Duration = Duration::from_secs(10 * 60);
/// What `slow_down` adds to the polling interval, for good (RFC 8628).
const SLOW_DOWN: Duration = Duration::from_secs(5);
/// A registration is reused only with this much life left.
const REGISTRATION_MARGIN: Duration = Duration::from_secs(24 * 3600);
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Registered without a port; the listener's port is added when the URL is built, as loopback
/// redirect URIs allow (RFC 8252 §7.3).
const REDIRECT_URI: &str = "http://127.0.0.1/oauth/callback";

/// Sign in to `session`, write the token to the AWS CLI's cache, and return it.
pub fn login(
    ctx: &Context,
    session: &SsoSession,
    store: &TokenStore,
    calls: &dyn SsoCalls,
    prompt: &mut dyn Prompt,
    opts: &LoginOptions,
) -> Result<TokenFile> {
    if !prompt.available() {
        return Err(login_error(
            session,
            "there is no terminal to show the sign-in on".into(),
        ));
    }
    let pkce = use_pkce(ctx, session, opts);
    ctx.debug(format_args!(
        "signing in to {} with the {} flow",
        session.describe(),
        if pkce {
            "authorization code (PKCE)"
        } else {
            "device code"
        }
    ));
    let reg = registration(ctx, session, store, calls, pkce)?;
    // Where no graphical browser can be reached, the `webbrowser` crate would fall back to a
    // text browser, which takes the terminal over: then only the URL is shown.
    let open = !opts.no_browser && !headless(ctx);
    let token = if pkce {
        pkce_flow(ctx, session, &reg, calls, prompt, open)?
    } else {
        device_flow(session, &reg, calls, prompt, open)?
    };
    let file = new_token_file(session, token, &reg, ctx.now(), None);
    store.write_token(session, &file)?;
    prompt.say(&format!("rolecall: signed in to {}", session.describe()));
    Ok(file)
}

/// PKCE for a session, unless asked otherwise (`--device-code`), for a legacy profile (the AWS
/// CLI's rule), or where rolecall would have to open a browser and none can be opened here: over
/// SSH, in a container, on Linux without a display. `--no-browser` says the user opens the URL
/// on this machine themselves, as with the AWS CLI's `--no-browser`, so it keeps PKCE.
fn use_pkce(ctx: &Context, session: &SsoSession, opts: &LoginOptions) -> bool {
    if opts.device_code || session.name.is_none() {
        return false;
    }
    opts.no_browser || !headless(ctx)
}

/// Whether no browser can be shown here: SSH, a container, or Linux without a display.
pub(crate) fn headless(ctx: &Context) -> bool {
    let ssh = ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"]
        .iter()
        .any(|v| ctx.var(v).is_some());
    let container = ctx.var("container").is_some()
        || std::path::Path::new("/.dockerenv").exists()
        || std::path::Path::new("/run/.containerenv").exists();
    let no_display = cfg!(target_os = "linux")
        && ctx.var("DISPLAY").is_none()
        && ctx.var("WAYLAND_DISPLAY").is_none();
    ssh || container || no_display
}

fn call_error(session: &SsoSession, what: &str, f: SsoFailure) -> Error {
    SsoError::Call {
        what: what.to_owned(),
        session: session.describe(),
        failure: f.kind,
        message: f.message,
    }
    .into()
}

fn login_error(session: &SsoSession, message: String) -> Error {
    SsoError::Login {
        session: session.describe(),
        message,
    }
    .into()
}

/// The cached registration when it is valid for a while and fits the flow, else a new one
/// (cached under the AWS CLI's key).
fn registration(
    ctx: &Context,
    session: &SsoSession,
    store: &TokenStore,
    calls: &dyn SsoCalls,
    pkce: bool,
) -> Result<Registration> {
    if let Some(r) = store.read_registration(ctx, session, pkce, REGISTRATION_MARGIN) {
        ctx.debug(format_args!(
            "reusing the client registration {}",
            r.client_id
        ));
        return Ok(r);
    }
    let scopes = session.registration_scopes();
    let refreshable = session.name.is_some();
    let req = RegisterRequest {
        client_name: format!("rolecall-{}", session.name.as_deref().unwrap_or("legacy")),
        scopes,
        grant_types: match (pkce, refreshable) {
            (true, _) => vec!["authorization_code".into(), "refresh_token".into()],
            (false, true) => vec![DEVICE_GRANT.into(), "refresh_token".into()],
            (false, false) => Vec::new(),
        },
        redirect_uris: if pkce {
            vec![REDIRECT_URI.into()]
        } else {
            Vec::new()
        },
        issuer_url: pkce.then(|| session.start_url.clone()),
    };
    let reg = calls
        .register_client(session, &req)
        .map_err(|f| call_error(session, "RegisterClient", f))?;
    if let Err(e) = store.write_registration(session, &reg) {
        ctx.warn(format_args!("{e}; the client registration is not cached"));
    }
    Ok(reg)
}

/// The device flow (RFC 8628): one `CreateToken` at once (an approval may already be there),
/// then the URL and the code on the terminal, then polls at `interval`, 5 s slower for good on
/// every `slow_down`, until `expiresIn`.
fn device_flow(
    session: &SsoSession,
    reg: &Registration,
    calls: &dyn SsoCalls,
    prompt: &mut dyn Prompt,
    open: bool,
) -> Result<NewToken> {
    let auth: DeviceAuthorization = calls
        .start_device_authorization(session, reg)
        .map_err(|f| call_error(session, "StartDeviceAuthorization", f))?;
    let started = Instant::now();
    let life = Duration::from_secs(auth.expires_in.max(1));
    // RFC 8628's default when the service names none.
    let mut interval = Duration::from_secs(if auth.interval == 0 { 5 } else { auth.interval });
    let poll = || calls.create_token(session, reg, Grant::DeviceCode(&auth.device_code));
    let mut shown = false;
    loop {
        match poll() {
            Ok(token) => return Ok(token),
            Err(f) if f.kind == SsoFailureKind::Pending => {}
            Err(f) if f.kind == SsoFailureKind::SlowDown => interval += SLOW_DOWN,
            Err(f) if f.kind == SsoFailureKind::Expired => {
                return Err(login_error(
                    session,
                    "the device code expired before it was approved".into(),
                ));
            }
            Err(f) if f.kind == SsoFailureKind::Denied => {
                return Err(login_error(
                    session,
                    "the request was denied in the browser".into(),
                ));
            }
            Err(f) => return Err(call_error(session, "CreateToken", f)),
        }
        if !shown {
            shown = true;
            let url = auth
                .verification_uri_complete
                .as_deref()
                .unwrap_or(&auth.verification_uri);
            prompt.say(&format!(
                "rolecall: to sign in to {}, open this URL on any device:",
                session.describe()
            ));
            prompt.say(&format!("  {url}"));
            prompt.say("and check that the page shows this code:");
            prompt.say(&format!("  {}", auth.user_code));
            if open && webbrowser::open(url).is_err() {
                prompt
                    .say("rolecall: no browser could be opened here: open the URL above yourself");
            }
        }
        if started.elapsed() + interval >= life {
            return Err(login_error(
                session,
                format!(
                    "the device code expired after {} s before it was approved",
                    life.as_secs()
                ),
            ));
        }
        std::thread::sleep(interval);
    }
}

fn random_b64url(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).map_err(|e| Error::Io {
        what: "cannot read random bytes for the sign-in".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&buf))
}

/// The PKCE code challenge of `verifier` (S256).
pub fn code_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The authorization-code flow with PKCE (RFC 7636): a listener on 127.0.0.1 at a port of the
/// system's choosing, the authorize URL opened (or printed), the callback's `state` checked, an
/// `error=` callback reported, 10 minutes at most.
fn pkce_flow(
    ctx: &Context,
    session: &SsoSession,
    reg: &Registration,
    calls: &dyn SsoCalls,
    prompt: &mut dyn Prompt,
    open: bool,
) -> Result<NewToken> {
    let io = |what: &str| {
        let what = what.to_owned();
        move |source| Error::Io { what, source }
    };
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .map_err(io("cannot listen on 127.0.0.1 for the sign-in"))?;
    let port = listener
        .local_addr()
        .map_err(io("cannot listen on 127.0.0.1 for the sign-in"))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/oauth/callback");
    let verifier = Secret::new(random_b64url(48)?);
    let state = random_b64url(24)?;
    let scopes = session.registration_scopes().join(" ");
    let url = format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&scopes={}&code_challenge={}",
        oidc_base_url(session),
        encode(&reg.client_id),
        encode(&redirect_uri),
        state,
        encode(&scopes),
        code_challenge(verifier.expose())
    );
    prompt.say(&format!(
        "rolecall: to sign in to {}, open this URL in a browser on this machine:",
        session.describe()
    ));
    prompt.say(&format!("  {url}"));
    if open && webbrowser::open(&url).is_err() {
        prompt.say("rolecall: no browser could be opened: open the URL above yourself, or run `rolecall login --device-code`");
    }
    let code = callback(&listener, &state, session)?;
    ctx.debug(format_args!("the browser sent the authorization code"));
    calls
        .create_token(
            session,
            reg,
            Grant::AuthorizationCode {
                code: &code,
                verifier: &verifier,
                redirect_uri: &redirect_uri,
            },
        )
        .map_err(|f| call_error(session, "CreateToken", f))
}

/// Wait for the browser's redirect to the listener, answer it, and return the code.
fn callback(listener: &TcpListener, state: &str, session: &SsoSession) -> Result<Secret<String>> {
    let started = Instant::now();
    listener.set_nonblocking(true).map_err(|source| Error::Io {
        what: "cannot wait for the sign-in".into(),
        source,
    })?;
    loop {
        if started.elapsed() >= PKCE_DEADLINE {
            return Err(login_error(
                session,
                format!(
                    "no answer from the browser within {} minutes",
                    PKCE_DEADLINE.as_secs() / 60
                ),
            ));
        }
        let mut stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            Err(_) => continue,
        };
        let Some(target) = read_target(&mut stream) else {
            continue;
        };
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        if path != "/oauth/callback" {
            respond(&mut stream, 404, "not found");
            continue;
        }
        let param = |name: &str| {
            query.split('&').find_map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k == name).then(|| decode(v))
            })
        };
        if param("state").as_deref() != Some(state) {
            respond(
                &mut stream,
                400,
                "The sign-in was refused: its state does not match this login. Return to the terminal.",
            );
            return Err(login_error(
                session,
                "the browser's answer carried another `state` (not this login's), so it was refused".into(),
            ));
        }
        if let Some(error) = param("error") {
            // Whoever reached the listener wrote these; `report` keeps their control characters
            // off the terminal, as for every error.
            let description = param("error_description").unwrap_or_default();
            respond(
                &mut stream,
                200,
                "The sign-in failed. Return to the terminal.",
            );
            return Err(login_error(
                session,
                format!("IAM Identity Center answered `{error}` {description}")
                    .trim_end()
                    .to_owned(),
            ));
        }
        match param("code").filter(|c| !c.is_empty()) {
            Some(code) => {
                respond(
                    &mut stream,
                    200,
                    "Signed in. You can close this tab and return to the terminal.",
                );
                return Ok(Secret::new(code));
            }
            None => respond(&mut stream, 400, "no code"),
        }
    }
}

/// The request target of one HTTP request (`/oauth/callback?code=...`), if it is a GET.
fn read_target(stream: &mut TcpStream) -> Option<String> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let mut parts = head.lines().next()?.split(' ');
    (parts.next()? == "GET").then(|| parts.next().map(str::to_owned))?
}

fn respond(stream: &mut TcpStream, status: u16, text: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!("<!doctype html><title>rolecall</title><p>{text}</p>\n");
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636's own example (appendix B).
    #[test]
    fn the_code_challenge_is_rfc_7636s() {
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
