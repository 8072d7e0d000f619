//! `dockling push`: an image of the store into a registry, as `docker
//! push` does it.
//!
//! The image is found in the store by the name the push gives (`dockling
//! tag` makes that name); the registry and repository come from it. The
//! client first asks `GET /v2/` and answers the challenge with the login's
//! credentials (Basic, or a Bearer token for `repository:NAME:pull,push`).
//! Each layer, a few at a time, then the config: HEAD first (a blob the
//! repository has is not sent again: "Layer already exists"), a mount when
//! [`super::sources`] knows another repository of the same registry that
//! has it, else an upload: one PUT for a small blob, PATCH chunks then PUT
//! for a large one (see rootfs-fetch's `oci::upload`). Last, the manifest
//! as the store holds it (OCI), PUT by tag: the registry answers with the
//! same digest, which docker prints as `TAG: digest: … size: …`. An image
//! pulled whole (`pull --all-platforms`, see [`super::platforms`]) goes
//! whole: every platform's layers and config, each platform's manifest
//! by its digest, then the index by tag, all as they were pulled.
//!
//! `DOCKLING_PUSH_CHUNK` sets the chunk size (blobs above it, or above
//! 8 MiB, go in chunks); `DOCKLING_PUSH_JOBS` how many blobs go at once.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rootfs_fetch::oci::client::{self, Client, ClientError, Exchange, Observer};
use rootfs_fetch::oci::digest::Digest;
use rootfs_fetch::oci::manifest;
use rootfs_fetch::oci::reference::Reference;
use rootfs_fetch::oci::upload::{Sent, UploadPlan};

use super::platforms::Whole;
use super::store::{Image, Store};
use super::{credentials, sources};
use crate::error::Error;
use crate::msg;
use crate::narrate::messages::push as m;
use crate::narrate::{Event, Narrator, Step};
use crate::paths::Paths;

/// Blobs up to this size go in one PUT (unless the chunk is smaller).
pub const MONOLITHIC_MAX: u64 = 8 << 20;
/// The default chunk of a chunked upload.
pub const DEFAULT_CHUNK: u64 = 16 << 20;
pub const CHUNK_ENV: &str = "DOCKLING_PUSH_CHUNK";
pub const JOBS_ENV: &str = "DOCKLING_PUSH_JOBS";

#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    /// Plain http for a registry that is not on loopback.
    pub insecure: bool,
}

/// What a push did.
pub struct Pushed {
    pub reference: Reference,
    pub digest: Digest,
    pub size: usize,
    /// For each layer, bottom first, then the config: how it went.
    pub blobs: Vec<(Digest, Sent)>,
}

/// The chunk plan from [`CHUNK_ENV`] (`64k`, `8m`, bytes).
pub fn plan_from_env() -> Result<UploadPlan, Error> {
    let chunk = match std::env::var(CHUNK_ENV) {
        Ok(v) => crate::cgroups::limits::size(CHUNK_ENV, &v, 1 << 40)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                Error::Usage(msg!(
                    m::PUSH_BAD_ENV,
                    env = CHUNK_ENV,
                    value = v,
                    error = "expected a size greater than 0, e.g. 8m or 65536"
                ))
            })?,
        Err(_) => DEFAULT_CHUNK,
    };
    Ok(UploadPlan {
        threshold: MONOLITHIC_MAX.min(chunk),
        chunk,
    })
}

fn push_err(r: &Reference, e: ClientError) -> Error {
    let hint = match &e {
        ClientError::Auth(_) => msg!(
            m::PUSH_AUTH_HINT,
            registry = r.registry,
            repository = r.repository
        ),
        ClientError::Refused(_) => msg!(m::PUSH_REFUSED_HINT),
        ClientError::Http { .. } | ClientError::Stalled { .. } => {
            msg!(m::PUSH_HTTP_HINT, registry = r.registry)
        }
        _ => msg!(m::PUSH_OTHER_HINT),
    };
    Error::Hinted {
        message: msg!(m::PUSH_FAILED, reference = r, error = e),
        hint,
    }
}

/// Emit the HTTP exchanges logged since the last call.
fn flush(log: &Mutex<Vec<Exchange>>, narrator: &mut dyn Narrator) {
    super::pull::flush_as(log, Step::PushRequest, narrator)
}

/// One blob to send: its digest, size and file in the store.
struct Blob {
    digest: Digest,
    size: u64,
    path: PathBuf,
    /// Other repositories of the registry known to have it.
    from: Vec<String>,
}

