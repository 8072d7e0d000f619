//! The command line: flags parsed with clap, dispatched to the stages and
//! tools. Errors end here: printed as one line (plus a hint) and exit 125.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::path::PathBuf;

#[cfg(test)]
use clap::CommandFactory;
use clap::{Parser, Subcommand};

use crate::error::{EXIT_DOCKLING_FAILED, Error};
use crate::journal;
use crate::narrate::help_ko;
use crate::narrate::lang::{self, Lang};
use crate::narrate::{self, Event, Narrator, TraceMode};
use crate::paths::Paths;
use crate::stages;
use crate::stages::container;

#[derive(Debug, Parser)]
#[command(
    name = "dockling",
    version,
    about = "Learn how containers work by building one, stage by stage"
)]
pub struct Cli {
    #[command(flatten)]
    pub globals: Globals,
    #[command(subcommand)]
    pub command: Command,
}

/// The flags every subcommand takes.
#[derive(Debug, clap::Args)]
pub struct Globals {
    /// Keep all state under DIR instead of /var/lib/dockling and /run/dockling
    #[arg(long, global = true, env = "DOCKLING_ROOT", value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// How much to explain: explain (this stage in full), full, plain, json or quiet
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "explain",
        env = "DOCKLING_TRACE"
    )]
    pub trace: TraceMode,
    /// The language to explain in: en or ko (default: DOCKLING_LANG, else
    /// ko when the locale is Korean, e.g. LANG=ko_KR.UTF-8)
    #[arg(long, global = true, value_enum)]
    pub lang: Option<crate::narrate::lang::Lang>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Stage 1: run a command with a directory as its root (chroot only)
    Chroot(stages::CommonArgs),
    /// Stage 2: chroot plus PID, mount, UTS and IPC namespaces, pivot_root, fewer capabilities
    Namespaces(stages::namespaces::NamespacesArgs),
    /// Stage 3: namespaces plus a cgroup: --memory, --cpus, --cpu-shares, --pids-limit
    Cgroups(stages::cgroups::CgroupsArgs),
    /// Stage 4: cgroups plus a layered root: read-only layers under a writable one (overlayfs)
    Overlay(stages::overlay::OverlayArgs),
    /// Stage 5: overlay plus a network namespace: veth, bridge, NAT, -p ports, DNS files;
    /// also `network create|ls|inspect|rm`
    Network(stages::network::NetworkCommand),
    /// Stage 6: download an image from a registry (OCI distribution API)
    Pull(stages::image::PullArgs),
    /// Stage 6: run an image with every earlier stage: `run [OPTIONS] IMAGE [CMD…]`
    Run(Box<stages::image::RunArgs>),
    /// List the images in the store
    Images,
    /// Inspect or prune images
    #[command(subcommand)]
    Image(stages::image::ImageCommand),
    /// Remove images (and the layers no other image uses)
    Rmi(RmiArgs),
    /// Import images from a `docker save` tarball or an OCI layout directory
    Load(LoadArgs),
    /// Store a user and password for a registry
    Login(stages::image::LoginArgs),
    /// Forget the stored credentials of a registry
    Logout(LogoutArgs),
    /// Make or download a base root filesystem
    #[command(subcommand)]
    Rootfs(RootfsCommand),
    /// Finish undoing runs whose dockling was killed (e.g. by SIGKILL)
    Cleanup,
    /// Check that this machine has what every stage needs
    Doctor,
    /// Boot a real VM and run a container beside it, and print what each took, measured
    Compare(crate::compare::CompareArgs),
    /// The main job: every lesson in order, running its demos with narration
    Tour(TourArgs),
    /// Print a lesson: `dockling lesson list`, `dockling lesson 1`
    Lesson(LessonArgs),
    /// Stage 7: create a container from an image, without starting it
    Create(Box<stages::image::RunArgs>),
    /// Stage 7: start stopped containers
    Start(container::StartArgs),
    /// Stage 7: stop running containers (stop signal, then SIGKILL)
    Stop(container::StopArgs),
    /// Stage 7: stop and start containers
    Restart(container::StopArgs),
    /// Stage 7: send a signal to containers (default SIGKILL)
    Kill(container::KillArgs),
    /// Stage 7: remove containers
    Rm(container::RmArgs),
    /// Stage 7: list containers
    Ps(container::PsArgs),
    /// Stage 7: show a container's output
    Logs(container::LogsArgs),
    /// Stage 7: connect to a running container's stdin, stdout and stderr
    Attach(container::AttachArgs),
    /// Stage 7: wait for containers to end and print their exit codes
    Wait(container::WaitArgs),
    /// Stage 7: show containers' configuration and state, as JSON
    Inspect(container::InspectArgs),
    /// Stage 7: rename a container
    Rename(container::RenameArgs),
    /// Stage 7: list a container's published ports
    Port(container::PortArgs),
    /// Stage 7: run a command in a running container
    Exec(stages::inside::ExecArgs),
    /// Stage 7: a container's processes, with host and container pids
    Top(stages::inside::TopArgs),
    /// Stage 7: what containers use: CPU, memory, network, block I/O, processes
    Stats(stages::inside::StatsArgs),
    /// Stage 7: freeze every process of containers (the cgroup freezer)
    Pause(stages::inside::PauseArgs),
    /// Stage 7: thaw paused containers
    Unpause(stages::inside::PauseArgs),
    /// Stage 7: manage containers (`dockling container ls`, `container rm` …)
    #[command(subcommand)]
    Container(ContainerCommand),
    /// The monitor of a detached container (started by `run -d` and `start`)
    #[command(name = "__monitor", hide = true)]
    Monitor(MonitorArgs),
    // The classroom kit (src/kit.rs).
    /// Print a shell completion script: `dockling completions bash > /etc/bash_completion.d/dockling`
    Completions(crate::kit::CompletionsArgs),
    /// Print the man page dockling(1); `--dir DIR` writes one per subcommand too
    Man(crate::kit::ManArgs),
    // ---- push ----
    /// Give an image another name: `tag SOURCE TARGET`
    Tag(stages::push::TagArgs),
    /// Send an image to a registry: `push REGISTRY/NAME[:TAG]`
    Push(stages::push::PushArgs),
    /// Find images at a registry (Docker Hub's search API, or a registry's catalog)
    Search(stages::push::SearchArgs),
    // ---- build ----
    /// Build an image from a Dockerfile: `build -t NAME[:TAG] CONTEXT`
    Build(stages::build::BuildArgs),
    /// Make a new image from a container's changes
    Commit(stages::build::CommitArgs),
    /// Show what a container changed: A added, C changed, D deleted
    Diff(stages::build::DiffArgs),
    /// Show the steps an image was made of
    History(stages::build::HistoryArgs),
    // ---- engines ----
    /// Save images to a tar archive (docker archive and OCI layout in one)
    Save(crate::engines::save::SaveArgs),
    /// Disk usage, system-wide information, pruning: `system df|info|prune`
    #[command(subcommand)]
    System(crate::engines::system::SystemCommand),
    /// Show system-wide information (as `docker info`)
    Info,
    /// Show dockling's version, build and the kernel features it uses
    Version,
    /// Write a container or an image as an OCI runtime bundle (DIR/config.json, DIR/rootfs)
    Bundle(crate::engines::bundle::BundleArgs),
    /// Kubernetes YAML for containers: `kube generate CONTAINER…`
    #[command(subcommand)]
    Kube(crate::engines::kube::KubeCommand),
}

