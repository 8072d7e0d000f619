//! A container's log, in docker's json-file format.
//!
//! Everything the container writes to stdout and stderr is kept, one JSON
//! object per line of output:
//! `{"log":"hello\n","stream":"stdout","time":"2026-11-29T14:03:07.123456789Z"}`
//! in `<data>/containers/ID/ID-json.log`, as docker keeps it under
//! /var/lib/docker/containers. The two streams stay apart (each line says
//! which), so `logs` can give them back on stdout and stderr. A line is
//! written when its newline arrives (a partial line after 16 KiB, as
//! docker). The file is capped: past [`MAX_SIZE`] it is rotated to
//! `ID-json.log.1`, that to `.2`, and the oldest dropped ([`MAX_FILES`]),
//! like docker's `--log-opt max-size=10m --log-opt max-file=3`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::hooks::Stream;

/// Rotate the log past this many bytes.
pub const MAX_SIZE: u64 = 10 * 1024 * 1024;
/// Keep this many files in all (the current one and rotated ones).
pub const MAX_FILES: usize = 3;
/// Write a line without its newline once it is this long (docker's 16 KiB).
const MAX_LINE: usize = 16 * 1024;

/// One line of the log, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub log: String,
    pub stream: String,
    pub time: String,
}

pub fn path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}-json.log"))
}

/// Appends the container's output to its log.
pub struct Writer {
    path: PathBuf,
    file: File,
    size: u64,
    max_size: u64,
    /// A line begun but not ended, per stream.
    partial: [Vec<u8>; 2],
}

impl Writer {
    pub fn open(path: PathBuf) -> io::Result<Writer> {
        Self::with_max(path, MAX_SIZE)
    }

    pub fn with_max(path: PathBuf, max_size: u64) -> io::Result<Writer> {
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let size = file.metadata()?.len();
        Ok(Writer {
            path,
            file,
            size,
            max_size,
            partial: [Vec::new(), Vec::new()],
        })
    }

