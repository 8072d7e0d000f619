//! Attaching to a running container: its monitor's socket, and the client.
//!
//! A detached container's stdin, stdout and stderr belong to its monitor.
//! `attach` (and `start -a`) connects to the monitor's Unix socket
//! (`<run>/containers/ID12/attach.sock`, reachable by root only) and
//! borrows them: what the container writes comes over the socket, what
//! the user types goes back. Both directions are framed, one byte of kind
//! and four of length, so that stdout and stderr stay apart and a window
//! size can travel with the keystrokes (as docker multiplexes its attach
//! stream). Ctrl-P Ctrl-Q detaches: the client leaves, the container runs
//! on.
//!
//! Man pages: unix(7), poll(2).

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::Duration;

use crate::engine::hooks::{Ready, Stream};

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const RESIZE: u8 = 3;

/// docker's default detach keys: Ctrl-P, Ctrl-Q.
pub const DETACH_KEYS: [u8; 2] = [0x10, 0x11];

fn frame(kind: u8, data: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(5 + data.len());
    f.push(kind);
    f.extend_from_slice(&(data.len() as u32).to_be_bytes());
    f.extend_from_slice(data);
    f
}

/// Whole frames at the front of `buf`, taken out of it.
fn frames(buf: &mut Vec<u8>) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    loop {
        if buf.len() < 5 {
            return out;
        }
        let len = u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]) as usize;
        if buf.len() < 5 + len {
            return out;
        }
        let kind = buf[0];
        let data = buf[5..5 + len].to_vec();
        buf.drain(..5 + len);
        out.push((kind, data));
    }
}

/// The monitor's side: the listening socket and its clients.
pub struct Hub {
    listener: UnixListener,
    clients: Vec<(UnixStream, Vec<u8>)>,
}

impl Hub {
    pub fn bind(path: &Path) -> io::Result<Hub> {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let listener = UnixListener::bind(path)?;
        std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        listener.set_nonblocking(true)?;
        Ok(Hub {
            listener,
            clients: Vec::new(),
        })
    }

    pub fn fds(&self) -> Vec<RawFd> {
        std::iter::once(self.listener.as_raw_fd())
            .chain(self.clients.iter().map(|(c, _)| c.as_raw_fd()))
            .collect()
    }

    /// Accept a client, or read what one sent.
    pub fn ready(&mut self, fd: RawFd) -> Ready {
        let mut ready = Ready::default();
        if fd == self.listener.as_raw_fd() {
            while let Ok((c, _)) = self.listener.accept() {
                // A client that stops reading is dropped rather than
                // allowed to stall the container's output.
                let ok = c.set_nonblocking(false).is_ok()
                    && c.set_write_timeout(Some(Duration::from_millis(500)))
                        .is_ok();
                if ok {
                    self.clients.push((c, Vec::new()));
                }
            }
            return ready;
        }
        let Some(i) = self.clients.iter().position(|(c, _)| c.as_raw_fd() == fd) else {
            return ready;
        };
        let mut chunk = [0u8; 4096];
        let n = {
            let (c, _) = &mut self.clients[i];
            c.set_nonblocking(true).ok();
            let n = c.read(&mut chunk);
            c.set_nonblocking(false).ok();
            n
        };
        match n {
            Ok(0) | Err(_) => {
                self.clients.remove(i);
            }
            Ok(n) => {
                let buf = &mut self.clients[i].1;
                buf.extend_from_slice(&chunk[..n]);
                for (kind, data) in frames(buf) {
                    match kind {
                        STDIN => ready.input.extend_from_slice(&data),
                        RESIZE if data.len() == 4 => {
                            ready.resize = Some((
                                u16::from_be_bytes([data[0], data[1]]),
                                u16::from_be_bytes([data[2], data[3]]),
                            ))
                        }
                        _ => {}
                    }
                }
            }
        }
        ready
    }

    /// Send a chunk of output to every client.
    pub fn broadcast(&mut self, stream: Stream, data: &[u8]) {
        let kind = match stream {
            Stream::Stdout => STDOUT,
            Stream::Stderr => STDERR,
        };
        let f = frame(kind, data);
        self.clients.retain_mut(|(c, _)| c.write_all(&f).is_ok());
    }
}

