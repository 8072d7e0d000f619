//! The root filesystem: making a directory the container's `/`.
//!
//! Lesson 1 uses chroot(2): it changes where "/" resolves for one process
//! and its children. It is not a security boundary: a root process can walk
//! out (see `chroot-escape`). Lesson 2 replaces it with pivot_root(2) in a
//! private mount namespace.
//!
//! Before that switch, dockling itself works on paths inside the rootfs
//! (to mount /proc, /sys, /dev, a `-v` volume …), and the rootfs may come
//! from an image nobody checked: its `proc` may be a symlink to `/etc` of
//! the host, if the host resolved it. So every such path is resolved
//! *inside* the root ([`Root`]): openat2(2) with RESOLVE_IN_ROOT treats
//! the rootfs as "/" for every symlink and "..", exactly as the container
//! will see it, and what is mounted is the open file, through its
//! /proc/self/fd/N name, never the path again.
//!
//! Man pages: chroot(2), chdir(2), path_resolution(7), openat2(2).

use crate::msg;
use crate::narrate::messages::containers as m;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The directories a rootfs must have for the mounts of stage 2.
pub const MOUNT_POINTS: &[&str] = &["proc", "sys", "dev"];

/// An open root directory, for resolving paths as the container will.
pub struct Root {
    dir: OwnedFd,
}

/// What to make at a path that does not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Make {
    Dir,
    File,
}

#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

/// openat2's RESOLVE_IN_ROOT: "/" and ".." stop at the directory given.
const RESOLVE_IN_ROOT: u64 = 0x10;
/// RESOLVE_NO_MAGICLINKS: no /proc/PID/fd-style jumps out of it either.
const RESOLVE_NO_MAGICLINKS: u64 = 0x02;

impl Root {
    pub fn open(path: &Path) -> io::Result<Root> {
        let f = std::fs::File::open(path)?;
        Ok(Root { dir: f.into() })
    }

