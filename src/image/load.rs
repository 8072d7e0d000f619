//! `dockling load`: images from a file instead of a registry, for
//! classrooms without internet. Two formats: an OCI image layout directory
//! (what `skopeo copy … oci:DIR` and umoci write) and a `docker save`
//! tarball (which holds either an OCI layout, docker 25 and later, or the
//! older `manifest.json` with one `layer.tar` per layer). Every blob is
//! checked against its digest exactly as a pull checks it, and layers go
//! through the same safe unpacking, pins and size limit.
//!
//! Nothing in the archive is opened unless it is a regular file: a FIFO
//! named as a blob would make a plain open wait forever for a writer, and
//! a device would be read from. A tarball's FIFOs and device nodes are
//! refused as it is unpacked; a directory's files are opened with
//! O_NOFOLLOW|O_NONBLOCK and checked with fstat(2) before a byte is read.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rootfs_fetch::oci::client::{BlobReader, ClientError, Resolved};
use rootfs_fetch::oci::digest::Digest;
use rootfs_fetch::oci::manifest::{self, Descriptor, ImageConfig, Index, Kind, Manifest, Platform};
use rootfs_fetch::oci::reference::Reference;
use rootfs_fetch::unpack::{self, UnpackOptions};
use serde::Deserialize;

use super::pull::{ImageBudget, client_err, keep, one_layer, pull_pin};
use super::store::{self, Image, Store, remove_tree};
use crate::error::Error;
use crate::msg;
use crate::narrate::messages::images as m;
use crate::narrate::{Event, Narrator};
use crate::paths::Paths;

pub fn load(paths: &Paths, path: &Path, narrator: &mut dyn Narrator) -> Result<Vec<Image>, Error> {
    let store = Store::open(paths)?;
    store.remove_stale_temps()?;
    // An image in a layout without a full name is called localhost/BASE,
    // BASE being the directory's or the archive's name.
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .map(|n| {
            let n = [".tar.gz", ".tgz", ".tar"].iter().fold(n, |n, ext| {
                n.strip_suffix(ext).map(str::to_string).unwrap_or(n)
            });
            n.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
        })
        .filter(|n| n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "loaded".into());
    if path.is_dir() {
        return from_dir(&store, path, &base, narrator);
    }
    let file = fs::File::open(path).map_err(Error::io("open", path))?;
    // The archive is unpacked whole before its layers are: a gzip'd one
    // is held to the same size limit.
    let staging = ImageBudget::for_bytes(&store, 0)?;
    let tmp = Store::temp_in(&store.layers, "load");
    fs::create_dir(&tmp).map_err(Error::io("create", &tmp))?;
    let result = (|| {
        let mut f = std::io::BufReader::new(file);
        // `docker save | gzip` is common: gzip's magic number says which.
        let gz = std::io::BufRead::fill_buf(&mut f)
            .map(|b| b.starts_with(&[0x1f, 0x8b]))
            .unwrap_or(false);
        let reader: Box<dyn std::io::Read> = if gz {
            Box::new(flate2::read::MultiGzDecoder::new(f))
        } else {
            Box::new(f)
        };
        let opts = UnpackOptions {
            preserve_owner: false,
            refuse_special: true,
            ..Default::default()
        };
        unpack::unpack(staging.budget.counted(reader), &tmp, &opts).map_err(|e| {
            if staging.budget.spent() {
                staging.exceeded(&store, &path.display().to_string())
            } else if store::is_storage_full(&e) {
                store.disk_full()
            } else {
                Error::Hinted {
                    message: format!("{}: {e}", path.display()),
                    hint: msg!(m::LOAD_NOT_AN_ARCHIVE_HINT),
                }
            }
        })?;
        from_dir(&store, &tmp, &base, narrator)
    })();
    if let Err(e) = remove_tree(&tmp) {
        // The load's own result matters more; `image prune` sweeps this.
        eprintln!("{}", msg!(m::WARNING, warning = e.chain()));
    }
    result
}

fn from_dir(
    store: &Store,
    dir: &Path,
    base: &str,
    narrator: &mut dyn Narrator,
) -> Result<Vec<Image>, Error> {
    let is_file =
        |name: &str| fs::symlink_metadata(dir.join(name)).is_ok_and(|m| m.file_type().is_file());
    if is_file("index.json") {
        from_layout(store, dir, base, narrator)
    } else if is_file("manifest.json") {
        from_docker_save(store, dir, narrator)
    } else {
        Err(Error::Hinted {
            message: msg!(m::LOAD_NEITHER, dir = dir.display()),
            hint: msg!(m::LOAD_NEITHER_HINT),
        })
    }
}

fn bad(what: impl std::fmt::Display) -> Error {
    Error::Hinted {
        message: msg!(m::LOAD_FAILED, what = what),
        hint: msg!(m::LOAD_FAILED_HINT),
    }
}

