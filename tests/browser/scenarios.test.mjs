// The demo's built-in scenarios are valid models, realistic in size, and each shows what it claims.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT, scenarioModel, scenarios } from "./helpers.mjs";

const node = join(ROOT, "pkg/node/index.mjs");
const { Engine } = existsSync(node) ? await import(node) : {};

test("the engine accepts every scenario as it is", { skip: !Engine && "pkg/ not built" }, () => {
  for (const sc of scenarios()) {
    const model = scenarioModel(sc.file);
    let engine;
    try {
      engine = new Engine(model);
    } catch (err) {
      assert.fail(`${sc.file}: ${JSON.stringify(err.problems ?? err.message)}`);
    }
    assert.ok(model.users.length >= 12, `${sc.file}: ${model.users.length} users`);
    assert.ok(model.records.length >= 24, `${sc.file}: ${model.records.length} records`);
    assert.ok(model.users.some((u) => u.id === sc.viewAs), `${sc.file}: the first person to view as exists`);
    assert.ok(sc.title && sc.summary && sc.id, `${sc.file}: listed with a title and a summary`);
    engine.free();
  }
});

test("each scenario exercises the features it is there to show", { skip: !Engine && "pkg/ not built" }, () => {
  const by = Object.fromEntries(scenarios().map((s) => [s.id, scenarioModel(s.file)]));
  const a = by["agency-extranet"];
  assert.ok(a.workspaces.length >= 4 && a.workspaces.some((w) => w.members.some((m) => m.readOnly)), "agency: client projects, some read-only");
  // contract v2: records that follow their parent, a client involved in one record outside her projects,
  // a project auditor, records shared by hand
  const all = Object.values(by);
  const models = (pred) => all.filter(pred).length;
  assert.ok(models((m) => m.modules.some((x) => x.controlledByParent && x.parent && m.records.some((r) => r.module === x.name && r.parent))),
    "some scenario has records that follow their parent (controlledByParent)");
  assert.ok(models((m) => (m.workspaces ?? []).some((w) => (w.auditors ?? []).length && m.records.some((r) => (r.workspaces ?? []).includes(w.id)))),
    "some scenario has a project auditor (workspace auditors)");
  assert.ok(models((m) => m.records.some((r) => (r.sharedWith ?? []).length)), "some scenario shares a record by hand (sharedWith)");
  const takesPartIn = (m, uid, w) => {
    const u = m.users.find((x) => x.id === uid);
    return w.owner === uid || (w.moderators ?? []).includes(uid) || (w.auditors ?? []).includes(uid)
      || (w.members ?? []).some((e) => e.user === uid) || (u.external && u.company != null && u.company === w.counterparty);
  };
  const involvedOutside = (m) => m.records.some((r) => (r.workspaces ?? []).length && [...(r.assignees ?? []), ...(r.participants ?? []), ...(r.auditors ?? [])]
    .some((uid) => m.users.find((x) => x.id === uid)?.external && !(m.workspaces ?? []).some((w) => (r.workspaces ?? []).includes(w.id) && takesPartIn(m, uid, w))));
  assert.ok(models(involvedOutside), "some scenario adds a client to one record of a project they are not part of");
  for (const m of all) {
    const e = new Engine(m);
    try {
      for (const r of m.records) for (const s of r.sharedWith ?? []) if (s.user) assert.ok(e.can(s.user, "view", r.id), `${r.id} is open to ${s.user}`);
    } finally { e.free(); }
  }
  const law = by["law-firm"];
  const files = law.workspaces.filter((w) => w.members?.some((m) => m.user === "marie.dupont"));
  assert.ok(files.length >= 2, "law firm: one client with several files");
  const sales = by["sales-team"];
  assert.ok(sales.users.filter((u) => u.limitedCrm).length >= 3 && sales.limitedAccess, "sales: reps with limited CRM access");
  assert.ok(sales.records.some((r) => (r.accountManagers ?? []).length === 2), "sales: first and second account managers");
  const ent = by["enterprise-hierarchy"];
  const depth = (id) => { let d = 0; for (let r = ent.roles.find((x) => x.id === id); r; r = ent.roles.find((x) => x.id === r.parent)) d++; return d; };
  assert.equal(Math.max(...ent.roles.map((r) => depth(r.id))), 5, "enterprise: five role levels");
  assert.ok(ent.groups.some((g) => g.members.some((m) => m.group)), "enterprise: nested groups");
  assert.ok(ent.sharingRules.some((r) => Object.keys(r.related ?? {}).length), "enterprise: related-record sharing");
  assert.ok(ent.modules.some((m) => m.hierarchy === false && ent.records.some((r) => r.module === m.name)), "enterprise: a module with the role hierarchy off");
  const shared = ent.records.find((r) => (r.sharedWith ?? []).some((s) => s.user));
  const entEngine = new Engine(ent);
  try {
    const to = ent.users.find((u) => u.id === shared.sharedWith.find((s) => s.user).user);
    const boss = ent.users.find((u) => u.role === ent.roles.find((r) => r.id === to.role).parent);
    assert.ok(entEngine.decide(boss.id, "view", shared.id).reasons.some((c) => c.startsWith("subordinate-shared:")), "enterprise: a share reaches the sharee's manager");
  } finally { entEngine.free(); }
  const ext = by["extranet-groups"];
  assert.deepEqual(new Set(ext.workspaces.map((w) => w.invitePolicy ?? "ownerAndModerators")), new Set(["owner", "ownerAndModerators", "members"]), "extranet: every invite policy");
  // outsiders see only fellow members (owner, moderators, members, contacts of the counterparty company)
  const takesPart = (w) => new Set([w.owner, ...(w.moderators ?? []), ...(w.members ?? []).map((m) => m.user),
    ...ext.users.filter((x) => x.external && x.company && x.company === w.counterparty).map((x) => x.id)]);
  const engine = new Engine(ext);
  for (const u of ext.users.filter((x) => x.external)) {
    const seen = engine.visibleUsers(u.id);
    assert.ok(seen.length < ext.users.filter((x) => x.active !== false).length, `${u.id} does not see everyone`);
    for (const other of seen) {
      if (other === u.id) continue;
      assert.ok(ext.workspaces.some((w) => takesPart(w).has(u.id) && takesPart(w).has(other)), `${u.id} sees ${other} only through a shared workspace`);
    }
  }
  engine.free();
});
