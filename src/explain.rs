//! `explain(user, action, record)` (issue 12): the decision, the path of
//! every grant at the winning level, and for a denial the changes that would
//! allow it.
//!
//! The grants are the reasons the ladder of `decide.rs` gives at the winning
//! level ([`Compiled::grant_level`]): no second ladder. Each reason is then
//! given its path from the compiled model and the record: the owner, the chain
//! of roles from the owner's role up to the user's, the rule with its `from`
//! and `to`, the share entry, the workspace and the user's part in it, the
//! profiles, the parent record and its own grants. A record controlled by
//! its parent (§3.8) gets the chain of parents as a list, built with a loop.
//!
//! Suggestions are data: each is a set of [`ModelEdit`]s to the model (set a key,
//! or add an item to a list, of one element found by its id) that together
//! allow the action: the settings the user needs whatever grants it (active,
//! the profile permission, not read-only, the record type, no limited mode),
//! plus one grant (a share, account manager, a group a rule reaches, a role a
//! rule reaches, a new sharing rule to the user's role, a workspace part, an
//! auditor entry).

use crate::compiled::{share_parts, Compiled, Ix, Pr, PrincipalC, ShareKind};
use crate::decide::profile_denies;
use crate::level::{Access, Action, VIEW};
use crate::reason::Reason;
use crate::store::{RecRef, Store};
use crate::who::WhoIndex;
use crate::{Decision, Engine, Error, RecordRef};
use serde::Serialize;
use serde_json::{json, Value};

#[cfg(feature = "wasm")]
use tsify::Tsify;

/// What `explain` returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The same decision `decide` gives.
    pub decision: Decision,
    /// The record level the grants give, before the read-only and profile caps.
    pub level: Access,
    /// Every grant at that level, with its path (empty when nothing grants).
    pub grants: Vec<Grant>,
    /// For a denied view, edit or delete: sets of changes that would allow it.
    pub suggestions: Vec<Suggestion>,
}

/// One grant and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    pub reason: Reason,
    pub level: Access,
    pub path: GrantPath,
}

/// A user, group or role, as a rule, share or owner names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct PrincipalRef {
    /// `user`, `group`, `role` or `roleAndSubordinates`.
    #[cfg_attr(feature = "wasm", tsify(type = "\"user\" | \"group\" | \"role\" | \"roleAndSubordinates\""))]
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct RulePath {
    pub id: String,
    /// The module the rule shares.
    pub module: String,
    pub from: PrincipalRef,
    pub to: PrincipalRef,
    pub access: Access,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct WorkspacePath {
    pub id: String,
    /// The user's part: `owner`, `moderator`, `auditor`, `member`, `readOnlyMember`, `counterparty`.
    #[cfg_attr(feature = "wasm", tsify(type = "\"owner\" | \"moderator\" | \"auditor\" | \"member\" | \"readOnlyMember\" | \"counterparty\""))]
    pub part: String,
}

/// A parent record the grant goes through (§3.8), with its own grants.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ParentStep {
    pub record: String,
    /// `decide(user, "view", record).access`.
    pub access: Access,
    /// The parent's grants (a `controlled-by-parent` among them continues in the next step).
    pub grants: Vec<Grant>,
}

/// The ids a grant goes through; only the parts that apply are present.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct GrantPath {
    /// The record's owner (owner, hierarchy, group owner, sharing rules), or
    /// the parent's owner (related sharing).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub owner: Option<PrincipalRef>,
    /// Hierarchy: the roles from the owner's role up to the user's role; a
    /// grant through a subordinate: from the subordinate's role up to the user's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub roles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub rule: Option<RulePath>,
    /// A grant through a subordinate (§2 "reaches"): a user below this one
    /// whom the rule or share reaches.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub subordinate: Option<String>,
    /// The `sharedWith` entries naming the principal: who, and the access.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub shares: Vec<(PrincipalRef, Access)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub workspace: Option<WorkspacePath>,
    /// The key of the record naming the user (`accountManagers`, `assignees`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub field: Option<String>,
    /// Another record the grant reads: the parent (related sharing), the
    /// company (limited CRM), the deal (limited deals).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub record: Option<String>,
    /// viewAll/editAll: the user's profiles that have it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub profiles: Vec<String>,
    /// The default sharing or missing record security: the module.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub module: Option<String>,
    /// §3.8: the parent records, nearest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub parents: Vec<ParentStep>,
}

