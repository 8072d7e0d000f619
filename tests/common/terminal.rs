//! A pseudo-terminal to drive dockling as a student's shell would: dockling
//! in a session whose controlling terminal it is, keystrokes typed into
//! it, the screen read back, the window resized.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub struct Terminal {
    master: OwnedFd,
    child: Child,
    /// Everything shown so far.
    pub screen: String,
    /// How much of `screen` `expect` has consumed.
    seen: usize,
}

fn set_size(fd: &OwnedFd, rows: u16, cols: u16) {
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads a winsize from the pointer given.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
    assert_eq!(r, 0, "TIOCSWINSZ: {}", std::io::Error::last_os_error());
}

impl Terminal {
    /// Start `cmd` on a new terminal of `rows`×`cols`.
    pub fn spawn(mut cmd: Command, rows: u16, cols: u16) -> Terminal {
        let pty = nix::pty::openpty(None, None).unwrap();
        set_size(&pty.master, rows, cols);
        let s = pty.slave.as_raw_fd();
        // SAFETY: dup of an open descriptor, for the child's stdio.
        let dup = |fd| unsafe { Stdio::from(OwnedFd::from_raw_fd(libc::dup(fd))) };
        cmd.stdin(dup(s)).stdout(dup(s)).stderr(dup(s));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap();
        drop(pty.slave);
        nix::fcntl::fcntl(
            &pty.master,
            nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
        )
        .unwrap();
        Terminal {
            master: pty.master,
            child,
            screen: String::new(),
            seen: 0,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Type `keys`.
    pub fn send(&mut self, keys: &[u8]) {
        nix::unistd::write(&self.master, keys).unwrap();
    }

    /// Change the window's size, as a terminal emulator does when its
    /// window is resized (the kernel sends SIGWINCH to the foreground).
    pub fn resize(&mut self, rows: u16, cols: u16) {
        set_size(&self.master, rows, cols);
    }

    fn pump(&mut self) {
        let mut buf = [0u8; 4096];
        loop {
            match nix::unistd::read(&self.master, &mut buf) {
                Ok(n) if n > 0 => self.screen.push_str(&String::from_utf8_lossy(&buf[..n])),
                _ => return,
            }
        }
    }

    /// Wait until `text` appears after what was already expected; the
    /// screen up to it.
    pub fn expect(&mut self, text: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            self.pump();
            if let Some(at) = self.screen[self.seen..].find(text) {
                let upto = self.seen + at + text.len();
                let shown = self.screen[self.seen..upto].to_string();
                self.seen = upto;
                return shown;
            }
            assert!(
                Instant::now() < deadline,
                "{text:?} did not appear within {secs}s; the screen:\n{}",
                self.screen
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Wait for the program to end; its status (the screen is complete).
    pub fn wait(&mut self, secs: u64) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            self.pump();
            if let Some(st) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(30));
                self.pump();
                return st;
            }
            assert!(
                Instant::now() < deadline,
                "it did not end within {secs}s; the screen:\n{}",
                self.screen
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
