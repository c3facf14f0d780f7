// whoCan(action, record) per stored record (issue 12), against asking every
// user, on the benchmark's organisation (bench/lib/model.mjs: 10,000 users,
// 2,000 roles, 500 nested groups, 1,000 sharing rules, 100,000 lead records).
//
//   node bench/who.mjs            # full size (needs a built pkg/: bash scripts/build.sh)
//   node bench/who.mjs --write    # the same, and writes its section of BENCHMARKS.md
//   node bench/who.mjs --smoke    # small, for a quick check
//
// Two models: the benchmark's own (leads are private: who may see a lead is
// its owner, the owner's superiors and whom the sharing rules reach) and the
// same with `defaultSharing: "publicRead"` (everyone may view: whoCan lists
// every user). For a sample of records: whoCan("view", id) timed per record
// (median and p99 over the sample, best of 3 per record), and, on a smaller
// sample, the baseline of asking every user `can(user, "view", id)` (the fast
// path) and `decide`. Every whoCan answer of the baseline sample is checked
// against the baseline's users.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { generateOrg, generateRecords, crmModel } from "./lib/model.mjs";
import { putInBatches } from "./lib/crm.mjs";

const { Engine } = await import("../pkg/node/index.mjs");
const smoke = process.argv.includes("--smoke");
const size = smoke ? { users: 300, roles: 60, groups: 30, rules: 40 } : { users: 10_000, roles: 2_000, groups: 500, rules: 1_000 };
const nRecords = smoke ? 2_000 : 100_000;
const sample = smoke ? 50 : 400;
const baseSample = smoke ? 10 : 20;

const org = generateOrg({ ...size, seed: 1 });
const records = generateRecords(org, nRecords, 7);
const ids = records.map((r) => r.id);
const pick = (n) => Array.from({ length: n }, (_, i) => ids[Math.floor((i * ids.length) / n)]);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const us = (ms) => `${(ms * 1000).toFixed(1)} µs`;

const rows = [];
function run(label, defaultSharing) {
  const model = crmModel(org);
  model.modules[0].defaultSharing = defaultSharing;
  const engine = new Engine(model);
  putInBatches(engine, records);
  engine.whoCan("view", ids[0]); // builds whoCan's index once
  const times = [];
  let listed = 0;
  for (const id of pick(sample)) {
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      const who = engine.whoCan("view", id);
      best = Math.min(best, performance.now() - t0);
      if (k === 0) listed += who.length;
    }
    times.push(best);
  }
  const canTimes = [], decideTimes = [];
  for (const id of pick(baseSample)) {
    const want = engine.whoCan("view", id).map((w) => w.user);
    let t0 = performance.now();
    const got = [];
    for (const u of org.userIds) if (engine.can(u, "view", id)) got.push(u);
    canTimes.push(performance.now() - t0);
    t0 = performance.now();
    for (const u of org.userIds) engine.decide(u, "view", id);
    decideTimes.push(performance.now() - t0);
    got.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${label}: whoCan disagrees with asking every user on ${id}`);
  }
  const med = pct(times, 0.5), p99 = pct(times, 0.99);
  console.log(`${label}: whoCan per record median ${us(med)}, p99 ${us(p99)} (${sample} records, ${(listed / sample).toFixed(1)} users listed on average)`);
  console.log(`${label}: asking every user: can ${us(pct(canTimes, 0.5))} (${(pct(canTimes, 0.5) / med).toFixed(0)}x whoCan), decide ${us(pct(decideTimes, 0.5))} (${(pct(decideTimes, 0.5) / med).toFixed(0)}x) per record (median of ${baseSample}; answers agree)`);
  rows.push({ label, med, p99, listed: listed / sample, can: pct(canTimes, 0.5), decide: pct(decideTimes, 0.5) });
  engine.free();
}

console.log(`${org.userIds.length} users, ${size.roles} roles, ${size.groups} groups, ${size.rules} rules, ${nRecords} records`);
run("private leads", "private");
run("publicRead leads", "publicRead");

if (process.argv.includes("--write") && !smoke) {
  const md = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "BENCHMARKS.md");
  const load = os.loadavg()[0].toFixed(2);
  const table = rows.map((r) => `| ${r.label} | ${r.listed.toFixed(0)} | ${us(r.med)} | ${us(r.p99)} | ${r.can.toFixed(1)} ms (${(r.can / r.med).toFixed(0)}×) | ${r.decide.toFixed(1)} ms (${(r.decide / r.med).toFixed(0)}×) |`).join("\n");
  const section = `<!-- who:start -->
## whoCan: who may see a record

Written by \`node bench/who.mjs --write\` on ${new Date().toISOString().slice(0, 10)} (load average ${load} at the end; ${os.cpus().length} cores). The benchmark's organisation (${org.userIds.length.toLocaleString("en")} users, ${size.roles.toLocaleString("en")} roles, ${size.groups} nested groups, ${size.rules.toLocaleString("en")} sharing rules) with ${nRecords.toLocaleString("en")} stored leads, once as generated (leads are private) and once with \`defaultSharing: "publicRead"\` (everyone may view every lead, so whoCan lists all ${org.userIds.length.toLocaleString("en")} users). \`engine.whoCan("view", id)\` is timed on ${sample} records spread over the store (best of 3 each; median and p99 over the records); the baseline asks every user about one record, with \`can\` (the fast path) and with \`decide\`, on ${baseSample} of them, and its answers must equal whoCan's.

| model | users listed (mean) | whoCan median | whoCan p99 | every user: \`can\` (× whoCan) | every user: \`decide\` (× whoCan) |
|---|---|---|---|---|---|
${table}
<!-- who:end -->
`;
  const text = fs.readFileSync(md, "utf8");
  const old = /<!-- who:start -->[\s\S]*<!-- who:end -->\n?/;
  fs.writeFileSync(md, old.test(text) ? text.replace(old, section) : `${text.trimEnd()}\n\n${section}`);
  console.log(`wrote the whoCan section of ${md}`);
}
