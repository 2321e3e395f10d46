//! `feedgen build` end to end: the real binary against the fake API on 127.0.0.1.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;

use crate::support::*;

const CONFIG: &str = "[source]\nmax_posts = 50\n[http]\nbackoff_ms = 10\n";

/// Every `src`/`srcset` target exists, and each `Nw` file really is N pixels wide.
fn assert_html_targets_exist(site: &Site, html_file: &str) -> usize {
    let out = site.out();
    let html = std::fs::read_to_string(out.join(html_file)).unwrap();
    let urls = html_urls(&html);
    let mut checked = 0;
    for (url, width) in urls {
        if url.starts_with("https://www.instagram.com/") {
            continue;
        }
        let path = out.join(&url);
        let bytes =
            std::fs::read(&path).unwrap_or_else(|_| panic!("{url} is referenced but missing"));
        if let Some(w) = width {
            let (real_w, _) = feedgen::media::pipeline::inspect(&bytes).unwrap();
            assert_eq!(real_w, w, "{url} claims {w}w");
        }
        checked += 1;
    }
    checked
}

#[test]
fn three_pages_are_rendered_complete_and_in_api_order() {
    let (posts, images) = account(7);
    let ids: Vec<String> = posts.iter().map(|p| p.id.clone()).collect();
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.max_page_size = 3); // 7 posts → pages of 3, 3, 1
    let site = Site::new(CONFIG);

    let run = site.build(&fake, &[]).expect_code(0);
    assert!(run.stdout.contains("7 posts"), "{}", run.stdout);

    let requests = fake.with(|s| s.graph_requests.clone());
    assert_eq!(
        requests,
        vec![
            "/me".to_string(),
            "/me/media".into(),
            format!("/{}/17841400000000001/media", fake_instagram_version()),
            format!("/{}/17841400000000001/media", fake_instagram_version()),
            // A token seen for the first time: one refresh, once it has worked.
            "/refresh_access_token".into(),
        ],
        "one /me, then one request per page and none per carousel, then the first-sight refresh"
    );

    let json = site.json();
    assert_eq!(json["schema_version"], 1);
    let got: Vec<&str> = json["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        ids.iter().map(String::as_str).collect::<Vec<_>>(),
        "API order"
    );

    for post in json["posts"].as_array().unwrap() {
        let images = post["images"].as_array().unwrap();
        match post["type"].as_str().unwrap() {
            "carousel" => {
                assert_eq!(images.len(), 3, "every carousel child: {post}");
                assert_eq!(images[1]["role"], "video_poster");
            }
            "video" => {
                assert_eq!(images.len(), 1);
                assert_eq!(images[0]["role"], "video_poster");
            }
            "image" => assert_eq!(images[0]["role"], "image"),
            other => panic!("unexpected type {other}"),
        }
        assert!(
            post["timestamp"].as_str().unwrap().ends_with('Z'),
            "RFC 3339 UTC"
        );
        for image in images {
            for v in image["variants"].as_array().unwrap() {
                let bytes = std::fs::read(site.out().join(v["url"].as_str().unwrap())).unwrap();
                let (w, h) = feedgen::media::pipeline::inspect(&bytes).unwrap();
                assert_eq!(
                    (w as u64, h as u64),
                    (v["width"].as_u64().unwrap(), v["height"].as_u64().unwrap())
                );
                assert_eq!(bytes.len() as u64, v["bytes"].as_u64().unwrap());
            }
        }
    }

    let html = std::fs::read_to_string(site.out().join("feed.html")).unwrap();
    assert_eq!(html.matches("<li class=\"feedgen-item").count(), 7);
    for needle in [
        "loading=\"lazy\"",
        "decoding=\"async\"",
        "type=\"image/webp\"",
        "sizes=\"",
        "width=\"1080\"",
    ] {
        assert!(html.contains(needle), "fragment lacks {needle}");
    }
    assert!(html.contains("href=\"https://www.instagram.com/reel/Sc002/\""));
    let checked = assert_html_targets_exist(&site, "feed.html");
    assert!(checked > 7 * 6, "checked only {checked} URLs");
}

fn fake_instagram_version() -> &'static str {
    crate::support::fake_instagram::API_VERSION
}

