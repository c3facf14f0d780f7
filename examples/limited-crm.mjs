// Limited CRM access, Teamleader-style: Fatima covers French accounts only. She
// sees the companies she is account manager of, and the contacts and deals that
// belong to them, while her colleague Ben sees everything that is public.
import { Engine } from "crm-access";
import { table, title } from "./show.mjs";

const all = { view: true, create: true, edit: true, delete: true };
export const model = {
  modules: [
    { name: "companies", defaultSharing: "publicReadWrite" },
    { name: "contacts", parent: "companies", defaultSharing: "publicReadWrite" },
    { name: "deals", parent: "companies", defaultSharing: "publicReadWrite" },
  ],
  limitedAccess: { companyModule: "companies", modules: ["companies", "contacts", "deals"], dealModule: "deals" },
  profiles: [{ id: "crm", modules: { companies: all, contacts: all, deals: all } }],
  users: [
    { id: "fatima", profiles: ["crm"], limitedCrm: true },
    { id: "ben", profiles: ["crm"] },
    { id: "dana", profiles: ["crm"], limitedDeals: true },
  ],
  records: [
    { id: "boulangerie", module: "companies", owner: "ben", accountManagers: ["fatima", "ben"] },
    { id: "brewery", module: "companies", owner: "ben", accountManagers: ["ben"] },
    { id: "marie", module: "contacts", owner: "ben", company: "boulangerie", parent: "boulangerie" },
    { id: "hans", module: "contacts", owner: "ben", company: "brewery", parent: "brewery" },
    { id: "oven-deal", module: "deals", owner: "dana", company: "boulangerie", parent: "boulangerie" },
    { id: "tap-deal", module: "deals", owner: "ben", company: "brewery", parent: "brewery" },
  ],
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const engine = new Engine(model);
  title("Limited CRM access (fatima) and limited deal access (dana)");
  table(engine, ["fatima", "dana", "ben"], ["boulangerie", "brewery", "marie", "hans", "oven-deal", "tap-deal"]);
  const draft = { module: "contacts", company: "brewery" };
  console.log(`\n  may fatima add a contact to the brewery? ${engine.can("fatima", "create", draft)}`);
}
