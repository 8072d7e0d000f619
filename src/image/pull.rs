//! `dockling pull`: what `docker pull` does, step by step.
//!
//! Resolve the reference; GET its manifest (answering the registry's auth
//! challenge); if it is an index, choose this machine's platform and GET
//! that manifest; GET the config; then every layer not already in the
//! store, in parallel, each streamed through hash → gunzip → hash → safe
//! unpack into a temporary directory that is renamed into place only when
//! the blob digest and the diff_id both match. Last, the manifest and
//! config are stored and the reference is pointed at the manifest.

use std::sync::{Arc, Mutex};

use rootfs_fetch::oci::client::{BlobReader, Client, ClientError, Exchange, Observer, Resolved};
use rootfs_fetch::oci::digest::Digest;
use rootfs_fetch::oci::layer;
use rootfs_fetch::oci::manifest::{self, Descriptor, ImageConfig, Platform};
use rootfs_fetch::oci::reference::Reference;
use rootfs_fetch::unpack::{UnpackOptions, Whiteouts};

use super::credentials;
use super::store::{Image, Store, remove_tree};
use crate::error::Error;
use crate::narrate::{Event, Narrator, Step};
use crate::paths::Paths;

/// The largest single file a layer may hold (a guard against a layer
/// that claims a file of terabytes).
pub const MAX_FILE: u64 = 8 << 30;

#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    pub platform: Option<Platform>,
    /// Plain http for a registry that is not on loopback.
    pub insecure: bool,
}

pub fn client_err(e: ClientError) -> Error {
    let hint = match &e {
        ClientError::Auth(_) => "`dockling login REGISTRY` stores a user and password".to_string(),
        ClientError::DigestMismatch { .. } => {
            "the registry's copy is damaged or was tampered with; nothing was stored".into()
        }
        ClientError::Http { .. } => "check the name and that the registry is reachable".into(),
        ClientError::Invalid(_) => "the registry sent something dockling cannot use".into(),
        ClientError::NoPlatform(_) => "choose one with --platform OS/ARCH".into(),
    };
    Error::Hinted {
        message: format!("pull failed: {e}"),
        hint,
    }
}

/// Emit the HTTP exchanges the clients logged since the last call.
fn flush(log: &Mutex<Vec<Exchange>>, narrator: &mut dyn Narrator) {
    let drained: Vec<Exchange> =
        std::mem::take(&mut *log.lock().unwrap_or_else(|p| p.into_inner()));
    for x in drained {
        narrator.emit(
            &Event::new(Step::PullRequest)
                .with("method", x.method)
                .with("url", x.url)
                .with("status", x.status)
                .with("notes", x.notes.join("\n             ")),
        );
    }
}

pub fn pull(
    paths: &Paths,
    input: &str,
    opts: &PullOptions,
    narrator: &mut dyn Narrator,
) -> Result<Image, Error> {
    let r: Reference = input.parse().map_err(Error::Usage)?;
    let creds = credentials::get(paths, &r.registry)?;
    let log: Arc<Mutex<Vec<Exchange>>> = Arc::default();
    let sink = log.clone();
    let observer: Observer = Arc::new(Mutex::new(move |x: &Exchange| {
        sink.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(x.clone());
    }));
    let mut client = Client::new(&r, creds, opts.insecure, observer);
    narrator.emit(
        &Event::new(Step::PullResolve)
            .with("input", input)
            .with("reference", r.to_string())
            .with("registry", r.registry.clone())
            .with("repository", r.repository.clone())
            .with("manifest_ref", r.manifest_ref())
            .with("origin", client.origin().to_string()),
    );
    let want = opts.platform.clone().unwrap_or_else(Platform::host);
    let resolved = client.resolve(&r.manifest_ref(), &want, &mut |index, entry| {
        flush(&log, narrator);
        narrator.emit(
            &Event::new(Step::PullPlatform)
                .with("count", index.manifests.len())
                .with("platform", want.to_string())
                .with("digest", entry.digest.to_string())
                .with("reference", r.to_string()),
        );
    });
    flush(&log, narrator);
    let resolved = resolved.map_err(client_err)?;
    let man = &resolved.manifest;
    narrator.emit(
        &Event::new(Step::PullManifest)
            .with("digest", resolved.digest.to_string())
            .with("layers", man.layers.len())
            .with("size", man.layers.iter().map(|l| l.size).sum::<u64>())
            .with("reference", r.to_string()),
    );
    let store = Store::open(paths)?;
    store.remove_stale_temps();
    let config_bytes = if store.has_blob(&man.config.digest) {
        store.read_blob(&man.config.digest)?
    } else {
        let got = client.small_blob(&man.config, manifest::MAX_CONFIG);
        flush(&log, narrator);
        got.map_err(client_err)?
    };
    let config =
        ImageConfig::parse(&config_bytes, man).map_err(|e| client_err(ClientError::Invalid(e)))?;
    let size = fetch_layers(
        &store,
        &client,
        &man.layers,
        &config.rootfs.diff_ids,
        narrator,
        &log,
    )?;
    keep(
        &store,
        &r.to_string(),
        resolved,
        &config_bytes,
        config,
        size,
        narrator,
    )
}

