//! Stage 5, `dockling network`: stage 4 in a network namespace of its own,
//! wired to a bridge with a veth pair, NATed to the outside, with published
//! ports and its own /etc/hosts and resolv.conf. Also the network commands
//! `dockling network create|ls|inspect|rm`. Lesson: lessons/05-network.md.

use std::net::Ipv4Addr;

use super::overlay::OverlayArgs;
use crate::container::state::{Config, State, Status};
use crate::container::store::Store;
use crate::engine::{ContainerSpec, Stage};
use crate::error::Error;
use crate::msg;
use crate::namespaces::Namespace;
use crate::narrate::Narrator;
use crate::narrate::Quiet;
use crate::narrate::messages::images as m;
use crate::network::ipnet::Subnet;
use crate::network::ports::PortMap;
use crate::network::{Connection, NetworkSpec, dns, firewall, store};
use crate::paths::Paths;

#[derive(Debug, Clone, clap::Args)]
pub struct NetworkArgs {
    /// The network to join [default: dockling0, made on first use]
    #[arg(long, value_name = "NAME")]
    pub network: Option<String>,
    /// Publish a container port on the host (repeat)
    #[arg(
        short = 'p',
        long = "publish",
        value_name = "[IP:]HOST:CONTAINER[/udp]"
    )]
    pub publish: Vec<PortMap>,
    /// A DNS server for the container's resolv.conf (repeat) [default: the host's]
    #[arg(long, value_name = "IP")]
    pub dns: Vec<Ipv4Addr>,
    /// Another name the container is known by on its (user-defined) network (repeat)
    #[arg(long = "network-alias", alias = "net-alias", value_name = "NAME")]
    pub network_aliases: Vec<String>,
    /// Add NAME to the container's /etc/hosts (repeat)
    #[arg(long = "add-host", value_name = "NAME:IP", value_parser = dns::parse_add_host)]
    pub add_hosts: Vec<(String, Ipv4Addr)>,
    #[command(flatten)]
    pub overlay: OverlayArgs,
}

/// `dockling network …`: run a container, or manage networks.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct NetworkCommand {
    #[command(subcommand)]
    pub manage: Option<Manage>,
    #[command(flatten)]
    pub run: NetworkArgs,
}