/// Open `p` only if it is a regular file, never following a symlink and
/// never waiting: O_NONBLOCK makes opening a FIFO return at once, and
/// fstat(2) then tells what the descriptor is before anything is read.
fn open_regular(p: &Path) -> Result<fs::File, Error> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(p)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => bad(msg!(m::LOAD_SYMLINK, path = p.display())),
            _ => Error::io("open", p)(e),
        })?;
    let kind = f.metadata().map_err(Error::io("stat", p))?.file_type();
    if !kind.is_file() {
        use std::os::unix::fs::FileTypeExt;
        let what = if kind.is_fifo() {
            m::KIND_FIFO
        } else if kind.is_socket() {
            m::KIND_SOCKET
        } else if kind.is_char_device() || kind.is_block_device() {
            m::KIND_DEVICE
        } else if kind.is_dir() {
            m::KIND_DIRECTORY
        } else {
            m::KIND_OTHER
        };
        return Err(bad(msg!(
            m::LOAD_NOT_REGULAR,
            path = p.display(),
            what = msg!(what)
        )));
    }
    Ok(f)
}

/// A small regular file, read whole, refused if bigger than `cap`.
fn read_small(p: &Path, cap: u64) -> Result<Vec<u8>, Error> {
    let f = open_regular(p)?;
    let mut bytes = Vec::new();
    f.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(Error::io("read", p))?;
    if bytes.len() as u64 > cap {
        return Err(bad(msg!(m::LOAD_TOO_BIG, path = p.display(), cap = cap)));
    }
    Ok(bytes)
}

/// A blob file of a layout, read whole (small blobs) and verified.
fn read_blob(dir: &Path, d: &Digest, cap: u64) -> Result<Vec<u8>, Error> {
    let p = dir.join("blobs/sha256").join(d.hex());
    let bytes = read_small(&p, cap)?;
    if Digest::of(&bytes) != *d {
        return Err(client_err(ClientError::DigestMismatch {
            what: "blob",
            digest: d.clone(),
            actual: Digest::of(&bytes),
        }));
    }
    Ok(bytes)
}

fn opener(dir: PathBuf) -> impl FnMut(&Descriptor) -> Result<BlobReader, Error> {
    move |d: &Descriptor| {
        let p = dir.join("blobs/sha256").join(d.digest.hex());
        Ok(BlobReader::local(Box::new(open_regular(&p)?), d))
    }
}

/// Store one image: its layers (through the checks of a pull), config and
/// manifest, and name it.
fn store_image(
    store: &Store,
    name: &str,
    man_bytes: &[u8],
    config_bytes: &[u8],
    open: &mut dyn FnMut(&Descriptor) -> Result<BlobReader, Error>,
    narrator: &mut dyn Narrator,
) -> Result<Image, Error> {
    let man: Manifest =
        serde_json::from_slice(man_bytes).map_err(|e| bad(format!("manifest: {e}")))?;
    let config = ImageConfig::parse(config_bytes, &man).map_err(bad)?;
    let stored = store::layout_form(Resolved {
        bytes: man_bytes.to_vec(),
        digest: Digest::of(man_bytes),
        manifest: man,
        index: None,
    });
    let _pin = store.pin(&pull_pin(name, &stored, &config))?;
    let budget = ImageBudget::for_image(store, &stored.manifest.layers, &config.rootfs.diff_ids)?;
    let mut size = 0;
    let of = stored.manifest.layers.len();
    for (i, (desc, diff)) in stored
        .manifest
        .layers
        .iter()
        .zip(&config.rootfs.diff_ids)
        .enumerate()
    {
        let e = one_layer(store, open, desc, diff, i + 1, of, None, &budget)?;
        size += match &e {
            Event::PullLayer { bytes, .. } | Event::PullLayerPresent { bytes, .. } => *bytes,
            _ => 0,
        };
        narrator.emit(&e);
    }
    keep(
        store,
        name,
        stored,
        config_bytes,
        config,
        size,
        None,
        narrator,
    )
}

/// The name of an image in a layout: containerd's full-name annotation,
/// else ref.name when it is a full reference, else localhost/BASE:ref.name.
fn layout_name(base: &str, d: &Descriptor) -> Result<String, Error> {
    let ann = d.annotations.clone().unwrap_or_default();
    let raw = match (
        ann.get("io.containerd.image.name"),
        ann.get(super::store::REF_NAME),
    ) {
        (Some(full), _) => full.clone(),
        (None, Some(r)) if r.contains('/') || r.contains(':') => r.clone(),
        (None, Some(tag)) => format!("localhost/{base}:{tag}"),
        (None, None) => {
            return Err(bad(msg!(m::LOAD_UNNAMED, digest = d.digest)));
        }
    };
    raw.parse::<Reference>().map(|r| r.to_string()).map_err(bad)
}

