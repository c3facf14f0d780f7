// Turns the engine's reason codes into plain sentences about one user and one record.
import { displayName, ownerName, participation, principalText, recordTitle, subRoleChain } from "./model.js";

const SHARING_WORDS = {
  publicRead: "read",
  publicReadWrite: "read and edit",
  publicReadWriteDelete: "read, edit and delete",
};
const VERBS = { view: "open", edit: "edit", delete: "delete", create: "create" };

// Reasons that explain a refusal or a cap rather than a grant.
export function isLimit(code) {
  const [kind] = splitCode(code);
  return [
    "inactive", "read-only-user", "record-type-hidden", "profile-closed", "no-grant",
    "external-outside-workspaces", "workspace-not-involved", "limited-crm-unmanaged",
    "limited-deals-not-own", "workspace-read-only", "external-needs-workspace", "workspace-not-participant",
  ].includes(kind);
}

export function splitCode(code) {
  const s = String(code);
  const at = s.indexOf(":");
  return at < 0 ? [s, null] : [s.slice(0, at), s.slice(at + 1)];
}

const ws = (id) => `“${id}”`;
const ORDINALS = ["first", "second", "third", "fourth", "fifth"];

// " (first account manager)" when the record lists the user among several managers.
function managerRank(rec, uid) {
  const list = rec?.accountManagers ?? [];
  const i = list.indexOf(uid);
  if (i < 0 || list.length < 2) return "";
  return ` (${ORDINALS[i] ?? `number ${i + 1}`} account manager)`;
}

// One reason → one sentence (second person: "you" is the user being viewed as).
export function sentence(ix, uid, rec, code) {
  const [kind, detail] = splitCode(code);
  const mod = rec?.module ?? "records";
  const user = ix.users.get(uid) ?? {};
  const company = rec?.company != null ? ix.records.get(rec.company) : null;
  const companyName = company ? `“${recordTitle(company)}”` : rec?.company != null ? `company ${rec.company}` : null;
  switch (kind) {
    case "inactive": return "your account is deactivated, so nothing is open to you";
    case "admin": return "you are an administrator, so every record is open to you";
    case "owner": return "you own it";
    case "hierarchy": {
      const owner = ix.users.get(rec?.owner);
      const chain = owner?.role && user.role ? subRoleChain(ix, owner.role, user.role) : null;
      if (chain && chain.length === 2) return `owned by ${displayName(rec.owner)}, who reports to you`;
      if (chain) return `owned by ${displayName(rec.owner)}, who reports to you indirectly (${chain.join(" → ")})`;
      return `owned by ${ownerName(ix, rec?.owner)}, who is below you in the role hierarchy`;
    }
    case "group-owner": return `owned by ${ownerName(ix, rec?.owner)}, and you belong to that group`;
    case "account-manager": {
      const rank = managerRank(rec, uid);
      return rank ? `you manage this account${rank}` : "you are one of its account managers";
    }
    case "auditor": return "you are one of its auditors";
    case "assignee": return "it is assigned to you";
    case "participant": return "you take part in it";
    case "workspace-owner": return `you own the workspace ${ws(detail)} it belongs to`;
    case "workspace-moderator": return `you moderate the workspace ${ws(detail)} it belongs to`;
    case "workspace-member": return `it belongs to ${ws(detail)}, where you are a member`;
    case "workspace-read-only": return `it belongs to ${ws(detail)}, where your access is read-only`;
    case "workspace-counterparty": {
      const cp = ix.workspaces.get(detail)?.counterparty;
      const c = cp != null ? ix.records.get(cp) : null;
      return `your company${c ? ` (${recordTitle(c)})` : ""} is the client of ${ws(detail)}, which it belongs to`;
    }
    case "workspace-auditor": return `you audit it in ${ws(detail)}`;
    case "workspace-assignee": return `it is assigned to you in ${ws(detail)}`;
    case "workspace-creator": return `you created it in ${ws(detail)}`;
    case "workspace-participant": return `you take part in it in ${ws(detail)}`;
    case "workspace-not-involved":
      return `${ws(detail)} only shows outsiders the items they are involved in, and you are not involved in this one`;
    case "default-sharing": {
      const m = ix.modules.get(mod);
      const words = SHARING_WORDS[m?.defaultSharing];
      return words ? `everyone in the company may ${words} ${mod} (company-wide default)` : `the company-wide default for ${mod} applies`;
    }
    case "sharing-rule": {
      const r = ix.rules.get(detail);
      if (!r) return `sharing rule ${ws(detail)} applies`;
      return `the sharing rule ${ws(detail)} shares ${r.module} owned by ${principalText(r.from)} with ${principalText(r.to)}, which includes you`;
    }
    case "related-sharing": {
      const r = ix.rules.get(detail);
      const parent = rec?.parent != null ? ix.records.get(rec.parent) : null;
      const level = r?.related?.[mod];
      const parentText = parent ? `its parent “${recordTitle(parent)}”` : "its parent record";
      if (!r) return `the related sharing of rule ${ws(detail)} covers ${parentText}`;
      return `the sharing rule ${ws(detail)} shares ${parentText} with you, and its ${mod} come along (${level === "read" ? "read" : "read and edit"})`;
    }
    case "view-all": return "one of your profiles may view every record";
    case "edit-all": return "one of your profiles may edit every record";
    case "no-record-security": return `${mod} has no record-level security, so your profile alone decides`;
    case "limited-crm-managed":
      if (rec?.module === ix.model.limitedAccess?.companyModule) return `you have limited CRM access and manage this company${managerRank(rec, uid)}`;
      if (companyName) return `you have limited CRM access and manage ${companyName}${managerRank(company, uid)}, which it belongs to`;
      return "you have limited CRM access, and you created it (it belongs to no company)";
    case "limited-crm-unmanaged":
      if (rec?.module === ix.model.limitedAccess?.companyModule) return "you have limited CRM access and are not an account manager of this company";
      if (companyName) return `you have limited CRM access and do not manage ${companyName}, which it belongs to`;
      return "you have limited CRM access and this record belongs to no company you manage";
    case "limited-deals-own": return "you have limited deal access, and the deal is yours";
    case "limited-deals-not-own": {
      const deal = rec?.module === ix.model.limitedAccess?.dealModule ? rec : ix.records.get(rec?.parent);
      return `you have limited deal access, and the deal belongs to ${ownerName(ix, deal?.owner)}`;
    }
    case "read-only-user": return "your account is read-only: you may look but not change anything";
    case "record-type-hidden": return `records of type “${rec?.type}” are not available to you`;
    case "profile-closed": return `none of your profiles lets you ${VERBS[detail] ?? detail} ${mod}`;
    case "no-grant": return "nothing opens it to you: it isn't yours or owned below you, and no workspace, sharing rule or public default covers it";
    case "external-outside-workspaces": return "you are an outside user and it is in none of your workspaces";
    case "workspace-not-participant": return `you don't take part in ${ws(detail)}, where it would be filed`;
    case "profile-create": return `your profile lets you create ${mod}`;
    case "external-needs-workspace": return "an outside user must file new records in a workspace they take part in";
    default: return `engine reason “${code}”`;
  }
}

