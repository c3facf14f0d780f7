//! Differential random testing: the engine against the naive reference
//! evaluator of `tests/reference/` on random valid models.
//!
//! Every case builds a random model (see `reference::gen`), constructs an
//! `Engine`, puts more records, and compares engine and reference on every
//! decision (view/edit/delete: allowed, access, readOnly; create: allowed),
//! `can`, `filter`, every field map, every mask, every people list, every
//! invite answer, canCreateWorkspace and canGrantAccess; then it replaces and
//! removes records, tries batches that must be refused as a whole and queries
//! that must be errors, and compares again.
//!
//!   cargo test --test differential                        # default: 300 models
//!   CRM_DIFF_CASES=5000 cargo test --release --test differential -- --nocapture
//!   CRM_DIFF_SEED=1234 ...                                 # fixed seed (else random, printed)
//!
//! The run fails if fewer than 100,000 queries were compared in a default run.

// The reference model is kept for clarity over style by its owner; lints do not apply to it.
mod common;
#[allow(clippy::all, clippy::pedantic)]
mod reference;

use common::access_u8;
use crm_access::{Action, Engine, FieldLevel, RecordRef};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use reference::gen::{generate_for, Generated, Tape};
use reference::{level_name, Reference};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

const TAPE_LEN: usize = 2500;

/// The contract the engine implements picks the generator and the reference's
/// semantics: v1 models and the v1 reference while the engine is v1, v2 after.
const VERSION: u32 = if crm_access::CONTRACT_VERSION >= 2 { 2 } else { 1 };
const DEFAULT_CASES: u32 = 300;

static QUERIES: AtomicU64 = AtomicU64::new(0);

/// How often each engine reason code decided an allowed view/edit/delete: a
/// coverage report (printed with --nocapture), to see that random models reach
/// every grant and cap.
static REASONS: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

fn count_reasons(reasons: &[crm_access::Reason]) {
    let mut map = REASONS.lock().unwrap();
    for r in reasons {
        *map.entry(r.code().to_string()).or_insert(0) += 1;
    }
}

/// The proptest input: an entropy tape. Its Debug shows the model it makes.
#[derive(Clone)]
struct TapeData(Vec<u32>);

impl fmt::Debug for TapeData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = generate_for(&mut Tape::new(&self.0), VERSION);
        writeln!(f, "model: {}", g.model)?;
        writeln!(f, "later records: {}", Value::Array(g.later.clone()))?;
        writeln!(f, "probe records: {}", Value::Array(g.probes.clone()))?;
        write!(f, "replacements: {}", Value::Array(g.replacements.clone()))
    }
}

fn tapes() -> impl Strategy<Value = TapeData> {
    prop::collection::vec(any::<u32>(), TAPE_LEN).prop_map(TapeData)
}

pub fn field_name(f: FieldLevel) -> &'static str {
    match f {
        FieldLevel::Hidden => "hidden",
        FieldLevel::ReadOnly => "readOnly",
        FieldLevel::Editable => "editable",
    }
}

fn fail<T>(msg: String) -> Result<T, TestCaseError> {
    Err(TestCaseError::fail(msg))
}

struct Case {
    engine: Engine,
    reference: Reference,
    queries: u64,
}

/// A record for a query: a stored id or a JSON record.
enum Probe<'a> {
    Stored(String),
    Given(&'a Value, String),
}

impl Probe<'_> {
    fn as_ref(&self) -> RecordRef<'_> {
        match self {
            Probe::Stored(id) => RecordRef::Id(id),
            Probe::Given(_, text) => RecordRef::Json(text),
        }
    }
    fn value<'r>(&'r self, reference: &'r Reference) -> &'r Value {
        match self {
            Probe::Stored(id) => reference.stored_record(id).expect("stored"),
            Probe::Given(v, _) => v,
        }
    }
    fn describe(&self, reference: &Reference) -> String {
        match self {
            Probe::Stored(id) => format!("stored {:?} = {}", id, self.value(reference)),
            Probe::Given(v, _) => format!("given {v}"),
        }
    }
}

