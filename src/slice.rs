//! One user's slice of the model (issue 13, `sliceFor`): a model that an
//! engine accepts and that answers every query about that user exactly as the
//! full engine does, while holding only what those answers read.
//!
//! What goes in, and why (the README's "Sending each user their slice" says
//! the same for readers of the package):
//!
//! - every module as written (the schema of the CRM, which `fieldAccess` of
//!   any module needs), and `limitedAccess` only for a limited user;
//! - the user themself, whole, with their own profiles and their role's;
//! - the records the user may view, whole but with `fields` reduced to what
//!   `mask` shows them;
//! - stubs: a record the user may not view that a viewable record names as
//!   `parent` or `company`, with no fields and only the keys an answer reads
//!   (`Slicer::stub`);
//! - the other users the answers can name or read: those of
//!   `visibleUsers(user)` and those a viewable record names, each with its id
//!   and only the attributes the user's answers read: `external` and
//!   `active: false` when so, and its role only when the role matters (below
//!   the user's role, or matched by the `from` of a rule that reaches the
//!   user);
//! - placeholders: users the answers need but whose ids the user may not
//!   see (an inactive user below the user's role, whose role still carries
//!   sharing up the hierarchy; the owner of a stub that related sharing reads)
//!   appear under made-up ids that name no user of the model, inactive, with
//!   only their role, `external` flag and group memberships;
//! - the sharing rules whose `to` reaches the user (directly, or through a
//!   subordinate), in their order; the groups and roles these rules, the
//!   stored records and the user's own memberships name; groups list as
//!   direct members only the users whose membership an answer reads; the
//!   role tree keeps only the roles that are named, each under its nearest
//!   kept ancestor;
//! - the workspaces the user takes part in (the user's own entries, and as
//!   plain members the people of it that `visibleUsers` shows the user) and
//!   those that viewable records list (ids only).
//!
//! The model gets `sliceFor`: an engine built from it refuses queries about
//! any other user.

use crate::compiled::{share_parts, Compiled, Ix, Pr, PrincipalC, ShareKind};
use crate::level::Action;
use crate::model::{self, CrmRecord, Group, GroupMember, Model, Role, User, Workspace, WorkspaceMember};
use crate::store::{Rec, Store};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeMap;

/// Builds the slice of user `ui`. `spec` is the model as given, without records.
pub(crate) fn slice(c: &Compiled, store: &Store, spec: &Model, ui: Ix) -> Model {
    Slicer::new(c, store, spec, ui).build()
}

struct Slicer<'a> {
    c: &'a Compiled,
    store: &'a Store,
    spec: &'a Model,
    ui: Ix,
    /// The user gets nothing from rules, groups or the hierarchy: inactive,
    /// admin or external.
    no_grants: bool,
    /// Users in the slice under their own id.
    users: HashSet<Ix>,
    groups: HashSet<Ix>,
    roles: HashSet<Ix>,
    workspaces: HashSet<Ix>,
    rules: Vec<Ix>,
    /// Groups named by the `from` of a kept rule: the memberships of every
    /// user in the slice count for them.
    from_groups: HashSet<Ix>,
    /// The records kept whole, then the stubs, by store order.
    viewable: Vec<&'a Rec>,
    viewable_ids: HashSet<&'a str>,
    stubs: Vec<&'a Rec>,
    /// Users the answers read who may not appear under their id.
    hidden: HashSet<Ix>,
}

impl<'a> Slicer<'a> {
    fn new(c: &'a Compiled, store: &'a Store, spec: &'a Model, ui: Ix) -> Self {
        let u = &c.users[ui as usize];
        Slicer {
            c,
            store,
            spec,
            ui,
            no_grants: !u.active || u.admin || u.external,
            users: HashSet::default(),
            groups: HashSet::default(),
            roles: HashSet::default(),
            workspaces: HashSet::default(),
            rules: Vec::new(),
            from_groups: HashSet::default(),
            viewable: Vec::new(),
            viewable_ids: HashSet::default(),
            stubs: Vec::new(),
            hidden: HashSet::default(),
        }
    }

