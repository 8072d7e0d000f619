//! A minimal init for PID 1 (`--init`), like docker's `--init` (tini).
//!
//! In a PID namespace, process 1 adopts every orphan and must wait for it,
//! or the orphan stays a zombie. It also gets no default signal actions:
//! a SIGTERM to a PID 1 without a handler does nothing. This loop, running
//! in the container's first process after it forked the command, passes
//! signals on, reaps every child, and exits with the command's status.

use nix::sys::signal::Signal;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

use crate::process::{self, Ended};

pub fn run(command: Pid) -> ! {
    let signals = process::handled_signals();
    loop {
        let Ok(signal) = signals.wait() else { continue };
        if signal != Signal::SIGCHLD {
            let _ = nix::sys::signal::kill(command, signal);
            continue;
        }
        // Reap everything that has exited: the command and any orphans.
        loop {
            match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) | Err(_) => break,
                Ok(status) => {
                    if status.pid() == Some(command)
                        && let Some(ended) = Ended::from_status(status)
                    {
                        // SAFETY: _exit is always safe; PID 1 exiting ends
                        // the namespace, and the kernel kills what is left.
                        unsafe { libc::_exit(ended.code()) }
                    }
                }
            }
        }
    }
}
