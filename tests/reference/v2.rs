//! Contract v2 of the reference evaluator (SPEC.md v2, §8 lists the changes).
//!
//! Everything in this file is **v2 only**: it runs when the reference was built
//! with `Reference::with_version(model, 2)`. The v1 code paths in `mod.rs`
//! are untouched, and `mod.rs` switches to the functions here only where it says
//! `// v2:`. Written from the SPEC text alone, as naively as v1: plain loops over
//! the JSON, no indexes, no caches.
//!
//! Readings of the SPEC where it leaves room (also listed in the report of
//! issue 10):
//! - §3.3 (`recordSecurity: false`) keeps coming before §3.4, as in v1.
//! - §3.8 the level a parent lends its child is `decide(U, "view", P(X)).access`:
//!   the parent's level after its caps and capped by the profile of the parent's
//!   module; it is added (max) to the child's own 3.2/3.5 grants, then the caps of
//!   3.6 apply to the child. It never applies when 3.3 or 3.4 decide the child.
//! - §3.7 an admin creates whatever (3.1 step 2): the parent/company view
//!   condition is one of the non-admin conditions.
//! - §3.7 "every record that X names as `parent` or `company` is stored and U may
//!   view it": any named record, of whatever module (a dangling `parent` refuses
//!   the creation).
//! - §3.9 "a changed `parent` or `company`": each of the two that changed is
//!   checked (the record `after` names in that key); an unchanged one is not.
//! - §3.9 "U's `access` on before": `decide(U, "edit", before).access`
//!   (access does not depend on the action).
//! - §3.9 scalar keys (`owner`, `parent`, `company`, `createdBy`, `type`):
//!   `null` and absent are the same (both the default); only inside `fields`
//!   does a key set to `null` differ from an absent key.
//! - §2 "reaches": the subordinate V that carries a grant up must be internal
//!   (active or not) and hold a role strictly below U's role; a user-principal
//!   share `{"user": V}` reaches V's superiors on a hierarchy module too.
//! - §3.2 an external user's "involvement outside workspaces" (auditor/assignee/
//!   participant) counts only when X lists no workspace U takes part in.
//! - §4 `fieldAccess`: "the combined profile does not open `edit`" = no profile of
//!   U has `edit: true` on the module.

use super::*;

/// `private < publicRead < publicReadWrite < publicReadWriteDelete` as levels.
fn sharing_level(s: &str) -> u8 {
    match s {
        "publicRead" => READ,
        "publicReadWrite" => WRITE,
        "publicReadWriteDelete" => FULL,
        _ => NONE,
    }
}

/// Are two JSON values the same JSON value (§3.9)? Object key order does not
/// count, array order does, and numbers compare by value (`1` and `1.0` are one
/// JSON number; serde_json's `==` would tell them apart).
pub fn json_same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
            (Some(i), Some(j), _, _) => i == j,
            (_, _, Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(xs), Value::Array(ys)) => xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| json_same(x, y)),
        (Value::Object(xs), Value::Object(ys)) => xs.len() == ys.len() && xs.iter().all(|(k, x)| ys.get(k).is_some_and(|y| json_same(x, y))),
        _ => a == b,
    }
}

/// Are two JSON arrays equal as sets (of strings or of objects)?
fn same_set(a: &Value, b: &Value, key: &str) -> bool {
    let xs = list(a, key);
    let ys = list(b, key);
    xs.iter().all(|x| ys.contains(x)) && ys.iter().all(|y| xs.contains(y))
}

/// A scalar key where `null` and absent both mean the default.
fn scalar<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v.get(key) {
        None | Some(Value::Null) => None,
        Some(x) => Some(x),
    }
}

impl Reference {
    // ------------------------------------------------------------ module facts

    fn module_hierarchy(&self, module: &str) -> bool {
        self.module(module).map(|m| flag(m, "hierarchy", true)).unwrap_or(true)
    }

