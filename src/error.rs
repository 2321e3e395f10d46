//! Errors a build can end with, each saying what went wrong, where, and what to do.
//!
//! Every message is written for the person reading a CI log at 3 a.m.: the cause,
//! the item or setting concerned, and the next step. None of them can contain the
//! token: server text passes through [`crate::Token::scrub`] and URLs lose their
//! query string before they reach an error.

use std::path::PathBuf;

use thiserror::Error;

use crate::kinds::SourceKind;

/// Process exit codes, documented in the book (docs/reference/exit-codes.md); scripts rely on them.
pub mod exit {
    /// The build succeeded (warnings may have been printed).
    pub const OK: u8 = 0;
    /// An unexpected internal failure (a bug: please report it), or a
    /// processor the binary was not built for.
    pub const INTERNAL: u8 = 1;
    /// The config file or a command-line flag or `FEEDGEN_*` value is wrong.
    pub const CONFIG: u8 = 2;
    /// The token is missing, expired, revoked or lacks permission: a person must act.
    pub const TOKEN: u8 = 3;
    /// The API or the network failed (unreachable, throttled, unexpected answer).
    pub const API: u8 = 4;
    /// Reading or writing local files failed (output, cache, snapshot).
    pub const IO: u8 = 5;
    /// `--strict` only: the API failed and the last good feed was published again.
    pub const STALE: u8 = 6;
    /// `--strict` only: some posts or images were left out.
    pub const PARTIAL: u8 = 7;
}

/// A problem with the configuration.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read the config file {}: {source}. Pass the right file with --config PATH (default ./feedgen.toml)", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is malformed or has unknown keys or wrong types.
    #[error("invalid config{}: {message}\nEvery key, with its default and meaning, is in the file `feedgen init` writes (feedgen.example.toml in feedgen's repository).", path.as_ref().map(|p| format!(" {}", p.display())).unwrap_or_default())]
    Parse {
        /// The file, once known.
        path: Option<PathBuf>,
        /// toml's message, with line, column and a snippet.
        message: String,
    },
    /// A value is out of range or inconsistent.
    #[error("invalid setting `{key}`{}{}: {reason}", feed.as_ref().map(|f| format!(" of feed `{f}`")).unwrap_or_default(), path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default())]
    Invalid {
        /// The key, as written in the file (or the environment variable).
        key: String,
        /// What is wrong and how to fix it.
        reason: String,
        /// The `[[feed]]` it belongs to, if any.
        feed: Option<String>,
        /// The file, once known.
        path: Option<PathBuf>,
    },
    /// `feedgen init` would overwrite a file.
    #[error("{} already exists, so `feedgen init` left it as it is. Edit it, or run `feedgen init --force` to write it anew (your changes to it are then lost)", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
}

impl ConfigError {
    /// An out-of-range or inconsistent value.
    pub fn invalid(key: &str, reason: &str) -> Self {
        ConfigError::Invalid {
            key: key.to_string(),
            reason: reason.to_string(),
            feed: None,
            path: None,
        }
    }

    /// The same error, naming the `[[feed]]` it is about.
    pub fn in_feed(self, name: &str) -> Self {
        match self {
            ConfigError::Invalid {
                key, reason, path, ..
            } => ConfigError::Invalid {
                key,
                reason,
                feed: Some(name.to_string()),
                path,
            },
            other => other,
        }
    }

    pub(crate) fn in_file(self, file: &std::path::Path) -> Self {
        match self {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: Some(file.to_path_buf()),
                message,
            },
            ConfigError::Invalid {
                key, reason, feed, ..
            } if !key.starts_with("FEEDGEN_") && !key.starts_with("--") => ConfigError::Invalid {
                key,
                reason,
                feed,
                path: Some(file.to_path_buf()),
            },
            other => other,
        }
    }
}

