//! `dockling system df|info|prune` and `dockling version`: what an engine
//! says about itself, in docker's shapes, from dockling's own files.
//!
//! docker asks its daemon; dockling has none, so each answer is read from
//! where dockling keeps things: the image store (`<data>/images`, the
//! unpacked layers and their `.size` files), the containers' directories
//! (their writable layers), the networks' definitions, the cgroup tree
//! and /proc. `system prune` is the other prunes in one: stopped
//! containers (as `container prune`), networks no container uses,
//! untagged image data (as `image prune`; with `-a` every image no
//! container uses), and the build cache (its entries; their layers belong
//! to images).
//! Its "Total reclaimed space" is measured: the bytes on disk before,
//! less the bytes after.

use std::collections::HashSet;
use std::path::Path;

use crate::container::show::dir_size;
use crate::container::store::Store as Containers;
use crate::error::Error;
use crate::image::store::Store;
use crate::msg;
use crate::narrate::messages::engines as m;
use crate::paths::Paths;
use crate::stages::image::human;

#[derive(Debug, clap::Subcommand)]
pub enum SystemCommand {
    /// Show disk usage: images, containers, local volumes, build cache
    Df(DfArgs),
    /// Show system-wide information (as `docker info`)
    Info,
    /// Remove stopped containers, unused networks, dangling images and build cache
    Prune(PruneArgs),
}

