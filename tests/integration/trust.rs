//! A shared CI cache is written by others: every file of the content store and
//! the snapshot is trusted for its bytes, never for its name. Each test is the
//! attack of someone who can write the cache (same-length impostors, hard
//! links to the site's secrets); each published what it planted before the
//! store checked content.

use std::path::{Path, PathBuf};

use crate::support::*;

const CONFIG: &str = "[images]\nvideo = \"mp4\"\n[output]\nviewer = true\n\
                      [http]\nbackoff_ms = 10\nretries = 1\n";

/// The sample site's clip (H.264, 3 s).
fn clip() -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("example-site/sample-snapshot/originals");
    std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "mp4"))
        .map(|p| std::fs::read(p).unwrap())
        .expect("the sample clip")
}

/// A built site whose third post is a video with its MP4 downloaded.
fn built() -> (FakeInstagram, Site) {
    let (mut posts, mut images) = account(3);
    posts[2].video = Some("reel.mp4".into());
    images.insert("reel.mp4".into(), clip());
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    site.build(&fake, &[]).expect_code(0);
    (fake, site)
}

/// The files in `dir` whose names end in `.ext`.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    found.sort();
    found
}

/// `payload` padded with spaces to exactly `len` bytes, as an attacker keeps a file's length.
fn same_length(payload: &str, len: usize) -> Vec<u8> {
    assert!(payload.len() <= len);
    let mut bytes = payload.as_bytes().to_vec();
    bytes.resize(len, b' ');
    bytes
}

/// Replaces the file at `path` by `bytes`, as a cache restore would: a new inode.
fn plant(path: &Path, bytes: &[u8]) {
    std::fs::remove_file(path).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Every published media file holds the bytes its name says.
fn assert_published_by_content(site: &Site) {
    let media = site.out().join("media");
    let mut count = 0;
    for entry in std::fs::read_dir(&media).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let hash = blake3::hash(&std::fs::read(&path).unwrap()).to_hex();
        assert!(
            name.starts_with(&hash[..32]),
            "{name} is published with other bytes than its name says"
        );
        count += 1;
    }
    assert!(count > 5, "the output has its media");
}

#[test]
fn a_same_length_script_or_stylesheet_in_the_cache_is_never_published() {
    let (fake, site) = built();
    let store = site.cache("media");
    let script = files(&store, "js")
        .pop()
        .expect("the viewer script is stored");
    let sheet = files(&store, "css")
        .pop()
        .expect("the stylesheet is stored");
    let script_len = std::fs::metadata(&script).unwrap().len() as usize;
    let sheet_len = std::fs::metadata(&sheet).unwrap().len() as usize;
    plant(&script, &same_length("alert(document.cookie)", script_len));
    plant(&sheet, &same_length("body{display:none}", sheet_len));

    // A rebuild into an empty output: everything is linked from the store.
    std::fs::remove_dir_all(site.out()).unwrap();
    let run = site.build(&fake, &["--offline"]).expect_code(0);
    assert!(
        run.stderr.contains("tampered cache"),
        "the damage is reported: {}",
        run.stderr
    );
    for (path, bytes) in tree(&site.out()) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("alert(document.cookie)"),
            "{path} is the planted script"
        );
        assert!(
            !text.contains("body{display:none}"),
            "{path} is the planted stylesheet"
        );
    }
    assert_published_by_content(&site);
    // The store is mended, not just bypassed: the next build warns no more.
    let again = site.build(&fake, &["--offline"]).expect_code(0);
    assert!(!again.stderr.contains("tampered"), "{}", again.stderr);
}

#[test]
fn a_variant_hard_linked_to_the_sites_secrets_is_never_published() {
    let (fake, site) = built();
    let secret = site.path(".env");
    std::fs::write(&secret, "DEPLOY_KEY=hunter2-do-not-publish\n").unwrap();
    let store = site.cache("media");
    let variant = files(&store, "webp").remove(0);
    let victim = files(&store, "jpg").remove(0);
    // A tar-restored cache keeps hard links: a regular file, the site's `.env`.
    std::fs::remove_file(&variant).unwrap();
    std::fs::hard_link(&secret, &variant).unwrap();
    // And a variant of the same length with other pixels (another photo's bytes).
    let len = std::fs::metadata(&victim).unwrap().len() as usize;
    plant(&victim, &same_length("not the photo", len));

    std::fs::remove_dir_all(site.out()).unwrap();
    let run = site.build(&fake, &["--offline"]).expect_code(0);
    run.stderr_has("tampered cache");
    for (path, bytes) in tree(&site.out()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("hunter2"),
            "{path} publishes the site's .env"
        );
    }
    assert_published_by_content(&site);
    assert_eq!(
        std::fs::read_to_string(&secret).unwrap(),
        "DEPLOY_KEY=hunter2-do-not-publish\n",
        "mending the store never writes through the link"
    );
}

#[test]
fn a_replaced_video_or_original_is_made_again_from_its_true_bytes() {
    let (fake, site) = built();
    let video = files(&site.cache("media"), "mp4").remove(0);
    let len = std::fs::metadata(&video).unwrap().len() as usize;
    plant(&video, &same_length("<html>phishing</html>", len));
    // Its copy in the snapshot too, and one original photo: online, both come
    // again from the CDN.
    let kept = files(&site.cache("snapshot/originals"), "mp4").remove(0);
    plant(&kept, &same_length("<html>phishing</html>", len));
    let original = files(&site.cache("snapshot/originals"), "jpg").remove(0);
    let original_len = std::fs::metadata(&original).unwrap().len() as usize;
    plant(&original, &same_length("not a photo", original_len));

    std::fs::remove_dir_all(site.out()).unwrap();
    let run = site.build(&fake, &["--report", "json"]).expect_code(0);
    run.stderr_has("tampered cache");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["media"]["videos_downloaded"], 1, "{}", run.stdout);
    assert!(
        report["media"]["downloaded"].as_u64().unwrap() >= 1,
        "{}",
        run.stdout
    );
    assert_published_by_content(&site);
    let published = files(&site.out().join("media"), "mp4");
    assert_eq!(std::fs::read(&published[0]).unwrap(), clip());
}

#[test]
fn offline_a_replaced_original_is_left_out_not_decoded() {
    let (fake, site) = built();
    // Every original photo replaced, and every variant gone: offline there is
    // nothing true to make them from.
    for original in files(&site.cache("snapshot/originals"), "jpg") {
        let len = std::fs::metadata(&original).unwrap().len() as usize;
        plant(&original, &same_length("not a photo", len));
    }
    std::fs::remove_dir_all(site.cache("media")).unwrap();
    std::fs::remove_dir_all(site.out()).unwrap();
    let run = site.build(&fake, &["--offline"]);
    run.stderr_has("tampered cache");
    if run.code == 0 {
        assert_published_by_content(&site);
    }
    assert!(
        !run.stderr.contains("decode"),
        "a replaced original is never decoded: {}",
        run.stderr
    );
}
