//! Networks and address leases: what `dockling network create|ls|inspect|rm`
//! manage.
//!
//! A network is a name, a subnet and a bridge name (bridge.rs says which),
//! saved as `<root>/networks/NAME.json` (it lasts, like an image). While containers
//! are attached, each holds a lease: a file `<run>/networks/NAME/ADDRESS`
//! that contains the run's id. Leases are taken and released under one
//! lock (`<run>/networks/lock`, flock(2)), so two containers started at the
//! same moment never get the same address, and the last one to leave a
//! network knows it is the last.

use std::fs::{self, File};
use std::io;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ipnet::Subnet;
use super::{bridge, netlink};
use crate::error::Error;
use crate::msg;
use crate::narrate::messages::images as m;
use crate::paths::Paths;

/// The network a container joins when `--network` is not given.
pub const DEFAULT_NETWORK: &str = "dockling0";
/// Subnets tried, in order, for the default network and for `network create`
/// without `--subnet`: 10.147.0.0/24, 10.147.1.0/24, … (private, RFC 1918,
/// and away from docker's 172.17/16 and podman's 10.88/16).
const AUTO_SUBNETS: std::ops::Range<u8> = 0..255;
/// Every bridge name starts with this, so one firewall rule can match them
/// all (every state root's).
pub const BRIDGE_PREFIX: &str = "dl-";
/// Interface names are at most 15 bytes (IFNAMSIZ - 1).
const MAX_NAME: usize = 15 - BRIDGE_PREFIX.len();

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    pub name: String,
    pub subnet: Subnet,
    pub bridge: String,
    /// dockling chose the subnet (no `--subnet`): if the host has taken it
    /// by the time the bridge comes up, it moves to a free one.
    #[serde(default)]
    pub auto_subnet: bool,
}

impl Network {
    pub fn gateway(&self) -> Ipv4Addr {
        self.subnet.gateway()
    }
}

pub fn validate_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(msg!(
            m::BAD_NETWORK_NAME,
            name = format!("{name:?}"),
            max = MAX_NAME,
            prefix = BRIDGE_PREFIX
        )))
    }
}

fn defs(paths: &Paths) -> PathBuf {
    paths.data.join("networks")
}

fn leases_dir(paths: &Paths) -> PathBuf {
    paths.run.join("networks")
}

fn def_path(paths: &Paths, name: &str) -> PathBuf {
    defs(paths).join(format!("{name}.json"))
}

