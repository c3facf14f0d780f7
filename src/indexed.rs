//! The ids-based API: the fast path of the JS package. Users, groups, modules
//! and workspaces are named by index ([`Indexed::id_tables`]), stored records
//! by slot ([`Indexed::slots_of`]), and records in flight by the encoding of
//! `src/encoded.rs`, so that no id string crosses the boundary per call.
//!
//! A Rust user normally wants [`Engine`]'s own methods instead.

use crate::compile::Ix;
use crate::store::Rec;
use crate::{encoded, Action, Decision, Engine, Error, ErrorKind, RecordRef};

/// Ids by index, for the ids-based API ([`Indexed::id_tables`]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct IdTables<'a> {
    pub users: Vec<&'a str>,
    pub groups: Vec<&'a str>,
    pub modules: Vec<&'a str>,
    pub workspaces: Vec<&'a str>,
    /// Role ids (for `sharedWith` entries in the encoding).
    pub roles: Vec<&'a str>,
    /// The indexes of external users (a record is never shared with them).
    #[serde(rename = "externalUsers")]
    pub external_users: Vec<u32>,
}

/// The ids-based view of an [`Engine`]; see the module docs.
#[derive(Clone, Copy)]
pub struct Indexed<'e> {
    e: &'e Engine,
}

impl std::fmt::Debug for Indexed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Indexed").field(self.e).finish()
    }
}

impl Engine {
    /// The ids-based API of this engine (the JS package's fast path).
    pub fn indexed(&self) -> Indexed<'_> {
        Indexed { e: self }
    }

    /// Store slots in id order, computed when first needed after a change.
    pub(crate) fn sorted_slots(&self) -> &[u32] {
        &self.sorted_order().0
    }

    /// The slots in id order, and for each slot its position in that order.
    pub(crate) fn sorted_order(&self) -> &(Vec<u32>, Vec<u32>) {
        self.sorted.get_or_init(|| {
            let mut slots: Vec<u32> = (0..self.store.len() as u32).collect();
            slots.sort_unstable_by(|&a, &b| self.store.slot(a).id().cmp(&self.store.slot(b).id()));
            let mut rank = vec![0u32; slots.len()];
            for (pos, &s) in slots.iter().enumerate() {
                rank[s as usize] = pos as u32;
            }
            (slots, rank)
        })
    }
}

impl<'e> Indexed<'e> {
    fn user_at(&self, ui: u32) -> Result<Ix, Error> {
        if (ui as usize) < self.e.c.users.len() {
            self.e.answers_for(ui)
        } else {
            Err(Error::single(ErrorKind::UnknownUser, "user", format!("user index {ui} out of range")))
        }
    }

