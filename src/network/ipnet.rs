//! IPv4 subnets: parsing `10.147.0.0/24`, handing out addresses in one, and
//! checking that a subnet does not overlap a route the host already has.
//!
//! A subnet is an address and a prefix length: the first `prefix` bits name
//! the network, the rest the host. The first address is the network itself,
//! the last the broadcast address; the bridge (the containers' gateway) takes
//! the first usable one and containers get the rest.
//!
//! Man pages: ip-address(8), ip-route(8); the host's routes are in
//! /proc/net/route (proc(5)).

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subnet {
    network: Ipv4Addr,
    prefix: u8,
}

impl Subnet {
    pub fn new(addr: Ipv4Addr, prefix: u8) -> Result<Self, String> {
        if !(8..=30).contains(&prefix) {
            return Err(format!(
                "prefix /{prefix} is out of range: use /8 to /30 (a /24 holds 253 containers)"
            ));
        }
        let network = Ipv4Addr::from(u32::from(addr) & mask(prefix));
        if network != addr {
            return Err(format!(
                "{addr}/{prefix} has host bits set: the network is {network}/{prefix}"
            ));
        }
        Ok(Subnet { network, prefix })
    }

    pub fn network(&self) -> Ipv4Addr {
        self.network
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    fn first(&self) -> u32 {
        u32::from(self.network)
    }

    fn last(&self) -> u32 {
        self.first() | !mask(self.prefix)
    }

    /// The bridge's address, the containers' default gateway: the first usable one.
    pub fn gateway(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.first() + 1)
    }

    /// Addresses containers may get, lowest first (not the network, the
    /// gateway or the broadcast address).
    pub fn hosts(&self) -> impl Iterator<Item = Ipv4Addr> {
        (self.first() + 2..self.last()).map(Ipv4Addr::from)
    }

    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & mask(self.prefix) == self.first()
    }

    pub fn overlaps(&self, other: &Subnet) -> bool {
        self.first() <= other.last() && other.first() <= self.last()
    }
}

fn mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    }
}

impl FromStr for Subnet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = s
            .split_once('/')
            .ok_or_else(|| format!("subnet {s:?}: expected ADDRESS/PREFIX, e.g. 10.147.5.0/24"))?;
        let addr: Ipv4Addr = addr
            .parse()
            .map_err(|_| format!("subnet {s:?}: {addr:?} is not an IPv4 address"))?;
        let prefix: u8 = prefix
            .parse()
            .map_err(|_| format!("subnet {s:?}: {prefix:?} is not a prefix length"))?;
        Subnet::new(addr, prefix).map_err(|e| format!("subnet {s:?}: {e}"))
    }
}

impl fmt::Display for Subnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl serde::Serialize for Subnet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Subnet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One line of the host's IPv4 routing table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub device: String,
    pub subnet: Subnet,
    /// 0.0.0.0/0: where packets for everything else go.
    pub default: bool,
}

/// The host's IPv4 routes, from /proc/net/route (addresses are little-endian hex).
pub fn host_routes() -> Vec<Route> {
    let text = std::fs::read_to_string("/proc/net/route").unwrap_or_default();
    parse_routes(&text)
}

pub fn parse_routes(text: &str) -> Vec<Route> {
    let hex = |s: &str| u32::from_str_radix(s, 16).ok().map(u32::from_be);
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (device, dest, mask) = (f.first()?, hex(f.get(1)?)?, hex(f.get(7)?)?);
            let prefix = mask.count_ones() as u8;
            let default = prefix == 0;
            let subnet = Subnet {
                network: Ipv4Addr::from(dest & self::mask(prefix)),
                prefix,
            };
            Some(Route {
                device: device.to_string(),
                subnet,
                default,
            })
        })
        .collect()
}

/// The first route (not a default route) that overlaps `subnet`.
pub fn clashing_route<'a>(subnet: &Subnet, routes: &'a [Route]) -> Option<&'a Route> {
    routes
        .iter()
        .find(|r| !r.default && r.subnet.overlaps(subnet))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_gateway_hosts_and_errors() {
        let s: Subnet = "10.147.3.0/24".parse().unwrap();
        assert_eq!(s.gateway(), Ipv4Addr::new(10, 147, 3, 1));
        let hosts: Vec<_> = s.hosts().collect();
        assert_eq!(hosts.len(), 253);
        assert_eq!(hosts[0], Ipv4Addr::new(10, 147, 3, 2));
        assert_eq!(*hosts.last().unwrap(), Ipv4Addr::new(10, 147, 3, 254));
        assert!(s.contains(Ipv4Addr::new(10, 147, 3, 99)));
        assert!(!s.contains(Ipv4Addr::new(10, 147, 4, 1)));
        assert!(
            "10.147.3.1/24"
                .parse::<Subnet>()
                .unwrap_err()
                .contains("host bits")
        );
        assert!("10.147.3.0/31".parse::<Subnet>().is_err());
        assert!("10.147.3.0".parse::<Subnet>().is_err());
        assert!("300.1.1.0/24".parse::<Subnet>().is_err());
        assert_eq!(s.to_string(), "10.147.3.0/24");
    }

    #[test]
    fn overlap_and_route_table() {
        let a: Subnet = "10.0.0.0/8".parse().unwrap();
        let b: Subnet = "10.147.3.0/24".parse().unwrap();
        let c: Subnet = "192.168.1.0/24".parse().unwrap();
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!b.overlaps(&c));
        let table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                     eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
                     eth0\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
        let routes = parse_routes(table);
        assert_eq!(routes.len(), 2);
        assert!(routes[0].default);
        assert_eq!(routes[1].subnet.to_string(), "192.168.2.0/24");
        let clash: Subnet = "192.168.0.0/16".parse().unwrap();
        assert_eq!(clashing_route(&clash, &routes).unwrap().device, "eth0");
        assert!(clashing_route(&b, &routes).is_none());
    }
}
