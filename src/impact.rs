//! What a batch of changes would do (issue 12): every (user, stored record,
//! action) whose answer differs before and after the batch, for the actions
//! view, edit and delete.
//!
//! The comparison runs over the union of the users and of the stored records
//! before and after (a user or record that does not exist on one side has no
//! access there). It is exact; what keeps it fast is a bound on where answers
//! can change, taken only when it is certain:
//!
//! * when the batch only puts and removes sharing rules, a user's answers can
//!   change only if one of those rules (before or after) reaches them, or
//!   reaches an internal user below their role (superiors on `hierarchy`
//!   modules); and only on records of a rule's module whose owner its `from`
//!   matches (a rule grants nothing else there), and on every record of the
//!   modules below a rule's module (related sharing, children controlled by
//!   their parent); when the limited-access company module is among those,
//!   every record of every module;
//! * otherwise every user and every stored record is compared.
//!
//! The per-(user, action) comparison itself goes through the fast contexts,
//! as `filterStored` does.

use crate::compile::{Compiled, Ix};
use crate::compiled::PrincipalC;
use crate::level::Action;
use crate::store::Store;
use rustc_hash::FxHashSet as HashSet;
use serde::{Deserialize, Serialize};

#[cfg(feature = "wasm")]
use tsify::Tsify;

/// Options of `impact`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImpactOptions {
    /// At most this many entries in `changes` (default 1,000); the counts
    /// always cover every difference.
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "number | null"))]
    pub limit: Option<usize>,
    /// Only these users (ids; unknown ids are ignored).
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string[] | null"))]
    pub users: Option<Vec<String>>,
    /// Only records of these modules.
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string[] | null"))]
    pub modules: Option<Vec<String>>,
}

/// Parses the options of `impact` from JSON text, every problem with its path.
pub(crate) fn parse_options(text: &str) -> Result<ImpactOptions, crate::Error> {
    use crate::error::{ErrorKind, Problem};
    use serde_json::Value;
    let bad = |path: &str, msg: &str| crate::Error::single(ErrorKind::InvalidInput, path, msg.to_owned());
    let value: Value = serde_json::from_str(text).map_err(|e| bad("options", &format!("not valid JSON: {e}")))?;
    let mut opts = ImpactOptions::default();
    let obj = match value {
        Value::Null => return Ok(opts),
        Value::Object(obj) => obj,
        _ => return Err(bad("options", "expected an object { limit, users, modules }")),
    };
    let mut problems = Vec::new();
    let strings = |v: &Value, key: &str, problems: &mut Vec<Problem>| -> Option<Vec<String>> {
        match v {
            Value::Null => None,
            Value::Array(items) if items.iter().all(Value::is_string) => Some(items.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()),
            _ => {
                problems.push(Problem::new(format!("options.{key}"), "expected an array of strings"));
                None
            }
        }
    };
    for (key, v) in &obj {
        match key.as_str() {
            "limit" => match v {
                Value::Null => {}
                Value::Number(n) if n.as_u64().is_some() => opts.limit = n.as_u64().map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
                _ => problems.push(Problem::new("options.limit", "expected a whole number, 0 or more")),
            },
            "users" => opts.users = strings(v, "users", &mut problems),
            "modules" => opts.modules = strings(v, "modules", &mut problems),
            _ => problems.push(Problem::new(format!("options.{key}"), format!("unknown key \"{key}\"")).with_help("use \"limit\", \"users\" or \"modules\"")),
        }
    }
    if problems.is_empty() {
        Ok(opts)
    } else {
        Err(crate::Error::from_problems(ErrorKind::InvalidInput, problems))
    }
}

/// The default of [`ImpactOptions::limit`].
pub const IMPACT_LIMIT: usize = 1_000;

/// One answer that a batch changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
pub struct AccessChange {
    pub user: String,
    pub record: String,
    /// `view`, `edit` or `delete`.
    pub action: Action,
    pub before: bool,
    pub after: bool,
}

/// How many answers turn from denied to allowed (`gained`) and back (`lost`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
pub struct Counts {
    pub gained: u64,
    pub lost: u64,
}

impl Counts {
    fn add(&mut self, after: bool) {
        if after {
            self.gained += 1;
        } else {
            self.lost += 1;
        }
    }
}

/// Counts by key (user id or module name), sorted by key; serialised as a
/// JSON object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountsBy(pub Vec<(String, Counts)>);

impl CountsBy {
    /// The counts of one key.
    pub fn get(&self, key: &str) -> Option<&Counts> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok().map(|i| &self.0[i].1)
    }
    /// Every count, in key order.
    pub fn values(&self) -> impl Iterator<Item = &Counts> {
        self.0.iter().map(|(_, c)| c)
    }
}