    fn module_controlled_by_parent(&self, module: &str) -> bool {
        self.module(module).map(|m| flag(m, "controlledByParent", false)).unwrap_or(false)
    }

    /// The lower of the module's `defaultSharing` and its parent module's effective
    /// default sharing, walking up the module tree with a loop.
    pub(super) fn effective_default_sharing(&self, module: &str) -> u8 {
        let mut level = FULL;
        let mut current = Some(module.to_string());
        let mut steps = 0usize;
        while let Some(name) = current {
            let Some(m) = self.module(&name) else {
                break;
            };
            level = min(level, sharing_level(text(m, "defaultSharing").unwrap_or("private")));
            current = text(m, "parent").map(String::from);
            steps += 1;
            if steps > 100_000 {
                break; // module parents form no cycle in a valid model
            }
        }
        level
    }

    // ------------------------------------------------------- derived sets (§2)

    /// P(X): the stored record named by X's `parent`, when it is a record of X's
    /// module's `parent` module; otherwise none.
    pub(super) fn parent_record(&self, x: &Value) -> Option<&Value> {
        let parent_module = self.module(text(x, "module")?).and_then(|m| text(m, "parent"))?;
        let p = self.stored(text(x, "parent")?)?;
        if text(p, "module") == Some(parent_module) {
            Some(p)
        } else {
            None
        }
    }

    /// C(X): X's company for limited CRM access, following the parent chain with a loop.
    pub(super) fn company_record<'a>(&'a self, x: &'a Value) -> Option<&'a Value> {
        let company_module = text(self.limited_access()?, "companyModule")?;
        let mut current = x;
        let mut steps = 0usize;
        loop {
            if text(current, "module") == Some(company_module) {
                return Some(current);
            }
            if let Some(cid) = text(current, "company") {
                return self.stored(cid).filter(|c| text(c, "module") == Some(company_module));
            }
            current = self.parent_record(current)?;
            steps += 1;
            if steps > 1_000_000 {
                return None; // cannot happen: P(X) climbs the (acyclic) module tree
            }
        }
    }

    /// Does a principal (rule `to`, or a `sharedWith` entry) match user `user`?
    /// `{"user": V}` only exists in shares.
    fn principal_matches_user(&self, principal: &Value, user: &Value) -> bool {
        if let Some(v) = text(principal, "user") {
            return text(user, "id") == Some(v);
        }
        self.to_matches_user(principal, user)
    }

    /// The internal users (active or not) whose role is in Sub(role(U)).
    fn internal_subordinates(&self, user: &Value) -> Vec<&Value> {
        let Some(urole) = self.role_of(user) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for v in self.section("users") {
            if flag(v, "external", false) {
                continue;
            }
            if let Some(vrole) = self.role_of(v) {
                if self.role_below(vrole, urole) {
                    out.push(v);
                }
            }
        }
        out
    }

    /// A rule's `to`, or a share of a record of `module`, **reaches** internal user U;
    /// `subordinates` = `internal_subordinates(U)`.
    fn reaches(&self, principal: &Value, module: &str, user: &Value, subordinates: &[&Value]) -> bool {
        if flag(user, "external", false) {
            return false;
        }
        if self.principal_matches_user(principal, user) {
            return true;
        }
        if !self.module_hierarchy(module) {
            return false;
        }
        // an internal user (active or not) whose role is in Sub(role(U)) and whom it matches
        subordinates.iter().any(|v| self.principal_matches_user(principal, v))
    }

    /// U takes part in W (v2: workspace auditors too).
    pub(super) fn takes_part_v2(&self, user: &Value, w: &Value) -> bool {
        let uid = text(user, "id").unwrap_or("");
        self.takes_part(user, w) || contains(&texts(w, "auditors"), uid)
    }

    fn leads_workspace_v2(&self, w: &Value, uid: &str) -> bool {
        self.is_owner_or_moderator(w, uid) || contains(&texts(w, "auditors"), uid)
    }

