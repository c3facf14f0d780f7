// The demo's "In PostgreSQL" tab in headless Chromium: for several scenarios,
// users (the scenario's own, an outsider, a limited one) and modules, the page
// runs toSql(engine.plan(...)) on PGlite in the page; the rows it selects must be
// the ones the engine's filterStored gives (computed here, in Node, from the
// same scenario file), and the page must say so.
//   node --test tests/browser/sql.test.mjs      (needs pkg/ and npm ci for PGlite)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../node/load.mjs";
import { chooseScenario, launch, openPage, preflight, scenarioModel, scenarios, shot, startServer } from "./helpers.mjs";

let server, browser, page;

before(async () => {
  preflight();
  server = await startServer();
  browser = await launch();
  page = await openPage(browser, server.url);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Opens the SQL tab for (user, module, action) and waits for the query's answer. */
async function sqlView(user, module, action = "view") {
  await page.selectOption("#user-select", user);
  await page.click("#tab-sql");
  await page.waitForSelector("#sql-module");
  if ((await page.inputValue("#sql-module")) !== module) await page.selectOption("#sql-module", module);
  if ((await page.inputValue("#sql-action")) !== action) await page.selectOption("#sql-action", action);
  const want = `${user}|${module}|${action}`;
  await page.waitForFunction((w) => {
    const r = document.querySelector("#sql-result");
    return r && (r.dataset.state === "error" || (r.dataset.state === "done" && r.dataset.for === w));
  }, want, { timeout: 60000 });
  const state = await page.getAttribute("#sql-result", "data-state");
  assert.equal(state, "done", `SQL view failed: ${await page.textContent("#sql-result")}`);
  return {
    same: await page.getAttribute("#sql-result", "data-same"),
    sameText: (await page.textContent("#sql-same")).replace(/\s+/g, " "),
    where: await page.textContent("#sql-where"),
    params: await page.$$eval("#sql-params li", (lis) => lis.map((li) => JSON.parse(li.textContent))),
    rows: await page.$$eval("#sql-rows tr[data-record-id]", (trs) => trs.map((tr) => ({ id: tr.dataset.recordId, sql: tr.dataset.sql, engine: tr.dataset.engine }))),
  };
}

// The cases: per scenario, its own user and the first outsider and limited user it has,
// on every module that holds records (the first two for the extra users).
const cases = [];
for (const sc of scenarios()) {
  const model = scenarioModel(sc.file);
  const modules = [...new Set((model.records ?? []).map((r) => r.module))];
  const users = [sc.viewAs ?? model.users[0].id];
  const ext = model.users.find((u) => u.external);
  const lim = model.users.find((u) => u.limitedCrm || u.limitedDeals);
  for (const u of [ext, lim]) if (u && !users.includes(u.id)) users.push(u.id);
  users.forEach((user, i) => {
    for (const module of i === 0 ? modules : modules.slice(0, 2)) cases.push({ sc, model, user, module, action: "view" });
  });
  cases.push({ sc, model, user: users[0], module: modules[0], action: "edit" });
}

test("the SQL tab selects exactly the engine's rows, and says so", { timeout: 600000 }, async () => {
  let current = null;
  let engine = null;
  let nonEmpty = 0;
  let kinds = new Set();
  for (const c of cases) {
    if (current !== c.sc.id) {
      engine?.free?.();
      await chooseScenario(page, c.sc.id);
      engine = new Engine(c.model);
      current = c.sc.id;
    }
    const got = await sqlView(c.user, c.module, c.action);
    const inModule = new Set(c.model.records.filter((r) => r.module === c.module).map((r) => r.id));
    const expected = engine.filterStored(c.user, c.action).filter((id) => inModule.has(id)).sort();
    const bySql = got.rows.filter((r) => r.sql === "yes").map((r) => r.id).sort();
    const byPageEngine = got.rows.filter((r) => r.engine === "yes").map((r) => r.id).sort();
    const label = `${c.sc.id}: ${c.user} ${c.action} ${c.module}`;
    assert.deepEqual(bySql, expected, `${label}: PGlite's rows in the page`);
    assert.deepEqual(byPageEngine, expected, `${label}: the engine column of the page`);
    assert.equal(got.same, "yes", label);
    assert.match(got.sameText, /Same rows as the engine: yes/, label);
    assert.match(got.where, /^SELECT x\.id FROM "crm_records" "x" WHERE /, label);
    // the plan's ids travel as parameters: the user's id is never spliced into the text
    const plan = engine.plan(c.user, c.action, c.module);
    kinds.add(plan.kind);
    if (plan.kind === "conditional") assert.ok(!got.where.includes(`'${c.user}'`), `${label}: the user id is a parameter`);
    if (plan.kind !== "never") assert.equal(got.params[0], c.module, `${label}: $1 is the module`);
    if (expected.length) nonEmpty++;
  }
  engine?.free?.();
  assert.ok(cases.length >= 15, `only ${cases.length} cases`);
  assert.ok(nonEmpty >= 5, `only ${nonEmpty} cases with rows`);
  assert.ok(kinds.has("conditional"), "some plan is conditional");
  await shot(page, "sql-view");
  // PGlite came from this server (the repository's node_modules), not from a CDN
  assert.ok(page.requests.some((u) => u.startsWith(server.origin) && u.includes("/node_modules/@electric-sql/pglite/dist/")), "PGlite loaded from the demo server");
  assert.ok(page.requests.every((u) => u.startsWith(server.origin) || u.startsWith("data:") || u.startsWith("blob:")), "no request leaves the demo server");
  assert.deepEqual(page.errors, []);
});

test("the SQL tab follows the what-if and editor changes: a new record shows up in both", { timeout: 120000 }, async () => {
  const sc = scenarios()[0];
  await chooseScenario(page, sc.id);
  const model = structuredClone(scenarioModel(sc.file));
  const user = sc.viewAs ?? model.users[0].id;
  const module = model.records[0].module;
  model.records.push({ id: "sql-test-new", module, owner: user, fields: { name: "Added in the editor" } });
  await page.click("#tab-model");
  await page.$eval("#model-text", (ta, v) => {
    ta.value = v;
    ta.dispatchEvent(new Event("input", { bubbles: true }));
  }, JSON.stringify(model, null, 2));
  await page.waitForFunction(() => document.querySelector("#problem-count")?.hidden !== false);
  const engine = new Engine(model);
  const inModule = new Set(model.records.filter((r) => r.module === module).map((r) => r.id));
  const expected = engine.filterStored(user, "view").filter((id) => inModule.has(id)).sort();
  engine.free?.();
  // the model editor may apply on a timer: wait until the SQL tab sees the new record
  let got;
  for (let i = 0; i < 20; i++) {
    got = await sqlView(user, module);
    if (got.rows.some((r) => r.id === "sql-test-new")) break;
    await page.click("#tab-viewas");
    await page.waitForTimeout(250);
  }
  assert.deepEqual(got.rows.filter((r) => r.sql === "yes").map((r) => r.id).sort(), expected);
  assert.equal(got.same, "yes");
  assert.ok(expected.includes("sql-test-new"), "the owner sees their new record");
  assert.deepEqual(page.errors, []);
});