    /// Open `path` (as the container names it) with `flags`, resolved
    /// inside this root.
    pub fn open_at(&self, path: &str, flags: libc::c_int) -> io::Result<OwnedFd> {
        let rel = path.trim_start_matches('/');
        let rel = if rel.is_empty() { "." } else { rel };
        let c = CString::new(rel).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        let how = OpenHow {
            flags: (flags | libc::O_CLOEXEC) as u64,
            mode: 0,
            resolve: RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        // SAFETY: valid dirfd, C string and open_how of the size given.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                self.dir.as_raw_fd(),
                c.as_ptr(),
                &how as *const OpenHow,
                std::mem::size_of::<OpenHow>(),
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: openat2 returned a new descriptor we own.
        Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
    }

    /// An O_PATH handle on `path` inside the root, made (with its missing
    /// parents, as directories) if it does not exist. A symlink on the way
    /// to a missing path is followed inside the root, and the path it names
    /// made there (as runc does). An existing one of the other kind is an
    /// error.
    pub fn make(&self, path: &str, kind: Make) -> io::Result<OwnedFd> {
        self.make_at(path, kind, 0)
    }

    fn make_at(&self, path: &str, kind: Make, hops: u32) -> io::Result<OwnedFd> {
        // As the kernel's limit on symlinks in one lookup.
        if hops > 40 {
            return Err(io::Error::from_raw_os_error(libc::ELOOP));
        }
        let want_dir = kind == Make::Dir;
        match self.open_at(path, libc::O_PATH) {
            Ok(fd) => {
                let is_dir = fd_is_dir(&fd)?;
                if is_dir == want_dir {
                    return Ok(fd);
                }
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    if is_dir {
                        msg!(m::ROOTFS_IS_DIR_NOT_FILE, path = path)
                    } else {
                        msg!(m::ROOTFS_IS_FILE_NOT_DIR, path = path)
                    },
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let p = Path::new(path.trim_start_matches('/'));
        let (Some(parent), Some(name)) = (p.parent(), p.file_name()) else {
            return Err(io::Error::from(io::ErrorKind::InvalidInput));
        };
        let parent_path = format!("/{}", parent.display());
        let parent = self.make_at(&parent_path, Make::Dir, hops)?;
        // The parent is a real directory inside the root: make the last
        // component in it, never following a symlink planted there.
        let dir = self.reopen_dir(&parent)?;
        let cname = CString::new(name.as_bytes())
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: valid dirfd and C string.
        let made = unsafe {
            if want_dir {
                libc::mkdirat(dir.as_raw_fd(), cname.as_ptr(), 0o755)
            } else {
                let fd = libc::openat(
                    dir.as_raw_fd(),
                    cname.as_ptr(),
                    libc::O_CREAT
                        | libc::O_EXCL
                        | libc::O_NOFOLLOW
                        | libc::O_CLOEXEC
                        | libc::O_WRONLY,
                    0o644,
                );
                if fd >= 0 {
                    libc::close(fd);
                    0
                } else {
                    -1
                }
            }
        };
        if made != 0 {
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::AlreadyExists {
                return Err(e);
            }
            // open_at found nothing, yet the name is taken: a symlink to a
            // path that does not exist. Make that path, inside the root.
            let target = nix::fcntl::readlinkat(&dir, name).map_err(|_| {
                io::Error::new(e.kind(), msg!(m::ROOTFS_EXISTS_NOT_SYMLINK, path = path))
            })?;
            let target = Path::new(&target);
            let next = if target.is_absolute() {
                target.display().to_string()
            } else {
                format!("{}/{}", parent_path.trim_end_matches('/'), target.display())
            };
            self.make_at(&next, kind, hops + 1)?;
        }
        self.open_at(path, libc::O_PATH)
    }

    /// A real directory descriptor for an O_PATH one (mkdirat needs one).
    fn reopen_dir(&self, fd: &OwnedFd) -> io::Result<OwnedFd> {
        let f = std::fs::File::open(fd_path(fd))?;
        Ok(f.into())
    }
}

fn fd_is_dir(fd: &OwnedFd) -> io::Result<bool> {
    let st = nix::sys::stat::fstat(fd)?;
    Ok((st.st_mode & libc::S_IFMT) == libc::S_IFDIR)
}

/// The name the kernel gives an open file: `/proc/self/fd/N`. mount(2)
/// given this path mounts on exactly the file that was opened.
pub fn fd_path(fd: &OwnedFd) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

/// The mount points a plain rootfs (not an overlay, where a missing one is
/// made in the container's own layer) must already have: dockling does not
/// write into a directory it may then refuse.
pub fn check_mount_points(rootfs: &Path) -> Result<(), Error> {
    let root = Root::open(rootfs).map_err(Error::io("open", rootfs))?;
    let missing: Vec<&str> = MOUNT_POINTS
        .iter()
        .copied()
        .filter(|p| root.open_at(p, libc::O_PATH | libc::O_DIRECTORY).is_err())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::Rootfs {
        path: rootfs.to_path_buf(),
        problem: msg!(
            m::ROOTFS_NO_DIRECTORY,
            dirs = missing
                .iter()
                .map(|d| format!("/{d}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        hint: msg!(
            m::ROOTFS_NO_DIRECTORY_HINT,
            dirs = missing
                .iter()
                .map(|d| rootfs.join(d).display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        ),
    })
}

/// Check that `path` can serve as a root filesystem, before anything is
/// created, and return it absolute with symlinks resolved.
pub fn validate(path: &Path, need_shell: bool, fetch_hint: &str) -> Result<PathBuf, Error> {
    let fail = |problem: &str, hint: &str| Error::Rootfs {
        path: path.to_path_buf(),
        problem: problem.to_string(),
        hint: hint.to_string(),
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(fail(&msg!(m::ROOTFS_DOES_NOT_EXIST), fetch_hint));
        }
        Err(e) => return Err(fail(&e.to_string(), &msg!(m::ROOTFS_CHECK_PERMISSIONS))),
    };
    if !meta.is_dir() {
        return Err(fail(
            &msg!(m::ROOTFS_NOT_A_DIRECTORY),
            &msg!(m::ROOTFS_NOT_A_DIRECTORY_HINT),
        ));
    }
    // symlink_metadata: /bin/sh is often an absolute symlink (to
    // /bin/busybox) that only resolves correctly inside the rootfs.
    if need_shell && std::fs::symlink_metadata(path.join("bin/sh")).is_err() {
        return Err(fail(&msg!(m::ROOTFS_NO_SH), &msg!(m::ROOTFS_NO_SH_HINT)));
    }
    std::fs::canonicalize(path).map_err(Error::io("resolve", path))
}

/// Change this process's root directory to `rootfs`.
pub fn chroot(rootfs: &Path) -> nix::Result<()> {
    nix::unistd::chroot(rootfs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_inside_the_root_whatever_the_symlinks_say() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        let outside = t.path().join("outside");
        std::fs::create_dir_all(root.join("real")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink("/real", root.join("abs")).unwrap();
        std::os::unix::fs::symlink("../../outside", root.join("up")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("host")).unwrap();
        let r = Root::open(&root).unwrap();
        let name = |fd: OwnedFd| std::fs::read_link(fd_path(&fd)).unwrap();
        // An absolute symlink is absolute in the root.
        assert_eq!(
            name(r.open_at("/abs", libc::O_PATH).unwrap()),
            root.join("real")
        );
        // ".." stops at the root: ../../outside is /outside inside it.
        let made = r.make("/up/x", Make::Dir).unwrap();
        assert_eq!(name(made), root.join("outside/x"));
        assert!(root.join("outside/x").is_dir());
        assert!(!outside.join("x").exists());
        // A link to the host's path means that path inside the root: it is
        // made there, never outside.
        let inside = root.join(outside.strip_prefix("/").unwrap());
        r.make("/host/file", Make::File).unwrap();
        assert!(inside.join("file").is_file());
        assert!(!outside.join("file").exists());
        // A dangling link as the last part: its target is made, in the root.
        std::os::unix::fs::symlink("/elsewhere/proc", root.join("proc")).unwrap();
        let made = r.make("/proc", Make::Dir).unwrap();
        assert_eq!(name(made), root.join("elsewhere/proc"));
        std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
        assert!(r.make("/loop", Make::Dir).is_err());
        assert!(
            r.make("/real", Make::File)
                .unwrap_err()
                .to_string()
                .contains("is a directory")
        );
    }

    #[test]
    fn a_rootfs_without_mount_points_is_refused_and_left_alone() {
        let t = tempfile::tempdir().unwrap();
        let err = check_mount_points(t.path()).unwrap_err().to_string();
        assert!(err.contains("has no directory /proc, /sys, /dev"), "{err}");
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 0);
        for d in MOUNT_POINTS {
            std::fs::create_dir(t.path().join(d)).unwrap();
        }
        check_mount_points(t.path()).unwrap();
    }
}
