//! Model construction from arbitrary bytes: any input must give an engine or
//! an error with a message, never a panic, a hang or an abort; an accepted
//! model must answer every question consistently.
#![no_main]

#[path = "common.rs"]
mod common;

use crm_access::Engine;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Engine::new(text) {
        Err(e) => {
            assert!(!e.message.is_empty(), "an error without a message");
            for p in &e.problems {
                assert!(!p.message.is_empty(), "a problem without a message at {}", p.path);
            }
        }
        Ok(engine) => {
            let model: serde_json::Value = serde_json::from_str(text).expect("the engine accepted JSON that serde_json rejects");
            let given: Vec<serde_json::Value> =
                model.get("records").and_then(|r| r.as_array()).cloned().unwrap_or_default();
            common::exercise(&engine, &model, &given);
        }
    }
});