/// How an attached client ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Detached {
    /// The container ended (the monitor closed the socket).
    Ended,
    /// The user pressed the detach keys.
    ByKeys,
}

/// The client's side: copy the socket to our stdout/stderr, and (with
/// `stdin`) our stdin to the socket, until the container ends or the user
/// detaches. `raw`: our terminal goes raw (the container has `-t`).
/// `signal` is called with each SIGINT/SIGTERM/… dockling receives (to pass
/// it on, as docker's attach does).
pub fn attach(
    socket: &Path,
    stdin: bool,
    raw: bool,
    mut signal: impl FnMut(nix::sys::signal::Signal),
) -> Result<Detached, io::Error> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use nix::sys::signal::Signal;
    let mut sock = UnixStream::connect(socket)?;
    let signals = crate::process::Signals::block().map_err(io::Error::from)?;
    // SAFETY: 0, 1 and 2 stay open for the life of the process.
    let ours = |fd| unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    let _raw = if raw && crate::terminal::is_terminal(ours(0)) {
        Some(crate::terminal::RawMode::enter(ours(0))?)
    } else {
        None
    };
    let send_size = |sock: &mut UnixStream| {
        if let Ok((rows, cols)) = crate::terminal::size(ours(0)) {
            let mut d = rows.to_be_bytes().to_vec();
            d.extend_from_slice(&cols.to_be_bytes());
            let _ = sock.write_all(&frame(RESIZE, &d));
        }
    };
    if raw {
        send_size(&mut sock);
    }
    let mut inbuf = Vec::new();
    let mut stdin_open = stdin;
    let mut pending_ctrl_p = false;
    loop {
        let mut fds = vec![
            PollFd::new(sock.as_fd(), PollFlags::POLLIN),
            PollFd::new(signals.fd(), PollFlags::POLLIN),
        ];
        if stdin_open {
            fds.push(PollFd::new(ours(0), PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) | Err(nix::Error::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
        let ready: Vec<bool> = fds
            .iter()
            .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
            .collect();
        drop(fds);
        if ready[1] {
            while let Ok(Some(s)) = signals.next() {
                match s {
                    Signal::SIGWINCH => send_size(&mut sock),
                    Signal::SIGCHLD => {}
                    s => signal(s),
                }
            }
        }
        if ready[0] {
            let mut chunk = [0u8; 65536];
            match sock.read(&mut chunk) {
                Ok(0) | Err(_) => return Ok(Detached::Ended),
                Ok(n) => {
                    inbuf.extend_from_slice(&chunk[..n]);
                    for (kind, data) in frames(&mut inbuf) {
                        let out: &mut dyn Write = match kind {
                            STDERR => &mut io::stderr(),
                            _ => &mut io::stdout(),
                        };
                        out.write_all(&data)?;
                        out.flush()?;
                    }
                }
            }
        }
        if stdin_open && ready.get(2).copied().unwrap_or(false) {
            let mut chunk = [0u8; 4096];
            let n = nix::unistd::read(ours(0), &mut chunk).unwrap_or(0);
            if n == 0 {
                // End of our input: the container keeps running.
                stdin_open = false;
                continue;
            }
            let mut data = Vec::with_capacity(n);
            for &b in &chunk[..n] {
                if pending_ctrl_p {
                    pending_ctrl_p = false;
                    if b == DETACH_KEYS[1] {
                        return Ok(Detached::ByKeys);
                    }
                    data.push(DETACH_KEYS[0]);
                }
                if b == DETACH_KEYS[0] {
                    pending_ctrl_p = true;
                } else {
                    data.push(b);
                }
            }
            if sock.write_all(&frame(STDIN, &data)).is_err() {
                return Ok(Detached::Ended);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_survive_being_cut_anywhere() {
        let mut all = frame(STDOUT, b"hello");
        all.extend(frame(RESIZE, &[0, 24, 0, 80]));
        for cut in 0..all.len() {
            let mut buf = all[..cut].to_vec();
            let mut got = frames(&mut buf);
            buf.extend_from_slice(&all[cut..]);
            got.extend(frames(&mut buf));
            assert_eq!(
                got,
                [(STDOUT, b"hello".to_vec()), (RESIZE, vec![0, 24, 0, 80])]
            );
            assert!(buf.is_empty());
        }
    }
}
