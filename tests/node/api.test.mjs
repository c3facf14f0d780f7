// The JS API of the built package, across the wasm boundary: the same behaviour
// as the native tests, plus what only JS can get wrong (object identity, error
// objects, keys like __proto__, argument types).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine, esm, cjs } from "./load.mjs";

const model = () => ({
  modules: [
    { name: "companies", defaultSharing: "publicRead" },
    { name: "deals", parent: "companies", fields: ["title", "amount", "__proto__"] },
  ],
  roles: [{ id: "boss", profiles: ["sales"] }, { id: "rep", parent: "boss", profiles: ["sales"] }],
  profiles: [{ id: "sales", modules: {
    companies: { view: true, create: true, edit: true, delete: true },
    deals: { view: true, create: true, edit: true, delete: true, fields: { amount: "readOnly" } },
  } }],
  users: [{ id: "ann", role: "boss" }, { id: "bob", role: "rep" }, { id: "cy", role: "rep" }, { id: "gone", role: "rep", active: false }],
  workspaces: [{ id: "w", owner: "ann" }],
  records: [
    { id: "c1", module: "companies", owner: "bob" },
    { id: "d1", module: "deals", owner: "bob", parent: "c1", fields: { title: "Pines", amount: 10, __proto__x: 1 } },
  ],
});

test("require and import give the same Engine class", () => {
  assert.equal(typeof esm.Engine, "function");
  assert.equal(cjs.Engine, esm.Engine, "one module instance serves both");
});

test("decide returns the documented shape", () => {
  const e = new Engine(model());
  const d = e.decide("ann", "delete", "d1");
  assert.deepEqual(Object.keys(d).sort(), ["access", "allowed", "readOnly", "reasons"]);
  assert.deepEqual(d, { allowed: true, access: "full", readOnly: false, reasons: ["hierarchy"] });
  assert.equal(e.can("cy", "view", "d1"), false);
  assert.deepEqual(e.decide("cy", "view", "c1"), { allowed: true, access: "read", readOnly: true, reasons: ["default-sharing"] });
});

test("the model may be given as JSON text, and records as objects or ids", () => {
  const e = new Engine(JSON.stringify(model()));
  assert.equal(e.can("bob", "edit", { module: "deals", owner: "bob" }), true);
  assert.equal(e.can("bob", "edit", "d1"), true);
  e.putRecords(JSON.stringify([{ id: "d2", module: "deals", owner: "cy" }]));
  assert.equal(e.can("cy", "delete", "d2"), true);
});

test("filter returns the very objects given, in input order", () => {
  const e = new Engine(model());
  const recs = [
    { id: "x", module: "deals", owner: "cy" },
    { id: "y", module: "deals", owner: "bob" },
    { id: "z", module: "companies", owner: "cy" },
    { id: "w", module: "deals", owner: "ann" },
  ];
  const out = e.filter("bob", recs);
  assert.deepEqual(out.map((r) => r.id), ["y", "z"]);
  assert.equal(out[0], recs[1]);
  assert.equal(out[1], recs[2]);
  assert.deepEqual(e.filter("bob", recs, "edit").map((r) => r.id), ["y"]);
  assert.deepEqual(e.filter("bob", []), []);
  for (const action of ["view", "edit", "delete"]) {
    const kept = new Set(e.filter("ann", recs, action));
    for (const r of recs) assert.equal(kept.has(r), e.decide("ann", action, r).allowed, `${action} ${r.id}`);
  }
});

