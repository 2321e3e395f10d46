//! Keeping a long-lived token alive without a human.
//!
//! # Concepts
//!
//! - **Input token**: what the user gave, from (first found) `FEEDGEN_TOKEN`, the
//!   token file (`token.file` / `FEEDGEN_TOKEN_FILE`), or `source.token`.
//! - **State file** (`<cache>/token-state.json`, mode 0600, written atomically):
//!   the token currently in use, when it was obtained, when it expires (from the
//!   API's `expires_in`; only a value no token can have is replaced by the
//!   documented 60 days, see [`expiry_after`]), and the last refresh attempt. It records
//!   a fingerprint (blake3) of the input it descends from: while the input stays
//!   the same, the refreshed token in the state file is used instead of it; a new
//!   input (a freshly minted token) starts a new state. With no input at all the
//!   state file's token is used alone.
//! - **Refresh policy** ([`decide`], pure): refresh when the token is at least
//!   24 h old (the API refuses younger ones), fewer than `refresh_days_left` days
//!   remain (or the expiry is still unknown), and no attempt was made in the
//!   last 24 h. A failed refresh while the token is valid is only a warning.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::config::FeedConfig;
pub use crate::config::{DEFAULT_REFRESH_DAYS_LEFT, DEFAULT_WARN_DAYS_LEFT, RefreshPolicy};
use crate::error::{ConfigError, Error};
use crate::output::{Versioned, read_versioned, write_json};
use crate::secret::{Issuer, Token};

/// Why a Facebook-Login token is never refreshed by a build.
pub const FACEBOOK_NO_REFRESH: &str = "Facebook tokens have no refresh endpoint; `feedgen token exchange` turns a user token into a Page token that does not expire";

/// Version of the state file's shape.
pub const STATE_VERSION: u32 = 1;
/// The API refuses to refresh tokens younger than this.
pub const MIN_REFRESH_AGE: Duration = Duration::hours(24);
/// At most one refresh attempt per this interval.
pub const RETRY_INTERVAL: Duration = Duration::hours(24);

/// Where the token in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOrigin {
    /// An environment variable: `FEEDGEN_TOKEN`, or the feed's `token.env`.
    Env(String),
    /// A token file.
    File(PathBuf),
    /// `source.token` in the config file.
    Config,
    /// The state file alone (no input token given).
    State,
}

impl std::fmt::Display for TokenOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenOrigin::Env(var) => f.write_str(var),
            TokenOrigin::File(p) => write!(f, "the token file {}", p.display()),
            TokenOrigin::Config => f.write_str("source.token in the config file"),
            TokenOrigin::State => f.write_str("the token state file"),
        }
    }
}

/// How the token in the state file was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Obtained {
    /// Given by the user; its real age is unknown, so this is when feedgen first saw it.
    FirstSeen,
    /// Returned by `refresh_access_token`.
    Refreshed,
    /// Returned by the short→long exchange.
    Exchanged,
}

/// The contents of the state file.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenState {
    /// [`STATE_VERSION`].
    pub version: u32,
    /// blake3 of the input token this state descends from (empty if none).
    pub input_fingerprint: String,
    /// The token in use.
    pub token: Token,
    /// When it was obtained (or first seen).
    pub obtained_at: DateTime<Utc>,
    /// How it was obtained.
    pub obtained: Obtained,
    /// When it expires, if the API said.
    pub expires_at: Option<DateTime<Utc>>,
    /// The last refresh attempt, successful or not.
    pub last_refresh_attempt: Option<DateTime<Utc>>,
    /// Why the last refresh failed, if it did (already scrubbed).
    pub last_refresh_error: Option<String>,
}

impl std::fmt::Debug for TokenState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenState")
            .field("token", &self.token)
            .field("obtained_at", &self.obtained_at)
            .field("obtained", &self.obtained)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Serialize for Token {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Token::new)
    }
}

/// blake3 of a token, to recognise it again without storing it twice.
pub fn fingerprint(token: &Token) -> String {
    blake3::hash(token.expose().as_bytes()).to_hex()[..32].to_string()
}

