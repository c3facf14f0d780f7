// End-to-end tests of the demo page (www/) in Debian's headless Chromium.
//   node --test tests/browser/
// Needs pkg/ (bash scripts/build.sh) and /usr/bin/chromium. Screenshots go to test-results/browser/.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ROOT, chooseScenario, launch, openPage, preflight, scenarioModel, scenarios, shot, startServer, viewAs,
} from "./helpers.mjs";

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

// ----------------------------------------------------------------- helpers reading the page

async function visibleRows() {
  return page.$$eval("#viewas-table tbody tr", (trs) => trs.map((tr) => ({
    id: tr.dataset.recordId,
    verdict: tr.dataset.verdict,
    badge: tr.querySelector(".badge")?.textContent.trim(),
    why: tr.querySelector(".why")?.textContent.trim(),
  })));
}

async function matrixLevels() {
  return page.$$eval("#matrix td.cell", (tds) => Object.fromEntries(tds.map((td) => [
    `${td.dataset.user}|${td.dataset.record}`, { level: td.dataset.level, changed: td.classList.contains("changed"), was: td.dataset.was ?? null },
  ])));
}

async function openMatrix() {
  await page.click("#tab-matrix");
  await page.waitForSelector("#matrix td.cell");
}

// Replaces the whole editor text the way a paste would (page.fill is very slow on a large textarea).
async function setEditorText(text) {
  await page.$eval("#model-text", (ta, v) => {
    ta.focus();
    ta.value = v;
    ta.dispatchEvent(new Event("input", { bubbles: true }));
  }, text);
}

async function resetFilters() {
  if (await page.isVisible("#whatif-reset")) await page.click("#whatif-reset");
}

// Which workspaces a user takes part in, read straight from the scenario JSON.
function workspacesOf(model, uid) {
  const u = model.users.find((x) => x.id === uid);
  const out = new Map();
  for (const w of model.workspaces ?? []) {
    const entry = (w.members ?? []).find((m) => m.user === uid);
    if (w.owner === uid || (w.moderators ?? []).includes(uid)) out.set(w.id, "manage");
    else if (entry) out.set(w.id, entry.readOnly ? "read-only" : "member");
    else if (u.external && u.company && u.company === w.counterparty) out.set(w.id, "member");
  }
  return out;
}

// ----------------------------------------------------------------- tests

