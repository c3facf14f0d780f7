// Turns the engine's reason codes into plain sentences about one user and one record.
import { displayName, ownerName, participation, principalText, recordTitle, subRoleChain } from "./model.js";

const SHARING_WORDS = {
  publicRead: "read",
  publicReadWrite: "read and edit",
  publicReadWriteDelete: "read, edit and delete",
};
const VERBS = { view: "open", edit: "edit", delete: "delete", create: "create" };

// Every reason code the engine gives (its reasonCodes() export), sorted in two:
// the ones that explain a refusal or a cap, and the ones that explain a grant.
// A test holds the two lists, together, to the engine's list.
export const LIMIT_CODES = [
  "inactive", "read-only-user", "record-type-hidden", "profile-closed", "no-grant",
  "external-outside-workspaces", "workspace-not-involved", "limited-crm-unmanaged",
  "limited-deals-not-own", "workspace-read-only", "external-needs-workspace", "workspace-not-participant",
  "parent-not-viewable", "company-not-viewable", "parent-not-stored", "company-not-stored",
  "update-needs-edit", "field-not-editable", "handover-needs-full", "move-parent-not-viewable",
  "move-company-not-viewable", "share-change-needs-can-share",
];
export const GRANT_CODES = [
  "admin", "profile-create", "no-record-security", "limited-crm-managed", "limited-deals-own",
  "owner", "hierarchy", "group-owner", "account-manager", "auditor", "assignee", "participant",
  "workspace-owner", "workspace-moderator", "workspace-member", "workspace-counterparty", "workspace-auditor",
  "workspace-assignee", "workspace-creator", "workspace-participant",
  "default-sharing", "sharing-rule", "related-sharing", "subordinate-rule", "subordinate-related",
  "shared", "subordinate-shared", "audits-workspace", "controlled-by-parent",
  "edit-all", "view-all", "update-allowed",
];
const LIMITS = new Set(LIMIT_CODES);