/// The outcome of [`decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Refresh now.
    Refresh,
    /// Leave it; the reason is for `token status` and logs.
    Keep(String),
}

/// Whether to refresh now (pure, so the policy is tested without a clock).
pub fn decide(state: &TokenState, now: DateTime<Utc>, policy: &RefreshPolicy) -> Decision {
    if let Some(exp) = state.expires_at
        && exp <= now
    {
        return Decision::Keep("the token has expired; it can no longer be refreshed".into());
    }
    // A token first seen now may be any age: one attempt tells (a CI job that
    // loses its state file every run would otherwise never refresh), then one
    // a day until it takes; its real expiry is known from the first success.
    if state.obtained == Obtained::FirstSeen {
        return match state.last_refresh_attempt {
            Some(last) if now - last < RETRY_INTERVAL => Decision::Keep(
                "its age is unknown and a refresh was attempted in the last 24 h".into(),
            ),
            _ => Decision::Refresh,
        };
    }
    let age = now - state.obtained_at;
    if age < MIN_REFRESH_AGE {
        let wait = MIN_REFRESH_AGE - age;
        return Decision::Keep(format!(
            "the token is younger than 24 h; the API refuses to refresh it for another {} h",
            (wait.num_minutes() + 59) / 60
        ));
    }
    if let Some(last) = state.last_refresh_attempt
        && now - last < RETRY_INTERVAL
    {
        return Decision::Keep("a refresh was attempted in the last 24 h".into());
    }
    match state.expires_at {
        Some(exp) if exp - now > Duration::days(policy.refresh_days_left) => {
            Decision::Keep(format!(
                "more than {} days remain; the refresh is due from {}",
                policy.refresh_days_left,
                exp.checked_sub_signed(Duration::days(policy.refresh_days_left))
                    .unwrap_or(exp)
                    .format("%Y-%m-%d")
            ))
        }
        _ => Decision::Refresh,
    }
}

/// The lifetime Meta documents for a long-lived token: 60 days.
pub const DOCUMENTED_LIFETIME: Duration = Duration::days(60);
/// Longest `expires_in` believed; Meta's tokens live 60 days.
const MAX_BELIEVED_LIFETIME: Duration = Duration::days(366);

/// When a token issued `now` with the API's `expires_in` expires, and a
/// warning when that value is not believable (zero, negative, or beyond a
/// year): then the documented 60 days are assumed, since believing a
/// far-away date would stop the refreshes that keep the token alive, and a
/// date past chrono's range would panic after the new token was issued.
pub fn expiry_after(
    now: DateTime<Utc>,
    expires_in: Option<i64>,
) -> (Option<DateTime<Utc>>, Option<String>) {
    let Some(secs) = expires_in else {
        return (None, None);
    };
    let believed = Duration::try_seconds(secs)
        .filter(|d| *d > Duration::zero() && *d <= MAX_BELIEVED_LIFETIME);
    match believed {
        Some(d) => (now.checked_add_signed(d), None),
        None => (
            now.checked_add_signed(DOCUMENTED_LIFETIME),
            Some(format!(
                "the API said the new token expires in {secs} seconds, which is not believable; feedgen assumes the documented 60 days"
            )),
        ),
    }
}

/// Whole days left before `expires_at` (negative once expired).
pub fn days_left(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (expires_at - now).num_hours().div_euclid(24)
}

/// Reads the state file; `None` if there is none. A damaged one is an error
/// naming the file, since silently ignoring it could lose a refreshed token.
pub fn load_state(path: &Path) -> Result<Option<TokenState>, Error> {
    match read_versioned::<TokenState>(path, STATE_VERSION)? {
        Versioned::Missing => Ok(None),
        // Checked like an input token: a state is a cache file others may
        // write, and `token export` hands its token to workflow commands.
        Versioned::Current(state) => match state.token.shape_problem() {
            None => Ok(Some(state)),
            Some(why) => Err(ConfigError::invalid(
                "token state file",
                &format!(
                    "{} is damaged: its token cannot be one ({why}); delete it and give the token again in FEEDGEN_TOKEN",
                    path.display()
                ),
            )
            .into()),
        },
        Versioned::Damaged(e) => Err(ConfigError::invalid(
            "token state file",
            &format!(
                "{} is damaged ({}); delete it and give the token again in FEEDGEN_TOKEN",
                path.display(),
                e.to_string()
                    .split(" at line")
                    .next()
                    .unwrap_or("invalid JSON")
            ),
        )
        .into()),
        Versioned::OtherVersion(v) => Err(ConfigError::invalid(
            "token state file",
            &format!(
                "{} has version {v}, this feedgen reads {STATE_VERSION}",
                path.display()
            ),
        )
        .into()),
    }
}

