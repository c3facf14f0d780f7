//! `sliceFor` (issue 13): one user's slice of the model, checked on random
//! models (the generator of `tests/reference/gen.rs`), for every user of each.
//!
//! - `slice_answers_as_the_full_engine`: an engine built from the slice
//!   answers every query about its user as the full engine does (decide with
//!   its reasons, can, filter, filterStored, fieldAccess, recordFieldAccess,
//!   mask, visibleUsers, canInvite, canCreateWorkspace, canGrantAccess,
//!   canShare, workspacesOf, decideUpdate on objects, create drafts) on the
//!   records it stores and on record objects whose references are all in the
//!   slice; it refuses queries about every other user.
//! - `slice_holds_only_what_the_answers_need`: each clause of the README's
//!   list of what a slice may hold, checked against the full model.
//!
//!   cargo test --test slice                          # 60 models
//!   CRM_SLICE_CASES=500 CRM_SLICE_SEED=7 cargo test --release --test slice

mod common;
#[allow(clippy::all, clippy::pedantic, dead_code)]
mod reference;

use crm_access::{Engine, ErrorKind, RecordRef};
use reference::gen::{generate_for, Generated, Tape};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap, HashSet};

const TAPE_LEN: usize = 2500;
const ACTIONS: [&str; 4] = ["view", "edit", "delete", "create"];

use common::Rng;

