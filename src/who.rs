//! `who_can(action, record)` (issue 12): every user whose decision on the
//! record is allowed, with their access, sorted by user id.
//!
//! Asking every user would run the ladder 10,000 times for a 10,000-user
//! model. Instead the indexes say which users the record itself can reach:
//! the *candidates*, a set S built from the record (its owner and the owner's
//! superiors, the people it names, its workspaces' participants, the users its
//! module's sharing rules and its shares reach and their superiors, the users
//! related sharing reaches through its parent, and all of that again for the
//! chain of parents it follows, §3.8). Every row of the ladder that reads more
//! than the module and the user's own settings grants only to users of S.
//!
//! So a user outside S gets what the module-level rows give (the default,
//! viewAll/editAll, no record security, the parent's module-level rows): an
//! answer that depends only on the user's *signature* (active, admin,
//! external, limited modes, read-only, profile set, record types). Users are
//! grouped by signature once per engine; per record, one representative of
//! each group outside S runs the ladder, and the whole group (minus S) takes
//! its answer.
//!
//! Inside S, the users the record names *in person* (owner, the users it
//! lists, its workspaces' participants, users it is shared with by name, the
//! managers and deal owners limited access reads, along the parent chain),
//! and users in a mode of their own (external, limited, inactive, admin),
//! each run the ladder (`Acc::fast(Full)`, no explanation). The others were
//! reached through their role or groups, and the candidates carry the level
//! that reached them: `Full` for the owner's superiors (hierarchy modules)
//! and a group owner's members, the rule's level for the users a sharing rule
//! reaches, the related level for related sharing, the share's level for
//! group and role shares, and on hierarchy modules each of these again for
//! the strict superiors of the internal users reached (§2 "reaches"). Their
//! level is that, or the module rows' if higher, capped as `decide` caps it.
//! A record that follows a parent (§3.8) has users whose level comes from
//! the parent's rows: there one ladder run per (class, signature) answers
//! the candidates reached through role and groups (their *class*, role and
//! direct memberships shared between users, fixes what those rows give).
//! The property test `tests/who.rs` holds the result to asking every user,
//! with a twin of every user so that a wrong grouping shows.

use crate::compiled::{share_parts, Compiled, Ix, Pr, PrincipalC, ShareKind};
use crate::decide::{profile_denies, Acc};
use crate::level::{Access, Action};
use crate::store::{RecRef, Store};
use rustc_hash::FxHashMap as HashMap;

/// What `who_can` reads besides the compiled model, built once per engine.
pub(crate) struct WhoIndex {
    /// Per role: its parent (derived from the pre-order numbering).
    pub(crate) role_parent: Vec<Option<Ix>>,
    /// Per role: the users holding it.
    role_users: Vec<Vec<Ix>>,
    /// (pre-order number of the role, user) for users with a role, sorted.
    pub(crate) by_pre: Vec<(u32, Ix)>,
    /// Per group: the users in it through user, role and group members
    /// (`roleAndSubordinates` members come from the group's `role_spans`).
    group_users: Vec<Vec<Ix>>,
    /// Per module: the sharing rules of the module.
    module_rules: Vec<Vec<Ix>>,
    /// Per module: the rules with a related entry for it.
    related_rules: Vec<Vec<Ix>>,
    /// Users in id order, with their signature group.
    order: Vec<(Ix, u32)>,
    /// Per signature group: its members.
    sig_members: Vec<Vec<Ix>>,
    /// Per user: their signature group.
    sig_of: Vec<u32>,
}

