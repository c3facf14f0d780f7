// The peers: each encodes, in its own idiom, the part of the crm-access model
// the benchmark exercises (see model.mjs for the question). Every peer exposes
//
//   name, version, describe        — for the report
//   forUser(u)                      — per-user state, prepared before timing
//   check(userState, record)        — boolean: may the user view the record?
//
// Per-user state is what a server would cache per session (a CASL ability, a
// Cedar principal entity, a Set); preparing it is not timed.

import { createRequire } from "node:module";
import {
  allowedOwners, directGroups, groupsOf, rulesFor, sharedOwners, subordinateUsers,
} from "./model.mjs";

const require = createRequire(import.meta.url);
export function versionOf(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    // Packages whose exports map hides package.json.
    const fs = require("node:fs");
    const path = require("node:path");
    const p = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "node_modules", name, "package.json");
    return JSON.parse(fs.readFileSync(p, "utf8")).version;
  }
}

// ---------------------------------------------------------------------------
/** Plain JS: one pre-expanded Set of allowed owner ids per user. */
export function jsSets(org) {
  return {
    name: "plain JS Sets",
    key: "js",
    version: `node ${process.version}`,
    describe:
      "For each user, one `Set` of every owner id whose records the user may view " +
      "(self, users below in the role tree, the user's groups, owners matched by sharing rules that reach the user); " +
      "a check is `set.has(record.owner)`.",
    forUser: (u) => allowedOwners(org, u),
    check: (set, rec) => set.has(rec.owner),
  };
}

// ---------------------------------------------------------------------------
/** CASL: one ability per user, rules with `$in` conditions on `owner`. */
export async function casl(org) {
  const { createMongoAbility } = await import("@casl/ability");
  return {
    name: "@casl/ability",
    key: "casl",
    version: versionOf("@casl/ability"),
    describe:
      "One `createMongoAbility` per user with up to four `view Lead` rules: `{ owner: U }`, " +
      "`{ owner: { $in: subordinate users } }`, `{ owner: { $in: my groups } }`, " +
      "`{ owner: { $in: owners shared with me by sharing rules } }` (role tree, group nesting and sharing rules expanded in JS when the ability is built); " +
      "a check is `ability.can('view', record)` with `detectSubjectType` returning `Lead`.",
    forUser: (u) => {
      const rules = [{ action: "view", subject: "Lead", conditions: { owner: org.userIds[u] } }];
      const subs = subordinateUsers(org, u);
      if (subs.length) rules.push({ action: "view", subject: "Lead", conditions: { owner: { $in: subs } } });
      const groups = [...groupsOf(org, u)].map((g) => org.groupIds[g]);
      if (groups.length) rules.push({ action: "view", subject: "Lead", conditions: { owner: { $in: groups } } });
      const shared = [...sharedOwners(org, u)];
      if (shared.length) rules.push({ action: "view", subject: "Lead", conditions: { owner: { $in: shared } } });
      return createMongoAbility(rules, { detectSubjectType: () => "Lead" });
    },
    check: (ability, rec) => ability.can("view", rec),
  };
}

// ---------------------------------------------------------------------------
/**
 * casbin: the role tree, group membership and group nesting are casbin role
 * links (`g`), so casbin walks them itself; only "which rules reach me" is
 * expanded per user into an `SH:<user>` node.
 *
 *   owner O reaches eq:R (role(O) = R), rs:A for A above-or-equal role(O),
 *   sub:A for A strictly above role(O), every group in groups(O);
 *   sub:role(U) -> SH:U (hierarchy), fromNode(rule) -> SH:U when the rule's
 *   `to` matches U (sharing). `g2` holds plain group membership for
 *   "the owner is one of my groups".
 */
export const CASBIN_MODEL = `
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _
g2 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.act == "view" && (r.sub == r.obj.owner || g2(r.sub, r.obj.owner) || g(r.obj.owner, "SH:" + r.sub))
`;

