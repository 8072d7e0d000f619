//! A container's changes as an image layer: the OCI "layer changeset".
//!
//! overlayfs records a container's writes in its upper directory in its
//! own way: a deleted file is a 0/0 character device (a *whiteout*), a
//! directory that replaced one below is marked with the xattr
//! `trusted.overlay.opaque=y`. An image layer is a tar archive that says
//! the same in the image spec's words: an empty file `.wh.NAME` for a
//! deletion, `.wh..wh..opq` inside a directory that hides what is below.
//! [`from_upper`] walks an upper directory (or a copy of one) and writes
//! that tar: entries sorted, owners and modes kept, every mtime the same,
//! so the same changes always give the same bytes and digest. [`gzip`]
//! compresses it, as registries expect.

use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The name of the entry that makes a directory opaque.
pub const OPAQUE: &str = ".wh..wh..opq";
/// The prefix of a whiteout entry.
pub const WHITEOUT_PREFIX: &str = ".wh.";

/// A layer tar and the entry names it holds, in order.
pub struct LayerTar {
    pub tar: Vec<u8>,
    pub entries: Vec<String>,
}

/// Whether the upper directory's entry `rel` (no leading '/') is only a
/// place the runtime mounted something on: /proc, /sys or /dev made for a
/// root that lacked them, or an empty /etc/hostname, /etc/hosts or
/// /etc/resolv.conf that a file of the run was bound onto. Docker keeps
/// those in an "init" layer of its own; neither `diff` nor `commit`
/// shows them. (A deletion of one is a real change and is kept.)
pub fn is_mount_target(rel: &str, m: &std::fs::Metadata) -> bool {
    match rel {
        "proc" | "sys" | "dev" => m.is_dir(),
        "etc/hostname" | "etc/hosts" | "etc/resolv.conf" => m.is_file() && m.len() == 0,
        _ => false,
    }
}

fn is_whiteout(m: &std::fs::Metadata) -> bool {
    m.file_type().is_char_device() && m.rdev() == 0
}

/// An empty tar builder that writes regular headers with fixed times.
pub struct Writer {
    b: tar::Builder<Vec<u8>>,
    pub entries: Vec<String>,
    mtime: u64,
}

impl Writer {
    pub fn new(mtime: u64) -> Writer {
        let mut b = tar::Builder::new(Vec::new());
        b.follow_symlinks(false);
        Writer {
            b,
            entries: Vec::new(),
            mtime,
        }
    }

    fn header(
        &self,
        kind: tar::EntryType,
        mode: u32,
        uid: u64,
        gid: u64,
        size: u64,
    ) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode & 0o7777);
        h.set_uid(uid);
        h.set_gid(gid);
        h.set_size(size);
        h.set_mtime(self.mtime);
        h
    }

    /// A directory entry `rel/`.
    pub fn dir(&mut self, rel: &str, mode: u32, uid: u64, gid: u64) -> Result<(), Error> {
        let mut h = self.header(tar::EntryType::Directory, mode, uid, gid, 0);
        let name = format!("{}/", rel.trim_end_matches('/'));
        self.b
            .append_data(&mut h, &name, std::io::empty())
            .map_err(Error::io("archive", PathBuf::from(rel)))?;
        self.entries.push(name);
        Ok(())
    }

    /// A regular file with `data`.
    pub fn file(
        &mut self,
        rel: &str,
        mode: u32,
        uid: u64,
        gid: u64,
        data: &mut dyn std::io::Read,
        size: u64,
    ) -> Result<(), Error> {
        let mut h = self.header(tar::EntryType::Regular, mode, uid, gid, size);
        self.b
            .append_data(&mut h, rel, data)
            .map_err(Error::io("archive", PathBuf::from(rel)))?;
        self.entries.push(rel.to_string());
        Ok(())
    }

    pub fn symlink(&mut self, rel: &str, target: &Path, uid: u64, gid: u64) -> Result<(), Error> {
        let mut h = self.header(tar::EntryType::Symlink, 0o777, uid, gid, 0);
        self.b
            .append_link(&mut h, rel, target)
            .map_err(Error::io("archive", PathBuf::from(rel)))?;
        self.entries.push(rel.to_string());
        Ok(())
    }

    /// Any entry copied from the file at `p` (file, dir, symlink, fifo);
    /// `owner` replaces its uid and gid when given.
    pub fn from_path(
        &mut self,
        rel: &str,
        p: &Path,
        owner: Option<(u32, u32)>,
    ) -> Result<(), Error> {
        let m = std::fs::symlink_metadata(p).map_err(Error::io("read", p))?;
        let (uid, gid) = owner
            .map(|(u, g)| (u64::from(u), u64::from(g)))
            .unwrap_or((u64::from(m.uid()), u64::from(m.gid())));
        let ft = m.file_type();
        if ft.is_dir() {
            self.dir(rel, m.mode(), uid, gid)
        } else if ft.is_symlink() {
            let target = std::fs::read_link(p).map_err(Error::io("read", p))?;
            self.symlink(rel, &target, uid, gid)
        } else if ft.is_file() {
            let mut f = std::fs::File::open(p).map_err(Error::io("open", p))?;
            self.file(rel, m.mode(), uid, gid, &mut f, m.len())
        } else if ft.is_fifo() {
            let mut h = self.header(tar::EntryType::Fifo, m.mode(), uid, gid, 0);
            self.b
                .append_data(&mut h, rel, std::io::empty())
                .map_err(Error::io("archive", p))?;
            self.entries.push(rel.to_string());
            Ok(())
        } else {
            // Sockets and devices do not belong in a layer (docker's
            // builder skips sockets; devices come from the runtime).
            Ok(())
        }
    }

    /// An empty whiteout entry (`.wh.NAME` or `.wh..wh..opq`).
    pub fn whiteout(&mut self, rel: &str) -> Result<(), Error> {
        self.file(rel, 0o644, 0, 0, &mut std::io::empty(), 0)
    }

    /// Append a tar entry read from another archive under a new name.
    pub fn append_entry(
        &mut self,
        rel: &str,
        entry: &mut tar::Entry<'_, impl std::io::Read>,
        owner: Option<(u32, u32)>,
    ) -> Result<(), Error> {
        let mut h = entry.header().clone();
        h.set_mtime(self.mtime);
        if let Some((u, g)) = owner {
            h.set_uid(u64::from(u));
            h.set_gid(u64::from(g));
        }
        let kind = h.entry_type();
        let err = Error::io("archive", PathBuf::from(rel));
        if kind.is_symlink() || kind.is_hard_link() {
            let target = entry
                .link_name()
                .map_err(Error::io("read", PathBuf::from(rel)))?
                .unwrap_or_default()
                .into_owned();
            self.b.append_link(&mut h, rel, &target).map_err(err)?;
        } else {
            self.b.append_data(&mut h, rel, entry).map_err(err)?;
        }
        self.entries.push(rel.to_string());
        Ok(())
    }

    pub fn finish(self) -> Result<LayerTar, Error> {
        let tar = self
            .b
            .into_inner()
            .map_err(Error::io("archive", PathBuf::from("layer")))?;
        Ok(LayerTar {
            tar,
            entries: self.entries,
        })
    }
}

