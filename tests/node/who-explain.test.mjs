// engine.whoCan(action, record) and engine.explain(user, action, record)
// across the wasm boundary (issue 12): whoCan lists exactly the users whose
// decide is allowed, with decide's access, in id order; explain's decision is
// decide's, its grants carry paths, and each suggestion, applied to the model
// JSON, allows the action.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./load.mjs";

const q = "o'k\"\\$1%_\u{1d4b3}";
const model = () => ({
  modules: [
    { name: "companies" },
    { name: "deals", parent: "companies", controlledByParent: true },
    { name: "__proto__", recordSecurity: true },
  ],
  roles: [{ id: "boss", profiles: ["all"] }, { id: "rep" + q, parent: "boss", profiles: ["all"] }],
  profiles: [
    { id: "all", modules: { companies: { view: true, edit: true, delete: true }, deals: { view: true, edit: true }, __proto__: { view: true } } },
    { id: "ext", modules: { companies: { view: true }, deals: { view: true } } },
  ],
  groups: [{ id: "g" + q, members: [{ role: "rep" + q }] }, { id: "support", members: [] }],
  users: [
    { id: "boss", role: "boss" }, { id: "rep" + q, role: "rep" + q }, { id: "rep2", role: "rep" + q }, { id: "ro", role: "boss", readOnly: true },
    { id: "ext", profiles: ["ext"], external: true }, { id: "off", role: "boss", active: false }, { id: "adm", admin: true }, { id: "nobody" },
  ],
  workspaces: [{ id: "w" + q, owner: "boss", members: [{ user: "ext" }], externalVisibility: "participating" }],
  sharingRules: [
    { id: "r", module: "companies", from: { role: "boss" }, to: { group: "g" + q }, access: "read", related: { deals: "readWrite" } },
    { id: "s", module: "companies", from: { role: "rep" + q }, to: { group: "support" }, access: "readWrite" },
  ],
  records: [
    { id: "c1", module: "companies", owner: "boss" },
    { id: "c2", module: "companies", owner: "rep2", sharedWith: [{ user: "rep" + q, access: "readWrite" }] },
    { id: "d1", module: "deals", owner: "rep" + q, parent: "c1", workspaces: ["w" + q], assignees: ["ext"] },
    { id: "p1", module: "__proto__", owner: "boss" },
  ],
});

const users = model().users.map((u) => u.id);
const byId = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

function everyUser(engine, action, record) {
  const out = [];
  for (const u of users) {
    const d = engine.decide(u, action, record);
    if (d.allowed) out.push({ user: u, access: d.access });
  }
  return out.sort((a, b) => byId(a.user, b.user));
}

test("whoCan equals asking every user, for stored records and record objects", () => {
  const engine = new Engine(model());
  const records = [...model().records.map((r) => r.id), { module: "deals", owner: "rep2", parent: "c2" }, { module: "companies", owner: null, sharedWith: [{ group: "support", access: "read" }] }];
  for (const record of records) {
    for (const action of ["view", "edit", "delete"]) {
      assert.deepEqual(engine.whoCan(action, record), everyUser(engine, action, record), `${action} ${JSON.stringify(record)}`);
    }
  }
  assert.deepEqual(engine.whoCan("delete", "c1").map((w) => w.user), ["adm", "boss"]);
  engine.free();
});

test("whoCan refuses create, unknown records and bad actions with crm-access errors", () => {
  const engine = new Engine(model());
  assert.throws(() => engine.whoCan("create", "c1"), (e) => e.code === "unknown-action");
  assert.throws(() => engine.whoCan("view", "nope"), (e) => e.code === "unknown-record");
  assert.throws(() => engine.whoCan("fly", "c1"), (e) => e.code === "unknown-action");
  assert.throws(() => engine.whoCan("view", { module: "nope" }), (e) => e.code === "invalid-record");
  assert.deepEqual(engine.whoCan("view", "c1").length > 0, true); // still usable
});

