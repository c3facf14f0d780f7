#!/usr/bin/env node
// crm-access benchmark harness. See bench/README.md.
//
//   npm --prefix bench install      # once: the peers and a link to ../pkg
//   node bench/run.mjs              # full run, writes BENCHMARKS.md and bench/chart.svg
//   node bench/run.mjs --smoke      # tiny sizes, seconds; writes to a temp dir
//
// Exit status: 0 done, 2 an engine disagreed with crm-access, 1 anything else.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

import {
  generateOrg, generateRecords, crmModel, allowedOwners, groupsOf, rulesFor, prng,
} from "./lib/model.mjs";
import { jsSets, casl, casbin, cedar, versionOf } from "./lib/peers.mjs";
import {
  loadCrm, wasmFiles, wasmMemoryProbe, putInBatches, freeEngine,
  DECISION_VARIANTS, FILTER_OBJECT_VARIANTS, FILTER_STORED_VARIANTS, BUILD_VARIANTS, PKG_DIR,
} from "./lib/crm.mjs";
import { timeInterleaved, median, fmtMs } from "./lib/measure.mjs";
import { writeReport } from "./lib/report.mjs";
import { decisionPairs, pickListUser } from "./lib/workload.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_DIR = path.resolve(BENCH_DIR, "..");

// ---------------------------------------------------------------------------
// Configuration

const FULL = {
  mode: "full",
  org: { users: 10_000, roles: 2_000, groups: 500, rules: 1_000 },
  decisions: { stored: 100_000, pairs: 20_000, users: 64, rounds: 9 },
  filterSizes: [10_000, 100_000, 1_000_000],
  roundsFor: (n) => (n >= 1_000_000 ? 5 : n >= 100_000 ? 7 : 9),
  // Peers too slow to run on everything run on the first `cap` records (or pairs)
  // of each workload; their time for the whole size is extrapolated and marked.
  caps: { casbin: 100_000, cedar: 1_000 },
  decisionCaps: { cedar: 1_000 },
  build: { scales: [0.1, 0.25, 0.5, 1], records: 100_000, rounds: 5 },
  coldRuns: 7,
  instantiateRuns: 15,
  memorySizes: [10_000, 100_000, 1_000_000],
  // (f) again with every record shared by hand with this many users (sharedWith)
  memoryShares: { n: 100_000, shares: [1, 3] },
};

const SMOKE = {
  mode: "smoke",
  org: { users: 300, roles: 60, groups: 30, rules: 40 },
  decisions: { stored: 2_000, pairs: 500, users: 16, rounds: 2 },
  filterSizes: [500, 2_000],
  roundsFor: () => 2,
  caps: { casbin: 2_000, cedar: 100 },
  decisionCaps: { cedar: 100 },
  build: { scales: [0.5, 1], records: 2_000, rounds: 2 },
  coldRuns: 1,
  instantiateRuns: 2,
  memorySizes: [2_000],
  memoryShares: { n: 2_000, shares: [1] },
};

