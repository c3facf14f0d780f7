//! Hostile inputs for contract v2 (issue 10): many shares on one record, a
//! 1,000-deep module tree with a record chain down it, records naming themselves
//! (or each other) as parent. Each case runs NOW against the v2 reference of
//! `tests/reference/` (which must not overflow its stack or take forever), and
//! against the engine once `crm_access::CONTRACT_VERSION >= 2` (skipped, with a
//! note on stderr, while the engine implements v1).
//!
//!   cargo test --test hostile_v2 -- --nocapture

mod common;
#[allow(clippy::all, clippy::pedantic)]
mod reference;

use common::access_u8;
use crm_access::{Engine, RecordRef};
use reference::{Reference, FULL, NONE, READ, WRITE};
use serde_json::{json, Value};

/// (user, action, stored record id, allowed, access) expectations.
type Expect<'a> = (&'a str, &'a str, &'a str, bool, u8);

/// Checks the expectations on the v2 reference, and on the engine when it implements v2.
fn check(name: &str, model: &Value, expect: &[Expect]) {
    let start = std::time::Instant::now();
    let r = Reference::with_version(model, 2);
    for &(u, action, id, allowed, access) in expect {
        let x = r.stored_record(id).unwrap_or_else(|| panic!("{name}: no stored {id}")).clone();
        let d = r.decide(u, action, &x);
        assert_eq!((d.allowed, d.access), (allowed, access), "{name}: the v2 reference on decide({u:?}, {action:?}, {id:?})");
    }
    eprintln!("{name}: the v2 reference agrees ({:.1?})", start.elapsed());
    if crm_access::CONTRACT_VERSION < 2 {
        eprintln!("{name}: engine skipped (it implements contract v{})", crm_access::CONTRACT_VERSION);
        return;
    }
    let start = std::time::Instant::now();
    let engine = Engine::new(&model.to_string()).unwrap_or_else(|e| {
        panic!(
            "{name}: the engine rejects a valid v2 model: {} {:?}",
            e.message,
            e.problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>()
        )
    });
    for &(u, action, id, allowed, access) in expect {
        let d = engine.decide(u, action, RecordRef::Id(id)).unwrap_or_else(|e| panic!("{name}: decide({u:?}, {action:?}, {id:?}) failed: {}", e.message));
        assert_eq!((d.allowed, access_u8(d.access)), (allowed, access), "{name}: the engine on decide({u:?}, {action:?}, {id:?}): {d:?}");
    }
    eprintln!("{name}: the engine agrees ({:.1?})", start.elapsed());
}

const OPEN: &str = r#"{ "view": true, "create": true, "edit": true, "delete": true }"#;

#[test]
fn v2_hostile_100000_shares_on_one_record() {
    // 1,000 users without role, a manager above one subordinate; 100,000 shares
    // cycling over the roleless users (read), then one readWrite share to the
    // subordinate at the very end.
    let open: Value = serde_json::from_str(OPEN).unwrap();
    let mut users = vec![json!({ "id": "boss", "role": "top", "profiles": ["p"] }), json!({ "id": "sub", "role": "below", "profiles": ["p"] })];
    for i in 0..1000 {
        users.push(json!({ "id": format!("u{i}"), "profiles": ["p"] }));
    }
    let mut shares: Vec<Value> = (0..99_999).map(|i| json!({ "user": format!("u{}", i % 999), "access": "read" })).collect();
    shares.push(json!({ "user": "sub", "access": "readWrite" }));
    let model = json!({
        "modules": [{ "name": "deals" }],
        "roles": [{ "id": "top" }, { "id": "below", "parent": "top" }],
        "profiles": [{ "id": "p", "modules": { "deals": open } }],
        "users": users,
        "records": [
            { "id": "d1", "module": "deals", "owner": "u999", "sharedWith": shares },
        ],
    });
    check(
        "100,000 shares on one record",
        &model,
        &[
            ("u0", "view", "d1", true, READ),
            ("u998", "view", "d1", true, READ),
            ("u998", "edit", "d1", false, READ),
            ("sub", "edit", "d1", true, WRITE),
            // the superior inherits what is shared with the subordinate (hierarchy on)
            ("boss", "edit", "d1", true, WRITE),
            ("u999", "delete", "d1", true, FULL),
        ],
    );
}

