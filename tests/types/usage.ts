// Type-checked (never run) by `tsc -p tests/types`: the declarations generated
// from the Rust types must accept correct use and reject wrong use.
import { Engine, contractVersion, type Model, type CrmRecord, type Decision, type FieldAccessMap, type CrmAccessError, type Access, type StoredRecords, type UpdateDecision, type Reason, type Plan, type Condition, type WhoCan, type Explanation, type Grant, type Suggestion, type ModelEdit, type SliceOptions } from "crm-access";

const model: Model = {
  modules: [{ name: "companies", defaultSharing: "publicRead" }, { name: "deals", parent: "companies", fields: ["amount"] }],
  roles: [{ id: "boss", profiles: ["sales"] }, { id: "rep", parent: "boss" }],
  profiles: [{ id: "sales", modules: { deals: { view: true, edit: true, fields: { amount: "readOnly" } } } }],
  groups: [{ id: "g", members: [{ user: "ann" }, { roleAndSubordinates: "boss" }] }],
  users: [{ id: "ann", role: "boss" }, { id: "ext", external: true, company: null, recordTypes: ["meeting"] }],
  workspaces: [{ id: "w", owner: "ann", members: [{ user: "ext", readOnly: true }], externalVisibility: "participating" }],
  sharingRules: [{ id: "r", module: "companies", from: { role: "rep" }, to: { group: "g" }, access: "read", related: { deals: "readWrite" } }],
  limitedAccess: null,
  records: [{ id: "c1", module: "companies", owner: "ann" }],
};

const engine = new Engine(model);
const record: CrmRecord = { module: "deals", owner: "ann", fields: { amount: 3 } };
const decision: Decision = engine.decide("ann", "edit", record);
const level: Access = decision.access;
const ok: boolean = engine.can("ann", "view", "c1") && decision.readOnly;
const kept: CrmRecord[] = engine.filter("ann", [record], "delete");
const fields: FieldAccessMap = engine.fieldAccess("ann", "deals");
const visible: string[] = engine.visibleUsers("ann");
engine.putRecords([{ id: "d1", module: "deals", parent: "c1" }]);
engine.removeRecords(["d1"]);
const canInvite: boolean = engine.canInvite("ann", "w") && engine.canCreateWorkspace("ann") && engine.canGrantAccess("ann");
const reasons: string[] = decision.reasons;
try { new Engine("{}"); } catch (e) { const problems = (e as CrmAccessError).problems; problems.map((p) => p.path + p.message); }
const list: StoredRecords = engine.prepare(["c1"]);
const rowOk: boolean = list.can("ann", "view", 0);
const rowWhy: Decision = list.decide("ann", "edit", 0);
const rowId: string = list.id(0);
const rows: number = list.length;
// contract v2 (§4, §5, §3.9)
const version: number = contractVersion;
const share: boolean = engine.canShare("ann", "c1") && engine.canShare("ann", record);
const spaces: string[] = engine.workspacesOf("ann");
const recordFields: FieldAccessMap = engine.recordFieldAccess("ann", "c1");
const recordFields2: FieldAccessMap = engine.recordFieldAccess("ann", record);
const update: UpdateDecision = engine.decideUpdate("ann", "c1", { id: "c1", module: "companies", owner: "ann" });
const update2: UpdateDecision = engine.decideUpdate("ann", record, { ...record, fields: { amount: 4 } });
const updateOk: boolean = update.allowed;
const updateWhy: Reason[] = update2.reasons;
engine.free();
void [level, ok, kept, fields, visible, canInvite, reasons, rowOk, rowWhy, rowId, rows, version, share, spaces, recordFields, recordFields2, updateOk, updateWhy];

// Wrong use must not type-check:
// @ts-expect-error: unknown action
engine.decide("ann", "steal", "c1");
// @ts-expect-error: unknown key on a module (a typo)
const typo: Model = { modules: [{ name: "m", defaultSharng: "private" }], users: [] };
// @ts-expect-error: bad enum value
const badEnum: Model = { modules: [{ name: "m", defaultSharing: "open" }], users: [] };
// @ts-expect-error: users are required
const noUsers: Model = { modules: [{ name: "m" }] };
// @ts-expect-error: a group member takes one of four keys
const badMember: Model = { modules: [], users: [], groups: [{ id: "g", members: [{ person: "ann" }] }] };
// @ts-expect-error: a row is a number, not an id
list.can("ann", "view", "c1");
// @ts-expect-error: prepare takes ids
engine.prepare([{ id: "c1" }]);
// @ts-expect-error: after is a record object, not an id
engine.decideUpdate("ann", "c1", "c1");
// @ts-expect-error: workspacesOf takes a user id
engine.workspacesOf(["ann"]);
const plan: Plan = engine.plan("ann", "view", "deals");
if (plan.kind === "conditional") {
  const where: Condition = plan.condition;
  if (where.op === "ref") { const inner: Condition | undefined = where.condition; void inner; }
  if (where.op === "in") { const attr: "id" | "owner" | "createdBy" | "type" | "parent" | "company" = where.attr; void attr; }
  if (where.op === "shared") { const keys: string[] = where.principals; void keys; }
}
// whoCan and explain (issue 12)
const who: WhoCan[] = engine.whoCan("view", "c1");
const whoLevel: Access = who[0].access;
const whoUser: string = who[0].user;
const x: Explanation = engine.explain("ann", "edit", record);
const xDecision: Decision = x.decision;
const firstGrant: Grant | undefined = x.grants[0];
if (firstGrant) {
  const why: Reason = firstGrant.reason;
  const roles: string[] | undefined = firstGrant.path.roles;
  const ruleFrom: string | undefined = firstGrant.path.rule?.from.id;
  const parentGrants: Grant[] | undefined = firstGrant.path.parents?.[0]?.grants;
  void [why, roles, ruleFrom, parentGrants];
}
const s: Suggestion | undefined = x.suggestions[0];
const changes: ModelEdit[] = s ? s.changes : [];
const changeKind: string | undefined = changes[0]?.kind;
void [whoLevel, whoUser, xDecision, changeKind];
// @ts-expect-error: whoCan takes the action first
engine.whoCan("c1", "view", "ann");
// @ts-expect-error: an entry of whoCan has no reasons
const noReasons = who[0].reasons;
// @ts-expect-error: explain takes an action
engine.explain("ann", "fly", "c1");
// @ts-expect-error: a change is set, add or put
const badOp: ModelEdit["op"] = "remove";
// @ts-expect-error: plan takes a module name
engine.plan("ann", "view", 3);
// @ts-expect-error: a condition has an op
const noOp: Condition = { attr: "owner", values: [] };
// @ts-expect-error: an update decision has no access
const noAccess: Access = update.access;
void [typo, badEnum, noUsers, badMember, noAccess, noOp, noReasons, badOp];

