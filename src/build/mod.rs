//! `dockling build`: an image from a Dockerfile, one step at a time.
//!
//! The build starts from FROM's image (from the store, or pulled as `run`
//! would) and keeps two things as it goes: the image config (JSON, whole)
//! and its layers. Each instruction changes one of them:
//!
//! - RUN runs its command as a container on the image built so far, with
//!   the same engine as `dockling run` (stage 6, network none); what the
//!   command wrote, the container's upper directory, becomes a layer
//!   ([`crate::image::changeset`]: overlay whiteouts become `.wh.` files).
//! - COPY and ADD write files of the build context into a layer ([`copy`]).
//! - WORKDIR makes its directory (a layer) when the image lacks it, and
//!   sets WorkingDir.
//! - ENV, ARG, USER, EXPOSE, LABEL, CMD, ENTRYPOINT, STOPSIGNAL only
//!   change the config: no layer, a history entry with `empty_layer`.
//!
//! Every step is looked up in the [`cache`] first; a hit reuses the layer
//! and prints `CACHED`. The progress lines are BuildKit's (`#2 [2/3] COPY
//! …`), on standard error; RUN's own output goes through unchanged.

pub mod cache;
pub mod copy;
pub mod dockerfile;
pub mod ignore;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rootfs_fetch::oci::manifest::{Descriptor, RunConfig};
use serde_json::{Value, json};

use crate::engine::Stage;
use crate::error::Error;
use crate::image::changeset::LayerTar;
use crate::image::commit as new_image;
use crate::image::config::{self, Overrides};
use crate::image::pins::{Holder, Pin, Pinned};
use crate::image::store::{Image, Store, remove_tree};
use crate::msg;
use crate::narrate::messages::build as m;
use crate::narrate::{Event, Narrator};
use crate::paths::Paths;
use dockerfile::{Args, Instruction};

/// What `dockling build` was asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub context: PathBuf,
    /// The Dockerfile [default: CONTEXT/Dockerfile].
    pub file: Option<PathBuf>,
    pub tag: Option<String>,
    pub build_args: Vec<(String, String)>,
    pub no_cache: bool,
}

/// The instructions that are shown as numbered steps (the others only
/// change the config).
fn is_step(keyword: &str) -> bool {
    matches!(keyword, "FROM" | "RUN" | "COPY" | "ADD" | "WORKDIR")
}

fn line_err(i: &Instruction, e: Error) -> Error {
    let at = |what: String| msg!(m::DOCKERFILE_LINE, line = i.line, what = what);
    match e {
        Error::Usage(s) => Error::Usage(at(s)),
        Error::Hinted { message, hint } => Error::Hinted {
            message: at(message),
            hint,
        },
        Error::Failed {
            message,
            hint,
            code,
        } => Error::Failed {
            message: at(message),
            hint,
            code,
        },
        other => other,
    }
}

/// The state of a build between two instructions.
struct Build<'a> {
    paths: &'a Paths,
    store: Store,
    cache: cache::Cache,
    opts: &'a Options,
    ignore: ignore::Ignore,
    /// The config built so far (JSON, whole).
    config: Value,
    /// The manifest layers so far.
    layers: Vec<Descriptor>,
    /// The cache key of the last step.
    chain: String,
    /// The `created` of the last step that made (or reused) a layer.
    created: String,
    /// ARGs declared after FROM, with their values (None: no value).
    args: Vec<(String, Option<String>)>,
    /// Build args some ARG used.
    used: Vec<String>,
    /// Pins on the new layers, held until the image is named.
    pins: Vec<Pin>,
    id: String,
    step: usize,
    steps: usize,
    shown: usize,
}

