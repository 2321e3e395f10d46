//! The example feed in a real browser (tests/node/browser.mjs): every layout and
//! theme, at phone to desktop widths and DPR 1 and 2, hostile captions, and two
//! feeds on one page.

use std::path::Path;
use std::process::Command;

use crate::support::{chromium_ready, copy_dir, repo};

const HOSTILE: [&str; 2] = [
    "<script>alert(1)</script> {{ site.title }} #tag",
    "\"><img src=x onerror=alert(1)> @someone {% raw %}",
];

/// Builds the sample snapshot (its first captions replaced by `captions`) into `out` with `extra` config.
fn build(work: &Path, name: &str, out: &Path, extra: &str, captions: &[&str]) {
    let dir = work.join(format!("src-{name}"));
    copy_dir(
        &repo().join("example-site/sample-snapshot"),
        &dir.join("snapshot"),
    );
    if !captions.is_empty() {
        let path = dir.join("snapshot/feed.json");
        let mut snap: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for (i, caption) in captions.iter().enumerate() {
            snap["feed"]["posts"][i]["caption"] = serde_json::json!(caption);
        }
        std::fs::write(&path, snap.to_string()).unwrap();
    }
    let config = format!(
        "[source]\noffline = true\nsnapshot = \"snapshot\"\n[output]\ndir = \"{}\"\n{extra}\n",
        out.display()
    );
    std::fs::write(dir.join("feedgen.toml"), config).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_feedgen"))
        .args(["build", "-q", "--config"])
        .arg(dir.join("feedgen.toml"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn every_layout_and_theme_in_chromium() {
    if !chromium_ready() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("www");
    let page = "page = \"index.html\"\nsite_url = \"https://example.org/\"";
    build(
        work.path(),
        "grid-light",
        &root.join("grid-light"),
        &format!("{page}\ntheme = \"light\"\nheader = true\nheader_counts = true\neager = 3"),
        &[],
    );
    // Checked by browser.mjs: the first three posts' images load at once.
    std::fs::write(root.join("grid-light/eager.json"), r#"{"n": 3}"#).unwrap();
    build(
        work.path(),
        "masonry-dark",
        &root.join("masonry-dark"),
        &format!(
            "{page}\nlayout = \"masonry\"\ntheme = \"dark\"\ncaptions = true\ncaption_links = true\nheader = true"
        ),
        &[],
    );
    build(
        work.path(),
        "carousel-auto",
        &root.join("carousel-auto"),
        &format!(
            "{page}\nlayout = \"carousel\"\ntheme = \"auto\"\nheader = true\nheader_counts = true"
        ),
        &[],
    );
    // Instagram's 3:4 tiles, cropped without a shift (CLS is checked on every page).
    build(
        work.path(),
        "grid-portrait",
        &root.join("grid-portrait"),
        &format!("{page}\ntile = \"portrait\"\nheader = true"),
        &[],
    );
    std::fs::write(
        root.join("grid-portrait/expect.json"),
        r#"[{"selector": ".feedgen-media", "property": "aspect-ratio", "value": "3 / 4"}]"#,
    )
    .unwrap();
    build(
        work.path(),
        "grid-minimal",
        &root.join("grid-minimal"),
        &format!("{page}\ntheme = \"minimal\""),
        &[],
    );
    // The post viewer (checked further by viewerChecks in browser.mjs).
    build(
        work.path(),
        "viewer",
        &root.join("viewer"),
        &format!(
            "{page}\nviewer = true\ntheme = \"auto\"\nheader = true\n[images]\nvideo = \"mp4\""
        ),
        &[],
    );
    std::fs::write(root.join("viewer/viewer.json"), "{}").unwrap();
    // The viewer on a right-to-left page (checked by rtlViewerChecks in browser.mjs).
    build(
        work.path(),
        "viewer-ar",
        &root.join("viewer-ar"),
        &format!("{page}\nviewer = true\nlang = \"ar\""),
        &[],
    );
    std::fs::write(root.join("viewer-ar/rtl-viewer.json"), "{}").unwrap();
    // "Show more": four posts, then a native disclosure.
    build(
        work.path(),
        "grid-more",
        &root.join("grid-more"),
        &format!("{page}\ninitial = 4\ncaptions = true"),
        &[],
    );
    // The site's own dark mode: <html class="dark"> in a light system, theme "auto".
    let site_dark = root.join("auto-site-dark");
    build(
        work.path(),
        "auto-site-dark",
        &site_dark.join("feed"),
        "base_url = \"feed/\"\ntheme = \"auto\"\ndark_selector = \"html.dark\"\ncaptions = true\nheader = true",
        &[],
    );
    std::fs::write(
        site_dark.join("index.html"),
        format!(
            "<!doctype html>\n<html lang=\"en\" class=\"dark\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Dark site</title><link rel=\"icon\" href=\"data:,\"><style>html.dark body {{ background: #000; color: #eee; }}</style></head>\n<body><main><h1>A dark site</h1>\n{}</main></body></html>\n",
            std::fs::read_to_string(site_dark.join("feed/feed.html")).unwrap()
        ),
    )
    .unwrap();
    std::fs::write(
        site_dark.join("expect.json"),
        r#"[{"selector": ".feedgen", "property": "background-color", "value": "rgb(18, 18, 18)"},
            {"selector": ".feedgen-caption", "property": "color", "value": "rgb(200, 200, 200)"}]"#,
    )
    .unwrap();
    // A right-to-left page: Arabic captions, English ones and mixed, in an Arabic page.
    let rtl = root.join("rtl-ar");
    build(
        work.path(),
        "rtl-ar",
        &rtl.join("feed"),
        "base_url = \"feed/\"\nlang = \"ar\"\ncaptions = true\nheader = true\nheader_counts = true",
        &[
            "شروق الشمس فوق الجبال #جبال",
            "Golden hour over the ridge #sunrise",
            "مساء هادئ in the valley, 3 صور (swipe →)",
            "رحلة إلى القمة 🌄 @someone",
        ],
    );
    std::fs::write(
        rtl.join("index.html"),
        format!(
            "<!doctype html>\n<html lang=\"ar\" dir=\"rtl\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>صفحة</title><link rel=\"icon\" href=\"data:,\"></head>\n<body><main><h1>صوري</h1>\n{}</main></body></html>\n",
            std::fs::read_to_string(rtl.join("feed/feed.html")).unwrap()
        ),
    )
    .unwrap();
    std::fs::write(
        rtl.join("expect.json"),
        r#"[{"selector": ".feedgen", "property": "direction", "value": "rtl"},
            {"selector": ".feedgen-item:nth-child(2) .feedgen-caption", "property": "direction", "value": "ltr"},
            {"selector": ".feedgen-item:nth-child(2) .feedgen-time", "property": "direction", "value": "rtl"},
            {"selector": ".feedgen-badge--video", "property": "right", "value": "6px"}]"#,
    )
    .unwrap();
    // A German page with the site's own words ([output.text]) over the catalogue's.
    build(
        work.path(),
        "de-text",
        &root.join("de-text"),
        &format!(
            "{page}\nlang = \"de\"\ncaptions = true\ninitial = 4\nviewer = true\ndate_format = \"long\"\nheader = true\nheader_counts = true\n[output.text]\nclose = \"Fenster schließen\"\nshow_more = {{ one = \"Noch {{n}} Foto\", other = \"Noch {{n}} Fotos\" }}"
        ),
        &[],
    );
    std::fs::write(
        root.join("de-text/expect.json"),
        r#"[{"selector": "html", "attribute": "lang", "value": "de"},
            {"selector": ".feedgen-more-toggle", "text": "Noch 6 Fotos"},
            {"selector": ".feedgen-viewer-close", "attribute": "aria-label", "value": "Fenster schließen"},
            {"selector": ".feedgen-viewer-prev", "attribute": "aria-label", "value": "Vorheriges Bild"},
            {"selector": ".feedgen-stats", "text": "10 Beiträge · 1.280 Follower"},
            {"selector": ".feedgen-time", "text": "28. Oktober 2026"}]"#,
    )
    .unwrap();
    // Two feeds on one page, with hostile captions shown: labels keep them apart for assistive tech.
    let two = root.join("hostile");
    build(
        work.path(),
        "a",
        &two.join("a"),
        "base_url = \"a/\"\nlabel = \"Photos\"\ncaptions = true\ncaption_links = true",
        &HOSTILE,
    );
    build(
        work.path(),
        "b",
        &two.join("b"),
        "base_url = \"b/\"\nlabel = \"Older photos\"\nlayout = \"carousel\"",
        &HOSTILE,
    );
    let fragment = |p: &str| std::fs::read_to_string(two.join(p).join("feed.html")).unwrap();
    std::fs::write(
        two.join("index.html"),
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Two feeds</title><link rel=\"icon\" href=\"data:,\"></head>\n<body><main><h1>Two feeds</h1>\n{}{}</main></body></html>\n",
            fragment("a"),
            fragment("b")
        ),
    )
    .unwrap();
    // Single posts embedded in an article (`[embed]`): an album, a video, a
    // photo, and a post that cannot be found (a plain link).
    let article = root.join("embeds");
    build(
        work.path(),
        "embeds",
        &article.join("feed"),
        "base_url = \"feed/\"\nviewer = true\nheader = true\n[images]\nvideo = \"mp4\"\n[embed]\nposts = [\"SAMPLE05\", \"https://www.instagram.com/p/SAMPLE09/\", \"SAMPLE03\", \"Gone0000001\"]\nclick_to_load = true",
        &[],
    );
    let card = |code: &str| {
        std::fs::read_to_string(article.join(format!("feed/embeds/{code}.html"))).unwrap()
    };
    std::fs::write(
        article.join("index.html"),
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>A trip</title><meta name=\"description\" content=\"An article with Instagram posts\"><link rel=\"icon\" href=\"data:,\"></head>\n<body><main><h1>A trip</h1>\n<p>The album from the top.</p>\n{}<p>The clip.</p>\n{}<p>A photo.</p>\n{}<p>And one that is gone.</p>\n{}</main></body></html>\n",
            card("SAMPLE05"),
            card("SAMPLE09"),
            card("SAMPLE03"),
            card("Gone0000001")
        ),
    )
    .unwrap();
    // Checked by clickToLoadChecks in browser.mjs: nothing from Meta before the click.
    std::fs::write(article.join("click-to-load.json"), "{}").unwrap();
    std::fs::write(
        article.join("expect.json"),
        r#"[{"selector": ".feedgen--card .feedgen-stack picture:nth-child(3) img", "attribute": "loading", "value": "lazy"},
            {"selector": ".feedgen--unfound a", "attribute": "href", "value": "https://www.instagram.com/p/Gone0000001/"}]"#,
    )
    .unwrap();
    // What hotlinking the 1080 px originals of the ten covers would weigh.
    let snap: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("example-site/sample-snapshot/feed.json")).unwrap(),
    )
    .unwrap();
    let originals: u64 = snap["feed"]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let file = p["assets"][0]["original"]["file"].as_str().unwrap();
            std::fs::metadata(
                repo()
                    .join("example-site/sample-snapshot/originals")
                    .join(file),
            )
            .unwrap()
            .len()
        })
        .sum();
    std::fs::write(
        root.join("originals.json"),
        format!("{{\"bytes\":{originals}}}"),
    )
    .unwrap();

    let out = Command::new("node")
        .arg(repo().join("tests/node/browser.mjs"))
        .arg(&root)
        .env("CHROMIUM", "/usr/bin/chromium")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    eprintln!("{report}");
    assert!(
        out.status.success(),
        "browser checks failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(&report).unwrap();
    let with_header: Vec<&str> = summary["variants"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, views)| {
            views
                .as_object()
                .unwrap()
                .values()
                .all(|v| v["header"] == true)
        })
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        with_header,
        [
            "auto-site-dark",
            "carousel-auto",
            "de-text",
            "embeds",
            "grid-light",
            "grid-portrait",
            "masonry-dark",
            "rtl-ar"
        ],
        "the profile header is judged (axe, CLS, self-hosted avatar) where it is on"
    );
    let weight = &summary["pageWeight"];
    assert!(
        weight["imagesLoadedBytes"].as_u64().unwrap() * 2
            < weight["hotlinkedOriginalsBytes"].as_u64().unwrap(),
        "the responsive images weigh far less than the originals: {weight}"
    );
    let rtl = &summary["variants"]["viewer-ar"]["rtlViewer"]["steps"];
    assert_eq!(
        rtl.as_array().map(Vec::len),
        Some(6),
        "the RTL album was walked: {rtl}"
    );
    assert_eq!(
        summary["clickToLoad"]["embeds"]["quote"], "https://www.instagram.com/p/Gone0000001/",
        "click-to-load was judged"
    );
    let viewer = &summary["variants"]["viewer"]["viewer"];
    let script = viewer["scriptGzipBytes"].as_u64().unwrap();
    eprintln!("the viewer script: {script} bytes gzipped");
    assert!(
        script < 3 * 1024,
        "the viewer script stays under 3 KB gzipped: {script}"
    );
    assert_eq!(viewer["postsWithoutJs"], 10, "{viewer}");
    assert!(
        viewer["videoReadyState"].as_u64().unwrap() >= 2,
        "the sample clip plays from the site: {viewer}"
    );
    for (view, r) in summary["variants"]["grid-more"].as_object().unwrap() {
        assert!(
            r["moreDeferred"].as_u64().unwrap() >= 6,
            "{view}: the six posts behind \"Show more\" load when it opens: {r}"
        );
    }
    if let Some(dir) = std::env::var_os("FEEDGEN_SCREENSHOTS_DIR") {
        copy_dir(&root.join("screenshots"), Path::new(&dir));
    }
}
