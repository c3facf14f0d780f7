// Issue 14 ("the first hour"), across the wasm boundary: reasons that name a
// parent or company that is not stored, filterReport, isCrmAccessError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine, esm, cjs } from "./load.mjs";

const all = { view: true, edit: true, delete: true, create: true };
const model = () => ({
  modules: [
    { name: "companies" }, { name: "contacts", parent: "companies" },
    { name: "deals", parent: "companies" }, { name: "tasks", parent: "deals" },
  ],
  limitedAccess: { companyModule: "companies", modules: ["companies", "contacts"] },
  profiles: [{ id: "all", modules: { companies: all, contacts: all, deals: all, tasks: all } }],
  roles: [{ id: "ops", profiles: ["all"] }, { id: "rep", profiles: ["all"] }],
  users: [{ id: "lim", profiles: ["all"], limitedCrm: true }, { id: "op", role: "ops" }, { id: "rep1", role: "rep" }, { id: "gone", role: "rep", active: false }],
  sharingRules: [{ id: "r", module: "deals", from: { role: "rep" }, to: { role: "ops" }, access: "read", related: { tasks: "read" } }],
  records: [{ id: "c1", module: "companies", accountManagers: ["lim"] }, { id: "d1", module: "deals", owner: "rep1", parent: "c1" }],
});

test("reasons name the parent or company the answer would have read but that is not stored", () => {
  const e = new Engine(model());
  const x = e.decide("lim", "view", { module: "contacts", company: "c-gone" });
  assert.equal(x.allowed, false);
  assert.deepEqual(x.reasons, ["limited-crm-unmanaged", "company-not-stored:c-gone"]);
  assert.deepEqual(e.decide("lim", "view", { module: "contacts", company: "c1" }).reasons, ["limited-crm-managed"]);
  // a task shared through its parent deal: the rule reaches it only when the deal is stored
  assert.deepEqual(e.decide("op", "view", { module: "tasks", parent: "d1" }).reasons, ["related-sharing:r"]);
  assert.deepEqual(e.decide("op", "view", { module: "tasks", parent: "d-gone" }).reasons, ["no-grant", "parent-not-stored:d-gone"]);
  assert.equal(e.can("op", "view", { module: "tasks", parent: "d-gone" }), false);
  assert.ok(esm.reasonCodes().includes("parent-not-stored") && esm.reasonCodes().includes("company-not-stored"));
  e.free();
});

test("filterReport judges the good records and lists the bad ones instead of throwing", () => {
  const e = new Engine(model());
  const a = { module: "deals", owner: "rep1" };
  const b = { module: "deals", owner: "former-employee" };
  const c = { module: "tasks", parent: "d1" };
  const d = { module: "deals", owner: "op", assignees: ["nobody"] };
  const f = { module: "nope" };
  const records = [a, b, c, d, f, null];
  assert.throws(() => e.filter("op", records), (err) => err.code === "invalid-records");
  const report = e.filterReport("op", records);
  assert.equal(report.allowed.length, 2);
  assert.ok(report.allowed[0] === a && report.allowed[1] === c, "the very objects, in input order");
  assert.deepEqual(report.rejected.map((r) => r.index), [1, 3, 4, 5]);
  assert.ok(report.rejected[0].record === b);
  assert.deepEqual(report.rejected[0].problems.map((p) => p.path), ["records[1].owner"]);
  assert.deepEqual(report.rejected[1].problems.map((p) => p.path), ["records[3].assignees[0]"]);
  assert.equal(report.rejected[2].problems[0].path, "records[4].module");
  assert.equal(report.rejected[3].problems[0].path, "records[5]");
  // the action, and the same answers as filter on the good ones
  assert.deepEqual(e.filterReport("op", [a, c], "edit"), { allowed: [], rejected: [] });
  assert.deepEqual(e.filterReport("op", [a, c]).allowed, e.filter("op", [a, c]));
  // a record whose getter throws is rejected, not the list
  const bad = { module: "deals", get owner() { throw new Error("boom"); } };
  const r2 = e.filterReport("op", [bad, a]);
  assert.deepEqual(r2.allowed, [a]);
  assert.equal(r2.rejected[0].index, 0);
  assert.equal(r2.rejected[0].problems[0].path, "records[0].owner");
  // an unknown user or action is still an error
  assert.throws(() => e.filterReport("who", [a]), (err) => err.code === "unknown-user");
  assert.throws(() => e.filterReport("op", [a], "fly"), (err) => err.code === "unknown-action");
  assert.throws(() => e.filterReport("op", "x"), (err) => err.code === "invalid-input");
  e.free();
});

test("isCrmAccessError is exported by every entry and recognises only the package's errors", () => {
  for (const entry of [esm, cjs]) assert.equal(typeof entry.isCrmAccessError, "function");
  let caught;
  try { new Engine("{}"); } catch (err) { caught = err; }
  assert.equal(esm.isCrmAccessError(caught), true);
  assert.equal(cjs.isCrmAccessError(caught), true);
  const e = new Engine(model());
  try { e.can("nobody", "view", "d1"); } catch (err) { caught = err; }
  assert.equal(esm.isCrmAccessError(caught), true);
  e.free();
  try { e.can("op", "view", "d1"); } catch (err) { caught = err; }
  assert.equal(caught.code, "engine-freed");
  assert.equal(esm.isCrmAccessError(caught), true);
  const fake = Object.assign(new Error("x"), { code: "unknown-user", problems: [] });
  for (const v of [fake, null, undefined, "e", {}]) assert.equal(esm.isCrmAccessError(v), false);
});
