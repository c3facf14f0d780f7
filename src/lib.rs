//! # crm-access
//!
//! A permission engine for CRMs: role hierarchies, profiles, groups,
//! organisation-wide defaults, sharing rules with related-record sharing,
//! limited CRM and deal access, and extranet workspaces for external users.
//!
//! The core (this crate without features) is plain Rust: [`Engine`] takes the
//! model as JSON text or as a typed [`model::Model`], validates it as a whole,
//! builds its indexes once, and answers queries. The `wasm` feature adds the
//! JavaScript binding (`src/wasm.rs`), a thin layer over the same methods.
//!
//! ```
//! use crm_access::{Engine, RecordRef};
//! let engine = Engine::new(r#"{
//!   "modules": [{"name": "deals"}],
//!   "profiles": [{"id": "sales", "modules": {"deals": {"view": true, "edit": true}}}],
//!   "users": [{"id": "ann", "profiles": ["sales"]}, {"id": "bob", "profiles": ["sales"]}],
//!   "records": [{"id": "d1", "module": "deals", "owner": "ann"}]
//! }"#).unwrap();
//! assert!(engine.can("ann", "edit", RecordRef::Id("d1")).unwrap());
//! assert!(!engine.can("bob", "view", RecordRef::Id("d1")).unwrap());
//! ```

mod check;
mod compile;
mod decide;
mod encoded;
mod error;
mod level;
pub mod model;
mod store;
mod strict;

#[cfg(feature = "wasm")]
mod wasm;

pub use decide::Decision;
pub use error::{Error, ErrorKind, Problem};
pub use level::{Access, Action};
pub use model::FieldLevel;

use compile::{Compiled, Ix, Pr};
use model::{CrmRecord, InvitePolicy, Model};
use std::borrow::Cow;
use store::{Rec, Store};

/// The version of the contract (`SPEC.md`) this engine implements. The shared
/// conformance suite runs `cases/` for version 2 and `cases-v1/` for version 1.
pub const CONTRACT_VERSION: u32 = 1;

/// A record argument: the id of a stored record, a record as JSON text, or a
/// typed record.
#[derive(Debug, Clone, Copy)]
pub enum RecordRef<'a> {
    Id(&'a str),
    Json(&'a str),
    Record(&'a CrmRecord),
}

/// Ids by index, for the ids-based API ([`Engine::id_tables`]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct IdTables<'a> {
    pub users: Vec<&'a str>,
    pub groups: Vec<&'a str>,
    pub modules: Vec<&'a str>,
    pub workspaces: Vec<&'a str>,
}

pub use encoded::NONE as ENCODED_NONE;

/// The compiled model plus the record store.
pub struct Engine {
    c: Compiled,
    store: Store,
    /// Store slots in id order, computed when first needed after a change.
    sorted: std::sync::OnceLock<Vec<u32>>,
    /// Fast-path contexts of the (user, action) pairs asked about one record at
    /// a time (a UI asks for one user over and over, a server for many).
    /// Bounded: emptied when it holds [`Engine::context_limit`] entries.
    contexts: std::sync::Mutex<rustc_hash::FxHashMap<(Ix, Action), decide::FastCtx>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("modules", &self.c.modules.len())
            .field("users", &self.c.users.len())
            .field("groups", &self.c.groups.len())
            .field("sharing_rules", &self.c.rules.len())
            .field("records", &self.store.len())
            .finish()
    }
}

/// Parses JSON text into `T`: straight into the typed model on the happy path
/// (see `strict.rs`); when that fails, the structural checker walks the input
/// to list every problem with its path, not just the first one serde met.
fn parse_json<T: serde::de::DeserializeOwned>(text: &str, schema_ty: &check::Ty, root: &str, what: ErrorKind) -> Result<T, Error> {
    match strict::from_str::<T>(text) {
        Ok(v) => Ok(v),
        Err(serde_err) => {
            let value = serde_json::from_str::<serde_json::Value>(text)
                .map_err(|e| Error::from_problems(what, vec![Problem::new(root, format!("not valid JSON: {e}"))]))?;
            let mut problems = check::problems(&value, schema_ty, root);
            if problems.is_empty() {
                // The checker and the strict decoder agree (a unit test holds them
                // to it); should they ever not, the input is still refused.
                problems.push(Problem::new(root, serde_err.to_string()));
            }
            Err(Error::from_problems(what, problems))
        }
    }
}

