// Issue 14.4: "300 rebuilds grew wasm memory from 1.2 to 3.0 MB". Against the
// BUILT package (pkg/):
//
//   bash scripts/build.sh && node --test tests/node/rebuild-memory.test.mjs
//
// A long-running server rebuilds its engine whenever the model changes: it
// builds the new engine, swaps it in, then frees the old one (so two are live
// for a moment). WebAssembly memory never shrinks, so `memoryBytes()` is a
// high-water mark: it grows until the allocator has room for two engines and
// their build-time garbage, then must level off. The figures are printed and
// quoted in docs/INTEGRATION.md ("Lifecycle").
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine, esm } from "./load.mjs";

const memoryBytes = esm.memoryBytes;
const MiB = 1024 * 1024;

/** A realistic model: 8 modules, 40 roles, 300 users, 30 groups, 20 rules, `n` records. */
export function realistic(n = 3_000, salt = 0) {
  const modules = [
    { name: "companies", defaultSharing: "private", fields: ["name", "revenue"] },
    { name: "contacts", parent: "companies", fields: ["name", "email"] },
    { name: "deals", parent: "companies", fields: ["title", "amount"] },
    { name: "quotes", parent: "deals", controlledByParent: true },
    { name: "tasks", defaultSharing: "publicRead" },
    { name: "notes", parent: "tasks", controlledByParent: true },
    { name: "news", defaultSharing: "publicRead" },
    { name: "faq", recordSecurity: false },
  ];
  const all = Object.fromEntries(modules.map((m) => [m.name, { view: true, edit: true, delete: true, create: true }]));
  const roles = [{ id: "ceo", profiles: ["all"] }];
  for (let i = 1; i < 40; i++) roles.push({ id: `role${i}`, parent: i < 5 ? "ceo" : `role${1 + (i % 4)}`, profiles: ["all"] });
  const users = [];
  for (let i = 0; i < 300; i++) {
    users.push({ id: `u${i}`, role: roles[i % roles.length].id, active: i % 50 !== 7, ...(i % 60 === 3 ? { limitedCrm: true } : {}) });
  }
  const groups = [];
  for (let i = 0; i < 30; i++) groups.push({ id: `g${i}`, members: [{ user: `u${i * 3}` }, { roleAndSubordinates: `role${1 + (i % 39)}` }, ...(i ? [{ group: `g${i - 1}` }] : [])] });
  const sharingRules = [];
  for (let i = 0; i < 20; i++) {
    sharingRules.push({ id: `rule${i}`, module: i % 2 ? "deals" : "companies", from: { role: `role${1 + i}` }, to: { group: `g${i}` }, access: i % 3 ? "read" : "readWrite", ...(i % 2 ? { related: { quotes: "read" } } : { related: { deals: "read" } }) });
  }
  const records = [];
  for (let i = 0; i < n; i++) {
    const m = ["companies", "contacts", "deals", "quotes", "tasks", "notes", "news", "faq"][i % 8];
    const parent = m === "contacts" || m === "deals" ? `r${i - (i % 8)}` : m === "quotes" ? `r${i - 1}` : m === "notes" ? `r${i - 1}` : null;
    records.push({
      id: `r${i}`, module: m, owner: i % 11 ? `u${(i * 7 + salt) % 300}` : `g${i % 30}`, parent,
      accountManagers: m === "companies" ? [`u${i % 300}`] : [], participants: i % 5 ? [] : [`u${(i + 1) % 300}`],
      fields: { name: `record ${i}`, title: `t${i}`, amount: i, email: `x${i}@example.com` },
    });
  }
  return { modules, roles, profiles: [{ id: "all", modules: all }], groups, users, sharingRules, limitedAccess: { companyModule: "companies", modules: ["companies", "contacts"] }, records };
}

test("rebuilding an engine from a realistic model 1,200 times: wasm memory levels off", { timeout: 900_000 }, () => {
  const texts = [JSON.stringify(realistic(3_000, 0)), JSON.stringify(realistic(3_000, 1))];
  const at = {};
  let e = new Engine(texts[0]);
  const one = memoryBytes();
  for (let i = 1; i <= 1_200; i++) {
    const next = new Engine(texts[i % 2]); // build, swap, free the old one
    next.can("u1", "view", "r8");
    next.filterStored("u2");
    next.decide("u3", "edit", "r10");
    e.free();
    e = next;
    if ([10, 100, 300, 700, 1_200].includes(i)) at[i] = memoryBytes();
  }
  e.free();
  const fmt = (b) => `${(b / MiB).toFixed(2)} MiB`;
  console.log(`# realistic model (${(texts[0].length / 1024).toFixed(0)} KiB of JSON): one engine ${fmt(one)}; after ${Object.entries(at).map(([k, v]) => `${k} rebuilds ${fmt(v)}`).join(", ")}`);
  // the last 500 rebuilds may add at most one 64 KiB page per 100 (none expected)
  assert.ok(at[1_200] - at[700] <= 5 * 65536, `the last 500 rebuilds grew wasm memory by ${fmt(at[1_200] - at[700])}`);
  assert.ok(at[1_200] <= 4 * one + 8 * MiB, `wasm memory reached ${fmt(at[1_200])} (one engine: ${fmt(one)})`);
});
