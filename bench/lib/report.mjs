// Writes BENCHMARKS.md and the SVG chart from the harness's results.

import fs from "node:fs";
import path from "node:path";
import { fmtMs } from "./measure.mjs";

const fmtN = (n) => n.toLocaleString("en-US");
const PEER_ORDER = ["js", "casl", "casbin", "cedar"];
const PROBE_WHAT = {
  "decide(object)": "two strings and a record object in, a Decision object (with reasons) back",
  "can(object)": "two strings and a record object in, a boolean back",
  "can(stored id)": "three strings in (user, action, record id), a boolean back",
};

function fmtNs(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(ns >= 100 ? 0 : 1)} ns`;
}

function fmtRatio(r) {
  if (!Number.isFinite(r)) return "–";
  if (r >= 1) return `**${r >= 100 ? r.toFixed(0) : r.toFixed(2)}×** faster`;
  return `${(1 / r).toFixed(2)}× slower`;
}

function engineLabel(results, row) {
  if (row.engine === "crm") return `crm-access · \`${row.variant}\``;
  return results.engines.find((e) => e.key === row.engine)?.name ?? row.engine;
}

export function writeReport(results, { mdPath, svgPath, repoDir }) {
  const svg = renderChart(results);
  fs.writeFileSync(svgPath, svg);
  let md = renderMarkdown(results, path.relative(path.dirname(mdPath), svgPath).split(path.sep).join("/"), repoDir);
  // sections other scripts write, kept as they are: tests/sql/bench.mjs writes "## SQL…" (it needs a
  // PostgreSQL server), bench/live.mjs, bench/who.mjs and bench/slice.mjs --write their marked sections
  const old = fs.existsSync(mdPath) ? fs.readFileSync(mdPath, "utf8") : "";
  const kept = old.match(/<!-- kept:begin [^>]*-->[\s\S]*?<!-- kept:end -->\n?|<!-- who:start -->[\s\S]*?<!-- who:end -->\n?|<!-- slice:start -->[\s\S]*?<!-- slice:end -->\n?/g) ?? [];
  const sqlAt = old.indexOf("\n## SQL");
  if (sqlAt >= 0) {
    const rest = old.slice(sqlAt);
    const stop = rest.search(/\n<!-- (kept:begin|who:start|slice:start)/);
    md = md.replace(/\n*$/, "\n") + (stop >= 0 ? rest.slice(0, stop) : rest);
  }
  if (kept.length) md = md.replace(/\n*$/, "\n\n") + kept.map((k) => k.replace(/\n*$/, "\n")).join("\n");
  fs.writeFileSync(mdPath, md);
}

