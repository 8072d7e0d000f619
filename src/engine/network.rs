//! The host's side of stage 5 for one run, in two halves.
//!
//! [`attach`], before clone: bring the network's bridge up if it is not
//! (it then stays until `dockling network rm`; bridge.rs checks that it is
//! this root's, or that its subnet is free on the host), lease an address
//! on the network, make sure the network's NAT and forwarding rules are
//! there (they come with the bridge and stay with it: usually a file read),
//! add the container's port rules; write its /etc files. [`plug`], after
//! clone, once the child's network namespace exists: create the veth pair
//! with one end inside it, plug the other into the bridge, configure lo,
//! eth0 and the default route from outside (through a netlink socket opened
//! in the child's namespace), then start the port proxy. Every resource is
//! journalled before it is made (the veth, named after the run, with the
//! lease). [`connect`] and [`disconnect`] add and take away one more
//! network (eth1 …) while the container runs: for `dockling network
//! connect|disconnect`, and at each start for the networks it was
//! connected to.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::net::Ipv4Addr;

use super::spec::{Bind, ContainerSpec};
use crate::error::Error;
use crate::journal::{Journal, Resource};
use crate::narrate::{Event, Narrator};
use crate::network::{self, NetworkSpec, bridge, dns, firewall, nat, netlink, peers, ports, store};
use crate::paths::Paths;

/// What `attach` set up, for `plug`.
pub struct Attached {
    pub ip: Ipv4Addr,
    pub mtu: u32,
    pub listeners: Vec<ports::Listener>,
}

fn net_err(what: crate::narrate::messages::Msg) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::Hinted {
        message: msg!(what, error = e),
        hint: msg!(m::NET_FAILED_HINT),
    }
}

pub fn attach(
    spec: &mut ContainerSpec,
    listeners: Vec<ports::Listener>,
    paths: &Paths,
    id: &str,
    journal: &mut Journal,
    narrator: &mut dyn Narrator,
) -> Result<Attached, Error> {
    let mtu = network::host_mtu();
    let lock = store::lock(paths)?;
    let sock = netlink::Socket::open().map_err(net_err(m::NET_OPEN_NETLINK))?;
    // The bridge first: making it may move the network to another subnet.
    let ns = {
        let ns = spec.network.as_mut().expect("attach is called for stage 5");
        // Read again under the lock: another run may have moved it since.
        ns.network = store::load(paths, &ns.network.name)?.ok_or_else(|| {
            Error::Usage(msg!(
                m::NETWORK_REMOVED_MEANWHILE,
                network = format!("{:?}", ns.network.name)
            ))
        })?;
        let others = store::leases(paths, &ns.network.name).len();
        let up = bridge::ensure(&sock, paths, &mut ns.network, mtu)?;
        narrate_bridge(paths, &ns.network, &up, others, mtu, narrator)?;
        (ns.clone(), up != bridge::Up::Shared)
    };
    let (ns, made) = ns;
    let net = &ns.network;
    let (ip, lease) = store::free_address(paths, net)?;
    let per_map: Vec<Vec<firewall::Rule>> = ns
        .ports
        .iter()
        .map(|m| firewall::port_rules(m, &net.bridge, ip))
        .collect();
    let port_rules: Vec<firewall::Rule> = per_map.concat();
    journal.record(Resource::Lease {
        path: lease.clone(),
        networks: store::run_dir(paths),
        bridge: net.bridge.clone(),
        subnet: net.subnet,
        ports: port_rules.clone(),
        link: network::host_veth(id),
        run: id.to_string(),
    })?;
    store::take(&lease, id, &ns.names())?;
    // The network's own rules came with its bridge and stay with it: a
    // file read, unless they are missing. Port rules are the container's.
    let nat = nat::ensure(paths, net, made).map_err(net_err(m::NET_ADD_NAT))?;
    firewall::insert(&port_rules).map_err(net_err(m::NET_ADD_PORT_RULES))?;
    narrate_nat(paths, net, nat, narrator)?;
    narrator.emit(&Event::NetLease {
        ip: ip.to_string(),
        network: net.name.clone(),
        subnet: net.subnet.to_string(),
        lease: lease.display().to_string(),
    });
    for (m, rules) in ns.ports.iter().zip(&per_map) {
        narrate_port(m, rules, ip, narrator);
    }
    // Its /etc/hosts, and the others' again (they learn its name), before
    // the lock goes: the next container in sees a consistent set.
    write_files(spec, &ns, ip, paths, id, narrator)?;
    narrate_peers(paths, net, id, narrator)?;
    drop(lock);
    Ok(Attached { ip, mtu, listeners })
}

