//! The road to real engines: what dockling makes, handed to the tools the
//! industry runs. `save` writes images as docker 25 does (an OCI layout
//! and a docker archive in one tar, for `docker load`, `podman load`,
//! skopeo); `bundle` writes a container as an OCI runtime bundle (for
//! runc, crun, youki); `kube generate` writes containers as a Kubernetes
//! Pod and Service (for `podman kube play`, kubectl); `system df|info|
//! prune` and `version` report on the engine itself as docker does. Each
//! is a translation of what dockling already knows, never a second
//! description of it. Lesson 8.

pub mod bundle;
pub mod kube;
pub mod save;
pub mod system;
