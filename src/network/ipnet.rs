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

use crate::msg;
use crate::narrate::messages::{Msg, images as m};

/// A network's subnet: an IPv4 network dockling can hand out addresses in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subnet {
    network: Ipv4Addr,
    prefix: u8,
}

/// The largest subnet a network may have: /8 (16 million addresses).
pub const MIN_PREFIX: u8 = 8;
/// The smallest: /30, four addresses, of which the network and broadcast
/// addresses take two, leaving one for the gateway and one for a container.
pub const MAX_PREFIX: u8 = 30;

/// A range set aside for a special purpose (RFC 6890), no network's subnet.
pub struct Reserved {
    pub range: Subnet,
    pub name: Msg,
    pub why: Msg,
}

/// The special-purpose ranges a network's subnet may not overlap.
pub fn reserved() -> [Reserved; 5] {
    let r = |a: [u8; 4], prefix, name, why| Reserved {
        range: Subnet {
            network: Ipv4Addr::from(a),
            prefix,
        },
        name,
        why,
    };
    [
        r(
            [0, 0, 0, 0],
            8,
            m::RESERVED_THIS_NETWORK,
            m::RESERVED_THIS_NETWORK_WHY,
        ),
        r(
            [127, 0, 0, 0],
            8,
            m::RESERVED_LOOPBACK,
            m::RESERVED_LOOPBACK_WHY,
        ),
        r(
            [169, 254, 0, 0],
            16,
            m::RESERVED_LINK_LOCAL,
            m::RESERVED_LINK_LOCAL_WHY,
        ),
        r(
            [224, 0, 0, 0],
            4,
            m::RESERVED_MULTICAST,
            m::RESERVED_MULTICAST_WHY,
        ),
        r(
            [240, 0, 0, 0],
            4,
            m::RESERVED_FUTURE,
            m::RESERVED_FUTURE_WHY,
        ),
    ]
}

/// Why `/prefix` (past 32) is no IPv4 prefix.
fn out_of_range(prefix: impl fmt::Display) -> String {
    msg!(
        m::PREFIX_OUT_OF_RANGE,
        prefix = prefix,
        min = MIN_PREFIX,
        max = MAX_PREFIX
    )
}

impl Subnet {
    /// `addr/prefix` as a network's subnet, or why it cannot be one: it
    /// overlaps a special-purpose range, is larger than /8 or too small for
    /// a gateway and a container, or has host bits set.
    pub fn new(addr: Ipv4Addr, prefix: u8) -> Result<Self, String> {
        if prefix > 32 {
            return Err(out_of_range(prefix));
        }
        let network = Ipv4Addr::from(u32::from(addr) & mask(prefix));
        let whole = Subnet { network, prefix };
        if let Some(r) = reserved().iter().find(|r| r.range.overlaps(&whole)) {
            return Err(msg!(
                m::SUBNET_RESERVED,
                range = r.range,
                name = msg!(r.name),
                why = msg!(r.why)
            ));
        }
        if prefix < MIN_PREFIX {
            return Err(msg!(
                m::PREFIX_TOO_LARGE,
                prefix = prefix,
                min = MIN_PREFIX,
                max = MAX_PREFIX
            ));
        }
        if prefix > MAX_PREFIX {
            return Err(msg!(m::PREFIX_TOO_SMALL, prefix = prefix, max = MAX_PREFIX));
        }
        if network != addr {
            return Err(msg!(
                m::HOST_BITS_SET,
                addr = addr,
                prefix = prefix,
                network = network
            ));
        }
        Ok(whole)
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

    /// The bridge's address, the containers' default gateway: the first
    /// usable one. (A subnet is at most a /30 below 240.0.0.0, so the
    /// additions here and in `hosts` stay far from overflowing.)
    pub fn gateway(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.first() + 1)
    }

    /// Addresses containers may get, lowest first (not the network, the
    /// gateway or the broadcast address).
    pub fn hosts(&self) -> impl Iterator<Item = Ipv4Addr> {
        (self.first() + 2..self.last()).map(Ipv4Addr::from)
    }

    /// Whether `ip` is in this subnet (for a host's address `ip/prefix`,
    /// see [`Subnet::of_address`]).
    pub fn overlaps_address(&self, ip: Ipv4Addr, prefix: u8) -> bool {
        self.overlaps(&Subnet::of_address(ip, prefix))
    }

