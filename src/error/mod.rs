//! Errors a build can end with, each saying what went wrong, where, and what to do.
//!
//! Every message is written for the person reading a CI log at 3 a.m.: the cause,
//! the item or setting concerned, and the next step. None of them can contain the
//! token: server text passes through [`crate::Token::scrub`] and URLs lose their
//! query string before they reach an error.

use std::path::PathBuf;

use thiserror::Error;

use crate::kinds::SourceKind;

mod token;

pub use token::{DISCOVERY_PERMISSIONS, TokenProblem};
use token::{token_fix, token_steps};

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
    #[error("invalid setting `{key}`{}{}{}: {reason}", feed.as_ref().map(|f| format!(" of feed `{f}`")).unwrap_or_default(), path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default(), line.map(|n| format!(" line {n}")).unwrap_or_default())]
    Invalid {
        /// The key, as written in the file (or the environment variable).
        key: String,
        /// What is wrong and how to fix it.
        reason: String,
        /// The `[[feed]]` it belongs to, if any.
        feed: Option<String>,
        /// The file, once known.
        path: Option<PathBuf>,
        /// The line of the file that sets the key, when the file sets it.
        line: Option<usize>,
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
            line: None,
        }
    }

    /// The same error, naming the `[[feed]]` it is about.
    pub fn in_feed(self, name: &str) -> Self {
        match self {
            ConfigError::Invalid {
                key,
                reason,
                path,
                line,
                ..
            } => ConfigError::Invalid {
                key,
                reason,
                feed: Some(name.to_string()),
                path,
                line,
            },
            other => other,
        }
    }

    /// The same error, with the line of `text` that sets its key (a value
    /// the file did not write, or one from the environment, has none).
    pub(crate) fn at_line(self, line_of: impl Fn(&str, Option<&str>) -> Option<usize>) -> Self {
        match self {
            ConfigError::Invalid {
                key,
                reason,
                feed,
                path,
                line: None,
            } if !key.starts_with("FEEDGEN_") && !key.starts_with("--") => ConfigError::Invalid {
                line: line_of(&key, feed.as_deref()),
                key,
                reason,
                feed,
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
                key,
                reason,
                feed,
                line,
                ..
            } if !key.starts_with("FEEDGEN_") && !key.starts_with("--") => ConfigError::Invalid {
                key,
                reason,
                feed,
                path: Some(file.to_path_buf()),
                line,
            },
            other => other,
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
    /// Instagram's data export cannot be read (`source.kind = "export"`).
    #[error("cannot read the Instagram export {}: {reason}", path.display())]
    Export {
        /// The export's ZIP or folder.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
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

/// What a failed build adds to a token error; `feedgen doctor`, which builds
/// nothing, leaves it out.
pub const OUTPUT_KEPT: &str = " The previous output was left as it was.";

impl Error {
    /// The process exit code for this error (see [`exit`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config(_) | Error::Privacy { .. } | Error::SecretInOutput { .. } => exit::CONFIG,
            Error::Token { .. } => exit::TOKEN,
            Error::Api(_) | Error::NothingToPublish { .. } | Error::Deadline { .. } => exit::API,
            Error::Snapshot { .. }
            | Error::Export { .. }
            | Error::Io { .. }
            | Error::Busy { .. } => exit::IO,
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
            Error::Export { path, .. } => format!(
                "point source.export at the ZIP Instagram sent (format JSON), the folder it unzips to, or the folder of its parts; now it is {}",
                path.display()
            ),
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
