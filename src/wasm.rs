//! The JavaScript binding: a thin layer that turns JS values into the inputs of
//! [`crate::Engine`] and its answers (and errors) back into JS values.
//!
//! Inputs cross the boundary as JSON text (`JSON.stringify` on the JS side of
//! the call), which is both the fastest path for large objects and the safest:
//! cycles, BigInts and functions are refused by `JSON.stringify` itself, and the
//! Rust parser has a depth limit. Outputs with caller-chosen keys (field maps,
//! masked records) come back through `JSON.parse`, so a key like `__proto__`
//! stays an ordinary property.
//!
//! Nothing here may panic or throw from inside Rust: every failure is returned
//! as a JS `Error`, so an Engine stays usable after any bad call.

use crate::{Engine, Error, ErrorKind, RecordRef};
use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_EXTRA: &'static str = r#"
/** A record argument: a record object, or the id of a stored record. */
export type RecordArg = CrmRecord | string;
/** What a user may do with each field of a module. */
export type FieldAccessMap = { [field: string]: FieldLevel };
/** The error thrown for bad input: `message` sums up, `problems` lists each one with its path. */
export interface CrmAccessError extends Error { code: ErrorKind; problems: Problem[] }
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
  /** Prepares stored records, by id, for many `can` questions (an extension of the SPEC API). */
  prepare(ids: string[]): StoredRecords;
}
"#;

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Only fixed, known keys are set this way; it cannot fail on a fresh object.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// Converts an engine error into a JS `Error` carrying `.problems`.
fn to_js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    let problems = Array::new();
    for p in &e.problems {
        let o = Object::new();
        set(&o, "path", &JsValue::from_str(&p.path));
        set(&o, "message", &JsValue::from_str(&p.message));
        if let Some(h) = &p.help {
            set(&o, "help", &JsValue::from_str(h));
        }
        problems.push(&o);
    }
    set(&err, "problems", &problems);
    set(&err, "code", &JsValue::from_str(e.kind.code()));
    err.into()
}

fn input_error(path: &str, message: String) -> JsValue {
    to_js_error(Error::single(ErrorKind::InvalidInput, path, message))
}

fn describe(v: &JsValue) -> &'static str {
    if v.is_null() {
        "null"
    } else if v.is_undefined() {
        "undefined"
    } else if v.is_string() {
        "a string"
    } else if Array::is_array(v) {
        "an array"
    } else if v.is_object() {
        "an object"
    } else if v.as_f64().is_some() {
        "a number"
    } else if v.as_bool().is_some() {
        "a boolean"
    } else {
        "a value of another type"
    }
}

/// JSON text for an object or array argument (a string is taken as JSON text).
fn json_text(v: &JsValue, path: &str, want_array: bool) -> Result<String, JsValue> {
    if let Some(s) = v.as_string() {
        return Ok(s);
    }
    let ok_shape = if want_array { Array::is_array(v) } else { v.is_object() && !Array::is_array(v) };
    if !ok_shape {
        let want = if want_array { "an array" } else { "an object" };
        return Err(input_error(path, format!("expected {want} or JSON text, got {}", describe(v))));
    }
    let text = JSON::stringify(v).map_err(|e| {
        let why = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| "it cannot be written as JSON".into());
        input_error(path, format!("cannot be read as JSON: {why}"))
    })?;
    text.as_string().ok_or_else(|| input_error(path, "cannot be read as JSON".into()))
}

fn str_arg(v: &JsValue, path: &str) -> Result<String, JsValue> {
    v.as_string().ok_or_else(|| input_error(path, format!("expected a string, got {}", describe(v))))
}

/// An optional string argument: `undefined` or `null` mean "not given".
fn opt_str_arg(v: &JsValue, path: &str) -> Result<Option<String>, JsValue> {
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        str_arg(v, path).map(Some)
    }
}

fn parse_json(text: &str) -> Result<JsValue, JsValue> {
    JSON::parse(text).map_err(|_| input_error("", "internal: output was not JSON".into()))
}

