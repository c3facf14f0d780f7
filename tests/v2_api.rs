//! The API of contract v2 (issue 10): `can_share`, `workspaces_of`,
//! `record_field_access`, `decide_update`, and `field_access`'s v2 rule
//! (§3.9, §4, §5).

use crm_access::{Engine, ErrorKind, FieldLevel, RecordRef, UpdateDecision};
use serde_json::{json, Value};

fn model() -> Value {
    json!({
        "modules": [
            {"name": "companies"},
            {"name": "deals", "parent": "companies", "fields": ["amount", "note", "secret"]},
            {"name": "tasks", "defaultSharing": "publicRead"},
            {"name": "faq", "recordSecurity": false}
        ],
        "roles": [{"id": "boss"}, {"id": "rep", "parent": "boss"}],
        "profiles": [
            {"id": "sales", "modules": {
                "companies": {"view": true, "edit": true, "create": true, "delete": true},
                "deals": {"view": true, "edit": true, "create": true, "delete": true, "fields": {"secret": "hidden", "note": "readOnly"}},
                "tasks": {"view": true, "edit": true, "create": true, "delete": true},
                "faq": {"view": true}
            }},
            {"id": "editor", "modules": {"deals": {"view": true, "edit": true}}},
            {"id": "viewer", "modules": {"deals": {"view": true}, "companies": {"view": true}, "tasks": {"view": true}}},
            {"id": "edit-only", "modules": {"deals": {"edit": true}}}
        ],
        "users": [
            {"id": "ann", "role": "rep", "profiles": ["sales"]},
            {"id": "boss", "role": "boss", "profiles": ["sales"]},
            {"id": "eve", "profiles": ["editor"]},
            {"id": "vic", "profiles": ["viewer"]},
            {"id": "vic2", "profiles": ["viewer", "edit-only"]},
            {"id": "ro", "profiles": ["sales"], "readOnly": true},
            {"id": "root", "admin": true},
            {"id": "rootro", "admin": true, "readOnly": true},
            {"id": "gone", "profiles": ["sales"], "active": false},
            {"id": "ext", "external": true, "profiles": ["viewer"], "company": "c1"},
            {"id": "lim", "profiles": ["sales"], "limitedCrm": true},
            {"id": "typed", "profiles": ["sales"], "recordTypes": ["a"]}
        ],
        "groups": [{"id": "team", "members": [{"user": "eve"}]}],
        "workspaces": [
            {"id": "w-own", "owner": "ann"},
            {"id": "w-aud", "auditors": ["vic"]},
            {"id": "w-cp", "counterparty": "c1"},
            {"id": "w-ro", "members": [{"user": "ext", "readOnly": true}]},
            {"id": "w-none"},
            {"id": "w-task"},
            {"id": "w-a"}
        ],
        "limitedAccess": {"companyModule": "companies", "modules": ["companies", "deals"]},
        "records": [
            {"id": "c1", "module": "companies", "owner": "ann", "accountManagers": ["lim"]},
            {"id": "c2", "module": "companies", "owner": "boss"},
            {"id": "c3", "module": "companies", "owner": "ann"},
            {"id": "d1", "module": "deals", "owner": "ann", "parent": "c1", "company": "c1",
             "assignees": ["eve"], "workspaces": ["w-a"], "sharedWith": [{"user": "vic", "access": "read"}, {"group": "team", "access": "readWrite"}],
             "fields": {"amount": 1, "note": "n", "secret": {"a": 1, "b": [1, 2]}}},
            {"id": "t1", "module": "tasks", "owner": "boss", "workspaces": ["w-task"]},
            {"id": "t2", "module": "tasks", "owner": "boss", "participants": ["ext"], "workspaces": ["w-none"]}
        ]
    })
}

fn engine() -> Engine {
    Engine::new(&model().to_string()).unwrap()
}

