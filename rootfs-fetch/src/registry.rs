//! A base rootfs from an image in an OCI registry, with the same client,
//! checks and safe unpacking as `dockling pull`. Here the layers are
//! applied one after another into one directory (whiteouts become
//! deletions), because a rootfs is a single tree, not a stack.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::oci::auth::Credentials;
use crate::oci::client::{Client, Observer};
use crate::oci::layer;
use crate::oci::manifest::{self, ImageConfig, Index, Kind, Manifest, Platform};
use crate::oci::reference::Reference;
use crate::unpack::{UnpackOptions, Whiteouts};
use crate::{Error, Staging};

#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    pub platform: Option<Platform>,
    /// Plain http for a registry that is not on loopback.
    pub insecure: bool,
    pub credentials: Option<Credentials>,
}

/// What was fetched.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub reference: String,
    pub manifest: String,
    pub layers: usize,
    pub files: u64,
}

fn reg(e: impl std::fmt::Display) -> Error {
    Error::Registry(e.to_string())
}

pub fn fetch(dest: &Path, image: &str, opts: &RegistryOptions) -> Result<Fetched, Error> {
    let r: Reference = image.parse().map_err(Error::Usage)?;
    let staging = Staging::new(dest)?;
    let quiet: Observer = Arc::new(Mutex::new(|_: &_| {}));
    let mut client = Client::new(&r, opts.credentials.clone(), opts.insecure, quiet);
    let (mut bytes, mut digest, kind) = client.manifest(&r.manifest_ref()).map_err(reg)?;
    if kind == Kind::Index {
        let index: Index = serde_json::from_slice(&bytes).map_err(reg)?;
        let want = opts.platform.clone().unwrap_or_else(Platform::host);
        let chosen = index.select(&want).map_err(reg)?.digest.to_string();
        (bytes, digest, _) = client.manifest(&chosen).map_err(reg)?;
    }
    let man: Manifest = serde_json::from_slice(&bytes).map_err(reg)?;
    let config: ImageConfig = serde_json::from_slice(
        &client
            .small_blob(&man.config, manifest::MAX_CONFIG)
            .map_err(reg)?,
    )
    .map_err(reg)?;
    if config.rootfs.diff_ids.len() != man.layers.len() {
        return Err(reg(
            "the manifest and the config disagree on the number of layers",
        ));
    }
    let unpack = UnpackOptions {
        whiteouts: Whiteouts::Apply,
        ..Default::default()
    };
    let mut files = 0;
    for (desc, diff) in man.layers.iter().zip(&config.rootfs.diff_ids) {
        let compression = manifest::compression(&desc.media_type).map_err(reg)?;
        let blob = client.blob(desc).map_err(reg)?;
        let report = layer::apply(
            blob,
            &desc.digest,
            compression,
            diff,
            staging.path(),
            &unpack,
        )
        .map_err(reg)?;
        files += report.files + report.dirs + report.symlinks + report.hardlinks;
    }
    staging.commit()?;
    Ok(Fetched {
        reference: r.to_string(),
        manifest: digest.to_string(),
        layers: man.layers.len(),
        files,
    })
}
