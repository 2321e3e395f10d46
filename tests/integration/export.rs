//! Personal accounts: a feed from Instagram's data export
//! (`source.kind = "export"`), built from test exports in the shapes of
//! shared/docs/data-export.md (never a real person's data): each folder
//! layout, as a folder, a ZIP and a split ZIP; albums and single posts,
//! the caption encoding defect, media whose names lie; and the attacks.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde_json::json;

use crate::support::docs::doc_block;
use crate::support::*;

/// `T H Σ  P Λ T H`, a dash and a flag, each UTF-8 byte escaped as `\u00XX`,
/// as the export writes captions.
const MOJIBAKE: &str = "T H \u{00ce}\u{00a3}  P \u{00ce}\u{009b} T H \u{00e2}\u{0080}\u{0094} \u{00f0}\u{009f}\u{0087}\u{00ab}\u{00f0}\u{009f}\u{0087}\u{00b7} #trip";
const FIXED: &str = "T H Σ  P Λ T H — 🇫🇷 #trip";

/// The bytes of an MP4 and of a HEIC file: what their boxes say, nothing more.
const MP4: &[u8] = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom\0\0\0\x08moov\0\0\0\x08mdat";
const HEIC: &[u8] = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\x08free";

/// An export: its files by path, in one of the layouts Meta has used.
struct Fixture {
    files: BTreeMap<String, Vec<u8>>,
}

impl Fixture {
    /// `posts_dir`: where the posts files sit in this era's layout.
    fn new(posts_dir: &str) -> Fixture {
        let photos: Vec<Vec<u8>> = sample_images().into_iter().map(|(_, b)| b).collect();
        let mut files = BTreeMap::new();
        let mut media = |name: &str, bytes: &[u8]| {
            files.insert(format!("media/posts/{name}"), bytes.to_vec());
            format!("media/posts/{name}")
        };
        // A real WebP, as exports from 2022 on hold.
        let mut webp = std::io::Cursor::new(Vec::new());
        image::load_from_memory(&photos[0])
            .unwrap()
            .thumbnail(640, 640)
            .write_to(&mut webp, image::ImageFormat::WebP)
            .unwrap();
        let a = media("202207/a_17947807811026598.webp", webp.get_ref());
        let b = media("202207/b_17944245539130979.jpg", &photos[1]);
        let c = media("202207/c_17900000000000001.jpg", &photos[2]);
        // A JPEG named .heic (Instagram has served those), a real HEIC, a video.
        let lying = media("202406/d_17900000000000002.heic", &photos[3]);
        let heic = media("202406/e_17900000000000003.heic", HEIC);
        let video = media("202407/f_17995561811639023.mp4", MP4);
        let single = media("202301/g_17900000000000004.jpg", &photos[4]);
        let posts = json!([
            // An album: caption and time at the top, children untitled.
            {"media": [
                {"uri": a, "creation_timestamp": 1657665069, "title": "",
                 "media_metadata": {"photo_metadata": {"exif_data": [{"latitude": 53.141186112, "longitude": 11.038734576}]}}},
                {"uri": b, "creation_timestamp": 1657665069, "title": ""},
                {"uri": c, "creation_timestamp": 1657665069, "title": ""}],
             "title": MOJIBAKE, "creation_timestamp": 1657665070},
            // Single posts: caption and time on their one medium.
            {"media": [{"uri": single, "creation_timestamp": 1672574400, "title": "New year {{ site.title }}",
                        "cross_post_source": {"source_app": "FB"}}]},
            {"media": [{"uri": lying, "creation_timestamp": 1718000000, "title": "Named .heic, a JPEG inside"}]},
            {"media": [{"uri": heic, "creation_timestamp": 1718100000, "title": "A real HEIC"}]},
            // Not posts: no media, no date.
            {"media": []},
            {"title": "no media at all"}
        ]);
        files.insert(
            format!("{posts_dir}/posts_1.json"),
            posts.to_string().into_bytes(),
        );
        files.insert(
            format!("{posts_dir}/reels.json"),
            json!({"ig_reels_media": [{"media": [{"uri": video, "creation_timestamp": 1720384529, "title": "",
                "backup_uri": "https://interncache-ldc.fbcdn.net/o1/v/t16/f2/m69/AQNVW?oe=67A965C8"}],
                "title": "What a day trip", "creation_timestamp": 1720384531}]})
            .to_string()
            .into_bytes(),
        );
        // What must never be read: stories, messages.
        files.insert(
            format!("{posts_dir}/stories.json"),
            json!({"ig_stories": [{"uri": c, "creation_timestamp": 1, "title": "A story"}]})
                .to_string()
                .into_bytes(),
        );
        files.insert(
            "your_instagram_activity/messages/inbox/friend_1/message_1.json".into(),
            json!({"messages": [{"content": "PRIVATE MESSAGE TEXT"}]})
                .to_string()
                .into_bytes(),
        );
        files.insert("media/profile/profile.jpg".into(), photos[5].clone());
        files.insert(
            "personal_information/personal_information/personal_information.json".into(),
            json!({"profile_user": [{"string_map_data": {
                    "Username": {"value": "someone.personal"},
                    "Name": {"value": "Som\u{00c3}\u{00a9}one"}},
                "media_map_data": {"Profile photo": {"uri": "media/profile/profile.jpg"}}}]})
            .to_string()
            .into_bytes(),
        );
        Fixture { files }
    }

