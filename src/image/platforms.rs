//! An image pulled whole: every platform of a multi-platform index.
//!
//! A tag can name an index (an OCI image index, a docker manifest list)
//! with one image per platform. A pull takes this machine's; `pull
//! --all-platforms` (the flag of containerd's `ctr` and of nerdctl)
//! takes that one in the same way, unpacked to run, and keeps the others
//! as they came: the index's bytes, each platform's manifest, config and
//! compressed layers, as blobs of the store's layout, none unpacked (this
//! machine could not run them). The image's entry names the index in its
//! `io.dockling.index` annotation ([`super::store::INDEX`]), so that
//! `tag` keeps it, `push` sends every platform and then the index itself
//! byte for byte (the registry's digest is the one that was pulled), and
//! `rmi` and a collection let go of it all together.

use std::sync::Mutex;

use rootfs_fetch::oci::client::{Client, Exchange};
use rootfs_fetch::oci::digest::Digest;
use rootfs_fetch::oci::manifest::{self, Descriptor, Index, Manifest};

use super::pull::{ImageBudget, client_err};
use super::store::{self, Store};
use crate::error::Error;
use crate::msg;
use crate::narrate::messages::images as m;
use crate::narrate::{Event, Narrator};

/// One platform's image of an index.
pub struct Platform {
    /// The index's entry for it (digest, size, media type, platform).
    pub entry: Descriptor,
    /// Its manifest, as the registry sent it.
    pub bytes: Vec<u8>,
    pub manifest: Manifest,
}

/// An index and the manifests it lists.
pub struct Whole {
    pub digest: Digest,
    pub bytes: Vec<u8>,
    /// Its media type: an OCI index, or a docker manifest list.
    pub media_type: String,
    pub platforms: Vec<Platform>,
}

impl Whole {
    /// The index `bytes` (of `digest`), with each manifest it lists read
    /// by `read` (bytes that must have the entry's digest).
    fn parse(
        digest: Digest,
        bytes: Vec<u8>,
        read: &mut dyn FnMut(&Descriptor) -> Result<Vec<u8>, Error>,
    ) -> Result<Whole, Error> {
        let bad = |e: String| Error::Usage(msg!(m::WHOLE_BAD, digest = digest, error = e));
        let index: Index = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        let media_type = if index.media_type.is_empty() {
            manifest::OCI_INDEX.to_string()
        } else {
            index.media_type.clone()
        };
        let mut platforms = Vec::new();
        for entry in index.manifests {
            if matches!(
                entry.media_type.as_str(),
                manifest::OCI_INDEX | manifest::DOCKER_LIST
            ) {
                return Err(bad(msg!(m::WHOLE_NESTED, digest = entry.digest)));
            }
            let man_bytes = read(&entry)?;
            if Digest::of(&man_bytes) != entry.digest {
                return Err(bad(msg!(m::WHOLE_OTHER_DIGEST, digest = entry.digest)));
            }
            let manifest: Manifest = serde_json::from_slice(&man_bytes)
                .map_err(|e| bad(format!("{}: {e}", entry.digest)))?;
            platforms.push(Platform {
                entry,
                bytes: man_bytes,
                manifest,
            });
        }
        Ok(Whole {
            digest,
            bytes,
            media_type,
            platforms,
        })
    }

    /// The index kept in the store under `digest`, and its manifests.
    pub fn read(store: &Store, digest: &Digest) -> Result<Whole, Error> {
        let bytes = store.read_blob(digest)?;
        if Digest::of(&bytes) != *digest {
            return Err(Error::Usage(msg!(
                m::WHOLE_BAD,
                digest = digest,
                error = msg!(m::WHOLE_OTHER_DIGEST, digest = digest)
            )));
        }
        Whole::parse(digest.clone(), bytes, &mut |d| store.read_blob(&d.digest))
    }

    /// The config and layer blobs of every platform, each once: layers
    /// first (in the index's order, bottom first), then the configs.
    pub fn content(&self) -> (Vec<Descriptor>, Vec<Descriptor>) {
        let mut seen = std::collections::HashSet::new();
        let mut layers = Vec::new();
        for p in &self.platforms {
            for l in &p.manifest.layers {
                if seen.insert(l.digest.clone()) {
                    layers.push(l.clone());
                }
            }
        }
        let mut configs = Vec::new();
        for p in &self.platforms {
            if seen.insert(p.manifest.config.digest.clone()) {
                configs.push(p.manifest.config.clone());
            }
        }
        (layers, configs)
    }

    /// Every blob the whole image is: the index, the manifests, their
    /// configs and layers.
    pub fn blobs(&self) -> Vec<Digest> {
        let (layers, configs) = self.content();
        std::iter::once(self.digest.clone())
            .chain(self.platforms.iter().map(|p| p.entry.digest.clone()))
            .chain(layers.into_iter().chain(configs).map(|d| d.digest))
            .collect()
    }
}

