//! Images made here: `dockling build` (a Dockerfile, see [`crate::build`]),
//! `dockling commit` (a container's changes as a new image), `dockling
//! diff` (what a container changed: `A`dded, `C`hanged, `D`eleted) and
//! `dockling image history` (the steps an image was made of).

use std::path::PathBuf;

use serde_json::Value;

use crate::container::state::Status;
use crate::container::store::Store as Containers;
use crate::error::Error;
use crate::image::commit as new_image;
use crate::image::store::Store;
use crate::msg;
use crate::narrate::messages::build as m;
use crate::narrate::{Event, Narrator};
use crate::paths::Paths;

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Name the image NAME[:TAG]
    #[arg(short = 't', long = "tag", value_name = "NAME[:TAG]")]
    pub tag: Option<String>,
    /// The Dockerfile [default: CONTEXT/Dockerfile]
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Set a build argument an ARG declares: NAME=VALUE, or NAME to take it from the environment (repeat)
    #[arg(long = "build-arg", value_name = "NAME[=VALUE]")]
    pub build_args: Vec<String>,
    /// Run every step, using no cached one
    #[arg(long)]
    pub no_cache: bool,
    /// The build context: the directory COPY and ADD take files from
    #[arg(value_name = "CONTEXT")]
    pub context: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct CommitArgs {
    /// Commit message (the history entry's comment)
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    /// Author
    #[arg(short = 'a', long = "author")]
    pub author: Option<String>,
    /// Apply a Dockerfile instruction to the config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, STOPSIGNAL (repeat)
    #[arg(short = 'c', long = "change", value_name = "INSTRUCTION")]
    pub changes: Vec<String>,
    /// Freeze a running container while its layer is read (--pause=false to not)
    #[arg(short = 'p', long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub pause: bool,
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    #[arg(value_name = "REPOSITORY[:TAG]")]
    pub repository: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// Don't truncate CREATED BY
    #[arg(long)]
    pub no_trunc: bool,
    /// Only the image ids
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// `dockling build`.
pub fn build(args: &BuildArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let mut build_args = Vec::new();
    for a in &args.build_args {
        match a.split_once('=') {
            Some((k, v)) if !k.is_empty() => build_args.push((k.to_string(), v.to_string())),
            None if !a.is_empty() => {
                // As docker: NAME alone takes the value from the environment.
                if let Ok(v) = std::env::var(a) {
                    build_args.push((a.clone(), v));
                }
            }
            _ => return Err(Error::Usage(msg!(m::BAD_BUILD_ARG, arg = a))),
        }
    }
    let opts = crate::build::Options {
        context: args.context.clone(),
        file: args.file.clone(),
        tag: args.tag.clone(),
        build_args,
        no_cache: args.no_cache,
    };
    crate::build::build(&opts, paths, narrator)?;
    Ok(0)
}

/// The container's upper directory and the layers below it.
fn layers_of(
    containers: &Containers,
    id: &str,
    name: &str,
) -> Result<(PathBuf, Vec<PathBuf>), Error> {
    let config = containers.config(id)?;
    let overlay = config
        .spec
        .overlay
        .as_ref()
        .ok_or_else(|| Error::Usage(msg!(m::DIFF_NO_LAYER, name = name)))?;
    let upper = containers.dir(id).join("fs/upper");
    if !upper.is_dir() {
        return Err(Error::Usage(msg!(
            m::COMMIT_NO_LAYER,
            name = name,
            dir = upper.display()
        )));
    }
    Ok((upper, overlay.layers.clone()))
}

/// `dockling diff CONTAINER`: docker's `A /path`, `C /path`, `D /path`.
pub fn diff(args: &DiffArgs, paths: &Paths) -> Result<i32, Error> {
    let containers = Containers::new(paths);
    let id = containers.find(&args.container)?;
    let (upper, lowers) = layers_of(&containers, &id, &args.container)?;
    let changes = crate::overlay::diff(&upper, &lowers).map_err(Error::io("read", &upper))?;
    // The mount targets the runtime made: stat'ed once each.
    let (targets, shown): (Vec<_>, Vec<_>) = changes.iter().partition(|c| {
        let rel = c.path.trim_start_matches('/');
        c.kind == 'A'
            && std::fs::symlink_metadata(upper.join(rel))
                .is_ok_and(|m| crate::image::changeset::is_mount_target(rel, &m))
    });
    let under = |dir: &str, p: &str| p.strip_prefix(dir).is_some_and(|r| r.starts_with('/'));
    for c in &shown {
        // A directory "changed" only because a mount target was made in
        // it (/etc for /etc/hostname) is not shown either, as in docker.
        let made_for_a_mount = c.kind == 'C'
            && targets.iter().any(|t| under(&c.path, &t.path))
            && !shown.iter().any(|o| under(&c.path, &o.path));
        if !made_for_a_mount {
            println!("{} {}", c.kind, c.path);
        }
    }
    Ok(0)
}

/// `dockling commit CONTAINER [REPOSITORY[:TAG]]`.
pub fn commit(args: &CommitArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let containers = Containers::new(paths);
    let id = containers.find(&args.container)?;
    let config = containers.config(&id)?;
    let name = config.name.clone();
    let image_id = config
        .image_id
        .clone()
        .ok_or_else(|| Error::Usage(msg!(m::COMMIT_NO_IMAGE, name = name)))?;
    let (upper, _lowers) = layers_of(&containers, &id, &name)?;
    // The changes parse before anything is frozen or written.
    let mut changes = Vec::new();
    for c in &args.changes {
        let parsed = crate::build::dockerfile::parse(c)?;
        changes.extend(parsed);
    }
    let store = Store::open(paths)?;
    let hex = image_id.strip_prefix("sha256:").unwrap_or(&image_id);
    let parent = store.find(hex)?.ok_or_else(|| Error::Hinted {
        message: msg!(m::COMMIT_IMAGE_GONE, image = config.image, name = name),
        hint: msg!(m::COMMIT_IMAGE_GONE_HINT),
    })?;
    let mut json = new_image::config_json(&store, &parent)?;
    for i in &changes {
        let words =
            crate::build::dockerfile::words(&i.args.text(), &|_| None).map_err(Error::Usage)?;
        crate::build::apply(&mut json, i, &words)?;
    }
    // A running container is frozen while its upper dir is read, so the
    // layer is one moment of it (docker commit pauses too).
    let state = containers.state(&id)?;
    let freeze = args.pause
        && state.status == Status::Running
        && state.pid > 0
        && containers.monitor_alive(&id);
    let cgroup = if freeze { config.cgroup() } else { None };
    if let Some(cg) = &cgroup {
        crate::stages::inside::freeze(cg.as_ref(), true, narrator)?;
    }
    let tar = crate::image::changeset::from_upper(&upper, 0);
    if let Some(cg) = &cgroup {
        crate::stages::inside::freeze(cg.as_ref(), false, narrator)?;
    }
    let tar = tar?;
    let layer = new_image::store_layer(&store, &tar.tar, &crate::journal::new_id())?;
    narrator.emit(&Event::CommitLayer {
        container: name.clone(),
        entries: tar.entries.len(),
        layer: layer.diff_id.short().to_string(),
        upper: upper.display().to_string(),
    });
    let now = crate::clock::rfc3339(crate::clock::now_ns());
    let entry = new_image::history(
        &now,
        &config.spec.command.join(" "),
        args.message.as_deref().unwrap_or(""),
        args.author.as_deref().unwrap_or(""),
        false,
    );
    if let Some(a) = &args.author {
        json["author"] = Value::String(a.clone());
    }
    new_image::add_step(&mut json, Some(&layer.diff_id), entry);
    let reference = args
        .repository
        .as_deref()
        .map(new_image::normalise)
        .transpose()?;
    let layers = new_image::layers_of(Some(&parent), std::slice::from_ref(&layer.desc));
    let img = new_image::write_image(&store, reference.as_deref(), &json, layers)?;
    println!("{}", img.id());
    Ok(0)
}

/// `dockling image history IMAGE`: newest step first.
pub fn history(args: &HistoryArgs, paths: &Paths) -> Result<i32, Error> {
    let store = Store::open(paths)?;
    let img = store.find(&args.image)?.ok_or_else(|| Error::Hinted {
        message: msg!(
            crate::narrate::messages::images::NO_SUCH_IMAGE,
            name = format!("{:?}", args.image)
        ),
        hint: msg!(crate::narrate::messages::images::NO_SUCH_IMAGE_HINT),
    })?;
    let json = new_image::config_json(&store, &img)?;
    let mut diff_ids = img.config.rootfs.diff_ids.iter();
    let mut rows = Vec::new();
    let empty = Vec::new();
    let mut history: Vec<Value> = json["history"].as_array().unwrap_or(&empty).clone();
    // Layers older than the history (an image made without one): a row
    // each, made by nobody known, so sizes stay beside their layers.
    let with_layer = history
        .iter()
        .filter(|h| !h["empty_layer"].as_bool().unwrap_or(false))
        .count();
    let unknown = img.config.rootfs.diff_ids.len().saturating_sub(with_layer);
    history.splice(0..0, (0..unknown).map(|_| serde_json::json!({})));
    let now = crate::clock::now_ns();
    for h in &history {
        let is_empty = h["empty_layer"].as_bool().unwrap_or(false);
        let size = if is_empty {
            0
        } else {
            diff_ids
                .next()
                .map(|d| new_image::layer_bytes(&store, d))
                .unwrap_or(0)
        };
        let created = h["created"]
            .as_str()
            .and_then(crate::clock::parse_rfc3339)
            .map(|t| format!("{} ago", crate::clock::since(t, now)))
            .unwrap_or_default();
        let by = h["created_by"].as_str().unwrap_or("").replace('\t', " ");
        let by = if args.no_trunc || by.chars().count() <= 45 {
            by
        } else {
            format!("{}…", by.chars().take(44).collect::<String>())
        };
        rows.push(vec![
            String::new(),
            created,
            by,
            crate::stages::image::human(size),
            h["comment"].as_str().unwrap_or("").to_string(),
        ]);
    }
    rows.reverse();
    let id = if args.no_trunc {
        img.id().to_string()
    } else {
        img.id().short().to_string()
    };
    for (n, r) in rows.iter_mut().enumerate() {
        r[0] = if n == 0 {
            id.clone()
        } else {
            "<missing>".into()
        };
    }
    if args.quiet {
        for r in &rows {
            println!("{}", r[0]);
        }
        return Ok(0);
    }
    let mut table = vec![
        ["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"]
            .map(String::from)
            .to_vec(),
    ];
    table.extend(rows);
    print!("{}", crate::container::show::table(&table));
    Ok(0)
}