/// Why the token was refused; each cause has its own remedy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    /// No token was given at all.
    Missing,
    /// Code 190, subcode 463: the 60-day life ran out without a refresh.
    Expired,
    /// Code 190, subcode 460: password change or a security reset.
    Invalidated,
    /// Code 190, subcode 467 or "Cannot parse access token": malformed, or a
    /// token for another host.
    Invalid,
    /// Code 190, subcode 458 or "has not authorized application": the
    /// account removed the app, or never granted it access.
    Deauthorized,
    /// Code 190, subcodes 459 and 464: the account must log in and clear a
    /// security checkpoint or confirm itself before any token works.
    AccountCheckpoint,
    /// Code 190 with neither a known subcode nor a known message: refused,
    /// without a reason feedgen could tell.
    Refused,
    /// Code 100 "Unsupported get request" on the account itself: the token
    /// may not read this account at all.
    Unsupported,
    /// A Basic Display token (`IGQV…`), dead since 2024-12-04.
    BasicDisplayRetired,
    /// Codes 10 and 200–299: the app lost access or lacks a permission.
    Permission,
    /// Codes 10 and 200–299 on a Business Discovery read: the token lacks a
    /// permission that reading another account needs.
    DiscoveryPermission,
    /// A token of the legacy Instagram Platform API (`api.instagram.com/v1`), shut down 2020-06-29.
    LegacyPlatform,
    /// A token of the other login, told by its prefix before any request:
    /// Facebook Login's `EAA…` on graph.instagram.com, or Instagram Login's
    /// `IGAA…` on graph.facebook.com.
    OtherLogin,
    /// Facebook Login: the token's Pages have no Instagram business account it
    /// may read; the text says what was found.
    NoInstagramAccount(String),
}

/// The permissions a Facebook user token needs for Business Discovery.
pub const DISCOVERY_PERMISSIONS: &str =
    "the instagram_basic, instagram_manage_insights and pages_read_engagement permissions";

const NEW_TOKEN_STEPS: &str = "Get a new long-lived token: Meta for Developers → your app → Instagram → \
API setup with Instagram login → Generate token (the account must be a Business or Creator account), \
then store it where the build reads it (the FEEDGEN_TOKEN secret in CI).";

const NEW_FACEBOOK_TOKEN_STEPS: &str = "Get a new token: in the Graph API Explorer (or your app's \
Facebook Login) as a user who can perform tasks on the Facebook Page connected to the Instagram account, \
with the instagram_basic and pages_show_list permissions; then `feedgen token exchange` (with FEEDGEN_APP_ID \
and FEEDGEN_APP_SECRET) turns it into a Page token that does not expire. Store it where the build reads \
it (the feed's token.env secret in CI).";

