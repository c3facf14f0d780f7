//! Building an engine from a model: validation of everything that serde cannot
//! see (references, duplicates, cycles, contradictory flags), then the indexes
//! that make a decision a handful of lookups.
//!
//! Nothing here recurses on the input: trees and graphs are walked with
//! explicit stacks, so a role chain or a group nesting thousands deep is fine.

use crate::error::{did_you_mean, Path, Problem};
use crate::level::{Access, CREATE, DELETE, EDIT, VIEW};
use crate::model::*;
use crate::store::{Rec, RecParts, Store};
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
    pub default_access: Access,
    pub record_security: bool,
    pub parent: Option<Ix>,
    pub fields: Option<Vec<String>>,
}

pub(crate) struct RoleC {
    pub parent: Option<Ix>,
    /// Position in a pre-order walk of the role forest, and the last position
    /// inside this role's subtree: `b` is in RS(a) iff pre[a] <= pre[b] <= end[a].
    pub pre: u32,
    pub end: u32,
}

pub(crate) struct ProfileC {
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
    /// groups(U), sorted.
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
    pub member: bool,
    pub ro_member: bool,
    pub counterparty: bool,
}

impl Part {
    /// Participation that comes only from read-only member entries.
    pub fn read_only(self) -> bool {
        self.ro_member && !(self.owner || self.moderator || self.member || self.counterparty)
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
}

pub(crate) struct WorkspaceC {
    /// Shared with the reasons that name it.
    pub id: Arc<str>,
    pub owner: Option<Ix>,
    pub moderators: Vec<Ix>,
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
    pub level: Access,
    /// child module → level
    pub related: Vec<(Ix, Access)>,
}

pub(crate) struct LimitedC {
    pub company_module: Ix,
    pub modules: Vec<bool>,
    pub deal_module: Option<Ix>,
}

pub(crate) struct Compiled {
    pub modules: Vec<ModuleC>,
    pub module_ix: HashMap<String, Ix>,
    pub roles: Vec<RoleC>,
    /// Roles in pre-order: every role comes after its parent.
    pub roles_pre_order: Vec<Ix>,
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
}

const GROUP_UP_BUDGET: usize = 4_000_000;

fn access_of(d: DefaultSharing) -> Access {
    match d {
        DefaultSharing::Private => Access::None,
        DefaultSharing::PublicRead => Access::Read,
        DefaultSharing::PublicReadWrite => Access::Write,
        DefaultSharing::PublicReadWriteDelete => Access::Full,
    }
}

pub(crate) fn rule_level(a: RuleAccess) -> Access {
    match a {
        RuleAccess::Read => Access::Read,
        RuleAccess::ReadWrite => Access::Write,
    }
}

/// Collects problems while walking the model.
struct V {
    problems: Vec<Problem>,
}

impl V {
    fn at(&mut self, path: String, msg: impl Into<String>) {
        self.problems.push(Problem::new(path, msg));
    }
    fn unknown(&mut self, path: String, what: &str, id: &str, known: &HashMap<String, Ix>) {
        let mut p = Problem::new(path, format!("unknown {what} \"{id}\""));
        if let Some(m) = did_you_mean(id, known.keys().map(|k| k.as_str())) {
            p = p.with_help(format!("did you mean \"{m}\"?"));
        }
        self.problems.push(p);
    }
    fn non_empty(&mut self, path: String, id: &str) {
        if id.is_empty() {
            self.at(path, "ids must be non-empty strings");
        }
    }
}

/// Builds `name → index`, reporting empty and duplicate ids.
fn index_ids<'a>(v: &mut V, section: &str, ids: impl Iterator<Item = &'a str>, what: &str) -> HashMap<String, Ix> {
    let mut map: HashMap<String, Ix> = HashMap::default();
    for (i, id) in ids.enumerate() {
        let path = format!("{section}[{i}].{}", if section == "modules" { "name" } else { "id" });
        v.non_empty(path.clone(), id);
        if let Some(first) = map.get(id) {
            v.at(path, format!("duplicate {what} \"{id}\" (first at {section}[{first}])"));
        } else {
            map.insert(id.to_owned(), i as Ix);
        }
    }
    map
}

/// Finds the cycles of a parent-pointer forest; returns, for each cycle, its
/// members in order. Iterative.
fn parent_cycles(parents: &[Option<Ix>]) -> Vec<Vec<Ix>> {
    let n = parents.len();
    let mut state = vec![0u8; n]; // 0 new, 1 on the current walk, 2 done
    let mut cycles = Vec::new();
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut walk = Vec::new();
        let mut cur = Some(start as Ix);
        while let Some(c) = cur {
            match state[c as usize] {
                0 => {
                    state[c as usize] = 1;
                    walk.push(c);
                    cur = parents[c as usize];
                }
                1 => {
                    let from = walk.iter().position(|&w| w == c).unwrap_or(0);
                    cycles.push(walk[from..].to_vec());
                    break;
                }
                _ => break,
            }
        }
        for w in walk {
            state[w as usize] = 2;
        }
    }
    cycles
}

