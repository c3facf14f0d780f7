// crm-access demo: state, engine evaluation and the four views.
import { h, clear, option } from "./dom.js";
import { parseJson, locate, lineCol } from "./jsonpath.js";
import { formatJson } from "./jsonfmt.js";
import {
  indexModel, displayName, recordTitle, userTags, USER_TYPES, participation,
  LEVELS, LEVEL_LABEL, LEVEL_SHORT, principalText, ownerName,
} from "./model.js";
import { headline, explainActions, verdictOf, VERDICTS, describeParticipation } from "./explain.js";

const PKG_URL = new URL("../../pkg/index.js", import.meta.url);
const $ = (id) => document.getElementById(id);

const state = {
  Engine: null,
  scenarios: [],
  scenario: null,
  scenarioText: "",
  text: "",
  editorProblems: [],
  baseModel: null,
  whatIf: { users: {}, rules: [] },
  whatIfProblems: [],
  baseline: null, // { model, ix, engine, levels } built from the editor's last valid model
  current: null, // the same with the what-if changes applied (=== baseline when there are none)
  user: null,
  tab: "viewas",
  viewFilter: { module: "all", search: "", showHidden: false, verdict: null },
  matrixFilter: { module: "all", type: "all", changedOnly: false, order: "model" },
  whatIfUser: null,
  selected: null,
  ruleSeq: 1,
};

// ------------------------------------------------------------------ engine

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
function release(...envs) {
  for (const env of new Set(envs)) {
    if (!env || env.freed || env === state.baseline || env === state.current) continue;
    env.freed = true;
    try { env.engine.free?.(); } catch { /* nothing to do */ }
  }
}

