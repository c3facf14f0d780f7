// Every JavaScript, TypeScript and HTML snippet of README.md runs (or type-checks)
// against the *packed* package, installed into a fresh folder the way a user
// installs it (`npm pack pkg`, then `npm install --offline <tarball>`).
//
// Snippets are found by their fences; the language decides how they run:
//   ```js / ```mjs   a Node ES module (app/snippet-N.mjs);
//   ```cjs           a CommonJS script (app/snippet-N.cjs);
//   ```ts            type-checked by tsc, `strict`, against the package's .d.ts, twice:
//                    with `skipLibCheck`, and without it but with the `ESNext.Disposable`
//                    lib (the two set-ups the README offers); then what tsc emitted runs
//                    as a Node ES module;
//   ```html          put in the <body> of a page at the root of the app folder (so
//                    "./node_modules/crm-access/index.js" is the installed package),
//                    served over http on 127.0.0.1 (.wasm as application/wasm) and
//                    loaded in headless Chromium; every `<script type="module">` must
//                    run to its end without an uncaught error or a console error.
// Other fences (```sh …) are not code for the package and are left alone; a fence
// without a language, or with one of js's other names (```javascript), fails.
//
// Conventions inside snippets:
//   - `code; // → value` asserts that the statement's value deep-equals `value`
//     (any JS expression, evaluated after the statement, in the snippet's scope);
//     a line holding only `// → value` applies to the statement on the line above.
//     The statement must fit on its line. (In a page, values are compared as JSON.)
//     Text after ` — ` (space, em dash, space) is an explanation, not part of the value.
//     Every such assertion must actually run (one inside a `catch` that is never
//     reached fails the test).
//   - `import { X } from "crm-access"; // or: const { X } = require("crm-access");`
//     on an ES module snippet also runs it as CommonJS, with that line replaced by
//     the `require` the comment offers.
//
// A snippet may be preceded (blank lines allowed) by an invisible marker:
//   <!-- example: skip (reason) -->          not run; the reason is mandatory.
//   <!-- example: fragment of examples/F.mjs -->
//       the snippet is a part of a model object (`key: value,` lines), not a
//       program. It must evaluate as an object literal (`// NAME = expr` lines
//       define the names it uses) and be a part of F's exported `model`: every
//       key it shows is in F's model with the same value (array items are matched
//       by `id`/`name`), so it may leave things out but never disagree. F's model
//       must build an engine (F itself runs in `examples/run-all.mjs`).
//   <!-- example: serve /url/path tests/readme/FILE.json -->
//       (html) the test server answers GET /url/path with that file.
// A js/cjs/ts/html snippet runs unless a marker says otherwise, so one with no way
// to run and no stated skip fails the test.
//
// The last test checks the decisions the README states in prose under the model
// fragments, against the examples' models.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const PRELUDE = path.join(ROOT, "tests/readme/prelude.mjs");
const RUNNABLE = new Set(["js", "mjs", "cjs", "ts", "html"]);

// ---- extraction -----------------------------------------------------------

export function extractSnippets(markdown) {
  const lines = markdown.split("\n");
  const snippets = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && lines[end] !== "```") end++;
    if (end === lines.length) throw new Error(`README line ${start + 1}: unclosed fence`);
    let j = start - 1;
    while (j >= 0 && lines[j].trim() === "") j--;
    const marker = j >= 0 ? /^<!--\s*example:\s*(.*?)\s*-->$/.exec(lines[j].trim()) : null;
    snippets.push({ lang: open[1], line: start + 2, code: lines.slice(start + 1, end).join("\n"), marker: marker?.[1] ?? null });
    i = end;
  }
  return snippets;
}

// Turns `// → value` comments into calls of the prelude's __readmeExpect.
// Returns the new code and how many assertions it holds.
export function withExpectations(code, firstLine, expectName = "__readmeExpect") {
  const lines = code.split("\n");
  let count = 0;
  const split = (comment) => comment.split(" — ")[0].trim();
  const wrap = (i, value) => {
    const m = /^(\s*)(.*?);?\s*$/.exec(lines[i]);
    if (!m[2] || m[2].startsWith("//")) throw new Error(`README line ${firstLine + i}: "→" without a statement`);
    lines[i] = `${m[1]}${expectName}((${m[2]}), (${value}), ${firstLine + i});`;
    count++;
  };
  for (let i = 0; i < lines.length; i++) {
    const only = /^\s*\/\/ → (.*)$/.exec(lines[i]);
    if (only) {
      let k = i - 1;
      while (k >= 0 && lines[k].trim() === "") k--;
      if (k < 0) throw new Error(`README line ${firstLine + i}: "→" without a statement`);
      wrap(k, split(only[1]));
      lines[i] = "";
      continue;
    }
    const trailing = /^(.*?\S)\s*\/\/ → (.*)$/.exec(lines[i]);
    if (trailing) {
      lines[i] = trailing[1];
      wrap(i, split(trailing[2]));
    }
  }
  return { code: lines.join("\n"), count };
}

