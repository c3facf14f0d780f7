//! Compilation: from a model that `validate.rs` accepted to the compiled model
//! of `compiled.rs` (every id an index, and the indexes a decision reads) and
//! the record store. Each stage below builds one part; the graph walks they
//! need are in `graph.rs`, and the records are resolved by `resolve.rs`.

use crate::compiled::{Class, Combo, GroupC, ModuleC, Part, PrincipalC, ProfileC, RoleC, RuleC, UserC, WorkspaceC};
pub(crate) use crate::compiled::{Compiled, Ix, Pr};
use crate::error::Problem;
use crate::graph;
use crate::level::Access;
use crate::model::{DefaultSharing, GroupMember, Model};
use crate::resolve::Batch;
use crate::store::Store;
use crate::validate::{self, Ids, Valid};
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

/// Validates the model, builds its indexes and stores its records.
pub(crate) fn compile(mut model: Model) -> Result<(Compiled, Store), Vec<Problem>> {
    let valid = validate::validate(&model)?;
    let records = std::mem::take(&mut model.records);
    let compiled = build(model, valid);
    let mut batch = Vec::with_capacity(records.len());
    compiled.resolver().batch(&records, Batch::Model, |rec| batch.push(rec))?;
    let mut store = Store::default();
    for rec in batch {
        store.put(rec);
    }
    Ok((compiled, store))
}

pub(crate) fn build(model: Model, valid: Valid) -> Compiled {
    let Valid { ids, module_parents, role_parents, profiles, group_nested, limited, mut workspaces, rules, rule_to } = valid;
    let modules = modules(&model, &module_parents);
    let (pre, end) = graph::pre_order(&role_parents);
    let roles: Vec<RoleC> = pre.into_iter().zip(end).map(|(pre, end)| RoleC { pre, end, sub_rules: Vec::new(), sub_related: Vec::new() }).collect();
    let mut groups = groups(&model, &group_nested);
    let group_up = graph::group_up(&groups);
    role_spans(&model, &ids.role_ix, &roles, &mut groups, group_up.as_deref());
    let classes = classes(&model, &ids.principal_ix, &ids.role_ix, &roles, &groups, group_up.as_deref(), &rules, &rule_to);
    let (combos, user_combo) = combos(&model, &ids, &profiles, modules.len());
    let user_ws = participation(&model, &mut workspaces);
    let role_names: Vec<String> = model.roles.iter().map(|r| r.id.clone()).collect();
    let role_profiles: Vec<Vec<Ix>> = model
        .roles
        .iter()
        .map(|r| {
            let mut ps: Vec<Ix> = r.profiles.iter().map(|p| ids.profile_ix[p]).collect();
            ps.sort_unstable();
            ps.dedup();
            ps
        })
        .collect();
    let users = users(model, &ids, classes, user_combo, user_ws);
    let externals: Vec<bool> = users.iter().map(|u| u.external).collect();
    let mut active_internal: Vec<Ix> = (0..users.len() as Ix).filter(|&i| users[i as usize].active && !users[i as usize].external).collect();
    active_internal.sort_by(|&a, &b| users[a as usize].id.cmp(&users[b as usize].id));
    let Ids { module_ix, principal_ix, workspace_ix, role_ix, .. } = ids;
    let mut c = Compiled {
        modules,
        module_ix,
        roles,
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
        role_ix,
        role_names,
        role_profiles,
        externals,
        held_pres: Vec::new(),
        group_pres: Vec::new(),
        sub_scan: None,
        #[cfg(feature = "full")]
        plan_ids: Default::default(),
    };
    reach(&mut c, &role_parents);
    c
}

/// The reach tables and the per-role lists of rules reaching through
/// subordinates, from the users' roles and classes (construction, and
/// `apply` after it patched users or groups).
pub(crate) fn reach(c: &mut Compiled, role_parents: &[Option<Ix>]) {
    (c.held_pres, c.group_pres) = reach_tables(&c.users, &c.roles, &vec![true; c.groups.len()]);
    c.sub_scan = None;
    let rule_to: Vec<PrincipalC> = c.rules.iter().map(|r| r.to).collect();
    subordinate_rules(c, &rule_to, role_parents);
}

