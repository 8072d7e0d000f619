//! Reading a Dockerfile: instructions, their flags and arguments.
//!
//! A Dockerfile is a list of instructions, one a line: a keyword (any
//! case), then its arguments. A line ending in `\` goes on on the next;
//! a line starting with `#` is a comment (also inside a continued
//! instruction). Arguments come in two forms: *exec form*, a JSON array of
//! strings (`CMD ["sh", "-c", "echo hi"]`), run as it is, and *shell
//! form*, plain text (`CMD echo hi`), which RUN, CMD and ENTRYPOINT hand
//! to `/bin/sh -c`. Some instructions take flags before their arguments
//! (`COPY --chown=1000:1000 a b`).
//!
//! Variables (`$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME:+alt}`) are
//! replaced by dockling in the instructions docker replaces them in
//! (FROM, COPY, ADD, ENV, ARG, LABEL, EXPOSE, USER, WORKDIR,
//! STOPSIGNAL), from the ARGs and ENVs declared so far; in RUN, CMD and
//! ENTRYPOINT the shell does it when the command runs. [`words`] splits
//! arguments as docker does: quotes group, `\` escapes, `$` expands.

use crate::error::Error;
use crate::msg;
use crate::narrate::messages::build as m;

/// The instructions dockling builds with.
pub const SUPPORTED: &[&str] = &[
    "FROM",
    "RUN",
    "COPY",
    "ADD",
    "ENV",
    "ARG",
    "WORKDIR",
    "USER",
    "EXPOSE",
    "LABEL",
    "CMD",
    "ENTRYPOINT",
    "STOPSIGNAL",
];

/// docker's other instructions: known, not supported here.
const KNOWN: &[&str] = &["HEALTHCHECK", "ONBUILD", "VOLUME", "SHELL", "MAINTAINER"];

/// One instruction, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The line it starts on (1-based).
    pub line: usize,
    /// Upper case: `RUN`, `COPY` …
    pub keyword: String,
    /// `--name=value` flags before the arguments.
    pub flags: Vec<(String, String)>,
    pub args: Args,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// A JSON array: exec form.
    Exec(Vec<String>),
    /// Plain text: shell form.
    Shell(String),
}

impl Args {
    /// The text as written (exec form re-serialised as JSON).
    pub fn text(&self) -> String {
        match self {
            Args::Exec(v) => serde_json::to_string(v).expect("json"),
            Args::Shell(s) => s.clone(),
        }
    }
}

fn error(line: usize, what: String) -> Error {
    Error::Usage(msg!(m::DOCKERFILE_LINE, line = line, what = what))
}

/// Parse a Dockerfile. Unsupported and unknown instructions, and flags an
/// instruction does not take, are refused with their line number.
pub fn parse(text: &str) -> Result<Vec<Instruction>, Error> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let trimmed = raw.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && pending.is_some()) {
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        let (start, mut acc) = pending.take().unwrap_or((n, String::new()));
        let body = raw.trim_end();
        if let Some(cont) = body.strip_suffix('\\') {
            acc.push_str(cont);
            pending = Some((start, acc));
            continue;
        }
        acc.push_str(body);
        out.push(instruction(start, acc.trim())?);
    }
    if let Some((start, acc)) = pending {
        out.push(instruction(start, acc.trim())?);
    }
    Ok(out)
}

fn instruction(line: usize, text: &str) -> Result<Instruction, Error> {
    let (word, rest) = text
        .split_once(char::is_whitespace)
        .map(|(w, r)| (w, r.trim_start()))
        .unwrap_or((text, ""));
    let keyword = word.to_ascii_uppercase();
    if !SUPPORTED.contains(&keyword.as_str()) {
        let what = if KNOWN.contains(&keyword.as_str()) {
            msg!(m::UNSUPPORTED_INSTRUCTION, instruction = keyword)
        } else {
            msg!(m::UNKNOWN_INSTRUCTION, instruction = word)
        };
        return Err(error(line, what));
    }
    let mut rest = rest;
    let mut flags = Vec::new();
    while let Some(f) = rest.strip_prefix("--") {
        let (flag, after) = f
            .split_once(char::is_whitespace)
            .map(|(a, b)| (a, b.trim_start()))
            .unwrap_or((f, ""));
        let (name, value) = flag.split_once('=').unwrap_or((flag, ""));
        let allowed: &[&str] = match keyword.as_str() {
            "COPY" | "ADD" => &["chown"],
            _ => &[],
        };
        if !allowed.contains(&name) {
            return Err(error(
                line,
                msg!(
                    m::UNSUPPORTED_FLAG,
                    flag = format!("--{name}"),
                    instruction = keyword
                ),
            ));
        }
        flags.push((name.to_string(), value.to_string()));
        rest = after;
    }
    let args = if rest.starts_with('[') {
        match serde_json::from_str::<Vec<String>>(rest) {
            Ok(v) => Args::Exec(v),
            Err(_) => Args::Shell(rest.to_string()),
        }
    } else {
        Args::Shell(rest.to_string())
    };
    if rest.is_empty() && !matches!(keyword.as_str(), "CMD" | "ENTRYPOINT") {
        return Err(error(line, msg!(m::NEEDS_ARGUMENTS, instruction = keyword)));
    }
    Ok(Instruction {
        line,
        keyword,
        flags,
        args,
    })
}