fn seed() -> u64 {
    let s = std::env::var("CRM_SLICE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1));
    eprintln!("slice tests: CRM_SLICE_SEED={s}");
    s
}

fn cases() -> usize {
    std::env::var("CRM_SLICE_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(60)
}

/// A random v2 model, built with its later records put.
fn model(rng: &mut Rng) -> (Generated, Engine, Value) {
    let tape: Vec<u32> = (0..TAPE_LEN).map(|_| rng.next() as u32).collect();
    let g = generate_for(&mut Tape::new(&tape), 2);
    let mut full = Engine::new(&g.model.to_string()).expect("a generated model is valid");
    full.put_records(&Value::Array(g.later.clone()).to_string()).expect("later records are valid");
    // the full model as JSON, every record in it
    let mut whole = g.model.clone();
    let records = whole.get_mut("records").and_then(Value::as_array_mut).map(std::mem::take).unwrap_or_default();
    let mut by_id: Vec<Value> = Vec::new();
    for r in records.into_iter().chain(g.later.iter().cloned()) {
        match by_id.iter_mut().find(|x| x["id"] == r["id"]) {
            Some(x) => *x = r,
            None => by_id.push(r),
        }
    }
    whole["records"] = Value::Array(by_id);
    (g, full, whole)
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array().map(|a| a.iter().filter_map(|x| x[key].as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

/// The ids a slice knows, to judge which record objects it must answer for.
struct Known {
    users: HashSet<String>,
    groups: HashSet<String>,
    roles: HashSet<String>,
    workspaces: HashSet<String>,
    records: HashSet<String>,
    modules: Vec<String>,
}

impl Known {
    fn of(slice: &Value, full_principals: &HashSet<String>) -> Known {
        Known {
            // placeholders are not ids of the full model: no record can name them
            users: ids(&slice["users"], "id").into_iter().filter(|u| full_principals.contains(u)).collect(),
            groups: ids(&slice["groups"], "id").into_iter().collect(),
            roles: ids(&slice["roles"], "id").into_iter().collect(),
            workspaces: ids(&slice["workspaces"], "id").into_iter().collect(),
            records: ids(&slice["records"], "id").into_iter().collect(),
            modules: ids(&slice["modules"], "name"),
        }
    }

    /// Does the record name only ids the slice holds (its parent and company
    /// being stored in the slice, or stored nowhere)?
    fn covers(&self, x: &Value, full: &Engine) -> bool {
        let user = |v: &Value| v.as_str().is_none_or(|s| self.users.contains(s));
        let users = |v: &Value| v.as_array().is_none_or(|a| a.iter().all(user));
        let stored_ok = |v: &Value| match v.as_str() {
            None => true,
            Some(id) => self.records.contains(id) || unstored(full, id),
        };
        let owner_ok = x["owner"].as_str().is_none_or(|o| self.users.contains(o) || self.groups.contains(o));
        let shares_ok = x["sharedWith"].as_array().is_none_or(|a| {
            a.iter().all(|s| {
                s["user"].as_str().is_none_or(|u| self.users.contains(u))
                    && s["group"].as_str().is_none_or(|g| self.groups.contains(g))
                    && s["role"].as_str().is_none_or(|r| self.roles.contains(r))
                    && s["roleAndSubordinates"].as_str().is_none_or(|r| self.roles.contains(r))
            })
        });
        owner_ok
            && shares_ok
            && ["accountManagers", "assignees", "participants", "auditors"].iter().all(|k| users(&x[*k]))
            && user(&x["createdBy"])
            && x["workspaces"].as_array().is_none_or(|a| a.iter().all(|w| w.as_str().is_some_and(|w| self.workspaces.contains(w))))
            && stored_ok(&x["parent"])
            && stored_ok(&x["company"])
    }
}

/// Is no record stored under this id in `e`?
fn unstored(e: &Engine, id: &str) -> bool {
    let Some(u) = e.indexed().id_tables().users.first().map(|s| (*s).to_owned()) else { return true };
    matches!(e.mask(&u, RecordRef::Id(id)).map_err(|e| e.kind), Err(ErrorKind::UnknownRecord))
}

/// Random record objects over the slice's ids, plus the generator's own
/// records and probes that the slice covers.
fn probes(rng: &mut Rng, g: &Generated, known: &Known, full: &Engine, uid: &str) -> Vec<Value> {
    let users: Vec<&String> = known.users.iter().collect::<BTreeSet<_>>().into_iter().collect();
    let groups: Vec<&String> = known.groups.iter().collect::<BTreeSet<_>>().into_iter().collect();
    let roles: Vec<&String> = known.roles.iter().collect::<BTreeSet<_>>().into_iter().collect();
    let wss: Vec<&String> = known.workspaces.iter().collect::<BTreeSet<_>>().into_iter().collect();
    let recs: Vec<&String> = known.records.iter().collect::<BTreeSet<_>>().into_iter().collect();
    let mut out: Vec<Value> = Vec::new();
    let given = g.model["records"].as_array().into_iter().flatten().chain(g.later.iter()).chain(g.probes.iter());
    out.extend(given.filter(|x| known.covers(x, full)).cloned());
    for i in 0..30 {
        let mut x = Map::new();
        if rng.chance(80) {
            x.insert("id".into(), json!(format!("probe-{i}")));
        }
        x.insert("module".into(), json!(rng.pick(&known.modules).cloned().unwrap_or_default()));
        let owners: Vec<&String> = users.iter().chain(groups.iter()).copied().collect();
        if rng.chance(80) {
            if let Some(o) = rng.pick(&owners) {
                x.insert("owner".into(), json!(o));
            }
        }
        if rng.chance(15) {
            x.insert("owner".into(), json!(uid));
        }
        for (key, pct) in [("parent", 70), ("company", 35)] {
            if rng.chance(pct) {
                if let Some(p) = rng.pick(&recs) {
                    x.insert(key.into(), json!(p));
                } else {
                    x.insert(key.into(), json!("nowhere"));
                }
            }
        }
        for key in ["accountManagers", "assignees", "participants", "auditors"] {
            if rng.chance(30) {
                let n = 1 + rng.below(2);
                let mut list: Vec<String> = (0..n).filter_map(|_| rng.pick(&users).map(|s| (*s).clone())).collect();
                if rng.chance(30) {
                    list.push(uid.to_owned());
                }
                list.sort();
                list.dedup();
                x.insert(key.into(), json!(list));
            }
        }
        if rng.chance(30) {
            if let Some(u) = rng.pick(&users) {
                x.insert("createdBy".into(), json!(u));
            }
        }
        if rng.chance(50) {
            let mut list: Vec<String> = (0..=rng.below(2)).filter_map(|_| rng.pick(&wss).map(|s| (*s).clone())).collect();
            list.sort();
            list.dedup();
            x.insert("workspaces".into(), json!(list));
        }
        if rng.chance(40) {
            x.insert("type".into(), json!(format!("t{}", rng.below(4))));
        }
        if rng.chance(30) {
            let mut shares = Vec::new();
            for _ in 0..=rng.below(2) {
                let access = if rng.chance(50) { "read" } else { "readWrite" };
                let s = match rng.below(4) {
                    0 => rng.pick(&users).map(|u| json!({"user": u, "access": access})),
                    1 => rng.pick(&groups).map(|g| json!({"group": g, "access": access})),
                    2 => rng.pick(&roles).map(|r| json!({"role": r, "access": access})),
                    _ => rng.pick(&roles).map(|r| json!({"roleAndSubordinates": r, "access": access})),
                };
                shares.extend(s);
            }
            x.insert("sharedWith".into(), Value::Array(shares));
        }
        x.insert("fields".into(), json!({"f0": i, "f1": "text", "x": true, "constructor": [1]}));
        out.push(Value::Object(x));
    }
    // only records the full engine takes (no share with an external user...)
    out.retain(|x| full.decide(uid, "view", RecordRef::Json(&x.to_string())).is_ok());
    out
}

fn err_kind<T>(r: Result<T, crm_access::Error>) -> Option<ErrorKind> {
    r.err().map(|e| e.kind)
}

/// Compares every query about `uid` between the full engine and its slice.
/// Returns the number of queries compared.
fn compare_user(rng: &mut Rng, g: &Generated, full: &Engine, uid: &str, full_principals: &HashSet<String>) -> Result<u64, String> {
    let text = full.slice_for(uid).map_err(|e| format!("sliceFor({uid}) failed: {e}"))?;
    let slice_json: Value = serde_json::from_str(&text).map_err(|e| format!("slice is not JSON: {e}"))?;
    let sl = Engine::new(&text).map_err(|e| format!("the slice of {uid} is refused: {e} {:?}\n{text}", e.problems))?;
    let ctx = |what: String| format!("user {uid:?}: {what}\nslice: {text}");
    let mut n = 0u64;
    macro_rules! same {
        ($what:expr, $a:expr, $b:expr) => {{
            n += 1;
            let (a, b) = ($a, $b);
            if a != b {
                return Err(ctx(format!("{}:\n  full:  {:?}\n  slice: {:?}", $what, a, b)));
            }
        }};
    }
    let known = Known::of(&slice_json, full_principals);
    let stored: Vec<String> = ids(&slice_json["records"], "id");
    let viewable: HashSet<&str> = stored.iter().filter(|id| full.can(uid, "view", RecordRef::Id(id)).unwrap_or(false)).map(String::as_str).collect();

    // people and workspaces
    same!("visibleUsers", full.visible_users(uid).map_err(|e| e.kind), sl.visible_users(uid).map_err(|e| e.kind));
    same!("workspacesOf", full.workspaces_of(uid).map_err(|e| e.kind), sl.workspaces_of(uid).map_err(|e| e.kind));
    same!("canCreateWorkspace", full.can_create_workspace(uid).ok(), sl.can_create_workspace(uid).ok());
    same!("canGrantAccess", full.can_grant_access(uid).ok(), sl.can_grant_access(uid).ok());
    for w in &known.workspaces {
        same!(format!("canInvite({w})"), full.can_invite(uid, w).ok(), sl.can_invite(uid, w).ok());
    }
    for m in &known.modules {
        same!(format!("fieldAccess({m})"), full.field_access(uid, m).ok(), sl.field_access(uid, m).ok());
    }
    // (`create` over stored records judges records the user may not see as
    // drafts: not a question about the user's slice)
    for a in &ACTIONS[..3] {
        same!(format!("filterStored({a})"), full.filter_stored(uid, Some(a)).ok(), sl.filter_stored(uid, Some(a)).ok());
    }

    // stored records: whole decisions on the viewable ones; on stubs the
    // verdicts (their reasons and mask read keys a stub does not keep)
    for id in &stored {
        let r = RecordRef::Id(id);
        let whole = viewable.contains(id.as_str());
        for a in ACTIONS {
            let (df, ds) = (full.decide(uid, a, r).map_err(|e| e.kind), sl.decide(uid, a, r).map_err(|e| e.kind));
            if whole {
                same!(format!("decide({a}, {id})"), df, ds);
            } else if a != "create" {
                let verdict = |d: Result<crm_access::Decision, ErrorKind>| d.map(|d| (d.allowed, d.access, d.read_only));
                same!(format!("decide({a}, stub {id})"), verdict(df), verdict(ds));
            }
            if whole || a != "create" {
                same!(format!("can({a}, {id})"), full.can(uid, a, r).ok(), sl.can(uid, a, r).ok());
            }
        }
        same!(format!("canShare({id})"), full.can_share(uid, r).ok(), sl.can_share(uid, r).ok());
        if whole {
            same!(format!("mask({id})"), full.mask(uid, r).ok(), sl.mask(uid, r).ok());
            same!(format!("recordFieldAccess({id})"), full.record_field_access(uid, r).ok(), sl.record_field_access(uid, r).ok());
        }
    }

    // record objects whose references the slice holds
    let xs = probes(rng, g, &known, full, uid);
    let texts: Vec<String> = xs.iter().map(Value::to_string).collect();
    for (x, t) in xs.iter().zip(&texts) {
        let r = RecordRef::Json(t);
        for a in ACTIONS {
            same!(format!("decide({a}, {t})"), full.decide(uid, a, r).map_err(|e| e.kind), sl.decide(uid, a, r).map_err(|e| e.kind));
            same!(format!("can({a}, {t})"), full.can(uid, a, r).ok(), sl.can(uid, a, r).ok());
        }
        same!(format!("mask({t})"), full.mask(uid, r).ok(), sl.mask(uid, r).ok());
        same!(format!("recordFieldAccess({t})"), full.record_field_access(uid, r).ok(), sl.record_field_access(uid, r).ok());
        same!(format!("canShare({t})"), full.can_share(uid, r).ok(), sl.can_share(uid, r).ok());
        // an update given as two objects: a new owner and new field values
        let mut after = x.clone();
        after["fields"] = json!({"f0": "changed", "f2": 1});
        if let Some(o) = rng.pick(&known.users.iter().collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>()) {
            after["owner"] = json!(o);
        }
        let at = after.to_string();
        same!(
            format!("decideUpdate({t}, {at})"),
            full.decide_update(uid, r, RecordRef::Json(&at)).map_err(|e| e.kind),
            sl.decide_update(uid, r, RecordRef::Json(&at)).map_err(|e| e.kind)
        );
    }
    // records naming a parent or company the slice does not hold: judged as
    // if it were not stored, never more than the full engine allows
    for x in g.probes.iter().chain(g.later.iter()) {
        let t = x.to_string();
        if known.covers(x, full) {
            continue;
        }
        for a in ACTIONS {
            if let (Ok(d), Ok(f)) = (sl.decide(uid, a, RecordRef::Json(&t)), full.decide(uid, a, RecordRef::Json(&t))) {
                n += 1;
                if d.allowed && !f.allowed {
                    return Err(ctx(format!("decide({a}, {t}) with a parent or company outside the slice: allowed by the slice, not by the full engine")));
                }
            }
        }
    }
    let batch = Value::Array(xs.clone()).to_string();
    for a in ACTIONS {
        same!(format!("filter({a})"), full.filter(uid, &batch, Some(a)).ok(), sl.filter(uid, &batch, Some(a)).ok());
    }

    // every other user of the model is refused, on the strict and the ids-based path
    let any = texts.first().cloned().unwrap_or_else(|| json!({"module": known.modules[0]}).to_string());
    for other in ids(&g.model["users"], "id").iter().filter(|o| *o != uid) {
        n += 1;
        let refused = [
            err_kind(sl.decide(other, "view", RecordRef::Json(&any))),
            err_kind(sl.visible_users(other)),
            err_kind(sl.filter_stored(other, None)),
            err_kind(sl.field_access(other, &known.modules[0])),
            err_kind(sl.slice_for(other)),
        ];
        if refused.iter().any(|k| *k != Some(ErrorKind::UnknownUser)) {
            return Err(ctx(format!("the slice answered about {other:?}: {refused:?}")));
        }
        if let Some(ui) = sl.indexed().id_tables().users.iter().position(|u| u == other) {
            if sl.indexed().filter_stored_at(ui as u32, crm_access::Action::View).is_ok() {
                return Err(ctx(format!("the ids-based path answered about {other:?}")));
            }
        }
    }
    Ok(n)
}

#[test]
fn slice_answers_as_the_full_engine() {
    let mut rng = Rng(seed());
    let mut queries = 0u64;
    let mut users = 0u64;
    for case in 0..cases() {
        let (g, full, whole) = model(&mut rng);
        let principals: HashSet<String> = ids(&whole["users"], "id").into_iter().chain(ids(&whole["groups"], "id")).collect();
        for uid in ids(&whole["users"], "id") {
            match compare_user(&mut rng, &g, &full, &uid, &principals) {
                Ok(n) => queries += n,
                Err(e) => panic!("case {case}: {e}\nmodel: {whole}"),
            }
            users += 1;
        }
    }
    eprintln!("slice differential: {users} users, {queries} queries compared");
    assert!(users >= 100 && queries >= 10_000, "too little was compared: {users} users, {queries} queries");
}

// ---- what the slice may hold ------------------------------------------------

/// The full model as plain lookups, for the leak test.
struct Full<'a> {
    users: HashMap<&'a str, &'a Value>,
    roles: HashMap<&'a str, &'a Value>,
    groups: HashMap<&'a str, &'a Value>,
    modules: HashMap<&'a str, &'a Value>,
}

impl<'a> Full<'a> {
    fn new(m: &'a Value) -> Self {
        let map = |key: &'static str, id: &'static str| -> HashMap<&'a str, &'a Value> {
            m[key].as_array().into_iter().flatten().filter_map(move |x| x[id].as_str().map(|i| (i, x))).collect()
        };
        Full { users: map("users", "id"), roles: map("roles", "id"), groups: map("groups", "id"), modules: map("modules", "name") }
    }

    /// Is role `b` role `a` or below it?
    fn role_within(&self, b: &str, a: &str) -> bool {
        let mut at = Some(b.to_owned());
        let mut steps = 0;
        while let Some(r) = at {
            if r == a {
                return true;
            }
            steps += 1;
            if steps > 100_000 {
                return false;
            }
            at = self.roles.get(r.as_str()).and_then(|x| x["parent"].as_str()).map(str::to_owned);
        }
        false
    }

    fn role_of(&self, u: &str) -> Option<&'a str> {
        self.users.get(u).and_then(|x| x["role"].as_str())
    }

    /// Is user `u` in group `g` (through users, roles, subordinates, nested groups)?
    fn in_group(&self, u: &str, g: &str) -> bool {
        let role = self.role_of(u);
        let mut seen = HashSet::new();
        let mut todo = vec![g.to_owned()];
        while let Some(x) = todo.pop() {
            if !seen.insert(x.clone()) {
                continue;
            }
            for m in self.groups.get(x.as_str()).map(|g| g["members"].clone()).and_then(|v| v.as_array().cloned()).unwrap_or_default() {
                if m["user"].as_str() == Some(u)
                    || (role.is_some() && m["role"].as_str() == role)
                    || m["roleAndSubordinates"].as_str().is_some_and(|r| role.is_some_and(|mine| self.role_within(mine, r)))
                {
                    return true;
                }
                if let Some(h) = m["group"].as_str() {
                    todo.push(h.to_owned());
                }
            }
        }
        false
    }

    fn reached(&self, u: &str, to: &Value) -> bool {
        if let Some(r) = to["role"].as_str() {
            self.role_of(u) == Some(r)
        } else if let Some(r) = to["roleAndSubordinates"].as_str() {
            self.role_of(u).is_some_and(|mine| self.role_within(mine, r))
        } else {
            to["group"].as_str().is_some_and(|g| self.in_group(u, g))
        }
    }

    fn flag(&self, u: &str, key: &str) -> bool {
        self.users.get(u).and_then(|x| x[key].as_bool()).unwrap_or(key == "active")
    }

    /// Strictly below `u`'s role.
    fn below(&self, u: &str, role: &str) -> bool {
        self.role_of(u).is_some_and(|mine| mine != role && self.role_within(role, mine))
    }

    /// Does the rule reach `u` (directly, or through an internal user below
    /// `u`'s role on a module with the hierarchy)?
    fn rule_reaches(&self, u: &str, rule: &Value) -> bool {
        if self.reached(u, &rule["to"]) {
            return true;
        }
        let hier = |m: &str| self.modules.get(m).and_then(|x| x["hierarchy"].as_bool()).unwrap_or(true);
        let related: Vec<&String> = rule["related"].as_object().map(|o| o.keys().collect()).unwrap_or_default();
        let on_hierarchy = rule["module"].as_str().is_some_and(hier) || related.iter().any(|m| hier(m));
        on_hierarchy
            && self.users.keys().any(|v| !self.flag(v, "external") && self.role_of(v).is_some_and(|r| self.below(u, r)) && self.reached(v, &rule["to"]))
    }
}

/// Every id a record names as a user.
fn record_user_ids(r: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    out.extend(r["owner"].as_str().map(str::to_owned));
    out.extend(r["createdBy"].as_str().map(str::to_owned));
    for k in ["accountManagers", "assignees", "participants", "auditors"] {
        out.extend(strs(&r[k]));
    }
    for s in r["sharedWith"].as_array().into_iter().flatten() {
        out.extend(s["user"].as_str().map(str::to_owned));
    }
    out
}

fn check_holdings(full: &Engine, whole: &Value, uid: &str) -> Result<(), String> {
    let f = Full::new(whole);
    let text = full.slice_for(uid).map_err(|e| e.to_string())?;
    let s: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let err = |clause: &str, what: String| Err(format!("user {uid:?}, {clause}: {what}\nslice: {text}"));
    let me = f.users[uid];
    let (admin, external, active) = (f.flag(uid, "admin"), f.flag(uid, "external"), f.flag(uid, "active"));
    let limited_crm = f.flag(uid, "limitedCrm");
    let grants = active && !admin && !external;
    let records: Vec<&Value> = s["records"].as_array().into_iter().flatten().collect();
    let viewable: Vec<&Value> =
        records.iter().copied().filter(|r| r["id"].as_str().is_some_and(|id| full.can(uid, "view", RecordRef::Id(id)).unwrap_or(false))).collect();
    let rules: Vec<&Value> = s["sharingRules"].as_array().into_iter().flatten().collect();
    let slice_users: Vec<&Value> = s["users"].as_array().into_iter().flatten().collect();
    let full_principals: HashSet<&str> = f.users.keys().chain(f.groups.keys()).copied().collect();
    let placeholder = |id: &str| !full_principals.contains(id);

    if s["sliceFor"].as_str() != Some(uid) {
        return err("sliceFor", format!("{:?}", s["sliceFor"]));
    }

    // 1. no record the user cannot view, except field-less stubs that a
    //    viewable record (or, for limited CRM, a stub) names as parent or company
    let named_by = |set: &[&Value], id: &str| set.iter().any(|r| r["parent"].as_str() == Some(id) || r["company"].as_str() == Some(id));
    for r in &records {
        let id = r["id"].as_str().unwrap_or_default();
        if viewable.iter().any(|v| v["id"] == r["id"]) {
            // 2. no field value hidden from the user: the fields are mask's
            let masked = full.mask(uid, RecordRef::Id(id)).map_err(|e| e.to_string())?;
            let fields = r.get("fields").cloned().unwrap_or(json!({}));
            if fields != masked["fields"] {
                return err("fields", format!("{id}: {fields} but mask shows {}", masked["fields"]));
            }
            continue;
        }
        let keys: BTreeSet<&str> = r.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        let allowed: BTreeSet<&str> = ["id", "module", "owner", "type", "parent", "company", "accountManagers"].into_iter().collect();
        if !keys.is_subset(&allowed) {
            return err("stub keys", format!("{id} has {keys:?}"));
        }
        let by_stub = limited_crm && named_by(&records, id);
        if !named_by(&viewable, id) && !by_stub {
            return err("stub", format!("{id} is not viewable and no viewable record names it"));
        }
        if let Some(o) = r["owner"].as_str() {
            let related = rules.iter().any(|x| x["module"] == r["module"] && x["related"].as_object().is_some_and(|o| !o.is_empty()));
            if o != uid && !related {
                return err("stub owner", format!("{id} keeps owner {o} that no answer reads"));
            }
        }
        if r.get("accountManagers").is_some() && (strs(&r["accountManagers"]) != vec![uid.to_owned()] || !limited_crm) {
            return err("stub accountManagers", format!("{id}: {}", r["accountManagers"]));
        }
        if let Some(t) = r["type"].as_str() {
            if me["recordTypes"].as_array().is_none_or(|types| types.iter().any(|x| x == t)) {
                return err("stub type", format!("{id} keeps type {t} that does not hide it"));
            }
        }
        if (r.get("parent").is_some() || r.get("company").is_some()) && !limited_crm {
            return err("stub links", format!("{id} keeps parent/company"));
        }
    }

    // 3. no user id outside visibleUsers and the ids viewable records name;
    //    placeholders name no user or group of the model
    let visible: HashSet<String> = full.visible_users(uid).map_err(|e| e.to_string())?.into_iter().collect();
    let named: HashSet<String> = viewable.iter().flat_map(|r| record_user_ids(r)).collect();
    for u in &slice_users {
        let id = u["id"].as_str().unwrap_or_default();
        if id == uid || visible.contains(id) || named.contains(id) {
            continue;
        }
        if !placeholder(id) {
            return err("user ids", format!("{id} is neither visible to the user nor named by a record they can view"));
        }
        if u["active"] != json!(false) {
            return err("placeholders", format!("{id} is not inactive"));
        }
    }

    // 4. other users: no profiles, no flags but `external` and `active: false`,
    //    a role only where the hierarchy or a kept rule's `from` reads it
    let mine: HashSet<String> =
        strs(&me["profiles"]).into_iter().chain(me["role"].as_str().map(|r| strs(&f.roles[r]["profiles"])).unwrap_or_default()).collect();
    for p in ids(&s["profiles"], "id") {
        if !mine.contains(&p) {
            return err("profiles", format!("profile {p} is not the user's"));
        }
    }
    for u in &slice_users {
        let id = u["id"].as_str().unwrap_or_default();
        if id == uid {
            // the user themself, as written (keys holding their default may be left out)
            if let Some((k, v)) = u.as_object().into_iter().flatten().find(|(k, v)| me.get(k.as_str()).is_some_and(|m| m != *v)) {
                return err("the user", format!("{k} is {v}, not {}", me[k.as_str()]));
            }
            continue;
        }
        let keys: BTreeSet<&str> = u.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        if !keys.is_subset(&["id", "role", "external", "active"].into_iter().collect())
            || u.get("active").is_some_and(|a| a != &json!(false))
            || u.get("external").is_some_and(|a| a != &json!(true))
        {
            return err("other users", format!("{u} carries more than id, role, external, active: false"));
        }
        if let Some(role) = u["role"].as_str() {
            let source = if placeholder(id) { None } else { Some(id) };
            if let Some(src) = source {
                if f.role_of(src) != Some(role) {
                    return err("other users", format!("{id} has role {role}, not theirs"));
                }
            }
            let below = grants && f.below(uid, role);
            let from = rules
                .iter()
                .any(|x| x["from"]["role"].as_str() == Some(role) || x["from"]["roleAndSubordinates"].as_str().is_some_and(|r| f.role_within(role, r)));
            if !below && !from {
                return err("other users", format!("{id} keeps role {role} that no answer reads"));
            }
        }
    }

    // 5. rules: only those that reach the user, as written
    for x in &rules {
        let id = x["id"].as_str().unwrap_or_default();
        let orig = whole["sharingRules"].as_array().into_iter().flatten().find(|r| r["id"] == x["id"]);
        let typed = |v: &Value| serde_json::from_value::<crm_access::model::SharingRule>(v.clone()).ok();
        if orig.and_then(typed).is_none() || orig.and_then(typed) != typed(x) {
            return err("rules", format!("{id} differs from the model's"));
        }
        if !grants || !f.rule_reaches(uid, x) {
            return err("rules", format!("{id} does not reach the user"));
        }
    }

    // 6. groups: named by a kept rule or record, or holding the user;
    //    members: the user, anyone for a rule's `from` group, internal users
    //    below the user's role; each a real member
    let from_groups: HashSet<&str> = rules.iter().filter_map(|x| x["from"]["group"].as_str()).collect();
    let rule_groups: HashSet<&str> = rules.iter().flat_map(|x| [x["from"]["group"].as_str(), x["to"]["group"].as_str()]).flatten().collect();
    let record_groups: HashSet<&str> = records
        .iter()
        .flat_map(|r| {
            let mut v: Vec<&str> = r["owner"].as_str().into_iter().collect();
            v.extend(r["sharedWith"].as_array().into_iter().flatten().filter_map(|s| s["group"].as_str()));
            v
        })
        .collect();
    for g in s["groups"].as_array().into_iter().flatten() {
        let gid = g["id"].as_str().unwrap_or_default();
        if !rule_groups.contains(gid) && !record_groups.contains(gid) && !f.in_group(uid, gid) {
            return err("groups", format!("{gid} matters to no answer"));
        }
        for m in g["members"].as_array().into_iter().flatten() {
            if let Some(v) = m["user"].as_str() {
                if placeholder(v) {
                    continue;
                }
                let ok = v == uid || from_groups.contains(gid) || (!f.flag(v, "external") && f.role_of(v).is_some_and(|r| grants && f.below(uid, r)));
                if !ok || !f.in_group(v, gid) {
                    return err("group members", format!("{gid} lists {v}"));
                }
            } else if let Some(h) = m["group"].as_str() {
                if !from_groups.contains(gid) {
                    return err("group members", format!("{gid} lists group {h}"));
                }
            } else {
                return err("group members", format!("{gid} lists {m}"));
            }
        }
    }

    // 7. roles: the user's, those kept rules and stored records name, those of users in the slice
    let mut role_names: HashSet<&str> = rules
        .iter()
        .flat_map(|x| {
            [x["from"]["role"].as_str(), x["from"]["roleAndSubordinates"].as_str(), x["to"]["role"].as_str(), x["to"]["roleAndSubordinates"].as_str()]
        })
        .flatten()
        .collect();
    role_names.extend(
        records
            .iter()
            .flat_map(|r| r["sharedWith"].as_array().into_iter().flatten().flat_map(|s| [s["role"].as_str(), s["roleAndSubordinates"].as_str()]).flatten()),
    );
    role_names.extend(slice_users.iter().filter_map(|u| u["role"].as_str()));
    for r in s["roles"].as_array().into_iter().flatten() {
        let rid = r["id"].as_str().unwrap_or_default();
        if !role_names.contains(rid) {
            return err("roles", format!("{rid} matters to no answer"));
        }
        if me["role"].as_str() != Some(rid) && r.get("profiles").is_some() {
            return err("roles", format!("{rid} keeps profiles"));
        }
    }

    // 8. workspaces: those the user takes part in or a viewable record lists;
    //    only the user's own entries, and as members the people visibleUsers shows
    let listed: HashSet<String> = viewable.iter().flat_map(|r| strs(&r["workspaces"])).collect();
    for w in s["workspaces"].as_array().into_iter().flatten() {
        let wid = w["id"].as_str().unwrap_or_default();
        let orig = whole["workspaces"].as_array().into_iter().flatten().find(|x| x["id"] == w["id"]).cloned().unwrap_or(Value::Null);
        let takes_part = full.workspaces_of(uid).map(|l| l.contains(&wid.to_owned())).unwrap_or(false);
        if !admin && !listed.contains(wid) && !takes_part {
            return err("workspaces", format!("{wid} matters to no answer"));
        }
        for key in ["owner", "moderators", "auditors"] {
            let names: Vec<String> = match &w[key] {
                Value::String(s) => vec![s.clone()],
                v => strs(v),
            };
            if names.iter().any(|n| n != uid) {
                return err("workspaces", format!("{wid}.{key} names someone else"));
            }
        }
        for m in w["members"].as_array().into_iter().flatten() {
            let v = m["user"].as_str().unwrap_or_default();
            if v != uid && (!visible.contains(v) || m.get("readOnly").is_some_and(|r| r == &json!(true))) {
                return err("workspaces", format!("{wid} lists member {m}"));
            }
        }
        if let Some(cp) = w["counterparty"].as_str() {
            if me["company"].as_str() != Some(cp) || orig["counterparty"].as_str() != Some(cp) {
                return err("workspaces", format!("{wid} keeps counterparty {cp}"));
            }
        }
    }

    // 9. limited access settings only for a limited user
    if s.get("limitedAccess").is_some() && !limited_crm && !f.flag(uid, "limitedDeals") {
        return err("limitedAccess", "kept for a user who is not limited".into());
    }
    Ok(())
}

#[test]
fn slice_holds_only_what_the_answers_need() {
    let mut rng = Rng(seed() ^ 0x5eed);
    let mut users = 0;
    for case in 0..cases() {
        let (_, full, whole) = model(&mut rng);
        for uid in ids(&whole["users"], "id") {
            if let Err(e) = check_holdings(&full, &whole, &uid) {
                panic!("case {case}: {e}\nmodel: {whole}");
            }
            users += 1;
        }
    }
    assert!(users >= 100, "only {users} users checked");
}

/// A slice is a model like any other: its own slice for the same user
/// answers the same again, and a slice names its user.
#[test]
fn slice_for_must_name_a_user_of_the_model() {
    let model = json!({
        "modules": [{"name": "deals"}],
        "profiles": [{"id": "p", "modules": {"deals": {"view": true}}}],
        "users": [{"id": "ann", "profiles": ["p"]}],
        "sliceFor": "bob"
    });
    let e = Engine::new(&model.to_string()).expect_err("sliceFor names an unknown user");
    assert!(e.problems.iter().any(|p| p.path == "sliceFor"), "{:?}", e.problems);
}

/// Hand-made cases where an answer hangs on a record the user may not view,
/// or on a user they may not see: the slice keeps the stub's account manager
/// (limited CRM), the parent's owner (related sharing) and an inactive
/// subordinate (as a placeholder), and answers as the full engine.
#[test]
fn stubs_and_placeholders_carry_what_the_answers_read() {
    let model = json!({
        "modules": [
            {"name": "companies", "defaultSharing": "private"},
            {"name": "deals", "parent": "companies"},
            {"name": "quotes", "parent": "deals"}
        ],
        "roles": [{"id": "boss"}, {"id": "rep", "parent": "boss"}],
        "profiles": [
            {"id": "sales", "modules": {"deals": {"view": true, "create": true, "edit": true}, "quotes": {"view": true, "create": true}}},
            {"id": "quoter", "modules": {"quotes": {"view": true, "create": true}}}
        ],
        "users": [
            {"id": "lim", "profiles": ["sales"], "limitedCrm": true},
            {"id": "ann", "role": "boss", "profiles": ["quoter"]},
            {"id": "zed", "profiles": ["sales"]},
            {"id": "gone", "role": "rep", "active": false},
            {"id": "eve", "role": "rep", "profiles": ["sales"]}
        ],
        "sharingRules": [
            {"id": "deals-of-eve", "module": "deals", "from": {"role": "rep"}, "to": {"role": "boss"}, "access": "read", "related": {"quotes": "read"}},
            {"id": "to-reps", "module": "quotes", "from": {"role": "boss"}, "to": {"role": "rep"}, "access": "read"}
        ],
        "limitedAccess": {"companyModule": "companies", "modules": ["companies", "deals"]},
        "records": [
            {"id": "c1", "module": "companies", "owner": "eve", "accountManagers": ["lim", "eve"], "fields": {"revenue": 1}},
            {"id": "d1", "module": "deals", "owner": "eve", "company": "c1", "fields": {"amount": 5}},
            {"id": "d2", "module": "deals", "owner": "gone", "fields": {"amount": 7}},
            {"id": "q1", "module": "quotes", "owner": "ann", "parent": "d2"},
            {"id": "q2", "module": "quotes", "owner": "zed", "parent": "d2"}
        ]
    });
    let full = Engine::new(&model.to_string()).unwrap();
    let probes = [
        json!({"module": "deals", "company": "c1"}),
        json!({"module": "deals", "owner": "eve", "company": "c1"}),
        json!({"module": "quotes", "owner": "ann", "parent": "d2"}),
        json!({"module": "quotes", "owner": "eve", "parent": "d1"}),
        json!({"module": "quotes", "owner": "zed", "parent": "d2"}),
        json!({"module": "deals", "owner": "ann", "sharedWith": [{"role": "rep", "access": "readWrite"}]}),
    ];
    for uid in ["lim", "ann", "eve", "zed"] {
        let text = full.slice_for(uid).unwrap();
        let sl = Engine::new(&text).unwrap();
        let held: Value = serde_json::from_str(&text).unwrap();
        let principals: HashSet<String> = ids(&model["users"], "id").into_iter().chain(ids(&model["groups"], "id")).collect();
        let known = Known::of(&held, &principals);
        for p in &probes {
            if !known.covers(p, &full) {
                // names a record the slice does not hold: judged as not stored,
                // so never more than the full engine allows (or refused, for
                // an unknown user, group, role or workspace)
                for a in ACTIONS {
                    let t = p.to_string();
                    if let Ok(d) = sl.decide(uid, a, RecordRef::Json(&t)) {
                        assert!(!d.allowed || full.can(uid, a, RecordRef::Json(&t)).unwrap(), "{uid} {a} {t}");
                    }
                }
                continue;
            }
            let t = p.to_string();
            for a in ACTIONS {
                let (f, s) = (full.decide(uid, a, RecordRef::Json(&t)).ok(), sl.decide(uid, a, RecordRef::Json(&t)).ok());
                assert_eq!(f, s, "{uid} {a} {t}\nslice: {text}");
            }
        }
        if uid != "zed" {
            assert!(!text.contains("\"gone\""), "the inactive user's id is not in {uid}'s slice: {text}");
        }
        assert!(!text.contains("revenue"), "no field of a company {uid} cannot view: {text}");
    }
    // lim manages c1 but may not view it: c1 is a stub naming lim alone
    let lim: Value = serde_json::from_str(&full.slice_for("lim").unwrap()).unwrap();
    let c1 = lim["records"].as_array().unwrap().iter().find(|r| r["id"] == "c1").unwrap();
    assert_eq!(c1, &json!({"id": "c1", "module": "companies", "accountManagers": ["lim"]}));
    assert!(full.can("lim", "view", RecordRef::Json(&probes[0].to_string())).unwrap());
    // ann sees the quote q1 through the deal d2 she may not view... nor the
    // deal's owner: d2 is a stub whose owner is a placeholder with the role
    let ann: Value = serde_json::from_str(&full.slice_for("ann").unwrap()).unwrap();
    assert!(full.can("ann", "view", RecordRef::Id("q2")).unwrap() && !full.can("ann", "view", RecordRef::Id("d2")).unwrap());
    let d2 = ann["records"].as_array().unwrap().iter().find(|r| r["id"] == "d2").unwrap();
    let owner = d2["owner"].as_str().unwrap();
    assert!(owner.starts_with("~hidden-"), "{d2}");
    let placeholder = ann["users"].as_array().unwrap().iter().find(|u| u["id"] == owner).unwrap();
    assert_eq!(placeholder, &json!({"id": owner, "role": "rep", "active": false}));
}

/// Field data is sent as `mask` shows it: a key written twice in a record's
/// text keeps only the value that counts, even in a module without field
/// security (the text is not copied as it is).
#[test]
fn slice_sends_only_the_field_values_mask_shows() {
    let model = r#"{
        "modules": [{"name": "notes"}, {"name": "deals", "fields": ["amount"]}],
        "profiles": [{"id": "p", "modules": {"notes": {"view": true}, "deals": {"view": true}}}],
        "users": [{"id": "ann", "profiles": ["p"]}],
        "records": [
            {"id": "n1", "module": "notes", "owner": "ann", "fields": {"text": "old secret", "text": "shown"}},
            {"id": "d1", "module": "deals", "owner": "ann", "fields": {"amount": 1, "margin": 2, "amount": 3}}
        ]
    }"#;
    let full = Engine::new(model).unwrap();
    let text = full.slice_for("ann").unwrap();
    assert!(!text.contains("old secret") && !text.contains("margin") && !text.contains("\"amount\":1"), "{text}");
    let sl = Engine::new(&text).unwrap();
    for id in ["n1", "d1"] {
        assert_eq!(full.mask("ann", RecordRef::Id(id)).unwrap(), sl.mask("ann", RecordRef::Id(id)).unwrap());
    }
}
