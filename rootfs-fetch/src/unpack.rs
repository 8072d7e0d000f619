//! Safe unpacking of a tar archive into one directory.
//!
//! A root filesystem arrives as a tar archive (Alpine's minirootfs now, image
//! layers in lesson 6). A hostile or broken archive can try to write outside
//! the directory it is unpacked into: an entry named `../../etc/passwd`, an
//! absolute path, or a symlink `x -> /` followed by an entry `x/etc/passwd`
//! that would be written *through* the link. So we never hand a path to the
//! kernel in one piece. Every entry is applied by hand, one path component at
//! a time, relative to an open directory file descriptor, with `O_NOFOLLOW`:
//! a component that is a symlink is refused, not followed. This is the same
//! idea as openat2(2)'s `RESOLVE_BENEATH`, done with calls every kernel has.
//!
//! Image layers add whiteouts (OCI image spec, "layer filesystem
//! changeset"): an entry `.wh.NAME` says NAME of a lower layer is deleted,
//! `.wh..wh..opq` in a directory says the directory hides everything below
//! it. [`Whiteouts`] chooses what they become: overlayfs's own markers (a
//! 0/0 character device, the `trusted.overlay.opaque` xattr) when a layer
//! is kept as its own directory, or real deletions when layers are applied
//! one on top of the other into one tree. Extended attributes from PAX
//! records (`SCHILY.xattr.*`: `security.capability`, `user.*`) are kept;
//! `trusted.*` ones are not, since they steer overlayfs.
//!
//! Man pages: openat(2), mkdirat(2), symlinkat(2), linkat(2), mknodat(2),
//! fchownat(2), utimensat(2), fsetxattr(2), tar(5).

use std::ffi::{CString, OsStr};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// Why an entry could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("{}", crate::msg!(crate::messages::UNPACK_DESTINATION, path = .path.display()))]
    Destination {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}", crate::messages::UNPACK_READ)]
    Read(#[source] io::Error),
    #[error("{}", crate::msg!(crate::messages::UNPACK_REFUSED, path = format!("{:?}", .path), reason = .reason))]
    Unsafe {
        path: PathBuf,
        reason: crate::say::Msg,
    },
    #[error("{}", crate::msg!(crate::messages::UNPACK_WRITE, path = format!("{:?}", .path)))]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// What one unpack did, for the caller to report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct UnpackReport {
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub hardlinks: u64,
    pub bytes: u64,
    /// Whiteouts and opaque markers applied.
    pub whiteouts: u64,
    /// Entries deliberately not created (device nodes when not allowed).
    pub skipped: Vec<PathBuf>,
}

/// What `.wh.` entries of an image layer become.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Whiteouts {
    /// Ordinary files: the archive is not an image layer.
    #[default]
    Keep,
    /// overlayfs markers, for a layer kept in a directory of its own.
    Overlay,
    /// Deletions, for layers applied one after another into one tree.
    Apply,
}

/// Choices a caller makes about what an archive may create.
#[derive(Debug, Clone)]
pub struct UnpackOptions {
    /// Keep the uid/gid recorded in the archive (needs root).
    pub preserve_owner: bool,
    /// Create character and block devices; otherwise they are skipped.
    pub allow_devices: bool,
    /// Refuse the archive if it holds a FIFO or a device node: for an
    /// archive of files that are read back afterwards (`dockling load`),
    /// where opening a FIFO would wait forever.
    pub refuse_special: bool,
    /// Refuse any single file larger than this.
    pub max_file_size: Option<u64>,
    /// What `.wh.` entries become.
    pub whiteouts: Whiteouts,
}

impl Default for UnpackOptions {
    fn default() -> Self {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        UnpackOptions {
            preserve_owner: root,
            allow_devices: false,
            refuse_special: false,
            max_file_size: None,
            whiteouts: Whiteouts::Keep,
        }
    }
}

