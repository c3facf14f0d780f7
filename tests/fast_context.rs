//! The fast-path context (per user and action, cached for single calls) must
//! give the full procedure's answers: `filter_stored` and `can` against
//! `decide`, on models from the hardening generator, asking users in an order
//! that makes the cache switch and come back.

#[allow(dead_code)]
// The reference model is kept for clarity over style by its owner; lints do not apply to it.
#[allow(clippy::all, clippy::pedantic)]
mod reference;
use crm_access::{Action, Engine, RecordRef};
use reference::gen::{generate_for, Tape};

/// v1 models while the engine is v1, v2 models after (issue 10).
const VERSION: u32 = if crm_access::CONTRACT_VERSION >= 2 { 2 } else { 1 };

#[test]
fn filter_stored_and_cached_can_match_decide_on_generated_models() {
    let cases: u32 = std::env::var("CRM_FAST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(150);
    let mut checked = 0u64;
    for seed in 0..cases {
        let data: Vec<u32> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) ^ seed.wrapping_mul(40_503)).rotate_left(seed % 31)).collect();
        let g = generate_for(&mut Tape::new(&data), VERSION);
        let Ok(mut engine) = Engine::new(&g.model.to_string()) else { continue };
        let _ = engine.put_records(&serde_json::Value::Array(g.later.clone()).to_string());
        let users: Vec<String> = g.model["users"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap().to_owned()).collect();
        let mut ids: Vec<String> =
            g.model["records"].as_array().into_iter().flatten().chain(g.later.iter()).filter_map(|r| r["id"].as_str().map(str::to_owned)).collect();
        ids.sort();
        ids.dedup();
        let ids: Vec<String> = ids.into_iter().filter(|id| engine.can(&users[0], "view", RecordRef::Id(id)).is_ok()).collect();
        let slots = engine.indexed().slots_of(&ids);
        let epoch = engine.indexed().store_epoch();
        let user_ix: std::collections::HashMap<&str, u32> = engine.indexed().id_tables().users.iter().enumerate().map(|(i, u)| (*u, i as u32)).collect();
        for action in ["view", "edit", "delete"] {
            for (k, user) in users.iter().enumerate() {
                let want: Vec<&String> = ids.iter().filter(|id| engine.decide(user, action, RecordRef::Id(id)).unwrap().allowed).collect();
                let got = engine.filter_stored(user, Some(action)).unwrap();
                assert_eq!(got.iter().collect::<Vec<_>>(), want, "seed {seed}: filter_stored({user}, {action})");
                // single calls, alternating with another user so the cached context switches
                let other = &users[(k + 1) % users.len()];
                for id in &ids {
                    let d = engine.decide(user, action, RecordRef::Id(id)).unwrap().allowed;
                    assert_eq!(engine.can(user, action, RecordRef::Id(id)).unwrap(), d, "seed {seed}: can({user}, {action}, {id})");
                    let slot = slots[ids.binary_search(id).unwrap()];
                    let a = match action {
                        "view" => Action::View,
                        "edit" => Action::Edit,
                        _ => Action::Delete,
                    };
                    assert_eq!(engine.indexed().can_slot(user_ix[user.as_str()], a, slot, epoch).unwrap(), d, "seed {seed}: can_slot({user}, {action}, {id})");
                    let d2 = engine.decide(other, action, RecordRef::Id(id)).unwrap().allowed;
                    assert_eq!(engine.can(other, action, RecordRef::Id(id)).unwrap(), d2);
                    checked += 2;
                }
            }
        }
        for p in &g.probes {
            let text = p.to_string();
            for user in &users {
                if let Ok(d) = engine.decide(user, "view", RecordRef::Json(&text)) {
                    assert_eq!(engine.can(user, "view", RecordRef::Json(&text)).unwrap(), d.allowed, "seed {seed}: probe {text}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 10_000, "only {checked} answers checked");
    eprintln!("{checked} fast-path answers checked against decide");
}

#[test]
fn single_calls_stay_right_when_the_context_cache_fills_and_empties() {
    use serde_json::json;
    let n = 1_500; // more users than the cache keeps for a model this size
    let users: Vec<_> = (0..n).map(|i| json!({"id": format!("u{i}"), "role": format!("r{}", i % 3), "readOnly": i % 7 == 0})).collect();
    let records: Vec<_> = (0..50).map(|i| json!({"id": format!("x{i}"), "module": "m", "owner": format!("u{}", i * 29 % n)})).collect();
    let engine = Engine::new(
        &json!({
            "modules": [{"name": "m"}],
            "roles": [{"id": "r0", "profiles": ["p"]}, {"id": "r1", "parent": "r0", "profiles": ["p"]}, {"id": "r2", "parent": "r1", "profiles": ["p"]}],
            "profiles": [{"id": "p", "modules": {"m": {"view": true, "edit": true, "delete": true}}}],
            "users": users, "records": records
        })
        .to_string(),
    )
    .unwrap();
    for round in 0..2 {
        for i in (0..n).step_by(1 + round) {
            let user = format!("u{i}");
            for k in [i % 50, (i * 7) % 50] {
                let id = format!("x{k}");
                for action in ["view", "edit", "delete"] {
                    let want = engine.decide(&user, action, RecordRef::Id(&id)).unwrap().allowed;
                    assert_eq!(engine.can(&user, action, RecordRef::Id(&id)).unwrap(), want, "{user} {action} {id}");
                }
            }
        }
    }
}

/// A slot looked up before a removal is refused (never read as whatever
/// record moved into it), and looking it up again gives the right answer.
#[test]
fn slots_from_before_a_removal_are_refused() {
    let model = r#"{"modules":[{"name":"deals"}],"profiles":[{"id":"p","modules":{"deals":{"view":true}}}],
        "roles":[{"id":"boss","profiles":["p"]},{"id":"rep","parent":"boss","profiles":["p"]}],
        "users":[{"id":"ann","role":"boss"},{"id":"bob","role":"rep"}]}"#;
    let mut e = Engine::new(model).unwrap();
    e.put_records(r#"[{"id":"a","module":"deals","owner":"ann"},{"id":"b","module":"deals","owner":"bob"},{"id":"c","module":"deals","owner":"ann"}]"#)
        .unwrap();
    let (bob, epoch) = (1, e.indexed().store_epoch());
    let slots = e.indexed().slots_of(&["a", "b", "c", "nope"]);
    assert_eq!(slots[3], crm_access::ENCODED_NONE);
    assert!(!e.indexed().can_slot(bob, Action::View, slots[0], epoch).unwrap());
    assert!(e.indexed().can_slot(bob, Action::View, slots[1], epoch).unwrap());
    assert!(e.indexed().can_slot(bob, Action::View, 99, epoch).is_err());
    // replacing a record keeps slots valid
    e.put_records(r#"[{"id":"b","module":"deals","owner":"ann"}]"#).unwrap();
    assert!(!e.indexed().can_slot(bob, Action::View, slots[1], epoch).unwrap());
    e.remove_records(&["a"]); // "c" moves into a's slot
    assert!(e.indexed().can_slot(bob, Action::View, slots[0], epoch).is_err());
    assert_ne!(e.indexed().store_epoch(), epoch);
    let again = e.indexed().slots_of(&["c"]);
    assert!(!e.indexed().can_slot(bob, Action::View, again[0], e.indexed().store_epoch()).unwrap());
    assert!(e.indexed().can_slot(0, Action::View, again[0], e.indexed().store_epoch()).unwrap());
    assert!(e.indexed().can_slot(7, Action::View, again[0], e.indexed().store_epoch()).is_err());
}
