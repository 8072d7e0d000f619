//! Processes: creating the container's process, its exit status, signals.
//!
//! A container starts as a clone(2) of dockling. With no `CLONE_NEW*`
//! flags that is exactly fork(2); later lessons add namespace flags to the
//! same call. dockling blocks the signals it wants to hear about
//! (SIGINT, SIGTERM, …, and SIGCHLD) and waits for them with sigwait(2), so
//! a Ctrl-C never interrupts cleanup halfway: it is passed on to the
//! container and dockling carries on to the undo.
//!
//! Man pages: clone(2), wait4(2), sigwait(3), signal(7).

use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;

/// Signals dockling passes on to the container instead of dying of them.
pub const FORWARDED: &[Signal] = &[
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
];

/// The shell's convention for "killed by signal N".
pub const SIGNAL_EXIT_BASE: i32 = 128;

/// Create a child with `flags` (CLONE_NEW* bits; SIGCHLD is added).
/// Like fork(2), returns `Some(pid)` in the parent and `None` in the child.
pub fn clone(flags: libc::c_int) -> nix::Result<Option<Pid>> {
    // SAFETY: with a NULL stack, clone behaves like fork: the child runs on
    // a copy-on-write copy of our stack. The callers are single-threaded
    // (the engine checks it with assert_single_threaded; PID 1 of --init
    // has one thread), so no lock can be held by a thread that does not
    // exist in the child.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_clone,
            (flags | libc::SIGCHLD) as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        )
    };
    match ret {
        -1 => Err(nix::Error::last()),
        0 => Ok(None),
        pid => Ok(Some(Pid::from_raw(pid as i32))),
    }
}

/// Check the invariant `clone` relies on: this process has one thread. A
/// fork of a process with more would copy memory that other threads hold
/// locks in, and the child could deadlock on them.
pub fn assert_single_threaded() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse::<u32>().ok());
    assert!(
        threads.is_none_or(|n| n == 1),
        "dockling must be single-threaded when it clones the container ({threads:?} threads)"
    );
}

/// The signals the parent handles synchronously.
pub fn handled_signals() -> SigSet {
    let mut set = SigSet::empty();
    for s in FORWARDED {
        set.add(*s);
    }
    set.add(Signal::SIGCHLD);
    set
}

/// Signals that ask dockling to stop the container (and, before there is
/// one, to stop setting it up).
pub fn is_stop(signal: Signal) -> bool {
    matches!(
        signal,
        Signal::SIGINT | Signal::SIGTERM | Signal::SIGHUP | Signal::SIGQUIT
    )
}

/// A run's signals: blocked from its first step to its last and read from
/// a signalfd, so that none ever interrupts dockling halfway. Each is
/// handled where dockling chooses: passed on to the container once it
/// exists, and before that, a stop signal ends the setup, which is then
/// undone like any failure. SIGWINCH (the terminal was resized) is read
/// the same way, for `-t`.
pub struct Signals {
    fd: nix::sys::signalfd::SignalFd,
    old: SigSet,
}

impl Signals {
    pub fn block() -> nix::Result<Signals> {
        let mut set = handled_signals();
        set.add(Signal::SIGWINCH);
        let old = block(&set)?;
        let fd = nix::sys::signalfd::SignalFd::with_flags(
            &set,
            nix::sys::signalfd::SfdFlags::SFD_NONBLOCK | nix::sys::signalfd::SfdFlags::SFD_CLOEXEC,
        )?;
        Ok(Signals { fd, old })
    }

