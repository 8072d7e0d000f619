//! Where the store's blobs are known to be at a registry: for each blob
//! digest, the repositories (`REGISTRY/NAME`) it was pulled from or pushed
//! to, in `<data>/blob-sources.json`. A push to another repository of the
//! same registry can then ask the registry to *mount* the blob (link it
//! from the repository that has it) instead of uploading it, as docker
//! does with what it remembers of its pulls and pushes. It is a hint, not
//! a promise: the registry may have lost the blob, and then answers the
//! mount with an ordinary upload.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rootfs_fetch::oci::digest::Digest;

use super::store::{Store, write_atomic};
use crate::error::Error;
use crate::paths::Paths;

fn path(paths: &Paths) -> PathBuf {
    paths.data.join("blob-sources.json")
}

type Sources = BTreeMap<String, Vec<String>>;

/// An unreadable file is an empty one: it only saves uploads.
fn read(paths: &Paths) -> Sources {
    std::fs::read(path(paths))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Remember that `repo` (`REGISTRY/NAME`) holds each of `blobs`.
pub fn record(paths: &Paths, repo: &str, blobs: &[Digest]) -> Result<(), Error> {
    let store = Store::open(paths)?;
    let _lock = store.lock()?;
    let mut s = read(paths);
    let mut changed = false;
    for d in blobs {
        let list = s.entry(d.to_string()).or_default();
        if !list.iter().any(|r| r == repo) {
            list.push(repo.to_string());
            changed = true;
        }
    }
    if !changed {
        return Ok(());
    }
    let text = serde_json::to_vec_pretty(&s).expect("serialises");
    write_atomic(&path(paths), &text)
}

/// The repositories of `registry` known to hold `d`, without the registry
/// part (`NAME`), other than `except`.
pub fn repositories(paths: &Paths, registry: &str, d: &Digest, except: &str) -> Vec<String> {
    let prefix = format!("{registry}/");
    read(paths)
        .get(&d.to_string())
        .map(|list| {
            list.iter()
                .filter_map(|r| r.strip_prefix(&prefix))
                .filter(|name| *name != except)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