impl Case {
    fn decide_one(&mut self, user: &str, action: &str, probe: &Probe) -> Result<(), TestCaseError> {
        let x = probe.value(&self.reference).clone();
        let want = self.reference.decide(user, action, &x);
        let got = match self.engine.decide(user, action, probe.as_ref()) {
            Ok(d) => d,
            Err(e) => {
                return fail(format!(
                    "decide({user:?}, {action:?}, {}) failed: {} {:?}",
                    probe.describe(&self.reference),
                    e.message,
                    e.problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>()
                ))
            }
        };
        self.queries += 1;
        count_reasons(&got.reasons);
        let access = access_u8(got.access);
        let same = if action == "create" {
            got.allowed == want.allowed
        } else {
            got.allowed == want.allowed && access == want.access && got.read_only == want.read_only
        };
        if !same {
            return fail(format!(
                "decide({user:?}, {action:?}, {}):\n  engine:    allowed={} access={} readOnly={} reasons={:?}\n  reference: allowed={} access={} readOnly={}",
                probe.describe(&self.reference),
                got.allowed,
                level_name(access),
                got.read_only,
                got.reasons,
                want.allowed,
                level_name(want.access),
                want.read_only
            ));
        }
        // the ids-based encoding (the package's fast path) must give the same decision
        if let Probe::Given(_, text) = probe {
            let ui = self.engine.indexed().id_tables().users.iter().position(|u| *u == user).expect("user index") as u32;
            let act = Action::parse(action).expect("action");
            let (codes, strings) = self
                .engine
                .indexed()
                .encode_record(RecordRef::Json(text))
                .map_err(|e| TestCaseError::fail(format!("encode_record({text}) failed: {}", e.message)))?;
            let enc = self.engine.indexed().decide_encoded(ui, act, &codes, &strings).map_err(|e| {
                TestCaseError::fail(format!("decide_encoded({user:?}, {action:?}, {text}) failed: {} (codes {codes:?}, strings {strings:?})", e.message))
            })?;
            let can = self.engine.indexed().can_encoded(ui, act, &codes, &strings).map_err(|e| TestCaseError::fail(format!("can_encoded: {}", e.message)))?;
            let filtered =
                self.engine.indexed().filter_encoded(ui, act, &codes, &strings).map_err(|e| TestCaseError::fail(format!("filter_encoded: {}", e.message)))?;
            self.queries += 3;
            if enc.allowed != got.allowed
                || enc.access != got.access
                || enc.read_only != got.read_only
                || can != got.allowed
                || filtered != vec![u8::from(got.allowed)]
            {
                return fail(format!(
                    "the encoded path disagrees for ({user:?}, {action:?}, {text}): decide_encoded {enc:?}, can_encoded {can}, filter_encoded {filtered:?}, decide {got:?}"
                ));
            }
        }
        if action == "view" {
            let can = self.engine.can(user, action, probe.as_ref()).map_err(|e| TestCaseError::fail(e.message))?;
            self.queries += 1;
            if can != got.allowed {
                return fail(format!("can({user:?}, view, {}) = {can} but decide says {}", probe.describe(&self.reference), got.allowed));
            }
        }
        Ok(())
    }

    fn mask_one(&mut self, user: &str, probe: &Probe) -> Result<(), TestCaseError> {
        let x = probe.value(&self.reference).clone();
        let want = Value::Object(self.reference.mask_fields(user, &x));
        let got = self.engine.mask(user, probe.as_ref()).map_err(|e| TestCaseError::fail(format!("mask failed: {}", e.message)))?;
        self.queries += 1;
        let got_fields = match got.get("fields") {
            None | Some(Value::Null) => Value::Object(Default::default()),
            Some(f) => f.clone(),
        };
        if got_fields != want {
            return fail(format!("mask({user:?}, {}).fields:\n  engine:    {got_fields}\n  reference: {want}", probe.describe(&self.reference)));
        }
        // everything but `fields` comes back as given
        if let (Value::Object(g), Value::Object(x)) = (&got, &x) {
            for (k, v) in x {
                if k != "fields" && g.get(k) != Some(v) {
                    return fail(format!("mask({user:?}, {}) changed key {k:?}: {}", probe.describe(&self.reference), got));
                }
            }
        }
        Ok(())
    }

    fn people(&mut self, user: &str) -> Result<(), TestCaseError> {
        let r = &self.reference;
        let want = r.visible_users(user);
        let got = self.engine.visible_users(user).map_err(|e| TestCaseError::fail(e.message))?;
        if got != want {
            return fail(format!("visibleUsers({user:?}):\n  engine:    {got:?}\n  reference: {want:?}"));
        }
        let w = r.can_create_workspace(user);
        let g = self.engine.can_create_workspace(user).map_err(|e| TestCaseError::fail(e.message))?;
        if g != w {
            return fail(format!("canCreateWorkspace({user:?}): engine {g}, reference {w}"));
        }
        let w = r.can_grant_access(user);
        let g = self.engine.can_grant_access(user).map_err(|e| TestCaseError::fail(e.message))?;
        if g != w {
            return fail(format!("canGrantAccess({user:?}): engine {g}, reference {w}"));
        }
        self.queries += 3;
        for ws in r.workspace_ids() {
            let w = r.can_invite(user, &ws);
            let g = self.engine.can_invite(user, &ws).map_err(|e| TestCaseError::fail(e.message))?;
            self.queries += 1;
            if g != w {
                return fail(format!("canInvite({user:?}, {ws:?}): engine {g}, reference {w}"));
            }
        }
        for m in r.module_names() {
            let want = r.field_access(user, &m);
            let got: Vec<(String, &str)> =
                self.engine.field_access(user, &m).map_err(|e| TestCaseError::fail(e.message))?.into_iter().map(|(f, l)| (f, field_name(l))).collect();
            self.queries += 1;
            let want: Vec<(String, &str)> = want.into_iter().collect();
            if got != want {
                return fail(format!("fieldAccess({user:?}, {m:?}):\n  engine:    {got:?}\n  reference: {want:?}"));
            }
        }
        Ok(())
    }

