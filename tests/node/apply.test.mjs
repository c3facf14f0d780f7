// engine.apply(changes) and engine.impact(changes, options) across the wasm
// boundary (issue 12): a refused batch changes nothing, errors carry paths,
// answers after apply equal a rebuilt engine's (the JS layer's caches
// included), and impact equals the brute-force comparison of filterStored
// before and after, on a fixed model and on random ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./load.mjs";

const ACTIONS = ["view", "edit", "delete"];

const model = () => ({
  modules: [{ name: "companies" }, { name: "deals", parent: "companies", controlledByParent: true }],
  roles: [{ id: "boss", profiles: ["all"] }, { id: "rep", parent: "boss", profiles: ["all"] }],
  profiles: [{ id: "all", modules: { companies: { view: true, edit: true, delete: true }, deals: { view: true, edit: true, delete: true } } }],
  groups: [{ id: "team", members: [{ role: "rep" }] }],
  users: [{ id: "boss", role: "boss" }, { id: "ann", role: "rep" }, { id: "bob", role: "rep" }, { id: "eve", profiles: ["all"] }],
  sharingRules: [{ id: "r1", module: "companies", from: { role: "rep" }, to: { group: "team" }, access: "read" }],
  records: [
    { id: "c1", module: "companies", owner: "ann" },
    { id: "c2", module: "companies", owner: "boss", sharedWith: [{ user: "bob", access: "read" }] },
    { id: "d1", module: "deals", owner: "bob", parent: "c1" },
  ],
});

// The whole answer table of an engine: per user and action, the stored ids allowed.
function answers(engine, users) {
  const out = {};
  for (const u of users) for (const a of ACTIONS) out[`${u} ${a}`] = engine.filterStored(u, a);
  return out;
}

// The batch applied by hand to the model (put: replace by id or append; remove by id).
const SECTION = { user: "users", role: "roles", profile: "profiles", group: "groups", workspace: "workspaces", sharingRule: "sharingRules", record: "records" };
function byHand(m, changes) {
  const next = structuredClone(m);
  for (const c of changes) {
    const list = (next[SECTION[c.kind]] ??= []);
    if (c.op === "put") {
      const at = list.findIndex((x) => x.id === c.value.id);
      if (at >= 0) list[at] = structuredClone(c.value); else list.push(structuredClone(c.value));
    } else {
      const at = list.findIndex((x) => x.id === c.id);
      if (at >= 0) list.splice(at, 1); else if (c.kind !== "record") return null;
    }
  }
  return next;
}

// The brute-force impact: every (user, record, action) whose answer differs.
function brute(before, after, users, records) {
  const out = [];
  for (const u of [...users].sort()) for (const r of [...records].sort()) for (const a of ACTIONS) {
    const was = (before[`${u} ${a}`] ?? []).includes(r), is = (after[`${u} ${a}`] ?? []).includes(r);
    if (was !== is) out.push({ user: u, record: r, action: a, before: was, after: is });
  }
  return out;
}

const ids = (list) => (list ?? []).map((x) => x.id);
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const sortItems = (items) => items.sort((x, y) => cmp(x.user, y.user) || cmp(x.record, y.record) || ACTIONS.indexOf(x.action) - ACTIONS.indexOf(y.action));