/// `dockling container VERB`, as the notes write docker's commands.
#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    /// Create a container from an image, without starting it
    Create(Box<stages::image::RunArgs>),
    /// Create and run a container from an image
    Run(Box<stages::image::RunArgs>),
    /// Start stopped containers
    Start(container::StartArgs),
    /// Stop running containers (stop signal, then SIGKILL)
    Stop(container::StopArgs),
    /// Stop and start containers
    Restart(container::StopArgs),
    /// Send a signal to containers (default SIGKILL)
    Kill(container::KillArgs),
    /// Remove containers
    Rm(container::RmArgs),
    /// Remove all stopped containers
    Prune(container::PruneArgs),
    /// List containers
    #[command(visible_alias = "ps", alias = "list")]
    Ls(container::PsArgs),
    /// Show a container's output
    Logs(container::LogsArgs),
    /// Connect to a running container's stdin, stdout and stderr
    Attach(container::AttachArgs),
    /// Wait for containers to end and print their exit codes
    Wait(container::WaitArgs),
    /// Show containers' configuration and state, as JSON
    Inspect(container::InspectArgs),
    /// Rename a container
    Rename(container::RenameArgs),
    /// List a container's published ports
    Port(container::PortArgs),
    /// Run a command in a running container
    Exec(stages::inside::ExecArgs),
    /// A container's processes, with host and container pids
    Top(stages::inside::TopArgs),
    /// What containers use: CPU, memory, network, block I/O, processes
    Stats(stages::inside::StatsArgs),
    /// Freeze every process of containers
    Pause(stages::inside::PauseArgs),
    /// Thaw paused containers
    Unpause(stages::inside::PauseArgs),
    // ---- build ----
    /// Make a new image from a container's changes
    Commit(stages::build::CommitArgs),
    /// Show what a container changed: A added, C changed, D deleted
    Diff(stages::build::DiffArgs),
}

#[derive(Debug, clap::Args)]
pub struct MonitorArgs {
    pub id: String,
    /// A restart handed over: wait the restart delay first
    #[arg(long)]
    pub restarting: bool,
    /// Send the start's narration to the client
    #[arg(long)]
    pub events: bool,
}

