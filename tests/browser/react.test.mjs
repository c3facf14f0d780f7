// crm-access/react in headless Chromium: a small React page, bundled here with
// esbuild (React ships CommonJS only) from the built package's react.js, with
// the browser entry (pkg/index.js, which loads the .wasm next to it) left out
// of the bundle and mapped by an import map, as a page serving the package
// folder does. The page changes the engine (putRecords, removeRecords) and the
// DOM must follow. The README's React snippet is bundled and run the same way.
//   node --test tests/browser/react.test.mjs   (needs pkg/: bash scripts/build.sh)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import * as esbuild from "esbuild";
import { ROOT, launch, preflight } from "./helpers.mjs";

const MODEL = {
  modules: [{ name: "deals", fields: ["title", "amount"] }],
  roles: [{ id: "boss" }, { id: "rep", parent: "boss" }],
  profiles: [
    { id: "sales", modules: { deals: { view: true, edit: true, fields: { amount: "readOnly" } } } },
    { id: "viewer", modules: { deals: { view: true, fields: { amount: "hidden" } } } },
  ],
  users: [{ id: "ann", role: "boss", profiles: ["sales"] }, { id: "bob", role: "rep", profiles: ["sales"] }, { id: "cy", role: "rep", profiles: ["viewer"] }],
  records: [{ id: "d1", module: "deals", owner: "bob" }, { id: "d2", module: "deals", owner: "cy" }],
};

// The test page's application (JSX, bundled below).
const APP = `
import { Engine } from "crm-access";
import { CrmAccessProvider, Can, useCan, useFieldAccess, useEngine } from "crm-access/react";
import { Component, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";

const engine = new Engine(${JSON.stringify(MODEL)});
window.engine = engine;
window.renders = {};
window.reported = [];
const counted = (name) => { window.renders[name] = (window.renders[name] ?? 0) + 1; };

function Deal({ id }) {
  counted("Deal");
  const canEdit = useCan("edit", id);
  const fields = useFieldAccess("deals");
  return <li data-id={id} data-edit={String(canEdit)} data-amount={fields.amount}>{id}</li>;
}

function Version() {
  return <span id="version">{useEngine().version}</span>;
}

class Boundary extends Component {
  state = { error: null };
  static getDerivedStateFromError(error) { return { error }; }
  render() { return this.state.error ? <p className="boundary">error: {this.state.error.code}</p> : this.props.children; }
}

function App() {
  const [user, setUser] = useState("cy");
  window.setUser = setUser;
  useEffect(() => { document.body.dataset.ready = "true"; }, []);
  return (
    <CrmAccessProvider engine={engine} user={user}>
      <Version />
      <div id="can-d1"><Can action="view" record="d1" fallback={<span className="denied">denied</span>}><span className="secret">secret d1</span></Can></div>
      <div id="fn-d1"><Can action="edit" record="d1">{(ok) => <span data-ok={String(ok)}>{ok ? "may edit" : "may not edit"}</span>}</Can></div>
      <ul id="deals"><Deal id="d1" /></ul>
      <div id="d2"><Boundary><Can action="view" record="d2" fallback={<span className="denied">denied</span>}><span className="secret">secret d2</span></Can></Boundary></div>
      <CrmAccessProvider engine={engine} user={user} onError={(e, q) => window.reported.push([e.code, q.hook, q.record])}>
        <div id="soft-d2"><Can action="view" record="d2" fallback={<span className="denied">denied</span>}><span className="secret">secret d2</span></Can></div>
      </CrmAccessProvider>
    </CrmAccessProvider>
  );
}

// A framework-free part of the same page: a plain listener keeps a button in step.
const del = document.getElementById("plain-delete");
const sync = () => { del.hidden = !engine.can("bob", "edit", "d1"); };
sync();
engine.subscribe(sync);

createRoot(document.getElementById("root")).render(<App />);
`;

// The README's React snippet: the first ```js fence after "### React".
function readmeSnippet() {
  const text = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const at = text.indexOf("\n### React\n");
  assert.ok(at >= 0, "README.md has a React section");
  const m = /\n```js\n([\s\S]*?)\n```\n/.exec(text.slice(at));
  assert.ok(m, "README.md's React section has a ```js snippet");
  return m[1];
}

let home, server, browser;
const files = {};

async function bundle(source) {
  const out = await esbuild.build({
    stdin: { contents: source, loader: "jsx", resolveDir: home, sourcefile: "app.jsx" },
    bundle: true,
    format: "esm",
    target: "es2022",
    write: false,
    jsx: "automatic",
    nodePaths: [path.join(ROOT, "node_modules")], // react, react-dom: the repository's devDependencies
    define: { "process.env.NODE_ENV": '"development"' },
    logLevel: "silent",
    // The browser entry stays a module of its own (it finds its .wasm by import.meta.url).
    plugins: [{ name: "crm-access-external", setup(b) { b.onResolve({ filter: /^crm-access$/ }, () => ({ path: "crm-access", external: true })); } }],
  });
  return out.outputFiles[0].text;
}

const PAGE = (script) => `<!doctype html>
<html><head><meta charset="utf-8"><title>crm-access/react</title><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "crm-access": "/pkg/index.js" } }</script></head>
<body><button id="plain-delete">Delete d1 (framework-free)</button><div id="root"></div>
<script type="module" src="/${script}"></script></body></html>
`;

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };

before(async () => {
  preflight();
  home = fs.mkdtempSync(path.join(os.tmpdir(), "crm-access-react-page-"));
  fs.mkdirSync(path.join(home, "node_modules"));
  // "crm-access/react" resolves through the package's exports, as in an installed copy.
  fs.symlinkSync(path.join(ROOT, "pkg"), path.join(home, "node_modules", "crm-access"), "dir");
  files["/app.html"] = PAGE("app.js");
  files["/app.js"] = await bundle(APP);
  files["/readme.html"] = PAGE("readme.js");
  files["/readme.js"] = await bundle(readmeSnippet());
  server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x").pathname;
    let body = files[url];
    if (body === undefined && url.startsWith("/pkg/")) {
      const file = path.join(ROOT, path.normalize(decodeURIComponent(url)));
      if (file.startsWith(path.join(ROOT, "pkg") + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile()) body = fs.readFileSync(file);
    }
    if (body === undefined) { res.writeHead(404); return res.end("not found"); }
    res.writeHead(200, { "content-type": TYPES[path.extname(url)] ?? "application/octet-stream" });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (server) await new Promise((r) => server.close(r));
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

async function open(file) {
  const page = await browser.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") page.errors.push(`console: ${m.text()}`); });
  await page.goto(`http://127.0.0.1:${server.address().port}/${file}`);
  return page;
}

const text = (page, sel) => page.textContent(sel);

test("the React page follows the engine: <Can>, function children, useCan, useFieldAccess, useEngine", async () => {
  const page = await open("app.html");
  try {
    await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
    // cy: a fellow rep of d1's owner, with the viewer profile
    assert.equal(await text(page, "#can-d1"), "denied");
    assert.equal(await text(page, "#fn-d1"), "may not edit");
    assert.deepEqual(await page.$eval("#deals li", (li) => [li.dataset.edit, li.dataset.amount]), ["false", "hidden"]);
    assert.equal(await text(page, "#d2"), "secret d2"); // cy owns d2
    assert.equal(await text(page, "#version"), "0");
    assert.equal(await page.isHidden("#plain-delete"), false, "bob may edit d1");
    const before = await page.evaluate(() => window.renders.Deal);

    // d1 handed to cy: the page shows it, without any React state of the app changing
    await page.evaluate(() => window.engine.putRecords([{ id: "d1", module: "deals", owner: "cy" }]));
    await page.waitForSelector("#can-d1 .secret");
    assert.equal(await text(page, "#can-d1"), "secret d1");
    assert.equal(await text(page, "#fn-d1"), "may not edit", "the viewer profile has no edit");
    assert.equal(await text(page, "#version"), "1");
    // the framework-free listener: bob no longer owns d1 (a fellow rep of cy)
    assert.equal(await page.isHidden("#plain-delete"), true);
    const renders = await page.evaluate(() => window.renders.Deal);
    assert.ok(renders > before && renders <= before + 2, `Deal rendered again after the change, once or twice (StrictMode-free): ${before} → ${renders}`);

    // the provider's user changes (React state): bob is a fellow rep of cy now
    await page.evaluate(() => window.setUser("bob"));
    await page.waitForSelector("#can-d1 .denied");
    assert.equal(await text(page, "#fn-d1"), "may not edit");
    // ann, above both: full access, the sales profile's field levels
    await page.evaluate(() => window.setUser("ann"));
    await page.waitForSelector("#fn-d1 [data-ok=true]");
    assert.equal(await text(page, "#can-d1"), "secret d1");
    assert.deepEqual(await page.$eval("#deals li", (li) => [li.dataset.edit, li.dataset.amount]), ["true", "readOnly"]);
    assert.deepEqual(page.errors, [], "no error so far");

    // A question that throws: d2 removed while <Can record="d2"> is mounted.
    // Default: the error boundary takes over (the protected children are gone);
    // with onError: reported, answered as a denial.
    await page.evaluate(() => window.engine.removeRecords(["d2"]));
    await page.waitForSelector("#d2 .boundary");
    assert.equal(await text(page, "#d2"), "error: unknown-record");
    assert.equal(await text(page, "#soft-d2"), "denied");
    const reported = await page.evaluate(() => window.reported);
    assert.ok(reported.length >= 1 && reported.every((r) => JSON.stringify(r) === JSON.stringify(["unknown-record", "useCan", "d2"])), JSON.stringify(reported));
    assert.equal(await text(page, "#version"), "2");
    // Errors in the console now are React's report of the error its boundary caught, nothing else.
    for (const e of page.errors) assert.match(e, /no stored record has the id "d2"|error boundary|The above error/, e);
    // d2 back: the soft provider shows it again (the boundary keeps its error state, as React boundaries do)
    await page.evaluate(() => window.engine.putRecords([{ id: "d2", module: "deals", owner: "cy" }]));
    await page.waitForSelector("#soft-d2 .secret");
    assert.equal(await page.evaluate(() => window.engine.version), 3);

    // The engine freed under the mounted tree: every question throws engine-freed;
    // with no boundary above the outer provider, React unmounts the root: no secret stays.
    assert.ok((await page.$$(".secret")).length > 0);
    await page.evaluate(() => window.engine.free());
    await page.waitForFunction(() => document.querySelectorAll(".secret").length === 0);
    assert.equal(await page.textContent("#root"), "");
    assert.ok(page.errors.some((e) => /engine freed/.test(e)), page.errors.join("\n"));
  } finally {
    await page.close();
  }
});

test("the README's React snippet runs: the deal appears once it is handed to the user", async () => {
  const page = await open("readme.html");
  try {
    await page.waitForSelector("#root p button", { timeout: 20000 });
    assert.equal(await text(page, "#root"), "d1: amount hiddenEdit");
    assert.equal(await page.isEnabled("#root button"), true);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
