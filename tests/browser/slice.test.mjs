// The demo's "What this browser receives" tab (issue 13): for the viewed-as
// person, the slice engine.sliceFor gives them, its size, and a check that an
// engine built from it agrees with the page's; in headless Chromium.
//   node --test tests/browser/slice.test.mjs     (needs pkg/ and /usr/bin/chromium)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chooseScenario, launch, openPage, preflight, scenarioModel, scenarios, shot, startServer, viewAs } from "./helpers.mjs";
import { Engine } from "../node/load.mjs";

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

async function openSlice(user) {
  await viewAs(page, user);
  await page.click("#tab-slice");
  await page.waitForSelector("#slice-check");
  await page.waitForFunction(() => document.querySelector("#slice-gzip")?.textContent !== "…");
}

test("every scenario: the slice shown is sliceFor's, for the viewed-as person, and its engine agrees", async () => {
  for (const sc of scenarios()) {
    await chooseScenario(page, sc.id);
    const model = scenarioModel(sc.file);
    const full = new Engine(model);
    for (const user of [sc.viewAs, ...model.users.map((u) => u.id).filter((u) => u !== sc.viewAs).slice(0, 2)]) {
      await openSlice(user);
      assert.equal(await page.getAttribute("#slice-check", "data-ok"), "true", `${sc.id}/${user}: ${await page.textContent("#slice-check")}`);
      const shown = JSON.parse(await page.textContent("#slice-json"));
      assert.deepEqual(shown, full.sliceFor(user), `${sc.id}/${user}: the JSON shown is the slice`);
      const text = full.sliceFor(user, { json: true });
      assert.equal(Number(await page.getAttribute("#slice-bytes", "data-bytes")), Buffer.byteLength(text), `${sc.id}/${user}: its size`);
      assert.match(await page.textContent("#slice-gzip"), /^\d+(\.\d)? (B|KiB)$/);
      // nothing the person may not view is in it, but stubs named as parent or company
      const viewable = new Set(full.filterStored(user));
      for (const r of shown.records ?? []) {
        if (viewable.has(r.id)) assert.deepEqual(r.fields ?? {}, full.mask(user, r.id).fields, `${sc.id}/${user}: ${r.id}'s fields are the masked ones`);
        else assert.equal(r.fields, undefined, `${sc.id}/${user}: stub ${r.id} has no fields`);
      }
      assert.equal(Number(await page.getAttribute("#slice-records", "data-count")), (shown.records ?? []).length);
    }
    full.free();
  }
  await shot(page, "slice-tab");
  assert.deepEqual(page.errors, []);
});

test("changing the viewed-as person changes what the browser receives", async () => {
  const sc = scenarios().find((s) => s.id === "agency-extranet") ?? scenarios()[0];
  await chooseScenario(page, sc.id);
  const model = scenarioModel(sc.file);
  const [a, b] = [sc.viewAs, model.users.find((u) => !u.external && u.id !== sc.viewAs).id];
  await openSlice(a);
  const first = JSON.parse(await page.textContent("#slice-json"));
  await openSlice(b);
  const second = JSON.parse(await page.textContent("#slice-json"));
  assert.equal(first.sliceFor, a);
  assert.equal(second.sliceFor, b);
  assert.notDeepEqual(first.records, second.records);
});
