//! `--env-file`: a file of environment variables, read by docker's rules
//! (docker/cli's pkg/kvfile), so a file written for `docker run` means the
//! same here.
//!
//! - The file must be UTF-8; a byte-order mark at its start is dropped.
//! - Lines end at `\n`; a `\r` before it is dropped too (bufio.ScanLines).
//!   A line may hold at most 65535 bytes (bufio.MaxScanTokenSize, 64 KiB,
//!   with its newline).
//! - Leading whitespace is removed; then empty lines and lines starting
//!   with `#` are skipped.
//! - `KEY=VALUE` is taken literally: no quotes are removed, no `$` is
//!   expanded, and the value keeps its trailing whitespace. Only the
//!   first `=` splits, so a value may hold more.
//! - `KEY` alone takes KEY's value from dockling's own environment, and
//!   is left out when dockling has no such variable.
//! - An empty key (a line starting with `=`) and a key holding a space or
//!   tab are errors. So is a NUL byte, which no environment can hold
//!   (execve(2) ends each string at the first NUL); docker leaves that to
//!   the runtime.
//!
//! Every error names the file and the line number.

use std::path::Path;

use crate::error::Error;
use crate::msg;
use crate::narrate::messages::images as m;

/// The longest line bufio.Scanner reads, without its newline.
const MAX_LINE: usize = 64 * 1024 - 1;
/// Whitespace a key may not contain (docker's `whiteSpaces`).
const KEY_WHITESPACE: [char; 2] = [' ', '\t'];
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Read `path` (given as `--env-file`), looking keys without a value up
/// in dockling's own environment.
pub fn read(path: &Path) -> Result<Vec<(String, String)>, Error> {
    let bytes = std::fs::read(path).map_err(Error::io("read --env-file", path))?;
    parse(&bytes, |k| std::env::var(k).ok())
        .map_err(|e| Error::Usage(format!("--env-file {}: {e}", path.display())))
}

/// The variables in `bytes`, in order; `lookup` gives a value for a key
/// that has none. The error says which line and why.
pub fn parse(
    bytes: &[u8],
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // A final newline ends the last line; it does not start another.
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    for (i, raw) in lines.into_iter().enumerate() {
        let n = i + 1;
        if raw.len() > MAX_LINE {
            return Err(msg!(m::ENVFILE_LINE_TOO_LONG, n = n, max = MAX_LINE));
        }
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = std::str::from_utf8(raw)
            .map_err(|e| msg!(m::ENVFILE_NOT_UTF8, n = n, byte = e.valid_up_to() + 1))?;
        let text = if n == 1 {
            text.strip_prefix(std::str::from_utf8(BOM).expect("the BOM is UTF-8"))
                .unwrap_or(text)
        } else {
            text
        };
        let line = text.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (line, None),
        };
        if key.is_empty() {
            return Err(msg!(m::ENVFILE_NO_NAME, n = n, line = line));
        }
        if key.contains(KEY_WHITESPACE) {
            return Err(msg!(m::ENVFILE_WHITESPACE, n = n, key = key));
        }
        if line.contains('\0') {
            return Err(msg!(m::ENVFILE_NUL, n = n, key = key));
        }
        match value {
            Some(v) => out.push((key.to_string(), v.to_string())),
            None => {
                if let Some(v) = lookup(key) {
                    out.push((key.to_string(), v));
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(text: &[u8]) -> Result<Vec<(String, String)>, String> {
        parse(text, |k| {
            (k == "FROM_HOST").then(|| "host value".to_string())
        })
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn values_are_taken_literally() {
        let got =
            env(b"A=1\nB=\"quoted\"\nC='single'\nD=$HOME\nE=a=b=c\nF=\nG=trailing  \t\n").unwrap();
        assert_eq!(
            got,
            pairs(&[
                ("A", "1"),
                ("B", "\"quoted\""),
                ("C", "'single'"),
                ("D", "$HOME"),
                ("E", "a=b=c"),
                ("F", ""),
                ("G", "trailing  \t"),
            ])
        );
    }

    #[test]
    fn leading_whitespace_blank_lines_and_comments() {
        let got = env(b"  \t A=1\n\n   \n# a comment=x\n   # indented comment\nB=2 # not a comment\n\xc2\xa0C=3").unwrap();
        assert_eq!(
            got,
            pairs(&[("A", "1"), ("B", "2 # not a comment"), ("C", "3")])
        );
    }

    #[test]
    fn crlf_bom_and_a_last_line_without_newline() {
        let got = env(b"\xEF\xBB\xBFA=1\r\nB=2\r\nC=3").unwrap();
        assert_eq!(got, pairs(&[("A", "1"), ("B", "2"), ("C", "3")]));
        // Only the first line's BOM is one: later, U+FEFF is part of the key.
        let got = env(b"A=1\n\xEF\xBB\xBFB=2\n").unwrap();
        assert_eq!(got[1].0, "\u{feff}B");
        assert!(env(b"").unwrap().is_empty());
    }

    #[test]
    fn a_key_alone_comes_from_the_environment_or_is_left_out() {
        let got = env(b"FROM_HOST\nNOT_SET\nA=1\n").unwrap();
        assert_eq!(got, pairs(&[("FROM_HOST", "host value"), ("A", "1")]));
    }

    #[test]
    fn an_empty_key_is_an_error_naming_the_line() {
        let e = env(b"A=1\n# c\n=x\n").unwrap_err();
        assert_eq!(
            e,
            "line 3: no variable name on line '=x' (it starts with '=')"
        );
        assert!(
            env(b"   =\n")
                .unwrap_err()
                .starts_with("line 1: no variable name")
        );
    }

    #[test]
    fn whitespace_in_a_key_is_an_error() {
        assert_eq!(
            env(b"x y=1\n").unwrap_err(),
            "line 1: variable 'x y' contains whitespaces"
        );
        assert_eq!(
            env(b"A=1\nKEY =1\n").unwrap_err(),
            "line 2: variable 'KEY ' contains whitespaces"
        );
        // A key alone with trailing blanks, as docker has it.
        assert_eq!(
            env(b"KEY\t\n").unwrap_err(),
            "line 1: variable 'KEY\t' contains whitespaces"
        );
        assert_eq!(
            env(b"first line\n").unwrap_err(),
            "line 1: variable 'first line' contains whitespaces"
        );
    }

    #[test]
    fn invalid_utf8_nul_and_long_lines_are_errors() {
        let e = env(b"A=1\nB=\xff\xfe\n").unwrap_err();
        assert_eq!(e, "line 2 is not valid UTF-8 (byte 3 of the line)");
        let e = env(b"A=x\0y\n").unwrap_err();
        assert!(e.contains("NUL byte"), "{e}");
        let mut long = b"A=".to_vec();
        long.resize(MAX_LINE, b'a');
        assert_eq!(env(&long).unwrap()[0].1.len(), MAX_LINE - 2);
        long.push(b'a');
        let e = env(&long).unwrap_err();
        assert!(e.starts_with("line 1 is longer than 65535 bytes"), "{e}");
    }

    #[test]
    fn read_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("env");
        std::fs::write(&f, "OK=1\n=x\n").unwrap();
        let e = read(&f).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "--env-file {}: line 2: no variable name on line '=x' (it starts with '=')",
                f.display()
            )
        );
        let e = read(&dir.path().join("missing")).unwrap_err().chain();
        assert!(e.starts_with("cannot read --env-file "), "{e}");
    }
}
