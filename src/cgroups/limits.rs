//! Resource limits as docker spells them, parsed and checked before
//! anything is created: `--memory 64m`, `--memory-swap`, `--cpus 0.5`,
//! `--cpu-shares 512`, `--pids-limit 64`.
//!
//! Values are parsed exactly, in integers (never through floating point),
//! and every product and sum is checked, never wrapped or clamped: a value
//! the kernel would not keep as a limit is refused with the limit named.
//! That matters because the kernel does not refuse an absurd memory value:
//! it stores at most `LONG_MAX` bytes (8 EiB) in its page counters and
//! reads anything larger as `max`, no limit at all, so a typo like
//! `--memory 99999999999999999999t` would silently run unlimited.
//!
//! Kernel sources: mm/page_counter.c (`page_counter_memparse`),
//! kernel/cgroup/pids.c (`PIDS_MAX`), kernel/sched/core.c (the CFS quota).

use crate::msg;
use crate::narrate::messages::containers as m;

/// CFS period used for `--cpus`: 100 ms, as docker and runc use.
pub const CPU_PERIOD_US: u64 = 100_000;
/// The smallest CFS quota the kernel takes: 1 ms per period, which with
/// the 100 ms period is 0.01 CPU.
pub const MIN_CPU_QUOTA_US: u64 = 1000;
/// `--cpus` is kept as docker keeps it, in billionths of a CPU (NanoCPUs).
pub const NANO_CPUS: u64 = 1_000_000_000;
/// docker refuses memory limits under 6 MiB: a process needs some memory
/// just to start, and the kernel's own accounting has overhead.
pub const MIN_MEMORY: u64 = 6 << 20;
/// The largest `--memory` and `--memory-swap`: 1 EiB, far above any
/// machine's memory. The kernel's page counters hold up to `LONG_MAX`
/// bytes (8 EiB) and read anything at or above that as no limit; 1 EiB
/// keeps docker's default swap limit (twice `--memory`) well below it too.
pub const MAX_MEMORY: u64 = 1 << 60;
/// `LONG_MAX`: at and above this a memory limit is no limit (page_counter.c).
pub const KERNEL_MEMORY_CEILING: u64 = i64::MAX as u64;
const _: () = assert!(MAX_MEMORY * 2 < KERNEL_MEMORY_CEILING);
/// cpu.shares limits from the kernel (v1).
pub const SHARES_MIN: u64 = 2;
pub const SHARES_MAX: u64 = 262_144;
/// pids.max takes at most PID_MAX_LIMIT (4194304 on 64-bit machines), the
/// most pids a system can have; larger values are EINVAL.
pub const MAX_PIDS: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Bytes of memory.
    pub memory: Option<u64>,
    /// Memory plus swap in bytes (docker's meaning); `Some(None)` = unlimited swap.
    pub memory_swap: Option<Option<u64>>,
    /// CPUs in billionths (docker's NanoCPUs): 0.5 CPU is 500_000_000.
    pub nano_cpus: Option<u64>,
    /// Relative weight (v1 cpu.shares; converted to v2 cpu.weight).
    pub cpu_shares: Option<u64>,
    /// Maximum number of tasks.
    pub pids: Option<u64>,
}

/// A swap limit as a cgroup file takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swap {
    Bytes(u64),
    /// `-1` on v1, `max` on v2.
    Unlimited,
}

impl Limits {
    pub fn is_empty(&self) -> bool {
        *self == Limits::default()
    }

    /// Every rule that involves more than one flag, and every value
    /// derived from the flags, checked before anything is created. The
    /// cgroup writers compute the same values through the same methods.
    pub fn check(&self) -> Result<(), String> {
        if self.memory_swap.is_some() && self.memory.is_none() {
            return Err(msg!(m::SWAP_NEEDS_MEMORY));
        }
        self.cpu_quota()?;
        self.memory_and_swap()?;
        self.swap_only()?;
        Ok(())
    }