    fn filter(&mut self, user: &str, records: &[Value], action: Option<&str>) -> Result<(), TestCaseError> {
        let text = Value::Array(records.to_vec()).to_string();
        let got = self.engine.filter(user, &text, action).map_err(|e| TestCaseError::fail(format!("filter failed: {}", e.message)))?;
        self.queries += 1;
        let want: Vec<bool> = records.iter().map(|x| self.reference.decide(user, action.unwrap_or("view"), x).allowed).collect();
        if got != want {
            let at = got.iter().zip(&want).position(|(a, b)| a != b);
            return fail(format!(
                "filter({user:?}, …, {action:?}):\n  engine:    {got:?}\n  reference: {want:?}\n  first difference on {}",
                at.map(|i| records[i].to_string()).unwrap_or_else(|| "length".into())
            ));
        }
        Ok(())
    }

    /// Every question about every user and every record.
    fn everything(&mut self, probes: &[Value]) -> Result<(), TestCaseError> {
        let users = self.reference.user_ids();
        let stored = self.reference.stored_ids();
        let given: Vec<(Value, String)> = probes.iter().map(|p| (p.clone(), p.to_string())).collect();
        let mut all_records: Vec<Value> = stored.iter().map(|id| self.reference.stored_record(id).unwrap().clone()).collect();
        all_records.extend(probes.iter().cloned());
        for u in &users {
            self.people(u)?;
            if VERSION >= 2 {
                self.workspaces_of(u)?;
            }
            for id in &stored {
                let p = Probe::Stored(id.clone());
                for action in ["view", "edit", "delete", "create"] {
                    self.decide_one(u, action, &p)?;
                }
                self.mask_one(u, &p)?;
                if VERSION >= 2 {
                    self.v2_queries(u, &p)?;
                }
            }
            for (v, text) in &given {
                let p = Probe::Given(v, text.clone());
                for action in ["view", "edit", "delete", "create"] {
                    self.decide_one(u, action, &p)?;
                }
                self.mask_one(u, &p)?;
                if VERSION >= 2 {
                    self.v2_queries(u, &p)?;
                }
            }
            for action in [None, Some("view"), Some("edit"), Some("delete"), Some("create")] {
                self.filter(u, &all_records, action)?;
            }
        }
        Ok(())
    }

    /// The v2 queries (issue 10) on one record: recordFieldAccess, canShare and
    /// decideUpdate with a few kinds of `after` (unchanged, handed over, fields
    /// changed / set to null / added, moved, workspaces and shares cleared,
    /// auditors extended).
    fn v2_queries(&mut self, user: &str, probe: &Probe) -> Result<(), TestCaseError> {
        let x = probe.value(&self.reference).clone();
        let want = self.reference.record_field_access(user, &x);
        let got: Vec<(String, &str)> = self
            .engine
            .record_field_access(user, probe.as_ref())
            .map_err(|e| TestCaseError::fail(e.message))?
            .into_iter()
            .map(|(f, l)| (f, field_name(l)))
            .collect();
        if got != want {
            return fail(format!("recordFieldAccess({user:?}, {}): engine {got:?}, reference {want:?}", probe.describe(&self.reference)));
        }
        let (w, g) = (self.reference.can_share(user, &x), self.engine.can_share(user, probe.as_ref()).map_err(|e| TestCaseError::fail(e.message))?);
        if w != g {
            return fail(format!("canShare({user:?}, {}): engine {g}, reference {w}", probe.describe(&self.reference)));
        }
        let mut afters = vec![x.clone()];
        let mut edit = |f: &dyn Fn(&mut Value)| {
            let mut a = x.clone();
            f(&mut a);
            afters.push(a);
        };
        edit(&|a| a["owner"] = serde_json::json!(user));
        edit(&|a| a["createdBy"] = serde_json::json!(user));
        edit(&|a| {
            let fields = a.as_object_mut().unwrap().entry("fields").or_insert_with(|| serde_json::json!({}));
            if let Some(first) = fields.as_object_mut().and_then(|o| o.values_mut().next()) {
                *first = Value::Null;
            }
        });
        edit(&|a| {
            let fields = a.as_object_mut().unwrap().entry("fields").or_insert_with(|| serde_json::json!({}));
            if let Some(o) = fields.as_object_mut() {
                let keys: Vec<String> = o.keys().cloned().collect();
                match keys.first() {
                    Some(k) => {
                        o.remove(k);
                    }
                    None => {
                        o.insert("amount".into(), serde_json::json!(7));
                    }
                }
            }
        });
        edit(&|a| a["workspaces"] = serde_json::json!([]));
        edit(&|a| a["sharedWith"] = serde_json::json!([]));
        edit(&|a| a["type"] = Value::Null);
        edit(&|a| {
            let list = a.as_object_mut().unwrap().entry("auditors").or_insert_with(|| serde_json::json!([]));
            if let Some(l) = list.as_array_mut() {
                l.push(serde_json::json!(user));
            }
        });
        for other in self.reference.stored_ids().into_iter().take(3) {
            edit(&|a| a["parent"] = serde_json::json!(other));
            edit(&|a| a["company"] = serde_json::json!(other));
        }
        for after in afters {
            let w = self.reference.decide_update(user, &x, &after);
            let g = self.engine.decide_update(user, probe.as_ref(), RecordRef::Json(&after.to_string())).map_err(|e| TestCaseError::fail(e.message))?;
            if w != g.allowed || g.reasons.is_empty() {
                return fail(format!("decideUpdate({user:?}, {}, {after}): engine {g:?}, reference {w}", probe.describe(&self.reference)));
            }
            self.queries += 1;
        }
        self.queries += 2;
        Ok(())
    }

