//! dockling's own failures, each with a message that names what failed and,
//! where we know one, a hint for what to do. All of them exit with 125, the
//! code docker uses for "the runtime failed, not your command".

use std::io;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::msg;
use crate::narrate::Step;
use crate::narrate::messages::containers as m;

/// The exit code for any failure of dockling itself.
pub const EXIT_DOCKLING_FAILED: i32 = 125;

/// Every variant's text comes from the messages
/// (`narrate::messages::containers`), in the run's language.
#[derive(Debug)]
pub enum Error {
    NotRoot {
        what: String,
        why: &'static str,
    },
    Rootfs {
        path: PathBuf,
        problem: String,
        hint: String,
    },
    Child(ChildError),
    Io {
        what: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    Sys {
        what: String,
        source: nix::Error,
    },
    Fetch(rootfs_fetch::Error),
    Usage(String),
    Hinted {
        message: String,
        hint: String,
    },
    /// A container command named no container (docker: exit 1).
    NoSuchContainer(String),
    /// What docker refuses with exit 1 rather than 125: removing a
    /// running container without -f, starting one twice at once …
    Refused {
        message: String,
        hint: String,
    },
    /// A failure that carries its own exit code (a container that could
    /// not start: 127 for a missing command, as docker).
    Failed {
        message: String,
        hint: String,
        code: i32,
    },
    /// A stop signal arrived before the command ran; everything made so
    /// far was undone.
    Interrupted(nix::sys::signal::Signal),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            Error::NotRoot { what, why } => msg!(m::NEEDS_ROOT, what = what, why = why),
            Error::Rootfs { path, problem, .. } => {
                msg!(m::ROOTFS_PROBLEM, path = path.display(), problem = problem)
            }
            Error::Child(c) => c.to_string(),
            Error::Io { what, path, .. } => m::io_failed(what, &path.display()),
            Error::Sys { what, .. } => what.clone(),
            Error::Fetch(e) => e.to_string(),
            Error::Usage(s) => s.clone(),
            Error::Hinted { message, .. }
            | Error::Refused { message, .. }
            | Error::Failed { message, .. } => message.clone(),
            Error::NoSuchContainer(name) => msg!(m::NO_SUCH_CONTAINER, name = name),
            Error::Interrupted(s) => msg!(m::INTERRUPTED, signal = s.as_str()),
        };
        f.write_str(&text)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Sys { source, .. } => Some(source),
            // As thiserror's `transparent`: the fetch error stands in for
            // this one, so its cause is this one's.
            Error::Fetch(e) => std::error::Error::source(e),
            _ => None,
        }
    }
}

impl From<rootfs_fetch::Error> for Error {
    fn from(e: rootfs_fetch::Error) -> Self {
        Error::Fetch(e)
    }
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
            Error::NotRoot { .. } => Some(msg!(m::NEEDS_ROOT_HINT)),
            Error::Interrupted(_) => Some(msg!(m::INTERRUPTED_HINT)),
            Error::Rootfs { hint, .. }
            | Error::Hinted { hint, .. }
            | Error::Refused { hint, .. }
            | Error::Failed { hint, .. } => Some(hint.clone()).filter(|h| !h.is_empty()),
            Error::NoSuchContainer(_) => Some(msg!(m::NO_SUCH_CONTAINER_HINT)),
            Error::Child(c) => c.hint.clone(),
            Error::Fetch(rootfs_fetch::Error::Host(_)) => Some(msg!(m::FETCH_HOST_HINT)),
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
    /// The command is not there (exit 127, as docker), told apart from
    /// other exec failures without reading the message, which is in the
    /// run's language.
    #[serde(default)]
    pub missing: bool,
}

impl std::fmt::Display for ChildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = msg!(
            m::IN_THE_CONTAINER,
            step = self.step.id(),
            message = self.message
        );
        f.write_str(&text)?;
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
            missing: false,
        }
    }

    pub fn errno(mut self, e: nix::Error) -> Self {
        self.errno = Some(e as i32);
        self
    }

    /// Mark it as a command that is not there.
    pub fn missing(mut self) -> Self {
        self.missing = true;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}
