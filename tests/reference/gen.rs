//! Random VALID models, records and query records, driven by an "entropy tape".
//!
//! The generator reads numbers from a tape (a `&[u32]`); a tape that runs out
//! reads as zeros, and zero always means the simplest choice (no item, first
//! option, flag off). proptest generates and shrinks the tape, which makes the
//! models shrink too; cargo-fuzz can drive the same generator from raw bytes.
//!
//! Every model it builds is valid by SPEC §6 (the tests check that the engine
//! accepts it): roles and groups only point to earlier ones (no cycles), module
//! parents only to earlier modules, limited flags only where allowed, external
//! users never get viewAll/editAll, admin or canGrantAccess, profile fields are
//! declared fields, `related` keys are child modules, member entries are unique
//! per workspace, and records only name existing users, groups and workspaces.
//!
//! `generate(t)` makes contract v1 models (exactly as before v2 existed: the v1
//! path draws the same numbers from the tape). `generate_for(t, 2)` makes
//! contract v2 models: every v2 key (module `hierarchy` and
//! `controlledByParent`, workspace `auditors`, `limitedAccess.contactModule`,
//! record `sharedWith` with every principal kind and both levels), deep module
//! trees with record chains down them, wrong-module, dangling and self-naming
//! parents, and records without `company` that inherit one through the parent
//! chain. Every v2-only draw is behind `v2`, so v1 tapes are unchanged.
#![allow(dead_code)]

use serde_json::{json, Map, Value};

pub struct Tape<'a> {
    data: &'a [u32],
    pos: usize,
}

impl<'a> Tape<'a> {
    pub fn new(data: &'a [u32]) -> Self {
        Tape { data, pos: 0 }
    }

    pub fn from_bytes(bytes: &[u8]) -> Vec<u32> {
        bytes
            .chunks(2)
            .map(|c| {
                let mut v = c[0] as u32;
                if c.len() > 1 {
                    v |= (c[1] as u32) << 8;
                }
                v
            })
            .collect()
    }

    /// How many numbers were read so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn next(&mut self) -> u32 {
        let v = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        v
    }

    /// A number in `0..n` (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() as usize) % n
        }
    }

    /// True with about `pct` percent probability; a zero reads as false.
    pub fn chance(&mut self, pct: u32) -> bool {
        (self.next() % 100) >= 100 - pct.min(100)
    }

    pub fn pick<'b, T>(&mut self, items: &'b [T]) -> Option<&'b T> {
        if items.is_empty() {
            None
        } else {
            Some(&items[self.below(items.len())])
        }
    }

    /// Up to `n` distinct items of `items`.
    pub fn some_of<T: Clone + PartialEq>(&mut self, items: &[T], n: usize) -> Vec<T> {
        let count = self.below(n + 1);
        let mut out: Vec<T> = Vec::new();
        for _ in 0..count {
            if let Some(x) = self.pick(items) {
                if !out.contains(x) {
                    out.push(x.clone());
                }
            }
        }
        out
    }
}

/// Everything one random case needs.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The model, with the records that are given at construction.
    pub model: Value,
    /// Records to `put_records` after construction.
    pub later: Vec<Value>,
    /// Records only ever given to queries as JSON (some reuse a stored id with
    /// different content, some have no id).
    pub probes: Vec<Value>,
    /// Records with already stored ids and new content, for a second put.
    pub replacements: Vec<Value>,
}

pub const SPECIAL_USER_IDS: &[&str] = &["__proto__", "constructor", "Zoë", "\u{ff5a}", "\u{1d4b3}", "A", "toString", "hasOwnProperty", "a b"];
const FIELD_POOL: &[&str] = &["f0", "f1", "f2", "f3", "constructor"];
const RECORD_FIELD_POOL: &[&str] = &["f0", "f1", "f2", "f3", "constructor", "x", "__proto__"];
const TYPES: &[&str] = &["t0", "t1", "t2", "t3"];
const SHARINGS: &[&str] = &["private", "publicRead", "publicReadWrite", "publicReadWriteDelete"];
const LEVELS: &[&str] = &["hidden", "readOnly", "editable"];
const POLICIES: &[&str] = &["owner", "ownerAndModerators", "members"];

