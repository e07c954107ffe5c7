//! `rolecall console [PROFILE] [--destination D] [--print]`: a sign-in URL for the AWS console,
//! from the profile's session credentials through the federation endpoint (`getSigninToken`,
//! then the `login` URL). The URL carries only the sign-in token, never the credentials.

use crate::aws::service::Aws;
use crate::aws::web;
use crate::cli::ConsoleArgs;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::url::encode_into;
use std::fmt::Write as _;
use zeroize::Zeroizing;

/// What the console needs that it could not get.
#[derive(Debug)]
pub enum ConsoleError {
    /// The profile hands out long-term keys, which the federation endpoint does not take.
    LongTermKeys { profile: String },
    /// The federation endpoint gave no sign-in token.
    Federation { endpoint: String, message: String },
    /// No browser could be started.
    Browser { message: String },
}

impl std::fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConsoleError::LongTermKeys { profile } => write!(
                f,
                "profile `{profile}` has long-term keys, and the console signs in only with a role's temporary credentials"
            ),
            ConsoleError::Federation { endpoint, message } => {
                write!(f, "no console sign-in token from {endpoint}: {message}")
            }
            ConsoleError::Browser { message } => write!(f, "cannot open a browser: {message}"),
        }
    }
}

impl std::error::Error for ConsoleError {}

impl crate::error::Explain for ConsoleError {
    fn help(&self) -> Option<String> {
        Some(match self {
            ConsoleError::LongTermKeys { .. } => "add a profile with `role_arn` and `source_profile` naming this one (a federation token from long-term keys would skip MFA and could not use IAM), and open that profile".into(),
            ConsoleError::Federation { .. } => "check the network, and `ROLECALL_FEDERATION_ENDPOINT` if set; the credentials must come from a role (AssumeRole), not from GetSessionToken".into(),
            ConsoleError::Browser { .. } => "use `--print` and open the URL yourself".into(),
        })
    }
}

/// The sign-in and console hosts of a partition, from the region's name.
fn partition(region: Option<&str>) -> (&'static str, &'static str) {
    match region {
        Some(r) if r.starts_with("cn-") => (
            "https://signin.amazonaws.cn/federation",
            "https://console.amazonaws.cn/",
        ),
        Some(r) if r.starts_with("us-gov-") => (
            "https://signin.amazonaws-us-gov.com/federation",
            "https://console.amazonaws-us-gov.com/",
        ),
        _ => (
            "https://signin.aws.amazon.com/federation",
            "https://console.aws.amazon.com/",
        ),
    }
}

/// Where the console opens: a full `https://` URL as given, else a path under the partition's
/// console (default its home), in the profile's region.
pub fn destination(given: Option<&str>, region: Option<&str>) -> String {
    let (_, console) = partition(region);
    if let Some(url) = given.filter(|d| d.starts_with("https://")) {
        return url.to_owned();
    }
    let path = given.unwrap_or("console/home").trim_start_matches('/');
    let mut url = format!("{console}{path}");
    if let Some(r) = region.filter(|_| !path.contains("region=")) {
        url.push(if path.contains('?') { '&' } else { '?' });
        let _ = write!(url, "region={r}");
    }
    url
}

