//! `top`: the processes a container is made of, read from the host.
//!
//! A container's processes are ordinary processes of the host kernel, so
//! the host sees every one of them in /proc — with two numbers each: its
//! pid in the host's PID namespace and its pid in the container's (the
//! last field of `NSpid:` in /proc/PID/status). Which processes belong to
//! the container is the cgroup's answer (its `cgroup.procs`), which also
//! counts processes that `exec` added; a container without a cgroup
//! (stages 1 and 2) is its PID namespace, or its PID 1 and descendants.
//!
//! Man pages: proc_pid_stat(5), proc_pid_status(5), ps(1), pid_namespaces(7).

use std::fs;
use std::path::Path;

/// One process, as `ps -ef` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    pub pid: i32,
    /// Its pid in the innermost PID namespace it is in.
    pub ns_pid: i32,
    pub ppid: i32,
    pub uid: u32,
    /// Clock ticks after boot when it started.
    pub start_ticks: u64,
    /// User plus system CPU time, in clock ticks.
    pub cpu_ticks: u64,
    pub tty_nr: u32,
    /// Its command line (or `[comm]` for one without, as ps prints).
    pub cmd: String,
}

/// Fields of /proc/PID/stat after the command name's closing parenthesis
/// (which may itself contain spaces and parentheses).
fn stat_fields(text: &str) -> Option<(String, Vec<&str>)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    Some((comm, text.get(close + 2..)?.split_whitespace().collect()))
}

/// Parse /proc/PID/stat, status and cmdline.
pub fn parse(pid: i32, stat: &str, status: &str, cmdline: &[u8]) -> Option<Proc> {
    let (comm, f) = stat_fields(stat)?;
    // proc_pid_stat(5) numbers fields from 1; f[0] is field 3 (state).
    let field = |n: usize| -> Option<u64> { f.get(n - 3)?.parse().ok() };
    let status_field = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(str::trim)
            .unwrap_or("")
    };
    let ns_pid = status_field("NSpid:")
        .split_whitespace()
        .last()
        .and_then(|p| p.parse().ok())
        .unwrap_or(pid);
    let uid = status_field("Uid:")
        .split_whitespace()
        .next()
        .and_then(|u| u.parse().ok())
        .unwrap_or(0);
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    Some(Proc {
        pid,
        ns_pid,
        ppid: field(4)? as i32,
        uid,
        start_ticks: field(22)?,
        cpu_ticks: field(14)? + field(15)?,
        tty_nr: field(7)? as u32,
        cmd: if args.is_empty() {
            format!("[{comm}]")
        } else {
            args.join(" ")
        },
    })
}

/// Read one process from /proc (None if it is gone).
pub fn read(pid: i32) -> Option<Proc> {
    let dir = Path::new("/proc").join(pid.to_string());
    parse(
        pid,
        &fs::read_to_string(dir.join("stat")).ok()?,
        &fs::read_to_string(dir.join("status")).ok()?,
        &fs::read(dir.join("cmdline")).ok()?,
    )
}

/// Every process whose PID namespace is `ns` (an inode from
/// /proc/PID/ns/pid), or, without one, `root` and its descendants.
pub fn scan(root: i32, ns: Option<u64>) -> Vec<i32> {
    let all: Vec<i32> = fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    if let Some(ns) = ns {
        return all
            .into_iter()
            .filter(|p| {
                crate::namespaces::inode(&p.to_string(), crate::namespaces::Namespace::Pid)
                    == Some(ns)
            })
            .collect();
    }
    let procs: Vec<Proc> = all.into_iter().filter_map(read).collect();
    let mut mine = vec![root];
    let mut i = 0;
    while i < mine.len() {
        let parent = mine[i];
        mine.extend(procs.iter().filter(|p| p.ppid == parent).map(|p| p.pid));
        i += 1;
    }
    mine
}

/// `pts/N` for a pseudo-terminal, `?` for none (ps's TTY column).
pub fn tty_name(tty_nr: u32) -> String {
    let major = (tty_nr >> 8) & 0xfff;
    let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    match major {
        0 => "?".into(),
        // Unix98 pseudo-terminal slaves: majors 136 to 143.
        136..=143 => format!("pts/{}", minor + (major - 136) * 256),
        4 if minor < 64 => format!("tty{minor}"),
        _ => "?".into(),
    }
}

