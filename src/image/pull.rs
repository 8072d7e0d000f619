//! `dockling pull`: what `docker pull` does, step by step.
//!
//! Resolve the reference; GET its manifest (answering the registry's auth
//! challenge); if it is an index, choose this machine's platform and GET
//! that manifest; GET the config; then every layer not already in the
//! store, in parallel, each streamed through hash → gunzip → hash → safe
//! unpack into a temporary directory that is renamed into place only when
//! the blob digest and the diff_id both match. Last, the manifest and
//! config are stored and the reference is pointed at the manifest.
//!
//! Before its first layer, the pull pins everything the image needs (see
//! [`super::pins`]), so `image prune` or `rmi` of another image cannot
//! remove a layer it found or finished before the image is named. The
//! layers' uncompressed bytes are counted against the image's size limit
//! (`DOCKLING_MAX_IMAGE_SIZE`, or the store's free space less a margin),
//! and a registry that sends nothing for the stall timeout
//! (`DOCKLING_PULL_TIMEOUT`, 30 s) ends the pull.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rootfs_fetch::oci::client::{self, BlobReader, Client, ClientError, Exchange, Observer};
use rootfs_fetch::oci::digest::Digest;
use rootfs_fetch::oci::layer::{self, Budget, LayerError};
use rootfs_fetch::oci::manifest::{self, Descriptor, ImageConfig, Platform};
use rootfs_fetch::oci::reference::Reference;
use rootfs_fetch::unpack::{UnpackOptions, Whiteouts};

use super::credentials;
use super::pins::{Holder, Pin, Pinned};
use super::store::{self, Image, LimitSource, SizeLimit, Store, Stored, remove_tree};
use crate::error::Error;
use crate::msg;
use crate::narrate::messages::images as m;
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
    /// Keep every platform of a multi-platform index (see
    /// [`super::platforms`]).
    pub all_platforms: bool,
}

pub fn client_err(e: ClientError) -> Error {
    let hint = match &e {
        ClientError::Auth(_) => msg!(m::PULL_AUTH_HINT),
        ClientError::Refused(_) => msg!(m::PULL_REFUSED_HINT),
        ClientError::DigestMismatch { .. } => msg!(m::PULL_DIGEST_HINT),
        ClientError::Http { .. } => msg!(m::PULL_HTTP_HINT),
        ClientError::Invalid(_) => msg!(m::PULL_INVALID_HINT),
        ClientError::NoPlatform(_) => msg!(m::PULL_NO_PLATFORM_HINT),
        ClientError::Stalled { .. } => msg!(m::PULL_STALLED_HINT, env = client::STALL_ENV),
        ClientError::Local { .. } => msg!(m::PULL_LOCAL_HINT),
    };
    Error::Hinted {
        message: msg!(m::PULL_FAILED, error = chain(&e)),
        hint,
    }
}

/// An error and its causes on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut line = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        line.push_str(&format!(": {s}"));
        cur = s.source();
    }
    line
}

/// What one image's new layers may unpack to, and why.
pub struct ImageBudget {
    pub budget: Budget,
    pub limit: SizeLimit,
}

impl ImageBudget {
    /// The budget for an image whose layers are `layers` with `diff_ids`
    /// (those whose blob is missing count with their compressed size). An
    /// image whose blobs and layers are all stored needs no room.
    pub fn for_image(
        store: &Store,
        layers: &[Descriptor],
        diff_ids: &[Digest],
    ) -> Result<ImageBudget, Error> {
        let missing = layers
            .iter()
            .zip(diff_ids)
            .any(|(l, d)| !store.has_blob(&l.digest) || !store.layer_path(d).exists());
        if !missing {
            return Ok(ImageBudget {
                budget: Budget::new(0),
                limit: SizeLimit {
                    bytes: 0,
                    source: LimitSource::Env,
                },
            });
        }
        Self::for_bytes(
            store,
            layers
                .iter()
                .filter(|l| !store.has_blob(&l.digest))
                .map(|l| l.size)
                .sum(),
        )
    }

