//! The image stage end to end: AVIF opt-in and cached, and a warm rebuild of a
//! 1,000-post account that downloads and decodes nothing.

use std::collections::HashMap;

use crate::support::*;

fn tiny_jpeg(seed: u32) -> Vec<u8> {
    let (w, h) = (48u16, 40u16);
    let pixels: Vec<u8> = (0..u32::from(w) * u32::from(h))
        .flat_map(|i| [(seed * 7 + i) as u8, (seed * 13) as u8, (i / 48 * 5) as u8])
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85)
        .encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

#[test]
fn avif_is_opt_in_preferred_first_and_cached() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let site =
        Site::new("[images]\nwidths = [160, 320]\nformats = [\"avif\", \"webp\", \"jpeg\"]\n");
    let first = site.build(&fake, &[]).expect_code(0);
    assert!(
        first.stdout.contains("24 variants made"),
        "{}",
        first.stdout
    );
    let html = std::fs::read_to_string(site.out().join("feed.html")).unwrap();
    let avif = html.find("type=\"image/avif\"").expect("an AVIF source");
    assert!(
        avif < html.find("type=\"image/webp\"").unwrap(),
        "AVIF is offered first"
    );
    let again = site.build(&fake, &[]).expect_code(0);
    assert!(
        again
            .stdout
            .contains("0 decoded, 0 variants made, 24 reused"),
        "{}",
        again.stdout
    );
}

#[test]
fn a_warm_rebuild_of_a_thousand_posts_downloads_and_decodes_nothing() {
    let mut images = HashMap::new();
    let mut posts = Vec::new();
    for i in 0..1000u32 {
        let name = format!("tiny{i:04}_n.jpg");
        images.insert(name.clone(), tiny_jpeg(i));
        posts.push(FakePost {
            id: format!("18{:015}", 1_000_000 - i),
            media_type: "IMAGE",
            caption: None,
            alt_text: None,
            shortcode: format!("T{i}"),
            timestamp: 1_790_000_000 - i64::from(i) * 3600,
            image: name,
            ..FakePost::default()
        });
    }
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(
        "[source]\nmax_posts = 1000\n[images]\nwidths = [16, 32]\nplaceholder = false\n[http]\nbackoff_ms = 10\n",
    );
    let first = site.build(&fake, &["--report", "json"]).expect_code(0);
    let first: serde_json::Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(first["posts"], 1000);
    assert_eq!(first["media"]["downloaded"], 1000);

    fake.reset_counts();
    let warm = site.build(&fake, &["--report", "json"]).expect_code(0);
    let warm: serde_json::Value = serde_json::from_str(&warm.stdout).unwrap();
    assert_eq!(warm["posts"], 1000);
    assert_eq!(warm["media"]["downloaded"], 0);
    assert_eq!(warm["media"]["decoded"], 0);
    assert_eq!(warm["media"]["encoded"], 0);
    assert_eq!(warm["files_written"], 0);
    assert_eq!(fake.with(|s| s.cdn_requests), 0);
    assert_eq!(
        fake.with(|s| s.graph_requests.len()),
        11,
        "/me and ten pages of 100"
    );
}