/// `HH:MM:SS` of CPU time, as ps's TIME.
pub fn cpu_time(secs: u64) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// The host's user name for `uid`, else the number (ps resolves names on
/// the host, not in the container).
fn user_name(uid: u32, passwd: &str) -> String {
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.get(2)?.parse::<u32>().ok()? == uid).then(|| f[0].to_string())
        })
        .unwrap_or_else(|| uid.to_string())
}

/// Seconds since boot, and clock ticks per second.
fn uptime_and_hz() -> (f64, u64) {
    let up = fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    (up, hz)
}

/// `HH:MM` for a start today, `MonDD` before, in local time (ps's STIME).
fn start_time(started_ago: f64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let local = |t: i64| {
        // SAFETY: localtime_r writes only into the tm we pass.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        unsafe { libc::localtime_r(&t, &mut tm) };
        tm
    };
    let (start, today) = (local(now - started_ago as i64), local(now));
    if (start.tm_year, start.tm_yday) == (today.tm_year, today.tm_yday) {
        format!("{:02}:{:02}", start.tm_hour, start.tm_min)
    } else {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!(
            "{}{:02}",
            MONTHS[start.tm_mon.clamp(0, 11) as usize],
            start.tm_mday
        )
    }
}

/// The header of [`rows`]: ps -ef's columns, with the pid in the
/// container beside the host's.
pub const HEADER: [&str; 9] = [
    "UID",
    "PID",
    "CONTAINER PID",
    "PPID",
    "C",
    "STIME",
    "TTY",
    "TIME",
    "CMD",
];

/// One row per process, ps -ef's columns plus CONTAINER PID, by host pid.
pub fn rows(mut procs: Vec<Proc>) -> Vec<Vec<String>> {
    procs.sort_by_key(|p| p.pid);
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    let (up, hz) = uptime_and_hz();
    procs
        .iter()
        .map(|p| {
            let age = (up - p.start_ticks as f64 / hz as f64).max(0.0);
            let cpu = p.cpu_ticks as f64 / hz as f64;
            let c = if age > 0.0 {
                (cpu * 100.0 / age) as u64
            } else {
                0
            };
            vec![
                user_name(p.uid, &passwd),
                p.pid.to_string(),
                p.ns_pid.to_string(),
                p.ppid.to_string(),
                c.to_string(),
                start_time(age),
                tty_name(p.tty_nr),
                cpu_time(cpu as u64),
                p.cmd.clone(),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_status_and_cmdline_give_both_pids() {
        let stat = "4242 (sh (x)) S 4200 4242 4242 34816 4242 4194560 100 0 0 0 250 50 0 0 20 0 1 0 12345 2000 100";
        let status = "Name:\tsh\nUid:\t1000\t1000\t1000\t1000\nNSpid:\t4242\t7\n";
        let p = parse(4242, stat, status, b"sh\0-c\0sleep 9\0").unwrap();
        assert_eq!((p.pid, p.ns_pid, p.ppid, p.uid), (4242, 7, 4200, 1000));
        assert_eq!((p.cpu_ticks, p.start_ticks), (300, 12345));
        assert_eq!(p.cmd, "sh -c sleep 9");
        assert_eq!(tty_name(p.tty_nr), "pts/0");
        let kernel = parse(
            2,
            "2 (kthreadd) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0",
            "",
            b"",
        )
        .unwrap();
        assert_eq!(kernel.cmd, "[kthreadd]");
        assert_eq!(kernel.ns_pid, 2);
        assert_eq!(tty_name(kernel.tty_nr), "?");
    }

    #[test]
    fn times_read_like_ps() {
        assert_eq!(cpu_time(3 * 3600 + 4 * 60 + 5), "03:04:05");
        assert_eq!(user_name(0, "root:x:0:0::/root:/bin/sh\n"), "root");
        assert_eq!(user_name(77, "root:x:0:0::/root:/bin/sh\n"), "77");
    }

    #[test]
    fn our_own_process_is_read() {
        let me = read(std::process::id() as i32).unwrap();
        assert_eq!(me.pid, std::process::id() as i32);
    }
}