pub fn run(ctx: &Context, args: ConsoleArgs) -> Result<Zeroizing<Vec<u8>>> {
    let profile = super::profile_name(ctx, args.profile.as_deref());
    let (session, creds) = super::fetch(ctx, &profile, args.fetch)?;
    let Some(token) = creds.session_token.as_ref() else {
        return Err(ConsoleError::LongTermKeys { profile }.into());
    };
    let region = session.region.as_deref();
    let endpoint = ctx
        .var("ROLECALL_FEDERATION_ENDPOINT")
        .map(str::to_owned)
        .unwrap_or_else(|| partition(region).0.to_owned());
    // Plain http only to this machine (a test's fake): the session credentials go in the query.
    let loopback_http = endpoint.strip_prefix("http://").is_some_and(|rest| {
        let host = rest.split(['/', '?']).next().unwrap_or("");
        let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        matches!(host, "127.0.0.1" | "localhost" | "[::1]")
    });
    if !(endpoint.starts_with("https://") || loopback_http) {
        return Err(Error::Setting {
            name: "ROLECALL_FEDERATION_ENDPOINT",
            message: format!(
                "`{endpoint}` is neither an https URL nor http to this machine (127.0.0.1, localhost, [::1]): the session credentials travel in it"
            ),
        });
    }
    // Buffers sized before writing, so that no reallocation leaves a copy of the secrets behind.
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Session<'a> {
        session_id: &'a str,
        session_key: &'a str,
        session_token: &'a str,
    }
    let session_doc = Session {
        session_id: &creds.access_key_id,
        session_key: creds.secret_access_key.expose(),
        session_token: token.expose(),
    };
    let secrets = session_doc.session_key.len() + session_doc.session_token.len();
    let mut doc = Zeroizing::new(Vec::with_capacity(secrets * 6 + 128));
    let _ = serde_json::to_writer(&mut *doc, &session_doc);
    let doc = std::str::from_utf8(&doc).unwrap_or_default();
    let mut ask = Zeroizing::new(String::with_capacity(endpoint.len() + 64 + doc.len() * 3));
    ask.push_str(&endpoint);
    ask.push_str("?Action=getSigninToken&Session=");
    encode_into(&mut ask, doc);
    ctx.debug(format_args!("asking {endpoint} for a sign-in token"));
    let federation = |message: String| ConsoleError::Federation {
        endpoint: endpoint.clone(),
        message,
    };
    let (status, body) =
        web::get(&Aws::default(), &ask, &endpoint).map_err(|e| federation(e.message))?;
    if status != 200 {
        return Err(federation(format!("HTTP {status}")).into());
    }
    let signin = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v["SigninToken"]
                .as_str()
                .map(|t| Zeroizing::new(t.to_owned()))
        })
        .ok_or_else(|| federation("the answer holds no `SigninToken`".into()))?;
    let mut url = Zeroizing::new(format!(
        "{endpoint}?Action=login&Issuer=rolecall&Destination="
    ));
    encode_into(&mut url, &destination(args.destination.as_deref(), region));
    url.push_str("&SigninToken=");
    encode_into(&mut url, &signin);
    // Nowhere to show a browser (SSH, a container, no display) and none named: print instead of
    // starting a text browser in this terminal.
    let print =
        args.print || (crate::aws::sso::login::headless(ctx) && ctx.var("BROWSER").is_none());
    if print && !args.print {
        ctx.warn(format_args!(
            "no browser here (SSH, a container or no display): the sign-in URL follows on stdout"
        ));
    }
    if print {
        let mut line = Zeroizing::new(std::mem::take(&mut *url).into_bytes());
        line.push(b'\n');
        return Ok(line);
    }
    webbrowser::open(&url).map_err(|e| ConsoleError::Browser {
        message: e.to_string(),
    })?;
    ctx.warn(format_args!(
        "opened the console for profile `{}` in the browser",
        session.profile
    ));
    Ok(Zeroizing::new(Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations() {
        for (given, region, want) in [
            (
                None,
                Some("eu-west-1"),
                "https://console.aws.amazon.com/console/home?region=eu-west-1",
            ),
            (None, None, "https://console.aws.amazon.com/console/home"),
            (
                Some("s3/home"),
                Some("us-east-1"),
                "https://console.aws.amazon.com/s3/home?region=us-east-1",
            ),
            (
                Some("/ec2/home?x=1"),
                Some("us-east-1"),
                "https://console.aws.amazon.com/ec2/home?x=1&region=us-east-1",
            ),
            (
                Some("https://example.com/a?b"),
                Some("us-east-1"),
                "https://example.com/a?b",
            ),
            (
                None,
                Some("cn-north-1"),
                "https://console.amazonaws.cn/console/home?region=cn-north-1",
            ),
            (
                None,
                Some("us-gov-west-1"),
                "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1",
            ),
        ] {
            assert_eq!(destination(given, region), want, "{given:?} {region:?}");
        }
    }
}
