//! Where pulled images live: an OCI image layout plus unpacked layers.
//!
//! `<data>/images` is an OCI image layout (image-spec "image layout"):
//! `oci-layout`, `index.json` naming each image by its reference in the
//! `org.opencontainers.image.ref.name` annotation, and `blobs/sha256/HEX`
//! holding manifests, configs and compressed layers, each named by its
//! digest. skopeo and umoci read it (`skopeo inspect oci:/var/lib/dockling/images:REF`).
//! `<data>/layers/HEX` is each layer unpacked once, named by its diff_id
//! (the digest of the uncompressed tar) and shared by every image that
//! has it; overlayfs stacks them for a run. Everything is written to a
//! temporary name and renamed into place, so a reader never sees half a
//! blob or half a layer, and index.json changes under a lock.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rootfs_fetch::oci::digest::Digest;
use rootfs_fetch::oci::manifest::{self, Descriptor, ImageConfig, Manifest};
use rootfs_fetch::oci::reference::Reference;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::paths::Paths;

pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The sum of the layers' unpacked file sizes, for `dockling images`.
pub const SIZE: &str = "io.dockling.size";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct IndexFile {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    #[serde(rename = "mediaType", default)]
    media_type: String,
    manifests: Vec<Descriptor>,
}

pub struct Store {
    pub images: PathBuf,
    pub layers: PathBuf,
}

/// One image in the store.
#[derive(Debug, Clone)]
pub struct Image {
    pub reference: String,
    pub manifest_digest: Digest,
    pub manifest: Manifest,
    pub config: ImageConfig,
    pub size: u64,
}

impl Image {
    /// docker's image id: the config's digest.
    pub fn id(&self) -> &Digest {
        &self.manifest.config.digest
    }
}

pub use crate::lock::Lock;