#[derive(Debug, clap::Args)]
pub struct DfArgs {
    /// Show one line per image and per container
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

#[derive(Debug, clap::Args)]
pub struct PruneArgs {
    /// Remove every image no container uses, not only dangling data
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Do not ask for confirmation
    #[arg(short = 'f', long)]
    pub force: bool,
}

pub fn system(cmd: &SystemCommand, paths: &Paths) -> Result<i32, Error> {
    match cmd {
        SystemCommand::Df(a) => df(a, paths),
        SystemCommand::Info => info(paths),
        SystemCommand::Prune(a) => prune(a, paths),
    }
}

/// Sizes of one layer (unpacked bytes), from its `.size` file.
fn layer_size(store: &Store, diff: &rootfs_fetch::oci::digest::Digest) -> u64 {
    std::fs::read_to_string(store.layer_path(diff).with_extension("size"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// What `df` counts.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub images: usize,
    pub images_active: usize,
    pub images_size: u64,
    pub images_reclaimable: u64,
    pub containers: usize,
    pub containers_active: usize,
    pub containers_size: u64,
    pub containers_reclaimable: u64,
    /// Build cache entries, those still usable, and the unpacked size of
    /// the layers they name (which images hold: pruning the cache frees
    /// only its small files).
    pub cache: usize,
    pub cache_active: usize,
    pub cache_size: u64,
}

pub fn usage(paths: &Paths) -> Result<Usage, Error> {
    let store = Store::open(paths)?;
    let images = store.list()?;
    let containers = Containers::new(paths).list()?;
    let used: HashSet<String> = containers
        .iter()
        .filter_map(|(c, _)| c.image_id.clone())
        .collect();
    let mut u = Usage {
        images: images.len(),
        containers: containers.len(),
        ..Usage::default()
    };
    // A layer two images share is counted once, as docker counts it.
    let mut all = HashSet::new();
    let mut active_layers = HashSet::new();
    for img in &images {
        let active = used.contains(&img.id().to_string());
        u.images_active += usize::from(active);
        for d in &img.config.rootfs.diff_ids {
            if all.insert(d.clone()) {
                u.images_size += layer_size(&store, d);
            }
            if active {
                active_layers.insert(d.clone());
            }
        }
    }
    let active_size: u64 = active_layers.iter().map(|d| layer_size(&store, d)).sum();
    u.images_reclaimable = u.images_size - active_size.min(u.images_size);
    let mut cached_layers = HashSet::new();
    for (_, e) in crate::build::cache::Cache::open(paths)?.entries()? {
        u.cache += 1;
        let Some(e) = e.filter(|e| crate::build::cache::Cache::usable(&store, e)) else {
            continue;
        };
        u.cache_active += 1;
        if let Some(l) = e.layer
            && cached_layers.insert(l.diff_id.clone())
        {
            u.cache_size += layer_size(&store, &l.diff_id);
        }
    }
    let cstore = Containers::new(paths);
    for (c, s) in &containers {
        let size = dir_size(&cstore.dir(&c.id).join("fs/upper"));
        u.containers_size += size;
        if s.status.is_live() {
            u.containers_active += 1;
        } else {
            u.containers_reclaimable += size;
        }
    }
    Ok(u)
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".into();
    }
    format!("{}%", part * 100 / whole)
}

fn df(args: &DfArgs, paths: &Paths) -> Result<i32, Error> {
    let u = usage(paths)?;
    println!(
        "{:<15} {:<9} {:<9} {:<10} RECLAIMABLE",
        "TYPE", "TOTAL", "ACTIVE", "SIZE"
    );
    let row = |t: &str, total: usize, active: usize, size: u64, rec: String| {
        println!("{t:<15} {total:<9} {active:<9} {:<10} {rec}", human(size));
    };
    row(
        "Images",
        u.images,
        u.images_active,
        u.images_size,
        format!(
            "{} ({})",
            human(u.images_reclaimable),
            percent(u.images_reclaimable, u.images_size)
        ),
    );
    row(
        "Containers",
        u.containers,
        u.containers_active,
        u.containers_size,
        format!(
            "{} ({})",
            human(u.containers_reclaimable),
            percent(u.containers_reclaimable, u.containers_size)
        ),
    );
    row("Local Volumes", 0, 0, 0, human(0));
    row(
        "Build Cache",
        u.cache,
        u.cache_active,
        u.cache_size,
        human(0),
    );
    if args.verbose {
        let store = Store::open(paths)?;
        let containers = Containers::new(paths).list()?;
        println!("\nImages space usage:\n");
        println!(
            "{:<40} {:<12} {:<14} {:<10} CONTAINERS",
            "REPOSITORY", "TAG", "IMAGE ID", "SIZE"
        );
        for img in store.list()? {
            let r: Option<rootfs_fetch::oci::reference::Reference> = img.reference.parse().ok();
            let (repo, tag) = match &r {
                Some(r) => (
                    r.familiar_name(),
                    r.tag.clone().unwrap_or_else(|| "<none>".into()),
                ),
                None => (img.reference.clone(), "<none>".into()),
            };
            let n = containers
                .iter()
                .filter(|(c, _)| c.image_id.as_deref() == Some(&img.id().to_string()))
                .count();
            println!(
                "{repo:<40} {tag:<12} {:<14} {:<10} {n}",
                img.id().short(),
                human(img.size)
            );
        }
        println!("\nContainers space usage:\n");
        println!(
            "{:<14} {:<30} {:<10} {:<10} NAMES",
            "CONTAINER ID", "IMAGE", "SIZE", "STATUS"
        );
        let cstore = Containers::new(paths);
        for (c, s) in &containers {
            println!(
                "{:<14} {:<30} {:<10} {:<10} {}",
                &c.id[..12],
                c.image,
                human(dir_size(&cstore.dir(&c.id).join("fs/upper"))),
                s.status.name(),
                c.name
            );
        }
        println!("\n{}", msg!(m::DF_NO_VOLUMES));
    }
    Ok(0)
}

/// The bytes dockling's files take on disk, for "Total reclaimed space".
fn on_disk(paths: &Paths) -> u64 {
    ["images", "layers", "containers"]
        .iter()
        .map(|d| dir_size(&paths.data.join(d)))
        .sum()
}

fn prune(args: &PruneArgs, paths: &Paths) -> Result<i32, Error> {
    if !args.force {
        eprint!(
            "{}",
            if args.all {
                msg!(m::SYSTEM_PRUNE_WARNING_ALL)
            } else {
                msg!(m::SYSTEM_PRUNE_WARNING)
            }
        );
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(Error::io("read", "stdin"))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Ok(0);
        }
    }
    let before = on_disk(paths);
    // Stopped containers, as `container prune` removes them.
    let (containers, _) = crate::stages::container::prune_stopped(paths)?;
    if !containers.is_empty() {
        println!("Deleted Containers:");
        for id in &containers {
            println!("{id}");
        }
        println!();
    }
    // Networks no container (running or not) is on.
    let cstore = Containers::new(paths);
    let configs = cstore.list()?;
    let mut networks = Vec::new();
    for net in crate::network::store::list(paths)? {
        if net.name == crate::network::store::DEFAULT_NETWORK {
            continue;
        }
        let used = !crate::network::store::leases(paths, &net.name).is_empty()
            || configs.iter().any(|(c, _)| {
                c.spec.network.as_ref().is_some_and(|n| {
                    n.network.name == net.name || n.connected.iter().any(|x| x.network == net.name)
                })
            });
        if !used {
            crate::network::store::remove(paths, &net.name)?;
            networks.push(net.name);
        }
    }
    if !networks.is_empty() {
        println!("Deleted Networks:");
        for n in &networks {
            println!("{n}");
        }
        println!();
    }
    // Images: with -a every one no container uses loses its name; then,
    // as `image prune`, whatever no name and no pin holds goes.
    let store = Store::open(paths)?;
    let lock = store.lock()?;
    let mut untagged = Vec::new();
    if args.all {
        let used: HashSet<String> = configs
            .iter()
            .filter_map(|(c, _)| c.image_id.clone())
            .collect();
        let live = store.live_pins()?;
        for img in store.list()? {
            let id = img.id().to_string();
            let pinned = live
                .iter()
                .any(|p| p.is_container() && p.image.as_ref() == Some(img.id()));
            if !used.contains(&id) && !pinned && store.untag(&img.reference)? {
                untagged.push(img.reference.clone());
            }
        }
    }
    let c = store.collect_garbage(&lock)?;
    drop(lock);
    if !untagged.is_empty() || c.layers > 0 || c.blobs > 0 {
        println!("Deleted Images:");
        for r in &untagged {
            println!("untagged: {r}");
        }
        println!(
            "{}",
            msg!(m::PRUNE_DELETED_DATA, blobs = c.blobs, layers = c.layers)
        );
        println!();
    }
    // Build cache entries: without -a those that can no longer be used
    // (their layer went with its image), with -a every one.
    let gone = crate::build::cache::Cache::open(paths)?.prune(&Store::open(paths)?, args.all)?;
    if !gone.is_empty() {
        println!("Deleted build cache objects:");
        for key in &gone {
            println!("{}", &key[..key.len().min(25)]);
        }
        println!();
    }
    let after = on_disk(paths);
    println!(
        "Total reclaimed space: {}",
        human(before.saturating_sub(after))
    );
    Ok(0)
}

/// The first line of a file, trimmed.
fn first_line(p: &str) -> Option<String> {
    std::fs::read_to_string(p)
        .ok()
        .and_then(|s| s.lines().next().map(|l| l.trim().to_string()))
}

fn os_release() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| "Linux".into())
}

