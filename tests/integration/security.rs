//! Attacks on every input path: a poisoned cache (whoever can write a shared
//! CI cache), a malicious API server on loopback, and careless settings. Each
//! test is the attack as an attacker would run it; each failed before its fix.

use std::time::{Duration, Instant};

use chrono::Utc;
use feedgen::Token;
use feedgen::token::{self, Obtained, TokenState};

use crate::support::fake_instagram::{
    APP_ID, APP_SECRET, AUTH_CODE, FakeToken, Fault, REDIRECT_URI,
};
use crate::support::*;

const CONFIG: &str = "[source]\nmax_posts = 6\n[http]\nbackoff_ms = 10\nretries = 1\n";
const CONFIG_SECRET: &str = "IGAAconfigsecret0123456789abcdefXYZ";

fn edit_json(path: &std::path::Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

/// No file of the output holds `needle`, and the output links nothing outside itself.
fn assert_output_free_of(site: &Site, needle: &str) {
    for (path, bytes) in tree(&site.out()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(needle),
            "{path} holds {needle:?}"
        );
    }
    let html = std::fs::read_to_string(site.out().join("feed.html")).unwrap();
    for (url, _) in html_urls(&html) {
        assert!(!url.contains(".."), "the fragment links {url}");
    }
}

#[test]
fn a_poisoned_manifest_names_no_path_and_truncates_nothing() {
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let config = format!("{CONFIG}# {CONFIG_SECRET}\n");
    let site = Site::new(&config);
    site.build(&fake, &[]).expect_code(0);
    let victim = site.path("notes.txt");
    std::fs::write(&victim, "my notes").unwrap();

    // An attacker with write access to the CI cache names the config and
    // another file of the site as variants, and plants a symlink in the store.
    let mut planted = String::new();
    edit_json(&site.cache("manifest.json"), |m| {
        let assets = m["assets"].as_object_mut().unwrap();
        let mut entries = assets.values_mut();
        let first = entries.next().unwrap();
        first["variants"][0]["file"] = "../../feedgen.toml".into();
        first["variants"][1]["file"] = "../../notes.txt".into();
        first["placeholder"] = serde_json::json!({
            "color": "red;background:url(https://evil.example/t.gif)",
            "lqip": "data:image/webp;base64,AAAA"
        });
        let second = entries.next().unwrap();
        planted = second["variants"][0]["file"].as_str().unwrap().to_string();
        // The original is a path too: the hash form or nothing.
        let third = entries.next().unwrap();
        third["original"] = "../../feedgen.toml".into();
    });
    let store_file = site.cache(&format!("media/{planted}"));
    std::fs::remove_file(&store_file).unwrap();
    std::os::unix::fs::symlink(site.path("feedgen.toml"), &store_file).unwrap();

    let run = site.build(&fake, &["--offline"]).expect_code(0);
    assert!(
        run.stderr.contains("tampered cache"),
        "the damage is reported: {}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "my notes",
        "no file is truncated"
    );
    assert_eq!(
        std::fs::read_to_string(site.path("feedgen.toml")).unwrap(),
        config
    );
    assert_output_free_of(&site, CONFIG_SECRET);
    assert_output_free_of(&site, "evil.example");
    for entry in std::fs::read_dir(site.out().join("media")).unwrap() {
        let meta = std::fs::symlink_metadata(entry.unwrap().path()).unwrap();
        assert!(meta.file_type().is_file(), "a planted symlink is published");
    }
    // The dropped variants were made again: the feed is whole.
    assert_eq!(post_ids(&site.json()).len(), 3);
    let again = site.build(&fake, &["--offline"]).expect_code(0);
    assert!(again.stderr.is_empty(), "rebuilt clean: {}", again.stderr);
}

#[test]
fn a_poisoned_snapshot_publishes_no_local_file() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts.clone(), images);
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);
    // A private photo elsewhere on the build machine.
    let private = site.path("private.jpg");
    std::fs::write(&private, sample_images()[5].1.clone()).unwrap();
    edit_json(&site.snapshot(), |v| {
        let post = &mut v["feed"]["posts"][0];
        post["assets"][0]["original"]["file"] = "../../../private.jpg".into();
        post["permalink"] = "javascript:alert(document.cookie)".into();
    });
    std::fs::remove_file(site.cache("manifest.json")).unwrap();

    // Offline, the post whose original is not a content name has no image.
    let run = site.build(&fake, &["--offline"]).expect_code(0);
    run.stderr_has("not named by its content");
    assert_eq!(post_ids(&site.json()), [posts[1].id.clone()]);
    let html = std::fs::read_to_string(site.out().join("feed.html")).unwrap();
    assert!(!html.contains("javascript:"), "{html}");

    // Online, it is downloaded again from the API's URL.
    fake.reset_counts();
    site.build(&fake, &[]).expect_code(0);
    assert_eq!(fake.with(|s| s.cdn_requests), 1);
    assert_eq!(post_ids(&site.json()).len(), 2);
}

