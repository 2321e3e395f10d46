//! Instagram's data export as a source (`source.kind = "export"`): the only
//! way left to a personal account's posts since the Basic Display API ended.
//!
//! An import turns the export into a snapshot (its `feed.json` and the
//! originals it holds), so the build that follows is an offline build like
//! any other: filters, overrides, layouts, header and feeds all apply, and
//! nothing from the export but the posts' images, captions and dates (and
//! the profile's name and photo) reaches the output. Location, EXIF data,
//! messages and every other file of the export are never read.

pub mod archive;
pub mod posts;

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::error::Error;
use crate::media::pipeline;
use crate::model::{Account, Asset, AssetRole, Feed, Original, Post, PostKind};
use crate::source::snapshot::Snapshot;
use archive::{Export, MAX_JSON_BYTES, MAX_MEDIA_BYTES};
use posts::{ExportPost, is_html_posts_file, is_posts_file, posts_in, profile_in};

/// What an import read: the feed (newest first, with its originals in the
/// snapshot) and what it left out, for warnings and `feedgen doctor`.
#[derive(Debug)]
pub struct Imported {
    /// The posts and the profile, as a feed.
    pub feed: Feed,
    /// Posts left out, by id, each with why (videos without a poster, HEIC, a file missing).
    pub left_out: Vec<(String, String)>,
    /// Everything else worth saying (files skipped as unsafe, entries not posts).
    pub warnings: Vec<String>,
}

fn export_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::Export {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// A stable media id for an export's post or image: the digits of a hash of
/// its file's name (the export has no ids; a newer export names the same
/// file the same way, so the post keeps its id, its overrides and its variants).
pub fn id_of(uri: &str) -> String {
    let hash = blake3::hash(uri.as_bytes());
    let mut n = [0u8; 8];
    n.copy_from_slice(&hash.as_bytes()[..8]);
    // Kept below 10^17 plus 10^17: always 18 digits, like a real id.
    (u64::from_le_bytes(n) % 100_000_000_000_000_000 + 100_000_000_000_000_000).to_string()
}

/// What an export holds, without reading its images (`feedgen doctor`).
#[derive(Debug, Clone, PartialEq)]
pub struct Survey {
    /// Posts listed (reels included), before any is left out for its media.
    pub posts: usize,
    /// Of which from `reels.json`.
    pub reels: usize,
    /// The oldest and the newest post.
    pub range: (DateTime<Utc>, DateTime<Utc>),
    /// The username the export names.
    pub username: Option<String>,
    /// When its files were written (the newest ZIP part, or the folder's files).
    pub written: Option<DateTime<Utc>>,
}

/// Lists what the export at `path` holds.
pub fn survey(path: &Path) -> Result<Survey, Error> {
    let export = Export::open(path).map_err(|e| export_error(path, e))?;
    let (found, _) = read_posts(&export, path)?;
    let stamp = |t: i64| DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default();
    let info = profile(&export);
    Ok(Survey {
        posts: found.len(),
        reels: found.iter().filter(|p| p.reel).count(),
        range: (
            stamp(found.last().map_or(0, |p| p.timestamp)),
            stamp(found.first().map_or(0, |p| p.timestamp)),
        ),
        username: info.0,
        written: written(path),
    })
}

/// When the export was written: the newest modification time of the path
/// or, for a folder, of what it holds.
pub fn written(path: &Path) -> Option<DateTime<Utc>> {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let newest = if path.is_dir() {
        std::fs::read_dir(path)
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|e| modified(&e.path()))
            .max()
    } else {
        modified(path)
    };
    newest.map(DateTime::<Utc>::from)
}

/// The profile file's username, name and photo, if the export has one.
fn profile(export: &Export) -> (Option<String>, Option<String>, Option<String>) {
    export
        .names()
        .find(|n| n.rsplit('/').next() == Some("personal_information.json"))
        .and_then(|n| export.read(n, MAX_JSON_BYTES).ok())
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .as_ref()
        .map(profile_in)
        .unwrap_or_default()
}

/// Every post the posts files list, newest first, once each, and the warnings.
fn read_posts(export: &Export, path: &Path) -> Result<(Vec<ExportPost>, Vec<String>), Error> {
    let mut warnings = Vec::new();
    let files: Vec<(String, bool)> = export
        .names()
        .filter_map(|n| is_posts_file(n).map(|reel| (n.to_string(), reel)))
        .collect();
    if files.is_empty() {
        let reason = if export.names().any(is_html_posts_file) {
            "it is an export in HTML. Request it again with the format JSON (Accounts Center → Your information and permissions → Download your information)"
        } else {
            "it holds no posts_1.json or reels.json: is it an Instagram export (Download your information, format JSON)?"
        };
        return Err(export_error(path, reason));
    }
    let mut found: Vec<ExportPost> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (name, reel) in &files {
        let doc = export.read(name, MAX_JSON_BYTES).and_then(|b| {
            serde_json::from_slice::<serde_json::Value>(&b)
                .map_err(|e| format!("{name} is not JSON ({e})"))
        });
        let doc = match doc {
            Ok(d) => d,
            Err(e) => {
                warnings.push(format!("{e}; its posts are left out"));
                continue;
            }
        };
        let (list, skipped) = posts_in(&doc, *reel);
        if skipped > 0 {
            warnings.push(format!(
                "{name}: {skipped} entries are not posts (no media, or no date) and are left out"
            ));
        }
        // reels.json repeats posts that posts_N.json lists too.
        for p in list {
            if seen.insert(p.media[0].clone()) {
                found.push(p);
            }
        }
    }
    if found.is_empty() {
        return Err(export_error(path, "its posts files hold no post"));
    }
    found.sort_by_key(|p| std::cmp::Reverse(p.timestamp));
    Ok((found, warnings))
}

