//! A deliberately naive reference evaluator of SPEC.md, contract v1 by default
//! (`Reference::new`) and contract v2 on request (`Reference::with_version(model, 2)`;
//! the v2-only code is in `v2.rs`, and every switch to it here is marked `// v2:`).
//!
//! It shares no code with the engine in `src/`: the model is read as plain
//! `serde_json::Value`, every question is answered by walking the JSON with
//! plain loops (no indexes, no caches, no precomputed closures), in the order
//! and with the words of the specification. It is slow on purpose and only
//! meant for small random models in tests.
//!
//! It assumes the model and every record given to it are VALID (the engine's
//! validation is tested separately); it never reports errors.
//!
//! Where SPEC.md is silent the reference follows the choices agreed for v1:
//! - `create`: SPEC §3.7, plus for a `limitedDeals` user: creating a record of
//!   the deal module needs the user to be its owner (an absent owner counts as
//!   the user), creating a record of a child module of the deal module needs
//!   the user to own the stored parent deal;
//! - §3.3 (`recordSecurity: false` → full for internal users) comes before
//!   §3.4 (limited access);
//! - a rule whose `from` is `{role}`/`{roleAndSubordinates}` never matches an
//!   owner that is a group (SPEC §2).
#![allow(dead_code)]

pub mod gen;
pub mod v2;

use serde_json::{Map, Value};

/// Access levels, `none < read < write < full`.
pub const NONE: u8 = 0;
pub const READ: u8 = 1;
pub const WRITE: u8 = 2;
pub const FULL: u8 = 3;

pub fn level_name(l: u8) -> &'static str {
    match l {
        NONE => "none",
        READ => "read",
        WRITE => "write",
        _ => "full",
    }
}

/// What the reference says about one (user, action, record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefDecision {
    pub allowed: bool,
    /// `none`/`read`/`write`/`full` as 0..=3.
    pub access: u8,
    pub read_only: bool,
}

pub struct Reference {
    pub model: Value,
    /// The contract version whose semantics apply: 1 (default) or 2.
    pub version: u32,
    /// The stored records, in the order they were put.
    pub store: Vec<Value>,
    /// Module name → position in `model.modules` (the only index: a 1,000-deep
    /// module tree walked for every record of a 1,000-long chain must not take
    /// minutes; it changes no answer).
    module_at: std::collections::HashMap<String, usize>,
}

// ---------------------------------------------------------------- JSON helpers

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(|x| x.as_str())
}

fn flag(v: &Value, key: &str, default: bool) -> bool {
    match v.get(key) {
        Some(Value::Bool(b)) => *b,
        _ => default,
    }
}

fn list<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    match v.get(key) {
        Some(Value::Array(items)) => items.iter().collect(),
        _ => Vec::new(),
    }
}

fn texts<'a>(v: &'a Value, key: &str) -> Vec<&'a str> {
    list(v, key).into_iter().filter_map(|x| x.as_str()).collect()
}

fn contains(haystack: &[&str], needle: &str) -> bool {
    for h in haystack {
        if *h == needle {
            return true;
        }
    }
    false
}

fn max(a: u8, b: u8) -> u8 {
    if a > b {
        a
    } else {
        b
    }
}

fn min(a: u8, b: u8) -> u8 {
    if a < b {
        a
    } else {
        b
    }
}

/// Combined module permissions of a user.
#[derive(Debug, Clone, Copy, Default)]
struct Perms {
    view: bool,
    create: bool,
    edit: bool,
    delete: bool,
}

impl Reference {
    /// `model` must be a valid model; its `records` become the store.
    pub fn new(model: &Value) -> Reference {
        Reference::with_version(model, 1)
    }

    /// The reference for contract `version` (1 or 2); `model` must be valid for it.
    pub fn with_version(model: &Value, version: u32) -> Reference {
        let mut module_at = std::collections::HashMap::new();
        for (i, m) in list(model, "modules").into_iter().enumerate() {
            if let Some(name) = text(m, "name") {
                module_at.entry(name.to_string()).or_insert(i);
            }
        }
        let mut r = Reference { model: model.clone(), version, store: Vec::new(), module_at };
        let records: Vec<Value> = list(model, "records").into_iter().cloned().collect();
        r.put_records(&records);
        r
    }