/// Finds the edges that close a cycle in a directed graph (adjacency lists).
/// Returns (node, edge index) of one back edge per cycle found. Iterative DFS.
fn back_edges(adj: &[Vec<Ix>]) -> Vec<(Ix, usize)> {
    let n = adj.len();
    let mut state = vec![0u8; n];
    let mut found = Vec::new();
    for s in 0..n {
        if state[s] != 0 {
            continue;
        }
        let mut stack: Vec<(Ix, usize)> = vec![(s as Ix, 0)];
        state[s] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&to) = adj[node as usize].get(*next) {
                let edge = *next;
                *next += 1;
                match state[to as usize] {
                    0 => {
                        state[to as usize] = 1;
                        stack.push((to, 0));
                    }
                    1 => found.push((node, edge)),
                    _ => {}
                }
            } else {
                state[node as usize] = 2;
                stack.pop();
            }
        }
    }
    found
}

pub(crate) fn compile(model: Model) -> Result<(Compiled, Store), Vec<Problem>> {
    let mut v = V { problems: Vec::new() };

    // ---- ids -------------------------------------------------------------
    if model.modules.is_empty() {
        v.at("modules".into(), "at least one module is required");
    }
    let module_ix = index_ids(&mut v, "modules", model.modules.iter().map(|m| m.name.as_str()), "module");
    let role_ix = index_ids(&mut v, "roles", model.roles.iter().map(|r| r.id.as_str()), "role");
    let profile_ix = index_ids(&mut v, "profiles", model.profiles.iter().map(|p| p.id.as_str()), "profile");
    let workspace_ix = index_ids(&mut v, "workspaces", model.workspaces.iter().map(|w| w.id.as_str()), "workspace");
    let _rule_ix = index_ids(&mut v, "sharingRules", model.sharing_rules.iter().map(|r| r.id.as_str()), "sharing rule");

    // users and groups share one id space
    let mut principal_ix: HashMap<String, Pr> = HashMap::default();
    let mut user_ix: HashMap<String, Ix> = HashMap::default();
    let mut group_ix: HashMap<String, Ix> = HashMap::default();
    let sections = model
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| ("users", i, u.id.as_str(), Pr::User(i as Ix)))
        .chain(model.groups.iter().enumerate().map(|(i, g)| ("groups", i, g.id.as_str(), Pr::Group(i as Ix))));
    for (section, i, id, pr) in sections {
        let path = format!("{section}[{i}].id");
        v.non_empty(path.clone(), id);
        if let Some(first) = principal_ix.get(id) {
            let first = match first {
                Pr::User(j) => format!("users[{j}]"),
                Pr::Group(j) => format!("groups[{j}]"),
            };
            v.at(path, format!("duplicate id \"{id}\": users and groups share one id space (first at {first})"));
            continue;
        }
        principal_ix.insert(id.to_owned(), pr);
        match pr {
            Pr::User(j) => user_ix.insert(id.to_owned(), j),
            Pr::Group(j) => group_ix.insert(id.to_owned(), j),
        };
    }

    // ---- modules ---------------------------------------------------------
    let mut module_parents = vec![None; model.modules.len()];
    for (i, m) in model.modules.iter().enumerate() {
        if let Some(p) = &m.parent {
            match module_ix.get(p) {
                Some(&pi) => module_parents[i] = Some(pi),
                None => v.unknown(format!("modules[{i}].parent"), "module", p, &module_ix),
            }
        }
        if let Some(fields) = &m.fields {
            let mut seen = rustc_hash::FxHashSet::default();
            for (j, f) in fields.iter().enumerate() {
                if f.is_empty() {
                    v.at(format!("modules[{i}].fields[{j}]"), "field names must be non-empty");
                } else if !seen.insert(f.as_str()) {
                    v.at(format!("modules[{i}].fields[{j}]"), format!("field \"{f}\" is listed twice"));
                }
            }
        }
    }
    for cycle in parent_cycles(&module_parents) {
        let names: Vec<&str> = cycle.iter().map(|&c| model.modules[c as usize].name.as_str()).collect();
        v.at(format!("modules[{}].parent", cycle[0]), format!("module parents form a cycle: {} → {}", names.join(" → "), names[0]));
    }

    // ---- roles -----------------------------------------------------------
    let mut role_parents = vec![None; model.roles.len()];
    for (i, r) in model.roles.iter().enumerate() {
        if let Some(p) = &r.parent {
            match role_ix.get(p) {
                Some(&pi) => role_parents[i] = Some(pi),
                None => v.unknown(format!("roles[{i}].parent"), "role", p, &role_ix),
            }
        }
        for (j, p) in r.profiles.iter().enumerate() {
            if !profile_ix.contains_key(p) {
                v.unknown(format!("roles[{i}].profiles[{j}]"), "profile", p, &profile_ix);
            }
        }
    }
    let role_cycles = parent_cycles(&role_parents);
    for cycle in &role_cycles {
        let names: Vec<&str> = cycle.iter().map(|&c| model.roles[c as usize].id.as_str()).collect();
        v.at(format!("roles[{}].parent", cycle[0]), format!("roles form a cycle: {} → {}", names.join(" → "), names[0]));
    }

    // ---- profiles --------------------------------------------------------
    let mut profiles = Vec::with_capacity(model.profiles.len());
    for (i, p) in model.profiles.iter().enumerate() {
        let mut mods = HashMap::default();
        for (name, perms) in &p.modules {
            let mut path = Path::root(&format!("profiles[{i}].modules"));
            path.key(name);
            let Some(&mi) = module_ix.get(name) else {
                v.unknown(path.as_str().to_owned(), "module", name, &module_ix);
                continue;
            };
            let declared = model.modules[mi as usize].fields.as_deref();
            let mut fields = Vec::new();
            for (f, lvl) in &perms.fields {
                if !declared.is_some_and(|d| d.iter().any(|x| x == f)) {
                    let fpath = format!("{}.fields", path.as_str());
                    let mut fp = Path::root(&fpath);
                    fp.key(f);
                    let msg = match declared {
                        None => format!("module \"{name}\" declares no fields, so \"{f}\" cannot be set"),
                        Some(_) => format!("\"{f}\" is not a declared field of module \"{name}\""),
                    };
                    let mut prob = Problem::new(fp.as_str(), msg);
                    if let Some(m) = declared.and_then(|d| did_you_mean(f, d.iter().map(|s| s.as_str()))) {
                        prob = prob.with_help(format!("did you mean \"{m}\"?"));
                    }
                    v.problems.push(prob);
                    continue;
                }
                fields.push((f.clone(), *lvl));
            }
            let bits = (if perms.view { VIEW } else { 0 })
                | (if perms.edit { EDIT } else { 0 })
                | (if perms.delete { DELETE } else { 0 })
                | (if perms.create { CREATE } else { 0 });
            mods.insert(mi, (bits, fields));
        }
        profiles.push(ProfileC { view_all: p.view_all, edit_all: p.edit_all, modules: mods });
    }

    // ---- groups ----------------------------------------------------------
    let mut group_nested: Vec<Vec<Ix>> = vec![Vec::new(); model.groups.len()];
    let mut group_nested_at: Vec<Vec<usize>> = vec![Vec::new(); model.groups.len()];
    for (i, g) in model.groups.iter().enumerate() {
        for (j, m) in g.members.iter().enumerate() {
            let base = format!("groups[{i}].members[{j}]");
            match m {
                GroupMember::User(u) => match principal_ix.get(u) {
                    Some(Pr::User(_)) => {}
                    Some(Pr::Group(_)) => v.at(format!("{base}.user"), format!("\"{u}\" is a group, not a user; use {{\"group\": \"{u}\"}}")),
                    None => v.unknown(format!("{base}.user"), "user", u, &user_ix),
                },
                GroupMember::Role(r) | GroupMember::RoleAndSubordinates(r) => {
                    if !role_ix.contains_key(r) {
                        let key = if matches!(m, GroupMember::Role(_)) { "role" } else { "roleAndSubordinates" };
                        v.unknown(format!("{base}.{key}"), "role", r, &role_ix);
                    }
                }
                GroupMember::Group(h) => match principal_ix.get(h) {
                    Some(Pr::Group(hi)) => {
                        group_nested[i].push(*hi);
                        group_nested_at[i].push(j);
                    }
                    Some(Pr::User(_)) => v.at(format!("{base}.group"), format!("\"{h}\" is a user, not a group; use {{\"user\": \"{h}\"}}")),
                    None => v.unknown(format!("{base}.group"), "group", h, &group_ix),
                },
            }
        }
    }
    for (node, edge) in back_edges(&group_nested) {
        let j = group_nested_at[node as usize][edge];
        let target = group_nested[node as usize][edge];
        v.at(
            format!("groups[{node}].members[{j}]"),
            format!(
                "group nesting forms a cycle: \"{}\" contains \"{}\", which (directly or not) contains \"{}\"",
                model.groups[node as usize].id, model.groups[target as usize].id, model.groups[node as usize].id
            ),
        );
    }

    // ---- limited access --------------------------------------------------
    let mut limited = None;
    if let Some(la) = &model.limited_access {
        let cm = module_ix.get(&la.company_module).copied();
        if cm.is_none() {
            v.unknown("limitedAccess.companyModule".into(), "module", &la.company_module, &module_ix);
        }
        let mut mods = vec![false; model.modules.len()];
        for (j, m) in la.modules.iter().enumerate() {
            match module_ix.get(m) {
                Some(&mi) => mods[mi as usize] = true,
                None => v.unknown(format!("limitedAccess.modules[{j}]"), "module", m, &module_ix),
            }
        }
        let dm = match &la.deal_module {
            Some(d) => match module_ix.get(d) {
                Some(&mi) => Some(mi),
                None => {
                    v.unknown("limitedAccess.dealModule".into(), "module", d, &module_ix);
                    None
                }
            },
            None => None,
        };
        if let Some(cm) = cm {
            limited = Some(LimitedC { company_module: cm, modules: mods, deal_module: dm });
        }
    }

    // ---- users -----------------------------------------------------------
    for (i, u) in model.users.iter().enumerate() {
        let p = |k: &str| format!("users[{i}].{k}");
        if let Some(r) = &u.role {
            if !role_ix.contains_key(r) {
                v.unknown(p("role"), "role", r, &role_ix);
            }
        }
        for (j, pr) in u.profiles.iter().enumerate() {
            if !profile_ix.contains_key(pr) {
                v.unknown(format!("users[{i}].profiles[{j}]"), "profile", pr, &profile_ix);
            }
        }
        for (flag, on) in [("limitedCrm", u.limited_crm), ("limitedDeals", u.limited_deals)] {
            if !on {
                continue;
            }
            for (what, bad) in [("an admin", u.admin), ("a team lead", u.team_lead), ("an external user", u.external)] {
                if bad {
                    v.at(p(flag), format!("{flag} cannot be set on {what}"));
                }
            }
        }
        if u.limited_crm && u.limited_deals {
            v.at(p("limitedDeals"), "limitedCrm and limitedDeals cannot both be set");
        }
        if u.limited_crm {
            match &model.limited_access {
                None => v.problems.push(
                    Problem::new(p("limitedCrm"), "limitedCrm needs the model's limitedAccess settings")
                        .with_help("add \"limitedAccess\": {\"companyModule\": …, \"modules\": […]}"),
                ),
                Some(la) if la.modules.is_empty() => v.at(p("limitedCrm"), "limitedCrm needs a non-empty limitedAccess.modules list"),
                _ => {}
            }
        }
        if u.limited_deals && model.limited_access.as_ref().and_then(|l| l.deal_module.as_ref()).is_none() {
            v.at(p("limitedDeals"), "limitedDeals needs limitedAccess.dealModule");
        }
        if u.external {
            if u.admin {
                v.at(p("admin"), "an external user cannot be an admin");
            }
            if u.can_grant_access {
                v.at(p("canGrantAccess"), "an external user cannot grant access");
            }
            let role_profiles = u.role.as_ref().and_then(|r| role_ix.get(r)).map(|&ri| &model.roles[ri as usize].profiles);
            for pr in role_profiles.into_iter().flatten().chain(u.profiles.iter()) {
                if let Some(&pi) = profile_ix.get(pr) {
                    let prof = &model.profiles[pi as usize];
                    if prof.view_all || prof.edit_all {
                        v.at(p("profiles"), format!("an external user cannot hold viewAll/editAll (through profile \"{pr}\")"));
                    }
                }
            }
        }
    }

    // ---- workspaces ------------------------------------------------------
    let user_ref = |v: &mut V, path: String, id: &str| -> Option<Ix> {
        match principal_ix.get(id) {
            Some(Pr::User(u)) => Some(*u),
            Some(Pr::Group(_)) => {
                v.at(path, format!("\"{id}\" is a group; a user is expected here"));
                None
            }
            None => {
                v.unknown(path, "user", id, &user_ix);
                None
            }
        }
    };
    let mut workspaces = Vec::with_capacity(model.workspaces.len());
    for (i, w) in model.workspaces.iter().enumerate() {
        let owner = w.owner.as_ref().and_then(|o| user_ref(&mut v, format!("workspaces[{i}].owner"), o));
        let moderators: Vec<Ix> =
            w.moderators.iter().enumerate().filter_map(|(j, m)| user_ref(&mut v, format!("workspaces[{i}].moderators[{j}]"), m)).collect();
        let mut members = Vec::new();
        for (j, m) in w.members.iter().enumerate() {
            if let Some(u) = user_ref(&mut v, format!("workspaces[{i}].members[{j}].user"), &m.user) {
                if members.iter().any(|&(x, _)| x == u) {
                    v.at(format!("workspaces[{i}].members[{j}].user"), format!("\"{}\" has two member entries in this workspace", m.user));
                }
                members.push((u, m.read_only));
            }
        }
        workspaces.push(WorkspaceC {
            id: w.id.as_str().into(),
            owner,
            moderators,
            members,
            visibility: w.external_visibility,
            invite: w.invite_policy,
            participants: Vec::new(),
        });
    }

    // ---- sharing rules ---------------------------------------------------
    let principal = |v: &mut V, path: String, p: &Principal| -> Option<PrincipalC> {
        match p {
            Principal::Role(r) | Principal::RoleAndSubordinates(r) => {
                let key = if matches!(p, Principal::Role(_)) { "role" } else { "roleAndSubordinates" };
                match role_ix.get(r) {
                    Some(&ri) => Some(if key == "role" { PrincipalC::Role(ri) } else { PrincipalC::RoleSub(ri) }),
                    None => {
                        v.unknown(format!("{path}.{key}"), "role", r, &role_ix);
                        None
                    }
                }
            }
            Principal::Group(g) => match group_ix.get(g) {
                Some(&gi) => Some(PrincipalC::Group(gi)),
                None => {
                    v.unknown(format!("{path}.group"), "group", g, &group_ix);
                    None
                }
            },
        }
    };
    let mut rules = Vec::with_capacity(model.sharing_rules.len());
    let mut rule_to = Vec::with_capacity(model.sharing_rules.len());
    for (i, r) in model.sharing_rules.iter().enumerate() {
        let module = module_ix.get(&r.module).copied();
        if module.is_none() {
            v.unknown(format!("sharingRules[{i}].module"), "module", &r.module, &module_ix);
        }
        let from = principal(&mut v, format!("sharingRules[{i}].from"), &r.from);
        let to = principal(&mut v, format!("sharingRules[{i}].to"), &r.to);
        let mut related = Vec::new();
        for (child, acc) in &r.related {
            let mut path = Path::root(&format!("sharingRules[{i}].related"));
            path.key(child);
            match module_ix.get(child) {
                None => v.unknown(path.as_str().to_owned(), "module", child, &module_ix),
                Some(&ci) => {
                    if module.is_some() && module_parents[ci as usize] != module {
                        v.at(path.as_str().to_owned(), format!("\"{child}\" is not a child module of \"{}\" (its parent must be \"{}\")", r.module, r.module));
                    } else {
                        related.push((ci, rule_level(*acc)));
                    }
                }
            }
        }
        if let (Some(module), Some(from), Some(to)) = (module, from, to) {
            rules.push(RuleC { id: r.id.as_str().into(), module, from, level: rule_level(r.access), related });
            rule_to.push(to);
        }
    }

    // ---- records ---------------------------------------------------------
    // (validated after the indexes they refer to are known; see below)

    if !v.problems.is_empty() {
        // Records are checked too, so that one pass lists everything.
        let partial = Resolver { module_ix: &module_ix, principal_ix: &principal_ix, workspace_ix: &workspace_ix };
        let mut seen = HashMap::default();
        for (i, r) in model.records.iter().enumerate() {
            let _ = partial.record(r, &RecordPath::At(i), true, &mut v.problems);
            if let Some(id) = &r.id {
                if let Some(first) = seen.insert(id.as_str(), i) {
                    v.at(format!("records[{i}].id"), format!("record id \"{id}\" appears twice (first at records[{first}])"));
                }
            }
        }
        return Err(v.problems);
    }

    // ================= the model is valid: build the indexes =================
    let modules: Vec<ModuleC> = model
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| ModuleC {
            name: m.name.clone(),
            default_access: access_of(m.default_sharing),
            record_security: m.record_security,
            parent: module_parents[i],
            fields: m.fields.clone(),
        })
        .collect();

    // role forest: pre-order numbering, iteratively
    let nroles = model.roles.len();
    let mut children: Vec<Vec<Ix>> = vec![Vec::new(); nroles];
    let mut roots = Vec::new();
    for (i, p) in role_parents.iter().enumerate() {
        match p {
            Some(p) => children[*p as usize].push(i as Ix),
            None => roots.push(i as Ix),
        }
    }
    let mut pre = vec![0u32; nroles];
    let mut end = vec![0u32; nroles];
    let mut by_pre = Vec::with_capacity(nroles);
    let mut counter = 0u32;
    for &root in &roots {
        let mut stack: Vec<(Ix, usize)> = vec![(root, 0)];
        pre[root as usize] = counter;
        by_pre.push(root);
        counter += 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&c) = children[node as usize].get(*next) {
                *next += 1;
                pre[c as usize] = counter;
                by_pre.push(c);
                counter += 1;
                stack.push((c, 0));
            } else {
                end[node as usize] = counter - 1;
                stack.pop();
            }
        }
    }
    let roles: Vec<RoleC> = model.roles.iter().enumerate().map(|(i, _)| RoleC { parent: role_parents[i], pre: pre[i], end: end[i] }).collect();

    // groups: who contains whom
    let ngroups = model.groups.len();
    let mut containers: Vec<Vec<Ix>> = vec![Vec::new(); ngroups];
    for (g, nested) in group_nested.iter().enumerate() {
        for &h in nested {
            containers[h as usize].push(g as Ix);
        }
    }
    for c in &mut containers {
        c.sort_unstable();
        c.dedup();
    }
    let groups: Vec<GroupC> =
        model.groups.iter().enumerate().map(|(i, g)| GroupC { id: g.id.clone(), containers: std::mem::take(&mut containers[i]) }).collect();
    let group_up = build_group_up(&groups);

    // direct group memberships by user and by role
    let mut by_user: Vec<Vec<Ix>> = vec![Vec::new(); model.users.len()];
    let mut by_role: Vec<Vec<Ix>> = vec![Vec::new(); nroles];
    let mut by_role_sub: Vec<Vec<Ix>> = vec![Vec::new(); nroles];
    for (g, grp) in model.groups.iter().enumerate() {
        for m in &grp.members {
            match m {
                GroupMember::User(u) => by_user[user_ix[u] as usize].push(g as Ix),
                GroupMember::Role(r) => by_role[role_ix[r] as usize].push(g as Ix),
                GroupMember::RoleAndSubordinates(r) => by_role_sub[role_ix[r] as usize].push(g as Ix),
                GroupMember::Group(_) => {}
            }
        }
    }
    // rules by `to` principal
    let mut rules_to_role: Vec<Vec<Ix>> = vec![Vec::new(); nroles];
    let mut rules_to_sub: Vec<Vec<Ix>> = vec![Vec::new(); nroles];
    let mut rules_to_group: Vec<Vec<Ix>> = vec![Vec::new(); ngroups];
    for (ri, to) in rule_to.iter().enumerate() {
        match *to {
            PrincipalC::Role(r) => rules_to_role[r as usize].push(ri as Ix),
            PrincipalC::RoleSub(r) => rules_to_sub[r as usize].push(ri as Ix),
            PrincipalC::Group(g) => rules_to_group[g as usize].push(ri as Ix),
        }
    }
    // propagate roleAndSubordinates memberships and rules down the role forest (pre-order: parents first)
    let mut inherited_groups: Vec<Vec<Ix>> = vec![Vec::new(); nroles];
    let mut inherited_rules: Vec<Vec<Ix>> = vec![Vec::new(); nroles];
    for &r in &by_pre {
        let r = r as usize;
        let (mut g, mut ru) = match role_parents[r] {
            Some(p) => (inherited_groups[p as usize].clone(), inherited_rules[p as usize].clone()),
            None => (Vec::new(), Vec::new()),
        };
        g.extend_from_slice(&by_role_sub[r]);
        ru.extend_from_slice(&rules_to_sub[r]);
        inherited_groups[r] = g;
        inherited_rules[r] = ru;
    }

    // classes: (role, direct user memberships) → groups and rules
    let mut class_ix: HashMap<(Option<Ix>, Vec<Ix>), Arc<Class>> = HashMap::default();
    let mut user_class = Vec::with_capacity(model.users.len());
    for (i, u) in model.users.iter().enumerate() {
        let role = u.role.as_ref().map(|r| role_ix[r]);
        let mut direct = by_user[i].clone();
        direct.sort_unstable();
        direct.dedup();
        let key = (role, direct);
        let class = class_ix
            .entry(key)
            .or_insert_with_key(|(role, direct)| {
                let mut seeds = direct.clone();
                if let Some(r) = role {
                    seeds.extend_from_slice(&by_role[*r as usize]);
                    seeds.extend_from_slice(&inherited_groups[*r as usize]);
                }
                let groups = close_upward(&seeds, &groups, group_up.as_deref());
                let mut rule_list: Vec<Ix> = Vec::new();
                if let Some(r) = role {
                    rule_list.extend_from_slice(&rules_to_role[*r as usize]);
                    rule_list.extend_from_slice(&inherited_rules[*r as usize]);
                }
                for &g in &groups {
                    rule_list.extend_from_slice(&rules_to_group[g as usize]);
                }
                rule_list.sort_unstable();
                rule_list.dedup();
                let mut by_module: Vec<(Ix, Ix)> = rule_list.iter().map(|&ri| (rules[ri as usize].module, ri)).collect();
                by_module.sort_unstable();
                let mut related: Vec<(Ix, Ix)> =
                    rule_list.iter().flat_map(|&ri| rules[ri as usize].related.iter().map(move |&(child, _)| (child, ri))).collect();
                related.sort_unstable();
                Arc::new(Class { groups, rules: by_module, related })
            })
            .clone();
        user_class.push(class);
    }

    // profile combinations
    let mut combo_ix: HashMap<Vec<Ix>, Ix> = HashMap::default();
    let mut combos: Vec<Combo> = Vec::new();
    let mut user_combo = Vec::with_capacity(model.users.len());
    for u in &model.users {
        let mut set: Vec<Ix> = Vec::new();
        if let Some(r) = &u.role {
            set.extend(model.roles[role_ix[r] as usize].profiles.iter().map(|p| profile_ix[p]));
        }
        set.extend(u.profiles.iter().map(|p| profile_ix[p]));
        set.sort_unstable();
        set.dedup();
        let ix = *combo_ix.entry(set).or_insert_with_key(|set| {
            let mut perms = vec![0u8; modules.len()];
            let (mut va, mut ea) = (false, false);
            for &p in set {
                let prof = &profiles[p as usize];
                va |= prof.view_all;
                ea |= prof.edit_all;
                for (&m, (bits, _)) in &prof.modules {
                    perms[m as usize] |= bits;
                }
            }
            combos.push(Combo { profiles: set.clone(), perms, view_all: va, edit_all: ea });
            (combos.len() - 1) as Ix
        });
        user_combo.push(ix);
    }

    // workspace participation
    let mut external_by_company: HashMap<&str, Vec<Ix>> = HashMap::default();
    for (i, u) in model.users.iter().enumerate() {
        if u.external {
            if let Some(c) = &u.company {
                external_by_company.entry(c.as_str()).or_default().push(i as Ix);
            }
        }
    }
    let mut user_ws: Vec<Vec<(Ix, Part)>> = vec![Vec::new(); model.users.len()];
    for (wi, w) in workspaces.iter_mut().enumerate() {
        let mut parts: HashMap<Ix, Part> = HashMap::default();
        if let Some(o) = w.owner {
            parts.entry(o).or_default().owner = true;
        }
        for &m in &w.moderators {
            parts.entry(m).or_default().moderator = true;
        }
        for &(m, ro) in &w.members {
            let p = parts.entry(m).or_default();
            if ro {
                p.ro_member = true;
            } else {
                p.member = true;
            }
        }
        if let Some(c) = &model.workspaces[wi].counterparty {
            for &u in external_by_company.get(c.as_str()).into_iter().flatten() {
                parts.entry(u).or_default().counterparty = true;
            }
        }
        let mut ps: Vec<Ix> = parts.keys().copied().collect();
        ps.sort_unstable();
        w.participants = ps;
        for (u, p) in parts {
            user_ws[u as usize].push((wi as Ix, p));
        }
    }

    let mut users = Vec::with_capacity(model.users.len());
    for (i, (u, class)) in model.users.into_iter().zip(user_class).enumerate() {
        let mut ws = std::mem::take(&mut user_ws[i]);
        ws.sort_unstable_by_key(|&(w, _)| w);
        users.push(UserC {
            role: u.role.as_ref().map(|r| role_ix[r]),
            id: u.id,
            admin: u.admin,
            active: u.active,
            limited_crm: u.limited_crm,
            limited_deals: u.limited_deals,
            external: u.external,
            read_only: u.read_only,
            can_grant_access: u.can_grant_access,
            record_types: u.record_types,
            combo: user_combo[i],
            class,
            workspaces: ws,
        });
    }
    let mut active_internal: Vec<Ix> = (0..users.len() as Ix).filter(|&i| users[i as usize].active && !users[i as usize].external).collect();
    active_internal.sort_by(|&a, &b| users[a as usize].id.cmp(&users[b as usize].id));

    let compiled = Compiled {
        modules,
        module_ix,
        roles,
        roles_pre_order: by_pre,
        profiles,
        users,
        groups,
        principal_ix,
        group_up,
        workspaces,
        workspace_ix,
        rules,
        combos,
        limited,
        active_internal,
    };

    // ---- records ---------------------------------------------------------
    let mut store = Store::default();
    let resolver = compiled.resolver();
    let mut problems = Vec::new();
    let mut batch = Vec::with_capacity(model.records.len());
    let mut seen = HashMap::default();
    for (i, r) in model.records.iter().enumerate() {
        if let Some(rec) = resolver.record(r, &RecordPath::At(i), true, &mut problems) {
            if let Some(first) = seen.insert(rec.id().map(str::to_owned), i) {
                problems.push(Problem::new(
                    format!("records[{i}].id"),
                    format!("record id \"{}\" appears twice (first at records[{first}])", rec.id().unwrap_or("")),
                ));
            }
            batch.push(rec);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    for rec in batch {
        store.put(rec);
    }
    Ok((compiled, store))
}

/// Upward closure of each group, when the total stays within budget.
fn build_group_up(groups: &[GroupC]) -> Option<Vec<Vec<Ix>>> {
    let n = groups.len();
    // topological order, containers first (Kahn on edges container → nested)
    let mut indeg: Vec<usize> = groups.iter().map(|g| g.containers.len()).collect();
    let mut nested: Vec<Vec<Ix>> = vec![Vec::new(); n];
    for (h, g) in groups.iter().enumerate() {
        for &c in &g.containers {
            nested[c as usize].push(h as Ix);
        }
    }
    let mut queue: Vec<Ix> = (0..n as Ix).filter(|&g| indeg[g as usize] == 0).collect();
    let mut up: Vec<Vec<Ix>> = vec![Vec::new(); n];
    let mut total = 0usize;
    let mut head = 0;
    while head < queue.len() {
        let g = queue[head];
        head += 1;
        let mut set = vec![g];
        for &c in &groups[g as usize].containers {
            set.extend_from_slice(&up[c as usize]);
        }
        set.sort_unstable();
        set.dedup();
        total += set.len();
        if total > GROUP_UP_BUDGET {
            return None;
        }
        up[g as usize] = set;
        for &h in &nested[g as usize] {
            indeg[h as usize] -= 1;
            if indeg[h as usize] == 0 {
                queue.push(h);
            }
        }
    }
    Some(up)
}

/// The seeds and every group that contains one of them, at any depth; sorted.
pub(crate) fn close_upward(seeds: &[Ix], groups: &[GroupC], up: Option<&[Vec<Ix>]>) -> Vec<Ix> {
    let mut out: Vec<Ix> = Vec::new();
    match up {
        Some(up) => {
            for &s in seeds {
                out.extend_from_slice(&up[s as usize]);
            }
        }
        None => {
            let mut seen = vec![false; groups.len()];
            let mut stack: Vec<Ix> = seeds.to_vec();
            while let Some(g) = stack.pop() {
                if std::mem::replace(&mut seen[g as usize], true) {
                    continue;
                }
                out.push(g);
                stack.extend_from_slice(&groups[g as usize].containers);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Where a record sits in the input, rendered only when a problem is reported.
#[derive(Clone, Copy)]
pub(crate) enum RecordPath {
    /// `records[i]`
    At(usize),
    /// `record` (the record argument of a query)
    Arg,
}

impl std::fmt::Display for RecordPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordPath::At(i) => write!(f, "records[{i}]"),
            RecordPath::Arg => f.write_str("record"),
        }
    }
}

/// Turns record inputs into stored records, checking every reference.
pub(crate) struct Resolver<'a> {
    pub module_ix: &'a HashMap<String, Ix>,
    pub principal_ix: &'a HashMap<String, Pr>,
    pub workspace_ix: &'a HashMap<String, Ix>,
}

impl Compiled {
    pub(crate) fn resolver(&self) -> Resolver<'_> {
        Resolver { module_ix: &self.module_ix, principal_ix: &self.principal_ix, workspace_ix: &self.workspace_ix }
    }
}

