//! Caller-chosen ids that defeat a known hash: the engine stays correct (and,
//! see `BENCH=flood cargo bench --bench native`, fast). "Did you mean" hints
//! for unknown ids stay cheap and are still given for ordinary typos.
use crm_access::{Engine, RecordRef};
use serde_json::json;

/// Ids with one and the same FxHash (rustc-hash 2, 64-bit), as in benches/native.rs.
fn fx_colliding_ids(n: usize) -> Vec<String> {
    fn mix(x: u64, y: u64) -> u64 {
        let full = (x as u128).wrapping_mul(y as u128);
        (full as u64) ^ ((full >> 64) as u64)
    }
    let mut out = Vec::with_capacity(n);
    let mut i: u64 = 0;
    while out.len() < n {
        i += 1;
        let head = format!("f{i:015x}");
        let b = head.as_bytes();
        let x = u64::from_le_bytes(b[0..8].try_into().unwrap());
        let y = u64::from_le_bytes(b[8..16].try_into().unwrap());
        let t = mix(0x243f6a8885a308d3 ^ x, 0xa4093822299f31d0 ^ y).to_le_bytes();
        if t.iter().all(|&c| c < 0x80) {
            let mut id = head.into_bytes();
            id.extend_from_slice(b"zzzzzzzz");
            id.extend_from_slice(&t);
            out.push(String::from_utf8(id).unwrap());
        }
    }
    out
}

fn model() -> String {
    json!({"modules": [{"name": "deals"}], "roles": [{"id": "boss", "profiles": ["p"]}, {"id": "rep", "parent": "boss", "profiles": ["p"]}],
        "users": [{"id": "alice", "role": "boss"}, {"id": "bob", "role": "rep"}, {"id": "carol", "role": "rep"}],
        "profiles": [{"id": "p", "modules": {"deals": {"view": true, "edit": true, "delete": true}}}]})
    .to_string()
}

#[test]
fn records_with_colliding_ids_are_stored_found_and_removed() {
    use std::hash::BuildHasher;
    let ids = fx_colliding_ids(3_000);
    let h = rustc_hash::FxBuildHasher.hash_one(ids[0].as_str());
    assert!(ids.iter().all(|id| rustc_hash::FxBuildHasher.hash_one(id.as_str()) == h));
    let mut e = Engine::new(&model()).unwrap();
    let owner = |k: usize| if k % 2 == 0 { "bob" } else { "carol" };
    for (c, chunk) in ids.chunks(500).enumerate() {
        let recs: Vec<_> = chunk.iter().enumerate().map(|(k, id)| json!({"id": id, "module": "deals", "owner": owner(c * 500 + k)})).collect();
        e.put_records(&serde_json::Value::Array(recs).to_string()).unwrap();
    }
    assert_eq!(e.record_count(), ids.len());
    for (k, id) in ids.iter().enumerate() {
        assert!(e.can("alice", "view", RecordRef::Id(id)).unwrap(), "{k}");
        assert_eq!(e.can("bob", "view", RecordRef::Id(id)).unwrap(), owner(k) == "bob", "{k}");
    }
    // replace some (same id, new owner), remove others
    let recs: Vec<_> = ids[..100].iter().map(|id| json!({"id": id, "module": "deals", "owner": "carol"})).collect();
    e.put_records(&serde_json::Value::Array(recs).to_string()).unwrap();
    let gone: Vec<&str> = ids.iter().skip(1).step_by(3).map(String::as_str).collect();
    e.remove_records(&gone);
    assert_eq!(e.record_count(), ids.len() - gone.len());
    for (k, id) in ids.iter().enumerate() {
        let got = e.can("bob", "view", RecordRef::Id(id));
        if k % 3 == 1 {
            assert!(got.is_err(), "{k} was removed");
        } else {
            assert_eq!(got.unwrap(), k >= 100 && owner(k) == "bob", "{k}");
        }
    }
    let slots = e.indexed().slots_of(&ids);
    assert_eq!(slots.iter().filter(|&&s| s != u32::MAX).count(), e.record_count());
}

#[test]
fn unknown_users_get_hints_cheaply() {
    let users: Vec<_> = (0..5_000).map(|i| json!({"id": format!("user{i:05}"), "role": "rep"})).collect();
    let m = json!({"modules": [{"name": "deals"}], "roles": [{"id": "rep", "profiles": ["p"]}], "users": users,
        "profiles": [{"id": "p", "modules": {"deals": {"view": true}}}]});
    let mut e = Engine::new(&m.to_string()).unwrap();
    let long = "u".repeat(1 << 20);
    let recs = json!([
        {"id": "a", "module": "deals", "createdBy": "usr01234"},
        {"id": "b", "module": "deals", "assignees": ["user04321x"]},
        {"id": "c", "module": "deals", "createdBy": "nobody-like-that"},
        {"id": "d", "module": "deals", "createdBy": long},
    ]);
    let err = e.put_records(&recs.to_string()).unwrap_err();
    let help: Vec<Option<&str>> = err.problems.iter().map(|p| p.help.as_deref()).collect();
    assert_eq!(help, [Some("did you mean \"user01234\"?"), Some("did you mean \"user04321\"?"), None, None], "{err:?}");
}
