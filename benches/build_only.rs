//! Profiling aid: builds one engine from a generated 100k-record model.
//! Run under callgrind: cargo bench --bench build_only --no-run, then valgrind the binary.
use serde_json::json;
fn main() {
    let (n, r) = (10_000, 100_000);
    let roles: Vec<_> =
        (0..2000).map(|i| json!({"id": format!("r{i}"), "parent": if i == 0 { None } else { Some(format!("r{}", (i - 1) / 4)) }, "profiles": ["p"]})).collect();
    let users: Vec<_> = (0..n).map(|i| json!({"id": format!("u{i}"), "role": format!("r{}", i % 2000)})).collect();
    let groups: Vec<_> = (0..500).map(|g| json!({"id": format!("g{g}"), "members": [{"roleAndSubordinates": format!("r{}", g * 3)}, {"group": format!("g{}", (g + 1) % 500 + 500 * ((g + 1) / 500))}]})).collect();
    let groups: Vec<_> = groups
        .into_iter()
        .enumerate()
        .map(|(i, mut g)| {
            if i == 499 {
                g["members"] = json!([{"user": "u1"}]);
            }
            g
        })
        .collect();
    let rules: Vec<_> = (0..1000).map(|i| json!({"id": format!("s{i}"), "module": "deals", "from": {"roleAndSubordinates": format!("r{}", i % 2000)}, "to": {"group": format!("g{}", i % 500)}, "access": "read"})).collect();
    let records: Vec<_> = (0..r)
        .map(|i| json!({"id": format!("x{i}"), "module": "deals", "owner": format!("u{}", i % n), "fields": {"title": format!("Deal {i}"), "amount": i}}))
        .collect();
    let model = json!({"modules": [{"name": "deals"}], "roles": roles, "groups": groups, "users": users, "sharingRules": rules,
        "profiles": [{"id": "p", "modules": {"deals": {"view": true, "edit": true, "delete": true}}}], "records": records});
    let text = model.to_string();
    let t = std::time::Instant::now();
    let e = crm_access::Engine::new(&text).unwrap();
    eprintln!("build: {:?} ({} bytes of JSON, {} records)", t.elapsed(), text.len(), e.record_count());
    if std::env::var("DECISIONS").is_ok() {
        // single decisions, 64 users in rotation, random stored records
        let ids: Vec<String> = (0..r).map(|i| format!("x{i}")).collect();
        let mut x: u64 = 7;
        let mut yes = 0;
        let t = std::time::Instant::now();
        let k = 200_000;
        for i in 0..k {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let ui = (i % 64) * 151 % n;
            if e.indexed().can_stored_at(ui, crm_access::Action::View, &ids[(x % r as u64) as usize]).unwrap() {
                yes += 1;
            }
        }
        eprintln!("can_stored_at: {:?}/call ({yes} allowed)", t.elapsed() / k);
    }
}
