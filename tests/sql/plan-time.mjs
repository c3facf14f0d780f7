// The time of engine.plan in the wasm package (Node), on the model of the
// benchmark's (d): 10,000 users, 2,000 roles, 500 nested groups, 1,000 sharing
// rules (bench/lib/model.mjs). Every user, view and edit, best of 3 calls each
// (the machine is shared); the time includes turning the plan into JS objects.
//   node tests/sql/plan-time.mjs [--write model.json]
// (--write saves the model, for the native bench: PLAN_MODEL=model.json BENCH=plan cargo bench --bench native)
// The native figure: BENCH=plan cargo bench --bench native
import fs from "node:fs";
import { Engine } from "../node/load.mjs";
import { generateOrg, crmModel, MODULE } from "../../bench/lib/model.mjs";

const org = generateOrg({ users: 10_000, roles: 2_000, groups: 500, rules: 1_000 });
const engine = new Engine(crmModel(org));
const w = process.argv.indexOf("--write");
if (w > 0) fs.writeFileSync(process.argv[w + 1], JSON.stringify(crmModel(org)));
const users = crmModel(org).users.map((u) => u.id);
const times = [];
const slow = [];
let bytes = 0;
for (const user of users) {
  for (const action of ["view", "edit"]) {
    let best = Infinity;
    let plan;
    for (let i = 0; i < 3; i++) {
      const t = process.hrtime.bigint();
      plan = engine.plan(user, action, MODULE);
      best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
    }
    const size = JSON.stringify(plan).length;
    bytes += size;
    times.push(best);
    if (best > 1) slow.push([best.toFixed(2) + " ms", size, user, action]);
  }
}
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(times.length * q))];
const f = (x) => (x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(2)} ms`);
console.log(`engine.plan in wasm (Node ${process.version}), ${users.length} users × view/edit = ${times.length} plans: ` +
  `median ${f(at(0.5))}, p99 ${f(at(0.99))}, max ${f(times.at(-1))}, mean JSON ${Math.round(bytes / times.length)} bytes`);
slow.sort((a, b) => parseFloat(b[0]) - parseFloat(a[0]));
console.log(`over 1 ms: ${slow.length}${slow.length ? " (time, JSON bytes, user, action): " + JSON.stringify(slow.slice(0, 8)) : ""}`);
