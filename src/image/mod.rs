//! Stage 6's images: pulled from a registry (the client and the safe layer
//! unpacking live in rootfs-fetch's `oci` module, shared with
//! `rootfs-fetch registry`), kept in an OCI image layout with each layer
//! unpacked once ([`store`]) and kept while in use ([`pins`]), and turned
//! into a run of the earlier stages ([`config`]: docker's rules for
//! Entrypoint, Cmd, Env, WorkingDir, User; [`envfile`]: docker's
//! `--env-file` format).

pub mod changeset;
pub mod commit;
pub mod config;
pub mod credentials;
pub mod envfile;
pub mod load;
pub mod local_registry;
pub mod pins;
pub mod platforms;
pub mod progress;
pub mod publish;
pub mod pull;
pub mod push;
pub mod search;
pub mod sources;
pub mod store;