    fn user(&self) -> &'a crate::compiled::UserC {
        &self.c.users[self.ui as usize]
    }

    /// Is role `r` strictly below the user's role (an internal user who gets grants)?
    fn below_me(&self, r: Ix) -> bool {
        !self.no_grants && self.user().role.is_some_and(|mine| mine != r && self.c.role_within(r, mine))
    }

    fn build(mut self) -> Model {
        let c = self.c;
        let ui = self.ui;
        self.users.insert(ui);
        for id in c.visible_users(ui) {
            if let Ok(v) = crate::resolve::user_ix(&c.principal_ix, &id) {
                self.users.insert(v);
            }
        }
        // the records the user may view, and what they name
        let mut ctx = c.fast_ctx(ui, Action::View);
        for rec in (0..self.store.len() as u32).map(|s| self.store.slot(s)) {
            if c.fast_allowed(self.store, &mut ctx, &rec.view()) {
                self.viewable.push(rec);
                if let Some(id) = rec.id() {
                    self.viewable_ids.insert(id);
                }
            }
        }
        for i in 0..self.viewable.len() {
            self.name_record(self.viewable[i]);
        }
        // the user's own groups and role
        for g in 0..c.groups.len() as Ix {
            if c.user_in_group(ui, g) {
                self.groups.insert(g);
            }
        }
        if let Some(r) = self.user().role {
            self.roles.insert(r);
        }
        // the rules that reach the user, and what they name
        if !self.no_grants {
            for (ri, rule) in c.rules.iter().enumerate() {
                if self.reaches_me(rule) {
                    self.rules.push(ri as Ix);
                    for p in [rule.from, rule.to] {
                        match p {
                            PrincipalC::Role(r) | PrincipalC::RoleSub(r) => {
                                self.roles.insert(r);
                            }
                            PrincipalC::Group(g) => {
                                self.groups.insert(g);
                            }
                        }
                    }
                    if let PrincipalC::Group(g) = rule.from {
                        self.from_groups.insert(g);
                    }
                }
            }
        }
        self.find_stubs();
        // the users whose ids the user may not see but whose roles carry
        // grants up the hierarchy (inactive users below the user's role)
        if !self.no_grants && self.user().role.is_some() {
            for (v, vu) in c.users.iter().enumerate() {
                let v = v as Ix;
                if !vu.external && !self.users.contains(&v) && vu.role.is_some_and(|r| self.below_me(r)) {
                    self.hidden.insert(v);
                }
            }
        }
        // roles that matter for the users in the slice
        let members: Vec<Ix> = self.users.iter().copied().chain(self.hidden.iter().copied()).collect();
        for v in members {
            if let Some(r) = self.role_kept(v) {
                self.roles.insert(r);
            }
        }
        if self.user().admin {
            self.workspaces.extend(0..c.workspaces.len() as Ix);
        }
        if self.user().active {
            self.workspaces.extend(self.user().workspaces.iter().map(|&(w, _)| w));
        }
        self.model()
    }

    /// Does the rule's `to` reach the user, directly or (on a module with the
    /// hierarchy, or a related child with it) through a subordinate?
    fn reaches_me(&self, rule: &crate::compiled::RuleC) -> bool {
        let c = self.c;
        let u = self.user();
        let direct = match rule.to {
            PrincipalC::Role(r) => u.role == Some(r),
            PrincipalC::RoleSub(r) => u.role.is_some_and(|mine| c.role_within(mine, r)),
            PrincipalC::Group(g) => c.user_in_group(self.ui, g),
        };
        direct
            || u.role.is_some_and(|mine| {
                let hierarchy = c.modules[rule.module as usize].hierarchy || rule.related.iter().any(|&(m, _)| c.modules[m as usize].hierarchy);
                hierarchy && c.matches_below(mine, rule.to.into())
            })
    }

    /// Adds what a kept record names: users, groups, roles, workspaces.
    fn name_record(&mut self, rec: &Rec) {
        let v = rec.view();
        match v.owner {
            Some(Pr::User(o)) => {
                self.users.insert(o);
            }
            Some(Pr::Group(g)) => {
                self.groups.insert(g);
            }
            None => {}
        }
        for list in [v.account_managers, v.assignees, v.participants, v.auditors] {
            self.users.extend(list.iter().copied());
        }
        self.users.extend(v.created_by);
        self.workspaces.extend(v.workspaces.iter().copied());
        for &code in v.shares {
            let (kind, ix, _) = share_parts(code);
            match kind {
                ShareKind::User => {
                    self.users.insert(ix);
                }
                ShareKind::Group => {
                    self.groups.insert(ix);
                }
                ShareKind::Role | ShareKind::RoleSub => {
                    self.roles.insert(ix);
                }
            }
        }
    }

    /// The stored records the user may not view that a viewable record names
    /// as parent or company (for a limited CRM user, the chain of parents and
    /// companies from there on too: the company of a record may be found
    /// through them).
    fn find_stubs(&mut self) {
        let limited_crm = self.user().limited_crm;
        let mut seen: HashSet<&'a str> = HashSet::default();
        let mut todo: Vec<&'a str> = Vec::new();
        for rec in &self.viewable {
            let v = rec.view();
            todo.extend(v.parent.into_iter().chain(v.company));
        }
        while let Some(id) = todo.pop() {
            if self.viewable_ids.contains(id) || !seen.insert(id) {
                continue;
            }
            let Some(rec) = self.store.get(id) else { continue };
            self.stubs.push(rec);
            if limited_crm {
                let v = rec.view();
                todo.extend(v.parent.into_iter().chain(v.company));
            }
        }
        // the store's order, as for the viewable records
        self.stubs.sort_by_key(|r| r.id().and_then(|id| self.store.slot_of(id)));
        for i in 0..self.stubs.len() {
            match self.stub_owner(self.stubs[i]) {
                Some(Pr::User(o)) if !self.users.contains(&o) => {
                    self.hidden.insert(o);
                }
                Some(Pr::Group(g)) => {
                    self.groups.insert(g);
                }
                _ => {}
            }
        }
    }

    /// The owner a stub keeps: the user themself (limited deal access reads
    /// it), or any owner when a kept rule of the stub's module shares related
    /// records (related sharing reads the owner of the parent).
    fn stub_owner(&self, rec: &Rec) -> Option<Pr> {
        let owner = rec.view().owner?;
        if owner == Pr::User(self.ui) {
            return Some(owner);
        }
        let related = self.rules.iter().any(|&ri| {
            let rule = &self.c.rules[ri as usize];
            rule.module == rec.module && !rule.related.is_empty()
        });
        related.then_some(owner)
    }

    /// The role that user `v` keeps in the slice, if any: the user's own; for
    /// anyone else, only a role below the user's (the hierarchy reads it) or
    /// one that the `from` of a kept rule matches.
    fn role_kept(&self, v: Ix) -> Option<Ix> {
        let r = self.c.users[v as usize].role?;
        if v == self.ui || self.below_me(r) {
            return Some(r);
        }
        let matched = self.rules.iter().any(|&ri| match self.c.rules[ri as usize].from {
            PrincipalC::Role(x) => x == r,
            PrincipalC::RoleSub(x) => self.c.role_within(r, x),
            PrincipalC::Group(_) => false,
        });
        matched.then_some(r)
    }

    /// Is `v`'s membership of kept group `g` listed? The user's own always;
    /// anyone's for a group a kept rule's `from` names (it decides whose
    /// records the rule shares); an internal user's below the user's role
    /// (rules and shares to the group reach the user through them).
    fn membership_listed(&self, v: Ix, g: Ix) -> bool {
        let vu = &self.c.users[v as usize];
        (v == self.ui || self.from_groups.contains(&g) || (!vu.external && vu.role.is_some_and(|r| self.below_me(r)))) && self.c.user_in_group(v, g)
    }

    /// For each kept group (sorted), the users (in the slice or hidden) whose
    /// membership is listed: only the candidates of `membership_listed` are
    /// asked, so a group costs the users below the user's role, not everyone.
    fn memberships(&self, group_order: &[Ix], user_ixs: &[Ix], hidden: &[Ix]) -> Vec<Vec<Ix>> {
        let c = self.c;
        let everyone: Vec<Ix> = user_ixs.iter().chain(hidden).copied().collect();
        let below: Vec<Ix> = everyone
            .iter()
            .copied()
            .filter(|&v| {
                v == self.ui || {
                    let vu = &c.users[v as usize];
                    !vu.external && vu.role.is_some_and(|r| self.below_me(r))
                }
            })
            .collect();
        group_order
            .iter()
            .map(|&g| {
                let cands = if self.from_groups.contains(&g) { &everyone } else { &below };
                cands.iter().copied().filter(|&v| self.membership_listed(v, g)).collect()
            })
            .collect()
    }

    fn model(self) -> Model {
        let c = self.c;
        let spec = self.spec;
        let me = &spec.users[self.ui as usize];
        let taken = |id: &str| c.principal_ix.contains_key(id);

        // placeholders: one per distinct (role, external, groups listed)
        let mut group_order: Vec<Ix> = self.groups.iter().copied().collect();
        group_order.sort_unstable();
        let mut user_ixs: Vec<Ix> = self.users.iter().copied().collect();
        user_ixs.sort_unstable();
        let mut hidden: Vec<Ix> = self.hidden.iter().copied().collect();
        hidden.sort_unstable();
        let members_of = self.memberships(&group_order, &user_ixs, &hidden);
        let mut groups_of: HashMap<Ix, Vec<Ix>> = HashMap::default();
        for (gi, list) in members_of.iter().enumerate() {
            for &v in list {
                groups_of.entry(v).or_default().push(group_order[gi]);
            }
        }
        let mut placeholder_of: BTreeMap<(Option<Ix>, bool, Vec<Ix>), String> = BTreeMap::new();
        let mut placeholders: Vec<(String, Option<Ix>, bool, Vec<Ix>)> = Vec::new();
        let mut hidden_id: HashMap<Ix, String> = HashMap::default();
        for &v in &hidden {
            let vu = &c.users[v as usize];
            let key = (self.role_kept(v), vu.external, groups_of.get(&v).cloned().unwrap_or_default());
            let id = placeholder_of
                .entry(key.clone())
                .or_insert_with(|| {
                    let mut n = placeholders.len() + 1;
                    let mut id = format!("~hidden-{n}");
                    while taken(&id) {
                        n += 1_000_000;
                        id = format!("~hidden-{n}");
                    }
                    placeholders.push((id.clone(), key.0, key.1, key.2));
                    id
                })
                .clone();
            hidden_id.insert(v, id);
        }

        // roles: the kept ones, each under its nearest kept ancestor
        let mut kept_roles: Vec<Ix> = self.roles.iter().copied().collect();
        kept_roles.sort_by_key(|&r| c.roles[r as usize].pre);
        let mut parent_of: HashMap<Ix, Ix> = HashMap::default();
        let mut stack: Vec<Ix> = Vec::new();
        for &r in &kept_roles {
            let pre = c.roles[r as usize].pre;
            while stack.last().is_some_and(|&s| c.roles[s as usize].end < pre) {
                stack.pop();
            }
            if let Some(&p) = stack.last() {
                parent_of.insert(r, p);
            }
            stack.push(r);
        }
        kept_roles.sort_unstable();
        let my_role = c.users[self.ui as usize].role;
        let roles: Vec<Role> = kept_roles
            .iter()
            .map(|&r| Role {
                id: c.role_names[r as usize].clone(),
                parent: parent_of.get(&r).map(|&p| c.role_names[p as usize].clone()),
                profiles: if Some(r) == my_role { spec.roles[r as usize].profiles.clone() } else { Vec::new() },
            })
            .collect();

        // profiles: the user's own and their role's
        let mut mine: HashSet<&str> = me.profiles.iter().map(String::as_str).collect();
        if let Some(r) = my_role {
            mine.extend(spec.roles[r as usize].profiles.iter().map(String::as_str));
        }
        let profiles = spec.profiles.iter().filter(|p| mine.contains(p.id.as_str())).cloned().collect();

        // users: in the model's order, then the placeholders
        let mut users: Vec<User> = Vec::with_capacity(user_ixs.len() + placeholders.len());
        for &v in &user_ixs {
            if v == self.ui {
                users.push(me.clone());
                continue;
            }
            let vu = &c.users[v as usize];
            users.push(bare_user(vu.id.clone(), self.role_kept(v).map(|r| c.role_names[r as usize].clone()), vu.external, vu.active));
        }
        for (id, role, external, _) in &placeholders {
            users.push(bare_user(id.clone(), role.map(|r| c.role_names[r as usize].clone()), *external, false));
        }

        // groups: direct members only, as the answers read them
        let groups: Vec<Group> = group_order
            .iter()
            .zip(&members_of)
            .map(|(&g, listed)| {
                let mut members: Vec<GroupMember> = Vec::new();
                for &v in listed {
                    if self.users.contains(&v) {
                        members.push(GroupMember::User(c.users[v as usize].id.clone()));
                    }
                }
                for (id, _, _, gs) in &placeholders {
                    if gs.contains(&g) {
                        members.push(GroupMember::User(id.clone()));
                    }
                }
                if self.from_groups.contains(&g) {
                    for &h in &group_order {
                        if h != g && c.group_within(h, g) {
                            members.push(GroupMember::Group(c.groups[h as usize].id.clone()));
                        }
                    }
                }
                Group { id: c.groups[g as usize].id.clone(), members }
            })
            .collect();

        // workspaces
        let mut ws: Vec<Ix> = self.workspaces.iter().copied().collect();
        ws.sort_unstable();
        let u = self.user();
        let workspaces = ws.iter().map(|&w| self.workspace(w, &spec.workspaces[w as usize], u.admin)).collect();

        let sharing_rules = self.rules.iter().map(|&ri| spec.sharing_rules[ri as usize].clone()).collect();
        let limited_access = if me.limited_crm || me.limited_deals { spec.limited_access.clone() } else { None };

        // records: the viewable ones with their visible fields, then the stubs
        let mut records: Vec<CrmRecord> = Vec::with_capacity(self.viewable.len() + self.stubs.len());
        // the fields `mask` shows, without asking again whether the record
        // is viewable (it is): all of them in a module without field security,
        // else those its levels do not hide
        let mut levels: HashMap<Ix, Vec<(String, crate::model::FieldLevel)>> = HashMap::default();
        for rec in &self.viewable {
            let mut r = whole_record(c, rec);
            if let Some(text) = rec.fields.as_deref() {
                // parsed and written again even when all are shown: the text
                // could name a key twice, and only the value mask shows may go
                let mut data: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).unwrap_or_default();
                if c.modules[rec.module as usize].fields.is_some() {
                    let lv = levels.entry(rec.module).or_insert_with(|| c.field_levels(self.ui, rec.module));
                    data.retain(|name, _| lv.iter().any(|(f, l)| f == name && *l != crate::model::FieldLevel::Hidden));
                }
                r.fields = model::Fields::from_map(&data);
            }
            records.push(r);
        }
        for rec in &self.stubs {
            let mut r = stub_record(c, rec);
            let v = rec.view();
            r.owner = self.stub_owner(rec).map(|o| match o {
                Pr::User(o) => hidden_id.get(&o).cloned().unwrap_or_else(|| c.users[o as usize].id.clone()),
                Pr::Group(g) => c.groups[g as usize].id.clone(),
            });
            if u.type_hidden(&v) {
                r.record_type = v.record_type.map(str::to_owned);
            }
            if u.limited_crm {
                r.parent = v.parent.map(str::to_owned);
                r.company = v.company.map(str::to_owned);
                if v.account_managers.contains(&self.ui) {
                    r.account_managers = vec![me.id.clone()];
                }
            }
            records.push(r);
        }

        Model {
            modules: spec.modules.clone(),
            roles,
            profiles,
            groups,
            users,
            workspaces,
            sharing_rules,
            limited_access,
            records,
            slice_for: Some(me.id.clone()),
        }
    }

    /// A workspace as the user's answers read it: for an admin its id; for
    /// anyone else, when they take part, its settings, their own entries, and
    /// the people of it their people picker shows, as plain members; when
    /// they do not, its id (a viewable record lists it).
    fn workspace(&self, w: Ix, spec: &Workspace, admin: bool) -> Workspace {
        let c = self.c;
        let me = c.users[self.ui as usize].id.as_str();
        let mut out = Workspace {
            id: spec.id.clone(),
            owner: None,
            moderators: Vec::new(),
            auditors: Vec::new(),
            members: Vec::new(),
            counterparty: None,
            external_visibility: model::ExternalVisibility::default(),
            invite_policy: model::InvitePolicy::default(),
        };
        let u = self.user();
        if admin || !u.active || u.part(w).is_none() {
            return out;
        }
        out.external_visibility = spec.external_visibility;
        out.invite_policy = spec.invite_policy;
        if spec.owner.as_deref() == Some(me) {
            out.owner = Some(me.to_owned());
        }
        if spec.moderators.iter().any(|m| m == me) {
            out.moderators.push(me.to_owned());
        }
        if spec.auditors.iter().any(|m| m == me) {
            out.auditors.push(me.to_owned());
        }
        out.members.extend(spec.members.iter().filter(|m| m.user == me).cloned());
        let my_company = self.spec.users[self.ui as usize].company.as_deref();
        if u.external && spec.counterparty.is_some() && spec.counterparty.as_deref() == my_company {
            out.counterparty = spec.counterparty.clone();
        }
        for &p in &c.workspaces[w as usize].participants {
            let pu = &c.users[p as usize];
            if p != self.ui && pu.active && (u.external || pu.external) && self.users.contains(&p) {
                out.members.push(WorkspaceMember { user: pu.id.clone(), read_only: false });
            }
        }
        out
    }
}

