// Shared state of the demo: one object, read and written by the shell and the views.
export const state = {
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

export const $ = (id) => document.getElementById(id);

// Key of a user × record cell in a level map.
export const key = (u, r) => `${u}\u0000${r}`;

// Filled in by the shell (app.js) at start-up, so a view can ask for a redraw or
// a tab change without importing the shell (which imports every view).
export const ui = {
  renderAll() {},
  showBanner() {},
  selectTab() {}, // (tab, render = true)
  renderUserSelect() {},
};
