// The two databases of the SQL tests: PGlite (PostgreSQL in wasm, always) and
// a real PostgreSQL server when PG_URL is set (scripts/test.sh starts one with
// scripts/pg.sh). Each gives { name, query(text, params) → rows, close() }.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export async function pglite() {
  const { PGlite } = await import("@electric-sql/pglite");
  const db = new PGlite();
  await db.waitReady;
  return {
    name: "PGlite",
    query: async (text, params = []) => (await db.query(text, params)).rows,
    exec: (text) => db.exec(text),
    close: () => db.close(),
  };
}

export async function postgres(url) {
  const { Client } = require("pg");
  const client = new Client({ connectionString: url });
  await client.connect();
  return {
    name: "PostgreSQL",
    query: async (text, params = []) => (await client.query(text, params)).rows,
    exec: (text) => client.query(text),
    close: () => client.end(),
  };
}

/** The databases to test on: PGlite, and PostgreSQL when PG_URL is set. */
export async function databases() {
  const out = [await pglite()];
  if (process.env.PG_URL) out.push(await postgres(process.env.PG_URL));
  return out;
}

/** Replaces the contents of crm_records (default layout) with `rows` (toRow output), in chunks. */
export async function load(db, rows, columns) {
  await db.query("TRUNCATE crm_records");
  const chunk = 500;
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const params = [];
    const tuples = part.map((row) => `(${columns.map((c) => (params.push(row[c]), `$${params.length}${c === "fields" ? "::jsonb" : ""}`)).join(", ")})`);
    await db.query(`INSERT INTO crm_records (${columns.join(", ")}) VALUES ${tuples.join(", ")}`, params);
  }
}
