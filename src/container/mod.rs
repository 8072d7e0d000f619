//! Stage 7: containers with a life of their own.
//!
//! Until now a container lived exactly as long as the dockling command in
//! the foreground. Here it becomes an object, as in docker: `create` makes
//! it (its config, state and writable layer on disk), `start` runs it,
//! `stop` ends it, `start` runs it again with its files as it left them,
//! `rm` removes it. Something must look after a running container while no
//! dockling command is in the foreground: wait for it, keep its output,
//! record how it ended, restart it under its policy, undo what its run
//! made. docker has a daemon for this, plus a small *shim* process per
//! container (containerd-shim; podman has conmon and no daemon at all).
//! dockling has no daemon: each running container has a *monitor* — a
//! second dockling process, in a session of its own, that runs the same
//! engine as every stage ([`monitor`]). Every other command is a short
//! client that reads and changes the container's state under its lock.
//!
//! Lesson 7. See also docker's "container lifecycle" (created, running,
//! paused, restarting, exited, removed).

pub mod attach;
pub mod logs;
pub mod monitor;
pub mod names;
pub mod processes;
pub mod restart;
pub mod show;
pub mod state;
pub mod stats;
pub mod store;
