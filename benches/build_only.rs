//! Profiling aid: builds one engine from a generated 100k-record model.
//! Run under callgrind: cargo bench --bench build_only --no-run, then valgrind the binary.
//! "Did you mean" hints only: TYPOS=1 cargo bench --bench build_only (TYPO_USERS, default 9,990:
//! the resolver gives no user hints at all from 10,000 principals on).
use serde_json::json;
fn main() {
    if std::env::var("TYPOS").is_ok() {
        return typos();
    }
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

/// Unknown user ids in records, each costing a "did you mean" search over
/// every user: 1,000 records with typos (`putRecords`, then `filter`), and one
/// record with a 1 MB unknown id.
fn typos() {
    use std::time::Instant;
    let n: usize = std::env::var("TYPO_USERS").ok().and_then(|s| s.parse().ok()).unwrap_or(9_990);
    let users: Vec<_> = (0..n).map(|i| json!({"id": format!("user{i:05}"), "role": "r0"})).collect();
    let model = json!({"modules": [{"name": "deals"}], "roles": [{"id": "r0", "profiles": ["p"]}], "users": users,
        "profiles": [{"id": "p", "modules": {"deals": {"view": true, "edit": true, "delete": true}}}]})
    .to_string();
    let t = Instant::now();
    let mut e = crm_access::Engine::new(&model).unwrap();
    eprintln!("build ({n} users): {:?}", t.elapsed());
    // typos: a letter dropped, one doubled, one changed; and a word far from every id
    let typo = |i: usize| match i % 4 {
        0 => format!("usr{:05}", i * 7 % n),
        1 => format!("userr{:05}", i * 7 % n),
        2 => format!("user{:05}x", i * 7 % n),
        _ => format!("someone-else-{i}"),
    };
    let records: Vec<_> =
        (0..1000).map(|i| json!({"id": format!("t{i}"), "module": "deals", "owner": typo(i), "createdBy": typo(i + 1), "assignees": [typo(i + 2)]})).collect();
    let text = serde_json::Value::Array(records).to_string();
    let t = Instant::now();
    let err = e.put_records(&text).unwrap_err();
    let hints = err.problems.iter().filter(|p| p.help.is_some()).count();
    eprintln!("putRecords 1,000 records with typos ({} KB): {:?} ({} problems, {hints} with a hint)", text.len() / 1000, t.elapsed(), err.problems.len());
    let t = Instant::now();
    let err = e.filter("user00001", &text, None).unwrap_err();
    eprintln!("filter the same records: {:?} ({} problems)", t.elapsed(), err.problems.len());
    let long = "u".repeat(1 << 20);
    let one = json!([{"id": "big", "module": "deals", "owner": long, "createdBy": long, "assignees": [long]}]).to_string();
    let t = Instant::now();
    let err = e.put_records(&one).unwrap_err();
    eprintln!("putRecords 1 record with 1 MB unknown ids: {:?} ({} problems)", t.elapsed(), err.problems.len());
}
