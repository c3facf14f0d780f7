// Safe in the browser (issue 13): the server keeps one Engine with the whole
// model, sends each signed-in user only their slice of it, and enforces the
// same decisions on every write. The browser makes its own Engine from the
// slice to draw the UI (what to show, which buttons to enable, which fields to
// lock), with the very answers the server will give.
//
//   npm --prefix examples install --no-package-lock
//   node examples/slice-server.mjs        then:
//   curl -s localhost:8080/login?user=raj                    a session token (demo sign-in)
//   curl -s -H "authorization: Bearer <token>" localhost:8080/me/slice
//   curl -s -X PUT -H "authorization: Bearer <token>" -d '{"id":"d1",…}' localhost:8080/records/d1
//
// `createApp({ Engine, model, secret })` is the whole server (tests/node/slice-server.test.mjs
// runs it). The records live in `db`, a Map standing in for the database.
import http from "node:http";
import crypto from "node:crypto";
import zlib from "node:zlib";

export function createApp({ Engine, model, secret = crypto.randomBytes(32) }) {
  const engine = new Engine(model);
  const db = new Map((model.records ?? []).map((r) => [r.id, r]));

  // Sessions: `user.signature`, signed with the server's secret (a real app
  // has its own sign-in; the point here is that the user is never taken
  // from the request body or the query string).
  const sign = (user) => crypto.createHmac("sha256", secret).update(user).digest("base64url");
  const tokenFor = (user) => `${Buffer.from(user).toString("base64url")}.${sign(user)}`;
  const signedIn = (req) => {
    const m = /^Bearer ([\w-]+)\.([\w-]+)$/.exec(req.headers.authorization ?? "");
    if (!m) return null;
    const user = Buffer.from(m[1], "base64url").toString();
    const good = Buffer.from(sign(user));
    const given = Buffer.from(m[2]);
    return good.length === given.length && crypto.timingSafeEqual(good, given) ? user : null;
  };

  const send = (req, res, status, body, text = false) => {
    const data = text ? body : JSON.stringify(body);
    const headers = { "content-type": "application/json", "cache-control": "no-store", vary: "authorization, accept-encoding" };
    if (/\bgzip\b/.test(req.headers["accept-encoding"] ?? "") && data.length > 1024) {
      res.writeHead(status, { ...headers, "content-encoding": "gzip" });
      return res.end(zlib.gzipSync(data));
    }
    res.writeHead(status, headers);
    res.end(data);
  };
  const body = (req) => new Promise((resolve, reject) => {
    let s = "";
    req.setEncoding("utf8");
    req.on("data", (c) => { s += c; if (s.length > 1 << 20) reject(new Error("body too large")); });
    req.on("end", () => { try { resolve(JSON.parse(s)); } catch { reject(new Error("the body is not JSON")); } });
    req.on("error", reject);
  });

  // The record as the user will save it: the fields they may not see (hidden
  // ones, and keys the module does not declare) are taken from the stored
  // record when the browser left them out (it never had them); one it sends
  // is a change like any other, which decideUpdate judges as the engine in
  // the browser did.
  const withHiddenFields = (user, stored, after) => {
    const seen = engine.mask(user, stored.id).fields ?? {};
    const given = after?.fields ?? {};
    const hidden = Object.entries(stored.fields ?? {}).filter(([f]) => !Object.hasOwn(seen, f) && !Object.hasOwn(given, f));
    return hidden.length ? { ...after, fields: { ...(after.fields ?? {}), ...Object.fromEntries(hidden) } } : after;
  };

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://localhost");
      if (req.method === "GET" && url.pathname === "/login") {
        // demo sign-in: any user of the model
        const user = url.searchParams.get("user") ?? "";
        if (!engine.visibleUsers(user).includes(user)) return send(req, res, 403, { error: "no such active user" });
        return send(req, res, 200, { token: tokenFor(user) });
      }
      const user = signedIn(req);
      if (user === null) return send(req, res, 401, { error: "sign in first" });

      if (req.method === "GET" && url.pathname === "/me/slice") {
        // exactly what this user's browser may know, as JSON text
        return send(req, res, 200, engine.sliceFor(user, { json: true }), true);
      }
      const one = url.pathname.match(/^\/records\/([^/]+)$/);
      if (req.method === "PUT" && one) {
        const id = decodeURIComponent(one[1]);
        const stored = db.get(id);
        if (!stored || !engine.can(user, "view", id)) return send(req, res, 404, { error: "no such record" });
        const after = withHiddenFields(user, stored, await body(req));
        const verdict = engine.decideUpdate(user, id, after);
        if (!verdict.allowed) return send(req, res, 403, { error: "forbidden", reasons: verdict.reasons });
        engine.putRecords([after]);
        db.set(id, after);
        return send(req, res, 200, engine.mask(user, id));
      }
      if (req.method === "POST" && url.pathname === "/records") {
        const draft = await body(req);
        if (typeof draft?.id !== "string" || db.has(draft.id)) return send(req, res, 400, { error: "a new record needs a new id" });
        const verdict = engine.decide(user, "create", draft);
        if (!verdict.allowed) return send(req, res, 403, { error: "forbidden", reasons: verdict.reasons });
        engine.putRecords([draft]);
        db.set(draft.id, draft);
        return send(req, res, 201, engine.mask(user, draft.id));
      }
      if (req.method === "DELETE" && one) {
        const id = decodeURIComponent(one[1]);
        if (!db.has(id) || !engine.can(user, "view", id)) return send(req, res, 404, { error: "no such record" });
        if (!engine.can(user, "delete", id)) return send(req, res, 403, { error: "forbidden", reasons: engine.decide(user, "delete", id).reasons });
        engine.removeRecords([id]);
        db.delete(id);
        return send(req, res, 200, { deleted: id });
      }
      send(req, res, 404, { error: "not found" });
    } catch (e) {
      send(req, res, e?.code === "unknown-user" ? 403 : 400, { error: e?.message ?? String(e) });
    }
  });
  return { server, engine, db, tokenFor };
}

// Run as a script: a small organisation on port 8080 (PORT to change it).
if (import.meta.url === `file://${process.argv[1]}`) {
  const { Engine } = await import("crm-access");
  const model = {
    modules: [{ name: "companies" }, { name: "deals", parent: "companies", fields: ["amount", "margin"] }],
    roles: [{ id: "head", profiles: ["sales"] }, { id: "rep", parent: "head", profiles: ["sales"] }],
    profiles: [{ id: "sales", modules: {
      companies: { view: true, create: true, edit: true },
      deals: { view: true, create: true, edit: true, delete: true, fields: { amount: "editable", margin: "hidden" } },
    } }],
    users: [{ id: "ana", role: "head" }, { id: "raj", role: "rep" }, { id: "li", role: "rep" }],
    records: [
      { id: "c1", module: "companies", owner: "raj", fields: { name: "Acme" } },
      { id: "d1", module: "deals", owner: "raj", parent: "c1", fields: { amount: 1200, margin: 300 } },
      { id: "d2", module: "deals", owner: "li", fields: { amount: 800, margin: 90 } },
    ],
  };
  const { server } = createApp({ Engine, model });
  const port = Number(process.env.PORT ?? 8080);
  server.listen(port, () => console.log(`slice server on http://localhost:${port} (GET /login?user=raj, then /me/slice with the token)`));
}