/// Split `text` into words as docker does (quotes group and are removed,
/// `\` escapes the next character outside single quotes) and replace
/// variables from `var` as it goes. A variable never set is empty.
pub fn words(text: &str, var: &dyn Fn(&str) -> Option<String>) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut has_word = false;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if has_word {
                    out.push(std::mem::take(&mut cur));
                    has_word = false;
                }
                i += 1;
                continue;
            }
            (None, '\'') | (None, '"') => {
                quote = Some(c);
                has_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => cur.push(c),
            (_, '\\') => {
                i += 1;
                if let Some(&next) = chars.get(i) {
                    // Inside double quotes only \" \\ \$ are escapes.
                    if quote == Some('"') && !matches!(next, '"' | '\\' | '$') {
                        cur.push('\\');
                    }
                    cur.push(next);
                }
                has_word = true;
            }
            (_, '$') => {
                let (value, used) = variable(&chars[i + 1..], var)?;
                cur.push_str(&value);
                i += used;
                has_word = true;
            }
            (_, c) => {
                cur.push(c);
                has_word = true;
            }
        }
        i += 1;
    }
    if quote.is_some() {
        return Err(msg!(m::UNMATCHED_QUOTE, text = text));
    }
    if has_word {
        out.push(cur);
    }
    Ok(out)
}

/// One `$NAME` or `${…}` after the `$`: its value and how many characters
/// it took (a `$` that names nothing stays a `$`).
fn variable(
    rest: &[char],
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, usize), String> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if rest.first() == Some(&'{') {
        let close = rest
            .iter()
            .position(|&c| c == '}')
            .ok_or_else(|| msg!(m::BAD_SUBSTITUTION, text = rest.iter().collect::<String>()))?;
        let inner: String = rest[1..close].iter().collect();
        let value = if let Some((name, word)) = inner.split_once(":-") {
            var(name)
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| word.to_string())
        } else if let Some((name, word)) = inner.split_once(":+") {
            match var(name).filter(|v| !v.is_empty()) {
                Some(_) => word.to_string(),
                None => String::new(),
            }
        } else if inner.chars().all(is_name) && !inner.is_empty() {
            var(&inner).unwrap_or_default()
        } else {
            return Err(msg!(m::BAD_SUBSTITUTION, text = format!("${{{inner}}}")));
        };
        return Ok((value, close + 1));
    }
    let len = rest.iter().take_while(|&&c| is_name(c)).count();
    if len == 0 {
        return Ok(("$".into(), 0));
    }
    let name: String = rest[..len].iter().collect();
    Ok((var(&name).unwrap_or_default(), len))
}

/// `K=V` words (ENV, LABEL, ARG), or ENV's old `K V` form.
pub fn pairs(keyword: &str, words: &[String]) -> Result<Vec<(String, Option<String>)>, String> {
    if words.is_empty() {
        return Ok(Vec::new());
    }
    if keyword == "ENV" && !words[0].contains('=') {
        // `ENV NAME the rest of the line`.
        return Ok(vec![(words[0].clone(), Some(words[1..].join(" ")))]);
    }
    words
        .iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), Some(v.to_string()))),
            None if keyword == "ARG" => Ok((w.clone(), None)),
            _ => Err(msg!(m::NOT_KEY_VALUE, instruction = keyword, word = w)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "A" => Some("one".into()),
            "SP" => Some("a b".into()),
            "E" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn lines_continuations_comments_and_forms() {
        let f = "# a comment\nFROM base\n\nrun echo a \\\n  # inside\n  && echo b\nCMD [\"sh\", \"-c\", \"x\"]\nCOPY --chown=1:2 a /b\nENTRYPOINT\n";
        let i = parse(f).unwrap();
        assert_eq!(i.len(), 5);
        assert_eq!(i[0].keyword, "FROM");
        assert_eq!(i[1].keyword, "RUN");
        assert_eq!(i[1].line, 4);
        assert_eq!(i[1].args, Args::Shell("echo a   && echo b".into()));
        assert_eq!(
            i[2].args,
            Args::Exec(vec!["sh".into(), "-c".into(), "x".into()])
        );
        assert_eq!(i[3].flags, [("chown".to_string(), "1:2".to_string())]);
        assert_eq!(i[3].args, Args::Shell("a /b".into()));
    }

    #[test]
    fn unsupported_and_unknown_instructions_name_their_line() {
        let e = parse("FROM a\nHEALTHCHECK CMD true\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("HEALTHCHECK"), "{e}");
        let e = parse("FROM a\n\nFOO bar\n").unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("FOO"), "{e}");
        let e = parse("FROM a\nRUN --mount=type=cache x\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("--mount"), "{e}");
    }

    #[test]
    fn words_quote_escape_and_substitute() {
        let w = |s: &str| words(s, &vars).unwrap();
        assert_eq!(w("a $A ${A}x"), ["a", "one", "onex"]);
        assert_eq!(w("'$A' \"$A b\""), ["$A", "one b"]);
        assert_eq!(
            w("\\$A ${B:-dflt} ${A:+alt} ${E:-e}"),
            ["$A", "dflt", "alt", "e"]
        );
        assert_eq!(w("K=\"v w\" L=x\\ y"), ["K=v w", "L=x y"]);
        assert_eq!(w("$SP"), ["a b"]);
        assert_eq!(w("cost $ 5"), ["cost", "$", "5"]);
        assert!(words("\"open", &vars).is_err());
    }

    #[test]
    fn env_pairs_in_both_forms() {
        let p = |k: &str, s: &str| pairs(k, &words(s, &vars).unwrap()).unwrap();
        assert_eq!(
            p("ENV", "A=1 B=\"2 3\""),
            [
                ("A".into(), Some("1".into())),
                ("B".into(), Some("2 3".into()))
            ]
        );
        assert_eq!(
            p("ENV", "NAME some value"),
            [("NAME".into(), Some("some value".into()))]
        );
        assert_eq!(p("ARG", "V"), [("V".into(), None)]);
    }
}
