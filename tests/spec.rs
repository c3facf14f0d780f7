//! One test per rule of the contract (SPEC.md), each named after what it proves.
//! Sections follow the contract: model and validation (§1, §6), derived sets
//! (§2), deciding (§3), fields (§4), people and workspaces (§5).

mod common;
use common::*;
use crm_access::{Access, Engine, FieldLevel, RecordRef};
use serde_json::json;

// ---------------------------------------------------------------- §1 defaults

#[test]
fn omitted_optional_keys_take_their_defaults() {
    let e = engine(json!({
        "modules": [{"name": "deals"}],
        "profiles": [all_of("p", &["deals"])],
        "users": [{"id": "u", "profiles": ["p"]}, {"id": "v", "profiles": ["p"]}],
        "records": [{"id": "d", "module": "deals", "owner": "u"}]
    }));
    // private by default: v sees nothing; u (active by default) owns it
    assert!(!can(&e, "v", "view", "d"));
    assert!(can(&e, "u", "delete", "d"));
}

#[test]
fn null_is_accepted_where_the_default_is_null_and_rejected_elsewhere() {
    let ok = json!({"modules": [{"name": "m", "parent": null, "fields": null}], "users": [{"id": "u", "role": null, "company": null, "recordTypes": null}], "limitedAccess": null});
    engine(ok);
    assert_problem_at(json!({"modules": [{"name": "m"}], "users": [{"id": "u", "admin": null}]}), "users[0].admin");
    assert_problem_at(json!({"modules": [{"name": "m"}], "users": [{"id": "u"}], "roles": null}), "roles");
}

#[test]
fn modules_and_users_are_required_and_modules_not_empty() {
    assert_problem_at(json!({"users": []}), "");
    let ps = problems(json!({"modules": [], "users": []}));
    assert!(ps.iter().any(|(p, _)| p == "modules"), "{ps:?}");
}

#[test]
fn unknown_keys_are_errors_with_a_suggestion() {
    let err = Engine::new(&json!({"modules": [{"name": "m", "defaultSharng": "private"}], "users": []}).to_string()).unwrap_err();
    let p = &err.problems[0];
    assert!(p.path.starts_with("modules[0]"));
    assert!(p.message.contains("defaultSharng"));
    assert_eq!(p.help.as_deref(), Some("did you mean \"defaultSharing\"?"));
}

#[test]
fn every_structural_problem_is_listed_not_just_the_first() {
    let ps = problems(json!({
        "modules": [{"name": "m", "defaultSharing": "open"}],
        "users": [{"id": "u", "admin": "yes"}, {"id": 7}],
        "sharingRules": [{"id": "r", "module": "m", "from": {"role": "a", "group": "b"}, "to": {}, "access": "read"}]
    }));
    for want in ["modules[0].defaultSharing", "users[0].admin", "users[1].id", "sharingRules[0].from", "sharingRules[0].to"] {
        assert!(ps.iter().any(|(p, _)| p == want), "missing {want}: {ps:#?}");
    }
}

#[test]
fn text_that_is_not_json_is_an_error_not_a_crash() {
    let err = Engine::new("{\"modules\": [").unwrap_err();
    assert!(err.message.contains("not valid JSON"), "{}", err.message);
    let deep = "[".repeat(100_000);
    assert!(Engine::new(&deep).is_err());
}

// ---------------------------------------------------------------- §6 validation

fn base() -> serde_json::Value {
    json!({
        "modules": [{"name": "companies"}, {"name": "deals", "parent": "companies", "fields": ["amount"]}],
        "roles": [{"id": "top", "profiles": ["p"]}, {"id": "sub", "parent": "top"}],
        "profiles": [{"id": "p", "modules": {"deals": {"view": true}}}],
        "groups": [{"id": "g", "members": [{"user": "u"}]}],
        "users": [{"id": "u", "role": "sub"}, {"id": "v", "role": "top"}],
        "workspaces": [{"id": "w", "owner": "u"}],
        "limitedAccess": {"companyModule": "companies", "modules": ["companies", "deals"], "dealModule": "deals"},
        "records": [{"id": "c1", "module": "companies", "owner": "u"}]
    })
}

fn with(mut m: serde_json::Value, path: &[&str], v: serde_json::Value) -> serde_json::Value {
    let mut cur = &mut m;
    for (i, k) in path.iter().enumerate() {
        let next = if let Ok(n) = k.parse::<usize>() { &mut cur[n] } else { &mut cur[*k] };
        if i == path.len() - 1 {
            *next = v;
            return m;
        }
        cur = next;
    }
    m
}

#[test]
fn the_base_validation_model_is_valid() {
    engine(base());
}

#[test]
fn dangling_references_are_reported_with_their_path() {
    assert_problem_at(with(base(), &["users", "0", "role"], json!("vp2")), "users[0].role");
    assert_problem_at(with(base(), &["roles", "1", "parent"], json!("nope")), "roles[1].parent");
    assert_problem_at(with(base(), &["roles", "1", "profiles"], json!(["nope"])), "roles[1].profiles[0]");
    assert_problem_at(with(base(), &["groups", "0", "members"], json!([{"user": "ghost"}])), "groups[0].members[0].user");
    assert_problem_at(with(base(), &["groups", "0", "members"], json!([{"roleAndSubordinates": "ghost"}])), "groups[0].members[0]");
    assert_problem_at(with(base(), &["workspaces", "0", "members"], json!([{"user": "ghost"}])), "workspaces[0].members[0].user");
    assert_problem_at(with(base(), &["workspaces", "0", "moderators"], json!(["g"])), "workspaces[0].moderators[0]");
    assert_problem_at(with(base(), &["limitedAccess", "companyModule"], json!("orgs")), "limitedAccess.companyModule");
    assert_problem_at(with(base(), &["records", "0", "owner"], json!("ghost")), "records[0].owner");
    assert_problem_at(with(base(), &["records", "0", "module"], json!("tickets")), "records[0].module");
    assert_problem_at(with(base(), &["records", "0", "workspaces"], json!(["nope"])), "records[0].workspaces[0]");
    assert_problem_at(with(base(), &["records", "0", "assignees"], json!(["g"])), "records[0].assignees[0]");
}

#[test]
fn two_independent_problems_are_both_reported() {
    let m = with(with(base(), &["users", "0", "role"], json!("vp2")), &["roles", "1", "parent"], json!("nope"));
    let ps = problems(m);
    assert!(ps.iter().any(|(p, _)| p == "users[0].role"));
    assert!(ps.iter().any(|(p, _)| p == "roles[1].parent"));
}

#[test]
fn users_and_groups_share_one_id_space() {
    assert_problem_at(with(base(), &["groups", "0", "id"], json!("u")), "groups[0].id");
}

