//! One layer blob into one directory, in a single pass: the compressed
//! bytes are hashed (the blob's digest), decompressed (gzip, zstd or
//! none), hashed again (the config's diff_id for this layer) and unpacked
//! by the safe unpacker as they stream. Both digests are checked at the
//! end; the caller unpacks into a temporary directory and keeps it only if
//! they matched.
//!
//! A few megabytes of gzip can hold terabytes of zeros (a "gzip bomb"), so
//! the uncompressed bytes are counted against a [`Budget`] shared by all
//! the layers of one image, and the unpack stops as soon as it is spent.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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
    #[error("{}", crate::msg!(crate::messages::LAYER_DIFF_ID, blob = .blob, actual = .actual, expected = .expected))]
    DiffId {
        blob: Digest,
        expected: Digest,
        actual: Digest,
    },
    /// The image's layers uncompress to more than the budget allows.
    #[error("{}", crate::msg!(crate::messages::LAYER_TOO_BIG, blob = .blob, limit = .limit))]
    TooBig { blob: Digest, limit: u64 },
    #[error("{}", crate::msg!(crate::messages::LAYER_OTHER, blob = .0, reason = .1))]
    Other(Digest, String),
}

/// How many uncompressed bytes the layers of one image may add up to;
/// shared by the threads that download them.
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    used: AtomicU64,
    spent: AtomicBool,
}

impl Budget {
    pub fn new(limit: u64) -> Budget {
        Budget {
            limit,
            used: AtomicU64::new(0),
            spent: AtomicBool::new(false),
        }
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Uncompressed bytes counted so far.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// Whether some read went over the limit.
    pub fn spent(&self) -> bool {
        self.spent.load(Ordering::Relaxed)
    }

    /// `inner`, counted against this budget: reads fail once it is spent.
    pub fn counted<'a, R: Read + 'a>(&'a self, inner: R) -> impl Read + 'a {
        Counted {
            inner,
            budget: self,
        }
    }
}

/// A reader that counts what passes against a budget and fails once the
/// budget is spent.
struct Counted<'a, R> {
    inner: R,
    budget: &'a Budget,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.budget.spent() {
            return Err(std::io::Error::other("the image size limit is reached"));
        }
        let n = self.inner.read(buf)?;
        let total = self.budget.used.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        if total > self.budget.limit {
            self.budget.spent.store(true, Ordering::Relaxed);
            return Err(std::io::Error::other("the image size limit is reached"));
        }
        Ok(n)
    }
}

/// The uncompressed stream of `blob`.
fn decompress<'a>(
    blob: &'a mut BlobReader,
    digest: &Digest,
    compression: Compression,
) -> Result<Box<dyn Read + 'a>, LayerError> {
    Ok(match compression {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(blob)),
        Compression::None => Box::new(blob),
        // One zstd frame (what `zstd` and containers/image write), with
        // its window capped at 128 MiB: a frame may ask for up to 2 GiB.
        Compression::Zstd => Box::new(
            ruzstd::decoding::StreamingDecoder::new_with_max_window_size(blob, 1 << 27)
                .map_err(|e| LayerError::Other(digest.clone(), format!("zstd: {e}")))?,
        ),
    })
}

/// The uncompressed stream of any reader of a layer blob (`dockling
/// save` writes layers uncompressed, as `docker save` does).
pub fn uncompressed<'a, R: Read + 'a>(
    blob: R,
    compression: Compression,
) -> std::io::Result<Box<dyn Read + 'a>> {
    Ok(match compression {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(blob)),
        Compression::None => Box::new(blob),
        Compression::Zstd => Box::new(
            ruzstd::decoding::StreamingDecoder::new_with_max_window_size(blob, 1 << 27)
                .map_err(|e| std::io::Error::other(format!("zstd: {e}")))?,
        ),
    })
}