#[test]
fn endless_paging_stops_with_a_named_cause() {
    // Empty pages under one cursor, under new cursors, and the same posts
    // again under new cursors: none of them brings a post not read before.
    for (same_cursor, looping) in [(Some(true), false), (Some(false), false), (None, true)] {
        let (posts, images) = account(if looping { 4 } else { 1 });
        let fake = FakeInstagram::start(posts, images);
        fake.with(|s| {
            s.endless_paging = same_cursor;
            s.looping_pages = looping;
            s.max_page_size = 2;
        });
        let site = Site::new("[source]\nmax_posts = 1000\n[http]\nbackoff_ms = 10\nretries = 1\n");
        let started = Instant::now();
        let run = site.build(&fake, &[]).expect_code(4);
        assert!(started.elapsed() < Duration::from_secs(20));
        let requests = fake.with(|s| s.graph_requests.len());
        assert!(requests <= 10, "{requests} requests");
        let cause = if same_cursor == Some(true) {
            "names a page already read"
        } else {
            "3 pages in a row brought no new post"
        };
        assert!(
            run.stderr.contains("paging does not end") && run.stderr.contains(cause),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn pages_shorter_than_asked_for_are_read_to_the_end() {
    // The Graph API filters after it paginates: pages come shorter than
    // `limit`. A 230-post account served 7 a page is read whole.
    let (posts, images) = account(230);
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.max_page_size = 7);
    let site = Site::new(
        "[source]\nmax_posts = 1000\n[images]\nwidths = [320]\nformats = [\"jpeg\"]\n[http]\nbackoff_ms = 10\n",
    );
    let run = site.build(&fake, &[]).expect_code(0);
    assert_eq!(post_ids(&site.json()).len(), 230, "{}", run.stderr);
    let pages = fake.with(|s| {
        s.graph_requests
            .iter()
            .filter(|r| r.ends_with("/media"))
            .count()
    });
    assert_eq!(pages, 230usize.div_ceil(7), "one request a page, none more");
}

#[test]
fn an_absurd_expires_in_keeps_the_new_token_and_does_not_panic() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    let now = Utc::now();
    let state = TokenState {
        version: token::STATE_VERSION,
        input_fingerprint: token::fingerprint(&Token::new(TEST_TOKEN)),
        token: Token::new(TEST_TOKEN),
        obtained_at: now - chrono::Duration::days(50),
        obtained: Obtained::Refreshed,
        expires_at: Some(now + chrono::Duration::days(10)),
        last_refresh_attempt: None,
        last_refresh_error: None,
    };
    let state_file = site.token_state();
    token::save_state(&state_file, &state).unwrap();
    let new = "IGAAnewtokenafterabsurdrefresh0123456789";
    fake.with(|s| {
        s.tokens.insert(
            new.into(),
            FakeToken {
                issued_at: s.now,
                expires_at: s.now + 60 * 86_400,
                long_lived: true,
            },
        );
        let body: &'static str = Box::leak(
            format!(r#"{{"access_token":"{new}","token_type":"bearer","expires_in":9223372036854775807}}"#)
                .into_boxed_str(),
        );
        s.sticky_faults.push((
            "refresh_access_token".into(),
            Fault::Reflect { status: 200, body },
        ));
    });
    let run = site.build(&fake, &[]).expect_code(0);
    run.stderr_has("not believable");
    let saved = token::load_state(&state_file).unwrap().unwrap();
    assert_eq!(saved.token.expose(), new);
    let days = (saved.expires_at.unwrap() - Utc::now()).num_days();
    assert!((59..=60).contains(&days), "{days} days");
    // The next build uses the stored token, and refreshes nothing.
    site.build(&fake, &[]).expect_code(0);
}

/// Every way a Graph server can answer with text, each echoing the request
/// (and so the token) back.
const REFLECTIONS: [(u16, &str); 6] = [
    // A typed field holding the URL: serde quotes it in "invalid type".
    (200, r#"{"data": "@REQUEST@"}"#),
    (200, r#"{"id": 17841400000000001, "username": "@REQUEST@"}"#),
    (
        400,
        r#"{"error": {"message": "bad request @REQUEST@", "type": "OAuthException", "code": 100}}"#,
    ),
    (
        500,
        r#"{"error": {"message": "@REQUEST@", "code": 2, "is_transient": true}}"#,
    ),
    (
        400,
        r#"{"error_type": "@REQUEST@", "code": 400, "error_message": "@REQUEST@"}"#,
    ),
    (502, r#"<html>@REQUEST@</html>"#),
];

#[test]
fn a_reflecting_server_never_gets_the_token_printed() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    // A good build first: then the failures run through stale-on-error and the report too.
    site.build(&fake, &[]).expect_code(0);
    for (status, body) in REFLECTIONS {
        fake.with(|s| {
            s.sticky_faults = vec![("/me".into(), Fault::Reflect { status, body })];
        });
        let mut env = fake_env(&fake);
        env.push(("FEEDGEN_LOG", "debug".into()));
        let run = site.run(&["build", "--report", "json"], &env);
        assert_ne!(run.code, 101, "{}", run.stderr);
        for text in [&run.stdout, &run.stderr] {
            assert!(
                !text.contains(TEST_TOKEN),
                "{status} {body} leaks the token:\n{text}"
            );
        }
        let doctor = site.run(&["doctor"], &fake_env(&fake));
        assert!(!doctor.stdout.contains(TEST_TOKEN) && !doctor.stderr.contains(TEST_TOKEN));
    }
}

#[test]
fn a_reflecting_oauth_server_never_gets_the_app_secret_printed() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    for (status, body) in REFLECTIONS {
        fake.with(|s| {
            s.sticky_faults = vec![("POST".into(), Fault::Reflect { status, body })];
        });
        let env = vec![
            ("FEEDGEN_APP_SECRET", APP_SECRET.to_string()),
            ("FEEDGEN_OAUTH_BASE", fake.base_url()),
            ("FEEDGEN_LOG", "debug".to_string()),
        ];
        let args = [
            "token",
            "exchange-code",
            "--app-id",
            APP_ID,
            "--redirect-uri",
            REDIRECT_URI,
            "--code",
            AUTH_CODE,
        ];
        let run = site.run(&args, &env);
        assert_ne!(run.code, 0);
        for text in [&run.stdout, &run.stderr] {
            assert!(
                !text.contains(APP_SECRET),
                "{body} leaks the app secret:\n{text}"
            );
            assert!(!text.contains(AUTH_CODE), "{body} leaks the code:\n{text}");
        }
    }
}

#[test]
fn a_reflecting_exchange_endpoint_never_gets_the_app_secret_printed() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    let env = [
        ("FEEDGEN_APP_SECRET", APP_SECRET.to_string()),
        ("FEEDGEN_API_BASE", fake.base_url()),
        ("FEEDGEN_LOG", "debug".to_string()),
    ];
    // The app secret travels in the query of GET /access_token.
    let typed = (
        200,
        r#"{"access_token": "IGAAx0123456789", "expires_in": "@REQUEST@"}"#,
    );
    for (status, body) in REFLECTIONS.into_iter().chain([typed]) {
        fake.with(|s| {
            s.sticky_faults = vec![("/access_token".into(), Fault::Reflect { status, body })];
        });
        let run = site.run_with_stdin(
            &["token", "exchange"],
            &env,
            "IGAAshort-NOT-REAL-token-value-0000000000\n",
        );
        assert_ne!(run.code, 0);
        for text in [&run.stdout, &run.stderr] {
            assert!(
                !text.contains(APP_SECRET),
                "{body} leaks the app secret:\n{text}"
            );
        }
    }
}

#[test]
fn the_oauth_base_must_be_https_or_loopback() {
    let site = Site::new(CONFIG);
    let env = vec![
        ("FEEDGEN_APP_SECRET", APP_SECRET.to_string()),
        ("FEEDGEN_OAUTH_BASE", "http://api.instagram.com".to_string()),
    ];
    let args = ["token", "exchange-code", "--app-id", APP_ID];
    let run = site
        .run(
            &[&args[..], &["--redirect-uri", REDIRECT_URI, "--code", "x"]].concat(),
            &env,
        )
        .expect_code(2);
    assert!(
        run.stderr.contains("FEEDGEN_OAUTH_BASE") && run.stderr.contains("plain http"),
        "{}",
        run.stderr
    );
}

#[test]
fn extra_css_publishes_stylesheets_only_and_never_a_token() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);
    let before = tree(&site.out());
    let with_extra = |extra: &str| {
        std::fs::write(
            site.path("feedgen.toml"),
            format!("{CONFIG}[output]\nextra_css = [\"{extra}\"]\n"),
        )
        .unwrap();
        site.build(&fake, &[])
    };
    for (extra, needle) in [
        ("/etc/passwd", "not a .css file"),
        (".feedgen-cache/token-state.json", "not a .css file"),
        (
            ".feedgen-cache/../.feedgen-cache/x.css",
            "inside the cache folder",
        ),
    ] {
        let run = with_extra(extra).expect_code(2);
        run.stderr_has(needle);
    }
    // A stylesheet that holds the token (a copy-paste accident) is refused.
    std::fs::write(site.path("site.css"), format!("/* {TEST_TOKEN} */")).unwrap();
    let run = with_extra("site.css").expect_code(2);
    assert!(
        run.stderr.contains("would hold the access token") && !run.stderr.contains(TEST_TOKEN),
        "{}",
        run.stderr
    );
    assert_eq!(tree(&site.out()), before, "nothing was published");

    // A theme override names its key, never the build machine's folders.
    std::fs::create_dir_all(site.path("theme")).unwrap();
    std::fs::write(site.path("theme/light.css"), ".feedgen{--feedgen-bg:#fff}").unwrap();
    std::fs::write(
        site.path("feedgen.toml"),
        format!("{CONFIG}[output]\ntheme_dir = \"theme\"\n"),
    )
    .unwrap();
    site.build(&fake, &[]).expect_code(0);
    let css = css_of(&site);
    let home = site.dir.path().to_string_lossy().into_owned();
    assert!(!css.contains(&home), "{css}");
}

