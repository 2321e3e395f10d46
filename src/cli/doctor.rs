//! `feedgen doctor`: every precondition of a build, each with ✔ or ✘ and the fix.

use std::process::ExitCode;

use chrono::Utc;
use feedgen::config::SourceKind;
use feedgen::error::exit;
use feedgen::http::{MediaHosts, client_with_timeout};
use feedgen::manifest::Manifest;
use feedgen::media::download;
use feedgen::output::{ContentStore, check_publishable};
use feedgen::select::Selection;
use feedgen::source::InstagramClient;
use feedgen::token::{self, Decision, NotCurrent};
use feedgen::{Config, Error, FeedConfig};

use super::{ConfigArg, runtime};

struct Report {
    code: u8,
}

impl Report {
    fn pass(&self, what: &str) {
        println!("✔ {what}");
    }

    fn fail(&mut self, what: &str, fix: &str, code: u8) {
        println!("✘ {what}\n  fix: {fix}");
        if self.code == exit::OK {
            self.code = code;
        }
    }
}

pub fn run(arg: &ConfigArg) -> Result<ExitCode, Error> {
    let mut r = Report { code: exit::OK };
    let config = match arg.load(false) {
        Ok(c) => {
            r.pass("config is valid");
            c
        }
        Err(e) => {
            r.fail(&format!("config: {e}"), &e.fix(), e.exit_code());
            return Ok(ExitCode::from(r.code));
        }
    };
    for feed in &config.feeds {
        if config.named_feeds {
            println!("feed {}:", feed.name);
        }
        feed_checks(&config, feed, &mut r)?;
    }
    let store = ContentStore::new(config.cache_dir.join("media"));
    // Feeds of one account share variants: count each file once.
    let files: std::collections::BTreeSet<String> = config
        .feeds
        .iter()
        .flat_map(|f| Manifest::load(&f.manifest).assets.into_values())
        .flat_map(|e| e.variants.into_iter().map(|v| v.file))
        .collect();
    let total = files.len();
    let missing = files.iter().filter(|f| !store.has(f)).count();
    if missing == 0 {
        r.pass(&format!(
            "store consistent: {total} variants in {}",
            config.cache_dir.display()
        ));
    } else {
        r.fail(
            &format!("store: {missing} of {total} variants listed in the manifest are missing or damaged"),
            "nothing to do: the next build makes them again (from the originals, without downloading) and never publishes a damaged file",
            exit::IO,
        );
    }
    Ok(ExitCode::from(r.code))
}

fn feed_checks(config: &Config, feed: &FeedConfig, r: &mut Report) -> Result<(), Error> {
    if let Some(export) = &feed.source.export {
        export_checks(feed, export, r);
    } else if feed.source.offline {
        r.pass("source.offline = true: token, account and media hosts not needed");
    } else {
        online_checks(config, feed, r)?;
    }
    if let Err(e) = Selection::of(feed) {
        r.fail(&format!("overrides: {e}"), &e.fix(), e.exit_code());
    }
    match check_publishable(&feed.output.dir) {
        Ok(()) => r.pass(&format!(
            "output folder {} can be published",
            feed.output.dir.display()
        )),
        Err(e) => r.fail(
            &format!("output folder: {e}"),
            "point output.dir (or --out) at a new folder, or fix its permissions",
            e.exit_code(),
        ),
    }
    Ok(())
}

/// A data export's feed: what the export holds, and whether it is old.
fn export_checks(feed: &FeedConfig, export: &std::path::Path, r: &mut Report) {
    match feedgen::export::survey(export) {
        Ok(s) => {
            let age = s.written.map(|w| (Utc::now() - w).num_days().max(0));
            r.pass(&format!(
                "export {}: {} posts ({} reels) from {} to {}{}{}",
                export.strip_prefix(".").unwrap_or(export).display(),
                s.posts,
                s.reels,
                s.range.0.format("%Y-%m-%d"),
                s.range.1.format("%Y-%m-%d"),
                s.username.map(|u| format!(" of @{u}")).unwrap_or_default(),
                age.map(|d| format!("; written {d} days ago"))
                    .unwrap_or_default(),
            ));
            if let Some(days) = age.filter(|d| *d > i64::from(feed.source.export_max_age)) {
                println!(
                    "! export is {days} days old (source.export_max_age = {}): posts since are missing\n  fix: download a new export (Accounts Center → Your information and permissions → Download your information, format JSON) and point source.export at it",
                    feed.source.export_max_age
                );
            }
        }
        Err(e) => r.fail(&format!("export: {e}"), &e.fix(), e.exit_code()),
    }
}

fn online_checks(shared: &Config, config: &FeedConfig, r: &mut Report) -> Result<(), Error> {
    let Some((resolved, token_line)) = check_token(config, r) else {
        return Ok(());
    };
    let hosts = MediaHosts::new(&config.source.media_hosts);
    let http = client_with_timeout(&hosts, shared.http.timeout);
    let rt = runtime()?;
    let api = InstagramClient::for_source(&http, &config.source, &resolved.state.token)
        .with_retry(shared.http.retry);
    let Some(api) = check_account(&rt, api, config, &token_line, r) else {
        return Ok(());
    };
    check_media(&rt, &api, &http, &hosts, shared, r);
    Ok(())
}

