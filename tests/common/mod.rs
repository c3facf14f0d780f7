//! Helpers shared by the native spec tests.
#![allow(dead_code)]

use crm_access::{Access, Decision, Engine, RecordRef};
use serde_json::{json, Value};

pub fn engine(model: Value) -> Engine {
    match Engine::new(&model.to_string()) {
        Ok(e) => e,
        Err(e) => panic!("model rejected: {e}\n{:#?}", e.problems),
    }
}

pub fn problems(model: Value) -> Vec<(String, String)> {
    match Engine::new(&model.to_string()) {
        Ok(_) => panic!("model was accepted"),
        Err(e) => e.problems.into_iter().map(|p| (p.path, p.message)).collect(),
    }
}

/// Asserts that some problem's path starts with `path`.
pub fn assert_problem_at(model: Value, path: &str) {
    let ps = problems(model);
    assert!(ps.iter().any(|(p, _)| p.starts_with(path)), "no problem at {path}; got {ps:#?}");
}

pub fn d(e: &Engine, user: &str, action: &str, id: &str) -> Decision {
    e.decide(user, action, RecordRef::Id(id)).unwrap_or_else(|err| panic!("decide failed: {err}"))
}

pub fn dj(e: &Engine, user: &str, action: &str, rec: Value) -> Decision {
    e.decide(user, action, RecordRef::Json(&rec.to_string())).unwrap_or_else(|err| panic!("decide failed: {err}"))
}

pub fn can(e: &Engine, user: &str, action: &str, id: &str) -> bool {
    let d = d(e, user, action, id);
    let c = e.can(user, action, RecordRef::Id(id)).unwrap();
    assert_eq!(c, d.allowed, "can and decide disagree for {user} {action} {id}");
    c
}

pub fn access(e: &Engine, user: &str, id: &str) -> Access {
    d(e, user, "view", id).access
}

/// A profile opening every action of the given modules.
pub fn all_of(id: &str, modules: &[&str]) -> Value {
    let mut m = serde_json::Map::new();
    for name in modules {
        m.insert((*name).into(), json!({"view": true, "create": true, "edit": true, "delete": true}));
    }
    json!({"id": id, "modules": m})
}

/// An access level as the number the reference evaluator uses (none 0 … full 3).
pub fn access_u8(a: Access) -> u8 {
    match a {
        Access::None => 0,
        Access::Read => 1,
        Access::Write => 2,
        Access::Full => 3,
    }
}

/// splitmix64: the deterministic source of the random tests' tapes and choices.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    /// True `pct` times in a hundred.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            Some(&items[self.below(items.len())])
        }
    }
    /// `len` numbers for the reference model generator.
    pub fn tape(&mut self, len: usize) -> Vec<u32> {
        (0..len).map(|_| self.next() as u32).collect()
    }
}

/// A generator tape of `len` numbers for model `seed`; `salt` keeps the
/// models of different test files apart.
pub fn tape(seed: u64, salt: u64, len: usize) -> Vec<u32> {
    Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt).tape(len)
}
