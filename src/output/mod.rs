//! The one door to disk: the content store, and publishing the output folder.
//!
//! # Concepts
//!
//! - **Content store** (`<cache>/media/`): every encoded file under its
//!   content-addressed name, `<first 128 bits of blake3, hex>.<ext>`. The name
//!   is the content, so a file there never changes and browsers may cache it
//!   forever.
//! - **Publishing**: the new output folder is assembled beside the old one
//!   (`.<name>.feedgen-staging`), media hard-linked from the store, documents
//!   hard-linked from the old output when their bytes did not change; then the
//!   two folders are swapped in one atomic `renameat2(RENAME_EXCHANGE)`. A build
//!   killed at any moment leaves the old folder or the new one, whole, and every
//!   file their HTML and JSON refer to exists. Unchanged files keep their inode
//!   and mtime, so rsync and CDN caches see nothing new.
//! - **Ownership**: feedgen replaces its output folder as a whole, so it refuses a
//!   folder holding files it did not write: one that is neither empty nor
//!   holds feedgen's JSON data file (its `generator` says feedgen). Pointing
//!   `output.dir` at a site's root by mistake cannot wipe the site. No marker
//!   file of ours is written there: whatever is in the folder is published.
//! - **Lock**: a file in the cache (`<cache>/locks/`, named by the output
//!   folder's path, never inside a folder a site publishes) serialises builds
//!   of one output folder; `.media.feedgen-lock` beside the store is held
//!   shared by every build and taken exclusively to prune, so configs sharing
//!   a cache never delete what another build is linking.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{ConfigError, Error};
use crate::secret::printable;

mod store;

pub use store::{ContentStore, StoreClaim};

/// The folder, inside the output folder, holding content-addressed files.
pub const MEDIA_DIR: &str = "media";
/// The folder of an output that holds one card per embedded post (`[embed]`).
pub const EMBEDS_DIR: &str = "embeds";
/// The marker older feedgen versions wrote into the output folder. It was
/// published with the site (`/feed/.feedgen`), so feedgen no longer writes
/// it; a folder holding it is still recognised as feedgen's.
pub const LEGACY_MARKER: &str = ".feedgen";
/// The JSON data file's largest size read to recognise the folder as feedgen's.
const MAX_SIGNATURE_BYTES: u64 = 64 * 1024 * 1024;
/// Hex digits of blake3 kept in names: 128 bits, collision-safe for any feed.
const HASH_HEX_LEN: usize = 32;

/// `<blake3 hex prefix>.<ext>` for these bytes.
pub fn content_name(bytes: &[u8], ext: &str) -> String {
    let hash = blake3::hash(bytes).to_hex();
    format!("{}.{ext}", &hash[..HASH_HEX_LEN])
}

/// Whether `name` looks like a name made by [`content_name`] (only such files are ever pruned).
pub fn is_content_name(name: &str) -> bool {
    let Some((stem, ext)) = name.split_once('.') else {
        return false;
    };
    stem.len() == HASH_HEX_LEN
        && stem
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && !ext.is_empty()
        && ext.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether `path` is a regular file itself, not a symlink to one.
pub fn is_regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a
/// rename. The file is readable by all (0644 less the umask): it is published.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_atomic_mode(path, bytes, 0o644)
}

/// Like [`write_atomic`], but readable by the owner only (0600): for secrets.
pub fn write_atomic_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_atomic_mode(path, bytes, 0o600)
}

fn write_atomic_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create folder", dir, e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".feedgen-tmp-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temporary file in", dir, e))?;
    tmp.write_all(bytes)
        .map_err(|e| Error::io("write", tmp.path().to_path_buf(), e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("replace", path, e.error))?;
    Ok(())
}

/// What [`read_versioned`] found in a state file.
#[derive(Debug)]
pub enum Versioned<T> {
    /// There is no file.
    Missing,
    /// The file, at the version this feedgen writes.
    Current(T),
    /// A file of another format version (written by another feedgen).
    OtherVersion(u64),
    /// Not JSON of the expected shape.
    Damaged(serde_json::Error),
}

/// Reads a JSON state file that carries a `version` field. The one reading
/// policy of feedgen's state files (snapshot, manifest, token state): the
/// version is read before the shape, so a file from another feedgen is named
/// as such rather than as damaged; what to do with each outcome (start afresh
/// or stop) is the caller's, since only a cache may be thrown away.
pub fn read_versioned<T: serde::de::DeserializeOwned>(
    path: &Path,
    version: u32,
) -> Result<Versioned<T>, Error> {
    #[derive(serde::Deserialize)]
    struct Header {
        version: Option<u64>,
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Versioned::Missing),
        Err(e) => return Err(Error::io("read", path, e)),
    };
    if let Ok(Header { version: Some(v) }) = serde_json::from_slice::<Header>(&bytes)
        && v != u64::from(version)
    {
        return Ok(Versioned::OtherVersion(v));
    }
    Ok(match serde_json::from_slice(&bytes) {
        Ok(value) => Versioned::Current(value),
        Err(e) => Versioned::Damaged(e),
    })
}

