// The two builds in a real browser: "crm-access" (pkg/index.js) loads the core
// build, which answers every decision question and refuses the full-only
// methods with a clear error; "crm-access/full" (pkg/full.js) has them all,
// and both answer decisions alike.
//   node --test tests/browser/builds.test.mjs
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launch, openPage, preflight, scenarios, startServer } from "./helpers.mjs";

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

test("the core build answers like the full build and refuses what it leaves out", async () => {
  const files = scenarios().map((sc) => sc.file);
  const out = await page.evaluate(async (files) => {
    const core = await import("../pkg/index.js");
    const full = await import("../pkg/full.js");
    let compared = 0, differ = 0;
    const refused = {};
    for (const f of files) {
      const model = await (await fetch(`scenarios/${f}`)).json();
      const a = new core.Engine(model), b = new full.Engine(model);
      for (const u of model.users) {
        for (const r of model.records) for (const act of ["view", "edit", "delete"]) {
          compared++;
          if (JSON.stringify(a.decide(u.id, act, r.id)) !== JSON.stringify(b.decide(u.id, act, r.id))) differ++;
        }
        if (JSON.stringify(a.filterStored(u.id)) !== JSON.stringify(b.filterStored(u.id))) differ++;
      }
      const u = model.users[0].id, r = model.records[0].id, m = model.modules[0].name;
      const calls = {
        whoCan: () => a.whoCan("view", r),
        explain: () => a.explain(u, "view", r),
        sliceFor: () => a.sliceFor(u),
        plan: () => a.plan(u, "view", m),
        apply: () => a.apply([]),
        impact: () => a.impact([]),
      };
      for (const [name, call] of Object.entries(calls)) {
        try { call(); refused[name] = "answered"; } catch (e) { refused[name] = `${e.code}: ${e.message}`; }
      }
      // the full build has them
      b.whoCan("view", r); b.explain(u, "view", r); b.sliceFor(u); b.plan(u, "view", m); b.impact([]);
      a.free(); b.free();
    }
    return { compared, differ, refused };
  }, files);
  assert.ok(out.compared > 100, `compared ${out.compared} decisions`);
  assert.equal(out.differ, 0);
  for (const [name, got] of Object.entries(out.refused)) {
    assert.match(got, /^not-in-this-build: /, name);
    assert.match(got, new RegExp(`${name}\\(\\) is not in this build.*crm-access/full`), name);
  }
  assert.deepEqual(page.errors, []);
});
