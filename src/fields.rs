//! Field-level security: what a user may do with each declared field of a
//! module (`field_access`), and a record reduced to the fields the user may
//! see (`mask`).

use crate::compiled::{Compiled, Ix, Pr};
use crate::level::{self, Action};
use crate::model::{self, CrmRecord, FieldLevel};
use crate::store::{Rec, Store};

impl Compiled {
    /// The level of each declared field of module `m` for user `ui`, in the
    /// module's order; empty when the module declares no fields.
    pub(crate) fn field_levels(&self, ui: Ix, m: Ix) -> Vec<(String, FieldLevel)> {
        let Some(declared) = &self.modules[m as usize].fields else { return Vec::new() };
        let u = &self.users[ui as usize];
        let all = |l: FieldLevel| declared.iter().map(|f| (f.clone(), l)).collect();
        if !u.active {
            return all(FieldLevel::Hidden);
        }
        if u.admin {
            return all(FieldLevel::Editable);
        }
        let combo = &self.combos[u.combo as usize];
        // v2 §4: `editable` needs the combined profile's `edit` on the module
        // (from any profile, even one that does not open `view`).
        let edit_open = combo.perms[m as usize] & level::EDIT != 0;
        let opening: Vec<&Vec<(String, FieldLevel)>> = combo
            .profiles
            .iter()
            .filter_map(|&p| self.profiles[p as usize].modules.get(&m))
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
                let lvl = if (u.read_only || !edit_open) && best == FieldLevel::Editable { FieldLevel::ReadOnly } else { best };
                (f.clone(), lvl)
            })
            .collect()
    }

    /// `recordFieldAccess` (§4): the module's map for user `ui`, with every
    /// field hidden when the user may not view the record, and `editable`
    /// turned into `readOnly` when they may not edit it.
    pub(crate) fn record_field_levels(&self, store: &Store, ui: Ix, rec: &Rec) -> Vec<(String, FieldLevel)> {
        let mut levels = self.field_levels(ui, rec.module);
        if levels.is_empty() {
            return levels;
        }
        let view = rec.view();
        let cap = if !self.allowed(store, ui, Action::View, &view) {
            FieldLevel::Hidden
        } else if !self.allowed(store, ui, Action::Edit, &view) {
            FieldLevel::ReadOnly
        } else {
            return levels;
        };
        for (_, l) in &mut levels {
            *l = (*l).min(cap);
        }
        levels
    }

    /// The record's fields the user may see: none unless the record is
    /// visible, all of them in a module that declares no fields.
    pub(crate) fn visible_fields(&self, store: &Store, ui: Ix, rec: &Rec) -> serde_json::Map<String, serde_json::Value> {
        let mut fields = serde_json::Map::new();
        if !self.allowed(store, ui, Action::View, &rec.view()) {
            return fields;
        }
        let data: serde_json::Map<String, serde_json::Value> = match &rec.fields {
            Some(text) => serde_json::from_str(text).unwrap_or_default(),
            None => serde_json::Map::new(),
        };
        match &self.modules[rec.module as usize].fields {
            None => fields = data,
            Some(_) => {
                let levels = self.field_levels(ui, rec.module);
                for (name, value) in data {
                    if levels.iter().any(|(f, l)| *f == name && *l != FieldLevel::Hidden) {
                        fields.insert(name, value);
                    }
                }
            }
        }
        fields
    }

    /// A stored record back as JSON (every key, defaults included).
    pub(crate) fn record_json(&self, rec: &Rec) -> serde_json::Value {
        let v = rec.view();
        let users = |ids: &[Ix]| ids.iter().map(|&u| self.users[u as usize].id.clone()).collect::<Vec<_>>();
        let owner = v.owner.map(|o| match o {
            Pr::User(u) => self.users[u as usize].id.clone(),
            Pr::Group(g) => self.groups[g as usize].id.clone(),
        });
        let record = CrmRecord {
            id: rec.id().map(str::to_owned),
            module: self.modules[rec.module as usize].name.clone(),
            owner,
            parent: v.parent.map(str::to_owned),
            company: v.company.map(str::to_owned),
            account_managers: users(v.account_managers),
            created_by: v.created_by.map(|u| self.users[u as usize].id.clone()),
            workspaces: v.workspaces.iter().map(|&w| self.workspaces[w as usize].id.to_string()).collect(),
            assignees: users(v.assignees),
            participants: users(v.participants),
            auditors: users(v.auditors),
            record_type: v.record_type.map(str::to_owned),
            shared_with: self.shares_json(rec),
            fields: rec
                .fields
                .as_deref()
                .and_then(|t| serde_json::value::RawValue::from_string(t.to_owned()).ok())
                .map(model::Fields::from_raw)
                .unwrap_or_default(),
        };
        serde_json::to_value(record).unwrap_or(serde_json::Value::Null)
    }
}