export function casbinPolicyText(org) {
  const lines = [];
  const { roleIds, roleParent, userIds, userRole, groupIds, groupMembers } = org;
  const R = (r) => roleIds[r];
  // Role structure.
  for (let r = 0; r < roleIds.length; r++) {
    lines.push(`g, eq:${R(r)}, rs:${R(r)}`);
    const p = roleParent[r];
    if (p >= 0) {
      lines.push(`g, eq:${R(r)}, sub:${R(p)}`);
      lines.push(`g, rs:${R(r)}, rs:${R(p)}`);
      lines.push(`g, sub:${R(r)}, sub:${R(p)}`);
    }
  }
  // Users: their role; hierarchy node sub:role(U) -> SH:U.
  for (let u = 0; u < userIds.length; u++) {
    const r = userRole[u];
    if (r >= 0) {
      lines.push(`g, ${userIds[u]}, eq:${R(r)}`);
      lines.push(`g, sub:${R(r)}, SH:${userIds[u]}`);
    }
  }
  // Group membership and nesting (in g for owners, in g2 for "my groups").
  groupMembers.forEach((ms, j) => {
    for (const m of ms) {
      if ("user" in m) lines.push(`g, ${userIds[m.user]}, ${groupIds[j]}`);
      else if ("role" in m) lines.push(`g, eq:${R(m.role)}, ${groupIds[j]}`);
      else if ("roleAndSubordinates" in m) lines.push(`g, rs:${R(m.roleAndSubordinates)}, ${groupIds[j]}`);
      else {
        lines.push(`g, ${groupIds[m.group]}, ${groupIds[j]}`);
        lines.push(`g2, ${groupIds[m.group]}, ${groupIds[j]}`);
      }
    }
  });
  for (let u = 0; u < userIds.length; u++) {
    for (const g of directGroups(org, u)) lines.push(`g2, ${userIds[u]}, ${groupIds[g]}`);
  }
  // Sharing rules, expanded on the receiving side.
  const fromNode = (p) => ("role" in p ? `eq:${R(p.role)}` : "roleAndSubordinates" in p ? `rs:${R(p.roleAndSubordinates)}` : groupIds[p.group]);
  const seen = new Set();
  for (let u = 0; u < userIds.length; u++) {
    for (const rule of rulesFor(org, u)) {
      const line = `g, ${fromNode(rule.from)}, SH:${userIds[u]}`;
      if (!seen.has(line)) { seen.add(line); lines.push(line); }
    }
  }
  return lines.join("\n");
}

export async function casbin(org) {
  const casbinLib = await import("casbin");
  const { newEnforcer, newModelFromString, StringAdapter, DefaultRoleManager } = casbinLib;
  const t0 = performance.now();
  const text = casbinPolicyText(org);
  const e = await newEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter(text));
  // The default role manager stops at 10 levels; role tree + group nesting can be deeper.
  e.setNamedRoleManager("g", new DefaultRoleManager(64));
  e.setNamedRoleManager("g2", new DefaultRoleManager(64));
  await e.buildRoleLinks();
  const buildMs = performance.now() - t0;
  const sync = typeof e.enforceSync === "function";
  return {
    name: "casbin",
    key: "casbin",
    version: versionOf("casbin"),
    buildMs,
    links: text.split("\n").length,
    describe:
      "One enforcer (model text + `StringAdapter`), ABAC request `(user, record, 'view')` with matcher " +
      "`r.sub == r.obj.owner || g2(r.sub, r.obj.owner) || g(r.obj.owner, \"SH:\" + r.sub)`. " +
      "The role tree, group members and group nesting are casbin role links that casbin walks itself; " +
      "only the receiving side of each sharing rule is expanded (one `SH:<user>` node per user). " +
      `Role managers allow 64 levels. Checks use \`${sync ? "enforceSync" : "enforce"}\`.`,
    forUser: (u) => org.userIds[u],
    check: sync ? (user, rec) => e.enforceSync(user, rec, "view") : null,
    checkAsync: (user, rec) => e.enforce(user, rec, "view"),
  };
}

// ---------------------------------------------------------------------------
/**
 * Cedar: one policy; the entities of each request are the principal (its
 * groups as parents, `below` = the node of the roles under it, `shares` = the
 * from-nodes of the sharing rules that reach it), the owner (its role, role
 * chain and groups as parents) and the record (`owner` attribute).
 */
