//! The STIX 2.1 patterning language (STIX 2.1 §9), parsed by recursive descent.
//!
//! The grammar follows the OASIS ANTLR grammar (`STIXPattern.g4`, STIX 2.1 version):
//!
//! ```text
//! pattern      = obs-followedby
//! obs-followed = obs-or *( "FOLLOWEDBY" obs-or )      ; lowest precedence, left-associative
//! obs-or       = obs-and *( "OR" obs-and )
//! obs-and      = obs-qual *( "AND" obs-qual )
//! obs-qual     = obs-primary *( qualifier )
//! obs-primary  = "[" cmp-or "]" / "(" obs-followed ")"
//! qualifier    = "WITHIN" pos-number "SECONDS" / "REPEATS" pos-int "TIMES"
//!              / "START" timestamp "STOP" timestamp
//! cmp-or       = cmp-and *( "OR" cmp-and )
//! cmp-and      = test *( "AND" test )
//! test         = "(" cmp-or ")" / "EXISTS" path / path ["NOT"] operator operand
//! path         = type ":" component *( "." component / "[" (int / "*") "]" )
//! ```
//!
//! Keywords are upper case (`within` is not `WITHIN`); `true` and `false` are accepted in any
//! case. Whitespace and `/* … */` and `// …` comments are skipped. Two deliberate leniencies
//! for what other tools write: unquoted path components may contain hyphens
//! (`file:extensions.windows-pebinary-ext`, STIX 2.0 style), and `==` and `<>` are read as
//! `=` and `!=` as the OASIS grammar does. A bracketed observation may carry each qualifier
//! kind once (`[…] WITHIN 5 SECONDS WITHIN 6 SECONDS` is refused, as the OASIS validator
//! refuses it); a parenthesised expression may be qualified again.
//!
//! Object-level checks (is this a known SCO type, is this a valid SHA-256) are not the
//! grammar's business and are not made here.

use std::fmt;

/// Deeper nesting than this is refused (the parser recurses; input is untrusted).
const MAX_DEPTH: usize = 128;

/// Why a pattern does not parse: a lowercase message and the byte offset it applies to.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("pattern: {message} at {offset}")]
pub struct PatternError {
    /// Byte offset in the input.
    pub offset: usize,
    /// Lowercase, no trailing period, e.g. `expected ']'`.
    pub message: String,
}

impl PatternError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        PatternError { offset, message: message.into() }
    }
}

/// A parsed pattern: observation expressions combined and qualified.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    /// `[ comparison ]`: one observation.
    Observation(Comparison),
    And(Box<Pattern>, Box<Pattern>),
    Or(Box<Pattern>, Box<Pattern>),
    FollowedBy(Box<Pattern>, Box<Pattern>),
    Qualified(Box<Pattern>, Qualifier),
}

/// A qualifier of an observation expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS` (n > 0, integer or decimal).
    Within(f64),
    /// `REPEATS n TIMES` (n > 0).
    Repeats(u64),
    /// `START t'…' STOP t'…'` (timestamps as written).
    StartStop { start: String, stop: String },
}

/// A comparison expression, inside the brackets of an observation.
#[derive(Clone, Debug, PartialEq)]
pub enum Comparison {
    And(Box<Comparison>, Box<Comparison>),
    Or(Box<Comparison>, Box<Comparison>),
    /// `path [NOT] op literal`.
    Test {
        path: ObjectPath,
        negated: bool,
        op: Operator,
        value: Literal,
    },
    /// `path [NOT] IN (literal, …)`.
    In {
        path: ObjectPath,
        negated: bool,
        set: Vec<Literal>,
    },
    /// `EXISTS path`.
    Exists(ObjectPath),
}

/// A comparison operator other than `IN`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    Matches,
    IsSubset,
    IsSuperset,
}

impl Operator {
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "=",
            Operator::Ne => "!=",
            Operator::Lt => "<",
            Operator::Le => "<=",
            Operator::Gt => ">",
            Operator::Ge => ">=",
            Operator::Like => "LIKE",
            Operator::Matches => "MATCHES",
            Operator::IsSubset => "ISSUBSET",
            Operator::IsSuperset => "ISSUPERSET",
        }
    }
}