#[test]
fn server_text_cannot_forge_workflow_commands() {
    let (mut posts, images) = account(3);
    posts[0].id = "1\r\n::error file=x.rs::owned".into();
    posts[1].caption = Some("ok\u{0}\u{8}\u{1b}[31m".into());
    let fake = FakeInstagram::start(posts.clone(), images);
    fake.with(|s| s.username = "evil\n::error::forged\u{1b}[2J".into());
    let site = Site::new(&format!(
        "{CONFIG}[output]\nsite_url = \"https://me.example/\"\n"
    ));
    let mut env = fake_env(&fake);
    env.push(("GITHUB_ACTIONS", "true".into()));
    let run = site.run(&["build"], &env).expect_code(0);
    for line in run.stderr.lines().chain(run.stdout.lines()) {
        assert!(!line.starts_with("::error"), "forged: {line}");
        assert!(!line.contains(['\r', '\u{1b}']), "raw control: {line:?}");
    }
    // The caption's control characters are gone, so atom.xml stays XML.
    let atom = std::fs::read_to_string(site.out().join("atom.xml")).unwrap();
    assert!(
        !atom.contains(|c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t')),
        "{atom:?}"
    );
    let json = site.json();
    let profile = json["account"]["url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!profile.contains('\n'), "{profile}");
}

#[test]
fn token_values_stay_out_of_config_errors_and_token_files_are_bounded() {
    let site = Site::new(&format!("[source]\ntoken = \"{CONFIG_SECRET}\" oops\n"));
    let run = site.run(&["build"], &[]).expect_code(2);
    run.stderr_has("line 2");
    assert!(!run.stderr.contains(CONFIG_SECRET), "{}", run.stderr);

    let site = Site::new("[token]\nfile = \"/dev/zero\"\n");
    let started = Instant::now();
    let run = site.run(&["build"], &[]).expect_code(2);
    assert!(started.elapsed() < Duration::from_secs(5));
    run.stderr_has("larger than");

    let site = Site::new("[token]\nfile = \"token.txt\"\n");
    std::fs::write(site.path("token.txt"), "IGAAone\nIGAAtwo\n").unwrap();
    let run = site.run(&["build"], &[]).expect_code(2);
    run.stderr_has("does not look like an access token");
}

#[test]
fn careless_paths_are_refused_or_followed() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);

    let site = Site::new("[output]\ndir = \"~/feed\"\n");
    let run = site.build(&fake, &[]).expect_code(2);
    run.stderr_has("only a shell expands");
    assert!(!site.path("~").exists());

    // A symlinked output folder is published into, and stays a symlink.
    let site = Site::new(CONFIG);
    std::fs::create_dir_all(site.path("public")).unwrap();
    std::fs::create_dir_all(site.path("srv/feed")).unwrap();
    std::os::unix::fs::symlink(site.path("srv/feed"), site.out()).unwrap();
    site.build(&fake, &[]).expect_code(0);
    site.build(&fake, &[]).expect_code(0);
    assert!(
        std::fs::symlink_metadata(site.out())
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(site.path("srv/feed/feed.html").is_file());

    // Credentials in an API base never reach a message.
    let site = Site::new(CONFIG);
    let mut env = fake_env(&fake);
    env[1].1 = "http://feeduser:hunter2@127.0.0.1:9/".into();
    let run = site.run(&["build"], &env);
    assert_ne!(run.code, 0);
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
}

#[test]
fn an_oversized_api_answer_is_not_asked_for_again() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let huge = format!(
        r#"{{"data": [], "pad": "{}"}}"#,
        "x".repeat(9 * 1024 * 1024)
    );
    fake.with(|s| s.faults.push_back(Fault::Raw(huge.into_bytes())));
    let site = Site::new("[http]\nbackoff_ms = 10\nretries = 3\n");
    let run = site.build(&fake, &[]).expect_code(4);
    run.stderr_has("byte limit");
    assert_eq!(fake.with(|s| s.graph_requests.len()), 1, "{}", run.stderr);
}

