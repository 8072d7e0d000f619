//! Names for containers started without `--name`, in docker's style: an
//! adjective and the surname of a scientist or engineer, `admiring_hopper`.
//! (docker's own list is longer; the idea is the same: a name a person can
//! read out in class, unlike an id.)

const ADJECTIVES: &[&str] = &[
    "admiring",
    "bold",
    "brave",
    "busy",
    "calm",
    "clever",
    "cool",
    "curious",
    "dazzling",
    "eager",
    "elegant",
    "epic",
    "festive",
    "focused",
    "friendly",
    "gallant",
    "gentle",
    "happy",
    "hopeful",
    "jolly",
    "keen",
    "kind",
    "loving",
    "lucid",
    "modest",
    "nifty",
    "nostalgic",
    "optimistic",
    "peaceful",
    "practical",
    "quirky",
    "relaxed",
    "serene",
    "sharp",
    "stoic",
    "sweet",
    "tender",
    "trusting",
    "upbeat",
    "vibrant",
    "wizardly",
    "zealous",
];

const NAMES: &[&str] = &[
    "allen",
    "babbage",
    "bell",
    "bohr",
    "carson",
    "curie",
    "darwin",
    "dijkstra",
    "einstein",
    "euler",
    "faraday",
    "feynman",
    "franklin",
    "galileo",
    "gauss",
    "goodall",
    "hamilton",
    "hawking",
    "hopper",
    "hypatia",
    "johnson",
    "kepler",
    "knuth",
    "lamarr",
    "liskov",
    "lovelace",
    "mccarthy",
    "meitner",
    "mirzakhani",
    "newton",
    "noether",
    "pascal",
    "ritchie",
    "sammet",
    "shannon",
    "thompson",
    "torvalds",
    "turing",
    "wilson",
    "wozniak",
    "yonath",
];

/// A name not in `taken`, from the kernel's random pool.
pub fn generate(taken: &dyn Fn(&str) -> bool) -> String {
    for attempt in 0.. {
        let mut buf = [0u8; 4];
        // SAFETY: buf is valid for its length.
        unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
        let n = u32::from_le_bytes(buf) as usize;
        let mut name = format!(
            "{}_{}",
            ADJECTIVES[n % ADJECTIVES.len()],
            NAMES[(n / ADJECTIVES.len()) % NAMES.len()]
        );
        // As docker: after some collisions, a digit goes on the end.
        if attempt >= 8 {
            name.push_str(&(n % 10).to_string());
        }
        if !taken(&name) {
            return name;
        }
    }
    unreachable!("the loop returns")
}

/// docker's rule for a name: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
pub fn valid(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() >= 2
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_and_avoid_the_taken_ones() {
        let n = generate(&|_| false);
        assert!(valid(&n) && n.contains('_'), "{n}");
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let m = generate(&|x| seen.contains(x));
            assert!(seen.insert(m));
        }
        assert!(valid("web1") && valid("a.b-c_d"));
        assert!(!valid("x") && !valid("-web") && !valid("web server") && !valid("웹"));
    }
}