#[test]
fn second_run_downloads_nothing_and_rewrites_nothing() {
    let (posts, images) = account(5);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);
    assert!(fake.with(|s| s.cdn_requests) > 0);

    let stamp = |site: &Site| -> Vec<(String, u64, i64, i64)> {
        walkdir::WalkDir::new(site.out())
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let m = e.metadata().unwrap();
                (
                    e.path().display().to_string(),
                    m.ino(),
                    m.mtime(),
                    m.mtime_nsec(),
                )
            })
            .collect()
    };
    let before = stamp(&site);
    fake.reset_counts();

    let run = site.build(&fake, &[]).expect_code(0);
    assert_eq!(
        fake.with(|s| s.cdn_requests),
        0,
        "no CDN request on a rebuild"
    );
    assert!(
        run.stdout
            .contains("0 downloaded, 0 decoded, 0 variants made"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("0 files written"), "{}", run.stdout);
    assert_eq!(before, stamp(&site), "no file was rewritten");
}

#[test]
fn a_removed_post_has_its_files_pruned() {
    let (posts, images) = account(4);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);
    let json = site.json();
    let files_of = |post: &serde_json::Value| -> HashSet<String> {
        post["images"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| {
                i["variants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["url"].as_str().unwrap().to_string())
            })
            .collect()
    };
    let removed = json["posts"][0].clone();
    let kept: HashSet<String> = json["posts"].as_array().unwrap()[1..]
        .iter()
        .flat_map(files_of)
        .collect();
    let gone: HashSet<String> = files_of(&removed).difference(&kept).cloned().collect();
    assert!(!gone.is_empty());
    let originals_before = tree(&site.cache("snapshot/originals")).len();

    let removed_id = removed["id"].as_str().unwrap().to_string();
    fake.with(|s| s.posts.retain(|p| p.id != removed_id));
    site.build(&fake, &[]).expect_code(0);

    for f in &gone {
        assert!(
            !site.out().join(f).exists(),
            "{f} of the removed post is still there"
        );
    }
    for f in &kept {
        assert!(
            site.out().join(f).exists(),
            "{f} was pruned but is still used"
        );
    }
    let originals_after = tree(&site.cache("snapshot/originals")).len();
    assert!(
        originals_after < originals_before,
        "the removed post's original is pruned from the cache"
    );
    assert_eq!(site.json()["posts"].as_array().unwrap().len(), 3);
}

#[test]
fn offline_builds_from_the_last_snapshot_without_network() {
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);
    let html = std::fs::read(site.out().join("feed.html")).unwrap();
    drop(fake);

    std::fs::remove_dir_all(site.out()).unwrap();
    let run = site.run(&["build", "--offline"], &[]).expect_code(0);
    assert!(
        run.stdout.contains("from the snapshot (offline)"),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read(site.out().join("feed.html")).unwrap(), html);
    assert_html_targets_exist(&site, "feed.html");
}

#[test]
fn offline_without_a_snapshot_says_what_to_do() {
    let site = Site::new(CONFIG);
    let run = site.run(&["build", "--offline"], &[]).expect_code(5);
    run.stderr_has("no recorded snapshot yet");
    run.stderr_has("FEEDGEN_TOKEN");
}

#[test]
fn missing_token_is_a_token_error() {
    let site = Site::new(CONFIG);
    let run = site.run(&["build"], &[]).expect_code(3);
    run.stderr_has("Set FEEDGEN_TOKEN");
}

#[test]
fn expired_token_fails_cleanly_and_keeps_the_output() {
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);
    let before = tree(&site.out());

    fake.with(|s| s.error = Some(FakeError::expired_token()));
    let run = site.build(&fake, &[]).expect_code(3);
    run.stderr_has("has expired");
    assert!(
        run.stderr.contains("Generate token"),
        "the steps to a new token: {}",
        run.stderr
    );
    run.stderr_has("previous output was left");
    assert_eq!(before, tree(&site.out()), "the previous output is intact");
}

#[test]
fn the_token_appears_nowhere() {
    let (posts, images) = account(4);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    let mut runs = vec![site.build(&fake, &["-vv"]).expect_code(0)];
    // An API error whose message and URL would carry the token if we let them.
    fake.with(|s| {
        s.error = Some(FakeError {
            status: 500,
            body: serde_json::json!({"error": {"message": format!("boom for access_token={TEST_TOKEN}"), "type": "OAuthException", "code": 2, "is_transient": true}}),
        })
    });
    runs.push(site.build(&fake, &["-vv"]).expect_code(0));
    fake.with(|s| s.error = Some(FakeError::expired_token()));
    runs.push(site.build(&fake, &["-vv"]).expect_code(3));
    // Unreachable API: reqwest errors would carry the URL with the query.
    let mut env = fake_env(&fake);
    env[1].1 = "http://127.0.0.1:9".into();
    runs.push(site.run(&["build", "-vv"], &env).expect_code(0));

    for run in &runs {
        assert!(
            !run.stdout.contains(TEST_TOKEN),
            "stdout leaks the token:\n{}",
            run.stdout
        );
        assert!(
            !run.stderr.contains(TEST_TOKEN),
            "stderr leaks the token:\n{}",
            run.stderr
        );
    }
    for (path, bytes) in tree(site.dir.path()) {
        if path == ".feedgen-cache/token-state.json" {
            // The one place the token is kept on purpose: readable by the owner only.
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(site.path(&path))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(TEST_TOKEN), "{path} contains the token");
        assert!(
            !text.contains("access_token"),
            "{path} keeps a tokenised URL"
        );
    }
    assert!(fake.with(|s| s.tokens_seen.iter().all(|t| t == TEST_TOKEN)));
}

