//! `plan(user, action, module)` equals `filterStored`, row for row.
//!
//! For random contract-v2 models (the generator of the differential test),
//! every user × {view, edit, delete} × module: the stored records of the
//! module on which the plan's condition holds (evaluated natively by
//! `crm_access::plan_matches`) are exactly the ids `filter_stored(user,
//! action)` returns for that module. Also after records are replaced and
//! removed. `CRM_PLAN_CASES` sets the number of models (default 200).

// The reference model is kept for clarity over style by its owner; lints do not apply to it.
mod common;

#[allow(clippy::all, clippy::pedantic, dead_code)]
mod reference;

use crm_access::Engine;
use reference::gen::{generate_for, Tape};
use reference::Reference;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Instant;

const TAPE_LEN: usize = 2500;

fn tape(seed: u64) -> Vec<u32> {
    common::tape(seed, 0xD1B5_4A32_D192_ED03, TAPE_LEN)
}

/// Compares plan and filterStored for every user, action and module; returns the comparisons made.
fn compare(engine: &Engine, reference: &Reference, label: &str) -> u64 {
    let stored = reference.stored_ids();
    let records: Vec<Value> = stored.iter().map(|id| reference.stored_record(id).unwrap().clone()).collect();
    let lookup = |id: &str| reference.stored_record(id).cloned();
    let mut n = 0;
    for user in reference.user_ids() {
        for action in ["view", "edit", "delete"] {
            let want: HashSet<String> = engine.filter_stored(&user, Some(action)).unwrap().into_iter().collect();
            for module in reference.module_names() {
                let plan = engine.plan(&user, action, &module).unwrap();
                // the plan survives its JSON form, which has no always/never inside
                let text = serde_json::to_string(&plan).unwrap();
                assert!(!text.contains("\"op\":\"always\"") && !text.contains("\"op\":\"never\"") && !text.contains("\"of\":[]"), "{text}");
                assert_eq!(serde_json::from_str::<crm_access::Plan>(&text).unwrap(), plan);
                for rec in records.iter().filter(|r| r["module"] == json!(module)) {
                    let id = rec["id"].as_str().unwrap();
                    let got = plan.matches(rec, &lookup);
                    n += 1;
                    assert_eq!(
                        got,
                        want.contains(id),
                        "{label}: user {user:?} {action} record {id:?} of {module:?}: plan says {got}, filterStored says {}\nplan: {text}\nrecord: {rec}",
                        want.contains(id)
                    );
                }
            }
        }
    }
    n
}

