//! Single posts embedded in the site's pages (`[embed]`): found by the code
//! in each post's permalink while paging (there is no lookup by shortcode),
//! read by id once found, kept through API failures and offline builds, and
//! a plain link when a post cannot be found.

use crate::support::docs::doc_block;
use crate::support::fake_instagram::Fault;
use crate::support::*;

const CONTENT: &str =
    "---\ntitle: A trip\n---\nThe view from the top:\n\n{{< instagram Sc020 >}}\n";

fn config(extra: &str) -> String {
    format!(
        "[source]\nmax_posts = 3\n[embed]\nposts = [\"https://www.instagram.com/tv/Sc026/\", \"Sc001\", \"instagram.com/reel/Sc008/\"]\nscan = [\"content/**/*.md\"]\n{extra}[http]\nbackoff_ms = 10\n"
    )
}

fn requests(fake: &FakeInstagram, pred: impl Fn(&str) -> bool) -> usize {
    fake.with(|s| s.graph_requests.iter().filter(|p| pred(p)).count())
}

fn card(site: &Site, code: &str) -> String {
    std::fs::read_to_string(site.out().join(format!("embeds/{code}.html")))
        .unwrap_or_else(|e| panic!("card of {code}: {e}"))
}

/// The posts: 30, newest first; the embedded ones sit deep in the listing.
fn fake() -> (FakeInstagram, Vec<FakePost>) {
    let (mut posts, images) = account(30);
    posts[26].product_type = "IGTV";
    posts[26].caption =
        Some("Post number 26 <script>alert(1)</script> {{ site.title }} {% raw %}".into());
    let fake = FakeInstagram::start(posts.clone(), images);
    fake.with(|s| s.max_page_size = 5);
    (fake, posts)
}

#[test]
fn embedded_posts_are_found_by_paging_then_read_by_id_and_never_shown_in_the_feed() {
    let (fake, posts) = fake();
    let site = Site::new(&config(""));
    std::fs::create_dir_all(site.path("content/trips")).unwrap();
    std::fs::write(site.path("content/trips/top.md"), CONTENT).unwrap();
    let run = site.build(&fake, &[]).expect_code(0);
    assert!(!run.stderr.contains("embedded post"), "{}", run.stderr);
    // Post 26 is on the sixth page of five: paging went on past the feed's three.
    assert_eq!(requests(&fake, |p| p.ends_with("/media")), 6);

    let json = site.json();
    assert_eq!(
        post_ids(&json),
        [
            posts[0].id.clone(),
            posts[1].id.clone(),
            posts[2].id.clone()
        ]
    );
    let embeds = json["embeds"].as_object().expect("embeds in the JSON");
    let codes: Vec<&String> = embeds.keys().collect();
    assert_eq!(codes, ["Sc001", "Sc008", "Sc020", "Sc026"]);
    for (code, e) in embeds {
        assert_eq!(e["found"], true, "{code}");
        assert_eq!(e["html"].as_str().unwrap(), card(&site, code), "{code}");
    }

    // A card: the post's own images from the site, its caption, its author, its link.
    let tv = card(&site, "Sc026");
    assert!(tv.contains("feedgen--card"), "{tv}");
    assert!(tv.contains("Post number 26"), "{tv}");
    // The caption is text, inert in every generator's template language.
    assert!(tv.contains("&lt;script&gt;alert(1)&lt;/script&gt; &#123;&#123; site.title &#125;&#125; &#123;&#37; raw &#37;&#125;"), "{tv}");
    assert!(
        !tv.contains("<script>alert") && !tv.contains("{{") && !tv.contains("{%"),
        "{tv}"
    );
    assert!(
        tv.contains("href=\"https://www.instagram.com/tv/Sc026/\""),
        "{tv}"
    );
    let user = fake.with(|s| s.username.clone());
    assert!(tv.contains(&format!("@{user}")), "{tv}");
    // Links to Instagram are links; everything that loads comes from the site.
    let urls: Vec<(String, Option<u32>)> = html_urls(&tv)
        .into_iter()
        .filter(|(u, _)| !u.starts_with("https://www.instagram.com/"))
        .collect();
    assert!(!urls.is_empty());
    for (url, _) in &urls {
        let rel = url.trim_start_matches("/feed/");
        assert!(rel.starts_with("media/"), "{url}");
        let file = site.out().join(rel);
        assert!(file.exists(), "{url} is published");
    }
    // An album shows every image.
    let album = card(&site, "Sc001");
    assert_eq!(album.matches("<picture").count(), 3, "{album}");
    assert!(card(&site, "Sc008").contains("/reel/Sc008/"));

    // The next build reads the three posts past the first page by id: no paging to them.
    fake.reset_counts();
    site.build(&fake, &[]).expect_code(0);
    assert_eq!(requests(&fake, |p| p.ends_with("/media")), 1);
    for i in [8, 20, 26] {
        assert_eq!(
            requests(&fake, |p| p.ends_with(&posts[i].id)),
            1,
            "post {i}"
        );
    }
    assert_eq!(card(&site, "Sc026"), tv, "the same card");

    // Deleted on Instagram: a link card, and a warning naming the page that uses it.
    fake.with(|s| s.posts.retain(|p| p.shortcode != "Sc020"));
    let run = site.build(&fake, &[]).expect_code(0);
    run.stderr_has("embedded post Sc020 (named in content/trips/top.md)");
    let gone = card(&site, "Sc020");
    assert!(gone.contains("feedgen--unfound"), "{gone}");
    assert!(
        gone.contains("href=\"https://www.instagram.com/p/Sc020/\""),
        "{gone}"
    );
    assert!(!gone.contains("<img"), "{gone}");
    assert_eq!(site.json()["embeds"]["Sc020"]["found"], false);
}