/// Writes a state file as pretty JSON with a final newline, atomically;
/// `private` files (the token state) are readable by the owner only.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T, private: bool) -> Result<(), Error> {
    let mut json = serde_json::to_vec_pretty(value).expect("feedgen's state types serialize");
    json.push(b'\n');
    if private {
        write_atomic_private(path, &json)
    } else {
        write_atomic(path, &json)
    }
}

/// What a publish did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Published {
    /// Files whose bytes are new in this output (documents written, media added).
    pub written: usize,
    /// Files of the previous output that are gone.
    pub removed: usize,
}

/// Hard-links `from` to `to`, copying when linking is impossible (another filesystem).
fn link_or_copy(from: &Path, to: &Path) -> Result<(), Error> {
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).map_err(|e| Error::io("copy into", to, e))?;
    }
    Ok(())
}

fn sibling(out: &Path, suffix: &str) -> Result<PathBuf, Error> {
    let name = out
        .file_name()
        .ok_or_else(|| ConfigError::invalid("output.dir", "must name a folder, not a root"))?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(parent.join(format!(".{}.{suffix}", name.to_string_lossy())))
}

/// The folder a build publishes into: `out`, or where it points when it is a
/// symbolic link (`static/feed -> /srv/feed`). Swapping the link itself for a
/// real folder would leave its target stale forever.
pub fn real_dir(out: &Path) -> Result<PathBuf, Error> {
    match std::fs::symlink_metadata(out) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(out).map_err(|e| {
            ConfigError::invalid(
                "output.dir",
                &format!(
                    "{} is a symbolic link whose target cannot be used ({e}); create the folder it points to, or point output.dir at a real folder",
                    out.display()
                ),
            )
            .into()
        }),
        _ => Ok(out.to_path_buf()),
    }
}

/// Refuses an output folder that holds files feedgen did not write.
fn check_ownership(out: &Path) -> Result<(), Error> {
    match std::fs::read_dir(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("open the output folder", out, e)),
        Ok(mut entries) => {
            let empty = entries.next().is_none();
            if empty || is_regular_file(&out.join(LEGACY_MARKER)) || holds_feedgen_json(out) {
                Ok(())
            } else {
                Err(ConfigError::invalid(
                    "output.dir",
                    &format!(
                        "{} already holds files feedgen did not write, and feedgen replaces its output folder as a whole on every build. Point output.dir (or --out) at a new or empty folder, e.g. a `feed` folder inside your site's static files",
                        out.display()
                    ),
                )
                .into())
            }
        }
    }
}

/// Whether `out` holds a JSON data file feedgen wrote: a top-level `.json`
/// file whose `generator` starts with `feedgen ` (any name, so a renamed
/// `output.json` still finds the previous one).
fn holds_feedgen_json(out: &Path) -> bool {
    #[derive(serde::Deserialize)]
    struct Signed {
        generator: String,
    }
    let Ok(entries) = std::fs::read_dir(out) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path();
        let small_file = std::fs::symlink_metadata(&path)
            .is_ok_and(|m| m.file_type().is_file() && m.len() <= MAX_SIGNATURE_BYTES);
        small_file
            && path.extension().is_some_and(|e| e == "json")
            && std::fs::read(&path)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<Signed>(&bytes).ok())
                .is_some_and(|s| s.generator.starts_with("feedgen "))
    })
}

/// Removes what one feed published straight into `base` before `base`
/// became the folder of several feeds, one subfolder each (`feeds`: their
/// names): the old fragment, JSON, page and `media/` would be deployed
/// forever. Only when `base` is recognisably a feedgen output (its JSON data
/// file, or an older version's marker): then feedgen owned all of it.
/// Dot-files (the feeds' staging folders) and the feeds' folders stay.
/// Returns the names removed.
pub fn remove_single_feed_leftovers(
    base: &Path,
    feeds: &HashSet<&str>,
) -> Result<Vec<String>, Error> {
    if !(is_regular_file(&base.join(LEGACY_MARKER)) || holds_feedgen_json(base)) {
        return Ok(Vec::new());
    }
    let mut removed = Vec::new();
    let entries = std::fs::read_dir(base).map_err(|e| Error::io("read", base, e))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if feeds.contains(name.as_str()) || (name.starts_with('.') && name != LEGACY_MARKER) {
            continue;
        }
        let path = entry.path();
        let kind = std::fs::symlink_metadata(&path).map_err(|e| Error::io("read", &path, e))?;
        if kind.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        }
        .map_err(|e| Error::io("remove", &path, e))?;
        removed.push(name);
    }
    removed.sort();
    Ok(removed)
}