    /// Participation is read-only when it comes only from a read-only member entry.
    fn participation_read_only_v2(&self, user: &Value, w: &Value) -> bool {
        let uid = text(user, "id").unwrap_or("");
        if contains(&texts(w, "auditors"), uid) {
            return false;
        }
        self.participation_read_only(user, w)
    }

    // --------------------------------------------------------------- limited

    /// X is managed by U (§3.4, v2): C(X) exists and U manages it, or X is a
    /// contact of `contactModule` with no `company` and no `parent` that U created.
    pub(super) fn managed_v2(&self, user: &Value, x: &Value, created_by_default: Option<&str>) -> bool {
        let uid = text(user, "id").unwrap_or("");
        let Some(la) = self.limited_access() else {
            return false;
        };
        if let Some(c) = self.company_record(x) {
            if contains(&texts(c, "accountManagers"), uid) {
                return true;
            }
        }
        if let Some(cm) = text(la, "contactModule") {
            if text(x, "module") == Some(cm) && scalar(x, "company").is_none() && scalar(x, "parent").is_none() {
                let created_by = text(x, "createdBy").or(created_by_default);
                return created_by == Some(uid);
            }
        }
        false
    }

    fn in_limited_module(&self, x: &Value) -> bool {
        let xm = text(x, "module").unwrap_or("");
        self.limited_access().map(|la| contains(&texts(la, "modules"), xm)).unwrap_or(false)
    }

    // ------------------------------------------------------------ levels

    /// §3.2 for an external user, without the parent's part (§3.8).
    fn external_level_v2(&self, user: &Value, x: &Value) -> u8 {
        let uid = text(user, "id").unwrap_or("");
        let mut l = NONE;
        if text(x, "owner") == Some(uid) {
            l = FULL;
        }
        let mine: Vec<&Value> = texts(x, "workspaces").into_iter().filter_map(|wid| self.workspace(wid)).filter(|w| self.takes_part_v2(user, w)).collect();
        if mine.is_empty() {
            // involved in a record outside every workspace U takes part in
            if contains(&texts(x, "auditors"), uid) {
                l = max(l, FULL);
            }
            if contains(&texts(x, "assignees"), uid) {
                l = max(l, WRITE);
            }
            if contains(&texts(x, "participants"), uid) {
                l = max(l, READ);
            }
        }
        for w in mine {
            let ro = self.participation_read_only_v2(user, w);
            let here = if self.leads_workspace_v2(w, uid) {
                FULL
            } else if text(w, "externalVisibility").unwrap_or("all") == "participating" {
                let mut base = NONE;
                if contains(&texts(x, "participants"), uid) {
                    base = max(base, READ);
                }
                if contains(&texts(x, "assignees"), uid) || text(x, "createdBy") == Some(uid) {
                    base = max(base, WRITE);
                }
                if contains(&texts(x, "auditors"), uid) {
                    base = max(base, FULL);
                }
                if ro {
                    min(base, READ)
                } else {
                    base
                }
            } else if ro {
                READ
            } else {
                WRITE
            };
            l = max(l, here);
        }
        l
    }

