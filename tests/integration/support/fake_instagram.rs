//! A fake `graph.instagram.com` plus its CDN, on real HTTP at 127.0.0.1.
//!
//! Built from `shared/docs/instagram-api.md`, not from our client:
//! - `/me`, `/me/media`, `/{user-id}`, `/{user-id}/media`, `/{media-id}`, each
//!   also under a version prefix (`/v21.0/...`);
//! - the token in `access_token`; a wrong one gets the 190 Graph error envelope;
//! - field selection: only the requested fields come back, `children{...}`
//!   expands inline, and an unknown field is a code-100 error;
//! - cursor paging: `limit` capped by the server, `next` absolute, versioned,
//!   with the numeric user id and the token in it, absent on the last page;
//! - timestamps as `2017-08-31T18:10:00+0000`, `/` escaped as `\/`;
//! - `X-App-Usage` on every graph response;
//! - a CDN whose URLs carry `oe` (hex expiry) and `oh` (signature), answering
//!   `403 URL signature expired` (text/plain) once the clock passes `oe`.
//!
//! Tests change its behaviour through [`FakeInstagram::with`] and read its
//! counters to assert how many calls a build made.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Method, Response, Uri, header};
use serde_json::{Map, Value, json};

/// The API version used in `next` links, as the real API does.
pub const API_VERSION: &str = "v21.0";
/// A token that is obviously fake but long like a real one.
pub const TEST_TOKEN: &str =
    "IGAAtest-token-NOT-REAL-7f3a9c1e5b2d8f4a6c0e9b7d5f3a1c8e6b4d2f0a9c7e5b3d1f8a6c4e2b0d9f7a5c3e1";
/// How long CDN URLs live by default (the real ones: 3–5 days).
pub const URL_LIFETIME_SECS: i64 = 4 * 24 * 3600;
/// `expires_in` of refreshed tokens, as in Meta's documentation.
pub const REFRESH_EXPIRES_IN: i64 = 5_183_944;
/// The app id, app secret, redirect URI and authorization code the fake accepts.
pub const APP_ID: &str = "990011223344";
pub const APP_SECRET: &str = "fake-app-secret-0123456789abcdef";
pub const REDIRECT_URI: &str = "https://example.com/auth/";
pub const AUTH_CODE: &str = "AQBfakeAuthorizationCode-0123456789";

/// A token the fake has issued.
#[derive(Debug, Clone)]
pub struct FakeToken {
    /// Unix seconds.
    pub issued_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// Short-lived (from the code exchange) or long-lived.
    pub long_lived: bool,
}

/// One child of a carousel.
#[derive(Debug, Clone, Default)]
pub struct FakeChild {
    pub id: String,
    /// `IMAGE` or `VIDEO`.
    pub media_type: &'static str,
    /// Name of the image in [`State::images`] (the photo, or the video's poster).
    pub image: String,
}

/// One post as the fake API holds it.
#[derive(Debug, Clone, Default)]
pub struct FakePost {
    pub id: String,
    /// `IMAGE`, `VIDEO` or `CAROUSEL_ALBUM`.
    pub media_type: &'static str,
    /// `FEED`, `REELS` or the legacy `IGTV` (`media_product_type`); reels
    /// link to `/reel/`, IGTV videos to `/tv/`.
    pub product_type: &'static str,
    /// `like_count`: absent when the owner hides likes.
    pub like_count: Option<u64>,
    /// `comments_count`.
    pub comments_count: u64,
    pub caption: Option<String>,
    pub alt_text: Option<String>,
    pub shortcode: String,
    /// Unix seconds.
    pub timestamp: i64,
    /// Image name: the photo, the video's poster, or the album's first child.
    pub image: String,
    pub children: Vec<FakeChild>,
    /// A video with licensed audio, or a reel whose owner turned downloads
    /// off: `media_url` is omitted when another account reads it (Business Discovery).
    pub licensed_audio: bool,
    /// No `thumbnail_url` either: a video with no poster to show.
    pub no_poster: bool,
    /// A video's file: a name in [`State::images`] served by the CDN, or an
    /// absolute URL as it is; without one, a link to nothing.
    pub video: Option<String>,
    /// A reel's `is_shared_to_feed`: `Some(false)` for a reel kept off the
    /// profile grid (a trial reel too); reels answer `true` otherwise.
    pub shared_to_feed: Option<bool>,
}

impl FakePost {
    /// `media_product_type`: as set, else `REELS` for videos and `FEED` otherwise.
    pub fn product(&self) -> &'static str {
        match (self.product_type, self.media_type) {
            ("", "VIDEO") => "REELS",
            ("", _) => "FEED",
            (p, _) => p,
        }
    }
}

