// reasonCodes(): every reason code the engine can give (REASON_CODES), exported by every entry.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { esm, cjs, root } from "./load.mjs";

test("reasonCodes is exported by import and require and lists src/reason.rs's codes", () => {
  assert.equal(typeof esm.reasonCodes, "function");
  assert.equal(esm.reasonCodes, cjs.reasonCodes);
  const codes = esm.reasonCodes();
  assert.ok(Array.isArray(codes) && codes.every((c) => typeof c === "string"));
  assert.equal(new Set(codes).size, codes.length, "no code twice");
  const src = fs.readFileSync(path.join(root, "src/reason.rs"), "utf8");
  const block = src.slice(src.indexOf("reasons! {"));
  const written = [...block.matchAll(/^\s*[A-Z]\w*(?:\([^)]*\))? = "([a-z-]+)",$/gm)].map((m) => m[1]);
  assert.deepEqual(codes, written, "the codes of the reasons! block, in order");
  for (const c of ["owner", "shared", "audits-workspace", "controlled-by-parent", "update-allowed"]) assert.ok(codes.includes(c), c);
});

test("the browser entry and the type declarations export reasonCodes", () => {
  assert.match(fs.readFileSync(path.join(root, "pkg/index.js"), "utf8"), /export const reasonCodes = glue\.reasonCodes;/);
  assert.match(fs.readFileSync(path.join(root, "pkg/index.d.ts"), "utf8"), /reasonCodes/);
  assert.match(fs.readFileSync(path.join(root, "pkg/crm_access.d.ts"), "utf8"), /export function reasonCodes\(\): string\[\];/);
});
