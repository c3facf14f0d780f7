// The API of contract v2 across the wasm boundary: canShare, workspacesOf,
// recordFieldAccess, decideUpdate, and contractVersion on every entry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine, esm, cjs } from "./load.mjs";

const model = () => ({
  modules: [
    { name: "companies" },
    { name: "deals", parent: "companies", fields: ["amount", "note", "__proto__"] },
    { name: "tasks", defaultSharing: "publicRead" },
  ],
  profiles: [
    { id: "sales", modules: {
      companies: { view: true, edit: true, create: true, delete: true },
      deals: { view: true, edit: true, create: true, delete: true, fields: { note: "readOnly" } },
      tasks: { view: true },
    } },
    { id: "editor", modules: { deals: { view: true, edit: true } } },
    { id: "viewer", modules: { deals: { view: true }, tasks: { view: true } } },
  ],
  users: [
    { id: "ann", profiles: ["sales"] },
    { id: "eve", profiles: ["editor"] },
    { id: "vic", profiles: ["viewer"] },
    { id: "root", admin: true },
    { id: "gone", profiles: ["sales"], active: false },
  ],
  workspaces: [{ id: "w-own", owner: "ann" }, { id: "w-a" }, { id: "w-t" }, { id: "w-z" }],
  records: [
    { id: "c1", module: "companies", owner: "ann" },
    { id: "c2", module: "companies", owner: "root" },
    { id: "d1", module: "deals", owner: "ann", parent: "c1", assignees: ["eve"], workspaces: ["w-a"],
      sharedWith: [{ user: "vic", access: "read" }], fields: { amount: 1, note: "n", ["__proto__"]: { a: 1 } } },
    { id: "t1", module: "tasks", owner: "root", workspaces: ["w-t"] },
  ],
});

const d1 = () => model().records[2];

test("contractVersion is exported by import and require, as the Rust CONTRACT_VERSION", () => {
  assert.equal(typeof esm.contractVersion, "number");
  assert.equal(esm.contractVersion, cjs.contractVersion);
  assert.ok(esm.contractVersion >= 1);
});

test("canShare: full access or admin, never inactive", () => {
  const e = new Engine(model());
  assert.equal(e.canShare("ann", "d1"), true);
  assert.equal(e.canShare("eve", "d1"), false);
  assert.equal(e.canShare("root", "d1"), true);
  assert.equal(e.canShare("gone", "d1"), false);
  assert.equal(e.canShare("ann", { module: "deals", owner: "ann" }), true);
  assert.throws(() => e.canShare("nobody", "d1"), (err) => err.code === "unknown-user");
  assert.throws(() => e.canShare("ann", "zz"), (err) => err.code === "unknown-record");
  assert.throws(() => e.canShare("ann", 5), (err) => err.code === "invalid-input");
});

test("workspacesOf: participation and viewable stored records, sorted", () => {
  const e = new Engine(model());
  assert.deepEqual(e.workspacesOf("ann"), ["w-a", "w-own", "w-t"]);
  assert.deepEqual(e.workspacesOf("vic"), ["w-a", "w-t"]);
  assert.deepEqual(e.workspacesOf("eve"), ["w-a"]);
  assert.deepEqual(e.workspacesOf("root"), ["w-a", "w-own", "w-t", "w-z"]);
  assert.deepEqual(e.workspacesOf("gone"), []);
  e.removeRecords(["t1"]);
  assert.deepEqual(e.workspacesOf("vic"), ["w-a"]);
  assert.throws(() => e.workspacesOf("nobody"), (err) => err.code === "unknown-user");
  assert.throws(() => e.workspacesOf(7), (err) => err.code === "invalid-input");
});

test("recordFieldAccess: a plain map, hidden without view, readOnly without edit", () => {
  const e = new Engine(model());
  const m = e.recordFieldAccess("ann", "d1");
  assert.deepEqual(Object.keys(m), ["amount", "note", "__proto__"]);
  assert.equal(m.amount, "editable");
  assert.equal(m.note, "readOnly");
  assert.equal(Object.getOwnPropertyDescriptor(m, "__proto__").value, "editable", "__proto__ stays an own property");
  assert.equal(Object.getPrototypeOf(m), Object.prototype);
  const v = e.recordFieldAccess("vic", "d1");
  assert.deepEqual([v.amount, v.note], ["readOnly", "readOnly"]);
  const hidden = e.recordFieldAccess("vic", { module: "deals", owner: "ann" });
  assert.deepEqual([hidden.amount, hidden.note], ["hidden", "hidden"]);
  assert.deepEqual(e.recordFieldAccess("ann", "t1"), {});
  // v2 §4: fieldAccess editable needs the profile's edit
  assert.equal(e.fieldAccess("vic", "deals").amount, "readOnly");
});

