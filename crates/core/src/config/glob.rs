//! Globs for `persistence.workloads[].match`: `*` matches any run of characters (`/` included, so
//! `*/templates/train-*.yaml` matches a subchart's file too), `?` any one character, and `[...]`
//! one character of a set: single characters and ranges (`[a-z0-9]`), negated by a leading `!` or
//! `^`, with `]` taken literally where it comes first. Nothing else is special and there is no
//! escape: `[*]` matches a `*`, `[[]` a `[`.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    text: String,
    tokens: Vec<Token>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`
    One,
    /// `*`
    Any,
    /// `[...]`: inclusive ranges (a single character is a range of one).
    Set {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// Why a string is not a glob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GlobError {
    /// The `[` at this character index has no `]`.
    Unclosed(usize),
    /// A range whose end comes before its start, e.g. `z-a`.
    Backwards(char, char),
}

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GlobError::Unclosed(at) => write!(f, "the `[` at character {} is not closed", at + 1),
            GlobError::Backwards(a, b) => write!(f, "the range `{a}-{b}` is backwards"),
        }
    }
}

impl Glob {
    pub fn new(text: &str) -> Result<Glob, GlobError> {
        let chars: Vec<char> = text.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let token = match chars[i] {
                '*' => Token::Any,
                '?' => Token::One,
                '[' => {
                    let (set, end) = set(&chars, i)?;
                    i = end;
                    set
                }
                c => Token::Char(c),
            };
            // `**` is `*`.
            if !(token == Token::Any && tokens.last() == Some(&Token::Any)) {
                tokens.push(token);
            }
            i += 1;
        }
        Ok(Glob {
            text: text.to_string(),
            tokens,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the glob matches all of `s`. A `*` that fails to match here is retried one
    /// character further, back from the latest `*` only: time stays within pattern × text.
    pub fn matches(&self, s: &str) -> bool {
        let text: Vec<char> = s.chars().collect();
        let (mut p, mut t) = (0, 0);
        let mut retry: Option<(usize, usize)> = None; // (the token after the last `*`, text there)
        while t < text.len() {
            match self.tokens.get(p) {
                Some(Token::Any) => {
                    p += 1;
                    retry = Some((p, t));
                }
                Some(token) if token.matches(text[t]) => {
                    p += 1;
                    t += 1;
                }
                _ => match retry {
                    Some((after_star, from)) => {
                        p = after_star;
                        t = from + 1;
                        retry = Some((after_star, from + 1));
                    }
                    None => return false,
                },
            }
        }
        self.tokens[p..].iter().all(|t| *t == Token::Any)
    }
}

impl Token {
    fn matches(&self, c: char) -> bool {
        match self {
            Token::Char(x) => *x == c,
            Token::One => true,
            Token::Any => false, // `Glob::matches` takes a `*` before asking about one character
            Token::Set { negated, ranges } => {
                ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
            }
        }
    }
}

/// The set that opens at `chars[open]`, and the index of its `]`.
fn set(chars: &[char], open: usize) -> Result<(Token, usize), GlobError> {
    let mut i = open + 1;
    let negated = matches!(chars.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let first = i;
    let mut ranges = Vec::new();
    loop {
        let Some(&c) = chars.get(i) else {
            return Err(GlobError::Unclosed(open));
        };
        if c == ']' && i > first {
            return Ok((Token::Set { negated, ranges }, i));
        }
        // `a-z`, unless the `-` is last (`[a-]` holds `a` and `-`).
        match (chars.get(i + 1), chars.get(i + 2)) {
            (Some('-'), Some(&hi)) if hi != ']' => {
                if hi < c {
                    return Err(GlobError::Backwards(c, hi));
                }
                ranges.push((c, hi));
                i += 3;
            }
            _ => {
                ranges.push((c, c));
                i += 1;
            }
        }
    }
}
