// Runs the benchmark harness in smoke mode (tiny sizes, a few seconds) so it
// cannot rot: it must finish, agree across engines and write its report; and
// a deliberately wrong peer must stop it. No timing is asserted.
//
//   node --test tests/bench-smoke.test.mjs      (needs pkg/ built)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bench = path.join(repo, "bench");

function ensurePeersInstalled() {
  const lock = path.join(bench, "node_modules", ".package-lock.json");
  if (fs.existsSync(lock) && fs.statSync(lock).mtimeMs >= fs.statSync(path.join(bench, "package.json")).mtimeMs) return;
  const r = spawnSync("npm", ["--prefix", bench, "ci", "--no-audit", "--no-fund"], { encoding: "utf8", stdio: "inherit" });
  assert.equal(r.status, 0, "npm --prefix bench ci failed");
}

function smoke(env = {}) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-smoke-test-"));
  const r = spawnSync(process.execPath, [path.join(bench, "run.mjs"), "--smoke", "--out", out], {
    encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000,
  });
  return { ...r, out };
}

test("bench smoke run agrees across engines and writes its report", () => {
  assert.ok(fs.existsSync(path.join(repo, "pkg", "package.json")), "pkg/ is not built (bash scripts/build.sh)");
  ensurePeersInstalled();
  const r = smoke();
  assert.equal(r.status, 0, `smoke run failed:\n${r.stdout}\n${r.stderr}`);
  const md = fs.readFileSync(path.join(r.out, "BENCHMARKS.md"), "utf8");
  for (const h of ["## Machine", "## Engines", "## Targets", "### (a)", "### (b)", "### (c)", "### (d)", "### (e)", "### (f)"]) {
    assert.ok(md.includes(h), `report lacks ${h}`);
  }
  const svg = fs.readFileSync(path.join(r.out, "chart.svg"), "utf8");
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  fs.rmSync(r.out, { recursive: true, force: true });
});

test("bench stops with a clear message when a peer disagrees", () => {
  ensurePeersInstalled();
  const r = smoke({ CRM_BENCH_FAULT: "casl" });
  assert.equal(r.status, 2, `expected exit 2, got ${r.status}:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /DISAGREEMENT in workload \(a\).*@casl\/ability differs/);
  assert.ok(!fs.existsSync(path.join(r.out, "BENCHMARKS.md")), "no report after a disagreement");
  fs.rmSync(r.out, { recursive: true, force: true });
});