impl Store {
    pub fn open(paths: &Paths) -> Result<Store, Error> {
        let s = Store {
            images: paths.data.join("images"),
            layers: paths.data.join("layers"),
        };
        for d in [s.images.join("blobs/sha256"), s.layers.clone()] {
            fs::create_dir_all(&d).map_err(Error::io("create", &d))?;
        }
        let layout = s.images.join("oci-layout");
        if !layout.exists() {
            write_atomic(&layout, br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        }
        Ok(s)
    }

    pub fn lock(&self) -> Result<Lock, Error> {
        crate::lock::lock_dir(&self.images.join(".lock"))
    }

    pub fn blob_path(&self, d: &Digest) -> PathBuf {
        self.images.join("blobs/sha256").join(d.hex())
    }

    pub fn layer_path(&self, diff_id: &Digest) -> PathBuf {
        self.layers.join(diff_id.hex())
    }

    pub fn has_blob(&self, d: &Digest) -> bool {
        self.blob_path(d).exists()
    }

    /// Store a small blob (manifest, config) whose digest is known to match.
    pub fn put_blob(&self, d: &Digest, bytes: &[u8]) -> Result<(), Error> {
        let p = self.blob_path(d);
        if p.exists() {
            return Ok(());
        }
        write_atomic(&p, bytes)
    }

    pub fn read_blob(&self, d: &Digest) -> Result<Vec<u8>, Error> {
        let p = self.blob_path(d);
        let bytes = fs::read(&p).map_err(Error::io("read", &p))?;
        if Digest::of(&bytes) != *d {
            return Err(Error::Hinted {
                message: format!("blob {d} in the store is damaged"),
                hint: "remove the image with `dockling rmi` and pull it again".into(),
            });
        }
        Ok(bytes)
    }

    /// A temporary directory or file name next to `dir`'s entries.
    pub fn temp_in(dir: &Path, what: &str) -> PathBuf {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        dir.join(format!(
            ".tmp-{what}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ))
    }

    fn read_index(&self) -> Result<IndexFile, Error> {
        let p = self.images.join("index.json");
        match fs::read(&p) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| Error::Hinted {
                message: format!("{} is not a valid index: {e}", p.display()),
                hint: "it is dockling's image list; restore or remove it".into(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(IndexFile {
                schema_version: 2,
                media_type: manifest::OCI_INDEX.into(),
                manifests: Vec::new(),
            }),
            Err(e) => Err(Error::io("read", p)(e)),
        }
    }

    fn write_index(&self, idx: &IndexFile) -> Result<(), Error> {
        let text = serde_json::to_vec_pretty(idx).expect("index serialises");
        write_atomic(&self.images.join("index.json"), &text)
    }

    /// Name `manifest` (already in blobs/) as `reference`, replacing what
    /// the name meant before. Call under [`Store::lock`].
    pub fn tag(&self, reference: &str, manifest: &Descriptor, size: u64) -> Result<(), Error> {
        let mut idx = self.read_index()?;
        idx.manifests.retain(|d| ref_name(d) != Some(reference));
        let mut d = manifest.clone();
        let mut ann = BTreeMap::new();
        ann.insert(REF_NAME.to_string(), reference.to_string());
        ann.insert(SIZE.to_string(), size.to_string());
        d.annotations = Some(ann);
        d.platform = None;
        idx.manifests.push(d);
        self.write_index(&idx)
    }

    /// Every image, in the order they were stored.
    pub fn list(&self) -> Result<Vec<Image>, Error> {
        let idx = self.read_index()?;
        idx.manifests.iter().map(|d| self.load(d)).collect()
    }

    fn load(&self, d: &Descriptor) -> Result<Image, Error> {
        let bad = |what: &str, e: serde_json::Error| Error::Hinted {
            message: format!("{what} of {} in the store cannot be read: {e}", d.digest),
            hint: "remove the image with `dockling rmi` and pull it again".into(),
        };
        let manifest: Manifest = serde_json::from_slice(&self.read_blob(&d.digest)?)
            .map_err(|e| bad("the manifest", e))?;
        let config: ImageConfig = serde_json::from_slice(&self.read_blob(&manifest.config.digest)?)
            .map_err(|e| bad("the config", e))?;
        Ok(Image {
            reference: ref_name(d).unwrap_or("<none>").to_string(),
            manifest_digest: d.digest.clone(),
            size: d
                .annotations
                .as_ref()
                .and_then(|a| a.get(SIZE))
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
            manifest,
            config,
        })
    }

    /// The image a user means by `name`: a reference (normalised like
    /// docker's), or an image id (or its first 12+ hex digits).
    pub fn find(&self, name: &str) -> Result<Option<Image>, Error> {
        let images = self.list()?;
        if let Ok(r) = name.parse::<Reference>() {
            let want = r.to_string();
            if let Some(i) = images.iter().find(|i| i.reference == want) {
                return Ok(Some(i.clone()));
            }
            if let Some(d) = &r.digest
                && let Some(i) = images
                    .iter()
                    .find(|i| &i.manifest_digest == d && i.reference.starts_with(&r.name()))
            {
                return Ok(Some(i.clone()));
            }
        }
        let hex = name.strip_prefix("sha256:").unwrap_or(name);
        if hex.len() >= 12 && hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Ok(images.into_iter().find(|i| i.id().hex().starts_with(hex)));
        }
        Ok(None)
    }

    /// Remove the name `reference`; then every blob and layer no image
    /// uses any more. Returns what was removed. Call under the lock.
    pub fn untag(&self, reference: &str) -> Result<bool, Error> {
        let mut idx = self.read_index()?;
        let before = idx.manifests.len();
        idx.manifests.retain(|d| ref_name(d) != Some(reference));
        if idx.manifests.len() == before {
            return Ok(false);
        }
        self.write_index(&idx)?;
        Ok(true)
    }

    /// Remove the temporary files and directories of pulls whose process
    /// is gone (killed midway); a live pull's are left alone.
    pub fn remove_stale_temps(&self) {
        for dir in [self.layers.clone(), self.images.join("blobs/sha256")] {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let Some(rest) = name.strip_prefix(".tmp-") else {
                    continue;
                };
                let pid: Option<i32> = rest.split('-').nth(1).and_then(|p| p.parse().ok());
                let alive =
                    pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
                if !alive {
                    let _ = remove_tree(&e.path()).or_else(|_| {
                        fs::remove_file(e.path()).map_err(Error::io("remove", e.path()))
                    });
                    let _ = fs::remove_file(e.path());
                }
            }
        }
    }

    /// Remove blobs and layers that no image in index.json refers to, and
    /// temporary files of interrupted pulls. Call under the lock.
    pub fn collect_garbage(&self) -> Result<(usize, usize), Error> {
        let mut blobs = std::collections::HashSet::new();
        let mut layers = std::collections::HashSet::new();
        for img in self.list()? {
            blobs.insert(img.manifest_digest.hex().to_string());
            blobs.insert(img.manifest.config.digest.hex().to_string());
            for l in &img.manifest.layers {
                blobs.insert(l.digest.hex().to_string());
            }
            for d in &img.config.rootfs.diff_ids {
                layers.insert(d.hex().to_string());
            }
        }
        let mut removed = (0, 0);
        let blob_dir = self.images.join("blobs/sha256");
        for e in fs::read_dir(&blob_dir)
            .map_err(Error::io("read", &blob_dir))?
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with(".tmp-") && !blobs.contains(&name) {
                let _ = fs::remove_file(e.path());
                removed.0 += 1;
            }
        }
        for e in fs::read_dir(&self.layers)
            .map_err(Error::io("read", &self.layers))?
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(".tmp-") {
                continue;
            }
            if let Some(hex) = name.strip_suffix(".size") {
                if !layers.contains(hex) {
                    let _ = fs::remove_file(e.path());
                }
                continue;
            }
            if !layers.contains(&name) {
                remove_tree(&e.path())?;
                removed.1 += 1;
            }
        }
        self.remove_stale_temps();
        Ok(removed)
    }
}

