//! The record store: records resolved to indexes, looked up by id.

use crate::compile::{Ix, Pr};
use std::collections::HashMap;

/// A record with every reference resolved to an index.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rec {
    pub id: Option<Box<str>>,
    pub module: Ix,
    pub owner: Option<Pr>,
    pub parent: Option<Box<str>>,
    pub company: Option<Box<str>>,
    pub account_managers: Box<[Ix]>,
    pub created_by: Option<Ix>,
    pub workspaces: Box<[Ix]>,
    pub assignees: Box<[Ix]>,
    pub participants: Box<[Ix]>,
    pub auditors: Box<[Ix]>,
    pub record_type: Option<Box<str>>,
    /// The `fields` object as JSON text (`None` when empty): kept compact, and
    /// only parsed when a record is masked.
    pub fields: Option<Box<str>>,
}

#[derive(Default)]
pub(crate) struct Store {
    slots: Vec<Rec>,
    by_id: HashMap<Box<str>, u32>,
}

impl Store {
    pub fn get(&self, id: &str) -> Option<&Rec> {
        self.by_id.get(id).map(|&i| &self.slots[i as usize])
    }

    /// Stores a record that has an id, replacing one with the same id.
    pub fn put(&mut self, rec: Rec) {
        let Some(id) = rec.id.clone() else { return };
        match self.by_id.get(&id) {
            Some(&i) => self.slots[i as usize] = rec,
            None => {
                self.by_id.insert(id, self.slots.len() as u32);
                self.slots.push(rec);
            }
        }
    }

    pub fn remove(&mut self, id: &str) {
        let Some(i) = self.by_id.remove(id) else { return };
        let i = i as usize;
        self.slots.swap_remove(i);
        if let Some(moved) = self.slots.get(i) {
            if let Some(mid) = &moved.id {
                self.by_id.insert(mid.clone(), i as u32);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rec> {
        self.slots.iter()
    }

    pub fn shrink(&mut self) {
        if self.slots.capacity() > 2 * self.slots.len() + 16 {
            self.slots.shrink_to_fit();
            self.by_id.shrink_to_fit();
        }
    }
}
