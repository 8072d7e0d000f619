//! Stage 6: images. `dockling pull`, `images`, `image inspect|prune`,
//! `rmi`, `load`, `login`/`logout`, and `dockling run IMAGE [CMD…]`,
//! which is stage 5 with the image's layers as the read-only layers and
//! its config as the defaults. Lesson: lessons/06-registry.md.

use std::io::Read;
use std::path::PathBuf;

use rootfs_fetch::oci::auth::Credentials;
use rootfs_fetch::oci::client::Client;
use rootfs_fetch::oci::manifest::Platform;
use rootfs_fetch::oci::reference::Reference;

use super::network::NetworkArgs;
use crate::engine::Stage;
use crate::engine::spec::{Bind, default_env};
use crate::error::Error;
use crate::image::config::{self, Overrides};
use crate::image::pins::Holder;
use crate::image::store::{Image, Store};
use crate::image::{credentials, envfile, load, pull};
use crate::msg;
use crate::namespaces::Namespace;
use crate::narrate::messages::images as m;
use crate::narrate::{Event, Narrator};
use crate::paths::Paths;

#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// The image: NAME[:TAG], NAME@sha256:DIGEST, REGISTRY/NAME…
    pub reference: String,
    /// The platform to take from a multi-platform image [default: this machine's]
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<Platform>,
    /// Keep every platform of a multi-platform image (unpacking only this machine's), so that a push sends it whole
    #[arg(long)]
    pub all_platforms: bool,
    /// Allow plain http to this registry even though it is not on loopback
    #[arg(long)]
    pub insecure_registry: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum ImageCommand {
    /// Show an image's manifest digest, config and layers, as JSON
    Inspect { reference: String },
    /// Remove layers and blobs that no image and no running container uses, and leftovers of interrupted pulls
    Prune,
    // ---- push ----
    /// Give an image another name: `image tag SOURCE TARGET`
    Tag(super::push::TagArgs),
    /// Send an image to a registry: `image push REGISTRY/NAME[:TAG]`
    Push(super::push::PushArgs),
    // ---- build ----
    /// Show the steps an image was made of
    History(super::build::HistoryArgs),
    // ---- engines ----
    /// Save images to a tar archive (docker archive and OCI layout in one)
    Save(crate::engines::save::SaveArgs),
}

#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// The registry host, e.g. 127.0.0.1:5000
    pub registry: String,
    #[arg(short = 'u', long)]
    pub username: String,
    #[arg(short = 'p', long, conflicts_with = "password_stdin")]
    pub password: Option<String>,
    /// Read the password from standard input
    #[arg(long)]
    pub password_stdin: bool,
    #[arg(long)]
    pub insecure_registry: bool,
}

/// `dockling run`: stage 5's flags plus docker run's image flags.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The image to run (pulled first if it is not in the store)
    pub image: String,
    /// Replace the image's Entrypoint ("" clears it)
    #[arg(long, value_name = "CMD")]
    pub entrypoint: Option<String>,
    /// Read environment variables from a file of KEY=VALUE lines (docker's rules)
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Bind-mount a host path: HOST:CONTAINER[:ro] (repeat)
    #[arg(short = 'v', long = "volume", value_name = "HOST:CONTAINER[:ro]")]
    pub volumes: Vec<String>,
    /// Run as USER[:GROUP] (names or numbers) [default: the image's User, else root]
    #[arg(short = 'u', long, value_name = "USER[:GROUP]")]
    pub user: Option<String>,
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<Platform>,
    #[arg(long)]
    pub insecure_registry: bool,
    #[command(flatten)]
    pub net: NetworkArgs,
}

pub fn pull(args: &PullArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let opts = pull::PullOptions {
        platform: args.platform.clone(),
        insecure: args.insecure_registry,
        all_platforms: args.all_platforms,
    };
    let img = pull::pull(paths, &args.reference, &opts, narrator)?;
    println!("{}: {}", img.reference, img.manifest_digest);
    Ok(0)
}