/// Every saved network, sorted by name.
pub fn list(paths: &Paths) -> Result<Vec<Network>, Error> {
    let dir = defs(paths);
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read", dir)(e)),
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "json") {
            let text = fs::read_to_string(&p).map_err(Error::io("read", &p))?;
            let net: Network = serde_json::from_str(&text).map_err(|e| Error::Hinted {
                message: format!("{}: {e}", p.display()),
                hint: msg!(m::NETWORK_FILE_HINT),
            })?;
            out.push(net);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

pub fn load(paths: &Paths, name: &str) -> Result<Option<Network>, Error> {
    let p = def_path(paths, name);
    match fs::read_to_string(&p) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Error::Usage(format!("{}: {e}", p.display()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", p)(e)),
    }
}

/// The network to join: NAME, or the default one (made on first use).
pub fn resolve(paths: &Paths, name: Option<&str>) -> Result<Network, Error> {
    let name = name.unwrap_or(DEFAULT_NETWORK);
    validate_name(name)?;
    if let Some(net) = load(paths, name)? {
        return Ok(net);
    }
    if name == DEFAULT_NETWORK {
        let _lock = lock(paths)?;
        if let Some(net) = load(paths, name)? {
            return Ok(net);
        }
        return create_locked(paths, name, None);
    }
    Err(Error::Hinted {
        message: msg!(m::NO_NETWORK_NAMED, name = format!("{name:?}")),
        hint: msg!(m::NO_NETWORK_NAMED_HINT, name = name),
    })
}

/// `dockling network create NAME [--subnet CIDR]`.
pub fn create(paths: &Paths, name: &str, subnet: Option<Subnet>) -> Result<Network, Error> {
    validate_name(name)?;
    let _lock = lock(paths)?;
    create_locked(paths, name, subnet)
}

fn create_locked(paths: &Paths, name: &str, subnet: Option<Subnet>) -> Result<Network, Error> {
    if load(paths, name)?.is_some() {
        return Err(Error::Usage(msg!(
            m::NETWORK_EXISTS,
            name = format!("{name:?}")
        )));
    }
    let sock = netlink::Socket::open().map_err(Error::io("open", "a netlink socket"))?;
    let (routes, addresses) =
        bridge::host_view(&sock).map_err(Error::io("read", "the host's addresses"))?;
    let host = |s: &Subnet| bridge::host_clash(s, &routes, &addresses, &sock);
    let (subnet, auto_subnet) = match subnet {
        Some(s) => {
            if let Some(why) = clash_with_networks(paths, name, &s)?.or_else(|| host(&s)) {
                return Err(Error::Hinted {
                    message: msg!(m::SUBNET_TAKEN, subnet = s, why = why),
                    hint: msg!(m::SUBNET_TAKEN_HINT),
                });
            }
            (s, false)
        }
        None => (free_subnet(paths, name, host)?, true),
    };
    let net = Network {
        name: name.to_string(),
        subnet,
        bridge: bridge::name(&bridge::owner(paths)?, name),
        auto_subnet,
    };
    save(paths, &net)?;
    Ok(net)
}

/// Why `subnet` cannot be network `name`'s: another network of this root overlaps it.
fn clash_with_networks(
    paths: &Paths,
    name: &str,
    subnet: &Subnet,
) -> Result<Option<String>, Error> {
    Ok(list(paths)?
        .iter()
        .find(|n| n.name != name && n.subnet.overlaps(subnet))
        .map(|n| msg!(m::OVERLAPS_NETWORK, name = n.name, subnet = n.subnet)))
}

/// The first of 10.147.0.0/24, 10.147.1.0/24, … that no other network of
/// this root and nothing on the host (`host` says what) uses.
pub fn free_subnet(
    paths: &Paths,
    name: &str,
    host: impl Fn(&Subnet) -> Option<String>,
) -> Result<Subnet, Error> {
    let others: Vec<Network> = list(paths)?
        .into_iter()
        .filter(|n| n.name != name)
        .collect();
    AUTO_SUBNETS
        .map(|n| Subnet::new(Ipv4Addr::new(10, 147, n, 0), 24).expect("valid"))
        .find(|s| !others.iter().any(|n| n.subnet.overlaps(s)) && host(s).is_none())
        .ok_or_else(|| Error::Hinted {
            message: msg!(m::NO_FREE_SUBNET),
            hint: msg!(m::NO_FREE_SUBNET_HINT),
        })
}

/// Write network `net`'s definition (atomically: a new file renamed over
/// the old one). Call with the lock held.
pub fn save(paths: &Paths, net: &Network) -> Result<(), Error> {
    let dir = defs(paths);
    fs::create_dir_all(&dir).map_err(Error::io("create", &dir))?;
    let p = def_path(paths, &net.name);
    let tmp = p.with_extension("tmp");
    let text = serde_json::to_string_pretty(net).expect("serializes");
    fs::write(&tmp, text + "\n").map_err(Error::io("write", &tmp))?;
    fs::rename(&tmp, &p).map_err(Error::io("save", &p))
}

/// `dockling network rm NAME`: refused while a container uses it.
pub fn remove(paths: &Paths, name: &str) -> Result<Network, Error> {
    validate_name(name)?;
    let _lock = lock(paths)?;
    let Some(net) = load(paths, name)? else {
        return Err(Error::Usage(msg!(
            m::NO_NETWORK_NAMED,
            name = format!("{name:?}")
        )));
    };
    let users = leases(paths, name);
    if !users.is_empty() {
        // docker's words (and exit code 1, a refusal).
        return Err(Error::Refused {
            message: msg!(m::NETWORK_IN_USE, name = name),
            hint: msg!(
                m::NETWORK_IN_USE_HINT,
                n = users.len(),
                containers = users
                    .iter()
                    .map(|l| match l.names.first() {
                        Some(n) => format!("{n} ({})", l.ip),
                        None => msg!(m::LEASE_OF_RUN, run = l.run, ip = l.ip),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                name = name
            ),
        });
    }
    // The rules and the bridge live as long as the network. Only our own
    // bridge goes; the rules first, so a kill in between leaves a bridge
    // (which `network rm` takes again) rather than rules nobody knows of.
    super::nat::remove(paths, name).map_err(|e| Error::Hinted {
        message: msg!(m::NETWORK_RULES_NOT_REMOVED, name = name, error = e),
        hint: msg!(m::NETWORK_RULES_NOT_REMOVED_HINT),
    })?;
    bridge::remove(paths, &net)?;
    let p = def_path(paths, name);
    fs::remove_file(&p).map_err(Error::io("remove", &p))?;
    let _ = fs::remove_dir(leases_dir(paths).join(name));
    Ok(net)
}

/// The exclusive lock every change to networks and leases takes.
pub use crate::lock::{Lock, lock_dir};

pub fn lock(paths: &Paths) -> Result<Lock, Error> {
    lock_dir(&leases_dir(paths))
}

/// One address in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub ip: Ipv4Addr,
    pub run: String,
    /// The names other containers on the network know it by (its name
    /// and aliases), from the lease file's second line.
    pub names: Vec<String>,
    pub path: PathBuf,
}

/// The leases on one network, lowest address first.
pub fn leases(paths: &Paths, network: &str) -> Vec<Lease> {
    leases_in(&leases_dir(paths).join(network))
}

/// The leases on network `network` whose lease directory is in `networks`
/// (`<run>/networks`).
pub fn leases_at(networks: &Path, network: &str) -> Vec<Lease> {
    leases_in(&networks.join(network))
}

/// The names of the networks with a lease directory in `networks`.
pub fn leased_networks(networks: &Path) -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(networks)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| validate_name(n).is_ok())
        .collect();
    out.sort();
    out
}

fn leases_in(dir: &Path) -> Vec<Lease> {
    let mut out: Vec<Lease> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let ip: Ipv4Addr = e.file_name().to_str()?.parse().ok()?;
            let text = fs::read_to_string(e.path()).unwrap_or_default();
            let mut lines = text.lines();
            let run = lines.next().unwrap_or_default().trim().to_string();
            let names = lines
                .next()
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect();
            Some(Lease {
                ip,
                run,
                names,
                path: e.path(),
            })
        })
        .collect();
    out.sort_by_key(|l| l.ip);
    out
}