function parseArgs(argv) {
  const o = { smoke: false, out: null, peersOnly: false, skip: new Set(), fromJson: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--smoke") o.smoke = true;
    else if (a === "--out") o.out = argv[++i];
    else if (a === "--peers-only") o.peersOnly = true;
    else if (a === "--from-json") o.fromJson = argv[++i];
    else if (a === "--skip") for (const w of argv[++i].split(",")) o.skip.add(w.trim());
    else if (a === "--help" || a === "-h") {
      console.log("usage: node bench/run.mjs [--smoke] [--out DIR] [--skip a,b,c,d,e,f] [--peers-only] [--from-json results.json]");
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

class Disagreement extends Error {}

const T0 = performance.now();
const log = (...a) => console.log(`[bench +${((performance.now() - T0) / 1000).toFixed(1)}s]`, ...a);
const fmtN = (n) => n.toLocaleString("en-US");

// ---------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const cfg = args.smoke ? SMOKE : FULL;
  const started = Date.now();
  const outDir = args.out ? path.resolve(args.out)
    : args.smoke ? fs.mkdtempSync(path.join(os.tmpdir(), "crm-access-bench-smoke-")) : null;
  const mdPath = outDir ? path.join(outDir, "BENCHMARKS.md") : path.join(REPO_DIR, "BENCHMARKS.md");
  const svgPath = outDir ? path.join(outDir, "chart.svg") : path.join(BENCH_DIR, "chart.svg");
  const jsonPath = outDir ? path.join(outDir, "results.json") : path.join(BENCH_DIR, "results.json");
  if (args.fromJson) {
    // Re-render the report from a saved run (targets are evaluated again).
    const saved = JSON.parse(fs.readFileSync(args.fromJson, "utf8"));
    saved.targets = evaluateTargets(saved);
    if (outDir) fs.mkdirSync(outDir, { recursive: true });
    writeReport(saved, { mdPath, svgPath, repoDir: REPO_DIR });
    log(`re-rendered ${mdPath} and ${svgPath} from ${args.fromJson}`);
    return;
  }

  // Engines --------------------------------------------------------------
  let crm = null;
  if (!args.peersOnly) crm = await loadCrm();
  const org = generateOrg({ ...cfg.org, seed: 1 });
  const model = crmModel(org);
  const maxN = Math.max(cfg.decisions.stored, ...cfg.filterSizes);
  log(`mode ${cfg.mode}; org ${JSON.stringify(cfg.org)}; generating ${fmtN(maxN)} records`);
  const allRecords = generateRecords(org, maxN, 7);

  const peers = [jsSets(org), await casl(org), await casbin(org), await cedar(org)];
  for (const p of peers) if (!p.check) throw new Error(`${p.name}: no synchronous check available`);
  // Test hook: CRM_BENCH_FAULT=<peer key> flips that peer's answer on every record whose
  // id ends in 7, so the tests can see the agreement check stop the run.
  const fault = process.env.CRM_BENCH_FAULT;
  if (fault) {
    const p = peers.find((x) => x.key === fault);
    if (!p) throw new Error(`CRM_BENCH_FAULT: no peer ${fault}`);
    const orig = p.check;
    p.check = (st, rec) => (String(rec.id).endsWith("7") ? !orig(st, rec) : orig(st, rec));
    log(`fault injected into ${p.name}`);
  }
  log(`casbin enforcer: ${fmtN(peers[2].links)} links, built in ${peers[2].buildMs.toFixed(0)} ms`);

  const results = {
    meta: {
      mode: cfg.mode,
      date: new Date().toISOString(),
      machine: machineInfo(),
      command: args.smoke ? "node bench/run.mjs --smoke" : "node bench/run.mjs",
      commit: gitCommit(),
      cfg: {
        org: cfg.org, decisions: cfg.decisions, filterSizes: cfg.filterSizes, caps: cfg.caps,
        decisionCaps: cfg.decisionCaps, build: cfg.build, memorySizes: cfg.memorySizes, memoryShares: cfg.memoryShares,
      },
    },
    engines: [
      crm ? {
        key: "crm", name: "crm-access", version: crm.version,
        describe: "The model itself (SPEC §1): one private `leads` module, one profile opening it, the role tree, nested groups and sharing rules; records stored with `putRecords` or passed as objects.",
      } : null,
      ...peers.map((p) => ({ key: p.key, name: p.name, version: p.version, describe: p.describe })),
    ].filter(Boolean),
    workloads: {},
    cold: null,
    memory: null,
    notes: [],
  };
  const refName = crm ? "crm-access" : "plain JS Sets (--peers-only)";

  // The list-view user of workloads (b) and (c).
  const listUser = pickListUser(org);
  const listSet = allowedOwners(org, listUser);
  results.meta.listUser = {
    id: org.userIds[listUser], roleDepth: org.roleDepth[org.userRole[listUser]],
    owners: listSet.size, groups: groupsOf(org, listUser).size, rules: rulesFor(org, listUser).length,
  };
  log(`list user ${org.userIds[listUser]}: sees records of ${listSet.size} owners`);

  const want = (w) => !args.skip.has(w);

  // (e) and (f) run in child processes: do them first, while this process is small.
  if (crm && want("e")) results.cold = coldStart(cfg);
  if (crm && want("f")) results.memory = memoryPerRecord(cfg);

  // Cedar runs in its own process (see lib/cedar-child.mjs for why).
  const cedarPeer = peers.find((p) => p.key === "cedar");
  if (cedarPeer && ["a", "b", "c"].some(want)) {
    cedarPeer.external = cedarInChild(cfg, want);
    results.notes.push("cedar-child");
    if (cedarFlags.length) results.notes.push(`cedar-flags:${cedarFlags.join(" ")}`);
  }

  if (want("a")) results.workloads.a = workloadDecisions(cfg, org, model, allRecords, crm, peers, refName);
  if (want("b")) results.workloads.b = workloadFilterObjects(cfg, org, allRecords, crm, peers, listUser, refName, model);
  if (want("c")) results.workloads.c = workloadFilterStored(cfg, org, model, allRecords, crm, peers, listUser, refName);
  if (crm && want("d")) results.workloads.d = workloadBuild(cfg, crm);

  results.targets = crm ? evaluateTargets(results) : [];
  results.meta.seconds = (Date.now() - started) / 1000;
  results.meta.machine.loadAtEnd = os.loadavg()[0];
  if (outDir) fs.mkdirSync(outDir, { recursive: true });
  writeReport(results, { mdPath, svgPath, repoDir: REPO_DIR });
  fs.writeFileSync(jsonPath, JSON.stringify(results, null, 1) + "\n");
  for (const t of results.targets) log(`${t.pass === true ? "PASS" : t.pass === false ? "FAIL" : "N/A "} ${t.name}: ${t.detail}`);
  log(`wrote ${mdPath} and ${svgPath} in ${results.meta.seconds.toFixed(1)} s`);
}

function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAtStart: os.loadavg()[0],
  };
}

function gitCommit() {
  if (process.env.CRM_BENCH_COMMIT) return process.env.CRM_BENCH_COMMIT;
  const r = spawnSync("git", ["-C", REPO_DIR, "rev-parse", "--short", "HEAD"], { encoding: "utf8" });
  if (r.status !== 0) return null;
  const dirty = spawnSync("git", ["-C", REPO_DIR, "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"], { encoding: "utf8" });
  return r.stdout.trim() + (dirty.stdout.trim() ? " (with uncommitted engine changes)" : "");
}

const cedarFlags = [];

