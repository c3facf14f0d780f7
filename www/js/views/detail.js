// The "why?" side panel: one record as one person sees it, action by action.
import { h, clear } from "../dom.js";
import { recordTitle, displayName, ownerName } from "../model.js";
import { headline, explainActions, suggestionText, VERDICTS } from "../explain.js";
import { state, $ } from "../state.js";
import { canShareOf, explanations, fieldAccessOf, maskedFields, recordFieldAccessOf, whoCanOf } from "../engine.js";
import { fact, formatValue } from "../widgets.js";

let detailReturnFocus = null;
export function setupDetail() {
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !$("detail").hidden) closeDetail();
  });
}

export function openDetail(uid, rid, from) {
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

export function renderDetail() {
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
  // the why text comes from explain(): its decisions, and what would open a denied action
  const xs = explanations(env, u.id, r.id);
  const d = { view: xs.view.decision, edit: xs.edit.decision, delete: xs.delete.decision };
  const who = whoCanOf(env, r.id);
  const why = headline(ix, u.id, r, d);
  const actions = explainActions(ix, u.id, r, d, xs);
  const fa = fieldAccessOf(env, u.id, r.module);
  const seen = maskedFields(env, u.id, r.id);
  const rfa = recordFieldAccessOf(env, u.id, r.id) ?? {};
  const share = canShareOf(env, u.id, r.id);
  const shareText = share === true ? "yes: you may add people, groups or roles to its shares"
    : share === false ? (u.external ? "no: outside users never share records by hand" : u.readOnly ? "no: your account is read-only"
      : "no: sharing by hand needs full access to the record") : "—";
  const sharedWith = (r.sharedWith ?? []).map((e) => `${e.user ?? e.group ?? e.role ?? `${e.roleAndSubordinates} and below`} (${e.access === "readWrite" ? "read and edit" : "read"})`);
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
    sharedWith.length ? fact("Shared by hand with", sharedWith.join(", ")) : null,
  ];
  const ACTION_WORD = { view: "See it", edit: "Edit it", delete: "Delete it" };
  const recordEditable = d.edit.allowed;
  const fieldWord = (a) => {
    if (a === "hidden") return "hidden";
    if (a === "readOnly") return "read-only";
    if (a === "editable") return recordEditable ? "editable" : why.verdict === "hidden" ? "editable (record hidden)" : "read-only, like the record";
    return a;
  };
  const RECORD_WORD = { hidden: "hidden", readOnly: "read-only", editable: "editable" };
  const fieldRows = Object.keys(fa ?? {}).map((k) => h("tr", { "data-field": k },
    h("th", { scope: "row" }, k),
    h("td", {}, fieldWord(fa[k])),
    h("td", { "data-record-access": rfa[k] ?? "" }, RECORD_WORD[rfa[k]] ?? "—"),
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
        a.sentences.length ? h("ul", { class: "because" }, a.sentences.map((s) => h("li", {}, s))) : null,
        !a.allowed && xs[a.action].suggestions.length
          ? h("ul", { class: "would-open" }, xs[a.action].suggestions.slice(0, 3).map((s) => h("li", { "data-grant": s.grant }, `${suggestionText(ix, u.id, s)[0].toUpperCase()}${suggestionText(ix, u.id, s).slice(1)}`)))
          : null)))),
    h("h3", {}, "Who can see this"),
    who === null ? h("p", { class: "muted" }, "—")
      : h("ul", { class: "who-can", id: "detail-who" }, who.map((w) => h("li", { "data-user": w.user, "data-access": w.access },
        displayName(w.user), " ", h("span", { class: `badge lv-${w.access}` }, { read: "read", write: "read and edit", full: "full" }[w.access] ?? w.access)))),
    fieldRows.length ? [h("h3", {}, "Fields"), h("table", { class: "mini" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, "Access"), h("th", { scope: "col" }, "On this record"), h("th", { scope: "col" }, "Value seen"))),
      h("tbody", {}, fieldRows))] : null,
    h("p", { class: "can-share", id: "detail-can-share", "data-can-share": String(share) }, h("strong", {}, "Share it by hand: "), shareText),
    h("h3", {}, "About this record"),
    h("dl", { class: "facts" }, facts),
    h("details", { class: "codes" }, h("summary", {}, "Engine reason codes"),
      h("ul", {}, actions.map((a) => h("li", {}, h("strong", {}, a.action), ": ", h("code", {}, a.reasons.join(", ") || "(none)"))))),
  );
  box.hidden = false;
  document.body.classList.add("with-detail");
}