static MODEL_TY: check::Ty = check::Ty::Obj(&check::MODEL);
static RECORD_TY: check::Ty = check::Ty::Obj(&check::RECORD);
static RECORDS_TY: check::Ty = check::Ty::List(&RECORD_TY);

impl Engine {
    #[doc(hidden)]
    pub fn indexed(&self) -> &Self {
        self
    } // TEMP until branch core lands

    /// Builds an engine from the model as JSON text.
    pub fn new(model_json: &str) -> Result<Engine, Error> {
        let model: Model = parse_json(model_json, &MODEL_TY, "", ErrorKind::InvalidModel)?;
        Self::from_model(model)
    }

    /// Builds an engine from a typed model.
    pub fn from_model(model: Model) -> Result<Engine, Error> {
        match compile::compile(model) {
            Ok((c, store)) => Ok(Engine { c, store, sorted: std::sync::OnceLock::new(), contexts: Default::default() }),
            Err(problems) => Err(Error::from_problems(ErrorKind::InvalidModel, problems)),
        }
    }

    /// Stores records given as a JSON array; all or nothing. A record whose id
    /// is already stored replaces it.
    pub fn put_records(&mut self, records_json: &str) -> Result<(), Error> {
        let records: Vec<CrmRecord> = parse_json(records_json, &RECORDS_TY, "records", ErrorKind::InvalidRecords)?;
        self.put_record_list(&records)
    }

    /// Stores typed records; all or nothing.
    pub fn put_record_list(&mut self, records: &[CrmRecord]) -> Result<(), Error> {
        let resolver = self.c.resolver();
        let mut problems = Vec::new();
        let mut batch = Vec::with_capacity(records.len());
        let mut seen = rustc_hash::FxHashMap::default();
        for (i, r) in records.iter().enumerate() {
            if let Some(rec) = resolver.record(r, &compile::RecordPath::At(i), true, &mut problems) {
                if let Some(first) = seen.insert(rec.id().map(str::to_owned), i) {
                    problems.push(Problem::new(
                        format!("records[{i}].id"),
                        format!("record id \"{}\" appears twice in this batch (first at records[{first}])", rec.id().unwrap_or("")),
                    ));
                }
                batch.push(rec);
            }
        }
        if !problems.is_empty() {
            return Err(Error::from_problems(ErrorKind::InvalidRecords, problems));
        }
        for rec in batch {
            self.store.put(rec);
        }
        self.sorted = std::sync::OnceLock::new();
        Ok(())
    }

    /// Removes stored records; ids that are not stored are ignored.
    pub fn remove_records<S: AsRef<str>>(&mut self, ids: &[S]) {
        for id in ids {
            self.store.remove(id.as_ref());
        }
        self.sorted = std::sync::OnceLock::new();
    }

    /// The number of stored records.
    pub fn record_count(&self) -> usize {
        self.store.len()
    }

    fn user(&self, id: &str) -> Result<Ix, Error> {
        match self.c.principal_ix.get(id) {
            Some(Pr::User(u)) => Ok(*u),
            Some(Pr::Group(_)) => Err(Error::single(ErrorKind::UnknownUser, "user", format!("\"{id}\" is a group, not a user"))),
            None => Err(Error::single(ErrorKind::UnknownUser, "user", format!("unknown user \"{id}\""))),
        }
    }

    fn action(s: &str) -> Result<Action, Error> {
        Action::parse(s).ok_or_else(|| {
            Error::from_problems(
                ErrorKind::UnknownAction,
                vec![Problem::new("action", format!("unknown action \"{s}\"")).with_help("use one of \"view\", \"edit\", \"delete\", \"create\"")],
            )
        })
    }

    fn module(&self, name: &str) -> Result<Ix, Error> {
        self.c.module_ix.get(name).copied().ok_or_else(|| Error::single(ErrorKind::UnknownModule, "module", format!("unknown module \"{name}\"")))
    }

    fn resolve<'s>(&'s self, record: RecordRef<'_>) -> Result<Cow<'s, Rec>, Error> {
        let typed;
        let r = match record {
            RecordRef::Id(id) => {
                return self
                    .store
                    .get(id)
                    .map(Cow::Borrowed)
                    .ok_or_else(|| Error::single(ErrorKind::UnknownRecord, "record", format!("no stored record has the id \"{id}\"")))
            }
            RecordRef::Json(text) => {
                typed = parse_json::<CrmRecord>(text, &RECORD_TY, "record", ErrorKind::InvalidRecord)?;
                &typed
            }
            RecordRef::Record(r) => r,
        };
        let mut problems = Vec::new();
        match self.c.resolver().record(r, &compile::RecordPath::Arg, false, &mut problems) {
            Some(rec) => Ok(Cow::Owned(rec)),
            None => Err(Error::from_problems(ErrorKind::InvalidRecord, problems)),
        }
    }

