//! Security invariants as property tests over random valid models.
//!
//! Each test is named after the invariant it checks. They only question the
//! engine (the reference in `tests/reference/` is used for structural facts such
//! as "does U take part in W", never for decisions), so they hold even where
//! engine and reference would share a misreading of the specification.
//!
//!   cargo test --test invariants
//!   CRM_INV_CASES=2000 cargo test --release --test invariants
//!
//! Several invariants are checked on a "hostile" variant of each model as well:
//! every module public (read-write-delete), some without record security, and
//! broad sharing rules, so that "whatever else is public" is really tried.

// The reference model is kept for clarity over style by its owner; lints do not apply to it.
#[allow(clippy::all, clippy::pedantic)]
mod reference;

use crm_access::{Access, Engine, FieldLevel, RecordRef};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use reference::gen::{generate_for, Generated, Tape};
use reference::Reference;
use serde_json::{json, Value};

const TAPE_LEN: usize = 3000;

/// The contract the engine implements picks the generator and the reference's
/// semantics: v1 while the engine is v1, v2 after (`CONTRACT_VERSION`).
const VERSION: u32 = if crm_access::CONTRACT_VERSION >= 2 { 2 } else { 1 };

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Non-vacuity counters: how many *allowed* answers an invariant looked at.
/// Each test asserts its counter is not zero, so a generator that stopped
/// producing the interesting cases would be noticed.
static EXTERNAL_ALLOWED: AtomicU64 = AtomicU64::new(0);
static LIMITED_ALLOWED: AtomicU64 = AtomicU64::new(0);
static MONOTONE_RULE: AtomicU64 = AtomicU64::new(0);
static MONOTONE_GROUP: AtomicU64 = AtomicU64::new(0);
static MONOTONE_WORKSPACE: AtomicU64 = AtomicU64::new(0);
static READ_ONLY_SEEN: AtomicU64 = AtomicU64::new(0);
static DELETE_SEEN: AtomicU64 = AtomicU64::new(0);

fn nonvacuous(name: &str, counter: &AtomicU64) {
    let n = counter.load(Relaxed);
    eprintln!("{name}: {n} allowed answers checked");
    assert!(n > 0, "{name}: the random models never produced a case where the invariant could fail");
}

