// The package's JS layer sends records to wasm as integers when it can. These
// tests hold it to the strict JSON path: the same answers on every record, and
// the strict path's errors for anything it does not fully understand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./load.mjs";

const model = {
  modules: [{ name: "companies", defaultSharing: "publicRead" }, { name: "deals", parent: "companies" }, { name: "quotes", parent: "deals" }],
  limitedAccess: { companyModule: "companies", modules: ["companies"], dealModule: "deals" },
  roles: [{ id: "top", profiles: ["all"] }, { id: "mid", parent: "top", profiles: ["all"] }],
  profiles: [{ id: "all", modules: Object.fromEntries(["companies", "deals", "quotes"].map((m) => [m, { view: true, create: true, edit: true, delete: true }])) }],
  groups: [{ id: "g", members: [{ role: "mid" }] }],
  users: [{ id: "boss", role: "top" }, { id: "m1", role: "mid" }, { id: "m2", role: "mid", limitedCrm: true },
    { id: "ld", role: "mid", limitedDeals: true }, { id: "x", external: true, profiles: ["all"], recordTypes: ["a"] }],
  workspaces: [{ id: "w", owner: "boss", members: [{ user: "x" }] }],
  sharingRules: [{ id: "r", module: "companies", from: { group: "g" }, to: { role: "top" }, access: "readWrite", related: { deals: "read" } }],
  records: [{ id: "c1", module: "companies", owner: "m1", accountManagers: ["m2"] }, { id: "d1", module: "deals", owner: "ld", parent: "c1" }],
};
const USERS = ["boss", "m1", "m2", "ld", "x"];
const ACTIONS = ["view", "edit", "delete", "create"];

// A small seeded generator of records, valid and not (with `shares`: some
// records are shared by hand, always validly).
function* records(seed, n, { shares = false } = {}) {
  let s = seed;
  const rnd = (k) => { s = (s * 1103515245 + 12345) >>> 0; return (s >>> 8) % k; };
  const pick = (a) => a[rnd(a.length)];
  const principals = [...USERS, "g"];
  for (let i = 0; i < n; i++) {
    const r = { module: pick(["companies", "deals", "quotes"]) };
    if (rnd(4)) r.owner = pick(principals);
    if (rnd(3) === 0) r.parent = pick(["c1", "d1", "missing"]);
    if (rnd(4) === 0) r.company = pick(["c1", "missing"]);
    if (rnd(4) === 0) r.type = pick(["a", "b"]);
    if (rnd(4) === 0) r.createdBy = pick(USERS);
    for (const k of ["accountManagers", "assignees", "participants", "auditors"]) if (rnd(5) === 0) r[k] = [pick(USERS)];
    if (rnd(3) === 0) r.workspaces = ["w"];
    if (rnd(2) === 0) r.id = "r" + i;
    if (rnd(5) === 0) r.fields = { a: 1 };
    if (shares && rnd(2) === 0) {
      const targets = [{ user: "m1" }, { user: "boss" }, { user: "ld" }, { user: "m2" }, { group: "g" }, { role: "mid" }, { role: "top" }, { roleAndSubordinates: "top" }, { roleAndSubordinates: "mid" }];
      r.sharedWith = Array.from({ length: rnd(4) }, () => ({ ...pick(targets), access: pick(["read", "readWrite"]) }));
    }
    yield r;
  }
}

test("the fast path agrees with the strict path on every decision", () => {
  const e = new Engine(model);
  const recs = [...records(7, 400)];
  for (const user of USERS) {
    for (const action of ACTIONS) {
      const kept = new Set(e.filter(user, recs, action));
      for (const r of recs) {
        // JSON text of the record forces the strict path (a string record is an id, so wrap it in the filter)
        const strict = e.filter(user, JSON.parse(JSON.stringify([r])), action).length === 1;
        const d = e.decide(user, action, r);
        assert.equal(kept.has(r), strict, `${user} ${action} ${JSON.stringify(r)}`);
        assert.equal(d.allowed, strict);
        assert.equal(e.can(user, action, r), strict);
      }
    }
  }
});

// A record the JS layer cannot encode (it has a toJSON): the strict JSON path judges it.
const strictly = (r) => ({ toJSON: () => r });

