// Change notification (engine.subscribe, engine.version) and crm-access/react
// rendered on the server (react-dom/server). Re-rendering a mounted tree after a
// change is tested in Chromium: tests/browser/react.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createElement as h } from "react";
import { renderToString } from "react-dom/server";
import { Engine, root } from "./load.mjs";

// crm-access/react by its name, from a node_modules folder that links to pkg/
// (react itself resolves from pkg/'s real place: the repository's node_modules).
const home = fs.mkdtempSync(path.join(os.tmpdir(), "crm-access-react-"));
fs.mkdirSync(path.join(home, "node_modules"));
fs.symlinkSync(path.join(root, "pkg"), path.join(home, "node_modules", "crm-access"), "dir");
fs.writeFileSync(path.join(home, "entry.mjs"), 'export * from "crm-access/react";\n');
const { CrmAccessProvider, Can, useCan, useFieldAccess, useEngine, useCrmUser } = await import(pathToFileURL(path.join(home, "entry.mjs")).href);

const model = () => ({
  modules: [{ name: "deals", fields: ["title", "amount"] }],
  roles: [{ id: "boss" }, { id: "rep", parent: "boss" }],
  profiles: [
    { id: "sales", modules: { deals: { view: true, edit: true, fields: { amount: "readOnly" } } } },
    { id: "viewer", modules: { deals: { view: true, fields: { amount: "hidden" } } } },
  ],
  users: [{ id: "ann", role: "boss", profiles: ["sales"] }, { id: "bob", role: "rep", profiles: ["sales"] }, { id: "cy", role: "rep", profiles: ["viewer"] }],
  records: [{ id: "d1", module: "deals", owner: "bob" }],
});

// ---- engine.subscribe and engine.version ------------------------------------

test("version counts successful changes; listeners run after each, with the new version", () => {
  const e = new Engine(model());
  assert.equal(e.version, 0);
  const seen = [];
  const stop = e.subscribe(() => seen.push([e.version, e.recordCount()]));
  e.putRecords([{ id: "d2", module: "deals", owner: "cy" }]);
  assert.deepEqual(seen, [[1, 2]]);
  e.removeRecords(["d2"]);
  assert.deepEqual(seen, [[1, 2], [2, 1]]);
  e.removeRecords(["nope"]); // a call that succeeded, even if it removed nothing
  assert.equal(e.version, 3);
  // A failed change changes nothing and notifies nobody.
  assert.throws(() => e.putRecords([{ id: "d3", module: "nope" }]), { code: "invalid-records" });
  assert.throws(() => e.putRecords("not json"), { code: "invalid-records" });
  assert.throws(() => e.removeRecords([1]), { code: "invalid-input" });
  assert.equal(e.version, 3);
  assert.equal(seen.length, 3);
  // Questions change nothing.
  e.can("ann", "view", "d1"); e.decide("bob", "edit", "d1"); e.fieldAccess("cy", "deals"); e.filterStored("ann");
  assert.equal(e.version, 3);
  stop();
  stop(); // again: nothing
  e.putRecords([]);
  assert.equal(seen.length, 3, "no call after unsubscribing");
  assert.equal(e.version, 4);
  e.free();
});

test("each subscription is its own, even of the same function; unsubscribing in a round skips the listener", () => {
  const e = new Engine(model());
  let calls = 0;
  const f = () => calls++;
  const s1 = e.subscribe(f);
  e.subscribe(f);
  e.putRecords([]);
  assert.equal(calls, 2);
  s1();
  e.putRecords([]);
  assert.equal(calls, 3);
  // The first listener stops the second during a round: the second is not called.
  const order = [];
  let stopB = null;
  const e2 = new Engine(model());
  e2.subscribe(() => { order.push("a"); stopB(); });
  stopB = e2.subscribe(() => order.push("b"));
  e2.subscribe(() => order.push("c"));
  e2.putRecords([]);
  assert.deepEqual(order, ["a", "c"]);
  e.free();
  e2.free();
});

test("a listener that throws: the change stands, the others run, the caller sees no error, the error is reported", () => {
  const e = new Engine(model());
  const reported = [];
  const had = Object.getOwnPropertyDescriptor(globalThis, "reportError");
  const error = console.error;
  const boom = new Error("listener bug");
  try {
    globalThis.reportError = (x) => reported.push(x);
    let after = 0;
    e.subscribe(() => { throw boom; });
    e.subscribe(() => after++);
    e.putRecords([{ id: "d2", module: "deals", owner: "cy" }]);
    assert.equal(after, 1);
    assert.deepEqual(reported, [boom]);
    assert.equal(e.can("cy", "view", "d2"), true, "the change stands");
    assert.equal(e.version, 1);
    // Without reportError (Node): console.error.
    delete globalThis.reportError;
    const logged = [];
    console.error = (...args) => logged.push(args);
    e.removeRecords(["d2"]);
    assert.equal(after, 2);
    assert.equal(logged.length, 1);
    assert.equal(logged[0].at(-1), boom);
    // A reporter that throws too changes nothing for the caller.
    globalThis.reportError = () => { throw new Error("reporter broken"); };
    e.putRecords([]);
    assert.equal(after, 3);
  } finally {
    console.error = error;
    if (had) Object.defineProperty(globalThis, "reportError", had);
    else delete globalThis.reportError;
    e.free();
  }
});

test("listeners may ask the engine and change it again (which notifies again)", () => {
  const e = new Engine(model());
  const answers = [];
  e.subscribe(() => {
    answers.push([e.version, e.recordCount(), e.filterStored("cy").includes("d2")]);
    if (e.version === 1) e.removeRecords(["d2"]);
  });
  e.putRecords([{ id: "d2", module: "deals", owner: "cy" }]);
  assert.equal(e.version, 2);
  // the nested change's round runs inside the first one's
  assert.deepEqual(answers, [[1, 2, true], [2, 1, false]]);
  assert.throws(() => e.can("cy", "view", "d2")); // removed by the listener
  e.free();
});