    fn workspaces_of(&mut self, user: &str) -> Result<(), TestCaseError> {
        let want = self.reference.workspaces_of(user);
        let got = self.engine.workspaces_of(user).map_err(|e| TestCaseError::fail(e.message))?;
        if got != want {
            return fail(format!("workspacesOf({user:?}): engine {got:?}, reference {want:?}"));
        }
        self.queries += 1;
        Ok(())
    }

    /// A lighter pass after mutations: view/edit/delete on the stored records.
    fn stored_decisions(&mut self) -> Result<(), TestCaseError> {
        let users = self.reference.user_ids();
        let stored = self.reference.stored_ids();
        for u in &users {
            for id in &stored {
                let p = Probe::Stored(id.clone());
                for action in ["view", "edit", "delete"] {
                    self.decide_one(u, action, &p)?;
                }
            }
        }
        Ok(())
    }

    fn expect_error(&mut self, what: &str, result: Result<(), String>) -> Result<(), TestCaseError> {
        self.queries += 1;
        match result {
            Err(_) => Ok(()),
            Ok(()) => fail(format!("{what} was accepted; it must be an error")),
        }
    }
}

fn run_case(data: &TapeData) -> Result<(), TestCaseError> {
    let g: Generated = generate_for(&mut Tape::new(&data.0), VERSION);
    let model_text = g.model.to_string();
    let engine = match Engine::new(&model_text) {
        Ok(e) => e,
        Err(e) => {
            return fail(format!(
                "a valid model was rejected: {} {:?}",
                e.message,
                e.problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>()
            ))
        }
    };
    let mut case = Case { engine, reference: Reference::with_version(&g.model, VERSION), queries: 0 };

    // more records after construction
    let later_text = Value::Array(g.later.clone()).to_string();
    if let Err(e) = case.engine.put_records(&later_text) {
        return fail(format!("putRecords of valid records failed: {} {:?}", e.message, e.problems.iter().map(|p| &p.path).collect::<Vec<_>>()));
    }
    case.reference.put_records(&g.later);

    case.everything(&g.probes)?;

    // replace some records, remove some (and an unknown id)
    if !g.replacements.is_empty() {
        let text = Value::Array(g.replacements.clone()).to_string();
        case.engine.put_records(&text).map_err(|e| TestCaseError::fail(format!("replacing records failed: {}", e.message)))?;
        case.reference.put_records(&g.replacements);
    }
    let stored = case.reference.stored_ids();
    let mut gone: Vec<&str> = stored.iter().step_by(3).map(std::string::String::as_str).collect();
    gone.push("no-such-record");
    case.engine.remove_records(&gone);
    case.reference.remove_records(&gone);

    // batches that must be refused as a whole, leaving the store unchanged
    let users = case.reference.user_ids();
    let module = case.reference.module_names()[0].clone();
    let good = serde_json::json!({ "id": "batch-good", "module": module, "owner": users[0] });
    let bad_batches = [
        serde_json::json!([good, { "id": "batch-bad", "module": module, "owner": "ghost-owner" }]),
        serde_json::json!([good, { "id": "batch-bad", "module": "ghost-module" }]),
        serde_json::json!([good, { "id": "batch-bad", "module": module, "workspaces": ["ghost-ws"] }]),
        serde_json::json!([good, { "id": "batch-bad", "module": module, "assignees": ["ghost-user"] }]),
        serde_json::json!([good, { "id": "batch-bad", "module": module, "typo": 1 }]),
        serde_json::json!([good, good]),
        serde_json::json!([good, 7]),
        serde_json::json!({ "id": "x", "module": module }),
    ];
    for batch in &bad_batches {
        let text = batch.to_string();
        let r = case.engine.put_records(&text).map_err(|e| e.message);
        case.expect_error(&format!("putRecords({text})"), r)?;
    }
    match case.engine.decide(&users[0], "view", RecordRef::Id("batch-good")) {
        Err(_) => {}
        Ok(_) => return fail("a refused batch stored its good record".into()),
    }

    // queries that must be errors; the engine must keep answering afterwards
    let u0 = users[0].clone();
    let r = case.engine.decide("ghost-user", "view", RecordRef::Json(&g.probes[0].to_string())).map(|_| ()).map_err(|e| e.message);
    case.expect_error("decide(unknown user)", r)?;
    let r = case.engine.decide(&u0, "steal", RecordRef::Json(&g.probes[0].to_string())).map(|_| ()).map_err(|e| e.message);
    case.expect_error("decide(unknown action)", r)?;
    let r = case.engine.decide(&u0, "view", RecordRef::Id("no-such-record")).map(|_| ()).map_err(|e| e.message);
    case.expect_error("decide(unknown stored id)", r)?;
    let r = case.engine.decide(&u0, "view", RecordRef::Json("{\"module\":\"ghost-module\"}")).map(|_| ()).map_err(|e| e.message);
    case.expect_error("decide(record of an unknown module)", r)?;
    let r = case.engine.decide(&u0, "view", RecordRef::Json(&format!("{{\"module\":{module:?},\"ownr\":1}}"))).map(|_| ()).map_err(|e| e.message);
    case.expect_error("decide(record with an unknown key)", r)?;
    let r = case.engine.decide(&u0, "view", RecordRef::Json("not json")).map(|_| ()).map_err(|e| e.message);
    case.expect_error("decide(malformed JSON)", r)?;
    let r = case.engine.field_access(&u0, "ghost-module").map(|_| ()).map_err(|e| e.message);
    case.expect_error("fieldAccess(unknown module)", r)?;
    let r = case.engine.can_invite(&u0, "ghost-ws").map(|_| ()).map_err(|e| e.message);
    case.expect_error("canInvite(unknown workspace)", r)?;
    let r = case.engine.visible_users("ghost-user").map(|_| ()).map_err(|e| e.message);
    case.expect_error("visibleUsers(unknown user)", r)?;
    let r = case.engine.filter(&u0, "[{\"module\":\"ghost-module\"}]", None).map(|_| ()).map_err(|e| e.message);
    case.expect_error("filter(record of an unknown module)", r)?;
    let r = case.engine.filter(&u0, "[]", Some("steal")).map(|_| ()).map_err(|e| e.message);
    case.expect_error("filter(unknown action)", r)?;

    case.stored_decisions()?;
    for u in users.iter().take(3) {
        case.people(u)?;
    }

    QUERIES.fetch_add(case.queries, Ordering::Relaxed);
    Ok(())
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().replace('_', "").parse().ok())
}

