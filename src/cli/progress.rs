//! Progress bars on stderr, for people only: hidden when stderr is not a
//! terminal, with `--quiet`, and with `-v` (log lines and bars do not mix).
//! Feeds built at once get a bar each.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use feedgen::{Progress, Stage};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// indicatif bars for the build's stages, one per feed.
pub struct Bars {
    all: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Bars {
    /// Bars if stderr is a terminal and nothing asked for silence.
    pub fn new_if_interactive(quiet: bool, verbose: u8) -> Option<Bars> {
        use std::io::IsTerminal;
        (std::io::stderr().is_terminal() && !quiet && verbose == 0).then(|| Bars {
            all: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
        })
    }
}

impl Progress for Bars {
    fn start(&self, feed: &str, stage: Stage, total: Option<usize>) {
        let bar = match total {
            Some(n) => ProgressBar::new(n as u64).with_style(
                ProgressStyle::with_template(
                    "{prefix} {msg:>9} [{bar:30}] {pos}/{len} images ({eta})",
                )
                .expect("valid template")
                .progress_chars("=> "),
            ),
            None => {
                let b = ProgressBar::new_spinner().with_style(
                    ProgressStyle::with_template("{prefix} {spinner} {msg}")
                        .expect("valid template"),
                );
                b.enable_steady_tick(Duration::from_millis(100));
                b
            }
        };
        let bar = self.all.add(bar);
        bar.set_prefix(feed.to_string());
        bar.set_message(match stage {
            Stage::Fetch => "fetching",
            Stage::Media => "images",
            Stage::Publish => "publishing",
        });
        if let Some(old) = self
            .bars
            .lock()
            .expect("bar lock")
            .insert(feed.to_string(), bar)
        {
            old.finish_and_clear();
        }
    }

    fn step(&self, feed: &str, _stage: Stage) {
        if let Some(b) = self.bars.lock().expect("bar lock").get(feed) {
            b.inc(1);
        }
    }

    fn finish(&self, feed: &str, _stage: Stage) {
        if let Some(b) = self.bars.lock().expect("bar lock").remove(feed) {
            b.finish_and_clear();
            self.all.remove(&b);
        }
    }
}
