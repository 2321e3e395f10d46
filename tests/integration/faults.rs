//! Faults and hostile input: retries, throttling, expired CDN links,
//! stale-on-error, the build lock, and data that must not hurt us.

use std::time::Duration;

use crate::support::fake_instagram::{CdnFault, Fault};
use crate::support::*;

const CONFIG: &str = "[source]\nmax_posts = 50\n[http]\nbackoff_ms = 10\nretries = 3\n";

fn graph_count(fake: &FakeInstagram, path: &str) -> usize {
    fake.with(|s| {
        s.graph_requests
            .iter()
            .filter(|p| p.as_str() == path)
            .count()
    })
}

#[test]
fn flaky_api_and_cdn_are_retried_to_a_complete_feed() {
    let (posts, images) = account(6);
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| {
        s.max_page_size = 2;
        s.flaky = Some((fastrand::Rng::with_seed(7), 0.3));
    });
    let site = Site::new(CONFIG);
    let run = site.build(&fake, &[]).expect_code(0);
    assert!(
        run.stdout.contains("6 posts"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(run.stderr.is_empty(), "nothing left out: {}", run.stderr);
    let requests = fake.with(|s| s.graph_requests.len());
    assert!(requests > 4, "some requests were retried ({requests})");
}

#[test]
fn connection_resets_are_retried() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.resets = 2);
    let site = Site::new(CONFIG);
    let run = site.build(&fake, &[]).expect_code(0);
    assert!(run.stdout.contains("2 posts"), "{}", run.stdout);
    assert_eq!(fake.with(|s| s.resets), 0, "both resets happened");
}

#[test]
fn throttling_is_recognised_by_graph_code_not_http_status() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.faults.push_back(Fault::throttle(403, 4, 0)));
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);
    assert_eq!(
        graph_count(&fake, "/me"),
        2,
        "the 403 code-4 answer was retried once"
    );
}

#[test]
fn a_token_error_is_never_retried() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.error = Some(FakeError::expired_token()));
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(3);
    assert_eq!(fake.with(|s| s.graph_requests.len()), 1);
}

#[test]
fn throttled_beyond_the_budget_republishes_the_last_good_feed() {
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);
    let before = tree(&site.out());

    // Blocked for 30 minutes: longer than the retry budget, so no hammering.
    fake.with(|s| {
        s.sticky_faults
            .push(("/me".into(), Fault::throttle(400, 80002, 30)))
    });
    fake.reset_counts();
    let run = site.build(&fake, &[]).expect_code(0);
    assert_eq!(
        fake.with(|s| s.graph_requests.len()),
        1,
        "no call while blocked"
    );
    run.stderr_has("last good feed");
    run.stderr_has("throttling");
    assert!(
        run.stdout.contains("from the last good snapshot"),
        "{}",
        run.stdout
    );
    assert_eq!(before, tree(&site.out()), "the same feed is published");

    let strict = site.build(&fake, &["--strict"]).expect_code(6);
    strict.stderr_has("--strict");
}

#[test]
fn high_usage_headers_slow_the_build_down_with_a_warning() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| {
        s.extra_headers.push((
            "x-app-usage",
            r#"{"call_count":95,"total_time":20,"total_cputime":20}"#.into(),
        ))
    });
    let site = Site::new(CONFIG);
    let run = site.build(&fake, &[]).expect_code(0);
    run.stderr_has("95% of this app's rate limit");
}

#[test]
fn a_hung_api_times_out_and_the_first_build_fails_clearly() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.hang_next = Some(Duration::from_secs(5)));
    let site = Site::new("[http]\ntimeout = 1\nretries = 0\n");
    let started = std::time::Instant::now();
    let run = site.build(&fake, &[]).expect_code(4);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "bounded by http.timeout"
    );
    assert!(
        run.stderr.contains("could not reach") && run.stderr.contains("--offline"),
        "{}",
        run.stderr
    );
}