/// An object path: `file:hashes.'SHA-256'`, `email-message:body_multipart[*].body_raw_ref.name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectPath {
    pub object_type: String,
    /// At least one step; the first is always a [`PathStep::Key`].
    pub steps: Vec<PathStep>,
}

/// One step of an object path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    /// A property or dictionary key (quotes removed, escapes resolved).
    Key(String),
    /// A list index, `[0]` (negative indices count from the end).
    Index(i64),
    /// `[*]`: any member of a list.
    Any,
}

/// A literal value.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// `'…'`, escapes resolved.
    String(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// `t'2016-05-12T08:17:27.000Z'`: the text between the quotes.
    Timestamp(String),
    /// `h'ffd8'`: the hex digits as written.
    Hex(String),
    /// `b'dGVzdA=='`: the base64 text as written.
    Binary(String),
}

/// A non-negated equality on a property path with a string value: what names an observable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Equality {
    pub object_type: String,
    /// The property path, quotes removed: `hashes.'SHA-256'` is `["hashes", "SHA-256"]`.
    pub path: Vec<String>,
    pub value: String,
}

impl Pattern {
    /// Every non-negated `=` comparison (and every string member of a non-negated `IN`) whose
    /// path is made of property keys only and whose literal is a string, in pattern order.
    pub fn equalities(&self) -> Vec<Equality> {
        let mut out = Vec::new();
        self.collect_equalities(&mut out);
        out
    }

    fn collect_equalities(&self, out: &mut Vec<Equality>) {
        match self {
            Pattern::Observation(c) => c.collect_equalities(out),
            Pattern::And(a, b) | Pattern::Or(a, b) | Pattern::FollowedBy(a, b) => {
                a.collect_equalities(out);
                b.collect_equalities(out);
            }
            Pattern::Qualified(p, _) => p.collect_equalities(out),
        }
    }
}

impl Comparison {
    fn collect_equalities(&self, out: &mut Vec<Equality>) {
        match self {
            Comparison::And(a, b) | Comparison::Or(a, b) => {
                a.collect_equalities(out);
                b.collect_equalities(out);
            }
            Comparison::Test { path, negated: false, op: Operator::Eq, value: Literal::String(v) } => {
                if let Some(keys) = path.keys() {
                    out.push(Equality {
                        object_type: path.object_type.clone(),
                        path: keys,
                        value: v.clone(),
                    });
                }
            }
            Comparison::In { path, negated: false, set } => {
                if let Some(keys) = path.keys() {
                    for lit in set {
                        if let Literal::String(v) = lit {
                            out.push(Equality {
                                object_type: path.object_type.clone(),
                                path: keys.clone(),
                                value: v.clone(),
                            });
                        }
                    }
                }
            }
            Comparison::Test { .. } | Comparison::In { .. } | Comparison::Exists(_) => {}
        }
    }
}

impl ObjectPath {
    /// The path as property keys, or `None` when it has list steps.
    pub fn keys(&self) -> Option<Vec<String>> {
        self.steps
            .iter()
            .map(|s| match s {
                PathStep::Key(k) => Some(k.clone()),
                PathStep::Index(_) | PathStep::Any => None,
            })
            .collect()
    }
}

/// Escapes `s` for the inside of a pattern string literal (`\` → `\\`, `'` → `\'`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The pattern `[type:path = 'value']` for one property value, each path key quoted when it is
/// not a plain identifier: `equality_pattern("file", &["hashes", "SHA-256"], v)` is
/// `[file:hashes.'SHA-256' = '…']`.
pub fn equality_pattern(object_type: &str, path: &[&str], value: &str) -> String {
    let path = ObjectPath {
        object_type: object_type.to_owned(),
        steps: path.iter().map(|k| PathStep::Key((*k).to_owned())).collect(),
    };
    format!("[{path} = '{}']", escape(value))
}