    /// The subnet of an address on an interface (`10.0.0.5/24` is in
    /// 10.0.0.0/24), without the checks a network's subnet gets.
    pub fn of_address(ip: Ipv4Addr, prefix: u8) -> Subnet {
        let prefix = prefix.min(32);
        Subnet {
            network: Ipv4Addr::from(u32::from(ip) & mask(prefix)),
            prefix,
        }
    }

    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & mask(self.prefix) == self.first()
    }

    pub fn overlaps(&self, other: &Subnet) -> bool {
        self.first() <= other.last() && other.first() <= self.last()
    }
}

/// The netmask of a prefix length (0 to 32).
fn mask(prefix: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0)
}

impl Subnet {
    /// `ADDRESS/PREFIX` as a network's subnet; the error is the reason
    /// alone, for the caller to say which value it was.
    pub fn parse_cidr(s: &str) -> Result<Self, String> {
        let (addr, prefix) = s.split_once('/').ok_or_else(|| msg!(m::CIDR_EXPECTED))?;
        let addr: Ipv4Addr = addr
            .parse()
            .map_err(|_| msg!(m::NOT_AN_IPV4_ADDRESS, addr = format!("{addr:?}")))?;
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(msg!(m::NOT_A_PREFIX_LENGTH, prefix = format!("{prefix:?}")));
        }
        // Only digits: a failed parse is a number past 255, so past 32.
        let prefix: u8 = prefix.parse().map_err(|_| out_of_range(prefix))?;
        Subnet::new(addr, prefix)
    }
}

impl FromStr for Subnet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Subnet::parse_cidr(s).map_err(|e| format!("subnet {s:?}: {e}"))
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
    fn special_purpose_ranges_are_refused_with_the_reason() {
        for (subnet, says) in [
            ("127.0.0.0/8", "overlaps 127.0.0.0/8, the loopback range"),
            ("127.1.2.0/24", "the loopback range"),
            (
                "0.0.0.0/8",
                "overlaps 0.0.0.0/8, the \"this network\" (RFC 1122) range",
            ),
            ("169.254.0.0/16", "the link-local (RFC 3927) range"),
            ("169.254.3.0/24", "link-local"),
            ("224.0.0.0/4", "overlaps 224.0.0.0/4, the multicast range"),
            ("239.1.0.0/16", "multicast"),
            (
                "240.0.0.0/4",
                "overlaps 240.0.0.0/4, the reserved (RFC 1112) and broadcast range",
            ),
            ("255.255.255.0/24", "255.255.255.255"),
            // A /7 that reaches into 127/8 names the range it overlaps.
            ("126.0.0.0/7", "it overlaps 127.0.0.0/8"),
        ] {
            let e = subnet.parse::<Subnet>().unwrap_err();
            assert!(e.contains(says), "{subnet}: {e}");
            assert!(e.contains(": "), "{subnet}: the reason is given: {e}");
        }
        for ok in [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.1.0/24",
            "100.64.0.0/10",
            "1.2.3.0/24",
        ] {
            assert!(ok.parse::<Subnet>().is_ok(), "{ok}");
        }
    }

    #[test]
    fn sizes_and_prefix_lengths() {
        let s: Subnet = "10.147.3.0/30".parse().unwrap();
        assert_eq!(s.gateway(), Ipv4Addr::new(10, 147, 3, 1));
        assert_eq!(
            s.hosts().collect::<Vec<_>>(),
            [Ipv4Addr::new(10, 147, 3, 2)]
        );
        for (subnet, says) in [
            (
                "10.147.3.0/31",
                "a /31 is too small: it has no room for the gateway and one container",
            ),
            ("10.147.3.1/32", "a /32 is too small"),
            ("10.0.0.0/7", "prefix /7 is too large a network"),
            ("10.0.0.0/33", "prefix /33 is out of range"),
            ("10.0.0.0/99999", "prefix /99999 is out of range"),
            ("10.0.0.0/-1", "is not a prefix length"),
            ("10.0.0.0/", "is not a prefix length"),
        ] {
            let e = subnet.parse::<Subnet>().unwrap_err();
            assert!(e.contains(says), "{subnet}: {e}");
        }
        assert_eq!(
            Subnet::of_address(Ipv4Addr::new(192, 0, 2, 9), 24).to_string(),
            "192.0.2.0/24"
        );
        let b: Subnet = "192.0.2.0/24".parse().unwrap();
        assert!(b.overlaps_address(Ipv4Addr::new(192, 0, 2, 200), 32));
        assert!(b.overlaps_address(Ipv4Addr::new(192, 0, 0, 1), 16));
        assert!(!b.overlaps_address(Ipv4Addr::new(192, 0, 3, 1), 24));
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
