//! The sync socket between dockling (the parent) and the container's process.
//!
//! After clone(2) the two processes share nothing but what they inherited,
//! so they talk over a Unix socket pair. The parent tells the child when
//! the host side is ready (`GO`) and when it may exec (`EXEC`). The child
//! sends back JSON lines: the events of each step it takes, or the error
//! that stopped it, so that a failure inside the container is reported by
//! the parent as a clear message instead of being lost. With `-t` it also
//! sends the master end of the container's pseudo-terminal, as a file
//! descriptor (SCM_RIGHTS), which only a Unix socket can carry. The child's
//! end is close-on-exec: when execve succeeds the parent reads end-of-file.
//!
//! Man pages: socketpair(2), unix(7) (SCM_RIGHTS), recvmsg(2).

use crate::msg;
use crate::narrate::messages::containers as m;
use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use nix::sys::socket::{
    AddressFamily, ControlMessage, ControlMessageOwned, MsgFlags, SockFlag, SockType, recvmsg,
    sendmsg, socketpair,
};
use serde::{Deserialize, Serialize};

use crate::error::ChildError;
use crate::narrate::Event;

/// Parent to child: the host side is set up; start your own setup.
const GO: u8 = b'G';
/// Parent to child: every event so far is printed; exec now.
const EXEC: u8 = b'X';

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChildMsg {
    Event(Box<Event>),
    Error(ChildError),
    /// The master end of the container's terminal comes with this message.
    Terminal,
    /// Setup is done; the child waits for `EXEC` so that narration is
    /// printed before the command's own output.
    Ready,
    /// `exec`: the process that joined the container forked the one that
    /// runs the command (in the container's PID namespace), with this host
    /// pid, and ends; the new one waits for `GO`. Sent even unnarrated.
    Forked(i32),
}

pub struct ParentSide {
    sock: OwnedFd,
    /// Bytes received but not yet a whole line.
    buf: Vec<u8>,
    /// Descriptors received with the messages, oldest first.
    fds: Vec<OwnedFd>,
    eof: bool,
}

pub struct ChildSide {
    sock: Option<OwnedFd>,
    /// Whether the parent prints events (not with `--trace quiet`).
    narrated: bool,
}

/// A close-on-exec socket pair. With `narrated` false the child sends no
/// events and does not wait for them to be printed.
pub fn pair(narrated: bool) -> nix::Result<(ParentSide, ChildSide)> {
    let (p, c) = socketpair(
        AddressFamily::Unix,
        SockType::Stream,
        None,
        SockFlag::SOCK_CLOEXEC,
    )?;
    Ok((
        ParentSide {
            sock: p,
            buf: Vec::new(),
            fds: Vec::new(),
            eof: false,
        },
        ChildSide {
            sock: Some(c),
            narrated,
        },
    ))
}

