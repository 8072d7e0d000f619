//! COPY and ADD: files of the build context as a new layer.
//!
//! Each source is a path in the context (the directory given to `build`),
//! or a pattern (`*.txt`); files `.dockerignore` leaves out are not
//! there. A file goes to the destination, or into it when the destination
//! ends in `/` or is a directory of the image; a directory's *contents*
//! go into the destination. A relative destination is below WORKDIR.
//! Files keep their mode; their owner is root, or `--chown=UID:GID`.
//! Directories the destination needs and the image lacks are made (mode
//! 755). ADD does the same, and a local tar archive (plain or gzip) is
//! unpacked into the destination instead of copied; ADD of a URL is not
//! supported here.
//!
//! The layer is a tar written from these choices ([`layer`]); its cache
//! key includes a digest of every chosen file's path, mode and content
//! ([`Sources::digest`]), so changing a file rebuilds the step.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use rootfs_fetch::oci::digest::Digest;

use super::ignore::{self, Ignore};
use crate::error::Error;
use crate::image::changeset::{LayerTar, Writer};
use crate::msg;
use crate::narrate::messages::build as m;

/// One chosen source: where it is, and its name in the context.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    /// Relative to the context, cleaned (`dir/file.txt`).
    pub rel: String,
    pub is_dir: bool,
}

/// The sources of one COPY or ADD.
#[derive(Debug, Clone)]
pub struct Sources {
    pub list: Vec<Source>,
    pub context: PathBuf,
    pub ignore: Ignore,
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Every path below `start` (a directory of the context, "" for all of
/// it) that `.dockerignore` keeps, relative to the context, sorted.
fn walk(context: &Path, start: &str, ignore: &Ignore) -> Result<Vec<(String, bool)>, Error> {
    let mut out = Vec::new();
    fn go(
        base: &Path,
        rel: &str,
        ignore: &Ignore,
        out: &mut Vec<(String, bool)>,
    ) -> Result<(), Error> {
        let dir = base.join(rel);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map_err(Error::io("read", &dir))?
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        names.sort();
        for n in names {
            let r = if rel.is_empty() {
                n
            } else {
                format!("{rel}/{n}")
            };
            if ignore.ignored(&r) {
                continue;
            }
            let is_dir = std::fs::symlink_metadata(base.join(&r)).is_ok_and(|m| m.is_dir());
            out.push((r.clone(), is_dir));
            if is_dir {
                go(base, &r, ignore, out)?;
            }
        }
        Ok(())
    }
    go(context, start, ignore, &mut out)?;
    Ok(out)
}

/// `rel` (below the context) relative to `start`.
fn below<'a>(rel: &'a str, start: &str) -> &'a str {
    if start.is_empty() {
        rel
    } else {
        rel.strip_prefix(start)
            .and_then(|r| r.strip_prefix('/'))
            .unwrap_or(rel)
    }
}

/// Resolve COPY's sources in the context. `what` names the instruction
/// for errors (`COPY`, `ADD`).
pub fn sources(
    context: &Path,
    ignore: &Ignore,
    srcs: &[String],
    what: &str,
) -> Result<Sources, Error> {
    let mut list = Vec::new();
    let mut all: Option<Vec<(String, bool)>> = None;
    for s in srcs {
        if s.starts_with("http://") || s.starts_with("https://") {
            return Err(Error::Usage(msg!(m::ADD_URL, instruction = what, url = s)));
        }
        let rel = ignore::clean(s);
        if has_glob(&rel) {
            if all.is_none() {
                all = Some(walk(context, "", ignore)?);
            }
            let hits: Vec<_> = all
                .as_ref()
                .expect("walked")
                .iter()
                .filter(|(p, _)| ignore::glob(&rel, p))
                .collect();
            if hits.is_empty() {
                return Err(not_found(what, s));
            }
            list.extend(hits.into_iter().map(|(p, d)| Source {
                path: context.join(p),
                rel: p.clone(),
                is_dir: *d,
            }));
            continue;
        }
        let path = if rel.is_empty() {
            context.to_path_buf()
        } else {
            context.join(&rel)
        };
        let meta = std::fs::symlink_metadata(&path).map_err(|_| not_found(what, s))?;
        if !rel.is_empty() && ignore.ignored(&rel) {
            return Err(not_found(what, s));
        }
        list.push(Source {
            path,
            rel,
            is_dir: meta.is_dir(),
        });
    }
    Ok(Sources {
        list,
        context: context.to_path_buf(),
        ignore: ignore.clone(),
    })
}

fn not_found(what: &str, s: &str) -> Error {
    Error::Hinted {
        message: msg!(m::SOURCE_NOT_FOUND, instruction = what, source = s),
        hint: msg!(m::SOURCE_NOT_FOUND_HINT),
    }
}

/// What a destination path holds in the image: the topmost layer's entry
/// (a whiteout there means nothing).
pub fn lookup(layers: &[PathBuf], rel: &str) -> Option<std::fs::Metadata> {
    for l in layers.iter().rev() {
        if let Ok(m) = std::fs::symlink_metadata(l.join(rel)) {
            if m.file_type().is_char_device() && m.rdev() == 0 {
                return None;
            }
            return Some(m);
        }
    }
    None
}

/// What goes into the layer, by path in the image (no leading `/`).
enum Entry {
    /// A directory the destination needs: mode, uid, gid.
    Dir(u32, u32, u32),
    /// A file, directory or symlink of the context.
    Host(PathBuf),
    /// A tar archive to unpack here (ADD).
    Archive(PathBuf),
}

