// Deterministic workload generator and the reference ("oracle") expansion of
// the access question every engine in the benchmark answers:
//
//   may user U view lead X?  — yes when X's owner is
//     * U itself,
//     * a user whose role is strictly below U's role (role hierarchy),
//     * a group U belongs to (directly, through its role, through
//       "role and subordinates", or through nested groups),
//     * matched by the `from` side of a sharing rule whose `to` side matches U.
//
// The crm-access model built here uses only those features (one private
// module, one profile that opens it, no admins, no workspaces), so the answer
// of crm-access's `can(U, "view", X)` must equal `allowedOwners(U).has(X.owner)`.

/** mulberry32: small, fast, good enough for workload generation. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n); // 0 <= k < n
  next.range = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)); // inclusive
  next.pick = (arr) => arr[Math.floor(next() * arr.length)];
  return next;
}

export const MODULE = "leads";
const GROUP_LEVELS = 4;

/**
 * Generates the organisation: roles (a forest of bounded depth), users, nested
 * groups and sharing rules. Records are generated separately (generateRecords).
 */
export function generateOrg({ users, roles, groups, rules, seed = 1 }) {
  const rng = prng(seed);
  // Roles: role 0 is the top; role i hangs below one of the roles around
  // (i-1)/4, which gives a tree about log4(roles) deep with some jitter.
  const roleIds = [];
  const roleParent = [];
  const roleDepth = [];
  for (let i = 0; i < roles; i++) {
    roleIds.push(`role${i}`);
    if (i === 0) {
      roleParent.push(-1);
      roleDepth.push(0);
    } else {
      const p = Math.floor((i - 1) / 4);
      const parent = rng.range(Math.max(0, p - 3), p);
      roleParent.push(parent);
      roleDepth.push(roleDepth[parent] + 1);
    }
  }
  const roleChildren = roleIds.map(() => []);
  for (let i = 1; i < roles; i++) roleChildren[roleParent[i]].push(i);
  const subtreeSize = new Array(roles).fill(1);
  for (let i = roles - 1; i > 0; i--) subtreeSize[roleParent[i]] += subtreeSize[i];
  // "Small" roles (few subordinates) are what sharing rules and
  // role-and-subordinates group members name most of the time.
  const smallRoles = [];
  for (let i = 0; i < roles; i++) if (subtreeSize[i] <= 21) smallRoles.push(i);

  // Users: spread over the roles; 1 % have no role (their own profile only).
  const userIds = [];
  const userRole = []; // role index or -1
  const usersByRole = roleIds.map(() => []);
  for (let i = 0; i < users; i++) {
    userIds.push(`u${i}`);
    const r = rng() < 0.01 ? -1 : rng.int(roles);
    userRole.push(r);
    if (r >= 0) usersByRole[r].push(i);
  }

  // Groups in GROUP_LEVELS levels; a group of level L may contain groups of
  // level L+1 (nested), so nesting is acyclic and at most GROUP_LEVELS deep.
  const groupIds = [];
  const groupMembers = []; // [{user:i}|{role:i}|{roleAndSubordinates:i}|{group:j}]
  const levelOf = (j) => Math.floor((j * GROUP_LEVELS) / groups);
  const byLevel = Array.from({ length: GROUP_LEVELS }, () => []);
  for (let j = 0; j < groups; j++) {
    groupIds.push(`g${j}`);
    byLevel[levelOf(j)].push(j);
  }
  for (let j = 0; j < groups; j++) {
    const m = [];
    const nUsers = rng.range(5, 25);
    const seen = new Set();
    for (let k = 0; k < nUsers; k++) {
      const u = rng.int(users);
      if (!seen.has(u)) { seen.add(u); m.push({ user: u }); }
    }
    if (rng() < 0.25) m.push({ role: rng.int(roles) });
    if (rng() < 0.15 && smallRoles.length) m.push({ roleAndSubordinates: rng.pick(smallRoles) });
    const L = levelOf(j);
    if (L + 1 < GROUP_LEVELS && byLevel[L + 1].length) {
      const n = rng.range(0, 2);
      const s = new Set();
      for (let k = 0; k < n; k++) s.add(rng.pick(byLevel[L + 1]));
      for (const g of s) m.push({ group: g });
    }
    groupMembers.push(m);
  }

  const principal = () => {
    const x = rng();
    if (x < 0.4 || !groups) return { role: rng.int(roles) };
    if (x < 0.7) return { roleAndSubordinates: rng.pick(smallRoles) };
    return { group: rng.int(groups) };
  };
  const ruleList = [];
  for (let k = 0; k < rules; k++) {
    ruleList.push({ from: principal(), to: principal(), access: rng() < 0.5 ? "read" : "readWrite" });
  }

  const org = {
    roleIds, roleParent, roleDepth, roleChildren, usersByRole,
    userIds, userRole, groupIds, groupMembers, rules: ruleList,
    userIndex: new Map(userIds.map((id, i) => [id, i])),
    groupIndex: new Map(groupIds.map((id, j) => [id, j])),
    sizes: { users, roles, groups, rules },
  };
  derive(org);
  return org;
}