/// `docker images`: REPOSITORY, TAG, IMAGE ID, CREATED, SIZE.
pub fn images(paths: &Paths) -> Result<i32, Error> {
    let store = Store::open(paths)?;
    println!(
        "{:<40} {:<12} {:<14} {:<18} SIZE",
        "REPOSITORY", "TAG", "IMAGE ID", "CREATED"
    );
    let now = crate::clock::now_ns();
    for img in store.list()? {
        let r: Option<Reference> = img.reference.parse().ok();
        let (repo, tag) = match &r {
            Some(r) => (
                r.familiar_name(),
                r.tag.clone().unwrap_or_else(|| "<none>".into()),
            ),
            None => (img.reference.clone(), "<none>".into()),
        };
        // docker's "2 weeks ago", from the config's `created`.
        let created = img
            .config
            .created
            .as_deref()
            .and_then(crate::clock::parse_rfc3339)
            .map(|t| format!("{} ago", crate::clock::since(t, now)))
            .unwrap_or_else(|| "N/A".into());
        println!(
            "{:<40} {:<12} {:<14} {:<18} {}",
            repo,
            tag,
            img.id().short(),
            created,
            human(img.size)
        );
    }
    Ok(0)
}

/// Sizes as docker prints them: SI units, three significant digits.
pub fn human(n: u64) -> String {
    crate::container::stats::human_size3(n)
}

fn find(store: &Store, name: &str) -> Result<Image, Error> {
    store.find(name)?.ok_or_else(|| Error::Hinted {
        message: msg!(m::NO_SUCH_IMAGE, name = format!("{name:?}")),
        hint: msg!(m::NO_SUCH_IMAGE_HINT),
    })
}

pub fn image(cmd: &ImageCommand, paths: &Paths) -> Result<i32, Error> {
    // ---- build ----
    if let ImageCommand::History(a) = cmd {
        return super::build::history(a, paths);
    }
    let store = Store::open(paths)?;
    match cmd {
        ImageCommand::Inspect { reference } => {
            let img = find(&store, reference)?;
            let repo = img
                .reference
                .parse::<Reference>()
                .map(|r| r.name())
                .unwrap_or_else(|_| img.reference.clone());
            let mut v = serde_json::json!({
                "Id": img.id().to_string(),
                "RepoTags": [img.reference],
                "RepoDigests": [format!("{repo}@{}", img.manifest_digest)],
                "ManifestDigest": img.manifest_digest.to_string(),
                "LayoutManifestDigest": img.layout_digest.to_string(),
                "Created": img.config.created,
                "Os": img.config.os,
                "Architecture": img.config.architecture,
                "Config": img.config.config,
                "Layers": img.config.rootfs.diff_ids.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
                "LayerDirs": img.config.rootfs.diff_ids.iter().map(|d| store.layer_path(d).display().to_string()).collect::<Vec<_>>(),
                "Size": img.size,
            });
            // Pulled whole: the index, and every platform it holds.
            if let Some(index) = &img.index {
                let whole = crate::image::platforms::Whole::read(&store, index)?;
                v["Index"] = serde_json::json!({
                    "Digest": index.to_string(),
                    "Platforms": whole.platforms.iter().map(|p| serde_json::json!({
                        "Platform": p.entry.platform.as_ref().map(|p| p.to_string()),
                        "Digest": p.entry.digest.to_string(),
                    })).collect::<Vec<_>>(),
                });
            }
            println!("{}", serde_json::to_string_pretty(&v).expect("json"));
        }
        ImageCommand::History(_) => unreachable!("handled above"),
        ImageCommand::Prune => {
            let lock = store.lock()?;
            let c = store.collect_garbage(&lock)?;
            println!("{}", msg!(m::PRUNED, blobs = c.blobs, layers = c.layers));
            if c.held > 0 {
                println!("{}", held_note(c.held));
            }
        }
        // ---- push ----
        ImageCommand::Tag(a) => return super::push::tag(a, paths),
        ImageCommand::Push(_) => unreachable!("dispatched by cli, with the narrator"),
        ImageCommand::Save(a) => return crate::engines::save::save_cmd(a, paths),
    }
    Ok(0)
}