function cedarInChild(cfg, want) {
  const rounds = Object.fromEntries(cfg.filterSizes.map((n) => [n, cfg.roundsFor(n)]));
  const conf = {
    org: cfg.org, stored: cfg.decisions.stored, pairs: cfg.decisions.pairs, users: cfg.decisions.users,
    decisionCap: cfg.decisionCaps.cedar, roundsA: cfg.decisions.rounds, filterSizes: cfg.filterSizes,
    cap: cfg.caps.cedar, rounds, a: want("a"), b: want("b"), c: want("c"),
  };
  log("Cedar: running its share in a separate process");
  // A V8 abort inside Cedar's glue (see lib/cedar-child.mjs) kills the process by a
  // signal now and then: try again, and the last time without the optimising
  // compiler (Cedar's time is almost all inside its wasm, which --no-opt leaves alone).
  const attempts = [[], [], ["--no-opt"]];
  let r;
  let flags;
  for (flags of attempts) {
    r = spawnSync(process.execPath, [...flags, path.join(BENCH_DIR, "lib", "cedar-child.mjs"), JSON.stringify(conf)], {
      cwd: BENCH_DIR, encoding: "utf8", maxBuffer: 1 << 28,
    });
    if (r.status === 0 || r.signal === null) break;
    log(`Cedar: its process was killed by ${r.signal}${/V8_Fatal|Fatal error/.test(r.stderr) ? " (V8 fatal error)" : ""}; trying again`);
  }
  if (r.status !== 0) throw new Error(`the Cedar process failed (status ${r.status}, signal ${r.signal}): ${r.stderr.slice(0, 2000)}`);
  const j = JSON.parse(r.stdout);
  if (flags.length) cedarFlags.push(...flags);
  return {
    a: j.a,
    b: new Map(j.b.map((x) => [x.n, x])),
    c: new Map(j.c.map((x) => [x.n, x])),
  };
}

/** Samples measured elsewhere, in the shape timeInterleaved returns. */
function fromSamples(samples) {
  return { samples, median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

// ---------------------------------------------------------------------------
// Agreement checks

function disagree(workload, size, who, items) {
  const lines = items.slice(0, 5).map((d) => `  user ${d.user}, record ${JSON.stringify(d.record)}: ${who} says ${d.peer}, reference says ${d.ref}`);
  throw new Disagreement(
    `DISAGREEMENT in workload (${workload}) at size ${fmtN(size)}: ${who} differs from the reference on ${items.length} of the checked records.\n${lines.join("\n")}`,
  );
}

function checkBooleans(workload, size, who, users, recs, got, ref) {
  const bad = [];
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== ref[i]) bad.push({ user: users[i], record: recs[i], peer: got[i] ? "allow" : "deny", ref: ref[i] ? "allow" : "deny" });
  }
  if (bad.length) disagree(workload, size, who, bad);
}

