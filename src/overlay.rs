//! overlayfs: read-only image layers under one writable layer.
//!
//! An image is a stack of directories ("layers"). overlayfs shows them as
//! one tree: a file is looked up in the writable *upper* directory first,
//! then in each *lower* directory from the top of the stack down. Writing
//! to a file that is only in a lower layer first copies it up (copy-on-
//! write); deleting one leaves a *whiteout* in upper (a 0/0 character
//! device) that hides it; replacing a whole directory marks it *opaque*
//! (xattr `trusted.overlay.opaque=y`). The lower layers never change, so
//! any number of containers can share them. A VM's counterpart is a qcow2
//! disk image with a read-only backing file.
//!
//! The mount option string must fit in one page (4 KiB), so the layers are
//! named through short relative symlinks (`l/0`, `l/1` …) and the mount is
//! made with the state directory as the current directory: 120 layers take
//! about 800 bytes.
//!
//! Lesson 4. Man pages: mount(8) (overlay options); the kernel's
//! filesystems/overlayfs.rst.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::mount::{MsFlags, mount};

use crate::mounts::MountError;

/// statfs(2) magic number of overlayfs, from linux/magic.h.
pub const OVERLAYFS_SUPER_MAGIC: i64 = 0x794c_7630;

/// Whether the kernel has overlayfs (built in, loaded, or loadable).
pub fn available() -> bool {
    let listed = fs::read_to_string("/proc/filesystems").is_ok_and(|t| {
        t.lines()
            .any(|l| l.split_whitespace().last() == Some("overlay"))
    });
    // Not listed yet: the module loads on first mount if it exists.
    listed || Path::new("/sys/module/overlay").exists() || modprobe_overlay()
}

fn modprobe_overlay() -> bool {
    std::process::Command::new("modprobe")
        .arg("overlay")
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The xattr overlayfs sets on a directory that hides the lower ones.
pub const OPAQUE_XATTR: &str = "trusted.overlay.opaque";

/// One container's overlay: where its layers, upper and work dirs are.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stack {
    /// The container's overlay directory; the mount is made from here.
    pub dir: PathBuf,
    /// The read-only layers, bottom first.
    pub lowers: Vec<PathBuf>,
}

impl Stack {
    pub fn upper(&self) -> PathBuf {
        self.dir.join("upper")
    }
    pub fn work(&self) -> PathBuf {
        self.dir.join("work")
    }
    pub fn merged(&self) -> PathBuf {
        self.dir.join("merged")
    }

    /// Make upper, work, merged and the short links to each layer.
    pub fn prepare(&self) -> io::Result<()> {
        for d in [self.upper(), self.work(), self.merged(), self.dir.join("l")] {
            fs::create_dir_all(&d)?;
        }
        // The upper dir becomes the container's "/": give it the bottom
        // layer's mode, not the umask's.
        let mode = fs::metadata(&self.lowers[0])?.permissions().mode();
        fs::set_permissions(self.upper(), fs::Permissions::from_mode(mode))?;
        for (i, lower) in self.lowers.iter().enumerate() {
            std::os::unix::fs::symlink(lower, self.dir.join("l").join(i.to_string()))?;
        }
        Ok(())
    }

    /// The mount options, relative to [`Stack::dir`]. overlayfs lists the
    /// topmost lower layer first.
    pub fn options(&self) -> String {
        let lowers: Vec<String> = (0..self.lowers.len())
            .rev()
            .map(|i| format!("l/{i}"))
            .collect();
        format!("lowerdir={},upperdir=upper,workdir=work", lowers.join(":"))
    }

    /// `cd DIR && mount -t overlay overlay -o OPTIONS merged`.
    pub fn mount(&self) -> Result<(), MountError> {
        let err = |what: &str| {
            let what = what.to_string();
            move |errno| MountError { what, errno }
        };
        nix::unistd::chdir(&self.dir).map_err(err(&msg!(m::CHDIR_OVERLAY)))?;
        mount(
            Some("overlay"),
            "merged",
            Some("overlay"),
            MsFlags::empty(),
            Some(self.options().as_str()),
        )
        .map_err(err(&msg!(m::MOUNT_OVERLAY)))
    }
}

/// One line of a `docker diff`-style report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub path: String,
    /// 'A' added, 'C' changed, 'D' deleted.
    pub kind: char,
}

fn is_whiteout(m: &fs::Metadata) -> bool {
    m.file_type().is_char_device() && m.rdev() == 0
}

/// Whether `path` (relative) exists in any lower layer, as overlayfs would
/// see it: the topmost layer that has a whiteout or an opaque parent stops
/// the search.
fn in_lowers(lowers: &[PathBuf], rel: &Path) -> bool {
    for lower in lowers.iter().rev() {
        match fs::symlink_metadata(lower.join(rel)) {
            Ok(m) if is_whiteout(&m) => return false,
            Ok(_) => return true,
            Err(_) => {
                // An opaque ancestor in this layer hides everything below.
                let mut p = rel.parent();
                while let Some(dir) = p.filter(|d| !d.as_os_str().is_empty()) {
                    if is_opaque(&lower.join(dir)) {
                        return false;
                    }
                    p = dir.parent();
                }
            }
        }
    }
    false
}

