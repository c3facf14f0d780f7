//! Native timing of the engine alone (no JS boundary), to separate engine cost
//! from boundary cost when profiling. Run: cargo bench --bench native
use crm_access::{Engine, RecordRef};
use serde_json::json;
use std::time::Instant;

fn main() {
    let (n, r) = (2000, 100_000);
    let roles: Vec<_> =
        (0..50).map(|i| json!({"id": format!("r{i}"), "parent": if i == 0 { None } else { Some(format!("r{}", (i - 1) / 3)) }, "profiles": ["p"]})).collect();
    let users: Vec<_> = (0..n).map(|i| json!({"id": format!("u{i}"), "role": format!("r{}", i % 50)})).collect();
    let groups: Vec<_> = (0..20).map(|g| json!({"id": format!("g{g}"), "members": [{"roleAndSubordinates": format!("r{g}")}]})).collect();
    let records: Vec<_> = (0..r)
        .map(|i| json!({"id": format!("x{i}"), "module": "deals", "owner": if i % 7 != 0 { format!("u{}", i % n) } else { format!("g{}", i % 20) }}))
        .collect();
    let model = json!({"modules": [{"name": "deals"}], "roles": roles, "groups": groups, "users": users,
        "profiles": [{"id": "p", "modules": {"deals": {"view": true, "edit": true, "delete": true}}}], "records": records.clone()});
    let text = model.to_string();
    let t = Instant::now();
    let e = Engine::new(&text).unwrap();
    println!("build ({} records): {:?}", r, t.elapsed());
    let t = Instant::now();
    let ids = e.filter_stored("u3", None).unwrap();
    println!("filter_stored {r}: {:?} ({} allowed)", t.elapsed(), ids.len());
    let t = Instant::now();
    let k = 1_000_000;
    let mut yes = 0;
    for i in 0..k {
        if e.can("u3", "view", RecordRef::Id(&format!("x{}", i % r))).unwrap() {
            yes += 1;
        }
    }
    println!("can by id: {:?}/call ({yes})", t.elapsed() / k);
    let t = Instant::now();
    let k = 200_000;
    let mut yes = 0;
    for i in 0..k {
        if e.decide("u3", "view", RecordRef::Id(&format!("x{}", i % r))).unwrap().allowed {
            yes += 1;
        }
    }
    println!("decide by id: {:?}/call ({yes})", t.elapsed() / k);
    let arr = serde_json::Value::Array(records[..10_000].to_vec()).to_string();
    let t = Instant::now();
    let keep = e.filter("u3", &arr, None).unwrap();
    println!("filter 10k JSON records: {:?} ({})", t.elapsed(), keep.iter().filter(|x| **x).count());
}
