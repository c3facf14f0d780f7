// The demo's record panel (issue 12): "Who can see this" comes from
// whoCan() and lists exactly the people whose view decision is allowed, with
// their level; the why text comes from explain(), whose decisions are
// decide's, and a denied action says what would open it, in words built from
// explain()'s suggestions (each of which, applied to the model, opens it).
//   node --test tests/browser/who.test.mjs
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chooseScenario, launch, openPage, preflight, scenarioModel, scenarios, startServer, viewAs } from "./helpers.mjs";

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

async function openRecord(rid) {
  await page.check("#viewas-show-hidden");
  await page.click(`#viewas-table tr[data-record-id="${rid}"] th button`);
  await page.waitForSelector("#detail:not([hidden]) #detail-who");
}

// Asking every user of the scenario, in the page, with the package itself.
async function everyone(file, rid) {
  return page.evaluate(async ([file, rid]) => {
    const { Engine } = await import("../pkg/full.js");
    const model = await (await fetch(`scenarios/${file}`)).json();
    const engine = new Engine(model);
    const out = [];
    for (const u of model.users) {
      const d = engine.decide(u.id, "view", rid);
      if (d.allowed) out.push([u.id, d.access]);
    }
    engine.free();
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }, [file, rid]);
}

describe("who can see this, and what would open it", () => {
  test("the panel lists exactly the people allowed to view the record, with their level", async () => {
    for (const sc of scenarios()) {
      await chooseScenario(page, sc.id);
      const model = scenarioModel(sc.file);
      const uid = model.users[0].id;
      await viewAs(page, uid);
      for (const rec of model.records.filter((_, i) => i % 5 === 0)) {
        await openRecord(rec.id);
        const listed = await page.$$eval("#detail-who li", (lis) => lis.map((li) => [li.dataset.user, li.dataset.access]));
        assert.deepEqual(listed, await everyone(sc.file, rec.id), `${sc.id}/${rec.id}`);
        assert.ok(listed.length > 0, `${sc.id}/${rec.id}: someone may see it`);
      }
    }
    assert.deepEqual(page.errors, []);
  });

  test("a hidden record says what would open it, and doing that opens it", async () => {
    await chooseScenario(page, "enterprise-hierarchy");
    await viewAs(page, "nina");
    await openRecord("note-stefan-coaching");
    assert.match(await page.textContent("#detail-headline"), /^Hidden: /);
    const lines = await page.$$eval('#detail li[data-action="view"] .would-open li', (lis) => lis.map((li) => [li.dataset.grant, li.textContent]));
    assert.ok(lines.length > 0, "suggestions are shown");
    for (const [, text] of lines) assert.match(text, /^It would open if /);
    // each suggestion of explain(), applied to the scenario's model, opens the record
    const opened = await page.evaluate(async () => {
      const { Engine } = await import("../pkg/full.js");
      const model = await (await fetch("scenarios/enterprise-hierarchy.json")).json();
      const engine = new Engine(model);
      const x = engine.explain("nina", "view", "note-stefan-coaching");
      const sections = { user: "users", profile: "profiles", group: "groups", workspace: "workspaces", record: "records", sharingRule: "sharingRules" };
      return x.suggestions.map((s) => {
        const m = structuredClone(model);
        for (const c of s.changes) {
          const list = (m[sections[c.kind]] ??= []);
          if (c.op === "put") { list.push(c.value); continue; }
          let at = list.find((e) => e.id === c.id);
          for (const k of c.path.slice(0, -1)) at = at[k] ??= {};
          const k = c.path[c.path.length - 1];
          if (c.op === "set") at[k] = c.value; else (at[k] ??= []).push(c.value);
        }
        return new Engine(m).can("nina", "view", "note-stefan-coaching");
      });
    });
    assert.ok(opened.length > 0 && opened.every(Boolean), `every suggestion opens it: ${opened}`);
    // the why text still reads every reason in words (from explain()'s decision)
    const because = await page.$$eval('#detail li[data-action="view"] .because li', (lis) => lis.map((li) => li.textContent));
    assert.ok(because.some((t) => /role hierarchy is switched off for notes/.test(t)), because.join(" | "));
    assert.deepEqual(page.errors, []);
  });

  test("a grant through a subordinate names them, from explain()'s path", async () => {
    await chooseScenario(page, "enterprise-hierarchy");
    await viewAs(page, "helena");
    await openRecord("a-airbus");
    const because = await page.$$eval('#detail li[data-action="view"] .because li', (lis) => lis.map((li) => li.textContent));
    assert.ok(because.some((t) => /key-accounts-to-americas.*which includes someone who reports to you.*\(through Linda/.test(t)), because.join(" | "));
  });
});
