//! The stages, one per lesson. Each is a short preset: it turns its
//! command-line flags into a [`ContainerSpec`](crate::engine::ContainerSpec)
//! and hands it to the one engine. Read them as the lessons' table of
//! contents; the mechanism lives in the core modules.

pub mod build;
pub mod cgroups;
pub mod chroot;
pub mod container;
pub mod image;
pub mod inside;
pub mod namespaces;
pub mod network;
pub mod overlay;
pub mod push;

use std::path::PathBuf;

use crate::engine::spec::parse_env;

/// Flags every stage shares, named as docker names them.
#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// The directory to use as the container's root filesystem
    /// [default: <root>/rootfs/default, made by `dockling rootfs fetch host`]
    #[arg(long, value_name = "DIR")]
    pub rootfs: Option<PathBuf>,
    /// Set an environment variable in the container (KEY=VALUE, or KEY to copy dockling's)
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
    /// The working directory inside the container
    /// [default: /]
    #[arg(short = 'w', long = "workdir", value_name = "DIR")]
    pub workdir: Option<String>,
    /// Give the container a terminal of its own (a pseudo-terminal), as `docker run -t`
    #[arg(short = 't', long)]
    pub tty: bool,
    /// Keep stdin open and pass it to the container (else it reads /dev/null)
    #[arg(short = 'i', long)]
    pub interactive: bool,
    #[command(flatten)]
    pub life: container::LifeArgs,
    /// The command to run and its arguments, after the flags (or after --) [default: /bin/sh;
    /// for `run`, the image's]
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<String>,
}

/// Run a stage's spec: to its end in the foreground, or, with `-d`,
/// `--name` or `--restart`, as a container with a life of its own (stage 7).
pub fn launch(
    spec: crate::engine::ContainerSpec,
    common: &CommonArgs,
    paths: &crate::paths::Paths,
    narrator: &mut dyn crate::narrate::Narrator,
) -> Result<i32, crate::error::Error> {
    if common.life.makes_container() {
        let origin = container::Origin::rootfs(&spec);
        container::launch(spec, &common.life, origin, paths, narrator)
    } else {
        crate::engine::run(&spec, paths, narrator)
    }
}