/// The token: where it comes from, its state, expiry and refresh, as a line
/// printed once the API accepted it; `None` (after a failed line) when there
/// is no usable one.
fn check_token(config: &FeedConfig, r: &mut Report) -> Option<(token::Resolved, String)> {
    let now = Utc::now();
    let resolved = match token::current_steps(config, now) {
        Ok(resolved) => resolved,
        Err(NotCurrent::State(e)) => {
            r.fail(
                &format!("token state: {e}"),
                &format!(
                    "delete {} and set FEEDGEN_TOKEN to the token again",
                    config.token.state_file.display()
                ),
                e.exit_code(),
            );
            return None;
        }
        Err(NotCurrent::Input(e)) => {
            r.fail(&format!("token: {e}"), &e.fix(), e.exit_code());
            return None;
        }
        Err(NotCurrent::Missing) => {
            r.fail(
                "token: none given",
                "set FEEDGEN_TOKEN to a long-lived token (https://feedgen.github.io/feedgen/first-feed.html#getting-a-token)",
                exit::TOKEN,
            );
            return None;
        }
        Err(refused @ NotCurrent::Refused(_)) => {
            let e = refused.into_error(config.source.kind);
            r.fail(
                &format!("token: {}", e.without_build_note()),
                &e.fix(),
                exit::TOKEN,
            );
            return None;
        }
    };
    let left = match resolved.state.expires_at {
        Some(exp) => format!("{} days left", token::days_left(exp, now)),
        None => "expiry unknown until its first refresh".into(),
    };
    let refresh = match (
        config.source.kind,
        token::decide(&resolved.state, now, &config.token.policy),
    ) {
        (SourceKind::Facebook, _) => format!("never refreshed: {}", token::FACEBOOK_NO_REFRESH),
        (_, Decision::Refresh) => "refresh due".to_string(),
        (_, Decision::Keep(why)) => format!("no refresh yet: {why}"),
    };
    let line = format!("token from {}; {left}; {refresh}", resolved.origin);
    Some((resolved, line))
}

/// The account the token reads (found through the Facebook Page when the
/// config does not name it) and its type; `None` after a failed line. The
/// token's ✔ `token_line` comes first, once the API has accepted the token:
/// a token it refused gets a ✘ line instead.
/// Reports a token the API refused, as the token's line; false for other errors.
fn refused(e: &Error, r: &mut Report, token_line: &str) -> bool {
    if e.exit_code() != exit::TOKEN {
        return false;
    }
    r.fail(
        &format!(
            "{}: refused by the API: {}",
            token_line.split(';').next().unwrap_or("token"),
            e.without_build_note()
        ),
        &e.fix(),
        exit::TOKEN,
    );
    true
}

fn check_account<'a>(
    rt: &tokio::runtime::Runtime,
    api: InstagramClient<'a>,
    config: &FeedConfig,
    token_line: &str,
    r: &mut Report,
) -> Option<InstagramClient<'a>> {
    let refused = |e: &Error, r: &mut Report| refused(e, r, token_line);
    // Printed before the first line of an answer that accepted the token.
    let mut pending = Some(token_line);
    let mut accepted = |r: &mut Report| {
        if let Some(line) = pending.take() {
            r.pass(line);
        }
    };
    let api = match rt.block_on(api.into_account(&config.source)) {
        Ok((api, found)) => {
            if let Some(found) = found {
                accepted(r);
                r.pass(&format!(
                    "the token reads Instagram account {} through the Facebook Page {} (set source.ig_user_id = \"{}\" to skip this lookup)",
                    found.ig_user_id, found.page.1, found.ig_user_id
                ));
            }
            api
        }
        Err(e) => {
            if !refused(&e, r) {
                r.fail(
                    &format!("Instagram account: {}", e.without_build_note()),
                    &e.fix(),
                    e.exit_code(),
                );
            }
            return None;
        }
    };
    let discovering = api.discovering().map(str::to_string);
    let answer = rt.block_on(api.me_with_type());
    if answer.is_ok() {
        accepted(r);
    }
    match answer {
        Ok((account, _)) if discovering.is_some() => r.pass(&format!(
            "account @{} reachable through Business Discovery: id {}, {} posts{}",
            account.username,
            account.id,
            account
                .media_count
                .map_or_else(|| "?".to_string(), |n| n.to_string()),
            account
                .followers_count
                .map_or_else(String::new, |n| format!(", {n} followers"))
        )),
        Ok((account, kind)) => match kind.as_deref() {
            Some("PERSONAL") => r.fail(
                &format!("account @{} is a personal account", account.username),
                "switch it to a Business or Creator account in the Instagram app (Settings → Account type and tools); personal accounts have no API since 2024-12-04",
                exit::TOKEN,
            ),
            Some(k) => r.pass(&format!("account @{} reachable ({k})", account.username)),
            None => r.pass(&format!("account @{} reachable", account.username)),
        },
        Err(e) => {
            if !refused(&e, r) {
                r.fail(
                    &format!("account: {}", e.without_build_note()),
                    &e.fix(),
                    e.exit_code(),
                );
            }
            return None;
        }
    }
    Some(api)
}

/// The media host: one download of the newest post's image.
fn check_media(
    rt: &tokio::runtime::Runtime,
    api: &InstagramClient<'_>,
    http: &reqwest::Client,
    hosts: &MediaHosts,
    shared: &Config,
    r: &mut Report,
) {
    match rt.block_on(api.newest_media_url()) {
        Ok(Some(url)) => {
            let host = url.host_str().unwrap_or("?").to_string();
            match rt.block_on(download(http, hosts, &url, shared.http.retry)) {
                Ok(_) => r.pass(&format!("media host {host} reachable")),
                Err(e) => r.fail(
                    &format!("media host {host}: {e}"),
                    "allow the host with FEEDGEN_MEDIA_HOSTS, or check the network",
                    exit::API,
                ),
            }
        }
        Ok(None) => r.pass("the account has no media yet: nothing to download"),
        Err(e) => r.fail(
            &format!("media list: {}", e.without_build_note()),
            &e.fix(),
            e.exit_code(),
        ),
    }
}