function renderMarkdown(results, svgRel) {
  const { meta } = results;
  const L = [];
  L.push("# Benchmarks");
  L.push("");
  L.push("<!-- Written by bench/run.mjs; rerun it rather than editing this file. -->");
  L.push("");
  L.push(`Measured on ${meta.date.slice(0, 10)} by \`${meta.command}\` (${meta.mode} mode, ${meta.seconds.toFixed(0)} s)` +
    (meta.commit ? `, crm-access built from commit \`${meta.commit}\`. ` : ". ") +
    "Every figure is the median of several rounds; in each round the engines run one after another, so a slow patch of the machine hits them all. " +
    "Ratios compare engines measured in this same run: **peer time ÷ crm-access time**, so \"2× faster\" means crm-access took half the peer's time.");
  const mach = meta.machine;
  if (Math.max(mach.loadAtStart ?? 0, mach.loadAtEnd ?? 0) > mach.cores * 0.75) {
    L.push("", `> **Busy machine:** the load average was ${mach.loadAtStart.toFixed(1)} at the start and ${mach.loadAtEnd.toFixed(1)} at the end on ${mach.cores} cores ` +
      "(other work was running). Absolute times are inflated and noisier than on an idle machine; the ratios, measured side by side in interleaved rounds, suffer less.");
  }
  if (meta.mode !== "full") L.push("", "> **Smoke mode:** tiny sizes, few rounds. The figures only show that the harness works; they say nothing about speed.");
  L.push("");
  L.push("## Reproduce");
  L.push("");
  L.push("```sh");
  L.push("bash scripts/build.sh          # builds pkg/, the crm-access package");
  L.push("npm --prefix bench install     # the peers, and a link to ../pkg");
  L.push("node bench/run.mjs             # full run: rewrites BENCHMARKS.md and bench/chart.svg");
  L.push("node bench/run.mjs --smoke     # seconds; writes into a temporary folder");
  L.push("```");
  L.push("");
  L.push("## Machine");
  L.push("");
  const m = meta.machine;
  L.push("| CPU | cores | memory | Node | V8 | OS | load average (1 min) at start / end |");
  L.push("|---|---|---|---|---|---|---|");
  L.push(`| ${m.cpu} | ${m.cores} | ${m.memoryGiB} GiB | ${m.node} | ${m.v8} | ${m.os} | ${m.loadAtStart.toFixed(2)} / ${m.loadAtEnd.toFixed(2)} |`);
  L.push("");
  L.push("## Engines");
  L.push("");
  L.push("All engines answer one question: *may this user view this lead?* Yes when the lead's owner is the user, a user whose role is below the user's role, " +
    "a group the user belongs to (directly, through their role, through \"role and subordinates\", or through nested groups), " +
    "or an owner matched by the `from` side of a sharing rule whose `to` side matches the user or someone below them in the role hierarchy (contract v2). " +
    "Each peer encodes that in its own idiom; what it cannot express natively is expanded in JavaScript when its per-user state is prepared (not timed).");
  L.push("");
  L.push("| engine | version | encoding |");
  L.push("|---|---|---|");
  for (const e of results.engines) L.push(`| ${e.name} | ${e.version} | ${e.describe} |`);
  L.push("");
  L.push("## Data");
  L.push("");
  const c = meta.cfg;
  L.push(`Generated with a seeded PRNG (\`bench/lib/model.mjs\`), the same on every run: ${fmtN(c.org.users)} users, ${fmtN(c.org.roles)} roles in one tree ` +
    `(about four children each, ${fmtN(c.org.groups)} groups nested up to four deep, ${fmtN(c.org.rules)} sharing rules between roles, roles-and-subordinates and groups), ` +
    "one private `leads` module and one profile that opens it. Records are `{ id, module, owner }`, 90 % owned by a user, 10 % by a group.");
  if (meta.listUser) {
    const lu = meta.listUser;
    L.push("");
    L.push(`The list-view user of (b) and (c) is \`${lu.id}\`: a manager ${lu.roleDepth} levels below the top role, in ${lu.groups} groups, reached by ${lu.rules} sharing rules; ` +
      `the records of ${fmtN(lu.owners)} owners are visible to them.`);
  }
  L.push("");
  L.push("Before anything is timed, every engine's answer is compared with crm-access's on every record (or decision) that engine is timed on; " +
    "one difference stops the run with the records that differ.");
  L.push("");

  L.push("## Targets");
  L.push("");
  if (!results.targets.length) L.push("Not evaluated (crm-access was not measured).");
  for (const t of results.targets) {
    const mark = t.pass === true ? "PASS" : t.pass === false ? "FAIL" : "N/A";
    L.push(`- **${mark}** — ${t.name}: ${t.detail}`);
  }
  L.push("");

  L.push("## Results");
  L.push("");
  L.push(`![Cost against size per engine](${svgRel})`);
  L.push("");
  for (const key of ["a", "b", "c", "d"]) {
    const w = results.workloads[key];
    if (!w) continue;
    L.push(`### ${w.title}`);
    L.push("");
    L.push(w.what);
    L.push("");
    renderWorkload(L, results, w);
  }
  if (results.cold) renderCold(L, results.cold);
  if (results.memory) renderMemory(L, results.memory);

  L.push("## Notes");
  L.push("");
  const caps = c.caps;
  L.push(`- Capped peers: casbin runs on at most ${fmtN(caps.casbin)} records per list and Cedar on at most ${fmtN(caps.cedar)} records per list ` +
    `and ${fmtN(c.decisionCaps.cedar)} decisions in (a) (one Cedar call costs well over 100 µs: building, converting and checking its entities for every request). ` +
    "Their time for a whole list is their measured time per record × the list size; such rows are marked *extrapolated*. " +
    "The agreement check covers exactly the records they are timed on.");
  if (results.notes.includes("cedar-child")) {
    L.push("- Cedar runs its share of (a), (b) and (c) in a separate Node process (`bench/lib/cedar-child.mjs`), on the same generated data and with the same agreement check, " +
      "so its rounds are not interleaved with the other engines'. On this Node (20, V8 11.3) a process running Cedar's checks at these sizes now and then aborts with " +
      "`Fatal error ... unreachable code` in `Deoptimizer::DoComputeBuiltinContinuation` while deoptimising Cedar's JS glue; in its own process that cannot take the run down, " +
      "and the harness retries it (the last try with `--no-opt`).");
    const fl = results.notes.find((n) => n.startsWith("cedar-flags:"));
    if (fl) L.push(`- In this run Cedar's process needed \`${fl.slice(12)}\` to finish: its JS glue ran unoptimised (its time is nearly all inside its wasm).`);
  }
  L.push("- Per-user state (a CASL ability, a Cedar principal entity, a Set) is prepared once before timing, as a server would cache it per session; so is crm-access's Engine.");
  L.push("- crm-access rows name the API used; `filterStored` and any other extension is benchmarked only when the loaded package has it.");
  L.push("");
  return L.join("\n");
}