fn bare_user(id: String, role: Option<String>, external: bool, active: bool) -> User {
    User {
        id,
        role,
        profiles: Vec::new(),
        admin: false,
        active,
        team_lead: false,
        limited_crm: false,
        limited_deals: false,
        external,
        company: None,
        read_only: false,
        record_types: None,
        can_grant_access: false,
    }
}

/// A stored record with every key but its fields.
fn whole_record(c: &Compiled, rec: &Rec) -> CrmRecord {
    let v = rec.view();
    let users = |ids: &[Ix]| ids.iter().map(|&u| c.users[u as usize].id.clone()).collect::<Vec<_>>();
    let mut r = stub_record(c, rec);
    r.owner = v.owner.map(|o| match o {
        Pr::User(u) => c.users[u as usize].id.clone(),
        Pr::Group(g) => c.groups[g as usize].id.clone(),
    });
    r.parent = v.parent.map(str::to_owned);
    r.company = v.company.map(str::to_owned);
    r.account_managers = users(v.account_managers);
    r.created_by = v.created_by.map(|u| c.users[u as usize].id.clone());
    r.workspaces = v.workspaces.iter().map(|&w| c.workspaces[w as usize].id.to_string()).collect();
    r.assignees = users(v.assignees);
    r.participants = users(v.participants);
    r.auditors = users(v.auditors);
    r.record_type = v.record_type.map(str::to_owned);
    r.shared_with = c.shares_json(rec);
    r
}