fn from_layout(
    store: &Store,
    dir: &Path,
    base: &str,
    narrator: &mut dyn Narrator,
) -> Result<Vec<Image>, Error> {
    let idx_bytes = read_small(&dir.join("index.json"), manifest::MAX_MANIFEST)?;
    let idx: Index =
        serde_json::from_slice(&idx_bytes).map_err(|e| bad(format!("index.json: {e}")))?;
    let mut out = Vec::new();
    for d in &idx.manifests {
        let name = layout_name(base, d)?;
        let mut bytes = read_blob(dir, &d.digest, manifest::MAX_MANIFEST)?;
        if manifest::kind(&d.media_type, &bytes).map_err(bad)? == Kind::Index {
            let inner: Index =
                serde_json::from_slice(&bytes).map_err(|e| bad(format!("index: {e}")))?;
            let chosen = inner.select(&Platform::host()).map_err(bad)?;
            bytes = read_blob(dir, &chosen.digest, manifest::MAX_MANIFEST)?;
        }
        let man: Manifest =
            serde_json::from_slice(&bytes).map_err(|e| bad(format!("manifest: {e}")))?;
        let config = read_blob(dir, &man.config.digest, manifest::MAX_CONFIG)?;
        let mut open = opener(dir.to_path_buf());
        out.push(store_image(
            store, &name, &bytes, &config, &mut open, narrator,
        )?);
    }
    Ok(out)
}

#[derive(Deserialize)]
struct SaveEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

/// Names inside a docker save archive must stay inside it. `docker save`
/// writes a layer that two images share once and a symlink to it for the
/// other (`ID/layer.tar -> ../ID2/layer.tar`): such a link is resolved,
/// and must land inside the archive too.
fn inside(dir: &Path, rel: &str) -> Result<PathBuf, Error> {
    let outside = || bad(msg!(m::LOAD_OUTSIDE, path = format!("{rel:?}")));
    if rel.starts_with('/') || rel.split('/').any(|c| c == "..") {
        return Err(outside());
    }
    let p = dir.join(rel);
    if !fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
        return Ok(p);
    }
    let real = fs::canonicalize(&p).map_err(Error::io("resolve", &p))?;
    let root = fs::canonicalize(dir).map_err(Error::io("resolve", dir))?;
    if !real.starts_with(&root) {
        return Err(outside());
    }
    Ok(real)
}

fn from_docker_save(
    store: &Store,
    dir: &Path,
    narrator: &mut dyn Narrator,
) -> Result<Vec<Image>, Error> {
    let text = read_small(&dir.join("manifest.json"), manifest::MAX_MANIFEST)?;
    let entries: Vec<SaveEntry> =
        serde_json::from_slice(&text).map_err(|e| bad(format!("manifest.json: {e}")))?;
    let mut out = Vec::new();
    for e in entries {
        let config_path = inside(dir, &e.config)?;
        let config_bytes = read_small(&config_path, manifest::MAX_CONFIG)?;
        let config: ImageConfig = serde_json::from_slice(&config_bytes)
            .map_err(|err| bad(format!("{}: {err}", e.config)))?;
        if config.rootfs.diff_ids.len() != e.layers.len() {
            return Err(bad(
                "manifest.json and the config disagree on the number of layers",
            ));
        }
        // Layers here are plain tars: the blob digest is the diff_id.
        let mut files = Vec::new();
        let mut layers = Vec::new();
        for (rel, diff) in e.layers.iter().zip(&config.rootfs.diff_ids) {
            let p = inside(dir, rel)?;
            let size = open_regular(&p)?
                .metadata()
                .map_err(Error::io("stat", &p))?
                .len();
            files.push((diff.clone(), p));
            layers.push(Descriptor {
                media_type: manifest::OCI_LAYER_TAR.into(),
                digest: diff.clone(),
                size,
                platform: None,
                annotations: None,
            });
        }
        let man = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": manifest::OCI_MANIFEST,
            "config": {"mediaType": manifest::OCI_CONFIG, "digest": Digest::of(&config_bytes).to_string(), "size": config_bytes.len()},
            "layers": layers,
        });
        let man_bytes = serde_json::to_vec(&man).expect("json");
        let mut open = |d: &Descriptor| {
            let p = files
                .iter()
                .find(|(dg, _)| dg == &d.digest)
                .map(|(_, p)| p.clone())
                .expect("every layer was listed");
            Ok(BlobReader::local(Box::new(open_regular(&p)?), d))
        };
        let names = e.repo_tags.clone().unwrap_or_default();
        let names = if names.is_empty() {
            vec![format!(
                "localhost/loaded:{}",
                Digest::of(&config_bytes).short()
            )]
        } else {
            names
        };
        for n in names {
            let name = n.parse::<Reference>().map_err(bad)?.to_string();
            out.push(store_image(
                store,
                &name,
                &man_bytes,
                &config_bytes,
                &mut open,
                narrator,
            )?);
        }
    }
    Ok(out)
}