test("free() notifies (every answer now throws), then lets the listeners go; subscribe checks its argument", () => {
  const e = new Engine(model());
  let calls = 0, answer = null;
  e.subscribe(() => {
    calls++;
    try { e.can("ann", "view", "d1"); } catch (err) { answer = err.code; }
  });
  e.free();
  assert.equal(calls, 1);
  assert.equal(answer, "engine-freed");
  assert.equal(e.version, 1);
  assert.throws(() => e.subscribe(() => {}), { code: "engine-freed" });
  const f = new Engine(model());
  for (const bad of [undefined, null, "f", {}, 1]) {
    assert.throws(() => f.subscribe(bad), (err) => err instanceof TypeError && err.code === "invalid-input" && err.problems[0].path === "listener");
  }
  f.free();
});

// ---- crm-access/react on the server -------------------------------------------

const page = (engine, user, body, props = {}) => renderToString(h(CrmAccessProvider, { engine, user, ...props }, body));

test("<Can> renders its children or its fallback, function children get the answer", () => {
  const e = new Engine(model());
  const can = (user, action) => page(e, user, h(Can, { action, record: "d1", fallback: h("i", null, "no") }, h("b", null, "yes")));
  assert.equal(can("ann", "edit"), "<b>yes</b>"); // above the owner in the hierarchy
  assert.equal(can("bob", "edit"), "<b>yes</b>"); // the owner
  assert.equal(can("cy", "view"), "<i>no</i>"); // a fellow rep
  assert.equal(page(e, "cy", h(Can, { action: "view", record: "d1" }, "secret")), "", "no fallback: nothing");
  assert.equal(page(e, "bob", h(Can, { action: "view", record: "d1" }, (ok) => `answer ${ok}`)), "answer true");
  assert.equal(page(e, "cy", h(Can, { action: "view", record: "d1" }, (ok) => `answer ${ok}`)), "answer false");
  // a record object, as engine.can takes it
  assert.equal(page(e, "bob", h(Can, { action: "edit", record: { module: "deals", owner: "bob" } }, "mine")), "mine");
  assert.equal(page(e, "cy", h(Can, { action: "edit", record: { module: "deals", owner: "cy" } }, "mine")), "", "cy's profile has no edit");
  e.free();
});

function Probe({ record }) {
  const engine = useEngine();
  const fields = useFieldAccess("deals");
  return `${useCrmUser()} ${useCan("view", record)} ${useCan("edit", record)} ${Object.entries(fields).map(([k, v]) => `${k}:${v}`).join(",")} v${engine.version}`;
}

test("useCan, useFieldAccess, useEngine answer for the provider's user, and follow the engine's changes", () => {
  const e = new Engine(model());
  assert.equal(page(e, "cy", h(Probe, { record: "d1" })), `cy false false title:readOnly,amount:hidden v0`);
  assert.equal(page(e, "bob", h(Probe, { record: "d1" })), `bob true true title:editable,amount:readOnly v0`);
  // d1 handed to cy: the next render says so
  e.putRecords([{ id: "d1", module: "deals", owner: "cy" }]);
  assert.equal(page(e, "cy", h(Probe, { record: "d1" })), `cy true false title:readOnly,amount:hidden v1`);
  e.free();
});

test("errors: thrown during rendering by default; with onError, reported and answered as a denial", () => {
  const e = new Engine(model());
  const secret = h(Can, { action: "view", record: "d1", fallback: "denied" }, "secret");
  assert.throws(() => page(e, "nobody", secret), { code: "unknown-user" });
  assert.throws(() => page(e, "ann", h(Can, { action: "view", record: "missing" }, "secret")), { code: "unknown-record" });
  assert.throws(() => page(e, "ann", h(Can, { action: "view", record: { module: "nope" } }, "secret")), (err) => typeof err.code === "string" && Array.isArray(err.problems));
  const seen = [];
  const onError = (err, question) => seen.push([err.code, question]);
  assert.equal(page(e, "nobody", secret, { onError }), "denied");
  assert.equal(seen.length, 1);
  assert.equal(seen[0][0], "unknown-user");
  assert.equal(seen[0][1].hook, "useCan");
  assert.equal(seen[0][1].user, "nobody");
  assert.equal(seen[0][1].record, "d1");
  assert.equal(page(e, "ann", h(Can, { action: "view", record: "missing" }, (ok) => `ok=${ok}`), { onError }), "ok=false");
  assert.equal(page(e, "nobody", h(Probe, { record: "d1" }), { onError }).startsWith("nobody false false  v0"), true);
  // a freed engine: every question throws engine-freed
  const f = new Engine(model());
  f.free();
  assert.throws(() => page(f, "ann", secret), { code: "engine-freed" });
  assert.equal(page(f, "ann", secret, { onError }), "denied");
  e.free();
});

test("misuse is a clear error: no provider, no engine, no user", () => {
  assert.throws(() => renderToString(h(Can, { action: "view", record: "d1" }, "x")), /inside <CrmAccessProvider>/);
  assert.throws(() => renderToString(h(Probe, { record: "d1" })), /inside <CrmAccessProvider>/);
  assert.throws(() => page({}, "ann", "x"), /needs a crm-access Engine/);
  const e = new Engine(model());
  assert.throws(() => page(e, undefined, "x"), /needs the user's id/);
  assert.throws(() => page(e, "ann", "x", { onError: "log" }), /onError/);
  e.free();
});
