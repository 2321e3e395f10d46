//! When to try a request again, and how long to wait.
//!
//! One small policy for the API and the CDN: exponential backoff with jitter,
//! a cap on attempts and a total time budget, so a scheduled build never hangs
//! for long. Hints from the server win when longer: `Retry-After`, and Graph's
//! `estimated_time_to_regain_access` (minutes) in `X-Business-Use-Case-Usage`.
//! What is worth retrying is decided by the callers, from the wire facts:
//! connection errors, timeouts, 5xx, 429, Graph codes 1/2 and `is_transient`,
//! and throttling codes 4/17/32/613/80002 whatever the HTTP status. Code 190
//! (the token) is never retried.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

/// Graph error codes that mean "slow down" (seen with HTTP 400 and 403, not only 429).
pub const THROTTLE_CODES: [i64; 5] = [4, 17, 32, 613, 80002];
/// From this share of the rate limit on, calls are spaced out.
pub const USAGE_SLOWDOWN_PERCENT: u32 = 90;

/// Limits on retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff; each retry doubles it.
    pub base_delay: Duration,
    /// The longest single backoff.
    pub max_delay: Duration,
    /// Total time one request may spend waiting and retrying.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            budget: Duration::from_secs(120),
        }
    }
}

/// The retry state of one request.
#[derive(Debug)]
pub struct Attempts {
    policy: RetryPolicy,
    started: Instant,
    retries: u32,
}

impl Attempts {
    /// Starts counting for one request.
    pub fn new(policy: RetryPolicy) -> Self {
        Attempts {
            policy,
            started: Instant::now(),
            retries: 0,
        }
    }

    /// Retries made so far.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The wait before the next attempt, or `None` when the attempts or the
    /// time budget are used up. `hint` is the server's own wait, if it gave one.
    pub fn next_delay(&mut self, hint: Option<Duration>) -> Option<Duration> {
        if self.retries >= self.policy.max_retries {
            return None;
        }
        let exp = self
            .policy
            .base_delay
            .saturating_mul(1 << self.retries.min(16))
            .min(self.policy.max_delay);
        // "Equal jitter": half fixed, half random, so retries of parallel downloads spread out.
        let jittered = exp / 2 + exp.mul_f64(fastrand::f64() / 2.0);
        let delay = hint.map_or(jittered, |h| h.max(jittered));
        if self.started.elapsed() + delay > self.policy.budget {
            return None;
        }
        self.retries += 1;
        Some(delay)
    }
}

/// What one failed attempt means for the next.
#[derive(Debug)]
pub enum Failure<E> {
    /// Worth another attempt, after at least the server's hint if it gave one.
    Transient(E, Option<Duration>),
    /// The same request would fail the same way.
    Final(E),
}

/// Runs `attempt` until it succeeds, fails for good, or the policy's attempts
/// or time budget are used up; `gave_up` adds the retry count to the last error.
/// The one retry loop of feedgen: the API and the CDN differ only in how they
/// classify a failure.
pub async fn run<T, E: std::fmt::Display>(
    policy: RetryPolicy,
    mut attempt: impl AsyncFnMut() -> Result<T, Failure<E>>,
    gave_up: impl FnOnce(E, u32) -> E,
) -> Result<T, E> {
    let mut attempts = Attempts::new(policy);
    loop {
        let (error, hint) = match attempt().await {
            Ok(value) => return Ok(value),
            Err(Failure::Final(error)) => return Err(error),
            Err(Failure::Transient(error, hint)) => (error, hint),
        };
        match attempts.next_delay(hint) {
            Some(delay) => {
                tracing::info!("{error}; retrying in {:.1} s", delay.as_secs_f64());
                tokio::time::sleep(delay).await;
            }
            None => return Err(gave_up(error, attempts.retries())),
        }
    }
}

/// The note [`run`]'s callers append when they give up after retrying.
pub fn gave_up_note(retries: u32) -> String {
    if retries == 0 {
        String::new()
    } else {
        format!(" (gave up after {retries} retries)")
    }
}