fn held_note(n: usize) -> String {
    msg!(m::HELD_LAYERS, n = n)
}

/// `docker rmi`: untag each image, then remove the layers and blobs no
/// image uses any more. An image a running container uses is refused
/// unless `force` (as docker refuses: the container keeps running on its
/// layers, which stay until it ends, but the name would be gone).
pub fn rmi(names: &[String], force: bool, paths: &Paths) -> Result<i32, Error> {
    let store = Store::open(paths)?;
    let lock = store.lock()?;
    let live = store.live_pins()?;
    let mut first_error = None;
    let mut untagged = 0;
    for name in names {
        let img = match find(&store, name) {
            Ok(img) => img,
            Err(e) => {
                first_error.get_or_insert(e);
                continue;
            }
        };
        // Like docker: only the last name of an image is protected; while
        // another name remains, removing this one removes nothing else.
        let last_name = !store
            .list()?
            .iter()
            .any(|i| i.id() == img.id() && i.reference != img.reference);
        if !force
            && last_name
            && let Some(user) = live
                .iter()
                .find(|p| p.is_container() && p.image.as_ref() == Some(img.id()))
        {
            let running = user.holder == crate::image::pins::Holder::Run
                || crate::container::store::Store::new(paths)
                    .state(&user.id)
                    .is_ok_and(|s| s.status.is_live());
            first_error.get_or_insert(conflict(name, &img, &user.id, running));
            continue;
        }
        store.untag(&img.reference)?;
        println!("Untagged: {}", img.reference);
        untagged += 1;
    }
    let c = store.collect_garbage(&lock)?;
    if untagged > 0 || c.layers > 0 {
        println!("{}", msg!(m::DELETED_LAYERS, n = c.layers));
    }
    if c.held > 0 {
        println!("{}", held_note(c.held));
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(0),
    }
}

/// docker's words for an image a container uses.
fn conflict(name: &str, img: &Image, container: &str, running: bool) -> Error {
    let container = &container[..container.len().min(12)];
    let which = if running { "running" } else { "stopped" };
    let hex = name.strip_prefix("sha256:").unwrap_or(name);
    let by_id = hex.len() >= 12 && img.id().hex().starts_with(hex);
    // Exit 1, as docker's daemon refusing, in docker's words (lesson 6
    // quotes them); the hint is dockling's, in the run's language.
    Error::Refused {
        message: if by_id {
            format!(
                "conflict: unable to delete {} (must force) - image is being used by {which} container {container}",
                img.id().short()
            )
        } else {
            format!(
                "conflict: unable to remove repository reference {name:?} (must force) - container {container} is using its referenced image {}",
                img.id().short()
            )
        },
        hint: msg!(m::RMI_CONFLICT_HINT, container = container, name = name),
    }
}

pub fn load_cmd(
    path: &std::path::Path,
    paths: &Paths,
    narrator: &mut dyn Narrator,
) -> Result<i32, Error> {
    for img in load::load(paths, path, narrator)? {
        println!("Loaded image: {}", img.reference);
    }
    Ok(0)
}

pub fn login(args: &LoginArgs, paths: &Paths) -> Result<i32, Error> {
    let password = match (&args.password, args.password_stdin) {
        (Some(p), _) => p.clone(),
        (None, true) => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(Error::io("read", "standard input"))?;
            s.trim_end_matches(['\n', '\r']).to_string()
        }
        (None, false) => {
            return Err(Error::Usage(msg!(m::LOGIN_NO_PASSWORD)));
        }
    };
    let r: Reference = format!("{}/dockling-login-check", args.registry)
        .parse()
        .map_err(|e: String| {
            Error::Usage(msg!(
                m::LOGIN_BAD_REGISTRY,
                registry = format!("{:?}", args.registry),
                error = e
            ))
        })?;
    let creds = Credentials {
        user: args.username.clone(),
        password,
    };
    let noop: rootfs_fetch::oci::client::Observer =
        std::sync::Arc::new(std::sync::Mutex::new(|_: &_| {}));
    let mut client = Client::new(&r, Some(creds.clone()), args.insecure_registry, noop);
    client.ping().map_err(|e| Error::Hinted {
        message: msg!(m::LOGIN_FAILED, registry = r.registry, error = e),
        hint: msg!(m::LOGIN_FAILED_HINT),
    })?;
    credentials::store(paths, &r.registry, &creds)?;
    println!(
        "{}",
        msg!(
            m::LOGIN_SUCCEEDED,
            path = paths.data.join("auth.json").display()
        )
    );
    Ok(0)
}