function renderWorkload(L, results, w) {
  const perItemOnly = w.perItemOnly;
  const sizes = [...new Set(w.rows.map((r) => r.size))];
  const unit = w.unit;
  if (perItemOnly) {
    L.push(`| engine | median per ${unit} | measured over | rounds |`);
    L.push("|---|---|---|---|");
  } else {
    L.push(`| ${w.sizeLabel ?? "records"} | engine | median | per ${w.sizeLabel === "users" ? "user" : unit} | min – max | rounds |`);
    L.push("|---|---|---|---|---|---|");
  }
  for (const n of sizes) {
    const rows = sortRows(w.rows.filter((r) => r.size === n));
    for (const r of rows) {
      const ex = r.extrapolated ? ` *(extrapolated from ${fmtN(r.items)})*` : "";
      if (perItemOnly) L.push(`| ${engineLabel(results, r)} | ${fmtNs(r.perItemNs)} | ${fmtN(r.items)} ${unit}s | ${r.rounds} |`);
      else L.push(`| ${fmtN(n)} | ${engineLabel(results, r)} | ${fmtMs(r.medianMs)}${ex} | ${fmtNs(r.perItemNs)} | ${fmtMs(r.minMs)} – ${fmtMs(r.maxMs)} | ${r.rounds} |`);
    }
  }
  L.push("");
  if (w.shapes) {
    L.push("| users | roles | groups | sharing rules | records | model JSON |");
    L.push("|---|---|---|---|---|---|");
    for (const s of w.shapes) L.push(`| ${fmtN(s.users)} | ${fmtN(s.roles)} | ${fmtN(s.groups)} | ${fmtN(s.rules)} | ${fmtN(s.records)} | ${(s.jsonBytes / 2 ** 20).toFixed(1)} MiB |`);
    L.push("");
  }
  if (w.puts?.length) {
    L.push("Storing the records before (c): " + w.puts.map((p) => `${fmtN(p.size)} in ${fmtMs(p.ms)} (${fmtNs((p.ms * 1e6) / p.size)} each)`).join("; ") + " (`putRecords` in batches of 50,000).");
    L.push("");
  }
  if (w.probes?.length) {
    L.push("Where a crm-access call's time goes — the same loop over calls that do less and less work inside the engine:");
    L.push("");
    L.push("| call | what crosses the boundary | median per call |");
    L.push("|---|---|---|");
    const crm = w.rows.filter((r) => r.engine === "crm");
    for (const p of w.probes) L.push(`| \`${p.call}\` | ${p.what} | ${fmtNs(p.perItemNs)} |`);
    for (const r of crm) L.push(`| \`${r.variant.replace("view", "")}\` | ${PROBE_WHAT[r.variant] ?? ""} | ${fmtNs(r.perItemNs)} |`);
    L.push("");
  }
  // Ratios
  const peersHere = PEER_ORDER.filter((k) => w.rows.some((r) => r.engine === k));
  const crmRows = w.rows.filter((r) => r.engine === "crm");
  if (!peersHere.length || !crmRows.length) return;
  L.push(`Ratios (peer ÷ crm-access${perItemOnly ? ", per decision" : ", same size"}):`);
  L.push("");
  const names = peersHere.map((k) => results.engines.find((e) => e.key === k)?.name ?? k);
  L.push(`| ${perItemOnly ? "" : "records | "}crm-access API | ${names.map((n) => `vs ${n}`).join(" | ")} |`);
  L.push(`|${perItemOnly ? "" : "---|"}---|${names.map(() => "---").join("|")}|`);
  for (const n of sizes) {
    for (const r of crmRows.filter((x) => x.size === n)) {
      const cells = peersHere.map((k) => {
        const p = w.rows.find((x) => x.engine === k && x.size === n);
        if (!p) return "–";
        return fmtRatio(perItemOnly ? p.perItemNs / r.perItemNs : p.medianMs / r.medianMs);
      });
      L.push(`| ${perItemOnly ? "" : `${fmtN(n)} | `}\`${r.variant}\` | ${cells.join(" | ")} |`);
    }
  }
  L.push("");
}

