//! Live changes (issue 12): `Engine::apply` and `Engine::impact` on random
//! change sequences over random v2 models (the generator of
//! `tests/reference/gen.rs`).
//!
//! Each case builds an engine from a random model, then applies up to four
//! random batches. The batches come from a second random model whose tape
//! shares a random prefix with the first (so they often fit the model: same
//! modules, same ids, different content), mixed with removals of existing
//! and unknown ids. For every batch:
//!
//! * the same changes are applied by hand to the model's JSON, and an engine
//!   is built from the result: `apply` must succeed exactly when that
//!   construction does;
//! * after a successful `apply`, every answer (`filterStored` of every user
//!   and action, `decide` and `can` of sampled pairs, `workspacesOf`) equals
//!   the rebuilt engine's; after a refused one, every answer equals what it
//!   was before (nothing applied);
//! * `impact` (asked before applying) equals the brute-force comparison of
//!   every user × stored record × action before and after, with its counts.
//!
//!   cargo test --test live                               # 10,000 sequences
//!   CRM_LIVE_CASES=100000 cargo test --release --test live
//!   CRM_LIVE_SEED=1234 cargo test --test live            # fixed seed (else random, printed)

mod common;
#[allow(clippy::all, clippy::pedantic)]
mod reference;

use crm_access::{Change, Engine, ImpactOptions, RecordRef};
use reference::gen::{generate_for, Tape};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const DEFAULT_CASES: u64 = 10_000;
const TAPE_LEN: usize = 1200;
const ACTIONS: [&str; 3] = ["view", "edit", "delete"];

use common::Rng;

/// The model's sections a change may name, by kind.
const SECTIONS: [(&str, &str); 7] = [
    ("user", "users"),
    ("role", "roles"),
    ("profile", "profiles"),
    ("group", "groups"),
    ("workspace", "workspaces"),
    ("sharingRule", "sharingRules"),
    ("record", "records"),
];

fn items<'a>(model: &'a Value, section: &str) -> Vec<&'a Value> {
    model.get(section).and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
}

fn id_of(v: &Value) -> Option<&str> {
    v.get("id").and_then(Value::as_str)
}

/// A random batch: puts of items of `other` (same ids as the model's, or
/// new ones), removals of the model's items (and of unknown ids).
fn batch(rng: &mut Rng, model: &Value, other: &Value, later: &[Value]) -> Vec<Value> {
    if rng.chance(20) {
        return one_principal(rng, model, other);
    }
    let n = 1 + rng.below(4);
    // a third of the batches change sharing rules only (impact bounds those)
    let rules_only = rng.chance(33);
    let mut out = Vec::new();
    for _ in 0..n {
        let (kind, section) = if rules_only { SECTIONS[5] } else { SECTIONS[rng.below(SECTIONS.len())] };
        if rng.chance(65) {
            let mut pool = items(other, section);
            if kind == "record" {
                pool.extend(later.iter());
            }
            if pool.is_empty() {
                continue;
            }
            let value = pool[rng.below(pool.len())].clone();
            out.push(json!({ "op": "put", "kind": kind, "value": value }));
        } else {
            let pool = items(model, section);
            let id = if pool.is_empty() || rng.chance(5) { "nobody".to_owned() } else { id_of(pool[rng.below(pool.len())]).unwrap_or("").to_owned() };
            out.push(json!({ "op": "remove", "kind": kind, "id": id }));
        }
    }
    out
}

