// Small pieces of markup shared by several views.
import { h } from "./dom.js";
import { displayName, userTags } from "./model.js";
import { VERDICTS } from "./explain.js";

export function tagBadges(u) {
  return userTags(u).map((t) => h("span", { class: `tag tag-${t.replace(/\s+/g, "-")}` }, t));
}

export function verdictBadge(v) {
  return h("span", { class: `badge lv-${VERDICTS[v].level}`, "data-verdict": v }, VERDICTS[v].label);
}

export const capitalise = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);

export function initials(id) {
  return displayName(id).split(" ").map((w) => w[0]).join("").slice(0, 2).toUpperCase();
}

export function fact(label, value) {
  return [h("dt", {}, label), h("dd", {}, value)];
}

export function formatValue(v) {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return v.toLocaleString("en");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
