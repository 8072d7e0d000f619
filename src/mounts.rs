//! Mounts: the container's own mount tree, built inside its mount namespace.
//!
//! In a fresh mount namespace the child first makes every mount private,
//! so nothing it mounts propagates to the host (and nothing the host mounts
//! later appears inside). Then it prepares the rootfs: bind-mounts it onto
//! itself (pivot_root needs a mount point), mounts a fresh /proc (showing
//! only its own PID namespace), a read-only /sys, and a small tmpfs /dev
//! with just the devices a program expects. Parts of /proc that reveal or
//! control the host are masked or made read-only, as runc does. Finally it
//! pivot_roots into the rootfs and detaches the old root, so no path leads
//! back to the host's files. All of it vanishes with the namespace.
//!
//! Lesson 2. Man pages: mount(2), mount_namespaces(7), pivot_root(2),
//! umount2(2), proc(5), pts(4).

use std::path::Path;

use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sys::stat::{Mode, SFlag, makedev, mknod};

/// Device nodes every container gets: (name, major, minor).
pub const DEVICES: &[(&str, u64, u64)] = &[
    ("null", 1, 3),
    ("zero", 1, 5),
    ("full", 1, 7),
    ("random", 1, 8),
    ("urandom", 1, 9),
    ("tty", 5, 0),
];

/// Links in /dev that programs expect.
pub const DEV_LINKS: &[(&str, &str)] = &[
    ("fd", "/proc/self/fd"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"),
    ("ptmx", "pts/ptmx"),
];

/// runc's default masked paths: hidden behind /dev/null (files) or an
/// empty read-only tmpfs (directories).
pub const MASKED: &[&str] = &[
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
];

/// runc's default read-only paths.
pub const READ_ONLY: &[&str] = &[
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// A mount step that failed: which, and the errno.
#[derive(Debug)]
pub struct MountError {
    pub what: String,
    pub errno: nix::Error,
}

fn at(what: impl Into<String>) -> impl FnOnce(nix::Error) -> MountError {
    let what = what.into();
    move |errno| MountError { what, errno }
}

/// `mount --make-rprivate /`.
pub fn make_private() -> Result<(), MountError> {
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(at("make / private (mount --make-rprivate /)"))
}

/// `mount --rbind ROOTFS ROOTFS`: the rootfs becomes a mount point.
pub fn bind_self(rootfs: &Path) -> Result<(), MountError> {
    mount(
        Some(rootfs),
        rootfs,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None::<&str>,
    )
    .map_err(at(format!("bind-mount {} onto itself", rootfs.display())))
}

fn ensure_dir(path: &Path) -> Result<(), MountError> {
    std::fs::create_dir_all(path).map_err(|e| MountError {
        what: format!("create {}", path.display()),
        errno: nix::Error::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
    })
}

/// `mount --bind SOURCE ROOTFS/TARGET` for a file (such as the run's
/// /etc/hosts) or a directory (`-v HOST:CONTAINER`), read-only if asked.
/// The target is made if missing; a symlink there (which could point out
/// of the rootfs, and mount(2) follows symlinks) is replaced first, and
/// every parent must be a real directory.
pub fn bind(rootfs: &Path, source: &Path, target: &str, readonly: bool) -> Result<(), MountError> {
    let rel = target.trim_start_matches('/');
    let dest = rootfs.join(rel);
    let io = |what: String| {
        move |e: std::io::Error| MountError {
            what,
            errno: nix::Error::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
        }
    };
    let mut dir = rootfs.to_path_buf();
    for part in Path::new(rel)
        .parent()
        .into_iter()
        .flat_map(|p| p.components())
    {
        dir.push(part);
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(MountError {
                    what: format!("bind {target}: {} is not a directory", dir.display()),
                    errno: nix::Error::ENOTDIR,
                });
            }
            Err(_) => std::fs::create_dir(&dir).map_err(io(format!("create {}", dir.display())))?,
        }
    }
    let want_dir = source.is_dir();
    let make = |dest: &Path| {
        if want_dir {
            std::fs::create_dir(dest)
        } else {
            std::fs::File::create(dest).map(drop)
        }
    };
    match std::fs::symlink_metadata(&dest) {
        Ok(m) if m.is_file() && !want_dir => {}
        Ok(m) if m.is_dir() && want_dir => {}
        Ok(m) if m.is_dir() || m.is_file() => {
            return Err(MountError {
                what: format!(
                    "bind {target}: the container has a {} there, the source is a {}",
                    if m.is_dir() { "directory" } else { "file" },
                    if want_dir { "directory" } else { "file" }
                ),
                errno: nix::Error::EINVAL,
            });
        }
        Ok(_) => {
            std::fs::remove_file(&dest).map_err(io(format!("replace {}", dest.display())))?;
            make(&dest).map_err(io(format!("create {}", dest.display())))?;
        }
        Err(_) => make(&dest).map_err(io(format!("create {}", dest.display())))?,
    }
    mount(
        Some(source),
        &dest,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None::<&str>,
    )
    .map_err(at(format!("bind-mount {} on {target}", source.display())))?;
    if readonly {
        mount(
            None::<&str>,
            &dest,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
            None::<&str>,
        )
        .map_err(at(format!("make {target} read-only")))?;
    }
    Ok(())
}

