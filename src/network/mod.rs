//! Networking: a container's own network stack, wired to the host the way
//! docker's bridge network is.
//!
//! A network namespace gives the container its own interfaces, addresses,
//! routes and firewall, with nothing in them but a loopback device. To
//! reach anything, dockling adds a veth pair — two interfaces joined like a
//! cable — puts one end in the container (named eth0) and plugs the other
//! into a bridge on the host, a software switch shared by every container
//! on the same network. The bridge has the network's first address and is
//! the containers' default gateway; the host routes and NATs their traffic
//! onwards (firewall.rs) and forwards published ports to them (ports.rs).
//!
//! The pieces, one concept each: [`ipnet`] (subnets, the host's routes),
//! [`netlink`] (the kernel requests `ip` makes), [`store`] (networks and
//! address leases), [`bridge`] (a network's bridge: its name, its owner,
//! the host-wide checks before it comes up), [`firewall`] (iptables rules),
//! [`nat`] (a network's own rules, kept while it exists), [`ports`] (`-p` and its
//! proxy), [`dns`] (resolv.conf, hosts, hostname), [`peers`] (names of the
//! other containers on a network, in each one's /etc/hosts). The engine's
//! `engine/network.rs` puts them together for one run.
//!
//! Lesson 5. Man pages: network_namespaces(7), veth(4), ip-link(8), ip-address(8),
//! ip-route(8), iptables(8).

pub mod bridge;
pub mod dns;
pub mod firewall;
pub mod ipnet;
pub mod nat;
pub mod netlink;
pub mod peers;
pub mod ports;
pub mod store;

use std::io;
use std::net::Ipv4Addr;
use std::path::Path;

use ports::PortMap;
use store::Network;

/// Stage 5's choices for one run.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct NetworkSpec {
    pub network: Network,
    pub ports: Vec<PortMap>,
    pub dns: Vec<Ipv4Addr>,
    pub add_hosts: Vec<(String, Ipv4Addr)>,
    /// `--name`: another name for the container in its /etc/hosts, and
    /// the name other containers on a user-defined network know it by.
    pub name: Option<String>,
    /// `--network-alias`: more names it is known by on its network.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Networks joined with `dockling network connect`, each on an
    /// interface of its own (eth1 …), joined again at every start.
    #[serde(default)]
    pub connected: Vec<Connection>,
}

/// A further network a container is connected to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Connection {
    pub network: String,
    /// `--ip`: the address asked for (else the lowest free one).
    #[serde(default)]
    pub ip: Option<Ipv4Addr>,
    /// `--alias`: more names it is known by there.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// N of its interface ethN inside the container (1 to [`MAX_IFACE`]).
    pub iface: u8,
}

/// The most interfaces beyond eth0 a container may have (its veth's host
/// end is `veth` + 9 characters of the run id + `-N`, 15 in all).
pub const MAX_IFACE: u8 = 9;

impl NetworkSpec {
    /// The names other containers on its network know it by.
    pub fn names(&self) -> Vec<String> {
        self.name.iter().chain(&self.aliases).cloned().collect()
    }

    /// The names it is known by on a connected network.
    pub fn names_on(&self, c: &Connection) -> Vec<String> {
        self.name.iter().chain(&c.aliases).cloned().collect()
    }

    /// Whether it is on network `name`, first or connected.
    pub fn is_on(&self, name: &str) -> bool {
        self.network.name == name || self.connected.iter().any(|c| c.network == name)
    }

    /// The lowest free N for a new interface ethN.
    pub fn free_iface(&self) -> Option<u8> {
        (1..=MAX_IFACE).find(|n| !self.connected.iter().any(|c| c.iface == *n))
    }
}

/// The name of the container's end of the veth pair.
pub const CONTAINER_IF: &str = "eth0";
const IP_FORWARD: &str = "/proc/sys/net/ipv4/ip_forward";

/// The host-side veth name for run `id`: `veth` + 11 characters of the id
/// (15 in all, the most an interface name may have).
pub fn host_veth(id: &str) -> String {
    format!("veth{}", &id[..id.len().min(11)])
}

