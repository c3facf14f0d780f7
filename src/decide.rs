//! Evaluation: the record level of §3 and the decision built from it.
//!
//! One function computes the level for both uses: `decide` asks it to explain
//! (collecting the reason codes of the grants at the winning level), `can` and
//! `filter` ask it to stop as soon as the level needed is reached.

use crate::compile::{Compiled, Ix, Part, Pr, PrincipalC, UserC};
use crate::level::{Access, Action, CREATE, DELETE, EDIT, VIEW};
use crate::model::ExternalVisibility;
use crate::store::{RecRef, Store};
use serde::Serialize;

#[cfg(feature = "wasm")]
use tsify::Tsify;

/// The answer to "may this user do this with this record?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub allowed: bool,
    /// The user's level on the record, capped by what their profiles open.
    pub access: Access,
    /// The user may view the record but not edit it.
    pub read_only: bool,
    /// Stable codes naming the grants, caps and denials that decided it.
    pub reasons: Vec<String>,
}

/// Accumulates grants; see the module docs. The explanation buffers exist only
/// when explaining, so the fast path allocates and drops nothing.
pub(crate) struct Acc {
    pub best: Access,
    stop: Access,
    explain: Option<Box<Explain>>,
}

#[derive(Default)]
struct Explain {
    reasons: Vec<String>,
    notes: Vec<String>,
}

impl Acc {
    pub fn fast(stop: Access) -> Self {
        Acc { best: Access::None, stop, explain: None }
    }
    pub fn explain() -> Self {
        Acc { best: Access::None, stop: Access::Full, explain: Some(Box::default()) }
    }
    /// Records a grant; returns true when evaluation may stop.
    #[inline]
    fn grant(&mut self, level: Access, why: impl FnOnce() -> String) -> bool {
        match &mut self.explain {
            Some(x) => {
                if level > self.best {
                    self.best = level;
                    x.reasons.clear();
                    x.reasons.push(why());
                } else if level == self.best && level > Access::None {
                    let r = why();
                    if !x.reasons.contains(&r) {
                        x.reasons.push(r);
                    }
                }
                false
            }
            None => {
                if level > self.best {
                    self.best = level;
                }
                self.best >= self.stop
            }
        }
    }
    /// Explains a denial (kept only if nothing grants access).
    #[inline]
    fn note(&mut self, why: impl FnOnce() -> String) {
        if let Some(x) = &mut self.explain {
            x.notes.push(why());
        }
    }
    /// Lowers the level to at most `to`, saying why.
    fn cap(&mut self, to: Access, why: &str) {
        if self.best > to {
            self.best = to;
            if let Some(x) = &mut self.explain {
                x.reasons.push(why.to_owned());
            }
        }
    }
    fn into_reasons(self) -> Vec<String> {
        let x = self.explain.map(|b| *b).unwrap_or_default();
        if self.best == Access::None {
            if x.notes.is_empty() {
                return vec!["no-grant".into()];
            }
            return x.notes;
        }
        x.reasons
    }
}

macro_rules! grant {
    ($acc:expr, $lvl:expr, $why:expr) => {
        if $acc.grant($lvl, || $why.into()) {
            return;
        }
    };
}

/// `start..end` of the entries of a sorted (key, value) list with this key.
fn range(list: &[(Ix, Ix)], key: Ix) -> &[(Ix, Ix)] {
    let lo = list.partition_point(|&(k, _)| k < key);
    let hi = lo + list[lo..].partition_point(|&(k, _)| k == key);
    &list[lo..hi]
}

impl UserC {
    pub(crate) fn part(&self, w: Ix) -> Option<Part> {
        self.workspaces.binary_search_by_key(&w, |&(x, _)| x).ok().map(|i| self.workspaces[i].1)
    }
}

impl Compiled {
    /// Is role `b` in RS(a)?
    #[inline]
    pub(crate) fn role_within(&self, b: Ix, a: Ix) -> bool {
        let (a, b) = (&self.roles[a as usize], &self.roles[b as usize]);
        a.pre <= b.pre && b.pre <= a.end
    }

