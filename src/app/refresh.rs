//! Keeping the token alive during a build: picking it, refreshing it when
//! the policy says so, and warning as its expiry nears.

use chrono::{DateTime, Utc};

use crate::app::{FeedCx, Shared, TokenReport};
use crate::config::FeedConfig;
use crate::error::Error;
use crate::kinds::SourceKind;
use crate::secret::Token;
use crate::source::instagram::InstagramClient;
use crate::token;
use crate::token::{Decision, Obtained};

/// Every token this feed could know: the one in use, the inputs, and the
/// state file's (an offline build has no token in use, but the output must
/// not hold any of them either).
pub(super) fn known_secrets(feed: &FeedConfig, in_use: Option<&Token>) -> Vec<Token> {
    let stored = token::load_state(&feed.token.state_file)
        .ok()
        .flatten()
        .map(|s| s.token);
    let from_file = token::input(feed).ok().flatten().map(|(t, _)| t);
    in_use
        .cloned()
        .into_iter()
        .chain(feed.token.env.clone())
        .chain(feed.source.token.clone())
        .chain(from_file)
        .chain(stored)
        .filter(|t| !t.is_empty())
        .collect()
}

/// Picks the token, refreshes it when the policy says so, and warns as expiry nears.
pub(super) async fn keep_token_alive(
    shared: &Shared<'_>,
    feed: &FeedConfig,
    cx: &FeedCx,
    report: &mut Option<TokenReport>,
) -> Result<token::Resolved, Error> {
    let mut resolved = token::current(feed, shared.now)?;
    let mut r = TokenReport {
        origin: resolved.origin.clone(),
        days_left: None,
        refresh_attempted: false,
        refreshed: false,
    };
    // A token seen for the first time is refreshed once the fetch has shown
    // that it works (see `first_sight_refresh`).
    if resolved.state.obtained != Obtained::FirstSeen {
        try_refresh(shared, feed, &mut resolved, &mut r, cx).await?;
    }
    note_expiry(feed, &resolved, &mut r, cx, shared.now);
    *report = Some(r);
    Ok(resolved)
}

/// The refresh of a token first seen in this build, after it read the feed:
/// its age is unknown, so one attempt tells. A refusal (most likely a token
/// under 24 hours old) is expected and logged at info level; a success
/// records the real expiry at once.
pub(super) async fn first_sight_refresh(
    shared: &Shared<'_>,
    feed: &FeedConfig,
    resolved: &mut token::Resolved,
    report: &mut Option<TokenReport>,
    cx: &FeedCx,
) -> Result<(), Error> {
    if resolved.state.obtained != Obtained::FirstSeen {
        return Ok(());
    }
    let Some(r) = report.as_mut() else {
        return Ok(());
    };
    try_refresh(shared, feed, resolved, r, cx).await?;
    note_expiry(feed, resolved, r, cx, shared.now);
    Ok(())
}

/// Refreshes the token when [`token::decide`] says so; the new token is saved at once.
pub(super) async fn try_refresh(
    shared: &Shared<'_>,
    feed: &FeedConfig,
    resolved: &mut token::Resolved,
    r: &mut TokenReport,
    cx: &FeedCx,
) -> Result<(), Error> {
    let now = shared.now;
    let policy = &feed.token.policy;
    let decision = match feed.source.kind {
        SourceKind::Instagram => token::decide(&resolved.state, now, policy),
        // Facebook tokens have no refresh endpoint; `token exchange` makes a
        // Page token that does not expire.
        SourceKind::Facebook => Decision::Keep(token::FACEBOOK_NO_REFRESH.into()),
    };
    match decision {
        Decision::Refresh if policy.auto => {
            r.refresh_attempted = true;
            resolved.dirty = true;
            let api =
                InstagramClient::new(&shared.client, &feed.source.api_base, &resolved.state.token)
                    .counting(cx.requests());
            match api.refresh().await {
                Ok(issued) => {
                    cx.warn_all(resolved.state.record_refresh(
                        issued.token,
                        issued.expires_in,
                        now,
                    ));
                    // Saved at once: the new token must survive whatever fails next.
                    token::save_state(&feed.token.state_file, &resolved.state)?;
                    resolved.dirty = false;
                    r.refreshed = true;
                    tracing::info!("{}: token refreshed", feed.name);
                }
                Err(e) => {
                    let why = e.to_string();
                    if resolved.state.obtained == Obtained::FirstSeen && matches!(e, Error::Api(_))
                    {
                        // Most likely under 24 hours old, which the API refuses
                        // to refresh: expected, so not a warning.
                        tracing::info!(
                            "{}: the new token could not be refreshed yet ({why}); retried in 24 h",
                            feed.name
                        );
                    } else {
                        cx.warn(format!(
                            "the token could not be refreshed ({why}); the current token is used as long as it is valid, and the refresh is retried in 24 h"
                        ));
                    }
                    resolved.state.record_failed_refresh(why, now);
                }
            }
        }
        Decision::Refresh => tracing::debug!("a refresh is due, but token.auto_refresh is off"),
        Decision::Keep(reason) => tracing::debug!("token not refreshed: {reason}"),
    }
    Ok(())
}

/// Days left, and the warning once they are few.
pub(super) fn note_expiry(
    feed: &FeedConfig,
    resolved: &token::Resolved,
    r: &mut TokenReport,
    cx: &FeedCx,
    now: DateTime<Utc>,
) {
    let Some(exp) = resolved.state.expires_at else {
        return;
    };
    let days = token::days_left(exp, now);
    r.days_left = Some(days);
    if days < feed.token.policy.warn_days_left {
        cx.warn(match feed.source.kind {
            SourceKind::Instagram => format!(
                "the token expires in {days} days (on {}). feedgen refreshes it automatically on builds once it is 24 h old; if refreshes keep failing, generate a new token before then (https://feedgen.github.io/feedgen/first-feed.html#getting-a-token)",
                exp.format("%Y-%m-%d")
            ),
            SourceKind::Facebook => format!(
                "the Facebook token expires in {days} days (on {}). Run `feedgen token exchange` (https://feedgen.github.io/feedgen/guides/facebook-login.html) for a Page token that does not expire",
                exp.format("%Y-%m-%d")
            ),
        });
    }
}