/// Store a complete image's manifest and config (its layers are in
/// already), name it, and say so.
pub(super) fn keep(
    store: &Store,
    name: &str,
    resolved: Resolved,
    config_bytes: &[u8],
    config: ImageConfig,
    size: u64,
    narrator: &mut dyn Narrator,
) -> Result<Image, Error> {
    let Resolved {
        bytes,
        digest,
        manifest: man,
    } = resolved;
    store.put_blob(&man.config.digest, config_bytes)?;
    store.put_blob(&digest, &bytes)?;
    let desc = Descriptor {
        media_type: if man.media_type.is_empty() {
            manifest::OCI_MANIFEST.into()
        } else {
            man.media_type.clone()
        },
        digest: digest.clone(),
        size: bytes.len() as u64,
        platform: None,
        annotations: None,
    };
    {
        let _lock = store.lock()?;
        store.tag(name, &desc, size)?;
    }
    narrator.emit(
        &Event::new(Step::PullTagged)
            .with("reference", name.to_string())
            .with("id", man.config.digest.short().to_string())
            .with("layers", man.layers.len())
            .with("store", store.images.display().to_string()),
    );
    Ok(Image {
        reference: name.to_string(),
        manifest_digest: digest,
        manifest: man,
        config,
        size,
    })
}

/// Download and unpack every layer not in the store, in parallel; returns
/// the unpacked size of all of them.
fn fetch_layers(
    store: &Store,
    client: &Client,
    layers: &[Descriptor],
    diff_ids: &[Digest],
    narrator: &mut dyn Narrator,
    log: &Mutex<Vec<Exchange>>,
) -> Result<u64, Error> {
    let of = layers.len();
    // Interrupted (Ctrl-C, SIGTERM), the pull removes its partial layers
    // and blobs before it ends. (After a SIGKILL the next pull, `image
    // prune` or `dockling cleanup` does.)
    let _interrupts = if diff_ids.iter().any(|d| !store.layer_path(d).exists()) {
        let (layers_dir, blobs_dir) = (store.layers.clone(), store.images.join("blobs/sha256"));
        Some(
            crate::process::on_interrupt(move || {
                super::store::remove_own_temps(&[layers_dir.clone(), blobs_dir.clone()]);
                eprintln!("dockling: pull interrupted; its partial downloads were removed");
            })
            .map_err(Error::sys("block signals during the pull"))?,
        )
    } else {
        None
    };
    // A bar per layer on a terminal; the narration's lines otherwise.
    let bars = (std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("DOCKLING_NO_PROGRESS").is_none())
    .then(indicatif::MultiProgress::new);
    let progress: Vec<Option<indicatif::ProgressBar>> = layers
        .iter()
        .enumerate()
        .map(|(i, desc)| {
            bars.as_ref().map(|m| {
                let b = m.add(indicatif::ProgressBar::new(desc.size));
                b.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
                    )
                    .expect("a valid template")
                    .progress_chars("=> "),
                );
                b.set_prefix(format!("layer {}/{of} {}", i + 1, desc.digest.short()));
                b
            })
        })
        .collect();
    // A few workers take layers in order, like docker's
    // max-concurrent-downloads (3): more would only fight over the disk.
    let jobs = std::env::var("DOCKLING_PULL_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .unwrap_or(3usize)
        .clamp(1, 16)
        .min(of.max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<Result<Event, Error>>>> =
        Mutex::new((0..of).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            let mut c = client.fork();
            let (next, slots, progress) = (&next, &slots, &progress);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= of {
                        break;
                    }
                    let bar = progress[i].clone();
                    let mut open = |d: &Descriptor| c.blob(d).map_err(client_err);
                    let r = one_layer(
                        store,
                        &mut open,
                        &layers[i],
                        &diff_ids[i],
                        i + 1,
                        of,
                        bar.clone(),
                    );
                    if let Some(b) = bar {
                        b.finish();
                    }
                    slots.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
                }
            });
        }
    });
    let results: Vec<Result<Event, Error>> = slots
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Error::Usage("a layer download did not finish".into()))))
        .collect();
    flush(log, narrator);
    let mut size = 0;
    for r in results {
        let e = r?;
        size += e.fields.get("bytes").and_then(|b| b.as_u64()).unwrap_or(0);
        narrator.emit(&e);
    }
    Ok(size)
}