/// A set of changes that together allow the action.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    /// The grant the changes give (a reason `decide` would then report).
    pub grant: Reason,
    pub changes: Vec<ModelEdit>,
}

/// One change to the model: in the section `kind` (`user`, `profile`,
/// `group`, `workspace`, `record`, `sharingRule`), the element whose id is `id`; at `path`
/// inside it (keys, created when missing), `set` the value, or `add` it to
/// the list there (when it is not in it already); or `put` the whole element
/// `value` (replacing the one with that id, or added; `path` is empty).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ModelEdit {
    /// `set`, `add` or `put`.
    #[cfg_attr(feature = "wasm", tsify(type = "\"set\" | \"add\" | \"put\""))]
    pub op: String,
    #[cfg_attr(feature = "wasm", tsify(type = "\"user\" | \"profile\" | \"group\" | \"workspace\" | \"record\" | \"sharingRule\""))]
    pub kind: String,
    pub id: String,
    pub path: Vec<String>,
    #[cfg_attr(feature = "wasm", tsify(type = "unknown"))]
    pub value: Value,
}

fn change(op: &str, kind: &str, id: &str, path: &[&str], value: Value) -> ModelEdit {
    ModelEdit { op: op.into(), kind: kind.into(), id: id.into(), path: path.iter().map(|s| (*s).to_owned()).collect(), value }
}

impl Compiled {
    fn principal_ref(&self, p: PrincipalC) -> PrincipalRef {
        match p {
            PrincipalC::Role(r) => PrincipalRef { kind: "role".into(), id: self.role_names[r as usize].clone() },
            PrincipalC::RoleSub(r) => PrincipalRef { kind: "roleAndSubordinates".into(), id: self.role_names[r as usize].clone() },
            PrincipalC::Group(g) => PrincipalRef { kind: "group".into(), id: self.groups[g as usize].id.clone() },
        }
    }

    fn owner_ref(&self, o: Pr) -> PrincipalRef {
        match o {
            Pr::User(u) => PrincipalRef { kind: "user".into(), id: self.users[u as usize].id.clone() },
            Pr::Group(g) => PrincipalRef { kind: "group".into(), id: self.groups[g as usize].id.clone() },
        }
    }

    fn rule_path(&self, id: &str) -> Option<RulePath> {
        let rule = self.rules.iter().find(|r| &*r.id == id)?;
        Some(RulePath {
            id: id.to_owned(),
            module: self.modules[rule.module as usize].name.clone(),
            from: self.principal_ref(rule.from),
            to: self.principal_ref(rule.to),
            access: rule.level,
        })
    }

    /// The roles from `from` up to `to` (both included), when `to` is above `from`.
    fn role_chain(&self, ix: &WhoIndex, from: Ix, to: Ix) -> Vec<String> {
        let mut out = vec![self.role_names[from as usize].clone()];
        let mut at = from;
        for _ in 0..self.roles.len() {
            match ix.role_parent[at as usize] {
                Some(p) => {
                    out.push(self.role_names[p as usize].clone());
                    if p == to {
                        return out;
                    }
                    at = p;
                }
                None => break,
            }
        }
        out
    }