/// Unpack the tar stream `archive` into the existing directory `dest`.
pub fn unpack<R: Read>(
    archive: R,
    dest: &Path,
    opts: &UnpackOptions,
) -> Result<UnpackReport, UnpackError> {
    let root = open_dir(None, dest).map_err(|source| UnpackError::Destination {
        path: dest.to_path_buf(),
        source,
    })?;
    let mut report = UnpackReport::default();
    // Directory modes and times are applied last: a read-only directory
    // created early would stop later entries from being written into it.
    let mut dir_meta: Vec<(Vec<CString>, u32, Owner, i64)> = Vec::new();
    // What this archive made, so that an opaque marker (Apply) removes only
    // what lower layers left.
    let mut made: std::collections::HashSet<Vec<CString>> = Default::default();
    // The directory of the previous entry, still open: a tar lists a
    // directory's files one after another, so most entries reuse it
    // instead of walking from the root again. Forgotten whenever an entry
    // could have replaced a directory on that path.
    let mut last: Option<(Vec<CString>, OwnedFd)> = None;
    let mut ar = tar::Archive::new(archive);
    for entry in ar.entries().map_err(UnpackError::Read)? {
        let mut entry = entry.map_err(UnpackError::Read)?;
        let raw_path = entry.path().map_err(UnpackError::Read)?.into_owned();
        let parts = safe_components(&raw_path)?;
        let Some((name, parents)) = parts.split_last() else {
            continue; // "./" itself: the destination already exists
        };
        if opts.whiteouts != Whiteouts::Keep
            && let Some(hidden) = name.as_bytes().strip_prefix(b".wh.")
        {
            last = None;
            let parent = walk(&root, parents, true, &raw_path)?;
            whiteout(&parent, parents, hidden, opts.whiteouts, &made, &raw_path)?;
            report.whiteouts += 1;
            continue;
        }
        made.insert(parts.clone());
        let xattrs = pax_xattrs(&mut entry)?;
        let header = entry.header();
        let mode = header.mode().map_err(UnpackError::Read)? & 0o7777;
        let owner = Owner {
            // An empty numeric field (some writers leave it blank) means 0.
            uid: header.uid().unwrap_or(0) as u32,
            gid: header.gid().unwrap_or(0) as u32,
        };
        let mtime = header.mtime().unwrap_or(0) as i64;
        let kind = header.entry_type();
        let werr = |source| UnpackError::Write {
            path: raw_path.clone(),
            source,
        };
        if !matches!(
            kind,
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::Directory
        ) {
            last = None;
        }
        if last.as_ref().is_none_or(|(p, _)| p.as_slice() != parents) {
            last = Some((parents.to_vec(), walk(&root, parents, true, &raw_path)?));
        }
        let parent = &last.as_ref().expect("set just above").1;
        match kind {
            tar::EntryType::Directory => {
                make_dir(parent, name).map_err(werr)?;
                if !xattrs.is_empty() {
                    let dir = open_dir_at(parent.as_raw_fd(), name).map_err(werr)?;
                    set_xattrs(dir.as_raw_fd(), &xattrs).map_err(werr)?;
                }
                dir_meta.push((parts.clone(), mode, owner, mtime));
                report.dirs += 1;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let size = entry.size();
                if opts.max_file_size.is_some_and(|max| size > max) {
                    return Err(UnpackError::Unsafe {
                        path: raw_path,
                        reason: crate::messages::WHY_TOO_LARGE,
                    });
                }
                let create = || {
                    openat(
                        parent.as_raw_fd(),
                        name,
                        libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_NOFOLLOW,
                        0o600,
                    )
                };
                // Usually the name is new; only when it exists is the old
                // entry (of any type, never followed) removed first.
                let fd = match create() {
                    Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
                        remove_existing(parent, name).map_err(werr)?;
                        create()
                    }
                    other => other,
                }
                .map_err(werr)?;
                let mut file = File::from(fd);
                report.bytes += io::copy(&mut entry, &mut file).map_err(werr)?;
                if opts.preserve_owner {
                    fchown(file.as_raw_fd(), owner).map_err(werr)?;
                }
                // chmod after chown: chown clears the setuid and setgid bits
                // (and security.capability, so the xattrs come last).
                fchmod(file.as_raw_fd(), mode).map_err(werr)?;
                set_xattrs(file.as_raw_fd(), &xattrs).map_err(werr)?;
                set_times(parent.as_raw_fd(), name, mtime).map_err(werr)?;
                report.files += 1;
            }
            tar::EntryType::Symlink => {
                let target =
                    entry
                        .link_name()
                        .map_err(UnpackError::Read)?
                        .ok_or(UnpackError::Unsafe {
                            path: raw_path.clone(),
                            reason: crate::messages::WHY_SYMLINK_NO_TARGET,
                        })?;
                remove_existing(parent, name).map_err(werr)?;
                let target = cstring(target.as_os_str())?;
                // SAFETY: both strings are valid NUL-terminated C strings and
                // parent is an open directory descriptor.
                check(unsafe {
                    libc::symlinkat(target.as_ptr(), parent.as_raw_fd(), name.as_ptr())
                })
                .map_err(werr)?;
                if opts.preserve_owner {
                    lchown_at(parent.as_raw_fd(), name, owner).map_err(werr)?;
                }
                set_times(parent.as_raw_fd(), name, mtime).map_err(werr)?;
                report.symlinks += 1;
            }
            tar::EntryType::Link => {
                let target = entry
                    .link_name()
                    .map_err(UnpackError::Read)?
                    .ok_or(UnpackError::Unsafe {
                        path: raw_path.clone(),
                        reason: crate::messages::WHY_HARDLINK_NO_TARGET,
                    })?
                    .into_owned();
                let target_parts = safe_components(&target)?;
                let Some((tname, tparents)) = target_parts.split_last() else {
                    return Err(UnpackError::Unsafe {
                        path: raw_path,
                        reason: crate::messages::WHY_HARDLINK_ROOT,
                    });
                };
                // The link target is resolved the same careful way, so a
                // hardlink can only ever point at a file inside `dest`.
                let tparent = walk(&root, tparents, false, &raw_path)?;
                remove_existing(parent, name).map_err(werr)?;
                // SAFETY: valid descriptors and C strings; flags 0 means a
                // symlink target is linked itself, never followed.
                check(unsafe {
                    libc::linkat(
                        tparent.as_raw_fd(),
                        tname.as_ptr(),
                        parent.as_raw_fd(),
                        name.as_ptr(),
                        0,
                    )
                })
                .map_err(werr)?;
                report.hardlinks += 1;
            }
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                if opts.refuse_special {
                    return Err(UnpackError::Unsafe {
                        path: raw_path,
                        reason: crate::messages::WHY_SPECIAL_FILE,
                    });
                }
                if kind != tar::EntryType::Fifo && !opts.allow_devices {
                    report.skipped.push(raw_path);
                    continue;
                }
                let fmt = match kind {
                    tar::EntryType::Char => libc::S_IFCHR,
                    tar::EntryType::Block => libc::S_IFBLK,
                    _ => libc::S_IFIFO,
                };
                let major = header.device_major().ok().flatten().unwrap_or(0);
                let minor = header.device_minor().ok().flatten().unwrap_or(0);
                remove_existing(parent, name).map_err(werr)?;
                // SAFETY: valid descriptor and C string.
                check(unsafe {
                    libc::mknodat(
                        parent.as_raw_fd(),
                        name.as_ptr(),
                        fmt | mode,
                        libc::makedev(major, minor),
                    )
                })
                .map_err(werr)?;
                if opts.preserve_owner {
                    lchown_at(parent.as_raw_fd(), name, owner).map_err(werr)?;
                }
                report.files += 1;
            }
            // PAX and GNU headers that the tar crate has already folded into
            // the next entry, and types a root filesystem has no use for.
            _ => report.skipped.push(raw_path),
        }
    }
    for (parts, mode, owner, mtime) in dir_meta.into_iter().rev() {
        let dir = walk(&root, &parts, false, Path::new(""))?;
        let werr = |source| UnpackError::Write {
            path: join(&parts),
            source,
        };
        if opts.preserve_owner {
            fchown(dir.as_raw_fd(), owner).map_err(werr)?;
        }
        fchmod(dir.as_raw_fd(), mode).map_err(werr)?;
        let (name, parents) = parts.split_last().expect("directory entries have a name");
        let parent = walk(&root, parents, false, Path::new(""))?;
        set_times(parent.as_raw_fd(), name, mtime).map_err(werr)?;
    }
    Ok(report)
}