#[test]
fn a_stalled_api_ends_at_the_build_deadline_with_the_output_kept() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new("[build]\ndeadline = 2\n[http]\nbackoff_ms = 10\n");
    site.build(&fake, &[]).expect_code(0);
    let before = tree(&site.out());
    fake.with(|s| s.hang_next = Some(Duration::from_secs(30)));
    let started = Instant::now();
    let run = site.build(&fake, &[]).expect_code(4);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    run.stderr_has("build.deadline (2 s)");
    assert_eq!(tree(&site.out()), before, "the previous output stays");
}

#[test]
fn pinned_posts_are_fetched_one_by_one_only_as_far_as_the_feed_shows() {
    let (posts, images) = account(12);
    let pins: Vec<String> = posts[7..].iter().map(|p| format!("\"{}\"", p.id)).collect();
    let fake = FakeInstagram::start(posts.clone(), images);
    let site = Site::new(
        "[source]\nmax_posts = 2\n[filter]\noverrides = \"overrides.toml\"\n[http]\nbackoff_ms = 10\n",
    );
    std::fs::write(
        site.path("overrides.toml"),
        format!("pin = [{}]\n", pins.join(", ")),
    )
    .unwrap();
    let run = site.build(&fake, &[]).expect_code(0);
    let singles = fake.with(|s| {
        s.graph_requests
            .iter()
            .filter(|p| {
                posts
                    .iter()
                    .any(|post| p.as_str() == format!("/{}", post.id))
            })
            .count()
    });
    assert_eq!(singles, 2, "{}", run.stderr);
    run.stderr_has("only the first 2 (source.max_posts)");
}