test("errors are Error objects with problems, and leave the engine usable", () => {
  const e = new Engine(model());
  const expectProblem = (fn, path) => {
    let err;
    try { fn(); } catch (x) { err = x; }
    assert.ok(err instanceof Error, "an Error is thrown");
    assert.ok(err.message.length > 0);
    assert.ok(Array.isArray(err.problems), "with .problems");
    assert.ok(err.problems.some((p) => p.path.startsWith(path)), `a problem at ${path}: ${JSON.stringify(err.problems)}`);
    assert.equal(e.can("ann", "delete", "d1"), true, "the engine still answers");
  };
  expectProblem(() => e.decide("ghost", "view", "d1"), "user");
  expectProblem(() => e.decide("ann", "steal", "d1"), "action");
  expectProblem(() => e.decide("ann", "view", "nope"), "record");
  expectProblem(() => e.decide("ann", "view", { module: "deals", ownr: "ann" }), "record");
  expectProblem(() => e.decide("ann", "view", null), "record");
  expectProblem(() => e.decide("ann", "view", 42), "record");
  expectProblem(() => e.decide("ann", "view", [1]), "record");
  expectProblem(() => e.decide(7, "view", "d1"), "user");
  expectProblem(() => e.filter("ann", "not an array"), "records");
  expectProblem(() => e.filter("ann", [{ module: "deals", owner: "ghost" }]), "records[0].owner");
  expectProblem(() => e.putRecords([{ id: "ok", module: "deals" }, { id: "bad", module: "tickets" }]), "records[1].module");
  assert.throws(() => e.decide("ann", "view", "ok"), "putRecords is all or nothing");
  expectProblem(() => e.removeRecords("d1"), "ids");
  expectProblem(() => e.fieldAccess("ann", "tickets"), "module");
  expectProblem(() => e.canInvite("ann", "nowhere"), "workspace");
  const cyclic = { module: "deals" }; cyclic.self = cyclic;
  expectProblem(() => e.decide("ann", "view", cyclic), "record");
  expectProblem(() => e.decide("ann", "view", { module: "deals", owner: "bob", fields: { n: 1n } }), "record");
  expectProblem(() => e.mask("ann", { module: "deals", fields: { n: 1n } }), "record");
  expectProblem(() => e.filter("ann", [1, 2], 5), "action");
});

test("an invalid model lists every problem with its path", () => {
  const m = model();
  m.users[0].role = "vp2";
  m.roles[1].parent = "nobody";
  m.modules[0].defaultSharing = "open";
  let err;
  try { new Engine(m); } catch (x) { err = x; }
  assert.ok(err instanceof Error);
  const paths = err.problems.map((p) => p.path);
  assert.ok(paths.includes("modules[0].defaultSharing"), JSON.stringify(paths));
  for (const bad of [null, 3, "not json", [], undefined]) {
    assert.throws(() => new Engine(bad), (e) => e instanceof Error && Array.isArray(e.problems));
  }
});

test("fieldAccess and mask keep odd keys as plain properties", () => {
  const e = new Engine(model());
  const fa = e.fieldAccess("bob", "deals");
  assert.deepEqual(Object.keys(fa), ["title", "amount", "__proto__"]);
  assert.equal(Object.getPrototypeOf(fa), Object.prototype, "__proto__ did not replace the prototype");
  assert.equal(fa.amount, "readOnly");
  const masked = e.mask("bob", "d1");
  assert.deepEqual(masked.fields, { title: "Pines", amount: 10 });
  assert.equal(masked.id, "d1");
  const input = { module: "deals", owner: "cy", fields: { title: "T" } };
  assert.deepEqual(e.mask("bob", input).fields, {}, "not visible: no fields");
  assert.deepEqual(input.fields, { title: "T" }, "the input is not changed");
});

test("people, invitations and workspace rights", () => {
  const e = new Engine(model());
  assert.deepEqual(e.visibleUsers("bob"), ["ann", "bob", "cy"]);
  assert.deepEqual(e.visibleUsers("gone"), []);
  assert.equal(e.canInvite("ann", "w"), true);
  assert.equal(e.canInvite("bob", "w"), false);
  assert.equal(e.canCreateWorkspace("bob"), true);
  assert.equal(e.canGrantAccess("bob"), false);
});

test("records can be put, replaced, removed and listed", () => {
  const e = new Engine(model());
  e.putRecords([{ id: "d9", module: "deals", owner: "cy" }]);
  assert.equal(e.recordCount(), 3);
  assert.deepEqual(e.filterStored("cy"), ["c1", "d9"]);
  e.putRecords([{ id: "d9", module: "deals", owner: "bob" }]);
  assert.deepEqual(e.filterStored("cy"), ["c1"]);
  e.removeRecords(["d9", "never-stored"]);
  assert.equal(e.recordCount(), 2);
});

test("free releases an engine; using it afterwards throws instead of crashing", () => {
  const e = new Engine(model());
  e.free();
  assert.throws(() => e.can("ann", "view", "d1"));
  const again = new Engine(model());
  assert.equal(again.can("ann", "view", "d1"), true);
});