// Applies `changes` to `engine` (built from `m`) and checks it against a rebuild
// and impact against brute force; returns the new model, or null if refused.
function check(engine, m, changes, label) {
  const users = ids(m.users);
  const before = answers(engine, users);
  // warm the JS layer's caches (id tables, stored ids, a prepared list)
  const list = engine.prepare(ids(m.records));
  for (let row = 0; row < list.length; row++) for (const u of users) list.can(u, "view", row);
  const next = byHand(m, changes);
  let rebuilt = null;
  if (next) try { rebuilt = new Engine(next); } catch { rebuilt = null; }
  let impact, impactError;
  try { impact = engine.impact(changes, { limit: 1e9 }); } catch (e) { impactError = e; }
  let error;
  try { engine.apply(changes); } catch (e) { error = e; }
  if (rebuilt === null) {
    assert.ok(error, `${label}: apply accepted a batch construction refuses`);
    assert.equal(error.code, "invalid-changes", label);
    assert.ok(error.problems.length > 0 && error.problems.every((p) => p.path.startsWith("changes")), `${label}: ${JSON.stringify(error.problems)}`);
    assert.ok(impactError, `${label}: impact accepted a refused batch`);
    assert.deepEqual(answers(engine, users), before, `${label}: a refused batch changed answers`);
    return null;
  }
  assert.equal(error, undefined, `${label}: apply refused: ${error?.message}`);
  const nextUsers = ids(next.users);
  const after = answers(engine, nextUsers);
  assert.deepEqual(after, answers(rebuilt, nextUsers), `${label}: answers differ from a rebuild`);
  // the prepared list built before still answers as the rebuilt engine does
  for (let row = 0; row < list.length; row++) {
    for (const u of nextUsers) {
      const id = list.id(row);
      const want = ids(next.records).includes(id) ? rebuilt.can(u, "view", id) : null;
      if (want === null) assert.throws(() => list.can(u, "view", row), label); else assert.equal(list.can(u, "view", row), want, `${label}: prepared can(${u}, view, ${id})`);
    }
  }
  const want = brute(before, after, new Set([...users, ...nextUsers]), new Set([...ids(m.records), ...ids(next.records)]));
  assert.deepEqual(impact.changes, want, `${label}: impact differs from brute force`);
  const gained = want.filter((w) => w.after).length;
  assert.deepEqual(impact.total, { gained, lost: want.length - gained }, label);
  assert.equal(impact.truncated, false);
  rebuilt.free();
  return next;
}

test("apply: puts and removes of every kind, answers equal a rebuild, impact equals brute force", () => {
  let m = model();
  const e = new Engine(m);
  const batches = [
    [{ op: "put", kind: "user", value: { id: "cat", role: "rep" } }, { op: "put", kind: "record", value: { id: "c3", module: "companies", owner: "cat" } }],
    [{ op: "put", kind: "sharingRule", value: { id: "r1", module: "companies", from: { role: "rep" }, to: { group: "team" }, access: "readWrite" } }],
    [{ op: "remove", kind: "sharingRule", id: "r1" }],
    [{ op: "put", kind: "group", value: { id: "team", members: [{ user: "eve" }, { role: "rep" }] } },
      { op: "put", kind: "sharingRule", value: { id: "r2", module: "companies", from: { group: "team" }, to: { group: "team" }, access: "read" } }],
    [{ op: "put", kind: "role", value: { id: "mid", parent: "boss", profiles: ["all"] } }, { op: "put", kind: "role", value: { id: "rep", parent: "mid", profiles: ["all"] } }],
    [{ op: "remove", kind: "record", id: "c3" }, { op: "remove", kind: "user", id: "cat" }],
    [{ op: "put", kind: "profile", value: { id: "all", modules: { companies: { view: true } } } }],
    [{ op: "put", kind: "workspace", value: { id: "w", owner: "boss", members: [{ user: "eve" }] } },
      { op: "put", kind: "record", value: { id: "d2", module: "deals", owner: "boss", workspaces: ["w"] } }],
  ];
  batches.forEach((b, i) => {
    const next = check(e, m, b, `batch ${i}`);
    assert.ok(next, `batch ${i} was refused`);
    m = next;
  });
  e.free();
});

