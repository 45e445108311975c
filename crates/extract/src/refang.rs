//! Refanging: defanged forms turned back into the characters they stand for.
//!
//! Analysts defang indicators so that nobody clicks them (`hxxps://evil[.]com`), scammers
//! obfuscate them so that filters miss them (`john dot smith at gmail dot com`). [`refang`]
//! undoes the common forms:
//!
//! | written | becomes | |
//! |---|---|---|
//! | `hxxp`, `hxxps`, `hxtp`, `h**p`, `h[tt]p`, `fxp` (+ `:`) | `http`, `https`, `ftp` | only as a scheme, before `:` |
//! | `[.]` `(.)` `{.}` `[dot]` `(dot)` `{dot}` `<.>` `\.` | `.` | spaces around a bracketed form go too |
//! | ` dot ` | `.` | only between two label characters, not after `the`, `a`, `polka`, … |
//! | `[:]` `(:)` `[://]` `[/]` `[//]` | `:` `://` `/` `//` | |
//! | `[@]` `(@)` `{@}` `[at]` `(at)` `{at}` | `@` | spaces around a bracketed form go too |
//! | ` at ` | `@` | only in an e-mail: a local part before, a domain after (with a defanged dot, or a plain dot when the sentence speaks of mail) |
//!
//! Every replaced byte is marked, so findings know they were defanged. Phone numbers written
//! digit by digit or in brackets are read by the phone scanner itself.

use std::sync::LazyLock;

use regex::Regex;

use crate::normalize::{Builder, Mapped};

static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
          (?:hxxp|hxtp|h\*\*p|h\[tt\]p|fxp)s?(?:\[:\]|\(:\)|\[://\]|:)
        | \x20?(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|<\.>)\x20?
        | \\\.
        | \x20dot\x20
        | \[:\] | \(:\) | \[://\] | \[/\] | \[//\]
        | \x20?(?:\[@\]|\(@\)|\{@\}|\[at\]|\(at\)|\{at\})\x20?
        | \x20at\x20
        ",
    )
    .expect("refang pattern")
});

/// Words before ` dot ` that make it English rather than an address (`the dot com era`).
const DOT_STOPWORDS: [&str; 16] = [
    "the", "a", "an", "this", "that", "one", "each", "every", "polka", "red", "blue", "black", "white",
    "green", "small", "little",
];

/// Words that make a plain ` at ` before `name.tld` an e-mail address.
const MAIL_CUES: [&str; 8] =
    ["mail", "contact", "courriel", "correo", "adresse", "address", "write", "wrote"];

/// Refangs a normalised text. Returns it unchanged (without copying) when nothing is defanged.
pub fn refang<'a>(norm: Mapped<'a>) -> Mapped<'a> {
    let (text, layer) = {
        let text: &str = &norm.text;
        let edits: Vec<(usize, usize, &'static str)> =
            TOKEN.find_iter(text).filter_map(|m| replacement(text, m.start(), m.end())).collect();
        if edits.is_empty() {
            return norm;
        }
        let mut b = Builder::with_capacity(text.len());
        let mut at = 0;
        for (start, end, with) in edits {
            b.push_verbatim(&text[at..start], at);
            b.push(with, start, end, true);
            at = end;
        }
        b.push_verbatim(&text[at..], at);
        b.into_parts()
    };
    norm.then(text, layer)
}

/// What the token at `text[start..end]` stands for, as `(start, end, replacement)`, or `None`
/// when it is ordinary text.
fn replacement(text: &str, start: usize, end: usize) -> Option<(usize, usize, &'static str)> {
    let token = &text[start..end];
    let bytes = text.as_bytes();
    let before = start.checked_sub(1).map(|i| bytes[i]);
    let after = bytes.get(end).copied();
    // Tokens are short (at most `hxxps[://]` with spaces): lowercase them on the stack.
    let mut buf = [0u8; 16];
    let n = token.len().min(buf.len());
    buf[..n].copy_from_slice(&token.as_bytes()[..n]);
    buf[..n].make_ascii_lowercase();
    let lower = std::str::from_utf8(&buf[..n]).unwrap_or("");
    let &first = lower.as_bytes().first()?;
    if first == b'h' || first == b'f' {
        // A scheme: not inside a word.
        if before.is_some_and(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        let https = lower.trim_end_matches(['[', ']', '(', ')', ':', '/']).ends_with('s');
        let slashes = lower.contains("//");
        return Some((
            start,
            end,
            match (first, https, slashes) {
                (b'f', true, false) => "ftps:",
                (b'f', true, true) => "ftps://",
                (b'f', false, false) => "ftp:",
                (b'f', false, true) => "ftp://",
                (_, true, false) => "https:",
                (_, true, true) => "https://",
                (_, false, false) => "http:",
                (_, false, true) => "http://",
            },
        ));
    }
    let core = lower.trim_matches(' ');
    let (lead, trail) = (token.starts_with(' '), token.ends_with(' ') && token.len() > 1);
    let bracketed = |with: &'static str| -> Option<(usize, usize, &'static str)> {
        // Spaces on both sides belong to the token; a space on one side only stays.
        if lead && trail {
            Some((start, end, with))
        } else {
            Some((start + usize::from(lead), end - usize::from(trail), with))
        }
    };
    match core {
        "[.]" | "(.)" | "{.}" | "[dot]" | "(dot)" | "{dot}" | "<.>" => bracketed("."),
        "[@]" | "(@)" | "{@}" | "[at]" | "(at)" | "{at}" => bracketed("@"),
        "\\." => Some((start, end, ".")),
        "[:]" | "(:)" => Some((start, end, ":")),
        "[://]" => Some((start, end, "://")),
        "[/]" => Some((start, end, "/")),
        "[//]" => Some((start, end, "//")),
        "dot" => {
            let label = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'-');
            if !label(before) || !after.is_some_and(|c| c.is_ascii_alphanumeric()) {
                return None;
            }
            let word = last_word(&text[..start]);
            if DOT_STOPWORDS.iter().any(|w| word.eq_ignore_ascii_case(w)) {
                return None;
            }
            Some((start, end, "."))
        }
        "at" => email_at(text, start, end).then_some((start, end, "@")),
        _ => None,
    }
}

