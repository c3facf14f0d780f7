//! The record store: records resolved to indexes, packed tight, looked up by id.
//!
//! A stored record costs one fixed-size slot plus at most three heap blocks:
//! its strings (id, parent, company, type) in one block, its five user and
//! workspace lists in one block (none when all are empty), and its field data
//! as compact JSON text (none when empty). The id index keeps only slot
//! numbers and hashes the id in the slot, so no id is stored twice.

use crate::compile::{Ix, Pr};
use hashbrown::HashTable;
use std::hash::BuildHasher;

const NONE: u32 = u32::MAX;
/// Marks a group in a packed principal code.
const GROUP: u32 = 1 << 31;

/// A borrowed view of a record: what decisions read. Stored records, records
/// decoded from JSON and records decoded from the ids-based encoding all
/// present themselves this way, so one decision procedure serves them all.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecRef<'a> {
    pub module: Ix,
    pub owner: Option<Pr>,
    pub parent: Option<&'a str>,
    pub company: Option<&'a str>,
    pub account_managers: &'a [Ix],
    pub created_by: Option<Ix>,
    pub workspaces: &'a [Ix],
    pub assignees: &'a [Ix],
    pub participants: &'a [Ix],
    pub auditors: &'a [Ix],
    pub record_type: Option<&'a str>,
}

/// A record with every reference resolved to an index, packed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rec {
    pub module: Ix,
    owner: u32,
    created_by: u32,
    /// id, parent, company, type, one after the other in `text`: where each
    /// ends (an absent one ends where the previous ends), and which are present.
    ends: [u32; 4],
    present: u8,
    text: Box<str>,
    /// Empty when every list is; otherwise the five counts, then the items.
    lists: Box<[u32]>,
    /// The `fields` object as JSON text (`None` when empty); only parsed when
    /// a record is masked.
    pub fields: Option<Box<str>>,
}

/// The parts of a record, for [`Rec::new`].
pub(crate) struct RecParts<'a> {
    pub id: Option<&'a str>,
    pub module: Ix,
    pub owner: Option<Pr>,
    pub parent: Option<&'a str>,
    pub company: Option<&'a str>,
    pub record_type: Option<&'a str>,
    pub created_by: Option<Ix>,
    /// account managers, workspaces, assignees, participants, auditors
    pub lists: [&'a [Ix]; 5],
    pub fields: Option<Box<str>>,
}

impl Rec {
    pub fn new(p: RecParts<'_>) -> Rec {
        let strings = [p.id, p.parent, p.company, p.record_type];
        let mut text = String::with_capacity(strings.iter().map(|s| s.map_or(0, str::len)).sum());
        let mut ends = [0u32; 4];
        let mut present = 0u8;
        for (k, s) in strings.iter().enumerate() {
            if let Some(s) = s {
                text.push_str(s);
                present |= 1 << k;
            }
            ends[k] = text.len() as u32;
        }
        let items: usize = p.lists.iter().map(|l| l.len()).sum();
        let lists: Box<[u32]> = if items == 0 {
            Box::default()
        } else {
            let mut v = Vec::with_capacity(5 + items);
            v.extend(p.lists.iter().map(|l| l.len() as u32));
            for l in p.lists {
                v.extend_from_slice(l);
            }
            v.into_boxed_slice()
        };
        let owner = match p.owner {
            None => NONE,
            Some(Pr::User(u)) => u,
            Some(Pr::Group(g)) => g | GROUP,
        };
        Rec { module: p.module, owner, created_by: p.created_by.unwrap_or(NONE), ends, present, text: text.into_boxed_str(), lists, fields: p.fields }
    }

    fn string(&self, k: usize) -> Option<&str> {
        if self.present & (1 << k) == 0 {
            return None;
        }
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        self.text.get(start..self.ends[k] as usize)
    }

    pub fn id(&self) -> Option<&str> {
        self.string(0)
    }

    pub fn view(&self) -> RecRef<'_> {
        let mut lists: [&[Ix]; 5] = [&[]; 5];
        if !self.lists.is_empty() {
            let (counts, mut items) = self.lists.split_at(5);
            for (k, list) in lists.iter_mut().enumerate() {
                let n = (counts[k] as usize).min(items.len());
                let (head, tail) = items.split_at(n);
                *list = head;
                items = tail;
            }
        }
        let [account_managers, workspaces, assignees, participants, auditors] = lists;
        RecRef {
            module: self.module,
            owner: match self.owner {
                NONE => None,
                g if g & GROUP != 0 => Some(Pr::Group(g & !GROUP)),
                u => Some(Pr::User(u)),
            },
            parent: self.string(1),
            company: self.string(2),
            account_managers,
            created_by: (self.created_by != NONE).then_some(self.created_by),
            workspaces,
            assignees,
            participants,
            auditors,
            record_type: self.string(3),
        }
    }
}

