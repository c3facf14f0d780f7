//! Saving a change (§3.9, `decideUpdate`): may a user save `after` over
//! `before`?
//!
//! Keys are compared on the records as JSON values (`before` as stored or as
//! given, `after` as given): `owner`, `parent`, `company`, `createdBy` and
//! `type` treat `null` as absent; the id lists and `sharedWith` compare as
//! sets; `fields` compares key by key as JSON values (object key order does
//! not count, array order does, numbers by value), and a key set to `null`
//! differs from an absent key. The conditions on the new record are those of
//! §3.7, as `decide(U, "create", after)` reports them, without the profile's
//! `create` (a move is not a creation).

use crate::compiled::{Compiled, Ix};
use crate::level::{Access, Action};
use crate::model::FieldLevel;
use crate::reason::Reason;
use crate::store::{Rec, Store};
use serde::Serialize;
use serde_json::Value;

#[cfg(feature = "wasm")]
use tsify::Tsify;

/// The answer to "may this user save this change?" (§3.9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct UpdateDecision {
    pub allowed: bool,
    /// Every condition that failed; when allowed, `update-allowed` (or `admin`).
    pub reasons: Vec<Reason>,
}

/// The keys whose change hands a record over (§3.9): changing them needs `full`.
const HANDOVER_SCALARS: [&str; 2] = ["owner", "createdBy"];
const HANDOVER_LISTS: [&str; 2] = ["accountManagers", "auditors"];

/// Are two JSON values the same JSON value? Object key order does not count,
/// array order does, numbers compare by value (`1` is `1.0`).
pub(crate) fn json_same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
            (Some(i), Some(j), _, _) => i == j,
            (_, _, Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(xs), Value::Array(ys)) => xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| json_same(x, y)),
        (Value::Object(xs), Value::Object(ys)) => xs.len() == ys.len() && xs.iter().all(|(k, x)| ys.get(k).is_some_and(|y| json_same(x, y))),
        _ => a == b,
    }
}

/// A key where `null` and absent both mean "none".
fn scalar<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.get(key).filter(|x| !x.is_null())
}

fn scalar_changed(a: &Value, b: &Value, key: &str) -> bool {
    match (scalar(a, key), scalar(b, key)) {
        (None, None) => false,
        (Some(x), Some(y)) => !json_same(x, y),
        _ => true,
    }
}

fn list<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    v.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// Do the lists under `key` differ as sets?
fn set_changed(a: &Value, b: &Value, key: &str) -> bool {
    let (xs, ys) = (list(a, key), list(b, key));
    let within = |xs: &[Value], ys: &[Value]| xs.iter().all(|x| ys.iter().any(|y| json_same(x, y)));
    !(within(xs, ys) && within(ys, xs))
}

/// The keys of `fields` that were added, removed or changed, in the order of
/// `before` and then of the keys only `after` has.
fn changed_fields(a: &Value, b: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let fa = a.get("fields").and_then(Value::as_object).unwrap_or(&empty);
    let fb = b.get("fields").and_then(Value::as_object).unwrap_or(&empty);
    let mut out: Vec<String> = fa.iter().filter(|(k, x)| !fb.get(*k).is_some_and(|y| json_same(x, y))).map(|(k, _)| k.clone()).collect();
    out.extend(fb.keys().filter(|k| !fa.contains_key(*k)).cloned());
    out
}

impl Compiled {
    /// §3.9 for user `ui`: `before` and `after` resolved, and as JSON values.
    pub(crate) fn decide_update(&self, store: &Store, ui: Ix, before: &Rec, before_json: &Value, after: &Rec, after_json: &Value) -> UpdateDecision {
        let u = &self.users[ui as usize];
        if !u.active {
            return UpdateDecision { allowed: false, reasons: vec![Reason::Inactive] };
        }
        let bv = before.view();
        let shares_changed = set_changed(before_json, after_json, "sharedWith");
        let mut reasons = Vec::new();
        if u.admin {
            if shares_changed && !self.may_share(store, ui, &bv, None) {
                reasons.push(Reason::ShareChangeNeedsCanShare);
            }
            return finish(reasons, Reason::Admin);
        }
        let edit = self.decide(store, ui, Action::Edit, &bv);
        if !edit.allowed {
            reasons.push(Reason::UpdateNeedsEdit);
        }
        // fields: a module with `fields: null` has no field security
        if self.modules[before.module as usize].fields.is_some() {
            let changed = changed_fields(before_json, after_json);
            if !changed.is_empty() {
                let levels = self.record_field_levels(store, ui, before);
                for name in changed {
                    if !levels.iter().any(|(f, l)| *f == name && *l == FieldLevel::Editable) {
                        reasons.push(Reason::FieldNotEditable(name.into()));
                    }
                }
            }
        }
        // handing over
        if edit.access != Access::Full {
            let scalars = HANDOVER_SCALARS.iter().filter(|k| scalar_changed(before_json, after_json, k));
            let lists = HANDOVER_LISTS.iter().filter(|k| set_changed(before_json, after_json, k));
            let mut keys: Vec<&str> = scalars.chain(lists).copied().collect();
            keys.sort_by_key(|k| ["owner", "accountManagers", "auditors", "createdBy"].iter().position(|o| o == k));
            reasons.extend(keys.into_iter().map(|k| Reason::HandoverNeedsFull(k.into())));
        }
        // moves: each changed key on its own
        let av = after.view();
        let parent_changed = scalar_changed(before_json, after_json, "parent");
        let company_changed = scalar_changed(before_json, after_json, "company");
        let workspaces_changed = set_changed(before_json, after_json, "workspaces");
        let type_changed = scalar_changed(before_json, after_json, "type");
        let viewable = |id: &str| store.get(id).is_some_and(|r| self.allowed(store, ui, Action::View, &r.view()));
        if parent_changed {
            if let Some(p) = av.parent.filter(|p| !viewable(p)) {
                reasons.push(Reason::MoveParentNotViewable(p.into()));
            }
        }
        if company_changed {
            if let Some(c) = av.company.filter(|c| !viewable(c)) {
                reasons.push(Reason::MoveCompanyNotViewable(c.into()));
            }
        }
        if type_changed && u.type_hidden(&av) {
            reasons.push(Reason::RecordTypeHidden);
        }
        let moved = parent_changed || company_changed || workspaces_changed || type_changed;
        if moved && (u.limited_crm || u.limited_deals || (workspaces_changed && u.external)) {
            // §3.7's conditions on `after`, as the creation procedure reports them
            for r in self.decide(store, ui, Action::Create, &av).reasons {
                let keep = match r {
                    Reason::ExternalNeedsWorkspace | Reason::WorkspaceNotParticipant(_) | Reason::WorkspaceReadOnly(_) => workspaces_changed && u.external,
                    Reason::LimitedCrmUnmanaged | Reason::LimitedDealsNotOwn => true,
                    _ => false,
                };
                if keep && !reasons.contains(&r) {
                    reasons.push(r);
                }
            }
        }
        if shares_changed && !self.may_share(store, ui, &bv, Some(edit.access)) {
            reasons.push(Reason::ShareChangeNeedsCanShare);
        }
        finish(reasons, Reason::UpdateAllowed)
    }
}

fn finish(reasons: Vec<Reason>, ok: Reason) -> UpdateDecision {
    if reasons.is_empty() {
        UpdateDecision { allowed: true, reasons: vec![ok] }
    } else {
        UpdateDecision { allowed: false, reasons }
    }
}