/// Whether a build could publish into `out`: feedgen's (or new) and writable.
pub fn check_publishable(out: &Path) -> Result<(), Error> {
    let out = &real_dir(out)?;
    check_ownership(out)?;
    let staging = sibling(out, "feedgen-staging")?;
    let parent = staging.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io("create folder", parent, e))?;
    tempfile::Builder::new()
        .prefix(".feedgen-doctor-")
        .tempfile_in(parent)
        .map(drop)
        .map_err(|e| Error::io("write into", parent, e))
}

/// Swaps two paths atomically where the OS can (Linux `renameat2`); elsewhere,
/// and on filesystems without support, falls back to two renames.
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let ca = CString::new(a.as_os_str().as_bytes())?;
        let cb = CString::new(b.as_os_str().as_bytes())?;
        // SAFETY: both are valid NUL-terminated paths; the call only reads them.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                ca.as_ptr(),
                libc::AT_FDCWD,
                cb.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if !matches!(err.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
            return Err(err);
        }
    }
    // Fallback: a short moment exists where `b` is missing.
    let tmp = b.with_extension("feedgen-old");
    std::fs::rename(b, &tmp)?;
    std::fs::rename(a, b)?;
    std::fs::rename(&tmp, a)
}

/// Holds the output folder's lock until dropped.
#[derive(Debug)]
pub struct OutputLock {
    _file: std::fs::File,
}

/// The lock file of the output folder `out`: in `cache_dir`, named by the
/// folder's absolute path, so builds of one folder meet there and nothing
/// of it lands in a folder a site generator publishes (Hugo's `static/`).
pub fn lock_path(out: &Path, cache_dir: &Path) -> Result<PathBuf, Error> {
    let out = real_dir(out)?;
    let absolute = std::path::absolute(&out).map_err(|e| Error::io("resolve", &out, e))?;
    let hash = blake3::hash(absolute.as_os_str().as_encoded_bytes()).to_hex();
    Ok(cache_dir
        .join("locks")
        .join(format!("{}.lock", &hash[..HASH_HEX_LEN])))
}

/// Takes the lock of `out` (see [`lock_path`]), waiting up to `wait` for
/// another build to finish. The wait sleeps on the runtime's timer, so the
/// other feeds of the run go on meanwhile.
pub async fn lock(out: &Path, cache_dir: &Path, wait: Duration) -> Result<OutputLock, Error> {
    let path = lock_path(out, cache_dir)?;
    let out = &real_dir(out)?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("create folder", parent, e))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io("open the lock file", &path, e))?;
    let started = Instant::now();
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(OutputLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                if started.elapsed() >= wait {
                    return Err(Error::Busy {
                        out: out.to_path_buf(),
                        lock: path,
                        waited: wait.as_secs(),
                    });
                }
                if !told {
                    tracing::warn!(
                        "another feedgen build is writing {}; waiting for it",
                        out.display()
                    );
                    told = true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::io("lock", &path, e));
            }
        }
    }
}

