// Engine.prepare(ids): a list of stored records asked about by row. Its answers
// and errors must be exactly those of asking the engine by id, also after
// records are replaced, removed and added behind its back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./load.mjs";

const model = {
  modules: [{ name: "companies", defaultSharing: "publicRead" }, { name: "deals", parent: "companies" }],
  roles: [{ id: "top", profiles: ["all"] }, { id: "mid", parent: "top", profiles: ["all"] }, { id: "low", parent: "mid", profiles: ["all"] }],
  profiles: [{ id: "all", modules: { companies: { view: true, create: true, edit: true, delete: true }, deals: { view: true, edit: true } } }],
  groups: [{ id: "g", members: [{ role: "low" }] }],
  users: [{ id: "boss", role: "top" }, { id: "m1", role: "mid" }, { id: "l1", role: "low" }, { id: "l2", role: "low", readOnly: true },
    { id: "x", external: true, profiles: ["all"] }, { id: "off", role: "low", active: false }],
  sharingRules: [{ id: "r", module: "deals", from: { group: "g" }, to: { role: "mid" }, access: "readWrite" }],
};
const USERS = ["boss", "m1", "l1", "l2", "x", "off"];
const ACTIONS = ["view", "edit", "delete"];

function records(seed, n, prefix = "r") {
  let s = seed;
  const rnd = (k) => { s = (s * 1103515245 + 12345) >>> 0; return (s >>> 8) % k; };
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = { id: `${prefix}${i}`, module: rnd(2) ? "deals" : "companies", owner: [...USERS, "g"][rnd(7)] };
    if (rnd(4) === 0) r.assignees = [USERS[rnd(USERS.length)]];
    out.push(r);
  }
  return out;
}

const outcome = (f) => { try { return f(); } catch (e) { return `throws ${e.message}`; } };

function agree(e, list, ids) {
  assert.equal(list.length, ids.length);
  for (const user of USERS) {
    for (const action of ACTIONS) {
      for (let row = 0; row < ids.length; row++) {
        const want = outcome(() => e.can(user, action, ids[row]));
        assert.equal(outcome(() => list.can(user, action, row)), want, `${user} ${action} ${ids[row]}`);
      }
    }
  }
}

test("a prepared list answers like can(user, action, id), through replacements, removals and additions", () => {
  const e = new Engine(model);
  e.putRecords(records(1, 300));
  const ids = [...records(1, 300).map((r) => r.id), "r5", "missing", "later1"];
  const list = e.prepare(ids);
  agree(e, list, ids);
  e.putRecords(records(2, 100)); // the same ids, other owners: replaced in place
  agree(e, list, ids);
  e.removeRecords(["r0", "r7", "r150"]); // records move between slots
  agree(e, list, ids);
  e.putRecords([{ id: "later1", module: "deals", owner: "l1" }, { id: "r7", module: "deals", owner: "boss" }]);
  agree(e, list, ids);
  assert.equal(list.can("l1", "view", ids.indexOf("later1")), true);
  assert.equal(list.decide("m1", "edit", 3).allowed, e.decide("m1", "edit", ids[3]).allowed);
  assert.equal(list.id(1), "r1");
});

test("a prepared list keeps its own copy of the ids and checks rows, users and actions", () => {
  const e = new Engine(model);
  e.putRecords(records(3, 10));
  const ids = ["r1", "r2"];
  const list = e.prepare(ids);
  ids[0] = "r9";
  assert.equal(list.id(0), "r1");
  for (const row of [-1, 2, 1.5, "0", NaN, null, undefined, 2 ** 32]) {
    assert.throws(() => list.can("boss", "view", row), RangeError, String(row));
    assert.throws(() => list.decide("boss", "view", row), RangeError, String(row));
  }
  assert.throws(() => list.can("nobody", "view", 0), /unknown user/);
  assert.throws(() => list.can("boss", "fly", 0), (err) => err.message === outcome(() => e.can("boss", "fly", "r1")).slice(7));
  assert.throws(() => list.can(42, "view", 0), Error);
  assert.throws(() => e.prepare("r1"), TypeError);
  assert.throws(() => e.prepare([1, 2]), /ids/);
  assert.equal(e.prepare([]).length, 0);
});

test("a prepared list of a freed engine throws, and other engines are unaffected", () => {
  const a = new Engine(model);
  const b = new Engine(model);
  a.putRecords(records(4, 5));
  b.putRecords(records(4, 5));
  const la = a.prepare(["r1"]);
  const lb = b.prepare(["r1"]);
  const want = lb.can("boss", "view", 0);
  a.free();
  assert.throws(() => la.can("boss", "view", 0), Error);
  assert.equal(lb.can("boss", "view", 0), want);
});
