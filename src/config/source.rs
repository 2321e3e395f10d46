//! `[source]`: which account, through which API, and how far to look.

use std::path::PathBuf;

use url::Url;

use crate::config::layer::set;
use crate::config::places::Places;
use crate::error::ConfigError;
use crate::http::is_loopback;
use crate::kinds::SourceKind;
use crate::secret::Token;

/// The graph host that serves the Instagram API with Instagram Login.
pub const DEFAULT_API_BASE: &str = "https://graph.instagram.com";

/// The graph host of the Instagram API with Facebook Login.
pub const DEFAULT_FACEBOOK_API_BASE: &str = "https://graph.facebook.com";

/// The Graph API version used in Facebook-Login paths (`/v25.0/...`).
pub const DEFAULT_FACEBOOK_API_VERSION: &str = "v25.0";

/// How many posts a build shows by default.
pub const DEFAULT_MAX_POSTS: usize = 24;

/// How many of the newest posts a build reads at most to find `max_posts` that pass the filter.
pub const DEFAULT_SCAN_LIMIT: usize = 500;

/// The API serves at most the 10,000 most recent media of an account.
pub const MAX_SCAN_LIMIT: usize = 10_000;

/// `[source]`: the Instagram account.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    /// Which API (and login) the feed uses.
    pub kind: SourceKind,
    /// Base URL of the graph host of that API (`source.api_base` or
    /// `source.facebook_api_base`; `FEEDGEN_API_BASE` or `FEEDGEN_FACEBOOK_API_BASE`).
    pub api_base: Url,
    /// The Graph API version in Facebook-Login paths, e.g. `v25.0`.
    pub api_version: String,
    /// Facebook source: the Instagram business account id; without it, it is
    /// discovered from the token's Pages.
    pub ig_user_id: Option<String>,
    /// Facebook source: the Page whose Instagram account to read, when the token sees several.
    pub page_id: Option<String>,
    /// Facebook source: another public Business or Creator account to show,
    /// by its username (Business Discovery); the token stays your own.
    pub username: Option<String>,
    /// Ask the API for like and comment counts (shown in the fragment and the JSON).
    pub counts: bool,
    /// The token, if written in the config (prefer `FEEDGEN_TOKEN` or a token file, which win).
    pub token: Option<Token>,
    /// At most this many posts are shown (after the filter).
    pub max_posts: usize,
    /// At most this many of the newest posts are read to find them.
    pub scan_limit: usize,
    /// Extra `host[:port]` entries allowed for media downloads (`FEEDGEN_MEDIA_HOSTS`).
    pub media_hosts: Vec<String>,
    /// Build from the recorded snapshot without any network access.
    pub offline: bool,
    /// Folder of the recorded snapshot: read when offline, written after each fetch.
    pub snapshot_dir: PathBuf,
    /// `source.kind = "export"`: Instagram's data export (a ZIP, its
    /// unzipped folder, or a folder of its split ZIPs) is read instead of the API.
    pub export: Option<PathBuf>,
    /// Days after which `feedgen doctor` and the build say the export is
    /// old and a new one should be downloaded.
    pub export_max_age: u32,
}

/// Default `source.export_max_age`: 90 days.
pub const DEFAULT_EXPORT_MAX_AGE: u32 = 90;

/// `source.kind` as written: an API, or the data export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum KindName {
    Instagram,
    Facebook,
    Export,
}

super::layer::layer! {
    /// `[source]` as one layer wrote it.
    SourceLayer {
        kind: KindName,
        api_base: Url,
        facebook_api_base: Url,
        api_version: String,
        ig_user_id: String,
        page_id: String,
        username: String,
        counts: bool,
        token: String,
        max_posts: usize,
        scan_limit: usize,
        media_hosts: Vec<String>,
        offline: bool,
        snapshot: PathBuf,
        export: PathBuf,
        export_max_age: u32,
    }
}

impl Default for SourceConfig {
    fn default() -> Self {
        SourceConfig {
            kind: SourceKind::Instagram,
            api_base: Url::parse(DEFAULT_API_BASE).expect("valid default"),
            api_version: DEFAULT_FACEBOOK_API_VERSION.to_string(),
            ig_user_id: None,
            page_id: None,
            username: None,
            counts: false,
            token: None,
            max_posts: DEFAULT_MAX_POSTS,
            scan_limit: DEFAULT_SCAN_LIMIT,
            media_hosts: Vec::new(),
            offline: false,
            snapshot_dir: PathBuf::from("snapshot"),
            export: None,
            export_max_age: DEFAULT_EXPORT_MAX_AGE,
        }
    }
}