// user × record → level, computed once per engine.
function levels(env) {
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
const key = (u, r) => `${u}\u0000${r}`;

function decisions(env, uid, rid) {
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

// The engine may hand back Maps (serde-wasm-bindgen) or plain objects.
const plain = (x) => (x instanceof Map ? Object.fromEntries(x) : x ?? {});
function fieldAccessOf(env, uid, module) {
  return plain(safe(() => env.engine.fieldAccess(uid, module), {}));
}
function maskedFields(env, uid, rid) {
  const m = safe(() => env.engine.mask(uid, rid), null);
  return plain(m instanceof Map ? m.get("fields") : m?.fields);
}

function safe(fn, fallback) {
  try { return fn(); } catch { return fallback; }
}

function whatIfActive() {
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
function recompute(oldBase = null) {
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
function applyText(text) {
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

// ------------------------------------------------------------------ boot

async function boot() {
  try {
    const mod = await import(PKG_URL.href);
    if (typeof mod.default === "function" && !mod.Engine) await mod.default();
    state.Engine = mod.Engine;
    if (typeof state.Engine !== "function") throw new Error("pkg/index.js does not export Engine");
  } catch (err) {
    fatal(
      "The permission engine could not be loaded.",
      `The page needs the built package at /pkg/index.js (run scripts/demo.sh, which builds it). Details: ${err?.message ?? err}`,
    );
    return;
  }
  try {
    const res = await fetch("scenarios/index.json");
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    state.scenarios = await res.json();
  } catch (err) {
    fatal("The built-in scenarios could not be loaded.", String(err?.message ?? err));
    return;
  }
  $("engine-status").textContent = "Engine ready, running in your browser";
  $("engine-status").classList.add("ok");
  setupTabs();
  setupHeader();
  setupEditor();
  setupDetail();
  const params = new URLSearchParams(location.hash.slice(1));
  const wanted = state.scenarios.find((s) => s.id === params.get("scenario")) ?? state.scenarios[0];
  await loadScenario(wanted.id, params.get("user"));
  if (params.get("tab")) selectTab(params.get("tab"));
  document.body.dataset.ready = "true";
}

function fatal(title, detail) {
  $("engine-status").textContent = "Engine unavailable";
  $("engine-status").classList.add("bad");
  const box = h("div", { class: "empty empty-error", role: "alert" }, h("h2", {}, title), h("p", {}, detail));
  clear($("panel-viewas"), box);
  $("scenario-summary").textContent = "";
  document.body.dataset.ready = "error";
}

async function loadScenario(id, user = null) {
  const sc = state.scenarios.find((s) => s.id === id);
  if (!sc) return;
  state.scenario = sc;
  $("scenario-select").value = sc.id;
  $("scenario-title").textContent = sc.title;
  $("scenario-summary").textContent = sc.summary;
  let text;
  try {
    const res = await fetch(`scenarios/${sc.file}`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    text = await res.text();
  } catch (err) {
    clear($("panel-viewas"), h("div", { class: "empty empty-error", role: "alert" }, `Could not load ${sc.file}: ${err.message}`));
    return;
  }
  state.scenarioText = text;
  state.whatIf = { users: {}, rules: [] };
  state.whatIfProblems = [];
  state.selected = null;
  const previous = [state.baseline, state.current];
  state.baseline = null;
  state.current = null;
  release(...previous);
  state.baseModel = null;
  state.user = user ?? sc.viewAs ?? null;
  state.whatIfUser = null;
  state.viewFilter = { module: "all", search: "", showHidden: false, verdict: null };
  state.matrixFilter = { module: "all", type: "all", changedOnly: false, order: "model" };
  $("model-text").value = text;
  const ok = applyText(text);
  if (!ok) {
    // A built-in scenario the engine rejects: show the problems in the editor.
    renderEditorStatus();
    selectTab("model", false);
    showBanner();
  } else {
    renderAll();
  }
  document.body.dataset.scenario = sc.id;
}

// ------------------------------------------------------------------ header, tabs, banner

function setupHeader() {
  const ss = $("scenario-select");
  clear(ss, state.scenarios.map((s) => option(s.id, s.title)));
  ss.disabled = false;
  ss.addEventListener("change", () => loadScenario(ss.value));
  const us = $("user-select");
  us.disabled = false;
  us.addEventListener("change", () => {
    state.user = us.value;
    state.whatIfUser = us.value;
    if (state.selected) state.selected.user = us.value;
    renderAll();
  });
}

function renderUserSelect() {
  const us = $("user-select");
  const ix = state.current.ix;
  const groups = [
    ["Internal staff", state.current.model.users.filter((u) => !u.external)],
    ["External users", state.current.model.users.filter((u) => u.external)],
  ];
  clear(
    us,
    groups.filter(([, list]) => list.length).map(([label, list]) =>
      h("optgroup", { label }, list.map((u) => {
        const extra = userTags(u).filter((t) => t !== "internal" && t !== "external");
        return option(u.id, displayName(u.id) + (extra.length ? ` (${extra.join(", ")})` : ""), u.id === state.user);
      })),
    ),
  );
  if (ix.users.has(state.user)) us.value = state.user;
}

const TABS = ["viewas", "matrix", "people", "model"];
function setupTabs() {
  for (const t of TABS) {
    const tab = $(`tab-${t}`);
    tab.addEventListener("click", () => selectTab(t));
    tab.addEventListener("keydown", (e) => {
      const i = TABS.indexOf(t);
      let next = null;
      if (e.key === "ArrowRight") next = TABS[(i + 1) % TABS.length];
      if (e.key === "ArrowLeft") next = TABS[(i + TABS.length - 1) % TABS.length];
      if (e.key === "Home") next = TABS[0];
      if (e.key === "End") next = TABS[TABS.length - 1];
      if (next) {
        e.preventDefault();
        selectTab(next);
        $(`tab-${next}`).focus();
      }
    });
  }
}

function selectTab(t, render = true) {
  if (!TABS.includes(t)) return;
  state.tab = t;
  for (const x of TABS) {
    const on = x === t;
    $(`tab-${x}`).setAttribute("aria-selected", String(on));
    $(`tab-${x}`).tabIndex = on ? 0 : -1;
    $(`panel-${x}`).hidden = !on;
  }
  if (render) renderActive();
  syncHash();
}

function syncHash() {
  if (!state.scenario) return;
  const p = new URLSearchParams({ scenario: state.scenario.id, user: state.user ?? "", tab: state.tab });
  history.replaceState(null, "", `#${p}`);
}

function showBanner() {
  const b = $("model-banner");
  const n = state.editorProblems.length;
  const pc = $("problem-count");
  pc.hidden = n === 0;
  pc.textContent = String(n);
  pc.setAttribute("aria-label", `${n} problem${n === 1 ? "" : "s"}`);
  const wi = $("whatif-count");
  const changes = Object.keys(state.whatIf.users).length + state.whatIf.rules.length;
  wi.hidden = changes === 0;
  wi.textContent = `${changes} what-if`;
  if (n === 0) {
    b.hidden = true;
    return;
  }
  const msg = state.baseline
    ? `The model in the editor has ${n} problem${n === 1 ? "" : "s"}, so the views show the last valid version.`
    : `The model has ${n} problem${n === 1 ? "" : "s"} and nothing valid to show yet.`;
  clear(b, h("span", {}, msg), " ", h("button", { class: "btn btn-small", onclick: () => selectTab("model") }, "Show the problems"));
  b.hidden = false;
}

function renderAll() {
  if (!state.current) {
    showBanner();
    return;
  }
  renderUserSelect();
  showBanner();
  renderActive();
  renderDetail();
  syncHash();
}

function renderActive() {
  if (!state.current && state.tab !== "model") return;
  if (state.tab === "viewas") renderViewAs();
  else if (state.tab === "matrix") renderMatrix();
  else if (state.tab === "people") renderPeople();
  else renderEditorStatus();
}

// ------------------------------------------------------------------ badges

function tagBadges(u) {
  return userTags(u).map((t) => h("span", { class: `tag tag-${t.replace(/\s+/g, "-")}` }, t));
}

function verdictBadge(v) {
  return h("span", { class: `badge lv-${VERDICTS[v].level}`, "data-verdict": v }, VERDICTS[v].label);
}

// ------------------------------------------------------------------ view as

function renderViewAs() {
  const panel = $("panel-viewas");
  const env = state.current;
  const ix = env.ix;
  const u = ix.users.get(state.user);
  if (!u) {
    clear(panel, h("div", { class: "empty" }, h("h2", {}, "No users in this model"), h("p", {}, "Add a user in the model editor to see what they can access.")));
    return;
  }
  const records = env.model.records ?? [];
  const rows = records.map((r) => {
    const d = decisions(env, u.id, r.id);
    return { r, d, verdict: verdictOf(d) };
  });
  const counts = { deletable: 0, editable: 0, "read-only": 0, hidden: 0 };
  for (const x of rows) counts[x.verdict]++;

  const modules = [...new Set(records.map((r) => r.module))];
  const f = state.viewFilter;
  if (f.module !== "all" && !modules.includes(f.module)) f.module = "all";
  const q = f.search.trim().toLowerCase();
  const shown = rows.filter((x) =>
    (f.verdict ? x.verdict === f.verdict : f.showHidden || x.verdict !== "hidden") &&
    (f.module === "all" || x.r.module === f.module) &&
    (!q || `${recordTitle(x.r)} ${x.r.id} ${x.r.module}`.toLowerCase().includes(q)),
  );

  const parts = describeParticipation(ix, u.id);
  const profiles = [...(u.role ? ix.roles.get(u.role)?.profiles ?? [] : []), ...(u.profiles ?? [])];
  const company = u.company != null ? ix.records.get(u.company) : null;

  const card = h("section", { class: "user-card", "aria-label": `About ${displayName(u.id)}` },
    h("div", { class: "avatar", "aria-hidden": "true" }, initials(u.id)),
    h("div", { class: "user-main" },
      h("h2", {}, displayName(u.id), " ", h("span", { class: "muted id" }, u.id)),
      h("div", { class: "tags" }, tagBadges(u)),
      h("dl", { class: "facts" },
        fact("Role", u.role ?? "none"),
        fact("Profiles", profiles.length ? [...new Set(profiles)].join(", ") : "none"),
        u.external ? fact("Company", company ? recordTitle(company) : u.company ?? "not set") : null,
        fact("Workspaces", parts.length ? parts.map((p) => `${p.workspace} (${p.part})`).join(", ") : "none"),
      ),
    ),
    h("ul", { class: "verdict-counts", "aria-label": "Records by verdict (click to filter)" },
      ["deletable", "editable", "read-only", "hidden"].map((v) =>
        h("li", {}, h("button", {
          class: `count lv-${VERDICTS[v].level}${f.verdict === v ? " active" : ""}`, "data-count": v, "aria-pressed": String(f.verdict === v),
          title: f.verdict === v ? "Show every verdict again" : `Show only ${VERDICTS[v].label.toLowerCase()} records`,
          onclick: () => { f.verdict = f.verdict === v ? null : v; renderViewAs(); },
        }, h("strong", {}, String(counts[v])), " ", VERDICTS[v].label.toLowerCase()))),
    ),
  );

  const toolbar = h("div", { class: "toolbar" },
    h("label", { class: "field" }, h("span", {}, "Module"),
      h("select", { id: "viewas-module", onchange: (e) => { f.module = e.target.value; renderViewAs(); } },
        option("all", "All modules", f.module === "all"), modules.map((m) => option(m, m, f.module === m)))),
    h("label", { class: "field grow" }, h("span", {}, "Search"),
      h("input", { type: "search", id: "viewas-search", placeholder: "Record name or id", value: f.search,
        oninput: (e) => { f.search = e.target.value; renderViewAsSoon(); } })),
    h("label", { class: "check" },
      h("input", { type: "checkbox", id: "viewas-show-hidden", checked: f.showHidden, onchange: (e) => { f.showHidden = e.target.checked; f.verdict = null; renderViewAs(); } }),
      ` Show records hidden from ${displayName(u.id)} (${counts.hidden})`),
  );

  let body;
  if (!records.length) {
    body = h("div", { class: "empty" }, h("h3", {}, "This model has no records yet"), h("p", {}, "Add records in the model editor to see verdicts."));
  } else if (!shown.length) {
    const allHidden = counts.hidden === rows.length;
    const inactive = u.active === false;
    body = h("div", { class: "empty", id: "viewas-empty" },
      h("h3", {}, allHidden ? `${displayName(u.id)} cannot see any record` : "No record matches these filters"),
      h("p", {}, allHidden
        ? inactive ? "The account is deactivated, so nothing is open to it." : "Nothing in this setup is open to this person."
        : "Change the module or the search text."),
      allHidden && !f.showHidden
        ? h("button", { class: "btn btn-secondary", onclick: () => { f.showHidden = true; renderViewAs(); } }, "Show the hidden records and why")
        : null);
  } else {
    const fieldCache = new Map();
    body = h("table", { class: "records", id: "viewas-table" },
      h("caption", { class: "sr-only" }, `Records as ${displayName(u.id)} sees them`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Record"), h("th", { scope: "col" }, "Verdict and why"), h("th", { scope: "col" }, "Fields as they see them"))),
      h("tbody", {}, shown.map((x) => recordRow(env, u, x, fieldCache))),
    );
  }
  clear(panel, card, toolbar, body);
}

let viewAsTimer = 0;
function renderViewAsSoon() {
  clearTimeout(viewAsTimer);
  viewAsTimer = setTimeout(() => {
    const focus = document.activeElement?.id;
    const pos = document.activeElement?.selectionStart;
    renderViewAs();
    if (focus) {
      const el = $(focus);
      el?.focus();
      if (pos != null && el?.setSelectionRange) el.setSelectionRange(pos, pos);
    }
  }, 120);
}

const capitalise = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);

function initials(id) {
  return displayName(id).split(" ").map((w) => w[0]).join("").slice(0, 2).toUpperCase();
}

function fact(label, value) {
  return [h("dt", {}, label), h("dd", {}, value)];
}

function recordRow(env, u, x, fieldCache) {
  const { r, d, verdict } = x;
  const why = headline(env.ix, u.id, r, d);
  const open = (e) => openDetail(u.id, r.id, e.currentTarget);
  const selected = state.selected && state.selected.record === r.id && state.selected.user === u.id;
  return h("tr", { class: `verdict-${verdict}${selected ? " selected" : ""}`, "data-record-id": r.id, "data-verdict": verdict },
    h("th", { scope: "row" },
      h("button", { class: "linklike", onclick: open, "aria-label": `${recordTitle(r)}: explain this verdict` }, recordTitle(r)),
      h("div", { class: "muted small" }, h("span", { class: "module" }, r.module), " · ", r.id)),
    h("td", { class: "verdict-cell" }, verdictBadge(verdict), h("p", { class: "why" }, capitalise(why.text.replace(/^[^:]+: /, "")))),
    h("td", { class: "fields-cell" }, fieldChips(env, u, r, verdict, fieldCache)),
  );
}

function fieldChips(env, u, r, verdict, fieldCache) {
  const keys = Object.keys(r.fields ?? {});
  if (verdict === "hidden") return h("span", { class: "muted small" }, "Not visible");
  if (!keys.length) return h("span", { class: "muted small" }, "No fields");
  const seen = maskedFields(env, u.id, r.id);
  let access = fieldCache.get(r.module);
  if (!access) {
    access = fieldAccessOf(env, u.id, r.module);
    fieldCache.set(r.module, access);
  }
  return h("ul", { class: "field-chips" }, keys.map((k) => {
    if (!(k in seen)) return h("li", { class: "chip chip-hidden", "data-field": k, "data-access": "hidden", title: `${k} is hidden from ${displayName(u.id)}` }, h("span", { class: "k" }, k), " ", h("span", { class: "v" }, "hidden"));
    const ro = access[k] === "readOnly" || verdict === "read-only";
    return h("li", { class: `chip${ro ? " chip-ro" : ""}`, "data-field": k, "data-access": access[k] ?? "editable", title: ro ? `${k}: read-only for ${displayName(u.id)}` : `${k}: editable` },
      h("span", { class: "k" }, k), " ", h("span", { class: "v" }, formatValue(seen[k])), ro ? h("span", { class: "lock", role: "img", "aria-label": "read-only" }) : null);
  }));
}

function formatValue(v) {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return v.toLocaleString("en");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

// ------------------------------------------------------------------ detail (why?)

let detailReturnFocus = null;
function setupDetail() {
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !$("detail").hidden) closeDetail();
  });
}

function openDetail(uid, rid, from) {
  state.selected = { user: uid, record: rid };
  detailReturnFocus = from ?? null;
  renderDetail();
  for (const tr of document.querySelectorAll("tr.selected")) tr.classList.remove("selected");
  document.querySelector(`tr[data-record-id="${CSS.escape(rid)}"]`)?.classList.add("selected");
  $("detail").focus();
}

function closeDetail() {
  state.selected = null;
  $("detail").hidden = true;
  document.body.classList.remove("with-detail");
  for (const tr of document.querySelectorAll("tr.selected")) tr.classList.remove("selected");
  detailReturnFocus?.focus?.();
}

function renderDetail() {
  const box = $("detail");
  const sel = state.selected;
  const env = state.current;
  if (!sel || !env || !env.ix.users.has(sel.user) || !env.ix.records.has(sel.record)) {
    box.hidden = true;
    document.body.classList.remove("with-detail");
    return;
  }
  const ix = env.ix;
  const r = ix.records.get(sel.record);
  const u = ix.users.get(sel.user);
  const d = decisions(env, u.id, r.id);
  const why = headline(ix, u.id, r, d);
  const actions = explainActions(ix, u.id, r, d);
  const fa = fieldAccessOf(env, u.id, r.module);
  const seen = maskedFields(env, u.id, r.id);
  const facts = [
    fact("Module", r.module),
    fact("Owner", ownerName(ix, r.owner)),
    r.company != null ? fact("Company", ix.records.has(r.company) ? recordTitle(ix.records.get(r.company)) : r.company) : null,
    r.parent != null ? fact("Parent", ix.records.has(r.parent) ? recordTitle(ix.records.get(r.parent)) : r.parent) : null,
    r.workspaces?.length ? fact("Workspaces", r.workspaces.join(", ")) : null,
    r.type != null ? fact("Type", r.type) : null,
    r.accountManagers?.length ? fact("Account managers", r.accountManagers.map(displayName).join(", ")) : null,
    r.assignees?.length ? fact("Assignees", r.assignees.map(displayName).join(", ")) : null,
    r.participants?.length ? fact("Participants", r.participants.map(displayName).join(", ")) : null,
    r.auditors?.length ? fact("Auditors", r.auditors.map(displayName).join(", ")) : null,
  ];
  const ACTION_WORD = { view: "See it", edit: "Edit it", delete: "Delete it" };
  const recordEditable = d.edit.allowed;
  const fieldWord = (a) => {
    if (a === "hidden") return "hidden";
    if (a === "readOnly") return "read-only";
    if (a === "editable") return recordEditable ? "editable" : why.verdict === "hidden" ? "editable (record hidden)" : "read-only, like the record";
    return a;
  };
  const fieldRows = Object.keys(fa ?? {}).map((k) => h("tr", {},
    h("th", { scope: "row" }, k),
    h("td", {}, fieldWord(fa[k])),
    h("td", {}, k in seen ? formatValue(seen[k]) : h("span", { class: "muted" }, "—"))));
  clear(box,
    h("div", { class: "detail-head" },
      h("div", {},
        h("p", { class: "eyebrow" }, `As ${displayName(u.id)}`),
        h("h2", { id: "detail-title" }, recordTitle(r))),
      h("button", { class: "icon-btn", "aria-label": "Close the explanation", onclick: closeDetail }, "×")),
    h("p", { class: `headline lv-${VERDICTS[why.verdict].level}`, id: "detail-headline", "data-verdict": why.verdict }, why.text),
    h("h3", {}, "Action by action"),
    h("ul", { class: "actions" }, actions.map((a) => h("li", { class: a.allowed ? "yes" : "no", "data-action": a.action },
      h("span", { class: "mark", "aria-hidden": "true" }, a.allowed ? "✓" : "✕"),
      h("div", {},
        h("strong", {}, `${ACTION_WORD[a.action]}: ${a.allowed ? "yes" : "no"}`),
        a.sentences.length ? h("ul", { class: "because" }, a.sentences.map((s) => h("li", {}, s))) : null)))),
    fieldRows.length ? [h("h3", {}, "Fields"), h("table", { class: "mini" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, "Access"), h("th", { scope: "col" }, "Value seen"))),
      h("tbody", {}, fieldRows))] : null,
    h("h3", {}, "About this record"),
    h("dl", { class: "facts" }, facts),
    h("details", { class: "codes" }, h("summary", {}, "Engine reason codes"),
      h("ul", {}, actions.map((a) => h("li", {}, h("strong", {}, a.action), ": ", h("code", {}, a.reasons.join(", ") || "(none)"))))),
  );
  box.hidden = false;
  document.body.classList.add("with-detail");
}

// ------------------------------------------------------------------ matrix

function renderMatrix() {
  const panel = $("panel-matrix");
  const env = state.current;
  const lv = levels(env);
  const base = whatIfActive() && state.baseline !== env ? levels(state.baseline) : null;
  const f = state.matrixFilter;
  const modules = [...new Set((env.model.records ?? []).map((r) => r.module))];
  if (f.module !== "all" && !modules.includes(f.module)) f.module = "all";
  const typeDef = USER_TYPES.find((t) => t[0] === f.type) ?? USER_TYPES[0];
  // base flags decide the "user type" so that a what-if does not make rows jump around
  const baseUser = (id) => state.baseline.ix.users.get(id) ?? env.ix.users.get(id);
  let users = env.model.users.filter((u) => typeDef[2](baseUser(u.id)));
  let records = (env.model.records ?? []).filter((r) => f.module === "all" || r.module === f.module);

  let changed = 0, up = 0, down = 0;
  if (base) {
    for (const u of env.model.users) for (const r of env.model.records ?? []) {
      const a = base.get(key(u.id, r.id)), b = lv.get(key(u.id, r.id));
      if (a !== undefined && a !== b) {
        changed++;
        if (LEVELS.indexOf(b) > LEVELS.indexOf(a)) up++; else down++;
      }
    }
  }
  const reach = (uid) => records.reduce((n, r) => n + LEVELS.indexOf(lv.get(key(uid, r.id)) ?? "none"), 0);
  if (f.order === "reach") users = [...users].sort((a, b) => reach(b.id) - reach(a.id));
  const isChanged = (u, r) => base && base.get(key(u, r)) !== undefined && base.get(key(u, r)) !== lv.get(key(u, r));
  if (f.changedOnly && base) {
    users = users.filter((u) => records.some((r) => isChanged(u.id, r.id)));
    records = records.filter((r) => users.some((u) => isChanged(u.id, r.id)));
  }

  const toolbar = h("div", { class: "toolbar" },
    h("label", { class: "field" }, h("span", {}, "Module"),
      h("select", { id: "matrix-module", onchange: (e) => { f.module = e.target.value; renderMatrix(); } },
        option("all", "All modules", f.module === "all"), modules.map((m) => option(m, m, f.module === m)))),
    h("label", { class: "field" }, h("span", {}, "Users"),
      h("select", { id: "matrix-type", onchange: (e) => { f.type = e.target.value; renderMatrix(); } },
        USER_TYPES.map(([id, label]) => option(id, label, f.type === id)))),
    h("label", { class: "field" }, h("span", {}, "Order"),
      h("select", { id: "matrix-order", onchange: (e) => { f.order = e.target.value; renderMatrix(); } },
        option("model", "As in the model", f.order === "model"), option("reach", "Most access first", f.order === "reach"))),
    h("label", { class: "check" }, h("input", { type: "checkbox", id: "matrix-changed-only", checked: f.changedOnly, disabled: !base,
      onchange: (e) => { f.changedOnly = e.target.checked; renderMatrix(); } }), " Only what changed"),
    legend(),
  );

  let grid;
  if (!users.length || !records.length) {
    grid = h("div", { class: "empty", id: "matrix-empty" },
      h("h3", {}, !records.length ? "No records to show" : "No user matches this filter"),
      h("p", {}, f.changedOnly ? "No cell changed under these filters." : "Try another module or user type."));
  } else {
    grid = h("div", { class: "matrix-scroll", role: "region", "aria-label": "Access matrix, users by records", tabindex: "0" },
      h("table", { class: "matrix", id: "matrix" },
        h("caption", { class: "sr-only" }, "Access level of each user (rows) to each record (columns)"),
        h("thead", {},
          h("tr", { class: "module-row" },
            h("th", { class: "corner", rowspan: "2", scope: "col" }, h("span", {}, "User"), h("span", { class: "muted small" }, `${users.length} people × ${records.length} records`)),
            moduleRuns(records).map(([m, n], i) => h("th", { scope: "colgroup", colspan: String(n), class: `module-head m${i % 2}` }, h("span", {}, m))),
            h("th", { rowspan: "2", scope: "col", class: "sum-head" }, "Sees")),
          h("tr", {},
            records.map((r) => h("th", { scope: "col", class: "rec-head", title: `${recordTitle(r)} (${r.module}, ${r.id})`, "data-record": r.id },
              h("div", {}, recordTitle(r)))))),
        h("tbody", {}, users.map((u) => {
          let sees = 0;
          const cells = records.map((r) => {
            const l = lv.get(key(u.id, r.id)) ?? "none";
            if (l !== "none" && l !== "error") sees++;
            const was = base?.get(key(u.id, r.id));
            const ch = isChanged(u.id, r.id);
            const label = `${displayName(u.id)}, ${recordTitle(r)}: ${LEVEL_LABEL[l] ?? l}${ch ? ` (was ${LEVEL_LABEL[was] ?? was})` : ""}`;
            return h("td", {
              class: `cell lv-${l}${ch ? " changed" : ""}`, "data-user": u.id, "data-record": r.id, "data-level": l,
              "data-was": ch ? was : null, title: label, tabindex: "-1", role: "gridcell",
              onclick: (e) => { state.user = u.id; renderUserSelect(); openDetail(u.id, r.id, e.currentTarget); },
            }, h("span", { "aria-hidden": "true" }, LEVEL_SHORT[l] ?? "?"), h("span", { class: "sr-only" }, label));
          });
          const usr = env.ix.users.get(u.id);
          return h("tr", { "data-user": u.id, class: u.id === state.user ? "current" : null },
            h("th", { scope: "row", class: "user-head", title: userTags(usr).join(", ") },
              h("button", { class: "linklike", title: `View as ${displayName(u.id)}`, onclick: () => { state.user = u.id; state.whatIfUser = u.id; selectTab("viewas", false); renderAll(); } }, displayName(u.id)),
              h("span", { class: "tags" }, userTags(usr).filter((t) => t !== "internal").slice(0, 1).map((t) => h("span", { class: `tag tag-${t.replace(/\s+/g, "-")}` }, t)))),
            cells,
            h("td", { class: "sum" }, `${sees}/${records.length}`));
        })),
        h("tfoot", {}, h("tr", {},
          h("th", { scope: "row", class: "user-head foot" }, "Seen by"),
          records.map((r) => {
            const n = users.filter((u) => !["none", "error"].includes(lv.get(key(u.id, r.id)) ?? "none")).length;
            return h("td", { class: "sum col-sum", title: `${recordTitle(r)}: seen by ${n} of ${users.length}` }, String(n));
          }),
          h("td", {}))),
      ));
  }

  const status = state.whatIfProblems.length
    ? "The last what-if change makes the setup invalid (see the panel): the grid shows the last valid state."
    : !base
      ? "No what-if change yet: the grid shows the model as it is."
      : `${changed} cell${changed === 1 ? "" : "s"} changed: ${up} gain access, ${down} lose access.`;
  clear(panel, h("div", { class: "matrix-layout" },
    h("div", { class: "matrix-main" }, toolbar, h("p", { class: "muted small", id: "matrix-status", role: "status" }, status), grid),
    whatIfPanel(env)));
  gridKeys($("matrix"));
  // hovering a cell adds the one-line "why" to its tooltip (computed on demand)
  $("matrix")?.addEventListener("mouseover", (e) => {
    const td = e.target.closest?.("td.cell");
    if (!td || td.dataset.why) return;
    const r = env.ix.records.get(td.dataset.record);
    if (!r) return;
    const why = headline(env.ix, td.dataset.user, r, decisions(env, td.dataset.user, r.id)).text;
    td.dataset.why = "1";
    td.title = `${td.title}\n${why}`;
  });
}

function moduleRuns(records) {
  const runs = [];
  for (const r of records) {
    if (runs.length && runs[runs.length - 1][0] === r.module) runs[runs.length - 1][1]++;
    else runs.push([r.module, 1]);
  }
  return runs;
}

// Arrow keys move between cells (one tab stop for the whole grid); Enter explains the cell.
function gridKeys(table) {
  if (!table) return;
  table.setAttribute("role", "grid");
  const rows = [...table.querySelectorAll("tbody tr")].map((tr) => [...tr.querySelectorAll("td.cell")]);
  if (!rows.length || !rows[0].length) return;
  rows[0][0].tabIndex = 0;
  table.addEventListener("keydown", (e) => {
    const td = e.target.closest?.("td.cell");
    if (!td) return;
    const y = rows.findIndex((r) => r.includes(td));
    const x = rows[y].indexOf(td);
    const moves = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1], Home: [-x, 0], End: [rows[y].length, 0] };
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      td.click();
      return;
    }
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    const ny = Math.min(rows.length - 1, Math.max(0, y + m[1]));
    const nx = Math.min(rows[ny].length - 1, Math.max(0, x + m[0]));
    const next = rows[ny][nx];
    td.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  });
}