/// The permission engine. Build it from a model; ask it about users and records.
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
    pub fn new(#[wasm_bindgen(unchecked_param_type = "Model | string")] model: JsValue) -> Result<JsEngine, JsValue> {
        let text = json_text(&model, "", false)?;
        Engine::new(&text).map(|inner| JsEngine { inner, scratch_codes: Vec::new(), scratch_bytes: Vec::new() }).map_err(to_js_error)
    }

    /// Stores records (all or nothing); a stored id is replaced.
    #[wasm_bindgen(js_name = putRecords)]
    pub fn put_records(&mut self, #[wasm_bindgen(unchecked_param_type = "CrmRecord[] | string")] records: JsValue) -> Result<(), JsValue> {
        let text = json_text(&records, "records", true)?;
        self.inner.put_records(&text).map_err(to_js_error)
    }

    /// Removes stored records; unknown ids are ignored.
    #[wasm_bindgen(js_name = removeRecords)]
    pub fn remove_records(&mut self, #[wasm_bindgen(unchecked_param_type = "string[]")] ids: JsValue) -> Result<(), JsValue> {
        if !Array::is_array(&ids) {
            return Err(input_error("ids", format!("expected an array of strings, got {}", describe(&ids))));
        }
        let arr = Array::from(&ids);
        let mut list = Vec::with_capacity(arr.length() as usize);
        for (i, v) in arr.iter().enumerate() {
            list.push(str_arg(&v, &format!("ids[{i}]"))?);
        }
        self.inner.remove_records(&list);
        Ok(())
    }

    /// The number of stored records.
    #[wasm_bindgen(js_name = recordCount)]
    pub fn record_count(&self) -> usize {
        self.inner.record_count()
    }

    /// The full decision: `{ allowed, access, readOnly, reasons }`.
    #[wasm_bindgen(unchecked_return_type = "Decision")]
    pub fn decide(
        &self,
        user: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Action")] action: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RecordArg")] record: JsValue,
    ) -> Result<JsValue, JsValue> {
        let user = str_arg(&user, "user")?;
        let action = str_arg(&action, "action")?;
        let d = with_record(&record, |r| self.inner.decide(&user, &action, r))?;
        let o = Object::new();
        set(&o, "allowed", &JsValue::from_bool(d.allowed));
        set(&o, "access", &JsValue::from_str(d.access.as_str()));
        set(&o, "readOnly", &JsValue::from_bool(d.read_only));
        let reasons = Array::new();
        for r in &d.reasons {
            reasons.push(&JsValue::from_str(&r.to_string()));
        }
        set(&o, "reasons", &reasons);
        Ok(o.into())
    }

    /// `decide(...).allowed`, without building the explanation.
    pub fn can(
        &self,
        user: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Action")] action: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RecordArg")] record: JsValue,
    ) -> Result<bool, JsValue> {
        let user = str_arg(&user, "user")?;
        let action = str_arg(&action, "action")?;
        with_record(&record, |r| self.inner.can(&user, &action, r))
    }

    /// The records the user may act on (`view` by default): the very objects
    /// given, in their order.
    #[wasm_bindgen(unchecked_return_type = "CrmRecord[]")]
    pub fn filter(
        &self,
        user: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CrmRecord[]")] records: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Action")] action: JsValue,
    ) -> Result<Array, JsValue> {
        let user = str_arg(&user, "user")?;
        let action = opt_str_arg(&action, "action")?;
        if !Array::is_array(&records) {
            return Err(input_error("records", format!("expected an array of records, got {}", describe(&records))));
        }
        let text = json_text(&records, "records", true)?;
        let keep = self.inner.filter(&user, &text, action.as_deref()).map_err(to_js_error)?;
        let input = Array::from(&records);
        let out = Array::new();
        for (i, k) in keep.into_iter().enumerate() {
            if k {
                out.push(&input.get(i as u32));
            }
        }
        Ok(out)
    }

    /// Ids of the stored records the user may act on (`view` by default), sorted.
    #[wasm_bindgen(js_name = filterStored, unchecked_return_type = "string[]")]
    pub fn filter_stored(&self, user: JsValue, #[wasm_bindgen(unchecked_param_type = "Action")] action: JsValue) -> Result<Array, JsValue> {
        let user = str_arg(&user, "user")?;
        let action = opt_str_arg(&action, "action")?;
        let ids = self.inner.filter_stored(&user, action.as_deref()).map_err(to_js_error)?;
        Ok(ids.iter().map(|s| JsValue::from_str(s)).collect())
    }

    /// `{ field: "hidden" | "readOnly" | "editable" }` for every declared field.
    #[wasm_bindgen(js_name = fieldAccess, unchecked_return_type = "FieldAccessMap")]
    pub fn field_access(&self, user: JsValue, module: JsValue) -> Result<JsValue, JsValue> {
        let user = str_arg(&user, "user")?;
        let module = str_arg(&module, "module")?;
        let list = self.inner.field_access(&user, &module).map_err(to_js_error)?;
        let map: serde_json::Map<String, serde_json::Value> =
            list.into_iter().map(|(k, v)| (k, serde_json::Value::String(field_level_str(v).into()))).collect();
        parse_json(&serde_json::Value::Object(map).to_string())
    }

    /// A copy of the record whose `fields` keep only what the user may see.
    #[wasm_bindgen(unchecked_return_type = "CrmRecord")]
    pub fn mask(&self, user: JsValue, #[wasm_bindgen(unchecked_param_type = "RecordArg")] record: JsValue) -> Result<JsValue, JsValue> {
        let user = str_arg(&user, "user")?;
        let out = with_record(&record, |r| self.inner.mask(&user, r))?;
        parse_json(&out.to_string())
    }

    /// Ids of the active users this user may see in a people picker, sorted.
    #[wasm_bindgen(js_name = visibleUsers, unchecked_return_type = "string[]")]
    pub fn visible_users(&self, user: JsValue) -> Result<Array, JsValue> {
        let user = str_arg(&user, "user")?;
        let ids = self.inner.visible_users(&user).map_err(to_js_error)?;
        Ok(ids.iter().map(|s| JsValue::from_str(s)).collect())
    }

    /// May the user invite people into this workspace?
    #[wasm_bindgen(js_name = canInvite)]
    pub fn can_invite(&self, user: JsValue, workspace: JsValue) -> Result<bool, JsValue> {
        let user = str_arg(&user, "user")?;
        let ws = str_arg(&workspace, "workspace")?;
        self.inner.can_invite(&user, &ws).map_err(to_js_error)
    }

    /// May the user create workspaces?
    #[wasm_bindgen(js_name = canCreateWorkspace)]
    pub fn can_create_workspace(&self, user: JsValue) -> Result<bool, JsValue> {
        let user = str_arg(&user, "user")?;
        self.inner.can_create_workspace(&user).map_err(to_js_error)
    }

    /// May the user give external people access?
    #[wasm_bindgen(js_name = canGrantAccess)]
    pub fn can_grant_access(&self, user: JsValue) -> Result<bool, JsValue> {
        let user = str_arg(&user, "user")?;
        self.inner.can_grant_access(&user).map_err(to_js_error)
    }
}