fn total_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("MemTotal:")
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
        })
        .unwrap_or(0)
        * 1024
}

/// Binary units, as docker's `Total Memory: 3.8GiB`.
fn human_binary(n: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < units.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.4}")
        .get(..if v >= 100.0 { 3 } else { 4 })
        .unwrap_or("0")
        .trim_end_matches('.')
        .to_string()
        + units[u]
}

/// The filesystem under `p`, by its magic number (statfs(2)).
fn filesystem(p: &Path) -> &'static str {
    match crate::cgroups::fs_magic(p) {
        Ok(0xEF53) => "extfs",
        Ok(0x0102_1994) => "tmpfs",
        Ok(0x5846_5342) => "xfs",
        Ok(0x9123_683E) => "btrfs",
        Ok(0x794C_7630) => "overlayfs",
        Ok(_) => "other",
        Err(_) => "unknown",
    }
}

/// Whether the kernel knows a filesystem (/proc/filesystems).
fn kernel_has_fs(name: &str) -> bool {
    std::fs::read_to_string("/proc/filesystems")
        .is_ok_and(|s| s.lines().any(|l| l.split_whitespace().last() == Some(name)))
}

/// The container engines besides dockling found on PATH.
fn tool_version(tool: &str) -> Option<String> {
    let out = std::process::Command::new(tool)
        .arg("--version")
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().next().map(|l| l.trim().to_string())
}