function legend() {
  return h("ul", { class: "legend", "aria-label": "Legend" },
    LEVELS.map((l) => h("li", {}, h("span", { class: `swatch lv-${l}`, "aria-hidden": "true" }, LEVEL_SHORT[l]), " ", LEVEL_LABEL[l])),
    h("li", {}, h("span", { class: "swatch changed-swatch", "aria-hidden": "true" }), " changed by what-if"));
}

// ------------------------------------------------------------------ what-if

const FLAGS = [
  ["readOnly", "Read-only user", "May look but never change anything"],
  ["limitedCrm", "Limited CRM access", "Only the companies they manage, and what hangs off them"],
  ["external", "External user", "Outside the company: only their workspaces"],
];

function whatIfPanel(env) {
  const base = state.baseline;
  const uid = base.ix.users.has(state.whatIfUser) ? state.whatIfUser : state.user;
  const bu = base.ix.users.get(uid);
  const over = state.whatIf.users[uid] ?? {};
  const effective = (flag) => (flag in over ? !!over[flag] : !!bu?.[flag]);

  if (!bu) {
    return h("aside", { class: "whatif card", "aria-labelledby": "whatif-title" },
      h("h2", { id: "whatif-title" }, "What if…"), h("p", { class: "muted small" }, "Add users to the model to try changes."));
  }
  const toggle = (flag, on) => {
    const o = { ...(state.whatIf.users[uid] ?? {}) };
    if (!!bu[flag] === on) delete o[flag]; else o[flag] = on;
    if (Object.keys(o).length) state.whatIf.users[uid] = o; else delete state.whatIf.users[uid];
    recompute();
    renderAll();
  };

  const principals = [
    ...[...base.ix.roles.keys()].flatMap((r) => [[JSON.stringify({ role: r }), `Role ${r}`], [JSON.stringify({ roleAndSubordinates: r }), `Role ${r} and below`]]),
    ...[...base.ix.groups.keys()].map((g) => [JSON.stringify({ group: g }), `Group ${g}`]),
  ];
  const modules = [...base.ix.modules.keys()];
  const ruleForm = principals.length
    ? h("form", { class: "rule-form", id: "whatif-rule-form", onsubmit: (e) => {
        e.preventDefault();
        const fd = new FormData(e.currentTarget);
        let id;
        do id = `what-if-${state.ruleSeq++}`; while (base.ix.rules.has(id));
        state.whatIf.rules.push({
          id,
          module: fd.get("module"),
          from: JSON.parse(fd.get("from")),
          to: JSON.parse(fd.get("to")),
          access: fd.get("access"),
        });
        recompute();
        renderAll();
      } },
      h("label", { class: "field" }, h("span", {}, "Module"), h("select", { name: "module", id: "rule-module" }, modules.map((m) => option(m, m)))),
      h("label", { class: "field" }, h("span", {}, "Records owned by"), h("select", { name: "from", id: "rule-from" }, principals.map(([v, l]) => option(v, l)))),
      h("label", { class: "field" }, h("span", {}, "Shared with"), h("select", { name: "to", id: "rule-to" }, principals.map(([v, l]) => option(v, l)))),
      h("label", { class: "field" }, h("span", {}, "Access"), h("select", { name: "access", id: "rule-access" }, option("read", "Read"), option("readWrite", "Read and edit"))),
      h("button", { class: "btn", type: "submit", id: "rule-add" }, "Add the rule"))
    : h("p", { class: "muted small" }, "This model has no roles or groups to share between.");

  const changes = [
    ...Object.entries(state.whatIf.users).flatMap(([id, o]) => Object.entries(o).map(([flag, on]) => ({
      text: `${displayName(id)}: ${FLAGS.find((x) => x[0] === flag)?.[1] ?? flag} ${on ? "on" : "off"}`,
      undo: () => { delete state.whatIf.users[id][flag]; if (!Object.keys(state.whatIf.users[id]).length) delete state.whatIf.users[id]; },
    }))),
    ...state.whatIf.rules.map((r, i) => ({
      text: `Rule: ${r.module} owned by ${principalText(r.from)} → ${principalText(r.to)} (${r.access === "read" ? "read" : "read and edit"})`,
      undo: () => state.whatIf.rules.splice(i, 1),
    })),
  ];

  const problems = state.whatIfProblems.length
    ? h("div", { class: "whatif-problems", role: "alert", id: "whatif-problems" },
        h("strong", {}, "This change makes the setup invalid."),
        h("p", {}, "The engine refuses it, so the grid still shows the last valid state:"),
        h("ul", {}, state.whatIfProblems.map((p) => h("li", {}, h("code", { class: "path" }, annotatePath(env.model, p.path)), " ", p.message))))
    : null;

  return h("aside", { class: "whatif card", "aria-labelledby": "whatif-title" },
    h("h2", { id: "whatif-title" }, "What if…"),
    h("p", { class: "muted small" }, "Try a change without touching the model. Cells that change are outlined in orange."),
    h("label", { class: "field" }, h("span", {}, "Person"),
      h("select", { id: "whatif-user", onchange: (e) => { state.whatIfUser = e.target.value; renderMatrix(); } },
        base.model.users.map((u) => option(u.id, displayName(u.id) + (state.whatIf.users[u.id] ? " •" : ""), u.id === uid)))),
    h("fieldset", {}, h("legend", {}, `Flags of ${displayName(uid)}`),
      FLAGS.map(([flag, label, hint]) => h("label", { class: "check block" },
        h("input", { type: "checkbox", id: `whatif-${flag}`, checked: effective(flag), onchange: (e) => toggle(flag, e.target.checked) }),
        h("span", {}, " ", label, flag in over ? h("em", { class: "changed-note" }, " (what-if)") : null,
          h("small", { class: "muted block" }, flag === "limitedCrm" && !base.model.limitedAccess ? "This setup defines no limited access, so the engine will refuse it" : hint))))),
    problems,
    h("fieldset", {}, h("legend", {}, "Add a sharing rule"), ruleForm),
    changes.length
      ? h("div", { class: "whatif-list" }, h("h3", {}, "Active changes"),
          h("ul", {}, changes.map((c) => h("li", {}, h("span", {}, c.text), " ",
            h("button", { class: "icon-btn small", "aria-label": `Undo: ${c.text}`, onclick: () => { c.undo(); recompute(); renderAll(); } }, "×")))),
          h("button", { class: "btn btn-secondary", id: "whatif-reset", onclick: () => { state.whatIf = { users: {}, rules: [] }; recompute(); renderAll(); } }, "Undo all"))
      : null,
  );
}

