//! The recipes in example-site/ssg/, built by the real generators: every post on
//! both pages (fragment and data loop), and a caption that tries template
//! injection stays text in each engine.

use std::process::Command;

use crate::cli::have_tool;
use crate::support::*;

const HOSTILE: &str =
    "INJECT {{ site.title }} {% include x %} {{< shortcode >}} <script>alert(1)</script> %}";

/// A copy of the recipe `name` with feedgen's output built into `out_dir`
/// from the example snapshot plus a hostile caption.
fn prepare(name: &str, out_dir: &str) -> Site {
    let site = Site::new("");
    copy_dir(&repo().join("example-site/ssg").join(name), site.dir.path());
    copy_dir(
        &repo().join("example-site/sample-snapshot"),
        &site.path("snapshot"),
    );
    let feed_path = site.path("snapshot/feed.json");
    let mut snap: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&feed_path).unwrap()).unwrap();
    snap["feed"]["posts"][0]["caption"] = serde_json::json!(HOSTILE);
    std::fs::write(&feed_path, serde_json::to_string(&snap).unwrap()).unwrap();
    std::fs::write(
        site.path("feedgen.toml"),
        format!(
            "[source]\noffline = true\nsnapshot = \"snapshot\"\n[output]\ndir = \"{out_dir}\"\nbase_url = \"/feed/\"\ncaptions = true\ncaption_links = true\n"
        ),
    )
    .unwrap();
    site.run(&["build"], &[]).expect_code(0);
    site
}

/// Both built pages hold all ten posts, the hostile caption as text, and every
/// local image they use exists in the built site.
fn check_built(site: &Site, built: &str, pages: [&str; 2]) {
    let root = site.path(built);
    for page in pages {
        let html = std::fs::read_to_string(root.join(page))
            .unwrap_or_else(|_| panic!("{built}/{page} was not built"));
        let posts =
            html.matches("class=\"feedgen-item").count() + html.matches("class=\"post\"").count();
        assert_eq!(posts, 10, "{page}: every post");
        assert_eq!(
            html.matches("SITE-TITLE-MARKER").count(),
            1,
            "{page}: the caption's {{{{ site.title }}}} did not run"
        );
        assert!(
            html.contains("INJECT"),
            "{page}: the hostile caption is shown"
        );
        assert!(!script_in_text(&html), "{page}: markup stayed text");
        assert!(
            !html.contains("Liquid error"),
            "{page}: no engine error in the page"
        );
        for (url, _) in html_urls(&html) {
            if let Some(rel) = url.strip_prefix('/').filter(|u| u.starts_with("feed/")) {
                assert!(
                    root.join(rel).is_file(),
                    "{page}: {url} is missing from the built site"
                );
            }
        }
    }
}

