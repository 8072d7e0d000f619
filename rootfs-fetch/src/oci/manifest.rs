//! What a registry serves about an image, as Rust types: an index (a list
//! of per-platform manifests; docker calls it a manifest list), a manifest
//! (one config blob and the layer blobs, bottom first) and the config (the
//! image's default command, environment, and the diff_ids: the digests of
//! the layers once uncompressed). OCI and docker schema2 use the same JSON
//! shape with different media types, so one set of types reads both.
//! [`Manifest::to_oci`] turns a docker schema2 manifest into the OCI one
//! it stands for (what `skopeo copy --format oci` writes): an OCI image
//! layout should hold OCI documents, and umoci reads no others.

use serde::{Deserialize, Serialize};

use super::digest::Digest;

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
pub const DOCKER_LAYER_FOREIGN: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

/// Every manifest type dockling understands, for the Accept header.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.docker.distribution.manifest.v2+json";

/// A manifest or an index is at most this big; larger ones are refused
/// before they are read (Docker Hub's largest indexes are a few hundred KB).
pub const MAX_MANIFEST: u64 = 4 << 20;
/// The same cap for an image config.
pub const MAX_CONFIG: u64 = 8 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    pub architecture: String,
    pub os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts[..] {
            [os, arch] | [os, arch, _] if !os.is_empty() && !arch.is_empty() => Ok(Platform {
                os: os.into(),
                architecture: normalise_arch(arch).into(),
                variant: parts.get(2).map(|v| v.to_string()),
            }),
            _ => Err(format!(
                "platform {s:?} must look like OS/ARCH[/VARIANT], e.g. linux/amd64"
            )),
        }
    }
}

/// Go's names for architectures, which images use: x86_64 is amd64.
pub fn normalise_arch(arch: &str) -> &str {
    match arch {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" | "i686" => "386",
        "armhf" | "armv7l" | "armv7" => "arm",
        "powerpc64le" => "ppc64le",
        other => other,
    }
}

impl Platform {
    /// This machine: linux and the architecture dockling was built for.
    pub fn host() -> Platform {
        Platform {
            os: "linux".into(),
            architecture: normalise_arch(std::env::consts::ARCH).into(),
            variant: match std::env::consts::ARCH {
                "aarch64" => Some("v8".into()),
                "arm" => Some("v7".into()),
                _ => None,
            },
        }
    }

    /// Does an index entry's platform serve `self`? A missing variant on
    /// either side matches (arm64 images often omit v8).
    fn matches(&self, other: &Platform) -> bool {
        self.os == other.os
            && self.architecture == normalise_arch(&other.architecture)
            && match (&self.variant, &other.variant) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

/// An image index or docker manifest list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Index {
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    pub manifests: Vec<Descriptor>,
}

impl Index {
    /// The manifest for `want`. Attestation entries (platform unknown/
    /// unknown, docker buildx's provenance) are skipped; with none left
    /// that matches, the error lists the platforms there are.
    pub fn select(&self, want: &Platform) -> Result<&Descriptor, String> {
        let images: Vec<&Descriptor> = self
            .manifests
            .iter()
            .filter(|d| {
                let attestation = d
                    .annotations
                    .as_ref()
                    .is_some_and(|a| a.contains_key("vnd.docker.reference.type"));
                let unknown = d.platform.as_ref().is_some_and(|p| p.os == "unknown");
                !attestation && !unknown
            })
            .collect();
        images
            .iter()
            .find(|d| d.platform.as_ref().is_some_and(|p| want.matches(p)))
            .copied()
            .ok_or_else(|| {
                let have: Vec<String> = images
                    .iter()
                    .filter_map(|d| d.platform.as_ref().map(|p| p.to_string()))
                    .collect();
                format!(
                    "the image has no variant for {want}; it has: {}",
                    if have.is_empty() {
                        "none".into()
                    } else {
                        have.join(", ")
                    }
                )
            })
    }
}

/// One image: its config and layers, bottom first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
}