    /// The full decision for one user, action and record.
    pub fn decide(&self, user: &str, action: &str, record: RecordRef<'_>) -> Result<Decision, Error> {
        let u = self.user(user)?;
        let a = Self::action(action)?;
        let rec = self.resolve(record)?;
        Ok(self.c.decide(&self.store, u, a, &rec.view()))
    }

    /// Whether the action is allowed (the same answer as `decide(..).allowed`).
    pub fn can(&self, user: &str, action: &str, record: RecordRef<'_>) -> Result<bool, Error> {
        let u = self.user(user)?;
        let a = Self::action(action)?;
        let rec = self.resolve(record)?;
        Ok(self.allowed_one(u, a, &rec.view()))
    }

    /// One `allowed` answer through the cached context of (user, action).
    fn allowed_one(&self, u: Ix, a: Action, rec: &store::RecRef<'_>) -> bool {
        let mut contexts = self.contexts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !contexts.contains_key(&(u, a)) && contexts.len() >= self.context_limit() {
            contexts.clear();
        }
        let ctx = contexts.entry((u, a)).or_insert_with(|| self.c.fast_ctx(u, a));
        self.c.fast_allowed(&self.store, ctx, rec)
    }

    /// How many contexts to keep: each may hold two bits per user and group
    /// for a few modules, so keep about 8 MB of them, and between 16 and 1,024.
    fn context_limit(&self) -> usize {
        let principals = self.c.users.len() + self.c.groups.len() + 1;
        (8_000_000 * 4 / (principals * 2)).clamp(16, 1024)
    }

    /// For a JSON array of records, whether each is allowed (`view` by default).
    pub fn filter(&self, user: &str, records_json: &str, action: Option<&str>) -> Result<Vec<bool>, Error> {
        let records: Vec<CrmRecord> = parse_json(records_json, &RECORDS_TY, "records", ErrorKind::InvalidRecords)?;
        self.filter_records(user, &records, action)
    }

    /// For typed records, whether each is allowed (`view` by default).
    pub fn filter_records(&self, user: &str, records: &[CrmRecord], action: Option<&str>) -> Result<Vec<bool>, Error> {
        let u = self.user(user)?;
        let a = Self::action(action.unwrap_or("view"))?;
        let resolver = self.c.resolver();
        let mut problems = Vec::new();
        let mut out = Vec::with_capacity(records.len());
        let mut ctx = self.c.fast_ctx(u, a);
        for (i, r) in records.iter().enumerate() {
            match resolver.record(r, &compile::RecordPath::At(i), false, &mut problems) {
                Some(rec) => out.push(self.c.fast_allowed(&self.store, &mut ctx, &rec.view())),
                None => out.push(false),
            }
        }
        if !problems.is_empty() {
            return Err(Error::from_problems(ErrorKind::InvalidRecords, problems));
        }
        Ok(out)
    }

    /// Ids of the stored records the user may act on (`view` by default), sorted.
    pub fn filter_stored(&self, user: &str, action: Option<&str>) -> Result<Vec<String>, Error> {
        let u = self.user(user)?;
        let a = Self::action(action.unwrap_or("view"))?;
        Ok(self.filter_stored_at(u, a)?.into_iter().map(str::to_owned).collect())
    }

    /// `filter_stored` for the user at index `ui`.
    pub fn filter_stored_at(&self, ui: u32, action: Action) -> Result<Vec<&str>, Error> {
        let mask = self.stored_mask_at(ui, action)?;
        Ok(self.sorted_slots().iter().zip(mask).filter(|(_, k)| *k == 1).filter_map(|(&s, _)| self.store.slot(s).id()).collect())
    }

    fn sorted_slots(&self) -> &[u32] {
        self.sorted.get_or_init(|| {
            let mut slots: Vec<u32> = (0..self.store.len() as u32).collect();
            slots.sort_unstable_by(|&a, &b| self.store.slot(a).id().cmp(&self.store.slot(b).id()));
            slots
        })
    }

    /// How many times a stored record was removed. Slot numbers from
    /// [`Engine::slots_of`] stay valid while this is unchanged.
    pub fn store_epoch(&self) -> u64 {
        self.store.epoch()
    }