impl Serialize for CountsBy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// What a batch of changes would do.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Impact {
    /// The differences, sorted by user id, record id, then action (view,
    /// edit, delete); at most `limit` of them.
    pub changes: Vec<AccessChange>,
    /// All differences, whatever the limit.
    pub total: Counts,
    /// Per user id, for the users with differences (sorted by id; a JSON
    /// object keyed by user id).
    #[cfg_attr(feature = "wasm", tsify(type = "{ [user: string]: Counts }"))]
    pub by_user: CountsBy,
    /// Per module (of the record after the batch; before, for a removed
    /// record), for the modules with differences (sorted by name; a JSON
    /// object keyed by module name).
    #[cfg_attr(feature = "wasm", tsify(type = "{ [module: string]: Counts }"))]
    pub by_module: CountsBy,
    /// Whether `changes` was cut at `limit`.
    pub truncated: bool,
}

/// One side of the comparison: a compiled model and its records.
pub(crate) struct Side<'a> {
    pub c: &'a Compiled,
    pub store: &'a Store,
}

const ACTIONS: [Action; 3] = [Action::View, Action::Edit, Action::Delete];

/// The users and modules where answers may differ, when that can be bounded.
pub(crate) struct Reach {
    /// Rule ids the batch puts or removes (set only when the batch changes
    /// nothing but sharing rules).
    pub rules: Option<HashSet<String>>,
}

/// Compares `before` and `after` (see the module's description).
pub(crate) fn impact(before: &Side<'_>, after: &Side<'_>, reach: &Reach, opts: &ImpactOptions) -> Impact {
    let limit = opts.limit.unwrap_or(IMPACT_LIMIT);
    let only_users: Option<HashSet<&str>> = opts.users.as_ref().map(|u| u.iter().map(String::as_str).collect());
    let only_modules: Option<HashSet<&str>> = opts.modules.as_ref().map(|m| m.iter().map(String::as_str).collect());

    // the users: the union by id, sorted
    let mut users = union(
        before.c.users.iter().enumerate().map(|(i, u)| (u.id.as_str(), i as Ix)),
        after.c.users.iter().enumerate().map(|(i, u)| (u.id.as_str(), i as Ix)),
    );
    if let Some(only) = &only_users {
        users.retain(|(id, _, _)| only.contains(id));
    }

    // the bound, when the batch is only about sharing rules
    let mut modules: Option<(Vec<Scope>, Vec<Scope>)> = None;
    if let Some(rules) = &reach.rules {
        let (b_rules, b_mods) = rule_reach(before.c, rules);
        let (a_rules, a_mods) = rule_reach(after.c, rules);
        users.retain(|(_, b, a)| b.is_some_and(|u| reached(before.c, u, &b_rules)) || a.is_some_and(|u| reached(after.c, u, &a_rules)));
        modules = Some((b_mods, a_mods));
    }

    // the records: the union by id, sorted
    let in_scope = |side: &Side<'_>, rec: &crate::store::Rec, scope: Option<&Vec<Scope>>| {
        let m = rec.module;
        if !only_modules.as_ref().is_none_or(|only| only.contains(side.c.modules[m as usize].name.as_str())) {
            return false;
        }
        match scope.map(|s| &s[m as usize]) {
            None | Some(Scope::All) => true,
            Some(Scope::None) => false,
            Some(Scope::Owners(froms)) => rec.view().owner.is_some_and(|o| froms.iter().any(|&f| side.c.rule_from_matches(f, o))),
        }
    };
    let mut records = union(
        (0..before.store.len() as u32)
            .filter(|&s| in_scope(before, before.store.slot(s), modules.as_ref().map(|m| &m.0)))
            .map(|s| (before.store.slot(s).id().unwrap_or(""), s)),
        (0..after.store.len() as u32)
            .filter(|&s| in_scope(after, after.store.slot(s), modules.as_ref().map(|m| &m.1)))
            .map(|s| (after.store.slot(s).id().unwrap_or(""), s)),
    );
    // a record counted on one side only is looked up on the other
    for (id, b, a) in &mut records {
        if b.is_none() {
            *b = before.store.slot_of(id).map(|s| s as u32);
        }
        if a.is_none() {
            *a = after.store.slot_of(id).map(|s| s as u32);
        }
    }

    let mut out = Impact::default();
    let mut mine: Vec<(usize, u8, bool)> = Vec::new();
    let mut by_module = vec![Counts::default(); after.c.modules.len()];
    for (uid, bu, au) in users {
        mine.clear();
        for (k, &action) in ACTIONS.iter().enumerate() {
            let mut bctx = bu.map(|u| before.c.fast_ctx(u, action));
            let mut actx = au.map(|u| after.c.fast_ctx(u, action));
            for (r, &(_, bs, as_)) in records.iter().enumerate() {
                let was = match (&mut bctx, bs) {
                    (Some(ctx), Some(s)) => before.c.fast_allowed(before.store, ctx, &before.store.slot(s).view()),
                    _ => false,
                };
                let is = match (&mut actx, as_) {
                    (Some(ctx), Some(s)) => after.c.fast_allowed(after.store, ctx, &after.store.slot(s).view()),
                    _ => false,
                };
                if was != is {
                    mine.push((r, k as u8, is));
                }
            }
        }
        if mine.is_empty() {
            continue;
        }
        mine.sort_unstable();
        let mut by_user = Counts::default();
        for &(r, k, is) in &mine {
            let (rid, bs, as_) = records[r];
            by_user.add(is);
            out.total.add(is);
            // (modules are the same on both sides: a batch cannot change them)
            let module = match as_ {
                Some(s) => after.store.slot(s).module,
                None => bs.map_or(0, |s| before.store.slot(s).module),
            };
            by_module[module as usize].add(is);
            if out.changes.len() < limit {
                out.changes.push(AccessChange { user: uid.to_owned(), record: rid.to_owned(), action: ACTIONS[k as usize], before: !is, after: is });
            } else {
                out.truncated = true;
            }
        }
        out.by_user.0.push((uid.to_owned(), by_user));
    }
    let mut named: Vec<(String, Counts)> =
        by_module.into_iter().enumerate().filter(|(_, c)| c.gained + c.lost > 0).map(|(m, c)| (after.c.modules[m].name.clone(), c)).collect();
    named.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out.by_module.0 = named;
    out
}

