//! A registry client for the read side of the OCI distribution spec:
//! `GET /v2/NAME/manifests/REF` and `GET /v2/NAME/blobs/DIGEST`.
//!
//! It answers `401` challenges (see [`super::auth`]) and retries once,
//! follows redirects itself (blobs are often served from a CDN or object
//! store on another host) and sends the `Authorization` header only to
//! the registry's own origin, never to a host it was redirected to; a
//! challenge from such a host is refused, not answered, so the user's
//! credentials go only to the registry and the token server it names.
//! Plain http is used only for loopback registries or when the caller
//! allows it. Every socket read has a deadline (the stall timeout,
//! `DOCKLING_PULL_TIMEOUT`): a registry that stops sending ends the
//! download with an error naming it, however big the blob. Every exchange
//! is reported to an observer, with tokens redacted, so a lesson can show
//! the real requests of a pull.

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
    /// Credentials would have gone where they must not: a token realm over
    /// plain http off loopback, or a host the registry redirected to.
    #[error("{0}")]
    Refused(String),
    #[error("{}", crate::msg!(crate::messages::DIGEST_MISMATCH, what = .what, digest = .digest, actual = .actual))]
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
    /// Nothing arrived for the stall timeout.
    #[error("{}", crate::msg!(crate::messages::STALLED, host = .host, secs = .secs))]
    Stalled { host: String, secs: u64 },
    /// The local copy of a blob could not be written (a full disk).
    #[error("{}", crate::msg!(crate::messages::LOCAL_COPY, digest = .digest))]
    Local {
        digest: Digest,
        #[source]
        source: std::io::Error,
    },
}

/// What a reference means for one platform: its manifest.
pub struct Resolved {
    pub bytes: Vec<u8>,
    pub digest: Digest,
    pub manifest: manifest::Manifest,
    /// The index it was chosen from (its bytes as the registry sent them,
    /// and their digest), when the reference named one.
    pub index: Option<(Vec<u8>, Digest)>,
}

pub struct Client {
    pub(super) agent: ureq::Agent,
    /// `https://host` or `http://host`.
    pub(super) origin: String,
    pub(super) repository: String,
    credentials: Option<Credentials>,
    /// The Authorization header that worked last (Basic or Bearer).
    pub(super) authorization: Option<String>,
    observer: Observer,
    /// Plain http allowed off loopback (`--insecure-registry`), token realms included.
    insecure: bool,
    /// How long one socket read may wait for a byte.
    stall: Duration,
    /// The scopes a token is asked for instead of the challenge's (a push
    /// asks for `repository:NAME:pull,push`, see [`super::upload`]).
    pub(super) scopes: Vec<String>,
}

/// Where exchanges are reported; shared by the clients of parallel layer
/// downloads.
pub type Observer = std::sync::Arc<std::sync::Mutex<dyn FnMut(&Exchange) + Send>>;

const MAX_REDIRECTS: usize = 5;

/// How long a download may receive nothing before it is given up
/// (docker has no such limit and hangs; 30 s is well above a slow
/// network's pauses).
pub const DEFAULT_STALL: Duration = Duration::from_secs(30);
/// The environment variable that sets the stall timeout, in seconds.
pub const STALL_ENV: &str = "DOCKLING_PULL_TIMEOUT";

/// The stall timeout from [`STALL_ENV`] (`30`, `30s`, `2m`), or the default.
pub fn stall_timeout_from_env() -> Result<Duration, String> {
    match std::env::var(STALL_ENV) {
        Ok(v) => parse_timeout(&v).map_err(|e| format!("{STALL_ENV}={v:?}: {e}")),
        Err(_) => Ok(DEFAULT_STALL),
    }
}