    /// §3.5 for an internal user, without the parent's part (§3.8).
    fn internal_grants_v2(&self, user: &Value, x: &Value) -> u8 {
        let uid = text(user, "id").unwrap_or("");
        let urole = self.role_of(user);
        let xm = text(x, "module").unwrap_or("");
        let hierarchy = self.module_hierarchy(xm);
        let owner = text(x, "owner");
        let mut l = NONE;
        if owner == Some(uid) {
            l = max(l, FULL);
        }
        if let Some(o) = owner {
            if hierarchy {
                if let Some(ou) = self.user(o) {
                    if let (Some(orole), Some(ur)) = (self.role_of(ou), urole) {
                        if self.role_below(orole, ur) {
                            l = max(l, FULL);
                        }
                    }
                }
            }
            if self.group(o).is_some() && self.groups_of_user(user).iter().any(|g| g == o) {
                l = max(l, FULL);
            }
        }
        if contains(&texts(x, "accountManagers"), uid) || contains(&texts(x, "auditors"), uid) {
            l = max(l, FULL);
        }
        if contains(&texts(x, "assignees"), uid) {
            l = max(l, WRITE);
        }
        if contains(&texts(x, "participants"), uid) {
            l = max(l, READ);
        }
        for wid in texts(x, "workspaces") {
            if let Some(w) = self.workspace(wid) {
                if self.leads_workspace_v2(w, uid) {
                    l = max(l, FULL);
                } else if let Some(ro) = self.is_member_entry(w, uid) {
                    l = max(l, if ro { READ } else { WRITE });
                }
            }
        }
        l = max(l, self.effective_default_sharing(xm));
        let subs = self.internal_subordinates(user);
        let access_of = |v: &Value| if text(v, "access") == Some("readWrite") { WRITE } else { READ };
        if let Some(o) = owner {
            for rule in self.section("sharingRules") {
                if text(rule, "module") != Some(xm) {
                    continue;
                }
                let from = rule.get("from").unwrap_or(&Value::Null);
                let to = rule.get("to").unwrap_or(&Value::Null);
                if self.from_matches_owner(from, o) && self.reaches(to, xm, user, &subs) {
                    l = max(l, access_of(rule));
                }
            }
        }
        // related sharing, one level down; X's (the child's) module decides the hierarchy
        if let Some(p) = self.parent_record(x) {
            let pm = text(p, "module").unwrap_or("");
            if let Some(po) = text(p, "owner") {
                for rule in self.section("sharingRules") {
                    if text(rule, "module") != Some(pm) {
                        continue;
                    }
                    let Some(rel) = rule.get("related").and_then(|r| r.get(xm)).and_then(|a| a.as_str()) else {
                        continue;
                    };
                    let from = rule.get("from").unwrap_or(&Value::Null);
                    let to = rule.get("to").unwrap_or(&Value::Null);
                    if self.from_matches_owner(from, po) && self.reaches(to, xm, user, &subs) {
                        l = max(l, if rel == "readWrite" { WRITE } else { READ });
                    }
                }
            }
        }
        for share in list(x, "sharedWith") {
            if self.reaches(share, xm, user, &subs) {
                l = max(l, access_of(share));
            }
        }
        if self.view_all(user) {
            l = max(l, READ);
        }
        if self.edit_all(user) {
            l = max(l, WRITE);
        }
        l
    }

    /// X's own level (before caps) and whether the parent's access counts too
    /// (3.2 or 3.5 decided, and the module is controlled by its parent).
    fn own_level_v2(&self, user: &Value, x: &Value) -> (u8, bool) {
        let xm = text(x, "module").unwrap_or("");
        let follows = self.module_controlled_by_parent(xm);
        if flag(user, "external", false) {
            (self.external_level_v2(user, x), follows)
        } else if self.module(xm).map(|m| !flag(m, "recordSecurity", true)).unwrap_or(false) {
            (FULL, false)
        } else if flag(user, "limitedCrm", false) && self.in_limited_module(x) {
            (if self.managed_v2(user, x, None) { FULL } else { NONE }, false)
        } else if flag(user, "limitedDeals", false) && self.is_deal_or_deal_child(x) {
            let uid = text(user, "id").unwrap_or("");
            (if self.owns_the_deal(uid, x) { FULL } else { NONE }, false)
        } else {
            (self.internal_grants_v2(user, x), follows)
        }
    }

    fn caps_v2(&self, user: &Value, x: &Value, l: u8) -> u8 {
        let mut l = l;
        if flag(user, "readOnly", false) {
            l = min(l, READ);
        }
        if !self.type_passes(user, x) {
            l = NONE;
        }
        l
    }

