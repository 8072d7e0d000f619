//! The write side of the OCI distribution spec, on the same [`Client`] as
//! the read side (same auth, same observer, same rules for plain http):
//! what `dockling push` sends, request by request.
//!
//! A blob is first asked for with `HEAD /v2/NAME/blobs/DIGEST`: a 200
//! means the registry has it in this repository, and nothing is sent. A
//! blob the registry holds under another repository can be *mounted*:
//! `POST /v2/NAME/blobs/uploads/?mount=DIGEST&from=OTHER` links it without
//! a byte of it (201), or, when the registry cannot, opens an ordinary
//! upload (202). An upload is opened with `POST …/blobs/uploads/` (202 and
//! a `Location`); a small blob is sent whole with `PUT LOCATION?digest=`
//! (monolithic), a large one in pieces, each `PATCH LOCATION` with a
//! `Content-Range: START-END`, the registry answering with the next
//! `Location`, and closed with an empty `PUT LOCATION?digest=`. The
//! registry checks the digest of what it received before it keeps it.
//! Last, the manifest is `PUT /v2/NAME/manifests/TAG`.
//!
//! A push needs a token for `repository:NAME:pull,push` (and `pull` on the
//! repository a blob is mounted from): [`Client::for_push`] makes the
//! client ask for those scopes whatever the challenge names. The bodies of
//! `dockling search` are read here too ([`Client::get_path`]).

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::auth;
use super::client::{Client, ClientError, Exchange, encode, host_of, resolve};
use super::digest::Digest;

/// What a request sends.
pub enum Body<'a> {
    Empty,
    Bytes(&'a [u8]),
    /// `len` bytes of a file from `offset`.
    File {
        path: &'a Path,
        offset: u64,
        len: u64,
    },
}

/// How a blob reached the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// The registry had it in this repository (HEAD 200).
    Exists,
    /// Linked from another repository of the registry (201 to a mount).
    Mounted { from: String },
    /// Uploaded: in one PUT (`chunks` 0) or in `chunks` PATCH requests.
    Uploaded { chunks: usize },
}

/// How a blob is to be uploaded when it must be.
#[derive(Debug, Clone, Copy)]
pub struct UploadPlan {
    /// Blobs above this many bytes go in chunks.
    pub threshold: u64,
    /// The size of a chunk.
    pub chunk: u64,
}

type Response = ureq::http::Response<ureq::Body>;

/// A reader that tells `progress` how many bytes went through it.
struct Counting<'p, R> {
    inner: R,
    progress: &'p dyn Fn(u64),
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.progress)(n as u64);
        Ok(n)
    }
}

impl Client {
    /// The same client, asking the token server for push rights on its
    /// repository and pull rights on each of `from` (mount sources).
    pub fn for_push(mut self, from: &[String]) -> Client {
        self.scopes = std::iter::once(format!("repository:{}:pull,push", self.repository))
            .chain(
                from.iter()
                    .filter(|f| **f != self.repository)
                    .map(|f| format!("repository:{f}:pull")),
            )
            .collect();
        self
    }

    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// Send one request with the current authorization; on a 401 from the
    /// registry, answer its challenge once and send it again.
    pub fn request(
        &mut self,
        method: &'static str,
        url: &str,
        headers: &[(&str, String)],
        body: &Body,
        progress: &dyn Fn(u64),
    ) -> Result<Response, ClientError> {
        let resp = self.send_once(method, url, headers, body, progress)?;
        if resp.status() != 401 {
            return Ok(resp);
        }
        if auth::origin_of(url) != auth::origin_of(&self.origin) {
            return Err(ClientError::Refused(crate::msg!(
                crate::messages::PUSH_WANTS_CREDENTIALS,
                host = host_of(url),
                registry = host_of(&self.origin)
            )));
        }
        self.answer_401(resp.headers(), url)?;
        let resp = self.send_once(method, url, headers, body, progress)?;
        if resp.status() == 401 || resp.status() == 403 {
            return Err(ClientError::Auth(crate::msg!(
                crate::messages::PUSH_DENIED,
                method = method,
                url = url,
                status = resp.status()
            )));
        }
        Ok(resp)
    }

