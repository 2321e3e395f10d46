//! Progress bars on stderr, for people only: hidden when stderr is not a
//! terminal, with `--quiet`, and with `-v` (log lines and bars do not mix).

use std::sync::Mutex;
use std::time::Duration;

use feedgen::{Progress, Stage};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// indicatif bars for the build's stages.
pub struct Bars {
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Bars if stderr is a terminal and nothing asked for silence.
    pub fn new_if_interactive(quiet: bool, verbose: u8) -> Option<Bars> {
        use std::io::IsTerminal;
        (std::io::stderr().is_terminal() && !quiet && verbose == 0).then(|| Bars {
            bar: Mutex::new(None),
        })
    }
}

impl Progress for Bars {
    fn start(&self, stage: Stage, total: Option<usize>) {
        let bar = match total {
            Some(n) => ProgressBar::new(n as u64).with_style(
                ProgressStyle::with_template("{msg:>9} [{bar:30}] {pos}/{len} images ({eta})")
                    .expect("valid template")
                    .progress_chars("=> "),
            ),
            None => {
                let b = ProgressBar::new_spinner();
                b.enable_steady_tick(Duration::from_millis(100));
                b
            }
        };
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_message(match stage {
            Stage::Fetch => "fetching",
            Stage::Media => "images",
            Stage::Publish => "publishing",
        });
        *self.bar.lock().expect("bar lock") = Some(bar);
    }

    fn step(&self, _stage: Stage) {
        if let Some(b) = &*self.bar.lock().expect("bar lock") {
            b.inc(1);
        }
    }

    fn finish(&self, _stage: Stage) {
        if let Some(b) = self.bar.lock().expect("bar lock").take() {
            b.finish_and_clear();
        }
    }
}
