//! The container's stdin, stdout and stderr, and the parent's copying.
//!
//! As with `docker run`, the container never gets the caller's terminal:
//! - with `-t`, the child makes its own pseudo-terminal and sends dockling
//!   the master end; dockling copies it to its stdout, and its stdin to it
//!   with `-i` (in raw mode when stdin is a terminal);
//! - without `-t`, a stdout or stderr that is a terminal is replaced by a
//!   pipe that dockling copies to the terminal; pipes and files are passed
//!   as they are (nothing to protect, nothing to copy);
//! - stdin is /dev/null unless `-i`; with `-i` a terminal stdin goes
//!   through a pipe too.
//!
//! A container with a life of its own (stage 7) has its output *captured*:
//! it always goes through dockling, which hands each chunk to the run's
//! [`Hooks`] (its log, attached clients) and, in the foreground, to the
//! terminal too. A monitor's own stdio is nobody's: input comes from
//! attached clients instead ([`Stdio::feed`]).
//!
//! The copying is driven by the same poll(2) loop that waits for the
//! container (parent.rs), so it never blocks dockling's signal handling.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use super::hooks::{Hooks, Stream};
use crate::terminal;

/// One direction of copying.
struct Copy {
    from: OwnedFd,
    to: Target,
    /// Captured as this stream (stage 7's log).
    stream: Option<Stream>,
    open: bool,
}

enum Target {
    /// Ours (1 or 2).
    Ours(RawFd),
    /// A pipe to the container.
    Owned(OwnedFd),
    /// The pty master, shared with the copy the other way.
    Master,
    /// Nowhere but the hooks (a monitor's stdio is /dev/null).
    Discard,
}

pub struct Stdio {
    /// What the child puts on descriptors 0, 1 and 2 (`None`: what it
    /// inherited). Dropped in the parent right after clone.
    child: [Option<OwnedFd>; 3],
    copies: Vec<Copy>,
    tty: bool,
    interactive: bool,
    foreground: bool,
    capture: bool,
    master: Option<OwnedFd>,
    raw: Option<terminal::RawMode>,
    /// The write end of the container's stdin, fed by attached clients.
    input: Option<OwnedFd>,
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?)
}

fn ours(fd: RawFd) -> BorrowedFd<'static> {
    // SAFETY: 0, 1 and 2 stay open for the life of the process.
    unsafe { BorrowedFd::borrow_raw(fd) }
}

fn nonblocking(fd: BorrowedFd) -> io::Result<()> {
    nix::fcntl::fcntl(
        fd,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    )?;
    Ok(())
}

impl Stdio {
    /// Decide, before clone, and make the pipes.
    pub fn plan(tty: bool, interactive: bool, hooks: &dyn Hooks) -> io::Result<Stdio> {
        let (foreground, capture) = (hooks.foreground(), hooks.captures());
        let mut s = Stdio {
            child: [None, None, None],
            copies: Vec::new(),
            tty,
            interactive,
            foreground,
            capture,
            master: None,
            raw: None,
            input: None,
        };
        if !interactive {
            s.child[0] = Some(std::fs::File::open("/dev/null")?.into());
        } else if !tty && !foreground {
            // A monitor: attached clients type into this pipe.
            let (r, w) = pipe()?;
            s.child[0] = Some(r);
            s.input = Some(w);
        } else if !tty && terminal::is_terminal(ours(0)) {
            let (r, w) = pipe()?;
            s.child[0] = Some(r);
            s.copies.push(Copy {
                from: ours(0).try_clone_to_owned()?,
                to: Target::Owned(w),
                stream: None,
                open: true,
            });
        }
        if !tty {
            for (fd, stream) in [(1, Stream::Stdout), (2, Stream::Stderr)] {
                if capture || (foreground && terminal::is_terminal(ours(fd))) {
                    let (r, w) = pipe()?;
                    s.child[fd as usize] = Some(w);
                    s.copies.push(Copy {
                        from: r,
                        to: if foreground {
                            Target::Ours(fd)
                        } else {
                            Target::Discard
                        },
                        stream: capture.then_some(stream),
                        open: true,
                    });
                } else if !foreground {
                    s.child[fd as usize] = Some(
                        std::fs::OpenOptions::new()
                            .write(true)
                            .open("/dev/null")?
                            .into(),
                    );
                }
            }
        }
        Ok(s)
    }

    /// The descriptors the child must put on 0, 1, 2, as raw numbers.
    pub fn for_child(&self) -> [Option<RawFd>; 3] {
        let raw = |f: &Option<OwnedFd>| f.as_ref().map(|f| f.as_raw_fd());
        [
            raw(&self.child[0]),
            raw(&self.child[1]),
            raw(&self.child[2]),
        ]
    }

    /// In the parent, after clone: the child has its copies.
    pub fn after_clone(&mut self) {
        self.child = [None, None, None];
    }

    /// Whether the container's output or input passes through dockling's
    /// terminal (then it never prints usage lines into it).
    pub fn interactive(&self) -> bool {
        self.tty || self.interactive
    }

