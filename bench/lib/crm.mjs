// crm-access in the benchmark: how to load it and the ways of asking it each
// workload's question. To benchmark a new engine API, add an entry to one of
// the VARIANTS lists below: `available(engine)` says whether the loaded
// package has it, `run` performs the whole workload and returns what the
// agreement check compares (booleans, records or ids as documented per list).

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
export const PKG_DIR = path.resolve(here, "..", "..", "pkg");

/** Loads the package through its ES module entry, as an application would. */
export async function loadCrm() {
  if (!fs.existsSync(path.join(PKG_DIR, "package.json"))) {
    throw new Error(`crm-access is not built: ${PKG_DIR}/package.json is missing (run: bash scripts/build.sh)`);
  }
  const mod = await import("crm-access");
  if (typeof mod.Engine !== "function") throw new Error("crm-access: the package exports no Engine class");
  const pkgJson = JSON.parse(fs.readFileSync(path.join(PKG_DIR, "package.json"), "utf8"));
  return { mod, Engine: mod.Engine, version: pkgJson.version, pkgJson };
}

/** Every .wasm file the package ships (largest first). */
export function wasmFiles() {
  const out = [];
  const walk = (d) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      if (ent.isDirectory() && ent.name !== "node_modules") walk(p);
      else if (ent.name.endsWith(".wasm")) out.push(p);
    }
  };
  if (fs.existsSync(PKG_DIR)) walk(PKG_DIR);
  return out.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
}

/**
 * A function returning the current byte length of the engine's wasm memory,
 * or null when the package gives no way to reach it. Tried in order: an
 * exported helper, an exported memory, wasm-bindgen's `__wasm` handle on the
 * CommonJS or ES module object.
 */
export function wasmMemoryProbe(mod) {
  const candidates = [mod, mod.default];
  try { candidates.push(require("crm-access")); } catch { /* ESM-only package */ }
  for (const m of candidates) {
    if (!m) continue;
    for (const name of ["wasmMemoryBytes", "memoryBytes", "wasmMemorySize"]) {
      if (typeof m[name] === "function") return { how: `${name}()`, bytes: () => Number(m[name]()) };
    }
    const mem = m.memory ?? m.__wasm?.memory ?? m.wasm?.memory;
    if (mem && mem.buffer) return { how: m.memory ? "exported memory" : "__wasm.memory", bytes: () => mem.buffer.byteLength };
  }
  return null;
}

const has = (name) => (e) => typeof e[name] === "function";

/**
 * (a) one decision. run(engine, user, record, i, state) -> boolean, where i is
 * the pair's number and state what `setup(engine, records)` returned (untimed,
 * like the peers' per-user state), if the variant has one. The first is the reference.
 */
export const DECISION_VARIANTS = [
  { id: "decide(object)", available: has("decide"), run: (e, u, rec) => e.decide(u, "view", rec).allowed },
  { id: "decide(stored id)", available: has("decide"), stored: true, run: (e, u, rec) => e.decide(u, "view", rec.id).allowed },
  { id: "can(object)", available: has("can"), run: (e, u, rec) => e.can(u, "view", rec) },
  { id: "can(stored id)", available: has("can"), stored: true, run: (e, u, rec) => e.can(u, "view", rec.id) },
  {
    // the pairs' records prepared once as a list (Engine.prepare), then asked about by row
    id: "prepared list can(row)", available: has("prepare"), stored: true,
    setup: (e, records) => e.prepare(records.map((r) => r.id)),
    run: (e, u, rec, i, list) => list.can(u, "view", i),
  },
];

/** (b) filter plain JS objects. run(engine, user, records) -> the allowed records, input order. */
export const FILTER_OBJECT_VARIANTS = [
  { id: "filter(objects)", available: has("filter"), run: (e, u, recs) => e.filter(u, recs, "view") },
  { id: "can(object) loop", available: has("can"), run: (e, u, recs) => recs.filter((r) => e.can(u, "view", r)) },
];

/**
 * (c) filter the stored records for one user. run(engine, user, ids) -> ids
 * of allowed records (any order: compared sorted).
 */
export const FILTER_STORED_VARIANTS = [
  { id: "can(stored id) loop", available: has("can"), run: (e, u, ids) => ids.filter((id) => e.can(u, "view", id)) },
  { id: "filterStored", available: has("filterStored"), run: (e, u) => e.filterStored(u, "view") },
];

/** (d) build. run(Engine, model, modelText) -> engine. */
export const BUILD_VARIANTS = [
  { id: "new Engine(object)", run: (Engine, model) => new Engine(model) },
  { id: "new Engine(JSON text)", run: (Engine, model, text) => new Engine(text) },
];

export function freeEngine(e) {
  if (e && typeof e.free === "function") e.free();
}

/** Stores records in batches (one huge putRecords would also hold a huge transient copy). */
export function putInBatches(engine, records, batch = 50_000) {
  for (let i = 0; i < records.length; i += batch) engine.putRecords(records.slice(i, i + batch));
}