/// Remove this process's temporary files and directories in `dirs`.
pub fn remove_own_temps(dirs: &[PathBuf]) {
    let me = std::process::id() as i32;
    remove_temps(dirs, |pid| pid == Some(me));
}

/// Remove the `.tmp-WHAT-PID-N` entries of `dirs` whose PID `doomed` picks.
fn remove_temps(dirs: &[PathBuf], doomed: impl Fn(Option<i32>) -> bool) {
    for dir in dirs {
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(rest) = name.strip_prefix(".tmp-") else {
                continue;
            };
            if doomed(rest.split('-').nth(1).and_then(|p| p.parse().ok())) {
                let p = e.path();
                let _ = if p.is_dir() {
                    remove_tree(&p)
                } else {
                    fs::remove_file(&p).map_err(Error::io("remove", &p))
                };
            }
        }
    }
}

/// Remove a directory tree even when the image made parts of it read-only.
pub fn remove_tree(p: &Path) -> Result<(), Error> {
    match fs::remove_dir_all(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("remove", p)(e)),
    }
}

fn ref_name(d: &Descriptor) -> Option<&str> {
    d.annotations.as_ref()?.get(REF_NAME).map(String::as_str)
}

/// Write to a temporary name in the same directory, fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_atomic_mode(path, bytes, 0o644)
}

/// [`write_atomic`] with the file's permissions (made with them, so a
/// secret is never readable by others, not even for a moment).
pub fn write_atomic_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path.parent().expect("store paths have a parent");
    let tmp = Store::temp_in(dir, "write");
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(Error::io("create", &tmp))?;
    f.write_all(bytes).map_err(Error::io("write", &tmp))?;
    f.sync_all().map_err(Error::io("sync", &tmp))?;
    fs::rename(&tmp, path).map_err(Error::io("rename into place", path))
}
