//! `who_can(action, record)` equals asking every user (issue 12).
//!
//! For random contract-v2 models (the generator of the differential test),
//! every stored record × {view, edit, delete}: the users `who_can` lists, and
//! their access, are exactly the users whose `decide` is allowed, with
//! `decide`'s access, in user id order. Also after records are replaced and
//! removed, and for the probe records given as JSON. `CRM_WHO_CASES` sets the
//! number of models (default 300).

// The reference model is kept for clarity over style by its owner; lints do not apply to it.
mod common;

#[allow(clippy::all, clippy::pedantic, dead_code)]
mod reference;

use crm_access::{Engine, RecordRef, WhoCan};
use reference::gen::{generate_for, Tape};
use reference::Reference;
use serde_json::Value;
use std::time::Instant;

const TAPE_LEN: usize = 2500;

fn tape(seed: u64) -> Vec<u32> {
    common::tape(seed, 0x5DEE_CE66_D1CE_4E5B, TAPE_LEN)
}

/// `who_can` against asking every user, for one record; returns the decisions compared.
fn check_one(engine: &Engine, users: &[String], record: RecordRef<'_>, label: &str) -> u64 {
    let mut n = 0;
    for action in ["view", "edit", "delete"] {
        let got = engine.who_can(action, record).unwrap();
        let mut want: Vec<WhoCan> = Vec::new();
        for u in users {
            let d = engine.decide(u, action, record).unwrap();
            n += 1;
            if d.allowed {
                want.push(WhoCan { user: u.clone(), access: d.access });
            }
        }
        want.sort_by(|a, b| a.user.cmp(&b.user));
        if got != want && std::env::var("WHO_DEBUG").is_ok() {
            for w in got.iter().filter(|w| !want.contains(w)) {
                eprintln!("extra {w:?}: {:?}", engine.decide(&w.user, action, record).unwrap());
            }
        }
        assert_eq!(got, want, "{label}: whoCan({action}, {record:?})");
    }
    n
}

fn compare(engine: &Engine, reference: &Reference, probes: &[Value], label: &str) -> u64 {
    let users = reference.user_ids();
    let mut n = 0;
    for id in reference.stored_ids() {
        n += check_one(engine, &users, RecordRef::Id(&id), label);
    }
    for p in probes {
        let text = p.to_string();
        if engine.decide(&users[0], "view", RecordRef::Json(&text)).is_ok() {
            n += check_one(engine, &users, RecordRef::Json(&text), label);
        }
    }
    n
}

/// The model with a twin of every user (same role, profiles and flags, named
/// nowhere else): twins share their originals' signatures, so a user the
/// candidates miss is caught through their twin (a small model often has one
/// user per signature, who is then their own representative).
fn with_twins(model: &Value) -> Value {
    let mut m = model.clone();
    let users = m["users"].as_array_mut().unwrap();
    let twins: Vec<Value> = users
        .iter()
        .map(|u| {
            let mut t = u.clone();
            t["id"] = Value::String(format!("{}~twin", u["id"].as_str().unwrap()));
            t
        })
        .collect();
    users.extend(twins);
    m
}

