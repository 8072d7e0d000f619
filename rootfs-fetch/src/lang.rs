//! Which language dockling speaks: English or Korean (한국어).
//!
//! Chosen once, at the start of the command: `--lang`, else
//! `DOCKLING_LANG`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`, the
//! first one set) starting with `ko` means Korean; anything else English.
//! The catalog, the messages and the lessons follow it; the json trace
//! keeps its English keys. It lives in this crate, the lower of the two,
//! so that rootfs-fetch's own errors (a registry that refuses, an archive
//! entry refused) are said in the same language as the rest of dockling.

use std::sync::atomic::{AtomicU8, Ordering};

/// A language dockling has every sentence in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// 한국어 (Korean).
    Ko,
}

/// 0: not chosen yet; 1: English; 2: Korean.
static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Choose the language for the rest of the process. dockling chooses
/// twice: from a scan of its arguments before clap parses them (so that
/// help and a refused value speak it), then from `--lang` as clap read it.
pub fn set(lang: Lang) {
    let v = match lang {
        Lang::En => 1,
        Lang::Ko => 2,
    };
    CURRENT.store(v, Ordering::Relaxed);
}

/// The language chosen, or the one the environment asks for.
pub fn current() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::En,
        2 => Lang::Ko,
        _ => {
            let lang = from_env();
            set(lang);
            lang
        }
    }
}

/// `DOCKLING_LANG`, else the locale, as the C library reads it: the first
/// of `LC_ALL`, `LC_MESSAGES`, `LANG` that is set and not empty.
pub fn from_env() -> Lang {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let chosen = var("DOCKLING_LANG")
        .or_else(|| var("LC_ALL"))
        .or_else(|| var("LC_MESSAGES"))
        .or_else(|| var("LANG"));
    match chosen {
        Some(v) if v.to_ascii_lowercase().starts_with("ko") => Lang::Ko,
        _ => Lang::En,
    }
}

/// Whether `text` has a Hangul syllable or letter in it.
pub fn has_hangul(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The last choice wins: dockling chooses before parsing and again
    /// after, and a `--lang en` must beat a Korean locale read earlier.
    #[test]
    fn the_last_choice_wins() {
        set(Lang::Ko);
        assert_eq!(current(), Lang::Ko);
        set(Lang::En);
        assert_eq!(current(), Lang::En);
    }
}
