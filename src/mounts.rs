//! Mounts: the container's own mount tree, built inside its mount namespace.
//!
//! In a fresh mount namespace the child first makes every mount private,
//! so nothing it mounts propagates to the host (and nothing the host mounts
//! later appears inside). Then it prepares the rootfs: bind-mounts it onto
//! itself (pivot_root needs a mount point), mounts a fresh /proc (showing
//! only its own PID namespace), a read-only /sys, and a small tmpfs /dev
//! with just the devices a program expects. Every path below the rootfs
//! is resolved inside it ([`Root`]): an image's symlinks cannot send a
//! mount to the host's directories. Parts of /proc that reveal or
//! control the host are masked or made read-only, as runc does. Finally it
//! pivot_roots into the rootfs and detaches the old root, so no path leads
//! back to the host's files. All of it vanishes with the namespace.
//!
//! Lesson 2. Man pages: mount(2), mount_namespaces(7), pivot_root(2),
//! umount2(2), proc(5), pts(4).

use crate::msg;
use crate::narrate::messages::containers as m;
use std::os::fd::OwnedFd;
use std::path::Path;

use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sys::stat::{Mode, SFlag, makedev};

use crate::cgroups::devices::{Device, Kind};
use crate::rootfs::{Make, Root, fd_path};

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

