//! Contract v2's model keys: defaults, validation with paths (SPEC §1, §6).

use crm_access::{Engine, RecordRef};
use serde_json::{json, Value};

fn base() -> Value {
    json!({
        "modules": [{"name": "companies"}, {"name": "contacts", "parent": "companies", "controlledByParent": true, "hierarchy": false}],
        "roles": [{"id": "boss"}, {"id": "rep", "parent": "boss"}],
        "profiles": [{"id": "p", "modules": {"companies": {"view": true}, "contacts": {"view": true}}}],
        "groups": [{"id": "team", "members": [{"role": "rep"}]}],
        "users": [{"id": "b", "role": "boss", "profiles": ["p"]}, {"id": "r", "role": "rep", "profiles": ["p"]}, {"id": "x", "external": true, "profiles": ["p"]}],
        "workspaces": [{"id": "w", "owner": "b", "auditors": ["r"]}],
        "limitedAccess": {"companyModule": "companies", "modules": ["companies"], "contactModule": "contacts"},
        "records": [{"id": "c1", "module": "companies", "sharedWith": [{"user": "r", "access": "read"}, {"group": "team", "access": "readWrite"},
                     {"role": "rep", "access": "read"}, {"roleAndSubordinates": "boss", "access": "read"}]}]
    })
}

fn problems(model: &Value) -> Vec<(String, String)> {
    match Engine::new(&model.to_string()) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems.iter().map(|p| (p.path.clone(), p.message.clone())).collect(),
    }
}

fn with(mut v: Value, pointer: &str, x: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    match v.pointer_mut(parent).unwrap() {
        Value::Object(o) => {
            o.insert(key.to_owned(), x);
        }
        Value::Array(a) => a[key.parse::<usize>().unwrap()] = x,
        _ => unreachable!(),
    }
    v
}

#[test]
fn the_v2_keys_are_accepted_and_read_back() {
    assert!(problems(&base()).is_empty(), "{:?}", problems(&base()));
    let e = Engine::new(&base().to_string()).unwrap();
    let masked = e.mask("b", RecordRef::Id("c1")).unwrap();
    assert_eq!(masked["sharedWith"], base()["records"][0]["sharedWith"], "shares read back in their order");
}

#[test]
fn v2_problems_are_reported_with_their_paths() {
    let cases = [
        (with(base(), "/modules/0/controlledByParent", json!(true)), "modules[0].controlledByParent"),
        (with(base(), "/workspaces/0/auditors", json!(["nobody"])), "workspaces[0].auditors[0]"),
        (with(base(), "/limitedAccess/contactModule", json!("people")), "limitedAccess.contactModule"),
        (with(base(), "/records/0/sharedWith/0", json!({"user": "x", "access": "read"})), "records[0].sharedWith[0].user"),
        (with(base(), "/records/0/sharedWith/0", json!({"user": "team", "access": "read"})), "records[0].sharedWith[0].user"),
        (with(base(), "/records/0/sharedWith/0", json!({"user": "ghost", "access": "read"})), "records[0].sharedWith[0].user"),
        (with(base(), "/records/0/sharedWith/0", json!({"group": "r", "access": "read"})), "records[0].sharedWith[0].group"),
        (with(base(), "/records/0/sharedWith/0", json!({"role": "vp", "access": "read"})), "records[0].sharedWith[0].role"),
        (with(base(), "/records/0/sharedWith/0", json!({"roleAndSubordinates": "vp", "access": "read"})), "records[0].sharedWith[0].roleAndSubordinates"),
        (with(base(), "/records/0/sharedWith/0", json!({"user": "r", "group": "team", "access": "read"})), "records[0].sharedWith[0]"),
        (with(base(), "/records/0/sharedWith/0", json!({"user": "r"})), "records[0].sharedWith[0]"),
        (with(base(), "/records/0/sharedWith/0", json!({"user": "r", "access": "full"})), "records[0].sharedWith[0].access"),
        (with(base(), "/records/0/sharedWith/0", json!({"usr": "r", "access": "read"})), "records[0].sharedWith[0]"),
        (with(base(), "/modules/1/hierarchy", json!("no")), "modules[1].hierarchy"),
    ];
    for (model, path) in cases {
        let got = problems(&model);
        assert!(got.iter().any(|(p, _)| p == path), "expected a problem at {path}, got {got:?}");
    }
    // a query record is checked the same way
    let e = Engine::new(&base().to_string()).unwrap();
    let bad = json!({"module": "companies", "sharedWith": [{"user": "x", "access": "read"}]}).to_string();
    let err = e.decide("b", "view", RecordRef::Json(&bad)).unwrap_err();
    assert!(err.problems.iter().any(|p| p.path == "record.sharedWith[0].user"), "{:?}", err.problems);
}
