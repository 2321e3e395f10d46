//! Output options end to end: layouts, themes and overrides, feeds, and the
//! privacy check that keeps Meta out of visitors' browsers.

use crate::support::*;

#[test]
fn layouts_themes_overrides_and_extra_css() {
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(
        "[output]\nlayout = \"carousel\"\ntheme = \"dark\"\ntheme_dir = \"my-theme\"\nextra_css = [\"site.css\"]\n",
    );
    std::fs::create_dir_all(site.path("my-theme")).unwrap();
    std::fs::write(
        site.path("my-theme/dark.css"),
        ".feedgen { --feedgen-bg: #010203; }\n",
    )
    .unwrap();
    std::fs::write(
        site.path("site.css"),
        ".feedgen-item { outline: 1px solid hotpink; }\n",
    )
    .unwrap();
    site.build(&fake, &[]).expect_code(0);
    let html = std::fs::read_to_string(site.out().join("feed.html")).unwrap();
    assert!(html.contains("class=\"feedgen feedgen--carousel h-feed\""));
    assert!(
        html.contains("class=\"feedgen-stack\""),
        "the album shows all its images"
    );
    assert!(
        html.contains("sizes=\"(min-width: 640px) 320px, 80vw\""),
        "the carousel's sizes"
    );
    let css = css_of(&site);
    assert!(
        css.contains("--feedgen-bg: #010203") && !css.contains("#121212"),
        "the site's dark.css replaces the built-in one"
    );
    assert!(
        css.contains(".feedgen--carousel") && css.ends_with("outline: 1px solid hotpink; }\n\n")
    );

    // Changing only the theme re-renders without decoding anything.
    std::fs::write(
        site.path("feedgen.toml"),
        "[output]\nlayout = \"masonry\"\ntheme = \"auto\"\n",
    )
    .unwrap();
    let run = site.build(&fake, &[]).expect_code(0);
    assert!(run.stdout.contains("0 decoded"), "{}", run.stdout);
    assert!(css_of(&site).contains("prefers-color-scheme: dark"));
}

#[test]
fn feeds_are_written_with_absolute_urls_when_the_site_url_is_known() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new("");
    site.build(&fake, &[]).expect_code(0);
    assert!(!site.out().join("jsonfeed.json").exists() && !site.out().join("atom.xml").exists());

    std::fs::write(
        site.path("feedgen.toml"),
        "[output]\nbase_url = \"/feed/\"\nsite_url = \"https://example.org/\"\n",
    )
    .unwrap();
    site.build(&fake, &[]).expect_code(0);
    let feed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.out().join("jsonfeed.json")).unwrap())
            .unwrap();
    let image = feed["items"][0]["image"].as_str().unwrap();
    assert!(
        image.starts_with("https://example.org/feed/media/"),
        "{image}"
    );
    assert!(
        site.out()
            .join(image.trim_start_matches("https://example.org/feed/"))
            .is_file()
    );
    let atom = std::fs::read_to_string(site.out().join("atom.xml")).unwrap();
    assert!(atom.starts_with("<?xml") && atom.matches("<entry>").count() == 2);
}

#[test]
fn the_privacy_check_refuses_output_that_would_load_from_meta() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    // A mistaken base_url would make every image load from Instagram's CDN.
    let leak = "[output]\nbase_url = \"https://scontent-cdg4-2.cdninstagram.com/feed/\"\n";
    let site = Site::new(leak);
    let run = site.build(&fake, &[]).expect_code(2);
    assert!(
        run.stderr.contains("contact Meta")
            && run
                .stderr
                .contains("feed.html: https://scontent-cdg4-2.cdninstagram.com/feed/media/"),
        "{}",
        run.stderr
    );
    assert!(!site.out().exists(), "nothing was published");

    // An extra stylesheet that pulls a font from Facebook's CDN.
    std::fs::write(
        site.path("feedgen.toml"),
        "[output]\nextra_css = [\"x.css\"]\n",
    )
    .unwrap();
    std::fs::write(
        site.path("x.css"),
        "@font-face { src: url(https://static.xx.fbcdn.net/font.woff2); }\n",
    )
    .unwrap();
    let run = site.build(&fake, &[]).expect_code(2);
    run.stderr_has("static.xx.fbcdn.net");

    std::fs::write(
        site.path("feedgen.toml"),
        "[output]\nextra_css = [\"x.css\"]\nprivacy = \"warn\"\n",
    )
    .unwrap();
    let run = site.build(&fake, &[]).expect_code(0);
    run.stderr_has("would load from Meta");
}

#[test]
fn captions_show_when_asked_with_links_and_stay_inert() {
    let (mut posts, images) = account(2);
    posts[0].caption = Some("Hello #Sunset @friend {{ x }} <b>bold</b> 👨‍👩‍👧‍👦".repeat(8));
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new("[output]\ncaptions = true\ncaption_links = true\ncaption_length = 60\n");
    site.build(&fake, &[]).expect_code(0);
    let html = std::fs::read_to_string(site.out().join("feed.html")).unwrap();
    assert!(
        html.contains("<a href=\"https://www.instagram.com/explore/tags/sunset/\">#Sunset</a>")
    );
    assert!(html.contains("<a href=\"https://www.instagram.com/friend/\">@friend</a>"));
    assert!(html.contains("&lt;b&gt;bold") && !html.contains("<b>"));
    assert!(html.contains('…'), "cut at 60 graphemes");
    assert!(!html.contains("{{"));
}

