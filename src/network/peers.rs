//! Containers on one user-defined network find each other by name: each
//! container's /etc/hosts lists the others, and is kept current.
//!
//! docker answers these names from an *embedded DNS server*: every
//! container's resolv.conf says `nameserver 127.0.0.11`, an address on the
//! container's own loopback that the daemon's resolver serves (iptables
//! rules inside the namespace redirect port 53 to it); it answers the names
//! of the containers on the networks the asker shares, and forwards
//! everything else to the host's servers. That needs a process to be
//! running for as long as the containers do, which dockling (no daemon)
//! does not have.
//!
//! dockling keeps the same promise with files. Each lease says which names
//! its container is known by on that network (its `--name` and its
//! aliases). Each container's /etc/hosts is a file of its run, `hosts`,
//! bind-mounted over the image's: its own lines (localhost, its own name,
//! `--add-host`), kept in `hosts.base` beside it, then one line per other
//! container on each user-defined network it is on. Whenever a network's
//! members change (a container starts, ends, connects or disconnects),
//! every member's file is written again under the network lock.
//!
//! It must be written *in place*: a bind mount pins the file's inode, so a
//! new file renamed over the old one would never be seen inside. The new
//! text is written from offset 0 and the file then cut to its length, so
//! that a program reading at that moment sees the old lines or the new
//! ones (and at worst an old line too many), never an empty file.
//!
//! As docker does, containers on the default network do not resolve each
//! other (docker's legacy `--link` is the way there), and names never
//! cross networks: a container sees only the members of the networks it
//! is on. A VM would ask a DNS server too: libvirt's dnsmasq answers the
//! names its DHCP server handed out.
//!
//! Man pages: hosts(5), nsswitch.conf(5), mount(8) (`--bind` of a file).

use std::fs;
use std::io::{self, Seek, Write};
use std::net::Ipv4Addr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::store::{self, DEFAULT_NETWORK};

/// The file a run's /etc/hosts is bind-mounted from.
pub const HOSTS: &str = "hosts";
/// The container's own lines, which every rewrite starts from.
pub const BASE: &str = "hosts.base";

/// Whether containers on `network` resolve each other by name.
pub fn resolves(network: &str) -> bool {
    network != DEFAULT_NETWORK
}