    /// Is group `h` the group `g` or nested inside it at any depth?
    pub(crate) fn group_within(&self, h: Ix, g: Ix) -> bool {
        if h == g {
            return true;
        }
        match &self.group_up {
            Some(up) => up[h as usize].binary_search(&g).is_ok(),
            None => {
                let mut seen = vec![false; self.groups.len()];
                let mut stack = vec![h];
                while let Some(x) = stack.pop() {
                    if x == g {
                        return true;
                    }
                    if !std::mem::replace(&mut seen[x as usize], true) {
                        stack.extend_from_slice(&self.groups[x as usize].containers);
                    }
                }
                false
            }
        }
    }

    /// Does a rule's `from` match the owner of a record?
    fn from_matches(&self, from: PrincipalC, owner: Pr) -> bool {
        match (from, owner) {
            (PrincipalC::Role(r), Pr::User(o)) => self.users[o as usize].role == Some(r),
            (PrincipalC::RoleSub(r), Pr::User(o)) => self.users[o as usize].role.is_some_and(|or| self.role_within(or, r)),
            (PrincipalC::Group(g), Pr::User(o)) => self.users[o as usize].class.groups.binary_search(&g).is_ok(),
            (PrincipalC::Group(g), Pr::Group(h)) => self.group_within(h, g),
            (_, Pr::Group(_)) => false,
        }
    }

    /// Limited CRM access: is the record managed by user `ui`?
    /// `created_by` stands in for the record's own when it has none (creation).
    fn managed(&self, store: &Store, ui: Ix, rec: &RecRef<'_>, created_by: Option<Ix>) -> bool {
        let Some(l) = &self.limited else { return false };
        if rec.module == l.company_module && rec.account_managers.contains(&ui) {
            return true;
        }
        match rec.company {
            Some(c) => store.get(c).is_some_and(|co| co.module == l.company_module && co.view().account_managers.contains(&ui)),
            None => rec.created_by.or(created_by) == Some(ui),
        }
    }

    /// For a limited-deals user: `Some(owns)` when the record is a deal or a
    /// child of one, `None` when limited deal access does not cover it.
    fn deal_ownership(&self, store: &Store, ui: Ix, rec: &RecRef<'_>, owner_if_absent: bool) -> Option<bool> {
        let dm = self.limited.as_ref()?.deal_module?;
        let me = Some(Pr::User(ui));
        if rec.module == dm {
            Some(rec.owner == me || (owner_if_absent && rec.owner.is_none()))
        } else if self.modules[rec.module as usize].parent == Some(dm) {
            Some(rec.parent.and_then(|p| store.get(p)).is_some_and(|d| d.module == dm && d.view().owner == me))
        } else {
            None
        }
    }

    fn ws_id(&self, w: Ix) -> &str {
        &self.workspaces[w as usize].id
    }

    /// The record level L of §3.2–3.6 for an active, non-admin user.
    pub(crate) fn record_level(&self, store: &Store, ui: Ix, rec: &RecRef<'_>, acc: &mut Acc) {
        let u = &self.users[ui as usize];
        if let (Some(types), Some(t)) = (&u.record_types, &rec.record_type) {
            if !types.iter().any(|x| x == t) {
                acc.note(|| "record-type-hidden".into());
                return;
            }
        }
        self.uncapped_level(store, ui, u, rec, acc);
        if u.read_only {
            acc.cap(Access::Read, "read-only-user");
        }
    }

    fn uncapped_level(&self, store: &Store, ui: Ix, u: &UserC, rec: &RecRef<'_>, acc: &mut Acc) {
        if u.external {
            return self.external_level(ui, u, rec, acc);
        }
        let m = rec.module;
        let module = &self.modules[m as usize];
        if !module.record_security {
            grant!(acc, Access::Full, "no-record-security");
            return;
        }
        if u.limited_crm && self.limited.as_ref().is_some_and(|l| l.modules[m as usize]) {
            if self.managed(store, ui, rec, None) {
                grant!(acc, Access::Full, "limited-crm-managed");
            } else {
                acc.note(|| "limited-crm-unmanaged".into());
            }
            return;
        }
        if u.limited_deals {
            if let Some(owns) = self.deal_ownership(store, ui, rec, false) {
                if owns {
                    grant!(acc, Access::Full, "limited-deals-own");
                } else {
                    acc.note(|| "limited-deals-not-own".into());
                }
                return;
            }
        }
        self.grants(store, ui, u, rec, acc);
    }