    /// The budget for unpacking into the store when `compressed` bytes
    /// are stored besides.
    pub fn for_bytes(store: &Store, compressed: u64) -> Result<ImageBudget, Error> {
        let env = std::env::var(store::MAX_SIZE_ENV).ok();
        let limit =
            store::size_limit(env.as_deref(), store.space()?, compressed).map_err(|message| {
                match env {
                    Some(_) => Error::Usage(message),
                    None => Error::Hinted {
                        message: msg!(
                            m::PULL_NO_ROOM,
                            dir = store.layers.display(),
                            reason = message
                        ),
                        hint: msg!(m::PULL_NO_ROOM_HINT),
                    },
                }
            })?;
        Ok(ImageBudget {
            budget: Budget::new(limit.bytes),
            limit,
        })
    }

    /// The error for a layer (or an archive) that went over the limit.
    pub fn exceeded(&self, store: &Store, what: &str) -> Error {
        let limit = store::human(self.limit.bytes);
        match self.limit.source {
            LimitSource::Env => Error::Hinted {
                message: msg!(
                    m::PULL_OVER_ENV_LIMIT,
                    what = what,
                    env = store::MAX_SIZE_ENV,
                    limit = limit
                ),
                hint: msg!(m::PULL_OVER_ENV_LIMIT_HINT, env = store::MAX_SIZE_ENV),
            },
            LimitSource::FreeSpace { free, margin } => Error::Hinted {
                message: msg!(
                    m::PULL_OVER_FREE_SPACE,
                    what = what,
                    limit = limit,
                    dir = store.layers.display(),
                    free = store::human(free),
                    margin = store::human(margin)
                ),
                hint: msg!(m::PULL_OVER_FREE_SPACE_HINT, env = store::MAX_SIZE_ENV),
            },
        }
    }
}

/// Emit the HTTP exchanges the clients logged since the last call.
pub(super) fn flush(log: &Mutex<Vec<Exchange>>, narrator: &mut dyn Narrator) {
    flush_as(log, Step::PullRequest, narrator)
}

/// Emit the HTTP exchanges the clients logged since the last call, each
/// as `step` (a pull's, a push's or a search's request): `push_request`
/// or `pull_request`, which any other step is told as.
pub fn flush_as(log: &Mutex<Vec<Exchange>>, step: Step, narrator: &mut dyn Narrator) {
    let drained: Vec<Exchange> =
        std::mem::take(&mut *log.lock().unwrap_or_else(|p| p.into_inner()));
    for x in drained {
        let (method, url, status, notes) =
            (x.method.to_string(), x.url, x.status, x.notes.join("\n"));
        narrator.emit(&match step {
            Step::PushRequest => Event::PushRequest {
                method,
                url,
                status,
                notes,
            },
            _ => Event::PullRequest {
                method,
                url,
                status,
                notes,
            },
        });
    }
}

pub fn pull(
    paths: &Paths,
    input: &str,
    opts: &PullOptions,
    narrator: &mut dyn Narrator,
) -> Result<Image, Error> {
    pull_pinned(paths, input, opts, narrator).map(|(img, _pin)| img)
}