    /// An internal user strictly below user `ui` in the role hierarchy that
    /// `reaches` holds for, and the roles from theirs up to `ui`'s.
    fn subordinate(&self, ix: &WhoIndex, ui: Ix, reaches: impl Fn(Ix) -> bool) -> Option<(String, Vec<String>)> {
        let mine = self.users[ui as usize].role?;
        let r = &self.roles[mine as usize];
        let start = ix.by_pre.partition_point(|&(p, _)| p <= r.pre);
        let v = ix.by_pre[start..].iter().take_while(|&&(p, _)| p <= r.end).map(|&(_, v)| v).find(|&v| !self.externals[v as usize] && reaches(v))?;
        let theirs = self.users[v as usize].role?;
        Some((self.users[v as usize].id.clone(), self.role_chain(ix, theirs, mine)))
    }

    /// Does a rule's `to` (or a group or role share) name user `v`?
    fn principal_matches(&self, p: PrincipalC, v: Ix) -> bool {
        let role = self.users[v as usize].role;
        match p {
            PrincipalC::Role(r) => role == Some(r),
            PrincipalC::RoleSub(r) => role.is_some_and(|x| self.role_within(x, r)),
            PrincipalC::Group(g) => self.user_in_group(v, g),
        }
    }

    fn part_name(&self, u: Ix, w: Ix) -> String {
        let p = self.users[u as usize].part(w).unwrap_or_default();
        let name = if p.owner {
            "owner"
        } else if p.moderator {
            "moderator"
        } else if p.auditor {
            "auditor"
        } else if p.member {
            "member"
        } else if p.counterparty {
            "counterparty"
        } else {
            "readOnlyMember"
        };
        name.to_owned()
    }