/// A stored record with its id and module only.
fn stub_record(c: &Compiled, rec: &Rec) -> CrmRecord {
    CrmRecord {
        id: rec.id().map(str::to_owned),
        module: c.modules[rec.module as usize].name.clone(),
        owner: None,
        parent: None,
        company: None,
        account_managers: Vec::new(),
        created_by: None,
        workspaces: Vec::new(),
        assignees: Vec::new(),
        participants: Vec::new(),
        auditors: Vec::new(),
        record_type: None,
        shared_with: Vec::new(),
        fields: model::Fields::default(),
    }
}

/// The slice as compact JSON text: keys that hold their default are left out
/// of users, roles, groups, workspaces and records (modules, profiles and
/// rules are written as the model gave them). Users and records, the bulk of
/// a slice, are written directly.
pub(crate) fn to_json(mut m: Model) -> String {
    let users = std::mem::take(&mut m.users);
    let records = std::mem::take(&mut m.records);
    let mut v = serde_json::to_value(&m).unwrap_or(serde_json::Value::Null);
    let Some(obj) = v.as_object_mut() else { return String::new() };
    for key in ["roles", "groups", "workspaces"] {
        if let Some(serde_json::Value::Array(items)) = obj.get_mut(key) {
            for item in items {
                if let Some(o) = item.as_object_mut() {
                    o.retain(|k, x| match (k.as_str(), &*x) {
                        ("externalVisibility", serde_json::Value::String(v)) => v != "all",
                        ("invitePolicy", serde_json::Value::String(v)) => v != "ownerAndModerators",
                        (_, serde_json::Value::Bool(b)) => *b,
                        _ => !is_empty(x),
                    });
                }
            }
        }
    }
    let mut out = String::with_capacity(64 * (users.len() + records.len()) + 4096);
    out.push('{');
    let mut first = true;
    for key in ["modules", "roles", "profiles", "groups", "users", "workspaces", "sharingRules", "limitedAccess", "records", "sliceFor"] {
        let start = out.len();
        if !first {
            out.push(',');
        }
        str_into(&mut out, key);
        out.push(':');
        let wrote = match key {
            "users" if !users.is_empty() => {
                list_into(&mut out, &users, user_into);
                true
            }
            "records" if !records.is_empty() => {
                list_into(&mut out, &records, record_into);
                true
            }
            _ => match obj.get(key) {
                Some(x) if !is_empty(x) => {
                    out.push_str(&x.to_string());
                    true
                }
                _ => false,
            },
        };
        if wrote {
            first = false;
        } else {
            out.truncate(start);
        }
    }
    out.push('}');
    out
}