#[derive(Debug, Clone, Copy)]
struct Owner {
    uid: u32,
    gid: u32,
}

/// Split an archive path into plain components. Leading `/` and `.` are
/// dropped (an absolute path lands inside the destination, as GNU tar does);
/// a `..` anywhere is refused.
fn safe_components(path: &Path) -> Result<Vec<CString>, UnpackError> {
    let mut out = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(part) => out.push(cstring(part)?),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                return Err(UnpackError::Unsafe {
                    path: path.to_path_buf(),
                    reason: crate::messages::WHY_DOTDOT,
                });
            }
        }
    }
    Ok(out)
}

fn cstring(s: &OsStr) -> Result<CString, UnpackError> {
    CString::new(s.as_bytes()).map_err(|_| UnpackError::Unsafe {
        path: PathBuf::from(s),
        reason: crate::messages::WHY_NUL,
    })
}

fn join(parts: &[CString]) -> PathBuf {
    parts
        .iter()
        .map(|p| OsStr::from_bytes(p.as_bytes()))
        .collect()
}

/// Open the directory at `parts` below `root`, one component at a time,
/// never following a symlink. With `create`, missing directories are made.
fn walk(
    root: &OwnedFd,
    parts: &[CString],
    create: bool,
    entry: &Path,
) -> Result<OwnedFd, UnpackError> {
    let mut cur = root.try_clone().map_err(|source| UnpackError::Write {
        path: entry.into(),
        source,
    })?;
    for part in parts {
        let next = match open_dir_at(cur.as_raw_fd(), part) {
            Err(e) if create && e.raw_os_error() == Some(libc::ENOENT) => {
                // SAFETY: valid descriptor and C string.
                check(unsafe { libc::mkdirat(cur.as_raw_fd(), part.as_ptr(), 0o755) }).map_err(
                    |source| UnpackError::Write {
                        path: entry.into(),
                        source,
                    },
                )?;
                open_dir_at(cur.as_raw_fd(), part)
            }
            other => other,
        };
        cur = next.map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) | Some(libc::ENOTDIR) => UnpackError::Unsafe {
                path: entry.to_path_buf(),
                reason: crate::messages::WHY_PARENT_NOT_DIR,
            },
            _ => UnpackError::Write {
                path: entry.to_path_buf(),
                source: e,
            },
        })?;
    }
    Ok(cur)
}

