#!/usr/bin/env node
// Live changes (issue 12): engine.apply(changes) against a rebuild, and
// engine.impact(changes) of one sharing-rule change, on the benchmark's
// organisation (bench/lib/model.mjs): 10,000 users, 2,000 roles, 500 groups,
// 1,000 sharing rules, 100,000 lead records.
//
//   node bench/live.mjs            # full size (about a minute)
//   node bench/live.mjs --smoke    # small, seconds
//   node bench/live.mjs --write    # full size, and writes its section of BENCHMARKS.md
//
// Each apply changes one item and the next round changes it back, so every
// round does the same work on the same engine (but "one new user", which adds
// a user with a new id each round). The rebuild is `new Engine(text)`
// from the model's JSON text, prepared beforehand (the cheapest rebuild there
// is). Rebuild and apply are timed interleaved in the same run; the table gives
// medians and the ratio rebuild / apply.

import { pathToFileURL, fileURLToPath } from "node:url";
import path from "node:path";
import { generateOrg, generateRecords, crmModel } from "./lib/model.mjs";
import { timeInterleaved, fmtMs, median } from "./lib/measure.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const { Engine } = await import(pathToFileURL(path.join(here, "..", "pkg", "node", "index.mjs")).href);

const smoke = process.argv.includes("--smoke");
const size = smoke ? { users: 300, roles: 60, groups: 30, rules: 40, records: 2_000, rounds: 3 } : { users: 10_000, roles: 2_000, groups: 500, rules: 1_000, records: 100_000, rounds: 9 };

const org = generateOrg({ users: size.users, roles: size.roles, groups: size.groups, rules: size.rules, seed: 1 });
const model = crmModel(org);
model.records = generateRecords(org, size.records);
const text = JSON.stringify(model);
const engine = new Engine(text);
console.log(`model: ${size.users} users, ${size.roles} roles, ${size.groups} groups, ${size.rules} sharing rules, ${size.records} records`);

// Two versions of one user, one group and one rule; each apply puts the other one.
const user = model.users[42];
const otherRole = model.roles[(model.roles.findIndex((r) => r.id === user.role) + 7) % model.roles.length].id;
const userVersions = [user, { ...user, role: otherRole }];
const flagVersions = [user, { ...user, profiles: [model.profiles[model.profiles.length - 1].id], active: !(user.active ?? true), readOnly: !user.readOnly }];
let added = 0;
const group = model.groups.find((g) => g.members.length >= 2) ?? model.groups[0];
const groupVersions = [group, { ...group, members: group.members.slice(1) }];
const rule = model.sharingRules[3];
const otherTo = model.sharingRules[4].to;
const ruleVersions = [rule, { ...rule, to: otherTo, access: rule.access === "read" ? "readWrite" : "read" }];

const flip = (kind, versions) => {
  let k = 0;
  return () => {
    k ^= 1;
    engine.apply([{ op: "put", kind, value: versions[k] }]);
    return k;
  };
};
const entries = [
  { id: "rebuild: new Engine(text)", run: () => { const e = new Engine(text); e.free(); return 1; } },
  { id: "apply: one user (role changed)", run: flip("user", userVersions) },
  { id: "apply: one user (profiles, flags changed)", run: flip("user", flagVersions) },
  { id: "apply: one new user", run: () => { engine.apply([{ op: "put", kind: "user", value: { ...user, id: `added-${added++}` } }]); return added; } },
  { id: "apply: one group (members changed)", run: flip("group", groupVersions) },
  { id: "apply: one sharing rule (to, access changed)", run: flip("sharingRule", ruleVersions) },
];
const t = timeInterleaved(entries, size.rounds);
const rebuild = t.get(entries[0].id).median;
console.log(`\n| operation | median | rebuild / this |\n|---|---:|---:|`);
for (const e of entries) {
  const m = t.get(e.id).median;
  console.log(`| ${e.id} | ${fmtMs(m)} | ${e === entries[0] ? "1" : (rebuild / m).toFixed(0) + "×"} |`);
}

