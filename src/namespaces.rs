//! Namespaces: giving a process its own view of one kind of kernel object.
//!
//! Each namespace type wraps one global table: PID (process ids), mount
//! (the mount tree), UTS (hostname), IPC (System V IPC, POSIX queues) and
//! network (interfaces, addresses, routes, firewall; stage 5). clone(2) with `CLONE_NEW*` flags puts the
//! child into fresh ones. A VM gets all of this by running its own kernel;
//! a container gets it from the one kernel, per table.
//!
//! Lesson 2. Man pages: namespaces(7), pid_namespaces(7),
//! mount_namespaces(7), uts_namespaces(7), ipc_namespaces(7).

use std::path::Path;

/// A namespace type dockling can create.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Namespace {
    Pid,
    Mount,
    Uts,
    Ipc,
    Net,
}

/// What `dockling namespaces` creates unless `--ns` says otherwise.
pub const STAGE2_NAMESPACES: &[Namespace] = &[
    Namespace::Pid,
    Namespace::Mount,
    Namespace::Uts,
    Namespace::Ipc,
];

impl Namespace {
    pub fn clone_flag(self) -> libc::c_int {
        match self {
            Namespace::Pid => libc::CLONE_NEWPID,
            Namespace::Mount => libc::CLONE_NEWNS,
            Namespace::Uts => libc::CLONE_NEWUTS,
            Namespace::Ipc => libc::CLONE_NEWIPC,
            Namespace::Net => libc::CLONE_NEWNET,
        }
    }

    pub fn flag_name(self) -> &'static str {
        match self {
            Namespace::Pid => "CLONE_NEWPID",
            Namespace::Mount => "CLONE_NEWNS",
            Namespace::Uts => "CLONE_NEWUTS",
            Namespace::Ipc => "CLONE_NEWIPC",
            Namespace::Net => "CLONE_NEWNET",
        }
    }

    /// unshare(1)'s option for the same namespace.
    pub fn unshare_option(self) -> &'static str {
        match self {
            Namespace::Pid => "--pid",
            Namespace::Mount => "--mount",
            Namespace::Uts => "--uts",
            Namespace::Ipc => "--ipc",
            Namespace::Net => "--net",
        }
    }

    /// The link name under /proc/PID/ns.
    pub fn proc_name(self) -> &'static str {
        match self {
            Namespace::Pid => "pid",
            Namespace::Mount => "mnt",
            Namespace::Uts => "uts",
            Namespace::Ipc => "ipc",
            Namespace::Net => "net",
        }
    }
}

pub fn clone_flags(set: &[Namespace]) -> libc::c_int {
    set.iter().fold(0, |f, ns| f | ns.clone_flag())
}

/// `CLONE_NEWPID|CLONE_NEWNS|SIGCHLD`, as strace would print it.
pub fn flags_text(set: &[Namespace]) -> String {
    let mut names: Vec<&str> = set.iter().map(|n| n.flag_name()).collect();
    names.push("SIGCHLD");
    names.join("|")
}

/// The namespace a process is in, as the kernel names it: `pid:[4026531836]`.
pub fn id(pid: &str, ns: Namespace) -> Option<String> {
    let link = Path::new("/proc").join(pid).join("ns").join(ns.proc_name());
    std::fs::read_link(link)
        .ok()
        .map(|p| p.display().to_string())
}

/// The inode number that identifies the namespace (the N of `pid:[N]`).
pub fn inode(pid: &str, ns: Namespace) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    let link = Path::new("/proc").join(pid).join("ns").join(ns.proc_name());
    std::fs::metadata(link).ok().map(|m| m.ino())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_combine_and_print_like_strace() {
        let set = [Namespace::Pid, Namespace::Uts];
        assert_eq!(clone_flags(&set), libc::CLONE_NEWPID | libc::CLONE_NEWUTS);
        assert_eq!(flags_text(&set), "CLONE_NEWPID|CLONE_NEWUTS|SIGCHLD");
        assert_eq!(flags_text(&[]), "SIGCHLD");
    }

    #[test]
    fn our_own_namespace_ids_are_readable() {
        assert!(id("self", Namespace::Pid).unwrap().starts_with("pid:["));
    }
}
