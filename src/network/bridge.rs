//! A network's bridge on the host: its name, who it belongs to, and the
//! checks before it comes up.
//!
//! dockling's state belongs to a state root (`--root`, default
//! /var/lib/dockling), but interface names and addresses belong to the
//! whole host (its network namespace): two roots may each have a network
//! called `dockling0`, and must not share one bridge or hand out the same
//! addresses. So:
//!
//! - The default root's bridges are `dl-NAME`, as the lessons show. Any
//!   other root's are `dl-` and 12 hex digits of a hash of the root's path
//!   and the network's name (an interface name has at most 15 bytes). The
//!   name is chosen when the network is created and kept in its definition.
//! - The bridge's alias (IFLA_IFALIAS; `ip link` prints it) says which
//!   network of which root it belongs to. dockling adopts or removes only a
//!   bridge whose alias says it is its own.
//! - Before a bridge comes up, its subnet is checked against every route
//!   and every address on the host (other roots' bridges included), under
//!   a lock for the whole host, so that two roots can never bring up
//!   overlapping subnets. A network whose subnet dockling chose moves to a
//!   free one instead; one given with `--subnet` is refused.
//!
//! Man pages: ip-link(8) (`alias`), ip-address(8), unix(7) (the lock).

use std::io;
use std::path::{Path, PathBuf};

use rootfs_fetch::oci::digest::Digest;

use super::ipnet::{self, Route, Subnet};
use super::netlink::{self, Address, Socket};
use super::store::{self, BRIDGE_PREFIX, Network};
use crate::error::Error;
use crate::msg;
use crate::narrate::messages::{Msg, images as m};
use crate::paths::{self, Paths};

/// The host-wide lock taken around checking a subnet and making a bridge.
pub const HOST_LOCK: &str = "dockling/network";
/// Every alias dockling writes starts with this.
const ALIAS_PREFIX: &str = "dockling network ";

/// The state root a network belongs to: its definitions' directory,
/// resolved, so that `--root ./x` and `--root /abs/x` are one root.
pub fn owner(paths: &Paths) -> Result<PathBuf, Error> {
    std::fs::create_dir_all(&paths.data).map_err(Error::io("create", &paths.data))?;
    std::fs::canonicalize(&paths.data).map_err(Error::io("resolve", &paths.data))
}

/// The bridge's name for network `network` of the root `owner`.
pub fn name(owner: &Path, network: &str) -> String {
    if owner == Path::new(paths::DEFAULT_DATA) {
        return format!("{BRIDGE_PREFIX}{network}");
    }
    let digest = Digest::of(format!("{}\0{network}", owner.display()).as_bytes());
    format!("{BRIDGE_PREFIX}{}", &digest.hex()[..12])
}

/// What the bridge's alias says: `dockling network NAME in ROOT` (with a
/// digest of the root's path when the whole would be too long).
pub fn alias(owner: &Path, network: &str) -> String {
    let plain = format!("{ALIAS_PREFIX}{network} in {}", owner.display());
    if plain.len() <= netlink::MAX_ALIAS {
        return plain;
    }
    let digest = Digest::of(owner.as_os_str().as_encoded_bytes());
    format!("{ALIAS_PREFIX}{network} in the root whose path has {digest}")
}

/// `dev`, and whose it is when it is a dockling bridge.
fn describe(sock: &Socket, dev: &str) -> String {
    match sock.link(dev) {
        Ok(Some(netlink::Link { alias: Some(a), .. })) if a.starts_with(ALIAS_PREFIX) => {
            format!("{dev} ({a})")
        }
        _ => dev.to_string(),
    }
}

/// What on this host already uses an address of `subnet`, if anything:
/// a route (not the default one) or an address on any interface.
pub fn host_clash(
    subnet: &Subnet,
    routes: &[Route],
    addresses: &[Address],
    sock: &Socket,
) -> Option<String> {
    if let Some(r) = ipnet::clashing_route(subnet, routes) {
        return Some(msg!(
            m::OVERLAPS_HOST_ROUTE,
            subnet = r.subnet,
            device = describe(sock, &r.device)
        ));
    }
    addresses
        .iter()
        .find(|a| subnet.overlaps_address(a.ip, a.prefix))
        .map(|a| {
            msg!(
                m::OVERLAPS_HOST_ADDRESS,
                address = format!("{}/{}", a.ip, a.prefix),
                device = describe(sock, &a.device)
            )
        })
}

