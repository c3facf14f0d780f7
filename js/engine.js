// The public `Engine` of the crm-access package: the wasm engine behind a thin
// JavaScript layer that keeps the hot calls cheap.
//
// Crossing into wasm costs little for numbers and a lot for objects (writing a
// record as JSON costs more than deciding on it). So for users, actions and
// record objects this layer looks up indexes in tables the engine exports and
// sends integers (the encoding is described in src/encoded.rs). It reads only a
// record's own enumerable properties, the ones JSON.stringify would write, and
// checks them as strictly as the Rust side does: any key, type or id it does not
// know sends the call down the strict JSON path instead, which answers or throws
// the proper error. Every index is checked again in Rust. Decisions are always
// made in Rust.
//
// Encoded records and their strings are written straight into a scratch area
// the engine keeps in wasm memory, so a call passes only a few integers.
//
// `makeEngine(RawEngine, wasmMemory)` is wrapped as an ES module (browser) and
// as CommonJS (Node) by scripts/finish-pkg.mjs.
function makeEngine(RawEngine, wasmMemory) {
  const ACTIONS = new Map([["view", 0], ["edit", 1], ["delete", 2], ["create", 3]]);
  const NONE = 0xffffffff;
  const ALLOWED = 1, ASK_STRICT = 2; // verdict codes of the hot calls (src/wasm.rs: Verdict)
  const SHORT_ID = 256; // ids up to this many UTF-16 units are copied by hand when ASCII
  const hasOwn = Object.hasOwn ?? ((o, k) => Object.prototype.hasOwnProperty.call(o, k));
  const HEADER = 11;
  const LONE_SURROGATE = /\\u[dD][89a-fA-F]/; // how JSON.stringify writes a lone surrogate
  const wellFormed = typeof String.prototype.isWellFormed === "function" ? (s) => s.isWellFormed() : () => true;
  const memory = wasmMemory();
  const utf8 = new TextEncoder();

  // Writes a list's length at c[slot] and its entries' indexes from c[pos];
  // returns where the next list starts, or -1 for an entry not in the table.
  function putList(c, slot, pos, list, table) {
    const len = list === undefined ? 0 : list.length;
    c[slot] = len;
    for (let i = 0; i < len; i++) {
      const x = list[i];
      const ix = typeof x === "string" ? table.get(x) : undefined;
      if (ix === undefined) return -1;
      c[pos++] = ix;
    }
    return pos;
  }

  class Engine {
    #raw;
    #tables = null;
    #storedIds = null; // the stored ids, sorted; dropped whenever the store changes
    #codes = new Uint32Array(256);
    #strings = [];
    #codesAt = 0; #codesCap = 0; #codesView = null; // the scratch area for codes: address, size in words, view
    #bytesAt = 0; #bytesCap = 0; #bytesView = null; // and for strings

    /** @param {object | string} model */
    constructor(model) {
      this.#raw = new RawEngine(model);
    }

    #ids() {
      return this.#tables ?? this.#loadTables();
    }

    #loadTables() {
      const t = JSON.parse(this.#raw.idTables());
      const users = new Map();
      t.users.forEach((id, i) => users.set(id, i));
      const principals = new Map(users);
      t.groups.forEach((id, i) => principals.set(id, t.users.length + i));
      const modules = new Map();
      t.modules.forEach((name, i) => modules.set(name, i));
      const workspaces = new Map();
      t.workspaces.forEach((id, i) => workspaces.set(id, i));
      return (this.#tables = { users, principals, modules, workspaces });
    }

    #grow(need) {
      if (need > this.#codes.length) {
        const next = new Uint32Array(Math.max(need, this.#codes.length * 2));
        next.set(this.#codes);
        this.#codes = next;
      }
    }

    // Writes one record at `at`; returns where the next starts, or -1 when the
    // record needs the strict path.
    #encode(rec, at, t) {
      if (typeof rec !== "object" || rec === null || Array.isArray(rec) || typeof rec.toJSON === "function") return -1;
      let module = NONE, owner = NONE, createdBy = NONE, parent = NONE, company = NONE, type = NONE;
      let am, ws, asg, par, aud; // the list arrays, as given
      for (const key in rec) {
        if (!hasOwn(rec, key)) continue; // inherited: JSON.stringify leaves it out too
        const v = rec[key];
        if (v === undefined) continue; // JSON.stringify leaves it out
        switch (key) {
          case "id":
            if (v !== null && (typeof v !== "string" || v === "" || !wellFormed(v))) return -1;
            break;
          case "module": {
            const m = typeof v === "string" ? t.modules.get(v) : undefined;
            if (m === undefined) return -1;
            module = m;
            break;
          }
          case "owner": {
            if (v === null) break;
            const p = typeof v === "string" ? t.principals.get(v) : undefined;
            if (p === undefined) return -1;
            owner = p;
            break;
          }
          case "createdBy": {
            if (v === null) break;
            const u = typeof v === "string" ? t.users.get(v) : undefined;
            if (u === undefined) return -1;
            createdBy = u;
            break;
          }
          case "parent":
          case "company":
          case "type": {
            if (v === null) break;
            if (typeof v !== "string" || (v === "" && key !== "type") || v.includes("\0") || !wellFormed(v)) return -1;
            const s = this.#strings.push(v) - 1;
            if (key === "parent") parent = s;
            else if (key === "company") company = s;
            else type = s;
            break;
          }
          case "accountManagers":
          case "workspaces":
          case "assignees":
          case "participants":
          case "auditors":
            if (!Array.isArray(v) || typeof v.toJSON === "function") return -1;
            if (key === "accountManagers") am = v;
            else if (key === "workspaces") ws = v;
            else if (key === "assignees") asg = v;
            else if (key === "participants") par = v;
            else aud = v;
            break;
          case "fields": {
            // Decisions never read field values, but a value JSON cannot hold
            // (a BigInt, a cycle) must fail here as it fails on the strict path,
            // and so must text that is not well-formed Unicode.
            if (typeof v !== "object" || v === null || Array.isArray(v) || typeof v.toJSON === "function") return -1;
            for (const f in v) {
              if (!hasOwn(v, f)) continue;
              const x = v[f];
              const tx = typeof x;
              if (tx === "undefined" || tx === "function" || tx === "symbol") continue; // JSON.stringify drops these
              if (!wellFormed(f)) return -1;
              if (x === null || tx === "number" || tx === "boolean") continue;
              if (tx === "string") {
                if (!wellFormed(x)) return -1;
                continue;
              }
              // throws for BigInts and cycles; escapes only lone surrogates as \udXXX
              if (LONE_SURROGATE.test(JSON.stringify(x) ?? "")) return -1;
            }
            break;
          }
          default:
            return -1; // an unknown key: the strict path reports it
        }
      }
      if (module === NONE) return -1;
      const n = (am ? am.length : 0) + (ws ? ws.length : 0) + (asg ? asg.length : 0) + (par ? par.length : 0) + (aud ? aud.length : 0);
      this.#grow(at + HEADER + n);
      const c = this.#codes;
      c[at] = module; c[at + 1] = owner; c[at + 2] = createdBy;
      c[at + 3] = parent; c[at + 4] = company; c[at + 5] = type;
      let pos = at + HEADER;
      if (n === 0) {
        c[at + 6] = c[at + 7] = c[at + 8] = c[at + 9] = c[at + 10] = 0;
        return pos;
      }
      if ((pos = putList(c, at + 6, pos, am, t.users)) < 0) return -1;
      if ((pos = putList(c, at + 7, pos, ws, t.workspaces)) < 0) return -1;
      if ((pos = putList(c, at + 8, pos, asg, t.users)) < 0) return -1;
      if ((pos = putList(c, at + 9, pos, par, t.users)) < 0) return -1;
      return putList(c, at + 10, pos, aud, t.users);
    }

    // Encodes one record; returns the end position, or -1 for the strict path.
    #encodeOne(record, t) {
      this.#strings.length = 0;
      try {
        return this.#encode(record, 0, t);
      } catch {
        return -1; // a throwing getter and the like: the strict path reports it
      }
    }

    // Encodes records; returns the end position, or -1 for the strict path.
    #encodeAll(records, t) {
      this.#strings.length = 0;
      let at = 0;
      try {
        for (let i = 0; i < records.length; i++) {
          at = this.#encode(records[i], at, t);
          if (at < 0) return -1;
        }
      } catch {
        return -1; // a throwing getter and the like: the strict path reports it
      }
      return at;
    }

    // Makes the scratch areas hold at least `words` codes and `bytes` bytes.
    // This may grow the wasm memory, which detaches every view of it: views are
    // made afresh (below) whenever theirs has length 0.
    #reserve(words, bytes) {
      if (words > this.#codesCap) {
        this.#codesCap = Math.max(words, 2 * this.#codesCap, 64);
        this.#codesAt = this.#raw.scratchCodes(this.#codesCap);
        this.#codesView = null;
      }
      if (bytes > this.#bytesCap) {
        this.#bytesCap = Math.max(bytes, 2 * this.#bytesCap, 256);
        this.#bytesAt = this.#raw.scratchBytes(this.#bytesCap);
        this.#bytesView = null;
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
    #send(end) {
      // terminated, so that a lone "" is still one string
      const text = this.#strings.length > 0 ? this.#strings.join("\0") + "\0" : "";
      this.#reserve(end, 3 * text.length);
      const cv = this.#codeView();
      if (end <= 64) for (let i = 0; i < end; i++) cv[i] = this.#codes[i];
      else cv.set(end === this.#codes.length ? this.#codes : this.#codes.subarray(0, end));
      return text === "" ? 0 : utf8.encodeInto(text, this.#byteView()).written;
    }

    // Writes a record id into the scratch bytes; returns its length in bytes,
    // or -1 when the strict path should take it (not well-formed, or very long).
    #sendId(id) {
      const len = id.length;
      if (len <= SHORT_ID) {
        this.#reserve(0, SHORT_ID);
        const v = this.#byteView();
        let i = 0;
        for (; i < len; i++) {
          const ch = id.charCodeAt(i);
          if (ch > 0x7f) break;
          v[i] = ch;
        }
        if (i === len) return len; // ASCII: well-formed, one byte per unit
      } else if (len > 4096) return -1;
      if (!wellFormed(id)) return -1;
      this.#reserve(0, 3 * len);
      return utf8.encodeInto(id, this.#byteView()).written;
    }

    // The user's and the action's indexes, or undefined for the strict path.
    #who(user, action) {
      if (typeof user !== "string" || typeof action !== "string") return undefined;
      const t = this.#ids();
      const ui = t.users.get(user);
      const ai = ACTIONS.get(action);
      return ui === undefined || ai === undefined ? undefined : [ui, ai, t]; // a user found is well-formed
    }

    putRecords(records) { this.#storedIds = null; this.#raw.putRecords(records); }
    removeRecords(ids) { this.#storedIds = null; this.#raw.removeRecords(ids); }
    recordCount() { return this.#raw.recordCount(); }

    decide(user, action, record) {
      const w = this.#who(user, action);
      if (w !== undefined) {
        if (typeof record === "string") {
          if (wellFormed(record)) return JSON.parse(this.#raw.decideAt(w[0], w[1], record));
        } else {
          const end = this.#encodeOne(record, w[2]);
          if (end >= 0) return JSON.parse(this.#raw.decideScratch(w[0], w[1], end, this.#send(end)));
        }
      }
      return this.#raw.decide(user, action, record);
    }

    can(user, action, record) {
      if (typeof user === "string") {
        // A user id found in the table is one the engine knows, so well-formed.
        const t = this.#ids();
        const ui = t.users.get(user);
        const ai = ACTIONS.get(action);
        if (ui !== undefined && ai !== undefined) {
          let verdict = ASK_STRICT;
          if (typeof record === "string") {
            const n = this.#sendId(record);
            if (n >= 0) verdict = this.#raw.canStoredScratch(ui, ai, n);
          } else {
            const end = this.#encodeOne(record, t);
            if (end >= 0) verdict = this.#raw.canScratch(ui, ai, end, this.#send(end));
          }
          if (verdict !== ASK_STRICT) return verdict === ALLOWED;
        }
      }
      return this.#raw.can(user, action, record);
    }

    filter(user, records, action) {
      const w = this.#who(user, action === undefined ? "view" : action);
      if (w !== undefined && Array.isArray(records)) {
        const end = this.#encodeAll(records, w[2]);
        if (end >= 0) {
          const keep = this.#raw.filterScratch(w[0], w[1], end, this.#send(end));
          const out = [];
          for (let i = 0; i < keep.length; i++) if (keep[i] === 1) out.push(records[i]);
          return out;
        }
      }
      return this.#raw.filter(user, records, action);
    }

    filterStored(user, action) {
      const w = this.#who(user, action === undefined ? "view" : action);
      if (w === undefined) return this.#raw.filterStored(user, action);
      const mask = this.#raw.storedMask(w[0], w[1]);
      if (this.#storedIds === null || this.#storedIds.length !== mask.length) this.#storedIds = JSON.parse(this.#raw.storedIdsJson());
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
      if (!Array.isArray(ids)) throw new TypeError("prepare(ids): ids must be an array of stored record ids");
      const copy = ids.slice();
      return new StoredRecords(this, this.#raw, copy, (user) => (typeof user === "string" ? this.#ids().users.get(user) : undefined));
    }

    fieldAccess(user, module) { return this.#raw.fieldAccess(user, module); }
    mask(user, record) { return this.#raw.mask(user, record); }
    visibleUsers(user) { return this.#raw.visibleUsers(user); }
    canInvite(user, workspace) { return this.#raw.canInvite(user, workspace); }
    canCreateWorkspace(user) { return this.#raw.canCreateWorkspace(user); }
    canGrantAccess(user) { return this.#raw.canGrantAccess(user); }

    /** Releases the engine's memory now (it is also released when garbage collected). */
    free() { this.#tables = null; this.#codesView = this.#bytesView = null; this.#raw.free(); }
  }
  if (typeof Symbol.dispose === "symbol") Engine.prototype[Symbol.dispose] = Engine.prototype.free;

  // Stored records prepared by `Engine.prepare`: the ids' slots in the store,
  // looked up once. A slot is only trusted by the engine at the store epoch it
  // was looked up at (records move between slots only when one is removed);
  // otherwise the list looks its ids up again. Anything the fast call cannot
  // answer goes to `engine.can(user, action, id)`, which answers or throws.
  class StoredRecords {
    #engine; #raw; #ids; #userIndex;
    #slots = null; #epoch = -1;

    constructor(engine, raw, ids, userIndex) {
      this.#engine = engine;
      this.#raw = raw;
      this.#ids = ids;
      this.#userIndex = userIndex;
      this.#lookUp();
    }

    #lookUp() {
      this.#epoch = this.#raw.storeEpoch();
      this.#slots = this.#raw.slotsOf(JSON.stringify(this.#ids));
    }

    #row(row) {
      if (typeof row !== "number" || !Number.isInteger(row) || row < 0 || row >= this.#ids.length) {
        throw new RangeError(`row ${String(row)} is not a row of this list (0 to ${this.#ids.length - 1})`);
      }
      return this.#ids[row];
    }

    get length() { return this.#ids.length; }
    id(row) { return this.#row(row); }

    can(user, action, row) {
      const ui = this.#userIndex(user);
      const ai = ACTIONS.get(action);
      if (ui !== undefined && ai !== undefined && (row >>> 0) === row) {
        const slot = this.#slots[row];
        if (slot !== undefined && slot !== NONE) {
          let verdict = this.#raw.canSlot(ui, ai, slot, this.#epoch);
          if (verdict === ASK_STRICT && this.#raw.storeEpoch() !== this.#epoch) {
            this.#lookUp();
            const again = this.#slots[row];
            if (again !== NONE) verdict = this.#raw.canSlot(ui, ai, again, this.#epoch);
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
