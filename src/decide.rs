//! Evaluation: the record level of §3 and the decision built from it.
//!
//! The grants of §3.2–3.6 are written once, as rows of one ladder
//! ([`Compiled::record_level`]), in the order of the contract's table. Every
//! caller runs those rows: `decide` asks the accumulator to explain (collect
//! the reasons of the grants at the winning level), `can` and `filter` ask it
//! to stop as soon as the level needed is reached, and the fast context of
//! `fast.rs` runs the rows that depend only on the module, or only on the
//! owner, once and keeps their answer.
//!
//! A new grant of the contract is a new row here, called from `grants` (and,
//! when it depends only on the module or the owner, from `module_rows` or
//! `owner_part`, which the fast context uses).

use crate::compiled::{share_parts, Compiled, Ix, Part, Pr, PrincipalC, ShareKind, Target, UserC};
use crate::level::{Access, Action, DELETE, EDIT, VIEW};
use crate::model::ExternalVisibility;
use crate::reason::Reason;
use crate::store::{Rec, RecRef, Store};
use serde::Serialize;
use std::ops::ControlFlow;
use std::sync::Arc;

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
    pub reasons: Vec<Reason>,
}

/// `Break` when evaluation may stop: the level asked for is reached.
pub(crate) type Flow = ControlFlow<()>;

/// Accumulates grants; see the module docs. The explanation buffers exist only
/// when explaining, so the fast path allocates and drops nothing.
pub(crate) struct Acc<'c> {
    pub best: Access,
    stop: Access,
    explain: Option<Box<Explain>>,
    /// When explaining for an [`crate::Engine`]: the sharing-rule rows already
    /// explained for (user, module, owner), see [`RuleCache`].
    rules: Option<&'c mut RuleCache>,
}

#[derive(Default)]
struct Explain {
    reasons: Vec<Reason>,
    notes: Vec<Reason>,
    /// Parents and companies a row would have read but that are not stored.
    unstored: Vec<Reason>,
}

/// Where a row reports a parent or company it would have read but that is
/// not stored (`parent-not-stored`, `company-not-stored`). Only when
/// explaining: the fast path neither looks the id up again nor allocates.
pub(crate) trait Unstored {
    fn explaining(&self) -> bool;
    fn unstored(&mut self, why: impl FnOnce() -> Reason);
}

impl Unstored for Acc<'_> {
    #[inline]
    fn explaining(&self) -> bool {
        self.explain.is_some()
    }
    fn unstored(&mut self, why: impl FnOnce() -> Reason) {
        if let Some(x) = &mut self.explain {
            let r = why();
            if !x.unstored.contains(&r) {
                x.unstored.push(r);
            }
        }
    }
}

/// The creation procedure's reasons (`None`: the fast answer).
impl Unstored for Option<&mut Vec<Reason>> {
    #[inline]
    fn explaining(&self) -> bool {
        self.is_some()
    }
    fn unstored(&mut self, why: impl FnOnce() -> Reason) {
        if let Some(v) = self {
            let r = why();
            if !v.contains(&r) {
                v.push(r);
            }
        }
    }
}

/// The rows that depend only on the record's owner (`owner_rows`,
/// `rule_rows`), explained, by (user, module, owner). They read only the
/// compiled model, never the store, so an entry stays true for the engine's
/// life. Replaying an entry into an explaining `Acc` gives the same reasons as
/// running the rows: grants below the rows' own best level can never be at
/// the winning level. Bounded: emptied when full.
#[derive(Default)]
pub(crate) struct RuleCache {
    map: rustc_hash::FxHashMap<(Ix, Ix, u32), OwnerRows>,
}

/// One entry of [`RuleCache`]: the owner row's grant (it makes at most one),
/// and the best level of the rule rows with their reasons at it.
pub(crate) struct OwnerRows {
    owner: Option<(Access, Reason)>,
    level: Access,
    rules: Box<[Reason]>,
}

impl RuleCache {
    const LIMIT: usize = 1 << 16;

    fn entry(&mut self, c: &Compiled, ui: Ix, u: &UserC, m: Ix, owner: Pr) -> &OwnerRows {
        let key = (
            ui,
            m,
            match owner {
                Pr::User(x) => x,
                Pr::Group(g) => c.users.len() as u32 + g,
            },
        );
        if self.map.len() >= Self::LIMIT && !self.map.contains_key(&key) {
            self.map.clear();
        }
        self.map.entry(key).or_insert_with(|| {
            let mut by_owner = Acc::explain();
            let _ = c.owner_rows(ui, u, m, owner, &mut by_owner);
            let mut by_rules = Acc::explain();
            let _ = c.rule_rows(u, m, owner, &mut by_rules);
            OwnerRows {
                owner: by_owner.explain.and_then(|mut x| x.reasons.pop()).map(|r| (by_owner.best, r)),
                level: by_rules.best,
                rules: by_rules.explain.map(|x| x.reasons).unwrap_or_default().into_boxed_slice(),
            }
        })
    }
}

