//! The build cache: a step already done is not done again.
//!
//! A step's key is the sha256 of what decides its result: the key of the
//! step before it (for the first, the base image's id), the instruction
//! as it reads after variables are replaced (for RUN, with the build
//! arguments it sees), and for COPY and ADD a digest of the files copied.
//! Change any of them and this step and every later one get new keys:
//! they run again. The entry under a key, one small JSON file in
//! `<data>/build-cache/`, says which layer the step made (its blob and
//! diff_id, both in the image store) and when; a hit is used only if that
//! layer is still in the store (`image prune` may have removed it).

use std::path::PathBuf;

use rootfs_fetch::oci::digest::Digest;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::image::store::{Store, write_atomic};
use crate::paths::Paths;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LayerRef {
    pub digest: Digest,
    pub size: u64,
    pub diff_id: Digest,
}

/// What one step made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// The history entry's time.
    pub created: String,
    /// The layer, when the step made one.
    pub layer: Option<LayerRef>,
}

pub struct Cache {
    dir: PathBuf,
}

/// The key of a step after `parent`.
pub fn key(parent: &str, text: &str, content: &str) -> String {
    let all = format!("{parent}\n{text}\n{content}");
    Digest::of(all.as_bytes()).hex().to_string()
}

impl Cache {
    pub fn open(paths: &Paths) -> Result<Cache, Error> {
        let dir = paths.data.join("build-cache");
        std::fs::create_dir_all(&dir).map_err(Error::io("create", &dir))?;
        Ok(Cache { dir })
    }

    /// The entry for `key`, if its layer is still in `store`.
    pub fn get(&self, store: &Store, key: &str) -> Option<Entry> {
        let bytes = std::fs::read(self.dir.join(key)).ok()?;
        let e: Entry = serde_json::from_slice(&bytes).ok()?;
        Cache::usable(store, &e).then_some(e)
    }

    pub fn put(&self, key: &str, e: &Entry) -> Result<(), Error> {
        write_atomic(&self.dir.join(key), &serde_json::to_vec(e).expect("json"))
    }

    /// Every entry: its key, and what it says when it still reads (a
    /// half-written or foreign file reads as `None`).
    pub fn entries(&self) -> Result<Vec<(String, Option<Entry>)>, Error> {
        let mut all = Vec::new();
        for e in std::fs::read_dir(&self.dir).map_err(Error::io("read", &self.dir))? {
            let e = e.map_err(Error::io("read", &self.dir))?;
            let key = e.file_name().to_string_lossy().into_owned();
            if key.starts_with('.') {
                continue;
            }
            let entry = std::fs::read(e.path())
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok());
            all.push((key, entry));
        }
        all.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(all)
    }

    /// Whether the entry could still be used: its layer (if it made one)
    /// is still in the store.
    pub fn usable(store: &Store, e: &Entry) -> bool {
        e.layer
            .as_ref()
            .is_none_or(|l| store.has_blob(&l.digest) && store.layer_path(&l.diff_id).is_dir())
    }

    /// Remove the entries that can no longer be used (their layer went
    /// with its image), or with `all` every one; their keys.
    pub fn prune(&self, store: &Store, all: bool) -> Result<Vec<String>, Error> {
        let mut gone = Vec::new();
        for (key, e) in self.entries()? {
            if all || !e.is_some_and(|e| Cache::usable(store, &e)) {
                let p = self.dir.join(&key);
                std::fs::remove_file(&p).map_err(Error::io("remove", &p))?;
                gone.push(key);
            }
        }
        Ok(gone)
    }
}
