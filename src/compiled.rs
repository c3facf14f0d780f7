//! The compiled model: every id replaced by an index, and the indexes a
//! decision reads. Built by `compile.rs` from a model `validate.rs` accepted;
//! read by the ladder (`decide.rs`), the fast context (`fast.rs`) and the
//! policy modules.

use crate::level::Access;
use crate::model::{ExternalVisibility, FieldLevel, InvitePolicy};
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

pub(crate) type Ix = u32;

/// A user or a group: they share one id space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pr {
    User(Ix),
    Group(Ix),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalC {
    Role(Ix),
    RoleSub(Ix),
    Group(Ix),
}

pub(crate) struct ModuleC {
    pub name: String,
    /// The effective default sharing (§1): the lowest along the module's parent chain.
    pub default_access: Access,
    /// The role hierarchy counts for the module's records.
    pub hierarchy: bool,
    /// A record also gets the user's access to its parent record (§3.8).
    pub controlled: bool,
    pub record_security: bool,
    pub parent: Option<Ix>,
    pub fields: Option<Vec<String>>,
}

pub(crate) struct RoleC {
    /// Position in a pre-order walk of the role forest, and the last position
    /// inside this role's subtree: `b` is in RS(a) iff pre[a] <= pre[b] <= end[a].
    pub pre: u32,
    pub end: u32,
    /// (module, rule) for every rule whose `to` matches an internal user with
    /// a role strictly below this one (what superiors inherit on modules with
    /// `hierarchy: true`), sorted. Filled only for roles that users hold.
    pub sub_rules: Vec<(Ix, Ix)>,
    /// (child module, rule) likewise for related sharing, sorted.
    pub sub_related: Vec<(Ix, Ix)>,
}

pub(crate) struct ProfileC {
    pub id: String,
    pub view_all: bool,
    pub edit_all: bool,
    /// Per module: the action bits this profile opens, and its field settings.
    pub modules: HashMap<Ix, (u8, Vec<(String, FieldLevel)>)>,
}

/// The profiles of a user, merged. Users with the same profile set share one.
pub(crate) struct Combo {
    pub profiles: Vec<Ix>,
    /// Action bits per module index.
    pub perms: Vec<u8>,
    pub view_all: bool,
    pub edit_all: bool,
}

