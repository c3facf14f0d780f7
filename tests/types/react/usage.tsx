// Type-checked (never run) by `tsc -p tests/types/react`: crm-access/react's
// declarations accept correct use and reject wrong use.
import { Engine, type FieldAccessMap, type FieldLevel } from "crm-access";
import { CrmAccessProvider, Can, useCan, useCrmUser, useEngine, useFieldAccess, type CanProps, type CrmAccessQuestion } from "crm-access/react";
import type { ReactNode } from "react";

const engine = new Engine({
  modules: [{ name: "deals", fields: ["amount"] }],
  profiles: [{ id: "sales", modules: { deals: { view: true, edit: true } } }],
  users: [{ id: "ann", profiles: ["sales"] }],
});

function Deal({ id }: { id: string }) {
  const canEdit: boolean = useCan("edit", id);
  const canView: boolean = useCan("view", { module: "deals", owner: "ann" });
  const fields: FieldAccessMap = useFieldAccess("deals");
  const amount: FieldLevel | undefined = fields.amount;
  const e: Engine = useEngine();
  const user: string = useCrmUser();
  return <p title={`${user} ${e.version} ${amount}`}>{canView && canEdit ? "edit" : "read"}</p>;
}

function BadDeal() {
  // @ts-expect-error: not an action
  useCan("approve", "d1");
  // @ts-expect-error: a record is an id or a record object
  useCan("view", 3);
  // @ts-expect-error: a module name
  useFieldAccess(["deals"]);
  return null;
}

const log = (error: Error, question: CrmAccessQuestion) => console.warn(error.message, question.hook, question.user, question.version);
const props: CanProps = { action: "view", record: "d1", fallback: <i>no</i> };

export const app: ReactNode = (
  <CrmAccessProvider engine={engine} user="ann" onError={log}>
    <Can action="view" record="d1" fallback={<span>no access</span>}>
      <Deal id="d1" />
    </Can>
    <Can action="edit" record={{ module: "deals", owner: "ann" }}>{(allowed) => (allowed ? "may edit" : "may not edit")}</Can>
    <Can {...props}>yes</Can>
    <BadDeal />
    {/* @ts-expect-error: Can needs a record */}
    <Can action="view">x</Can>
  </CrmAccessProvider>
);

// @ts-expect-error: the provider needs a user
const noUser = <CrmAccessProvider engine={engine}>x</CrmAccessProvider>;
// @ts-expect-error: the provider needs an engine
const noEngine = <CrmAccessProvider user="ann">x</CrmAccessProvider>;
void [noUser, noEngine];
