//! How the v2 reference reads the places where SPEC.md v2 leaves room (issue 10).
//! Each test is one reading, on a small hand-made model: it runs NOW against the
//! v2 reference, and its `decide` expectations against the engine once
//! `crm_access::CONTRACT_VERSION >= 2`. If the contract is settled otherwise,
//! change the reading here and in `tests/reference/v2.rs` together.
//!
//!   cargo test --test v2_readings -- --nocapture

mod common;
#[allow(clippy::all, clippy::pedantic)]
mod reference;

use common::access_u8;
use crm_access::{Engine, RecordRef};
use reference::{Reference, FULL, NONE, READ, WRITE};
use serde_json::{json, Value};

/// (user, action, record: a stored id or a JSON record, allowed, access or None for create)
type Expect = (&'static str, &'static str, Value, bool, Option<u8>);

fn check(name: &str, model: &Value, expect: &[Expect]) {
    let r = Reference::with_version(model, 2);
    let record = |x: &Value| match x {
        Value::String(id) => r.stored_record(id).unwrap_or_else(|| panic!("{name}: no stored {id}")).clone(),
        other => other.clone(),
    };
    for (u, action, x, allowed, access) in expect {
        let d = r.decide(u, action, &record(x));
        assert_eq!(d.allowed, *allowed, "{name}: the v2 reference on decide({u:?}, {action:?}, {x})");
        if let Some(a) = access {
            assert_eq!(d.access, *a, "{name}: the v2 reference's access on decide({u:?}, {action:?}, {x})");
        }
    }
    if crm_access::CONTRACT_VERSION < 2 {
        eprintln!("{name}: engine skipped (it implements contract v{})", crm_access::CONTRACT_VERSION);
        return;
    }
    let engine = Engine::new(&model.to_string()).unwrap_or_else(|e| panic!("{name}: the engine rejects the model: {}", e.message));
    for (u, action, x, allowed, access) in expect {
        let text = x.to_string();
        let rr = match x {
            Value::String(id) => RecordRef::Id(id),
            _ => RecordRef::Json(&text),
        };
        let d = engine.decide(u, action, rr).unwrap_or_else(|e| panic!("{name}: decide failed: {}", e.message));
        assert_eq!(d.allowed, *allowed, "{name}: the engine on decide({u:?}, {action:?}, {x}): {d:?}");
        if let Some(a) = access {
            assert_eq!(access_u8(d.access), *a, "{name}: the engine's access on decide({u:?}, {action:?}, {x}): {d:?}");
        }
    }
}

fn open() -> Value {
    json!({ "view": true, "create": true, "edit": true, "delete": true })
}

/// §3.7: the parent/company condition is one of the non-admin conditions (3.1 step 2:
/// an admin is allowed everything); for anyone else a named parent must be stored and
/// viewable whatever its module (a wrong-module or dangling parent refuses the creation).
#[test]
fn reading_creation_and_named_parents() {
    let model = json!({
        "modules": [{ "name": "companies" }, { "name": "deals", "parent": "companies" }, { "name": "tasks" }],
        "profiles": [{ "id": "p", "modules": { "companies": open(), "deals": open(), "tasks": open() } }],
        "users": [{ "id": "root", "admin": true }, { "id": "ann", "profiles": ["p"] }],
        "records": [{ "id": "c1", "module": "companies", "owner": "ann" }, { "id": "t1", "module": "tasks", "owner": "ann" }, { "id": "t2", "module": "tasks" }],
    });
    check(
        "creation and named parents",
        &model,
        &[
            ("root", "create", json!({ "module": "deals", "parent": "c-missing" }), true, None),
            ("ann", "create", json!({ "module": "deals", "parent": "c-missing" }), false, None),
            ("ann", "create", json!({ "module": "deals", "parent": "c1" }), true, None),
            // a parent of another module: no P(X), but still a named record that must be viewable
            ("ann", "create", json!({ "module": "deals", "parent": "t1" }), true, None),
            ("ann", "create", json!({ "module": "deals", "parent": "t2" }), false, None),
            // a parent on a module without a parent module counts the same way
            ("ann", "create", json!({ "module": "tasks", "parent": "t2" }), false, None),
        ],
    );
}