/// What depends only on a user's role and direct group memberships: the groups
/// they belong to and the sharing rules that reach them. Shared between users.
pub(crate) struct Class {
    /// The groups the user is in through their own and their role's
    /// memberships, closed upward, sorted. Memberships through
    /// `roleAndSubordinates` are not listed (a deep role chain would make
    /// these lists quadratic): see [`Compiled::user_in_group`].
    pub groups: Vec<Ix>,
    /// (module, rule) for every rule whose `to` matches, sorted.
    pub rules: Vec<(Ix, Ix)>,
    /// (child module, rule) for every rule with a related entry for that child, sorted.
    pub related: Vec<(Ix, Ix)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Part {
    pub owner: bool,
    pub moderator: bool,
    pub auditor: bool,
    pub member: bool,
    pub ro_member: bool,
    pub counterparty: bool,
}

impl Part {
    /// Participation that comes only from read-only member entries.
    pub fn read_only(self) -> bool {
        self.ro_member && !(self.owner || self.moderator || self.auditor || self.member || self.counterparty)
    }
}

pub(crate) struct UserC {
    pub id: String,
    pub role: Option<Ix>,
    pub admin: bool,
    pub active: bool,
    pub limited_crm: bool,
    pub limited_deals: bool,
    pub external: bool,
    pub read_only: bool,
    pub can_grant_access: bool,
    pub record_types: Option<Vec<String>>,
    pub combo: Ix,
    pub class: Arc<Class>,
    /// (workspace, participation), sorted by workspace.
    pub workspaces: Vec<(Ix, Part)>,
}

pub(crate) struct GroupC {
    pub id: String,
    /// Groups that have this one as a `{"group": …}` member.
    pub containers: Vec<Ix>,
    /// The users of roles whose pre-order position falls in one of these
    /// spans (sorted, disjoint, inclusive) are in this group through a
    /// `roleAndSubordinates` member of it or of a group nested in it.
    pub role_spans: Vec<(u32, u32)>,
}

pub(crate) struct WorkspaceC {
    /// Shared with the reasons that name it.
    pub id: Arc<str>,
    pub owner: Option<Ix>,
    pub moderators: Vec<Ix>,
    pub auditors: Vec<Ix>,
    pub members: Vec<(Ix, bool)>,
    pub visibility: ExternalVisibility,
    pub invite: InvitePolicy,
    /// Every user taking part, sorted, unique.
    pub participants: Vec<Ix>,
}

pub(crate) struct RuleC {
    /// Shared with the reasons that name it.
    pub id: Arc<str>,
    pub module: Ix,
    pub from: PrincipalC,
    pub to: PrincipalC,
    pub level: Access,
    /// child module → level
    pub related: Vec<(Ix, Access)>,
}

pub(crate) struct LimitedC {
    pub company_module: Ix,
    pub modules: Vec<bool>,
    pub deal_module: Option<Ix>,
    pub contact_module: Option<Ix>,
}

pub(crate) struct Compiled {
    pub modules: Vec<ModuleC>,
    pub module_ix: HashMap<String, Ix>,
    pub roles: Vec<RoleC>,
    pub profiles: Vec<ProfileC>,
    pub users: Vec<UserC>,
    pub groups: Vec<GroupC>,
    pub principal_ix: HashMap<String, Pr>,
    /// Upward closure of each group (itself included), sorted; `None` when the
    /// nesting is so deep that the table would be too large (then walked on demand).
    pub group_up: Option<Vec<Vec<Ix>>>,
    pub workspaces: Vec<WorkspaceC>,
    pub workspace_ix: HashMap<String, Ix>,
    pub rules: Vec<RuleC>,
    pub combos: Vec<Combo>,
    pub limited: Option<LimitedC>,
    /// Active internal users, sorted by id.
    pub active_internal: Vec<Ix>,
    pub role_ix: HashMap<String, Ix>,
    /// Role ids by index.
    pub role_names: Vec<String>,
    /// Per role: its profiles, sorted.
    pub role_profiles: Vec<Vec<Ix>>,
    /// Per user: external.
    pub externals: Vec<bool>,
    /// Sorted pre-order numbers of the roles that some internal user holds.
    pub held_pres: Vec<u32>,
    /// Per group: sorted pre-order numbers of the roles of the internal users
    /// in it through user, role and group members (those in it through
    /// `roleAndSubordinates` are found from its `role_spans` and `held_pres`).
    pub group_pres: Vec<Vec<u32>>,
    /// Where the rules reaching users through subordinates are found: in
    /// each role's `sub_rules`/`sub_related` lists, or, when those lists would
    /// be too large (deep role chains under many rules), by scanning the
    /// module's rules with range queries at decision time.
    pub sub_scan: Option<SubScan>,
    /// The ids plans list, shared (`plan.rs`); filled by the first plan.
    #[cfg(feature = "full")]
    pub plan_ids: std::sync::OnceLock<crate::plan::PlanIds>,
}

/// Rules by module, and by child module of their related entries, sorted.
pub(crate) struct SubScan {
    pub by_module: Vec<(Ix, Ix)>,
    pub by_child: Vec<(Ix, Ix)>,
}

impl SubScan {
    pub(crate) fn of(rules: &[RuleC]) -> SubScan {
        let mut by_module: Vec<(Ix, Ix)> = rules.iter().enumerate().map(|(ri, rule)| (rule.module, ri as Ix)).collect();
        let mut by_child: Vec<(Ix, Ix)> =
            rules.iter().enumerate().flat_map(|(ri, rule)| rule.related.iter().map(move |&(child, _)| (child, ri as Ix))).collect();
        by_module.sort_unstable();
        by_child.sort_unstable();
        SubScan { by_module, by_child }
    }
}

impl Compiled {
    /// Does a rule's `to` reach a user with `role` who is in `groups` (sorted,
    /// a class's groups) or in a group through its role spans?
    pub(crate) fn reaches(&self, role: Option<Ix>, groups: &[Ix], to: PrincipalC) -> bool {
        match to {
            PrincipalC::Role(x) => role == Some(x),
            PrincipalC::RoleSub(a) => role.is_some_and(|r| {
                let (a, r) = (&self.roles[a as usize], &self.roles[r as usize]);
                a.pre <= r.pre && r.pre <= a.end
            }),
            PrincipalC::Group(g) => {
                groups.binary_search(&g).is_ok() || role.is_some_and(|r| in_spans(&self.groups[g as usize].role_spans, self.roles[r as usize].pre))
            }
        }
    }