pub fn build(opts: &Options, paths: &Paths, narrator: &mut dyn Narrator) -> Result<Image, Error> {
    let started = Instant::now();
    let file = opts
        .file
        .clone()
        .unwrap_or_else(|| opts.context.join("Dockerfile"));
    if !opts.context.is_dir() {
        return Err(Error::Usage(msg!(
            m::NO_CONTEXT,
            dir = opts.context.display()
        )));
    }
    let text = std::fs::read_to_string(&file).map_err(|e| Error::Hinted {
        message: msg!(m::NO_DOCKERFILE, path = file.display(), error = e),
        hint: msg!(m::NO_DOCKERFILE_HINT),
    })?;
    let instructions = dockerfile::parse(&text)?;
    let ignore = ignore::Ignore::parse(
        &std::fs::read_to_string(opts.context.join(".dockerignore")).unwrap_or_default(),
    );
    // Meta ARGs (before FROM) are for FROM only.
    let from_at = instructions
        .iter()
        .position(|i| i.keyword != "ARG")
        .filter(|&p| instructions[p].keyword == "FROM")
        .ok_or_else(|| {
            let line = instructions
                .iter()
                .find(|i| i.keyword != "ARG")
                .map(|i| i.line)
                .unwrap_or(1);
            Error::Usage(msg!(
                m::DOCKERFILE_LINE,
                line = line,
                what = msg!(m::FROM_FIRST)
            ))
        })?;
    if let Some(second) = instructions[from_at + 1..]
        .iter()
        .find(|i| i.keyword == "FROM")
    {
        return Err(Error::Usage(msg!(
            m::DOCKERFILE_LINE,
            line = second.line,
            what = msg!(m::MULTI_STAGE)
        )));
    }
    let mut meta: Vec<(String, Option<String>)> = Vec::new();
    let mut used = Vec::new();
    for i in &instructions[..from_at] {
        declare_args(i, &mut meta, &opts.build_args, &mut used, &|_| None)?;
    }
    let from = &instructions[from_at];
    let lookup_meta = |n: &str| {
        meta.iter()
            .find(|(k, _)| k == n)
            .and_then(|(_, v)| v.clone())
    };
    let words = dockerfile::words(&from.args.text(), &lookup_meta)
        .map_err(|e| line_err(from, Error::Usage(e)))?;
    if words.len() != 1 {
        return Err(line_err(from, Error::Usage(msg!(m::FROM_ONE_IMAGE))));
    }
    let base_name = words[0].clone();
    let steps = instructions[from_at..]
        .iter()
        .filter(|i| is_step(&i.keyword))
        .count();
    let store = Store::open(paths)?;
    store.remove_stale_temps()?;
    let id = crate::journal::new_id();
    eprintln!("#1 [1/{steps}] FROM {base_name}");
    let (base, base_pin) = if base_name == "scratch" {
        (None, None)
    } else {
        let found = store.pin_image(&base_name, Holder::Pull, &format!("{id}-base"))?;
        let (img, pin) = match found {
            Some(f) => f,
            None => {
                let (pulled, pull_pin) = crate::image::pull::pull_pinned(
                    paths,
                    &base_name,
                    &crate::image::pull::PullOptions::default(),
                    narrator,
                )?;
                let _ = pull_pin;
                store
                    .pin_image(&pulled.reference, Holder::Pull, &format!("{id}-base"))?
                    .ok_or_else(|| Error::Usage(msg!(m::BASE_GONE, image = base_name)))?
            }
        };
        (Some(img), Some(pin))
    };
    let (config, chain, created) = match &base {
        Some(img) => (
            new_image::config_json(&store, img)?,
            img.id().to_string(),
            img.config.created.clone().unwrap_or_default(),
        ),
        None => (
            json!({
                "architecture": rootfs_fetch::oci::manifest::Platform::host().architecture,
                "os": "linux",
                "config": {},
                "rootfs": {"type": "layers", "diff_ids": []},
            }),
            "scratch".to_string(),
            String::new(),
        ),
    };
    narrator.emit(&Event::BuildFrom {
        image: base_name.clone(),
        layers: base.as_ref().map_or(0, |b| b.manifest.layers.len()),
    });
    let mut b = Build {
        paths,
        cache: cache::Cache::open(paths)?,
        opts,
        ignore,
        config,
        layers: base
            .as_ref()
            .map(|b| b.manifest.layers.clone())
            .unwrap_or_default(),
        chain,
        created,
        args: Vec::new(),
        used,
        pins: base_pin.into_iter().collect(),
        id,
        step: 1,
        steps,
        shown: 1,
        store,
    };
    // Meta ARGs keep their values for an `ARG NAME` after FROM.
    for i in &instructions[from_at + 1..] {
        b.instruction(i, &meta, narrator)
            .map_err(|e| line_err(i, e))?;
    }
    let unused: Vec<&str> = opts
        .build_args
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !b.used.iter().any(|u| u == k))
        .collect();
    if !unused.is_empty() {
        eprintln!(
            "{}",
            msg!(
                m::UNUSED_BUILD_ARGS,
                args = format!("[{}]", unused.join(" "))
            )
        );
    }
    let n = b.shown + 1;
    let reference = opts.tag.as_deref().map(new_image::normalise).transpose()?;
    let img = new_image::write_image(&b.store, reference.as_deref(), &b.config, b.layers.clone())?;
    eprintln!("#{n} writing image {} done", img.id());
    if let Some(r) = &reference {
        eprintln!("#{n} naming to {r} done");
    }
    eprintln!(
        "{}",
        msg!(
            m::BUILD_FINISHED,
            seconds = format!("{:.2}", started.elapsed().as_secs_f64())
        )
    );
    narrator.emit(&Event::BuildImage {
        id: img.id().short().to_string(),
        layers: img.manifest.layers.len(),
        reference: reference.unwrap_or_else(|| "<none>".into()),
    });
    drop(b);
    Ok(img)
}

