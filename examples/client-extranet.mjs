// A client extranet: an agency runs one project per client. The client's people
// follow their project; Pierre's access is read-only; Sofia only sees meetings
// and reports, not internal calls. Nothing else in the CRM exists for them.
import { Engine } from "crm-access";
import { table, title } from "./show.mjs";

const all = { view: true, create: true, edit: true, delete: true };
export const model = {
  modules: [{ name: "interactions", defaultSharing: "publicRead" }, { name: "documents" }],
  roles: [{ id: "agency", profiles: ["staff"] }],
  profiles: [
    { id: "staff", modules: { interactions: all, documents: all } },
    { id: "client", modules: { interactions: { view: true, create: true, edit: true }, documents: { view: true, create: true, edit: true } } },
  ],
  users: [
    { id: "alice", role: "agency" },
    { id: "sofia", external: true, profiles: ["client"], company: "pinewood", recordTypes: ["meeting", "report"] },
    { id: "pierre", external: true, profiles: ["client"], company: "pinewood" },
    { id: "olaf", external: true, profiles: ["client"], company: "other-client" },
  ],
  workspaces: [
    { id: "pinewood-site", owner: "alice", members: [{ user: "sofia" }, { user: "pierre", readOnly: true }], invitePolicy: "members" },
  ],
  records: [
    { id: "kickoff", module: "interactions", owner: "alice", type: "meeting", workspaces: ["pinewood-site"] },
    { id: "budget-call", module: "interactions", owner: "alice", type: "call", workspaces: ["pinewood-site"] },
    { id: "brief.pdf", module: "documents", owner: "alice", workspaces: ["pinewood-site"] },
    { id: "agency-plan", module: "documents", owner: "alice" },
  ],
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const engine = new Engine(model);
  title("Client extranet");
  table(engine, ["sofia", "pierre", "olaf", "alice"], ["kickoff", "budget-call", "brief.pdf", "agency-plan"]);
  console.log(`\n  people sofia can pick: ${engine.visibleUsers("sofia").join(", ")}`);
  console.log(`  may sofia invite someone? ${engine.canInvite("sofia", "pinewood-site")}; pierre? ${engine.canInvite("pierre", "pinewood-site")}`);
}
