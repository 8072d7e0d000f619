//! Images going out: `dockling tag`, `push` and `search` (and `image tag`,
//! `image push`), docker's commands of the same names. Tagging names an
//! image of the store a second time; pushing sends it to a registry
//! (`image::publish`); searching asks a registry what it has
//! (`image::search`). Lesson: lessons/08.

use rootfs_fetch::oci::manifest::{self, Descriptor};
use rootfs_fetch::oci::reference::Reference;

use crate::error::Error;
use crate::image::publish::{self, PushOptions};
use crate::image::search::{self, Filter, SearchOptions};
use crate::image::store::Store;
use crate::msg;
use crate::narrate::Narrator;
use crate::narrate::messages::{images as im, push as m};
use crate::paths::Paths;

#[derive(Debug, clap::Args)]
pub struct TagArgs {
    /// The image: a name in the store, or its id
    pub source: String,
    /// The new name: [REGISTRY/]NAME[:TAG]
    pub target: String,
}

#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// The image's name in the store, which names the registry: REGISTRY/NAME[:TAG]
    pub reference: String,
    /// Allow plain http to this registry even though it is not on loopback
    #[arg(long)]
    pub insecure_registry: bool,
}

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// What the name contains
    pub term: String,
    /// At most this many results
    #[arg(long, default_value_t = search::DEFAULT_LIMIT)]
    pub limit: usize,
    /// Keep only some results: stars=N, is-official=true|false (repeat)
    #[arg(short, long = "filter", value_name = "FILTER")]
    pub filters: Vec<Filter>,
    /// The registry to ask [default: Docker Hub]
    #[arg(long, value_name = "HOST")]
    pub registry: Option<String>,
    /// Show whole descriptions
    #[arg(long)]
    pub no_trunc: bool,
    /// Allow plain http to this registry even though it is not on loopback
    #[arg(long)]
    pub insecure_registry: bool,
}

/// `docker tag`: a second name for the same image (the same manifest,
/// config and layers).
pub fn tag(args: &TagArgs, paths: &Paths) -> Result<i32, Error> {
    let target: Reference = args.target.parse().map_err(|e: String| {
        Error::Usage(msg!(m::TAG_BAD_TARGET, target = args.target, error = e))
    })?;
    if target.digest.is_some() {
        return Err(Error::Hinted {
            message: msg!(m::TAG_DIGEST, target = args.target),
            hint: msg!(m::TAG_DIGEST_HINT, name = target.name()),
        });
    }
    let store = Store::open(paths)?;
    let _lock = store.lock()?;
    let img = store.find(&args.source)?.ok_or_else(|| Error::Hinted {
        message: msg!(im::NO_SUCH_IMAGE, name = format!("{:?}", args.source)),
        hint: msg!(im::NO_SUCH_IMAGE_HINT),
    })?;
    let blob = store.blob_path(&img.layout_digest);
    let size = std::fs::metadata(&blob)
        .map_err(Error::io("read", &blob))?
        .len();
    let desc = Descriptor {
        media_type: if img.manifest.media_type.is_empty() {
            manifest::OCI_MANIFEST.into()
        } else {
            img.manifest.media_type.clone()
        },
        digest: img.layout_digest.clone(),
        size,
        platform: None,
        annotations: None,
    };
    // The new name has no registry digest yet: it is the layout's, which
    // a push of it will give (or the index's, for an image pulled whole:
    // the new name keeps every platform).
    let repo_digest = img.index.as_ref().unwrap_or(&img.layout_digest);
    store.tag(
        &target.to_string(),
        &desc,
        repo_digest,
        img.size,
        img.index.as_ref(),
    )?;
    Ok(0)
}

pub fn push(args: &PushArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let opts = PushOptions {
        insecure: args.insecure_registry,
    };
    publish::push(paths, &args.reference, &opts, narrator)?;
    Ok(0)
}

pub fn search_cmd(
    args: &SearchArgs,
    paths: &Paths,
    narrator: &mut dyn Narrator,
) -> Result<i32, Error> {
    let opts = SearchOptions {
        limit: args.limit,
        filters: args.filters.clone(),
        registry: args.registry.clone(),
        insecure: args.insecure_registry,
        no_trunc: args.no_trunc,
    };
    let (answer, source) = search::search(paths, &args.term, &opts, narrator)?;
    eprintln!("{source}");
    print!("{}", search::render(&answer, args.no_trunc));
    Ok(0)
}
