// crm-access demo: the shell. Loads the engine and the scenarios, owns the
// header, the tabs and the banner, and hands each tab to its view in views/.
import { h, clear, option } from "./dom.js";
import { displayName, userTags } from "./model.js";
import { state, $, ui } from "./state.js";
import { release, applyText } from "./engine.js";
import { setupDetail, renderDetail } from "./views/detail.js";
import { renderViewAs } from "./views/view-as.js";
import { renderMatrix } from "./views/matrix.js";
import { renderPeople } from "./views/people.js";
import { setupEditor, renderEditorStatus } from "./views/model-editor.js";
import { renderSql } from "./views/sql.js";
import { renderSlice } from "./views/slice.js";

const PKG_URL = new URL("../../pkg/full.js", import.meta.url);

async function boot() {
  try {
    const mod = await import(PKG_URL.href);
    if (typeof mod.default === "function" && !mod.Engine) await mod.default();
    state.Engine = mod.Engine;
    if (typeof state.Engine !== "function") throw new Error("pkg/full.js does not export Engine");
  } catch (err) {
    fatal(
      "The permission engine could not be loaded.",
      `The page needs the built package at /pkg/full.js (run scripts/demo.sh, which builds it). Details: ${err?.message ?? err}`,
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

const TABS = ["viewas", "matrix", "people", "sql", "slice", "model"];
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
  else if (state.tab === "sql") renderSql();
  else if (state.tab === "slice") renderSlice();
  else renderEditorStatus();
}

Object.assign(ui, { renderAll, showBanner, selectTab, renderUserSelect });
boot();