    /// The record level L of §3.2–3.6 and 3.8 for an active non-admin user.
    /// The parent chain is walked with a loop (top first), never by recursion.
    pub(super) fn record_level_v2(&self, user: &Value, x: &Value) -> u8 {
        let mut chain: Vec<&Value> = vec![x];
        let bound = self.section("modules").len() + 1;
        loop {
            let last = *chain.last().unwrap();
            if chain.len() > bound || !self.module_controlled_by_parent(text(last, "module").unwrap_or("")) {
                break;
            }
            match self.parent_record(last) {
                Some(p) => chain.push(p),
                None => break,
            }
        }
        // access(U, chain[i+1]) lent to chain[i]
        let mut above: Option<u8> = None;
        for i in (0..chain.len()).rev() {
            let r = chain[i];
            let (own, follows) = self.own_level_v2(user, r);
            let mut l = own;
            if follows {
                if let Some(a) = above {
                    l = max(l, a);
                }
            }
            l = self.caps_v2(user, r, l);
            if i == 0 {
                return l;
            }
            // decide(U, "view", r).access: capped by the profile of r's module
            let p = self.perms(user, text(r, "module").unwrap_or(""));
            above = Some(min(l, Self::profile_cap(p)));
        }
        NONE
    }

    // ------------------------------------------------------------ creating (§3.7)

    /// §3.7 (v2) for an active non-admin user; `limited_only` checks only the
    /// limited conditions (for §3.9).
    fn limited_create_conditions(&self, user: &Value, x: &Value) -> bool {
        let uid = text(user, "id").unwrap_or("");
        let xm = text(x, "module").unwrap_or("");
        if flag(user, "limitedCrm", false) && self.in_limited_module(x) && !self.managed_v2(user, x, Some(uid)) {
            return false;
        }
        if flag(user, "limitedDeals", false) && self.is_deal_or_deal_child(x) {
            let deal = self.deal_module().unwrap_or("");
            if xm == deal {
                if let Some(o) = text(x, "owner") {
                    if o != uid {
                        return false;
                    }
                }
            } else if !self.owns_the_deal(uid, x) {
                return false;
            }
        }
        true
    }

    fn external_workspace_condition(&self, user: &Value, x: &Value) -> bool {
        let ws = texts(x, "workspaces");
        if ws.is_empty() {
            return false;
        }
        for wid in ws {
            match self.workspace(wid) {
                Some(w) => {
                    if !self.takes_part_v2(user, w) || self.participation_read_only_v2(user, w) {
                        return false;
                    }
                }
                None => return false,
            }
        }
        true
    }

    /// The record named by `key` (`parent` or `company`), when named, is stored and U may view it.
    fn named_record_viewable(&self, user: &Value, x: &Value, key: &str) -> bool {
        match text(x, key) {
            None => true,
            Some(id) => match self.stored(id) {
                Some(r) => self.decide(text(user, "id").unwrap_or(""), "view", r).allowed,
                None => false,
            },
        }
    }

    pub(super) fn may_create_v2(&self, user: &Value, x: &Value) -> bool {
        let xm = text(x, "module").unwrap_or("");
        let p = self.perms(user, xm);
        if !Self::action_open(p, "create") || flag(user, "readOnly", false) || !self.type_passes(user, x) {
            return false;
        }
        if flag(user, "external", false) && !self.external_workspace_condition(user, x) {
            return false;
        }
        if !self.limited_create_conditions(user, x) {
            return false;
        }
        self.named_record_viewable(user, x, "parent") && self.named_record_viewable(user, x, "company")
    }

    // ------------------------------------------------------------ v2-only queries

    /// recordFieldAccess(U, X) (§4, v2).
    pub fn record_field_access(&self, uid: &str, x: &Value) -> Vec<(String, &'static str)> {
        let xm = text(x, "module").unwrap_or("");
        let view = self.decide(uid, "view", x).allowed;
        let edit = self.decide(uid, "edit", x).allowed;
        self.field_access(uid, xm)
            .into_iter()
            .map(|(f, l)| {
                let l = if !view {
                    "hidden"
                } else if !edit && l == "editable" {
                    "readOnly"
                } else {
                    l
                };
                (f, l)
            })
            .collect()
    }