fn str_into(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()));
    }
}

fn list_into<T>(out: &mut String, items: &[T], f: fn(&mut String, &T)) {
    out.push('[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        f(out, x);
    }
    out.push(']');
}

fn key_into(out: &mut String, key: &str) {
    out.push(',');
    str_into(out, key);
    out.push(':');
}

fn opt_into(out: &mut String, key: &str, v: Option<&String>) {
    if let Some(v) = v {
        key_into(out, key);
        str_into(out, v);
    }
}

fn ids_into(out: &mut String, key: &str, v: &[String]) {
    if !v.is_empty() {
        key_into(out, key);
        list_into(out, v, |o, s| str_into(o, s));
    }
}

fn flag_into(out: &mut String, key: &str, on: bool) {
    if on {
        key_into(out, key);
        out.push_str("true");
    }
}

fn user_into(out: &mut String, u: &User) {
    out.push_str("{\"id\":");
    str_into(out, &u.id);
    opt_into(out, "role", u.role.as_ref());
    ids_into(out, "profiles", &u.profiles);
    flag_into(out, "admin", u.admin);
    if !u.active {
        key_into(out, "active");
        out.push_str("false");
    }
    flag_into(out, "teamLead", u.team_lead);
    flag_into(out, "limitedCrm", u.limited_crm);
    flag_into(out, "limitedDeals", u.limited_deals);
    flag_into(out, "external", u.external);
    opt_into(out, "company", u.company.as_ref());
    flag_into(out, "readOnly", u.read_only);
    if let Some(types) = &u.record_types {
        key_into(out, "recordTypes");
        list_into(out, types, |o, s| str_into(o, s));
    }
    flag_into(out, "canGrantAccess", u.can_grant_access);
    out.push('}');
}