/// What [`bridge::ensure`] found or did.
fn narrate_bridge(
    paths: &Paths,
    net: &store::Network,
    up: &bridge::Up,
    others: usize,
    mtu: u32,
    narrator: &mut dyn Narrator,
) -> Result<(), Error> {
    match up {
        bridge::Up::Shared => narrator.emit(&Event::NetBridgeShared {
            bridge: net.bridge.clone(),
            others,
        }),
        bridge::Up::Made { moved_from } => {
            if let Some(old) = moved_from {
                narrator.emit(&Event::NetSubnetMoved {
                    network: net.name.clone(),
                    old: old.to_string(),
                    subnet: net.subnet.to_string(),
                });
            }
            narrator.emit(&Event::NetBridge {
                bridge: net.bridge.clone(),
                network: net.name.clone(),
                alias: bridge::alias(&bridge::owner(paths)?, &net.name),
                gateway: net.gateway().to_string(),
                prefix: net.subnet.prefix(),
                mtu,
            });
        }
    }
    Ok(())
}

/// Turn on forwarding (a file read when it is on) and narrate the
/// network's rules: added now, or kept since its bridge came up.
fn narrate_nat(
    paths: &Paths,
    net: &store::Network,
    nat: nat::Outcome,
    narrator: &mut dyn Narrator,
) -> Result<(), Error> {
    let was_on = network::enable_forwarding().map_err(net_err(m::NET_FORWARDING))?;
    if !narrator.wants_events() {
        return Ok(());
    }
    if nat == nat::Outcome::Kept && was_on {
        narrator.emit(&Event::NetNatKept {
            subnet: net.subnet.to_string(),
            bridge: net.bridge.clone(),
            record: nat::record_path(paths, &net.name).display().to_string(),
        });
        return Ok(());
    }
    // Asking iptables costs a process start, so only when it is told.
    let policy = firewall::forward_policy();
    let commands: Vec<String> = firewall::network_rules(&net.bridge, &net.subnet)
        .iter()
        .map(|r| r.command("-I"))
        .collect();
    narrator.emit(&Event::NetNat {
        subnet: net.subnet.to_string(),
        bridge: net.bridge.clone(),
        forwarding_was_on: was_on,
        policy,
        rules: commands.join("\n"),
    });
    Ok(())
}

fn narrate_port(
    m: &ports::PortMap,
    rules: &[firewall::Rule],
    ip: Ipv4Addr,
    narrator: &mut dyn Narrator,
) {
    let mine: Vec<String> = rules.iter().map(|r| r.command("-I")).collect();
    narrator.emit(&Event::NetPort {
        map: m.to_string(),
        host_port: m.host_port,
        proto: m.proto_name().to_string(),
        listen: m.host_ip.map(|i| i.to_string()).unwrap_or("0.0.0.0".into()),
        target: format!("{ip}:{}", m.container_port),
        rules: if mine.is_empty() {
            msg!(m::NO_RULES_LOOPBACK)
        } else {
            mine.join("\n")
        },
    });
}

