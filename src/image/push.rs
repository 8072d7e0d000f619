//! The write side of the registry API, as small as lesson 6 needs: upload
//! a blob (POST an upload, PUT its bytes with their digest) and PUT a
//! manifest. dockling uses it to fill the local registry the tour pulls
//! from; the tests use it to serve any image they like. It also builds an
//! image from a directory: one layer, deterministic (sorted entries, fixed
//! times), so the same rootfs always gives the same digests.

use std::io::Write;
use std::path::Path;

use rootfs_fetch::oci::auth::Credentials;
use rootfs_fetch::oci::digest::Digest;
use rootfs_fetch::oci::manifest;

use crate::error::Error;
use crate::msg;
use crate::narrate::messages::images as m;

/// A registry to push to: `http://HOST` (loopback) and optional Basic
/// credentials.
pub struct Pusher {
    pub origin: String,
    pub credentials: Option<Credentials>,
    agent: ureq::Agent,
}

fn err(what: String) -> Error {
    Error::Hinted {
        message: what,
        hint: msg!(m::PUSH_FAILED_HINT),
    }
}

impl Pusher {
    pub fn new(origin: &str, credentials: Option<Credentials>) -> Pusher {
        Pusher {
            origin: origin.trim_end_matches('/').to_string(),
            credentials,
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .build()
                .into(),
        }
    }

    fn auth<B>(&self, req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.credentials {
            Some(c) => req.header("Authorization", c.basic_header()),
            None => req,
        }
    }

    /// Upload `bytes` as a blob of `repo` (monolithic upload).
    pub fn blob(&self, repo: &str, bytes: &[u8]) -> Result<Digest, Error> {
        let d = Digest::of(bytes);
        let url = format!("{}/v2/{repo}/blobs/uploads/", self.origin);
        let resp = self
            .auth(self.agent.post(&url))
            .send_empty()
            .map_err(|e| err(format!("POST {url}: {e}")))?;
        if resp.status() != 202 {
            return Err(err(format!("POST {url}: {}", resp.status())));
        }
        let loc = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| err(format!("POST {url}: no Location")))?
            .to_string();
        let loc = if loc.starts_with("http") {
            loc
        } else {
            format!("{}{loc}", self.origin)
        };
        let sep = if loc.contains('?') { '&' } else { '?' };
        let put = format!("{loc}{sep}digest={d}");
        let resp = self
            .auth(self.agent.put(&put))
            .header("Content-Type", "application/octet-stream")
            .send(bytes)
            .map_err(|e| err(format!("PUT blob {d}: {e}")))?;
        if resp.status() != 201 {
            return Err(err(format!("PUT blob {d}: {}", resp.status())));
        }
        Ok(d)
    }

    pub fn manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Digest, Error> {
        let url = format!("{}/v2/{repo}/manifests/{reference}", self.origin);
        let resp = self
            .auth(self.agent.put(&url))
            .header("Content-Type", media_type)
            .send(bytes)
            .map_err(|e| err(format!("PUT {url}: {e}")))?;
        if resp.status() != 201 {
            return Err(err(format!("PUT {url}: {}", resp.status())));
        }
        Ok(Digest::of(bytes))
    }

    /// Upload an image's config and layers (bottom first, each with its
    /// media type) and return the bytes of its manifest, OCI or docker
    /// schema2 (`docker`), not yet pushed: an index can list it first.
    pub fn upload(
        &self,
        repo: &str,
        config: &[u8],
        layers: &[(&[u8], &str)],
        docker: bool,
    ) -> Result<Vec<u8>, Error> {
        let cd = self.blob(repo, config)?;
        let mut descs = Vec::new();
        for (bytes, media_type) in layers {
            let d = self.blob(repo, bytes)?;
            descs.push(serde_json::json!({
                "mediaType": media_type, "digest": d.to_string(), "size": bytes.len(),
            }));
        }
        let (manifest_type, config_type) = if docker {
            (manifest::DOCKER_MANIFEST, manifest::DOCKER_CONFIG)
        } else {
            (manifest::OCI_MANIFEST, manifest::OCI_CONFIG)
        };
        let m = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": manifest_type,
            "config": {"mediaType": config_type, "digest": cd.to_string(), "size": config.len()},
            "layers": descs,
        });
        Ok(serde_json::to_vec(&m).expect("json"))
    }

    /// Push an image under `repo:tag` (see [`Pusher::upload`]); returns the
    /// manifest's digest.
    pub fn image(
        &self,
        repo: &str,
        tag: &str,
        config: &[u8],
        layers: &[(&[u8], &str)],
        docker: bool,
    ) -> Result<Digest, Error> {
        let bytes = self.upload(repo, config, layers, docker)?;
        let media_type = if docker {
            manifest::DOCKER_MANIFEST
        } else {
            manifest::OCI_MANIFEST
        };
        self.manifest(repo, tag, media_type, &bytes)
    }
}

/// `dir` as one layer: a tar with sorted entries, owner and mode kept,
/// every mtime set to `mtime`; returns (tar, gzip of it).
pub fn layer_from_dir(dir: &Path, mtime: u64) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let mut b = tar::Builder::new(Vec::new());
    b.follow_symlinks(false);
    b.mode(tar::HeaderMode::Deterministic);
    let mut entries = Vec::new();
    collect(dir, dir, &mut entries)?;
    entries.sort();
    for rel in entries {
        let p = dir.join(&rel);
        let mut h = tar::Header::new_gnu();
        let meta = std::fs::symlink_metadata(&p).map_err(Error::io("read", &p))?;
        h.set_metadata_in_mode(&meta, tar::HeaderMode::Deterministic);
        h.set_mtime(mtime);
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&p).map_err(Error::io("read", &p))?;
            b.append_link(&mut h, &rel, &target)
                .map_err(Error::io("archive", &p))?;
        } else if meta.is_file() {
            let f = std::fs::File::open(&p).map_err(Error::io("open", &p))?;
            b.append_data(&mut h, &rel, f)
                .map_err(Error::io("archive", &p))?;
        } else if meta.is_dir() {
            b.append_data(&mut h, &rel, std::io::empty())
                .map_err(Error::io("archive", &p))?;
        }
    }
    let tar = b.into_inner().map_err(Error::io("archive", dir))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).map_err(Error::io("compress", dir))?;
    let gz = gz.finish().map_err(Error::io("compress", dir))?;
    Ok((tar, gz))
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), Error> {
    for e in std::fs::read_dir(dir).map_err(Error::io("read", dir))? {
        let e = e.map_err(Error::io("read", dir))?;
        let p = e.path();
        out.push(p.strip_prefix(base).expect("below base").to_path_buf());
        if e.file_type().map_err(Error::io("read", &p))?.is_dir() {
            collect(base, &p, out)?;
        }
    }
    Ok(())
}
