//! One request to the graph host: the retry loop, the capped body, and the
//! mapping of Graph error bodies (code, subcode, message) to feedgen's errors.

use std::sync::atomic::Ordering;
use std::time::Duration;

use url::Url;

use crate::error::{ApiError, Error, TokenProblem};
use crate::http::{describe, read_capped};
use crate::retry;
use crate::retry::{
    Failure, THROTTLE_CODES, USAGE_SLOWDOWN_PERCENT, gave_up_note, retry_after, usage,
};
use crate::secret::{Issuer, url_for_display};
use crate::source::instagram::InstagramClient;
use crate::source::wire;

/// Largest API response body read (a page of 100 posts is ~100 KB).
pub(super) const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Notes in the error that retries were made.
pub(super) fn gave_up(error: Error, retries: u32) -> Error {
    if retries == 0 {
        return error;
    }
    let note = gave_up_note(retries);
    match error {
        Error::Api(ApiError::Network { url, reason }) => ApiError::Network {
            url,
            reason: reason + &note,
        }
        .into(),
        Error::Api(ApiError::Graph {
            url,
            status,
            code,
            subcode,
            message,
            hint,
        }) => ApiError::Graph {
            url,
            status,
            code,
            subcode,
            message: message + &note,
            hint,
        }
        .into(),
        Error::Api(ApiError::Unexpected {
            url,
            status,
            reason,
        }) => ApiError::Unexpected {
            url,
            status,
            reason: reason + &note,
        }
        .into(),
        other => other,
    }
}

impl<'a> InstagramClient<'a> {
    /// One GET of the graph API under the client's retry policy: the parsed
    /// answer, or the error mapped from the Graph error body.
    pub(in crate::source) async fn get<T: serde::de::DeserializeOwned>(
        &self,
        url: Url,
    ) -> Result<T, Error> {
        self.get_as(url, true).await
    }

    /// [`Self::get`], optionally without `access_token` (the token exchange
    /// carries the token in a parameter of its own).
    pub(in crate::source) async fn get_as<T: serde::de::DeserializeOwned>(
        &self,
        url: Url,
        send_token: bool,
    ) -> Result<T, Error> {
        let shown = url_for_display(&url);
        let mut with_token = url;
        if send_token {
            with_token
                .query_pairs_mut()
                .append_pair("access_token", self.token.expose());
        }
        let attempt = async || {
            let pace = *self.pace.lock().expect("pace lock");
            if let Some(p) = pace {
                tokio::time::sleep(p).await;
            }
            if let Some(sent) = self.sent {
                sent.fetch_add(1, Ordering::Relaxed);
            }
            tracing::debug!(url = %shown, "GET");
            self.attempt(&with_token, &shown).await
        };
        retry::run(self.retry, attempt, gave_up).await
    }

    /// One request: the parsed answer, or the error and whether to retry it.
    pub(super) async fn attempt<T: serde::de::DeserializeOwned>(
        &self,
        url: &Url,
        shown: &str,
    ) -> Result<T, Failure<Error>> {
        let network = |reason: String| {
            Failure::Transient(
                ApiError::Network {
                    url: shown.to_string(),
                    reason: self.shown(&reason),
                }
                .into(),
                None,
            )
        };
        let response = self.http.get(url.clone()).send().await.map_err(|e| {
            let transient = retry::transient_send(&e);
            match network(describe(e)) {
                Failure::Transient(error, _) if !transient => Failure::Final(error),
                other => other,
            }
        })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let hint = self.heed_usage(&headers);
        let body = read_capped(response, MAX_BODY_BYTES)
            .await
            .map_err(|reason| {
                let transient = reason.is_transient();
                match network(reason.to_string()) {
                    Failure::Transient(error, _) if !transient => Failure::Final(error),
                    other => other,
                }
            })?;

        // Graph reports some errors with HTTP 200 (code 200 "API access deactivated").
        if let Ok(err) = serde_json::from_slice::<wire::ErrorBody>(&body)
            && (err.error.is_some() || err.error_message.is_some())
        {
            return Err(self.graph_failure(err, status, shown, hint));
        }
        if !(200..300).contains(&status) {
            let error = ApiError::Unexpected {
                url: shown.to_string(),
                status,
                reason: format!("not a Graph error response: {}", self.snippet(&body)),
            }
            .into();
            return Err(if retry::transient_status(status) {
                Failure::Transient(error, hint)
            } else {
                Failure::Final(error)
            });
        }
        // A garbled page (a proxy cut it short, invalid UTF-8) is worth one more try.
        serde_json::from_slice(&body).map_err(|e| {
            Failure::Transient(
                ApiError::Unexpected {
                    url: shown.to_string(),
                    status,
                    // serde quotes the offending value: a server that echoes the
                    // request URL into a typed field would otherwise print the token.
                    reason: format!(
                        "the JSON does not have the documented shape ({})",
                        self.shown(&e.to_string())
                    ),
                }
                .into(),
                None,
            )
        })
    }

