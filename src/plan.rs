//! `plan(user, action, module)`: a user's access to one module as data.
//!
//! The planner folds roles, groups, rules, inheritance, defaults and limits
//! into one [`Condition`] over a record's own columns (and, through `ref`,
//! the columns of its parent or company record), built from the same facts
//! the ladder of `decide.rs` uses, row by row in the same order. A stored
//! record of the module satisfies the plan exactly when `filterStored(user,
//! action)` returns it (the property test `tests/plan.rs` holds the two equal).
//!
//! Semantics of each operator (NULL-safe, as SQL must implement them):
//! The format is the lead's `PLAN_FORMAT.md`: a plan is `always`, `never` or
//! `conditional` with a condition (no `always`/`never` inside, `and`/`or`
//! non-empty), plus two additions the planner needs:
//! - `none {attr, values}` (external users: "the record lists no workspace U
//!   takes part in"),
//! - `ref` without `condition`: the referenced record exists in `module`
//!   (a parent whose module is open to U at every record).
//!
//! - `and` / `or` over `of`.
//! - `in {attr, values}`: the scalar column is not null and one of `values`.
//! - `isNull {attr}`: the scalar column is null (absent).
//! - `overlaps {attr, values}`: the list column holds at least one of `values`.
//! - `none {attr, values}`: the list column holds none of `values` (an empty
//!   or absent list holds none).
//! - `shared {principals, access}`: some `sharedWith` entry's key
//!   (`user:ID`, `group:ID`, `role:ID`, `roleAndSubordinates:ID`) is one of
//!   `principals` and, when `access` is `readWrite`, has access `readWrite`.
//! - `ref {attr, module, condition?}`: the column `attr` (`parent` or
//!   `company`) names a stored record of module `module`, and `condition`
//!   (when present) holds on it.

use crate::compiled::{Compiled, Ix, Pr, PrincipalC, Target, UserC};
use crate::decide::profile_denies;
use crate::level::{Access, Action};
use crate::model::ExternalVisibility;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[cfg(feature = "wasm")]
use tsify::Tsify;

/// A user's access to one module (the module is implied: the records of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Plan {
    /// Every record of the module.
    Always,
    /// None.
    Never,
    /// The records where `condition` holds.
    Conditional { condition: Condition },
}

impl Plan {
    /// Does the plan hold on a record of its module? See [`matches`].
    #[doc(hidden)]
    pub fn matches(&self, rec: &serde_json::Value, lookup: &dyn Fn(&str) -> Option<serde_json::Value>) -> bool {
        match self {
            Plan::Always => true,
            Plan::Never => false,
            Plan::Conditional { condition } => matches(condition, rec, lookup),
        }
    }
}

/// A record column holding one value or null.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum ScalarAttr {
    Id,
    Owner,
    CreatedBy,
    Type,
    Parent,
    Company,
}

/// A record column holding a list of ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum ListAttr {
    AccountManagers,
    Auditors,
    Assignees,
    Participants,
    Workspaces,
}

/// A column naming another record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum RefAttr {
    Parent,
    Company,
}

/// The access a share must give: `read` (any share) or `readWrite`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum ShareAccess {
    Read,
    ReadWrite,
}

/// A condition on a record; see the module docs for each operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum Condition {
    /// Only inside the planner: never in a plan's condition.
    #[serde(skip)]
    Always,
    /// Only inside the planner: never in a plan's condition.
    #[serde(skip)]
    Never,
    And {
        of: Vec<Condition>,
    },
    Or {
        of: Vec<Condition>,
    },
    In {
        attr: ScalarAttr,
        #[cfg_attr(feature = "wasm", tsify(type = "string[]"))]
        values: Vec<Arc<str>>,
    },
    IsNull {
        attr: ScalarAttr,
    },
    Overlaps {
        attr: ListAttr,
        #[cfg_attr(feature = "wasm", tsify(type = "string[]"))]
        values: Vec<Arc<str>>,
    },
    None {
        attr: ListAttr,
        #[cfg_attr(feature = "wasm", tsify(type = "string[]"))]
        values: Vec<Arc<str>>,
    },
    Shared {
        #[cfg_attr(feature = "wasm", tsify(type = "string[]"))]
        principals: Vec<Arc<str>>,
        access: ShareAccess,
    },
    /// `condition` absent: the referenced record exists (in `module`).
    Ref {
        attr: RefAttr,
        module: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        condition: Option<Box<Condition>>,
    },
}