#[test]
fn cards_survive_an_api_failure_and_offline_builds() {
    let (fake, _) = fake();
    let site = Site::new(&config(""));
    site.build(&fake, &[]).expect_code(0);
    let before = tree(&site.out().join("embeds"));
    assert_eq!(before.len(), 3);

    // The API fails: the last good feed stands in, its cards with it.
    fake.with(|s| s.sticky_faults = vec![("/media".into(), Fault::unavailable())]);
    let run = site.build(&fake, &[]).expect_code(0);
    run.stderr_has("the last good feed");
    assert_eq!(tree(&site.out().join("embeds")), before);

    // Offline: the snapshot holds the embedded posts.
    fake.with(|s| s.sticky_faults.clear());
    let requests_before = fake.with(|s| s.graph_requests.len());
    site.run(&["build", "--offline"], &[]).expect_code(0);
    assert_eq!(fake.with(|s| s.graph_requests.len()), requests_before);
    assert_eq!(tree(&site.out().join("embeds")), before);
}

#[test]
fn a_post_that_cannot_be_found_is_a_plain_link_with_a_warning_naming_its_page() {
    let (fake, posts) = fake();
    let site = Site::new(&config("click_to_load = false\n"));
    std::fs::create_dir_all(site.path("content")).unwrap();
    std::fs::write(
        site.path("content/other.md"),
        "Someone else's: https://www.instagram.com/someone/p/NotOurs_123/?igsh=abc\n",
    )
    .unwrap();
    let run = site.build(&fake, &[]).expect_code(0);
    run.stderr_has("embedded post NotOurs_123 (named in content/other.md)");
    // Looked for through the whole account, never guessed.
    assert_eq!(requests(&fake, |p| p.ends_with("/media")), 6);
    let link = card(&site, "NotOurs_123");
    assert!(
        link.contains("href=\"https://www.instagram.com/p/NotOurs_123/\""),
        "{link}"
    );
    assert!(!link.contains("<script"), "{link}");
    // The feed itself is unchanged by what it embeds.
    assert_eq!(post_ids(&site.json()).len(), 3);
    assert!(posts.len() == 30);
    let scripts = |site: &Site| {
        tree(&site.out().join("media"))
            .into_keys()
            .filter(|n| n.ends_with(".js"))
            .count()
    };
    assert_eq!(scripts(&site), 0);

    // Opted in: the link card offers Meta's embed, by a script of the site's own.
    std::fs::write(site.path("feedgen.toml"), config("click_to_load = true\n")).unwrap();
    site.build(&fake, &[]).expect_code(0);
    let link = card(&site, "NotOurs_123");
    assert!(
        link.contains("data-feedgen-load=\"https://www.instagram.com/p/NotOurs_123/\""),
        "{link}"
    );
    assert!(link.contains("This sends your visit to Meta"), "{link}");
    let src = link.split("<script type=\"module\" src=\"").nth(1).unwrap();
    let src = src.split('"').next().unwrap();
    assert!(site.out().join(src).is_file(), "{src} is published");
    assert!(
        !link.contains("instagram.com/embed.js"),
        "Meta's script is named only in ours"
    );
    // Every post found: no script at all.
    std::fs::remove_file(site.path("content/other.md")).unwrap();
    site.build(&fake, &[]).expect_code(0);
    assert_eq!(scripts(&site), 0);
}