#[test]
fn expired_cdn_links_are_renewed_one_item_at_a_time() {
    let (posts, images) = account(3); // image, carousel of 3, video: 5 assets
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.stale_listing_urls = true);
    let site = Site::new(CONFIG);
    let run = site.build(&fake, &[]).expect_code(0);
    assert!(run.stdout.contains("3 posts"), "{}", run.stdout);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert_eq!(
        graph_count(&fake, "/me/media"),
        1,
        "the feed is not fetched again"
    );
    let node_reads = fake.with(|s| {
        s.graph_requests
            .iter()
            .filter(|p| {
                p.trim_start_matches('/')
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            })
            .count()
    });
    assert_eq!(node_reads, 5, "one GET /{{media-id}} per expired link");
}

#[test]
fn garbage_json_on_a_page_is_a_clear_error_then_stale_on_error() {
    let (posts, images) = account(4);
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.max_page_size = 2);
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);

    for garbage in [
        b"{\"data\": [ {\"id\": \"1\", " as &[u8],
        b"\xff\xfe{\"data\":[]}",
    ] {
        fake.with(|s| s.sticky_faults = vec![("after=QVFI2".into(), Fault::Raw(garbage.to_vec()))]);
        let run = site.build(&fake, &[]).expect_code(0);
        run.stderr_has("does not have the documented shape");
        run.stderr_has("gave up after 3 retries");
        assert_eq!(
            site.json()["posts"].as_array().unwrap().len(),
            4,
            "the last good feed stays"
        );
    }

    let fresh = Site::new(CONFIG);
    let run = fresh.build(&fake, &[]).expect_code(4);
    run.stderr_has("does not have the documented shape");
    assert!(!fresh.out().exists(), "nothing half-published");
}

/// A minimal PNG with the given header dimensions and a (possibly bogus) data chunk.
fn png_with_header(width: u32, height: u32, idat: &[u8]) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", idat);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// A real decompression bomb: 7,100 × 7,100 black pixels (50.4 MP) in a few dozen KB.
fn decompression_bomb() -> Vec<u8> {
    let img = image::GrayImage::new(7_100, 7_100);
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn hostile_media_and_data_fail_alone_with_specific_messages() {
    let (mut posts, mut images) = account(8);
    let good_jpeg = images.values().next().unwrap().clone();
    let names: Vec<String> = (0..6).map(|i| format!("hostile{i}.jpg")).collect();
    images.insert(names[0].clone(), b"<html>not an image</html>".to_vec());
    images.insert(names[1].clone(), decompression_bomb());
    images.insert(
        names[2].clone(),
        png_with_header(40_000, 40_000, b"\x78\x9c\x03\x00\x00\x00\x00\x01"),
    );
    images.insert(names[3].clone(), good_jpeg[..good_jpeg.len() / 3].to_vec());
    images.insert(names[4].clone(), good_jpeg.clone());
    images.insert(names[5].clone(), good_jpeg.clone());
    for (i, name) in names.iter().enumerate() {
        posts[i].media_type = "IMAGE";
        posts[i].children.clear();
        posts[i].image = name.clone();
    }
    posts[6].id = "../../../../tmp/feedgen-escape".into();
    posts[7].caption = Some("x".repeat(100_000));
    let fake = FakeInstagram::start(posts.clone(), images);
    let elsewhere = format!(
        "http://127.0.0.2:{}/cdn/v/t51.29350-15/photo00_n.jpg",
        fake.addr.port()
    );
    fake.with(|s| {
        s.cdn_faults
            .insert(names[4].clone(), CdnFault::Redirect(elsewhere));
        s.cdn_faults
            .insert(names[5].clone(), CdnFault::Status(404, "Not Found"));
    });
    let site = Site::new(CONFIG);
    let run = site.build(&fake, &[]).expect_code(0);
    let err = &run.stderr;
    let expect = |post: usize, needle: &str| {
        let id = &posts[post].id;
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("post {id}")) && l.contains(needle)),
            "no warning for post {id} containing {needle:?}:\n{err}"
        );
    };
    expect(0, "not an image");
    expect(1, "beyond the limit");
    expect(2, "40000×40000");
    expect(3, "cannot be decoded");
    expect(4, "not an allowed media host");
    expect(5, "HTTP 404");
    assert!(
        err.contains("caption longer than 4400 characters; trimmed"),
        "{err}"
    );
    expect(6, "its id is not a string of digits");
    assert!(
        run.stdout.contains("1 posts") || run.stdout.contains("1 post"),
        "the one sound post publishes: {}",
        run.stdout
    );

    // Ids reach feed.json, Atom <id>s and URLs: a post whose id is not digits is left out.
    let ids = post_ids(&site.json());
    assert_eq!(ids, [posts[7].id.clone()]);
    assert!(!std::path::Path::new("/tmp/feedgen-escape").exists());
    for (path, _) in tree(site.dir.path()) {
        assert!(!path.contains(".."), "{path}");
    }
    let html = std::fs::read_to_string(site.out().join("feed.html")).unwrap();
    assert!(
        html.len() < 20_000,
        "a huge caption does not bloat the fragment"
    );

    let strict = site.build(&fake, &["--strict"]).expect_code(7);
    strict.stderr_has("left out (--strict)");
}

