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
//!
//! Shares (`sharedWith`): [`SHARED`] set on the `module` word means that
//! after the lists come `nShares` and the shares, each packed as the store
//! packs them (`crate::compiled::share_code`; described to the JS layer by
//! `LAYOUT.shares`).

use crate::compile::{Compiled, Ix, Pr};
use crate::error::{Error, ErrorKind, Problem};
use crate::store::RecRef;

/// The word for "absent".
pub const NONE: u32 = u32::MAX;
const HEADER: usize = 11;
/// On the `module` word: a run of shares follows the lists.
pub const SHARED: u32 = 1 << 31;

fn bad(at: usize, what: &str) -> Error {
    Error::from_problems(ErrorKind::InvalidEncoding, vec![Problem::new(format!("codes[{at}]"), what.to_owned())])
}

/// Reads one record starting at `at`; returns it and where the next starts.
pub(crate) fn decode<'a>(c: &Compiled, codes: &'a [u32], strings: &[&'a str], at: usize) -> Result<(RecRef<'a>, usize), Error> {
    let head = codes.get(at..at + HEADER).ok_or_else(|| bad(at, "truncated record header"))?;
    let users = c.users.len();
    let principals = users + c.groups.len();
    let shared = head[0] & SHARED != 0;
    let module = head[0] & !SHARED;
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
    let mut shares: &'a [u32] = &[];
    if shared {
        let n = *codes.get(pos).ok_or_else(|| bad(pos, "truncated share count"))? as usize;
        shares = codes.get(pos + 1..(pos + 1).saturating_add(n)).ok_or_else(|| bad(pos, "shares run past the end"))?;
        for (k, &code) in shares.iter().enumerate() {
            let (kind, ix, _) = crate::compiled::share_parts(code);
            let ok = match kind {
                crate::compiled::ShareKind::User => (ix as usize) < users && !c.externals[ix as usize],
                crate::compiled::ShareKind::Group => (ix as usize) < c.groups.len(),
                crate::compiled::ShareKind::Role | crate::compiled::ShareKind::RoleSub => (ix as usize) < c.roles.len(),
            };
            if !ok {
                return Err(bad(pos + 1 + k, "share out of range"));
            }
        }
        pos += 1 + n;
    }
    Ok((RecRef { module, owner, parent, company, account_managers, created_by, workspaces, assignees, participants, auditors, record_type, shares }, pos))
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
    let module = if r.shares.is_empty() { r.module } else { r.module | SHARED };
    codes.extend_from_slice(&[module, owner, r.created_by.unwrap_or(NONE), p, co, t]);
    let lists = [r.account_managers, r.workspaces, r.assignees, r.participants, r.auditors];
    codes.extend(lists.iter().map(|l| l.len() as u32));
    for l in lists {
        codes.extend_from_slice(l);
    }
    if !r.shares.is_empty() {
        codes.push(r.shares.len() as u32);
        codes.extend_from_slice(r.shares);
    }
}

/// One word of a record's header, as the JS layer needs to know it: which
/// record key fills it and how. The header's words are these, in this order.
#[derive(serde::Serialize)]
#[cfg_attr(not(feature = "wasm"), allow(dead_code))] // read by the wasm binding (encodingLayout)
pub struct Slot {
    /// The record key whose value goes here.
    pub key: &'static str,
    /// `"index"`: the value's index in `table`; `"string"`: the index of the
    /// value in the strings sent alongside; `"list"`: the list's length, its
    /// items' indexes in `table` following the header.
    pub kind: &'static str,
    /// The id table (of [`crate::Engine::id_tables`]; `principals` is users then groups).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<&'static str>,
    /// The key must be present (and not null).
    pub required: bool,
    /// `""` is refused (ids are non-empty).
    #[serde(rename = "nonEmpty")]
    pub non_empty: bool,
}

#[cfg_attr(not(feature = "wasm"), allow(dead_code))] // read by the wasm binding (encodingLayout)
const fn slot(key: &'static str, kind: &'static str, table: Option<&'static str>, required: bool, non_empty: bool) -> Slot {
    Slot { key, kind, table, required, non_empty }
}

/// The header of an encoded record, word by word (what [`decode`] reads).
#[cfg_attr(not(feature = "wasm"), allow(dead_code))] // read by the wasm binding (encodingLayout)
pub const SLOTS: [Slot; HEADER] = [
    slot("module", "index", Some("modules"), true, true),
    slot("owner", "index", Some("principals"), false, true),
    slot("createdBy", "index", Some("users"), false, true),
    slot("parent", "string", None, false, true),
    slot("company", "string", None, false, true),
    slot("type", "string", None, false, false),
    slot("accountManagers", "list", Some("users"), false, true),
    slot("workspaces", "list", Some("workspaces"), false, true),
    slot("assignees", "list", Some("users"), false, true),
    slot("participants", "list", Some("users"), false, true),
    slot("auditors", "list", Some("users"), false, true),
];