#[test]
fn engine_agrees_with_reference() {
    let cases = env_u64("CRM_DIFF_CASES").map(|c| c as u32).unwrap_or(DEFAULT_CASES);
    let seed = env_u64("CRM_DIFF_SEED").unwrap_or_else(|| {
        use std::time::{SystemTime, UNIX_EPOCH};
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64
    });
    eprintln!("differential: {cases} random models, seed CRM_DIFF_SEED={seed}");
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 400, max_shrink_time: 120_000, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes));
    let start = std::time::Instant::now();
    let result = runner.run(&tapes(), |data| run_case(&data));
    let queries = QUERIES.load(Ordering::Relaxed);
    eprintln!("differential: {queries} queries compared in {:.1?} (seed {seed})", start.elapsed());
    eprintln!("reason codes seen in engine decisions (coverage):");
    for (code, n) in REASONS.lock().unwrap().iter() {
        eprintln!("  {code:<32} {n}");
    }
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, input)) => panic!("engine and reference disagree (seed {seed}):\n{why}\n\nminimal case:\n{input:?}"),
        Err(TestError::Abort(why)) => panic!("aborted: {why}"),
    }
    if env_u64("CRM_DIFF_CASES").is_none() {
        assert!(queries >= 100_000, "the default run must compare at least 100,000 queries, got {queries}");
    }
}