#[test]
fn an_empty_account_publishes_an_empty_feed() {
    let fake = FakeInstagram::start(vec![], Default::default());
    let site = Site::new(CONFIG);
    let run = site.build(&fake, &[]).expect_code(0);
    assert!(run.stdout.contains("0 posts"), "{}", run.stdout);
    assert_eq!(site.json()["posts"].as_array().unwrap().len(), 0);
}

#[test]
fn an_edited_caption_and_a_deleted_post_show_on_the_next_build() {
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);
    fake.with(|s| {
        s.posts[0].caption = Some("Edited caption".into());
        s.posts.remove(1);
    });
    site.build(&fake, &[]).expect_code(0);
    let json = site.json();
    assert_eq!(json["posts"].as_array().unwrap().len(), 2);
    assert_eq!(json["posts"][0]["caption"], "Edited caption");
    assert_eq!(
        fake.with(|s| s.cdn_requests),
        5,
        "nothing downloaded again after the first build"
    );
}

#[test]
fn a_second_build_on_the_same_output_waits_then_says_why() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new("[output]\nlock_timeout = 1\n");
    // The lock lives in the cache, named by the output folder's path.
    let path = feedgen::output::lock_path(&site.out(), &site.cache("")).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let lock = std::fs::File::create(&path).unwrap();
    lock.lock().unwrap();
    let run = site.build(&fake, &["-v"]).expect_code(5);
    // One style for every diagnostic, and no colour codes in a redirected stderr.
    assert!(
        run.stderr
            .contains("\nwarning: another feedgen build is writing")
            || run
                .stderr
                .starts_with("warning: another feedgen build is writing"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(
        run.stderr.lines().all(|l| {
            ["warning: ", "error: ", "note: ", "debug: ", "  "]
                .iter()
                .any(|p| l.starts_with(p))
                || l.is_empty()
        }),
        "every line is a diagnostic: {}",
        run.stderr
    );
    drop(lock);
    site.build(&fake, &[]).expect_code(0);
}

#[test]
fn nothing_of_feedgens_own_lands_where_a_site_publishes() {
    // Hugo publishes every file of static/, dotfiles included: the output
    // folder and the folder it sits in hold only what the feed needs.
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new("[output]\ndir = \"static/feed\"\n");
    std::fs::create_dir_all(site.path("static")).unwrap();
    std::fs::write(site.path("static/robots.txt"), "User-agent: *\n").unwrap();
    for _ in 0..2 {
        site.build(&fake, &[]).expect_code(0);
        let published: Vec<String> = tree(&site.path("static")).into_keys().collect();
        let ours: Vec<&String> = published
            .iter()
            .filter(|p| p.split('/').any(|part| part.starts_with('.')))
            .collect();
        assert!(ours.is_empty(), "dotfiles published: {ours:?}");
        assert!(
            published.iter().any(|p| p == "feed/feed.json"),
            "{published:?}"
        );
    }
}

#[test]
fn an_output_folder_with_foreign_files_is_refused() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new("[output]\ndir = \"public\"\n");
    std::fs::create_dir_all(site.path("public")).unwrap();
    std::fs::write(site.path("public/index.html"), "my site").unwrap();
    let run = site.build(&fake, &[]).expect_code(2);
    run.stderr_has("did not write");
    assert_eq!(
        std::fs::read_to_string(site.path("public/index.html")).unwrap(),
        "my site"
    );
}

