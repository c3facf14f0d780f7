//! A per-(user, action) context for answering many `allowed` questions fast.
//!
//! It runs the ladder's rows (see `decide.rs`) in the pieces that do not
//! depend on the whole record, once, and keeps their answers: per module, the
//! profile check and the module rows (defaults, viewAll/editAll, no record
//! security); per owner, the owner rows (ownership, hierarchy, owning group,
//! sharing rules, including those reaching the user through subordinates). A
//! record those do not settle runs the rows that read the rest of the record:
//! the users it names, related sharing, its `sharedWith`, and the access to
//! its parent record for modules controlled by their parent (§3.8). Users whose level comes from a mode of its own
//! (external users, limited access), and creation, take the whole ladder
//! ([`Compiled::allowed`]). The answer is always the full procedure's; tests
//! hold the two to that.

use crate::compiled::{Compiled, Ix, Pr};
use crate::decide::{profile_denies, Acc};
use crate::level::{Access, Action};
use crate::store::{RecRef, Store};

pub(crate) struct FastCtx {
    ui: Ix,
    action: Action,
    need: Access,
    /// The answer for every record, when it does not depend on the record.
    global: Option<bool>,
    mods: Vec<ModCtx>,
}

struct ModCtx {
    /// The user's profiles open the action on this module.
    open: bool,
    /// Every record of the module needs the whole ladder.
    whole: bool,
    /// The module rows alone reach the level needed.
    enough: bool,
    /// Per owner (users, then groups), two bits: 0 not computed, 1 no, 2 yes.
    /// Packed 32 to a word so the contexts of many users stay in cache.
    owners: Vec<u64>,
}

impl Compiled {
    pub(crate) fn fast_ctx(&self, ui: Ix, action: Action) -> FastCtx {
        let u = &self.users[ui as usize];
        let need = action.needs();
        let global = u.settled().or_else(|| (action != Action::Create && need > u.cap()).then_some(false));
        let combo = &self.combos[u.combo as usize];
        let mods = (0..self.modules.len() as Ix)
            .map(|m| {
                let open = profile_denies(combo.perms[m as usize], action).is_none();
                let whole = action == Action::Create || self.special_mode(u, m);
                let enough = open && !whole && {
                    let mut acc = Acc::fast(need);
                    let _ = self.module_rows(u, m, &mut acc);
                    acc.best.min(u.cap()) >= need
                };
                ModCtx { open, whole, enough, owners: Vec::new() }
            })
            .collect();
        FastCtx { ui, action, need, global, mods }
    }

    /// `allowed`, answered through the context where it can be.
    pub(crate) fn fast_allowed(&self, store: &Store, ctx: &mut FastCtx, rec: &RecRef<'_>) -> bool {
        if let Some(g) = ctx.global {
            return g;
        }
        let Some(mc) = ctx.mods.get_mut(rec.module as usize) else { return false };
        let u = &self.users[ctx.ui as usize];
        if !mc.open || u.type_hidden(rec) {
            return false;
        }
        if mc.whole {
            return self.allowed(store, ctx.ui, ctx.action, rec);
        }
        if mc.enough {
            return true;
        }
        if let Some(owner) = rec.owner {
            let k = match owner {
                Pr::User(x) => x as usize,
                Pr::Group(g) => self.users.len() + g as usize,
            };
            if mc.owners.is_empty() {
                mc.owners = vec![0; (self.users.len() + self.groups.len()).div_ceil(32)];
            }
            let (word, shift) = (k / 32, 2 * (k % 32));
            let mut known = mc.owners.get(word).map_or(1, |w| (w >> shift) & 3);
            if known == 0 {
                let mut acc = Acc::fast(ctx.need);
                let _ = self.owner_part(ctx.ui, u, rec.module, owner, &mut acc);
                known = if acc.best.min(u.cap()) >= ctx.need { 2 } else { 1 };
                mc.owners[word] |= known << shift;
            }
            if known == 2 {
                return true;
            }
        }
        // the rows that read more of the record than its module and owner:
        // the users it names, related sharing, its shares, its parent (§3.8).
        // A record that names none of those (the common case) gets nothing more.
        if rec.parent.is_none() && rec.shares.is_empty() && rec.names_no_one() {
            return false;
        }
        let mut acc = Acc::fast(ctx.need);
        let _ = (|| {
            self.record_rows(ctx.ui, u, rec, &mut acc)?;
            self.related_rows(store, u, rec, &mut acc)?;
            self.share_rows(ctx.ui, u, rec, &mut acc)?;
            if self.follows_parent(u, rec.module) {
                self.parent_row(store, ctx.ui, u, rec, &mut acc)?;
            }
            std::ops::ControlFlow::Continue(())
        })();
        acc.best.min(u.cap()) >= ctx.need
    }
}