/// Seconds, optionally with `s` or `m`: `30`, `30s`, `2m`; more than zero.
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, mult) = match t.strip_suffix('m') {
        Some(n) => (n, 60),
        None => (t.strip_suffix('s').unwrap_or(t), 1),
    };
    match num.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(Duration::from_secs(n * mult)),
        _ => Err("expected a number of seconds greater than 0, e.g. 30 or 2m".into()),
    }
}

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
        Client {
            agent: agent(DEFAULT_STALL),
            origin: format!("{scheme}://{}", r.api_host()),
            repository: r.repository.clone(),
            credentials,
            authorization: None,
            observer,
            insecure,
            stall: DEFAULT_STALL,
            scopes: Vec::new(),
        }
    }

    /// The same client with another stall timeout: the longest a socket
    /// read (of headers or of a body) may wait.
    pub fn with_stall_timeout(mut self, stall: Duration) -> Client {
        self.agent = agent(stall);
        self.stall = stall;
        self
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
            insecure: self.insecure,
            stall: self.stall,
            scopes: self.scopes.clone(),
        }
    }

    pub(super) fn observe(&self, e: &Exchange) {
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
        let (resp, at) = self.get_url(url, accept)?;
        if resp.status() != 401 {
            return Ok(resp);
        }
        // Only the registry's own challenge is answered: a host it
        // redirected to gets neither the password nor a token.
        if auth::origin_of(&at) != auth::origin_of(&self.origin) {
            return Err(ClientError::Refused(crate::msg!(
                crate::messages::REDIRECT_WANTS_CREDENTIALS,
                host = host_of(&at),
                registry = host_of(&self.origin)
            )));
        }
        self.answer_401(resp.headers(), url)?;
        let (resp, _) = self.get_url(url, accept)?;
        if resp.status() == 401 || resp.status() == 403 {
            let denied = if self.credentials.is_some() {
                crate::messages::DENIED_WRONG_LOGIN
            } else {
                crate::messages::DENIED_NO_LOGIN
            };
            return Err(ClientError::Auth(crate::msg!(
                denied,
                url = url,
                status = resp.status()
            )));
        }
        Ok(resp)
    }

    /// Answer a 401's `WWW-Authenticate` challenge: the Authorization
    /// header every later request of this client sends.
    pub(super) fn answer_401(
        &mut self,
        headers: &ureq::http::HeaderMap,
        url: &str,
    ) -> Result<(), ClientError> {
        let challenge = headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .and_then(auth::parse_challenge)
            .ok_or_else(|| {
                ClientError::Auth(crate::msg!(crate::messages::NO_CHALLENGE, url = url))
            })?;
        self.authorization = Some(self.answer(&challenge)?);
        Ok(())
    }

    /// The Authorization header for a challenge.
    pub(super) fn answer(&mut self, c: &auth::Challenge) -> Result<String, ClientError> {
        match c.scheme.as_str() {
            "basic" => self
                .credentials
                .as_ref()
                .map(Credentials::basic_header)
                .ok_or_else(|| {
                    ClientError::Auth(crate::msg!(
                        crate::messages::BASIC_NEEDS_LOGIN,
                        origin = self.origin,
                        host = self.origin.split("://").nth(1).unwrap_or("")
                    ))
                }),
            "bearer" => {
                let realm = c.params.get("realm").ok_or_else(|| {
                    ClientError::Auth(crate::messages::BEARER_NO_REALM.to_string())
                })?;
                auth::check_realm(realm, self.insecure).map_err(|e| {
                    ClientError::Refused(crate::msg!(
                        crate::messages::REALM_REFUSED,
                        host = host_of(&self.origin),
                        reason = e
                    ))
                })?;
                let scopes = if self.scopes.is_empty() {
                    vec![
                        c.params
                            .get("scope")
                            .cloned()
                            .unwrap_or_else(|| format!("repository:{}:pull", self.repository)),
                    ]
                } else {
                    self.scopes.clone()
                };
                let mut url = format!(
                    "{realm}?{}",
                    scopes
                        .iter()
                        .map(|s| format!("scope={}", encode(s)))
                        .collect::<Vec<_>>()
                        .join("&")
                );
                if let Some(s) = c.params.get("service") {
                    url.push_str(&format!("&service={}", encode(s)));
                }
                let mut req = self.agent.get(&url);
                if let Some(creds) = &self.credentials {
                    req = req.header("Authorization", creds.basic_header());
                }
                let resp = req.call().map_err(|e| self.http_err(&url, e))?;
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
                    return Err(ClientError::Auth(crate::msg!(
                        crate::messages::TOKEN_ANSWERED,
                        realm = realm,
                        status = status
                    )));
                }
                let body = resp
                    .into_body()
                    .with_config()
                    .limit(1 << 20)
                    .read_to_vec()
                    .map_err(|e| self.http_err(&url, e))?;
                let token = auth::token_from(&body).ok_or_else(|| {
                    ClientError::Auth(crate::msg!(crate::messages::TOKEN_NONE, realm = realm))
                })?;
                Ok(format!("Bearer {token}"))
            }
            other => Err(ClientError::Auth(crate::msg!(
                crate::messages::AUTH_SCHEME,
                scheme = format!("{other:?}")
            ))),
        }
    }

    /// GET `start`, following redirects; the final response and its URL.
    fn get_url(
        &mut self,
        start: &str,
        accept: Option<&str>,
    ) -> Result<(ureq::http::Response<ureq::Body>, String), ClientError> {
        let mut url = start.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let mut req = self.agent.get(&url);
            if let Some(a) = accept {
                req = req.header("Accept", a);
            }
            let same_origin = auth::origin_of(&url) == auth::origin_of(&self.origin);
            let authorized = same_origin && self.authorization.is_some();
            if authorized {
                req = req.header(
                    "Authorization",
                    self.authorization.clone().unwrap_or_default(),
                );
            }
            let resp = req.call().map_err(|e| self.http_err(&url, e))?;
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
            return Ok((resp, url));
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
        let body = self.read_capped(resp, manifest::MAX_MANIFEST, &url)?;
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
        let mut from_index = None;
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
            from_index = Some((
                std::mem::replace(&mut bytes, b),
                std::mem::replace(&mut digest, d),
            ));
        }
        let manifest = serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Invalid(format!("manifest {digest}: {e}")))?;
        Ok(Resolved {
            bytes,
            digest,
            manifest,
            index: from_index,
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
        if let Err(e) = (&mut reader).take(cap + 1).read_to_end(&mut buf) {
            return Err(reader
                .fault
                .take()
                .unwrap_or_else(|| ClientError::Invalid(e.to_string())));
        }
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
            source: Some((host_of(&url).to_string(), self.stall.as_secs())),
            fault: None,
        })
    }

    /// A failed request as an error: a read that timed out is a stall of
    /// this host.
    pub(super) fn http_err(&self, url: &str, e: ureq::Error) -> ClientError {
        match e {
            ureq::Error::Timeout(ureq::Timeout::PerRead) => ClientError::Stalled {
                host: host_of(url).to_string(),
                secs: self.stall.as_secs(),
            },
            e => ClientError::Http {
                url: url.into(),
                message: e.to_string(),
            },
        }
    }

    fn read_capped(
        &self,
        resp: ureq::http::Response<ureq::Body>,
        cap: u64,
        url: &str,
    ) -> Result<Vec<u8>, ClientError> {
        let mut buf = Vec::new();
        resp.into_body()
            .into_reader()
            .take(cap + 1)
            .read_to_end(&mut buf)
            .map_err(|e| {
                if is_timeout(&e) {
                    ClientError::Stalled {
                        host: host_of(url).to_string(),
                        secs: self.stall.as_secs(),
                    }
                } else {
                    ClientError::Http {
                        url: url.into(),
                        message: e.to_string(),
                    }
                }
            })?;
        if buf.len() as u64 > cap {
            return Err(ClientError::Invalid(format!(
                "{url}: more than {cap} bytes"
            )));
        }
        Ok(buf)
    }
}