    /// The slots of the stored records with these ids ([`ENCODED_NONE`] for an
    /// id not stored), for [`Engine::can_slot`].
    pub fn slots_of<S: AsRef<str>>(&self, ids: &[S]) -> Vec<u32> {
        ids.iter().map(|id| self.store.slot_of(id.as_ref()).map_or(encoded::NONE, |s| s as u32)).collect()
    }

    /// `can` for the user at index `ui` and the record in `slot`, looked up
    /// by [`Engine::slots_of`] when the store was at `epoch`. A slot from
    /// another epoch, or out of range, is an error, never another record.
    pub fn can_slot(&self, ui: u32, action: Action, slot: u32, epoch: u64) -> Result<bool, Error> {
        let u = self.user_at(ui)?;
        if epoch != self.store.epoch() {
            return Err(Error::single(ErrorKind::UnknownRecord, "record", "records were removed since the slot was looked up; look it up again"));
        }
        let rec = self.store.try_slot(slot).ok_or_else(|| Error::single(ErrorKind::UnknownRecord, "record", format!("no record in slot {slot}")))?;
        Ok(self.allowed_one(u, action, &rec.view()))
    }

    /// The ids of the stored records, sorted: the order of [`Engine::stored_mask_at`].
    pub fn stored_ids(&self) -> Vec<&str> {
        self.sorted_slots().iter().filter_map(|&s| self.store.slot(s).id()).collect()
    }

    /// For every stored record, in the order of [`Engine::stored_ids`], 1 when
    /// the user at index `ui` may take the action on it. The list view's fast
    /// path: no id crosses the boundary per call.
    pub fn stored_mask_at(&self, ui: u32, action: Action) -> Result<Vec<u8>, Error> {
        let u = self.user_at(ui)?;
        let mut ctx = self.c.fast_ctx(u, action);
        Ok(self.sorted_slots().iter().map(|&s| u8::from(self.c.fast_allowed(&self.store, &mut ctx, &self.store.slot(s).view()))).collect())
    }

    // ---- the ids-based API (the fast path of the JS package) ----------------