/// Put one layer into the store unless it is there: the blob (from
/// `open`) is saved under its digest and unpacked under its diff_id, both
/// renamed into place only after every check passed.
pub fn one_layer(
    store: &Store,
    open: &mut dyn FnMut(&Descriptor) -> Result<BlobReader, Error>,
    desc: &Descriptor,
    diff: &Digest,
    n: usize,
    of: usize,
    bar: Option<indicatif::ProgressBar>,
) -> Result<Event, Error> {
    let dir = store.layer_path(diff);
    let size_file = dir.with_extension("size");
    if dir.exists() {
        let bytes: u64 = std::fs::read_to_string(&size_file)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        return Ok(Event::new(Step::PullLayerPresent)
            .with("n", n)
            .with("of", of)
            .with("digest", desc.digest.short().to_string())
            .with("dir", dir.display().to_string())
            .with("bytes", bytes));
    }
    let compression = manifest::compression(&desc.media_type)
        .map_err(|e| client_err(ClientError::Invalid(format!("layer {}: {e}", desc.digest))))?;
    let tmp = Store::temp_in(&store.layers, "layer");
    std::fs::create_dir(&tmp).map_err(Error::io("create", &tmp))?;
    let blob_dir = store.images.join("blobs/sha256");
    let blob_tmp = Store::temp_in(&blob_dir, "blob");
    let result = (|| {
        let file = std::fs::File::create(&blob_tmp).map_err(Error::io("create", &blob_tmp))?;
        let file = std::io::BufWriter::with_capacity(1 << 20, file);
        let reader = match bar {
            Some(b) => open(desc)?.tee(Box::new(b.wrap_write(file))),
            None => open(desc)?.tee(Box::new(file)),
        };
        let opts = UnpackOptions {
            whiteouts: Whiteouts::Overlay,
            allow_devices: false,
            max_file_size: Some(MAX_FILE),
            ..Default::default()
        };
        layer::apply(reader, &desc.digest, compression, diff, &tmp, &opts).map_err(|e| {
            Error::Hinted {
                message: format!("pull failed: {e}"),
                hint: "nothing was stored; the registry's copy of this layer is unusable".into(),
            }
        })
    })();
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = remove_tree(&tmp);
            let _ = std::fs::remove_file(&blob_tmp);
            return Err(e);
        }
    };
    let blob = store.blob_path(&desc.digest);
    if blob.exists() {
        let _ = std::fs::remove_file(&blob_tmp);
    } else {
        std::fs::rename(&blob_tmp, &blob).map_err(Error::io("rename into place", &blob))?;
    }
    let _ = std::fs::write(&size_file, report.bytes.to_string());
    // Another pull of the same layer may have won the race: keep its copy.
    if std::fs::rename(&tmp, &dir).is_err() {
        remove_tree(&tmp)?;
    }
    Ok(Event::new(Step::PullLayer)
        .with("n", n)
        .with("of", of)
        .with("digest", desc.digest.short().to_string())
        .with("size", desc.size)
        .with(
            "files",
            report.files + report.dirs + report.symlinks + report.hardlinks,
        )
        .with("bytes", report.bytes)
        .with("dir", dir.display().to_string()))
}