function sameIds(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------
// (a) one decision at a time

function workloadDecisions(cfg, org, model, allRecords, crm, peers, refName) {
  const { stored, pairs: K, users: nUsers, rounds } = cfg.decisions;
  const records = allRecords.slice(0, stored);
  const { users, pu, pr } = decisionPairs(org, records, K, nUsers);
  const puIds = pu.map((u) => org.userIds[u]);
  log(`(a) ${fmtN(K)} decisions over ${users.length} users, ${fmtN(stored)} stored records`);

  let engine = null;
  const rows = [];
  const entries = [];
  let ref;
  if (crm) {
    engine = new crm.Engine(model);
    putInBatches(engine, records);
    const variants = DECISION_VARIANTS.filter((v) => v.available(engine));
    const state = new Map(variants.map((v) => [v, v.setup ? v.setup(engine, pr) : undefined]));
    ref = pu.map((_, i) => variants[0].run(engine, puIds[i], pr[i], i, state.get(variants[0])));
    for (const v of variants.slice(1)) {
      checkBooleans("a", K, `crm-access ${v.id}`, puIds, pr, pu.map((_, i) => v.run(engine, puIds[i], pr[i], i, state.get(v))), ref);
    }
    for (const v of variants) {
      const fn = v.run;
      const st = state.get(v);
      entries.push({
        id: `crm|${v.id}`, items: K,
        run: () => { let c = 0; for (let i = 0; i < K; i++) if (fn(engine, puIds[i], pr[i], i, st)) c++; return c; },
      });
    }
  } else {
    const js = peers[0];
    ref = pu.map((u, i) => js.check(js.forUser(u), pr[i]));
  }
  const allowedShare = ref.filter(Boolean).length / K;
  const external = [];
  for (const p of peers) {
    if (p.external?.a) {
      const x = p.external.a;
      checkBooleans("a", K, p.name, puIds, pr, x.answers, ref.slice(0, x.items));
      external.push({ id: `${p.key}|`, items: x.items, result: fromSamples(x.samples) });
      continue;
    }
    const cap = Math.min(K, cfg.decisionCaps[p.key] ?? K);
    const states = new Map();
    const st = pu.slice(0, cap).map((u) => { if (!states.has(u)) states.set(u, p.forUser(u)); return states.get(u); });
    const got = st.map((s, i) => p.check(s, pr[i]));
    checkBooleans("a", K, p.name, puIds, pr, got, ref.slice(0, cap));
    const check = p.check;
    entries.push({
      id: `${p.key}|`, items: cap,
      run: () => { let c = 0; for (let i = 0; i < cap; i++) if (check(st[i], pr[i])) c++; return c; },
    });
  }
  log(`(a) all engines agree with ${refName} (${(allowedShare * 100).toFixed(1)} % allowed); timing ${rounds} rounds`);
  // Where a call's time goes: calls that cross the JS↔wasm boundary with less and less work.
  if (engine) {
    const probes = [
      ["recordCount()", "a call with no argument, a number back", () => { let c = 0; for (let i = 0; i < K; i++) c += engine.recordCount(); return c; }],
      ["canCreateWorkspace(user)", "one string in (a user lookup), a boolean back", () => { let c = 0; for (let i = 0; i < K; i++) if (engine.canCreateWorkspace(puIds[i])) c++; return c; }],
    ];
    for (const [id, what, run] of probes) {
      if (typeof engine[id.split("(")[0]] === "function") entries.push({ id: `probe|${id}`, items: K, what, run });
    }
  }
  const t = timeInterleaved(entries, rounds);
  for (const x of external) { t.set(x.id, x.result); entries.push(x); }
  const probes = [];
  for (const e of entries) {
    const m = t.get(e.id);
    const [key, variant] = e.id.split("|");
    if (key === "probe") { probes.push({ call: variant, what: e.what, perItemNs: (m.median * 1e6) / e.items }); continue; }
    rows.push({
      size: K, engine: key, variant, items: e.items, rounds,
      medianMs: m.median, minMs: m.min, maxMs: m.max,
      perItemNs: (m.median * 1e6) / e.items, extrapolated: e.items < K,
    });
  }
  freeEngine(engine);
  return {
    title: "(a) One decision at a time",
    what: `${fmtN(K)} (user, record) pairs over ${users.length} users; half the records are ones the user may see. crm-access holds ${fmtN(stored)} stored records; peers get the record object. Cost per decision.`,
    unit: "decision", perItemOnly: true, allowedShare, rows, probes,
  };
}

// ---------------------------------------------------------------------------
// (b) filter plain JS objects

function workloadFilterObjects(cfg, org, allRecords, crm, peers, listUser, refName, model) {
  const uid = org.userIds[listUser];
  const rows = [];
  let engine = null;
  let variants = [];
  if (crm) {
    engine = new crm.Engine(model); // no stored records: every record is passed in
    variants = FILTER_OBJECT_VARIANTS.filter((v) => v.available(engine));
  }
  const jsState = peers[0].forUser(listUser);
  for (const n of cfg.filterSizes) {
    const recs = allRecords.slice(0, n);
    const rounds = cfg.roundsFor(n);
    const entries = [];
    let refIds;
    if (crm) {
      refIds = variants[0].run(engine, uid, recs).map((r) => r.id);
      for (const v of variants.slice(1)) {
        const got = v.run(engine, uid, recs).map((r) => r.id);
        if (!sameIds(got, refIds)) diffFilter("b", n, `crm-access ${v.id}`, uid, recs, new Set(got), new Set(refIds));
      }
      for (const v of variants) entries.push({ id: `crm|${v.id}`, items: n, run: () => v.run(engine, uid, recs) });
    } else {
      refIds = recs.filter((r) => peers[0].check(jsState, r)).map((r) => r.id);
    }
    const refSet = new Set(refIds);
    const external = [];
    for (const p of peers) {
      const e = peerListEntry(cfg, "b", n, p, recs, uid, listUser, refSet, (r) => r);
      if (e.external) external.push(e.external);
      else entries.push(e.entry);
    }
    log(`(b) ${fmtN(n)} objects: all engines agree with ${refName} (${fmtN(refIds.length)} allowed); timing ${rounds} rounds`);
    const t = timeInterleaved(entries, rounds);
    for (const x of external) { t.set(x.id, x.result); entries.push(x); }
    pushRows(rows, entries, t, n, rounds);
  }
  freeEngine(engine);
  return {
    title: "(b) Filter plain JS objects",
    what: `One list-view user (${uid}) filters N lead objects passed in from JavaScript. crm-access holds no stored records here. Time for the whole list.`,
    unit: "record", rows,
  };
}

// One peer's entry for a list workload ("b": records out, "c": ids out): its
// answers are checked against the reference set first; a peer measured in its
// own process (Cedar) contributes its external result instead.
function peerListEntry(cfg, workload, n, p, recs, uid, listUser, refSet, pick) {
  const x = p.external?.[workload]?.get(n);
  if (x) {
    checkBooleans(workload, n, p.name, recs.map(() => uid), recs, x.answers, recs.slice(0, x.items).map((r) => refSet.has(r.id)));
    return { external: { id: `${p.key}|`, items: x.items, result: fromSamples(x.samples) } };
  }
  const cap = Math.min(n, cfg.caps[p.key] ?? n);
  const st = p.forUser(listUser);
  const check = p.check;
  const got = [];
  for (let i = 0; i < cap; i++) got.push(check(st, recs[i]));
  checkBooleans(workload, n, p.name, recs.map(() => uid), recs, got, recs.slice(0, cap).map((r) => refSet.has(r.id)));
  return {
    entry: {
      id: `${p.key}|`, items: cap,
      run: () => { const out = []; for (let i = 0; i < cap; i++) if (check(st, recs[i])) out.push(pick(recs[i])); return out; },
    },
  };
}

function diffFilter(workload, n, who, uid, recs, got, ref) {
  const bad = [];
  for (const r of recs) {
    const a = got.has(r.id), b = ref.has(r.id);
    if (a !== b) bad.push({ user: uid, record: r, peer: a ? "allow" : "deny", ref: b ? "allow" : "deny" });
  }
  if (!bad.length) bad.push({ user: uid, record: "(order or duplicates differ)", peer: "?", ref: "?" });
  disagree(workload, n, who, bad);
}

function pushRows(rows, entries, t, n, rounds) {
  for (const e of entries) {
    const m = t.get(e.id);
    const [key, variant] = e.id.split("|");
    const scale = n / e.items;
    rows.push({
      size: n, engine: key, variant, items: e.items, rounds,
      medianMs: m.median * scale, minMs: m.min * scale, maxMs: m.max * scale,
      perItemNs: (m.median * 1e6) / e.items, extrapolated: e.items < n,
    });
  }
}

// ---------------------------------------------------------------------------
// (c) filter the stored records for one user

function workloadFilterStored(cfg, org, model, allRecords, crm, peers, listUser, refName) {
  const uid = org.userIds[listUser];
  const rows = [];
  const puts = [];
  for (const n of cfg.filterSizes) {
    const recs = allRecords.slice(0, n);
    const ids = recs.map((r) => r.id);
    const rounds = cfg.roundsFor(n);
    const entries = [];
    let engine = null;
    let refSorted;
    if (crm) {
      engine = new crm.Engine(model);
      const t0 = performance.now();
      putInBatches(engine, recs);
      puts.push({ size: n, ms: performance.now() - t0 });
      const variants = FILTER_STORED_VARIANTS.filter((v) => v.available(engine));
      refSorted = [...variants[0].run(engine, uid, ids)].sort();
      for (const v of variants.slice(1)) {
        const got = [...v.run(engine, uid, ids)].sort();
        if (!sameIds(got, refSorted)) diffFilter("c", n, `crm-access ${v.id}`, uid, recs, new Set(got), new Set(refSorted));
      }
      for (const v of variants) entries.push({ id: `crm|${v.id}`, items: n, run: () => v.run(engine, uid, ids) });
    } else {
      const st = peers[0].forUser(listUser);
      refSorted = recs.filter((r) => peers[0].check(st, r)).map((r) => r.id).sort();
    }
    const refSet = new Set(refSorted);
    const external = [];
    for (const p of peers) {
      const e = peerListEntry(cfg, "c", n, p, recs, uid, listUser, refSet, (r) => r.id);
      if (e.external) external.push(e.external);
      else entries.push(e.entry);
    }
    log(`(c) ${fmtN(n)} stored: all engines agree with ${refName} (${fmtN(refSorted.length)} allowed); timing ${rounds} rounds`);
    const t = timeInterleaved(entries, rounds);
    for (const x of external) { t.set(x.id, x.result); entries.push(x); }
    pushRows(rows, entries, t, n, rounds);
    freeEngine(engine);
  }
  return {
    title: "(c) Filter stored records for one user",
    what: `The list-view user (${uid}) asks which of the N stored records they may see; results are record ids. crm-access has the records in its store (putRecords); the peers keep them as JS objects in an array, their natural store. Time for the whole list.`,
    unit: "record", rows, puts,
  };
}

// ---------------------------------------------------------------------------
// (d) building an Engine

function workloadBuild(cfg, crm) {
  const rows = [];
  const shapes = [];
  for (const s of cfg.build.scales) {
    const sz = {
      users: Math.round(FULL.org.users * s * (cfg.mode === "smoke" ? SMOKE.org.users / FULL.org.users : 1)),
      roles: Math.round(FULL.org.roles * s * (cfg.mode === "smoke" ? SMOKE.org.roles / FULL.org.roles : 1)),
      groups: Math.round(FULL.org.groups * s * (cfg.mode === "smoke" ? SMOKE.org.groups / FULL.org.groups : 1)),
      rules: Math.round(FULL.org.rules * s * (cfg.mode === "smoke" ? SMOKE.org.rules / FULL.org.rules : 1)),
    };
    const nRec = Math.round(cfg.build.records * s);
    const o = generateOrg({ ...sz, seed: 3 });
    const recs = generateRecords(o, nRec, 5);
    const m = { ...crmModel(o), records: recs };
    const text = JSON.stringify(m);
    shapes.push({ ...sz, records: nRec, jsonBytes: text.length });
    // Agreement: engines built both ways answer like the JS Sets of this org.
    const js = jsSets(o);
    for (const v of BUILD_VARIANTS) {
      const e = v.run(crm.Engine, m, text);
      const bad = [];
      for (let k = 0; k < 8; k++) {
        const u = (k * 7919) % o.userIds.length;
        const st = js.forUser(u);
        for (let i = k; i < recs.length; i += Math.max(1, Math.floor(recs.length / 200))) {
          const a = e.can(o.userIds[u], "view", recs[i].id), b = js.check(st, recs[i]);
          if (a !== b) bad.push({ user: o.userIds[u], record: recs[i], peer: b ? "allow" : "deny", ref: a ? "allow" : "deny" });
        }
      }
      freeEngine(e);
      if (bad.length) disagree("d", sz.users, "plain JS Sets (on an engine built by " + v.id + ")", bad);
    }
    const entries = BUILD_VARIANTS.map((v) => ({
      id: `crm|${v.id}`, items: sz.users,
      run: () => v.run(crm.Engine, m, text),
      after: (e) => freeEngine(e),
    }));
    log(`(d) build ${JSON.stringify(sz)} + ${fmtN(nRec)} records: timing ${cfg.build.rounds} rounds`);
    const t = timeInterleaved(entries, cfg.build.rounds);
    for (const e of entries) {
      const r = t.get(e.id);
      rows.push({
        size: sz.users, engine: "crm", variant: e.id.split("|")[1], items: sz.users, rounds: cfg.build.rounds,
        medianMs: r.median, minMs: r.min, maxMs: r.max, perItemNs: (r.median * 1e6) / sz.users, extrapolated: false,
        shape: { ...sz, records: nRec },
      });
    }
  }
  return {
    title: "(d) Building an Engine",
    what: "`new Engine(model)` with the records inside the model, at growing sizes (users, roles, groups, sharing rules and records all scale together). The JSON text variant passes the same model as one string (serialising it is not timed).",
    unit: "build", sizeLabel: "users", rows, shapes,
  };
}

// ---------------------------------------------------------------------------
// (e) cold start

function coldStart(cfg) {
  const out = { processes: [], instantiate: [], wasm: [] };
  const runs = cfg.coldRuns;
  const scripts = {
    "node (empty script)": "console.log(JSON.stringify({importMs:0, firstMs:0}))",
    "crm-access": `const t0=performance.now(); const {Engine}=await import("crm-access"); const t1=performance.now();
      const e=new Engine({modules:[{name:"leads"}],profiles:[{id:"p",modules:{leads:{view:true}}}],users:[{id:"u",profiles:["p"]}]});
      e.can("u","view",{module:"leads",owner:"u"}); const t2=performance.now();
      console.log(JSON.stringify({importMs:t1-t0, firstMs:t2-t0}))`,
    "@cedar-policy/cedar-wasm": `const t0=performance.now(); const c=await import("@cedar-policy/cedar-wasm/nodejs"); const t1=performance.now();
      const a=(c.isAuthorized??c.default.isAuthorized)({principal:{type:"User",id:"u"},action:{type:"Action",id:"view"},resource:{type:"Lead",id:"r"},context:{},policies:{staticPolicies:"permit(principal,action,resource);"},entities:[]});
      if(a.type!=="success") throw new Error("cedar failed"); const t2=performance.now();
      console.log(JSON.stringify({importMs:t1-t0, firstMs:t2-t0}))`,
    "@casl/ability": `const t0=performance.now(); const {createMongoAbility}=await import("@casl/ability"); const t1=performance.now();
      createMongoAbility([{action:"view",subject:"Lead",conditions:{owner:"u"}}],{detectSubjectType:()=>"Lead"}).can("view",{owner:"u"}); const t2=performance.now();
      console.log(JSON.stringify({importMs:t1-t0, firstMs:t2-t0}))`,
    casbin: `const t0=performance.now(); const cb=await import("casbin"); const t1=performance.now();
      const e=await cb.newEnforcer(cb.newModelFromString("[request_definition]\\nr = sub, obj, act\\n[policy_definition]\\np = sub, obj, act\\n[policy_effect]\\ne = some(where (p.eft == allow))\\n[matchers]\\nm = r.sub == p.sub && r.act == p.act"), new cb.StringAdapter("p, u, leads, view"));
      e.enforceSync("u","leads","view"); const t2=performance.now();
      console.log(JSON.stringify({importMs:t1-t0, firstMs:t2-t0}))`,
  };
  // Interleaved: run i starts every package once, so drift hits all alike.
  const acc = Object.fromEntries(Object.keys(scripts).map((k) => [k, { walls: [], imports: [], firsts: [] }]));
  spawnSync(process.execPath, ["-e", "0"]); // warm-up: the first spawn pays for cold caches
  for (let i = 0; i < runs; i++) {
    for (const [name, src] of Object.entries(scripts)) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ["--input-type=module", "-e", src], { cwd: BENCH_DIR, encoding: "utf8" });
      const wall = performance.now() - t0;
      if (r.status !== 0) throw new Error(`cold start of ${name} failed: ${r.stderr}`);
      const j = JSON.parse(r.stdout.trim().split("\n").pop());
      acc[name].walls.push(wall); acc[name].imports.push(j.importMs); acc[name].firsts.push(j.firstMs);
    }
  }
  for (const [name, a] of Object.entries(acc)) {
    out.processes.push({ name, wallMs: median(a.walls), importMs: median(a.imports), firstMs: median(a.firsts), runs });
  }
  const base = out.processes[0].wallMs;
  for (const p of out.processes) p.overNodeMs = p.wallMs - base;

  const cedarWasm = path.join(BENCH_DIR, "node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm_bg.wasm");
  // crm-access ships two builds: the core one the browser entry loads (judged
  // against the size budget) and the full one of Node and crm-access/full
  const core = wasmFiles().find((f) => path.basename(f) === "crm_access_bg.wasm") ?? wasmFiles()[0];
  const fullWasm = wasmFiles().find((f) => path.basename(f) === "crm_access_full_bg.wasm");
  const files = [["crm-access", core], ...(fullWasm ? [["crm-access/full", fullWasm]] : []), ["@cedar-policy/cedar-wasm", cedarWasm]];
  for (const [name, f] of files) {
    const bytes = fs.readFileSync(f);
    out.wasm.push({
      name, file: path.relative(REPO_DIR, f), bytes: bytes.length,
      gzipBytes: zlib.gzipSync(bytes, { level: 9 }).length,
    });
    const compile = [], inst = [];
    let instantiated = true;
    for (let i = 0; i < cfg.instantiateRuns; i++) {
      const t0 = performance.now();
      const mod = new WebAssembly.Module(bytes);
      const t1 = performance.now();
      compile.push(t1 - t0);
      try {
        const imports = stubImports(mod);
        const t2 = performance.now();
        new WebAssembly.Instance(mod, imports);
        inst.push(performance.now() - t2);
      } catch { instantiated = false; }
    }
    out.instantiate.push({
      name, compileMs: median(compile), instantiateMs: instantiated ? median(inst) : null, runs: cfg.instantiateRuns,
    });
  }
  log(`(e) cold start: ${out.processes.map((p) => `${p.name} ${p.wallMs.toFixed(0)} ms`).join(", ")}`);
  return out;
}