/// [`pull`], returning the pin that still holds the image's layers: a run
/// takes its own pin before it lets go of this one.
pub fn pull_pinned(
    paths: &Paths,
    input: &str,
    opts: &PullOptions,
    narrator: &mut dyn Narrator,
) -> Result<(Image, Pin), Error> {
    let r: Reference = input.parse().map_err(Error::Usage)?;
    let creds = credentials::get(paths, &r.registry)?;
    let stall = client::stall_timeout_from_env().map_err(Error::Usage)?;
    let log: Arc<Mutex<Vec<Exchange>>> = Arc::default();
    let sink = log.clone();
    let observer: Observer = Arc::new(Mutex::new(move |x: &Exchange| {
        sink.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(x.clone());
    }));
    let mut client = Client::new(&r, creds, opts.insecure, observer).with_stall_timeout(stall);
    narrator.emit(&Event::PullResolve {
        input: input.to_string(),
        reference: r.to_string(),
        registry: r.registry.clone(),
        repository: r.repository.clone(),
        manifest_ref: r.manifest_ref(),
        origin: client.origin().to_string(),
    });
    let want = opts.platform.clone().unwrap_or_else(Platform::host);
    let resolved = client.resolve(&r.manifest_ref(), &want, &mut |index, entry| {
        flush(&log, narrator);
        narrator.emit(&Event::PullPlatform {
            count: index.manifests.len(),
            platform: want.to_string(),
            digest: entry.digest.to_string(),
            reference: r.to_string(),
        });
    });
    flush(&log, narrator);
    let mut resolved = resolved.map_err(client_err)?;
    let chosen = resolved.digest.clone();
    let whole = match resolved.index.take() {
        Some((bytes, digest)) if opts.all_platforms => {
            let w = super::platforms::resolve(
                &mut client,
                digest,
                bytes,
                &resolved.digest,
                &resolved.bytes,
            );
            flush(&log, narrator);
            Some(w?)
        }
        _ => None,
    };
    let man = &resolved.manifest;
    narrator.emit(&Event::PullManifest {
        digest: resolved.digest.to_string(),
        layers: man.layers.len(),
        size: man.layers.iter().map(|l| l.size).sum::<u64>(),
        reference: r.to_string(),
    });
    let store = Store::open(paths)?;
    store.remove_stale_temps()?;
    let config_bytes = if store.has_blob(&man.config.digest) {
        store.read_blob(&man.config.digest)?
    } else {
        let got = client.small_blob(&man.config, manifest::MAX_CONFIG);
        flush(&log, narrator);
        got.map_err(client_err)?
    };
    let config =
        ImageConfig::parse(&config_bytes, man).map_err(|e| client_err(ClientError::Invalid(e)))?;
    let stored = store::layout_form(resolved);
    let name = r.to_string();
    let mut pinned = pull_pin(&name, &stored, &config);
    if let Some(w) = &whole {
        pinned.blobs.extend(w.blobs());
    }
    let pin = store.pin(&pinned)?;
    let budget = ImageBudget::for_image(&store, &stored.manifest.layers, &config.rootfs.diff_ids)?;
    let size = fetch_layers(
        &store,
        &client,
        &stored.manifest.layers,
        &config.rootfs.diff_ids,
        &budget,
        pin.path().to_path_buf(),
        narrator,
        &log,
    )?;
    if let Some(w) = &whole {
        super::platforms::fetch(
            &store,
            &mut client,
            w,
            &chosen,
            pin.path().to_path_buf(),
            narrator,
            &log,
        )?;
    }
    let kept = whole.as_ref().map(|w| w.blobs()).unwrap_or_default();
    let index = whole.map(|w| w.digest);
    let img = keep(
        &store,
        &name,
        stored,
        &config_bytes,
        config,
        size,
        index,
        narrator,
    )?;
    // Remembered so that a push to another repository of this registry can
    // mount these blobs instead of uploading them (see super::sources);
    // forgetting costs only an upload.
    let blobs: Vec<Digest> = std::iter::once(img.manifest.config.digest.clone())
        .chain(img.manifest.layers.iter().map(|l| l.digest.clone()))
        .chain(kept)
        .collect();
    let _ = super::sources::record(paths, &r.name(), &blobs);
    Ok((img, pin))
}

/// What a pull (or load) of `stored` holds until it has named the image:
/// its manifest, config and layer blobs, and its layers.
pub(super) fn pull_pin(name: &str, stored: &Stored, config: &ImageConfig) -> Pinned {
    let m = &stored.manifest;
    Pinned {
        holder: Holder::Pull,
        id: crate::journal::new_id(),
        reference: name.to_string(),
        image: Some(m.config.digest.clone()),
        blobs: [stored.digest.clone(), m.config.digest.clone()]
            .into_iter()
            .chain(m.layers.iter().map(|l| l.digest.clone()))
            .collect(),
        layers: config.rootfs.diff_ids.clone(),
    }
}

