import inspector from "node:inspector";
import fs from "node:fs";
import { generateOrg, generateRecords, crmModel, allowedOwners } from "./lib/model.mjs";
import { Engine, memoryBytes } from "crm-access";
const org = generateOrg({users:10000, roles:2000, groups:500, rules:1000, seed:1});
const recs = generateRecords(org, 100000, 7);
const e = new Engine(crmModel(org));
for (let i=0;i<recs.length;i+=50000) e.putRecords(recs.slice(i,i+50000));
const u = "u17"; const r10 = recs.slice(0,10000);
const jobs = {
  stored: () => e.filterStored(u, "view"),
  objects: () => e.filter(u, r10, "view"),
  canobj: () => { let c=0; for (const r of r10) if (e.can(u,"view",r)) c++; return c; },
  canid: () => { let c=0; for (const r of r10) if (e.can(u,"view",r.id)) c++; return c; },
  decide: () => { let c=0; for (const r of r10) if (e.decide(u,"view",r).allowed) c++; return c; },
};
const s = new inspector.Session(); s.connect();
const post = (m, p={}) => new Promise((res, rej) => s.post(m, p, (err, r) => err ? rej(err) : res(r)));
await post("Profiler.enable"); await post("Profiler.setSamplingInterval", { interval: 50 });
for (const [name, f] of Object.entries(jobs)) {
  for (let i=0;i<3;i++) f();
  await post("Profiler.start");
  const t=performance.now(); let n=0; while (performance.now()-t < 1500) { f(); n++; }
  const { profile } = await post("Profiler.stop");
  const per = (performance.now()-t)/n;
  const byId = new Map(profile.nodes.map(n=>[n.id,n]));
  const buckets = {}; const fns = {}; let total=0;
  profile.samples.forEach((id,i)=>{ const n=byId.get(id); const dt=profile.timeDeltas[i]||0; total+=dt;
    const url=n.callFrame.url, fn=n.callFrame.functionName;
    const b = url.includes("wasm") ? "wasm code" : url.includes("crm_access.js") ? "wasm-bindgen JS glue" : fn==="(garbage collector)" ? "GC" : url.includes(".prof-tmp2") ? "benchmark loop" : (fn==="(program)"||fn==="(idle)") ? "other" : "node/V8 builtins ("+fn+")";
    buckets[b]=(buckets[b]||0)+dt;
    if (url.includes("crm_access.js") || !url.includes("wasm")) { const k=fn+":"+n.callFrame.lineNumber; fns[k]=(fns[k]||0)+dt; }
  });
  console.log(`== ${name}: ${per.toFixed(3)} ms per call`);
  for (const [b,v] of Object.entries(buckets).sort((a,b)=>b[1]-a[1]).slice(0,8)) console.log("  ", (100*v/total).toFixed(1).padStart(5)+"%", b);
  console.log("   top non-wasm:", Object.entries(fns).sort((a,b)=>b[1]-a[1]).slice(0,6).map(([k,v])=>`${k} ${(100*v/total).toFixed(1)}%`).join(", "));
}
