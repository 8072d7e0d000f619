//! Content digests: `sha256:` and 64 hex digits, the name of every blob.
//!
//! A registry serves content by digest, and the digest is the only thing
//! that makes it trustworthy: every manifest, config and layer is hashed
//! as it is read and compared with the digest it was asked for. sha512
//! digests are valid syntax in the OCI spec; dockling verifies sha256 only
//! and says so.

use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    /// The 64 lowercase hex digits of a sha256.
    hex: String,
}

impl Digest {
    pub fn of(bytes: &[u8]) -> Digest {
        Digest {
            hex: hex::encode(Sha256::digest(bytes)),
        }
    }

    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// The first 12 hex digits, as `docker images` shows an image id.
    pub fn short(&self) -> &str {
        &self.hex[..12]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex)
    }
}

impl FromStr for Digest {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let Some((alg, hex)) = s.split_once(':') else {
            return Err(crate::msg!(
                crate::messages::DIGEST_SHAPE,
                digest = format!("{s:?}")
            ));
        };
        if alg != "sha256" {
            return Err(crate::msg!(
                crate::messages::DIGEST_ALGORITHM,
                digest = format!("{s:?}"),
                algorithm = format!("{alg:?}")
            ));
        }
        if hex.len() != 64
            || !hex
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        {
            return Err(crate::msg!(
                crate::messages::DIGEST_HEX,
                digest = format!("{s:?}")
            ));
        }
        Ok(Digest { hex: hex.into() })
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A reader that hashes what passes through it and counts it.
pub struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    pub count: u64,
}

impl<R: Read> Hashing<R> {
    pub fn new(inner: R) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// Read what is left (a decompressor may stop before the end of its
    /// input), then return the digest of everything.
    pub fn finish(mut self) -> io::Result<Digest> {
        io::copy(&mut self, &mut io::sink())?;
        Ok(Digest {
            hex: hex::encode(self.hasher.finalize()),
        })
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_validated() {
        let ok = format!("sha256:{}", "0123456789abcdef".repeat(4));
        assert_eq!(ok.parse::<Digest>().unwrap().to_string(), ok);
        for bad in [
            "sha256:abc".to_string(),
            "sha256".into(),
            format!("sha256:{}", "A".repeat(64)),
            format!("sha512:{}", "a".repeat(128)),
            format!("sha256:{}g", "a".repeat(63)),
        ] {
            assert!(bad.parse::<Digest>().is_err(), "{bad}");
        }
        assert_eq!(
            Digest::of(b"").to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hashing_reader_hashes_everything_even_unread_rest() {
        let mut r = Hashing::new(&b"hello world"[..]);
        let mut buf = [0u8; 5];
        r.read_exact(&mut buf).unwrap();
        assert_eq!(r.finish().unwrap(), Digest::of(b"hello world"));
    }
}