/// Whether the hostile `<script>` occurs as markup. Inside a quoted attribute
/// value (`alt="… <script> …"`, as Astro writes it) it is inert text.
fn script_in_text(html: &str) -> bool {
    let bytes = html.as_bytes();
    let (mut in_tag, mut quote) = (false, None::<u8>);
    for (i, &c) in bytes.iter().enumerate() {
        match (in_tag, quote) {
            (true, Some(q)) if c == q => quote = None,
            (true, Some(_)) => {}
            (true, None) if c == b'"' || c == b'\'' => quote = Some(c),
            (true, None) if c == b'>' => in_tag = false,
            (false, _) if c == b'<' => {
                if html[i..].starts_with("<script>alert") {
                    return true;
                }
                in_tag = true;
            }
            _ => {}
        }
    }
    false
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn hugo_recipe() {
    if !have_tool("hugo") {
        return;
    }
    let site = prepare("hugo", "static/feed");
    run(
        Command::new("hugo")
            .arg("--quiet")
            .current_dir(site.dir.path()),
        "hugo",
    );
    check_built(&site, "public", ["index.html", "data/index.html"]);
}

#[test]
fn jekyll_recipe() {
    if !have_tool("jekyll") {
        return;
    }
    let site = prepare("jekyll", "feed");
    std::fs::create_dir_all(site.path("_data")).unwrap();
    std::fs::copy(
        site.path("feed/feed.json"),
        site.path("_data/instagram.json"),
    )
    .unwrap();
    run(
        Command::new("jekyll")
            .args(["build", "--quiet"])
            .current_dir(site.dir.path()),
        "jekyll",
    );
    check_built(&site, "_site", ["index.html", "data.html"]);
}

#[test]
fn eleventy_recipe() {
    let Some(eleventy) = node_bin("eleventy") else {
        return;
    };
    let site = prepare("eleventy", "feed");
    run(
        Command::new(eleventy)
            .args(["--config=eleventy.config.cjs", "--quiet"])
            .current_dir(site.dir.path()),
        "eleventy",
    );
    check_built(&site, "_site", ["index.html", "data/index.html"]);
}

#[test]
fn astro_recipe() {
    let Some(astro) = node_bin("astro") else {
        return;
    };
    let site = prepare("astro", "public/feed");
    // Astro resolves its own package from the project: lend it the installed one.
    std::os::unix::fs::symlink(
        repo().join("tests/node/node_modules"),
        site.path("node_modules"),
    )
    .unwrap();
    run(
        Command::new(astro)
            .args(["build", "--silent"])
            .env("ASTRO_TELEMETRY_DISABLED", "1")
            .current_dir(site.dir.path()),
        "astro build",
    );
    check_built(&site, "dist", ["index.html", "data/index.html"]);
}

/// On the oldest and the newest Hugo, each making its own fresh site (with
/// `--panicOnWarning` on the newest).
#[test]
fn a_fresh_hugo_site_plus_init_shows_the_feed_and_publishes_no_dotfile() {
    for (hugo, strict) in crate::plugins::hugo_releases() {
        fresh_hugo_site_with(&hugo, strict);
    }
}

fn fresh_hugo_site_with(hugo: &std::path::Path, strict: bool) {
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let root = tempfile::tempdir().unwrap();
    run(
        Command::new(hugo)
            .args(["new", "site", "site"])
            .current_dir(root.path()),
        "hugo new site",
    );
    let dir = root.path().join("site");
    let feedgen = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedgen"));
        cmd.args(args)
            .current_dir(&dir)
            .env_clear()
            .envs(fake_env(&fake));
        cmd
    };
    run(&mut feedgen(&["init", "--ssg", "hugo"]), "feedgen init");
    assert!(
        dir.join("layouts/index.html").is_file(),
        "a home page for a site without one"
    );
    run(&mut feedgen(&["build"]), "feedgen build");
    // A fresh site without a theme warns of its own missing taxonomy
    // layouts, so here no warning may name a deprecation (feedgen's templates
    // are the only ones it has); the module test runs --panicOnWarning.
    let mut build = Command::new(hugo);
    build.current_dir(&dir);
    if strict {
        build.args(["--logLevel", "warn"]);
    } else {
        build.arg("--quiet");
    }
    let out = build.output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{} failed: {said}", hugo.display());
    if strict {
        assert!(!said.contains("deprecated"), "{}: {said}", hugo.display());
    }

    let home = std::fs::read_to_string(dir.join("public/index.html")).unwrap();
    assert_eq!(home.matches("class=\"feedgen-item").count(), 3, "{home}");
    for (url, _) in html_urls(&home) {
        if let Some(rel) = url.strip_prefix('/').filter(|u| u.starts_with("feed/")) {
            assert!(dir.join("public").join(rel).is_file(), "{url} is published");
        }
    }
    for folder in ["static", "public"] {
        let dotfiles: Vec<String> = tree(&dir.join(folder))
            .into_keys()
            .filter(|p| p.split('/').any(|part| part.starts_with('.')))
            .collect();
        assert!(dotfiles.is_empty(), "{folder}/ holds {dotfiles:?}");
    }
    // The cache and the generated feed are ignored, once, however often init runs.
    run(
        &mut feedgen(&["init", "--ssg", "hugo", "--force"]),
        "feedgen init again",
    );
    let ignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    assert_eq!(ignore.matches("/.feedgen-cache/").count(), 1, "{ignore}");
    assert_eq!(ignore.matches("/static/feed/").count(), 1, "{ignore}");
    assert!(
        std::fs::read_to_string(dir.join("layouts/index.html")).is_ok(),
        "a layout, once written, is the site's"
    );
}
