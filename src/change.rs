//! Live changes to a built engine (issue 12): a batch of puts and removes of
//! users, roles, profiles, groups, workspaces, sharing rules and records.
//!
//! The engine keeps the model's principal sections (everything but the
//! records). A batch is applied to a copy of them; the result is validated
//! and compiled exactly as construction does (`validate::validate`,
//! `compile::build`), and the stored records, which hold indexes of users,
//! groups, workspaces and roles, are checked against the new sections and
//! renumbered in one linear pass only when an index moved (a removal) or a
//! user became external. Nothing is changed until all of that succeeded, so
//! a batch applies entirely or not at all.
//!
//! `impact` runs the same preparation without committing it and compares
//! the answers before and after (see [`Impact`]).

use crate::compile::{self, Compiled, Ix, Pr};
use crate::error::{Error, ErrorKind, Problem};
use crate::model::{CrmRecord, Group, Model, Profile, Role, SharingRule, User, Workspace};
use crate::resolve::RecordPath;
use crate::store::{Rec, Store};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::{Deserialize, Serialize};

#[cfg(feature = "wasm")]
use tsify::Tsify;

/// What a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum ChangeKind {
    User,
    Role,
    Profile,
    Group,
    Workspace,
    SharingRule,
    Record,
}

impl ChangeKind {
    fn name(self) -> &'static str {
        match self {
            ChangeKind::User => "user",
            ChangeKind::Role => "role",
            ChangeKind::Profile => "profile",
            ChangeKind::Group => "group",
            ChangeKind::Workspace => "workspace",
            ChangeKind::SharingRule => "sharing rule",
            ChangeKind::Record => "record",
        }
    }

    fn parse(s: &str) -> Option<ChangeKind> {
        Some(match s {
            "user" => ChangeKind::User,
            "role" => ChangeKind::Role,
            "profile" => ChangeKind::Profile,
            "group" => ChangeKind::Group,
            "workspace" => ChangeKind::Workspace,
            "sharingRule" => ChangeKind::SharingRule,
            "record" => ChangeKind::Record,
            _ => return None,
        })
    }
}

/// The item a `put` adds or replaces: `{"kind": K, "value": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum Item {
    User(User),
    Role(Role),
    Profile(Profile),
    Group(Group),
    Workspace(Workspace),
    SharingRule(SharingRule),
    Record(CrmRecord),
}

impl Item {
    pub fn kind(&self) -> ChangeKind {
        match self {
            Item::User(_) => ChangeKind::User,
            Item::Role(_) => ChangeKind::Role,
            Item::Profile(_) => ChangeKind::Profile,
            Item::Group(_) => ChangeKind::Group,
            Item::Workspace(_) => ChangeKind::Workspace,
            Item::SharingRule(_) => ChangeKind::SharingRule,
            Item::Record(_) => ChangeKind::Record,
        }
    }
}

/// One change of a batch: `{"op": "put", "kind": K, "value": {...}}` adds or
/// replaces (by id) one item, `{"op": "remove", "kind": K, "id": "..."}`
/// removes one. (Decoded by hand, see below: a record's `fields` are kept as
/// raw JSON text, which serde's buffering of tagged enums cannot carry.)
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(tag = "op", rename_all = "camelCase")]
#[allow(clippy::large_enum_variant)] // a batch is a short list; a box would only burden callers
pub enum Change {
    Put(Item),
    #[serde(rename_all = "camelCase")]
    Remove {
        kind: ChangeKind,
        id: String,
    },
}

/// The wire shape of a change, `value` kept as text until the kind is known.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChange {
    op: Op,
    kind: ChangeKind,
    #[serde(default)]
    value: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum Op {
    Put,
    Remove,
}

impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let raw = RawChange::deserialize(d)?;
        match (raw.op, raw.value, raw.id) {
            (Op::Remove, None, Some(id)) => Ok(Change::Remove { kind: raw.kind, id }),
            (Op::Put, Some(value), None) if value.get().trim_start().starts_with('{') => item(raw.kind, value.get()).map(Change::Put).map_err(D::Error::custom),
            (Op::Put, Some(_), None) => Err(D::Error::custom("a put's value must be an object")),
            (Op::Put, _, _) => Err(D::Error::custom("a put takes \"op\", \"kind\" and \"value\"")),
            (Op::Remove, _, _) => Err(D::Error::custom("a remove takes \"op\", \"kind\" and \"id\"")),
        }
    }
}