/// `ARG NAME[=default] …`: declare, taking a `--build-arg` value first.
fn declare_args(
    i: &Instruction,
    into: &mut Vec<(String, Option<String>)>,
    build_args: &[(String, String)],
    used: &mut Vec<String>,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<(), Error> {
    let words = dockerfile::words(&i.args.text(), var).map_err(Error::Usage)?;
    for (k, v) in dockerfile::pairs("ARG", &words).map_err(Error::Usage)? {
        let given = build_args.iter().rev().find(|(n, _)| *n == k);
        if given.is_some() {
            used.push(k.clone());
        }
        let value = given.map(|(_, v)| v.clone()).or(v);
        into.retain(|(n, _)| *n != k);
        into.push((k, value));
    }
    Ok(())
}

impl Build<'_> {
    fn run_config(&self) -> RunConfig {
        run_config(&self.config)
    }

    /// A variable for substitution: ENV first, then ARG.
    fn var(&self, name: &str) -> Option<String> {
        let rc = self.run_config();
        rc.env
            .iter()
            .flatten()
            .filter_map(|e| e.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .or_else(|| {
                self.args
                    .iter()
                    .find(|(k, _)| k == name)
                    .and_then(|(_, v)| v.clone())
            })
    }

    fn words(&self, i: &Instruction) -> Result<Vec<String>, Error> {
        dockerfile::words(&i.args.text(), &|n| self.var(n)).map_err(Error::Usage)
    }

    fn layer_dirs(&self) -> Vec<PathBuf> {
        self.config["rootfs"]["diff_ids"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str()?.parse().ok())
            .map(|d| self.store.layer_path(&d))
            .collect()
    }

    fn set(&mut self, field: &str, v: Value) {
        set(&mut self.config, field, v);
    }

    fn instruction(
        &mut self,
        i: &Instruction,
        meta: &[(String, Option<String>)],
        narrator: &mut dyn Narrator,
    ) -> Result<(), Error> {
        let kw = i.keyword.as_str();
        match kw {
            "RUN" | "COPY" | "ADD" | "WORKDIR" => return self.layer_step(i, narrator),
            _ => {}
        }
        let words = self.words(i)?;
        let (field, created_by): (&str, String) = if kw == "ARG" {
            let meta_var = |n: &str| {
                meta.iter()
                    .find(|(k, _)| k == n)
                    .and_then(|(_, v)| v.clone())
            };
            let mut args = std::mem::take(&mut self.args);
            let mut used = std::mem::take(&mut self.used);
            let r = declare_args(i, &mut args, &self.opts.build_args, &mut used, &|n| {
                self.var(n)
            });
            // `ARG NAME` after FROM takes a meta ARG's value.
            for (k, v) in args.iter_mut() {
                if v.is_none() {
                    *v = meta_var(k);
                }
            }
            self.args = args;
            self.used = used;
            r?;
            ("", format!("ARG {}", words.join(" ")))
        } else {
            apply(&mut self.config, i, &words)?
        };
        let entry = new_image::history(
            &self.created,
            &created_by,
            "buildkit.dockerfile.v0",
            "",
            true,
        );
        new_image::add_step(&mut self.config, None, entry);
        // The key chain goes on: a later step's key depends on this one.
        self.chain = cache::key(&self.chain, &created_by, "");
        narrator.emit(&Event::BuildConfig {
            instruction: created_by,
            field: if field.is_empty() {
                "-".to_string()
            } else {
                field.to_string()
            },
        });
        Ok(())
    }

    /// RUN, COPY, ADD, WORKDIR: a numbered step that may make a layer.
    fn layer_step(&mut self, i: &Instruction, narrator: &mut dyn Narrator) -> Result<(), Error> {
        self.step += 1;
        self.shown += 1;
        let n = self.shown;
        let kw = i.keyword.as_str();
        let started = Instant::now();
        let dirs = self.layer_dirs();
        // What the step is, after substitution, and what it needs.
        enum Work {
            Run(Vec<String>),
            Copy(copy::Sources, String, Option<(u32, u32)>),
            Workdir(String),
        }
        let (text, content, work) = match kw {
            "RUN" => {
                let argv = match &i.args {
                    Args::Exec(v) => v.clone(),
                    Args::Shell(s) => vec!["/bin/sh".into(), "-c".into(), s.clone()],
                };
                let with_args: Vec<String> = self
                    .args
                    .iter()
                    .filter_map(|(k, v)| Some(format!("{k}={}", v.as_ref()?)))
                    .collect();
                let prefix = if with_args.is_empty() {
                    String::new()
                } else {
                    format!("|{} {} ", with_args.len(), with_args.join(" "))
                };
                (
                    format!("RUN {prefix}{} # buildkit", argv.join(" ")),
                    String::new(),
                    Work::Run(argv),
                )
            }
            "COPY" | "ADD" => {
                let words = self.words(i)?;
                if words.len() < 2 {
                    return Err(Error::Usage(msg!(m::COPY_NEEDS_TWO, instruction = kw)));
                }
                let (srcs, dest) = words.split_at(words.len() - 1);
                let dest = absolute(&self.workdir(), &dest[0]);
                let owner = match i.flags.iter().find(|(f, _)| f == "chown") {
                    Some((_, spec)) => {
                        let spec = dockerfile::words(spec, &|n| self.var(n))
                            .map_err(Error::Usage)?
                            .join("");
                        let o = Overrides {
                            user: Some(spec),
                            ..Default::default()
                        };
                        config::user(&RunConfig::default(), &o, &dirs)?
                    }
                    None => None,
                };
                let sources = copy::sources(&self.opts.context, &self.ignore, srcs, kw)?;
                let chown = owner
                    .map(|(u, g)| format!("--chown={u}:{g} "))
                    .unwrap_or_default();
                let text = format!("{kw} {chown}{} {dest} # buildkit", srcs.join(" "));
                (text, sources.digest()?, Work::Copy(sources, dest, owner))
            }
            "WORKDIR" => {
                let w = self.words(i)?.join(" ");
                let dir = absolute(&self.workdir(), &w);
                (format!("WORKDIR {dir}"), String::new(), Work::Workdir(dir))
            }
            _ => unreachable!(),
        };
        let shown_text = text.trim_end_matches(" # buildkit");
        eprintln!("#{n} [{}/{}] {shown_text}", self.step, self.steps);
        let _ = std::io::stderr().flush();
        let key = cache::key(&self.chain, &text, &content);
        if let Work::Workdir(dir) = &work {
            self.set("WorkingDir", json!(dir));
        }
        let hit = if self.opts.no_cache {
            None
        } else {
            self.cache.get(&self.store, &key)
        };
        let (entry, cached) = match hit {
            Some(e) => (e, true),
            None => {
                let tar = match work {
                    Work::Run(argv) => Some(self.run(&argv, &dirs)?),
                    Work::Copy(sources, dest, owner) => {
                        Some(copy::layer(&sources, &dest, owner, kw == "ADD", &dirs)?)
                    }
                    Work::Workdir(dir) => {
                        let rel = ignore::clean(&dir);
                        if rel.is_empty() || copy::lookup(&dirs, &rel).is_some() {
                            None
                        } else {
                            let mut w = crate::image::changeset::Writer::new(0);
                            let mut acc = String::new();
                            for part in rel.split('/') {
                                if !acc.is_empty() {
                                    acc.push('/');
                                }
                                acc.push_str(part);
                                if copy::lookup(&dirs, &acc).is_none() {
                                    w.dir(&acc, 0o755, 0, 0)?;
                                }
                            }
                            Some(w.finish()?)
                        }
                    }
                };
                let layer = match tar {
                    Some(t) => Some(self.keep_layer(&t)?),
                    None => None,
                };
                let e = cache::Entry {
                    created: crate::clock::rfc3339(crate::clock::now_ns()),
                    layer,
                };
                self.cache.put(&key, &e)?;
                (e, false)
            }
        };
        if let Some(l) = &entry.layer {
            let pin = self.store.pin(&Pinned {
                holder: Holder::Pull,
                id: format!("{}-{}", self.id, self.step),
                reference: String::new(),
                image: None,
                blobs: vec![l.digest.clone()],
                layers: vec![l.diff_id.clone()],
            })?;
            self.pins.push(pin);
            self.layers.push(Descriptor {
                media_type: rootfs_fetch::oci::manifest::OCI_LAYER_GZIP.into(),
                digest: l.digest.clone(),
                size: l.size,
                platform: None,
                annotations: None,
            });
        }
        self.created = entry.created.clone();
        let history = new_image::history(
            &entry.created,
            &text,
            "buildkit.dockerfile.v0",
            "",
            entry.layer.is_none(),
        );
        new_image::add_step(
            &mut self.config,
            entry.layer.as_ref().map(|l| &l.diff_id),
            history,
        );
        self.chain = key;
        if cached {
            eprintln!("#{n} CACHED");
        } else {
            eprintln!("#{n} DONE {:.1}s", started.elapsed().as_secs_f64());
        }
        let instruction = shown_text.to_string();
        let layer = entry
            .layer
            .as_ref()
            .map(|l| l.diff_id.short().to_string())
            .unwrap_or_else(|| "-".into());
        narrator.emit(&match cached {
            true => Event::BuildCached { instruction, layer },
            false => Event::BuildLayer { instruction, layer },
        });
        Ok(())
    }

    fn workdir(&self) -> String {
        self.run_config()
            .working_dir
            .filter(|w| !w.is_empty())
            .unwrap_or_else(|| "/".into())
    }

    /// Store a new layer and describe it for the cache.
    fn keep_layer(&mut self, t: &LayerTar) -> Result<cache::LayerRef, Error> {
        let l = new_image::store_layer(
            &self.store,
            &t.tar,
            &format!("{}-new-{}", self.id, self.step),
        )?;
        Ok(cache::LayerRef {
            digest: l.desc.digest,
            size: l.desc.size,
            diff_id: l.diff_id,
        })
    }

    /// RUN: the command as a container on the image so far; what it
    /// wrote, as a layer.
    fn run(&self, argv: &[String], dirs: &[PathBuf]) -> Result<LayerTar, Error> {
        use clap::{Args as _, FromArgMatches};
        let Some((bottom, above)) = dirs.split_first() else {
            return Err(Error::Usage(msg!(m::RUN_ON_SCRATCH)));
        };
        let tmp = Store::temp_in(&self.store.layers, "build");
        let mut cli: Vec<String> = vec!["run".into(), "--rootfs".into(), path(bottom)];
        for l in above {
            cli.push("--layer".into());
            cli.push(path(l));
        }
        cli.extend(["--commit".into(), path(&tmp), "--".into()]);
        cli.extend(argv.iter().cloned());
        let parsed = crate::stages::overlay::OverlayArgs::augment_args(clap::Command::new("run"))
            .no_binary_name(false)
            .try_get_matches_from(&cli)
            .map_err(|e| Error::Usage(e.to_string()))?;
        let args = crate::stages::overlay::OverlayArgs::from_arg_matches(&parsed)
            .map_err(|e| Error::Usage(e.to_string()))?;
        let rc = self.run_config();
        let o = Overrides::default();
        let mut spec = crate::stages::overlay::spec(&args, self.paths, Stage::Run)?;
        spec.namespaces.push(crate::namespaces::Namespace::Net);
        spec.env = crate::engine::spec::default_env();
        // Build arguments are in RUN's environment; ENV wins over them.
        for (k, v) in &self.args {
            if let Some(v) = v {
                spec.set_env(k, v);
            }
        }
        for (k, v) in config::env(&rc, &o) {
            spec.set_env(&k, &v);
        }
        spec.workdir = config::workdir(&rc, &o)?;
        spec.user = config::user(&rc, &o, dirs)?;
        let result = crate::engine::run(&spec, self.paths, &mut crate::narrate::Quiet);
        let out = match result {
            Ok(0) => crate::image::changeset::from_upper(&tmp, 0),
            // docker build exits 1 when a step's command fails: the
            // Dockerfile failed, not the builder (125 stays for that).
            Ok(code) => Err(Error::Failed {
                message: msg!(
                    m::RUN_FAILED,
                    command = format!("{:?}", argv.join(" ")),
                    code = code
                ),
                hint: msg!(m::RUN_FAILED_HINT),
                code: 1,
            }),
            Err(e) => Err(e),
        };
        if tmp.symlink_metadata().is_ok() {
            remove_tree(&tmp)?;
        }
        out
    }
}

/// The run settings of a config.
fn run_config(config: &Value) -> RunConfig {
    serde_json::from_value(config["config"].clone()).unwrap_or_default()
}

fn set(config: &mut Value, field: &str, v: Value) {
    if !config["config"].is_object() {
        config["config"] = json!({});
    }
    config["config"][field] = v;
}

/// An instruction that only changes the config (ENV, USER, EXPOSE,
/// LABEL, STOPSIGNAL, CMD, ENTRYPOINT; WORKDIR without making the
/// directory, as `commit --change` does), its arguments split into
/// `words`: the config field and the history's `created_by`.
pub fn apply(
    config: &mut Value,
    i: &Instruction,
    words: &[String],
) -> Result<(&'static str, String), Error> {
    let kw = i.keyword.as_str();
    Ok(match kw {
        "ENV" => {
            let mut env: Vec<String> = run_config(config).env.unwrap_or_default();
            let pairs = dockerfile::pairs("ENV", words).map_err(Error::Usage)?;
            let mut said = Vec::new();
            for (k, v) in pairs {
                let v = v.unwrap_or_default();
                said.push(format!("{k}={v}"));
                match env
                    .iter_mut()
                    .find(|e| e.split_once('=').map(|p| p.0) == Some(&k))
                {
                    Some(e) => *e = format!("{k}={v}"),
                    None => env.push(format!("{k}={v}")),
                }
            }
            set(config, "Env", json!(env));
            ("Env", format!("ENV {}", said.join(" ")))
        }
        "USER" => {
            let u = words.join(" ");
            set(config, "User", json!(u));
            ("User", format!("USER {u}"))
        }
        "EXPOSE" => {
            let mut ports = config["config"]["ExposedPorts"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            for p in words {
                let p = if p.contains('/') {
                    p.to_lowercase()
                } else {
                    format!("{p}/tcp")
                };
                let port = p.split('/').next().unwrap_or("");
                if port.parse::<u16>().is_err() {
                    return Err(Error::Usage(msg!(m::BAD_PORT, port = p)));
                }
                ports.insert(p, json!({}));
            }
            let listed: Vec<String> = ports.keys().map(|k| format!("{k}:{{}}")).collect();
            set(config, "ExposedPorts", Value::Object(ports));
            ("ExposedPorts", format!("EXPOSE map[{}]", listed.join(" ")))
        }
        "LABEL" => {
            let mut labels = config["config"]["Labels"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let pairs = dockerfile::pairs("LABEL", words).map_err(Error::Usage)?;
            let mut said = Vec::new();
            for (k, v) in pairs {
                let v = v.unwrap_or_default();
                said.push(format!("{k}={v}"));
                labels.insert(k, json!(v));
            }
            set(config, "Labels", Value::Object(labels));
            ("Labels", format!("LABEL {}", said.join(" ")))
        }
        "STOPSIGNAL" => {
            let s = words.join(" ");
            crate::stages::container::parse_signal(&s)?;
            set(config, "StopSignal", json!(s));
            ("StopSignal", format!("STOPSIGNAL {s}"))
        }
        "CMD" | "ENTRYPOINT" => {
            let argv = match &i.args {
                Args::Exec(v) => v.clone(),
                Args::Shell(s) if s.is_empty() => Vec::new(),
                Args::Shell(s) => vec!["/bin/sh".into(), "-c".into(), s.clone()],
            };
            let field = if kw == "CMD" { "Cmd" } else { "Entrypoint" };
            set(config, field, json!(argv));
            if kw == "ENTRYPOINT" {
                // As docker: a new ENTRYPOINT drops the base's CMD.
                set(config, "Cmd", Value::Null);
            }
            let shown = serde_json::to_string(&argv).expect("json");
            (field, format!("{kw} {shown}"))
        }
        "WORKDIR" => {
            let w = absolute(
                &run_config(config).working_dir.unwrap_or_else(|| "/".into()),
                &words.join(" "),
            );
            set(config, "WorkingDir", json!(w));
            ("WorkingDir", format!("WORKDIR {w}"))
        }
        _ => {
            return Err(Error::Usage(msg!(
                m::CHANGE_UNSUPPORTED,
                change = format!("{kw} {}", i.args.text())
            )));
        }
    })
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

/// `p` made absolute below `workdir`, cleaned (a trailing `/` kept: it
/// says "a directory").
fn absolute(workdir: &str, p: &str) -> String {
    let joined = if p.starts_with('/') {
        p.to_string()
    } else {
        format!("{}/{p}", workdir.trim_end_matches('/'))
    };
    let mut out = format!("/{}", ignore::clean(&joined));
    if p.ends_with('/') && out != "/" {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_below_the_workdir() {
        assert_eq!(absolute("/", "app"), "/app");
        assert_eq!(absolute("/w", "x/"), "/w/x/");
        assert_eq!(absolute("/w", "/abs"), "/abs");
        assert_eq!(absolute("/w", "../up"), "/up");
        assert_eq!(absolute("/w", "."), "/w");
    }
}
