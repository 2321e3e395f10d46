//! `feedgen watch --serve`: the output on 127.0.0.1 with live reload.
//!
//! Serves the output folder at the path of its `output.base_url` (`/feed/`
//! for the configs `init --ssg` writes), so every URL in the fragment
//! resolves as it will on the site; `/` is `output.page` when there is one,
//! else a bare preview page around the fragment. Every HTML page gets a few lines of
//! script that listen on `/__feedgen/events` (server-sent events) and reload
//! after each successful rebuild; a failed rebuild sends nothing, so the
//! browser keeps the last good feed.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Response, StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use feedgen::Error;
use tokio::sync::broadcast;

const RELOAD_SCRIPT: &str =
    "<script>new EventSource(\"/__feedgen/events\").onmessage = () => location.reload();</script>";

struct Site {
    root: PathBuf,
    /// The URL path the output is served under (`/feed`), or empty for `/`.
    mount: String,
    index: Option<String>,
    html: String,
    reload: broadcast::Sender<()>,
    /// Open live-reload streams, each holding a file descriptor.
    listeners: Arc<AtomicUsize>,
}

/// Live-reload streams served at once: a handful of tabs is normal; a page
/// opening thousands would use up the descriptors the rebuilds need.
pub const MAX_LIVE_CLIENTS: usize = 64;

/// Connections served at once, at most: past it, new ones wait in the
/// kernel's queue (holding none of feedgen's descriptors) until one closes.
pub const MAX_CONNECTIONS: usize = 128;

/// How long a connection may take to send a request's headers, and stay
/// idle between requests: half-open connections must not pile up. A browser
/// on this machine sends its headers at once, and reconnects when an idle
/// connection was closed.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The connection cap for this process: [`MAX_CONNECTIONS`], or a quarter
/// of the descriptors it may open, so rebuilds always have the rest.
fn connection_cap() -> usize {
    let limit = open_files_limit().unwrap_or(1024);
    (limit / 4).clamp(8, MAX_CONNECTIONS as u64) as usize
}

/// The soft limit of open files, raised to the hard limit first (the
/// soft default, 256 on macOS and 1,024 on Linux, is small for a server
/// beside a build).
fn open_files_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `limit` is a valid rlimit the call writes into.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            return None;
        }
        // macOS refuses more than OPEN_MAX (10,240) even when the hard limit is unlimited.
        #[cfg(target_os = "macos")]
        let wanted = limit.rlim_max.min(10_240);
        #[cfg(not(target_os = "macos"))]
        let wanted = limit.rlim_max;
        if wanted > limit.rlim_cur {
            let raised = libc::rlimit {
                rlim_cur: wanted,
                rlim_max: limit.rlim_max,
            };
            // SAFETY: a valid rlimit, read only by the call.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
                limit.rlim_cur = wanted;
            }
        }
        #[allow(clippy::unnecessary_cast)] // `rlim_t` is not `u64` on every Unix
        Some(limit.rlim_cur as u64)
    }
    #[cfg(not(unix))]
    None
}

/// Whether the request was addressed to this machine by a loopback name. A
/// web page elsewhere can point its own host name at 127.0.0.1 (DNS
/// rebinding) and read the preview; its requests carry that name as `Host`.
fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    feedgen::http::is_loopback(name)
}

fn refused(status: StatusCode, why: &'static str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONNECTION, "close")
        .body(Body::from(why))
        .unwrap()
}

const FOREIGN_HOST: &str =
    "feedgen's preview answers only to localhost, 127.0.0.1 or [::1] as the Host";

/// Counts an open live-reload stream until dropped.
struct Listening(Arc<AtomicUsize>);

impl Drop for Listening {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A running preview server; rebuilds call [`Server::reload`].
pub struct Server {
    reload: broadcast::Sender<()>,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    /// Tells every open page to reload.
    pub fn reload(&self) {
        let _ = self.reload.send(());
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("jpg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        _ => "application/octet-stream",
    }
}

fn with_reload(html: &str) -> String {
    match html.rfind("</body>") {
        Some(i) => format!("{}{RELOAD_SCRIPT}\n{}", &html[..i], &html[i..]),
        None => format!("{html}{RELOAD_SCRIPT}\n"),
    }
}

/// The path to serve: `/` and the mount itself are the preview page (an
/// empty path); below the mount, the rest of the path; elsewhere nothing.
fn under_mount<'a>(path: &'a str, mount: &str) -> Option<&'a str> {
    if path == "/" {
        return Some("");
    }
    let rest = path.strip_prefix(mount)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    Some(rest.trim_start_matches('/'))
}

/// The URL path a `base_url` puts the output under: its path when it is
/// root-relative (`/feed/`) or absolute (`https://example.org/feed/`), none
/// when it is relative or empty (the output is then served at `/`).
pub fn mount_of(base_url: &str) -> String {
    let path = if base_url.starts_with('/') && !base_url.starts_with("//") {
        base_url
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_string()
    } else {
        match url::Url::parse(base_url) {
            Ok(u) if u.has_host() => u.path().to_string(),
            _ => String::new(),
        }
    };
    path.trim_end_matches('/').to_string()
}

