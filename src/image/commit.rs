//! A new image from an old one: one more layer (or none), a new config,
//! a new manifest, in the store. `dockling commit` and every step of
//! `dockling build` end here.
//!
//! An image config is the parent's with three things changed: the run
//! settings (`config`: Env, Cmd …), `rootfs.diff_ids` with the new
//! layer's diff_id (the sha256 of its uncompressed tar) appended, and
//! `history` with one entry saying what made the step (`created_by`) and
//! whether it made a layer (`empty_layer`). The config is kept as JSON,
//! whole: fields dockling does not use (ExposedPorts, history, os.version
//! …) pass through unchanged. The layer goes through the same checks and
//! unpacking as a pulled one ([`super::pull::one_layer`]), so what `run`
//! stacks is exactly what the tar says.

use std::io::Cursor;

use rootfs_fetch::oci::client::BlobReader;
use rootfs_fetch::oci::digest::Digest;
use rootfs_fetch::oci::manifest::{self, Descriptor, ImageConfig, Manifest};
use serde_json::{Value, json};

use super::pins::{Holder, Pinned};
use super::pull::{ImageBudget, one_layer};
use super::store::{self, Image, Store};
use crate::error::Error;

/// A layer put in the store: its blob, its diff_id, its unpacked size.
#[derive(Debug, Clone)]
pub struct StoredLayer {
    pub desc: Descriptor,
    pub diff_id: Digest,
    /// Bytes of the unpacked files.
    pub bytes: u64,
}

/// Store the layer `tar`: gzip'd as a blob, unpacked under its diff_id.
/// The caller holds a pin on it until an image names it.
pub fn store_layer(store: &Store, tar: &[u8], pin_id: &str) -> Result<StoredLayer, Error> {
    let gz = super::changeset::gzip(tar)?;
    let diff_id = Digest::of(tar);
    let desc = Descriptor {
        media_type: manifest::OCI_LAYER_GZIP.into(),
        digest: Digest::of(&gz),
        size: gz.len() as u64,
        platform: None,
        annotations: None,
    };
    let _pin = store.pin(&Pinned {
        holder: Holder::Pull,
        id: pin_id.to_string(),
        reference: String::new(),
        image: None,
        blobs: vec![desc.digest.clone()],
        layers: vec![diff_id.clone()],
    })?;
    let budget = ImageBudget::for_bytes(store, gz.len() as u64)?;
    let mut open = |d: &Descriptor| -> Result<BlobReader, Error> {
        Ok(BlobReader::local(Box::new(Cursor::new(gz.clone())), d))
    };
    one_layer(store, &mut open, &desc, &diff_id, 1, 1, None, &budget)?;
    Ok(StoredLayer {
        bytes: layer_bytes(store, &diff_id),
        desc,
        diff_id,
    })
}