pub(super) fn digits(key: &str, v: Option<String>) -> Result<Option<String>, ConfigError> {
    match v {
        Some(id) if !crate::model::is_graph_id(&id) => Err(ConfigError::invalid(
            key,
            &format!("`{id}` is not an id: Graph ids are strings of digits"),
        )),
        other => Ok(other),
    }
}

/// The rule for every base URL a secret is sent to (the API bases, the OAuth
/// base): https, or plain http to a loopback test server only, and no query.
/// Messages show the URL without credentials.
pub fn check_secure_base(url: &Url) -> Result<(), String> {
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(format!(
                "`{}` uses plain http; the token and app secret would travel unencrypted. Use https (http is allowed only for 127.0.0.1/localhost test servers)",
                crate::secret::url_for_display(url)
            ));
        }
        other => {
            return Err(format!(
                "scheme `{}` is not http(s)",
                crate::secret::printable(other)
            ));
        }
    }
    if url.query().is_some() {
        return Err("must not carry a query string; the token goes in FEEDGEN_TOKEN".into());
    }
    Ok(())
}

pub(super) fn validate_api_base(url: &Url, kind: SourceKind) -> Result<(), String> {
    let host = url.host_str().unwrap_or_default();
    check_secure_base(url)?;
    if url.path().contains("/v1") && host == "api.instagram.com" {
        return Err(
            "api.instagram.com/v1 is the legacy Platform API, shut down on 2020-06-29; use https://graph.instagram.com (Instagram API with Instagram Login)".into(),
        );
    }
    match (kind, host) {
        (SourceKind::Instagram, "graph.facebook.com") => Err(
            "graph.facebook.com serves the Instagram API with Facebook Login: set source.kind = \"facebook\" (and source.facebook_api_base, if it is not the default)".into(),
        ),
        (SourceKind::Facebook, "graph.instagram.com") => Err(
            "graph.instagram.com serves the Instagram API with Instagram Login: use source.kind = \"instagram\" for it, or https://graph.facebook.com for a Facebook-Login token".into(),
        ),
        _ => Ok(()),
    }
}

/// Longest Instagram username.
pub const MAX_USERNAME_CHARS: usize = 30;

/// An Instagram username as Instagram allows it: 1-30 ASCII letters, digits,
/// periods and underscores; a leading `@` is dropped. It goes into a Graph
/// field expansion, where `(`, `)`, `{` or `,` would change the request.
pub fn check_username(name: &str) -> Result<String, String> {
    let bare = name.trim().strip_prefix('@').unwrap_or(name.trim());
    let ok = !bare.is_empty()
        && bare.len() <= MAX_USERNAME_CHARS
        && bare
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_');
    if ok {
        Ok(bare.to_string())
    } else {
        Err(format!(
            "`{}` is not an Instagram username: 1 to {MAX_USERNAME_CHARS} letters, digits, periods and underscores, as in the profile's address instagram.com/<username>",
            crate::secret::printable(name)
        ))
    }
}

