// Lookups over a model and the names the page shows for ids.

export function indexModel(model) {
  const by = (list, key = "id") => new Map((list ?? []).map((x) => [x[key], x]));
  return {
    model,
    modules: by(model.modules, "name"),
    roles: by(model.roles),
    profiles: by(model.profiles),
    groups: by(model.groups),
    users: by(model.users),
    workspaces: by(model.workspaces),
    rules: by(model.sharingRules),
    records: by(model.records),
  };
}

const SHORT = new Set(["it", "hr", "ceo", "cfo", "vp"]);
export function displayName(id) {
  if (typeof id !== "string" || !id) return String(id ?? "");
  return id
    .split(/[._\s]+/)
    .filter(Boolean)
    .map((w) => (SHORT.has(w.toLowerCase()) ? w.toUpperCase() : w[0].toUpperCase() + w.slice(1)))
    .join(" ");
}

export function recordTitle(rec) {
  if (!rec) return "";
  const f = rec.fields ?? {};
  const t = f.name ?? f.title ?? f.subject;
  return typeof t === "string" && t.trim() ? t : rec.id ?? "(record without id)";
}

export function ownerName(ix, id) {
  if (id == null) return "nobody";
  if (ix.groups.has(id)) return `the group “${id}”`;
  return displayName(id);
}

// Tags describing a user, for badges and for the matrix filter.
export function userTags(u) {
  const tags = [];
  if (u.active === false) tags.push("inactive");
  if (u.admin) tags.push("admin");
  tags.push(u.external ? "external" : "internal");
  if (u.readOnly) tags.push("read-only");
  if (u.limitedCrm) tags.push("limited CRM");
  if (u.limitedDeals) tags.push("limited deals");
  if (u.teamLead) tags.push("team lead");
  if (u.recordTypes) tags.push("some record types");
  return tags;
}

export const USER_TYPES = [
  ["all", "All users", () => true],
  ["internal", "Internal staff", (u) => !u.external],
  ["external", "External (clients, partners)", (u) => !!u.external],
  ["limited", "Limited CRM / deal access", (u) => !!(u.limitedCrm || u.limitedDeals)],
  ["read-only", "Read-only users", (u) => !!u.readOnly],
  ["admin", "Administrators", (u) => !!u.admin],
  ["inactive", "Inactive users", (u) => u.active === false],
];

// How a user takes part in a workspace, in words (null when not at all).
export function participation(ix, uid, ws) {
  const w = ix.workspaces.get(ws);
  const u = ix.users.get(uid);
  if (!w || !u) return null;
  if (w.owner === uid) return "owner";
  if ((w.moderators ?? []).includes(uid)) return "moderator";
  if ((w.auditors ?? []).includes(uid)) return "auditor";
  const entry = (w.members ?? []).find((m) => m.user === uid);
  if (entry) return entry.readOnly ? "read-only member" : "member";
  if (u.external && u.company != null && u.company === w.counterparty) return "counterparty contact";
  return null;
}

export function subRoleChain(ix, fromRole, toRole) {
  // role path from fromRole up to toRole (inclusive), or null
  const chain = [];
  let r = fromRole;
  const seen = new Set();
  while (r != null && !seen.has(r)) {
    seen.add(r);
    chain.push(r);
    if (r === toRole) return chain;
    r = ix.roles.get(r)?.parent ?? null;
  }
  return null;
}

export function principalText(p) {
  if (!p || typeof p !== "object") return "someone";
  if (p.role != null) return `role “${p.role}”`;
  if (p.roleAndSubordinates != null) return `role “${p.roleAndSubordinates}” and below`;
  if (p.group != null) return `group “${p.group}”`;
  return JSON.stringify(p);
}

export const LEVELS = ["none", "read", "write", "full"];
export const LEVEL_LABEL = { none: "No access", read: "Read", write: "Read & edit", full: "Full (incl. delete)" };
export const LEVEL_SHORT = { none: "–", read: "R", write: "W", full: "F" };