/// `reach` after `apply` patched users or groups, where the per-role lists
/// are computed again only for the roles above a role whose holders or
/// group memberships changed, or that falls in `spans` (role spans that
/// changed), when those are few.
pub(crate) fn reach_again(c: &mut Compiled, role_parents: &[Option<Ix>], spans: &[(u32, u32)], touched: &[bool]) {
    let (held, group_pres) = reach_tables(&c.users, &c.roles, touched);
    let mut moved: Vec<u32> = Vec::new();
    let mut diff = |a: &[u32], b: &[u32]| {
        if a != b {
            moved.extend(a.iter().filter(|p| b.binary_search(p).is_err()));
            moved.extend(b.iter().filter(|p| a.binary_search(p).is_err()));
        }
    };
    diff(&c.held_pres, &held);
    for (g, b) in group_pres.iter().enumerate().filter(|&(g, _)| touched[g]) {
        diff(&c.group_pres[g], b);
    }
    for &(lo, hi) in spans {
        moved.extend(held.iter().filter(|&&p| lo <= p && p <= hi));
    }
    c.held_pres = held;
    for (g, b) in group_pres.into_iter().enumerate().filter(|&(g, _)| touched[g]) {
        c.group_pres[g] = b;
    }
    if c.sub_scan.is_some() {
        return;
    }
    let mut by_pre = vec![0 as Ix; c.roles.len()];
    for (r, role) in c.roles.iter().enumerate() {
        by_pre[role.pre as usize] = r as Ix;
    }
    let mut seen = vec![false; c.roles.len()];
    let mut todo = Vec::new();
    for p in moved {
        let mut at = Some(by_pre[p as usize]);
        while let Some(r) = at.filter(|&r| !std::mem::replace(&mut seen[r as usize], true)) {
            todo.push(r);
            at = role_parents[r as usize];
        }
        if todo.len() > 32 {
            return reach(c, role_parents);
        }
    }
    for r in todo {
        let (mut rules, mut related) = (Vec::new(), Vec::new());
        if c.held_pres.binary_search(&c.roles[r as usize].pre).is_ok() {
            for (ri, rule) in c.rules.iter().enumerate().filter(|(_, rule)| c.matches_below(r, rule.to.into())) {
                rules.push((rule.module, ri as Ix));
                related.extend(rule.related.iter().map(|&(child, _)| (child, ri as Ix)));
            }
        }
        rules.sort_unstable();
        related.sort_unstable();
        let role = &mut c.roles[r as usize];
        role.sub_rules = rules;
        role.sub_related = related;
    }
}

/// The pre-order numbers of the roles internal users hold, overall and per
/// group (the groups `wanted`; the others' lists are left empty).
fn reach_tables(users: &[UserC], roles: &[RoleC], wanted: &[bool]) -> (Vec<u32>, Vec<Vec<u32>>) {
    let mut held = Vec::new();
    let mut per_group: Vec<Vec<u32>> = vec![Vec::new(); wanted.len()];
    for u in users.iter().filter(|u| !u.external) {
        let Some(r) = u.role else { continue };
        let pre = roles[r as usize].pre;
        held.push(pre);
        for &g in u.class.groups.iter().filter(|&&g| wanted[g as usize]) {
            per_group[g as usize].push(pre);
        }
    }
    held.sort_unstable();
    held.dedup();
    for p in &mut per_group {
        p.sort_unstable();
        p.dedup();
    }
    (held, per_group)
}

/// At most this many (role, rule) checks or list entries are spent on the
/// per-role lists of rules reaching through subordinates; past it, decisions
/// scan the module's rules instead (see [`Compiled::sub_scan`]).
const SUB_LIST_BUDGET: usize = 4_000_000;

