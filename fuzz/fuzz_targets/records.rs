//! Records over a fixed valid model: arbitrary text given to putRecords,
//! decide, mask, filter and removeRecords. Never a panic; a refused batch
//! stores nothing; an engine that refused something still answers as before.
#![no_main]

#[path = "common.rs"]
mod common;

use crm_access::{Engine, RecordRef};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const MODEL: &str = include_str!("../fixtures/model.json");
const USERS: [&str; 11] = ["root", "boss", "vp1", "rep1", "rep2", "rep3", "sup", "gone", "ext1", "ext2", "__proto__"];
const ACTIONS: [&str; 5] = ["view", "edit", "delete", "create", "bogus"];

fn snapshot(engine: &Engine) -> Vec<bool> {
    let mut out = Vec::new();
    for u in USERS {
        for id in ["c1", "k1", "d1", "q1", "t1", "t2", "f1"] {
            for a in ["view", "edit", "delete"] {
                out.push(engine.can(u, a, RecordRef::Id(id)).unwrap_or(false));
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let (mode, user, text) = (data[0], USERS[data[1] as usize % USERS.len()], &data[2..]);
    let Ok(text) = std::str::from_utf8(text) else { return };
    let mut engine = Engine::new(MODEL).expect("the fixed model is valid");
    let before = snapshot(&engine);
    let count = engine.record_count();
    match mode % 4 {
        0 => match engine.put_records(text) {
            Err(e) => {
                assert!(!e.message.is_empty());
                assert_eq!(engine.record_count(), count, "a refused batch changed the store");
                assert_eq!(snapshot(&engine), before, "a refused batch changed decisions");
            }
            Ok(()) => {
                let model: Value = serde_json::from_str(MODEL).unwrap();
                let given: Vec<Value> = serde_json::from_str(text).expect("accepted records are JSON");
                let mut model = model;
                // query the new records by id too
                let mut recs = model["records"].as_array().cloned().unwrap_or_default();
                recs.extend(given.iter().cloned());
                model["records"] = Value::Array(recs);
                common::exercise(&engine, &model, &given);
            }
        },
        1 => {
            for action in ACTIONS {
                match engine.decide(user, action, RecordRef::Json(text)) {
                    Ok(d) => {
                        assert_eq!(engine.can(user, action, RecordRef::Json(text)).unwrap(), d.allowed);
                        let _ = engine.mask(user, RecordRef::Json(text)).expect("mask of a record decide accepted");
                    }
                    Err(e) => {
                        assert!(!e.message.is_empty());
                        assert!(engine.can(user, action, RecordRef::Json(text)).is_err(), "can accepted what decide refused");
                    }
                }
            }
            assert_eq!(snapshot(&engine), before, "a query changed the engine");
        }
        2 => {
            let action = ACTIONS[(data[1] as usize / USERS.len()) % ACTIONS.len()];
            if let Ok(kept) = engine.filter(user, text, Some(action)) {
                let given: Vec<Value> = serde_json::from_str(text).expect("filter accepted JSON");
                assert_eq!(kept.len(), given.len());
                for (i, g) in given.iter().enumerate() {
                    let d = engine.decide(user, action, RecordRef::Json(&g.to_string())).expect("decide of a record filter accepted");
                    assert_eq!(d.allowed, kept[i], "filter and decide disagree on {g}");
                }
            }
            assert_eq!(snapshot(&engine), before, "a query changed the engine");
        }
        _ => {
            let ids: Vec<&str> = text.split(',').collect();
            engine.remove_records(&ids);
            assert!(engine.record_count() <= count);
            for id in ids {
                assert!(engine.decide("root", "view", RecordRef::Id(id)).is_err(), "removed id {id:?} still answers");
            }
            engine.visible_users(user).expect("still answers");
        }
    }
});
