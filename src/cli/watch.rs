//! `feedgen watch`: the local development loop.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use feedgen::embed::Wanted;
use feedgen::watch::{classify, needs_fetch, new_embeds, parse_duration};
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

/// One rebuild, reported on one line per feed; a failure is reported and
/// survived. Returns whether every feed succeeded.
fn rebuild(config: &Config, offline: bool, what: &str) -> bool {
    let started = Instant::now();
    let options = BuildOptions {
        offline,
        ..BuildOptions::default()
    };
    let failed = |e: &dyn std::fmt::Display, name: Option<&str>| {
        eprintln!(
            "[{}] {what}: error: {}\n(still watching; the last good output stays published)",
            stamp(),
            super::of_feed(name, &e.to_string())
        );
        false
    };
    let run = match feedgen::build_with(config, &options) {
        Ok(run) => run,
        Err(e) => return failed(&e, None),
    };
    let mut ok = true;
    for f in &run.feeds {
        let name = config.named_feeds.then_some(f.name.as_str());
        match &f.result {
            Ok(r) => {
                println!(
                    "[{}] {what}: {}{} posts, {} API requests, {} downloaded, {} decoded, {} variants made, {} files written in {} ms",
                    stamp(),
                    name.map(|n| format!("[{n}] ")).unwrap_or_default(),
                    r.posts,
                    r.api_requests,
                    r.media.downloaded,
                    r.media.decoded,
                    r.media.encoded,
                    r.files_written,
                    started.elapsed().as_millis()
                );
                for w in &r.warnings {
                    super::warn(&super::of_feed(name, w));
                }
            }
            Err(e) => ok = failed(e, name),
        }
    }
    ok
}

fn watched_paths(config_path: &std::path::Path, config: &Config) -> Vec<(PathBuf, RecursiveMode)> {
    let dir = |p: &std::path::Path| {
        p.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from)
    };
    let mut paths = vec![(dir(config_path), RecursiveMode::NonRecursive)];
    for feed in &config.feeds {
        if let Some(t) = &feed.output.theme_dir {
            paths.push((t.clone(), RecursiveMode::Recursive));
        }
        for (root, recursive) in feedgen::watch::scan_roots(feed) {
            let mode = if recursive {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            paths.push((root, mode));
        }
        for file in feed
            .output
            .extra_css
            .iter()
            .chain(&feed.token.file)
            .chain(&feed.filter.overrides)
        {
            paths.push((dir(file), RecursiveMode::NonRecursive));
        }
    }
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    paths.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    paths
}