/// The host end of interface ethN (N >= 1, from `network connect`):
/// `veth` + 9 characters of the id + `-N` (a `-` no run id has).
pub fn host_veth_n(id: &str, n: u8) -> String {
    if n == 0 {
        return host_veth(id);
    }
    format!("veth{}-{n}", &id[..id.len().min(9)])
}

/// The container's interface N: eth0, eth1 …
pub fn container_if(n: u8) -> String {
    format!("eth{n}")
}

/// The MTU of the interface the host's default route uses (1500 if none):
/// a container's packets then fit wherever the host's go.
pub fn host_mtu() -> u32 {
    ipnet::host_routes()
        .iter()
        .find(|r| r.default)
        .and_then(|r| std::fs::read_to_string(format!("/sys/class/net/{}/mtu", r.device)).ok())
        .and_then(|m| m.trim().parse().ok())
        .unwrap_or(1500)
}

/// Turn IPv4 forwarding on if it is off; returns whether it was on.
///
/// It stays on afterwards, as docker leaves it: it is one host-wide
/// switch, and turning it off when dockling's last container ends would cut
/// off whatever else (another dockling root, libvirt, docker) started
/// forwarding meanwhile. Lesson 5 says so and shows how to turn it off.
pub fn enable_forwarding() -> io::Result<bool> {
    let on = std::fs::read_to_string(IP_FORWARD)?.trim() == "1";
    if !on {
        std::fs::write(IP_FORWARD, "1")?;
    }
    Ok(on)
}

/// Undo a container's attachment to a network: leave the host end of its
/// veth (`link`) to go with the container's namespace ([`delete_link`]),
/// give back its lease and remove its port mapping rules (an
/// iptables-restore, only with `-p`), and write the /etc/hosts of the others on
/// the network again without it. The network's own rules and its bridge
/// stay: they belong to the network and go with `dockling network rm`.
/// Runs under the network lock.
pub fn release(
    lease: &Path,
    run_networks: &Path,
    ports: &[firewall::Rule],
    link: &str,
    run: &str,
) -> io::Result<bool> {
    let _lock = store::lock_dir(run_networks).map_err(|e| io::Error::other(e.to_string()))?;
    // A lease given back already (`network disconnect`) may be another
    // container's by now: only this run's own goes.
    let owner = std::fs::read_to_string(lease).unwrap_or_default();
    let mine = run.is_empty() || owner.lines().next() == Some(run);
    let had = match mine.then(|| std::fs::remove_file(lease)) {
        Some(Ok(())) => true,
        None => false,
        Some(Err(e)) if e.kind() == io::ErrorKind::NotFound => false,
        Some(Err(e)) => return Err(e),
    };
    let (removed, unplugged) = firewall::delete_while(ports, || delete_link(link));
    // The others on the network stop knowing its name.
    if had
        && let (Some(run_dir), Some(network)) = (
            run_networks.parent(),
            lease.parent().and_then(|d| d.file_name()),
        )
    {
        peers::refresh(run_dir, &network.to_string_lossy())?;
    }
    Ok(had | removed? | unplugged?)
}

/// Undo a veth: `ip link del NAME` in the host's namespace, unless the
/// kernel is deleting it anyway. A veth pair lives exactly as long as the
/// network namespace that holds one end: once the container's last
/// process has ended, the kernel tears the namespace down in the
/// background, veth and all (within milliseconds when idle). Deleting it
/// ourselves would make every run wait for the kernel's RCU grace
/// periods, 10 to 30 ms on this kind of host, more than the rest of a
/// networked run; so a veth whose other end is in another namespace is
/// left to go with it. (If something else holds that namespace open —
/// an `ip netns attach`, a shell entered with `nsenter --net` — the veth
/// stays exactly as long as it does.) One with no peer elsewhere is
/// deleted now.
pub fn delete_link(name: &str) -> io::Result<bool> {
    let sock = netlink::Socket::open()?;
    match sock.link(name)? {
        None => Ok(false),
        Some(l) if l.peer_netnsid.is_some() => Ok(true),
        Some(_) => sock.delete_link(name),
    }
}
