//! cgroups: limits on what a group of processes may use.
//!
//! A control group is a directory in a special filesystem; the processes
//! listed in its `cgroup.procs` share the limits written into its files.
//! There are two versions. **v1** (2008) has one hierarchy per controller:
//! `/sys/fs/cgroup/memory/…`, `/sys/fs/cgroup/cpu/…`, each with its own
//! tree. **v2** (unified, 2016) has one tree for all controllers, with
//! controllers switched on per subtree in `cgroup.subtree_control`, and
//! cleaner file names: `memory.limit_in_bytes` became `memory.max`,
//! `cpu.cfs_quota_us` + `cpu.cfs_period_us` became `cpu.max`, `cpu.shares`
//! became `cpu.weight`, `tasks` became `cgroup.procs`. Modern distributions
//! boot with v2 only; some hosts (like a hybrid systemd layout) still have
//! the controllers on v1. dockling uses v2 where its controllers are
//! available and v1 otherwise, with the two side by side in [`v1`] and
//! [`v2`] behind one small [`Cgroup`] trait. Both take their root
//! directory as a parameter, so unit tests write into temp dirs.
//!
//! Lesson 3. Man pages: cgroups(7); the kernel's cgroup-v2.rst and
//! cgroup-v1/{memory,cpu,pids}.rst.

pub mod bpf;
pub mod devices;
pub mod limits;
pub mod v1;
pub mod v2;

use crate::msg;
use crate::narrate::messages::containers as m;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use limits::Limits;

/// Where cgroup filesystems are mounted.
pub const CGROUP_ROOT: &str = "/sys/fs/cgroup";
/// The parent of every dockling cgroup, directly below the root, as
/// docker's cgroupfs driver uses `docker/`. systemd does not manage
/// cgroups it did not create there, so it leaves ours alone.
pub const PARENT: &str = "dockling";
/// The controllers the stages use.
pub const CONTROLLERS: &[&str] = &["memory", "cpu", "pids"];

/// statfs(2) magic numbers, from linux/magic.h.
const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;
const TMPFS_MAGIC: i64 = 0x0102_1994;

/// Which cgroup hierarchy this host mounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Only cgroup v2, at /sys/fs/cgroup.
    Unified,
    /// v1 controllers, plus a v2 tree at /sys/fs/cgroup/unified.
    Hybrid,
    /// v1 only.
    Legacy,
    None,
}

/// The filesystem type (statfs(2) f_type) of the filesystem holding `p`.
// f_type is i64 on 64-bit targets and i32 on some 32-bit ones.
#[allow(clippy::unnecessary_cast)]
pub fn fs_magic(p: &Path) -> nix::Result<i64> {
    nix::sys::statfs::statfs(p).map(|s| s.filesystem_type().0 as i64)
}

pub fn layout(base: &Path) -> Layout {
    let magic = |p: &Path| fs_magic(p).ok();
    match magic(base) {
        Some(CGROUP2_SUPER_MAGIC) => Layout::Unified,
        Some(TMPFS_MAGIC) if magic(&base.join("unified")) == Some(CGROUP2_SUPER_MAGIC) => {
            Layout::Hybrid
        }
        Some(TMPFS_MAGIC) => Layout::Legacy,
        _ => Layout::None,
    }
}

impl Layout {
    /// The layout's id in events, which the catalog tells in words.
    pub fn id(self) -> &'static str {
        match self {
            Layout::Unified => "unified",
            Layout::Hybrid => "hybrid",
            Layout::Legacy => "legacy",
            Layout::None => "none",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Layout::Unified => "unified (cgroup v2 only)",
            Layout::Hybrid => "hybrid (controllers on v1, plus a v2 tree)",
            Layout::Legacy => "legacy (cgroup v1)",
            Layout::None => "none",
        }
    }

    /// The v2 tree, if this layout has one.
    pub fn v2_root(self, base: &Path) -> Option<PathBuf> {
        match self {
            Layout::Unified => Some(base.to_path_buf()),
            Layout::Hybrid => Some(base.join("unified")),
            _ => None,
        }
    }
}

