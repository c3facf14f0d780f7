// Access matrix: people × records coloured by level, with the what-if panel beside it.
import { h, clear, option } from "../dom.js";
import { recordTitle, displayName, userTags, USER_TYPES, LEVELS, LEVEL_LABEL, LEVEL_SHORT } from "../model.js";
import { headline } from "../explain.js";
import { state, $, key, ui } from "../state.js";
import { levels, decisions, whatIfActive } from "../engine.js";
import { openDetail } from "./detail.js";
import { whatIfPanel } from "./what-if.js";

export function renderMatrix() {
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
              onclick: (e) => { state.user = u.id; ui.renderUserSelect(); openDetail(u.id, r.id, e.currentTarget); },
            }, h("span", { "aria-hidden": "true" }, LEVEL_SHORT[l] ?? "?"), h("span", { class: "sr-only" }, label));
          });
          const usr = env.ix.users.get(u.id);
          return h("tr", { "data-user": u.id, class: u.id === state.user ? "current" : null },
            h("th", { scope: "row", class: "user-head", title: userTags(usr).join(", ") },
              h("button", { class: "linklike", title: `View as ${displayName(u.id)}`, onclick: () => { state.user = u.id; state.whatIfUser = u.id; ui.selectTab("viewas", false); ui.renderAll(); } }, displayName(u.id)),
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
    whatIfPanel(env, renderMatrix)));
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
