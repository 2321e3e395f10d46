//! `[http]`: timeouts and retries of the one HTTP client a run shares.

use serde::Deserialize;

use crate::error::ConfigError;

/// `[http]`: timeouts and the retry policy, for the API and the CDN alike.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpConfig {
    /// Whole-request timeout.
    pub timeout: std::time::Duration,
    /// Retries, backoff and the time budget of one request.
    pub retry: crate::retry::RetryPolicy,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHttp {
    pub(super) timeout: Option<u64>,
    pub(super) retries: Option<u32>,
    pub(super) backoff_ms: Option<u64>,
    pub(super) retry_budget: Option<u64>,
}

pub(super) fn http_config(raw: RawHttp) -> Result<HttpConfig, ConfigError> {
    let defaults = crate::retry::RetryPolicy::default();
    let http = HttpConfig {
        timeout: raw
            .timeout
            .map_or(crate::http::REQUEST_TIMEOUT, std::time::Duration::from_secs),
        retry: crate::retry::RetryPolicy {
            max_retries: raw.retries.unwrap_or(defaults.max_retries),
            base_delay: raw
                .backoff_ms
                .map_or(defaults.base_delay, std::time::Duration::from_millis),
            max_delay: defaults.max_delay,
            budget: raw
                .retry_budget
                .map_or(defaults.budget, std::time::Duration::from_secs),
        },
    };
    if http.timeout.is_zero() || http.timeout.as_secs() > 600 {
        return Err(ConfigError::invalid(
            "http.timeout",
            "must be between 1 and 600 seconds",
        ));
    }
    if http.retry.max_retries > 10 {
        return Err(ConfigError::invalid("http.retries", "must be at most 10"));
    }
    Ok(http)
}
