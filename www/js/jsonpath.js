// A small JSON parser that remembers where every value sits in the text, so a
// problem path such as `users[3].role` can be shown at its line in the editor.

export class JsonSyntaxError extends Error {
  constructor(message, pos, text) {
    const { line, col } = lineCol(text, pos);
    super(`${message} (line ${line}, column ${col})`);
    this.pos = pos;
    this.line = line;
    this.col = col;
  }
}

export function lineCol(text, pos) {
  let line = 1, last = -1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) { line++; last = i; }
  return { line, col: pos - last };
}

// Returns { value, node }; node = { start, end, keyStart?, kind, children }
export function parseJson(text) {
  let i = 0;
  const ws = () => { while (i < text.length && " \t\r\n".includes(text[i])) i++; };
  const fail = (msg, at = i) => { throw new JsonSyntaxError(msg, at, text); };
  const describe = () => (i >= text.length ? "end of text" : `"${text[i]}"`);

  function value() {
    ws();
    const start = i, c = text[i];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') { const v = string(); return { value: v, node: { start, end: i, kind: "string" } }; }
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail(`unexpected ${describe()}`);
    i += m[0].length;
    return { value: JSON.parse(m[0]), node: { start, end: i, kind: "scalar" } };
  }
  function string() {
    const start = i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") i++;
      else if (text.charCodeAt(i) < 32) fail("line break or control character inside a string");
      i++;
    }
    if (i >= text.length) fail("unterminated string", start);
    i++;
    try { return JSON.parse(text.slice(start, i)); } catch { fail("bad escape in string", start); }
  }
  function object() {
    const start = i++;
    const out = {}, children = new Map();
    ws();
    if (text[i] === "}") { i++; return { value: out, node: { start, end: i, kind: "object", children } }; }
    for (;;) {
      ws();
      if (text[i] !== '"') fail(`expected a quoted key, found ${describe()}`);
      const keyStart = i;
      const key = string();
      ws();
      if (text[i] !== ":") fail(`expected ":" after key "${key}", found ${describe()}`);
      i++;
      const v = value();
      v.node.keyStart = keyStart;
      if (children.has(key)) fail(`key "${key}" appears twice`, keyStart);
      out[key] = v.value;
      children.set(key, v.node);
      ws();
      if (text[i] === ",") { i++; continue; }
      if (text[i] === "}") { i++; break; }
      fail(`expected "," or "}", found ${describe()}`);
    }
    return { value: out, node: { start, end: i, kind: "object", children } };
  }
  function array() {
    const start = i++;
    const out = [], children = [];
    ws();
    if (text[i] === "]") { i++; return { value: out, node: { start, end: i, kind: "array", children } }; }
    for (;;) {
      const v = value();
      out.push(v.value);
      children.push(v.node);
      ws();
      if (text[i] === ",") { i++; continue; }
      if (text[i] === "]") { i++; break; }
      fail(`expected "," or "]", found ${describe()}`);
    }
    return { value: out, node: { start, end: i, kind: "array", children } };
  }

  const root = value();
  ws();
  if (i < text.length) fail(`unexpected ${describe()} after the end of the document`);
  return root;
}

// "users[3].role", "profiles[0].modules.deals.fields", "/users/3/role", "a|b" (the one that resolves best wins)
export function pathTokens(path) {
  let p = String(path ?? "").trim();
  if (p.startsWith("/")) return p.slice(1).split("/").filter(Boolean).map((t) => (/^\d+$/.test(t) ? Number(t) : t.replace(/~1/g, "/").replace(/~0/g, "~")));
  p = p.replace(/^\$\.?/, "");
  const out = [];
  const re = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|([^.[\]]+)/g;
  let m;
  while ((m = re.exec(p))) out.push(m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? m[2] : m[3]);
  return out;
}

// Finds the deepest node along the path; returns { start, end, exact, depth }.
export function locate(node, path) {
  const alternatives = String(path ?? "").split("|").map((p) => locateOne(node, p));
  return alternatives.reduce((best, a) => (a.exact && !best.exact) || a.depth > best.depth ? a : best);
}

function locateOne(node, path) {
  const tokens = pathTokens(path);
  let cur = node, depth = 0;
  for (const t of tokens) {
    let next;
    if (cur.kind === "array" && typeof t === "number") next = cur.children[t];
    else if (cur.kind === "object") next = cur.children.get(String(t));
    if (!next) break;
    cur = next;
    depth++;
  }
  return { start: cur.keyStart ?? cur.start, end: cur.end, exact: depth === tokens.length, depth };
}