fn info(paths: &Paths) -> Result<i32, Error> {
    let containers = Containers::new(paths).list()?;
    let count = |f: &dyn Fn(crate::container::state::Status) -> bool| {
        containers.iter().filter(|(_, s)| f(s.status)).count()
    };
    use crate::container::state::Status;
    let running = count(&|s| matches!(s, Status::Running | Status::Restarting));
    let paused = count(&|s| s == Status::Paused);
    let images = Store::open(paths)?.list()?.len();
    let host = crate::cgroups::Host::detect(Path::new(crate::cgroups::CGROUP_ROOT));
    let version = match host.layout {
        crate::cgroups::Layout::Unified => "2",
        crate::cgroups::Layout::None => "none",
        _ => "1",
    };
    let kernel = first_line("/proc/sys/kernel/osrelease").unwrap_or_default();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let hostname = first_line("/proc/sys/kernel/hostname").unwrap_or_default();
    println!("Client:");
    println!(" Version:    {}", env!("CARGO_PKG_VERSION"));
    println!(" Context:    default");
    println!();
    println!("Server:");
    println!(" Containers: {}", containers.len());
    println!("  Running: {running}");
    println!("  Paused: {paused}");
    println!("  Stopped: {}", containers.len() - running - paused);
    println!(" Images: {images}");
    println!(
        " Server Version: dockling {} ({})",
        env!("CARGO_PKG_VERSION"),
        msg!(m::NO_DAEMON)
    );
    println!(" Storage Driver: overlayfs ({})", msg!(m::STORAGE_DRIVER));
    println!("  Layers Dir: {}", paths.data.join("layers").display());
    println!("  Backing Filesystem: {}", filesystem(&paths.data));
    println!("  Supports d_type: true");
    println!(
        " Logging Driver: dockling-log ({})",
        msg!(m::LOGGING_DRIVER)
    );
    println!(" Cgroup Driver: cgroupfs");
    println!(" Cgroup Version: {version}");
    println!("  Layout: {}", host.layout.name());
    println!(" Cgroup Parent: {}", paths.cgroup_parent);
    println!(" Security Options:");
    println!("  seccomp");
    println!("   Profile: builtin ({})", msg!(m::SECCOMP_PROFILE));
    println!("  no-new-privileges");
    println!("  capabilities: {}", msg!(m::CAPABILITIES_DEFAULT));
    println!(" Kernel Version: {kernel}");
    println!(" Operating System: {}", os_release());
    println!(" OSType: linux");
    println!(" Architecture: {}", std::env::consts::ARCH);
    println!(" CPUs: {cpus}");
    println!(" Total Memory: {}", human_binary(total_memory()));
    println!(" Name: {hostname}");
    println!(" Docker Root Dir: {}", paths.data.display());
    println!(" Run Dir: {}", paths.run.display());
    println!(" Debug Mode: false");
    println!(" Registry: https://registry-1.docker.io/v2/ (docker.io)");
    println!(" Insecure Registries:");
    println!("  127.0.0.0/8 ({})", msg!(m::INSECURE_LOOPBACK));
    println!(" Live Restore Enabled: true ({})", msg!(m::LIVE_RESTORE));
    Ok(0)
}

/// `dockling version`.
pub fn version() -> Result<i32, Error> {
    let kernel = first_line("/proc/sys/kernel/osrelease").unwrap_or_default();
    let host = crate::cgroups::Host::detect(Path::new(crate::cgroups::CGROUP_ROOT));
    let namespaces: Vec<String> = std::fs::read_dir("/proc/self/ns")
        .map(|d| {
            let mut v: Vec<String> = d
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.ends_with("_for_children"))
                .collect();
            v.sort();
            v
        })
        .unwrap_or_default();
    let seccomp = std::fs::read_to_string("/proc/self/status")
        .is_ok_and(|s| s.lines().any(|l| l.starts_with("Seccomp:")));
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    println!("Client:");
    println!(" Version:           {}", env!("CARGO_PKG_VERSION"));
    println!(" API version:       n/a ({})", msg!(m::NO_API));
    println!(" Rust version:      {}", env!("DOCKLING_RUSTC_VERSION"));
    println!(" Git commit:        {}", env!("DOCKLING_GIT_COMMIT"));
    println!(" Built:             {}", env!("DOCKLING_BUILT"));
    println!(
        " OS/Arch:           {}/{}",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    println!(" Context:           default");
    println!();
    println!(
        "Server: dockling {} ({})",
        env!("CARGO_PKG_VERSION"),
        msg!(m::NO_DAEMON)
    );
    println!(" Engine:");
    println!("  Version:          {}", env!("CARGO_PKG_VERSION"));
    println!("  API version:      n/a");
    println!("  Kernel:           {kernel}");
    println!("  Namespaces:       {}", namespaces.join(", "));
    println!("  Cgroups:          {}", host.layout.name());
    println!("  Overlayfs:        {}", yes_no(kernel_has_fs("overlay")));
    println!("  Seccomp:          {}", yes_no(seccomp));
    println!(
        "  Capabilities:     {} ({})",
        crate::security::DOCKER_DEFAULT.len(),
        msg!(m::CAPS_KEPT)
    );
    for tool in ["runc", "crun", "podman", "skopeo"] {
        let found = tool_version(tool).unwrap_or_else(|| msg!(m::NOT_INSTALLED));
        println!(" {tool}:");
        println!("  Version:          {found}");
    }
    Ok(0)
}
