//! The JavaScript binding: the wasm-bindgen class the package's JS layer
//! (`js/engine.js`) calls, and the conversion of answers and errors to JS.
//!
//! Inputs are plain data only: the JS layer reads and checks the caller's
//! objects first (once, in JavaScript), then passes strings (ids, JSON text it
//! wrote from its own snapshot, or the caller's JSON text once checked),
//! numbers, or arrays of strings it built. So no caller code (getter, Proxy,
//! `toJSON`) ever runs while Rust is on the stack, and a caller's exception
//! can never leave an engine borrowed. The Rust parser still checks every
//! input fully (and has a depth limit).
//!
//! Outputs: the hot calls answer with one number (a verdict code, or a packed
//! decision whose reasons are written into the scratch area; see
//! `LAYOUT.decision`). Other plain values (decisions on the strict path, id
//! lists, id tables, problems, the encoding layout) go through
//! serde-wasm-bindgen; objects with caller-chosen
//! keys (field maps, masked records) come back through `JSON.parse`, so a key
//! like `__proto__` stays an ordinary property.
//!
//! Nothing here may panic or throw from inside Rust: every failure is returned
//! as a JS `Error` with `code` and `problems`, so an Engine stays usable after
//! any bad call.

use crate::encoded::LAYOUT;
use crate::{Engine, Error, ErrorKind, RecordRef};
use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::prelude::*;