fn open_dir(at: Option<RawFd>, path: &Path) -> io::Result<OwnedFd> {
    let c = CString::new(path.as_os_str().as_bytes()).map_err(io::Error::other)?;
    openat(
        at.unwrap_or(libc::AT_FDCWD),
        &c,
        libc::O_DIRECTORY | libc::O_RDONLY,
        0,
    )
}

fn open_dir_at(at: RawFd, name: &CString) -> io::Result<OwnedFd> {
    openat(
        at,
        name,
        libc::O_DIRECTORY | libc::O_RDONLY | libc::O_NOFOLLOW,
        0,
    )
}

fn openat(at: RawFd, name: &CString, flags: i32, mode: u32) -> io::Result<OwnedFd> {
    // SAFETY: `name` is a valid C string; the returned descriptor is owned
    // by the OwnedFd below and closed exactly once.
    let fd = unsafe { libc::openat(at, name.as_ptr(), flags | libc::O_CLOEXEC, mode) };
    check(fd)?;
    // SAFETY: fd is a freshly opened, valid descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Make a directory, accepting one that is already there (and is a real
/// directory, not a symlink to one).
fn make_dir(parent: &OwnedFd, name: &CString) -> io::Result<()> {
    // SAFETY: valid descriptor and C string.
    match check(unsafe { libc::mkdirat(parent.as_raw_fd(), name.as_ptr(), 0o755) }) {
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
            if is_dir(parent.as_raw_fd(), name)? {
                Ok(())
            } else {
                remove_existing(parent, name)?;
                // SAFETY: as above.
                check(unsafe { libc::mkdirat(parent.as_raw_fd(), name.as_ptr(), 0o755) })
            }
        }
        other => other,
    }
}

fn is_dir(parent: RawFd, name: &CString) -> io::Result<bool> {
    // SAFETY: an all-zero stat is a valid value to be overwritten.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid descriptor, C string and stat buffer.
    check(unsafe { libc::fstatat(parent, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) })?;
    Ok(st.st_mode & libc::S_IFMT == libc::S_IFDIR)
}