function annotatePath(model, path) {
  const m = /^users\[(\d+)\]/.exec(path);
  if (m && model.users?.[+m[1]]) return `${path || "(model)"} (${model.users[+m[1]].id})`;
  return path || "(model)";
}

// ------------------------------------------------------------------ people & invites

function renderPeople() {
  const panel = $("panel-people");
  const env = state.current;
  const ix = env.ix;
  const u = ix.users.get(state.user);
  if (!u) {
    clear(panel, h("div", { class: "empty" }, h("h2", {}, "No users in this model"), h("p", {}, "Add a user in the model editor to see who they can find and invite.")));
    return;
  }
  const visible = safe(() => env.engine.visibleUsers(u.id), []);
  const visSet = new Set(visible);
  const others = env.model.users.filter((x) => !visSet.has(x.id));
  const yesNo = (b) => h("span", { class: `yn ${b ? "yes" : "no"}` }, b ? "Yes" : "No");
  const wsList = [...ix.workspaces.values()];

  const picker = h("section", { class: "card", "aria-labelledby": "people-title" },
    h("h2", { id: "people-title" }, `People ${displayName(u.id)} can find`),
    h("p", { class: "muted small" }, `In a people picker (assigning a task, mentioning someone), ${displayName(u.id)} sees ${visible.length} of ${env.model.users.length} people.`),
    visible.length
      ? h("ul", { class: "people", id: "visible-users" }, visible.map((id) => {
          const p = ix.users.get(id);
          return h("li", { "data-user": id }, h("span", { class: "avatar small", "aria-hidden": "true" }, initials(id)), h("span", {}, displayName(id), id === u.id ? " (you)" : ""), p ? tagBadges(p).filter((b) => b.textContent !== "internal") : null);
        }))
      : h("div", { class: "empty small" }, `${displayName(u.id)} cannot see anyone${u.active === false ? ": the account is inactive" : ""}.`),
    others.length
      ? h("details", {}, h("summary", {}, `Not visible to ${displayName(u.id)} (${others.length})`),
          h("ul", { class: "people dim", id: "hidden-users" }, others.map((p) => h("li", { "data-user": p.id }, h("span", {}, displayName(p.id)), tagBadges(p).filter((b) => b.textContent !== "internal")))))
      : null,
  );

  // Creating: an outsider must file the new record in a workspace they fully take part in.
  const homeWs = wsList.map((w) => w.id).find((w) => ["owner", "moderator", "member", "counterparty contact"].includes(participation(ix, u.id, w)));
  const createIn = [...ix.modules.keys()].map((m) => {
    const draft = { module: m, ...(u.external && homeWs ? { workspaces: [homeWs] } : {}) };
    return [m, safe(() => env.engine.decide(u.id, "create", draft).allowed, false)];
  });
  const rights = h("section", { class: "card" },
    h("h2", {}, `What else ${displayName(u.id)} may do`),
    h("dl", { class: "facts rights" },
      fact("Create a workspace", yesNo(safe(() => env.engine.canCreateWorkspace(u.id), false))),
      fact("Give outsiders access", yesNo(safe(() => env.engine.canGrantAccess(u.id), false))),
    ),
    h("h3", {}, "Create new records in"),
    h("ul", { class: "create-list", id: "create-rights" }, createIn.map(([m, ok]) => h("li", { "data-module": m }, yesNo(ok), " ", m))),
    u.external ? h("p", { class: "muted small" }, homeWs ? `Checked for a record filed in “${homeWs}”.` : "Outsiders create records inside a workspace, and this person has none they fully take part in.") : null,
  );

  const wsTable = wsList.length
    ? h("table", { class: "plain", id: "workspace-table" },
        h("caption", { class: "sr-only" }, `Workspaces and ${displayName(u.id)}'s invite rights`),
        h("thead", {}, h("tr", {}, ["Workspace", "Owner", "Who may invite", "Outsiders see", `${displayName(u.id)}'s part`, "May invite"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, wsList.map((w) => h("tr", { "data-workspace": w.id },
          h("th", { scope: "row" }, w.id),
          h("td", {}, w.owner ? displayName(w.owner) : "—"),
          h("td", {}, { owner: "the owner", ownerAndModerators: "owner and moderators", members: "any full member" }[w.invitePolicy ?? "ownerAndModerators"] ?? w.invitePolicy),
          h("td", {}, (w.externalVisibility ?? "all") === "all" ? "everything in it" : "only what involves them"),
          h("td", {}, participation(ix, u.id, w.id) ?? h("span", { class: "muted" }, "not involved")),
          h("td", {}, yesNo(safe(() => env.engine.canInvite(u.id, w.id), false)))))))
    : h("div", { class: "empty small" }, "This setup has no workspaces.");

  const inviteGrid = wsList.length
    ? h("details", { class: "invite-grid" }, h("summary", {}, "Invite rights of everyone"),
        h("div", { class: "matrix-scroll" }, h("table", { class: "plain compact", id: "invite-matrix" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "User"), wsList.map((w) => h("th", { scope: "col" }, w.id)))),
          h("tbody", {}, env.model.users.map((p) => h("tr", {},
            h("th", { scope: "row" }, displayName(p.id)),
            wsList.map((w) => h("td", {}, yesNo(safe(() => env.engine.canInvite(p.id, w.id), false))))))))))
    : null;

  clear(panel, h("div", { class: "people-layout" }, picker, rights,
    h("section", { class: "card wide", "aria-labelledby": "ws-title" }, h("h2", { id: "ws-title" }, "Workspaces and invitations"), wsTable, inviteGrid)));
}