#[cfg(feature = "full")]
#[wasm_bindgen(typescript_custom_section)]
const SLICE_TS: &'static str = r#"
/** Options of `sliceFor`. */
export interface SliceOptions {
  /** `true`: the slice as JSON text (what a server sends as it is), not an object. */
  json?: boolean;
}
export interface Engine {
  /**
   * The user's slice of the model (issue 13): a model that `new Engine(slice)`
   * accepts and whose engine answers every query about this user as this one
   * does, holding only what those answers read (see the README, "Sending each
   * user their slice"). It refuses queries about any other user.
   */
  sliceFor(user: string, options?: { json?: false }): Model;
  sliceFor(user: string, options: { json: true }): string;
  sliceFor(user: string, options?: SliceOptions): Model | string;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const TS_EXTRA: &'static str = r#"
/** A record argument: a record object, or the id of a stored record. */
export type RecordArg = CrmRecord | string;
/** What a user may do with each field of a module. */
export type FieldAccessMap = { [field: string]: FieldLevel };
/** The error thrown for bad input: `message` sums up, `problems` lists each one with its path. */
/**
 * Every error the package throws: `message` sums up, `problems` lists each one
 * with its path. `code` is an `ErrorKind`, or one of the JS layer's own codes:
 * `engine-freed` (the engine was freed), `engine-lost` (its WebAssembly
 * instance failed and was replaced: make a new Engine), `out-of-memory`.
 */
export interface CrmAccessError extends Error { code: ErrorKind | "engine-freed" | "engine-lost" | "out-of-memory" | "not-in-this-build"; problems: Problem[] }
/** A record `filterReport` could not judge: its position, the object given, its problems. */
export interface RejectedRecord<R = CrmRecord> { index: number; record: R; problems: Problem[] }
/** What `filterReport` returns. */
export interface FilterReport<R = CrmRecord> { allowed: R[]; rejected: RejectedRecord<R>[] }
/**
 * A list of stored records prepared for many questions: rows are addressed by
 * their position in the ids given to `Engine.prepare`. Answers are always the
 * same as asking the engine by id; removing records makes the list look its
 * ids up again.
 */
export interface StoredRecords {
  /** How many ids the list holds. */
  readonly length: number;
  /** The id in row `row`. */
  id(row: number): string;
  /** `engine.can(user, action, ids[row])`. */
  can(user: string, action: Action, row: number): boolean;
  /** `engine.decide(user, action, ids[row])`. */
  decide(user: string, action: Action, row: number): Decision;
}
export interface Engine {
  /** The full decision: `{ allowed, access, readOnly, reasons }`. */
  decide(user: string, action: Action, record: RecordArg): Decision;
  /** `decide(...).allowed`, without building the explanation. */
  can(user: string, action: Action, record: RecordArg): boolean;
  /** The records the user may act on (`view` by default): the very objects given, in their order. */
  filter(user: string, records: CrmRecord[], action?: Action): CrmRecord[];
  /**
   * `filter` that reports instead of throwing for the whole list: the records
   * it cannot judge (one naming an unknown user, say) are listed in `rejected`
   * with their problems; `allowed` holds the very objects given, in their order.
   * An unknown `user` or action still throws.
   */
  filterReport<R extends CrmRecord>(user: string, records: R[], action?: Action): FilterReport<R>;
  /** Ids of the stored records the user may act on (`view` by default), sorted. */
  filterStored(user: string, action?: Action): string[];
  /** A copy of the record whose `fields` keep only what the user may see. */
  mask(user: string, record: RecordArg): CrmRecord;
  /** Prepares stored records, by id, for many `can` questions (an extension of the SPEC API). */
  prepare(ids: string[]): StoredRecords;
  /** May the user add `sharedWith` entries to the record (active, not read-only, internal, and admin or full access)? */
  canShare(user: string, record: RecordArg): boolean;
  /** The module's field map for one record: all hidden when the user may not view it, editable → readOnly when they may not edit it. */
  recordFieldAccess(user: string, record: RecordArg): FieldAccessMap;
  /** May the user save `after` (the whole record as it will be stored, same id and module) over `before`? */
  decideUpdate(user: string, before: RecordArg, after: CrmRecord): UpdateDecision;
}
"#;

#[cfg(feature = "full")]
#[wasm_bindgen(typescript_custom_section)]
const TS_FULL: &'static str = r#"
export interface Engine {
  /**
   * What a batch of changes would do, without applying it: each (user, stored
   * record, action) whose answer differs, sorted, at most `options.limit`
   * (1,000 by default), with complete counts per user and per module.
   */
  impact(changes: Change[] | string, options?: ImpactOptions | null): Impact;
  /** Every user allowed the action (view, edit, delete) on the record, with their access, sorted by user id. */
  whoCan(action: Action, record: RecordArg): WhoCan[];
  /** The decision, the path of every grant at the winning level, and for a denial the model changes that would allow it. */
  explain(user: string, action: Action, record: RecordArg): Explanation;
}
"#;

/// Converts an engine error into a JS `Error` carrying `.code` and `.problems`.
fn to_js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    // Fixed keys on a fresh Error: these sets cannot fail. `problems` goes
    // through serde (plain objects with `path`, `message`, optional `help`).
    let problems = serde_wasm_bindgen::to_value(&e.problems).unwrap_or_else(|_| Array::new().into());
    let _ = Reflect::set(&err, &JsValue::from_str("problems"), &problems);
    let _ = Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(e.kind.code()));
    err.into()
}

fn input_error(path: &str, message: String) -> JsValue {
    to_js_error(Error::single(ErrorKind::InvalidInput, path, message))
}

/// A plain value (decision, list of ids) as a JS value, by serde. Objects with
/// caller-chosen keys (field maps, masked records) go through `JSON.parse`
/// instead, so that a key like `__proto__` stays an ordinary property.
fn to_js<T: serde::Serialize + ?Sized>(v: &T) -> Result<JsValue, JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| input_error("", format!("internal: cannot convert the answer: {e}")))
}

fn parse_json(text: &str) -> Result<JsValue, JsValue> {
    JSON::parse(text).map_err(|_| input_error("", "internal: output was not JSON".into()))
}