    fn external_level(&self, ui: Ix, u: &UserC, rec: &RecRef<'_>, acc: &mut Acc) {
        if rec.owner == Some(Pr::User(ui)) {
            grant!(acc, Access::Full, "owner");
        }
        for &w in rec.workspaces.iter() {
            let Some(p) = u.part(w) else { continue };
            let id = self.ws_id(w);
            if p.owner {
                grant!(acc, Access::Full, format!("workspace-owner:{id}"));
                continue;
            }
            if p.moderator {
                grant!(acc, Access::Full, format!("workspace-moderator:{id}"));
                continue;
            }
            let ro = p.read_only();
            match self.workspaces[w as usize].visibility {
                ExternalVisibility::All => {
                    if ro {
                        grant!(acc, Access::Read, format!("workspace-read-only:{id}"));
                    } else if p.member {
                        grant!(acc, Access::Write, format!("workspace-member:{id}"));
                    } else {
                        grant!(acc, Access::Write, format!("workspace-counterparty:{id}"));
                    }
                }
                ExternalVisibility::Participating => {
                    let (level, why) = if rec.auditors.contains(&ui) {
                        (Access::Full, "workspace-auditor")
                    } else if rec.assignees.contains(&ui) {
                        (Access::Write, "workspace-assignee")
                    } else if rec.created_by == Some(ui) {
                        (Access::Write, "workspace-creator")
                    } else if rec.participants.contains(&ui) {
                        (Access::Read, "workspace-participant")
                    } else {
                        (Access::None, "workspace-not-involved")
                    };
                    if level == Access::None {
                        acc.note(|| format!("{why}:{id}"));
                    } else if ro && level > Access::Read {
                        grant!(acc, Access::Read, format!("workspace-read-only:{id}"));
                    } else {
                        grant!(acc, level, format!("{why}:{id}"));
                    }
                }
            }
        }
        if acc.best == Access::None {
            acc.note(|| "external-outside-workspaces".into());
        }
    }

    /// §3.5: the grants that reach internal users.
    fn grants(&self, store: &Store, ui: Ix, u: &UserC, rec: &RecRef<'_>, acc: &mut Acc) {
        let m = rec.module;
        let class = &u.class;
        match rec.owner {
            Some(Pr::User(o)) if o == ui => grant!(acc, Access::Full, "owner"),
            Some(Pr::User(o)) => {
                if let (Some(mine), Some(theirs)) = (u.role, self.users[o as usize].role) {
                    if mine != theirs && self.role_within(theirs, mine) {
                        grant!(acc, Access::Full, "hierarchy");
                    }
                }
            }
            Some(Pr::Group(g)) => {
                if class.groups.binary_search(&g).is_ok() {
                    grant!(acc, Access::Full, "group-owner");
                }
            }
            None => {}
        }
        if rec.account_managers.contains(&ui) {
            grant!(acc, Access::Full, "account-manager");
        }
        if rec.auditors.contains(&ui) {
            grant!(acc, Access::Full, "auditor");
        }
        if rec.assignees.contains(&ui) {
            grant!(acc, Access::Write, "assignee");
        }
        if rec.participants.contains(&ui) {
            grant!(acc, Access::Read, "participant");
        }
        for &w in rec.workspaces.iter() {
            if let Some(p) = u.part(w) {
                let id = self.ws_id(w);
                let (level, why) = if p.owner {
                    (Access::Full, "workspace-owner")
                } else if p.moderator {
                    (Access::Full, "workspace-moderator")
                } else if p.member || p.counterparty {
                    (Access::Write, "workspace-member")
                } else {
                    (Access::Read, "workspace-read-only")
                };
                grant!(acc, level, format!("{why}:{id}"));
            }
        }
        let module = &self.modules[m as usize];
        if module.default_access > Access::None {
            grant!(acc, module.default_access, "default-sharing");
        }
        if let Some(owner) = rec.owner {
            for &(_, ri) in range(&class.rules, m) {
                let rule = &self.rules[ri as usize];
                if self.from_matches(rule.from, owner) {
                    grant!(acc, rule.level, format!("sharing-rule:{}", rule.id));
                }
            }
        }
        let related = range(&class.related, m);
        if !related.is_empty() {
            let parent = rec.parent.and_then(|p| store.get(p));
            if let Some((parent, po)) = parent.and_then(|p| p.view().owner.map(|o| (p, o))) {
                if module.parent == Some(parent.module) {
                    for &(_, ri) in related {
                        let rule = &self.rules[ri as usize];
                        if rule.module != parent.module || !self.from_matches(rule.from, po) {
                            continue;
                        }
                        if let Some(&(_, level)) = rule.related.iter().find(|&&(c, _)| c == m) {
                            grant!(acc, level, format!("related-sharing:{}", rule.id));
                        }
                    }
                }
            }
        }
        let combo = &self.combos[u.combo as usize];
        if combo.edit_all {
            grant!(acc, Access::Write, "edit-all");
        }
        if combo.view_all {
            grant!(acc, Access::Read, "view-all");
        }
    }

