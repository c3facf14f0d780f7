//! Errors: every problem carries the JSON path where it was found, a message,
//! and, where we can guess what was meant, a hint.

use serde::Serialize;
use std::fmt;

#[cfg(feature = "wasm")]
use tsify::Tsify;

/// One thing wrong with an input, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
pub struct Problem {
    /// Where the problem is, e.g. `users[3].role` (empty for the input as a whole).
    pub path: String,
    pub message: String,
    /// A suggestion, when one is obvious (e.g. the key that was probably meant).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub help: Option<String>,
}

/// Longest path, message or hint kept in a problem: inputs are caller-chosen
/// and may be megabytes long; a report quoting them whole helps nobody.
const MAX_TEXT: usize = 400;

/// `s` cut to at most [`MAX_TEXT`] bytes (on a character boundary), marked with `…`.
pub(crate) fn shorten(mut s: String) -> String {
    if s.len() > MAX_TEXT {
        let mut cut = MAX_TEXT - 3;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        let total = s.chars().count();
        s.truncate(cut);
        s.push_str(&format!("… ({total} characters in all)"));
    }
    s
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem { path: shorten(path.into()), message: shorten(message.into()), help: None }
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(shorten(help.into()));
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "{}: {}", self.path, self.message)?;
        }
        if let Some(h) = &self.help {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

/// What kind of error it is: a stable code a program can branch on
/// (`err.code` in JavaScript), independent of the message's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The model given to the constructor is not valid; `problems` lists why.
    InvalidModel,
    /// A batch of records (`putRecords`, `filter`) holds an invalid record.
    InvalidRecords,
    /// A single record argument is not valid.
    InvalidRecord,
    /// An argument has the wrong type (a number where an id is expected…).
    InvalidInput,
    /// The user id is not in the model (or names a group).
    UnknownUser,
    /// The action is not one of `view`, `edit`, `delete`, `create`.
    UnknownAction,
    /// The module name is not in the model.
    UnknownModule,
    /// The workspace id is not in the model.
    UnknownWorkspace,
    /// No stored record has this id (or a row/slot no longer names one).
    UnknownRecord,
    /// Records in the ids-based encoding of the JS layer are malformed.
    InvalidEncoding,
    /// A batch of changes (`apply`, `impact`) is malformed or would leave an
    /// invalid model; nothing was changed.
    InvalidChanges,
}

impl ErrorKind {
    /// The stable code, e.g. `"unknown-user"`.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidModel => "invalid-model",
            ErrorKind::InvalidRecords => "invalid-records",
            ErrorKind::InvalidRecord => "invalid-record",
            ErrorKind::InvalidInput => "invalid-input",
            ErrorKind::UnknownUser => "unknown-user",
            ErrorKind::UnknownAction => "unknown-action",
            ErrorKind::UnknownModule => "unknown-module",
            ErrorKind::UnknownWorkspace => "unknown-workspace",
            ErrorKind::UnknownRecord => "unknown-record",
            ErrorKind::InvalidEncoding => "invalid-encoding",
            ErrorKind::InvalidChanges => "invalid-changes",
        }
    }

    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 11] = [
        ErrorKind::InvalidModel,
        ErrorKind::InvalidRecords,
        ErrorKind::InvalidRecord,
        ErrorKind::InvalidInput,
        ErrorKind::UnknownUser,
        ErrorKind::UnknownAction,
        ErrorKind::UnknownModule,
        ErrorKind::UnknownWorkspace,
        ErrorKind::UnknownRecord,
        ErrorKind::InvalidEncoding,
        ErrorKind::InvalidChanges,
    ];

    /// The words that open the error's message (e.g. "invalid model").
    fn summary(self) -> &'static str {
        match self {
            ErrorKind::InvalidModel => "invalid model",
            ErrorKind::InvalidRecords => "invalid records",
            ErrorKind::InvalidRecord => "invalid record",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::UnknownUser | ErrorKind::UnknownAction | ErrorKind::UnknownModule | ErrorKind::UnknownWorkspace | ErrorKind::UnknownRecord => {
                "bad query"
            }
            ErrorKind::InvalidEncoding => "invalid encoded records",
            ErrorKind::InvalidChanges => "invalid changes",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The error every fallible operation returns. `kind` says what went wrong in
/// one code, `message` sums up, and `problems` lists every problem found, each
/// with its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub problems: Vec<Problem>,
}