    /// For poll(2).
    pub fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(&self.fd)
    }

    /// The mask to give a process that should not inherit the blocking.
    pub fn old_mask(&self) -> &SigSet {
        &self.old
    }

    /// The next signal that arrived, if any (never blocks).
    pub fn next(&self) -> nix::Result<Option<Signal>> {
        loop {
            match self.fd.read_signal() {
                Ok(Some(info)) => match Signal::try_from(info.ssi_signo as i32) {
                    Ok(s) => return Ok(Some(s)),
                    Err(_) => continue,
                },
                Ok(None) => return Ok(None),
                Err(nix::Error::EINTR) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// A stop signal that arrived since the last look, if any; other
    /// signals are dropped (nothing runs yet to pass them on to).
    pub fn stop_requested(&self) -> nix::Result<Option<Signal>> {
        while let Some(s) = self.next()? {
            if is_stop(s) {
                return Ok(Some(s));
            }
        }
        Ok(None)
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        // Drop what is pending, so that unblocking does not deliver it now
        // (a late Ctrl-C must not turn a finished run's exit code into 130).
        while let Ok(Some(_)) = self.next() {}
        let _ = set_mask(&self.old);
    }
}

/// Block `set`, returning the previous mask so the child can restore it.
pub fn block(set: &SigSet) -> nix::Result<SigSet> {
    let mut old = SigSet::empty();
    nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(set), Some(&mut old))?;
    Ok(old)
}

/// Wait for one of the blocked signals in `set`, at most `timeout`
/// (forever with `None`). `Ok(None)` means the time ran out.
pub fn wait_signal(
    set: &SigSet,
    timeout: Option<std::time::Duration>,
) -> nix::Result<Option<Signal>> {
    let Some(t) = timeout else {
        return set.wait().map(Some);
    };
    let ts = libc::timespec {
        tv_sec: t.as_secs() as libc::time_t,
        tv_nsec: t.subsec_nanos() as libc::c_long,
    };
    // SAFETY: the set and timespec are valid for the call; siginfo may be NULL.
    let ret = unsafe { libc::sigtimedwait(set.as_ref(), std::ptr::null_mut(), &ts) };
    match ret {
        -1 if nix::Error::last() == nix::Error::EAGAIN => Ok(None),
        -1 if nix::Error::last() == nix::Error::EINTR => Ok(None),
        -1 => Err(nix::Error::last()),
        n => Signal::try_from(n).map(Some),
    }
}

/// Close every descriptor except 0, 1, 2 and `keep`: what dockling's
/// caller left open (a shell's `exec 9</`), dockling's own journal, sockets
/// and pipes. close_range(2) closes a whole range in one call.
pub fn close_fds_except(keep: &[std::os::fd::RawFd]) -> nix::Result<()> {
    let mut keep: Vec<u32> = keep.iter().filter(|&&k| k > 2).map(|&k| k as u32).collect();
    keep.sort_unstable();
    keep.dedup();
    let mut first = 3u32;
    for k in keep.into_iter().chain(std::iter::once(u32::MAX)) {
        if k > first {
            let last = if k == u32::MAX { u32::MAX } else { k - 1 };
            // SAFETY: closes descriptors only; none is used by Rust objects
            // that outlive this call in the child (they were dropped or kept).
            if unsafe { libc::syscall(libc::SYS_close_range, first, last, 0) } != 0 {
                return Err(nix::Error::last());
            }
        }
        first = k.saturating_add(1);
    }
    Ok(())
}

/// Set every signal's action back to the default, as execve does for
/// handled signals but not for ignored ones: dockling (like every Rust
/// program) ignores SIGPIPE, and a container that inherited that would not
/// die when writing to a closed pipe. Returns how many were ignored.
pub fn reset_signal_dispositions() -> usize {
    let mut ignored = 0;
    for n in 1..=libc::SIGRTMAX() {
        if n == libc::SIGKILL || n == libc::SIGSTOP {
            continue;
        }
        // SAFETY: a zeroed sigaction with SIG_DFL is a valid argument; the
        // old one is written into `old`.
        unsafe {
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = libc::SIG_DFL;
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(n, &new, &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN {
                ignored += 1;
            }
        }
    }
    ignored
}

pub fn set_mask(mask: &SigSet) -> nix::Result<()> {
    nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(mask), None)
}

/// While it lives, Ctrl-C (SIGINT), SIGTERM, SIGHUP and SIGQUIT run a
/// cleanup and end the process with 128+N, for work that is not a
/// container run (a pull's partial downloads). The signals are blocked in
/// the thread that makes it, and so in the threads it starts afterwards;
/// one watcher thread takes them. Dropping it stops the watcher and
/// restores the signal mask.
pub struct Interrupts {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    watcher: Option<std::thread::JoinHandle<()>>,
    old: SigSet,
}

pub fn on_interrupt(cleanup: impl Fn() + Send + 'static) -> nix::Result<Interrupts> {
    let mut set = SigSet::empty();
    for s in [
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGQUIT,
    ] {
        set.add(s);
    }
    let old = block(&set)?;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = done.clone();
    let watcher = std::thread::spawn(move || {
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            if let Ok(Some(sig)) = wait_signal(&set, Some(std::time::Duration::from_millis(10))) {
                cleanup();
                std::process::exit(128 + sig as i32);
            }
        }
    });
    Ok(Interrupts {
        done,
        watcher: Some(watcher),
        old,
    })
}

impl Drop for Interrupts {
    fn drop(&mut self) {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(w) = self.watcher.take() {
            let _ = w.join();
        }
        let _ = set_mask(&self.old);
    }
}

/// How a process ended, as dockling reports it and as its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Exited(i32),
    Signaled(Signal),
}

impl Ended {
    pub fn from_status(status: WaitStatus) -> Option<Ended> {
        match status {
            WaitStatus::Exited(_, code) => Some(Ended::Exited(code)),
            WaitStatus::Signaled(_, sig, _) => Some(Ended::Signaled(sig)),
            _ => None,
        }
    }

    /// dockling's own exit code: the command's, or 128+N for signal N.
    pub fn code(self) -> i32 {
        match self {
            Ended::Exited(c) => c,
            Ended::Signaled(s) => SIGNAL_EXIT_BASE + s as i32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_shell_convention() {
        assert_eq!(Ended::Exited(7).code(), 7);
        assert_eq!(Ended::Signaled(Signal::SIGKILL).code(), 137);
        assert_eq!(Ended::Signaled(Signal::SIGTERM).code(), 143);
    }
}