impl Manifest {
    /// The OCI form of a docker schema2 manifest: the same config and
    /// layer blobs (their bytes, so their digests, do not change; the
    /// config's JSON is the same format in both), under OCI media types.
    /// `None` when there is nothing to convert.
    pub fn to_oci(&self) -> Option<Manifest> {
        let mut m = self.clone();
        m.media_type = oci_media_type(&m.media_type).to_string();
        m.config.media_type = oci_media_type(&m.config.media_type).to_string();
        for l in &mut m.layers {
            l.media_type = oci_media_type(&l.media_type).to_string();
        }
        let changed = m.media_type != self.media_type
            || m.config.media_type != self.config.media_type
            || m.layers
                .iter()
                .zip(&self.layers)
                .any(|(a, b)| a.media_type != b.media_type);
        changed.then_some(m)
    }
}

/// The OCI media type for a docker one (others unchanged). A foreign
/// layer (Windows base layers, fetched from elsewhere) becomes an
/// ordinary gzip layer: once pulled, its blob is in the store like any
/// other.
pub fn oci_media_type(media_type: &str) -> &str {
    match media_type {
        DOCKER_MANIFEST => OCI_MANIFEST,
        DOCKER_LIST => OCI_INDEX,
        DOCKER_CONFIG => OCI_CONFIG,
        DOCKER_LAYER_GZIP | DOCKER_LAYER_FOREIGN => OCI_LAYER_GZIP,
        other => other,
    }
}

/// The parts of an image config dockling uses.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ImageConfig {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default)]
    pub config: RunConfig,
    pub rootfs: RootFs,
}

impl ImageConfig {
    /// Parse an image config and check that it has one diff_id per layer
    /// of `manifest`.
    pub fn parse(bytes: &[u8], manifest: &Manifest) -> Result<ImageConfig, String> {
        let config: ImageConfig = serde_json::from_slice(bytes)
            .map_err(|e| format!("config {}: {e}", manifest.config.digest))?;
        if config.rootfs.diff_ids.len() != manifest.layers.len() {
            return Err(format!(
                "the manifest lists {} layers but the config has {} diff_ids",
                manifest.layers.len(),
                config.rootfs.diff_ids.len()
            ));
        }
        Ok(config)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunConfig {
    #[serde(rename = "Entrypoint", default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(rename = "Cmd", default)]
    pub cmd: Option<Vec<String>>,
    #[serde(rename = "Env", default)]
    pub env: Option<Vec<String>>,
    #[serde(rename = "WorkingDir", default)]
    pub working_dir: Option<String>,
    #[serde(rename = "User", default)]
    pub user: Option<String>,
    /// The signal `docker stop` sends first (SIGTERM when absent).
    #[serde(
        rename = "StopSignal",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub stop_signal: Option<String>,
    #[serde(rename = "Labels", default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<std::collections::BTreeMap<String, String>>,
    /// `EXPOSE`'s ports ("80/tcp": {}): documentation for whoever runs
    /// the image (`-p` still publishes), kept so `image inspect` shows it.
    #[serde(
        rename = "ExposedPorts",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub exposed_ports: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RootFs {
    #[serde(rename = "type")]
    pub kind: String,
    pub diff_ids: Vec<Digest>,
}

/// Which kind of document a manifest response is, from its Content-Type
/// or, when a registry sends a generic one, from its own mediaType field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Index,
    Manifest,
}

pub fn kind(content_type: &str, body: &[u8]) -> Result<Kind, String> {
    let ct = content_type.split(';').next().unwrap_or("").trim();
    let from = |t: &str| match t {
        OCI_INDEX | DOCKER_LIST => Some(Kind::Index),
        OCI_MANIFEST | DOCKER_MANIFEST => Some(Kind::Manifest),
        _ => None,
    };
    if let Some(k) = from(ct) {
        return Ok(k);
    }
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "mediaType", default)]
        media_type: String,
        #[serde(default)]
        manifests: Option<serde_json::Value>,
        #[serde(default)]
        layers: Option<serde_json::Value>,
    }
    let p: Probe = serde_json::from_slice(body).map_err(|e| format!("not a manifest: {e}"))?;
    from(&p.media_type)
        .or(if p.manifests.is_some() {
            Some(Kind::Index)
        } else if p.layers.is_some() {
            Some(Kind::Manifest)
        } else {
            None
        })
        .ok_or_else(|| format!("unsupported manifest type {ct:?} (schema 1 is not supported)"))
}

/// How a layer blob is compressed, from its media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

