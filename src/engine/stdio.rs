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
//! The copying is driven by the same poll(2) loop that waits for the
//! container (parent.rs), so it never blocks dockling's signal handling.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use crate::terminal;

/// One direction of copying.
struct Copy {
    from: OwnedFd,
    /// Ours (0, 1 or 2) or a pipe/master end we own.
    to: Target,
    open: bool,
}

enum Target {
    Ours(RawFd),
    Owned(OwnedFd),
    /// The pty master, shared with the copy the other way.
    Master,
}

pub struct Stdio {
    /// What the child puts on descriptors 0, 1 and 2 (`None`: what it
    /// inherited). Dropped in the parent right after clone.
    child: [Option<OwnedFd>; 3],
    copies: Vec<Copy>,
    tty: bool,
    interactive: bool,
    master: Option<OwnedFd>,
    raw: Option<terminal::RawMode>,
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?)
}

fn ours(fd: RawFd) -> BorrowedFd<'static> {
    // SAFETY: 0, 1 and 2 stay open for the life of the process.
    unsafe { BorrowedFd::borrow_raw(fd) }
}

impl Stdio {
    /// Decide, before clone, and make the pipes.
    pub fn plan(tty: bool, interactive: bool) -> io::Result<Stdio> {
        let mut s = Stdio {
            child: [None, None, None],
            copies: Vec::new(),
            tty,
            interactive,
            master: None,
            raw: None,
        };
        if !interactive {
            s.child[0] = Some(std::fs::File::open("/dev/null")?.into());
        } else if !tty && terminal::is_terminal(ours(0)) {
            let (r, w) = pipe()?;
            s.child[0] = Some(r);
            s.copies.push(Copy {
                from: ours(0).try_clone_to_owned()?,
                to: Target::Owned(w),
                open: true,
            });
        }
        if !tty {
            for fd in [1, 2] {
                if terminal::is_terminal(ours(fd)) {
                    let (r, w) = pipe()?;
                    s.child[fd as usize] = Some(w);
                    s.copies.push(Copy {
                        from: r,
                        to: Target::Ours(fd),
                        open: true,
                    });
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

    /// Whether dockling copies anything (then it never prints usage lines
    /// into the container's output, and waits for the copies to drain).
    pub fn interactive(&self) -> bool {
        self.tty || self.interactive
    }

    /// The container's terminal arrived: copy it to our stdout, our stdin
    /// to it with `-i`; raw mode and the window size from our terminal.
    pub fn attach_terminal(&mut self, master: OwnedFd) -> io::Result<()> {
        nix::fcntl::fcntl(
            &master,
            nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
        )?;
        self.resize();
        self.copies.push(Copy {
            from: master.try_clone()?,
            to: Target::Ours(1),
            open: true,
        });
        if self.interactive {
            self.copies.push(Copy {
                from: ours(0).try_clone_to_owned()?,
                to: Target::Master,
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
        for fd in [0, 1, 2] {
            if terminal::is_terminal(ours(fd)) {
                // A terminal that cannot say its size leaves the default.
                let _ = terminal::copy_size(ours(fd), m.as_fd());
                return;
            }
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
    pub fn pump(&mut self, fd: RawFd) {
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
                    c.to = Target::Ours(-1);
                }
                return;
            }
            Ok(n) => n,
        };
        let to = match &c.to {
            Target::Ours(fd) => *fd,
            Target::Owned(f) => f.as_raw_fd(),
            Target::Master => master.unwrap_or(-1),
        };
        if to < 0 || write_all(to, &buf[..n]).is_err() {
            c.open = false;
        }
    }

    /// After the container ended: copy what is still buffered, without
    /// waiting for writers that may never close (a leftover daemon of a
    /// stage without a PID namespace): non-blocking reads, a bounded number.
    pub fn drain(&mut self) {
        let sources: Vec<RawFd> = self
            .copies
            .iter()
            .filter(|c| c.open && matches!(c.to, Target::Ours(_)))
            .map(|c| c.from.as_raw_fd())
            .collect();
        for &fd in &sources {
            // SAFETY: fd is one of our open copy sources (a pipe or the master).
            let fd = unsafe { BorrowedFd::borrow_raw(fd) };
            // Without O_NONBLOCK a read would wait; the copy then just ends.
            let _ = nix::fcntl::fcntl(
                fd,
                nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
            );
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
                self.pump(fd);
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
