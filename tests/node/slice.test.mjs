// engine.sliceFor(user, options?) across the wasm boundary (issue 13): the
// slice is a model a new Engine accepts; that engine answers its user as the
// full one does, refuses every other user (the fast ids-based path too), and
// holds no field value, record or user id the user may not see.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./load.mjs";

const model = () => ({
  modules: [
    { name: "companies", fields: ["name", "revenue"] },
    { name: "deals", parent: "companies", fields: ["amount", "margin"] },
    { name: "quotes", parent: "deals" },
  ],
  roles: [{ id: "boss" }, { id: "rep", parent: "boss" }, { id: "hr" }],
  profiles: [
    { id: "sales", modules: {
      companies: { view: true, fields: { name: "editable", revenue: "hidden" } },
      deals: { view: true, create: true, edit: true, fields: { amount: "editable", margin: "hidden" } },
      quotes: { view: true, create: true },
    } },
    { id: "people", viewAll: true, modules: { companies: { view: true } } },
  ],
  groups: [{ id: "emea", members: [{ user: "eve" }, { role: "hr" }] }],
  users: [
    { id: "ann", role: "boss", profiles: ["sales"] },
    { id: "eve", role: "rep", profiles: ["sales"] },
    { id: "old", role: "rep", active: false },
    { id: "hal", role: "hr", profiles: ["people"] },
    { id: "cli", external: true, company: "c1", profiles: ["sales"] },
  ],
  workspaces: [{ id: "w1", owner: "eve", counterparty: "c1" }],
  sharingRules: [
    { id: "emea-deals", module: "deals", from: { group: "emea" }, to: { role: "boss" }, access: "read", related: { quotes: "read" } },
    { id: "hr-companies", module: "companies", from: { role: "boss" }, to: { role: "hr" }, access: "read" },
  ],
  records: [
    { id: "c1", module: "companies", owner: "ann", fields: { name: "Acme", revenue: 9 } },
    { id: "d1", module: "deals", owner: "eve", parent: "c1", fields: { amount: 5, margin: 2 } },
    { id: "d2", module: "deals", owner: "old", parent: "c1", fields: { amount: 7, margin: 3 } },
    { id: "q1", module: "quotes", owner: "ann", parent: "d2" },
    { id: "t1", module: "deals", owner: "hal", workspaces: ["w1"], fields: { amount: 1, margin: 1 } },
    { id: "c2", module: "companies", owner: "hal", fields: { name: "Secret Ltd" } },
  ],
});

const ACTIONS = ["view", "edit", "delete", "create"];

test("a slice is a model: new Engine(slice) answers its user as the full engine", () => {
  const full = new Engine(model());
  for (const user of ["ann", "eve", "hal", "cli", "old"]) {
    const slice = full.sliceFor(user);
    assert.equal(slice.sliceFor, user);
    const mine = new Engine(slice);
    for (const a of ["view", "edit", "delete"]) assert.deepEqual(mine.filterStored(user, a), full.filterStored(user, a), `${user} ${a}`);
    for (const r of slice.records ?? []) {
      if (!full.can(user, "view", r.id)) continue;
      for (const a of ACTIONS) {
        assert.deepEqual(mine.decide(user, a, r.id), full.decide(user, a, r.id), `${user} ${a} ${r.id}`);
        assert.equal(mine.can(user, a, r.id), full.can(user, a, r.id));
      }
      assert.deepEqual(mine.mask(user, r.id), full.mask(user, r.id));
      assert.equal(mine.canShare(user, r.id), full.canShare(user, r.id));
    }
    const drafts = [
      { module: "deals", owner: user, parent: "c1", fields: { amount: 1 } },
      { module: "quotes", owner: "ann", parent: (slice.records ?? []).some((r) => r.id === "d2") ? "d2" : "d1" },
    ].filter((d) => (slice.records ?? []).some((r) => r.id === d.parent));
    for (const d of drafts) {
      for (const a of ACTIONS) assert.deepEqual(mine.decide(user, a, d), full.decide(user, a, d), `${user} ${a} ${JSON.stringify(d)}`);
    }
    assert.deepEqual(mine.filter(user, drafts), full.filter(user, drafts));
    for (const m of ["companies", "deals", "quotes"]) assert.deepEqual(mine.fieldAccess(user, m), full.fieldAccess(user, m));
    assert.deepEqual(mine.visibleUsers(user), full.visibleUsers(user));
    assert.deepEqual(mine.workspacesOf(user), full.workspacesOf(user));
    assert.equal(mine.canCreateWorkspace(user), full.canCreateWorkspace(user));
    assert.equal(mine.canGrantAccess(user), full.canGrantAccess(user));
    for (const w of slice.workspaces ?? []) assert.equal(mine.canInvite(user, w.id), full.canInvite(user, w.id));
    mine.free();
  }
  full.free();
});