fn io_at(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> MountError {
    let what = what.into();
    move |e| MountError {
        what: format!("{what}: {e}"),
        errno: nix::Error::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
    }
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
    .map_err(at(msg!(m::MAKE_ROOT_PRIVATE)))
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
    .map_err(at(msg!(m::BIND_ONTO_ITSELF, path = rootfs.display())))
}

/// Mount on `path` inside the root: the target is opened in the root
/// (made if missing) and mounted through its /proc/self/fd name.
fn mount_in(
    root: &Root,
    path: &str,
    kind: Make,
    source: Option<&Path>,
    fstype: Option<&str>,
    flags: MsFlags,
    data: Option<&str>,
) -> Result<(), MountError> {
    let target = root
        .make(path, kind)
        .map_err(io_at(msg!(m::OPEN_IN_ROOTFS, path = path)))?;
    mount(source, &fd_path(&target), fstype, flags, data).map_err(at(msg!(
        m::MOUNT_ON,
        what = fstype
            .map(str::to_string)
            .or_else(|| source.map(|s| s.display().to_string()))
            .unwrap_or_default(),
        path = path
    )))
}

/// Make the mount at `path` (inside the root) read-only. The path is
/// opened again, so that it names the new mount, not what it covers.
fn remount_read_only(root: &Root, path: &str) -> Result<(), MountError> {
    let fd = root
        .open_at(path, libc::O_PATH)
        .map_err(io_at(msg!(m::OPEN_IN_ROOTFS, path = path)))?;
    let ro = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY;
    mount(None::<&str>, &fd_path(&fd), None::<&str>, ro, None::<&str>)
        .map_err(at(msg!(m::MAKE_READ_ONLY, path = path)))
}

/// `mount --bind SOURCE ROOTFS/TARGET` for a file (such as the run's
/// /etc/hosts) or a directory (`-v HOST:CONTAINER`), read-only if asked.
/// The target is resolved inside the rootfs and made if missing.
pub fn bind(root: &Root, source: &Path, target: &str, readonly: bool) -> Result<(), MountError> {
    let kind = if source.is_dir() {
        Make::Dir
    } else {
        Make::File
    };
    mount_in(
        root,
        target,
        kind,
        Some(source),
        None,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None,
    )?;
    if readonly {
        remount_read_only(root, target)?;
    }
    Ok(())
}

/// A fresh procfs for the container's PID namespace at /proc.
pub fn mount_proc(root: &Root) -> Result<(), MountError> {
    let flags = MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV;
    mount_in(
        root,
        "/proc",
        Make::Dir,
        Some(Path::new("proc")),
        Some("proc"),
        flags,
        None,
    )
}

/// sysfs, read-only, at /sys.
pub fn mount_sys(root: &Root) -> Result<(), MountError> {
    let flags = MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV;
    mount_in(
        root,
        "/sys",
        Make::Dir,
        Some(Path::new("sysfs")),
        Some("sysfs"),
        flags,
        None,
    )
}

/// mknod in the directory `dir` (an open descriptor), with the exact mode.
fn make_node(
    dir: &OwnedFd,
    name: &str,
    kind: SFlag,
    mode: u32,
    rdev: u64,
) -> Result<(), MountError> {
    nix::sys::stat::mknodat(dir, name, kind, Mode::from_bits_truncate(mode), rdev)
        .map_err(at(format!("mknod /dev/{name}")))?;
    // mknod's mode is filtered by the umask; set it exactly.
    nix::sys::stat::fchmodat(
        dir,
        name,
        Mode::from_bits_truncate(mode),
        nix::sys::stat::FchmodatFlags::NoFollowSymlink,
    )
    .or_else(|e| match e {
        // Linux has no lchmod: without a symlink, following is the same.
        nix::Error::EOPNOTSUPP => nix::sys::stat::fchmodat(
            dir,
            name,
            Mode::from_bits_truncate(mode),
            nix::sys::stat::FchmodatFlags::FollowSymlink,
        ),
        e => Err(e),
    })
    .map_err(at(format!("chmod /dev/{name}")))
}

/// A tmpfs /dev with [`DEVICES`], `--device` nodes, a private devpts,
/// /dev/shm and [`DEV_LINKS`].
pub fn mount_dev(root: &Root, extra: &[Device]) -> Result<(), MountError> {
    mount_in(
        root,
        "/dev",
        Make::Dir,
        Some(Path::new("tmpfs")),
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME,
        Some("mode=755,size=65536k"),
    )?;
    // From here on /dev is our own tmpfs: nothing of the image is below it.
    let dev = root
        .open_at("/dev", libc::O_RDONLY | libc::O_DIRECTORY)
        .map_err(io_at(msg!(m::OPEN_NEW_DEV)))?;
    for (name, major, minor) in DEVICES {
        make_node(&dev, name, SFlag::S_IFCHR, 0o666, makedev(*major, *minor))?;
    }
    for d in extra {
        let rel = d.container.trim_start_matches("/dev/");
        let (parent, name) = match rel.rsplit_once('/') {
            Some((p, n)) => (
                root.make(&format!("/dev/{p}"), Make::Dir)
                    .map_err(io_at(msg!(m::MAKE_PATH, path = format!("/dev/{p}"))))
                    .and_then(|p| {
                        std::fs::File::open(fd_path(&p))
                            .map(OwnedFd::from)
                            .map_err(io_at(msg!(m::OPEN_PATH, path = format!("/dev/{p:?}"))))
                    })?,
                n,
            ),
            None => (dev.try_clone().map_err(io_at("dup /dev"))?, rel),
        };
        let kind = match d.rule.kind {
            Kind::Block => SFlag::S_IFBLK,
            _ => SFlag::S_IFCHR,
        };
        let rdev = makedev(
            d.rule.major.unwrap_or(0).into(),
            d.rule.minor.unwrap_or(0).into(),
        );
        make_node(&parent, name, kind, d.mode, rdev)?;
    }
    for dir in ["pts", "shm"] {
        nix::sys::stat::mkdirat(&dev, dir, Mode::from_bits_truncate(0o755))
            .map_err(at(format!("mkdir /dev/{dir}")))?;
    }
    mount_in(
        root,
        "/dev/pts",
        Make::Dir,
        Some(Path::new("devpts")),
        Some("devpts"),
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        Some("newinstance,ptmxmode=0666,mode=0620"),
    )?;
    mount_in(
        root,
        "/dev/shm",
        Make::Dir,
        Some(Path::new("shm")),
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        Some("mode=1777,size=65536k"),
    )?;
    for (name, target) in DEV_LINKS {
        nix::unistd::symlinkat(*target, &dev, *name).map_err(at(format!("symlink /dev/{name}")))?;
    }
    Ok(())
}

/// `-t`: the container's terminal is also its /dev/console, as runc does.
pub fn bind_console(rootfs: &Path, pts: u32) -> Result<(), MountError> {
    let root = Root::open(rootfs).map_err(io_at(msg!(m::OPEN_ROOTFS)))?;
    let slave = root
        .open_at(&format!("/dev/pts/{pts}"), libc::O_PATH)
        .map_err(io_at(msg!(m::OPEN_PATH, path = format!("/dev/pts/{pts}"))))?;
    let console = root
        .make("/dev/console", Make::File)
        .map_err(io_at(msg!(m::MAKE_PATH, path = "/dev/console")))?;
    mount(
        Some(&fd_path(&slave)),
        &fd_path(&console),
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(at(msg!(m::BIND_CONSOLE, pts = pts)))
}

/// Hide [`MASKED`] and make [`READ_ONLY`] read-only (paths this kernel
/// does not have are skipped). They are below the fresh /proc and /sys.
pub fn protect_proc_and_sys(root: &Root) -> Result<(usize, usize), MountError> {
    let mut masked = 0;
    for p in MASKED {
        let Ok(target) = root.open_at(p, libc::O_PATH) else {
            continue;
        };
        let is_dir = nix::sys::stat::fstat(&target)
            .map(|s| s.st_mode & libc::S_IFMT == libc::S_IFDIR)
            .map_err(at(format!("stat {p}")))?;
        if is_dir {
            mount(
                Some("tmpfs"),
                &fd_path(&target),
                Some("tmpfs"),
                MsFlags::MS_RDONLY,
                Some("size=0"),
            )
            .map_err(at(msg!(m::MASK_PATH, path = p)))?;
        } else {
            let null = root
                .open_at("/dev/null", libc::O_PATH)
                .map_err(io_at(msg!(m::OPEN_PATH, path = "/dev/null")))?;
            mount(
                Some(&fd_path(&null)),
                &fd_path(&target),
                None::<&str>,
                MsFlags::MS_BIND,
                None::<&str>,
            )
            .map_err(at(msg!(m::MASK_PATH, path = p)))?;
        }
        masked += 1;
    }
    let mut read_only = 0;
    for p in READ_ONLY {
        let Ok(target) = root.open_at(p, libc::O_PATH) else {
            continue;
        };
        let path = fd_path(&target);
        mount(
            Some(&path),
            &path,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(at(msg!(m::BIND_PATH, path = p)))?;
        remount_read_only(root, p)?;
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
    umount2(".", MntFlags::MNT_DETACH).map_err(at(msg!(m::UNMOUNT_OLD_ROOT)))?;
    nix::unistd::chdir("/").map_err(at("chdir /"))
}