/// Whether `p` is a tar archive, plain or gzip'd (ADD unpacks those).
fn is_archive(p: &Path) -> bool {
    let Ok(mut f) = std::fs::File::open(p) else {
        return false;
    };
    let mut head = vec![0u8; 512];
    let n = f.read(&mut head).unwrap_or(0);
    head.truncate(n);
    if head.starts_with(&[0x1f, 0x8b]) {
        return true;
    }
    head.len() >= 262 && &head[257..262] == b"ustar"
}

impl Sources {
    /// A digest of every chosen file: path, mode, owner-independent
    /// content, symlink targets; the cache key's part for the files.
    pub fn digest(&self) -> Result<String, Error> {
        let mut text = String::new();
        for s in &self.list {
            let mut files = vec![(s.rel.clone(), s.path.clone())];
            if s.is_dir {
                for (r, _) in walk(&self.context, &s.rel, &self.ignore)? {
                    files.push((r.clone(), self.context.join(&r)));
                }
            }
            for (rel, p) in files {
                let m = std::fs::symlink_metadata(&p).map_err(Error::io("read", &p))?;
                let content = if m.is_file() {
                    let bytes = std::fs::read(&p).map_err(Error::io("read", &p))?;
                    Digest::of(&bytes).to_string()
                } else if m.file_type().is_symlink() {
                    std::fs::read_link(&p)
                        .map_err(Error::io("read", &p))?
                        .display()
                        .to_string()
                } else {
                    String::new()
                };
                text.push_str(&format!("{rel}\0{:o}\0{content}\n", m.mode()));
            }
        }
        Ok(Digest::of(text.as_bytes()).to_string())
    }
}

/// The layer of a COPY (`add`: ADD) of `sources` to `dest` (absolute),
/// over the image whose layers are `layers`.
pub fn layer(
    sources: &Sources,
    dest: &str,
    owner: Option<(u32, u32)>,
    add: bool,
    layers: &[PathBuf],
) -> Result<LayerTar, Error> {
    let dest_rel = ignore::clean(dest);
    let dest_is_dir = dest.ends_with('/')
        || sources.list.len() > 1
        || sources.list.iter().any(|s| s.is_dir)
        || lookup(layers, &dest_rel).is_some_and(|m| m.is_dir());
    let (uid, gid) = owner.unwrap_or((0, 0));
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    let need_dir = |rel: &str, entries: &mut BTreeMap<String, Entry>| {
        // Every missing parent, made; existing ones are left alone.
        let mut acc = String::new();
        for part in rel.split('/').filter(|p| !p.is_empty()) {
            if !acc.is_empty() {
                acc.push('/');
            }
            acc.push_str(part);
            if lookup(layers, &acc).is_none() {
                entries
                    .entry(acc.clone())
                    .or_insert(Entry::Dir(0o755, uid, gid));
            }
        }
    };
    for s in &sources.list {
        if s.is_dir {
            need_dir(&dest_rel, &mut entries);
            for (r, _) in walk(&sources.context, &s.rel, &sources.ignore)? {
                let to = join(&dest_rel, below(&r, &s.rel));
                entries.insert(to, Entry::Host(sources.context.join(&r)));
            }
        } else if add && is_archive(&s.path) {
            need_dir(&dest_rel, &mut entries);
            entries.insert(
                format!("{dest_rel}/\u{1}{}", s.rel),
                Entry::Archive(s.path.clone()),
            );
        } else {
            let to = if dest_is_dir {
                let base = s.rel.rsplit('/').next().unwrap_or(&s.rel).to_string();
                need_dir(&dest_rel, &mut entries);
                join(&dest_rel, &base)
            } else {
                if let Some((parent, _)) = dest_rel.rsplit_once('/') {
                    need_dir(parent, &mut entries);
                }
                dest_rel.clone()
            };
            entries.insert(to, Entry::Host(s.path.clone()));
        }
    }
    let mut w = Writer::new(0);
    for (rel, e) in &entries {
        match e {
            Entry::Dir(mode, u, g) => w.dir(rel, *mode, u64::from(*u), u64::from(*g))?,
            Entry::Host(p) => w.from_path(rel, p, Some((uid, gid)))?,
            Entry::Archive(p) => {
                let dir = rel.split("/\u{1}").next().unwrap_or("");
                unpack_into(&mut w, p, dir, owner)?;
            }
        }
    }
    w.finish()
}

fn join(dir: &str, name: &str) -> String {
    match (dir.is_empty(), name.is_empty()) {
        (true, _) => name.to_string(),
        (_, true) => dir.to_string(),
        _ => format!("{dir}/{name}"),
    }
}

/// ADD of an archive: its entries, below `dir`.
fn unpack_into(
    w: &mut Writer,
    p: &Path,
    dir: &str,
    owner: Option<(u32, u32)>,
) -> Result<(), Error> {
    let mut f = std::fs::File::open(p).map_err(Error::io("open", p))?;
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic).map_err(Error::io("read", p))?;
    let f = std::fs::File::open(p).map_err(Error::io("open", p))?;
    let reader: Box<dyn Read> = if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(flate2::read::MultiGzDecoder::new(f))
    } else {
        Box::new(f)
    };
    let mut a = tar::Archive::new(reader);
    for e in a.entries().map_err(Error::io("read", p))? {
        let mut e = e.map_err(Error::io("read", p))?;
        let name = e
            .path()
            .map_err(Error::io("read", p))?
            .to_string_lossy()
            .into_owned();
        let rel = ignore::clean(&name);
        if rel.is_empty() {
            continue;
        }
        let to = join(dir, &rel);
        w.append_entry(&to, &mut e, owner)?;
    }
    Ok(())
}