impl<'c> Acc<'c> {
    pub fn fast(stop: Access) -> Self {
        Acc { best: Access::None, stop, explain: None, rules: None }
    }
    pub fn explain() -> Self {
        Acc { best: Access::None, stop: Access::Full, explain: Some(Box::default()), rules: None }
    }
    /// Explains, reusing and filling `rules`.
    pub fn explain_with(rules: &'c mut RuleCache) -> Self {
        Acc { best: Access::None, stop: Access::Full, explain: Some(Box::default()), rules: Some(rules) }
    }
    /// Records a grant; breaks when evaluation may stop. `why` runs only when explaining.
    #[inline]
    pub fn grant(&mut self, level: Access, why: impl FnOnce() -> Reason) -> Flow {
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
                ControlFlow::Continue(())
            }
            None => {
                if level > self.best {
                    self.best = level;
                }
                if self.best >= self.stop {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            }
        }
    }
    /// Explains a denial (kept only if nothing grants access).
    #[inline]
    pub fn note(&mut self, why: impl FnOnce() -> Reason) {
        if let Some(x) = &mut self.explain {
            x.notes.push(why());
        }
    }
    /// Lowers the level to at most `to`, saying why.
    fn cap(&mut self, to: Access, why: impl FnOnce() -> Reason) {
        if self.best > to {
            self.best = to;
            if let Some(x) = &mut self.explain {
                x.reasons.push(why());
            }
        }
    }
    /// The reasons; unstored parents and companies are listed whenever the
    /// level is below full (a stored one could have raised it).
    fn into_reasons(self) -> Vec<Reason> {
        let x = self.explain.map(|b| *b).unwrap_or_default();
        let mut out = if self.best == Access::None {
            if x.notes.is_empty() {
                vec![Reason::NoGrant]
            } else {
                x.notes
            }
        } else {
            x.reasons
        };
        if self.best < Access::Full {
            out.extend(x.unstored);
        }
        out
    }
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

    /// Inactive users are denied and administrators allowed everything, before any other rule.
    pub(crate) fn settled(&self) -> Option<bool> {
        if !self.active {
            Some(false)
        } else if self.admin {
            Some(true)
        } else {
            None
        }
    }

    /// The highest level the user can hold: read for a read-only user.
    pub(crate) fn cap(&self) -> Access {
        if self.read_only {
            Access::Read
        } else {
            Access::Full
        }
    }

    /// Does the record have a type outside the user's record types?
    pub(crate) fn type_hidden(&self, rec: &RecRef<'_>) -> bool {
        matches!((&self.record_types, rec.record_type), (Some(types), Some(t)) if !types.iter().any(|x| x == t))
    }
}

