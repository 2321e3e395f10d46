//! The posts files of an export (`posts_N.json`, `reels.json`) and the
//! profile, read by shape rather than by path: Meta moved the posts file
//! three times and documents none of it (shared/docs/data-export.md).

use serde_json::Value;

/// A post as the export lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportPost {
    /// Unix seconds.
    pub timestamp: i64,
    /// The caption, as the person wrote it.
    pub caption: Option<String>,
    /// Its media files, as the export names them (`media/posts/202207/….webp`).
    pub media: Vec<String>,
    /// Listed in `reels.json`.
    pub reel: bool,
}

/// Whether a file of the export holds posts of the profile: `posts_1.json`,
/// `posts_2.json`, … (wherever they sit), `reels.json`, and the `media.json`
/// of exports before 2021. Stories, archived posts, messages and the rest
/// are never read.
pub fn is_posts_file(name: &str) -> Option<bool> {
    let base = name.rsplit('/').next()?;
    if base == "reels.json" {
        return Some(true);
    }
    if base == "media.json" {
        return Some(false);
    }
    let n = base.strip_prefix("posts_")?.strip_suffix(".json")?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some(false)
}

/// Whether the export is in HTML (`posts_1.html`), which feedgen cannot read.
pub fn is_html_posts_file(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.starts_with("posts_") && base.ends_with(".html")
}

/// The posts of one posts file, and how many entries were not posts.
/// Takes the shapes seen: a bare array, an object wrapping one array
/// (`{"ig_reels_media": […]}` or a renamed key), or a lone post.
pub fn posts_in(doc: &Value, reel: bool) -> (Vec<ExportPost>, usize) {
    if let Some(photos) = doc.get("photos").and_then(Value::as_array) {
        return photos_in(photos);
    }
    let items: Vec<&Value> = match doc {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) if o.contains_key("media") => vec![doc],
        Value::Object(o) => o
            .values()
            .find_map(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let mut posts = Vec::new();
    let mut skipped = 0;
    for item in items {
        match post(item, reel) {
            Some(p) => posts.push(p),
            None => skipped += 1,
        }
    }
    (posts, skipped)
}

/// The photos of an export before 2021 (`media.json`): one post per photo,
/// `{"caption", "taken_at": "2019-06-01T10:00:00+00:00", "path"}`. Its
/// `videos` and `direct` lists are not read.
fn photos_in(photos: &[Value]) -> (Vec<ExportPost>, usize) {
    let mut posts = Vec::new();
    let mut skipped = 0;
    for p in photos {
        let path = p
            .get("path")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let taken = p
            .get("taken_at")
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp());
        match (path, taken) {
            (Some(path), Some(timestamp)) => posts.push(ExportPost {
                timestamp,
                caption: p
                    .get("caption")
                    .and_then(Value::as_str)
                    .map(fix_mojibake)
                    .filter(|c| !c.trim().is_empty()),
                media: vec![path.to_string()],
                reel: false,
            }),
            _ => skipped += 1,
        }
    }
    (posts, skipped)
}

/// One post: an album's caption and time are its own, a single post's are
/// its one medium's; an entry without media or a time is not a post.
fn post(item: &Value, reel: bool) -> Option<ExportPost> {
    let media: Vec<&Value> = item.get("media")?.as_array()?.iter().collect();
    let uris: Vec<String> = media
        .iter()
        .filter_map(|m| m.get("uri")?.as_str())
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .collect();
    if uris.is_empty() {
        return None;
    }
    let text = |v: &Value| {
        v.get("title")
            .and_then(Value::as_str)
            .map(fix_mojibake)
            .filter(|t| !t.trim().is_empty())
    };
    let caption = text(item).or_else(|| media.iter().find_map(|m| text(m)));
    let time = |v: &Value| {
        v.get("creation_timestamp")
            .and_then(Value::as_i64)
            .filter(|t| *t > 0)
    };
    let timestamp = time(item).or_else(|| media.first().and_then(|m| time(m)))?;
    Some(ExportPost {
        timestamp,
        caption,
        media: uris,
        reel,
    })
}

/// Undoes the export's encoding defect: each UTF-8 byte written as a
/// `\u00XX` escape, so "Σ" reads "Î£". A string whose characters are all
/// below U+0100, with at least one above U+007F, that decodes as UTF-8 from
/// those bytes is taken as such; anything else (real emoji, plain ASCII,
/// Latin-1 text that is not UTF-8) is kept as it is.
pub fn fix_mojibake(text: &str) -> String {
    if !text.chars().any(|c| c as u32 > 0x7f) || text.chars().any(|c| c as u32 > 0xff) {
        return text.to_string();
    }
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_string())
}

