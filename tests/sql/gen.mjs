// Random contract-v2 models with records, for the SQL differential: seeded,
// small, full of traps (NULL owners, dangling and wrong-module parents and
// companies, inactive / read-only / external / limited users, record types,
// modules without record security, hostile ids).
export function rng(seed) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  const r = {
    below: (n) => next() % n,
    chance: (p) => next() / 2 ** 32 < p,
    pick: (xs) => xs[next() % xs.length],
    some: (xs, p = 0.3) => xs.filter(() => r.chance(p)),
  };
  return r;
}

export const HOSTILE = ["o'q", 'd"q', "b\\s", "$1", "%_", "ü:ñ", "x; DROP TABLE crm_records; --", "user:a", "\u202e", "a b"];

export function generate(seed) {
  const r = rng(seed * 2654435761 + 17);
  const id = (prefix, i) => (r.chance(0.2) ? `${prefix}${i}${r.pick(HOSTILE)}` : `${prefix}${i}`);
  const roles = [];
  const nRoles = 1 + r.below(4);
  for (let i = 0; i < nRoles; i++) roles.push({ id: id("r", i), parent: i > 0 && r.chance(0.8) ? roles[r.below(i)].id : null, profiles: [] });
  const modules = [
    { name: "companies", defaultSharing: r.pick(["private", "private", "publicRead", "publicReadWrite"]), hierarchy: r.chance(0.5) },
    { name: "contacts", parent: "companies", defaultSharing: r.pick(["private", "publicRead"]), controlledByParent: r.chance(0.5) },
    { name: "deals", parent: "companies", defaultSharing: r.pick(["private", "private", "publicRead", "publicReadWriteDelete"]), controlledByParent: r.chance(0.3), hierarchy: r.chance(0.5) },
    { name: "notes", parent: "deals", defaultSharing: "private", controlledByParent: r.chance(0.7) },
    { name: "tasks", recordSecurity: r.chance(0.5), defaultSharing: r.pick(["private", "publicRead"]) },
  ];
  const names = modules.map((m) => m.name);
  const perms = () => ({ view: r.chance(0.85), create: r.chance(0.5), edit: r.chance(0.6), delete: r.chance(0.4) });
  const profiles = [];
  for (let i = 0; i < 1 + r.below(3); i++) {
    const ms = {};
    for (const n of names) if (r.chance(0.85)) ms[n] = perms();
    profiles.push({ id: id("p", i), viewAll: r.chance(0.1), editAll: r.chance(0.05), modules: ms });
  }
  for (const role of roles) role.profiles = r.some(profiles.map((p) => p.id), 0.4);
  const users = [];
  const nUsers = 2 + r.below(5);
  const companyIds = [];
  const records = [];
  const nCompanies = 1 + r.below(3);
  for (let i = 0; i < nCompanies; i++) companyIds.push(id("c", i));
  const limited = r.chance(0.7);
  const plainProfiles = profiles.filter((p) => !p.viewAll && !p.editAll).map((p) => p.id);
  for (let i = 0; i < nUsers; i++) {
    const external = r.chance(0.2);
    const admin = !external && r.chance(0.05);
    const teamLead = !external && r.chance(0.15);
    const lim = limited && !external && !admin && !teamLead ? r.pick(["none", "none", "none", "crm", "deals"]) : "none";
    users.push({
      id: id("u", i),
      role: !external && r.chance(0.8) ? r.pick(roles).id : null,
      profiles: external ? r.some(plainProfiles, 0.5) : r.some(profiles.map((p) => p.id), 0.5),
      admin,
      active: r.chance(0.9),
      teamLead,
      limitedCrm: lim === "crm",
      limitedDeals: lim === "deals",
      external,
      company: external && r.chance(0.8) ? r.pick(companyIds) : null,
      readOnly: r.chance(0.15),
      recordTypes: r.chance(0.2) ? r.some(["meeting", "call", "x'y"], 0.5) : null,
      canGrantAccess: !external && r.chance(0.2),
    });
  }
  const uids = users.map((u) => u.id);
  const internal = users.filter((u) => !u.external).map((u) => u.id);
  const groups = [];
  for (let i = 0; i < r.below(3); i++) {
    const members = [];
    for (const u of r.some(uids, 0.4)) members.push({ user: u });
    if (r.chance(0.4)) members.push({ roleAndSubordinates: r.pick(roles).id });
    if (r.chance(0.3)) members.push({ role: r.pick(roles).id });
    if (i > 0 && r.chance(0.3)) members.push({ group: groups[r.below(i)].id });
    groups.push({ id: id("g", i), members });
  }
  const principal = (users = true) => {
    const k = users ? r.below(groups.length ? 4 : 3) : r.pick(groups.length ? [0, 1, 3] : [0, 1]);
    if (k === 0) return { role: r.pick(roles).id };
    if (k === 1) return { roleAndSubordinates: r.pick(roles).id };
    if (k === 2 && internal.length) return { user: r.pick(internal) };
    if (k === 2) return { role: r.pick(roles).id };
    return { group: r.pick(groups).id };
  };
  const sharingRules = [];
  for (let i = 0; i < r.below(3); i++) {
    const module = r.pick(["companies", "deals", "contacts", "tasks"]);
    const from = r.chance(0.5) || !groups.length ? { role: r.pick(roles).id } : { group: r.pick(groups).id };
    const rule = { id: id("s", i), module, from, to: principal(false), access: r.pick(["read", "readWrite"]) };
    if (module === "companies" && r.chance(0.5)) rule.related = { deals: r.pick(["read", "readWrite"]) };
    sharingRules.push(rule);
  }
  const workspaces = [];
  for (let i = 0; i < r.below(3); i++) {
    workspaces.push({
      id: id("w", i),
      owner: r.chance(0.8) ? r.pick(uids) : null,
      moderators: r.some(uids, 0.2),
      auditors: r.some(uids, 0.2),
      members: r.some(uids, 0.4).map((u) => ({ user: u, readOnly: r.chance(0.3) })),
      counterparty: r.chance(0.5) ? r.pick(companyIds) : null,
      externalVisibility: r.pick(["all", "participating"]),
    });
  }
  const wids = workspaces.map((w) => w.id);
  const someone = () => (r.chance(0.15) ? null : r.chance(0.1) && groups.length ? r.pick(groups).id : r.pick(uids));
  const shares = () =>
    r.chance(0.3) ? Array.from({ length: 1 + r.below(2) }, () => ({ ...principal(), access: r.pick(["read", "readWrite"]) })) : [];
  const common = () => ({
    owner: someone(),
    createdBy: r.chance(0.5) && r.chance(0.9) ? r.pick(uids) : null,
    accountManagers: r.some(uids, 0.15),
    auditors: r.some(uids, 0.1),
    assignees: r.some(uids, 0.15),
    participants: r.some(uids, 0.15),
    workspaces: r.some(wids, 0.3),
    type: r.chance(0.4) ? r.pick(["meeting", "call", "x'y"]) : null,
    sharedWith: shares(),
    fields: { note: r.pick(HOSTILE) },
  });
  for (const c of companyIds) records.push({ id: c, module: "companies", parent: null, company: null, ...common() });
  const all = () => records.map((x) => x.id);
  const ref = (good) => (r.chance(0.1) ? "dangling" : r.chance(0.1) ? r.pick(all()) : r.chance(0.15) ? null : r.pick(good()));
  const byModule = (m) => () => {
    const xs = records.filter((x) => x.module === m).map((x) => x.id);
    return xs.length ? xs : all();
  };
  let n = 0;
  for (const [module, parentOf] of [["contacts", "companies"], ["deals", "companies"], ["deals", "deals"], ["notes", "deals"], ["tasks", null]]) {
    for (let i = 0; i < 1 + r.below(3); i++) {
      records.push({
        id: id(module.slice(0, 2), n++),
        module,
        parent: parentOf ? ref(byModule(parentOf)) : null,
        company: module === "tasks" ? null : ref(byModule("companies")),
        ...common(),
      });
    }
  }
  const model = {
    modules,
    roles,
    profiles,
    groups,
    users,
    workspaces,
    sharingRules,
    limitedAccess: limited ? { companyModule: "companies", modules: ["contacts", "deals"], dealModule: "deals", contactModule: "contacts" } : null,
    records,
  };
  return model;
}