/// The host's routes and addresses, read together.
pub fn host_view(sock: &Socket) -> io::Result<(Vec<Route>, Vec<Address>)> {
    Ok((ipnet::host_routes(), sock.addresses()?))
}

/// What [`ensure`] found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Up {
    /// The network's bridge was up already.
    Shared,
    /// It was made now; `moved_from` is the network's old subnet when the
    /// host had taken it meanwhile and dockling chose another.
    Made { moved_from: Option<Subnet> },
}

fn net_err(what: Msg) -> impl FnOnce(io::Error) -> Error {
    move |e| Error::Hinted {
        message: msg!(m::NET_CANNOT, what = msg!(what), error = e),
        hint: msg!(m::NET_CANNOT_HINT),
    }
}

/// The error for a link called like our bridge that is not ours.
fn not_ours(net: &Network, found: Option<&str>, ours: &str) -> Error {
    let whose = match found {
        Some(a) if !a.is_empty() => msg!(
            m::BRIDGE_ALIAS_OTHER,
            found = format!("{a:?}"),
            ours = format!("{ours:?}")
        ),
        _ => msg!(m::BRIDGE_NO_ALIAS),
    };
    Error::Hinted {
        message: msg!(
            m::BRIDGE_NOT_OURS,
            name = net.name,
            bridge = net.bridge,
            whose = whose
        ),
        hint: msg!(m::BRIDGE_NOT_OURS_HINT, bridge = net.bridge),
    }
}

/// Make sure network `net`'s bridge is up, under the host-wide lock:
/// adopt it if it is up and ours, else check the subnet against the host
/// and make it. Call with the network lock of `paths` held (a moved
/// subnet is saved in the definition, and `net` updated).
pub fn ensure(sock: &Socket, paths: &Paths, net: &mut Network, mtu: u32) -> Result<Up, Error> {
    let owner = owner(paths)?;
    let alias = alias(&owner, &net.name);
    let _host = crate::lock::lock_host(HOST_LOCK)?;
    if let Some(link) = sock
        .link(&net.bridge)
        .map_err(net_err(m::NET_LOOK_UP_BRIDGE))?
    {
        if link.alias.as_deref() != Some(alias.as_str()) {
            return Err(not_ours(net, link.alias.as_deref(), &alias));
        }
        // Ours. A dockling killed while making it may have left it without
        // its address or down: finish the job (both are no-ops otherwise).
        match sock.add_address(&net.bridge, net.gateway(), net.subnet.prefix()) {
            Err(e) if e.raw_os_error() != Some(libc::EEXIST) => {
                return Err(net_err(m::NET_BRIDGE_ADDRESS)(e));
            }
            _ => {}
        }
        sock.set_up(&net.bridge, None)
            .map_err(net_err(m::NET_BRIDGE_UP))?;
        return Ok(Up::Shared);
    }
    let (routes, addresses) = host_view(sock).map_err(net_err(m::NET_READ_HOST_ADDRESSES))?;
    let mut moved_from = None;
    if let Some(why) = host_clash(&net.subnet, &routes, &addresses, sock) {
        if !net.auto_subnet || !store::leases(paths, &net.name).is_empty() {
            return Err(Error::Hinted {
                message: msg!(
                    m::SUBNET_TAKEN_NOW,
                    name = net.name,
                    subnet = net.subnet,
                    why = why
                ),
                hint: msg!(m::SUBNET_TAKEN_NOW_HINT, name = net.name),
            });
        }
        let free = store::free_subnet(paths, &net.name, |s| {
            host_clash(s, &routes, &addresses, sock)
        })?;
        moved_from = Some(net.subnet);
        net.subnet = free;
        store::save(paths, net)?;
    }
    make(sock, net, &alias, mtu)?;
    Ok(Up::Made { moved_from })
}