/// Runs the loop: build once, then rebuild on every change to the config,
/// the theme, extra CSS, the overrides or the token file, and on the
/// `--refetch-every` clock; until Ctrl-C.
pub fn run(args: &WatchArgs) -> Result<ExitCode, Error> {
    let config_path = args.config.path();
    let mut config = args.config.load(false)?;
    let refetch = args
        .refetch_every
        .as_deref()
        .map(parse_duration)
        .transpose()
        .map_err(|e| feedgen::error::ConfigError::invalid("--refetch-every", &e))?;

    // Start from the snapshots when there are: no API call just for starting.
    let has_snapshots = config
        .feeds
        .iter()
        .all(|f| f.source.offline || f.source.snapshot_dir.join("feed.json").is_file());
    rebuild(&config, has_snapshots, "start");
    let mut last_fetch = Instant::now();
    let server = serve(args, &config)?;
    let reload = |ok: bool| {
        if let (true, Some(s)) = (ok, &server) {
            s.reload();
        }
    };

    let mut embeds = wanted(&config);
    let mut files = FileWatch::new(config_path.clone())?;
    files.rewatch(&config);
    println!(
        "[{}] watching {} (theme files, extra CSS, overrides, token files and embed.scan pages too); Ctrl-C stops",
        stamp(),
        config_path.display()
    );

    loop {
        let wait = refetch.map_or(Duration::from_secs(3600), |every| {
            every.saturating_sub(last_fetch.elapsed())
        });
        match files.next(wait) {
            Ok(paths) => {
                let changes = classify(&paths, &config_path, &config);
                if !changes.any() {
                    continue;
                }
                let mut fetch = false;
                if changes.content && !changes.config {
                    let now = wanted(&config);
                    if now == embeds {
                        continue; // an edit that names no other post
                    }
                    fetch = now.iter().zip(&embeds).any(|(n, b)| new_embeds(b, n))
                        && config.feeds.iter().any(|f| !f.source.offline);
                    embeds = now;
                }
                if changes.config {
                    let Some(next) = reload_config(args) else {
                        continue;
                    };
                    fetch =
                        needs_fetch(&config, &next) && next.feeds.iter().any(|f| !f.source.offline);
                    config = next;
                    embeds = wanted(&config);
                    files.rewatch(&config);
                }
                reload(rebuild(&config, !fetch, &changes.describe()));
                if fetch {
                    last_fetch = Instant::now();
                }
            }
            Err(RecvTimeoutError::Timeout) if refetch.is_some() => {
                reload(rebuild(&config, false, "refetch"));
                last_fetch = Instant::now();
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    Ok(super::ok())
}

/// The posts each feed embeds now (its content read again), in feed order;
/// a scan that fails counts as none (the build says why).
fn wanted(config: &Config) -> Vec<Wanted> {
    config
        .feeds
        .iter()
        .map(|f| Wanted::of(&f.embed, &mut Vec::new()).unwrap_or_default())
        .collect()
}

/// The changed config, or `None` after reporting why it cannot be used
/// (the loop goes on with the last good one).
fn reload_config(args: &WatchArgs) -> Option<Config> {
    match args.config.load(false) {
        Ok(next) => Some(next),
        Err(e) => {
            eprintln!(
                "[{}] config: error: {e}\n(still watching; the last good output stays published)",
                stamp()
            );
            None
        }
    }
}

/// Starts `--serve`, if asked: the first feed's output folder (choose
/// another with --feed), reloaded after each good rebuild.
fn serve(args: &WatchArgs, config: &Config) -> Result<Option<super::serve::Server>, Error> {
    let Some(addr) = &args.serve else {
        return Ok(None);
    };
    let shown = &config.feeds[0].output;
    let mount = super::serve::mount_of(&shown.base_url);
    let (server, local) = super::serve::start(
        addr,
        shown.dir.clone(),
        mount.clone(),
        shown.page.clone(),
        shown.html.clone(),
    )?;
    println!(
        "[{}] serving http://{local}/ (the output at {mount}/; reloads after each rebuild)",
        stamp()
    );
    Ok(Some(server))
}

/// The files a watch follows, and the changes to them as debounced bursts.
struct FileWatch {
    config_path: PathBuf,
    watcher: notify::RecommendedWatcher,
    watching: Vec<(PathBuf, RecursiveMode)>,
    changes: Receiver<PathBuf>,
}

impl FileWatch {
    fn new(config_path: PathBuf) -> Result<Self, Error> {
        let (tx, changes) = channel();
        let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
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
        Ok(FileWatch {
            config_path,
            watcher,
            watching: Vec::new(),
            changes,
        })
    }

    /// Follows the files `config` names (a changed config may name others).
    fn rewatch(&mut self, config: &Config) {
        for (p, _) in self.watching.drain(..) {
            let _ = self.watcher.unwatch(&p);
        }
        for (p, mode) in watched_paths(&self.config_path, config) {
            if self.watcher.watch(&p, mode).is_ok() {
                self.watching.push((p, mode));
            }
        }
    }

    /// The paths of the next burst of changes, waiting at most `wait` for it.
    fn next(&self, wait: Duration) -> Result<Vec<PathBuf>, RecvTimeoutError> {
        let first = self.changes.recv_timeout(wait)?;
        let mut paths = vec![first];
        let until = Instant::now() + DEBOUNCE;
        while let Ok(p) = self
            .changes
            .recv_timeout(until.saturating_duration_since(Instant::now()))
        {
            paths.push(p);
        }
        Ok(paths)
    }
}