/** The crm-access model (SPEC §1) of the organisation, without records. */
export function crmModel(org) {
  const principalJson = (p) =>
    "role" in p ? { role: org.roleIds[p.role] }
      : "roleAndSubordinates" in p ? { roleAndSubordinates: org.roleIds[p.roleAndSubordinates] }
        : { group: org.groupIds[p.group] };
  return {
    modules: [{ name: MODULE, defaultSharing: "private" }],
    profiles: [{ id: "rep", modules: { [MODULE]: { view: true, create: true, edit: true, delete: true } } }],
    roles: org.roleIds.map((id, i) => (org.roleParent[i] < 0
      ? { id, profiles: ["rep"] }
      : { id, parent: org.roleIds[org.roleParent[i]], profiles: ["rep"] })),
    groups: org.groupIds.map((id, j) => ({
      id,
      members: org.groupMembers[j].map((m) =>
        "user" in m ? { user: org.userIds[m.user] }
          : "group" in m ? { group: org.groupIds[m.group] }
            : principalJson(m)),
    })),
    users: org.userIds.map((id, i) => (org.userRole[i] < 0
      ? { id, profiles: ["rep"] }
      : { id, role: org.roleIds[org.userRole[i]] })),
    sharingRules: org.rules.map((r, k) => ({
      id: `share${k}`, module: MODULE, from: principalJson(r.from), to: principalJson(r.to), access: r.access,
    })),
  };
}

/**
 * `n` lead records, ids `${prefix}${i}`; 90 % owned by a user, 10 % by a group.
 * Records are the minimal SPEC shape: { id, module, owner }.
 */
export function generateRecords(org, n, seed = 7, prefix = "r") {
  const rng = prng(seed);
  const { userIds, groupIds } = org;
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const owner = groupIds.length && rng() < 0.1 ? groupIds[rng.int(groupIds.length)] : userIds[rng.int(userIds.length)];
    out[i] = { id: `${prefix}${i}`, module: MODULE, owner };
  }
  return out;
}

// ---------------------------------------------------------------------------
// Reference expansion (SPEC §2), shared by the plain-JS baseline and the peer
// encodings.

function derive(org) {
  const { roleIds, roleParent, roleChildren, groupIds, groupMembers } = org;
  // Strict ancestors of every role, nearest first.
  org.roleAncestors = roleIds.map((_, i) => {
    const a = [];
    for (let p = roleParent[i]; p >= 0; p = roleParent[p]) a.push(p);
    return a;
  });
  // Groups directly containing group j ({"group": j} member of them).
  const groupUpDirect = groupIds.map(() => []);
  const byRole = roleIds.map(() => []); // groups with {"role": r}
  const byRoleAndSubs = roleIds.map(() => []); // groups with {"roleAndSubordinates": r}
  const byUser = new Map(); // user index -> groups with {"user": u}
  groupMembers.forEach((ms, j) => {
    for (const m of ms) {
      if ("group" in m) groupUpDirect[m.group].push(j);
      else if ("role" in m) byRole[m.role].push(j);
      else if ("roleAndSubordinates" in m) byRoleAndSubs[m.roleAndSubordinates].push(j);
      else {
        if (!byUser.has(m.user)) byUser.set(m.user, []);
        byUser.get(m.user).push(j);
      }
    }
  });
  org.groupUpDirect = groupUpDirect;
  org.groupsWithRole = byRole;
  org.groupsWithRoleAndSubs = byRoleAndSubs;
  org.groupsWithUser = byUser;
  // Upward closure of each group (itself included).
  org.groupUp = groupIds.map((_, j) => {
    const s = new Set([j]);
    const stack = [j];
    while (stack.length) for (const o of groupUpDirect[stack.pop()]) if (!s.has(o)) { s.add(o); stack.push(o); }
    return s;
  });
  // Roles in RS(r) (r and everything below it).
  const rsMemo = new Map();
  org.rs = (r) => {
    let s = rsMemo.get(r);
    if (!s) {
      s = [];
      const stack = [r];
      while (stack.length) { const x = stack.pop(); s.push(x); for (const c of roleChildren[x]) stack.push(c); }
      rsMemo.set(r, s);
    }
    return s;
  };
  org._groupsOf = new Map();
  org._fromOwners = new Map();
  org._allowed = new Map();
  org._userMembersOfGroup = null;
}