struct ModuleInfo {
    name: String,
    parent: Option<usize>,
    fields: Option<Vec<String>>,
}

/// Knobs: the shape of the model (deep trees, wide trees, many users...).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    Random,
    Deep,
    Wide,
    Small,
}

/// A contract v1 model.
pub fn generate(t: &mut Tape) -> Generated {
    generate_for(t, 1)
}

/// A model for contract `version` (1 or 2).
pub fn generate_for(t: &mut Tape, version: u32) -> Generated {
    let v2 = version >= 2;
    let shape = match t.below(4) {
        0 => Shape::Random,
        1 => Shape::Deep,
        2 => Shape::Wide,
        _ => Shape::Small,
    };

    // ---------------------------------------------------------------- modules
    // v2: deep module trees (a chain of up to 12 modules)
    let n_modules = 1 + t.below(if shape == Shape::Small {
        3
    } else if v2 && shape == Shape::Deep {
        12
    } else {
        6
    });
    let mut modules: Vec<ModuleInfo> = Vec::new();
    let mut modules_json = Vec::new();
    for i in 0..n_modules {
        let name = format!("m{i}");
        let parent = if v2 && shape == Shape::Deep && i > 0 && t.chance(85) {
            Some(i - 1) // v2: a chain
        } else if i > 0 && t.chance(60) {
            Some(t.below(i))
        } else {
            None
        };
        let fields = if t.chance(55) {
            let mut fs: Vec<String> = Vec::new();
            let k = t.below(FIELD_POOL.len() + 1);
            for _ in 0..k {
                let f = FIELD_POOL[t.below(FIELD_POOL.len())].to_string();
                if !fs.contains(&f) {
                    fs.push(f);
                }
            }
            Some(fs)
        } else {
            None
        };
        let mut m = Map::new();
        m.insert("name".into(), json!(name));
        let ds = t.below(5);
        if ds < 4 {
            m.insert("defaultSharing".into(), json!(SHARINGS[ds]));
        }
        if t.chance(12) {
            m.insert("recordSecurity".into(), json!(false));
        } else if t.chance(10) {
            m.insert("recordSecurity".into(), json!(true));
        }
        if let Some(p) = parent {
            m.insert("parent".into(), json!(format!("m{p}")));
        }
        match &fields {
            Some(fs) => {
                m.insert("fields".into(), json!(fs));
            }
            None => {
                if t.chance(10) {
                    m.insert("fields".into(), Value::Null);
                }
            }
        }
        if v2 {
            // v2: the hierarchy switch and records controlled by their parent
            if t.chance(25) {
                m.insert("hierarchy".into(), json!(false));
            } else if t.chance(10) {
                m.insert("hierarchy".into(), json!(true));
            }
            if parent.is_some() && t.chance(45) {
                m.insert("controlledByParent".into(), json!(true));
            } else if t.chance(8) {
                m.insert("controlledByParent".into(), json!(false));
            }
        }
        modules_json.push(Value::Object(m));
        modules.push(ModuleInfo { name, parent, fields });
    }
    let module_names: Vec<String> = modules.iter().map(|m| m.name.clone()).collect();

    // ---------------------------------------------------------- limited access
    let mut limited: Option<(usize, Vec<usize>, Option<usize>)> = None;
    if t.chance(55) {
        let company = if t.chance(70) { 0 } else { t.below(n_modules) };
        let mut covered: Vec<usize> = Vec::new();
        for i in 0..n_modules {
            if t.chance(60) {
                covered.push(i);
            }
        }
        let deal = if t.chance(75) {
            let children: Vec<usize> = (0..n_modules).filter(|&i| modules[i].parent == Some(company)).collect();
            if !children.is_empty() && t.chance(80) {
                Some(*t.pick(&children).unwrap())
            } else {
                Some(t.below(n_modules))
            }
        } else {
            None
        };
        limited = Some((company, covered, deal));
    }
    // v2: the contact module of limited CRM access (often a child of the company module)
    let mut contact_module: Option<usize> = None;
    if let Some((company, _, _)) = limited.as_ref().filter(|_| v2 && t.chance(65)) {
        let company = *company;
        let children: Vec<usize> = (0..n_modules).filter(|&i| modules[i].parent == Some(company)).collect();
        contact_module = Some(if !children.is_empty() && t.chance(75) { *t.pick(&children).unwrap() } else { t.below(n_modules) });
    }
    let limited_crm_possible = limited.as_ref().map(|l| !l.1.is_empty()).unwrap_or(false);
    let limited_deals_possible = limited.as_ref().map(|l| l.2.is_some()).unwrap_or(false);

    // ---------------------------------------------------------------- profiles
    let n_profiles = t.below(if shape == Shape::Small { 3 } else { 7 });
    let mut profiles_json = Vec::new();
    let mut profile_is_wide: Vec<bool> = Vec::new(); // viewAll or editAll
    for i in 0..n_profiles {
        let mut p = Map::new();
        p.insert("id".into(), json!(format!("p{i}")));
        let view_all = t.chance(12);
        let edit_all = t.chance(8);
        if view_all {
            p.insert("viewAll".into(), json!(true));
        }
        if edit_all {
            p.insert("editAll".into(), json!(true));
        }
        let mut ms = Map::new();
        for m in &modules {
            if !t.chance(75) {
                continue;
            }
            let mut mp = Map::new();
            for (flag, pct) in [("view", 80), ("create", 55), ("edit", 60), ("delete", 45)] {
                if t.chance(pct) {
                    mp.insert(flag.into(), json!(true));
                } else if t.chance(10) {
                    mp.insert(flag.into(), json!(false));
                }
            }
            if let Some(fs) = &m.fields {
                let mut fm = Map::new();
                for f in fs {
                    if t.chance(45) {
                        fm.insert(f.clone(), json!(LEVELS[t.below(3)]));
                    }
                }
                if !fm.is_empty() || t.chance(10) {
                    mp.insert("fields".into(), Value::Object(fm));
                }
            }
            ms.insert(m.name.clone(), Value::Object(mp));
        }
        if !ms.is_empty() || t.chance(20) {
            p.insert("modules".into(), Value::Object(ms));
        }
        profiles_json.push(Value::Object(p));
        profile_is_wide.push(view_all || edit_all);
    }
    let profile_ids: Vec<usize> = (0..n_profiles).collect();

    // ------------------------------------------------------------------- roles
    let n_roles = match shape {
        Shape::Deep => 5 + t.below(30),
        Shape::Wide => 1 + t.below(14),
        Shape::Small => t.below(3),
        Shape::Random => t.below(9),
    };
    let mut roles_json = Vec::new();
    let mut role_profiles: Vec<Vec<usize>> = Vec::new();
    for i in 0..n_roles {
        let mut r = Map::new();
        r.insert("id".into(), json!(format!("R{i}")));
        let parent = match shape {
            Shape::Deep if i > 0 => {
                if t.chance(85) {
                    Some(i - 1)
                } else if t.chance(50) {
                    Some(t.below(i))
                } else {
                    None
                }
            }
            Shape::Wide if i > 0 => {
                if t.chance(85) {
                    Some(t.below(i.min(3)))
                } else {
                    None
                }
            }
            _ if i > 0 && t.chance(70) => Some(t.below(i)),
            _ => None,
        };
        if let Some(p) = parent {
            r.insert("parent".into(), json!(format!("R{p}")));
        } else if t.chance(10) {
            r.insert("parent".into(), Value::Null);
        }
        let mut ps = t.some_of(&profile_ids, 2);
        if ps.is_empty() && n_profiles > 0 && t.chance(60) {
            ps.push(t.below(n_profiles));
        }
        if !ps.is_empty() || t.chance(20) {
            r.insert("profiles".into(), json!(ps.iter().map(|p| format!("p{p}")).collect::<Vec<_>>()));
        }
        roles_json.push(Value::Object(r));
        role_profiles.push(ps);
    }
    let role_ids: Vec<usize> = (0..n_roles).collect();
    let safe_roles: Vec<usize> = role_ids.iter().copied().filter(|&r| role_profiles[r].iter().all(|&p| !profile_is_wide[p])).collect();
    let safe_profiles: Vec<usize> = profile_ids.iter().copied().filter(|&p| !profile_is_wide[p]).collect();

    // --------------------------------------------------------- record skeleton
    let n_records = match shape {
        Shape::Small => 1 + t.below(8),
        Shape::Wide => 4 + t.below(22),
        _ => 2 + t.below(18),
    };
    let n_probes = 2 + t.below(6);
    let mut record_modules: Vec<usize> = (0..n_records + n_probes).map(|_| t.below(n_modules)).collect();
    if v2 && t.chance(35) {
        // v2: records down the module tree in order, so that parent chains form
        for (i, m) in record_modules.iter_mut().enumerate().take(n_records) {
            *m = i % n_modules;
        }
    }
    let mut record_ids: Vec<String> = (0..n_records).map(|i| format!("r{i}")).collect();
    if n_records > 1 && t.chance(15) {
        record_ids[1] = "__proto__".into();
    }
    let company_module = limited.as_ref().map(|l| l.0).unwrap_or(0);
    let mut company_ids: Vec<String> = (0..n_records).filter(|&i| record_modules[i] == company_module).map(|i| record_ids[i].clone()).collect();
    company_ids.push("c-missing".into());

    // ------------------------------------------------------------------- users
    let n_users = match shape {
        Shape::Wide => 2 + t.below(20),
        Shape::Small => 1 + t.below(5),
        _ => 1 + t.below(13),
    };
    let mut user_ids: Vec<String> = Vec::new();
    for i in 0..n_users {
        let mut id = format!("u{i}");
        if t.chance(12) {
            let special = SPECIAL_USER_IDS[t.below(SPECIAL_USER_IDS.len())].to_string();
            if !user_ids.contains(&special) {
                id = special;
            }
        }
        user_ids.push(id);
    }
    let mut users_json = Vec::new();
    let mut external_users: Vec<usize> = Vec::new();
    let mut external_companies: Vec<String> = Vec::new();
    for (i, uid) in user_ids.iter().enumerate() {
        let mut u = Map::new();
        u.insert("id".into(), json!(uid));
        let external = t.chance(22);
        let admin = !external && t.chance(10);
        let team_lead = !external && t.chance(10);
        if external {
            u.insert("external".into(), json!(true));
            external_users.push(i);
        } else if t.chance(5) {
            u.insert("external".into(), json!(false));
        }
        if admin {
            u.insert("admin".into(), json!(true));
        }
        if team_lead {
            u.insert("teamLead".into(), json!(true));
        }
        if t.chance(10) {
            u.insert("active".into(), json!(false));
        }
        if t.chance(12) {
            u.insert("readOnly".into(), json!(true));
        }
        let roles_ok = if external { &safe_roles } else { &role_ids };
        if t.chance(80) {
            if let Some(r) = t.pick(roles_ok) {
                u.insert("role".into(), json!(format!("R{r}")));
            }
        }
        let ps = t.some_of(if external { &safe_profiles } else { &profile_ids }, 2);
        if !ps.is_empty() {
            u.insert("profiles".into(), json!(ps.iter().map(|p| format!("p{p}")).collect::<Vec<_>>()));
        }
        if !external && !admin && !team_lead {
            let roll = t.below(100);
            if roll >= 78 && limited_crm_possible {
                u.insert("limitedCrm".into(), json!(true));
            } else if (62..78).contains(&roll) && limited_deals_possible {
                u.insert("limitedDeals".into(), json!(true));
            }
        }
        if t.chance(15) {
            let types = t.some_of(&TYPES[..3], 2);
            u.insert("recordTypes".into(), json!(types));
        }
        if !external && t.chance(15) {
            u.insert("canGrantAccess".into(), json!(true));
        }
        // `company` matters for external users (counterparty contacts); an
        // internal user with a company must NOT take part through it
        if (external && t.chance(75)) || (!external && t.chance(8)) {
            let c = t.pick(&company_ids).unwrap().clone();
            u.insert("company".into(), json!(c));
            external_companies.push(c);
        }
        users_json.push(Value::Object(u));
    }

    // ------------------------------------------------------------------ groups
    let n_groups = match shape {
        Shape::Deep => 2 + t.below(12),
        Shape::Small => t.below(2),
        _ => t.below(6),
    };
    let mut groups_json = Vec::new();
    for i in 0..n_groups {
        let mut members = Vec::new();
        if shape == Shape::Deep && i > 0 && t.chance(85) {
            members.push(json!({ "group": format!("g{}", i - 1) }));
        }
        let n_members = t.below(5);
        for _ in 0..n_members {
            let m = match t.below(4) {
                1 if n_roles > 0 => json!({ "role": format!("R{}", t.below(n_roles)) }),
                2 if n_roles > 0 => json!({ "roleAndSubordinates": format!("R{}", t.below(n_roles)) }),
                3 if i > 0 => json!({ "group": format!("g{}", t.below(i)) }),
                _ => json!({ "user": user_ids[t.below(n_users)] }),
            };
            members.push(m);
        }
        let mut g = Map::new();
        g.insert("id".into(), json!(format!("g{i}")));
        if !members.is_empty() || t.chance(30) {
            g.insert("members".into(), Value::Array(members));
        }
        groups_json.push(Value::Object(g));
    }
    let group_ids: Vec<String> = (0..n_groups).map(|i| format!("g{i}")).collect();

    // -------------------------------------------------------------- workspaces
    let n_workspaces = t.below(if shape == Shape::Small { 3 } else { 6 });
    let mut workspace_ids: Vec<String> = (0..n_workspaces).map(|i| format!("w{i}")).collect();
    if n_workspaces > 0 && t.chance(10) {
        workspace_ids[0] = "constructor".into();
    }
    let mut workspaces_json = Vec::new();
    for wid in &workspace_ids {
        let mut w = Map::new();
        w.insert("id".into(), json!(wid));
        if t.chance(80) {
            w.insert("owner".into(), json!(user_ids[t.below(n_users)]));
        }
        let mods = t.some_of(&user_ids, 2);
        if !mods.is_empty() {
            w.insert("moderators".into(), json!(mods));
        }
        if v2 && t.chance(40) {
            // v2: workspace auditors, external users half of the time
            let pool: Vec<String> =
                if !external_users.is_empty() && t.chance(50) { external_users.iter().map(|&i| user_ids[i].clone()).collect() } else { user_ids.clone() };
            let auditors = t.some_of(&pool, 2);
            w.insert("auditors".into(), json!(auditors));
        }
        // members: prefer external users so that extranets get exercised
        let mut members: Vec<Value> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let n_members = t.below(6);
        for _ in 0..n_members {
            let uid = if !external_users.is_empty() && t.chance(50) {
                user_ids[*t.pick(&external_users).unwrap()].clone()
            } else {
                user_ids[t.below(n_users)].clone()
            };
            if seen.contains(&uid) {
                continue;
            }
            seen.push(uid.clone());
            if t.chance(35) {
                members.push(json!({ "user": uid, "readOnly": true }));
            } else if t.chance(15) {
                members.push(json!({ "user": uid, "readOnly": false }));
            } else {
                members.push(json!({ "user": uid }));
            }
        }
        if !members.is_empty() {
            w.insert("members".into(), Value::Array(members));
        }
        if t.chance(45) {
            let cp = if !external_companies.is_empty() && t.chance(70) {
                t.pick(&external_companies).unwrap().clone()
            } else {
                t.pick(&company_ids).unwrap().clone()
            };
            w.insert("counterparty".into(), json!(cp));
        }
        if t.chance(50) {
            w.insert("externalVisibility".into(), json!("participating"));
        } else if t.chance(20) {
            w.insert("externalVisibility".into(), json!("all"));
        }
        let pol = t.below(4);
        if pol < 3 {
            w.insert("invitePolicy".into(), json!(POLICIES[pol]));
        }
        workspaces_json.push(Value::Object(w));
    }

    // ----------------------------------------------------------- sharing rules
    let n_rules = if n_roles + n_groups == 0 { 0 } else { t.below(if shape == Shape::Small { 3 } else { 8 }) };
    let mut rules_json = Vec::new();
    let principal = |t: &mut Tape| -> Value {
        match t.below(3) {
            0 if n_roles > 0 => json!({ "role": format!("R{}", t.below(n_roles)) }),
            1 if n_roles > 0 => json!({ "roleAndSubordinates": format!("R{}", t.below(n_roles)) }),
            2 if n_groups > 0 => json!({ "group": format!("g{}", t.below(n_groups)) }),
            _ => {
                if n_roles > 0 {
                    return json!({ "role": format!("R{}", t.below(n_roles)) });
                }
                json!({ "group": format!("g{}", t.below(n_groups)) })
            }
        }
    };
    for i in 0..n_rules {
        let m = t.below(n_modules);
        let from = principal(t);
        let to = principal(t);
        let mut r = Map::new();
        r.insert("id".into(), json!(format!("s{i}")));
        r.insert("module".into(), json!(module_names[m]));
        r.insert("from".into(), from);
        r.insert("to".into(), to);
        r.insert("access".into(), json!(if t.chance(50) { "readWrite" } else { "read" }));
        let mut related = Map::new();
        for (c, child) in modules.iter().enumerate() {
            if child.parent == Some(m) && c != m && t.chance(55) {
                related.insert(child.name.clone(), json!(if t.chance(50) { "readWrite" } else { "read" }));
            }
        }
        if !related.is_empty() || t.chance(10) {
            r.insert("related".into(), Value::Object(related));
        }
        rules_json.push(Value::Object(r));
    }

    // ----------------------------------------------------------------- records
    let external_ids: Vec<String> = external_users.iter().map(|&i| user_ids[i].clone()).collect();
    let internal_ids: Vec<String> = (0..n_users).filter(|i| !external_users.contains(i)).map(|i| user_ids[i].clone()).collect();
    let make_record = |t: &mut Tape, id: Option<String>, module: usize| -> Value {
        let mut r = Map::new();
        if let Some(id) = id {
            r.insert("id".into(), json!(id));
        }
        r.insert("module".into(), json!(module_names[module]));
        if t.chance(85) {
            let o = if n_groups > 0 && t.chance(25) { group_ids[t.below(n_groups)].clone() } else { user_ids[t.below(n_users)].clone() };
            r.insert("owner".into(), json!(o));
        }
        if let Some(pm) = modules[module].parent {
            if t.chance(70) {
                let candidates: Vec<&String> = (0..n_records).filter(|&j| record_modules[j] == pm).map(|j| &record_ids[j]).collect();
                if v2 && t.chance(4) {
                    // v2: a record naming itself as its parent (or the id it will have)
                    r.insert("parent".into(), r.get("id").cloned().unwrap_or(json!("r0")));
                } else if n_records > 0 && t.chance(8) {
                    // any record, possibly of another module than the parent module
                    r.insert("parent".into(), json!(record_ids[t.below(n_records)]));
                } else if !candidates.is_empty() && t.chance(85) {
                    r.insert("parent".into(), json!(candidates[t.below(candidates.len())]));
                } else {
                    r.insert("parent".into(), json!("missing-parent"));
                }
            }
        }
        // v2: fewer explicit companies, so that C(X) follows the parent chain
        if t.chance(if v2 { 25 } else { 45 }) {
            if n_records > 0 && t.chance(10) {
                // any record, possibly not a company
                r.insert("company".into(), json!(record_ids[t.below(n_records)]));
            } else {
                r.insert("company".into(), json!(t.pick(&company_ids).unwrap()));
            }
        }
        // people on the record: external users half of the time, so that
        // "participating" extranet workspaces get exercised
        let people: &[String] = if !external_ids.is_empty() && t.chance(50) { &external_ids } else { &user_ids };
        for (key, pct, n) in [("accountManagers", 35, 3), ("assignees", 30, 2), ("participants", 30, 2), ("auditors", 25, 2)] {
            if t.chance(pct) {
                let us = t.some_of(people, n);
                r.insert(key.into(), json!(us));
            }
        }
        if t.chance(35) {
            r.insert("createdBy".into(), json!(people[t.below(people.len())]));
        }
        if n_workspaces > 0 && t.chance(55) {
            let ws = t.some_of(&workspace_ids, 2);
            r.insert("workspaces".into(), json!(ws));
        }
        if v2 && t.chance(40) {
            // v2: shares by hand, every principal kind, both levels; never an external user
            let mut shares = Vec::new();
            for _ in 0..=t.below(3) {
                let access = if t.chance(50) { "readWrite" } else { "read" };
                let share = match t.below(4) {
                    1 if n_groups > 0 => json!({ "group": group_ids[t.below(n_groups)], "access": access }),
                    2 if n_roles > 0 => json!({ "role": format!("R{}", t.below(n_roles)), "access": access }),
                    3 if n_roles > 0 => json!({ "roleAndSubordinates": format!("R{}", t.below(n_roles)), "access": access }),
                    _ if !internal_ids.is_empty() => json!({ "user": internal_ids[t.below(internal_ids.len())], "access": access }),
                    _ => continue,
                };
                shares.push(share);
            }
            r.insert("sharedWith".into(), Value::Array(shares));
        }
        if t.chance(40) {
            // now and then an empty type, a string like any other
            let ty = if t.chance(5) { "" } else { TYPES[t.below(TYPES.len())] };
            r.insert("type".into(), json!(ty));
        }
        if t.chance(60) {
            let mut fs = Map::new();
            for f in RECORD_FIELD_POOL {
                if t.chance(50) {
                    let v = match t.below(3) {
                        0 => json!(t.below(1000)),
                        1 => json!(format!("v{}", t.below(10))),
                        _ => json!({ "nested": [1, 2] }),
                    };
                    fs.insert((*f).to_string(), v);
                }
            }
            r.insert("fields".into(), Value::Object(fs));
        }
        Value::Object(r)
    };

    let mut initial = Vec::new();
    let mut later = Vec::new();
    for i in 0..n_records {
        let rec = make_record(t, Some(record_ids[i].clone()), record_modules[i]);
        if t.chance(50) {
            later.push(rec);
        } else {
            initial.push(rec);
        }
    }
    let mut probes = Vec::new();
    for i in 0..n_probes {
        let id = match t.below(5) {
            0 => None,
            1 if n_records > 0 => Some(record_ids[t.below(n_records)].clone()),
            _ => Some(format!("probe{i}")),
        };
        probes.push(make_record(t, id, record_modules[n_records + i]));
    }
    let mut replacements = Vec::new();
    let n_repl = t.below(3);
    for _ in 0..n_repl {
        if n_records == 0 {
            break;
        }
        let j = t.below(n_records);
        if replacements.iter().any(|r: &Value| r["id"] == json!(record_ids[j])) {
            continue;
        }
        replacements.push(make_record(t, Some(record_ids[j].clone()), record_modules[j]));
    }

    // ------------------------------------------------------------------ model
    let mut model = Map::new();
    model.insert("modules".into(), Value::Array(modules_json));
    if !roles_json.is_empty() || t.chance(20) {
        model.insert("roles".into(), Value::Array(roles_json));
    }
    if !profiles_json.is_empty() || t.chance(20) {
        model.insert("profiles".into(), Value::Array(profiles_json));
    }
    if !groups_json.is_empty() || t.chance(20) {
        model.insert("groups".into(), Value::Array(groups_json));
    }
    model.insert("users".into(), Value::Array(users_json));
    if !workspaces_json.is_empty() || t.chance(20) {
        model.insert("workspaces".into(), Value::Array(workspaces_json));
    }
    if !rules_json.is_empty() || t.chance(20) {
        model.insert("sharingRules".into(), Value::Array(rules_json));
    }
    match limited {
        Some((company, covered, deal)) => {
            let mut la = Map::new();
            la.insert("companyModule".into(), json!(module_names[company]));
            la.insert("modules".into(), json!(covered.iter().map(|&i| module_names[i].clone()).collect::<Vec<_>>()));
            if let Some(d) = deal {
                la.insert("dealModule".into(), json!(module_names[d]));
            }
            if let Some(c) = contact_module {
                la.insert("contactModule".into(), json!(module_names[c])); // v2
            }
            model.insert("limitedAccess".into(), Value::Object(la));
        }
        None => {
            if t.chance(10) {
                model.insert("limitedAccess".into(), Value::Null);
            }
        }
    }
    if !initial.is_empty() || t.chance(20) {
        model.insert("records".into(), Value::Array(initial));
    }

    Generated { model: Value::Object(model), later, probes, replacements }
}
