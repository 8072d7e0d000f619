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
//!
//! The layout holds OCI documents only: a docker schema2 manifest is
//! stored in its OCI form ([`layout_form`]: the same config and layer
//! blobs under OCI media types, as `skopeo copy --format oci` writes it),
//! and the registry's own manifest digest is kept beside it in the
//! index's `io.dockling.repo.digest` annotation, as docker keeps
//! RepoDigests: `pull` prints it, `image inspect` shows it, and `NAME@DIGEST`
//! finds the image by it. Every blob a stored manifest names is in
//! `blobs/` (skopeo and umoci read them), even when its layer was unpacked
//! already from another image's blob.
//!
//! What may be removed, and when, is decided by [`Store::collect_garbage`]
//! under the store's lock, with the pins of [`super::pins`] (pulls in
//! progress, running containers) counted as users. Temporary files are
//! named `.tmp-WHAT-PID-N`; those of a process that is gone are swept by
//! `image prune` and `dockling cleanup`.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rootfs_fetch::oci::client::Resolved;
use rootfs_fetch::oci::digest::Digest;
use rootfs_fetch::oci::manifest::{self, Descriptor, ImageConfig, Manifest};
use rootfs_fetch::oci::reference::Reference;
use serde::{Deserialize, Serialize};

use super::pins::{self, Pin, Pinned};
use crate::error::Error;
use crate::msg;
use crate::narrate::messages::{Msg, images as m};
use crate::paths::Paths;

pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The sum of the layers' unpacked file sizes, for `dockling images`.
pub const SIZE: &str = "io.dockling.size";
/// The registry's digest of the manifest, when the layout holds another
/// form of it (a docker schema2 manifest stored as OCI).
pub const REPO_DIGEST: &str = "io.dockling.repo.digest";
/// The index (every platform) an image was pulled with, kept whole by
/// `pull --all-platforms` (see [`super::platforms`]).
pub const INDEX: &str = "io.dockling.index";
/// `DOCKLING_MAX_IMAGE_SIZE`: how many bytes a pull or load may unpack.
pub const MAX_SIZE_ENV: &str = "DOCKLING_MAX_IMAGE_SIZE";
/// Without [`MAX_SIZE_ENV`], this much of the store's filesystem stays
/// free (a twentieth of it, at most 512 MiB), so a pull cannot fill the
/// disk that the rest of the system writes to.
const FREE_MARGIN_MAX: u64 = 512 << 20;

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
    /// The pins of pulls and runs ([`super::pins`]).
    pub pins: PathBuf,
}

/// One image in the store.
#[derive(Debug, Clone)]
pub struct Image {
    pub reference: String,
    /// The manifest's digest at the registry (docker's RepoDigest).
    pub manifest_digest: Digest,
    /// The digest of the manifest blob in the layout: the same, unless a
    /// docker schema2 manifest was stored in its OCI form.
    pub layout_digest: Digest,
    pub manifest: Manifest,
    pub config: ImageConfig,
    pub size: u64,
    /// The multi-platform index kept with it, when it was pulled whole.
    pub index: Option<Digest>,
}

/// A manifest as the layout stores it (see [`layout_form`]).
pub struct Stored {
    pub bytes: Vec<u8>,
    pub digest: Digest,
    pub manifest: Manifest,
    /// The registry's digest of the manifest.
    pub repo_digest: Digest,
}

/// The form a manifest is stored in: OCI as it came; a docker schema2 one
/// converted to OCI media types (same blobs), keeping the registry's
/// digest aside.
pub fn layout_form(resolved: Resolved) -> Stored {
    let Resolved {
        bytes,
        digest,
        manifest,
        ..
    } = resolved;
    match manifest.to_oci() {
        Some(oci) => {
            let bytes = serde_json::to_vec(&oci).expect("a manifest serialises");
            Stored {
                digest: Digest::of(&bytes),
                bytes,
                manifest: oci,
                repo_digest: digest,
            }
        }
        None => Stored {
            bytes,
            repo_digest: digest.clone(),
            digest,
            manifest,
        },
    }
}