export const CEDAR_POLICY = `
permit (principal, action == Action::"view", resource)
when {
  resource.owner == principal ||
  principal in resource.owner ||
  resource.owner in principal.below ||
  resource.owner in principal.shares
};
`;

export async function cedar(org) {
  const cedarLib = await import("@cedar-policy/cedar-wasm/nodejs");
  const c = cedarLib.default && cedarLib.default.isAuthorized ? cedarLib.default : cedarLib;
  const pre = c.preparsePolicySet("crm", { staticPolicies: CEDAR_POLICY });
  if (pre.type !== "success") throw new Error(`cedar: policy does not parse: ${JSON.stringify(pre.errors)}`);
  const { roleIds, userIds, userRole, groupIds } = org;
  const ent = (type, id) => ({ type, id });
  const roleNode = (kind, r) => ent("Role", `${kind}:${roleIds[r]}`);
  const fromNode = (p) => ("role" in p ? roleNode("eq", p.role) : "roleAndSubordinates" in p ? roleNode("rs", p.roleAndSubordinates) : ent("Group", groupIds[p.group]));
  const ownerCache = new Map();
  const ownerEntity = (owner) => {
    let e = ownerCache.get(owner);
    if (e) return e;
    const u = org.userIndex.get(owner);
    if (u !== undefined) {
      const parents = [];
      const r = userRole[u];
      if (r >= 0) {
        parents.push(roleNode("eq", r), roleNode("rs", r));
        for (const a of org.roleAncestors[r]) parents.push(roleNode("rs", a), roleNode("sub", a));
      }
      for (const g of groupsOf(org, u)) parents.push(ent("Group", groupIds[g]));
      e = { uid: ent("User", owner), attrs: {}, parents };
    } else {
      const j = org.groupIndex.get(owner);
      const parents = [...org.groupUp[j]].filter((x) => x !== j).map((x) => ent("Group", groupIds[x]));
      e = { uid: ent("Group", owner), attrs: {}, parents };
    }
    ownerCache.set(owner, e);
    return e;
  };
  const action = ent("Action", "view");
  return {
    name: "@cedar-policy/cedar-wasm",
    key: "cedar",
    version: versionOf("@cedar-policy/cedar-wasm"),
    describe:
      "One pre-parsed policy (`statefulIsAuthorized`): `resource.owner == principal || principal in resource.owner || " +
      "resource.owner in principal.below || resource.owner in principal.shares`. Entities per request: the principal " +
      "(parents: its groups; `below`: a node every user under its role descends from; `shares`: the `from` nodes of the " +
      "sharing rules that reach it), the record's owner (parents: its role nodes and groups) and the record.",
    forUser: (u) => {
      const r = userRole[u];
      const shares = [];
      const seen = new Set();
      for (const rule of rulesFor(org, u)) {
        const n = fromNode(rule.from);
        const k = `${n.type}:${n.id}`;
        if (!seen.has(k)) { seen.add(k); shares.push({ __entity: n }); }
      }
      const principal = {
        uid: ent("User", userIds[u]),
        attrs: {
          below: { __entity: r >= 0 ? roleNode("sub", r) : ent("Role", "sub:-none-") },
          shares,
        },
        parents: [...groupsOf(org, u)].map((g) => ent("Group", groupIds[g])),
      };
      return { id: userIds[u], uid: principal.uid, principal };
    },
    check: (st, rec) => {
      const ownerIsUser = org.userIndex.has(rec.owner);
      const resource = {
        uid: ent("Lead", rec.id ?? "-"),
        attrs: { owner: { __entity: ent(ownerIsUser ? "User" : "Group", rec.owner) } },
        parents: [],
      };
      const entities = rec.owner === st.id ? [st.principal, resource] : [st.principal, ownerEntity(rec.owner), resource];
      const ans = c.statefulIsAuthorized({
        principal: st.uid, action, resource: resource.uid, context: {},
        preparsedPolicySetId: "crm", entities,
      });
      if (ans.type !== "success") throw new Error(`cedar: ${JSON.stringify(ans.errors)}`);
      return ans.response.decision === "allow";
    },
  };
}
