// bench/who.mjs in smoke mode, so it cannot rot: it must finish, and its
// check (whoCan's answers equal asking every user) must hold. No timing is asserted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { root } from "./load.mjs";

test("bench/who.mjs --smoke runs and its answers agree", () => {
  const r = spawnSync(process.execPath, [path.join(root, "bench", "who.mjs"), "--smoke"], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal((r.stdout.match(/answers agree/g) ?? []).length, 2, r.stdout);
});
