// People & invites: who the person finds in a people picker, what else they may
// do, and who may invite to each workspace.
import { h, clear } from "../dom.js";
import { displayName, participation } from "../model.js";
import { state, $ } from "../state.js";
import { safe } from "../engine.js";
import { tagBadges, initials, fact } from "../widgets.js";

export function renderPeople() {
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