/// Decodes one item of `kind` from JSON text, strictly, as the model's
/// sections are: through the model's own decoder, the item being the one
/// entry of its section (one decoder in the wasm binary instead of seven).
fn item(kind: ChangeKind, text: &str) -> Result<Item, String> {
    let section = match kind {
        ChangeKind::User => "users",
        ChangeKind::Role => "roles",
        ChangeKind::Profile => "profiles",
        ChangeKind::Group => "groups",
        ChangeKind::Workspace => "workspaces",
        ChangeKind::SharingRule => "sharingRules",
        ChangeKind::Record => "records",
    };
    let wrapped = if kind == ChangeKind::User {
        format!("{{\"modules\":[],\"users\":[\n{text}\n]}}")
    } else {
        format!("{{\"modules\":[],\"users\":[],\"{section}\":[\n{text}\n]}}")
    };
    let mut m: Model = crate::strict::from_str(&wrapped).map_err(|e| e.to_string())?;
    let one = |n: usize| if n == 1 { Ok(()) } else { Err("expected one item".to_owned()) };
    Ok(match kind {
        ChangeKind::User => {
            one(m.users.len())?;
            Item::User(m.users.swap_remove(0))
        }
        ChangeKind::Role => {
            one(m.roles.len())?;
            Item::Role(m.roles.swap_remove(0))
        }
        ChangeKind::Profile => {
            one(m.profiles.len())?;
            Item::Profile(m.profiles.swap_remove(0))
        }
        ChangeKind::Group => {
            one(m.groups.len())?;
            Item::Group(m.groups.swap_remove(0))
        }
        ChangeKind::Workspace => {
            one(m.workspaces.len())?;
            Item::Workspace(m.workspaces.swap_remove(0))
        }
        ChangeKind::SharingRule => {
            one(m.sharing_rules.len())?;
            Item::SharingRule(m.sharing_rules.swap_remove(0))
        }
        ChangeKind::Record => {
            one(m.records.len())?;
            Item::Record(m.records.swap_remove(0))
        }
    })
}

impl Change {
    pub fn kind(&self) -> ChangeKind {
        match self {
            Change::Put(item) => item.kind(),
            Change::Remove { kind, .. } => *kind,
        }
    }
}

static RECORD_TY: crate::check::Ty = crate::check::Ty::Obj(&crate::check::RECORD);

/// Parses a JSON array of changes, reporting every problem with its path
/// (`changes[3].value.role`).
pub(crate) fn parse_changes(text: &str) -> Result<Vec<Change>, Error> {
    use crate::check::{self, Ty};
    let items: Vec<serde_json::Value> = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Array(items)) => items,
        Ok(_) => return Err(Error::single(ErrorKind::InvalidChanges, "changes", "expected an array of changes".to_owned())),
        Err(e) => return Err(Error::single(ErrorKind::InvalidChanges, "changes", format!("not valid JSON: {e}"))),
    };
    let mut out = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (i, entry) in items.into_iter().enumerate() {
        let at = format!("changes[{i}]");
        let serde_json::Value::Object(mut obj) = entry else {
            problems.push(Problem::new(at, "expected an object {\"op\", \"kind\", ...}"));
            continue;
        };
        let op = obj.remove("op");
        let kind = obj.remove("kind");
        let kind = match kind.as_ref().and_then(|k| k.as_str()) {
            Some(k) => match ChangeKind::parse(k) {
                Some(k) => Some(k),
                None => {
                    problems.push(
                        Problem::new(format!("{at}.kind"), format!("unknown kind \"{k}\""))
                            .with_help("use one of \"user\", \"role\", \"profile\", \"group\", \"workspace\", \"sharingRule\", \"record\""),
                    );
                    None
                }
            },
            None => {
                problems.push(Problem::new(format!("{at}.kind"), "a change needs a \"kind\" (a string)"));
                None
            }
        };
        let op = match op.as_ref().and_then(|o| o.as_str()) {
            Some("put") => "put",
            Some("remove") => "remove",
            Some(o) => {
                problems.push(Problem::new(format!("{at}.op"), format!("unknown op \"{o}\"")).with_help("use \"put\" or \"remove\""));
                continue;
            }
            None => {
                problems.push(Problem::new(format!("{at}.op"), "a change needs an \"op\": \"put\" or \"remove\""));
                continue;
            }
        };
        let (own, other) = if op == "put" { ("value", "id") } else { ("id", "value") };
        let payload = obj.remove(own);
        for key in obj.keys() {
            let help = if key == other { format!("a {op} takes \"{own}\", not \"{other}\"") } else { format!("a {op} takes \"op\", \"kind\" and \"{own}\"") };
            problems.push(Problem::new(format!("{at}.{key}"), format!("unknown key \"{key}\"")).with_help(help));
        }
        let Some(payload) = payload else {
            problems.push(Problem::new(format!("{at}.{own}"), format!("a {op} needs \"{own}\"")));
            continue;
        };
        let Some(kind) = kind else { continue };
        if op == "remove" {
            match payload {
                serde_json::Value::String(id) => out.push(Change::Remove { kind, id }),
                _ => problems.push(Problem::new(format!("{at}.id"), "expected a string")),
            }
            continue;
        }
        let path = format!("{at}.value");
        let schema: &'static Ty = match kind {
            ChangeKind::User => &USER_TY,
            ChangeKind::Role => &ROLE_TY,
            ChangeKind::Profile => &PROFILE_TY,
            ChangeKind::Group => &GROUP_TY,
            ChangeKind::Workspace => &WORKSPACE_TY,
            ChangeKind::SharingRule => &RULE_TY,
            ChangeKind::Record => &RECORD_TY,
        };
        // (an object: an array would be read as one item of the section)
        let parsed = if payload.is_object() { item(kind, &payload.to_string()) } else { Err("expected an object".to_owned()) };
        match parsed {
            Ok(item) => out.push(Change::Put(item)),
            Err(e) => {
                let mut found = check::problems(&payload, schema, &path);
                if found.is_empty() {
                    found.push(Problem::new(path, e));
                }
                problems.extend(found);
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::from_problems(ErrorKind::InvalidChanges, problems))
    }
}