/// The internal fast path used by the package's JS layer (`js/engine.js`):
/// users and actions by index, records by the ids-based encoding. Not part of
/// the public API, so left out of the TypeScript declarations.
#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    #[wasm_bindgen(js_name = idTables, skip_typescript)]
    pub fn id_tables(&self) -> String {
        serde_json::to_string(&self.inner.indexed().id_tables()).unwrap_or_default()
    }

    #[wasm_bindgen(js_name = decideAt, skip_typescript)]
    pub fn decide_at(&self, ui: u32, action: u8, id: &str) -> Result<String, JsValue> {
        let d = self.inner.indexed().decide_stored_at(ui, action_of(action)?, id).map_err(to_js_error)?;
        Ok(serde_json::to_string(&d).unwrap_or_default())
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
        let Ok((_, id)) = self.scratch(0, bytes) else { return Verdict::AskStrict as u32 };
        let Some(a) = verdict_action(action) else { return Verdict::AskStrict as u32 };
        Verdict::of(self.inner.indexed().can_stored_at(ui, *a, id))
    }

    /// `can` for one record the JS layer encoded into the scratch area, as a
    /// [`Verdict`] code (this call never throws).
    #[wasm_bindgen(js_name = canScratch, skip_typescript)]
    pub fn can_scratch(&self, ui: u32, action: u8, words: u32, bytes: u32) -> u32 {
        let Ok((codes, strings)) = self.scratch(words, bytes) else { return Verdict::AskStrict as u32 };
        let Some(a) = verdict_action(action) else { return Verdict::AskStrict as u32 };
        Verdict::of(self.inner.indexed().can_encoded(ui, *a, codes, strings))
    }

    #[wasm_bindgen(js_name = filterScratch, skip_typescript)]
    pub fn filter_scratch(&self, ui: u32, action: u8, words: u32, bytes: u32) -> Result<Vec<u8>, JsValue> {
        let (codes, strings) = self.scratch(words, bytes)?;
        self.inner.indexed().filter_encoded(ui, action_of(action)?, codes, strings).map_err(to_js_error)
    }

    #[wasm_bindgen(js_name = decideScratch, skip_typescript)]
    pub fn decide_scratch(&self, ui: u32, action: u8, words: u32, bytes: u32) -> Result<String, JsValue> {
        let (codes, strings) = self.scratch(words, bytes)?;
        let d = self.inner.indexed().decide_encoded(ui, action_of(action)?, codes, strings).map_err(to_js_error)?;
        Ok(serde_json::to_string(&d).unwrap_or_default())
    }

    /// The store's removal count (see [`Engine::store_epoch`]), as a JS number.
    #[wasm_bindgen(js_name = storeEpoch, skip_typescript)]
    pub fn store_epoch(&self) -> f64 {
        self.inner.indexed().store_epoch() as f64
    }

    /// The slots of a JSON array of stored record ids (`0xffffffff`: not stored).
    #[wasm_bindgen(js_name = slotsOf, skip_typescript)]
    pub fn slots_of(&self, ids_json: &str) -> Result<Vec<u32>, JsValue> {
        let ids: Vec<String> = serde_json::from_str(ids_json).map_err(|e| input_error("ids", format!("expected an array of record ids: {e}")))?;
        Ok(self.inner.indexed().slots_of(&ids))
    }

    /// `can` for a record slot from `slotsOf`, as a [`Verdict`] code (never throws).
    #[wasm_bindgen(js_name = canSlot, skip_typescript)]
    pub fn can_slot(&self, ui: u32, action: u8, slot: u32, epoch: f64) -> u32 {
        let Some(a) = verdict_action(action) else { return Verdict::AskStrict as u32 };
        if !(epoch >= 0.0 && epoch.fract() == 0.0) {
            return Verdict::AskStrict as u32;
        }
        Verdict::of(self.inner.indexed().can_slot(ui, *a, slot, epoch as u64))
    }

    #[wasm_bindgen(js_name = storedIdsJson, skip_typescript)]
    pub fn stored_ids_json(&self) -> String {
        serde_json::to_string(&self.inner.indexed().stored_ids()).unwrap_or_default()
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
#[repr(u32)]
enum Verdict {
    Denied = 0,
    Allowed = 1,
    AskStrict = 2,
}

impl Verdict {
    fn of(r: Result<bool, Error>) -> u32 {
        (match r {
            Ok(false) => Verdict::Denied,
            Ok(true) => Verdict::Allowed,
            Err(_) => Verdict::AskStrict,
        }) as u32
    }
}

/// The action with code `a`, for the verdict calls (which answer `AskStrict` without one).
fn verdict_action(a: u8) -> Option<&'static crate::Action> {
    crate::Action::ALL.get(a as usize)
}

fn action_of(a: u8) -> Result<crate::Action, JsValue> {
    verdict_action(a).copied().ok_or_else(|| input_error("action", format!("action code {a} out of range")))
}

fn field_level_str(l: crate::FieldLevel) -> &'static str {
    match l {
        crate::FieldLevel::Hidden => "hidden",
        crate::FieldLevel::ReadOnly => "readOnly",
        crate::FieldLevel::Editable => "editable",
    }
}

/// Runs `f` with the record argument: a string is a stored id, an object is
/// read as JSON.
fn with_record<T>(record: &JsValue, f: impl FnOnce(RecordRef<'_>) -> Result<T, Error>) -> Result<T, JsValue> {
    if let Some(id) = record.as_string() {
        return f(RecordRef::Id(&id)).map_err(to_js_error);
    }
    let text = json_text(record, "record", false)?;
    f(RecordRef::Json(&text)).map_err(to_js_error)
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
