//! rtnetlink: the messages `ip link`, `ip addr` and `ip route` send.
//!
//! `ip` does not have special powers: it opens a netlink socket
//! (`socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)`) and sends the kernel a
//! request — a header, a fixed struct (`ifinfomsg` for links, `ifaddrmsg`
//! for addresses, `rtmsg` for routes) and a list of type-length-value
//! attributes — then reads back an acknowledgement carrying an errno. This
//! module builds those few messages by hand instead of spawning `ip`, so a
//! student can read exactly what goes to the kernel; the narration prints
//! the `ip` command that sends the same request.
//!
//! A netlink socket belongs to the network namespace of the thread that
//! created it, which is how [`in_netns`] configures the inside of a
//! container from the outside.
//!
//! Man pages: netlink(7), rtnetlink(7); the attribute numbers come from
//! <linux/if_link.h>, <linux/rtnetlink.h> and <linux/veth.h>.

use std::io;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

// Message types and flags (netlink(7), rtnetlink(7)).
const RTM_NEWLINK: u16 = 16;
const RTM_DELLINK: u16 = 17;
const RTM_GETLINK: u16 = 18;
const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;
const RTM_NEWROUTE: u16 = 24;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;
/// NLM_F_ROOT | NLM_F_MATCH: every object of the kind, in many messages.
const NLM_F_DUMP: u16 = 0x300;
// Link attributes (<linux/if_link.h>).
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_MASTER: u16 = 10;
const IFLA_LINKINFO: u16 = 18;
const IFLA_NET_NS_PID: u16 = 19;
const IFLA_LINK_NETNSID: u16 = 37;
const IFLA_IFALIAS: u16 = 20;
/// An alias may hold at most IFALIASZ - 1 bytes (<linux/if.h>).
pub const MAX_ALIAS: usize = 255;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const VETH_INFO_PEER: u16 = 1;
// Address and route attributes (<linux/if_addr.h>, <linux/rtnetlink.h>).
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_LABEL: u16 = 3;
const IFA_BROADCAST: u16 = 4;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const RT_TABLE_MAIN: u8 = 254;
const RTPROT_BOOT: u8 = 3;
const RTN_UNICAST: u8 = 1;
const IFF_UP: u32 = 1;

/// A request being built: header, fixed struct, attributes.
struct Message {
    buf: Vec<u8>,
    nests: Vec<usize>,
}