static USER_TY: crate::check::Ty = crate::check::Ty::Obj(&crate::check::USER);
static ROLE_TY: crate::check::Ty = crate::check::Ty::Obj(&crate::check::ROLE);
static PROFILE_TY: crate::check::Ty = crate::check::Ty::Obj(&crate::check::PROFILE);
static GROUP_TY: crate::check::Ty = crate::check::Ty::Obj(&crate::check::GROUP);
static WORKSPACE_TY: crate::check::Ty = crate::check::Ty::Obj(&crate::check::WORKSPACE);
static RULE_TY: crate::check::Ty = crate::check::Ty::Obj(&crate::check::RULE);

/// The sections a batch edits, each entry with the change that last put it
/// (`None`: unchanged since the engine was built or last changed).
struct Sections {
    users: Section<User>,
    roles: Section<Role>,
    profiles: Section<Profile>,
    groups: Section<Group>,
    workspaces: Section<Workspace>,
    rules: Section<SharingRule>,
}

/// One section during a batch: removed entries are holes until the end, so
/// the positions in `ix` stay valid.
struct Section<T> {
    items: Vec<Option<(T, Option<usize>)>>,
    ix: Option<HashMap<String, usize>>,
}

impl<T: Clone> Section<T> {
    fn new(items: &[T]) -> Self {
        Section { items: items.iter().map(|t| Some((t.clone(), None))).collect(), ix: None }
    }

    fn index(&mut self, id: impl Fn(&T) -> &str) -> &mut HashMap<String, usize> {
        let items = &self.items;
        self.ix.get_or_insert_with(|| items.iter().enumerate().filter_map(|(i, t)| t.as_ref().map(|(t, _)| (id(t).to_owned(), i))).collect())
    }

    fn put(&mut self, value: T, change: usize, id: impl Fn(&T) -> &str) {
        let key = id(&value).to_owned();
        let len = self.items.len();
        let ix = self.index(&id);
        match ix.get(&key) {
            Some(&at) => self.items[at] = Some((value, Some(change))),
            None => {
                ix.insert(key, len);
                self.items.push(Some((value, Some(change))));
            }
        }
    }

    fn remove(&mut self, key: &str, id: impl Fn(&T) -> &str) -> bool {
        match self.index(id).remove(key) {
            Some(at) => {
                self.items[at] = None;
                true
            }
            None => false,
        }
    }

    /// The section without holes, and the change behind each entry.
    fn finish(self) -> (Vec<T>, Vec<Option<usize>>) {
        self.items.into_iter().flatten().unzip()
    }
}

/// A record change of the batch, the last one for its id.
enum RecordOp {
    Put(usize, Box<CrmRecord>),
    Remove,
}

/// A batch checked and compiled, not yet committed.
pub(crate) struct Prepared {
    pub model: Model,
    pub c: Compiled,
    /// The records the batch puts (resolved) or removes, by id, in order of
    /// their last change.
    pub records: Vec<(String, Option<Rec>)>,
    /// Old index → new index for users, groups, workspaces and roles, when
    /// the stored records must be renumbered.
    pub renumber: Option<Renumber>,
}

/// Old index → new index (`NONE`: removed) of each kind of reference a stored
/// record holds.
pub(crate) struct Renumber {
    pub users: Vec<Ix>,
    pub groups: Vec<Ix>,
    pub workspaces: Vec<Ix>,
    pub roles: Vec<Ix>,
}

pub(crate) const NONE: Ix = Ix::MAX;

fn problem_error(problems: Vec<Problem>) -> Error {
    Error::from_problems(ErrorKind::InvalidChanges, problems)
}

