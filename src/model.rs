//! The JSON model as it is written by users: every type here is the exact shape
//! of the input, with its defaults. Each struct denies unknown keys, so a typo is
//! an error instead of a silently different rule.
//!
//! These types are also the source of the TypeScript declarations shipped in the
//! npm package (through `tsify`, only when the `wasm` feature is on).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg(feature = "wasm")]
use tsify::Tsify;

/// The whole access model of one organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Model {
    /// The record types of the CRM (companies, contacts, deals…). At least one.
    pub modules: Vec<Module>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub roles: Vec<Role>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub profiles: Vec<Profile>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub groups: Vec<Group>,
    pub users: Vec<User>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub workspaces: Vec<Workspace>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub sharing_rules: Vec<SharingRule>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "LimitedAccess | null"))]
    pub limited_access: Option<LimitedAccess>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub records: Vec<CrmRecord>,
    /// Set on a model made by `sliceFor` (issue 13): the one user this model
    /// answers for; an engine built from it refuses queries about anyone else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub slice_for: Option<String>,
}

/// How records of a module are shared with everyone by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum DefaultSharing {
    #[default]
    Private,
    PublicRead,
    PublicReadWrite,
    PublicReadWriteDelete,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Module {
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub default_sharing: DefaultSharing,
    /// `false` for modules without record-level security (FAQ, price books).
    #[serde(default = "yes")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub record_security: bool,
    /// The module of a record's `parent` (deals → companies).
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub parent: Option<String>,
    /// Fields governed by field-level security; `null` means none.
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string[] | null"))]
    pub fields: Option<Vec<String>>,
    /// `false` switches the role hierarchy off for the module's own records.
    #[serde(default = "yes")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub hierarchy: bool,
    /// A record also gets the user's access to its parent record (needs `parent`).
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub controlled_by_parent: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Role {
    pub id: String,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub parent: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub profiles: Vec<String>,
}

/// What a profile says about one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum FieldLevel {
    Hidden,
    ReadOnly,
    Editable,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ModulePermissions {
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub view: bool,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub create: bool,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub edit: bool,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub delete: bool,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "{ [field: string]: FieldLevel }"))]
    pub fields: BTreeMap<String, FieldLevel>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Profile {
    pub id: String,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub view_all: bool,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub edit_all: bool,
    /// Modules this profile opens; a module not listed is closed.
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "{ [module: string]: ModulePermissions }"))]
    pub modules: BTreeMap<String, ModulePermissions>,
}

/// A member of a group: exactly one of the four keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum GroupMember {
    User(String),
    Role(String),
    RoleAndSubordinates(String),
    Group(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub members: Vec<GroupMember>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct User {
    pub id: String,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub role: Option<String>,
    /// Profiles added to those of the user's role.
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub profiles: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub admin: bool,
    #[serde(default = "yes")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub active: bool,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub team_lead: bool,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub limited_crm: bool,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub limited_deals: bool,
    /// A person outside the company: client, partner, freelancer.
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub external: bool,
    /// For external users: the id of their company's record.
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub company: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub read_only: bool,
    /// When a list: records whose `type` is set and not listed do not exist for this user.
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string[] | null"))]
    pub record_types: Option<Vec<String>>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub can_grant_access: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkspaceMember {
    pub user: String,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub read_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum ExternalVisibility {
    #[default]
    All,
    Participating,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum InvitePolicy {
    Owner,
    #[default]
    OwnerAndModerators,
    Members,
}

/// A client project or an extranet group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Workspace {
    pub id: String,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub owner: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub moderators: Vec<String>,
    /// Users with `full` access to every record of the workspace.
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub auditors: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub members: Vec<WorkspaceMember>,
    /// A company record: its external contacts take part without a member entry.
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub counterparty: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub external_visibility: ExternalVisibility,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub invite_policy: InvitePolicy,
}

/// Who a sharing rule shares from, or to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum Principal {
    Role(String),
    RoleAndSubordinates(String),
    Group(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum RuleAccess {
    Read,
    ReadWrite,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SharingRule {
    pub id: String,
    pub module: String,
    pub from: Principal,
    pub to: Principal,
    pub access: RuleAccess,
    /// Access to child records (modules whose parent is `module`).
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "{ [childModule: string]: RuleAccess }"))]
    pub related: BTreeMap<String, RuleAccess>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LimitedAccess {
    pub company_module: String,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub modules: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub deal_module: Option<String>,
    /// Contacts a limited CRM user also sees when they created them and they
    /// are linked to no company and no parent.
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub contact_module: Option<String>,
}

/// One CRM record. `fields` holds its data, keyed by field name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CrmRecord {
    /// Required for stored records; a record only given to a query may omit it.
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub id: Option<String>,
    pub module: String,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub owner: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub parent: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub company: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub account_managers: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub created_by: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub workspaces: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub assignees: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub participants: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub auditors: Vec<String>,
    #[serde(default, rename = "type")]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "string | null"))]
    pub record_type: Option<String>,
    /// The record shared by hand.
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "Share[]"))]
    pub shared_with: Vec<Share>,
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(optional, type = "{ [field: string]: unknown }"))]
    pub fields: Fields,
}

/// Who a record is shared with by hand.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ShareTo {
    User(String),
    Group(String),
    Role(String),
    RoleAndSubordinates(String),
}