/// The permission engine, as the package's JS layer (`js/engine.js`) calls it.
///
/// Every argument is plain data the JS layer has already read and checked:
/// strings (ids, JSON text it wrote itself from its own snapshot of the
/// caller's objects), numbers, or an array of strings it built. No caller
/// object, getter, Proxy or `toJSON` ever runs while this code is on the stack.
#[wasm_bindgen(js_name = Engine)]
pub struct JsEngine {
    inner: Engine,
    /// Where the JS layer writes encoded records and their strings before a
    /// call, so that the hot calls pass no array or string through the glue
    /// (which would allocate and copy inside wasm on every call).
    scratch_codes: Vec<u32>,
    scratch_bytes: Vec<u8>,
}

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    /// Validates the whole model and builds the engine. Throws an Error whose
    /// `problems` lists every problem found, each with its JSON path.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "Model | string")] model: &str) -> Result<JsEngine, JsValue> {
        Engine::new(model).map(|inner| JsEngine { inner, scratch_codes: Vec::new(), scratch_bytes: Vec::new() }).map_err(to_js_error)
    }

    /// Stores records (all or nothing); a stored id is replaced.
    #[wasm_bindgen(js_name = putRecords)]
    pub fn put_records(&mut self, #[wasm_bindgen(unchecked_param_type = "CrmRecord[] | string")] records: &str) -> Result<(), JsValue> {
        self.inner.put_records(records).map_err(to_js_error)
    }

    /// Removes stored records; unknown ids are ignored.
    #[wasm_bindgen(js_name = removeRecords)]
    pub fn remove_records(&mut self, #[wasm_bindgen(unchecked_param_type = "string[]")] ids: JsValue) -> Result<(), JsValue> {
        let list: Vec<String> = serde_wasm_bindgen::from_value(ids).map_err(|e| input_error("ids", format!("expected an array of strings: {e}")))?;
        self.inner.remove_records(&list);
        Ok(())
    }

    /// Applies a batch of changes (issue 12) in order, atomically: on any
    /// problem nothing changes and the error lists every problem with its
    /// path (`changes[3].value.role`).
    #[cfg(feature = "full")]
    pub fn apply(&mut self, #[wasm_bindgen(unchecked_param_type = "Change[] | string")] changes: &str) -> Result<(), JsValue> {
        self.inner.apply_json(changes).map_err(to_js_error)
    }

    /// What a batch of changes would do, without applying it: every (user,
    /// stored record, action) whose answer differs, with counts per user and
    /// per module.
    #[cfg(feature = "full")]
    #[wasm_bindgen(skip_typescript)]
    pub fn impact(&self, changes: &str, options: Option<String>) -> Result<JsValue, JsValue> {
        let out = self.inner.impact_json(changes, options.as_deref()).map_err(to_js_error)?;
        to_js(&out)
    }

    /// The number of stored records.
    #[wasm_bindgen(js_name = recordCount)]
    pub fn record_count(&self) -> usize {
        self.inner.record_count()
    }

    /// `decide` for a stored record id (`json` false) or a record as JSON text.
    #[wasm_bindgen(js_name = decideRecord, skip_typescript)]
    pub fn decide_record(&self, user: &str, action: &str, record: &str, json: bool) -> Result<JsValue, JsValue> {
        let d = self.inner.decide(user, action, record_ref(record, json)).map_err(to_js_error)?;
        to_js(&d)
    }

    /// `can` for a stored record id (`json` false) or a record as JSON text.
    #[wasm_bindgen(js_name = canRecord, skip_typescript)]
    pub fn can_record(&self, user: &str, action: &str, record: &str, json: bool) -> Result<bool, JsValue> {
        self.inner.can(user, action, record_ref(record, json)).map_err(to_js_error)
    }

    /// `mask` for a stored record id (`json` false) or a record as JSON text.
    #[wasm_bindgen(js_name = maskRecord, skip_typescript)]
    pub fn mask_record(&self, user: &str, record: &str, json: bool) -> Result<JsValue, JsValue> {
        let out = self.inner.mask(user, record_ref(record, json)).map_err(to_js_error)?;
        parse_json(&out.to_string())
    }

    /// For records as a JSON array, one byte per record: 1 when allowed.
    #[wasm_bindgen(js_name = filterJson, skip_typescript)]
    pub fn filter_json(&self, user: &str, records: &str, action: Option<String>) -> Result<Vec<u8>, JsValue> {
        let keep = self.inner.filter(user, records, action.as_deref()).map_err(to_js_error)?;
        Ok(keep.into_iter().map(u8::from).collect())
    }

    /// `filterReport`: for records as a JSON array, one entry per record:
    /// `true`/`false` (allowed), or the record's problems.
    #[wasm_bindgen(js_name = filterReportJson, skip_typescript)]
    pub fn filter_report_json(&self, user: &str, records: &str, action: Option<String>) -> Result<JsValue, JsValue> {
        #[derive(serde::Serialize)]
        #[serde(untagged)]
        enum Item {
            Judged(bool),
            Rejected(Vec<crate::Problem>),
        }
        let out = self.inner.filter_report(user, records, action.as_deref()).map_err(to_js_error)?;
        let items: Vec<Item> = out.into_iter().map(|r| r.map_or_else(Item::Rejected, Item::Judged)).collect();
        to_js(&items)
    }

    /// Ids of the stored records the user may act on (`view` by default), sorted.
    #[wasm_bindgen(js_name = filterStored, skip_typescript)]
    pub fn filter_stored(&self, user: &str, action: Option<String>) -> Result<JsValue, JsValue> {
        let ids = self.inner.filter_stored(user, action.as_deref()).map_err(to_js_error)?;
        to_js(&ids)
    }

    /// `{ field: "hidden" | "readOnly" | "editable" }` for every declared field.
    #[wasm_bindgen(js_name = fieldAccess, unchecked_return_type = "FieldAccessMap")]
    pub fn field_access(&self, user: &str, module: &str) -> Result<JsValue, JsValue> {
        let list = self.inner.field_access(user, module).map_err(to_js_error)?;
        field_map(list)
    }

    /// `canShare` for a stored record id (`json` false) or a record as JSON text.
    #[wasm_bindgen(js_name = canShareRecord, skip_typescript)]
    pub fn can_share_record(&self, user: &str, record: &str, json: bool) -> Result<bool, JsValue> {
        self.inner.can_share(user, record_ref(record, json)).map_err(to_js_error)
    }

    /// `recordFieldAccess` for a stored record id (`json` false) or a record as JSON text.
    #[wasm_bindgen(js_name = recordFieldAccessRecord, skip_typescript)]
    pub fn record_field_access_record(&self, user: &str, record: &str, json: bool) -> Result<JsValue, JsValue> {
        let list = self.inner.record_field_access(user, record_ref(record, json)).map_err(to_js_error)?;
        field_map(list)
    }

    /// `decideUpdate` for `before` as a stored record id (`before_json` false)
    /// or JSON text, and `after` as JSON text.
    #[wasm_bindgen(js_name = decideUpdateRecords, skip_typescript)]
    pub fn decide_update_records(&self, user: &str, before: &str, before_json: bool, after: &str) -> Result<JsValue, JsValue> {
        let d = self.inner.decide_update(user, record_ref(before, before_json), RecordRef::Json(after)).map_err(to_js_error)?;
        to_js(&d)
    }

    /// `whoCan` for a stored record id (`json` false) or a record as JSON
    /// text: (user index, access 1-3) pairs, in user id order.
    #[cfg(feature = "full")]
    #[wasm_bindgen(js_name = whoCanRecord, skip_typescript)]
    pub fn who_can_record(&self, action: &str, record: &str, json: bool) -> Result<Vec<u32>, JsValue> {
        let list = self.inner.who_can_ix(action, record_ref(record, json)).map_err(to_js_error)?;
        Ok(list.into_iter().flat_map(|(u, a)| [u, a as u32]).collect())
    }

    /// `explain` for a stored record id (`json` false) or a record as JSON
    /// text (through `JSON.parse`: suggested changes carry model keys).
    #[cfg(feature = "full")]
    #[wasm_bindgen(js_name = explainRecord, skip_typescript)]
    pub fn explain_record(&self, user: &str, action: &str, record: &str, json: bool) -> Result<JsValue, JsValue> {
        let x = self.inner.explain(user, action, record_ref(record, json)).map_err(to_js_error)?;
        parse_json(&serde_json::to_string(&x).map_err(|e| input_error("", format!("internal: {e}")))?)
    }

    /// Ids of the workspaces the user may open, sorted.
    #[wasm_bindgen(js_name = workspacesOf, unchecked_return_type = "string[]")]
    pub fn workspaces_of(&self, user: &str) -> Result<JsValue, JsValue> {
        let ids = self.inner.workspaces_of(user).map_err(to_js_error)?;
        to_js(&ids)
    }

    /// The user's access to one module as data: a `Plan` whose condition
    /// selects exactly the records `filterStored(user, action)` returns for
    /// the module (action: view, edit or delete).
    #[cfg(feature = "full")]
    #[wasm_bindgen(unchecked_return_type = "Plan")]
    pub fn plan(&self, user: &str, action: &str, module: &str) -> Result<JsValue, JsValue> {
        let plan = self.inner.plan(user, action, module).map_err(to_js_error)?;
        to_js(&plan)
    }

    /// The user's slice of the model as JSON text (issue 13); the JS layer's
    /// `sliceFor` parses it unless asked for the text. Typed in `SLICE_TS`.
    #[cfg(feature = "full")]
    #[wasm_bindgen(js_name = sliceFor, skip_typescript)]
    pub fn slice_for(&self, user: &str) -> Result<String, JsValue> {
        self.inner.slice_for(user).map_err(to_js_error)
    }

    /// Ids of the active users this user may see in a people picker, sorted.
    #[wasm_bindgen(js_name = visibleUsers, unchecked_return_type = "string[]")]
    pub fn visible_users(&self, user: &str) -> Result<JsValue, JsValue> {
        let ids = self.inner.visible_users(user).map_err(to_js_error)?;
        to_js(&ids)
    }

    /// May the user invite people into this workspace?
    #[wasm_bindgen(js_name = canInvite)]
    pub fn can_invite(&self, user: &str, workspace: &str) -> Result<bool, JsValue> {
        self.inner.can_invite(user, workspace).map_err(to_js_error)
    }

    /// May the user create workspaces?
    #[wasm_bindgen(js_name = canCreateWorkspace)]
    pub fn can_create_workspace(&self, user: &str) -> Result<bool, JsValue> {
        self.inner.can_create_workspace(user).map_err(to_js_error)
    }

    /// May the user give external people access?
    #[wasm_bindgen(js_name = canGrantAccess)]
    pub fn can_grant_access(&self, user: &str) -> Result<bool, JsValue> {
        self.inner.can_grant_access(user).map_err(to_js_error)
    }
}

