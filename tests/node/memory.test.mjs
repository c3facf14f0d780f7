// Memory through the wasm boundary, against the BUILT package (pkg/).
//
//   bash scripts/build.sh && node --test tests/node/memory.test.mjs
//
// WebAssembly memory only grows, so `memoryBytes()` (the size of the module's
// linear memory, exported by the package) is a high-water mark: if engines or
// records leaked, it would keep growing with the number of engines/records.
// The bounds below are far below what a leak would need.
import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { Engine, esm } from "./load.mjs";

const memoryBytes = esm.memoryBytes;
const MiB = 1024 * 1024;

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A small but complete model with `n` records. */
function model(n = 30) {
  const records = [];
  for (let i = 0; i < n; i++) {
    records.push({
      id: `r${i}`,
      module: i % 3 ? "deals" : "companies",
      owner: ["ann", "bob", "cy", "team"][i % 4],
      parent: i % 3 ? `r${i - (i % 3)}` : null,
      workspaces: i % 5 ? [] : ["w"],
      participants: i % 7 ? [] : ["ext"],
      fields: { title: `record ${i}`, amount: i, note: "x".repeat(40) },
    });
  }
  return {
    modules: [
      { name: "companies", defaultSharing: "publicRead" },
      { name: "deals", parent: "companies", fields: ["title", "amount"] },
    ],
    roles: [{ id: "boss", profiles: ["sales"] }, { id: "rep", parent: "boss", profiles: ["sales"] }],
    profiles: [{ id: "sales", modules: { companies: { view: true, edit: true }, deals: { view: true, edit: true, delete: true, create: true, fields: { amount: "readOnly" } } } },
      { id: "client", modules: { deals: { view: true } } }],
    groups: [{ id: "team", members: [{ role: "rep" }] }],
    users: [{ id: "ann", role: "boss" }, { id: "bob", role: "rep" }, { id: "cy", role: "rep" }, { id: "ext", external: true, profiles: ["client"] }],
    workspaces: [{ id: "w", owner: "ann", members: [{ user: "ext" }] }],
    sharingRules: [{ id: "s", module: "companies", from: { role: "rep" }, to: { role: "rep" }, access: "readWrite", related: { deals: "read" } }],
    records,
  };
}

/** Uses an engine a little, and checks a known answer. */
function use(e) {
  assert.equal(e.can("ann", "delete", "r1"), true);
  assert.equal(e.can("ext", "view", "r5"), true);
  assert.equal(e.can("ext", "view", "r1"), false);
  e.decide("cy", "edit", "r2");
  e.filter("bob", [{ module: "deals", owner: "cy" }, { module: "companies", owner: "ann" }]);
  e.mask("bob", "r1");
  e.fieldAccess("cy", "deals");
  e.visibleUsers("ann");
}

test("memoryBytes is exported and reports the wasm memory", () => {
  assert.equal(typeof memoryBytes, "function");
  const m = memoryBytes();
  assert.ok(Number.isFinite(m) && m > 0 && m % 65536 === 0, `memoryBytes() = ${m}`);
});

test("a freed engine throws an Error on every call, free() twice included, and others are unaffected", () => {
  const e = new Engine(model());
  const other = new Engine(model());
  e.free();
  for (const call of [() => e.can("ann", "view", "r1"), () => e.visibleUsers("ann"), () => e.putRecords([]), () => e.free()]) {
    assert.throws(call, (err) => err instanceof Error && !(err instanceof WebAssembly.RuntimeError));
  }
  use(other);
  other.free();
});

test("constructing, using and freeing 10,000 engines keeps wasm memory bounded", { timeout: 600_000 }, () => {
  const text = JSON.stringify(model());
  for (let i = 0; i < 200; i++) { // warm-up: let the allocator reach its working size
    const e = new Engine(i % 2 ? text : model());
    use(e);
    e.free();
  }
  const start = memoryBytes();
  for (let i = 0; i < 10_000; i++) {
    const e = new Engine(i % 2 ? text : model());
    use(e);
    e.free();
  }
  const end = memoryBytes();
  console.log(`# 10,000 engines: wasm memory ${(start / MiB).toFixed(2)} MiB → ${(end / MiB).toFixed(2)} MiB`);
  assert.ok(end - start <= 2 * MiB, `wasm memory grew by ${((end - start) / MiB).toFixed(2)} MiB over 10,000 engines`);
  assert.ok(end <= 64 * MiB, `wasm memory is ${(end / MiB).toFixed(1)} MiB`);
});