/** Applies explain's changes to a model (a copy). */
function applyChanges(m, changes) {
  const sections = { user: "users", profile: "profiles", group: "groups", workspace: "workspaces", record: "records", sharingRule: "sharingRules" };
  for (const c of changes) {
    const list = (m[sections[c.kind]] ??= []);
    if (c.op === "put") {
      const i = list.findIndex((e) => e.id === c.id);
      if (i >= 0) list[i] = c.value; else list.push(c.value);
      continue;
    }
    let at = list.find((e) => e.id === c.id);
    assert.ok(at, `no ${c.kind} ${c.id}`);
    c.path.forEach((k, i) => {
      if (!Object.hasOwn(at, k) || at[k] == null) Object.defineProperty(at, k, { value: i + 1 < c.path.length ? {} : c.op === "add" ? [] : null, writable: true, enumerable: true, configurable: true });
      if (i + 1 < c.path.length) at = at[k];
    });
    const last = c.path[c.path.length - 1];
    if (c.op === "set") at[last] = c.value;
    else if (!at[last].some((x) => JSON.stringify(x) === JSON.stringify(c.value))) at[last].push(c.value);
  }
  return m;
}

test("explain: decide's decision, grant paths, and suggestions that allow the action", () => {
  const engine = new Engine(model());
  let applied = 0;
  for (const u of users) {
    for (const r of model().records.map((x) => x.id)) {
      for (const action of ["view", "edit", "delete"]) {
        const x = engine.explain(u, action, r);
        assert.deepEqual(x.decision, engine.decide(u, action, r));
        if (x.level !== "none" && u !== "off") assert.ok(x.grants.length > 0, `${u} ${r}: grants`);
        if (x.decision.allowed) assert.deepEqual(x.suggestions, []);
        for (const s of x.suggestions) {
          const changed = new Engine(applyChanges(model(), s.changes));
          assert.equal(changed.can(u, action, r), true, `${u} ${action} ${r}: ${JSON.stringify(s)}`);
          changed.free();
          applied++;
        }
      }
    }
  }
  assert.ok(applied > 20, `only ${applied} suggestions applied`);
  const h = engine.explain("boss", "delete", "c2");
  assert.deepEqual(h.grants.map((g) => [g.reason, g.path.owner, g.path.roles]), [["hierarchy", { kind: "user", id: "rep2" }, ["rep" + q, "boss"]]]);
  const p = engine.explain("rep" + q, "view", "d1");
  assert.ok(p.grants.some((g) => g.reason === "owner"));
  const rel = engine.explain("rep2", "edit", "d1");
  const g = rel.grants.find((g) => g.reason === "related-sharing:r");
  assert.deepEqual(g.path.rule, { id: "r", module: "companies", from: { kind: "role", id: "boss" }, to: { kind: "group", id: "g" + q }, access: "read" });
  assert.equal(g.path.record, "c1");
  // a record given as an object: no change addresses it (it is not the stored record)
  const obj = engine.explain("nobody", "view", { id: "c1", module: "companies", owner: "boss", assignees: ["boss"] });
  assert.ok(obj.suggestions.length > 0 && obj.suggestions.every((s) => s.changes.every((c) => c.kind !== "record")), JSON.stringify(obj.suggestions));
  // a user without profiles is given one that opens the module (named __proto__ here)
  const none = engine.explain("nobody", "view", "p1");
  assert.ok(none.suggestions.length > 0 && none.suggestions.every((s) => s.changes.some((c) => c.kind === "user" && c.path[0] === "profiles" && c.value === "all")));
  // a profile that does not open the module is opened, by the module's name (__proto__ here, an ordinary key)
  const m = model();
  m.profiles[0].modules = {};
  const bare = new Engine(m).explain("rep2", "view", "p1");
  const open = bare.suggestions[0].changes.find((c) => c.kind === "profile");
  assert.deepEqual(open, { op: "set", kind: "profile", id: "all", path: ["modules", "__proto__", "view"], value: true });
});
