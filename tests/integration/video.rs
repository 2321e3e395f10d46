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

#[test]
fn a_video_is_downloaded_once_and_played_from_the_site() {
    let bytes = clip();
    let fake = start(Some(("reel.mp4", bytes.clone())));
    let site = Site::new(CONFIG);
    let first = site.build(&fake, &["--report", "json"]).expect_code(0);
    assert_eq!(
        first.json()["media"]["videos_downloaded"],
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
    assert_eq!(again.json()["media"]["videos_downloaded"], 0);
    assert_eq!(fake.with(|s| s.cdn_requests), 0, "{}", again.stdout);

    let fresh = Site::new(CONFIG);
    fake.with(|s| s.stale_listing_urls = true);
    let relinked = fresh.build(&fake, &["--report", "json"]).expect_code(0);
    let r = relinked.json();
    assert_eq!(r["media"]["videos_downloaded"], 1, "{}", relinked.stderr);
    assert!(
        fake.with(|s| s
            .graph_requests
            .iter()
            .any(|p| p.ends_with("/17900000000008998"))),
        "the video's link came from its own item"
    );

    // Offline with an emptied store: the snapshot keeps the video.
    std::fs::remove_dir_all(site.cache("media")).unwrap();
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
        let r = run.json();
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
    run.stderr_has("shows its poster");
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

/// An HTML page whose fifth to eighth bytes spell `ftyp` passed the old
/// 4-byte check and was published as `.mp4`; a cut or forged box layout too.
#[test]
fn an_html_page_or_a_forged_box_layout_is_never_published_as_video() {
    use crate::support::fake_instagram::CdnFault;
    let page = b"<!--ftyp--><script>alert(document.domain)</script>".to_vec();
    let mut cut = clip();
    cut.truncate(cut.len() / 2);
    let mut no_moov = b"\0\0\0\x10ftypisom\0\0\x02\0".to_vec();
    no_moov.extend_from_slice(b"\0\0\0\x10mdat01234567");
    let cases: [(&str, Vec<u8>, Option<&'static str>, &str); 4] = [
        (
            "page.mp4",
            page.clone(),
            Some("text/html"),
            "not a video (its Content-Type is",
        ),
        ("lying.mp4", page, None, "not an MP4 video"),
        ("cut.mp4", cut, None, "not an MP4 video"),
        ("bare.mp4", no_moov, None, "no moov"),
    ];
    for (name, bytes, content_type, says) in cases {
        let fake = start(Some((name, bytes)));
        if let Some(kind) = content_type {
            fake.with(|s| s.cdn_faults.insert(name.to_string(), CdnFault::Typed(kind)));
        }
        let site = Site::new(CONFIG);
        let run = site.build(&fake, &["--report", "json"]).expect_code(0);
        let warnings = run.json()["warnings"].to_string();
        assert!(
            warnings.contains(says) && warnings.contains("shows its poster"),
            "{name}: {warnings}"
        );
        assert!(site.json()["posts"][2].get("video").is_none(), "{name}");
        for (path, _) in tree(&site.out()) {
            assert!(!path.ends_with(".mp4"), "{name} published {path}");
        }
    }
}

/// A cache that names a non-video by its true hash passes the store's
/// content check: the box layout is checked again on reuse.
#[test]
fn a_stored_video_is_checked_again_when_reused() {
    let fake = start(Some(("reel.mp4", clip())));
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);
    let page = b"<!--ftyp--><script>alert(document.domain)</script>";
    let hash = blake3::hash(page).to_hex();
    let planted = format!("{}.mp4", &hash[..32]);
    for dir in ["media", "snapshot/originals"] {
        std::fs::write(site.cache(dir).join(&planted), page).unwrap();
    }
    let snapshot = site.snapshot();
    let mut snap: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot).unwrap()).unwrap();
    for post in snap["feed"]["posts"].as_array_mut().unwrap() {
        if let Some(video) = post.get_mut("video") {
            video["file"] = planted.clone().into();
        }
    }
    std::fs::write(&snapshot, snap.to_string()).unwrap();
    let manifest = site.cache("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let old = site.json()["posts"][2]["video"]["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("media/")
        .to_string();
    std::fs::write(&manifest, text.replace(&old, &planted)).unwrap();

    std::fs::remove_dir_all(site.out()).unwrap();
    let run = site.run(&["build", "--offline"], &[]).expect_code(0);
    run.stderr_has("shows its poster");
    for (path, bytes) in tree(&site.out()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("alert(document.domain)"),
            "{path} is the planted page"
        );
    }
}

/// Four videos trickling from the CDN: the posters are published within
/// `build.deadline`, rather than the whole feed failing at it (a stalled
/// body is not retried, and videos stop before the deadline).
#[test]
fn trickling_videos_leave_their_posters_within_the_deadline() {
    use crate::support::fake_instagram::CdnFault;
    let (mut posts, mut images) = account(12);
    let mut names = Vec::new();
    for (i, post) in posts
        .iter_mut()
        .enumerate()
        .filter(|(_, p)| p.media_type == "VIDEO")
    {
        let name = format!("slow{i}.mp4");
        post.video = Some(name.clone());
        images.insert(name.clone(), clip());
        names.push(name);
    }
    assert_eq!(names.len(), 4);
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| {
        for name in &names {
            s.cdn_faults.insert(name.clone(), CdnFault::Trickle);
        }
    });
    let site = Site::new(&format!(
        "[source]\nmax_posts = 12\n[build]\ndeadline = 20\n{}",
        // Retried, each stalled video would cost 5 x 3 s, two at a time: 30 s.
        CONFIG.replace(
            "backoff_ms = 10\n",
            "backoff_ms = 10\ntimeout = 3\nretries = 4\n"
        )
    ));
    let started = std::time::Instant::now();
    let run = site.build(&fake, &["--report", "json"]).expect_code(0);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let r = run.json();
    assert_eq!(r["posts"], 12, "{}", run.stderr);
    let json = site.json();
    for post in json["posts"].as_array().unwrap() {
        if post["images"][0]["role"] == "video_poster" {
            assert!(post.get("video").is_none(), "{post}");
        }
    }
    assert!(
        r["warnings"].to_string().contains("shows its poster"),
        "{}",
        r["warnings"]
    );
}