fn d1() -> Value {
    model()["records"][3].clone()
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn update(e: &Engine, user: &str, after: &Value) -> UpdateDecision {
    e.decide_update(user, RecordRef::Id("d1"), RecordRef::Json(&after.to_string())).unwrap()
}

fn reasons(d: &UpdateDecision) -> Vec<String> {
    d.reasons.iter().map(ToString::to_string).collect()
}

fn levels(list: Vec<(String, FieldLevel)>) -> Vec<(String, &'static str)> {
    list.into_iter()
        .map(|(f, l)| {
            (
                f,
                match l {
                    FieldLevel::Hidden => "hidden",
                    FieldLevel::ReadOnly => "readOnly",
                    FieldLevel::Editable => "editable",
                },
            )
        })
        .collect()
}

fn map(pairs: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    pairs.iter().map(|(f, l)| (f.to_string(), *l)).collect()
}

// ---------------------------------------------------------------- §4 fields

#[test]
fn field_access_editable_needs_the_profiles_edit() {
    let e = engine();
    assert_eq!(levels(e.field_access("vic", "deals").unwrap()), map(&[("amount", "readOnly"), ("note", "readOnly"), ("secret", "readOnly")]));
    // edit from a profile that does not open view still counts
    assert_eq!(levels(e.field_access("vic2", "deals").unwrap()), map(&[("amount", "editable"), ("note", "editable"), ("secret", "editable")]));
    assert_eq!(levels(e.field_access("ann", "deals").unwrap()), map(&[("amount", "editable"), ("note", "readOnly"), ("secret", "hidden")]));
    assert_eq!(levels(e.field_access("ro", "deals").unwrap()), map(&[("amount", "readOnly"), ("note", "readOnly"), ("secret", "hidden")]));
}

#[test]
fn record_field_access_follows_view_and_edit_of_the_record() {
    let e = engine();
    let d1 = RecordRef::Id("d1");
    assert_eq!(levels(e.record_field_access("ann", d1).unwrap()), map(&[("amount", "editable"), ("note", "readOnly"), ("secret", "hidden")]));
    // eve: an assignee (write); the editor profile lists no field settings
    assert_eq!(levels(e.record_field_access("eve", d1).unwrap()), map(&[("amount", "editable"), ("note", "editable"), ("secret", "editable")]));
    // vic2 may not view d1 (shared with vic, not vic2)
    assert_eq!(levels(e.record_field_access("vic2", d1).unwrap()), map(&[("amount", "hidden"), ("note", "hidden"), ("secret", "hidden")]));
    // vic2: view (shared read) but not edit of the record, though the profile opens edit
    let shared = json!({"module": "deals", "owner": "ann", "sharedWith": [{"user": "vic2", "access": "read"}]});
    assert_eq!(
        levels(e.record_field_access("vic2", RecordRef::Json(&shared.to_string())).unwrap()),
        map(&[("amount", "readOnly"), ("note", "readOnly"), ("secret", "readOnly")])
    );
    // lim may not view the deal (limited, c1 managed: yes) — lim manages c1, so sees it
    assert_eq!(levels(e.record_field_access("lim", d1).unwrap()), map(&[("amount", "editable"), ("note", "readOnly"), ("secret", "hidden")]));
    // typed: record types don't hide an untyped record; boss sees it through the hierarchy
    let other = json!({"module": "deals", "owner": "boss", "fields": {"amount": 3}});
    assert_eq!(
        levels(e.record_field_access("ann", RecordRef::Json(&other.to_string())).unwrap()),
        map(&[("amount", "hidden"), ("note", "hidden"), ("secret", "hidden")])
    );
    assert_eq!(levels(e.record_field_access("gone", d1).unwrap()), map(&[("amount", "hidden"), ("note", "hidden"), ("secret", "hidden")]));
    assert_eq!(levels(e.record_field_access("root", d1).unwrap()), map(&[("amount", "editable"), ("note", "editable"), ("secret", "editable")]));
    assert!(e.record_field_access("ann", RecordRef::Id("t1")).unwrap().is_empty(), "a module without fields has an empty map");
    assert_eq!(e.record_field_access("nobody", d1).unwrap_err().kind, ErrorKind::UnknownUser);
    assert_eq!(e.record_field_access("ann", RecordRef::Id("zz")).unwrap_err().kind, ErrorKind::UnknownRecord);
}

// ---------------------------------------------------------------- §5 canShare, workspacesOf

#[test]
fn can_share_needs_full_access_or_admin() {
    let e = engine();
    let d1 = RecordRef::Id("d1");
    assert!(e.can_share("ann", d1).unwrap(), "the owner with delete in the profile has full");
    assert!(e.can_share("boss", d1).unwrap(), "hierarchy: full");
    assert!(!e.can_share("eve", d1).unwrap(), "an assignee has write");
    assert!(!e.can_share("vic", d1).unwrap());
    assert!(!e.can_share("ro", RecordRef::Id("c3")).unwrap(), "readOnly users never share");
    assert!(e.can_share("root", d1).unwrap());
    assert!(!e.can_share("rootro", d1).unwrap(), "a read-only admin may not share");
    assert!(!e.can_share("gone", d1).unwrap());
    assert!(!e.can_share("ext", RecordRef::Id("t2")).unwrap(), "external users never share");
    assert_eq!(e.can_share("nobody", d1).unwrap_err().kind, ErrorKind::UnknownUser);
    assert_eq!(e.can_share("team", d1).unwrap_err().kind, ErrorKind::UnknownUser);
}

#[test]
fn workspaces_of_lists_participation_and_viewable_records() {
    let mut e = engine();
    let ws = |e: &Engine, u: &str| e.workspaces_of(u).unwrap();
    // ann: owns w-own; views d1 (w-a) and the public tasks t1 (w-task), t2 (w-none)
    assert_eq!(ws(&e, "ann"), ["w-a", "w-none", "w-own", "w-task"]);
    // vic: auditor of w-aud; d1 shared read; tasks public
    assert_eq!(ws(&e, "vic"), ["w-a", "w-aud", "w-none", "w-task"]);
    // ext: counterparty of w-cp, read-only member of w-ro, participant of t2 (outside its workspaces)
    assert_eq!(ws(&e, "ext"), ["w-cp", "w-none", "w-ro"]);
    assert_eq!(ws(&e, "root").len(), 7);
    assert!(ws(&e, "gone").is_empty());
    assert_eq!(e.workspaces_of("nobody").unwrap_err().kind, ErrorKind::UnknownUser);
    // the store changes the answer
    e.remove_records(&["t2"]);
    assert_eq!(ws(&e, "ext"), ["w-cp", "w-ro"]);
    e.put_records(&json!([{"id": "t3", "module": "faq", "workspaces": ["w-none"]}]).to_string()).unwrap();
    assert!(ws(&e, "eve").contains(&"w-a".to_string()), "eve: assignee of d1");
    assert!(!ws(&e, "eve").contains(&"w-none".to_string()), "eve's profiles do not open faq");
    assert!(ws(&e, "ann").contains(&"w-none".to_string()), "faq: no record security, ann's profile opens it");
}

// ---------------------------------------------------------------- §3.9 decideUpdate

#[test]
fn an_unchanged_record_needs_edit_only() {
    let e = engine();
    let d = update(&e, "eve", &d1());
    assert!(d.allowed, "{d:?}");
    assert_eq!(reasons(&d), ["update-allowed"]);
    let d = update(&e, "vic", &d1());
    assert!(!d.allowed);
    assert_eq!(reasons(&d), ["update-needs-edit"]);
    assert_eq!(reasons(&update(&e, "gone", &d1())), ["inactive"]);
    assert_eq!(reasons(&update(&e, "root", &d1())), ["admin"]);
}

#[test]
fn lists_and_shares_compare_as_sets_and_fields_as_json() {
    let e = engine();
    let mut after = d1();
    after["sharedWith"] = json!([{"access": "readWrite", "group": "team"}, {"user": "vic", "access": "read"}]);
    after["fields"] = json!({"secret": {"b": [1, 2], "a": 1.0}, "note": "n", "amount": 1.0});
    after["owner"] = json!("ann");
    after["type"] = Value::Null; // null = absent outside fields
    after["assignees"] = json!(["eve", "eve"]);
    let d = update(&e, "eve", &after);
    assert!(d.allowed, "reordered shares, keys and equal numbers are no change: {d:?}");
    // array order inside a field value counts
    let mut swapped = d1();
    swapped["fields"]["secret"]["b"] = json!([2, 1]);
    assert_eq!(reasons(&update(&e, "ann", &swapped)), ["field-not-editable:secret"]);
}

#[test]
fn null_differs_from_absent_inside_fields() {
    let e = engine();
    let mut nulled = d1();
    nulled["fields"]["amount"] = Value::Null;
    assert!(update(&e, "ann", &nulled).allowed, "amount is editable for ann");
    let mut removed = d1();
    removed["fields"].as_object_mut().unwrap().remove("note");
    assert_eq!(reasons(&update(&e, "ann", &removed)), ["field-not-editable:note"]);
    let mut added = d1();
    added["fields"]["extra"] = Value::Null;
    assert_eq!(reasons(&update(&e, "ann", &added)), ["field-not-editable:extra"], "an undeclared key is never editable");
    // before without the key, after with it set to null: a change
    let before = json!({"id": "n1", "module": "deals", "owner": "ann"});
    let after = json!({"id": "n1", "module": "deals", "owner": "ann", "fields": {"note": null}});
    let d = e.decide_update("ann", RecordRef::Json(&before.to_string()), RecordRef::Json(&after.to_string())).unwrap();
    assert_eq!(reasons(&d), ["field-not-editable:note"]);
    // a module with fields: null has no field security
    let t = json!({"id": "t1", "module": "tasks", "owner": "boss", "workspaces": ["w-task"], "fields": {"anything": [1]}});
    assert!(e.decide_update("boss", RecordRef::Id("t1"), RecordRef::Json(&t.to_string())).unwrap().allowed);
}

#[test]
fn handing_over_needs_full_access() {
    let e = engine();
    for (key, value) in [("owner", json!("eve")), ("accountManagers", json!(["eve"])), ("auditors", json!(["vic"])), ("createdBy", json!("eve"))] {
        let after = with(d1(), key, value);
        assert!(update(&e, "ann", &after).allowed, "{key}: ann has full");
        assert_eq!(reasons(&update(&e, "eve", &after)), [format!("handover-needs-full:{key}")], "{key}: eve has write");
    }
    // null owner = absent owner: no change
    let mut no_owner = json!({"id": "x", "module": "tasks", "owner": null});
    let before = json!({"id": "x", "module": "tasks"});
    let d = e.decide_update("ann", RecordRef::Json(&before.to_string()), RecordRef::Json(&no_owner.to_string())).unwrap();
    assert!(!d.allowed && reasons(&d) == ["update-needs-edit"], "publicRead only: {d:?}");
    no_owner["owner"] = json!("ann");
    let d = e.decide_update("eve", RecordRef::Json(&before.to_string()), RecordRef::Json(&no_owner.to_string())).unwrap();
    assert!(reasons(&d).contains(&"handover-needs-full:owner".to_string()));
}

#[test]
fn moves_check_each_changed_key_on_its_own() {
    let e = engine();
    // ann may view c3 (owner) but not c2 (boss's, private)
    assert!(update(&e, "ann", &with(d1(), "parent", json!("c3"))).allowed);
    assert_eq!(reasons(&update(&e, "ann", &with(d1(), "parent", json!("c2")))), ["move-parent-not-viewable:c2"]);
    assert_eq!(reasons(&update(&e, "ann", &with(d1(), "company", json!("nowhere")))), ["move-company-not-viewable:nowhere"]);
    // clearing a key names nothing: allowed
    assert!(update(&e, "ann", &with(d1(), "parent", Value::Null)).allowed);
    // an unchanged key naming a record U may not view does not block
    let before = json!({"id": "m", "module": "deals", "owner": "ann", "parent": "c2", "company": "c2"});
    let after = with(before.clone(), "fields", json!({"amount": 5}));
    assert!(e.decide_update("ann", RecordRef::Json(&before.to_string()), RecordRef::Json(&after.to_string())).unwrap().allowed);
    // record types: a changed type must pass
    let typed_before = json!({"id": "ty", "module": "tasks", "owner": "typed", "type": "a"});
    for (ty, ok) in [(json!("a"), true), (json!("b"), false), (Value::Null, true)] {
        let after = with(typed_before.clone(), "type", ty.clone());
        let d = e.decide_update("typed", RecordRef::Json(&typed_before.to_string()), RecordRef::Json(&after.to_string())).unwrap();
        assert_eq!(d.allowed, ok, "type {ty}: {d:?}");
        if !ok {
            assert_eq!(reasons(&d), ["record-type-hidden"]);
        }
    }
}

#[test]
fn a_limited_user_moves_only_into_what_they_manage() {
    let e = engine();
    // lim manages c1 (account manager); d1 is in c1
    assert!(update(&e, "lim", &with(d1(), "fields", json!({"amount": 2, "note": "n", "secret": {"a": 1, "b": [1, 2]}}))).allowed);
    let moved = with(with(d1(), "company", json!("c3")), "parent", json!("c3"));
    let d = update(&e, "lim", &moved);
    assert!(!d.allowed);
    assert!(reasons(&d).contains(&"limited-crm-unmanaged".to_string()), "{d:?}");
    assert!(reasons(&d).contains(&"move-parent-not-viewable:c3".to_string()), "{d:?}");
}

#[test]
fn an_external_user_moves_only_into_workspaces_they_take_part_in() {
    let model = json!({
        "modules": [{"name": "tasks"}],
        "profiles": [{"id": "p", "modules": {"tasks": {"view": true, "edit": true}}}],
        "users": [{"id": "x", "external": true, "profiles": ["p"]}, {"id": "i", "profiles": ["p"]}],
        "workspaces": [{"id": "a", "moderators": ["x"]}, {"id": "b", "members": [{"user": "x"}]}, {"id": "r", "members": [{"user": "x", "readOnly": true}]}, {"id": "n"}],
        "records": [{"id": "t", "module": "tasks", "owner": "x", "workspaces": ["a"]}]
    });
    let e = Engine::new(&model.to_string()).unwrap();
    let before = json!({"id": "t", "module": "tasks", "owner": "x", "workspaces": ["a"]});
    let go = |ws: Value| e.decide_update("x", RecordRef::Id("t"), RecordRef::Json(&with(before.clone(), "workspaces", ws).to_string())).unwrap();
    assert!(go(json!(["a", "b"])).allowed);
    assert!(go(json!(["b", "a"])).allowed);
    assert_eq!(reasons(&go(json!(["a", "n"]))), ["workspace-not-participant:n"]);
    assert_eq!(reasons(&go(json!(["r"]))), ["workspace-read-only:r"]);
    assert_eq!(reasons(&go(json!([]))), ["external-needs-workspace"]);
    // an internal user has no workspace condition
    let i_before = json!({"id": "t9", "module": "tasks", "owner": "i"});
    let d =
        e.decide_update("i", RecordRef::Json(&i_before.to_string()), RecordRef::Json(&with(i_before.clone(), "workspaces", json!(["n"])).to_string())).unwrap();
    assert!(d.allowed, "{d:?}");
}

#[test]
fn changing_shares_needs_can_share_admins_included() {
    let e = engine();
    let more =
        with(d1(), "sharedWith", json!([{"user": "vic", "access": "read"}, {"group": "team", "access": "readWrite"}, {"role": "boss", "access": "read"}]));
    assert!(update(&e, "ann", &more).allowed);
    assert_eq!(reasons(&update(&e, "eve", &more)), ["share-change-needs-can-share"]);
    assert_eq!(reasons(&update(&e, "root", &more)), ["admin"]);
    let d = update(&e, "rootro", &more);
    assert!(!d.allowed);
    assert_eq!(reasons(&d), ["share-change-needs-can-share"]);
    // an admin that is read-only may still save other changes (§3.9: only the last bullet)
    assert!(update(&e, "rootro", &with(d1(), "owner", json!("vic"))).allowed);
    // changed access level of one entry is a change
    let level = with(d1(), "sharedWith", json!([{"user": "vic", "access": "readWrite"}, {"group": "team", "access": "readWrite"}]));
    assert_eq!(reasons(&update(&e, "eve", &level)), ["share-change-needs-can-share"]);
}

#[test]
fn every_failing_condition_is_listed() {
    let e = engine();
    let mut after = with(d1(), "owner", json!("eve"));
    after["fields"]["note"] = json!("changed"); // editable for eve (her profile lists no field)
    after["fields"]["extra"] = json!(1);
    after["parent"] = json!("c2");
    after["sharedWith"] = json!([]);
    let d = update(&e, "eve", &after);
    assert!(!d.allowed);
    assert_eq!(reasons(&d), ["field-not-editable:extra", "handover-needs-full:owner", "move-parent-not-viewable:c2", "share-change-needs-can-share"]);
    let d = update(&e, "vic", &after);
    assert_eq!(reasons(&d)[0], "update-needs-edit");
}

#[test]
fn after_must_keep_id_and_module() {
    let e = engine();
    let err = e.decide_update("ann", RecordRef::Id("d1"), RecordRef::Json(&with(d1(), "id", json!("d2")).to_string())).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidRecord);
    assert_eq!(err.problems[0].path, "after.id");
    assert!(err.message.contains("d2") && err.message.contains("d1"), "{}", err.message);
    let no_id = d1().as_object().unwrap().iter().filter(|(k, _)| *k != "id").map(|(k, v)| (k.clone(), v.clone())).collect::<serde_json::Map<_, _>>();
    let err = e.decide_update("ann", RecordRef::Id("d1"), RecordRef::Json(&Value::Object(no_id).to_string())).unwrap_err();
    assert_eq!(err.problems[0].path, "after.id");
    let err = e.decide_update("ann", RecordRef::Id("d1"), RecordRef::Json(&with(d1(), "module", json!("tasks")).to_string())).unwrap_err();
    assert_eq!(err.problems[0].path, "after.module");
    assert!(err.message.contains("tasks") && err.message.contains("deals"), "{}", err.message);
    // errors in either record name it
    let err = e.decide_update("ann", RecordRef::Id("d1"), RecordRef::Json(&with(d1(), "owner", json!("ghost")).to_string())).unwrap_err();
    assert!(err.problems[0].path.starts_with("after"), "{:?}", err.problems);
    let err = e.decide_update("ann", RecordRef::Id("zz"), RecordRef::Json(&d1().to_string())).unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnknownRecord);
    assert!(err.problems[0].path.starts_with("before"), "{:?}", err.problems);
    assert_eq!(e.decide_update("nobody", RecordRef::Id("d1"), RecordRef::Json(&d1().to_string())).unwrap_err().kind, ErrorKind::UnknownUser);
    // before and after given as objects without ids
    let b = json!({"module": "tasks", "owner": "ann"});
    assert!(e.decide_update("ann", RecordRef::Json(&b.to_string()), RecordRef::Json(&b.to_string())).unwrap().allowed);
}

#[test]
fn update_decisions_serialise_like_decisions() {
    let e = engine();
    let d = update(&e, "eve", &with(d1(), "owner", json!("eve")));
    assert_eq!(serde_json::to_value(&d).unwrap(), json!({"allowed": false, "reasons": ["handover-needs-full:owner"]}));
}