    /// The container's terminal arrived: copy it to our stdout (and the
    /// hooks), our stdin to it with `-i`; raw mode and the window size
    /// from our terminal.
    pub fn attach_terminal(&mut self, master: OwnedFd) -> io::Result<()> {
        nonblocking(master.as_fd())?;
        self.copies.push(Copy {
            from: master.try_clone()?,
            to: if self.foreground {
                Target::Ours(1)
            } else {
                Target::Discard
            },
            stream: self.capture.then_some(Stream::Stdout),
            open: true,
        });
        if self.interactive && self.foreground {
            self.copies.push(Copy {
                from: ours(0).try_clone_to_owned()?,
                to: Target::Master,
                stream: None,
                open: true,
            });
            if terminal::is_terminal(ours(0)) {
                self.raw = Some(terminal::RawMode::enter(ours(0))?);
            }
        }
        self.master = Some(master);
        self.resize();
        Ok(())
    }

    /// SIGWINCH: our terminal changed size; so does the container's.
    pub fn resize(&self) {
        let Some(m) = &self.master else { return };
        if !self.foreground {
            return;
        }
        for fd in [0, 1, 2] {
            if terminal::is_terminal(ours(fd)) {
                // A terminal that cannot say its size leaves the default.
                let _ = terminal::copy_size(ours(fd), m.as_fd());
                return;
            }
        }
    }

    /// An attached client's window size, for the container's terminal.
    pub fn resize_to(&self, rows: u16, cols: u16) {
        if let Some(m) = &self.master {
            // A terminal that cannot take a size keeps its own.
            let _ = terminal::set_size(m.as_fd(), rows, cols);
        }
    }

    /// Input from an attached client, for the container's stdin (its
    /// terminal with `-t`; nothing without `-i`).
    pub fn feed(&mut self, data: &[u8]) {
        if data.is_empty() || !self.interactive {
            return;
        }
        let fd = match (&self.master, &self.input) {
            (Some(m), _) if self.tty => m.as_raw_fd(),
            (_, Some(i)) => i.as_raw_fd(),
            _ => return,
        };
        if write_all(fd, data).is_err() && !self.tty {
            // The container closed its stdin: nothing more goes in.
            self.input = None;
        }
    }

    /// The descriptors to poll for reading.
    pub fn sources(&self) -> Vec<BorrowedFd<'_>> {
        self.copies
            .iter()
            .filter(|c| c.open)
            .map(|c| c.from.as_fd())
            .collect()
    }

    /// Copy what `fd` has (one read). At end of file or an error the copy
    /// stops; a pipe to the container is closed so that it sees end of file.
    pub fn pump(&mut self, fd: RawFd, hooks: &mut dyn Hooks) {
        let master = self.master.as_ref().map(|m| m.as_raw_fd());
        let Some(c) = self
            .copies
            .iter_mut()
            .find(|c| c.open && c.from.as_raw_fd() == fd)
        else {
            return;
        };
        let mut buf = [0u8; 65536];
        let n = match nix::unistd::read(&c.from, &mut buf) {
            Ok(0) | Err(_) => {
                c.open = false;
                if let Target::Owned(_) = c.to {
                    c.to = Target::Discard;
                }
                return;
            }
            Ok(n) => n,
        };
        if let Some(stream) = c.stream {
            hooks.output(stream, &buf[..n]);
        }
        let to = match &c.to {
            Target::Ours(fd) => *fd,
            Target::Owned(f) => f.as_raw_fd(),
            Target::Master => master.unwrap_or(-1),
            Target::Discard => return,
        };
        if to < 0 || write_all(to, &buf[..n]).is_err() {
            c.open = false;
        }
    }

    /// After the container ended: copy what is still buffered, without
    /// waiting for writers that may never close (a leftover daemon of a
    /// stage without a PID namespace): non-blocking reads, a bounded number.
    pub fn drain(&mut self, hooks: &mut dyn Hooks) {
        let sources: Vec<RawFd> = self
            .copies
            .iter()
            .filter(|c| c.open && matches!(c.to, Target::Ours(_) | Target::Discard))
            .map(|c| c.from.as_raw_fd())
            .collect();
        for &fd in &sources {
            // SAFETY: fd is one of our open copy sources (a pipe or the master).
            let fd = unsafe { BorrowedFd::borrow_raw(fd) };
            // Without O_NONBLOCK a read would wait; the copy then just ends.
            let _ = nonblocking(fd);
        }
        for _ in 0..4096 {
            let open: Vec<RawFd> = sources
                .iter()
                .copied()
                .filter(|fd| {
                    self.copies
                        .iter()
                        .any(|c| c.open && c.from.as_raw_fd() == *fd)
                })
                .collect();
            if open.is_empty() {
                break;
            }
            for fd in open {
                // Nothing left to read (EAGAIN) or end of file ends the copy.
                self.pump(fd, hooks);
            }
        }
        self.raw = None;
    }
}

fn write_all(fd: RawFd, mut bytes: &[u8]) -> io::Result<()> {
    // SAFETY: fd is open for the duration of the call (ours or owned).
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    while !bytes.is_empty() {
        match nix::unistd::write(fd, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(nix::Error::EINTR) => {}
            Err(nix::Error::EAGAIN) => {
                let mut p = [nix::poll::PollFd::new(fd, nix::poll::PollFlags::POLLOUT)];
                let _ = nix::poll::poll(&mut p, nix::poll::PollTimeout::from(1000u16));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