/// The theming contract (docs/reference/output.md) lists exactly the classes the templates write
/// (layouts and post kinds expanded).
#[test]
fn the_theming_contract_lists_the_classes_the_markup_uses() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut used = std::collections::BTreeSet::new();
    for template in [
        "feed.html",
        "post.html",
        "picture.html",
        "page.html",
        "embed-link.html",
    ] {
        let text = std::fs::read_to_string(root.join("templates").join(template)).unwrap();
        for attr in text.split("class=\"").skip(1) {
            // `{% if x %} name{% endif %}`: a class written only sometimes.
            let value = attr
                .split('"')
                .next()
                .unwrap()
                .replace("{%", " {%")
                .replace("%}", "%} ");
            for class in value.split_whitespace() {
                let expanded: Vec<String> = if class == "feedgen--{{" || class.ends_with("--{{") {
                    let stem = class.trim_end_matches("{{");
                    let names: &[&str] = if stem == "feedgen--" {
                        // `card`: a single embedded post (render/card.rs).
                        &["grid", "masonry", "carousel", "card"]
                    } else {
                        &["image", "video", "carousel"]
                    };
                    names.iter().map(|n| format!("{stem}{n}")).collect()
                } else if class.starts_with("feedgen") {
                    vec![class.to_string()]
                } else {
                    vec![]
                };
                used.extend(expanded);
            }
        }
    }
    let readme = std::fs::read_to_string(root.join("docs/reference/output.md")).unwrap();
    let listed: std::collections::BTreeSet<String> = readme
        .split("<!-- theming classes -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /theming classes -->").next())
        .expect("docs/reference/output.md marks its list of theming classes")
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    assert_eq!(
        listed, used,
        "docs/reference/output.md theming classes vs templates"
    );
}

/// `output.data_file`: the JSON data plus the fragment, beside the site's
/// data (not in the output folder, not in the cache), one per named feed.
#[test]
fn the_data_file_holds_the_json_data_and_the_fragment() {
    let site = Site::new(
        "[source]\noffline = true\nsnapshot = \"snapshot\"\n[output]\ndata_file = \"data/feedgen.json\"\n",
    );
    copy_sample_snapshot(&site.path("snapshot"));
    site.run(&["build"], &[]).expect_code(0);
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.path("data/feedgen.json")).unwrap())
            .unwrap();
    let fragment = std::fs::read_to_string(site.out().join("feed.html")).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.out().join("feed.json")).unwrap())
            .unwrap();
    assert_eq!(data["html"], fragment.as_str());
    assert_eq!(data["posts"], json["posts"]);
    let modified = || {
        std::fs::metadata(site.path("data/feedgen.json"))
            .unwrap()
            .modified()
            .unwrap()
    };
    let before = modified();
    std::thread::sleep(std::time::Duration::from_millis(20));
    site.run(&["build"], &[]).expect_code(0);
    assert_eq!(
        modified(),
        before,
        "an unchanged feed leaves the file alone"
    );

    let bad = Site::new("[output]\ndata_file = \"data/feedgen.yaml\"\n");
    let run = bad.run(&["build"], &[]).expect_code(2);
    run.stderr_has("output.data_file");
    let cached = Site::new("[output]\ndata_file = \".feedgen-cache/feed.json\"\n");
    let run = cached.run(&["build"], &[]).expect_code(2);
    run.stderr_has("cache folder");
}

/// The fragment is an IndieWeb h-feed: a real microformats2 parser (mf2py)
/// finds one h-feed whose author is the account and every post an h-entry
/// with its url, photo and published date, with and without captions and header.
#[test]
fn the_fragment_parses_as_one_h_feed_of_h_entries() {
    let have_mf2py = std::process::Command::new("python3")
        .args(["-c", "import mf2py"])
        .status()
        .is_ok_and(|s| s.success());
    if !have_mf2py {
        missing("mf2py");
        return;
    }
    for extra in ["", "captions = true\nheader = true\n"] {
        let site = Site::new(&format!(
            "[source]\noffline = true\nsnapshot = \"snapshot\"\n[output]\n{extra}"
        ));
        copy_sample_snapshot(&site.path("snapshot"));
        site.run(&["build"], &[]).expect_code(0);
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import json, sys, mf2py; print(json.dumps(mf2py.parse(doc=open(sys.argv[1]).read(), url='https://example.org/')))",
            ])
            .arg(site.out().join("feed.html"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mf: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let items = mf["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{extra}: {mf}");
        let feed = &items[0];
        assert_eq!(feed["type"], serde_json::json!(["h-feed"]));
        let author = &feed["properties"]["author"][0];
        assert_eq!(author["type"], serde_json::json!(["h-card"]), "{author}");
        assert_eq!(
            author["properties"]["url"][0],
            "https://www.instagram.com/feedgen.sample/"
        );
        let entries = feed["children"].as_array().unwrap();
        let json = site.json();
        assert_eq!(entries.len(), json["posts"].as_array().unwrap().len());
        for (entry, post) in entries.iter().zip(json["posts"].as_array().unwrap()) {
            let p = &entry["properties"];
            assert_eq!(entry["type"], serde_json::json!(["h-entry"]));
            assert_eq!(p["url"][0], post["permalink"], "{entry}");
            assert_eq!(p["published"][0], post["timestamp"], "{entry}");
            let photo = &p["photo"][0];
            let src = photo["value"].as_str().or(photo.as_str()).unwrap();
            assert!(src.starts_with("https://example.org/media/"), "{src}");
            if let Some(caption) = post["caption"].as_str() {
                let text = p["content"][0]["value"]
                    .as_str()
                    .or(p["name"][0].as_str())
                    .unwrap_or_else(|| panic!("no content or name: {entry}"));
                let first = caption.split_whitespace().next().unwrap();
                assert!(text.contains(first), "{text} / {caption}");
            }
        }
    }
}
