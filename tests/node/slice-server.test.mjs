// examples/slice-server.mjs: GET /me/slice sends the signed-in user their
// slice (and nothing for anyone not signed in); writes are judged by the
// server's engine as the browser's engine, built from the slice, judged them.
import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { Engine } from "./load.mjs";
import { createApp } from "../../examples/slice-server.mjs";

const model = {
  modules: [{ name: "companies" }, { name: "deals", parent: "companies", fields: ["amount", "margin"] }],
  roles: [{ id: "head", profiles: ["sales"] }, { id: "rep", parent: "head", profiles: ["sales"] }],
  profiles: [{ id: "sales", modules: {
    companies: { view: true, create: true, edit: true },
    deals: { view: true, create: true, edit: true, delete: true, fields: { amount: "editable", margin: "hidden" } },
  } }],
  users: [{ id: "ana", role: "head" }, { id: "raj", role: "rep" }, { id: "li", role: "rep" }],
  records: [
    { id: "c1", module: "companies", owner: "raj", fields: { name: "Acme" } },
    { id: "d1", module: "deals", owner: "raj", parent: "c1", fields: { amount: 1200, margin: 300 } },
    { id: "d2", module: "deals", owner: "li", fields: { amount: 800, margin: 90 } },
  ],
};

async function withServer(f) {
  const app = createApp({ Engine, model: structuredClone(model) });
  await new Promise((r) => app.server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${app.server.address().port}`;
  try { await f(base, app); } finally { await new Promise((r) => app.server.close(r)); app.engine.free(); }
}

const call = async (base, path, { token, method = "GET", body, gzip } = {}) => {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (gzip) headers["accept-encoding"] = "gzip";
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};

test("GET /me/slice: the signed-in user's slice, and only theirs", async () => {
  await withServer(async (base, app) => {
    assert.equal((await call(base, "/me/slice")).status, 401);
    assert.equal((await call(base, "/me/slice", { token: "cmFq.forged" })).status, 401);
    const { body: { token } } = await call(base, "/login?user=raj");
    const { status, body: slice } = await call(base, "/me/slice", { token });
    assert.equal(status, 200);
    assert.equal(slice.sliceFor, "raj");
    assert.deepEqual(slice, app.engine.sliceFor("raj"));
    // raj's own deal without its hidden margin; li's deal not at all
    assert.deepEqual(slice.records.map((r) => r.id).sort(), ["c1", "d1"]);
    assert.deepEqual(slice.records.find((r) => r.id === "d1").fields, { amount: 1200 });
    // the browser's engine answers raj as the server's does, and nobody else
    const browser = new Engine(slice);
    for (const id of ["c1", "d1"]) for (const a of ["view", "edit", "delete"]) assert.deepEqual(browser.decide("raj", a, id), app.engine.decide("raj", a, id));
    assert.throws(() => browser.can("ana", "view", "d1"), (e) => e.code === "unknown-user");
    browser.free();
  });
});

test("the slice travels gzipped when the client accepts it", async () => {
  await withServer(async (base, app) => {
    const { body: { token } } = await call(base, "/login?user=ana");
    const res = await fetch(base + "/me/slice", { headers: { authorization: `Bearer ${token}`, "accept-encoding": "gzip" } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), app.engine.sliceFor("ana")); // fetch inflates it
    const text = app.engine.sliceFor("ana", { json: true });
    assert.ok(zlib.gzipSync(text).length < text.length);
  });
});

test("writes: the server decides as the browser's engine did", async () => {
  await withServer(async (base, app) => {
    const { body: { token } } = await call(base, "/login?user=raj");
    const { body: slice } = await call(base, "/me/slice", { token });
    const browser = new Engine(slice);
    // raj edits the amount of d1 as the browser shows it: allowed, and the hidden margin survives
    const d1 = structuredClone(slice.records.find((r) => r.id === "d1"));
    d1.fields.amount = 1500;
    assert.equal(browser.decideUpdate("raj", "d1", d1).allowed, true);
    const saved = await call(base, "/records/d1", { token, method: "PUT", body: d1 });
    assert.equal(saved.status, 200);
    assert.deepEqual(saved.body.fields, { amount: 1500 });
    assert.deepEqual(app.db.get("d1").fields, { amount: 1500, margin: 300 });
    // setting the hidden margin is refused, by both
    const sneaky = { ...d1, fields: { amount: 1500, margin: 0 } };
    const refused = await call(base, "/records/d1", { token, method: "PUT", body: sneaky });
    assert.equal(refused.status, 403);
    assert.ok(refused.body.reasons.includes("field-not-editable:margin"), JSON.stringify(refused.body));
    assert.equal(browser.decideUpdate("raj", "d1", sneaky).allowed, false);
    // li's deal does not exist for raj
    assert.equal((await call(base, "/records/d2", { token, method: "PUT", body: { id: "d2", module: "deals", owner: "raj" } })).status, 404);
    assert.equal((await call(base, "/records/d2", { token, method: "DELETE" })).status, 404);
    // creating under a company raj may view: allowed by both; under one he may not: refused by both
    const draft = { id: "d9", module: "deals", owner: "raj", parent: "c1", fields: { amount: 5 } };
    assert.equal(browser.can("raj", "create", draft), true);
    assert.equal((await call(base, "/records", { token, method: "POST", body: draft })).status, 201);
    const { body: ana } = await call(base, "/login?user=ana");
    assert.equal((await call(base, "/records/d9", { token: ana.token, method: "DELETE" })).status, 200); // ana is raj's head
    browser.free();
  });
});