/// What a garbage collection removed and kept.
#[derive(Debug, Default)]
pub struct Collected {
    pub blobs: usize,
    pub layers: usize,
    /// Layers no image names that were kept for a live pin (a running
    /// container, a pull in progress).
    pub held: usize,
    pub stale_pins: usize,
}

/// The free space of a filesystem (statvfs(2)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space {
    /// Bytes free for ordinary writers (f_bavail): root could also use the
    /// filesystem's reserve, which this leaves alone.
    pub free: u64,
    pub total: u64,
}

/// Where an image's size limit comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitSource {
    /// `DOCKLING_MAX_IMAGE_SIZE`.
    Env,
    /// The store's free space less a margin.
    FreeSpace { free: u64, margin: u64 },
}

/// How many bytes one image's new layers may unpack to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimit {
    pub bytes: u64,
    pub source: LimitSource,
}

/// The size limit for an image whose missing layers are `compressed`
/// bytes: `env` (`DOCKLING_MAX_IMAGE_SIZE`, e.g. `2g`) if given, else what
/// the store's filesystem has free, less a margin and the compressed
/// blobs (they are stored too). An error when not even the blobs fit.
pub fn size_limit(env: Option<&str>, space: Space, compressed: u64) -> Result<SizeLimit, String> {
    if let Some(v) = env {
        let bytes = crate::cgroups::limits::size(MAX_SIZE_ENV, v, 1 << 60)?;
        if bytes == 0 {
            return Err(msg!(m::SIZE_LIMIT_ZERO, env = MAX_SIZE_ENV, value = v));
        }
        return Ok(SizeLimit {
            bytes,
            source: LimitSource::Env,
        });
    }
    let margin = (space.total / 20).min(FREE_MARGIN_MAX);
    let bytes = space.free.saturating_sub(margin).saturating_sub(compressed);
    if bytes == 0 {
        return Err(msg!(
            m::SIZE_LIMIT_NO_ROOM,
            compressed = human(compressed),
            free = human(space.free),
            margin = human(margin)
        ));
    }
    Ok(SizeLimit {
        bytes,
        source: LimitSource::FreeSpace {
            free: space.free,
            margin,
        },
    })
}

pub fn human(bytes: u64) -> String {
    crate::cgroups::limits::human(bytes)
}

