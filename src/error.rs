//! dockling's own failures, each with a message that names what failed and,
//! where we know one, a hint for what to do. All of them exit with 125, the
//! code docker uses for "the runtime failed, not your command".

use std::io;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::narrate::Step;

/// The exit code for any failure of dockling itself.
pub const EXIT_DOCKLING_FAILED: i32 = 125;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{what} needs root (it uses {why})")]
    NotRoot { what: String, why: &'static str },
    #[error("rootfs {path}: {problem}")]
    Rootfs {
        path: PathBuf,
        problem: String,
        hint: String,
    },
    #[error("{0}")]
    Child(ChildError),
    #[error("cannot {what} {path}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{what}")]
    Sys {
        what: String,
        #[source]
        source: nix::Error,
    },
    #[error(transparent)]
    Fetch(#[from] rootfs_fetch::Error),
    #[error("{0}")]
    Usage(String),
    #[error("{message}")]
    Hinted { message: String, hint: String },
    /// A container command named no container (docker: exit 1).
    #[error("No such container: {0}")]
    NoSuchContainer(String),
    /// What docker refuses with exit 1 rather than 125: removing a
    /// running container without -f, starting one twice at once …
    #[error("{message}")]
    Refused { message: String, hint: String },
    /// A failure that carries its own exit code (a container that could
    /// not start: 127 for a missing command, as docker).
    #[error("{message}")]
    Failed {
        message: String,
        hint: String,
        code: i32,
    },
    /// A stop signal arrived before the command ran; everything made so
    /// far was undone.
    #[error("interrupted by {} before the container started", .0.as_str())]
    Interrupted(nix::sys::signal::Signal),
}

impl Error {
    pub fn io(what: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { what, path, source }
    }

    pub fn sys(what: impl Into<String>) -> impl FnOnce(nix::Error) -> Error {
        let what = what.into();
        move |source| Error::Sys { what, source }
    }

    /// The exit code: 125, or 128+N when signal N interrupted the setup
    /// (as a shell reports a command that a signal ended).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Interrupted(s) => crate::process::SIGNAL_EXIT_BASE + *s as i32,
            Error::NoSuchContainer(_) | Error::Refused { .. } => 1,
            Error::Failed { code, .. } => *code,
            _ => EXIT_DOCKLING_FAILED,
        }
    }

    /// Print it as dockling reports every error: one line, then the hint
    /// if there is one. Returns the exit code.
    pub fn report(&self) -> i32 {
        eprintln!("dockling: {}", self.chain());
        if let Some(hint) = self.hint() {
            eprintln!("hint: {hint}");
        }
        self.exit_code()
    }

    /// What to do about it, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NotRoot { .. } => Some("run it as root, e.g. with sudo".into()),
            Error::Interrupted(_) => {
                Some("nothing ran, and everything dockling had made for it is removed".into())
            }
            Error::Rootfs { hint, .. }
            | Error::Hinted { hint, .. }
            | Error::Refused { hint, .. }
            | Error::Failed { hint, .. } => Some(hint.clone()).filter(|h| !h.is_empty()),
            Error::NoSuchContainer(_) => Some("`dockling ps -a` lists the containers".into()),
            Error::Child(c) => c.hint.clone(),
            Error::Fetch(rootfs_fetch::Error::Host(_)) => {
                Some("install busybox for a complete rootfs: apt-get install busybox-static".into())
            }
            _ => None,
        }
    }

    /// The message with every underlying cause, on one line.
    pub fn chain(&self) -> String {
        let mut line = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            let text = s.to_string();
            if !line.ends_with(&text) {
                line.push_str(": ");
                line.push_str(&text);
            }
            source = s.source();
        }
        line
    }
}

/// A failure inside the container's process before it ran the command,
/// sent back to the parent over the sync pipe so that it is not lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildError {
    pub step: Step,
    pub message: String,
    pub errno: Option<i32>,
    pub hint: Option<String>,
}

impl std::fmt::Display for ChildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "in the container, step {}: {}",
            self.step.id(),
            self.message
        )?;
        if let Some(errno) = self.errno {
            write!(f, ": {}", io::Error::from_raw_os_error(errno))?;
        }
        Ok(())
    }
}

impl ChildError {
    pub fn new(step: Step, message: impl Into<String>) -> Self {
        ChildError {
            step,
            message: message.into(),
            errno: None,
            hint: None,
        }
    }

    pub fn errno(mut self, e: nix::Error) -> Self {
        self.errno = Some(e as i32);
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}