#[test]
fn a_state_token_with_a_line_break_is_a_damaged_state_never_exported() {
    // The Action masks the exported token's first line only: the rest would
    // run as workflow commands. A cache writer plants such a state.
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    let state_file = site.token_state();
    let now = Utc::now();
    let planted = format!("{TEST_TOKEN}\n::set-env name=NODE_OPTIONS::--require=/tmp/evil.js");
    let state = serde_json::json!({
        "version": token::STATE_VERSION,
        "input_fingerprint": token::fingerprint(&Token::new(TEST_TOKEN)),
        "token": planted,
        "obtained_at": now - chrono::Duration::days(2),
        "obtained": "refreshed",
        "expires_at": now + chrono::Duration::days(50),
        "last_refresh_attempt": null,
        "last_refresh_error": null,
    });
    std::fs::create_dir_all(state_file.parent().unwrap()).unwrap();
    std::fs::write(&state_file, state.to_string()).unwrap();
    let exported = site.path("exported-token");
    let export = site
        .run(
            &["token", "export", "--file", exported.to_str().unwrap()],
            &fake_env(&fake),
        )
        .expect_code(2);
    export.stderr_has("is damaged");
    assert!(!exported.exists(), "nothing is exported");
    for run in [&export, &site.build(&fake, &[]).expect_code(2)] {
        assert!(!run.stderr.contains("::set-env") && !run.stdout.contains("::set-env"));
        assert!(!run.stderr.contains(TEST_TOKEN), "{}", run.stderr);
    }
}