/// An agent that follows no redirect by itself (the client does, to
/// decide where credentials go) and waits at most `stall` for each read.
fn agent(stall: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(10)))
        // A socket-level deadline per read detects a stall; a deadline for
        // the whole body would cut off a big layer on a slow link.
        .timeout_per_read(Some(stall))
        .user_agent("dockling")
        .build()
        .into()
}

/// Whether a read failed because its deadline passed.
fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    ) || e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<ureq::Error>())
        .is_some_and(|u| matches!(u, ureq::Error::Timeout(_)))
}

/// `host:port` of a URL, for messages.
pub(super) fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

pub struct BlobReader {
    inner: Hashing<Box<dyn Read + Send>>,
    descriptor: Descriptor,
    /// A copy of the bytes goes here as they are read (the store's blob).
    tee: Option<Box<dyn std::io::Write + Send>>,
    /// The host the bytes come from and the stall timeout in seconds
    /// (`None` for a local file).
    source: Option<(String, u64)>,
    /// The first failure of the transfer itself (a stall, a full disk):
    /// what [`BlobReader::verify`] reports, whatever a decompressor or the
    /// unpacker made of the read error it caused.
    fault: Option<ClientError>,
}

impl BlobReader {
    /// A blob from somewhere else than a registry (a file of an OCI layout
    /// or a `docker save` archive), checked the same way.
    pub fn local(reader: Box<dyn Read + Send>, d: &Descriptor) -> BlobReader {
        BlobReader {
            inner: Hashing::new(Box::new(reader.take(d.size + 1))),
            descriptor: d.clone(),
            tee: None,
            source: None,
            fault: None,
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

    /// Drain what is left, then check size and digest. A transfer that
    /// failed reports that failure, without reading any further.
    pub fn verify(mut self) -> Result<(), ClientError> {
        if let Some(f) = self.fault.take() {
            return Err(f);
        }
        let d = self.descriptor.clone();
        if let Err(e) = std::io::copy(&mut self, &mut std::io::sink()) {
            return Err(self
                .fault
                .take()
                .unwrap_or_else(|| ClientError::Invalid(format!("blob {}: {e}", d.digest))));
        }
        if let Some(t) = self.tee.as_mut() {
            t.flush().map_err(|source| ClientError::Local {
                digest: d.digest.clone(),
                source,
            })?;
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
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) => {
                if self.fault.is_none()
                    && let Some((host, secs)) = &self.source
                {
                    self.fault = Some(if is_timeout(&e) {
                        ClientError::Stalled {
                            host: host.clone(),
                            secs: *secs,
                        }
                    } else {
                        ClientError::Http {
                            url: format!("{host}, blob {}", self.descriptor.digest),
                            message: e.to_string(),
                        }
                    });
                }
                return Err(e);
            }
        };
        if let Some(t) = self.tee.as_mut()
            && let Err(e) = t.write_all(&buf[..n])
        {
            let kind = e.kind();
            if self.fault.is_none() {
                self.fault = Some(ClientError::Local {
                    digest: self.descriptor.digest.clone(),
                    source: e,
                });
            }
            return Err(std::io::Error::new(kind, "cannot write the blob's copy"));
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

fn check_status(url: &str, status: u16, what: &str) -> Result<(), ClientError> {
    match status {
        200 => Ok(()),
        404 => Err(ClientError::Http {
            url: url.into(),
            message: crate::msg!(crate::messages::NOT_FOUND, what = what),
        }),
        s => Err(ClientError::Http {
            url: url.into(),
            message: crate::msg!(crate::messages::ANSWERED, status = s),
        }),
    }
}

/// Percent-encode a query value.
pub(super) fn encode(s: &str) -> String {
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
pub(super) fn resolve(base: &str, location: &str) -> String {
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
        assert_eq!(host_of("http://127.0.0.2:99/v2/x?y"), "127.0.0.2:99");
    }

    #[test]
    fn stall_timeouts_parse() {
        assert_eq!(parse_timeout("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_timeout(" 5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_timeout("2m"), Ok(Duration::from_secs(120)));
        for bad in ["0", "", "-1", "1.5", "ten", "5h"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }
}
