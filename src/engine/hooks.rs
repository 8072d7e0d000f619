//! What a container's supervisor learns from a run while it happens.
//!
//! A foreground stage needs nothing of the kind: dockling is on the
//! terminal and the container's output goes straight to it. A container
//! with a life of its own (stage 7) has a supervisor, its *monitor*, that
//! keeps what the container prints (its log), lets clients attach to it,
//! and records when it started. The engine calls these hooks from the
//! same poll loop that waits for the container, so none of them may block.

use std::os::fd::RawFd;

/// Which of the container's output streams a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

pub trait Hooks {
    /// Whether the container's output is captured (then it always goes
    /// through dockling, to [`Hooks::output`]).
    fn captures(&self) -> bool {
        false
    }

    /// Whether dockling's own stdin, stdout and stderr belong to the run
    /// (a foreground run) or to nobody (a monitor's are /dev/null).
    fn foreground(&self) -> bool {
        true
    }

    /// The command has been exec'd: the container runs as `pid` (in the
    /// host's PID namespace).
    fn started(&mut self, _pid: i32) {}

    /// The kernel's OOM killer ended the container.
    fn oom_killed(&mut self) {}

    /// A chunk of the container's output.
    fn output(&mut self, _stream: Stream, _data: &[u8]) {}

    /// More descriptors to poll while the container runs (an attach socket
    /// and its clients).
    fn fds(&self) -> Vec<RawFd> {
        Vec::new()
    }

    /// One of [`Hooks::fds`] is readable. Returns input for the container's
    /// stdin, and a new window size for its terminal, if any.
    fn ready(&mut self, _fd: RawFd) -> Ready {
        Ready::default()
    }
}

/// What [`Hooks::ready`] found.
#[derive(Debug, Default)]
pub struct Ready {
    pub input: Vec<u8>,
    /// (rows, columns)
    pub resize: Option<(u16, u16)>,
}

/// A run nobody watches but dockling itself, in the foreground.
pub struct Foreground;

impl Hooks for Foreground {}