/// The union by id of two lists of (id, index), sorted by id: each id with
/// its index on each side.
fn union<'a>(before: impl Iterator<Item = (&'a str, Ix)>, after: impl Iterator<Item = (&'a str, Ix)>) -> Vec<(&'a str, Option<Ix>, Option<Ix>)> {
    let mut all: Vec<(&str, Option<Ix>, Option<Ix>)> = before.map(|(id, i)| (id, Some(i), None)).chain(after.map(|(id, i)| (id, None, Some(i)))).collect();
    all.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut out: Vec<(&str, Option<Ix>, Option<Ix>)> = Vec::with_capacity(all.len());
    for (id, b, a) in all {
        match out.last_mut() {
            Some(last) if last.0 == id => {
                last.1 = last.1.or(b);
                last.2 = last.2.or(a);
            }
            _ => out.push((id, b, a)),
        }
    }
    out
}

/// Which records of a module a batch of sharing-rule changes can affect.
#[derive(Clone)]
enum Scope {
    None,
    /// Those whose owner one of these `from`s matches (a rule's grant is
    /// to records owned by what its `from` matches).
    Owners(Vec<PrincipalC>),
    All,
}

/// For the rules with these ids in `c`: their indexes, and per module the
/// records they can affect.
fn rule_reach(c: &Compiled, ids: &HashSet<String>) -> (Vec<Ix>, Vec<Scope>) {
    let rules: Vec<Ix> = (0..c.rules.len() as Ix).filter(|&r| ids.contains(&*c.rules[r as usize].id)).collect();
    let mut mods = vec![false; c.modules.len()];
    for &r in &rules {
        // the modules below (related entries name children) take every record
        for &(child, _) in &c.rules[r as usize].related {
            mods[child as usize] = true;
        }
        for (m, module) in c.modules.iter().enumerate() {
            if module.parent == Some(c.rules[r as usize].module) {
                mods[m] = true;
            }
        }
    }
    // and every module below those (a child reads its parent's access); the
    // parent links have no cycles, so this settles in at most n rounds
    loop {
        let mut more = false;
        for (m, module) in c.modules.iter().enumerate() {
            if !mods[m] && module.parent.is_some_and(|p| mods[p as usize]) {
                mods[m] = true;
                more = true;
            }
        }
        if !more {
            break;
        }
    }
    let mut scope: Vec<Scope> = mods.iter().map(|&all| if all { Scope::All } else { Scope::None }).collect();
    for &r in &rules {
        let rule = &c.rules[r as usize];
        match &mut scope[rule.module as usize] {
            Scope::All => {}
            Scope::Owners(froms) => froms.push(rule.from),
            s @ Scope::None => *s = Scope::Owners(vec![rule.from]),
        }
    }
    // limited CRM reads the access to the company record (C(X)) from any module
    if c.limited.as_ref().is_some_and(|l| !matches!(scope[l.company_module as usize], Scope::None)) {
        scope.iter_mut().for_each(|m| *m = Scope::All);
    }
    (rules, scope)
}

/// Does one of `rules` reach user `u`: directly (the user's class), or
/// through an internal user below their role?
fn reached(c: &Compiled, u: Ix, rules: &[Ix]) -> bool {
    let user = &c.users[u as usize];
    rules.iter().any(|&r| {
        user.class.rules.iter().any(|&(_, ri)| ri == r)
            || user.class.related.iter().any(|&(_, ri)| ri == r)
            || user.role.is_some_and(|role| c.matches_below(role, c.rules[r as usize].to.into()))
    })
}
