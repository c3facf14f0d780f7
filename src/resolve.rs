//! Resolving record inputs: every reference of a record checked and turned
//! into an index. One routine serves every batch of records (the model's own,
//! `put_records`, `filter`) and the single record argument of a query, and
//! one lookup resolves a user id wherever one is expected.

use crate::compiled::{share_code, share_parts, ShareKind};
use crate::compiled::{Compiled, Ix, Pr};
use crate::error::{did_you_mean, Problem};
use crate::model::{CrmRecord, RuleAccess, Share, ShareTo};
use crate::store::{Rec, RecParts};
use rustc_hash::FxHashMap as HashMap;

/// Why an id that should name a user does not.
pub(crate) enum NotUser {
    Group,
    Unknown,
}

/// The user an id names, looked up in the shared user and group id space.
pub(crate) fn user_ix(principal_ix: &HashMap<String, Pr>, id: &str) -> Result<Ix, NotUser> {
    match principal_ix.get(id) {
        Some(Pr::User(u)) => Ok(*u),
        Some(Pr::Group(_)) => Err(NotUser::Group),
        None => Err(NotUser::Unknown),
    }
}

/// What a batch of records is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Batch {
    /// The model's `records`: stored, so each needs an id, unique in the batch.
    Model,
    /// `put_records`: like the model's, with "in this batch" in the message.
    Put,
    /// Records to evaluate (`filter`): ids optional.
    Query,
}

/// Where a record sits in the input, rendered only when a problem is reported.
#[derive(Clone, Copy)]
pub(crate) enum RecordPath {
    /// `records[i]`
    At(usize),
    /// `record` (the record argument of a query)
    Arg,
    /// `changes[i].value` (a record put by a batch of changes)
    Change(usize),
}

impl std::fmt::Display for RecordPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordPath::At(i) => write!(f, "records[{i}]"),
            RecordPath::Arg => f.write_str("record"),
            RecordPath::Change(i) => write!(f, "changes[{i}].value"),
        }
    }
}

/// Turns record inputs into stored records, checking every reference.
pub(crate) struct Resolver<'a> {
    pub module_ix: &'a HashMap<String, Ix>,
    pub principal_ix: &'a HashMap<String, Pr>,
    pub workspace_ix: &'a HashMap<String, Ix>,
    pub role_ix: &'a HashMap<String, Ix>,
    /// Per user: external (shares may not name them).
    pub externals: &'a [bool],
    /// The model has problems of its own: a record may fail to resolve
    /// because of them, so duplicate ids are reported for every record, not
    /// only for those that resolve.
    pub partial: bool,
}

impl Compiled {
    pub(crate) fn resolver(&self) -> Resolver<'_> {
        Resolver {
            module_ix: &self.module_ix,
            principal_ix: &self.principal_ix,
            workspace_ix: &self.workspace_ix,
            role_ix: &self.role_ix,
            externals: &self.externals,
            partial: false,
        }
    }
}