/// Parses a STIX 2.1 pattern.
pub fn parse(input: &str) -> Result<Pattern, PatternError> {
    let tokens = lex(input)?;
    let mut p = Parser { tokens, pos: 0, depth: 0 };
    let pattern = p.followed_by()?;
    let t = p.peek();
    if t.tok != Tok::Eof {
        return Err(PatternError::new(t.offset, format!("unexpected {}", t.tok.describe())));
    }
    Ok(pattern)
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LBrack,
    RBrack,
    LParen,
    RParen,
    Colon,
    Dot,
    Comma,
    Star,
    Op(Operator),
    Ident(String),
    Str(String),
    /// An integer; `signed` when written with `-` (`+` is allowed and means positive).
    Int {
        value: i64,
        negative: bool,
    },
    Float(f64),
    Timestamp(String),
    Hex(String),
    Binary(String),
    Eof,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::LBrack => "'['".into(),
            Tok::RBrack => "']'".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Colon => "':'".into(),
            Tok::Dot => "'.'".into(),
            Tok::Comma => "','".into(),
            Tok::Star => "'*'".into(),
            Tok::Op(op) => format!("'{}'", op.as_str()),
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Str(_) => "string".into(),
            Tok::Int { .. } | Tok::Float(_) => "number".into(),
            Tok::Timestamp(_) => "timestamp".into(),
            Tok::Hex(_) => "hex literal".into(),
            Tok::Binary(_) => "binary literal".into(),
            Tok::Eof => "end of pattern".into(),
        }
    }
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    offset: usize,
}

fn lex(input: &str) -> Result<Vec<Token>, PatternError> {
    let b = input.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        // Whitespace (ASCII and the Unicode spaces the OASIS grammar skips).
        if let Some(ch) = input[i..].chars().next()
            && ch.is_whitespace()
        {
            i += ch.len_utf8();
            continue;
        }
        if input[i..].starts_with("/*") {
            match input[i + 2..].find("*/") {
                Some(end) => i += 2 + end + 2,
                None => return Err(PatternError::new(start, "unterminated comment")),
            }
            continue;
        }
        if input[i..].starts_with("//") {
            i = input[i..].find(['\n', '\r']).map_or(b.len(), |n| i + n);
            continue;
        }
        let simple = match c {
            b'[' => Some(Tok::LBrack),
            b']' => Some(Tok::RBrack),
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            b':' => Some(Tok::Colon),
            b',' => Some(Tok::Comma),
            b'*' => Some(Tok::Star),
            _ => None,
        };
        if let Some(tok) = simple {
            out.push(Token { tok, offset: start });
            i += 1;
            continue;
        }
        let next = b.get(i + 1).copied();
        let op = match (c, next) {
            (b'=', Some(b'=')) => Some((Operator::Eq, 2)),
            (b'=', _) => Some((Operator::Eq, 1)),
            (b'!', Some(b'=')) => Some((Operator::Ne, 2)),
            (b'<', Some(b'>')) => Some((Operator::Ne, 2)),
            (b'<', Some(b'=')) => Some((Operator::Le, 2)),
            (b'<', _) => Some((Operator::Lt, 1)),
            (b'>', Some(b'=')) => Some((Operator::Ge, 2)),
            (b'>', _) => Some((Operator::Gt, 1)),
            _ => None,
        };
        if let Some((op, len)) = op {
            out.push(Token { tok: Tok::Op(op), offset: start });
            i += len;
            continue;
        }
        if c == b'\'' {
            let (s, end) = lex_string(input, i)?;
            out.push(Token { tok: Tok::Str(s), offset: start });
            i = end;
            continue;
        }
        if matches!(c, b't' | b'h' | b'b') && next == Some(b'\'') {
            let (s, end) = lex_string(input, i + 1)?;
            let tok = match c {
                b't' if is_timestamp(&s) => Tok::Timestamp(s),
                b't' => return Err(PatternError::new(start, format!("invalid timestamp {s:?}"))),
                b'h' if s.len().is_multiple_of(2) && s.bytes().all(|x| x.is_ascii_hexdigit()) => Tok::Hex(s),
                b'h' => return Err(PatternError::new(start, format!("invalid hex literal {s:?}"))),
                _ if is_base64(&s) => Tok::Binary(s),
                _ => return Err(PatternError::new(start, format!("invalid binary literal {s:?}"))),
            };
            out.push(Token { tok, offset: start });
            i = end;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
                i += 1;
            }
            out.push(Token { tok: Tok::Ident(input[start..i].to_owned()), offset: start });
            continue;
        }
        if c == b'.' && !next.is_some_and(|n| n.is_ascii_digit()) {
            out.push(Token { tok: Tok::Dot, offset: start });
            i += 1;
            continue;
        }
        if c.is_ascii_digit()
            || c == b'.'
            || ((c == b'-' || c == b'+') && next.is_some_and(|n| n.is_ascii_digit() || n == b'.'))
        {
            let (tok, end) = lex_number(input, i)?;
            out.push(Token { tok, offset: start });
            i = end;
            continue;
        }
        let ch = input[i..].chars().next().unwrap_or('?');
        return Err(PatternError::new(start, format!("unexpected character {ch:?}")));
    }
    out.push(Token { tok: Tok::Eof, offset: input.len() });
    Ok(out)
}

