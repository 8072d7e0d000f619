//! The device allow-list: which device nodes the container may open.
//!
//! A device node is only a name for a (type, major, minor) number; whoever
//! may create one (CAP_MKNOD) can name any device of the host, its disks
//! and /dev/kvm included, and a root process then opens it. The mount
//! namespace does not help: the kernel looks the number up, not the path.
//! So the kernel itself is told, per cgroup, which numbers may be opened:
//! on v1 through `devices.deny` and `devices.allow`, on v2 by a small BPF
//! program attached to the cgroup ([`super::bpf`]), run at every open and
//! mknod of a device node.
//!
//! dockling applies docker's default list: mknod of any node is allowed
//! (harmless by itself), but only the devices in a container's /dev can be
//! opened. One difference: docker also allows `c 5:1` (the host's
//! /dev/console); dockling's /dev/console is the container's own pty, so
//! it leaves 5:1 out.
//!
//! Lesson 3. Man pages: mknod(2), makedev(3); the kernel's
//! admin-guide/cgroup-v1/devices.rst and bpf/prog_cgroup_device (v2).

use crate::msg;
use crate::narrate::messages::containers as m;
use std::path::{Path, PathBuf};

/// Block or character device, or both (`a`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    All,
    Char,
    Block,
}

/// What may be done with a node: read, write, mknod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Access {
    pub read: bool,
    pub write: bool,
    pub mknod: bool,
}

impl Access {
    pub const RWM: Access = Access {
        read: true,
        write: true,
        mknod: true,
    };
    pub const MKNOD: Access = Access {
        read: false,
        write: false,
        mknod: true,
    };

    pub fn parse(s: &str) -> Option<Access> {
        if s.is_empty() || !s.chars().all(|c| "rwm".contains(c)) {
            return None;
        }
        Some(Access {
            read: s.contains('r'),
            write: s.contains('w'),
            mknod: s.contains('m'),
        })
    }

    fn text(self) -> String {
        [(self.read, 'r'), (self.write, 'w'), (self.mknod, 'm')]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, c)| *c)
            .collect()
    }
}

/// One line of the allow-list: `c 1:3 rwm`. `None` is the `*` wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rule {
    pub kind: Kind,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    pub access: Access,
}

const fn char_dev(major: u32, minor: Option<u32>) -> Rule {
    Rule {
        kind: Kind::Char,
        major: Some(major),
        minor,
        access: Access::RWM,
    }
}

/// docker's default device rules, less `c 5:1` (see the module comment).
pub const DEFAULT: &[Rule] = &[
    Rule {
        kind: Kind::Char,
        major: None,
        minor: None,
        access: Access::MKNOD,
    },
    Rule {
        kind: Kind::Block,
        major: None,
        minor: None,
        access: Access::MKNOD,
    },
    char_dev(1, Some(3)), // null
    char_dev(1, Some(5)), // zero
    char_dev(1, Some(7)), // full
    char_dev(1, Some(8)), // random
    char_dev(1, Some(9)), // urandom
    char_dev(5, Some(0)), // tty
    char_dev(5, Some(2)), // ptmx
    char_dev(136, None),  // pts/*
];

impl Rule {
    /// The v1 `devices.allow` line: `c 1:3 rwm`, `b *:* m`.
    pub fn v1(&self) -> String {
        let kind = match self.kind {
            Kind::All => 'a',
            Kind::Char => 'c',
            Kind::Block => 'b',
        };
        let n = |v: Option<u32>| v.map_or("*".to_string(), |v| v.to_string());
        format!(
            "{kind} {}:{} {}",
            n(self.major),
            n(self.minor),
            self.access.text()
        )
    }
}

/// `--device HOST[:CONTAINER[:PERMS]]`: a host device given to the container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Device {
    pub host: PathBuf,
    /// Where it appears, under /dev.
    pub container: String,
    pub rule: Rule,
    /// The node's mode bits (from the host node).
    pub mode: u32,
}

impl Device {
    /// Parse the flag and look the host node up.
    pub fn parse(arg: &str) -> Result<Device, String> {
        let mut parts = arg.splitn(3, ':');
        let host = parts.next().unwrap_or_default();
        let (container, perms) = match (parts.next(), parts.next()) {
            (None, _) => (host, "rwm"),
            (Some(c), None) if Access::parse(c).is_some() && !c.starts_with('/') => (host, c),
            (Some(c), None) => (c, "rwm"),
            (Some(c), Some(p)) => (c, p),
        };
        let access = Access::parse(perms)
            .ok_or_else(|| msg!(m::DEVICE_BAD_PERMS, arg = arg, perms = format!("{perms:?}")))?;
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let meta = std::fs::metadata(host)
            .map_err(|e| msg!(m::DEVICE_CANNOT_STAT, arg = arg, host = host, error = e))?;
        let kind = if meta.file_type().is_char_device() {
            Kind::Char
        } else if meta.file_type().is_block_device() {
            Kind::Block
        } else {
            return Err(msg!(m::DEVICE_NOT_A_NODE, arg = arg, host = host));
        };
        if !container.starts_with("/dev/") || container.split('/').any(|c| c == "..") {
            return Err(msg!(
                m::DEVICE_NOT_UNDER_DEV,
                arg = arg,
                path = format!("{container:?}")
            ));
        }
        let rdev = meta.rdev();
        Ok(Device {
            host: Path::new(host).to_path_buf(),
            container: container.to_string(),
            rule: Rule {
                kind,
                major: Some(libc::major(rdev)),
                minor: Some(libc::minor(rdev)),
                access,
            },
            mode: meta.mode() & 0o7777,
        })
    }
}

/// The rules for a container: the defaults, then one per `--device`.
pub fn rules(devices: &[Device]) -> Vec<Rule> {
    DEFAULT
        .iter()
        .copied()
        .chain(devices.iter().map(|d| d.rule))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_print_as_v1_lines() {
        let lines: Vec<String> = DEFAULT.iter().map(Rule::v1).collect();
        assert_eq!(lines[0], "c *:* m");
        assert_eq!(lines[1], "b *:* m");
        assert!(lines.contains(&"c 1:3 rwm".to_string()));
        assert!(lines.contains(&"c 136:* rwm".to_string()));
        assert!(!lines.iter().any(|l| l.starts_with("c 5:1 ")));
    }

    #[test]
    fn device_flags_parse_like_dockers() {
        let d = Device::parse("/dev/null").unwrap();
        assert_eq!(d.container, "/dev/null");
        assert_eq!(d.rule.v1(), "c 1:3 rwm");
        let d = Device::parse("/dev/zero:/dev/myzero:r").unwrap();
        assert_eq!(
            (d.container.as_str(), d.rule.v1()),
            ("/dev/myzero", "c 1:5 r".into())
        );
        let d = Device::parse("/dev/full:rw").unwrap();
        assert_eq!(d.rule.v1(), "c 1:7 rw");
        assert!(
            Device::parse("/etc/passwd")
                .unwrap_err()
                .contains("not a device node")
        );
        assert!(
            Device::parse("/dev/null:/tmp/x")
                .unwrap_err()
                .contains("under /dev/")
        );
        assert!(
            Device::parse("/dev/null:/dev/x:rwx")
                .unwrap_err()
                .contains("rwm")
        );
        assert!(
            Device::parse("/dev/nope")
                .unwrap_err()
                .contains("cannot stat")
        );
    }
}