#[test]
fn files_that_would_overwrite_each_other_or_be_published_are_refused() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    // (config, extra build arguments, the keys the error must name)
    let cases: [(&str, &[&str], [&str; 2]); 7] = [
        (
            "[token]\nstate = \"data/feed.json\"\n[output]\ndata_file = \"data/feed.json\"\n",
            &[],
            ["output.data_file", "token.state"],
        ),
        (
            "[token]\nfile = \"data/feed.json\"\n[output]\ndata_file = \"data/feed.json\"\n",
            &[],
            ["output.data_file", "token.file"],
        ),
        (
            "[source]\nsnapshot = \"data\"\n[output]\ndata_file = \"data/feed.json\"\n",
            &[],
            ["output.data_file", "source.snapshot"],
        ),
        (
            "[output]\ndata_file = \"public/feed/data.json\"\n",
            &[],
            ["output.data_file", "output.dir"],
        ),
        (
            "[token]\nstate = \"public/feed/token-state.json\"\n",
            &[],
            ["token.state", "output.dir"],
        ),
        (
            "[token]\nstate = \"site/feed/token-state.json\"\n",
            &["--out", "site/feed"],
            ["token.state", "output.dir"],
        ),
        (
            "[output]\ndata_file = \"data/shop.json\"\n[[feed]]\nname = \"a\"\n[[feed]]\nname = \"b\"\n[feed.token]\nstate = \"data/shop_a.json\"\n",
            &[],
            ["output.data_file", "token.state of the feed `b`"],
        ),
    ];
    for (config, args, keys) in cases {
        let site = Site::new(config);
        let run = site.build(&fake, args).expect_code(2);
        for key in keys {
            run.stderr_has(key);
        }
        // Nothing was written, least of all the token into the output.
        for dir in ["public", "site", "data"] {
            for (path, bytes) in tree(&site.path(dir)) {
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(TEST_TOKEN),
                    "{path}"
                );
            }
        }
        assert!(!site.path("public/feed/token-state.json").exists());
    }
}

#[test]
fn a_base_url_that_climbs_out_of_the_site_is_refused_by_feedgen_and_the_plugin() {
    let hostile = [
        "/feed/../../../etc/",
        "../feed/",
        "https://example.org/a/../../b/",
        "/a/%2E%2E/b/",
        "/feed\\\\..\\\\x/",
        "/feed/\\u0007/",
        "javascript:alert(1)//",
        "http://example.org/feed/",
        "//evil.example/feed/",
    ];
    for base in hostile {
        let site = Site::new(&format!("[output]\nbase_url = \"{base}\"\n"));
        let run = site.run(&["paths"], &[]).expect_code(2);
        run.stderr_has("output.base_url");
    }
    for base in [
        "",
        "/feed/",
        "feed/",
        "https://example.org/feed/",
        "/a/b.c/",
    ] {
        let site = Site::new(&format!("[output]\nbase_url = \"{base}\"\n"));
        site.run(&["paths"], &[]).expect_code(0);
    }
    // The Eleventy plugin copies the output folder to the base URL's path: it
    // refuses one that climbs, whatever feedgen said.
    let plugin =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/npm/feedgen/lib/eleventy.js");
    let script = format!(
        "const {{ urlPath }} = require({:?});\n\
         const bad = ['/a/../../etc', 'https://x.org/../../y', '/a/%2e%2e/b', '/a\\\\b'];\n\
         for (const u of bad) {{ let ok = false; try {{ urlPath(u); }} catch (e) {{ ok = /base_url/.test(e.message); }} if (!ok) throw new Error('accepted ' + u); }}\n\
         if (urlPath('/feed/') !== 'feed' || urlPath('https://x.org/a/b/') !== 'a/b') throw new Error('good paths');\n",
        plugin.display().to_string()
    );
    let out = std::process::Command::new("node")
        .args(["-e", &script])
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