#[derive(Debug, clap::Args)]
pub struct RmiArgs {
    #[arg(required = true)]
    pub names: Vec<String>,
    /// Remove the name even if a running container uses the image (its layers stay until it ends)
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    pub path: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct LogoutArgs {
    pub registry: String,
}

#[derive(Debug, clap::Args)]
pub struct TourArgs {
    /// Pause before each command: Enter runs it, s skips it, r runs the previous one again, q quits (on a terminal)
    #[arg(long)]
    pub step: bool,
    /// Start at lesson N
    #[arg(long, value_name = "N")]
    pub from: Option<u32>,
    /// Only lesson N
    #[arg(long, value_name = "N", conflicts_with = "from")]
    pub only: Option<u32>,
    /// Clear the screen before each lesson
    #[arg(long)]
    pub clear: bool,
}

#[derive(Debug, clap::Args)]
pub struct LessonArgs {
    /// `list`, or a lesson number
    pub which: String,
}

/// One subcommand whose arguments clap builds only if it is the one used
/// (`Command::defer`): building every stage's flags on every start cost
/// about a quarter of a millisecond, a sixth of a stage 1 run. (The
/// description is set again after the arguments: an Args struct's own doc
/// comment would replace it.)
///
/// In Korean (`$ko`), the arguments are put in Korean as they are built
/// ([`help_ko::localize`]): `defer` takes a plain function, so each
/// language has its own.
macro_rules! deferred {
    ($ko:expr, $name:literal, $about:literal, $build:expr $(,)?) => {{
        let c = clap::Command::new($name).about($about);
        if $ko {
            c.defer(|c| help_ko::localize(($build)(c).about($about).long_about(None::<&str>)))
        } else {
            c.defer(|c| ($build)(c).about($about).long_about(None::<&str>))
        }
    }};
}

/// The same command line as [`Cli`]'s derive, with deferred subcommands.
/// A test checks that the two agree.
pub fn command() -> clap::Command {
    command_in(Lang::En)
}

/// [`command`], its help in `lang`: in Korean, every description is
/// [`help_ko`]'s and so are clap's `-h`, `-V` and `help`.
pub fn command_in(lang: Lang) -> clap::Command {
    use clap::{Args, Subcommand as _};
    let ko = lang == Lang::Ko;
    let top = Globals::augment_args(clap::Command::new("dockling"))
        .version(env!("CARGO_PKG_VERSION"))
        .about("Learn how containers work by building one, stage by stage")
        .long_about(None::<&str>)
        .subcommand_required(true);
    let all = top.subcommands([
        deferred!(ko, "chroot", "Stage 1: run a command with a directory as its root (chroot only)", stages::CommonArgs::augment_args),
        deferred!(
            ko,
            "namespaces",
            "Stage 2: chroot plus PID, mount, UTS and IPC namespaces, pivot_root, fewer capabilities",
            stages::namespaces::NamespacesArgs::augment_args,
        ),
        deferred!(
            ko,
            "cgroups",
            "Stage 3: namespaces plus a cgroup: --memory, --cpus, --cpu-shares, --pids-limit",
            stages::cgroups::CgroupsArgs::augment_args,
        ),
        deferred!(
            ko,
            "overlay",
            "Stage 4: cgroups plus a layered root: read-only layers under a writable one (overlayfs)",
            stages::overlay::OverlayArgs::augment_args,
        ),
        deferred!(
            ko,
            "network",
            "Stage 5: overlay plus a network namespace: veth, bridge, NAT, -p ports, DNS files; also `network create|ls|inspect|rm`",
            stages::network::NetworkCommand::augment_args,
        ),
        deferred!(ko, "pull", "Stage 6: download an image from a registry (OCI distribution API)", stages::image::PullArgs::augment_args),
        deferred!(
            ko,
            "run",
            "Stage 6: run an image with every earlier stage: `run [OPTIONS] IMAGE [CMD…]`",
            stages::image::RunArgs::augment_args,
        ),
        deferred!(ko, "images", "List the images in the store", |c| c),
        deferred!(ko, "image", "Inspect or prune images", |c| {
            stages::image::ImageCommand::augment_subcommands(c).subcommand_required(true)
        }),
        deferred!(ko, "rmi", "Remove images (and the layers no other image uses)", RmiArgs::augment_args),
        deferred!(ko, "load", "Import images from a `docker save` tarball or an OCI layout directory", LoadArgs::augment_args),
        deferred!(ko, "login", "Store a user and password for a registry", stages::image::LoginArgs::augment_args),
        deferred!(ko, "logout", "Forget the stored credentials of a registry", LogoutArgs::augment_args),
        deferred!(ko, "rootfs", "Make or download a base root filesystem", |c| {
            RootfsCommand::augment_subcommands(c).subcommand_required(true)
        }),
        deferred!(ko, "cleanup", "Finish undoing runs whose dockling was killed (e.g. by SIGKILL)", |c| c),
        deferred!(ko, "doctor", "Check that this machine has what every stage needs", |c| c),
        deferred!(
            ko,
            "compare",
            "Boot a real VM and run a container beside it, and print what each took, measured",
            crate::compare::CompareArgs::augment_args,
        ),
        deferred!(ko, "tour", "The main job: every lesson in order, running its demos with narration", TourArgs::augment_args),
        deferred!(ko, "lesson", "Print a lesson: `dockling lesson list`, `dockling lesson 1`", LessonArgs::augment_args),
        deferred!(ko, "create", "Stage 7: create a container from an image, without starting it", stages::image::RunArgs::augment_args),
        deferred!(ko, "start", "Stage 7: start stopped containers", container::StartArgs::augment_args),
        deferred!(ko, "stop", "Stage 7: stop running containers (stop signal, then SIGKILL)", container::StopArgs::augment_args),
        deferred!(ko, "restart", "Stage 7: stop and start containers", container::StopArgs::augment_args),
        deferred!(ko, "kill", "Stage 7: send a signal to containers (default SIGKILL)", container::KillArgs::augment_args),
        deferred!(ko, "rm", "Stage 7: remove containers", container::RmArgs::augment_args),
        deferred!(ko, "ps", "Stage 7: list containers", container::PsArgs::augment_args),
        deferred!(ko, "logs", "Stage 7: show a container's output", container::LogsArgs::augment_args),
        deferred!(ko, "attach", "Stage 7: connect to a running container's stdin, stdout and stderr", container::AttachArgs::augment_args),
        deferred!(ko, "wait", "Stage 7: wait for containers to end and print their exit codes", container::WaitArgs::augment_args),
        deferred!(ko, "inspect", "Stage 7: show containers' configuration and state, as JSON", container::InspectArgs::augment_args),
        deferred!(ko, "rename", "Stage 7: rename a container", container::RenameArgs::augment_args),
        deferred!(ko, "port", "Stage 7: list a container's published ports", container::PortArgs::augment_args),
        deferred!(ko, "exec", "Stage 7: run a command in a running container", stages::inside::ExecArgs::augment_args),
        deferred!(ko, "top", "Stage 7: a container's processes, with host and container pids", stages::inside::TopArgs::augment_args),
        deferred!(ko, "stats", "Stage 7: what containers use: CPU, memory, network, block I/O, processes", stages::inside::StatsArgs::augment_args),
        deferred!(ko, "pause", "Stage 7: freeze every process of containers (the cgroup freezer)", stages::inside::PauseArgs::augment_args),
        deferred!(ko, "unpause", "Stage 7: thaw paused containers", stages::inside::PauseArgs::augment_args),
        deferred!(ko, "container", "Stage 7: manage containers (`dockling container ls`, `container rm` …)", |c| {
            ContainerCommand::augment_subcommands(c).subcommand_required(true)
        }),
        deferred!(ko, "__monitor", "The monitor of a detached container (started by `run -d` and `start`)", MonitorArgs::augment_args)
            .hide(true),
        // The classroom kit (src/kit.rs).
        deferred!(
            ko,
            "completions",
            "Print a shell completion script: `dockling completions bash > /etc/bash_completion.d/dockling`",
            crate::kit::CompletionsArgs::augment_args,
        ),
        deferred!(
            ko,
            "man",
            "Print the man page dockling(1); `--dir DIR` writes one per subcommand too",
            crate::kit::ManArgs::augment_args,
        ),
        // ---- push ----
        deferred!(ko, "tag", "Give an image another name: `tag SOURCE TARGET`", stages::push::TagArgs::augment_args),
        deferred!(ko, "push", "Send an image to a registry: `push REGISTRY/NAME[:TAG]`", stages::push::PushArgs::augment_args),
        deferred!(
            ko,
            "search",
            "Find images at a registry (Docker Hub's search API, or a registry's catalog)",
            stages::push::SearchArgs::augment_args,
        ),
        // ---- build ----
        deferred!(ko, "build", "Build an image from a Dockerfile: `build -t NAME[:TAG] CONTEXT`", stages::build::BuildArgs::augment_args),
        deferred!(ko, "commit", "Make a new image from a container's changes", stages::build::CommitArgs::augment_args),
        deferred!(ko, "diff", "Show what a container changed: A added, C changed, D deleted", stages::build::DiffArgs::augment_args),
        deferred!(ko, "history", "Show the steps an image was made of", stages::build::HistoryArgs::augment_args),
        // ---- engines ----
        deferred!(ko, "save", "Save images to a tar archive (docker archive and OCI layout in one)", crate::engines::save::SaveArgs::augment_args),
        deferred!(ko, "system", "Disk usage, system-wide information, pruning: `system df|info|prune`", |c| {
            crate::engines::system::SystemCommand::augment_subcommands(c).subcommand_required(true)
        }),
        deferred!(ko, "info", "Show system-wide information (as `docker info`)", |c| c),
        deferred!(ko, "version", "Show dockling's version, build and the kernel features it uses", |c| c),
        deferred!(
            ko,
            "bundle",
            "Write a container or an image as an OCI runtime bundle (DIR/config.json, DIR/rootfs)",
            crate::engines::bundle::BundleArgs::augment_args,
        ),
        deferred!(ko, "kube", "Kubernetes YAML for containers: `kube generate CONTAINER…`", |c| {
            crate::engines::kube::KubeCommand::augment_subcommands(c).subcommand_required(true)
        }),
    ]);
    if ko { help_ko::localize_top(all) } else { all }
}

/// The language of `--help`, known before clap parses (the help is
/// printed while parsing): the last `--lang ko`/`--lang=ko` before `--`,
/// else the environment's ([`lang::from_env`]). The narration's language
/// is chosen after parsing, from `--lang` as clap read it.
pub fn help_lang(args: &[std::ffi::OsString]) -> Lang {
    let mut chosen = None;
    let mut words = args.iter().skip(1).map(|a| a.to_str().unwrap_or(""));
    while let Some(word) = words.next() {
        let value = match word {
            "--" => break,
            "--lang" => words.next(),
            _ => word.strip_prefix("--lang="),
        };
        match value {
            Some("ko") => chosen = Some(Lang::Ko),
            Some("en") => chosen = Some(Lang::En),
            _ => {}
        }
    }
    chosen.unwrap_or_else(lang::from_env)
}

/// clap's parse of `args` with the help in `lang`. Korean has its own
/// `help` subcommand (clap's cannot be given Korean words): `dockling
/// [CMD…] help [SUB…]` is answered as `dockling [CMD…] [SUB…] --help`,
/// once every word is known to name a subcommand (else `help run alpine`
/// would run alpine with the argument `--help`), as clap's does.
fn matches(lang: Lang, args: &[std::ffi::OsString]) -> Result<clap::ArgMatches, clap::Error> {
    let m = command_in(lang).try_get_matches_from(args)?;
    if lang == Lang::Ko
        && let Some(path) = help_request(&m)
    {
        let mut tree = command_in(lang);
        tree.build();
        let mut at = &mut tree;
        for name in &path {
            let name = name.to_string_lossy();
            if at.find_subcommand(&*name).is_none() {
                let message = format!("unrecognized subcommand '{name}'");
                return Err(at.error(clap::error::ErrorKind::InvalidSubcommand, message));
            }
            at = at.find_subcommand_mut(&*name).expect("found above");
        }
        let argv = args
            .iter()
            .take(1)
            .cloned()
            .chain(path)
            .chain(["--help".into()]);
        return command_in(lang).try_get_matches_from(argv);
    }
    Ok(m)
}

/// The subcommands named before and after a `help` subcommand, if any.
fn help_request(m: &clap::ArgMatches) -> Option<Vec<std::ffi::OsString>> {
    let mut path = Vec::new();
    let mut m = m;
    while let Some((name, sub)) = m.subcommand() {
        if name == "help" {
            let after = sub.get_many::<String>(help_ko::HELP_COMMAND_ARG);
            path.extend(after.into_iter().flatten().map(Into::into));
            return Some(path);
        }
        path.push(name.into());
        m = sub;
    }
    None
}

#[derive(Debug, Subcommand)]
pub enum RootfsCommand {
    /// Fetch a rootfs: `host` builds one from this machine's busybox, `alpine` downloads Alpine's
    Fetch(FetchArgs),
}

#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// Where it comes from
    #[arg(value_enum)]
    pub source: FetchSource,
    /// Where to put it [default: <root>/rootfs/default]
    pub dir: Option<PathBuf>,
    /// Alpine version
    #[arg(long, default_value = rootfs_fetch::alpine::DEFAULT_VERSION)]
    pub version: String,
    /// Alpine mirror base URL
    #[arg(long, default_value = rootfs_fetch::alpine::DEFAULT_MIRROR)]
    pub mirror: String,
    /// Expected sha256 of the tarball, for versions that are not pinned
    #[arg(long)]
    pub sha256: Option<String>,
    /// For `registry`: the image whose layers make the rootfs
    #[arg(long, value_name = "REF", required_if_eq("source", "registry"))]
    pub image: Option<String>,
    /// For `registry`: the platform to take [default: this machine's]
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<rootfs_fetch::oci::manifest::Platform>,
    /// For `registry`: allow plain http to a registry not on loopback
    #[arg(long)]
    pub insecure_registry: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FetchSource {
    Host,
    Alpine,
    /// An image's layers from an OCI registry (--image REF)
    Registry,
}

/// Parse, run, and return the process exit code.
pub fn main() -> i32 {
    // Like docker, a bad flag or value is dockling's failure: 125, not clap's 2.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // The language before parsing: help, and a value refused while parsing
    // (`--memory lots`), speak it; set again from clap's reading below.
    let early = help_lang(&args);
    crate::narrate::lang::set(early);
    let parsed =
        matches(early, &args).and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // Every dockling error starts with "dockling:", clap's too.
            let text = e.render().to_string();
            eprint!(
                "dockling: {}",
                text.strip_prefix("error: ").unwrap_or(&text)
            );
            return EXIT_DOCKLING_FAILED;
        }
        Err(e) => {
            let _ = e.print();
            return 0;
        }
    };
    crate::narrate::lang::set(
        cli.globals
            .lang
            .unwrap_or_else(crate::narrate::lang::from_env),
    );
    let paths = Paths::new(cli.globals.root.as_deref());
    let mut narrator = narrate::for_mode(cli.globals.trace);
    match dispatch(&cli, &paths, narrator.as_mut()) {
        Ok(code) => code,
        Err(e) => e.report(),
    }
}