describe("the crm-access demo page", () => {
  test("every built-in scenario loads, is accepted by the engine and fills every view", async () => {
    const list = scenarios();
    assert.equal(list.length, 5, "five built-in scenarios");
    for (const sc of list) {
      await chooseScenario(page, sc.id);
      const model = scenarioModel(sc.file);
      assert.ok(model.users.length >= 12, `${sc.id}: at least a dozen users`);
      assert.ok(model.records.length >= 24, `${sc.id}: a few dozen records`);
      assert.equal(await page.textContent("#scenario-title"), sc.title);
      assert.equal(await page.isVisible("#model-banner"), false, `${sc.id}: no problem banner`);

      // view as: the default user's records, each with a verdict
      await page.click("#tab-viewas");
      await page.check("#viewas-show-hidden");
      const rows = await visibleRows();
      assert.equal(rows.length, model.records.length, `${sc.id}: one row per record with hidden ones shown`);
      for (const r of rows) assert.ok(["hidden", "read-only", "editable", "deletable"].includes(r.verdict), `${sc.id}/${r.id}: verdict ${r.verdict}`);
      assert.ok(rows.some((r) => r.verdict !== "hidden"), `${sc.id}: the default user sees something`);
      assert.ok(rows.some((r) => r.verdict === "hidden"), `${sc.id}: the default user does not see everything`);
      await page.uncheck("#viewas-show-hidden");
      await shot(page, `scenario-${sc.id}-viewas`);

      // matrix: users × records, and not a uniform grid
      await openMatrix();
      const cells = await matrixLevels();
      assert.equal(Object.keys(cells).length, model.users.length * model.records.length, `${sc.id}: full grid`);
      const kinds = new Set(Object.values(cells).map((c) => c.level));
      assert.ok(kinds.has("none") && kinds.has("full") && kinds.size >= 3, `${sc.id}: grid uses several levels (${[...kinds]})`);
      assert.ok(!kinds.has("error"), `${sc.id}: no engine error in the grid`);
      await shot(page, `scenario-${sc.id}-matrix`);

      // people & invites
      await page.click("#tab-people");
      await page.waitForSelector("#visible-users li");
      assert.ok((await page.$$("#visible-users li")).length >= 1);

      // model editor: valid
      await page.click("#tab-model");
      assert.match(await page.textContent("#editor-status"), /^Valid/);
      assert.equal(await page.$$eval("#problems li", (l) => l.length).catch(() => 0), 0);
    }
    assert.deepEqual(page.errors, []);
    const foreign = page.requests.filter((u) => !u.startsWith(server.origin + "/") && !u.startsWith("data:"));
    assert.deepEqual(foreign, [], "the page works offline: nothing is fetched from elsewhere");
    assert.ok(page.requests.some((u) => u.endsWith("/pkg/crm_access_full_bg.wasm")), "the engine's wasm was loaded");
  });

  test("an agency client sees only her project, and all of it read-only", async () => {
    await chooseScenario(page, "agency-extranet");
    const model = scenarioModel("agency-extranet.json");
    const uid = "anne.sapins";
    await viewAs(page, uid);
    const ws = workspacesOf(model, uid);
    assert.deepEqual([...ws], [["sapins-website", "read-only"]], "the scenario makes her a read-only member of one project");
    const expected = model.records.filter((r) => r.owner === uid || (r.workspaces ?? []).some((w) => ws.has(w))).map((r) => r.id);
    const outside = model.records.filter((r) => !expected.includes(r.id)).map((r) => r.id);
    assert.ok(expected.length >= 8 && outside.length >= 15);

    const rows = await visibleRows();
    assert.deepEqual(rows.map((r) => r.id).sort(), [...expected].sort(), "exactly the records of her project are listed");
    for (const id of outside) assert.equal(await page.$(`#viewas-table tr[data-record-id="${id}"]`), null, `${id} is absent`);
    for (const r of rows) {
      assert.equal(r.verdict, "read-only", `${r.id} is read-only`);
      assert.equal(r.badge, "Read-only");
    }
    // the counts in the user card agree
    assert.match(await page.textContent('[data-count="read-only"]'), new RegExp(`^${expected.length} `));
    assert.match(await page.textContent('[data-count="hidden"]'), new RegExp(`^${outside.length} `));

    // a field-level secret is masked: billing terms of her own company
    const chips = await page.$$eval('#viewas-table tr[data-record-id="c-sapins"] .chip', (l) => l.map((c) => [c.dataset.field, c.dataset.access, c.textContent]));
    const billing = chips.find((c) => c[0] === "billingTerms");
    assert.ok(billing, "the billing terms chip exists");
    assert.equal(billing[1], "hidden");
    assert.ok(!billing[2].includes("30 days"), "the hidden value is not shown");

    // why? in plain words
    await page.click('#viewas-table tr[data-record-id="doc-sapins-brief"] th button');
    await page.waitForSelector("#detail:not([hidden]) #detail-headline");
    const headline = await page.textContent("#detail-headline");
    assert.match(headline, /^Read-only: /);
    assert.match(headline, /sapins-website/);
    assert.match(headline, /read-only/);
    assert.equal(await page.getAttribute('#detail li[data-action="edit"]', "class"), "no");
    await shot(page, "external-client-explanation");
    await page.keyboard.press("Escape");
    assert.equal(await page.isVisible("#detail"), false);

    // the summary chips filter by verdict
    await page.click('[data-count="hidden"]');
    const onlyHidden = await visibleRows();
    assert.deepEqual(onlyHidden.map((r) => r.id).sort(), [...outside].sort());
    assert.equal(await page.getAttribute('[data-count="hidden"]', "aria-pressed"), "true");
    await page.click('[data-count="hidden"]');
    assert.equal((await visibleRows()).length, expected.length);

    // hidden records can be revealed, and they say they are hidden
    await page.check("#viewas-show-hidden");
    const all = await visibleRows();
    assert.equal(all.length, model.records.length);
    for (const id of outside) assert.equal(all.find((r) => r.id === id).verdict, "hidden", `${id} is hidden`);
    const why = all.find((r) => r.id === "doc-orbis-logo").why;
    assert.match(why, /outside user|none of your workspaces/i);
    await page.uncheck("#viewas-show-hidden");
    assert.deepEqual(page.errors, []);
  });

  test("a law-firm client with three case files sees exactly those, one of them read-only", async () => {
    await chooseScenario(page, "law-firm");
    const model = scenarioModel("law-firm.json");
    const uid = "marie.dupont";
    await viewAs(page, uid);
    const ws = workspacesOf(model, uid);
    assert.equal(ws.size, 3);
    const rows = await visibleRows();
    const listed = new Map(rows.map((r) => [r.id, r.verdict]));
    for (const r of model.records) {
      const mine = (r.workspaces ?? []).filter((w) => ws.has(w));
      if (!mine.length && r.owner !== uid) {
        assert.ok(!listed.has(r.id), `${r.id} (outside her files) is absent`);
        continue;
      }
      if (r.module === "timesheets") continue;
      assert.ok(listed.has(r.id), `${r.id} (in ${mine}) is listed`);
      if (mine.length && mine.every((w) => ws.get(w) === "read-only") && r.owner !== uid) {
        assert.equal(listed.get(r.id), "read-only", `${r.id}: her access to ${mine} is read-only`);
      }
    }
    assert.ok(!listed.has("d-estate-memo"), "an internal memo of her own case, kept outside the workspace, stays hidden");
    assert.equal(listed.get("d-lease-draft"), "editable", "a full member may edit documents of the file");
    assert.ok(![...listed.keys()].some((id) => id.startsWith("t-")), "time sheets never reach clients");
    await shot(page, "law-firm-client");
    assert.deepEqual(page.errors, []);
  });

  test("a limited-CRM rep sees the companies he manages, first or second, and what hangs off them", async () => {
    await chooseScenario(page, "sales-team");
    const model = scenarioModel("sales-team.json");
    await viewAs(page, "quentin");
    const rows = new Map((await visibleRows()).map((r) => [r.id, r]));
    const managed = new Set(model.records.filter((r) => r.module === "companies" && (r.accountManagers ?? []).includes("quentin")).map((r) => r.id));
    assert.deepEqual([...managed].sort(), ["c-alpine", "c-boreal"]);
    for (const r of model.records.filter((x) => x.module === "companies")) assert.equal(rows.has(r.id), managed.has(r.id), `${r.id}`);
    for (const r of model.records.filter((x) => ["contacts", "deals", "quotes"].includes(x.module) && x.company)) {
      assert.equal(rows.has(r.id), managed.has(r.company), `${r.id} follows its company ${r.company}`);
    }
    assert.match(rows.get("c-alpine").why, /second account manager/);
    assert.match(rows.get("c-boreal").why, /first account manager/);
    assert.match(rows.get("k-alpine-buyer").why, /Alpine Sports/);
  });

  test("the hierarchy, groups and related sharing are explained in plain words", async () => {
    await chooseScenario(page, "enterprise-hierarchy");
    await viewAs(page, "nina");
    let rows = new Map((await visibleRows()).map((r) => [r.id, r]));
    assert.equal(rows.get("a-siemens").verdict, "deletable");
    assert.equal(rows.get("a-siemens").why, "Owned by Stefan, who reports to you");
    assert.ok(!rows.has("a-renault"), "a peer's team (France) stays hidden");
    await viewAs(page, "karl");
    rows = new Map((await visibleRows()).map((r) => [r.id, r]));
    assert.match(rows.get("a-renault").why, /^Owned by Pierre, who reports to you indirectly \(rep-france → manager-france → director-emea\)/);
    assert.match(rows.get("a-nestle").why, /group “strategic-pursuits”, and you belong to that group/);
    await viewAs(page, "ursula");
    rows = new Map((await visibleRows()).map((r) => [r.id, r]));
    assert.equal(rows.get("case-bosch-invoice").verdict, "editable");
    assert.match(rows.get("case-bosch-invoice").why, /rule “emea-accounts-to-service” shares its parent “Bosch Power Tools” with you/);
    // contract v2: what is shared by hand with Victor reaches his manager; notes keep the hierarchy off
    assert.equal(rows.get("o-startup")?.verdict, "read-only");
    assert.match(rows.get("o-startup").why, /shared by hand with Victor, below you in the role hierarchy/);
    assert.ok(!rows.has("o-bosch"), "the rule shares contacts and cases, not opportunities");
    await viewAs(page, "nina");
    await page.check("#viewas-show-hidden");
    rows = new Map((await visibleRows()).map((r) => [r.id, r]));
    await page.uncheck("#viewas-show-hidden");
    assert.equal(rows.get("note-stefan-coaching").verdict, "hidden");
    assert.match(rows.get("note-stefan-coaching").why, /^Owned by Stefan, who reports to you, but the role hierarchy is switched off for notes/);
  });

  test("breaking the model JSON shows the problem with its path and keeps the last valid state", async () => {
    await chooseScenario(page, "agency-extranet");
    await openMatrix();
    const before = await matrixLevels();
    await page.click("#tab-model");
    const original = await page.inputValue("#model-text");

    // type a typo into the second user's role: "accounts" -> "acounts"
    const at = original.indexOf('{ "id": "hugo", "role": "accounts"');
    assert.ok(at > 0);
    const caret = at + '{ "id": "hugo", "role": "ac'.length;
    await page.$eval("#model-text", (ta, pos) => { ta.focus(); ta.setSelectionRange(pos, pos); }, caret);
    await page.keyboard.press("Delete");
    const broken = await page.inputValue("#model-text");
    assert.equal(broken, original.slice(0, caret) + original.slice(caret + 1));
    await page.waitForSelector('#problems li[data-path="users[1].role"]');
    const item = await page.textContent('#problems li[data-path="users[1].role"]');
    assert.match(item, /acounts/);
    const line = broken.slice(0, broken.indexOf('"acounts"')).split("\n").length;
    assert.match(item, new RegExp(`line ${line}(?!\\d)`), "the problem names its line");
    assert.ok((await page.$$eval("#gutter .err", (l) => l.map((d) => d.textContent))).includes(String(line)), "the gutter marks the line");
    assert.match(await page.textContent("#editor-marks .mark-msg"), /users\[1\]\.role: unknown role "acounts"/, "the message sits next to the line");
    assert.match(await page.textContent("#editor-status"), /1 problem/);
    assert.ok(await page.isVisible("#model-banner"));
    assert.match(await page.textContent("#model-banner"), /last valid/);
    await shot(page, "editor-problem");

    // jumping to the problem selects it in the text
    await page.click('#problems li[data-path="users[1].role"] button.path');
    const selected = await page.$eval("#model-text", (t) => t.value.slice(t.selectionStart, t.selectionEnd));
    assert.match(selected, /^"role": "acounts"/);

    // the rest of the page still shows the last valid model
    await openMatrix();
    assert.deepEqual(await matrixLevels(), before);
    await page.click("#tab-viewas");
    assert.ok((await visibleRows()).length > 0);

    // a syntax error is reported with its position too
    await page.click("#tab-model");
    await setEditorText(original.replace(/\}\s*$/, ""));
    await page.waitForSelector('#problems li[data-path="(JSON syntax)"]');
    assert.match(await page.textContent('#problems li[data-path="(JSON syntax)"]'), /line \d+/);

    // fixing it clears everything
    await setEditorText(original);
    await page.waitForSelector(".all-good");
    assert.equal(await page.isVisible("#model-banner"), false);
    assert.match(await page.textContent("#editor-status"), /^Valid/);
    assert.deepEqual(page.errors, []);
  });

  test("a valid edit re-evaluates live", async () => {
    await chooseScenario(page, "agency-extranet");
    await page.click("#tab-model");
    const original = await page.inputValue("#model-text");
    const edited = original.replace('{ "user": "anne.sapins", "readOnly": true }', '{ "user": "anne.sapins" }');
    assert.notEqual(edited, original);
    await openMatrix();
    const before = await matrixLevels();
    assert.equal(before["anne.sapins|doc-sapins-brief"].level, "read");
    await page.click("#tab-model");
    await setEditorText(edited);
    await page.waitForFunction(() => document.querySelector("#live-table tr[data-user='anne.sapins'] td:nth-of-type(2)")?.textContent !== "0");
    await openMatrix();
    const after = await matrixLevels();
    assert.equal(after["anne.sapins|doc-sapins-brief"].level, "write", "a full member may now edit");
    assert.equal(after["hugo|doc-sapins-brief"].level, before["hugo|doc-sapins-brief"].level, "others are untouched");
    await page.click("#tab-model");
    await setEditorText(original);
    await page.waitForSelector(".all-good");
  });

  test("what-if: toggling a read-only flag highlights exactly the cells that change", async () => {
    await chooseScenario(page, "agency-extranet");
    await openMatrix();
    const before = await matrixLevels();
    assert.ok(Object.values(before).every((c) => !c.changed), "nothing highlighted before any change");
    await page.selectOption("#matrix-order", "reach");
    const order = await page.$$eval("#matrix tbody tr", (l) => l.map((tr) => tr.dataset.user));
    assert.equal(order[0], "it", "the administrator reaches the most");
    assert.equal(order.length, scenarioModel("agency-extranet.json").users.length);
    await page.selectOption("#matrix-order", "model");
    await page.selectOption("#whatif-user", "nora");
    assert.equal(await page.isChecked("#whatif-readOnly"), true, "Nora is read-only in the scenario");
    await page.uncheck("#whatif-readOnly");
    await page.waitForSelector("#matrix td.cell.changed");
    const after = await matrixLevels();
    const changed = Object.entries(after).filter(([, c]) => c.changed);
    assert.ok(changed.length >= 10, `many cells change (${changed.length})`);
    for (const [k, c] of changed) {
      assert.ok(k.startsWith("nora|"), `${k} belongs to Nora`);
      assert.equal(c.was, before[k].level);
      assert.notEqual(c.level, before[k].level);
      assert.ok(["write", "full"].includes(c.level), `${k} gains write access (${c.level})`);
    }
    for (const [k, c] of Object.entries(after)) if (!c.changed) assert.equal(c.level, before[k].level, `${k} unchanged`);
    assert.match(await page.textContent("#matrix-status"), new RegExp(`^${changed.length} cells changed`));
    // the impact list (engine.impact): Nora gains edit on each changed cell, nobody loses anything
    const total = await page.textContent("#whatif-impact-total");
    const [, gained, lost, people] = /^(\d+) gained, (\d+) lost, for (\d+) person/.exec(total) ?? [];
    assert.ok(+gained >= changed.length && +lost === 0 && +people === 1, total);
    assert.equal(await page.$("#whatif-lost"), null);
    const listed = await page.$$eval("#whatif-gained li", (l) => l.map((li) => li.textContent));
    assert.ok(listed.length > 0 && listed.every((t) => /may now (see|edit|delete)/.test(t)), listed.join("; "));
    await shot(page, "whatif-read-only");

    // only-changed filter narrows the grid to Nora
    await page.check("#matrix-changed-only");
    const rowsShown = await page.$$eval("#matrix tbody tr", (l) => l.map((tr) => tr.dataset.user));
    assert.deepEqual(rowsShown, ["nora"]);
    await page.uncheck("#matrix-changed-only");

    await page.click("#whatif-reset");
    await page.waitForFunction(() => !document.querySelector("#matrix td.cell.changed"));
    assert.deepEqual(await matrixLevels(), before);
    assert.deepEqual(page.errors, []);
  });

  test("what-if: limited CRM access takes companies away from a rep", async () => {
    await chooseScenario(page, "sales-team");
    await openMatrix();
    const before = await matrixLevels();
    assert.notEqual(before["ugo|c-alpine"].level, "none", "Ugo sees Alpine through the public default");
    await page.selectOption("#whatif-user", "ugo");
    await page.check("#whatif-limitedCrm");
    await page.waitForSelector('#matrix td.cell.changed[data-user="ugo"]');
    const after = await matrixLevels();
    assert.equal(after["ugo|c-alpine"].level, "none");
    assert.ok(after["ugo|c-alpine"].changed);
    assert.notEqual(after["ugo|c-harbor"].level, "none", "he still manages Harbor");
    assert.equal(after["ugo|task-forecast"].level, before["ugo|task-forecast"].level, "tasks are outside limited access");
    await page.hover('#matrix td.cell[data-user="ugo"][data-record="c-alpine"]');
    assert.match(await page.getAttribute('#matrix td.cell[data-user="ugo"][data-record="c-alpine"]', "title"),
      /was Read & edit\)\nHidden: you have limited CRM access and are not an account manager of this company/);
    await shot(page, "whatif-limited-crm");
    await resetFilters();
  });

  test("what-if: an invalid change (external admin) is explained, not applied", async () => {
    await chooseScenario(page, "agency-extranet");
    await openMatrix();
    const before = await matrixLevels();
    await page.selectOption("#whatif-user", "it");
    await page.check("#whatif-external");
    await page.waitForSelector("#whatif-problems");
    const text = await page.textContent("#whatif-problems");
    assert.match(text, /users\[7\]/, "the problem names the user's path");
    assert.match(text, /\(it\)/, "and the user");
    assert.deepEqual(await matrixLevels(), before, "the grid keeps the last valid state");
    assert.match(await page.textContent("#matrix-status"), /invalid/);
    await shot(page, "whatif-invalid");
    await page.uncheck("#whatif-external");
    await page.waitForFunction(() => !document.querySelector("#whatif-problems"));
    assert.deepEqual(page.errors, []);
  });

  test("what-if: adding a sharing rule opens records to the receiving role", async () => {
    await chooseScenario(page, "enterprise-hierarchy");
    await openMatrix();
    const before = await matrixLevels();
    assert.equal(before["victor|o-walmart"].level, "none");
    await page.selectOption("#rule-module", "opportunities");
    await page.selectOption("#rule-from", JSON.stringify({ role: "rep-us" }));
    await page.selectOption("#rule-to", JSON.stringify({ roleAndSubordinates: "support-lead" }));
    await page.selectOption("#rule-access", "read");
    await page.click("#rule-add");
    await page.waitForSelector('#matrix td.cell.changed[data-user="victor"]');
    const after = await matrixLevels();
    assert.equal(after["victor|o-walmart"].level, "read");
    assert.equal(after["ursula|o-walmart"].level, "read");
    assert.equal(after["victor|o-renault-vans"].level, before["victor|o-renault-vans"].level, "a French deal is not covered");
    for (const [k, c] of Object.entries(after)) if (c.changed) assert.ok(/\|o-(walmart)$/.test(k), `${k} is a US rep's opportunity`);
    await page.click("#tab-viewas");
    await viewAs(page, "victor");
    await page.click('#viewas-table tr[data-record-id="o-walmart"] th button');
    assert.match(await page.textContent("#detail-headline"), /sharing rule “what-if-\d+”/);
    await page.keyboard.press("Escape");
    await openMatrix();
    await resetFilters();
    assert.deepEqual(page.errors, []);
  });

  test("every reason the engine gives in the scenarios has a plain sentence", async () => {
    const files = scenarios().map((sc) => sc.file);
    const result = await page.evaluate(async (files) => {
      const { Engine } = await import("../pkg/index.js");
      const { sentence } = await import("./js/explain.js");
      const { indexModel } = await import("./js/model.js");
      const seen = new Set(), unknown = new Set();
      for (const f of files) {
        const model = await (await fetch(`scenarios/${f}`)).json();
        const engine = new Engine(model);
        const ix = indexModel(model);
        for (const u of model.users) for (const r of model.records) for (const a of ["view", "edit", "delete", "create"]) {
          for (const code of engine.decide(u.id, a, a === "create" ? { module: r.module, workspaces: r.workspaces } : r.id).reasons) {
            const kind = code.split(":")[0];
            seen.add(kind);
            const text = sentence(ix, u.id, r, code);
            if (!text || text.startsWith("engine reason")) unknown.add(code);
          }
        }
        engine.free();
      }
      return { seen: [...seen].sort(), unknown: [...unknown] };
    }, files);
    assert.deepEqual(result.unknown, [], "reason codes without a sentence");
    for (const kind of ["owner", "hierarchy", "group-owner", "account-manager", "workspace-read-only", "workspace-counterparty",
      "workspace-participant", "workspace-not-involved", "default-sharing", "sharing-rule", "related-sharing", "view-all",
      "no-record-security", "limited-crm-managed", "limited-crm-unmanaged", "limited-deals-own", "limited-deals-not-own",
      "read-only-user", "record-type-hidden", "profile-closed", "no-grant", "external-outside-workspaces", "admin", "inactive",
      "shared", "audits-workspace", "controlled-by-parent", "participant"]) {
      assert.ok(result.seen.includes(kind), `the scenarios exercise “${kind}”`);
    }
  });

  test("every reason code the engine can give (reasonCodes()) has a real sentence, and is sorted as a grant or a limit", async () => {
    // which codes carry an argument (`workspace-owner:ws1`), read from the enum in src/reason.rs
    const rs = readFileSync(join(ROOT, "src/reason.rs"), "utf8");
    const withArg = [...rs.matchAll(/^\s*[A-Z]\w*\([^)]*\) = "([a-z-]+)",$/gm)].map((m) => m[1]);
    assert.ok(withArg.includes("workspace-owner") && withArg.includes("shared"));
    const result = await page.evaluate(async (withArg) => {
      const { reasonCodes } = await import("../pkg/index.js");
      const { sentence, LIMIT_CODES, GRANT_CODES } = await import("./js/explain.js");
      const { indexModel } = await import("./js/model.js");
      const model = await (await fetch("scenarios/agency-extranet.json")).json();
      const ix = indexModel(model);
      const rec = (id) => ix.records.get(id);
      // an argument, a record and a person for which each code reads naturally
      const ARG = {
        "profile-closed": "edit", "shared": "accounts", "subordinate-shared": "accounts", "controlled-by-parent": "c-orbis",
        "parent-not-viewable": "c-orbis", "company-not-viewable": "c-orbis", "move-parent-not-viewable": "c-orbis",
        "move-company-not-viewable": "c-orbis", "field-not-editable": "budget", "handover-needs-full": "owner",
        "sharing-rule": "rates-to-accounts", "related-sharing": "rates-to-accounts", "subordinate-rule": "rates-to-accounts",
        "subordinate-related": "rates-to-accounts",
        "parent-not-stored": "d-gone", "company-not-stored": "c-gone",
      };
      const codes = reasonCodes();
      const bad = [];
      for (const code of codes) {
        for (const full of [withArg.includes(code) ? `${code}:${ARG[code] ?? "orbis-launch-event"}` : code]) {
          for (const [uid, rid] of [["hugo", "doc-rates"], ["carla.orbis", "i-event-venue"], ["david.orbis", "k-david"]]) {
            const text = sentence(ix, uid, rec(rid), full);
            if (typeof text !== "string" || text.length < 8 || text.startsWith("engine reason") || text === code || text === full || /undefined|null|\[object/.test(text)) bad.push(`${full} → ${text}`);
          }
        }
      }
      return { codes, bad, limits: LIMIT_CODES, grants: GRANT_CODES };
    }, withArg);
    assert.ok(result.codes.length >= 50, `${result.codes.length} codes`);
    for (const c of ["shared", "subordinate-shared", "audits-workspace", "controlled-by-parent", "subordinate-rule", "update-allowed", "share-change-needs-can-share"]) {
      assert.ok(result.codes.includes(c), `the engine lists ${c}`);
    }
    assert.deepEqual(result.bad, [], "codes without a real sentence");
    assert.deepEqual([...result.limits, ...result.grants].sort(), [...result.codes].sort(), "explain.js sorts exactly the engine's codes into limits and grants");
    assert.equal(new Set([...result.limits, ...result.grants]).size, result.codes.length, "no code is both");
  });

  test("v2 in the agency: a client added to one meeting, contacts that follow their company, a share, a project auditor", async () => {
    await chooseScenario(page, "agency-extranet");
    const model = scenarioModel("agency-extranet.json");
    // Carla (Orbis) is not part of the launch event, but was added to its venue visit
    await viewAs(page, "carla.orbis");
    let rows = new Map((await visibleRows()).map((r) => [r.id, r]));
    assert.equal(rows.get("i-event-venue")?.verdict, "read-only", "the one meeting she was added to is open to her");
    assert.match(rows.get("i-event-venue").why, /added to this item of “orbis-launch-event”, a project you are not part of, as a participant/);
    assert.ok(!rows.has("doc-event-plan") && !rows.has("doc-event-photos"), "the rest of that project stays hidden");
    assert.match(await page.textContent("#panel-viewas .user-card"), /Also opens\s*orbis-launch-event \(projects of records open to them\)/, "workspacesOf lists the project of that meeting");
    // David's own contact record is in no project: it follows his company, which is
    await viewAs(page, "david.orbis");
    rows = new Map((await visibleRows()).map((r) => [r.id, r]));
    assert.equal(model.records.find((r) => r.id === "k-david").workspaces, undefined);
    assert.equal(rows.get("k-david")?.verdict, "read-only");
    assert.match(rows.get("k-david").why, /follows its parent “.*Orbis.*”/);
    // the rate card is shared by hand with the account managers' role
    await viewAs(page, "hugo");
    rows = new Map((await visibleRows()).map((r) => [r.id, r]));
    assert.equal(rows.get("doc-rates")?.verdict, "read-only");
    assert.match(rows.get("doc-rates").why, /shared by hand with the role “accounts”, which includes you \(read\)/);
    await page.click('#viewas-table tr[data-record-id="doc-rates"] th button');
    await page.waitForSelector("#detail:not([hidden]) #detail-headline");
    assert.match(await page.textContent('#detail li[data-action="view"]'), /It was shared by hand with the role “accounts”/);
    // the panel answers canShare and recordFieldAccess for this person and record
    assert.equal(await page.getAttribute("#detail-can-share", "data-can-share"), "false", "a read share does not let Hugo share it on");
    assert.equal(await page.getAttribute('#detail tr[data-field="version"] td[data-record-access]', "data-record-access"), "readOnly");
    assert.match(await page.textContent("#detail .facts"), /Shared by hand with\s*accounts \(read\)/);
    await page.keyboard.press("Escape");
    await viewAs(page, "lea");
    assert.equal(await page.$('#viewas-table tr[data-record-id="doc-rates"]'), null, "a creative does not get the rate card");
    // Marc (finance) audits the launch event: every record of it is his to delete
    await viewAs(page, "marc");
    rows = new Map((await visibleRows()).map((r) => [r.id, r]));
    const event = model.records.filter((r) => (r.workspaces ?? []).includes("orbis-launch-event"));
    assert.ok(event.length >= 3);
    for (const r of event) assert.equal(rows.get(r.id)?.verdict, "deletable", `${r.id} is fully open to the project auditor`);
    assert.match(rows.get("doc-event-plan").why, /you audit the project “orbis-launch-event”/i);
    await page.click('#viewas-table tr[data-record-id="doc-event-plan"] th button');
    await page.waitForSelector("#detail:not([hidden]) #detail-can-share");
    assert.equal(await page.getAttribute("#detail-can-share", "data-can-share"), "true", "full access: the auditor may share it");
    assert.equal(await page.getAttribute('#detail tr[data-field="budget"] td[data-record-access]', "data-record-access"), "editable");
    await page.keyboard.press("Escape");
    assert.deepEqual(page.errors, []);
  });

  test("every form control has an accessible name", async () => {
    await chooseScenario(page, "law-firm");
    for (const tab of ["viewas", "matrix", "people", "model"]) {
      await page.click(`#tab-${tab}`);
      const unnamed = await page.$$eval("main input, main select, main textarea, main button, header select", (els) => els
        .filter((el) => el.offsetParent !== null)
        .filter((el) => !((el.labels && el.labels.length) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.textContent.trim()))
        .map((el) => el.outerHTML.slice(0, 80)));
      assert.deepEqual(unnamed, [], `unnamed controls on the ${tab} tab`);
    }
    const tabs = await page.$$eval('[role="tab"]', (l) => l.map((t) => [t.id, t.getAttribute("aria-selected"), document.getElementById(t.getAttribute("aria-controls"))?.hidden]));
    assert.deepEqual(tabs.filter(([, sel]) => sel === "true").map(([id]) => id), ["tab-model"]);
    for (const [, sel, hidden] of tabs) assert.equal(hidden, sel !== "true", "only the selected tab's panel is shown");
  });

  test("a shared link reopens the same setup, person and view", async () => {
    const p2 = await openPage(browser, `${server.url}#scenario=sales-team&user=tara&tab=matrix`);
    try {
      assert.equal(await p2.inputValue("#scenario-select"), "sales-team");
      assert.equal(await p2.inputValue("#user-select"), "tara");
      assert.equal(await p2.getAttribute("#tab-matrix", "aria-selected"), "true");
      await p2.waitForSelector('#matrix tr.current[data-user="tara"]');
      assert.deepEqual(p2.errors, []);
    } finally {
      await p2.close();
    }
  });

  test("without the built package the page says what to do instead of breaking", async () => {
    const p2 = await browser.newPage();
    try {
      await p2.route("**/pkg/full.js", (route) => route.fulfill({ status: 404, body: "not found" }));
      await p2.goto(server.url);
      await p2.waitForSelector('body[data-ready="error"]');
      const msg = await p2.textContent("#panel-viewas [role=alert]");
      assert.match(msg, /could not be loaded/);
      assert.match(msg, /scripts\/demo\.sh/);
      assert.match(await p2.textContent("#engine-status"), /unavailable/);
      await shot(p2, "engine-missing");
    } finally {
      await p2.close();
    }
  });

  test("people picker: an outsider only meets fellow workspace members", async () => {
    await chooseScenario(page, "extranet-groups");
    const model = scenarioModel("extranet-groups.json");
    const uid = "yuri.supplier";
    await viewAs(page, uid);
    await page.click("#tab-people");
    await page.waitForSelector("#visible-users li");
    const seen = await page.$$eval("#visible-users li", (l) => l.map((li) => li.dataset.user));
    const mine = workspacesOf(model, uid);
    const fellows = new Set([uid]);
    for (const u of model.users) {
      if (u.active === false) continue;
      const theirs = workspacesOf(model, u.id);
      if ([...mine.keys()].some((w) => theirs.has(w))) fellows.add(u.id);
    }
    assert.deepEqual(seen.sort(), [...fellows].sort());
    assert.ok(!seen.includes("olga"), "the manager of another group stays out of sight");
    const invite = await page.$$eval("#workspace-table tbody tr", (l) => Object.fromEntries(l.map((tr) => [tr.dataset.workspace, tr.querySelector("td:last-child").textContent])));
    assert.equal(invite["supplier-portal"], "No", "a counterparty contact may not invite");
    const creates = await page.$$eval("#create-rights li", (l) => Object.fromEntries(l.map((li) => [li.dataset.module, li.querySelector(".yn").textContent])));
    assert.equal(creates.tasks, "Yes", "the extranet profile may create tasks in the supplier portal");
    assert.equal(creates.events, "No", "but not events (view only)");
    await shot(page, "people-outsider");

    await viewAs(page, "nick");
    await page.click("#tab-people");
    const nickInvite = await page.$$eval("#workspace-table tbody tr", (l) => Object.fromEntries(l.map((tr) => [tr.dataset.workspace, tr.querySelector("td:last-child").textContent])));
    assert.equal(nickInvite["partner-network"], "Yes", "members may invite to a members-policy group");
    assert.equal(nickInvite["product-launch"], "No", "only the owner invites to product-launch");
    assert.deepEqual(page.errors, []);
  });
});
