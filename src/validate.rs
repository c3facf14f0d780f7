//! Validation: everything about a model that serde cannot see (references,
//! duplicates, cycles, contradictory flags), each problem reported with the
//! JSON path where it sits. A model that passes is handed to `compile.rs` with
//! what validation learnt on the way (the id maps, parents, and the sections
//! already resolved to indexes).

use crate::compiled::{Ix, LimitedC, Pr, PrincipalC, ProfileC, RuleC, WorkspaceC};
use crate::error::{did_you_mean, Path, Problem};
use crate::graph::{back_edges, parent_cycles};
use crate::level::{Access, CREATE, DELETE, EDIT, VIEW};
use crate::model::*;
use crate::resolve::{user_ix as lookup_user, Batch, NotUser, Resolver};
use rustc_hash::FxHashMap as HashMap;

/// The id maps of a model.
pub(crate) struct Ids {
    pub module_ix: HashMap<String, Ix>,
    pub role_ix: HashMap<String, Ix>,
    pub profile_ix: HashMap<String, Ix>,
    pub workspace_ix: HashMap<String, Ix>,
    /// Users and groups share one id space.
    pub principal_ix: HashMap<String, Pr>,
    pub user_ix: HashMap<String, Ix>,
    pub group_ix: HashMap<String, Ix>,
}