    /// Stores records; a record whose id is stored replaces it.
    pub fn put_records(&mut self, records: &[Value]) {
        for rec in records {
            let id = text(rec, "id").unwrap_or("").to_string();
            let mut replaced = false;
            for slot in &mut self.store {
                if text(slot, "id") == Some(id.as_str()) {
                    *slot = rec.clone();
                    replaced = true;
                }
            }
            if !replaced {
                self.store.push(rec.clone());
            }
        }
    }

    pub fn remove_records(&mut self, ids: &[&str]) {
        self.store.retain(|r| {
            let id = text(r, "id").unwrap_or("");
            !contains(ids, id)
        });
    }

    // ------------------------------------------------------------- lookups

    fn section(&self, key: &str) -> Vec<&Value> {
        list(&self.model, key)
    }

    pub fn user(&self, id: &str) -> Option<&Value> {
        self.section("users").into_iter().find(|&u| text(u, "id") == Some(id)).map(|v| v as _)
    }

    fn group(&self, id: &str) -> Option<&Value> {
        self.section("groups").into_iter().find(|&g| text(g, "id") == Some(id)).map(|v| v as _)
    }

    fn role(&self, id: &str) -> Option<&Value> {
        self.section("roles").into_iter().find(|&r| text(r, "id") == Some(id)).map(|v| v as _)
    }

    fn profile(&self, id: &str) -> Option<&Value> {
        self.section("profiles").into_iter().find(|&p| text(p, "id") == Some(id)).map(|v| v as _)
    }

    fn module(&self, name: &str) -> Option<&Value> {
        self.module_at.get(name).and_then(|&i| self.model.get("modules")?.get(i))
    }

    fn workspace(&self, id: &str) -> Option<&Value> {
        self.section("workspaces").into_iter().find(|&w| text(w, "id") == Some(id)).map(|v| v as _)
    }

    fn stored(&self, id: &str) -> Option<&Value> {
        self.store.iter().find(|&r| text(r, "id") == Some(id)).map(|v| v as _)
    }

    fn limited_access(&self) -> Option<&Value> {
        match self.model.get("limitedAccess") {
            Some(Value::Null) | None => None,
            Some(v) => Some(v),
        }
    }

    fn role_of<'a>(&'a self, user: &'a Value) -> Option<&'a str> {
        text(user, "role")
    }

    // ------------------------------------------------------- derived sets (§2)

    /// Is role `x` strictly below role `r` (x ∈ Sub(r))?
    fn role_below(&self, x: &str, r: &str) -> bool {
        let mut current = self.role(x).and_then(|role| text(role, "parent"));
        let mut steps = 0usize;
        while let Some(p) = current {
            if p == r {
                return true;
            }
            steps += 1;
            if steps > 1_000_000 {
                return false; // cannot happen in a valid model (no cycles)
            }
            current = self.role(p).and_then(|role| text(role, "parent"));
        }
        false
    }

    /// x ∈ RS(r) = {r} ∪ Sub(r)
    fn role_in_rs(&self, x: &str, r: &str) -> bool {
        x == r || self.role_below(x, r)
    }