/// §3.4: the created-by fallback needs the contact's `company` and `parent` keys
/// absent (or null): a dangling or wrong-module parent is still a parent.
#[test]
fn reading_the_contact_fallback_looks_at_the_keys() {
    let model = json!({
        "modules": [{ "name": "companies" }, { "name": "contacts", "parent": "companies" }],
        "profiles": [{ "id": "p", "modules": { "companies": open(), "contacts": open() } }],
        "users": [{ "id": "lim", "profiles": ["p"], "limitedCrm": true }],
        "limitedAccess": { "companyModule": "companies", "modules": ["companies", "contacts"], "contactModule": "contacts" },
        "records": [
            { "id": "k-loose", "module": "contacts", "createdBy": "lim" },
            { "id": "k-null", "module": "contacts", "createdBy": "lim", "company": null, "parent": null },
            { "id": "k-dangling", "module": "contacts", "createdBy": "lim", "parent": "c-missing" },
            { "id": "k-self", "module": "contacts", "createdBy": "lim", "parent": "k-self" },
        ],
    });
    check(
        "the contact fallback",
        &model,
        &[
            ("lim", "delete", json!("k-loose"), true, Some(FULL)),
            ("lim", "delete", json!("k-null"), true, Some(FULL)),
            ("lim", "view", json!("k-dangling"), false, Some(NONE)),
            ("lim", "view", json!("k-self"), false, Some(NONE)),
        ],
    );
}

/// §3.8: the parent lends `decide(U, "view", P(X)).access`: its own caps count
/// (a parent whose `type` U may not see lends nothing), and so does the profile of
/// the parent's module; then the child's caps apply.
#[test]
fn reading_what_a_parent_lends() {
    let model = json!({
        "modules": [{ "name": "tasks" }, { "name": "comments", "parent": "tasks", "controlledByParent": true }],
        "profiles": [
            { "id": "p", "modules": { "tasks": open(), "comments": open() } },
            { "id": "tasks-read", "modules": { "tasks": { "view": true }, "comments": open() } },
            { "id": "comments-only", "modules": { "comments": open() } },
        ],
        "users": [
            { "id": "ann", "profiles": ["p"], "recordTypes": ["a"] },
            { "id": "bob", "profiles": ["tasks-read"] },
            { "id": "cat", "profiles": ["comments-only"] },
        ],
        "records": [
            { "id": "t-a", "module": "tasks", "owner": "ann", "type": "a" },
            { "id": "t-b", "module": "tasks", "owner": "ann", "type": "b" },
            { "id": "t-bob", "module": "tasks", "owner": "bob" },
            { "id": "t-cat", "module": "tasks", "owner": "cat" },
            { "id": "c-a", "module": "comments", "parent": "t-a" },
            { "id": "c-b", "module": "comments", "parent": "t-b" },
            { "id": "c-bob", "module": "comments", "parent": "t-bob" },
            { "id": "c-cat", "module": "comments", "parent": "t-cat" },
        ],
    });
    check(
        "what a parent lends",
        &model,
        &[
            ("ann", "delete", json!("c-a"), true, Some(FULL)),
            // the parent's type is hidden from ann: it lends nothing
            ("ann", "view", json!("c-b"), false, Some(NONE)),
            // bob owns the task but his profile only reads tasks: the comment gets read
            ("bob", "view", json!("c-bob"), true, Some(READ)),
            ("bob", "edit", json!("c-bob"), false, Some(READ)),
            // cat's profile does not open tasks: the parent lends none
            ("cat", "view", json!("c-cat"), false, Some(NONE)),
        ],
    );
}

/// §2 "reaches": a share `{"user": V}` reaches V's superiors on a hierarchy module
/// (not on a `hierarchy: false` one); a user without a role has no subordinates;
/// the subordinate may be inactive.
#[test]
fn reading_shares_reach_superiors() {
    let model = json!({
        "modules": [{ "name": "deals" }, { "name": "hr", "hierarchy": false }],
        "roles": [{ "id": "top" }, { "id": "mid", "parent": "top" }, { "id": "low", "parent": "mid" }],
        "profiles": [{ "id": "p", "modules": { "deals": open(), "hr": open() } }],
        "users": [
            { "id": "boss", "role": "top", "profiles": ["p"] },
            { "id": "lead", "role": "mid", "profiles": ["p"] },
            { "id": "gone", "role": "low", "profiles": ["p"], "active": false },
            { "id": "free", "profiles": ["p"] },
        ],
        "records": [
            { "id": "d1", "module": "deals", "sharedWith": [{ "user": "gone", "access": "readWrite" }] },
            { "id": "h1", "module": "hr", "sharedWith": [{ "user": "gone", "access": "readWrite" }] },
            { "id": "d2", "module": "deals", "sharedWith": [{ "user": "free", "access": "read" }] },
        ],
    });
    check(
        "shares reach superiors",
        &model,
        &[
            ("boss", "edit", json!("d1"), true, Some(WRITE)),
            ("lead", "edit", json!("d1"), true, Some(WRITE)),
            ("boss", "view", json!("h1"), false, Some(NONE)),
            ("free", "view", json!("d2"), true, Some(READ)),
            ("boss", "view", json!("d2"), false, Some(NONE)),
        ],
    );
}

