//! A role chain tens of thousands deep with a `roleAndSubordinates` group on
//! every role: group membership used to be copied down the chain (quadratic
//! time and memory: minutes and gigabytes at this size). Nothing asserts time
//! here; the case simply has to finish, and answer right.

use crm_access::{Engine, RecordRef};
use serde_json::json;

fn deep_model(depth: usize) -> serde_json::Value {
    let roles: Vec<_> = (0..depth).map(|i| json!({"id": format!("r{i}"), "parent": if i == 0 { None } else { Some(format!("r{}", i - 1)) }})).collect();
    let users: Vec<_> = (0..depth).map(|i| json!({"id": format!("u{i}"), "role": format!("r{i}"), "profiles": ["p"]})).collect();
    let mut groups: Vec<_> = (0..depth).map(|i| json!({"id": format!("g{i}"), "members": [{"roleAndSubordinates": format!("r{i}")}]})).collect();
    groups.push(json!({"id": "outer", "members": [{"group": format!("g{}", depth / 2)}, {"role": "r0"}]}));
    let mid = depth / 2;
    json!({
        "modules": [{"name": "deals"}],
        "profiles": [{"id": "p", "modules": {"deals": {"view": true, "edit": true}}}],
        "roles": roles, "users": users, "groups": groups,
        "sharingRules": [
            {"id": "to-outer", "module": "deals", "from": {"role": "r0"}, "to": {"group": "outer"}, "access": "read"},
            {"id": "to-subtree", "module": "deals", "from": {"group": "g1"}, "to": {"roleAndSubordinates": format!("r{mid}")}, "access": "readWrite"}
        ],
        "records": [
            {"id": "by-root-group", "module": "deals", "owner": "g0"},
            {"id": "by-deepest-group", "module": "deals", "owner": format!("g{}", depth - 1)},
            {"id": "by-deepest-user", "module": "deals", "owner": format!("u{}", depth - 1)},
            {"id": "by-root-user", "module": "deals", "owner": "u0"},
            {"id": "by-u1", "module": "deals", "owner": "u1"},
        ]
    })
}

#[test]
fn a_deep_role_chain_with_a_group_on_every_role() {
    let depth = 20_000;
    let e = Engine::new(&deep_model(depth).to_string()).expect("valid model");
    let deepest = format!("u{}", depth - 1);
    let can = |u: &str, a: &str, id: &str| e.can(u, a, RecordRef::Id(id)).unwrap();
    // every user is in g0 (roleAndSubordinates of the root)
    assert!(can(&deepest, "edit", "by-root-group"));
    assert!(can("u0", "edit", "by-root-group"));
    // only the deepest role is in the deepest group
    assert!(can(&deepest, "edit", "by-deepest-group"));
    assert!(!can("u0", "view", "by-deepest-group"));
    // the hierarchy reaches all the way down
    assert!(can("u0", "edit", "by-deepest-user"));
    // "outer" holds r0's users and, through g{mid}, every role from the middle down
    assert!(can(&deepest, "view", "by-root-user"), "sharing rule to a group reached through nesting and a role span");
    assert!(!can(&deepest, "edit", "by-root-user"));
    // v2 (SPEC §2 "reaches"): u1's subordinates (r{mid} and below) are in
    // "outer", so the rule reaches u1 too, at the level it names
    assert!(can("u1", "view", "by-root-user"));
    assert!(!can("u1", "edit", "by-root-user"));
    // u1 is in g1, so records u1 owns reach r{mid}'s subtree read-write
    assert!(can(&deepest, "edit", "by-u1"));
    // v2 (SPEC §2 "reaches"): r{mid}'s subtree is below u2, so u2 inherits it
    assert!(can("u2", "edit", "by-u1"));
    assert!(!can(&deepest, "view", "by-root-group") || can(&deepest, "view", "by-u1"));
    let up = e.decide("u2", "edit", RecordRef::Id("by-u1")).unwrap();
    assert_eq!(up.reasons, vec!["subordinate-rule:to-subtree"]);
    let d = e.decide(&deepest, "view", RecordRef::Id("by-root-user")).unwrap();
    assert_eq!(d.reasons, vec!["sharing-rule:to-outer"]);
    assert_eq!(e.filter_stored(&deepest, None).unwrap().len(), 5);
}
