#!/usr/bin/env node
// Zero-dependency static file server for the crm-access demo.
// Serves the repository root so that both /www/ (the page) and /pkg/ (the
// built package the page imports) are reachable.
//
//   node www/serve.mjs [port] [--root DIR]
//   PORT=0 node www/serve.mjs        # 0 picks a free port
//
// Prints the demo address (http://127.0.0.1:PORT/www/) on stdout once listening.
import { createServer } from "node:http";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
let root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
let port = process.env.PORT ?? "8080";
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--root") root = resolve(args[++i] ?? ".");
  else if (args[i] === "--port") port = args[++i];
  else if (/^\d+$/.test(args[i])) port = args[i];
  else {
    console.error(`usage: node www/serve.mjs [port] [--root DIR]   (unknown argument ${args[i]})`);
    process.exit(2);
  }
}
port = Number(port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid port: ${port}`);
  process.exit(2);
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".map": "application/json; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

function send(res, status, body, type = "text/plain; charset=utf-8") {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

const server = createServer(async (req, res) => {
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed\n");
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
  } catch {
    return send(res, 400, "bad request\n");
  }
  if (pathname === "/") {
    res.writeHead(302, { location: "/www/" });
    return res.end();
  }
  const file = resolve(join(root, pathname));
  if (file !== root && !file.startsWith(root + sep)) return send(res, 403, "forbidden\n");
  let target = file;
  try {
    let info = await stat(target);
    if (info.isDirectory()) {
      if (!pathname.endsWith("/")) {
        res.writeHead(301, { location: pathname + "/" });
        return res.end();
      }
      target = join(target, "index.html");
      info = await stat(target);
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(target).toLowerCase()] ?? "application/octet-stream",
      "content-length": info.size,
      "cache-control": "no-store",
    });
    if (req.method === "HEAD") return res.end();
    createReadStream(target).on("error", () => res.destroy()).pipe(res);
  } catch {
    send(res, 404, `not found: ${pathname}\n`);
  }
});

server.on("error", (err) => {
  console.error(`cannot listen on 127.0.0.1:${port}: ${err.message}`);
  process.exit(1);
});
server.listen(port, "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${server.address().port}/www/`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)));
