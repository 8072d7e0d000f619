//! Images from OCI registries: the read side of the OCI distribution spec
//! and image spec, shared by dockling's `pull` (lesson 6) and
//! `rootfs-fetch registry`.
//!
//! [`reference`] parses names like docker does, [`client`] talks to the
//! registry (with [`auth`]), [`manifest`] has the documents it serves and
//! picks this machine's platform, [`digest`] checks every byte, and
//! [`layer`] streams a layer through the safe unpacker; [`upload`] is the
//! write side, for `dockling push` and `dockling search`.

pub mod auth;
pub mod client;
pub mod digest;
pub mod layer;
pub mod manifest;
pub mod reference;
pub mod upload;
