//! `plan(user, action, module)` equals `filterStored`, row for row.
//!
//! For random contract-v2 models (the generator of the differential test),
//! every user × {view, edit, delete} × module: the stored records of the
//! module on which the plan's condition holds (evaluated natively by
//! `crm_access::plan_matches`) are exactly the ids `filter_stored(user,
//! action)` returns for that module. Also after records are replaced and
//! removed. `CRM_PLAN_CASES` sets the number of models (default 200).

// The reference model is kept for clarity over style by its owner; lints do not apply to it.
#[allow(clippy::all, clippy::pedantic, dead_code)]
mod reference;

use crm_access::{plan_matches, Engine};
use reference::gen::{generate_for, Tape};
use reference::Reference;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Instant;

const TAPE_LEN: usize = 2500;

fn tape(seed: u64) -> Vec<u32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    (0..TAPE_LEN)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u32
        })
        .collect()
}

/// Compares plan and filterStored for every user, action and module; returns the comparisons made.
fn compare(engine: &Engine, reference: &Reference, label: &str) -> u64 {
    let stored = reference.stored_ids();
    let records: Vec<Value> = stored.iter().map(|id| reference.stored_record(id).unwrap().clone()).collect();
    let lookup = |id: &str| reference.stored_record(id).cloned();
    let mut n = 0;
    for user in reference.user_ids() {
        for action in ["view", "edit", "delete"] {
            let want: HashSet<String> = engine.filter_stored(&user, Some(action)).unwrap().into_iter().collect();
            for module in reference.module_names() {
                let plan = engine.plan(&user, action, &module).unwrap();
                // the plan survives its JSON form
                let text = serde_json::to_string(&plan).unwrap();
                assert_eq!(serde_json::from_str::<crm_access::Plan>(&text).unwrap(), plan);
                for rec in records.iter().filter(|r| r["module"] == json!(module)) {
                    let id = rec["id"].as_str().unwrap();
                    let got = plan_matches(&plan.condition, rec, &lookup);
                    n += 1;
                    assert_eq!(
                        got,
                        want.contains(id),
                        "{label}: user {user:?} {action} record {id:?} of {module:?}: plan says {got}, filterStored says {}\nplan: {text}\nrecord: {rec}",
                        want.contains(id)
                    );
                }
            }
        }
    }
    n
}

#[test]
fn plan_equals_filter_stored() {
    let cases: u64 = std::env::var("CRM_PLAN_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let start = Instant::now();
    let (mut models, mut comparisons) = (0u64, 0u64);
    for seed in 0..cases {
        let data = tape(seed);
        let g = generate_for(&mut Tape::new(&data), 2);
        let Ok(mut engine) = Engine::new(&g.model.to_string()) else { panic!("seed {seed}: a valid model was rejected") };
        let mut reference = Reference::with_version(&g.model, 2);
        engine.put_records(&Value::Array(g.later.clone()).to_string()).unwrap();
        reference.put_records(&g.later);
        comparisons += compare(&engine, &reference, &format!("seed {seed}"));
        if !g.replacements.is_empty() {
            engine.put_records(&Value::Array(g.replacements.clone()).to_string()).unwrap();
            reference.put_records(&g.replacements);
        }
        let stored = reference.stored_ids();
        let gone: Vec<&str> = stored.iter().step_by(3).map(String::as_str).collect();
        engine.remove_records(&gone);
        reference.remove_records(&gone);
        comparisons += compare(&engine, &reference, &format!("seed {seed} after changes"));
        models += 1;
    }
    eprintln!("plan: {models} models, {comparisons} record comparisons, {:.1?}", start.elapsed());
}