/// The v2 queries (issue 10) alone: recordFieldAccess, canShare, decideUpdate
/// and workspacesOf against the v2 reference on random v2 models, so that they
/// are checked even while another part of `engine_agrees_with_reference` fails.
///
///   CRM_DIFF_CASES=200 CRM_DIFF_SEED=1234 cargo test --test differential v2_queries
#[test]
fn v2_queries_agree_with_reference() {
    if VERSION < 2 {
        return;
    }
    let cases = env_u64("CRM_DIFF_CASES").map(|c| c as u32).unwrap_or(DEFAULT_CASES);
    let seed = env_u64("CRM_DIFF_SEED").unwrap_or_else(|| {
        use std::time::{SystemTime, UNIX_EPOCH};
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64
    });
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 400, max_shrink_time: 120_000, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes));
    let total = AtomicU64::new(0);
    let result = runner.run(&tapes(), |data| {
        let g: Generated = generate_for(&mut Tape::new(&data.0), VERSION);
        let engine = Engine::new(&g.model.to_string()).map_err(|e| TestCaseError::fail(format!("a valid model was rejected: {}", e.message)))?;
        let mut case = Case { engine, reference: Reference::with_version(&g.model, VERSION), queries: 0 };
        case.engine.put_records(&Value::Array(g.later.clone()).to_string()).map_err(|e| TestCaseError::fail(e.message))?;
        case.reference.put_records(&g.later);
        let given: Vec<(Value, String)> = g.probes.iter().map(|p| (p.clone(), p.to_string())).collect();
        for u in case.reference.user_ids() {
            case.workspaces_of(&u)?;
            for id in case.reference.stored_ids() {
                case.v2_queries(&u, &Probe::Stored(id))?;
            }
            for (v, text) in &given {
                case.v2_queries(&u, &Probe::Given(v, text.clone()))?;
            }
        }
        total.fetch_add(case.queries, Ordering::Relaxed);
        Ok(())
    });
    eprintln!("v2 queries: {} compared (seed {seed})", total.load(Ordering::Relaxed));
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, input)) => panic!("engine and reference disagree on a v2 query (seed {seed}):\n{why}\n\nminimal case:\n{input:?}"),
        Err(TestError::Abort(why)) => panic!("aborted: {why}"),
    }
}

/// The conformance cases in /work/shared are hand-written; the reference must pass them
/// too, or it is not a reference. Both suites run whatever the engine implements:
/// the v1 reference on `cases-v1/`, the v2 reference on `cases/` (each only when present).
#[test]
fn reference_passes_the_conformance_cases() {
    let v1 = run_conformance_suite("cases-v1", 1);
    let v2 = run_conformance_suite("cases", 2);
    eprintln!("reference v1: {} conformance checks pass ({} skipped: errors)", v1.0, v1.1);
    eprintln!("reference v2: {} conformance checks pass ({} skipped: errors)", v2.0, v2.1);
}