/// Whether an error (or one of its causes) is a full disk or quota.
pub fn is_storage_full(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && (matches!(
                io.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            ) || matches!(io.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EDQUOT)))
        {
            return true;
        }
        cur = err.source();
    }
    false
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
            pins: paths.data.join("pins"),
        };
        for d in [
            s.images.join("blobs/sha256"),
            s.layers.clone(),
            s.pins.clone(),
        ] {
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

    /// Publish a pin (see [`super::pins`]) under the store's lock.
    pub fn pin(&self, what: &Pinned) -> Result<Pin, Error> {
        let lock = self.lock()?;
        pins::publish(&self.pins, what, &lock)
    }

    /// Find the image `name` and pin its layers for `holder`, under one
    /// hold of the lock: no collection can come in between.
    pub fn pin_image(
        &self,
        name: &str,
        holder: pins::Holder,
        id: &str,
    ) -> Result<Option<(Image, Pin)>, Error> {
        let lock = self.lock()?;
        let Some(img) = self.find(name)? else {
            return Ok(None);
        };
        let what = Pinned {
            holder,
            id: id.to_string(),
            reference: img.reference.clone(),
            image: Some(img.id().clone()),
            blobs: Vec::new(),
            layers: img.config.rootfs.diff_ids.clone(),
        };
        let pin = pins::publish(&self.pins, &what, &lock)?;
        Ok(Some((img, pin)))
    }

    /// The pins of live holders. Call under the lock.
    pub fn live_pins(&self) -> Result<Vec<Pinned>, Error> {
        Ok(pins::scan(&self.pins)?.live)
    }

    /// The free space of the filesystem that holds the layers.
    pub fn space(&self) -> Result<Space, Error> {
        let st = nix::sys::statvfs::statvfs(&self.layers)
            .map_err(Error::sys(format!("statvfs {}", self.layers.display())))?;
        let frsize = st.fragment_size() as u64;
        Ok(Space {
            free: st.blocks_available() as u64 * frsize,
            total: st.blocks() as u64 * frsize,
        })
    }

    /// The error for a full disk: where, and how much is free.
    pub fn disk_full(&self) -> Error {
        let free = self
            .space()
            .map(|s| msg!(m::FREE_SPACE, size = human(s.free)))
            .unwrap_or_else(|_| msg!(m::FREE_SPACE_UNKNOWN));
        Error::Hinted {
            message: msg!(m::DISK_FULL, dir = self.layers.display(), free = free),
            hint: msg!(m::DISK_FULL_HINT),
        }
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
                message: msg!(m::BLOB_DAMAGED, digest = d),
                hint: msg!(m::REMOVE_AND_PULL_AGAIN_HINT),
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
                message: msg!(m::BAD_INDEX, path = p.display(), error = e),
                hint: msg!(m::BAD_INDEX_HINT),
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
    /// the name meant before; `repo_digest` is the registry's digest of it,
    /// `index` the whole index kept with it (in blobs/ too).
    /// Call under [`Store::lock`].
    pub fn tag(
        &self,
        reference: &str,
        manifest: &Descriptor,
        repo_digest: &Digest,
        size: u64,
        index: Option<&Digest>,
    ) -> Result<(), Error> {
        let mut idx = self.read_index()?;
        idx.manifests.retain(|d| ref_name(d) != Some(reference));
        let mut d = manifest.clone();
        let mut ann = BTreeMap::new();
        ann.insert(REF_NAME.to_string(), reference.to_string());
        ann.insert(SIZE.to_string(), size.to_string());
        if repo_digest != &manifest.digest {
            ann.insert(REPO_DIGEST.to_string(), repo_digest.to_string());
        }
        if let Some(index) = index {
            ann.insert(INDEX.to_string(), index.to_string());
        }
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
        let bad = |what: Msg, e: serde_json::Error| Error::Hinted {
            message: msg!(what, digest = d.digest, error = e),
            hint: msg!(m::REMOVE_AND_PULL_AGAIN_HINT),
        };
        let manifest: Manifest = serde_json::from_slice(&self.read_blob(&d.digest)?)
            .map_err(|e| bad(m::STORED_MANIFEST_UNREADABLE, e))?;
        let config: ImageConfig = serde_json::from_slice(&self.read_blob(&manifest.config.digest)?)
            .map_err(|e| bad(m::STORED_CONFIG_UNREADABLE, e))?;
        let repo_digest = d
            .annotations
            .as_ref()
            .and_then(|a| a.get(REPO_DIGEST))
            .and_then(|s| s.parse().ok());
        Ok(Image {
            reference: ref_name(d).unwrap_or("<none>").to_string(),
            manifest_digest: repo_digest.unwrap_or_else(|| d.digest.clone()),
            layout_digest: d.digest.clone(),
            size: d
                .annotations
                .as_ref()
                .and_then(|a| a.get(SIZE))
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
            index: d
                .annotations
                .as_ref()
                .and_then(|a| a.get(INDEX))
                .and_then(|s| s.parse().ok()),
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

    /// Remove the name `reference` (its blobs and layers stay until a
    /// collection). Returns whether it was there. Call under the lock.
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

    /// Keep `manifest` in the index without a name (`docker commit` with
    /// no repository: a `<none>` image). Call under [`Store::lock`].
    pub fn keep_unnamed(&self, manifest: &Descriptor, size: u64) -> Result<(), Error> {
        let mut idx = self.read_index()?;
        if idx.manifests.iter().any(|d| d.digest == manifest.digest) {
            return Ok(());
        }
        let mut d = manifest.clone();
        d.annotations = Some(BTreeMap::from([(SIZE.to_string(), size.to_string())]));
        d.platform = None;
        idx.manifests.push(d);
        self.write_index(&idx)
    }

    /// Every directory that holds temporary entries.
    pub fn temp_dirs(&self) -> Vec<PathBuf> {
        vec![
            self.images.clone(),
            self.images.join("blobs/sha256"),
            self.layers.clone(),
            self.pins.clone(),
        ]
    }

    /// Remove the temporary files and directories (`.tmp-write-*`,
    /// partial blobs and layers, load staging, unpublished pins) of
    /// processes that are gone; a live pull's are left alone.
    pub fn remove_stale_temps(&self) -> Result<usize, Error> {
        remove_temps(&self.temp_dirs(), |pid| {
            pid.is_none_or(|p| !Path::new(&format!("/proc/{p}")).exists())
        })
    }

    /// Remove the pins of holders that are gone and the temporary files of
    /// processes that are gone (`dockling cleanup`). Call under the lock.
    pub fn sweep(&self, _held: &Lock) -> Result<(usize, usize), Error> {
        let scan = pins::scan(&self.pins)?;
        let pins = pins::sweep(&scan.stale)?;
        Ok((pins, self.remove_stale_temps()?))
    }

    /// Remove blobs and layers that no image in index.json and no live pin
    /// refers to, stale pins, and temporary files of interrupted pulls.
    /// Call under the lock (`_held`).
    pub fn collect_garbage(&self, _held: &Lock) -> Result<Collected, Error> {
        let scan = pins::scan(&self.pins)?;
        let mut blobs = HashSet::new();
        let mut layers = HashSet::new();
        for img in self.list()? {
            blobs.insert(img.layout_digest.hex().to_string());
            blobs.insert(img.manifest.config.digest.hex().to_string());
            for l in &img.manifest.layers {
                blobs.insert(l.digest.hex().to_string());
            }
            for d in &img.config.rootfs.diff_ids {
                layers.insert(d.hex().to_string());
            }
            // The other platforms of an image pulled whole: as long as
            // the image, even if some are unreadable (damaged, they are
            // kept for a look rather than half removed).
            if let Some(index) = &img.index {
                blobs.extend(
                    super::platforms::blobs_of(self, index)
                        .iter()
                        .map(|d| d.hex().to_string()),
                );
            }
        }
        let mut pinned_layers = HashSet::new();
        for p in &scan.live {
            blobs.extend(p.blobs.iter().map(|d| d.hex().to_string()));
            pinned_layers.extend(p.layers.iter().map(|d| d.hex().to_string()));
        }
        let mut c = Collected::default();
        let blob_dir = self.images.join("blobs/sha256");
        for e in fs::read_dir(&blob_dir).map_err(Error::io("read", &blob_dir))? {
            let e = e.map_err(Error::io("read", &blob_dir))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with(".tmp-") && !blobs.contains(&name) {
                remove_entry(&e.path())?;
                c.blobs += 1;
            }
        }
        for e in fs::read_dir(&self.layers).map_err(Error::io("read", &self.layers))? {
            let e = e.map_err(Error::io("read", &self.layers))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(".tmp-") {
                continue;
            }
            let hex = name.strip_suffix(".size").unwrap_or(&name);
            if layers.contains(hex) {
                continue;
            }
            if pinned_layers.contains(hex) {
                c.held += usize::from(!name.ends_with(".size"));
                continue;
            }
            remove_entry(&e.path())?;
            c.layers += usize::from(!name.ends_with(".size"));
        }
        c.stale_pins = pins::sweep(&scan.stale)?;
        self.remove_stale_temps()?;
        Ok(c)
    }
}

/// Remove this process's temporary files and directories in `dirs`.
pub fn remove_own_temps(dirs: &[PathBuf]) -> Result<usize, Error> {
    let me = std::process::id() as i32;
    remove_temps(dirs, |pid| pid == Some(me))
}

/// Remove the `.tmp-WHAT-PID-N` entries of `dirs` whose PID `doomed` picks.
fn remove_temps(dirs: &[PathBuf], doomed: impl Fn(Option<i32>) -> bool) -> Result<usize, Error> {
    let mut n = 0;
    for dir in dirs {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io("read", dir)(e)),
        };
        for e in entries {
            let e = e.map_err(Error::io("read", dir))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(rest) = name.strip_prefix(".tmp-") else {
                continue;
            };
            if doomed(rest.split('-').nth(1).and_then(|p| p.parse().ok())) {
                remove_entry(&e.path())?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Remove a file or a directory tree; one already gone is fine.
fn remove_entry(p: &Path) -> Result<(), Error> {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => remove_tree(p),
        Ok(_) => match fs::remove_file(p) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("remove", p)(e)),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("read", p)(e)),
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
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .map_err(Error::io("create", &tmp))?;
        f.write_all(bytes).map_err(Error::io("write", &tmp))?;
        f.sync_all().map_err(Error::io("sync", &tmp))?;
        fs::rename(&tmp, path).map_err(Error::io("rename into place", path))
    })();
    if result.is_err()
        && let Err(e) = fs::remove_file(&tmp)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        // The write's own error is the one to report; this one says why a
        // `.tmp-write-*` file is left for `image prune` or `cleanup`.
        let warning = msg!(m::CANNOT_REMOVE, path = tmp.display(), error = e);
        eprintln!("{}", msg!(m::WARNING, warning = warning));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    #[test]
    fn the_size_limit_comes_from_the_environment_or_the_free_space() {
        let space = Space {
            free: 10 * GIB,
            total: 100 * GIB,
        };
        let l = size_limit(Some("2g"), space, 0).unwrap();
        assert_eq!(l.bytes, 2 * GIB);
        assert_eq!(l.source, LimitSource::Env);
        assert_eq!(size_limit(Some("512m"), space, 0).unwrap().bytes, 512 << 20);
        assert!(
            size_limit(Some("lots"), space, 0)
                .unwrap_err()
                .contains(MAX_SIZE_ENV)
        );
        assert!(size_limit(Some("0"), space, 0).is_err());
        // A big disk keeps 512 MiB free; the compressed blobs count too.
        let l = size_limit(None, space, GIB).unwrap();
        assert_eq!(l.bytes, 10 * GIB - (512 << 20) - GIB);
        assert_eq!(
            l.source,
            LimitSource::FreeSpace {
                free: 10 * GIB,
                margin: 512 << 20
            }
        );
        // A small one keeps a twentieth.
        let small = Space {
            free: 60 << 20,
            total: 64 << 20,
        };
        let l = size_limit(None, small, 0).unwrap();
        assert_eq!(l.bytes, (60 << 20) - (64 << 20) / 20);
        // No room even for the blobs: refused before downloading.
        let e = size_limit(None, small, 80 << 20).unwrap_err();
        assert!(e.contains("80 MiB compressed"), "{e}");
    }

    #[test]
    fn a_full_disk_is_recognised_through_wrapped_errors() {
        let enospc = std::io::Error::from_raw_os_error(libc::ENOSPC);
        assert!(is_storage_full(&enospc));
        let wrapped = Error::Io {
            what: "write",
            path: "/x".into(),
            source: std::io::Error::new(enospc.kind(), "wrapped"),
        };
        assert!(is_storage_full(&wrapped));
        assert!(!is_storage_full(&std::io::Error::other("no")));
    }
}