/// Reads a quoted string starting at the quote at `start`; returns its value and the offset
/// after the closing quote.
fn lex_string(input: &str, start: usize) -> Result<(String, usize), PatternError> {
    let mut value = String::new();
    let mut chars = input[start + 1..].char_indices();
    while let Some((k, ch)) = chars.next() {
        match ch {
            '\'' => return Ok((value, start + 1 + k + 1)),
            '\\' => match chars.next() {
                Some((_, e @ ('\'' | '\\'))) => value.push(e),
                Some((_, _)) => {
                    return Err(PatternError::new(
                        start + 1 + k,
                        "invalid escape in string (only \\' and \\\\ are allowed)",
                    ));
                }
                None => break,
            },
            other => value.push(other),
        }
    }
    Err(PatternError::new(start, "unterminated string"))
}

fn lex_number(input: &str, start: usize) -> Result<(Tok, usize), PatternError> {
    let b = input.as_bytes();
    let mut i = start;
    let negative = b[i] == b'-';
    if b[i] == b'-' || b[i] == b'+' {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = &input[int_start..i];
    if i < b.len() && b[i] == b'.' && b.get(i + 1).is_some_and(|n| n.is_ascii_digit()) {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let value: f64 = input[start..i].parse().map_err(|_| PatternError::new(start, "invalid number"))?;
        return Ok((Tok::Float(value), i));
    }
    if int_digits.is_empty() {
        return Err(PatternError::new(start, "invalid number"));
    }
    if int_digits.len() > 1 && int_digits.starts_with('0') {
        return Err(PatternError::new(start, "invalid number (leading zero)"));
    }
    let value: i64 = input[start..i]
        .trim_start_matches('+')
        .parse()
        .map_err(|_| PatternError::new(start, "integer out of range"))?;
    Ok((Tok::Int { value, negative }, i))
}

/// `YYYY-MM-DDTHH:MM:SS[.s+]Z` with the ranges of the OASIS grammar (seconds up to 60).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(u32::MAX);
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || b[10] != b'T'
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
        || b[b.len() - 1] != b'Z'
    {
        return false;
    }
    let frac = &b[19..b.len() - 1];
    let frac_ok =
        frac.is_empty() || (frac.len() >= 2 && frac[0] == b'.' && frac[1..].iter().all(u8::is_ascii_digit));
    frac_ok
        && (1..=12).contains(&num(5..7))
        && (1..=31).contains(&num(8..10))
        && num(11..13) <= 23
        && num(14..16) <= 59
        && num(17..19) <= 60
}