/// A later entry replaces an earlier one of the same name, as with tar(1).
fn remove_existing(parent: &OwnedFd, name: &CString) -> io::Result<()> {
    // SAFETY: valid descriptor and C string.
    match check(unsafe { libc::unlinkat(parent.as_raw_fd(), name.as_ptr(), 0) }) {
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EISDIR) => {
            // SAFETY: valid descriptor and C string.
            check(unsafe { libc::unlinkat(parent.as_raw_fd(), name.as_ptr(), libc::AT_REMOVEDIR) })
        }
        other => other,
    }
}

fn fchown(fd: RawFd, o: Owner) -> io::Result<()> {
    // SAFETY: fd is an open descriptor.
    check(unsafe { libc::fchown(fd, o.uid, o.gid) })
}

fn lchown_at(parent: RawFd, name: &CString, o: Owner) -> io::Result<()> {
    // SAFETY: valid descriptor and C string.
    check(unsafe {
        libc::fchownat(
            parent,
            name.as_ptr(),
            o.uid,
            o.gid,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })
}

fn fchmod(fd: RawFd, mode: u32) -> io::Result<()> {
    // SAFETY: fd is an open descriptor.
    check(unsafe { libc::fchmod(fd, mode) })
}

fn set_times(parent: RawFd, name: &CString, mtime: i64) -> io::Result<()> {
    let t = libc::timespec {
        tv_sec: mtime,
        tv_nsec: 0,
    };
    let times = [t, t];
    // SAFETY: valid descriptor, C string and a two-element timespec array.
    check(unsafe {
        libc::utimensat(
            parent,
            name.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })
}

/// Apply one whiteout entry `.wh.HIDDEN` found in the directory `parent`.
fn whiteout(
    parent: &OwnedFd,
    parents: &[CString],
    hidden: &[u8],
    mode: Whiteouts,
    made: &std::collections::HashSet<Vec<CString>>,
    raw_path: &Path,
) -> Result<(), UnpackError> {
    let werr = |source| UnpackError::Write {
        path: raw_path.to_path_buf(),
        source,
    };
    if hidden == b".wh..opq" {
        match mode {
            Whiteouts::Overlay => set_xattrs(
                parent.as_raw_fd(),
                &[("trusted.overlay.opaque".into(), b"y".to_vec())],
            )
            .map_err(werr)?,
            _ => {
                // Everything a lower layer put here goes; this layer's stays.
                for child in list_dir(parent).map_err(werr)? {
                    let mut path = parents.to_vec();
                    path.push(child.clone());
                    if !made.contains(&path) {
                        remove_tree(parent, &child).map_err(werr)?;
                    }
                }
            }
        }
        return Ok(());
    }
    if hidden.is_empty() || hidden == b"." || hidden == b".." || hidden.starts_with(b".wh.") {
        return Err(UnpackError::Unsafe {
            path: raw_path.to_path_buf(),
            reason: crate::messages::WHY_BAD_WHITEOUT,
        });
    }
    let name = CString::new(hidden).map_err(|_| UnpackError::Unsafe {
        path: raw_path.to_path_buf(),
        reason: crate::messages::WHY_NUL,
    })?;
    remove_tree(parent, &name).map_err(werr)?;
    if mode == Whiteouts::Overlay {
        // SAFETY: valid descriptor and C string; a 0/0 character device is
        // overlayfs's whiteout.
        check(unsafe {
            libc::mknodat(
                parent.as_raw_fd(),
                name.as_ptr(),
                libc::S_IFCHR,
                libc::makedev(0, 0),
            )
        })
        .map_err(werr)?;
    }
    Ok(())
}

/// The names in an open directory, without `.` and `..`.
fn list_dir(dir: &OwnedFd) -> io::Result<Vec<CString>> {
    let path = format!("/proc/self/fd/{}", dir.as_raw_fd());
    let mut out = Vec::new();
    for e in std::fs::read_dir(path)? {
        out.push(CString::new(e?.file_name().as_bytes()).map_err(io::Error::other)?);
    }
    Ok(out)
}

/// Remove `name` in `parent` and, if it is a directory, everything in it,
/// never following a symlink.
fn remove_tree(parent: &OwnedFd, name: &CString) -> io::Result<()> {
    match remove_existing(parent, name) {
        Err(e) if e.raw_os_error() == Some(libc::ENOTEMPTY) => {
            let dir = open_dir_at(parent.as_raw_fd(), name)?;
            for child in list_dir(&dir)? {
                remove_tree(&dir, &child)?;
            }
            remove_existing(parent, name)
        }
        other => other,
    }
}

/// The extended attributes an entry carries in PAX records. Only
/// `security.capability` and `user.*` are kept: `trusted.*` ones steer
/// overlayfs (a layer could mark itself opaque or redirect lookups), and
/// other namespaces belong to the host.
fn pax_xattrs<R: Read>(entry: &mut tar::Entry<R>) -> Result<Vec<(String, Vec<u8>)>, UnpackError> {
    let mut out = Vec::new();
    if let Some(exts) = entry.pax_extensions().map_err(UnpackError::Read)? {
        for ext in exts {
            let ext = ext.map_err(UnpackError::Read)?;
            let Ok(key) = ext.key() else { continue };
            if let Some(name) = key.strip_prefix("SCHILY.xattr.")
                && (name == "security.capability" || name.starts_with("user."))
            {
                out.push((name.to_string(), ext.value_bytes().to_vec()));
            }
        }
    }
    Ok(out)
}

fn set_xattrs(fd: RawFd, xattrs: &[(String, Vec<u8>)]) -> io::Result<()> {
    for (name, value) in xattrs {
        let cname = CString::new(name.as_str()).map_err(io::Error::other)?;
        // SAFETY: valid descriptor, C string and buffer of the given length.
        check(unsafe {
            libc::fsetxattr(fd, cname.as_ptr(), value.as_ptr().cast(), value.len(), 0)
        })?;
    }
    Ok(())
}

fn check(ret: i32) -> io::Result<()> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn archive(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        build(&mut b);
        b.into_inner().unwrap()
    }

    fn header(kind: tar::EntryType, size: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h
    }

    /// Raw name bytes: the tar crate's own setters refuse `..`, which is
    /// exactly what a hostile archive would not do.
    fn raw_name(h: &mut tar::Header, name: &str) {
        let gnu = h.as_gnu_mut().unwrap();
        gnu.name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
    }

    fn file(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
        let mut h = header(tar::EntryType::Regular, data.len() as u64);
        raw_name(&mut h, name);
        b.append(&h, data).unwrap();
    }

    fn link(b: &mut tar::Builder<Vec<u8>>, kind: tar::EntryType, name: &str, target: &str) {
        let mut h = header(kind, 0);
        raw_name(&mut h, name);
        h.set_link_name(target).unwrap();
        h.set_cksum();
        b.append(&h, &[][..]).unwrap();
    }

    /// Everything below `dir`, relative, sorted.
    fn tree(dir: &Path) -> Vec<String> {
        fn go(base: &Path, dir: &Path, out: &mut Vec<String>) {
            for e in fs::read_dir(dir).unwrap() {
                let e = e.unwrap();
                out.push(e.path().strip_prefix(base).unwrap().display().to_string());
                if e.file_type().unwrap().is_dir() {
                    go(base, &e.path(), out);
                }
            }
        }
        let mut out = Vec::new();
        go(dir, dir, &mut out);
        out.sort();
        out
    }

    /// A sandbox: `outside` holds a canary, `dest` is where we unpack.
    fn sandbox() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let outside = t.path().join("outside");
        let dest = t.path().join("dest");
        fs::create_dir(&outside).unwrap();
        fs::create_dir(&dest).unwrap();
        fs::write(outside.join("canary"), "original").unwrap();
        (t, outside, dest)
    }

    #[test]
    fn plain_files_dirs_and_links_are_created() {
        let (_t, _outside, dest) = sandbox();
        let data = archive(|b| {
            let mut d = header(tar::EntryType::Directory, 0);
            raw_name(&mut d, "etc/");
            d.set_mode(0o755);
            d.set_cksum();
            b.append(&d, &[][..]).unwrap();
            file(b, "etc/hostname", b"box\n");
            link(b, tar::EntryType::Symlink, "etc/name", "hostname");
            link(b, tar::EntryType::Link, "etc/again", "etc/hostname");
        });
        let r = unpack(&data[..], &dest, &UnpackOptions::default()).unwrap();
        assert_eq!((r.files, r.dirs, r.symlinks, r.hardlinks), (1, 1, 1, 1));
        assert_eq!(fs::read_to_string(dest.join("etc/name")).unwrap(), "box\n");
        assert_eq!(fs::read_to_string(dest.join("etc/again")).unwrap(), "box\n");
    }

    #[test]
    fn dotdot_is_refused_and_writes_nothing_outside() {
        let (t, outside, dest) = sandbox();
        let data = archive(|b| file(b, "../outside/canary", b"pwned"));
        let err = unpack(&data[..], &dest, &UnpackOptions::default()).unwrap_err();
        assert!(matches!(err, UnpackError::Unsafe { .. }), "{err}");
        assert_eq!(
            fs::read_to_string(outside.join("canary")).unwrap(),
            "original"
        );
        assert_eq!(tree(t.path()), ["dest", "outside", "outside/canary"]);
    }

    #[test]
    fn absolute_paths_land_inside_dest() {
        let (_t, outside, dest) = sandbox();
        let abs = outside.join("canary");
        let data = archive(|b| file(b, abs.to_str().unwrap(), b"pwned"));
        unpack(&data[..], &dest, &UnpackOptions::default()).unwrap();
        assert_eq!(fs::read_to_string(&abs).unwrap(), "original");
        let inside = dest.join(abs.strip_prefix("/").unwrap());
        assert_eq!(fs::read_to_string(inside).unwrap(), "pwned");
    }

    #[test]
    fn a_planted_symlink_is_never_written_through() {
        let (t, outside, dest) = sandbox();
        let data = archive(|b| {
            link(
                b,
                tar::EntryType::Symlink,
                "escape",
                outside.to_str().unwrap(),
            );
            file(b, "escape/canary", b"pwned");
        });
        let err = unpack(&data[..], &dest, &UnpackOptions::default()).unwrap_err();
        assert!(matches!(err, UnpackError::Unsafe { .. }), "{err}");
        assert_eq!(
            fs::read_to_string(outside.join("canary")).unwrap(),
            "original"
        );
        assert_eq!(tree(&t.path().join("outside")), ["canary"]);
    }

    #[test]
    fn a_symlink_replaced_by_a_file_does_not_write_the_link_target() {
        let (_t, outside, dest) = sandbox();
        let canary = outside.join("canary");
        let data = archive(|b| {
            link(b, tar::EntryType::Symlink, "name", canary.to_str().unwrap());
            file(b, "name", b"pwned");
        });
        unpack(&data[..], &dest, &UnpackOptions::default()).unwrap();
        assert_eq!(fs::read_to_string(&canary).unwrap(), "original");
        assert_eq!(fs::read_to_string(dest.join("name")).unwrap(), "pwned");
    }

    #[test]
    fn hardlinks_cannot_reach_outside() {
        let (_t, outside, dest) = sandbox();
        let data = archive(|b| link(b, tar::EntryType::Link, "x", "../outside/canary"));
        assert!(unpack(&data[..], &dest, &UnpackOptions::default()).is_err());
        let abs = outside.join("canary");
        let data = archive(|b| link(b, tar::EntryType::Link, "y", abs.to_str().unwrap()));
        // An absolute target is looked up inside dest, where it does not exist.
        assert!(unpack(&data[..], &dest, &UnpackOptions::default()).is_err());
        assert!(!dest.join("y").exists());
    }

    #[test]
    fn devices_are_skipped_unless_allowed() {
        let (_t, _outside, dest) = sandbox();
        let data = archive(|b| {
            let mut h = header(tar::EntryType::Char, 0);
            raw_name(&mut h, "dev/mem");
            h.set_device_major(1).unwrap();
            h.set_device_minor(1).unwrap();
            h.set_cksum();
            b.append(&h, &[][..]).unwrap();
        });
        let r = unpack(&data[..], &dest, &UnpackOptions::default()).unwrap();
        assert_eq!(r.skipped, [PathBuf::from("dev/mem")]);
        assert!(!dest.join("dev/mem").exists());
    }

    #[test]
    fn size_limit_is_enforced() {
        let (_t, _outside, dest) = sandbox();
        let data = archive(|b| file(b, "big", &[0u8; 4096]));
        let opts = UnpackOptions {
            max_file_size: Some(1024),
            ..UnpackOptions::default()
        };
        assert!(matches!(
            unpack(&data[..], &dest, &opts),
            Err(UnpackError::Unsafe { .. })
        ));
    }

    #[test]
    fn special_files_are_refused_when_asked() {
        let (_t, _outside, dest) = sandbox();
        let data = archive(|b| {
            file(b, "ok", b"fine");
            let mut h = header(tar::EntryType::Fifo, 0);
            raw_name(&mut h, "blobs/sha256/fifo");
            b.append(&h, &[][..]).unwrap();
        });
        let opts = UnpackOptions {
            refuse_special: true,
            ..UnpackOptions::default()
        };
        let e = unpack(&data[..], &dest, &opts).unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
        assert!(!dest.join("blobs/sha256/fifo").exists());
    }

    fn whiteout_layer() -> Vec<u8> {
        archive(|b| {
            file(b, "etc/.wh.gone", b"");
            file(b, "opt/keep-new", b"new");
            file(b, "opt/.wh..wh..opq", b"");
            file(b, "etc/added", b"a");
        })
    }

    fn lower(dest: &Path) {
        fs::create_dir_all(dest.join("etc")).unwrap();
        fs::create_dir_all(dest.join("opt/sub")).unwrap();
        fs::write(dest.join("etc/gone"), "x").unwrap();
        fs::write(dest.join("opt/old"), "x").unwrap();
        fs::write(dest.join("opt/sub/deep"), "x").unwrap();
    }

    #[test]
    fn whiteouts_applied_delete_lower_files_and_keep_this_layers() {
        let (_t, _outside, dest) = sandbox();
        lower(&dest);
        let opts = UnpackOptions {
            whiteouts: Whiteouts::Apply,
            ..Default::default()
        };
        let r = unpack(&whiteout_layer()[..], &dest, &opts).unwrap();
        assert_eq!(r.whiteouts, 2);
        assert_eq!(tree(&dest), ["etc", "etc/added", "opt", "opt/keep-new"]);
    }

    #[test]
    fn whiteouts_for_overlay_become_devices_and_opaque_xattrs() {
        let (_t, _outside, dest) = sandbox();
        let opts = UnpackOptions {
            whiteouts: Whiteouts::Overlay,
            ..Default::default()
        };
        unpack(&whiteout_layer()[..], &dest, &opts).unwrap();
        let meta = fs::symlink_metadata(dest.join("etc/gone")).unwrap();
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        assert!(meta.file_type().is_char_device());
        assert_eq!(meta.rdev(), 0);
        assert!(!dest.join("etc/.wh.gone").exists());
        let mut buf = [0u8; 4];
        let path = CString::new(dest.join("opt").as_os_str().as_bytes()).unwrap();
        let name = CString::new("trusted.overlay.opaque").unwrap();
        // SAFETY: valid C strings and buffer.
        let n = unsafe { libc::getxattr(path.as_ptr(), name.as_ptr(), buf.as_mut_ptr().cast(), 4) };
        assert_eq!(n, 1, "opaque xattr set (needs root for trusted.*)");
        assert_eq!(buf[0], b'y');
    }

    #[test]
    fn a_whiteout_cannot_name_its_parent() {
        let (_t, outside, dest) = sandbox();
        let sub = dest.join("d");
        fs::create_dir(&sub).unwrap();
        for name in ["d/.wh..", "d/.wh.", "d/.wh..wh.x"] {
            let a = archive(|b| file(b, name, b""));
            let opts = UnpackOptions {
                whiteouts: Whiteouts::Apply,
                ..Default::default()
            };
            let e = unpack(&a[..], &dest, &opts).unwrap_err();
            assert!(e.to_string().contains("whiteout"), "{name}: {e}");
        }
        assert!(sub.exists());
        assert_eq!(
            fs::read_to_string(outside.join("canary")).unwrap(),
            "original"
        );
    }
}