/// The whole description of the encoding, for the JS layer to read once at
/// start-up (`encodingLayout()` in JS): it keeps no copy of these constants.
#[derive(serde::Serialize)]
#[cfg_attr(not(feature = "wasm"), allow(dead_code))] // read by the wasm binding (encodingLayout)
pub struct Layout {
    /// The word for "absent".
    pub none: u32,
    /// Words in a record's header (`slots.len()`).
    pub header: usize,
    pub slots: &'static [Slot],
    /// Record keys that are checked but not encoded (decisions never read them).
    pub unencoded: &'static [&'static str],
    /// The byte ending each string sent alongside the codes.
    pub terminator: &'static str,
    /// Action codes: an action's index here.
    pub actions: [&'static str; 4],
    /// The answers of the verdict calls (`canScratch`, `canStoredScratch`, `canSlot`).
    pub verdicts: Verdicts,
    /// How `sharedWith` is encoded.
    pub shares: SharesLayout,
    /// How the packed decision calls (`decideScratchPacked`, `decideStoredScratch`) answer.
    pub decision: DecisionLayout,
}

/// `sharedWith` in the encoding: `flag` on the `module` word, then after the
/// lists the number of shares and one word per share: the kind (the index in
/// `kinds` of the share's key, whose id is looked up in the table of the same
/// index in `tables`) shifted by `kindShift`, `writeFlag` for `writeAccess`
/// (`readAccess` otherwise), and the index.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(not(feature = "wasm"), allow(dead_code))] // read by the wasm binding (encodingLayout)
pub struct SharesLayout {
    pub key: &'static str,
    pub flag: u32,
    pub kinds: [&'static str; 4],
    pub tables: [&'static str; 4],
    pub kind_shift: u32,
    pub write_flag: u32,
    pub write_access: &'static str,
    pub read_access: &'static str,
}

/// A decision as a packed call gives it: one number, `allowed` in bit 0, the
/// access level's index in `access` in bits 1–2, `readOnly` in bit 3 and the
/// number of reasons from bit `countShift`; `ask` when the call cannot answer
/// (then the JS layer asks the serde path, which answers or throws). Each
/// reason is one word of the scratch codes: its code's index in
/// `reasonCodes()` in the low byte, `argFlag` when it has an argument, and the
/// argument's length in UTF-8 bytes from bit `argLenShift`; the arguments
/// follow one another in the scratch bytes.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(not(feature = "wasm"), allow(dead_code))] // read by the wasm binding (encodingLayout)
pub struct DecisionLayout {
    pub ask: u32,
    pub access: [&'static str; 4],
    pub count_shift: u32,
    pub arg_flag: u32,
    pub arg_len_shift: u32,
}

#[derive(serde::Serialize)]
#[cfg_attr(not(feature = "wasm"), allow(dead_code))] // read by the wasm binding (encodingLayout)
pub struct Verdicts {
    pub denied: u32,
    pub allowed: u32,
    /// Not answered here: ask the strict path, which answers or throws.
    #[serde(rename = "askStrict")]
    pub ask_strict: u32,
}

#[cfg_attr(not(feature = "wasm"), allow(dead_code))] // read by the wasm binding (encodingLayout)
pub const LAYOUT: Layout = Layout {
    none: NONE,
    header: HEADER,
    slots: &SLOTS,
    unencoded: &["id", "fields"],
    terminator: "\0",
    actions: ["view", "edit", "delete", "create"],
    verdicts: Verdicts { denied: 0, allowed: 1, ask_strict: 2 },
    shares: SharesLayout {
        key: "sharedWith",
        flag: SHARED,
        kinds: ["user", "group", "role", "roleAndSubordinates"],
        tables: ["users", "groups", "roles", "roles"],
        kind_shift: 30,
        write_flag: 1 << 29,
        write_access: "readWrite",
        read_access: "read",
    },
    decision: DecisionLayout { ask: u32::MAX, access: ["none", "read", "write", "full"], count_shift: 4, arg_flag: 1 << 8, arg_len_shift: 9 },
};

#[cfg(test)]
mod layout_tests {
    use super::*;

    #[test]
    fn layout_matches_the_code() {
        assert_eq!(LAYOUT.header, SLOTS.len());
        for (i, a) in crate::Action::ALL.iter().enumerate() {
            assert_eq!(crate::Action::parse(LAYOUT.actions[i]), Some(*a));
        }
        let lists: Vec<_> = SLOTS.iter().filter(|s| s.kind == "list").map(|s| s.key).collect();
        assert_eq!(lists, ["accountManagers", "workspaces", "assignees", "participants", "auditors"]);
        assert_eq!(SLOTS.iter().position(|s| s.kind == "list"), Some(6));
        for (i, a) in [crate::Access::None, crate::Access::Read, crate::Access::Write, crate::Access::Full].iter().enumerate() {
            assert_eq!(LAYOUT.decision.access[i], a.as_str());
        }
        assert!(crate::REASON_CODES.len() < 256);
        use crate::compiled::{share_code, ShareKind};
        let sh = &LAYOUT.shares;
        for (k, kind) in [ShareKind::User, ShareKind::Group, ShareKind::Role, ShareKind::RoleSub].into_iter().enumerate() {
            assert_eq!(share_code(kind, 5, false), (k as u32) << sh.kind_shift | 5);
            assert_eq!(share_code(kind, 5, true), (k as u32) << sh.kind_shift | sh.write_flag | 5);
        }
        let read: crate::model::RuleAccess = serde_json::from_str(&format!("\"{}\"", sh.read_access)).unwrap();
        let write: crate::model::RuleAccess = serde_json::from_str(&format!("\"{}\"", sh.write_access)).unwrap();
        assert_eq!((read, write), (crate::model::RuleAccess::Read, crate::model::RuleAccess::ReadWrite));
    }
}
