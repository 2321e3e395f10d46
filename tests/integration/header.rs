//! The profile header of your own account (`output.header`): the profile read
//! from `/me`, the avatar downloaded once and self-hosted, a host without
//! profile fields, and the avatar's paths attacked from the API and the snapshot.

use crate::support::fake_instagram::Fault;
use crate::support::*;

const CONFIG: &str = "[output]\nheader = true\nheader_counts = true\n[http]\nbackoff_ms = 10\n";

fn start() -> FakeInstagram {
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.picture = Some(s.posts[0].image.clone()));
    fake
}

fn header(site: &Site) -> String {
    let html = std::fs::read_to_string(site.out().join("feed.html")).unwrap();
    html.split("<header")
        .nth(1)
        .and_then(|h| h.split("</header>").next())
        .map(str::to_string)
        .unwrap_or_default()
}

#[test]
fn the_header_shows_the_profile_with_a_self_hosted_avatar_made_once() {
    let fake = start();
    let site = Site::new(CONFIG);
    let first = site.build(&fake, &["--report", "json"]).expect_code(0);
    assert_eq!(
        first.json()["media"]["downloaded"],
        6,
        "the five images of three posts (one an album of three), and the avatar"
    );
    let json = site.json();
    let account = &json["account"];
    assert_eq!(account["name"], "Feedgen Test");
    assert_eq!(account["followers_count"], 1234);
    assert_eq!(account["media_count"], 3);
    let variants = account["avatar"]["variants"].as_array().unwrap();
    let widths: Vec<u64> = variants
        .iter()
        .map(|v| v["width"].as_u64().unwrap())
        .collect();
    assert!(
        widths.contains(&48) && widths.contains(&144),
        "1x to 3x of 48 px: {widths:?}"
    );
    for v in variants {
        let url = v["url"].as_str().unwrap();
        assert!(url.starts_with("media/"), "{url}");
        assert!(site.out().join(url).is_file(), "{url} is published");
    }
    let h = header(&site);
    for needle in [
        "href=\"https://www.instagram.com/feedgen.test/\"",
        "Feedgen Test",
        "@feedgen.test",
        "3 posts · 1,234 followers",
        "sizes=\"48px\"",
    ] {
        assert!(h.contains(needle), "{needle}: {h}");
    }
    assert!(!h.contains("127.0.0.1") && !h.contains("/cdn/"), "{h}");

    // A rebuild downloads nothing, the avatar included.
    fake.reset_counts();
    let again = site.build(&fake, &["--report", "json"]).expect_code(0);
    assert_eq!(again.json()["media"]["downloaded"], 0);
    assert_eq!(fake.with(|s| s.cdn_requests), 0);

    // A new profile picture (a new CDN path) is a new avatar.
    fake.with(|s| s.picture = Some(s.posts[1].image.clone()));
    let changed = site.build(&fake, &["--report", "json"]).expect_code(0);
    assert_eq!(changed.json()["media"]["downloaded"], 1);
    assert_ne!(
        site.json()["account"]["avatar"]["asset_id"],
        account["avatar"]["asset_id"]
    );

    // Only while the header is on is the profile asked for.
    fake.reset_counts();
    let plain = Site::new("[http]\nbackoff_ms = 10\n");
    plain.build(&fake, &[]).expect_code(0);
    assert!(plain.json()["account"].get("avatar").is_none());
    assert!(
        !std::fs::read_to_string(plain.out().join("feed.html"))
            .unwrap()
            .contains("<header")
    );
}

#[test]
fn a_host_without_profile_fields_gives_a_header_with_the_username_only() {
    let fake = start();
    fake.with(|s| {
        s.sticky_faults = vec![(
            "profile_picture_url".into(),
            Fault::Graph {
                status: 400,
                body: serde_json::json!({"error": {"message": "(#100) Tried accessing nonexisting field (profile_picture_url) on node type (User)", "type": "IGApiException", "code": 100, "fbtrace_id": "AzProfile"}}),
                headers: vec![],
            },
        )]
    });
    let site = Site::new(CONFIG);
    let run = site.build(&fake, &[]).expect_code(0);
    run.stderr_has("serves no profile");
    let h = header(&site);
    assert!(h.contains("@feedgen.test") && !h.contains("<img"), "{h}");
}

#[test]
fn a_hostile_profile_from_the_api_is_text_and_its_picture_is_never_fetched_off_the_allowed_hosts() {
    let fake = start();
    fake.with(|s| {
        s.sticky_faults = vec![(
            "profile_picture_url".into(),
            Fault::Graph {
                status: 200,
                body: serde_json::json!({"id": "17841400000000001", "username": "feedgen.test",
                    "name": "<img src=x onerror=alert(1)>{{ site.title }}\u{7}",
                    "followers_count": 5, "media_count": 3,
                    "profile_picture_url": "http://169.254.169.254/latest/meta-data/avatar.jpg"}),
                headers: vec![],
            },
        )]
    });
    let site = Site::new(CONFIG);
    let run = site.build(&fake, &[]).expect_code(0);
    assert!(
        run.stderr.contains("the profile picture of @feedgen.test")
            && run.stderr.contains("header is shown without it"),
        "{}",
        run.stderr
    );
    let h = header(&site);
    assert!(
        !h.contains("<img") && !h.contains("{{") && !h.contains('\u{7}'),
        "{h}"
    );
    assert!(h.contains("&lt;img src=x"), "{h}");
    assert!(!site.json().to_string().contains("169.254"));
}

#[test]
fn a_tampered_snapshot_cannot_point_the_avatar_elsewhere() {
    let site = Site::new(&format!(
        "[source]\noffline = true\nsnapshot = \"snapshot\"\n{CONFIG}"
    ));
    copy_sample_snapshot(&site.path("snapshot"));
    let path = site.path("snapshot/feed.json");
    let pristine: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut snap = pristine.clone();
        f(&mut snap["feed"]["account"]);
        std::fs::write(&path, snap.to_string()).unwrap();
    };

    // An avatar id feedgen never makes, or another account's, is dropped.
    for id in [
        "../../../etc/passwd",
        "17841400000000000:avatar-zz",
        "1:avatar-bcd9fb66982d",
    ] {
        with(&|a| a["avatar"]["id"] = serde_json::json!(id));
        let run = site.run(&["build"], &[]).expect_code(0);
        let h = header(&site);
        assert!(
            h.contains("@feedgen.sample") && !h.contains("<img"),
            "{id}: {h}"
        );
        assert!(!run.stderr.contains("passwd"), "{}", run.stderr);
    }
    // An original outside the snapshot's content store is never read.
    with(&|a| a["avatar"]["original"]["file"] = serde_json::json!("../../feedgen.toml"));
    let run = site.run(&["build"], &[]).expect_code(0);
    run.stderr_has("profile picture");
    assert!(!header(&site).contains("<img"));
    // An account id that is not one makes the snapshot unusable, with a way out.
    with(&|a| a["id"] = serde_json::json!("1 OR 1=1"));
    let run = site.run(&["build"], &[]).expect_code(5);
    assert!(
        run.stderr.contains("not a string of digits") && run.stderr.contains("online build"),
        "{}",
        run.stderr
    );
    // Untouched, the sample's avatar shows.
    with(&|_| {});
    site.run(&["build"], &[]).expect_code(0);
    assert!(header(&site).contains("<img"));
}