/// What the host's cgroups can do, read once.
#[derive(Debug, Clone)]
pub struct Host {
    pub layout: Layout,
    pub v2_root: Option<PathBuf>,
    /// Controllers the v2 root offers (cgroup.controllers).
    pub v2_controllers: Vec<String>,
    /// v1 controller name to its hierarchy's mount point.
    pub v1_mounts: Vec<(String, PathBuf)>,
}

impl Host {
    pub fn detect(base: &Path) -> Host {
        let layout = layout(base);
        let v2_root = layout.v2_root(base);
        let v2_controllers = v2_root
            .as_ref()
            .and_then(|r| fs::read_to_string(r.join("cgroup.controllers")).ok())
            .map(|s| s.split_whitespace().map(String::from).collect())
            .unwrap_or_default();
        let v1_mounts = if layout == Layout::Unified {
            Vec::new()
        } else {
            v1::mounts(Path::new("/proc/self/mountinfo"))
        };
        Host {
            layout,
            v2_root,
            v2_controllers,
            v1_mounts,
        }
    }

    pub fn v2_has_all(&self) -> bool {
        CONTROLLERS
            .iter()
            .all(|c| self.v2_controllers.iter().any(|h| h == c))
    }

    pub fn v1_has_all(&self) -> bool {
        CONTROLLERS
            .iter()
            .all(|c| self.v1_mounts.iter().any(|(n, _)| n == c))
    }
}

/// One write into a cgroup file, reported so it can be narrated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub file: PathBuf,
    pub value: String,
}

/// How the device rules were given to the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceSetup {
    /// v1: `a` into devices.deny, then each rule into devices.allow.
    Files {
        deny: PathBuf,
        allow: PathBuf,
        lines: Vec<String>,
    },
    /// v2: a BPF program of this many instructions, attached to the cgroup.
    Program { dir: PathBuf, instructions: usize },
}

/// Usage and events of a cgroup, read from its files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub memory_current: Option<u64>,
    pub memory_peak: Option<u64>,
    pub oom_kills: u64,
    pub cpu_usage_usec: u64,
    pub nr_periods: u64,
    pub nr_throttled: u64,
    pub throttled_usec: u64,
    pub pids_current: Option<u64>,
    /// Forks refused because of pids.max.
    pub pids_refused: u64,
    /// The memory limit (None: unlimited).
    pub memory_limit: Option<u64>,
    /// Page cache not used lately (memory.stat's inactive_file): docker
    /// leaves it out of MEM USAGE, as the kernel reclaims it first.
    pub inactive_file: u64,
    /// Bytes read from and written to block devices.
    pub io_read: u64,
    pub io_write: u64,
}

/// A container's cgroup, on v1 or v2.
pub trait Cgroup {
    /// "v1" or "v2".
    fn version(&self) -> &'static str;
    /// The directories this cgroup consists of (one on v2, one per
    /// controller on v1), and the parents that may need creating.
    fn dirs(&self) -> Vec<PathBuf>;
    fn parents(&self) -> Vec<PathBuf>;
    /// Create the directories and write the limits; returns every write.
    fn create(&self, limits: &Limits) -> io::Result<Vec<Write>>;
    /// Let the container open only the devices `rules` allow (before any
    /// process is in the cgroup).
    fn allow_devices(&self, rules: &[devices::Rule]) -> io::Result<DeviceSetup>;
    /// Move `pid` in; returns the writes.
    fn add(&self, pid: i32) -> io::Result<Vec<Write>>;
    fn stats(&self) -> Stats;
    /// The processes in it.
    fn procs(&self) -> Vec<i32>;
    /// Freeze (`true`) or thaw every process in it, and wait until the
    /// kernel says it is done; returns the write.
    fn freeze(&self, frozen: bool) -> io::Result<Vec<Write>>;
    /// The files [`Cgroup::stats`] reads, for the narration: (memory in
    /// use, CPU time used) while it runs, and every file of the report.
    fn stat_files(&self) -> StatFiles;
}