/// `ip link add`, `ip link set alias`, `ip addr add`, `ip link set up`;
/// a bridge left half made by a failure is deleted again.
fn make(sock: &Socket, net: &Network, alias: &str, mtu: u32) -> Result<(), Error> {
    let b = &net.bridge;
    sock.add_bridge(b, mtu)
        .map_err(net_err(m::NET_CREATE_BRIDGE))?;
    let rest = sock
        .set_alias(b, alias)
        .map_err(net_err(m::NET_BRIDGE_ALIAS))
        .and_then(|()| {
            sock.add_address(b, net.gateway(), net.subnet.prefix())
                .map_err(net_err(m::NET_BRIDGE_ADDRESS))
        })
        .and_then(|()| sock.set_up(b, None).map_err(net_err(m::NET_BRIDGE_UP)));
    if let Err(e) = rest {
        return Err(match sock.delete_link(b) {
            Ok(_) => e,
            Err(d) => Error::Hinted {
                message: msg!(
                    m::HALF_MADE_BRIDGE,
                    error = e.chain(),
                    bridge = b,
                    cause = d
                ),
                hint: msg!(m::REMOVE_BY_HAND_HINT, bridge = b),
            },
        });
    }
    Ok(())
}

/// `dockling network rm`: delete the network's bridge if it is up and
/// ours; refuse if a link of that name belongs to someone else. Returns
/// whether there was a bridge.
pub fn remove(paths: &Paths, net: &Network) -> Result<bool, Error> {
    let sock = Socket::open().map_err(net_err(m::NET_OPEN_NETLINK))?;
    let Some(link) = sock
        .link(&net.bridge)
        .map_err(net_err(m::NET_LOOK_UP_BRIDGE))?
    else {
        return Ok(false);
    };
    let ours = alias(&owner(paths)?, &net.name);
    if link.alias.as_deref() != Some(ours.as_str()) {
        return Err(not_ours(net, link.alias.as_deref(), &ours));
    }
    sock.delete_link(&net.bridge).map_err(|e| Error::Hinted {
        message: msg!(m::BRIDGE_NOT_REMOVED, bridge = net.bridge, error = e),
        hint: msg!(m::REMOVE_BY_HAND_HINT, bridge = net.bridge),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_root_names_plainly_other_roots_by_hash() {
        let default = Path::new(paths::DEFAULT_DATA);
        assert_eq!(name(default, "dockling0"), "dl-dockling0");
        assert_eq!(name(default, "a-twelve-chr"), "dl-a-twelve-chr");
        let a = name(Path::new("/tmp/a"), "dockling0");
        let b = name(Path::new("/tmp/b"), "dockling0");
        let a2 = name(Path::new("/tmp/a"), "other");
        assert_ne!(a, b, "two roots, one network name: two bridges");
        assert_ne!(a, a2);
        assert_eq!(a, name(Path::new("/tmp/a"), "dockling0"), "stable");
        for n in [&a, &b, &a2] {
            assert_eq!(n.len(), 15, "{n}: IFNAMSIZ - 1");
            assert!(n.starts_with("dl-") && n[3..].bytes().all(|c| c.is_ascii_hexdigit()));
        }
    }

    #[test]
    fn the_alias_names_network_and_root() {
        assert_eq!(
            alias(Path::new("/var/lib/dockling"), "dockling0"),
            "dockling network dockling0 in /var/lib/dockling"
        );
        let long = PathBuf::from(format!("/{}", "x".repeat(300)));
        let a = alias(&long, "net");
        assert!(a.len() <= netlink::MAX_ALIAS, "{a}");
        assert!(a.starts_with("dockling network net in the root whose path has sha256:"));
        assert_ne!(
            a,
            alias(&PathBuf::from(format!("/{}", "y".repeat(300))), "net")
        );
    }

    #[test]
    fn clashes_with_routes_and_addresses_are_named() {
        let sock = Socket::open().unwrap();
        let s: Subnet = "10.147.9.0/24".parse().unwrap();
        let route = |net: &str, dev: &str| Route {
            device: dev.into(),
            subnet: Subnet::of_address(net.parse().unwrap(), 16),
            default: false,
        };
        let addr = |ip: &str, prefix| Address {
            ip: ip.parse().unwrap(),
            prefix,
            device: "no-such-dev0".into(),
        };
        assert_eq!(
            host_clash(&s, &[route("10.147.0.0", "no-such-dev0")], &[], &sock).unwrap(),
            "it overlaps the host's route 10.147.0.0/16 on no-such-dev0"
        );
        // An address without a route of its own (a /32, or noprefixroute).
        assert_eq!(
            host_clash(&s, &[], &[addr("10.147.9.77", 32)], &sock).unwrap(),
            "it overlaps the address 10.147.9.77/32 on no-such-dev0"
        );
        assert!(
            host_clash(
                &s,
                &[route("10.148.0.0", "x")],
                &[addr("10.147.10.1", 24)],
                &sock
            )
            .is_none()
        );
    }
}