// `import { X } from "crm-access"; // or: <require>` → the CommonJS variant, or null.
export function commonJsVariant(code) {
  const m = /^import .* from "crm-access";\s*\/\/ or: (.*\brequire\(.*?)\s*$/m.exec(code);
  return m ? code.replace(m[0], m[1]) : null;
}

// ---- the installed package ------------------------------------------------

let work, app;

before(() => {
  if (!fs.existsSync(path.join(ROOT, "pkg/package.json"))) throw new Error("pkg/ is missing: run `bash scripts/build.sh` first");
  work = fs.mkdtempSync(path.join(os.tmpdir(), "crm-access-readme-"));
  const npm = (args, cwd) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const packed = JSON.parse(npm(["pack", path.join(ROOT, "pkg"), "--json", "--pack-destination", work], work));
  app = path.join(work, "app");
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "readme-app", private: true, type: "module" }));
  npm(["install", "--offline", "--no-audit", "--no-fund", path.join(work, packed[0].filename)], app);
});

after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function runNode(file, code, expected) {
  if (code !== null) fs.writeFileSync(path.join(app, file), code);
  else code = fs.readFileSync(path.join(app, file), "utf8");
  const r = spawnSync(process.execPath, ["--import", pathToFileURL(PRELUDE).href, file], { cwd: app, encoding: "utf8", timeout: 60000 });
  const checks = Number(/__README_CHECKS__ (\d+)/.exec(r.stderr)?.[1] ?? -1);
  const stderr = r.stderr.replace(/\n?__README_CHECKS__ \d+\n/, "");
  assert.equal(r.status, 0, `${file} failed:\n${stderr}\n--- code ---\n${code}`);
  assert.equal(checks, expected, `${file}: ${expected} "→" assertion(s) in the snippet, ${checks} ran`);
  return r.stdout;
}