/// Which files hold a cgroup's usage (they differ between v1 and v2, and on
/// v1 between the controllers' hierarchies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatFiles {
    /// memory.current (v2) or memory.usage_in_bytes (v1).
    pub memory: Option<PathBuf>,
    /// cpu.stat (v2, usage_usec) or cpuacct.usage (v1, nanoseconds).
    pub cpu: Option<PathBuf>,
    /// The OOM kill counter: memory.events (v2) or memory.oom_control (v1).
    pub oom: Option<PathBuf>,
    /// Everything the report reads, in order.
    pub report: Vec<PathBuf>,
}

/// Wait until `file` says `want` (the freezer's state changes in the
/// background: FREEZING before FROZEN).
pub(crate) fn wait_until(file: &Path, want: impl Fn(&str) -> bool) -> io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if want(&fs::read_to_string(file)?) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(io::Error::other(msg!(
                m::CGROUP_STATE_UNCHANGED,
                file = file.display()
            )));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Sum of `Read` and `Write` (v1 blkio) or `rbytes=` and `wbytes=` (v2
/// io.stat) over every device.
pub(crate) fn io_bytes(text: &str) -> (u64, u64) {
    let (mut r, mut w) = (0, 0);
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        // v1: "8:0 Read 4096"
        if f.len() == 3 {
            match f[1] {
                "Read" => r += f[2].parse().unwrap_or(0),
                "Write" => w += f[2].parse().unwrap_or(0),
                _ => {}
            }
        }
        for kv in &f {
            if let Some(v) = kv.strip_prefix("rbytes=") {
                r += v.parse().unwrap_or(0);
            } else if let Some(v) = kv.strip_prefix("wbytes=") {
                w += v.parse().unwrap_or(0);
            }
        }
    }
    (r, w)
}

/// The cgroup for run `id` below `parent`: v2 when it has memory, cpu and
/// pids, else v1.
pub fn for_run(host: &Host, parent: &str, id: &str) -> Result<Box<dyn Cgroup>, String> {
    if let (true, Some(root)) = (host.v2_has_all(), &host.v2_root) {
        return Ok(Box::new(v2::V2::new(root, parent, id)));
    }
    if host.v1_has_all() {
        return Ok(Box::new(v1::V1::new(&host.v1_mounts, parent, id)));
    }
    Err(msg!(
        m::NO_USABLE_CONTROLLERS,
        layout = host.layout.name(),
        offered = host.v2_controllers.join(" ")
    ))
}

pub(crate) fn write(file: &Path, value: &str, out: &mut Vec<Write>) -> io::Result<()> {
    fs::write(file, value).map_err(|e| {
        io::Error::new(
            e.kind(),
            msg!(
                m::CGROUP_WRITE_FAILED,
                value = format!("{value:?}"),
                file = file.display(),
                error = e
            ),
        )
    })?;
    out.push(Write {
        file: file.to_path_buf(),
        value: value.to_string(),
    });
    Ok(())
}

/// A limit that `Limits::check` should have refused: an error, never a panic.
pub(crate) fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

pub(crate) fn read_u64(file: &Path) -> Option<u64> {
    fs::read_to_string(file).ok()?.trim().parse().ok()
}

/// The value of `key` in a flat-keyed file like memory.events or cpu.stat.
pub(crate) fn keyed(file: &Path, key: &str) -> Option<u64> {
    let text = fs::read_to_string(file).ok()?;
    text.lines().find_map(|l| {
        let mut it = l.split_whitespace();
        (it.next() == Some(key))
            .then(|| it.next()?.parse().ok())
            .flatten()
    })
}