/// Unpack `blob` (compressed as `compression`) into `dest`, checking the
/// blob's digest and the uncompressed `diff_id`, and counting the
/// uncompressed bytes against `budget`.
pub fn apply(
    blob: BlobReader,
    digest: &Digest,
    compression: Compression,
    diff_id: &Digest,
    dest: &Path,
    opts: &UnpackOptions,
    budget: Option<&Budget>,
) -> Result<UnpackReport, LayerError> {
    let mut blob = blob;
    let (report, actual) = {
        let stream = decompress(&mut blob, digest, compression)?;
        let stream: Box<dyn Read + '_> = match budget {
            Some(budget) => Box::new(budget.counted(stream)),
            None => stream,
        };
        let mut hashing = Hashing::new(stream);
        let report = unpack::unpack(&mut hashing, dest, opts);
        // Over the limit: stop here, without reading the rest.
        if budget.is_some_and(Budget::spent) {
            return Err(LayerError::TooBig {
                blob: digest.clone(),
                limit: budget.map_or(0, Budget::limit),
            });
        }
        // After a failed unpack the rest of the stream is not needed: the
        // error says what broke (and reading on could wait on a stall).
        let actual = report.is_ok().then(|| hashing.finish());
        (report, actual)
    };
    // The blob's own digest is the stronger statement: check it first, so
    // a tampered blob is reported as such even if it broke the tar (and a
    // failed transfer as itself, whatever the tar reader made of it).
    blob.verify()?;
    let report = report?;
    let actual = actual
        .expect("hashed when the unpack succeeded")
        .map_err(|e| LayerError::Other(digest.clone(), e.to_string()))?;
    if &actual != diff_id {
        return Err(LayerError::DiffId {
            blob: digest.clone(),
            expected: diff_id.clone(),
            actual,
        });
    }
    Ok(report)
}

/// Check `blob` without unpacking it: its digest and that it uncompresses
/// to `diff_id`. For a layer whose unpacked directory is in the store
/// already (another image has it) but whose compressed blob is not.
pub fn check(
    blob: BlobReader,
    digest: &Digest,
    compression: Compression,
    diff_id: &Digest,
) -> Result<(), LayerError> {
    let mut blob = blob;
    let actual = {
        let stream = decompress(&mut blob, digest, compression)?;
        Hashing::new(stream).finish()
    };
    blob.verify()?;
    let actual = actual.map_err(|e| LayerError::Other(digest.clone(), e.to_string()))?;
    if &actual != diff_id {
        return Err(LayerError::DiffId {
            blob: digest.clone(),
            expected: diff_id.clone(),
            actual,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::manifest::Descriptor;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn tar_of_zeros(size: usize) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(size as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_path("zeros").unwrap();
        h.set_cksum();
        b.append(&h, &vec![0u8; size][..]).unwrap();
        b.into_inner().unwrap()
    }

    fn blob(bytes: &[u8]) -> (BlobReader, Digest) {
        let d = Descriptor {
            media_type: String::new(),
            digest: Digest::of(bytes),
            size: bytes.len() as u64,
            platform: None,
            annotations: None,
        };
        (
            BlobReader::local(Box::new(std::io::Cursor::new(bytes.to_vec())), &d),
            d.digest,
        )
    }

    #[test]
    fn a_bomb_stops_at_the_budget_and_a_small_layer_fits() {
        let tar = tar_of_zeros(8 << 20);
        let z = gz(&tar);
        assert!(z.len() < 64 << 10, "zeros compress well: {}", z.len());
        let t = tempfile::tempdir().unwrap();
        let budget = Budget::new(1 << 20);
        let (reader, digest) = blob(&z);
        let e = apply(
            reader,
            &digest,
            Compression::Gzip,
            &Digest::of(&tar),
            t.path(),
            &UnpackOptions::default(),
            Some(&budget),
        )
        .unwrap_err();
        assert!(
            matches!(e, LayerError::TooBig { limit, .. } if limit == 1 << 20),
            "{e}"
        );
        assert!(budget.used() < 2 << 20, "stopped early: {}", budget.used());

        let t = tempfile::tempdir().unwrap();
        let budget = Budget::new(16 << 20);
        let (reader, digest) = blob(&z);
        let r = apply(
            reader,
            &digest,
            Compression::Gzip,
            &Digest::of(&tar),
            t.path(),
            &UnpackOptions::default(),
            Some(&budget),
        )
        .unwrap();
        assert_eq!(r.bytes, 8 << 20);
        assert_eq!(budget.used(), tar.len() as u64);
    }

    #[test]
    fn check_verifies_a_blob_without_unpacking_it() {
        let tar = tar_of_zeros(1000);
        let z = gz(&tar);
        let (reader, digest) = blob(&z);
        check(reader, &digest, Compression::Gzip, &Digest::of(&tar)).unwrap();
        let (reader, digest) = blob(&z);
        let e = check(reader, &digest, Compression::Gzip, &Digest::of(b"other")).unwrap_err();
        assert!(matches!(e, LayerError::DiffId { .. }), "{e}");
    }
}