impl Error {
    /// An error of this kind made of one or more problems.
    pub fn from_problems(kind: ErrorKind, problems: Vec<Problem>) -> Self {
        let mut message = format!("{}: ", kind.summary());
        match problems.first() {
            Some(first) => message.push_str(&first.to_string()),
            None => message.push_str("unknown problem"),
        }
        if problems.len() > 1 {
            let more = problems.len() - 1;
            message.push_str(&format!(" (and {more} more problem{})", if more == 1 { "" } else { "s" }));
        }
        Error { kind, message, problems }
    }

    /// An error with a single problem.
    pub fn single(kind: ErrorKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::from_problems(kind, vec![Problem::new(path, message)])
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// A JSON path under construction: segments are pushed and popped while walking
/// an input, so that a path string is only kept when a problem is reported.
#[derive(Debug, Default, Clone)]
pub(crate) struct Path(String);

impl Path {
    pub fn root(s: &str) -> Self {
        Path(s.to_owned())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Appends `.key` (or `["key"]` for keys that are not plain names) and
    /// returns the previous length, to be given back to [`Path::pop`].
    pub fn key(&mut self, key: &str) -> usize {
        let at = self.0.len();
        let plain = !key.is_empty()
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
            && !key.starts_with(|c: char| c.is_ascii_digit());
        if plain {
            if !self.0.is_empty() {
                self.0.push('.');
            }
            self.0.push_str(key);
        } else {
            self.0.push('[');
            self.0.push_str(&serde_json::to_string(key).unwrap_or_default());
            self.0.push(']');
        }
        at
    }
    pub fn index(&mut self, i: usize) -> usize {
        let at = self.0.len();
        self.0.push('[');
        self.0.push_str(&i.to_string());
        self.0.push(']');
        at
    }
    pub fn pop(&mut self, at: usize) {
        self.0.truncate(at);
    }
}

/// Longest word (in bytes) given a hint: a longer id is no typo of anything.
const HINT_WORD: usize = 64;
/// Longest candidate (in bytes) considered.
const HINT_CANDIDATE: usize = 4 * HINT_WORD;
/// Most work for one hint, in candidates looked at (a short one costs 2, one
/// more per 8 bytes) plus distance cells computed (4 to a unit): enough to look at every
/// one of 10,000 short ids (a few tenths of a millisecond), the most the
/// resolver gives hints among. Inputs are caller-chosen and a batch may hold
/// thousands of unknown ids; past the budget, the best candidate so far (if
/// any) is given.
const HINT_BUDGET: usize = 60_000;

/// The closest of `candidates` to `word`, if it is close enough to be a typo:
/// within a third of the longer one's length (at least 1), ignoring ASCII
/// case; the first of the closest. Bounded work: see [`HINT_BUDGET`].
///
/// Most unknown ids are one edit from what was meant, so a first pass looks
/// for distance 0 or 1 only, with cheap filters (length, the characters
/// used) that discard nearly every candidate without computing a distance;
/// only when that finds nothing does a second pass measure the candidates
/// the filters kept against their full limit.
pub(crate) fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // one copy of the search, whatever the callers' iterators (smaller wasm)
    closest(word, &mut candidates.into_iter())
}

fn closest<'a>(word: &str, candidates: &mut dyn Iterator<Item = &'a str>) -> Option<&'a str> {
    if word.len() > HINT_WORD {
        return None;
    }
    let mut s = Search {
        w_sig: signature(word.chars()),
        w: word.chars().map(|c| c.to_ascii_lowercase()).collect(),
        c: Vec::with_capacity(HINT_CANDIDATE),
        rows: Rows::default(),
        budget: HINT_BUDGET,
    };
    let mut best: Option<(usize, &str)> = None;
    let mut near: Vec<(usize, usize, &str)> = Vec::new();
    for c in candidates {
        let spent = 2 + c.len().min(HINT_CANDIDATE) / 8;
        if spent > s.budget {
            break;
        }
        s.budget -= spent;
        let limit = (c.len().max(word.len()) / 3).max(1);
        // a candidate of n bytes has between n/4 and n characters
        if c.len() > HINT_CANDIDATE || c.len() + limit < s.w.len() || c.len().div_ceil(4) > s.w.len() + limit {
            continue;
        }
        let apart = s.apart(c);
        if apart > limit {
            continue;
        }
        let bound = match best {
            Some((0, _)) => break,
            Some(_) => 0,
            None => 1,
        };
        match (apart <= bound).then(|| s.distance(c, bound)).flatten() {
            Some(d) => best = Some((d, c)),
            None if best.is_none() => near.push((limit, apart, c)),
            None => {}
        }
    }
    if best.is_none() {
        // nothing within 1: the first of the closest within each one's limit
        for (limit, apart, c) in near {
            let bound = match best {
                Some((d, _)) if d <= 2 => break,
                Some((d, _)) => limit.min(d - 1),
                None => limit,
            };
            if apart > bound {
                continue;
            }
            if let Some(d) = s.distance(c, bound) {
                best = Some((d, c));
            }
            if s.budget == 0 {
                break;
            }
        }
    }
    best.map(|(_, c)| c)
}

