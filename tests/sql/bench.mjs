// The SQL bench: N deals (default 1,000,000) in the default layout on a real
// PostgreSQL server (PG_URL; `eval "$(bash scripts/pg.sh start)"`), 50-row pages
// by keyset on id, the plan's WHERE for a manager, a rep and an admin-like
// viewer; prints the time per page and the EXPLAIN of the first page.
//   PG_URL=… node tests/sql/bench.mjs [N]
import { createRequire } from "node:module";
import { esm } from "../node/load.mjs";

const { Engine, toSql, postgresSchema } = esm;
const { Client } = createRequire(import.meta.url)("pg");
const N = Number(process.argv[2] || 1_000_000);
const USERS = 1000;

const client = new Client({ connectionString: process.env.PG_URL });
await client.connect();
const q = async (text, params) => (await client.query(text, params)).rows;

const roles = [{ id: "boss", profiles: ["sales"] }];
const users = [{ id: "boss", role: "boss" }];
for (let k = 0; k < 10; k++) {
  roles.push({ id: `m${k}`, parent: "boss", profiles: ["sales"] }, { id: `rep${k}`, parent: `m${k}`, profiles: ["sales"] });
  users.push({ id: `mgr${k}`, role: `m${k}` });
}
for (let i = 0; i < USERS; i++) users.push({ id: `u${i}`, role: `rep${i % 10}` });
const engine = new Engine({
  modules: [{ name: "companies" }, { name: "deals", parent: "companies" }],
  roles,
  profiles: [{ id: "sales", modules: { deals: { view: true, edit: true }, companies: { view: true } } }],
  groups: [{ id: "g1", members: [{ user: "u1" }] }],
  users,
});

let t = Date.now();
await q("DROP TABLE IF EXISTS crm_records");
await q(postgresSchema());
await q(`INSERT INTO crm_records (id, module, owner) SELECT 'c' || lpad(g::text, 5, '0'), 'companies', 'u' || (g % ${USERS}) FROM generate_series(1, 10000) g`);
await q(`INSERT INTO crm_records (id, module, owner, parent, assignees, shared_read, fields)
  SELECT 'd' || lpad(g::text, 7, '0'), 'deals', 'u' || (g % ${USERS}), 'c' || lpad((g % 10000 + 1)::text, 5, '0'),
         ARRAY['u' || ((g * 7) % ${USERS})], CASE WHEN g % 50 = 0 THEN ARRAY['group:g1'] ELSE '{}' END,
         jsonb_build_object('name', 'Deal ' || g)
  FROM generate_series(1, ${N}) g`);
await q("ANALYZE crm_records");
console.log(`loaded ${N} deals + 10000 companies in ${((Date.now() - t) / 1000).toFixed(1)} s`);

for (const user of ["u1", "mgr3", "boss"]) {
  const plan = engine.plan(user, "view", "deals");
  const { where, params, from } = toSql(plan, undefined, { module: "deals", startParam: 2 });
  const page = `SELECT x.id FROM ${from} WHERE x.id > $1 AND ${where} ORDER BY x.id LIMIT 50`;
  let after = "";
  const times = [];
  for (let p = 0; p < 20; p++) {
    t = process.hrtime.bigint();
    const rows = await q(page, [after, ...params]);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (rows.length < 50) break;
    after = rows[rows.length - 1].id;
  }
  const c = toSql(plan, undefined, { module: "deals" });
  const count = (await q(`SELECT count(*)::int AS n FROM ${c.from} WHERE ${c.where}`, c.params)).at(0).n;
  console.log(`\n${user}: ${count} deals visible; 20 pages of 50: first ${times[0].toFixed(1)} ms, median ${times.sort((a, b) => a - b)[times.length >> 1].toFixed(1)} ms, max ${times.at(-1).toFixed(1)} ms`);
  const explain = await q(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${page}`, ["", ...params]);
  console.log(explain.map((r) => "  " + (r["QUERY PLAN"].length > 200 ? r["QUERY PLAN"].slice(0, 200) + " …" : r["QUERY PLAN"])).join("\n"));
}
await client.end();