    /// Take a chunk of one stream; whole lines go to the file.
    pub fn write(&mut self, stream: Stream, data: &[u8]) -> io::Result<()> {
        let i = stream as usize;
        let mut rest = data;
        while !rest.is_empty() {
            match rest.iter().position(|&b| b == b'\n') {
                Some(nl) => {
                    let mut line = std::mem::take(&mut self.partial[i]);
                    line.extend_from_slice(&rest[..=nl]);
                    self.entry(stream, &line)?;
                    rest = &rest[nl + 1..];
                }
                None => {
                    self.partial[i].extend_from_slice(rest);
                    rest = &[];
                    if self.partial[i].len() >= MAX_LINE {
                        let line = std::mem::take(&mut self.partial[i]);
                        self.entry(stream, &line)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Write out partial lines (the container ended).
    pub fn flush(&mut self) -> io::Result<()> {
        for (i, stream) in [Stream::Stdout, Stream::Stderr].into_iter().enumerate() {
            let line = std::mem::take(&mut self.partial[i]);
            if !line.is_empty() {
                self.entry(stream, &line)?;
            }
        }
        Ok(())
    }

    fn entry(&mut self, stream: Stream, line: &[u8]) -> io::Result<()> {
        let e = Entry {
            log: String::from_utf8_lossy(line).into_owned(),
            stream: stream.name().into(),
            time: crate::clock::rfc3339(crate::clock::now_ns()),
        };
        let mut text = serde_json::to_vec(&e).map_err(io::Error::other)?;
        text.push(b'\n');
        if self.size > 0 && self.size + text.len() as u64 > self.max_size {
            self.rotate()?;
        }
        self.file.write_all(&text)?;
        self.size += text.len() as u64;
        Ok(())
    }

    /// log.1 → log.2 …, log → log.1, a new log.
    fn rotate(&mut self) -> io::Result<()> {
        let name = |n: usize| {
            if n == 0 {
                self.path.clone()
            } else {
                PathBuf::from(format!("{}.{n}", self.path.display()))
            }
        };
        for n in (1..MAX_FILES).rev() {
            match fs::rename(name(n - 1), name(n)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        self.file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

/// Every entry of the log `path` and its rotated files, oldest first.
pub fn read(path: &Path) -> io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    for n in (0..MAX_FILES).rev() {
        let p = if n == 0 {
            path.to_path_buf()
        } else {
            PathBuf::from(format!("{}.{n}", path.display()))
        };
        let f = match File::open(&p) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for line in BufReader::new(f).lines() {
            // A line cut short by a crash is skipped, as docker does.
            if let Ok(e) = serde_json::from_str(&line?) {
                out.push(e);
            }
        }
    }
    Ok(out)
}

/// Follows a growing log from an offset: the entries appended since.
pub struct Follower {
    path: PathBuf,
    offset: u64,
    ino: u64,
}

impl Follower {
    /// From the log's current end.
    pub fn at_end(path: &Path) -> Follower {
        use std::os::unix::fs::MetadataExt;
        let meta = fs::metadata(path).ok();
        Follower {
            path: path.to_path_buf(),
            offset: meta.as_ref().map_or(0, |m| m.len()),
            ino: meta.map_or(0, |m| m.ino()),
        }
    }

    /// Entries written since the last call (a rotation starts again at 0).
    pub fn new_entries(&mut self) -> io::Result<Vec<Entry>> {
        use std::io::{Read, Seek, SeekFrom};
        use std::os::unix::fs::MetadataExt;
        let mut f = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let meta = f.metadata()?;
        if meta.ino() != self.ino || meta.len() < self.offset {
            self.ino = meta.ino();
            self.offset = 0;
        }
        f.seek(SeekFrom::Start(self.offset))?;
        let mut text = Vec::new();
        f.read_to_end(&mut text)?;
        // Only whole lines: the rest is read next time.
        let end = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        self.offset += end as u64;
        Ok(text[..end]
            .split(|&b| b == b'\n')
            .filter_map(|l| serde_json::from_slice(l).ok())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_kept_per_stream_and_rotated() {
        let t = tempfile::tempdir().unwrap();
        let p = path(t.path(), "abc");
        let mut w = Writer::with_max(p.clone(), 300).unwrap();
        w.write(Stream::Stdout, b"one\ntw").unwrap();
        w.write(Stream::Stderr, b"err\n").unwrap();
        w.write(Stream::Stdout, b"o\n").unwrap();
        w.write(Stream::Stdout, b"no newline").unwrap();
        w.flush().unwrap();
        let e = read(&p).unwrap();
        let got: Vec<(&str, &str)> = e
            .iter()
            .map(|e| (e.stream.as_str(), e.log.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("stdout", "one\n"),
                ("stderr", "err\n"),
                ("stdout", "two\n"),
                ("stdout", "no newline")
            ]
        );
        assert!(crate::clock::parse_rfc3339(&e[0].time).is_some());
        for i in 0..40 {
            w.write(Stream::Stdout, format!("line {i}\n").as_bytes())
                .unwrap();
        }
        assert!(PathBuf::from(format!("{}.1", p.display())).exists());
        assert!(PathBuf::from(format!("{}.2", p.display())).exists());
        assert!(!PathBuf::from(format!("{}.3", p.display())).exists());
        let all = read(&p).unwrap();
        assert_eq!(all.last().unwrap().log, "line 39\n");
        assert!(all.len() < 44, "the oldest file was dropped");
    }

    #[test]
    fn a_follower_sees_only_new_whole_lines() {
        let t = tempfile::tempdir().unwrap();
        let p = path(t.path(), "abc");
        let mut w = Writer::open(p.clone()).unwrap();
        w.write(Stream::Stdout, b"old\n").unwrap();
        let mut f = Follower::at_end(&p);
        assert!(f.new_entries().unwrap().is_empty());
        w.write(Stream::Stdout, b"new\n").unwrap();
        let got = f.new_entries().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].log, "new\n");
        assert!(f.new_entries().unwrap().is_empty());
    }
}
