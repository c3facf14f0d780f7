//! Regression tests for bugs found by the hardening work (fuzzing, differential
//! and hostile-input testing). Each names what was wrong; a test that fails here
//! is an open bug.

use crm_access::{Action, Engine, RecordRef};

const MODEL: &str = r#"{
  "modules": [{ "name": "deals" }],
  "profiles": [{ "id": "p", "modules": { "deals": { "view": true, "edit": true } } }],
  "users": [{ "id": "ann", "profiles": ["p"] }],
  "records": [{ "id": "d1", "module": "deals", "owner": "ann" }]
}"#;

/// Found by the differential test (encoded path) and by the Node fast-path test:
/// a record whose only string is an empty `type` is encoded with the string list
/// "" (one empty string), which the decoder reads as *no* strings, so
/// `decide_encoded` fails with "codes[5]: string index out of range" while
/// `decide` on the same record answers. In the npm package this makes the fast
/// path throw for `{ module: "deals", type: "" }`.
#[test]
fn an_empty_type_survives_the_ids_based_encoding() {
    let engine = Engine::new(MODEL).unwrap();
    for text in
        [r#"{"module":"deals","owner":"ann","type":""}"#, r#"{"module":"deals","type":""}"#, r#"{"module":"deals","owner":"ann","parent":"d1","type":""}"#]
    {
        let want = engine.decide("ann", "view", RecordRef::Json(text)).expect("decide answers");
        let (codes, strings) = engine.indexed().encode_record(RecordRef::Json(text)).expect("encodes");
        let got = engine
            .indexed()
            .decide_encoded(0, Action::View, &codes, &strings)
            .unwrap_or_else(|e| panic!("decide_encoded failed for {text}: {} (codes {codes:?}, strings {strings:?})", e.message));
        assert_eq!((got.allowed, got.access, got.read_only), (want.allowed, want.access, want.read_only), "{text}");
        assert_eq!(engine.indexed().can_encoded(0, Action::View, &codes, &strings).expect("can_encoded"), want.allowed, "{text}");
        assert_eq!(engine.indexed().filter_encoded(0, Action::View, &codes, &strings).expect("filter_encoded"), vec![u8::from(want.allowed)], "{text}");
    }
}

/// Found by fuzzing the ids-based encoding (fuzz target `encoded`): the decoder
/// takes an empty string as a record's `parent` or `company`, which the JSON
/// path refuses ("ids must be non-empty strings"). The JS layer never sends
/// one, but the public native API (`decide_encoded`, `can_encoded`,
/// `filter_encoded`) should check what the JSON path checks.
#[test]
fn the_encoding_refuses_empty_parent_and_company_ids() {
    let engine = Engine::new(MODEL).unwrap();
    assert!(engine.decide("ann", "view", RecordRef::Json(r#"{"module":"deals","parent":""}"#)).is_err());
    // module 0, owner ann (0), no createdBy, parent = strings[0], company = strings[1], no type, empty lists
    let none = crm_access::ENCODED_NONE;
    let parent_empty = [0, 0, none, 0, none, none, 0, 0, 0, 0, 0];
    let company_empty = [0, 0, none, none, 0, none, 0, 0, 0, 0, 0];
    for codes in [&parent_empty[..], &company_empty[..]] {
        assert!(engine.indexed().decide_encoded(0, Action::View, codes, "\0x").is_err(), "decide_encoded accepted an empty id: {codes:?}");
        assert!(engine.indexed().can_encoded(0, Action::View, codes, "\0x").is_err(), "can_encoded accepted an empty id: {codes:?}");
        assert!(engine.indexed().filter_encoded(0, Action::View, codes, "\0x").is_err(), "filter_encoded accepted an empty id: {codes:?}");
    }
}

/// `plan` keeps the users' ids it lists in a table built on first use; a
/// batch `apply` patches in place (a new user appended) must drop it, or the
/// new user's plan would read past its end.
#[test]
fn plan_after_apply_adds_a_user_equals_a_fresh_engine() {
    let model = r#"{"modules":[{"name":"deals"}],"roles":[{"id":"boss","profiles":["p"]},{"id":"rep","parent":"boss","profiles":["p"]}],
      "profiles":[{"id":"p","modules":{"deals":{"view":true,"edit":true}}}],
      "users":[{"id":"ann","role":"boss"},{"id":"raj","role":"rep"}],
      "records":[{"id":"d1","module":"deals","owner":"raj"},{"id":"d2","module":"deals","owner":"ann"}]}"#;
    let mut e = Engine::new(model).unwrap();
    let _ = e.plan("ann", "view", "deals").unwrap();
    e.apply_json(r#"[{"op":"put","kind":"user","value":{"id":"zoe","role":"rep"}}]"#).unwrap();
    let after: serde_json::Value = serde_json::from_str(model).unwrap();
    let mut fresh_model = after.clone();
    fresh_model["users"].as_array_mut().unwrap().push(serde_json::json!({"id":"zoe","role":"rep"}));
    let fresh = Engine::new(&fresh_model.to_string()).unwrap();
    for u in ["ann", "raj", "zoe"] {
        let got = serde_json::to_value(e.plan(u, "view", "deals").unwrap()).unwrap();
        let want = serde_json::to_value(fresh.plan(u, "view", "deals").unwrap()).unwrap();
        assert_eq!(got, want, "{u}");
    }
}