/// The lowest free address of `net` and the file its lease will be.
/// Call with the lock held; create the file with [`take`].
pub fn free_address(paths: &Paths, net: &Network) -> Result<(Ipv4Addr, PathBuf), Error> {
    let dir = leases_dir(paths).join(&net.name);
    let taken: Vec<Ipv4Addr> = leases_in(&dir).iter().map(|l| l.ip).collect();
    let ip = net
        .subnet
        .hosts()
        .find(|ip| !taken.contains(ip))
        .ok_or_else(|| Error::Hinted {
            message: msg!(m::NETWORK_FULL, name = net.name, subnet = net.subnet),
            hint: msg!(m::NETWORK_FULL_HINT),
        })?;
    Ok((ip, dir.join(ip.to_string())))
}

/// The lease file for address `ip` (`--ip`), if `net` can give it: in its
/// subnet, not the network's, the gateway's or the broadcast address, and
/// free. Call with the lock held; create the file with [`take`].
pub fn address(paths: &Paths, net: &Network, ip: Ipv4Addr) -> Result<PathBuf, Error> {
    if !net.subnet.hosts().any(|h| h == ip) {
        return Err(Error::Usage(msg!(
            m::IP_NOT_GIVEN_BY_NETWORK,
            ip = ip,
            name = net.name,
            subnet = net.subnet,
            gateway = net.gateway()
        )));
    }
    let path = leases_dir(paths).join(&net.name).join(ip.to_string());
    if path.exists() {
        return Err(Error::Refused {
            message: msg!(m::IP_IN_USE, ip = ip, name = net.name),
            hint: msg!(m::IP_IN_USE_HINT),
        });
    }
    Ok(path)
}

/// Create the lease file (it must not exist: that would be a collision):
/// the run's id, and on a second line the names it is known by.
pub fn take(path: &Path, run: &str, names: &[String]) -> Result<(), Error> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(Error::io("create", dir))?;
    }
    let mut f = File::options()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(Error::io("take the address lease", path))?;
    let text = format!("{run}\n{}\n", names.join(" "));
    io::Write::write_all(&mut f, text.as_bytes()).map_err(Error::io("write", path))
}