    /// Is user `u` in group `g` (groups(U) of the contract)?
    pub(crate) fn user_in_group(&self, u: Ix, g: Ix) -> bool {
        let user = &self.users[u as usize];
        if user.class.groups.binary_search(&g).is_ok() {
            return true;
        }
        let Some(r) = user.role else { return false };
        let pre = self.roles[r as usize].pre;
        in_spans(&self.groups[g as usize].role_spans, pre)
    }
}

/// Who a record is shared with by hand (`sharedWith`), packed in one `u32`:
/// the kind in the top two bits, the access (1 = readWrite) in the next, and
/// the index (of a user, group or role) in the low 29 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShareKind {
    User = 0,
    Group = 1,
    Role = 2,
    RoleSub = 3,
}

const SHARE_IX: u32 = (1 << 29) - 1;

pub(crate) fn share_code(kind: ShareKind, ix: Ix, write: bool) -> u32 {
    ((kind as u32) << 30) | (u32::from(write) << 29) | (ix & SHARE_IX)
}

/// The parts of a packed share: kind, index, level.
pub(crate) fn share_parts(code: u32) -> (ShareKind, Ix, Access) {
    let kind = match code >> 30 {
        0 => ShareKind::User,
        1 => ShareKind::Group,
        2 => ShareKind::Role,
        _ => ShareKind::RoleSub,
    };
    (kind, code & SHARE_IX, if code & (1 << 29) != 0 { Access::Write } else { Access::Read })
}

/// Who a rule's `to` or a share names, for "reaches" (§2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    User(Ix),
    Role(Ix),
    RoleSub(Ix),
    Group(Ix),
}

impl From<PrincipalC> for Target {
    fn from(p: PrincipalC) -> Target {
        match p {
            PrincipalC::Role(r) => Target::Role(r),
            PrincipalC::RoleSub(r) => Target::RoleSub(r),
            PrincipalC::Group(g) => Target::Group(g),
        }
    }
}

impl Compiled {
    /// Does some internal user hold a role whose pre-order number is in `lo..=hi`?
    fn held_in(&self, lo: u32, hi: u32) -> bool {
        lo <= hi && {
            let i = self.held_pres.partition_point(|&p| p < lo);
            i < self.held_pres.len() && self.held_pres[i] <= hi
        }
    }

    /// Does `t` match an internal user (active or not) whose role is in
    /// Sub(role)? Range queries over pre-order numbers; nothing walks users.
    pub(crate) fn matches_below(&self, role: Ix, t: Target) -> bool {
        let r = &self.roles[role as usize];
        let (lo, hi) = (r.pre + 1, r.end);
        if lo > hi {
            return false;
        }
        match t {
            Target::User(v) => !self.externals[v as usize] && self.users[v as usize].role.is_some_and(|rv| (lo..=hi).contains(&self.roles[rv as usize].pre)),
            Target::Role(x) => {
                let p = self.roles[x as usize].pre;
                (lo..=hi).contains(&p) && self.held_pres.binary_search(&p).is_ok()
            }
            Target::RoleSub(x) => {
                let x = &self.roles[x as usize];
                self.held_in(lo.max(x.pre), hi.min(x.end))
            }
            Target::Group(g) => {
                let pres = &self.group_pres[g as usize];
                let i = pres.partition_point(|&p| p < lo);
                if i < pres.len() && pres[i] <= hi {
                    return true;
                }
                let spans = &self.groups[g as usize].role_spans;
                let first = spans.partition_point(|&(_, end)| end < lo);
                spans[first..].iter().take_while(|&&(start, _)| start <= hi).any(|&(start, end)| self.held_in(start.max(lo), end.min(hi)))
            }
        }
    }
}

/// Does `pre` fall in one of the sorted, disjoint, inclusive `spans`?
pub(crate) fn in_spans(spans: &[(u32, u32)], pre: u32) -> bool {
    let i = spans.partition_point(|&(start, _)| start <= pre);
    i > 0 && pre <= spans[i - 1].1
}