/// Store a complete image's manifest and config (its layers are in
/// already), name it, and say so. `index`: the whole index it was pulled
/// with (its blobs are in already); its digest is then the image's
/// registry digest, as docker records it.
#[allow(clippy::too_many_arguments)]
pub(super) fn keep(
    store: &Store,
    name: &str,
    stored: Stored,
    config_bytes: &[u8],
    config: ImageConfig,
    size: u64,
    index: Option<Digest>,
    narrator: &mut dyn Narrator,
) -> Result<Image, Error> {
    let Stored {
        bytes,
        digest,
        manifest: man,
        repo_digest,
    } = stored;
    let repo_digest = index.clone().unwrap_or(repo_digest);
    let full = |e: Error| {
        if store::is_storage_full(&e) {
            store.disk_full()
        } else {
            e
        }
    };
    store
        .put_blob(&man.config.digest, config_bytes)
        .map_err(full)?;
    store.put_blob(&digest, &bytes).map_err(full)?;
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
        store
            .tag(name, &desc, &repo_digest, size, index.as_ref())
            .map_err(full)?;
    }
    narrator.emit(&Event::PullTagged {
        reference: name.to_string(),
        id: man.config.digest.short().to_string(),
        layers: man.layers.len(),
        store: store.images.display().to_string(),
    });
    Ok(Image {
        reference: name.to_string(),
        manifest_digest: repo_digest,
        layout_digest: digest,
        manifest: man,
        config,
        size,
        index,
    })
}

/// Download and unpack every layer not in the store, in parallel; returns
/// the unpacked size of all of them.
#[allow(clippy::too_many_arguments)]
fn fetch_layers(
    store: &Store,
    client: &Client,
    layers: &[Descriptor],
    diff_ids: &[Digest],
    budget: &ImageBudget,
    pin: PathBuf,
    narrator: &mut dyn Narrator,
    log: &Mutex<Vec<Exchange>>,
) -> Result<u64, Error> {
    let of = layers.len();
    // Interrupted (Ctrl-C, SIGTERM), the pull removes its partial layers
    // and blobs, and its pin, before it ends. (After a SIGKILL the next
    // pull, `image prune` or `dockling cleanup` does.)
    let missing = layers
        .iter()
        .zip(diff_ids)
        .any(|(l, d)| !store.layer_path(d).exists() || !store.has_blob(&l.digest));
    let _interrupts = missing
        .then(|| clean_up_on_interrupt(store, pin))
        .transpose()?;
    // A bar per layer on a terminal; the narration's lines otherwise.
    let bars = super::progress::bars();
    let progress: Vec<Option<indicatif::ProgressBar>> = layers
        .iter()
        .enumerate()
        .map(|(i, desc)| {
            bars.as_ref().map(|m| {
                let prefix = msg!(
                    m::PULL_BAR,
                    n = i + 1,
                    of = of,
                    digest = desc.digest.short()
                );
                super::progress::bar(m, desc.size, prefix)
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
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        // On a terminal, a bar that has not moved for a while says so.
        if bars.is_some() {
            let (progress, done) = (&progress, &done);
            s.spawn(move || watch_stalls(progress, done));
        }
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
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
                            budget,
                        );
                        if let Some(b) = bar {
                            b.finish();
                        }
                        slots.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
                    }
                })
            })
            .collect();
        for w in workers {
            if let Err(panic) = w.join() {
                std::panic::resume_unwind(panic);
            }
        }
        done.store(true, Ordering::Relaxed);
    });
    let results: Vec<Result<Event, Error>> = slots
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Error::Usage(msg!(m::PULL_LAYER_UNFINISHED)))))
        .collect();
    flush(log, narrator);
    let mut size = 0;
    for r in results {
        let e = r?;
        size += match &e {
            Event::PullLayer { bytes, .. } | Event::PullLayerPresent { bytes, .. } => *bytes,
            _ => 0,
        };
        narrator.emit(&e);
    }
    Ok(size)
}