/// /etc/hosts, /etc/resolv.conf and /etc/hostname for the container,
/// written into the run directory and bind-mounted by the child.
fn write_files(
    spec: &mut ContainerSpec,
    ns: &NetworkSpec,
    ip: Ipv4Addr,
    paths: &Paths,
    id: &str,
    narrator: &mut dyn Narrator,
) -> Result<(), Error> {
    let dir = paths.runs().join(id);
    let hostname = spec.hostname.clone().unwrap_or_else(|| "dockling".into());
    let mut names = vec![hostname.as_str()];
    if let Some(n) = ns.name.as_deref().filter(|n| *n != hostname) {
        names.push(n);
    }
    let host_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let upstream = std::fs::read_to_string(dns::RESOLVED_UPSTREAM).ok();
    let (resolv, source) = dns::resolv_conf(&ns.dns, &host_resolv, upstream.as_deref());
    let own = dns::hosts(ip, &names, &ns.add_hosts);
    peers::write_own(&paths.run, id, &own).map_err(Error::io("write", dir.join(peers::HOSTS)))?;
    let files = [
        ("hosts", None),
        ("resolv.conf", Some(resolv)),
        ("hostname", Some(format!("{hostname}\n"))),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(text) = text {
            std::fs::write(&path, text).map_err(Error::io("write", &path))?;
        }
        spec.binds.push(Bind {
            source: path,
            target: format!("/etc/{name}"),
            readonly: false,
        });
    }
    let servers: Vec<String> = std::fs::read_to_string(dir.join("resolv.conf"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix("nameserver ").map(str::to_string))
        .collect();
    narrator.emit(&Event::NetFiles {
        dir: dir.display().to_string(),
        names: names.join(" "),
        ip: ip.to_string(),
        servers: servers.join(", "),
        source,
        extra: ns.add_hosts.len(),
    });
    Ok(())
}

/// On a user-defined network: tell the others the newcomer's name (their
/// /etc/hosts are written again) and narrate what its own file lists.
fn narrate_peers(
    paths: &Paths,
    net: &store::Network,
    id: &str,
    narrator: &mut dyn Narrator,
) -> Result<(), Error> {
    if !peers::resolves(&net.name) {
        return Ok(());
    }
    let written = peers::refresh(&paths.run, &net.name).map_err(Error::io(
        "write the /etc/hosts of the containers on",
        &net.name,
    ))?;
    let known: Vec<String> = store::leases(paths, &net.name)
        .into_iter()
        .filter(|l| l.run != id)
        .flat_map(|l| l.names)
        .collect();
    narrator.emit(&Event::NetPeers {
        network: net.name.clone(),
        hosts: paths
            .runs()
            .join(id)
            .join(peers::HOSTS)
            .display()
            .to_string(),
        others: written.saturating_sub(1),
        names: if known.is_empty() {
            msg!(m::NO_NAMES_YET)
        } else {
            known.join(" ")
        },
    });
    Ok(())
}

/// `ip link add HOST type veth peer name INSIDE netns PID`. A veth of
/// that name may still be there from this container's previous run (a
/// restart): it goes with that run's namespace, in the background, and
/// may not be gone yet. The name is this run's (run ids are unique among
/// live runs), so it is deleted now and made again.
fn add_veth(
    sock: &netlink::Socket,
    host: &str,
    inside: &str,
    pid: i32,
    mtu: u32,
) -> std::io::Result<()> {
    match sock.add_veth(host, inside, pid, mtu) {
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) && sock.delete_link(host)? => {
            sock.add_veth(host, inside, pid, mtu)
        }
        other => other,
    }
}

/// After clone: wire the child's network namespace to the bridge (and to
/// the bridges of the networks it was connected to).
pub fn plug(
    pid: i32,
    attached: Attached,
    ns: &NetworkSpec,
    paths: &Paths,
    id: &str,
    journal: &mut Journal,
    narrator: &mut dyn Narrator,
) -> Result<(), Error> {
    // The veth was journalled with the lease, by `attach`.
    let net = &ns.network;
    let host = network::host_veth(id);
    let inside = network::CONTAINER_IF;
    let sock = netlink::Socket::open().map_err(net_err(m::NET_OPEN_NETLINK))?;
    add_veth(&sock, &host, inside, pid, attached.mtu).map_err(net_err(m::NET_CREATE_VETH))?;
    narrator.emit(&Event::NetVeth {
        host: host.clone(),
        inside: inside.to_string(),
        pid,
        mtu: attached.mtu,
    });
    sock.set_up(&host, Some(&net.bridge))
        .map_err(net_err(m::NET_PLUG_VETH))?;
    narrator.emit(&Event::NetPlug {
        host,
        bridge: net.bridge.clone(),
    });
    let (ip, prefix, gateway) = (attached.ip, net.subnet.prefix(), net.gateway());
    netlink::in_netns(pid, || {
        let s = netlink::Socket::open()?;
        s.set_up("lo", None)?;
        s.add_address(inside, ip, prefix)?;
        s.set_up(inside, None)?;
        s.add_default_route(inside, gateway)
    })
    .map_err(net_err(m::NET_CONFIGURE_INTERFACES))?;
    narrator.emit(&Event::NetLoopback { pid });
    narrator.emit(&Event::NetAddress {
        pid,
        inside: inside.to_string(),
        ip: ip.to_string(),
        prefix,
        gateway: gateway.to_string(),
    });
    // The networks it was connected to (`network connect`), again.
    for c in &ns.connected {
        connect(
            paths,
            id,
            pid,
            c,
            &ns.names_on(c),
            &mut |r| journal.record(r),
            narrator,
        )?;
    }
    ports::proxy(attached.listeners, &ns.ports, ip);
    Ok(())
}

