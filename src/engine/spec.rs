//! ContainerSpec: everything one run needs to know, as plain data.
//!
//! A stage (src/stages) fills a spec from its command-line flags; the
//! engine runs it. Later stages add fields here (namespaces, limits,
//! layers, network) rather than adding engines.

use std::path::PathBuf;

use caps::CapsHashSet;

use crate::cgroups::Limits;
use crate::namespaces::Namespace;
use crate::network::NetworkSpec;
use crate::overlay::Stack;

/// The environment a container starts with unless `-e` says otherwise:
/// a PATH that finds the usual directories, root's HOME, and a TERM so that
/// interactive programs behave. Not the host's environment, which would
/// leak host details (and secrets) into the container.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
pub const DEFAULT_HOME: &str = "/root";
/// Always xterm, as `docker run -t` sets it: the same in every classroom,
/// so transcripts match (the host's TERM may name a terminfo entry the
/// rootfs does not have anyway).
pub const DEFAULT_TERM: &str = "xterm";
/// The command when none is given, as `docker run -it alpine` runs a shell.
pub const DEFAULT_COMMAND: &str = "/bin/sh";

/// Which lesson's stage this run is, for narration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Chroot,
    Namespaces,
    Cgroups,
    Overlay,
    Network,
    Run,
}

impl Stage {
    /// The stage's number, as in the lessons (and in [`crate::narrate::Step::stage`]).
    pub fn number(self) -> u8 {
        match self {
            Stage::Chroot => 1,
            Stage::Namespaces => 2,
            Stage::Cgroups => 3,
            Stage::Overlay => 4,
            Stage::Network => 5,
            Stage::Run => 6,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Stage::Chroot => "chroot",
            Stage::Namespaces => "namespaces",
            Stage::Cgroups => "cgroups",
            Stage::Overlay => "overlay",
            Stage::Network => "network",
            Stage::Run => "run",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ContainerSpec {
    pub stage: Stage,
    /// The directory that becomes `/` (absolute, symlinks resolved).
    pub rootfs: PathBuf,
    /// argv; argv[0] is looked up in the container's PATH.
    pub command: Vec<String>,
    /// KEY=VALUE pairs, in order.
    pub env: Vec<(String, String)>,
    /// The working directory inside the container.
    pub workdir: String,
    /// Namespaces the child is cloned into (none in stage 1).
    pub namespaces: Vec<Namespace>,
    /// The container's hostname (with a UTS namespace); the run id if None.
    pub hostname: Option<String>,
    /// Capabilities to keep; `None` keeps all of root's (stage 1).
    pub capabilities: Option<CapsHashSet>,
    /// Run a minimal init as PID 1 that reaps orphans (`--init`).
    pub init: bool,
    /// Put the container in its own cgroup with these limits (stage 3).
    pub limits: Option<Limits>,
    /// Layers to stack with overlayfs (stage 4).
    pub overlay: Option<OverlaySpec>,
    /// Set by the engine: the prepared overlay the child mounts.
    pub stack: Option<Stack>,
    /// A network namespace wired to a bridge (stage 5).
    pub network: Option<NetworkSpec>,
    /// Files and directories from the host bind-mounted into the container
    /// (the engine adds the run's /etc/hosts, resolv.conf and hostname).
    pub binds: Vec<Bind>,
    /// Run the command as this uid and gid (an image's User, `--user`);
    /// root when None.
    pub user: Option<(u32, u32)>,
    /// `-t`: a pseudo-terminal of the container's own.
    pub tty: bool,
    /// `-i`: stdin is passed to the container (else /dev/null).
    pub interactive: bool,
    /// docker's default seccomp filter (stage 2 on; off with
    /// `--security-opt seccomp=unconfined`).
    pub seccomp: bool,
    /// Host devices given to the container (`--device`), besides the
    /// default allow-list that comes with the cgroup.
    pub devices: Vec<crate::cgroups::devices::Device>,
    /// The run's id (its journal's directory, its default hostname), when
    /// the stage chose it; a fresh one otherwise. A run of an image names
    /// its pin after it, so `rmi` can say which container uses the image.
    pub id: Option<String>,
    /// Pins on the image store the run holds (stage 6): journalled by the
    /// engine, so `dockling cleanup` removes them after a SIGKILL.
    pub pins: Vec<PathBuf>,
}

/// One bind mount: `mount --bind SOURCE ROOTFS/TARGET`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Bind {
    pub source: PathBuf,
    /// An absolute path inside the container.
    pub target: String,
    /// Mounted read-only (`-v HOST:CTR:ro`).
    pub readonly: bool,
}

/// Stage 4's choices: the read-only layers, and what to do with the
/// writable one afterwards.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OverlaySpec {
    /// Bottom first: the rootfs, then each --layer.
    pub layers: Vec<PathBuf>,
    /// Keep the upper directory after the run.
    pub keep: bool,
    /// Save the upper directory as a new layer here.
    pub commit: Option<PathBuf>,
    /// A container's own directory for upper, work and merged (stage 7):
    /// its writable layer lasts from `create` to `rm`, across restarts,
    /// and is the container's, not the run's (nothing journalled).
    #[serde(default)]
    pub dir: Option<PathBuf>,
}

impl ContainerSpec {
    pub fn new(stage: Stage, rootfs: PathBuf, command: Vec<String>) -> Self {
        let command = if command.is_empty() {
            vec![DEFAULT_COMMAND.to_string()]
        } else {
            command
        };
        ContainerSpec {
            stage,
            rootfs,
            command,
            env: default_env(),
            workdir: "/".into(),
            namespaces: Vec::new(),
            hostname: None,
            capabilities: None,
            init: false,
            limits: None,
            overlay: None,
            stack: None,
            network: None,
            binds: Vec::new(),
            user: None,
            tty: false,
            interactive: false,
            seccomp: false,
            devices: Vec::new(),
            id: None,
            pins: Vec::new(),
        }
    }