impl Message {
    fn new(kind: u16, flags: u16) -> Self {
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(&0u32.to_ne_bytes()); // length, filled in at the end
        buf.extend_from_slice(&kind.to_ne_bytes());
        buf.extend_from_slice(&(flags | NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes());
        buf.extend_from_slice(&1u32.to_ne_bytes()); // sequence number
        buf.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills it
        Message {
            buf,
            nests: Vec::new(),
        }
    }

    /// A dump request: every object of a kind, answered in many messages
    /// and ended by NLMSG_DONE instead of an acknowledgement.
    fn dump(kind: u16) -> Self {
        let mut m = Message::new(kind, 0);
        m.buf[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
        m
    }

    /// `struct ifinfomsg`: family, type, index, flags, change mask.
    fn ifinfo(mut self, index: i32, flags: u32, change: u32) -> Self {
        self.ifinfo_raw(index, flags, change);
        self
    }

    fn ifinfo_raw(&mut self, index: i32, flags: u32, change: u32) {
        self.buf.extend_from_slice(&[libc::AF_UNSPEC as u8, 0]);
        self.buf.extend_from_slice(&0u16.to_ne_bytes());
        self.buf.extend_from_slice(&index.to_ne_bytes());
        self.buf.extend_from_slice(&flags.to_ne_bytes());
        self.buf.extend_from_slice(&change.to_ne_bytes());
    }

    fn attr(mut self, kind: u16, data: &[u8]) -> Self {
        self.push_attr(kind, data);
        self
    }

    fn push_attr(&mut self, kind: u16, data: &[u8]) {
        let len = 4 + data.len();
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&kind.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self.pad();
    }

    fn name(self, kind: u16, name: &str) -> Self {
        let mut data = name.as_bytes().to_vec();
        data.push(0);
        self.attr(kind, &data)
    }

    fn u32(self, kind: u16, v: u32) -> Self {
        self.attr(kind, &v.to_ne_bytes())
    }

    fn begin(mut self, kind: u16) -> Self {
        self.nests.push(self.buf.len());
        self.buf.extend_from_slice(&0u16.to_ne_bytes());
        self.buf.extend_from_slice(&kind.to_ne_bytes());
        self
    }

    fn end(mut self) -> Self {
        let start = self.nests.pop().expect("balanced nesting");
        let len = (self.buf.len() - start) as u16;
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        self
    }

    fn pad(&mut self) {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        let len = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf
    }
}

/// A netlink socket in the network namespace of the thread that opened it.
pub struct Socket {
    fd: OwnedFd,
}

impl Socket {
    pub fn open() -> io::Result<Socket> {
        // SAFETY: plain socket(2); the result is checked before use.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is a fresh descriptor that nothing else owns.
        Ok(Socket {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    /// Send one request and wait for its acknowledgement. Returns the
    /// reply's first message (for RTM_GETLINK) or an empty vector.
    fn request(&self, msg: Message) -> io::Result<Vec<u8>> {
        let bytes = msg.finish();
        // SAFETY: bytes is valid for its length; the socket is open.
        let sent =
            unsafe { libc::send(self.fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len(), 0) };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut reply = Vec::new();
        let mut buf = vec![0u8; 16384];
        loop {
            // SAFETY: buf is valid for its length.
            let n =
                unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            let mut rest = &buf[..n as usize];
            while rest.len() >= 16 {
                let len = u32::from_ne_bytes(rest[0..4].try_into().unwrap()) as usize;
                let kind = u16::from_ne_bytes(rest[4..6].try_into().unwrap());
                if len < 16 || len > rest.len() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "short netlink reply",
                    ));
                }
                if kind == NLMSG_ERROR {
                    let errno = i32::from_ne_bytes(rest[16..20].try_into().unwrap());
                    return if errno == 0 {
                        Ok(reply)
                    } else {
                        Err(io::Error::from_raw_os_error(-errno))
                    };
                }
                if reply.is_empty() {
                    reply = rest[..len].to_vec();
                }
                rest = &rest[len.next_multiple_of(4).min(rest.len())..];
            }
        }
    }

    /// Send a dump request and collect every message of the answer.
    fn dump(&self, msg: Message) -> io::Result<Vec<Vec<u8>>> {
        let bytes = msg.finish();
        // SAFETY: bytes is valid for its length; the socket is open.
        let sent =
            unsafe { libc::send(self.fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len(), 0) };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut out = Vec::new();
        let mut buf = vec![0u8; 32768];
        loop {
            // SAFETY: buf is valid for its length.
            let n =
                unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            let mut rest = &buf[..n as usize];
            while rest.len() >= 16 {
                let len = u32::from_ne_bytes(rest[0..4].try_into().unwrap()) as usize;
                let kind = u16::from_ne_bytes(rest[4..6].try_into().unwrap());
                if len < 16 || len > rest.len() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "short netlink reply",
                    ));
                }
                match kind {
                    NLMSG_DONE => return Ok(out),
                    NLMSG_ERROR => {
                        let errno = i32::from_ne_bytes(rest[16..20].try_into().unwrap());
                        return Err(io::Error::from_raw_os_error(-errno));
                    }
                    _ => out.push(rest[..len].to_vec()),
                }
                rest = &rest[len.next_multiple_of(4).min(rest.len())..];
            }
        }
    }

    /// `ip link show NAME`: its index and alias, or None when there is no
    /// such link.
    pub fn link(&self, name: &str) -> io::Result<Option<Link>> {
        let m = Message::new(RTM_GETLINK, 0)
            .ifinfo(0, 0, 0)
            .name(IFLA_IFNAME, name);
        let reply = match self.request(m) {
            Ok(r) => r,
            Err(e) if e.raw_os_error() == Some(libc::ENODEV) => return Ok(None),
            Err(e) => return Err(e),
        };
        if reply.len() < 32 {
            return Ok(None);
        }
        let index = i32::from_ne_bytes(reply[20..24].try_into().unwrap()) as u32;
        let alias = attrs(&reply[32..])
            .find(|(kind, _)| *kind == IFLA_IFALIAS)
            .map(|(_, data)| c_string(data));
        let peer_netnsid = attrs(&reply[32..])
            .find(|(kind, _)| *kind == IFLA_LINK_NETNSID)
            .and_then(|(_, data)| Some(i32::from_ne_bytes(data.get(..4)?.try_into().ok()?)));
        Ok(Some(Link {
            index,
            alias,
            peer_netnsid,
        }))
    }

    /// `ip link set NAME alias TEXT`: a free-form description `ip link`
    /// prints under the link (at most 255 bytes).
    pub fn set_alias(&self, name: &str, alias: &str) -> io::Result<()> {
        let m = Message::new(RTM_NEWLINK, 0)
            .ifinfo(0, 0, 0)
            .name(IFLA_IFNAME, name)
            .attr(IFLA_IFALIAS, alias.as_bytes());
        self.request(m).map(drop)
    }

    /// `ip -4 addr show`: every IPv4 address on every interface.
    pub fn addresses(&self) -> io::Result<Vec<Address>> {
        let mut m = Message::dump(RTM_GETADDR);
        // struct ifaddrmsg: only the family matters in a dump request.
        m.buf
            .extend_from_slice(&[libc::AF_INET as u8, 0, 0, 0, 0, 0, 0, 0]);
        let mut out = Vec::new();
        for msg in self.dump(m)? {
            if msg.len() < 24 || msg[16] != libc::AF_INET as u8 {
                continue;
            }
            let prefix = msg[17];
            let mut local = None;
            let mut address = None;
            let mut label = String::new();
            for (kind, data) in attrs(&msg[24..]) {
                let ip = <[u8; 4]>::try_from(data).ok().map(Ipv4Addr::from);
                match kind {
                    IFA_LOCAL => local = ip,
                    IFA_ADDRESS => address = ip,
                    IFA_LABEL => label = c_string(data),
                    _ => {}
                }
            }
            // IFA_LOCAL is the interface's own address (IFA_ADDRESS is the
            // peer's on a point-to-point link).
            if let Some(ip) = local.or(address) {
                out.push(Address {
                    ip,
                    prefix,
                    device: label,
                });
            }
        }
        Ok(out)
    }

    /// `ip link add NAME type bridge` with the host's MTU.
    pub fn add_bridge(&self, name: &str, mtu: u32) -> io::Result<()> {
        let m = Message::new(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL)
            .ifinfo(0, 0, 0)
            .name(IFLA_IFNAME, name)
            .u32(IFLA_MTU, mtu)
            .begin(IFLA_LINKINFO)
            .name(IFLA_INFO_KIND, "bridge")
            .end();
        self.request(m).map(drop)
    }

    /// `ip link add NAME mtu MTU type veth peer name PEER netns PID`: a
    /// pair of linked interfaces, the peer created straight inside the
    /// network namespace of process PID.
    pub fn add_veth(&self, name: &str, peer: &str, peer_pid: i32, mtu: u32) -> io::Result<()> {
        let mut m = Message::new(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL)
            .ifinfo(0, 0, 0)
            .name(IFLA_IFNAME, name)
            .u32(IFLA_MTU, mtu)
            .begin(IFLA_LINKINFO)
            .name(IFLA_INFO_KIND, "veth")
            .begin(IFLA_INFO_DATA)
            .begin(VETH_INFO_PEER);
        // The peer's attributes follow its own ifinfomsg.
        m.ifinfo_raw(0, 0, 0);
        let m = m
            .name(IFLA_IFNAME, peer)
            .u32(IFLA_MTU, mtu)
            .u32(IFLA_NET_NS_PID, peer_pid as u32)
            .end()
            .end()
            .end();
        self.request(m).map(drop)
    }

    /// `ip link set NAME up` (and `master BRIDGE` when given).
    pub fn set_up(&self, name: &str, master: Option<&str>) -> io::Result<()> {
        let mut m = Message::new(RTM_NEWLINK, 0)
            .ifinfo(0, IFF_UP, IFF_UP)
            .name(IFLA_IFNAME, name);
        if let Some(bridge) = master {
            m = m.u32(IFLA_MASTER, self.index(bridge)?);
        }
        self.request(m).map(drop)
    }

    /// `ip link del NAME`. Ok(false) when there was no such link.
    pub fn delete_link(&self, name: &str) -> io::Result<bool> {
        let m = Message::new(RTM_DELLINK, 0)
            .ifinfo(0, 0, 0)
            .name(IFLA_IFNAME, name);
        match self.request(m) {
            Ok(_) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::ENODEV) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Whether a link called NAME exists in this socket's namespace.
    pub fn exists(&self, name: &str) -> io::Result<bool> {
        match self.index(name) {
            Ok(_) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::ENODEV) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The interface index of NAME (`ip link show NAME`).
    pub fn index(&self, name: &str) -> io::Result<u32> {
        let m = Message::new(RTM_GETLINK, 0)
            .ifinfo(0, 0, 0)
            .name(IFLA_IFNAME, name);
        let reply = self.request(m)?;
        if reply.len() < 24 {
            return Err(io::Error::from_raw_os_error(libc::ENODEV));
        }
        Ok(i32::from_ne_bytes(reply[20..24].try_into().unwrap()) as u32)
    }

    /// `ip addr add ADDR/PREFIX broadcast + dev NAME`.
    pub fn add_address(&self, name: &str, addr: Ipv4Addr, prefix: u8) -> io::Result<()> {
        let index = self.index(name)?;
        let broadcast = u32::from(addr) | (u32::MAX >> prefix);
        let mut m = Message::new(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        // struct ifaddrmsg: family, prefix length, flags, scope, index.
        m.buf
            .extend_from_slice(&[libc::AF_INET as u8, prefix, 0, 0]);
        m.buf.extend_from_slice(&index.to_ne_bytes());
        let m = m
            .attr(IFA_LOCAL, &addr.octets())
            .attr(IFA_ADDRESS, &addr.octets())
            .attr(IFA_BROADCAST, &Ipv4Addr::from(broadcast).octets());
        self.request(m).map(drop)
    }

    /// `ip route add default via GATEWAY dev NAME`.
    pub fn add_default_route(&self, name: &str, gateway: Ipv4Addr) -> io::Result<()> {
        let index = self.index(name)?;
        let mut m = Message::new(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
        // struct rtmsg: family, dst_len, src_len, tos, table, protocol,
        // scope, type, flags.
        m.buf.extend_from_slice(&[
            libc::AF_INET as u8,
            0,
            0,
            0,
            RT_TABLE_MAIN,
            RTPROT_BOOT,
            0,
            RTN_UNICAST,
        ]);
        m.buf.extend_from_slice(&0u32.to_ne_bytes());
        let m = m.attr(RTA_GATEWAY, &gateway.octets()).u32(RTA_OIF, index);
        self.request(m).map(drop)
    }
}

/// A link as `ip link show` describes it, the parts dockling uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub index: u32,
    /// IFLA_IFALIAS, if one was set.
    pub alias: Option<String>,
    /// IFLA_LINK_NETNSID: for a veth whose other end is in another
    /// network namespace, that namespace's id as this one knows it (-1
    /// once it is going away: its last process ended).
    pub peer_netnsid: Option<i32>,
}

/// One IPv4 address on an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub ip: Ipv4Addr,
    pub prefix: u8,
    /// The interface's name (IFA_LABEL).
    pub device: String,
}

/// The attributes of a message: (type, data) for each, nesting flags
/// masked off (NLA_TYPE_MASK).
fn attrs(mut rest: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if rest.len() < 4 {
            return None;
        }
        let len = u16::from_ne_bytes(rest[0..2].try_into().unwrap()) as usize;
        let kind = u16::from_ne_bytes(rest[2..4].try_into().unwrap()) & 0x3fff;
        if len < 4 || len > rest.len() {
            return None;
        }
        let data = &rest[4..len];
        rest = &rest[len.next_multiple_of(4).min(rest.len())..];
        Some((kind, data))
    })
}