/// §3.2: outside every workspace they take part in, an external user's involvement
/// is auditor / assignee / participant only (`createdBy` is not involvement there);
/// inside one, only that workspace's rules count, so a read-only member entry caps
/// an assignee at read and "all" gives an auditor of X write, not full.
#[test]
fn reading_external_involvement() {
    let model = json!({
        "modules": [{ "name": "tasks" }],
        "profiles": [{ "id": "p", "modules": { "tasks": open() } }],
        "users": [{ "id": "pm", "profiles": ["p"] }, { "id": "cli", "external": true, "profiles": ["p"] }],
        "workspaces": [
            { "id": "w-ro", "owner": "pm", "members": [{ "user": "cli", "readOnly": true }], "externalVisibility": "participating" },
            { "id": "w-all", "owner": "pm", "members": [{ "user": "cli" }] },
            { "id": "w-other", "owner": "pm" },
        ],
        "records": [
            { "id": "t-made", "module": "tasks", "createdBy": "cli", "workspaces": ["w-other"] },
            { "id": "t-assigned-out", "module": "tasks", "assignees": ["cli"], "workspaces": ["w-other"] },
            { "id": "t-assigned-ro", "module": "tasks", "assignees": ["cli"], "workspaces": ["w-ro"] },
            { "id": "t-audited-out", "module": "tasks", "auditors": ["cli"] },
            { "id": "t-audited-all", "module": "tasks", "auditors": ["cli"], "workspaces": ["w-all"] },
        ],
    });
    check(
        "external involvement",
        &model,
        &[
            ("cli", "view", json!("t-made"), false, Some(NONE)),
            ("cli", "edit", json!("t-assigned-out"), true, Some(WRITE)),
            ("cli", "view", json!("t-assigned-ro"), true, Some(READ)),
            ("cli", "delete", json!("t-audited-out"), true, Some(FULL)),
            ("cli", "edit", json!("t-audited-all"), true, Some(WRITE)),
            ("cli", "delete", json!("t-audited-all"), false, Some(WRITE)),
        ],
    );
}

/// §3.9 readings, on the reference only (the engine's `decideUpdate` API is not
/// known to these tests yet): a changed `parent` needs the new parent viewable, an
/// unchanged unviewable `company` does not block it; `null` and absent scalars are
/// the same; numbers compare by value inside `fields`.
#[test]
fn reading_decide_update_on_the_reference() {
    let model = json!({
        "modules": [{ "name": "companies" }, { "name": "deals", "parent": "companies", "fields": ["amount"] }],
        "profiles": [{ "id": "p", "modules": { "companies": open(), "deals": open() } }],
        "users": [{ "id": "ann", "profiles": ["p"] }, { "id": "bob", "profiles": ["p"] }],
        "records": [
            { "id": "c-ann", "module": "companies", "owner": "ann" },
            { "id": "c-ann2", "module": "companies", "owner": "ann" },
            { "id": "c-bob", "module": "companies", "owner": "bob" },
            { "id": "d1", "module": "deals", "owner": "ann", "parent": "c-ann", "company": "c-bob", "fields": { "amount": 1 } },
        ],
    });
    let r = Reference::with_version(&model, 2);
    let before = r.stored_record("d1").unwrap().clone();
    let with = |k: &str, v: Value| {
        let mut a = before.clone();
        a[k] = v;
        a
    };
    assert!(r.decide_update("ann", &before, &with("parent", json!("c-ann2"))), "a viewable new parent, an unchanged unviewable company");
    assert!(!r.decide_update("ann", &before, &with("parent", json!("c-bob"))), "an unviewable new parent");
    assert!(!r.decide_update("ann", &before, &with("company", json!("c-missing"))), "a dangling new company");
    assert!(r.decide_update("ann", &before, &with("type", Value::Null)), "type null = absent: unchanged");
    assert!(r.decide_update("ann", &before, &with("fields", json!({ "amount": 1.0 }))), "1.0 is the number 1");
    let mut no_owner = before.clone();
    no_owner.as_object_mut().unwrap().remove("owner");
    assert!(!r.decide_update("bob", &before, &no_owner), "bob may not even edit d1");
    assert!(r.decide_update("ann", &before, &no_owner), "ann has full access: she may drop the owner");
}