#[test]
fn embed_settings_that_could_hurt_are_refused_with_the_key() {
    for (embed, needle) in [
        (
            "posts = [\"<script>\"]",
            "`<script>` is neither a post's shortcode nor its link",
        ),
        (
            "posts = [\"https://example.com/p/abc/\"]",
            "is neither a post's shortcode nor its link",
        ),
        (
            "scan = [\"../other-site/**/*.md\"]",
            "leaves the config's folder",
        ),
        ("scan = [\"/etc/**\"]", "is absolute"),
        ("scan = [\"content/[.md\"]", "is not a glob pattern"),
    ] {
        let site = Site::new(&format!("[embed]\n{embed}\n"));
        let run = site.run(&["build", "--offline"], &[]).expect_code(2);
        run.stderr_has(needle).stderr_has("embed.");
    }
}

#[cfg(unix)]
#[test]
fn the_scan_does_not_follow_links_out_of_the_site() {
    let (fake, _) = fake();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), "{{< instagram Sc020 >}}").unwrap();
    let site = Site::new(
        "[source]\nmax_posts = 3\n[embed]\nscan = [\"content/*.md\"]\n[http]\nbackoff_ms = 10\n",
    );
    std::fs::create_dir_all(site.path("content")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        site.path("content/linked.md"),
    )
    .unwrap();
    let run = site.build(&fake, &[]).expect_code(0);
    run.stderr_has("content/linked.md leads outside the config's folder");
    assert!(!site.out().join("embeds").exists());
    assert!(
        site.json()
            .get("embeds")
            .is_some_and(|e| e.as_object().unwrap().is_empty())
    );
}

/// The guide's config, with a page that names a post nobody has: the files
/// and the warning are what the guide shows.
#[test]
fn the_guide_config_writes_what_the_guide_shows() {
    let (fake, _) = fake();
    let site = Site::new(&format!(
        "[source]\nmax_posts = 3\n{}",
        doc_block("docs/guides/embeds.md", "embed-config")
    ));
    std::fs::create_dir_all(site.path("content")).unwrap();
    std::fs::write(
        site.path("content/trip.md"),
        "{{< instagram Gone1234567 >}}\n",
    )
    .unwrap();
    let run = site.build(&fake, &[]).expect_code(0);
    let user = fake.with(|s| s.username.clone());
    let warning =
        doc_block("docs/guides/embeds.md", "embed-warning").replace("@you", &format!("@{user}"));
    run.stderr_has(warning.trim());
    let tree = doc_block("docs/guides/embeds.md", "embed-tree");
    let json = site.json();
    for line in tree.lines().filter(|l| l.contains(".html")) {
        let name = line
            .split_whitespace()
            .find(|w| w.ends_with(".html"))
            .unwrap();
        let path = site.out().join("embeds").join(name);
        let card = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let code = name.trim_end_matches(".html");
        assert_eq!(json["embeds"][code]["html"].as_str(), Some(card.as_str()));
        let found = line.contains("a card:");
        assert_eq!(json["embeds"][code]["found"], found, "{line}");
        if found {
            assert!(
                card.starts_with("<section class=\"feedgen feedgen--card h-feed\""),
                "{card}"
            );
        }
    }
}

/// The snapshot is a hint, not the truth: a media id recorded for a post
/// that the API says is another post is not shown as the embedded one.
#[test]
fn a_tampered_snapshot_cannot_swap_an_embedded_post() {
    let (fake, posts) = fake();
    let site = Site::new(&config(""));
    site.build(&fake, &[]).expect_code(0);
    // Give Sc026 the id of post 20 in the snapshot.
    let path = site.snapshot();
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace(
        &format!("\"{}\"", posts[26].id),
        &format!("\"{}\"", posts[20].id),
    );
    std::fs::write(&path, text).unwrap();
    let run = site.build(&fake, &[]).expect_code(0);
    run.stderr_has(&format!(
        "embedded post Sc026: media {} is no longer that post",
        posts[20].id
    ));
    let swapped = card(&site, "Sc026");
    assert!(!swapped.contains("Post number 20"), "{swapped}");
    // The next build pages to it again.
    site.build(&fake, &[]).expect_code(0);
    assert!(card(&site, "Sc026").contains("Post number 26"));
}
