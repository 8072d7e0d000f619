//! `stats`: what a running container uses, in docker's columns.
//!
//! Every number comes from a file the kernel keeps: the cgroup's (CPU
//! time, memory, block I/O, processes) and the network namespace's
//! interface counters (/proc/PID/net/dev, read through the container's
//! PID 1, which shows its own namespace's interfaces). CPU % is a rate, so
//! it needs two readings: the CPU time the cgroup used between them,
//! divided by the wall time between them (100% is one CPU busy).
//!
//! | column | cgroup v2 | cgroup v1 |
//! |---|---|---|
//! | CPU % | cpu.stat usage_usec | cpuacct.usage |
//! | MEM USAGE | memory.current − memory.stat inactive_file | memory.usage_in_bytes − total_inactive_file |
//! | LIMIT | memory.max (else the host's RAM) | memory.limit_in_bytes |
//! | BLOCK I/O | io.stat rbytes/wbytes | blkio.throttle.io_service_bytes_recursive |
//! | PIDS | pids.current | pids.current |
//!
//! Man pages: cgroups(7), proc_net(5) (`/proc/net/dev`).

use std::time::Instant;

use crate::cgroups::{Cgroup, Stats};

/// One reading of a container.
#[derive(Debug, Clone)]
pub struct Sample {
    pub at: Instant,
    pub cgroup: Stats,
    /// Received and sent bytes over its interfaces but lo.
    pub net: (u64, u64),
}

/// Read a container now: its cgroup, and the interfaces its PID 1 sees
/// (`net_pid`: None for a container in the host's network namespace).
pub fn sample(cg: &dyn Cgroup, net_pid: Option<i32>) -> Sample {
    let net = net_pid
        .and_then(|pid| std::fs::read_to_string(format!("/proc/{pid}/net/dev")).ok())
        .map(|t| net_bytes(&t))
        .unwrap_or((0, 0));
    Sample {
        at: Instant::now(),
        cgroup: cg.stats(),
        net,
    }
}

/// Sum of receive and transmit bytes of every interface but `lo`, from
/// /proc/net/dev.
pub fn net_bytes(text: &str) -> (u64, u64) {
    let (mut rx, mut tx) = (0, 0);
    // Two header lines, then "  eth0: RX-bytes packets … TX-bytes …".
    for line in text.lines().skip(2) {
        let Some((name, counters)) = line.split_once(':') else {
            continue;
        };
        if name.trim() == "lo" {
            continue;
        }
        let f: Vec<u64> = counters
            .split_whitespace()
            .map(|n| n.parse().unwrap_or(0))
            .collect();
        rx += f.first().copied().unwrap_or(0);
        tx += f.get(8).copied().unwrap_or(0);
    }
    (rx, tx)
}

/// The host's RAM, docker's LIMIT for a container without one.
pub fn host_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))?
                .split_whitespace()
                .next()?
                .parse::<u64>()
                .ok()
        })
        .map(|kib| kib * 1024)
        .unwrap_or(0)
}

/// A number with `sig` significant digits and no trailing zeros, as Go's
/// `%.4g` (or `%.3g`) prints the ones below 10^sig.
fn g(x: f64, sig: i32) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let digits = x.abs().log10().floor() as i32 + 1;
    let decimals = (sig - digits).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn scaled(mut x: f64, base: f64, units: &[&str], sig: i32) -> String {
    let mut i = 0;
    while x >= base && i + 1 < units.len() {
        x /= base;
        i += 1;
    }
    format!("{}{}", g(x, sig), units[i])
}

/// Decimal units (docker's NET I/O and BLOCK I/O): `1.45kB`.
pub fn human_size(bytes: u64) -> String {
    scaled(
        bytes as f64,
        1000.0,
        &["B", "kB", "MB", "GB", "TB", "PB", "EB"],
        4,
    )
}

/// Decimal units with three significant digits, as docker's `images`,
/// `history` and `system df` print sizes (go-units' HumanSizeWithPrecision
/// with 3): `14.4MB`.
pub fn human_size3(bytes: u64) -> String {
    scaled(
        bytes as f64,
        1000.0,
        &["B", "kB", "MB", "GB", "TB", "PB", "EB"],
        3,
    )
}