impl Resolver<'_> {
    fn user(&self, id: &str, path: String, out: &mut Vec<Problem>) -> Option<Ix> {
        match user_ix(self.principal_ix, id) {
            Ok(u) => Some(u),
            Err(NotUser::Group) => {
                out.push(Problem::new(path, format!("\"{id}\" is a group; a user is expected here")));
                None
            }
            Err(NotUser::Unknown) => {
                let mut p = Problem::new(path, format!("unknown user \"{id}\""));
                if self.principal_ix.len() < 10_000 {
                    if let Some(m) = did_you_mean(id, self.principal_ix.keys().map(std::string::String::as_str)) {
                        p = p.with_help(format!("did you mean \"{m}\"?"));
                    }
                }
                out.push(p);
                None
            }
        }
    }

    /// One `sharedWith` entry, packed.
    fn share(&self, share: &Share, path: String, out: &mut Vec<Problem>) -> Option<u32> {
        let write = share.access == RuleAccess::ReadWrite;
        match &share.to {
            ShareTo::User(id) => match self.principal_ix.get(id.as_str()) {
                Some(Pr::User(u)) if self.externals.get(*u as usize).copied().unwrap_or(false) => {
                    out.push(Problem::new(format!("{path}.user"), format!("\"{id}\" is an external user; a record is never shared with an external user")));
                    None
                }
                Some(Pr::User(u)) => Some(share_code(ShareKind::User, *u, write)),
                Some(Pr::Group(_)) => {
                    out.push(
                        Problem::new(format!("{path}.user"), format!("\"{id}\" is a group; a user is expected here"))
                            .with_help(format!("share with a group as {{\"group\": \"{id}\"}}")),
                    );
                    None
                }
                None => self.user(id, format!("{path}.user"), out),
            },
            ShareTo::Group(id) => match self.principal_ix.get(id.as_str()) {
                Some(Pr::Group(g)) => Some(share_code(ShareKind::Group, *g, write)),
                Some(Pr::User(_)) => {
                    out.push(Problem::new(format!("{path}.group"), format!("\"{id}\" is a user; a group is expected here")));
                    None
                }
                None => {
                    out.push(Problem::new(format!("{path}.group"), format!("unknown group \"{id}\"")));
                    None
                }
            },
            ShareTo::Role(id) | ShareTo::RoleAndSubordinates(id) => {
                let (kind, key) = if matches!(share.to, ShareTo::Role(_)) { (ShareKind::Role, "role") } else { (ShareKind::RoleSub, "roleAndSubordinates") };
                match self.role_ix.get(id.as_str()) {
                    Some(&r) => Some(share_code(kind, r, write)),
                    None => {
                        let mut p = Problem::new(format!("{path}.{key}"), format!("unknown role \"{id}\""));
                        if let Some(m) = did_you_mean(id, self.role_ix.keys().map(std::string::String::as_str)) {
                            p = p.with_help(format!("did you mean \"{m}\"?"));
                        }
                        out.push(p);
                        None
                    }
                }
            }
        }
    }

    fn users(&self, ids: &[String], base: &RecordPath, key: &str, out: &mut Vec<Problem>) -> Box<[Ix]> {
        ids.iter().enumerate().filter_map(|(j, id)| self.user(id, format!("{base}.{key}[{j}]"), out)).collect()
    }

    /// Resolves one record; `stored` requires an id. Problems go to `out`.
    pub(crate) fn record(&self, r: &CrmRecord, base: &RecordPath, stored: bool, out: &mut Vec<Problem>) -> Option<Rec> {
        let before = out.len();
        match &r.id {
            None if stored => out.push(Problem::new(format!("{base}.id"), "a stored record needs an id")),
            Some(id) if id.is_empty() => out.push(Problem::new(format!("{base}.id"), "ids must be non-empty strings")),
            _ => {}
        }
        let module = match self.module_ix.get(&r.module) {
            Some(&m) => Some(m),
            None => {
                let mut p = Problem::new(format!("{base}.module"), format!("unknown module \"{}\"", r.module));
                if let Some(m) = did_you_mean(&r.module, self.module_ix.keys().map(std::string::String::as_str)) {
                    p = p.with_help(format!("did you mean \"{m}\"?"));
                }
                out.push(p);
                None
            }
        };
        let owner = match &r.owner {
            None => None,
            Some(o) => match self.principal_ix.get(o) {
                Some(p) => Some(*p),
                None => {
                    out.push(Problem::new(format!("{base}.owner"), format!("owner \"{o}\" is neither a user nor a group")));
                    None
                }
            },
        };
        for (key, val) in [("parent", &r.parent), ("company", &r.company)] {
            if val.as_deref() == Some("") {
                out.push(Problem::new(format!("{base}.{key}"), "ids must be non-empty strings"));
            }
        }
        let account_managers = self.users(&r.account_managers, base, "accountManagers", out);
        let created_by = r.created_by.as_ref().and_then(|c| self.user(c, format!("{base}.createdBy"), out));
        let assignees = self.users(&r.assignees, base, "assignees", out);
        let participants = self.users(&r.participants, base, "participants", out);
        let auditors = self.users(&r.auditors, base, "auditors", out);
        let workspaces: Box<[Ix]> = r
            .workspaces
            .iter()
            .enumerate()
            .filter_map(|(j, w)| match self.workspace_ix.get(w) {
                Some(&wi) => Some(wi),
                None => {
                    out.push(Problem::new(format!("{base}.workspaces[{j}]"), format!("unknown workspace \"{w}\"")));
                    None
                }
            })
            .collect();
        let shares: Vec<u32> = r.shared_with.iter().enumerate().filter_map(|(j, sh)| self.share(sh, format!("{base}.sharedWith[{j}]"), out)).collect();
        if out.len() > before {
            return None;
        }
        let fields = if r.fields.is_empty() { None } else { Some(Box::from(r.fields.as_json())) };
        Some(Rec::new(RecParts {
            id: r.id.as_deref(),
            module: module?,
            owner,
            parent: r.parent.as_deref(),
            company: r.company.as_deref(),
            record_type: r.record_type.as_deref(),
            created_by,
            lists: [&account_managers, &workspaces, &assignees, &participants, &auditors],
            shares: &shares,
            fields,
        }))
    }
}