// ------------------------------------------------------------------ model editor

let editTimer = 0;
function setupEditor() {
  const panel = $("panel-model");
  const ta = h("textarea", {
    id: "model-text", class: "code", spellcheck: "false", autocomplete: "off", autocapitalize: "off",
    wrap: "off", "aria-label": "Model JSON", "aria-describedby": "editor-status",
  });
  const gutter = h("div", { class: "gutter", id: "gutter", "aria-hidden": "true" });
  ta.addEventListener("input", () => {
    renderGutter();
    clearTimeout(editTimer);
    $("editor-status").textContent = "Checking…";
    editTimer = setTimeout(() => {
      const ok = applyText(ta.value);
      if (ok) renderAll(); else { showBanner(); renderEditorStatus(); }
    }, 250);
  });
  const marks = h("div", { class: "marks", id: "editor-marks", "aria-hidden": "true" });
  ta.addEventListener("scroll", () => {
    gutter.scrollTop = ta.scrollTop;
    marks.style.transform = `translate(${-ta.scrollLeft}px, ${-ta.scrollTop}px)`;
  });
  ta.addEventListener("keydown", (e) => {
    if (e.key === "Tab" && !e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey) {
      // two spaces instead of leaving the field; Esc then Tab leaves it
      if (ta.dataset.escaped === "1") { ta.dataset.escaped = ""; return; }
      e.preventDefault();
      ta.setRangeText("  ", ta.selectionStart, ta.selectionEnd, "end");
      ta.dispatchEvent(new Event("input"));
    } else if (e.key === "Escape") ta.dataset.escaped = "1";
  });
  clear(panel, h("div", { class: "editor-layout" },
    h("div", { class: "editor-col" },
      h("div", { class: "toolbar" },
        h("p", { id: "editor-status", class: "editor-status", role: "status" }, ""),
        h("div", { class: "spacer" }),
        h("button", { class: "btn btn-secondary", id: "editor-format", onclick: () => {
          try { ta.value = formatJson(JSON.parse(ta.value)); ta.dispatchEvent(new Event("input")); } catch { ta.focus(); }
        } }, "Format"),
        h("button", { class: "btn btn-secondary", id: "editor-revert", onclick: () => {
          ta.value = state.scenarioText; ta.dispatchEvent(new Event("input"));
        } }, "Revert to the scenario")),
      h("div", { class: "editor" }, gutter, h("div", { class: "code-wrap" }, h("div", { class: "marks-clip" }, marks), ta)),
      h("p", { class: "muted small" }, "Edit the JSON: every change is checked and re-evaluated as you type. Tab indents; press Esc then Tab to leave the editor.")),
    h("div", { class: "side-col" },
      h("section", { class: "card", "aria-labelledby": "problems-title" },
        h("h2", { id: "problems-title" }, "Problems"),
        h("div", { id: "problem-list" })),
      h("section", { class: "card", "aria-labelledby": "live-title" },
        h("h2", { id: "live-title" }, "Live result"),
        h("div", { id: "live-result" }))),
  ));
}