    /// The path of one grant reason; `None` for a reason that is not a grant.
    fn grant_path(&self, ix: &WhoIndex, store: &Store, ui: Ix, rec: &RecRef<'_>, reason: &Reason) -> Option<GrantPath> {
        let u = &self.users[ui as usize];
        let mut p = GrantPath::default();
        let module = || self.modules[rec.module as usize].name.clone();
        match reason {
            Reason::Admin => {}
            Reason::Owner => p.owner = rec.owner.map(|o| self.owner_ref(o)),
            Reason::Hierarchy => {
                p.owner = rec.owner.map(|o| self.owner_ref(o));
                if let (Some(Pr::User(o)), Some(mine)) = (rec.owner, u.role) {
                    if let Some(theirs) = self.users[o as usize].role {
                        p.roles = self.role_chain(ix, theirs, mine);
                    }
                }
            }
            Reason::GroupOwner => p.owner = rec.owner.map(|o| self.owner_ref(o)),
            Reason::AccountManager => p.field = Some("accountManagers".into()),
            Reason::Auditor => p.field = Some("auditors".into()),
            Reason::Assignee => p.field = Some("assignees".into()),
            Reason::Participant => p.field = Some("participants".into()),
            Reason::WorkspaceAuditor(w) | Reason::WorkspaceAssignee(w) | Reason::WorkspaceCreator(w) | Reason::WorkspaceParticipant(w) => {
                let field = match reason {
                    Reason::WorkspaceAuditor(_) => "auditors",
                    Reason::WorkspaceAssignee(_) => "assignees",
                    Reason::WorkspaceCreator(_) => "createdBy",
                    _ => "participants",
                };
                p.field = Some(field.into());
                let wi = self.workspace_ix.get(&**w).copied()?;
                p.workspace = Some(WorkspacePath { id: w.to_string(), part: self.part_name(ui, wi) });
            }
            Reason::WorkspaceOwner(w)
            | Reason::WorkspaceModerator(w)
            | Reason::WorkspaceMember(w)
            | Reason::WorkspaceReadOnly(w)
            | Reason::WorkspaceCounterparty(w)
            | Reason::AuditsWorkspace(w) => {
                let wi = self.workspace_ix.get(&**w).copied()?;
                p.workspace = Some(WorkspacePath { id: w.to_string(), part: self.part_name(ui, wi) });
            }
            Reason::DefaultSharing | Reason::NoRecordSecurity => p.module = Some(module()),
            Reason::SharingRule(id) | Reason::SubordinateRule(id) => {
                p.owner = rec.owner.map(|o| self.owner_ref(o));
                p.rule = self.rule_path(id);
                if matches!(reason, Reason::SubordinateRule(_)) {
                    self.through_subordinate(ix, ui, id, &mut p);
                }
            }
            Reason::RelatedSharing(id) | Reason::SubordinateRelated(id) => {
                p.rule = self.rule_path(id);
                if matches!(reason, Reason::SubordinateRelated(_)) {
                    self.through_subordinate(ix, ui, id, &mut p);
                }
                let parent = self.parent_of(store, rec)?;
                p.record = parent.id().map(str::to_owned);
                p.owner = parent.view().owner.map(|o| self.owner_ref(o));
            }
            Reason::Shared(id) | Reason::SubordinateShared(id) => {
                // the share entries naming this id (a role can be named twice: role, roleAndSubordinates)
                for (kind, x, access) in rec.shares.iter().map(|&c| share_parts(c)) {
                    let (key, name) = match kind {
                        ShareKind::User => ("user", &self.users[x as usize].id),
                        ShareKind::Group => ("group", &self.groups[x as usize].id),
                        ShareKind::Role => ("role", &self.role_names[x as usize]),
                        ShareKind::RoleSub => ("roleAndSubordinates", &self.role_names[x as usize]),
                    };
                    if name.as_str() == &**id {
                        p.shares.push((PrincipalRef { kind: key.into(), id: name.clone() }, access));
                        if matches!(reason, Reason::SubordinateShared(_)) && p.subordinate.is_none() {
                            let reaches = |v: Ix| match kind {
                                ShareKind::User => v == x,
                                ShareKind::Group => self.principal_matches(PrincipalC::Group(x), v),
                                ShareKind::Role => self.principal_matches(PrincipalC::Role(x), v),
                                ShareKind::RoleSub => self.principal_matches(PrincipalC::RoleSub(x), v),
                            };
                            if let Some((who, roles)) = self.subordinate(ix, ui, reaches) {
                                p.subordinate = Some(who);
                                p.roles = roles;
                            }
                        }
                    }
                }
            }
            Reason::EditAll | Reason::ViewAll => {
                let combo = &self.combos[u.combo as usize];
                let edit = matches!(reason, Reason::EditAll);
                p.profiles = combo
                    .profiles
                    .iter()
                    .map(|&pi| &self.profiles[pi as usize])
                    .filter(|pr| if edit { pr.edit_all } else { pr.view_all })
                    .map(|pr| pr.id.clone())
                    .collect();
            }
            Reason::LimitedCrmManaged => p.record = self.managing_record(store, ui, rec),
            Reason::LimitedDealsOwn => {
                let dm = self.limited.as_ref().and_then(|l| l.deal_module);
                p.record = if Some(rec.module) == dm { None } else { rec.parent.map(str::to_owned) };
                p.owner = Some(PrincipalRef { kind: "user".into(), id: u.id.clone() });
            }
            Reason::ControlledByParent(_) => {} // filled by the caller (the chain)
            _ => return None,
        }
        Some(p)
    }

    /// A rule reaching the user through a subordinate: who, and the roles up.
    fn through_subordinate(&self, ix: &WhoIndex, ui: Ix, rule_id: &str, p: &mut GrantPath) {
        let Some(rule) = self.rules.iter().find(|r| &*r.id == rule_id) else { return };
        if let Some((who, roles)) = self.subordinate(ix, ui, |v| self.principal_matches(rule.to, v)) {
            p.subordinate = Some(who);
            p.roles = roles;
        }
    }