/// A field map as a JS object. Field names are chosen by the model's author:
/// JSON.parse, not serde (which would set `__proto__` through the setter).
fn field_map(list: Vec<(String, crate::FieldLevel)>) -> Result<JsValue, JsValue> {
    let map: serde_json::Map<String, serde_json::Value> = list.into_iter().map(|(k, v)| (k, serde_json::to_value(v).unwrap_or_default())).collect();
    parse_json(&serde_json::Value::Object(map).to_string())
}

/// Types of the change notification, which lives in the JS layer only
/// (`js/engine.js`: `version`, `subscribe`); merged into the Engine class.
#[wasm_bindgen(typescript_custom_section)]
const TS_SUBSCRIBE: &'static str = r#"
export interface Engine {
  /**
   * Counts the changes since the engine was made (records put or removed, the
   * model changed, the engine freed): 0 at first, one more after each change
   * that succeeded. For `useSyncExternalStore` and other caches.
   */
  readonly version: number;
  /**
   * Calls `listener()` after every change that succeeded (once `version` has
   * gone up). Returns the function that stops it. A listener that throws is
   * reported (`reportError` or `console.error`), never thrown at the caller of
   * the change, and the other listeners still run.
   */
  subscribe(listener: () => void): () => void;
}
"#;

/// The version of the contract (`SPEC.md`) this engine implements.
#[wasm_bindgen(js_name = contractVersion, skip_typescript)]
pub fn contract_version() -> u32 {
    crate::CONTRACT_VERSION
}

