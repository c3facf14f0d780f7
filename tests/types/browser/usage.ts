// Type-checked (never run) by `tsc -p tests/types/browser`: the package's
// declarations in a strict browser project without skipLibCheck or
// ESNext.Disposable (issue 14.3).
import { Engine, isCrmAccessError, memoryBytes, reasonCodes, contractVersion, type CrmRecord, type FilterReport, type RejectedRecord, type Decision, type Reason } from "crm-access";

const engine = new Engine({ modules: [{ name: "deals" }], users: [{ id: "ann" }] });
type Deal = CrmRecord & { module: "deals" };
const deals: Deal[] = [{ module: "deals", owner: "ann" }];
// the action is optional where it defaults to view
const kept: CrmRecord[] = engine.filter("ann", deals);
const ids: string[] = engine.filterStored("ann");
const report: FilterReport<Deal> = engine.filterReport("ann", deals);
const firstKept: Deal | undefined = report.allowed[0];
const rejected: RejectedRecord<Deal>[] = engine.filterReport("ann", deals, "edit").rejected;
rejected.map((r) => `${r.index}: ${r.record.module} ${r.problems.map((p) => p.path).join()}`);
const d: Decision = engine.decide("ann", "view", "r1");
const reasons: Reason[] = d.reasons;
try {
  engine.can("ann", "view", "r1");
} catch (e: unknown) {
  if (isCrmAccessError(e)) {
    const code: string = e.code;
    e.problems.map((p) => p.path + p.message);
    void code;
  }
}
// Symbol.dispose comes from the package's own declaration here
engine[Symbol.dispose]();
const bytes: number = memoryBytes() + contractVersion;
const codes: string[] = reasonCodes();
// @ts-expect-error ids are strings
engine.can("ann", "view", 42);
// @ts-expect-error the action is an Action
engine.filter("ann", deals, "fly");
void [kept, ids, firstKept, bytes, codes];