pub(crate) fn pids_in(dir: &Path) -> Vec<i32> {
    fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Remove a container's cgroup directory: kill what is still in it
/// (cgroup.kill on v2 where the kernel has it, else SIGKILL by pid), wait
/// until it is empty, rmdir. Child cgroups the container made (with
/// CAP_SYS_ADMIN, say) go first, the same way. Returns whether there was
/// anything to remove.
pub fn destroy(dir: &Path) -> io::Result<bool> {
    if !dir.exists() {
        return Ok(false);
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        // A cgroup's children are its subdirectories; a symlink is never one.
        if entry.file_type()?.is_dir() {
            destroy(&entry.path())?;
        }
    }
    // v1's freezer holds even SIGKILL until the tasks are thawed.
    let freezer = dir.join("freezer.state");
    if freezer.exists() {
        fs::write(&freezer, "THAWED")?;
    }
    let kill_file = dir.join("cgroup.kill");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let pids = pids_in(dir);
        if pids.is_empty() {
            break;
        }
        if kill_file.exists() {
            fs::write(&kill_file, "1")?;
        } else {
            for pid in pids {
                // ESRCH: it exited on its own meanwhile.
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::SIGKILL,
                );
            }
        }
        if Instant::now() > deadline {
            return Err(io::Error::other(msg!(
                m::CGROUP_STILL_HAS_PROCESSES,
                dir = dir.display()
            )));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // rmdir can briefly fail with EBUSY while the last task is torn down.
    loop {
        match fs::remove_dir(dir) {
            Ok(()) => return Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Err(e) => return Err(e),
        }
    }
}

/// Run cgroups below `parent` left by a run whose journal was lost (its
/// state directory deleted while it ran): no run directory in `runs`
/// claims them, no process is in them, and they have not changed for a
/// minute. The last two keep another state root's runs safe, which may
/// share the parent: a live run's cgroup holds its container from the
/// first seconds to the end.
pub fn orphans(host: &Host, parent: &str, runs: &Path) -> Vec<PathBuf> {
    let Ok(cg) = for_run(host, parent, "") else {
        return Vec::new();
    };
    let candidates: Vec<PathBuf> = cg
        .parents()
        .iter()
        .filter_map(|p| fs::read_dir(p).ok())
        .flat_map(|d| d.flatten().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.len() == 12 && n.bytes().all(|b| b.is_ascii_hexdigit())
                })
        })
        .collect();
    candidates
        .into_iter()
        .filter(|p| {
            !runs.join(p.file_name().expect("filtered above")).exists()
                && pids_in(p).is_empty()
                && crate::journal::is_stale(p)
        })
        .collect()
}

/// Remove the shared parent if no other run uses it.
pub fn remove_parent(dir: &Path) -> io::Result<bool> {
    match fs::remove_dir(dir) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        // Another run's cgroup is still inside: it will remove the parent.
        Err(e) if matches!(e.raw_os_error(), Some(libc::EBUSY) | Some(libc::ENOTEMPTY)) => {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_files_are_read_by_key() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("memory.events");
        fs::write(&f, "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n").unwrap();
        assert_eq!(keyed(&f, "oom_kill"), Some(1));
        assert_eq!(keyed(&f, "max"), Some(12));
        assert_eq!(keyed(&f, "nope"), None);
    }

    #[test]
    fn block_io_is_summed_over_devices_in_both_formats() {
        let v1 = "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 1\n8:16 Read 1000\nTotal 13288\n";
        assert_eq!(io_bytes(v1), (5096, 8192));
        let v2 = "8:0 rbytes=4096 wbytes=100 rios=1 wios=1\n254:0 rbytes=4 wbytes=0 rios=1\n";
        assert_eq!(io_bytes(v2), (4100, 100));
    }

    #[test]
    fn a_plain_directory_is_no_cgroup_mount() {
        let t = tempfile::tempdir().unwrap();
        assert_eq!(layout(t.path()), Layout::None);
    }

    #[test]
    fn destroy_removes_children_first() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("c");
        fs::create_dir_all(d.join("made/by/container")).unwrap();
        assert!(destroy(&d).unwrap());
        assert!(!d.exists());
    }

    #[test]
    fn destroy_removes_an_empty_directory_once() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("c");
        fs::create_dir(&d).unwrap();
        assert!(destroy(&d).unwrap());
        assert!(!destroy(&d).unwrap());
    }
}