/// m0 ← m1 ← … ← m{depth-1}, every module but m0 controlled by its parent, one
/// record per module, each the parent of the next.
fn deep_model(depth: usize) -> Value {
    let open: Value = serde_json::from_str(OPEN).unwrap();
    let mut modules = vec![json!({ "name": "m0" })];
    let mut records = vec![json!({ "id": "r0", "module": "m0", "owner": "ann" })];
    let mut profile = serde_json::Map::new();
    profile.insert("m0".into(), open.clone());
    for i in 1..depth {
        modules.push(json!({ "name": format!("m{i}"), "parent": format!("m{}", i - 1), "controlledByParent": true }));
        records.push(json!({ "id": format!("r{i}"), "module": format!("m{i}"), "owner": "bob", "parent": format!("r{}", i - 1) }));
        profile.insert(format!("m{i}"), open.clone());
    }
    // a side record half-way down, shared by hand with carl (readWrite): everything below follows it
    let half = depth / 2;
    records[half]["sharedWith"] = json!([{ "user": "carl", "access": "readWrite" }]);
    json!({
        "modules": modules,
        "profiles": [{ "id": "p", "modules": profile }],
        "users": [
            { "id": "ann", "profiles": ["p"] },
            { "id": "bob", "profiles": ["p"] },
            { "id": "carl", "profiles": ["p"] },
            { "id": "dora", "profiles": ["p"] },
        ],
        "records": records,
    })
}

#[test]
fn v2_hostile_a_1000_deep_module_tree_with_a_record_chain_down_it() {
    let depth = 1000;
    let model = deep_model(depth);
    let last = format!("r{}", depth - 1);
    let half = format!("r{}", depth / 2);
    let above_half = format!("r{}", depth / 2 - 1);
    check(
        "a 1,000-deep module tree",
        &model,
        &[
            // ann owns the top: every record down the chain follows it
            ("ann", "delete", &last, true, FULL),
            ("ann", "view", "r1", true, FULL),
            // bob owns every record below the top
            ("bob", "delete", &last, true, FULL),
            ("bob", "view", "r0", false, NONE),
            // carl: a share half-way down reaches every record below it, not above
            ("carl", "edit", &last, true, WRITE),
            ("carl", "edit", &half, true, WRITE),
            ("carl", "view", &above_half, false, NONE),
            // dora: nothing anywhere
            ("dora", "view", &last, false, NONE),
        ],
    );
}

#[test]
fn v2_hostile_records_naming_themselves_or_each_other_as_parent() {
    let open: Value = serde_json::from_str(OPEN).unwrap();
    let model = json!({
        "modules": [
            { "name": "tasks" },
            { "name": "comments", "parent": "tasks", "controlledByParent": true },
        ],
        "profiles": [{ "id": "p", "modules": { "tasks": open, "comments": open } }],
        "users": [{ "id": "ann", "profiles": ["p"] }, { "id": "bob", "profiles": ["p"] }],
        "limitedAccess": { "companyModule": "tasks", "modules": ["comments"], "contactModule": "comments" },
        "records": [
            // a task naming itself as parent (tasks has no parent module: no P(X))
            { "id": "t1", "module": "tasks", "owner": "ann", "parent": "t1" },
            // a comment naming itself as parent: not a task, so no P(X)
            { "id": "c1", "module": "comments", "owner": "bob", "parent": "c1" },
            // two comments naming each other
            { "id": "c2", "module": "comments", "owner": "bob", "parent": "c3" },
            { "id": "c3", "module": "comments", "owner": "bob", "parent": "c2" },
            // a comment under the self-parented task: follows it
            { "id": "c4", "module": "comments", "owner": "bob", "parent": "t1" },
        ],
    });
    check(
        "records naming themselves as parent",
        &model,
        &[
            ("ann", "delete", "t1", true, FULL),
            ("ann", "view", "c1", false, NONE),
            ("ann", "view", "c2", false, NONE),
            ("ann", "view", "c3", false, NONE),
            ("ann", "delete", "c4", true, FULL),
            ("bob", "delete", "c1", true, FULL),
            ("bob", "view", "t1", false, NONE),
        ],
    );
    // C(X) on a self-parented comment: none (no company, P(X) none)
    let r = Reference::with_version(&model, 2);
    let c1 = r.stored_record("c1").unwrap().clone();
    assert!(r.company_of(&c1).is_none());
    assert!(r.parent_record_of(&c1).is_none());
}