    /// groups(U), by repeating until nothing changes.
    fn groups_of_user(&self, user: &Value) -> Vec<String> {
        let uid = text(user, "id").unwrap_or("");
        let urole = self.role_of(user);
        let mut found: Vec<String> = Vec::new();
        loop {
            let mut changed = false;
            for g in self.section("groups") {
                let gid = text(g, "id").unwrap_or("");
                if found.iter().any(|f| f == gid) {
                    continue;
                }
                let mut hit = false;
                for m in list(g, "members") {
                    if let Some(u) = text(m, "user") {
                        if u == uid {
                            hit = true;
                        }
                    }
                    if let Some(r) = text(m, "role") {
                        if urole == Some(r) {
                            hit = true;
                        }
                    }
                    if let Some(a) = text(m, "roleAndSubordinates") {
                        if let Some(ur) = urole {
                            if self.role_in_rs(ur, a) {
                                hit = true;
                            }
                        }
                    }
                    if let Some(h) = text(m, "group") {
                        if found.iter().any(|f| f == h) {
                            hit = true;
                        }
                    }
                }
                if hit {
                    found.push(gid.to_string());
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        found
    }

    /// Is group `o` nested (at any depth) inside group `g`?
    fn group_nested_in(&self, o: &str, g: &str) -> bool {
        // containers: every group that contains `o`, directly or not.
        let mut containers: Vec<String> = Vec::new();
        loop {
            let mut changed = false;
            for grp in self.section("groups") {
                let gid = text(grp, "id").unwrap_or("");
                if containers.iter().any(|c| c == gid) {
                    continue;
                }
                for m in list(grp, "members") {
                    if let Some(h) = text(m, "group") {
                        if h == o || containers.iter().any(|c| c == h) {
                            containers.push(gid.to_string());
                            changed = true;
                            break;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        containers.iter().any(|c| c == g)
    }

    /// Does a rule's `from` principal match owner `owner` (a user id or a group id)?
    #[allow(clippy::wrong_self_convention)] // "from" is the rule's `from` key, not a conversion
    fn from_matches_owner(&self, principal: &Value, owner: &str) -> bool {
        if let Some(u) = self.user(owner) {
            let orole = self.role_of(u);
            if let Some(r) = text(principal, "role") {
                return orole == Some(r);
            }
            if let Some(r) = text(principal, "roleAndSubordinates") {
                return match orole {
                    Some(or) => self.role_in_rs(or, r),
                    None => false,
                };
            }
            if let Some(g) = text(principal, "group") {
                return self.groups_of_user(u).iter().any(|x| x == g);
            }
            return false;
        }
        if self.group(owner).is_some() {
            if let Some(g) = text(principal, "group") {
                return owner == g || self.group_nested_in(owner, g);
            }
            return false; // a role principal never matches a group
        }
        false
    }

    /// Does a rule's `to` principal match user `user`?
    fn to_matches_user(&self, principal: &Value, user: &Value) -> bool {
        let urole = self.role_of(user);
        if let Some(r) = text(principal, "role") {
            return urole == Some(r);
        }
        if let Some(r) = text(principal, "roleAndSubordinates") {
            return match urole {
                Some(ur) => self.role_in_rs(ur, r),
                None => false,
            };
        }
        if let Some(g) = text(principal, "group") {
            return self.groups_of_user(user).iter().any(|x| x == g);
        }
        false
    }

    /// profiles(U): the role's profiles, then the user's own.
    fn profiles_of(&self, user: &Value) -> Vec<&Value> {
        let mut out = Vec::new();
        if let Some(rid) = self.role_of(user) {
            if let Some(role) = self.role(rid) {
                for pid in texts(role, "profiles") {
                    if let Some(p) = self.profile(pid) {
                        out.push(p);
                    }
                }
            }
        }
        for pid in texts(user, "profiles") {
            if let Some(p) = self.profile(pid) {
                out.push(p);
            }
        }
        out
    }

    fn perms(&self, user: &Value, module: &str) -> Perms {
        let mut p = Perms::default();
        for prof in self.profiles_of(user) {
            if let Some(m) = prof.get("modules").and_then(|ms| ms.get(module)) {
                p.view |= flag(m, "view", false);
                p.create |= flag(m, "create", false);
                p.edit |= flag(m, "edit", false);
                p.delete |= flag(m, "delete", false);
            }
        }
        p
    }

    fn view_all(&self, user: &Value) -> bool {
        self.profiles_of(user).iter().any(|p| flag(p, "viewAll", false))
    }

    fn edit_all(&self, user: &Value) -> bool {
        self.profiles_of(user).iter().any(|p| flag(p, "editAll", false))
    }

    // ------------------------------------------------------------ workspaces

    fn is_member_entry(&self, w: &Value, uid: &str) -> Option<bool> {
        // Some(read_only) when the user has a member entry.
        let mut result = None;
        for m in list(w, "members") {
            if text(m, "user") == Some(uid) {
                let ro = flag(m, "readOnly", false);
                result = Some(match result {
                    None => ro,
                    Some(prev) => prev && ro,
                });
            }
        }
        result
    }

    fn is_owner_or_moderator(&self, w: &Value, uid: &str) -> bool {
        text(w, "owner") == Some(uid) || contains(&texts(w, "moderators"), uid)
    }

    fn is_counterparty_contact(&self, w: &Value, user: &Value) -> bool {
        if !flag(user, "external", false) {
            return false;
        }
        match (text(user, "company"), text(w, "counterparty")) {
            (Some(c), Some(cp)) => c == cp,
            _ => false,
        }
    }

    /// U takes part in W.
    pub fn takes_part(&self, user: &Value, w: &Value) -> bool {
        let uid = text(user, "id").unwrap_or("");
        self.is_owner_or_moderator(w, uid) || self.is_member_entry(w, uid).is_some() || self.is_counterparty_contact(w, user)
    }

    /// Participation is read-only when it comes only from a read-only member entry.
    fn participation_read_only(&self, user: &Value, w: &Value) -> bool {
        let uid = text(user, "id").unwrap_or("");
        if self.is_owner_or_moderator(w, uid) || self.is_counterparty_contact(w, user) {
            return false;
        }
        self.is_member_entry(w, uid) == Some(true)
    }

    // -------------------------------------------------------- record level

    fn managed(&self, user: &Value, x: &Value, created_by_default: Option<&str>) -> bool {
        let uid = text(user, "id").unwrap_or("");
        let Some(la) = self.limited_access() else {
            return false;
        };
        let company_module = text(la, "companyModule").unwrap_or("");
        if text(x, "module") == Some(company_module) && contains(&texts(x, "accountManagers"), uid) {
            return true;
        }
        match text(x, "company") {
            Some(cid) => {
                if let Some(c) = self.stored(cid) {
                    if text(c, "module") == Some(company_module) && contains(&texts(c, "accountManagers"), uid) {
                        return true;
                    }
                }
                false
            }
            None => {
                let created_by = text(x, "createdBy").or(created_by_default);
                created_by == Some(uid)
            }
        }
    }

    fn deal_module(&self) -> Option<&str> {
        self.limited_access().and_then(|la| text(la, "dealModule"))
    }

    fn is_deal_or_deal_child(&self, x: &Value) -> bool {
        let Some(deal) = self.deal_module() else {
            return false;
        };
        let xm = text(x, "module").unwrap_or("");
        if xm == deal {
            return true;
        }
        match self.module(xm).and_then(|m| text(m, "parent")) {
            Some(p) => p == deal,
            None => false,
        }
    }

    fn owns_the_deal(&self, uid: &str, x: &Value) -> bool {
        let deal = self.deal_module().unwrap_or("");
        if text(x, "module") == Some(deal) {
            return text(x, "owner") == Some(uid);
        }
        // the stored parent must be a deal (fail closed on a record of another module)
        match text(x, "parent").and_then(|p| self.stored(p)) {
            Some(parent) => text(parent, "module") == Some(deal) && text(parent, "owner") == Some(uid),
            None => false,
        }
    }

    fn external_level(&self, user: &Value, x: &Value) -> u8 {
        let uid = text(user, "id").unwrap_or("");
        let mut l = NONE;
        if text(x, "owner") == Some(uid) {
            l = FULL;
        }
        for wid in texts(x, "workspaces") {
            let Some(w) = self.workspace(wid) else {
                continue;
            };
            if !self.takes_part(user, w) {
                continue;
            }
            let ro = self.participation_read_only(user, w);
            let here = if self.is_owner_or_moderator(w, uid) {
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

    fn internal_grants(&self, user: &Value, x: &Value) -> u8 {
        let uid = text(user, "id").unwrap_or("");
        let urole = self.role_of(user);
        let xm = text(x, "module").unwrap_or("");
        let module = self.module(xm);
        let owner = text(x, "owner");
        let mut l = NONE;

        // U owns X
        if owner == Some(uid) {
            l = max(l, FULL);
        }
        if let Some(o) = owner {
            // hierarchy: owner is a user whose role is strictly below U's role
            if let Some(ou) = self.user(o) {
                if let (Some(orole), Some(ur)) = (self.role_of(ou), urole) {
                    if self.role_below(orole, ur) {
                        l = max(l, FULL);
                    }
                }
            }
            // group ownership
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
                if self.is_owner_or_moderator(w, uid) {
                    l = max(l, FULL);
                } else if let Some(ro) = self.is_member_entry(w, uid) {
                    l = max(l, if ro { READ } else { WRITE });
                }
            }
        }
        if let Some(m) = module {
            let d = match text(m, "defaultSharing").unwrap_or("private") {
                "publicRead" => READ,
                "publicReadWrite" => WRITE,
                "publicReadWriteDelete" => FULL,
                _ => NONE,
            };
            l = max(l, d);
        }
        for rule in self.section("sharingRules") {
            if text(rule, "module") != Some(xm) {
                continue;
            }
            let Some(o) = owner else {
                continue;
            };
            let from = rule.get("from").unwrap_or(&Value::Null);
            let to = rule.get("to").unwrap_or(&Value::Null);
            if self.from_matches_owner(from, o) && self.to_matches_user(to, user) {
                let a = if text(rule, "access") == Some("readWrite") { WRITE } else { READ };
                l = max(l, a);
            }
        }
        // related sharing, one level down
        if let Some(parent_module) = module.and_then(|m| text(m, "parent")) {
            // the stored parent must be a record of the parent module (fail closed otherwise)
            let parent = text(x, "parent").and_then(|p| self.stored(p));
            if let Some(parent) = parent.filter(|p| text(p, "module") == Some(parent_module)) {
                if let Some(po) = text(parent, "owner") {
                    for rule in self.section("sharingRules") {
                        if text(rule, "module") != Some(parent_module) {
                            continue;
                        }
                        let Some(rel) = rule.get("related").and_then(|r| r.get(xm)).and_then(|a| a.as_str()) else {
                            continue;
                        };
                        let from = rule.get("from").unwrap_or(&Value::Null);
                        let to = rule.get("to").unwrap_or(&Value::Null);
                        if self.from_matches_owner(from, po) && self.to_matches_user(to, user) {
                            l = max(l, if rel == "readWrite" { WRITE } else { READ });
                        }
                    }
                }
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

    /// The record level L of §3.2–3.6 (before the profile cap), for an active non-admin user.
    pub fn record_level(&self, user: &Value, x: &Value) -> u8 {
        let xm = text(x, "module").unwrap_or("");
        let mut l;
        if flag(user, "external", false) {
            l = self.external_level(user, x);
        } else if self.module(xm).map(|m| !flag(m, "recordSecurity", true)).unwrap_or(false) {
            l = FULL;
        } else if flag(user, "limitedCrm", false) && self.limited_access().map(|la| contains(&texts(la, "modules"), xm)).unwrap_or(false) {
            l = if self.managed(user, x, None) { FULL } else { NONE };
        } else if flag(user, "limitedDeals", false) && self.is_deal_or_deal_child(x) {
            let uid = text(user, "id").unwrap_or("");
            l = if self.owns_the_deal(uid, x) { FULL } else { NONE };
        } else {
            l = self.internal_grants(user, x);
        }
        // caps (§3.6)
        if flag(user, "readOnly", false) {
            l = min(l, READ);
        }
        if !self.type_passes(user, x) {
            l = NONE;
        }
        l
    }

    fn type_passes(&self, user: &Value, x: &Value) -> bool {
        match user.get("recordTypes") {
            Some(Value::Array(types)) => match text(x, "type") {
                Some(t) => types.iter().any(|v| v.as_str() == Some(t)),
                None => true,
            },
            _ => true,
        }
    }

    /// `access` is L capped by the profile: read (view), write (view+edit), full (view+edit+delete).
    fn profile_cap(p: Perms) -> u8 {
        if !p.view {
            NONE
        } else if !p.edit {
            READ
        } else if !p.delete {
            WRITE
        } else {
            FULL
        }
    }

    fn need(action: &str) -> u8 {
        match action {
            "view" => READ,
            "edit" => WRITE,
            "delete" => FULL,
            _ => NONE,
        }
    }

    fn action_open(p: Perms, action: &str) -> bool {
        p.view
            && match action {
                "view" => true,
                "edit" => p.edit,
                "delete" => p.delete,
                "create" => p.create,
                _ => false,
            }
    }

    // ------------------------------------------------------------ decide (§3)

    /// decide(U, action, X) for view/edit/delete (and create: only `allowed` counts).
    pub fn decide(&self, uid: &str, action: &str, x: &Value) -> RefDecision {
        let user = self.user(uid).expect("reference: unknown user");
        if !flag(user, "active", true) {
            return RefDecision { allowed: false, access: NONE, read_only: false };
        }
        if flag(user, "admin", false) {
            return RefDecision { allowed: true, access: FULL, read_only: false };
        }
        if action == "create" {
            // v2: §3.7 adds view access to the named parent and company, and the v2 "managed"
            let allowed = if self.version >= 2 { self.may_create_v2(user, x) } else { self.may_create(user, x) };
            return RefDecision { allowed, access: NONE, read_only: false };
        }
        let xm = text(x, "module").unwrap_or("");
        let p = self.perms(user, xm);
        // v2: §3.2–3.6 and 3.8 (records controlled by their parent)
        let l = if self.version >= 2 { self.record_level_v2(user, x) } else { self.record_level(user, x) };
        let cap = Self::profile_cap(p);
        let allowed_for = |a: &str| Self::action_open(p, a) && l >= Self::need(a);
        RefDecision { allowed: allowed_for(action), access: min(l, cap), read_only: allowed_for("view") && !allowed_for("edit") }
    }

    /// §3.7, for an active non-admin user.
    fn may_create(&self, user: &Value, x: &Value) -> bool {
        let uid = text(user, "id").unwrap_or("");
        let xm = text(x, "module").unwrap_or("");
        let p = self.perms(user, xm);
        if !Self::action_open(p, "create") {
            return false;
        }
        if flag(user, "readOnly", false) {
            return false;
        }
        if !self.type_passes(user, x) {
            return false;
        }
        if flag(user, "external", false) {
            let ws = texts(x, "workspaces");
            if ws.is_empty() {
                return false;
            }
            for wid in ws {
                match self.workspace(wid) {
                    Some(w) => {
                        if !self.takes_part(user, w) || self.participation_read_only(user, w) {
                            return false;
                        }
                    }
                    None => return false,
                }
            }
        }
        if flag(user, "limitedCrm", false)
            && self.limited_access().map(|la| contains(&texts(la, "modules"), xm)).unwrap_or(false)
            && !self.managed(user, x, Some(uid))
        {
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

    // ------------------------------------------------------------- fields (§4)

    /// fieldAccess(U, module): (field, "hidden"|"readOnly"|"editable") in declared order.
    pub fn field_access(&self, uid: &str, module: &str) -> Vec<(String, &'static str)> {
        let user = self.user(uid).expect("reference: unknown user");
        let m = self.module(module).expect("reference: unknown module");
        let fields = texts(m, "fields");
        let mut out = Vec::new();
        let active = flag(user, "active", true);
        let admin = flag(user, "admin", false);
        // v2: `editable` needs the combined profile's `edit` on the module
        let no_edit = self.version >= 2 && !self.perms(user, module).edit;
        let opening: Vec<&Value> =
            self.profiles_of(user).into_iter().filter_map(|p| p.get("modules").and_then(|ms| ms.get(module))).filter(|mp| flag(mp, "view", false)).collect();
        for f in fields {
            let level: u8 = if !active {
                0
            } else if admin {
                2
            } else if opening.is_empty() {
                0
            } else {
                let mut best = 0u8;
                for mp in &opening {
                    let here = match mp.get("fields").and_then(|fs| fs.get(f)).and_then(|l| l.as_str()) {
                        Some("hidden") => 0,
                        Some("readOnly") => 1,
                        _ => 2, // editable, or not listed
                    };
                    best = max(best, here);
                }
                if (flag(user, "readOnly", false) || no_edit) && best == 2 {
                    1
                } else {
                    best
                }
            };
            out.push((
                f.to_string(),
                match level {
                    0 => "hidden",
                    1 => "readOnly",
                    _ => "editable",
                },
            ));
        }
        out
    }

    /// The `fields` of mask(U, X).
    pub fn mask_fields(&self, uid: &str, x: &Value) -> Map<String, Value> {
        let mut out = Map::new();
        if !self.decide(uid, "view", x).allowed {
            return out;
        }
        let xm = text(x, "module").unwrap_or("");
        let m = self.module(xm).expect("reference: unknown module");
        let given = match x.get("fields") {
            Some(Value::Object(f)) => f.clone(),
            _ => Map::new(),
        };
        match m.get("fields") {
            Some(Value::Array(_)) => {
                let access = self.field_access(uid, xm);
                for (k, v) in given {
                    let visible = access.iter().any(|(f, l)| *f == k && *l != "hidden");
                    if visible {
                        out.insert(k, v);
                    }
                }
            }
            _ => out = given,
        }
        out
    }

    // ------------------------------------------------- people and workspaces (§5)

    fn share_a_workspace(&self, a: &Value, b: &Value) -> bool {
        for w in self.section("workspaces") {
            // v2: workspace auditors take part too
            let both = if self.version >= 2 { self.takes_part_v2(a, w) && self.takes_part_v2(b, w) } else { self.takes_part(a, w) && self.takes_part(b, w) };
            if both {
                return true;
            }
        }
        false
    }

    pub fn visible_users(&self, uid: &str) -> Vec<String> {
        let user = self.user(uid).expect("reference: unknown user");
        if !flag(user, "active", true) {
            return Vec::new();
        }
        let admin = flag(user, "admin", false);
        let external = flag(user, "external", false);
        let mut out: Vec<String> = Vec::new();
        for v in self.section("users") {
            let vid = text(v, "id").unwrap_or("");
            if !flag(v, "active", true) {
                continue;
            }
            let sees = if vid == uid || admin {
                true
            } else if !external {
                !flag(v, "external", false) || self.share_a_workspace(user, v)
            } else {
                self.share_a_workspace(user, v)
            };
            if sees {
                out.push(vid.to_string());
            }
        }
        out.sort(); // byte order of UTF-8 = code point order
        out
    }

    pub fn can_invite(&self, uid: &str, wid: &str) -> bool {
        let user = self.user(uid).expect("reference: unknown user");
        let w = self.workspace(wid).expect("reference: unknown workspace");
        if !flag(user, "active", true) || flag(user, "readOnly", false) {
            return false;
        }
        if flag(user, "admin", false) {
            return true;
        }
        let owner = text(w, "owner") == Some(uid);
        let moderator = contains(&texts(w, "moderators"), uid);
        match text(w, "invitePolicy").unwrap_or("ownerAndModerators") {
            "owner" => owner,
            "members" => owner || moderator || self.is_member_entry(w, uid) == Some(false),
            _ => owner || moderator,
        }
    }

    pub fn can_create_workspace(&self, uid: &str) -> bool {
        let user = self.user(uid).expect("reference: unknown user");
        flag(user, "active", true) && !flag(user, "readOnly", false) && !flag(user, "external", false)
    }

    pub fn can_grant_access(&self, uid: &str) -> bool {
        let user = self.user(uid).expect("reference: unknown user");
        flag(user, "active", true)
            && !flag(user, "readOnly", false)
            && !flag(user, "external", false)
            && (flag(user, "admin", false) || flag(user, "canGrantAccess", false))
    }

    // ------------------------------------------------------------ conveniences

    pub fn user_ids(&self) -> Vec<String> {
        self.section("users").iter().filter_map(|u| text(u, "id")).map(String::from).collect()
    }

    pub fn module_names(&self) -> Vec<String> {
        self.section("modules").iter().filter_map(|m| text(m, "name")).map(String::from).collect()
    }

    pub fn workspace_ids(&self) -> Vec<String> {
        self.section("workspaces").iter().filter_map(|w| text(w, "id")).map(String::from).collect()
    }

    pub fn stored_ids(&self) -> Vec<String> {
        self.store.iter().filter_map(|r| text(r, "id")).map(String::from).collect()
    }

    pub fn stored_record(&self, id: &str) -> Option<&Value> {
        self.stored(id)
    }

    pub fn user_json(&self, id: &str) -> Option<&Value> {
        self.user(id)
    }

    pub fn takes_part_in(&self, uid: &str, wid: &str) -> bool {
        match (self.user(uid), self.workspace(wid)) {
            (Some(u), Some(w)) if self.version >= 2 => self.takes_part_v2(u, w), // v2
            (Some(u), Some(w)) => self.takes_part(u, w),
            _ => false,
        }
    }

    pub fn manages(&self, uid: &str, x: &Value) -> bool {
        match self.user(uid) {
            Some(u) if self.version >= 2 => self.managed_v2(u, x, None), // v2
            Some(u) => self.managed(u, x, None),
            None => false,
        }
    }
}
