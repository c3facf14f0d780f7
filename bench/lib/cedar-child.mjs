// Runs the Cedar part of workloads (a), (b) and (c) in a process of its own and
// prints its answers and round times as JSON.
//
// Why a separate process: on Node 20 (V8 11.3) a process running Cedar's
// checks at the full sizes now and then aborted ("Fatal error ... unreachable
// code" in Deoptimizer::DoComputeBuiltinContinuation, while deoptimising
// Cedar's optimised JS glue), taking the whole benchmark down with it. In its
// own process Cedar sees exactly the same data (same generator, same seeds) and
// the same agreement check; the harness retries it when it dies. Its rounds are
// not interleaved with the other engines'.
//
//   node bench/lib/cedar-child.mjs '<json config>'

import { generateOrg, generateRecords } from "./model.mjs";
import { cedar } from "./peers.mjs";
import { decisionPairs, pickListUser } from "./workload.mjs";
import { timeInterleaved } from "./measure.mjs";

const cfg = JSON.parse(process.argv[2]);
const org = generateOrg({ ...cfg.org, seed: 1 });
const maxN = Math.max(cfg.stored, ...cfg.filterSizes);
const all = generateRecords(org, maxN, 7);
const p = await cedar(org);
if (process.env.CRM_BENCH_FAULT === "cedar") { // the harness's test hook, as in run.mjs
  const orig = p.check;
  p.check = (st, rec) => (String(rec.id).endsWith("7") ? !orig(st, rec) : orig(st, rec));
}
const out = { version: p.version, a: null, b: [], c: [] };

if (cfg.a) {
  const records = all.slice(0, cfg.stored);
  const { pu, pr } = decisionPairs(org, records, cfg.pairs, cfg.users);
  const cap = Math.min(cfg.pairs, cfg.decisionCap);
  const states = new Map();
  const st = pu.slice(0, cap).map((u) => { if (!states.has(u)) states.set(u, p.forUser(u)); return states.get(u); });
  const answers = st.map((s, i) => p.check(s, pr[i]));
  const t = timeInterleaved([{ id: "a", run: () => { let c = 0; for (let i = 0; i < cap; i++) if (p.check(st[i], pr[i])) c++; return c; } }], cfg.roundsA);
  out.a = { items: cap, answers, samples: t.get("a").samples };
}

const listUser = pickListUser(org);
const st = p.forUser(listUser);
for (const n of cfg.filterSizes) {
  const recs = all.slice(0, n);
  const cap = Math.min(n, cfg.cap);
  const answers = [];
  for (let i = 0; i < cap; i++) answers.push(p.check(st, recs[i]));
  const rounds = cfg.rounds[n];
  const t = timeInterleaved([
    { id: "b", run: () => { const o = []; for (let i = 0; i < cap; i++) if (p.check(st, recs[i])) o.push(recs[i]); return o; } },
    { id: "c", run: () => { const o = []; for (let i = 0; i < cap; i++) if (p.check(st, recs[i])) o.push(recs[i].id); return o; } },
  ], rounds);
  if (cfg.b) out.b.push({ n, items: cap, answers, samples: t.get("b").samples });
  if (cfg.c) out.c.push({ n, items: cap, answers, samples: t.get("c").samples });
}
process.stdout.write(JSON.stringify(out));