/// Whether an HTTP status is worth another attempt: server errors and 429.
pub fn transient_status(status: u16) -> bool {
    status >= 500 || status == 429
}

/// Whether a request that could not be sent is worth another attempt: not
/// when it cannot even be built, nor when a redirect was refused.
pub fn transient_send(error: &reqwest::Error) -> bool {
    !(error.is_builder() || error.is_redirect())
}

/// Whether a Graph error body is worth another attempt: flagged
/// `is_transient`, a server error, codes 1/2, or a throttling code.
pub fn transient_graph(code: i64, status: u16, flagged: bool) -> bool {
    flagged || status >= 500 || matches!(code, 1 | 2) || THROTTLE_CODES.contains(&code)
}

/// `Retry-After` in seconds (the HTTP-date form is treated as absent).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// What the rate-limit headers say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// The highest share of any limit, in percent (can exceed 100).
    pub percent: u32,
    /// How long until calls are accepted again, when blocked.
    pub regain: Option<Duration>,
}

/// Reads `X-App-Usage` and `X-Business-Use-Case-Usage`; `None` when neither is
/// there (their absence does not mean zero usage, only that Graph did not say).
pub fn usage(headers: &HeaderMap) -> Option<Usage> {
    let json = |name: &str| -> Option<serde_json::Value> {
        serde_json::from_str(headers.get(name)?.to_str().ok()?).ok()
    };
    let pct = |v: &serde_json::Value| -> u32 {
        ["call_count", "total_time", "total_cputime"]
            .iter()
            .filter_map(|k| v.get(k)?.as_u64())
            .max()
            .unwrap_or(0) as u32
    };
    let app = json("x-app-usage");
    let buc = json("x-business-use-case-usage");
    if app.is_none() && buc.is_none() {
        return None;
    }
    let mut u = Usage::default();
    if let Some(a) = &app {
        u.percent = pct(a);
    }
    if let Some(serde_json::Value::Object(ids)) = &buc {
        for entries in ids.values() {
            for e in entries.as_array().into_iter().flatten() {
                u.percent = u.percent.max(pct(e));
                let minutes = e
                    .get("estimated_time_to_regain_access")
                    .and_then(|m| m.as_u64())
                    .unwrap_or(0);
                if minutes > 0 {
                    let d = Duration::from_secs(minutes * 60);
                    u.regain = Some(u.regain.map_or(d, |r| r.max(d)));
                }
            }
        }
    }
    Some(u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_doubles_is_capped_and_respects_the_budget() {
        let policy = RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
            budget: Duration::from_secs(10),
        };
        let mut a = Attempts::new(policy);
        let d1 = a.next_delay(None).unwrap();
        let d2 = a.next_delay(None).unwrap();
        let d3 = a.next_delay(None).unwrap();
        assert!((50..=100).contains(&d1.as_millis()), "{d1:?}");
        assert!((100..=200).contains(&d2.as_millis()), "{d2:?}");
        assert!((150..=300).contains(&d3.as_millis()), "{d3:?}");
        assert_eq!(a.next_delay(None), None, "attempts used up");

        let mut b = Attempts::new(policy);
        assert_eq!(
            b.next_delay(Some(Duration::from_secs(11))),
            None,
            "over budget"
        );
        assert_eq!(
            b.next_delay(Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2)),
            "server hint wins"
        );
    }

    #[test]
    fn usage_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(usage(&h), None);
        h.insert(
            "x-app-usage",
            HeaderValue::from_static(r#"{"call_count":28,"total_time":95,"total_cputime":25}"#),
        );
        assert_eq!(
            usage(&h),
            Some(Usage {
                percent: 95,
                regain: None
            })
        );
        h.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static(r#"{"1784":[{"type":"instagram","call_count":101,"total_cputime":3,"total_time":4,"estimated_time_to_regain_access":7}]}"#),
        );
        assert_eq!(
            usage(&h),
            Some(Usage {
                percent: 101,
                regain: Some(Duration::from_secs(420))
            })
        );
        h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
    }
}
