//! The sync pipe between dockling (the parent) and the container's process.
//!
//! After clone(2) the two processes share nothing but what they inherited,
//! so they talk over two pipes. The parent tells the child when the host
//! side is ready (`GO`) and when it may exec (`EXEC`). The child sends back
//! JSON lines: the events of each step it takes, or the error that stopped
//! it, so that a failure inside the container is reported by the parent as
//! a clear message instead of being lost. The child's end is close-on-exec:
//! when execve succeeds the parent reads end-of-file.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::OwnedFd;

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
    Event(Event),
    Error(ChildError),
    /// Setup is done; the child waits for `EXEC` so that narration is
    /// printed before the command's own output.
    Ready,
}

pub struct ParentSide {
    from_child: BufReader<File>,
    to_child: File,
}

pub struct ChildSide {
    from_parent: File,
    to_parent: File,
    /// Whether the parent prints events (not with `--trace quiet`).
    narrated: bool,
}

/// Two close-on-exec pipes, one each way. With `narrated` false the child
/// sends no events and does not wait for them to be printed.
pub fn pair(narrated: bool) -> nix::Result<(ParentSide, ChildSide)> {
    let (c_read, c_write): (OwnedFd, OwnedFd) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let (p_read, p_write): (OwnedFd, OwnedFd) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    Ok((
        ParentSide {
            from_child: BufReader::new(File::from(c_read)),
            to_child: File::from(p_write),
        },
        ChildSide {
            from_parent: File::from(p_read),
            to_parent: File::from(c_write),
            narrated,
        },
    ))
}

impl ParentSide {
    pub fn go(&mut self) -> io::Result<()> {
        self.to_child.write_all(&[GO])
    }

    pub fn exec(&mut self) -> io::Result<()> {
        self.to_child.write_all(&[EXEC])
    }

    /// The next message, or `None` at end of file (the child exec'd or died).
    pub fn recv(&mut self) -> io::Result<Option<ChildMsg>> {
        let mut line = String::new();
        if self.from_child.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        serde_json::from_str(&line)
            .map(Some)
            .map_err(io::Error::other)
    }
}

impl ChildSide {
    /// A side with both ends closed, to replace one that is dropped.
    pub fn closed() -> ChildSide {
        let null = || File::open("/dev/null").expect("/dev/null exists in every container");
        ChildSide {
            from_parent: null(),
            to_parent: null(),
            narrated: false,
        }
    }

    pub fn send(&mut self, msg: &ChildMsg) -> io::Result<()> {
        let mut line = serde_json::to_string(msg).map_err(io::Error::other)?;
        line.push('\n');
        self.to_parent.write_all(line.as_bytes())
    }

    pub fn event(&mut self, e: Event) -> io::Result<()> {
        if !self.narrated {
            return Ok(());
        }
        self.send(&ChildMsg::Event(e))
    }

    /// Block until the parent sends `want`; end of file means the parent died.
    fn wait_for(&mut self, want: u8) -> io::Result<()> {
        let mut b = [0u8];
        self.from_parent.read_exact(&mut b)?;
        if b[0] == want {
            Ok(())
        } else {
            Err(io::Error::other("unexpected message from dockling"))
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