impl TokenProblem {
    fn advice(&self, kind: SourceKind) -> String {
        let facebook = kind == SourceKind::Facebook;
        match self {
            TokenProblem::Missing => {
                "No access token was given. Set FEEDGEN_TOKEN (or the variable the feed names in token.env) to a long-lived token, or name a token file in token.file or FEEDGEN_TOKEN_FILE, or run with --offline to build from the last snapshot.".into()
            }
            TokenProblem::Expired if facebook => {
                "The Facebook access token has expired (user tokens live about 60 days; a Page token made from a long-lived user token does not expire).".into()
            }
            TokenProblem::Expired => {
                "The access token has expired (Instagram tokens live 60 days unless refreshed).".into()
            }
            TokenProblem::Invalidated => {
                "The access token was invalidated, usually because the account's password changed or Meta reset the session.".into()
            }
            TokenProblem::Invalid if facebook => {
                "The access token is not valid for graph.facebook.com (mistyped, logged out, or an Instagram-Login token IGAA…, which only graph.instagram.com takes: use source.kind = \"instagram\" for those).".into()
            }
            TokenProblem::Invalid => {
                "The access token is not valid for this API (mistyped, logged out, or a token for another host such as a Facebook token EAA… on graph.instagram.com: use source.kind = \"facebook\" for those).".into()
            }
            TokenProblem::Deauthorized => {
                "The Instagram account has not authorized this app (it removed the app under Settings → Apps and websites, or never accepted it).".into()
            }
            TokenProblem::AccountCheckpoint => {
                "The account must log in to Instagram (or Facebook) in a browser and complete what it asks, a security check or a confirmation, before any token works again.".into()
            }
            TokenProblem::Refused => {
                "The API refused the access token (code 190) without saying why.".into()
            }
            TokenProblem::Unsupported if facebook => {
                "The token cannot read this Instagram account (the API answers \"Unsupported get request\"). Likely causes, most likely first: the token's user cannot perform tasks on the Facebook Page connected to the account; the token lacks instagram_basic and pages_show_list; the token belongs to another app.".into()
            }
            TokenProblem::Unsupported => {
                "The token cannot read this Instagram account (the API answers \"Unsupported get request\"). Likely causes, most likely first: the Instagram account has not accepted the app's tester invitation (Instagram app → Settings → Website permissions → Apps and websites → Tester invites); the account is not a Business or Creator account; the token belongs to another app, or to graph.facebook.com (an EAA… token: set source.kind = \"facebook\").".into()
            }
            TokenProblem::BasicDisplayRetired => {
                "This looks like an Instagram Basic Display token (IGQV…); that API was shut down on 2024-12-04. Move to the Instagram API with Instagram Login: switch the account to a Business or Creator account, add the Instagram product to your Meta app, and generate a token there; feedgen reads the same /me/media route with it.".into()
            }
            TokenProblem::OtherLogin if facebook => {
                "This is an Instagram-Login token (IGAA…), which is not valid for graph.facebook.com (source.kind = \"facebook\"), where Facebook-Login tokens (EAA…) are. To use this token, set source.kind = \"instagram\" (the default: graph.instagram.com); or give a Facebook-Login token.".into()
            }
            TokenProblem::OtherLogin => {
                "This is a Facebook-Login token (EAA…), but the feed reads graph.instagram.com, which takes Instagram-Login tokens (IGAA…). To use this token, set source.kind = \"facebook\" in feedgen.toml (https://feedgen.github.io/feedgen/guides/facebook-login.html); or generate an Instagram-Login token (https://feedgen.github.io/feedgen/first-feed.html#getting-a-token).".into()
            }
            TokenProblem::LegacyPlatform => {
                "This looks like a token of the legacy Instagram Platform API (api.instagram.com/v1), shut down on 2020-06-29. Move to the Instagram API with Instagram Login: switch the account to a Business or Creator account, add the Instagram product to a Meta app, and generate a token there; feedgen reads the same /me/media route with it.".into()
            }
            TokenProblem::Permission if facebook => {
                "The token may not read this Instagram account: it needs the instagram_basic and pages_show_list permissions (and business_management when the Page is managed in a Business Manager), and its user must be able to perform tasks on the Facebook Page connected to the account.".into()
            }
            TokenProblem::DiscoveryPermission => {
                format!("The token may not read other accounts (Business Discovery): it needs {DISCOVERY_PERMISSIONS} (and ads_management or ads_read when the Page role was given through a Business Manager). Without App Review these work for people with a role on the app, such as its admin.")
            }
            TokenProblem::Permission => {
                "The app has no permission to read this account's media (API access deactivated, or the instagram_business_basic permission is missing). Check the app dashboard, then generate a new token.".into()
            }
            TokenProblem::NoInstagramAccount(found) => format!(
                "The token reads no Instagram business account: {found}. Connect the Instagram account to a Facebook Page (Page settings → Linked accounts), make sure the token's user can perform tasks on that Page, and that the token has the pages_show_list and instagram_basic permissions."
            ),
        }
    }
}

/// A failure talking to the API or the CDN.
#[derive(Debug, Error)]
pub enum ApiError {
    /// The request did not complete (DNS, connection, TLS, timeout).
    #[error(
        "could not reach {url}: {reason}. Check the network, or build from the last snapshot with --offline"
    )]
    Network {
        /// The URL without its query string.
        url: String,
        /// reqwest's reason, with the URL stripped.
        reason: String,
    },
    /// The API answered with a Graph error that is not about the token.
    #[error("the API refused {url} (HTTP {status}, code {code}{}): {message}{}", subcode.map(|s| format!(", subcode {s}")).unwrap_or_default(), hint.as_deref().map(|h| format!(". {h}")).unwrap_or_default())]
    Graph {
        /// The URL without its query string.
        url: String,
        /// HTTP status.
        status: u16,
        /// Graph `error.code`.
        code: i64,
        /// Graph `error.error_subcode`.
        subcode: Option<i64>,
        /// Graph `error.message`, scrubbed of the token.
        message: String,
        /// What to do, when known.
        hint: Option<String>,
    },
    /// The API answered with something that is not the documented JSON.
    #[error(
        "unexpected answer from {url} (HTTP {status}): {reason}. If feedgen's API base is right, this is likely a temporary API problem: retry later or build with --offline"
    )]
    Unexpected {
        /// The URL without its query string.
        url: String,
        /// HTTP status.
        status: u16,
        /// What did not match.
        reason: String,
    },
    /// The API kept sending next-page links: a page seen before, or more
    /// pages than `source.scan_limit` could need.
    #[error(
        "the API's paging does not end: {reason} (after {pages} pages holding {posts} posts). The last good feed is kept; this is an API fault, so retry later or build with --offline"
    )]
    EndlessPaging {
        /// What gave it away.
        reason: String,
        /// Pages read.
        pages: usize,
        /// Posts those pages held.
        posts: usize,
    },
    /// A `paging.next` URL pointed away from the configured API host.
    #[error(
        "the API's next-page link points to {got}, not to the configured API host {expected}; refusing to send the token there"
    )]
    ForeignNext {
        /// The configured origin.
        expected: String,
        /// The origin found in `paging.next`.
        got: String,
    },
}