export function isLimit(code) {
  return LIMITS.has(splitCode(code)[0]);
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

// The share of rec that names `id` (a user, group or role), if any.
function shareNaming(rec, id) {
  return (rec?.sharedWith ?? []).find((e) => [e.user, e.group, e.role, e.roleAndSubordinates].includes(id));
}

function shareText(ix, rec, id) {
  const e = shareNaming(rec, id);
  if (!e) return ix.users.has(id) ? displayName(id) : `“${id}”`;
  if (e.user != null) return displayName(e.user);
  if (e.group != null) return `the group “${e.group}”`;
  if (e.role != null) return `the role “${e.role}”`;
  return `the role “${e.roleAndSubordinates}” and below`;
}

const shareLevel = (rec, id) => (shareNaming(rec, id)?.access === "readWrite" ? "read and edit" : "read");

// For an outside user involved in a record: the workspaces of the record they are not part of.
function outsideProjects(ix, uid, rec) {
  const user = ix.users.get(uid);
  const list = rec?.workspaces ?? [];
  if (!user?.external || list.some((w) => participation(ix, uid, w))) return null;
  return list;
}

function involvement(ix, uid, rec, role) {
  const outside = outsideProjects(ix, uid, rec);
  if (!outside) return null;
  const where = outside.length ? ` of ${outside.map(ws).join(", ")}, a project you are not part of` : "";
  return `you were added to this item${where}, as ${role}`;
}

const KEY_WORDS = { owner: "the owner", accountManagers: "the account managers", auditors: "the auditors", createdBy: "who created it" };

// One reason → one sentence (second person: "you" is the user being viewed as).
// `path`, when given, is the grant's path from engine.explain(): its role
// chain and the subordinate a grant reaches the user through are used.
export function sentence(ix, uid, rec, code, path = null) {
  const text = baseSentence(ix, uid, rec, code, path);
  const named = splitCode(code)[1] === path?.subordinate; // a share naming that very person says so already
  return path?.subordinate && !named ? `${text} (through ${displayName(path.subordinate)})` : text;
}

function baseSentence(ix, uid, rec, code, path) {
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
      const chain = path?.roles?.length >= 2 ? path.roles : owner?.role && user.role ? subRoleChain(ix, owner.role, user.role) : null;
      if (chain && chain.length === 2) return `owned by ${displayName(rec.owner)}, who reports to you`;
      if (chain) return `owned by ${displayName(rec.owner)}, who reports to you indirectly (${chain.join(" → ")})`;
      return `owned by ${ownerName(ix, rec?.owner)}, who is below you in the role hierarchy`;
    }
    case "group-owner": return `owned by ${ownerName(ix, rec?.owner)}, and you belong to that group`;
    case "account-manager": {
      const rank = managerRank(rec, uid);
      return rank ? `you manage this account${rank}` : "you are one of its account managers";
    }
    case "auditor": return involvement(ix, uid, rec, "an auditor") ?? "you are one of its auditors";
    case "assignee": return involvement(ix, uid, rec, "an assignee") ?? "it is assigned to you";
    case "participant": return involvement(ix, uid, rec, "a participant") ?? "you take part in it";
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
    case "subordinate-rule": {
      const r = ix.rules.get(detail);
      if (!r) return `sharing rule ${ws(detail)} shares it with someone who reports to you, so you see it too`;
      return `the sharing rule ${ws(detail)} shares ${r.module} owned by ${principalText(r.from)} with ${principalText(r.to)}, which includes someone who reports to you, so you get it too`;
    }
    case "subordinate-related": {
      const parent = rec?.parent != null ? ix.records.get(rec.parent) : null;
      const parentText = parent ? `its parent “${recordTitle(parent)}”` : "its parent record";
      return `the sharing rule ${ws(detail)} shares ${parentText} with someone who reports to you, and its ${mod} come along to you too`;
    }
    case "shared": {
      const whom = shareNaming(rec, detail);
      const level = shareLevel(rec, detail);
      if (detail === uid || whom?.user != null) return `it was shared with you by hand (${level})`;
      return `it was shared by hand with ${shareText(ix, rec, detail)}, which includes you (${level})`;
    }
    case "subordinate-shared":
      return `it was shared by hand with ${shareText(ix, rec, detail)}, below you in the role hierarchy, so you get it too (${shareLevel(rec, detail)})`;
    case "audits-workspace": return `you audit the project ${ws(detail)} it belongs to, which opens every record of it to you`;
    case "controlled-by-parent": {
      const parent = ix.records.get(detail);
      const name = parent ? `“${recordTitle(parent)}”` : `record ${detail}`;
      return `it follows its parent ${name}: what you may do there, you may do here`;
    }
    case "parent-not-viewable": {
      const parent = ix.records.get(detail);
      return parent ? `you may not open “${recordTitle(parent)}”, so you cannot add a record under it` : `its parent record ${detail} does not exist (yet), so nothing can be added under it`;
    }
    case "company-not-viewable": {
      const c = ix.records.get(detail);
      return c ? `you may not open the company “${recordTitle(c)}”, so you cannot add a record to it` : `the company ${detail} does not exist (yet), so nothing can be added to it`;
    }
    case "parent-not-stored": return `its parent record ${detail} is not stored in the engine, so nothing it could give counts here`;
    case "company-not-stored": return `its company ${detail} is not stored in the engine, so nothing it could give counts here`;
    case "update-allowed": return "you may save this change";
    case "update-needs-edit": return "you may not edit it as it is now, so you cannot save a change";
    case "field-not-editable": return `you may not change the field “${detail}”`;
    case "handover-needs-full": return `changing ${KEY_WORDS[detail] ?? `“${detail}”`} hands the record over, and that needs full access to it`;
    case "move-parent-not-viewable": {
      const parent = ix.records.get(detail);
      return `you may not open the new parent ${parent ? `“${recordTitle(parent)}”` : detail}, so you cannot move it there`;
    }
    case "move-company-not-viewable": {
      const c = ix.records.get(detail);
      return `you may not open the new company ${c ? `“${recordTitle(c)}”` : detail}, so you cannot move it there`;
    }
    case "share-change-needs-can-share": return "changing who it is shared with needs the right to share it (full access, and not an outside or read-only user)";
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
    case "record-type-hidden": return rec?.type != null ? `records of type “${rec.type}” are not available to you` : "records of this type are not available to you";
    case "profile-closed": return `none of your profiles lets you ${VERBS[detail] ?? detail} ${mod}`;
    case "no-grant": {
      const m = ix.modules.get(mod);
      const owner = ix.users.get(rec?.owner);
      if (m?.hierarchy === false && owner?.role && user.role && owner.role !== user.role && subRoleChain(ix, owner.role, user.role)) {
        return `owned by ${displayName(rec.owner)}, who reports to you, but the role hierarchy is switched off for ${mod}, and nothing else opens it to you`;
      }
      return "nothing opens it to you: it isn't yours or owned below you, and no workspace, sharing rule or public default covers it";
    }
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

// Per action: allowed + its sentences. `xs`, when given, holds engine.explain()'s
// answer per action: its grant paths go into the sentences of the grants.
export function explainActions(ix, uid, rec, d, xs = null) {
  return ["view", "edit", "delete"].map((action) => {
    const paths = new Map((xs?.[action]?.grants ?? []).map((g) => [g.reason, g.path]));
    return {
      action,
      allowed: d[action].allowed,
      access: d[action].access,
      reasons: d[action].reasons,
      sentences: d[action].reasons.map((c) => cap(sentence(ix, uid, rec, c, paths.get(c) ?? null))),
    };
  });
}

export function describeParticipation(ix, uid) {
  const out = [];
  for (const w of ix.workspaces.keys()) {
    const p = participation(ix, uid, w);
    if (p) out.push({ workspace: w, part: p });
  }
  return out;
}

// A suggested change of explain() (`{ op, kind, id, path, value }`) in plain words.
export function changeText(ix, uid, c) {
  const who = (id) => (id === uid ? "you" : displayName(id));
  const last = c.path[c.path.length - 1];
  const LISTS = { accountManagers: "the account managers", auditors: "the auditors", moderators: "the moderators", members: "the members", profiles: "the profiles", recordTypes: "the record types" };
  if (c.kind === "profile" && c.op === "put") {
    const [mod, perms] = Object.entries(c.value.modules ?? {})[0] ?? ["?", {}];
    return `a new profile “${c.id}” that opens ${mod} (${Object.keys(perms).join(", ")}) were given to ${who(uid)}`;
  }
  if (c.kind === "profile") return `the profile “${c.id}” allowed ${c.path[2] ?? "it"} on ${c.path[1] ?? "the module"}`;
  if (c.kind === "sharingRule") return `a sharing rule shared ${c.value.module} owned by ${principalText(c.value.from)} with ${principalText(c.value.to)} (${c.value.access === "readWrite" ? "read and edit" : "read"})`;
  if (c.kind === "record" && last === "sharedWith") {
    const mine = (c.value ?? []).find((e) => e.user === uid);
    return `it were shared by hand with ${who(uid)} (${mine?.access === "readWrite" ? "read and edit" : "read"})`;
  }
  if (c.kind === "user") {
    if (last === "active") return `${who(uid)} were reactivated`;
    if (last === "readOnly") return `${who(uid)} were no longer read-only`;
    if (last === "limitedCrm") return `${who(uid)} had no limited CRM access`;
    if (last === "limitedDeals") return `${who(uid)} had no limited deal access`;
    if (last === "role") return `${who(uid)} had the role “${c.value}”`;
    if (last === "profiles") return `${who(uid)} had the profile “${c.value}”`;
    if (last === "recordTypes") return `${who(uid)} could see records of type “${c.value}”`;
  }
  const item = typeof c.value === "object" && c.value !== null ? c.value.user : c.value;
  const where = c.kind === "record" ? "this record" : c.kind === "group" ? `the group “${c.id}”` : c.kind === "workspace" ? `the workspace “${c.id}”` : `${c.kind} “${c.id}”`;
  if (c.op === "add") return `${who(item)} were added to ${LISTS[last] ?? last} of ${where}`;
  return `${where} had ${last} set to ${JSON.stringify(c.value)}`;
}

// A suggestion in plain words: "it would open if you were added to the group “support”".
export function suggestionText(ix, uid, s) {
  return `it would open if ${s.changes.map((c) => changeText(ix, uid, c)).join(", and ")}`;
}