/// Reads the export at `path` into `snapshot`'s originals and returns its feed.
pub fn import(path: &Path, snapshot: &Snapshot) -> Result<Imported, Error> {
    let export = Export::open(path).map_err(|e| export_error(path, e))?;
    let mut warnings: Vec<String> = export
        .skipped
        .iter()
        .map(|s| format!("the export's file {s} was not read"))
        .collect();
    let (found, more) = read_posts(&export, path)?;
    warnings.extend(more);
    let account = account(&export, snapshot, &mut warnings);
    let mut left_out = Vec::new();
    let mut posts = Vec::new();
    for p in &found {
        match post(&export, snapshot, p) {
            Ok((post, skipped)) => {
                warnings.extend(skipped);
                posts.push(post);
            }
            Err(why) => left_out.push((id_of(&p.media[0]), why)),
        }
    }
    if posts.is_empty() {
        return Err(export_error(
            path,
            format!(
                "none of its {} posts has an image feedgen can show (the first: {})",
                found.len(),
                left_out.first().map_or("?", |(_, why)| why.as_str())
            ),
        ));
    }
    Ok(Imported {
        feed: Feed { account, posts },
        left_out,
        warnings,
    })
}

/// The profile: the username and name of `personal_information.json`, its
/// photo as the avatar. An export without one is shown as `@instagram`'s
/// user with a warning (the feed still builds).
fn account(export: &Export, snapshot: &Snapshot, warnings: &mut Vec<String>) -> Account {
    let (username, name, photo) = profile(export);
    let username = username
        .filter(|u| crate::config::check_username(u).is_ok())
        .unwrap_or_else(|| {
            warnings.push("the export names no username (personal_information.json); the feed links to instagram.com".into());
            String::new()
        });
    let avatar = photo.and_then(|uri| {
        let (original, _) = image(export, snapshot, &uri).ok()?;
        Some(Asset {
            id: id_of(&uri),
            role: AssetRole::Avatar,
            url: None,
            original: Some(original),
        })
    });
    Account {
        id: id_of(&format!("account {username}")),
        username,
        name: name.filter(|n| n.chars().count() <= crate::model::MAX_NAME_CHARS),
        followers_count: None,
        media_count: None,
        avatar,
    }
}

/// One post with its images stored as originals, and what of it was left
/// out; an error when none of its media is an image feedgen can show.
fn post(
    export: &Export,
    snapshot: &Snapshot,
    p: &ExportPost,
) -> Result<(Post, Vec<String>), String> {
    let id = id_of(&p.media[0]);
    let timestamp = DateTime::<Utc>::from_timestamp(p.timestamp, 0)
        .ok_or_else(|| format!("post {id}: its date {} is not a date", p.timestamp))?;
    let mut assets = Vec::new();
    let mut skipped = Vec::new();
    for uri in &p.media {
        match image(export, snapshot, uri) {
            Ok((original, _)) => assets.push(Asset {
                id: id_of(uri),
                role: AssetRole::Image,
                url: None,
                original: Some(original),
            }),
            Err(why) => skipped.push(format!(
                "post {id} of {}: {why}{}",
                timestamp.format("%Y-%m-%d"),
                if p.media.len() > 1 {
                    "; the album shows its other images"
                } else {
                    ""
                }
            )),
        }
    }
    if assets.is_empty() {
        return Err(skipped.join("; "));
    }
    let kind = if assets.len() > 1 {
        PostKind::Carousel
    } else {
        PostKind::Image
    };
    Ok((
        Post {
            id,
            kind,
            caption: p.caption.clone(),
            alt_text: None,
            permalink: None,
            timestamp,
            reel: p.reel,
            shared_to_feed: None,
            like_count: None,
            comments_count: None,
            assets,
            video: None,
        },
        skipped,
    ))
}

/// What a media file of the export is, by its bytes (names lie: Instagram
/// has stored JPEGs as `.heic`).
fn image(
    export: &Export,
    snapshot: &Snapshot,
    uri: &str,
) -> Result<(Original, &'static str), String> {
    let name = export.resolve(uri).ok_or_else(|| {
        format!("{uri} is not in the export (a split export: give the folder of all its ZIPs)")
    })?;
    let bytes = export.read(name, MAX_MEDIA_BYTES)?;
    if !is_heic(&bytes) && crate::media::video::check_mp4(&bytes).is_ok() {
        return Err(format!(
            "{name} is a video, and the export has no poster image for it; feedgen shows posts by their images"
        ));
    }
    if is_heic(&bytes) {
        return Err(format!(
            "{name} is HEIC, which feedgen does not decode, so it is left out (see the personal accounts guide)"
        ));
    }
    let ext = pipeline::sniff(&bytes).map_err(|e| format!("{name} is not an image ({e})"))?;
    let (width, height) = pipeline::inspect(&bytes).map_err(|e| format!("{name}: {e}"))?;
    let file = snapshot
        .put_original(&bytes, ext)
        .map_err(|e| e.to_string())?;
    Ok((
        Original {
            file,
            width,
            height,
        },
        ext,
    ))
}

/// An ISO BMFF file of a HEIF brand (`heic`, `heix`, `mif1`, `msf1`, `hevc`, `avif`).
fn is_heic(bytes: &[u8]) -> bool {
    bytes.get(4..8) == Some(b"ftyp")
        && matches!(
            bytes.get(8..12),
            Some(b"heic" | b"heix" | b"mif1" | b"msf1" | b"hevc" | b"hevx" | b"avif")
        )
}