/// A run id as dockling makes them: a path component, nothing else.
fn is_run_id(run: &str) -> bool {
    !run.is_empty() && run.len() <= 64 && run.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The lines run `run` gets for the other containers on the user-defined
/// networks it is on (`networks` is `<run>/networks`).
pub fn peer_lines(networks: &Path, run: &str) -> String {
    let mut text = String::new();
    for net in store::leased_networks(networks) {
        if !resolves(&net) {
            continue;
        }
        let leases = store::leases_at(networks, &net);
        if !leases.iter().any(|l| l.run == run) {
            continue;
        }
        let others: Vec<(Ipv4Addr, &[String])> = leases
            .iter()
            .filter(|l| l.run != run && !l.names.is_empty())
            .map(|l| (l.ip, l.names.as_slice()))
            .collect();
        if others.is_empty() {
            continue;
        }
        text.push_str(&format!(
            "# containers on network {net} (kept current by dockling)\n"
        ));
        for (ip, names) in others {
            text.push_str(&format!("{ip}\t{}\n", names.join(" ")));
        }
    }
    text
}

/// Write `text` over the file `path` in place (same inode: it is
/// bind-mounted): from offset 0, then cut to its length.
pub fn write_in_place(path: &Path, text: &str) -> io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    if !f.metadata()?.is_file() {
        return Err(io::Error::other(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    f.seek(io::SeekFrom::Start(0))?;
    f.write_all(text.as_bytes())?;
    f.set_len(text.len() as u64)
}

/// The hosts file of run `run` (`runs` is `<run>/runs`).
fn run_file(runs: &Path, run: &str, name: &str) -> Option<PathBuf> {
    is_run_id(run).then(|| runs.join(run).join(name))
}

/// Write run `run`'s /etc/hosts again: its own lines and its peers'.
/// A run that has no hosts file (yet, or any more) is skipped.
fn rewrite(run_dir: &Path, run: &str) -> io::Result<bool> {
    let runs = run_dir.join("runs");
    let (Some(base), Some(hosts)) = (run_file(&runs, run, BASE), run_file(&runs, run, HOSTS))
    else {
        return Ok(false);
    };
    let own = match fs::read_to_string(&base) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let text = own + &peer_lines(&run_dir.join("networks"), run);
    match write_in_place(&hosts, &text) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Network `network`'s members changed: write every member's /etc/hosts
/// again (`run_dir` is `<run>`, the parent of `networks` and `runs`).
/// Returns how many files were written. Call with the network lock held.
pub fn refresh(run_dir: &Path, network: &str) -> io::Result<usize> {
    if !resolves(network) {
        return Ok(0);
    }
    let mut n = 0;
    for lease in store::leases_at(&run_dir.join("networks"), network) {
        if rewrite(run_dir, &lease.run)? {
            n += 1;
        }
    }
    Ok(n)
}

/// Write run `run`'s own hosts files for the first time: `own` (its own
/// lines) as `hosts.base`, and `hosts` with its peers' lines added.
/// Returns the hosts file's path. Call with the network lock held.
pub fn write_own(run_dir: &Path, run: &str, own: &str) -> io::Result<PathBuf> {
    let runs = run_dir.join("runs");
    let (Some(base), Some(hosts)) = (run_file(&runs, run, BASE), run_file(&runs, run, HOSTS))
    else {
        return Err(io::Error::other(format!("{run:?} is not a run id")));
    };
    fs::write(&base, own)?;
    fs::write(
        &hosts,
        own.to_string() + &peer_lines(&run_dir.join("networks"), run),
    )?;
    Ok(hosts)
}

/// Container run `run` was renamed from `old` to `new` (`dockling
/// rename`): its leases say so, and the members of its networks learn the
/// new name. Call with the network lock held.
pub fn rename(run_dir: &Path, run: &str, old: &str, new: &str) -> io::Result<()> {
    let networks = run_dir.join("networks");
    for net in store::leased_networks(&networks) {
        for l in store::leases_at(&networks, &net)
            .into_iter()
            .filter(|l| l.run == run)
        {
            let names: Vec<&str> = l
                .names
                .iter()
                .map(|n| if n == old { new } else { n.as_str() })
                .collect();
            write_in_place(&l.path, &format!("{run}\n{}\n", names.join(" ")))?;
            refresh(run_dir, &net)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_see_each_other_on_user_networks_only() {
        let t = tempfile::tempdir().unwrap();
        let run = t.path();
        let nets = run.join("networks");
        let lease = |net: &str, ip: &str, id: &str, names: &[&str]| {
            let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
            store::take(&nets.join(net).join(ip), id, &names).unwrap();
        };
        for id in ["aaa", "bbb", "ccc"] {
            fs::create_dir_all(run.join("runs").join(id)).unwrap();
        }
        lease("web", "10.1.0.2", "aaa", &["api", "backend"]);
        lease("web", "10.1.0.3", "bbb", &["client"]);
        lease("other", "10.2.0.2", "ccc", &["stranger"]);
        lease(DEFAULT_NETWORK, "10.0.0.2", "aaa", &["api"]);
        lease(DEFAULT_NETWORK, "10.0.0.3", "ccc", &["stranger"]);
        let hosts = write_own(run, "bbb", "127.0.0.1\tlocalhost\n").unwrap();
        let text = fs::read_to_string(&hosts).unwrap();
        assert_eq!(
            text,
            "127.0.0.1\tlocalhost\n# containers on network web (kept current by dockling)\n10.1.0.2\tapi backend\n"
        );
        write_own(run, "aaa", "own a\n").unwrap();
        write_own(run, "ccc", "own c\n").unwrap();
        let c = fs::read_to_string(run.join("runs/ccc/hosts")).unwrap();
        assert_eq!(
            c, "own c\n",
            "nothing from other networks, nothing from the default one"
        );
        // bbb leaves: aaa's file loses it, in place.
        let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&fs::metadata(p).unwrap());
        let a = run.join("runs/aaa/hosts");
        let before = inode(&a);
        assert!(
            fs::read_to_string(&a)
                .unwrap()
                .contains("10.1.0.3\tclient\n")
        );
        fs::remove_file(nets.join("web/10.1.0.3")).unwrap();
        assert_eq!(refresh(run, "web").unwrap(), 1);
        assert_eq!(fs::read_to_string(&a).unwrap(), "own a\n");
        assert_eq!(inode(&a), before, "the same file, as a bind mount needs");
        assert_eq!(refresh(run, DEFAULT_NETWORK).unwrap(), 0);
        assert!(!is_run_id("../x") && !is_run_id(""));
    }
}
