//! The ids-based encoding (the JS package's fast path) must give exactly the
//! answers of the JSON path, and malformed encodings must be errors.

mod common;
use common::*;
use crm_access::{Action, Engine, RecordRef, ENCODED_NONE};
use serde_json::json;

fn model() -> Engine {
    engine(json!({
        "modules": [{"name": "companies", "defaultSharing": "publicRead"}, {"name": "deals", "parent": "companies"},
                    {"name": "quotes", "parent": "deals"}],
        "limitedAccess": {"companyModule": "companies", "modules": ["companies"], "dealModule": "deals"},
        "roles": [{"id": "top", "profiles": ["all"]}, {"id": "mid", "parent": "top", "profiles": ["all"]}],
        "profiles": [all_of("all", &["companies", "deals", "quotes"])],
        "groups": [{"id": "g", "members": [{"role": "mid"}]}],
        "users": [{"id": "boss", "role": "top"}, {"id": "m1", "role": "mid"}, {"id": "m2", "role": "mid", "limitedCrm": true},
                  {"id": "ld", "role": "mid", "limitedDeals": true}, {"id": "x", "external": true, "profiles": ["all"], "recordTypes": ["a"]}],
        "workspaces": [{"id": "w", "owner": "boss", "members": [{"user": "x"}]}],
        "sharingRules": [{"id": "r", "module": "companies", "from": {"group": "g"}, "to": {"role": "top"}, "access": "readWrite", "related": {"deals": "read"}}],
        "records": [
            {"id": "c1", "module": "companies", "owner": "m1", "accountManagers": ["m2"]},
            {"id": "c2", "module": "companies", "owner": "g", "workspaces": ["w"], "type": "a"},
            {"id": "d1", "module": "deals", "owner": "ld", "parent": "c1", "company": "c1", "assignees": ["x"], "workspaces": ["w"]},
            {"id": "d2", "module": "deals", "owner": "m1", "parent": "c2", "participants": ["m2"], "createdBy": "x", "type": "b", "workspaces": ["w"]},
            {"id": "q1", "module": "quotes", "owner": "m1", "parent": "d1", "auditors": ["m2", "x"]}
        ]
    }))
}

#[test]
fn encoded_records_get_the_same_decisions_as_stored_ones() {
    let e = model();
    let users = ["boss", "m1", "m2", "ld", "x"];
    for (ui, user) in users.iter().enumerate() {
        for id in ["c1", "c2", "d1", "d2", "q1"] {
            let (codes, strings) = e.indexed().encode_record(RecordRef::Id(id)).unwrap();
            for (ai, action) in ["view", "edit", "delete", "create"].iter().enumerate() {
                let want = e.decide(user, action, RecordRef::Id(id)).unwrap();
                let got = e.indexed().decide_encoded(ui as u32, Action::ALL[ai], &codes, &strings).unwrap();
                assert_eq!(got, want, "{user} {action} {id}");
                assert_eq!(e.indexed().filter_encoded(ui as u32, Action::ALL[ai], &codes, &strings).unwrap(), vec![u8::from(want.allowed)]);
                if *action != "create" {
                    assert_eq!(e.indexed().can_stored_at(ui as u32, Action::ALL[ai], id).unwrap(), want.allowed);
                }
            }
        }
    }
}

#[test]
fn several_encoded_records_are_filtered_in_order() {
    let e = model();
    let (mut codes, mut strings) = (Vec::new(), Vec::new());
    for id in ["c1", "c2", "d1", "d2", "q1"] {
        let (c, s) = e.indexed().encode_record(RecordRef::Id(id)).unwrap();
        let base = strings.len() as u32;
        let s = s.strip_suffix('\0').unwrap_or(&s).to_owned();
        let n = if s.is_empty() { 0 } else { s.split('\0').count() };
        let mut c = c;
        for code in &mut c[3..6] {
            if *code != ENCODED_NONE {
                *code += base;
            }
        }
        codes.extend(c);
        if n > 0 {
            strings.extend(s.split('\0').map(str::to_owned));
        }
    }
    let strings: String = strings.iter().map(|s| format!("{s}\0")).collect();
    let keep = e.indexed().filter_encoded(1, Action::View, &codes, &strings).unwrap();
    let want: Vec<u8> = ["c1", "c2", "d1", "d2", "q1"].iter().map(|id| u8::from(e.can("m1", "view", RecordRef::Id(id)).unwrap())).collect();
    assert_eq!(keep, want);
}

#[test]
fn malformed_encodings_are_errors_never_panics() {
    let e = model();
    let (good, strings) = e.indexed().encode_record(RecordRef::Id("d2")).unwrap();
    // every truncation
    for n in 1..good.len() {
        assert!(e.indexed().filter_encoded(0, Action::View, &good[..n], &strings).is_err(), "truncated at {n}");
    }
    // every word replaced by out-of-range values
    for i in 0..good.len() {
        for bad in [ENCODED_NONE - 1, 1_000_000, 99] {
            let mut c = good.clone();
            c[i] = bad;
            let _ = e.indexed().filter_encoded(0, Action::View, &c, &strings);
            let _ = e.indexed().decide_encoded(0, Action::View, &c, &strings);
        }
    }
    assert!(e.indexed().filter_encoded(99, Action::View, &good, &strings).is_err(), "user index out of range");
    assert!(e.indexed().can_stored_at(0, Action::View, "nope").is_err());
    // pseudo-random words
    let mut x: u32 = 12345;
    for _ in 0..20_000 {
        let words: Vec<u32> = (0..(x % 40))
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                if x % 3 == 0 {
                    x % 6
                } else {
                    x
                }
            })
            .collect();
        let _ = e.indexed().filter_encoded(x % 6, Action::ALL[(x % 4) as usize], &words, "a\0b");
    }
}