test("the slice refuses every other user, on every path", () => {
  const full = new Engine(model());
  const mine = new Engine(full.sliceFor("ann"));
  for (const other of ["eve", "hal", "cli"]) {
    for (const call of [
      () => mine.can(other, "view", "d1"),
      () => mine.can(other, "view", { module: "deals", owner: "eve" }),
      () => mine.decide(other, "view", "d1"),
      () => mine.filterStored(other),
      () => mine.filter(other, [{ module: "deals" }]),
      () => mine.visibleUsers(other),
      () => mine.sliceFor(other),
      () => mine.prepare(["d1"]).can(other, "view", 0),
    ]) {
      // a user the slice holds is refused as not its user; any other is unknown to it
      assert.throws(call, (e) => e.code === "unknown-user" && (other !== "eve" || /slice of "ann"/.test(e.message)), String(call));
    }
  }
  assert.throws(() => mine.can("nobody", "view", "d1"), (e) => e.code === "unknown-user");
});

test("what the browser receives: no hidden record, field or user id", () => {
  const full = new Engine(model());
  const text = full.sliceFor("ann", { json: true });
  assert.equal(typeof text, "string");
  assert.deepEqual(JSON.parse(text), full.sliceFor("ann"));
  // ann sees c1 (her own, name only), d1, d2 (owned by reps below her), q1
  // (hers) and t1 (the rule from emea, whose members include the hr role);
  // not c2: hal's company
  const slice = JSON.parse(text);
  const ids = slice.records.map((r) => r.id).sort();
  assert.deepEqual(ids, ["c1", "d1", "d2", "q1", "t1"]);
  // field names are the schema (modules, profiles); hidden values are not sent
  assert.ok(slice.records.every((r) => !("revenue" in (r.fields ?? {})) && !("margin" in (r.fields ?? {}))), text);
  assert.ok(!text.includes("\"c2\"") && !text.includes("Secret"), "a record ann may not view is not sent");
  // hal's slice: the rule that reaches hal; of emea (hal is in it through
  // the hr role) only hal's own membership
  const hal = full.sliceFor("hal");
  assert.deepEqual(hal.sharingRules.map((r) => r.id), ["hr-companies"]);
  assert.deepEqual(hal.groups, [{ id: "emea", members: [{ user: "hal" }] }]);
  assert.ok(!JSON.stringify(hal).includes("\"old\""), "an inactive user hal cannot see");
  // the external client: only what the workspace and their own records show
  const cli = full.sliceFor("cli");
  assert.deepEqual(cli.records.map((r) => r.id), ["t1"]);
  // eve: the workspace's owner, shown in cli's people picker; hal: t1's owner
  assert.deepEqual(full.visibleUsers("cli"), ["cli", "eve"]);
  assert.deepEqual(cli.users.map((u) => u.id).sort(), ["cli", "eve", "hal"]);
  assert.equal(cli.sharingRules, undefined);
  assert.equal(cli.roles, undefined);
});

test("sliceFor checks its arguments", () => {
  const full = new Engine(model());
  assert.throws(() => full.sliceFor(3), (e) => e.code === "invalid-input");
  assert.throws(() => full.sliceFor("ann", 1), (e) => e.code === "invalid-input" && e.problems[0].path === "options");
  assert.throws(() => full.sliceFor("ann", { json: "yes" }), (e) => e.code === "invalid-input" && e.problems[0].path === "options.json");
  assert.throws(() => full.sliceFor("zed"), (e) => e.code === "unknown-user");
  assert.throws(() => new Engine({ ...model(), sliceFor: "zed" }), (e) => e.code === "invalid-model" && e.problems.some((p) => p.path === "sliceFor"));
});