/// Connect the running container (its PID 1 is `pid`) of run `id` to one
/// more network, on interface eth`c.iface`: as [`attach`] and [`plug`] do
/// for eth0, but at once and without a default route (eth0 keeps it). The
/// network's bridge and rules come up if they are not; the lease is
/// journalled through `record` before it is taken (into the run's own
/// journal: the engine's for a start, an appended line for `dockling
/// network connect`). The other containers on the network learn its
/// names. Returns its address there.
#[allow(clippy::too_many_arguments)]
pub fn connect(
    paths: &Paths,
    id: &str,
    pid: i32,
    c: &network::Connection,
    names: &[String],
    record: &mut dyn FnMut(Resource) -> Result<(), Error>,
    narrator: &mut dyn Narrator,
) -> Result<Ipv4Addr, Error> {
    let mtu = network::host_mtu();
    let lock = store::lock(paths)?;
    let sock = netlink::Socket::open().map_err(net_err(m::NET_OPEN_NETLINK))?;
    let mut net = store::load(paths, &c.network)?.ok_or_else(|| Error::Hinted {
        message: msg!(m::NO_NETWORK_NAMED, network = format!("{:?}", c.network)),
        hint: msg!(m::NO_NETWORK_NAMED_HINT, network = c.network),
    })?;
    let others = store::leases(paths, &net.name).len();
    let up = bridge::ensure(&sock, paths, &mut net, mtu)?;
    narrate_bridge(paths, &net, &up, others, mtu, narrator)?;
    let nat =
        nat::ensure(paths, &net, up != bridge::Up::Shared).map_err(net_err(m::NET_ADD_NAT))?;
    narrate_nat(paths, &net, nat, narrator)?;
    let (ip, lease) = match c.ip {
        None => store::free_address(paths, &net)?,
        Some(ip) => (ip, store::address(paths, &net, ip)?),
    };
    record(Resource::Lease {
        path: lease.clone(),
        networks: store::run_dir(paths),
        bridge: net.bridge.clone(),
        subnet: net.subnet,
        ports: Vec::new(),
        link: network::host_veth_n(id, c.iface),
        run: id.to_string(),
    })?;
    store::take(&lease, id, names)?;
    let host = network::host_veth_n(id, c.iface);
    let inside = network::container_if(c.iface);
    add_veth(&sock, &host, &inside, pid, mtu).map_err(net_err(m::NET_CREATE_VETH))?;
    sock.set_up(&host, Some(&net.bridge))
        .map_err(net_err(m::NET_PLUG_VETH))?;
    let prefix = net.subnet.prefix();
    netlink::in_netns(pid, || {
        let s = netlink::Socket::open()?;
        s.add_address(&inside, ip, prefix)?;
        s.set_up(&inside, None)
    })
    .map_err(net_err(m::NET_CONFIGURE_INTERFACE))?;
    narrator.emit(&Event::NetConnect {
        network: net.name.clone(),
        bridge: net.bridge.clone(),
        host,
        inside,
        pid,
        ip: ip.to_string(),
        prefix,
        mtu,
    });
    narrate_peers(paths, &net, id, narrator)?;
    drop(lock);
    Ok(ip)
}

/// Take a running container of run `id` off network `network`: delete
/// its interface there (at once: its namespace lives on), give back the
/// lease, and the others on the network forget its names. Returns
/// whether it had a lease there.
pub fn disconnect(
    paths: &Paths,
    id: &str,
    network: &str,
    iface: u8,
    narrator: &mut dyn Narrator,
) -> Result<bool, Error> {
    let lock = store::lock(paths)?;
    let host = network::host_veth_n(id, iface);
    let sock = netlink::Socket::open().map_err(net_err(m::NET_OPEN_NETLINK))?;
    sock.delete_link(&host)
        .map_err(net_err(m::NET_DELETE_INTERFACE))?;
    let mut had = false;
    for l in store::leases(paths, network)
        .into_iter()
        .filter(|l| l.run == id)
    {
        std::fs::remove_file(&l.path).map_err(Error::io("give back the lease", &l.path))?;
        had = true;
        narrator.emit(&Event::NetDisconnect {
            network: network.to_string(),
            ip: l.ip.to_string(),
            host: host.clone(),
            inside: network::container_if(iface),
        });
    }
    peers::refresh(&paths.run, network).map_err(Error::io(
        "write the /etc/hosts of the containers on",
        network,
    ))?;
    drop(lock);
    Ok(had)
}