// impact of one sharing-rule change: the engine holds the rule's first version, impact asks about the second
engine.apply([{ op: "put", kind: "sharingRule", value: ruleVersions[0] }]);
const impactRuns = [];
let last = null;
for (let r = 0; r < Math.max(3, Math.min(size.rounds, 5)); r++) {
  const t0 = performance.now();
  last = engine.impact([{ op: "put", kind: "sharingRule", value: ruleVersions[1] }], { limit: 100 });
  impactRuns.push(performance.now() - t0);
}
const removeRuns = [];
let lastRemove = null;
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  lastRemove = engine.impact([{ op: "remove", kind: "sharingRule", id: model.sharingRules[10].id }], { limit: 100 });
  removeRuns.push(performance.now() - t0);
}
const users = (i) => Object.keys(i.byUser).length;
console.log(`\n| impact of one sharing-rule change | median | differences | users with differences |\n|---|---:|---:|---:|`);
console.log(`| put (to and access changed) | ${fmtMs(median(impactRuns))} | ${last.total.gained + last.total.lost} | ${users(last)} |`);
console.log(`| remove | ${fmtMs(median(removeRuns))} | ${lastRemove.total.gained + lastRemove.total.lost} | ${users(lastRemove)} |`);
engine.free();

// --write: the tables above, as the "Live changes" section of BENCHMARKS.md
// (between markers that bench/run.mjs keeps when it rewrites the file).
if (process.argv.includes("--write") && !smoke) {
  const fs = await import("node:fs");
  const os = await import("node:os");
  const mdPath = path.join(here, "..", "BENCHMARKS.md");
  const load = os.loadavg()[0].toFixed(2);
  const section = [
    "<!-- kept:begin live (written by bench/live.mjs --write) -->",
    "## Live changes: apply and impact",
    "",
    `Measured on ${new Date().toISOString().slice(0, 10)} by \`node bench/live.mjs --write\` (after \`bash scripts/build.sh\`), on the organisation of the other sections (${size.users.toLocaleString("en")} users, ${size.roles.toLocaleString("en")} roles, ${size.groups} groups, ${size.rules.toLocaleString("en")} sharing rules) with ${size.records.toLocaleString("en")} stored leads; load average ${load} at the end. Rebuild and apply are timed interleaved in the same run (medians of ${size.rounds} rounds); the ratio is rebuild time ÷ apply time. Each apply puts one item, the next round puts it back, so every round does the same work (but the new user: each round adds one more). The rebuild is \`new Engine(text)\` from JSON text prepared beforehand.`,
    "",
    "| operation | median | rebuild ÷ this |",
    "|---|---:|---:|",
    ...entries.map((e) => `| ${e.id} | ${fmtMs(t.get(e.id).median)} | ${e === entries[0] ? "1" : (rebuild / t.get(e.id).median).toFixed(1) + "×"} |`),
    "",
    "`impact` of one sharing-rule change (the rule's `to` and access changed, or the rule removed), every difference counted, the first 100 listed:",
    "",
    "| impact of | median | differences | users with differences |",
    "|---|---:|---:|---:|",
    `| put (to and access changed) | ${fmtMs(median(impactRuns))} | ${last.total.gained + last.total.lost} | ${users(last)} |`,
    `| remove | ${fmtMs(median(removeRuns))} | ${lastRemove.total.gained + lastRemove.total.lost} | ${users(lastRemove)} |`,
    "",
    "Targets (issue 12):",
    "",
    `- **${Math.min(...entries.slice(1).map((e) => rebuild / t.get(e.id).median)) >= 50 ? "PASS" : "FAIL"}** — changing one user, group or rule ≥ 50× faster than a rebuild: ${entries.slice(1).map((e) => `${e.id.replace("apply: ", "")} ${(rebuild / t.get(e.id).median).toFixed(1)}×`).join(", ")}. A batch that only replaces sharing rules, or that puts one user or one existing group, is checked item by item and patched into the compiled model (the classes, profile combinations, reach tables and per-role lists the change touches); any other batch validates and compiles the whole principal part again (10,000 users, 2,000 roles, 500 groups, 1,000 rules), leaving only the stored records alone.`,
    `- **${Math.max(median(impactRuns), median(removeRuns)) < 2000 ? "PASS" : "FAIL"}** — impact of one sharing-rule change over ${size.users.toLocaleString("en")} users × ${size.records.toLocaleString("en")} records < 2 s: ${fmtMs(Math.max(median(impactRuns), median(removeRuns)))} at most.`,
    "<!-- kept:end -->",
    "",
  ].join("\n");
  const old = fs.readFileSync(mdPath, "utf8");
  const re = /<!-- kept:begin live [^>]*-->[\s\S]*?<!-- kept:end -->\n/;
  fs.writeFileSync(mdPath, re.test(old) ? old.replace(re, section) : old.replace(/\n*$/, "\n\n") + section);
  console.log(`\nwrote the "Live changes" section of ${mdPath}`);
}
