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

// The core build (without `full`) leaves out apply, impact, whoCan, explain,
// sliceFor and plan; some helpers only they use are then unused.
#![cfg_attr(not(feature = "full"), allow(dead_code, unused_imports))]

#[cfg(feature = "full")]
mod change;
mod check;
mod compile;
mod compiled;
mod decide;
mod encoded;
mod error;
#[cfg(feature = "full")]
mod explain;
mod fast;
mod fields;
mod graph;
#[cfg(feature = "full")]
mod impact;
mod indexed;
mod level;
pub mod model;
mod people;
#[cfg(feature = "full")]
mod plan;
mod reason;
mod resolve;
#[cfg(feature = "full")]
mod slice;
mod store;
mod strict;
mod update;
mod validate;
#[cfg(feature = "full")]
mod who;

#[cfg(feature = "wasm")]
mod wasm;

#[cfg(feature = "full")]
pub use change::{Change, ChangeKind, Item};
pub use decide::Decision;
pub use error::{Error, ErrorKind, Problem};
#[cfg(feature = "full")]
pub use explain::{Explanation, Grant, GrantPath, ModelEdit, ParentStep, PrincipalRef, RulePath, Suggestion, WorkspacePath};
#[cfg(feature = "full")]
pub use impact::{AccessChange, Counts, CountsBy, Impact, ImpactOptions, IMPACT_LIMIT};
pub use level::{Access, Action};
pub use model::FieldLevel;
#[cfg(feature = "full")]
pub use plan::{matches as plan_matches, Condition, ListAttr, Plan, RefAttr, ScalarAttr, ShareAccess};
pub use reason::{Reason, REASON_CODES};
pub use update::UpdateDecision;
#[cfg(feature = "full")]
pub use who::WhoCan;

use compiled::{Compiled, Ix};
use model::{CrmRecord, Model};
use resolve::{Batch, NotUser, RecordPath};
use std::borrow::Cow;
use store::{Rec, Store};

/// The version of the contract (`SPEC.md`) this engine implements. The shared
/// conformance suite runs `cases/` for version 2 and `cases-v1/` for version 1.
pub const CONTRACT_VERSION: u32 = 2;

