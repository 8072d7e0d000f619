//! Published ports (`-p [IP:]HOST:CONTAINER[/udp]`) and the userspace proxy
//! that serves them on the host's own addresses.
//!
//! A container's address is private to the host, so to reach a server in
//! it from elsewhere the host forwards a port of its own. Packets that come
//! in from the network are rewritten by a DNAT rule (firewall.rs). Packets
//! to 127.0.0.1 never pass through the NAT table's PREROUTING chain and may
//! not be routed to another interface, so dockling also listens on the host
//! port itself and copies bytes both ways, as docker's docker-proxy does.
//! Listening first has another use: if the port is taken, the bind fails
//! before anything else is created.
//!
//! Man pages: ip(7), tcp(7), udp(7).

use std::collections::HashMap;
use std::io;
use std::net::{
    IpAddr, Ipv4Addr, Shutdown, SocketAddr, SocketAddrV4, TcpListener, TcpStream, UdpSocket,
};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::msg;
use crate::narrate::messages::{Msg, images as m, images as msgs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Udp,
}

/// One `-p` mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PortMap {
    /// The host address to listen on; `None` means all of them.
    pub host_ip: Option<Ipv4Addr>,
    pub host_port: u16,
    pub container_port: u16,
    pub proto: Proto,
}

impl PortMap {
    pub fn proto_name(&self) -> &'static str {
        match self.proto {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }

    fn listen_addr(&self) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(
            self.host_ip.unwrap_or(Ipv4Addr::UNSPECIFIED),
            self.host_port,
        ))
    }
}

impl std::fmt::Display for PortMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(ip) = self.host_ip {
            write!(f, "{ip}:")?;
        }
        write!(
            f,
            "{}:{}/{}",
            self.host_port,
            self.container_port,
            self.proto_name()
        )
    }
}

/// A port number, 1 to 65535. Any string of digits that is not one is
/// out of range, however long (it is never wrapped into a u16).
fn port(s: &str, which: Msg) -> Result<u16, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(msg!(
            m::PORT_NOT_A_NUMBER,
            which = msg!(which),
            port = format!("{s:?}")
        ));
    }
    match s.parse::<u16>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(msg!(m::PORT_OUT_OF_RANGE, which = msg!(which), port = s)),
    }
}

impl FromStr for PortMap {
    type Err = String;
    fn from_str(arg: &str) -> Result<Self, String> {
        let (rest, proto) = match arg.rsplit_once('/') {
            Some((r, "tcp")) => (r, Proto::Tcp),
            Some((r, "udp")) => (r, Proto::Udp),
            Some((_, p)) => return Err(msg!(m::BAD_PROTOCOL, proto = format!("{p:?}"))),
            None => (arg, Proto::Tcp),
        };
        let parts: Vec<&str> = rest.split(':').collect();
        let (ip, host, container) = match parts[..] {
            [h, c] => (None, h, c),
            [ip, h, c] => (Some(ip), h, c),
            _ => {
                return Err(msg!(m::PUBLISH_FORMAT));
            }
        };
        let host_ip = match ip {
            None | Some("") => None,
            Some(ip) => Some(
                ip.parse::<Ipv4Addr>()
                    .map_err(|_| msg!(m::NOT_AN_IPV4_ADDRESS, addr = format!("{ip:?}")))?,
            ),
        };
        Ok(PortMap {
            host_ip,
            host_port: port(host, m::PORT_HOST)?,
            container_port: port(container, m::PORT_CONTAINER)?,
            proto,
        })
    }
}

/// A bound host port, waiting for the container's address.
pub enum Listener {
    Tcp(TcpListener),
    Udp(UdpSocket),
}