function stubImports(mod) {
  const imports = {};
  for (const imp of WebAssembly.Module.imports(mod)) {
    imports[imp.module] ??= {};
    let v;
    if (imp.kind === "function") v = () => { throw new Error("stub"); };
    else if (imp.kind === "memory") v = new WebAssembly.Memory({ initial: 17 });
    else if (imp.kind === "table") v = new WebAssembly.Table({ initial: 128, element: "externref" });
    else if (imp.kind === "global") v = new WebAssembly.Global({ value: "i32", mutable: true }, 0);
    imports[imp.module][imp.name] = v;
  }
  return imports;
}

// ---------------------------------------------------------------------------
// (f) wasm memory per stored record (each size in a fresh process)

function memoryPerRecord(cfg) {
  const out = { sizes: [], how: null };
  const modelUrl = new URL("./lib/model.mjs", import.meta.url).href;
  const crmUrl = new URL("./lib/crm.mjs", import.meta.url).href;
  const runs = cfg.memorySizes.map((n) => [n, 0]).concat((cfg.memoryShares?.shares ?? []).map((k) => [cfg.memoryShares.n, k]));
  for (const [n, shares] of runs) {
    const src = `
      import { generateOrg, generateRecords, crmModel } from ${JSON.stringify(modelUrl)};
      import { wasmMemoryProbe, putInBatches } from ${JSON.stringify(crmUrl)};
      const mod = await import("crm-access");
      const probe = wasmMemoryProbe(mod);
      const org = generateOrg({ ...${JSON.stringify(cfg.org)}, seed: 1 });
      const e = new mod.Engine(crmModel(org));
      globalThis.gc(); const h0 = process.memoryUsage().heapUsed;
      const recs = generateRecords(org, ${n}, 7);
      // shared by hand with ${shares} user(s) each (internal users: the generated org has no external ones)
      for (let i = 0; i < recs.length && ${shares} > 0; i++) {
        recs[i].sharedWith = Array.from({ length: ${shares} }, (_, k) => ({ user: org.userIds[(i * 7 + k * 13) % org.userIds.length], access: "read" }));
      }
      globalThis.gc(); const h1 = process.memoryUsage().heapUsed;
      const before = probe ? probe.bytes() : null;
      putInBatches(e, recs, 10000);
      const after = probe ? probe.bytes() : null;
      console.log(JSON.stringify({ n: ${n}, how: probe ? probe.how : null, before, after, jsHeapPerRecord: (h1 - h0) / ${n} }));
    `;
    const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", src], { cwd: BENCH_DIR, encoding: "utf8", maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`memory measurement at ${n} failed: ${r.stderr}`);
    const j = JSON.parse(r.stdout.trim().split("\n").pop());
    out.how = j.how;
    out.sizes.push({
      n, shares, before: j.before, after: j.after,
      perRecord: j.before == null ? null : (j.after - j.before) / n,
      jsHeapPerRecord: j.jsHeapPerRecord,
    });
  }
  log(`(f) memory: ${out.how ? out.sizes.map((s) => `${fmtN(s.n)}${s.shares ? ` (${s.shares} share${s.shares > 1 ? "s" : ""})` : ""} -> ${s.perRecord.toFixed(1)} B/record`).join(", ") : "the package exposes no handle on its wasm memory"}`);
  return out;
}