// Live changes (issue 12): apply a typed batch, ask what one would do.
import type { Change, Impact, ImpactOptions, AccessChange } from "crm-access";
const batch: Change[] = [
  { op: "put", kind: "user", value: { id: "cat", role: "rep" } },
  { op: "put", kind: "sharingRule", value: { id: "r9", module: "deals", from: { role: "rep" }, to: { group: "team" }, access: "read" } },
  { op: "remove", kind: "record", id: "d1" },
];
const options: ImpactOptions = { limit: 10, users: ["ann"], modules: ["deals"] };
const impact: Impact = engine.impact(batch, options);
const first: AccessChange | undefined = impact.changes[0];
const flipped: boolean | undefined = first && first.before !== first.after;
const counted: number = impact.total.gained + impact.total.lost + (impact.byUser["ann"]?.gained ?? 0) + (impact.byModule["deals"]?.lost ?? 0);
const cut: boolean = impact.truncated;
engine.apply(batch);
const plain: Impact = engine.impact(batch);
void plain;
// @ts-expect-error: a put needs a value of its kind
engine.apply([{ op: "put", kind: "user", value: { module: "deals" } }]);
// @ts-expect-error: a remove names an id
engine.apply([{ op: "remove", kind: "role" }]);
void flipped, counted, cut;

// The SQL layer: plans to PostgreSQL WHERE conditions.
import { toSql, toRow, postgresSchema, defaultLayout, type SqlPlan, type PlanCondition, type Layout, type SqlWhere } from "crm-access";
// SqlPlan and PlanCondition are the engine's own Plan and Condition: a plan goes to toSql as it is
const sqlPlan: SqlPlan = engine.plan("ann", "view", "deals");
const withModule: SqlPlan = { kind: "conditional", module: "deals", condition: { op: "or", of: [{ op: "in", attr: "owner", values: ["u"] }, { op: "ref", attr: "parent", module: "companies", condition: { op: "shared", principals: ["user:u"], access: "read" } }] } };
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const sameCondition: Same<PlanCondition, Condition> = true;
const backToPlan: Plan = withModule;
void [sameCondition, backToPlan];
// @ts-expect-error: a condition of the plan format has no `not`
const notOp: PlanCondition = { op: "not", of: [] };
void notOp;
const ownLayout: Layout = { tables: { deals: { table: ["crm", "deals"], columns: { id: "id", owner: "owner_id", assignees: { linkTable: "deal_assignees", idColumn: "deal_id", valueColumn: "user_id" } } } } };
const sqlWhere: SqlWhere = toSql(sqlPlan, ownLayout, { module: "deals", startParam: 2 });
const sqlText: string = `SELECT * FROM ${sqlWhere.from} WHERE ${sqlWhere.where}` + postgresSchema() + toRow({ id: "d", module: "deals" }).fields;
void sqlText;
void defaultLayout;
// @ts-expect-error: an unknown op
toSql({ kind: "conditional", condition: { op: "not", of: [] } }, undefined, { module: "deals" });

// Change notification (engine.subscribe, engine.version).
const changeCount: number = engine.version;
const stopListening: () => void = engine.subscribe(() => { void engine.version; });
stopListening();
void changeCount;
// @ts-expect-error: version is read-only
engine.version = 3;
// @ts-expect-error: a listener is a function
engine.subscribe("changed");
// sliceFor (issue 13): a model by default, its JSON text with { json: true }.
const slice: Model = engine.sliceFor("ann");
const sliceText: string = engine.sliceFor("ann", { json: true });
const sliceOptions: SliceOptions = { json: false };
const either: Model | string = engine.sliceFor("ann", sliceOptions);
const mine = new Engine(slice);
const forAnn: string | null | undefined = slice.sliceFor;
void [sliceText, either, mine, forAnn];
// @ts-expect-error: the text is not a model
const wrongSlice: Model = engine.sliceFor("ann", { json: true });
// @ts-expect-error: json is a boolean
engine.sliceFor("ann", { json: "yes" });