fn or(items: Vec<Condition>) -> Condition {
    let mut of = Vec::new();
    for c in items {
        match c {
            Condition::Always => return Condition::Always,
            Condition::Never => {}
            Condition::Or { of: inner } => of.extend(inner),
            c => of.push(c),
        }
    }
    match of.len() {
        0 => Condition::Never,
        1 => of.pop().unwrap(),
        _ => Condition::Or { of },
    }
}

fn and(items: Vec<Condition>) -> Condition {
    let mut of = Vec::new();
    for c in items {
        match c {
            Condition::Never => return Condition::Never,
            Condition::Always => {}
            Condition::And { of: inner } => of.extend(inner),
            c => of.push(c),
        }
    }
    match of.len() {
        0 => Condition::Always,
        1 => of.pop().unwrap(),
        _ => Condition::And { of },
    }
}

fn when(ok: bool, c: impl FnOnce() -> Condition) -> Condition {
    if ok {
        c()
    } else {
        Condition::Never
    }
}

fn overlaps(attr: ListAttr, values: Vec<Arc<str>>) -> Condition {
    if values.is_empty() {
        Condition::Never
    } else {
        Condition::Overlaps { attr, values }
    }
}

fn is_in(attr: ScalarAttr, values: Vec<Arc<str>>) -> Condition {
    if values.is_empty() {
        Condition::Never
    } else {
        Condition::In { attr, values }
    }
}

fn reference(attr: RefAttr, module: &str, c: Condition) -> Condition {
    if c == Condition::Never {
        return Condition::Never;
    }
    let condition = if c == Condition::Always { None } else { Some(Box::new(c)) };
    Condition::Ref { attr, module: module.to_owned(), condition }
}

/// The sorted `(module, rule)` entries with this module.
fn range(list: &[(Ix, Ix)], key: Ix) -> &[(Ix, Ix)] {
    let lo = list.partition_point(|&(k, _)| k < key);
    let hi = lo + list[lo..].partition_point(|&(k, _)| k == key);
    &list[lo..hi]
}

/// The ids a plan lists, each allocated once per engine and shared by every
/// plan (a top manager's plan names thousands of owners and share keys; with
/// these it clones pointers instead of strings).
pub(crate) struct PlanIds {
    users: Vec<Arc<str>>,
    /// `user:ID`
    user_keys: Vec<Arc<str>>,
    groups: Vec<Arc<str>>,
    /// `group:ID`
    group_keys: Vec<Arc<str>>,
    /// `role:ID`
    role_keys: Vec<Arc<str>>,
    /// `roleAndSubordinates:ID`
    role_sub_keys: Vec<Arc<str>>,
}

/// `kind:id`.
fn key(kind: &str, id: &str) -> Arc<str> {
    let mut k = String::with_capacity(kind.len() + 1 + id.len());
    k.push_str(kind);
    k.push(':');
    k.push_str(id);
    Arc::from(k)
}

impl Compiled {
    fn plan_ids(&self) -> &PlanIds {
        self.plan_ids.get_or_init(|| PlanIds {
            users: self.users.iter().map(|u| Arc::from(u.id.as_str())).collect(),
            user_keys: self.users.iter().map(|u| key("user", &u.id)).collect(),
            groups: self.groups.iter().map(|g| Arc::from(g.id.as_str())).collect(),
            group_keys: self.groups.iter().map(|g| key("group", &g.id)).collect(),
            role_keys: self.role_names.iter().map(|r| key("role", r)).collect(),
            role_sub_keys: self.role_names.iter().map(|r| key("roleAndSubordinates", r)).collect(),
        })
    }
}

struct Planner<'a> {
    c: &'a Compiled,
    ids: &'a PlanIds,
    ui: Ix,
    u: &'a UserC,
    need: Access,
}

impl Compiled {
    /// The plan of `(user ui, action, module m)`; `action` is view, edit or delete.
    pub(crate) fn plan(&self, ui: Ix, action: Action, m: Ix) -> Plan {
        match self.plan_condition(ui, action, m) {
            Condition::Always => Plan::Always,
            Condition::Never => Plan::Never,
            condition => Plan::Conditional { condition },
        }
    }