/// The changes of an upper directory as an OCI layer tar.
pub fn from_upper(upper: &Path, mtime: u64) -> Result<LayerTar, Error> {
    let mut w = Writer::new(mtime);
    walk(upper, "", &mut w)?;
    w.finish()
}

fn walk(dir: &Path, rel: &str, w: &mut Writer) -> Result<(), Error> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(Error::io("read", dir))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .map_err(Error::io("read", dir))?;
    names.sort();
    if !rel.is_empty() && crate::overlay::is_opaque(dir) {
        w.whiteout(&format!("{rel}/{OPAQUE}"))?;
    }
    for name in names {
        let name = name.to_string_lossy().into_owned();
        let p = dir.join(&name);
        let r = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let m = std::fs::symlink_metadata(&p).map_err(Error::io("read", &p))?;
        if is_mount_target(&r, &m) {
            continue;
        }
        if is_whiteout(&m) {
            let parent = if rel.is_empty() {
                String::new()
            } else {
                format!("{rel}/")
            };
            w.whiteout(&format!("{parent}{WHITEOUT_PREFIX}{name}"))?;
            continue;
        }
        w.from_path(&r, &p, None)?;
        if m.is_dir() {
            walk(&p, &r, w)?;
        }
    }
    Ok(())
}

/// gzip, as registries and `docker save` expect layers.
pub fn gzip(tar: &[u8]) -> Result<Vec<u8>, Error> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(tar)
        .map_err(Error::io("compress", PathBuf::from("layer")))?;
    gz.finish()
        .map_err(Error::io("compress", PathBuf::from("layer")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_dirs_become_sorted_entries_with_the_same_bytes_each_time() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("etc")).unwrap();
        std::fs::write(t.path().join("etc/hostname"), "x").unwrap();
        std::fs::write(t.path().join("a"), "y").unwrap();
        let one = from_upper(t.path(), 0).unwrap();
        assert_eq!(one.entries, ["a", "etc/", "etc/hostname"]);
        let two = from_upper(t.path(), 0).unwrap();
        assert_eq!(one.tar, two.tar);
    }

    #[test]
    fn mount_targets_the_runtime_made_are_not_in_the_layer() {
        let t = tempfile::tempdir().unwrap();
        for d in ["proc", "etc"] {
            std::fs::create_dir_all(t.path().join(d)).unwrap();
        }
        // Empty: made to bind the run's file onto. Written: a real file.
        std::fs::write(t.path().join("etc/resolv.conf"), "").unwrap();
        std::fs::write(t.path().join("etc/hosts"), "10.0.0.1 db\n").unwrap();
        std::fs::write(t.path().join("new"), "n").unwrap();
        let layer = from_upper(t.path(), 0).unwrap();
        assert_eq!(layer.entries, ["etc/", "etc/hosts", "new"]);
    }

    #[test]
    fn whiteouts_and_opaque_dirs_become_wh_entries() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("NOT RUN: needs root to make a whiteout device");
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must run this test as root"
            );
            return;
        }
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("d/sub")).unwrap();
        nix::sys::stat::mknod(
            &t.path().join("d/gone"),
            nix::sys::stat::SFlag::S_IFCHR,
            nix::sys::stat::Mode::empty(),
            0,
        )
        .unwrap();
        let sub =
            std::ffi::CString::new(t.path().join("d/sub").as_os_str().as_encoded_bytes()).unwrap();
        let name = std::ffi::CString::new(crate::overlay::OPAQUE_XATTR).unwrap();
        // SAFETY: valid C strings and a one-byte value.
        let r = unsafe { libc::lsetxattr(sub.as_ptr(), name.as_ptr(), b"y".as_ptr().cast(), 1, 0) };
        assert_eq!(r, 0);
        let l = from_upper(t.path(), 0).unwrap();
        assert_eq!(
            l.entries,
            ["d/", "d/.wh.gone", "d/sub/", "d/sub/.wh..wh..opq"]
        );
    }
}