    /// §3.7: may user `ui` create this record? Reasons are pushed when given.
    fn may_create(&self, store: &Store, ui: Ix, rec: &RecRef<'_>, mut why: Option<&mut Vec<String>>) -> bool {
        let u = &self.users[ui as usize];
        let perms = self.combos[u.combo as usize].perms[rec.module as usize];
        let mut ok = true;
        let mut deny = |code: String| {
            ok = false;
            if let Some(w) = why.as_deref_mut() {
                w.push(code);
            }
        };
        if perms & VIEW == 0 {
            deny("profile-closed:view".into());
        } else if perms & CREATE == 0 {
            deny("profile-closed:create".into());
        }
        if u.read_only {
            deny("read-only-user".into());
        }
        if let (Some(types), Some(t)) = (&u.record_types, &rec.record_type) {
            if !types.iter().any(|x| x == t) {
                deny("record-type-hidden".into());
            }
        }
        if u.external {
            if rec.workspaces.is_empty() {
                deny("external-needs-workspace".into());
            }
            for &w in rec.workspaces.iter() {
                match u.part(w) {
                    None => deny(format!("workspace-not-participant:{}", self.ws_id(w))),
                    Some(p) if p.read_only() => deny(format!("workspace-read-only:{}", self.ws_id(w))),
                    Some(_) => {}
                }
            }
        }
        if u.limited_crm && self.limited.as_ref().is_some_and(|l| l.modules[rec.module as usize]) && !self.managed(store, ui, rec, Some(ui)) {
            deny("limited-crm-unmanaged".into());
        }
        if u.limited_deals && self.deal_ownership(store, ui, rec, true) == Some(false) {
            deny("limited-deals-not-own".into());
        }
        ok
    }

    /// The fast answer, used by `can` and `filter`.
    pub(crate) fn allowed(&self, store: &Store, ui: Ix, action: Action, rec: &RecRef<'_>) -> bool {
        let u = &self.users[ui as usize];
        if !u.active {
            return false;
        }
        if u.admin {
            return true;
        }
        if action == Action::Create {
            return self.may_create(store, ui, rec, None);
        }
        let perms = self.combos[u.combo as usize].perms[rec.module as usize];
        if perms & VIEW == 0 || perms & action.bit() == 0 {
            return false;
        }
        let mut acc = Acc::fast(action.needs());
        self.record_level(store, ui, rec, &mut acc);
        acc.best >= action.needs()
    }

    /// The full decision, with reasons.
    pub(crate) fn decide(&self, store: &Store, ui: Ix, action: Action, rec: &RecRef<'_>) -> Decision {
        let u = &self.users[ui as usize];
        if !u.active {
            return Decision { allowed: false, access: Access::None, read_only: false, reasons: vec!["inactive".into()] };
        }
        if u.admin {
            return Decision { allowed: true, access: Access::Full, read_only: false, reasons: vec!["admin".into()] };
        }
        let perms = self.combos[u.combo as usize].perms[rec.module as usize];
        let mut acc = Acc::explain();
        self.record_level(store, ui, rec, &mut acc);
        let level = acc.best;
        let view_open = perms & VIEW != 0;
        let edit_open = view_open && perms & EDIT != 0;
        let profile_cap = if !view_open {
            Access::None
        } else if !edit_open {
            Access::Read
        } else if perms & DELETE == 0 {
            Access::Write
        } else {
            Access::Full
        };
        let access = level.min(profile_cap);
        let read_only = view_open && level >= Access::Read && !(edit_open && level >= Access::Write);
        let mut reasons = Vec::new();
        let allowed = if action == Action::Create {
            let ok = self.may_create(store, ui, rec, Some(&mut reasons));
            if ok {
                reasons.push("profile-create".into());
            }
            ok
        } else {
            if !view_open {
                reasons.push("profile-closed:view".into());
            } else if perms & action.bit() == 0 {
                reasons.push(format!("profile-closed:{}", action.as_str()));
            }
            reasons.extend(acc.into_reasons());
            view_open && perms & action.bit() != 0 && level >= action.needs()
        };
        Decision { allowed, access, read_only, reasons }
    }
}