    fn write_folder(&self, dir: &Path) {
        for (rel, bytes) in &self.files {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }

    /// A ZIP of the files whose names `pick` keeps, under `top/` when given.
    fn write_zip(&self, path: &Path, top: Option<&str>, pick: impl Fn(&str) -> bool) {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (rel, bytes) in self.files.iter().filter(|(r, _)| pick(r)) {
            let name = top.map_or_else(|| rel.clone(), |t| format!("{t}/{rel}"));
            zip.start_file(name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }
}

fn site_for(export: &str, extra: &str) -> Site {
    Site::new(&format!(
        "[source]\nkind = \"export\"\nexport = \"{export}\"\n[output]\nheader = true\ncaptions = true\n{extra}"
    ))
}

/// The feed every layout must give: newest first, the video and the real
/// HEIC left out, the rest as the person posted it.
fn check_feed(site: &Site, run: &Run) {
    let json = site.json();
    assert_eq!(json["account"]["username"], "someone.personal", "{json}");
    assert_eq!(json["account"]["name"], "Soméone");
    assert!(
        json["account"]["avatar"].is_object(),
        "the profile photo is the avatar"
    );
    let posts = json["posts"].as_array().unwrap();
    let captions: Vec<&str> = posts
        .iter()
        .map(|p| p["caption"].as_str().unwrap())
        .collect();
    assert_eq!(
        captions,
        [
            "Named .heic, a JPEG inside",
            "New year {{ site.title }}",
            FIXED
        ],
        "{}",
        run.stderr
    );
    assert_eq!(posts[2]["type"], "carousel");
    assert_eq!(posts[2]["images"].as_array().unwrap().len(), 3);
    assert_eq!(posts[2]["timestamp"], "2022-07-12T22:31:10Z");
    for p in posts {
        assert!(p["permalink"].is_null(), "never a guessed link: {p}");
    }
    let report = run.json();
    assert_eq!(report["origin"], "export", "{report}");
    let left = report["left_out_posts"].to_string();
    assert!(
        left.contains("is a video, and the export has no poster"),
        "{left}"
    );
    assert!(
        left.contains("is HEIC, which feedgen does not decode"),
        "{left}"
    );
    // Nothing but the posts' content reaches the output.
    for (name, bytes) in tree(&site.out()) {
        let text = String::from_utf8_lossy(&bytes);
        for private in [
            "53.141186",
            "PRIVATE MESSAGE",
            "A story",
            "fbcdn",
            "interncache",
        ] {
            assert!(!text.contains(private), "{private} in {name}");
        }
    }
}

#[test]
fn every_layout_as_a_folder_a_zip_and_a_zip_with_a_top_folder_gives_the_same_feed() {
    for posts_dir in [
        "content",
        "your_instagram_activity/content",
        "your_instagram_activity/media",
    ] {
        let fixture = Fixture::new(posts_dir);
        // The unzipped folder.
        let site = site_for("export", "");
        fixture.write_folder(&site.path("export"));
        let run = site.run(&["build", "--report", "json"], &[]).expect_code(0);
        check_feed(&site, &run);
        // The ZIP as downloaded, with and without one top folder.
        for top in [None, Some("instagram-someone.personal-2026-12-01-AbCd")] {
            let site = site_for("export.zip", "");
            fixture.write_zip(&site.path("export.zip"), top, |_| true);
            let run = site.run(&["build", "--report", "json"], &[]).expect_code(0);
            check_feed(&site, &run);
        }
    }
}

#[test]
fn a_split_export_finds_media_named_in_one_part_and_stored_in_another() {
    let fixture = Fixture::new("your_instagram_activity/media");
    let site = site_for("parts", "");
    std::fs::create_dir_all(site.path("parts")).unwrap();
    fixture.write_zip(&site.path("parts/part-1.zip"), Some("export"), |r| {
        !r.starts_with("media/posts/202207")
    });
    fixture.write_zip(&site.path("parts/part-2.zip"), Some("export"), |r| {
        r.starts_with("media/posts/202207")
    });
    let run = site.run(&["build", "--report", "json"], &[]).expect_code(0);
    check_feed(&site, &run);
}

#[test]
fn an_html_export_is_refused_with_what_to_request_instead() {
    let site = site_for("export", "");
    std::fs::create_dir_all(site.path("export/your_instagram_activity/media")).unwrap();
    std::fs::write(
        site.path("export/your_instagram_activity/media/posts_1.html"),
        "<html></html>",
    )
    .unwrap();
    let run = site.run(&["build"], &[]).expect_code(5);
    run.stderr_has("it is an export in HTML. Request it again with the format JSON");
    assert!(!site.out().exists());
    // Not an export at all; a setting that is missing.
    std::fs::remove_dir_all(site.path("export")).unwrap();
    std::fs::create_dir_all(site.path("export")).unwrap();
    site.run(&["build"], &[])
        .expect_code(5)
        .stderr_has("holds no posts_1.json or reels.json");
    let bare = Site::new("[source]\nkind = \"export\"\n");
    bare.run(&["build"], &[])
        .expect_code(2)
        .stderr_has("source.export");
}

#[test]
fn a_newer_export_replaces_the_last_and_unchanged_images_are_not_made_again() {
    let fixture = Fixture::new("content");
    let site = site_for("export.zip", "");
    fixture.write_zip(&site.path("export.zip"), None, |_| true);
    site.run(&["build"], &[]).expect_code(0);
    let first = site.json();
    assert_eq!(first["posts"].as_array().unwrap().len(), 3);
    // The next export: the single post of 2023 was deleted on Instagram.
    let mut newer = Fixture::new("content");
    let posts: serde_json::Value =
        serde_json::from_slice(&newer.files["content/posts_1.json"]).unwrap();
    let kept: Vec<_> = posts
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p.to_string().contains("New year"))
        .cloned()
        .collect();
    newer.files.insert(
        "content/posts_1.json".into(),
        json!(kept).to_string().into_bytes(),
    );
    newer.write_zip(&site.path("export.zip"), Some("newer"), |_| true);
    let run = site.run(&["build", "--report", "json"], &[]).expect_code(0);
    let json = site.json();
    let captions: Vec<&str> = json["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["caption"].as_str().unwrap())
        .collect();
    assert_eq!(captions, ["Named .heic, a JPEG inside", FIXED]);
    // The same files: the same ids, and no image decoded or encoded again.
    assert_eq!(json["posts"][0]["id"], first["posts"][0]["id"]);
    let media = &run.json()["media"];
    assert_eq!(media["encoded"], 0, "{media}");
    assert_eq!(media["decoded"], 0, "{media}");
}

#[test]
fn hostile_archives_are_read_only_where_they_are_safe() {
    let fixture = Fixture::new("content");
    let site = site_for("export.zip", "");
    let path = site.path("export.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let stored = zip::write::SimpleFileOptions::default();
    let deflated = stored.compression_method(zip::CompressionMethod::Deflated);
    for (rel, bytes) in &fixture.files {
        zip.start_file(rel.as_str(), deflated).unwrap();
        zip.write_all(bytes).unwrap();
    }
    // Names that climb out or are absolute, a link out, a bomb, a lying image.
    for name in [
        "../../outside.txt",
        "/tmp/feedgen-absolute.txt",
        "media\\..\\..\\win.txt",
    ] {
        zip.start_file(name, stored).unwrap();
        zip.write_all(b"escaped").unwrap();
    }
    zip.add_symlink("media/posts/link.jpg", "/etc/passwd", stored)
        .unwrap();
    zip.start_file("media/posts/bomb.jpg", deflated).unwrap();
    zip.write_all(&vec![0u8; 64 << 20]).unwrap();
    zip.start_file("media/posts/text.jpg", stored).unwrap();
    zip.write_all(b"<html>not an image</html>").unwrap();
    zip.start_file("content/posts_2.json", stored).unwrap();
    zip.write_all(
        json!([
            {"media": [{"uri": "media/posts/link.jpg", "creation_timestamp": 1600000000, "title": "link"}]},
            {"media": [{"uri": "media/posts/bomb.jpg", "creation_timestamp": 1600000001, "title": "bomb"}]},
            {"media": [{"uri": "media/posts/text.jpg", "creation_timestamp": 1600000002, "title": "text"}]},
            {"media": [{"uri": "../../outside.txt", "creation_timestamp": 1600000003, "title": "out"}]}
        ])
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    zip.start_file("content/posts_3.json", stored).unwrap();
    zip.write_all(b"[{\"media\": [ {\"uri\": ").unwrap();
    zip.finish().unwrap();

    let run = site.run(&["build", "--report", "json"], &[]).expect_code(0);
    // The safe posts are all there; each hostile one is left out, with why.
    assert_eq!(site.json()["posts"].as_array().unwrap().len(), 3);
    let left = run.json()["left_out_posts"].to_string();
    for why in [
        "media/posts/link.jpg is not in the export",
        "media/posts/bomb.jpg is not in the export",
        "media/posts/text.jpg is not an image",
        "../../outside.txt is not in the export",
    ] {
        assert!(left.contains(why), "{why}: {left}");
    }
    run.stderr_has("content/posts_3.json is not JSON");
    run.stderr_has("(a link, or a name outside the export)");
    run.stderr_has("too large or compressed beyond any real file");
    // Nothing was written outside the site.
    assert!(
        !site
            .dir
            .path()
            .parent()
            .unwrap()
            .join("outside.txt")
            .exists()
    );
    assert!(!Path::new("/tmp/feedgen-absolute.txt").exists());
}

/// The guide's config, word for word, with the export where it says.
#[test]
fn the_guide_config_builds_the_feed() {
    let site = Site::new(&doc_block(
        "docs/guides/personal-accounts.md",
        "personal-config",
    ));
    Fixture::new("your_instagram_activity/media").write_zip(
        &site.path("instagram-export.zip"),
        None,
        |_| true,
    );
    site.run(&["build"], &[]).expect_code(0);
    assert_eq!(site.json()["posts"].as_array().unwrap().len(), 3);
}

/// `feedgen doctor` says what the export holds and how old it is; an old
/// one is named by the build too; a wrong one fails with the step to take.
#[test]
fn doctor_reports_the_export_and_its_age() {
    let site = site_for("export.zip", "export_max_age = 30\n");
    let config = std::fs::read_to_string(site.path("feedgen.toml")).unwrap();
    // The key belongs in [source]: move it there.
    let config = config
        .replace("export_max_age = 30\n", "")
        .replace("[source]\n", "[source]\nexport_max_age = 30\n");
    std::fs::write(site.path("feedgen.toml"), config).unwrap();
    Fixture::new("your_instagram_activity/media")
        .write_zip(&site.path("export.zip"), None, |_| true);
    let run = site.run(&["doctor"], &[]).expect_code(0);
    assert!(
        run.stdout.contains("✔ export ")
            && run.stdout.contains(": 5 posts (1 reels) from 2022-07-12 to 2024-07-07 of @someone.personal; written 0 days ago"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("token"),
        "no token is needed: {}",
        run.stdout
    );
    // The guide's line, numbers and names aside.
    let shape = |s: &str| {
        let mut out = String::new();
        for c in s.chars() {
            if !(c.is_ascii_digit() && out.ends_with('0')) {
                out.push(if c.is_ascii_digit() { '0' } else { c });
            }
        }
        out
    };
    let guide = doc_block("docs/guides/personal-accounts.md", "personal-doctor");
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("✔ export"))
        .unwrap();
    let line = line
        .replace("@someone.personal", "@you")
        .replace(" export.zip", " instagram-export.zip");
    assert_eq!(shape(&line), shape(guide.trim()));

    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(45 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(site.path("export.zip"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let run = site.run(&["doctor"], &[]).expect_code(0);
    assert!(
        run.stdout
            .contains("! export is 45 days old (source.export_max_age = 30)"),
        "{}",
        run.stdout
    );
    site.run(&["build"], &[])
        .expect_code(0)
        .stderr_has("days old (source.export_max_age = 30)");

    std::fs::write(site.path("export.zip"), b"PK\x03\x04 not really").unwrap();
    let run = site.run(&["doctor"], &[]).expect_code(5);
    assert!(
        run.stdout
            .contains("✘ export: cannot read the Instagram export"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("fix: point source.export at the ZIP Instagram sent"),
        "{}",
        run.stdout
    );
}

/// `init --source export` writes a config for the export, keeps the export
/// out of git, and refuses an export inside the published folder.
#[test]
fn init_for_an_export_and_an_export_never_inside_the_output() {
    let site = Site::new("");
    std::fs::remove_file(site.path("feedgen.toml")).unwrap();
    let run = site
        .run(&["init", "--source", "export", "--ssg", "hugo"], &[])
        .expect_code(0);
    assert!(
        run.stdout
            .contains("download your Instagram export in JSON to ./instagram-export.zip"),
        "{}",
        run.stdout
    );
    let ignore = std::fs::read_to_string(site.path(".gitignore")).unwrap();
    assert!(
        ignore.lines().any(|l| l == "/instagram-export.zip"),
        "{ignore}"
    );
    Fixture::new("your_instagram_activity/media").write_zip(
        &site.path("instagram-export.zip"),
        None,
        |_| true,
    );
    site.run(&["build"], &[]).expect_code(0);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.path("static/feed/feed.json")).unwrap())
            .unwrap();
    assert_eq!(json["posts"].as_array().unwrap().len(), 3);

    let inside = site_for("public/feed/export.zip", "");
    inside
        .run(&["build"], &[])
        .expect_code(2)
        .stderr_has("source.export")
        .stderr_has("which feedgen publishes");
}

/// The layout of exports before 2021: `media.json` with a list of photos.
#[test]
fn an_export_from_before_2021_reads_its_media_json() {
    let photos = sample_images();
    let site = site_for("old", "");
    let dir = site.path("old");
    std::fs::create_dir_all(dir.join("photos/201906")).unwrap();
    std::fs::write(dir.join("photos/201906/x.jpg"), &photos[0].1).unwrap();
    std::fs::write(
        dir.join("media.json"),
        json!({"photos": [{"caption": "Caf\u{00c3}\u{00a9} in 2019", "taken_at": "2019-06-01T10:00:00+00:00",
                "path": "photos/201906/x.jpg", "location": "Somewhere"}],
               "direct": [{"path": "direct/secret.jpg"}]})
        .to_string(),
    )
    .unwrap();
    site.run(&["build"], &[]).expect_code(0);
    let json = site.json();
    assert_eq!(json["posts"][0]["caption"], "Café in 2019");
    assert_eq!(json["posts"][0]["timestamp"], "2019-06-01T10:00:00Z");
    assert!(
        !std::fs::read_to_string(site.out().join("feed.json"))
            .unwrap()
            .contains("Somewhere")
    );
}

/// The export's settings that make no sense are refused with their key.
#[test]
fn export_settings_that_make_no_sense_are_refused() {
    for (config, needle) in [
        ("[source]\nexport = \"x.zip\"\n", "source.export"),
        (
            "[source]\nkind = \"facebook\"\nexport = \"x.zip\"\n",
            "is read only with source.kind = \"export\"",
        ),
        (
            "[source]\nkind = \"export\"\nexport = \"x.zip\"\nexport_max_age = 0\n",
            "source.export_max_age",
        ),
    ] {
        Site::new(config)
            .run(&["build"], &[])
            .expect_code(2)
            .stderr_has(needle);
    }
}
