//! The record store: records resolved to indexes, packed tight, looked up by id.
//!
//! A stored record costs one fixed-size slot (one cache line in wasm) plus at
//! most three heap blocks: its strings (id, parent, company, type) when they
//! do not fit in the slot, its five user and workspace lists (none when all
//! are empty), and its field data as compact JSON text (none when empty). The
//! id index keeps hash bits and slot numbers, so no id is stored twice.

use crate::compile::{Ix, Pr};
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
///
/// On wasm32 a record is exactly one 64-byte cache line, aligned, and a short
/// id lives inside it: a lookup by id reads the index entry and this line.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(target_pointer_width = "32", repr(align(64)))]
pub(crate) struct Rec {
    pub module: Ix,
    owner: u32,
    created_by: u32,
    /// Empty when every list is; otherwise the five counts, then the items.
    lists: Box<[u32]>,
    /// The `fields` object as JSON text (`None` when empty); only parsed when
    /// a record is masked.
    pub fields: Option<Box<str>>,
    text: Text,
}

#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::size_of::<Rec>() == 64);

/// How many bytes of strings a record keeps inside its slot.
const INLINE: usize = 30;

/// A record's strings (id, parent, company, type) one after the other, with
/// where each ends (an absent one ends where the previous ends) and which are
/// present. Short ones live inline, longer ones in one heap block.
#[derive(Debug, Clone, PartialEq)]
enum Text {
    Inline { present: u8, ends: [u8; 4], bytes: [u8; INLINE] },
    Heap { present: u8, ends: [u32; 4], text: Box<str> },
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

impl Text {
    fn new(strings: [Option<&str>; 4]) -> Text {
        let total: usize = strings.iter().map(|s| s.map_or(0, str::len)).sum();
        let mut present = 0u8;
        let mut ends = [0u32; 4];
        let mut end = 0usize;
        for (k, s) in strings.iter().enumerate() {
            if let Some(s) = s {
                present |= 1 << k;
                end += s.len();
            }
            ends[k] = end as u32;
        }
        if total <= INLINE {
            let mut bytes = [0u8; INLINE];
            let mut at = 0;
            for s in strings.iter().flatten() {
                bytes[at..at + s.len()].copy_from_slice(s.as_bytes());
                at += s.len();
            }
            // every end is at most INLINE, so it fits a byte
            Text::Inline { present, ends: ends.map(|e| e as u8), bytes }
        } else {
            let mut text = String::with_capacity(total);
            for s in strings.iter().flatten() {
                text.push_str(s);
            }
            Text::Heap { present, ends, text: text.into_boxed_str() }
        }
    }

    /// The bytes of string `k`, if present.
    fn bytes(&self, k: usize) -> Option<&[u8]> {
        let (present, start, end, all) = match self {
            Text::Inline { present, ends, bytes } => (*present, if k == 0 { 0 } else { ends[k - 1] as usize }, ends[k] as usize, &bytes[..]),
            Text::Heap { present, ends, text } => (*present, if k == 0 { 0 } else { ends[k - 1] as usize }, ends[k] as usize, text.as_bytes()),
        };
        if present & (1 << k) == 0 {
            return None;
        }
        all.get(start..end)
    }

    fn string(&self, k: usize) -> Option<&str> {
        // Each string was copied whole from a `&str`, so this never fails.
        self.bytes(k).and_then(|b| std::str::from_utf8(b).ok())
    }
}

impl Rec {
    pub fn new(p: RecParts<'_>) -> Rec {
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
        Rec {
            module: p.module,
            owner,
            created_by: p.created_by.unwrap_or(NONE),
            lists,
            fields: p.fields,
            text: Text::new([p.id, p.parent, p.company, p.record_type]),
        }
    }

    pub fn id(&self) -> Option<&str> {
        self.text.string(0)
    }

    /// Whether the record's id is `id` (compares bytes; no UTF-8 check needed).
    fn has_id(&self, id: &str) -> bool {
        self.text.bytes(0) == Some(id.as_bytes())
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
            parent: self.text.string(1),
            company: self.text.string(2),
            account_managers,
            created_by: (self.created_by != NONE).then_some(self.created_by),
            workspaces,
            assignees,
            participants,
            auditors,
            record_type: self.text.string(3),
        }
    }
}

/// The id index: open addressing with linear probing over one array of
/// entries, each the low 32 bits of the id's hash and the record's slot. A
/// lookup reads one entry (usually one cache line) and compares the id only
/// in slots whose hash bits match. The load stays at most 3/4.
#[derive(Default)]
struct Index {
    entries: Vec<u64>,
    len: usize,
}

const EMPTY: u64 = u64::MAX;

fn entry(tag: u32, slot: u32) -> u64 {
    (u64::from(tag) << 32) | u64::from(slot)
}

fn tag_of(e: u64) -> u32 {
    (e >> 32) as u32
}

fn slot_in(e: u64) -> u32 {
    e as u32
}