function sortRows(rows) {
  const order = (r) => (r.engine === "crm" ? -1 : PEER_ORDER.indexOf(r.engine));
  return [...rows].sort((a, b) => order(a) - order(b));
}

function renderCold(L, cold) {
  L.push("### (e) Cold start");
  L.push("");
  L.push("A fresh `node` process per run: the time to import the package, and to import it, build a tiny model and answer a first question " +
    "(measured inside the process), and the whole process's wall time, also less the wall time of an empty `node` process.");
  L.push("");
  const base = cold.processes.find((x) => x.importMs === 0);
  if (base) L.push(`An empty \`node\` process takes ${fmtMs(base.wallMs)} of wall time here (median of ${base.runs}).`, "");
  L.push("| package | import | import + first answer | process wall time | over empty node | runs |");
  L.push("|---|---|---|---|---|---|");
  for (const p of cold.processes.filter((x) => x.importMs > 0)) {
    L.push(`| ${p.name} | ${fmtMs(p.importMs)} | ${fmtMs(p.firstMs)} | ${fmtMs(p.wallMs)} | ${p.overNodeMs < 0 ? "−" + fmtMs(-p.overNodeMs) : "+" + fmtMs(p.overNodeMs)} | ${p.runs} |`);
  }
  L.push("");
  L.push("The `.wasm` alone, in this process: `new WebAssembly.Module(bytes)` (compile; V8 validates the module and compiles functions lazily, on first call) and `new WebAssembly.Instance` with stub imports.");
  L.push("");
  L.push("| wasm | raw | gzip -9 | compile | instantiate |");
  L.push("|---|---|---|---|---|");
  for (const w of cold.wasm) {
    const i = cold.instantiate.find((x) => x.name === w.name);
    L.push(`| ${w.name} (\`${w.file}\`) | ${(w.bytes / 1024).toFixed(1)} KiB | ${(w.gzipBytes / 1024).toFixed(1)} KiB | ` +
      `${fmtMs(i.compileMs)} | ${i.instantiateMs == null ? "–" : fmtMs(i.instantiateMs)} |`);
  }
  L.push("");
}

function renderMemory(L, mem) {
  L.push("### (f) Memory per stored record");
  L.push("");
  if (!mem.how) {
    L.push("Not measurable: the package gives no way to read the size of its WebAssembly memory " +
      "(no exported `memory`, no `__wasm` handle, no helper such as `wasmMemoryBytes()`).");
    L.push("");
  } else {
    L.push(`Growth of the wasm memory (\`memory.buffer.byteLength\`, read through ${mem.how}) while a fresh engine stores N records in batches of 10,000, ` +
      "divided by N; a fresh process per size. The memory grows in 64 KiB pages and never shrinks, so transient buffers of the last batch are included. " +
      "For comparison: the JS heap that the same records take as plain objects.");
    L.push("");
  }
  L.push("| records | wasm memory before | after | per record | JS heap per record (plain objects) |");
  L.push("|---|---|---|---|---|");
  for (const s of mem.sizes) {
    const mib = (b) => (b == null ? "–" : `${(b / 2 ** 20).toFixed(1)} MiB`);
    L.push(`| ${fmtN(s.n)}${s.shares ? `, each shared with ${s.shares} user${s.shares > 1 ? "s" : ""}` : ""} | ${mib(s.before)} | ${mib(s.after)} | ${s.perRecord == null ? "–" : `${s.perRecord.toFixed(1)} B`} | ${s.jsHeapPerRecord.toFixed(0)} B |`);
  }
  L.push("");
}

