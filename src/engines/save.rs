//! `dockling save`: images out of the store into one tar file that every
//! engine reads, as `docker save` writes it since docker 25.
//!
//! The one archive is two formats at once. It is an OCI image layout
//! (`oci-layout`, `index.json`, `blobs/sha256/HEX`), the image-spec's
//! format, which skopeo, podman, containerd and dockling load; and it is
//! the older docker archive (`manifest.json`: for each image its config,
//! its names (`RepoTags`) and its layers, plus `repositories`), whose
//! paths simply point into `blobs/sha256/`. Layers are written
//! uncompressed, as docker writes them: a layer's blob digest is then its
//! diff_id, the digest the image config lists, so the docker part needs
//! no digest of its own. The store keeps the registry's compressed blobs;
//! each is decompressed twice (once to learn its size and check its
//! diff_id, once into the tar), so nothing large is ever held in memory
//! or in a temporary file.
//!
//! Each index entry names its image twice: containerd's
//! `io.containerd.image.name` holds the full reference, and
//! `org.opencontainers.image.ref.name` the tag, as docker writes them.
//! The images are pinned while they are read (a concurrent `rmi` cannot
//! take their blobs away), and the output file appears only when whole:
//! it is written to a temporary name beside it and renamed.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rootfs_fetch::oci::digest::{Digest, Hashing};
use rootfs_fetch::oci::manifest::{self, Descriptor};
use rootfs_fetch::oci::reference::Reference;

use crate::error::Error;
use crate::image::pins::Holder;
use crate::image::store::{self, Image, Store};
use crate::msg;
use crate::narrate::messages::engines as m;
use crate::paths::Paths;

/// `dockling save [-o FILE] IMAGE…`.
#[derive(Debug, clap::Args)]
pub struct SaveArgs {
    /// Write to FILE instead of standard output
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The images to save (names or ids)
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

pub fn save_cmd(args: &SaveArgs, paths: &Paths) -> Result<i32, Error> {
    if args.output.is_none() && nix::unistd::isatty(std::io::stdout()).unwrap_or(false) {
        return Err(Error::Hinted {
            message: msg!(m::SAVE_TO_TERMINAL),
            hint: msg!(m::SAVE_TO_TERMINAL_HINT),
        });
    }
    let store = Store::open(paths)?;
    // Every name is checked (and its image pinned) before a byte is written.
    let pin_id = crate::container::store::new_id();
    let mut images = Vec::new();
    let mut pins = Vec::new();
    for name in &args.images {
        match store.pin_image(
            name,
            Holder::Pull,
            &format!("{}-{}", &pin_id[..12], pins.len()),
        )? {
            Some((img, pin)) => {
                images.push((name.clone(), img));
                pins.push(pin);
            }
            None => {
                return Err(Error::Hinted {
                    message: msg!(m::SAVE_NO_SUCH_IMAGE, name = format!("{name:?}")),
                    hint: msg!(m::SAVE_NO_SUCH_IMAGE_HINT),
                });
            }
        }
    }
    match &args.output {
        Some(path) => {
            let dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let tmp = Store::temp_in(&dir, "save");
            let result = (|| {
                let f = fs::File::create(&tmp).map_err(Error::io("create", &tmp))?;
                let mut w = std::io::BufWriter::new(f);
                write_archive(&store, &images, &mut w)?;
                let f = w
                    .into_inner()
                    .map_err(|e| Error::io("write", &tmp)(e.into_error()))?;
                f.sync_all().map_err(Error::io("sync", &tmp))?;
                fs::rename(&tmp, path).map_err(Error::io("rename into place", path))
            })();
            if result.is_err() {
                let _ = fs::remove_file(&tmp);
            }
            result?;
        }
        None => {
            let out = std::io::stdout();
            let mut w = std::io::BufWriter::new(out.lock());
            write_archive(&store, &images, &mut w)?;
            w.flush().map_err(Error::io("write", "standard output"))?;
        }
    }
    drop(pins);
    Ok(0)
}

/// The name an image is saved under: the name asked for when it is one
/// (`save busybox` keeps `busybox:latest`), else the store's.
fn saved_name(asked: &str, img: &Image) -> Option<Reference> {
    let hex = asked.strip_prefix("sha256:").unwrap_or(asked);
    let by_id = hex.len() >= 12 && img.id().hex().starts_with(hex);
    if by_id {
        return img.reference.parse().ok();
    }
    asked
        .parse::<Reference>()
        .ok()
        .or_else(|| img.reference.parse().ok())
}

/// One layer, uncompressed: its size and digest, checked against the
/// config's diff_id.
fn measure(store: &Store, layer: &Descriptor, diff_id: &Digest) -> Result<u64, Error> {
    let mut h = Hashing::new(open_uncompressed(store, layer)?);
    std::io::copy(&mut h, &mut std::io::sink())
        .map_err(Error::io("read", store.blob_path(&layer.digest)))?;
    let count = h.count;
    let got = h
        .finish()
        .map_err(Error::io("read", store.blob_path(&layer.digest)))?;
    if &got != diff_id {
        return Err(Error::Hinted {
            message: msg!(
                m::SAVE_LAYER_DAMAGED,
                digest = layer.digest,
                diff_id = diff_id
            ),
            hint: msg!(m::SAVE_LAYER_DAMAGED_HINT),
        });
    }
    Ok(count)
}

fn open_uncompressed<'a>(store: &Store, layer: &Descriptor) -> Result<Box<dyn Read + 'a>, Error> {
    let p = store.blob_path(&layer.digest);
    let f = fs::File::open(&p).map_err(Error::io("open", &p))?;
    let compression = manifest::compression(&layer.media_type).map_err(Error::Usage)?;
    rootfs_fetch::oci::layer::uncompressed(std::io::BufReader::new(f), compression)
        .map_err(Error::io("read", &p))
}

fn header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Regular);
    h
}