/// Sharing-rule levels by owner role and by owner group (empty: no such rule).
struct RuleTables {
    by_role: Vec<Access>,
    by_group: Vec<Access>,
}

/// A per-(user, action) context for answering many `allowed` questions fast.
///
/// It settles what does not depend on the record once (inactive, admin, a
/// read-only user asked to write, a module the profile closes, a module where
/// defaults or viewAll/editAll already suffice), and caches, per owner, whether
/// the owner-derived grants (ownership, hierarchy, owning group, sharing rules)
/// suffice. A record it cannot settle that way (external users, limited access,
/// record-specific grants, creation) goes to [`Compiled::allowed`], so the
/// answer is always the full procedure's; tests hold the two to that.
pub(crate) struct FastCtx {
    pub ui: Ix,
    pub action: Action,
    need: Access,
    global: Option<bool>,
    mods: Vec<ModCtx>,
}

struct ModCtx {
    /// The best sharing-rule level this user gets from an owner, by the owner's
    /// role and by the groups the owner is in (built when first needed).
    rules: Option<RuleTables>,
    /// The answer for every record of the module, when it does not depend on the record.
    decided: Option<bool>,
    /// Every record of the module needs the full procedure.
    full: bool,
    /// The user has related-sharing rules reaching this module.
    related: bool,
    /// Per owner (users, then groups), two bits: 0 not computed, 1 no, 2 yes.
    /// Packed 32 to a word so the contexts of many users stay in cache.
    owners: Vec<u64>,
}

impl Compiled {
    pub(crate) fn fast_ctx(&self, ui: Ix, action: Action) -> FastCtx {
        let u = &self.users[ui as usize];
        let need = action.needs();
        let global = if !u.active {
            Some(false)
        } else if u.admin {
            Some(true)
        } else if u.read_only && need > Access::Read && action != Action::Create {
            Some(false)
        } else {
            None
        };
        let combo = &self.combos[u.combo as usize];
        let mods = self
            .modules
            .iter()
            .enumerate()
            .map(|(m, module)| {
                let perms = combo.perms[m];
                let open = perms & VIEW != 0 && perms & action.bit() != 0;
                let limited_crm = u.limited_crm && self.limited.as_ref().is_some_and(|l| l.modules[m]);
                let limited_deals =
                    u.limited_deals && self.limited.as_ref().and_then(|l| l.deal_module).is_some_and(|dm| m as Ix == dm || module.parent == Some(dm));
                let full = action == Action::Create || u.external || limited_crm || limited_deals;
                let decided = if action == Action::Create {
                    None
                } else if !open {
                    Some(false)
                } else if full {
                    None
                } else {
                    let mut level = if !module.record_security { Access::Full } else { module.default_access };
                    if combo.edit_all {
                        level = level.max(Access::Write);
                    }
                    if combo.view_all {
                        level = level.max(Access::Read);
                    }
                    if u.read_only {
                        level = level.min(Access::Read);
                    }
                    (level >= need).then_some(true)
                };
                ModCtx { rules: None, decided, full, related: !range(&u.class.related, m as Ix).is_empty(), owners: Vec::new() }
            })
            .collect();
        FastCtx { ui, action, need, global, mods }
    }

    /// The sharing-rule tables of user `ui` for module `m`: one pass over the
    /// rules that reach the user, then one over the role tree.
    fn rule_tables(&self, ui: Ix, m: Ix) -> RuleTables {
        let u = &self.users[ui as usize];
        let rules = range(&u.class.rules, m);
        let mut by_role = Vec::new();
        let mut by_group = Vec::new();
        if !rules.is_empty() {
            let mut direct = vec![Access::None; self.roles.len()];
            let mut subtree = vec![Access::None; self.roles.len()];
            let mut groups = vec![Access::None; self.groups.len()];
            let (mut any_role, mut any_group) = (false, false);
            for &(_, ri) in rules {
                let rule = &self.rules[ri as usize];
                let (slot, any) = match rule.from {
                    PrincipalC::Role(r) => (&mut direct[r as usize], &mut any_role),
                    PrincipalC::RoleSub(r) => (&mut subtree[r as usize], &mut any_role),
                    PrincipalC::Group(g) => (&mut groups[g as usize], &mut any_group),
                };
                *slot = (*slot).max(rule.level);
                *any = true;
            }
            if any_role {
                // a {roleAndSubordinates: R} rule reaches owners of every role below R
                for &r in &self.roles_pre_order {
                    if let Some(p) = self.roles[r as usize].parent {
                        subtree[r as usize] = subtree[r as usize].max(subtree[p as usize]);
                    }
                }
                by_role = direct.iter().zip(&subtree).map(|(a, b)| *a.max(b)).collect();
            }
            if any_group {
                by_group = groups;
            }
        }
        RuleTables { by_role, by_group }
    }