    fn stored(&self, id: &str) -> Result<&'e Rec, Error> {
        self.e.store.get(id).ok_or_else(|| Error::single(ErrorKind::UnknownRecord, "record", format!("no stored record has the id \"{id}\"")))
    }

    /// The id tables the ids-based API refers to: users, groups, modules and
    /// workspaces, each in index order. A principal code is a user index, or
    /// the number of users plus a group index.
    pub fn id_tables(&self) -> IdTables<'e> {
        let c = &self.e.c;
        IdTables {
            users: c.users.iter().map(|u| u.id.as_str()).collect(),
            groups: c.groups.iter().map(|g| g.id.as_str()).collect(),
            modules: c.modules.iter().map(|m| m.name.as_str()).collect(),
            workspaces: c.workspaces.iter().map(|w| &*w.id).collect(),
            roles: c.role_names.iter().map(String::as_str).collect(),
            external_users: (0..c.users.len() as u32).filter(|&u| c.externals[u as usize]).collect(),
        }
    }

    /// `filter_stored` for the user at index `ui`.
    pub fn filter_stored_at(&self, ui: u32, action: Action) -> Result<Vec<&'e str>, Error> {
        let mask = self.stored_mask_at(ui, action)?;
        let store = &self.e.store;
        Ok(self.e.sorted_slots().iter().zip(mask).filter(|(_, k)| *k == 1).filter_map(|(&s, _)| store.slot(s).id()).collect())
    }

    /// How many times a stored record was removed. Slot numbers from
    /// [`Indexed::slots_of`] stay valid while this is unchanged.
    pub fn store_epoch(&self) -> u64 {
        self.e.store.epoch()
    }

    /// The slots of the stored records with these ids ([`crate::ENCODED_NONE`]
    /// for an id not stored), for [`Indexed::can_slot`].
    pub fn slots_of<S: AsRef<str>>(&self, ids: &[S]) -> Vec<u32> {
        ids.iter().map(|id| self.e.store.slot_of(id.as_ref()).map_or(encoded::NONE, |s| s as u32)).collect()
    }

    /// `can` for the user at index `ui` and the record in `slot`, looked up
    /// by [`Indexed::slots_of`] when the store was at `epoch`. A slot from
    /// another epoch, or out of range, is an error, never another record.
    pub fn can_slot(&self, ui: u32, action: Action, slot: u32, epoch: u64) -> Result<bool, Error> {
        let u = self.user_at(ui)?;
        if epoch != self.e.store.epoch() {
            return Err(Error::single(ErrorKind::UnknownRecord, "record", "records were removed since the slot was looked up; look it up again"));
        }
        let rec = self.e.store.try_slot(slot).ok_or_else(|| Error::single(ErrorKind::UnknownRecord, "record", format!("no record in slot {slot}")))?;
        Ok(self.e.allowed_one(u, action, &rec.view()))
    }

    /// The ids of the stored records, sorted: the order of [`Indexed::stored_mask_at`].
    pub fn stored_ids(&self) -> Vec<&'e str> {
        let store = &self.e.store;
        self.e.sorted_slots().iter().filter_map(|&s| store.slot(s).id()).collect()
    }

    /// For every stored record, in the order of [`Indexed::stored_ids`], 1 when
    /// the user at index `ui` may take the action on it. The list view's fast
    /// path: no id crosses the boundary per call.
    pub fn stored_mask_at(&self, ui: u32, action: Action) -> Result<Vec<u8>, Error> {
        let u = self.user_at(ui)?;
        let (c, store) = (&self.e.c, &self.e.store);
        let rank = &self.e.sorted_order().1;
        // the slots in storage order (a sequential walk over memory), each
        // answer written at the record's position in id order
        let mut mask = vec![0u8; rank.len()];
        self.e.with_ctx(u, action, |ctx| {
            for (s, &pos) in rank.iter().enumerate() {
                if c.fast_allowed(store, ctx, &store.slot(s as u32).view()) {
                    mask[pos as usize] = 1;
                }
            }
        });
        Ok(mask)
    }

    /// `can` for the user at index `ui` and a stored record id.
    pub fn can_stored_at(&self, ui: u32, action: Action, id: &str) -> Result<bool, Error> {
        let u = self.user_at(ui)?;
        Ok(self.e.allowed_one(u, action, &self.stored(id)?.view()))
    }

    /// `decide` for the user at index `ui` and a stored record id.
    pub fn decide_stored_at(&self, ui: u32, action: Action, id: &str) -> Result<Decision, Error> {
        let u = self.user_at(ui)?;
        Ok(self.e.decide_one(u, action, &self.stored(id)?.view()))
    }

    /// For records in the ids-based encoding (see `src/encoded.rs`), one byte
    /// per record: 1 when the action is allowed.
    pub fn filter_encoded(&self, ui: u32, action: Action, codes: &[u32], strings: &str) -> Result<Vec<u8>, Error> {
        let u = self.user_at(ui)?;
        let (c, store) = (&self.e.c, &self.e.store);
        let strings = encoded::split_strings(strings);
        let mut out = Vec::new();
        let mut at = 0;
        self.e.with_ctx(u, action, |ctx| {
            while at < codes.len() {
                let (rec, next) = encoded::decode(c, codes, &strings, at)?;
                out.push(u8::from(c.fast_allowed(store, ctx, &rec)));
                at = next;
            }
            Ok(out)
        })
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
        let (rec, next) = encoded::decode(&self.e.c, codes, strings, 0)?;
        if next != codes.len() {
            return Err(Error::single(ErrorKind::InvalidEncoding, "codes", "expected exactly one record"));
        }
        Ok(self.e.allowed_one(u, action, &rec))
    }

    /// `decide` for one record in the ids-based encoding.
    pub fn decide_encoded(&self, ui: u32, action: Action, codes: &[u32], strings: &str) -> Result<Decision, Error> {
        let u = self.user_at(ui)?;
        let strings = encoded::split_strings(strings);
        let (rec, next) = encoded::decode(&self.e.c, codes, &strings, 0)?;
        if next != codes.len() {
            return Err(Error::single(ErrorKind::InvalidEncoding, "codes", "expected exactly one record"));
        }
        Ok(self.e.decide_one(u, action, &rec))
    }

    /// Encodes a record (given like any record argument) in the ids-based
    /// encoding: what the JS layer does, done natively, for tests.
    pub fn encode_record(&self, record: RecordRef<'_>) -> Result<(Vec<u32>, String), Error> {
        let rec = self.e.resolve(record)?;
        let (mut codes, mut strings) = (Vec::new(), Vec::new());
        encoded::encode(&self.e.c, &rec.view(), &mut codes, &mut strings);
        Ok((codes, strings.iter().map(|s| format!("{s}\0")).collect()))
    }
}
