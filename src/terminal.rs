//! Terminals: the container's own pseudo-terminal, and the caller's.
//!
//! A terminal is more than a pipe: it has a session that owns it (its
//! controlling terminal), a foreground process group that gets SIGINT on
//! Ctrl-C, a window size, and ioctls such as TIOCSTI, which pushes bytes
//! into its input as if typed. A container that kept the terminal of the
//! shell that started dockling could type commands into that shell. So the
//! container never holds the caller's terminal: it runs in a session of
//! its own (setsid), and with `-t` it gets a new pseudo-terminal pair from
//! its own devpts instance: the child keeps the slave end as its stdin,
//! stdout, stderr and controlling terminal (`tty` inside prints
//! /dev/pts/0), and passes the master end to dockling, which copies bytes
//! between it and the caller's terminal, in raw mode, so that Ctrl-C and
//! the arrow keys reach the container as keystrokes.
//!
//! Lesson 2. Man pages: pty(7), setsid(2), ioctl_tty(2) (TIOCSCTTY,
//! TIOCGPTPEER, TIOCSTI, TIOCSWINSZ), termios(3) (cfmakeraw).

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::Path;

use nix::sys::termios::{self, SetArg, Termios};

/// Open a new pseudo-terminal pair from the devpts instance whose `ptmx`
/// is at `ptmx`: returns (master, slave, its number under /dev/pts).
pub fn open_pair(ptmx: &Path) -> io::Result<(OwnedFd, OwnedFd, u32)> {
    use std::os::unix::fs::OpenOptionsExt;
    let master: OwnedFd = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(ptmx)?
        .into();
    let mut unlock: libc::c_int = 0;
    // SAFETY: TIOCSPTLCK takes a pointer to an int; the fd is a ptmx.
    if unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSPTLCK, &mut unlock) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut number: libc::c_uint = 0;
    // SAFETY: TIOCGPTN writes the pty number into the int.
    if unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCGPTN, &mut number) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // TIOCGPTPEER opens the slave through the master, not by a path that
    // something could have replaced.
    // SAFETY: TIOCGPTPEER takes open flags and returns a new descriptor.
    let slave = unsafe {
        libc::ioctl(
            master.as_raw_fd(),
            libc::TIOCGPTPEER,
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        )
    };
    if slave < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new descriptor from the ioctl, owned from here on.
    let slave = unsafe { OwnedFd::from_raw_fd(slave) };
    Ok((master, slave, number))
}

/// Make `slave` this session's controlling terminal and stdin, stdout and
/// stderr. The caller must lead a session with no terminal (after setsid).
pub fn become_controlling(slave: BorrowedFd) -> io::Result<()> {
    // SAFETY: TIOCSCTTY takes an int argument (0: do not steal).
    if unsafe { libc::ioctl(slave.as_raw_fd(), libc::TIOCSCTTY, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    for target in 0..=2 {
        // SAFETY: dup2 onto the standard descriptors, which we mean to replace.
        if unsafe { libc::dup2(slave.as_raw_fd(), target) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Copy the window size of terminal `from` to terminal `to`.
pub fn copy_size(from: BorrowedFd, to: BorrowedFd) -> io::Result<()> {
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ fills a winsize.
    if unsafe { libc::ioctl(from.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: TIOCSWINSZ reads a winsize.
    if unsafe { libc::ioctl(to.as_raw_fd(), libc::TIOCSWINSZ, &ws) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Set a terminal's window size (rows, columns): what `stty rows R cols C`
/// does, and what an attached client's SIGWINCH becomes.
pub fn set_size(fd: BorrowedFd, rows: u16, cols: u16) -> io::Result<()> {
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads a winsize.
    if unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &ws) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The window size of terminal `fd`: (rows, columns).
pub fn size(fd: BorrowedFd) -> io::Result<(u16, u16)> {
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ fills a winsize.
    if unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((ws.ws_row, ws.ws_col))
}

pub fn is_terminal(fd: BorrowedFd) -> bool {
    nix::unistd::isatty(fd).unwrap_or(false)
}

/// The caller's terminal in raw mode for as long as this lives: every key
/// goes to the container as a byte (Ctrl-C included) and nothing is
/// echoed twice. Dropping it puts the old settings back, on every way out
/// of a run (dockling handles its signals itself, so only SIGKILL skips it).
pub struct RawMode {
    fd: OwnedFd,
    saved: Termios,
}

impl RawMode {
    pub fn enter(fd: BorrowedFd) -> io::Result<RawMode> {
        let fd = fd.try_clone_to_owned()?;
        let saved = termios::tcgetattr(&fd)?;
        let mut raw = saved.clone();
        termios::cfmakeraw(&mut raw);
        termios::tcsetattr(&fd, SetArg::TCSANOW, &raw)?;
        Ok(RawMode { fd, saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // Nothing better to do if the terminal is gone.
        let _ = termios::tcsetattr(self.fd.as_fd(), SetArg::TCSANOW, &self.saved);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_from_the_hosts_ptmx_carries_bytes_and_sizes() {
        let Ok((master, slave, n)) = open_pair(Path::new("/dev/ptmx")) else {
            eprintln!("NOT RUN: no /dev/ptmx here");
            return;
        };
        assert!(is_terminal(slave.as_fd()));
        assert!(Path::new(&format!("/dev/pts/{n}")).exists());
        let ws = libc::winsize {
            ws_row: 33,
            ws_col: 101,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCSWINSZ reads a winsize.
        assert_eq!(
            unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &ws) },
            0
        );
        copy_size(master.as_fd(), slave.as_fd()).unwrap();
        let mut got: libc::winsize = unsafe { std::mem::zeroed() };
        // SAFETY: TIOCGWINSZ fills a winsize.
        unsafe { libc::ioctl(slave.as_raw_fd(), libc::TIOCGWINSZ, &mut got) };
        assert_eq!((got.ws_row, got.ws_col), (33, 101));
        nix::unistd::write(&master, b"hi\n").unwrap();
        let mut buf = [0u8; 16];
        let k = nix::unistd::read(&slave, &mut buf).unwrap();
        assert_eq!(&buf[..k], b"hi\n");
    }
}
