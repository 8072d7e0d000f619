//! A registry client for the read side of the OCI distribution spec:
//! `GET /v2/NAME/manifests/REF` and `GET /v2/NAME/blobs/DIGEST`.
//!
//! It answers `401` challenges (see [`super::auth`]) and retries once,
//! follows redirects itself (blobs are often served from a CDN or object
//! store on another host) and sends the `Authorization` header only to
//! the registry's own origin, never to a host it was redirected to. Plain
//! http is used only for loopback registries or when the caller allows it.
//! Every exchange is reported to an observer, with tokens redacted, so a
//! lesson can show the real requests of a pull.

use std::io::{Read, Write};
use std::time::Duration;

use super::auth::{self, Credentials};
use super::digest::{Digest, Hashing};
use super::manifest::{self, Descriptor};
use super::reference::Reference;

/// One request and its answer, as a lesson shows them.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: &'static str,
    pub url: String,
    pub status: u16,
    /// Request and response headers worth showing; secrets redacted.
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{url}: {message}")]
    Http { url: String, message: String },
    #[error("{0}")]
    Auth(String),
    #[error("{what} {digest}: the registry sent content whose digest is {actual}")]
    DigestMismatch {
        what: &'static str,
        digest: Digest,
        actual: Digest,
    },
    #[error("{0}")]
    Invalid(String),
    /// An index without this machine's (or the asked) platform.
    #[error("{0}")]
    NoPlatform(String),
}

/// What a reference means for one platform: its manifest.
pub struct Resolved {
    pub bytes: Vec<u8>,
    pub digest: Digest,
    pub manifest: manifest::Manifest,
}

pub struct Client {
    agent: ureq::Agent,
    /// `https://host` or `http://host`.
    origin: String,
    repository: String,
    credentials: Option<Credentials>,
    /// The Authorization header that worked last (Basic or Bearer).
    authorization: Option<String>,
    observer: Observer,
}

/// Where exchanges are reported; shared by the clients of parallel layer
/// downloads.
pub type Observer = std::sync::Arc<std::sync::Mutex<dyn FnMut(&Exchange) + Send>>;

const MAX_REDIRECTS: usize = 5;