/// For every role an internal user holds: the rules (and related entries)
/// whose `to` matches an internal user below it.
///
/// A role gets a rule exactly when it is a strict ancestor of a role that a
/// matched internal user holds, so each rule walks up from those roles,
/// marking as it goes and stopping at a role it already marked: the work is
/// about the size of the lists it fills, not roles × rules.
fn subordinate_rules(c: &mut Compiled, rule_to: &[PrincipalC], role_parents: &[Option<Ix>]) {
    let nroles = c.roles.len();
    let mut by_pre = vec![0 as Ix; nroles];
    for (r, role) in c.roles.iter().enumerate() {
        by_pre[role.pre as usize] = r as Ix;
    }
    let mut held = vec![false; nroles];
    for &p in &c.held_pres {
        held[by_pre[p as usize] as usize] = true;
    }
    // the held pre-order numbers in `lo..=hi`
    let held_in = |lo: u32, hi: u32| {
        let from = c.held_pres.partition_point(|&p| p < lo);
        c.held_pres[from..].iter().copied().take_while(move |&p| p <= hi)
    };
    let mut stamp = vec![u32::MAX; nroles];
    let mut rules_of: Vec<Vec<(Ix, Ix)>> = vec![Vec::new(); nroles];
    let mut related_of: Vec<Vec<(Ix, Ix)>> = vec![Vec::new(); nroles];
    let mut matched: Vec<u32> = Vec::new();
    let mut spent = 0usize;
    for (ri, &to) in rule_to.iter().enumerate() {
        matched.clear();
        match to {
            PrincipalC::Role(x) => {
                if held[x as usize] {
                    matched.push(c.roles[x as usize].pre);
                }
            }
            PrincipalC::RoleSub(x) => matched.extend(held_in(c.roles[x as usize].pre, c.roles[x as usize].end)),
            PrincipalC::Group(g) => {
                matched.extend_from_slice(&c.group_pres[g as usize]);
                for &(lo, hi) in &c.groups[g as usize].role_spans {
                    matched.extend(held_in(lo, hi));
                }
            }
        }
        spent += matched.len();
        let rule = &c.rules[ri];
        for &p in &matched {
            let mut at = role_parents[by_pre[p as usize] as usize];
            while let Some(r) = at {
                if stamp[r as usize] == ri as u32 {
                    break;
                }
                stamp[r as usize] = ri as u32;
                if held[r as usize] {
                    rules_of[r as usize].push((rule.module, ri as Ix));
                    related_of[r as usize].extend(rule.related.iter().map(|&(child, _)| (child, ri as Ix)));
                    spent += 1 + rule.related.len();
                }
                at = role_parents[r as usize];
            }
            spent += 1;
        }
        if spent > SUB_LIST_BUDGET {
            c.sub_scan = Some(crate::compiled::SubScan::of(&c.rules));
            return;
        }
    }
    for (role, (mut rules, mut related)) in c.roles.iter_mut().zip(rules_of.into_iter().zip(related_of)) {
        rules.sort_unstable();
        related.sort_unstable();
        role.sub_rules = rules;
        role.sub_related = related;
    }
}

fn access_of(d: DefaultSharing) -> Access {
    match d {
        DefaultSharing::Private => Access::None,
        DefaultSharing::PublicRead => Access::Read,
        DefaultSharing::PublicReadWrite => Access::Write,
        DefaultSharing::PublicReadWriteDelete => Access::Full,
    }
}

