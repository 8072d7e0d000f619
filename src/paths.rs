//! Where dockling keeps its state.
//!
//! Two places, as docker has: `/var/lib/dockling` for what lasts (root
//! filesystems, later images and layers) and `/run/dockling` for what lives
//! only while a container runs (each run's journal). `/run` is a tmpfs, so a
//! reboot empties it, which is right: after a reboot no run is alive.
//! `--root DIR` (or `DOCKLING_ROOT`) moves both under DIR — DIR itself and
//! DIR/run — so that tests and experiments never touch the real ones.

use std::path::{Path, PathBuf};

pub const DEFAULT_DATA: &str = "/var/lib/dockling";
pub const DEFAULT_RUN: &str = "/run/dockling";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `--root`, when one was given.
    pub root: Option<PathBuf>,
    /// Long-lived state: root filesystems, images.
    pub data: PathBuf,
    /// Per-run state: journals of running containers.
    pub run: PathBuf,
    /// The parent cgroup of every run's cgroup (`DOCKLING_CGROUP_PARENT`,
    /// default `dockling`); tests give each test its own.
    pub cgroup_parent: String,
}

impl Paths {
    pub fn new(root: Option<&Path>) -> Self {
        let cgroup_parent = std::env::var("DOCKLING_CGROUP_PARENT")
            .ok()
            .filter(|p| !p.is_empty() && !p.contains('/') && p != "." && p != "..")
            .unwrap_or_else(|| crate::cgroups::PARENT.to_string());
        let (root, data, run) = match root {
            Some(r) => (Some(r.to_path_buf()), r.to_path_buf(), r.join("run")),
            None => (None, DEFAULT_DATA.into(), DEFAULT_RUN.into()),
        };
        Paths {
            root,
            data,
            run,
            cgroup_parent,
        }
    }

    /// The rootfs used when `--rootfs` is not given.
    pub fn default_rootfs(&self) -> PathBuf {
        self.data.join("rootfs/default")
    }

    /// One directory per run, holding its journal.
    pub fn runs(&self) -> PathBuf {
        self.run.join("runs")
    }
}
