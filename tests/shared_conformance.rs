//! Runs the contract's conformance cases (../shared/conformance/cases) against
//! the native engine, the same checks the JS runner makes against the package.
//! Skipped (with a message) when the shared folder is not next to the repo.

use crm_access::{Engine, RecordRef};
use serde_json::Value;
use std::path::Path;

fn rec_ref(v: &Value, buf: &mut String) -> RecordRef<'static> {
    match v {
        Value::String(s) => RecordRef::Id(Box::leak(s.clone().into_boxed_str())),
        other => {
            *buf = other.to_string();
            RecordRef::Json(Box::leak(buf.clone().into_boxed_str()))
        }
    }
}

fn sorted(v: &Value) -> String {
    fn norm(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<_> = m.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), norm(&m[k]))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(norm).collect()),
            x => x.clone(),
        }
    }
    norm(v).to_string()
}

fn check(engine: &mut Engine, by_id: &std::collections::HashMap<String, Value>, c: &Value) -> Result<(), String> {
    let obj = c.as_object().unwrap();
    let kind = obj.keys().find(|k| !["allowed", "readOnly", "access", "is", "fields"].contains(&k.as_str())).unwrap().clone();
    let a = &obj[&kind];
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut buf = String::new();
    match kind.as_str() {
        "throws" => {
            let args = a.as_array().unwrap();
            let f = args[0].as_str().unwrap();
            let r = match f {
                "decide" => engine.decide(&s(&args[1]), &s(&args[2]), rec_ref(&args[3], &mut buf)).map(|_| ()),
                "canInvite" => engine.can_invite(&s(&args[1]), &s(&args[2])).map(|_| ()),
                "visibleUsers" => engine.visible_users(&s(&args[1])).map(|_| ()),
                "fieldAccess" => engine.field_access(&s(&args[1]), &s(&args[2])).map(|_| ()),
                "putRecords" => engine.put_records(&args[1].to_string()),
                "recordFieldAccess" => engine.record_field_access(&s(&args[1]), rec_ref(&args[2], &mut buf)).map(|_| ()),
                "canShare" => engine.can_share(&s(&args[1]), rec_ref(&args[2], &mut buf)).map(|_| ()),
                "workspacesOf" => engine.workspaces_of(&s(&args[1])).map(|_| ()),
                "decideUpdate" => {
                    let mut buf2 = String::new();
                    engine.decide_update(&s(&args[1]), rec_ref(&args[2], &mut buf), rec_ref(&args[3], &mut buf2)).map(|_| ())
                }
                other => return Err(format!("unknown throws fn {other}")),
            };
            if r.is_ok() {
                return Err(format!("{c} did not fail"));
            }
        }
        "decide" => {
            let args = a.as_array().unwrap();
            let d = engine.decide(&s(&args[0]), &s(&args[1]), rec_ref(&args[2], &mut buf)).map_err(|e| e.message)?;
            let can = engine.can(&s(&args[0]), &s(&args[1]), rec_ref(&args[2], &mut buf)).map_err(|e| e.message)?;
            if can != d.allowed {
                return Err(format!("{c}: can disagrees with decide"));
            }
            let got = serde_json::to_value(&d).unwrap();
            for key in ["allowed", "readOnly", "access"] {
                if let Some(want) = obj.get(key) {
                    if &got[key] != want {
                        return Err(format!("{c}: {key} = {}, expected {want}; reasons {:?}", got[key], d.reasons));
                    }
                }
            }
        }
        "filter" => {
            let args = a.as_array().unwrap();
            let ids: Vec<&Value> = args[1].as_array().unwrap().iter().collect();
            let input: Vec<Value> = ids.iter().map(|id| by_id[id.as_str().unwrap()].clone()).collect();
            let action = args.get(2).and_then(|x| x.as_str());
            let keep = engine.filter(&s(&args[0]), &Value::Array(input).to_string(), action).map_err(|e| e.message)?;
            let got: Vec<Value> = ids.iter().zip(keep).filter(|(_, k)| *k).map(|(id, _)| (*id).clone()).collect();
            if Value::Array(got.clone()) != obj["is"] {
                return Err(format!("{c}: got {got:?}"));
            }
        }
        "decideUpdate" => {
            let args = a.as_array().unwrap();
            let mut buf2 = String::new();
            let d = engine.decide_update(&s(&args[0]), rec_ref(&args[1], &mut buf), rec_ref(&args[2], &mut buf2)).map_err(|e| e.message)?;
            if d.reasons.is_empty() {
                return Err(format!("{c}: no reason"));
            }
            if let Some(want) = obj.get("allowed") {
                if &Value::Bool(d.allowed) != want {
                    return Err(format!("{c}: allowed = {}, expected {want}; reasons {:?}", d.allowed, d.reasons));
                }
            }
        }
        "recordFieldAccess" | "canShare" => {
            let args = a.as_array().unwrap();
            let (user, record) = (s(&args[0]), rec_ref(&args[1], &mut buf));
            let got = if kind == "canShare" {
                Value::Bool(engine.can_share(&user, record).map_err(|e| e.message)?)
            } else {
                let m = engine.record_field_access(&user, record).map_err(|e| e.message)?;
                Value::Object(m.into_iter().map(|(k, v)| (k, serde_json::to_value(v).unwrap())).collect())
            };
            if sorted(&got) != sorted(&obj["is"]) {
                return Err(format!("{c}: got {got}"));
            }
        }
        "mask" => {
            let args = a.as_array().unwrap();
            let out = engine.mask(&s(&args[0]), rec_ref(&args[1], &mut buf)).map_err(|e| e.message)?;
            if sorted(&out["fields"]) != sorted(&obj["fields"]) {
                return Err(format!("{c}: got {}", out["fields"]));
            }
        }
        _ => {
            let args: Vec<String> = match a {
                Value::Array(v) => v.iter().map(s).collect(),
                v => vec![s(v)],
            };
            let got: Value = match kind.as_str() {
                "fieldAccess" => {
                    let m = engine.field_access(&args[0], &args[1]).map_err(|e| e.message)?;
                    Value::Object(m.into_iter().map(|(k, v)| (k, serde_json::to_value(v).unwrap())).collect())
                }
                "visibleUsers" => serde_json::to_value(engine.visible_users(&args[0]).map_err(|e| e.message)?).unwrap(),
                "canInvite" => Value::Bool(engine.can_invite(&args[0], &args[1]).map_err(|e| e.message)?),
                "canCreateWorkspace" => Value::Bool(engine.can_create_workspace(&args[0]).map_err(|e| e.message)?),
                "canGrantAccess" => Value::Bool(engine.can_grant_access(&args[0]).map_err(|e| e.message)?),
                "workspacesOf" => serde_json::to_value(engine.workspaces_of(&args[0]).map_err(|e| e.message)?).unwrap(),
                other => return Err(format!("unknown check {other}")),
            };
            if sorted(&got) != sorted(&obj["is"]) {
                return Err(format!("{c}: got {got}"));
            }
        }
    }
    Ok(())
}

