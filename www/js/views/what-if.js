// The "What if…" panel: flip a person's flags or add a sharing rule, without
// touching the model (state.whatIf; engine.js applies it). The panel also asks
// the baseline engine's impact() what those changes would do: counts, and the
// access gained and lost, per person and record.
import { h, option } from "../dom.js";
import { displayName, principalText } from "../model.js";
import { state, ui } from "../state.js";
import { recompute } from "../engine.js";

const FLAGS = [
  ["readOnly", "Read-only user", "May look but never change anything"],
  ["limitedCrm", "Limited CRM access", "Only the companies they manage, and what hangs off them"],
  ["external", "External user", "Outside the company: only their workspaces"],
];

// rerender: redraws the view the panel sits in (the matrix).
export function whatIfPanel(env, rerender) {
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
    ui.renderAll();
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
        ui.renderAll();
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

  const impact = changes.length ? impactPanel(base) : null;

  return h("aside", { class: "whatif card", "aria-labelledby": "whatif-title" },
    h("h2", { id: "whatif-title" }, "What if…"),
    h("p", { class: "muted small" }, "Try a change without touching the model. Cells that change are outlined in orange."),
    h("label", { class: "field" }, h("span", {}, "Person"),
      h("select", { id: "whatif-user", onchange: (e) => { state.whatIfUser = e.target.value; rerender(); } },
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
            h("button", { class: "icon-btn small", "aria-label": `Undo: ${c.text}`, onclick: () => { c.undo(); recompute(); ui.renderAll(); } }, "×")))),
          h("button", { class: "btn btn-secondary", id: "whatif-reset", onclick: () => { state.whatIf = { users: {}, rules: [] }; recompute(); ui.renderAll(); } }, "Undo all"))
      : null,
    impact,
  );
}

// The what-if state as a batch of changes for engine.impact(): each changed
// person put again with their flags, each added rule put.
function whatIfChanges(base) {
  const changes = [];
  for (const [uid, flags] of Object.entries(state.whatIf.users)) {
    const u = base.model.users.find((x) => x.id === uid);
    if (u) changes.push({ op: "put", kind: "user", value: { ...structuredClone(u), ...flags } });
  }
  for (const r of state.whatIf.rules) changes.push({ op: "put", kind: "sharingRule", value: structuredClone(r) });
  return changes;
}

const SHOWN = 40; // items listed; the counts cover them all
const VERB = { view: "see", edit: "edit", delete: "delete" };

// What the active changes do to access, from impact(): totals, per module, and the list.
function impactPanel(base) {
  let impact;
  try {
    impact = base.engine.impact(whatIfChanges(base), { limit: SHOWN });
  } catch (err) {
    // the engine refuses the change: the panel lists its problems above
    return h("section", { class: "whatif-impact", id: "whatif-impact" }, h("h3", {}, "Impact"),
      h("p", { class: "muted small" }, `No impact to show: ${err?.message ?? err}`));
  }
  const { gained, lost } = impact.total;
  const people = Object.keys(impact.byUser).length;
  const modules = Object.entries(impact.byModule);
  const item = (c) => h("li", { class: c.after ? "gained" : "lost" },
    h("strong", {}, c.after ? "+ " : "− "), `${displayName(c.user)} ${c.after ? "may now" : "may no longer"} ${VERB[c.action]} `, h("code", {}, c.record));
  const gainedItems = impact.changes.filter((c) => c.after), lostItems = impact.changes.filter((c) => !c.after);
  return h("section", { class: "whatif-impact", id: "whatif-impact", "aria-labelledby": "whatif-impact-title" },
    h("h3", { id: "whatif-impact-title" }, "Impact"),
    h("p", { id: "whatif-impact-total" }, gained + lost === 0
      ? "No one's access to the stored records changes."
      : `${gained} gained, ${lost} lost, for ${people} ${people === 1 ? "person" : "people"} (view, edit and delete counted apart).`),
    modules.length
      ? h("ul", { class: "small", id: "whatif-impact-modules" }, modules.map(([m, c]) => h("li", {}, `${m}: +${c.gained} / −${c.lost}`)))
      : null,
    gainedItems.length ? h("div", {}, h("h4", {}, "Access gained"), h("ul", { class: "impact-list", id: "whatif-gained" }, gainedItems.map(item))) : null,
    lostItems.length ? h("div", {}, h("h4", {}, "Access lost"), h("ul", { class: "impact-list", id: "whatif-lost" }, lostItems.map(item))) : null,
    impact.truncated ? h("p", { class: "muted small" }, `The first ${SHOWN} of ${gained + lost} are listed.`) : null);
}

function annotatePath(model, path) {
  const m = /^users\[(\d+)\]/.exec(path);
  if (m && model.users?.[+m[1]]) return `${path || "(model)"} (${model.users[+m[1]].id})`;
  return path || "(model)";
}