/// Applies `changes` to a copy of the principal sections, validates and
/// compiles the result, and checks the stored records against it.
pub(crate) fn prepare(model: &Model, old: &Compiled, store: &Store, changes: &[Change]) -> Result<Prepared, Error> {
    let mut s = Sections {
        users: Section::new(&model.users),
        roles: Section::new(&model.roles),
        profiles: Section::new(&model.profiles),
        groups: Section::new(&model.groups),
        workspaces: Section::new(&model.workspaces),
        rules: Section::new(&model.sharing_rules),
    };
    let mut problems = Vec::new();
    let mut records: Vec<(String, RecordOp)> = Vec::new();
    // keyed by caller-chosen record ids: a keyed hash, as the store's own index
    let mut record_at: std::collections::HashMap<String, usize, crate::store::IdHashState> =
        std::collections::HashMap::with_hasher(crate::store::IdHashState::new());
    // the change that removed each (kind, id), to blame dangling references on
    let mut removed: HashMap<(ChangeKind, String), usize> = HashMap::default();
    for (i, change) in changes.iter().enumerate() {
        match change {
            Change::Put(item) => match item.clone() {
                Item::User(v) => s.users.put(v, i, |t| &t.id),
                Item::Role(v) => s.roles.put(v, i, |t| &t.id),
                Item::Profile(v) => s.profiles.put(v, i, |t| &t.id),
                Item::Group(v) => s.groups.put(v, i, |t| &t.id),
                Item::Workspace(v) => s.workspaces.put(v, i, |t| &t.id),
                Item::SharingRule(v) => s.rules.put(v, i, |t| &t.id),
                Item::Record(r) => match r.id.clone() {
                    Some(id) if !id.is_empty() => {
                        let at = *record_at.entry(id.clone()).or_insert_with(|| {
                            records.push((id.clone(), RecordOp::Remove));
                            records.len() - 1
                        });
                        records[at].1 = RecordOp::Put(i, Box::new(r));
                    }
                    Some(_) => problems.push(Problem::new(format!("changes[{i}].value.id"), "ids must be non-empty strings")),
                    None => problems.push(Problem::new(format!("changes[{i}].value.id"), "a stored record needs an id")),
                },
            },
            Change::Remove { kind, id } => {
                let found = match kind {
                    ChangeKind::User => s.users.remove(id, |t| &t.id),
                    ChangeKind::Role => s.roles.remove(id, |t| &t.id),
                    ChangeKind::Profile => s.profiles.remove(id, |t| &t.id),
                    ChangeKind::Group => s.groups.remove(id, |t| &t.id),
                    ChangeKind::Workspace => s.workspaces.remove(id, |t| &t.id),
                    ChangeKind::SharingRule => s.rules.remove(id, |t| &t.id),
                    ChangeKind::Record => {
                        // as `removeRecords`: an id that is not stored is no error
                        let at = *record_at.entry(id.clone()).or_insert_with(|| {
                            records.push((id.clone(), RecordOp::Remove));
                            records.len() - 1
                        });
                        records[at].1 = RecordOp::Remove;
                        continue;
                    }
                };
                if found {
                    removed.insert((*kind, id.clone()), i);
                } else {
                    problems.push(Problem::new(format!("changes[{i}].id"), format!("no {} has the id \"{id}\"", kind.name())));
                }
            }
        }
    }
    let (users, user_from) = s.users.finish();
    let (roles, role_from) = s.roles.finish();
    let (profiles, profile_from) = s.profiles.finish();
    let (groups, group_from) = s.groups.finish();
    let (workspaces, workspace_from) = s.workspaces.finish();
    let (sharing_rules, rule_from) = s.rules.finish();
    let next = Model {
        modules: model.modules.clone(),
        roles,
        profiles,
        groups,
        users,
        workspaces,
        sharing_rules,
        limited_access: model.limited_access.clone(),
        records: Vec::new(),
        slice_for: model.slice_for.clone(),
    };
    let origins: [(&str, &[Option<usize>]); 6] = [
        ("users", &user_from),
        ("roles", &role_from),
        ("profiles", &profile_from),
        ("groups", &group_from),
        ("workspaces", &workspace_from),
        ("sharingRules", &rule_from),
    ];
    let valid = match crate::validate::validate(&next) {
        Ok(v) if problems.is_empty() => v,
        Ok(_) => return Err(problem_error(problems)),
        Err(found) => {
            problems.extend(found.into_iter().map(|p| blame(p, &origins, &removed, &next)));
            return Err(problem_error(problems));
        }
    };
    let c = compile::build(next.clone(), valid);

    // the records the batch puts, resolved against the new sections
    let resolver = c.resolver();
    let mut batch = Vec::with_capacity(records.len());
    for (id, op) in records {
        match op {
            RecordOp::Put(i, r) => {
                let mut found = Vec::new();
                match resolver.record(&r, &RecordPath::Change(i), true, &mut found) {
                    Some(rec) if found.is_empty() => batch.push((id, Some(rec))),
                    _ => problems.extend(found),
                }
            }
            RecordOp::Remove => batch.push((id, None)),
        }
    }
    if !problems.is_empty() {
        return Err(problem_error(problems));
    }

    // the stored records the batch leaves, against the new sections
    let renumber = renumbering(old, &c);
    let flipped: Vec<Ix> = (0..old.users.len() as Ix)
        .filter(|&u| !old.users[u as usize].external)
        .filter(|&u| renumber.users[u as usize] != NONE && c.users[renumber.users[u as usize] as usize].external)
        .collect();
    let identity = renumber.is_identity();
    if !identity || !flipped.is_empty() {
        let touched: HashSet<&str> = batch.iter().map(|(id, _)| id.as_str()).collect();
        check_stored(old, &c, store, &renumber, &touched, &removed, &user_from, &mut problems);
        if !problems.is_empty() {
            return Err(problem_error(problems));
        }
    }
    Ok(Prepared { model: next, c, records: batch, renumber: (!identity).then_some(renumber) })
}