#[derive(Debug, clap::Subcommand)]
pub enum Manage {
    /// Define a network (its bridge comes up when a container joins)
    Create {
        name: String,
        /// The network's IPv4 subnet, /8 to /30 [default: the first free 10.147.N.0/24]
        #[arg(long, value_name = "CIDR")]
        subnet: Option<String>,
    },
    /// List networks
    Ls,
    /// Show a network and the containers on it, as JSON
    Inspect { name: String },
    /// Remove networks (each refused while a container uses it)
    Rm {
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Connect a container to one more network (a running one at once, on eth1 …)
    Connect {
        /// The address to take there [default: the lowest free one]
        #[arg(long, value_name = "IP")]
        ip: Option<Ipv4Addr>,
        /// Another name the container is known by on that network (repeat)
        #[arg(long = "alias", value_name = "NAME")]
        aliases: Vec<String>,
        #[arg(value_name = "NETWORK")]
        network: String,
        #[arg(value_name = "CONTAINER")]
        container: String,
    },
    /// Disconnect a container from a network it was connected to
    Disconnect {
        /// Also when its interface or lease there is gone already
        #[arg(short = 'f', long)]
        force: bool,
        #[arg(value_name = "NETWORK")]
        network: String,
        #[arg(value_name = "CONTAINER")]
        container: String,
    },
}

pub fn main(
    cmd: &NetworkCommand,
    paths: &Paths,
    narrator: &mut dyn Narrator,
) -> Result<i32, Error> {
    match &cmd.manage {
        None => run(&cmd.run, paths, narrator),
        Some(m) => manage(m, paths, narrator),
    }
}

pub fn run(args: &NetworkArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    super::launch(
        spec(args, paths, Stage::Network)?,
        &args.overlay.cgroups.ns.common,
        paths,
        narrator,
    )
}

/// The spec stage 5 runs, for this stage and stage 6.
pub fn spec(args: &NetworkArgs, paths: &Paths, stage: Stage) -> Result<ContainerSpec, Error> {
    let mut spec = super::overlay::spec(&args.overlay, paths, stage)?;
    if !firewall::available() {
        return Err(Error::Hinted {
            message: msg!(m::NO_IPTABLES),
            hint: msg!(m::NO_IPTABLES_HINT),
        });
    }
    let name = args.overlay.cgroups.ns.common.life.name.clone();
    if let Some(n) = &name
        && !crate::container::names::valid(n)
    {
        return Err(Error::Usage(msg!(
            m::BAD_CONTAINER_NAME,
            name = format!("{n:?}")
        )));
    }
    let network = store::resolve(paths, args.network.as_deref())?;
    let aliases = check_aliases(&args.network_aliases, &network.name)?;
    if !spec.has(Namespace::Net) {
        spec.namespaces.push(Namespace::Net);
    }
    spec.network = Some(NetworkSpec {
        network,
        ports: args.publish.clone(),
        dns: args.dns.clone(),
        add_hosts: args.add_hosts.clone(),
        name,
        aliases,
        connected: Vec::new(),
    });
    Ok(spec)
}

/// `--network-alias` / `network connect --alias`: host names, and only
/// on a network whose containers resolve names (docker's rule).
pub fn check_aliases(aliases: &[String], network: &str) -> Result<Vec<String>, Error> {
    if !aliases.is_empty() && !crate::network::peers::resolves(network) {
        return Err(Error::Usage(msg!(
            m::ALIASES_NEED_USER_NETWORK,
            network = network
        )));
    }
    for a in aliases {
        if dns::parse_add_host(&format!("{a}:127.0.0.1")).is_err() || a.starts_with(['-', '.']) {
            return Err(Error::Usage(msg!(m::BAD_ALIAS, alias = format!("{a:?}"))));
        }
    }
    Ok(aliases.to_vec())
}

/// A container's config, its state and the lock that keeps them, for
/// `network connect` and `disconnect`.
fn container_of(
    query: &str,
    paths: &Paths,
) -> Result<(Store, String, crate::lock::Lock, Config, State), Error> {
    let cstore = Store::new(paths);
    let id = cstore.find(query)?;
    let state = cstore.state(&id)?;
    let held = cstore.lock(&id)?;
    let config = cstore.config(&id)?;
    if config.spec.network.is_none() {
        return Err(Error::Refused {
            message: msg!(m::NO_NETWORK_OF_ITS_OWN, container = query),
            hint: msg!(m::NO_NETWORK_OF_ITS_OWN_HINT),
        });
    }
    Ok((cstore, id, held, config, state))
}

/// Whether the container's run is up with a process whose namespace can
/// be reached: its run id (the short id) and its PID 1.
fn running(config: &Config, state: &State) -> Option<(String, i32)> {
    (state.status == Status::Running && state.pid > 0)
        .then(|| (config.spec.id.clone().unwrap_or_default(), state.pid))
        .filter(|(run, _)| !run.is_empty())
}

/// `dockling network connect [--ip A] [--alias N] NET CONTAINER`.
fn connect(
    net: &str,
    query: &str,
    ip: Option<Ipv4Addr>,
    aliases: &[String],
    paths: &Paths,
    narrator: &mut dyn Narrator,
) -> Result<i32, Error> {
    store::validate_name(net)?;
    let (cstore, _id, held, mut config, state) = container_of(query, paths)?;
    if store::load(paths, net)?.is_none() {
        return Err(Error::Refused {
            message: msg!(m::NETWORK_NOT_FOUND, network = net),
            hint: msg!(m::NETWORK_NOT_FOUND_HINT),
        });
    }
    let aliases = check_aliases(aliases, net)?;
    let ns = config.spec.network.as_mut().expect("checked");
    if ns.is_on(net) {
        return Err(Error::Refused {
            message: msg!(m::ALREADY_CONNECTED, name = config.name, network = net),
            hint: String::new(),
        });
    }
    let iface = ns.free_iface().ok_or_else(|| Error::Refused {
        message: msg!(
            m::TOO_MANY_NETWORKS,
            container = query,
            n = crate::network::MAX_IFACE + 1
        ),
        hint: msg!(m::TOO_MANY_NETWORKS_HINT),
    })?;
    let c = Connection {
        network: net.to_string(),
        ip,
        aliases,
        iface,
    };
    if let Some((run, pid)) = running(&config, &state) {
        let ns = config.spec.network.as_ref().expect("checked");
        let journal = paths.runs().join(&run);
        let names = ns.names_on(&c);
        let done = crate::engine::network::connect(
            paths,
            &run,
            pid,
            &c,
            &names,
            &mut |r| crate::journal::append(&journal, &r),
            narrator,
        );
        if let Err(e) = done {
            // Take back what was made: the interface, the lease.
            let _ = crate::engine::network::disconnect(paths, &run, net, iface, &mut Quiet);
            return Err(e);
        }
    }
    config
        .spec
        .network
        .as_mut()
        .expect("checked")
        .connected
        .push(c);
    cstore.write_config(&config, &held)?;
    Ok(0)
}

/// `dockling network disconnect [-f] NET CONTAINER`.
fn disconnect(
    net: &str,
    query: &str,
    force: bool,
    paths: &Paths,
    narrator: &mut dyn Narrator,
) -> Result<i32, Error> {
    store::validate_name(net)?;
    let (cstore, _id, held, mut config, state) = container_of(query, paths)?;
    let ns = config.spec.network.as_mut().expect("checked");
    if ns.network.name == net {
        return Err(Error::Refused {
            message: msg!(m::FIRST_NETWORK, container = query, network = net),
            hint: msg!(m::FIRST_NETWORK_HINT),
        });
    }
    let Some(at) = ns.connected.iter().position(|c| c.network == net) else {
        return Err(Error::Refused {
            message: msg!(m::NOT_CONNECTED, container = query, network = net),
            hint: String::new(),
        });
    };
    let c = ns.connected.remove(at);
    if let Some((run, _)) = running(&config, &state) {
        let had = crate::engine::network::disconnect(paths, &run, net, c.iface, narrator);
        match had {
            Ok(true) => {}
            Ok(false) | Err(_) if force => {}
            Ok(false) => {
                return Err(Error::Refused {
                    message: msg!(m::NO_ADDRESS_ON_NETWORK, container = query, network = net),
                    hint: msg!(m::NO_ADDRESS_ON_NETWORK_HINT),
                });
            }
            Err(e) => return Err(e),
        }
    }
    cstore.write_config(&config, &held)?;
    Ok(0)
}

/// `--subnet CIDR`, or why it cannot be a network's subnet.
fn parse_subnet(s: &str) -> Result<Subnet, Error> {
    Subnet::parse_cidr(s).map_err(|e| Error::Hinted {
        message: format!("--subnet {s}: {e}"),
        hint: msg!(m::BAD_SUBNET_HINT),
    })
}

fn manage(cmd: &Manage, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    match cmd {
        Manage::Connect {
            ip,
            aliases,
            network,
            container,
        } => return connect(network, container, *ip, aliases, paths, narrator),
        Manage::Disconnect {
            force,
            network,
            container,
        } => return disconnect(network, container, *force, paths, narrator),
        Manage::Create { name, subnet } => {
            let subnet = subnet.as_deref().map(parse_subnet).transpose()?;
            let net = store::create(paths, name, subnet)?;
            println!(
                "{}",
                msg!(
                    m::NETWORK_CREATED,
                    name = net.name,
                    subnet = net.subnet,
                    gateway = net.gateway(),
                    bridge = net.bridge
                )
            );
        }
        Manage::Ls => {
            // The bridge last: its name is as long as an interface name
            // may be (15) outside the default root.
            println!(
                "{:<14} {:<18} {:<15} {:<10} BRIDGE",
                "NAME", "SUBNET", "GATEWAY", "CONTAINERS"
            );
            for n in store::list(paths)? {
                println!(
                    "{:<14} {:<18} {:<15} {:<10} {}",
                    n.name,
                    n.subnet.to_string(),
                    n.gateway().to_string(),
                    store::leases(paths, &n.name).len(),
                    n.bridge,
                );
            }
        }
        Manage::Inspect { name } => {
            store::validate_name(name)?;
            let net = store::load(paths, name)?.ok_or_else(|| {
                Error::Usage(msg!(m::NO_NETWORK_NAMED, name = format!("{name:?}")))
            })?;
            let containers: Vec<serde_json::Value> = store::leases(paths, name)
                .iter()
                .map(|l| serde_json::json!({ "run": l.run, "ip": l.ip.to_string(), "names": l.names }))
                .collect();
            let v = serde_json::json!({
                "name": net.name,
                "subnet": net.subnet.to_string(),
                "gateway": net.gateway().to_string(),
                "bridge": net.bridge,
                "containers": containers,
            });
            println!("{}", serde_json::to_string_pretty(&v).expect("json"));
        }
        Manage::Rm { names } => {
            // Like `docker network rm`: try every name, report the first error.
            let mut first_error = None;
            for name in names {
                match store::remove(paths, name) {
                    Ok(net) => println!("{}", net.name),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            if let Some(e) = first_error {
                return Err(e);
            }
        }
    }
    Ok(0)
}