#[derive(Default)]
pub(crate) struct Store {
    slots: Vec<Rec>,
    index: HashTable<u32>,
    hasher: rustc_hash::FxBuildHasher,
}

impl Store {
    fn hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    fn slot_of(&self, id: &str) -> Option<usize> {
        let slots = &self.slots;
        self.index.find(self.hash(id), |&s| slots[s as usize].id() == Some(id)).map(|&s| s as usize)
    }

    pub fn get(&self, id: &str) -> Option<&Rec> {
        self.slot_of(id).map(|s| &self.slots[s])
    }

    /// Stores a record that has an id, replacing one with the same id.
    pub fn put(&mut self, rec: Rec) {
        let Some(id) = rec.id() else { return };
        match self.slot_of(id) {
            Some(s) => self.slots[s] = rec,
            None => {
                let hash = self.hash(id);
                let slot = self.slots.len() as u32;
                self.slots.push(rec);
                let (slots, hasher) = (&self.slots, &self.hasher);
                self.index.insert_unique(hash, slot, |&s| hasher.hash_one(slots[s as usize].id().unwrap_or("")));
            }
        }
    }

    pub fn remove(&mut self, id: &str) {
        let hash = self.hash(id);
        let slots = &self.slots;
        let Ok(entry) = self.index.find_entry(hash, |&s| slots[s as usize].id() == Some(id)) else { return };
        let (slot, _) = entry.remove();
        let slot = slot as usize;
        let last = self.slots.len() - 1;
        self.slots.swap_remove(slot);
        if slot != last {
            // the record that was last now lives at `slot`: repoint its index entry
            let moved_hash = self.hash(self.slots[slot].id().unwrap_or(""));
            if let Some(s) = self.index.find_mut(moved_hash, |&s| s as usize == last) {
                *s = slot as u32;
            }
        }
        if self.slots.len() < self.slots.capacity() / 4 {
            self.slots.shrink_to(self.slots.len() * 2);
        }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// The record in slot `s` (slots are `0..len()`).
    pub fn slot(&self, s: u32) -> &Rec {
        &self.slots[s as usize]
    }

    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = &Rec> {
        self.slots.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn rec(id: &str, module: Ix, n: u32) -> Rec {
        let list: Vec<u32> = (0..n % 3).collect();
        Rec::new(RecParts {
            id: Some(id),
            module,
            owner: if n % 2 == 0 { Some(Pr::User(n)) } else { Some(Pr::Group(n)) },
            parent: (n % 4 == 0).then_some("p"),
            company: None,
            record_type: (n % 5 == 0).then_some("t"),
            created_by: (n % 3 == 0).then_some(n),
            lists: [&list, &[], &list, &[], &[7]],
            fields: None,
        })
    }

    #[test]
    fn packed_records_read_back_what_was_put_in() {
        let r = rec("abc", 2, 8);
        let v = r.view();
        assert_eq!((r.id(), v.module, v.owner, v.parent, v.company, v.record_type, v.created_by), (Some("abc"), 2, Some(Pr::User(8)), Some("p"), None, None, None));
        assert_eq!((v.account_managers, v.workspaces, v.assignees, v.auditors), (&[0u32, 1][..], &[][..], &[0u32, 1][..], &[7u32][..]));
        let grp = rec("", 0, 15);
        let g = grp.view();
        assert_eq!((g.owner, g.record_type, g.created_by, g.parent), (Some(Pr::Group(15)), Some("t"), Some(15), None));
    }

    #[test]
    fn the_store_behaves_like_a_map_under_random_puts_and_removes() {
        let mut store = Store::default();
        let mut model: HashMap<String, u32> = HashMap::new();
        let mut x: u64 = 42;
        for step in 0..50_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let id = format!("r{}", x % 2_000);
            if x % 3 == 0 {
                store.remove(&id);
                model.remove(&id);
            } else {
                store.put(rec(&id, step % 7, step));
                model.insert(id, step % 7);
            }
            if step % 5_000 == 0 {
                assert_eq!(store.len(), model.len());
                for (id, m) in &model {
                    assert_eq!(store.get(id).map(|r| r.module), Some(*m), "{id}");
                }
            }
        }
        assert_eq!(store.len(), model.len());
        assert_eq!(store.iter().count(), model.len());
        for (id, m) in &model {
            assert_eq!(store.get(id).map(|r| (r.id(), r.module)), Some((Some(id.as_str()), *m)));
        }
        assert!(store.get("missing").is_none());
    }
}