pub fn is_opaque(dir: &Path) -> bool {
    let Ok(path) = CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    let name = CString::new(OPAQUE_XATTR).expect("no NUL");
    let mut buf = [0u8; 4];
    // SAFETY: valid C strings and a buffer of the given length.
    let n = unsafe {
        libc::lgetxattr(
            path.as_ptr(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    n == 1 && buf[0] == b'y'
}

/// What the container changed, from its upper directory: like `docker diff`.
pub fn diff(upper: &Path, lowers: &[PathBuf]) -> io::Result<Vec<Change>> {
    let mut out = Vec::new();
    walk(upper, Path::new(""), lowers, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(upper: &Path, rel: &Path, lowers: &[PathBuf], out: &mut Vec<Change>) -> io::Result<()> {
    for entry in fs::read_dir(upper.join(rel))? {
        let entry = entry?;
        let r = rel.join(entry.file_name());
        let m = entry.metadata()?;
        let path = format!("/{}", r.display());
        if is_whiteout(&m) {
            out.push(Change { path, kind: 'D' });
            continue;
        }
        let existed = in_lowers(lowers, &r);
        out.push(Change {
            path,
            kind: if existed { 'C' } else { 'A' },
        });
        if m.is_dir() {
            walk(upper, &r, lowers, out)?;
        }
    }
    Ok(())
}

/// Save `upper` as a new layer directory `dest` (which must not exist):
/// files, directories, symlinks, whiteouts and opaque markers, with modes
/// and owners.
pub fn commit(upper: &Path, dest: &Path) -> io::Result<()> {
    if dest.symlink_metadata().is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            msg!(m::ALREADY_EXISTS, path = dest.display()),
        ));
    }
    copy_tree(upper, dest)
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    let m = fs::symlink_metadata(from)?;
    let ft = m.file_type();
    if ft.is_dir() {
        fs::create_dir(to)?;
        for e in fs::read_dir(from)? {
            let e = e?;
            copy_tree(&e.path(), &to.join(e.file_name()))?;
        }
        if is_opaque(from) {
            set_opaque(to)?;
        }
    } else if ft.is_symlink() {
        std::os::unix::fs::symlink(fs::read_link(from)?, to)?;
    } else if ft.is_char_device() || ft.is_block_device() || ft.is_fifo() {
        let kind = if ft.is_char_device() {
            nix::sys::stat::SFlag::S_IFCHR
        } else if ft.is_block_device() {
            nix::sys::stat::SFlag::S_IFBLK
        } else {
            nix::sys::stat::SFlag::S_IFIFO
        };
        nix::sys::stat::mknod(
            to,
            kind,
            nix::sys::stat::Mode::from_bits_truncate(m.mode()),
            m.rdev(),
        )?;
    } else {
        fs::copy(from, to)?;
    }
    std::os::unix::fs::lchown(to, Some(m.uid()), Some(m.gid()))?;
    if !ft.is_symlink() {
        fs::set_permissions(to, fs::Permissions::from_mode(m.mode() & 0o7777))?;
    }
    Ok(())
}

fn set_opaque(dir: &Path) -> io::Result<()> {
    let path = CString::new(dir.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let name = CString::new(OPAQUE_XATTR).expect("no NUL");
    // SAFETY: valid C strings and a one-byte value.
    let r = unsafe { libc::lsetxattr(path.as_ptr(), name.as_ptr(), b"y".as_ptr().cast(), 1, 0) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_list_the_top_layer_first_with_short_paths() {
        let s = Stack {
            dir: "/x".into(),
            lowers: (0..3)
                .map(|i| PathBuf::from(format!("/layer{i}")))
                .collect(),
        };
        assert_eq!(
            s.options(),
            "lowerdir=l/2:l/1:l/0,upperdir=upper,workdir=work"
        );
        let many = Stack {
            dir: "/x".into(),
            lowers: (0..120).map(|i| PathBuf::from(format!("/l{i}"))).collect(),
        };
        assert!(many.options().len() < 1024, "{}", many.options().len());
    }

    #[test]
    fn diff_reports_added_changed_and_deleted() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("NOT RUN: needs root to make a whiteout device");
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must run this test as root"
            );
            return;
        }
        let t = tempfile::tempdir().unwrap();
        let lower = t.path().join("lower");
        let upper = t.path().join("upper");
        fs::create_dir_all(lower.join("etc")).unwrap();
        fs::write(lower.join("etc/hostname"), "a").unwrap();
        fs::write(lower.join("gone"), "x").unwrap();
        fs::create_dir_all(upper.join("etc")).unwrap();
        fs::write(upper.join("etc/hostname"), "b").unwrap();
        fs::write(upper.join("new"), "n").unwrap();
        nix::sys::stat::mknod(
            &upper.join("gone"),
            nix::sys::stat::SFlag::S_IFCHR,
            nix::sys::stat::Mode::empty(),
            0,
        )
        .unwrap();
        let d = diff(&upper, &[lower]).unwrap();
        let text: Vec<String> = d.iter().map(|c| format!("{} {}", c.kind, c.path)).collect();
        assert_eq!(text, ["C /etc", "C /etc/hostname", "D /gone", "A /new"]);
        let copy = t.path().join("layer");
        commit(&upper, &copy).unwrap();
        let m = fs::symlink_metadata(copy.join("gone")).unwrap();
        assert!(is_whiteout(&m));
        assert!(commit(&upper, &copy).is_err());
    }
}
