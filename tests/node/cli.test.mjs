// The command line, as a user runs it: `npm pack` of pkg/, installed into a
// fresh project, then `npx crm-access check model.json [tests.json]` there.
// Exit codes: 0 ok, 1 invalid model or failed assertion, 2 usage error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { root } from "./load.mjs";

const model = {
  modules: [{ name: "deals" }],
  roles: [{ id: "manager", profiles: ["sales"] }, { id: "rep", parent: "manager", profiles: ["sales"] }],
  profiles: [{ id: "sales", modules: { deals: { view: true, create: true, edit: true, delete: true } } }],
  users: [{ id: "maya", role: "manager" }, { id: "raj", role: "rep" }, { id: "lee", role: "rep" }],
  records: [{ id: "big-deal", module: "deals", owner: "raj" }],
};

test("npx crm-access check, from a project that installed the packed tarball", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "crm-access-cli-"));
  const npm = (args, cwd) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const packed = JSON.parse(npm(["pack", path.join(root, "pkg"), "--json", "--pack-destination", work], work));
  assert.ok(packed[0].files.some((f) => f.path === "bin/crm-access.mjs"), "the tarball ships the command");
  const app = path.join(work, "app");
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
  npm(["install", "--offline", "--no-audit", "--no-fund", path.join(work, packed[0].filename)], app);
  const write = (name, value) => fs.writeFileSync(path.join(app, name), typeof value === "string" ? value : JSON.stringify(value, null, 2));
  const cli = (...args) => spawnSync("npx", ["--no-install", "crm-access", ...args], { cwd: app, encoding: "utf8" });

  write("model.json", model);
  write("passing.json", [
    { user: "maya", action: "delete", record: "big-deal", expect: true },
    { user: "lee", action: "view", record: "big-deal", expect: false },
    { user: "lee", action: "edit", record: { module: "deals", owner: "lee" }, expect: true, access: "full" },
  ]);
  let r = cli("check", "model.json", "passing.json");
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /valid model/);
  assert.match(r.stdout, /3 passed, 0 failed/);

  // the model alone
  r = cli("check", "model.json");
  assert.equal(r.status, 0, r.stderr);

  // a failing assertion: exit 1, the actual decision, its reasons, what would allow it
  write("failing.json", { tests: [{ user: "maya", action: "delete", record: "big-deal", expect: true }, { name: "lee edits", user: "lee", action: "edit", record: "big-deal", expect: true }] });
  r = cli("check", "model.json", "failing.json");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /FAIL {2}lee edits: lee edit big-deal: expected allowed, got denied with access none/);
  assert.match(r.stderr, /reasons: no-grant/);
  assert.match(r.stderr, /would be allowed by account-manager: add record "big-deal" accountManagers = "lee"/);
  assert.match(r.stderr, /1 passed, 1 failed/);
  r = cli("check", "model.json", "failing.json", "--json");
  assert.equal(r.status, 1);
  const report = JSON.parse(r.stdout);
  assert.equal(report.failed, 1);
  assert.deepEqual(report.tests[1].reasons, ["no-grant"]);
  assert.ok(report.tests[1].suggestions.length > 0);

  // an assertion naming an unknown user fails with the engine's error
  write("unknown.json", [{ user: "nobody", action: "view", record: "big-deal", expect: false }]);
  r = cli("check", "model.json", "unknown.json");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown-user/);

  // an invalid model: exit 1, every problem with its path
  write("bad-model.json", { modules: [{ name: "deals" }], users: [{ id: "a", role: "nope" }, { id: "b", profiles: ["none"] }] });
  r = cli("check", "bad-model.json", "passing.json");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /invalid model, 2 problems/);
  assert.match(r.stderr, /users\[0\]\.role: unknown role "nope"/);
  assert.match(r.stderr, /users\[1\]\.profiles\[0\]: unknown profile "none"/);
  r = cli("check", "bad-model.json", "--json");
  assert.equal(r.status, 1);
  assert.deepEqual(JSON.parse(r.stdout).problems.map((p) => p.path), ["users[0].role", "users[1].profiles[0]"]);

  // usage errors: exit 2
  write("not-json.json", "{ nope");
  write("malformed.json", [{ user: "maya", action: "fly", record: "big-deal", expect: "yes" }]);
  for (const args of [[], ["chek", "model.json"], ["check"], ["check", "missing.json"], ["check", "not-json.json"], ["check", "model.json", "malformed.json"], ["check", "model.json", "passing.json", "extra"], ["check", "--frobnicate", "model.json"]]) {
    r = cli(...args);
    assert.equal(r.status, 2, `crm-access ${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /usage: crm-access check/);
  }
  r = cli("check", "model.json", "malformed.json");
  assert.match(r.stderr, /\[0\]\.action: expected one of view, edit, delete, create/);
  assert.match(r.stderr, /\[0\]\.expect: expected true or false/);
  assert.equal(cli("--help").status, 0);
  fs.rmSync(work, { recursive: true, force: true });
});
