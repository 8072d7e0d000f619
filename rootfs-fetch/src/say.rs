//! A message in both languages: a [`Msg`] holds a template in English and
//! in Korean that name their values as `{name}`, and [`msg!`](crate::msg!)
//! fills in the one of the language chosen ([`crate::lang`]). Both crates
//! define their messages with [`messages!`](crate::messages!), one file
//! per part of the program; dockling's tests walk every list of them.

use std::fmt::Display;

use crate::lang::{self, Lang};

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

/// A message with no values, in the current language (a reason inside
/// another message, say).
impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text(lang::current()))
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
        $($(#[$doc])* pub const $name: $crate::say::Msg =
            $crate::say::Msg { en: $en, ko: $ko };)*
        /// Every message of this file, by name.
        pub const ALL: &[(&str, $crate::say::Msg)] = &[$((stringify!($name), $name)),*];
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
