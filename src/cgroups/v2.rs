//! cgroup v2: one tree, controllers enabled per subtree.
//!
//! The container's cgroup is `<root>/dockling/<id>`. For its files to have
//! controllers, each ancestor must list them in `cgroup.subtree_control`.
//! v2's "no internal processes" rule says a cgroup that hands controllers
//! to its children may not hold processes itself (writing subtree_control
//! fails with EBUSY, "device or resource busy", if it does). The root is
//! exempt, and `dockling/` never holds a process, so both can enable them.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::limits::Swap;
use super::{
    Cgroup, DeviceSetup, Limits, StatFiles, Stats, Write, devices, invalid, keyed, limits,
    read_u64, write,
};

pub struct V2 {
    root: PathBuf,
    parent: PathBuf,
    dir: PathBuf,
}

impl V2 {
    pub fn new(root: &Path, parent: &str, id: &str) -> V2 {
        let parent = root.join(parent);
        V2 {
            root: root.to_path_buf(),
            dir: parent.join(id),
            parent,
        }
    }

    /// `+cpu +memory +pids` in `dir`'s subtree_control, for those missing.
    fn enable_controllers(dir: &Path, out: &mut Vec<Write>) -> io::Result<()> {
        let file = dir.join("cgroup.subtree_control");
        let have = fs::read_to_string(&file).unwrap_or_default();
        // io too where the kernel offers it: only for `stats`' BLOCK I/O.
        let offered = fs::read_to_string(dir.join("cgroup.controllers")).unwrap_or_default();
        let io = offered
            .split_whitespace()
            .any(|c| c == "io")
            .then_some("io");
        let missing: Vec<String> = super::CONTROLLERS
            .iter()
            .copied()
            .chain(io)
            .filter(|c| !have.split_whitespace().any(|h| h == *c))
            .map(|c| format!("+{c}"))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        write(&file, &missing.join(" "), out).map_err(|e| {
            if e.raw_os_error() == Some(libc::EBUSY) {
                io::Error::new(
                    e.kind(),
                    msg!(m::NO_INTERNAL_PROCESSES, error = e, dir = dir.display()),
                )
            } else {
                e
            }
        })
    }
}

impl Cgroup for V2 {
    fn version(&self) -> &'static str {
        "v2"
    }

    fn dirs(&self) -> Vec<PathBuf> {
        vec![self.dir.clone()]
    }

    fn parents(&self) -> Vec<PathBuf> {
        vec![self.parent.clone()]
    }

    fn create(&self, l: &Limits) -> io::Result<Vec<Write>> {
        let mut out = Vec::new();
        Self::enable_controllers(&self.root, &mut out)?;
        match fs::create_dir(&self.parent) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
        Self::enable_controllers(&self.parent, &mut out)?;
        fs::create_dir(&self.dir)?;
        if let Some(m) = l.memory {
            write(&self.dir.join("memory.max"), &m.to_string(), &mut out)?;
        }
        // docker's --memory-swap is memory plus swap; v2's memory.swap.max
        // is swap alone. Without --memory-swap, docker's default (as much
        // swap as memory) is written only where swap is accounted.
        let swap_file = self.dir.join("memory.swap.max");
        if l.memory_swap.is_some() || swap_file.exists() {
            match l.swap_only().map_err(invalid)? {
                Some(Swap::Bytes(b)) => write(&swap_file, &b.to_string(), &mut out)?,
                Some(Swap::Unlimited) => write(&swap_file, "max", &mut out)?,
                None => {}
            }
        }
        if let Some((quota, period)) = l.cpu_quota().map_err(invalid)? {
            write(
                &self.dir.join("cpu.max"),
                &format!("{quota} {period}"),
                &mut out,
            )?;
        }
        if let Some(s) = l.cpu_shares {
            write(
                &self.dir.join("cpu.weight"),
                &limits::shares_to_weight(s).to_string(),
                &mut out,
            )?;
        }
        if let Some(p) = l.pids {
            write(&self.dir.join("pids.max"), &p.to_string(), &mut out)?;
        }
        Ok(out)
    }

    fn allow_devices(&self, rules: &[devices::Rule]) -> io::Result<DeviceSetup> {
        let instructions = super::bpf::attach(&self.dir, rules)?;
        Ok(DeviceSetup::Program {
            dir: self.dir.clone(),
            instructions,
        })
    }

    fn add(&self, pid: i32) -> io::Result<Vec<Write>> {
        let mut out = Vec::new();
        write(&self.dir.join("cgroup.procs"), &pid.to_string(), &mut out)?;
        Ok(out)
    }

    fn stats(&self) -> Stats {
        let d = &self.dir;
        Stats {
            memory_current: read_u64(&d.join("memory.current")),
            memory_peak: read_u64(&d.join("memory.peak")),
            oom_kills: keyed(&d.join("memory.events"), "oom_kill").unwrap_or(0),
            cpu_usage_usec: keyed(&d.join("cpu.stat"), "usage_usec").unwrap_or(0),
            nr_periods: keyed(&d.join("cpu.stat"), "nr_periods").unwrap_or(0),
            nr_throttled: keyed(&d.join("cpu.stat"), "nr_throttled").unwrap_or(0),
            throttled_usec: keyed(&d.join("cpu.stat"), "throttled_usec").unwrap_or(0),
            pids_current: read_u64(&d.join("pids.current")),
            pids_refused: keyed(&d.join("pids.events"), "max").unwrap_or(0),
            memory_limit: read_u64(&d.join("memory.max")),
            inactive_file: keyed(&d.join("memory.stat"), "inactive_file").unwrap_or(0),
            // io.stat exists where the io controller is on for the subtree.
            ..io(&d.join("io.stat"))
        }
    }

    fn procs(&self) -> Vec<i32> {
        super::pids_in(&self.dir)
    }

    fn freeze(&self, frozen: bool) -> io::Result<Vec<Write>> {
        let mut out = Vec::new();
        let value = if frozen { "1" } else { "0" };
        write(&self.dir.join("cgroup.freeze"), value, &mut out)?;
        let want = format!("frozen {value}");
        super::wait_until(&self.dir.join("cgroup.events"), |t| {
            t.lines().any(|l| l.trim() == want)
        })?;
        Ok(out)
    }
    fn stat_files(&self) -> StatFiles {
        let d = &self.dir;
        StatFiles {
            memory: Some(d.join("memory.current")),
            cpu: Some(d.join("cpu.stat")),
            oom: Some(d.join("memory.events")),
            report: ["memory.peak", "memory.events", "cpu.stat", "pids.events"]
                .iter()
                .map(|f| d.join(f))
                .collect(),
        }
    }
}

