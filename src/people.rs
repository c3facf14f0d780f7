//! People and workspace policy: whom a user may see in a people picker, who
//! may invite, create workspaces, grant external access and share a record,
//! and which workspaces a user may open.

use crate::compiled::{Compiled, Ix};
use crate::level::{Access, Action};
use crate::model::InvitePolicy;
use crate::store::{RecRef, Store};

impl Compiled {
    /// Ids of the active users user `ui` may see in a people picker, sorted.
    pub(crate) fn visible_users(&self, ui: Ix) -> Vec<String> {
        let u = &self.users[ui as usize];
        if !u.active {
            return Vec::new();
        }
        let mut ids: Vec<Ix> = if u.admin {
            (0..self.users.len() as Ix).filter(|&i| self.users[i as usize].active).collect()
        } else {
            let mut v: Vec<Ix> = Vec::new();
            if !u.external {
                v.extend_from_slice(&self.active_internal);
            }
            for &(w, _) in &u.workspaces {
                v.extend(self.workspaces[w as usize].participants.iter().copied().filter(|&p| {
                    let pu = &self.users[p as usize];
                    pu.active && (u.external || pu.external)
                }));
            }
            v.push(ui);
            v
        };
        ids.sort_unstable();
        ids.dedup();
        let mut out: Vec<String> = ids.into_iter().map(|i| self.users[i as usize].id.clone()).collect();
        out.sort_unstable();
        out
    }

    /// May user `ui` invite people into workspace `wi`?
    pub(crate) fn may_invite(&self, ui: Ix, wi: Ix) -> bool {
        let u = &self.users[ui as usize];
        if !u.active || u.read_only {
            return false;
        }
        if u.admin {
            return true;
        }
        let w = &self.workspaces[wi as usize];
        let owner = w.owner == Some(ui);
        let moderator = w.moderators.contains(&ui);
        match w.invite {
            InvitePolicy::Owner => owner,
            InvitePolicy::OwnerAndModerators => owner || moderator,
            InvitePolicy::Members => owner || moderator || w.members.iter().any(|&(m, ro)| m == ui && !ro),
        }
    }

    /// May user `ui` create workspaces (projects, extranet groups)?
    pub(crate) fn may_create_workspace(&self, ui: Ix) -> bool {
        let u = &self.users[ui as usize];
        u.active && !u.read_only && !u.external
    }

    /// May user `ui` give external people access?
    pub(crate) fn may_grant_access(&self, ui: Ix) -> bool {
        let u = &self.users[ui as usize];
        u.active && !u.read_only && !u.external && (u.admin || u.can_grant_access)
    }

    /// May user `ui` add `sharedWith` entries to the record (§5 `canShare`)?
    /// `edit_access` is `decide(U, "edit", X).access` when the caller has it.
    pub(crate) fn may_share(&self, store: &Store, ui: Ix, rec: &RecRef<'_>, edit_access: Option<Access>) -> bool {
        let u = &self.users[ui as usize];
        if !u.active || u.read_only || u.external {
            return false;
        }
        u.admin || edit_access.unwrap_or_else(|| self.decide(store, ui, Action::Edit, rec).access) == Access::Full
    }

    /// Ids of the workspaces user `ui` may open (§5 `workspacesOf`), sorted:
    /// those the user takes part in, and those listed by a stored record the
    /// user may view. Admins: every workspace; an inactive user: none.
    ///
    /// Only records listing a workspace not yet found are decided, through
    /// one fast context for (user, view).
    pub(crate) fn workspaces_of(&self, store: &Store, ui: Ix) -> Vec<String> {
        let u = &self.users[ui as usize];
        if !u.active {
            return Vec::new();
        }
        let mut open = vec![u.admin; self.workspaces.len()];
        let mut missing = if u.admin { 0 } else { self.workspaces.len() };
        if !u.admin {
            for &(w, _) in &u.workspaces {
                if !open[w as usize] {
                    open[w as usize] = true;
                    missing -= 1;
                }
            }
        }
        if missing > 0 {
            let mut ctx = None;
            for rec in (0..store.len() as u32).filter_map(|s| store.try_slot(s)) {
                let v = rec.view();
                if v.workspaces.iter().all(|&w| open[w as usize]) {
                    continue;
                }
                let ctx = ctx.get_or_insert_with(|| self.fast_ctx(ui, Action::View));
                if self.fast_allowed(store, ctx, &v) {
                    for &w in v.workspaces {
                        if !open[w as usize] {
                            open[w as usize] = true;
                            missing -= 1;
                        }
                    }
                    if missing == 0 {
                        break;
                    }
                }
            }
        }
        let mut out: Vec<String> = (0..self.workspaces.len()).filter(|&w| open[w]).map(|w| self.workspaces[w].id.to_string()).collect();
        out.sort_unstable();
        out
    }
}