fn cases() -> u32 {
    std::env::var("CRM_INV_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(150)
}

/// Runs `check` on `cases()` random models; the tape continues after the model
/// so a check can draw more random choices from it.
fn for_random_models(name: &str, check: impl Fn(&Generated, &mut Tape) -> Result<(), TestCaseError>) {
    let config = Config { cases: cases(), failure_persistence: None, max_shrink_iters: 300, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let strategy = prop::collection::vec(any::<u32>(), TAPE_LEN);
    let result = runner.run(&strategy, |data| {
        let mut tape = Tape::new(&data);
        let g = generate_for(&mut tape, VERSION);
        check(&g, &mut tape).map_err(|e| {
            TestCaseError::fail(format!("{e}\nmodel: {}\nlater: {}\nprobes: {}", g.model, Value::Array(g.later.clone()), Value::Array(g.probes.clone())))
        })
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, _)) => panic!("invariant `{name}` violated:\n{why}"),
        Err(TestError::Abort(why)) => panic!("{name}: aborted: {why}"),
    }
}

fn ensure(cond: bool, msg: impl FnOnce() -> String) -> Result<(), TestCaseError> {
    if cond {
        Ok(())
    } else {
        Err(TestCaseError::fail(msg()))
    }
}

fn ok<T>(r: Result<T, crm_access::Error>, what: &str) -> Result<T, TestCaseError> {
    r.map_err(|e| {
        TestCaseError::fail(format!(
            "{what}: unexpected error {} {:?}",
            e.message,
            e.problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>()
        ))
    })
}

/// The engine for a model plus the records put after construction.
fn build(model: &Value, later: &[Value]) -> Result<Engine, TestCaseError> {
    let mut e = ok(Engine::new(&model.to_string()), "Engine::new")?;
    ok(e.put_records(&Value::Array(later.to_vec()).to_string()), "putRecords")?;
    Ok(e)
}

/// Every record a test asks about: the stored ones (as ids) and the probes (as JSON).
struct Records {
    /// (record JSON, stored id or None)
    items: Vec<(Value, Option<String>)>,
}

impl Records {
    fn of(model: &Value, later: &[Value], probes: &[Value]) -> Records {
        let mut r = Reference::with_version(model, VERSION);
        r.put_records(later);
        let mut items: Vec<(Value, Option<String>)> = r.store.iter().map(|x| (x.clone(), x["id"].as_str().map(String::from))).collect();
        items.extend(probes.iter().map(|p| (p.clone(), None)));
        Records { items }
    }
}

fn as_ref<'a>(item: &'a (Value, Option<String>), text: &'a str) -> RecordRef<'a> {
    match &item.1 {
        Some(id) => RecordRef::Id(id),
        None => RecordRef::Json(text),
    }
}

fn users(model: &Value) -> Vec<Value> {
    model["users"].as_array().cloned().unwrap_or_default()
}

fn flag(v: &Value, k: &str) -> bool {
    v.get(k).and_then(serde_json::Value::as_bool).unwrap_or(false)
}

fn active(u: &Value) -> bool {
    u.get("active").and_then(serde_json::Value::as_bool).unwrap_or(true)
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap_or("")
}

fn strs(v: &Value, k: &str) -> Vec<String> {
    v.get(k).and_then(|x| x.as_array()).map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default()
}

const ACTIONS: [&str; 4] = ["view", "edit", "delete", "create"];

/// Makes every module public (read-write-delete), a third of them without
/// record security, and adds broad read-write sharing rules with related
/// sharing on every child module: "whatever else is public".
fn hostile(model: &Value, t: &mut Tape) -> Value {
    let mut m = model.clone();
    let modules = m["modules"].as_array_mut().unwrap();
    for module in modules.iter_mut() {
        module["defaultSharing"] = json!("publicReadWriteDelete");
        if t.chance(33) {
            module["recordSecurity"] = json!(false);
        }
    }
    add_broad_rules(&mut m, t, 12);
    m
}

fn principals(model: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for r in model.get("roles").and_then(|x| x.as_array()).into_iter().flatten() {
        out.push(json!({ "role": id(r) }));
        out.push(json!({ "roleAndSubordinates": id(r) }));
    }
    for g in model.get("groups").and_then(|x| x.as_array()).into_iter().flatten() {
        out.push(json!({ "group": id(g) }));
    }
    out
}

/// Adds up to `n` random read-write sharing rules (with related read-write on every child module).
fn add_broad_rules(m: &mut Value, t: &mut Tape, n: usize) {
    let ps = principals(m);
    if ps.is_empty() {
        return;
    }
    let modules: Vec<(String, Option<String>)> =
        m["modules"].as_array().unwrap().iter().map(|x| (id_or_name(x), x.get("parent").and_then(|p| p.as_str()).map(String::from))).collect();
    let mut rules = m.get("sharingRules").and_then(|x| x.as_array()).cloned().unwrap_or_default();
    let count = 1 + t.below(n);
    for i in 0..count {
        let (module, _) = &modules[t.below(modules.len())];
        let mut related = serde_json::Map::new();
        for (child, parent) in &modules {
            if parent.as_deref() == Some(module.as_str()) {
                related.insert(child.clone(), json!(if t.chance(50) { "readWrite" } else { "read" }));
            }
        }
        rules.push(json!({
            "id": format!("extra-rule-{i}"),
            "module": module,
            "from": ps[t.below(ps.len())],
            "to": ps[t.below(ps.len())],
            "access": if t.chance(70) { "readWrite" } else { "read" },
            "related": related,
        }));
    }
    m["sharingRules"] = Value::Array(rules);
}

fn id_or_name(x: &Value) -> String {
    x.get("name").or_else(|| x.get("id")).and_then(|s| s.as_str()).unwrap_or("").to_string()
}

// ----------------------------------------------------------------------------

fn check_externals(model: &Value, later: &[Value], probes: &[Value]) -> Result<(), TestCaseError> {
    if VERSION >= 2 {
        // v2: involvement outside workspaces and parents also open records (SPEC §3.2, §3.8)
        let engine = EngineOracle(build(model, later)?);
        return check_v2_externals(&engine, model, later, probes, &EXTERNAL_ALLOWED);
    }
    let engine = build(model, later)?;
    let reference = {
        let mut r = Reference::with_version(model, VERSION);
        r.put_records(later);
        r
    };
    let records = Records::of(model, later, probes);
    for u in users(model).iter().filter(|u| flag(u, "external")) {
        let uid = id(u);
        for item in &records.items {
            let text = item.0.to_string();
            let x = &item.0;
            let owns = x["owner"].as_str() == Some(uid);
            let in_my_workspace = strs(x, "workspaces").iter().any(|w| reference.takes_part_in(uid, w));
            for action in ["view", "edit", "delete"] {
                let allowed = ok(engine.can(uid, action, as_ref(item, &text)), "can")?;
                if allowed {
                    EXTERNAL_ALLOWED.fetch_add(1, Relaxed);
                }
                ensure(!allowed || owns || in_my_workspace, || {
                    format!("external user {uid:?} may {action} {x}, which they do not own and which is in none of their workspaces")
                })?;
            }
        }
    }
    Ok(())
}

#[test]
fn an_external_user_never_sees_a_record_outside_every_workspace_they_take_part_in_unless_they_own_it() {
    for_random_models("external users stay inside their workspaces", |g, t| {
        check_externals(&g.model, &g.later, &g.probes)?;
        check_externals(&hostile(&g.model, t), &g.later, &g.probes)
    });
    nonvacuous("external users", &EXTERNAL_ALLOWED);
}

fn check_limited_crm(model: &Value, later: &[Value], probes: &[Value]) -> Result<(), TestCaseError> {
    let Some(la) = model.get("limitedAccess").filter(|l| !l.is_null()) else { return Ok(()) };
    let limited_modules = strs(la, "modules");
    let no_record_security: Vec<String> =
        model["modules"].as_array().unwrap().iter().filter(|m| m.get("recordSecurity") == Some(&json!(false))).map(id_or_name).collect();
    let engine = build(model, later)?;
    let reference = {
        let mut r = Reference::with_version(model, VERSION);
        r.put_records(later);
        r
    };
    let records = Records::of(model, later, probes);
    for u in users(model).iter().filter(|u| flag(u, "limitedCrm")) {
        let uid = id(u);
        for item in &records.items {
            let x = &item.0;
            let module = x["module"].as_str().unwrap_or("");
            // a module without record security is open to every internal user
            // (SPEC §3.3 comes before §3.4): not a "limited" record
            if !limited_modules.iter().any(|m| m == module) || no_record_security.iter().any(|m| m == module) {
                continue;
            }
            let text = x.to_string();
            let allowed = ok(engine.can(uid, "view", as_ref(item, &text)), "can")?;
            if allowed {
                LIMITED_ALLOWED.fetch_add(1, Relaxed);
            }
            ensure(!allowed || reference.manages(uid, x), || format!("limited-CRM user {uid:?} sees {x}, which they do not manage"))?;
        }
    }
    Ok(())
}

#[test]
fn a_limited_crm_user_never_sees_an_unmanaged_record_of_a_limited_module() {
    for_random_models("limited CRM users see only what they manage", |g, t| {
        check_limited_crm(&g.model, &g.later, &g.probes)?;
        // the same, with every module public and broad sharing rules (but keeping record security)
        let mut m = g.model.clone();
        for module in m["modules"].as_array_mut().unwrap() {
            module["defaultSharing"] = json!("publicReadWriteDelete");
        }
        add_broad_rules(&mut m, t, 12);
        check_limited_crm(&m, &g.later, &g.probes)?;
        // and with the limited users made account managers / creators of many records,
        // so that managed and unmanaged records sit side by side
        let limited: Vec<String> = users(&g.model).iter().filter(|u| flag(u, "limitedCrm")).map(|u| id(u).to_string()).collect();
        if limited.is_empty() {
            return Ok(());
        }
        let company = m["limitedAccess"]["companyModule"].as_str().unwrap_or("").to_string();
        let involve = |records: &mut Vec<Value>, t: &mut Tape| {
            for r in records.iter_mut() {
                let who = json!(limited[t.below(limited.len())]);
                if r["module"].as_str() == Some(company.as_str()) && t.chance(50) {
                    let mut ams = r.get("accountManagers").and_then(|a| a.as_array()).cloned().unwrap_or_default();
                    if !ams.contains(&who) {
                        ams.push(who);
                    }
                    r["accountManagers"] = Value::Array(ams);
                } else if r.get("company").is_none_or(serde_json::Value::is_null) && t.chance(40) {
                    r["createdBy"] = who;
                }
            }
        };
        let mut later = g.later.clone();
        let mut probes = g.probes.clone();
        involve(&mut later, t);
        involve(&mut probes, t);
        if let Some(Value::Array(rs)) = m.get_mut("records") {
            let mut rs2 = rs.clone();
            involve(&mut rs2, t);
            *rs = rs2;
        }
        check_limited_crm(&m, &later, &probes)
    });
    nonvacuous("limited CRM users", &LIMITED_ALLOWED);
}

fn check_inactive(model: &Value, later: &[Value], probes: &[Value]) -> Result<(), TestCaseError> {
    let engine = build(model, later)?;
    let records = Records::of(model, later, probes);
    let all_json = Value::Array(records.items.iter().map(|i| i.0.clone()).collect()).to_string();
    let modules: Vec<String> = model["modules"].as_array().unwrap().iter().map(id_or_name).collect();
    let workspaces: Vec<String> = model.get("workspaces").and_then(|w| w.as_array()).into_iter().flatten().map(|w| id(w).to_string()).collect();
    for u in users(model).iter().filter(|u| !active(u)) {
        let uid = id(u);
        for item in &records.items {
            let text = item.0.to_string();
            for action in ACTIONS {
                let d = ok(engine.decide(uid, action, as_ref(item, &text)), "decide")?;
                ensure(!d.allowed && d.access == Access::None && !d.read_only, || format!("inactive user {uid:?} got {d:?} for {action} on {}", item.0))?;
            }
            let masked = ok(engine.mask(uid, as_ref(item, &text)), "mask")?;
            let fields_empty = match masked.get("fields") {
                None | Some(Value::Null) => true,
                Some(Value::Object(f)) => f.is_empty(),
                _ => false,
            };
            ensure(fields_empty, || format!("inactive user {uid:?} sees fields of {}: {masked}", item.0))?;
        }
        for action in [None, Some("view"), Some("edit"), Some("delete"), Some("create")] {
            let f = ok(engine.filter(uid, &all_json, action), "filter")?;
            ensure(f.iter().all(|b| !b), || format!("inactive user {uid:?}: filter({action:?}) kept {f:?}"))?;
        }
        for m in &modules {
            let fa = ok(engine.field_access(uid, m), "fieldAccess")?;
            ensure(fa.iter().all(|(_, l)| *l == FieldLevel::Hidden), || format!("inactive user {uid:?}: fieldAccess({m}) = {fa:?}"))?;
        }
        let people = ok(engine.visible_users(uid), "visibleUsers")?;
        ensure(people.is_empty(), || format!("inactive user {uid:?} sees people {people:?}"))?;
        for w in &workspaces {
            ensure(!ok(engine.can_invite(uid, w), "canInvite")?, || format!("inactive user {uid:?} may invite to {w}"))?;
        }
        ensure(!ok(engine.can_create_workspace(uid), "canCreateWorkspace")?, || format!("inactive {uid:?} may create a workspace"))?;
        ensure(!ok(engine.can_grant_access(uid), "canGrantAccess")?, || format!("inactive {uid:?} may grant access"))?;
    }
    Ok(())
}

#[test]
fn an_inactive_user_is_allowed_nothing() {
    for_random_models("inactive users are allowed nothing", |g, t| {
        check_inactive(&g.model, &g.later, &g.probes)?;
        // and again with a random half of the users (admins included) made inactive in a hostile model
        let mut m = hostile(&g.model, t);
        for u in m["users"].as_array_mut().unwrap() {
            if t.chance(50) {
                u["active"] = json!(false);
            }
        }
        check_inactive(&m, &g.later, &g.probes)
    });
}

#[test]
fn sharing_rules_and_public_defaults_never_give_delete() {
    for_random_models("sharing never gives delete", |g, t| {
        // M' = M with every private/publicRead/publicReadWrite module made
        // publicReadWrite and broad read-write sharing rules added: who may
        // delete what must not change.
        let mut shared = g.model.clone();
        for module in shared["modules"].as_array_mut().unwrap() {
            if module.get("defaultSharing") != Some(&json!("publicReadWriteDelete")) {
                module["defaultSharing"] = json!("publicReadWrite");
            }
        }
        add_broad_rules(&mut shared, t, 20);
        let before = build(&g.model, &g.later)?;
        let after = build(&shared, &g.later)?;
        let records = Records::of(&g.model, &g.later, &g.probes);
        for u in users(&g.model) {
            let uid = id(&u);
            for item in &records.items {
                let text = item.0.to_string();
                let d0 = ok(before.decide(uid, "delete", as_ref(item, &text)), "decide")?;
                let d1 = ok(after.decide(uid, "delete", as_ref(item, &text)), "decide")?;
                if d0.allowed {
                    DELETE_SEEN.fetch_add(1, Relaxed);
                }
                ensure(d0.allowed == d1.allowed && (d0.access == Access::Full) == (d1.access == Access::Full), || {
                    format!("sharing changed delete for {uid:?} on {}: before {d0:?}, after {d1:?}\nshared model: {shared}", item.0)
                })?;
            }
        }
        Ok(())
    });
    nonvacuous("deletes kept", &DELETE_SEEN);
}

/// M ⊑ M': everything allowed in `before` is allowed in `after`, no access level drops,
/// nobody disappears from a people list and no invite right is lost.
fn never_removes_access(what: &str, seen: &AtomicU64, model: &Value, changed: &Value, later: &[Value], probes: &[Value]) -> Result<(), TestCaseError> {
    let before = build(model, later)?;
    let after = build(changed, later)?;
    let records = Records::of(model, later, probes);
    let workspaces: Vec<String> = changed.get("workspaces").and_then(|w| w.as_array()).into_iter().flatten().map(|w| id(w).to_string()).collect();
    for u in users(model) {
        let uid = id(&u);
        for item in &records.items {
            let text = item.0.to_string();
            for action in ACTIONS {
                let d0 = ok(before.decide(uid, action, as_ref(item, &text)), "decide")?;
                let d1 = ok(after.decide(uid, action, as_ref(item, &text)), "decide")?;
                if d0.allowed {
                    seen.fetch_add(1, Relaxed);
                }
                ensure(!d0.allowed || d1.allowed, || {
                    format!("{what} took away {action} from {uid:?} on {}: before {d0:?}, after {d1:?}\nchanged model: {changed}", item.0)
                })?;
                if action != "create" {
                    ensure(d1.access >= d0.access, || {
                        format!("{what} lowered {uid:?}'s access to {}: before {d0:?}, after {d1:?}\nchanged model: {changed}", item.0)
                    })?;
                }
            }
        }
        let p0 = ok(before.visible_users(uid), "visibleUsers")?;
        let p1 = ok(after.visible_users(uid), "visibleUsers")?;
        ensure(p0.iter().all(|p| p1.contains(p)), || format!("{what} hid people from {uid:?}: {p0:?} → {p1:?}\nchanged model: {changed}"))?;
        for w in &workspaces {
            let i0 = ok(before.can_invite(uid, w), "canInvite")?;
            let i1 = ok(after.can_invite(uid, w), "canInvite")?;
            ensure(!i0 || i1, || format!("{what} took away {uid:?}'s right to invite to {w}\nchanged model: {changed}"))?;
        }
    }
    Ok(())
}

#[test]
fn adding_a_sharing_rule_never_removes_access() {
    for_random_models("adding a sharing rule never removes access", |g, t| {
        let mut changed = g.model.clone();
        add_broad_rules(&mut changed, t, 3);
        never_removes_access("adding sharing rules", &MONOTONE_RULE, &g.model, &changed, &g.later, &g.probes)
    });
    nonvacuous("adding_a_sharing_rule_never_removes_access", &MONOTONE_RULE);
}

#[test]
fn adding_a_group_membership_never_removes_access() {
    for_random_models("adding a group membership never removes access", |g, t| {
        let mut changed = g.model.clone();
        let n_groups = changed.get("groups").and_then(|x| x.as_array()).map(std::vec::Vec::len).unwrap_or(0);
        if n_groups == 0 {
            return Ok(());
        }
        let user_ids: Vec<String> = users(&changed).iter().map(|u| id(u).to_string()).collect();
        let role_ids: Vec<String> = changed.get("roles").and_then(|x| x.as_array()).into_iter().flatten().map(|r| id(r).to_string()).collect();
        let additions = 1 + t.below(3);
        for _ in 0..additions {
            let gi = t.below(n_groups);
            // groups only contain groups with a smaller index: no cycle can appear
            let member = match t.below(4) {
                1 if !role_ids.is_empty() => json!({ "role": role_ids[t.below(role_ids.len())] }),
                2 if !role_ids.is_empty() => json!({ "roleAndSubordinates": role_ids[t.below(role_ids.len())] }),
                3 if gi > 0 => json!({ "group": format!("g{}", t.below(gi)) }),
                _ => json!({ "user": user_ids[t.below(user_ids.len())] }),
            };
            let group = &mut changed["groups"][gi];
            if group.get("members").is_none() {
                group["members"] = json!([]);
            }
            group["members"].as_array_mut().unwrap().push(member);
        }
        never_removes_access("adding group members", &MONOTONE_GROUP, &g.model, &changed, &g.later, &g.probes)
    });
    nonvacuous("adding_a_group_membership_never_removes_access", &MONOTONE_GROUP);
}

#[test]
fn adding_a_workspace_membership_never_removes_access() {
    for_random_models("adding a workspace membership never removes access", |g, t| {
        let mut changed = g.model.clone();
        let n_ws = changed.get("workspaces").and_then(|x| x.as_array()).map(std::vec::Vec::len).unwrap_or(0);
        if n_ws == 0 {
            return Ok(());
        }
        let user_ids: Vec<String> = users(&changed).iter().map(|u| id(u).to_string()).collect();
        let additions = 1 + t.below(3);
        for _ in 0..additions {
            let w = &mut changed["workspaces"][t.below(n_ws)];
            let uid = user_ids[t.below(user_ids.len())].clone();
            if t.chance(25) {
                // a new moderator
                if w.get("moderators").is_none() {
                    w["moderators"] = json!([]);
                }
                let mods = w["moderators"].as_array_mut().unwrap();
                if !mods.contains(&json!(uid)) {
                    mods.push(json!(uid));
                }
            } else {
                // a new member entry (read-only or not) for someone without one
                if w.get("members").is_none() {
                    w["members"] = json!([]);
                }
                let members = w["members"].as_array_mut().unwrap();
                // v2: joining a workspace is not monotone for an external user who is
                // involved in its records (SPEC §3.2: inside a workspace U takes part in,
                // involvement counts only through that workspace's rules, so a read-only
                // entry caps an assignee at read, and "all" gives an auditor write, not full)
                let external = users(&g.model).iter().any(|u| id(u) == uid && flag(u, "external"));
                if VERSION >= 2 && external {
                    continue;
                }
                if !members.iter().any(|m| m["user"] == json!(uid)) {
                    let ro = t.chance(40);
                    members.push(json!({ "user": uid, "readOnly": ro }));
                }
            }
        }
        never_removes_access("adding workspace members", &MONOTONE_WORKSPACE, &g.model, &changed, &g.later, &g.probes)
    });
    nonvacuous("adding_a_workspace_membership_never_removes_access", &MONOTONE_WORKSPACE);
}

fn check_read_only(model: &Value, later: &[Value], probes: &[Value]) -> Result<(), TestCaseError> {
    let engine = build(model, later)?;
    let records = Records::of(model, later, probes);
    let modules: Vec<String> = model["modules"].as_array().unwrap().iter().map(id_or_name).collect();
    let workspaces: Vec<String> = model.get("workspaces").and_then(|w| w.as_array()).into_iter().flatten().map(|w| id(w).to_string()).collect();
    // admins: SPEC §3.1 step 2 lets no cap apply to them (see SECURITY.md); the
    // invariant is about every other read-only user.
    for u in users(model).iter().filter(|u| flag(u, "readOnly") && !flag(u, "admin")) {
        let uid = id(u);
        for item in &records.items {
            let text = item.0.to_string();
            for action in ["edit", "delete", "create"] {
                let d = ok(engine.decide(uid, action, as_ref(item, &text)), "decide")?;
                ensure(!d.allowed, || format!("read-only user {uid:?} may {action} {}: {d:?}", item.0))?;
                ensure(!ok(engine.can(uid, action, as_ref(item, &text)), "can")?, || format!("read-only user {uid:?}: can({action}) on {}", item.0))?;
            }
            let d = ok(engine.decide(uid, "view", as_ref(item, &text)), "decide")?;
            if d.allowed {
                READ_ONLY_SEEN.fetch_add(1, Relaxed);
            }
            ensure(d.access <= Access::Read, || format!("read-only user {uid:?} has access {:?} to {}", d.access, item.0))?;
            ensure(!d.allowed || d.read_only, || format!("read-only user {uid:?} sees {} but readOnly is false", item.0))?;
        }
        for m in &modules {
            let fa = ok(engine.field_access(uid, m), "fieldAccess")?;
            ensure(fa.iter().all(|(_, l)| *l != FieldLevel::Editable), || format!("read-only user {uid:?}: fieldAccess({m}) = {fa:?}"))?;
        }
        for w in &workspaces {
            ensure(!ok(engine.can_invite(uid, w), "canInvite")?, || format!("read-only user {uid:?} may invite to {w}"))?;
        }
        ensure(!ok(engine.can_create_workspace(uid), "canCreateWorkspace")?, || format!("read-only {uid:?} may create a workspace"))?;
        ensure(!ok(engine.can_grant_access(uid), "canGrantAccess")?, || format!("read-only {uid:?} may grant access"))?;
    }
    Ok(())
}

#[test]
fn read_only_users_can_never_edit_delete_or_create() {
    for_random_models("read-only users never edit, delete or create", |g, t| {
        check_read_only(&g.model, &g.later, &g.probes)?;
        // every non-admin user read-only, in a hostile model
        let mut m = hostile(&g.model, t);
        for u in m["users"].as_array_mut().unwrap() {
            if !flag(u, "admin") {
                u["readOnly"] = json!(true);
            }
        }
        check_read_only(&m, &g.later, &g.probes)
    });
    nonvacuous("read-only users (views)", &READ_ONLY_SEEN);
}

fn check_admins(model: &Value, later: &[Value], probes: &[Value]) -> Result<(), TestCaseError> {
    let engine = build(model, later)?;
    let records = Records::of(model, later, probes);
    let modules: Vec<String> = model["modules"].as_array().unwrap().iter().map(id_or_name).collect();
    let workspaces: Vec<String> = model.get("workspaces").and_then(|w| w.as_array()).into_iter().flatten().map(|w| id(w).to_string()).collect();
    let mut everyone: Vec<String> = users(model).iter().filter(|u| active(u)).map(|u| id(u).to_string()).collect();
    everyone.sort();
    let all_json = Value::Array(records.items.iter().map(|i| i.0.clone()).collect()).to_string();
    for u in users(model).iter().filter(|u| flag(u, "admin") && active(u)) {
        let uid = id(u);
        for item in &records.items {
            let text = item.0.to_string();
            for action in ACTIONS {
                let d = ok(engine.decide(uid, action, as_ref(item, &text)), "decide")?;
                ensure(d.allowed, || format!("admin {uid:?} may not {action} {}: {d:?}", item.0))?;
                if action != "create" {
                    ensure(d.access == Access::Full && !d.read_only, || format!("admin {uid:?} on {}: {d:?}", item.0))?;
                }
            }
        }
        for action in [None, Some("view"), Some("edit"), Some("delete"), Some("create")] {
            let f = ok(engine.filter(uid, &all_json, action), "filter")?;
            ensure(f.iter().all(|b| *b), || format!("admin {uid:?}: filter({action:?}) dropped records: {f:?}"))?;
        }
        for m in &modules {
            let fa = ok(engine.field_access(uid, m), "fieldAccess")?;
            ensure(fa.iter().all(|(_, l)| *l == FieldLevel::Editable), || format!("admin {uid:?}: fieldAccess({m}) = {fa:?}"))?;
        }
        let people = ok(engine.visible_users(uid), "visibleUsers")?;
        ensure(people == everyone, || format!("admin {uid:?} sees {people:?}, not every active user {everyone:?}"))?;
        if !flag(u, "readOnly") {
            for w in &workspaces {
                ensure(ok(engine.can_invite(uid, w), "canInvite")?, || format!("admin {uid:?} may not invite to {w}"))?;
            }
            ensure(ok(engine.can_create_workspace(uid), "canCreateWorkspace")?, || format!("admin {uid:?} may not create a workspace"))?;
            ensure(ok(engine.can_grant_access(uid), "canGrantAccess")?, || format!("admin {uid:?} may not grant access"))?;
        }
    }
    Ok(())
}

#[test]
fn admins_are_allowed_everything() {
    for_random_models("admins are allowed everything", |g, t| {
        check_admins(&g.model, &g.later, &g.probes)?;
        // make a random half of the internal users admins (dropping the limited flags admins may not have)
        let mut m = g.model.clone();
        for u in m["users"].as_array_mut().unwrap() {
            if !flag(u, "external") && t.chance(50) {
                let o = u.as_object_mut().unwrap();
                o.insert("admin".into(), json!(true));
                o.remove("limitedCrm");
                o.remove("limitedDeals");
            }
        }
        check_admins(&m, &g.later, &g.probes)
    });
}

#[test]
fn filter_equals_decide_record_by_record() {
    for_random_models("filter equals decide", |g, _t| {
        let engine = build(&g.model, &g.later)?;
        let records = Records::of(&g.model, &g.later, &g.probes);
        let all: Vec<Value> = records.items.iter().map(|i| i.0.clone()).collect();
        let all_json = Value::Array(all.clone()).to_string();
        for u in users(&g.model) {
            let uid = id(&u);
            ensure(ok(engine.filter(uid, "[]", None), "filter")?.is_empty(), || "filter of [] is not []".into())?;
            for action in [None, Some("view"), Some("edit"), Some("delete"), Some("create")] {
                let kept = ok(engine.filter(uid, &all_json, action), "filter")?;
                ensure(kept.len() == all.len(), || format!("filter returned {} answers for {} records", kept.len(), all.len()))?;
                for (i, x) in all.iter().enumerate() {
                    let text = x.to_string();
                    let d = ok(engine.decide(uid, action.unwrap_or("view"), RecordRef::Json(&text)), "decide")?;
                    let c = ok(engine.can(uid, action.unwrap_or("view"), RecordRef::Json(&text)), "can")?;
                    ensure(kept[i] == d.allowed && c == d.allowed, || {
                        format!("filter({uid:?}, {action:?}) says {} but decide says {} and can says {c} for {x}", kept[i], d.allowed)
                    })?;
                }
            }
        }
        Ok(())
    });
}

// ============================================================================
// Contract v2 invariants (issue 10). Each runs NOW against the v2 reference
// (`tests/reference/`, `Reference::with_version(model, 2)`), which tests the
// reference, and against the engine once `crm_access::CONTRACT_VERSION >= 2`.
// They ask an `Oracle` for decisions; structural facts (P(X), C(X), who takes
// part in a workspace) come from the reference.

/// Something that decides: the v2 reference or the engine.
trait Oracle {
    /// (allowed, access 0..=3) of decide(U, action, X), X given as JSON.
    fn decide(&self, uid: &str, action: &str, x: &Value) -> Result<(bool, u8), TestCaseError>;
    fn name(&self) -> &'static str;
}

struct RefOracle(Reference);
struct EngineOracle(Engine);

impl Oracle for RefOracle {
    fn decide(&self, uid: &str, action: &str, x: &Value) -> Result<(bool, u8), TestCaseError> {
        let d = self.0.decide(uid, action, x);
        Ok((d.allowed, d.access))
    }
    fn name(&self) -> &'static str {
        "the v2 reference"
    }
}