#[test]
fn duplicate_ids_are_errors_in_every_section() {
    let m = with(base(), &["roles", "1", "id"], json!("top"));
    assert_problem_at(m, "roles[1].id");
    assert_problem_at(with(base(), &["modules", "1", "name"], json!("companies")), "modules[1].name");
    assert_problem_at(with(base(), &["records"], json!([{"id": "x", "module": "deals"}, {"id": "x", "module": "deals"}])), "records[1].id");
}

#[test]
fn cycles_in_roles_groups_and_module_parents_are_errors() {
    assert_problem_at(with(base(), &["roles", "0", "parent"], json!("sub")), "roles[");
    let g = with(base(), &["groups"], json!([{"id": "g", "members": [{"group": "h"}]}, {"id": "h", "members": [{"group": "g"}]}]));
    assert_problem_at(g, "groups[");
    let self_nested = with(base(), &["groups"], json!([{"id": "g", "members": [{"group": "g"}]}]));
    assert_problem_at(self_nested, "groups[0].members[0]");
    assert_problem_at(with(base(), &["modules", "0", "parent"], json!("deals")), "modules[");
}

#[test]
fn limited_flags_that_contradict_the_user_are_errors() {
    for (flags, at) in [
        (json!({"limitedCrm": true, "admin": true}), "users[1].limitedCrm"),
        (json!({"limitedCrm": true, "teamLead": true}), "users[1].limitedCrm"),
        (json!({"limitedDeals": true, "external": true}), "users[1].limitedDeals"),
        (json!({"limitedCrm": true, "limitedDeals": true}), "users[1].limitedDeals"),
    ] {
        let mut u = json!({"id": "v"});
        for (k, val) in flags.as_object().unwrap() {
            u[k] = val.clone();
        }
        assert_problem_at(with(base(), &["users", "1"], u), at);
    }
}

#[test]
fn limited_access_settings_must_exist_for_limited_users() {
    let no_la = with(with(base(), &["users", "1", "limitedCrm"], json!(true)), &["limitedAccess"], json!(null));
    assert_problem_at(no_la, "users[1].limitedCrm");
    let empty = with(with(base(), &["users", "1", "limitedCrm"], json!(true)), &["limitedAccess", "modules"], json!([]));
    assert_problem_at(empty, "users[1].limitedCrm");
    let no_deal = with(with(base(), &["users", "1", "limitedDeals"], json!(true)), &["limitedAccess", "dealModule"], json!(null));
    assert_problem_at(no_deal, "users[1].limitedDeals");
}

#[test]
fn external_users_cannot_be_admins_grantors_or_hold_view_all() {
    assert_problem_at(with(base(), &["users", "1"], json!({"id": "v", "external": true, "admin": true})), "users[1]");
    assert_problem_at(with(base(), &["users", "1"], json!({"id": "v", "external": true, "canGrantAccess": true})), "users[1]");
    let m = with(with(base(), &["profiles", "0", "editAll"], json!(true)), &["users", "1"], json!({"id": "v", "external": true, "role": "top"}));
    assert_problem_at(m, "users[1]");
}

#[test]
fn related_keys_must_be_child_modules_of_the_rule_module() {
    let rule = json!([{"id": "r", "module": "deals", "from": {"role": "top"}, "to": {"role": "sub"}, "access": "read", "related": {"companies": "read"}}]);
    assert_problem_at(with(base(), &["sharingRules"], rule), "sharingRules[0].related");
}

#[test]
fn profile_fields_must_be_declared_by_the_module() {
    let m = with(base(), &["profiles", "0", "modules", "deals", "fields"], json!({"margin": "hidden"}));
    assert_problem_at(m, "profiles[0].modules.deals.fields");
    let m = with(base(), &["profiles", "0", "modules", "companies"], json!({"view": true, "fields": {"name": "hidden"}}));
    assert_problem_at(m, "profiles[0].modules.companies.fields");
}

#[test]
fn a_workspace_member_listed_twice_is_an_error() {
    let m = with(base(), &["workspaces", "0", "members"], json!([{"user": "v"}, {"user": "v", "readOnly": true}]));
    assert_problem_at(m, "workspaces[0].members[1]");
}

#[test]
fn empty_ids_are_errors() {
    assert_problem_at(with(base(), &["users", "1", "id"], json!("")), "users[1].id");
}

// ---------------------------------------------------------------- records and queries

fn small() -> Engine {
    engine(json!({
        "modules": [{"name": "deals", "fields": ["amount", "notes"]}],
        "profiles": [{"id": "p", "modules": {"deals": {"view": true, "create": true, "edit": true, "delete": true, "fields": {"notes": "hidden"}}}}],
        "users": [{"id": "u", "profiles": ["p"]}, {"id": "v", "profiles": ["p"]}],
        "workspaces": [{"id": "w", "owner": "u"}],
        "records": [{"id": "d1", "module": "deals", "owner": "u", "fields": {"amount": 5, "notes": "x", "extra": 1}}]
    }))
}

#[test]
fn put_records_is_all_or_nothing() {
    let mut e = small();
    let err = e.put_records(&json!([{"id": "d2", "module": "deals"}, {"id": "d3", "module": "ghosts"}]).to_string()).unwrap_err();
    assert_eq!(err.problems[0].path, "records[1].module");
    assert!(e.decide("u", "view", RecordRef::Id("d2")).is_err(), "d2 must not be stored");
    let err = e.put_records(&json!([{"id": "d2", "module": "deals"}, {"id": "d2", "module": "deals"}]).to_string()).unwrap_err();
    assert_eq!(err.problems[0].path, "records[1].id");
    assert_eq!(e.record_count(), 1);
}

#[test]
fn putting_a_stored_id_replaces_the_record() {
    let mut e = small();
    assert!(can(&e, "u", "view", "d1"));
    e.put_records(&json!([{"id": "d1", "module": "deals", "owner": "v"}]).to_string()).unwrap();
    assert!(!can(&e, "u", "view", "d1"));
    assert!(can(&e, "v", "view", "d1"));
    assert_eq!(e.record_count(), 1);
}

#[test]
fn remove_records_ignores_unknown_ids() {
    let mut e = small();
    e.remove_records(&["nope", "d1"]);
    assert_eq!(e.record_count(), 0);
    assert!(e.decide("u", "view", RecordRef::Id("d1")).is_err());
}

#[test]
fn stored_records_need_an_id_but_query_records_do_not() {
    let mut e = small();
    assert_eq!(e.put_records(&json!([{"module": "deals"}]).to_string()).unwrap_err().problems[0].path, "records[0].id");
    assert!(dj(&e, "u", "view", json!({"module": "deals", "owner": "u"})).allowed);
}