/// A validation problem of the changed model, told in terms of the batch: a
/// problem inside an entry some change put is at that change's `value`; one
/// in an entry no change touched was caused by a removal, and is reported at
/// the removing change.
fn blame(mut p: Problem, origins: &[(&str, &[Option<usize>])], removed: &HashMap<(ChangeKind, String), usize>, model: &Model) -> Problem {
    let Some(open) = p.path.find('[') else { return p };
    let Some(close) = p.path[open..].find(']').map(|c| open + c) else { return p };
    let section = &p.path[..open];
    let Ok(i) = p.path[open + 1..close].parse::<usize>() else { return p };
    let Some((_, from)) = origins.iter().find(|(name, _)| *name == section) else { return p };
    if let Some(Some(change)) = from.get(i) {
        p.path = format!("changes[{change}].value{}", &p.path[close + 1..]);
        return p;
    }
    let entry = match section {
        "users" => model.users.get(i).map(|u| format!("user \"{}\"", u.id)),
        "roles" => model.roles.get(i).map(|r| format!("role \"{}\"", r.id)),
        "profiles" => model.profiles.get(i).map(|r| format!("profile \"{}\"", r.id)),
        "groups" => model.groups.get(i).map(|r| format!("group \"{}\"", r.id)),
        "workspaces" => model.workspaces.get(i).map(|r| format!("workspace \"{}\"", r.id)),
        _ => model.sharing_rules.get(i).map(|r| format!("sharing rule \"{}\"", r.id)),
    }
    .unwrap_or_default();
    // the removal whose id the message names
    let culprit = removed.iter().filter(|((_, id), _)| p.message.contains(&format!("\"{id}\""))).map(|(_, &c)| c).min();
    match culprit {
        Some(c) => {
            p.message = format!("still referenced by {entry} ({}): {}", p.path, p.message);
            p.path = format!("changes[{c}].id");
        }
        None => {
            p.message = format!("in {entry} ({}), which the batch left as it was: {}", p.path, p.message);
            p.path = "changes".to_owned();
        }
    }
    p
}

impl Renumber {
    fn is_identity(&self) -> bool {
        [&self.users, &self.groups, &self.workspaces, &self.roles].iter().all(|m| m.iter().enumerate().all(|(i, &n)| n == i as Ix))
    }
}

/// Old index → new index of every user, group, workspace and role, by id.
fn renumbering(old: &Compiled, new: &Compiled) -> Renumber {
    let users = old.users.iter().map(|u| match new.principal_ix.get(&u.id) {
        Some(Pr::User(n)) => *n,
        _ => NONE,
    });
    let groups = old.groups.iter().map(|g| match new.principal_ix.get(&g.id) {
        Some(Pr::Group(n)) => *n,
        _ => NONE,
    });
    Renumber {
        users: users.collect(),
        groups: groups.collect(),
        workspaces: old.workspaces.iter().map(|w| new.workspace_ix.get(&*w.id).copied().unwrap_or(NONE)).collect(),
        roles: old.role_names.iter().map(|r| new.role_ix.get(r).copied().unwrap_or(NONE)).collect(),
    }
}

/// At most this many stored records are named per removal that would leave
/// them dangling.
const NAMED_RECORDS: usize = 5;

/// Checks the stored records the batch does not replace or remove: every
/// reference must survive, and no record may be shared with a user who
/// became external (construction refuses both).
#[allow(clippy::too_many_arguments)]
fn check_stored(
    old: &Compiled,
    new: &Compiled,
    store: &Store,
    m: &Renumber,
    touched: &HashSet<&str>,
    removed: &HashMap<(ChangeKind, String), usize>,
    user_from: &[Option<usize>],
    problems: &mut Vec<Problem>,
) {
    use crate::compiled::{share_parts, ShareKind};
    // (change, what) → (records named, records in all), in order of first sight
    type Named = Vec<((usize, String), (Vec<String>, usize))>;
    let mut named: Named = Vec::new();
    let mut external: Named = Vec::new();
    fn entry(list: &mut Named, key: (usize, String)) -> &mut (Vec<String>, usize) {
        let at = list.iter().position(|(k, _)| *k == key).unwrap_or_else(|| {
            list.push((key, (Vec::new(), 0)));
            list.len() - 1
        });
        &mut list[at].1
    }
    for s in 0..store.len() as u32 {
        let rec = store.slot(s);
        let id = rec.id().unwrap_or("");
        if touched.contains(id) {
            continue;
        }
        let v = rec.view();
        // (kind, id, where) of each reference the batch removed
        let mut bad: Vec<(ChangeKind, &str, &'static str)> = Vec::new();
        let user = |bad: &mut Vec<_>, u: Ix, what: &'static str| {
            if m.users[u as usize] == NONE {
                bad.push((ChangeKind::User, old.users[u as usize].id.as_str(), what));
            }
        };
        match v.owner {
            Some(Pr::User(u)) => user(&mut bad, u, "owner"),
            Some(Pr::Group(g)) if m.groups[g as usize] == NONE => bad.push((ChangeKind::Group, old.groups[g as usize].id.as_str(), "owner")),
            _ => {}
        }
        if let Some(u) = v.created_by {
            user(&mut bad, u, "createdBy");
        }
        for (list, what) in [(v.account_managers, "accountManagers"), (v.assignees, "assignees"), (v.participants, "participants"), (v.auditors, "auditors")] {
            for &u in list {
                user(&mut bad, u, what);
            }
        }
        for &w in v.workspaces {
            if m.workspaces[w as usize] == NONE {
                bad.push((ChangeKind::Workspace, &old.workspaces[w as usize].id, "workspaces"));
            }
        }
        for &code in v.shares {
            let (kind, ix, _) = share_parts(code);
            match kind {
                ShareKind::User => {
                    let n = m.users[ix as usize];
                    if n == NONE {
                        user(&mut bad, ix, "sharedWith");
                    } else if new.users[n as usize].external {
                        // construction refuses a share with an external user
                        let change = user_from.get(n as usize).copied().flatten().unwrap_or(0);
                        let e = entry(&mut external, (change, new.users[n as usize].id.clone()));
                        if e.0.len() < NAMED_RECORDS {
                            e.0.push(format!("\"{id}\""));
                        }
                        e.1 += 1;
                    }
                }
                ShareKind::Group if m.groups[ix as usize] == NONE => bad.push((ChangeKind::Group, old.groups[ix as usize].id.as_str(), "sharedWith")),
                ShareKind::Role | ShareKind::RoleSub if m.roles[ix as usize] == NONE => {
                    bad.push((ChangeKind::Role, old.role_names[ix as usize].as_str(), "sharedWith"));
                }
                _ => {}
            }
        }
        for (kind, what_id, key) in bad {
            let change = removed.get(&(kind, what_id.to_owned())).copied().unwrap_or(0);
            let e = entry(&mut named, (change, format!("{} \"{what_id}\"", kind.name())));
            if e.0.len() < NAMED_RECORDS {
                e.0.push(format!("\"{id}\" ({key})"));
            }
            e.1 += 1;
        }
    }
    named.sort_by(|a, b| a.0.cmp(&b.0));
    external.sort_by(|a, b| a.0.cmp(&b.0));
    for ((change, what), (recs, n)) in named {
        let more = if n > recs.len() { format!(" and {} more", n - recs.len()) } else { String::new() };
        problems.push(Problem::new(format!("changes[{change}].id"), format!("{what} is still referenced by stored records {}{more}", recs.join(", "))));
    }
    for ((change, uid), (recs, n)) in external {
        let more = if n > recs.len() { format!(" and {} more", n - recs.len()) } else { String::new() };
        problems.push(Problem::new(
            format!("changes[{change}].value.external"),
            format!(
                "user \"{uid}\" would be external, but stored records {}{more} are shared with them; a record is never shared with an external user",
                recs.join(", ")
            ),
        ));
    }
}