/// The word (run of non-space characters) that ends `s`.
fn last_word(s: &str) -> &str {
    let i = s.rfind(|c: char| c.is_whitespace()).map_or(0, |i| i + 1);
    &s[i..]
}

/// Whether the plain ` at ` at `text[start..end]` joins the two halves of an e-mail address.
fn email_at(text: &str, start: usize, end: usize) -> bool {
    let head = &text.as_bytes()[..start];
    let n = head.iter().rev().take_while(|&&c| c.is_ascii_alphanumeric() || b"._%+-".contains(&c)).count();
    let local = &head[head.len() - n..];
    if local.is_empty() || !local[local.len() - 1].is_ascii_alphanumeric() {
        return false;
    }
    let rest = &text[end..];
    // `wrote to him at bob@evil.ru`: the address is already whole.
    if rest.split(char::is_whitespace).next().is_some_and(|w| w.contains('@')) {
        return false;
    }
    let label = rest.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'-').count();
    if label == 0 {
        return false;
    }
    let rest = &rest[label..];
    const DEFANGED_DOTS: [&str; 14] = [
        " dot ", "[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}", " [.] ", " (.) ", " [dot] ", " (dot) ",
        " {dot} ", "<.>", "\\.",
    ];
    let prefix_ci = |p: &str| rest.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    if DEFANGED_DOTS.iter().any(|p| prefix_ci(p)) {
        return true;
    }
    if !(rest.starts_with('.') && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic())) {
        return false;
    }
    let from = text[..start].char_indices().rev().nth(80).map_or(0, |(i, _)| i);
    let window = text[from..start].to_ascii_lowercase();
    MAIL_CUES.iter().any(|cue| window.contains(cue))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn rf(text: &str) -> String {
        refang(normalize(text)).text.into_owned()
    }

    #[test]
    fn forms() {
        let cases = [
            ("hxxps://evil[.]com/x", "https://evil.com/x"),
            ("HXXP://evil(.)com", "http://evil.com"),
            ("h**ps://a{.}b[dot]c(dot)d", "https://a.b.c.d"),
            ("hxxps[:]//evil[.]com", "https://evil.com"),
            ("hxxps[://]evil[.]com[/]path", "https://evil.com/path"),
            ("fxp://files[.]ru", "ftp://files.ru"),
            ("evil\\.com", "evil.com"),
            ("evil [.] com", "evil.com"),
            ("evil [DOT] com", "evil.com"),
            ("1.2.3[.]4", "1.2.3.4"),
            ("john[@]mail(.)ru", "john@mail.ru"),
            ("john(@)gmail.com", "john@gmail.com"),
            ("john{@}gmail.com", "john@gmail.com"),
            ("john [at] gmail [dot] com", "john@gmail.com"),
            ("john(at)gmail(dot)com", "john@gmail.com"),
            ("john dot smith at gmail dot com", "john.smith@gmail.com"),
            ("email me: john at gmail.com", "email me: john@gmail.com"),
        ];
        for (input, want) in cases {
            assert_eq!(rf(input), want, "{input}");
        }
    }

    #[test]
    fn plain_words_stay() {
        for text in [
            "I was at home.It rained",
            "meet me at noon.It was",
            "the dot com era",
            "a polka dot dress",
            "whxxp: not a scheme",
            "look at this",
            "a dot",
        ] {
            assert_eq!(rf(text), text);
        }
    }

    #[test]
    fn spans_and_marks() {
        let text = "go to hxxps://evil[.]com now";
        let m = refang(normalize(text));
        assert_eq!(m.text, "go to https://evil.com now");
        let s = m.text.find("https").unwrap();
        let e = s + "https://evil.com".len();
        assert_eq!(m.original_span(s, e), (6, 6 + "hxxps://evil[.]com".len()));
        assert!(m.is_marked(s, e));
        assert!(!m.is_marked(0, 5));
        let n = m.text.find("now").unwrap();
        assert_eq!(&text[m.original_span(n, n + 3).0..m.original_span(n, n + 3).1], "now");
    }

    #[test]
    fn composes_with_normalisation() {
        let text = "電話: evil[.]com。net and ｈｘｘｐ://a(.)b";
        let m = refang(normalize(text));
        assert!(m.text.contains("evil.com.net"), "{}", m.text);
        assert!(m.text.contains("http://a.b"), "{}", m.text);
        let s = m.text.find("evil").unwrap();
        let (a, b) = m.original_span(s, s + "evil.com.net".len());
        assert_eq!(&text[a..b], "evil[.]com。net");
        let s = m.text.find("http").unwrap();
        let (a, b) = m.original_span(s, s + "http://a.b".len());
        assert_eq!(&text[a..b], "ｈｘｘｐ://a(.)b");
    }
}