    /// The server's wait (`Retry-After`, or Graph's time to regain access),
    /// and from [`USAGE_SLOWDOWN_PERCENT`] of the rate limit on, spaced-out calls.
    fn heed_usage(&self, headers: &reqwest::header::HeaderMap) -> Option<Duration> {
        let mut hint = retry_after(headers);
        if let Some(u) = usage(headers) {
            if let Some(regain) = u.regain {
                hint = Some(hint.map_or(regain, |h| h.max(regain)));
            }
            if u.percent >= USAGE_SLOWDOWN_PERCENT {
                let mut pace = self.pace.lock().expect("pace lock");
                if pace.is_none() {
                    self.notes.lock().expect("notes lock").push(format!(
                        "the API reports {}% of this app's rate limit used; spacing out the remaining calls",
                        u.percent
                    ));
                    *pace = Some(self.retry.base_delay * 4);
                }
            }
        }
        hint
    }

    /// A Graph error body as feedgen's error, and whether it is worth a retry.
    fn graph_failure(
        &self,
        err: wire::ErrorBody,
        status: u16,
        shown: &str,
        hint: Option<Duration>,
    ) -> Failure<Error> {
        let flagged = err.error.as_ref().and_then(|g| g.is_transient) == Some(true);
        let error = self.classify(err, status, shown);
        let retry = match &error {
            Error::Api(ApiError::Graph { code, .. }) => {
                retry::transient_graph(*code, status, flagged)
            }
            _ => false,
        };
        if retry {
            Failure::Transient(error, hint)
        } else {
            Failure::Final(error)
        }
    }

    /// Whether `url` reads the account itself (`/me`, `/me/media`, or the
    /// business account's id), where "Unsupported get request" means the token
    /// may not read the account; on a single post it means that post is gone.
    pub(super) fn is_account_node(&self, url: &str) -> bool {
        let Ok(url) = Url::parse(url) else {
            return false;
        };
        let base = self.api_base.path().trim_end_matches('/');
        let rest = url.path().strip_prefix(base).unwrap_or(url.path());
        let rest = rest.trim_start_matches('/');
        let rest = rest.strip_prefix(self.version.as_str()).unwrap_or(rest);
        let node = rest.strip_suffix("/media").unwrap_or(rest);
        node == "me" || node == self.user
    }

    pub(super) fn snippet(&self, body: &[u8]) -> String {
        // Scrubbed whole, then cut: cutting first could leave half a token.
        let text = String::from_utf8_lossy(body);
        let text = self.shown(text.trim());
        if text.is_empty() {
            "empty body".into()
        } else {
            format!("`{text}`")
        }
    }