pub fn compression(media_type: &str) -> Result<Compression, String> {
    match media_type {
        OCI_LAYER_GZIP | DOCKER_LAYER_GZIP | DOCKER_LAYER_FOREIGN => Ok(Compression::Gzip),
        OCI_LAYER_TAR => Ok(Compression::None),
        OCI_LAYER_ZSTD => Ok(Compression::Zstd),
        other => Err(format!("layer media type {other:?} is not supported")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc(os: &str, arch: &str, variant: Option<&str>) -> Descriptor {
        Descriptor {
            media_type: OCI_MANIFEST.into(),
            digest: Digest::of(format!("{os}{arch}{variant:?}").as_bytes()),
            size: 1,
            platform: Some(Platform {
                os: os.into(),
                architecture: arch.into(),
                variant: variant.map(Into::into),
            }),
            annotations: None,
        }
    }

    #[test]
    fn the_host_platform_is_chosen_and_attestations_skipped() {
        let idx = Index {
            schema_version: 2,
            media_type: OCI_INDEX.into(),
            manifests: vec![
                desc("unknown", "unknown", None),
                desc("linux", "arm", Some("v7")),
                desc("linux", "arm64", Some("v8")),
                desc("linux", "amd64", None),
            ],
        };
        let amd: Platform = "linux/amd64".parse().unwrap();
        assert_eq!(idx.select(&amd).unwrap(), &idx.manifests[3]);
        let arm64: Platform = "linux/aarch64".parse().unwrap();
        assert_eq!(arm64.architecture, "arm64");
        assert_eq!(idx.select(&arm64).unwrap(), &idx.manifests[2]);
        let v6: Platform = "linux/arm/v6".parse().unwrap();
        let e = idx.select(&v6).unwrap_err();
        assert!(e.contains("no variant for linux/arm/v6"), "{e}");
        assert!(
            e.contains("linux/arm/v7, linux/arm64/v8, linux/amd64"),
            "{e}"
        );
        assert!(!e.contains("unknown"), "{e}");
        assert!("linux".parse::<Platform>().is_err());
    }

    #[test]
    fn docker_schema2_converts_to_oci_and_oci_stays() {
        let d = |n: &str, t: &str| Descriptor {
            media_type: t.into(),
            digest: Digest::of(n.as_bytes()),
            size: 7,
            platform: None,
            annotations: None,
        };
        let docker = Manifest {
            schema_version: 2,
            media_type: DOCKER_MANIFEST.into(),
            config: d("c", DOCKER_CONFIG),
            layers: vec![
                d("a", DOCKER_LAYER_GZIP),
                d("b", DOCKER_LAYER_FOREIGN),
                d("z", OCI_LAYER_ZSTD),
            ],
        };
        let oci = docker.to_oci().unwrap();
        assert_eq!(oci.media_type, OCI_MANIFEST);
        assert_eq!(oci.config.media_type, OCI_CONFIG);
        assert_eq!(
            oci.layers
                .iter()
                .map(|l| l.media_type.as_str())
                .collect::<Vec<_>>(),
            [OCI_LAYER_GZIP, OCI_LAYER_GZIP, OCI_LAYER_ZSTD]
        );
        // Same blobs: digests and sizes are untouched.
        assert_eq!(oci.config.digest, docker.config.digest);
        assert!(
            oci.layers
                .iter()
                .zip(&docker.layers)
                .all(|(a, b)| a.digest == b.digest && a.size == b.size)
        );
        assert!(oci.to_oci().is_none(), "an OCI manifest stays as it is");
        let text = String::from_utf8(serde_json::to_vec(&oci).unwrap()).unwrap();
        assert!(!text.contains("vnd.docker"), "{text}");
        assert_eq!(oci_media_type(DOCKER_LIST), OCI_INDEX);
        assert_eq!(oci_media_type("application/x-other"), "application/x-other");
    }

    #[test]
    fn kinds_from_content_type_or_body() {
        assert_eq!(kind(OCI_INDEX, b"{}").unwrap(), Kind::Index);
        assert_eq!(kind(DOCKER_MANIFEST, b"{}").unwrap(), Kind::Manifest);
        assert_eq!(
            kind("application/json", br#"{"schemaVersion":2,"manifests":[]}"#).unwrap(),
            Kind::Index
        );
        assert!(
            kind(
                "application/vnd.docker.distribution.manifest.v1+prettyjws",
                b"{}"
            )
            .is_err()
        );
    }
}