test("decisions of the fast path (reasons, access, readOnly) are the strict path's, shared records included", () => {
  const e = new Engine(model);
  const recs = [...records(11, 300, { shares: true })];
  assert.ok(recs.filter((r) => r.sharedWith?.length).length > 50);
  for (const user of USERS) {
    for (const action of ACTIONS) {
      const kept = new Set(e.filter(user, recs, action));
      for (const r of recs) {
        const strict = e.decide(user, action, strictly(r));
        const what = `${user} ${action} ${JSON.stringify(r)}`;
        assert.deepEqual(e.decide(user, action, r), strict, what);
        assert.equal(e.can(user, action, r), strict.allowed, what);
        assert.equal(kept.has(r), strict.allowed, what);
        assert.equal(e.filter(user, [strictly(r)], action).length === 1, strict.allowed, what);
      }
    }
  }
});

test("decisions on stored records by id are the strict path's, shared records included", () => {
  const e = new Engine(model);
  const recs = [...records(12, 200, { shares: true })].filter((r) => r.id);
  e.putRecords(recs);
  for (const user of USERS) {
    for (const action of ACTIONS) {
      for (const r of recs) {
        const strict = e.decide(user, action, strictly(r));
        assert.deepEqual(e.decide(user, action, r.id), strict, `${user} ${action} ${JSON.stringify(r)}`);
        assert.equal(e.can(user, action, r.id), strict.allowed);
      }
    }
  }
});

test("reasons whose argument is not ASCII come back whole", () => {
  const m = JSON.parse(JSON.stringify(model));
  m.sharingRules[0].id = "règle ✓ 😀";
  m.workspaces[0].id = "wš";
  const e = new Engine(m);
  const r = { module: "companies", owner: "m1", workspaces: ["wš"] };
  const d = e.decide("boss", "view", r);
  assert.deepEqual(d, e.decide("boss", "view", strictly(r)));
  assert.ok(d.reasons.includes("workspace-owner:wš") || d.reasons.includes("hierarchy"), JSON.stringify(d));
  const viaRule = e.decide("boss", "edit", { module: "companies", owner: "m1", sharedWith: [{ group: "g", access: "read" }] });
  assert.deepEqual(viaRule, e.decide("boss", "edit", strictly({ module: "companies", owner: "m1", sharedWith: [{ group: "g", access: "read" }] })));
  const m2 = e.decide("m2", "view", { module: "deals", owner: "m1", sharedWith: [{ user: "m2", access: "read" }, { role: "mid", access: "readWrite" }] });
  assert.deepEqual(m2, e.decide("m2", "view", strictly({ module: "deals", owner: "m1", sharedWith: [{ user: "m2", access: "read" }, { role: "mid", access: "readWrite" }] })));
});

test("shares the fast path does not take go to the strict path, which reports them", () => {
  const e = new Engine(model);
  const bad = [
    [{ user: "x", access: "read" }, "record.sharedWith[0].user"],
    [{ user: "g", access: "read" }, "record.sharedWith[0].user"],
    [{ group: "m1", access: "read" }, "record.sharedWith[0].group"],
    [{ role: "nobody", access: "read" }, "record.sharedWith[0].role"],
    [{ user: "m1", access: "write" }, "record.sharedWith[0]"],
    [{ user: "m1" }, "record.sharedWith[0]"],
    [{ user: "m1", group: "g", access: "read" }, "record.sharedWith[0]"],
    [{ user: "m1", access: "read", extra: 1 }, "record.sharedWith[0]"],
    ["m1", "record.sharedWith[0]"],
  ];
  for (const [share, path] of bad) {
    const rec = { module: "deals", owner: "m1", sharedWith: [share] };
    let err;
    try { e.decide("boss", "view", rec); } catch (x) { err = x; }
    assert.ok(err instanceof Error, `${JSON.stringify(rec)} throws`);
    assert.ok(err.problems.some((p) => p.path.startsWith(path)), `${JSON.stringify(rec)}: ${JSON.stringify(err.problems)}`);
    assert.throws(() => e.can("boss", "view", rec), (x) => x.problems.some((p) => p.path.startsWith(path)));
    assert.throws(() => e.filter("boss", [{ module: "deals" }, rec]), (x) => x.problems.some((p) => p.path.startsWith(path.replace("record", "records[1]"))));
  }
  assert.throws(() => e.can("boss", "view", { module: "deals", sharedWith: {} }));
  assert.equal(e.can("boss", "view", { module: "deals", owner: "m1", sharedWith: [] }), true);
});

