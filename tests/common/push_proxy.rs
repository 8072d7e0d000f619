//! A registry behind Bearer auth for the push tests: a small HTTP front of
//! our own that demands a token, serves the token (for a user and password,
//! checked) at its own `/token`, and passes every request (any method,
//! with its body) on to a docker-registry, rewriting the registry's upload
//! `Location`s to point back at itself. A token carries the scopes it was
//! asked for: a write needs `push` on the repository, a mount `pull` on the
//! repository it mounts from, a read `pull`, as a real token server's
//! tokens do. It logs every request, so a test can count uploads.
//! (Debian's docker-registry can verify tokens itself, with a certificate
//! and a signed JWT; this front is the lighter honest option: the client
//! sees the same challenges and answers.)

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the front got.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub content_range: Option<String>,
    pub body_len: usize,
}

#[derive(Default)]
struct State {
    log: Vec<Logged>,
    /// Every token issued, with its scopes.
    tokens: BTreeMap<String, Vec<String>>,
    /// The scope parameters of every token request.
    token_scopes: Vec<Vec<String>>,
    /// Token requests refused (wrong or no credentials).
    token_refused: usize,
}

pub struct BearerProxy {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl BearerProxy {
    pub fn start(registry_port: u16, user: &str, password: &str) -> BearerProxy {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let state: Arc<Mutex<State>> = Arc::default();
        let s = state.clone();
        let basic = format!(
            "Basic {}",
            rootfs_fetch::oci::auth::Credentials {
                user: user.into(),
                password: password.into(),
            }
            .encode()
        );
        std::thread::spawn(move || {
            for c in l.incoming().flatten() {
                let (s, basic) = (s.clone(), basic.clone());
                std::thread::spawn(move || {
                    let _ = serve(c, registry_port, port, &basic, &s);
                });
            }
        });
        BearerProxy { port, state }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> Vec<Logged> {
        self.state.lock().unwrap().log.clone()
    }

    pub fn clear_log(&self) {
        self.state.lock().unwrap().log.clear();
    }

    pub fn token_scopes(&self) -> Vec<Vec<String>> {
        self.state.lock().unwrap().token_scopes.clone()
    }

    pub fn token_refused(&self) -> usize {
        self.state.lock().unwrap().token_refused
    }
}

struct Req {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

fn read_req(c: &TcpStream) -> std::io::Result<Req> {
    c.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut r = BufReader::new(c.try_clone()?);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_string();
    let path = parts.next().unwrap_or("/").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    assert!(
        !headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")),
        "the bearer proxy reads bodies by Content-Length only"
    );
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok(Req {
        method,
        path,
        headers,
        body,
    })
}

fn respond(
    c: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    length: Option<usize>,
) -> std::io::Result<()> {
    write!(
        c,
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        length.unwrap_or(body.len())
    )?;
    for (k, v) in headers {
        write!(c, "{k}: {v}\r\n")?;
    }
    write!(c, "\r\n")?;
    c.write_all(body)?;
    c.flush()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query(path: &str) -> Vec<(String, String)> {
    path.split_once('?')
        .map(|(_, q)| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), decode(v)))
                .collect()
        })
        .unwrap_or_default()
}

/// The repository a /v2/ path names, if any.
fn repository(path: &str) -> Option<String> {
    let p = path.split('?').next()?.strip_prefix("/v2/")?;
    for marker in ["/blobs/", "/manifests/", "/tags/"] {
        if let Some(i) = p.find(marker) {
            return Some(p[..i].to_string());
        }
    }
    None
}

/// Whether `scopes` grant `action` on `repo`.
fn grants(scopes: &[String], repo: &str, action: &str) -> bool {
    scopes.iter().any(|s| {
        let mut it = s.splitn(3, ':');
        it.next() == Some("repository")
            && it.next() == Some(repo)
            && it.next().is_some_and(|a| a.split(',').any(|x| x == action))
    })
}