fn record_into(out: &mut String, r: &CrmRecord) {
    out.push_str("{\"id\":");
    match &r.id {
        Some(id) => str_into(out, id),
        None => out.push_str("null"),
    }
    key_into(out, "module");
    str_into(out, &r.module);
    opt_into(out, "owner", r.owner.as_ref());
    opt_into(out, "parent", r.parent.as_ref());
    opt_into(out, "company", r.company.as_ref());
    ids_into(out, "accountManagers", &r.account_managers);
    opt_into(out, "createdBy", r.created_by.as_ref());
    ids_into(out, "workspaces", &r.workspaces);
    ids_into(out, "assignees", &r.assignees);
    ids_into(out, "participants", &r.participants);
    ids_into(out, "auditors", &r.auditors);
    opt_into(out, "type", r.record_type.as_ref());
    if !r.shared_with.is_empty() {
        key_into(out, "sharedWith");
        out.push_str(&serde_json::to_string(&r.shared_with).unwrap_or_else(|_| "[]".into()));
    }
    if !r.fields.is_empty() {
        key_into(out, "fields");
        out.push_str(r.fields.as_json());
    }
    out.push('}');
}

fn is_empty(x: &serde_json::Value) -> bool {
    match x {
        serde_json::Value::Null => true,
        serde_json::Value::Array(a) => a.is_empty(),
        serde_json::Value::Object(o) => o.is_empty(),
        _ => false,
    }
}
