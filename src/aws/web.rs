//! One HTTPS (or, for loopback fakes, HTTP) GET outside the SDKs: the console's federation
//! endpoint, and container endpoints over `https`. It runs on the [`Aws`] runtime with the same TLS stack the SDK clients use (rustls
//! with aws-lc, the system's roots), bounded by a deadline and a body cap.

use crate::aws::service::Aws;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

const DEADLINE: Duration = Duration::from_secs(30);
const MAX_BODY: usize = 1024 * 1024;

/// A GET that got no usable answer; `url` never carries a secret (the caller strips it).
#[derive(Debug)]
pub struct WebError {
    pub url: String,
    pub message: String,
}

impl fmt::Display for WebError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.url, self.message)
    }
}

impl std::error::Error for WebError {}

/// GET `url`: its status and body. `shown` is what errors call it (the URL without its query,
/// which may hold credentials).
pub fn get(aws: &Aws, url: &str, shown: &str) -> Result<(u16, Zeroizing<Vec<u8>>), WebError> {
    get_with(aws, url, shown, &[], DEADLINE)
}

/// [`get`] with request headers and a deadline of the caller's.
pub fn get_with(
    aws: &Aws,
    url: &str,
    shown: &str,
    headers: &[(&str, &str)],
    deadline: Duration,
) -> Result<(u16, Zeroizing<Vec<u8>>), WebError> {
    let fail = |message: String| WebError {
        url: shown.to_owned(),
        message,
    };
    aws.ready().map_err(|e| fail(e.to_string()))?;
    let uri: hyper::Uri = url.parse().map_err(|e| fail(format!("not a URL: {e}")))?;
    let tls = tls_config().map_err(&fail)?;
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, Empty<Bytes>>(connector);
    let mut request = hyper::Request::get(uri).header(
        "user-agent",
        concat!("rolecall/", env!("CARGO_PKG_VERSION")),
    );
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Empty::new())
        .map_err(|e| fail(e.to_string()))?;
    aws.block_on(async {
        let call = async {
            let response = client
                .request(request)
                .await
                .map_err(|e| fail(root_cause(&e)))?;
            let status = response.status().as_u16();
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| fail(format!("cannot read the answer: {e}")))?
                .to_bytes()
                .to_vec();
            // The body may hold credentials (a container endpoint's answer).
            let body = Zeroizing::new(body);
            Ok((status, body))
        };
        match tokio::time::timeout(deadline, call).await {
            Ok(answer) => answer,
            Err(_) => Err(fail(format!(
                "no answer within {} ms",
                deadline.as_millis()
            ))),
        }
    })
}

fn tls_config() -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for cert in found.certs {
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        return Err("no trusted root certificates on this system".into());
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The innermost cause: the one that says "connection refused" or "certificate".
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
