// Readable JSON layout: a value that fits on one line stays on one line,
// otherwise its children go one per line. Used by the editor's "Format" button.
export function formatJson(value, width = 96) {
  return fmt(value, "", 0, width) + "\n";
}

// `used` is how many characters already sit on the current line before the value.
function fmt(v, indent, used, width) {
  if (v === undefined) return "null";
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  const inline = oneLine(v);
  if (used + inline.length + 1 <= width) return inline;
  const inner = indent + "  ";
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return "[\n" + v.map((x) => inner + fmt(x, inner, inner.length, width)).join(",\n") + "\n" + indent + "]";
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return "{}";
  const lines = keys.map((k) => {
    const head = inner + JSON.stringify(k) + ": ";
    return head + fmt(v[k], inner, head.length, width);
  });
  return "{\n" + lines.join(",\n") + "\n" + indent + "}";
}

function oneLine(v) {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return "[" + v.map(oneLine).join(", ") + "]";
  const keys = Object.keys(v);
  if (keys.length === 0) return "{}";
  return "{ " + keys.map((k) => JSON.stringify(k) + ": " + oneLine(v[k])).join(", ") + " }";
}