test("records the fast path cannot read go to the strict path, which reports them", () => {
  const e = new Engine(model);
  const bad = [
    [{ module: "deals", ownr: "m1" }, "record"],
    [{ module: "tickets" }, "record.module"],
    [{ module: "deals", owner: "ghost" }, "record.owner"],
    [{ module: "deals", owner: 5 }, "record.owner"],
    [{ module: "deals", assignees: "m1" }, "record.assignees"],
    [{ module: "deals", assignees: [null] }, "record.assignees[0]"],
    [{ module: "deals", workspaces: ["nowhere"] }, "record.workspaces[0]"],
    [{ module: "deals", parent: "" }, "record.parent"],
    [{ module: "deals", fields: [] }, "record.fields"],
    [{ module: "deals", createdBy: "g" }, "record.createdBy"],
    [{ owner: "m1" }, "record"],
    [Object.create({ module: "deals" }), "record"],
  ];
  for (const [rec, path] of bad) {
    let err;
    try { e.decide("boss", "view", rec); } catch (x) { err = x; }
    assert.ok(err instanceof Error, `${JSON.stringify(rec)} throws`);
    assert.ok(err.problems.some((p) => p.path.startsWith(path)), `${JSON.stringify(rec)}: ${JSON.stringify(err.problems)}`);
    assert.throws(() => e.can("boss", "view", rec));
    assert.throws(() => e.filter("boss", [{ module: "deals" }, rec]));
  }
});

test("prototype pollution cannot put keys into a record", () => {
  const e = new Engine(model);
  Object.prototype.owner = "boss";
  try {
    assert.equal(e.can("boss", "delete", { module: "deals" }), false, "an inherited owner is not the record's owner");
    assert.deepEqual(e.filter("boss", [{ module: "deals" }], "delete"), []);
  } finally {
    delete Object.prototype.owner;
  }
});

test("toJSON and getters are honoured the way JSON.stringify honours them", () => {
  const e = new Engine(model);
  const viaToJSON = { toJSON: () => ({ module: "deals", owner: "boss" }) };
  assert.equal(e.can("boss", "delete", viaToJSON), true);
  const throwing = { module: "deals", get owner() { throw new Error("boom"); } };
  assert.throws(() => e.can("boss", "view", throwing), (x) => x instanceof Error);
  assert.equal(e.can("boss", "view", "c1"), true, "still usable");
});

test("ids that are not well-formed text are refused, not matched loosely", () => {
  const e = new Engine(model);
  assert.throws(() => e.can("boss", "view", "c1\uD800"));
  assert.throws(() => e.can("boss", "view", { module: "deals", parent: "c1\uD800" }), (x) => x.problems[0].path === "record.parent");
});

test("unknown users and actions still throw through the fast path", () => {
  const e = new Engine(model);
  assert.throws(() => e.can("ghost", "view", "c1"), (x) => x.problems[0].path === "user");
  assert.throws(() => e.filter("boss", [], "steal"), (x) => x.problems[0].path === "action");
  assert.throws(() => e.can("__proto__", "view", "c1"), (x) => x.problems[0].path === "user");
  assert.throws(() => e.can("boss", "__proto__", "c1"), (x) => x.problems[0].path === "action");
  assert.deepEqual(e.filterStored("m1"), ["c1"]);
});

test("field names and values that are not well-formed text go to the strict path, which refuses them", () => {
  const e = new Engine(model);
  for (const fields of [{ ["k\uD800"]: 1 }, { a: "v\uDC00" }, { a: { deep: ["x\uD800"] } }]) {
    assert.throws(() => e.can("boss", "view", { module: "deals", fields }), (x) => x instanceof Error && x.problems.length > 0);
  }
  assert.equal(e.can("boss", "view", { module: "deals", owner: "m1", fields: { a: "😀", b: { c: "\\ud800 as text" } } }), true);
});

test("a record whose only string is an empty type is read correctly", () => {
  const e = new Engine(model);
  for (const user of USERS) {
    const r = { module: "companies", owner: "m1", type: "" };
    assert.equal(e.can(user, "view", r), e.filter(user, JSON.parse(JSON.stringify([r]))).length === 1);
  }
});