test("decideUpdate: allowed with a reason, every failing condition listed", () => {
  const e = new Engine(model());
  assert.deepEqual(e.decideUpdate("eve", "d1", d1()), { allowed: true, reasons: ["update-allowed"] });
  assert.deepEqual(e.decideUpdate("root", "d1", { ...d1(), owner: "vic" }), { allowed: true, reasons: ["admin"] });
  assert.deepEqual(e.decideUpdate("vic", "d1", d1()), { allowed: false, reasons: ["update-needs-edit"] });
  assert.deepEqual(e.decideUpdate("gone", "d1", d1()), { allowed: false, reasons: ["inactive"] });
  const after = { ...d1(), owner: "eve", parent: "c2", sharedWith: [], fields: { ...d1().fields, extra: null } };
  assert.deepEqual(e.decideUpdate("eve", "d1", after), {
    allowed: false,
    reasons: ["field-not-editable:extra", "handover-needs-full:owner", "move-parent-not-viewable:c2", "share-change-needs-can-share"],
  });
  // before as an object; sets and JSON values
  const before = d1();
  const same = { ...before, fields: { note: "n", amount: 1.0, ["__proto__"]: { a: 1 } }, sharedWith: [{ access: "read", user: "vic" }] };
  assert.equal(e.decideUpdate("ann", before, same).allowed, true);
  // null differs from absent inside fields: note is readOnly for ann
  assert.deepEqual(e.decideUpdate("ann", "d1", { ...d1(), fields: { amount: 1, note: null, ["__proto__"]: { a: 1 } } }).reasons, ["field-not-editable:note"]);
});

test("decideUpdate: errors name the record at fault", () => {
  const e = new Engine(model());
  assert.throws(() => e.decideUpdate("ann", "d1", { ...d1(), id: "d2" }), (err) => err.code === "invalid-record" && err.problems[0].path === "after.id");
  assert.throws(() => e.decideUpdate("ann", "d1", { ...d1(), module: "tasks" }), (err) => err.code === "invalid-record" && err.problems[0].path === "after.module");
  assert.throws(() => e.decideUpdate("ann", "d1", "d1"), (err) => err.code === "invalid-input" && err.problems[0].path === "after");
  assert.throws(() => e.decideUpdate("ann", "d1", [d1()]), (err) => err.code === "invalid-input");
  assert.throws(() => e.decideUpdate("ann", "zz", d1()), (err) => err.code === "unknown-record");
  assert.throws(() => e.decideUpdate("ann", "d1", { ...d1(), owner: "ghost" }), (err) => err.code === "invalid-record" && err.problems[0].path.startsWith("after"));
  assert.throws(() => e.decideUpdate("ann", "d1", { ...d1(), typo: 1 }), (err) => err.code === "invalid-record");
  assert.throws(() => e.decideUpdate("nobody", "d1", d1()), (err) => err.code === "unknown-user");
  // the engine keeps answering
  assert.equal(e.decideUpdate("ann", "d1", d1()).allowed, true);
});

test("caller objects are read once, before wasm runs", () => {
  const e = new Engine(model());
  let reads = 0;
  const after = d1();
  Object.defineProperty(after, "owner", { enumerable: true, get() { reads++; return "ann"; } });
  assert.equal(e.decideUpdate("ann", "d1", after).allowed, true);
  assert.equal(reads, 1);
  // a getter that frees the engine: the call fails cleanly, nothing half-done
  const e2 = new Engine(model());
  const evil = d1();
  Object.defineProperty(evil, "owner", { enumerable: true, get() { e2.free(); return "ann"; } });
  assert.throws(() => e2.decideUpdate("ann", "d1", evil), (err) => err.code === "engine-freed");
  const e3 = new Engine(model());
  const proxy = new Proxy(d1(), { get(t, k) { if (k === "module") throw new Error("boom"); return t[k]; } });
  assert.throws(() => e3.canShare("ann", proxy));
  assert.equal(e3.canShare("ann", "d1"), true, "still usable");
});
