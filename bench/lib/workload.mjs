// Workload pieces shared by the harness and its Cedar child process: both must
// draw exactly the same pairs and the same list-view user.

import { allowedOwners, groupsOf, rulesFor, prng } from "./model.mjs";

/** The (user, record) pairs of workload (a): half drawn from what the user may see. */
export function decisionPairs(org, records, K, nUsers) {
  const rng = prng(11);
  const byOwner = new Map();
  for (const r of records) {
    if (!byOwner.has(r.owner)) byOwner.set(r.owner, []);
    byOwner.get(r.owner).push(r);
  }
  const userSet = new Set();
  while (userSet.size < Math.min(nUsers, org.userIds.length)) userSet.add(rng.int(org.userIds.length));
  const users = [...userSet];
  const ownersOf = new Map();
  const pu = new Array(K); // user index per pair
  const pr = new Array(K); // record per pair
  for (let i = 0; i < K; i++) {
    const u = users[i % users.length];
    pu[i] = u;
    let rec = null;
    if (rng() < 0.5) {
      if (!ownersOf.has(u)) ownersOf.set(u, [...allowedOwners(org, u)]);
      const owners = ownersOf.get(u);
      for (let t = 0; t < 10 && !rec; t++) {
        const list = byOwner.get(owners[rng.int(owners.length)]);
        if (list) rec = list[rng.int(list.length)];
      }
    }
    pr[i] = rec ?? records[rng.int(records.length)];
  }
  return { users, pu, pr };
}

export function pickListUser(org) {
  // A second-level manager who is in at least one group and reached by at least
  // one sharing rule, so every kind of grant plays a part; else the shallowest.
  let fallback = -1;
  for (const depth of [2, 1, 3]) {
    for (let u = 0; u < org.userIds.length; u++) {
      const r = org.userRole[u];
      if (r < 0 || org.roleDepth[r] !== depth) continue;
      if (fallback < 0) fallback = u;
      if (groupsOf(org, u).size && rulesFor(org, u).length) return u;
    }
  }
  return fallback >= 0 ? fallback : 0;
}