impl WhoIndex {
    pub(crate) fn new(c: &Compiled) -> WhoIndex {
        let nroles = c.roles.len();
        // parents from pre-order: walk roles by pre-order number with a stack
        let mut by_pre_roles: Vec<Ix> = (0..nroles as Ix).collect();
        by_pre_roles.sort_unstable_by_key(|&r| c.roles[r as usize].pre);
        let mut role_parent = vec![None; nroles];
        let mut stack: Vec<Ix> = Vec::new();
        for &r in &by_pre_roles {
            let pre = c.roles[r as usize].pre;
            while let Some(&top) = stack.last() {
                if c.roles[top as usize].end >= pre {
                    break;
                }
                stack.pop();
            }
            role_parent[r as usize] = stack.last().copied();
            stack.push(r);
        }
        let mut role_users = vec![Vec::new(); nroles];
        let mut by_pre = Vec::new();
        let mut group_users = vec![Vec::new(); c.groups.len()];
        for (ui, u) in c.users.iter().enumerate() {
            if let Some(r) = u.role {
                role_users[r as usize].push(ui as Ix);
                by_pre.push((c.roles[r as usize].pre, ui as Ix));
            }
            for &g in &u.class.groups {
                group_users[g as usize].push(ui as Ix);
            }
        }
        by_pre.sort_unstable();
        let mut module_rules = vec![Vec::new(); c.modules.len()];
        let mut related_rules = vec![Vec::new(); c.modules.len()];
        for (ri, rule) in c.rules.iter().enumerate() {
            module_rules[rule.module as usize].push(ri as Ix);
            for &(child, _) in &rule.related {
                related_rules[child as usize].push(ri as Ix);
            }
        }
        type Sig<'a> = (bool, bool, bool, bool, bool, bool, Ix, Option<&'a [String]>);
        let mut sig_ix: HashMap<Sig<'_>, u32> = HashMap::default();
        let mut sig_members: Vec<Vec<Ix>> = Vec::new();
        let mut order: Vec<(Ix, u32)> = Vec::with_capacity(c.users.len());
        for (ui, u) in c.users.iter().enumerate() {
            let sig: Sig<'_> = (u.active, u.admin, u.external, u.limited_crm, u.limited_deals, u.read_only, u.combo, u.record_types.as_deref());
            let s = *sig_ix.entry(sig).or_insert_with(|| {
                sig_members.push(Vec::new());
                (sig_members.len() - 1) as u32
            });
            sig_members[s as usize].push(ui as Ix);
            order.push((ui as Ix, s));
        }
        let mut sig_of = vec![0; c.users.len()];
        for &(u, s) in &order {
            sig_of[u as usize] = s;
        }
        order.sort_unstable_by(|a, b| c.users[a.0 as usize].id.cmp(&c.users[b.0 as usize].id));
        WhoIndex { role_parent, role_users, by_pre, group_users, module_rules, related_rules, order, sig_members, sig_of }
    }
}

/// The candidate set being built: a mark per user, the list of marked users,
/// and per user the best level the rows that reach them through their role
/// or groups give (hierarchy, group owner, rules, related sharing, group and
/// role shares, and all of these through subordinates).
struct Cands<'a> {
    c: &'a Compiled,
    ix: &'a WhoIndex,
    mark: Vec<bool>,
    /// Users the record names in person (see `who_can`).
    personal: Vec<bool>,
    list: Vec<Ix>,
    level: Vec<Access>,
    /// Roles whose strict superiors get a level (hierarchy modules), and the
    /// best level each role has passed on to its superiors so far.
    up: Vec<(Ix, Access)>,
    up_level: Vec<Access>,
}