/** Groups a user belongs to directly (before nesting): user, role, role-and-subordinates members. */
export function directGroups(org, u) {
  const out = new Set(org.groupsWithUser.get(u) || []);
  const r = org.userRole[u];
  if (r >= 0) {
    for (const g of org.groupsWithRole[r]) out.add(g);
    for (const g of org.groupsWithRoleAndSubs[r]) out.add(g);
    for (const a of org.roleAncestors[r]) for (const g of org.groupsWithRoleAndSubs[a]) out.add(g);
  }
  return out;
}

/** groups(U) of SPEC §2 as a Set of group indexes. */
export function groupsOf(org, u) {
  let s = org._groupsOf.get(u);
  if (!s) {
    s = new Set();
    for (const g of directGroups(org, u)) for (const o of org.groupUp[g]) s.add(o);
    org._groupsOf.set(u, s);
  }
  return s;
}

/** Does principal p (a rule's `to`) match user u? */
export function toMatches(org, p, u) {
  const r = org.userRole[u];
  if ("role" in p) return r === p.role;
  if ("roleAndSubordinates" in p) return r >= 0 && (r === p.roleAndSubordinates || org.roleAncestors[r].includes(p.roleAndSubordinates));
  return groupsOf(org, u).has(p.group);
}

function principalKey(p) {
  return "role" in p ? `eq:${p.role}` : "roleAndSubordinates" in p ? `rs:${p.roleAndSubordinates}` : `g:${p.group}`;
}

/** Owner ids (users and groups) that a rule's `from` principal matches. */
export function fromOwners(org, p) {
  const key = principalKey(p);
  let s = org._fromOwners.get(key);
  if (s) return s;
  s = new Set();
  if ("role" in p) for (const u of org.usersByRole[p.role]) s.add(org.userIds[u]);
  else if ("roleAndSubordinates" in p) {
    for (const r of org.rs(p.roleAndSubordinates)) for (const u of org.usersByRole[r]) s.add(org.userIds[u]);
  } else {
    const g = p.group;
    // Users in groups(user) ∋ g, and groups nested in g (or g itself).
    if (!org._userMembersOfGroup) {
      org._userMembersOfGroup = org.groupIds.map(() => []);
      for (let u = 0; u < org.userIds.length; u++) for (const x of groupsOf(org, u)) org._userMembersOfGroup[x].push(u);
    }
    for (const u of org._userMembersOfGroup[g]) s.add(org.userIds[u]);
    for (let j = 0; j < org.groupIds.length; j++) if (org.groupUp[j].has(g)) s.add(org.groupIds[j]);
  }
  org._fromOwners.set(key, s);
  return s;
}

/**
 * The rules that reach user u (contract v2 §2): `to` matches u, or matches a
 * user whose role is strictly below u's (superiors get what rules give their
 * subordinates; the benchmark's one module keeps the role hierarchy on).
 */
export function rulesFor(org, u) {
  org._rulesFor ??= new Map();
  let list = org._rulesFor.get(u);
  if (list) return list;
  const r = org.userRole[u];
  const below = [];
  if (r >= 0) for (const x of org.rs(r)) if (x !== r) below.push(...org.usersByRole[x]);
  list = org.rules.filter((rule) => toMatches(org, rule.to, u) || below.some((v) => toMatches(org, rule.to, v)));
  org._rulesFor.set(u, list);
  return list;
}

/** Users whose role is strictly below u's role (ids). */
export function subordinateUsers(org, u) {
  const r = org.userRole[u];
  const out = [];
  if (r < 0) return out;
  for (const x of org.rs(r)) if (x !== r) for (const v of org.usersByRole[x]) out.push(org.userIds[v]);
  return out;
}

/** Owner ids shared with u through sharing rules. */
export function sharedOwners(org, u) {
  const s = new Set();
  for (const rule of rulesFor(org, u)) for (const o of fromOwners(org, rule.from)) s.add(o);
  return s;
}

/** Every owner id whose records u may view: the pre-expanded Set of the baseline. */
export function allowedOwners(org, u) {
  let s = org._allowed.get(u);
  if (s) return s;
  s = new Set([org.userIds[u]]);
  for (const v of subordinateUsers(org, u)) s.add(v);
  for (const g of groupsOf(org, u)) s.add(org.groupIds[g]);
  for (const o of sharedOwners(org, u)) s.add(o);
  org._allowed.set(u, s);
  return s;
}