impl Resolver<'_> {
    /// Resolves a batch of records, all or nothing: hands each resolved
    /// record to `f` in input order, and returns every problem of the batch
    /// (when there is one, what `f` was given must be discarded).
    pub(crate) fn batch(&self, records: &[CrmRecord], kind: Batch, mut f: impl FnMut(Rec)) -> Result<(), Vec<Problem>> {
        let mut problems = Vec::new();
        self.each(records.iter().enumerate(), kind, |_, r| match r {
            Ok(rec) => f(rec),
            Err(mut p) => problems.append(&mut p),
        });
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The one check of a batch: resolves each `(index, record)` in order
    /// and hands `f` the record, or that record's problems (paths
    /// `records[index]...`; an id seen earlier in the batch is one of them).
    pub(crate) fn each<'r>(&self, records: impl IntoIterator<Item = (usize, &'r CrmRecord)>, kind: Batch, mut f: impl FnMut(usize, Result<Rec, Vec<Problem>>)) {
        let stored = kind != Batch::Query;
        // keyed by caller-chosen ids: a keyed hash, so colliding ids cannot make the check quadratic
        let mut seen: std::collections::HashMap<&str, usize, crate::store::IdHashState> =
            std::collections::HashMap::with_hasher(crate::store::IdHashState::new());
        for (i, r) in records {
            let mut problems = Vec::new();
            let rec = self.record(r, &RecordPath::At(i), stored, &mut problems);
            if stored && (rec.is_some() || self.partial) {
                if let Some(id) = &r.id {
                    if let Some(first) = seen.insert(id.as_str(), i) {
                        let within = if kind == Batch::Put { " in this batch" } else { "" };
                        problems
                            .push(Problem::new(format!("records[{i}].id"), format!("record id \"{id}\" appears twice{within} (first at records[{first}])")));
                    }
                }
            }
            match rec {
                Some(rec) if problems.is_empty() => f(i, Ok(rec)),
                _ => f(i, Err(problems)),
            }
        }
    }
}

impl Compiled {
    /// A stored record's `sharedWith`, back as model shares.
    pub(crate) fn shares_json(&self, rec: &Rec) -> Vec<Share> {
        rec.view()
            .shares
            .iter()
            .map(|&code| {
                let (kind, ix, level) = share_parts(code);
                let to = match kind {
                    ShareKind::User => ShareTo::User(self.users[ix as usize].id.clone()),
                    ShareKind::Group => ShareTo::Group(self.groups[ix as usize].id.clone()),
                    ShareKind::Role => ShareTo::Role(self.role_names[ix as usize].clone()),
                    ShareKind::RoleSub => ShareTo::RoleAndSubordinates(self.role_names[ix as usize].clone()),
                };
                Share { to, access: if level == crate::level::Access::Write { RuleAccess::ReadWrite } else { RuleAccess::Read } }
            })
            .collect()
    }
}