/// Until dropped, an interrupt (Ctrl-C, SIGTERM) removes the pull's
/// partial layers and blobs, and its pin, before the pull ends. (After a
/// SIGKILL the next pull, `image prune` or `dockling cleanup` does.)
pub(super) fn clean_up_on_interrupt(
    store: &Store,
    pin: PathBuf,
) -> Result<crate::process::Interrupts, Error> {
    let dirs = store.temp_dirs();
    crate::process::on_interrupt(move || {
        let removed = super::store::remove_own_temps(&dirs);
        let pin = match std::fs::remove_file(&pin) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
        match (removed, pin) {
            (Ok(_), Ok(())) => eprintln!("{}", msg!(m::PULL_INTERRUPTED)),
            (r, p) => eprintln!(
                "{}",
                msg!(
                    m::PULL_INTERRUPTED_LEFTOVERS,
                    error = r
                        .err()
                        .map(|e| e.chain())
                        .or(p.err().map(|e| e.to_string()))
                        .unwrap_or_default()
                )
            ),
        }
    })
    .map_err(Error::sys("block signals during the pull"))
}

/// How long a bar may stand still before it says "stalled".
const STALL_NOTE_AFTER: Duration = Duration::from_secs(2);

/// What a bar that has not moved for `still` says.
fn stall_note(still: Duration) -> String {
    if still < STALL_NOTE_AFTER {
        String::new()
    } else {
        msg!(m::PULL_STALLED, seconds = still.as_secs())
    }
}

/// Mark the bars that stand still until `done`.
fn watch_stalls(bars: &[Option<indicatif::ProgressBar>], done: &AtomicBool) {
    let mut seen: Vec<(u64, Instant)> = bars.iter().map(|_| (0, Instant::now())).collect();
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(250));
        for (bar, (pos, since)) in bars.iter().zip(seen.iter_mut()) {
            let Some(bar) = bar else { continue };
            if bar.is_finished() {
                continue;
            }
            if bar.position() != *pos {
                *pos = bar.position();
                *since = Instant::now();
            }
            bar.set_message(stall_note(since.elapsed()));
        }
    }
}

