// `npm pack` of pkg/ must give a tarball that installs into a fresh folder and
// works there with require() and with import, with nothing else around it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { root } from "./load.mjs";

test("the packed tarball installs and runs in a fresh folder", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "crm-access-pack-"));
  const npm = (args, cwd) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const packed = JSON.parse(npm(["pack", path.join(root, "pkg"), "--json", "--pack-destination", work], work));
  const files = packed[0].files.map((f) => f.path).sort();
  for (const f of ["package.json", "index.js", "index.d.ts", "dispose.d.ts", "crm_access.js", "crm_access_bg.wasm", "crm_access.node.cjs", "engine.js", "engine.cjs", "node/index.cjs", "node/index.mjs", "sql.js", "react.js", "react.d.ts", "docs/MODEL.md", "docs/INTEGRATION.md", "docs/demo.png", "SECURITY.md", "BENCHMARKS.md"]) {
    assert.ok(files.includes(f), `${f} is in the tarball: ${files}`);
  }
  const app = path.join(work, "app");
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
  npm(["install", "--offline", "--no-audit", "--no-fund", path.join(work, packed[0].filename)], app);
  const model = JSON.stringify({
    modules: [{ name: "deals" }],
    profiles: [{ id: "p", modules: { deals: { view: true } } }],
    users: [{ id: "u", profiles: ["p"] }],
    records: [{ id: "d", module: "deals", owner: "u" }],
  });
  fs.writeFileSync(path.join(app, "use.cjs"), `const { Engine } = require("crm-access"); console.log(new Engine(${model}).can("u", "view", "d"));`);
  fs.writeFileSync(path.join(app, "use.mjs"), `import { Engine } from "crm-access"; console.log(new Engine(${model}).can("u", "view", "d"));`);
  assert.equal(execFileSync(process.execPath, ["use.cjs"], { cwd: app, encoding: "utf8" }).trim(), "true");
  assert.equal(execFileSync(process.execPath, ["use.mjs"], { cwd: app, encoding: "utf8" }).trim(), "true");

  // crm-access/react: React is an optional peer, so it was not installed, and the
  // main entry (above) ran without it; the react entry needs it.
  assert.equal(fs.existsSync(path.join(app, "node_modules", "react")), false, "react is not installed with crm-access");
  const manifest = JSON.parse(fs.readFileSync(path.join(app, "node_modules/crm-access/package.json"), "utf8"));
  assert.deepEqual(manifest.peerDependenciesMeta, { react: { optional: true } });
  fs.writeFileSync(path.join(app, "react.mjs"), `const r = await import("crm-access/react"); console.log(Object.keys(r).sort().join(" "), Object.values(r).every((f) => typeof f === "function"));`);
  const noReact = (() => { try { execFileSync(process.execPath, ["react.mjs"], { cwd: app, encoding: "utf8", stdio: "pipe" }); return ""; } catch (e) { return e.stderr; } })();
  assert.match(noReact, /ERR_MODULE_NOT_FOUND[\s\S]*'react'|Cannot find package 'react'/, "without react, only the react entry fails");
  // With React installed (from the repository's devDependency, packed: no network), it loads.
  const reactTgz = JSON.parse(npm(["pack", path.join(root, "node_modules", "react"), "--json", "--pack-destination", work], work))[0].filename;
  npm(["install", "--offline", "--no-audit", "--no-fund", path.join(work, reactTgz)], app);
  assert.equal(execFileSync(process.execPath, ["react.mjs"], { cwd: app, encoding: "utf8" }).trim(), "Can CrmAccessProvider useCan useCrmUser useEngine useFieldAccess true");
  assert.equal(execFileSync(process.execPath, ["use.cjs"], { cwd: app, encoding: "utf8" }).trim(), "true");
  fs.rmSync(work, { recursive: true, force: true });
});