export const VERDICTS = {
  hidden: { label: "Hidden", level: "none" },
  "read-only": { label: "Read-only", level: "read" },
  editable: { label: "Editable", level: "write" },
  deletable: { label: "Deletable", level: "full" },
};

export function verdictOf(d) {
  if (d.delete.allowed && d.view.allowed) return "deletable";
  if (d.edit.allowed) return "editable";
  if (d.view.allowed) return "read-only";
  return "hidden";
}

// Order of limits in a sentence: the specific ones first, "no profile allows it" last.
const rank = (code) => (String(code).startsWith("profile-closed") ? 2 : String(code).startsWith("workspace-read-only") ? 0 : 1);
const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);
const join = (parts) => [...new Set(parts)].join("; ");

// The short "why" line for a verdict: "Visible: owned by Jane, who reports to you".
export function headline(ix, uid, rec, d) {
  const v = verdictOf(d);
  const say = (codes) => join(codes.map((c) => sentence(ix, uid, rec, c)));
  const grants = (dec) => dec.reasons.filter((c) => !isLimit(c));
  const limits = (dec) => dec.reasons.filter((c) => isLimit(c));
  let text;
  if (v === "hidden") text = say(limits(d.view).length ? limits(d.view) : d.view.reasons);
  else if (v === "read-only") {
    // what opens it, then what stops editing (the workspace's read-only flag reads best first)
    const stops = limits(d.edit).sort((a, b) => rank(a) - rank(b));
    const opens = grants(d.view);
    if (opens.length && stops.length) text = `${say(opens)}, but ${say(stops)}`;
    else text = say(stops.length ? stops : opens);
  } else if (v === "editable") text = say(grants(d.edit).length ? grants(d.edit) : d.edit.reasons);
  else text = say(grants(d.delete).length ? grants(d.delete) : d.delete.reasons);
  const lead = { hidden: "Hidden", "read-only": "Read-only", editable: "Editable", deletable: "Deletable" }[v];
  return { verdict: v, text: text ? `${lead}: ${text}` : lead };
}

// Per action: allowed + its sentences.
export function explainActions(ix, uid, rec, d) {
  return ["view", "edit", "delete"].map((action) => ({
    action,
    allowed: d[action].allowed,
    access: d[action].access,
    reasons: d[action].reasons,
    sentences: d[action].reasons.map((c) => cap(sentence(ix, uid, rec, c))),
  }));
}

export function describeParticipation(ix, uid) {
  const out = [];
  for (const w of ix.workspaces.keys()) {
    const p = participation(ix, uid, w);
    if (p) out.push({ workspace: w, part: p });
  }
  return out;
}