/// A batch of one put of a user or a group (the batches `apply` patches the
/// compiled model for), most often an existing one edited: a user's role,
/// profiles or flags changed, or a new id; a group's member dropped or added
/// (which may close a cycle or name an unknown id).
fn one_principal(rng: &mut Rng, model: &Value, other: &Value) -> Vec<Value> {
    let (kind, section) = if rng.chance(50) { ("user", "users") } else { ("group", "groups") };
    let mine = items(model, section);
    let pick = |rng: &mut Rng, section: &str| -> Option<String> {
        let pool = items(model, section);
        (!pool.is_empty()).then(|| id_of(pool[rng.below(pool.len())]).unwrap_or("").to_owned())
    };
    let mut v = if mine.is_empty() || rng.chance(20) {
        let theirs = items(other, section);
        if theirs.is_empty() {
            return Vec::new();
        }
        theirs[rng.below(theirs.len())].clone()
    } else {
        mine[rng.below(mine.len())].clone()
    };
    if kind == "user" {
        for _ in 0..=rng.below(2) {
            match rng.below(6) {
                0 => v["role"] = pick(rng, "roles").map_or(Value::Null, Value::String),
                1 => v["active"] = Value::Bool(!v.get("active").and_then(Value::as_bool).unwrap_or(true)),
                2 => v["profiles"] = (0..rng.below(3)).filter_map(|_| pick(rng, "profiles")).collect(),
                3 => {
                    let flag = ["admin", "readOnly", "canGrantAccess", "limitedCrm", "limitedDeals", "external"][rng.below(6)];
                    v[flag] = Value::Bool(!v.get(flag).and_then(Value::as_bool).unwrap_or(false));
                }
                4 => v["id"] = Value::String(format!("new{}", rng.below(3))),
                _ => {}
            }
        }
    } else {
        let mut members = v.get("members").and_then(Value::as_array).cloned().unwrap_or_default();
        for _ in 0..=rng.below(2) {
            if !members.is_empty() && rng.chance(50) {
                members.remove(rng.below(members.len()));
            } else {
                let (key, from) = [("user", "users"), ("role", "roles"), ("roleAndSubordinates", "roles"), ("group", "groups")][rng.below(4)];
                if let Some(id) = pick(rng, from) {
                    members.push(json!({ key: id }));
                }
            }
        }
        v["members"] = Value::Array(members);
    }
    vec![json!({ "op": "put", "kind": kind, "value": v })]
}

/// The batch applied to the model's JSON by hand, or `None` when the batch
/// removes an id that is not there (which `apply` refuses for everything
/// but records).
fn by_hand(model: &Value, changes: &[Value]) -> Option<Value> {
    let mut m = model.clone();
    for c in changes {
        let kind = c["kind"].as_str().unwrap();
        let section = SECTIONS.iter().find(|(k, _)| *k == kind).unwrap().1;
        let obj = m.as_object_mut().unwrap();
        let list = obj.entry(section).or_insert_with(|| json!([])).as_array_mut().unwrap();
        if c["op"] == "put" {
            let value = c["value"].clone();
            match list.iter().position(|x| id_of(x).is_some() && id_of(x) == id_of(&value)) {
                Some(at) => list[at] = value,
                None => list.push(value),
            }
        } else {
            let id = c["id"].as_str().unwrap();
            match list.iter().position(|x| id_of(x) == Some(id)) {
                Some(at) => {
                    list.remove(at);
                }
                None if kind == "record" => {}
                None => return None,
            }
        }
    }
    Some(m)
}

