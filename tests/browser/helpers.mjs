// Shared set-up of the browser tests: the demo server on a random port and
// Debian's headless Chromium driven by playwright-core (never a downloaded browser).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SHOTS = join(ROOT, "test-results", "browser");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const LAUNCH = {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
};

export function scenarios() {
  return JSON.parse(readFileSync(join(ROOT, "www/scenarios/index.json"), "utf8"));
}

export function scenarioModel(file) {
  return JSON.parse(readFileSync(join(ROOT, "www/scenarios", file), "utf8"));
}

export function preflight() {
  if (!existsSync(join(ROOT, "pkg/index.js"))) throw new Error("pkg/index.js is missing: run `bash scripts/build.sh` first");
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
}

// Starts www/serve.mjs on port 0 and resolves with { url, stop }.
export function startServer() {
  return new Promise((resolveStart, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "www/serve.mjs"), "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    const timer = setTimeout(() => { child.kill(); reject(new Error(`server did not start: ${err}`)); }, 10000);
    child.stderr.on("data", (d) => { err += d; });
    child.on("exit", (code) => { clearTimeout(timer); if (!out.includes("http")) reject(new Error(`server exited (${code}): ${err}`)); });
    child.stdout.on("data", (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\/www\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveStart({
          url: m[0],
          origin: `http://127.0.0.1:${m[1]}`,
          stop: () => new Promise((r) => { if (child.exitCode !== null) return r(); child.once("exit", r); child.kill("SIGTERM"); }),
        });
      }
    });
  });
}

export async function launch() {
  return chromium.launch(LAUNCH);
}

// A page that records console errors and uncaught exceptions.
export async function openPage(browser, url, { width = 1440, height = 900 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  page.errors = [];
  page.requests = [];
  page.on("request", (r) => page.requests.push(r.url()));
  page.on("pageerror", (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") page.errors.push(`console: ${m.text()}`); });
  await page.goto(url);
  await page.waitForSelector("body[data-ready]", { timeout: 20000 });
  const ready = await page.getAttribute("body", "data-ready");
  if (ready !== "true") throw new Error(`page not ready: ${await page.textContent("main")}`);
  return page;
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

// Loads a scenario afresh (going through another one if it is already open), so no
// what-if change or editor edit leaks from one test into the next.
export async function chooseScenario(page, id) {
  if ((await page.inputValue("#scenario-select")) === id) {
    const other = scenarios().find((s) => s.id !== id).id;
    await page.selectOption("#scenario-select", other);
    await page.waitForSelector(`body[data-scenario="${other}"]`);
  }
  await page.selectOption("#scenario-select", id);
  await page.waitForSelector(`body[data-scenario="${id}"]`);
}

export async function viewAs(page, user) {
  await page.selectOption("#user-select", user);
  await page.click("#tab-viewas");
  await page.waitForSelector(`#panel-viewas .user-card .id:text-is("${user}")`);
}
