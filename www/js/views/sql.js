// "In PostgreSQL": the viewed-as person's access to one module as a SQL WHERE
// clause (`toSql(engine.plan(user, action, module))`), run on PGlite (PostgreSQL
// compiled to WebAssembly) in this page over the scenario's records, next to
// the engine's own answer (`filterStored`). The two lists must be the same.
import { h, clear, option } from "../dom.js";
import { displayName, recordTitle } from "../model.js";
import { state, $ } from "../state.js";

const SQL_URL = new URL("../../../pkg/sql.js", import.meta.url);
// PGlite comes from the repository's own node_modules (a devDependency, installed
// by scripts/setup.sh); www/serve.mjs serves the repository root.
const PGLITE_URL = new URL("../../../node_modules/@electric-sql/pglite/dist/index.js", import.meta.url);

const ACTIONS = ["view", "edit", "delete"];
const choice = { module: null, action: "view" };
let seq = 0; // the latest render; an older one that finishes late is dropped
let dbPromise = null; // { db, sql } once PGlite is up
let loadedFor = null; // the engine env whose records are in crm_records
let queue = Promise.resolve(); // loads and queries run one after another

function exclusive(fn) {
  const run = queue.then(fn);
  queue = run.catch(() => {});
  return run;
}

function database() {
  dbPromise ??= (async () => {
    const sql = await import(SQL_URL.href);
    const { PGlite } = await import(PGLITE_URL.href);
    const db = new PGlite();
    await db.waitReady;
    await db.exec(sql.postgresSchema());
    return { db, sql };
  })();
  dbPromise.catch(() => { dbPromise = null; });
  return dbPromise;
}

// Replaces the table's rows with the records of `env`'s model (toRows, parameters only).
async function loadRecords({ db, sql }, env) {
  if (loadedFor === env) return;
  loadedFor = null;
  const rows = sql.toRows(env.model.records ?? []);
  const cols = sql.rowColumns;
  await db.transaction(async (tx) => {
    await tx.query("TRUNCATE crm_records");
    for (let i = 0; i < rows.length; i += 200) {
      const params = [];
      const tuples = rows.slice(i, i + 200).map((row) => `(${cols.map((c) => (params.push(row[c]), `$${params.length}${c === "fields" ? "::jsonb" : ""}`)).join(", ")})`);
      await tx.query(`INSERT INTO crm_records (${cols.join(", ")}) VALUES ${tuples.join(", ")}`, params);
    }
  });
  loadedFor = env;
}

