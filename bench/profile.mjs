#!/usr/bin/env node
// Where does a crm-access call spend its time? Samples the V8 CPU profiler
// while one call is repeated for ~1.5 s, then splits the samples into wasm
// code, wasm-bindgen / package JS glue, GC and the rest.
//
//   node bench/profile.mjs [stored|objects|canobj|canid|decide ...] [--small]
//
// Uses the benchmark's generated organisation (10,000 users, 100,000 stored
// records; --small: 1,000 users, 10,000 records) and its list-view user.

import inspector from "node:inspector";
import { generateOrg, generateRecords, crmModel } from "./lib/model.mjs";
import { pickListUser } from "./lib/workload.mjs";
import { putInBatches } from "./lib/crm.mjs";

const args = process.argv.slice(2);
const small = args.includes("--small");
const picked = args.filter((a) => !a.startsWith("--"));
const { Engine } = await import("crm-access");
const org = generateOrg(small ? { users: 1000, roles: 200, groups: 50, rules: 100, seed: 1 } : { users: 10000, roles: 2000, groups: 500, rules: 1000, seed: 1 });
const recs = generateRecords(org, small ? 10000 : 100000, 7);
const e = new Engine(crmModel(org));
putInBatches(e, recs);
const u = org.userIds[pickListUser(org)];
const r10 = recs.slice(0, 10000);
const jobs = {
  stored: ["filterStored(user) over the stored records", () => e.filterStored(u, "view")],
  objects: ["filter(user, 10,000 objects)", () => e.filter(u, r10, "view")],
  canobj: ["10,000 × can(user, 'view', object)", () => { let c = 0; for (const r of r10) if (e.can(u, "view", r)) c++; return c; }],
  canid: ["10,000 × can(user, 'view', id)", () => { let c = 0; for (const r of r10) if (e.can(u, "view", r.id)) c++; return c; }],
  decide: ["10,000 × decide(user, 'view', object)", () => { let c = 0; for (const r of r10) if (e.decide(u, "view", r).allowed) c++; return c; }],
};

const s = new inspector.Session();
s.connect();
const post = (m, p = {}) => new Promise((res, rej) => s.post(m, p, (err, r) => (err ? rej(err) : res(r))));
await post("Profiler.enable");
await post("Profiler.setSamplingInterval", { interval: 50 });
for (const name of picked.length ? picked : Object.keys(jobs)) {
  const [what, f] = jobs[name] ?? [];
  if (!f) throw new Error(`unknown job ${name}; one of ${Object.keys(jobs).join(", ")}`);
  for (let i = 0; i < 3; i++) f();
  await post("Profiler.start");
  const t = performance.now();
  let n = 0;
  while (performance.now() - t < 1500) { f(); n++; }
  const { profile } = await post("Profiler.stop");
  const per = (performance.now() - t) / n;
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const buckets = {};
  const glue = {};
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] || 0;
    total += dt;
    const { url, functionName: fn, lineNumber } = node.callFrame;
    const b = url.startsWith("wasm://") || fn.startsWith("wasm-function") || fn.startsWith("$") ? "wasm code"
      : url.includes("/pkg/") || url.includes("crm-access") ? "package JS (wasm-bindgen glue and wrapper)"
        : fn === "(garbage collector)" ? "garbage collector"
          : url.includes("profile.mjs") ? "this script's loop"
            : fn === "(program)" || fn === "(idle)" ? "other (program)"
              : `V8/Node built-ins`;
    buckets[b] = (buckets[b] || 0) + dt;
    if (b.startsWith("package JS") || b === "V8/Node built-ins") {
      const k = `${fn || "(anonymous)"}${url ? ` ${url.split("/").slice(-2).join("/")}:${lineNumber + 1}` : ""}`;
      glue[k] = (glue[k] || 0) + dt;
    }
  });
  console.log(`\n${what}: ${per.toFixed(3)} ms per call (${n} calls)`);
  for (const [b, v] of Object.entries(buckets).sort((a, b) => b[1] - a[1])) console.log(`  ${(100 * v / total).toFixed(1).padStart(5)} %  ${b}`);
  const top = Object.entries(glue).sort((a, b) => b[1] - a[1]).slice(0, 6);
  if (top.length) console.log("  hottest JS:", top.map(([k, v]) => `${k} (${(100 * v / total).toFixed(1)} %)`).join("; "));
}