/// The blobs kept for the index `digest`, as far as they can be read: a
/// collection keeps them all while an image names the index.
pub fn blobs_of(store: &Store, digest: &Digest) -> Vec<Digest> {
    let mut out = vec![digest.clone()];
    let Ok(bytes) = store.read_blob(digest) else {
        return out;
    };
    let Ok(index) = serde_json::from_slice::<Index>(&bytes) else {
        return out;
    };
    for entry in index.manifests {
        out.push(entry.digest.clone());
        let Some(man) = store
            .read_blob(&entry.digest)
            .ok()
            .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
        else {
            continue;
        };
        out.push(man.config.digest.clone());
        out.extend(man.layers.iter().map(|l| l.digest.clone()));
    }
    out
}

/// The index a pull resolved through (`bytes`, `digest`), with every
/// manifest it lists: `chosen` (this machine's, `chosen_bytes`) as the
/// pull has it, the others fetched now.
pub fn resolve(
    client: &mut Client,
    digest: Digest,
    bytes: Vec<u8>,
    chosen: &Digest,
    chosen_bytes: &[u8],
) -> Result<Whole, Error> {
    Whole::parse(digest, bytes, &mut |d| {
        if &d.digest == chosen {
            return Ok(chosen_bytes.to_vec());
        }
        client
            .manifest(&d.digest.to_string())
            .map(|(b, _, _)| b)
            .map_err(client_err)
    })
}

/// Fetch the blobs of the other platforms that the store lacks, each
/// checked against its digest and renamed into place, and store the
/// index and every manifest as they came; narrate each platform. `pin`
/// is the pull's, removed with the partial blobs on an interrupt.
#[allow(clippy::too_many_arguments)]
pub fn fetch(
    store: &Store,
    client: &mut Client,
    whole: &Whole,
    chosen: &Digest,
    pin: std::path::PathBuf,
    narrator: &mut dyn Narrator,
    log: &Mutex<Vec<Exchange>>,
) -> Result<(), Error> {
    let (layers, configs) = whole.content();
    let missing: Vec<&Descriptor> = layers
        .iter()
        .chain(&configs)
        .filter(|d| !store.has_blob(&d.digest))
        .collect();
    // Kept compressed: room for them, as a load checks for its archive.
    ImageBudget::for_bytes(store, missing.iter().map(|d| d.size).sum())?;
    let _interrupts = (!missing.is_empty())
        .then(|| super::pull::clean_up_on_interrupt(store, pin))
        .transpose()?;
    let bars = super::progress::bars();
    let of = missing.len();
    for (i, d) in missing.iter().enumerate() {
        let bar = bars.as_ref().map(|mp| {
            let prefix = msg!(m::PULL_BAR, n = i + 1, of = of, digest = d.digest.short());
            super::progress::bar(mp, d.size, prefix)
        });
        let got = save_blob(store, client, d, bar.clone());
        if let Some(b) = bar {
            b.finish();
        }
        super::pull::flush(log, narrator);
        got?;
    }
    for p in &whole.platforms {
        store.put_blob(&p.entry.digest, &p.bytes)?;
        if &p.entry.digest == chosen {
            continue;
        }
        narrator.emit(&Event::PullPlatformKept {
            platform: p
                .entry
                .platform
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_else(|| "unknown/unknown".into()),
            digest: p.entry.digest.to_string(),
            short: p.entry.digest.short().to_string(),
            blob: store.blob_path(&p.entry.digest).display().to_string(),
            layers: p.manifest.layers.len(),
            size: p.manifest.layers.iter().map(|l| l.size).sum::<u64>(),
            store: store.images.display().to_string(),
        });
    }
    store.put_blob(&whole.digest, &whole.bytes)?;
    Ok(())
}

/// One blob from the registry into the store: streamed to a temporary
/// file, checked against its digest and size, renamed into place.
fn save_blob(
    store: &Store,
    client: &mut Client,
    d: &Descriptor,
    bar: Option<indicatif::ProgressBar>,
) -> Result<(), Error> {
    let dir = store.images.join("blobs/sha256");
    let tmp = Store::temp_in(&dir, "blob");
    let path = store.blob_path(&d.digest);
    let full = |e: std::io::Error| {
        if store::is_storage_full(&e) {
            store.disk_full()
        } else {
            Error::io("write", &tmp)(e)
        }
    };
    let result = (|| {
        let file = std::fs::File::create(&tmp).map_err(full)?;
        let file = std::io::BufWriter::with_capacity(1 << 20, file);
        let reader = client.blob(d).map_err(client_err)?;
        let reader = match bar {
            Some(b) => reader.tee(Box::new(b.wrap_write(file))),
            None => reader.tee(Box::new(file)),
        };
        reader.verify().map_err(client_err)
    })();
    match result {
        Ok(()) => std::fs::rename(&tmp, &path).map_err(Error::io("rename into place", &path)),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}