function renderGutter() {
  const ta = $("model-text");
  const gutter = $("gutter");
  const n = ta.value.split("\n").length;
  const bad = new Map();
  for (const p of state.editorProblems) if (p.line) bad.set(p.line, (bad.get(p.line) ? bad.get(p.line) + "\n" : "") + `${p.path}: ${p.message}`);
  const frag = document.createDocumentFragment();
  for (let i = 1; i <= n; i++) frag.append(h("div", { class: bad.has(i) ? "err" : null, title: bad.get(i) ?? null }, String(i)));
  gutter.replaceChildren(frag, h("div", { class: "pad" }, " "));
  gutter.scrollTop = ta.scrollTop;
  // a band behind each problem line, with the message at its end
  const marks = $("editor-marks");
  const lines = ta.value.split("\n");
  clear(marks, [...bad].map(([line, msg]) => h("div", { class: "mark-line", style: `top: ${(line - 1) * 19}px` },
    h("span", { class: "mark-gap" }, lines[line - 1] ?? ""),
    h("span", { class: "mark-msg" }, msg.split("\n")[0]))));
  marks.style.transform = `translate(${-ta.scrollLeft}px, ${-ta.scrollTop}px)`;
}

function jumpTo(p) {
  const ta = $("model-text");
  selectTab("model");
  ta.focus();
  ta.setSelectionRange(p.start ?? 0, p.end ?? p.start ?? 0);
  const lh = parseFloat(getComputedStyle(ta).lineHeight) || 18;
  ta.scrollTop = Math.max(0, ((p.line ?? 1) - 4) * lh);
}

