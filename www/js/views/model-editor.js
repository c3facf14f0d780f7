// Model editor: the scenario's JSON, checked as you type, with its problems
// listed and marked in the text, and a live summary of the last valid model.
import { h, clear } from "../dom.js";
import { formatJson } from "../jsonfmt.js";
import { displayName } from "../model.js";
import { state, $, key, ui } from "../state.js";
import { levels, applyText, whatIfActive } from "../engine.js";

let editTimer = 0;
export function setupEditor() {
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
      if (ok) ui.renderAll(); else { ui.showBanner(); renderEditorStatus(); }
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
  ui.selectTab("model");
  ta.focus();
  ta.setSelectionRange(p.start ?? 0, p.end ?? p.start ?? 0);
  const lh = parseFloat(getComputedStyle(ta).lineHeight) || 18;
  ta.scrollTop = Math.max(0, ((p.line ?? 1) - 4) * lh);
}

export function renderEditorStatus() {
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