    /// canShare(U, X) (§5, v2).
    pub fn can_share(&self, uid: &str, x: &Value) -> bool {
        let user = self.user(uid).expect("reference: unknown user");
        if !flag(user, "active", true) || flag(user, "readOnly", false) || flag(user, "external", false) {
            return false;
        }
        flag(user, "admin", false) || self.decide(uid, "edit", x).access == FULL
    }

    /// workspacesOf(U) (§5, v2), sorted by code point.
    pub fn workspaces_of(&self, uid: &str) -> Vec<String> {
        let user = self.user(uid).expect("reference: unknown user");
        if !flag(user, "active", true) {
            return Vec::new();
        }
        let admin = flag(user, "admin", false);
        let mut out: Vec<String> = Vec::new();
        for w in self.section("workspaces") {
            let wid = text(w, "id").unwrap_or("");
            let mut open = admin || self.takes_part_v2(user, w);
            if !open {
                for r in &self.store {
                    if contains(&texts(r, "workspaces"), wid) && self.decide(uid, "view", r).allowed {
                        open = true;
                        break;
                    }
                }
            }
            if open && !out.iter().any(|o| o == wid) {
                out.push(wid.to_string());
            }
        }
        out.sort();
        out
    }

    /// decideUpdate(U, before, after).allowed (§3.9, v2). `after` must have the
    /// same `id` and `module` as `before` (the engine reports an error otherwise;
    /// the reference does not check it).
    pub fn decide_update(&self, uid: &str, before: &Value, after: &Value) -> bool {
        let user = self.user(uid).expect("reference: unknown user");
        if !flag(user, "active", true) {
            return false;
        }
        let shares_changed = !same_set(before, after, "sharedWith");
        if flag(user, "admin", false) {
            return !shares_changed || self.can_share(uid, before);
        }
        let edit = self.decide(uid, "edit", before);
        if !edit.allowed {
            return false;
        }
        // fields
        let xm = text(before, "module").unwrap_or("");
        let module = self.module(xm).expect("reference: unknown module");
        if let Some(Value::Array(_)) = module.get("fields") {
            let rfa = self.record_field_access(uid, before);
            let empty = Map::new();
            let bf = before.get("fields").and_then(|f| f.as_object()).unwrap_or(&empty);
            let af = after.get("fields").and_then(|f| f.as_object()).unwrap_or(&empty);
            let mut keys: Vec<&String> = bf.keys().collect();
            keys.extend(af.keys());
            for k in keys {
                let same = match (bf.get(k), af.get(k)) {
                    (Some(x), Some(y)) => json_same(x, y),
                    (None, None) => true,
                    _ => false, // added or removed (a key set to null differs from an absent key)
                };
                if !same {
                    let editable = rfa.iter().any(|(f, l)| f == k && *l == "editable");
                    if !editable {
                        return false;
                    }
                }
            }
        }
        let changed = |key: &str| scalar(before, key) != scalar(after, key);
        if (changed("owner") || changed("createdBy") || !same_set(before, after, "accountManagers") || !same_set(before, after, "auditors"))
            && edit.access != FULL
        {
            return false;
        }
        let parent_changed = changed("parent");
        let company_changed = changed("company");
        let workspaces_changed = !same_set(before, after, "workspaces");
        let type_changed = changed("type");
        if parent_changed && !self.named_record_viewable(user, after, "parent") {
            return false;
        }
        if company_changed && !self.named_record_viewable(user, after, "company") {
            return false;
        }
        if workspaces_changed && flag(user, "external", false) && !self.external_workspace_condition(user, after) {
            return false;
        }
        if type_changed && !self.type_passes(user, after) {
            return false;
        }
        if (parent_changed || company_changed || workspaces_changed || type_changed) && !self.limited_create_conditions(user, after) {
            return false;
        }
        if shares_changed && !self.can_share(uid, before) {
            return false;
        }
        true
    }
}