/// A valid model's sections, resolved as far as validation had to.
pub(crate) struct Valid {
    pub ids: Ids,
    pub module_parents: Vec<Option<Ix>>,
    pub role_parents: Vec<Option<Ix>>,
    pub profiles: Vec<ProfileC>,
    /// Per group, the groups it has as `{"group": …}` members.
    pub group_nested: Vec<Vec<Ix>>,
    pub limited: Option<LimitedC>,
    pub workspaces: Vec<WorkspaceC>,
    pub rules: Vec<RuleC>,
    /// Per rule, its `to`.
    pub rule_to: Vec<PrincipalC>,
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
        if let Some(m) = did_you_mean(id, known.keys().map(std::string::String::as_str)) {
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

/// Checks the model; on success, what compilation needs. The records are
/// checked only when something else is wrong (so that one pass lists every
/// problem); a valid model's records are resolved by `compile`.
pub(crate) fn validate(model: &Model) -> Result<Valid, Vec<Problem>> {
    let mut v = V { problems: Vec::new() };
    let ids = ids(&mut v, model);
    let module_parents = modules(&mut v, model, &ids);
    let role_parents = roles(&mut v, model, &ids);
    let profiles = profiles(&mut v, model, &ids);
    let group_nested = groups(&mut v, model, &ids);
    let limited = limited(&mut v, model, &ids);
    users(&mut v, model, &ids);
    let workspaces = workspaces(&mut v, model, &ids);
    let (rules, rule_to) = rules(&mut v, model, &ids, &module_parents);
    if !v.problems.is_empty() {
        let externals: Vec<bool> = model.users.iter().map(|u| u.external).collect();
        let partial = Resolver {
            module_ix: &ids.module_ix,
            principal_ix: &ids.principal_ix,
            workspace_ix: &ids.workspace_ix,
            role_ix: &ids.role_ix,
            externals: &externals,
            partial: true,
        };
        if let Err(more) = partial.batch(&model.records, Batch::Model, |_| {}) {
            v.problems.extend(more);
        }
        return Err(v.problems);
    }
    Ok(Valid { ids, module_parents, role_parents, profiles, group_nested, limited, workspaces, rules, rule_to })
}

fn ids(v: &mut V, model: &Model) -> Ids {
    if model.modules.is_empty() {
        v.at("modules".into(), "at least one module is required");
    }
    let module_ix = index_ids(v, "modules", model.modules.iter().map(|m| m.name.as_str()), "module");
    let role_ix = index_ids(v, "roles", model.roles.iter().map(|r| r.id.as_str()), "role");
    let profile_ix = index_ids(v, "profiles", model.profiles.iter().map(|p| p.id.as_str()), "profile");
    let workspace_ix = index_ids(v, "workspaces", model.workspaces.iter().map(|w| w.id.as_str()), "workspace");
    let _rule_ix = index_ids(v, "sharingRules", model.sharing_rules.iter().map(|r| r.id.as_str()), "sharing rule");

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
    Ids { module_ix, role_ix, profile_ix, workspace_ix, principal_ix, user_ix, group_ix }
}

fn modules(v: &mut V, model: &Model, ids: &Ids) -> Vec<Option<Ix>> {
    let module_ix = &ids.module_ix;
    let mut module_parents = vec![None; model.modules.len()];
    for (i, m) in model.modules.iter().enumerate() {
        if let Some(p) = &m.parent {
            match module_ix.get(p) {
                Some(&pi) => module_parents[i] = Some(pi),
                None => v.unknown(format!("modules[{i}].parent"), "module", p, module_ix),
            }
        }
        if m.controlled_by_parent && m.parent.is_none() {
            v.at(format!("modules[{i}].controlledByParent"), "controlledByParent needs a parent module");
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
    module_parents
}

fn roles(v: &mut V, model: &Model, ids: &Ids) -> Vec<Option<Ix>> {
    let (role_ix, profile_ix) = (&ids.role_ix, &ids.profile_ix);
    let mut role_parents = vec![None; model.roles.len()];
    for (i, r) in model.roles.iter().enumerate() {
        if let Some(p) = &r.parent {
            match role_ix.get(p) {
                Some(&pi) => role_parents[i] = Some(pi),
                None => v.unknown(format!("roles[{i}].parent"), "role", p, role_ix),
            }
        }
        for (j, p) in r.profiles.iter().enumerate() {
            if !profile_ix.contains_key(p) {
                v.unknown(format!("roles[{i}].profiles[{j}]"), "profile", p, profile_ix);
            }
        }
    }
    let role_cycles = parent_cycles(&role_parents);
    for cycle in &role_cycles {
        let names: Vec<&str> = cycle.iter().map(|&c| model.roles[c as usize].id.as_str()).collect();
        v.at(format!("roles[{}].parent", cycle[0]), format!("roles form a cycle: {} → {}", names.join(" → "), names[0]));
    }
    role_parents
}

fn profiles(v: &mut V, model: &Model, ids: &Ids) -> Vec<ProfileC> {
    let module_ix = &ids.module_ix;
    let mut profiles = Vec::with_capacity(model.profiles.len());
    for (i, p) in model.profiles.iter().enumerate() {
        let mut mods = HashMap::default();
        for (name, perms) in &p.modules {
            let mut path = Path::root(&format!("profiles[{i}].modules"));
            path.key(name);
            let Some(&mi) = module_ix.get(name) else {
                v.unknown(path.as_str().to_owned(), "module", name, module_ix);
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
                    if let Some(m) = declared.and_then(|d| did_you_mean(f, d.iter().map(std::string::String::as_str))) {
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
        profiles.push(ProfileC { id: p.id.clone(), view_all: p.view_all, edit_all: p.edit_all, modules: mods });
    }
    profiles
}

fn groups(v: &mut V, model: &Model, ids: &Ids) -> Vec<Vec<Ix>> {
    let (principal_ix, role_ix, user_ix, group_ix) = (&ids.principal_ix, &ids.role_ix, &ids.user_ix, &ids.group_ix);

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
                    None => v.unknown(format!("{base}.user"), "user", u, user_ix),
                },
                GroupMember::Role(r) | GroupMember::RoleAndSubordinates(r) => {
                    if !role_ix.contains_key(r) {
                        let key = if matches!(m, GroupMember::Role(_)) { "role" } else { "roleAndSubordinates" };
                        v.unknown(format!("{base}.{key}"), "role", r, role_ix);
                    }
                }
                GroupMember::Group(h) => match principal_ix.get(h) {
                    Some(Pr::Group(hi)) => {
                        group_nested[i].push(*hi);
                        group_nested_at[i].push(j);
                    }
                    Some(Pr::User(_)) => v.at(format!("{base}.group"), format!("\"{h}\" is a user, not a group; use {{\"user\": \"{h}\"}}")),
                    None => v.unknown(format!("{base}.group"), "group", h, group_ix),
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
    group_nested
}

fn limited(v: &mut V, model: &Model, ids: &Ids) -> Option<LimitedC> {
    let module_ix = &ids.module_ix;
    let mut limited = None;
    if let Some(la) = &model.limited_access {
        let cm = module_ix.get(&la.company_module).copied();
        if cm.is_none() {
            v.unknown("limitedAccess.companyModule".into(), "module", &la.company_module, module_ix);
        }
        let mut mods = vec![false; model.modules.len()];
        for (j, m) in la.modules.iter().enumerate() {
            match module_ix.get(m) {
                Some(&mi) => mods[mi as usize] = true,
                None => v.unknown(format!("limitedAccess.modules[{j}]"), "module", m, module_ix),
            }
        }
        let dm = match &la.deal_module {
            Some(d) => match module_ix.get(d) {
                Some(&mi) => Some(mi),
                None => {
                    v.unknown("limitedAccess.dealModule".into(), "module", d, module_ix);
                    None
                }
            },
            None => None,
        };
        let contact = match &la.contact_module {
            Some(c) => match module_ix.get(c) {
                Some(&mi) => Some(mi),
                None => {
                    v.unknown("limitedAccess.contactModule".into(), "module", c, module_ix);
                    None
                }
            },
            None => None,
        };
        if let Some(cm) = cm {
            limited = Some(LimitedC { company_module: cm, modules: mods, deal_module: dm, contact_module: contact });
        }
    }
    limited
}

fn users(v: &mut V, model: &Model, ids: &Ids) {
    if let Some(s) = &model.slice_for {
        if !matches!(ids.principal_ix.get(s), Some(Pr::User(_))) {
            v.at("sliceFor".into(), format!("unknown user \"{s}\": a slice names the user it was made for"));
        }
    }
    for (i, u) in model.users.iter().enumerate() {
        user(v, i, u, model, &ids.role_ix, &ids.profile_ix);
    }
}

/// Does one user pass the checks `validate` makes of each user, against the
/// ids of a valid model? (`apply`'s path for a batch that puts one user.)
pub(crate) fn one_user_ok(u: &User, model: &Model, role_ix: &HashMap<String, Ix>, profile_ix: &HashMap<String, Ix>) -> bool {
    let mut v = V { problems: Vec::new() };
    user(&mut v, 0, u, model, role_ix, profile_ix);
    v.problems.is_empty() && !u.id.is_empty()
}

fn user(v: &mut V, i: usize, u: &User, model: &Model, role_ix: &HashMap<String, Ix>, profile_ix: &HashMap<String, Ix>) {
    let p = |k: &str| format!("users[{i}].{k}");
    if let Some(r) = &u.role {
        if !role_ix.contains_key(r) {
            v.unknown(p("role"), "role", r, role_ix);
        }
    }
    for (j, pr) in u.profiles.iter().enumerate() {
        if !profile_ix.contains_key(pr) {
            v.unknown(format!("users[{i}].profiles[{j}]"), "profile", pr, profile_ix);
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

fn workspaces(v: &mut V, model: &Model, ids: &Ids) -> Vec<WorkspaceC> {
    let user_ref = |v: &mut V, path: String, id: &str| -> Option<Ix> {
        match lookup_user(&ids.principal_ix, id) {
            Ok(u) => Some(u),
            Err(NotUser::Group) => {
                v.at(path, format!("\"{id}\" is a group; a user is expected here"));
                None
            }
            Err(NotUser::Unknown) => {
                v.unknown(path, "user", id, &ids.user_ix);
                None
            }
        }
    };
    let mut workspaces = Vec::with_capacity(model.workspaces.len());
    for (i, w) in model.workspaces.iter().enumerate() {
        let owner = w.owner.as_ref().and_then(|o| user_ref(v, format!("workspaces[{i}].owner"), o));
        let moderators: Vec<Ix> = w.moderators.iter().enumerate().filter_map(|(j, m)| user_ref(v, format!("workspaces[{i}].moderators[{j}]"), m)).collect();
        let auditors: Vec<Ix> = w.auditors.iter().enumerate().filter_map(|(j, a)| user_ref(v, format!("workspaces[{i}].auditors[{j}]"), a)).collect();
        let mut members = Vec::new();
        for (j, m) in w.members.iter().enumerate() {
            if let Some(u) = user_ref(v, format!("workspaces[{i}].members[{j}].user"), &m.user) {
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
            auditors,
            members,
            visibility: w.external_visibility,
            invite: w.invite_policy,
            participants: Vec::new(),
        });
    }
    workspaces
}

fn rules(v: &mut V, model: &Model, ids: &Ids, module_parents: &[Option<Ix>]) -> (Vec<RuleC>, Vec<PrincipalC>) {
    rules_with(v, &model.sharing_rules, (&ids.module_ix, &ids.role_ix, &ids.group_ix), module_parents)
}

/// The (module, role, group) id maps the rules are checked against.
pub(crate) type RuleIds<'a> = (&'a HashMap<String, Ix>, &'a HashMap<String, Ix>, &'a HashMap<String, Ix>);

/// One sharing rule checked against the ids of a valid model, as `validate`
/// checks each rule (`apply`'s path for a batch that only replaces rules);
/// problems have the path `sharingRules[0]...`.
pub(crate) fn one_rule(rule: &SharingRule, ids: RuleIds<'_>, module_parents: &[Option<Ix>]) -> Result<RuleC, Vec<Problem>> {
    let mut v = V { problems: Vec::new() };
    let (mut rules, _) = rules_with(&mut v, std::slice::from_ref(rule), ids, module_parents);
    match rules.pop() {
        Some(r) if v.problems.is_empty() => Ok(r),
        _ => Err(v.problems),
    }
}

/// The rules of a model: (module, role, group) id maps.
fn rules_with(
    v: &mut V,
    sharing_rules: &[SharingRule],
    (module_ix, role_ix, group_ix): RuleIds<'_>,
    module_parents: &[Option<Ix>],
) -> (Vec<RuleC>, Vec<PrincipalC>) {
    let principal = |v: &mut V, path: String, p: &Principal| -> Option<PrincipalC> {
        match p {
            Principal::Role(r) | Principal::RoleAndSubordinates(r) => {
                let key = if matches!(p, Principal::Role(_)) { "role" } else { "roleAndSubordinates" };
                match role_ix.get(r) {
                    Some(&ri) => Some(if key == "role" { PrincipalC::Role(ri) } else { PrincipalC::RoleSub(ri) }),
                    None => {
                        v.unknown(format!("{path}.{key}"), "role", r, role_ix);
                        None
                    }
                }
            }
            Principal::Group(g) => match group_ix.get(g) {
                Some(&gi) => Some(PrincipalC::Group(gi)),
                None => {
                    v.unknown(format!("{path}.group"), "group", g, group_ix);
                    None
                }
            },
        }
    };
    let mut rules = Vec::with_capacity(sharing_rules.len());
    let mut rule_to = Vec::with_capacity(sharing_rules.len());
    for (i, r) in sharing_rules.iter().enumerate() {
        let module = module_ix.get(&r.module).copied();
        if module.is_none() {
            v.unknown(format!("sharingRules[{i}].module"), "module", &r.module, module_ix);
        }
        let from = principal(v, format!("sharingRules[{i}].from"), &r.from);
        let to = principal(v, format!("sharingRules[{i}].to"), &r.to);
        let mut related = Vec::new();
        for (child, acc) in &r.related {
            let mut path = Path::root(&format!("sharingRules[{i}].related"));
            path.key(child);
            match module_ix.get(child) {
                None => v.unknown(path.as_str().to_owned(), "module", child, module_ix),
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
            rules.push(RuleC { id: r.id.as_str().into(), module, from, to, level: rule_level(r.access), related });
            rule_to.push(to);
        }
    }
    (rules, rule_to)
}