/// The profile in `personal_information.json`: the username, the display
/// name and the profile photo's file, where the export has them.
pub fn profile_in(doc: &Value) -> (Option<String>, Option<String>, Option<String>) {
    let user = doc.get("profile_user").and_then(|u| u.get(0));
    let value = |key: &str| {
        user?
            .get("string_map_data")?
            .get(key)?
            .get("value")?
            .as_str()
            .map(fix_mojibake)
            .filter(|v| !v.trim().is_empty())
    };
    let photo = user
        .and_then(|u| u.get("media_map_data"))
        .and_then(|m| m.get("Profile photo").or_else(|| m.get("Profile Photo")))
        .and_then(|p| p.get("uri"))
        .and_then(Value::as_str)
        .map(str::to_string);
    (value("Username"), value("Name"), photo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mojibake_is_undone_and_real_text_kept() {
        // "T H Σ  P Λ T H\n—\n#chevrolet" as the export writes it.
        let broken =
            "T H \u{00ce}\u{00a3}  P \u{00ce}\u{009b} T H\n\u{00e2}\u{0080}\u{0094}\n#chevrolet";
        assert_eq!(fix_mojibake(broken), "T H Σ  P Λ T H\n—\n#chevrolet");
        // A flag, byte by byte.
        assert_eq!(
            fix_mojibake("\u{00f0}\u{009f}\u{0087}\u{00ab}\u{00f0}\u{009f}\u{0087}\u{00b7}"),
            "🇫🇷"
        );
        for kept in ["plain", "déjà vu", "🇫🇷 ok", "Ünïcödé ✓"] {
            assert_eq!(fix_mojibake(kept), kept);
        }
    }

    #[test]
    fn album_single_and_envelopes() {
        let album = json!({"media": [
            {"uri": "media/posts/202207/a.webp", "creation_timestamp": 1657665069, "title": ""},
            {"uri": "media/posts/202207/b.webp", "creation_timestamp": 1657665069, "title": ""}],
            "title": "Album", "creation_timestamp": 1657665070});
        let single = json!({"media": [{"uri": "c.jpg", "creation_timestamp": 1458732736, "title": "Single"}]});
        let broken = json!({"media": []});
        let untimed = json!({"media": [{"uri": "d.jpg"}]});
        let (posts, skipped) = posts_in(&json!([album, single, broken, untimed]), false);
        assert_eq!(skipped, 2);
        assert_eq!(posts[0].caption.as_deref(), Some("Album"));
        assert_eq!(posts[0].timestamp, 1657665070);
        assert_eq!(posts[0].media.len(), 2);
        assert_eq!(posts[1].caption.as_deref(), Some("Single"));
        assert_eq!(posts[1].timestamp, 1458732736);
        // The reels envelope, a renamed one, and a lone post.
        assert_eq!(
            posts_in(&json!({"ig_reels_media": [single]}), true).0.len(),
            1
        );
        assert_eq!(
            posts_in(&json!({"whatever_next": [single]}), false).0.len(),
            1
        );
        assert_eq!(posts_in(&single, false).0.len(), 1);
        assert!(posts_in(&json!("text"), false).0.is_empty());
        // Before 2021: media.json's photos, a time in RFC 3339.
        let old = json!({"photos": [
            {"caption": "Old one", "taken_at": "2019-06-01T10:00:00+00:00", "path": "photos/201906/x.jpg"},
            {"caption": "no date", "path": "photos/201906/y.jpg"}],
            "videos": [{"caption": "v", "taken_at": "2019-06-02T10:00:00+00:00", "path": "videos/201906/z.mp4"}]});
        let (posts, skipped) = posts_in(&old, false);
        assert_eq!((posts.len(), skipped), (1, 1));
        assert_eq!(posts[0].timestamp, 1559383200);
        assert_eq!(posts[0].media, ["photos/201906/x.jpg"]);
    }

    #[test]
    fn which_files_hold_posts() {
        assert_eq!(
            is_posts_file("your_instagram_activity/media/posts_1.json"),
            Some(false)
        );
        assert_eq!(is_posts_file("content/posts_12.json"), Some(false));
        assert_eq!(
            is_posts_file("your_instagram_activity/media/reels.json"),
            Some(true)
        );
        assert_eq!(is_posts_file("media.json"), Some(false));
        for not in [
            "content/stories.json",
            "content/archived_posts.json",
            "posts_.json",
            "posts_1.json.bak",
            "messages/inbox/a/message_1.json",
        ] {
            assert_eq!(is_posts_file(not), None, "{not}");
        }
    }
}