/// One entry of a record's `sharedWith`: exactly one of `user`, `group`,
/// `role`, `roleAndSubordinates`, plus `access`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ShareWire", into = "ShareWire")]
pub struct Share {
    pub to: ShareTo,
    pub access: RuleAccess,
}

/// The JSON shape of a [`Share`] (serde's view: every key optional, exactly one
/// principal checked on conversion).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ShareWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role_and_subordinates: Option<String>,
    access: RuleAccess,
}

impl TryFrom<ShareWire> for Share {
    type Error = String;
    fn try_from(w: ShareWire) -> Result<Share, String> {
        let to = match (w.user, w.group, w.role, w.role_and_subordinates) {
            (Some(u), None, None, None) => ShareTo::User(u),
            (None, Some(g), None, None) => ShareTo::Group(g),
            (None, None, Some(r), None) => ShareTo::Role(r),
            (None, None, None, Some(r)) => ShareTo::RoleAndSubordinates(r),
            _ => return Err("a share needs exactly one of user, group, role, roleAndSubordinates".into()),
        };
        Ok(Share { to, access: w.access })
    }
}

impl From<Share> for ShareWire {
    fn from(s: Share) -> ShareWire {
        let mut w = ShareWire { user: None, group: None, role: None, role_and_subordinates: None, access: s.access };
        match s.to {
            ShareTo::User(u) => w.user = Some(u),
            ShareTo::Group(g) => w.group = Some(g),
            ShareTo::Role(r) => w.role = Some(r),
            ShareTo::RoleAndSubordinates(r) => w.role_and_subordinates = Some(r),
        }
        w
    }
}

#[cfg(feature = "wasm")]
#[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
const SHARE_TS: &str = r#"/** One entry of a record's `sharedWith`. */
export type Share = ({ user: string } | { group: string } | { role: string } | { roleAndSubordinates: string }) & { access: RuleAccess };"#;

/// Does this JSON text hold a `\uXXXX` escape of a lone surrogate? Field data
/// is kept as text without decoding its strings, so this is checked here, as
/// decoding would (serde_json refuses such escapes in the strings it decodes).
pub(crate) fn has_lone_surrogate(json: &str) -> bool {
    let b = json.as_bytes();
    let hex = |at: usize| -> Option<u32> { b.get(at..at + 4).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u32::from_str_radix(h, 16).ok()) };
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        if b.get(i + 1) != Some(&b'u') {
            i += 2; // any other escape: skip the escaped character
            continue;
        }
        let Some(cp) = hex(i + 2) else { return true };
        i += 6;
        if (0xD800..0xDC00).contains(&cp) {
            let low = (b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u')).then(|| hex(i + 2)).flatten();
            match low {
                Some(lo) if (0xDC00..0xE000).contains(&lo) => i += 6,
                _ => return true,
            }
        } else if (0xDC00..0xE000).contains(&cp) {
            return true;
        }
    }
    false
}

/// A record's field data: a JSON object, kept as its text. Decisions never
/// read it; only masking does, so it is not parsed until then.
#[derive(Clone)]
pub struct Fields(Box<serde_json::value::RawValue>);

impl Fields {
    /// The JSON text of the object.
    pub fn as_json(&self) -> &str {
        self.0.get()
    }
    /// True for `{}` (whatever white space is inside).
    pub fn is_empty(&self) -> bool {
        self.as_json().trim_start_matches('{').trim_end_matches('}').trim().is_empty()
    }
    /// The fields as a JSON object, in their order.
    pub fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(self.as_json()).unwrap_or_default()
    }
    pub(crate) fn from_raw(raw: Box<serde_json::value::RawValue>) -> Fields {
        Fields(raw)
    }
    /// Field data from a JSON object.
    pub fn from_map(map: &serde_json::Map<String, serde_json::Value>) -> Fields {
        let text = serde_json::to_string(map).unwrap_or_else(|_| "{}".into());
        Fields(serde_json::value::RawValue::from_string(text).unwrap_or_else(|_| Fields::default().0))
    }
}

impl Default for Fields {
    fn default() -> Self {
        Fields(serde_json::value::RawValue::from_string("{}".into()).expect("\"{}\" is JSON"))
    }
}

impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_json())
    }
}

impl PartialEq for Fields {
    fn eq(&self, other: &Self) -> bool {
        self.to_map() == other.to_map()
    }
}

impl Serialize for Fields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
        if !raw.get().starts_with('{') {
            return Err(serde::de::Error::custom("expected an object of field values"));
        }
        if has_lone_surrogate(raw.get()) {
            return Err(serde::de::Error::custom("field data holds a lone surrogate escape (text that is not valid Unicode)"));
        }
        Ok(Fields(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::has_lone_surrogate;

    #[test]
    fn lone_surrogate_escapes_are_found_and_pairs_and_literals_are_not() {
        for (text, lone) in [
            (r#"{"a":"x"}"#, false),
            (r#"{"a":"\ud83d\ude00"}"#, false),
            (r#"{"a":"\ud800"}"#, true),
            (r#"{"a":"\udc00"}"#, true),
            (r#"{"a":"\ud800x"}"#, true),
            (r#"{"\ud800":1}"#, true),
            (r#"{"a":"\\ud800"}"#, false),
            (r#"{"a":"\\\ud800"}"#, true),
            (r#"{"a":"\u00e9\n\""}"#, false),
        ] {
            assert_eq!(has_lone_surrogate(text), lone, "{text}");
        }
    }
}