/// Runs one conformance suite against the reference of contract `version`;
/// returns (checks passed, checks skipped). Checks about errors (`throws`, a
/// query about an unknown user or stored id) are skipped: the reference assumes
/// valid input. Invalid models: the v2 reference checks the problems in the keys
/// v2 added (`v2:` cases), the rest of validation is the engine's.
fn run_conformance_suite(suite: &str, version: u32) -> (usize, usize) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance").join(suite);
    let dir = if dir.exists() { dir } else { std::path::Path::new("/work/shared/conformance").join(suite) };
    let Ok(entries) = std::fs::read_dir(&dir) else { return (0, 0) };
    let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
    paths.sort();
    let (mut checked, mut skipped) = (0, 0);
    for path in paths {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if let Some(cases) = doc.get("cases").and_then(|c| c.as_array()) {
            if version >= 2 {
                let valid = reference::v2::v2_key_problems(&doc["valid"]);
                assert!(valid.is_empty(), "{}: the valid base model has v2 problems {valid:?}", path.display());
                checked += 1;
                for c in cases {
                    let name = c["name"].as_str().unwrap_or("");
                    if !name.starts_with("v2:") {
                        skipped += 1;
                        continue;
                    }
                    let problems = reference::v2::v2_key_problems(&c["model"]);
                    for want in c["invalid"].as_array().unwrap() {
                        let want = want.as_str().unwrap();
                        let hit = want.split('|').any(|alt| problems.iter().any(|p| p.contains(alt)));
                        assert!(hit, "{}: {name}: no problem at {want:?}; reference found {problems:?}", path.display());
                    }
                    checked += 1;
                }
            } else {
                skipped += cases.len() + 1;
            }
            continue;
        }
        let Some(model) = doc.get("model") else { continue };
        let r = Reference::with_version(model, version);
        for (i, check) in doc["checks"].as_array().unwrap().iter().enumerate() {
            let where_ = format!("{} #{}", path.display(), i + 1);
            let record = |v: &Value| -> Value {
                match v {
                    Value::String(id) => r.stored_record(id).cloned().unwrap_or(Value::Null),
                    other => other.clone(),
                }
            };
            let known_user = |v: &Value| v.as_str().is_some_and(|u| r.user_json(u).is_some());
            if check.get("throws").is_some() {
                skipped += 1; // errors: the reference never reports them
            } else if let Some(a) = check.get("decide") {
                let x = record(&a[2]);
                if x.is_null() || !known_user(&a[0]) {
                    skipped += 1;
                    continue;
                }
                let u = a[0].as_str().unwrap();
                let d = r.decide(u, a[1].as_str().unwrap(), &x);
                assert_eq!(Some(d.allowed), check["allowed"].as_bool(), "{where_}: allowed");
                if let Some(ro) = check.get("readOnly") {
                    assert_eq!(Some(d.read_only), ro.as_bool(), "{where_}: readOnly");
                }
                if let Some(acc) = check.get("access") {
                    assert_eq!(level_name(d.access), acc.as_str().unwrap(), "{where_}: access");
                }
                checked += 1;
            } else if let Some(a) = check.get("filter") {
                let u = a[0].as_str().unwrap();
                let action = a.get(2).and_then(|x| x.as_str()).unwrap_or("view");
                let got: Vec<&str> = a[1]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|id| id.as_str().unwrap())
                    .filter(|id| r.decide(u, action, r.stored_record(id).unwrap()).allowed)
                    .collect();
                let want: Vec<&str> = check["is"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
                assert_eq!(got, want, "{where_}");
                checked += 1;
            } else if let Some(a) = check.get("fieldAccess") {
                let got: serde_json::Map<String, Value> =
                    r.field_access(a[0].as_str().unwrap(), a[1].as_str().unwrap()).into_iter().map(|(f, l)| (f, Value::from(l))).collect();
                assert_eq!(Value::Object(got), check["is"], "{where_}");
                checked += 1;
            } else if let Some(a) = check.get("recordFieldAccess") {
                let x = record(&a[1]);
                if x.is_null() || !known_user(&a[0]) {
                    skipped += 1;
                    continue;
                }
                let got: serde_json::Map<String, Value> =
                    r.record_field_access(a[0].as_str().unwrap(), &x).into_iter().map(|(f, l)| (f, Value::from(l))).collect();
                assert_eq!(Value::Object(got), check["is"], "{where_}");
                checked += 1;
            } else if let Some(a) = check.get("decideUpdate") {
                let before = record(&a[1]);
                if before.is_null() || !known_user(&a[0]) || a[2]["id"] != before["id"] || a[2]["module"] != before["module"] {
                    skipped += 1;
                    continue;
                }
                let got = r.decide_update(a[0].as_str().unwrap(), &before, &a[2]);
                assert_eq!(Some(got), check["allowed"].as_bool(), "{where_}: decideUpdate allowed");
                checked += 1;
            } else if let Some(a) = check.get("canShare") {
                let x = record(&a[1]);
                if x.is_null() || !known_user(&a[0]) {
                    skipped += 1;
                    continue;
                }
                assert_eq!(Some(r.can_share(a[0].as_str().unwrap(), &x)), check["is"].as_bool(), "{where_}");
                checked += 1;
            } else if let Some(a) = check.get("workspacesOf") {
                if !known_user(a) {
                    skipped += 1;
                    continue;
                }
                let want: Vec<String> = serde_json::from_value(check["is"].clone()).unwrap();
                assert_eq!(r.workspaces_of(a.as_str().unwrap()), want, "{where_}");
                checked += 1;
            } else if let Some(a) = check.get("mask") {
                let x = record(&a[1]);
                let got = r.mask_fields(a[0].as_str().unwrap(), &x);
                assert_eq!(Value::Object(got), check["fields"], "{where_}");
                checked += 1;
            } else if let Some(a) = check.get("visibleUsers") {
                if !known_user(a) {
                    skipped += 1;
                    continue;
                }
                let got = r.visible_users(a.as_str().unwrap());
                let want: Vec<String> = serde_json::from_value(check["is"].clone()).unwrap();
                assert_eq!(got, want, "{where_}");
                checked += 1;
            } else if let Some(a) = check.get("canInvite") {
                let (u, w) = (a[0].as_str().unwrap(), a[1].as_str().unwrap());
                if r.user_json(u).is_none() || !r.workspace_ids().iter().any(|x| x == w) {
                    skipped += 1;
                    continue;
                }
                assert_eq!(Some(r.can_invite(u, w)), check["is"].as_bool(), "{where_}");
                checked += 1;
            } else if let Some(a) = check.get("canCreateWorkspace") {
                assert_eq!(Some(r.can_create_workspace(a.as_str().unwrap())), check["is"].as_bool(), "{where_}");
                checked += 1;
            } else if let Some(a) = check.get("canGrantAccess") {
                assert_eq!(Some(r.can_grant_access(a.as_str().unwrap())), check["is"].as_bool(), "{where_}");
                checked += 1;
            } else {
                panic!("{where_}: a check kind the reference does not know: {check}");
            }
        }
    }
    (checked, skipped)
}

