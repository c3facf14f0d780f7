// Timing helpers: interleaved rounds, medians.

export let sink = 0; // results are folded in here so no call is optimised away

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (!n) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Runs every entry once untimed (warm-up), then `rounds` rounds in which each
 * entry runs once, entries interleaved so drift hits all of them alike.
 * entry: { id, run: () => any, after?: (out) => void } (after is not timed). Returns Map id -> { samples, median, min, max }.
 */
export function timeInterleaved(entries, rounds, { warmup = true } = {}) {
  if (warmup) for (const e of entries) { const out = e.run(); fold(out); if (e.after) e.after(out); }
  const samples = new Map(entries.map((e) => [e.id, []]));
  for (let r = 0; r < rounds; r++) {
    for (const e of entries) {
      const t0 = nowMs();
      const out = e.run();
      const t1 = nowMs();
      fold(out);
      if (e.after) e.after(out);
      samples.get(e.id).push(t1 - t0);
    }
  }
  const res = new Map();
  for (const [id, s] of samples) res.set(id, { samples: s, median: median(s), min: Math.min(...s), max: Math.max(...s) });
  return res;
}

function fold(out) {
  if (typeof out === "number") sink += out;
  else if (typeof out === "boolean") sink += out ? 1 : 0;
  else if (out && typeof out.length === "number") sink += out.length;
  else if (out) sink += 1;
}

export function timeOnce(fn) {
  const t0 = nowMs();
  const out = fn();
  return { ms: nowMs() - t0, out };
}

export function fmtMs(ms) {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(1)} µs`;
}