/// Bind every mapping's host port, or fail naming the one that is taken.
pub fn bind_all(maps: &[PortMap]) -> Result<Vec<Listener>, String> {
    maps.iter()
        .map(|m| {
            let addr = m.listen_addr();
            let bound = match m.proto {
                Proto::Tcp => TcpListener::bind(addr).map(Listener::Tcp),
                Proto::Udp => UdpSocket::bind(addr).map(Listener::Udp),
            };
            bound.map_err(|e| match e.kind() {
                io::ErrorKind::AddrInUse => msg!(
                    msgs::PORT_IN_USE,
                    port = m.host_port,
                    proto = m.proto_name(),
                    ip = addr.ip()
                ),
                io::ErrorKind::AddrNotAvailable => {
                    msg!(msgs::NOT_A_HOST_ADDRESS, publish = m, ip = addr.ip())
                }
                _ => msg!(
                    msgs::CANNOT_LISTEN,
                    addr = addr,
                    proto = m.proto_name(),
                    error = e
                ),
            })
        })
        .collect()
}

/// Serve each listener on threads of its own, forwarding to the container.
/// The threads end with dockling.
pub fn proxy(listeners: Vec<Listener>, maps: &[PortMap], container: Ipv4Addr) {
    for (l, m) in listeners.into_iter().zip(maps) {
        let target = SocketAddr::new(IpAddr::V4(container), m.container_port);
        match l {
            Listener::Tcp(l) => {
                std::thread::spawn(move || tcp(l, target));
            }
            Listener::Udp(s) => {
                std::thread::spawn(move || udp(s, target));
            }
        }
    }
}

fn tcp(listener: TcpListener, target: SocketAddr) {
    for client in listener.incoming().flatten() {
        std::thread::spawn(move || {
            let Ok(server) = TcpStream::connect_timeout(&target, Duration::from_secs(5)) else {
                return;
            };
            let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                return;
            };
            let up = std::thread::spawn(move || pipe(c2, s2));
            pipe(server, client);
            let _ = up.join();
        });
    }
}

/// Copy until end of file, then pass the half-close on.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}

fn udp(socket: UdpSocket, target: SocketAddr) {
    let socket = Arc::new(socket);
    let peers: Arc<Mutex<HashMap<SocketAddr, Arc<UdpSocket>>>> = Arc::default();
    let mut buf = vec![0u8; 65536];
    while let Ok((n, client)) = socket.recv_from(&mut buf) {
        let upstream = {
            let mut map = peers.lock().unwrap_or_else(|e| e.into_inner());
            match map.get(&client) {
                Some(u) => u.clone(),
                None => {
                    let Ok(u) = UdpSocket::bind("0.0.0.0:0").and_then(|u| {
                        u.connect(target)?;
                        Ok(Arc::new(u))
                    }) else {
                        continue;
                    };
                    map.insert(client, u.clone());
                    let (u2, back) = (u.clone(), socket.clone());
                    std::thread::spawn(move || {
                        let mut buf = vec![0u8; 65536];
                        while let Ok(n) = u2.recv(&mut buf) {
                            let _ = back.send_to(&buf[..n], client);
                        }
                    });
                    u
                }
            }
        };
        let _ = upstream.send(&buf[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_like_docker() {
        let m: PortMap = "8080:80".parse().unwrap();
        assert_eq!(
            (m.host_ip, m.host_port, m.container_port, m.proto),
            (None, 8080, 80, Proto::Tcp)
        );
        let m: PortMap = "127.0.0.1:8080:80".parse().unwrap();
        assert_eq!(m.host_ip, Some(Ipv4Addr::LOCALHOST));
        let m: PortMap = "5353:53/udp".parse().unwrap();
        assert_eq!(m.proto, Proto::Udp);
        assert_eq!(m.to_string(), "5353:53/udp");
        for (bad, says) in [
            ("99999:80", "out of range"),
            (
                "80:99999999999999999999",
                "container port 99999999999999999999 is out of range",
            ),
            ("65536:80", "host port 65536 is out of range"),
            ("+80:80", "not a number"),
            ("0:80", "out of range"),
            ("80", "expected"),
            ("a:80", "not a number"),
            ("1.2.3:80:80", "not an IPv4"),
            ("80:80/sctp", "not tcp or udp"),
        ] {
            let e = bad.parse::<PortMap>().unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn a_taken_port_is_named() {
        let held = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = held.local_addr().unwrap().port();
        let m: PortMap = format!("127.0.0.1:{port}:80").parse().unwrap();
        let e = bind_all(&[m]).err().unwrap();
        assert!(
            e.contains(&format!("host port {port}/tcp is already in use")),
            "{e}"
        );
    }
}