/// How many leases are left in the directory of the lease at `path`.
pub fn remaining(lease: &Path) -> usize {
    lease.parent().map(|d| leases_in(d).len()).unwrap_or(0)
}

/// The directory holding every network's leases.
/// Whether `name` is one dockling could have given a bridge: its prefix,
/// then at most 12 of the characters network names allow.
pub fn is_bridge_name(name: &str) -> bool {
    name.strip_prefix(BRIDGE_PREFIX).is_some_and(|rest| {
        !rest.is_empty()
            && rest.len() <= MAX_NAME
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    })
}

pub fn run_dir(paths: &Paths) -> PathBuf {
    leases_dir(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(t: &Path) -> Paths {
        Paths::new(Some(t))
    }

    #[test]
    fn create_list_allocate_and_remove() {
        let t = tempfile::tempdir().unwrap();
        let p = paths(t.path());
        let a = create(&p, "blue", Some("10.147.250.0/24".parse().unwrap())).unwrap();
        let root = std::fs::canonicalize(t.path()).unwrap();
        assert_eq!(a.bridge, bridge::name(&root, "blue"));
        assert_ne!(
            a.bridge, "dl-blue",
            "not the default root: a bridge of its own"
        );
        assert!(!a.auto_subnet);
        assert!(create(&p, "blue", None).is_err());
        let err = create(&p, "red", Some("10.147.250.128/25".parse().unwrap())).unwrap_err();
        assert!(err.to_string().contains("overlaps network blue"), "{err}");
        let b = create(&p, "red", None).unwrap();
        assert!(!b.subnet.overlaps(&a.subnet));
        assert!(b.auto_subnet);
        assert_eq!(load(&p, "red").unwrap(), Some(b.clone()), "saved as made");
        assert_eq!(list(&p).unwrap().len(), 2);
        assert!(validate_name("a-name-too-long").is_err());
        assert!(validate_name("-x").is_err());

        let _l = lock(&p).unwrap();
        let (ip1, f1) = free_address(&p, &a).unwrap();
        assert_eq!(ip1, Ipv4Addr::new(10, 147, 250, 2));
        take(&f1, "run1", &[]).unwrap();
        let (ip2, f2) = free_address(&p, &a).unwrap();
        assert_eq!(ip2, Ipv4Addr::new(10, 147, 250, 3));
        assert!(
            take(&f1, "run2", &[]).is_err(),
            "a taken address cannot be taken twice"
        );
        take(&f2, "run2", &["web".into()]).unwrap();
        assert_eq!(leases(&p, "blue")[1].names, ["web"]);
        assert_eq!(leases(&p, "blue")[1].run, "run2");
        assert_eq!(remaining(&f1), 2);
        drop(_l);
        let err = remove(&p, "blue").unwrap_err();
        assert!(err.to_string().contains("has active endpoints"), "{err}");
        fs::remove_file(&f1).unwrap();
        fs::remove_file(&f2).unwrap();
        remove(&p, "blue").unwrap();
        assert!(load(&p, "blue").unwrap().is_none());
        assert!(resolve(&p, Some("blue")).is_err());
        let default = resolve(&p, None).unwrap();
        assert_eq!(default.name, DEFAULT_NETWORK);
        assert!(default.auto_subnet);
    }

    #[test]
    fn older_and_bad_definitions() {
        let t = tempfile::tempdir().unwrap();
        let p = paths(t.path());
        fs::create_dir_all(defs(&p)).unwrap();
        // Made before bridges had owners: the subnet counts as given.
        fs::write(
            def_path(&p, "old"),
            r#"{"name": "old", "subnet": "10.147.251.0/24", "bridge": "dl-old"}"#,
        )
        .unwrap();
        let old = load(&p, "old").unwrap().unwrap();
        assert_eq!((old.bridge.as_str(), old.auto_subnet), ("dl-old", false));
        fs::write(
            def_path(&p, "lo"),
            r#"{"name": "lo", "subnet": "127.0.0.0/8", "bridge": "dl-lo"}"#,
        )
        .unwrap();
        let e = load(&p, "lo").unwrap_err().to_string();
        assert!(
            e.contains("lo.json") && e.contains("the loopback range"),
            "{e}"
        );
    }
}
