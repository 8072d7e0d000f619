//! dockling: learn how containers work by building one, stage by stage.
//!
//! The core is one module per kernel concept (`process`, `rootfs`,
//! `journal` …); `engine` runs a `ContainerSpec` with them; `stages` are
//! the presets behind each subcommand; `narrate` turns the engine's events
//! into explanations. See ARCHITECTURE in the README for the map.

pub mod build;
// The message macros, `crate::messages!` and `crate::msg!`, are rootfs-fetch's.
pub use rootfs_fetch::{messages, msg};

pub mod cgroups;
pub mod cli;
pub mod clock;
pub mod compare;
pub mod container;
pub mod doctor;
pub mod engine;
pub mod engines;
pub mod error;
pub mod image;
pub mod journal;
pub mod kit;
pub mod lessons;
pub mod lock;
pub mod mounts;
pub mod namespaces;
pub mod narrate;
pub mod network;
pub mod overlay;
pub mod paths;
pub mod process;
pub mod rootfs;
pub mod seccomp;
pub mod security;
pub mod stages;
pub mod terminal;
pub mod tour;