/// Every reason code a decision can give (`REASON_CODES`, in the order of the
/// enum): the demo's plain-words explanations are checked against it.
#[wasm_bindgen(js_name = reasonCodes)]
pub fn reason_codes() -> Vec<String> {
    crate::REASON_CODES.iter().map(ToString::to_string).collect()
}

fn record_ref(record: &str, json: bool) -> RecordRef<'_> {
    if json {
        RecordRef::Json(record)
    } else {
        RecordRef::Id(record)
    }
}

/// The internal fast path used by the package's JS layer (`js/engine.js`):
/// users and actions by index, records by the ids-based encoding. Not part of
/// the public API, so left out of the TypeScript declarations.
#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    #[wasm_bindgen(js_name = idTables, skip_typescript)]
    pub fn id_tables(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.indexed().id_tables())
    }

    #[wasm_bindgen(js_name = decideAt, skip_typescript)]
    pub fn decide_at(&self, ui: u32, action: u8, id: &str) -> Result<JsValue, JsValue> {
        let d = self.inner.indexed().decide_stored_at(ui, action_of(action)?, id).map_err(to_js_error)?;
        to_js(&d)
    }

    /// Makes room for `words` encoded words; returns their address in wasm memory.
    #[wasm_bindgen(js_name = scratchCodes, skip_typescript)]
    pub fn scratch_codes(&mut self, words: u32) -> u32 {
        if self.scratch_codes.len() < words as usize {
            self.scratch_codes.resize(words as usize, 0);
        }
        self.scratch_codes.as_ptr() as u32
    }

    /// Makes room for `len` bytes of strings; returns their address in wasm memory.
    #[wasm_bindgen(js_name = scratchBytes, skip_typescript)]
    pub fn scratch_bytes(&mut self, len: u32) -> u32 {
        if self.scratch_bytes.len() < len as usize {
            self.scratch_bytes.resize(len as usize, 0);
        }
        self.scratch_bytes.as_ptr() as u32
    }

    fn scratch(&self, words: u32, bytes: u32) -> Result<(&[u32], &str), JsValue> {
        let codes = self.scratch_codes.get(..words as usize).ok_or_else(|| input_error("codes", "more words than the scratch area holds".into()))?;
        let bytes = self.scratch_bytes.get(..bytes as usize).ok_or_else(|| input_error("strings", "more bytes than the scratch area holds".into()))?;
        let text = std::str::from_utf8(bytes).map_err(|_| input_error("strings", "not UTF-8".into()))?;
        Ok((codes, text))
    }

    /// `can` for a stored record whose id the JS layer wrote into the scratch
    /// bytes, answered as a [`Verdict`] code (this call never throws).
    #[wasm_bindgen(js_name = canStoredScratch, skip_typescript)]
    pub fn can_stored_scratch(&self, ui: u32, action: u8, bytes: u32) -> u32 {
        let Ok((_, id)) = self.scratch(0, bytes) else { return Verdict::ASK_STRICT };
        let Some(a) = verdict_action(action) else { return Verdict::ASK_STRICT };
        Verdict::of(self.inner.indexed().can_stored_at(ui, *a, id))
    }

    /// `can` for one record the JS layer encoded into the scratch area, as a
    /// [`Verdict`] code (this call never throws).
    #[wasm_bindgen(js_name = canScratch, skip_typescript)]
    pub fn can_scratch(&self, ui: u32, action: u8, words: u32, bytes: u32) -> u32 {
        let Ok((codes, strings)) = self.scratch(words, bytes) else { return Verdict::ASK_STRICT };
        let Some(a) = verdict_action(action) else { return Verdict::ASK_STRICT };
        Verdict::of(self.inner.indexed().can_encoded(ui, *a, codes, strings))
    }

    #[wasm_bindgen(js_name = filterScratch, skip_typescript)]
    pub fn filter_scratch(&self, ui: u32, action: u8, words: u32, bytes: u32) -> Result<Vec<u8>, JsValue> {
        let (codes, strings) = self.scratch(words, bytes)?;
        self.inner.indexed().filter_encoded(ui, action_of(action)?, codes, strings).map_err(to_js_error)
    }

    #[wasm_bindgen(js_name = decideScratch, skip_typescript)]
    pub fn decide_scratch(&self, ui: u32, action: u8, words: u32, bytes: u32) -> Result<JsValue, JsValue> {
        let (codes, strings) = self.scratch(words, bytes)?;
        let d = self.inner.indexed().decide_encoded(ui, action_of(action)?, codes, strings).map_err(to_js_error)?;
        to_js(&d)
    }

    /// `decide` for one record the JS layer encoded into the scratch area,
    /// packed as `LAYOUT.decision` describes (this call never throws).
    #[wasm_bindgen(js_name = decideScratchPacked, skip_typescript)]
    pub fn decide_scratch_packed(&mut self, ui: u32, action: u8, words: u32, bytes: u32) -> u32 {
        let d = {
            let Ok((codes, strings)) = self.scratch(words, bytes) else { return LAYOUT.decision.ask };
            let Some(a) = verdict_action(action) else { return LAYOUT.decision.ask };
            match self.inner.indexed().decide_encoded(ui, *a, codes, strings) {
                Ok(d) => d,
                Err(_) => return LAYOUT.decision.ask,
            }
        };
        self.put_decision(&d)
    }

    /// `decide` for a stored record whose id the JS layer wrote into the
    /// scratch bytes, packed as `LAYOUT.decision` describes (never throws).
    #[wasm_bindgen(js_name = decideStoredScratch, skip_typescript)]
    pub fn decide_stored_scratch(&mut self, ui: u32, action: u8, bytes: u32) -> u32 {
        let d = {
            let Ok((_, id)) = self.scratch(0, bytes) else { return LAYOUT.decision.ask };
            let Some(a) = verdict_action(action) else { return LAYOUT.decision.ask };
            match self.inner.indexed().decide_stored_at(ui, *a, id) {
                Ok(d) => d,
                Err(_) => return LAYOUT.decision.ask,
            }
        };
        self.put_decision(&d)
    }

    /// Writes a decision's reasons into the scratch area and packs the rest
    /// (`LAYOUT.decision`). Nothing is written when they do not fit: then the
    /// answer is `ask`, and the scratch area still holds the question.
    fn put_decision(&mut self, d: &crate::Decision) -> u32 {
        let l = &LAYOUT.decision;
        let n = d.reasons.len();
        let arg_bytes: usize = d.reasons.iter().map(|r| r.arg().map_or(0, str::len)).sum();
        if n > self.scratch_codes.len() || n >= 1 << 20 || arg_bytes > self.scratch_bytes.len() || arg_bytes >= 1 << 22 {
            return l.ask;
        }
        let mut at = 0;
        for (word, r) in self.scratch_codes.iter_mut().zip(&d.reasons) {
            *word = r.code_index() as u32;
            if let Some(arg) = r.arg() {
                self.scratch_bytes[at..at + arg.len()].copy_from_slice(arg.as_bytes());
                at += arg.len();
                *word |= l.arg_flag | (arg.len() as u32) << l.arg_len_shift;
            }
        }
        let access = match d.access {
            crate::Access::None => 0,
            crate::Access::Read => 1,
            crate::Access::Write => 2,
            crate::Access::Full => 3,
        };
        u32::from(d.allowed) | access << 1 | u32::from(d.read_only) << 3 | (n as u32) << l.count_shift
    }

    /// The store's removal count (see [`Engine::store_epoch`]), as a JS number.
    #[wasm_bindgen(js_name = storeEpoch, skip_typescript)]
    pub fn store_epoch(&self) -> f64 {
        self.inner.indexed().store_epoch() as f64
    }

    /// The slots of stored record ids (an array of strings the JS layer
    /// built; [`crate::ENCODED_NONE`]: not stored).
    #[wasm_bindgen(js_name = slotsOf, skip_typescript)]
    pub fn slots_of(&self, ids: JsValue) -> Result<Vec<u32>, JsValue> {
        let ids: Vec<String> = serde_wasm_bindgen::from_value(ids).map_err(|e| input_error("ids", format!("expected an array of record ids: {e}")))?;
        Ok(self.inner.indexed().slots_of(&ids))
    }

    /// `can` for a record slot from `slotsOf`, as a [`Verdict`] code (never throws).
    #[wasm_bindgen(js_name = canSlot, skip_typescript)]
    pub fn can_slot(&self, ui: u32, action: u8, slot: u32, epoch: f64) -> u32 {
        let Some(a) = verdict_action(action) else { return Verdict::ASK_STRICT };
        if !(epoch >= 0.0 && epoch.fract() == 0.0) {
            return Verdict::ASK_STRICT;
        }
        Verdict::of(self.inner.indexed().can_slot(ui, *a, slot, epoch as u64))
    }

    #[wasm_bindgen(js_name = storedIds, skip_typescript)]
    pub fn stored_ids(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.indexed().stored_ids())
    }

    #[wasm_bindgen(js_name = storedMask, skip_typescript)]
    pub fn stored_mask(&self, ui: u32, action: u8) -> Result<Vec<u8>, JsValue> {
        self.inner.indexed().stored_mask_at(ui, action_of(action)?).map_err(to_js_error)
    }
}

