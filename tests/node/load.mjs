// Loads the built package the way a user does: by its name, from a node_modules
// folder that links to pkg/. Exports both flavours (import and require).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const pkgDir = path.join(root, "pkg");
if (!fs.existsSync(path.join(pkgDir, "package.json"))) throw new Error("pkg/ is not built: run scripts/build.sh");
const home = fs.mkdtempSync(path.join(os.tmpdir(), "crm-access-test-"));
fs.mkdirSync(path.join(home, "node_modules"));
fs.symlinkSync(pkgDir, path.join(home, "node_modules", "crm-access"), "dir");
fs.writeFileSync(path.join(home, "entry.mjs"), 'export * from "crm-access";\n');

export const esm = await import(pathToFileURL(path.join(home, "entry.mjs")).href);
export const cjs = createRequire(path.join(home, "entry.mjs"))("crm-access");
export const { Engine } = esm;
