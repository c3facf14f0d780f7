//! The reasons a [`Decision`](crate::Decision) gives: stable codes naming the
//! grants, caps and denials that decided it. A reason serialises as its code,
//! followed by `:` and its argument when it has one (`"owner"`,
//! `"workspace-owner:ws1"`, `"sharing-rule:r1"`, `"profile-closed:edit"`).
//!
//! The argument is kept as a shared string (or an [`Action`]), so building a
//! reason never formats text: the string exists only when it is written out.

use crate::level::Action;
use std::fmt;
use std::sync::Arc;

macro_rules! reasons {
    ($($(#[$doc:meta])* $var:ident $(($arg:ty))? = $code:literal,)*) => {
        /// Why a decision came out as it did; see the module docs.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Reason {
            $($(#[$doc])* $var $(($arg))?,)*
        }

        /// Every code a [`Reason`] can have, in the order of the enum.
        pub const REASON_CODES: &[&str] = &[$($code),*];

        /// The variants without their arguments, numbered in the order of the enum.
        #[allow(dead_code, clippy::enum_variant_names)]
        #[derive(Clone, Copy)]
        enum CodeIx { $($var,)* }

        impl Reason {
            /// The code's position in [`REASON_CODES`].
            pub fn code_index(&self) -> usize {
                match self {
                    $(Reason::$var { .. } => CodeIx::$var as usize,)*
                }
            }

            /// The code: the serialised form up to the `:` of its argument.
            pub fn code(&self) -> &'static str {
                match self {
                    $(Reason::$var { .. } => $code,)*
                }
            }
        }
    };
}

reasons! {
    /// The user is inactive.
    Inactive = "inactive",
    /// The user is an administrator.
    Admin = "admin",
    /// The user's profiles close this action (or viewing) on the module.
    ProfileClosed(Action) = "profile-closed",
    /// The user's profiles open creation in the module.
    ProfileCreate = "profile-create",
    /// The record's type is outside the user's record types.
    RecordTypeHidden = "record-type-hidden",
    /// A read-only user: the level is capped at read.
    ReadOnlyUser = "read-only-user",
    /// Nothing grants the user access.
    NoGrant = "no-grant",
    /// The module has no record-level security.
    NoRecordSecurity = "no-record-security",
    /// Limited CRM access, and the user manages the record.
    LimitedCrmManaged = "limited-crm-managed",
    /// Limited CRM access, and the user does not manage the record.
    LimitedCrmUnmanaged = "limited-crm-unmanaged",
    /// Limited deal access, and the user owns the deal.
    LimitedDealsOwn = "limited-deals-own",
    /// Limited deal access, and the user does not own the deal.
    LimitedDealsNotOwn = "limited-deals-not-own",
    /// The user owns the record.
    Owner = "owner",
    /// The record's owner is below the user in the role hierarchy.
    Hierarchy = "hierarchy",
    /// The record is owned by a group the user belongs to.
    GroupOwner = "group-owner",
    /// The user is an account manager of the record.
    AccountManager = "account-manager",
    /// The user is an auditor of the record.
    Auditor = "auditor",
    /// The user is an assignee of the record.
    Assignee = "assignee",
    /// The user is a participant of the record.
    Participant = "participant",
    /// The user owns a workspace the record is in.
    WorkspaceOwner(Arc<str>) = "workspace-owner",
    /// The user moderates a workspace the record is in.
    WorkspaceModerator(Arc<str>) = "workspace-moderator",
    /// The user is a member of a workspace the record is in.
    WorkspaceMember(Arc<str>) = "workspace-member",
    /// The user is a read-only member of a workspace the record is in.
    WorkspaceReadOnly(Arc<str>) = "workspace-read-only",
    /// An external user of the workspace's counterparty company.
    WorkspaceCounterparty(Arc<str>) = "workspace-counterparty",
    /// An external user auditing the record in a workspace.
    WorkspaceAuditor(Arc<str>) = "workspace-auditor",
    /// An external user assigned to the record in a workspace.
    WorkspaceAssignee(Arc<str>) = "workspace-assignee",
    /// An external user who created the record in a workspace.
    WorkspaceCreator(Arc<str>) = "workspace-creator",
    /// An external user participating in the record in a workspace.
    WorkspaceParticipant(Arc<str>) = "workspace-participant",
    /// An external user not involved in the record in a workspace that shows
    /// external users only what they take part in.
    WorkspaceNotInvolved(Arc<str>) = "workspace-not-involved",
    /// Creation in a workspace the user does not take part in.
    WorkspaceNotParticipant(Arc<str>) = "workspace-not-participant",
    /// An external user and a record in none of their workspaces.
    ExternalOutsideWorkspaces = "external-outside-workspaces",
    /// An external user creating a record outside any workspace.
    ExternalNeedsWorkspace = "external-needs-workspace",
    /// The module's organisation-wide default.
    DefaultSharing = "default-sharing",
    /// A sharing rule (by id).
    SharingRule(Arc<str>) = "sharing-rule",
    /// The related-records part of a sharing rule (by id).
    RelatedSharing(Arc<str>) = "related-sharing",
    /// A sharing rule (by id) whose `to` matches a user below this one in the
    /// role hierarchy (§2 "reaches"; modules with `hierarchy: true`).
    SubordinateRule(Arc<str>) = "subordinate-rule",
    /// The related-records part of a sharing rule (by id), reaching the user
    /// through a subordinate.
    SubordinateRelated(Arc<str>) = "subordinate-related",
    /// The record is shared by hand with the user (argument: the user, group
    /// or role id the share names).
    Shared(Arc<str>) = "shared",
    /// The record is shared by hand with a user below this one in the role
    /// hierarchy (argument: the id the share names).
    SubordinateShared(Arc<str>) = "subordinate-shared",
    /// The user audits a workspace the record is in (workspace auditors).
    AuditsWorkspace(Arc<str>) = "audits-workspace",
    /// The record follows its parent record (by id): the user's access to it (§3.8).
    ControlledByParent(Arc<str>) = "controlled-by-parent",
    /// Creation names a parent record (by id) that is not stored or that the user may not view.
    ParentNotViewable(Arc<str>) = "parent-not-viewable",
    /// Creation names a company record (by id) that is not stored or that the user may not view.
    CompanyNotViewable(Arc<str>) = "company-not-viewable",
    /// The answer would have read the record's parent (by id), which is not
    /// stored: it counts as absent (related sharing, §3.8, limited access, creation).
    ParentNotStored(Arc<str>) = "parent-not-stored",
    /// The answer would have read the record's company (by id), which is not
    /// stored: it counts as absent (limited CRM access, creation).
    CompanyNotStored(Arc<str>) = "company-not-stored",
    /// A profile with editAll.
    EditAll = "edit-all",
    /// A profile with viewAll.
    ViewAll = "view-all",
    /// `decideUpdate`: every condition of the update holds.
    UpdateAllowed = "update-allowed",
    /// `decideUpdate`: the user may not edit the record as it was.
    UpdateNeedsEdit = "update-needs-edit",
    /// `decideUpdate`: a changed key of `fields` (by name) is not editable
    /// for the user on the record as it was.
    FieldNotEditable(Arc<str>) = "field-not-editable",
    /// `decideUpdate`: a changed `owner`, `accountManagers`, `auditors` or
    /// `createdBy` (the key) needs `full` access on the record as it was.
    HandoverNeedsFull(Arc<str>) = "handover-needs-full",
    /// `decideUpdate`: the new `parent` (by id) is not stored or not viewable.
    MoveParentNotViewable(Arc<str>) = "move-parent-not-viewable",
    /// `decideUpdate`: the new `company` (by id) is not stored or not viewable.
    MoveCompanyNotViewable(Arc<str>) = "move-company-not-viewable",
    /// `decideUpdate`: `sharedWith` changed and the user may not share the record.
    ShareChangeNeedsCanShare = "share-change-needs-can-share",
}

impl Reason {
    /// The argument after the `:`, when the reason has one.
    pub fn arg(&self) -> Option<&str> {
        use Reason::*;
        match self {
            ProfileClosed(a) => Some(a.as_str()),
            WorkspaceOwner(s)
            | WorkspaceModerator(s)
            | WorkspaceMember(s)
            | WorkspaceReadOnly(s)
            | WorkspaceCounterparty(s)
            | WorkspaceAuditor(s)
            | WorkspaceAssignee(s)
            | WorkspaceCreator(s)
            | WorkspaceParticipant(s)
            | WorkspaceNotInvolved(s)
            | WorkspaceNotParticipant(s)
            | SharingRule(s)
            | RelatedSharing(s)
            | SubordinateRule(s)
            | SubordinateRelated(s)
            | Shared(s)
            | SubordinateShared(s)
            | AuditsWorkspace(s)
            | ControlledByParent(s)
            | ParentNotViewable(s)
            | CompanyNotViewable(s)
            | ParentNotStored(s)
            | CompanyNotStored(s)
            | FieldNotEditable(s)
            | HandoverNeedsFull(s)
            | MoveParentNotViewable(s)
            | MoveCompanyNotViewable(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the serialised form equals `s` (without building it).
    fn is(&self, s: &str) -> bool {
        let code = self.code();
        match self.arg() {
            None => s == code,
            Some(arg) => s.len() == code.len() + 1 + arg.len() && s.starts_with(code) && s[code.len()..].starts_with(':') && s.ends_with(arg),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())?;
        if let Some(arg) = self.arg() {
            f.write_str(":")?;
            f.write_str(arg)?;
        }
        Ok(())
    }
}

impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.arg() {
            None => s.serialize_str(self.code()),
            Some(_) => s.collect_str(self),
        }
    }
}

impl PartialEq<str> for Reason {
    fn eq(&self, other: &str) -> bool {
        self.is(other)
    }
}

impl PartialEq<&str> for Reason {
    fn eq(&self, other: &&str) -> bool {
        self.is(other)
    }
}

impl PartialEq<String> for Reason {
    fn eq(&self, other: &String) -> bool {
        self.is(other)
    }
}

/// The TypeScript types of reasons, for the `wasm` binding's `.d.ts`; a test
/// holds `ReasonCode` to [`REASON_CODES`].
#[cfg(any(test, feature = "wasm"))]
#[allow(dead_code)] // read through the wasm binding's custom section, which the lint does not see
pub(crate) const REASON_TS: &str = r#"/** Every code a decision's reason can have. */
export type ReasonCode = "inactive" | "admin" | "profile-closed" | "profile-create" | "record-type-hidden" | "read-only-user" | "no-grant" | "no-record-security" | "limited-crm-managed" | "limited-crm-unmanaged" | "limited-deals-own" | "limited-deals-not-own" | "owner" | "hierarchy" | "group-owner" | "account-manager" | "auditor" | "assignee" | "participant" | "workspace-owner" | "workspace-moderator" | "workspace-member" | "workspace-read-only" | "workspace-counterparty" | "workspace-auditor" | "workspace-assignee" | "workspace-creator" | "workspace-participant" | "workspace-not-involved" | "workspace-not-participant" | "external-outside-workspaces" | "external-needs-workspace" | "default-sharing" | "sharing-rule" | "related-sharing" | "subordinate-rule" | "subordinate-related" | "shared" | "subordinate-shared" | "audits-workspace" | "controlled-by-parent" | "parent-not-viewable" | "company-not-viewable" | "parent-not-stored" | "company-not-stored" | "edit-all" | "view-all" | "update-allowed" | "update-needs-edit" | "field-not-editable" | "handover-needs-full" | "move-parent-not-viewable" | "move-company-not-viewable" | "share-change-needs-can-share";
/** A reason: its code, with its argument after a colon when it has one. */
export type Reason = ReasonCode | `${ReasonCode}:${string}`;
"#;

#[cfg(feature = "wasm")]
#[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
const REASON_TS_SECTION: &'static str = REASON_TS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typescript_union_lists_every_code() {
        let union: Vec<String> = REASON_CODES.iter().map(|c| format!("\"{c}\"")).collect();
        let line = format!("export type ReasonCode = {};", union.join(" | "));
        assert!(REASON_TS.lines().any(|l| l == line), "REASON_TS should have the line:\n{line}");
    }

    #[test]
    fn reasons_serialise_as_code_and_argument() {
        let r = Reason::WorkspaceOwner("ws1".into());
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"workspace-owner:ws1\"");
        assert_eq!(serde_json::to_string(&Reason::Owner).unwrap(), "\"owner\"");
        assert_eq!(Reason::ProfileClosed(Action::Edit).to_string(), "profile-closed:edit");
        assert!(r == "workspace-owner:ws1" && r != "workspace-owner:ws" && r != "workspace-owner");
        assert_eq!(r.code(), "workspace-owner");
        assert_eq!(REASON_CODES[r.code_index()], "workspace-owner");
        assert_eq!(REASON_CODES[Reason::Owner.code_index()], "owner");
        assert_eq!(REASON_CODES[Reason::ShareChangeNeedsCanShare.code_index()], "share-change-needs-can-share");
    }
}