function renderEditorStatus() {
  const list = $("problem-list");
  const status = $("editor-status");
  if (!list) return;
  renderGutter();
  const probs = state.editorProblems;
  if (probs.length) {
    status.textContent = `${probs.length} problem${probs.length === 1 ? "" : "s"}: the engine rejects this model`;
    status.className = "editor-status bad";
    clear(list, h("ul", { class: "problems", id: "problems" }, probs.map((p) => h("li", { "data-path": p.path },
      h("button", { class: "path", onclick: () => jumpTo(p), "aria-label": `Go to ${p.path || "the model"}, line ${p.line}` }, h("code", {}, p.path || "(model)")),
      h("span", { class: "line muted small" }, ` line ${p.line}`),
      h("p", {}, p.message)))));
  } else {
    const m = state.baseModel;
    status.textContent = `Valid: ${m.users?.length ?? 0} users, ${m.records?.length ?? 0} records, ${m.workspaces?.length ?? 0} workspaces`;
    status.className = "editor-status ok";
    clear(list, h("p", { class: "all-good" }, "No problems: the engine accepts this model."));
  }
  renderLive();
}

function renderLive() {
  const box = $("live-result");
  if (!box) return;
  const env = state.current;
  if (!env) {
    clear(box, h("div", { class: "empty small" }, "Nothing valid to evaluate yet."));
    return;
  }
  const lv = levels(env);
  const recs = env.model.records ?? [];
  const stale = state.editorProblems.length > 0;
  clear(box,
    h("p", { class: `muted small${stale ? " stale-note" : ""}` },
      stale ? "Last valid version of the model (the editor has problems):" : "How much each person reaches in the model above" + (whatIfActive() ? " (with your what-if changes):" : ":")),
    h("table", { class: `plain compact${stale ? " stale" : ""}`, id: "live-table" },
      h("thead", {}, h("tr", {}, ["User", "See", "Edit", "Delete"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, env.model.users.map((u) => {
        let r = 0, w = 0, f = 0;
        for (const x of recs) {
          const l = lv.get(key(u.id, x.id));
          if (l === "read" || l === "write" || l === "full") r++;
          if (l === "write" || l === "full") w++;
          if (l === "full") f++;
        }
        return h("tr", { "data-user": u.id }, h("th", { scope: "row" }, displayName(u.id)), h("td", {}, r), h("td", {}, w), h("td", {}, f));
      }))));
}

boot();
