// engine.plan(user, action, module) across the wasm boundary: the plan is
// plain JSON data, and a small evaluator of it selects exactly the records
// filterStored returns for the module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./load.mjs";

const q = "o'k\"\\$1%_\u{1d4b3}";
const model = () => ({
  modules: [
    { name: "companies" },
    { name: "deals", parent: "companies", controlledByParent: true },
    { name: "faq", recordSecurity: false },
  ],
  roles: [{ id: "boss", profiles: ["all"] }, { id: "rep" + q, parent: "boss", profiles: ["all"] }],
  profiles: [{ id: "all", modules: {
    companies: { view: true, edit: true, delete: true },
    deals: { view: true, edit: true },
    faq: { view: true },
  } }],
  groups: [{ id: "g" + q, members: [{ role: "rep" + q }] }],
  users: [
    { id: "boss", role: "boss" }, { id: "rep" + q, role: "rep" + q }, { id: "ro", role: "boss", readOnly: true },
    { id: "ext", profiles: ["all"], external: true }, { id: "off", role: "boss", active: false },
  ],
  workspaces: [{ id: "w" + q, owner: "boss", members: [{ user: "ext" }], externalVisibility: "participating" }],
  sharingRules: [{ id: "r", module: "companies", from: { role: "boss" }, to: { group: "g" + q }, access: "read", related: { deals: "readWrite" } }],
  records: [
    { id: "c1", module: "companies", owner: "boss" },
    { id: "c" + q, module: "companies", owner: null, sharedWith: [{ user: "rep" + q, access: "readWrite" }] },
    { id: "d1", module: "deals", owner: null, parent: "c1", workspaces: ["w" + q], participants: ["ext"] },
    { id: "d2", module: "deals", owner: "rep" + q, parent: "nowhere" },
    { id: "d3", module: "deals", owner: null, parent: "d1" },
    { id: "f1", module: "faq", owner: null },
  ],
});

const planHolds = (p, rec, byId) => p.kind === "always" || (p.kind === "conditional" && holds(p.condition, rec, byId));
function holds(c, rec, byId) {
  const list = (a) => rec[a] ?? [];
  switch (c.op) {
    case "and": return c.of.every((x) => holds(x, rec, byId));
    case "or": return c.of.some((x) => holds(x, rec, byId));
    case "in": return rec[c.attr] != null && c.values.includes(rec[c.attr]);
    case "isNull": return rec[c.attr] == null;
    case "overlaps": return list(c.attr).some((v) => c.values.includes(v));
    case "none": return !list(c.attr).some((v) => c.values.includes(v));
    case "shared": return list("sharedWith").some((s) => (c.access === "read" || s.access === "readWrite")
      && ["user", "group", "role", "roleAndSubordinates"].some((k) => typeof s[k] === "string" && c.principals.includes(`${k}:${s[k]}`)));
    case "ref": {
      const other = rec[c.attr] == null ? undefined : byId.get(rec[c.attr]);
      return other !== undefined && other.module === c.module && (c.condition === undefined || holds(c.condition, other, byId));
    }
    default: throw new Error(`unknown op ${c.op}`);
  }
}

test("plan selects what filterStored returns, module by module", () => {
  const m = model();
  const e = new Engine(m);
  const byId = new Map(m.records.map((r) => [r.id, r]));
  let compared = 0;
  for (const u of m.users) {
    for (const action of ["view", "edit", "delete"]) {
      const want = new Set(e.filterStored(u.id, action));
      for (const { name } of m.modules) {
        const plan = e.plan(u.id, action, name);
        assert.ok(["always", "never", "conditional"].includes(plan.kind));
        assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan);
        for (const r of m.records.filter((r) => r.module === name)) {
          assert.equal(planHolds(plan, r, byId), want.has(r.id), `${u.id} ${action} ${r.id}: ${JSON.stringify(plan)}`);
          compared++;
        }
      }
    }
  }
  assert.ok(compared > 0);
  assert.deepEqual(e.plan("off", "view", "companies"), { kind: "never" });
  assert.deepEqual(e.plan("ro", "edit", "companies"), { kind: "never" });
  assert.deepEqual(e.plan("boss", "view", "faq"), { kind: "always" });
  const rep = e.plan("rep" + q, "view", "companies");
  assert.equal(rep.kind, "conditional");
});

test("plan checks its arguments", () => {
  const e = new Engine(model());
  assert.throws(() => e.plan("boss", "create", "companies"), (err) => err.code === "unknown-action");
  assert.throws(() => e.plan("boss", "view", "nope"), (err) => err.code === "unknown-module");
  assert.throws(() => e.plan("ghost", "view", "companies"), (err) => err.code === "unknown-user");
  assert.throws(() => e.plan(3, "view", "companies"), (err) => err.code === "invalid-input");
  assert.throws(() => e.plan("boss", "view", ["companies"]), (err) => err.code === "invalid-input");
});