async fn file(State(site): State<Arc<Site>>, headers: HeaderMap, uri: Uri) -> Response<Body> {
    if !loopback_host(&headers) {
        return refused(StatusCode::FORBIDDEN, FOREIGN_HOST);
    }
    let not_found = || {
        Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::from("not found"))
            .unwrap()
    };
    let Some(rel) = under_mount(uri.path(), &site.mount) else {
        return not_found();
    };
    let ok = |ct: &str, body: Vec<u8>| {
        Response::builder()
            .header(header::CONTENT_TYPE, ct)
            .header(header::CACHE_CONTROL, "no-store")
            .body(Body::from(body))
            .unwrap()
    };
    if rel.is_empty() {
        let html = match &site.index {
            Some(page) => std::fs::read_to_string(site.root.join(page)).unwrap_or_default(),
            None => {
                let fragment =
                    std::fs::read_to_string(site.root.join(&site.html)).unwrap_or_default();
                format!(
                    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>feedgen preview</title><link rel=\"icon\" href=\"data:,\"></head>\n<body><main style=\"max-width:1080px;margin:auto;padding:1rem\">\n{fragment}</main></body></html>\n"
                )
            }
        };
        return ok("text/html; charset=utf-8", with_reload(&html).into_bytes());
    }
    let path = Path::new(rel);
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return not_found();
    }
    let full = site.root.join(path);
    match std::fs::read(&full) {
        Ok(bytes) if content_type(&full).starts_with("text/html") => ok(
            content_type(&full),
            with_reload(&String::from_utf8_lossy(&bytes)).into_bytes(),
        ),
        Ok(bytes) => ok(content_type(&full), bytes),
        Err(_) => not_found(),
    }
}

async fn events(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response<Body> {
    if !loopback_host(&headers) {
        return refused(StatusCode::FORBIDDEN, FOREIGN_HOST);
    }
    if site.listeners.fetch_add(1, Ordering::SeqCst) >= MAX_LIVE_CLIENTS {
        site.listeners.fetch_sub(1, Ordering::SeqCst);
        return refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many live-reload connections; close some preview tabs",
        );
    }
    let guard = Listening(site.listeners.clone());
    let rx = site.reload.subscribe();
    let stream = futures_util::stream::unfold((rx, guard), |(mut rx, guard)| async move {
        match rx.recv().await {
            Ok(()) | Err(broadcast::error::RecvError::Lagged(_)) => Some((
                Ok::<_, Infallible>(Event::default().data("reload")),
                (rx, guard),
            )),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// Serves `app` on `listener`, `cap` connections at a time, each closed when
/// its request headers take longer than [`HEADER_READ_TIMEOUT`] (also while
/// idle between requests).
async fn accept(listener: tokio::net::TcpListener, app: axum::Router, cap: usize) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let slots = Arc::new(tokio::sync::Semaphore::new(cap));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors, or a connection reset while queued: go on.
                tracing::debug!("preview server: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(slot);
        });
    }
}

/// Starts serving `root` under `mount` (from [`mount_of`]) on `addr`
/// (loopback only); returns the server and its address.
pub fn start(
    addr: &str,
    root: PathBuf,
    mount: String,
    index: Option<String>,
    html: String,
) -> Result<(Server, SocketAddr), Error> {
    let addr: SocketAddr = addr.parse().map_err(|_| {
        feedgen::error::ConfigError::invalid(
            "--serve",
            &format!("`{addr}` is not an address such as 127.0.0.1:8000"),
        )
    })?;
    if !addr.ip().is_loopback() {
        return Err(feedgen::error::ConfigError::invalid(
            "--serve",
            "the preview server listens on loopback only (127.0.0.1 or [::1]); it is for local development",
        )
        .into());
    }
    let runtime = super::runtime()?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(addr))
        .map_err(|e| Error::io("listen on", addr.to_string(), e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::io("listen on", addr.to_string(), e))?;
    let (reload, _) = broadcast::channel(16);
    let site = Arc::new(Site {
        root,
        mount,
        index,
        html,
        reload: reload.clone(),
        listeners: Arc::new(AtomicUsize::new(0)),
    });
    let app = axum::Router::new()
        .route("/__feedgen/events", get(events))
        .fallback(file)
        .with_state(site);
    runtime.spawn(accept(listener, app, connection_cap()));
    Ok((
        Server {
            reload,
            _runtime: runtime,
        },
        local,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_is_served_where_its_base_url_says() {
        assert_eq!(mount_of("/feed/"), "/feed");
        assert_eq!(mount_of("/a/b"), "/a/b");
        assert_eq!(mount_of("https://example.org/feed/"), "/feed");
        assert_eq!(mount_of("https://cdn.example.org/"), "");
        assert_eq!(mount_of(""), "");
        assert_eq!(mount_of("feed/"), "");
        assert_eq!(mount_of("//cdn.example.org/feed/"), "");
        assert_eq!(under_mount("/", "/feed"), Some(""));
        assert_eq!(under_mount("/feed", "/feed"), Some(""));
        assert_eq!(under_mount("/feed/", "/feed"), Some(""));
        assert_eq!(
            under_mount("/feed/media/a.webp", "/feed"),
            Some("media/a.webp")
        );
        assert_eq!(under_mount("/feedx/a", "/feed"), None);
        assert_eq!(under_mount("/media/a.webp", "/feed"), None);
        assert_eq!(under_mount("/media/a.webp", ""), Some("media/a.webp"));
    }
}
