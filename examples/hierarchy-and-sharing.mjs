// A sales organisation, vtiger-style: a role tree, private deals, a public
// company list, a sharing rule that lets support read the deals of Europe, and
// related sharing that extends it to the quotes under those deals.
import { Engine } from "crm-access";
import { table, title } from "./show.mjs";

const all = { view: true, create: true, edit: true, delete: true };
export const model = {
  modules: [
    { name: "companies", defaultSharing: "publicRead" },
    { name: "deals", parent: "companies" },
    { name: "quotes", parent: "deals", fields: ["total", "discount", "internalNotes"] },
  ],
  roles: [
    { id: "ceo", profiles: ["sales"] },
    { id: "head-europe", parent: "ceo", profiles: ["sales"] },
    { id: "rep-europe", parent: "head-europe", profiles: ["sales"] },
    { id: "support", parent: "ceo", profiles: ["support"] },
  ],
  profiles: [
    { id: "sales", modules: { companies: all, deals: all, quotes: all } },
    { id: "support", modules: { companies: { view: true }, deals: { view: true }, quotes: { view: true, fields: { internalNotes: "hidden", discount: "readOnly" } } } },
  ],
  users: [
    { id: "claire", role: "ceo" },
    { id: "henrik", role: "head-europe" },
    { id: "ines", role: "rep-europe" },
    { id: "jonas", role: "rep-europe" },
    { id: "sam", role: "support" },
  ],
  sharingRules: [
    { id: "support-reads-europe", module: "deals", from: { roleAndSubordinates: "head-europe" }, to: { role: "support" }, access: "read", related: { quotes: "read" } },
  ],
  records: [
    { id: "acme", module: "companies", owner: "ines" },
    { id: "acme-renewal", module: "deals", owner: "ines", parent: "acme" },
    { id: "acme-quote", module: "quotes", owner: "ines", parent: "acme-renewal", fields: { total: 48000, discount: 0.1, internalNotes: "can go to 15%" } },
  ],
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const engine = new Engine(model);
  title("Role hierarchy and sharing rules");
  table(engine, ["ines", "jonas", "henrik", "claire", "sam"], ["acme", "acme-renewal", "acme-quote"]);
  console.log("\n  support sees the quote with these fields:", JSON.stringify(engine.mask("sam", "acme-quote").fields));
}