fn io(file: &Path) -> Stats {
    let (io_read, io_write) = super::io_bytes(&fs::read_to_string(file).unwrap_or_default());
    Stats {
        io_read,
        io_write,
        ..Stats::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_v2_files_under_dockling_id() {
        let t = tempfile::tempdir().unwrap();
        let cg = V2::new(t.path(), "dockling", "abc");
        let l = Limits {
            memory: Some(64 << 20),
            nano_cpus: Some(500_000_000),
            cpu_shares: Some(512),
            pids: Some(64),
            ..Limits::default()
        };
        let writes = cg.create(&l).unwrap();
        let read = |p: &str| fs::read_to_string(t.path().join(p)).unwrap();
        assert_eq!(read("cgroup.subtree_control"), "+memory +cpu +pids");
        assert_eq!(
            read("dockling/cgroup.subtree_control"),
            "+memory +cpu +pids"
        );
        assert_eq!(read("dockling/abc/memory.max"), "67108864");
        assert_eq!(read("dockling/abc/cpu.max"), "50000 100000");
        assert_eq!(read("dockling/abc/cpu.weight"), "20");
        assert_eq!(read("dockling/abc/pids.max"), "64");
        assert_eq!(writes.len(), 6);
        cg.add(42).unwrap();
        assert_eq!(read("dockling/abc/cgroup.procs"), "42");
    }

    #[test]
    fn swap_is_written_as_swap_alone() {
        let t = tempfile::tempdir().unwrap();
        let cg = V2::new(t.path(), "dockling", "sw");
        let l = Limits {
            memory: Some(64 << 20),
            memory_swap: Some(Some(96 << 20)),
            ..Limits::default()
        };
        cg.create(&l).unwrap();
        let read = |p: &str| fs::read_to_string(t.path().join(p)).unwrap();
        assert_eq!(
            read("dockling/sw/memory.swap.max"),
            (32u64 << 20).to_string()
        );
        // A limit that skipped Limits::check is an error, not a wrapped value.
        let cg = V2::new(t.path(), "dockling", "bad");
        let bad = Limits {
            memory: Some(64 << 20),
            memory_swap: Some(Some(1 << 20)),
            ..Limits::default()
        };
        let e = cg.create(&bad).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("at least --memory"), "{e}");
    }

    #[test]
    fn controllers_already_enabled_are_not_written_again() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("cgroup.subtree_control"), "cpu memory pids\n").unwrap();
        let cg = V2::new(t.path(), "dockling", "x");
        let writes = cg.create(&Limits::default()).unwrap();
        assert!(
            writes
                .iter()
                .all(|w| !w.file.starts_with(t.path().join("cgroup.subtree_control")))
        );
    }

    #[test]
    fn stats_come_from_the_keyed_files() {
        let t = tempfile::tempdir().unwrap();
        let cg = V2::new(t.path(), "dockling", "s");
        cg.create(&Limits::default()).unwrap();
        let d = t.path().join("dockling/s");
        fs::write(d.join("memory.events"), "oom 1\noom_kill 1\n").unwrap();
        fs::write(
            d.join("cpu.stat"),
            "usage_usec 2000\nnr_periods 20\nnr_throttled 15\nthrottled_usec 900\n",
        )
        .unwrap();
        fs::write(d.join("memory.peak"), "33554432\n").unwrap();
        fs::write(d.join("pids.events"), "max 3\n").unwrap();
        let s = cg.stats();
        assert_eq!(
            (
                s.oom_kills,
                s.cpu_usage_usec,
                s.nr_throttled,
                s.pids_refused
            ),
            (1, 2000, 15, 3)
        );
        assert_eq!(s.memory_peak, Some(32 << 20));
    }
}