// ---------------------------------------------------------------- validation (§6, v2 keys)

/// The problems (JSON paths) a v2 model has in the keys that v2 added:
/// `hierarchy`, `controlledByParent`, workspace `auditors`,
/// `limitedAccess.contactModule`, record `sharedWith`. The rest of the model is
/// assumed valid (v1 validation is the engine's, tested elsewhere).
pub fn v2_key_problems(model: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let is_bool_or_absent = |v: &Value, k: &str| matches!(v.get(k), None | Some(Value::Bool(_)));
    let modules = list(model, "modules");
    let module_names: Vec<&str> = modules.iter().filter_map(|m| text(m, "name")).collect();
    for (i, m) in modules.iter().enumerate() {
        if !is_bool_or_absent(m, "hierarchy") {
            out.push(format!("modules[{i}].hierarchy"));
        }
        // not a boolean, or true on a module without parent
        if !is_bool_or_absent(m, "controlledByParent") || (flag(m, "controlledByParent", false) && text(m, "parent").is_none()) {
            out.push(format!("modules[{i}].controlledByParent"));
        }
    }
    let users = list(model, "users");
    let user_ids: Vec<&str> = users.iter().filter_map(|u| text(u, "id")).collect();
    let group_ids: Vec<&str> = list(model, "groups").iter().filter_map(|g| text(g, "id")).collect();
    let role_ids: Vec<&str> = list(model, "roles").iter().filter_map(|r| text(r, "id")).collect();
    for (i, w) in list(model, "workspaces").iter().enumerate() {
        match w.get("auditors") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (j, a) in items.iter().enumerate() {
                    if !a.as_str().map(|s| contains(&user_ids, s)).unwrap_or(false) {
                        out.push(format!("workspaces[{i}].auditors[{j}]"));
                    }
                }
            }
            Some(_) => out.push(format!("workspaces[{i}].auditors")),
        }
    }
    if let Some(la) = model.get("limitedAccess").filter(|v| !v.is_null()) {
        match la.get("contactModule") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if contains(&module_names, s) => {}
            Some(_) => out.push("limitedAccess.contactModule".into()),
        }
    }
    for (i, r) in list(model, "records").iter().enumerate() {
        match r.get("sharedWith") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (j, s) in items.iter().enumerate() {
                    let path = format!("records[{i}].sharedWith[{j}]");
                    let Some(obj) = s.as_object() else {
                        out.push(path);
                        continue;
                    };
                    let kinds = ["user", "group", "role", "roleAndSubordinates"];
                    let principals: Vec<&String> = obj.keys().filter(|k| kinds.contains(&k.as_str())).collect();
                    let unknown = obj.keys().any(|k| !kinds.contains(&k.as_str()) && k != "access");
                    let access_ok = matches!(obj.get("access").and_then(|a| a.as_str()), Some("read" | "readWrite"));
                    let target_ok = principals.len() == 1 && {
                        let k = principals[0].as_str();
                        match obj.get(k).and_then(|v| v.as_str()) {
                            Some(id) => match k {
                                "user" => users.iter().any(|u| text(u, "id") == Some(id) && !flag(u, "external", false)),
                                "group" => contains(&group_ids, id),
                                _ => contains(&role_ids, id),
                            },
                            None => false,
                        }
                    };
                    if unknown || !access_ok || !target_ok {
                        out.push(path);
                    }
                }
            }
            Some(_) => out.push(format!("records[{i}].sharedWith")),
        }
    }
    out
}

impl Reference {
    /// P(X) for tests.
    pub fn parent_record_of<'a>(&'a self, x: &'a Value) -> Option<&'a Value> {
        self.parent_record(x)
    }

    /// C(X) for tests (limited CRM access).
    pub fn company_of<'a>(&'a self, x: &'a Value) -> Option<&'a Value> {
        self.company_record(x)
    }
}
