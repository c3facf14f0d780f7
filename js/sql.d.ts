// Types of crm-access's SQL layer (js/sql.js): plans to PostgreSQL WHERE conditions.

import type { Plan, Condition, ScalarAttr, ListAttr } from "./crm_access_full.js";

/** A scalar attribute of a record: the engine's `ScalarAttr`. */
export type PlanScalar = ScalarAttr;
/** A list attribute of a record: the engine's `ListAttr`. */
export type PlanListAttr = ListAttr;

/** A condition of a plan: the very type `engine.plan` returns conditions in (`Condition`,
 * generated from the Rust type). No `not`: a NULL attribute never makes a condition true. */
export type PlanCondition = Condition;

/** What `toSql` takes: a plan as `engine.plan(user, action, module)` returns it (`Plan`),
 * optionally carrying its module (otherwise pass `{ module }` to `toSql`). */
export type SqlPlan = Plan & { module?: string };

/** A list attribute kept in a link table: one row (idColumn = record id, valueColumn = element) per element. */
export interface LinkTable {
  linkTable: string | string[];
  idColumn: string;
  valueColumn: string;
}

/** Where each attribute lives: a column name, or for lists a text[] column or a link table. */
export interface LayoutColumns {
  id?: string;
  owner?: string;
  parent?: string;
  company?: string;
  createdBy?: string;
  type?: string;
  accountManagers?: string | LinkTable;
  auditors?: string | LinkTable;
  assignees?: string | LinkTable;
  participants?: string | LinkTable;
  workspaces?: string | LinkTable;
  /** Principal keys ("user:ID", "group:ID", "role:ID", "roleAndSubordinates:ID") of every sharedWith entry. */
  sharedRead?: string | LinkTable;
  /** Principal keys of the readWrite sharedWith entries. */
  sharedWrite?: string | LinkTable;
}

/** One table holding the records of one module (or of all, with `moduleColumn`). */
export interface LayoutTable {
  /** A table name, or [schema, table]. */
  table: string | string[];
  /** The column naming each row's module, when the table holds several modules. */
  moduleColumn?: string;
  columns: LayoutColumns;
}

/** How records are stored: one table for every module, or a table per module. */
export type Layout =
  | { table: string | string[]; moduleColumn: string; columns?: LayoutColumns }
  | { tables: { [module: string]: LayoutTable } };

export interface ToSqlOptions {
  /** Only "postgres". */
  dialect?: "postgres";
  /** The plan's module (needed unless the plan carries `module`). */
  module?: string;
  /** The alias of the listed table in `from` and `where` (default "x"). */
  alias?: string;
  /** The number of the first placeholder (default 1), after the caller's own params. */
  startParam?: number;
}

export interface SqlWhere {
  /** A condition on the alias, with the module restriction: `SELECT … FROM ${from} WHERE ${where}`. */
  where: string;
  /** The values of $startParam, $startParam+1, … (strings and string arrays, sent as text / text[]). */
  params: (string | string[])[];
  /** `"table" "x"`. */
  from: string;
}

/** The plan as a PostgreSQL WHERE condition, every id and value a parameter. Throws (code "sql-layout") when the layout lacks a column the plan needs. */
export declare function toSql(plan: SqlPlan, layout?: Layout, options?: ToSqlOptions): SqlWhere;

/** A row of the default layout (`postgresSchema()`). */
export interface CrmRow {
  id: string | null;
  module: string;
  owner: string | null;
  parent: string | null;
  company: string | null;
  created_by: string | null;
  type: string | null;
  account_managers: string[];
  auditors: string[];
  assignees: string[];
  participants: string[];
  workspaces: string[];
  shared_read: string[];
  shared_write: string[];
  /** The record's fields, as JSON text. */
  fields: string;
}

/** A record (the package's record JSON) as a row of the default layout. */
export declare function toRow(record: { id?: string | null; module: string; [key: string]: unknown }): CrmRow;
/** `toRow` of each record. */
export declare function toRows(records: Iterable<{ id?: string | null; module: string; [key: string]: unknown }>): CrmRow[];
/** The columns of a `CrmRow`, in the order of `postgresSchema()`. */
export declare const rowColumns: readonly (keyof CrmRow)[];
/** The default layout: table crm_records, column module. */
export declare const defaultLayout: Layout;
/** The DDL of the default layout, indexes included. */
export declare function postgresSchema(options?: { table?: string }): string;
/** A quoted PostgreSQL identifier ("a""b"); an array gives "schema"."table". */
export declare function quoteIdent(name: string | string[]): string;
