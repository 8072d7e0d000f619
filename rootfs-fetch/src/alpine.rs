//! Download Alpine Linux's minirootfs, verify it, and unpack it safely.
//!
//! Alpine publishes a "minirootfs" for each release: a ~3 MB gzip'd tar of a
//! complete root filesystem (musl libc, BusyBox, apk). It is what the
//! `alpine` image on Docker Hub is made of. We stream it once: the bytes are
//! hashed with SHA-256 while they are decompressed and unpacked into a
//! staging directory, and the staging directory becomes the rootfs only if
//! the hash matches the one pinned below. A tampered or truncated download
//! leaves nothing behind.

use std::io::{self, Read};
use std::path::Path;

use flate2::read::GzDecoder;

use crate::unpack::{UnpackOptions, unpack};
use crate::{Error, Staging};

pub const DEFAULT_MIRROR: &str = "https://dl-cdn.alpinelinux.org/alpine";
pub const DEFAULT_VERSION: &str = "3.23.2";

/// Known-good SHA-256 sums: (version, Alpine's architecture name, sha256).
/// They come from the `.sha256` files Alpine publishes beside each tarball.
const PINNED: &[(&str, &str, &str)] = &[
    (
        "3.23.2",
        "x86_64",
        "b50bf42e519420ca2be48dd0efa22aa087c708d0602b67d413406533bef9dab5",
    ),
    (
        "3.23.2",
        "aarch64",
        "0a6c278a906bb7dc1c14f3dae426b4494280cdc421697977459bd37f91287d09",
    ),
    (
        "3.20.3",
        "x86_64",
        "d4e6fd67dcf75e40c451560ac7265166c2b72a0f38ddc9aae756a7de3d1efa0c",
    ),
];

/// A download larger than this is refused (the real one is ~3.5 MB).
const MAX_DOWNLOAD: u64 = 64 << 20;

#[derive(Debug, Clone)]
pub struct AlpineOptions {
    pub version: String,
    /// Alpine's name for the architecture (x86_64, aarch64, armv7 …).
    pub arch: String,
    pub mirror: String,
    /// Overrides the pinned checksum (for versions we do not pin, or a mirror).
    pub sha256: Option<String>,
}

impl Default for AlpineOptions {
    fn default() -> Self {
        AlpineOptions {
            version: DEFAULT_VERSION.into(),
            arch: alpine_arch(std::env::consts::ARCH).into(),
            mirror: DEFAULT_MIRROR.into(),
            sha256: None,
        }
    }
}

/// Rust's architecture name to Alpine's.
pub fn alpine_arch(rust_arch: &str) -> &str {
    match rust_arch {
        "arm" => "armv7",
        "x86" => "x86",
        other => other,
    }
}

pub fn pinned_sha256(version: &str, arch: &str) -> Option<&'static str> {
    PINNED
        .iter()
        .find(|(v, a, _)| *v == version && *a == arch)
        .map(|(_, _, s)| *s)
}

pub fn url(opts: &AlpineOptions) -> Result<String, Error> {
    let branch: Vec<&str> = opts.version.split('.').collect();
    if branch.len() != 3 || branch.iter().any(|p| p.parse::<u32>().is_err()) {
        return Err(Error::Usage(format!(
            "alpine version {:?} is not of the form MAJOR.MINOR.PATCH (e.g. {DEFAULT_VERSION})",
            opts.version
        )));
    }
    Ok(format!(
        "{}/v{}.{}/releases/{arch}/alpine-minirootfs-{}-{arch}.tar.gz",
        opts.mirror.trim_end_matches('/'),
        branch[0],
        branch[1],
        opts.version,
        arch = opts.arch
    ))
}

/// Download and unpack into `dest`, which must not exist yet.
pub fn fetch(dest: &Path, opts: &AlpineOptions) -> Result<(), Error> {
    let url = url(opts)?;
    let expected = match &opts.sha256 {
        Some(s) => s.to_ascii_lowercase(),
        None => pinned_sha256(&opts.version, &opts.arch)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "no pinned checksum for alpine {} on {}; pass --sha256 with the value from {url}.sha256",
                    opts.version, opts.arch
                ))
            })?
            .to_string(),
    };
    if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::Usage(format!(
            "{expected:?} is not a sha256 (64 hex digits)"
        )));
    }
    let staging = Staging::new(dest)?;
    let download = |reason: String| Error::Download {
        url: url.clone(),
        reason,
    };
    let response = ureq::get(&url)
        .call()
        .map_err(|e| download(e.to_string()))?;
    let body = response.into_body().into_reader().take(MAX_DOWNLOAD + 1);
    let mut hashing = crate::oci::digest::Hashing::new(body);
    let unpacked = unpack(
        GzDecoder::new(&mut hashing),
        staging.path(),
        &UnpackOptions::default(),
    );
    // tar stops at its end-of-archive marker; the hash covers every byte.
    io::copy(&mut hashing, &mut io::sink()).map_err(|e| download(e.to_string()))?;
    if hashing.count > MAX_DOWNLOAD {
        return Err(download(crate::msg!(
            crate::messages::DOWNLOAD_TOO_LARGE,
            max = MAX_DOWNLOAD
        )));
    }
    let actual = hashing
        .finish()
        .map_err(|e| download(e.to_string()))?
        .hex()
        .to_string();
    if actual != expected {
        return Err(Error::Checksum {
            url,
            expected,
            actual,
        });
    }
    // Only a verified archive's unpack errors are worth reporting as such.
    unpacked?;
    staging.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_alpines_layout() {
        let opts = AlpineOptions {
            arch: "x86_64".into(),
            ..AlpineOptions::default()
        };
        assert_eq!(
            url(&opts).unwrap(),
            "https://dl-cdn.alpinelinux.org/alpine/v3.23/releases/x86_64/alpine-minirootfs-3.23.2-x86_64.tar.gz"
        );
        let bad = AlpineOptions {
            version: "latest".into(),
            ..opts
        };
        assert!(url(&bad).is_err());
    }

    #[test]
    fn every_default_architecture_we_name_is_pinned() {
        for arch in ["x86_64", "aarch64"] {
            assert!(pinned_sha256(DEFAULT_VERSION, arch).is_some(), "{arch}");
        }
    }
}