impl Cands<'_> {
    fn add(&mut self, u: Ix, level: Access) {
        if !std::mem::replace(&mut self.mark[u as usize], true) {
            self.list.push(u);
        }
        let l = &mut self.level[u as usize];
        *l = (*l).max(level);
    }

    /// A user the record names in person: their answer is their own.
    fn add_personal(&mut self, u: Ix) {
        self.add(u, Access::None);
        self.personal[u as usize] = true;
    }

    /// Passes `level` to the strict superiors of internal user `u` (`sup`).
    fn up_from(&mut self, u: Ix, level: Access, sup: bool) {
        if sup && !self.c.externals[u as usize] {
            if let Some(r) = self.c.users[u as usize].role {
                self.up.push((r, level));
            }
        }
    }

    fn add_user(&mut self, u: Ix, level: Access, sup: bool) {
        self.add(u, level);
        self.up_from(u, level, sup);
    }

    fn add_role(&mut self, r: Ix, level: Access, sup: bool) {
        for i in 0..self.ix.role_users[r as usize].len() {
            let u = self.ix.role_users[r as usize][i];
            self.add_user(u, level, sup);
        }
    }

    /// The users whose role's pre-order number is in `lo..=hi`.
    fn add_pre_range(&mut self, lo: u32, hi: u32, level: Access, sup: bool) {
        let start = self.ix.by_pre.partition_point(|&(p, _)| p < lo);
        for i in start..self.ix.by_pre.len() {
            let (p, u) = self.ix.by_pre[i];
            if p > hi {
                break;
            }
            self.add_user(u, level, sup);
        }
    }

    fn add_role_sub(&mut self, r: Ix, level: Access, sup: bool) {
        let role = &self.c.roles[r as usize];
        self.add_pre_range(role.pre, role.end, level, sup);
    }

    fn add_group(&mut self, g: Ix, level: Access, sup: bool) {
        for i in 0..self.ix.group_users[g as usize].len() {
            self.add_user(self.ix.group_users[g as usize][i], level, sup);
        }
        for i in 0..self.c.groups[g as usize].role_spans.len() {
            let (lo, hi) = self.c.groups[g as usize].role_spans[i];
            self.add_pre_range(lo, hi, level, sup);
        }
    }

    fn add_principal(&mut self, p: PrincipalC, level: Access, sup: bool) {
        match p {
            PrincipalC::Role(r) => self.add_role(r, level, sup),
            PrincipalC::RoleSub(r) => self.add_role_sub(r, level, sup),
            PrincipalC::Group(g) => self.add_group(g, level, sup),
        }
    }

    /// Gives the holders of every strict superior role of the remembered
    /// roles their level. A role that already passed on as much stops the walk.
    fn add_superiors(&mut self) {
        while let Some((r, level)) = self.up.pop() {
            let mut at = self.ix.role_parent[r as usize];
            while let Some(p) = at {
                if self.up_level[p as usize] >= level {
                    break;
                }
                self.up_level[p as usize] = level;
                for i in 0..self.ix.role_users[p as usize].len() {
                    let u = self.ix.role_users[p as usize][i];
                    self.add(u, level);
                }
                at = self.ix.role_parent[p as usize];
            }
        }
    }

    /// The users the record's own rows can reach (see the module docs).
    fn add_record(&mut self, store: &Store, rec: &RecRef<'_>) {
        let c = self.c;
        let m = rec.module;
        let hierarchy = c.modules[m as usize].hierarchy;
        if let Some(owner) = rec.owner {
            match owner {
                Pr::User(o) => {
                    self.add_personal(o);
                    // the hierarchy row reads the owner's role, external or not
                    if let Some(r) = c.users[o as usize].role.filter(|_| hierarchy) {
                        self.up.push((r, Access::Full));
                    }
                }
                Pr::Group(g) => self.add_group(g, Access::Full, false),
            }
            for i in 0..self.ix.module_rules[m as usize].len() {
                let rule = &c.rules[self.ix.module_rules[m as usize][i] as usize];
                if c.rule_from_matches(rule.from, owner) {
                    self.add_principal(rule.to, rule.level, hierarchy);
                }
            }
        }
        for list in [rec.account_managers, rec.assignees, rec.participants, rec.auditors] {
            for &u in list {
                self.add_personal(u);
            }
        }
        if let Some(u) = rec.created_by {
            self.add_personal(u);
        }
        for &w in rec.workspaces {
            for &u in &c.workspaces[w as usize].participants {
                self.add_personal(u);
            }
        }
        for &code in rec.shares {
            let (kind, x, level) = share_parts(code);
            match kind {
                ShareKind::User => {
                    self.add_personal(x);
                    self.up_from(x, level, hierarchy);
                }
                ShareKind::Group => self.add_group(x, level, hierarchy),
                ShareKind::Role => self.add_role(x, level, hierarchy),
                ShareKind::RoleSub => self.add_role_sub(x, level, hierarchy),
            }
        }
        let parent = c.parent_of(store, rec);
        // related sharing: rules of the parent's module matching the parent's owner
        if let Some(p) = parent {
            if let Some(po) = p.view().owner {
                for i in 0..self.ix.related_rules[m as usize].len() {
                    let rule = &c.rules[self.ix.related_rules[m as usize][i] as usize];
                    if rule.module == p.module && c.rule_from_matches(rule.from, po) {
                        if let Some(&(_, level)) = rule.related.iter().find(|&&(child, _)| child == m) {
                            self.add_principal(rule.to, level, hierarchy);
                        }
                    }
                }
            }
            // limited deal access: the owner of the parent deal
            if let Some(Pr::User(o)) = p.view().owner {
                self.add_personal(o);
            }
        }
        // limited CRM access: the account managers of C(X)
        if let Some(l) = &c.limited {
            let mut at = *rec;
            for _ in 0..=c.modules.len() {
                if at.module == l.company_module {
                    break; // its account managers are added above
                }
                if let Some(co) = at.company.and_then(|id| store.get(id)) {
                    for &u in co.view().account_managers {
                        self.add_personal(u);
                    }
                    break;
                }
                if at.company.is_some() {
                    break;
                }
                match c.parent_of(store, &at) {
                    Some(p) => {
                        at = p.view();
                        for &u in at.account_managers {
                            self.add_personal(u);
                        }
                    }
                    None => break,
                }
            }
        }
    }
}

