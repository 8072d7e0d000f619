//! What `dockling cleanup` (and a run's own undo) trusts in a journal.
//!
//! A journal is a file on disk: anything that can write to it could turn
//! `cleanup`, which runs as root, into a tool that deletes any directory,
//! kills any process or loads any firewall rule. So every entry is checked
//! against what *this* run (its id is the journal's directory name) could
//! have written, before anything is done:
//! - directories only below dockling's own state, in this run's place;
//! - cgroups only `<parent>/<id>` below /sys/fs/cgroup, with this run's id;
//! - a process only if it is still where the run put it: in the PID
//!   namespace it was cloned into, or chrooted into the run's rootfs;
//! - a network lease only in this root's lease directory, its veth named
//!   after the run, and its firewall rules of the exact shapes dockling
//!   makes, tagged `dockling`;
//! - an image pin only as this run's own file, `<data>/pins/run-<id>`.
//!
//! No path may pass through a symlink on the way.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::net::Ipv4Addr;
use std::path::{Component, Path, PathBuf};

use super::Resource;
use crate::cgroups::CGROUP_ROOT;
use crate::paths::Paths;

/// Where this dockling keeps its things.
#[derive(Debug, Clone)]
pub struct Scope {
    /// `<run>/runs`: one directory per run.
    pub runs: PathBuf,
    /// Directories that hold one subdirectory per run id (`<data>/overlay`).
    pub per_run: Vec<PathBuf>,
    /// The lease directory of this root's networks.
    pub networks: PathBuf,
    /// The image store's pins (`<data>/pins`).
    pub pins: PathBuf,
    pub cgroup_root: PathBuf,
    pub cgroup_parent: String,
}

impl Scope {
    pub fn new(paths: &Paths) -> Scope {
        Scope {
            runs: paths.runs(),
            per_run: vec![paths.data.join("overlay")],
            networks: crate::network::store::run_dir(paths),
            pins: paths.data.join("pins"),
            cgroup_root: PathBuf::from(CGROUP_ROOT),
            cgroup_parent: paths.cgroup_parent.clone(),
        }
    }

    /// Whether `r`, found in the journal of run `id` (in `run_dir`), is
    /// something that run could have made. The reason when it is not.
    pub fn check(&self, r: &Resource, id: &str, run_dir: &Path) -> Result<(), String> {
        if run_dir != self.runs.join(id) {
            return Err(msg!(m::NOT_A_RUN_DIR, dir = run_dir.display()));
        }
        match r {
            Resource::Dir { path } => {
                clean(path)?;
                let ok = self
                    .per_run
                    .iter()
                    .map(|base| base.join(id))
                    .any(|own| path.starts_with(&own));
                if !ok {
                    return Err(msg!(m::NOT_RUNS_OWN_DIR, path = path.display()));
                }
                no_symlinks(path, self.per_run.iter().chain([&self.runs]))
            }
            Resource::Pin { path } => {
                let own = self.pins.join(crate::image::pins::run_pin_name(id));
                if path != &own {
                    return Err(msg!(
                        m::NOT_RUNS_PIN,
                        path = path.display(),
                        own = own.display()
                    ));
                }
                clean(path)?;
                no_symlinks(path, [&self.pins])
            }
            Resource::Cgroup { path } => self.cgroup(path, Some(id)),
            Resource::CgroupParent { path } => self.cgroup(path, None),
            Resource::Process {
                pid,
                start_time,
                pidns,
                root,
            } => process(*pid, *start_time, *pidns, root.as_deref()),
            Resource::Lease {
                path,
                networks,
                bridge,
                subnet,
                ports,
                link,
                run,
            } => {
                if networks != &self.networks {
                    return Err(msg!(
                        m::LEASE_DIR_NOT_ROOTS,
                        dir = networks.display(),
                        own = self.networks.display()
                    ));
                }
                clean(path)?;
                if !path.starts_with(networks) {
                    return Err(msg!(
                        m::LEASE_OUTSIDE,
                        path = path.display(),
                        dir = networks.display()
                    ));
                }
                no_symlinks(path, [networks])?;
                let ip: Option<Ipv4Addr> = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.parse().ok());
                if !ip.is_some_and(|ip| subnet.contains(ip)) {
                    return Err(msg!(
                        m::LEASE_NO_ADDRESS,
                        path = path.display(),
                        subnet = subnet
                    ));
                }
                if !crate::network::store::is_bridge_name(bridge) {
                    return Err(msg!(m::NOT_A_BRIDGE_NAME, bridge = format!("{bridge:?}")));
                }
                if !(0..=crate::network::MAX_IFACE)
                    .any(|n| *link == crate::network::host_veth_n(id, n))
                {
                    return Err(msg!(m::NOT_RUNS_VETH, link = format!("{link:?}")));
                }
                if !run.is_empty() && run != id {
                    return Err(msg!(m::NOT_RUNS_LEASE, run = format!("{run:?}")));
                }
                match ports
                    .iter()
                    .find(|r| !crate::network::firewall::is_port_rule(r, bridge, subnet))
                {
                    Some(bad) => Err(msg!(m::NOT_DOCKLINGS_RULE, rule = bad.command("-D"))),
                    None => Ok(()),
                }
            }
        }
    }

    /// `<root>/[<hierarchy>/]<parent>[/<id>]`.
    fn cgroup(&self, path: &Path, id: Option<&str>) -> Result<(), String> {
        clean(path)?;
        let rel = path.strip_prefix(&self.cgroup_root).map_err(|_| {
            format!(
                "{} is not below {}",
                path.display(),
                self.cgroup_root.display()
            )
        })?;
        let parts: Vec<&str> = rel.iter().filter_map(|c| c.to_str()).collect();
        let (tail, depth) = match id {
            Some(id) => (vec![self.cgroup_parent.as_str(), id], 2),
            None => (vec![self.cgroup_parent.as_str()], 1),
        };
        let fits = (parts.len() == depth || parts.len() == depth + 1) && parts.ends_with(&tail);
        if !fits {
            return Err(msg!(
                m::NOT_RUNS_CGROUP,
                path = path.display(),
                id = id.unwrap_or("dockling"),
                tail = tail.join("/")
            ));
        }
        no_symlinks(path, [&self.cgroup_root])
    }
}