/// The unpacked size of a stored layer (its `.size` file), 0 if unknown.
pub fn layer_bytes(store: &Store, diff_id: &Digest) -> u64 {
    std::fs::read_to_string(store.layer_path(diff_id).with_extension("size"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// One history entry, as docker writes it.
pub fn history(created: &str, created_by: &str, comment: &str, author: &str, empty: bool) -> Value {
    let mut h = json!({ "created": created, "created_by": created_by });
    if !comment.is_empty() {
        h["comment"] = json!(comment);
    }
    if !author.is_empty() {
        h["author"] = json!(author);
    }
    if empty {
        h["empty_layer"] = json!(true);
    }
    h
}

/// Append `entry` to the config's history, and the layer's diff_id to
/// its rootfs when it made one; the config's `created` becomes the entry's.
pub fn add_step(config: &mut Value, layer: Option<&Digest>, entry: Value) {
    if !config.is_object() {
        *config = json!({});
    }
    if let Some(d) = layer {
        if !config["rootfs"].is_object() {
            config["rootfs"] = json!({ "type": "layers", "diff_ids": [] });
        }
        match config["rootfs"]["diff_ids"].as_array_mut() {
            Some(ids) => ids.push(json!(d.to_string())),
            None => config["rootfs"]["diff_ids"] = json!([d.to_string()]),
        }
    }
    if let Some(c) = entry.get("created") {
        config["created"] = c.clone();
    }
    match config["history"].as_array_mut() {
        Some(h) => h.push(entry),
        None => config["history"] = json!([entry]),
    }
}

/// The manifest layers of `parent` followed by `new` ones.
pub fn layers_of(parent: Option<&Image>, new: &[Descriptor]) -> Vec<Descriptor> {
    parent
        .map(|p| p.manifest.layers.clone())
        .unwrap_or_default()
        .into_iter()
        .chain(new.iter().cloned())
        .collect()
}

/// Write `config` and a manifest of `layers` to the store and name the
/// image `reference` (no name when None, as `docker commit` without a
/// repository). Returns the image.
pub fn write_image(
    store: &Store,
    reference: Option<&str>,
    config: &Value,
    layers: Vec<Descriptor>,
) -> Result<Image, Error> {
    let config_bytes = serde_json::to_vec(config).expect("json");
    let config_desc = Descriptor {
        media_type: manifest::OCI_CONFIG.into(),
        digest: Digest::of(&config_bytes),
        size: config_bytes.len() as u64,
        platform: None,
        annotations: None,
    };
    let man = Manifest {
        schema_version: 2,
        media_type: manifest::OCI_MANIFEST.into(),
        config: config_desc,
        layers,
    };
    let parsed = ImageConfig::parse(&config_bytes, &man).map_err(Error::Usage)?;
    let size = parsed
        .rootfs
        .diff_ids
        .iter()
        .map(|d| layer_bytes(store, d))
        .sum();
    let man_bytes = serde_json::to_vec(&man).expect("json");
    let man_digest = Digest::of(&man_bytes);
    store.put_blob(&man.config.digest, &config_bytes)?;
    store.put_blob(&man_digest, &man_bytes)?;
    let desc = Descriptor {
        media_type: manifest::OCI_MANIFEST.into(),
        digest: man_digest.clone(),
        size: man_bytes.len() as u64,
        platform: None,
        annotations: None,
    };
    {
        let _lock = store.lock()?;
        match reference {
            Some(r) => store.tag(r, &desc, &man_digest, size, None)?,
            None => store.keep_unnamed(&desc, size)?,
        }
    }
    Ok(Image {
        reference: reference.unwrap_or("<none>").to_string(),
        manifest_digest: man_digest.clone(),
        layout_digest: man_digest,
        manifest: man,
        config: parsed,
        size,
        index: None,
    })
}

/// The parent's config as JSON, whole.
pub fn config_json(store: &Store, img: &Image) -> Result<Value, Error> {
    let bytes = store.read_blob(&img.manifest.config.digest)?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Usage(e.to_string()))
}

/// A full reference for `REPOSITORY[:TAG]` (`:latest` added), as stored.
pub fn normalise(name: &str) -> Result<String, Error> {
    let r: rootfs_fetch::oci::reference::Reference = name.parse().map_err(Error::Usage)?;
    Ok(r.to_string())
}

pub use store::human;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_appends_history_and_a_diff_id() {
        let mut c = json!({"rootfs": {"type": "layers", "diff_ids": ["sha256:aa"]}});
        let d = Digest::of(b"x");
        add_step(&mut c, Some(&d), history("T1", "RUN x", "", "", false));
        add_step(&mut c, None, history("T2", "ENV A=b", "", "", true));
        assert_eq!(c["rootfs"]["diff_ids"].as_array().unwrap().len(), 2);
        assert_eq!(c["history"][1]["empty_layer"], json!(true));
        assert!(c["history"][0].get("empty_layer").is_none());
        assert_eq!(c["created"], json!("T2"));
    }
}