impl Resolver<'_> {
    fn user(&self, id: &str, path: String, out: &mut Vec<Problem>) -> Option<Ix> {
        match self.principal_ix.get(id) {
            Some(Pr::User(u)) => Some(*u),
            Some(Pr::Group(_)) => {
                out.push(Problem::new(path, format!("\"{id}\" is a group; a user is expected here")));
                None
            }
            None => {
                let mut p = Problem::new(path, format!("unknown user \"{id}\""));
                if self.principal_ix.len() < 10_000 {
                    if let Some(m) = did_you_mean(id, self.principal_ix.keys().map(|k| k.as_str())) {
                        p = p.with_help(format!("did you mean \"{m}\"?"));
                    }
                }
                out.push(p);
                None
            }
        }
    }

    fn users(&self, ids: &[String], base: &RecordPath, key: &str, out: &mut Vec<Problem>) -> Box<[Ix]> {
        ids.iter().enumerate().filter_map(|(j, id)| self.user(id, format!("{base}.{key}[{j}]"), out)).collect()
    }

    /// Resolves one record; `stored` requires an id. Problems go to `out`.
    pub(crate) fn record(&self, r: &CrmRecord, base: &RecordPath, stored: bool, out: &mut Vec<Problem>) -> Option<Rec> {
        let before = out.len();
        match &r.id {
            None if stored => out.push(Problem::new(format!("{base}.id"), "a stored record needs an id")),
            Some(id) if id.is_empty() => out.push(Problem::new(format!("{base}.id"), "ids must be non-empty strings")),
            _ => {}
        }
        let module = match self.module_ix.get(&r.module) {
            Some(&m) => Some(m),
            None => {
                let mut p = Problem::new(format!("{base}.module"), format!("unknown module \"{}\"", r.module));
                if let Some(m) = did_you_mean(&r.module, self.module_ix.keys().map(|k| k.as_str())) {
                    p = p.with_help(format!("did you mean \"{m}\"?"));
                }
                out.push(p);
                None
            }
        };
        let owner = match &r.owner {
            None => None,
            Some(o) => match self.principal_ix.get(o) {
                Some(p) => Some(*p),
                None => {
                    out.push(Problem::new(format!("{base}.owner"), format!("owner \"{o}\" is neither a user nor a group")));
                    None
                }
            },
        };
        for (key, val) in [("parent", &r.parent), ("company", &r.company)] {
            if val.as_deref() == Some("") {
                out.push(Problem::new(format!("{base}.{key}"), "ids must be non-empty strings"));
            }
        }
        let account_managers = self.users(&r.account_managers, base, "accountManagers", out);
        let created_by = r.created_by.as_ref().and_then(|c| self.user(c, format!("{base}.createdBy"), out));
        let assignees = self.users(&r.assignees, base, "assignees", out);
        let participants = self.users(&r.participants, base, "participants", out);
        let auditors = self.users(&r.auditors, base, "auditors", out);
        let workspaces: Box<[Ix]> = r
            .workspaces
            .iter()
            .enumerate()
            .filter_map(|(j, w)| match self.workspace_ix.get(w) {
                Some(&wi) => Some(wi),
                None => {
                    out.push(Problem::new(format!("{base}.workspaces[{j}]"), format!("unknown workspace \"{w}\"")));
                    None
                }
            })
            .collect();
        if out.len() > before {
            return None;
        }
        let fields = if r.fields.is_empty() { None } else { Some(Box::from(r.fields.as_json())) };
        Some(Rec::new(RecParts {
            id: r.id.as_deref(),
            module: module?,
            owner,
            parent: r.parent.as_deref(),
            company: r.company.as_deref(),
            record_type: r.record_type.as_deref(),
            created_by,
            lists: [&account_managers, &workspaces, &assignees, &participants, &auditors],
            fields,
        }))
    }
}
