//! How a registry says who may read it, and how a client answers.
//!
//! A request without credentials gets `401` and a `WWW-Authenticate`
//! challenge. `Basic realm="…"` wants a user and password on every
//! request. `Bearer realm="URL",service="S",scope="repository:NAME:pull"`
//! sends the client to a token server first: GET URL?service=S&scope=…
//! (anonymously, or with the user's Basic credentials) returns a JSON
//! `token` (or `access_token`) to send as `Authorization: Bearer …`. This
//! is how Docker Hub, GHCR and Quay serve even public images.
//!
//! Credentials are worth stealing, so [`check_realm`] decides where a
//! token may be asked for: only a realm the registry itself named (never
//! one a redirect target names), over https, or over plain http only on
//! loopback or with `--insecure-registry`.

use std::collections::BTreeMap;

use base64::Engine as _;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// `basic` or `bearer`, lowercased.
    pub scheme: String,
    pub params: BTreeMap<String, String>,
}

/// A user and password for one registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl Credentials {
    pub fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.user, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }

    /// The `auth` field of a docker config.json: base64 of user:password.
    pub fn encode(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", self.user, self.password))
    }

    pub fn decode(auth: &str) -> Option<Credentials> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(auth)
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        let (user, password) = text.split_once(':')?;
        Some(Credentials {
            user: user.into(),
            password: password.into(),
        })
    }
}

/// Parse the first challenge of a `WWW-Authenticate` header value:
/// `Scheme key="value", key2=token, …` (RFC 7235; quoted strings may hold
/// commas and backslash escapes).
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = match header.find(' ') {
        Some(i) => (&header[..i], header[i + 1..].trim_start()),
        None => (header, ""),
    };
    if scheme.is_empty() {
        return None;
    }
    let mut params = BTreeMap::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars
            .by_ref()
            .take_while(|c| *c != '=')
            .collect::<String>()
            .trim()
            .to_ascii_lowercase();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.peek() {
                if *c == ',' {
                    break;
                }
                value.push(*c);
                chars.next();
            }
            value = value.trim().to_string();
        }
        params.insert(key, value);
    }
    Some(Challenge {
        scheme: scheme.to_ascii_lowercase(),
        params,
    })
}

/// May the client ask `realm` for a token, sending the user's credentials
/// there? Only over https, or over plain http to this machine's loopback
/// or when the user allowed plain http (`insecure`, `--insecure-registry`).
/// A realm with a user or password in it is refused too: it is not a
/// token server's address. The caller makes sure the challenge came from
/// the registry's own origin.
pub fn check_realm(realm: &str, insecure: bool) -> Result<(), String> {
    let Some((scheme, rest)) = realm.split_once("://") else {
        return Err(format!("token realm {realm:?} is not an http(s) URL"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains('@') {
        return Err(format!("token realm {realm:?} has no usable host"));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if insecure || super::reference::is_loopback_host(host) => Ok(()),
        "http" => Err(format!(
            "token realm {realm} is plain http on {host}, which is not this machine: \
             the credentials and the token would cross the network unencrypted"
        )),
        other => Err(format!(
            "token realm {realm:?} uses {other}://; only https (or http on loopback) is allowed"
        )),
    }
}

/// `scheme://host[:port]` of a URL, lowercased: what "the same origin" compares.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}").to_ascii_lowercase())
}

/// The token in a token server's JSON answer.
pub fn token_from(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    ["token", "access_token"]
        .iter()
        .find_map(|k| v.get(k).and_then(|t| t.as_str()).filter(|t| !t.is_empty()))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse_like_docker_hub_and_basic() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
        )
        .unwrap();
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.params["realm"], "https://auth.docker.io/token");
        assert_eq!(c.params["service"], "registry.docker.io");
        assert_eq!(c.params["scope"], "repository:library/alpine:pull");
        let c = parse_challenge(r#"Basic realm="basic-realm""#).unwrap();
        assert_eq!(c.scheme, "basic");
        assert_eq!(c.params["realm"], "basic-realm");
        let c =
            parse_challenge(r#"Bearer realm="a\"b,c", scope=x:y:pull,error="insufficient_scope""#)
                .unwrap();
        assert_eq!(c.params["realm"], "a\"b,c");
        assert_eq!(c.params["scope"], "x:y:pull");
        assert_eq!(c.params["error"], "insufficient_scope");
        assert!(parse_challenge("").is_none());
    }

    #[test]
    fn realms_must_be_https_or_loopback_or_allowed() {
        for ok in [
            "https://auth.docker.io/token",
            "HTTPS://ghcr.io/token?x=1",
            "http://127.0.0.1:5000/token",
            "http://127.0.0.2:9/token",
            "http://localhost/token",
            "http://[::1]:8080/token",
        ] {
            assert_eq!(check_realm(ok, false), Ok(()), "{ok}");
        }
        for bad in [
            "http://192.0.2.1/token",
            "http://registry.example.com/token",
            "http://127.0.0.1.example.com/token",
            "ftp://127.0.0.1/token",
            "file:///etc/passwd",
            "/token",
            "https://user:pw@auth.example.com/token",
            "http://",
        ] {
            assert!(check_realm(bad, false).is_err(), "{bad}");
        }
        let e = check_realm("http://192.0.2.1/token", false).unwrap_err();
        assert!(e.contains("plain http on 192.0.2.1"), "{e}");
        // --insecure-registry: the user accepted plain http.
        assert_eq!(check_realm("http://192.0.2.1/token", true), Ok(()));
        assert!(check_realm("ftp://192.0.2.1/token", true).is_err());
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(
            origin_of("http://127.0.0.1:5000/v2/x/blobs/s").as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert_eq!(
            origin_of("HTTPS://Registry.Example.com?q").as_deref(),
            Some("https://registry.example.com")
        );
        assert_ne!(
            origin_of("http://127.0.0.2:5000/v2/"),
            origin_of("http://127.0.0.1:5000/v2/")
        );
        assert_eq!(origin_of("no-scheme"), None);
    }

    #[test]
    fn tokens_and_credentials() {
        assert_eq!(token_from(br#"{"token":"t1"}"#).as_deref(), Some("t1"));
        assert_eq!(
            token_from(br#"{"access_token":"t2"}"#).as_deref(),
            Some("t2")
        );
        assert_eq!(
            token_from(br#"{"token":"","access_token":"t3"}"#).as_deref(),
            Some("t3")
        );
        assert_eq!(token_from(b"{}"), None);
        let c = Credentials {
            user: "alice".into(),
            password: "s3:cret".into(),
        };
        assert_eq!(c.basic_header(), "Basic YWxpY2U6czM6Y3JldA==");
        assert_eq!(Credentials::decode(&c.encode()).unwrap(), c);
    }
}