/// Every answer compared: per user and action, the stored records allowed.
type Answers = BTreeMap<(String, &'static str), BTreeSet<String>>;

fn answers(e: &Engine, users: &[String]) -> Answers {
    let mut out = BTreeMap::new();
    for u in users {
        for a in ACTIONS {
            let ids = e.filter_stored(u, Some(a)).unwrap_or_else(|err| panic!("filter_stored({u}, {a}): {}", err.message));
            out.insert((u.clone(), a), ids.into_iter().collect());
        }
    }
    out
}

fn user_ids(model: &Value) -> Vec<String> {
    items(model, "users").iter().filter_map(|u| id_of(u)).map(str::to_owned).collect()
}

fn record_ids(model: &Value) -> Vec<String> {
    items(model, "records").iter().filter_map(|u| id_of(u)).map(str::to_owned).collect()
}

/// Sampled `decide`, `can` and `workspacesOf` answers (what the caches serve).
fn samples(e: &Engine, users: &[String], records: &[String], rng_seed: u64) -> Vec<String> {
    let mut rng = Rng(rng_seed);
    let mut out = Vec::new();
    for _ in 0..6 {
        if users.is_empty() || records.is_empty() {
            break;
        }
        let u = &users[rng.below(users.len())];
        let r = &records[rng.below(records.len())];
        let a = ["view", "edit", "delete", "create"][rng.below(4)];
        let d = e.decide(u, a, RecordRef::Id(r)).unwrap();
        let c = e.can(u, a, RecordRef::Id(r)).unwrap();
        out.push(format!("{u} {a} {r}: {} {:?} {} {c}", d.allowed, d.access, d.read_only));
    }
    for u in users.iter().take(4) {
        out.push(format!("{u}: {:?} {:?}", e.workspaces_of(u).unwrap(), e.visible_users(u).unwrap()));
    }
    out
}

/// The brute-force impact: every (user, record, action) whose answer differs.
fn brute(before: &Answers, after: &Answers, users: &BTreeSet<String>, records: &BTreeSet<String>) -> Vec<(String, String, &'static str, bool)> {
    let empty = BTreeSet::new();
    let mut out = Vec::new();
    for u in users {
        for r in records {
            for a in ACTIONS {
                let was = before.get(&(u.clone(), a)).unwrap_or(&empty).contains(r);
                let is = after.get(&(u.clone(), a)).unwrap_or(&empty).contains(r);
                if was != is {
                    out.push((u.clone(), r.clone(), a, is));
                }
            }
        }
    }
    out
}

#[test]
fn random_change_sequences_match_a_rebuild() {
    let cases: u64 = std::env::var("CRM_LIVE_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_CASES);
    let seed: u64 = std::env::var("CRM_LIVE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1));
    println!("CRM_LIVE_SEED={seed}");
    let mut rng = Rng(seed);
    let (mut applied, mut refused, mut differences, mut sequences) = (0u64, 0u64, 0u64, 0u64);
    for case in 0..cases {
        let mut tape_a = rng.tape(TAPE_LEN);
        if rng.chance(60) {
            // the generator's small shape most of the time: keeps the run fast
            tape_a[0] = 3;
        }
        let g = generate_for(&mut Tape::new(&tape_a), 2);
        let mut model = g.model.clone();
        let Ok(mut engine) = Engine::new(&model.to_string()) else { continue };
        sequences += 1;
        // a second model sharing a random prefix of the tape
        let mut tape_b = rng.tape(TAPE_LEN);
        let shared = rng.below(TAPE_LEN);
        tape_b[..shared].copy_from_slice(&tape_a[..shared]);
        let other = generate_for(&mut Tape::new(&tape_b), 2);
        for step in 0..=rng.below(3) {
            let changes = batch(&mut rng, &model, &other.model, &other.later);
            let ctx = || format!("case {case} (CRM_LIVE_SEED={seed}), step {step}\nmodel: {model}\nchanges: {}", Value::Array(changes.clone()));

            let users = user_ids(&model);
            // warm the caches the engine keeps
            let old_answers = answers(&engine, &users);
            let old_samples = samples(&engine, &users, &record_ids(&model), case);

            let expected = by_hand(&model, &changes).and_then(|m| Engine::new(&m.to_string()).ok().map(|e| (m, e)));
            let typed: Vec<Change> = changes.iter().map(|c| serde_json::from_str(&c.to_string()).unwrap_or_else(|e| panic!("{e}: {c}\n{}", ctx()))).collect();
            let impact = engine.impact(typed.clone(), &ImpactOptions { limit: Some(usize::MAX), ..Default::default() });
            let result = if rng.chance(50) { engine.apply(typed) } else { engine.apply_json(&Value::Array(changes.clone()).to_string()) };
            match (&expected, &result) {
                (Some((next, rebuilt)), Ok(())) => {
                    applied += 1;
                    let next_users = user_ids(next);
                    let got = answers(&engine, &next_users);
                    let want = answers(rebuilt, &next_users);
                    assert_eq!(got, want, "answers after apply differ from a rebuild\n{}", ctx());
                    let next_records = record_ids(next);
                    assert_eq!(samples(&engine, &next_users, &next_records, case), samples(rebuilt, &next_users, &next_records, case), "{}", ctx());
                    assert_eq!(engine.record_count(), rebuilt.record_count(), "{}", ctx());
                    // impact against brute force
                    let all_users: BTreeSet<String> = users.iter().chain(next_users.iter()).cloned().collect();
                    let all_records: BTreeSet<String> = record_ids(&g.model).into_iter().chain(record_ids(&model)).chain(next_records).collect();
                    let want = brute(&old_answers, &got, &all_users, &all_records);
                    let impact = impact.unwrap_or_else(|e| panic!("impact failed where apply succeeded: {}\n{}", e.message, ctx()));
                    let listed: Vec<(String, String, &'static str, bool)> =
                        impact.changes.iter().map(|c| (c.user.clone(), c.record.clone(), c.action.as_str(), c.after)).collect();
                    assert_eq!(listed, want, "impact differs from brute force\n{}", ctx());
                    assert!(impact.changes.iter().all(|c| c.before != c.after));
                    let gained = want.iter().filter(|w| w.3).count() as u64;
                    assert_eq!((impact.total.gained, impact.total.lost), (gained, want.len() as u64 - gained), "{}", ctx());
                    let per_user: u64 = impact.by_user.values().map(|c| c.gained + c.lost).sum();
                    let per_module: u64 = impact.by_module.values().map(|c| c.gained + c.lost).sum();
                    assert_eq!((per_user, per_module), (want.len() as u64, want.len() as u64), "{}", ctx());
                    differences += want.len() as u64;
                    model = next.clone();
                }
                (None, Err(e)) => {
                    refused += 1;
                    assert!(
                        !e.problems.is_empty() && e.problems.iter().all(|p| p.path.starts_with("changes")),
                        "problems without paths: {:?}\n{}",
                        e.problems,
                        ctx()
                    );
                    assert!(impact.is_err(), "impact accepted a batch apply refused\n{}", ctx());
                    assert_eq!(answers(&engine, &users), old_answers, "a refused batch changed answers\n{}", ctx());
                    assert_eq!(samples(&engine, &users, &record_ids(&model), case), old_samples, "{}", ctx());
                }
                (Some(_), Err(e)) => panic!("apply refused a batch construction accepts: {} {:?}\n{}", e.message, e.problems, ctx()),
                (None, Ok(())) => panic!("apply accepted a batch construction refuses\n{}", ctx()),
            }
        }
    }
    println!("{sequences} sequences: {applied} batches applied, {refused} refused, {differences} differences checked");
    assert!(sequences >= cases * 9 / 10, "too few valid models: {sequences}");
    assert!(applied >= sequences / 4 && refused >= sequences / 10, "too few batches of one kind: {applied} applied, {refused} refused");
}

fn small() -> Engine {
    Engine::new(
        &json!({
            "modules": [{ "name": "deals" }],
            "roles": [{ "id": "boss", "profiles": ["sales"] }, { "id": "rep", "parent": "boss", "profiles": ["sales"] }],
            "profiles": [{ "id": "sales", "modules": { "deals": { "view": true, "edit": true } } }],
            "groups": [{ "id": "team", "members": [{ "role": "rep" }] }],
            "users": [{ "id": "ann", "role": "boss" }, { "id": "raj", "role": "rep" }, { "id": "sue", "role": "rep" }],
            "workspaces": [{ "id": "w", "owner": "ann" }],
            "sharingRules": [{ "id": "s", "module": "deals", "from": { "role": "rep" }, "to": { "group": "team" }, "access": "read" }],
            "records": [
                { "id": "d1", "module": "deals", "owner": "raj", "sharedWith": [{ "user": "sue", "access": "read" }, { "role": "boss", "access": "read" }] },
                { "id": "d2", "module": "deals", "owner": "team", "workspaces": ["w"] }
            ]
        })
        .to_string(),
    )
    .unwrap()
}

fn refused(e: &mut Engine, changes: Value) -> Vec<(String, String)> {
    let err = e.apply_json(&changes.to_string()).expect_err("the batch must be refused");
    assert_eq!(err.kind, crm_access::ErrorKind::InvalidChanges);
    err.problems.into_iter().map(|p| (p.path, p.message)).collect()
}

#[test]
fn dangling_references_and_external_shares_are_refused_with_paths() {
    let mut e = small();
    let before = answers(&e, &["ann".into(), "raj".into(), "sue".into()]);
    // a user turned external while a record is shared with them
    let p = refused(&mut e, json!([{ "op": "put", "kind": "user", "value": { "id": "sue", "external": true } }]));
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].0, "changes[0].value.external");
    assert!(p[0].1.contains("\"d1\""), "{p:?}");
    // a role still named by a share, a user and a group member; a group still owning a record and named by a rule
    let p = refused(&mut e, json!([{ "op": "remove", "kind": "role", "id": "rep" }]));
    assert!(p.iter().all(|(path, _)| path == "changes[0].id"), "{p:?}");
    assert!(p.iter().any(|(_, m)| m.contains("user \"raj\"")), "{p:?}");
    let p = refused(
        &mut e,
        json!([{ "op": "put", "kind": "sharingRule", "value": { "id": "s", "module": "deals", "from": { "role": "rep" }, "to": { "group": "team" }, "access": "read" } }, { "op": "remove", "kind": "sharingRule", "id": "s" }, { "op": "remove", "kind": "group", "id": "team" }]),
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, "changes[2].id");
    assert!(p[0].1.contains("stored records \"d2\" (owner)"), "{p:?}");
    let p = refused(&mut e, json!([{ "op": "remove", "kind": "workspace", "id": "w" }]));
    assert_eq!(p, vec![("changes[0].id".to_owned(), "workspace \"w\" is still referenced by stored records \"d2\" (workspaces)".to_owned())]);
    // the short path for rules reports at the change too
    let p = refused(
        &mut e,
        json!([{ "op": "put", "kind": "sharingRule", "value": { "id": "s", "module": "deals", "from": { "role": "nobody" }, "to": { "group": "team" }, "access": "read" } }]),
    );
    assert_eq!(p[0].0, "changes[0].value.from.role");
    assert_eq!(answers(&e, &["ann".into(), "raj".into(), "sue".into()]), before, "refused batches changed answers");
}

#[test]
fn removals_renumber_the_stored_records() {
    let mut e = small();
    // removing the records first, then what they named, in one batch
    e.apply_json(
        &json!([
            { "op": "remove", "kind": "record", "id": "d1" },
            { "op": "put", "kind": "user", "value": { "id": "zed", "role": "rep" } },
            { "op": "put", "kind": "record", "value": { "id": "d3", "module": "deals", "owner": "zed", "sharedWith": [{ "user": "sue", "access": "readWrite" }] } },
            { "op": "remove", "kind": "user", "id": "raj" }
        ])
        .to_string(),
    )
    .unwrap();
    let rebuilt = Engine::new(
        &json!({
            "modules": [{ "name": "deals" }],
            "roles": [{ "id": "boss", "profiles": ["sales"] }, { "id": "rep", "parent": "boss", "profiles": ["sales"] }],
            "profiles": [{ "id": "sales", "modules": { "deals": { "view": true, "edit": true } } }],
            "groups": [{ "id": "team", "members": [{ "role": "rep" }] }],
            "users": [{ "id": "ann", "role": "boss" }, { "id": "sue", "role": "rep" }, { "id": "zed", "role": "rep" }],
            "workspaces": [{ "id": "w", "owner": "ann" }],
            "sharingRules": [{ "id": "s", "module": "deals", "from": { "role": "rep" }, "to": { "group": "team" }, "access": "read" }],
            "records": [
                { "id": "d2", "module": "deals", "owner": "team", "workspaces": ["w"] },
                { "id": "d3", "module": "deals", "owner": "zed", "sharedWith": [{ "user": "sue", "access": "readWrite" }] }
            ]
        })
        .to_string(),
    )
    .unwrap();
    let users: Vec<String> = ["ann", "sue", "zed"].map(str::to_owned).to_vec();
    assert_eq!(answers(&e, &users), answers(&rebuilt, &users));
    for id in ["d2", "d3"] {
        assert_eq!(e.mask("ann", RecordRef::Id(id)).unwrap(), rebuilt.mask("ann", RecordRef::Id(id)).unwrap(), "{id} as stored");
    }
    assert!(e.can("sue", "edit", RecordRef::Id("d3")).unwrap());
}

/// Applies `changes` and compares every user's answers with an engine built
/// from `after` (the model the changes lead to).
fn same_as_rebuild(e: &mut Engine, changes: Value, after: &Value) {
    e.apply_json(&changes.to_string()).unwrap_or_else(|err| panic!("{}: {:?}", err.message, err.problems));
    let rebuilt = Engine::new(&after.to_string()).unwrap();
    let users = user_ids(after);
    assert_eq!(answers(e, &users), answers(&rebuilt, &users), "after {changes}");
}

#[test]
fn one_user_or_group_changes_what_superiors_inherit() {
    // a rule shares olga's deals with the group "team"; ann is above raj, bo
    // above kim: whoever is in the team passes the rule to their superiors
    let mut model = json!({
        "modules": [{ "name": "deals" }],
        "roles": [
            { "id": "boss", "profiles": ["sales"] }, { "id": "rep", "parent": "boss", "profiles": ["sales"] },
            { "id": "chief", "profiles": ["sales"] }, { "id": "clerk", "parent": "chief", "profiles": ["sales"] },
            { "id": "other", "profiles": ["sales"] }
        ],
        "profiles": [{ "id": "sales", "modules": { "deals": { "view": true, "edit": true } } }],
        "groups": [{ "id": "team", "members": [] }, { "id": "outer", "members": [] }],
        "users": [
            { "id": "ann", "role": "boss" }, { "id": "raj", "role": "rep" },
            { "id": "bo", "role": "chief" }, { "id": "kim", "role": "clerk" }, { "id": "olga", "role": "other" }
        ],
        "sharingRules": [{ "id": "s", "module": "deals", "from": { "role": "other" }, "to": { "group": "outer" }, "access": "read" }],
        "records": [{ "id": "d1", "module": "deals", "owner": "olga" }]
    });
    let mut e = Engine::new(&model.to_string()).unwrap();
    let steps = [
        json!({ "op": "put", "kind": "group", "value": { "id": "team", "members": [{ "user": "raj" }] } }),
        json!({ "op": "put", "kind": "group", "value": { "id": "outer", "members": [{ "group": "team" }] } }),
        json!({ "op": "put", "kind": "user", "value": { "id": "raj", "role": "clerk" } }),
        json!({ "op": "put", "kind": "user", "value": { "id": "raj", "role": "rep", "active": false } }),
        json!({ "op": "put", "kind": "group", "value": { "id": "team", "members": [{ "roleAndSubordinates": "clerk" }] } }),
        json!({ "op": "put", "kind": "user", "value": { "id": "new", "role": "clerk" } }),
        json!({ "op": "put", "kind": "group", "value": { "id": "outer", "members": [{ "role": "rep" }] } }),
        json!({ "op": "put", "kind": "group", "value": { "id": "outer", "members": [] } }),
    ];
    for step in steps {
        let (section, id) = (if step["kind"] == "user" { "users" } else { "groups" }, step["value"]["id"].clone());
        let list = model[section].as_array_mut().unwrap();
        match list.iter().position(|v| v["id"] == id) {
            Some(at) => list[at] = step["value"].clone(),
            None => list.push(step["value"].clone()),
        }
        same_as_rebuild(&mut e, json!([step]), &model);
    }
}
