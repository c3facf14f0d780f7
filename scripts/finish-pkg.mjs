// Completes pkg/ after wasm-pack and wasm-bindgen: entry points for Node
// (require and import) and for browsers, the type declarations, package.json.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkg = path.join(root, "pkg");
const write = (rel, text) => fs.writeFileSync(path.join(pkg, rel), text);
const cargo = fs.readFileSync(path.join(root, "Cargo.toml"), "utf8");
const field = (name) => cargo.match(new RegExp(`^${name} = "(.*)"`, "m"))?.[1];

// The public Engine is the raw wasm-bindgen class behind the JS layer of
// js/engine.js, wrapped once as an ES module (browser) and once as CommonJS (Node).
const layer = fs.readFileSync(path.join(root, "js", "engine.js"), "utf8");
write("index.js", `// Browser entry of crm-access: loads the WebAssembly module, then exports the API.
import init, { Engine as RawEngine, memoryBytes, wasmMemory } from "./crm_access.js";
await init({ module_or_path: new URL("./crm_access_bg.wasm", import.meta.url) });
${layer}
export const Engine = makeEngine(RawEngine, wasmMemory);
export { memoryBytes };
`);
write("node/package.json", JSON.stringify({ type: "commonjs" }, null, 2) + "\n");
write("node/index.cjs", `"use strict";
// Node entry of crm-access (CommonJS).
const raw = require("./crm_access.js");
${layer}
exports.Engine = makeEngine(raw.Engine, raw.wasmMemory);
exports.memoryBytes = raw.memoryBytes;
`);
write("node/index.mjs", `// Node ES module entry of crm-access (the CommonJS build underneath).
import cjs from "./index.cjs";
export const Engine = cjs.Engine;
export const memoryBytes = cjs.memoryBytes;
export default cjs;
`);
write("index.d.ts", `// Types of crm-access, generated from the Rust types (see crm_access.d.ts).
export { Engine, memoryBytes } from "./crm_access.js";
export type * from "./crm_access.js";
`);
fs.rmSync(path.join(pkg, ".gitignore"), { force: true });

// The Node build's .wasm is byte-identical to the web build's: ship it once.
const webWasm = fs.readFileSync(path.join(pkg, "crm_access_bg.wasm"));
const nodeWasmPath = path.join(pkg, "node", "crm_access_bg.wasm");
if (fs.existsSync(nodeWasmPath)) {
  if (!webWasm.equals(fs.readFileSync(nodeWasmPath))) throw new Error("node and web builds produced different .wasm files");
  const gluePath = path.join(pkg, "node", "crm_access.js");
  const glue = fs.readFileSync(gluePath, "utf8");
  const from = "const wasmPath = `${__dirname}/crm_access_bg.wasm`;";
  if (!glue.includes(from)) throw new Error("unexpected wasm-bindgen nodejs glue: cannot point it at the shared .wasm");
  fs.writeFileSync(gluePath, glue.replace(from, "const wasmPath = require('path').join(__dirname, '..', 'crm_access_bg.wasm');"));
  fs.rmSync(nodeWasmPath);
  fs.rmSync(path.join(pkg, "node", "crm_access_bg.wasm.d.ts"), { force: true });
}

const manifest = {
  name: "crm-access",
  version: field("version"),
  description: field("description"),
  license: field("license"),
  keywords: ["authorization", "permissions", "crm", "acl", "rbac", "wasm"],
  type: "module",
  main: "./node/index.cjs",
  module: "./index.js",
  browser: "./index.js",
  types: "./index.d.ts",
  exports: {
    ".": {
      types: "./index.d.ts",
      node: { import: "./node/index.mjs", require: "./node/index.cjs" },
      default: "./index.js",
    },
    "./package.json": "./package.json",
  },
  files: [
    "index.js", "index.d.ts", "crm_access.js", "crm_access.d.ts", "crm_access_bg.wasm", "crm_access_bg.wasm.d.ts",
    "node/package.json", "node/index.mjs", "node/index.cjs", "node/crm_access.js", "node/crm_access.d.ts", "README.md",
  ],
  sideEffects: ["./index.js"],
  engines: { node: ">=18" },
};
write("package.json", JSON.stringify(manifest, null, 2) + "\n");
if (fs.existsSync(path.join(root, "README.md"))) fs.copyFileSync(path.join(root, "README.md"), path.join(pkg, "README.md"));