#[test]
fn plan_equals_filter_stored() {
    let cases: u64 = std::env::var("CRM_PLAN_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let start = Instant::now();
    let (mut models, mut comparisons) = (0u64, 0u64);
    for seed in 0..cases {
        let data = tape(seed);
        let g = generate_for(&mut Tape::new(&data), 2);
        let Ok(mut engine) = Engine::new(&g.model.to_string()) else { panic!("seed {seed}: a valid model was rejected") };
        let mut reference = Reference::with_version(&g.model, 2);
        engine.put_records(&Value::Array(g.later.clone()).to_string()).unwrap();
        reference.put_records(&g.later);
        comparisons += compare(&engine, &reference, &format!("seed {seed}"));
        if !g.replacements.is_empty() {
            engine.put_records(&Value::Array(g.replacements.clone()).to_string()).unwrap();
            reference.put_records(&g.replacements);
        }
        let stored = reference.stored_ids();
        let gone: Vec<&str> = stored.iter().step_by(3).map(String::as_str).collect();
        engine.remove_records(&gone);
        reference.remove_records(&gone);
        comparisons += compare(&engine, &reference, &format!("seed {seed} after changes"));
        models += 1;
    }
    eprintln!("plan: {models} models, {comparisons} record comparisons, {:.1?}", start.elapsed());
}

/// Traps on one hand-written model: hostile ids (quotes, backslashes, `$1`,
/// `%`, unicode), NULL owners, dangling and wrong-module parents and
/// companies, inactive, read-only, external and limited users, record types,
/// a module without record security, a chain of records controlled by their
/// parent, shares and rules reaching superiors.
#[test]
fn plan_traps() {
    let q = "o'k\"\\$1%_\u{1d4b3}";
    let model = json!({
        "modules": [
            { "name": "companies" },
            { "name": format!("deals{q}"), "parent": "companies", "controlledByParent": true },
            { "name": "quotes", "parent": format!("deals{q}"), "controlledByParent": true, "hierarchy": false },
            { "name": "faq", "recordSecurity": false, "defaultSharing": "publicRead" },
            { "name": "contacts", "parent": "companies", "defaultSharing": "publicRead" }
        ],
        "roles": [{ "id": "boss", "profiles": ["all"] }, { "id": format!("rep{q}"), "parent": "boss", "profiles": ["all"] }],
        "profiles": [
            { "id": "all", "modules": {
                "companies": { "view": true, "edit": true, "delete": true, "create": true },
                format!("deals{q}"): { "view": true, "edit": true, "delete": true },
                "quotes": { "view": true, "edit": true },
                "faq": { "view": true, "edit": true, "delete": true },
                "contacts": { "view": true, "edit": true, "delete": true }
            } }
        ],
        "groups": [{ "id": format!("g{q}"), "members": [{ "role": format!("rep{q}") }] }],
        "users": [
            { "id": "boss", "role": "boss" },
            { "id": format!("rep{q}"), "role": format!("rep{q}") },
            { "id": "rep2", "role": format!("rep{q}"), "recordTypes": ["a'b"] },
            { "id": "off", "role": "boss", "active": false },
            { "id": "ro", "role": "boss", "readOnly": true },
            { "id": "lim", "role": format!("rep{q}"), "limitedCrm": true },
            { "id": "limd", "role": format!("rep{q}"), "limitedDeals": true },
            { "id": "ext", "profiles": ["all"], "external": true },
            { "id": "ext2", "profiles": ["all"], "external": true },
            { "id": "adm", "admin": true }
        ],
        "workspaces": [
            { "id": format!("w{q}"), "owner": "boss", "members": [{ "user": "ext", "readOnly": true }, { "user": "ext2" }], "externalVisibility": "participating" },
            { "id": "wall", "owner": "boss", "members": [{ "user": "ext2" }] }
        ],
        "sharingRules": [
            { "id": "r1", "module": "companies", "from": { "role": "boss" }, "to": { "group": format!("g{q}") }, "access": "read", "related": { format!("deals{q}"): "readWrite" } }
        ],
        "limitedAccess": { "companyModule": "companies", "modules": ["companies", format!("deals{q}"), "contacts"], "dealModule": format!("deals{q}"), "contactModule": "contacts" },
        "records": [
            { "id": format!("c{q}"), "module": "companies", "owner": "boss", "accountManagers": ["lim"] },
            { "id": "c-null", "module": "companies", "owner": null, "sharedWith": [{ "user": format!("rep{q}"), "access": "readWrite" }] },
            { "id": "c-group", "module": "companies", "owner": format!("g{q}"), "type": "a'b" },
            { "id": "c-typed", "module": "companies", "owner": format!("rep{q}"), "type": "x%y" },
            { "id": "d1", "module": format!("deals{q}"), "owner": "boss", "parent": format!("c{q}") },
            { "id": "d-dangling", "module": format!("deals{q}"), "owner": "lim", "parent": "nowhere", "company": "nowhere" },
            { "id": "d-wrong", "module": format!("deals{q}"), "owner": null, "parent": "q1" },
            { "id": "d-null", "module": format!("deals{q}"), "owner": null, "parent": "c-null", "workspaces": [format!("w{q}")], "participants": ["ext"], "createdBy": "ext2" },
            { "id": "q1", "module": "quotes", "owner": null, "parent": "d1" },
            { "id": "d-limd", "module": format!("deals{q}"), "owner": "limd", "parent": "c-group" },
            { "id": "q-limd", "module": "quotes", "owner": null, "parent": "d-limd" },
            { "id": "q2", "module": "quotes", "owner": format!("rep{q}"), "parent": "d-null", "workspaces": ["wall"], "sharedWith": [{ "roleAndSubordinates": format!("rep{q}"), "access": "read" }] },
            { "id": "q3", "module": "quotes", "owner": "ext", "parent": "d-wrong", "assignees": ["ext"] },
            { "id": "f1", "module": "faq", "owner": null, "type": "zz" },
            { "id": "k1", "module": "contacts", "owner": null, "createdBy": "lim" },
            { "id": "k2", "module": "contacts", "owner": null, "createdBy": "lim", "company": format!("c{q}") },
            { "id": "k3", "module": "contacts", "owner": null, "createdBy": "lim", "company": "c-null" },
            { "id": format!("k{q}"), "module": "contacts", "owner": "boss", "company": "d1", "auditors": ["ext"] }
        ]
    });
    let engine = Engine::new(&model.to_string()).unwrap_or_else(|e| panic!("{} {:?}", e.message, e.problems));
    let reference = Reference::with_version(&model, 2);
    let n = compare(&engine, &reference, "traps");
    assert!(n > 0);
    // the plan is data: the admin's is always, the inactive user's never
    assert_eq!(serde_json::to_value(engine.plan("adm", "delete", "quotes").unwrap()).unwrap(), json!({ "kind": "always" }));
    assert_eq!(serde_json::to_value(engine.plan("off", "view", "companies").unwrap()).unwrap(), json!({ "kind": "never" }));
    assert_eq!(serde_json::to_value(engine.plan("ro", "edit", "companies").unwrap()).unwrap(), json!({ "kind": "never" }));
    assert_eq!(serde_json::to_value(engine.plan("boss", "view", "faq").unwrap()).unwrap(), json!({ "kind": "always" }));
    assert!(engine.plan("boss", "create", "companies").is_err());
    assert!(engine.plan("boss", "view", "nope").is_err());
    assert!(engine.plan("nobody", "view", "companies").is_err());
}