/// The state of one [`did_you_mean`] search.
struct Search {
    /// The word, lowercased, and its [`signature`].
    w: Vec<char>,
    w_sig: u64,
    /// The candidate being measured, lowercased.
    c: Vec<char>,
    rows: Rows,
    budget: usize,
}

impl Search {
    /// A lower bound of the distance from the word to `c`, from the
    /// characters each uses.
    fn apart(&self, c: &str) -> usize {
        let c_sig = if c.is_ascii() { c.bytes().fold(0, |sig, b| sig | 1 << key(u32::from(b))) } else { signature(c.chars()) };
        ((self.w_sig ^ c_sig).count_ones() as usize).div_ceil(2)
    }

    /// The distance from the word to `c` if at most `bound` (and the budget
    /// allows computing it).
    fn distance(&mut self, c: &str, bound: usize) -> Option<usize> {
        self.c.clear();
        self.c.extend(c.chars().map(|c| c.to_ascii_lowercase()));
        if self.w.len().abs_diff(self.c.len()) > bound {
            return None;
        }
        // a cell costs a fraction of looking at a candidate (a cache miss or so)
        let cells = ((2 * bound + 1) * self.w.len()) / 4 + 1;
        self.budget = self.budget.checked_sub(cells)?;
        self.rows.distance_within(&self.w, &self.c, bound)
    }
}

/// The set of characters in `s`, hashed to 64 bits. One edit adds at most one
/// character and removes at most one, so it changes at most two bits: two
/// words are at least half the bits in which their sets differ apart.
fn signature(s: impl Iterator<Item = char>) -> u64 {
    s.fold(0u64, |sig, c| sig | 1 << key(c as u32))
}

/// The bit of a character in a [`signature`]: bits 0 to 4 and 6 of its code,
/// so that an ASCII letter and its capital (which differ in bit 5) share one.
fn key(c: u32) -> u32 {
    (c & 0x1f) | ((c >> 1) & 0x20)
}

/// Two rows of the edit-distance table, kept between candidates.
#[derive(Default)]
struct Rows {
    prev: Vec<usize>,
    cur: Vec<usize>,
}