impl Client {
    /// A client for the repository of `r`. `insecure` allows plain http
    /// for a non-loopback registry (`--insecure-registry`).
    pub fn new(
        r: &Reference,
        credentials: Option<Credentials>,
        insecure: bool,
        observer: Observer,
    ) -> Client {
        let scheme = if r.is_loopback() || insecure {
            "http"
        } else {
            "https"
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .user_agent("dockling")
            .build()
            .into();
        Client {
            agent,
            origin: format!("{scheme}://{}", r.api_host()),
            repository: r.repository.clone(),
            credentials,
            authorization: None,
            observer,
        }
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Another client for the same repository with the same authorization,
    /// for a download on another thread.
    pub fn fork(&self) -> Client {
        Client {
            agent: self.agent.clone(),
            origin: self.origin.clone(),
            repository: self.repository.clone(),
            credentials: self.credentials.clone(),
            authorization: self.authorization.clone(),
            observer: self.observer.clone(),
        }
    }

    fn observe(&self, e: &Exchange) {
        let mut o = self.observer.lock().unwrap_or_else(|p| p.into_inner());
        (*o)(e);
    }

    /// GET a path below /v2/NAME/, answering one auth challenge and
    /// following redirects; returns the final response.
    fn get(
        &mut self,
        path: &str,
        accept: Option<&str>,
    ) -> Result<ureq::http::Response<ureq::Body>, ClientError> {
        let url = format!("{}/v2/{}/{path}", self.origin, self.repository);
        self.get_authorized(&url, accept)
    }

    /// GET `url`; on 401, answer the challenge once and ask again.
    fn get_authorized(
        &mut self,
        url: &str,
        accept: Option<&str>,
    ) -> Result<ureq::http::Response<ureq::Body>, ClientError> {
        let resp = self.get_url(url, accept)?;
        if resp.status() != 401 {
            return Ok(resp);
        }
        let challenge = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .and_then(auth::parse_challenge)
            .ok_or_else(|| {
                ClientError::Auth(format!(
                    "{url}: 401 without a usable WWW-Authenticate challenge"
                ))
            })?;
        self.authorization = Some(self.answer(&challenge)?);
        let resp = self.get_url(url, accept)?;
        if resp.status() == 401 || resp.status() == 403 {
            return Err(ClientError::Auth(format!(
                "{url}: {} even with credentials{}",
                resp.status(),
                if self.credentials.is_some() {
                    " (wrong user or password? `dockling login` stores them)"
                } else {
                    " (this registry needs a login: `dockling login HOST`)"
                }
            )));
        }
        Ok(resp)
    }

    /// The Authorization header for a challenge.
    fn answer(&mut self, c: &auth::Challenge) -> Result<String, ClientError> {
        match c.scheme.as_str() {
            "basic" => self
                .credentials
                .as_ref()
                .map(Credentials::basic_header)
                .ok_or_else(|| {
                    ClientError::Auth(format!(
                        "{} wants a user and password (Basic auth): run `dockling login {}` first",
                        self.origin,
                        self.origin.split("://").nth(1).unwrap_or("")
                    ))
                }),
            "bearer" => {
                let realm = c
                    .params
                    .get("realm")
                    .ok_or_else(|| ClientError::Auth("Bearer challenge without a realm".into()))?;
                let scope = c
                    .params
                    .get("scope")
                    .cloned()
                    .unwrap_or_else(|| format!("repository:{}:pull", self.repository));
                let mut url = format!("{realm}?scope={}", encode(&scope));
                if let Some(s) = c.params.get("service") {
                    url.push_str(&format!("&service={}", encode(s)));
                }
                let mut req = self.agent.get(&url);
                if let Some(creds) = &self.credentials {
                    req = req.header("Authorization", creds.basic_header());
                }
                let resp = req.call().map_err(|e| http_err(&url, e))?;
                let status = resp.status().as_u16();
                self.observe(&Exchange {
                    method: "GET",
                    url: url.clone(),
                    status,
                    notes: vec![format!(
                        "token request{}",
                        if self.credentials.is_some() {
                            " with the stored credentials"
                        } else {
                            " (anonymous)"
                        }
                    )],
                });
                if status != 200 {
                    return Err(ClientError::Auth(format!(
                        "token server {realm} answered {status}"
                    )));
                }
                let body = resp
                    .into_body()
                    .with_config()
                    .limit(1 << 20)
                    .read_to_vec()
                    .map_err(|e| http_err(&url, e))?;
                let token = auth::token_from(&body).ok_or_else(|| {
                    ClientError::Auth(format!("token server {realm} sent no token"))
                })?;
                Ok(format!("Bearer {token}"))
            }
            other => Err(ClientError::Auth(format!(
                "unsupported auth scheme {other:?}"
            ))),
        }
    }

    fn get_url(
        &mut self,
        start: &str,
        accept: Option<&str>,
    ) -> Result<ureq::http::Response<ureq::Body>, ClientError> {
        let mut url = start.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let mut req = self.agent.get(&url);
            if let Some(a) = accept {
                req = req.header("Accept", a);
            }
            let same_origin = url == self.origin || url.starts_with(&format!("{}/", self.origin));
            let authorized = same_origin && self.authorization.is_some();
            if authorized {
                req = req.header(
                    "Authorization",
                    self.authorization.clone().unwrap_or_default(),
                );
            }
            let resp = req.call().map_err(|e| http_err(&url, e))?;
            let status = resp.status().as_u16();
            let header = |name: &str| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let mut notes = Vec::new();
            if let Some(a) = accept {
                notes.push(
                    format!("Accept: {}", a.split(',').next().unwrap_or(a).trim()).to_string()
                        + if a.contains(',') { ", …" } else { "" },
                );
            }
            if authorized {
                let scheme = self
                    .authorization
                    .as_deref()
                    .unwrap_or("")
                    .split(' ')
                    .next()
                    .unwrap_or("");
                notes.push(format!("Authorization: {scheme} [redacted]"));
            }
            for h in [
                "www-authenticate",
                "content-type",
                "docker-content-digest",
                "content-length",
                "location",
            ] {
                if let Some(v) = header(h) {
                    notes.push(format!("< {h}: {v}"));
                }
            }
            self.observe(&Exchange {
                method: "GET",
                url: url.clone(),
                status,
                notes,
            });
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let location = header("location").ok_or_else(|| ClientError::Http {
                    url: url.clone(),
                    message: format!("{status} without a Location"),
                })?;
                url = resolve(&url, &location);
                if url.starts_with("http://") && self.origin.starts_with("https://") {
                    return Err(ClientError::Http {
                        url,
                        message: "redirected from https to plain http; refused".into(),
                    });
                }
                continue;
            }
            return Ok(resp);
        }
        Err(ClientError::Http {
            url: start.into(),
            message: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    /// `GET /v2/`: is this a registry, and do the credentials work?
    pub fn ping(&mut self) -> Result<(), ClientError> {
        let url = format!("{}/v2/", self.origin);
        let resp = self.get_authorized(&url, None)?;
        check_status(&url, resp.status().as_u16(), "registry API")
    }

    /// The manifest (or index) for `reference`: its bytes, their digest
    /// and their kind. When asked by digest, the bytes must hash to it.
    pub fn manifest(
        &mut self,
        reference: &str,
    ) -> Result<(Vec<u8>, Digest, manifest::Kind), ClientError> {
        let resp = self.get(&format!("manifests/{reference}"), Some(manifest::ACCEPT))?;
        let url = format!(
            "{}/v2/{}/manifests/{reference}",
            self.origin, self.repository
        );
        check_status(&url, resp.status().as_u16(), "manifest")?;
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if let Some(len) = content_length(&resp)
            && len > manifest::MAX_MANIFEST
        {
            return Err(ClientError::Invalid(format!(
                "{url}: the manifest is {len} bytes, more than the {} allowed",
                manifest::MAX_MANIFEST
            )));
        }
        let body = read_capped(resp, manifest::MAX_MANIFEST, &url)?;
        let digest = Digest::of(&body);
        if reference.starts_with("sha256:") {
            let want: Digest = reference.parse().map_err(ClientError::Invalid)?;
            if want != digest {
                return Err(ClientError::DigestMismatch {
                    what: "manifest",
                    digest: want,
                    actual: digest,
                });
            }
        }
        let kind = manifest::kind(&content_type, &body).map_err(ClientError::Invalid)?;
        Ok((body, digest, kind))
    }

    /// The manifest `reference` means for `platform`: GET it, and when it
    /// is an index, choose the platform's entry (`chosen` hears which, in
    /// between the two requests) and GET that by digest.
    pub fn resolve(
        &mut self,
        reference: &str,
        platform: &manifest::Platform,
        chosen: &mut dyn FnMut(&manifest::Index, &Descriptor),
    ) -> Result<Resolved, ClientError> {
        let (mut bytes, mut digest, kind) = self.manifest(reference)?;
        if kind == manifest::Kind::Index {
            let index: manifest::Index = serde_json::from_slice(&bytes)
                .map_err(|e| ClientError::Invalid(format!("index {digest}: {e}")))?;
            let entry = index.select(platform).map_err(ClientError::NoPlatform)?;
            chosen(&index, entry);
            let (b, d, k) = self.manifest(&entry.digest.to_string())?;
            if k != manifest::Kind::Manifest {
                return Err(ClientError::Invalid(format!(
                    "{d}: an index inside an index"
                )));
            }
            (bytes, digest) = (b, d);
        }
        let manifest = serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Invalid(format!("manifest {digest}: {e}")))?;
        Ok(Resolved {
            bytes,
            digest,
            manifest,
        })
    }

    /// A small blob (a config or a manifest by digest), read whole, capped
    /// and verified.
    pub fn small_blob(&mut self, d: &Descriptor, cap: u64) -> Result<Vec<u8>, ClientError> {
        if d.size > cap {
            return Err(ClientError::Invalid(format!(
                "blob {} claims {} bytes, more than the {cap} allowed",
                d.digest, d.size
            )));
        }
        let mut reader = self.blob(d)?;
        let mut buf = Vec::new();
        (&mut reader)
            .take(cap + 1)
            .read_to_end(&mut buf)
            .map_err(|e| ClientError::Invalid(e.to_string()))?;
        reader.verify()?;
        Ok(buf)
    }

    /// A blob as a stream that hashes what it reads; [`BlobReader::verify`]
    /// at the end compares the digest and the size with the descriptor.
    pub fn blob(&mut self, d: &Descriptor) -> Result<BlobReader, ClientError> {
        let resp = self.get(&format!("blobs/{}", d.digest), None)?;
        let url = format!("{}/v2/{}/blobs/{}", self.origin, self.repository, d.digest);
        check_status(&url, resp.status().as_u16(), "blob")?;
        // Never more than the descriptor says: one byte over is caught.
        let body: Box<dyn Read + Send> = Box::new(resp.into_body().into_reader().take(d.size + 1));
        Ok(BlobReader {
            inner: Hashing::new(body),
            descriptor: d.clone(),
            tee: None,
        })
    }
}

pub struct BlobReader {
    inner: Hashing<Box<dyn Read + Send>>,
    descriptor: Descriptor,
    /// A copy of the bytes goes here as they are read (the store's blob).
    tee: Option<Box<dyn std::io::Write + Send>>,
}

impl BlobReader {
    /// A blob from somewhere else than a registry (a file of an OCI layout
    /// or a `docker save` archive), checked the same way.
    pub fn local(reader: Box<dyn Read + Send>, d: &Descriptor) -> BlobReader {
        BlobReader {
            inner: Hashing::new(Box::new(reader.take(d.size + 1))),
            descriptor: d.clone(),
            tee: None,
        }
    }

    pub fn bytes_read(&self) -> u64 {
        self.inner.count
    }

    /// Also write every byte read to `w`.
    pub fn tee(mut self, w: Box<dyn std::io::Write + Send>) -> Self {
        self.tee = Some(w);
        self
    }

    /// Drain what is left, then check size and digest.
    pub fn verify(mut self) -> Result<(), ClientError> {
        let d = self.descriptor.clone();
        std::io::copy(&mut self, &mut std::io::sink())
            .map_err(|e| ClientError::Invalid(format!("blob {}: {e}", d.digest)))?;
        if let Some(t) = self.tee.as_mut() {
            t.flush()
                .map_err(|e| ClientError::Invalid(format!("blob {}: {e}", d.digest)))?;
        }
        let inner = self.inner;
        let count = inner.count;
        let actual = inner
            .finish()
            .map_err(|e| ClientError::Invalid(e.to_string()))?;
        if count != d.size {
            return Err(ClientError::Invalid(format!(
                "blob {}: {count} bytes received, the manifest says {}",
                d.digest, d.size
            )));
        }
        if actual != d.digest {
            return Err(ClientError::DigestMismatch {
                what: "blob",
                digest: d.digest,
                actual,
            });
        }
        Ok(())
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(t) = self.tee.as_mut() {
            t.write_all(&buf[..n])?;
        }
        Ok(n)
    }
}

fn content_length(resp: &ureq::http::Response<ureq::Body>) -> Option<u64> {
    resp.headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

fn read_capped(
    resp: ureq::http::Response<ureq::Body>,
    cap: u64,
    url: &str,
) -> Result<Vec<u8>, ClientError> {
    let mut buf = Vec::new();
    resp.into_body()
        .into_reader()
        .take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ClientError::Http {
            url: url.into(),
            message: e.to_string(),
        })?;
    if buf.len() as u64 > cap {
        return Err(ClientError::Invalid(format!(
            "{url}: more than {cap} bytes"
        )));
    }
    Ok(buf)
}

fn check_status(url: &str, status: u16, what: &str) -> Result<(), ClientError> {
    match status {
        200 => Ok(()),
        404 => Err(ClientError::Http {
            url: url.into(),
            message: format!("{what} not found (404): check the name and the tag"),
        }),
        s => Err(ClientError::Http {
            url: url.into(),
            message: format!("the registry answered {s}"),
        }),
    }
}

fn http_err(url: &str, e: ureq::Error) -> ClientError {
    ClientError::Http {
        url: url.into(),
        message: e.to_string(),
    }
}

/// Percent-encode a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A Location header against the URL it came from.
fn resolve(base: &str, location: &str) -> String {
    if location.contains("://") {
        return location.into();
    }
    let origin_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let origin = match base[origin_end..].find('/') {
        Some(i) => &base[..origin_end + i],
        None => base,
    };
    if location.starts_with('/') {
        format!("{origin}{location}")
    } else {
        let dir = &base[..base.rfind('/').map(|i| i + 1).unwrap_or(base.len())];
        format!("{dir}{location}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_and_queries_encode() {
        assert_eq!(resolve("http://a:1/v2/x/blobs/s", "/b/c"), "http://a:1/b/c");
        assert_eq!(
            resolve("http://a:1/v2/x/blobs/s", "http://b:2/z"),
            "http://b:2/z"
        );
        assert_eq!(
            resolve("http://a:1/v2/x/blobs/s", "t?q=1"),
            "http://a:1/v2/x/blobs/t?q=1"
        );
        assert_eq!(encode("repository:a/b:pull"), "repository%3Aa%2Fb%3Apull");
    }
}