    /// (quota, period) in microseconds for `--cpus`: quota = CPUs × period,
    /// truncated to whole microseconds as runc does.
    pub fn cpu_quota(&self) -> Result<Option<(u64, u64)>, String> {
        self.nano_cpus
            .map(|nano| {
                quota_us(nano).map(|q| (q, CPU_PERIOD_US)).map_err(|why| {
                    msg!(
                        m::FLAG_VALUE_WHY,
                        flag = "--cpus",
                        value = nano as f64 / NANO_CPUS as f64,
                        why = why
                    )
                })
            })
            .transpose()
    }

    /// Memory plus swap, v1's `memory.memsw.limit_in_bytes`: `--memory-swap`,
    /// or docker's default, twice `--memory`.
    pub fn memory_and_swap(&self) -> Result<Option<Swap>, String> {
        match (self.memory_swap, self.memory) {
            (Some(None), _) => Ok(Some(Swap::Unlimited)),
            (Some(Some(total)), m) => {
                if let Some(m) = m
                    && total < m
                {
                    return Err(msg!(
                        m::SWAP_LESS_THAN_MEMORY,
                        swap = human(total),
                        memory = human(m)
                    ));
                }
                Ok(Some(Swap::Bytes(total)))
            }
            (None, Some(m)) => m
                .checked_mul(2)
                .filter(|t| *t < KERNEL_MEMORY_CEILING)
                .map(|t| Some(Swap::Bytes(t)))
                .ok_or_else(|| msg!(m::TWICE_MEMORY_OUT_OF_RANGE, memory = human(m))),
            (None, None) => Ok(None),
        }
    }

    /// Swap alone, v2's `memory.swap.max`: `--memory-swap` minus
    /// `--memory`, or docker's default, as much swap as memory.
    pub fn swap_only(&self) -> Result<Option<Swap>, String> {
        match (self.memory_and_swap()?, self.memory) {
            (Some(Swap::Bytes(total)), m) => total
                .checked_sub(m.unwrap_or(0))
                .map(|s| Some(Swap::Bytes(s)))
                .ok_or_else(|| msg!(m::SWAP_AT_LEAST_MEMORY)),
            (Some(Swap::Unlimited), _) => Ok(Some(Swap::Unlimited)),
            (None, _) => Ok(None),
        }
    }
}

/// The CFS quota for `nano` billionths of a CPU, or why there is none.
fn quota_us(nano: u64) -> Result<u64, String> {
    let quota = nano
        .checked_mul(CPU_PERIOD_US)
        .map(|q| q / NANO_CPUS)
        .ok_or_else(|| msg!(m::OUT_OF_RANGE))?;
    if quota < MIN_CPU_QUOTA_US {
        return Err(msg!(m::CPUS_MINIMUM));
    }
    Ok(quota)
}

/// Parse a size as docker does (`64m`, `1G`, `512kb`, `1.5g`, `100`):
/// a number, an optional space, an optional unit b, k, m, g, t or p
/// (binary: k is 1024), then optionally `i` and `b`. Exact, in integers;
/// at most `max` bytes.
pub fn size(flag: &str, s: &str, max: u64) -> Result<u64, String> {
    let bad = || msg!(m::NOT_A_SIZE, flag = flag, value = s);
    let too_big = || msg!(m::SIZE_TOO_BIG, flag = flag, value = s, max = human(max));
    let t = s.trim();
    let end = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(end);
    let unit = unit.strip_prefix(' ').unwrap_or(unit).to_ascii_lowercase();
    let mut rest = unit.as_str();
    let shift = match rest.chars().next() {
        Some('k') => 10,
        Some('m') => 20,
        Some('g') => 30,
        Some('t') => 40,
        Some('p') => 50,
        _ => 0,
    };
    if shift > 0 {
        rest = &rest[1..];
    }
    rest = rest.strip_prefix('i').unwrap_or(rest);
    rest = rest.strip_prefix('b').unwrap_or(rest);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if !rest.is_empty()
        || whole.is_empty()
        || (number.contains('.') && fraction.is_empty())
        || fraction.contains('.')
    {
        return Err(bad());
    }
    // Only digits are left, so a failed parse is an overflow.
    let whole: u128 = whole.parse().map_err(|_| too_big())?;
    let unit: u128 = 1 << shift;
    // Digits past the 20th are worth less than a byte even in pebibytes.
    let fraction = &fraction[..fraction.len().min(20)];
    let fraction_bytes = if fraction.is_empty() {
        0
    } else {
        let digits: u128 = fraction.parse().map_err(|_| bad())?;
        digits * unit / 10u128.pow(fraction.len() as u32)
    };
    let bytes = whole
        .checked_mul(unit)
        .and_then(|b| b.checked_add(fraction_bytes))
        .ok_or_else(too_big)?;
    if bytes > u128::from(max) {
        return Err(too_big());
    }
    Ok(bytes as u64)
}

