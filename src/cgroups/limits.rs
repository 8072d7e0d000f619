//! Resource limits as docker spells them, parsed and checked before
//! anything is created: `--memory 64m`, `--memory-swap`, `--cpus 0.5`,
//! `--cpu-shares 512`, `--pids-limit 64`.

/// CFS period used for `--cpus`: 100 ms, as docker and runc use.
pub const CPU_PERIOD_US: u64 = 100_000;
/// docker refuses memory limits under 6 MiB: a process needs some memory
/// just to start, and the kernel's own accounting has overhead.
pub const MIN_MEMORY: u64 = 6 << 20;
/// cpu.shares limits from the kernel (v1).
pub const SHARES_MIN: u64 = 2;
pub const SHARES_MAX: u64 = 262_144;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// Bytes of memory.
    pub memory: Option<u64>,
    /// Memory plus swap in bytes (docker's meaning); `Some(None)` = unlimited swap.
    pub memory_swap: Option<Option<u64>>,
    /// Fraction of CPUs, e.g. 0.5.
    pub cpus: Option<f64>,
    /// Relative weight (v1 cpu.shares; converted to v2 cpu.weight).
    pub cpu_shares: Option<u64>,
    /// Maximum number of tasks.
    pub pids: Option<u64>,
}

impl Limits {
    pub fn is_empty(&self) -> bool {
        *self == Limits::default()
    }

    /// (quota, period) in microseconds for `--cpus`.
    pub fn cpu_quota(&self) -> Option<(u64, u64)> {
        self.cpus.map(|c| {
            (
                ((c * CPU_PERIOD_US as f64).round() as u64).max(1000),
                CPU_PERIOD_US,
            )
        })
    }
}

/// `64m`, `1g`, `512k`, `1048576`, `2b`: binary units, as docker reads them.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim_end_matches('b').trim_end_matches('i');
    let mult: u64 = match unit {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => {
            return Err(format!(
                "invalid size {s:?}: use a number with b, k, m or g (e.g. 64m)"
            ));
        }
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("invalid size {s:?}: use a number with b, k, m or g (e.g. 64m)"))?;
    if !(n.is_finite() && n > 0.0) {
        return Err(format!("invalid size {s:?}: must be greater than 0"));
    }
    Ok((n * mult as f64) as u64)
}

pub fn memory(s: &str) -> Result<u64, String> {
    let b = parse_size(s)?;
    if b < MIN_MEMORY {
        return Err(format!("--memory {s}: the minimum is 6m"));
    }
    Ok(b)
}

/// `--memory-swap`: -1 for unlimited, or a size (memory plus swap).
pub fn memory_swap(s: &str) -> Result<Option<u64>, String> {
    if s.trim() == "-1" {
        Ok(None)
    } else {
        parse_size(s).map(Some)
    }
}

/// `--cpus`: a positive number no larger than this machine's CPU count.
pub fn cpus(s: &str, available: usize) -> Result<f64, String> {
    let c: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("--cpus {s}: not a number (e.g. 0.5)"))?;
    if !(c.is_finite() && c > 0.0) {
        return Err(format!("--cpus {s}: must be greater than 0"));
    }
    if c > available as f64 {
        return Err(format!(
            "--cpus {s}: this machine has only {available} CPUs"
        ));
    }
    if c < 0.01 {
        return Err(format!("--cpus {s}: the minimum is 0.01"));
    }
    Ok(c)
}

pub fn cpu_shares(s: &str) -> Result<u64, String> {
    let n: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("--cpu-shares {s}: not a whole number"))?;
    if !(SHARES_MIN..=SHARES_MAX).contains(&n) {
        return Err(format!(
            "--cpu-shares {s}: must be between {SHARES_MIN} and {SHARES_MAX}"
        ));
    }
    Ok(n)
}

pub fn pids(s: &str) -> Result<u64, String> {
    let n: i64 = s
        .trim()
        .parse()
        .map_err(|_| format!("--pids-limit {s}: not a whole number"))?;
    if n <= 0 {
        return Err(format!("--pids-limit {s}: must be at least 1"));
    }
    Ok(n as u64)
}

/// cgroup v1 cpu.shares to v2 cpu.weight: the kernel maps [2, 262144]
/// onto [1, 10000]; this is the linear formula runc and crun use.
pub fn shares_to_weight(shares: u64) -> u64 {
    1 + ((shares.clamp(SHARES_MIN, SHARES_MAX) - 2) * 9999) / 262_142
}

/// `67108864` as `64 MiB`, for reports.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if v.fract() == 0.0 {
        format!("{v} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_like_docker() {
        assert_eq!(parse_size("64m").unwrap(), 64 << 20);
        assert_eq!(parse_size("1G").unwrap(), 1 << 30);
        assert_eq!(parse_size("512kb").unwrap(), 512 << 10);
        assert_eq!(parse_size("100").unwrap(), 100);
        assert_eq!(parse_size("1.5g").unwrap(), 3 << 29);
        for bad in ["12q", "", "m", "-5m", "0"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert!(memory("4m").unwrap_err().contains("minimum is 6m"));
        assert_eq!(memory_swap("-1").unwrap(), None);
    }

    #[test]
    fn cpus_are_checked_against_the_machine() {
        assert_eq!(cpus("0.5", 2).unwrap(), 0.5);
        assert!(cpus("-1", 2).is_err());
        assert!(cpus("3", 2).unwrap_err().contains("only 2 CPUs"));
        assert!(cpus("abc", 2).is_err());
        let l = Limits {
            cpus: Some(0.2),
            ..Limits::default()
        };
        assert_eq!(l.cpu_quota(), Some((20_000, 100_000)));
    }

    #[test]
    fn pids_and_shares_have_bounds() {
        assert!(pids("0").is_err());
        assert!(pids("-3").is_err());
        assert_eq!(pids("16").unwrap(), 16);
        assert!(cpu_shares("1").is_err());
        assert_eq!(shares_to_weight(1024), 39);
        assert_eq!(shares_to_weight(2), 1);
        assert_eq!(shares_to_weight(262_144), 10_000);
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(64 << 20), "64 MiB");
        assert_eq!(human(1536), "1.5 KiB");
    }
}