#[test]
fn queries_about_unknown_things_are_errors() {
    let e = small();
    assert_eq!(e.decide("ghost", "view", RecordRef::Id("d1")).unwrap_err().problems[0].path, "user");
    assert_eq!(e.decide("u", "steal", RecordRef::Id("d1")).unwrap_err().problems[0].path, "action");
    assert_eq!(e.decide("u", "view", RecordRef::Id("d9")).unwrap_err().problems[0].path, "record");
    assert_eq!(e.decide("u", "view", RecordRef::Json(r#"{"module":"deals","ownr":"u"}"#)).unwrap_err().problems[0].path, "record");
    assert!(e.can_invite("u", "nope").is_err());
    assert!(e.field_access("u", "nope").is_err());
    assert!(e.visible_users("nope").is_err());
    assert!(e.can_create_workspace("nope").is_err());
    assert!(e.can_grant_access("nope").is_err());
    assert!(e.filter("u", "[{\"module\": \"deals\", \"owner\": \"ghost\"}]", None).is_err());
}

#[test]
fn a_record_object_is_judged_as_given_even_if_its_id_is_stored() {
    let e = small();
    assert!(can(&e, "u", "view", "d1"));
    assert!(!dj(&e, "u", "view", json!({"id": "d1", "module": "deals", "owner": "v"})).allowed);
}

// ---------------------------------------------------------------- §2 derived sets, §3.5 grants

fn sales() -> Engine {
    engine(json!({
        "modules": [
            {"name": "companies"}, {"name": "deals", "parent": "companies"},
            {"name": "quotes", "parent": "deals"}, {"name": "invoices", "parent": "quotes"},
            {"name": "news", "defaultSharing": "publicRead"}, {"name": "faq", "recordSecurity": false}
        ],
        "roles": [
            {"id": "ceo", "profiles": ["all"]}, {"id": "vp", "parent": "ceo", "profiles": ["all"]},
            {"id": "rep", "parent": "vp", "profiles": ["all"]}, {"id": "ops", "parent": "ceo", "profiles": ["all"]}
        ],
        "profiles": [all_of("all", &["companies", "deals", "quotes", "invoices", "news", "faq"]),
                     {"id": "auditing", "viewAll": true}, {"id": "fixing", "editAll": true}],
        "groups": [
            {"id": "inner", "members": [{"user": "rep1"}]},
            {"id": "outer", "members": [{"group": "inner"}, {"role": "ops"}]},
            {"id": "vps", "members": [{"roleAndSubordinates": "vp"}]}
        ],
        "users": [
            {"id": "boss", "role": "ceo"}, {"id": "vp1", "role": "vp"}, {"id": "rep1", "role": "rep"},
            {"id": "rep2", "role": "rep"}, {"id": "op", "role": "ops"},
            {"id": "aud", "role": "ops", "profiles": ["auditing"]}, {"id": "fix", "role": "ops", "profiles": ["fixing"]},
            {"id": "norole", "profiles": ["all"]}
        ],
        "sharingRules": [
            {"id": "r-deals", "module": "deals", "from": {"role": "rep"}, "to": {"role": "ops"}, "access": "read",
             "related": {"quotes": "readWrite"}},
            {"id": "r-group", "module": "companies", "from": {"group": "outer"}, "to": {"group": "vps"}, "access": "readWrite"}
        ],
        "records": [
            {"id": "c-rep1", "module": "companies", "owner": "rep1"},
            {"id": "c-outer", "module": "companies", "owner": "outer"},
            {"id": "c-inner", "module": "companies", "owner": "inner"},
            {"id": "d-rep1", "module": "deals", "owner": "rep1", "parent": "c-rep1"},
            {"id": "d-vp1", "module": "deals", "owner": "vp1"},
            {"id": "q-rep1", "module": "quotes", "owner": "vp1", "parent": "d-rep1"},
            {"id": "q-orphan", "module": "quotes", "owner": "vp1", "parent": "d-missing"},
            {"id": "i-rep1", "module": "invoices", "owner": "vp1", "parent": "q-rep1"},
            {"id": "n1", "module": "news", "owner": "boss"},
            {"id": "f1", "module": "faq", "owner": "boss"},
            {"id": "d-am", "module": "deals", "owner": "boss", "accountManagers": ["rep2"]},
            {"id": "d-aud", "module": "deals", "owner": "boss", "auditors": ["rep2"]},
            {"id": "d-asg", "module": "deals", "owner": "boss", "assignees": ["rep2"]},
            {"id": "d-par", "module": "deals", "owner": "boss", "participants": ["rep2"]},
            {"id": "d-free", "module": "deals"}
        ]
    }))
}

#[test]
fn an_owner_has_full_access() {
    let e = sales();
    assert_eq!(access(&e, "rep1", "d-rep1"), Access::Full);
    assert_eq!(d(&e, "rep1", "view", "d-rep1").reasons, vec!["owner"]);
}

#[test]
fn superiors_get_full_access_to_subordinates_records_at_any_depth() {
    let e = sales();
    assert_eq!(access(&e, "vp1", "d-rep1"), Access::Full);
    assert_eq!(access(&e, "boss", "d-rep1"), Access::Full);
    assert!(d(&e, "boss", "view", "d-rep1").reasons.iter().any(|r| r == "hierarchy"));
}

#[test]
fn hierarchy_never_reaches_upward_sideways_or_peers() {
    let e = sales();
    assert!(!can(&e, "rep1", "view", "d-vp1"));
    assert!(!can(&e, "rep2", "view", "d-rep1"), "same role is not below");
    assert!(!can(&e, "norole", "view", "d-rep1"), "no role: no hierarchy");
}

#[test]
fn a_record_owned_by_a_group_is_full_for_its_members_at_any_nesting_depth() {
    let e = sales();
    assert_eq!(access(&e, "rep1", "c-outer"), Access::Full, "rep1 ∈ inner ⊂ outer");
    assert_eq!(access(&e, "op", "c-outer"), Access::Full, "role member");
    assert!(!can(&e, "op", "view", "c-inner"), "outer's members are not members of inner");
}

#[test]
fn account_managers_and_auditors_get_full_access() {
    let e = sales();
    assert_eq!(access(&e, "rep2", "d-am"), Access::Full);
    assert_eq!(access(&e, "rep2", "d-aud"), Access::Full);
}

#[test]
fn assignees_get_write_and_participants_get_read() {
    let e = sales();
    assert_eq!(access(&e, "rep2", "d-asg"), Access::Write);
    assert!(!can(&e, "rep2", "delete", "d-asg"));
    let p = d(&e, "rep2", "view", "d-par");
    assert_eq!((p.access, p.read_only), (Access::Read, true));
}

#[test]
fn default_sharing_grants_its_level_to_everyone_internal() {
    let e = sales();
    let n = d(&e, "rep2", "view", "n1");
    assert_eq!(
        (n.access, n.read_only, n.reasons.iter().map(ToString::to_string).collect::<Vec<_>>()),
        (Access::Read, true, vec!["default-sharing".to_string()])
    );
    assert!(!can(&e, "rep2", "view", "d-free"), "private by default");
}

#[test]
fn a_sharing_rule_matches_the_owner_role_and_the_user_role() {
    let e = sales();
    let x = d(&e, "op", "view", "d-rep1");
    assert_eq!(x.access, Access::Read);
    assert_eq!(x.reasons, vec!["sharing-rule:r-deals"]);
    assert!(!can(&e, "op", "view", "d-vp1"), "owner role vp does not match {{role: rep}}");
}

#[test]
fn a_group_rule_matches_group_owned_records_nested_inside_the_from_group() {
    let e = sales();
    // c-inner is owned by group inner, nested in outer: r-group shares it with vps
    assert_eq!(access(&e, "vp1", "c-inner"), Access::Write);
    assert_eq!(access(&e, "rep1", "c-rep1"), Access::Full);
    assert_eq!(access(&e, "rep2", "c-rep1"), Access::Write, "rep1 ∈ outer, rep2 ∈ vps (roleAndSubordinates)");
    assert!(!can(&e, "op", "view", "c-rep1"), "op is not in vps");
}

#[test]
fn related_sharing_reaches_children_one_level_down_only() {
    let e = sales();
    assert_eq!(access(&e, "op", "q-rep1"), Access::Write, "parent deal owned by a rep → related readWrite");
    assert!(d(&e, "op", "view", "q-rep1").reasons.iter().any(|r| r == "related-sharing:r-deals"));
    assert!(!can(&e, "op", "view", "i-rep1"), "grandchildren are not reached");
    assert!(!can(&e, "op", "view", "q-orphan"), "a missing parent grants nothing");
}

#[test]
fn sharing_and_defaults_never_grant_delete() {
    let e = sales();
    assert!(!can(&e, "op", "delete", "d-rep1"));
    assert!(!can(&e, "op", "delete", "q-rep1"));
    assert!(!can(&e, "rep2", "delete", "n1"));
    assert!(!can(&e, "vp1", "delete", "c-inner"));
}

#[test]
fn view_all_grants_read_and_edit_all_grants_write() {
    let e = sales();
    assert_eq!(access(&e, "aud", "d-free"), Access::Read);
    assert_eq!(access(&e, "fix", "d-free"), Access::Write);
    assert!(!can(&e, "fix", "delete", "d-free"));
}

#[test]
fn modules_without_record_security_are_full_for_internal_users_with_the_profile() {
    let e = sales();
    assert_eq!(access(&e, "rep2", "f1"), Access::Full);
    assert_eq!(d(&e, "rep2", "view", "f1").reasons, vec!["no-record-security"]);
}

#[test]
fn reasons_list_every_grant_at_the_winning_level_in_table_order() {
    let e = sales();
    let r = dj(&e, "rep2", "view", json!({"module": "deals", "owner": "rep2", "accountManagers": ["rep2"], "participants": ["rep2"]})).reasons;
    assert_eq!(r, vec!["owner", "account-manager"]);
}

// ---------------------------------------------------------------- §3.1 order, profiles

#[test]
fn inactive_users_are_allowed_nothing_even_admins() {
    let e = engine(json!({
        "modules": [{"name": "m", "defaultSharing": "publicReadWriteDelete"}],
        "profiles": [all_of("p", &["m"])],
        "users": [{"id": "a", "admin": true, "active": false}, {"id": "u", "profiles": ["p"], "active": false}],
        "workspaces": [{"id": "w", "owner": "u"}],
        "records": [{"id": "r", "module": "m", "owner": "u"}]
    }));
    for user in ["a", "u"] {
        for action in ["view", "edit", "delete"] {
            let x = d(&e, user, action, "r");
            assert!(!x.allowed);
            assert_eq!(x.reasons, vec!["inactive"]);
        }
        assert!(!dj(&e, user, "create", json!({"module": "m"})).allowed);
        assert!(!e.can_invite(user, "w").unwrap());
        assert!(e.visible_users(user).unwrap().is_empty());
        assert!(!e.can_create_workspace(user).unwrap());
    }
}

#[test]
fn admins_are_allowed_everything_without_any_profile() {
    let e = engine(json!({
        "modules": [{"name": "m", "fields": ["a"]}],
        "users": [{"id": "a", "admin": true, "readOnly": true, "recordTypes": []}, {"id": "u"}],
        "records": [{"id": "r", "module": "m", "owner": "u", "type": "x"}]
    }));
    let x = d(&e, "a", "delete", "r");
    assert!(x.allowed && x.access == Access::Full && !x.read_only);
    assert!(dj(&e, "a", "create", json!({"module": "m"})).allowed);
    assert_eq!(e.field_access("a", "m").unwrap(), vec![("a".to_string(), FieldLevel::Editable)]);
}

#[test]
fn the_profile_must_open_the_module_for_the_action_and_for_view() {
    let e = engine(json!({
        "modules": [{"name": "m", "defaultSharing": "publicReadWriteDelete"}],
        "profiles": [{"id": "edit-only", "modules": {"m": {"edit": true, "delete": true}}}, {"id": "view", "modules": {"m": {"view": true}}}],
        "users": [{"id": "blind", "profiles": ["edit-only"]}, {"id": "viewer", "profiles": ["view"]}, {"id": "none"}],
        "records": [{"id": "r", "module": "m"}]
    }));
    assert!(!can(&e, "blind", "edit", "r"), "every action needs view");
    assert_eq!(d(&e, "blind", "edit", "r").reasons[0], "profile-closed:view");
    let v = d(&e, "viewer", "edit", "r");
    assert!(!v.allowed);
    assert_eq!(v.access, Access::Read, "access is capped by the profile");
    assert!(v.read_only);
    assert_eq!(v.reasons[0], "profile-closed:edit");
    assert_eq!(access(&e, "none", "r"), Access::None);
}

#[test]
fn profiles_combine_most_permissively_across_role_and_user() {
    let e = engine(json!({
        "modules": [{"name": "m", "defaultSharing": "publicReadWriteDelete", "fields": ["x", "y", "z"]}],
        "roles": [{"id": "r", "profiles": ["a"]}],
        "profiles": [
            {"id": "a", "modules": {"m": {"view": true, "fields": {"x": "hidden", "y": "readOnly"}}}},
            {"id": "b", "modules": {"m": {"view": true, "edit": true, "fields": {"x": "readOnly", "y": "hidden", "z": "hidden"}}}}
        ],
        "users": [{"id": "u", "role": "r", "profiles": ["b"]}],
        "records": [{"id": "rec", "module": "m"}]
    }));
    assert!(can(&e, "u", "edit", "rec"));
    assert_eq!(
        e.field_access("u", "m").unwrap(),
        vec![("x".into(), FieldLevel::ReadOnly), ("y".into(), FieldLevel::ReadOnly), ("z".into(), FieldLevel::Editable)]
    );
}

// ---------------------------------------------------------------- §3.2 external users

fn extranet() -> Engine {
    engine(json!({
        "modules": [{"name": "docs", "defaultSharing": "publicReadWriteDelete"}, {"name": "faq", "recordSecurity": false}],
        "roles": [{"id": "staff", "profiles": ["all"]}],
        "profiles": [all_of("all", &["docs", "faq"])],
        "users": [
            {"id": "am", "role": "staff"}, {"id": "mod", "role": "staff"},
            {"id": "cli", "external": true, "profiles": ["all"], "company": "acme"},
            {"id": "ro", "external": true, "profiles": ["all"]},
            {"id": "mixed", "external": true, "profiles": ["all"], "company": "acme"},
            {"id": "boss-ext", "external": true, "profiles": ["all"]}
        ],
        "workspaces": [
            {"id": "open", "owner": "am", "members": [{"user": "cli"}, {"user": "ro", "readOnly": true}, {"user": "mixed", "readOnly": true}]},
            {"id": "part", "owner": "boss-ext", "moderators": ["mod"], "counterparty": "acme", "externalVisibility": "participating",
             "members": [{"user": "ro", "readOnly": true}]}
        ],
        "records": [
            {"id": "o1", "module": "docs", "owner": "am", "workspaces": ["open"]},
            {"id": "pub", "module": "docs", "owner": "am"},
            {"id": "mine", "module": "docs", "owner": "cli"},
            {"id": "p-none", "module": "docs", "owner": "am", "workspaces": ["part"]},
            {"id": "p-aud", "module": "docs", "owner": "am", "workspaces": ["part"], "auditors": ["cli", "ro"]},
            {"id": "p-asg", "module": "docs", "owner": "am", "workspaces": ["part"], "assignees": ["cli"]},
            {"id": "p-new", "module": "docs", "owner": "am", "workspaces": ["part"], "createdBy": "cli"},
            {"id": "p-par", "module": "docs", "owner": "am", "workspaces": ["part"], "participants": ["cli"]},
            {"id": "f1", "module": "faq", "owner": "am"}
        ]
    }))
}

#[test]
fn external_users_never_see_records_outside_their_workspaces_whatever_is_public() {
    let e = extranet();
    assert!(!can(&e, "cli", "view", "pub"));
    assert!(!can(&e, "cli", "view", "f1"), "no record security does not reach externals");
    assert_eq!(d(&e, "cli", "view", "pub").reasons, vec!["external-outside-workspaces"]);
}

#[test]
fn external_owners_have_full_access_wherever_the_record_is() {
    assert_eq!(access(&extranet(), "cli", "mine"), Access::Full);
}

#[test]
fn external_members_of_an_all_visibility_workspace_get_write_or_read_if_read_only() {
    let e = extranet();
    assert_eq!(access(&e, "cli", "o1"), Access::Write);
    assert_eq!(access(&e, "ro", "o1"), Access::Read);
}

#[test]
fn participation_is_read_only_only_when_it_comes_only_from_read_only_entries() {
    let e = extranet();
    // "mixed" is a read-only member of "open" but takes part in "part" as counterparty contact
    assert_eq!(access(&e, "mixed", "o1"), Access::Read);
    assert_eq!(access(&e, "mixed", "p-none"), Access::None, "not involved in a participating workspace");
}

#[test]
fn workspace_owners_and_moderators_get_full_access() {
    let e = extranet();
    assert_eq!(access(&e, "boss-ext", "p-none"), Access::Full);
    assert_eq!(access(&e, "mod", "p-none"), Access::Full);
    assert_eq!(access(&e, "am", "o1"), Access::Full);
}

#[test]
fn participating_visibility_follows_involvement_in_the_record() {
    let e = extranet();
    assert_eq!(access(&e, "cli", "p-aud"), Access::Full);
    assert_eq!(access(&e, "cli", "p-asg"), Access::Write);
    assert_eq!(access(&e, "cli", "p-new"), Access::Write);
    assert_eq!(access(&e, "cli", "p-par"), Access::Read);
    assert_eq!(access(&e, "cli", "p-none"), Access::None);
    assert_eq!(access(&e, "ro", "p-aud"), Access::Read, "read-only participation caps at read");
}

#[test]
fn external_creation_needs_a_workspace_they_take_part_in_without_read_only() {
    let e = extranet();
    assert!(dj(&e, "cli", "create", json!({"module": "docs", "workspaces": ["open"]})).allowed);
    assert!(dj(&e, "cli", "create", json!({"module": "docs", "workspaces": ["open", "part"]})).allowed);
    assert!(!dj(&e, "cli", "create", json!({"module": "docs"})).allowed);
    assert!(!dj(&e, "ro", "create", json!({"module": "docs", "workspaces": ["open"]})).allowed);
    assert!(!dj(&e, "boss-ext", "create", json!({"module": "docs", "workspaces": ["open"]})).allowed);
}

// ---------------------------------------------------------------- §3.4 limited access

fn limited() -> Engine {
    engine(json!({
        "modules": [
            {"name": "companies", "defaultSharing": "publicReadWriteDelete"},
            {"name": "contacts", "defaultSharing": "publicReadWriteDelete", "parent": "companies"},
            {"name": "deals", "defaultSharing": "publicReadWriteDelete", "parent": "companies"},
            {"name": "quotes", "defaultSharing": "publicReadWriteDelete", "parent": "deals"},
            {"name": "tasks", "defaultSharing": "publicRead"}
        ],
        // v2 §3.4: the created-by fallback holds for `contactModule` only
        "limitedAccess": {"companyModule": "companies", "modules": ["companies", "contacts"], "dealModule": "deals", "contactModule": "contacts"},
        "profiles": [all_of("all", &["companies", "contacts", "deals", "quotes", "tasks"])],
        "users": [
            {"id": "lim", "profiles": ["all"], "limitedCrm": true},
            {"id": "ld", "profiles": ["all"], "limitedDeals": true},
            {"id": "free", "profiles": ["all"]}
        ],
        "records": [
            {"id": "c-mine", "module": "companies", "accountManagers": ["lim"], "owner": "free"},
            {"id": "c-other", "module": "companies", "owner": "lim"},
            {"id": "k-mine", "module": "contacts", "company": "c-mine"},
            {"id": "k-other", "module": "contacts", "company": "c-other", "owner": "lim"},
            {"id": "k-created", "module": "contacts", "createdBy": "lim"},
            {"id": "k-fake", "module": "contacts", "company": "k-created"},
            {"id": "deal-ld", "module": "deals", "owner": "ld"},
            {"id": "deal-x", "module": "deals", "owner": "free"},
            {"id": "q-ld", "module": "quotes", "parent": "deal-ld"},
            {"id": "q-x", "module": "quotes", "parent": "deal-x", "owner": "ld"},
            {"id": "t1", "module": "tasks", "owner": "free"}
        ]
    }))
}

#[test]
fn limited_crm_users_see_only_managed_records_of_limited_modules() {
    let e = limited();
    assert_eq!(access(&e, "lim", "c-mine"), Access::Full);
    assert_eq!(access(&e, "lim", "k-mine"), Access::Full);
    assert_eq!(access(&e, "lim", "k-created"), Access::Full);
    assert!(!can(&e, "lim", "view", "c-other"), "owning is not managing");
    assert!(!can(&e, "lim", "view", "k-other"));
    assert!(!can(&e, "lim", "view", "k-fake"), "the company must be a record of the company module");
    assert_eq!(access(&e, "lim", "deal-x"), Access::Full, "modules outside the list follow the normal grants");
    assert_eq!(access(&e, "lim", "t1"), Access::Read);
}

#[test]
fn limited_crm_creation_requires_managing_the_new_record() {
    let e = limited();
    assert!(dj(&e, "lim", "create", json!({"module": "contacts", "company": "c-mine"})).allowed);
    assert!(dj(&e, "lim", "create", json!({"module": "contacts"})).allowed, "createdBy defaults to the creator");
    assert!(!dj(&e, "lim", "create", json!({"module": "contacts", "company": "c-other"})).allowed);
    assert!(!dj(&e, "lim", "create", json!({"module": "contacts", "createdBy": "free"})).allowed);
}

#[test]
fn limited_deal_users_see_only_their_own_deals_and_their_children() {
    let e = limited();
    assert_eq!(access(&e, "ld", "deal-ld"), Access::Full);
    assert!(!can(&e, "ld", "view", "deal-x"));
    assert_eq!(access(&e, "ld", "q-ld"), Access::Full);
    assert!(!can(&e, "ld", "view", "q-x"), "owning the quote is not owning its deal");
    assert_eq!(access(&e, "ld", "c-other"), Access::Full, "other modules follow the normal grants");
}

#[test]
fn limited_deal_users_create_only_their_own_deals_and_children_of_their_deals() {
    let e = limited();
    assert!(dj(&e, "ld", "create", json!({"module": "deals"})).allowed);
    assert!(!dj(&e, "ld", "create", json!({"module": "deals", "owner": "free"})).allowed);
    assert!(dj(&e, "ld", "create", json!({"module": "quotes", "parent": "deal-ld"})).allowed);
    assert!(!dj(&e, "ld", "create", json!({"module": "quotes", "parent": "deal-x"})).allowed);
}

// ---------------------------------------------------------------- §3.6 caps, §3.7 create

#[test]
fn read_only_users_see_at_most_read_and_never_create() {
    let e = engine(json!({
        "modules": [{"name": "m"}],
        "profiles": [all_of("p", &["m"])],
        "users": [{"id": "u", "profiles": ["p"], "readOnly": true}],
        "records": [{"id": "r", "module": "m", "owner": "u"}]
    }));
    let x = d(&e, "u", "view", "r");
    assert_eq!((x.access, x.read_only), (Access::Read, true));
    assert!(x.reasons.iter().any(|r| r == "read-only-user"));
    assert!(!can(&e, "u", "edit", "r"));
    assert!(!can(&e, "u", "delete", "r"));
    assert!(!dj(&e, "u", "create", json!({"module": "m"})).allowed);
}

#[test]
fn record_types_outside_the_list_do_not_exist_for_the_user() {
    let e = engine(json!({
        "modules": [{"name": "m"}],
        "profiles": [all_of("p", &["m"])],
        "users": [{"id": "u", "profiles": ["p"], "recordTypes": ["call"]}],
        "records": [{"id": "call", "module": "m", "owner": "u", "type": "call"}, {"id": "mail", "module": "m", "owner": "u", "type": "mail"},
                    {"id": "untyped", "module": "m", "owner": "u"}]
    }));
    assert!(can(&e, "u", "delete", "call"));
    assert!(can(&e, "u", "delete", "untyped"));
    let x = d(&e, "u", "view", "mail");
    assert_eq!((x.allowed, x.access), (false, Access::None));
    assert_eq!(x.reasons, vec!["record-type-hidden"]);
    assert!(!dj(&e, "u", "create", json!({"module": "m", "type": "mail"})).allowed);
}

// ---------------------------------------------------------------- filter

#[test]
fn filter_keeps_input_order_and_matches_decide_record_by_record() {
    let e = sales();
    let ids = ["d-free", "d-rep1", "n1", "d-vp1", "q-rep1", "f1"];
    for action in ["view", "edit", "delete"] {
        let recs: Vec<serde_json::Value> = ids.iter().map(|id| serde_json::to_value(e.mask("boss", RecordRef::Id(id)).unwrap()).unwrap()).collect();
        let keep = e.filter("op", &serde_json::Value::Array(recs.clone()).to_string(), Some(action)).unwrap();
        for (r, k) in recs.iter().zip(keep) {
            assert_eq!(k, e.decide("op", action, RecordRef::Json(&r.to_string())).unwrap().allowed);
        }
    }
}

#[test]
fn filter_stored_lists_allowed_stored_ids_sorted() {
    let e = sales();
    let ids = e.filter_stored("op", None).unwrap();
    let mut expected: Vec<String> = ["d-rep1", "q-rep1", "n1", "f1", "c-outer"].iter().map(std::string::ToString::to_string).collect();
    expected.sort();
    assert_eq!(ids, expected);
}

// ---------------------------------------------------------------- §4 fields

#[test]
fn masking_keeps_only_visible_declared_fields() {
    let e = small();
    let m = e.mask("u", RecordRef::Id("d1")).unwrap();
    assert_eq!(m["fields"], json!({"amount": 5}));
    assert_eq!(m["id"], "d1");
}

#[test]
fn masking_a_record_the_user_cannot_view_leaves_no_fields() {
    let e = small();
    assert_eq!(e.mask("v", RecordRef::Id("d1")).unwrap()["fields"], json!({}));
}

#[test]
fn modules_without_field_security_keep_every_field() {
    let e = engine(json!({
        "modules": [{"name": "m"}], "profiles": [all_of("p", &["m"])], "users": [{"id": "u", "profiles": ["p"]}]
    }));
    let m = e.mask("u", RecordRef::Json(r#"{"module":"m","owner":"u","fields":{"a":1,"b":[2]}}"#)).unwrap();
    assert_eq!(m["fields"], json!({"a": 1, "b": [2]}));
    assert!(e.mask("u", RecordRef::Json(r#"{"module":"m","owner":"u","custom":true}"#)).is_err(), "unknown record keys are errors");
    assert!(e.field_access("u", "m").unwrap().is_empty());
}

#[test]
fn view_all_does_not_lift_field_security_and_read_only_users_get_read_only_fields() {
    let e = engine(json!({
        "modules": [{"name": "m", "fields": ["a", "b"]}],
        "profiles": [{"id": "p", "viewAll": true, "modules": {"m": {"view": true, "edit": true, "fields": {"a": "hidden"}}}},
                     {"id": "closed", "modules": {"m": {"edit": true, "fields": {"a": "editable"}}}}],
        "users": [{"id": "u", "profiles": ["p", "closed"]}, {"id": "ro", "profiles": ["p"], "readOnly": true}]
    }));
    assert_eq!(
        e.field_access("u", "m").unwrap(),
        vec![("a".into(), FieldLevel::Hidden), ("b".into(), FieldLevel::Editable)],
        "a profile that does not open view does not count"
    );
    assert_eq!(e.field_access("ro", "m").unwrap(), vec![("a".into(), FieldLevel::Hidden), ("b".into(), FieldLevel::ReadOnly)]);
}

// ---------------------------------------------------------------- §5 people, workspaces

fn people() -> Engine {
    engine(json!({
        "modules": [{"name": "m"}],
        "users": [
            {"id": "root", "admin": true}, {"id": "ann"}, {"id": "bob"}, {"id": "gone", "active": false},
            {"id": "x1", "external": true}, {"id": "x2", "external": true, "company": "acme"},
            {"id": "x3", "external": true}, {"id": "ro", "readOnly": true}, {"id": "grant", "canGrantAccess": true}
        ],
        "workspaces": [
            {"id": "w1", "owner": "ann", "moderators": ["bob"], "members": [{"user": "x1"}, {"user": "gone"}], "invitePolicy": "members"},
            {"id": "w2", "owner": "bob", "counterparty": "acme", "members": [{"user": "ro"}, {"user": "x1", "readOnly": true}], "invitePolicy": "owner"},
            {"id": "w3", "owner": "ann", "moderators": ["bob"]}
        ]
    }))
}

#[test]
fn internal_users_see_internal_users_and_externals_sharing_a_workspace() {
    let e = people();
    assert_eq!(e.visible_users("ann").unwrap(), vec!["ann", "bob", "grant", "ro", "root", "x1"]);
    assert_eq!(e.visible_users("bob").unwrap(), vec!["ann", "bob", "grant", "ro", "root", "x1", "x2"]);
}

#[test]
fn external_users_see_only_fellow_participants_and_themselves() {
    let e = people();
    assert_eq!(e.visible_users("x1").unwrap(), vec!["ann", "bob", "ro", "x1", "x2"]);
    assert_eq!(e.visible_users("x3").unwrap(), vec!["x3"]);
}

#[test]
fn admins_see_every_active_user() {
    assert_eq!(people().visible_users("root").unwrap(), vec!["ann", "bob", "grant", "ro", "root", "x1", "x2", "x3"]);
}

#[test]
fn invite_policies_decide_who_may_invite() {
    let e = people();
    let inv = |u, w| e.can_invite(u, w).unwrap();
    assert!(inv("x1", "w1") && inv("bob", "w1") && inv("ann", "w1"), "members policy");
    assert!(inv("bob", "w2") && !inv("x2", "w2"), "owner only; counterparty contacts never");
    assert!(!inv("x1", "w2"));
    assert!(inv("bob", "w3") && !inv("x1", "w3"), "owner and moderators");
    assert!(inv("root", "w2"), "admins may always invite");
    assert!(!inv("ro", "w2"), "read-only users never invite");
}

#[test]
fn creating_workspaces_and_granting_access_need_an_active_writable_internal_user() {
    let e = people();
    assert!(e.can_create_workspace("ann").unwrap());
    assert!(!e.can_create_workspace("x1").unwrap());
    assert!(!e.can_create_workspace("ro").unwrap());
    assert!(e.can_grant_access("root").unwrap());
    assert!(e.can_grant_access("grant").unwrap());
    assert!(!e.can_grant_access("ann").unwrap());
}

// ---------------------------------------------------------------- scale and depth

#[test]
fn a_ten_thousand_deep_role_chain_and_group_nesting_build_and_answer() {
    let n = 10_000;
    let roles: Vec<_> =
        (0..n)
            .map(|i| {
                if i == 0 {
                    json!({"id": "r0", "profiles": ["p"]})
                } else {
                    json!({"id": format!("r{i}"), "parent": format!("r{}", i - 1), "profiles": ["p"]})
                }
            })
            .collect();
    let groups: Vec<_> = (0..n)
        .map(|i| {
            if i + 1 < n {
                json!({"id": format!("g{i}"), "members": [{"group": format!("g{}", i + 1)}]})
            } else {
                json!({"id": format!("g{i}"), "members": [{"user": "bottom"}]})
            }
        })
        .collect();
    let e = engine(json!({
        "modules": [{"name": "m"}],
        "roles": roles, "groups": groups,
        "profiles": [all_of("p", &["m"])],
        "users": [{"id": "top", "role": "r0"}, {"id": "bottom", "role": format!("r{}", n - 1)}],
        "sharingRules": [{"id": "s", "module": "m", "from": {"group": "g0"}, "to": {"roleAndSubordinates": "r0"}, "access": "read"}],
        "records": [{"id": "deep", "module": "m", "owner": "bottom"}, {"id": "gowned", "module": "m", "owner": "g0"},
                    {"id": "leaf", "module": "m", "owner": format!("g{}", n - 1)}]
    }));
    assert!(can(&e, "top", "delete", "deep"));
    assert!(can(&e, "bottom", "delete", "gowned"), "member of the deepest group is in every group above");
    assert!(can(&e, "top", "view", "leaf"), "group rule matches a group owner nested 10,000 deep");
    let cyc: Vec<_> = (0..n).map(|i| json!({"id": format!("r{i}"), "parent": format!("r{}", (i + 1) % n)})).collect();
    assert_problem_at(json!({"modules": [{"name": "m"}], "roles": cyc, "users": []}), "roles[");
}

#[test]
fn errors_carry_a_kind() {
    use crm_access::{ErrorKind, RecordRef};
    let e = crm_access::Engine::new(r#"{"modules": [{"name": "deals"}], "users": [{"id": "u", "role": "nope"}]}"#).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidModel);
    let engine = crm_access::Engine::new(r#"{"modules": [{"name": "deals"}], "users": [{"id": "u"}], "groups": [{"id": "g"}]}"#).unwrap();
    let kind = |r: Result<bool, crm_access::Error>| r.unwrap_err().kind;
    assert_eq!(kind(engine.can("nobody", "view", RecordRef::Json(r#"{"module": "deals"}"#))), ErrorKind::UnknownUser);
    assert_eq!(kind(engine.can("g", "view", RecordRef::Json(r#"{"module": "deals"}"#))), ErrorKind::UnknownUser);
    assert_eq!(kind(engine.can("u", "fly", RecordRef::Json(r#"{"module": "deals"}"#))), ErrorKind::UnknownAction);
    assert_eq!(kind(engine.can("u", "view", RecordRef::Id("d9"))), ErrorKind::UnknownRecord);
    assert_eq!(kind(engine.can("u", "view", RecordRef::Json(r#"{"module": "tickets"}"#))), ErrorKind::InvalidRecord);
    assert_eq!(engine.field_access("u", "tickets").unwrap_err().kind, ErrorKind::UnknownModule);
    assert_eq!(engine.can_invite("u", "w").unwrap_err().kind, ErrorKind::UnknownWorkspace);
}

// ---------------------------------------------------------------- issue 14: parents and companies not stored

fn has(x: &crm_access::Decision, code: &str) -> bool {
    x.reasons.iter().any(|r| r == code)
}

#[test]
fn limited_crm_says_when_the_company_it_would_read_is_not_stored() {
    let e = limited();
    let x = dj(&e, "lim", "view", json!({"module": "contacts", "company": "c-gone"}));
    assert!(!x.allowed);
    assert!(has(&x, "limited-crm-unmanaged") && has(&x, "company-not-stored:c-gone"), "{:?}", x.reasons);
    // a stored company: nothing about storage
    let y = dj(&e, "lim", "view", json!({"module": "contacts", "company": "c-other"}));
    assert!(!y.reasons.iter().any(|r| r.code().ends_with("-not-stored")), "{:?}", y.reasons);
    // creation reads the company too
    let z = dj(&e, "lim", "create", json!({"module": "contacts", "company": "c-gone"}));
    assert!(!z.allowed);
    assert!(has(&z, "company-not-viewable:c-gone") && has(&z, "company-not-stored:c-gone"), "{:?}", z.reasons);
}

#[test]
fn limited_deals_say_when_the_parent_deal_is_not_stored() {
    let e = limited();
    let x = dj(&e, "ld", "view", json!({"module": "quotes", "parent": "deal-gone"}));
    assert!(!x.allowed);
    assert!(has(&x, "limited-deals-not-own") && has(&x, "parent-not-stored:deal-gone"), "{:?}", x.reasons);
    let c = dj(&e, "ld", "create", json!({"module": "quotes", "parent": "deal-gone"}));
    assert!(!c.allowed);
    assert!(has(&c, "parent-not-viewable:deal-gone") && has(&c, "parent-not-stored:deal-gone"), "{:?}", c.reasons);
}

#[test]
fn related_sharing_says_when_the_parent_is_not_stored() {
    let e = sales();
    let x = d(&e, "op", "view", "q-orphan");
    assert!(!x.allowed);
    assert!(has(&x, "no-grant") && has(&x, "parent-not-stored:d-missing"), "{:?}", x.reasons);
    // full access from the record itself: no stored parent could change anything
    let y = dj(&e, "op", "view", json!({"module": "quotes", "owner": "op", "parent": "d-missing"}));
    assert_eq!(y.reasons.iter().map(ToString::to_string).collect::<Vec<_>>(), ["owner"]);
    // the fast answers agree
    assert!(!can(&e, "op", "view", "q-orphan"));
}

#[test]
fn controlled_by_parent_says_when_the_parent_is_not_stored() {
    let e = engine(json!({
        "modules": [{"name": "tasks"}, {"name": "comments", "parent": "tasks", "controlledByParent": true}],
        "profiles": [all_of("all", &["tasks", "comments"])],
        "users": [{"id": "u", "profiles": ["all"]}, {"id": "v", "profiles": ["all"]}],
        "records": [{"id": "t1", "module": "tasks", "owner": "u"}]
    }));
    assert!(d(&e, "u", "view", "t1").allowed);
    let ok = dj(&e, "u", "view", json!({"module": "comments", "owner": "v", "parent": "t1"}));
    assert!(ok.allowed && has(&ok, "controlled-by-parent:t1"), "{:?}", ok.reasons);
    let x = dj(&e, "u", "view", json!({"module": "comments", "owner": "v", "parent": "t-gone"}));
    assert!(!x.allowed);
    assert_eq!(x.reasons.iter().map(ToString::to_string).collect::<Vec<_>>(), ["no-grant", "parent-not-stored:t-gone"]);
}

#[test]
fn filter_report_judges_each_record_and_reports_the_bad_ones() {
    let e = sales();
    let recs = json!([
        {"module": "deals", "owner": "rep1"},
        {"module": "deals", "owner": "former-employee"},
        {"module": "deals", "owner": "boss", "assignees": ["nobody"]},
        {"module": "nope"},
        {"module": "news", "owner": "boss"},
        {"module": "deals", "owner": "rep1", "bogus": 1}
    ])
    .to_string();
    assert!(e.filter("op", &recs, None).is_err(), "filter stays all or nothing");
    let out = e.filter_report("op", &recs, None).unwrap();
    assert_eq!(out.len(), 6);
    assert_eq!(out[0], Ok(true));
    assert_eq!(out[4], Ok(true));
    let paths = |i: usize| out[i].as_ref().unwrap_err().iter().map(|p| p.path.clone()).collect::<Vec<_>>();
    assert_eq!(paths(1), ["records[1].owner"]);
    assert_eq!(paths(2), ["records[2].assignees[0]"]);
    assert_eq!(paths(3), ["records[3].module"]);
    assert!(paths(5).iter().all(|p| p.starts_with("records[5]")), "{:?}", paths(5));
    // same answers as filter where filter answers
    let good = json!([{"module": "deals", "owner": "rep1"}, {"module": "deals", "owner": "vp1"}]).to_string();
    let expect: Vec<_> = e.filter("op", &good, Some("edit")).unwrap().into_iter().map(Ok).collect();
    assert_eq!(e.filter_report("op", &good, Some("edit")).unwrap(), expect);
    assert!(e.filter_report("who", &good, None).is_err());
    assert!(e.filter_report("op", "{}", None).is_err());
}