/// Binary units (docker's MEM USAGE / LIMIT): `1.516MiB`.
pub fn bytes_size(bytes: u64) -> String {
    scaled(
        bytes as f64,
        1024.0,
        &["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"],
        4,
    )
}

/// Memory in use as docker counts it: without the inactive page cache.
pub fn memory_usage(s: &Stats) -> u64 {
    s.memory_current
        .unwrap_or(0)
        .saturating_sub(s.inactive_file)
}

/// CPU % between two readings: the cgroup's CPU time over the wall time.
pub fn cpu_percent(prev: &Sample, cur: &Sample) -> f64 {
    let wall = cur.at.duration_since(prev.at).as_micros() as f64;
    let used = cur
        .cgroup
        .cpu_usage_usec
        .saturating_sub(prev.cgroup.cpu_usage_usec) as f64;
    if wall > 0.0 { used * 100.0 / wall } else { 0.0 }
}

/// The header of [`row`], docker's.
pub const HEADER: [&str; 8] = [
    "CONTAINER ID",
    "NAME",
    "CPU %",
    "MEM USAGE / LIMIT",
    "MEM %",
    "NET I/O",
    "BLOCK I/O",
    "PIDS",
];

/// One row: a running container's two readings, or dashes and zeros for
/// one that is not running (`stats -a`), as docker prints them.
pub fn row(
    id: &str,
    name: &str,
    readings: Option<(&Sample, &Sample)>,
    host_mem: u64,
) -> Vec<String> {
    let Some((prev, cur)) = readings else {
        return vec![
            id.into(),
            name.into(),
            "0.00%".into(),
            "0B / 0B".into(),
            "0.00%".into(),
            "0B / 0B".into(),
            "0B / 0B".into(),
            "0".into(),
        ];
    };
    let s = &cur.cgroup;
    let usage = memory_usage(s);
    let limit = s.memory_limit.unwrap_or(host_mem);
    let mem_pct = if limit > 0 {
        usage as f64 * 100.0 / limit as f64
    } else {
        0.0
    };
    vec![
        id.into(),
        name.into(),
        format!("{:.2}%", cpu_percent(prev, cur)),
        format!("{} / {}", bytes_size(usage), bytes_size(limit)),
        format!("{mem_pct:.2}%"),
        format!("{} / {}", human_size(cur.net.0), human_size(cur.net.1)),
        format!("{} / {}", human_size(s.io_read), human_size(s.io_write)),
        s.pids_current.unwrap_or(0).to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn sizes_print_as_docker_prints_them() {
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(1450), "1.45kB");
        assert_eq!(human_size(648), "648B");
        assert_eq!(human_size(12_345_678), "12.35MB");
        assert_eq!(human_size3(14_438_000), "14.4MB");
        assert_eq!(human_size3(190_300_000), "190MB");
        assert_eq!(human_size3(1450), "1.45kB");
        assert_eq!(human_size3(6), "6B");
        assert_eq!(bytes_size(1_589_248), "1.516MiB");
        assert_eq!(bytes_size(32 << 20), "32MiB");
        assert_eq!(bytes_size(1023), "1023B");
    }

    #[test]
    fn interface_counters_leave_out_loopback() {
        let dev = "Inter-|   Receive                                                |  Transmit\n \
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    \
 lo:     500       5    0    0    0     0          0         0      500       5    0    0    0     0       0          0\n  \
 eth0:    1450      12    0    0    0     0          0         0      648       8    0    0    0     0       0          0\n  \
 eth1:      50       1    0    0    0     0          0         0       52       1    0    0    0     0       0          0\n";
        assert_eq!(net_bytes(dev), (1500, 700));
    }

    #[test]
    fn cpu_percent_is_cpu_time_over_wall_time() {
        let at = Instant::now();
        let s = |t: Instant, usec| Sample {
            at: t,
            cgroup: Stats {
                cpu_usage_usec: usec,
                ..Stats::default()
            },
            net: (0, 0),
        };
        let (a, b) = (s(at, 1_000_000), s(at + Duration::from_secs(2), 2_000_000));
        assert!((cpu_percent(&a, &b) - 50.0).abs() < 1e-9);
        let row = row("abc", "web", Some((&a, &b)), 1 << 30);
        assert_eq!(row[2], "50.00%");
        assert_eq!(row[3], "0B / 1GiB");
    }
}
