// A small HTTP server listing a user's deals page by page from PostgreSQL (or
// PGlite), with the plan's WHERE: the database filters, the engine masks the
// fields and refuses the edits it refuses.
//
//   npm install @electric-sql/pglite        (or pg, and PG_URL=postgres://…)
//   node examples/sql-server.mjs            then:
//   curl 'localhost:8080/deals?user=raj&after='          a page of 50 deals raj may view
//   curl -X POST 'localhost:8080/deals/d7/edit?user=raj' 403 unless raj may edit d7
//
// `createApp({ engine, query })` is the whole server (tests/sql runs it on PGlite);
// `query(text, params)` returns rows.
import http from "node:http";
import { Engine, toSql, postgresSchema, toRows, rowColumns } from "crm-access";

export const PAGE = 50;

export function createApp({ engine, query }) {
  const json = (res, status, body) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  return http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://localhost");
      const user = url.searchParams.get("user") ?? "";
      if (req.method === "GET" && url.pathname === "/deals") {
        // keyset pagination on id; the caller's own param is $1, the plan's follow
        const after = url.searchParams.get("after") ?? "";
        const { where, params, from } = toSql(engine.plan(user, "view", "deals"), undefined, { module: "deals", startParam: 2 });
        const rows = await query(`SELECT x.id, x.module, x.owner, x.fields FROM ${from} WHERE x.id > $1 AND ${where} ORDER BY x.id LIMIT ${PAGE}`, [after, ...params]);
        const access = engine.fieldAccess(user, "deals"); // { field: "hidden" | "readOnly" | "editable" }
        const deals = rows.map((row) => {
          const fields = typeof row.fields === "string" ? JSON.parse(row.fields) : row.fields;
          // mask: only the fields the user may read
          const visible = Object.fromEntries(Object.entries(fields).filter(([name]) => access[name] !== undefined && access[name] !== "hidden"));
          return { id: row.id, owner: row.owner, fields: visible };
        });
        return json(res, 200, { deals, next: rows.length === PAGE ? rows[rows.length - 1].id : null });
      }
      const edit = url.pathname.match(/^\/deals\/([^/]+)\/edit$/);
      if (req.method === "POST" && edit) {
        const id = decodeURIComponent(edit[1]);
        // the same answer from the database (the plan) and the engine (the stored record)
        const { where, params, from } = toSql(engine.plan(user, "edit", "deals"), undefined, { module: "deals", startParam: 2 });
        const rows = await query(`SELECT x.id FROM ${from} WHERE x.id = $1 AND ${where}`, [id, ...params]);
        const allowed = engine.can(user, "edit", id);
        if (allowed !== (rows.length === 1)) return json(res, 500, { error: "the plan and the engine disagree" });
        return allowed ? json(res, 200, { edited: id }) : json(res, 403, { error: "forbidden", reasons: engine.decide(user, "edit", id).reasons });
      }
      json(res, 404, { error: "not found" });
    } catch (e) {
      json(res, 400, { error: e.message });
    }
  });
}

/** Fills crm_records (the default layout) with the model's records. */
export async function loadRecords(query, records) {
  for (const row of toRows(records)) {
    await query(`INSERT INTO crm_records (${rowColumns.join(", ")}) VALUES (${rowColumns.map((c, i) => `$${i + 1}${c === "fields" ? "::jsonb" : ""}`).join(", ")})`, rowColumns.map((c) => row[c]));
  }
}

export const demoModel = () => {
  const records = [];
  for (let i = 0; i < 120; i++) records.push({ id: `d${String(i).padStart(3, "0")}`, module: "deals", owner: ["raj", "lee", "maya"][i % 3], fields: { name: `Deal ${i}`, margin: i } });
  return {
    modules: [{ name: "deals", fields: ["name", "margin"] }],
    roles: [{ id: "manager", profiles: ["sales"] }, { id: "rep", parent: "manager", profiles: ["rep"] }],
    profiles: [
      { id: "sales", modules: { deals: { view: true, edit: true } } },
      { id: "rep", modules: { deals: { view: true, edit: true, fields: { margin: "hidden" } } } },
    ],
    users: [{ id: "maya", role: "manager" }, { id: "raj", role: "rep" }, { id: "lee", role: "rep" }],
    records,
  };
};

if (import.meta.url === `file://${process.argv[1]}`) {
  let query;
  if (process.env.PG_URL) {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: process.env.PG_URL });
    await client.connect();
    query = async (text, params) => (await client.query(text, params)).rows;
  } else {
    const { PGlite } = await import("@electric-sql/pglite");
    const db = new PGlite();
    query = async (text, params) => (await db.query(text, params)).rows;
    await db.exec(postgresSchema());
  }
  const model = demoModel();
  if (!process.env.PG_URL) await loadRecords(query, model.records);
  const engine = new Engine(model);
  const port = Number(process.env.PORT || 8080);
  createApp({ engine, query }).listen(port, () => console.log(`listening on http://localhost:${port}/deals?user=raj`));
}