pub fn logout(registry: &str, paths: &Paths) -> Result<i32, Error> {
    if credentials::forget(paths, registry)? {
        println!("{}", msg!(m::LOGGED_OUT, registry = registry));
        Ok(0)
    } else {
        Err(Error::Usage(msg!(m::NOT_LOGGED_IN, registry = registry)))
    }
}

fn parse_volume(v: &str) -> Result<Bind, Error> {
    let parts: Vec<&str> = v.split(':').collect();
    let (host, ctr, readonly) = match parts[..] {
        [h, c] => (h, c, false),
        [h, c, "ro"] => (h, c, true),
        [h, c, "rw"] => (h, c, false),
        _ => {
            return Err(Error::Usage(msg!(m::VOLUME_FORMAT, v = v)));
        }
    };
    if !host.starts_with('/') || !ctr.starts_with('/') {
        return Err(Error::Usage(msg!(m::VOLUME_RELATIVE, v = v)));
    }
    if ctr.split('/').any(|c| c == "..") {
        return Err(Error::Usage(msg!(m::VOLUME_DOTDOT, v = v)));
    }
    // What the kernel shows there must stay the kernel's (and masked): a
    // volume over /proc would undo the masking of /proc/kcore and friends.
    let clean: Vec<&str> = ctr
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if let Some(top) = clean
        .first()
        .filter(|t| matches!(**t, "proc" | "sys"))
        .or(clean.first().filter(|t| **t == "dev" && clean.len() == 1))
    {
        return Err(Error::Usage(if *top == "dev" {
            msg!(m::VOLUME_OVER_DEV, v = v)
        } else {
            msg!(m::VOLUME_OVER_KERNEL, v = v, top = top)
        }));
    }
    let source = std::fs::canonicalize(host).map_err(|e| Error::Hinted {
        message: format!("-v {v}: {host}: {e}"),
        hint: msg!(m::VOLUME_NO_HOST_PATH_HINT),
    })?;
    Ok(Bind {
        source,
        target: ctr.to_string(),
        readonly,
    })
}

/// `dockling run IMAGE`: create the container, then run it (in the
/// foreground, or detached with `-d`).
pub fn run(args: &RunArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let (spec, origin) = image_container(args, paths, narrator)?;
    let life = &args.net.overlay.cgroups.ns.common.life;
    super::container::launch(spec, life, origin, paths, narrator)
}

/// `dockling create IMAGE`: the container, made and not started.
pub fn create(args: &RunArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let (spec, origin) = image_container(args, paths, narrator)?;
    let life = &args.net.overlay.cgroups.ns.common.life;
    let id = super::container::create(spec, life, origin, paths)?;
    println!("{id}");
    Ok(0)
}