/// A record argument: the id of a stored record, a record as JSON text, or a
/// typed record.
#[derive(Debug, Clone, Copy)]
pub enum RecordRef<'a> {
    Id(&'a str),
    Json(&'a str),
    Record(&'a CrmRecord),
}

pub use encoded::NONE as ENCODED_NONE;
pub use indexed::{IdTables, Indexed};

/// The compiled model plus the record store.
pub struct Engine {
    c: Compiled,
    /// The model's sections but the records, as `apply` edits them.
    #[cfg(feature = "full")]
    model: Model,
    store: Store,
    /// Store slots in id order, and each slot's position in it, computed
    /// when first needed after a change.
    sorted: std::sync::OnceLock<(Vec<u32>, Vec<u32>)>,
    /// Fast-path contexts of the (user, action) pairs asked about one record at
    /// a time (a UI asks for one user over and over, a server for many).
    /// Bounded: emptied when it holds [`Engine::context_limit`] entries.
    contexts: std::sync::Mutex<rustc_hash::FxHashMap<(Ix, Action), fast::FastCtx>>,
    /// The sharing-rule rows `decide` has explained, by (user, module, owner)
    /// (bounded; see `decide::RuleCache`).
    explained: std::sync::Mutex<decide::RuleCache>,
    /// What `who_can` reads besides the compiled model, built when first asked.
    #[cfg(feature = "full")]
    who: std::sync::OnceLock<who::WhoIndex>,
    /// For an engine built from a slice (`sliceFor`), the one user it answers for.
    slice_user: Option<Ix>,
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
static ANY_LIST_TY: check::Ty = check::Ty::List(&check::Ty::Any);

impl Engine {
    /// Builds an engine from the model as JSON text.
    pub fn new(model_json: &str) -> Result<Engine, Error> {
        let model: Model = parse_json(model_json, &MODEL_TY, "", ErrorKind::InvalidModel)?;
        Self::from_model(model)
    }

    /// Builds an engine from a typed model.
    pub fn from_model(mut model: Model) -> Result<Engine, Error> {
        let records = std::mem::take(&mut model.records);
        let slice_for = model.slice_for.clone();
        #[cfg(feature = "full")]
        let kept = model.clone();
        model.records = records;
        match compile::compile(model) {
            Ok((c, store)) => {
                let slice_user = slice_for.as_deref().and_then(|s| resolve::user_ix(&c.principal_ix, s).ok());
                Ok(Engine {
                    c,
                    #[cfg(feature = "full")]
                    model: kept,
                    store,
                    sorted: std::sync::OnceLock::new(),
                    contexts: Default::default(),
                    explained: Default::default(),
                    #[cfg(feature = "full")]
                    who: Default::default(),
                    slice_user,
                })
            }
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
        let mut batch = Vec::with_capacity(records.len());
        self.c.resolver().batch(records, Batch::Put, |rec| batch.push(rec)).map_err(|p| Error::from_problems(ErrorKind::InvalidRecords, p))?;
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

    /// Applies a batch of changes (issue 12), given as a JSON array, in
    /// order and atomically: see [`Engine::apply`].
    #[cfg(feature = "full")]
    pub fn apply_json(&mut self, changes_json: &str) -> Result<(), Error> {
        self.apply(change::parse_changes(changes_json)?)
    }

    /// Applies a batch of changes in order, atomically: the model after the
    /// last change is validated as construction validates it (the stored
    /// records included), and on any problem nothing changes. Afterwards every
    /// answer is that of an engine built from the changed model.
    #[cfg(feature = "full")]
    pub fn apply(&mut self, changes: Vec<Change>) -> Result<(), Error> {
        if let Some(done) = change::replace_rules(&mut self.model, &mut self.c, &changes) {
            done?;
            self.clear_caches();
            return Ok(());
        }
        if change::put_principal(&mut self.model, &mut self.c, &changes).is_some() {
            self.clear_caches();
            return Ok(());
        }
        let next = change::prepare(&self.model, &self.c, &self.store, &changes)?;
        if let Some(m) = &next.renumber {
            self.store.renumber(m);
        }
        for (id, rec) in next.records {
            match rec {
                Some(rec) => self.store.put(rec),
                None => self.store.remove(&id),
            }
        }
        self.c = next.c;
        self.model = next.model;
        self.clear_caches();
        Ok(())
    }

    /// Drops every cache that depends on the model (after `apply`).
    #[cfg(feature = "full")]
    fn clear_caches(&mut self) {
        self.sorted = std::sync::OnceLock::new();
        self.who = std::sync::OnceLock::new();
        self.c.plan_ids = std::sync::OnceLock::new();
        self.slice_user = self.model.slice_for.as_deref().and_then(|s| resolve::user_ix(&self.c.principal_ix, s).ok());
        self.contexts.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
        *self.explained.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner) = Default::default();
    }

    /// What a batch of changes (a JSON array) would do; see [`Engine::impact`].
    #[cfg(feature = "full")]
    pub fn impact_json(&self, changes_json: &str, options_json: Option<&str>) -> Result<Impact, Error> {
        let changes = change::parse_changes(changes_json)?;
        let opts = match options_json {
            Some(text) => impact::parse_options(text)?,
            None => ImpactOptions::default(),
        };
        self.impact(changes, &opts)
    }

    /// What a batch of changes would do, without applying it: every (user,
    /// stored record, action) among view, edit and delete whose answer
    /// differs, with counts per user and per module. The batch is checked
    /// as [`Engine::apply`] checks it.
    #[cfg(feature = "full")]
    pub fn impact(&self, changes: Vec<Change>, options: &ImpactOptions) -> Result<Impact, Error> {
        let only_rules = changes.iter().all(|c| c.kind() == ChangeKind::SharingRule);
        let rules = only_rules.then(|| {
            changes
                .iter()
                .map(|c| match c {
                    Change::Put(Item::SharingRule(r)) => r.id.clone(),
                    Change::Remove { id, .. } => id.clone(),
                    Change::Put(_) => String::new(),
                })
                .collect()
        });
        let next = change::prepare(&self.model, &self.c, &self.store, &changes)?;
        let changed_store;
        let store = if next.renumber.is_none() && next.records.is_empty() {
            &self.store
        } else {
            let mut s = self.store.clone();
            if let Some(m) = &next.renumber {
                s.renumber(m);
            }
            for (id, rec) in next.records {
                match rec {
                    Some(rec) => s.put(rec),
                    None => s.remove(&id),
                }
            }
            changed_store = s;
            &changed_store
        };
        let before = impact::Side { c: &self.c, store: &self.store };
        let after = impact::Side { c: &next.c, store };
        Ok(impact::impact(&before, &after, &impact::Reach { rules }, options))
    }

    /// The number of stored records.
    pub fn record_count(&self) -> usize {
        self.store.len()
    }

    fn user(&self, id: &str) -> Result<Ix, Error> {
        match resolve::user_ix(&self.c.principal_ix, id) {
            Ok(u) => self.answers_for(u),
            Err(NotUser::Group) => Err(Error::single(ErrorKind::UnknownUser, "user", format!("\"{id}\" is a group, not a user"))),
            Err(NotUser::Unknown) => Err(Error::single(ErrorKind::UnknownUser, "user", format!("unknown user \"{id}\""))),
        }
    }

    /// The user at `u`, unless this engine is another user's slice: a slice
    /// answers for its own user only (issue 13).
    pub(crate) fn answers_for(&self, u: Ix) -> Result<Ix, Error> {
        match self.slice_user {
            Some(s) if s != u => Err(Error::single(
                ErrorKind::UnknownUser,
                "user",
                format!(
                    "unknown user \"{}\": this engine holds the slice of \"{}\" and answers only for them",
                    self.c.users[u as usize].id, self.c.users[s as usize].id
                ),
            )),
            _ => Ok(u),
        }
    }

    /// The user's slice of the model (issue 13) as JSON text: a model that
    /// [`Engine::new`] accepts and whose engine answers every query about
    /// this user as this engine does, holding only what those answers read
    /// (see `src/slice.rs` and the README). Other users are refused by it.
    #[cfg(feature = "full")]
    pub fn slice_for(&self, user: &str) -> Result<String, Error> {
        Ok(slice::to_json(self.slice_model(user)?))
    }

    /// [`Engine::slice_for`] as a typed model.
    #[cfg(feature = "full")]
    pub fn slice_model(&self, user: &str) -> Result<Model, Error> {
        let u = self.user(user)?;
        Ok(slice::slice(&self.c, &self.store, &self.model, u))
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
        match self.c.resolver().record(r, &RecordPath::Arg, false, &mut problems) {
            Some(rec) => Ok(Cow::Owned(rec)),
            None => Err(Error::from_problems(ErrorKind::InvalidRecord, problems)),
        }
    }

    /// The full decision for one user, action and record.
    pub fn decide(&self, user: &str, action: &str, record: RecordRef<'_>) -> Result<Decision, Error> {
        let u = self.user(user)?;
        let a = Self::action(action)?;
        let rec = self.resolve(record)?;
        Ok(self.decide_one(u, a, &rec.view()))
    }

    /// One decision, reusing the sharing-rule rows already explained.
    fn decide_one(&self, u: Ix, a: Action, rec: &store::RecRef<'_>) -> Decision {
        let mut rules = self.explained.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.c.decide_with(&self.store, u, a, rec, Some(&mut rules))
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
        self.with_ctx(u, a, |ctx| self.c.fast_allowed(&self.store, ctx, rec))
    }

    /// Runs `f` with the cached fast context of (user, action): what it learns
    /// about modules and owners serves the next calls too (`can`, `filter`,
    /// `filterStored` alike; the context reads only the compiled model).
    pub(crate) fn with_ctx<T>(&self, u: Ix, a: Action, f: impl FnOnce(&mut fast::FastCtx) -> T) -> T {
        let mut contexts = self.contexts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !contexts.contains_key(&(u, a)) && contexts.len() >= self.context_limit() {
            contexts.clear();
        }
        f(contexts.entry((u, a)).or_insert_with(|| self.c.fast_ctx(u, a)))
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
        let mut out = Vec::with_capacity(records.len());
        self.with_ctx(u, a, |ctx| self.c.resolver().batch(records, Batch::Query, |rec| out.push(self.c.fast_allowed(&self.store, ctx, &rec.view()))))
            .map_err(|p| Error::from_problems(ErrorKind::InvalidRecords, p))?;
        Ok(out)
    }

    /// `filter`, reporting instead of failing for the whole list: for each
    /// record of the JSON array, whether it is allowed, or the problems that
    /// make it unusable (an unknown user or module, a bad key; paths
    /// `records[i]...`). An unknown `user` or action is still an error.
    pub fn filter_report(&self, user: &str, records_json: &str, action: Option<&str>) -> Result<Vec<Result<bool, Vec<Problem>>>, Error> {
        let u = self.user(user)?;
        let a = Self::action(action.unwrap_or("view"))?;
        // the whole array at once; when some record is malformed, each on its own
        let mut out: Vec<Result<bool, Vec<Problem>>> = Vec::new();
        let mut typed: Vec<(usize, CrmRecord)> = Vec::new();
        match strict::from_str::<Vec<CrmRecord>>(records_json) {
            Ok(all) => {
                out.resize_with(all.len(), || Ok(false));
                typed = all.into_iter().enumerate().collect();
            }
            Err(_) => {
                let items: Vec<serde_json::Value> = parse_json(records_json, &ANY_LIST_TY, "records", ErrorKind::InvalidRecords)?;
                out.resize_with(items.len(), || Ok(false));
                for (i, v) in items.iter().enumerate() {
                    match parse_json::<CrmRecord>(&v.to_string(), &RECORD_TY, &format!("records[{i}]"), ErrorKind::InvalidRecords) {
                        Ok(r) => typed.push((i, r)),
                        Err(e) => out[i] = Err(e.problems),
                    }
                }
            }
        }
        let mut ctx = self.c.fast_ctx(u, a);
        self.c.resolver().each(typed.iter().map(|(i, r)| (*i, r)), Batch::Query, |i, r| {
            out[i] = r.map(|rec| self.c.fast_allowed(&self.store, &mut ctx, &rec.view()));
        });
        Ok(out)
    }

    /// Ids of the stored records the user may act on (`view` by default), sorted.
    pub fn filter_stored(&self, user: &str, action: Option<&str>) -> Result<Vec<String>, Error> {
        let u = self.user(user)?;
        let a = Self::action(action.unwrap_or("view"))?;
        Ok(self.indexed().filter_stored_at(u, a)?.into_iter().map(str::to_owned).collect())
    }

    /// The user's access to one module as data (issue 11): the stored records
    /// of `module` where the plan's condition holds are exactly the ones
    /// `filter_stored(user, action)` returns for that module. `action` is
    /// view, edit or delete.
    #[cfg(feature = "full")]
    pub fn plan(&self, user: &str, action: &str, module: &str) -> Result<Plan, Error> {
        let u = self.user(user)?;
        let a = Self::action(action)?;
        if a == Action::Create {
            return Err(Error::single(ErrorKind::UnknownAction, "action", "plan covers \"view\", \"edit\" and \"delete\", not \"create\"".to_owned()));
        }
        let m = self.module(module)?;
        Ok(self.c.plan(u, a, m))
    }

    /// Every user allowed `action` (view, edit or delete) on the record, with
    /// their access, sorted by user id (issue 12): exactly the users whose
    /// `decide` is allowed, found from the indexes rather than by asking
    /// every user (see `src/who.rs`).
    #[cfg(feature = "full")]
    pub fn who_can(&self, action: &str, record: RecordRef<'_>) -> Result<Vec<WhoCan>, Error> {
        Ok(self.who_can_ix(action, record)?.into_iter().map(|(u, access)| WhoCan { user: self.c.users[u as usize].id.clone(), access }).collect())
    }

    /// [`Engine::who_can`] with users by index (the JS binding's form).
    #[cfg(feature = "full")]
    pub(crate) fn who_can_ix(&self, action: &str, record: RecordRef<'_>) -> Result<Vec<(Ix, Access)>, Error> {
        let a = Self::action(action)?;
        if a == Action::Create {
            return Err(Error::single(ErrorKind::UnknownAction, "action", "whoCan covers \"view\", \"edit\" and \"delete\", not \"create\"".to_owned()));
        }
        let rec = self.resolve(record)?;
        let ix = self.who.get_or_init(|| who::WhoIndex::new(&self.c));
        Ok(self.c.who_can(ix, &self.store, a, &rec.view()))
    }

    /// What the user may do with each field of the module, in the module's order.
    pub fn field_access(&self, user: &str, module: &str) -> Result<Vec<(String, FieldLevel)>, Error> {
        let u = self.user(user)?;
        let m = self.module(module)?;
        Ok(self.c.field_levels(u, m))
    }

    /// The record with `fields` reduced to what the user may see.
    pub fn mask(&self, user: &str, record: RecordRef<'_>) -> Result<serde_json::Value, Error> {
        let u = self.user(user)?;
        let rec = self.resolve(record)?;
        let mut out = self.record_value(record, &rec, "record")?;
        let fields = self.c.visible_fields(&self.store, u, &rec);
        if let Some(obj) = out.as_object_mut() {
            obj.insert("fields".into(), serde_json::Value::Object(fields));
        }
        Ok(out)
    }

    /// A record argument (already resolved as `rec`) as a JSON value: as given,
    /// or a stored record with every key.
    fn record_value(&self, record: RecordRef<'_>, rec: &Rec, path: &str) -> Result<serde_json::Value, Error> {
        Ok(match record {
            RecordRef::Json(text) => {
                serde_json::from_str::<serde_json::Value>(text).map_err(|e| Error::single(ErrorKind::InvalidRecord, path, e.to_string()))?
            }
            RecordRef::Record(r) => serde_json::to_value(r).map_err(|e| Error::single(ErrorKind::InvalidRecord, path, e.to_string()))?,
            RecordRef::Id(_) => self.c.record_json(rec),
        })
    }

    /// `resolve`, with the paths of its problems under `root` (`before`, `after`).
    fn resolve_at<'s>(&'s self, record: RecordRef<'_>, root: &str) -> Result<Cow<'s, Rec>, Error> {
        self.resolve(record).map_err(|e| {
            let problems = e
                .problems
                .into_iter()
                .map(|mut p| {
                    if let Some(rest) = p.path.strip_prefix("record") {
                        p.path = format!("{root}{rest}");
                    }
                    p
                })
                .collect();
            Error::from_problems(e.kind, problems)
        })
    }

    /// What the user may do with each field of the record's module, in the
    /// module's order (§4 `recordFieldAccess`): every field hidden when the
    /// user may not view the record, `editable` turned into `readOnly` when
    /// they may not edit it.
    pub fn record_field_access(&self, user: &str, record: RecordRef<'_>) -> Result<Vec<(String, FieldLevel)>, Error> {
        let u = self.user(user)?;
        let rec = self.resolve(record)?;
        Ok(self.c.record_field_levels(&self.store, u, &rec))
    }

    /// May the user add `sharedWith` entries to the record (§5 `canShare`)?
    pub fn can_share(&self, user: &str, record: RecordRef<'_>) -> Result<bool, Error> {
        let u = self.user(user)?;
        let rec = self.resolve(record)?;
        Ok(self.c.may_share(&self.store, u, &rec.view(), None))
    }

    /// Ids of the workspaces the user may open, sorted (§5 `workspacesOf`).
    pub fn workspaces_of(&self, user: &str) -> Result<Vec<String>, Error> {
        let u = self.user(user)?;
        Ok(self.c.workspaces_of(&self.store, u))
    }

    /// May the user save `after` over `before` (§3.9 `decideUpdate`)? `after`
    /// is the whole record as it will be stored, with the same `id` and
    /// `module` as `before` (else the call is an error).
    pub fn decide_update(&self, user: &str, before: RecordRef<'_>, after: RecordRef<'_>) -> Result<UpdateDecision, Error> {
        let u = self.user(user)?;
        let b = self.resolve_at(before, "before")?;
        let a = self.resolve_at(after, "after")?;
        if a.id() != b.id() {
            let name = |id: Option<&str>| id.map_or_else(|| "no id".to_owned(), |i| format!("the id \"{i}\""));
            return Err(Error::single(
                ErrorKind::InvalidRecord,
                "after.id",
                format!("after has {}, before has {}: an update keeps the id", name(a.id()), name(b.id())),
            ));
        }
        if a.module != b.module {
            let name = |m: Ix| &self.c.modules[m as usize].name;
            return Err(Error::single(
                ErrorKind::InvalidRecord,
                "after.module",
                format!("after is in module \"{}\", before in \"{}\": an update keeps the module", name(a.module), name(b.module)),
            ));
        }
        let bj = self.record_value(before, &b, "before")?;
        let aj = self.record_value(after, &a, "after")?;
        Ok(self.c.decide_update(&self.store, u, &b, &bj, &a, &aj))
    }

    /// Ids of the active users this user may see in a people picker, sorted.
    pub fn visible_users(&self, user: &str) -> Result<Vec<String>, Error> {
        Ok(self.c.visible_users(self.user(user)?))
    }

    fn workspace(&self, id: &str) -> Result<Ix, Error> {
        self.c.workspace_ix.get(id).copied().ok_or_else(|| Error::single(ErrorKind::UnknownWorkspace, "workspace", format!("unknown workspace \"{id}\"")))
    }

    /// May the user invite people into the workspace?
    pub fn can_invite(&self, user: &str, workspace: &str) -> Result<bool, Error> {
        let ui = self.user(user)?;
        let wi = self.workspace(workspace)?;
        Ok(self.c.may_invite(ui, wi))
    }

    /// May the user create workspaces (projects, extranet groups)?
    pub fn can_create_workspace(&self, user: &str) -> Result<bool, Error> {
        Ok(self.c.may_create_workspace(self.user(user)?))
    }

    /// May the user give external people access?
    pub fn can_grant_access(&self, user: &str) -> Result<bool, Error> {
        Ok(self.c.may_grant_access(self.user(user)?))
    }
}