/// Writes the state file atomically with mode 0600.
pub fn save_state(path: &Path, state: &TokenState) -> Result<(), Error> {
    write_json(path, state, true)
}

/// The token to use, where it came from, and its state (new or loaded).
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Where the token came from.
    pub origin: TokenOrigin,
    /// The state; `state.token` is the token to use.
    pub state: TokenState,
    /// Whether `state` differs from the file (it must be saved once the token works).
    pub dirty: bool,
}

/// Combines the input token (if any) with the state file.
pub fn resolve(
    input: Option<(Token, TokenOrigin)>,
    stored: Option<TokenState>,
    now: DateTime<Utc>,
) -> Option<Resolved> {
    match (input, stored) {
        (Some((token, origin)), stored) => {
            let fp = fingerprint(&token);
            match stored {
                Some(s) if s.input_fingerprint == fp => Some(Resolved {
                    origin,
                    state: s,
                    dirty: false,
                }),
                _ => Some(Resolved {
                    origin,
                    state: TokenState {
                        version: STATE_VERSION,
                        input_fingerprint: fp,
                        token,
                        obtained_at: now,
                        obtained: Obtained::FirstSeen,
                        expires_at: None,
                        last_refresh_attempt: None,
                        last_refresh_error: None,
                    },
                    dirty: true,
                }),
            }
        }
        (None, Some(s)) => Some(Resolved {
            origin: TokenOrigin::State,
            state: s,
            dirty: false,
        }),
        (None, None) => None,
    }
}

/// Largest token file read: tokens are a few hundred bytes; a path such as
/// `/dev/zero` must not fill the memory.
pub const MAX_TOKEN_FILE_BYTES: u64 = 16 * 1024;