/// Modules, with their effective default sharing: the lowest along the
/// parent chain, computed top-down with an explicit stack (no recursion on
/// the depth of the module tree).
fn modules(model: &Model, parents: &[Option<Ix>]) -> Vec<ModuleC> {
    let own: Vec<Access> = model.modules.iter().map(|m| access_of(m.default_sharing)).collect();
    let mut effective: Vec<Option<Access>> = vec![None; own.len()];
    let mut stack = Vec::new();
    for start in 0..own.len() {
        let mut at = Some(start as Ix);
        while let Some(m) = at {
            if effective[m as usize].is_some() || stack.len() > own.len() {
                break;
            }
            stack.push(m);
            at = parents[m as usize];
        }
        let mut above = at.and_then(|m| effective[m as usize]).unwrap_or(Access::Full);
        while let Some(m) = stack.pop() {
            above = above.min(own[m as usize]);
            effective[m as usize] = Some(above);
        }
    }
    model
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| ModuleC {
            name: m.name.clone(),
            default_access: effective[i].unwrap_or(own[i]),
            hierarchy: m.hierarchy,
            controlled: m.controlled_by_parent && parents[i].is_some(),
            record_security: m.record_security,
            parent: parents[i],
            fields: m.fields.clone(),
        })
        .collect()
}

/// Groups with the groups that contain them (spans filled in by `role_spans`).
fn groups(model: &Model, nested: &[Vec<Ix>]) -> Vec<GroupC> {
    let mut containers: Vec<Vec<Ix>> = vec![Vec::new(); model.groups.len()];
    for (g, inner) in nested.iter().enumerate() {
        for &h in inner {
            containers[h as usize].push(g as Ix);
        }
    }
    model
        .groups
        .iter()
        .zip(containers)
        .map(|(g, mut containers)| {
            containers.sort_unstable();
            containers.dedup();
            GroupC { id: g.id.clone(), containers, role_spans: Vec::new() }
        })
        .collect()
}

