//! People and workspace policy: whom a user may see in a people picker, and
//! who may invite, create workspaces and grant external access.

use crate::compiled::{Compiled, Ix};
use crate::model::InvitePolicy;

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
}