impl Index {
    fn mask(&self) -> usize {
        self.entries.len().wrapping_sub(1)
    }

    /// The position of the entry for which `is` holds, among those with this tag.
    fn find(&self, tag: u32, mut is: impl FnMut(u32) -> bool) -> Option<usize> {
        if self.entries.is_empty() {
            return None;
        }
        let mask = self.mask();
        let mut i = tag as usize & mask;
        loop {
            let e = self.entries[i];
            if e == EMPTY {
                return None;
            }
            if tag_of(e) == tag && is(slot_in(e)) {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    fn insert(&mut self, tag: u32, slot: u32) {
        if (self.len + 1) * 4 > self.entries.len() * 3 {
            let size = (self.entries.len() * 2).max(16);
            let old = std::mem::replace(&mut self.entries, vec![EMPTY; size]);
            for e in old.into_iter().filter(|&e| e != EMPTY) {
                self.place(e);
            }
        }
        self.place(entry(tag, slot));
        self.len += 1;
    }

    fn place(&mut self, e: u64) {
        let mask = self.mask();
        let mut i = tag_of(e) as usize & mask;
        while self.entries[i] != EMPTY {
            i = (i + 1) & mask;
        }
        self.entries[i] = e;
    }

    /// Removes the entry at position `i`, moving later entries of the same run
    /// back so that every entry stays reachable from its home position.
    fn remove_at(&mut self, mut i: usize) {
        let mask = self.mask();
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let e = self.entries[j];
            if e == EMPTY {
                break;
            }
            let home = tag_of(e) as usize & mask;
            // may `e` move to the hole at i? Only if its home is not in (i, j].
            let stays = if i <= j { i < home && home <= j } else { i < home || home <= j };
            if !stays {
                self.entries[i] = e;
                i = j;
            }
        }
        self.entries[i] = EMPTY;
        self.len -= 1;
    }
}

/// Record slots in chunks of a fixed size, so that a growing store never
/// copies (or needs room for) all of its records at once, and freed chunks
/// are all alike for the allocator to reuse. The first chunk grows like a
/// vector, so a small store stays small.
#[derive(Default)]
struct Slots {
    chunks: Vec<Vec<Rec>>,
    len: usize,
}

const CHUNK: usize = 4096;

impl Slots {
    fn get(&self, s: usize) -> Option<&Rec> {
        self.chunks.get(s / CHUNK)?.get(s % CHUNK)
    }

    fn get_mut(&mut self, s: usize) -> Option<&mut Rec> {
        self.chunks.get_mut(s / CHUNK)?.get_mut(s % CHUNK)
    }

    fn push(&mut self, rec: Rec) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => last.push(rec),
            _ => {
                let mut chunk = if self.chunks.is_empty() { Vec::new() } else { Vec::with_capacity(CHUNK) };
                chunk.push(rec);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    /// Removes slot `s`, moving the last record into it.
    fn swap_remove(&mut self, s: usize) {
        let Some(last) = self.chunks.last_mut().and_then(Vec::pop) else {
            return;
        };
        if self.chunks.last().is_some_and(Vec::is_empty) {
            self.chunks.pop();
        }
        self.len -= 1;
        if s < self.len {
            if let Some(slot) = self.get_mut(s) {
                *slot = last;
            }
        }
        if self.len == 0 {
            self.chunks = Vec::new();
        } else if self.chunks.len() == 1 && self.chunks[0].len() < self.chunks[0].capacity() / 4 {
            let keep = self.chunks[0].len() * 2;
            self.chunks[0].shrink_to(keep);
        }
    }

    #[cfg(test)]
    fn iter(&self) -> impl Iterator<Item = &Rec> {
        self.chunks.iter().flatten()
    }
}

#[derive(Default)]
pub(crate) struct Store {
    slots: Slots,
    index: Index,
    hasher: rustc_hash::FxBuildHasher,
    /// Counts removals: a record only ever changes slot when one is removed,
    /// so a slot number looked up while the epoch is unchanged still holds it.
    epoch: u64,
}

impl Store {
    fn tag(&self, id: &str) -> u32 {
        self.hasher.hash_one(id) as u32
    }

    fn position(&self, id: &str) -> Option<usize> {
        let slots = &self.slots;
        self.index.find(self.tag(id), |s| slots.get(s as usize).is_some_and(|r| r.has_id(id)))
    }

    /// The slot of the stored record with this id.
    pub fn slot_of(&self, id: &str) -> Option<usize> {
        self.position(id).map(|i| slot_in(self.index.entries[i]) as usize)
    }

    pub fn get(&self, id: &str) -> Option<&Rec> {
        self.slot_of(id).and_then(|s| self.slots.get(s))
    }

    /// Stores a record that has an id, replacing one with the same id.
    pub fn put(&mut self, rec: Rec) {
        let Some(id) = rec.id() else { return };
        match self.slot_of(id) {
            Some(s) => {
                if let Some(old) = self.slots.get_mut(s) {
                    *old = rec;
                }
            }
            None => {
                let tag = self.tag(id);
                let slot = self.slots.len as u32;
                self.slots.push(rec);
                self.index.insert(tag, slot);
            }
        }
    }

    pub fn remove(&mut self, id: &str) {
        let Some(i) = self.position(id) else { return };
        self.epoch += 1;
        let slot = slot_in(self.index.entries[i]) as usize;
        self.index.remove_at(i);
        let last = self.slots.len - 1;
        self.slots.swap_remove(slot);
        if slot != last {
            // the record that was last now lives at `slot`: repoint its index entry
            let moved = self.tag(self.slots.get(slot).and_then(Rec::id).unwrap_or(""));
            if let Some(j) = self.index.find(moved, |s| s as usize == last) {
                self.index.entries[j] = entry(moved, slot as u32);
            }
        }
        if self.slots.len == 0 {
            // give the index back too, so the allocator can merge the blocks
            self.index = Index::default();
        }
    }

    pub fn len(&self) -> usize {
        self.slots.len
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The record in slot `s`, if there is one.
    pub fn try_slot(&self, s: u32) -> Option<&Rec> {
        self.slots.get(s as usize)
    }

    /// The record in slot `s` (slots are `0..len()`).
    pub fn slot(&self, s: u32) -> &Rec {
        &self.slots.chunks[s as usize / CHUNK][s as usize % CHUNK]
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
        assert_eq!(
            (r.id(), v.module, v.owner, v.parent, v.company, v.record_type, v.created_by),
            (Some("abc"), 2, Some(Pr::User(8)), Some("p"), None, None, None)
        );
        assert_eq!((v.account_managers, v.workspaces, v.assignees, v.auditors), (&[0u32, 1][..], &[][..], &[0u32, 1][..], &[7u32][..]));
        let grp = rec("", 0, 15);
        let g = grp.view();
        assert_eq!((g.owner, g.record_type, g.created_by, g.parent), (Some(Pr::Group(15)), Some("t"), Some(15), None));
    }

    #[test]
    fn the_store_behaves_like_a_map_under_random_puts_and_removes() {
        // the second run spans several chunks of slots
        for (keys, steps) in [(2_000, 50_000u32), (3 * CHUNK as u64, 120_000)] {
            store_against_a_map(keys, steps);
        }
    }

    fn store_against_a_map(keys: u64, steps: u32) {
        let mut store = Store::default();
        let mut model: HashMap<String, u32> = HashMap::new();
        let mut x: u64 = 42;
        for step in 0..steps {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let id = format!("r{}", x % keys);
            if x % 3 == 0 {
                store.remove(&id);
                model.remove(&id);
            } else {
                store.put(rec(&id, step % 7, step));
                model.insert(id, step % 7);
            }
            if step % 10_000 == 0 {
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

    #[test]
    fn strings_inline_and_on_the_heap_read_back() {
        let long = "x".repeat(INLINE + 1);
        let cases: [[Option<&str>; 4]; 6] = [
            [Some(""), None, None, None],
            [Some("a"), Some("é"), None, Some("")],
            [Some(&long[..INLINE]), None, None, None],
            [Some(&long), None, None, None],
            [Some("id"), Some(&long[..20]), Some("ünï"), Some("type")],
            [None, None, Some("c"), None],
        ];
        for strings in cases {
            let t = Text::new(strings);
            let inline = strings.iter().flatten().map(|s| s.len()).sum::<usize>() <= INLINE;
            assert_eq!(matches!(t, Text::Inline { .. }), inline, "{strings:?}");
            for (k, s) in strings.iter().enumerate() {
                assert_eq!(t.string(k), *s, "{strings:?} string {k}");
            }
        }
    }

    /// Hand-picked tags: long runs that wrap around the end of the table,
    /// removed in every order of a few permutations.
    #[test]
    fn the_index_finds_every_entry_after_removals_in_wrapping_runs() {
        let tags: Vec<u32> = vec![14, 15, 15, 0, 14, 1, 15, 2, 0, 14, 3];
        for seed in 0..40u32 {
            let mut ix = Index::default();
            for (slot, &t) in tags.iter().enumerate() {
                ix.insert(t, slot as u32);
            }
            assert_eq!(ix.entries.len(), 16);
            let mut live: Vec<u32> = (0..tags.len() as u32).collect();
            let mut x = seed.wrapping_mul(2_654_435_761) | 1;
            while !live.is_empty() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let gone = live.swap_remove(x as usize % live.len());
                let at = ix.find(tags[gone as usize], |s| s == gone).expect("present before removal");
                ix.remove_at(at);
                assert!(ix.find(tags[gone as usize], |s| s == gone).is_none());
                for &s in &live {
                    assert!(ix.find(tags[s as usize], |x| x == s).is_some(), "seed {seed}: slot {s} lost");
                }
            }
            assert_eq!(ix.len, 0);
        }
    }
}