/// Replaces the output folder `out` with `documents` (relative path → bytes)
/// plus `media` names from `store`, atomically.
pub fn publish(
    out: &Path,
    documents: &BTreeMap<String, Vec<u8>>,
    media: &HashSet<String>,
    store: &ContentStore,
) -> Result<Published, Error> {
    let out = &real_dir(out)?;
    check_ownership(out)?;
    let staging = sibling(out, "feedgen-staging")?;
    if staging.exists() {
        // Left by an interrupted build: the old or the previous output, never the live one.
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io("clean up", &staging, e))?;
    }
    let media_dir = staging.join(MEDIA_DIR);
    std::fs::create_dir_all(&media_dir).map_err(|e| Error::io("create folder", &media_dir, e))?;

    let old_media: HashSet<String> = std::fs::read_dir(out.join(MEDIA_DIR))
        .map(|it| {
            it.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let mut published = Published::default();
    for name in media {
        // Names come from the manifest, which a shared CI cache lets others
        // write: only content names of regular store files are ever published.
        if !store.has(name) {
            return Err(Error::io(
                "publish",
                store.path(&printable(name)),
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "not a file of the content store (a damaged cache?); run the build again",
                ),
            ));
        }
        link_or_copy(&store.path(name), &media_dir.join(name))?;
        published.written += usize::from(!old_media.contains(name));
    }
    published.removed = old_media.difference(media).count();

    let all_docs: Vec<(&str, &[u8])> = documents
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_slice()))
        .collect();
    for (rel, bytes) in all_docs {
        let old = out.join(rel);
        let new = staging.join(rel);
        let same = std::fs::read(&old).is_ok_and(|b| b == bytes);
        if same {
            // Documents may sit in sub-folders (`embeds/`).
            if let Some(parent) = new.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::io("create folder", parent, e))?;
            }
            link_or_copy(&old, &new)?;
        } else {
            write_atomic(&new, bytes)?;
            published.written += 1;
        }
    }

    if out.exists() {
        exchange(&staging, out).map_err(|e| Error::io("swap in the new output", out, e))?;
        // `staging` now holds the previous output.
        std::fs::remove_dir_all(&staging)
            .map_err(|e| Error::io("remove the previous output", &staging, e))?;
    } else {
        std::fs::rename(&staging, out).map_err(|e| Error::io("move into place", out, e))?;
    }
    Ok(published)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_state_files_name_what_they_found() {
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
        struct State {
            version: u32,
            n: u8,
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let read = || read_versioned::<State>(&path, 2).unwrap();
        assert!(matches!(read(), Versioned::Missing));
        write_json(&path, &State { version: 2, n: 7 }, true).unwrap();
        assert!(matches!(
            read(),
            Versioned::Current(State { version: 2, n: 7 })
        ));
        assert!(std::fs::read(&path).unwrap().ends_with(b"}\n"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "private state is the owner's only");
        }
        // Another version is named as such, even when its shape changed too.
        std::fs::write(&path, r#"{"version": 3, "n": "seven"}"#).unwrap();
        assert!(matches!(read(), Versioned::OtherVersion(3)));
        std::fs::write(&path, r#"{"version": 2, "n": "seven"}"#).unwrap();
        assert!(matches!(read(), Versioned::Damaged(_)));
        std::fs::write(&path, "not json").unwrap();
        assert!(matches!(read(), Versioned::Damaged(_)));
    }

    #[test]
    fn same_bytes_same_name_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::new(dir.path());
        let (a, wrote_a) = store.put(b"hello", "txt").unwrap();
        let (b, wrote_b) = store.put(b"hello", "txt").unwrap();
        assert_eq!(a, b);
        assert!(wrote_a && !wrote_b);
        assert!(is_content_name(&a));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_stored_file_is_trusted_for_its_bytes_not_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let (name, _) = ContentStore::new(dir.path())
            .put(b"viewer();", "js")
            .unwrap();
        // A same-length impostor, as a poisoned cache restores it.
        std::fs::write(dir.path().join(&name), b"alert(1)!").unwrap();
        let store = ContentStore::new(dir.path());
        assert!(!store.has(&name), "the name is a claim, not a fact");
        let (again, wrote) = store.put(b"viewer();", "js").unwrap();
        assert!(again == name && wrote, "the impostor is replaced");
        assert_eq!(std::fs::read(dir.path().join(&name)).unwrap(), b"viewer();");
        assert!(store.has(&name));
        // A hard link to another file of the same length: the other file is
        // never written through it.
        let secret = dir.path().join("secret");
        std::fs::write(&secret, b"password!").unwrap();
        std::fs::remove_file(dir.path().join(&name)).unwrap();
        std::fs::hard_link(&secret, dir.path().join(&name)).unwrap();
        let store = ContentStore::new(dir.path());
        assert!(!store.has(&name));
        store.put(b"viewer();", "js").unwrap();
        assert_eq!(std::fs::read(&secret).unwrap(), b"password!");
        assert!(ContentStore::new(dir.path()).has(&name));
    }

    #[test]
    fn prune_keeps_referenced_and_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::new(dir.path());
        let (keep, _) = store.put(b"keep", "jpg").unwrap();
        let (gone, _) = store.put(b"gone", "jpg").unwrap();
        std::fs::write(dir.path().join("README.txt"), "mine").unwrap();
        let removed = store.prune(&HashSet::from([keep.clone()])).unwrap();
        assert_eq!(removed, 1);
        assert!(store.has(&keep) && !store.has(&gone));
        assert!(dir.path().join("README.txt").exists());
    }

    #[test]
    fn a_build_sharing_the_store_stops_the_prune_of_another() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::new(dir.path());
        let (theirs, _) = store.put(b"another config's variant", "jpg").unwrap();
        let ours = store.claim().unwrap();
        let other_build = ContentStore::new(dir.path()).claim().unwrap();
        assert_eq!(store.prune_if_alone(ours, &HashSet::new()).unwrap(), None);
        assert!(
            store.has(&theirs),
            "a file another build may be linking stays"
        );
        drop(other_build);
        let ours = store.claim().unwrap();
        assert_eq!(
            store.prune_if_alone(ours, &HashSet::new()).unwrap(),
            Some(1)
        );
        assert!(!store.has(&theirs));
    }

    #[cfg(unix)]
    #[test]
    fn published_files_are_world_readable_and_secrets_are_not() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        write_atomic(&dir.path().join("pub"), b"x").unwrap();
        write_atomic_private(&dir.path().join("secret"), b"x").unwrap();
        assert_eq!(mode(&dir.path().join("pub")) & 0o044, 0o044);
        assert_eq!(mode(&dir.path().join("secret")), 0o600);
    }

    #[test]
    fn publish_swaps_whole_folders_and_refuses_foreign_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::new(dir.path().join("store"));
        let (m1, _) = store.put(b"one", "jpg").unwrap();
        let (m2, _) = store.put(b"two", "jpg").unwrap();
        let out = dir.path().join("site/feed");
        let docs = |s: &str| {
            BTreeMap::from([
                ("feed.html".to_string(), s.as_bytes().to_vec()),
                (
                    "feed.json".to_string(),
                    br#"{"schema_version": 1, "generator": "feedgen 0.1.0"}"#.to_vec(),
                ),
            ])
        };

        let p = publish(&out, &docs("a"), &HashSet::from([m1.clone()]), &store).unwrap();
        assert_eq!(
            p,
            Published {
                written: 3,
                removed: 0
            }
        );
        assert!(
            !out.join(LEGACY_MARKER).exists(),
            "no file of ours is published"
        );
        // Recognised as feedgen's by its JSON data file: published again.
        let p = publish(&out, &docs("b"), &HashSet::from([m2.clone()]), &store).unwrap();
        assert_eq!(
            p,
            Published {
                written: 2,
                removed: 1
            }
        );
        assert!(!out.join("media").join(&m1).exists());
        assert_eq!(std::fs::read_to_string(out.join("feed.html")).unwrap(), "b");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("site"))
            .unwrap()
            .collect();
        assert_eq!(leftovers.len(), 1, "no staging folder left behind");

        let foreign = dir.path().join("site-root");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("index.html"), "my site").unwrap();
        let err = publish(&foreign, &docs("x"), &HashSet::new(), &store).unwrap_err();
        assert!(err.to_string().contains("did not write"), "{err}");
        assert!(foreign.join("index.html").exists());
        // Another tool's JSON does not make a folder feedgen's.
        std::fs::write(foreign.join("data.json"), r#"{"generator": "Hugo 0.111"}"#).unwrap();
        assert!(publish(&foreign, &docs("x"), &HashSet::new(), &store).is_err());
        // A folder an older feedgen marked is still feedgen's.
        let legacy = dir.path().join("legacy");
        std::fs::create_dir_all(&legacy).unwrap();
        std::fs::write(legacy.join(LEGACY_MARKER), "written by feedgen").unwrap();
        std::fs::write(legacy.join("feed.html"), "old").unwrap();
        publish(&legacy, &docs("x"), &HashSet::new(), &store).unwrap();
        assert!(!legacy.join(LEGACY_MARKER).exists());
    }

    #[tokio::test]
    async fn a_second_lock_waits_then_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("feed");
        let held = lock(&out, dir.path(), Duration::from_secs(1))
            .await
            .unwrap();
        let err = lock(&out, dir.path(), Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("another feedgen build"), "{err}");
        drop(held);
        lock(&out, dir.path(), Duration::from_millis(300))
            .await
            .unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn waiting_for_the_lock_leaves_the_runtime_thread_free() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("feed");
        let _held = lock(&out, dir.path(), Duration::from_secs(1))
            .await
            .unwrap();
        let (done, ticks) = (AtomicBool::new(false), AtomicUsize::new(0));
        let wait = async {
            let result = lock(&out, dir.path(), Duration::from_millis(400)).await;
            done.store(true, Ordering::SeqCst);
            result
        };
        let ticker = async {
            while !done.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(10)).await;
                ticks.fetch_add(1, Ordering::SeqCst);
            }
        };
        let (result, ()) = tokio::join!(wait, ticker);
        assert!(result.is_err());
        // One thread: the ticker only ran if the lock's wait yielded it.
        assert!(ticks.load(Ordering::SeqCst) >= 10, "{ticks:?}");
    }
}
