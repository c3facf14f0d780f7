//! The ids-based record encoding (the npm package's fast path) over the fixed
//! model: arbitrary codes and strings must give an answer or an error, never a
//! panic; and whenever they decode, the decision must equal the decision on the
//! same record written as JSON (the strict path), decoded here independently
//! from the documented format.
#![no_main]

use crm_access::{Action, Engine, RecordRef, ENCODED_NONE};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};

const MODEL: &str = include_str!("../fixtures/model.json");
const ACTIONS: [Action; 4] = [Action::View, Action::Edit, Action::Delete, Action::Create];

/// The record the codes describe, as JSON, or None if they do not decode.
fn to_json(engine: &Engine, codes: &[u32], strings: &[&str]) -> Option<Value> {
    let t = engine.indexed().id_tables();
    if codes.len() < 11 {
        return None;
    }
    let mut r = Map::new();
    r.insert("module".into(), json!(t.modules.get(codes[0] as usize)?));
    let users = t.users.len();
    match codes[1] {
        ENCODED_NONE => {}
        p if (p as usize) < users => {
            r.insert("owner".into(), json!(t.users[p as usize]));
        }
        p => {
            r.insert("owner".into(), json!(t.groups.get(p as usize - users)?));
        }
    }
    if codes[2] != ENCODED_NONE {
        r.insert("createdBy".into(), json!(t.users.get(codes[2] as usize)?));
    }
    for (k, key) in [(3, "parent"), (4, "company"), (5, "type")] {
        if codes[k] != ENCODED_NONE {
            r.insert(key.into(), json!(strings.get(codes[k] as usize)?));
        }
    }
    let mut pos = 11usize;
    for (k, key) in ["accountManagers", "workspaces", "assignees", "participants", "auditors"].iter().enumerate() {
        let n = codes[6 + k] as usize;
        let items = codes.get(pos..pos.checked_add(n)?)?;
        let table = if k == 1 { &t.workspaces } else { &t.users };
        let ids: Option<Vec<&str>> = items.iter().map(|&x| table.get(x as usize).copied()).collect();
        r.insert((*key).into(), json!(ids?));
        pos += n;
    }
    if pos != codes.len() {
        return None;
    }
    Some(Value::Object(r))
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let engine = Engine::new(MODEL).expect("the fixed model is valid");
    let ui = data[0] as u32 % 14; // a few indexes past the last user, too
    let action = ACTIONS[data[1] as usize % 4];
    // the rest: a string part up to the first 0xff byte, then u32 codes (little endian, small values favoured)
    let rest = &data[2..];
    let split = rest.iter().position(|&b| b == 0xff).unwrap_or(0);
    let Ok(strings) = std::str::from_utf8(&rest[..split]) else { return };
    let codes: Vec<u32> = rest[(split + 1).min(rest.len())..]
        .chunks(2)
        .map(|c| match c {
            [0xfe, _] | [0xfe] => ENCODED_NONE,
            [a, b] => u32::from(*a) | (u32::from(*b & 0x0f) << 8),
            [a] => u32::from(*a),
            _ => 0,
        })
        .collect();

    let decided = engine.indexed().decide_encoded(ui, action, &codes, strings);
    let can = engine.indexed().can_encoded(ui, action, &codes, strings);
    let filtered = engine.indexed().filter_encoded(ui, action, &codes, strings);
    assert_eq!(decided.is_ok(), can.is_ok(), "decide_encoded and can_encoded disagree on validity");
    if let (Ok(d), Ok(c)) = (&decided, &can) {
        assert_eq!(d.allowed, *c);
        assert_eq!(filtered.as_ref().ok(), Some(&vec![u8::from(d.allowed)]));
        // the independent decoding must agree with the engine's
        let parts: Vec<&str> = if strings.is_empty() { Vec::new() } else { strings.split('\0').collect() };
        let x = to_json(&engine, &codes, &parts).expect("the engine decoded what the format does not allow");
        let user = engine.indexed().id_tables().users[ui as usize].to_string();
        let text = x.to_string();
        let want = engine.decide(&user, action.as_str(), RecordRef::Json(&text)).expect("decide on the JSON form");
        assert_eq!(
            (d.allowed, d.access, d.read_only),
            (want.allowed, want.access, want.read_only),
            "encoded and JSON decisions differ for {text}"
        );
    }
});
