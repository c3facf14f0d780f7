//! The ids-based record encoding: the fast path for records that live in the
//! caller's memory (JS objects), where reading a handful of properties is far
//! cheaper than writing the record as JSON.
//!
//! The caller maps ids to indexes with [`crate::Engine::id_tables`] and sends,
//! per record, a run of `u32` words:
//!
//! ```text
//! module, owner, createdBy, parent, company, type,
//! nAccountManagers, nWorkspaces, nAssignees, nParticipants, nAuditors,
//! accountManagers…, workspaces…, assignees…, participants…, auditors…
//! ```
//!
//! `owner` is a principal code (users first, then groups, in table order);
//! `createdBy` and the user lists are user indexes; `parent`, `company` and
//! `type` index a list of strings sent alongside. [`NONE`] marks an absent
//! value. Every word is checked: a malformed encoding is an error, never a
//! panic and never a wider answer.

use crate::compile::{Compiled, Ix, Pr};
use crate::error::{Error, ErrorKind, Problem};
use crate::store::RecRef;

/// The word for "absent".
pub const NONE: u32 = u32::MAX;
const HEADER: usize = 11;

fn bad(at: usize, what: &str) -> Error {
    Error::from_problems(ErrorKind::InvalidEncoding, vec![Problem::new(format!("codes[{at}]"), what.to_owned())])
}

/// Reads one record starting at `at`; returns it and where the next starts.
pub(crate) fn decode<'a>(c: &Compiled, codes: &'a [u32], strings: &[&'a str], at: usize) -> Result<(RecRef<'a>, usize), Error> {
    let head = codes.get(at..at + HEADER).ok_or_else(|| bad(at, "truncated record header"))?;
    let users = c.users.len();
    let principals = users + c.groups.len();
    let module = head[0];
    if module as usize >= c.modules.len() {
        return Err(bad(at, "module index out of range"));
    }
    let owner = match head[1] {
        NONE => None,
        p if (p as usize) < users => Some(Pr::User(p)),
        p if (p as usize) < principals => Some(Pr::Group(p - users as u32)),
        _ => return Err(bad(at + 1, "owner code out of range")),
    };
    let created_by = match head[2] {
        NONE => None,
        u if (u as usize) < users => Some(u),
        _ => return Err(bad(at + 2, "createdBy index out of range")),
    };
    let string = |k: usize| -> Result<Option<&'a str>, Error> {
        match head[k] {
            NONE => Ok(None),
            i => strings.get(i as usize).copied().map(Some).ok_or_else(|| bad(at + k, "string index out of range")),
        }
    };
    let (parent, company, record_type) = (string(3)?, string(4)?, string(5)?);
    if parent == Some("") || company == Some("") {
        // as on the JSON path: ids are non-empty
        return Err(bad(at + if parent == Some("") { 3 } else { 4 }, "an empty id"));
    }
    let mut pos = at + HEADER;
    let mut lists: [&'a [Ix]; 5] = [&[]; 5];
    for (k, list) in lists.iter_mut().enumerate() {
        let n = head[6 + k] as usize;
        let items = codes.get(pos..pos.saturating_add(n)).ok_or_else(|| bad(at + 6 + k, "list runs past the end"))?;
        let limit = if k == 1 { c.workspaces.len() } else { users };
        if items.iter().any(|&x| x as usize >= limit) {
            return Err(bad(pos, "list item out of range"));
        }
        *list = items;
        pos += n;
    }
    let [account_managers, workspaces, assignees, participants, auditors] = lists;
    Ok((RecRef { module, owner, parent, company, account_managers, created_by, workspaces, assignees, participants, auditors, record_type }, pos))
}

/// Splits the string list sent with the codes: each string is followed by a
/// `\0`, so `""` is no string and `"\0"` is one empty string. (A last string
/// without its terminator is read too.)
pub(crate) fn split_strings(strings: &str) -> Vec<&str> {
    if strings.is_empty() {
        Vec::new()
    } else {
        strings.split('\0').collect()
    }
}

/// Encodes a record view (the inverse of [`decode`]), for tests and native callers.
pub(crate) fn encode(c: &Compiled, r: &RecRef<'_>, codes: &mut Vec<u32>, strings: &mut Vec<String>) {
    let users = c.users.len() as u32;
    let mut string = |s: Option<&str>| match s {
        None => NONE,
        Some(s) => {
            strings.push(s.to_owned());
            (strings.len() - 1) as u32
        }
    };
    let owner = match r.owner {
        None => NONE,
        Some(Pr::User(u)) => u,
        Some(Pr::Group(g)) => users + g,
    };
    let (p, co, t) = (string(r.parent), string(r.company), string(r.record_type));
    codes.extend_from_slice(&[r.module, owner, r.created_by.unwrap_or(NONE), p, co, t]);
    let lists = [r.account_managers, r.workspaces, r.assignees, r.participants, r.auditors];
    codes.extend(lists.iter().map(|l| l.len() as u32));
    for l in lists {
        codes.extend_from_slice(l);
    }
}