pub fn push(
    paths: &Paths,
    input: &str,
    opts: &PushOptions,
    narrator: &mut dyn Narrator,
) -> Result<Pushed, Error> {
    let r: Reference = input.parse().map_err(Error::Usage)?;
    if r.digest.is_some() {
        return Err(Error::Hinted {
            message: msg!(m::PUSH_BY_DIGEST, name = input),
            hint: msg!(m::PUSH_BY_DIGEST_HINT, name = input),
        });
    }
    let tag = r.manifest_ref();
    let plan = plan_from_env()?;
    let jobs: usize = match std::env::var(JOBS_ENV) {
        Ok(v) => v
            .parse()
            .ok()
            .filter(|j| (1..=16).contains(j))
            .ok_or_else(|| {
                Error::Usage(msg!(
                    m::PUSH_BAD_ENV,
                    env = JOBS_ENV,
                    value = v,
                    error = "expected a number from 1 to 16"
                ))
            })?,
        Err(_) => 5,
    };
    let stall = client::stall_timeout_from_env().map_err(Error::Usage)?;
    let store = Store::open(paths)?;
    let img: Image = store.find(&r.to_string())?.ok_or_else(|| Error::Hinted {
        message: msg!(m::PUSH_NO_SUCH_IMAGE, name = r),
        hint: msg!(m::PUSH_NO_SUCH_IMAGE_HINT, name = r),
    })?;
    let damaged = |e: Error| Error::Hinted {
        message: e.chain(),
        hint: msg!(m::PUSH_STORE_HINT, name = r),
    };
    let manifest_bytes = store.read_blob(&img.layout_digest).map_err(damaged)?;
    let media_type = serde_json::from_slice::<serde_json::Value>(&manifest_bytes)
        .ok()
        .and_then(|v| v.get("mediaType")?.as_str().map(str::to_string))
        .unwrap_or_else(|| manifest::OCI_MANIFEST.to_string());
    let man = &img.manifest;
    let whole = match &img.index {
        Some(d) => Some(Whole::read(&store, d).map_err(damaged)?),
        None => None,
    };
    // The layers (sent a few at a time), then the config(s).
    let (layer_descs, config_descs) = match &whole {
        Some(w) => w.content(),
        None => (man.layers.clone(), vec![man.config.clone()]),
    };
    let blobs: Vec<Blob> = layer_descs
        .iter()
        .chain(&config_descs)
        .map(|d| Blob {
            digest: d.digest.clone(),
            size: d.size,
            path: store.blob_path(&d.digest),
            from: sources::repositories(paths, &r.registry, &d.digest, &r.repository),
        })
        .collect();
    if let Some(missing) = blobs.iter().find(|b| !b.path.is_file()) {
        return Err(damaged(Error::Usage(format!(
            "{}: {}",
            missing.digest,
            missing.path.display()
        ))));
    }
    println!("{}", msg!(m::PUSH_REFERS, name = r.name()));

    let log: Arc<Mutex<Vec<Exchange>>> = Arc::default();
    let sink = log.clone();
    let observer: Observer = Arc::new(Mutex::new(move |x: &Exchange| {
        sink.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(x.clone());
    }));
    let mut mount_from: Vec<String> = blobs.iter().flat_map(|b| b.from.clone()).collect();
    mount_from.sort();
    mount_from.dedup();
    let creds = credentials::get(paths, &r.registry)?;
    let mut client = Client::new(&r, creds, opts.insecure, observer)
        .with_stall_timeout(stall)
        .for_push(&mount_from);
    // GET /v2/ first, as docker does: the challenge is answered once,
    // before any upload.
    let pinged = client.ping();
    flush(&log, narrator);
    pinged.map_err(|e| push_err(&r, e))?;

    let layers = layer_descs.len();
    let of = blobs.len();
    let bars = super::progress::bars();
    let progress: Vec<Option<indicatif::ProgressBar>> = blobs
        .iter()
        .enumerate()
        .map(|(i, b)| {
            bars.as_ref().filter(|_| i < layers).map(|mp| {
                let prefix = msg!(
                    m::PUSH_BAR,
                    n = i + 1,
                    of = layers,
                    digest = b.digest.short()
                );
                super::progress::bar(mp, b.size, prefix)
            })
        })
        .collect();
    // The layers a few at a time (docker: max-concurrent-uploads 5), then
    // the config.
    let slots: Mutex<Vec<Option<Result<Sent, ClientError>>>> =
        Mutex::new((0..of).map(|_| None).collect());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let out = Mutex::new(());
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..jobs.min(layers.max(1)))
            .map(|_| {
                let mut c = client.fork();
                let (next, slots, progress, blobs, out) = (&next, &slots, &progress, &blobs, &out);
                s.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= layers {
                            break;
                        }
                        let b = &blobs[i];
                        let bar = progress[i].clone();
                        let tick = |n: u64| {
                            if let Some(bar) = &bar {
                                bar.inc(n);
                            }
                        };
                        let sent = c.push_blob(&b.digest, &b.path, b.size, &b.from, plan, &tick);
                        if let Some(bar) = &bar {
                            bar.finish();
                        }
                        if let Ok(sent) = &sent {
                            let _one_at_a_time = out.lock();
                            println!("{}", line(&b.digest, sent));
                        }
                        slots.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(sent);
                    }
                })
            })
            .collect();
        for w in workers {
            if let Err(panic) = w.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
    let mut results: Vec<Option<Result<Sent, ClientError>>> =
        slots.into_inner().unwrap_or_else(|p| p.into_inner());
    if results[..layers].iter().all(|r| matches!(r, Some(Ok(_)))) {
        for (c, slot) in blobs[layers..].iter().zip(&mut results[layers..]) {
            let sent = client.push_blob(&c.digest, &c.path, c.size, &c.from, plan, &|_| {});
            let failed = sent.is_err();
            *slot = Some(sent);
            if failed {
                break;
            }
        }
    }
    flush(&log, narrator);
    let mut sent = Vec::new();
    for (i, (b, res)) in blobs.iter().zip(results).enumerate() {
        let outcome = res
            .unwrap_or_else(|| Err(ClientError::Invalid(msg!(m::PUSH_UNFINISHED))))
            .map_err(|e| push_err(&r, e))?;
        let (text, how) = match &outcome {
            Sent::Exists => (
                msg!(m::PUSH_OUTCOME_EXISTS),
                format!("HEAD /v2/{}/blobs/{} -> 200", r.repository, b.digest),
            ),
            Sent::Mounted { from } => (
                msg!(m::PUSH_OUTCOME_MOUNTED, from = from),
                format!(
                    "POST /v2/{}/blobs/uploads/?mount={}&from={from} -> 201",
                    r.repository, b.digest
                ),
            ),
            Sent::Uploaded { chunks: 0 } => (
                msg!(m::PUSH_OUTCOME_ONE_PUT, size = b.size),
                format!(
                    "POST /v2/{}/blobs/uploads/ -> 202; PUT LOCATION?digest={} -> 201",
                    r.repository, b.digest
                ),
            ),
            Sent::Uploaded { chunks } => (
                msg!(m::PUSH_OUTCOME_CHUNKS, size = b.size, chunks = chunks),
                format!(
                    "POST /v2/{}/blobs/uploads/ -> 202; PATCH LOCATION (Content-Range) x {chunks}; \
                     PUT LOCATION?digest={} -> 201",
                    r.repository, b.digest
                ),
            ),
        };
        narrator.emit(&Event::PushBlob {
            n: i + 1,
            of,
            digest: b.digest.short().to_string(),
            outcome: text,
            how,
            store: store.images.display().to_string(),
            reference: img.reference.clone(),
            target: r.to_string(),
        });
        sent.push((b.digest.clone(), outcome));
    }

    let (digest, size) = match &whole {
        None => {
            let put = client.put_manifest(&tag, &media_type, &manifest_bytes);
            flush(&log, narrator);
            let digest = put.map_err(|e| push_err(&r, e))?;
            narrator.emit(&Event::PushManifest {
                tag: tag.clone(),
                digest: digest.to_string(),
                size: manifest_bytes.len(),
                repository: r.repository.clone(),
                target: r.to_string(),
            });
            (digest, manifest_bytes.len())
        }
        Some(w) => {
            // Each platform's manifest by its digest (the registry
            // refuses an index that names a manifest it lacks), then the
            // index by tag.
            for p in &w.platforms {
                let media_type = if p.entry.media_type.is_empty() {
                    manifest::OCI_MANIFEST
                } else {
                    &p.entry.media_type
                };
                let put = client.put_manifest(&p.entry.digest.to_string(), media_type, &p.bytes);
                flush(&log, narrator);
                put.map_err(|e| push_err(&r, e))?;
            }
            let put = client.put_manifest(&tag, &w.media_type, &w.bytes);
            flush(&log, narrator);
            let digest = put.map_err(|e| push_err(&r, e))?;
            narrator.emit(&Event::PushIndex {
                tag: tag.clone(),
                digest: digest.to_string(),
                count: w.platforms.len(),
                size: w.bytes.len(),
                repository: r.repository.clone(),
                target: r.to_string(),
            });
            (digest, w.bytes.len())
        }
    };
    println!(
        "{}",
        msg!(m::PUSH_DONE, tag = tag, digest = digest, size = size)
    );
    // Remembered for mounts into other repositories of this registry; a
    // failure to remember costs only an upload later.
    let all: Vec<Digest> = blobs.iter().map(|b| b.digest.clone()).collect();
    if let Err(e) = sources::record(paths, &r.name(), &all) {
        eprintln!(
            "{}",
            msg!(
                crate::narrate::messages::images::WARNING,
                warning = e.chain()
            )
        );
    }
    Ok(Pushed {
        reference: r,
        digest,
        size,
        blobs: sent,
    })
}

/// docker's line for a layer.
fn line(d: &Digest, sent: &Sent) -> String {
    let digest = &d.hex()[..12];
    match sent {
        Sent::Exists => msg!(m::PUSH_EXISTS, digest = digest),
        Sent::Mounted { from } => msg!(m::PUSH_MOUNTED, digest = digest, from = from),
        Sent::Uploaded { .. } => msg!(m::PUSH_PUSHED, digest = digest),
    }
}