impl Oracle for EngineOracle {
    fn decide(&self, uid: &str, action: &str, x: &Value) -> Result<(bool, u8), TestCaseError> {
        let text = x.to_string();
        let d = ok(self.0.decide(uid, action, RecordRef::Json(&text)), "decide")?;
        let a = match d.access {
            Access::None => 0,
            Access::Read => 1,
            Access::Write => 2,
            Access::Full => 3,
        };
        Ok((d.allowed, a))
    }
    fn name(&self) -> &'static str {
        "the engine"
    }
}

/// The v2 reference for a model plus the records put after construction.
fn v2_reference(model: &Value, later: &[Value]) -> Reference {
    let mut r = Reference::with_version(model, 2);
    r.put_records(later);
    r
}

/// The oracles an invariant is checked against: the v2 reference always, the
/// engine when it implements contract v2.
fn v2_oracles(model: &Value, later: &[Value]) -> Result<Vec<Box<dyn Oracle>>, TestCaseError> {
    let mut out: Vec<Box<dyn Oracle>> = vec![Box::new(RefOracle(v2_reference(model, later)))];
    if crm_access::CONTRACT_VERSION >= 2 {
        out.push(Box::new(EngineOracle(build(model, later)?)));
    }
    Ok(out)
}

fn v2_cases() -> u32 {
    std::env::var("CRM_INV_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(150)
}

/// Like `for_random_models`, over v2 models whatever the engine implements.
fn for_random_v2_models(name: &str, check: impl Fn(&Generated, &mut Tape) -> Result<(), TestCaseError>) {
    let config = Config { cases: v2_cases(), failure_persistence: None, max_shrink_iters: 100, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let strategy = prop::collection::vec(any::<u32>(), TAPE_LEN);
    let result = runner.run(&strategy, |data| {
        let mut tape = Tape::new(&data);
        let g = generate_for(&mut tape, 2);
        check(&g, &mut tape).map_err(|e| {
            TestCaseError::fail(format!("{e}\nmodel: {}\nlater: {}\nprobes: {}", g.model, Value::Array(g.later.clone()), Value::Array(g.probes.clone())))
        })
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, _)) => panic!("v2 invariant `{name}` violated:\n{why}"),
        Err(TestError::Abort(why)) => panic!("{name}: aborted: {why}"),
    }
    if crm_access::CONTRACT_VERSION < 2 {
        eprintln!("{name}: checked on the v2 reference only (the engine implements contract v{})", crm_access::CONTRACT_VERSION);
    }
}

/// Every record of a model: stored (model + later) and probes, as JSON.
fn all_records(r: &Reference, probes: &[Value]) -> Vec<Value> {
    let mut out = r.store.clone();
    out.extend(probes.iter().cloned());
    out
}

/// The profile cap of U on a module (read: view, write: +edit, full: +delete), from the JSON.
fn profile_cap(model: &Value, u: &Value, module: &str) -> u8 {
    let mut pids = strs(u, "profiles");
    if let Some(role) = u["role"].as_str() {
        if let Some(r) = model.get("roles").and_then(|x| x.as_array()).into_iter().flatten().find(|r| id(r) == role) {
            pids.extend(strs(r, "profiles"));
        }
    }
    let (mut v, mut e, mut d) = (false, false, false);
    for p in model.get("profiles").and_then(|x| x.as_array()).into_iter().flatten() {
        if pids.iter().any(|q| q == id(p)) {
            if let Some(m) = p.get("modules").and_then(|ms| ms.get(module)) {
                v |= flag(m, "view");
                e |= flag(m, "edit");
                d |= flag(m, "delete");
            }
        }
    }
    match (v, e, d) {
        (false, _, _) => 0,
        (true, false, _) => 1,
        (true, true, false) => 2,
        _ => 3,
    }
}

static V2_SUPERIOR: AtomicU64 = AtomicU64::new(0);
static V2_NO_HIERARCHY: AtomicU64 = AtomicU64::new(0);
static V2_PARENT: AtomicU64 = AtomicU64::new(0);
static V2_LIMITED: AtomicU64 = AtomicU64::new(0);
static V2_EXTERNAL: AtomicU64 = AtomicU64::new(0);

/// A new internal user `v2-sub` in a new leaf role `v2-sub-role` under `uid`'s role
/// (with the same profiles as `uid`, no caps), a new group `v2-sub-group` holding
/// only them, and grants aimed at them on the records of `modules`: shares by
/// hand (user, group, role; read or readWrite) and sharing rules (with related
/// sharing on child modules in `modules`). The subordinate owns nothing and takes
/// part in no workspace.
fn add_subordinate_with_grants(model: &Value, later: &[Value], uid: &str, modules: &[String], t: &mut Tape) -> (Value, Vec<Value>) {
    let mut m = model.clone();
    let u = users(model).into_iter().find(|u| id(u) == uid).unwrap();
    let role = u["role"].as_str().unwrap().to_string();
    let role_profiles = m["roles"].as_array().unwrap().iter().find(|r| id(r) == role).map(|r| strs(r, "profiles")).unwrap_or_default();
    m["roles"].as_array_mut().unwrap().push(json!({ "id": "v2-sub-role", "parent": role, "profiles": role_profiles }));
    m["users"].as_array_mut().unwrap().push(json!({ "id": "v2-sub", "role": "v2-sub-role", "profiles": strs(&u, "profiles") }));
    if m.get("groups").is_none() {
        m["groups"] = json!([]);
    }
    m["groups"].as_array_mut().unwrap().push(json!({ "id": "v2-sub-group", "members": [{ "user": "v2-sub" }] }));
    let targets =
        [json!({ "user": "v2-sub" }), json!({ "group": "v2-sub-group" }), json!({ "role": "v2-sub-role" }), json!({ "roleAndSubordinates": "v2-sub-role" })];
    let share = |r: &mut Value, t: &mut Tape| {
        if !modules.iter().any(|x| r["module"].as_str() == Some(x.as_str())) || !t.chance(60) {
            return;
        }
        let mut s = targets[t.below(targets.len())].clone();
        s["access"] = json!(if t.chance(50) { "readWrite" } else { "read" });
        let mut list = r.get("sharedWith").and_then(|x| x.as_array()).cloned().unwrap_or_default();
        list.push(s);
        r["sharedWith"] = Value::Array(list);
    };
    if let Some(Value::Array(rs)) = m.get_mut("records") {
        let mut rs2 = rs.clone();
        for r in &mut rs2 {
            share(r, t);
        }
        *rs = rs2;
    }
    let mut later = later.to_vec();
    for r in &mut later {
        share(r, t);
    }
    // rules: from any principal (or the owner's role) to the subordinate
    let mut froms = principals(model);
    froms.push(json!({ "group": "v2-sub-group" }));
    let all_modules: Vec<(String, Option<String>)> =
        m["modules"].as_array().unwrap().iter().map(|x| (id_or_name(x), x.get("parent").and_then(|p| p.as_str()).map(String::from))).collect();
    let mut rules = m.get("sharingRules").and_then(|x| x.as_array()).cloned().unwrap_or_default();
    for (i, module) in modules.iter().enumerate() {
        if froms.is_empty() || !t.chance(70) {
            continue;
        }
        let mut related = serde_json::Map::new();
        for (child, parent) in &all_modules {
            if parent.as_deref() == Some(module.as_str()) && modules.contains(child) {
                related.insert(child.clone(), json!(if t.chance(50) { "readWrite" } else { "read" }));
            }
        }
        let to = targets[1 + t.below(3)].clone(); // a rule's `to` is never a user
        rules.push(json!({ "id": format!("v2-sub-rule-{i}"), "module": module, "from": froms[t.below(froms.len())], "to": to,
            "access": if t.chance(50) { "readWrite" } else { "read" }, "related": related }));
    }
    m["sharingRules"] = Value::Array(rules);
    (m, later)
}

/// Internal, active, non-admin users with a role, no caps and no limited flags.
fn plain_internal_users(model: &Value) -> Vec<String> {
    users(model)
        .iter()
        .filter(|u| {
            !flag(u, "external")
                && active(u)
                && !flag(u, "admin")
                && !flag(u, "readOnly")
                && !flag(u, "limitedCrm")
                && !flag(u, "limitedDeals")
                && u.get("recordTypes").is_none_or(serde_json::Value::is_null)
                && u["role"].is_string()
        })
        .map(|u| id(u).to_string())
        .collect()
}

fn module_names(model: &Value) -> Vec<String> {
    model["modules"].as_array().unwrap().iter().map(id_or_name).collect()
}

#[test]
fn v2_a_superior_never_gets_less_than_a_subordinate_through_rules_and_shares_on_a_hierarchy_module() {
    for_random_v2_models("a superior never gets less than a subordinate (hierarchy modules)", |g, t| {
        // every module with the hierarchy on
        let mut model = g.model.clone();
        for m in model["modules"].as_array_mut().unwrap() {
            m["hierarchy"] = json!(true);
        }
        let candidates = plain_internal_users(&model);
        let Some(uid) = t.pick(&candidates).cloned() else { return Ok(()) };
        let (m, later) = add_subordinate_with_grants(&model, &g.later, &uid, &module_names(&model), t);
        for oracle in v2_oracles(&m, &later)? {
            let r = v2_reference(&m, &later);
            for x in all_records(&r, &g.probes) {
                let (_, sup) = oracle.decide(&uid, "view", &x)?;
                let (sub_allowed, sub) = oracle.decide("v2-sub", "view", &x)?;
                if sub_allowed {
                    V2_SUPERIOR.fetch_add(1, Relaxed);
                }
                ensure(sup >= sub, || format!("{}: superior {uid:?} has access {sup} to {x}, their subordinate v2-sub has {sub}\nmodel: {m}", oracle.name()))?;
            }
        }
        Ok(())
    });
    nonvacuous("superior ≥ subordinate", &V2_SUPERIOR);
}

#[test]
fn v2_on_a_module_without_hierarchy_a_superior_gets_nothing_through_a_subordinate() {
    for_random_v2_models("no hierarchy: a superior gets nothing through a subordinate", |g, t| {
        let no_hierarchy: Vec<String> =
            g.model["modules"].as_array().unwrap().iter().filter(|m| m.get("hierarchy") == Some(&json!(false))).map(id_or_name).collect();
        if no_hierarchy.is_empty() {
            return Ok(());
        }
        let candidates = plain_internal_users(&g.model);
        let Some(uid) = t.pick(&candidates).cloned() else { return Ok(()) };
        let (m, later) = add_subordinate_with_grants(&g.model, &g.later, &uid, &no_hierarchy, t);
        // grants aimed at the subordinate on hierarchy-free modules change nothing for anybody else
        let before = v2_oracles(&g.model, &g.later)?;
        let after = v2_oracles(&m, &later)?;
        // the same records before and after (the shares only add entries, in place)
        let records0 = all_records(&v2_reference(&g.model, &g.later), &g.probes);
        let records1 = all_records(&v2_reference(&m, &later), &g.probes);
        for (o0, o1) in before.iter().zip(after.iter()) {
            for u in users(&g.model) {
                for (x0, x) in records0.iter().zip(records1.iter()) {
                    for action in ["view", "edit", "delete"] {
                        let d0 = o0.decide(id(&u), action, x0)?;
                        let d1 = o1.decide(id(&u), action, x)?;
                        if x0 != x {
                            V2_NO_HIERARCHY.fetch_add(1, Relaxed);
                        }
                        ensure(d0 == d1, || {
                            format!("{}: grants to a subordinate of {uid:?} on a module without hierarchy changed {action} for {:?} on {x}: {d0:?} → {d1:?}\nmodel after: {m}", o1.name(), id(&u))
                        })?;
                    }
                }
            }
        }
        Ok(())
    });
    nonvacuous("no hierarchy: nothing through a subordinate", &V2_NO_HIERARCHY);
}

#[test]
fn v2_a_child_controlled_by_its_parent_is_never_below_the_parents_level() {
    for_random_v2_models("a child controlled by its parent is never below the parent", |g, _t| {
        let r = v2_reference(&g.model, &g.later);
        let controlled: Vec<String> =
            g.model["modules"].as_array().unwrap().iter().filter(|m| m.get("controlledByParent") == Some(&json!(true))).map(id_or_name).collect();
        let no_security: Vec<String> =
            g.model["modules"].as_array().unwrap().iter().filter(|m| m.get("recordSecurity") == Some(&json!(false))).map(id_or_name).collect();
        for oracle in v2_oracles(&g.model, &g.later)? {
            for u in users(&g.model) {
                // limits and caps aside
                if !active(&u)
                    || flag(&u, "limitedCrm")
                    || flag(&u, "limitedDeals")
                    || flag(&u, "readOnly")
                    || !u.get("recordTypes").is_none_or(serde_json::Value::is_null)
                {
                    continue;
                }
                for x in all_records(&r, &g.probes) {
                    let xm = x["module"].as_str().unwrap_or("");
                    if !controlled.iter().any(|c| c == xm) || no_security.iter().any(|c| c == xm) {
                        continue;
                    }
                    let Some(p) = r.parent_record_of(&x) else { continue };
                    let (_, parent) = oracle.decide(id(&u), "view", p)?;
                    let (_, child) = oracle.decide(id(&u), "view", &x)?;
                    let want = parent.min(profile_cap(&g.model, &u, xm));
                    if parent > 0 {
                        V2_PARENT.fetch_add(1, Relaxed);
                    }
                    ensure(child >= want, || format!("{}: {:?} has access {child} to {x} but {parent} to its parent {p}", oracle.name(), id(&u)))?;
                }
            }
        }
        Ok(())
    });
    nonvacuous("child ≥ parent", &V2_PARENT);
}

/// Limited CRM users, v2: every view is of a record whose company C(X) they
/// manage, or of a contact they created that has no company and no parent.
fn check_v2_limited(oracle: &dyn Oracle, model: &Value, later: &[Value], probes: &[Value], seen: &AtomicU64) -> Result<(), TestCaseError> {
    let Some(la) = model.get("limitedAccess").filter(|l| !l.is_null()) else { return Ok(()) };
    let limited_modules = strs(la, "modules");
    let contact_module = la.get("contactModule").and_then(|c| c.as_str());
    let no_security: Vec<String> =
        model["modules"].as_array().unwrap().iter().filter(|m| m.get("recordSecurity") == Some(&json!(false))).map(id_or_name).collect();
    let r = v2_reference(model, later);
    for u in users(model).iter().filter(|u| flag(u, "limitedCrm")) {
        let uid = id(u);
        for x in all_records(&r, probes) {
            let xm = x["module"].as_str().unwrap_or("");
            if !limited_modules.iter().any(|m| m == xm) || no_security.iter().any(|m| m == xm) {
                continue;
            }
            let (allowed, _) = oracle.decide(uid, "view", &x)?;
            if !allowed {
                continue;
            }
            seen.fetch_add(1, Relaxed);
            let manages_company = r.company_of(&x).is_some_and(|c| strs(c, "accountManagers").iter().any(|a| a == uid));
            let own_loose_contact = contact_module == Some(xm)
                && x.get("company").is_none_or(serde_json::Value::is_null)
                && x.get("parent").is_none_or(serde_json::Value::is_null)
                && x["createdBy"].as_str() == Some(uid);
            ensure(manages_company || own_loose_contact, || format!("{}: limited user {uid:?} sees {x}, whose company they do not manage", oracle.name()))?;
        }
    }
    Ok(())
}

#[test]
fn v2_a_limited_user_never_sees_a_record_whose_company_they_do_not_manage_whoever_created_it() {
    for_random_v2_models("a limited user sees only records of companies they manage", |g, t| {
        for oracle in v2_oracles(&g.model, &g.later)? {
            check_v2_limited(oracle.as_ref(), &g.model, &g.later, &g.probes, &V2_LIMITED)?;
        }
        // more limited users (where allowed), every module public, broad rules
        let mut m = g.model.clone();
        if m["limitedAccess"]["modules"].as_array().is_some_and(|a| !a.is_empty()) {
            for u in m["users"].as_array_mut().unwrap() {
                if !flag(u, "admin") && !flag(u, "teamLead") && !flag(u, "external") && !flag(u, "limitedDeals") && t.chance(50) {
                    u["limitedCrm"] = json!(true);
                }
            }
        }
        let limited: Vec<String> = users(&m).iter().filter(|u| flag(u, "limitedCrm")).map(|u| id(u).to_string()).collect();
        if limited.is_empty() {
            return Ok(());
        }
        for module in m["modules"].as_array_mut().unwrap() {
            module["defaultSharing"] = json!("publicReadWriteDelete");
        }
        add_broad_rules(&mut m, t, 8);
        // every record created by a limited user; some companies managed by one
        let company = m["limitedAccess"]["companyModule"].as_str().unwrap_or("").to_string();
        let stamp = |rs: &mut [Value], t: &mut Tape| {
            for r in rs.iter_mut() {
                r["createdBy"] = json!(limited[t.below(limited.len())]);
                if r["module"].as_str() == Some(company.as_str()) && t.chance(60) {
                    let mut ams = strs(r, "accountManagers");
                    let who = limited[t.below(limited.len())].clone();
                    if !ams.contains(&who) {
                        ams.push(who);
                    }
                    r["accountManagers"] = json!(ams);
                }
            }
        };
        if let Some(Value::Array(rs)) = m.get_mut("records") {
            let mut rs2 = rs.clone();
            stamp(&mut rs2, t);
            *rs = rs2;
        }
        let mut later = g.later.clone();
        stamp(&mut later, t);
        let mut probes = g.probes.clone();
        stamp(&mut probes, t);
        for oracle in v2_oracles(&m, &later)? {
            check_v2_limited(oracle.as_ref(), &m, &later, &probes, &V2_LIMITED)?;
        }
        Ok(())
    });
    nonvacuous("limited users (v2)", &V2_LIMITED);
}

/// External users, v2: every record they may view they own, are involved in
/// (auditor, assignee, participant, creator), reach through a workspace they take
/// part in, or inherit from a parent they may view (module controlled by its parent).
fn check_v2_externals(oracle: &dyn Oracle, model: &Value, later: &[Value], probes: &[Value], seen: &AtomicU64) -> Result<(), TestCaseError> {
    let r = v2_reference(model, later);
    let controlled: Vec<String> =
        model["modules"].as_array().unwrap().iter().filter(|m| m.get("controlledByParent") == Some(&json!(true))).map(id_or_name).collect();
    for u in users(model).iter().filter(|u| flag(u, "external")) {
        let uid = id(u);
        for x in all_records(&r, probes) {
            let mut allowed_any = false;
            for action in ["view", "edit", "delete"] {
                allowed_any |= oracle.decide(uid, action, &x)?.0;
            }
            if !allowed_any {
                continue;
            }
            seen.fetch_add(1, Relaxed);
            let owns = x["owner"].as_str() == Some(uid);
            let involved =
                ["auditors", "assignees", "participants"].iter().any(|k| strs(&x, k).iter().any(|v| v == uid)) || x["createdBy"].as_str() == Some(uid);
            let in_my_workspace = strs(&x, "workspaces").iter().any(|w| r.takes_part_in(uid, w));
            let through_parent = controlled.iter().any(|c| x["module"].as_str() == Some(c.as_str()))
                && match r.parent_record_of(&x) {
                    Some(p) => oracle.decide(uid, "view", p)?.0,
                    None => false,
                };
            ensure(owns || involved || in_my_workspace || through_parent, || {
                format!(
                    "{}: external user {uid:?} may act on {x}, which they do not own, are not involved in, reach through no workspace and no parent",
                    oracle.name()
                )
            })?;
        }
    }
    Ok(())
}

#[test]
fn v2_an_external_user_sees_nothing_they_do_not_own_are_not_involved_in_or_reach_through_a_workspace_or_a_parent() {
    for_random_v2_models("external users see only what they own, are involved in, or reach", |g, t| {
        for oracle in v2_oracles(&g.model, &g.later)? {
            check_v2_externals(oracle.as_ref(), &g.model, &g.later, &g.probes, &V2_EXTERNAL)?;
        }
        let h = hostile(&g.model, t);
        for oracle in v2_oracles(&h, &g.later)? {
            check_v2_externals(oracle.as_ref(), &h, &g.later, &g.probes, &V2_EXTERNAL)?;
        }
        Ok(())
    });
    nonvacuous("external users (v2)", &V2_EXTERNAL);
}