/// A scripted answer to a graph request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// This status and JSON body, with extra headers (e.g. usage).
    Graph {
        status: u16,
        body: Value,
        headers: Vec<(&'static str, String)>,
    },
    /// HTTP 200 with these raw bytes as the "JSON" body.
    Raw(Vec<u8>),
    /// A hostile server that echoes the request: this status and body, with
    /// `@REQUEST@` replaced by the request's path and query (the token in
    /// it), or by the form body of a POST (the app secret in it), JSON-escaped.
    Reflect { status: u16, body: &'static str },
}

impl Fault {
    /// A throttling error as Graph sends it: `code` with HTTP `status` (400 or 403, not 429).
    pub fn throttle(status: u16, code: i64, regain_minutes: u64) -> Self {
        let message = match code {
            4 => "(#4) Application request limit reached",
            17 => "(#17) User request limit reached",
            32 => "(#32) Page request limit reached",
            613 => "(#613) Calls to this api have exceeded the rate limit.",
            _ => "There have been too many calls to this Instagram account",
        };
        Fault::Graph {
            status,
            body: json!({"error": {"message": message, "type": "OAuthException", "is_transient": true, "code": code, "fbtrace_id": "AzThrottle"}}),
            headers: vec![(
                "x-business-use-case-usage",
                format!(
                    r#"{{"17841400000000001":[{{"type":"instagram","call_count":100,"total_cputime":12,"total_time":14,"estimated_time_to_regain_access":{regain_minutes}}}]}}"#
                ),
            )],
        }
    }

    /// `500`, Graph code 2, `is_transient`.
    pub fn unavailable() -> Self {
        Fault::Graph {
            status: 500,
            body: json!({"error": {"message": "Service temporarily unavailable", "type": "OAuthException", "is_transient": true, "code": 2, "fbtrace_id": "AzUnavail"}}),
            headers: vec![],
        }
    }

    fn response(&self) -> Response<Body> {
        self.response_to("")
    }

    /// The answer to a request whose path and query (or POST body) is `request`.
    fn response_to(&self, request: &str) -> Response<Body> {
        match self {
            Fault::Reflect { status, body } => {
                let escaped = serde_json::to_string(request).unwrap();
                let text = body.replace("@REQUEST@", &escaped[1..escaped.len() - 1]);
                Response::builder()
                    .status(*status)
                    .header(header::CONTENT_TYPE, "application/json; charset=UTF-8")
                    .body(Body::from(text))
                    .unwrap()
            }
            Fault::Graph {
                status,
                body,
                headers,
            } => {
                let mut r = graph_json(*status, body);
                for (k, v) in headers {
                    r.headers_mut().insert(*k, v.parse().unwrap());
                }
                r
            }
            Fault::Raw(bytes) => Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "application/json; charset=UTF-8")
                .body(Body::from(bytes.clone()))
                .unwrap(),
        }
    }
}