fn add_bytes<W: Write>(tar: &mut tar::Builder<W>, name: &str, bytes: &[u8]) -> Result<(), Error> {
    tar.append_data(&mut header(bytes.len() as u64), name, bytes)
        .map_err(Error::io("write", name.to_string()))
}

/// The whole archive, to `out`.
pub fn write_archive<W: Write>(
    store: &Store,
    images: &[(String, Image)],
    out: W,
) -> Result<(), Error> {
    let mut tar = tar::Builder::new(out);
    let mut dir = tar::Header::new_ustar();
    dir.set_entry_type(tar::EntryType::Directory);
    dir.set_mode(0o755);
    dir.set_size(0);
    dir.set_mtime(0);
    for d in ["blobs/", "blobs/sha256/"] {
        tar.append_data(&mut dir.clone(), d, std::io::empty())
            .map_err(Error::io("write", d.to_string()))?;
    }
    let mut written: HashSet<String> = HashSet::new();
    let mut index = Vec::new();
    let mut docker = Vec::new();
    let mut repositories: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (asked, img) in images {
        let config = store.read_blob(img.id())?;
        let config_name = format!("blobs/sha256/{}", img.id().hex());
        if written.insert(config_name.clone()) {
            add_bytes(&mut tar, &config_name, &config)?;
        }
        let mut layers = Vec::new();
        let mut layer_names = Vec::new();
        for (layer, diff_id) in img.manifest.layers.iter().zip(&img.config.rootfs.diff_ids) {
            let name = format!("blobs/sha256/{}", diff_id.hex());
            let size = measure(store, layer, diff_id)?;
            if written.insert(name.clone()) {
                let reader = open_uncompressed(store, layer)?;
                tar.append_data(&mut header(size), &name, reader)
                    .map_err(Error::io("write", name.clone()))?;
            }
            layers.push(serde_json::json!({
                "mediaType": manifest::OCI_LAYER_TAR,
                "digest": diff_id.to_string(),
                "size": size,
            }));
            layer_names.push(name);
        }
        let man = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": manifest::OCI_MANIFEST,
            "config": {
                "mediaType": manifest::OCI_CONFIG,
                "digest": img.id().to_string(),
                "size": config.len(),
            },
            "layers": layers,
        });
        let man_bytes = serde_json::to_vec(&man).expect("json");
        let man_digest = Digest::of(&man_bytes);
        let man_name = format!("blobs/sha256/{}", man_digest.hex());
        if written.insert(man_name.clone()) {
            add_bytes(&mut tar, &man_name, &man_bytes)?;
        }
        let name = saved_name(asked, img);
        let mut annotations = BTreeMap::new();
        let mut repo_tags = Vec::new();
        if let Some(r) = &name {
            let tag = r.tag.clone().unwrap_or_else(|| "latest".into());
            annotations.insert("io.containerd.image.name".to_string(), r.to_string());
            annotations.insert(store::REF_NAME.to_string(), tag.clone());
            repo_tags.push(format!("{}:{tag}", r.familiar_name()));
            if let Some(top) = img.config.rootfs.diff_ids.last() {
                repositories
                    .entry(r.familiar_name())
                    .or_default()
                    .insert(tag, top.hex().to_string());
            }
        }
        index.push(serde_json::json!({
            "mediaType": manifest::OCI_MANIFEST,
            "digest": man_digest.to_string(),
            "size": man_bytes.len(),
            "annotations": annotations,
        }));
        docker.push(serde_json::json!({
            "Config": config_name,
            "RepoTags": repo_tags,
            "Layers": layer_names,
        }));
    }
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": manifest::OCI_INDEX,
        "manifests": index,
    });
    add_bytes(
        &mut tar,
        "index.json",
        &serde_json::to_vec(&index).expect("json"),
    )?;
    add_bytes(
        &mut tar,
        "manifest.json",
        &serde_json::to_vec(&docker).expect("json"),
    )?;
    add_bytes(&mut tar, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    add_bytes(
        &mut tar,
        "repositories",
        &serde_json::to_vec(&repositories).expect("json"),
    )?;
    tar.into_inner()
        .and_then(|mut w| w.flush())
        .map_err(Error::io("write", Path::new("the archive")))
}