/// Everything a build can fail with.
#[derive(Debug, Error)]
pub enum Error {
    /// See [`ConfigError`].
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The token was refused or missing.
    #[error("{}{}", problem.advice(*login), token_steps(problem, detail, *login))]
    Token {
        /// The cause.
        problem: TokenProblem,
        /// Which login the token is of: the remedies differ.
        login: SourceKind,
        /// The API's own words, scrubbed, if it said any.
        detail: Option<String>,
    },
    /// See [`ApiError`].
    #[error(transparent)]
    Api(#[from] ApiError),
    /// `--offline` with no snapshot to build from, or a damaged snapshot.
    #[error("cannot use the snapshot in {}: {reason}", dir.display())]
    Snapshot {
        /// The snapshot folder.
        dir: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The feed has posts but not one image could be made: publishing would blank the site.
    #[error(
        "none of the {posts} posts could be published: every image failed (first problem: {first_problem}). The previous output was kept; check the warnings above, the network, and FEEDGEN_MEDIA_HOSTS"
    )]
    NothingToPublish {
        /// Posts in the feed.
        posts: usize,
        /// One of the reasons, as an example.
        first_problem: String,
    },
    /// A published file would make visitors' browsers load something from Meta.
    #[error("the output would make visitors' browsers contact Meta, so nothing was published:\n  {}\nCheck output.base_url, output.extra_css and the files in output.theme_dir for Instagram or Facebook URLs (or set output.privacy = \"warn\" to publish anyway)", findings.join("\n  "))]
    Privacy {
        /// `file: URL` for each resource that would load from Meta.
        findings: Vec<String>,
    },
    /// A file about to be published holds the access token.
    #[error("refusing to publish {}: it would hold the access token, so nothing was published. The token can reach the output only through a file the config names: check output.extra_css and the files in output.theme_dir (they must be stylesheets, not a token or state file)", files.join(", "))]
    SecretInOutput {
        /// The files that hold it.
        files: Vec<String>,
    },
    /// The run took longer than `build.deadline`.
    #[error(
        "the build did not finish within build.deadline ({seconds} s), most likely because the API or the CDN stalled; nothing was published and the previous output was kept. Images downloaded so far are kept in the cache for the next build; raise build.deadline if your feed needs longer"
    )]
    Deadline {
        /// The deadline, in seconds.
        seconds: u64,
    },
    /// Another build holds the output folder's lock.
    #[error("another feedgen build is writing {} (lock file {}); waited {waited} s for it to finish. Try again when it is done, or raise output.lock_timeout", out.display(), lock.display())]
    Busy {
        /// The output folder.
        out: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// Seconds waited.
        waited: u64,
    },
    /// A local file operation failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done ("write", "create folder", …).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The processor lacks an instruction set this binary was built for.
    #[error(
        "this processor lacks {feature}, which the WebP encoder of this feedgen binary was built for, so nothing was built and the previous output was kept. Build feedgen for this machine with `cargo install --locked feedgen --no-default-features`, or run it on a newer machine"
    )]
    Cpu {
        /// The missing instruction set ("SSE4.1").
        feature: &'static str,
    },
    /// An internal failure (template rendering, a task that panicked): a bug.
    #[error("internal error: {0}. Please report this at the feedgen issue tracker")]
    Internal(String),
}

