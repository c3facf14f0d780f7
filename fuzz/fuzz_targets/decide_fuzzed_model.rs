//! decide/filter over a fuzzed model. The input drives the random model
//! generator of the test suite (tests/reference/gen.rs) through its entropy
//! tape, so coverage guidance steers the model's shape.
//!
//! - even first byte: the model is valid; the engine must accept it and agree
//!   with the naive reference evaluator (tests/reference) on every decision,
//!   field map, mask, people list and invite answer: differential fuzzing;
//! - odd first byte: the model is then damaged by a few random edits (dangling
//!   references, wrong types, duplicate ids, cycles, unknown keys, forbidden
//!   flag combinations); the engine must refuse it with problems or, if it still
//!   accepts it, answer every question consistently without panicking.
#![no_main]

#[path = "common.rs"]
mod common;
#[path = "../../tests/reference/mod.rs"]
mod reference;

use crm_access::{Access, Engine, FieldLevel, RecordRef};
use libfuzzer_sys::fuzz_target;
use reference::gen::{generate_for, Tape};
use reference::Reference;
use serde_json::{json, Value};

/// v1 models and semantics while the engine is v1, v2 after (issue 10).
const VERSION: u32 = if crm_access::CONTRACT_VERSION >= 2 { 2 } else { 1 };

fn access_u8(a: Access) -> u8 {
    match a {
        Access::None => 0,
        Access::Read => 1,
        Access::Write => 2,
        Access::Full => 3,
    }
}

fn field_name(f: FieldLevel) -> &'static str {
    match f {
        FieldLevel::Hidden => "hidden",
        FieldLevel::ReadOnly => "readOnly",
        FieldLevel::Editable => "editable",
    }
}

fn differential(model: &Value, later: &[Value], probes: &[Value]) {
    let mut engine = match Engine::new(&model.to_string()) {
        Ok(e) => e,
        Err(e) => panic!("valid model rejected: {} {:?}\n{model}", e.message, e.problems.iter().map(|p| &p.path).collect::<Vec<_>>()),
    };
    engine.put_records(&Value::Array(later.to_vec()).to_string()).expect("valid records");
    let mut r = Reference::with_version(model, VERSION);
    r.put_records(later);
    let mut records: Vec<(Value, Option<String>)> =
        r.store.iter().map(|x| (x.clone(), x["id"].as_str().map(String::from))).collect();
    records.extend(probes.iter().map(|p| (p.clone(), None)));
    for u in r.user_ids() {
        assert_eq!(engine.visible_users(&u).unwrap(), r.visible_users(&u), "visibleUsers({u})\n{model}");
        assert_eq!(engine.can_create_workspace(&u).unwrap(), r.can_create_workspace(&u));
        assert_eq!(engine.can_grant_access(&u).unwrap(), r.can_grant_access(&u));
        for w in r.workspace_ids() {
            assert_eq!(engine.can_invite(&u, &w).unwrap(), r.can_invite(&u, &w), "canInvite({u}, {w})\n{model}");
        }
        for m in r.module_names() {
            let got: Vec<(String, &str)> =
                engine.field_access(&u, &m).unwrap().into_iter().map(|(f, l)| (f, field_name(l))).collect();
            assert_eq!(got, r.field_access(&u, &m), "fieldAccess({u}, {m})\n{model}");
        }
        for (x, id) in &records {
            let text = x.to_string();
            let rr = match id {
                Some(id) => RecordRef::Id(id),
                None => RecordRef::Json(&text),
            };
            for action in ["view", "edit", "delete", "create"] {
                let got = engine.decide(&u, action, rr).unwrap();
                let want = r.decide(&u, action, x);
                if action == "create" {
                    assert_eq!(got.allowed, want.allowed, "decide({u}, create, {x})\n{model}");
                } else {
                    assert_eq!(
                        (got.allowed, access_u8(got.access), got.read_only),
                        (want.allowed, want.access, want.read_only),
                        "decide({u}, {action}, {x}) reasons {:?}\nmodel {model}\nlater {later:?}",
                        got.reasons
                    );
                }
            }
            let masked = engine.mask(&u, rr).unwrap();
            let got = match masked.get("fields") {
                None | Some(Value::Null) => json!({}),
                Some(f) => f.clone(),
            };
            assert_eq!(got, Value::Object(r.mask_fields(&u, x)), "mask({u}, {x})\n{model}");
        }
    }
}

/// A few random edits that (mostly) make the model invalid.
fn damage(model: &mut Value, t: &mut Tape) {
    let edits = 1 + t.below(3);
    for _ in 0..edits {
        let sections = ["modules", "roles", "profiles", "groups", "users", "workspaces", "sharingRules", "records"];
        let section = sections[t.below(sections.len())];
        let Some(items) = model.get_mut(section).and_then(|s| s.as_array_mut()) else {
            model[section] = json!(7);
            continue;
        };
        if items.is_empty() {
            items.push(json!({}));
            continue;
        }
        let n = items.len();
        let i = t.below(n);
        let keys: Vec<String> = items[i].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
        match t.below(9) {
            0 => {
                let dup = items[i].clone();
                items.push(dup); // duplicate id
            }
            1 if !keys.is_empty() => {
                let k = &keys[t.below(keys.len())];
                items[i][k] = json!("\u{0}dangling");
            }
            2 if !keys.is_empty() => {
                let k = keys[t.below(keys.len())].clone();
                items[i].as_object_mut().unwrap().remove(&k);
            }
            3 => items[i]["unknownKey"] = json!(true),
            4 if !keys.is_empty() => {
                let k = &keys[t.below(keys.len())];
                items[i][k] = [json!(null), json!(1), json!([]), json!({}), json!(true), json!("")][t.below(6)].clone();
            }
            5 => {
                // a cycle: point the first item's parent at the last one
                let last = items[n - 1].get("id").or_else(|| items[n - 1].get("name")).cloned().unwrap_or(json!("x"));
                items[0]["parent"] = last;
            }
            6 => {
                for flag in ["admin", "limitedCrm", "limitedDeals", "external", "canGrantAccess", "teamLead"] {
                    if t.chance(40) {
                        items[i][flag] = json!(true);
                    }
                }
            }
            7 => items[i] = json!(null),
            _ => {
                let m = items[i].get("members").cloned();
                if let Some(Value::Array(mut ms)) = m {
                    ms.push(json!({ "group": items[i].get("id").cloned().unwrap_or(json!("g0")) }));
                    items[i]["members"] = Value::Array(ms);
                } else {
                    items[i]["id"] = json!("");
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let tape = Tape::from_bytes(&data[1..]);
    let mut t = Tape::new(&tape);
    let g = generate_for(&mut t, VERSION);
    if data[0] & 1 == 0 {
        differential(&g.model, &g.later, &g.probes);
        return;
    }
    let mut model = g.model.clone();
    damage(&mut model, &mut t);
    match Engine::new(&model.to_string()) {
        Err(e) => {
            assert!(!e.message.is_empty());
            assert!(!e.problems.is_empty(), "an invalid model without problems: {}", e.message);
        }
        Ok(engine) => {
            let mut given = g.probes.clone();
            given.extend(model.get("records").and_then(|r| r.as_array()).cloned().unwrap_or_default());
            common::exercise(&engine, &model, &given);
        }
    }
});
