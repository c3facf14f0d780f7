// Runs every example; used by the README and by the test command.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
const here = path.dirname(fileURLToPath(import.meta.url));
for (const f of ["hierarchy-and-sharing.mjs", "limited-crm.mjs", "client-extranet.mjs"]) {
  process.stdout.write(execFileSync(process.execPath, [path.join(here, f)], { encoding: "utf8" }));
}
