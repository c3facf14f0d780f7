// What this browser receives (issue 13): the slice of the model a server
// would send the viewed-as person (`engine.sliceFor`), its size, what it holds
// and leaves out, and its JSON; an engine built from it is checked against the
// page's own engine on the person's records.
import { h, clear } from "../dom.js";
import { displayName } from "../model.js";
import { state, $ } from "../state.js";
import { safe } from "../engine.js";
import { fact } from "../widgets.js";
import { formatJson } from "../jsonfmt.js";

const kib = (n) => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);
const bytes = (text) => new TextEncoder().encode(text).length;

// gzip through the browser's CompressionStream (what a server sending the
// slice with Content-Encoding: gzip would put on the wire)
async function gzipSize(text) {
  if (typeof CompressionStream !== "function") return null;
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

export function renderSlice() {
  const panel = $("panel-slice");
  const env = state.current;
  const u = env.ix.users.get(state.user);
  if (!u) {
    clear(panel, h("div", { class: "empty" }, h("h2", {}, "No users in this model"), h("p", {}, "Add a user in the model editor to see what their browser would receive.")));
    return;
  }
  let text;
  try {
    text = env.engine.sliceFor(u.id, { json: true });
  } catch (err) {
    clear(panel, h("div", { class: "empty empty-error", role: "alert" }, `The slice could not be made: ${err.message}`));
    return;
  }
  const slice = JSON.parse(text);
  const full = JSON.stringify(env.model);
  const records = slice.records ?? [];
  const viewable = new Set(safe(() => env.engine.filterStored(u.id), []));
  const stubs = records.filter((r) => !viewable.has(r.id));
  const realIds = new Set(env.model.users.map((x) => x.id));
  const placeholders = slice.users.filter((x) => !realIds.has(x.id));
  const count = (list) => (list ?? []).length;

  // the slice's own engine, as the browser would build it, against the page's
  let check;
  try {
    const mine = new state.Engine(slice);
    const same = ["view", "edit", "delete"].every((a) => JSON.stringify(mine.filterStored(u.id, a)) === JSON.stringify(env.engine.filterStored(u.id, a)))
      && JSON.stringify(mine.visibleUsers(u.id)) === JSON.stringify(env.engine.visibleUsers(u.id))
      && records.filter((r) => viewable.has(r.id)).every((r) => JSON.stringify(mine.decide(u.id, "edit", r.id)) === JSON.stringify(env.engine.decide(u.id, "edit", r.id)));
    const other = env.model.users.find((x) => x.id !== u.id);
    let refused = true;
    if (other) { try { mine.visibleUsers(other.id); refused = false; } catch { refused = true; } }
    mine.free();
    check = same && refused
      ? h("p", { class: "slice-check ok", id: "slice-check", "data-ok": "true" }, `An engine built from this slice answers ${displayName(u.id)}'s questions as this page's engine does (records, decisions with reasons, people), and refuses questions about anyone else.`)
      : h("p", { class: "slice-check bad", id: "slice-check", "data-ok": "false", role: "alert" }, "The slice's engine disagrees with this page's engine.");
  } catch (err) {
    check = h("p", { class: "slice-check bad", id: "slice-check", "data-ok": "false", role: "alert" }, `The slice was refused: ${err.message}`);
  }

  const gz = h("span", { id: "slice-gzip" }, "…");
  gzipSize(text).then((n) => { gz.textContent = n === null ? "n/a" : kib(n); }, () => { gz.textContent = "n/a"; });

  const summary = h("section", { class: "card", "aria-labelledby": "slice-title" },
    h("h2", { id: "slice-title" }, `What ${displayName(u.id)}'s browser receives`),
    h("p", { class: "muted small" }, "A server keeps the whole model and sends each signed-in person only their slice of it (engine.sliceFor). The browser builds its own engine from it and gets the same answers for that person, without ever holding a record, a field value or a person it may not see."),
    h("dl", { class: "facts", id: "slice-facts" },
      fact("Slice", h("span", { id: "slice-bytes", "data-bytes": String(bytes(text)) }, `${kib(bytes(text))} of JSON`)),
      fact("Gzipped", gz),
      fact("Whole model", h("span", { id: "model-bytes" }, kib(bytes(full)))),
      fact("Records", h("span", { id: "slice-records", "data-count": String(records.length) }, `${records.length - stubs.length} viewable` + (stubs.length ? ` + ${stubs.length} stub${stubs.length === 1 ? "" : "s"}` : "") + ` (of ${count(env.model.records)} in the model)`)),
      fact("People", h("span", { id: "slice-users" }, `${slice.users.length - placeholders.length} of ${env.model.users.length}` + (placeholders.length ? ` + ${placeholders.length} placeholder${placeholders.length === 1 ? "" : "s"}` : ""))),
      fact("Sharing rules", `${count(slice.sharingRules)} of ${count(env.model.sharingRules)}`),
      fact("Groups", `${count(slice.groups)} of ${count(env.model.groups)}`),
      fact("Roles", `${count(slice.roles)} of ${count(env.model.roles)}`),
      fact("Workspaces", `${count(slice.workspaces)} of ${count(env.model.workspaces)}`),
    ),
    check,
    stubs.length
      ? h("p", { class: "muted small", id: "slice-stubs" }, `Stubs: ${stubs.map((r) => r.id).join(", ")}: records ${displayName(u.id)} may not view that a viewable record names as its parent or company; sent with no fields, only the keys an answer reads.`)
      : null,
  );
  const json = h("section", { class: "card wide", "aria-labelledby": "slice-json-title" },
    h("h2", { id: "slice-json-title" }, "The slice, as sent"),
    h("pre", { class: "slice-json", id: "slice-json", tabindex: "0" }, formatJson(slice)),
  );
  clear(panel, h("div", { class: "people-layout" }, summary, json));
}