    /// Set KEY to VALUE, replacing an earlier value of KEY.
    pub fn set_env(&mut self, key: &str, value: &str) {
        match self.env.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.to_string(),
            None => self.env.push((key.to_string(), value.to_string())),
        }
    }

    /// Whether the child must wait for the parent's go-ahead after clone:
    /// when the parent has host-side work to finish first (moving it into
    /// its cgroup, wiring its network), and in a new PID namespace, where the pipe's end of file
    /// is how the child learns that dockling died before it was set up.
    /// Stage 1 skips the round trip.
    pub fn needs_go(&self) -> bool {
        self.limits.is_some() || self.has(Namespace::Pid) || self.network.is_some()
    }

    pub fn has(&self, ns: Namespace) -> bool {
        self.namespaces.contains(&ns)
    }

    pub fn env_value(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

pub fn default_env() -> Vec<(String, String)> {
    vec![
        ("PATH".into(), DEFAULT_PATH.into()),
        ("HOME".into(), DEFAULT_HOME.into()),
        ("TERM".into(), DEFAULT_TERM.into()),
    ]
}

/// Parse `-e KEY=VALUE` (or `-e KEY`, which copies KEY from dockling's own
/// environment, as docker does).
pub fn parse_env(arg: &str) -> Result<(String, String), String> {
    let (key, value) = match arg.split_once('=') {
        Some((k, v)) => (k.to_string(), v.to_string()),
        None => (arg.to_string(), std::env::var(arg).unwrap_or_default()),
    };
    if key.is_empty() || key.contains('\0') || value.contains('\0') {
        return Err(format!(
            "invalid environment variable {arg:?}: expected KEY=VALUE"
        ));
    }
    Ok((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_parsing_and_override() {
        assert_eq!(parse_env("A=b=c").unwrap(), ("A".into(), "b=c".into()));
        assert!(parse_env("=x").is_err());
        let mut spec = ContainerSpec::new(Stage::Chroot, "/r".into(), vec![]);
        assert_eq!(spec.command, ["/bin/sh"]);
        spec.set_env("PATH", "/bin");
        spec.set_env("X", "1");
        assert_eq!(spec.env_value("PATH"), Some("/bin"));
        assert_eq!(spec.env.iter().filter(|(k, _)| k == "PATH").count(), 1);
        assert_eq!(
            spec.env.last().unwrap(),
            &("X".to_string(), "1".to_string())
        );
    }
}
