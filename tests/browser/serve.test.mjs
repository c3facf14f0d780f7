// The demo's static server: binds 127.0.0.1, serves the repo root, right MIME types, no escaping the root.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT, startServer } from "./helpers.mjs";

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

test("serves the page, the scenarios and the package with the right types", async () => {
  const page = await fetch(server.url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type"), /^text\/html/);
  assert.match(await page.text(), /<script type="module" src="js\/app\.js">/);
  const js = await fetch(`${server.origin}/www/js/app.js`);
  assert.match(js.headers.get("content-type"), /^text\/javascript/);
  const sc = await fetch(`${server.origin}/www/scenarios/index.json`);
  assert.match(sc.headers.get("content-type"), /^application\/json/);
  assert.equal((await sc.json()).length, 5);
  const wasm = await fetch(`${server.origin}/pkg/crm_access_bg.wasm`);
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
  const bytes = new Uint8Array(await wasm.arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 4)], [0, 0x61, 0x73, 0x6d], "a real wasm module");
});

test("redirects / to the demo and refuses to leave the repository", async () => {
  const root = await fetch(`${server.origin}/`, { redirect: "manual" });
  assert.equal(root.status, 302);
  assert.equal(root.headers.get("location"), "/www/");
  for (const p of ["/..%2f..%2fetc%2fpasswd", "/www/..%2f..%2f..%2fetc%2fhostname"]) {
    const res = await fetch(`${server.origin}${p}`);
    assert.ok(res.status === 403 || res.status === 404, `${p} -> ${res.status}`);
  }
  assert.equal((await fetch(`${server.origin}/www/nope.html`)).status, 404);
  assert.equal((await fetch(`${server.origin}/www/`, { method: "POST" })).status, 405);
});

test("PORT from the environment, printed address on stdout", async () => {
  const child = spawn(process.execPath, [join(ROOT, "www/serve.mjs")], { env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const line = await new Promise((resolve, reject) => {
      child.stdout.once("data", (d) => resolve(String(d).trim()));
      child.once("exit", (c) => reject(new Error(`exited ${c}`)));
    });
    assert.match(line, /^http:\/\/127\.0\.0\.1:\d+\/www\/$/);
    assert.notEqual(line, "http://127.0.0.1:8080/www/");
    assert.equal((await fetch(line)).status, 200);
  } finally {
    child.kill();
  }
});