fn dispatch(cli: &Cli, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let runs_a_container = matches!(
        cli.command,
        Command::Chroot(_)
            | Command::Namespaces(_)
            | Command::Cgroups(_)
            | Command::Overlay(_)
            | Command::Network(_)
            | Command::Run(_)
            | Command::Container(ContainerCommand::Run(_))
            | Command::Build(_)
    );
    if !runs_a_container {
        return run_command(cli, paths, narrator);
    }
    // From here on a Ctrl-C waits for a point where it can be undone
    // (engine::run checks at each step); before, it would cut a network
    // definition or a lease in half.
    let old = crate::process::block(&crate::process::stop_signals())
        .map_err(Error::sys(msg!(m::BLOCK_SIGNALS)))?;
    let result = run_command(cli, paths, narrator);
    // A signal still pending now ends dockling as it would have earlier.
    crate::process::set_mask(&old).map_err(Error::sys(msg!(m::UNBLOCK_SIGNALS)))?;
    result
}

fn run_command(cli: &Cli, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    match &cli.command {
        Command::Chroot(args) => stages::chroot::run(args, paths, narrator),
        Command::Namespaces(args) => stages::namespaces::run(args, paths, narrator),
        Command::Cgroups(args) => stages::cgroups::run(args, paths, narrator),
        Command::Overlay(args) => stages::overlay::run(args, paths, narrator),
        Command::Network(cmd) => stages::network::main(cmd, paths, narrator),
        Command::Pull(args) => stages::image::pull(args, paths, narrator),
        Command::Run(args) => stages::image::run(args, paths, narrator),
        Command::Images => stages::image::images(paths),
        // ---- push ----
        Command::Image(stages::image::ImageCommand::Push(a)) | Command::Push(a) => {
            stages::push::push(a, paths, narrator)
        }
        Command::Tag(a) => stages::push::tag(a, paths),
        Command::Search(a) => stages::push::search_cmd(a, paths, narrator),
        Command::Image(cmd) => stages::image::image(cmd, paths),
        Command::Rmi(a) => stages::image::rmi(&a.names, a.force, paths),
        Command::Load(a) => stages::image::load_cmd(&a.path, paths, narrator),
        Command::Login(args) => stages::image::login(args, paths),
        Command::Logout(a) => stages::image::logout(&a.registry, paths),
        Command::Rootfs(RootfsCommand::Fetch(args)) => {
            let dir = args.dir.clone().unwrap_or_else(|| paths.default_rootfs());
            fetch_rootfs(args, &dir, paths, narrator)?;
            Ok(0)
        }
        Command::Cleanup => cleanup(paths, narrator),
        Command::Doctor => Ok(crate::doctor::run(paths, cli.globals.trace)),
        Command::Compare(a) => crate::compare::run(a, paths, narrator),
        Command::Tour(a) => crate::tour::run(
            paths,
            &crate::tour::Options {
                step: a.step,
                from: a.from,
                only: a.only,
                clear: a.clear,
            },
            narrator,
        ),
        Command::Lesson(a) => lesson(&a.which),
        Command::Completions(a) => crate::kit::completions(a.shell, &mut std::io::stdout()),
        Command::Man(a) => crate::kit::man(a.dir.as_deref(), &mut std::io::stdout()),
        Command::Create(a) => stages::image::create(a, paths, narrator),
        Command::Start(a) => container::start(a, paths, narrator),
        Command::Stop(a) => container::stop(a, paths, narrator),
        Command::Restart(a) => container::restart(a, paths, narrator),
        Command::Kill(a) => container::kill(a, paths),
        Command::Rm(a) => container::rm(a, paths),
        Command::Ps(a) => container::ps(a, paths),
        Command::Logs(a) => container::logs(a, paths),
        Command::Attach(a) => container::attach(a, paths),
        Command::Wait(a) => container::wait(a, paths),
        Command::Inspect(a) => container::inspect(a, paths),
        Command::Rename(a) => container::rename(a, paths),
        Command::Port(a) => container::port(a, paths),
        Command::Exec(a) => stages::inside::exec_cmd(a, paths, narrator),
        Command::Top(a) => stages::inside::top(a, paths),
        Command::Stats(a) => stages::inside::stats_cmd(a, paths),
        Command::Pause(a) => stages::inside::pause(a, true, paths, narrator),
        Command::Unpause(a) => stages::inside::pause(a, false, paths, narrator),
        Command::Container(c) => match c {
            ContainerCommand::Create(a) => stages::image::create(a, paths, narrator),
            ContainerCommand::Run(a) => stages::image::run(a, paths, narrator),
            ContainerCommand::Start(a) => container::start(a, paths, narrator),
            ContainerCommand::Stop(a) => container::stop(a, paths, narrator),
            ContainerCommand::Restart(a) => container::restart(a, paths, narrator),
            ContainerCommand::Kill(a) => container::kill(a, paths),
            ContainerCommand::Rm(a) => container::rm(a, paths),
            ContainerCommand::Prune(a) => container::prune(a, paths),
            ContainerCommand::Ls(a) => container::ps(a, paths),
            ContainerCommand::Logs(a) => container::logs(a, paths),
            ContainerCommand::Attach(a) => container::attach(a, paths),
            ContainerCommand::Wait(a) => container::wait(a, paths),
            ContainerCommand::Inspect(a) => container::inspect(a, paths),
            ContainerCommand::Rename(a) => container::rename(a, paths),
            ContainerCommand::Port(a) => container::port(a, paths),
            ContainerCommand::Exec(a) => stages::inside::exec_cmd(a, paths, narrator),
            ContainerCommand::Top(a) => stages::inside::top(a, paths),
            ContainerCommand::Stats(a) => stages::inside::stats_cmd(a, paths),
            ContainerCommand::Pause(a) => stages::inside::pause(a, true, paths, narrator),
            ContainerCommand::Unpause(a) => stages::inside::pause(a, false, paths, narrator),
            // ---- build ----
            ContainerCommand::Commit(a) => stages::build::commit(a, paths, narrator),
            ContainerCommand::Diff(a) => stages::build::diff(a, paths),
        },
        // ---- build ----
        Command::Build(a) => stages::build::build(a, paths, narrator),
        Command::Commit(a) => stages::build::commit(a, paths, narrator),
        Command::Diff(a) => stages::build::diff(a, paths),
        Command::History(a) => stages::build::history(a, paths),
        // ---- engines ----
        Command::Save(a) => crate::engines::save::save_cmd(a, paths),
        Command::System(c) => crate::engines::system::system(c, paths),
        Command::Info => {
            crate::engines::system::system(&crate::engines::system::SystemCommand::Info, paths)
        }
        Command::Version => crate::engines::system::version(),
        Command::Bundle(a) => crate::engines::bundle::bundle(a, paths, narrator),
        Command::Kube(c) => crate::engines::kube::kube(c, paths),
        Command::Monitor(a) => Ok(crate::container::monitor::main(
            paths,
            &a.id,
            a.restarting,
            a.events,
        )),
    }
}