fn serve(
    mut c: TcpStream,
    registry_port: u16,
    port: u16,
    basic: &str,
    state: &Mutex<State>,
) -> std::io::Result<()> {
    let req = read_req(&c)?;
    if req.path.starts_with("/token") {
        let scopes: Vec<String> = query(&req.path)
            .into_iter()
            .filter(|(k, _)| k == "scope")
            .map(|(_, v)| v)
            .collect();
        let mut s = state.lock().unwrap();
        s.token_scopes.push(scopes.clone());
        if req.header("authorization").as_deref() != Some(basic) {
            s.token_refused += 1;
            drop(s);
            return respond(
                &mut c,
                401,
                &[],
                br#"{"details":"wrong credentials"}"#,
                None,
            );
        }
        let token = format!("push-token-{}", s.tokens.len());
        s.tokens.insert(token.clone(), scopes);
        drop(s);
        return respond(
            &mut c,
            200,
            &[("Content-Type".into(), "application/json".into())],
            format!(r#"{{"token":"{token}"}}"#).as_bytes(),
            None,
        );
    }
    let repo = repository(&req.path);
    let write = !matches!(req.method.as_str(), "GET" | "HEAD");
    let action = if write { "push" } else { "pull" };
    let scopes = req
        .header("authorization")
        .and_then(|a| a.strip_prefix("Bearer ").map(str::to_string))
        .and_then(|t| state.lock().unwrap().tokens.get(&t).cloned());
    let allowed = match (&scopes, &repo) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(s), Some(r)) => grants(s, r, action),
    };
    if !allowed {
        let scope = repo
            .as_ref()
            .map(|r| {
                format!(
                    r#",scope="repository:{r}:{}""#,
                    if write { "pull,push" } else { "pull" }
                )
            })
            .unwrap_or_default();
        let challenge =
            format!(r#"Bearer realm="http://127.0.0.1:{port}/token",service="push-test"{scope}"#);
        state.lock().unwrap().log.push(Logged {
            method: req.method.clone(),
            path: req.path.clone(),
            status: 401,
            content_range: req.header("content-range"),
            body_len: req.body.len(),
        });
        return respond(
            &mut c,
            401,
            &[("WWW-Authenticate".into(), challenge)],
            br#"{"errors":[{"code":"UNAUTHORIZED"}]}"#,
            None,
        );
    }
    // A mount needs pull on the repository it mounts from; without it a
    // registry opens an ordinary upload instead.
    let mut path = req.path.clone();
    let q = query(&path);
    if let Some((_, from)) = q.iter().find(|(k, _)| k == "from")
        && !grants(scopes.as_deref().unwrap_or(&[]), from, "pull")
    {
        path = path.split('?').next().unwrap().to_string();
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let url = format!("http://127.0.0.1:{registry_port}{path}");
    let pass = |name: &str| req.header(name);
    let result = match req.method.as_str() {
        "GET" | "HEAD" | "DELETE" => {
            let mut r = match req.method.as_str() {
                "GET" => agent.get(&url),
                "HEAD" => agent.head(&url),
                _ => agent.delete(&url),
            };
            if let Some(a) = pass("accept") {
                r = r.header("Accept", a);
            }
            r.call()
        }
        m => {
            let mut r = match m {
                "POST" => agent.post(&url),
                "PATCH" => agent.patch(&url),
                _ => agent.put(&url),
            };
            for h in ["content-type", "content-range"] {
                if let Some(v) = pass(h) {
                    r = r.header(h, v);
                }
            }
            r.send(&req.body[..])
        }
    };
    let resp = result.unwrap();
    let status = resp.status().as_u16();
    let mut headers = Vec::new();
    for h in [
        "content-type",
        "docker-content-digest",
        "location",
        "range",
        "docker-upload-uuid",
    ] {
        if let Some(v) = resp.headers().get(h).and_then(|v| v.to_str().ok()) {
            let v = v.replace(
                &format!("127.0.0.1:{registry_port}"),
                &format!("127.0.0.1:{port}"),
            );
            headers.push((h.to_string(), v));
        }
    }
    let upstream_len: Option<usize> = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let mut body = Vec::new();
    if req.method != "HEAD" {
        resp.into_body().into_reader().read_to_end(&mut body)?;
    }
    state.lock().unwrap().log.push(Logged {
        method: req.method.clone(),
        path: req.path.clone(),
        status,
        content_range: req.header("content-range"),
        body_len: req.body.len(),
    });
    if req.method == "HEAD" {
        respond(&mut c, status, &headers, &[], upstream_len)
    } else {
        respond(&mut c, status, &headers, &body, None)
    }
}
