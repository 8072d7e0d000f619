//! cgroup v1: one hierarchy per controller.
//!
//! The container gets a directory `dockling/<id>` in each controller's
//! hierarchy (memory, cpu, pids, and cpuacct for CPU usage when it is
//! mounted apart from cpu) and its pid is written into each one's
//! `cgroup.procs`. Hierarchies are found in /proc/self/mountinfo: a
//! `cgroup` filesystem's super options name its controllers.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::limits::Swap;
use super::{
    Cgroup, DeviceSetup, Limits, StatFiles, Stats, Write, devices, invalid, keyed, read_u64, write,
};

/// v1 hierarchies: (controller, mount point), from a mountinfo file.
pub fn mounts(mountinfo: &Path) -> Vec<(String, PathBuf)> {
    let text = fs::read_to_string(mountinfo).unwrap_or_default();
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let mut r = right.split_whitespace();
        if r.next() != Some("cgroup") {
            continue;
        }
        let super_opts = r.nth(1).unwrap_or("");
        let Some(mount_point) = left.split_whitespace().nth(4) else {
            continue;
        };
        for opt in super_opts.split(',') {
            if matches!(
                opt,
                "memory" | "cpu" | "cpuacct" | "pids" | "devices" | "freezer" | "blkio"
            ) {
                out.push((opt.to_string(), PathBuf::from(mount_point)));
            }
        }
    }
    out
}

pub struct V1 {
    /// (controller, directory of this container in that hierarchy).
    dirs: Vec<(String, PathBuf)>,
    parents: Vec<PathBuf>,
}

impl V1 {
    pub fn new(mounts: &[(String, PathBuf)], parent: &str, id: &str) -> V1 {
        let mut dirs: Vec<(String, PathBuf)> = Vec::new();
        let mut parents = Vec::new();
        for want in [
            "memory", "cpu", "cpuacct", "pids", "devices", "freezer", "blkio",
        ] {
            let Some((_, mp)) = mounts.iter().find(|(c, _)| c == want) else {
                continue;
            };
            // cpu and cpuacct are often one hierarchy: one directory serves both.
            if dirs.iter().any(|(_, d)| d.starts_with(mp)) {
                continue;
            }
            dirs.push((want.to_string(), mp.join(parent).join(id)));
            parents.push(mp.join(parent));
        }
        V1 { dirs, parents }
    }

    fn dir(&self, controller: &str) -> Option<&Path> {
        self.dirs
            .iter()
            .find(|(c, _)| c == controller)
            .map(|(_, d)| d.as_path())
    }

    /// The directory holding `file` (cpuacct.usage may sit in the cpu one).
    fn find(&self, file: &str) -> Option<PathBuf> {
        self.dirs
            .iter()
            .map(|(_, d)| d.join(file))
            .find(|p| p.exists())
    }
}