pub fn fetch_rootfs(
    args: &FetchArgs,
    dir: &std::path::Path,
    paths: &Paths,
    narrator: &mut dyn Narrator,
) -> Result<(), Error> {
    match args.source {
        FetchSource::Host => {
            let r = rootfs_fetch::host::build(dir, &rootfs_fetch::host::lesson_helpers())?;
            narrator.emit(&Event::RootfsBuilt {
                path: dir.display().to_string(),
                source: r.source,
                programs: r.programs,
                libraries: r.libraries.len(),
            });
        }
        FetchSource::Alpine => {
            let opts = rootfs_fetch::alpine::AlpineOptions {
                version: args.version.clone(),
                mirror: args.mirror.clone(),
                sha256: args.sha256.clone(),
                ..Default::default()
            };
            let url = rootfs_fetch::alpine::url(&opts)?;
            rootfs_fetch::alpine::fetch(dir, &opts)?;
            let sha = opts
                .sha256
                .clone()
                .or_else(|| {
                    rootfs_fetch::alpine::pinned_sha256(&opts.version, &opts.arch).map(String::from)
                })
                .unwrap_or_default();
            narrator.emit(&Event::RootfsDownloaded {
                path: dir.display().to_string(),
                version: opts.version.clone(),
                arch: opts.arch.clone(),
                url,
                sha256: sha,
            });
        }
        FetchSource::Registry => {
            let image = args.image.clone().unwrap_or_default();
            let registry = image
                .parse::<rootfs_fetch::oci::reference::Reference>()
                .map(|r| r.registry)
                .map_err(Error::Usage)?;
            let opts = rootfs_fetch::registry::RegistryOptions {
                platform: args.platform.clone(),
                insecure: args.insecure_registry,
                credentials: crate::image::credentials::get(paths, &registry)?,
            };
            let f = rootfs_fetch::registry::fetch(dir, &image, &opts)?;
            narrator.emit(&Event::RootfsFromImage {
                path: dir.display().to_string(),
                reference: f.reference,
                layers: f.layers,
                files: f.files,
            });
        }
    }
    println!("{}", msg!(m::ROOTFS_READY, path = dir.display()));
    Ok(())
}

