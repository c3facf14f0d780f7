// Types of crm-access's SQL layer (js/sql.js): plans to PostgreSQL WHERE conditions.

/** A scalar attribute of a record. */
export type PlanScalar = "id" | "owner" | "parent" | "company" | "createdBy" | "type";
/** A list attribute of a record. */
export type PlanListAttr = "accountManagers" | "auditors" | "assignees" | "participants" | "workspaces";

/** A condition on a record's attributes (no `not`: a NULL attribute never makes it true). */
export type PlanCondition =
  | { op: "and"; of: PlanCondition[] }
  | { op: "or"; of: PlanCondition[] }
  | { op: "in"; attr: PlanScalar; values: string[] }
  | { op: "isNull"; attr: PlanScalar }
  | { op: "none"; attr: PlanScalar | PlanListAttr; values: string[] }
  | { op: "overlaps"; attr: PlanListAttr; values: string[] }
  | { op: "always" }
  | { op: "never" }
  | { op: "shared"; principals: string[]; access: "read" | "readWrite" }
  | { op: "shared"; with: ({ user: string } | { group: string } | { role: string } | { roleAndSubordinates: string })[]; access: "read" | "readWrite" }
  | { op: "ref"; attr: "parent" | "company"; module: string; condition?: PlanCondition }
  | { op: "ref"; attr: "parent" | "company"; module: string; where: PlanCondition };

/** Which records of a module a user may view, edit or delete (`engine.plan`): the engine's
 * `{ module, where }` or the `{ kind, condition }` spelling. An empty `and` holds, an empty `or` does not. */
export type SqlPlan =
  | { module: string; where: PlanCondition; user?: string; action?: string }
  | { kind: "always"; module?: string }
  | { kind: "never"; module?: string }
  | { kind: "conditional"; condition: PlanCondition; module?: string };

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
