//! `[http]`: timeouts and retries of the one HTTP client a run shares.

use std::time::Duration;

use crate::config::layer::set;
use crate::error::ConfigError;

/// `[http]`: timeouts and the retry policy, for the API and the CDN alike.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpConfig {
    /// Whole-request timeout.
    pub timeout: std::time::Duration,
    /// Retries, backoff and the time budget of one request.
    pub retry: crate::retry::RetryPolicy,
}

super::layer::layer! {
    /// `[http]` as the file wrote it.
    HttpLayer {
        timeout: u64,
        retries: u32,
        backoff_ms: u64,
        retry_budget: u64,
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout: crate::http::REQUEST_TIMEOUT,
            retry: crate::retry::RetryPolicy::default(),
        }
    }
}

impl HttpConfig {
    /// The defaults with `layer` laid over them, checked.
    pub(super) fn from_layer(layer: HttpLayer) -> Result<HttpConfig, ConfigError> {
        let HttpLayer {
            timeout,
            retries,
            backoff_ms,
            retry_budget,
        } = layer;
        let mut http = HttpConfig::default();
        if let Some(t) = timeout {
            http.timeout = Duration::from_secs(t);
        }
        set(&mut http.retry.max_retries, retries);
        if let Some(ms) = backoff_ms {
            http.retry.base_delay = Duration::from_millis(ms);
        }
        if let Some(b) = retry_budget {
            http.retry.budget = Duration::from_secs(b);
        }
        http.check()?;
        Ok(http)
    }

    /// The table's own rules.
    fn check(&self) -> Result<(), ConfigError> {
        if self.timeout.is_zero() || self.timeout.as_secs() > 600 {
            return Err(ConfigError::invalid(
                "http.timeout",
                "must be between 1 and 600 seconds",
            ));
        }
        if self.retry.max_retries > 10 {
            return Err(ConfigError::invalid("http.retries", "must be at most 10"));
        }
        Ok(())
    }
}
