// Evaluation: builds engines from models, applies what-if changes and the
// editor text, and wraps the engine calls the views make.
import { parseJson, locate, lineCol } from "./jsonpath.js";
import { indexModel } from "./model.js";
import { state, key } from "./state.js";

function problemsOf(err) {
  if (Array.isArray(err?.problems) && err.problems.length) return err.problems.map((p) => ({ path: String(p.path ?? ""), message: String(p.message ?? "") }));
  return [{ path: "", message: String(err?.message ?? err) }];
}

function build(model) {
  try {
    const engine = new state.Engine(model);
    return { ok: true, env: { model, ix: indexModel(model), engine, levels: null } };
  } catch (err) {
    return { ok: false, problems: problemsOf(err) };
  }
}

// Frees the wasm memory of engines no longer on screen (each one once).
export function release(...envs) {
  for (const env of new Set(envs)) {
    if (!env || env.freed || env === state.baseline || env === state.current) continue;
    env.freed = true;
    try { env.engine.free?.(); } catch { /* nothing to do */ }
  }
}

// user × record → level, computed once per engine.
export function levels(env) {
  if (env.levels) return env.levels;
  const out = new Map();
  for (const u of env.model.users) {
    for (const r of env.model.records ?? []) {
      let lv;
      try {
        const d = env.engine.decide(u.id, "view", r.id);
        lv = d.allowed ? d.access : "none";
      } catch {
        lv = "error";
      }
      out.set(key(u.id, r.id), lv);
    }
  }
  env.levels = out;
  return out;
}

export function decisions(env, uid, rid) {
  const d = {};
  for (const a of ["view", "edit", "delete"]) {
    try {
      d[a] = env.engine.decide(uid, a, rid);
    } catch (err) {
      d[a] = { allowed: false, access: "none", readOnly: false, reasons: [], error: String(err?.message ?? err) };
    }
  }
  return d;
}

// Per action, the engine's explanation (issue 12): the decision, the path of
// each grant, and for a denial the model changes that would allow it.
export function explanations(env, uid, rid) {
  const x = {};
  for (const a of ["view", "edit", "delete"]) {
    try {
      x[a] = env.engine.explain(uid, a, rid);
    } catch (err) {
      x[a] = { decision: { allowed: false, access: "none", readOnly: false, reasons: [], error: String(err?.message ?? err) }, level: "none", grants: [], suggestions: [] };
    }
  }
  return x;
}

// Who may open the record (whoCan), with each person's level; null when the engine refuses.
export function whoCanOf(env, rid) {
  return safe(() => env.engine.whoCan("view", rid), null);
}

// The engine may hand back Maps (serde-wasm-bindgen) or plain objects.
const plain = (x) => (x instanceof Map ? Object.fromEntries(x) : x ?? {});
export function fieldAccessOf(env, uid, module) {
  return plain(safe(() => env.engine.fieldAccess(uid, module), {}));
}
export function maskedFields(env, uid, rid) {
  const m = safe(() => env.engine.mask(uid, rid), null);
  return plain(m instanceof Map ? m.get("fields") : m?.fields);
}

// contract v2: the field map for one record, and whether the person may share it by hand.
export function recordFieldAccessOf(env, uid, rid) {
  return plain(safe(() => env.engine.recordFieldAccess(uid, rid), null));
}
export function workspacesOfUser(env, uid) {
  return safe(() => env.engine.workspacesOf(uid), null);
}
export function canShareOf(env, uid, rid) {
  return safe(() => env.engine.canShare(uid, rid), null);
}

export function safe(fn, fallback) {
  try { return fn(); } catch { return fallback; }
}

export function whatIfActive() {
  return Object.keys(state.whatIf.users).length > 0 || state.whatIf.rules.length > 0;
}

function applyWhatIf(model) {
  const m = structuredClone(model);
  for (const [uid, flags] of Object.entries(state.whatIf.users)) {
    const u = m.users.find((x) => x.id === uid);
    if (!u) continue;
    Object.assign(u, flags);
  }
  if (state.whatIf.rules.length) m.sharingRules = [...(m.sharingRules ?? []), ...state.whatIf.rules.map((r) => structuredClone(r))];
  return m;
}

// Rebuilds the what-if layer on top of the baseline.
export function recompute(oldBase = null) {
  const old = state.current;
  // forget overrides about users that no longer exist
  for (const uid of Object.keys(state.whatIf.users)) if (!state.baseline.ix.users.has(uid)) delete state.whatIf.users[uid];
  if (!whatIfActive()) {
    state.current = state.baseline;
    state.whatIfProblems = [];
  } else {
    const res = build(applyWhatIf(state.baseModel));
    if (res.ok) {
      res.env.base = state.baseline;
      state.current = res.env;
      state.whatIfProblems = [];
    } else {
      state.whatIfProblems = res.problems;
      // keep the last valid what-if state, unless it was built on an older model
      if (!state.current || (state.current !== state.baseline && state.current.base !== state.baseline)) state.current = state.baseline;
    }
  }
  release(old, oldBase);
  if (!state.current.ix.users.has(state.user)) state.user = state.current.model.users[0]?.id ?? null;
  if (!state.current.ix.users.has(state.whatIfUser)) state.whatIfUser = state.user;
}

// Editor text → problems or a new baseline.
export function applyText(text) {
  state.text = text;
  let parsed;
  try {
    parsed = parseJson(text);
  } catch (err) {
    const pos = err.pos ?? 0;
    state.editorProblems = [{ path: "(JSON syntax)", message: err.message.replace(/ \(line \d+, column \d+\)$/, ""), start: pos, end: pos + 1, line: err.line ?? 1 }];
    return false;
  }
  const value = parsed.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    state.editorProblems = [{ path: "", message: "the model must be a JSON object", start: 0, end: 1, line: 1 }];
    return false;
  }
  const res = build(value);
  if (!res.ok) {
    state.editorProblems = res.problems.map((p) => {
      const loc = locate(parsed.node, p.path);
      return { ...p, start: loc.start, end: loc.end, line: lineCol(text, loc.start).line };
    });
    return false;
  }
  state.editorProblems = [];
  const oldBase = state.baseline;
  state.baseModel = value;
  state.baseline = res.env;
  recompute(oldBase);
  return true;
}