#[test]
fn a_republished_feed_reports_the_requests_it_made() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);
    fake.reset_counts();
    fake.with(|s| {
        s.error = Some(FakeError {
            status: 500,
            body: serde_json::json!({"error": {"message": "An unexpected error has occurred. Please retry your request later.", "type": "OAuthException", "code": 2, "is_transient": true}}),
        })
    });
    let run = site.build(&fake, &["--report", "json"]).expect_code(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let sent = fake.with(|s| s.graph_requests.len());
    assert!(sent > 1, "retried: {sent}");
    assert_eq!(report["origin"], "snapshot", "{report}");
    assert_eq!(report["api_requests"], sent, "{report}");
}

/// A page as the live API can send it, where no post is usable: no
/// timestamp, a video with neither `media_url` nor `thumbnail_url`
/// (copyrighted audio), an album whose children carry ids only and that has
/// no `media_url` of its own, and a type feedgen does not know.
fn unusable_page() -> Fault {
    Fault::Graph {
        status: 200,
        body: serde_json::json!({"data": [
            {"id": "17900000000000001", "media_type": "IMAGE", "media_url": "https://scontent.cdninstagram.com/v/a.jpg", "permalink": "https://www.instagram.com/p/A1/"},
            {"id": "17900000000000002", "media_type": "VIDEO", "timestamp": "2026-11-30T10:00:00+0000", "permalink": "https://www.instagram.com/reel/A2/"},
            {"id": "17900000000000003", "media_type": "CAROUSEL_ALBUM", "timestamp": "2026-11-29T10:00:00+0000", "children": {"data": [{"id": "17900000000000031"}, {"id": "17900000000000032"}]}},
            {"id": "17900000000000004", "media_type": "STORY", "timestamp": "2026-11-28T10:00:00+0000"}
        ], "paging": {"cursors": {"before": "QVFIUa", "after": "QVFIUb"}}}),
        headers: vec![],
    }
}

#[test]
fn a_page_of_unusable_posts_never_blanks_a_published_feed() {
    let (posts, images) = account(4);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);
    let before = tree(&site.out());
    let snapshot = std::fs::read(site.snapshot()).unwrap();
    fake.with(|s| s.sticky_faults = vec![("/media".into(), unusable_page())]);

    let run = site.build(&fake, &[]).expect_code(0);
    assert!(
        run.stderr.contains("last good feed") && run.stderr.contains("none of the 4 posts"),
        "{}",
        run.stderr
    );
    assert_eq!(tree(&site.out()), before, "the published feed stays");
    let after = std::fs::read(site.snapshot()).unwrap();
    assert_eq!(after, snapshot, "the snapshot is not overwritten");
    site.build(&fake, &["--strict"]).expect_code(6);

    // With nothing to fall back on, it is an API failure, not an empty feed.
    let fresh = Site::new(CONFIG);
    fresh.build(&fake, &[]).expect_code(4);
    assert!(!fresh.out().exists());
}

#[test]
fn every_post_left_out_is_counted_and_named_in_the_report() {
    let (mut posts, images) = account(4);
    posts[1].media_type = "STORY";
    posts[1].children.clear();
    let fake = FakeInstagram::start(posts.clone(), images);
    let site = Site::new(CONFIG);
    let run = site.build(&fake, &["--report", "json"]).expect_code(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["posts"], 3, "{report}");
    assert_eq!(report["skipped_posts"], 1, "{report}");
    let left = &report["left_out_posts"][0];
    assert_eq!(left["id"], posts[1].id.as_str());
    assert!(
        left["reason"]
            .as_str()
            .unwrap()
            .contains("unknown media_type"),
        "{left}"
    );
    site.build(&fake, &["--strict"]).expect_code(7);
}