/// Absolute, with no `.`, `..` or empty parts.
fn clean(path: &Path) -> Result<(), String> {
    let mut parts = path.components();
    let absolute = parts.next() == Some(Component::RootDir);
    if !absolute || !parts.all(|c| matches!(c, Component::Normal(_))) {
        return Err(msg!(m::NOT_CLEAN_PATH, path = path.display()));
    }
    Ok(())
}

/// No part of `path` below the base it starts with is a symlink.
fn no_symlinks<'a>(
    path: &Path,
    bases: impl IntoIterator<Item = &'a PathBuf>,
) -> Result<(), String> {
    let base = bases
        .into_iter()
        .filter(|b| path.starts_with(b))
        .max_by_key(|b| b.as_os_str().len());
    let Some(base) = base else {
        return Ok(());
    };
    let mut p = base.clone();
    for c in path
        .strip_prefix(base)
        .expect("starts with it")
        .components()
    {
        p.push(c);
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(msg!(
                m::THROUGH_SYMLINK,
                path = path.display(),
                link = p.display()
            ));
        }
    }
    Ok(())
}

/// A process entry: harmless if the process is gone (or the pid reused,
/// which the undo notices), else it must still be where the run put it.
fn process(
    pid: i32,
    start_time: u64,
    pidns: Option<u64>,
    root: Option<&Path>,
) -> Result<(), String> {
    if super::process_start_time(pid) != Some(start_time) || zombie(pid) {
        // Gone, reused (the undo checks the start time again), or dead and
        // only waiting to be reaped: a kill would change nothing.
        return Ok(());
    }
    if let Some(ns) = pidns {
        let theirs = crate::namespaces::inode(&pid.to_string(), crate::namespaces::Namespace::Pid);
        let ours = crate::namespaces::inode("self", crate::namespaces::Namespace::Pid);
        return if theirs == Some(ns) && ours != Some(ns) {
            Ok(())
        } else {
            Err(msg!(m::NOT_IN_RUNS_PIDNS, pid = pid))
        };
    }
    if let Some(root) = root.filter(|r| *r != Path::new("/")) {
        let theirs = std::fs::read_link(format!("/proc/{pid}/root")).ok();
        return if theirs.as_deref() == Some(root) {
            Ok(())
        } else {
            Err(msg!(m::NOT_CHROOTED_INTO, pid = pid, root = root.display()))
        };
    }
    Err(msg!(m::NOTHING_TIES_TO_RUN, pid = pid))
}