/// The spec of a container of `args.image` (pulled first if it is not in
/// the store), and what it was made from. The image's layers are pinned
/// for the container from here on (see image::pins).
pub fn image_container(
    args: &RunArgs,
    paths: &Paths,
    narrator: &mut dyn Narrator,
) -> Result<(crate::engine::ContainerSpec, super::container::Origin), Error> {
    // Values first: a bad one is refused before anything is pulled or made.
    let mut env_file = Vec::new();
    for f in &args.env_files {
        env_file.extend(envfile::read(f)?);
    }
    let volumes = args
        .volumes
        .iter()
        .map(|v| parse_volume(v))
        .collect::<Result<Vec<_>, _>>()?;
    let store = Store::open(paths)?;
    // The container's pin holds the image's layers until the container is
    // removed (see image::pins): taken under the store's lock with the
    // image, it is there before the layers are checked.
    let id = crate::container::store::new_id();
    let (img, pin) = match store.pin_image(&args.image, Holder::Container, &id)? {
        Some(found) => found,
        None => {
            let opts = pull::PullOptions {
                platform: args.platform.clone(),
                insecure: args.insecure_registry,
                ..Default::default()
            };
            let (pulled, _pull_pin) = pull::pull_pinned(paths, &args.image, &opts, narrator)?;
            store
                .pin_image(&pulled.reference, Holder::Container, &id)?
                .ok_or_else(|| Error::Hinted {
                    message: msg!(m::IMAGE_REMOVED_WHILE_PULLED, reference = pulled.reference),
                    hint: msg!(m::RUN_AGAIN_HINT),
                })?
        }
    };
    let layers: Vec<PathBuf> = img
        .config
        .rootfs
        .diff_ids
        .iter()
        .map(|d| store.layer_path(d))
        .collect();
    if let Some(missing) = layers.iter().find(|l| !l.is_dir()) {
        return Err(Error::Hinted {
            message: msg!(
                m::LAYER_MISSING,
                reference = img.reference,
                path = missing.display()
            ),
            hint: msg!(m::PULL_AGAIN_HINT, reference = img.reference),
        });
    }
    let Some((bottom, above)) = layers.split_first() else {
        return Err(Error::Usage(msg!(
            m::IMAGE_WITHOUT_LAYERS,
            reference = img.reference
        )));
    };
    let rc = &img.config.config;
    let o = Overrides {
        entrypoint: args.entrypoint.clone(),
        args: args.net.overlay.cgroups.ns.common.command.clone(),
        env_file,
        env: args.net.overlay.cgroups.ns.common.env.clone(),
        workdir: args.net.overlay.cgroups.ns.common.workdir.clone(),
        user: args.user.clone(),
    };
    let command = config::command(rc, &o)?;
    let o_args = o.args.clone();
    let mut net = args.net.clone();
    net.overlay.cgroups.ns.common.rootfs = Some(bottom.clone());
    net.overlay.cgroups.ns.common.command = command.clone();
    let mut stacked = above.to_vec();
    stacked.extend(net.overlay.layers.iter().cloned());
    net.overlay.layers = stacked;
    let mut spec = if net.network.as_deref() == Some("none") {
        let mut s = super::overlay::spec(&net.overlay, paths, Stage::Run)?;
        s.namespaces.push(Namespace::Net);
        s
    } else {
        super::network::spec(&net, paths, Stage::Run)?
    };
    spec.env = default_env();
    for (k, v) in config::env(rc, &o) {
        spec.set_env(&k, &v);
    }
    spec.workdir = config::workdir(rc, &o)?;
    spec.user = config::user(rc, &o, &layers)?;
    spec.binds.extend(volumes);
    narrator.emit(&Event::RunImage {
        reference: img.reference.clone(),
        layers: layers.len(),
        command: format!("{command:?}"),
    });
    let origin = super::container::Origin {
        id: Some(id),
        image: args.image.clone(),
        image_id: Some(img.id().to_string()),
        entrypoint: match &args.entrypoint {
            Some(e) if e.is_empty() => Vec::new(),
            Some(e) => vec![e.clone()],
            None => rc.entrypoint.clone().unwrap_or_default(),
        },
        cmd: match (&args.entrypoint, o_args.is_empty()) {
            (Some(_), true) => Vec::new(),
            (_, true) => rc.cmd.clone().unwrap_or_default(),
            (_, false) => o_args,
        },
        stop_signal: rc.stop_signal.clone(),
        labels: rc.labels.clone().unwrap_or_default(),
        pin: Some(pin),
    };
    Ok((spec, origin))
}
