//! What a container is (its config) and where it is in its life (its state).
//!
//! The config is written once, by `create` (or `run`): the spec the engine
//! runs, and what `ps` and `inspect` show. The state changes as the
//! container lives: created → running → exited (→ running again after
//! `start`, or `restarting` under a restart policy) → removed. Both are
//! JSON files in `<data>/containers/ID/`, replaced whole (written to a
//! temporary file and renamed), and changed only under the container's
//! lock, so a reader never sees half of one and two writers never lose
//! each other's change.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::restart::Policy;
use crate::engine::ContainerSpec;

/// A container's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// 64 hex digits.
    pub id: String,
    pub name: String,
    /// When `create` made it, in nanoseconds since the epoch.
    pub created: i128,
    /// The image reference as given, or the stage and rootfs for stages 1–5.
    pub image: String,
    /// The image's id (its config digest), for images.
    #[serde(default)]
    pub image_id: Option<String>,
    /// What the engine runs, each time the container starts.
    pub spec: ContainerSpec,
    pub restart: Policy,
    /// `--rm`: removed when it ends.
    pub auto_remove: bool,
    /// Sent by `stop` (the image's StopSignal, else SIGTERM).
    pub stop_signal: String,
    /// How long `stop` waits before SIGKILL, in seconds.
    pub stop_timeout: u64,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The parent cgroup its runs use (DOCKLING_CGROUP_PARENT at create).
    pub cgroup_parent: String,
    /// The image's Entrypoint and Cmd, for inspect (`spec.command` is both).
    #[serde(default)]
    pub entrypoint: Vec<String>,
    #[serde(default)]
    pub cmd: Vec<String>,
}

impl Config {
    /// The container's cgroup, where it has one (stage 3 and later): named
    /// after its run id below its cgroup parent, as the engine made it.
    pub fn cgroup(&self) -> Option<Box<dyn crate::cgroups::Cgroup>> {
        self.spec.limits.as_ref()?;
        let run = self.spec.id.as_deref()?;
        let host = crate::cgroups::Host::detect(std::path::Path::new(crate::cgroups::CGROUP_ROOT));
        crate::cgroups::for_run(&host, &self.cgroup_parent, run).ok()
    }
}

/// Where a container is in its life (docker's State.Status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Created,
    Running,
    Restarting,
    Paused,
    Exited,
    Removing,
    Dead,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Restarting => "restarting",
            Status::Paused => "paused",
            Status::Exited => "exited",
            Status::Removing => "removing",
            Status::Dead => "dead",
        }
    }

    /// Whether a monitor should be looking after it.
    pub fn is_live(self) -> bool {
        matches!(self, Status::Running | Status::Restarting | Status::Paused)
    }
}

/// A container's state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub status: Status,
    /// The container's PID 1, in the host's PID namespace (0 when none).
    pub pid: i32,
    /// Its start time (/proc/PID/stat), so a reused pid is never signalled.
    pub pid_start: u64,
    pub exit_code: i32,
    pub oom_killed: bool,
    /// Why it could not start, or ended otherwise than by its command.
    pub error: String,
    pub started_at: Option<i128>,
    pub finished_at: Option<i128>,
    /// Restarts by its policy since it was last started by a user.
    pub restart_count: u32,
    /// `stop` (or `rm -f`) asked it to end: no restart policy applies.
    pub stop_requested: bool,
    /// The monitor looking after it.
    pub monitor_pid: i32,
}

impl State {
    pub fn created() -> State {
        State {
            status: Status::Created,
            pid: 0,
            pid_start: 0,
            exit_code: 0,
            oom_killed: false,
            error: String::new(),
            started_at: None,
            finished_at: None,
            restart_count: 0,
            stop_requested: false,
            monitor_pid: 0,
        }
    }
}