test("apply: a bad batch applies nothing and lists its problems with paths", () => {
  const m = model();
  const e = new Engine(m);
  const before = answers(e, ids(m.users));
  const bad = [
    { op: "put", kind: "user", value: { id: "cat", role: "rep" } }, // fine alone
    { op: "put", kind: "user", value: { id: "dan", role: "nope" } }, // unknown role
    { op: "remove", kind: "user", id: "ann" }, // ann owns c1
    { op: "remove", kind: "group", id: "ghost" }, // not there
    { op: "put", kind: "role", value: { id: "x", colour: "red" } }, // unknown key
  ];
  assert.throws(() => e.apply(bad), (err) => {
    assert.equal(err.code, "invalid-changes");
    const paths = err.problems.map((p) => p.path);
    // the shape of every change is checked first
    assert.deepEqual(paths, ["changes[4].value"]);
    assert.match(err.problems[0].message, /unknown key "colour"/);
    return true;
  });
  // then the ids and references of the changed model, then the stored records
  assert.throws(() => e.apply(bad.slice(0, 4)), (err) => {
    const paths = err.problems.map((p) => p.path);
    assert.deepEqual(paths, ["changes[3].id", "changes[1].value.role"]);
    return true;
  });
  assert.throws(() => e.apply(bad.slice(0, 3)), (err) => {
    const paths = err.problems.map((p) => p.path);
    assert.deepEqual(paths, ["changes[1].value.role"]);
    return true;
  });
  assert.throws(() => e.apply([bad[0], bad[2]]), (err) => {
    assert.deepEqual(err.problems.map((p) => p.path), ["changes[1].id"]);
    assert.match(err.problems[0].message, /user "ann" is still referenced by stored records "c1" \(owner\)/);
    return true;
  });
  // a cycle
  assert.throws(() => e.apply([{ op: "put", kind: "role", value: { id: "boss", parent: "rep" } }]), (err) => err.problems.some((p) => p.path.startsWith("changes[0].value")));
  // a group still named by a rule
  assert.throws(() => e.apply([{ op: "remove", kind: "group", id: "team" }]), (err) => err.problems.some((p) => p.path === "changes[0].id" && /sharing rule "r1"/.test(p.message)));
  // not an array, not an object, an unknown op or kind
  assert.throws(() => e.apply({}), (err) => err.code === "invalid-input" && err.problems[0].path === "changes");
  assert.throws(() => e.apply("{}"), (err) => err.code === "invalid-changes" && err.problems[0].path === "changes");
  assert.throws(() => e.apply([{ op: "move", kind: "user", id: "ann" }]), (err) => err.problems[0].path === "changes[0].op");
  assert.throws(() => e.apply([{ op: "put", kind: "users", value: {} }]), (err) => err.problems[0].path === "changes[0].kind");
  assert.throws(() => e.apply([{ op: "remove", kind: "user", value: {} }]), (err) => err.problems.some((p) => p.path === "changes[0].value"));
  assert.throws(() => e.impact([], { limit: -1 }), (err) => err.problems[0].path === "options.limit");
  assert.deepEqual(answers(e, ids(m.users)), before, "a refused batch changed answers");
  e.free();
});

test("impact: limit, filters and counts", () => {
  const e = new Engine(model());
  const change = [{ op: "put", kind: "sharingRule", value: { id: "r9", module: "companies", from: { role: "boss" }, to: { role: "rep" }, access: "readWrite" } }];
  const all = e.impact(change);
  assert.ok(all.changes.length > 1);
  assert.deepEqual(all.changes, sortItems([...all.changes]));
  const one = e.impact(change, { limit: 1 });
  assert.deepEqual(one.changes, all.changes.slice(0, 1));
  assert.deepEqual([one.total, one.byUser, one.byModule, one.truncated], [all.total, all.byUser, all.byModule, true]);
  const ann = e.impact(change, { users: ["ann"], modules: ["companies"] });
  assert.deepEqual(ann.changes, all.changes.filter((c) => c.user === "ann" && c.record.startsWith("c")));
  const sum = (o) => Object.values(o).reduce((n, c) => n + c.gained + c.lost, 0);
  assert.equal(sum(all.byUser), all.changes.length);
  assert.equal(sum(all.byModule), all.changes.length);
  // nothing was applied
  assert.deepEqual(e.impact([]), { changes: [], total: { gained: 0, lost: 0 }, byUser: {}, byModule: {}, truncated: false });
  e.free();
});