/// Why the profiles `perms` of a module close `action`, if they do: viewing
/// must be open, and the action's own permission.
pub(crate) fn profile_denies(perms: u8, action: Action) -> Option<Reason> {
    if perms & VIEW == 0 {
        Some(Reason::ProfileClosed(Action::View))
    } else if perms & action.bit() == 0 {
        Some(Reason::ProfileClosed(action))
    } else {
        None
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
    pub(crate) fn rule_from_matches(&self, from: PrincipalC, owner: Pr) -> bool {
        match (from, owner) {
            (PrincipalC::Role(r), Pr::User(o)) => self.users[o as usize].role == Some(r),
            (PrincipalC::RoleSub(r), Pr::User(o)) => self.users[o as usize].role.is_some_and(|or| self.role_within(or, r)),
            (PrincipalC::Group(g), Pr::User(o)) => self.user_in_group(o, g),
            (PrincipalC::Group(g), Pr::Group(h)) => self.group_within(h, g),
            (_, Pr::Group(_)) => false,
        }
    }

    /// Does limited CRM access govern user `u` in module `m`?
    pub(crate) fn limited_crm_covers(&self, u: &UserC, m: Ix) -> bool {
        u.limited_crm && self.limited.as_ref().is_some_and(|l| l.modules[m as usize])
    }

    /// The deal module, when limited deal access governs user `u` in module
    /// `m` (the deal module or a child of it).
    pub(crate) fn limited_deals_covers(&self, u: &UserC, m: Ix) -> Option<Ix> {
        let dm = self.limited.as_ref()?.deal_module?;
        (u.limited_deals && (m == dm || self.modules[m as usize].parent == Some(dm))).then_some(dm)
    }

    /// Does the user's level on a record of module `m` come from a mode of its
    /// own (external user, limited access) rather than from the internal grants?
    pub(crate) fn special_mode(&self, u: &UserC, m: Ix) -> bool {
        u.external || self.limited_crm_covers(u, m) || self.limited_deals_covers(u, m).is_some()
    }

    /// Limited CRM access: is the record managed by user `ui`?
    /// `created_by` stands in for the record's own when it has none (creation).
    fn managed(&self, store: &Store, ui: Ix, rec: &RecRef<'_>, created_by: Option<Ix>, n: &mut impl Unstored) -> bool {
        let Some(l) = &self.limited else { return false };
        // C(X): X itself, its `company`, or C(P(X)), followed with a loop
        let mut at = *rec;
        for _ in 0..=self.modules.len() {
            if at.module == l.company_module {
                if at.account_managers.contains(&ui) {
                    return true;
                }
                break;
            }
            if let Some(c) = at.company {
                match store.get(c) {
                    Some(co) if co.module == l.company_module && co.view().account_managers.contains(&ui) => return true,
                    None => n.unstored(|| Reason::CompanyNotStored(Arc::from(c))),
                    Some(_) => {}
                }
                break;
            }
            match self.parent_of_noted(store, &at, n) {
                Some(p) => at = p.view(),
                None => break,
            }
        }
        // a contact linked to no company that the user created
        l.contact_module == Some(rec.module) && rec.company.is_none() && rec.parent.is_none() && rec.created_by.or(created_by) == Some(ui)
    }

    /// P(X): the stored record X's `parent` names, when it is a record of
    /// X's module's parent module.
    pub(crate) fn parent_of<'s>(&self, store: &'s Store, rec: &RecRef<'_>) -> Option<&'s Rec> {
        let pm = self.modules[rec.module as usize].parent?;
        store.get(rec.parent?).filter(|p| p.module == pm)
    }

    /// [`parent_of`](Self::parent_of), reporting a parent that is not stored.
    fn parent_of_noted<'s>(&self, store: &'s Store, rec: &RecRef<'_>, n: &mut impl Unstored) -> Option<&'s Rec> {
        let p = self.parent_of(store, rec);
        if p.is_none() && n.explaining() {
            if let (Some(_), Some(id)) = (self.modules[rec.module as usize].parent, rec.parent) {
                if store.get(id).is_none() {
                    n.unstored(|| Reason::ParentNotStored(Arc::from(id)));
                }
            }
        }
        p
    }

    /// Does X's level also count the user's access to P(X) (§3.8)? When the
    /// module is controlled by its parent and §3.2 or §3.5 decides X.
    pub(crate) fn follows_parent(&self, u: &UserC, m: Ix) -> bool {
        let module = &self.modules[m as usize];
        module.controlled && (u.external || (module.record_security && !self.limited_crm_covers(u, m) && self.limited_deals_covers(u, m).is_none()))
    }

    /// The level the profiles let a user hold in a module: `decide`'s cap of
    /// the record level (read when only view is open, and so on).
    pub(crate) fn profile_cap(&self, u: &UserC, m: Ix) -> Access {
        let perms = self.combos[u.combo as usize].perms[m as usize];
        if perms & VIEW == 0 {
            Access::None
        } else if perms & EDIT == 0 {
            Access::Read
        } else if perms & DELETE == 0 {
            Access::Write
        } else {
            Access::Full
        }
    }

    /// `decide(U, "view", top).access` for a stored parent record (§3.8). The
    /// chain of records controlled by their parent is collected upward and
    /// evaluated from the top down, with a loop: never a recursion on depth.
    fn parent_access(&self, store: &Store, ui: Ix, u: &UserC, top: &Rec) -> Access {
        let grand = if self.follows_parent(u, top.module) { self.parent_of(store, &top.view()) } else { None };
        let Some(grand) = grand else {
            // the usual case: a parent that does not follow a parent of its own
            return self.view_access(store, ui, u, &top.view(), None);
        };
        let mut chain: Vec<&Rec> = vec![top, grand];
        while let Some(&last) = chain.last() {
            if chain.len() > self.modules.len() || !self.follows_parent(u, last.module) {
                break;
            }
            match self.parent_of(store, &last.view()) {
                Some(p) => chain.push(p),
                None => break,
            }
        }
        let mut above: Option<Access> = None;
        for r in chain.iter().rev() {
            above = Some(self.view_access(store, ui, u, &r.view(), above));
        }
        above.unwrap_or(Access::None)
    }

    /// `decide(U, "view", r).access` given the access `above` to r's own
    /// parent (when r follows it): r's own rows, its caps, its module's profile.
    fn view_access(&self, store: &Store, ui: Ix, u: &UserC, r: &RecRef<'_>, above: Option<Access>) -> Access {
        if u.type_hidden(r) {
            return Access::None;
        }
        let mut acc = Acc::fast(Access::Full);
        let _ = self.uncapped_level(store, ui, u, r, &mut acc);
        let mut l = acc.best;
        if self.follows_parent(u, r.module) {
            l = l.max(above.unwrap_or(Access::None));
        }
        l.min(u.cap()).min(self.profile_cap(u, r.module))
    }

    /// §3.8: a record controlled by its parent gets the user's access to P(X).
    pub(crate) fn parent_row(&self, store: &Store, ui: Ix, u: &UserC, rec: &RecRef<'_>, acc: &mut Acc) -> Flow {
        let Some(p) = self.parent_of_noted(store, rec, acc) else { return ControlFlow::Continue(()) };
        let level = self.parent_access(store, ui, u, p);
        if level > Access::None {
            return acc.grant(level, || Reason::ControlledByParent(Arc::from(rec.parent.unwrap_or_default())));
        }
        ControlFlow::Continue(())
    }

    /// Limited deal access: does user `ui` own the deal (the record, or the
    /// record's parent in deal module `dm`)? `owner_if_absent` counts a
    /// record without owner as the user's (creation).
    fn owns_deal(&self, store: &Store, ui: Ix, rec: &RecRef<'_>, dm: Ix, owner_if_absent: bool, n: &mut impl Unstored) -> bool {
        let me = Some(Pr::User(ui));
        if rec.module == dm {
            rec.owner == me || (owner_if_absent && rec.owner.is_none())
        } else {
            let Some(p) = rec.parent else { return false };
            match store.get(p) {
                Some(d) => d.module == dm && d.view().owner == me,
                None => {
                    n.unstored(|| Reason::ParentNotStored(Arc::from(p)));
                    false
                }
            }
        }
    }

    fn ws_id(&self, w: Ix) -> std::sync::Arc<str> {
        self.workspaces[w as usize].id.clone()
    }

    /// The record level before the read-only cap, with the reasons of the
    /// grants at it (or of the denial): what `explain` builds its grant paths
    /// from (the same rows as `record_level`, explained).
    pub(crate) fn grant_level(&self, store: &Store, ui: Ix, rec: &RecRef<'_>) -> (Access, Vec<Reason>) {
        let u = &self.users[ui as usize];
        if u.type_hidden(rec) {
            return (Access::None, vec![Reason::RecordTypeHidden]);
        }
        let mut acc = Acc::explain();
        if self.uncapped_level(store, ui, u, rec, &mut acc).is_continue() && self.follows_parent(u, rec.module) {
            let _ = self.parent_row(store, ui, u, rec, &mut acc);
        }
        (acc.best, acc.into_reasons())
    }

    /// The record level L of §3.2–3.6 for an active, non-admin user.
    pub(crate) fn record_level(&self, store: &Store, ui: Ix, rec: &RecRef<'_>, acc: &mut Acc) {
        let u = &self.users[ui as usize];
        if u.type_hidden(rec) {
            acc.note(|| Reason::RecordTypeHidden);
            return;
        }
        if self.uncapped_level(store, ui, u, rec, acc).is_continue() && self.follows_parent(u, rec.module) {
            let _ = self.parent_row(store, ui, u, rec, acc);
        }
        acc.cap(u.cap(), || Reason::ReadOnlyUser);
    }

    fn uncapped_level(&self, store: &Store, ui: Ix, u: &UserC, rec: &RecRef<'_>, acc: &mut Acc) -> Flow {
        if u.external {
            return self.external_rows(ui, u, rec, acc);
        }
        let m = rec.module;
        if !self.modules[m as usize].record_security {
            return self.module_rows(u, m, acc);
        }
        if self.limited_crm_covers(u, m) {
            if self.managed(store, ui, rec, None, acc) {
                return acc.grant(Access::Full, || Reason::LimitedCrmManaged);
            }
            acc.note(|| Reason::LimitedCrmUnmanaged);
            return ControlFlow::Continue(());
        }
        if let Some(dm) = self.limited_deals_covers(u, m) {
            if self.owns_deal(store, ui, rec, dm, false, acc) {
                return acc.grant(Access::Full, || Reason::LimitedDealsOwn);
            }
            acc.note(|| Reason::LimitedDealsNotOwn);
            return ControlFlow::Continue(());
        }
        self.grants(store, ui, u, rec, acc)
    }

    /// §3.6: external users see what their workspaces give them.
    fn external_rows(&self, ui: Ix, u: &UserC, rec: &RecRef<'_>, acc: &mut Acc) -> Flow {
        if rec.owner == Some(Pr::User(ui)) {
            acc.grant(Access::Full, || Reason::Owner)?;
        }
        // involvement counts by itself only outside the user's workspaces
        if !rec.workspaces.iter().any(|&w| u.part(w).is_some()) {
            Self::involvement_rows(ui, rec, acc)?;
        }
        for &w in rec.workspaces {
            let Some(p) = u.part(w) else { continue };
            if p.owner {
                acc.grant(Access::Full, || Reason::WorkspaceOwner(self.ws_id(w)))?;
                continue;
            }
            if p.moderator {
                acc.grant(Access::Full, || Reason::WorkspaceModerator(self.ws_id(w)))?;
                continue;
            }
            if p.auditor {
                acc.grant(Access::Full, || Reason::AuditsWorkspace(self.ws_id(w)))?;
                continue;
            }
            let ro = p.read_only();
            match self.workspaces[w as usize].visibility {
                ExternalVisibility::All if ro => acc.grant(Access::Read, || Reason::WorkspaceReadOnly(self.ws_id(w)))?,
                ExternalVisibility::All if p.member => acc.grant(Access::Write, || Reason::WorkspaceMember(self.ws_id(w)))?,
                ExternalVisibility::All => acc.grant(Access::Write, || Reason::WorkspaceCounterparty(self.ws_id(w)))?,
                ExternalVisibility::Participating => {
                    let (level, why): (Access, fn(std::sync::Arc<str>) -> Reason) = if rec.auditors.contains(&ui) {
                        (Access::Full, Reason::WorkspaceAuditor)
                    } else if rec.assignees.contains(&ui) {
                        (Access::Write, Reason::WorkspaceAssignee)
                    } else if rec.created_by == Some(ui) {
                        (Access::Write, Reason::WorkspaceCreator)
                    } else if rec.participants.contains(&ui) {
                        (Access::Read, Reason::WorkspaceParticipant)
                    } else {
                        (Access::None, Reason::WorkspaceNotInvolved)
                    };
                    if level == Access::None {
                        acc.note(|| why(self.ws_id(w)));
                    } else if ro && level > Access::Read {
                        acc.grant(Access::Read, || Reason::WorkspaceReadOnly(self.ws_id(w)))?;
                    } else {
                        acc.grant(level, || why(self.ws_id(w)))?;
                    }
                }
            }
        }
        if acc.best == Access::None {
            acc.note(|| Reason::ExternalOutsideWorkspaces);
        }
        ControlFlow::Continue(())
    }

    /// §3.5: the grants that reach internal users, in the contract's order.
    fn grants(&self, store: &Store, ui: Ix, u: &UserC, rec: &RecRef<'_>, acc: &mut Acc) -> Flow {
        match (rec.owner, acc.rules.take()) {
            (Some(owner), Some(cache)) => {
                // Explaining with a cache: the owner's rows come from it (taken
                // out of `acc` while they replay, put back after; an explaining
                // `acc` never breaks, so no row returns early here).
                let entry = cache.entry(self, ui, u, rec.module, owner);
                if let Some((level, r)) = &entry.owner {
                    let _ = acc.grant(*level, || r.clone());
                }
                let _ = self.record_rows(ui, u, rec, acc);
                let _ = self.default_row(rec.module, acc);
                for r in &entry.rules {
                    let _ = acc.grant(entry.level, || r.clone());
                }
                acc.rules = Some(cache);
            }
            (owner, cache) => {
                acc.rules = cache;
                if let Some(owner) = owner {
                    self.owner_rows(ui, u, rec.module, owner, acc)?;
                }
                self.record_rows(ui, u, rec, acc)?;
                self.default_row(rec.module, acc)?;
                if let Some(owner) = owner {
                    self.rule_rows(u, rec.module, owner, acc)?;
                }
            }
        }
        self.related_rows(store, u, rec, acc)?;
        self.share_rows(ui, u, rec, acc)?;
        self.profile_rows(u, acc)
    }

    /// The rows that depend only on the module and the user's profiles: all
    /// of them in a module without record security.
    pub(crate) fn module_rows(&self, u: &UserC, m: Ix, acc: &mut Acc) -> Flow {
        if !self.modules[m as usize].record_security {
            return acc.grant(Access::Full, || Reason::NoRecordSecurity);
        }
        self.default_row(m, acc)?;
        self.profile_rows(u, acc)
    }

    /// The rows that depend only on the record's owner: owner, hierarchy,
    /// owning group, sharing rules.
    pub(crate) fn owner_part(&self, ui: Ix, u: &UserC, m: Ix, owner: Pr, acc: &mut Acc) -> Flow {
        self.owner_rows(ui, u, m, owner, acc)?;
        self.rule_rows(u, m, owner, acc)
    }

    fn owner_rows(&self, ui: Ix, u: &UserC, m: Ix, owner: Pr, acc: &mut Acc) -> Flow {
        match owner {
            Pr::User(o) if o == ui => acc.grant(Access::Full, || Reason::Owner),
            Pr::User(_) if !self.modules[m as usize].hierarchy => ControlFlow::Continue(()),
            Pr::User(o) => match (u.role, self.users[o as usize].role) {
                (Some(mine), Some(theirs)) if mine != theirs && self.role_within(theirs, mine) => acc.grant(Access::Full, || Reason::Hierarchy),
                _ => ControlFlow::Continue(()),
            },
            Pr::Group(g) if self.user_in_group(ui, g) => acc.grant(Access::Full, || Reason::GroupOwner),
            Pr::Group(_) => ControlFlow::Continue(()),
        }
    }

    /// The user's involvement in the record: auditor (full), assignee
    /// (write), participant (read). Internal users always count it; external
    /// users only for a record outside their workspaces (§3.2).
    fn involvement_rows(ui: Ix, rec: &RecRef<'_>, acc: &mut Acc) -> Flow {
        if rec.auditors.contains(&ui) {
            acc.grant(Access::Full, || Reason::Auditor)?;
        }
        if rec.assignees.contains(&ui) {
            acc.grant(Access::Write, || Reason::Assignee)?;
        }
        if rec.participants.contains(&ui) {
            acc.grant(Access::Read, || Reason::Participant)?;
        }
        Flow::Continue(())
    }

    /// The rows that name the user on the record itself.
    pub(crate) fn record_rows(&self, ui: Ix, u: &UserC, rec: &RecRef<'_>, acc: &mut Acc) -> Flow {
        if rec.account_managers.contains(&ui) {
            acc.grant(Access::Full, || Reason::AccountManager)?;
        }
        Self::involvement_rows(ui, rec, acc)?;
        for &w in rec.workspaces {
            if let Some(p) = u.part(w) {
                let (level, why): (Access, fn(std::sync::Arc<str>) -> Reason) = if p.owner {
                    (Access::Full, Reason::WorkspaceOwner)
                } else if p.moderator {
                    (Access::Full, Reason::WorkspaceModerator)
                } else if p.auditor {
                    (Access::Full, Reason::AuditsWorkspace)
                } else if p.member || p.counterparty {
                    (Access::Write, Reason::WorkspaceMember)
                } else {
                    (Access::Read, Reason::WorkspaceReadOnly)
                };
                acc.grant(level, || why(self.ws_id(w)))?;
            }
        }
        ControlFlow::Continue(())
    }

    fn default_row(&self, m: Ix, acc: &mut Acc) -> Flow {
        let level = self.modules[m as usize].default_access;
        if level > Access::None {
            return acc.grant(level, || Reason::DefaultSharing);
        }
        ControlFlow::Continue(())
    }

    /// The rules that reach the user through a subordinate (§2 "reaches"),
    /// for a module with `hierarchy: true` (with `related`: the rules with a
    /// related entry for module `m`): the list of the user's role, or the
    /// module's rules filtered by range queries when there are no lists.
    pub(crate) fn below<'a>(&'a self, u: &UserC, m: Ix, related: bool) -> impl Iterator<Item = Ix> + 'a {
        let role = u.role.filter(|_| self.modules[m as usize].hierarchy);
        let (listed, scanned) = match (role, &self.sub_scan) {
            (None, _) => (None, None),
            (Some(r), None) => {
                let role = &self.roles[r as usize];
                (Some(range(if related { &role.sub_related } else { &role.sub_rules }, m)), None)
            }
            (Some(r), Some(scan)) => (None, Some((r, range(if related { &scan.by_child } else { &scan.by_module }, m)))),
        };
        let listed = listed.into_iter().flatten().map(|&(_, ri)| ri);
        let scanned = scanned
            .into_iter()
            .flat_map(move |(r, rules)| rules.iter().map(|&(_, ri)| ri).filter(move |&ri| self.matches_below(r, self.rules[ri as usize].to.into())));
        listed.chain(scanned)
    }

    fn rule_rows(&self, u: &UserC, m: Ix, owner: Pr, acc: &mut Acc) -> Flow {
        let direct = range(&u.class.rules, m);
        for &(_, ri) in direct {
            let rule = &self.rules[ri as usize];
            if self.rule_from_matches(rule.from, owner) {
                acc.grant(rule.level, || Reason::SharingRule(rule.id.clone()))?;
            }
        }
        for ri in self.below(u, m, false) {
            let rule = &self.rules[ri as usize];
            if !direct.contains(&(m, ri)) && self.rule_from_matches(rule.from, owner) {
                acc.grant(rule.level, || Reason::SubordinateRule(rule.id.clone()))?;
            }
        }
        ControlFlow::Continue(())
    }

    pub(crate) fn related_rows(&self, store: &Store, u: &UserC, rec: &RecRef<'_>, acc: &mut Acc) -> Flow {
        let m = rec.module;
        let related = range(&u.class.related, m);
        let mut below = self.below(u, m, true).peekable();
        if related.is_empty() && below.peek().is_none() {
            return ControlFlow::Continue(());
        }
        let Some(parent) = self.parent_of_noted(store, rec, acc) else { return ControlFlow::Continue(()) };
        let Some(po) = parent.view().owner else { return ControlFlow::Continue(()) };
        let entries = related.iter().map(|&(_, ri)| (ri, false)).chain(below.filter(|&ri| !related.contains(&(m, ri))).map(|ri| (ri, true)));
        for (ri, through_sub) in entries {
            let rule = &self.rules[ri as usize];
            if rule.module != parent.module || !self.rule_from_matches(rule.from, po) {
                continue;
            }
            if let Some(&(_, level)) = rule.related.iter().find(|&&(c, _)| c == m) {
                acc.grant(level, || if through_sub { Reason::SubordinateRelated(rule.id.clone()) } else { Reason::RelatedSharing(rule.id.clone()) })?;
            }
        }
        ControlFlow::Continue(())
    }

    /// The id a share names, for its reason.
    fn target_id(&self, t: Target) -> Arc<str> {
        match t {
            Target::User(v) => Arc::from(self.users[v as usize].id.as_str()),
            Target::Group(g) => Arc::from(self.groups[g as usize].id.as_str()),
            Target::Role(r) | Target::RoleSub(r) => Arc::from(self.role_names[r as usize].as_str()),
        }
    }

    /// The record's `sharedWith` (§3.5): each share that reaches the user.
    pub(crate) fn share_rows(&self, ui: Ix, u: &UserC, rec: &RecRef<'_>, acc: &mut Acc) -> Flow {
        if rec.shares.is_empty() {
            return ControlFlow::Continue(());
        }
        let hierarchy = self.modules[rec.module as usize].hierarchy;
        for &code in rec.shares {
            let (kind, ix, level) = share_parts(code);
            let (t, direct) = match kind {
                ShareKind::User => (Target::User(ix), ix == ui),
                ShareKind::Group => (Target::Group(ix), self.user_in_group(ui, ix)),
                ShareKind::Role => (Target::Role(ix), u.role == Some(ix)),
                ShareKind::RoleSub => (Target::RoleSub(ix), u.role.is_some_and(|r| self.role_within(r, ix))),
            };
            if direct {
                acc.grant(level, || Reason::Shared(self.target_id(t)))?;
            } else if hierarchy && u.role.is_some_and(|r| self.matches_below(r, t)) {
                acc.grant(level, || Reason::SubordinateShared(self.target_id(t)))?;
            }
        }
        ControlFlow::Continue(())
    }

    fn profile_rows(&self, u: &UserC, acc: &mut Acc) -> Flow {
        let combo = &self.combos[u.combo as usize];
        if combo.edit_all {
            acc.grant(Access::Write, || Reason::EditAll)?;
        }
        if combo.view_all {
            acc.grant(Access::Read, || Reason::ViewAll)?;
        }
        ControlFlow::Continue(())
    }

    /// §3.7: may user `ui` create this record? Reasons are pushed when given.
    fn may_create(&self, store: &Store, ui: Ix, rec: &RecRef<'_>, mut why: Option<&mut Vec<Reason>>) -> bool {
        let u = &self.users[ui as usize];
        let perms = self.combos[u.combo as usize].perms[rec.module as usize];
        // parents and companies read but not stored, listed after the denials
        let mut unstored = Vec::new();
        let mut n = why.is_some().then_some(&mut unstored);
        let unmanaged = self.limited_crm_covers(u, rec.module) && !self.managed(store, ui, rec, Some(ui), &mut n);
        let not_own = self.limited_deals_covers(u, rec.module).is_some_and(|dm| !self.owns_deal(store, ui, rec, dm, true, &mut n));
        for (id, parent) in [(rec.parent, true), (rec.company, false)] {
            if let Some(id) = id.filter(|id| n.explaining() && store.get(id).is_none()) {
                n.unstored(|| if parent { Reason::ParentNotStored(Arc::from(id)) } else { Reason::CompanyNotStored(Arc::from(id)) });
            }
        }
        let mut ok = true;
        let mut deny = |code: Reason| {
            ok = false;
            if let Some(w) = why.as_deref_mut() {
                w.push(code);
            }
        };
        if let Some(closed) = profile_denies(perms, Action::Create) {
            deny(closed);
        }
        if u.read_only {
            deny(Reason::ReadOnlyUser);
        }
        if u.type_hidden(rec) {
            deny(Reason::RecordTypeHidden);
        }
        if u.external {
            if rec.workspaces.is_empty() {
                deny(Reason::ExternalNeedsWorkspace);
            }
            for &w in rec.workspaces {
                match u.part(w) {
                    None => deny(Reason::WorkspaceNotParticipant(self.ws_id(w))),
                    Some(p) if p.read_only() => deny(Reason::WorkspaceReadOnly(self.ws_id(w))),
                    Some(_) => {}
                }
            }
        }
        if unmanaged {
            deny(Reason::LimitedCrmUnmanaged);
        }
        if not_own {
            deny(Reason::LimitedDealsNotOwn);
        }
        // adding data to an account needs at least read access to it
        let viewable = |id: &str| store.get(id).is_some_and(|r| self.allowed(store, ui, Action::View, &r.view()));
        if let Some(p) = rec.parent.filter(|p| !viewable(p)) {
            deny(Reason::ParentNotViewable(Arc::from(p)));
        }
        if let Some(c) = rec.company.filter(|c| !viewable(c)) {
            deny(Reason::CompanyNotViewable(Arc::from(c)));
        }
        if let Some(w) = why {
            for r in unstored {
                if !w.contains(&r) {
                    w.push(r);
                }
            }
        }
        ok
    }

    /// The fast answer, used by `can` and `filter`.
    pub(crate) fn allowed(&self, store: &Store, ui: Ix, action: Action, rec: &RecRef<'_>) -> bool {
        let u = &self.users[ui as usize];
        if let Some(settled) = u.settled() {
            return settled;
        }
        if action == Action::Create {
            return self.may_create(store, ui, rec, None);
        }
        if profile_denies(self.combos[u.combo as usize].perms[rec.module as usize], action).is_some() {
            return false;
        }
        let mut acc = Acc::fast(action.needs());
        self.record_level(store, ui, rec, &mut acc);
        acc.best >= action.needs()
    }

    /// The full decision, with reasons.
    pub(crate) fn decide(&self, store: &Store, ui: Ix, action: Action, rec: &RecRef<'_>) -> Decision {
        self.decide_with(store, ui, action, rec, None)
    }

    /// [`Compiled::decide`], reusing and filling a cache of explained rule rows.
    pub(crate) fn decide_with(&self, store: &Store, ui: Ix, action: Action, rec: &RecRef<'_>, rules: Option<&mut RuleCache>) -> Decision {
        let u = &self.users[ui as usize];
        match u.settled() {
            Some(false) => return Decision { allowed: false, access: Access::None, read_only: false, reasons: vec![Reason::Inactive] },
            Some(true) => return Decision { allowed: true, access: Access::Full, read_only: false, reasons: vec![Reason::Admin] },
            None => {}
        }
        let perms = self.combos[u.combo as usize].perms[rec.module as usize];
        let mut acc = match rules {
            Some(r) => Acc::explain_with(r),
            None => Acc::explain(),
        };
        self.record_level(store, ui, rec, &mut acc);
        let level = acc.best;
        let view_open = perms & VIEW != 0;
        let edit_open = view_open && perms & EDIT != 0;
        let access = level.min(self.profile_cap(u, rec.module));
        let read_only = view_open && level >= Access::Read && !(edit_open && level >= Access::Write);
        let mut reasons = Vec::new();
        let allowed = if action == Action::Create {
            let ok = self.may_create(store, ui, rec, Some(&mut reasons));
            if ok {
                reasons.push(Reason::ProfileCreate);
            }
            ok
        } else {
            let closed = profile_denies(perms, action);
            let open = closed.is_none();
            reasons.extend(closed);
            reasons.extend(acc.into_reasons());
            open && level >= action.needs()
        };
        Decision { allowed, access, read_only, reasons }
    }
}
