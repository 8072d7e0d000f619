//! `.dockerignore`: which files of the build context COPY and ADD never see.
//!
//! One pattern a line, relative to the context (a leading `/` means the
//! same); `#` starts a comment line. `*` matches any run of characters
//! but `/`, `?` one character but `/`, `[a-z]` one of a set, `**` any
//! number of directories (`**/*.log` is every .log file, however deep). A
//! pattern that matches a directory matches everything in it. A pattern
//! starting with `!` takes matched paths back in. The last pattern that
//! matches a path decides, so `*.md` then `!README.md` keeps README.md
//! only. The same patterns also pick COPY's sources (`COPY *.txt /x/`).

/// A parsed `.dockerignore`.
#[derive(Debug, Default, Clone)]
pub struct Ignore {
    /// (pattern, is an exception `!`), in order.
    patterns: Vec<(String, bool)>,
}

impl Ignore {
    pub fn parse(text: &str) -> Ignore {
        let patterns = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let (p, exception) = match l.strip_prefix('!') {
                    Some(p) => (p.trim(), true),
                    None => (l, false),
                };
                let p = clean(p);
                (!p.is_empty()).then_some((p, exception))
            })
            .collect();
        Ignore { patterns }
    }

    /// Whether the context path `rel` (`a/b.txt`, no leading `/`) is left out.
    pub fn ignored(&self, rel: &str) -> bool {
        let rel = clean(rel);
        let mut out = false;
        for (p, exception) in &self.patterns {
            if matches_or_parent(p, &rel) {
                out = !exception;
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

/// A path without `./`, duplicate or trailing `/`, and `..` resolved.
pub fn clean(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

/// Whether `pattern` matches `path` or one of its parent directories.
pub fn matches_or_parent(pattern: &str, path: &str) -> bool {
    if glob(pattern, path) {
        return true;
    }
    let mut p = path;
    while let Some((parent, _)) = p.rsplit_once('/') {
        if glob(pattern, parent) {
            return true;
        }
        p = parent;
    }
    false
}

/// Whether the whole of `path` matches `pattern` (see the module's rules).
pub fn glob(pattern: &str, path: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = path.chars().collect();
    go(&p, &s)
}

fn go(p: &[char], s: &[char]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some('*') if p.get(1) == Some(&'*') => {
            // `**/` matches zero or more whole directories; a final `**`
            // everything.
            let rest = if p.get(2) == Some(&'/') {
                &p[3..]
            } else {
                &p[2..]
            };
            if rest.is_empty() {
                return true;
            }
            if go(rest, s) {
                return true;
            }
            (0..s.len()).any(|i| s[i] == '/' && go(rest, &s[i + 1..]))
        }
        Some('*') => {
            let rest = &p[1..];
            for i in 0..=s.len() {
                if go(rest, &s[i..]) {
                    return true;
                }
                if i < s.len() && s[i] == '/' {
                    break;
                }
            }
            false
        }
        Some('?') => !s.is_empty() && s[0] != '/' && go(&p[1..], &s[1..]),
        Some('[') => {
            let Some(close) = p.iter().skip(1).position(|&c| c == ']').map(|i| i + 1) else {
                return s.first() == Some(&'[') && go(&p[1..], &s[1..]);
            };
            let Some(&c) = s.first() else { return false };
            let set = &p[1..close];
            let (neg, set) = match set.first() {
                Some('!') | Some('^') => (true, &set[1..]),
                _ => (false, set),
            };
            let mut hit = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == '-' {
                    hit |= set[i] <= c && c <= set[i + 2];
                    i += 3;
                } else {
                    hit |= set[i] == c;
                    i += 1;
                }
            }
            c != '/' && hit != neg && go(&p[close + 1..], &s[1..])
        }
        Some('\\') if p.len() > 1 => s.first() == Some(&p[1]) && go(&p[2..], &s[1..]),
        Some(&c) => s.first() == Some(&c) && go(&p[1..], &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_as_docker() {
        assert!(glob("*.txt", "a.txt"));
        assert!(!glob("*.txt", "d/a.txt"));
        assert!(glob("**/*.txt", "d/e/a.txt"));
        assert!(glob("**/*.txt", "a.txt"));
        assert!(glob("d/**", "d/e/f"));
        assert!(glob("file?.[a-c]", "file1.b"));
        assert!(!glob("file?.[!a-c]", "file1.b"));
    }

    #[test]
    fn last_match_wins_and_directories_cover_their_files() {
        let i = Ignore::parse("# comment\n*.md\n!README.md\n/build\nsecret/\n");
        assert!(i.ignored("notes.md"));
        assert!(!i.ignored("README.md"));
        assert!(i.ignored("build/out.o"));
        assert!(i.ignored("secret/key"));
        assert!(!i.ignored("src/main.rs"));
        assert!(!i.ignored("docs/a.md"), "*.md is only the top level");
        let all = Ignore::parse("**\n!keep\n");
        assert!(all.ignored("x") && !all.ignored("keep"));
    }
}
