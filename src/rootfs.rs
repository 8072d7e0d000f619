//! The root filesystem: making a directory the container's `/`.
//!
//! Lesson 1 uses chroot(2): it changes where "/" resolves for one process
//! and its children. It is not a security boundary: a root process can walk
//! out (see `chroot-escape`). Lesson 2 replaces it with pivot_root(2) in a
//! private mount namespace.
//!
//! Man pages: chroot(2), chdir(2), path_resolution(7).

use std::path::{Path, PathBuf};

use crate::error::Error;

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
            return Err(fail("does not exist", fetch_hint));
        }
        Err(e) => return Err(fail(&e.to_string(), "check the path and its permissions")),
    };
    if !meta.is_dir() {
        return Err(fail(
            "is not a directory",
            "--rootfs takes a directory holding a root filesystem",
        ));
    }
    // symlink_metadata: /bin/sh is often an absolute symlink (to
    // /bin/busybox) that only resolves correctly inside the rootfs.
    if need_shell && std::fs::symlink_metadata(path.join("bin/sh")).is_err() {
        return Err(fail(
            "has no /bin/sh (the default command)",
            "name a command that the rootfs has after --, or use a complete rootfs",
        ));
    }
    std::fs::canonicalize(path).map_err(Error::io("resolve", path))
}

/// Change this process's root directory to `rootfs`.
pub fn chroot(rootfs: &Path) -> nix::Result<()> {
    nix::unistd::chroot(rootfs)
}
