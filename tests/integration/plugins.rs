//! The site-generator plugins of the npm package, run by the real generators:
//! `feedgen/eleventy` in a fresh Eleventy 3 site, ESM and CommonJS alike,
//! installed as a site owner installs it (the packed tarballs, offline, when
//! `FEEDGEN_DIST` is set; else the package folder with `FEEDGEN_BINARY`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Node tool `name` from tests/node, or `None` (test skipped).
fn node_bin(name: &str) -> Option<PathBuf> {
    let bin = repo().join("tests/node/node_modules/.bin").join(name);
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

/// Installs the `feedgen` npm package into `site`; returns the environment
/// the site's build then needs (none with the real platform package).
fn install_feedgen(site: &Path) -> Vec<(&'static str, String)> {
    if let Some(dist) = std::env::var_os("FEEDGEN_DIST") {
        let npm = PathBuf::from(dist).join("npm");
        let version = env!("CARGO_PKG_VERSION");
        let out = Command::new("npm")
            .args([
                "install",
                "--offline",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ])
            .arg(npm.join(format!("feedgen-cli-linux-x64-{version}.tgz")))
            .arg(npm.join(format!("feedgen-{version}.tgz")))
            .current_dir(site)
            .output()
            .unwrap();
        assert!(out.status.success(), "npm install: {}", text(&out.stderr));
        return Vec::new();
    }
    let dest = site.join("node_modules/feedgen");
    for (rel, bytes) in tree(&repo().join("dist/npm/feedgen")) {
        let path = dest.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    vec![("FEEDGEN_BINARY", env!("CARGO_BIN_EXE_feedgen").to_string())]
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const ELEVENTY_PAGES: [(&str, &str); 2] = [
    (
        "index.njk",
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Site</title></head>\n<body>{% instagramFeed %}</body></html>\n",
    ),
    (
        "data.njk",
        "---\npermalink: /data/\n---\n<ul>{% for p in instagram.posts %}<li class=\"post\">{{ p.caption }}</li>{% endfor %}</ul>\n",
    ),
];

/// A fresh Eleventy site using the plugin, `esm` or CommonJS.
fn eleventy_site(esm: bool) -> (tempfile::TempDir, Vec<(&'static str, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path();
    let (package, config) = if esm {
        (
            r#"{"name":"esm-site","private":true,"type":"module"}"#,
            "import feedgen from \"feedgen/eleventy\";\n\nexport default function (eleventyConfig) {\n  eleventyConfig.addPlugin(feedgen, { config: \"feedgen.toml\" });\n}\n",
        )
    } else {
        (
            r#"{"name":"cjs-site","private":true}"#,
            "const feedgen = require(\"feedgen/eleventy\");\n\nmodule.exports = function (eleventyConfig) {\n  eleventyConfig.addPlugin(feedgen);\n};\n",
        )
    };
    std::fs::write(site.join("package.json"), package).unwrap();
    std::fs::write(site.join("eleventy.config.js"), config).unwrap();
    for (name, body) in ELEVENTY_PAGES {
        std::fs::write(site.join(name), body).unwrap();
    }
    std::fs::write(
        site.join("feedgen.toml"),
        "[output]\ndir = \"feed\"\nbase_url = \"/feed/\"\ncaptions = true\n[http]\nbackoff_ms = 10\n",
    )
    .unwrap();
    let env = install_feedgen(site);
    (dir, env)
}

fn eleventy(bin: &Path, site: &Path, env: &[(&'static str, String)]) -> Output {
    let out = Command::new(bin)
        .arg("--quiet")
        .current_dir(site)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "eleventy failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

/// Posts on both built pages, every /feed/ URL of the fragment published.
fn posts_built(site: &Path) -> (usize, usize) {
    let built = site.join("_site");
    let home = std::fs::read_to_string(built.join("index.html")).unwrap();
    let data = std::fs::read_to_string(built.join("data/index.html")).unwrap();
    for (url, _) in html_urls(&home) {
        if let Some(rel) = url.strip_prefix('/').filter(|u| u.starts_with("feed/")) {
            assert!(built.join(rel).is_file(), "{url} is not published");
        }
    }
    assert!(
        !built.join("feed/feed/index.html").exists(),
        "the feed folder is not rendered as a page"
    );
    (
        home.matches("class=\"feedgen-item").count(),
        data.matches("class=\"post\"").count(),
    )
}

#[test]
fn the_eleventy_plugin_builds_the_feed_in_esm_and_commonjs_sites() {
    let Some(bin) = node_bin("eleventy") else {
        return;
    };
    for esm in [true, false] {
        let (posts, images) = account(3);
        let fake = FakeInstagram::start(posts, images);
        let (dir, mut env) = eleventy_site(esm);
        let site = dir.path();
        env.extend(fake_env(&fake));
        let flavour = if esm { "ESM" } else { "CommonJS" };

        // No feed yet and the API refuses: the site builds, without it.
        fake.with(|s| s.error = Some(FakeError::expired_token()));
        let out = eleventy(&bin, site, &env);
        assert!(
            text(&out.stderr).contains("[feedgen]"),
            "{flavour}: a warning"
        );
        assert_eq!(posts_built(site), (0, 0), "{flavour}: an empty feed");

        // The API answers: every post on both pages.
        fake.with(|s| s.error = None);
        eleventy(&bin, site, &env);
        assert_eq!(posts_built(site), (3, 3), "{flavour}");

        // The token is revoked: the last good feed stays, with a warning.
        fake.with(|s| s.error = Some(FakeError::expired_token()));
        let out = eleventy(&bin, site, &env);
        assert!(
            text(&out.stderr).contains("showing the last good feed"),
            "{flavour}: {}",
            text(&out.stderr)
        );
        assert_eq!(posts_built(site), (3, 3), "{flavour}: the previous feed");
    }
}

/// A free loopback port (there is a small race until the server binds it).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The body of `GET path` on 127.0.0.1:`port`, or `None` while nothing answers.
fn get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    Some(text(&out))
}

/// Polls `GET path` until its body contains `needle`, up to `secs` seconds.
fn wait_for(port: u16, path: &str, needle: &str, secs: u64) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if get(port, path).is_some_and(|body| body.contains(needle)) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    false
}

/// Kills a dev server (and what it started) when the test ends, even on failure.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn eleventy_serve_shows_a_changed_caption_after_a_feedgen_build() {
    let Some(bin) = node_bin("eleventy") else {
        return;
    };
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let (dir, mut env) = eleventy_site(true);
    let site = dir.path();
    env.extend(fake_env(&fake));
    let port = free_port();
    let _server = Server(
        Command::new(&bin)
            .args(["--serve", &format!("--port={port}")])
            .current_dir(site)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    assert!(
        wait_for(port, "/", "feedgen-item", 60),
        "eleventy --serve shows the feed"
    );

    // A new caption reaches the output through `feedgen build` (or `feedgen
    // watch`) in another terminal; the dev server rebuilds and shows it.
    fake.with(|s| s.posts[0].caption = Some("A caption edited on Instagram".into()));
    let mut build = Command::new(env!("CARGO_BIN_EXE_feedgen"));
    build
        .args(["build", "--quiet"])
        .current_dir(site)
        .envs(fake_env(&fake));
    assert!(build.status().unwrap().success());
    assert!(
        wait_for(port, "/", "A caption edited on Instagram", 30),
        "the dev server shows the new caption"
    );
}