    pub(super) fn classify(&self, body: wire::ErrorBody, status: u16, url: &str) -> Error {
        let (code, subcode, message) = match body.error {
            Some(g) => (
                g.code.unwrap_or(0),
                g.error_subcode,
                g.message.unwrap_or_default(),
            ),
            None => (
                body.code.unwrap_or(i64::from(status)),
                None,
                format!(
                    "{}: {}",
                    body.error_type.unwrap_or_default(),
                    body.error_message.unwrap_or_default()
                ),
            ),
        };
        let message = self.shown(&message);
        let basic_display = self.token.issuer() == Some(Issuer::BasicDisplay);
        let token_error = |problem| Error::Token {
            problem,
            login: self.kind,
            detail: Some(message.clone()),
        };
        match (code, subcode) {
            (190, _) | (100, _) if basic_display => token_error(TokenProblem::BasicDisplayRetired),
            (190, _) => token_error(problem_190(subcode, &message)),
            (100, _) if unsupported(&message) && self.is_account_node(url) => {
                token_error(TokenProblem::Unsupported)
            }
            // Business Discovery's "no such account": a nonexistent name and a
            // personal account look the same (subcode 2207013); its user
            // texts are localised, so only the code is read.
            (110, _) if self.discover.is_some() => {
                let name = self.discover.as_deref().unwrap_or_default();
                crate::error::ConfigError::invalid(
                    "source.username",
                    &format!(
                        "Instagram has no Business or Creator account @{name} that Business Discovery can read (code 110, subcode {}): the name does not exist, changed, or belongs to a personal, private or age-gated account. Check it in the profile's address, instagram.com/{name}; only public professional accounts can be shown",
                        subcode.map_or_else(|| "none".into(), |s| s.to_string())
                    ),
                )
                .into()
            }
            (10, _) | (200..=299, _) if self.discover.is_some() => {
                token_error(TokenProblem::DiscoveryPermission)
            }
            (10, _) | (200..=299, _) => token_error(TokenProblem::Permission),
            _ => {
                let hint = match code {
                    c if THROTTLE_CODES.contains(&c) => Some(
                        "The API is throttling this app or account; wait an hour before the next build (rebuild from the last snapshot with --offline meanwhile)".to_string(),
                    ),
                    1 | 2 => Some("A temporary API failure; retry later".to_string()),
                    _ => None,
                };
                ApiError::Graph {
                    url: url.to_string(),
                    status,
                    code,
                    subcode,
                    message,
                    hint,
                }
                .into()
            }
        }
    }
}

/// What a code-190 answer means: by its subcode when there is one (Meta's
/// error-handling guide), else by the documented phrases of its message, as
/// graph.instagram.com often sends no subcode ("Session has expired on …").
pub(super) fn problem_190(subcode: Option<i64>, message: &str) -> TokenProblem {
    let says = |phrases: &[&str]| {
        let m = message.to_ascii_lowercase();
        phrases.iter().any(|p| m.contains(p))
    };
    match subcode {
        Some(463) => TokenProblem::Expired,
        Some(460) => TokenProblem::Invalidated,
        Some(458) => TokenProblem::Deauthorized,
        Some(459 | 464) => TokenProblem::AccountCheckpoint,
        Some(467) => TokenProblem::Invalid,
        _ if says(&["session has expired", "has expired"]) => TokenProblem::Expired,
        _ if says(&[
            "has been invalidated",
            "session was invalidated",
            "changed their password",
            "changed the password",
            "session does not match",
        ]) =>
        {
            TokenProblem::Invalidated
        }
        _ if says(&["has not authorized", "not authorized application"]) => {
            TokenProblem::Deauthorized
        }
        _ if says(&["cannot parse access token", "malformed access token"]) => {
            TokenProblem::Invalid
        }
        _ => TokenProblem::Refused,
    }
}

/// Whether a code-100 message is the "Unsupported get request" family.
pub(super) fn unsupported(message: &str) -> bool {
    message.contains("Unsupported get request")
        || message.contains("Unsupported request - method type")
}