    fn plan_condition(&self, ui: Ix, action: Action, m: Ix) -> Condition {
        let u = &self.users[ui as usize];
        match u.settled() {
            Some(false) => return Condition::Never,
            Some(true) => return Condition::Always,
            None => {}
        }
        if profile_denies(self.combos[u.combo as usize].perms[m as usize], action).is_some() {
            return Condition::Never;
        }
        let p = Planner { c: self, ids: self.plan_ids(), ui, u, need: action.needs() };
        if u.cap() < p.need {
            return Condition::Never;
        }
        and(vec![p.type_ok(), p.level(m)])
    }
}

impl Planner<'_> {
    fn me(&self) -> Vec<Arc<str>> {
        vec![self.ids.users[self.ui as usize].clone()]
    }

    fn module_name(&self, m: Ix) -> &str {
        &self.c.modules[m as usize].name
    }

    /// The record's `type` passes the user's `recordTypes`.
    fn type_ok(&self) -> Condition {
        match &self.u.record_types {
            None => Condition::Always,
            Some(types) => {
                or(vec![Condition::IsNull { attr: ScalarAttr::Type }, is_in(ScalarAttr::Type, types.iter().map(|t| Arc::from(t.as_str())).collect())])
            }
        }
    }

    /// The record level reaches `need`, before the user's and the type caps:
    /// the module's own rows, or (§3.8, a module controlled by its parent)
    /// `decide(U, "view", P(X)).access >= need`, up the chain of modules. Built
    /// iteratively from the top of the chain: no recursion on its depth.
    fn level(&self, m: Ix) -> Condition {
        let c = self.c;
        let mut chain = vec![m];
        while let Some(&last) = chain.last() {
            match c.modules[last as usize].parent {
                Some(pm) if c.follows_parent(self.u, last) && chain.len() <= c.modules.len() => {
                    // the parent's level is capped by its module's profile and the user's cap
                    if c.profile_cap(self.u, pm) < self.need || self.u.cap() < self.need {
                        break;
                    }
                    chain.push(pm);
                }
                _ => break,
            }
        }
        let mut above = Condition::Never;
        for (i, &mi) in chain.iter().enumerate().rev() {
            let parent = if i + 1 < chain.len() {
                let capped = and(vec![self.type_ok(), std::mem::replace(&mut above, Condition::Never)]);
                reference(RefAttr::Parent, self.module_name(chain[i + 1]), capped)
            } else {
                Condition::Never
            };
            above = or(vec![self.uncapped(mi), parent]);
        }
        above
    }

    fn uncapped(&self, m: Ix) -> Condition {
        let c = self.c;
        if self.u.external {
            return self.external(m);
        }
        if !c.modules[m as usize].record_security {
            return Condition::Always;
        }
        if c.limited_crm_covers(self.u, m) {
            return self.managed(m);
        }
        if let Some(dm) = c.limited_deals_covers(self.u, m) {
            let mine = is_in(ScalarAttr::Owner, self.me());
            return if m == dm { mine } else { reference(RefAttr::Parent, self.module_name(dm), mine) };
        }
        self.grants(m)
    }

    /// Limited CRM: C(X) is managed by U, or a contact of U's linked to nothing.
    fn managed(&self, m: Ix) -> Condition {
        let Some(l) = &self.c.limited else { return Condition::Never };
        let fallback = when(l.contact_module == Some(m), || {
            and(vec![Condition::IsNull { attr: ScalarAttr::Company }, Condition::IsNull { attr: ScalarAttr::Parent }, is_in(ScalarAttr::CreatedBy, self.me())])
        });
        or(vec![self.managed_chain(m, l.company_module), fallback])
    }

    /// C(X) is a company U manages: X itself in the company module, else X's
    /// `company` when set, else C(P(X)); built from the top of the module
    /// chain down, iteratively.
    fn managed_chain(&self, m: Ix, cm: Ix) -> Condition {
        let c = self.c;
        let mut chain = vec![m];
        while let Some(&last) = chain.last() {
            match c.modules[last as usize].parent {
                Some(pm) if last != cm && chain.len() <= c.modules.len() => chain.push(pm),
                _ => break,
            }
        }
        let am = || overlaps(ListAttr::AccountManagers, self.me());
        let mut above = Condition::Never;
        for (i, &mi) in chain.iter().enumerate().rev() {
            above = if mi == cm {
                am()
            } else {
                let up = if i + 1 < chain.len() {
                    let inner = std::mem::replace(&mut above, Condition::Never);
                    and(vec![Condition::IsNull { attr: ScalarAttr::Company }, reference(RefAttr::Parent, self.module_name(chain[i + 1]), inner)])
                } else {
                    Condition::Never
                };
                or(vec![reference(RefAttr::Company, self.module_name(cm), am()), up])
            };
        }
        above
    }

    /// Involvement of U on the record at level `need`: auditor full, assignee
    /// write (and, in participating workspaces, creator), participant read.
    fn involvement(&self, creator: bool, cap: Access) -> Condition {
        let need = self.need;
        let me = || self.me();
        let at = |l: Access| l.min(cap) >= need;
        or(vec![
            when(at(Access::Full), || overlaps(ListAttr::Auditors, me())),
            when(at(Access::Write), || overlaps(ListAttr::Assignees, me())),
            when(at(Access::Write) && creator, || is_in(ScalarAttr::CreatedBy, me())),
            when(at(Access::Read), || overlaps(ListAttr::Participants, me())),
        ])
    }

    /// §3.6 (external users).
    fn external(&self, _m: Ix) -> Condition {
        let c = self.c;
        let mine: Vec<Arc<str>> = self.u.workspaces.iter().map(|&(w, _)| c.workspaces[w as usize].id.clone()).collect();
        let outside = and(vec![
            if mine.is_empty() { Condition::Always } else { Condition::None { attr: ListAttr::Workspaces, values: mine } },
            self.involvement(false, Access::Full),
        ]);
        let (mut fixed, mut part, mut part_ro) = (Vec::new(), Vec::new(), Vec::new());
        for &(w, p) in &self.u.workspaces {
            let id = c.workspaces[w as usize].id.clone();
            let level = if p.owner || p.moderator || p.auditor {
                Access::Full
            } else {
                match c.workspaces[w as usize].visibility {
                    ExternalVisibility::All if p.read_only() => Access::Read,
                    ExternalVisibility::All => Access::Write,
                    ExternalVisibility::Participating => {
                        if p.read_only() {
                            part_ro.push(id);
                        } else {
                            part.push(id);
                        }
                        continue;
                    }
                }
            };
            if level >= self.need {
                fixed.push(id);
            }
        }
        or(vec![
            is_in(ScalarAttr::Owner, self.me()),
            outside,
            overlaps(ListAttr::Workspaces, fixed),
            when(!part.is_empty(), || and(vec![overlaps(ListAttr::Workspaces, part), self.involvement(true, Access::Full)])),
            when(!part_ro.is_empty(), || and(vec![overlaps(ListAttr::Workspaces, part_ro), self.involvement(true, Access::Read)])),
        ])
    }

    /// §3.5: the grants that reach internal users.
    fn grants(&self, m: Ix) -> Condition {
        let c = self.c;
        let (u, need) = (self.u, self.need);
        let module = &c.modules[m as usize];
        if module.default_access >= need {
            return Condition::Always;
        }
        let combo = &c.combos[u.combo as usize];
        if (combo.edit_all && Access::Write >= need) || (combo.view_all && Access::Read >= need) {
            return Condition::Always;
        }
        // the owners that give access: U, U's subordinates (hierarchy), U's
        // groups, and what the `from` of the rules reaching U matches
        let mut froms: Vec<PrincipalC> = Vec::new();
        let direct = range(&u.class.rules, m);
        for ri in direct.iter().map(|&(_, ri)| ri).chain(c.below(u, m, false)) {
            let rule = &c.rules[ri as usize];
            if rule.level >= need {
                froms.push(rule.from);
            }
        }
        let below = match u.role.filter(|_| module.hierarchy) {
            Some(mine) => {
                let r = &c.roles[mine as usize];
                Some((r.pre + 1, r.end))
            }
            None => None,
        };
        let owners = self.owners(&froms, below, true);
        let ws: Vec<Arc<str>> = u
            .workspaces
            .iter()
            .filter(|&&(_, p)| {
                let level = if p.owner || p.moderator || p.auditor {
                    Access::Full
                } else if p.member || p.counterparty {
                    Access::Write
                } else {
                    Access::Read
                };
                level >= need
            })
            .map(|&(w, _)| c.workspaces[w as usize].id.clone())
            .collect();
        or(vec![
            is_in(ScalarAttr::Owner, owners),
            overlaps(ListAttr::AccountManagers, self.me()),
            self.involvement(false, Access::Full),
            overlaps(ListAttr::Workspaces, ws),
            self.related(m),
            self.shares(m),
        ])
    }

    /// The ids of the owners (users and groups) that `froms` match (§2), with
    /// the users whose role's pre-order number is in `span` (subordinates) and,
    /// with `mine`, U and U's groups. One pass over users and groups: the role
    /// principals and the groups' role spans become marks on pre-order numbers.
    fn owners(&self, froms: &[PrincipalC], span: Option<(u32, u32)>, mine: bool) -> Vec<Arc<str>> {
        let c = self.c;
        let n = c.roles.len() + 2;
        let mut diff = vec![0i32; n + 1];
        let mut mark = |lo: u32, hi: u32| {
            if lo <= hi {
                diff[(lo as usize).min(n)] += 1;
                diff[(hi as usize + 1).min(n)] -= 1;
            }
        };
        let mut from_group = vec![false; c.groups.len()];
        for &f in froms {
            match f {
                PrincipalC::Role(r) => mark(c.roles[r as usize].pre, c.roles[r as usize].pre),
                PrincipalC::RoleSub(r) => mark(c.roles[r as usize].pre, c.roles[r as usize].end),
                PrincipalC::Group(g) => {
                    from_group[g as usize] = true;
                    for &(lo, hi) in &c.groups[g as usize].role_spans {
                        mark(lo, hi);
                    }
                }
            }
        }
        if let Some((lo, hi)) = span {
            mark(lo, hi);
        }
        let mut marked = vec![false; n];
        let mut run = 0;
        for (i, m) in marked.iter_mut().enumerate() {
            run += diff[i];
            *m = run > 0;
        }
        let any_group = from_group.iter().any(|&b| b);
        let mut out = Vec::new();
        for (o, v) in c.users.iter().enumerate() {
            let hit = (mine && o as Ix == self.ui)
                || v.role.is_some_and(|r| marked[c.roles[r as usize].pre as usize])
                || (any_group && v.class.groups.iter().any(|&g| from_group[g as usize]));
            if hit {
                out.push(self.ids.users[o].clone());
            }
        }
        for h in 0..c.groups.len() {
            let h = h as Ix;
            let hit = (mine && c.user_in_group(self.ui, h))
                || (any_group
                    && (from_group[h as usize]
                        || match &c.group_up {
                            Some(up) => up[h as usize].iter().any(|&g| from_group[g as usize]),
                            None => froms.iter().any(|&f| c.rule_from_matches(f, Pr::Group(h))),
                        }));
            if hit {
                out.push(self.ids.groups[h as usize].clone());
            }
        }
        out
    }

    /// Related sharing: rules on the parent module whose `from` matches the
    /// parent's owner, with a related entry for this module.
    fn related(&self, m: Ix) -> Condition {
        let c = self.c;
        let Some(pm) = c.modules[m as usize].parent else { return Condition::Never };
        let mut froms: Vec<PrincipalC> = Vec::new();
        let direct = range(&self.u.class.related, m);
        for ri in direct.iter().map(|&(_, ri)| ri).chain(c.below(self.u, m, true)) {
            let rule = &c.rules[ri as usize];
            if rule.module != pm {
                continue;
            }
            let ok = rule.related.iter().find(|&&(cm, _)| cm == m).is_some_and(|&(_, level)| level >= self.need);
            if ok {
                froms.push(rule.from);
            }
        }
        if froms.is_empty() {
            return Condition::Never;
        }
        let owners = self.owners(&froms, None, false);
        reference(RefAttr::Parent, self.module_name(pm), is_in(ScalarAttr::Owner, owners))
    }

    /// The shares that reach U (directly, or through a subordinate on a
    /// hierarchy module) at `need`.
    fn shares(&self, m: Ix) -> Condition {
        let c = self.c;
        let access = match self.need {
            Access::None | Access::Read => ShareAccess::Read,
            Access::Write => ShareAccess::ReadWrite,
            Access::Full => return Condition::Never,
        };
        let (ui, u) = (self.ui, self.u);
        let below = u.role.filter(|_| c.modules[m as usize].hierarchy);
        let reaches = |t: Target| below.is_some_and(|r| c.matches_below(r, t));
        let mut with = Vec::new();
        // the users strictly below U's role (internal ones): a span of pre-order numbers
        let span = below.map(|r| (c.roles[r as usize].pre + 1, c.roles[r as usize].end)).filter(|&(lo, hi)| lo <= hi);
        match span {
            None => with.push(self.ids.user_keys[ui as usize].clone()),
            Some((lo, hi)) => {
                for (v, user) in c.users.iter().enumerate() {
                    let hit = v as Ix == ui || (!c.externals[v] && user.role.is_some_and(|rv| (lo..=hi).contains(&c.roles[rv as usize].pre)));
                    if hit {
                        with.push(self.ids.user_keys[v].clone());
                    }
                }
            }
        }
        for g in 0..c.groups.len() {
            let g = g as Ix;
            if c.user_in_group(ui, g) || reaches(Target::Group(g)) {
                with.push(self.ids.group_keys[g as usize].clone());
            }
        }
        for r in 0..c.role_names.len() {
            let r = r as Ix;
            if u.role == Some(r) || reaches(Target::Role(r)) {
                with.push(self.ids.role_keys[r as usize].clone());
            }
            if u.role.is_some_and(|mine| c.role_within(mine, r)) || reaches(Target::RoleSub(r)) {
                with.push(self.ids.role_sub_keys[r as usize].clone());
            }
        }
        Condition::Shared { principals: with, access }
    }
}