impl Compiled {
    /// The level user `ui` holds on the record, as `decide` reports it
    /// (`access`), when the action is allowed; `None` when it is not.
    pub(crate) fn allowed_access(&self, store: &Store, ui: Ix, action: Action, rec: &RecRef<'_>) -> Option<Access> {
        let u = &self.users[ui as usize];
        match u.settled() {
            Some(true) => return Some(Access::Full),
            Some(false) => return None,
            None => {}
        }
        if profile_denies(self.combos[u.combo as usize].perms[rec.module as usize], action).is_some() {
            return None;
        }
        let mut acc = Acc::fast(Access::Full);
        self.record_level(store, ui, rec, &mut acc);
        (acc.best >= action.needs()).then(|| acc.best.min(self.profile_cap(u, rec.module)))
    }

    /// Every user allowed `action` (view, edit, delete) on the record, with
    /// their access, sorted by user id; see the module docs.
    pub(crate) fn who_can(&self, ix: &WhoIndex, store: &Store, action: Action, rec: &RecRef<'_>) -> Vec<(Ix, Access)> {
        let n = self.users.len();
        let mut cands = Cands {
            c: self,
            ix,
            mark: vec![false; n],
            personal: vec![false; n],
            list: Vec::new(),
            level: vec![Access::None; n],
            up: Vec::new(),
            up_level: vec![Access::None; self.roles.len()],
        };
        // the record, and the chain of parents it may follow (§3.8)
        let mut at = *rec;
        let mut chain = false;
        for _ in 0..=self.modules.len() {
            cands.add_record(store, &at);
            if !self.modules[at.module as usize].controlled {
                break;
            }
            match self.parent_of(store, &at) {
                Some(p) => {
                    chain = true;
                    at = p.view();
                }
                None => break,
            }
        }
        cands.add_superiors();
        let Cands { mark, personal, list, level, .. } = cands;
        let m = rec.module;
        // the module rows (default, viewAll/editAll, no record security) per signature
        let mut module_level: Vec<Option<Access>> = vec![None; ix.sig_members.len()];
        // candidates the record does not name in person: their level is what
        // reaches them through role and groups, with the module rows (or, when
        // the record follows a parent, one ladder run per (class, signature))
        let mut by_class: HashMap<(usize, u32), Option<Access>> = HashMap::default();
        let mut judge = |ui: Ix| {
            let u = &self.users[ui as usize];
            if personal[ui as usize] || self.special_mode(u, m) || u.settled().is_some() {
                return self.allowed_access(store, ui, action, rec);
            }
            let sig = ix.sig_of[ui as usize];
            if chain {
                let key = (std::sync::Arc::as_ptr(&u.class) as usize, sig);
                return *by_class.entry(key).or_insert_with(|| self.allowed_access(store, ui, action, rec));
            }
            if profile_denies(self.combos[u.combo as usize].perms[m as usize], action).is_some() || u.type_hidden(rec) {
                return None;
            }
            let module = *module_level[sig as usize].get_or_insert_with(|| {
                let mut acc = Acc::fast(Access::Full);
                let _ = self.module_rows(u, m, &mut acc);
                acc.best
            });
            let l = level[ui as usize].max(module).min(u.cap());
            (l >= action.needs()).then(|| l.min(self.profile_cap(u, m)))
        };
        // one representative outside S per signature group
        let verdicts: Vec<Option<Access>> = ix
            .sig_members
            .iter()
            .map(|members| members.iter().find(|&&u| !mark[u as usize]).and_then(|&u| self.allowed_access(store, u, action, rec)))
            .collect();
        let mut out: Vec<(Ix, Access)> = Vec::new();
        if verdicts.iter().all(Option::is_none) {
            for &u in &list {
                if let Some(a) = judge(u) {
                    out.push((u, a));
                }
            }
            out.sort_unstable_by(|a, b| self.users[a.0 as usize].id.cmp(&self.users[b.0 as usize].id));
        } else {
            for &(u, s) in &ix.order {
                let verdict = if mark[u as usize] { judge(u) } else { verdicts[s as usize] };
                if let Some(a) = verdict {
                    out.push((u, a));
                }
            }
        }
        out
    }
}

/// One entry of `whoCan`: a user allowed the action, and their access (the
/// `access` of their decision).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct WhoCan {
    pub user: String,
    pub access: Access,
}