    /// Limited CRM: the record whose `accountManagers` names the user (None: the record itself, or a contact the user created).
    fn managing_record(&self, store: &Store, ui: Ix, rec: &RecRef<'_>) -> Option<String> {
        let l = self.limited.as_ref()?;
        let mut at = *rec;
        let mut id: Option<String> = None;
        for _ in 0..=self.modules.len() {
            if at.module == l.company_module {
                return if at.account_managers.contains(&ui) { id } else { None };
            }
            if let Some(c) = at.company {
                return store.get(c).filter(|co| co.view().account_managers.contains(&ui)).map(|_| c.to_owned());
            }
            let p = self.parent_of(store, &at)?;
            id = p.id().map(str::to_owned);
            at = p.view();
        }
        None
    }

    /// The grants of a level's reasons, with their paths (no parent chain).
    fn grants_of(&self, ix: &WhoIndex, store: &Store, ui: Ix, rec: &RecRef<'_>, level: Access, reasons: &[Reason]) -> Vec<Grant> {
        if level == Access::None {
            return Vec::new();
        }
        reasons.iter().filter_map(|r| self.grant_path(ix, store, ui, rec, r).map(|path| Grant { reason: r.clone(), level, path })).collect()
    }

    /// The explanation; see the module docs.
    pub(crate) fn explain(&self, ix: &WhoIndex, store: &Store, ui: Ix, action: Action, rec: &RecRef<'_>, stored_id: Option<&str>) -> Explanation {
        let decision = self.decide(store, ui, action, rec);
        let u = &self.users[ui as usize];
        let (level, reasons) = match u.settled() {
            Some(true) => (Access::Full, vec![Reason::Admin]),
            Some(false) => (Access::None, vec![Reason::Inactive]),
            None => self.grant_level(store, ui, rec),
        };
        let mut grants = self.grants_of(ix, store, ui, rec, level, &reasons);
        // §3.8: the chain of parents, nearest first, with a loop
        if let Some(g) = grants.iter_mut().find(|g| matches!(g.reason, Reason::ControlledByParent(_))) {
            let mut next = self.parent_of(store, rec);
            for _ in 0..=self.modules.len() {
                let Some(p) = next.take() else { break };
                let pv = p.view();
                let (pl, preasons) = self.grant_level(store, ui, &pv);
                let access = self.decide(store, ui, Action::View, &pv).access;
                let pgrants = self.grants_of(ix, store, ui, &pv, pl, &preasons);
                if pgrants.iter().any(|g| matches!(g.reason, Reason::ControlledByParent(_))) {
                    next = self.parent_of(store, &pv);
                }
                g.path.parents.push(ParentStep { record: p.id().unwrap_or_default().to_owned(), access, grants: pgrants });
            }
        }
        let suggestions = if decision.allowed || action == Action::Create { Vec::new() } else { self.suggest(ui, action, rec, stored_id) };
        Explanation { decision, level, grants, suggestions }
    }

