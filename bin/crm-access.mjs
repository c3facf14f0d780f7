#!/usr/bin/env node
// The crm-access command line (issue 12): keep an access model in CI.
//
//   crm-access check model.json [tests.json] [--json]
//
// Validates the model (every problem with its JSON path) and runs the
// assertions of tests.json: an array (or { "tests": [...] }) of
// { "user", "action", "record", "expect" }, where record is a stored record
// id or a record object, expect is true/false (allowed or not), and an
// optional "access" ("none" | "read" | "write" | "full") is checked too.
// Exit codes: 0 all good, 1 the model is invalid or an assertion failed,
// 2 usage error (bad arguments, unreadable or malformed files).
import fs from "node:fs";
import { Engine } from "../node/index.mjs";

const USAGE = `usage: crm-access check <model.json> [tests.json] [--json]

  Validates an access model and runs assertions against it.
  tests.json: [{ "user": "maya", "action": "delete", "record": "big-deal", "expect": true }, ...]
  exit codes: 0 ok, 1 invalid model or failed assertion, 2 usage error`;

const ACTIONS = ["view", "edit", "delete", "create"];
const LEVELS = ["none", "read", "write", "full"];

class Usage extends Error {}

function readJson(file, what) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Usage(`cannot read the ${what} ${file}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
  }
  try {
    return { text, value: JSON.parse(text) };
  } catch (e) {
    throw new Usage(`${file} is not valid JSON: ${e.message}`);
  }
}

/** The assertions of a tests file, checked for shape (problems with paths). */
function assertions(file, value) {
  const list = Array.isArray(value) ? value : value && typeof value === "object" && Array.isArray(value.tests) ? value.tests : null;
  const root = Array.isArray(value) ? "" : "tests";
  if (list === null) throw new Usage(`${file}: expected an array of assertions (or { "tests": [...] })`);
  const problems = [];
  list.forEach((t, i) => {
    const at = `${root}[${i}]`;
    if (!t || typeof t !== "object" || Array.isArray(t)) return problems.push(`${at}: expected an object { user, action, record, expect }`);
    for (const k of Object.keys(t)) if (!["user", "action", "record", "expect", "access", "name"].includes(k)) problems.push(`${at}.${k}: unknown key`);
    if (typeof t.user !== "string") problems.push(`${at}.user: expected a user id (a string)`);
    if (!ACTIONS.includes(t.action)) problems.push(`${at}.action: expected one of ${ACTIONS.join(", ")}`);
    if (typeof t.record !== "string" && (!t.record || typeof t.record !== "object" || Array.isArray(t.record))) problems.push(`${at}.record: expected a stored record id or a record object`);
    if (typeof t.expect !== "boolean") problems.push(`${at}.expect: expected true or false`);
    if (t.access !== undefined && !LEVELS.includes(t.access)) problems.push(`${at}.access: expected one of ${LEVELS.join(", ")}`);
  });
  if (problems.length) throw new Usage(`${file}: malformed assertions:\n  ${problems.join("\n  ")}`);
  return list;
}

function describeRecord(r) {
  return typeof r === "string" ? r : r.id ? `${r.id} (object)` : `a ${r.module ?? "?"} record object`;
}

function check(modelFile, testsFile, json) {
  const model = readJson(modelFile, "model");
  const tests = testsFile === undefined ? [] : assertions(testsFile, readJson(testsFile, "tests").value);
  const report = { model: modelFile, valid: true, problems: [], tests: [], passed: 0, failed: 0 };
  let engine;
  try {
    engine = new Engine(model.text);
  } catch (e) {
    report.valid = false;
    report.problems = (e.problems ?? [{ path: "", message: e.message }]).map((p) => ({ path: p.path, message: p.message, ...(p.help ? { help: p.help } : {}) }));
  }
  if (engine) {
    tests.forEach((t, i) => {
      const out = { index: i, ...(t.name ? { name: t.name } : {}), user: t.user, action: t.action, record: t.record, expect: t.expect, ...(t.access ? { expectAccess: t.access } : {}) };
      try {
        const d = engine.decide(t.user, t.action, t.record);
        Object.assign(out, { allowed: d.allowed, access: d.access, reasons: d.reasons });
        out.pass = d.allowed === t.expect && (t.access === undefined || d.access === t.access);
        if (!out.pass && t.action !== "create") {
          const x = engine.explain(t.user, t.action, t.record);
          if (d.allowed) out.grants = x.grants.map((g) => ({ reason: g.reason, path: g.path }));
          else out.suggestions = x.suggestions;
        }
      } catch (e) {
        Object.assign(out, { pass: false, error: { code: e.code, message: e.message, problems: e.problems ?? [] } });
      }
      report.tests.push(out);
      if (out.pass) report.passed++; else report.failed++;
    });
    engine.free();
  }
  const ok = report.valid && report.failed === 0;
  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    return ok ? 0 : 1;
  }
  const lines = [];
  if (!report.valid) {
    lines.push(`${modelFile}: invalid model, ${report.problems.length} problem${report.problems.length === 1 ? "" : "s"}:`);
    for (const p of report.problems) lines.push(`  ${p.path || "(model)"}: ${p.message}${p.help ? ` (help: ${p.help})` : ""}`);
  } else {
    lines.push(`${modelFile}: valid model`);
    for (const t of report.tests) {
      const what = `${t.name ? `${t.name}: ` : ""}${t.user} ${t.action} ${describeRecord(t.record)}`;
      if (t.pass) {
        lines.push(`  ok    ${what} → ${t.allowed ? "allowed" : "denied"} (${t.access})`);
        continue;
      }
      if (t.error) {
        lines.push(`  FAIL  ${what}: ${t.error.code}: ${t.error.message}`);
        continue;
      }
      const want = `expected ${t.expect ? "allowed" : "denied"}${t.expectAccess ? ` with access ${t.expectAccess}` : ""}`;
      lines.push(`  FAIL  ${what}: ${want}, got ${t.allowed ? "allowed" : "denied"} with access ${t.access}`);
      lines.push(`        reasons: ${t.reasons.join(", ")}`);
      for (const g of t.grants ?? []) lines.push(`        granted by ${g.reason}: ${JSON.stringify(g.path)}`);
      for (const s of (t.suggestions ?? []).slice(0, 3)) {
        lines.push(`        would be allowed by ${s.grant}: ${s.changes.map((c) => `${c.op} ${c.kind} ${JSON.stringify(c.id)}${c.path.length ? ` ${c.path.join(".")}` : ""} = ${JSON.stringify(c.value)}`).join("; ")}`);
      }
    }
    if (report.tests.length) lines.push(`${report.passed} passed, ${report.failed} failed`);
  }
  (ok ? process.stdout : process.stderr).write(lines.join("\n") + "\n");
  return ok ? 0 : 1;
}

function main(argv) {
  const json = argv.includes("--json");
  const help = argv.includes("--help") || argv.includes("-h");
  const args = argv.filter((a) => a !== "--json" && a !== "--help" && a !== "-h");
  if (help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const unknown = args.find((a) => a.startsWith("-"));
  if (unknown) throw new Usage(`unknown option ${unknown}`);
  const [command, modelFile, testsFile, ...rest] = args;
  if (command !== "check") throw new Usage(command === undefined ? "no command given" : `unknown command "${command}"`);
  if (modelFile === undefined) throw new Usage("check needs a model file");
  if (rest.length) throw new Usage(`unexpected argument ${rest[0]}`);
  return check(modelFile, testsFile, json);
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof Usage)) throw e;
  process.stderr.write(`crm-access: ${e.message}\n\n${USAGE}\n`);
  process.exitCode = 2;
}