    fn send_once(
        &mut self,
        method: &'static str,
        url: &str,
        headers: &[(&str, String)],
        body: &Body,
        progress: &dyn Fn(u64),
    ) -> Result<Response, ClientError> {
        let same_origin = auth::origin_of(url) == auth::origin_of(&self.origin);
        let authorization = self.authorization.clone().filter(|_| same_origin);
        let mut notes: Vec<String> = headers
            .iter()
            .filter(|(k, _)| *k != "Content-Length")
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        if let Some(a) = &authorization {
            notes.push(format!(
                "Authorization: {} [redacted]",
                a.split(' ').next().unwrap_or("")
            ));
        }
        let result = match method {
            "GET" | "HEAD" | "DELETE" => {
                let mut req = match method {
                    "GET" => self.agent.get(url),
                    "HEAD" => self.agent.head(url),
                    _ => self.agent.delete(url),
                };
                for (k, v) in headers {
                    req = req.header(*k, v);
                }
                if let Some(a) = &authorization {
                    req = req.header("Authorization", a);
                }
                req.call()
            }
            _ => {
                let mut req = match method {
                    "POST" => self.agent.post(url),
                    "PATCH" => self.agent.patch(url),
                    _ => self.agent.put(url),
                };
                for (k, v) in headers {
                    req = req.header(*k, v);
                }
                if let Some(a) = &authorization {
                    req = req.header("Authorization", a);
                }
                match body {
                    Body::Empty => req.header("Content-Length", "0").send_empty(),
                    Body::Bytes(b) => {
                        notes.push(format!("> {} bytes", b.len()));
                        let r = req.send(*b);
                        if r.is_ok() {
                            progress(b.len() as u64);
                        }
                        r
                    }
                    Body::File { path, offset, len } => {
                        notes.push(format!("> {len} bytes of {}", path.display()));
                        let local = |e: std::io::Error| {
                            ClientError::Invalid(format!("{}: {e}", path.display()))
                        };
                        let mut f = std::fs::File::open(path).map_err(local)?;
                        f.seek(SeekFrom::Start(*offset)).map_err(local)?;
                        let mut reader = Counting {
                            inner: std::io::BufReader::with_capacity(1 << 20, f).take(*len),
                            progress,
                        };
                        req.header("Content-Length", len.to_string())
                            .send(ureq::SendBody::from_reader(&mut reader))
                    }
                }
            }
        };
        let resp = result.map_err(|e| self.http_err(url, e))?;
        for h in [
            "www-authenticate",
            "location",
            "range",
            "docker-content-digest",
        ] {
            if let Some(v) = resp.headers().get(h).and_then(|v| v.to_str().ok()) {
                notes.push(format!("< {h}: {v}"));
            }
        }
        self.observe(&Exchange {
            method,
            url: url.to_string(),
            status: resp.status().as_u16(),
            notes,
        });
        Ok(resp)
    }

    fn repo_url(&self, rest: &str) -> String {
        format!("{}/v2/{}/{rest}", self.origin, self.repository)
    }

