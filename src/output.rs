//! The one door to disk for everything a build publishes.
//!
//! Every file is written to a temporary name in its final folder and renamed into
//! place, so a reader (or a build killed half-way) sees the old file or the new
//! one, never a torn one. Unchanged files are not rewritten, so a rebuild with
//! nothing new touches nothing and keeps mtimes (and rsync/CDN caches) quiet.
//!
//! Media and CSS go to `media/` under content-addressed names:
//! `<first 128 bits of blake3, hex>.<ext>`. The name is the content, so an
//! existing file never needs rewriting and browsers may cache it forever.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The folder, inside the output folder, holding content-addressed files.
pub const MEDIA_DIR: &str = "media";
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

/// The output folder feedgen owns.
#[derive(Debug, Clone)]
pub struct OutputDir {
    root: PathBuf,
}

impl OutputDir {
    /// The output folder at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        OutputDir { root: root.into() }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Absolute path of a content-addressed file.
    pub fn media_path(&self, name: &str) -> PathBuf {
        self.root.join(MEDIA_DIR).join(name)
    }

    /// Writes `rel` unless it already holds exactly `bytes`; returns whether it wrote.
    pub fn write_if_changed(&self, rel: &str, bytes: &[u8]) -> Result<bool, Error> {
        let path = self.root.join(rel);
        if let Ok(existing) = std::fs::read(&path)
            && existing == bytes
        {
            return Ok(false);
        }
        write_atomic(&path, bytes)?;
        Ok(true)
    }

    /// Stores bytes under their content name in `media/`; returns the name and whether it wrote.
    pub fn put_media(&self, bytes: &[u8], ext: &str) -> Result<(String, bool), Error> {
        let name = content_name(bytes, ext);
        let path = self.media_path(&name);
        let present = std::fs::metadata(&path)
            .map(|m| m.len() == bytes.len() as u64)
            .unwrap_or(false);
        if !present {
            write_atomic(&path, bytes)?;
        }
        Ok((name, !present))
    }

    /// Whether a content-addressed file is present.
    pub fn has_media(&self, name: &str) -> bool {
        self.media_path(name).is_file()
    }

    /// Deletes content-addressed files in `media/` that are not in `keep`, and
    /// temporary files left by an interrupted build; returns how many.
    pub fn prune_media(&self, keep: &HashSet<String>) -> Result<usize, Error> {
        let dir = self.root.join(MEDIA_DIR);
        if !dir.is_dir() {
            return Ok(0);
        }
        let mut removed = 0;
        for entry in walkdir::WalkDir::new(&dir)
            .min_depth(1)
            .max_depth(1)
            .into_iter()
            .filter_map(Result::ok)
        {
            let name = entry.file_name().to_string_lossy();
            let stale = (is_content_name(&name) && !keep.contains(name.as_ref()))
                || name.starts_with(".feedgen-tmp-");
            if stale && entry.file_type().is_file() {
                std::fs::remove_file(entry.path())
                    .map_err(|e| Error::io("delete", entry.path(), e))?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_same_name_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutputDir::new(dir.path());
        let (a, wrote_a) = out.put_media(b"hello", "txt").unwrap();
        let (b, wrote_b) = out.put_media(b"hello", "txt").unwrap();
        assert_eq!(a, b);
        assert!(wrote_a && !wrote_b);
        assert!(is_content_name(&a));
        assert_eq!(
            std::fs::read_dir(dir.path().join("media")).unwrap().count(),
            1
        );
    }

    #[test]
    fn prune_keeps_referenced_and_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutputDir::new(dir.path());
        let (keep, _) = out.put_media(b"keep", "jpg").unwrap();
        let (gone, _) = out.put_media(b"gone", "jpg").unwrap();
        std::fs::write(dir.path().join("media/README.txt"), "mine").unwrap();
        let removed = out.prune_media(&HashSet::from([keep.clone()])).unwrap();
        assert_eq!(removed, 1);
        assert!(out.has_media(&keep) && !out.has_media(&gone));
        assert!(dir.path().join("media/README.txt").exists());
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
    fn unchanged_file_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutputDir::new(dir.path());
        assert!(out.write_if_changed("feed.html", b"x").unwrap());
        assert!(!out.write_if_changed("feed.html", b"x").unwrap());
        assert!(out.write_if_changed("feed.html", b"y").unwrap());
    }
}