fn album_images(site: &Site, album: &str) -> Vec<String> {
    let json = site.json();
    let post = json["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == album)
        .expect("the album is published")
        .clone();
    post["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["asset_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_album_whose_items_carry_ids_only_shows_its_cover() {
    let (posts, images) = account(3);
    let album = posts[1].id.clone();
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.children_ids_only = true);
    let site = Site::new(CONFIG);
    let run = site.build(&fake, &["--report", "json"]).expect_code(0);
    run.stderr_has("the album's cover is shown");
    assert_eq!(album_images(&site, &album), [album.as_str()]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["skipped_posts"], 0, "{report}");
}

#[test]
fn album_items_past_the_first_page_of_children_are_read() {
    let (posts, images) = account(3);
    let album = posts[1].id.clone();
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.children_page_size = Some(1));
    let site = Site::new(CONFIG);
    let run = site.build(&fake, &[]).expect_code(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert_eq!(
        album_images(&site, &album),
        [
            format!("{album}1"),
            format!("{album}2:poster"),
            format!("{album}3")
        ]
    );
    let pages = graph_count(&fake, &format!("/{album}/children"));
    assert_eq!(pages, 2);
}

/// After a build cut short while one photo (two of the ten images) stalled:
/// at least those two are redone, and something finished before the cut is
/// reused (a loaded machine may cut a few more short). Returns a reader of
/// the report's media counts.
fn redone_after_a_cut(report: &serde_json::Value) -> impl Fn(&str) -> u64 + '_ {
    let n = move |k: &str| report["media"][k].as_u64().unwrap();
    assert!(n("downloaded") >= 2, "{report}");
    assert!(
        n("reused_originals") >= 1,
        "finished work was kept: {report}"
    );
    assert_eq!(n("downloaded") + n("reused_originals"), 10, "{report}");
    n
}

#[test]
fn a_build_cut_short_leaves_its_finished_work_for_the_next() {
    let (posts, images) = account(6);
    let stalled = posts[5].image.clone();
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.stalled_images = vec![stalled]);
    let site = Site::new("[build]\ndeadline = 4\n[http]\nbackoff_ms = 10\n");
    site.build(&fake, &[]).expect_code(4);
    assert!(!site.out().exists(), "nothing published");

    fake.with(|s| s.stalled_images.clear());
    fake.reset_counts();
    let run = site.build(&fake, &["--report", "json"]).expect_code(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    // Ten images in all; the stalled photo is two of them (an album child
    // and the video's poster). On an idle machine the other eight finish
    // before the deadline and only the two are downloaded now; on a loaded
    // one a few more may be cut short, but what finished is never redone.
    let n = redone_after_a_cut(&report);
    assert_eq!(n("decoded"), n("downloaded"), "{report}");
    assert_eq!(n("reused_variants"), 6 * n("reused_originals"), "{report}");
    assert_eq!(fake.with(|s| s.cdn_requests) as u64, n("downloaded"));
    assert!(!site.cache("manifest.journal").exists());
}

#[test]
fn sigterm_stops_cleanly_with_143_and_the_next_build_goes_on() {
    let (posts, images) = account(6);
    let stalled = posts[5].image.clone();
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);
    let before = tree(&site.out());
    // The cache is lost and one photo stalls; the rest of the work is done meanwhile.
    std::fs::remove_dir_all(site.cache("")).unwrap();
    fake.with(|s| s.stalled_images = vec![stalled]);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_feedgen"))
        .arg("build")
        .current_dir(site.dir.path())
        .env_clear()
        .envs(fake_env(&fake))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    // SAFETY: signalling a child process this test started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert_eq!(stderr.matches("interrupted").count(), 1, "{stderr}");
    assert_eq!(
        tree(&site.out()),
        before,
        "the published output is untouched"
    );

    fake.with(|s| s.stalled_images.clear());
    let run = site.build(&fake, &["--report", "json"]).expect_code(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    // On an idle machine only the two images of the stalled photo are
    // downloaded and made now; on a loaded one a few more may have been cut
    // short by the signal, but nothing that finished is made again.
    let n = redone_after_a_cut(&report);
    assert_eq!(n("encoded"), 6 * n("downloaded"), "{report}");
}

mod any_page {
    //! For any page of posts, as the live API can send them: the published
    //! feed is the new complete one or the previous one, never fewer posts
    //! than the API offered usable ones, and every post left out is named.

    use super::*;
    use proptest::prelude::*;

    /// What one post of the page is like.
    #[derive(Debug, Clone, Copy)]
    enum Shape {
        Good,
        NoTimestamp,
        VideoWithoutImage,
        AlbumOfIdsOnly,
        UnknownType,
        AlbumOfIdsWithCover,
    }

    fn usable(s: Shape) -> bool {
        matches!(s, Shape::Good | Shape::AlbumOfIdsWithCover)
    }

    fn post(fake: &FakeInstagram, i: usize, shape: Shape, photo: &str) -> serde_json::Value {
        let id = format!("1791000000000{i:04}");
        let ts = format!("2026-11-{:02}T10:00:00+0000", 28 - i);
        let url = fake.cdn_url_for(photo);
        let ids_only =
            serde_json::json!({"data": [{"id": format!("{id}1")}, {"id": format!("{id}2")}]});
        match shape {
            Shape::Good => {
                serde_json::json!({"id": id, "media_type": "IMAGE", "media_url": url, "timestamp": ts})
            }
            Shape::NoTimestamp => {
                serde_json::json!({"id": id, "media_type": "IMAGE", "media_url": url})
            }
            Shape::VideoWithoutImage => {
                serde_json::json!({"id": id, "media_type": "VIDEO", "timestamp": ts})
            }
            Shape::AlbumOfIdsOnly => {
                serde_json::json!({"id": id, "media_type": "CAROUSEL_ALBUM", "timestamp": ts, "children": ids_only})
            }
            Shape::UnknownType => {
                serde_json::json!({"id": id, "media_type": "STORY", "media_url": url, "timestamp": ts})
            }
            Shape::AlbumOfIdsWithCover => {
                serde_json::json!({"id": id, "media_type": "CAROUSEL_ALBUM", "media_url": url, "timestamp": ts, "children": ids_only})
            }
        }
    }

    fn shape() -> impl Strategy<Value = Shape> {
        prop_oneof![
            Just(Shape::Good),
            Just(Shape::NoTimestamp),
            Just(Shape::VideoWithoutImage),
            Just(Shape::AlbumOfIdsOnly),
            Just(Shape::UnknownType),
            Just(Shape::AlbumOfIdsWithCover),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn the_feed_is_new_and_complete_or_the_previous_one(shapes in proptest::collection::vec(shape(), 1..6)) {
            let (posts, images) = account(3);
            let photo = posts[0].image.clone();
            let fake = FakeInstagram::start(posts, images);
            let site = Site::new(CONFIG);
            site.build(&fake, &[]).expect_code(0);
            let before = tree(&site.out());

            let data: Vec<_> = shapes.iter().enumerate().map(|(i, s)| post(&fake, i, *s, &photo)).collect();
            fake.with(|s| s.sticky_faults = vec![("/media".into(), Fault::Graph {
                status: 200, body: serde_json::json!({"data": data}), headers: vec![],
            })]);
            let run = site.build(&fake, &["--report", "json"]);
            prop_assert_eq!(run.code, 0, "{}", run.stderr);
            let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            let usable_ids: Vec<String> = shapes.iter().enumerate()
                .filter(|(_, s)| usable(**s)).map(|(i, _)| format!("1791000000000{i:04}")).collect();
            if usable_ids.is_empty() {
                prop_assert_eq!(&report["origin"], "snapshot", "{}", report);
                prop_assert_eq!(tree(&site.out()), before, "the previous feed stays");
            } else {
                prop_assert_eq!(post_ids(&site.json()), usable_ids.clone(), "{}", report);
                let mut left: Vec<String> = report["left_out_posts"].as_array().unwrap().iter()
                    .map(|l| l["id"].as_str().unwrap().to_string()).collect();
                left.sort();
                let mut unusable: Vec<String> = shapes.iter().enumerate()
                    .filter(|(_, s)| !usable(**s)).map(|(i, _)| format!("1791000000000{i:04}")).collect();
                unusable.sort();
                prop_assert_eq!(&left, &unusable, "{}", report);
                prop_assert_eq!(report["skipped_posts"].as_u64().unwrap() as usize, unusable.len());
            }
        }
    }
}