/// Whether the process has exited and waits only for its parent's wait
/// (state `Z` in /proc/PID/stat); its root and namespaces are gone.
fn zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X']))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::firewall::Rule;

    fn scope(t: &Path) -> Scope {
        Scope {
            runs: t.join("run/runs"),
            per_run: vec![t.join("overlay")],
            networks: t.join("run/networks"),
            pins: t.join("pins"),
            cgroup_root: PathBuf::from("/sys/fs/cgroup"),
            cgroup_parent: "dockling".into(),
        }
    }

    #[test]
    fn forged_entries_are_refused() {
        let t = tempfile::tempdir().unwrap();
        let s = scope(t.path());
        let id = "0123456789ab";
        let run = s.runs.join(id);
        let dir = |p: &Path| Resource::Dir {
            path: p.to_path_buf(),
        };
        assert!(
            s.check(&dir(&t.path().join("overlay").join(id)), id, &run)
                .is_ok()
        );
        assert!(
            s.check(
                &dir(&t.path().join("overlay").join(id).join("work")),
                id,
                &run
            )
            .is_ok()
        );
        for bad in [
            PathBuf::from("/etc"),
            t.path().join("overlay/ffffffffffff"),
            t.path().join(format!("overlay/{id}/../../../etc")),
            t.path().join("run/runs/other"),
        ] {
            assert!(s.check(&dir(&bad), id, &run).is_err(), "{}", bad.display());
        }
        // A symlink planted in the state directory.
        std::fs::create_dir_all(t.path().join("overlay")).unwrap();
        std::os::unix::fs::symlink("/etc", t.path().join("overlay").join(id)).unwrap();
        let through = t.path().join("overlay").join(id).join("ssh");
        assert!(
            s.check(&dir(&through), id, &run)
                .unwrap_err()
                .contains("symlink")
        );
        let pin = |p: PathBuf| Resource::Pin { path: p };
        assert!(
            s.check(&pin(t.path().join(format!("pins/run-{id}"))), id, &run)
                .is_ok()
        );
        for bad in [
            PathBuf::from("/etc/passwd"),
            t.path().join("pins/run-ffffffffffff"),
            t.path().join(format!("pins/pull-{id}")),
            t.path().join(format!("pins/../pins/run-{id}")),
        ] {
            assert!(
                s.check(&pin(bad.clone()), id, &run).is_err(),
                "{}",
                bad.display()
            );
        }
        let cg = |p: &str| Resource::Cgroup {
            path: PathBuf::from(p),
        };
        assert!(
            s.check(&cg(&format!("/sys/fs/cgroup/dockling/{id}")), id, &run)
                .is_ok()
        );
        assert!(
            s.check(
                &cg(&format!("/sys/fs/cgroup/memory/dockling/{id}")),
                id,
                &run
            )
            .is_ok()
        );
        for bad in [
            "/sys/fs/cgroup/memory/system.slice".to_string(),
            format!("/sys/fs/cgroup/dockling/{id}/../../system.slice"),
            format!("/sys/fs/cgroup/other/{id}"),
            "/sys/fs/cgroup/dockling/ffffffffffff".to_string(),
            format!("/tmp/dockling/{id}"),
        ] {
            assert!(s.check(&cg(&bad), id, &run).is_err(), "{bad}");
        }
        let parent = Resource::CgroupParent {
            path: "/sys/fs/cgroup/system.slice".into(),
        };
        assert!(s.check(&parent, id, &run).is_err());
        // Not this root's run directory at all.
        assert!(
            s.check(
                &dir(&t.path().join("overlay").join(id)),
                id,
                Path::new("/tmp/x")
            )
            .is_err()
        );
    }

    #[test]
    fn a_process_entry_must_point_into_the_run() {
        let me = std::process::id() as i32;
        let start = super::super::process_start_time(me).unwrap();
        let ours = crate::namespaces::inode("self", crate::namespaces::Namespace::Pid);
        // Our own PID namespace is the host's: not a container's.
        assert!(process(me, start, ours, None).is_err());
        assert!(process(me, start, None, Some(Path::new("/"))).is_err());
        assert!(process(me, start, None, None).is_err());
        // Gone (or reused): nothing to refuse, the undo does nothing.
        assert!(process(me, start + 1, None, None).is_ok());
    }

    #[test]
    fn leases_carry_only_rules_of_dockling_s_shapes() {
        let t = tempfile::tempdir().unwrap();
        let s = scope(t.path());
        let id = "0123456789ab";
        let run = s.runs.join(id);
        let subnet: crate::network::ipnet::Subnet = "10.147.3.0/24".parse().unwrap();
        let map: crate::network::ports::PortMap = "8080:80".parse().unwrap();
        let good =
            crate::network::firewall::port_rules(&map, "dl-web", "10.147.3.2".parse().unwrap());
        let lease = |ports: Vec<Rule>, path: PathBuf| Resource::Lease {
            path,
            networks: s.networks.clone(),
            bridge: "dl-web".into(),
            subnet,
            ports,
            link: crate::network::host_veth(id),
            run: id.into(),
        };
        let at = s.networks.join("web/10.147.3.2");
        assert_eq!(s.check(&lease(good.clone(), at.clone()), id, &run), Ok(()));
        // `network connect`'s interfaces are this run's too; another run's are not.
        let with = |link: String, owner: &str| Resource::Lease {
            path: at.clone(),
            networks: s.networks.clone(),
            bridge: "dl-web".into(),
            subnet,
            ports: Vec::new(),
            link,
            run: owner.into(),
        };
        let second = crate::network::host_veth_n(id, 1);
        assert_eq!(second, "veth012345678-1");
        assert_eq!(s.check(&with(second.clone(), id), id, &run), Ok(()));
        assert!(s.check(&with(second, "fedcba987654"), id, &run).is_err());
        let foreign = crate::network::host_veth_n("fedcba987654", 1);
        assert!(s.check(&with(foreign, id), id, &run).is_err());
        let mut evil = good[0].clone();
        evil.spec = "-j ACCEPT\n-A INPUT -j ACCEPT".into();
        assert!(s.check(&lease(vec![evil], at.clone()), id, &run).is_err());
        let mut open = good[2].clone();
        open.spec = "-m comment --comment dockling -j ACCEPT".into();
        assert!(s.check(&lease(vec![open], at.clone()), id, &run).is_err());
        assert!(
            s.check(&lease(good.clone(), PathBuf::from("/etc/passwd")), id, &run)
                .is_err()
        );
        assert!(
            s.check(&lease(good, s.networks.join("web/10.9.9.9")), id, &run)
                .is_err()
        );
    }
}