/// Non-empty base64 in groups of four, padding only at the end.
fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return false;
    }
    let pad = b.iter().rev().take_while(|&&c| c == b'=').count();
    pad <= 2 && b[..b.len() - pad].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
}

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn is_keyword(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s == kw)
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        let yes = self.is_keyword(kw);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), PatternError> {
        if self.peek().tok == tok {
            self.bump();
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    fn expect_keyword(&mut self, kw: &str) -> Result<(), PatternError> {
        if self.eat_keyword(kw) { Ok(()) } else { Err(self.expected(&format!("'{kw}'"))) }
    }

    fn expected(&self, what: &str) -> PatternError {
        let t = self.peek();
        PatternError::new(t.offset, format!("expected {what}, found {}", t.tok.describe()))
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(PatternError::new(self.peek().offset, "pattern nested too deeply"));
        }
        Ok(())
    }

    fn followed_by(&mut self) -> Result<Pattern, PatternError> {
        let mut left = self.obs_or()?;
        while self.eat_keyword("FOLLOWEDBY") {
            let right = self.obs_or()?;
            left = Pattern::FollowedBy(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn obs_or(&mut self) -> Result<Pattern, PatternError> {
        let mut left = self.obs_and()?;
        while self.eat_keyword("OR") {
            let right = self.obs_and()?;
            left = Pattern::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn obs_and(&mut self) -> Result<Pattern, PatternError> {
        let mut left = self.obs_qualified()?;
        while self.eat_keyword("AND") {
            let right = self.obs_qualified()?;
            left = Pattern::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn obs_qualified(&mut self) -> Result<Pattern, PatternError> {
        let bracketed = self.peek().tok == Tok::LBrack;
        let mut pattern = self.obs_primary()?;
        let mut seen: Vec<&'static str> = Vec::new();
        loop {
            let offset = self.peek().offset;
            let (kind, qualifier) = if self.eat_keyword("WITHIN") {
                let t = self.bump();
                let secs = match t.tok {
                    Tok::Int { value, negative: false } if value > 0 => value as f64,
                    Tok::Float(f) if f > 0.0 => f,
                    _ => {
                        return Err(PatternError::new(t.offset, "expected a positive number of seconds"));
                    }
                };
                self.expect_keyword("SECONDS")?;
                ("WITHIN", Qualifier::Within(secs))
            } else if self.eat_keyword("REPEATS") {
                let t = self.bump();
                let n = match t.tok {
                    Tok::Int { value, negative: false } if value > 0 => value as u64,
                    _ => return Err(PatternError::new(t.offset, "expected a positive integer")),
                };
                self.expect_keyword("TIMES")?;
                ("REPEATS", Qualifier::Repeats(n))
            } else if self.eat_keyword("START") {
                let start = self.timestamp()?;
                self.expect_keyword("STOP")?;
                let stop = self.timestamp()?;
                ("START", Qualifier::StartStop { start, stop })
            } else {
                break;
            };
            if bracketed && seen.contains(&kind) {
                return Err(PatternError::new(offset, format!("duplicate {kind} qualifier")));
            }
            seen.push(kind);
            pattern = Pattern::Qualified(Box::new(pattern), qualifier);
        }
        Ok(pattern)
    }

    fn timestamp(&mut self) -> Result<String, PatternError> {
        match &self.peek().tok {
            Tok::Timestamp(t) => {
                let t = t.clone();
                self.bump();
                Ok(t)
            }
            _ => Err(self.expected("a timestamp t'…'")),
        }
    }

    fn obs_primary(&mut self) -> Result<Pattern, PatternError> {
        self.enter()?;
        let result = match self.peek().tok {
            Tok::LBrack => {
                self.bump();
                let c = self.cmp_or()?;
                self.expect(Tok::RBrack, "']'")?;
                Pattern::Observation(c)
            }
            Tok::LParen => {
                self.bump();
                let p = self.followed_by()?;
                self.expect(Tok::RParen, "')'")?;
                p
            }
            _ => return Err(self.expected("'[' or '('")),
        };
        self.depth -= 1;
        Ok(result)
    }

    fn cmp_or(&mut self) -> Result<Comparison, PatternError> {
        let mut left = self.cmp_and()?;
        while self.eat_keyword("OR") {
            let right = self.cmp_and()?;
            left = Comparison::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn cmp_and(&mut self) -> Result<Comparison, PatternError> {
        let mut left = self.test()?;
        while self.eat_keyword("AND") {
            let right = self.test()?;
            left = Comparison::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn test(&mut self) -> Result<Comparison, PatternError> {
        if self.peek().tok == Tok::LParen {
            self.enter()?;
            self.bump();
            let c = self.cmp_or()?;
            self.expect(Tok::RParen, "')'")?;
            self.depth -= 1;
            return Ok(c);
        }
        if self.eat_keyword("EXISTS") {
            return Ok(Comparison::Exists(self.path()?));
        }
        let path = self.path()?;
        let negated = self.eat_keyword("NOT");
        let t = self.bump();
        let op = match t.tok {
            Tok::Op(op) => op,
            Tok::Ident(ref s) => match s.as_str() {
                "LIKE" => Operator::Like,
                "MATCHES" => Operator::Matches,
                "ISSUBSET" => Operator::IsSubset,
                "ISSUPERSET" => Operator::IsSuperset,
                "IN" => {
                    let set = self.set()?;
                    return Ok(Comparison::In { path, negated, set });
                }
                _ => return Err(PatternError::new(t.offset, format!("unknown operator '{s}'"))),
            },
            Tok::Eof => {
                return Err(PatternError::new(t.offset, "expected an operator, found end of pattern"));
            }
            other => {
                return Err(PatternError::new(t.offset, format!("unknown operator {}", other.describe())));
            }
        };
        let at = self.peek().offset;
        let value = self.literal()?;
        let ok = match op {
            Operator::Eq | Operator::Ne => true,
            Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge => !matches!(value, Literal::Bool(_)),
            Operator::Like | Operator::Matches | Operator::IsSubset | Operator::IsSuperset => {
                matches!(value, Literal::String(_))
            }
        };
        if !ok {
            let wanted = if matches!(op, Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge) {
                "an orderable literal (not a boolean)"
            } else {
                "a string literal"
            };
            return Err(PatternError::new(at, format!("{} needs {wanted}", op.as_str())));
        }
        Ok(Comparison::Test { path, negated, op, value })
    }

    fn set(&mut self) -> Result<Vec<Literal>, PatternError> {
        self.expect(Tok::LParen, "'(' after IN")?;
        let mut set = Vec::new();
        if self.peek().tok == Tok::RParen {
            self.bump();
            return Ok(set);
        }
        loop {
            set.push(self.literal()?);
            match self.peek().tok {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RParen => {
                    self.bump();
                    return Ok(set);
                }
                _ => return Err(self.expected("',' or ')'")),
            }
        }
    }

    fn literal(&mut self) -> Result<Literal, PatternError> {
        let lit = match &self.peek().tok {
            Tok::Str(s) => Literal::String(s.clone()),
            Tok::Int { value, .. } => Literal::Int(*value),
            Tok::Float(f) => Literal::Float(*f),
            Tok::Timestamp(t) => Literal::Timestamp(t.clone()),
            Tok::Hex(h) => Literal::Hex(h.clone()),
            Tok::Binary(b) => Literal::Binary(b.clone()),
            Tok::Ident(s) if s.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Tok::Ident(s) if s.eq_ignore_ascii_case("false") => Literal::Bool(false),
            _ => return Err(self.expected("a literal")),
        };
        self.bump();
        Ok(lit)
    }

    fn path(&mut self) -> Result<ObjectPath, PatternError> {
        let t = self.bump();
        let object_type = match t.tok {
            Tok::Ident(s) => s,
            other => {
                return Err(PatternError::new(
                    t.offset,
                    format!("expected an object type, found {}", other.describe()),
                ));
            }
        };
        self.expect(Tok::Colon, "':'")?;
        let mut steps = vec![PathStep::Key(self.path_key()?)];
        loop {
            match self.peek().tok {
                Tok::Dot => {
                    self.bump();
                    steps.push(PathStep::Key(self.path_key()?));
                }
                Tok::LBrack => {
                    self.bump();
                    let t = self.bump();
                    steps.push(match t.tok {
                        Tok::Star => PathStep::Any,
                        Tok::Int { value, .. } => PathStep::Index(value),
                        other => {
                            return Err(PatternError::new(
                                t.offset,
                                format!("expected a list index or '*', found {}", other.describe()),
                            ));
                        }
                    });
                    self.expect(Tok::RBrack, "']'")?;
                }
                _ => break,
            }
        }
        Ok(ObjectPath { object_type, steps })
    }

    fn path_key(&mut self) -> Result<String, PatternError> {
        let t = self.bump();
        match t.tok {
            Tok::Ident(s) | Tok::Str(s) => Ok(s),
            other => Err(PatternError::new(
                t.offset,
                format!("expected a property name, found {}", other.describe()),
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Display: a pattern that parses back to the same AST.

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let child = |f: &mut fmt::Formatter<'_>, p: &Pattern| match p {
            Pattern::Observation(_) => write!(f, "{p}"),
            _ => write!(f, "({p})"),
        };
        match self {
            Pattern::Observation(c) => write!(f, "[{c}]"),
            Pattern::And(a, b) | Pattern::Or(a, b) | Pattern::FollowedBy(a, b) => {
                let op = match self {
                    Pattern::And(..) => "AND",
                    Pattern::Or(..) => "OR",
                    _ => "FOLLOWEDBY",
                };
                child(f, a)?;
                write!(f, " {op} ")?;
                child(f, b)
            }
            Pattern::Qualified(p, q) => {
                child(f, p)?;
                write!(f, " {q}")
            }
        }
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Within(s) => write!(f, "WITHIN {} SECONDS", fmt_float(*s)),
            Qualifier::Repeats(n) => write!(f, "REPEATS {n} TIMES"),
            Qualifier::StartStop { start, stop } => write!(f, "START t'{start}' STOP t'{stop}'"),
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let child = |f: &mut fmt::Formatter<'_>, c: &Comparison| match c {
            Comparison::And(..) | Comparison::Or(..) => write!(f, "({c})"),
            _ => write!(f, "{c}"),
        };
        let not = |negated: bool| if negated { "NOT " } else { "" };
        match self {
            Comparison::And(a, b) | Comparison::Or(a, b) => {
                child(f, a)?;
                f.write_str(if matches!(self, Comparison::And(..)) { " AND " } else { " OR " })?;
                child(f, b)
            }
            Comparison::Test { path, negated, op, value } => {
                write!(f, "{path} {}{} {value}", not(*negated), op.as_str())
            }
            Comparison::In { path, negated, set } => {
                write!(f, "{path} {}IN (", not(*negated))?;
                for (i, lit) in set.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{lit}")?;
                }
                f.write_str(")")
            }
            Comparison::Exists(path) => write!(f, "EXISTS {path}"),
        }
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = |f: &mut fmt::Formatter<'_>, k: &str| {
            let plain = k.bytes().next().is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
                && k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
                && !is_reserved(k);
            if plain { f.write_str(k) } else { write!(f, "'{}'", escape(k)) }
        };
        write!(f, "{}:", self.object_type)?;
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    key(f, k)?;
                }
                PathStep::Index(n) => write!(f, "[{n}]")?,
                PathStep::Any => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

/// Words that read as keywords or literals where a path component is expected next to them.
fn is_reserved(k: &str) -> bool {
    matches!(
        k,
        "AND"
            | "OR"
            | "NOT"
            | "FOLLOWEDBY"
            | "LIKE"
            | "MATCHES"
            | "ISSUBSET"
            | "ISSUPERSET"
            | "EXISTS"
            | "IN"
            | "START"
            | "STOP"
            | "SECONDS"
            | "WITHIN"
            | "REPEATS"
            | "TIMES"
    )
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::String(s) => write!(f, "'{}'", escape(s)),
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Float(x) => f.write_str(&fmt_float(*x)),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Timestamp(t) => write!(f, "t'{t}'"),
            Literal::Hex(h) => write!(f, "h'{h}'"),
            Literal::Binary(b) => write!(f, "b'{b}'"),
        }
    }
}

/// A float as the grammar reads it: always with a decimal point, never an exponent.
fn fmt_float(x: f64) -> String {
    let s = x.to_string();
    if s.contains('.') { s } else { format!("{s}.0") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_follows_the_oasis_grammar() {
        // FOLLOWEDBY binds loosest, then OR, then AND; qualifiers bind to the observation.
        let p = parse("[a:x = '1'] AND [b:x = '2'] OR [c:x = '3'] FOLLOWEDBY [d:x = '4'] WITHIN 5 SECONDS")
            .unwrap();
        let Pattern::FollowedBy(left, right) = &p else { panic!("{p:?}") };
        assert!(matches!(**left, Pattern::Or(ref a, _) if matches!(**a, Pattern::And(..))));
        assert!(matches!(**right, Pattern::Qualified(_, Qualifier::Within(s)) if s == 5.0));
        let c = parse("[a:x = '1' OR a:y = '2' AND a:z = '3']").unwrap();
        let Pattern::Observation(Comparison::Or(_, r)) = c else { panic!() };
        assert!(matches!(*r, Comparison::And(..)));
    }

    #[test]
    fn offsets_point_at_the_fault() {
        let e = parse("[ipv4-addr:value = '1.2.3.4'").unwrap_err();
        assert_eq!(e.offset, 28);
        assert_eq!(e.to_string(), "pattern: expected ']', found end of pattern at 28");
        let e = parse("[file:size =? 3]").unwrap_err();
        assert_eq!(e.offset, 12);
        let e = parse("[file:size FOO 3]").unwrap_err();
        assert_eq!(e.message, "unknown operator 'FOO'");
        assert_eq!(e.offset, 11);
    }
}