/// `--memory`: at least 6 MiB, at most [`MAX_MEMORY`].
pub fn memory(s: &str) -> Result<u64, String> {
    let b = size("--memory", s, MAX_MEMORY)?;
    if b < MIN_MEMORY {
        return Err(msg!(m::MEMORY_MINIMUM, value = s));
    }
    Ok(b)
}

/// `--memory-swap`: -1 for unlimited, or a size (memory plus swap).
pub fn memory_swap(s: &str) -> Result<Option<u64>, String> {
    if s.trim() == "-1" {
        Ok(None)
    } else {
        size("--memory-swap", s, MAX_MEMORY).map(Some)
    }
}

/// `--cpus`: a positive decimal number (at most 9 decimal places, as
/// docker keeps it in billionths) no larger than this machine's CPU count.
/// Returns billionths of a CPU.
pub fn cpus(s: &str, available: usize) -> Result<u64, String> {
    let t = s.trim();
    let not_a_number = || msg!(m::CPUS_NOT_A_NUMBER, value = s);
    let too_many = || msg!(m::CPUS_TOO_MANY, value = s, available = available);
    if let Some(negative) = t.strip_prefix('-') {
        return if negative.parse::<f64>().is_ok() {
            Err(msg!(m::CPUS_NOT_POSITIVE, value = s))
        } else {
            Err(not_a_number())
        };
    }
    let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return Err(not_a_number());
    }
    if fraction.len() > 9 {
        return Err(msg!(m::CPUS_TOO_PRECISE, value = s));
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_many())?
    };
    let fraction: u64 = format!("{fraction:0<9}")
        .parse()
        .map_err(|_| not_a_number())?;
    let nano = whole
        .checked_mul(NANO_CPUS)
        .and_then(|n| n.checked_add(fraction))
        .ok_or_else(too_many)?;
    if nano == 0 {
        return Err(msg!(m::CPUS_NOT_POSITIVE, value = s));
    }
    let most = (available as u64)
        .checked_mul(NANO_CPUS)
        .ok_or_else(too_many)?;
    if nano > most {
        return Err(too_many());
    }
    quota_us(nano).map_err(|why| msg!(m::FLAG_VALUE_WHY, flag = "--cpus", value = s, why = why))?;
    Ok(nano)
}

fn not_whole(flag: &str, s: &str) -> String {
    msg!(m::NOT_WHOLE_NUMBER, flag = flag, value = s)
}

/// A whole number between `min` and `max` for `flag`; an overflowing
/// string of digits is out of range, not "not a number".
fn bounded(flag: &str, s: &str, min: u64, max: u64) -> Result<u64, String> {
    let t = s.trim();
    let out_of_range = || msg!(m::NOT_BETWEEN, flag = flag, value = s, min = min, max = max);
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_whole(flag, s));
    }
    if t.starts_with('-') {
        return Err(out_of_range());
    }
    let n: u64 = digits.parse().map_err(|_| out_of_range())?;
    if !(min..=max).contains(&n) {
        return Err(out_of_range());
    }
    Ok(n)
}