/// A NUL-terminated string attribute.
fn c_string(data: &[u8]) -> String {
    let end = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    String::from_utf8_lossy(&data[..end]).into_owned()
}

/// Run `f` in the network namespace of process `pid`, on a thread of its
/// own: setns(2) moves only the calling thread, and that thread ends
/// afterwards, so dockling's other threads never change namespace.
pub fn in_netns<T: Send>(pid: i32, f: impl FnOnce() -> io::Result<T> + Send) -> io::Result<T> {
    let ns = std::fs::File::open(format!("/proc/{pid}/ns/net"))?;
    std::thread::scope(|s| {
        s.spawn(move || {
            // SAFETY: ns is an open namespace file; setns affects this thread only.
            if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                return Err(io::Error::last_os_error());
            }
            f()
        })
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("the netns thread panicked")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_read_back() {
        let m = Message::new(RTM_NEWLINK, 0)
            .ifinfo(0, 0, 0)
            .name(IFLA_IFNAME, "dl-x")
            .attr(IFLA_IFALIAS, b"dockling network x")
            .u32(IFLA_MTU, 1500);
        let b = m.finish();
        let got: Vec<(u16, Vec<u8>)> = attrs(&b[32..]).map(|(k, d)| (k, d.to_vec())).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(c_string(&got[0].1), "dl-x");
        assert_eq!(got[1], (IFLA_IFALIAS, b"dockling network x".to_vec()));
        assert_eq!(got[2], (IFLA_MTU, 1500u32.to_ne_bytes().to_vec()));
        let d = Message::dump(RTM_GETADDR).finish();
        assert_eq!(
            u16::from_ne_bytes(d[6..8].try_into().unwrap()),
            NLM_F_REQUEST | NLM_F_DUMP
        );
    }

    #[test]
    fn messages_are_aligned_and_nested_lengths_add_up() {
        let m = Message::new(RTM_NEWLINK, NLM_F_CREATE)
            .ifinfo(0, 0, 0)
            .name(IFLA_IFNAME, "dl-x")
            .begin(IFLA_LINKINFO)
            .name(IFLA_INFO_KIND, "bridge")
            .end();
        let b = m.finish();
        assert_eq!(b.len() % 4, 0);
        assert_eq!(
            u32::from_ne_bytes(b[0..4].try_into().unwrap()) as usize,
            b.len()
        );
        // header 16 + ifinfomsg 16 + "dl-x\0" attr (4+5 → 12) = 44; linkinfo nest at 44.
        assert_eq!(&b[36..41], b"dl-x\0");
        let nest_len = u16::from_ne_bytes(b[44..46].try_into().unwrap());
        assert_eq!(nest_len as usize, 4 + 12); // nest header + kind attr "bridge\0", padded
        assert_eq!(
            u16::from_ne_bytes(b[46..48].try_into().unwrap()),
            IFLA_LINKINFO
        );
    }
}