// ---------------------------------------------------------------- random models
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (arr) => arr[Math.floor(next() * arr.length)];
  return next;
}

function randomModel(rng) {
  const roles = Array.from({ length: 1 + rng.int(4) }, (_, i) => ({ id: `R${i}`, parent: i > 0 && rng() < 0.8 ? `R${rng.int(i)}` : null, profiles: ["p"] }));
  const users = Array.from({ length: 2 + rng.int(5) }, (_, i) => ({ id: `u${i}`, role: rng() < 0.85 ? rng.pick(roles).id : null, profiles: ["p"] }));
  const groups = Array.from({ length: rng.int(3) }, (_, i) => ({ id: `g${i}`, members: [rng() < 0.5 ? { user: rng.pick(users).id } : { roleAndSubordinates: rng.pick(roles).id }] }));
  const principal = () => (groups.length && rng() < 0.4 ? { group: rng.pick(groups).id } : rng() < 0.5 ? { role: rng.pick(roles).id } : { roleAndSubordinates: rng.pick(roles).id });
  const modules = [{ name: "a", defaultSharing: rng.pick(["private", "publicRead"]) }, { name: "b", parent: "a", controlledByParent: rng() < 0.5, hierarchy: rng() < 0.7 }];
  const rule = (i) => ({ id: `s${i}`, module: rng.pick(["a", "b"]), from: principal(), to: principal(), access: rng.pick(["read", "readWrite"]) });
  const sharingRules = Array.from({ length: rng.int(3) }, (_, i) => rule(i));
  const owners = [...users.map((u) => u.id), ...groups.map((g) => g.id)];
  const record = (i) => ({ id: `x${i}`, module: rng.pick(["a", "b"]), owner: rng.pick(owners), ...(rng() < 0.5 ? { parent: `x${rng.int(6)}` } : {}) });
  const records = Array.from({ length: 3 + rng.int(5) }, (_, i) => record(i));
  const profiles = [{ id: "p", modules: { a: { view: true, edit: rng() < 0.7, delete: rng() < 0.5 }, b: { view: true, edit: true, delete: rng() < 0.5 } } }];
  return { m: { modules, roles, profiles, groups, users, sharingRules, records }, rule, record, principal, roles, users, groups };
}

test("apply and impact on random models against a rebuild and brute force", () => {
  const rng = prng(20261202);
  let applied = 0, refused = 0;
  for (let k = 0; k < 150; k++) {
    const g = randomModel(rng);
    let m = g.m;
    const e = new Engine(m);
    for (let step = 0; step < 3; step++) {
      const changes = [];
      for (let n = 1 + rng.int(3); n > 0; n--) {
        const r = rng();
        if (r < 0.35) changes.push({ op: "put", kind: "sharingRule", value: g.rule(rng.int(4)) });
        else if (r < 0.45) changes.push({ op: "remove", kind: "sharingRule", id: `s${rng.int(4)}` });
        else if (r < 0.6) changes.push({ op: "put", kind: "user", value: { id: `u${rng.int(8)}`, role: rng.pick(g.roles).id, profiles: ["p"] } });
        else if (r < 0.67) changes.push({ op: "remove", kind: "user", id: `u${rng.int(8)}` });
        else if (r < 0.75) changes.push({ op: "put", kind: "group", value: { id: `g${rng.int(3)}`, members: [{ user: `u${rng.int(6)}` }, { role: rng.pick(g.roles).id }] } });
        else if (r < 0.8) changes.push({ op: "remove", kind: "group", id: `g${rng.int(3)}` });
        else if (r < 0.9) changes.push({ op: "put", kind: "record", value: g.record(rng.int(10)) });
        else changes.push({ op: "remove", kind: "record", id: `x${rng.int(10)}` });
      }
      const next = check(e, m, changes, `model ${k} step ${step}: ${JSON.stringify(changes)}`);
      if (next) { m = next; applied++; } else refused++;
    }
    e.free();
  }
  assert.ok(applied > 100 && refused > 20, `${applied} applied, ${refused} refused`);
});
