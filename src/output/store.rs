//! The content store: encoded files under names made of their bytes, each
//! checked against its name before it is trusted.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::error::Error;
use crate::output::{HASH_HEX_LEN, content_name, is_content_name, sibling, write_atomic};

/// The content-addressed store of encoded files (`<cache>/media`).
///
/// A shared CI cache lets others write this folder, so a file's name is a
/// claim, not a fact: before a stored file is reused, linked or published its
/// blake3 is checked against its name, once per store value (one build), and
/// a file that fails is treated as absent and written again.
#[derive(Debug, Clone)]
pub struct ContentStore {
    dir: PathBuf,
    /// Names already checked in this build: whether each held its bytes.
    checked: Arc<Mutex<HashMap<String, bool>>>,
}

impl ContentStore {
    /// The store in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ContentStore {
            dir: dir.into(),
            checked: Arc::default(),
        }
    }

    /// Path of a stored file.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Whether a file is stored: a content name of a regular file in the
    /// store whose bytes hash to its name. A symlink, or a file replaced or
    /// hard-linked to another file in a shared cache, is not one and is never
    /// published; it is reported once as a damaged cache.
    pub fn has(&self, name: &str) -> bool {
        if !is_content_name(name) {
            return false;
        }
        if let Some(&known) = self.checked().get(name) {
            return known;
        }
        let verdict = self.verify(name);
        self.checked()
            .insert(name.to_string(), verdict == Some(true));
        if verdict == Some(false) {
            tracing::warn!(
                "{} does not hold the bytes its name says (a damaged or tampered cache); it is not used, and is made again where it can be",
                self.path(name).display()
            );
        }
        verdict == Some(true)
    }

    fn checked(&self) -> std::sync::MutexGuard<'_, HashMap<String, bool>> {
        self.checked.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hashes the stored file `name`: `None` when there is no regular file,
    /// else whether its blake3 matches the name. Streams, so a huge planted
    /// file costs reading, not memory; never follows a symlink.
    fn verify(&self, name: &str) -> Option<bool> {
        let path = self.path(name);
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW);
        }
        let file = options.open(&path).ok()?;
        if !file.metadata().ok()?.file_type().is_file() {
            return None;
        }
        let mut hasher = blake3::Hasher::new();
        hasher.update_reader(file).ok()?;
        let (stem, _) = name.split_once('.')?;
        Some(hasher.finalize().to_hex()[..HASH_HEX_LEN] == *stem)
    }

    /// Stores bytes under their content name; returns the name and whether
    /// it wrote. A file already there is kept only if it holds these bytes.
    pub fn put(&self, bytes: &[u8], ext: &str) -> Result<(String, bool), Error> {
        let name = content_name(bytes, ext);
        // A symlink, a foreign hard link or a same-length impostor in the
        // store's place is not the file: the write replaces its name only.
        let present = self.checked().get(&name) == Some(&true)
            || (std::fs::symlink_metadata(self.path(&name))
                .is_ok_and(|m| m.file_type().is_file() && m.len() == bytes.len() as u64)
                && self.has(&name));
        if !present {
            write_atomic(&self.path(&name), bytes)?;
        }
        self.checked().insert(name.clone(), true);
        Ok((name, !present))
    }

    /// The lock beside the store folder (not in it: it holds content names only).
    fn lock_path(&self) -> PathBuf {
        sibling(&self.dir, "feedgen-lock").unwrap_or_else(|_| self.dir.join(".feedgen-lock"))
    }

    fn lock_file(&self) -> Result<std::fs::File, Error> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io("create folder", &self.dir, e))?;
        let path = self.lock_path();
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("open the lock file", path, e))
    }

    /// Claims the store for a build: while any claim is held, by this process
    /// or another config's build sharing the cache, nothing is pruned from it.
    pub fn claim(&self) -> Result<StoreClaim, Error> {
        let file = self.lock_file()?;
        file.lock_shared()
            .map_err(|e| Error::io("lock", self.lock_path(), e))?;
        Ok(StoreClaim { _file: file })
    }

    /// Gives up `claim` and prunes like [`ContentStore::prune`], but only if no
    /// other build holds a claim (its files may not be in `keep`); `None` when
    /// one does: the next build alone prunes instead.
    pub fn prune_if_alone(
        &self,
        claim: StoreClaim,
        keep: &HashSet<String>,
    ) -> Result<Option<usize>, Error> {
        drop(claim);
        let file = self.lock_file()?;
        match file.try_lock() {
            Ok(()) => self.prune(keep).map(Some),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io("lock", self.lock_path(), e)),
        }
    }

    /// Deletes stored files not in `keep` and leftovers of interrupted writes; returns how many.
    pub fn prune(&self, keep: &HashSet<String>) -> Result<usize, Error> {
        if !self.dir.is_dir() {
            return Ok(0);
        }
        let mut removed = 0;
        for entry in walkdir::WalkDir::new(&self.dir)
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
                self.checked().remove(name.as_ref());
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// A build's use of the content store, held until dropped (see [`ContentStore::claim`]).
#[derive(Debug)]
pub struct StoreClaim {
    _file: std::fs::File,
}