fn token_steps(problem: &TokenProblem, detail: &Option<String>, login: SourceKind) -> String {
    let mut s = String::new();
    if let Some(d) = detail {
        s.push_str(&format!(" (API said: {d})"));
    }
    match problem {
        TokenProblem::Missing
        | TokenProblem::BasicDisplayRetired
        | TokenProblem::LegacyPlatform => {}
        // The Instagram-Login steps would not help someone holding a Facebook token.
        TokenProblem::OtherLogin if login == SourceKind::Instagram => {}
        _ => {
            s.push(' ');
            s.push_str(match login {
                SourceKind::Instagram => NEW_TOKEN_STEPS,
                SourceKind::Facebook => NEW_FACEBOOK_TOKEN_STEPS,
            });
        }
    }
    s.push_str(OUTPUT_KEPT);
    s
}

/// What a failed build adds to a token error; `feedgen doctor`, which builds
/// nothing, leaves it out.
pub const OUTPUT_KEPT: &str = " The previous output was left as it was.";

/// The step that fixes a token problem, in one sentence.
fn token_fix(problem: &TokenProblem, login: SourceKind) -> String {
    let facebook = login == SourceKind::Facebook;
    let new_token = if facebook {
        "make a new token in the Graph API Explorer and turn it into a Page token with `feedgen token exchange` (https://feedgen.github.io/feedgen/guides/facebook-login.html), then store it in FEEDGEN_TOKEN"
    } else {
        "generate a new long-lived token (Meta for Developers → your app → Instagram → API setup with Instagram login → Generate token) and store it in FEEDGEN_TOKEN (the secret of the same name in CI)"
    };
    match problem {
        TokenProblem::Missing => "set FEEDGEN_TOKEN to a long-lived token (https://feedgen.github.io/feedgen/first-feed.html#getting-a-token), or build from the last snapshot with --offline".into(),
        TokenProblem::Expired
        | TokenProblem::Invalidated
        | TokenProblem::Invalid
        | TokenProblem::Deauthorized
        | TokenProblem::Refused => new_token.into(),
        TokenProblem::AccountCheckpoint => "log in to the account on instagram.com in a browser and complete the check it asks for, then run `feedgen doctor` again".into(),
        TokenProblem::Unsupported if facebook => "give the token's user a task on the Facebook Page connected to the account and the instagram_basic and pages_show_list permissions, then make the token again".into(),
        TokenProblem::Unsupported => "accept the app's tester invitation in the Instagram app (Settings → Website permissions → Apps and websites → Tester invites) and check that the account is a Business or Creator account, then run `feedgen doctor` again".into(),
        TokenProblem::BasicDisplayRetired | TokenProblem::LegacyPlatform => "generate a token with the Instagram API with Instagram Login (https://feedgen.github.io/feedgen/first-feed.html#getting-a-token) and store it in FEEDGEN_TOKEN".into(),
        TokenProblem::Permission if facebook => "grant the token instagram_basic and pages_show_list (and business_management for a Page in a Business Manager), then make it again with `feedgen token exchange`".into(),
        TokenProblem::DiscoveryPermission => format!("grant the token {DISCOVERY_PERMISSIONS} (in the Graph API Explorer or your app's Facebook Login), then make it again with `feedgen token exchange`"),
        TokenProblem::Permission => "turn on the instagram_business_basic permission in your app's dashboard (Meta for Developers → your app → Instagram → API setup), then generate a new token".into(),
        TokenProblem::OtherLogin if facebook => "set source.kind = \"instagram\" (the default) in feedgen.toml to use this Instagram-Login token, or give a Facebook-Login token (EAA…)".into(),
        TokenProblem::OtherLogin => "set source.kind = \"facebook\" in feedgen.toml to use this Facebook-Login token, or give an Instagram-Login token (IGAA…)".into(),
        TokenProblem::NoInstagramAccount(_) => "connect the Instagram account to a Facebook Page (Page settings → Linked accounts) and give the token's user a task on it, or name the account in source.ig_user_id".into(),
    }
}