/// The answer of a hot `can` call as one integer: a call that returns a plain
/// number is the cheapest kind of call into wasm (a `Result` comes back as an
/// array, and an error as a thrown object). On `AskStrict` the JS layer asks
/// again through the strict path, which answers or throws the proper error.
/// The answer of a hot `can` call as one integer (see `LAYOUT.verdicts`): a
/// call that returns a plain number is the cheapest kind of call into wasm (a
/// `Result` comes back as an array, and an error as a thrown object). On
/// `askStrict` the JS layer asks again through the strict path, which answers
/// or throws the proper error.
struct Verdict;

impl Verdict {
    const ASK_STRICT: u32 = LAYOUT.verdicts.ask_strict;
    fn of(r: Result<bool, Error>) -> u32 {
        match r {
            Ok(false) => LAYOUT.verdicts.denied,
            Ok(true) => LAYOUT.verdicts.allowed,
            Err(_) => LAYOUT.verdicts.ask_strict,
        }
    }
}

/// The action with code `a`, for the verdict calls (which answer `AskStrict` without one).
fn verdict_action(a: u8) -> Option<&'static crate::Action> {
    crate::Action::ALL.get(a as usize)
}

fn action_of(a: u8) -> Result<crate::Action, JsValue> {
    verdict_action(a).copied().ok_or_else(|| input_error("action", format!("action code {a} out of range")))
}

/// How records are encoded for the fast path (see `src/encoded.rs`): the JS
/// layer reads this once when it starts and keeps no copy of the constants.
#[wasm_bindgen(js_name = encodingLayout, skip_typescript)]
pub fn encoding_layout() -> Result<JsValue, JsValue> {
    to_js(&LAYOUT)
}

/// The module's linear memory (the JS layer writes encoded records into it).
#[wasm_bindgen(js_name = wasmMemory, skip_typescript)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Bytes of linear memory the module currently holds (for memory tests and benchmarks).
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().map(|b| b.byte_length() as f64).unwrap_or(0.0))
        .unwrap_or(0.0)
}
