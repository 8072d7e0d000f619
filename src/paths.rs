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
}

impl Paths {
    pub fn new(root: Option<&Path>) -> Self {
        match root {
            Some(r) => Paths {
                root: Some(r.to_path_buf()),
                data: r.to_path_buf(),
                run: r.join("run"),
            },
            None => Paths {
                root: None,
                data: DEFAULT_DATA.into(),
                run: DEFAULT_RUN.into(),
            },
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