fn read_token_file(path: &Path) -> Result<String, Error> {
    use std::io::Read;
    let cannot = |why: String| -> Error {
        ConfigError::invalid(
            "token.file",
            &format!("cannot read the token file {}: {why}", path.display()),
        )
        .into()
    };
    let file = std::fs::File::open(path).map_err(|e| cannot(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_TOKEN_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot(e.to_string()))?;
    if bytes.len() as u64 > MAX_TOKEN_FILE_BYTES {
        return Err(cannot(format!(
            "it is larger than {MAX_TOKEN_FILE_BYTES} bytes, so it is not a token file; it should hold the token alone"
        )));
    }
    String::from_utf8(bytes)
        .map_err(|_| cannot("it is not text; it should hold the token alone".into()))
}

/// Refuses an input token that cannot be one ([`Token::shape_problem`]).
fn check_shape(token: &Token, key: &str) -> Result<(), Error> {
    match token.shape_problem() {
        Some(why) => Err(ConfigError::invalid(
            key,
            &format!("this does not look like an access token ({why}); it should hold the token alone, on one line"),
        )
        .into()),
        None => Ok(()),
    }
}

/// The input token, the first found of the feed's `token.env` variable
/// (`FEEDGEN_TOKEN`), the token file and `source.token`.
pub fn input(config: &FeedConfig) -> Result<Option<(Token, TokenOrigin)>, Error> {
    if let Some(t) = config.token.env.as_ref().filter(|t| !t.is_empty()) {
        check_shape(t, &config.token.env_var)?;
        return Ok(Some((
            t.clone(),
            TokenOrigin::Env(config.token.env_var.clone()),
        )));
    }
    if let Some(path) = &config.token.file {
        let text = read_token_file(path)?;
        let token = Token::new(text);
        check_shape(&token, "token.file")?;
        if token.is_empty() {
            return Err(ConfigError::invalid(
                "token.file",
                &format!("the token file {} is empty", path.display()),
            )
            .into());
        }
        return Ok(Some((token, TokenOrigin::File(path.clone()))));
    }
    if let Some(t) = config.source.token.as_ref().filter(|t| !t.is_empty()) {
        check_shape(t, "source.token")?;
        return Ok(Some((t.clone(), TokenOrigin::Config)));
    }
    Ok(None)
}

/// Why there is no token to use: each step of [`current`], so that `doctor`
/// can name the step and its own fix while building and doctor share them.
#[derive(Debug)]
pub enum NotCurrent {
    /// The token state file could not be read or is damaged.
    State(Error),
    /// `FEEDGEN_TOKEN`, `token.file` or `source.token` is unusable.
    Input(Error),
    /// No token was given anywhere.
    Missing,
    /// A token of the other login or of a retired API, refused before any request.
    Refused(crate::error::TokenProblem),
}

impl NotCurrent {
    /// The error a build reports.
    pub fn into_error(self, login: crate::config::SourceKind) -> Error {
        match self {
            NotCurrent::State(e) | NotCurrent::Input(e) => e,
            NotCurrent::Missing => Error::Token {
                problem: crate::error::TokenProblem::Missing,
                login,
                detail: None,
            },
            NotCurrent::Refused(problem) => Error::Token {
                problem,
                login,
                detail: None,
            },
        }
    }
}

impl TokenState {
    /// Records a refresh that succeeded at `now`: the new token, when it was
    /// obtained and when it expires (`expires_in` as the API said, judged by
    /// [`expiry_after`]). Returns the warning when that expiry was not believed.
    /// Build and `feedgen token refresh` both record a refresh this way.
    pub fn record_refresh(
        &mut self,
        token: Token,
        expires_in: Option<i64>,
        now: DateTime<Utc>,
    ) -> Option<String> {
        let (expires_at, doubt) = expiry_after(now, expires_in);
        self.token = token;
        self.obtained_at = now;
        self.obtained = Obtained::Refreshed;
        self.expires_at = expires_at;
        self.last_refresh_attempt = Some(now);
        self.last_refresh_error = None;
        doubt
    }

    /// Records a refresh that failed at `now`; the working token is untouched.
    pub fn record_failed_refresh(&mut self, why: String, now: DateTime<Utc>) {
        self.last_refresh_attempt = Some(now);
        self.last_refresh_error = Some(why);
    }
}

/// The token to use now, step by step: the state file, the input, the two
/// combined, then the checks of its prefix.
pub fn current_steps(config: &FeedConfig, now: DateTime<Utc>) -> Result<Resolved, NotCurrent> {
    let stored = load_state(&config.token.state_file).map_err(NotCurrent::State)?;
    let input = input(config).map_err(NotCurrent::Input)?;
    let resolved = resolve(input, stored, now).ok_or(NotCurrent::Missing)?;
    let token = &resolved.state.token;
    if let Some(problem) = legacy_kind(token).or_else(|| other_login(token, config.source.kind)) {
        return Err(NotCurrent::Refused(problem));
    }
    Ok(resolved)
}

/// The token to use now: the input and the state file combined, refused early
/// when missing or of a retired API.
pub fn current(config: &FeedConfig, now: DateTime<Utc>) -> Result<Resolved, Error> {
    current_steps(config, now).map_err(|e| e.into_error(config.source.kind))
}

/// Recognises a token of the other login from its prefix, before any request:
/// Facebook Login issues `EAA…` tokens, Instagram Login `IG…` ones.
pub fn other_login(
    token: &Token,
    login: crate::config::SourceKind,
) -> Option<crate::error::TokenProblem> {
    let issuer = token.issuer()?;
    let other = match login {
        crate::config::SourceKind::Instagram => issuer == Issuer::FacebookLogin,
        crate::config::SourceKind::Facebook => issuer.is_instagram(),
    };
    other.then_some(crate::error::TokenProblem::OtherLogin)
}

/// Recognises token shapes of retired APIs, before any request is made.
pub fn legacy_kind(token: &Token) -> Option<crate::error::TokenProblem> {
    if token.issuer() == Some(Issuer::BasicDisplay) {
        return Some(crate::error::TokenProblem::BasicDisplayRetired);
    }
    let t = token.expose();
    // Legacy Platform API tokens: `<user id>.<app hex>.<hex>`.
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() == 3
        && parts[0].bytes().all(|b| b.is_ascii_digit())
        && parts[1..]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Some(crate::error::TokenProblem::LegacyPlatform);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(age_h: i64, days_left: Option<i64>, now: DateTime<Utc>) -> TokenState {
        TokenState {
            version: STATE_VERSION,
            input_fingerprint: "x".into(),
            token: Token::new("test-token-not-real"),
            obtained_at: now - Duration::hours(age_h),
            obtained: Obtained::Refreshed,
            expires_at: days_left.map(|d| now + Duration::days(d)),
            last_refresh_attempt: None,
            last_refresh_error: None,
        }
    }

    #[test]
    fn policy() {
        let now = Utc::now();
        let p = RefreshPolicy::default();
        assert_eq!(
            decide(&state(25, Some(20), now), now, &p),
            Decision::Refresh
        );
        assert_eq!(
            decide(&state(25, None, now), now, &p),
            Decision::Refresh,
            "unknown expiry: refresh to learn it"
        );
        assert!(
            matches!(decide(&state(2, Some(20), now), now, &p), Decision::Keep(r) if r.contains("24 h"))
        );
        assert!(
            matches!(decide(&state(25, Some(45), now), now, &p), Decision::Keep(r) if r.contains("more than 30 days"))
        );
        assert!(
            matches!(decide(&state(25 * 60, Some(-1), now), now, &p), Decision::Keep(r) if r.contains("expired"))
        );
        let mut s = state(48, Some(10), now);
        s.last_refresh_attempt = Some(now - Duration::hours(3));
        assert!(matches!(decide(&s, now, &p), Decision::Keep(r) if r.contains("last 24 h")));

        // First seen: its age is unknown, so one attempt now, then one a day.
        let mut s = state(0, None, now);
        s.obtained = Obtained::FirstSeen;
        assert_eq!(decide(&s, now, &p), Decision::Refresh);
        s.last_refresh_attempt = Some(now - Duration::hours(3));
        assert!(matches!(decide(&s, now, &p), Decision::Keep(r) if r.contains("age is unknown")));
        s.last_refresh_attempt = Some(now - Duration::hours(25));
        assert_eq!(decide(&s, now, &p), Decision::Refresh);
    }

    #[test]
    fn a_new_input_token_replaces_the_state_and_the_same_one_keeps_it() {
        let now = Utc::now();
        let input = Token::new("input-token-one");
        let first = resolve(
            Some((input.clone(), TokenOrigin::Env("FEEDGEN_TOKEN".into()))),
            None,
            now,
        )
        .unwrap();
        assert!(first.dirty);
        let mut refreshed = first.state.clone();
        refreshed.token = Token::new("refreshed-token-two");
        let again = resolve(
            Some((input, TokenOrigin::Env("FEEDGEN_TOKEN".into()))),
            Some(refreshed.clone()),
            now,
        )
        .unwrap();
        assert_eq!(again.state.token.expose(), "refreshed-token-two");
        let other = resolve(
            Some((
                Token::new("minted-token-three"),
                TokenOrigin::Env("FEEDGEN_TOKEN".into()),
            )),
            Some(refreshed),
            now,
        )
        .unwrap();
        assert_eq!(other.state.token.expose(), "minted-token-three");
    }

    #[test]
    fn debug_of_state_redacts() {
        let s = state(1, None, Utc::now());
        assert!(!format!("{s:?}").contains("test-token-not-real"));
    }

    #[test]
    fn legacy_shapes() {
        assert!(legacy_kind(&Token::new("IGQVJXabc")).is_some());
        assert!(legacy_kind(&Token::new("1234567.1677ed0.0a1b2c3d4e5f")).is_some());
        assert!(legacy_kind(&Token::new("IGAAabc")).is_none());
    }
}