/// `apply`'s short path for a batch that only replaces existing sharing rules
/// (each id at most once): each new rule is checked as validation checks a
/// rule, and the compiled model is patched where that rule is read (the
/// rule itself, the rule lists of the user classes it reaches or reached, and
/// the per-role lists of rules reaching through subordinates), instead of
/// compiling the whole model again. Every other batch returns `None` and
/// takes the general path. The result is the compiled model construction
/// would build, up to the order of equal list entries (`tests/live.rs`).
pub(crate) fn replace_rules(model: &mut Model, c: &mut Compiled, changes: &[Change]) -> Option<Result<(), Error>> {
    use crate::compiled::{Class, SubScan};
    use std::sync::Arc;
    let mut todo: Vec<(usize, usize, &SharingRule)> = Vec::with_capacity(changes.len());
    for (i, change) in changes.iter().enumerate() {
        let Change::Put(Item::SharingRule(rule)) = change else { return None };
        let at = model.sharing_rules.iter().position(|r| r.id == rule.id)?;
        if todo.iter().any(|&(_, a, _)| a == at) {
            return None;
        }
        todo.push((i, at, rule));
    }
    if todo.is_empty() || c.rules.len() != model.sharing_rules.len() {
        return None;
    }
    // check each new rule
    let group_ix: HashMap<String, Ix> = c.groups.iter().enumerate().map(|(g, grp)| (grp.id.clone(), g as Ix)).collect();
    let parents: Vec<Option<Ix>> = c.modules.iter().map(|m| m.parent).collect();
    let mut problems = Vec::new();
    let mut new_rules = Vec::with_capacity(todo.len());
    for &(i, at, rule) in &todo {
        match crate::validate::one_rule(rule, (&c.module_ix, &c.role_ix, &group_ix), &parents) {
            Ok(r) => new_rules.push((at as Ix, r)),
            Err(found) => problems.extend(found.into_iter().map(|mut p| {
                p.path = format!("changes[{i}].value{}", p.path.strip_prefix("sharingRules[0]").unwrap_or(""));
                p
            })),
        }
    }
    if !problems.is_empty() {
        return Some(Err(problem_error(problems)));
    }
    // nothing below can fail: patch
    let changed: Vec<Ix> = new_rules.iter().map(|&(ri, _)| ri).collect();
    let mut patched: HashMap<*const Class, Arc<Class>> = HashMap::default();
    let mut classes: Vec<Arc<Class>> = Vec::with_capacity(c.users.len());
    for u in &c.users {
        let key = Arc::as_ptr(&u.class);
        let class = patched.entry(key).or_insert_with(|| {
            let old = &u.class;
            let mut rules: Vec<(Ix, Ix)> = old.rules.iter().copied().filter(|(_, ri)| !changed.contains(ri)).collect();
            let mut related: Vec<(Ix, Ix)> = old.related.iter().copied().filter(|(_, ri)| !changed.contains(ri)).collect();
            for (ri, rule) in &new_rules {
                if c.reaches(u.role, &old.groups, rule.to) {
                    rules.push((rule.module, *ri));
                    related.extend(rule.related.iter().map(|&(child, _)| (child, *ri)));
                }
            }
            rules.sort_unstable();
            related.sort_unstable();
            Arc::new(Class { groups: old.groups.clone(), rules, related })
        });
        classes.push(class.clone());
    }
    let mut held: Vec<Ix> = c.users.iter().filter(|u| !u.external).filter_map(|u| u.role).collect();
    held.sort_unstable();
    held.dedup();
    let mut sub_lists = Vec::new();
    if c.sub_scan.is_none() {
        for &r in &held {
            let role = &c.roles[r as usize];
            let mut rules: Vec<(Ix, Ix)> = role.sub_rules.iter().copied().filter(|(_, ri)| !changed.contains(ri)).collect();
            let mut related: Vec<(Ix, Ix)> = role.sub_related.iter().copied().filter(|(_, ri)| !changed.contains(ri)).collect();
            for (ri, rule) in &new_rules {
                if c.matches_below(r, rule.to.into()) {
                    rules.push((rule.module, *ri));
                    related.extend(rule.related.iter().map(|&(child, _)| (child, *ri)));
                }
            }
            rules.sort_unstable();
            related.sort_unstable();
            sub_lists.push((r, rules, related));
        }
    }
    for (u, class) in c.users.iter_mut().zip(classes) {
        u.class = class;
    }
    for (r, rules, related) in sub_lists {
        let role = &mut c.roles[r as usize];
        role.sub_rules = rules;
        role.sub_related = related;
    }
    for (ri, rule) in new_rules {
        c.rules[ri as usize] = rule;
    }
    if c.sub_scan.is_some() {
        c.sub_scan = Some(SubScan::of(&c.rules));
    }
    for (_, at, rule) in todo {
        model.sharing_rules[at] = rule.clone();
    }
    Some(Ok(()))
}