// Type-checks a ```ts snippet in both set-ups, then runs what tsc emitted for it
// (from a copy whose "→" comments are calls of __readmeExpect).
function typeCheckAndRun(file, original, snippet) {
  const stem = file.replace(/\.ts$/, "");
  fs.writeFileSync(path.join(app, file), original);
  fs.writeFileSync(path.join(app, `${stem}-run.ts`), snippet.code);
  fs.writeFileSync(path.join(app, "readme-expect.d.ts"), "declare function __readmeExpect(actual: unknown, expected: unknown, line: number): void;\n");
  const tsc = path.join(ROOT, "node_modules/.bin/tsc");
  const base = { strict: true, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", types: [] };
  const configs = {
    "skipLibCheck": [{ ...base, skipLibCheck: true, outDir: `out-${stem}` }, [file, `${stem}-run.ts`, "readme-expect.d.ts"]],
    "lib ESNext.Disposable": [{ ...base, noEmit: true, skipLibCheck: false, lib: ["ES2022", "DOM", "ESNext.Disposable"] }, [file]],
  };
  for (const [name, [compilerOptions, files]] of Object.entries(configs)) {
    const config = path.join(app, `tsconfig-${stem}.json`);
    fs.writeFileSync(config, JSON.stringify({ compilerOptions, files }));
    const r = spawnSync(tsc, ["-p", config], { cwd: app, encoding: "utf8", timeout: 120000 });
    assert.equal(r.status, 0, `${file} does not type-check (${name}):\n${r.stdout}${r.stderr}\n--- code ---\n${original}`);
  }
  runNode(`out-${stem}/${stem}-run.js`, null, snippet.count);
}

// ---- model fragments --------------------------------------------------------

function evalFragment(code) {
  const names = [];
  const body = code.split("\n").map((l) => {
    const def = /^\s*\/\/ ([A-Za-z_$][\w$]*) = (.*)$/.exec(l);
    if (def) { names.push(`const ${def[1]} = ${def[2]};`); return ""; }
    return l;
  }).join("\n");
  return new Function(`${names.join("\n")}\nreturn ({\n${body}\n});`)();
}

// `part` is a part of `whole`: same values for the keys it has; array items matched by id/name.
function assertPartOf(part, whole, where) {
  if (Array.isArray(part)) {
    assert.ok(Array.isArray(whole), `${where}: an array in the README, not in the example`);
    const key = (x) => (x && typeof x === "object" ? x.id ?? x.name ?? x.user : undefined);
    part.forEach((item, i) => {
      const k = key(item);
      const match = k === undefined ? whole[i] : whole.find((w) => key(w) === k);
      assert.ok(match !== undefined, `${where}[${i}]: ${JSON.stringify(item)} is not in the example`);
      assertPartOf(item, match, `${where}[${k ?? i}]`);
    });
  } else if (part && typeof part === "object") {
    assert.ok(whole && typeof whole === "object", `${where}: an object in the README, ${JSON.stringify(whole)} in the example`);
    for (const [k, v] of Object.entries(part)) {
      assert.ok(k in whole, `${where}.${k} is in the README, not in the example`);
      assertPartOf(v, whole[k], `${where}.${k}`);
    }
  } else {
    assert.deepEqual(part, whole, `${where}: the README says ${JSON.stringify(part)}, the example ${JSON.stringify(whole)}`);
  }
}

// ---- the browser --------------------------------------------------------------

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

function serve(rootDir, routes) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (routes[url.pathname]) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(routes[url.pathname]);
    }
    const file = path.join(rootDir, path.normalize(decodeURIComponent(url.pathname)));
    if (!file.startsWith(rootDir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404);
      return res.end("not found");
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function runInBrowser(file, html, routes, snippet) {
  const { chromium } = await import("playwright-core");
  const { LAUNCH } = await import("../browser/helpers.mjs");
  let modules = 0;
  const marked = html.replace(/(<script type="module">)([\s\S]*?)(<\/script>)/g, (_, open, body, close) => {
    modules++;
    return `${open}${body}\n;window.__readmeDone = (window.__readmeDone ?? 0) + 1;\n${close}`;
  });
  assert.ok(modules > 0, `${file}: no <script type="module"> in the snippet`);
  fs.writeFileSync(path.join(app, file), `<!doctype html>\n<html><head><meta charset="utf-8"><title>README</title><link rel="icon" href="data:,"></head><body>\n${marked}\n</body></html>\n`);
  const server = await serve(app, routes);
  const browser = await chromium.launch(LAUNCH);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
    await page.addInitScript(() => {
      window.__readmeChecks = 0;
      window.__readmeExpect = (actual, expected, line) => {
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          throw new Error(`README line ${line}: ${JSON.stringify(actual)}, not ${JSON.stringify(expected)}`);
        }
        window.__readmeChecks++;
      };
    });
    await page.goto(`http://127.0.0.1:${server.address().port}/${file}`);
    const done = await page.waitForFunction((n) => window.__readmeDone === n, modules, { timeout: 20000 }).then(() => true, () => false);
    assert.deepEqual(errors, [], `${file}: errors in the page`);
    assert.ok(done, `${file}: the module script(s) did not run to their end`);
    assert.equal(await page.evaluate(() => window.__readmeChecks), snippet.count, `${file}: not every "→" assertion ran`);
  } finally {
    await browser.close();
    await new Promise((r) => server.close(r));
  }
}

// ---- the tests ------------------------------------------------------------------

const snippets = extractSnippets(README);

test("README.md has snippets, and each one that is code for the package runs or says why not", () => {
  const code = snippets.filter((s) => RUNNABLE.has(s.lang));
  assert.ok(code.length >= 5, `only ${code.length} snippets found`);
  for (const s of snippets) {
    if (s.marker === null) continue;
    assert.ok(RUNNABLE.has(s.lang), `README line ${s.line}: a marker on a \`\`\`${s.lang} fence`);
    assert.match(s.marker, /^(skip \(.+\)|fragment of examples\/[\w.-]+\.mjs|serve \/\S* tests\/readme\/[\w.-]+\.json)$/, `README line ${s.line}: unknown marker "${s.marker}"`);
  }
  for (const s of snippets.filter((x) => x.lang === "")) {
    assert.fail(`README line ${s.line}: a fence without a language (use js, cjs, ts, html, or sh for commands)`);
  }
  for (const s of snippets.filter((x) => /^(javascript|jsx|tsx|typescript|node|mts|cts|htm)$/.test(x.lang))) {
    assert.fail(`README line ${s.line}: fence \`\`\`${s.lang} is not one the harness runs: use js, mjs, cjs, ts or html`);
  }
});

