//! How a registry says who may read it, and how a client answers.
//!
//! A request without credentials gets `401` and a `WWW-Authenticate`
//! challenge. `Basic realm="…"` wants a user and password on every
//! request. `Bearer realm="URL",service="S",scope="repository:NAME:pull"`
//! sends the client to a token server first: GET URL?service=S&scope=…
//! (anonymously, or with the user's Basic credentials) returns a JSON
//! `token` (or `access_token`) to send as `Authorization: Bearer …`. This
//! is how Docker Hub, GHCR and Quay serve even public images.

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
