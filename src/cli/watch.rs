//! `feedgen watch`: the local development loop.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use feedgen::watch::{classify, needs_fetch, parse_duration};
use feedgen::{BuildOptions, Config, Error};
use notify::{RecursiveMode, Watcher};

use super::ConfigArg;

/// Events closer together than this are one change (editors save in bursts).
const DEBOUNCE: Duration = Duration::from_millis(150);

/// Flags of `feedgen watch`.
#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Also fetch from the API this often (e.g. 15m); off by default, so
    /// editing a theme spends no API calls.
    #[arg(long, value_name = "DURATION")]
    refetch_every: Option<String>,
    /// Serve the output with live reload on this loopback address.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8000")]
    serve: Option<String>,
}

fn stamp() -> String {
    chrono::Local::now().format("%H:%M:%S").to_string()
}

/// One rebuild, reported on one line; a failure is reported and survived.
/// Returns whether it succeeded.
fn rebuild(config: &Config, offline: bool, what: &str) -> bool {
    let started = Instant::now();
    let options = BuildOptions {
        offline,
        ..BuildOptions::default()
    };
    match feedgen::build_with(config, &options) {
        Ok(r) => {
            println!(
                "[{}] {what}: {} posts, {} API requests, {} downloaded, {} decoded, {} variants made, {} files written in {} ms",
                stamp(),
                r.posts,
                r.api_requests,
                r.media.downloaded,
                r.media.decoded,
                r.media.encoded,
                r.files_written,
                started.elapsed().as_millis()
            );
            for w in &r.warnings {
                super::warn(w);
            }
            true
        }
        Err(e) => {
            eprintln!(
                "[{}] {what}: error: {e}\n(still watching; the last good output stays published)",
                stamp()
            );
            false
        }
    }
}

fn watched_paths(config_path: &std::path::Path, config: &Config) -> Vec<(PathBuf, RecursiveMode)> {
    let dir = |p: &std::path::Path| {
        p.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from)
    };
    let mut paths = vec![(dir(config_path), RecursiveMode::NonRecursive)];
    if let Some(t) = &config.output.theme_dir {
        paths.push((t.clone(), RecursiveMode::Recursive));
    }
    for extra in &config.output.extra_css {
        paths.push((dir(extra), RecursiveMode::NonRecursive));
    }
    if let Some(f) = &config.token.file {
        paths.push((dir(f), RecursiveMode::NonRecursive));
    }
    paths
}

pub fn run(args: &WatchArgs) -> Result<ExitCode, Error> {
    let config_path = args.config.path();
    let mut config = args.config.load(false)?;
    let refetch = args
        .refetch_every
        .as_deref()
        .map(parse_duration)
        .transpose()
        .map_err(|e| feedgen::error::ConfigError::invalid("--refetch-every", &e))?;

    // Start from the snapshot when there is one: no API call just for starting.
    let has_snapshot = config.source.snapshot_dir.join("feed.json").is_file();
    rebuild(&config, has_snapshot || config.source.offline, "start");
    let mut last_fetch = Instant::now();
    let server = match &args.serve {
        Some(addr) => {
            let (server, local) = super::serve::start(
                addr,
                config.output.dir.clone(),
                config.output.page.clone(),
                config.output.html.clone(),
            )?;
            println!(
                "[{}] serving http://{local}/ (reloads after each rebuild)",
                stamp()
            );
            Some(server)
        }
        None => None,
    };
    let reload = |ok: bool| {
        if let (true, Some(s)) = (ok, &server) {
            s.reload();
        }
    };

    let (tx, rx) = channel();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        // Reads are events too on Linux (the build reads the config and the
        // theme): only writes, creations, renames and removals are changes.
        if let Ok(event) = res
            && !matches!(
                event.kind,
                notify::EventKind::Access(_)
                    | notify::EventKind::Modify(notify::event::ModifyKind::Metadata(_))
            )
        {
            for p in event.paths {
                let _ = tx.send(p);
            }
        }
    })
    .map_err(|e| Error::Internal(format!("cannot watch files: {e}")))?;
    let mut watching: Vec<(PathBuf, RecursiveMode)> = Vec::new();
    let mut rewatch = |watcher: &mut notify::RecommendedWatcher, config: &Config| {
        for (p, _) in watching.drain(..) {
            let _ = watcher.unwatch(&p);
        }
        for (p, mode) in watched_paths(&config_path, config) {
            if watcher.watch(&p, mode).is_ok() {
                watching.push((p, mode));
            }
        }
    };
    rewatch(&mut watcher, &config);
    println!(
        "[{}] watching {} (theme files, extra CSS and the token file too); Ctrl-C stops",
        stamp(),
        config_path.display()
    );

    loop {
        let wait = refetch.map_or(Duration::from_secs(3600), |every| {
            every.saturating_sub(last_fetch.elapsed())
        });
        match rx.recv_timeout(wait) {
            Ok(first) => {
                let mut paths = vec![first];
                let until = Instant::now() + DEBOUNCE;
                while let Ok(p) = rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
                    paths.push(p);
                }
                let changes = classify(&paths, &config_path, &config);
                if !changes.any() {
                    continue;
                }
                let mut fetch = false;
                if changes.config {
                    match args.config.load(false) {
                        Ok(next) => {
                            fetch = needs_fetch(&config, &next) && !next.source.offline;
                            config = next;
                            rewatch(&mut watcher, &config);
                        }
                        Err(e) => {
                            eprintln!(
                                "[{}] config: error: {e}\n(still watching; the last good output stays published)",
                                stamp()
                            );
                            continue;
                        }
                    }
                }
                reload(rebuild(&config, !fetch, &changes.describe()));
                if fetch {
                    last_fetch = Instant::now();
                }
            }
            Err(RecvTimeoutError::Timeout) if refetch.is_some() => {
                reload(rebuild(&config, config.source.offline, "refetch"));
                last_fetch = Instant::now();
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    Ok(super::ok())
}