test("engines dropped without free() are released by the FinalizationRegistry", { timeout: 600_000 }, async () => {
  const big = JSON.stringify(model(400));
  // what one live engine costs
  const before = memoryBytes();
  let live = [];
  for (let i = 0; i < 100; i++) live.push(new Engine(big));
  const perEngine = Math.max((memoryBytes() - before) / 100, 1);
  for (const e of live) e.free();
  live = null;

  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      gc();
      await sleep(5);
    }
  };
  let afterFirstWave = 0;
  for (let wave = 0; wave < 5; wave++) {
    for (let i = 0; i < 1_000; i++) {
      const e = new Engine(big); // dropped, never freed
      assert.equal(e.can("ann", "delete", "r1"), true);
      if (i % 100 === 99) await settle();
    }
    await settle();
    if (wave === 0) afterFirstWave = memoryBytes();
  }
  const end = memoryBytes();
  console.log(`# 5,000 dropped engines of ~${(perEngine / 1024).toFixed(0)} KiB: wasm memory ${(afterFirstWave / MiB).toFixed(1)} MiB after the first 1,000, ${(end / MiB).toFixed(1)} MiB after 5,000`);
  // leaking 4,000 more engines would cost 4,000 × perEngine; allow a small fraction of that
  assert.ok(end - afterFirstWave <= Math.max(4 * MiB, 200 * perEngine), `memory grew by ${((end - afterFirstWave) / MiB).toFixed(1)} MiB over 4,000 dropped engines (one engine ≈ ${(perEngine / 1024).toFixed(0)} KiB)`);
});

function batch(from, count) {
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    const n = from + i;
    out[i] = { id: `x${n}`, module: n % 2 ? "deals" : "companies", owner: n % 3 ? "bob" : "team", parent: n % 2 ? `x${n - 1}` : null, fields: { title: `t${n}` } };
  }
  return out;
}

test("putting and removing 1,000,000 records keeps wasm memory bounded", { timeout: 900_000 }, () => {
  const e = new Engine(model());
  const base = e.recordCount();
  const B = 10_000;
  // 1) 1,000,000 records through the store, 10,000 at a time
  let afterWarmup = 0;
  for (let k = 0; k < 100; k++) {
    const recs = batch(k * B, B);
    e.putRecords(recs);
    assert.equal(e.recordCount(), base + B);
    assert.equal(e.can("bob", "delete", `x${k * B + 1}`), true);
    e.removeRecords(recs.map((r) => r.id));
    assert.equal(e.recordCount(), base);
    if (k === 4) afterWarmup = memoryBytes();
  }
  const streamed = memoryBytes();
  console.log(`# 1,000,000 records put and removed in batches: ${(afterWarmup / MiB).toFixed(1)} MiB after 50,000, ${(streamed / MiB).toFixed(1)} MiB after 1,000,000`);
  assert.ok(streamed - afterWarmup <= 4 * MiB, `memory grew by ${((streamed - afterWarmup) / MiB).toFixed(1)} MiB while streaming records`);

  // 2) 1,000,000 records held at once, all removed, then again: the second round reuses the memory
  const round = () => {
    for (let k = 0; k < 100; k++) e.putRecords(batch(k * B, B));
    assert.equal(e.recordCount(), base + 1_000_000);
    assert.equal(e.can("ann", "delete", "x999997"), true); // a deal of bob, below ann
    const peak = memoryBytes();
    const ids = [];
    for (let n = 0; n < 1_000_000; n++) ids.push(`x${n}`);
    e.removeRecords(ids);
    assert.equal(e.recordCount(), base);
    assert.throws(() => e.can("ann", "view", "x5"), Error);
    return peak;
  };
  // A leak would add a whole round's footprint (every record) per round. The
  // allocator may need more in the second round than in the first (the
  // blocks freed by round 1 sit where round 2's doubling tables do not fit,
  // measured +24% once records became one aligned cache line each), but from
  // then on it must level off: rounds 3 and 4 may add at most 5% of the first
  // round's peak each, and the four rounds at most 30% in all.
  const peaks = [round(), round(), round(), round()];
  console.log(`# 1,000,000 records held at once, four rounds: peaks ${peaks.map((p) => (p / MiB).toFixed(1)).join(", ")} MiB`);
  assert.ok(peaks[0] <= 1024 * MiB, `a million small records took ${(peaks[0] / MiB).toFixed(0)} MiB`);
  for (let k = 2; k < peaks.length; k++) {
    assert.ok(peaks[k] - peaks[k - 1] <= 0.05 * peaks[0], `round ${k + 1} needed ${((peaks[k] - peaks[k - 1]) / MiB).toFixed(1)} MiB more than round ${k}`);
  }
  assert.ok(peaks[3] - peaks[0] <= 0.3 * peaks[0], `memory grew by ${((peaks[3] - peaks[0]) / MiB).toFixed(1)} MiB over four rounds of the same million records`);
  use(e);
  e.free();
});