/// A fresh procfs for the container's PID namespace at ROOTFS/proc.
pub fn mount_proc(rootfs: &Path) -> Result<(), MountError> {
    let target = rootfs.join("proc");
    ensure_dir(&target)?;
    let flags = MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV;
    mount(Some("proc"), &target, Some("proc"), flags, None::<&str>)
        .map_err(at("mount proc on /proc"))
}

/// sysfs, read-only, at ROOTFS/sys.
pub fn mount_sys(rootfs: &Path) -> Result<(), MountError> {
    let target = rootfs.join("sys");
    ensure_dir(&target)?;
    let flags = MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV;
    mount(Some("sysfs"), &target, Some("sysfs"), flags, None::<&str>)
        .map_err(at("mount sysfs read-only on /sys"))
}

/// A tmpfs /dev with [`DEVICES`], a private devpts, /dev/shm and [`DEV_LINKS`].
pub fn mount_dev(rootfs: &Path) -> Result<(), MountError> {
    let dev = rootfs.join("dev");
    ensure_dir(&dev)?;
    mount(
        Some("tmpfs"),
        &dev,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME,
        Some("mode=755,size=65536k"),
    )
    .map_err(at("mount a tmpfs on /dev"))?;
    for (name, major, minor) in DEVICES {
        let path = dev.join(name);
        mknod(
            &path,
            SFlag::S_IFCHR,
            Mode::from_bits_truncate(0o666),
            makedev(*major, *minor),
        )
        .map_err(at(format!("mknod /dev/{name}")))?;
        // mknod's mode is filtered by the umask; set it exactly.
        nix::sys::stat::fchmodat(
            nix::fcntl::AT_FDCWD,
            &path,
            Mode::from_bits_truncate(0o666),
            nix::sys::stat::FchmodatFlags::FollowSymlink,
        )
        .map_err(at(format!("chmod /dev/{name}")))?;
    }
    for dir in ["pts", "shm"] {
        ensure_dir(&dev.join(dir))?;
    }
    mount(
        Some("devpts"),
        &dev.join("pts"),
        Some("devpts"),
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        Some("newinstance,ptmxmode=0666,mode=0620"),
    )
    .map_err(at("mount a new devpts instance on /dev/pts"))?;
    mount(
        Some("shm"),
        &dev.join("shm"),
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        Some("mode=1777,size=65536k"),
    )
    .map_err(at("mount a tmpfs on /dev/shm"))?;
    for (name, target) in DEV_LINKS {
        std::os::unix::fs::symlink(target, dev.join(name)).map_err(|e| MountError {
            what: format!("symlink /dev/{name}"),
            errno: nix::Error::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
        })?;
    }
    Ok(())
}

/// Hide [`MASKED`] and make [`READ_ONLY`] read-only, below ROOTFS.
/// Paths this kernel does not have are skipped.
pub fn protect_proc_and_sys(rootfs: &Path) -> Result<(usize, usize), MountError> {
    let inside = |p: &str| rootfs.join(p.trim_start_matches('/'));
    let null = rootfs.join("dev/null");
    let mut masked = 0;
    for p in MASKED {
        let target = inside(p);
        let Ok(meta) = std::fs::metadata(&target) else {
            continue;
        };
        if meta.is_dir() {
            mount(
                Some("tmpfs"),
                &target,
                Some("tmpfs"),
                MsFlags::MS_RDONLY,
                Some("size=0"),
            )
            .map_err(at(format!("mask {p}")))?;
        } else {
            mount(
                Some(&null),
                &target,
                None::<&str>,
                MsFlags::MS_BIND,
                None::<&str>,
            )
            .map_err(at(format!("mask {p}")))?;
        }
        masked += 1;
    }
    let mut read_only = 0;
    for p in READ_ONLY {
        let target = inside(p);
        if std::fs::symlink_metadata(&target).is_err() {
            continue;
        }
        mount(
            Some(&target),
            &target,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(at(format!("bind {p}")))?;
        let ro = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY;
        mount(None::<&str>, &target, None::<&str>, ro, None::<&str>)
            .map_err(at(format!("make {p} read-only")))?;
        read_only += 1;
    }
    Ok((masked, read_only))
}

/// Make ROOTFS the root of this mount namespace and detach the old root.
/// `pivot_root(".", ".")` stacks the old root on top of the new one at the
/// same place, so it can be unmounted without a directory to put it in.
pub fn pivot_root(rootfs: &Path) -> Result<(), MountError> {
    nix::unistd::chdir(rootfs).map_err(at(format!("chdir {}", rootfs.display())))?;
    nix::unistd::pivot_root(".", ".").map_err(at("pivot_root(\".\", \".\")"))?;
    umount2(".", MntFlags::MNT_DETACH).map_err(at("unmount the old root"))?;
    nix::unistd::chdir("/").map_err(at("chdir /"))
}