impl Cgroup for V1 {
    fn version(&self) -> &'static str {
        "v1"
    }

    fn dirs(&self) -> Vec<PathBuf> {
        self.dirs.iter().map(|(_, d)| d.clone()).collect()
    }

    fn parents(&self) -> Vec<PathBuf> {
        self.parents.clone()
    }

    fn create(&self, l: &Limits) -> io::Result<Vec<Write>> {
        let mut out = Vec::new();
        for (_, d) in &self.dirs {
            fs::create_dir_all(d)?;
        }
        if let Some(d) = self.dir("memory") {
            if let Some(m) = l.memory {
                write(&d.join("memory.limit_in_bytes"), &m.to_string(), &mut out)?;
            }
            let memsw = d.join("memory.memsw.limit_in_bytes");
            // Only with swap accounting on (swapaccount=1); docker's default
            // is twice the memory limit.
            if memsw.exists() {
                match l.memory_and_swap().map_err(invalid)? {
                    Some(Swap::Bytes(total)) => write(&memsw, &total.to_string(), &mut out)?,
                    Some(Swap::Unlimited) => write(&memsw, "-1", &mut out)?,
                    None => {}
                }
            }
        }
        if let Some(d) = self.dir("cpu") {
            if let Some((quota, period)) = l.cpu_quota().map_err(invalid)? {
                write(&d.join("cpu.cfs_period_us"), &period.to_string(), &mut out)?;
                write(&d.join("cpu.cfs_quota_us"), &quota.to_string(), &mut out)?;
            }
            if let Some(s) = l.cpu_shares {
                write(&d.join("cpu.shares"), &s.to_string(), &mut out)?;
            }
        }
        if let (Some(d), Some(p)) = (self.dir("pids"), l.pids) {
            write(&d.join("pids.max"), &p.to_string(), &mut out)?;
        }
        Ok(out)
    }

    fn allow_devices(&self, rules: &[devices::Rule]) -> io::Result<DeviceSetup> {
        let d = self.dir("devices").ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, msg!(m::V1_DEVICES_NOT_MOUNTED))
        })?;
        let (deny, allow) = (d.join("devices.deny"), d.join("devices.allow"));
        let mut out = Vec::new();
        write(&deny, "a", &mut out)?;
        let lines: Vec<String> = rules.iter().map(devices::Rule::v1).collect();
        for line in &lines {
            write(&allow, line, &mut out)?;
        }
        Ok(DeviceSetup::Files { deny, allow, lines })
    }

    fn add(&self, pid: i32) -> io::Result<Vec<Write>> {
        let mut out = Vec::new();
        for (_, d) in &self.dirs {
            write(&d.join("cgroup.procs"), &pid.to_string(), &mut out)?;
        }
        Ok(out)
    }

    fn stats(&self) -> Stats {
        let mem = |f: &str| self.dir("memory").and_then(|d| read_u64(&d.join(f)));
        let (io_read, io_write) = self
            .dir("blkio")
            .and_then(|d| {
                fs::read_to_string(d.join("blkio.throttle.io_service_bytes_recursive")).ok()
            })
            .map(|t| super::io_bytes(&t))
            .unwrap_or((0, 0));
        let cpu_stat = self.find("cpu.stat");
        let cpu = |k: &str| cpu_stat.as_ref().and_then(|f| keyed(f, k)).unwrap_or(0);
        Stats {
            memory_current: mem("memory.usage_in_bytes"),
            memory_peak: mem("memory.max_usage_in_bytes"),
            oom_kills: self
                .dir("memory")
                .and_then(|d| keyed(&d.join("memory.oom_control"), "oom_kill"))
                .unwrap_or(0),
            cpu_usage_usec: self
                .find("cpuacct.usage")
                .and_then(|f| read_u64(&f))
                .unwrap_or(0)
                / 1000,
            nr_periods: cpu("nr_periods"),
            nr_throttled: cpu("nr_throttled"),
            throttled_usec: cpu("throttled_time") / 1000,
            pids_current: self
                .dir("pids")
                .and_then(|d| read_u64(&d.join("pids.current"))),
            pids_refused: self
                .dir("pids")
                .and_then(|d| keyed(&d.join("pids.events"), "max"))
                .unwrap_or(0),
            // v1 says "unlimited" with the largest page-aligned number.
            memory_limit: mem("memory.limit_in_bytes").filter(|l| *l < 1 << 62),
            inactive_file: self
                .dir("memory")
                .and_then(|d| keyed(&d.join("memory.stat"), "total_inactive_file"))
                .unwrap_or(0),
            io_read,
            io_write,
        }
    }

    fn procs(&self) -> Vec<i32> {
        self.dirs
            .first()
            .map(|(_, d)| super::pids_in(d))
            .unwrap_or_default()
    }

    fn freeze(&self, frozen: bool) -> io::Result<Vec<Write>> {
        let d = self.dir("freezer").ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, msg!(m::V1_FREEZER_NOT_MOUNTED))
        })?;
        let mut out = Vec::new();
        let value = if frozen { "FROZEN" } else { "THAWED" };
        let file = d.join("freezer.state");
        write(&file, value, &mut out)?;
        super::wait_until(&file, |t| t.trim() == value)?;
        Ok(out)
    }

    fn stat_files(&self) -> StatFiles {
        let in_dir = |c: &str, f: &str| self.dir(c).map(|d| d.join(f));
        let memory = in_dir("memory", "memory.usage_in_bytes");
        let cpu = self.find("cpuacct.usage");
        let oom = in_dir("memory", "memory.oom_control");
        let report = [
            in_dir("memory", "memory.max_usage_in_bytes"),
            oom.clone(),
            cpu.clone(),
            self.find("cpu.stat"),
            in_dir("pids", "pids.events"),
        ]
        .into_iter()
        .flatten()
        .collect();
        StatFiles {
            memory,
            cpu,
            oom,
            report,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
35 25 0:30 / /sys/fs/cgroup/cpu rw,relatime shared:10 - cgroup cgroup rw,cpu
36 25 0:31 / /sys/fs/cgroup/cpuacct rw,relatime shared:11 - cgroup cgroup rw,cpuacct
38 25 0:33 / /sys/fs/cgroup/memory rw,relatime shared:13 - cgroup cgroup rw,memory
41 25 0:36 / /sys/fs/cgroup/pids rw,relatime shared:16 - cgroup cgroup rw,pids
44 25 0:39 / /sys/fs/cgroup/unified rw,relatime shared:19 - cgroup2 cgroup2 rw
";

    #[test]
    fn hierarchies_are_found_in_mountinfo() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("mountinfo");
        fs::write(&f, MOUNTINFO).unwrap();
        let m = mounts(&f);
        assert_eq!(m.len(), 4);
        assert!(m.contains(&("memory".into(), "/sys/fs/cgroup/memory".into())));
        let combined =
            "30 25 0:30 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";
        fs::write(&f, combined).unwrap();
        let m = mounts(&f);
        assert_eq!(m.len(), 2);
        // One hierarchy for both: one directory.
        assert_eq!(V1::new(&m, "dockling", "x").dirs().len(), 1);
    }

    #[test]
    fn writes_v1_files_in_each_hierarchy() {
        let t = tempfile::tempdir().unwrap();
        let mounts: Vec<(String, PathBuf)> = ["memory", "cpu", "cpuacct", "pids"]
            .iter()
            .map(|c| (c.to_string(), t.path().join(c)))
            .collect();
        let cg = V1::new(&mounts, "dockling", "abc");
        let l = Limits {
            memory: Some(32 << 20),
            nano_cpus: Some(200_000_000),
            cpu_shares: Some(512),
            pids: Some(16),
            ..Limits::default()
        };
        cg.create(&l).unwrap();
        let read = |p: &str| fs::read_to_string(t.path().join(p)).unwrap();
        assert_eq!(
            read("memory/dockling/abc/memory.limit_in_bytes"),
            "33554432"
        );
        assert_eq!(read("cpu/dockling/abc/cpu.cfs_quota_us"), "20000");
        assert_eq!(read("cpu/dockling/abc/cpu.cfs_period_us"), "100000");
        assert_eq!(read("cpu/dockling/abc/cpu.shares"), "512");
        assert_eq!(read("pids/dockling/abc/pids.max"), "16");
        assert!(t.path().join("cpuacct/dockling/abc").is_dir());
        cg.add(7).unwrap();
        assert_eq!(read("pids/dockling/abc/cgroup.procs"), "7");
        fs::write(
            t.path().join("memory/dockling/abc/memory.oom_control"),
            "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
        )
        .unwrap();
        fs::write(
            t.path().join("cpuacct/dockling/abc/cpuacct.usage"),
            "5000000\n",
        )
        .unwrap();
        let s = cg.stats();
        assert_eq!((s.oom_kills, s.cpu_usage_usec), (2, 5000));
    }
}
