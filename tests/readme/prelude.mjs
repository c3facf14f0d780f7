// Preloaded (`node --import`) into every README snippet run by readme.test.mjs:
// defines the `__readmeExpect(actual, expected, line)` that `// → value` comments
// are turned into, and reports how many of them ran when the process exits.
import assert from "node:assert/strict";

let ran = 0;
globalThis.__readmeExpect = (actual, expected, line) => {
  assert.deepStrictEqual(actual, expected, `README line ${line}: the result is not the one its "→" comment states`);
  ran++;
};
process.on("exit", () => process.stderr.write(`\n__README_CHECKS__ ${ran}\n`));
