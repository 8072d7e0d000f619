//! An initramfs made from a rootfs directory: the container's files, in
//! the form a kernel can boot.
//!
//! At boot Linux unpacks a cpio archive in the "newc" format into a RAM
//! filesystem and runs a program from it (`rdinit=`, default `/init`).
//! Each entry is a 110-byte ASCII header (magic `070701`, then thirteen
//! 8-digit hex fields: inode, mode, uid, gid, links, mtime, size, device
//! and name length …), the NUL-terminated name and the data, each padded
//! to 4 bytes; a `TRAILER!!!` entry ends it. A symlink's data is its
//! target. Hard links are written as separate files (one inode each), so
//! the kernel never has to match them up; [`Packed::file_bytes`] counts
//! them once, as the disk does.
//!
//! Man pages and docs: cpio(5) ("New ASCII Format"), the kernel's
//! Documentation/driver-api/early-userspace/buffer-format.rst.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::error::Error;
use crate::msg;
use crate::narrate::messages::images as m;

/// The newc header's magic number.
const MAGIC: &str = "070701";

/// A rootfs packed as an initramfs.
#[derive(Debug, Default)]
pub struct Packed {
    pub bytes: Vec<u8>,
    /// Entries written (directories, files, symlinks), the trailer not counted.
    pub entries: usize,
    /// The regular files' sizes, each inode once: the rootfs on disk.
    pub file_bytes: u64,
}

/// An archive being written.
#[derive(Debug, Default)]
pub struct Writer {
    packed: Packed,
    ino: u32,
    seen: HashSet<(u64, u64)>,
}

impl Writer {
    pub fn new() -> Writer {
        Writer::default()
    }

    fn entry(&mut self, name: &str, mode: u32, uid: u32, gid: u32, data: &[u8]) {
        self.ino += 1;
        let out = &mut self.packed.bytes;
        out.extend_from_slice(MAGIC.as_bytes());
        let fields = [
            self.ino,
            mode,
            uid,
            gid,
            1, // links
            0, // mtime
            data.len() as u32,
            0, // devmajor
            0, // devminor
            0, // rdevmajor
            0, // rdevminor
            name.len() as u32 + 1,
            0, // check
        ];
        for f in fields {
            out.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        pad(out);
        out.extend_from_slice(data);
        pad(out);
    }

    pub fn file(&mut self, name: &str, perm: u32, data: &[u8]) {
        self.entry(name, libc::S_IFREG | perm, 0, 0, data);
        self.packed.entries += 1;
    }

    /// Every directory, regular file and symlink under `root`, named
    /// relative to it; anything else (device nodes, FIFOs, sockets) is
    /// left out: the guest's kernel makes its own /dev.
    pub fn tree(&mut self, root: &Path) -> Result<(), Error> {
        self.walk(root, "")
    }

    fn walk(&mut self, dir: &Path, prefix: &str) -> Result<(), Error> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .map_err(Error::io("read the directory", dir))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()
            .map_err(Error::io("read the directory", dir))?;
        // The same rootfs packs into the same archive.
        names.sort();
        for name in names {
            let path = dir.join(&name);
            let Some(name) = name.to_str() else {
                return Err(Error::Usage(msg!(
                    m::COMPARE_NAME_NOT_UTF8,
                    path = path.display()
                )));
            };
            let rel = format!("{prefix}{name}");
            let meta =
                std::fs::symlink_metadata(&path).map_err(Error::io("read the file", &path))?;
            let (mode, uid, gid) = (meta.mode(), meta.uid(), meta.gid());
            let perm = mode & 0o7777;
            let kind = meta.file_type();
            if kind.is_dir() {
                self.entry(&rel, libc::S_IFDIR | perm, uid, gid, &[]);
                self.packed.entries += 1;
                self.walk(&path, &format!("{rel}/"))?;
            } else if kind.is_symlink() {
                let target =
                    std::fs::read_link(&path).map_err(Error::io("read the link", &path))?;
                let target = std::os::unix::ffi::OsStrExt::as_bytes(target.as_os_str()).to_vec();
                self.entry(&rel, libc::S_IFLNK | 0o777, uid, gid, &target);
                self.packed.entries += 1;
            } else if kind.is_file() {
                let data = std::fs::read(&path).map_err(Error::io("read the file", &path))?;
                if self.seen.insert((meta.dev(), meta.ino())) {
                    self.packed.file_bytes += data.len() as u64;
                }
                self.entry(&rel, libc::S_IFREG | perm, uid, gid, &data);
                self.packed.entries += 1;
            }
        }
        Ok(())
    }

    pub fn finish(mut self) -> Packed {
        self.entry("TRAILER!!!", 0, 0, 0, &[]);
        self.packed
    }
}

/// Zeros up to the next multiple of 4 bytes.
fn pad(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entries of a newc archive: (name, mode, data).
    fn read(mut b: &[u8]) -> Vec<(String, u32, Vec<u8>)> {
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            assert_eq!(&b[..6], MAGIC.as_bytes(), "magic at {offset}");
            let field = |i: usize| {
                u32::from_str_radix(std::str::from_utf8(&b[6 + i * 8..14 + i * 8]).unwrap(), 16)
                    .unwrap() as usize
            };
            let (mode, size, namesize) = (field(1) as u32, field(6), field(11));
            let name = String::from_utf8(b[110..110 + namesize - 1].to_vec()).unwrap();
            assert_eq!(b[110 + namesize - 1], 0, "name ends in NUL");
            let data_at = (110 + namesize).next_multiple_of(4);
            let data = b[data_at..data_at + size].to_vec();
            let next = (data_at + size).next_multiple_of(4);
            if name == "TRAILER!!!" {
                assert_eq!(next, b.len(), "the trailer is last");
                return out;
            }
            out.push((name, mode, data));
            offset += next;
            b = &b[next..];
        }
    }

    #[test]
    fn a_tree_packs_into_newc_entries_with_links_and_modes() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("bin")).unwrap();
        std::fs::write(r.join("bin/busybox"), b"ELF!!").unwrap();
        std::os::unix::fs::symlink("busybox", r.join("bin/sh")).unwrap();
        std::fs::hard_link(r.join("bin/busybox"), r.join("bin/ash")).unwrap();
        std::fs::create_dir(r.join("proc")).unwrap();
        let mut w = Writer::new();
        w.tree(r).unwrap();
        w.file("dockling-init", 0o755, b"#!/bin/sh\n");
        let packed = w.finish();
        // busybox and its hard link ash are 5 bytes on disk, once.
        assert_eq!(packed.file_bytes, 5);
        assert_eq!(packed.entries, 6);
        let entries = read(&packed.bytes);
        let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "bin",
                "bin/ash",
                "bin/busybox",
                "bin/sh",
                "proc",
                "dockling-init"
            ]
        );
        let get = |n: &str| entries.iter().find(|e| e.0 == n).unwrap();
        assert_eq!(get("bin/sh").1 & libc::S_IFMT, libc::S_IFLNK);
        assert_eq!(get("bin/sh").2, b"busybox");
        assert_eq!(get("bin/ash").2, b"ELF!!");
        assert_eq!(get("proc").1 & libc::S_IFMT, libc::S_IFDIR);
        assert_eq!(get("dockling-init").1, libc::S_IFREG | 0o755);
    }
}
