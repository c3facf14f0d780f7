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
  const hasOwn = Object.hasOwn ?? ((o, k) => Object.prototype.hasOwnProperty.call(o, k));
  const HEADER = 11;
  const LONE_SURROGATE = /\\u[dD][89a-fA-F]/; // how JSON.stringify writes a lone surrogate
  const wellFormed = typeof String.prototype.isWellFormed === "function" ? (s) => s.isWellFormed() : () => true;
  const memory = wasmMemory();
  const utf8 = new TextEncoder();

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
      if (this.#tables === null) {
        const t = JSON.parse(this.#raw.idTables());
        const users = new Map();
        t.users.forEach((id, i) => users.set(id, i));
        const principals = new Map(users);
        t.groups.forEach((id, i) => principals.set(id, t.users.length + i));
        const modules = new Map();
        t.modules.forEach((name, i) => modules.set(name, i));
        const workspaces = new Map();
        t.workspaces.forEach((id, i) => workspaces.set(id, i));
        this.#tables = { users, principals, modules, workspaces };
      }
      return this.#tables;
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
      const lists = [am, ws, asg, par, aud];
      for (let k = 0; k < 5; k++) {
        const l = lists[k];
        const len = l === undefined ? 0 : l.length;
        c[at + 6 + k] = len;
        const table = k === 1 ? t.workspaces : t.users;
        for (let i = 0; i < len; i++) {
          const x = l[i];
          const ix = typeof x === "string" ? table.get(x) : undefined;
          if (ix === undefined) return -1;
          c[pos++] = ix;
        }
      }
      return pos;
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

    // Makes the scratch bytes hold at least `n` bytes (this may grow wasm memory).
    #roomForText(n) {
      if (n > this.#bytesCap) {
        this.#bytesCap = Math.max(n, 2 * this.#bytesCap, 256);
        this.#bytesAt = this.#raw.scratchBytes(this.#bytesCap);
        this.#bytesView = null;
      }
    }

    // Writes text into the scratch bytes made room for; returns its length in
    // bytes. `buffer` is the memory's buffer read after the last call that may
    // have grown it.
    #writeText(text, buffer) {
      if (this.#bytesView === null || this.#bytesView.buffer !== buffer) this.#bytesView = new Uint8Array(buffer, this.#bytesAt, this.#bytesCap);
      return utf8.encodeInto(text, this.#bytesView).written;
    }

    // Copies the encoded records (codes[0..end]) and their strings into the
    // engine's scratch area; returns the number of string bytes written.
    #send(end) {
      if (end > this.#codesCap) {
        this.#codesCap = Math.max(end, 2 * this.#codesCap, 64);
        this.#codesAt = this.#raw.scratchCodes(this.#codesCap);
        this.#codesView = null;
      }
      // terminated, so that a lone "" is still one string
      const text = this.#strings.length > 0 ? this.#strings.join("\0") + "\0" : "";
      if (text !== "") this.#roomForText(3 * text.length);
      const buffer = memory.buffer; // read after the calls above: they may grow the memory
      if (this.#codesView === null || this.#codesView.buffer !== buffer) this.#codesView = new Uint32Array(buffer, this.#codesAt, this.#codesCap);
      this.#codesView.set(end === this.#codes.length ? this.#codes : this.#codes.subarray(0, end));
      return text === "" ? 0 : this.#writeText(text, buffer);
    }

    // Writes one string (a record id) into the scratch bytes; returns its length
    // in bytes, or -1 for a very long id that does not fit (the caller uses the glue).
    #sendId(id) {
      if (3 * id.length > this.#bytesCap && id.length > 4096) return -1;
      this.#roomForText(3 * id.length);
      return this.#writeText(id, memory.buffer);
    }

    // The user's and the action's indexes, or undefined for the strict path.
    #who(user, action) {
      if (typeof user !== "string" || typeof action !== "string") return undefined;
      const t = this.#ids();
      const ui = t.users.get(user);
      const ai = ACTIONS.get(action);
      return ui === undefined || ai === undefined || !wellFormed(user) ? undefined : [ui, ai, t];
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
          const end = this.#encodeAll([record], w[2]);
          if (end >= 0) return JSON.parse(this.#raw.decideScratch(w[0], w[1], end, this.#send(end)));
        }
      }
      return this.#raw.decide(user, action, record);
    }

    can(user, action, record) {
      const w = this.#who(user, action);
      if (w !== undefined) {
        if (typeof record === "string") {
          if (wellFormed(record)) {
            const n = this.#sendId(record);
            return n >= 0 ? this.#raw.canStoredScratch(w[0], w[1], n) : this.#raw.canAt(w[0], w[1], record);
          }
        } else {
          const end = this.#encodeAll([record], w[2]);
          if (end >= 0) return this.#raw.canScratch(w[0], w[1], end, this.#send(end));
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
  return Engine;
}
