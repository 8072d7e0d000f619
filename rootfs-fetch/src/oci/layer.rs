//! One layer blob into one directory, in a single pass: the compressed
//! bytes are hashed (the blob's digest), decompressed (gzip, zstd or
//! none), hashed again (the config's diff_id for this layer) and unpacked
//! by the safe unpacker as they stream. Both digests are checked at the end; the caller unpacks
//! into a temporary directory and keeps it only if they matched.

use std::io::Read;
use std::path::Path;

use super::client::{BlobReader, ClientError};
use super::digest::{Digest, Hashing};
use super::manifest::Compression;
use crate::unpack::{self, UnpackOptions, UnpackReport};

#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Unpack(#[from] unpack::UnpackError),
    #[error("layer {blob}: uncompressed it is {actual}, but the image config says {expected}")]
    DiffId {
        blob: Digest,
        expected: Digest,
        actual: Digest,
    },
    #[error("layer {0}: {1}")]
    Other(Digest, String),
}

/// Unpack `blob` (compressed as `compression`) into `dest`, checking the
/// blob's digest and the uncompressed `diff_id`.
pub fn apply(
    blob: BlobReader,
    digest: &Digest,
    compression: Compression,
    diff_id: &Digest,
    dest: &Path,
    opts: &UnpackOptions,
) -> Result<UnpackReport, LayerError> {
    let mut blob = blob;
    let (report, actual) = {
        let stream: Box<dyn Read + '_> = match compression {
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(&mut blob)),
            Compression::None => Box::new(&mut blob),
            // One zstd frame (what `zstd` and containers/image write), with
            // its window capped at 128 MiB: a frame may ask for up to 2 GiB.
            Compression::Zstd => Box::new(
                ruzstd::decoding::StreamingDecoder::new_with_max_window_size(&mut blob, 1 << 27)
                    .map_err(|e| LayerError::Other(digest.clone(), format!("zstd: {e}")))?,
            ),
        };
        let mut hashing = Hashing::new(stream);
        let report = unpack::unpack(&mut hashing, dest, opts);
        // The blob's own digest is the stronger statement: check it first,
        // so a tampered blob is reported as such even if it broke the tar.
        let actual = hashing.finish();
        (report, actual)
    };
    blob.verify()?;
    let report = report?;
    let actual = actual.map_err(|e| LayerError::Other(digest.clone(), e.to_string()))?;
    if &actual != diff_id {
        return Err(LayerError::DiffId {
            blob: digest.clone(),
            expected: diff_id.clone(),
            actual,
        });
    }
    Ok(report)
}
