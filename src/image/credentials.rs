//! `dockling login`'s credentials: `<data>/auth.json`, readable by root
//! only, in the shape of docker's config.json (`{"auths": {"HOST":
//! {"auth": base64(user:password)}}}`). Credentials are looked up by the
//! registry a reference names and sent only to that registry's origin.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use rootfs_fetch::oci::auth::Credentials;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::msg;
use crate::narrate::messages::images as m;
use crate::paths::Paths;

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    #[serde(default)]
    auths: BTreeMap<String, Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    auth: String,
}

fn path(paths: &Paths) -> PathBuf {
    paths.data.join("auth.json")
}

fn read(paths: &Paths) -> Result<File, Error> {
    let p = path(paths);
    match fs::read(&p) {
        Ok(b) => serde_json::from_slice(&b).map_err(|e| Error::Hinted {
            message: msg!(m::CREDENTIALS_INVALID, path = p.display(), error = e),
            hint: msg!(m::CREDENTIALS_INVALID_HINT),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(File::default()),
        Err(e) => Err(Error::io("read", p)(e)),
    }
}

fn write(paths: &Paths, f: &File) -> Result<(), Error> {
    fs::create_dir_all(&paths.data).map_err(Error::io("create", &paths.data))?;
    let text = serde_json::to_vec_pretty(f).expect("serialises");
    super::store::write_atomic_mode(&path(paths), &text, 0o600)
}

pub fn get(paths: &Paths, registry: &str) -> Result<Option<Credentials>, Error> {
    Ok(read(paths)?
        .auths
        .get(registry)
        .and_then(|e| Credentials::decode(&e.auth)))
}

pub fn store(paths: &Paths, registry: &str, c: &Credentials) -> Result<(), Error> {
    let mut f = read(paths)?;
    f.auths.insert(registry.into(), Entry { auth: c.encode() });
    write(paths, &f)
}

/// Returns whether there was anything to forget.
pub fn forget(paths: &Paths, registry: &str) -> Result<bool, Error> {
    let mut f = read(paths)?;
    let had = f.auths.remove(registry).is_some();
    if had {
        write(paths, &f)?;
    }
    Ok(had)
}