#[test]
fn a_next_link_to_another_host_is_refused() {
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.max_page_size = 1);
    let site = Site::new(CONFIG);
    // The same fake under another name: `localhost` is a different origin from 127.0.0.1.
    let mut env = fake_env(&fake);
    env[1].1 = format!("http://localhost:{}", fake.addr.port());
    let run = site.run(&["build"], &env).expect_code(4);
    run.stderr_has("refusing to send the token there");
    assert_eq!(
        fake.with(|s| s.graph_requests.len()),
        2,
        "no request to the foreign next link"
    );
}

#[test]
fn a_config_error_names_file_line_and_expected_keys() {
    let site = Site::new("[output]\ndir = \"out\"\nhtlm = \"x.html\"\n");
    let run = site.run(&["build"], &[]).expect_code(2);
    assert_eq!(
        run.stderr,
        "error: invalid config feedgen.toml: TOML parse error at line 3, column 1
  |
3 | htlm = \"x.html\"
  | ^^^^
unknown key `htlm` in [output]; did you mean `html`?

Every key, with its default and meaning, is in the file `feedgen init` writes (feedgen.example.toml in feedgen's repository).
"
    );
}

#[test]
fn out_flag_overrides_the_output_folder() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    site.build(&fake, &["--out", "elsewhere"]).expect_code(0);
    assert!(site.path("elsewhere/feed.html").is_file());
    assert!(!site.out().exists());
}

/// The report's `changed` says whether the published output differs from the
/// previous build's; `--unchanged-exit CODE` turns "nothing new" into an exit
/// code a scheduled job can skip its deploy on.
#[test]
fn changed_says_whether_the_published_output_differs() {
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    let flags = ["--report", "json", "--unchanged-exit", "9"];
    let first = site.build(&fake, &flags).expect_code(0);
    assert_eq!(first.json()["changed"], true, "{}", first.stdout);
    let again = site.build(&fake, &flags).expect_code(9);
    assert_eq!(again.json()["changed"], false, "{}", again.stdout);
    // Without the flag, nothing new is a success like any other.
    site.build(&fake, &[]).expect_code(0);
    // A CI job's fresh checkout: no output folder, the cache carried. The
    // cache's record of the last publish is what counts.
    std::fs::remove_dir_all(site.out()).unwrap();
    let fresh = site.build(&fake, &flags).expect_code(9);
    assert_eq!(fresh.json()["changed"], false, "{}", fresh.stdout);
    assert!(site.out().join("feed.html").is_file());
    // A post deleted on Instagram: the output changes.
    fake.with(|s| s.posts.remove(0));
    let third = site.build(&fake, &flags).expect_code(0);
    assert_eq!(third.json()["changed"], true, "{}", third.stdout);
    // A record planted or damaged in the cache only makes the next build
    // count as changed, and is replaced.
    let record = site.cache("published.blake3");
    std::fs::write(&record, "not a digest").unwrap();
    let planted = site.build(&fake, &flags).expect_code(0);
    assert_eq!(planted.json()["changed"], true, "{}", planted.stdout);
    assert_ne!(std::fs::read_to_string(&record).unwrap(), "not a digest");
    site.build(&fake, &flags).expect_code(9);
    // The same feed published somewhere else has changed.
    site.build(
        &fake,
        &[
            "--report",
            "json",
            "--unchanged-exit",
            "9",
            "--out",
            "elsewhere",
        ],
    )
    .expect_code(0);
    // A failure keeps its own code.
    fake.with(|s| s.error = Some(FakeError::expired_token()));
    site.build(&fake, &flags).expect_code(3);
    // feedgen's own codes cannot be chosen.
    site.build(&fake, &["--unchanged-exit", "3"])
        .expect_code(2)
        .stderr_has("--unchanged-exit");
}