    /// The id tables the ids-based API refers to: users, groups, modules and
    /// workspaces, each in index order. A principal code is a user index, or
    /// the number of users plus a group index.
    pub fn id_tables(&self) -> IdTables<'_> {
        IdTables {
            users: self.c.users.iter().map(|u| u.id.as_str()).collect(),
            groups: self.c.groups.iter().map(|g| g.id.as_str()).collect(),
            modules: self.c.modules.iter().map(|m| m.name.as_str()).collect(),
            workspaces: self.c.workspaces.iter().map(|w| w.id.as_str()).collect(),
        }
    }

    fn user_at(&self, ui: u32) -> Result<Ix, Error> {
        if (ui as usize) < self.c.users.len() {
            Ok(ui)
        } else {
            Err(Error::single(ErrorKind::UnknownUser, "user", format!("user index {ui} out of range")))
        }
    }

    fn stored(&self, id: &str) -> Result<&Rec, Error> {
        self.store.get(id).ok_or_else(|| Error::single(ErrorKind::UnknownRecord, "record", format!("no stored record has the id \"{id}\"")))
    }

    /// `can` for the user at index `ui` and a stored record id.
    pub fn can_stored_at(&self, ui: u32, action: Action, id: &str) -> Result<bool, Error> {
        let u = self.user_at(ui)?;
        Ok(self.allowed_one(u, action, &self.stored(id)?.view()))
    }

    /// `decide` for the user at index `ui` and a stored record id.
    pub fn decide_stored_at(&self, ui: u32, action: Action, id: &str) -> Result<Decision, Error> {
        let u = self.user_at(ui)?;
        Ok(self.c.decide(&self.store, u, action, &self.stored(id)?.view()))
    }

    /// For records in the ids-based encoding (see `src/encoded.rs`), one byte
    /// per record: 1 when the action is allowed.
    pub fn filter_encoded(&self, ui: u32, action: Action, codes: &[u32], strings: &str) -> Result<Vec<u8>, Error> {
        let u = self.user_at(ui)?;
        let strings = encoded::split_strings(strings);
        let mut out = Vec::new();
        let mut at = 0;
        let mut ctx = self.c.fast_ctx(u, action);
        while at < codes.len() {
            let (rec, next) = encoded::decode(&self.c, codes, &strings, at)?;
            out.push(u8::from(self.c.fast_allowed(&self.store, &mut ctx, &rec)));
            at = next;
        }
        Ok(out)
    }

    /// `can` for one record in the ids-based encoding; allocates nothing.
    pub fn can_encoded(&self, ui: u32, action: Action, codes: &[u32], strings: &str) -> Result<bool, Error> {
        let u = self.user_at(ui)?;
        let split: Vec<&str>;
        let strings: &[&str] = if strings.is_empty() {
            &[]
        } else {
            split = encoded::split_strings(strings);
            &split
        };
        let (rec, next) = encoded::decode(&self.c, codes, strings, 0)?;
        if next != codes.len() {
            return Err(Error::single(ErrorKind::InvalidEncoding, "codes", "expected exactly one record"));
        }
        Ok(self.allowed_one(u, action, &rec))
    }

    /// `decide` for one record in the ids-based encoding.
    pub fn decide_encoded(&self, ui: u32, action: Action, codes: &[u32], strings: &str) -> Result<Decision, Error> {
        let u = self.user_at(ui)?;
        let strings = encoded::split_strings(strings);
        let (rec, next) = encoded::decode(&self.c, codes, &strings, 0)?;
        if next != codes.len() {
            return Err(Error::single(ErrorKind::InvalidEncoding, "codes", "expected exactly one record"));
        }
        Ok(self.c.decide(&self.store, u, action, &rec))
    }

    /// Encodes a record (given like any record argument) in the ids-based
    /// encoding: what the JS layer does, done natively, for tests.
    pub fn encode_record(&self, record: RecordRef<'_>) -> Result<(Vec<u32>, String), Error> {
        let rec = self.resolve(record)?;
        let (mut codes, mut strings) = (Vec::new(), Vec::new());
        encoded::encode(&self.c, &rec.view(), &mut codes, &mut strings);
        Ok((codes, strings.iter().map(|s| format!("{s}\0")).collect()))
    }

    /// What the user may do with each field of the module, in the module's order.
    pub fn field_access(&self, user: &str, module: &str) -> Result<Vec<(String, FieldLevel)>, Error> {
        let u = self.user(user)?;
        let m = self.module(module)?;
        Ok(self.fields_of(u, m))
    }

    fn fields_of(&self, ui: Ix, m: Ix) -> Vec<(String, FieldLevel)> {
        let Some(declared) = &self.c.modules[m as usize].fields else { return Vec::new() };
        let u = &self.c.users[ui as usize];
        let all = |l: FieldLevel| declared.iter().map(|f| (f.clone(), l)).collect();
        if !u.active {
            return all(FieldLevel::Hidden);
        }
        if u.admin {
            return all(FieldLevel::Editable);
        }
        let combo = &self.c.combos[u.combo as usize];
        let opening: Vec<&Vec<(String, FieldLevel)>> = combo
            .profiles
            .iter()
            .filter_map(|&p| self.c.profiles[p as usize].modules.get(&m))
            .filter(|(bits, _)| bits & level::VIEW != 0)
            .map(|(_, f)| f)
            .collect();
        declared
            .iter()
            .map(|f| {
                let best = opening
                    .iter()
                    .map(|settings| settings.iter().find(|(name, _)| name == f).map_or(FieldLevel::Editable, |&(_, l)| l))
                    .max()
                    .unwrap_or(FieldLevel::Hidden);
                let lvl = if u.read_only && best == FieldLevel::Editable { FieldLevel::ReadOnly } else { best };
                (f.clone(), lvl)
            })
            .collect()
    }

    /// The record with `fields` reduced to what the user may see.
    pub fn mask(&self, user: &str, record: RecordRef<'_>) -> Result<serde_json::Value, Error> {
        let u = self.user(user)?;
        let rec = self.resolve(record)?;
        let mut out = match record {
            RecordRef::Json(text) => {
                serde_json::from_str::<serde_json::Value>(text).map_err(|e| Error::single(ErrorKind::InvalidRecord, "record", e.to_string()))?
            }
            RecordRef::Record(r) => serde_json::to_value(r).map_err(|e| Error::single(ErrorKind::InvalidRecord, "record", e.to_string()))?,
            RecordRef::Id(_) => self.to_json(&rec),
        };
        let visible = self.c.allowed(&self.store, u, Action::View, &rec.view());
        let mut fields = serde_json::Map::new();
        if visible {
            let data: serde_json::Map<String, serde_json::Value> = match &rec.fields {
                Some(text) => serde_json::from_str(text).unwrap_or_default(),
                None => serde_json::Map::new(),
            };
            match &self.c.modules[rec.module as usize].fields {
                None => fields = data,
                Some(_) => {
                    let levels = self.fields_of(u, rec.module);
                    for (name, value) in data {
                        if levels.iter().any(|(f, l)| *f == name && *l != FieldLevel::Hidden) {
                            fields.insert(name, value);
                        }
                    }
                }
            }
        }
        if let Some(obj) = out.as_object_mut() {
            obj.insert("fields".into(), serde_json::Value::Object(fields));
        }
        Ok(out)
    }

    /// A stored record back as JSON (every key, defaults included).
    fn to_json(&self, rec: &Rec) -> serde_json::Value {
        let v = rec.view();
        let users = |ids: &[Ix]| ids.iter().map(|&u| self.c.users[u as usize].id.clone()).collect::<Vec<_>>();
        let owner = v.owner.map(|o| match o {
            Pr::User(u) => self.c.users[u as usize].id.clone(),
            Pr::Group(g) => self.c.groups[g as usize].id.clone(),
        });
        let record = CrmRecord {
            id: rec.id().map(str::to_owned),
            module: self.c.modules[rec.module as usize].name.clone(),
            owner,
            parent: v.parent.map(str::to_owned),
            company: v.company.map(str::to_owned),
            account_managers: users(v.account_managers),
            created_by: v.created_by.map(|u| self.c.users[u as usize].id.clone()),
            workspaces: v.workspaces.iter().map(|&w| self.c.workspaces[w as usize].id.clone()).collect(),
            assignees: users(v.assignees),
            participants: users(v.participants),
            auditors: users(v.auditors),
            record_type: v.record_type.map(str::to_owned),
            fields: rec
                .fields
                .as_deref()
                .and_then(|t| serde_json::value::RawValue::from_string(t.to_owned()).ok())
                .map(model::Fields::from_raw)
                .unwrap_or_default(),
        };
        serde_json::to_value(record).unwrap_or(serde_json::Value::Null)
    }

    /// Ids of the active users this user may see in a people picker, sorted.
    pub fn visible_users(&self, user: &str) -> Result<Vec<String>, Error> {
        let ui = self.user(user)?;
        let c = &self.c;
        let u = &c.users[ui as usize];
        if !u.active {
            return Ok(Vec::new());
        }
        let mut ids: Vec<Ix> = if u.admin {
            (0..c.users.len() as Ix).filter(|&i| c.users[i as usize].active).collect()
        } else {
            let mut v: Vec<Ix> = Vec::new();
            if !u.external {
                v.extend_from_slice(&c.active_internal);
            }
            for &(w, _) in &u.workspaces {
                v.extend(c.workspaces[w as usize].participants.iter().copied().filter(|&p| {
                    let pu = &c.users[p as usize];
                    pu.active && (u.external || pu.external)
                }));
            }
            v.push(ui);
            v
        };
        ids.sort_unstable();
        ids.dedup();
        let mut out: Vec<String> = ids.into_iter().map(|i| c.users[i as usize].id.clone()).collect();
        out.sort_unstable();
        Ok(out)
    }

    fn workspace(&self, id: &str) -> Result<Ix, Error> {
        self.c.workspace_ix.get(id).copied().ok_or_else(|| Error::single(ErrorKind::UnknownWorkspace, "workspace", format!("unknown workspace \"{id}\"")))
    }

    /// May the user invite people into the workspace?
    pub fn can_invite(&self, user: &str, workspace: &str) -> Result<bool, Error> {
        let ui = self.user(user)?;
        let wi = self.workspace(workspace)?;
        let u = &self.c.users[ui as usize];
        if !u.active || u.read_only {
            return Ok(false);
        }
        if u.admin {
            return Ok(true);
        }
        let w = &self.c.workspaces[wi as usize];
        let owner = w.owner == Some(ui);
        let moderator = w.moderators.contains(&ui);
        Ok(match w.invite {
            InvitePolicy::Owner => owner,
            InvitePolicy::OwnerAndModerators => owner || moderator,
            InvitePolicy::Members => owner || moderator || w.members.iter().any(|&(m, ro)| m == ui && !ro),
        })
    }

    /// May the user create workspaces (projects, extranet groups)?
    pub fn can_create_workspace(&self, user: &str) -> Result<bool, Error> {
        let u = &self.c.users[self.user(user)? as usize];
        Ok(u.active && !u.read_only && !u.external)
    }

    /// May the user give external people access?
    pub fn can_grant_access(&self, user: &str) -> Result<bool, Error> {
        let u = &self.c.users[self.user(user)? as usize];
        Ok(u.active && !u.read_only && !u.external && (u.admin || u.can_grant_access))
    }
}
