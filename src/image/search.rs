//! `dockling search TERM`: find images at a registry.
//!
//! The OCI distribution spec has no search. Docker Hub keeps the API of
//! the old (v1) registry for it: `GET /v1/search?q=TERM&n=LIMIT` answers
//! `{"results": [{"name", "description", "star_count", "is_official"}…]}`,
//! which docker prints as NAME, DESCRIPTION, STARS, OFFICIAL. Other
//! registries (registry:2, Debian's docker-registry) answer that with 404,
//! but list their repositories at `GET /v2/_catalog` and a repository's
//! tags at `GET /v2/NAME/tags/list`; dockling then lists the repositories
//! whose name contains TERM, with their tags, and says which source the
//! answer came from. `--filter stars=N` and `--filter is-official=true`
//! are docker's; a catalog has neither stars nor official images.

use std::sync::{Arc, Mutex};

use rootfs_fetch::oci::client::{Client, Exchange, Observer};
use rootfs_fetch::oci::reference::{DOCKER_HUB, Reference, is_loopback_host};
use serde::Deserialize;

use crate::error::Error;
use crate::msg;
use crate::narrate::messages::push as m;
use crate::narrate::{Narrator, Step};
use crate::paths::Paths;

/// Docker Hub's search API lives at the old index's host.
pub const DOCKER_HUB_INDEX: &str = "index.docker.io";
/// docker's default `--limit`.
pub const DEFAULT_LIMIT: usize = 25;
const MAX_ANSWER: u64 = 8 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// At least this many stars.
    Stars(u64),
    IsOfficial(bool),
}