fn cleanup(paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let scope = journal::check::Scope::new(paths);
    let mut report = journal::cleanup(&paths.runs(), &scope, narrator)?;
    // The image store: pins of pulls and runs that were killed, partial
    // downloads, unfinished writes (after the journals: a dead run's pin
    // is undone there, with its narration).
    if paths.data.join("images").is_dir() {
        let store = crate::image::store::Store::open(paths)?;
        let lock = store.lock()?;
        let (pins, temps) = store.sweep(&lock)?;
        report.removed += pins + temps;
    }
    // Containers half made or half removed by a killed dockling.
    crate::container::store::Store::new(paths).sweep()?;
    // The rules of networks a killed `network rm` removed.
    report.removed += crate::network::nat::sweep(paths)?;
    // Cgroups of runs whose journal is gone: nothing else would find them.
    let host = crate::cgroups::Host::detect(std::path::Path::new(crate::cgroups::CGROUP_ROOT));
    for dir in crate::cgroups::orphans(&host, &paths.cgroup_parent, &paths.runs()) {
        let resource = journal::Resource::Cgroup { path: dir.clone() };
        narrator.emit(&resource.event());
        match crate::cgroups::destroy(&dir) {
            Ok(_) => report.removed += 1,
            Err(error) => report.failures.push(journal::Failure { resource, error }),
        }
        if let Some(parent) = dir.parent() {
            let _ = crate::cgroups::remove_parent(parent);
        }
    }
    println!(
        "{}",
        msg!(
            m::CLEANUP_REPORT,
            finished = report.finished.len(),
            removed = report.removed,
            alive = report.alive.len()
        )
    );
    for f in &report.failures {
        eprintln!(
            "dockling: {}",
            msg!(
                m::CLEANUP_COULD_NOT_UNDO,
                resource = format!("{:?}", f.resource),
                error = f.error
            )
        );
    }
    Ok(if report.failures.is_empty() {
        0
    } else {
        EXIT_DOCKLING_FAILED
    })
}