impl Rows {
    /// The edit distance between `a` and `b` if it is at most `k`. Only the
    /// cells within `k` of the diagonal are computed, and it stops as soon
    /// as a whole row exceeds `k`.
    fn distance_within(&mut self, a: &[char], b: &[char], k: usize) -> Option<usize> {
        if a.len().abs_diff(b.len()) > k {
            return None;
        }
        let far = k + 1;
        self.prev.clear();
        self.prev.extend((0..=b.len()).map(|j| j.min(far)));
        self.cur.clear();
        self.cur.resize(b.len() + 1, far);
        for i in 1..=a.len() {
            let lo = i.saturating_sub(k).max(1);
            let hi = (i + k).min(b.len());
            self.cur[lo - 1] = if lo == 1 { i.min(far) } else { far };
            let mut row_min = self.cur[lo - 1];
            for j in lo..=hi {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let d = (self.prev[j] + 1).min(self.cur[j - 1] + 1).min(self.prev[j - 1] + cost).min(far);
                self.cur[j] = d;
                row_min = row_min.min(d);
            }
            if hi < b.len() {
                self.cur[hi + 1] = far;
            }
            if row_min > k {
                return None;
            }
            std::mem::swap(&mut self.prev, &mut self.cur);
        }
        let d = self.prev[b.len()];
        (d <= k).then_some(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_distinct_and_match_serde() {
        let mut seen = std::collections::HashSet::new();
        for k in ErrorKind::ALL {
            assert!(seen.insert(k.code()), "{k:?} shares its code");
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::Value::String(k.code().into()));
        }
    }

    #[test]
    fn message_keeps_its_summary_words() {
        let e = Error::single(ErrorKind::UnknownUser, "user", "unknown user \"x\"");
        assert_eq!(e.message, "bad query: user: unknown user \"x\"");
        assert_eq!(e.kind.code(), "unknown-user");
    }

    /// The hint as it was before its work was bounded: every candidate, the
    /// whole table.
    fn did_you_mean_unbounded<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
        let mut best: Option<(usize, &str)> = None;
        for &c in candidates {
            let a: Vec<char> = word.to_ascii_lowercase().chars().collect();
            let b: Vec<char> = c.to_ascii_lowercase().chars().collect();
            let mut prev: Vec<usize> = (0..=b.len()).collect();
            for i in 1..=a.len() {
                let mut cur = vec![i; b.len() + 1];
                for j in 1..=b.len() {
                    cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + usize::from(a[i - 1] != b[j - 1]));
                }
                prev = cur;
            }
            let d = prev[b.len()];
            let limit = (c.len().max(word.len()) / 3).max(1);
            if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, c));
            }
        }
        best.map(|(_, c)| c)
    }

    #[test]
    fn ordinary_typos_get_hints() {
        let users = ["alice", "bob", "carol.smith", "Dave", "u-1234", "ünïcode"];
        for (typo, meant) in [
            ("alise", Some("alice")),
            ("alice2", Some("alice")),
            ("bo", Some("bob")),
            ("carol.smyth", Some("carol.smith")),
            ("carolsmith", Some("carol.smith")),
            ("dave", Some("Dave")),
            ("u-1243", Some("u-1234")),
            ("unïcode", Some("ünïcode")),
            ("zzz", None),
            ("", None),
        ] {
            assert_eq!(did_you_mean(typo, users), meant, "{typo}");
        }
        assert_eq!(did_you_mean("deals", ["deal", "deals2", "Deals"]), Some("Deals"));
    }

    #[test]
    fn bounded_hints_agree_with_the_unbounded_ones() {
        let mut x: u64 = 99;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let word = |next: &mut dyn FnMut(u64) -> u64| -> String {
            let len = next(12);
            (0..len).map(|_| ['a', 'b', 'c', 'B', 'é', '-'][next(6) as usize]).collect()
        };
        for _ in 0..3_000 {
            let candidates: Vec<String> = (0..next(8)).map(|_| word(&mut next)).collect();
            let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
            let w = word(&mut next);
            assert_eq!(did_you_mean(&w, candidates.iter().copied()), did_you_mean_unbounded(&w, &candidates), "{w:?} in {candidates:?}");
        }
    }

    #[test]
    fn hints_stay_cheap_for_long_words_and_many_candidates() {
        let users: Vec<String> = (0..10_000).map(|i| format!("user{i:05}")).collect();
        let long = "u".repeat(1 << 20);
        let t = std::time::Instant::now();
        assert_eq!(did_you_mean(&long, users.iter().map(String::as_str)), None);
        assert_eq!(did_you_mean("usr00042", users.iter().map(String::as_str)), Some("user00042"));
        assert_eq!(did_you_mean("user00042x", users.iter().map(String::as_str)), Some("user00042"));
        // far from everything: examined until the budget runs out, then none
        for _ in 0..100 {
            assert_eq!(did_you_mean("qqqqqqqqq", users.iter().map(String::as_str)), None);
        }
        // not a timing assertion: a generous bound against the quadratic cost coming back
        assert!(t.elapsed() < std::time::Duration::from_secs(20));
    }
}