/// A native evaluator of a condition over records as JSON (the contract's
/// record shape), with `lookup` finding a stored record by id. For tests and
/// for checking a database's answer; not the engine's own path.
#[doc(hidden)]
pub fn matches(c: &Condition, rec: &serde_json::Value, lookup: &dyn Fn(&str) -> Option<serde_json::Value>) -> bool {
    use serde_json::Value;
    let scalar = |a: ScalarAttr| -> Option<&str> {
        let k = match a {
            ScalarAttr::Id => "id",
            ScalarAttr::Owner => "owner",
            ScalarAttr::CreatedBy => "createdBy",
            ScalarAttr::Type => "type",
            ScalarAttr::Parent => "parent",
            ScalarAttr::Company => "company",
        };
        rec.get(k).and_then(Value::as_str)
    };
    let list = |a: ListAttr| -> Vec<&str> {
        let k = match a {
            ListAttr::AccountManagers => "accountManagers",
            ListAttr::Auditors => "auditors",
            ListAttr::Assignees => "assignees",
            ListAttr::Participants => "participants",
            ListAttr::Workspaces => "workspaces",
        };
        rec.get(k).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
    };
    match c {
        Condition::Always => true,
        Condition::Never => false,
        Condition::And { of } => of.iter().all(|c| matches(c, rec, lookup)),
        Condition::Or { of } => of.iter().any(|c| matches(c, rec, lookup)),
        Condition::In { attr, values } => scalar(*attr).is_some_and(|v| values.iter().any(|x| &**x == v)),
        Condition::IsNull { attr } => scalar(*attr).is_none(),
        Condition::Overlaps { attr, values } => list(*attr).iter().any(|v| values.iter().any(|x| &**x == *v)),
        Condition::None { attr, values } => !list(*attr).iter().any(|v| values.iter().any(|x| &**x == *v)),
        Condition::Shared { principals, access } => rec.get("sharedWith").and_then(Value::as_array).is_some_and(|shares| {
            shares.iter().any(|s| {
                let level_ok = *access == ShareAccess::Read || s.get("access").and_then(Value::as_str) == Some("readWrite");
                let key = ["user", "group", "role", "roleAndSubordinates"].iter().find_map(|k| s.get(*k).and_then(Value::as_str).map(|id| format!("{k}:{id}")));
                level_ok && key.is_some_and(|k| principals.iter().any(|p| **p == *k))
            })
        }),
        Condition::Ref { attr, module, condition } => {
            let id = scalar(match attr {
                RefAttr::Parent => ScalarAttr::Parent,
                RefAttr::Company => ScalarAttr::Company,
            });
            id.and_then(lookup)
                .is_some_and(|r| r.get("module").and_then(Value::as_str) == Some(module.as_str()) && condition.as_ref().is_none_or(|c| matches(c, &r, lookup)))
        }
    }
}
