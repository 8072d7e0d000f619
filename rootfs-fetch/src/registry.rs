//! A base rootfs from an image in an OCI registry, with the same client,
//! checks and safe unpacking as `dockling pull`. Here the layers are
//! applied one after another into one directory (whiteouts become
//! deletions), because a rootfs is a single tree, not a stack.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::oci::auth::Credentials;
use crate::oci::client::{Client, Observer};
use crate::oci::layer;
use crate::oci::manifest::{self, ImageConfig, Platform};
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
    let stall = crate::oci::client::stall_timeout_from_env().map_err(Error::Usage)?;
    let mut client =
        Client::new(&r, opts.credentials.clone(), opts.insecure, quiet).with_stall_timeout(stall);
    let want = opts.platform.clone().unwrap_or_else(Platform::host);
    let resolved = client
        .resolve(&r.manifest_ref(), &want, &mut |_, _| {})
        .map_err(reg)?;
    let man = resolved.manifest;
    let config_bytes = client
        .small_blob(&man.config, manifest::MAX_CONFIG)
        .map_err(reg)?;
    let config = ImageConfig::parse(&config_bytes, &man).map_err(reg)?;
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
            None,
        )
        .map_err(reg)?;
        files += report.files + report.dirs + report.symlinks + report.hardlinks;
    }
    staging.commit()?;
    Ok(Fetched {
        reference: r.to_string(),
        manifest: resolved.digest.to_string(),
        layers: man.layers.len(),
        files,
    })
}