/// The v2 generator and the v2 reference, together, before the engine is v2: every
/// generated model is valid in the keys v2 added, the reference answers every
/// question on it (decide, recordFieldAccess, canShare, workspacesOf,
/// decideUpdate) without panicking or recursing, a few consistency facts hold,
/// and the generator reaches the v2 features (non-vacuity counters).
#[test]
fn v2_generator_and_reference_work_together() {
    let cases = env_u64("CRM_V2_REF_CASES").unwrap_or(120) as u32;
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 100, ..Config::default() };
    let mut runner = TestRunner::new(config);
    static SEEN: Mutex<BTreeMap<&'static str, u64>> = Mutex::new(BTreeMap::new());
    let bump = |k: &'static str| *SEEN.lock().unwrap().entry(k).or_insert(0) += 1;
    let start = std::time::Instant::now();
    let result = runner.run(&tapes(), |data| {
        let g = generate_for(&mut Tape::new(&data.0), 2);
        let problems = reference::v2::v2_key_problems(&g.model);
        if !problems.is_empty() {
            return fail(format!("the v2 generator made an invalid model: {problems:?}"));
        }
        let mut r = Reference::with_version(&g.model, 2);
        r.put_records(&g.later);
        let text = g.model.to_string();
        for (key, name) in [
            ("\"hierarchy\":false", "hierarchy false"),
            ("\"controlledByParent\":true", "controlledByParent"),
            ("\"auditors\"", "auditors"),
            ("\"contactModule\"", "contactModule"),
            ("\"sharedWith\"", "sharedWith"),
        ] {
            if text.contains(key) || Value::Array(g.later.clone()).to_string().contains(key) {
                bump(name);
            }
        }
        let users = r.user_ids();
        let mut records: Vec<Value> = r.store.clone();
        records.extend(g.probes.iter().cloned());
        for u in &users {
            for x in &records {
                let view = r.decide(u, "view", x);
                let edit = r.decide(u, "edit", x);
                r.decide(u, "delete", x);
                r.decide(u, "create", x);
                let rfa = r.record_field_access(u, x);
                if !view.allowed && rfa.iter().any(|(_, l)| *l != "hidden") {
                    return fail(format!("recordFieldAccess({u:?}, {x}) shows a field of a record they may not view"));
                }
                if !edit.allowed && rfa.iter().any(|(_, l)| *l == "editable") {
                    return fail(format!("recordFieldAccess({u:?}, {x}) has an editable field of a record they may not edit"));
                }
                let share = r.can_share(u, x);
                if share && !r.user_json(u).is_some_and(|j| j["admin"] == true) && edit.access != 3 {
                    return fail(format!("canShare({u:?}, {x}) without full access"));
                }
                // saving a record unchanged: allowed exactly when U may edit it (or is an admin)
                if x.get("id").is_some() {
                    let same = r.decide_update(u, x, x);
                    let admin = r.user_json(u).is_some_and(|j| j["admin"] == true && j["active"] != false);
                    if same != (edit.allowed || admin) {
                        return fail(format!("decideUpdate({u:?}, x, x) = {same} but edit = {}", edit.allowed));
                    }
                    let mut moved = x.clone();
                    moved["owner"] = json!(u);
                    if r.decide_update(u, x, &moved) && !admin && x.get("owner") != Some(&json!(u)) && view.access < 3 {
                        return fail(format!("{u:?} may hand over {x} without full access"));
                    }
                }
                if view.allowed {
                    bump("allowed views");
                }
            }
            r.workspaces_of(u);
        }
        // the longest parent chain the store holds (P(X) steps)
        let mut longest = 0;
        for x in &r.store {
            let mut n = 0;
            let mut cur = r.parent_record_of(x);
            while let Some(p) = cur {
                n += 1;
                cur = r.parent_record_of(p);
            }
            longest = longest.max(n);
        }
        if longest >= 2 {
            bump("parent chains of 2+");
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!("v2 reference on {cases} generated v2 models in {:.1?}", start.elapsed());
    let seen = SEEN.lock().unwrap();
    for (k, n) in seen.iter() {
        eprintln!("  {k:<24} {n}");
    }
    for k in ["hierarchy false", "controlledByParent", "auditors", "contactModule", "sharedWith", "allowed views", "parent chains of 2+"] {
        assert!(seen.get(k).copied().unwrap_or(0) > 0, "the v2 generator never produced: {k}");
    }
}
