// "View as": every record with its verdict, its masked fields and why.
import { h, clear, option } from "../dom.js";
import { displayName, recordTitle } from "../model.js";
import { headline, verdictOf, VERDICTS, describeParticipation } from "../explain.js";
import { state, $ } from "../state.js";
import { decisions, fieldAccessOf, maskedFields, workspacesOfUser } from "../engine.js";
import { tagBadges, verdictBadge, capitalise, initials, fact, formatValue } from "../widgets.js";
import { openDetail } from "./detail.js";

export function renderViewAs() {
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
  // workspacesOf: also the projects of records open to them (a client added to one task of another project)
  const opens = (workspacesOfUser(env, u.id) ?? []).filter((w) => !parts.some((p) => p.workspace === w));

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
        opens.length && !u.admin ? fact("Also opens", `${opens.join(", ")} (projects of records open to them)`) : null,
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
