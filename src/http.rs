//! The one HTTP client of a build, and the rules for where media may come from.
//!
//! One `reqwest::Client` is shared by the API calls and the media downloads so
//! connections are reused. Every request has explicit timeouts. Errors lose their
//! URL (which may carry `access_token`) before they are kept.

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::secret::url_for_display;

/// Whole-request timeout: a slow page of 100 posts still fits, a hung server does not.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Connection timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest media body accepted; Instagram's 1080 px JPEGs are well under 2 MB.
pub const MAX_MEDIA_BYTES: usize = 32 * 1024 * 1024;
/// Redirects followed for a media download (each one re-checked against the allow-list).
pub const MAX_REDIRECTS: usize = 5;

/// The `User-Agent` of every request.
pub fn user_agent() -> String {
    format!("feedgen/{}", env!("CARGO_PKG_VERSION"))
}

/// Whether `host` is a loopback name or address, where plain http is acceptable.
pub fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

/// Which hosts media may be downloaded from.
///
/// By default only Instagram's CDNs over https (`*.cdninstagram.com`, `*.fbcdn.net`);
/// `FEEDGEN_MEDIA_HOSTS` adds exact `host[:port]` entries, where plain http is
/// accepted only for loopback (test servers).
#[derive(Debug, Clone, Default)]
pub struct MediaHosts {
    extra: Vec<String>,
}

const CDN_SUFFIXES: [&str; 2] = [".cdninstagram.com", ".fbcdn.net"];

impl MediaHosts {
    /// The default CDN rules plus `extra` exact `host[:port]` entries.
    pub fn new(extra: &[String]) -> Self {
        MediaHosts {
            extra: extra.iter().map(|h| h.to_ascii_lowercase()).collect(),
        }
    }

    /// Whether a download from `url` is allowed.
    pub fn allows(&self, url: &Url) -> bool {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
            return false;
        };
        let host_port = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        let listed = self.extra.iter().any(|h| *h == host_port || *h == host);
        match url.scheme() {
            "https" => {
                listed
                    || CDN_SUFFIXES
                        .iter()
                        .any(|s| host.ends_with(s) && host.len() > s.len())
            }
            "http" => listed && is_loopback(&host),
            _ => false,
        }
    }
}

/// Builds the client: timeouts, user agent, and a redirect policy that never
/// leaves the media allow-list (a CDN redirect to another host is refused).
pub fn client(media_hosts: &MediaHosts) -> reqwest::Client {
    client_with_timeout(media_hosts, REQUEST_TIMEOUT)
}

/// [`client`] with another whole-request timeout (`http.timeout`).
pub fn client_with_timeout(media_hosts: &MediaHosts, timeout: Duration) -> reqwest::Client {
    // rustls' `ring` provider: the default one (aws-lc-rs) compiles a C library
    // with cmake, the longest step of a cold build, for nothing a feed needs.
    // An error only means a provider is installed already (a library user's).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let hosts = Arc::new(media_hosts.clone());
    let builder = || {
        reqwest::Client::builder()
            .user_agent(user_agent())
            .timeout(timeout)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(redirect_policy(hosts.clone()))
    };
    match builder().build() {
        Ok(client) => client,
        Err(err) => {
            // The system store is empty or unreadable: a `FROM scratch` image, a
            // chroot, a broken SSL_CERT_FILE. The bundled Mozilla roots still let
            // feedgen reach Instagram; a store the user pointed at is worth a warning.
            let why = describe(err);
            if std::env::var_os("SSL_CERT_FILE").is_some()
                || std::env::var_os("SSL_CERT_DIR").is_some()
            {
                tracing::warn!(
                    "no CA certificates could be read from SSL_CERT_FILE/SSL_CERT_DIR ({why}); using the Mozilla roots built into feedgen"
                );
            } else {
                tracing::debug!(
                    "no system CA certificates ({why}); using the Mozilla roots built into feedgen"
                );
            }
            builder()
                .tls_certs_only(bundled_roots())
                .build()
                .expect("the TLS backend initialises with the bundled roots")
        }
    }
}

/// Follows redirects only within the media allow-list, at most [`MAX_REDIRECTS`].
fn redirect_policy(hosts: Arc<MediaHosts>) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if hosts.allows(attempt.url()) {
            attempt.follow()
        } else {
            let shown = url_for_display(attempt.url());
            attempt.error(format!(
                "redirect to {shown}, which is not an allowed media host"
            ))
        }
    })
}

/// The Mozilla root certificates compiled into feedgen (the `webpki-root-certs` crate).
fn bundled_roots() -> Vec<reqwest::Certificate> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .filter_map(|der| reqwest::Certificate::from_der(der).ok())
        .collect()
}

/// Reads a body up to `cap` bytes; more is an error, not a silent truncation.
pub async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, BodyError> {
    if let Some(len) = response.content_length()
        && len as usize > cap
    {
        return Err(BodyError::TooLarge(format!(
            "the body is {len} bytes, over the {cap}-byte limit"
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        if e.is_timeout() {
            BodyError::Stalled(describe(e))
        } else {
            BodyError::Broken(describe(e))
        }
    })? {
        if body.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge(format!(
                "the body exceeds the {cap}-byte limit"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Why a response body was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// Over the cap: the same answer would be just as large, so no retry.
    TooLarge(String),
    /// The connection broke while reading; worth another attempt.
    Broken(String),
    /// The body stopped arriving before the request's timeout ran out;
    /// another attempt may succeed, but costs the timeout again.
    Stalled(String),
}

impl BodyError {
    /// Whether reading again could succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, BodyError::Broken(_) | BodyError::Stalled(_))
    }

    /// Whether the body timed out: a slow sender, not a broken link.
    pub fn is_stall(&self) -> bool {
        matches!(self, BodyError::Stalled(_))
    }
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge(m) | BodyError::Broken(m) | BodyError::Stalled(m) => f.write_str(m),
        }
    }
}

/// A reqwest error's text without any URL in it, with its causes.
pub fn describe(err: reqwest::Error) -> String {
    let err = err.without_url();
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn default_hosts_are_instagram_cdns_over_https() {
        let h = MediaHosts::new(&[]);
        assert!(h.allows(&u("https://scontent-cdg4-2.cdninstagram.com/v/x.jpg?oe=1")));
        assert!(h.allows(&u("https://video.fbcdn.net/x.jpg")));
        assert!(!h.allows(&u("http://scontent.cdninstagram.com/x.jpg")));
        assert!(!h.allows(&u("https://cdninstagram.com.evil.net/x.jpg")));
        assert!(!h.allows(&u("https://evilcdninstagram.com/x.jpg")));
        assert!(!h.allows(&u("https://127.0.0.1:8080/x.jpg")));
    }

    #[test]
    fn extra_hosts_need_exact_port_and_http_only_on_loopback() {
        let h = MediaHosts::new(&["127.0.0.1:8080".into(), "media.example.com".into()]);
        assert!(h.allows(&u("http://127.0.0.1:8080/cdn/x.jpg")));
        assert!(!h.allows(&u("http://127.0.0.1:8081/cdn/x.jpg")));
        assert!(h.allows(&u("https://media.example.com/x.jpg")));
        assert!(!h.allows(&u("http://media.example.com/x.jpg")));
    }
}