pub fn cpu_shares(s: &str) -> Result<u64, String> {
    bounded("--cpu-shares", s, SHARES_MIN, SHARES_MAX)
}

/// `--pids-limit`: 1 to [`MAX_PIDS`].
pub fn pids(s: &str) -> Result<u64, String> {
    bounded("--pids-limit", s, 1, MAX_PIDS).map_err(|e| {
        if e == not_whole("--pids-limit", s) {
            e
        } else {
            msg!(m::PIDS_OUT_OF_RANGE, error = e)
        }
    })
}

/// cgroup v1 cpu.shares to v2 cpu.weight: the kernel maps [2, 262144]
/// onto [1, 10000]; this is the linear formula runc and crun use. The
/// clamp keeps the product far inside u64 (262142 × 9999).
pub fn shares_to_weight(shares: u64) -> u64 {
    1 + ((shares.clamp(SHARES_MIN, SHARES_MAX) - 2) * 9999) / 262_142
}

/// `67108864` as `64 MiB`, for reports and messages.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
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

    fn parse(s: &str) -> Result<u64, String> {
        size("--memory", s, MAX_MEMORY)
    }

    #[test]
    fn sizes_parse_like_docker() {
        assert_eq!(parse("64m").unwrap(), 64 << 20);
        assert_eq!(parse("1G").unwrap(), 1 << 30);
        assert_eq!(parse("512kb").unwrap(), 512 << 10);
        assert_eq!(parse("512KiB").unwrap(), 512 << 10);
        assert_eq!(parse("64 m").unwrap(), 64 << 20);
        assert_eq!(parse("100").unwrap(), 100);
        assert_eq!(parse("100b").unwrap(), 100);
        assert_eq!(parse("1.5g").unwrap(), 3 << 29);
        assert_eq!(
            parse("0.1k").unwrap(),
            102,
            "exact, truncated to whole bytes"
        );
        assert_eq!(parse("2p").unwrap(), 2 << 50);
        for bad in [
            "12q", "", "m", "-5m", "1..5m", "1.m", ".5m", "64mbb", "6 4m",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains("not a size"), "{bad}: {e}");
        }
        assert!(memory("4m").unwrap_err().contains("minimum is 6m"));
        assert!(memory("0").unwrap_err().contains("minimum is 6m"));
        assert_eq!(memory_swap("-1").unwrap(), None);
    }

    #[test]
    fn sizes_beyond_the_maximum_are_refused_not_wrapped() {
        assert_eq!(memory("1024p").unwrap(), MAX_MEMORY);
        for big in [
            "1025p",
            "8388608t",
            "99999999999999999999t",
            "99999999999999999999999999999999999999999999",
            "18446744073709551616",
            "1048576.5t",
        ] {
            let e = memory(big).unwrap_err();
            assert!(e.contains("more than 1 EiB"), "{big}: {e}");
            assert!(e.starts_with(&format!("--memory {big}:")), "{e}");
        }
        let e = memory_swap("8388608t").unwrap_err();
        assert!(
            e.starts_with("--memory-swap 8388608t: more than 1 EiB"),
            "{e}"
        );
    }

    #[test]
    fn swap_arithmetic_is_checked() {
        let l = |memory, memory_swap| Limits {
            memory,
            memory_swap,
            ..Limits::default()
        };
        // docker's default: memory plus as much swap.
        let max = l(Some(MAX_MEMORY), None);
        assert_eq!(
            max.memory_and_swap().unwrap(),
            Some(Swap::Bytes(2 * MAX_MEMORY))
        );
        assert_eq!(max.swap_only().unwrap(), Some(Swap::Bytes(MAX_MEMORY)));
        // Unchecked, 8 EiB doubled wraps to 0.
        let e = l(Some(1 << 63), None).check().unwrap_err();
        assert!(e.contains("out of range"), "{e}");
        let e = l(Some(64 << 20), Some(Some(10 << 20))).check().unwrap_err();
        assert!(e.contains("at least --memory"), "{e}");
        assert!(e.contains("10 MiB is less than --memory 64 MiB"), "{e}");
        assert_eq!(
            l(Some(64 << 20), Some(Some(96 << 20))).swap_only(),
            Ok(Some(Swap::Bytes(32 << 20)))
        );
        assert_eq!(
            l(Some(64 << 20), Some(None)).swap_only(),
            Ok(Some(Swap::Unlimited))
        );
        let e = l(None, Some(Some(96 << 20))).check().unwrap_err();
        assert_eq!(e, "--memory-swap needs --memory");
        assert_eq!(l(None, None).memory_and_swap(), Ok(None));
    }

    #[test]
    fn cpus_are_exact_and_checked_against_the_machine() {
        assert_eq!(cpus("0.5", 2).unwrap(), 500_000_000);
        assert_eq!(cpus("2", 2).unwrap(), 2 * NANO_CPUS);
        assert_eq!(cpus(".25", 2).unwrap(), 250_000_000);
        assert!(
            cpus("0.000000001", 4096)
                .unwrap_err()
                .starts_with("--cpus 0.000000001: the minimum is 0.01 (a quota of 1 ms")
        );
        assert!(
            cpus("-1", 2)
                .unwrap_err()
                .contains("must be greater than 0")
        );
        assert!(cpus("0", 2).unwrap_err().contains("must be greater than 0"));
        assert!(cpus("3", 2).unwrap_err().contains("only 2 CPUs"));
        assert!(
            cpus("99999999999999999999999", 2)
                .unwrap_err()
                .contains("only 2 CPUs")
        );
        assert!(cpus("0.0000000001", 2).unwrap_err().contains("too precise"));
        assert!(cpus("0.009", 2).unwrap_err().contains("minimum is 0.01"));
        for bad in ["abc", "", ".", "1e3", "NaN", "inf", "0x1", "1.2.3"] {
            assert!(cpus(bad, 2).unwrap_err().contains("not a number"), "{bad}");
        }
        let l = |c: &str| Limits {
            nano_cpus: Some(cpus(c, 2).unwrap()),
            ..Limits::default()
        };
        assert_eq!(l("0.2").cpu_quota(), Ok(Some((20_000, 100_000))));
        assert_eq!(l("0.01").cpu_quota(), Ok(Some((1000, 100_000))));
        assert_eq!(l("1.333333333").cpu_quota(), Ok(Some((133_333, 100_000))));
        let huge = Limits {
            nano_cpus: Some(u64::MAX),
            ..Limits::default()
        };
        assert!(huge.check().unwrap_err().contains("out of range"));
    }

    #[test]
    fn pids_and_shares_have_bounds() {
        assert!(pids("0").unwrap_err().contains("between 1 and 4194304"));
        assert!(pids("-3").unwrap_err().contains("between 1 and 4194304"));
        assert_eq!(pids("16").unwrap(), 16);
        assert_eq!(pids("4194304").unwrap(), MAX_PIDS);
        let e = pids("4194305").unwrap_err();
        assert!(e.contains("PID_MAX_LIMIT"), "{e}");
        assert!(
            pids("99999999999999999999")
                .unwrap_err()
                .contains("between")
        );
        assert!(pids("x").unwrap_err().contains("not a whole number"));
        assert!(
            cpu_shares("1")
                .unwrap_err()
                .contains("between 2 and 262144")
        );
        assert!(
            cpu_shares("99999999999999999999")
                .unwrap_err()
                .contains("between 2 and 262144")
        );
        assert!(
            cpu_shares("1.5")
                .unwrap_err()
                .contains("not a whole number")
        );
        assert_eq!(shares_to_weight(1024), 39);
        assert_eq!(shares_to_weight(2), 1);
        assert_eq!(shares_to_weight(262_144), 10_000);
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(64 << 20), "64 MiB");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(MAX_MEMORY), "1 EiB");
    }
}