pub(super) fn validate_host(h: &str) -> Result<(), String> {
    let ok = !h.is_empty()
        && !h.contains('/')
        && !h.contains('@')
        && !h.contains('?')
        && Url::parse(&format!("http://{h}/")).is_ok();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{h}` is not a host[:port] (example: media.example.com or 127.0.0.1:8080)"
        ))
    }
}

impl SourceConfig {
    /// The defaults with `layer` laid over them, then the defaults that
    /// follow from other keys, checked; paths are taken from the config
    /// file's folder, the default snapshot goes in the feed's records.
    pub(super) fn from_layer(
        layer: SourceLayer,
        places: &Places<'_>,
    ) -> Result<SourceConfig, ConfigError> {
        let SourceLayer {
            kind,
            api_base,
            facebook_api_base,
            api_version,
            ig_user_id,
            page_id,
            username,
            counts,
            token,
            max_posts,
            scan_limit,
            media_hosts,
            offline,
            snapshot,
            export,
            export_max_age,
        } = layer;
        let mut source = SourceConfig::default();
        source.snapshot_dir = snapshot
            .map(|p| places.resolve(p))
            .unwrap_or_else(|| places.records.join(&source.snapshot_dir));
        set(&mut source.max_posts, max_posts);
        if source.max_posts == 0 {
            return Err(ConfigError::invalid(
                "source.max_posts",
                "must be at least 1",
            ));
        }
        source.scan_limit = match scan_limit {
            Some(n) if n < source.max_posts || n > MAX_SCAN_LIMIT => {
                return Err(ConfigError::invalid(
                    "source.scan_limit",
                    &format!(
                        "must be between source.max_posts ({}) and {MAX_SCAN_LIMIT} (the API lists at most the 10,000 newest media)",
                        source.max_posts
                    ),
                ));
            }
            Some(n) => n,
            None => DEFAULT_SCAN_LIMIT.max(source.max_posts).min(MAX_SCAN_LIMIT),
        };
        set(&mut source.media_hosts, media_hosts);
        source.export = match (kind, export) {
            (Some(KindName::Export), Some(path)) => Some(places.resolve(path)),
            (Some(KindName::Export), None) => {
                return Err(ConfigError::invalid(
                    "source.export",
                    "is missing: source.kind = \"export\" reads Instagram's data export; give the path of its ZIP (or of the folder it unzips to, or of the folder holding its parts)",
                ));
            }
            (_, Some(_)) => {
                return Err(ConfigError::invalid(
                    "source.export",
                    "is read only with source.kind = \"export\"; set that, or remove source.export",
                ));
            }
            (_, None) => None,
        };
        set(&mut source.export_max_age, export_max_age);
        if source.export_max_age == 0 {
            return Err(ConfigError::invalid(
                "source.export_max_age",
                "must be at least 1 (days)",
            ));
        }
        set(
            &mut source.kind,
            kind.map(|k| match k {
                KindName::Facebook => SourceKind::Facebook,
                // The export's feed has no API; its token settings are never read.
                KindName::Instagram | KindName::Export => SourceKind::Instagram,
            }),
        );
        // Each kind has its own key for its graph host.
        match source.kind {
            SourceKind::Instagram => source.api_base = api_base.unwrap_or(source.api_base),
            SourceKind::Facebook => {
                source.api_base = facebook_api_base.unwrap_or_else(|| {
                    Url::parse(DEFAULT_FACEBOOK_API_BASE).expect("valid default")
                })
            }
        }
        set(&mut source.api_version, api_version);
        source.ig_user_id = digits("source.ig_user_id", ig_user_id)?;
        source.page_id = digits("source.page_id", page_id)?;
        source.username = username
            .map(|u| check_username(&u))
            .transpose()
            .map_err(|why| ConfigError::invalid("source.username", &why))?;
        set(&mut source.counts, counts);
        source.token = token.map(Token::new);
        set(&mut source.offline, offline);
        source.check()?;
        Ok(source)
    }

    /// The table's own rules.
    fn check(&self) -> Result<(), ConfigError> {
        for h in &self.media_hosts {
            validate_host(h).map_err(|why| ConfigError::invalid("source.media_hosts", &why))?;
        }
        let base_key = match self.kind {
            SourceKind::Instagram => "source.api_base",
            SourceKind::Facebook => "source.facebook_api_base",
        };
        validate_api_base(&self.api_base, self.kind)
            .map_err(|why| ConfigError::invalid(base_key, &why))?;
        let version_ok = self
            .api_version
            .strip_prefix('v')
            .and_then(|v| v.split_once('.'))
            .is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok());
        if !version_ok {
            return Err(ConfigError::invalid(
                "source.api_version",
                &format!(
                    "`{}` is not a Graph API version such as \"v25.0\"",
                    self.api_version
                ),
            ));
        }
        if self.kind == SourceKind::Instagram
            && (self.ig_user_id.is_some() || self.page_id.is_some())
        {
            return Err(ConfigError::invalid(
                if self.ig_user_id.is_some() {
                    "source.ig_user_id"
                } else {
                    "source.page_id"
                },
                "is for Facebook-Login sources only; set source.kind = \"facebook\", or remove it (an Instagram-Login token reads its own account)",
            ));
        }
        if self.kind == SourceKind::Instagram && self.username.is_some() {
            return Err(ConfigError::invalid(
                "source.username",
                "needs source.kind = \"facebook\": showing another account (Business Discovery) exists only in the Instagram API with Facebook Login, read with a Facebook token of your own professional account",
            ));
        }
        Ok(())
    }
}