fn write_all(fd: BorrowedFd, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match nix::unistd::write(fd, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(nix::Error::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

impl ParentSide {
    pub fn go(&mut self) -> io::Result<()> {
        write_all(self.sock.as_fd(), &[GO])
    }

    pub fn exec(&mut self) -> io::Result<()> {
        write_all(self.sock.as_fd(), &[EXEC])
    }

    /// For poll(2).
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    /// Receive what is there (blocking until something is), keeping any
    /// descriptors. Returns false at end of file (the child exec'd or died).
    pub fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let mut chunk = [0u8; 4096];
        let mut space = nix::cmsg_space!([RawFd; 1]);
        let (n, fds) = {
            let mut iov = [IoSliceMut::new(&mut chunk)];
            let msg = loop {
                match recvmsg::<()>(
                    self.sock.as_raw_fd(),
                    &mut iov,
                    Some(&mut space),
                    MsgFlags::MSG_CMSG_CLOEXEC,
                ) {
                    Err(nix::Error::EINTR) => continue,
                    // The child died with our GO or EXEC unread: gone, as
                    // at end of file.
                    Err(nix::Error::ECONNRESET) => {
                        self.eof = true;
                        return Ok(false);
                    }
                    other => break other?,
                }
            };
            let mut fds = Vec::new();
            for c in msg.cmsgs()? {
                if let ControlMessageOwned::ScmRights(list) = c {
                    fds.extend(list);
                }
            }
            (msg.bytes, fds)
        };
        for fd in fds {
            // SAFETY: SCM_RIGHTS gave us a new descriptor we now own.
            self.fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
        }
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(true)
    }

    /// The next whole message received so far, if any.
    pub fn next(&mut self) -> io::Result<Option<ChildMsg>> {
        let Some(end) = self.buf.iter().position(|&b| b == b'\n') else {
            return Ok(None);
        };
        let line: Vec<u8> = self.buf.drain(..=end).collect();
        serde_json::from_slice(&line)
            .map(Some)
            .map_err(io::Error::other)
    }

    /// The oldest descriptor received and not yet taken.
    pub fn take_fd(&mut self) -> Option<OwnedFd> {
        (!self.fds.is_empty()).then(|| self.fds.remove(0))
    }
}

impl ChildSide {
    /// The descriptor, so that the child keeps it while closing the rest.
    pub fn raw_fd(&self) -> Option<RawFd> {
        self.sock.as_ref().map(|s| s.as_raw_fd())
    }

    /// Close it: PID 1 of `--init` keeps no line to dockling.
    pub fn close(&mut self) {
        self.sock = None;
    }

    fn sock(&self) -> io::Result<BorrowedFd<'_>> {
        self.sock
            .as_ref()
            .map(|s| s.as_fd())
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
    }

    pub fn send(&mut self, msg: &ChildMsg) -> io::Result<()> {
        let mut line = serde_json::to_string(msg).map_err(io::Error::other)?;
        line.push('\n');
        write_all(self.sock()?, line.as_bytes())
    }

    /// Send `msg` with a descriptor attached (SCM_RIGHTS): the parent
    /// gets its own copy of the same open file.
    pub fn send_fd(&mut self, msg: &ChildMsg, fd: BorrowedFd) -> io::Result<()> {
        let mut line = serde_json::to_string(msg).map_err(io::Error::other)?;
        line.push('\n');
        let raw = [fd.as_raw_fd()];
        let cmsg = [ControlMessage::ScmRights(&raw)];
        let sock = self.sock()?.as_raw_fd();
        let n = sendmsg::<()>(
            sock,
            &[IoSlice::new(line.as_bytes())],
            &cmsg,
            MsgFlags::empty(),
            None,
        )?;
        // The descriptor went with the first byte; the rest is plain data.
        write_all(self.sock()?, &line.as_bytes()[n..])
    }

    pub fn event(&mut self, e: Event) -> io::Result<()> {
        if !self.narrated {
            return Ok(());
        }
        self.send(&ChildMsg::Event(Box::new(e)))
    }

    /// Block until the parent sends `want`; end of file means the parent died.
    fn wait_for(&mut self, want: u8) -> io::Result<()> {
        let mut b = [0u8];
        loop {
            match nix::unistd::read(self.sock()?, &mut b) {
                Ok(1) if b[0] == want => return Ok(()),
                Ok(1) => return Err(io::Error::other(msg!(m::UNEXPECTED_SYNC_MESSAGE))),
                Ok(_) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
                Err(nix::Error::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    pub fn wait_go(&mut self) -> io::Result<()> {
        self.wait_for(GO)
    }

    /// Tell the parent we are ready, and wait until it says exec.
    pub fn ready(&mut self) -> io::Result<()> {
        if !self.narrated {
            return Ok(());
        }
        self.send(&ChildMsg::Ready)?;
        self.wait_for(EXEC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_a_descriptor_cross_the_socket() {
        let (mut parent, mut child) = pair(true).unwrap();
        let file = std::fs::File::open("/proc/self/stat").unwrap();
        let exec = Event::Exec {
            path: "/bin/sh".into(),
            argv: r#"["sh"]"#.into(),
            env: "HOME=/root".into(),
            env_list: vec!["HOME=/root".into()],
            command: "sh".into(),
            args: vec!["sh".into()],
        };
        child.event(exec.clone()).unwrap();
        child.send_fd(&ChildMsg::Terminal, file.as_fd()).unwrap();
        drop(child);
        let mut got = Vec::new();
        while parent.fill().unwrap() {}
        while let Some(m) = parent.next().unwrap() {
            got.push(m);
        }
        assert!(
            matches!(&got[0], ChildMsg::Event(e) if **e == exec),
            "{:?}",
            got[0]
        );
        assert!(matches!(got[1], ChildMsg::Terminal));
        let fd = parent.take_fd().expect("the descriptor arrived");
        let same = |f: BorrowedFd| std::fs::read_link(format!("/proc/self/fd/{}", f.as_raw_fd()));
        assert_eq!(same(fd.as_fd()).unwrap(), same(file.as_fd()).unwrap());
        assert!(parent.take_fd().is_none());
    }
}
