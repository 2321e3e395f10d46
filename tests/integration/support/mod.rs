//! Test harness: a temp site folder, the real `feedgen` binary, and the fake API.

pub mod docs;
pub mod fake_facebook;
pub mod fake_instagram;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

pub use fake_facebook::{FB_PAGE_TOKEN, FB_SHORT_TOKEN, FB_USER_TOKEN};
pub use fake_instagram::{FakeChild, FakeError, FakeInstagram, FakePost, TEST_TOKEN};

/// The repository's root (the crate's manifest folder).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A process's output as text (lossy), for messages and assertions.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A child process (a dev server, a local registry) killed when the test
/// ends, even on failure.
pub struct Background(pub std::process::Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Copies the folder `from` into `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// The sample photos shipped with the example site: real JPEGs.
pub fn sample_images() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("example-site/sample-snapshot/originals");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    names.sort();
    names
        .into_iter()
        .enumerate()
        .map(|(i, p)| (format!("photo{i:02}_n.jpg"), std::fs::read(p).unwrap()))
        .collect()
}

/// `n` posts cycling through image, carousel (3 children, one a video) and video,
/// newest first, using the sample photos.
pub fn account(n: usize) -> (Vec<FakePost>, HashMap<String, Vec<u8>>) {
    let images = sample_images();
    let pick = |k: usize| images[k % images.len()].0.clone();
    let mut posts = Vec::new();
    for i in 0..n {
        let id = format!("1790000000000{:04}", 9000 - i);
        let ts = 1_790_000_000 - (i as i64) * 86_400;
        let (media_type, children) = match i % 3 {
            1 => (
                "CAROUSEL_ALBUM",
                vec![
                    FakeChild {
                        id: format!("{id}1"),
                        media_type: "IMAGE",
                        image: pick(i),
                    },
                    FakeChild {
                        id: format!("{id}2"),
                        media_type: "VIDEO",
                        image: pick(i + 1),
                    },
                    FakeChild {
                        id: format!("{id}3"),
                        media_type: "IMAGE",
                        image: pick(i + 2),
                    },
                ],
            ),
            2 => ("VIDEO", vec![]),
            _ => ("IMAGE", vec![]),
        };
        posts.push(FakePost {
            id,
            media_type,
            // Every other video is a reel; the rest were published to the feed.
            product_type: match (media_type, i % 2) {
                ("VIDEO", 0) => "REELS",
                _ => "FEED",
            },
            like_count: (i % 5 != 4).then_some(10 * i as u64 + 3),
            comments_count: i as u64,
            caption: (i % 4 != 3).then(|| format!("Post number {i} #test")),
            alt_text: None,
            shortcode: format!("Sc{i:03}"),
            timestamp: ts,
            image: pick(i),
            children,
            ..FakePost::default()
        });
    }
    (posts, images.into_iter().collect())
}

/// The one rule for a real tool that is not installed: the test says
/// SKIPPED and passes, so the README's test command works on a fresh
/// machine, unless FEEDGEN_REQUIRE_TOOLS is set (`.ci/run` sets it after
/// installing every tool), which makes the skip a failure.
#[track_caller]
pub fn missing(what: &str) {
    assert!(
        std::env::var_os("FEEDGEN_REQUIRE_TOOLS").is_none(),
        "{what} is required (FEEDGEN_REQUIRE_TOOLS is set) but not installed; bash .ci/run installs it"
    );
    eprintln!("SKIPPED: {what} is not installed (bash .ci/run installs it)");
}

/// Whether Chromium and the browser scripts' packages (tests/node) are
/// installed; [`missing`] when not.
#[track_caller]
pub fn chromium_ready() -> bool {
    let ready = repo()
        .join("tests/node/node_modules/playwright-core")
        .exists()
        && Path::new("/usr/bin/chromium").exists();
    if !ready {
        missing("Chromium or tests/node");
    }
    ready
}

/// What a run of the binary printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as JSON (`--report json`): panics with the text when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }

    /// Panics with stderr unless it holds `needle`; returns the run for more checks.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    /// Panics with both streams unless the exit code is `code`.
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A temp folder with a `feedgen.toml`, built by the real binary.
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    /// A site whose config is `toml`.
    pub fn new(toml: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("feedgen.toml"), toml).unwrap();
        Site { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// A file or folder in the default cache folder (`.feedgen-cache/REL`).
    pub fn cache(&self, rel: &str) -> PathBuf {
        self.path(".feedgen-cache").join(rel)
    }

    /// The token state of the default config's one feed.
    pub fn token_state(&self) -> PathBuf {
        self.cache("token-state.json")
    }

    /// The snapshot of the default config's one feed.
    pub fn snapshot(&self) -> PathBuf {
        self.cache("snapshot/feed.json")
    }

    /// The output folder of the default config.
    pub fn out(&self) -> PathBuf {
        self.path("public/feed")
    }

    /// Runs `feedgen <args>` in the site folder with a clean environment plus `env`.
    pub fn run(&self, args: &[&str], env: &[(&str, String)]) -> Run {
        self.run_with_stdin(args, env, "")
    }

    /// [`Site::run`] with `stdin` as the standard input.
    pub fn run_with_stdin(&self, args: &[&str], env: &[(&str, String)], stdin: &str) -> Run {
        use std::io::Write;
        use std::process::Stdio;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedgen"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("HOME", self.dir.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("run feedgen");
        // A command that does not read its input closes the pipe: not an error here.
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        let out = child.wait_with_output().expect("run feedgen");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `feedgen build` against the fake with the test token.
    pub fn build(&self, fake: &FakeInstagram, extra: &[&str]) -> Run {
        let mut args = vec!["build"];
        args.extend_from_slice(extra);
        self.run(&args, &fake_env(fake))
    }

    /// Parsed JSON data file of the default config.
    pub fn json(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.out().join("feed.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

/// The `FEEDGEN_*` variables that point a build at the fake.
pub fn fake_env(fake: &FakeInstagram) -> Vec<(&'static str, String)> {
    vec![
        ("FEEDGEN_TOKEN", TEST_TOKEN.to_string()),
        ("FEEDGEN_API_BASE", fake.base_url()),
        ("FEEDGEN_MEDIA_HOSTS", fake.host()),
    ]
}

/// The `FEEDGEN_*` variables that point a Facebook-Login build at the fake.
pub fn facebook_env(fake: &FakeInstagram) -> Vec<(&'static str, String)> {
    vec![
        ("FEEDGEN_TOKEN", FB_USER_TOKEN.to_string()),
        ("FEEDGEN_FACEBOOK_API_BASE", fake.base_url()),
        ("FEEDGEN_MEDIA_HOSTS", fake.host()),
    ]
}

/// The post ids of a JSON data file, in order.
pub fn post_ids(json: &serde_json::Value) -> Vec<String> {
    json["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every file under `dir` with its bytes, by relative path.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Every URL in `src`, `href` and `srcset` attributes of an HTML text, with the
/// width descriptor when there is one.
pub fn html_urls(html: &str) -> Vec<(String, Option<u32>)> {
    let mut out = Vec::new();
    for attr in ["src=\"", "srcset=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            let value = &rest[..end];
            if attr == "srcset=\"" {
                for candidate in value.split(',') {
                    let mut parts = candidate.split_whitespace();
                    let url = parts.next().unwrap().to_string();
                    let w = parts
                        .next()
                        .and_then(|d| d.strip_suffix('w'))
                        .map(|w| w.parse().unwrap());
                    out.push((url, w));
                }
            } else {
                out.push((value.to_string(), None));
            }
        }
    }
    out
}

/// The `href` of the stylesheet a fragment or page links to.
pub fn stylesheet_href(html: &str) -> &str {
    html.split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a stylesheet link")
}

/// The stylesheet the default output's fragment links to.
pub fn css_of(site: &Site) -> String {
    let html = std::fs::read_to_string(site.out().join("feed.html")).unwrap();
    std::fs::read_to_string(site.out().join(stylesheet_href(&html))).unwrap()
}

/// A Node tool of tests/node (`.ci/run` installs it), or `None` with a
/// SKIPPED line; with `FEEDGEN_REQUIRE_TOOLS` set, a missing tool fails.
pub fn node_bin(name: &str) -> Option<PathBuf> {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/node/node_modules/.bin")
        .join(name);
    if bin.exists() {
        return Some(bin);
    }
    assert!(
        std::env::var_os("FEEDGEN_REQUIRE_TOOLS").is_none(),
        "{name} is required (FEEDGEN_REQUIRE_TOOLS is set) but tests/node is not installed"
    );
    eprintln!("SKIPPED: {name} is not installed (bash .ci/run runs npm ci in tests/node)");
    None
}

/// Copies the example site's sample snapshot (twelve photos, ten posts) to `dir`.
pub fn copy_sample_snapshot(dir: &Path) {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("example-site/sample-snapshot");
    for (rel, bytes) in tree(&sample) {
        let dest = dir.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, bytes).unwrap();
    }
}