#[test]
fn shared_conformance_cases_pass_natively() {
    let suite = if crm_access::CONTRACT_VERSION >= 2 { "cases" } else { "cases-v1" };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance").join(suite);
    if !dir.is_dir() {
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let mut failures = Vec::new();
    let mut passed = 0;
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "json")) {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if let Some(cases) = doc.get("cases") {
            if let Err(e) = Engine::new(&doc["valid"].to_string()) {
                failures.push(format!("{name}: valid base model rejected: {e}"));
            }
            for c in cases.as_array().unwrap() {
                match Engine::new(&c["model"].to_string()) {
                    Ok(_) => failures.push(format!("{name}: {}: accepted", c["name"])),
                    Err(e) => {
                        let paths: Vec<&str> = e.problems.iter().map(|p| p.path.as_str()).collect();
                        for want in c["invalid"].as_array().unwrap() {
                            let want = want.as_str().unwrap();
                            if !want.split('|').any(|alt| paths.iter().any(|p| p.contains(alt))) {
                                failures.push(format!("{name}: {}: no problem at {want}; got {:?}", c["name"], e.problems));
                            }
                        }
                        passed += 1;
                    }
                }
            }
            continue;
        }
        let mut engine = match Engine::new(&doc["model"].to_string()) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{name}: model rejected: {e} {:?}", e.problems));
                continue;
            }
        };
        let by_id =
            doc["model"]["records"].as_array().map(|rs| rs.iter().map(|r| (r["id"].as_str().unwrap().to_string(), r.clone())).collect()).unwrap_or_default();
        for (i, c) in doc["checks"].as_array().unwrap().iter().enumerate() {
            match check(&mut engine, &by_id, c) {
                Ok(()) => passed += 1,
                Err(e) => failures.push(format!("{name} #{}: {e}", i + 1)),
            }
        }
    }
    eprintln!("{passed} shared checks passed");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