impl Error {
    /// The process exit code for this error (see [`exit`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config(_) | Error::Privacy { .. } | Error::SecretInOutput { .. } => exit::CONFIG,
            Error::Token { .. } => exit::TOKEN,
            Error::Api(_) | Error::NothingToPublish { .. } | Error::Deadline { .. } => exit::API,
            Error::Snapshot { .. } | Error::Io { .. } | Error::Busy { .. } => exit::IO,
            Error::Internal(_) | Error::Cpu { .. } => exit::INTERNAL,
        }
    }

    /// The error's text without what only a build adds ("The previous
    /// output was left as it was"), for commands that build nothing.
    pub fn without_build_note(&self) -> String {
        self.to_string().replace(OUTPUT_KEPT, "")
    }

    /// One step a person can take to fix this, for `feedgen doctor`'s `fix:`
    /// lines: never a pointer back to the message.
    pub fn fix(&self) -> String {
        match self {
            Error::Config(ConfigError::Read { .. }) => {
                "pass the config file with --config PATH, or write one with `feedgen init`".into()
            }
            Error::Config(ConfigError::Exists { .. }) => {
                "edit the existing file, or run `feedgen init --force`".into()
            }
            Error::Config(ConfigError::Invalid {
                key, reason, path, ..
            }) => {
                let file = path
                    .as_ref()
                    .map(|p| format!(" in {}", p.display()))
                    .unwrap_or_default();
                if key == "source.username" {
                    // The reason says what Instagram answered; the step is the same for every case.
                    return format!("change `{key}`{file} to the username of a public Business or Creator account, as in its address instagram.com/<username>, or remove it to show your own account");
                }
                format!("change `{key}`{file}: {reason}")
            }
            Error::Config(ConfigError::Parse { path, message }) => {
                let file = path
                    .as_ref()
                    .map_or("the config file".to_string(), |p| p.display().to_string());
                let at = message
                    .split_once("at line ")
                    .and_then(|(_, rest)| rest.split_once(['\n', ':']))
                    .map(|(place, _)| format!("line {place} of "))
                    .unwrap_or_default();
                format!(
                    "correct {at}{file}; feedgen.example.toml lists every key with its table and default"
                )
            }
            Error::Token { problem, login, .. } => token_fix(problem, *login),
            Error::Api(ApiError::Network { url, .. }) => {
                let host = url::Url::parse(url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_else(|| url.clone());
                format!(
                    "check that this machine reaches {host} (network, proxy, firewall, DNS), then run again; meanwhile --offline builds from the last snapshot"
                )
            }
            Error::Api(ApiError::Graph { code, .. })
                if crate::retry::THROTTLE_CODES.contains(code) =>
            {
                "wait for the rate limit to reset (usually within an hour), then run again; builds meanwhile keep the last good feed".into()
            }
            Error::Api(ApiError::Graph { hint: Some(h), .. }) => h.clone(),
            Error::Api(ApiError::Graph { .. })
            | Error::Api(ApiError::Unexpected { .. })
            | Error::Api(ApiError::EndlessPaging { .. }) => "check that source.api_base (FEEDGEN_API_BASE) is unset or graph.instagram.com, then retry later: this is on the API's side (metastatus.com shows outages)".into(),
            Error::Api(ApiError::ForeignNext { .. }) => "check that source.api_base (FEEDGEN_API_BASE) names the API host you meant; if it does, retry later".into(),
            Error::Snapshot { .. } => "run a build online (without --offline) to record a new snapshot".into(),
            Error::NothingToPublish { .. } => "allow the image host with FEEDGEN_MEDIA_HOSTS if the warnings name one, or check the network, then run again".into(),
            Error::Privacy { .. } => "remove the Instagram and Facebook URLs from output.base_url, output.extra_css and the files of output.theme_dir, or set output.privacy = \"warn\"".into(),
            Error::SecretInOutput { .. } => "point output.extra_css and output.theme_dir at stylesheets only".into(),
            Error::Deadline { .. } => "raise build.deadline, or run again when the API answers faster".into(),
            Error::Busy { .. } => "wait for the other build to finish, or raise output.lock_timeout".into(),
            Error::Io { path, .. } => format!(
                "check that {} is writable and its disk has room, or point the setting that names it elsewhere",
                path.display()
            ),
            Error::Cpu { .. } => "build feedgen for this machine with `cargo install --locked feedgen --no-default-features`".into(),
            Error::Internal(_) => "run again with -vv and report the output at the feedgen issue tracker".into(),
        }
    }

    /// A failed file operation on `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod throttle_tests {
    use super::*;

    /// One list of throttling codes: what is retried is what the fix calls a rate limit.
    #[test]
    fn every_throttling_code_is_told_to_wait() {
        for &code in &crate::retry::THROTTLE_CODES {
            let e = Error::Api(ApiError::Graph {
                url: "https://graph.instagram.com/me/media".into(),
                status: 400,
                code,
                subcode: None,
                message: "limit".into(),
                hint: None,
            });
            assert!(e.fix().contains("rate limit"), "{code}: {}", e.fix());
        }
    }
}
