//! Video files (`images.video = "mp4"`): downloaded once from the CDN,
//! content-addressed, played from the site in the post viewer; a video over
//! the cap, not MP4, off the allowed hosts or without a link keeps its poster.

use crate::support::*;

const CONFIG: &str =
    "[images]\nvideo = \"mp4\"\n[output]\nviewer = true\n[http]\nbackoff_ms = 10\n";

/// The sample site's clip (H.264, 3 s, 8.6 KB).
fn clip() -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("example-site/sample-snapshot/originals");
    let name = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".mp4"))
        .expect("the sample clip");
    std::fs::read(dir.join(name)).unwrap()
}

/// Three posts; post 2 (index 2) is a video whose file is `video`.
fn start(video: Option<(&str, Vec<u8>)>) -> FakeInstagram {
    let (mut posts, mut images) = account(3);
    if let Some((name, bytes)) = video {
        posts[2].video = Some(name.to_string());
        if !name.starts_with("http") {
            images.insert(name.to_string(), bytes);
        }
    }
    FakeInstagram::start(posts, images)
}

fn report(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

#[test]
fn a_video_is_downloaded_once_and_played_from_the_site() {
    let bytes = clip();
    let fake = start(Some(("reel.mp4", bytes.clone())));
    let site = Site::new(CONFIG);
    let first = site.build(&fake, &["--report", "json"]).expect_code(0);
    assert_eq!(
        report(&first)["media"]["videos_downloaded"],
        1,
        "{}",
        first.stderr
    );

    let json = site.json();
    let video = &json["posts"][2]["video"];
    let url = video["url"].as_str().unwrap();
    assert!(
        url.starts_with("media/") && url.ends_with(".mp4"),
        "{video}"
    );
    assert_eq!(video["bytes"], bytes.len());
    assert_eq!(
        std::fs::read(site.out().join(url)).unwrap(),
        bytes,
        "as served, not transcoded"
    );
    let html = std::fs::read_to_string(site.out().join("feed.html")).unwrap();
    let tag = html
        .split("<video ")
        .nth(1)
        .and_then(|t| t.split('>').next())
        .expect("a <video> in the viewer template");
    for attr in [
        &format!("src=\"{url}\""),
        "controls",
        "preload=\"none\"",
        "playsinline",
        "poster=\"media/",
    ] {
        assert!(tag.contains(attr), "{attr}: {tag}");
    }
    assert!(!tag.contains("autoplay"), "{tag}");
    assert!(
        html.split("<template")
            .next()
            .unwrap()
            .find("<video")
            .is_none(),
        "the video is only in the viewer's inert template"
    );

    // A rebuild downloads nothing; an expired listing link is renewed per item.
    fake.reset_counts();
    let again = site.build(&fake, &["--report", "json"]).expect_code(0);
    assert_eq!(report(&again)["media"]["videos_downloaded"], 0);
    assert_eq!(fake.with(|s| s.cdn_requests), 0, "{}", again.stdout);

    let fresh = Site::new(CONFIG);
    fake.with(|s| s.stale_listing_urls = true);
    let relinked = fresh.build(&fake, &["--report", "json"]).expect_code(0);
    let r = report(&relinked);
    assert_eq!(r["media"]["videos_downloaded"], 1, "{}", relinked.stderr);
    assert!(
        fake.with(|s| s
            .graph_requests
            .iter()
            .any(|p| p.ends_with("/17900000000008998"))),
        "the video's link came from its own item"
    );

    // Offline with an emptied store: the snapshot keeps the video.
    std::fs::remove_dir_all(site.path(".feedgen-cache/media")).unwrap();
    site.run(&["build", "--offline"], &[]).expect_code(0);
    assert_eq!(std::fs::read(site.out().join(url)).unwrap(), bytes);

    // Turned off, the video leaves the output and the snapshot.
    std::fs::write(
        site.path("feedgen.toml"),
        CONFIG.replace("video = \"mp4\"", ""),
    )
    .unwrap();
    site.run(&["build", "--offline"], &[]).expect_code(0);
    assert!(!site.out().join(url).exists());
    assert!(site.json()["posts"][2].get("video").is_none());
}

#[test]
fn a_video_over_the_cap_not_mp4_or_off_the_hosts_keeps_its_poster() {
    let big = {
        let mut b = clip();
        b.resize(3 * 1024 * 1024, 0);
        b
    };
    let cases: [(&str, Vec<u8>, &str, &str); 3] = [
        (
            "big.mp4",
            big,
            "video_max_mb = 2\n",
            "larger than images.video_max_mb (2 MB)",
        ),
        (
            "page.mp4",
            b"<!doctype html><title>Login</title>".to_vec(),
            "",
            "not an MP4 video",
        ),
        (
            "http://169.254.169.254/latest/reel.mp4",
            Vec::new(),
            "",
            "not on an allowed media host",
        ),
    ];
    for (name, bytes, extra, says) in cases {
        let fake = start(Some((name, bytes)));
        let site = Site::new(&CONFIG.replace("[images]\n", &format!("[images]\n{extra}")));
        let run = site.build(&fake, &["--report", "json"]).expect_code(0);
        let r = report(&run);
        assert_eq!(r["posts"], 3, "{name}: the post stays");
        let warnings = r["warnings"].to_string();
        assert!(
            warnings.contains(says) && warnings.contains("shows its poster"),
            "{name}: {warnings}"
        );
        let post = &site.json()["posts"][2];
        assert!(post.get("video").is_none(), "{post}");
        assert_eq!(post["images"][0]["role"], "video_poster");
    }
}

/// A snapshot or manifest naming a video file feedgen never makes (a path
/// out of the store) publishes nothing of it: the post keeps its poster.
#[test]
fn a_tampered_snapshot_video_cannot_publish_a_local_file() {
    let site = Site::new(&format!(
        "[source]\noffline = true\nsnapshot = \"snapshot\"\n{CONFIG}"
    ));
    copy_sample_snapshot(&site.path("snapshot"));
    let path = site.path("snapshot/feed.json");
    let mut snap: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for post in snap["feed"]["posts"].as_array_mut().unwrap() {
        if post["kind"] == "video" {
            post["video"]["file"] = serde_json::json!("../../feedgen.toml");
        }
    }
    std::fs::write(&path, snap.to_string()).unwrap();
    let run = site.run(&["build"], &[]).expect_code(0);
    assert!(run.stderr.contains("shows its poster"), "{}", run.stderr);
    let json = site.json();
    assert!(
        json["posts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p.get("video").is_none()),
        "{json}"
    );
    for (name, bytes) in tree(&site.out()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("snapshot = \"snapshot\""),
            "the config was published as {name}"
        );
    }
}