fn lesson(which: &str) -> Result<i32, Error> {
    if which == "list" {
        for l in crate::lessons::all() {
            println!("{:>2}  {:<24} {}", l.number, l.file, l.title);
        }
        return Ok(0);
    }
    let n: u32 = which
        .parse()
        .map_err(|_| Error::Usage(msg!(m::NO_LESSON_NAMED, which = format!("{which:?}"))))?;
    let l =
        crate::lessons::find(n).ok_or_else(|| Error::Usage(msg!(m::NO_LESSON_NUMBER, n = n)))?;
    crate::kit::page(l.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_language_is_read_before_parsing() {
        let lang = |args: &[&str]| {
            let args: Vec<std::ffi::OsString> = std::iter::once("dockling")
                .chain(args.iter().copied())
                .map(Into::into)
                .collect();
            help_lang(&args)
        };
        assert_eq!(lang(&["--lang", "ko", "--help"]), Lang::Ko);
        assert_eq!(lang(&["run", "--lang=ko", "-h"]), Lang::Ko);
        assert_eq!(
            lang(&["--lang", "ko", "run", "--lang", "en", "-h"]),
            Lang::En
        );
        // After `--` it is the contained command's.
        assert_eq!(
            lang(&["--lang", "en", "chroot", "--", "sh", "--lang", "ko"]),
            Lang::En
        );
    }

    /// The deferred command line is the derive's: same subcommands, same
    /// descriptions, same arguments.
    #[test]
    fn the_deferred_command_line_matches_the_derive() {
        let mut derived = Cli::command();
        derived.build();
        let mut ours = command();
        ours.build();
        let names = |c: &clap::Command| -> Vec<(String, String)> {
            c.get_subcommands()
                .map(|s| {
                    (
                        s.get_name().to_string(),
                        s.get_about()
                            .map(|a| a.to_string())
                            .unwrap_or_default()
                            .replace('\n', " "),
                    )
                })
                .collect()
        };
        assert_eq!(names(&ours), names(&derived));
        assert_eq!(
            ours.get_about().map(|a| a.to_string()),
            derived.get_about().map(|a| a.to_string())
        );
        assert_eq!(
            ours.get_long_about().map(|a| a.to_string()),
            derived.get_long_about().map(|a| a.to_string())
        );
        for sub in derived.get_subcommands() {
            let mut mine = ours.find_subcommand(sub.get_name()).unwrap().clone();
            mine.build();
            let ids = |c: &clap::Command| -> Vec<String> {
                let mut v: Vec<String> =
                    c.get_arguments().map(|a| a.get_id().to_string()).collect();
                v.extend(c.get_subcommands().map(|s| format!("sub:{}", s.get_name())));
                v.sort();
                v
            };
            let mut theirs = sub.clone();
            theirs.build();
            assert_eq!(ids(&mine), ids(&theirs), "dockling {}", sub.get_name());
            let about = |c: &clap::Command| {
                (
                    c.get_about().map(|a| a.to_string()),
                    c.get_long_about().map(|a| a.to_string()),
                )
            };
            assert_eq!(
                about(&mine),
                about(&theirs),
                "dockling {} --help",
                sub.get_name()
            );
        }
    }
}