// ---------------------------------------------------------------------------
// SVG chart: one log-log panel per sized workload, one line per engine/API.

const COLORS = {
  js: "#6b7280", casl: "#d97706", casbin: "#7c3aed", cedar: "#dc2626",
};
const CRM_COLORS = ["#059669", "#2563eb", "#0891b2", "#65a30d", "#db2777", "#0f766e", "#4f46e5", "#b45309", "#be123c", "#15803d", "#0369a1", "#a21caf"];

function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function renderChart(results) {
  const panels = ["b", "c", "d"].map((k) => results.workloads[k]).filter((w) => w && w.rows.length);
  const a = results.workloads.a;
  const PW = 330, PH = 250, M = { l: 58, r: 12, t: 34, b: 44 };
  const legendH = 120;
  const cols = Math.max(1, panels.length + (a ? 1 : 0));
  const W = cols * (PW + M.l + M.r) + 10;
  const H = PH + M.t + M.b + legendH;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  // Series identity across panels.
  const series = new Map();
  let crmIdx = 0;
  const seriesOf = (row) => {
    const id = row.engine === "crm" ? `crm|${row.variant}` : row.engine;
    if (!series.has(id)) {
      const label = row.engine === "crm" ? `crm-access ${row.variant}` : results.engines.find((e) => e.key === row.engine)?.name ?? row.engine;
      const color = row.engine === "crm" ? CRM_COLORS[crmIdx++ % CRM_COLORS.length] : COLORS[row.engine] ?? "#000";
      series.set(id, { label, color, dash: row.engine === "crm" ? "" : "5,3" });
    }
    return series.get(id);
  };
  let x0 = 5;
  if (a) {
    // (a) as horizontal bars on a log scale (one size only).
    const rows = sortRows(a.rows);
    const vals = rows.map((r) => r.perItemNs);
    const lo = 10 ** Math.floor(Math.log10(Math.min(...vals))), hi = 10 ** Math.ceil(Math.log10(Math.max(...vals)));
    const ox = x0 + M.l, oy = M.t;
    out.push(`<text x="${ox + PW / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">(a) one decision (ns, log)</text>`);
    const bh = Math.min(28, PH / rows.length - 6);
    const sx = (v) => ox + ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * PW;
    for (let d = lo; d <= hi; d *= 10) {
      out.push(`<line x1="${sx(d)}" y1="${oy}" x2="${sx(d)}" y2="${oy + PH}" stroke="#e5e7eb"/>`);
      out.push(`<text x="${sx(d)}" y="${oy + PH + 14}" text-anchor="middle">${esc(fmtNs(d))}</text>`);
    }
    rows.forEach((r, i) => {
      const s = seriesOf(r);
      const y = oy + i * (bh + 6) + 4;
      const w = Math.max(1, sx(r.perItemNs) - ox);
      out.push(`<rect x="${ox}" y="${y}" width="${w.toFixed(1)}" height="${bh}" fill="${s.color}" opacity="0.85"/>`);
      out.push(`<text x="${ox + 4}" y="${y + bh / 2 + 4}" fill="#111" stroke="#fff" stroke-width="3" paint-order="stroke">${esc(`${s.label}: ${fmtNs(r.perItemNs)}`)}</text>`);
    });
    out.push(`<rect x="${ox}" y="${oy}" width="${PW}" height="${PH}" fill="none" stroke="#9ca3af"/>`);
    x0 += PW + M.l + M.r;
  }
  for (const w of panels) {
    const rows = w.rows;
    const xs = rows.map((r) => r.size), ys = rows.map((r) => r.medianMs);
    const xlo = Math.min(...xs), xhi = Math.max(...xs);
    const ylo = 10 ** Math.floor(Math.log10(Math.min(...ys))), yhi = 10 ** Math.ceil(Math.log10(Math.max(...ys)));
    const ox = x0 + M.l, oy = M.t;
    const lx = (v) => (xhi === xlo ? 0.5 : (Math.log10(v) - Math.log10(xlo)) / (Math.log10(xhi) - Math.log10(xlo)));
    const sx = (v) => ox + 10 + lx(v) * (PW - 20);
    const sy = (v) => oy + PH - ((Math.log10(v) - Math.log10(ylo)) / Math.max(1e-9, Math.log10(yhi) - Math.log10(ylo))) * PH;
    const title = `${w.title.split(" ")[0]} ${w.unit === "build" ? "build" : w.title.includes("stored") ? "filter stored" : "filter objects"} (ms, log-log)`;
    out.push(`<text x="${ox + PW / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`);
    for (let d = ylo; d <= yhi * 1.0001; d *= 10) {
      out.push(`<line x1="${ox}" y1="${sy(d).toFixed(1)}" x2="${ox + PW}" y2="${sy(d).toFixed(1)}" stroke="#e5e7eb"/>`);
      out.push(`<text x="${ox - 4}" y="${(sy(d) + 4).toFixed(1)}" text-anchor="end">${esc(fmtMs(d))}</text>`);
    }
    for (const v of [...new Set(xs)]) {
      out.push(`<line x1="${sx(v).toFixed(1)}" y1="${oy}" x2="${sx(v).toFixed(1)}" y2="${oy + PH}" stroke="#f3f4f6"/>`);
      out.push(`<text x="${sx(v).toFixed(1)}" y="${oy + PH + 14}" text-anchor="middle">${esc(compact(v))}</text>`);
    }
    out.push(`<text x="${ox + PW / 2}" y="${oy + PH + 32}" text-anchor="middle" fill="#374151">${esc(w.sizeLabel ?? "records")}</text>`);
    out.push(`<rect x="${ox}" y="${oy}" width="${PW}" height="${PH}" fill="none" stroke="#9ca3af"/>`);
    const groups = new Map();
    for (const r of rows) {
      const s = seriesOf(r);
      if (!groups.has(s)) groups.set(s, []);
      groups.get(s).push(r);
    }
    for (const [s, rs] of groups) {
      rs.sort((p, q) => p.size - q.size);
      const pts = rs.map((r) => `${sx(r.size).toFixed(1)},${sy(r.medianMs).toFixed(1)}`).join(" ");
      out.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`);
      for (const r of rs) {
        out.push(`<circle cx="${sx(r.size).toFixed(1)}" cy="${sy(r.medianMs).toFixed(1)}" r="3.5" fill="${r.extrapolated ? "#fff" : s.color}" stroke="${s.color}" stroke-width="1.5"><title>${esc(`${s.label}: ${fmtMs(r.medianMs)} at ${fmtN(r.size)}${r.extrapolated ? " (extrapolated)" : ""}`)}</title></circle>`);
      }
    }
    x0 += PW + M.l + M.r;
  }
  // Legend
  let lyBase = M.t + PH + M.b + 8;
  let i = 0;
  const perRow = Math.max(1, Math.floor(W / 300));
  for (const s of series.values()) {
    const lx = 20 + (i % perRow) * 300, ly = lyBase + Math.floor(i / perRow) * 18;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 26}" y2="${ly}" stroke="${s.color}" stroke-width="3" stroke-dasharray="${s.dash}"/>`);
    out.push(`<text x="${lx + 32}" y="${ly + 4}">${esc(s.label)}</text>`);
    i++;
  }
  const ly = lyBase + Math.ceil(i / perRow) * 18 + 4;
  out.push(`<text x="20" y="${ly}" fill="#6b7280">hollow points: extrapolated from a capped sample · medians of interleaved rounds · ${esc(results.meta.machine.cpu)}, node ${esc(results.meta.machine.node)}</text>`);
  out.push("</svg>");
  const finalH = Math.max(H, ly + 12);
  out[0] = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${finalH}" viewBox="0 0 ${W} ${finalH}" font-family="Helvetica, Arial, sans-serif" font-size="11">`;
  out[1] = `<rect width="${W}" height="${finalH}" fill="#ffffff"/>`;
  return out.join("\n") + "\n";
}

function compact(n) {
  if (n >= 1e6) return `${n / 1e6}M`;
  if (n >= 1e3) return `${n / 1e3}k`;
  return String(n);
}
