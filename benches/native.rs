//! Native timing of the engine alone (no JS boundary), to separate engine cost
//! from boundary cost when profiling. Run: cargo bench --bench native
//! Hash flooding only: BENCH=flood cargo bench --bench native (FLOOD_N, FLOOD_BATCH)
use crm_access::{Engine, RecordRef};
use serde_json::json;
use std::time::Instant;

fn main() {
    if std::env::var("BENCH").as_deref() == Ok("flood") {
        return flood();
    }
    if std::env::var("BENCH").as_deref() == Ok("plan") {
        return plan();
    }
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

/// Ids that all have the same FxHash (rustc-hash 2, 64-bit): 32 bytes where
/// bytes 24..32 cancel the mix of bytes 0..16, so the final mix multiplies by
/// zero. Bytes are ASCII (control characters included), so valid UTF-8.
fn fx_colliding_ids(n: usize) -> Vec<String> {
    fn mix(x: u64, y: u64) -> u64 {
        let full = (x as u128).wrapping_mul(y as u128);
        (full as u64) ^ ((full >> 64) as u64)
    }
    const SEED1: u64 = 0x243f6a8885a308d3;
    const C: u64 = 0xa4093822299f31d0;
    let mut out = Vec::with_capacity(n);
    let mut i: u64 = 0;
    while out.len() < n {
        i += 1;
        // 16 ASCII bytes: "f" + 15 hex digits of a counter
        let mut head = [b'f'; 16];
        for (k, c) in head[1..].iter_mut().enumerate() {
            *c = b"0123456789abcdef"[(i >> (4 * (14 - k))) as usize & 15];
        }
        let b = &head;
        let x = u64::from_le_bytes(b[0..8].try_into().unwrap());
        let y = u64::from_le_bytes(b[8..16].try_into().unwrap());
        let t = mix(SEED1 ^ x, C ^ y).to_le_bytes();
        if t.iter().all(|&c| c < 0x80) {
            let mut id = head.to_vec();
            id.extend_from_slice(b"zzzzzzzz");
            id.extend_from_slice(&t);
            out.push(String::from_utf8(id).unwrap());
        }
    }
    out
}

/// put_records + can(stored id) for colliding ids and ordinary ones.
fn flood() {
    use std::hash::BuildHasher;
    let r: usize = std::env::var("FLOOD_N").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let batch: usize = std::env::var("FLOOD_BATCH").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000);
    let t = Instant::now();
    let bad = fx_colliding_ids(r);
    let h0 = rustc_hash::FxBuildHasher.hash_one(bad[0].as_str());
    assert!(bad.iter().all(|id| rustc_hash::FxBuildHasher.hash_one(id.as_str()) == h0), "ids must collide");
    println!("built {r} FxHash-colliding ids in {:?}", t.elapsed());
    let good: Vec<String> = (0..r).map(|i| format!("x{i}")).collect();
    // as long as the colliding ones (32 bytes), to tell length from collisions
    let good32: Vec<String> = (0..r).map(|i| format!("f{i:015x}zzzzzzzz{:08x}", i * 7919)).collect();
    let model = json!({"modules": [{"name": "deals"}], "roles": [{"id": "r0", "profiles": ["p"]}],
        "users": (0..100).map(|i| json!({"id": format!("u{i}"), "role": "r0"})).collect::<Vec<_>>(),
        "profiles": [{"id": "p", "modules": {"deals": {"view": true, "edit": true, "delete": true}}}]})
    .to_string();
    // FLOOD_SKIP=colliding: only the ordinary ids (the colliding ones take minutes on the old store)
    let skip = std::env::var("FLOOD_SKIP").unwrap_or_default();
    for (name, ids) in [("normal ids", &good), ("normal 32-byte ids", &good32), ("colliding ids", &bad)] {
        if !skip.is_empty() && name.contains(skip.as_str()) {
            continue;
        }
        let mut e = Engine::new(&model).unwrap();
        let chunks: Vec<String> = ids
            .chunks(batch)
            .enumerate()
            .map(|(c, ch)| {
                let recs: Vec<_> =
                    ch.iter().enumerate().map(|(k, id)| json!({"id": id, "module": "deals", "owner": format!("u{}", (c * batch + k) % 100)})).collect();
                serde_json::Value::Array(recs).to_string()
            })
            .collect();
        let t = Instant::now();
        for c in &chunks {
            e.put_records(c).unwrap();
        }
        let put = t.elapsed();
        let k: u32 = std::env::var("FLOOD_CAN").ok().and_then(|s| s.parse().ok()).unwrap_or(200_000);
        let mut x: u64 = 7;
        let mut yes = 0;
        let t = Instant::now();
        for _ in 0..k {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if e.can("u3", "view", RecordRef::Id(&ids[(x % r as u64) as usize])).unwrap() {
                yes += 1;
            }
        }
        let can = t.elapsed() / k;
        // the store's lookup alone: the slot of every id, in a shuffled order
        let mut order: Vec<&str> = ids.iter().map(String::as_str).collect();
        for i in (1..order.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            order.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let rounds = if name.starts_with("colliding") { 1 } else { 10 };
        let t = Instant::now();
        for _ in 0..rounds {
            assert_eq!(e.indexed().slots_of(&order).len(), r);
        }
        let lookup = t.elapsed() / (rounds * r as u32);
        println!("{name}: put_records {r} (batches of {batch}): {put:?}; can(stored id): {can:?}/call ({yes}); slots_of: {lookup:?}/id");
    }
}

/// Plan generation (issue 11) on a model shaped like the benchmark's (d)
/// (`bench/lib/model.mjs`): 10,000 users, 2,000 roles in one tree (about four
/// children each), 500 groups nested up to four deep, 1,000 sharing rules, one
/// private `leads` module. Run: BENCH=plan cargo bench --bench native
fn plan() {
    let mut seed = 1u64;
    let mut rnd = move |n: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) as usize) % n
    };
    let (nu, nr, ng, nrules): (usize, usize, usize, usize) = (10_000, 2_000, 500, 1_000);
    let roles: Vec<_> = (0..nr)
        .map(|i| {
            let parent = if i == 0 {
                None
            } else {
                let p = (i - 1) / 4;
                Some(format!("role{}", p.saturating_sub(rnd(4))))
            };
            json!({"id": format!("role{i}"), "parent": parent, "profiles": ["p"]})
        })
        .collect();
    let users: Vec<_> =
        (0..nu)
            .map(|i| {
                if rnd(100) == 0 {
                    json!({"id": format!("u{i}"), "profiles": ["p"]})
                } else {
                    json!({"id": format!("u{i}"), "role": format!("role{}", rnd(nr))})
                }
            })
            .collect();
    let groups: Vec<_> = (0..ng)
        .map(|g| {
            let level = g * 4 / ng;
            let mut members = vec![];
            for _ in 0..3 {
                members.push(match rnd(4) {
                    0 => json!({"user": format!("u{}", rnd(nu))}),
                    1 => json!({"role": format!("role{}", rnd(nr))}),
                    2 => json!({"roleAndSubordinates": format!("role{}", nr / 2 + rnd(nr / 2))}),
                    _ if level < 3 => json!({"group": format!("g{}", (level + 1) * ng / 4 + rnd(ng / 4))}),
                    _ => json!({"user": format!("u{}", rnd(nu))}),
                });
            }
            json!({"id": format!("g{g}"), "members": members})
        })
        .collect();
    let principal = |rnd: &mut dyn FnMut(usize) -> usize| match rnd(3) {
        0 => json!({"role": format!("role{}", rnd(nr))}),
        1 => json!({"roleAndSubordinates": format!("role{}", nr / 2 + rnd(nr / 2))}),
        _ => json!({"group": format!("g{}", rnd(ng))}),
    };
    let rules: Vec<_> = (0..nrules)
        .map(|i| {
            let (from, to) = (principal(&mut rnd), principal(&mut rnd));
            json!({"id": format!("rule{i}"), "module": "leads", "from": from, "to": to, "access": if i % 2 == 0 { "read" } else { "readWrite" }})
        })
        .collect();
    let model = json!({"modules": [{"name": "leads"}], "roles": roles, "groups": groups, "users": users, "sharingRules": rules,
        "profiles": [{"id": "p", "modules": {"leads": {"view": true, "edit": true, "delete": true}}}]});
    // PLAN_MODEL=file.json: another model with a `leads` module (e.g. bench/lib/model.mjs's, written by tests/sql/plan-time.mjs --write FILE)
    let model = match std::env::var("PLAN_MODEL") {
        Ok(path) => serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(path).unwrap()).unwrap(),
        Err(_) => model,
    };
    let ids: Vec<String> = model["users"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap().to_owned()).collect();
    let e = Engine::new(&model.to_string()).unwrap();
    if let Ok(user) = std::env::var("PLAN_USER") {
        // profiling one user: `PLAN_USER=u123 BENCH=plan perf record …`
        let t = Instant::now();
        for _ in 0..1000 {
            std::hint::black_box(e.plan(&user, "view", "leads").unwrap());
        }
        println!("plan({user}, view): {:?} each", t.elapsed() / 1000);
        return;
    }
    let mut times = vec![];
    let mut size = 0;
    let mut slow = vec![];
    for user in &ids {
        for action in ["view", "edit"] {
            // the best of three runs: the machine is shared, this keeps preemption out
            let mut took = std::time::Duration::MAX;
            let mut p = None;
            for _ in 0..3 {
                let t = Instant::now();
                p = Some(e.plan(user, action, "leads").unwrap());
                took = took.min(t.elapsed());
            }
            let p = p.unwrap();
            let bytes = serde_json::to_string(&p).unwrap().len();
            times.push(took);
            size += bytes;
            if took > std::time::Duration::from_millis(1) {
                slow.push((took, bytes, user.clone(), action));
            }
        }
    }
    times.sort();
    let mean = times.iter().sum::<std::time::Duration>() / times.len() as u32;
    println!(
        "plan (10,000 users, 2,000 roles, 500 groups, 1,000 rules): {} plans, mean {:?}, median {:?}, p99 {:?}, max {:?}, mean JSON {} bytes",
        times.len(),
        mean,
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        times[times.len() - 1],
        size / times.len()
    );
    slow.sort();
    println!("plans over 1 ms: {} (time, JSON bytes): {:?}", slow.len(), slow.iter().rev().take(8).collect::<Vec<_>>());
}