export function renderSql() {
  const panel = $("panel-sql");
  const env = state.current;
  const u = env.ix.users.get(state.user);
  const modules = (env.model.modules ?? []).map((m) => m.name);
  if (!u || modules.length === 0) {
    clear(panel, h("div", { class: "empty" }, h("h2", {}, "Nothing to query"), h("p", {}, "The model needs a user and a module.")));
    return;
  }
  if (!modules.includes(choice.module)) {
    const withRecords = modules.find((m) => (env.model.records ?? []).some((r) => r.module === m));
    choice.module = withRecords ?? modules[0];
  }
  const { module, action } = choice;
  const token = ++seq;
  const select = (id, label, values, value, set) =>
    h("label", { class: "sql-pick" }, `${label} `,
      h("select", { id, onchange: (e) => { set(e.target.value); renderSql(); } }, values.map((v) => option(v, v, v === value))));
  const result = h("div", { id: "sql-result", "aria-live": "polite", "data-state": "running" }, h("p", { class: "muted" }, "Starting PostgreSQL (PGlite) in the page…"));
  let plan;
  let planError = null;
  try {
    plan = env.engine.plan(u.id, action, module);
  } catch (err) {
    planError = String(err?.message ?? err);
  }
  const head = h("section", { class: "card", "aria-labelledby": "sql-title" },
    h("h2", { id: "sql-title" }, `${displayName(u.id)}'s ${module} as a SQL filter`),
    h("p", { class: "muted small" },
      "The engine turns this person's access to the module into one condition on the record's own columns (",
      h("code", {}, "engine.plan"), "), and ", h("code", {}, "toSql"),
      " writes it as a PostgreSQL WHERE clause with every id passed as a parameter. Below, that query runs on PGlite (PostgreSQL compiled to WebAssembly) in this page, over the scenario's records loaded into the table of ",
      h("code", {}, "postgresSchema()"), ", and its rows are compared with the engine's own answer."),
    h("div", { class: "sql-picks" },
      select("sql-module", "Module", modules, module, (v) => { choice.module = v; }),
      select("sql-action", "Action", ACTIONS, action, (v) => { choice.action = v; })),
  );
  const body = [];
  if (planError) {
    body.push(h("div", { class: "empty empty-error", role: "alert" }, `engine.plan failed: ${planError}`));
  }
  clear(panel, h("div", { class: "sql-layout" }, head, ...body, planError ? null : h("section", { class: "card", id: "sql-query" }, h("p", { class: "muted" }, "Loading the SQL layer…")), planError ? null : h("section", { class: "card" }, result)));
  if (planError) return;

  (async () => {
    let conn;
    try {
      conn = await database();
    } catch (err) {
      if (token !== seq) return;
      result.dataset.state = "error";
      clear(result, h("div", { class: "empty empty-error", role: "alert" },
        h("h3", {}, "PostgreSQL (PGlite) could not start in the page"),
        h("p", {}, `It is served from the repository's node_modules (run scripts/setup.sh or npm ci). Details: ${err?.message ?? err}`)));
      return;
    }
    if (token !== seq) return;
    const { db, sql } = conn;
    const where = sql.toSql(plan, sql.defaultLayout, { module });
    const query = `SELECT x.id FROM ${where.from} WHERE ${where.where} ORDER BY x.id`;
    clear($("sql-query"),
      h("h3", {}, "The plan, as SQL"),
      h("p", { class: "muted small" }, `Plan: ${plan.kind}${plan.kind === "conditional" ? " (a condition on the record's columns)" : plan.kind === "always" ? " (every record of the module)" : " (no record)"}.`),
      h("pre", { class: "sql-code", id: "sql-where" }, query),
      h("h4", {}, `Parameters (${where.params.length})`),
      where.params.length
        ? h("ol", { class: "sql-params", id: "sql-params" }, where.params.map((p) => h("li", {}, h("code", {}, JSON.stringify(p)))))
        : h("p", { class: "muted small", id: "sql-params" }, "none"),
      h("details", {}, h("summary", {}, "The plan as JSON"), h("pre", { class: "sql-code" }, JSON.stringify(plan, null, 2))));
    let got;
    try {
      // a later render's load waits until this query has run
      got = await exclusive(async () => {
        await loadRecords(conn, env);
        return (await db.query(query, where.params)).rows.map((r) => r.id);
      });
    } catch (err) {
      if (token !== seq) return;
      result.dataset.state = "error";
      clear(result, h("div", { class: "empty empty-error", role: "alert" }, `The query failed: ${err?.message ?? err}`));
      return;
    }
    if (token !== seq) return;
    const inModule = new Set((env.model.records ?? []).filter((r) => r.module === module).map((r) => r.id));
    const engineIds = env.engine.filterStored(u.id, action).filter((id) => inModule.has(id));
    const sqlSet = new Set(got);
    const engineSet = new Set(engineIds);
    const same = sqlSet.size === engineSet.size && [...sqlSet].every((id) => engineSet.has(id)) && got.length === sqlSet.size;
    const all = [...new Set([...got, ...engineIds])].sort();
    const yn = (b) => h("span", { class: `yn ${b ? "yes" : "no"}` }, b ? "Yes" : "No");
    result.dataset.state = "done";
    result.dataset.for = `${u.id}|${module}|${action}`;
    result.dataset.same = same ? "yes" : "no";
    clear(result,
      h("h3", {}, "Rows selected"),
      h("p", { class: `sql-same ${same ? "ok" : "bad"}`, id: "sql-same" },
        "Same rows as the engine: ", h("strong", {}, same ? "yes" : "no"),
        ` (PostgreSQL: ${got.length} of ${inModule.size} ${module}, engine's filterStored: ${engineIds.length})`),
      all.length
        ? h("table", { class: "plain compact", id: "sql-rows" },
            h("thead", {}, h("tr", {}, ["Record", "Title", "PostgreSQL", "Engine"].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, all.map((id) => h("tr", { "data-record-id": id, "data-sql": sqlSet.has(id) ? "yes" : "no", "data-engine": engineSet.has(id) ? "yes" : "no" },
              h("th", { scope: "row" }, h("code", {}, id)),
              h("td", {}, recordTitle(env.ix.records.get(id))),
              h("td", {}, yn(sqlSet.has(id))),
              h("td", {}, yn(engineSet.has(id)))))))
        : h("div", { class: "empty small", id: "sql-rows" }, `Neither selects any of the ${inModule.size} ${module} records for ${action}.`));
  })();
}