    /// Sets of changes that would allow a denied view, edit or delete.
    fn suggest(&self, ui: Ix, action: Action, rec: &RecRef<'_>, stored_id: Option<&str>) -> Vec<Suggestion> {
        let u = &self.users[ui as usize];
        let uid = u.id.as_str();
        let m = rec.module;
        let mname = self.modules[m as usize].name.as_str();
        let need = action.needs();
        // the settings any grant needs
        let mut pre: Vec<ModelEdit> = Vec::new();
        if !u.active {
            pre.push(change("set", "user", uid, &["active"], json!(true)));
        }
        let combo = &self.combos[u.combo as usize];
        if profile_denies(combo.perms[m as usize], action).is_some() {
            let open = |pi: &Ix| {
                let bits = self.profiles[*pi as usize].modules.get(&m).map_or(0, |x| x.0);
                bits & VIEW != 0 && bits & action.bit() != 0
            };
            if let Some(&pi) = combo.profiles.first() {
                let pid = self.profiles[pi as usize].id.as_str();
                pre.push(change("set", "profile", pid, &["modules", mname, "view"], json!(true)));
                if action != Action::View {
                    pre.push(change("set", "profile", pid, &["modules", mname, action.as_str()], json!(true)));
                }
            } else {
                // a profile the user may hold (an external user none with viewAll/editAll): one that opens it, or any, opened
                let fits = |pi: &Ix| !(u.external && (self.profiles[*pi as usize].view_all || self.profiles[*pi as usize].edit_all));
                let all = 0..self.profiles.len() as Ix;
                match all.clone().find(|pi| open(pi) && fits(pi)).or_else(|| all.clone().find(fits)) {
                    Some(pi) => {
                        let pid = self.profiles[pi as usize].id.as_str();
                        if !open(&pi) {
                            pre.push(change("set", "profile", pid, &["modules", mname, "view"], json!(true)));
                            if action != Action::View {
                                pre.push(change("set", "profile", pid, &["modules", mname, action.as_str()], json!(true)));
                            }
                        }
                        pre.push(change("add", "user", uid, &["profiles"], json!(pid)));
                    }
                    None => {
                        // no profile to use: a new one that opens the action
                        let mut pid = format!("{mname}-{}", action.as_str());
                        while self.profiles.iter().any(|p| p.id == pid) {
                            pid.push('+');
                        }
                        let mut perms = json!({ "view": true });
                        perms[action.as_str()] = json!(true);
                        pre.push(change("put", "profile", &pid, &[], json!({ "id": pid, "modules": { mname: perms } })));
                        pre.push(change("add", "user", uid, &["profiles"], json!(pid)));
                    }
                }
            }
        }
        if u.read_only && need > Access::Read {
            pre.push(change("set", "user", uid, &["readOnly"], json!(false)));
        }
        if u.type_hidden(rec) {
            pre.push(change("add", "user", uid, &["recordTypes"], json!(rec.record_type)));
        }
        if self.limited_crm_covers(u, m) {
            pre.push(change("set", "user", uid, &["limitedCrm"], json!(false)));
        }
        if self.limited_deals_covers(u, m).is_some() {
            pre.push(change("set", "user", uid, &["limitedDeals"], json!(false)));
        }
        self.grants_for(ui, action, rec, stored_id, pre)
    }