    /// The level from the grants that depend only on the record's owner.
    fn owner_level(&self, ui: Ix, owner: Pr, t: &RuleTables) -> Access {
        let u = &self.users[ui as usize];
        let group_level =
            |gs: &mut dyn Iterator<Item = Ix>| gs.map(|g| t.by_group.get(g as usize).copied().unwrap_or(Access::None)).max().unwrap_or(Access::None);
        match owner {
            Pr::User(o) if o == ui => Access::Full,
            Pr::User(o) => {
                let theirs = self.users[o as usize].role;
                if let (Some(mine), Some(theirs)) = (u.role, theirs) {
                    if mine != theirs && self.role_within(theirs, mine) {
                        return Access::Full;
                    }
                }
                let by_role = theirs.and_then(|r| t.by_role.get(r as usize).copied()).unwrap_or(Access::None);
                if t.by_group.is_empty() {
                    return by_role;
                }
                by_role.max(group_level(&mut self.users[o as usize].class.groups.iter().copied()))
            }
            Pr::Group(g) if u.class.groups.binary_search(&g).is_ok() => Access::Full,
            Pr::Group(h) => {
                if t.by_group.is_empty() {
                    return Access::None;
                }
                match &self.group_up {
                    Some(up) => group_level(&mut up[h as usize].iter().copied()),
                    None => group_level(&mut crate::compile::close_upward(&[h], &self.groups, None).into_iter()),
                }
            }
        }
    }

    /// `allowed`, answered through the context where it can be.
    pub(crate) fn fast_allowed(&self, store: &Store, ctx: &mut FastCtx, rec: &RecRef<'_>) -> bool {
        if let Some(g) = ctx.global {
            return g;
        }
        let m = rec.module as usize;
        let Some(mc) = ctx.mods.get_mut(m) else { return false };
        if let Some(d) = mc.decided {
            if !d {
                return false;
            }
            // a settled module still hides record types outside the user's list
            let u = &self.users[ctx.ui as usize];
            return match (&u.record_types, rec.record_type) {
                (Some(types), Some(t)) => types.iter().any(|x| x == t),
                _ => true,
            };
        }
        if mc.full {
            return self.allowed(store, ctx.ui, ctx.action, rec);
        }
        let u = &self.users[ctx.ui as usize];
        if let (Some(types), Some(t)) = (&u.record_types, rec.record_type) {
            if !types.iter().any(|x| x == t) {
                return false;
            }
        }
        if let Some(owner) = rec.owner {
            let k = match owner {
                Pr::User(x) => x as usize,
                Pr::Group(g) => self.users.len() + g as usize,
            };
            if mc.owners.is_empty() {
                mc.owners = vec![0; (self.users.len() + self.groups.len()).div_ceil(32)];
            }
            let (word, shift) = (k / 32, 2 * (k % 32));
            let mut known = mc.owners.get(word).map_or(1, |w| (w >> shift) & 3);
            if known == 0 {
                let tables = mc.rules.get_or_insert_with(|| self.rule_tables(ctx.ui, rec.module));
                let mut level = self.owner_level(ctx.ui, owner, tables);
                if u.read_only {
                    level = level.min(Access::Read);
                }
                known = if level >= ctx.need { 2 } else { 1 };
                mc.owners[word] |= known << shift;
            }
            if known == 2 {
                return true;
            }
        }
        let specific = !rec.account_managers.is_empty()
            || !rec.auditors.is_empty()
            || !rec.assignees.is_empty()
            || !rec.participants.is_empty()
            || !rec.workspaces.is_empty()
            || (rec.parent.is_some() && mc.related);
        specific && self.allowed(store, ctx.ui, ctx.action, rec)
    }
}
