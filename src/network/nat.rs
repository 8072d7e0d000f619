//! A network's own firewall rules (NAT out, forwarding in and between its
//! containers, isolation from other networks): made once, when the
//! network's bridge comes up, and kept for as long as the network exists.
//!
//! docker does the same with its bridge networks: their rules are written
//! when the network is made and stay while it exists, so that starting a
//! container costs no firewall work unless it publishes ports. (An
//! earlier dockling added them with a network's first container and
//! removed them with its last: two iptables-restore processes, about
//! 25 ms, on every start and end of a lone container.)
//!
//! Whether a network's rules are in place is kept in a small file,
//! `<run>/networks/.rules/NAME`: the bridge and subnet they were made for,
//! and whether they were all added. It is written *before* the rules are
//! added (with `complete: false`), so a dockling killed in between leaves
//! a record that the next start (or `network rm`, or `dockling cleanup`)
//! acts on; and it lives in `/run`, a tmpfs, as the rules live in the
//! kernel: a reboot empties both. Reading it is all a container's start
//! does, so no process is started unless `-p` asks for port rules.
//!
//! `network rm` deletes the rules with the network (before its bridge and
//! definition, so a kill in between leaves what `network rm` finishes);
//! `dockling cleanup` deletes those of networks whose definition is gone.
//! Every change is made under the network lock.
//!
//! Man pages: iptables(8), iptables-restore(8).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::firewall;
use super::ipnet::Subnet;
use super::store::{self, Network};
use crate::paths::Paths;

/// What the record of a network's rules says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    bridge: String,
    subnet: Subnet,
    /// false from just before the rules are added until they all were.
    complete: bool,
    /// The kernel's boot id when they were added: a state root outside
    /// /run survives a reboot, the rules do not.
    #[serde(default)]
    boot: String,
}

/// This boot's id (/proc/sys/kernel/random/boot_id).
fn boot_id() -> String {
    fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

fn dir(paths: &Paths) -> PathBuf {
    store::run_dir(paths).join(".rules")
}

/// The record of network `name`'s rules.
pub fn record_path(paths: &Paths, name: &str) -> PathBuf {
    dir(paths).join(name)
}

fn read(path: &Path) -> Option<Record> {
    serde_json::from_slice(&fs::read(path).ok()?).ok()
}

fn write(path: &Path, r: &Record) -> io::Result<()> {
    if let Some(d) = path.parent() {
        fs::create_dir_all(d)?;
    }
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, serde_json::to_vec(r).map_err(io::Error::other)?)?;
    fs::rename(tmp, path)
}

/// What [`ensure`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The network's rules were in place already (a file read).
    Kept,
    /// They were added now.
    Added,
}

/// Make sure network `net`'s rules are in place: a read of its record,
/// or (the first time, after its subnet moved, after a reboot, after a
/// dockling was killed while adding them, or when its bridge was made
/// just now: `fresh`) the rules deleted as recorded and added again, in
/// one iptables-restore. Call with the network lock held.
pub fn ensure(paths: &Paths, net: &Network, fresh: bool) -> io::Result<Outcome> {
    let path = record_path(paths, &net.name);
    let want = Record {
        bridge: net.bridge.clone(),
        subnet: net.subnet,
        complete: true,
        boot: boot_id(),
    };
    let old = read(&path);
    if !fresh && old.as_ref() == Some(&want) {
        return Ok(Outcome::Kept);
    }
    if let Some(old) = old
        && store::is_bridge_name(&old.bridge)
    {
        // Some or all of them may be there: each goes on its own if the batch fails.
        let _ = firewall::delete_while(&firewall::network_rules(&old.bridge, &old.subnet), || ());
    }
    write(
        &path,
        &Record {
            complete: false,
            ..want.clone()
        },
    )?;
    firewall::insert(&firewall::network_rules(&net.bridge, &net.subnet))?;
    write(&path, &want)?;
    Ok(Outcome::Added)
}

/// Delete network `name`'s rules, as its record says, and the record.
/// Returns whether there were any. Call with the network lock held.
pub fn remove(paths: &Paths, name: &str) -> io::Result<bool> {
    remove_at(&record_path(paths, name))
}

fn remove_at(path: &Path) -> io::Result<bool> {
    let Some(r) = read(path) else {
        return match fs::remove_file(path) {
            Ok(()) => Ok(false),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        };
    };
    // Only the fixed shapes of network_rules, for a name dockling gives bridges.
    if !store::is_bridge_name(&r.bridge) {
        return Err(io::Error::other(format!(
            "{}: {:?} is not a dockling bridge name; rules not removed",
            path.display(),
            r.bridge
        )));
    }
    let (deleted, ()) =
        firewall::delete_while(&firewall::network_rules(&r.bridge, &r.subnet), || ());
    let deleted = deleted?;
    fs::remove_file(path)?;
    Ok(deleted)
}

/// `dockling cleanup`: delete the rules, and the bridge, of networks that
/// no longer exist (a definition removed by hand, or by an older
/// dockling). Returns how many things went.
pub fn sweep(paths: &Paths) -> Result<usize, crate::error::Error> {
    let d = dir(paths);
    let Ok(entries) = fs::read_dir(&d) else {
        return Ok(0);
    };
    let _lock = store::lock(paths)?;
    let mut n = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".tmp") {
            let _ = fs::remove_file(e.path());
            continue;
        }
        if store::validate_name(&name).is_ok() && store::load(paths, &name)?.is_some() {
            continue;
        }
        // Its bridge too, if it is still up and this root's.
        if let Some(r) = read(&e.path()) {
            let net = Network {
                name: name.clone(),
                subnet: r.subnet,
                bridge: r.bridge,
                auto_subnet: false,
            };
            if super::bridge::remove(paths, &net)? {
                n += 1;
            }
        }
        if remove_at(&e.path()).map_err(crate::error::Error::io("remove the rules of", e.path()))? {
            n += 1;
        }
    }
    Ok(n)
}