/// A scripted answer of the CDN for one image, on every request for it.
#[derive(Debug, Clone)]
pub enum CdnFault {
    /// This status with a text/plain body.
    Status(u16, &'static str),
    /// `302` to this URL.
    Redirect(String),
    /// `200` with the file's bytes under this Content-Type.
    Typed(&'static str),
    /// `200` with the headers at once, then the file a byte every half second.
    Trickle,
}

/// A canned Graph error returned for every graph request while set.
#[derive(Debug, Clone)]
pub struct FakeError {
    pub status: u16,
    pub body: Value,
}

impl FakeError {
    /// This error as an HTTP response.
    pub fn response(&self) -> Response<Body> {
        graph_json(self.status, &self.body)
    }

    /// `190/463`, as sent for an expired token.
    pub fn expired_token() -> Self {
        FakeError {
            status: 400,
            body: json!({"error": {
                "message": "Error validating access token: Session has expired on Friday, 11-Sep-20 06:41:31 PDT. The current time is Wednesday, 18-Nov-20 06:50:07 PST.",
                "type": "OAuthException", "code": 190, "error_subcode": 463,
                "fbtrace_id": "AbCdEfGhIjKlMnOp"}}),
        }
    }
}

/// Everything the fake knows and counts.
#[derive(Debug)]
pub struct State {
    /// Every token issued, valid until its `expires_at`.
    pub tokens: HashMap<String, FakeToken>,
    /// While set, `refresh_access_token` answers with this error.
    pub refresh_error: Option<FakeError>,
    /// Tokens issued by refresh and exchange so far.
    pub issued: usize,
    /// Authorization codes already used (they are single-use).
    pub used_codes: Vec<String>,
    pub user_id: String,
    pub username: String,
    /// The profile's display name and picture (an image name), for `/me?fields=name,profile_picture_url`.
    pub name: String,
    pub picture: Option<String>,
    pub followers: u64,
    pub posts: Vec<FakePost>,
    /// Image bytes by name, served by the CDN.
    pub images: HashMap<String, Vec<u8>>,
    /// The server's cap on `limit` (the real one: 100).
    pub max_page_size: usize,
    /// Seconds since the epoch; the CDN judges `oe` against it.
    pub now: i64,
    /// While set, every graph request gets this error.
    pub error: Option<FakeError>,
    /// Answers for the next graph requests, one each, in order.
    pub faults: std::collections::VecDeque<Fault>,
    /// Answers for every graph request whose path and query contain the string.
    pub sticky_faults: Vec<(String, Fault)>,
    /// Answers of the CDN by image name.
    pub cdn_faults: HashMap<String, CdnFault>,
    /// Random `503`s on graph and CDN requests: (seeded generator, probability).
    pub flaky: Option<(fastrand::Rng, f64)>,
    /// Headers added to every graph answer (e.g. `x-app-usage`).
    pub extra_headers: Vec<(&'static str, String)>,
    /// The next request waits this long before being answered.
    pub hang_next: Option<std::time::Duration>,
    /// `/me/media` hands out CDN links that already expired (`/{media-id}` gives fresh ones).
    pub stale_listing_urls: bool,
    /// The next this-many connections are closed as soon as they are accepted (a reset).
    pub resets: usize,
    /// Graph requests served, by path (without query).
    pub graph_requests: Vec<String>,
    /// CDN requests served (any outcome).
    pub cdn_requests: usize,
    /// Every `access_token` value received, to check nothing else was sent.
    pub tokens_seen: Vec<String>,
    /// Set: the fake is graph.facebook.com (Facebook Login), not graph.instagram.com.
    pub facebook: Option<super::fake_facebook::FakeFacebook>,
    /// While set, `/media` answers empty pages with a `next` link forever:
    /// `Some(true)` with the same cursor each time, `Some(false)` a new one.
    pub endless_paging: Option<bool>,
    /// While set, every `/media` page sends the newest posts again under a
    /// new cursor, with a `next` link forever.
    pub looping_pages: bool,
    /// CDN requests for these image names stall for a minute.
    pub stalled_images: Vec<String>,
    /// Album children carry their id only, as some live answers do.
    pub children_ids_only: bool,
    /// While set, an album's inline `children` edge holds this many items and
    /// a `paging.next` to `/{album-id}/children` for the rest.
    pub children_page_size: Option<usize>,
}

/// A running fake; stops when dropped.
pub struct FakeInstagram {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeInstagram {
    /// Starts a fake serving `posts` for user `feedgen.test`.
    pub fn start(posts: Vec<FakePost>, images: HashMap<String, Vec<u8>>) -> Self {
        let now = chrono::Utc::now().timestamp();
        let state = Arc::new(Mutex::new(State {
            tokens: HashMap::from([(
                TEST_TOKEN.to_string(),
                FakeToken {
                    issued_at: now - 3600,
                    expires_at: now + 59 * 86_400,
                    long_lived: true,
                },
            )]),
            refresh_error: None,
            issued: 0,
            used_codes: Vec::new(),
            user_id: "17841400000000001".into(),
            username: "feedgen.test".into(),
            name: "Feedgen Test".into(),
            picture: None,
            followers: 1234,
            posts,
            images,
            max_page_size: 100,
            now,
            error: None,
            faults: Default::default(),
            sticky_faults: Vec::new(),
            cdn_faults: HashMap::new(),
            flaky: None,
            extra_headers: Vec::new(),
            hang_next: None,
            stale_listing_urls: false,
            resets: 0,
            graph_requests: Vec::new(),
            cdn_requests: 0,
            tokens_seen: Vec::new(),
            facebook: None,
            endless_paging: None,
            looping_pages: false,
            stalled_images: Vec::new(),
            children_ids_only: false,
            children_page_size: None,
        }));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let shared = state.clone();
        let reset_state = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = ResettingListener {
                    inner: tokio::net::TcpListener::from_std(listener).unwrap(),
                    state: reset_state,
                };
                let app =
                    axum::Router::new().fallback(move |method: Method, uri: Uri, body: String| {
                        let state = shared.clone();
                        async move {
                            let hang = {
                                let mut s = state.lock().unwrap();
                                let stalled = s
                                    .stalled_images
                                    .iter()
                                    .any(|n| uri.path().ends_with(n.as_str()));
                                s.hang_next
                                    .take()
                                    .or(stalled.then_some(std::time::Duration::from_secs(60)))
                            };
                            if let Some(d) = hang {
                                tokio::time::sleep(d).await;
                            }
                            if method == Method::POST {
                                oauth(&state, &uri, &body)
                            } else {
                                handle(&state, addr, &uri)
                            }
                        }
                    });
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        FakeInstagram {
            addr,
            state,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// A fake graph.facebook.com: the account is the Instagram business account
    /// of one Facebook Page, read with [`super::fake_facebook::FB_USER_TOKEN`].
    pub fn start_facebook(posts: Vec<FakePost>, images: HashMap<String, Vec<u8>>) -> Self {
        let fake = FakeInstagram::start(posts, images);
        fake.with(|s| s.facebook = Some(super::fake_facebook::FakeFacebook::new(&s.user_id)));
        fake
    }

    /// `http://127.0.0.1:PORT`: the value for `FEEDGEN_API_BASE`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:PORT`: the value for `FEEDGEN_MEDIA_HOSTS`.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// Reads or changes the state.
    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    /// Issues a short-lived (1 hour) token, as the Login flow hands out, for
    /// `token exchange` to trade.
    pub fn short_lived_token(&self) -> String {
        self.with(|f| {
            let t = "IGAAshort-NOT-REAL-token-value-000000000000000000000000000000".to_string();
            f.tokens.insert(
                t.clone(),
                FakeToken {
                    issued_at: f.now,
                    expires_at: f.now + 3600,
                    long_lived: false,
                },
            );
            t
        })
    }

    /// A fresh signed CDN link to the image `name`, for hand-made pages.
    pub fn cdn_url_for(&self, name: &str) -> String {
        let now = self.with(|s| s.now);
        cdn_url(self.addr, name, now)
    }

    /// Clears the request counters.
    pub fn reset_counts(&self) {
        self.with(|s| {
            s.graph_requests.clear();
            s.cdn_requests = 0;
            s.tokens_seen.clear();
        });
    }
}

impl Drop for FakeInstagram {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Drops the first [`State::resets`] connections right after accepting them.
struct ResettingListener {
    inner: tokio::net::TcpListener,
    state: Arc<Mutex<State>>,
}

impl axum::serve::Listener for ResettingListener {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = axum::serve::Listener::accept(&mut self.inner).await;
            let reset = {
                let mut s = self.state.lock().unwrap();
                let reset = s.resets > 0;
                s.resets = s.resets.saturating_sub(1);
                reset
            };
            if reset {
                // A zero linger makes the close an RST, a real reset; with zero
                // it cannot block, which is what the deprecation warns about.
                #[allow(deprecated)]
                let _ = stream.set_linger(Some(std::time::Duration::ZERO));
                drop(stream);
                continue;
            }
            return (stream, addr);
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

fn query_map(uri: &Uri) -> HashMap<String, String> {
    uri.query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

/// Graph JSON: `/` escaped as `\/`, as the real API sends it.
pub(super) fn graph_json(status: u16, body: &Value) -> Response<Body> {
    let text = serde_json::to_string(body).unwrap().replace('/', "\\/");
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=UTF-8")
        .header(
            "x-app-usage",
            r#"{"call_count":3,"total_time":1,"total_cputime":1}"#,
        )
        .header("facebook-api-version", API_VERSION)
        .header(
            header::CACHE_CONTROL,
            "private, no-cache, no-store, must-revalidate",
        )
        .body(Body::from(text))
        .unwrap()
}

pub(super) fn graph_error(
    status: u16,
    code: i64,
    subcode: Option<i64>,
    kind: &str,
    message: &str,
) -> Response<Body> {
    let mut e =
        json!({"message": message, "type": kind, "code": code, "fbtrace_id": "AzFakeTrace01"});
    if let Some(s) = subcode {
        e["error_subcode"] = json!(s);
    }
    graph_json(status, &json!({ "error": e }))
}

fn text(status: u16, body: &str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn signature(name: &str, oe: &str) -> String {
    let h = blake3::hash(format!("fake-cdn-secret/{name}/{oe}").as_bytes()).to_hex();
    format!("00_{}", &h[..24])
}

pub(super) fn cdn_url(addr: SocketAddr, name: &str, now: i64) -> String {
    let oe = format!("{:X}", now + URL_LIFETIME_SECS);
    let oh = signature(name, &oe);
    format!("http://{addr}/cdn/v/t51.29350-15/{name}?_nc_cat=100&ccb=1-7&oh={oh}&oe={oe}")
}

fn flaky_hit(s: &mut State) -> bool {
    match &mut s.flaky {
        Some((rng, p)) => rng.f64() < *p,
        None => false,
    }
}

fn handle(state: &Mutex<State>, addr: SocketAddr, uri: &Uri) -> Response<Body> {
    let mut s = state.lock().unwrap();
    let mut r = handle_locked(&mut s, addr, uri);
    if !uri.path().starts_with("/cdn/") {
        for (k, v) in &s.extra_headers {
            r.headers_mut().insert(*k, v.parse().unwrap());
        }
    }
    r
}

fn handle_locked(s: &mut State, addr: SocketAddr, uri: &Uri) -> Response<Body> {
    let path = uri.path().to_string();
    let q = query_map(uri);
    if let Some(name) = path.strip_prefix("/cdn/v/t51.29350-15/") {
        return cdn(s, name, &q);
    }
    s.graph_requests.push(path.clone());
    if let Some(t) = q.get("access_token") {
        s.tokens_seen.push(t.clone());
    }
    if let Some(r) = scripted(s, addr, uri) {
        return r;
    }
    graph(s, addr, &path, &q)
}

/// The CDN host: signed, expiring image and video URLs, and the faults a test set on them.
fn cdn(s: &mut State, name: &str, q: &HashMap<String, String>) -> Response<Body> {
    s.cdn_requests += 1;
    let name = name.to_string();
    let (Some(oe), Some(oh)) = (q.get("oe"), q.get("oh")) else {
        return text(403, "Bad URL hash");
    };
    if *oh != signature(&name, oe) {
        return text(403, "Bad URL hash");
    }
    let expiry = i64::from_str_radix(oe, 16).unwrap_or(0);
    if s.now > expiry {
        return text(403, "URL signature expired");
    }
    if flaky_hit(s) {
        return text(503, "Service Unavailable");
    }
    match s.cdn_faults.get(&name) {
        Some(CdnFault::Status(code, body)) => return text(*code, body),
        Some(CdnFault::Redirect(to)) => {
            return Response::builder()
                .status(302)
                .header(header::LOCATION, to.as_str())
                .body(Body::empty())
                .unwrap();
        }
        Some(CdnFault::Typed(kind)) => {
            return Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, *kind)
                .body(Body::from(s.images.get(&name).cloned().unwrap_or_default()))
                .unwrap();
        }
        Some(CdnFault::Trickle) => {
            let bytes = s.images.get(&name).cloned().unwrap_or_default();
            let len = bytes.len();
            let body = futures_util::stream::unfold(0, move |i| {
                let byte = bytes.get(i).copied();
                async move {
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    byte.map(|b| (Ok::<_, std::io::Error>(vec![b]), i + 1))
                }
            });
            return Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "video/mp4")
                .header(header::CONTENT_LENGTH, len)
                .body(Body::from_stream(body))
                .unwrap();
        }
        None => {}
    }
    match s.images.get(&name) {
        Some(bytes) => Response::builder()
            .status(200)
            .header(
                header::CONTENT_TYPE,
                if name.ends_with(".mp4") {
                    "video/mp4"
                } else {
                    "image/jpeg"
                },
            )
            .body(Body::from(bytes.clone()))
            .unwrap(),
        None => text(404, "Not Found"),
    }
}

/// What a test scripted for the Graph host, before any real answer: a
/// fixed error, faults (sticky, or next in line), endless paging, flakiness.
fn scripted(s: &mut State, addr: SocketAddr, uri: &Uri) -> Option<Response<Body>> {
    let path = uri.path();
    if let Some(e) = s.error.clone() {
        return Some(e.response());
    }
    let full = uri.to_string();
    if let Some((_, f)) = s
        .sticky_faults
        .iter()
        .find(|(needle, _)| full.contains(needle.as_str()))
    {
        return Some(f.response_to(&full));
    }
    if let Some(f) = s.faults.pop_front() {
        return Some(f.response_to(&full));
    }
    if let Some(same_cursor) = s.endless_paging
        && path.ends_with("/media")
    {
        // An empty page with a link to one more, forever.
        let cursor = if same_cursor {
            "QVFIUx".to_string()
        } else {
            format!("QVFI{}", s.graph_requests.len())
        };
        return Some(graph_json(
            200,
            &json!({"data": [], "paging": {"cursors": {"after": cursor},
                "next": format!("http://{addr}{path}?limit=25&after={cursor}")}}),
        ));
    }
    if flaky_hit(s) {
        return Some(Fault::unavailable().response());
    }
    None
}

/// The Graph host: the token's checks, then the resource asked for.
fn graph(
    s: &mut State,
    addr: SocketAddr,
    path: &str,
    q: &HashMap<String, String>,
) -> Response<Body> {
    if s.facebook.is_some() && path.ends_with("/oauth/access_token") {
        return super::fake_facebook::exchange(s, q);
    }
    let Some(token) = q.get("access_token").cloned() else {
        return graph_error(
            400,
            2500,
            None,
            "IGApiException",
            "An active access token must be used to query information about the current user.",
        );
    };
    if s.facebook.is_some() {
        return super::fake_facebook::handle(s, addr, path, q, &token);
    }
    if path == "/access_token" {
        return exchange(s, q, &token);
    }
    let Some(issued) = s.tokens.get(&token).cloned() else {
        return graph_error(
            400,
            190,
            None,
            "OAuthException",
            "Invalid OAuth access token - Cannot parse access token",
        );
    };
    if s.now >= issued.expires_at {
        return FakeError::expired_token().response();
    }
    if path == "/refresh_access_token" {
        return refresh(s, q, &issued);
    }

    // Strip an optional version prefix: /v21.0/...
    let mut segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if segments
        .first()
        .is_some_and(|v| v.starts_with('v') && v[1..].split('.').all(|p| p.parse::<u32>().is_ok()))
    {
        segments.remove(0);
    }
    let is_user = |seg: &str| seg == "me" || seg == s.user_id;
    match segments.as_slice() {
        [u] if is_user(u) => user_node(s, addr, q),
        [u, "media"] if is_user(u) => media_page(s, addr, q, &token, API_VERSION),
        [media_id] => media_node(s, addr, media_id, q, "IGApiException"),
        [album_id, "children"] => album_children(s, addr, album_id, q),
        _ => graph_error(
            400,
            100,
            None,
            "IGApiException",
            "Unsupported request - method type: get",
        ),
    }
}

/// `GET /me` (or the user id): the account's fields asked for.
fn user_node(s: &State, addr: SocketAddr, q: &HashMap<String, String>) -> Response<Body> {
    let fields = q.get("fields").map(String::as_str).unwrap_or("id");
    let mut obj = Map::new();
    for f in split_fields(fields) {
        match f.as_str() {
            "id" => {}
            "username" => {
                obj.insert("username".into(), json!(s.username));
            }
            "account_type" => {
                obj.insert("account_type".into(), json!("BUSINESS"));
            }
            "media_count" => {
                obj.insert("media_count".into(), json!(s.posts.len()));
            }
            "name" => {
                obj.insert("name".into(), json!(s.name));
            }
            "followers_count" => {
                obj.insert("followers_count".into(), json!(s.followers));
            }
            "profile_picture_url" => {
                if let Some(p) = &s.picture {
                    obj.insert(f.clone(), json!(cdn_url(addr, p, s.now)));
                }
            }
            other => return nonexisting(other, "User"),
        }
    }
    obj.insert("id".into(), json!(s.user_id));
    graph_json(200, &Value::Object(obj))
}

/// `GET /{album-id}/children`: one page of an album's items.
fn album_children(
    s: &State,
    addr: SocketAddr,
    album_id: &str,
    q: &HashMap<String, String>,
) -> Response<Body> {
    let Some(p) = s.posts.iter().find(|p| p.id == *album_id) else {
        return graph_error(
            400,
            100,
            Some(33),
            "IGApiException",
            "Unsupported get request.",
        );
    };
    let from = q
        .get("after")
        .and_then(|a| a.strip_prefix("QVFI"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let fields = q.get("fields").map(String::as_str).unwrap_or("id");
    match children_page(p, fields, from, s, addr, true) {
        Ok(v) => graph_json(200, &v),
        Err(UnknownField(f)) => nonexisting(&f, "Media"),
    }
}

/// `GET /{media-id}`: a post or an album child, with the fields asked for.
pub(super) fn media_node(
    s: &State,
    addr: SocketAddr,
    media_id: &str,
    q: &HashMap<String, String>,
    error_type: &str,
) -> Response<Body> {
    // Album children are media nodes too.
    let child = s
        .posts
        .iter()
        .flat_map(|p| &p.children)
        .find(|c| c.id == media_id)
        .cloned();
    let fields = q.get("fields").map(String::as_str).unwrap_or("id");
    if let Some(c) = child {
        return match render_child(&c, &split_fields(fields), s, addr, true) {
            Ok(v) => graph_json(200, &v),
            Err(UnknownField(f)) => nonexisting(&f, "Media"),
        };
    }
    let Some(post) = s.posts.iter().find(|p| p.id == media_id) else {
        return graph_error(
            400,
            100,
            Some(33),
            error_type,
            &format!(
                "Unsupported get request. Object with ID '{media_id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation"
            ),
        );
    };
    match render_media(post, &split_fields(fields), s, addr, true) {
        Ok(v) => graph_json(200, &v),
        Err(UnknownField(f)) => nonexisting(&f, "Media"),
    }
}

pub(super) fn nonexisting(field: &str, node: &str) -> Response<Body> {
    graph_error(
        400,
        100,
        None,
        "IGApiException",
        &format!("(#100) Tried accessing nonexisting field ({field}) on node type ({node})"),
    )
}

/// A requested field the node does not have (answered with code 100).
pub(super) struct UnknownField(pub(super) String);

/// Splits `a,b,children{c,d}` at top-level commas.
pub(super) fn split_fields(fields: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut cur) = (0, String::new());
    for c in fields.chars() {
        match c {
            '{' => {
                depth += 1;
                cur.push(c)
            }
            '}' => {
                depth -= 1;
                cur.push(c)
            }
            ',' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out.into_iter()
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty())
        .collect()
}

pub(super) fn timestamp(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S+0000")
        .to_string()
}

pub(super) fn render_child(
    c: &FakeChild,
    fields: &[String],
    s: &State,
    addr: SocketAddr,
    fresh: bool,
) -> Result<Value, UnknownField> {
    // Stale links: signed as if handed out just past their lifetime.
    let now = if fresh {
        s.now
    } else {
        s.now - URL_LIFETIME_SECS - 60
    };
    let mut obj = Map::new();
    for f in fields {
        match f.as_str() {
            "id" => {}
            "media_type" => {
                obj.insert(f.clone(), json!(c.media_type));
            }
            "media_url" => {
                let url = if c.media_type == "VIDEO" {
                    format!("http://{addr}/video/{}.mp4", c.id)
                } else {
                    cdn_url(addr, &c.image, now)
                };
                obj.insert(f.clone(), json!(url));
            }
            "thumbnail_url" if c.media_type == "VIDEO" => {
                obj.insert(f.clone(), json!(cdn_url(addr, &c.image, now)));
            }
            "thumbnail_url" | "timestamp" | "permalink" => {}
            other => return Err(UnknownField(other.to_string())),
        }
    }
    obj.insert("id".into(), json!(c.id));
    Ok(Value::Object(obj))
}

/// One page of an album's `children` edge from item `from`, sized by
/// `children_page_size`, with a `next` link while items remain.
fn children_page(
    p: &FakePost,
    fields: &str,
    from: usize,
    s: &State,
    addr: SocketAddr,
    fresh: bool,
) -> Result<Value, UnknownField> {
    let sub = if s.children_ids_only {
        vec!["id".to_string()]
    } else {
        split_fields(fields)
    };
    let size = s.children_page_size.unwrap_or(usize::MAX);
    let data = p
        .children
        .iter()
        .skip(from)
        .take(size)
        .map(|c| render_child(c, &sub, s, addr, fresh))
        .collect::<Result<Vec<_>, _>>()?;
    let mut page = json!({ "data": data });
    let end = from.saturating_add(size);
    if end < p.children.len() {
        page["paging"] = json!({
            "cursors": {"before": format!("QVFI{from}"), "after": format!("QVFI{end}")},
            "next": format!("http://{addr}/{}/children?fields={}&after=QVFI{end}", p.id, fields),
        });
    }
    Ok(page)
}

pub(super) fn render_media(
    p: &FakePost,
    fields: &[String],
    s: &State,
    addr: SocketAddr,
    fresh: bool,
) -> Result<Value, UnknownField> {
    // Stale links: signed as if handed out just past their lifetime.
    let now = if fresh {
        s.now
    } else {
        s.now - URL_LIFETIME_SECS - 60
    };
    let mut obj = Map::new();
    for f in fields {
        if let Some(inner) = f
            .strip_prefix("children{")
            .and_then(|r| r.strip_suffix('}'))
        {
            if p.media_type == "CAROUSEL_ALBUM" {
                obj.insert(
                    "children".into(),
                    children_page(p, inner, 0, s, addr, fresh)?,
                );
            }
            continue;
        }
        match f.as_str() {
            "id" => {}
            "caption" => {
                if let Some(c) = &p.caption {
                    obj.insert(f.clone(), json!(c));
                }
            }
            "alt_text" => {
                if let Some(a) = &p.alt_text {
                    obj.insert(f.clone(), json!(a));
                }
            }
            "media_type" => {
                obj.insert(f.clone(), json!(p.media_type));
            }
            "media_product_type" => {
                obj.insert(f.clone(), json!(p.product()));
            }
            // Reels only, as the reference says.
            "is_shared_to_feed" => {
                if p.product() == "REELS" {
                    obj.insert(f.clone(), json!(p.shared_to_feed.unwrap_or(true)));
                }
            }
            "like_count" => {
                if let Some(n) = p.like_count {
                    obj.insert(f.clone(), json!(n));
                }
            }
            "comments_count" => {
                obj.insert(f.clone(), json!(p.comments_count));
            }
            "media_url" => {
                let url = match (p.media_type, &p.video) {
                    ("VIDEO", Some(v)) if v.starts_with("http") => v.clone(),
                    ("VIDEO", Some(v)) => cdn_url(addr, v, now),
                    ("VIDEO", None) => format!("http://{addr}/video/{}.mp4", p.id),
                    _ => cdn_url(addr, &p.image, now),
                };
                obj.insert(f.clone(), json!(url));
            }
            "thumbnail_url" => {
                if p.media_type == "VIDEO" && !p.no_poster {
                    obj.insert(f.clone(), json!(cdn_url(addr, &p.image, now)));
                }
            }
            "permalink" => {
                // Old IGTV videos kept their `/tv/` links.
                let kind = match p.product() {
                    "REELS" => "reel",
                    "IGTV" => "tv",
                    _ => "p",
                };
                obj.insert(
                    f.clone(),
                    json!(format!("https://www.instagram.com/{kind}/{}/", p.shortcode)),
                );
            }
            "timestamp" => {
                obj.insert(f.clone(), json!(timestamp(p.timestamp)));
            }
            "username" => {
                obj.insert(f.clone(), json!(s.username));
            }
            "shortcode" => {
                obj.insert(f.clone(), json!(p.shortcode));
            }
            other => return Err(UnknownField(other.to_string())),
        }
    }
    obj.insert("id".into(), json!(p.id));
    Ok(Value::Object(obj))
}

pub(super) fn media_page(
    s: &State,
    addr: SocketAddr,
    q: &HashMap<String, String>,
    token: &str,
    version: &str,
) -> Response<Body> {
    let fields = q.get("fields").map(String::as_str).unwrap_or("id");
    let fields = split_fields(fields);
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(25)
        .clamp(1, s.max_page_size);
    let start = match q.get("after") {
        Some(c) => match c
            .strip_prefix("QVFI")
            .and_then(|h| usize::from_str_radix(h, 16).ok())
        {
            Some(i) => i,
            None => return graph_error(400, 100, None, "IGApiException", "Invalid cursor"),
        },
        None => 0,
    };
    let (end, total) = if s.looping_pages {
        (start + limit, usize::MAX)
    } else {
        ((start + limit).min(s.posts.len()), s.posts.len())
    };
    let shown = if s.looping_pages {
        &s.posts[..limit.min(s.posts.len())]
    } else {
        &s.posts[start.min(end)..end]
    };
    let mut data = Vec::new();
    for p in shown {
        match render_media(p, &fields, s, addr, !s.stale_listing_urls) {
            Ok(v) => data.push(v),
            Err(UnknownField(f)) => return nonexisting(&f, "Media"),
        }
    }
    let limit = limit.to_string();
    let fields = fields.join(",");
    paged(
        data,
        "QVFI",
        (start, end, total),
        &format!("http://{addr}/{version}/{}/media", s.user_id),
        &[
            ("access_token", token),
            ("pretty", "1"),
            ("fields", &fields),
            ("limit", &limit),
        ],
    )
}

/// One page of an edge: `data`, cursors, and unless it is the last an
/// absolute `next` link to `next_base` with `params` (the token among them, as
/// the real API writes it) and the `after` cursor.
pub(super) fn paged(
    data: Vec<Value>,
    cursor_prefix: &str,
    (start, end, total): (usize, usize, usize),
    next_base: &str,
    params: &[(&str, &str)],
) -> Response<Body> {
    let cursor = |i: usize| format!("{cursor_prefix}{i:x}");
    let mut paging = json!({"cursors": {"before": cursor(start), "after": cursor(end)}});
    if end < total {
        let mut next = url::Url::parse(next_base).unwrap();
        next.query_pairs_mut()
            .extend_pairs(params)
            .append_pair("after", &cursor(end));
        paging["next"] = json!(next.as_str());
    }
    graph_json(200, &json!({"data": data, "paging": paging}))
}

pub(super) fn issue(s: &mut State, long_lived: bool, lifetime: i64) -> String {
    s.issued += 1;
    let token = format!("IGAAissued{:04}-NOT-REAL-{}", s.issued, "x".repeat(60));
    s.tokens.insert(
        token.clone(),
        FakeToken {
            issued_at: s.now,
            expires_at: s.now + lifetime,
            long_lived,
        },
    );
    token
}

/// `GET /refresh_access_token`: only for long-lived tokens at least 24 h old.
fn refresh(s: &mut State, q: &HashMap<String, String>, token: &FakeToken) -> Response<Body> {
    if let Some(e) = s.refresh_error.clone() {
        return e.response();
    }
    if q.get("grant_type").map(String::as_str) != Some("ig_refresh_token") {
        return graph_error(400, 100, None, "IGApiException", "Invalid grant_type");
    }
    // The real message is not documented; the docs only say such tokens cannot be refreshed.
    if !token.long_lived || s.now - token.issued_at < 24 * 3600 {
        return graph_error(
            400,
            100,
            None,
            "IGApiException",
            "(#100) The access token cannot be refreshed yet",
        );
    }
    let new = issue(s, true, REFRESH_EXPIRES_IN);
    graph_json(
        200,
        &json!({"access_token": new, "token_type": "bearer", "expires_in": REFRESH_EXPIRES_IN, "permissions": "instagram_business_basic"}),
    )
}

/// `GET /access_token?grant_type=ig_exchange_token`: short-lived → long-lived.
fn exchange(s: &mut State, q: &HashMap<String, String>, short: &str) -> Response<Body> {
    if q.get("grant_type").map(String::as_str) != Some("ig_exchange_token") {
        return graph_error(400, 100, None, "IGApiException", "Invalid grant_type");
    }
    if q.get("client_secret").map(String::as_str) != Some(APP_SECRET) {
        return graph_error(
            400,
            101,
            None,
            "OAuthException",
            "Error validating client secret.",
        );
    }
    match s.tokens.get(short) {
        Some(t) if !t.long_lived && s.now < t.expires_at => {}
        _ => {
            return graph_error(
                400,
                190,
                None,
                "OAuthException",
                "Invalid OAuth access token - Cannot parse access token",
            );
        }
    }
    let long = issue(s, true, 5_184_000);
    graph_json(
        200,
        &json!({"access_token": long, "token_type": "bearer", "expires_in": 5_184_000}),
    )
}

/// `POST /oauth/access_token` (api.instagram.com): code → short-lived token.
/// Errors in the legacy shape; `user_id` as a JSON number above 2^53.
fn oauth(state: &Mutex<State>, uri: &Uri, body: &str) -> Response<Body> {
    let mut s = state.lock().unwrap();
    s.graph_requests.push(format!("POST {}", uri.path()));
    let request = format!("POST {uri} {body}");
    if let Some((_, f)) = s
        .sticky_faults
        .iter()
        .find(|(needle, _)| request.contains(needle.as_str()))
    {
        return f.response_to(&request);
    }
    let legacy = |msg: &str| {
        let text =
            json!({"error_type": "OAuthException", "code": 400, "error_message": msg}).to_string();
        Response::builder()
            .status(400)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(text))
            .unwrap()
    };
    if uri.path() != "/oauth/access_token" {
        return legacy("Unsupported path");
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != APP_ID || get("client_secret") != APP_SECRET {
        return legacy("Invalid platform app");
    }
    if get("grant_type") != "authorization_code" {
        return legacy("Invalid grant_type");
    }
    if get("redirect_uri") != REDIRECT_URI {
        return legacy(
            "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
        );
    }
    let code = get("code").to_string();
    if s.used_codes.contains(&code) {
        return legacy("This authorization code has been used");
    }
    if code != AUTH_CODE {
        return legacy("Invalid authorization code");
    }
    s.used_codes.push(code);
    let short = issue(&mut s, false, 3600);
    let text = format!(r#"{{"access_token": "{short}", "user_id": 17841405793187218}}"#);
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(text))
        .unwrap()
}
