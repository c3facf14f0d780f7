// The public `Engine` of the crm-access package: the wasm engine behind a thin
// JavaScript layer. The layer has two jobs.
//
// 1. Read the caller's objects, once, before any WebAssembly code runs.
//    Getters, Proxies, iterators and `toJSON` are caller code: they may throw,
//    call the engine again, free it, or return something else on a second read.
//    So every argument is read here, each property exactly once, into storage
//    this layer owns (locals, reusable buffers, or a plain snapshot), and
//    checked: strings must be well-formed Unicode, values must be ones JSON can
//    hold (no functions, symbols, BigInts, NaN or Infinity, no cycles, bounded
//    depth). Only then is wasm called, with plain data: numbers, strings this
//    layer checked, JSON text it wrote from its own snapshot. No caller code
//    ever runs while wasm is on the stack, so no caller can leave the engine
//    half-way through a call.
//
// 2. Keep the hot calls cheap. Crossing into wasm costs little for numbers and
//    a lot for objects, so for users, actions and record objects the layer
//    looks up indexes in tables the engine exports and sends integers in the
//    ids-based encoding, whose layout the wasm module describes itself
//    (`encodingLayout()`, src/encoded.rs): this file keeps no copy of it.
//    Encoded records are written straight into a scratch area the engine keeps
//    in wasm memory. Anything the fast path cannot take (an unknown id, an
//    unknown key...) goes, as a snapshot, down the strict JSON path, which
//    answers or throws the proper error. Every index is checked again in Rust,
//    and decisions are always made in Rust.
//
// Failures: every error thrown is an `Error` with `code` and `problems`. If the
// WebAssembly instance traps (out of memory, a stack overflow inside wasm) it
// cannot be trusted again: the layer starts a fresh instance through the
// glue's `__wbg_reset_state`; engines made before then throw `engine-lost`.
//
// `makeEngine(glue)` takes wasm-bindgen's generated glue module (web or nodejs
// target) as it is; scripts/finish-pkg.mjs copies this file into pkg/ and
// generates a CommonJS wrapper of it.
export function makeEngine(glue) {
  const RawEngine = glue.Engine;
  // The core build (the browser entry "crm-access") has no apply, impact,
  // whoCan, explain, sliceFor or plan; "crm-access/full" and Node have them.
  const FULL_ONLY = { whoCanRecord: "whoCan", explainRecord: "explain" };
  const notInThisBuild = (method) => {
    const name = FULL_ONLY[method] ?? method;
    return error("not-in-this-build", "", `${name}() is not in this build of crm-access: the browser entry "crm-access" loads the core build (decisions only); import "crm-access/full" for ${name}() (Node's entry is the full build)`);
  };
  const resetState = glue.__wbg_reset_state;

  // ---- the encoding, as the wasm module describes it -----------------------
  const L = glue.encodingLayout();
  const NONE = L.none >>> 0;
  const HEADER = L.header;
  const ACTIONS = new Map(L.actions.map((a, i) => [a, i]));
  const ALLOWED = L.verdicts.allowed, ASK_STRICT = L.verdicts.askStrict;
  const TERMINATOR = L.terminator;
  // Packed decisions (decideScratchPacked, decideStoredScratch): see LAYOUT.decision in src/encoded.rs.
  const DL = L.decision;
  const DECIDE_ASK = DL.ask >>> 0, ACCESS_NAMES = DL.access, COUNT_SHIFT = DL.countShift, ARG_FLAG = DL.argFlag, ARG_LEN_SHIFT = DL.argLenShift;
  const REASON_CODES = glue.reasonCodes();
  const K_INDEX = 1, K_STRING = 2, K_LIST = 3, K_UNENCODED = 4, K_SHARES = 5;
  const KEYS = new Map(); // record key → { kind, pos, tid (table), required, nonEmpty }
  const TIDS = ["users", "principals", "modules", "workspaces"]; // the id tables, by number
  // One call site per table keeps each Map.get monomorphic (measured: ~8 % of can(object)).
  function lookUp(t, tid, id) {
    switch (tid) {
      case 0: return t.users.get(id);
      case 1: return t.principals.get(id);
      case 2: return t.modules.get(id);
      default: return t.workspaces.get(id);
    }
  }
  let firstList = HEADER;
  L.slots.forEach((s, pos) => {
    const kind = s.kind === "index" ? K_INDEX : s.kind === "string" ? K_STRING : s.kind === "list" ? K_LIST : 0;
    const known = kind !== 0 && (kind === K_STRING || TIDS.includes(s.table));
    if (!known) throw new Error(`crm-access: the wasm module's encoding (${s.key}: ${s.kind}) is not one this JS layer understands`);
    if (kind === K_LIST && firstList === HEADER) firstList = pos;
    if (kind !== K_LIST && pos > firstList) throw new Error("crm-access: the wasm module's encoding puts a list before a value");
    KEYS.set(s.key, { kind, pos, tid: TIDS.indexOf(s.table), required: s.required, nonEmpty: s.nonEmpty });
  });
  for (const k of L.unencoded) KEYS.set(k, { kind: K_UNENCODED, pos: -1, tid: -1, required: false, nonEmpty: true });
  // sharedWith: after the lists (see LAYOUT.shares in src/encoded.rs)
  const SH = L.shares;
  const SH_FLAG = SH.flag >>> 0, SH_KINDS = SH.kinds, SH_SHIFT = SH.kindShift, SH_WRITE = SH.writeFlag >>> 0;
  const SH_TABLES = SH.tables.map((name) => { if (!["users", "groups", "roles"].includes(name)) throw new Error(`crm-access: the wasm module's share encoding names a table (${name}) this JS layer does not know`); return name; });
  KEYS.set(SH.key, { kind: K_SHARES, pos: -1, tid: -1, required: false, nonEmpty: true });
  const LISTS = HEADER - firstList;
  const EMPTY = Object.freeze([]);
  // Descriptors of the most common keys, looked up by a switch on the hot path
  // (undefined if the layout has no such key: then the map says the same).
  const D_ID = KEYS.get("id"), D_MODULE = KEYS.get("module"), D_OWNER = KEYS.get("owner"), D_FIELDS = KEYS.get("fields");
  const LIST_TIDS = L.slots.slice(firstList).map((s) => TIDS.indexOf(s.table));
  const REQUIRED = L.slots.filter((s) => s.required).map((s) => KEYS.get(s.key).pos);

  // ---- limits and checks ---------------------------------------------------
  const SHORT_ID = 256; // ids up to this many UTF-16 units are copied by hand when ASCII
  const MAX_DEPTH = 64; // nesting allowed inside a record's `fields` (and in a model)
  const MAX_MEMORY = 2 ** 32; // a wasm32 memory cannot grow beyond 4 GiB
  const BYTES_PER_CHAR = 6; // peak wasm memory per character of JSON text taken in one call (estimate)
  const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  // Taken once, when the package loads: a caller who patches String.prototype
  // later changes nothing. Runtimes without isWellFormed (Node 18, older
  // browsers) get the same answer from the regular expression.
  const nativeWellFormed = String.prototype.isWellFormed;
  const wellFormed = typeof nativeWellFormed === "function" ? (s) => nativeWellFormed.call(s) : (s) => !LONE_SURROGATE.test(s);
  const utf8 = new TextEncoder();
  const utf8in = new TextDecoder();
  const isArray = Array.isArray;
  // Array.isArray, which throws for a revoked Proxy: then an Error of ours.
  function arrayish(v, path, code) {
    try {
      return isArray(v);
    } catch (e) {
      throw error(code, path, `reading it threw ${thrown(e)}`, e);
    }
  }
  const keyOf = (k) => (typeof k === "object" ? "" : String(k));
  const objectKeys = Object.keys;
  const stringify = JSON.stringify;
  const parse = JSON.parse;

  // ---- errors ---------------------------------------------------------------
  const SUMMARY = {
    "invalid-model": "invalid model", "invalid-records": "invalid records", "invalid-record": "invalid record",
    "invalid-input": "invalid input", "engine-freed": "engine freed", "engine-lost": "engine lost", "out-of-memory": "out of memory",
  };
  function error(code, path, message, cause, Kind = Error) {
    const text = `${SUMMARY[code] ?? code}: ${path === "" ? "" : path + ": "}${message}`;
    const e = cause === undefined ? new Kind(text) : new Kind(text, { cause });
    e.code = code;
    e.problems = [{ path, message }];
    OURS.add(e);
    return e;
  }
  // The errors this package made (JS side, or Rust's through fromWasm): a
  // caller's exception is never mistaken for one, and no caller getter runs.
  const OURS = new WeakSet();
  const isOurError = (e) => typeof e === "object" && e !== null && OURS.has(e);
  function describe(v) {
    if (v === null) return "null";
    try { if (isArray(v)) return "an array"; } catch { return "a revoked Proxy"; }
    const t = typeof v;
    return t === "object" ? "an object" : t === "undefined" ? "undefined" : t === "bigint" ? "a BigInt" : `a ${t}`;
  }
  // What a caller's exception says, without running caller code (no String(e) on objects).
  function thrown(e) {
    if (e instanceof Error) {
      try { return typeof e.message === "string" ? `${e.name}: ${e.message}` : "an Error"; } catch { return "an Error"; }
    }
    return typeof e === "object" && e !== null ? "an object" : typeof e === "symbol" ? "a symbol" : String(e);
  }
  function loneAt(s) {
    const m = LONE_SURROGATE.exec(s);
    return m === null ? -1 : m.index;
  }
  // A string argument (user, action, module, workspace, record id).
  function str(v, path, what) {
    if (typeof v !== "string") throw error("invalid-input", path, `expected ${what} (a string), got ${describe(v)}`);
    if (!wellFormed(v)) throw error("invalid-input", path, `not well-formed Unicode (a lone surrogate at index ${loneAt(v)}), so it cannot name ${what}`);
    return v;
  }
  const optAction = (a) => (a === undefined || a === null ? undefined : str(a, "action", "an action"));

  // ---- snapshots: a caller's value read once into plain JSON data -----------
  // Objects of the snapshot have no prototype, so a key like "__proto__" stays
  // an own property; they are only ever given to JSON.stringify.
  class Reader {
    constructor(code) { this.code = code; this.path = []; this.stack = []; }
    where() {
      let p = "";
      for (const k of this.path) {
        if (typeof k === "object") p += p === "" || k.raw.startsWith("[") ? k.raw : `.${k.raw}`; // a root, as given
        else p += typeof k === "number" ? `[${k}]` : /^[A-Za-z_$][\w$-]*$/.test(k) ? (p === "" ? k : `.${k}`) : `[${stringify(k)}]`;
      }
      return p;
    }
    fail(message, cause) { return error(this.code, this.where(), message, cause); }
    // Reads `v` (already read from its parent); `toJSON` is honoured once, as JSON.stringify does.
    value(v, depth) {
      switch (typeof v) {
        case "string":
          if (!wellFormed(v)) throw this.fail(`not well-formed Unicode (a lone surrogate at index ${loneAt(v)})`);
          return v;
        case "number":
          if (!Number.isFinite(v)) throw this.fail(`${v} is not a number JSON can hold`);
          return v;
        case "boolean":
          return v;
        case "object":
          return v === null ? null : this.object(v, depth);
        default: // undefined, function, symbol, bigint
          throw this.fail(`${describe(v)} is not a JSON value`);
      }
    }
    object(v, depth) {
      if (depth > MAX_DEPTH) throw this.fail(`nested more than ${MAX_DEPTH} levels deep`);
      const toJSON = v.toJSON;
      if (typeof toJSON === "function") {
        const w = toJSON.call(v, this.path.length === 0 ? "" : keyOf(this.path[this.path.length - 1]));
        return typeof w === "object" && w !== null ? this.plain(w, depth) : this.value(w, depth);
      }
      return this.plain(v, depth);
    }
    plain(v, depth) {
      if (this.stack.includes(v)) throw this.fail("a cycle: the value contains itself");
      this.stack.push(v);
      let out;
      if (isArray(v)) {
        const n = v.length;
        out = new Array(n);
        for (let i = 0; i < n; i++) {
          this.path.push(i);
          out[i] = this.value(v[i], depth + 1);
          this.path.pop();
        }
      } else {
        out = Object.create(null);
        for (const k of objectKeys(v)) {
          this.path.push(k);
          if (!wellFormed(k)) throw this.fail(`the key is not well-formed Unicode (a lone surrogate at index ${loneAt(k)})`);
          const x = v[k];
          // A key holding undefined is absent, as in JSON.stringify (see SECURITY.md).
          if (x !== undefined) out[k] = this.value(x, depth + 1);
          this.path.pop();
        }
      }
      this.stack.pop();
      return out;
    }
    // The whole argument; a caller's exception becomes an Error with the path.
    read(v, ...roots) {
      for (const r of roots) if (r !== "") this.path.push({ raw: r });
      try {
        return this.value(v, 0);
      } catch (e) {
        if (isOurError(e)) throw e;
        throw this.fail(`reading it threw ${thrown(e)}`, e);
      }
    }
  }
  const snapshot = (v, root, code) => new Reader(code).read(v, root);

  // ---- the WebAssembly instance --------------------------------------------
  // `generation` counts fresh instances: an engine belongs to the generation it
  // was made in, and is lost when that instance is replaced.
  let generation = 0;
  let memory = glue.wasmMemory();

  // An exception out of wasm: our own Errors (with `code`) leave the instance
  // sound. Anything else (a RuntimeError trap, a stack overflow part-way
  // through wasm code) may have left it half-way through a change: it is
  // dropped, and a fresh instance serves new engines.
  function fromWasm(e) {
    // Rust's errors (src/wasm.rs to_js_error): an Error with a string code.
    if (e instanceof Error && typeof e.code === "string" && isArray(e.problems)) {
      OURS.add(e);
      return e;
    }
    const bytes = memory.buffer.byteLength;
    generation++;
    let fresh = false;
    try {
      resetState();
      memory = glue.wasmMemory();
      fresh = true;
    } catch { /* the next new Engine tries again */ }
    const what = e instanceof WebAssembly.RuntimeError && /unreachable/.test(e.message) && bytes > MAX_MEMORY / 2
      ? `most likely out of memory (${Math.round(bytes / 2 ** 20)} MiB in use)` : thrown(e);
    const err = error("engine-lost", "", `the WebAssembly instance failed (${what}); this engine and every engine made before are lost${fresh ? "; new engines work" : ""}`, e);
    return err;
  }
  function budget(chars, path) {
    const have = MAX_MEMORY - memory.buffer.byteLength;
    if (chars * BYTES_PER_CHAR > have) {
      throw error("out-of-memory", path, `${chars} characters of JSON need about ${Math.ceil((chars * BYTES_PER_CHAR) / 2 ** 20)} MiB of wasm memory; ${Math.floor(have / 2 ** 20)} MiB are left (wasm32 memory stops at 4 GiB)`);
    }
  }

  // JSON text for a model or a batch of records: a snapshot of the caller's
  // value, or JSON text parsed and checked the same way (so text and objects
  // are refused alike, lone surrogates and 1e400 included).
  function jsonOf(v, root, code, wantArray) {
    let data = v;
    if (typeof v === "string") {
      if (!wellFormed(v)) throw error(code, root, `the JSON text is not well-formed Unicode (a lone surrogate at index ${loneAt(v)})`);
      try { data = parse(v); } catch (e) { throw error(code, root, `not valid JSON: ${e.message}`); }
    } else if (typeof v !== "object" || v === null || arrayish(v, root, code) !== wantArray) {
      throw error("invalid-input", root, `expected ${wantArray ? "an array" : "an object"} or JSON text, got ${describe(v)}`);
    }
    const snap = snapshot(data, root, code);
    // JSON text goes on as it was given, once checked (so that Rust still
    // refuses what JSON.parse forgives, such as a duplicate key).
    const text = typeof v === "string" ? v : stringify(snap);
    budget(text.length, root);
    return text;
  }

  let busyDepth = 0; // > 0 while caller code may be running inside a fast-path read

  class Engine {
    #raw = null; // null once freed
    #gen = -1;
    #tables = null;
    #storedIds = null; // the stored ids, sorted; dropped whenever the store changes
    #codes = new Uint32Array(256);
    #strings = []; // the strings of the records being encoded: #nstrings of them
    #nstrings = 0; // (a count, not `length = 0`, which is a slow runtime call)
    #pairs = []; // key, value, key, value... of the record being read
    #npairs = 0; // entries of #pairs in use
    #listLen = new Int32Array(LISTS); // the record's lists' lengths (copies in #lists)
    #lists = []; // the lists of the record being read, copied
    #snap = null; // the snapshot of the last record the fast path could not take
    #codesAt = 0; #codesCap = 0; #codesView = null; // the scratch area for codes: address, size in words, view
    #bytesAt = 0; #bytesCap = 0; #bytesView = null; // and for strings
    #version = 0; // counts the changes (see #changed)
    #listeners = new Set(); // subscribe(): one entry object per subscription

    /** @param {object | string} model */
    constructor(model) {
      const text = jsonOf(model, "", "invalid-model", false);
      for (let attempt = 0; ; attempt++) {
        const gen = generation;
        try {
          this.#raw = new RawEngine(text);
          this.#gen = gen;
          break;
        } catch (e) {
          const err = fromWasm(e);
          // A trap here is most often memory: try once more on the fresh instance.
          if (err.code !== "engine-lost" || attempt > 0) throw err;
        }
      }
      for (let i = 0; i < LISTS; i++) this.#lists.push(EMPTY);
    }

    // The raw engine, or an Error if it was freed or lost.
    #live() {
      const raw = this.#raw;
      if (raw !== null && this.#gen === generation) return raw;
      if (raw === null) return this.#throw(error("engine-freed", "", "this engine was freed (free() or Symbol.dispose); make a new Engine"));
      return this.#throw(error("engine-lost", "", "this engine's WebAssembly instance failed earlier (see the error thrown then) and was replaced; make a new Engine"));
    }
    #throw(e) { throw e; }

    #ids() {
      return this.#tables ?? this.#loadTables();
    }

    #loadTables() {
      let t;
      try { t = this.#raw.idTables(); } catch (e) { throw fromWasm(e); }
      const users = new Map();
      t.users.forEach((id, i) => users.set(id, i));
      const principals = new Map(users);
      t.groups.forEach((id, i) => principals.set(id, t.users.length + i));
      const modules = new Map();
      t.modules.forEach((name, i) => modules.set(name, i));
      const workspaces = new Map();
      t.workspaces.forEach((id, i) => workspaces.set(id, i));
      // for sharedWith: users a record may be shared with (not external), groups, roles
      const shareable = { users: new Map(users), groups: new Map(), roles: new Map() };
      for (const x of t.externalUsers) shareable.users.delete(t.users[x]);
      t.groups.forEach((id, i) => shareable.groups.set(id, i));
      t.roles.forEach((id, i) => shareable.roles.set(id, i));
      return (this.#tables = { users, principals, modules, workspaces, shareable, userIds: t.users });
    }

    #grow(need) {
      if (need > this.#codes.length) {
        const next = new Uint32Array(Math.max(need, this.#codes.length * 2));
        next.set(this.#codes);
        this.#codes = next;
      }
    }

    // Reads one record and encodes it at codes[at..], in one pass. Every own
    // enumerable property is read once, into #pairs (key, value) and, when the
    // fast path can take it, straight into the codes; every list is read once
    // into a copy, `fields` into a snapshot. This is the only part of the fast path that
    // runs caller code (getters, Proxy traps). Returns where the next record
    // starts; -1 when the strict path must take the record (from #pairs, see
    // #snapshotRead); -2 when it has a `toJSON` (the strict path calls it once).
    #read(rec, root, code, at, t) {
      // `root` is "record", or the index of a record in a batch (its path,
      // records[i], is only written when there is an error to report).
      // (Counts, not `length = 0`: setting an array's length is a slow runtime call.)
      const pairs = this.#pairs, lists = this.#lists, listLen = this.#listLen;
      let np = (this.#npairs = 0);
      let shares = null; // the snapshot of sharedWith, when the record has one
      this.#grow(at + HEADER);
      const c = this.#codes;
      for (let i = 0; i < firstList; i++) c[at + i] = NONE;
      for (let i = 0; i < LISTS; i++) listLen[i] = 0;
      let ok = true;
      let key = ""; // the key being read, for the path of a caller's exception
      busyDepth++;
      try {
      if (isArray(rec)) { // (throws for a revoked Proxy)
        if (typeof root === "number") { busyDepth--; return -2; } // in a batch: the strict path reports it
        throw error("invalid-input", root, "expected a record object or the id of a stored record (a string), got an array");
      }
      if (typeof rec.toJSON === "function") { busyDepth--; return -2; }
      for (const k in rec) {
        if (!Object.hasOwn(rec, k)) continue; // inherited: JSON.stringify leaves it out too
        key = k;
        let v = rec[k]; // (k, the loop's own constant: V8 reads it through the enum cache)
        let d; // the key's descriptor: a switch for the usual names (pointer compares), the layout's map for any other
        switch (key) {
          case "id": d = D_ID; break;
          case "module": d = D_MODULE; break;
          case "owner": d = D_OWNER; break;
          case "fields": d = D_FIELDS; break;
          default: d = KEYS.get(key);
        }
        if (v === undefined) continue; // JSON.stringify leaves it out
        if (d === undefined) ok = false; // an unknown key: the strict path reports it
        else if (d.kind === K_INDEX) {
          if (v !== null || d.required) {
            const ix = typeof v === "string" ? lookUp(t, d.tid, v) : undefined;
            if (ix === undefined) ok = false;
            else c[at + d.pos] = ix;
          }
        } else if (d.kind === K_STRING) {
          if (v !== null) {
            if (typeof v !== "string" || (v === "" && d.nonEmpty) || v.includes(TERMINATOR) || !wellFormed(v)) ok = false;
            else {
              const ns = this.#nstrings++;
              this.#strings[ns] = v;
              c[at + d.pos] = ns;
            }
          }
        } else if (d.kind === K_LIST) {
          if (typeof v === "object" && v !== null && isArray(v) && typeof v.toJSON !== "function") {
            const k = d.pos - firstList;
            const n = v.length;
            const into = n === 0 ? EMPTY : (lists[k] = new Array(n)); // a copy, read once
            for (let i = 0; i < n; i++) into[i] = v[i];
            listLen[k] = n;
            v = into; // the copy stands for the list from now on
          } else ok = false;
        } else if (d.kind === K_SHARES) {
          // read once into a plain snapshot (encoded from it below, or handed to the strict path)
          if (typeof v === "object" && v !== null) {
            v = new Reader(code).read(v, typeof root === "number" ? `records[${root}]` : root, key);
            if (isArray(v)) shares = v;
            else ok = false;
          } else ok = false;
        } else if (key === "fields") {
          // Decisions never read fields, but they must be ones JSON can hold.
          if (typeof v === "object" && v !== null && !isArray(v)) v = new Reader(code).read(v, typeof root === "number" ? `records[${root}]` : root, "fields");
          else ok = false;
        } else if (key === "id") {
          if (v !== null && (typeof v !== "string" || v === "" || !wellFormed(v))) ok = false;
        }
        pairs[np] = key; pairs[np + 1] = v;
        np += 2;
      }
      } catch (e) {
        busyDepth--;
        this.#npairs = 0;
        if (isOurError(e)) throw e;
        const path = typeof root === "number" ? `records[${root}]` : root;
        throw error(code, key === "" ? path : prefix(path, key), `reading it threw ${thrown(e)}`, e);
      }
      busyDepth--;
      this.#npairs = np;
      if (!ok) return -1;
      for (let i = 0; i < REQUIRED.length; i++) if (c[at + REQUIRED[i]] === NONE) return -1;
      let n = 0;
      for (let i = 0; i < LISTS; i++) n += listLen[i];
      if (shares !== null && shares.length > 0) return this.#putShares(shares, at, this.#putLists(at, n, t), t);
      if (n === 0) {
        for (let i = firstList; i < HEADER; i++) c[at + i] = 0;
        return at + HEADER;
      }
      return this.#putLists(at, n, t);
    }

    // The lists of the record read by #read (n items in all) after its header
    // at `at`; returns where they end, or -1 for the strict path.
    #putLists(at, n, t) {
      const listLen = this.#listLen, lists = this.#lists;
      this.#grow(at + HEADER + n);
      const codes = this.#codes; // (grown: `c` may be the old array)
      let pos = at + HEADER;
      for (let i = 0; i < LISTS; i++) {
        const len = listLen[i];
        codes[at + firstList + i] = len;
        if (len === 0) continue;
        const list = lists[i], tid = LIST_TIDS[i];
        for (let j = 0; j < len; j++) {
          const x = list[j];
          const ix = typeof x === "string" ? lookUp(t, tid, x) : undefined;
          if (ix === undefined) return -1;
          codes[pos++] = ix;
        }
      }
      return pos;
    }

    // The shares of a record (the snapshot of its sharedWith) at `pos`, after
    // its lists, and the flag on its module word at `at`; returns where the
    // record ends, or -1 for the strict path (anything but the usual shape).
    #putShares(shares, at, pos, t) {
      if (pos < 0) return -1;
      const n = shares.length;
      this.#grow(pos + 1 + n);
      const codes = this.#codes, sh = t.shareable;
      codes[pos++] = n;
      for (let i = 0; i < n; i++) {
        const s = shares[i];
        if (typeof s !== "object" || s === null || isArray(s)) return -1;
        let kind = -1, id, write = -1, keys = 0;
        for (const k in s) { // a snapshot: own keys only, plain values
          keys++;
          const x = s[k];
          if (k === "access") write = x === SH.writeAccess ? 1 : x === SH.readAccess ? 0 : -1;
          else if (kind < 0) kind = SH_KINDS.indexOf(k), id = x;
          else return -1;
        }
        if (keys !== 2 || kind < 0 || write < 0 || typeof id !== "string") return -1;
        const ix = sh[SH_TABLES[kind]].get(id);
        if (ix === undefined) return -1;
        codes[pos++] = ((kind << SH_SHIFT) | (write === 1 ? SH_WRITE : 0) | ix) >>> 0;
      }
      codes[at] = (codes[at] | SH_FLAG) >>> 0;
      return pos;
    }

    // The snapshot of what #read took (for the strict path), as JSON text.
    #snapshotRead(root = "record", code = "invalid-record") {
      const out = Object.create(null), pairs = this.#pairs;
      const r = new Reader(code);
      r.path.push({ raw: root });
      for (let p = 0; p < this.#npairs; p += 2) {
        const key = pairs[p], v = pairs[p + 1];
        if (v === undefined) continue;
        r.path.push(key);
        if (!wellFormed(key)) throw r.fail(`the key is not well-formed Unicode (a lone surrogate at index ${loneAt(key)})`);
        out[key] = isArray(v) ? v.slice() : v; // lists and fields were copied by #read
        r.path.pop();
      }
      return stringify(r.read(out, ""));
    }

    // Reads and encodes one record argument (an object). Returns the end of
    // its codes, or -1 with this.#snap set to its JSON text for the strict path.
    #takeOne(record, t, code, root) {
      this.#nstrings = 0;
      if (typeof record !== "object" || record === null) {
        throw error("invalid-input", root, `expected a record object or the id of a stored record (a string), got ${describe(record)}`);
      }
      const end = this.#read(record, root, code, 0, t); // refuses arrays too
      // (callers check that caller code did not free the engine: `raw = this.#live()`)
      if (end < 0) this.#snap = end === -1 ? this.#snapshotRead(root, code) : stringify(snapshot(record, root, code));
      return end;
    }

    // Makes the scratch areas hold at least `words` codes and `bytes` bytes.
    // This may grow the wasm memory, which detaches every view of it: views are
    // made afresh (below) whenever theirs has length 0.
    #reserve(raw, words, bytes) {
      try {
        if (words > this.#codesCap) {
          const cap = Math.max(words, 2 * this.#codesCap, 64);
          this.#codesAt = raw.scratchCodes(cap);
          this.#codesCap = cap;
          this.#codesView = null;
        }
        if (bytes > this.#bytesCap) {
          const cap = Math.max(bytes, 2 * this.#bytesCap, 256);
          this.#bytesAt = raw.scratchBytes(cap);
          this.#bytesCap = cap;
          this.#bytesView = null;
        }
      } catch (e) {
        throw fromWasm(e);
      }
    }

    // The views of the scratch areas; only valid until the next call into wasm.
    #codeView() {
      const v = this.#codesView;
      return v !== null && v.length !== 0 ? v : (this.#codesView = new Uint32Array(memory.buffer, this.#codesAt, this.#codesCap));
    }

    #byteView() {
      const v = this.#bytesView;
      return v !== null && v.length !== 0 ? v : (this.#bytesView = new Uint8Array(memory.buffer, this.#bytesAt, this.#bytesCap));
    }

    // Copies the encoded records (codes[0..end]) and their strings into the
    // engine's scratch area; returns the number of string bytes written.
    #send(raw, end) {
      // terminated, so that a lone "" is still one string
      const ns = this.#nstrings, strings = this.#strings;
      let text = "";
      for (let i = 0; i < ns; i++) text += strings[i] + TERMINATOR;
      if (ns > 1024) this.#strings = []; // let a big batch's strings go
      this.#reserve(raw, end, 3 * text.length);
      const cv = this.#codeView();
      if (end <= 64) for (let i = 0; i < end; i++) cv[i] = this.#codes[i];
      else cv.set(end === this.#codes.length ? this.#codes : this.#codes.subarray(0, end));
      return text === "" ? 0 : utf8.encodeInto(text, this.#byteView()).written;
    }

    // Writes a record id (a string) into the scratch bytes; returns its length
    // in bytes, or -1 when the strict path should take it (very long).
    // Throws for an id that is not well-formed Unicode.
    #sendId(raw, id) {
      const len = id.length;
      if (len <= SHORT_ID) {
        this.#reserve(raw, 0, SHORT_ID);
        const v = this.#byteView();
        let i = 0;
        for (; i < len; i++) {
          const ch = id.charCodeAt(i);
          if (ch > 0x7f) break;
          v[i] = ch;
        }
        if (i === len) return len; // ASCII: well-formed, one byte per unit
      }
      str(id, "record", "a stored record");
      if (len > 4096) return -1;
      this.#reserve(raw, 0, 3 * len);
      return utf8.encodeInto(id, this.#byteView()).written;
    }

    // The record argument of the strict path: [text, isJson], read once.
    #recordArg(record, root = "record") {
      if (typeof record === "string") return [str(record, root, "a stored record"), false];
      if (typeof record !== "object" || record === null || arrayish(record, root, "invalid-record")) {
        throw error("invalid-input", root, `expected a record object or the id of a stored record (a string), got ${describe(record)}`);
      }
      return [stringify(snapshot(record, root, "invalid-record")), true];
    }

    // A record argument read once, with caller code shut out of the fast path while it runs.
    #recordArgOnce(record, root = "record") {
      busyDepth++;
      try { return this.#recordArg(record, root); } finally { busyDepth--; }
    }

    putRecords(records) {
      this.#live();
      const text = jsonOf(records, "records", "invalid-records", true);
      const raw = this.#live();
      this.#storedIds = null;
      try { raw.putRecords(text); } catch (e) { throw fromWasm(e); }
      this.#changed();
    }

    removeRecords(ids) {
      this.#live();
      const list = copyIds(ids, "ids");
      const raw = this.#live();
      this.#storedIds = null;
      try { raw.removeRecords(list); } catch (e) { throw fromWasm(e); }
      this.#changed();
    }

    // ---- change notification ------------------------------------------------
    // Every method that changes what the engine answers (its records, its
    // model; also free(), after which every question throws) calls #changed()
    // once the change has succeeded: `version` goes up by one, then each
    // listener is called with no arguments. A failed call changes nothing and
    // notifies nobody. A listener that throws does not stop the others nor
    // undo the change: its exception is reported (reportError where the
    // runtime has it, as browsers do; console.error otherwise), never thrown
    // at the caller of the change. Listeners run after the change, with no
    // wasm on the stack, so they may ask the engine anything (or change it
    // again, which notifies again).

    /** Counts the changes since the engine was made: starts at 0, one more after each change. */
    get version() { return this.#version; }

    /**
     * Calls `listener()` after every change; returns the function that stops
     * it (calling that again does nothing). Subscribing the same function
     * twice makes two subscriptions.
     */
    subscribe(listener) {
      this.#live();
      if (typeof listener !== "function") throw error("invalid-input", "listener", `subscribe(listener): expected a function, got ${describe(listener)}`, undefined, TypeError);
      const entry = { listener };
      this.#listeners.add(entry);
      return () => { this.#listeners.delete(entry); };
    }

    #changed() {
      this.#version++;
      if (this.#listeners.size === 0) return;
      // A listener removed by an earlier one during this round is not called.
      for (const entry of [...this.#listeners]) {
        if (!this.#listeners.has(entry)) continue;
        try {
          entry.listener.call(undefined);
        } catch (e) {
          reportListenerError(e);
        }
      }
    }

    /**
     * Applies a batch of changes (`{op: "put", kind, value}` or `{op: "remove", kind, id}`)
     * in order, atomically; returns nothing. Every answer afterwards is that of an engine
     * built from the changed model.
     */
    apply(changes) {
      this.#live();
      const text = jsonOf(changes, "changes", "invalid-changes", true);
      const raw = this.#live();
      if (typeof raw.apply !== "function") throw notInThisBuild("apply");
      try {
        raw.apply(text);
      } catch (e) {
        throw fromWasm(e);
      } finally {
        // the id tables and the stored ids may have changed (on success; on
        // failure nothing changed, and reading them again costs little)
        this.#tables = null;
        this.#storedIds = null;
      }
      this.#changed();
    }

    /** What a batch of changes would do, without applying it (see README, "Live changes"). */
    impact(changes, options) {
      this.#live();
      const text = jsonOf(changes, "changes", "invalid-changes", true);
      const opts = options === undefined || options === null ? undefined : jsonOf(options, "options", "invalid-input", false);
      return this.#call("impact", text, opts);
    }

    recordCount() {
      const raw = this.#live();
      try { return raw.recordCount(); } catch (e) { throw fromWasm(e); }
    }

    decide(user, action, record) {
      let raw = this.#live();
      if (typeof user === "string" && busyDepth === 0) {
        const t = this.#tables ?? this.#loadTables();
        const ui = t.users.get(user), ai = ACTIONS.get(action);
        if (ui !== undefined && ai !== undefined) {
          if (typeof record === "string") {
            const n = this.#sendId(raw, record);
            if (n >= 0) {
              let h;
              try { h = raw.decideStoredScratch(ui, ai, n); } catch (e) { throw fromWasm(e); }
              if (h !== DECIDE_ASK) return this.#decision(h);
            }
            str(record, "record", "a stored record");
            try { return raw.decideAt(ui, ai, record); } catch (e) { throw fromWasm(e); }
          }
          const end = this.#takeOne(record, t, "invalid-record", "record");
          raw = this.#live();
          if (end >= 0) {
            this.#reserve(raw, 0, 256); // room for the reasons' arguments, written over the record's strings
            const bytes = this.#send(raw, end);
            let h;
            try { h = raw.decideScratchPacked(ui, ai, end, bytes); } catch (e) { throw fromWasm(e); }
            if (h !== DECIDE_ASK) return this.#decision(h);
            // (the scratch area still holds the record: the serde path answers or throws)
            try { return raw.decideScratch(ui, ai, end, bytes); } catch (e) { throw fromWasm(e); }
          }
          return this.#strict(raw, "decideRecord", user, action, this.#snap, true);
        }
      }
      const [arg, json] = this.#checkedArgs(user, action, record);
      return this.#strict(this.#live(), "decideRecord", user, action, arg, json);
    }

    // The Decision object of a packed answer, its reasons read from the scratch area.
    #decision(h) {
      const n = h >>> COUNT_SHIFT, reasons = [];
      if (n > 0) {
        const cv = this.#codeView();
        let bv = null, at = 0;
        for (let i = 0; i < n; i++) {
          const w = cv[i], code = REASON_CODES[w & 0xff];
          if ((w & ARG_FLAG) === 0) {
            reasons.push(code);
            continue;
          }
          const len = w >>> ARG_LEN_SHIFT;
          if (bv === null) bv = this.#byteView();
          let arg = "", j = at;
          const stop = at + len;
          if (len <= 64) for (; j < stop; j++) { const b = bv[j]; if (b > 0x7f) break; arg += String.fromCharCode(b); }
          if (j !== stop) arg = utf8in.decode(bv.subarray(at, stop));
          at = stop;
          reasons.push(code + ":" + arg);
        }
      }
      return { allowed: (h & 1) !== 0, access: ACCESS_NAMES[(h >>> 1) & 3], readOnly: (h & 8) !== 0, reasons };
    }

    can(user, action, record) {
      let raw = this.#live();
      if (typeof user === "string" && busyDepth === 0) {
        // A user id found in the table is one the engine knows, so well-formed.
        const t = this.#tables ?? this.#loadTables();
        const ui = t.users.get(user), ai = ACTIONS.get(action);
        if (ui !== undefined && ai !== undefined) {
          let verdict;
          if (typeof record === "string") {
            const n = this.#sendId(raw, record);
            if (n < 0) return this.#strict(raw, "canRecord", user, action, record, false);
            try { verdict = raw.canStoredScratch(ui, ai, n); } catch (e) { throw fromWasm(e); }
            if (verdict !== ASK_STRICT) return verdict === ALLOWED;
            return this.#strict(raw, "canRecord", user, action, record, false);
          }
          const end = this.#takeOne(record, t, "invalid-record", "record");
          raw = this.#live();
          if (end < 0) return this.#strict(raw, "canRecord", user, action, this.#snap, true);
          try { verdict = raw.canScratch(ui, ai, end, this.#send(raw, end)); } catch (e) { throw fromWasm(e); }
          if (verdict !== ASK_STRICT) return verdict === ALLOWED;
          return this.#strict(raw, "canRecord", user, action, this.#snapshotRead(), true);
        }
      }
      const [arg, json] = this.#checkedArgs(user, action, record);
      return this.#strict(this.#live(), "canRecord", user, action, arg, json);
    }

    #checkedArgs(user, action, record) {
      str(user, "user", "a user");
      str(action, "action", "an action");
      busyDepth++;
      try { return this.#recordArg(record); } finally { busyDepth--; }
    }

    #strict(raw, method, user, action, arg, json) {
      str(user, "user", "a user");
      str(action, "action", "an action");
      try { return raw[method](user, action, arg, json); } catch (e) { throw fromWasm(e); }
    }

    filter(user, records, action) {
      this.#live();
      str(user, "user", "a user");
      const act = optAction(action);
      if (!arrayish(records, "records", "invalid-records")) throw error("invalid-input", "records", `expected an array of records, got ${describe(records)}`);
      const t = this.#ids();
      const ui = t.users.get(user), ai = ACTIONS.get(act === undefined ? "view" : act);
      if (ui === undefined || ai === undefined || busyDepth > 0) {
        // The array's slots, read once: these are the objects judged and returned.
        const items = copyArray(records, "records");
        busyDepth++;
        let text;
        try { text = stringify(snapshot(items, "records", "invalid-records")); } finally { busyDepth--; }
        budget(text.length, "records");
        const keep = this.#call("filterJson", user, text, act);
        return items.filter((_, i) => keep[i] === 1);
      }
      // Fast path: each slot of the array is read once (into items: these are
      // the objects judged and returned), then the record read and encoded;
      // the ones it cannot take are judged together on the strict path from
      // their snapshots. Caller code may run throughout: busyDepth keeps any
      // nested call off this engine's buffers.
      this.#nstrings = 0;
      const strictAt = [], strictText = [];
      let at = 0, items, i = -1;
      busyDepth++;
      try {
        const n = records.length;
        items = new Array(n);
        for (i = 0; i < n; i++) {
          const rec = (items[i] = records[i]);
          const end = typeof rec === "object" && rec !== null ? this.#read(rec, i, "invalid-records", at, t) : -2;
          if (end >= 0) {
            at = end;
          } else {
            strictAt.push(i);
            strictText.push(end === -1 ? this.#snapshotRead(`records[${i}]`, "invalid-records") : stringify(snapshot(rec, `records[${i}]`, "invalid-records")));
          }
        }
      } catch (e) {
        if (isOurError(e)) throw e;
        throw error("invalid-input", i < 0 ? "records" : `records[${i}]`, `reading it threw ${thrown(e)}`, e);
      } finally {
        busyDepth--;
      }
      let keep; // 1 per record of items: allowed
      const raw = this.#live();
      if (at > 0 || strictAt.length < items.length) {
        try { keep = raw.filterScratch(ui, ai, at, this.#send(raw, at)); } catch (e) { throw fromWasm(e); }
      }
      if (strictAt.length > 0) {
        const text = "[" + strictText.join(",") + "]";
        budget(text.length, "records");
        let some;
        try {
          some = this.#call("filterJson", user, text, act);
        } catch (e) {
          // Paths name the records in the caller's array.
          for (const p of e.problems ?? []) p.path = p.path.replace(/^records\[(\d+)\]/, (_, j) => `records[${strictAt[+j]}]`);
          if (isOurError(e)) e.message = e.message.replace(/records\[(\d+)\]/, (_, j) => `records[${strictAt[+j]}]`);
          throw e;
        }
        // merge: the fast answers in order, the strict ones at their places
        const all = new Uint8Array(items.length);
        for (let i = 0, f = 0, k = 0; i < items.length; i++) all[i] = k < strictAt.length && strictAt[k] === i ? some[k++] : keep[f++];
        keep = all;
      }
      const out = [];
      for (let i = 0; i < items.length; i++) if (keep[i] === 1) out.push(items[i]);
      return out;
    }

    // `filter` that reports instead of throwing for the whole list:
    // { allowed: the very objects allowed, in input order,
    //   rejected: [{ index, record, problems }] } for the records the engine
    // cannot judge (an unknown user or module, a record that cannot be read).
    // An unknown `user` or action still throws. Each slot of the array is read
    // once (these are the objects returned), each record into a snapshot (the
    // only thing wasm sees), as in `filter`.
    filterReport(user, records, action) {
      this.#live();
      str(user, "user", "a user");
      const act = optAction(action);
      if (!arrayish(records, "records", "invalid-records")) throw error("invalid-input", "records", `expected an array of records, got ${describe(records)}`);
      const items = copyArray(records, "records");
      const rejected = [], sentAt = [], texts = [];
      busyDepth++;
      try {
        for (let i = 0; i < items.length; i++) {
          try {
            texts.push(stringify(snapshot(items[i], `records[${i}]`, "invalid-records")));
            sentAt.push(i);
          } catch (e) {
            if (!isOurError(e)) throw e;
            rejected.push({ index: i, record: items[i], problems: e.problems });
          }
        }
      } finally {
        busyDepth--;
      }
      const text = "[" + texts.join(",") + "]";
      budget(text.length, "records");
      const answers = this.#call("filterReportJson", user, text, act);
      const allowed = [];
      for (let j = 0; j < answers.length; j++) {
        const i = sentAt[j], a = answers[j];
        if (a === true) allowed.push(items[i]);
        else if (a !== false) {
          // paths name the records in the caller's array
          for (const p of a) p.path = p.path.replace(/^records\[\d+\]/, `records[${i}]`);
          rejected.push({ index: i, record: items[i], problems: a });
        }
      }
      rejected.sort((x, y) => x.index - y.index);
      return { allowed, rejected };
    }

    // A call to the raw engine with plain arguments.
    #call(method, ...args) {
      const raw = this.#live();
      if (typeof raw[method] !== "function") throw notInThisBuild(method);
      try { return raw[method](...args); } catch (e) { throw fromWasm(e); }
    }

    filterStored(user, action) {
      this.#live();
      str(user, "user", "a user");
      const act = optAction(action);
      const ui = this.#ids().users.get(user), ai = ACTIONS.get(act === undefined ? "view" : act);
      if (ui === undefined || ai === undefined) return this.#call("filterStored", user, act);
      const mask = this.#call("storedMask", ui, ai);
      if (this.#storedIds === null || this.#storedIds.length !== mask.length) this.#storedIds = this.#call("storedIds");
      const ids = this.#storedIds, out = [];
      for (let i = 0; i < mask.length; i++) if (mask[i] === 1) out.push(ids[i]);
      return out;
    }

    /**
     * Prepares stored records for many questions: the ids are looked up once,
     * and `list.can(user, action, row)` then passes only numbers.
     * @param {string[]} ids
     */
    prepare(ids) {
      this.#live();
      if (!arrayish(ids, "ids", "invalid-input")) throw error("invalid-input", "ids", `prepare(ids): expected an array of stored record ids, got ${describe(ids)}`, undefined, TypeError);
      const copy = copyIds(ids, "ids");
      return new StoredRecords(this, copy, () => this.#live(), (user) => (typeof user === "string" ? this.#ids().users.get(user) : undefined));
    }

    fieldAccess(user, module) {
      this.#live();
      return this.#call("fieldAccess", str(user, "user", "a user"), str(module, "module", "a module"));
    }
    mask(user, record) {
      this.#live();
      str(user, "user", "a user");
      busyDepth++;
      let arg;
      try { arg = this.#recordArg(record); } finally { busyDepth--; }
      return this.#call("maskRecord", user, arg[0], arg[1]);
    }
    canShare(user, record) {
      this.#live();
      str(user, "user", "a user");
      const arg = this.#recordArgOnce(record);
      return this.#call("canShareRecord", user, arg[0], arg[1]);
    }
    recordFieldAccess(user, record) {
      this.#live();
      str(user, "user", "a user");
      const arg = this.#recordArgOnce(record);
      return this.#call("recordFieldAccessRecord", user, arg[0], arg[1]);
    }
    decideUpdate(user, before, after) {
      this.#live();
      str(user, "user", "a user");
      const b = this.#recordArgOnce(before, "before");
      if (typeof after !== "object" || after === null) {
        throw error("invalid-input", "after", `expected the record as it will be stored (an object), got ${describe(after)}`);
      }
      const a = this.#recordArgOnce(after, "after");
      return this.#call("decideUpdateRecords", user, b[0], b[1], a[0]);
    }
    whoCan(action, record) {
      this.#live();
      str(action, "action", "an action");
      const arg = this.#recordArgOnce(record);
      const pairs = this.#call("whoCanRecord", action, arg[0], arg[1]);
      const ids = this.#ids().userIds, out = new Array(pairs.length / 2);
      for (let i = 0; i < pairs.length; i += 2) out[i / 2] = { user: ids[pairs[i]], access: ACCESS_NAMES[pairs[i + 1]] };
      return out;
    }
    explain(user, action, record) {
      this.#live();
      str(user, "user", "a user");
      str(action, "action", "an action");
      const arg = this.#recordArgOnce(record);
      return this.#call("explainRecord", user, action, arg[0], arg[1]);
    }
    workspacesOf(user) { this.#live(); return this.#call("workspacesOf", str(user, "user", "a user")); }
    plan(user, action, module) { this.#live(); return this.#call("plan", str(user, "user", "a user"), str(action, "action", "an action"), str(module, "module", "a module name")); }
    visibleUsers(user) { this.#live(); return this.#call("visibleUsers", str(user, "user", "a user")); }
    // The user's slice of the model (issue 13): an object, or with
    // `{ json: true }` the JSON text as the engine wrote it.
    sliceFor(user, options) {
      this.#live();
      str(user, "user", "a user");
      let json = false;
      if (options !== undefined && options !== null) {
        if (typeof options !== "object") throw error("invalid-input", "options", `sliceFor(user, options): expected an object, got ${describe(options)}`, undefined, TypeError);
        const j = options.json;
        if (j !== undefined && typeof j !== "boolean") throw error("invalid-input", "options.json", `expected a boolean, got ${describe(j)}`, undefined, TypeError);
        json = j === true;
      }
      const text = this.#call("sliceFor", user);
      return json ? text : JSON.parse(text);
    }
    canInvite(user, workspace) { this.#live(); return this.#call("canInvite", str(user, "user", "a user"), str(workspace, "workspace", "a workspace")); }
    canCreateWorkspace(user) { this.#live(); return this.#call("canCreateWorkspace", str(user, "user", "a user")); }
    canGrantAccess(user) { this.#live(); return this.#call("canGrantAccess", str(user, "user", "a user")); }

    /** Releases the engine's memory now (it is also released when garbage collected). */
    free() {
      const raw = this.#raw;
      if (raw === null) this.#live(); // throws engine-freed
      this.#raw = null;
      this.#tables = null;
      this.#codesView = this.#bytesView = null;
      try {
        // An engine of an instance that was replaced holds nothing in the new one.
        if (this.#gen === generation) {
          try { raw.free(); } catch (e) { throw fromWasm(e); }
        }
      } finally {
        // Subscribers learn that every answer now throws (engine-freed); then they are let go.
        this.#changed();
        this.#listeners.clear();
      }
    }

  }
  // `using engine = new Engine(...)`: disposing frees the engine (once).
  if (typeof Symbol.dispose === "symbol") {
    Object.defineProperty(Engine.prototype, Symbol.dispose, {
      value: function dispose() {
        try { this.free(); } catch (e) { if (e?.code !== "engine-freed") throw e; }
      },
      writable: true, configurable: true,
    });
  }

  // `isCrmAccessError(e)` (exported by every entry): an error this package
  // threw? Exact, and no code of `e`'s runs (a WeakSet of our errors).
  Object.defineProperty(Engine, "isCrmAccessError", { value: isOurError });

  // A listener's exception (see Engine#changed): reported, never thrown at the caller of the change.
  function reportListenerError(e) {
    try {
      if (typeof globalThis.reportError === "function") globalThis.reportError(e);
      else console.error("crm-access: an engine.subscribe() listener threw:", e);
    } catch { /* reporting must not fail the change */ }
  }

  function prefix(root, path) {
    return path === "" ? root : path.startsWith("[") ? root + path : `${root}.${path}`;
  }

  // An array's slots, read once each (a Proxy or getters may run here).
  function copyArray(list, root) {
    busyDepth++;
    try {
      const n = list.length;
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = list[i];
      return out;
    } catch (e) {
      throw error("invalid-input", root, `reading it threw ${thrown(e)}`, e);
    } finally {
      busyDepth--;
    }
  }

  // An array of ids, read once and checked: every item a well-formed string.
  function copyIds(ids, root) {
    if (!arrayish(ids, root, "invalid-input")) throw error("invalid-input", root, `expected an array of strings, got ${describe(ids)}`);
    const out = copyArray(ids, root);
    for (let i = 0; i < out.length; i++) {
      const x = out[i];
      if (typeof x !== "string") throw error("invalid-input", `${root}[${i}]`, `expected a record id (a string), got ${describe(x)}`);
      if (!wellFormed(x)) throw error("invalid-input", `${root}[${i}]`, `not well-formed Unicode (a lone surrogate at index ${loneAt(x)}), so it cannot name a record`);
    }
    return out;
  }

  // Stored records prepared by `Engine.prepare`: the ids' slots in the store,
  // looked up once. A slot is only trusted by the engine at the store epoch it
  // was looked up at (records move between slots only when one is removed);
  // otherwise the list looks its ids up again. Anything the fast call cannot
  // answer goes to `engine.can(user, action, id)`, which answers or throws.
  class StoredRecords {
    #engine; #live; #ids; #userIndex;
    #slots = null; #epoch = -1;

    constructor(engine, ids, live, userIndex) {
      this.#engine = engine;
      this.#live = live;
      this.#ids = ids;
      this.#userIndex = userIndex;
      this.#lookUp(live());
    }

    #lookUp(raw) {
      try {
        this.#epoch = raw.storeEpoch();
        this.#slots = raw.slotsOf(this.#ids);
      } catch (e) {
        throw fromWasm(e);
      }
    }

    #row(row) {
      if (typeof row !== "number" || !Number.isInteger(row) || row < 0 || row >= this.#ids.length) {
        throw error("invalid-input", "row", `${typeof row === "number" ? row : describe(row)} is not a row of this list (0 to ${this.#ids.length - 1})`, undefined, RangeError);
      }
      return this.#ids[row];
    }

    get length() { return this.#ids.length; }
    id(row) { return this.#row(row); }

    can(user, action, row) {
      const raw = this.#live();
      const ui = this.#userIndex(user);
      const ai = ACTIONS.get(action);
      if (ui !== undefined && ai !== undefined && (row >>> 0) === row) {
        const slot = this.#slots[row];
        if (slot !== undefined && slot !== NONE) {
          let verdict;
          try {
            verdict = raw.canSlot(ui, ai, slot, this.#epoch);
            if (verdict === ASK_STRICT && raw.storeEpoch() !== this.#epoch) {
              this.#lookUp(raw);
              const again = this.#slots[row];
              if (again !== NONE) verdict = raw.canSlot(ui, ai, again, this.#epoch);
            }
          } catch (e) {
            throw fromWasm(e);
          }
          if (verdict !== ASK_STRICT) return verdict === ALLOWED;
        }
      }
      return this.#engine.can(user, action, this.#row(row));
    }

    decide(user, action, row) { return this.#engine.decide(user, action, this.#row(row)); }
  }
  return Engine;
}