/// For every group, the pre-order spans of the roles whose users are in it
/// through `roleAndSubordinates` (its own members', and those of the groups
/// nested in it). A role chain thousands deep costs one span per such member
/// and container, never a list per role.
pub(crate) fn role_spans(model: &Model, role_ix: &HashMap<String, Ix>, roles: &[RoleC], groups: &mut [GroupC], up: Option<&[Vec<Ix>]>) {
    let mut spans: Vec<Vec<(u32, u32)>> = vec![Vec::new(); groups.len()];
    for (h, grp) in model.groups.iter().enumerate() {
        let own: Vec<(u32, u32)> = grp
            .members
            .iter()
            .filter_map(|m| match m {
                GroupMember::RoleAndSubordinates(r) => {
                    let role = &roles[role_ix[r] as usize];
                    Some((role.pre, role.end))
                }
                _ => None,
            })
            .collect();
        if own.is_empty() {
            continue;
        }
        let walked;
        let reached: &[Ix] = match up {
            Some(up) => &up[h],
            None => {
                walked = graph::close_upward(&[h as Ix], groups, None);
                &walked
            }
        };
        for &g in reached {
            spans[g as usize].extend_from_slice(&own);
        }
    }
    for (g, mut s) in spans.into_iter().enumerate() {
        s.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(s.len());
        for (start, end) in s {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        groups[g].role_spans = merged;
    }
}

/// Classes: users with the same role and direct group memberships share the
/// groups they are in and the sharing rules that reach them.
#[allow(clippy::too_many_arguments)]
pub(crate) fn classes(
    model: &Model,
    principal_ix: &HashMap<String, Pr>,
    role_ix: &HashMap<String, Ix>,
    roles: &[RoleC],
    groups: &[GroupC],
    up: Option<&[Vec<Ix>]>,
    rules: &[RuleC],
    rule_to: &[PrincipalC],
) -> Vec<Arc<Class>> {
    let mut by_user: Vec<Vec<Ix>> = vec![Vec::new(); model.users.len()];
    let mut by_role: Vec<Vec<Ix>> = vec![Vec::new(); roles.len()];
    for (g, grp) in model.groups.iter().enumerate() {
        for m in &grp.members {
            match m {
                GroupMember::User(u) => {
                    if let Some(Pr::User(u)) = principal_ix.get(u) {
                        by_user[*u as usize].push(g as Ix);
                    }
                }
                GroupMember::Role(r) => by_role[role_ix[r] as usize].push(g as Ix),
                GroupMember::RoleAndSubordinates(_) | GroupMember::Group(_) => {}
            }
        }
    }
    let mut to_role: Vec<Vec<Ix>> = vec![Vec::new(); roles.len()];
    let mut to_subtree: Vec<(Ix, Ix)> = Vec::new();
    let mut to_group: Vec<Vec<Ix>> = vec![Vec::new(); groups.len()];
    for (ri, to) in rule_to.iter().enumerate() {
        match *to {
            PrincipalC::Role(r) => to_role[r as usize].push(ri as Ix),
            PrincipalC::RoleSub(r) => to_subtree.push((r, ri as Ix)),
            PrincipalC::Group(g) => to_group[g as usize].push(ri as Ix),
        }
    }
    // the groups rules name whose members include roles and subordinates: per
    // role, those whose spans hold it (asked once per role, not per class)
    let spanned: Vec<Ix> = (0..groups.len() as Ix).filter(|&g| !to_group[g as usize].is_empty() && !groups[g as usize].role_spans.is_empty()).collect();
    let mut span_hits: HashMap<Ix, Vec<Ix>> = HashMap::default();
    let mut class_ix: HashMap<(Option<Ix>, Vec<Ix>), Arc<Class>> = HashMap::default();
    let mut out = Vec::with_capacity(model.users.len());
    for (i, u) in model.users.iter().enumerate() {
        let role = u.role.as_ref().map(|r| role_ix[r]);
        let mut direct = std::mem::take(&mut by_user[i]);
        direct.sort_unstable();
        direct.dedup();
        if let Some(r) = role {
            span_hits.entry(r).or_insert_with(|| {
                let pre = roles[r as usize].pre;
                spanned.iter().copied().filter(|&g| crate::compiled::in_spans(&groups[g as usize].role_spans, pre)).collect()
            });
        }
        let class = class_ix.entry((role, direct)).or_insert_with_key(|(role, direct)| {
            let mut seeds = direct.clone();
            let pre = role.map(|r| roles[r as usize].pre);
            if let Some(r) = role {
                seeds.extend_from_slice(&by_role[*r as usize]);
            }
            let listed = graph::close_upward(&seeds, groups, up);
            let mut reach: Vec<Ix> = Vec::new();
            if let (Some(r), Some(pre)) = (role, pre) {
                reach.extend_from_slice(&to_role[*r as usize]);
                let within = |a: Ix| roles[a as usize].pre <= pre && pre <= roles[a as usize].end;
                reach.extend(to_subtree.iter().filter(|&&(a, _)| within(a)).map(|&(_, ri)| ri));
            }
            // (`class_of` sorts and dedups: a group both listed and spanned counts once)
            for &g in &listed {
                reach.extend_from_slice(&to_group[g as usize]);
            }
            if let Some(r) = role {
                for &g in &span_hits[r] {
                    reach.extend_from_slice(&to_group[g as usize]);
                }
            }
            Arc::new(class_of(listed, reach, rules))
        });
        out.push(class.clone());
    }
    out
}

/// The class of a user with `role` who is directly in the groups `seeds`
/// (with those of their role), against the compiled groups and rules.
pub(crate) fn class_for(c: &Compiled, role: Option<Ix>, seeds: &[Ix]) -> Class {
    let listed = graph::close_upward(seeds, &c.groups, c.group_up.as_deref());
    let reach = (0..c.rules.len() as Ix).filter(|&ri| c.reaches(role, &listed, c.rules[ri as usize].to)).collect();
    class_of(listed, reach, &c.rules)
}

fn class_of(groups: Vec<Ix>, mut reach: Vec<Ix>, rules: &[RuleC]) -> Class {
    reach.sort_unstable();
    reach.dedup();
    let mut by_module: Vec<(Ix, Ix)> = reach.iter().map(|&ri| (rules[ri as usize].module, ri)).collect();
    by_module.sort_unstable();
    let mut related: Vec<(Ix, Ix)> = reach.iter().flat_map(|&ri| rules[ri as usize].related.iter().map(move |&(child, _)| (child, ri))).collect();
    related.sort_unstable();
    Class { groups, rules: by_module, related }
}

/// Profile combinations: users with the same set of profiles share one.
fn combos(model: &Model, ids: &Ids, profiles: &[ProfileC], nmodules: usize) -> (Vec<Combo>, Vec<Ix>) {
    let mut combo_ix: HashMap<Vec<Ix>, Ix> = HashMap::default();
    let mut combos: Vec<Combo> = Vec::new();
    let mut user_combo = Vec::with_capacity(model.users.len());
    for u in &model.users {
        let mut set: Vec<Ix> = Vec::new();
        if let Some(r) = &u.role {
            set.extend(model.roles[ids.role_ix[r] as usize].profiles.iter().map(|p| ids.profile_ix[p]));
        }
        set.extend(u.profiles.iter().map(|p| ids.profile_ix[p]));
        set.sort_unstable();
        set.dedup();
        let ix = *combo_ix.entry(set).or_insert_with_key(|set| {
            combos.push(combo(set.clone(), profiles, nmodules));
            (combos.len() - 1) as Ix
        });
        user_combo.push(ix);
    }
    (combos, user_combo)
}

/// The merged profiles of one profile set.
fn combo(set: Vec<Ix>, profiles: &[ProfileC], nmodules: usize) -> Combo {
    let mut perms = vec![0u8; nmodules];
    let (mut va, mut ea) = (false, false);
    for &p in &set {
        let prof = &profiles[p as usize];
        va |= prof.view_all;
        ea |= prof.edit_all;
        for (&m, (bits, _)) in &prof.modules {
            perms[m as usize] |= bits;
        }
    }
    Combo { profiles: set, perms, view_all: va, edit_all: ea }
}

/// The profile combination of a user (added to `c.combos` if new).
pub(crate) fn combo_for(c: &mut Compiled, model: &Model, u: &crate::model::User, profile_ix: &HashMap<String, Ix>) -> Ix {
    let mut set: Vec<Ix> = Vec::new();
    if let Some(r) = &u.role {
        set.extend(model.roles[c.role_ix[r] as usize].profiles.iter().map(|p| profile_ix[p]));
    }
    set.extend(u.profiles.iter().map(|p| profile_ix[p]));
    set.sort_unstable();
    set.dedup();
    if let Some(at) = c.combos.iter().position(|k| k.profiles == set) {
        return at as Ix;
    }
    c.combos.push(combo(set, &c.profiles, c.modules.len()));
    (c.combos.len() - 1) as Ix
}

/// Who takes part in each workspace and how; fills `participants`, and
/// returns each user's (workspace, participation) list.
fn participation(model: &Model, workspaces: &mut [WorkspaceC]) -> Vec<Vec<(Ix, Part)>> {
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
        for &a in &w.auditors {
            parts.entry(a).or_default().auditor = true;
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
    for ws in &mut user_ws {
        ws.sort_unstable_by_key(|&(w, _)| w);
    }
    user_ws
}

fn users(model: Model, ids: &Ids, classes: Vec<Arc<Class>>, combos: Vec<Ix>, workspaces: Vec<Vec<(Ix, Part)>>) -> Vec<UserC> {
    let parts = classes.into_iter().zip(combos).zip(workspaces);
    model.users.into_iter().zip(parts).map(|(u, ((class, combo), workspaces))| user_c(u, &ids.role_ix, combo, class, workspaces)).collect()
}

/// A compiled user.
pub(crate) fn user_c(u: crate::model::User, role_ix: &HashMap<String, Ix>, combo: Ix, class: Arc<Class>, workspaces: Vec<(Ix, Part)>) -> UserC {
    UserC {
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
        combo,
        class,
        workspaces,
    }
}