/// Put one layer into the store unless it is there: the blob (from
/// `open`) is saved under its digest and unpacked under its diff_id, both
/// renamed into place only after every check passed. When the layer is
/// unpacked already (another image has it) but this blob is not stored,
/// the blob is fetched and checked, not unpacked: a stored manifest's
/// blobs are all in the store.
#[allow(clippy::too_many_arguments)]
pub fn one_layer(
    store: &Store,
    open: &mut dyn FnMut(&Descriptor) -> Result<BlobReader, Error>,
    desc: &Descriptor,
    diff: &Digest,
    n: usize,
    of: usize,
    bar: Option<indicatif::ProgressBar>,
    budget: &ImageBudget,
) -> Result<Event, Error> {
    let dir = store.layer_path(diff);
    let size_file = dir.with_extension("size");
    let blob = store.blob_path(&desc.digest);
    let unpacked = dir.exists();
    if unpacked && blob.exists() {
        let bytes: u64 = std::fs::read_to_string(&size_file)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        return Ok(Event::PullLayerPresent {
            n,
            of,
            digest: desc.digest.short().to_string(),
            dir: dir.display().to_string(),
            bytes,
        });
    }
    let compression = manifest::compression(&desc.media_type).map_err(|e| {
        client_err(ClientError::Invalid(format!(
            "{}: {e}",
            msg!(m::PULL_LAYER, digest = desc.digest)
        )))
    })?;
    // An I/O error on the store: a full disk is said as such.
    let io = |what: &'static str, p: &std::path::Path| {
        let p = p.to_path_buf();
        move |e: std::io::Error| {
            if store::is_storage_full(&e) {
                store.disk_full()
            } else {
                Error::io(what, p)(e)
            }
        }
    };
    let blob_dir = store.images.join("blobs/sha256");
    let blob_tmp = Store::temp_in(&blob_dir, "blob");
    let tmp = Store::temp_in(&store.layers, "layer");
    if !unpacked {
        std::fs::create_dir(&tmp).map_err(io("create", &tmp))?;
    }
    let result = (|| {
        let file = std::fs::File::create(&blob_tmp).map_err(io("create", &blob_tmp))?;
        let file = std::io::BufWriter::with_capacity(1 << 20, file);
        let reader = match bar {
            Some(b) => open(desc)?.tee(Box::new(b.wrap_write(file))),
            None => open(desc)?.tee(Box::new(file)),
        };
        if unpacked {
            return layer::check(reader, &desc.digest, compression, diff)
                .map(|()| None)
                .map_err(|e| layer_err(store, e, budget));
        }
        let opts = UnpackOptions {
            whiteouts: Whiteouts::Overlay,
            allow_devices: false,
            max_file_size: Some(MAX_FILE),
            ..Default::default()
        };
        layer::apply(
            reader,
            &desc.digest,
            compression,
            diff,
            &tmp,
            &opts,
            Some(&budget.budget),
        )
        .map(Some)
        .map_err(|e| layer_err(store, e, budget))
    })();
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            // Reported already; leftovers would be swept by `image prune`.
            if let Err(e2) = remove_tree(&tmp) {
                eprintln!("{}", msg!(m::WARNING, warning = e2.chain()));
            }
            if let Err(e2) = std::fs::remove_file(&blob_tmp)
                && e2.kind() != std::io::ErrorKind::NotFound
            {
                let warning = msg!(m::CANNOT_REMOVE, path = blob_tmp.display(), error = e2);
                eprintln!("{}", msg!(m::WARNING, warning = warning));
            }
            return Err(e);
        }
    };
    // Another pull of the same blob may have put it there: the same bytes.
    std::fs::rename(&blob_tmp, &blob).map_err(io("rename into place", &blob))?;
    let Some(report) = report else {
        return Ok(Event::PullLayerBlob {
            n,
            of,
            digest: desc.digest.short().to_string(),
            size: desc.size,
            dir: dir.display().to_string(),
            blob: blob.display().to_string(),
        });
    };
    std::fs::write(&size_file, report.bytes.to_string()).map_err(io("write", &size_file))?;
    // Another pull of the same layer may have won the race: keep its copy.
    if std::fs::rename(&tmp, &dir).is_err() {
        remove_tree(&tmp)?;
    }
    Ok(Event::PullLayer {
        n,
        of,
        digest: desc.digest.short().to_string(),
        size: desc.size,
        files: report.files + report.dirs + report.symlinks + report.hardlinks,
        bytes: report.bytes,
        dir: dir.display().to_string(),
    })
}

/// A layer's failure as the user should read it: over the size limit, a
/// full disk, the registry's fault, or an unusable blob.
fn layer_err(store: &Store, e: LayerError, budget: &ImageBudget) -> Error {
    if let LayerError::TooBig { blob, .. } = &e {
        return budget.exceeded(store, &msg!(m::PULL_LAYER, digest = blob));
    }
    if store::is_storage_full(&e) {
        return store.disk_full();
    }
    match e {
        LayerError::Client(c) => client_err(c),
        other => Error::Hinted {
            message: msg!(m::PULL_FAILED, error = chain(&other)),
            hint: msg!(m::PULL_LAYER_UNUSABLE_HINT),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_says_stalled_after_two_seconds_still() {
        assert_eq!(stall_note(Duration::from_millis(1500)), "");
        assert_eq!(stall_note(Duration::from_secs(5)), "stalled 5s");
    }
}