/// `apply`'s short path for a batch of one change that puts one user (an
/// existing one whose `external` and `company` stay, or a new internal one)
/// or one existing group: the item is checked as validation checks it, and
/// the compiled model is patched (the user, or the group's containers,
/// closures, spans and the classes the change can reach), then the reach
/// tables and per-role lists where they can have moved. Returns `None` (nothing changed) for any other
/// batch, and for an item that is not valid: the general path then reports
/// the problems. The result answers as construction's would (`tests/live.rs`).
pub(crate) fn put_principal(model: &mut Model, c: &mut Compiled, changes: &[Change]) -> Option<()> {
    let [Change::Put(item)] = changes else { return None };
    let before: Vec<(Option<Ix>, std::sync::Arc<crate::compiled::Class>)> = c.users.iter().map(|u| (u.role, u.class.clone())).collect();
    let spans = match item {
        Item::User(u) => put_user(model, c, u)?,
        Item::Group(g) => put_group(model, c, g)?,
        _ => return None,
    };
    // the groups whose internal users' roles may have changed
    let mut touched = vec![false; c.groups.len()];
    for (i, u) in c.users.iter().enumerate() {
        let same = before.get(i).is_some_and(|(role, class)| *role == u.role && std::sync::Arc::ptr_eq(class, &u.class));
        if !same {
            for &g in u.class.groups.iter().chain(before.get(i).into_iter().flat_map(|(_, class)| &class.groups)) {
                touched[g as usize] = true;
            }
        }
    }
    let role_parents: Vec<Option<Ix>> = model.roles.iter().map(|r| r.parent.as_ref().map(|p| c.role_ix[p])).collect();
    compile::reach_again(c, &role_parents, &spans, &touched);
    Some(())
}

/// Returns the role spans that changed (none).
fn put_user(model: &mut Model, c: &mut Compiled, u: &User) -> Option<Vec<(u32, u32)>> {
    use crate::model::GroupMember;
    let at = match c.principal_ix.get(&u.id) {
        Some(&Pr::User(i)) => Some(i as usize),
        Some(Pr::Group(_)) => return None,
        None => None,
    };
    match at {
        Some(i) if model.users[i].external != u.external || model.users[i].company != u.company => return None,
        None if u.external => return None,
        _ => {}
    }
    let profile_ix: HashMap<String, Ix> = model.profiles.iter().enumerate().map(|(i, p)| (p.id.clone(), i as Ix)).collect();
    if !crate::validate::one_user_ok(u, model, &c.role_ix, &profile_ix) {
        return None;
    }
    // nothing below can fail: patch
    let mut seeds = Vec::new();
    for (g, grp) in model.groups.iter().enumerate() {
        for m in &grp.members {
            match m {
                GroupMember::User(x) if *x == u.id => seeds.push(g as Ix),
                GroupMember::Role(r) if u.role.as_ref() == Some(r) => seeds.push(g as Ix),
                _ => {}
            }
        }
    }
    let role = u.role.as_ref().map(|r| c.role_ix[r]);
    let class = std::sync::Arc::new(compile::class_for(c, role, &seeds));
    let combo = compile::combo_for(c, model, u, &profile_ix);
    let ix = at.unwrap_or(c.users.len());
    let was = at.is_some_and(|i| c.users[i].active && !c.users[i].external);
    if was != (u.active && !u.external) {
        let (list, users) = (&mut c.active_internal, &c.users);
        match list.iter().position(|&x| x as usize == ix) {
            Some(p) => drop(list.remove(p)),
            None => list.insert(list.partition_point(|&x| users[x as usize].id < u.id), ix as Ix),
        }
    }
    let workspaces = at.map(|i| std::mem::take(&mut c.users[i].workspaces)).unwrap_or_default();
    let compiled = compile::user_c(u.clone(), &c.role_ix, combo, class, workspaces);
    match at {
        Some(i) => {
            c.users[i] = compiled;
            model.users[i] = u.clone();
        }
        None => {
            c.users.push(compiled);
            c.externals.push(false);
            c.principal_ix.insert(u.id.clone(), Pr::User(ix as Ix));
            model.users.push(u.clone());
        }
    }
    Some(Vec::new())
}