for (const [n, s] of snippets.entries()) {
  if (!RUNNABLE.has(s.lang)) continue;
  const name = `README line ${s.line} (\`\`\`${s.lang}${s.marker ? `, ${s.marker}` : ""})`;
  const skip = /^skip \((.+)\)$/.exec(s.marker ?? "");
  if (skip) {
    test(name, { skip: skip[1] }, () => {});
    continue;
  }
  const fragment = /^fragment of (examples\/[\w.-]+\.mjs)$/.exec(s.marker ?? "");
  if (fragment) {
    test(name, async () => {
      assert.ok(["js", "mjs"].includes(s.lang), "a fragment is ```js");
      const part = evalFragment(s.code);
      // A copy of the example in the app folder, so that its "crm-access" is the installed package.
      const dir = path.join(app, "examples");
      fs.mkdirSync(dir, { recursive: true });
      for (const f of [fragment[1], "examples/show.mjs"]) fs.copyFileSync(path.join(ROOT, f), path.join(app, f));
      const { model } = await import(pathToFileURL(path.join(app, fragment[1])).href);
      assertPartOf(part, model, fragment[1]);
      const { Engine } = await import(pathToFileURL(path.join(app, "node_modules/crm-access/node/index.mjs")).href);
      new Engine(model).free();
    });
    continue;
  }
  test(name, async () => {
    if (s.lang === "ts") return typeCheckAndRun(`snippet-${n}.ts`, s.code, withExpectations(s.code, s.line));
    const routes = {};
    const serveMarker = /^serve (\/\S*) (tests\/readme\/[\w.-]+\.json)$/.exec(s.marker ?? "");
    if (serveMarker) routes[serveMarker[1]] = fs.readFileSync(path.join(ROOT, serveMarker[2]), "utf8");
    else assert.equal(s.marker, null, `marker "${s.marker}" does not apply to a \`\`\`${s.lang} snippet`);
    if (s.lang === "html") {
      const snippet = withExpectations(s.code, s.line);
      return runInBrowser(`snippet-${n}.html`, snippet.code, routes, snippet);
    }
    const esm = s.lang !== "cjs";
    const { code, count } = withExpectations(s.code, s.line);
    runNode(`snippet-${n}.${esm ? "mjs" : "cjs"}`, code, count);
    const cjs = esm ? commonJsVariant(code) : null;
    if (cjs) runNode(`snippet-${n}-require.cjs`, cjs, count);
  });
}

// The sentences under the three model fragments ("The model, by example") state
// decisions; they hold for the examples the fragments are part of.
test("README: the decisions stated under the model fragments hold for the examples' models", async () => {
  const { Engine } = await import(pathToFileURL(path.join(app, "node_modules/crm-access/node/index.mjs")).href);
  const dir = path.join(app, "examples");
  fs.mkdirSync(dir, { recursive: true });
  const load = async (f) => {
    for (const g of [f, "show.mjs"]) fs.copyFileSync(path.join(ROOT, "examples", g), path.join(dir, g));
    return new Engine((await import(pathToFileURL(path.join(dir, f)).href)).model);
  };
  const access = (e, u, r) => e.decide(u, "view", r).access;

  // 1. "A deal owned by a European rep is full for the rep and everyone above them, read for
  // support (through the rule), and invisible to a fellow rep. Support also reads the quote
  // under it, without internalNotes."
  const h = await load("hierarchy-and-sharing.mjs");
  for (const u of ["ines", "henrik", "claire"]) assert.equal(access(h, u, "acme-renewal"), "full", u);
  assert.equal(access(h, "sam", "acme-renewal"), "read");
  assert.ok(h.decide("sam", "view", "acme-renewal").reasons.includes("sharing-rule:support-reads-europe"));
  assert.equal(h.can("jonas", "view", "acme-renewal"), false);
  assert.equal(h.can("sam", "view", "acme-quote"), true);
  assert.deepEqual(Object.keys(h.mask("sam", "acme-quote").fields).sort(), ["discount", "total"]);

  // 2. "Fatima gets full access to the boulangerie and to every contact and deal whose company
  // is it, and nothing else in those modules, whatever is public. Dana sees the deals she owns
  // [...]; other modules follow the usual grants."
  const l = await load("limited-crm.mjs");
  for (const r of ["boulangerie", "marie", "oven-deal"]) assert.equal(access(l, "fatima", r), "full", r);
  for (const r of ["brewery", "hans", "tap-deal"]) assert.equal(l.can("fatima", "view", r), false, r);
  assert.equal(l.can("dana", "view", "oven-deal"), true);
  assert.equal(l.can("dana", "view", "tap-deal"), false);
  assert.equal(l.can("dana", "view", "brewery"), true);

  // 3. "Sofia may edit the kickoff notes, Pierre only read them, and neither sees anything
  // outside the project, even records that are public inside the company."
  const x = await load("client-extranet.mjs");
  assert.equal(x.can("sofia", "edit", "kickoff"), true);
  assert.equal(x.can("pierre", "view", "kickoff"), true);
  assert.equal(x.can("pierre", "edit", "kickoff"), false);
  const publicCall = { module: "interactions", owner: "alice", type: "meeting" }; // interactions are publicRead
  for (const u of ["sofia", "pierre"]) {
    assert.equal(x.can(u, "view", publicCall), false, u);
    assert.equal(x.can(u, "view", "agency-plan"), false, u);
  }
  for (const e of [h, l, x]) e.free();
});