    /// `HEAD /v2/NAME/blobs/DIGEST`: does the repository have the blob?
    pub fn has_blob(&mut self, d: &Digest) -> Result<bool, ClientError> {
        let url = self.repo_url(&format!("blobs/{d}"));
        let resp = self.request("HEAD", &url, &[], &Body::Empty, &|_| {})?;
        match resp.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            s => Err(unexpected("HEAD", &url, s, resp)),
        }
    }

    /// Open an upload, or mount `d` from the repository `from`: `None`
    /// when the registry mounted it, else the upload's location.
    pub fn start_upload(
        &mut self,
        mount: Option<(&Digest, &str)>,
    ) -> Result<Option<String>, ClientError> {
        let url = match mount {
            Some((d, from)) => self.repo_url(&format!(
                "blobs/uploads/?mount={}&from={}",
                encode(&d.to_string()),
                encode(from)
            )),
            None => self.repo_url("blobs/uploads/"),
        };
        let resp = self.request("POST", &url, &[], &Body::Empty, &|_| {})?;
        match resp.status().as_u16() {
            201 if mount.is_some() => Ok(None),
            202 => Ok(Some(self.location(&url, &resp)?)),
            s => Err(unexpected("POST", &url, s, resp)),
        }
    }

    fn location(&self, url: &str, resp: &Response) -> Result<String, ClientError> {
        let loc = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ClientError::Http {
                url: url.into(),
                message: "an upload answer without a Location".into(),
            })?;
        let abs = resolve(url, loc);
        if auth::origin_of(&abs) != auth::origin_of(&self.origin) {
            return Err(ClientError::Refused(format!(
                "{url}: the registry sent the upload to {}, another host; refused",
                host_of(&abs)
            )));
        }
        Ok(abs)
    }

    /// Send the blob `path` (`size` bytes, digest `d`) into the upload at
    /// `location`: whole, or in chunks when it is larger than the plan's
    /// threshold. Returns the number of PATCH requests (0: monolithic).
    pub fn upload_blob(
        &mut self,
        location: String,
        d: &Digest,
        path: &Path,
        size: u64,
        plan: UploadPlan,
        progress: &dyn Fn(u64),
    ) -> Result<usize, ClientError> {
        let with_digest = |loc: &str| {
            let sep = if loc.contains('?') { '&' } else { '?' };
            format!("{loc}{sep}digest={}", encode(&d.to_string()))
        };
        let octets = ("Content-Type", "application/octet-stream".to_string());
        if size <= plan.threshold {
            let url = with_digest(&location);
            let body = Body::File {
                path,
                offset: 0,
                len: size,
            };
            let resp = self.request("PUT", &url, &[octets], &body, progress)?;
            return created("PUT", &url, resp).map(|()| 0);
        }
        let chunk = plan.chunk.max(1);
        let mut location = location;
        let mut offset = 0;
        let mut chunks = 0;
        while offset < size {
            let len = chunk.min(size - offset);
            let range = format!("{}-{}", offset, offset + len - 1);
            let headers = [octets.clone(), ("Content-Range", range)];
            let body = Body::File { path, offset, len };
            let resp = self.request("PATCH", &location, &headers, &body, progress)?;
            let status = resp.status().as_u16();
            if status != 202 {
                return Err(unexpected("PATCH", &location, status, resp));
            }
            location = self.location(&location, &resp)?;
            offset += len;
            chunks += 1;
        }
        let url = with_digest(&location);
        let resp = self.request("PUT", &url, &[], &Body::Empty, &|_| {})?;
        created("PUT", &url, resp).map(|()| chunks)
    }

    /// A blob into this repository, the cheapest way: nothing if it is
    /// there, a mount from one of `from` (repositories of the same
    /// registry said to hold it), else an upload.
    pub fn push_blob(
        &mut self,
        d: &Digest,
        path: &Path,
        size: u64,
        from: &[String],
        plan: UploadPlan,
        progress: &dyn Fn(u64),
    ) -> Result<Sent, ClientError> {
        if self.has_blob(d)? {
            return Ok(Sent::Exists);
        }
        // One mount is tried: a registry that cannot mount opens an
        // ordinary upload instead, which is used.
        let location = match from.iter().find(|f| **f != self.repository) {
            Some(f) => match self.start_upload(Some((d, f)))? {
                None => return Ok(Sent::Mounted { from: f.clone() }),
                Some(loc) => loc,
            },
            None => self.start_upload(None)?.ok_or_else(|| ClientError::Http {
                url: self.repo_url("blobs/uploads/"),
                message: "no upload location".into(),
            })?,
        };
        let chunks = self.upload_blob(location, d, path, size, plan, progress)?;
        Ok(Sent::Uploaded { chunks })
    }

    /// `PUT /v2/NAME/manifests/REFERENCE`; the digest the registry gave it.
    pub fn put_manifest(
        &mut self,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Digest, ClientError> {
        let url = self.repo_url(&format!("manifests/{reference}"));
        let headers = [("Content-Type", media_type.to_string())];
        let resp = self.request("PUT", &url, &headers, &Body::Bytes(bytes), &|_| {})?;
        let ours = Digest::of(bytes);
        let theirs = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<Digest>().ok());
        created("PUT", &url, resp)?;
        match theirs {
            Some(t) if t != ours => Err(ClientError::DigestMismatch {
                what: "manifest",
                digest: ours,
                actual: t,
            }),
            _ => Ok(ours),
        }
    }

    /// GET a path of the registry's origin (`/v2/_catalog`, `/v1/search?…`):
    /// its status and body (at most `cap` bytes).
    pub fn get_path(&mut self, path: &str, cap: u64) -> Result<(u16, Vec<u8>), ClientError> {
        let url = format!("{}{path}", self.origin);
        let resp = self.request("GET", &url, &[], &Body::Empty, &|_| {})?;
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        resp.into_body()
            .into_reader()
            .take(cap + 1)
            .read_to_end(&mut body)
            .map_err(|e| ClientError::Http {
                url: url.clone(),
                message: e.to_string(),
            })?;
        if body.len() as u64 > cap {
            return Err(ClientError::Invalid(format!(
                "{url}: more than {cap} bytes"
            )));
        }
        Ok((status, body))
    }
}

/// A 201, or an error with what the registry said.
fn created(method: &str, url: &str, resp: Response) -> Result<(), ClientError> {
    let status = resp.status().as_u16();
    if status == 201 {
        Ok(())
    } else {
        Err(unexpected(method, url, status, resp))
    }
}

/// An unexpected answer, with the first error code of the registry's JSON
/// body (`{"errors":[{"code":"DIGEST_INVALID","message":…}]}`).
fn unexpected(method: &str, url: &str, status: u16, resp: Response) -> ClientError {
    let mut body = Vec::new();
    let _ = resp
        .into_body()
        .into_reader()
        .take(64 << 10)
        .read_to_end(&mut body);
    let detail = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            let e = v.get("errors")?.get(0)?;
            Some(format!(
                " ({}: {})",
                e.get("code")?.as_str()?,
                e.get("message").and_then(|m| m.as_str()).unwrap_or("")
            ))
        })
        .unwrap_or_default();
    ClientError::Http {
        url: url.into(),
        message: format!("{method} answered {status}{detail}"),
    }
}
