// crm-access/react: React bindings of the engine (React >= 18, an optional
// peer dependency: only this entry imports it).
//
// The engine comes in through the provider's props, never through an import
// of crm-access, so this file works with any entry of the package (browser,
// Node require or import) and adds no second copy of the WebAssembly module.
//
// Every hook reads `engine.version` through useSyncExternalStore with
// `engine.subscribe`, so a component that asks a question renders again after
// each change of the engine (putRecords, removeRecords, a model change, free)
// and never shows an answer older than the engine it asked.
//
// Errors (an unknown user, a malformed record, a freed engine): by default the
// question's error is thrown during rendering, as any React error, and reaches
// the nearest error boundary; nothing under the component that asked renders.
// With `onError` on the provider, the error is handed to it instead and the
// answer is a denial: `useCan` and `<Can>` answer false (the fallback renders),
// `useFieldAccess` an empty map (no field is visible). Protected children never
// render when the question threw.
import * as React from "react";

const { createContext, createElement, useCallback, useContext, useMemo, useSyncExternalStore } = React;

const Context = createContext(null);
Context.displayName = "CrmAccess";

function checkEngine(engine) {
  if (typeof engine !== "object" || engine === null || typeof engine.subscribe !== "function" || typeof engine.can !== "function") {
    throw new TypeError("crm-access/react: <CrmAccessProvider engine={…}> needs a crm-access Engine (one with subscribe and can)");
  }
}

/**
 * Makes `engine` and the id of the user the interface is for available to the
 * hooks and `<Can>` below it. `onError(error, question)`, if given, receives
 * the errors of questions (which then answer as a denial) instead of their
 * being thrown during rendering.
 */
export function CrmAccessProvider({ engine, user, onError, children }) {
  checkEngine(engine);
  if (typeof user !== "string") throw new TypeError("crm-access/react: <CrmAccessProvider user={…}> needs the user's id (a string)");
  if (onError !== undefined && typeof onError !== "function") throw new TypeError("crm-access/react: <CrmAccessProvider onError={…}> must be a function");
  // One value per (engine, user, onError), so consumers re-render only when one of them changes.
  // (A provider inside another takes over for its subtree.)
  const value = useMemo(() => ({ engine, user, onError }), [engine, user, onError]);
  return createElement(Context.Provider, { value }, children);
}

function useCrmAccess(hook) {
  const ctx = useContext(Context);
  if (ctx === null) throw new Error(`crm-access/react: ${hook} must be used inside <CrmAccessProvider>`);
  return ctx;
}

// The engine's version, read so that the caller renders again after each change.
// A freed (or lost) engine will not change again and refuses subscribers: then
// there is nothing to listen to, and the questions themselves report the error.
const nothing = () => {};
function useEngineVersion(engine) {
  const subscribe = useCallback((onChange) => {
    try {
      return engine.subscribe(onChange);
    } catch {
      return nothing;
    }
  }, [engine]);
  const version = useCallback(() => engine.version, [engine]);
  return useSyncExternalStore(subscribe, version, version);
}

// Runs a question; an error goes to onError (answer: `denied`) or is thrown.
function ask(ctx, question, run, denied) {
  try {
    return run();
  } catch (e) {
    if (ctx.onError === undefined) throw e;
    ctx.onError(e, question);
    return denied;
  }
}

/** The provider's engine; the caller renders again after each change of it. */
export function useEngine() {
  const ctx = useCrmAccess("useEngine()");
  useEngineVersion(ctx.engine);
  return ctx.engine;
}

/** The id of the provider's user. */
export function useCrmUser() {
  return useCrmAccess("useCrmUser()").user;
}

/**
 * `engine.can(user, action, record)` for the provider's user, asked again
 * after each change of the engine. `record`: a stored record's id or a record object.
 */
export function useCan(action, record) {
  const ctx = useCrmAccess("useCan()");
  const version = useEngineVersion(ctx.engine);
  return ask(ctx, { hook: "useCan", user: ctx.user, action, record, version }, () => ctx.engine.can(ctx.user, action, record), false) === true;
}

/**
 * `engine.fieldAccess(user, module)` for the provider's user: what they may do
 * with each field of the module, asked again after each change of the engine.
 */
export function useFieldAccess(module) {
  const ctx = useCrmAccess("useFieldAccess()");
  const version = useEngineVersion(ctx.engine);
  // The same object until the engine, the user or the module changes (so it may be an effect's dependency).
  return useMemo(
    () => ask(ctx, { hook: "useFieldAccess", user: ctx.user, module, version }, () => ctx.engine.fieldAccess(ctx.user, module), NO_FIELDS),
    [ctx, module, version],
  );
}
const NO_FIELDS = Object.freeze({});

/**
 * Renders `children` when the provider's user may do `action` on `record`,
 * `fallback` (default: nothing) otherwise. `children` may be a function,
 * called with the answer (true or false); then `fallback` is not used.
 */
export function Can({ action, record, fallback = null, children }) {
  const allowed = useCan(action, record);
  if (typeof children === "function") return children(allowed);
  return allowed ? (children ?? null) : fallback;
}
