//! Which language dockling speaks: English or Korean (한국어).
//!
//! Chosen once, at the start of the command: `--lang`, else
//! `DOCKLING_LANG`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`, the
//! first one set) starting with `ko` means Korean; anything else English.
//! The catalog, the messages and the lessons follow it; the json trace
//! keeps its English keys. It lives in this crate, the lower of the two,
//! so that rootfs-fetch's own errors (a registry that refuses, an archive
//! entry refused) are said in the same language as the rest of dockling.

use std::sync::OnceLock;

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

static CURRENT: OnceLock<Lang> = OnceLock::new();

/// Choose the language for the rest of the process (the first call wins).
pub fn set(lang: Lang) {
    let _ = CURRENT.set(lang);
}

/// The language chosen, or the one the environment asks for.
pub fn current() -> Lang {
    *CURRENT.get_or_init(from_env)
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
