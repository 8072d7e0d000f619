//! rootfs-fetch: get a small base root filesystem for dockling's lessons.
//!
//! Three sources: [`host`] assembles one offline from this machine's
//! BusyBox (or its /bin/sh and coreutils), [`alpine`] downloads Alpine
//! Linux's minirootfs and checks it against a pinned SHA-256, and
//! [`registry`] takes an image from an OCI registry with [`oci`], the
//! client dockling's `pull` uses. All write into a staging directory that
//! is renamed into place only when complete. [`unpack`] is the safe tar
//! unpacker every archive goes through.

pub mod alpine;
pub mod elf;
pub mod host;
pub mod lang;
pub mod messages;
pub mod oci;
pub mod registry;
pub mod say;
pub mod unpack;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}", crate::msg!(crate::messages::EXISTS, path = .0.display()))]
    Exists(PathBuf),
    #[error(transparent)]
    Elf(#[from] elf::ElfError),
    #[error(transparent)]
    Unpack(#[from] unpack::UnpackError),
    #[error("{0}")]
    Host(String),
    #[error("{}", crate::msg!(crate::messages::DOWNLOAD_FAILED, url = .url, reason = .reason))]
    Download { url: String, reason: String },
    #[error("{}", crate::msg!(crate::messages::CHECKSUM_MISMATCH, url = .url, expected = .expected, actual = .actual))]
    Checksum {
        url: String,
        expected: String,
        actual: String,
    },
    #[error("{0}")]
    Usage(String),
    #[error("{}", crate::msg!(crate::messages::REGISTRY, reason = .0))]
    Registry(String),
}

impl Error {
    pub fn io(path: &Path, source: io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A directory being built next to its final place. Dropped without
/// [`Staging::commit`], it is removed, so a failure leaves nothing behind.
pub struct Staging {
    tmp: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl Staging {
    pub fn new(dest: &Path) -> Result<Self, Error> {
        if dest.symlink_metadata().is_ok() {
            return Err(Error::Exists(dest.to_path_buf()));
        }
        let parent = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let name = dest
            .file_name()
            .ok_or_else(|| Error::Usage(format!("{} has no file name", dest.display())))?;
        let tmp = parent.join(format!(
            ".{}.partial-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        }
        fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
        Ok(Staging {
            tmp,
            dest: dest.to_path_buf(),
            done: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.tmp
    }

    pub fn commit(mut self) -> Result<(), Error> {
        fs::rename(&self.tmp, &self.dest).map_err(|e| Error::io(&self.dest, e))?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            // Best effort: the error that made us drop is the one to report.
            if let Err(e) = fs::remove_dir_all(&self.tmp) {
                eprintln!("rootfs-fetch: could not remove {}: {e}", self.tmp.display());
            }
        }
    }
}