/// Returns the role spans that changed, before and after.
fn put_group(model: &mut Model, c: &mut Compiled, grp: &Group) -> Option<Vec<(u32, u32)>> {
    use crate::compiled::in_spans;
    use crate::model::GroupMember;
    let Some(&Pr::Group(g)) = c.principal_ix.get(&grp.id) else { return None };
    let up = c.group_up.as_ref()?;
    let nested_in = |group: &Group| -> Option<Vec<Ix>> {
        let mut nested = Vec::new();
        for m in &group.members {
            match m {
                GroupMember::User(x) if matches!(c.principal_ix.get(x), Some(Pr::User(_))) => {}
                GroupMember::Role(r) | GroupMember::RoleAndSubordinates(r) if c.role_ix.contains_key(r) => {}
                // (a group that contains this one, or itself, would close a cycle)
                GroupMember::Group(h) => match c.principal_ix.get(h) {
                    Some(&Pr::Group(h)) if up[g as usize].binary_search(&h).is_err() => nested.push(h),
                    _ => return None,
                },
                _ => return None,
            }
        }
        Some(nested)
    };
    let nested = nested_in(grp)?;
    let old = nested_in(&model.groups[g as usize]).unwrap_or_default();
    // nothing below can fail: patch
    // the groups below this one (their upward closures change), before and after
    let below = |c: &Compiled| -> Vec<bool> {
        (0..c.groups.len() as Ix).map(|x| x != g && crate::graph::close_upward(&[x], &c.groups, c.group_up.as_deref()).binary_search(&g).is_ok()).collect()
    };
    let mut moved = below(c);
    let old_spans: Vec<Vec<(u32, u32)>> = c.groups.iter().map(|grp| grp.role_spans.clone()).collect();
    let old_members = std::mem::replace(&mut model.groups[g as usize], grp.clone()).members;
    for h in old {
        c.groups[h as usize].containers.retain(|&x| x != g);
    }
    for h in nested {
        let list = &mut c.groups[h as usize].containers;
        list.push(g);
        list.sort_unstable();
        list.dedup();
    }
    c.group_up = crate::graph::group_up(&c.groups);
    compile::role_spans(model, &c.role_ix, &c.roles, &mut c.groups, c.group_up.as_deref());
    for (x, now) in below(c).into_iter().enumerate() {
        moved[x] |= now;
    }
    // a user's class changes when their direct or role memberships of this
    // group change, when one of their groups moved, or when a group's role
    // spans now hold their role or no longer do
    type Spans = [(u32, u32)];
    let changed_spans: Vec<(&Spans, &Spans)> =
        c.groups.iter().zip(&old_spans).filter(|(now, was)| now.role_spans != **was).map(|(now, was)| (&now.role_spans[..], &was[..])).collect();
    let (mut named_users, mut named_roles) = (vec![false; c.users.len()], vec![false; c.roles.len()]);
    for m in old_members.iter().chain(&grp.members) {
        match m {
            GroupMember::User(u) => {
                if let Some(&Pr::User(u)) = c.principal_ix.get(u) {
                    named_users[u as usize] = true;
                }
            }
            GroupMember::Role(r) => named_roles[c.role_ix[r] as usize] = true,
            _ => {}
        }
    }
    let affected: Vec<bool> = (c.users.iter().enumerate())
        .map(|(u, user)| {
            let pre = user.role.map(|r| c.roles[r as usize].pre);
            named_users[u]
                || user.role.is_some_and(|r| named_roles[r as usize])
                || user.class.groups.iter().any(|&x| moved[x as usize])
                || pre.is_some_and(|p| changed_spans.iter().any(|(now, was)| in_spans(now, p) != in_spans(was, p)))
        })
        .collect();
    // their direct and role memberships
    let mut direct: HashMap<&str, Vec<Ix>> = HashMap::default();
    let mut by_role = direct.clone();
    for user in model.users.iter().enumerate().filter(|&(u, _)| affected[u]).map(|(_, user)| user) {
        direct.insert(&user.id, Vec::new());
        if let Some(r) = &user.role {
            by_role.insert(r, Vec::new());
        }
    }
    for (h, group) in model.groups.iter().enumerate() {
        for m in &group.members {
            let list = match m {
                GroupMember::User(u) => direct.get_mut(u.as_str()),
                GroupMember::Role(r) => by_role.get_mut(r.as_str()),
                _ => None,
            };
            list.into_iter().for_each(|l| l.push(h as Ix));
        }
    }
    for (u, user) in model.users.iter().enumerate().filter(|&(u, _)| affected[u]) {
        let mut seeds = direct[user.id.as_str()].clone();
        seeds.extend(user.role.as_ref().into_iter().flat_map(|r| &by_role[r.as_str()]));
        c.users[u].class = std::sync::Arc::new(compile::class_for(c, c.users[u].role, &seeds));
    }
    Some(changed_spans.into_iter().flat_map(|(now, was)| now.iter().chain(was)).copied().collect())
}
