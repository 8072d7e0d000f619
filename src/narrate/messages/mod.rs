//! Every sentence dockling says outside the step-by-step narration:
//! errors and their hints, warnings, progress, doctor, the tour, listings.
//!
//! Each message is a [`Msg`] constant holding its English and its Korean,
//! side by side, as templates that name their values as `{name}`. Code
//! says `msg!(NAME, key = value, …)` and gets the text in the language
//! chosen for this run ([`super::lang`]). The constants are grouped by the
//! part of dockling that says them, one file each, with a list of all of
//! them that the tests walk: both languages present, Korean in Hangul,
//! the same placeholders in both.

use std::fmt::Display;

use super::lang::{self, Lang};

pub mod build;
pub mod containers;
pub mod engines;
pub mod images;
pub mod push;

/// One message in both languages.
#[derive(Debug, Clone, Copy)]
pub struct Msg {
    pub en: &'static str,
    pub ko: &'static str,
}

impl Msg {
    /// The template in `lang`.
    pub fn text(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Ko => self.ko,
        }
    }

    /// The message in the current language with `{name}`s filled in.
    pub fn fill(&self, values: &[(&str, &dyn Display)]) -> String {
        fill(self.text(lang::current()), values)
    }
}

/// Replace each `{name}` with its value; unknown names stay as they are.
pub fn fill(template: &str, values: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}');
        let key = close.map(|c| &after[..c]);
        match key.and_then(|k| values.iter().find(|(n, _)| *n == k)) {
            Some((k, v)) => {
                out.push_str(&v.to_string());
                rest = &after[k.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Define messages: `NAME = "English" / "한국어";`, and `ALL`, the list of
/// them with their names, for the tests.
#[macro_export]
macro_rules! messages {
    ($($(#[$doc:meta])* $name:ident = $en:literal / $ko:literal;)*) => {
        $($(#[$doc])* pub const $name: $crate::narrate::messages::Msg =
            $crate::narrate::messages::Msg { en: $en, ko: $ko };)*
        /// Every message of this file, by name.
        pub const ALL: &[(&str, $crate::narrate::messages::Msg)] = &[$((stringify!($name), $name)),*];
    };
}

/// The text of a message in the current language:
/// `msg!(containers::NO_SUCH, name = n)`.
#[macro_export]
macro_rules! msg {
    ($m:expr $(, $k:ident = $v:expr)* $(,)?) => {
        $m.fill(&[$((stringify!($k), &$v as &dyn ::std::fmt::Display)),*])
    };
}

/// Every message of every file.
pub fn all() -> Vec<(&'static str, Msg)> {
    [
        containers::ALL,
        images::ALL,
        push::ALL,
        build::ALL,
        engines::ALL,
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrate::catalog::placeholders;

    #[test]
    fn every_message_has_both_languages_with_the_same_placeholders() {
        for (name, m) in all() {
            assert!(!m.en.trim().is_empty(), "{name}: no English");
            assert!(
                lang::has_hangul(m.ko),
                "{name}: the Korean has no Hangul: {}",
                m.ko
            );
            let mut en = placeholders(m.en);
            let mut ko = placeholders(m.ko);
            en.sort();
            ko.sort();
            assert_eq!(en, ko, "{name}: placeholders differ");
        }
    }

    #[test]
    fn fill_names_values_and_leaves_other_braces() {
        let n = 3;
        assert_eq!(
            fill("{a} and {b} {c", &[("a", &"x"), ("b", &n)]),
            "x and 3 {c"
        );
        assert_eq!(fill("{{json .Id}} {x}", &[("x", &1)]), "{{json .Id}} 1");
    }
}
