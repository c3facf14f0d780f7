//! Checks shared by the fuzz targets: whatever the engine accepted must be
//! answerable without a panic, and its answers must agree with each other.
#![allow(dead_code)]

use crm_access::{Access, Engine, RecordRef};
use serde_json::Value;

pub fn ids(model: &Value, section: &str, key: &str, cap: usize) -> Vec<String> {
    model
        .get(section)
        .and_then(|s| s.as_array())
        .map(|a| a.iter().filter_map(|x| x.get(key).and_then(|i| i.as_str()).map(String::from)).take(cap).collect())
        .unwrap_or_default()
}

const ACTIONS: [&str; 4] = ["view", "edit", "delete", "create"];

/// Asks everything about (a bounded number of) users, modules, workspaces and
/// records, and checks the answers are consistent with each other.
pub fn exercise(engine: &Engine, model: &Value, given: &[Value]) {
    let users = ids(model, "users", "id", 10);
    let modules = ids(model, "modules", "name", 6);
    let workspaces = ids(model, "workspaces", "id", 5);
    let stored: Vec<String> = ids(model, "records", "id", 10);
    let given_text: Vec<String> = given.iter().take(6).map(|g| g.to_string()).collect();
    let all_records = Value::Array(given.iter().take(6).cloned().collect()).to_string();

    for u in &users {
        let people = engine.visible_users(u).expect("visibleUsers of a known user");
        assert!(people.windows(2).all(|w| w[0] < w[1]), "visibleUsers not sorted/unique: {people:?}");
        if !people.is_empty() {
            assert!(people.contains(u), "visibleUsers({u}) does not contain the user: {people:?}");
        }
        for w in &workspaces {
            engine.can_invite(u, w).expect("canInvite of known user and workspace");
        }
        engine.can_create_workspace(u).expect("canCreateWorkspace");
        engine.can_grant_access(u).expect("canGrantAccess");
        for m in &modules {
            let fa = engine.field_access(u, m).expect("fieldAccess of a known module");
            let declared = model["modules"]
                .as_array()
                .and_then(|ms| ms.iter().find(|x| x["name"].as_str() == Some(m)))
                .and_then(|x| x.get("fields"))
                .and_then(|f| f.as_array())
                .map(|f| f.len())
                .unwrap_or(0);
            assert!(fa.len() <= declared, "fieldAccess lists {} fields, {} declared", fa.len(), declared);
        }
        let check = |r: RecordRef| {
            for action in ACTIONS {
                let d = engine.decide(u, action, r).expect("decide on a known record");
                let c = engine.can(u, action, r).expect("can on a known record");
                assert_eq!(c, d.allowed, "can and decide disagree: {u} {action}");
                if action == "view" && !d.allowed {
                    assert!(d.access == Access::None || !d.read_only, "view denied but {d:?}");
                }
            }
            let masked = engine.mask(u, r).expect("mask");
            let view = engine.can(u, "view", r).unwrap();
            if !view {
                let empty = match masked.get("fields") {
                    None | Some(Value::Null) => true,
                    Some(Value::Object(f)) => f.is_empty(),
                    _ => false,
                };
                assert!(empty, "mask shows fields of a record the user may not view: {masked}");
            }
        };
        for id in &stored {
            // the id may have been replaced or be a duplicate the engine refused; only query stored ones
            if engine.decide(u, "view", RecordRef::Id(id)).is_ok() {
                check(RecordRef::Id(id));
            }
        }
        for text in &given_text {
            if engine.decide(u, "view", RecordRef::Json(text)).is_ok() {
                check(RecordRef::Json(text));
            }
        }
        for action in [None, Some("view"), Some("edit"), Some("delete"), Some("create")] {
            if let Ok(kept) = engine.filter(u, &all_records, action) {
                for (i, text) in given_text.iter().enumerate() {
                    let d = engine.decide(u, action.unwrap_or("view"), RecordRef::Json(text)).expect("filter accepted it");
                    assert_eq!(kept[i], d.allowed, "filter and decide disagree");
                }
            }
        }
    }
    // errors, and the engine still answers afterwards
    assert!(engine.visible_users("\u{0}no such user\u{0}").is_err());
    if let Some(u) = users.first() {
        assert!(engine.decide(u, "steal", RecordRef::Json("{}")).is_err());
        assert!(engine.field_access(u, "\u{0}no such module").is_err());
        engine.visible_users(u).expect("still answers");
    }
}
