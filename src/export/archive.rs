//! An Instagram data export as a set of named files: a ZIP, the folder it
//! unzips to, or a folder of the several ZIPs a large account gets. Nothing
//! in it is trusted: member names that climb out or are absolute, links,
//! members larger than feedgen reads or compressed beyond any real file, and
//! more members than an export has are refused or skipped before any byte is
//! read.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Most members (files) one export may hold, over all its parts.
pub const MAX_ENTRIES: usize = 500_000;
/// Most bytes read of one JSON file (a `posts_N.json` of thousands of posts is a few MiB).
pub const MAX_JSON_BYTES: u64 = 64 << 20;
/// Most bytes read of one media file.
pub const MAX_MEDIA_BYTES: u64 = 256 << 20;
/// A member that inflates more than this many times over is a bomb: JPEG,
/// WebP, MP4 and even JSON stay far below it.
pub const MAX_RATIO: u64 = 100;

/// Where one file of the export is.
enum Place {
    File(PathBuf),
    Zip { part: usize, index: usize },
}

/// The export's files by their path inside it (`/`-separated, no `..`).
pub struct Export {
    files: BTreeMap<String, Place>,
    zips: Vec<Mutex<zip::ZipArchive<File>>>,
    /// What was skipped while listing it, for warnings.
    pub skipped: Vec<String>,
}

/// A member name made safe, or `None` for one that is absolute, climbs out
/// (`..`), uses backslashes or holds a control character.
pub fn clean_name(name: &str) -> Option<String> {
    if name.starts_with('/') || name.contains('\\') || name.chars().any(char::is_control) {
        return None;
    }
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p if p.ends_with(':') => return None, // a drive, `C:`
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

impl Export {
    /// Lists the export at `path`: a `.zip`, a folder of `.zip` parts, or an unzipped folder.
    pub fn open(path: &Path) -> Result<Export, String> {
        let mut export = Export {
            files: BTreeMap::new(),
            zips: Vec::new(),
            skipped: Vec::new(),
        };
        let meta = std::fs::metadata(path)
            .map_err(|e| format!("{} cannot be read: {e}", path.display()))?;
        if meta.is_file() {
            export.add_zip(path)?;
        } else {
            let mut parts: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("{} cannot be read: {e}", path.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|x| x.eq_ignore_ascii_case("zip")) && p.is_file()
                })
                .collect();
            parts.sort();
            if parts.is_empty() {
                export.add_folder(path)?;
            }
            for part in parts {
                export.add_zip(&part)?;
            }
        }
        Ok(export)
    }

    fn add(&mut self, name: String, place: Place) -> Result<(), String> {
        if self.files.len() >= MAX_ENTRIES {
            return Err(format!(
                "it holds more than {MAX_ENTRIES} files, more than any export"
            ));
        }
        // Parts overlap (a later one repeats a file): the first one stays.
        self.files.entry(name).or_insert(place);
        Ok(())
    }

    fn add_zip(&mut self, path: &Path) -> Result<(), String> {
        let file =
            File::open(path).map_err(|e| format!("{} cannot be read: {e}", path.display()))?;
        let mut zip = zip::ZipArchive::new(file)
            .map_err(|e| format!("{} is not a ZIP file ({e})", path.display()))?;
        let part = self.zips.len();
        for index in 0..zip.len() {
            let member = zip
                .by_index_raw(index)
                .map_err(|e| format!("{}: member {index} cannot be read ({e})", path.display()))?;
            if member.is_dir() {
                continue;
            }
            let raw = member.name().map(|n| n.into_owned()).unwrap_or_default();
            let link = member.unix_mode().is_some_and(|m| m & 0o170000 == 0o120000);
            let Some(name) = clean_name(&raw).filter(|_| !link) else {
                self.skipped.push(format!(
                    "{}: {raw:?} (a link, or a name outside the export)",
                    path.display()
                ));
                continue;
            };
            let (size, packed) = (member.size(), member.compressed_size());
            if size > MAX_MEDIA_BYTES || (size > 1 << 20 && size / packed.max(1) > MAX_RATIO) {
                self.skipped.push(format!("{}: {name} ({size} bytes from {packed}: too large or compressed beyond any real file)", path.display()));
                continue;
            }
            drop(member);
            self.add(name, Place::Zip { part, index })?;
        }
        self.zips.push(Mutex::new(zip));
        Ok(())
    }

    fn add_folder(&mut self, root: &Path) -> Result<(), String> {
        for entry in walkdir::WalkDir::new(root).follow_links(false) {
            let entry = entry.map_err(|e| format!("{} cannot be read: {e}", root.display()))?;
            if entry.file_type().is_symlink() {
                let shown = entry
                    .path()
                    .strip_prefix(root)
                    .unwrap_or(entry.path())
                    .display()
                    .to_string();
                self.skipped.push(format!("{shown} (a link)"));
                continue;
            }
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            let Some(name) = rel.to_str().and_then(clean_name) else {
                continue;
            };
            self.add(name, Place::File(entry.path().to_path_buf()))?;
        }
        Ok(())
    }

    /// Every file's path, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The file at `name`, or `uri` as a post names it: the path itself, the
    /// path under the export's one top folder, or (a split export names a file
    /// stored in another part) the one file of that base name.
    pub fn resolve(&self, uri: &str) -> Option<&str> {
        let uri = clean_name(uri)?;
        if let Some((k, _)) = self.files.get_key_value(&uri) {
            return Some(k);
        }
        let tail = format!("/{uri}");
        if let Some(k) = self.files.keys().find(|k| k.ends_with(&tail)) {
            return Some(k);
        }
        let base = uri.rsplit('/').next()?;
        let mut same = self
            .files
            .keys()
            .filter(|k| k.rsplit('/').next() == Some(base));
        match (same.next(), same.next()) {
            (Some(k), None) => Some(k),
            _ => None,
        }
    }

    /// Reads `name`, refusing more than `limit` bytes (a member's declared
    /// size is not trusted: reading stops past the limit).
    pub fn read(&self, name: &str, limit: u64) -> Result<Vec<u8>, String> {
        let place = self
            .files
            .get(name)
            .ok_or_else(|| format!("{name} is not in the export"))?;
        let mut bytes = Vec::new();
        let too_large = || format!("{name} is larger than {} MiB", limit >> 20);
        match place {
            Place::File(path) => {
                let file = File::open(path).map_err(|e| format!("{name}: {e}"))?;
                file.take(limit + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| format!("{name}: {e}"))?;
            }
            Place::Zip { part, index } => {
                let mut zip = self.zips[*part].lock().expect("zip lock");
                let member = zip.by_index(*index).map_err(|e| format!("{name}: {e}"))?;
                member
                    .take(limit + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| format!("{name}: {e}"))?;
            }
        }
        if bytes.len() as u64 > limit {
            return Err(too_large());
        }
        Ok(bytes)
    }
}