impl std::str::FromStr for Filter {
    type Err = String;
    fn from_str(s: &str) -> Result<Filter, String> {
        let bad = || msg!(m::SEARCH_BAD_FILTER, filter = s);
        match s.split_once('=') {
            Some(("stars", n)) => n.trim().parse().map(Filter::Stars).map_err(|_| bad()),
            Some(("is-official", v)) => match v.trim() {
                "true" => Ok(Filter::IsOfficial(true)),
                "false" => Ok(Filter::IsOfficial(false)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

/// One result, as Docker Hub's search API gives it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub star_count: u64,
    #[serde(default)]
    pub is_official: bool,
}

#[derive(Debug, Deserialize)]
struct V1Answer {
    results: Vec<Found>,
}

#[derive(Debug, Deserialize)]
struct Catalog {
    #[serde(default)]
    repositories: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Tags {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

/// Where the answer came from.
pub enum Answer {
    V1(Vec<Found>),
    /// Repositories and their tags.
    Catalog(Vec<(String, Vec<String>)>),
}

pub struct SearchOptions {
    pub limit: usize,
    pub filters: Vec<Filter>,
    /// The registry host [default: Docker Hub].
    pub registry: Option<String>,
    pub insecure: bool,
    pub no_trunc: bool,
}

fn keep(f: &Found, filters: &[Filter]) -> bool {
    filters.iter().all(|flt| match flt {
        Filter::Stars(n) => f.star_count >= *n,
        Filter::IsOfficial(o) => f.is_official == *o,
    })
}

/// `s` cut to `n` characters, the last one an ellipsis (docker's 45).
fn ellipsis(s: &str, n: usize) -> String {
    let one_line = s.replace(['\n', '\r', '\t'], " ");
    if one_line.chars().count() <= n {
        one_line
    } else {
        one_line.chars().take(n - 1).collect::<String>() + "…"
    }
}

/// Left-aligned columns three spaces apart (docker's tabwriter).
fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            if c + 1 == cols {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[c] - cell.chars().count() + 3));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn search(
    paths: &Paths,
    term: &str,
    opts: &SearchOptions,
    narrator: &mut dyn Narrator,
) -> Result<(Answer, String), Error> {
    let registry = opts
        .registry
        .clone()
        .unwrap_or_else(|| DOCKER_HUB.to_string());
    let host = if registry == DOCKER_HUB {
        DOCKER_HUB_INDEX.to_string()
    } else {
        registry.clone()
    };
    let r = Reference {
        registry: host.clone(),
        repository: "search".into(),
        tag: None,
        digest: None,
    };
    let creds = super::credentials::get(paths, &registry)?;
    let log: Arc<Mutex<Vec<Exchange>>> = Arc::default();
    let sink = log.clone();
    let observer: Observer = Arc::new(Mutex::new(move |x: &Exchange| {
        sink.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(x.clone());
    }));
    let insecure = opts.insecure || is_loopback_host(&host);
    let mut client = Client::new(&r, creds, insecure, observer);
    let failed = |e: &dyn std::fmt::Display| Error::Hinted {
        message: msg!(m::SEARCH_FAILED, registry = registry, error = e),
        hint: msg!(m::SEARCH_UNSUPPORTED_HINT),
    };
    let result = (|| {
        let path = format!(
            "/v1/search?q={}&n={}",
            encode(term),
            opts.limit.clamp(1, 100)
        );
        let (status, body) = client.get_path(&path, MAX_ANSWER).map_err(|e| failed(&e))?;
        let url = format!("{}{path}", client.origin());
        if status == 200
            && let Ok(a) = serde_json::from_slice::<V1Answer>(&body)
        {
            let found: Vec<Found> = a
                .results
                .into_iter()
                .filter(|f| keep(f, &opts.filters))
                .take(opts.limit)
                .collect();
            return Ok((Answer::V1(found), msg!(m::SEARCH_FROM_V1, url = url)));
        }
        let v1 = status;
        let (status, body) = client
            .get_path("/v2/_catalog?n=1000", MAX_ANSWER)
            .map_err(|e| failed(&e))?;
        let url = format!("{}/v2/_catalog", client.origin());
        if status != 200 {
            return Err(Error::Hinted {
                message: msg!(
                    m::SEARCH_UNSUPPORTED,
                    registry = registry,
                    v1 = v1,
                    catalog = status
                ),
                hint: msg!(m::SEARCH_UNSUPPORTED_HINT),
            });
        }
        let catalog: Catalog = serde_json::from_slice(&body).map_err(|e| Error::Hinted {
            message: msg!(m::SEARCH_BAD_ANSWER, url = url, error = e),
            hint: msg!(m::SEARCH_UNSUPPORTED_HINT),
        })?;
        let term_lower = term.to_lowercase();
        // A catalog has no stars and no official images: those filters
        // keep nothing that asks for them.
        let probe = Found {
            name: String::new(),
            description: String::new(),
            star_count: 0,
            is_official: false,
        };
        let mut repos = Vec::new();
        if keep(&probe, &opts.filters) {
            for name in catalog
                .repositories
                .into_iter()
                .filter(|n| n.to_lowercase().contains(&term_lower))
                .take(opts.limit)
            {
                let (status, body) = client
                    .get_path(&format!("/v2/{name}/tags/list"), MAX_ANSWER)
                    .map_err(|e| failed(&e))?;
                let mut tags = if status == 200 {
                    serde_json::from_slice::<Tags>(&body)
                        .ok()
                        .and_then(|t| t.tags)
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                tags.sort();
                repos.push((name, tags));
            }
        }
        Ok((
            Answer::Catalog(repos),
            msg!(m::SEARCH_FROM_CATALOG, url = url, term = term),
        ))
    })();
    super::pull::flush_as(&log, Step::PushRequest, narrator);
    result
}

/// The table `dockling search` prints.
pub fn render(answer: &Answer, no_trunc: bool) -> String {
    let mut rows = Vec::new();
    match answer {
        Answer::V1(found) => {
            rows.push(vec![
                "NAME".to_string(),
                "DESCRIPTION".into(),
                "STARS".into(),
                "OFFICIAL".into(),
            ]);
            for f in found {
                rows.push(vec![
                    f.name.clone(),
                    if no_trunc {
                        f.description.clone()
                    } else {
                        ellipsis(&f.description, 45)
                    },
                    f.star_count.to_string(),
                    if f.is_official { "[OK]" } else { "" }.to_string(),
                ]);
            }
        }
        Answer::Catalog(repos) => {
            rows.push(vec!["NAME".to_string(), "TAGS".into()]);
            for (name, tags) in repos {
                rows.push(vec![name.clone(), tags.join(", ")]);
            }
        }
    }
    table(&rows)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_like_docker() {
        assert_eq!("stars=3".parse::<Filter>(), Ok(Filter::Stars(3)));
        assert_eq!(
            "is-official=true".parse::<Filter>(),
            Ok(Filter::IsOfficial(true))
        );
        for bad in ["stars=x", "is-official=yes", "is-automated=true", "stars"] {
            assert!(bad.parse::<Filter>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_table_is_dockers() {
        let a = Answer::V1(vec![
            Found {
                name: "alpine".into(),
                description:
                    "A minimal Docker image based on Alpine Linux with a complete package index"
                        .into(),
                star_count: 11000,
                is_official: true,
            },
            Found {
                name: "me/tool".into(),
                description: "x".into(),
                star_count: 2,
                is_official: false,
            },
        ]);
        let t = render(&a, false);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "NAME      DESCRIPTION                                     STARS   OFFICIAL"
        );
        assert!(
            lines[1].starts_with(
                "alpine    A minimal Docker image based on Alpine Linux…   11000   [OK]"
            ),
            "{t}"
        );
        assert_eq!(
            lines[2],
            "me/tool   x                                               2"
        );
    }
}