#[test]
fn who_can_equals_asking_every_user() {
    let cases: u64 = std::env::var("CRM_WHO_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    let start = Instant::now();
    let (mut models, mut decisions) = (0u64, 0u64);
    for seed in 0..cases {
        let data = tape(seed);
        let mut g = generate_for(&mut Tape::new(&data), 2);
        if seed % 2 == 1 {
            g.model = with_twins(&g.model);
        }
        if std::env::var("WHO_DEBUG").is_ok_and(|v| v == seed.to_string()) {
            eprintln!("model: {}\nlater: {}", g.model, Value::Array(g.later.clone()));
        }
        let Ok(mut engine) = Engine::new(&g.model.to_string()) else { panic!("seed {seed}: a valid model was rejected") };
        let mut reference = Reference::with_version(&g.model, 2);
        engine.put_records(&Value::Array(g.later.clone()).to_string()).unwrap();
        reference.put_records(&g.later);
        decisions += compare(&engine, &reference, &g.probes, &format!("seed {seed}"));
        if !g.replacements.is_empty() {
            engine.put_records(&Value::Array(g.replacements.clone()).to_string()).unwrap();
            reference.put_records(&g.replacements);
        }
        let stored = reference.stored_ids();
        let gone: Vec<&str> = stored.iter().step_by(3).map(String::as_str).collect();
        engine.remove_records(&gone);
        reference.remove_records(&gone);
        decisions += compare(&engine, &reference, &[], &format!("seed {seed} after changes"));
        models += 1;
    }
    eprintln!("whoCan: {models} models, {decisions} decisions compared, {:.1?}", start.elapsed());
    assert!(decisions > 10_000, "too few decisions compared: {decisions}");
}

#[test]
fn who_can_refuses_create_and_unknown_records() {
    let engine = Engine::new(r#"{"modules":[{"name":"deals"}],"users":[{"id":"a"}],"records":[{"id":"d","module":"deals","owner":"a"}]}"#).unwrap();
    assert!(engine.who_can("create", RecordRef::Id("d")).is_err());
    assert!(engine.who_can("view", RecordRef::Id("nope")).is_err());
    assert!(engine.who_can("fly", RecordRef::Id("d")).is_err());
    assert_eq!(engine.who_can("view", RecordRef::Id("d")).unwrap(), vec![]);
}

/// Limited CRM access through a record's company and through its parent, and
/// limited deal access through the parent deal: the managing users are found
/// (their twins, with the same signature, are not allowed).
#[test]
fn who_can_limited_access() {
    let model = serde_json::json!({
        "modules": [{ "name": "companies" }, { "name": "deals", "parent": "companies" }, { "name": "tasks", "parent": "deals" }],
        "profiles": [{ "id": "all", "modules": {
            "companies": { "view": true, "edit": true, "delete": true },
            "deals": { "view": true, "edit": true, "delete": true },
            "tasks": { "view": true, "edit": true, "delete": true } } }],
        "users": [
            { "id": "lim", "profiles": ["all"], "limitedCrm": true },
            { "id": "limd", "profiles": ["all"], "limitedDeals": true },
            { "id": "owner", "profiles": ["all"] }
        ],
        "limitedAccess": { "companyModule": "companies", "modules": ["companies", "deals"], "dealModule": "deals" },
        "records": [
            { "id": "c", "module": "companies", "owner": "owner", "accountManagers": ["lim"] },
            { "id": "d", "module": "deals", "owner": "limd", "company": "c" },
            { "id": "d2", "module": "deals", "owner": "limd", "parent": "c" },
            { "id": "t", "module": "tasks", "owner": "owner", "parent": "d" }
        ]
    });
    let engine = Engine::new(&with_twins(&model).to_string()).unwrap();
    let users: Vec<String> = ["lim", "limd", "owner"].iter().flat_map(|u| [u.to_string(), format!("{u}~twin")]).collect();
    for id in ["c", "d", "d2", "t"] {
        check_one(&engine, &users, RecordRef::Id(id), "limited");
    }
    let who: Vec<String> = engine.who_can("view", RecordRef::Id("d")).unwrap().into_iter().map(|w| w.user).collect();
    assert_eq!(who, ["lim", "limd"]);
}

/// A role chain 20,000 deep, one user per role: the bottom user's record is
/// open to every user above (hierarchy), found with loops (no recursion on
/// depth), and explain's role chain for the top user names every role.
#[test]
fn who_can_and_explain_on_a_deep_role_chain() {
    let n = 20_000;
    let roles: Vec<Value> = (0..n)
        .map(|i| {
            if i == 0 {
                serde_json::json!({ "id": "r0", "profiles": ["p"] })
            } else {
                serde_json::json!({ "id": format!("r{i}"), "parent": format!("r{}", i - 1), "profiles": ["p"] })
            }
        })
        .collect();
    let users: Vec<Value> = (0..n).map(|i| serde_json::json!({ "id": format!("u{i:05}"), "role": format!("r{i}") })).collect();
    let model = serde_json::json!({
        "modules": [{ "name": "deals" }],
        "profiles": [{ "id": "p", "modules": { "deals": { "view": true, "edit": true, "delete": true } } }],
        "roles": roles,
        "users": users,
        "records": [{ "id": "deep", "module": "deals", "owner": format!("u{:05}", n - 1) }]
    });
    let engine = Engine::new(&model.to_string()).unwrap();
    let who = engine.who_can("delete", RecordRef::Id("deep")).unwrap();
    assert_eq!(who.len(), n);
    assert!(who.iter().all(|w| w.access == crm_access::Access::Full));
    let x = engine.explain("u00000", "delete", RecordRef::Id("deep")).unwrap();
    assert_eq!(x.grants[0].path.roles.len(), n);
}