    /// The suggestions: the settings `pre`, plus one grant each.
    fn grants_for(&self, ui: Ix, action: Action, rec: &RecRef<'_>, stored_id: Option<&str>, pre: Vec<ModelEdit>) -> Vec<Suggestion> {
        let u = &self.users[ui as usize];
        let uid = u.id.as_str();
        let m = rec.module;
        let need = action.needs();
        // one grant each
        let mut out: Vec<Suggestion> = Vec::new();
        let mut with = |grant: Reason, extra: Vec<ModelEdit>| {
            let mut changes = pre.clone();
            changes.extend(extra);
            out.push(Suggestion { grant, changes });
        };
        let first_ws = rec.workspaces.first().map(|&w| self.workspaces[w as usize].id.to_string());
        if u.external {
            match (&first_ws, stored_id) {
                (Some(w), _) => with(Reason::WorkspaceModerator(w.as_str().into()), vec![change("add", "workspace", w, &["moderators"], json!(uid))]),
                (None, Some(id)) => with(Reason::Auditor, vec![change("add", "record", id, &["auditors"], json!(uid))]),
                (None, None) => {}
            }
            return out;
        }
        if let Some(id) = stored_id {
            if need <= Access::Write {
                // the record's shares, with the user's own entry at the level needed
                let mut shares: Vec<Value> = rec
                    .shares
                    .iter()
                    .map(|&c| share_parts(c))
                    .filter(|&(k, x, _)| !(k == ShareKind::User && x == ui))
                    .map(|(k, x, l)| {
                        let (key, name) = match k {
                            ShareKind::User => ("user", &self.users[x as usize].id),
                            ShareKind::Group => ("group", &self.groups[x as usize].id),
                            ShareKind::Role => ("role", &self.role_names[x as usize]),
                            ShareKind::RoleSub => ("roleAndSubordinates", &self.role_names[x as usize]),
                        };
                        json!({ key: name, "access": if l == Access::Write { "readWrite" } else { "read" } })
                    })
                    .collect();
                shares.push(json!({ "user": uid, "access": if need == Access::Write { "readWrite" } else { "read" } }));
                with(Reason::Shared(uid.into()), vec![change("set", "record", id, &["sharedWith"], Value::Array(shares))]);
            }
            with(Reason::AccountManager, vec![change("add", "record", id, &["accountManagers"], json!(uid))]);
        }
        // sharing rules of the module that match the owner: their group, or their role
        if let Some(owner) = rec.owner {
            let mut n = 0;
            for rule in self.rules.iter().filter(|r| r.module == m && r.level >= need && self.rule_from_matches(r.from, owner)) {
                if n >= 3 {
                    break;
                }
                match rule.to {
                    PrincipalC::Group(g) => {
                        let gid = &self.groups[g as usize].id;
                        with(Reason::SharingRule(rule.id.clone()), vec![change("add", "group", gid, &["members"], json!({ "user": uid }))]);
                        n += 1;
                    }
                    PrincipalC::Role(r) | PrincipalC::RoleSub(r) if self.same_role_profiles(u.role, r) => {
                        with(Reason::SharingRule(rule.id.clone()), vec![change("set", "user", uid, &["role"], json!(self.role_names[r as usize]))]);
                        n += 1;
                    }
                    _ => {}
                }
            }
        }
        // a new sharing rule: from the owner's role (or owning group) to the user's role
        if let (Some(owner), Some(mine), true) = (rec.owner, u.role, need <= Access::Write) {
            let from = match owner {
                Pr::User(o) => self.users[o as usize].role.map(|r| json!({ "role": self.role_names[r as usize] })),
                Pr::Group(g) => Some(json!({ "group": self.groups[g as usize].id })),
            };
            if let Some(from) = from {
                let mname = self.modules[m as usize].name.as_str();
                let mut id = format!("{mname}-to-{}", self.role_names[mine as usize]);
                while self.rules.iter().any(|r| *r.id == *id) {
                    id.push('+');
                }
                let access = if need == Access::Write { "readWrite" } else { "read" };
                let rule = json!({ "id": id, "module": mname, "from": from, "to": { "role": self.role_names[mine as usize] }, "access": access });
                with(Reason::SharingRule(id.as_str().into()), vec![change("put", "sharingRule", &id, &[], rule)]);
            }
        }
        if let Some(w) = &first_ws {
            let wi = rec.workspaces[0];
            if u.part(wi).is_none() {
                if need <= Access::Write {
                    with(Reason::WorkspaceMember(w.as_str().into()), vec![change("add", "workspace", w, &["members"], json!({ "user": uid }))]);
                } else {
                    with(Reason::WorkspaceModerator(w.as_str().into()), vec![change("add", "workspace", w, &["moderators"], json!(uid))]);
                }
            }
        }
        out
    }

    /// Would the user keep their profiles if their role became `r`?
    fn same_role_profiles(&self, mine: Option<Ix>, r: Ix) -> bool {
        let theirs = &self.role_profiles[r as usize];
        match mine {
            Some(m) => self.role_profiles[m as usize] == *theirs,
            None => theirs.is_empty(),
        }
    }
}

impl Engine {
    /// The decision with the path of every grant, and for a denial what
    /// would allow it (issue 12; see `src/explain.rs`).
    pub fn explain(&self, user: &str, action: &str, record: RecordRef<'_>) -> Result<Explanation, Error> {
        let u = self.user(user)?;
        let a = Self::action(action)?;
        let rec = self.resolve(record)?;
        let ix = self.who.get_or_init(|| WhoIndex::new(&self.c));
        // changes to a record only make sense for the stored record of that id
        let stored_id = match record {
            RecordRef::Id(id) => Some(id),
            _ => rec.id().filter(|id| self.store.get(id).is_some_and(|s| *s == *rec)),
        };
        Ok(self.c.explain(ix, &self.store, u, a, &rec.view(), stored_id))
    }
}