// ---------------------------------------------------------------------------
// Targets (reported, never asserted)

function evaluateTargets(results) {
  const T = [];
  const rowsOf = (w) => results.workloads[w]?.rows ?? [];
  const peer = (w, key, size) => rowsOf(w).find((r) => r.engine === key && (size == null || r.size === size));
  const crmRows = (w, size) => rowsOf(w).filter((r) => r.engine === "crm" && (size == null || r.size === size));
  const best = (rows) => rows.reduce((a, b) => (a && a.medianMs <= b.medianMs ? a : b), null);
  const x = (v) => `${v.toFixed(2)}×`;

  // 1. single decision vs CASL
  {
    const c = peer("a", "casl");
    const rows = crmRows("a");
    if (c && rows.length) {
      const b = best(rows.map((r) => ({ ...r, medianMs: r.perItemNs })));
      const ratio = c.perItemNs / b.perItemNs;
      T.push({
        name: "single decision ≥ 2× faster than CASL", pass: ratio >= 2,
        detail: `best crm-access variant ${b.variant}: ${x(ratio)} (${b.perItemNs.toFixed(0)} ns vs ${c.perItemNs.toFixed(0)} ns); ` +
          rows.map((r) => `${r.variant} ${x(c.perItemNs / r.perItemNs)}`).join(", "),
      });
    } else T.push({ name: "single decision ≥ 2× faster than CASL", pass: null, detail: "not measured" });
  }
  // 1b. decide (the call that explains) vs CASL's check
  {
    const c = peer("a", "casl");
    const rows = crmRows("a").filter((r) => r.variant.startsWith("decide"));
    if (c && rows.length) {
      const b = best(rows.map((r) => ({ ...r, medianMs: r.perItemNs })));
      const ratio = c.perItemNs / b.perItemNs;
      T.push({
        name: "decide (with reasons) at least as fast as CASL's check", pass: ratio >= 1,
        detail: `best decide variant ${b.variant}: ${x(ratio)} (${b.perItemNs.toFixed(0)} ns vs ${c.perItemNs.toFixed(0)} ns); ` +
          rows.map((r) => `${r.variant} ${x(c.perItemNs / r.perItemNs)}`).join(", "),
      });
    } else T.push({ name: "decide (with reasons) at least as fast as CASL's check", pass: null, detail: "not measured" });
  }
  // 2. filter 10k objects vs CASL
  {
    const size = results.meta.cfg.filterSizes[0];
    const c = peer("b", "casl", size);
    const rows = crmRows("b", size);
    if (c && rows.length) {
      const b = best(rows);
      const ratio = c.medianMs / b.medianMs;
      T.push({
        name: `filter of ${fmtN(size)} JS objects ≥ 2× faster than CASL`, pass: ratio >= 2,
        detail: `best crm-access variant ${b.variant}: ${x(ratio)} (${fmtMs(b.medianMs)} vs ${fmtMs(c.medianMs)}); ` +
          rows.map((r) => `${r.variant} ${x(c.medianMs / r.medianMs)}`).join(", "),
      });
    } else T.push({ name: "filter of JS objects ≥ 2× faster than CASL", pass: null, detail: "not measured" });
  }
  // 3. 100k stored in < 5 ms and within 2× of JS Sets
  {
    const sizes = results.meta.cfg.filterSizes;
    const size = sizes.includes(100_000) ? 100_000 : sizes[sizes.length - 1];
    const js = peer("c", "js", size);
    const rows = crmRows("c", size);
    if (js && rows.length) {
      const b = best(rows);
      const within = b.medianMs / js.medianMs;
      T.push({
        name: `${fmtN(size)} stored records filtered in < 5 ms and within 2× of plain JS Sets`,
        pass: b.medianMs < 5 && within <= 2,
        detail: `best crm-access variant ${b.variant}: ${fmtMs(b.medianMs)}, ${x(within)} the plain JS Sets time (${fmtMs(js.medianMs)}); ` +
          rows.map((r) => `${r.variant} ${fmtMs(r.medianMs)}`).join(", "),
      });
    }
  }
  // 4. build
  {
    const rows = rowsOf("d");
    const top = rows.length ? Math.max(...rows.map((r) => r.size)) : null;
    const at = rows.filter((r) => r.size === top);
    if (at.length) {
      const b = best(at);
      const sh = b.shape;
      T.push({
        name: "engine build (d) < 300 ms", pass: b.medianMs < 300,
        detail: `${fmtN(sh.users)} users, ${fmtN(sh.roles)} roles, ${fmtN(sh.groups)} groups, ${fmtN(sh.rules)} rules, ${fmtN(sh.records)} records: ` +
          at.map((r) => `${r.variant} ${fmtMs(r.medianMs)}`).join(", "),
      });
    }
  }
  // 5. wasm size
  {
    const w = results.cold?.wasm.find((x) => x.name === "crm-access");
    const full = results.cold?.wasm.find((x) => x.name === "crm-access/full");
    if (w) {
      T.push({
        name: ".wasm < 200 KB gzipped (the browser entry's core build)", pass: w.gzipBytes < 200 * 1024,
        detail: `${(w.gzipBytes / 1024).toFixed(1)} KiB gzipped (gzip -9), ${(w.bytes / 1024).toFixed(1)} KiB raw (${w.file})` +
          (full ? `; the full build (Node, crm-access/full: also apply, impact, whoCan, explain, sliceFor, plan): ${(full.gzipBytes / 1024).toFixed(1)} KiB gzipped (${full.file})` : ""),
      });
    }
  }
  // 6. memory per record
  {
    const m = results.memory;
    if (m && m.how) {
      // Judged on the sizes from 100,000 records up (or the largest measured):
      // below that, 64 KiB pages and the transient buffers of one batch dominate.
      const big = m.sizes.filter((s) => s.n >= 100_000);
      const judged = big.length ? big : [m.sizes[m.sizes.length - 1]];
      const worst = Math.max(...judged.map((s) => s.perRecord));
      T.push({
        name: "stored records < 200 bytes each", pass: worst < 200,
        detail: m.sizes.map((s) => `${fmtN(s.n)} records${s.shares ? ` with ${s.shares} share${s.shares > 1 ? "s" : ""} each` : ""}: ${s.perRecord.toFixed(1)} B/record`).join(", ") +
          ` (wasm memory growth, via ${m.how}; judged on ${judged.map((s) => fmtN(s.n)).join(" and ")} records)`,
      });
    } else if (m) {
      T.push({ name: "stored records < 200 bytes each", pass: null, detail: "not measurable: the package gives no way to read its wasm memory size" });
    }
  }
  return T;
}

main().catch((err) => {
  if (err instanceof Disagreement) {
    console.error(`[bench] ${err.message}`);
    console.error("[bench] stopped: the engines must agree before anything is timed.");
    process.exit(2);
  }
  console.error("[bench] failed:", err && err.stack ? err.stack : err);
  process.exit(1);
});
