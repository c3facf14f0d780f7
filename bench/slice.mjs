#!/usr/bin/env node
// One user's slice of the model (issue 13): its size in bytes (JSON, and
// gzipped as a server would send it) and the time to build it, for typical
// users of the benchmark's organisation (10,000 users, 2,000 roles, 500
// groups, 1,000 sharing rules, 100,000 records: bench/lib/model.mjs), and the
// time a browser takes to make an Engine from it.
//
//   bash scripts/build.sh && npm --prefix bench install
//   node bench/slice.mjs            # writes the section of BENCHMARKS.md between the slice markers
//   node bench/slice.mjs --smoke    # small sizes, prints only
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { generateOrg, generateRecords, crmModel, allowedOwners, prng } from "./lib/model.mjs";
import { pickListUser } from "./lib/workload.mjs";
import { loadCrm } from "./lib/crm.mjs";
import { median } from "./lib/measure.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const smoke = process.argv.includes("--smoke");
const size = smoke ? { users: 500, roles: 100, groups: 30, rules: 50, records: 5_000 } : { users: 10_000, roles: 2_000, groups: 500, rules: 1_000, records: 100_000 };
const ROUNDS = smoke ? 3 : 7;
const SAMPLE = smoke ? 5 : 20;

const loadStart = os.loadavg()[0];
const { Engine, version } = await loadCrm();
const org = generateOrg({ users: size.users, roles: size.roles, groups: size.groups, rules: size.rules, seed: 1 });
const model = crmModel(org);
// records with a few field values, so the slice carries data as a CRM's would
const records = generateRecords(org, size.records).map((r, i) => ({ ...r, fields: { name: `Lead ${i}`, phone: `+1 555 ${String(i).padStart(6, "0")}` } }));
const modelText = JSON.stringify({ ...model, records });
const full = new Engine(modelText);

function measure(user) {
  const times = [];
  let text = "";
  for (let k = 0; k < ROUNDS; k++) {
    const t0 = process.hrtime.bigint();
    text = full.sliceFor(user, { json: true });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const builds = [];
  for (let k = 0; k < ROUNDS; k++) {
    const t0 = process.hrtime.bigint();
    const e = new Engine(text);
    builds.push(Number(process.hrtime.bigint() - t0) / 1e6);
    e.free();
  }
  const s = JSON.parse(text);
  const viewable = full.filterStored(user).length;
  return {
    user,
    ms: median(times),
    engineMs: median(builds),
    bytes: Buffer.byteLength(text),
    gzip: zlib.gzipSync(text).length,
    records: (s.records ?? []).length,
    viewable,
    users: s.users.length,
    groups: (s.groups ?? []).length,
    roles: (s.roles ?? []).length,
    rules: (s.sharingRules ?? []).length,
  };
}

const listUser = org.userIds[pickListUser(org)];
const rng = prng(11);
const sample = new Set([listUser]);
while (sample.size < SAMPLE) sample.add(org.userIds[rng.int(org.userIds.length)]);
const rows = [...sample].map(measure);
const typical = rows[0];
const med = (k) => Math.round(median(rows.map((r) => r[k])) * 10) / 10;
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const fullBytes = Buffer.byteLength(modelText), fullGzip = zlib.gzipSync(modelText).length;

const L = [];
L.push("<!-- slice:start -->");
L.push("### (g) One user's slice (`sliceFor`, issue 13)");
L.push("");
L.push(`Written by \`node bench/slice.mjs\` (crm-access ${version}, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores, load average ${loadStart.toFixed(2)} at start and ${os.loadavg()[0].toFixed(2)} at the end: times on a busy machine are upper bounds). The organisation of the other sections (${size.users.toLocaleString("en")} users, ${size.roles.toLocaleString("en")} roles, ${size.groups} groups, ${size.rules.toLocaleString("en")} sharing rules) with ${size.records.toLocaleString("en")} stored leads, each with two field values. \`sliceFor(user, { json: true })\` is timed in the full engine (median of ${ROUNDS}); \`new Engine(slice)\` is what the browser then pays. The whole model as JSON is ${kb(fullBytes)} (${kb(fullGzip)} gzipped).`);
L.push("");
L.push("| user | sliceFor | JSON | gzipped | records (viewable) | users | groups | roles | rules | new Engine(slice) |");
L.push("|---|---|---|---|---|---|---|---|---|---|");
const row = (r, label) => `| ${label} | ${r.ms.toFixed(1)} ms | ${kb(r.bytes)} | ${kb(r.gzip)} | ${r.records.toLocaleString("en")} (${r.viewable.toLocaleString("en")}) | ${r.users.toLocaleString("en")} | ${r.groups} | ${r.roles} | ${r.rules} | ${r.engineMs.toFixed(1)} ms |`;
L.push(row(typical, `\`${typical.user}\` (the list-view user of (b) and (c))`));
L.push(`| median of ${rows.length} users (the list-view user and ${rows.length - 1} picked at random) | ${med("ms").toFixed(1)} ms | ${kb(med("bytes"))} | ${kb(med("gzip"))} | ${med("records").toLocaleString("en")} (${med("viewable").toLocaleString("en")}) | ${med("users").toLocaleString("en")} | ${med("groups")} | ${med("roles")} | ${med("rules")} | ${med("engineMs").toFixed(1)} ms |`);
L.push(`| largest of them (\`${rows.reduce((a, b) => (b.bytes > a.bytes ? b : a)).user}\`) | ${rows.reduce((a, b) => (b.bytes > a.bytes ? b : a)).ms.toFixed(1)} ms | ${kb(Math.max(...rows.map((r) => r.bytes)))} | ${kb(Math.max(...rows.map((r) => r.gzip)))} | | | | | | |`);
L.push("");
L.push(`Every internal user sees every other internal user in a people picker (§5), so each slice lists every user id (${size.users.toLocaleString("en")} here), most with no other key; the records are the ones the user may view (plus stubs), so the slice grows with what the user sees, not with the organisation.`);
L.push("<!-- slice:end -->");
const section = L.join("\n") + "\n";
process.stdout.write(section);
if (!smoke) {
  const md = path.join(here, "..", "BENCHMARKS.md");
  const old = fs.readFileSync(md, "utf8");
  const next = /<!-- slice:start -->[\s\S]*<!-- slice:end -->\n?/.test(old) ? old.replace(/<!-- slice:start -->[\s\S]*<!-- slice:end -->\n?/, section) : old.replace(/\n*$/, "\n\n") + section;
  fs.writeFileSync(md, next);
}
void allowedOwners;
