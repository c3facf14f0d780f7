// Types of crm-access/react (js/react.js). React's types come from @types/react.
import type { ReactNode } from "react";
import type { Action, CrmAccessError, Engine, FieldAccessMap, RecordArg } from "./index.js";

/** The question whose error `onError` receives, with the engine's `version` when it was asked. */
export type CrmAccessQuestion =
  | { hook: "useCan"; user: string; action: Action; record: RecordArg; version: number }
  | { hook: "useFieldAccess"; user: string; module: string; version: number };

export interface CrmAccessProviderProps {
  /** The engine the hooks ask; they render again after each of its changes. */
  engine: Engine;
  /** The id of the user the interface is for. */
  user: string;
  /**
   * Without it, a question that throws (unknown user, malformed record, freed
   * engine) throws during rendering, to the nearest error boundary. With it,
   * the error is handed here (during rendering: log it, do not set state) and
   * the answer is a denial: `useCan` false, `useFieldAccess` `{}`.
   */
  onError?: (error: CrmAccessError | Error, question: CrmAccessQuestion) => void;
  children?: ReactNode;
}

/** Makes the engine and the user available to the hooks and `<Can>` below it. */
export declare function CrmAccessProvider(props: CrmAccessProviderProps): ReactNode;

/** The provider's engine; the caller renders again after each change of it. */
export declare function useEngine(): Engine;

/** The id of the provider's user. */
export declare function useCrmUser(): string;

/** `engine.can(user, action, record)` for the provider's user, asked again after each change of the engine. */
export declare function useCan(action: Action, record: RecordArg): boolean;

/** `engine.fieldAccess(user, module)` for the provider's user, asked again after each change of the engine. */
export declare function useFieldAccess(module: string): FieldAccessMap;

export interface CanProps {
  action: Action;
  /** A stored record's id, or a record object. */
  record: RecordArg;
  /** What renders when the answer is no (default: nothing). Not used with function children. */
  fallback?: ReactNode;
  /** What renders when the answer is yes; or a function of the answer. */
  children?: ReactNode | ((allowed: boolean) => ReactNode);
}

/** Renders `children` when the provider's user may do `action` on `record`, `fallback` otherwise. */
export declare function Can(props: CanProps): ReactNode;
